/*  proto.c - msgpack encoding and defensive decoding of wire frames.
 *  msgpack objects never leave this file (S4.3.5): decoded strings are copied.
 *  SPDX-License-Identifier: MIT
 */
#include "proto.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "mem.h"

static const char *s_type_names[] = {"?",   "READY",  "DONE", "FAIL", "HEARTBEAT",
                                     "JOB", "SUBMIT", "ACK",  "NACK"};

const char *proto_type_name(int type)
{
    return (type >= PROTO_READY && type <= PROTO_NACK) ? s_type_names[type] : "?";
}

/* --- encoding ------------------------------------------------------------ */

static void s_pack_str(msgpack_packer *pk, const char *s, size_t n)
{
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, s, n);
}

static void s_pack_key(msgpack_packer *pk, const char *key)
{
    s_pack_str(pk, key, strlen(key));
}

static void s_pack_kv_str(msgpack_packer *pk, const char *key, const char *val)
{
    s_pack_key(pk, key);
    s_pack_str(pk, val, strlen(val));
}

static void s_pack_kv_uint(msgpack_packer *pk, const char *key, uint64_t val)
{
    s_pack_key(pk, key);
    msgpack_pack_uint64(pk, val);
}

static void s_pack_item(msgpack_packer *pk, const proto_item_t *it)
{
    msgpack_pack_map(pk, 1 + !!it->name + !!it->url + !!it->body);
    s_pack_kv_str(pk, "kind", it->kind ? it->kind : "text");
    if (it->name)
        s_pack_kv_str(pk, "name", it->name);
    if (it->url)
        s_pack_kv_str(pk, "url", it->url);
    if (it->body) {
        s_pack_key(pk, "body");
        msgpack_pack_bin(pk, it->body_len);
        msgpack_pack_bin_body(pk, it->body, it->body_len);
    }
}

static void s_pack_ids(msgpack_packer *pk, const proto_msg_t *m)
{
    s_pack_key(pk, "ids");
    msgpack_pack_array(pk, m->n_ids);
    for (size_t i = 0; i < m->n_ids; i++)
        s_pack_str(pk, m->ids[i], strlen(m->ids[i]));
}

/* A DONE's or JOB's further jobs: "more": [[job, attempt, ms], …]. */
static void s_pack_more(msgpack_packer *pk, const proto_msg_t *m)
{
    s_pack_key(pk, "more");
    msgpack_pack_array(pk, m->n_more);
    for (size_t i = 0; i < m->n_more; i++) {
        msgpack_pack_array(pk, 3);
        s_pack_str(pk, m->more[i].job_id, strlen(m->more[i].job_id));
        msgpack_pack_uint32(pk, m->more[i].attempt);
        msgpack_pack_uint32(pk, m->more[i].ms);
    }
}

static void s_pack_kv_true(msgpack_packer *pk, const char *key)
{
    s_pack_key(pk, key);
    msgpack_pack_true(pk);
}

/* One packer a message type, fields in the order peers have always seen. */

static void s_pack_ready(msgpack_packer *pk, const proto_msg_t *m)
{
    msgpack_pack_map(pk, 2 + (m->host[0] != '\0') + m->again + m->leaving +
                             (m->again || m->leaving) + m->more_ok);
    s_pack_kv_str(pk, "stage", m->stage);
    s_pack_kv_uint(pk, "credits", m->credits);
    if (m->more_ok)
        s_pack_kv_true(pk, "more_ok");
    if (m->host[0])
        s_pack_kv_str(pk, "host", m->host);
    if (m->again)
        s_pack_kv_true(pk, "again");
    if (m->leaving)
        s_pack_kv_true(pk, "leaving");
    if (m->again || m->leaving)
        s_pack_ids(pk, m);
}

static void s_pack_done(msgpack_packer *pk, const proto_msg_t *m)
{
    msgpack_pack_map(pk, 2 + m->has_ms + (m->n_more > 0));
    s_pack_kv_str(pk, "job", m->job_id);
    s_pack_kv_uint(pk, "attempt", m->attempt);
    if (m->has_ms)
        s_pack_kv_uint(pk, "ms", m->ms);
    if (m->n_more > 0)
        s_pack_more(pk, m);
}

