/*  store_read.c - reads and writes for workers and the client: a job's hash,
 *  its parts, id lists (jobs, dead, a batch's), stats and token usage. No
 *  state transitions (store_lua.c) and no job creation (store_batch.c).
 *  SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include <hiredis/hiredis.h>

#include "mem.h"
#include "store_impl.h"

/* --- reads and writes -------------------------------------------------------- */

void store_copy_field(char *dst, size_t size, const redisReply *v)
{
    size_t n = v->len < size - 1 ? v->len : size - 1;
    memcpy(dst, v->str, n);
    dst[n] = '\0';
}

static void s_job_field(void *dst, const char *name, const redisReply *v)
{
    store_job_t *out = dst;
    if (v->type != REDIS_REPLY_STRING)
        return;
    char num[24];
    store_copy_field(num, sizeof num, v);
    if (!strcmp(name, "id"))
        store_copy_field(out->id, sizeof out->id, v);
    else if (!strcmp(name, "state"))
        store_copy_field(out->state, sizeof out->state, v);
    else if (!strcmp(name, "stage"))
        store_copy_field(out->stage, sizeof out->stage, v);
    else if (!strcmp(name, "kind"))
        store_copy_field(out->kind, sizeof out->kind, v);
    else if (!strcmp(name, "batch"))
        store_copy_field(out->batch, sizeof out->batch, v);
    else if (!strcmp(name, "error_code"))
        store_copy_field(out->error_code, sizeof out->error_code, v);
    else if (!strcmp(name, "error_stage"))
        store_copy_field(out->error_stage, sizeof out->error_stage, v);
    else if (!strcmp(name, "url") && !out->url)
        out->url = mem_strndup(v->str, v->len);
    else if (!strcmp(name, "name") && !out->name)
        out->name = mem_strndup(v->str, v->len);
    else if (!strcmp(name, "error") && !out->error)
        out->error = mem_strndup(v->str, v->len);
    else if (!strcmp(name, "attempt"))
        out->attempt = atoi(num);
    else if (!strcmp(name, "attempts"))
        out->attempts = atoi(num);
    else if (!strcmp(name, "prompt_tokens"))
        out->prompt_tokens = atoll(num);
    else if (!strcmp(name, "completion_tokens"))
        out->completion_tokens = atoll(num);
    else if (!strcmp(name, "created_ms"))
        out->created_ms = atoll(num);
    else if (!strcmp(name, "updated_ms"))
        out->updated_ms = atoll(num);
    else if (!strcmp(name, "finished_ms"))
        out->finished_ms = atoll(num);
}

/* HGETALL key and hand each field to fn(out, …). LODE_ENOTFOUND naming what
 * and id when the hash does not exist. */
int store_hgetall(store_t *self,
                  const char *key,
                  void (*fn)(void *out, const char *name, const redisReply *v),
                  void *out,
                  const char *what,
                  const char *id,
                  err_t *err)
{
    store_args_t a = {0};
    store_str(&a, "HGETALL");
    store_str(&a, key);
    redisReply *r;
    if (store_run(self, &a, &r, err) != 0)
        return -1;
    int rc = 0;
    if (r->type != REDIS_REPLY_ARRAY || r->elements == 0) {
        err_set(err, LODE_ENOTFOUND, "no %s %s", what, id);
        rc = -1;
    }
    for (size_t i = 0; rc == 0 && i + 1 < r->elements; i += 2) {
        if (r->element[i]->type == REDIS_REPLY_STRING)
            fn(out, r->element[i]->str, r->element[i + 1]);
    }
    freeReplyObject(r);
    return rc;
}

