/*  store_batch.c - creating jobs and batches: submit and playlist expansion
 *  (one MULTI/EXEC pipeline each), bulk batches (create, submit to a batch,
 *  pages, URL marks, close) and the URL-to-job map that lets a batch reuse
 *  jobs. Broker transitions are in store_lua.c.
 *  SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "mem.h"
#include "store_impl.h"

/* --- submit ------------------------------------------------------------------ */

static int s_append_job_hash(
    store_t *self, const store_item_t *it, const char *id, const char *batch, int64_t now)
{
    char key[STORE_KEY_MAX];
    store_key(self, key, "job:%s", id);
    /* Not "= {0}": that clears 5 kB, twice a job, 20,000 times a submit. */
    store_args_t a;
    a.argc = 0;
    store_str(&a, "HSET");
    store_str(&a, key);
    const char *kv[][2] = {{"id", id},         {"state", JOB_STATE_QUEUED},
                           {"stage", "fetch"}, {"kind", it->kind ? it->kind : "text"},
                           {"batch", batch},   {"attempt", "0"},
                           {"attempts", "0"}};
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++) {
        store_str(&a, kv[i][0]);
        store_str(&a, kv[i][1]);
    }
    if (it->url) {
        store_str(&a, "url");
        store_str(&a, it->url);
    }
    if (it->name) {
        store_str(&a, "name");
        store_str(&a, it->name);
    }
    store_str(&a, "created_ms");
    store_int(&a, now);
    store_str(&a, "updated_ms");
    store_int(&a, now);
    /* The input rides in the job's hash (one command and one key fewer a
     * job); store_job_get does not read it back, store_part_get does. */
    if (it->body) {
        store_str(&a, STORE_PART_INPUT);
        store_arg(&a, it->body, it->body_len);
    }
    store_append(self, &a);
    return 1;
}

/* One variadic command: argv[0], key, then for each id (prefixed by score
 * when score is not NULL). */
static void s_append_many(store_t *self,
                          const char *cmd,
                          const char *key,
                          const char *score,
                          const char (*ids)[JOB_ID_SIZE],
                          size_t n)
{
    size_t per = score ? 2 : 1, argc = 2 + per * n;
    const char **argv = mem_alloc(argc * sizeof *argv);
    size_t *lens = mem_alloc(argc * sizeof *lens);
    argv[0] = cmd;
    argv[1] = key;
    size_t k = 2;
    for (size_t i = 0; i < n; i++) {
        if (score)
            argv[k++] = score;
        argv[k++] = ids[i];
    }
    for (size_t i = 0; i < argc; i++)
        lens[i] = strlen(argv[i]);
    redisAppendCommandArgv(self->ctx, (int)argc, argv, lens);
    store_append_flush(self);
    free(argv);
    free(lens);
}

/* The lists a new job is in (the fetch queue, its batch, all jobs): one
 * command each for all n jobs. Returns the replies to read. */
static int s_append_lists(
    store_t *self, const char (*ids)[JOB_ID_SIZE], size_t n, const char *batch, int64_t now)
{
    if (n == 0)
        return 0;
    char key[STORE_KEY_MAX], score[24];
    store_key(self, key, "queue:fetch");
    s_append_many(self, "RPUSH", key, NULL, ids, n);
    store_key(self, key, "batch:%s:jobs", batch);
    s_append_many(self, "RPUSH", key, NULL, ids, n);
    snprintf(score, sizeof score, "%lld", (long long)now);
    store_key(self, key, "jobs");
    s_append_many(self, "ZADD", key, score, ids, n);
    return 3;
}

/* HSET of a new batch's hash into *a; key is the caller's buffer (a
 * borrows it) and receives the key name. */
static void s_batch_hset(store_t *self,
                         store_args_t *a,
                         char key[STORE_KEY_MAX],
                         const char *batch,
                         const char *name,
                         int64_t total)
{
    store_key(self, key, "batch:%s", batch);
    store_str(a, "HSET");
    store_str(a, key);
    store_str(a, "id");
    store_str(a, batch);
    store_str(a, "name");
    store_str(a, name ? name : "");
    store_str(a, "created_ms");
    store_int(a, job_now_ms());
    store_str(a, "total");
    store_int(a, total);
}

