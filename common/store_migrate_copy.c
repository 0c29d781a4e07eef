/*  store_migrate_copy.c - move a store of one partition on one Redis server
 *  (the source) into P partitions of another store: a Redis Cluster, or
 *  another server. Unlike store_migrate.c (one server, RENAME inside Lua),
 *  the keys cross servers, so each is copied (DUMP, then RESTORE … REPLACE
 *  with its TTL on the master serving its partition) and only then deleted
 *  from the source. Every step can run twice:
 *  - a job: its keys restored (REPLACE), its place in the partition's jobs
 *    set added (ZADD), then its keys deleted from the source in one DEL and
 *    its id taken off the source's jobs set; a job whose keys are gone but
 *    whose id is still there (stopped in between) only gets its ZADD again;
 *  - a list (queues, dead letters): each id pushed once per partition, a
 *    hash of the ids already pushed beside the list (same slot) saying so;
 *    the source trimmed after each chunk; the hashes dropped at the end;
 *  - sorted sets (leases, delayed): ZADD, then ZREM from the source;
 *  - the counters: added once (a marker beside them), then deleted.
 *  The target's partition count is recorded last; until then a marker key
 *  says a migration is under way, so an interrupted run is resumed and a
 *  target that holds another store is refused. Run it with the broker and
 *  workers stopped. RESTORE needs the source's RDB format to be one the
 *  target reads (same or newer Redis on the target).
 *  SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "mem.h"
#include "store_impl.h"

#define S_CHUNK     100 /* jobs, list entries or batches per round */
#define S_JOB_PARTS 12  /* the hash, its ten parts and the curation history */

static const char *const s_job_suffix[S_JOB_PARTS] = {
    "",        ":input",   ":source",        ":transcript",     ":snippets",    ":synthesis",
    ":fanout", ":curated", ":snippets.meta", ":synthesis.meta", ":fanout.meta", ":undo"};

/* KEYS[1] a target list, KEYS[2] the hash of ids already pushed to it;
 * ARGV[1] an id: pushed unless it was already. */
static const char s_lua_push_once[] = "if redis.call('HSETNX', KEYS[2], ARGV[1], 1) == 1 then\n"
                                      "  redis.call('RPUSH', KEYS[1], ARGV[1])\n"
                                      "end\n"
                                      "return 1\n";

/* KEYS[1] the counters, KEYS[2] a marker; ARGV field, value pairs: added
 * unless the marker says they were. */
static const char s_lua_add_once[] =
    "if redis.call('SETNX', KEYS[2], 1) == 1 then\n"
    "  for i = 1, #ARGV, 2 do redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) end\n"
    "end\n"
    "return 1\n";

/* One migration: source, target and the partition count wanted. */
typedef struct {
    store_t *src, *dst;
    int parts;
    bool dry_run;
    store_migrate_report_t *rep;
} s_mig_t;

/* A command with up to 8 argv entries, owned buffers for keys. */
typedef struct {
    const char *argv[8];
    size_t len[8];
    char key[2][STORE_KEY_MAX];
} s_argv_t;

/* The key of rest in partition part of the target: "lode:{pN}:rest". */
static void s_tkey(const s_mig_t *m, int part, const char *rest, char out[STORE_KEY_MAX])
{
    snprintf(out, STORE_KEY_MAX, "%s{p%d}:%.160s", m->dst->base, part, rest);
}

/* The key of rest in the source's plain layout: "lode:rest". */
static void s_skey(const s_mig_t *m, const char *rest, char out[STORE_KEY_MAX])
{
    snprintf(out, STORE_KEY_MAX, "%s%.160s", m->src->base, rest);
}

/* Run one command routed by argv[key] (0: no key) on a store's rcl; an
 * error reply is a failure. 0 and *reply (caller frees), or -1 and *err. */