int store_job_get(store_t *self, const char *id, store_job_t *out, err_t *err)
{
    /* The fields s_job_field knows, by name: HGETALL would also copy the
     * input, which may be megabytes. */
    static const char *fields[] = {"id",
                                   "state",
                                   "stage",
                                   "kind",
                                   "url",
                                   "name",
                                   "batch",
                                   "attempt",
                                   "attempts",
                                   "created_ms",
                                   "updated_ms",
                                   "finished_ms",
                                   "error",
                                   "error_code",
                                   "error_stage",
                                   "prompt_tokens",
                                   "completion_tokens"};
    const size_t n_fields = sizeof fields / sizeof fields[0];
    memset(out, 0, sizeof *out);
    if (store_valid_id(id, err) != 0)
        return -1;
    store_at(self, store_part_of(self, id));
    char key[STORE_KEY_MAX];
    store_key(self, key, "job:%s", id);
    store_args_t a = {0};
    store_str(&a, "HMGET");
    store_str(&a, key);
    for (size_t i = 0; i < n_fields; i++)
        store_str(&a, fields[i]);
    redisReply *r;
    if (store_run(self, &a, &r, err) != 0)
        return -1;
    size_t found = 0;
    for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements && i < n_fields; i++) {
        found += r->element[i]->type == REDIS_REPLY_STRING;
        s_job_field(out, fields[i], r->element[i]);
    }
    freeReplyObject(r);
    if (found == 0) {
        store_job_clear(out);
        err_set(err, LODE_ENOTFOUND, "no job %s", id);
        return -1;
    }
    /* 'attempts' counts a dispatch when it ends (store_lua.c): a running
     * job's own is not in it yet. */
    if (strcmp(out->state, JOB_STATE_RUNNING) == 0)
        out->attempts++;
    return 0;
}

void store_job_clear(store_job_t *job)
{
    free(job->url);
    free(job->name);
    free(job->error);
    memset(job, 0, sizeof *job);
}

/* Copy an array reply of ids out. */
static int s_ids_out(redisReply *r, char (**ids)[JOB_ID_SIZE], size_t *n, err_t *err)
{
    *ids = NULL;
    *n = 0;
    if (r->type != REDIS_REPLY_ARRAY) {
        err_set(err, LODE_ESTORE, "redis: unexpected reply type %d", r->type);
        return -1;
    }
    *ids = mem_calloc(r->elements ? r->elements : 1, sizeof **ids);
    for (size_t i = 0; i < r->elements; i++) {
        const redisReply *e = r->element[i];
        if (e->type == REDIS_REPLY_STRING && e->len < JOB_ID_SIZE)
            store_copy_field((*ids)[(*n)++], JOB_ID_SIZE, e);
    }
    return 0;
}

int store_list(store_t *self, store_args_t *a, char (**ids)[JOB_ID_SIZE], size_t *n, err_t *err)
{
    redisReply *r;
    *ids = NULL;
    *n = 0;
    if (store_run(self, a, &r, err) != 0)
        return -1;
    int rc = s_ids_out(r, ids, n, err);
    freeReplyObject(r);
    return rc;
}

/* A page [offset, offset+count) of the ids at key, read with cmd (LRANGE
 * or ZREVRANGE). */
static int s_range(store_t *self,
                   const char *cmd,
                   const char *what,
                   size_t offset,
                   size_t count,
                   char (**ids)[JOB_ID_SIZE],
                   size_t *n,
                   err_t *err)
{
    char key[STORE_KEY_MAX];
    store_key(self, key, "%s", what);
    store_args_t a = {0};
    store_str(&a, cmd);
    store_str(&a, key);
    store_int(&a, (int64_t)offset);
    store_int(&a, (int64_t)(offset + (count ? count : 1) - 1));
    return store_list(self, &a, ids, n, err);
}

/* Every id at key what (LRANGE what 0 -1). */
static int s_range_all(store_t *self,
                       const char *cmd,
                       const char *what,
                       char (**ids)[JOB_ID_SIZE],
                       size_t *n,
                       err_t *err)
{
    char key[STORE_KEY_MAX];
    store_key(self, key, "%s", what);
    store_args_t a = {0};
    store_str(&a, cmd);
    store_str(&a, key);
    store_str(&a, "0");
    store_str(&a, "-1");
    return store_list(self, &a, ids, n, err);
}

static int s_id_asc(const void *a, const void *b)
{
    return strcmp(a, b);
}

static int s_id_desc(const void *a, const void *b)
{
    return strcmp(b, a);
}

/* A page [offset, offset+count) (count 0: all) of the ids at key what,
 * read with cmd, over every partition: each gives its first offset+count,
 * merged by id (a ULID: creation order), newest first if desc. */
