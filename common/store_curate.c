/*  store_curate.c - the curation layer's versioned read and compare-and-set
 *  write (the no-lost-edits rule, issue #13). The version lives in the job
 *  hash (field curated_version, absent = 0) and is read with the layer in
 *  one script, so a reader never pairs a layer with another layer's version;
 *  a write names the version it read and lands only if nobody wrote since.
 *  Declared in store.h beside the other part reads and writes.
 *  SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "mem.h"
#include "store_impl.h"

/* ARGV[4] id -> {exists, version or false, layer or false}. */
static const char s_lua_curated_get[] =
    "local k = ARGV[1]..'job:'..ARGV[4]\n"
    "if redis.call('EXISTS', k) == 0 then return {0, false, false} end\n"
    "return {1, redis.call('HGET', k, 'curated_version'),\n"
    "        redis.call('GET', k..':curated')}\n";

/* ARGV[4] id, ARGV[5..] part names -> {exists, version, layer, state,
 * stage, part…} (false for what is absent): all an edit reads. */
static const char s_lua_curated_read[] =
    "local k = ARGV[1]..'job:'..ARGV[4]\n"
    "if redis.call('EXISTS', k) == 0 then return {0} end\n"
    "local h = redis.call('HMGET', k, 'curated_version', 'state', 'stage')\n"
    "local out = {1, h[1], redis.call('GET', k..':curated'), h[2], h[3]}\n"
    "for i = 5, #ARGV do out[#out + 1] = redis.call('GET', k..':'..ARGV[i]) end\n"
    "return out\n";

/* The undo history: a list beside the layer, newest first, each entry
 * "VERSION WHAT\nLAYER" (the layer a write replaced, "" when there was
 * none). Pushed by the write itself, so history and layer never disagree. */
#define S_LUA_UNDO_KEY "local h = k..':undo'\n"

/* ARGV[4] id, ARGV[5] expected version, ARGV[6] layer, ARGV[7] what,
 * ARGV[8] history bound, ARGV[9] a big layer's size, ARGV[10] the bound
 * once the layer is that big (a long synthesis edit is in every entry after
 * it: the bytes stay bounded, not only the count) -> the new version (>= 1) when written, -1 if
 * there is no such job, -(current + 2) if the layer changed since the writer read it. */
static const char s_lua_curated_cas[] =
    "local k = ARGV[1]..'job:'..ARGV[4]\n"
    "if redis.call('EXISTS', k) == 0 then return -1 end\n"
    "local v = tonumber(redis.call('HGET', k, 'curated_version') or '0')\n"
    "if v ~= tonumber(ARGV[5]) then return -(v + 2) end\n" S_LUA_UNDO_KEY
    "local old = redis.call('GET', k..':curated') or ''\n"
    "redis.call('LPUSH', h, v..' '..ARGV[7]..'\\n'..old)\n"
    "local cap = tonumber(ARGV[8])\n"
    "if #old > tonumber(ARGV[9]) then cap = math.min(cap, tonumber(ARGV[10])) end\n"
    "redis.call('LTRIM', h, 0, cap - 1)\n"
    "redis.call('SET', k..':curated', ARGV[6])\n"
    "redis.call('SADD', ARGV[1]..'ix:dirty', ARGV[4]) -- the search index redoes it\n"
    "return redis.call('HINCRBY', k, 'curated_version', 1)\n";

/* ARGV[4] id, ARGV[5] expected version -> {code, what}: code the new
 * version, -1 no such job, -(current + 2) stale, 0 nothing to undo. */
static const char s_lua_curated_undo[] =
    "local k = ARGV[1]..'job:'..ARGV[4]\n"
    "if redis.call('EXISTS', k) == 0 then return {-1, ''} end\n"
    "local v = tonumber(redis.call('HGET', k, 'curated_version') or '0')\n"
    "if v ~= tonumber(ARGV[5]) then return {-(v + 2), ''} end\n" S_LUA_UNDO_KEY
    "local e = redis.call('LPOP', h)\n"
    "if not e then return {0, ''} end\n"
    "local nl = string.find(e, '\\n', 1, true) or (#e + 1)\n"
    "local head, layer = string.sub(e, 1, nl - 1), string.sub(e, nl + 1)\n"
    "if layer == '' then redis.call('DEL', k..':curated')\n"
    "else redis.call('SET', k..':curated', layer) end\n"
    "redis.call('SADD', ARGV[1]..'ix:dirty', ARGV[4]) -- the search index redoes it\n"
    "local sp = string.find(head, ' ', 1, true) or #head\n"
    "return {redis.call('HINCRBY', k, 'curated_version', 1), string.sub(head, sp + 1)}\n";

