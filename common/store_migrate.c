/*  store_migrate.c - move a store of one partition (today's plain key
 *  names, one Redis server) into P partitions: every job's keys, the queues,
 *  leases, delayed retries, dead letters, batches, the URL index and the
 *  counters, each to the partition its id names. Resumable and idempotent:
 *  each job moves in one script (all its keys or none), each list or set in
 *  one script, and the count is recorded only at the end, so a run that
 *  stopped half way is finished by running it again. Run it with the broker
 *  and workers stopped.
 *  SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "store_impl.h"

/* Every script: ARGV[1] the plain prefix, ARGV[2] P. part(id) is the
 * partition an id names (store_part_of). */
#define S_LUA_PART                                                                                 \
    "local B, NP = ARGV[1], tonumber(ARGV[2])\n"                                                   \
    "local A = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'\n"                                               \
    "local function part(id)\n"                                                                    \
    "  local hi = (string.find(A, string.sub(id, 11, 11), 1, true) or 1) - 1\n"                    \
    "  local lo = (string.find(A, string.sub(id, 12, 12), 1, true) or 1) - 1\n"                    \
    "  return (hi * 32 + lo) % NP\n"                                                               \
    "end\n"                                                                                        \
    "local function pk(id, rest) return B .. '{p' .. part(id) .. '}:' .. rest end\n"

/* ARGV[3] = how many jobs (at most) -> jobs moved. Each job: its hash and
 * parts renamed, its place in the jobs set moved; oldest first. */
static const char s_lua_jobs[] = S_LUA_PART
    "local parts = {'', ':input', ':source', ':transcript', ':snippets', ':synthesis',\n"
    "  ':fanout', ':curated', ':undo', ':snippets.meta', ':synthesis.meta', ':fanout.meta'}\n"
    "local ids = redis.call('ZRANGE', B .. 'jobs', 0, tonumber(ARGV[3]) - 1, 'WITHSCORES')\n"
    "for i = 1, #ids, 2 do\n"
    "  local id = ids[i]\n"
    "  for _, s in ipairs(parts) do\n"
    "    if redis.call('EXISTS', B .. 'job:' .. id .. s) == 1 then\n"
    "      redis.call('RENAME', B .. 'job:' .. id .. s, pk(id, 'job:' .. id .. s))\n"
    "    end\n"
    "  end\n"
    "  redis.call('ZADD', pk(id, 'jobs'), ids[i + 1], id)\n"
    "  redis.call('ZREM', B .. 'jobs', id)\n"
    "end\n"
    "return #ids / 2\n";

/* ARGV[3] = a list's name (queue:fetch, dead…) -> ids moved, order kept. */
static const char s_lua_list[] =
    S_LUA_PART "local ids = redis.call('LRANGE', B .. ARGV[3], 0, -1)\n"
               "for _, id in ipairs(ids) do redis.call('RPUSH', pk(id, ARGV[3]), id) end\n"
               "redis.call('DEL', B .. ARGV[3])\n"
               "return #ids\n";

/* ARGV[3] = a sorted set's name (leases, delayed) -> ids moved, scores kept. */
static const char s_lua_zset[] = S_LUA_PART
    "local ids = redis.call('ZRANGE', B .. ARGV[3], 0, -1, 'WITHSCORES')\n"
    "for i = 1, #ids, 2 do redis.call('ZADD', pk(ids[i], ARGV[3]), ids[i + 1], ids[i]) end\n"
    "redis.call('DEL', B .. ARGV[3])\n"
    "return #ids / 2\n";

/* ARGV[3] = a batch id -> keys moved: its hash, job list and URL set go to
 * its partition (their totals are then that partition's share: all). */
static const char s_lua_batch[] = S_LUA_PART "local n = 0\n"
                                             "for _, s in ipairs({'', ':jobs', ':urls'}) do\n"
                                             "  local k = 'batch:' .. ARGV[3] .. s\n"
                                             "  if redis.call('EXISTS', B .. k) == 1 then\n"
                                             "    redis.call('RENAME', B .. k, pk(ARGV[3], k))\n"
                                             "    n = n + 1\n"
                                             "  end\n"
                                             "end\n"
                                             "return n\n";

/* The URL index and the counters go to partition 0 (counters added). */
static const char s_lua_rest[] = S_LUA_PART
    "local n = 0\n"
    "if redis.call('EXISTS', B .. 'urls') == 1 then\n"
    "  redis.call('RENAME', B .. 'urls', B .. '{p0}:urls')\n"
    "  n = n + 1\n"
    "end\n"
    "local st = redis.call('HGETALL', B .. 'stats')\n"
    "for i = 1, #st, 2 do redis.call('HINCRBY', B .. '{p0}:stats', st[i], st[i + 1]) end\n"
    "redis.call('DEL', B .. 'stats')\n"
    "return n + #st / 2\n";

/* EVAL script (not cached: a migration runs once) with the base prefix, P
 * and arg; its integer answer. */
static int
s_eval(store_t *self, const char *script, int parts, const char *arg, long long *out, err_t *err)
{
    store_args_t a = {0};
    store_str(&a, "EVAL");
    store_str(&a, script);
    store_str(&a, "0");
    store_str(&a, self->base);
    store_int(&a, parts);
    store_str(&a, arg ? arg : "");
    redisReply *r;
    if (store_run(self, &a, &r, err) != 0)
        return -1;
    *out = r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
    freeReplyObject(r);
    return 0;
}

/* An integer answer of a one-key command on a plain key (ZCARD, LLEN…). */
static long long s_count(store_t *self, const char *cmd, const char *what, err_t *err)
{
    char key[STORE_KEY_MAX];
    snprintf(key, sizeof key, "%s%s", self->base, what);
    store_args_t a = {0};
    store_str(&a, cmd);
    store_str(&a, key);
    redisReply *r;
    if (store_run(self, &a, &r, err) != 0)
        return -1;
    long long n = r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
    freeReplyObject(r);
    return n;
}