int store_range_merged(store_t *self,
                       const char *cmd,
                       const char *what,
                       size_t offset,
                       size_t count,
                       bool desc,
                       char (**ids)[JOB_ID_SIZE],
                       size_t *n,
                       err_t *err)
{
    *ids = NULL;
    *n = 0;
    char(*all)[JOB_ID_SIZE] = NULL;
    size_t n_all = 0;
    for (int p = 0; p < self->parts; p++) {
        store_at(self, p);
        char(*one)[JOB_ID_SIZE] = NULL;
        size_t n_one = 0;
        int rc = count ? s_range(self, cmd, what, 0, offset + count, &one, &n_one, err)
                       : s_range_all(self, cmd, what, &one, &n_one, err);
        if (rc != 0) {
            free(all);
            return -1;
        }
        all = mem_realloc(all, (n_all + n_one + 1) * sizeof *all);
        memcpy(all + n_all, one, n_one * sizeof *one);
        n_all += n_one;
        free(one);
    }
    qsort(all, n_all, sizeof *all, desc ? s_id_desc : s_id_asc);
    size_t from = offset < n_all ? offset : n_all;
    size_t take = count && n_all - from > count ? count : n_all - from;
    memmove(all, all + from, take * sizeof *all);
    *ids = all;
    *n = take;
    return 0;
}

int store_job_list(
    store_t *self, size_t offset, size_t count, char (**ids)[JOB_ID_SIZE], size_t *n, err_t *err)
{
    if (self->parts > 1)
        return store_range_merged(self, "ZREVRANGE", "jobs", offset, count ? count : 1, true, ids,
                                  n, err);
    store_at(self, 0);
    return s_range(self, "ZREVRANGE", "jobs", offset, count, ids, n, err);
}

/* One partition's page of jobs made in a time range. */
static int s_list_range_one(store_t *self,
                            const store_time_range_t *r,
                            size_t offset,
                            size_t count,
                            char (**ids)[JOB_ID_SIZE],
                            size_t *n,
                            err_t *err)
{
    char key[STORE_KEY_MAX];
    store_key(self, key, "jobs");
    store_args_t a = {0};
    store_str(&a, r->newest ? "ZREVRANGEBYSCORE" : "ZRANGEBYSCORE");
    store_str(&a, key);
    store_int(&a, r->newest ? r->max_ms : r->min_ms);
    store_int(&a, r->newest ? r->min_ms : r->max_ms);
    store_str(&a, "LIMIT");
    store_int(&a, (int64_t)offset);
    store_int(&a, (int64_t)(count ? count : 1));
    return store_list(self, &a, ids, n, err);
}

/* Several partitions: each gives its first offset+count, merged by id (a
 * ULID: the creation time the range is on), then the page. */
int store_job_list_range(
    store_t *self, const store_time_range_t *r, char (**ids)[JOB_ID_SIZE], size_t *n, err_t *err)
{
    if (self->parts == 1) {
        store_at(self, 0);
        return s_list_range_one(self, r, r->offset, r->count, ids, n, err);
    }
    *ids = NULL;
    *n = 0;
    size_t want = r->offset + (r->count ? r->count : 1), n_all = 0;
    char(*all)[JOB_ID_SIZE] = NULL;
    for (int p = 0; p < self->parts; p++) {
        store_at(self, p);
        char(*one)[JOB_ID_SIZE] = NULL;
        size_t n_one = 0;
        if (s_list_range_one(self, r, 0, want, &one, &n_one, err) != 0) {
            free(all);
            return -1;
        }
        all = mem_realloc(all, (n_all + n_one + 1) * sizeof *all);
        memcpy(all + n_all, one, n_one * sizeof *one);
        n_all += n_one;
        free(one);
    }
    qsort(all, n_all, sizeof *all, r->newest ? s_id_desc : s_id_asc);
    size_t from = r->offset < n_all ? r->offset : n_all;
    size_t take = n_all - from < want - r->offset ? n_all - from : want - r->offset;
    memmove(all, all + from, take * sizeof *all);
    *ids = all;
    *n = take;
    return 0;
}

/* Several partitions: merged by job id, newest first (the order a job was
 * made, not the order it failed, which only one partition's list knows). */
int store_dead_list(
    store_t *self, size_t offset, size_t count, char (**ids)[JOB_ID_SIZE], size_t *n, err_t *err)
{
    if (self->parts > 1)
        return store_range_merged(self, "LRANGE", "dead", offset, count ? count : 1, true, ids, n,
                                  err);
    store_at(self, 0);
    return s_range(self, "LRANGE", "dead", offset, count, ids, n, err);
}

int store_batch_jobs(
    store_t *self, const char *batch_id, char (**ids)[JOB_ID_SIZE], size_t *n, err_t *err)
{
    *ids = NULL;
    *n = 0;
    if (store_valid_id(batch_id, err) != 0)
        return -1;
    char what[64];
    snprintf(what, sizeof what, "batch:%s:jobs", batch_id);
    if (self->parts > 1)
        return store_range_merged(self, "LRANGE", what, 0, 0, false, ids, n, err);
    store_at(self, 0);
    return s_range_all(self, "LRANGE", what, ids, n, err);
}