static int s_run(store_t *st, int argc, const char **argv, int key, redisReply **reply, err_t *err)
{
    size_t len[16];
    for (int i = 0; i < argc; i++)
        len[i] = strlen(argv[i]);
    rcl_cmd_t cmd = {.argc = argc, .argv = argv, .len = len, .key = key, .slot = -1};
    *reply = NULL;
    if (rcl_run(st->rcl, &cmd, err) != 0)
        return -1;
    if (cmd.reply->type == REDIS_REPLY_ERROR) {
        err_set(err, LODE_ESTORE, "redis: %s", cmd.reply->str);
        freeReplyObject(cmd.reply);
        return -1;
    }
    *reply = cmd.reply;
    return 0;
}

/* An integer answer of a one-key command (ZCARD, LLEN…), or -1. */
static long long s_count(store_t *st, const char *cmd, const char *key, err_t *err)
{
    const char *argv[] = {cmd, key};
    redisReply *r;
    if (s_run(st, 2, argv, 1, &r, err) != 0)
        return -1;
    long long n = r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
    freeReplyObject(r);
    return n;
}

/* A pipeline on a store; an error reply fails it. 0, or -1 and *err. */
static int s_pipe(store_t *st, rcl_cmd_t *cmds, size_t n, err_t *err)
{
    if (rcl_pipeline(st->rcl, cmds, n, err) != 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (cmds[i].reply->type == REDIS_REPLY_ERROR) {
            err_set(err, LODE_ESTORE, "redis: %s", cmds[i].reply->str);
            return -1;
        }
    return 0;
}

static void s_free_replies(rcl_cmd_t *cmds, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        freeReplyObject(cmds[i].reply);
        cmds[i].reply = NULL;
    }
}

static void s_set(rcl_cmd_t *c, s_argv_t *a, int argc, int key)
{
    for (int i = 0; i < argc; i++)
        a->len[i] = strlen(a->argv[i]);
    *c = (rcl_cmd_t){.argc = argc, .argv = a->argv, .len = a->len, .key = key, .slot = -1};
}

/* --- keys: DUMP + PTTL on the source, RESTORE … REPLACE on the target ---- */

/* Copy n source keys to their target names (skipping those that are gone
 * from the source). 0, or -1 and *err. */
static int s_copy_keys(
    const s_mig_t *m, char (*from)[STORE_KEY_MAX], char (*to)[STORE_KEY_MAX], size_t n, err_t *err)
{
    rcl_cmd_t *get = mem_calloc(n * 2, sizeof *get), *put = mem_calloc(n, sizeof *put);
    s_argv_t *ga = mem_calloc(n * 2, sizeof *ga), *pa = mem_calloc(n, sizeof *pa);
    for (size_t i = 0; i < n; i++) {
        ga[2 * i].argv[0] = "DUMP";
        ga[2 * i].argv[1] = from[i];
        s_set(&get[2 * i], &ga[2 * i], 2, 1);
        ga[2 * i + 1].argv[0] = "PTTL";
        ga[2 * i + 1].argv[1] = from[i];
        s_set(&get[2 * i + 1], &ga[2 * i + 1], 2, 1);
    }
    int rc = s_pipe(m->src, get, n * 2, err);
    size_t k = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const redisReply *d = get[2 * i].reply, *t = get[2 * i + 1].reply;
        if (d->type != REDIS_REPLY_STRING)
            continue; /* gone: copied and deleted by an earlier run */
        long long ttl = t->type == REDIS_REPLY_INTEGER && t->integer > 0 ? t->integer : 0;
        snprintf(pa[k].key[0], sizeof pa[k].key[0], "%lld", ttl);
        const char *argv[] = {"RESTORE", to[i], pa[k].key[0], d->str, "REPLACE"};
        memcpy(pa[k].argv, argv, sizeof argv);
        s_set(&put[k], &pa[k], 5, 1);
        pa[k].len[3] = d->len; /* binary payload */
        k++;
    }
    if (rc == 0 && k > 0)
        rc = s_pipe(m->dst, put, k, err);
    s_free_replies(get, n * 2);
    s_free_replies(put, k);
    free(get);
    free(put);
    free(ga);
    free(pa);
    return rc;
}

/* ZREM key and every step-th element of r (ids at 0, step, 2*step…) on the
 * source, in one command. */