/* Batch ids of the plain layout, by SCAN (MATCH PREFIXbatch:*), one page;
 * *cursor goes on (0 at the end). Each found id's keys are moved unless
 * dry_run; *n counts batches (their hash). */
static int
s_batches_page(store_t *self, int parts, bool dry_run, char cursor[32], int64_t *n, err_t *err)
{
    char match[STORE_KEY_MAX];
    snprintf(match, sizeof match, "%sbatch:*", self->base);
    store_args_t a = {0};
    store_str(&a, "SCAN");
    store_str(&a, cursor);
    store_str(&a, "MATCH");
    store_str(&a, match);
    store_str(&a, "COUNT");
    store_str(&a, "1000");
    redisReply *r;
    if (store_run(self, &a, &r, err) != 0)
        return -1;
    int rc = 0;
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
        err_set(err, LODE_ESTORE, "redis: unexpected SCAN reply");
        rc = -1;
    } else {
        snprintf(cursor, 32, "%.*s", (int)r->element[0]->len, r->element[0]->str);
        size_t skip = strlen(self->base) + 6; /* "batch:" */
        for (size_t i = 0; rc == 0 && i < r->element[1]->elements; i++) {
            const redisReply *k = r->element[1]->element[i];
            if (k->len != skip + JOB_ID_LEN)
                continue; /* batch:ID:jobs and :urls move with batch:ID */
            char id[JOB_ID_SIZE];
            snprintf(id, sizeof id, "%.*s", JOB_ID_LEN, k->str + skip);
            long long moved = 0;
            (*n)++;
            if (!dry_run)
                rc = s_eval(self, s_lua_batch, parts, id, &moved, err);
        }
    }
    freeReplyObject(r);
    return rc;
}

/* The lists and sets of the plain layout, counted or moved. */
static int
s_move_lists(store_t *self, int parts, bool dry_run, store_migrate_report_t *rep, err_t *err)
{
    for (int s = 0; s < JOB_STAGE_COUNT; s++) {
        char q[32];
        snprintf(q, sizeof q, "queue:%s", job_stage_name((job_stage_t)s));
        long long n = s_count(self, "LLEN", q, err);
        if (n < 0 || (!dry_run && s_eval(self, s_lua_list, parts, q, &n, err) != 0))
            return -1;
        rep->queued += n;
    }
    long long n = s_count(self, "LLEN", "dead", err);
    if (n < 0 || (!dry_run && s_eval(self, s_lua_list, parts, "dead", &n, err) != 0))
        return -1;
    rep->dead = n;
    const char *sets[] = {"leases", "delayed"};
    int64_t *into[] = {&rep->leases, &rep->delayed};
    for (int i = 0; i < 2; i++) {
        n = s_count(self, "ZCARD", sets[i], err);
        if (n < 0 || (!dry_run && s_eval(self, s_lua_zset, parts, sets[i], &n, err) != 0))
            return -1;
        *into[i] = n;
    }
    return 0;
}

/* Last step: record P, so that from now on every program sees P partitions. */
static int s_record(store_t *self, int parts, err_t *err)
{
    char key[STORE_KEY_MAX];
    snprintf(key, sizeof key, "%spartitions", self->base);
    store_args_t a = {0};
    store_str(&a, "SET");
    store_str(&a, key);
    store_int(&a, parts);
    redisReply *r;
    if (store_run(self, &a, &r, err) != 0)
        return -1;
    freeReplyObject(r);
    self->parts = parts;
    self->prefix[0] = '\0';
    store_at(self, 0);
    return 0;
}

int store_migrate(store_t *self, int parts, bool dry_run, store_migrate_report_t *rep, err_t *err)
{
    memset(rep, 0, sizeof *rep);
    if (rcl_is_cluster(self->rcl) && self->parts == parts)
        return 0; /* a cluster store of parts partitions: nothing to move */
    if (rcl_is_cluster(self->rcl)) {
        err_set(err, LODE_EINVAL,
                "a Redis Cluster store is not moved in place: migrate a single Redis store "
                "into it with --from redis://HOST:PORT");
        return -1;
    }
    if (parts < 2 || parts > STORE_PARTS_MAX) {
        err_set(err, LODE_EINVAL,
                "migrate moves a one-partition store on one Redis server into 2..%d partitions",
                STORE_PARTS_MAX);
        return -1;
    }
    if (self->parts == parts)
        return 0; /* done already: nothing left in the plain layout */
    if (self->parts != 1) {
        err_set(err, LODE_EINVAL, "the store already has %d partitions", self->parts);
        return -1;
    }
    store_at(self, 0);
    long long jobs = s_count(self, "ZCARD", "jobs", err);
    if (jobs < 0 || s_move_lists(self, parts, dry_run, rep, err) != 0)
        return -1;
    rep->jobs = jobs;
    while (!dry_run && jobs > 0) {
        long long moved = 0;
        if (s_eval(self, s_lua_jobs, parts, "500", &moved, err) != 0)
            return -1;
        jobs = moved > 0 ? s_count(self, "ZCARD", "jobs", err) : 0;
        if (jobs < 0)
            return -1;
    }
    char cursor[32] = "0";
    do {
        if (s_batches_page(self, parts, dry_run, cursor, &rep->batches, err) != 0)
            return -1;
    } while (strcmp(cursor, "0") != 0);
    long long rest = 0;
    if (dry_run)
        return 0;
    if (s_eval(self, s_lua_rest, parts, NULL, &rest, err) != 0)
        return -1;
    return s_record(self, parts, err);
}