static int s_valid_part(const char *part, err_t *err)
{
    static const char *parts[] = {
        STORE_PART_INPUT,       STORE_PART_SOURCE,        STORE_PART_TRANSCRIPT,
        STORE_PART_SNIPPETS,    STORE_PART_SYNTHESIS,     STORE_PART_FANOUT,
        STORE_PART_CURATED,     STORE_PART_SNIPPETS_META, STORE_PART_SYNTHESIS_META,
        STORE_PART_FANOUT_META, STORE_PART_ANALYSIS};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        if (part && !strcmp(part, parts[i]))
            return 0;
    err_set(err, LODE_EINVAL, "unknown job part \"%.40s\"", part ? part : "");
    return -1;
}

/* GET or HGET one value: a copy (caller frees), or NULL and *err. */
static char *s_get_value(store_t *self, store_args_t *a, size_t *len, bool *found, err_t *err)
{
    redisReply *r;
    *found = false;
    if (store_run(self, a, &r, err) != 0)
        return NULL;
    char *out = NULL;
    if (r->type == REDIS_REPLY_STRING) {
        out = mem_strndup(r->str, r->len);
        if (len)
            *len = r->len;
        *found = true;
    }
    freeReplyObject(r);
    return out;
}

/* --- compression of stored parts ----------------------------------------- */

#define S_ZSTD_LEVEL 3                 /* zstd's default: ~4x on JSON, fast */
#define S_UNZIP_MAX  ((size_t)1 << 30) /* a frame that says more is refused */
static const unsigned char s_zstd_magic[4] = {0x28, 0xB5, 0x2F, 0xFD};

/* data as a zstd frame (caller frees; *len its size) when data is at least
 * the threshold and the frame is smaller; else NULL and data is stored as
 * it is. Parts are JSON or text, which never start with the frame's magic
 * (0x28 0xB5: '(' then a UTF-8 continuation byte), so readers can tell. */
void store_zstd_free(store_t *self)
{
    ZSTD_freeCCtx(self->zc);
    ZSTD_freeDCtx(self->zd);
    self->zc = self->zd = NULL;
}

static void *s_zip(store_t *self, const char *data, size_t *len)
{
    if (self->zip_min == 0 || *len < self->zip_min)
        return NULL;
    if (!self->zc && !(self->zc = ZSTD_createCCtx()))
        return NULL;
    size_t cap = ZSTD_compressBound(*len);
    void *out = mem_alloc(cap);
    size_t n = ZSTD_compressCCtx(self->zc, out, cap, data, *len, S_ZSTD_LEVEL);
    if (ZSTD_isError(n) || n >= *len) {
        free(out);
        return NULL;
    }
    *len = n;
    return out;
}

int store_unzip(store_t *self, char **data, size_t *len, err_t *err)
{
    size_t n = *len;
    if (n < 4 || memcmp(*data, s_zstd_magic, 4) != 0)
        return 0;
    unsigned long long size = ZSTD_getFrameContentSize(*data, n);
    if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > S_UNZIP_MAX) {
        err_set(err, LODE_ESTORE, "stored part: not a zstd frame Lode wrote");
        return -1;
    }
    if (!self->zd && !(self->zd = ZSTD_createDCtx())) {
        err_set(err, LODE_ESTORE, "stored part: zstd: no memory for a context");
        return -1;
    }
    char *out = mem_alloc((size_t)size + 1);
    size_t got = ZSTD_decompressDCtx(self->zd, out, (size_t)size, *data, n);
    if (ZSTD_isError(got) || got != size) {
        free(out);
        err_set(err, LODE_ESTORE, "stored part: zstd: %s",
                ZSTD_isError(got) ? ZSTD_getErrorName(got) : "short frame");
        return -1;
    }
    out[got] = '\0';
    free(*data);
    *data = out;
    *len = got;
    return 0;
}