static int s_zrem(const s_mig_t *m, const char *key, const redisReply *r, size_t step, err_t *err)
{
    size_t n = r->elements / step;
    const char **argv = mem_calloc(n + 2, sizeof *argv);
    size_t *len = mem_calloc(n + 2, sizeof *len);
    argv[0] = "ZREM";
    argv[1] = key;
    for (size_t i = 0; i < n; i++)
        argv[2 + i] = r->element[i * step]->str;
    for (size_t i = 0; i < n + 2; i++)
        len[i] = strlen(argv[i]);
    rcl_cmd_t cmd = {.argc = (int)n + 2, .argv = argv, .len = len, .key = 1, .slot = -1};
    int rc = s_pipe(m->src, &cmd, 1, err);
    freeReplyObject(cmd.reply);
    free(argv);
    free(len);
    return rc;
}

/* --- jobs ------------------------------------------------------------------ */

/* One chunk of the source's jobs set (oldest first): copied, added to
 * their partitions' jobs sets, deleted from the source. *moved = how many. */
static int s_jobs_chunk(s_mig_t *m, long long *moved, err_t *err)
{
    char jobs[STORE_KEY_MAX];
    s_skey(m, "jobs", jobs);
    char last[16];
    snprintf(last, sizeof last, "%d", S_CHUNK - 1);
    const char *argv[] = {"ZRANGE", jobs, "0", last, "WITHSCORES"};
    redisReply *r;
    if (s_run(m->src, 5, argv, 1, &r, err) != 0)
        return -1;
    size_t n = r->type == REDIS_REPLY_ARRAY ? r->elements / 2 : 0;
    char(*from)[STORE_KEY_MAX] = mem_calloc(n * S_JOB_PARTS + 1, sizeof *from);
    char(*to)[STORE_KEY_MAX] = mem_calloc(n * S_JOB_PARTS + 1, sizeof *to);
    for (size_t i = 0; i < n; i++) {
        const char *id = r->element[2 * i]->str;
        int part = store_part_of(m->dst, id);
        for (int s = 0; s < S_JOB_PARTS; s++) {
            char rest[160];
            snprintf(rest, sizeof rest, "job:%.*s%s", JOB_ID_LEN, id, s_job_suffix[s]);
            s_skey(m, rest, from[i * S_JOB_PARTS + (size_t)s]);
            s_tkey(m, part, rest, to[i * S_JOB_PARTS + (size_t)s]);
        }
    }
    int rc = s_copy_keys(m, from, to, n * S_JOB_PARTS, err);
    rcl_cmd_t *cmds = mem_calloc(n * 3 + 1, sizeof *cmds);
    s_argv_t *a = mem_calloc(n * 3 + 1, sizeof *a);
    for (size_t i = 0; i < n; i++) { /* ZADD target, then DEL + ZREM source */
        const char *id = r->element[2 * i]->str;
        s_tkey(m, store_part_of(m->dst, id), "jobs", a[i].key[0]);
        const char *z[] = {"ZADD", a[i].key[0], r->element[2 * i + 1]->str, id};
        memcpy(a[i].argv, z, sizeof z);
        s_set(&cmds[i], &a[i], 4, 1);
    }
    rc = rc == 0 && n > 0 ? s_pipe(m->dst, cmds, n, err) : rc;
    s_free_replies(cmds, n);
    rcl_cmd_t *del = cmds + n;
    s_argv_t *da = a + n;
    for (size_t i = 0; i < n; i++) {
        da[2 * i].argv[0] = "DEL";
        for (int s = 0; s < 7 && s < S_JOB_PARTS; s++)
            da[2 * i].argv[1 + s] = from[i * S_JOB_PARTS + (size_t)s];
        s_set(&del[2 * i], &da[2 * i], 8, 1);
        da[2 * i + 1].argv[0] = "DEL";
        for (int s = 7; s < S_JOB_PARTS; s++)
            da[2 * i + 1].argv[s - 6] = from[i * S_JOB_PARTS + (size_t)s];
        s_set(&del[2 * i + 1], &da[2 * i + 1], S_JOB_PARTS - 6, 1);
    }
    rc = rc == 0 && n > 0 ? s_pipe(m->src, del, n * 2, err) : rc;
    s_free_replies(del, n * 2);
    if (rc == 0 && n > 0) /* last: off the source's set */
        rc = s_zrem(m, jobs, r, 2, err);
    *moved = (long long)n;
    freeReplyObject(r);
    free(from);
    free(to);
    free(cmds);
    free(a);
    return rc;
}