static int s_append_batch(store_t *self, const char *batch, const char *name, size_t n)
{
    char key[STORE_KEY_MAX];
    store_args_t a = {0};
    s_batch_hset(self, &a, key, batch, name, (int64_t)n);
    store_append(self, &a);
    store_args_t s = {0};
    store_key(self, key, "stats");
    store_str(&s, "HINCRBY");
    store_str(&s, key);
    store_str(&s, "submitted");
    store_int(&s, (int64_t)n);
    store_append(self, &s);
    return 2;
}

/* Append HINCRBY key field by to the pipeline. */
static void s_append_incr(store_t *self, const char *key, const char *field, int64_t by)
{
    store_args_t a = {0};
    store_str(&a, "HINCRBY");
    store_str(&a, key);
    store_str(&a, field);
    store_int(&a, by);
    store_append(self, &a);
}

/* One partition's share of a submission, in one MULTI/EXEC there: the job
 * hashes, the lists, the batch's total in this partition (a new batch's
 * whole hash when name_or_null is given: its home partition) and the
 * submitted counter. */
static int s_submit_part(store_t *self,
                         int part,
                         const char *batch_id,
                         const char *const *name_or_null,
                         const store_item_t *items,
                         size_t n,
                         char (*ids)[JOB_ID_SIZE],
                         err_t *err)
{
    store_at(self, part);
    if (store_connect(self, err) != 0)
        return -1;
    int64_t now = job_now_ms();
    store_args_t m = {0};
    store_str(&m, "MULTI");
    store_append(self, &m);
    int replies = 1;
    char key[STORE_KEY_MAX];
    if (name_or_null) {
        replies += s_append_batch(self, batch_id, *name_or_null, n);
    } else {
        store_key(self, key, "batch:%s", batch_id);
        s_append_incr(self, key, "total", (int64_t)n);
        store_key(self, key, "stats");
        s_append_incr(self, key, "submitted", (int64_t)n);
        replies += 2;
    }
    for (size_t i = 0; i < n; i++) {
        store_new_id(self, part, ids[i]);
        replies += s_append_job_hash(self, &items[i], ids[i], batch_id, now);
    }
    replies += s_append_lists(self, (const char(*)[JOB_ID_SIZE])ids, n, batch_id, now);
    store_args_t e = {0};
    store_str(&e, "EXEC");
    store_append(self, &e);
    if (store_finish_multi(self, replies + 1, err) != 0)
        return -1;
    return store_wait_replicas(self, err);
}

/* n jobs into an existing or new batch (new: name_or_null given), spread
 * over the partitions in contiguous blocks, the first at home (the batch's
 * own partition). Each block is atomic; a failure leaves the blocks before
 * it in place (the client resends: at least once). */
static int s_submit_spread(store_t *self,
                           int home,
                           const char *batch_id,
                           const char *const *name_or_null,
                           const store_item_t *items,
                           size_t n,
                           char (*ids)[JOB_ID_SIZE],
                           err_t *err)
{
    size_t parts = (size_t)self->parts;
    for (size_t k = 0; k < parts; k++) {
        size_t from = k * n / parts, to = (k + 1) * n / parts;
        if (to == from && !(k == 0 && name_or_null))
            continue;
        int part = (int)(((size_t)home + k) % parts);
        /* A slot that moved (a reshard) aborts the whole MULTI: nothing was
         * written, the map is updated; go again, a few times. */
        err_t mine = {0};
        for (int tries = 0; tries < 4; tries++) {
            err_clear(&mine);
            if (s_submit_part(self, part, batch_id, k == 0 ? name_or_null : NULL, items + from,
                              to - from, ids + from, &mine) == 0 ||
                !store_redirected(&mine))
                break;
            usleep(50 * 1000 << tries); /* TRYAGAIN: a slot half migrated */
        }
        if (mine.code) {
            err_set(err, mine.code, "%s", mine.msg);
            return -1;
        }
    }
    return 0;
}