static int64_t s_int(const redisReply *r)
{
    if (r->type == REDIS_REPLY_INTEGER)
        return (int64_t)r->integer;
    if (r->type == REDIS_REPLY_STRING)
        return (int64_t)strtoll(r->str, NULL, 10);
    return 0;
}

char *store_curated_get(store_t *self, const char *id, size_t *len, int64_t *version, err_t *err)
{
    *version = 0;
    if (len)
        *len = 0;
    if (store_valid_id(id, err) != 0)
        return NULL;
    store_at(self, store_part_of(self, id)); /* the job's partition */
    store_args_t a = {0};
    store_str(&a, id);
    redisReply *r = store_eval_reply(self, s_lua_curated_get, &a, err);
    if (!r)
        return NULL;
    char *out = NULL;
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 3) {
        err_set(err, LODE_ESTORE, "redis: unexpected reply to the curation read");
    } else if (s_int(r->element[0]) == 0) {
        err_set(err, LODE_ENOTFOUND, "no job %s", id);
    } else {
        if (r->element[1]->type == REDIS_REPLY_STRING)
            *version = s_int(r->element[1]);
        const redisReply *layer = r->element[2];
        if (layer->type == REDIS_REPLY_STRING) {
            out = mem_alloc(layer->len + 1);
            memcpy(out, layer->str, layer->len);
            out[layer->len] = '\0';
            if (len)
                *len = layer->len;
        } else {
            err_set(err, LODE_ENOTFOUND, "job %s has no curated", id);
        }
    }
    freeReplyObject(r);
    return out;
}

/* The error for a stale write or undo: current is the stored version. */
static void s_stale(err_t *err, const char *id, int64_t expected, int64_t current)
{
    err_set(err, LODE_ESTATE,
            "the curation of job %s changed since it was read (version %lld, now %lld): "
            "nothing was saved; load it again and redo the change",
            id, (long long)expected, (long long)current);
}