/* --- lists, sorted sets, batches, the rest ---------------------------------- */

/* The marker hash of list name in partition part: "lode:{pN}:migrated:name". */
static void s_marker(const s_mig_t *m, int part, const char *name, char out[STORE_KEY_MAX])
{
    char rest[160];
    snprintf(rest, sizeof rest, "migrated:%s", name);
    s_tkey(m, part, rest, out);
}

/* A list (queue:S, dead) chunk by chunk from its head: each id pushed once
 * onto its partition's list, order kept; then the chunk trimmed off. */
static int s_move_list(s_mig_t *m, const char *name, err_t *err)
{
    char key[STORE_KEY_MAX], last[16];
    s_skey(m, name, key);
    snprintf(last, sizeof last, "%d", S_CHUNK - 1);
    for (;;) {
        const char *argv[] = {"LRANGE", key, "0", last};
        redisReply *r;
        if (s_run(m->src, 4, argv, 1, &r, err) != 0)
            return -1;
        size_t n = r->type == REDIS_REPLY_ARRAY ? r->elements : 0;
        rcl_cmd_t *cmds = mem_calloc(n + 1, sizeof *cmds);
        s_argv_t *a = mem_calloc(n + 1, sizeof *a);
        for (size_t i = 0; i < n; i++) {
            int part = store_part_of(m->dst, r->element[i]->str);
            s_tkey(m, part, name, a[i].key[0]);
            s_marker(m, part, name, a[i].key[1]);
            const char *e[] = {"EVAL",      s_lua_push_once, "2",
                               a[i].key[0], a[i].key[1],     r->element[i]->str};
            memcpy(a[i].argv, e, sizeof e);
            s_set(&cmds[i], &a[i], 6, 3);
        }
        int rc = n > 0 ? s_pipe(m->dst, cmds, n, err) : 0;
        s_free_replies(cmds, n);
        free(cmds);
        free(a);
        freeReplyObject(r);
        char from[24];
        snprintf(from, sizeof from, "%zu", n);
        const char *trim[] = {"LTRIM", key, from, "-1"};
        if (rc == 0 && n > 0 && (rc = s_run(m->src, 4, trim, 1, &r, err)) == 0)
            freeReplyObject(r);
        if (rc != 0 || n < S_CHUNK)
            return rc;
    }
}

/* A sorted set (leases, delayed) chunk by chunk: ZADD to the partitions
 * (scores kept), then ZREM from the source. */
static int s_move_zset(s_mig_t *m, const char *name, err_t *err)
{
    char key[STORE_KEY_MAX], last[16];
    s_skey(m, name, key);
    snprintf(last, sizeof last, "%d", S_CHUNK - 1);
    for (;;) {
        const char *argv[] = {"ZRANGE", key, "0", last, "WITHSCORES"};
        redisReply *r;
        if (s_run(m->src, 5, argv, 1, &r, err) != 0)
            return -1;
        size_t n = r->type == REDIS_REPLY_ARRAY ? r->elements / 2 : 0;
        rcl_cmd_t *cmds = mem_calloc(n + 1, sizeof *cmds);
        s_argv_t *a = mem_calloc(n + 1, sizeof *a);
        for (size_t i = 0; i < n; i++) {
            const char *id = r->element[2 * i]->str;
            s_tkey(m, store_part_of(m->dst, id), name, a[i].key[0]);
            const char *z[] = {"ZADD", a[i].key[0], r->element[2 * i + 1]->str, id};
            memcpy(a[i].argv, z, sizeof z);
            s_set(&cmds[i], &a[i], 4, 1);
        }
        int rc = n > 0 ? s_pipe(m->dst, cmds, n, err) : 0;
        s_free_replies(cmds, n);
        free(cmds);
        free(a);
        if (rc == 0 && n > 0)
            rc = s_zrem(m, key, r, 2, err);
        freeReplyObject(r);
        if (rc != 0 || n < S_CHUNK)
            return rc;
    }
}