static void s_pack_fail(msgpack_packer *pk, const proto_msg_t *m)
{
    msgpack_pack_map(pk, 5 + (m->retry_after_ms > 0) + m->has_ms);
    if (m->retry_after_ms > 0)
        s_pack_kv_uint(pk, "retry_after_ms", m->retry_after_ms);
    if (m->has_ms)
        s_pack_kv_uint(pk, "ms", m->ms);
    s_pack_kv_str(pk, "job", m->job_id);
    s_pack_kv_uint(pk, "attempt", m->attempt);
    s_pack_key(pk, "retryable");
    m->retryable ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
    s_pack_key(pk, "code");
    msgpack_pack_int32(pk, m->code);
    s_pack_kv_str(pk, "text", m->text ? m->text : "");
}

static void s_pack_heartbeat(msgpack_packer *pk, const proto_msg_t *m)
{
    (void)m;
    msgpack_pack_map(pk, 0);
}

static void s_pack_job(msgpack_packer *pk, const proto_msg_t *m)
{
    msgpack_pack_map(pk, 4 + (m->n_more > 0));
    s_pack_kv_str(pk, "job", m->job_id);
    s_pack_kv_str(pk, "stage", m->stage);
    s_pack_kv_uint(pk, "attempt", m->attempt);
    s_pack_kv_uint(pk, "lease_ms", m->lease_ms);
    if (m->n_more > 0)
        s_pack_more(pk, m);
}

static void s_pack_submit(msgpack_packer *pk, const proto_msg_t *m)
{
    /* "batch" only when appending to an existing batch: a SUBMIT without
     * it reads exactly as before. */
    msgpack_pack_map(pk, 3 + (m->batch[0] ? 1 : 0) + (m->key[0] ? 1 : 0));
    s_pack_kv_uint(pk, "seq", m->seq);
    s_pack_kv_str(pk, "batch_name", m->batch_name ? m->batch_name : "");
    if (m->batch[0])
        s_pack_kv_str(pk, "batch", m->batch);
    if (m->key[0]) /* likewise optional: old frames stay valid */
        s_pack_kv_str(pk, "key", m->key);
    s_pack_key(pk, "items");
    msgpack_pack_array(pk, m->n_items);
    for (size_t i = 0; i < m->n_items; i++)
        s_pack_item(pk, &m->items[i]);
}

static void s_pack_ack(msgpack_packer *pk, const proto_msg_t *m)
{
    msgpack_pack_map(pk, 3);
    s_pack_kv_uint(pk, "seq", m->seq);
    s_pack_kv_str(pk, "batch", m->batch);
    s_pack_ids(pk, m);
}

static void s_pack_nack(msgpack_packer *pk, const proto_msg_t *m)
{
    msgpack_pack_map(pk, 3);
    s_pack_kv_uint(pk, "seq", m->seq);
    s_pack_key(pk, "code");
    msgpack_pack_int32(pk, m->code);
    s_pack_kv_str(pk, "text", m->text ? m->text : "");
}

/* --- decoding ------------------------------------------------------------ */