int store_submit(store_t *self,
                 const char *batch_name,
                 const store_item_t *items,
                 size_t n,
                 char (*ids)[JOB_ID_SIZE],
                 char batch_id[JOB_ID_SIZE],
                 err_t *err)
{
    int home = (int)(self->rr++ % (unsigned)self->parts);
    store_new_id(self, home, batch_id);
    const char *name = batch_name;
    return s_submit_spread(self, home, batch_id, &name, items, n, ids, err);
}

/* 1 if parent was expanded already, 0 if not, -1 and *err. */
static int s_expanded_before(store_t *self, const char *parent, err_t *err)
{
    char pk[STORE_KEY_MAX];
    store_key(self, pk, "job:%s", parent);
    store_args_t q = {0};
    store_str(&q, "HEXISTS");
    store_str(&q, pk);
    store_str(&q, "expanded");
    redisReply *r;
    if (store_run(self, &q, &r, err) != 0)
        return -1;
    int before = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
    freeReplyObject(r);
    return before;
}

int store_expand(store_t *self,
                 const char *parent,
                 const char *batch_id,
                 const char *const *urls,
                 size_t n,
                 char (*ids)[JOB_ID_SIZE],
                 err_t *err)
{
    if (store_valid_id(parent, err) != 0 || store_valid_id(batch_id, err) != 0)
        return -1;
    /* The videos' jobs go where the playlist's is: one MULTI/EXEC, with the
     * batch's total in that partition. */
    int part = store_part_of(self, parent);
    store_at(self, part);
    if (store_connect(self, err) != 0)
        return -1;
    /* A rerun of the playlist's fetch (its DONE was lost) must not make the
     * videos' jobs twice. */
    int before = s_expanded_before(self, parent, err);
    if (before != 0)
        return before < 0 ? -1 : 0;
    int64_t now = job_now_ms();
    store_args_t m = {0};
    store_str(&m, "MULTI");
    store_append(self, &m);
    int replies = 1;
    for (size_t i = 0; i < n; i++) {
        store_item_t it = {.kind = "url", .url = urls[i]};
        store_new_id(self, part, ids[i]);
        replies += s_append_job_hash(self, &it, ids[i], batch_id, now);
    }
    replies += s_append_lists(self, (const char(*)[JOB_ID_SIZE])ids, n, batch_id, now);
    char key[STORE_KEY_MAX];
    store_key(self, key, "batch:%s", batch_id);
    store_args_t t = {0};
    store_str(&t, "HINCRBY");
    store_str(&t, key);
    store_str(&t, "total");
    store_int(&t, (int64_t)n);
    store_append(self, &t);
    /* The marker store_done reads: this fetch made jobs, not a document. */
    store_args_t x = {0};
    store_key(self, key, "job:%s", parent);
    store_str(&x, "HSET");
    store_str(&x, key);
    store_str(&x, "expanded");
    store_int(&x, (int64_t)n);
    store_append(self, &x);
    store_args_t e = {0};
    store_str(&e, "EXEC");
    store_append(self, &e);
    return store_finish_multi(self, replies + 3, err);
}

/* --- bulk batches ------------------------------------------------------------ */

/* A command whose argv grows with its input (HMGET, HSET of a whole chunk),
 * beyond what store_args_t holds. Strings are borrowed. */
typedef struct {
    int argc;
    const char **argv; /* owned array, borrowed strings */
    size_t *len;       /* owned */
    char num[2][24];   /* room for two numbers */
} s_vargs_t;

static void s_vargs_init(s_vargs_t *v, size_t max_argc)
{
    memset(v, 0, sizeof *v);
    v->argv = mem_calloc(max_argc, sizeof *v->argv);
    v->len = mem_calloc(max_argc, sizeof *v->len);
}

static void s_vargs_add(s_vargs_t *v, const char *s)
{
    v->argv[v->argc] = s;
    v->len[v->argc++] = strlen(s);
}