/* One batch: its hash, job list and URL set copied to its partition, then
 * deleted from the source. */
static int s_move_batch(s_mig_t *m, const char *id, err_t *err)
{
    char from[3][STORE_KEY_MAX], to[3][STORE_KEY_MAX];
    const char *suffix[] = {"", ":jobs", ":urls"};
    for (int i = 0; i < 3; i++) {
        char rest[160];
        snprintf(rest, sizeof rest, "batch:%s%s", id, suffix[i]);
        s_skey(m, rest, from[i]);
        s_tkey(m, store_part_of(m->dst, id), rest, to[i]);
    }
    if (s_copy_keys(m, from, to, 3, err) != 0)
        return -1;
    const char *argv[] = {"DEL", from[0], from[1], from[2]};
    redisReply *r;
    if (s_run(m->src, 4, argv, 1, &r, err) != 0)
        return -1;
    freeReplyObject(r);
    return 0;
}

/* One page of SCAN cursor MATCH match on the source: the reply (caller
 * frees; element[1] holds the keys) with *cursor moved on ("0" at the end),
 * or NULL and *err. */
static redisReply *s_scan(s_mig_t *m, const char *match, char cursor[32], err_t *err)
{
    const char *argv[] = {"SCAN", cursor, "MATCH", match, "COUNT", "1000"};
    redisReply *r;
    if (s_run(m->src, 6, argv, 0, &r, err) != 0)
        return NULL;
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
        freeReplyObject(r);
        err_set(err, LODE_ESTORE, "redis: unexpected SCAN reply");
        return NULL;
    }
    snprintf(cursor, 32, "%.*s", (int)r->element[0]->len, r->element[0]->str);
    return r;
}

/* The source's batches by SCAN (MATCH PREFIXbatch:*), one page; counted,
 * and moved unless a dry run. *cursor goes on ("0" at the end). */
static int s_batches_page(s_mig_t *m, char cursor[32], err_t *err)
{
    char match[STORE_KEY_MAX];
    s_skey(m, "batch:*", match);
    redisReply *r = s_scan(m, match, cursor, err);
    if (!r)
        return -1;
    size_t skip = strlen(m->src->base) + 6; /* "batch:" */
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < r->element[1]->elements; i++) {
        const redisReply *k = r->element[1]->element[i];
        if (k->len != skip + JOB_ID_LEN)
            continue; /* batch:ID:jobs and :urls move with batch:ID */
        char id[JOB_ID_SIZE];
        snprintf(id, sizeof id, "%.*s", JOB_ID_LEN, k->str + skip);
        m->rep->batches++;
        if (!m->dry_run)
            rc = s_move_batch(m, id, err);
    }
    freeReplyObject(r);
    return rc;
}

/* The URL index to partition 0 (copied), the counters added to partition
 * 0's once; both then deleted from the source. */
static int s_move_rest(s_mig_t *m, err_t *err)
{
    char from[1][STORE_KEY_MAX], to[1][STORE_KEY_MAX];
    s_skey(m, "urls", from[0]);
    s_tkey(m, 0, "urls", to[0]);
    if (s_copy_keys(m, from, to, 1, err) != 0)
        return -1;
    char stats[STORE_KEY_MAX], tstats[STORE_KEY_MAX], mark[STORE_KEY_MAX];
    s_skey(m, "stats", stats);
    s_tkey(m, 0, "stats", tstats);
    s_marker(m, 0, "stats", mark);
    const char *get[] = {"HGETALL", stats};
    redisReply *r;
    if (s_run(m->src, 2, get, 1, &r, err) != 0)
        return -1;
    size_t n = r->type == REDIS_REPLY_ARRAY ? r->elements : 0;
    const char **argv = mem_calloc(n + 5, sizeof *argv);
    size_t *len = mem_calloc(n + 5, sizeof *len);
    const char *head[] = {"EVAL", s_lua_add_once, "2", tstats, mark};
    for (size_t i = 0; i < n + 5; i++) {
        argv[i] = i < 5 ? head[i] : r->element[i - 5]->str;
        len[i] = strlen(argv[i]);
    }
    rcl_cmd_t cmd = {.argc = (int)n + 5, .argv = argv, .len = len, .key = 3, .slot = -1};
    int rc = n > 0 ? s_pipe(m->dst, &cmd, 1, err) : 0;
    freeReplyObject(cmd.reply);
    freeReplyObject(r);
    free(argv);
    free(len);
    const char *del[] = {"DEL", from[0]};
    const char *del2[] = {"DEL", stats};
    if (rc == 0 && (rc = s_run(m->src, 2, del, 1, &r, err)) == 0)
        freeReplyObject(r);
    if (rc == 0 && (rc = s_run(m->src, 2, del2, 1, &r, err)) == 0)
        freeReplyObject(r);
    return rc;
}