/* Read a big-endian unsigned integer of n bytes. */
static uint64_t s_be(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

/* What a header byte from 0xc0 to 0xdf says follows it: skip payload
 * bytes, or a big-endian length of len bytes counting bytes (per 0),
 * array elements (per 1) or map pairs (per 2). Ext types are not ours. */
typedef struct {
    uint8_t ok, skip, len, per;
} s_head_t;

static const s_head_t s_heads[32] = {
    [0x00] = {1, 0, 0, 0}, [0x01] = {1, 0, 0, 0}, [0x02] = {1, 0, 0, 0}, /* nil, bool */
    [0x03] = {1, 0, 0, 0}, [0x04] = {1, 0, 1, 0}, [0x05] = {1, 0, 2, 0}, /* bin8/16 */
    [0x06] = {1, 0, 4, 0}, [0x0a] = {1, 4, 0, 0}, [0x0b] = {1, 8, 0, 0}, /* bin32, floats */
    [0x0c] = {1, 1, 0, 0}, [0x0d] = {1, 2, 0, 0}, [0x0e] = {1, 4, 0, 0}, /* uint8..32 */
    [0x0f] = {1, 8, 0, 0}, [0x10] = {1, 1, 0, 0}, [0x11] = {1, 2, 0, 0}, /* uint64, int8/16 */
    [0x12] = {1, 4, 0, 0}, [0x13] = {1, 8, 0, 0}, [0x19] = {1, 0, 1, 0}, /* int32/64, str8 */
    [0x1a] = {1, 0, 2, 0}, [0x1b] = {1, 0, 4, 0}, [0x1c] = {1, 0, 2, 1}, /* str16/32, array16 */
    [0x1d] = {1, 0, 4, 1}, [0x1e] = {1, 0, 2, 2}, [0x1f] = {1, 0, 4, 2}, /* array32, maps */
};

/* Read the header at p[*pos]: payload bytes to skip and elements that
 * follow (a map's pairs count twice). -1 if malformed or cut. */
static int s_head(const unsigned char *p, size_t len, size_t *pos, uint64_t *skip, uint64_t *items)
{
    unsigned char c = p[(*pos)++];
    *skip = *items = 0;
    if (c <= 0x7f || c >= 0xe0)
        return 0; /* fixint */
    if (c <= 0x8f)
        *items = 2u * (c & 0x0f); /* fixmap */
    else if (c <= 0x9f)
        *items = c & 0x0f; /* fixarray */
    else if (c <= 0xbf)
        *skip = c & 0x1f; /* fixstr */
    if (c < 0xc0)
        return 0;
    s_head_t h = s_heads[c - 0xc0];
    if (!h.ok || len - *pos < h.len)
        return -1;
    uint64_t n = s_be(p + *pos, h.len);
    *pos += h.len;
    *skip = h.len ? (h.per ? 0 : n) : h.skip;
    *items = h.per * n;
    return 0;
}

/* Walk the msgpack headers without allocating, and refuse a frame whose
 * containers claim more elements than there are bytes left. msgpack-c
 * allocates a container's element array before reading the elements, so a
 * 10-byte frame claiming 2^31 entries would otherwise cost gigabytes. */
static int s_prescan(const unsigned char *p, size_t len)
{
    size_t pos = 0;
    uint64_t pending = 1;
    while (pending > 0) {
        uint64_t skip, items;
        if (pos >= len || s_head(p, len, &pos, &skip, &items) != 0)
            return -1;
        if (skip > len - pos)
            return -1;
        pos += skip;
        pending = pending - 1 + items;
        if (pending > len - pos)
            return -1;
    }
    return pos == len ? 0 : -1;
}

static bool s_key_is(const msgpack_object *k, const char *name)
{
    size_t n = strlen(name);
    return k->type == MSGPACK_OBJECT_STR && k->via.str.size == n &&
           memcmp(k->via.str.ptr, name, n) == 0;
}

static const msgpack_object *s_field(const msgpack_object *map, const char *name)
{
    for (uint32_t i = 0; i < map->via.map.size; i++)
        if (s_key_is(&map->via.map.ptr[i].key, name))
            return &map->via.map.ptr[i].val;
    return NULL;
}

static int s_get_uint(const msgpack_object *map, const char *name, uint32_t *out, err_t *err)
{
    const msgpack_object *v = s_field(map, name);
    if (!v || v->type != MSGPACK_OBJECT_POSITIVE_INTEGER || v->via.u64 > UINT32_MAX) {
        err_set(err, LODE_EPROTO, "field \"%s\" missing or not an unsigned integer", name);
        return -1;
    }
    *out = (uint32_t)v->via.u64;
    return 0;
}

static int s_get_int(const msgpack_object *map, const char *name, int32_t *out, err_t *err)
{
    const msgpack_object *v = s_field(map, name);
    if (v && v->type == MSGPACK_OBJECT_POSITIVE_INTEGER && v->via.u64 <= INT32_MAX) {
        *out = (int32_t)v->via.u64;
        return 0;
    }
    if (v && v->type == MSGPACK_OBJECT_NEGATIVE_INTEGER && v->via.i64 >= INT32_MIN) {
        *out = (int32_t)v->via.i64;
        return 0;
    }
    err_set(err, LODE_EPROTO, "field \"%s\" missing or not an integer", name);
    return -1;
}

/* Copy a string field into a fixed buffer; it must fit and hold no NUL. */
static int
s_get_strbuf(const msgpack_object *map, const char *name, char *out, size_t size, err_t *err)
{
    const msgpack_object *v = s_field(map, name);
    if (!v || v->type != MSGPACK_OBJECT_STR || v->via.str.size >= size ||
        memchr(v->via.str.ptr, 0, v->via.str.size)) {
        err_set(err, LODE_EPROTO, "field \"%s\" missing, not a string or too long", name);
        return -1;
    }
    memcpy(out, v->via.str.ptr, v->via.str.size);
    out[v->via.str.size] = '\0';
    return 0;
}

/* Copy an optional string or bin field into a new string. Absent -> NULL. */
static int s_get_dup(
    const msgpack_object *map, const char *name, size_t max, char **out, size_t *len, err_t *err)
{
    *out = NULL;
    const msgpack_object *v = s_field(map, name);
    if (!v || v->type == MSGPACK_OBJECT_NIL)
        return 0;
    const char *p;
    size_t n;
    if (v->type == MSGPACK_OBJECT_STR)
        p = v->via.str.ptr, n = v->via.str.size;
    else if (v->type == MSGPACK_OBJECT_BIN)
        p = v->via.bin.ptr, n = v->via.bin.size;
    else {
        err_set(err, LODE_EPROTO, "field \"%s\" is not a string", name);
        return -1;
    }
    if (n > max) {
        err_set(err, LODE_EPROTO, "field \"%s\" is over %zu bytes", name, max);
        return -1;
    }
    *out = mem_strndup(p, n);
    if (len)
        *len = n;
    return 0;
}

static int s_decode_items(const msgpack_object *map, proto_msg_t *m, err_t *err)
{
    const msgpack_object *v = s_field(map, "items");
    if (!v || v->type != MSGPACK_OBJECT_ARRAY || v->via.array.size > PROTO_MAX_ITEMS) {
        err_set(err, LODE_EPROTO, "field \"items\" missing, not an array or too long");
        return -1;
    }
    m->items = mem_calloc(v->via.array.size, sizeof *m->items);
    m->n_items = v->via.array.size;
    for (size_t i = 0; i < m->n_items; i++) {
        const msgpack_object *it = &v->via.array.ptr[i];
        proto_item_t *item = &m->items[i];
        if (it->type != MSGPACK_OBJECT_MAP) {
            err_set(err, LODE_EPROTO, "item %zu is not a map", i);
            return -1;
        }
        if (s_get_dup(it, "kind", 16, &item->kind, NULL, err) != 0 ||
            s_get_dup(it, "name", 4096, &item->name, NULL, err) != 0 ||
            s_get_dup(it, "url", 8192, &item->url, NULL, err) != 0 ||
            s_get_dup(it, "body", PROTO_MAX_FRAME, &item->body, &item->body_len, err) != 0)
            return -1;
        if (!item->kind) {
            err_set(err, LODE_EPROTO, "item %zu has no kind", i);
            return -1;
        }
    }
    return 0;
}

static int s_decode_ids(const msgpack_object *map, proto_msg_t *m, err_t *err)
{
    const msgpack_object *v = s_field(map, "ids");
    if (!v || v->type != MSGPACK_OBJECT_ARRAY || v->via.array.size > PROTO_MAX_ITEMS) {
        err_set(err, LODE_EPROTO, "field \"ids\" missing, not an array or too long");
        return -1;
    }
    m->ids = mem_calloc(v->via.array.size, sizeof *m->ids);
    m->n_ids = v->via.array.size;
    for (size_t i = 0; i < m->n_ids; i++) {
        const msgpack_object *s = &v->via.array.ptr[i];
        if (s->type != MSGPACK_OBJECT_STR || s->via.str.size >= JOB_ID_SIZE) {
            err_set(err, LODE_EPROTO, "id %zu is not a job id", i);
            return -1;
        }
        memcpy(m->ids[i], s->via.str.ptr, s->via.str.size);
    }
    return 0;
}

static int s_decode_done(const msgpack_object *e, proto_more_t *d)
{
    if (e->type != MSGPACK_OBJECT_ARRAY || e->via.array.size != 3)
        return -1;
    const msgpack_object *id = &e->via.array.ptr[0], *att = &e->via.array.ptr[1],
                         *ms = &e->via.array.ptr[2];
    if (id->type != MSGPACK_OBJECT_STR || id->via.str.size >= JOB_ID_SIZE ||
        memchr(id->via.str.ptr, 0, id->via.str.size) ||
        att->type != MSGPACK_OBJECT_POSITIVE_INTEGER || att->via.u64 > UINT32_MAX ||
        ms->type != MSGPACK_OBJECT_POSITIVE_INTEGER || ms->via.u64 > UINT32_MAX)
        return -1;
    memcpy(d->job_id, id->via.str.ptr, id->via.str.size);
    d->job_id[id->via.str.size] = '\0';
    d->attempt = (uint32_t)att->via.u64;
    d->ms = (uint32_t)ms->via.u64;
    return 0;
}

static int s_decode_more(const msgpack_object *f, proto_msg_t *m, err_t *err)
{
    const msgpack_object *v = s_field(f, "more");
    if (v->type != MSGPACK_OBJECT_ARRAY || v->via.array.size > PROTO_MAX_ITEMS) {
        err_set(err, LODE_EPROTO, "field \"more\" not an array or too long");
        return -1;
    }
    m->more = mem_calloc(v->via.array.size ? v->via.array.size : 1, sizeof *m->more);
    m->n_more = v->via.array.size;
    for (size_t i = 0; i < m->n_more; i++) {
        if (s_decode_done(&v->via.array.ptr[i], &m->more[i]) != 0) {
            err_set(err, LODE_EPROTO, "more[%zu] is not a [job, attempt, ms] triple", i);
            return -1;
        }
    }
    return 0;
}

/* Optional fields added after version 1 shipped are absent in older
 * peers' frames and ignored by older decoders. Each decoder reads them
 * first, then the fields every version has. */

static int s_get_bool(const msgpack_object *v, bool *out)
{
    if (v->type != MSGPACK_OBJECT_BOOLEAN)
        return -1;
    *out = v->via.boolean;
    return 0;
}

/* READY's "again" and "leaving" (with the ids held), "more_ok", "host". */
static int s_decode_ready_optional(const msgpack_object *f, proto_msg_t *m, err_t *err)
{
    const msgpack_object *a = s_field(f, "again");
    if (a && (s_get_bool(a, &m->again) != 0 || s_decode_ids(f, m, err) != 0)) {
        err_set(err, LODE_EPROTO, "READY: bad \"again\" or \"ids\"");
        return -1;
    }
    const msgpack_object *l = s_field(f, "leaving");
    bool again = m->again;
    if (l && (s_get_bool(l, &m->leaving) != 0 || (!again && s_decode_ids(f, m, err) != 0))) {
        err_set(err, LODE_EPROTO, "READY: bad \"leaving\" or \"ids\"");
        return -1;
    }
    const msgpack_object *o = s_field(f, "more_ok");
    if (o && s_get_bool(o, &m->more_ok) != 0) {
        err_set(err, LODE_EPROTO, "READY: \"more_ok\" is not a boolean");
        return -1;
    }
    if (s_field(f, "host"))
        return s_get_strbuf(f, "host", m->host, sizeof m->host, err);
    return 0;
}

/* DONE's and FAIL's "ms". */
static int s_decode_ms(const msgpack_object *f, proto_msg_t *m, err_t *err)
{
    if (!s_field(f, "ms"))
        return 0;
    if (s_get_uint(f, "ms", &m->ms, err) != 0)
        return -1;
    m->has_ms = true;
    return 0;
}

static int s_decode_ready(const msgpack_object *f, proto_msg_t *m, err_t *err)
{
    return s_decode_ready_optional(f, m, err) ||
                   s_get_strbuf(f, "stage", m->stage, sizeof m->stage, err) ||
                   s_get_uint(f, "credits", &m->credits, err)
               ? -1
               : 0;
}

static int s_decode_done_msg(const msgpack_object *f, proto_msg_t *m, err_t *err)
{
    return s_decode_ms(f, m, err) || (s_field(f, "more") && s_decode_more(f, m, err)) ||
                   s_get_strbuf(f, "job", m->job_id, sizeof m->job_id, err) ||
                   s_get_uint(f, "attempt", &m->attempt, err)
               ? -1
               : 0;
}

static int s_decode_fail(const msgpack_object *f, proto_msg_t *m, err_t *err)
{
    if (s_decode_ms(f, m, err) != 0)
        return -1;
    const msgpack_object *r = s_field(f, "retryable");
    if (!r || s_get_bool(r, &m->retryable) != 0) {
        err_set(err, LODE_EPROTO, "field \"retryable\" missing or not a boolean");
        return -1;
    }
    /* Optional: the source's own word on when to try again (Retry-After). */
    if (s_field(f, "retry_after_ms") && s_get_uint(f, "retry_after_ms", &m->retry_after_ms, err))
        return -1;
    return s_get_strbuf(f, "job", m->job_id, sizeof m->job_id, err) ||
                   s_get_uint(f, "attempt", &m->attempt, err) ||
                   s_get_int(f, "code", &m->code, err) ||
                   s_get_dup(f, "text", PROTO_TEXT_MAX, &m->text, NULL, err)
               ? -1
               : 0;
}

static int s_decode_heartbeat(const msgpack_object *f, proto_msg_t *m, err_t *err)
{
    (void)f, (void)m, (void)err;
    return 0;
}

static int s_decode_job(const msgpack_object *f, proto_msg_t *m, err_t *err)
{
    return (s_field(f, "more") && s_decode_more(f, m, err)) ||
                   s_get_strbuf(f, "job", m->job_id, sizeof m->job_id, err) ||
                   s_get_strbuf(f, "stage", m->stage, sizeof m->stage, err) ||
                   s_get_uint(f, "attempt", &m->attempt, err) ||
                   s_get_uint(f, "lease_ms", &m->lease_ms, err)
               ? -1
               : 0;
}

static int s_decode_submit(const msgpack_object *f, proto_msg_t *m, err_t *err)
{
    if (s_field(f, "batch") && s_get_strbuf(f, "batch", m->batch, sizeof m->batch, err) != 0)
        return -1;
    if (s_field(f, "key") && s_get_strbuf(f, "key", m->key, sizeof m->key, err) != 0)
        return -1;
    return s_get_uint(f, "seq", &m->seq, err) ||
                   s_get_dup(f, "batch_name", 256, &m->batch_name, NULL, err) ||
                   s_decode_items(f, m, err)
               ? -1
               : 0;
}

static int s_decode_ack(const msgpack_object *f, proto_msg_t *m, err_t *err)
{
    return s_get_uint(f, "seq", &m->seq, err) ||
                   s_get_strbuf(f, "batch", m->batch, sizeof m->batch, err) ||
                   s_decode_ids(f, m, err)
               ? -1
               : 0;
}

static int s_decode_nack(const msgpack_object *f, proto_msg_t *m, err_t *err)
{
    return s_get_uint(f, "seq", &m->seq, err) || s_get_int(f, "code", &m->code, err) ||
                   s_get_dup(f, "text", PROTO_TEXT_MAX, &m->text, NULL, err)
               ? -1
               : 0;
}

/* --- one codec a message type ------------------------------------------- */

typedef struct {
    void (*pack)(msgpack_packer *pk, const proto_msg_t *m);
    int (*decode)(const msgpack_object *fields, proto_msg_t *m, err_t *err);
} s_codec_t;

static const s_codec_t s_codecs[] = {
    [PROTO_READY] = {s_pack_ready, s_decode_ready},
    [PROTO_DONE] = {s_pack_done, s_decode_done_msg},
    [PROTO_FAIL] = {s_pack_fail, s_decode_fail},
    [PROTO_HEARTBEAT] = {s_pack_heartbeat, s_decode_heartbeat},
    [PROTO_JOB] = {s_pack_job, s_decode_job},
    [PROTO_SUBMIT] = {s_pack_submit, s_decode_submit},
    [PROTO_ACK] = {s_pack_ack, s_decode_ack},
    [PROTO_NACK] = {s_pack_nack, s_decode_nack},
};

int proto_encode(const proto_msg_t *m, char **data, size_t *len, err_t *err)
{
    if (m->type < PROTO_READY || m->type > PROTO_NACK) {
        err_set(err, LODE_EINVAL, "cannot encode message type %d", (int)m->type);
        return -1;
    }
    if (m->n_items > PROTO_MAX_ITEMS || m->n_ids > PROTO_MAX_ITEMS || m->n_more > PROTO_MAX_ITEMS) {
        err_set(err, LODE_EINVAL, "more than %d items in one message", PROTO_MAX_ITEMS);
        return -1;
    }
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 3);
    msgpack_pack_uint32(&pk, PROTO_VERSION);
    msgpack_pack_uint32(&pk, (uint32_t)m->type);
    s_codecs[m->type].pack(&pk, m);
    if (sb.size > PROTO_MAX_FRAME) {
        msgpack_sbuffer_destroy(&sb);
        err_set(err, LODE_ETOOBIG, "message of %zu bytes is over the %u byte frame limit", sb.size,
                PROTO_MAX_FRAME);
        return -1;
    }
    /* Hand over the sbuffer's malloc'd memory rather than copying it. */
    *data = sb.data ? sb.data : mem_strdup("");
    *len = sb.size;
    return 0;
}