/* what as one bounded line (the history entry's head ends at a newline). */
static void s_what(const char *what, char out[200])
{
    snprintf(out, 200, "%s", what && *what ? what : "a change");
    size_t n = strlen(out), i = n;
    while (i > 0 && ((unsigned char)out[i - 1] & 0xc0) == 0x80)
        i--; /* out[i - 1]: the last character's first byte */
    if (i > 0 && (unsigned char)out[i - 1] >= 0xc0) {
        unsigned char lead = (unsigned char)out[i - 1];
        size_t want = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
        if (n - (i - 1) < want)
            out[i - 1] = '\0'; /* snprintf cut that character: drop it whole */
    }
    for (char *p = out; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
}

int store_curated_cas(store_t *self, const store_curated_write_t *w, int64_t *version, err_t *err)
{
    if (store_valid_id(w->id, err) != 0)
        return -1;
    store_at(self, store_part_of(self, w->id)); /* the job's partition */
    char what[200];
    s_what(w->what, what);
    store_args_t a = {0};
    store_str(&a, w->id);
    store_int(&a, w->expected);
    store_arg(&a, w->data, w->len);
    store_str(&a, what);
    store_int(&a, STORE_CURATED_UNDO_MAX);
    store_int(&a, STORE_CURATED_UNDO_BIG);
    store_int(&a, STORE_CURATED_UNDO_BIG_MAX);
    redisReply *r = store_eval_reply(self, s_lua_curated_cas, &a, err);
    if (!r)
        return -1;
    int rc = -1;
    if (r->type != REDIS_REPLY_INTEGER)
        err_set(err, LODE_ESTORE, "redis: unexpected reply to the curation write");
    else if (r->integer == -1)
        err_set(err, LODE_ENOTFOUND, "no job %s", w->id);
    else if (r->integer < -1)
        s_stale(err, w->id, w->expected, (int64_t)(-r->integer - 2));
    else {
        rc = 0;
        if (version)
            *version = (int64_t)r->integer;
    }
    freeReplyObject(r);
    return rc;
}

int store_curated_undo(
    store_t *self, const char *id, int64_t expected, store_curated_undone_t *out, err_t *err)
{
    memset(out, 0, sizeof *out);
    if (store_valid_id(id, err) != 0)
        return -1;
    store_at(self, store_part_of(self, id));
    store_args_t a = {0};
    store_str(&a, id);
    store_int(&a, expected);
    redisReply *r = store_eval_reply(self, s_lua_curated_undo, &a, err);
    if (!r)
        return -1;
    int rc = -1;
    int64_t code = r->type == REDIS_REPLY_ARRAY && r->elements == 2 ? s_int(r->element[0]) : -99;
    if (code == -99)
        err_set(err, LODE_ESTORE, "redis: unexpected reply to the curation undo");
    else if (code == -1)
        err_set(err, LODE_ENOTFOUND, "no job %s", id);
    else if (code == 0)
        err_set(err, LODE_ENOTFOUND, "job %s has no curation change left to undo", id);
    else if (code < -1)
        s_stale(err, id, expected, -code - 2);
    else {
        rc = 0;
        out->version = code;
        if (r->element[1]->type == REDIS_REPLY_STRING)
            snprintf(out->what, sizeof out->what, "%.*s", (int)r->element[1]->len,
                     r->element[1]->str);
    }
    freeReplyObject(r);
    return rc;
}

/* A string reply as an owned, NUL-terminated copy; NULL if not a string. */
static char *s_dup(const redisReply *v, size_t *len)
{
    if (v->type != REDIS_REPLY_STRING)
        return NULL;
    char *s = mem_alloc(v->len + 1);
    memcpy(s, v->str, v->len);
    s[v->len] = '\0';
    *len = v->len;
    return s;
}

/* Copy the read's reply (checked: 5 + n elements) out, unzipping parts. */
static int
s_read_out(store_t *self, const redisReply *r, size_t n, store_edit_read_t *out, err_t *err)
{
    size_t len = 0;
    if (r->element[1]->type == REDIS_REPLY_STRING)
        out->version = s_int(r->element[1]);
    out->layer = s_dup(r->element[2], &len);
    store_copy_field(out->state, sizeof out->state, r->element[3]);
    store_copy_field(out->stage, sizeof out->stage, r->element[4]);
    for (size_t i = 0; i < n; i++) {
        out->parts[i] = s_dup(r->element[5 + i], &len);
        if (out->parts[i] && store_unzip(self, &out->parts[i], &len, err) != 0)
            return -1;
    }
    return 0;
}

int store_curated_read(store_t *self,
                       const char *id,
                       const char *const *names,
                       size_t n,
                       store_edit_read_t *out,
                       err_t *err)
{
    memset(out, 0, sizeof *out);
    if (n > STORE_EDIT_PARTS_MAX) {
        err_set(err, LODE_EINVAL, "store_curated_read: at most %d parts", STORE_EDIT_PARTS_MAX);
        return -1;
    }
    if (store_valid_id(id, err) != 0)
        return -1;
    store_at(self, store_part_of(self, id));
    store_args_t a = {0};
    store_str(&a, id);
    for (size_t i = 0; i < n; i++)
        store_str(&a, names[i]);
    redisReply *r = store_eval_reply(self, s_lua_curated_read, &a, err);
    if (!r)
        return -1;
    int rc = -1;
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 1)
        err_set(err, LODE_ESTORE, "redis: unexpected reply to the curation read");
    else if (s_int(r->element[0]) == 0)
        err_set(err, LODE_ENOTFOUND, "no job %s", id);
    else if (r->elements != 5 + n)
        err_set(err, LODE_ESTORE, "redis: unexpected reply to the curation read");
    else
        rc = s_read_out(self, r, n, out, err);
    freeReplyObject(r);
    if (rc != 0)
        store_edit_read_clear(out);
    return rc;
}

void store_edit_read_clear(store_edit_read_t *r)
{
    for (size_t i = 0; i < STORE_EDIT_PARTS_MAX; i++)
        free(r->parts[i]);
    free(r->layer);
    memset(r, 0, sizeof *r);
}