/* The source's search index (ix:*) is derived data: dropped, not moved.
 * Each partition of the target starts its own index walk from the first
 * job, so lode web (or lode admin reindex) indexes what moved. */
static int s_drop_index(s_mig_t *m, err_t *err)
{
    char match[STORE_KEY_MAX], cursor[32] = "0";
    s_skey(m, "ix:*", match);
    do {
        redisReply *r = s_scan(m, match, cursor, err);
        if (!r)
            return -1;
        int rc = 0;
        for (size_t i = 0; rc == 0 && i < r->element[1]->elements; i++) {
            const char *del[] = {"UNLINK", r->element[1]->element[i]->str};
            redisReply *d;
            if ((rc = s_run(m->src, 2, del, 1, &d, err)) == 0)
                freeReplyObject(d);
        }
        freeReplyObject(r);
        if (rc != 0)
            return -1;
    } while (strcmp(cursor, "0") != 0);
    return 0;
}

/* --- the run ------------------------------------------------------------------ */

/* Where the target records its count (store.c's s_parts_key). */
static void s_parts_key(const s_mig_t *m, char out[STORE_KEY_MAX])
{
    if (rcl_is_cluster(m->dst->rcl))
        s_tkey(m, 0, "partitions", out);
    else
        snprintf(out, STORE_KEY_MAX, "%spartitions", m->dst->base);
}

/* May the target take this store? Yes if it records parts already (done
 * before: what is left moves), if a migration is under way (the marker),
 * or if it holds no job at all (then the marker is set unless a dry run).
 * 0, or -1 and LODE_EINVAL saying why not. */
static int s_target_ok(s_mig_t *m, int recorded, err_t *err)
{
    if (recorded == m->parts)
        return 0;
    if (recorded != 1) {
        err_set(err, LODE_EINVAL, "the target store already has %d partitions, not %d", recorded,
                m->parts);
        return -1;
    }
    char mark[STORE_KEY_MAX];
    s_tkey(m, 0, "migrating", mark);
    long long under_way = s_count(m->dst, "EXISTS", mark, err);
    for (int p = 0; under_way == 0 && p < m->parts; p++) {
        char jobs[STORE_KEY_MAX];
        s_tkey(m, p, "jobs", jobs);
        long long n = s_count(m->dst, "ZCARD", jobs, err);
        if (n != 0) {
            if (n > 0)
                err_set(err, LODE_EINVAL, "the target holds jobs of another store (%s)", jobs);
            return -1;
        }
    }
    if (under_way < 0)
        return -1;
    const char *set[] = {"SET", mark, "1"};
    redisReply *r;
    if (!m->dry_run && s_run(m->dst, 3, set, 1, &r, err) != 0)
        return -1;
    if (!m->dry_run)
        freeReplyObject(r);
    return 0;
}

/* What the source holds: the report's counts (batches are counted by the
 * SCAN that moves them). */