static int s_decode_root(const msgpack_object *root, proto_msg_t *m, err_t *err)
{
    if (root->type != MSGPACK_OBJECT_ARRAY || root->via.array.size != 3) {
        err_set(err, LODE_EPROTO, "frame is not a [version, type, fields] array");
        return -1;
    }
    const msgpack_object *a = root->via.array.ptr;
    if (a[0].type != MSGPACK_OBJECT_POSITIVE_INTEGER || a[0].via.u64 != PROTO_VERSION) {
        err_set(err, LODE_EPROTO, "unsupported protocol version (want %d)", PROTO_VERSION);
        return -1;
    }
    if (a[1].type != MSGPACK_OBJECT_POSITIVE_INTEGER || a[1].via.u64 < PROTO_READY ||
        a[1].via.u64 > PROTO_NACK) {
        err_set(err, LODE_EPROTO, "unknown message type");
        return -1;
    }
    if (a[2].type != MSGPACK_OBJECT_MAP) {
        err_set(err, LODE_EPROTO, "message fields are not a map");
        return -1;
    }
    m->type = (proto_type_t)a[1].via.u64;
    return s_codecs[m->type].decode(&a[2], m, err);
}

int proto_decode(const void *data, size_t len, proto_msg_t *m, err_t *err)
{
    memset(m, 0, sizeof *m);
    if (!data || len == 0 || len > PROTO_MAX_FRAME || s_prescan(data, len) != 0) {
        err_set(err, LODE_EPROTO, "malformed msgpack frame of %zu bytes", len);
        return -1;
    }
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    size_t off = 0;
    int rc = -1;
    if (msgpack_unpack_next(&u, data, len, &off) != MSGPACK_UNPACK_SUCCESS || off != len)
        err_set(err, LODE_EPROTO, "malformed msgpack frame of %zu bytes", len);
    else
        rc = s_decode_root(&u.data, m, err);
    msgpack_unpacked_destroy(&u);
    if (rc != 0)
        proto_msg_clear(m);
    return rc;
}