static void s_vargs_free(s_vargs_t *v)
{
    free(v->argv);
    free(v->len);
    memset(v, 0, sizeof *v);
}

/* Read one pipelined reply. A lost connection is -1 (the context is gone,
 * stop reading); an error reply sets *failed and *err but returns 0, so the
 * caller reads the rest and the connection stays in sync. */
static int s_pipe_next(store_t *self, redisReply **r, bool *failed, err_t *err)
{
    *r = NULL;
    if (redisGetReply(self->ctx, (void **)r) != REDIS_OK) {
        store_check(self, NULL, err);
        return -1;
    }
    if ((*r)->type == REDIS_REPLY_ERROR) {
        store_check(self, *r, err);
        *failed = true;
    }
    return 0;
}

int store_batch_create(store_t *self, const char *name, char batch_id[JOB_ID_SIZE], err_t *err)
{
    if (name && strlen(name) > STORE_BATCH_NAME_MAX) {
        err_set(err, LODE_EINVAL, "batch name over %d bytes", STORE_BATCH_NAME_MAX);
        return -1;
    }
    int home = (int)(self->rr++ % (unsigned)self->parts);
    store_new_id(self, home, batch_id);
    store_at(self, home);
    char key[STORE_KEY_MAX];
    store_args_t a = {0};
    s_batch_hset(self, &a, key, batch_id, name, 0);
    store_str(&a, "open");
    store_str(&a, "1");
    redisReply *r;
    if (store_run(self, &a, &r, err) != 0)
        return -1;
    freeReplyObject(r);
    return 0;
}

static int s_batch_exists(store_t *self, const char *batch_id, err_t *err)
{
    if (store_valid_id(batch_id, err) != 0)
        return -1;
    store_at(self, store_part_of(self, batch_id));
    char key[STORE_KEY_MAX];
    store_key(self, key, "batch:%s", batch_id);
    store_args_t a = {0};
    store_str(&a, "EXISTS");
    store_str(&a, key);
    redisReply *r;
    if (store_run(self, &a, &r, err) != 0)
        return -1;
    int rc = r->type == REDIS_REPLY_INTEGER && r->integer == 1 ? 0 : -1;
    freeReplyObject(r);
    if (rc != 0)
        err_set(err, LODE_ENOTFOUND, "no batch %s", batch_id);
    return rc;
}

int store_submit_to_batch(store_t *self,
                          const char *batch_id,
                          const store_item_t *items,
                          size_t n,
                          char (*ids)[JOB_ID_SIZE],
                          err_t *err)
{
    if (s_batch_exists(self, batch_id, err) != 0)
        return -1;
    /* Each chunk starts one partition further on: small chunks spread too. */
    int start = (int)(self->rr++ % (unsigned)self->parts);
    return s_submit_spread(self, start, batch_id, NULL, items, n, ids, err);
}

int store_batch_add_jobs(
    store_t *self, const char *batch_id, const char (*ids)[JOB_ID_SIZE], size_t n, err_t *err)
{
    if (n == 0)
        return 0;
    if (s_batch_exists(self, batch_id, err) != 0)
        return -1;
    char key[STORE_KEY_MAX], lkey[STORE_KEY_MAX];
    store_key(self, key, "batch:%s", batch_id);
    store_key(self, lkey, "batch:%s:jobs", batch_id);
    store_args_t m = {0};
    store_str(&m, "MULTI");
    store_append(self, &m);
    s_vargs_t v;
    s_vargs_init(&v, n + 2);
    s_vargs_add(&v, "RPUSH");
    s_vargs_add(&v, lkey);
    for (size_t i = 0; i < n; i++)
        s_vargs_add(&v, ids[i]);
    redisAppendCommandArgv(self->ctx, v.argc, v.argv, v.len);
    s_vargs_free(&v);
    s_append_incr(self, key, "total", (int64_t)n);
    s_append_incr(self, key, "reused", (int64_t)n);
    store_args_t e = {0};
    store_str(&e, "EXEC");
    store_append(self, &e);
    return store_finish_multi(self, 5, err);
}