char *store_part_get(store_t *self, const char *id, const char *part, size_t *len, err_t *err)
{
    if (store_valid_id(id, err) != 0 || s_valid_part(part, err) != 0)
        return NULL;
    store_at(self, store_part_of(self, id));
    char key[STORE_KEY_MAX];
    bool found = false;
    char *out = NULL;
    size_t n = 0;
    err_t mine = {0};
    if (strcmp(part, STORE_PART_INPUT) == 0) {
        /* In the job's hash since submit writes it there. */
        store_args_t h = {0};
        store_key(self, key, "job:%s", id);
        store_str(&h, "HGET");
        store_str(&h, key);
        store_str(&h, STORE_PART_INPUT);
        out = s_get_value(self, &h, &n, &found, &mine);
    }
    if (!found && !mine.code) {
        /* The other parts, and the input of a job an older version submitted. */
        store_args_t a = {0};
        store_key(self, key, "job:%s:%s", id, part);
        store_str(&a, "GET");
        store_str(&a, key);
        out = s_get_value(self, &a, &n, &found, &mine);
    }
    /* Never the input: a submitted file may itself be a zstd frame. */
    bool input = strcmp(part, STORE_PART_INPUT) == 0;
    if (found && !input && store_unzip(self, &out, &n, &mine) != 0) {
        free(out);
        out = NULL;
        found = false;
    }
    if (found && len)
        *len = n;
    if (!found && !mine.code)
        err_set(&mine, LODE_ENOTFOUND, "job %s has no %s", id, part);
    if (!found)
        err_set(err, mine.code, "%s", mine.msg);
    return out;
}

int store_parts_get(store_t *self,
                    const char *id,
                    size_t n,
                    const char *const *parts,
                    char **out,
                    size_t *lens,
                    err_t *err)
{
    memset(out, 0, n * sizeof *out);
    memset(lens, 0, n * sizeof *lens);
    if (n > STORE_PARTS_GET_MAX) {
        err_set(err, LODE_EINVAL, "store_parts_get: more than %d parts", STORE_PARTS_GET_MAX);
        return -1;
    }
    if (store_valid_id(id, err) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s_valid_part(parts[i], err) != 0)
            return -1;
        if (strcmp(parts[i], STORE_PART_INPUT) == 0) { /* in the job's hash: store_part_get */
            err_set(err, LODE_EINVAL, "store_parts_get: not the input");
            return -1;
        }
    }
    store_at(self, store_part_of(self, id));
    if (store_connect(self, err) != 0)
        return -1;
    char keys[STORE_PARTS_GET_MAX][STORE_KEY_MAX];
    const char *argv[STORE_PARTS_GET_MAX][2];
    size_t argl[STORE_PARTS_GET_MAX][2];
    rcl_cmd_t cmds[STORE_PARTS_GET_MAX];
    for (size_t i = 0; i < n; i++) {
        store_key(self, keys[i], "job:%s:%s", id, parts[i]);
        argv[i][0] = "GET", argl[i][0] = 3;
        argv[i][1] = keys[i], argl[i][1] = strlen(keys[i]);
        cmds[i] = (rcl_cmd_t){.argc = 2, .argv = argv[i], .len = argl[i], .slot = self->slot};
    }
    /* One round trip for all of them (rcl.h: a pipeline per node). */
    int rc = rcl_pipeline(self->rcl, cmds, n, err);
    self->ctx = rcl_ctx(self->rcl, self->slot, &(err_t){0}); /* it may have moved */
    for (size_t i = 0; i < n; i++) {
        redisReply *r = cmds[i].reply;
        if (rc == 0 && store_check(self, r, err) != 0)
            rc = -1;
        if (rc == 0 && r->type == REDIS_REPLY_STRING) {
            out[i] = mem_strndup(r->str, r->len);
            lens[i] = r->len;
            if (store_unzip(self, &out[i], &lens[i], err) != 0)
                rc = -1;
        }
        freeReplyObject(r);
    }
    if (rc != 0)
        for (size_t i = 0; i < n; i++) {
            free(out[i]);
            out[i] = NULL;
            lens[i] = 0;
        }
    return rc;
}

int store_part_set(
    store_t *self, const char *id, const char *part, const char *data, size_t len, err_t *err)
{
    store_put_t put = {part, data, len, 0};
    return store_parts_put(self, id, 1, &put, err);
}

/* The command for put into a (key into key): SET, compressed unless the
 * part is one that is never compressed, with PX for a cache; or DEL.
 * *zipped gets what to free after the command ran. */