void proto_msg_clear(proto_msg_t *m)
{
    for (size_t i = 0; i < m->n_items && m->items; i++) {
        free(m->items[i].kind);
        free(m->items[i].name);
        free(m->items[i].url);
        free(m->items[i].body);
    }
    free(m->items);
    free(m->ids);
    free(m->more);
    free(m->text);
    free(m->batch_name);
    memset(m, 0, sizeof *m);
}

/* --- sockets ------------------------------------------------------------- */

int proto_send(zsock_t *sock, zframe_t *identity, const proto_msg_t *m, err_t *err)
{
    char *data;
    size_t len;
    if (proto_encode(m, &data, &len, err) != 0)
        return -1;
    void *handle = zsock_resolve(sock);
    int rc = 0;
    /* DONTWAIT: a peer that stops reading must never stall our loop. */
    if (identity && zmq_send(handle, zframe_data(identity), zframe_size(identity),
                             ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
        rc = -1;
    if (rc == 0 && zmq_send(handle, data, len, ZMQ_DONTWAIT) < 0)
        rc = -1;
    if (rc != 0)
        err_set(err, LODE_EIO, "send %s: %s", proto_type_name(m->type), zmq_strerror(zmq_errno()));
    free(data);
    return rc;
}

int proto_recv(zsock_t *sock, zframe_t **identity_p, proto_msg_t *m, err_t *err)
{
    memset(m, 0, sizeof *m);
    zmsg_t *msg = zmsg_recv(sock);
    if (!msg) {
        /* EAGAIN: the socket's receive timeout ran out (0 = nothing waiting). */
        err_set(err, zmq_errno() == EAGAIN ? LODE_ETIMEDOUT : LODE_EIO, "receive: %s",
                zmq_strerror(zmq_errno()));
        return -1;
    }
    if (identity_p)
        *identity_p = zmsg_pop(msg);
    int rc = -1;
    if (zmsg_size(msg) != 1)
        err_set(err, LODE_EPROTO, "message has %zu body frames, want 1", zmsg_size(msg));
    else {
        zframe_t *body = zmsg_first(msg);
        rc = proto_decode(zframe_data(body), zframe_size(body), m, err);
    }
    zmsg_destroy(&msg);
    return rc;
}