/* prompt_tokens:MODEL and completion_tokens:MODEL into out->models. */
static void s_batch_model_field(store_batch_t *out, const char *name, const char *num)
{
    const char *model = NULL;
    bool prompt = strncmp(name, "prompt_tokens:", 14) == 0;
    if (prompt)
        model = name + 14;
    else if (strncmp(name, "completion_tokens:", 18) == 0)
        model = name + 18;
    if (!model)
        return;
    size_t i = 0;
    while (i < out->n_models && strcmp(out->models[i].model, model) != 0)
        i++;
    if (i == out->n_models) {
        if (i == STORE_BATCH_MODELS)
            return;
        snprintf(out->models[i].model, sizeof out->models[i].model, "%s", model);
        out->n_models++;
    }
    *(prompt ? &out->models[i].prompt_tokens : &out->models[i].completion_tokens) = atoll(num);
}

static void s_batch_field(void *dst, const char *name, const redisReply *v)
{
    store_batch_t *out = dst;
    if (v->type != REDIS_REPLY_STRING)
        return;
    char num[24];
    store_copy_field(num, sizeof num, v);

    struct {
        const char *name;
        int64_t *slot;
    } ints[] = {{"created_ms", &out->created_ms},
                {"total", &out->total},
                {"lines", &out->lines},
                {"invalid", &out->invalid},
                {"duplicates", &out->duplicates},
                {"reused", &out->reused},
                {"skipped", &out->skipped},
                {"prompt_tokens", &out->prompt_tokens},
                {"completion_tokens", &out->completion_tokens}};

    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        if (!strcmp(name, ints[i].name))
            *ints[i].slot = atoll(num);
    }
    s_batch_model_field(out, name, num);
    if (!strcmp(name, "id"))
        store_copy_field(out->id, sizeof out->id, v);
    else if (!strcmp(name, "name"))
        store_copy_field(out->name, sizeof out->name, v);
    else if (!strcmp(name, "open"))
        out->open = strcmp(num, "1") == 0;
}

/* Add another partition's share of a batch (its jobs there, their usage)
 * to out. */
static void s_batch_add(store_batch_t *out, const store_batch_t *more)
{
    out->total += more->total;
    out->prompt_tokens += more->prompt_tokens;
    out->completion_tokens += more->completion_tokens;
    for (size_t k = 0; k < more->n_models; k++) {
        size_t i = 0;
        while (i < out->n_models && strcmp(out->models[i].model, more->models[k].model) != 0)
            i++;
        if (i == out->n_models && i == STORE_BATCH_MODELS)
            continue;
        if (i == out->n_models)
            out->models[out->n_models++] = more->models[k];
        else {
            out->models[i].prompt_tokens += more->models[k].prompt_tokens;
            out->models[i].completion_tokens += more->models[k].completion_tokens;
        }
    }
}

int store_batch_get(store_t *self, const char *batch_id, store_batch_t *out, err_t *err)
{
    memset(out, 0, sizeof *out);
    out->lines = out->invalid = out->duplicates = out->reused = out->skipped = -1;
    if (store_valid_id(batch_id, err) != 0)
        return -1;
    int home = store_part_of(self, batch_id);
    char key[STORE_KEY_MAX];
    store_at(self, home);
    store_key(self, key, "batch:%s", batch_id);
    if (store_hgetall(self, key, s_batch_field, out, "batch", batch_id, err) != 0)
        return -1;
    /* Its totals are the sum of every partition's share. */
    for (int p = 0; p < self->parts; p++) {
        if (p == home)
            continue;
        store_batch_t more = {0};
        err_t mine = {0};
        store_at(self, p);
        store_key(self, key, "batch:%s", batch_id);
        if (store_hgetall(self, key, s_batch_field, &more, "batch", batch_id, &mine) == 0)
            s_batch_add(out, &more);
        else if (mine.code != LODE_ENOTFOUND) {
            err_set(err, mine.code, "%s", mine.msg);
            return -1;
        }
    }
    return 0;
}