static int s_tally(s_mig_t *m, err_t *err)
{
    struct {
        const char *cmd, *name;
        int64_t *into;
    } what[] = {
        {"ZCARD", "jobs", &m->rep->jobs},           {"LLEN", "queue:fetch", &m->rep->queued},
        {"LLEN", "queue:snippet", &m->rep->queued}, {"LLEN", "queue:synthesis", &m->rep->queued},
        {"LLEN", "queue:fanout", &m->rep->queued},  {"LLEN", "dead", &m->rep->dead},
        {"ZCARD", "leases", &m->rep->leases},       {"ZCARD", "delayed", &m->rep->delayed}};

    for (size_t i = 0; i < sizeof what / sizeof what[0]; i++) {
        char key[STORE_KEY_MAX];
        s_skey(m, what[i].name, key);
        long long n = s_count(m->src, what[i].cmd, key, err);
        if (n < 0)
            return -1;
        *what[i].into += n;
    }
    return 0;
}

/* Everything but the batches, in an order that a second run can finish:
 * lists and sets first (their entries name jobs), then the jobs. */
static int s_move_all(s_mig_t *m, err_t *err)
{
    const char *lists[] = {"queue:fetch", "queue:snippet", "queue:synthesis", "queue:fanout",
                           "dead"};
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
        if (s_move_list(m, lists[i], err) != 0)
            return -1;
    if (s_move_zset(m, "leases", err) != 0 || s_move_zset(m, "delayed", err) != 0)
        return -1;
    long long moved;
    do {
        if (s_jobs_chunk(m, &moved, err) != 0)
            return -1;
    } while (moved == S_CHUNK);
    return 0;
}

/* Last: the count recorded, the markers dropped. */
static int s_finish(s_mig_t *m, err_t *err)
{
    char key[STORE_KEY_MAX], count[16];
    s_parts_key(m, key);
    snprintf(count, sizeof count, "%d", m->parts);
    const char *set[] = {"SET", key, count};
    redisReply *r;
    if (s_run(m->dst, 3, set, 1, &r, err) != 0)
        return -1;
    freeReplyObject(r);
    const char *names[] = {"queue:fetch",  "queue:snippet", "queue:synthesis",
                           "queue:fanout", "dead",          "stats"};
    for (int p = 0; p < m->parts; p++)
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
            s_marker(m, p, names[i], key);
            const char *del[] = {"DEL", key};
            if (s_run(m->dst, 2, del, 1, &r, err) != 0)
                return -1;
            freeReplyObject(r);
        }
    s_tkey(m, 0, "migrating", key);
    const char *del[] = {"DEL", key};
    if (s_run(m->dst, 2, del, 1, &r, err) != 0)
        return -1;
    freeReplyObject(r);
    return 0;
}

int store_migrate_from(
    store_t *self, store_t *src, int parts, bool dry_run, store_migrate_report_t *rep, err_t *err)
{
    memset(rep, 0, sizeof *rep);
    if (parts < 2 || parts > STORE_PARTS_MAX || rcl_is_cluster(src->rcl) || src->parts != 1) {
        err_set(err, LODE_EINVAL,
                "migrate --from moves a one-partition store on one Redis server into 2..%d "
                "partitions",
                STORE_PARTS_MAX);
        return -1;
    }
    s_mig_t m = {.src = src, .dst = self, .parts = parts, .dry_run = dry_run, .rep = rep};
    int recorded = self->parts;
    self->parts = parts; /* store_part_of: the partition of each id */
    store_at(src, 0);
    int rc = s_target_ok(&m, recorded, err) == 0 && s_tally(&m, err) == 0 ? 0 : -1;
    if (rc == 0 && !dry_run)
        rc = s_move_all(&m, err);
    char cursor[32] = "0";
    while (rc == 0 && (rc = s_batches_page(&m, cursor, err)) == 0 && strcmp(cursor, "0") != 0)
        ;
    if (rc == 0 && !dry_run)
        rc = s_move_rest(&m, err) == 0 && s_drop_index(&m, err) == 0 && s_finish(&m, err) == 0 ? 0
                                                                                               : -1;
    if (rc != 0 || dry_run)
        self->parts = recorded; /* not recorded yet */
    self->prefix[0] = '\0';
    store_at(self, 0);
    return rc;
}