static void
s_put_args(store_t *self, const store_put_t *put, const char *key, store_args_t *a, void **zipped)
{
    *zipped = NULL;
    if (!put->data) {
        store_str(a, "DEL");
        store_str(a, key);
        return;
    }
    size_t len = put->len;
    /* Not the curation layer (others compare it byte for byte), nor the
     * input, nor the analysis: read twice within seconds and then dropped,
     * it would cost more CPU to pack than the memory it saves is worth. */
    if (strcmp(put->part, STORE_PART_CURATED) != 0 && strcmp(put->part, STORE_PART_INPUT) != 0 &&
        strcmp(put->part, STORE_PART_ANALYSIS) != 0)
        *zipped = s_zip(self, put->data, &len);
    store_str(a, "SET");
    store_str(a, key);
    store_arg(a, *zipped ? *zipped : put->data, len);
    if (put->ttl_ms > 0) {
        store_str(a, "PX");
        store_int(a, put->ttl_ms);
    }
}

int store_parts_put(store_t *self, const char *id, size_t n, const store_put_t *puts, err_t *err)
{
    if (n > STORE_PARTS_GET_MAX) {
        err_set(err, LODE_EINVAL, "store_parts_put: more than %d parts", STORE_PARTS_GET_MAX);
        return -1;
    }
    if (store_valid_id(id, err) != 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (s_valid_part(puts[i].part, err) != 0)
            return -1;
    store_at(self, store_part_of(self, id));
    if (store_connect(self, err) != 0)
        return -1;
    char keys[STORE_PARTS_GET_MAX][STORE_KEY_MAX];
    store_args_t args[STORE_PARTS_GET_MAX];
    void *zipped[STORE_PARTS_GET_MAX];
    rcl_cmd_t cmds[STORE_PARTS_GET_MAX];
    for (size_t i = 0; i < n; i++) {
        store_key(self, keys[i], "job:%s:%s", id, puts[i].part);
        args[i] = (store_args_t){0};
        s_put_args(self, &puts[i], keys[i], &args[i], &zipped[i]);
        cmds[i] = (rcl_cmd_t){
            .argc = args[i].argc, .argv = args[i].argv, .len = args[i].len, .slot = self->slot};
    }
    int rc = n == 1 ? rcl_run(self->rcl, &cmds[0], err) : rcl_pipeline(self->rcl, cmds, n, err);
    self->ctx = rcl_ctx(self->rcl, self->slot, &(err_t){0}); /* it may have moved */
    for (size_t i = 0; i < n; i++) {
        if (rc == 0 && store_check(self, cmds[i].reply, err) != 0)
            rc = -1;
        freeReplyObject(cmds[i].reply);
        free(zipped[i]);
    }
    return rc;
}

int store_usage_add(store_t *self,
                    const char *id,
                    const char *batch,
                    const char *model,
                    int64_t prompt_tokens,
                    int64_t completion_tokens,
                    err_t *err)
{
    if (store_valid_id(id, err) != 0)
        return -1;
    /* The batch's usage is counted in the job's partition (its hash there
     * holds that partition's share; store_batch_get sums them). */
    store_at(self, store_part_of(self, id));
    if (store_connect(self, err) != 0)
        return -1;
    if (prompt_tokens <= 0 && completion_tokens <= 0)
        return 0;
    int64_t n[2] = {prompt_tokens > 0 ? prompt_tokens : 0,
                    completion_tokens > 0 ? completion_tokens : 0};
    char field[2][STORE_MODEL_MAX + 32];
    const char *total[2] = {"prompt_tokens", "completion_tokens"};
    for (int f = 0; f < 2; f++)
        snprintf(field[f], sizeof field[f], "%s:%.*s", total[f], STORE_MODEL_MAX,
                 model && *model ? model : "unknown");
    char job_key[STORE_KEY_MAX], batch_key[STORE_KEY_MAX];
    store_key(self, job_key, "job:%s", id);
    store_key(self, batch_key, "batch:%s", batch ? batch : "");
    bool in_batch = batch && *batch;
    store_args_t m = {0};
    store_str(&m, "MULTI");
    store_append(self, &m);
    int replies = 1;
    for (int f = 0; f < 2; f++) {
        const char *keys[3] = {job_key, batch_key, batch_key};
        const char *names[3] = {total[f], total[f], field[f]};
        for (int k = 0; k < (in_batch ? 3 : 1); k++) {
            store_args_t a = {0};
            store_str(&a, "HINCRBY");
            store_str(&a, keys[k]);
            store_str(&a, names[k]);
            store_int(&a, n[f]);
            store_append(self, &a);
            replies++;
        }
    }
    store_args_t e = {0};
    store_str(&e, "EXEC");
    store_append(self, &e);
    return store_finish_multi(self, replies + 1, err);
}