int store_batch_page(store_t *self,
                     const char *batch_id,
                     size_t offset,
                     size_t count,
                     char (**ids)[JOB_ID_SIZE],
                     size_t *n,
                     err_t *err)
{
    *ids = NULL;
    *n = 0;
    if (store_valid_id(batch_id, err) != 0)
        return -1;
    if (self->parts > 1) {
        char what[64];
        snprintf(what, sizeof what, "batch:%s:jobs", batch_id);
        return store_range_merged(self, "LRANGE", what, offset, count ? count : 1, false, ids, n,
                                  err);
    }
    store_at(self, 0);
    char key[STORE_KEY_MAX];
    store_key(self, key, "batch:%s:jobs", batch_id);
    store_args_t a = {0};
    store_str(&a, "LRANGE");
    store_str(&a, key);
    store_int(&a, (int64_t)offset);
    store_int(&a, (int64_t)(offset + (count ? count : 1) - 1));
    return store_list(self, &a, ids, n, err);
}

int store_batch_mark_urls(
    store_t *self, const char *batch_id, const char *const *urls, size_t n, bool *fresh, err_t *err)
{
    if (store_valid_id(batch_id, err) != 0)
        return -1;
    store_at(self, store_part_of(self, batch_id));
    if (store_connect(self, err) != 0)
        return -1;
    char key[STORE_KEY_MAX];
    store_key(self, key, "batch:%s:urls", batch_id);
    for (size_t i = 0; i < n; i++) {
        const char *argv[] = {"SADD", key, urls[i]};
        size_t len[] = {4, strlen(key), strlen(urls[i])};
        redisAppendCommandArgv(self->ctx, 3, argv, len);
    }
    store_args_t x = {0};
    store_str(&x, "EXPIRE");
    store_str(&x, key);
    store_int(&x, STORE_BATCH_URLS_TTL_S);
    store_append(self, &x);
    bool failed = false;
    for (size_t i = 0; i <= n; i++) {
        redisReply *r;
        if (s_pipe_next(self, &r, &failed, err) != 0)
            return -1;
        if (i < n)
            fresh[i] = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
        freeReplyObject(r);
    }
    return failed ? -1 : 0;
}

int store_batch_close(store_t *self, const char *batch_id, const store_batch_t *counts, err_t *err)
{
    if (s_batch_exists(self, batch_id, err) != 0)
        return -1;
    char key[STORE_KEY_MAX];
    store_key(self, key, "batch:%s", batch_id);
    store_args_t a = {0};
    store_str(&a, "HSET");
    store_str(&a, key);
    const char *names[] = {"lines", "invalid", "duplicates", "skipped"};
    const int64_t values[] = {counts->lines, counts->invalid, counts->duplicates, counts->skipped};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (values[i] >= 0) {
            store_str(&a, names[i]);
            store_int(&a, values[i]);
        }
    }
    store_str(&a, "closed_ms");
    store_int(&a, job_now_ms());
    store_append(self, &a);
    s_append_incr(self, key, "reused", 0); /* present, 0 if nothing was reused */
    store_args_t d = {0};
    store_str(&d, "HDEL");
    store_str(&d, key);
    store_str(&d, "open");
    store_append(self, &d);
    char ukey[STORE_KEY_MAX];
    store_key(self, ukey, "batch:%s:urls", batch_id);
    store_args_t u = {0};
    store_str(&u, "DEL");
    store_str(&u, ukey);
    store_append(self, &u);
    bool failed = false;
    for (int i = 0; i < 4; i++) {
        redisReply *r;
        if (s_pipe_next(self, &r, &failed, err) != 0)
            return -1;
        freeReplyObject(r);
    }
    return failed ? -1 : 0;
}

int store_url_jobs_get(
    store_t *self, const char *const *urls, size_t n, char (*ids)[JOB_ID_SIZE], err_t *err)
{
    for (size_t i = 0; i < n; i++)
        ids[i][0] = '\0';
    if (n == 0)
        return 0;
    store_at(self, 0); /* the URL index is one hash, in partition 0 */
    char key[STORE_KEY_MAX];
    store_key(self, key, "urls");
    s_vargs_t v;
    s_vargs_init(&v, n + 2);
    s_vargs_add(&v, "HMGET");
    s_vargs_add(&v, key);
    for (size_t i = 0; i < n; i++)
        s_vargs_add(&v, urls[i]);
    int rc = store_connect(self, err);
    redisReply *r = rc == 0 ? redisCommandArgv(self->ctx, v.argc, v.argv, v.len) : NULL;
    s_vargs_free(&v);
    if (rc != 0 || store_check(self, r, err) != 0) {
        freeReplyObject(r);
        return -1;
    }
    for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements && i < n; i++) {
        const redisReply *e = r->element[i];
        if (e->type == REDIS_REPLY_STRING && e->len < JOB_ID_SIZE)
            store_copy_field(ids[i], JOB_ID_SIZE, e);
    }
    freeReplyObject(r);
    return 0;
}

int store_url_jobs_set(
    store_t *self, const char *const *urls, const char (*ids)[JOB_ID_SIZE], size_t n, err_t *err)
{
    if (n == 0)
        return 0;
    store_at(self, 0);
    char key[STORE_KEY_MAX];
    store_key(self, key, "urls");
    s_vargs_t v;
    s_vargs_init(&v, 2 * n + 2);
    s_vargs_add(&v, "HSET");
    s_vargs_add(&v, key);
    for (size_t i = 0; i < n; i++) {
        s_vargs_add(&v, urls[i]);
        s_vargs_add(&v, ids[i]);
    }
    int rc = store_connect(self, err);
    redisReply *r = rc == 0 ? redisCommandArgv(self->ctx, v.argc, v.argv, v.len) : NULL;
    s_vargs_free(&v);
    if (rc == 0)
        rc = store_check(self, r, err);
    freeReplyObject(r);
    return rc;
}

/* store_job_states for the ids of partition part (all when part is -1). */
static int s_job_states_part(store_t *self,
                             int part,
                             const char (*ids)[JOB_ID_SIZE],
                             size_t n,
                             store_job_state_t *out,
                             err_t *err)
{
    if (store_connect(self, err) != 0)
        return -1;
    size_t sent = 0;
    for (size_t i = 0; i < n; i++) {
        if (part >= 0 && store_part_of(self, ids[i]) != part)
            continue;
        char key[STORE_KEY_MAX];
        store_key(self, key, "job:%.*s", JOB_ID_LEN, ids[i]);
        const char *argv[] = {"HMGET", key, "state", "stage"};
        size_t len[] = {5, strlen(key), 5, 5};
        redisAppendCommandArgv(self->ctx, 4, argv, len);
        sent++;
    }
    bool failed = false;
    for (size_t i = 0; i < n && sent > 0; i++) {
        if (part >= 0 && store_part_of(self, ids[i]) != part)
            continue;
        sent--;
        redisReply *r;
        if (s_pipe_next(self, &r, &failed, err) != 0)
            return -1;
        if (r->type == REDIS_REPLY_ARRAY && r->elements == 2) {
            if (r->element[0]->type == REDIS_REPLY_STRING)
                store_copy_field(out[i].state, sizeof out[i].state, r->element[0]);
            if (r->element[1]->type == REDIS_REPLY_STRING)
                store_copy_field(out[i].stage, sizeof out[i].stage, r->element[1]);
        }
        freeReplyObject(r);
    }
    return failed ? -1 : 0;
}

int store_job_states(
    store_t *self, const char (*ids)[JOB_ID_SIZE], size_t n, store_job_state_t *out, err_t *err)
{
    memset(out, 0, n * sizeof *out);
    if (self->parts == 1) {
        store_at(self, 0);
        return s_job_states_part(self, -1, ids, n, out, err);
    }
    for (int p = 0; p < self->parts; p++) {
        store_at(self, p);
        if (s_job_states_part(self, p, ids, n, out, err) != 0)
            return -1;
    }
    return 0;
}
