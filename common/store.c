/*  store.c - Redis access over synchronous hiredis. Every broker transition
 *  is one Lua script or one MULTI/EXEC pipeline, so a job is never seen half
 *  moved. Lua scripts take the key prefix as an argument and build key names,
 *  which is fine for a single Redis (not Redis Cluster; see README).
 *  SPDX-License-Identifier: MIT
 */
#include "store.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>
#include <hiredis/sds.h>

#include "buf.h"
#include "config.h"
#include "mem.h"

#define STORE_KEY_MAX     256
#define STORE_ARGS_MAX    128
#define STORE_SCRIPTS_MAX 16

struct store {
    redisContext *ctx; /* owned; NULL while disconnected */
    config_redis_t cfg;
    char prefix[64];
    char maxes[96]; /* "fetch=3,snippet=3,…": attempt limits the scripts use */
    int timeout_ms;
    int64_t retry_at_ms;  /* after a failed connect, fail fast until then */
    int backoff_ms;       /* current reconnect back-off; 0 while connected */
    char last_error[256]; /* why the last connect failed */
    bool auth_refused;    /* Redis answered but refused our credentials */

    struct {
        const char *text; /* a static script; NULL = free entry */
        char sha[41];     /* its SHA1 in Redis's script cache */
    } scripts[STORE_SCRIPTS_MAX];
};

/* An argv under construction: strings are borrowed, numbers live in num[]. */
typedef struct {
    int argc;
    const char *argv[STORE_ARGS_MAX];
    size_t len[STORE_ARGS_MAX];
    char num[STORE_ARGS_MAX][24];
} s_args_t;

static void s_arg(s_args_t *a, const char *s, size_t n)
{
    assert(a->argc < STORE_ARGS_MAX);
    a->argv[a->argc] = s;
    a->len[a->argc++] = n;
}

static void s_str(s_args_t *a, const char *s)
{
    s_arg(a, s, strlen(s));
}

static void s_int(s_args_t *a, int64_t v)
{
    assert(a->argc < STORE_ARGS_MAX);
    int n = snprintf(a->num[a->argc], sizeof a->num[0], "%lld", (long long)v);
    s_arg(a, a->num[a->argc], (size_t)n);
}

/* out = prefix + printf(fmt, ...). Ids are validated before they get here,
 * so a key never comes near STORE_KEY_MAX. */
static void s_key(const store_t *self, char out[STORE_KEY_MAX], const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void s_key(const store_t *self, char out[STORE_KEY_MAX], const char *fmt, ...)
{
    size_t n = strlen(self->prefix);
    memcpy(out, self->prefix, n);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out + n, STORE_KEY_MAX - n, fmt, ap);
    va_end(ap);
}

/* --- connection ------------------------------------------------------------ */

static int s_check(store_t *self, redisReply *r, err_t *err)
{
    if (!r) {
        err_set(err, LODE_ESTORE, "redis %s:%d: %s", self->cfg.host, self->cfg.port,
                self->ctx && self->ctx->errstr[0] ? self->ctx->errstr : "connection lost");
        /* A context that failed is unusable; drop it and reconnect next time. */
        redisFree(self->ctx);
        self->ctx = NULL;
        return -1;
    }
    if (r->type == REDIS_REPLY_ERROR) {
        err_set(err, LODE_ESTORE, "redis: %.200s", r->str);
        return -1;
    }
    return 0;
}

static int s_connect_now(store_t *self, err_t *err)
{
    struct timeval tv = {self->timeout_ms / 1000, (self->timeout_ms % 1000) * 1000};
    redisContext *c = redisConnectWithTimeout(self->cfg.host, self->cfg.port, tv);
    if (!c || c->err) {
        err_set(err, LODE_ESTORE, "cannot connect to redis at %s:%d: %s", self->cfg.host,
                self->cfg.port, c ? c->errstr : "out of memory");
        redisFree(c);
        return -1;
    }
    redisSetTimeout(c, tv);
    self->ctx = c;
    redisReply *r = NULL;
    int rc = 0;
    /* AUTH's arguments are secrets: an error names the user, never the password. */
    if (self->cfg.password[0]) {
        if (self->cfg.user[0])
            r = redisCommand(c, "AUTH %s %s", self->cfg.user, self->cfg.password);
        else
            r = redisCommand(c, "AUTH %s", self->cfg.password);
        rc = s_check(self, r, err);
        self->auth_refused = rc != 0 && r != NULL;
        if (rc != 0)
            err_prefix(err, "AUTH%s%s at %s:%d", self->cfg.user[0] ? " as " : "", self->cfg.user,
                       self->cfg.host, self->cfg.port);
        freeReplyObject(r);
    } else {
        /* A server with requirepass says NOAUTH here, not at the first job. */
        r = redisCommand(c, "PING");
        rc = s_check(self, r, err);
        self->auth_refused = rc != 0 && strstr(err->msg, "NOAUTH");
        if (self->auth_refused)
            err_prefix(err, "redis at %s:%d wants a password (redis://[user:]password@%s:%d)",
                       self->cfg.host, self->cfg.port, self->cfg.host, self->cfg.port);
        freeReplyObject(r);
    }
    if (rc == 0 && self->cfg.db) {
        r = redisCommand(self->ctx, "SELECT %d", self->cfg.db);
        rc = s_check(self, r, err);
        freeReplyObject(r);
    }
    if (rc != 0) {
        redisFree(self->ctx);
        self->ctx = NULL;
    }
    return rc;
}

/* Connect if not connected. After a failure, calls fail at once (with the
 * last reason) until a back-off of 100 ms doubling to 2 s has passed, so an
 * event loop is not held up by a Redis that is down. */
static int s_connect(store_t *self, err_t *err)
{
    if (self->ctx)
        return 0;
    int64_t now = job_now_ms();
    if (now < self->retry_at_ms) {
        err_set(err, LODE_ESTORE, "%s (retrying in %lld ms)", self->last_error,
                (long long)(self->retry_at_ms - now));
        return -1;
    }
    err_t mine = {0};
    if (s_connect_now(self, &mine) == 0) {
        self->backoff_ms = 0;
        self->retry_at_ms = 0;
        return 0;
    }
    self->backoff_ms = self->backoff_ms ? self->backoff_ms * 2 : 100;
    if (self->backoff_ms > 2000)
        self->backoff_ms = 2000;
    self->retry_at_ms = now + self->backoff_ms;
    memcpy(self->last_error, mine.msg, sizeof self->last_error);
    err_set(err, mine.code, "%s", mine.msg);
    return -1;
}

/* Run one command. On success *reply is the caller's to free. */
static int s_run(store_t *self, s_args_t *a, redisReply **reply, err_t *err)
{
    *reply = NULL;
    if (s_connect(self, err) != 0)
        return -1;
    redisReply *r = redisCommandArgv(self->ctx, a->argc, a->argv, a->len);
    if (s_check(self, r, err) != 0) {
        freeReplyObject(r);
        return -1;
    }
    *reply = r;
    return 0;
}

store_t *store_new(const store_opts_t *opts, err_t *err)
{
    store_t *self = mem_calloc(1, sizeof *self);
    const char *url = config_redis_url(opts ? opts->url : NULL);
    const char *prefix = config_prefix(opts ? opts->prefix : NULL);
    self->timeout_ms = (opts && opts->timeout_ms > 0) ? opts->timeout_ms : 5000;
    if (strlen(prefix) >= sizeof self->prefix) {
        err_set(err, LODE_EINVAL, "key prefix too long");
        free(self);
        return NULL;
    }
    strcpy(self->prefix, prefix);
    int dflt[JOB_STAGE_COUNT] = {3, 3, 3, 3};
    store_set_max_attempts(self, dflt);
    err_t conn = {0};
    if (config_parse_redis_url(url, &self->cfg, err) != 0 ||
        (s_connect(self, &conn) != 0 && (!(opts && opts->lazy) || self->auth_refused))) {
        err_set(err, conn.code, "%s", conn.msg);
        store_destroy(&self);
        return NULL;
    }
    return self;
}

void store_destroy(store_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    redisFree((*self_p)->ctx);
    free(*self_p);
    *self_p = NULL;
}

const char *store_prefix(const store_t *self)
{
    return self->prefix;
}

int store_ping(store_t *self, err_t *err)
{
    s_args_t a = {0};
    s_str(&a, "PING");
    redisReply *r;
    if (s_run(self, &a, &r, err) != 0)
        return -1;
    freeReplyObject(r);
    return 0;
}

static int s_valid_id(const char *id, err_t *err)
{
    if (job_id_valid(id))
        return 0;
    err_set(err, LODE_EINVAL, "not a job id: \"%.40s\"", id ? id : "");
    return -1;
}

/* --- submit ------------------------------------------------------------------ */

/* Past this many bytes waiting in hiredis's output buffer, s_append writes
 * them out. */
#define STORE_OBUF_FLUSH (256 * 1024)

/* Write out a long pipeline as it grows (Redis reads and queues it
 * meanwhile) instead of at its first read: hiredis grows its buffer 1 MB at
 * a time past 1 MB, copying it each time, and after each partial write
 * moves what is left to the front. A write error stays in the context and
 * fails the first reply read. */
static void s_append_flush(store_t *self)
{
    if (sdslen(self->ctx->obuf) < STORE_OBUF_FLUSH)
        return;
    int done = 0;
    while (!done && redisBufferWrite(self->ctx, &done) == REDIS_OK)
        ;
}

static void s_append(store_t *self, s_args_t *a)
{
    redisAppendCommandArgv(self->ctx, a->argc, a->argv, a->len);
    s_append_flush(self);
}

static int s_append_job_hash(
    store_t *self, const store_item_t *it, const char *id, const char *batch, int64_t now)
{
    char key[STORE_KEY_MAX];
    s_key(self, key, "job:%s", id);
    /* Not "= {0}": that clears 5 kB, twice a job, 20,000 times a submit. */
    s_args_t a;
    a.argc = 0;
    s_str(&a, "HSET");
    s_str(&a, key);
    const char *kv[][2] = {{"id", id},         {"state", JOB_STATE_QUEUED},
                           {"stage", "fetch"}, {"kind", it->kind ? it->kind : "text"},
                           {"batch", batch},   {"attempt", "0"},
                           {"attempts", "0"}};
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++) {
        s_str(&a, kv[i][0]);
        s_str(&a, kv[i][1]);
    }
    if (it->url) {
        s_str(&a, "url");
        s_str(&a, it->url);
    }
    if (it->name) {
        s_str(&a, "name");
        s_str(&a, it->name);
    }
    s_str(&a, "created_ms");
    s_int(&a, now);
    s_str(&a, "updated_ms");
    s_int(&a, now);
    /* The input rides in the job's hash (one command and one key fewer a
     * job); store_job_get does not read it back, store_part_get does. */
    if (it->body) {
        s_str(&a, STORE_PART_INPUT);
        s_arg(&a, it->body, it->body_len);
    }
    s_append(self, &a);
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
    s_append_flush(self);
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
    s_key(self, key, "queue:fetch");
    s_append_many(self, "RPUSH", key, NULL, ids, n);
    s_key(self, key, "batch:%s:jobs", batch);
    s_append_many(self, "RPUSH", key, NULL, ids, n);
    snprintf(score, sizeof score, "%lld", (long long)now);
    s_key(self, key, "jobs");
    s_append_many(self, "ZADD", key, score, ids, n);
    return 3;
}

/* HSET of a new batch's hash into *a; key is the caller's buffer (a
 * borrows it) and receives the key name. */
static void s_batch_hset(store_t *self,
                         s_args_t *a,
                         char key[STORE_KEY_MAX],
                         const char *batch,
                         const char *name,
                         int64_t total)
{
    s_key(self, key, "batch:%s", batch);
    s_str(a, "HSET");
    s_str(a, key);
    s_str(a, "id");
    s_str(a, batch);
    s_str(a, "name");
    s_str(a, name ? name : "");
    s_str(a, "created_ms");
    s_int(a, job_now_ms());
    s_str(a, "total");
    s_int(a, total);
}

static int s_append_batch(store_t *self, const char *batch, const char *name, size_t n)
{
    char key[STORE_KEY_MAX];
    s_args_t a = {0};
    s_batch_hset(self, &a, key, batch, name, (int64_t)n);
    s_append(self, &a);
    s_args_t s = {0};
    s_key(self, key, "stats");
    s_str(&s, "HINCRBY");
    s_str(&s, key);
    s_str(&s, "submitted");
    s_int(&s, (int64_t)n);
    s_append(self, &s);
    return 2;
}

/* Read every pipelined reply (the connection must stay in sync even after
 * an error) and check that EXEC ran. */
static int s_finish_multi(store_t *self, int n_replies, err_t *err)
{
    int rc = 0;
    for (int i = 0; i < n_replies; i++) {
        redisReply *r = NULL;
        if (redisGetReply(self->ctx, (void **)&r) != REDIS_OK) {
            s_check(self, NULL, err);
            return -1;
        }
        if (rc == 0 && s_check(self, r, err) != 0)
            rc = -1;
        if (rc == 0 && i == n_replies - 1 && r->type != REDIS_REPLY_ARRAY) {
            err_set(err, LODE_ESTORE, "redis: transaction aborted");
            rc = -1;
        }
        freeReplyObject(r);
    }
    return rc;
}

int store_submit(store_t *self,
                 const char *batch_name,
                 const store_item_t *items,
                 size_t n,
                 char (*ids)[JOB_ID_SIZE],
                 char batch_id[JOB_ID_SIZE],
                 err_t *err)
{
    if (s_connect(self, err) != 0)
        return -1;
    int64_t now = job_now_ms();
    job_new_id(batch_id);
    s_args_t m = {0};
    s_str(&m, "MULTI");
    s_append(self, &m);
    int replies = 1 + s_append_batch(self, batch_id, batch_name, n);
    for (size_t i = 0; i < n; i++) {
        job_new_id(ids[i]);
        replies += s_append_job_hash(self, &items[i], ids[i], batch_id, now);
    }
    replies += s_append_lists(self, (const char(*)[JOB_ID_SIZE])ids, n, batch_id, now);
    s_args_t e = {0};
    s_str(&e, "EXEC");
    s_append(self, &e);
    return s_finish_multi(self, replies + 1, err);
}

int store_expand(store_t *self,
                 const char *parent,
                 const char *batch_id,
                 const char *const *urls,
                 size_t n,
                 char (*ids)[JOB_ID_SIZE],
                 err_t *err)
{
    if (s_valid_id(parent, err) != 0 || s_valid_id(batch_id, err) != 0 || s_connect(self, err) != 0)
        return -1;
    /* A rerun of the playlist's fetch (its DONE was lost) must not make the
     * videos' jobs twice. */
    char pk[STORE_KEY_MAX];
    s_key(self, pk, "job:%s", parent);
    s_args_t q = {0};
    s_str(&q, "HEXISTS");
    s_str(&q, pk);
    s_str(&q, "expanded");
    redisReply *r;
    if (s_run(self, &q, &r, err) != 0)
        return -1;
    bool done_before = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
    freeReplyObject(r);
    if (done_before)
        return 0;
    int64_t now = job_now_ms();
    s_args_t m = {0};
    s_str(&m, "MULTI");
    s_append(self, &m);
    int replies = 1;
    for (size_t i = 0; i < n; i++) {
        store_item_t it = {.kind = "url", .url = urls[i]};
        job_new_id(ids[i]);
        replies += s_append_job_hash(self, &it, ids[i], batch_id, now);
    }
    replies += s_append_lists(self, (const char(*)[JOB_ID_SIZE])ids, n, batch_id, now);
    char key[STORE_KEY_MAX];
    s_key(self, key, "batch:%s", batch_id);
    s_args_t t = {0};
    s_str(&t, "HINCRBY");
    s_str(&t, key);
    s_str(&t, "total");
    s_int(&t, (int64_t)n);
    s_append(self, &t);
    /* The marker store_done reads: this fetch made jobs, not a document. */
    s_args_t x = {0};
    s_key(self, key, "job:%s", parent);
    s_str(&x, "HSET");
    s_str(&x, key);
    s_str(&x, "expanded");
    s_int(&x, (int64_t)n);
    s_append(self, &x);
    s_args_t e = {0};
    s_str(&e, "EXEC");
    s_append(self, &e);
    return s_finish_multi(self, replies + 3, err);
}

/* --- transitions (Lua: atomic in Redis) -------------------------------------- */

/* Every script starts with this: ARGV[1] prefix, ARGV[2] the per-stage
 * attempt limits ("fetch=3,snippet=3,…"), ARGV[3] the time in ms; the
 * script's own arguments follow from ARGV[4]. */
#define S_LUA_HEAD                                                                                 \
    "local P, NOW = ARGV[1], ARGV[3]\n"                                                            \
    "local MAXA = {}\n"                                                                            \
    "for s, n in string.gmatch(ARGV[2], '(%a+)=(%d+)') do MAXA[s] = tonumber(n) end\n"

/* Give a job back: to its stage's queue at once (delay 0), to the delayed
 * set until now+delay (a back-off retry), or, when it may not retry, mark it
 * failed and dead-letter it with the reason. k = job key. */
#define S_LUA_GIVE_BACK                                                                            \
    "local function give_back(k, id, stage, attempt, retry, code, reason, delay)\n"                \
    "  redis.call('ZREM', P..'leases', id)\n"                                                      \
    "  redis.call('HSET', k, 'error', reason, 'error_code', code, 'error_stage', stage,\n"         \
    "             'updated_ms', NOW)\n"                                                            \
    "  redis.call('HDEL', k, 'worker')\n"                                                          \
    "  if retry == '1' and tonumber(attempt) < (MAXA[stage] or 3) then\n"                          \
    "    redis.call('HSET', k, 'state', 'queued')\n"                                               \
    "    redis.call('HINCRBY', P..'stats', 'retried', 1)\n"                                        \
    "    if tonumber(delay) > 0 then\n"                                                            \
    "      local due = tonumber(NOW) + tonumber(delay)\n"                                          \
    "      redis.call('HSET', k, 'retry_at_ms', due)\n"                                            \
    "      redis.call('ZADD', P..'delayed', due, id)\n"                                            \
    "    else\n"                                                                                   \
    "      redis.call('RPUSH', P..'queue:'..stage, id)\n"                                          \
    "    end\n"                                                                                    \
    "    return 1\n"                                                                               \
    "  end\n"                                                                                      \
    "  redis.call('HSET', k, 'state', 'failed', 'finished_ms', NOW)\n"                             \
    "  redis.call('LPUSH', P..'dead', id)\n"                                                       \
    "  redis.call('HINCRBY', P..'stats', 'failed', 1)\n"                                           \
    "  return 1\n"                                                                                 \
    "end\n"

/* A report is current only while the job is running at that stage and
 * attempt; anything else is a late or duplicate report from a worker the
 * broker already gave up on. */
#define S_LUA_CURRENT                                                                              \
    "local function current(k, stage, attempt, who)\n"                                             \
    "  local h = redis.call('HMGET', k, 'state', 'stage', 'attempt', 'worker')\n"                  \
    "  if h[1] == 'running' and h[2] == stage and h[3] == attempt and\n"                           \
    "     (who == nil or who == '' or h[4] == who) then return true end\n"                         \
    "  redis.call('HINCRBY', P..'stats', 'stale', 1)\n"                                            \
    "  return false\n"                                                                             \
    "end\n"

/* ARGV[4..]: stage deadline worker max -> {left, id1, attempt1, id2, …}.
 * Up to max jobs in one call: LPOP with a count, then per job one read and
 * one write of its hash, and one ZADD for all the leases. An id whose hash
 * is gone (deleted by hand) is dropped, not run. left is how many jobs the
 * queue still holds: the broker's word on whether to look again, and on
 * whether jobs may be handed past the queue (store_handoff_t). */
static const char s_lua_dispatch[] = S_LUA_HEAD
    "local stage = ARGV[4]\n"
    "local q = P..'queue:'..stage\n"
    "local ids = redis.call('LPOP', q, tonumber(ARGV[7]))\n"
    "if not ids then return {0} end\n"
    "local out, lease = {redis.call('LLEN', q)}, {}\n"
    "for _, id in ipairs(ids) do\n"
    "  local k = P..'job:'..id\n"
    "  local h = redis.call('HMGET', k, 'id', 'attempt', 'attempts')\n"
    "  if h[1] then\n"
    "    local a = tonumber(h[2] or 0) + 1\n"
    "    redis.call('HSET', k, 'state', 'running', 'stage', stage, 'attempt', a,\n"
    "               'attempts', tonumber(h[3] or 0) + 1, 'worker', ARGV[6], 'updated_ms', NOW)\n"
    "    out[#out + 1] = id\n"
    "    out[#out + 1] = a\n"
    "    lease[#lease + 1] = ARGV[5]\n"
    "    lease[#lease + 1] = id\n"
    "  end\n"
    "end\n"
    "if #lease > 0 then redis.call('ZADD', P..'leases', unpack(lease)) end\n"
    "return out\n";

/* ARGV[4..]: stage next_stage('' after fanout) reports handoff cap deadline
 * -> {{1|0 per report}, {id, attempt, …}}. reports is "id attempt worker\n"
 * per job (worker may be empty: any). Per job one read and one write of its
 * hash; the lease changes, the push to the next queue and the counters are
 * one command each for all jobs. When the broker names a handoff worker of
 * the next stage (its queue is empty and that worker has cap free credits),
 * up to cap jobs go straight to it, leased until deadline: the write that
 * ends this stage also starts the next, instead of a push, a pop and a
 * second write. */
static const char s_lua_done[] = S_LUA_HEAD
    "local stage, nxt, hw, cap = ARGV[4], ARGV[5], ARGV[7], tonumber(ARGV[8])\n"
    "local applied, leased, moved, handed, lease = {}, {}, {}, {}, {}\n"
    "local done, stale = 0, 0\n"
    "for id, attempt, who in string.gmatch(ARGV[6], '(%w+) (%d+) ([^\\n]*)\\n') do\n"
    "  local k = P..'job:'..id\n"
    "  local h = redis.call('HMGET', k, 'state', 'stage', 'attempt', 'worker', 'expanded',\n"
    "                       'completions', 'error', 'attempts')\n"
    "  if h[1] == 'running' and h[2] == stage and h[3] == attempt and\n"
    "     (who == '' or h[4] == who) then\n"
    "    leased[#leased + 1] = id\n"
    /* The error of an earlier attempt goes once the stage succeeds (rare:
     * only jobs that failed before pay for this command). */
    "    if h[7] then redis.call('HDEL', k, 'error', 'error_code', 'error_stage') end\n"
    "    if h[5] then\n"
    /* A playlist's fetch made jobs of its own and ends here. */
    "      redis.call('HSET', k, 'state', 'expanded', 'worker', '', 'updated_ms', NOW,\n"
    "                 'finished_ms', NOW)\n"
    "    elseif nxt ~= '' and hw ~= '' and #handed < 2 * cap then\n"
    "      redis.call('HSET', k, 'state', 'running', 'stage', nxt, 'attempt', 1,\n"
    "                 'attempts', tonumber(h[8] or 0) + 1, 'worker', hw, 'updated_ms', NOW)\n"
    "      handed[#handed + 1] = id\n"
    "      handed[#handed + 1] = 1\n"
    "      lease[#lease + 1] = ARGV[9]\n"
    "      lease[#lease + 1] = id\n"
    "    elseif nxt ~= '' then\n"
    "      redis.call('HSET', k, 'state', 'queued', 'stage', nxt, 'attempt', 0, 'worker', '',\n"
    "                 'updated_ms', NOW)\n"
    "      moved[#moved + 1] = id\n"
    "    else\n"
    /* completions counts arrivals at done: more than one would be a duplicate. */
    "      redis.call('HSET', k, 'state', 'done', 'worker', '', 'updated_ms', NOW,\n"
    "                 'finished_ms', NOW, 'completions', tonumber(h[6] or 0) + 1)\n"
    "      done = done + 1\n"
    "    end\n"
    "    applied[#applied + 1] = 1\n"
    "  else\n"
    "    stale = stale + 1\n"
    "    applied[#applied + 1] = 0\n"
    "  end\n"
    "end\n"
    "if #leased > 0 then redis.call('ZREM', P..'leases', unpack(leased)) end\n"
    "if #lease > 0 then redis.call('ZADD', P..'leases', unpack(lease)) end\n"
    "if #moved > 0 then redis.call('RPUSH', P..'queue:'..nxt, unpack(moved)) end\n"
    "if done > 0 then redis.call('HINCRBY', P..'stats', 'done', done) end\n"
    "if stale > 0 then redis.call('HINCRBY', P..'stats', 'stale', stale) end\n"
    "return {applied, handed}\n";

/* ARGV[4..]: id stage attempt retryable code reason delay_ms -> 1|0. */
static const char s_lua_fail[] = S_LUA_HEAD S_LUA_CURRENT S_LUA_GIVE_BACK
    "local id, stage, attempt = ARGV[4], ARGV[5], ARGV[6]\n"
    "local k = P..'job:'..id\n"
    "if not current(k, stage, attempt, ARGV[11]) then return 0 end\n"
    "return give_back(k, id, stage, attempt, ARGV[7], ARGV[8], ARGV[9], ARGV[10])\n";

/* ARGV[4..]: id attempt -> 1|0 (the stage is whatever the job is at). */
static const char s_lua_release[] = S_LUA_HEAD S_LUA_GIVE_BACK
    "local id, attempt = ARGV[4], ARGV[5]\n"
    "local k = P..'job:'..id\n"
    "local h = redis.call('HMGET', k, 'state', 'stage', 'attempt')\n"
    "if h[1] ~= 'running' or h[3] ~= attempt then return 0 end\n"
    "return give_back(k, id, h[2], attempt, '1', 'ETIMEDOUT', 'worker lost', 0)\n";

/* No ARGV of its own -> number of leases expired (at most 1000 a call). */
static const char s_lua_expire[] = S_LUA_HEAD S_LUA_GIVE_BACK
    "local ids = redis.call('ZRANGEBYSCORE', P..'leases', '-inf', NOW, 'LIMIT', 0, 1000)\n"
    "for _, id in ipairs(ids) do\n"
    "  local k = P..'job:'..id\n"
    "  local h = redis.call('HMGET', k, 'state', 'stage', 'attempt')\n"
    "  if h[1] == 'running' then\n"
    "    give_back(k, id, h[2], h[3], '1', 'ETIMEDOUT', 'lease expired', 0)\n"
    "  else\n"
    "    redis.call('ZREM', P..'leases', id)\n"
    "  end\n"
    "end\n"
    "return #ids\n";

/* ARGV[4..]: names of the live workers -> number of leases released whose
 * worker is not among them (at most 1000 a call). */
static const char s_lua_orphans[] = S_LUA_HEAD S_LUA_GIVE_BACK
    "local live = {}\n"
    "for i = 4, #ARGV do live[ARGV[i]] = true end\n"
    "local n = 0\n"
    "for _, id in ipairs(redis.call('ZRANGE', P..'leases', 0, 999)) do\n"
    "  local k = P..'job:'..id\n"
    "  local h = redis.call('HMGET', k, 'state', 'stage', 'attempt', 'worker')\n"
    "  if h[1] ~= 'running' then\n"
    "    redis.call('ZREM', P..'leases', id)\n"
    "  elseif not live[h[4] or ''] then\n"
    "    give_back(k, id, h[2], h[3], '1', 'ETIMEDOUT', 'worker lost', 0)\n"
    "    n = n + 1\n"
    "  end\n"
    "end\n"
    "return n\n";

/* ARGV[4..]: worker, then the ids it says it holds -> number of its other
 * leases given back (at most 10,000 leases looked at a call). */
static const char s_lua_release_worker[] = S_LUA_HEAD S_LUA_GIVE_BACK
    "local who, held = ARGV[4], {}\n"
    "for i = 5, #ARGV do held[ARGV[i]] = true end\n"
    "local n = 0\n"
    "for _, id in ipairs(redis.call('ZRANGE', P..'leases', 0, 9999)) do\n"
    "  if not held[id] then\n"
    "    local k = P..'job:'..id\n"
    "    local h = redis.call('HMGET', k, 'state', 'stage', 'attempt', 'worker')\n"
    "    if h[1] == 'running' and h[4] == who then\n"
    "      give_back(k, id, h[2], h[3], '1', 'ETIMEDOUT', 'worker lost', 0)\n"
    "      n = n + 1\n"
    "    end\n"
    "  end\n"
    "end\n"
    "return n\n";

/* No ARGV of its own -> number of delayed retries moved to their queues. */
static const char s_lua_promote[] = S_LUA_HEAD
    "local ids = redis.call('ZRANGEBYSCORE', P..'delayed', '-inf', NOW, 'LIMIT', 0, 1000)\n"
    "for _, id in ipairs(ids) do\n"
    "  redis.call('ZREM', P..'delayed', id)\n"
    "  local k = P..'job:'..id\n"
    "  local h = redis.call('HMGET', k, 'state', 'stage')\n"
    "  if h[1] == 'queued' then\n"
    "    redis.call('HDEL', k, 'retry_at_ms')\n"
    "    redis.call('RPUSH', P..'queue:'..h[2], id)\n"
    "  end\n"
    "end\n"
    "return #ids\n";

/* ARGV[4..]: id stage ('' = the stage it failed at) -> 1 re-queued, 0 not
 * failed. A person's retry starts the stage afresh: attempts reset. */
#define S_LUA_RETRY                                                                                \
    "local function retry(id, stage)\n"                                                            \
    "  local k = P..'job:'..id\n"                                                                  \
    "  local h = redis.call('HMGET', k, 'state', 'stage', 'error_stage')\n"                        \
    "  if h[1] ~= 'failed' then return 0 end\n"                                                    \
    "  local s = stage ~= '' and stage or h[3] or h[2]\n"                                          \
    "  redis.call('LREM', P..'dead', 0, id)\n"                                                     \
    "  redis.call('HSET', k, 'state', 'queued', 'stage', s, 'attempt', 0, 'updated_ms', NOW)\n"    \
    "  redis.call('HDEL', k, 'finished_ms', 'retry_at_ms')\n"                                      \
    "  redis.call('RPUSH', P..'queue:'..s, id)\n"                                                  \
    "  redis.call('HINCRBY', P..'stats', 'failed', -1)\n"                                          \
    "  return 1\n"                                                                                 \
    "end\n"

static const char s_lua_retry[] = S_LUA_HEAD S_LUA_RETRY "return retry(ARGV[4], ARGV[5])\n";

/* ARGV[4..]: only_stage ('' = any) -> number re-queued (at most 10000 a call). */
static const char s_lua_retry_all[] =
    S_LUA_HEAD S_LUA_RETRY "local n = 0\n"
                           "for _, id in ipairs(redis.call('LRANGE', P..'dead', 0, 9999)) do\n"
                           "  local es = redis.call('HGET', P..'job:'..id, 'error_stage')\n"
                           "  if ARGV[4] == '' or es == ARGV[4] then n = n + retry(id, '') end\n"
                           "end\n"
                           "return n\n";

/* The SHA1 of script as Redis knows it, loading it on first use. Scripts
 * are static strings, so their address identifies them. */
static const char *s_sha(store_t *self, const char *script, err_t *err)
{
    for (int i = 0; i < STORE_SCRIPTS_MAX && self->scripts[i].text; i++)
        if (self->scripts[i].text == script)
            return self->scripts[i].sha;
    s_args_t a = {0};
    s_str(&a, "SCRIPT");
    s_str(&a, "LOAD");
    s_str(&a, script);
    redisReply *r;
    if (s_run(self, &a, &r, err) != 0)
        return NULL;
    const char *sha = NULL;
    for (int i = 0; i < STORE_SCRIPTS_MAX && r->type == REDIS_REPLY_STRING && r->len == 40; i++) {
        if (self->scripts[i].text)
            continue;
        self->scripts[i].text = script;
        memcpy(self->scripts[i].sha, r->str, 40);
        sha = self->scripts[i].sha;
        break;
    }
    freeReplyObject(r);
    if (!sha)
        err_set(err, LODE_ESTORE, "redis: cannot load a script");
    return sha;
}

/* The EVALSHA argv for a script whose SHA1 is sha: the head every script
 * reads (see S_LUA_HEAD), then args. a borrows from args. */
static void s_evalsha_args(store_t *self, const char *sha, const s_args_t *args, s_args_t *a)
{
    s_str(a, "EVALSHA");
    s_arg(a, sha, 40);
    s_str(a, "0");
    s_str(a, self->prefix);
    s_str(a, self->maxes);
    s_int(a, job_now_ms());
    for (int i = 0; i < args->argc; i++)
        s_arg(a, args->argv[i], args->len[i]);
}

/* EVALSHA, so each transition sends a 40-byte name instead of the script.
 * A Redis restarted without its script cache answers NOSCRIPT: forget the
 * names and load again, once. */
static int s_eval(store_t *self, const char *script, s_args_t *args, redisReply **reply, err_t *err)
{
    for (int tries = 0; tries < 2; tries++) {
        const char *sha = s_sha(self, script, err);
        if (!sha)
            return -1;
        s_args_t a = {0};
        s_evalsha_args(self, sha, args, &a);
        err_t mine = {0};
        if (s_run(self, &a, reply, &mine) == 0)
            return 0;
        if (!strstr(mine.msg, "NOSCRIPT")) {
            err_set(err, mine.code, "%s", mine.msg);
            return -1;
        }
        memset(self->scripts, 0, sizeof self->scripts);
    }
    err_set(err, LODE_ESTORE, "redis: script cache keeps losing scripts");
    return -1;
}

/* One script call of a pipeline (s_eval_many). */
typedef struct {
    const char *script; /* a static script */
    s_args_t args;      /* its own arguments; strings borrowed from the caller */
    redisReply *reply;  /* out: owned; NULL if the call failed */
    err_t err;          /* out: why it failed */
    bool noscript;      /* answered NOSCRIPT: it did not run */
} s_call_t;

static s_call_t *s_calls_new(size_t n)
{
    s_call_t *calls = mem_alloc((n ? n : 1) * sizeof *calls);
    for (size_t i = 0; i < n; i++) {
        calls[i].args.argc = 0;
        calls[i].reply = NULL;
        calls[i].err = (err_t){0};
        calls[i].noscript = false;
    }
    return calls;
}

static void s_calls_free(s_call_t *calls, size_t n)
{
    for (size_t i = 0; i < n; i++)
        freeReplyObject(calls[i].reply);
    free(calls);
}

/* Every call not answered yet fails with err (the connection is gone). */
static int s_calls_fail(s_call_t *calls, size_t from, size_t n, const err_t *err)
{
    for (size_t i = from; i < n; i++)
        if (!calls[i].reply && !calls[i].err.code)
            err_set(&calls[i].err, err->code, "%s", err->msg);
    return -1;
}

/* Run calls[0..n) as one pipeline of EVALSHAs: one round trip instead of n.
 * Each script is still atomic on its own, and Redis runs them in the order
 * given. A call answered NOSCRIPT (the script cache was flushed, or Redis
 * restarted) did not run, so it is safe to run it again, through s_eval,
 * which loads the script. Each call's reply or err says how it went; -1 and
 * *err only if the connection failed, and then every call not answered
 * before failed too. */
static int s_eval_many(store_t *self, s_call_t *calls, size_t n, err_t *err)
{
    /* Every SHA1 first: loading a script is a round trip of its own, which
     * must not fall in the middle of the pipeline. */
    const char **shas = mem_alloc((n ? n : 1) * sizeof *shas);
    for (size_t i = 0; i < n; i++) {
        shas[i] = s_sha(self, calls[i].script, err);
        if (!shas[i]) {
            free(shas);
            return s_calls_fail(calls, 0, n, err);
        }
    }
    if (s_connect(self, err) != 0) {
        free(shas);
        return s_calls_fail(calls, 0, n, err);
    }
    for (size_t i = 0; i < n; i++) {
        s_args_t a = {0};
        s_evalsha_args(self, shas[i], &calls[i].args, &a);
        s_append(self, &a);
    }
    free(shas);
    bool again = false;
    for (size_t i = 0; i < n; i++) {
        redisReply *r = NULL;
        if (redisGetReply(self->ctx, (void **)&r) != REDIS_OK) {
            s_check(self, NULL, err);
            return s_calls_fail(calls, i, n, err);
        }
        if (r->type == REDIS_REPLY_ERROR && strstr(r->str, "NOSCRIPT")) {
            calls[i].noscript = again = true;
            freeReplyObject(r);
        } else if (s_check(self, r, &calls[i].err) != 0) {
            freeReplyObject(r);
        } else {
            calls[i].reply = r;
        }
    }
    if (again)
        memset(self->scripts, 0, sizeof self->scripts);
    for (size_t i = 0; i < n; i++)
        if (calls[i].noscript &&
            s_eval(self, calls[i].script, &calls[i].args, &calls[i].reply, &calls[i].err) != 0)
            calls[i].reply = NULL;
    return 0;
}

/* Run a script that answers an integer. */
static int s_eval_int(store_t *self, const char *script, s_args_t *args, long long *out, err_t *err)
{
    redisReply *r;
    if (s_eval(self, script, args, &r, err) != 0)
        return -1;
    int rc = 0;
    if (r->type == REDIS_REPLY_INTEGER)
        *out = r->integer;
    else {
        err_set(err, LODE_ESTORE, "redis: unexpected reply type %d", r->type);
        rc = -1;
    }
    freeReplyObject(r);
    return rc;
}

void store_set_max_attempts(store_t *self, const int max_attempts[JOB_STAGE_COUNT])
{
    size_t n = 0;
    for (int s = 0; s < JOB_STAGE_COUNT; s++)
        n += (size_t)snprintf(self->maxes + n, sizeof self->maxes - n, "%s%s=%d", s ? "," : "",
                              job_stage_name(s), max_attempts[s] > 0 ? max_attempts[s] : 1);
}

/* Copy {id, attempt, …} pairs out of a reply, from element first on. */
static void
s_leases_out(const redisReply *r, size_t first, store_lease_t *out, size_t max, size_t *n)
{
    *n = 0;
    for (size_t i = first; i + 1 < r->elements && *n < max; i += 2) {
        const redisReply *id = r->element[i], *att = r->element[i + 1];
        if (id->type != REDIS_REPLY_STRING || id->len >= JOB_ID_SIZE ||
            att->type != REDIS_REPLY_INTEGER)
            continue;
        memcpy(out[*n].id, id->str, id->len);
        out[*n].id[id->len] = '\0';
        out[*n].attempt = (uint32_t)att->integer;
        (*n)++;
    }
}

/* The arguments of s_lua_dispatch for one call into *a. */
static void s_dispatch_args(const store_dispatch_call_t *c, s_args_t *a)
{
    s_str(a, job_stage_name(c->stage));
    s_int(a, c->deadline_ms);
    s_str(a, c->worker);
    s_int(a, (int64_t)(c->max ? c->max : 1));
}

/* Read one s_lua_dispatch reply into c. */
static int s_dispatch_reply(const redisReply *r, store_dispatch_call_t *c, err_t *err)
{
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
        r->element[0]->type != REDIS_REPLY_INTEGER) {
        err_set(err, LODE_ESTORE, "redis: unexpected dispatch reply");
        return -1;
    }
    c->left = r->element[0]->integer > 0 ? (size_t)r->element[0]->integer : 0;
    s_leases_out(r, 1, c->out, c->max, &c->n);
    return 0;
}

int store_dispatch_pipeline(store_t *self, store_dispatch_call_t *calls, size_t n, err_t *err)
{
    s_call_t *sc = s_calls_new(n);
    for (size_t i = 0; i < n; i++) {
        calls[i].n = 0;
        calls[i].left = 0;
        calls[i].rc = -1;
        calls[i].err = (err_t){0};
        sc[i].script = s_lua_dispatch;
        s_dispatch_args(&calls[i], &sc[i].args);
    }
    int rc = s_eval_many(self, sc, n, err);
    for (size_t i = 0; i < n; i++) {
        calls[i].err = sc[i].err;
        if (sc[i].reply && s_dispatch_reply(sc[i].reply, &calls[i], &calls[i].err) == 0)
            calls[i].rc = 0;
        if (calls[i].rc != 0)
            err_set(err, calls[i].err.code, "%s", calls[i].err.msg); /* the first wins */
        if (calls[i].rc != 0)
            rc = -1;
    }
    s_calls_free(sc, n);
    return rc;
}

int store_dispatch_many(store_t *self,
                        job_stage_t stage,
                        int64_t deadline_ms,
                        const char *worker,
                        store_lease_t *out,
                        size_t max,
                        size_t *n,
                        err_t *err)
{
    store_dispatch_call_t c = {
        .stage = stage, .deadline_ms = deadline_ms, .worker = worker, .out = out, .max = max};
    int rc = store_dispatch_pipeline(self, &c, 1, err);
    *n = c.n;
    return rc;
}

int store_dispatch(store_t *self,
                   job_stage_t stage,
                   int64_t deadline_ms,
                   const char *worker,
                   char id[JOB_ID_SIZE],
                   uint32_t *attempt,
                   err_t *err)
{
    store_lease_t one;
    size_t n;
    if (store_dispatch_many(self, stage, deadline_ms, worker, &one, 1, &n, err) != 0)
        return -1;
    if (n == 0)
        return 0;
    memcpy(id, one.id, JOB_ID_SIZE);
    *attempt = one.attempt;
    return 1;
}

/* The arguments of s_lua_done for one call into *a; list is the caller's
 * buffer (a borrows it) and receives the reports. */
static int s_done_args(const store_done_call_t *c, buf_t *list, s_args_t *a, err_t *err)
{
    for (size_t i = 0; i < c->n; i++) {
        const store_report_t *r = &c->reports[i];
        if (s_valid_id(r->id, err) != 0 ||
            buf_printf(list, err, "%s %u %s\n", r->id, r->attempt, r->worker ? r->worker : "") != 0)
            return -1;
    }
    const store_handoff_t *h = c->handoff;
    bool hand = h && h->worker && h->max > 0 && c->stage + 1 < JOB_STAGE_COUNT;
    s_str(a, job_stage_name(c->stage));
    s_str(a, c->stage + 1 < JOB_STAGE_COUNT ? job_stage_name(c->stage + 1) : "");
    s_arg(a, list->data ? list->data : "", list->len);
    s_str(a, hand ? h->worker : "");
    s_int(a, hand ? (int64_t)h->max : 0);
    s_int(a, hand ? h->deadline_ms : 0);
    return 0;
}

/* Read one s_lua_done reply into c: each report's applied flag and the
 * jobs handed to the next stage's worker. */
static int s_done_reply(const redisReply *r, store_done_call_t *c, err_t *err)
{
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
        r->element[0]->type != REDIS_REPLY_ARRAY || r->element[0]->elements != c->n ||
        r->element[1]->type != REDIS_REPLY_ARRAY) {
        err_set(err, LODE_ESTORE, "redis: unexpected done reply");
        return -1;
    }
    const redisReply *flags = r->element[0];
    for (size_t i = 0; i < c->n; i++)
        c->reports[i].applied =
            flags->element[i]->type == REDIS_REPLY_INTEGER && flags->element[i]->integer == 1;
    const store_handoff_t *h = c->handoff;
    if (h && h->worker && h->max > 0 && c->stage + 1 < JOB_STAGE_COUNT)
        s_leases_out(r->element[1], 0, h->out, h->max, h->n);
    return 0;
}

int store_done_pipeline(store_t *self, store_done_call_t *calls, size_t n, err_t *err)
{
    s_call_t *sc = s_calls_new(n);
    buf_t *lists = mem_alloc((n ? n : 1) * sizeof *lists);
    size_t to_run = 0;
    for (size_t i = 0; i < n; i++) {
        store_done_call_t *c = &calls[i];
        c->rc = -1;
        c->err = (err_t){0};
        for (size_t k = 0; k < c->n; k++)
            c->reports[k].applied = false;
        if (c->handoff)
            *c->handoff->n = 0;
        buf_init(&lists[i], (size_t)1 << 24);
        sc[to_run].script = s_lua_done;
        /* A call with a bad report is refused here; the others still run. */
        if (s_done_args(c, &lists[i], &sc[to_run].args, &c->err) == 0)
            to_run++;
        else
            sc[to_run].args.argc = 0;
    }
    int rc = to_run > 0 ? s_eval_many(self, sc, to_run, err) : 0;
    for (size_t i = 0, k = 0; i < n; i++) {
        store_done_call_t *c = &calls[i];
        if (!c->err.code) {
            c->err = sc[k].err;
            if (sc[k].reply && s_done_reply(sc[k].reply, c, &c->err) == 0)
                c->rc = 0;
            k++;
        }
        if (c->rc != 0) {
            err_set(err, c->err.code, "%s", c->err.msg); /* the first wins */
            rc = -1;
        }
        buf_free(&lists[i]);
    }
    free(lists);
    s_calls_free(sc, to_run);
    return rc;
}

int store_done_many(store_t *self,
                    job_stage_t stage,
                    store_report_t *reports,
                    size_t n,
                    const store_handoff_t *handoff,
                    err_t *err)
{
    store_done_call_t c = {.stage = stage, .reports = reports, .n = n, .handoff = handoff};
    return store_done_pipeline(self, &c, 1, err);
}

/* Run a script over one job: 1 applied, 0 not (stale), -1 error. */
static int s_eval_job(store_t *self, const char *script, const char *id, s_args_t *a, err_t *err)
{
    if (s_valid_id(id, err) != 0)
        return -1;
    long long applied;
    if (s_eval_int(self, script, a, &applied, err) != 0)
        return -1;
    return applied ? 1 : 0;
}

int store_done(store_t *self,
               const char *id,
               job_stage_t stage,
               uint32_t attempt,
               const char *worker,
               err_t *err)
{
    store_report_t one = {.id = id, .attempt = attempt, .worker = worker};
    if (store_done_many(self, stage, &one, 1, NULL, err) != 0)
        return -1;
    return one.applied ? 1 : 0;
}

int store_fail(store_t *self,
               const char *id,
               job_stage_t stage,
               uint32_t attempt,
               bool retryable,
               int code,
               const char *reason,
               int64_t delay_ms,
               const char *worker,
               err_t *err)
{
    s_args_t a = {0};
    s_str(&a, id);
    s_str(&a, job_stage_name(stage));
    s_int(&a, attempt);
    s_str(&a, retryable ? "1" : "0");
    s_str(&a, err_name(code));
    s_str(&a, reason ? reason : "");
    s_int(&a, delay_ms > 0 ? delay_ms : 0);
    s_str(&a, worker ? worker : "");
    return s_eval_job(self, s_lua_fail, id, &a, err);
}

int store_release(store_t *self, const char *id, uint32_t attempt, err_t *err)
{
    s_args_t a = {0};
    s_str(&a, id);
    s_int(&a, attempt);
    return s_eval_job(self, s_lua_release, id, &a, err);
}

int store_retry(store_t *self, const char *id, int stage, err_t *err)
{
    s_args_t a = {0};
    s_str(&a, id);
    s_str(&a, stage >= 0 ? job_stage_name(stage) : "");
    return s_eval_job(self, s_lua_retry, id, &a, err);
}

/* Run a script that takes no id and answers a count. */
static int s_eval_count(store_t *self, const char *script, s_args_t *a, int *n, err_t *err)
{
    long long v;
    if (s_eval_int(self, script, a, &v, err) != 0)
        return -1;
    *n = (int)v;
    return 0;
}

int store_release_worker(store_t *self,
                         const char *worker,
                         const char (*held)[JOB_ID_SIZE],
                         size_t n_held,
                         int *n_released,
                         err_t *err)
{
    *n_released = 0;
    /* An argv is bounded: a worker holding more than that many jobs keeps
     * its leases; they expire on their own if they were lost. */
    if (n_held > STORE_ARGS_MAX - 8)
        return 0;
    s_args_t a = {0};
    s_str(&a, worker);
    for (size_t i = 0; i < n_held; i++)
        s_str(&a, held[i]);
    return s_eval_count(self, s_lua_release_worker, &a, n_released, err);
}

int store_retry_all(store_t *self, int stage, int *n_retried, err_t *err)
{
    s_args_t a = {0};
    s_str(&a, stage >= 0 ? job_stage_name(stage) : "");
    return s_eval_count(self, s_lua_retry_all, &a, n_retried, err);
}

int store_expire_leases(store_t *self, int *n_expired, err_t *err)
{
    s_args_t a = {0};
    return s_eval_count(self, s_lua_expire, &a, n_expired, err);
}

int store_promote_delayed(store_t *self, int *n_promoted, err_t *err)
{
    s_args_t a = {0};
    return s_eval_count(self, s_lua_promote, &a, n_promoted, err);
}

int store_release_orphans(
    store_t *self, const char *const *live, size_t n_live, int *n_released, err_t *err)
{
    /* An argv is bounded; past that many live workers, skip the sweep: the
     * leases of orphans still expire on their own. */
    if (n_live > STORE_ARGS_MAX - 8) {
        *n_released = 0;
        return 0;
    }
    s_args_t a = {0};
    for (size_t i = 0; i < n_live; i++)
        s_str(&a, live[i]);
    return s_eval_count(self, s_lua_orphans, &a, n_released, err);
}

/* --- reads and writes -------------------------------------------------------- */

static void s_copy_field(char *dst, size_t size, const redisReply *v)
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
    s_copy_field(num, sizeof num, v);
    if (!strcmp(name, "id"))
        s_copy_field(out->id, sizeof out->id, v);
    else if (!strcmp(name, "state"))
        s_copy_field(out->state, sizeof out->state, v);
    else if (!strcmp(name, "stage"))
        s_copy_field(out->stage, sizeof out->stage, v);
    else if (!strcmp(name, "kind"))
        s_copy_field(out->kind, sizeof out->kind, v);
    else if (!strcmp(name, "batch"))
        s_copy_field(out->batch, sizeof out->batch, v);
    else if (!strcmp(name, "error_code"))
        s_copy_field(out->error_code, sizeof out->error_code, v);
    else if (!strcmp(name, "error_stage"))
        s_copy_field(out->error_stage, sizeof out->error_stage, v);
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
static int s_hgetall(store_t *self,
                     const char *key,
                     void (*fn)(void *out, const char *name, const redisReply *v),
                     void *out,
                     const char *what,
                     const char *id,
                     err_t *err)
{
    s_args_t a = {0};
    s_str(&a, "HGETALL");
    s_str(&a, key);
    redisReply *r;
    if (s_run(self, &a, &r, err) != 0)
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
    if (s_valid_id(id, err) != 0)
        return -1;
    char key[STORE_KEY_MAX];
    s_key(self, key, "job:%s", id);
    s_args_t a = {0};
    s_str(&a, "HMGET");
    s_str(&a, key);
    for (size_t i = 0; i < n_fields; i++)
        s_str(&a, fields[i]);
    redisReply *r;
    if (s_run(self, &a, &r, err) != 0)
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
            s_copy_field((*ids)[(*n)++], JOB_ID_SIZE, e);
    }
    return 0;
}

static int s_list(store_t *self, s_args_t *a, char (**ids)[JOB_ID_SIZE], size_t *n, err_t *err)
{
    redisReply *r;
    *ids = NULL;
    *n = 0;
    if (s_run(self, a, &r, err) != 0)
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
    s_key(self, key, "%s", what);
    s_args_t a = {0};
    s_str(&a, cmd);
    s_str(&a, key);
    s_int(&a, (int64_t)offset);
    s_int(&a, (int64_t)(offset + (count ? count : 1) - 1));
    return s_list(self, &a, ids, n, err);
}

int store_job_list(
    store_t *self, size_t offset, size_t count, char (**ids)[JOB_ID_SIZE], size_t *n, err_t *err)
{
    return s_range(self, "ZREVRANGE", "jobs", offset, count, ids, n, err);
}

int store_dead_list(
    store_t *self, size_t offset, size_t count, char (**ids)[JOB_ID_SIZE], size_t *n, err_t *err)
{
    return s_range(self, "LRANGE", "dead", offset, count, ids, n, err);
}

int store_batch_jobs(
    store_t *self, const char *batch_id, char (**ids)[JOB_ID_SIZE], size_t *n, err_t *err)
{
    if (s_valid_id(batch_id, err) != 0)
        return -1;
    char key[STORE_KEY_MAX];
    s_key(self, key, "batch:%s:jobs", batch_id);
    s_args_t a = {0};
    s_str(&a, "LRANGE");
    s_str(&a, key);
    s_str(&a, "0");
    s_str(&a, "-1");
    return s_list(self, &a, ids, n, err);
}

static int s_valid_part(const char *part, err_t *err)
{
    static const char *parts[] = {STORE_PART_INPUT,          STORE_PART_SOURCE,
                                  STORE_PART_TRANSCRIPT,     STORE_PART_SNIPPETS,
                                  STORE_PART_SYNTHESIS,      STORE_PART_FANOUT,
                                  STORE_PART_CURATED,        STORE_PART_SNIPPETS_META,
                                  STORE_PART_SYNTHESIS_META, STORE_PART_FANOUT_META};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        if (part && !strcmp(part, parts[i]))
            return 0;
    err_set(err, LODE_EINVAL, "unknown job part \"%.40s\"", part ? part : "");
    return -1;
}

/* GET or HGET one value: a copy (caller frees), or NULL and *err. */
static char *s_get_value(store_t *self, s_args_t *a, size_t *len, bool *found, err_t *err)
{
    redisReply *r;
    *found = false;
    if (s_run(self, a, &r, err) != 0)
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

char *store_part_get(store_t *self, const char *id, const char *part, size_t *len, err_t *err)
{
    if (s_valid_id(id, err) != 0 || s_valid_part(part, err) != 0)
        return NULL;
    char key[STORE_KEY_MAX];
    bool found = false;
    char *out = NULL;
    err_t mine = {0};
    if (strcmp(part, STORE_PART_INPUT) == 0) {
        /* In the job's hash since submit writes it there. */
        s_args_t h = {0};
        s_key(self, key, "job:%s", id);
        s_str(&h, "HGET");
        s_str(&h, key);
        s_str(&h, STORE_PART_INPUT);
        out = s_get_value(self, &h, len, &found, &mine);
    }
    if (!found && !mine.code) {
        /* The other parts, and the input of a job an older version submitted. */
        s_args_t a = {0};
        s_key(self, key, "job:%s:%s", id, part);
        s_str(&a, "GET");
        s_str(&a, key);
        out = s_get_value(self, &a, len, &found, &mine);
    }
    if (!found && !mine.code)
        err_set(&mine, LODE_ENOTFOUND, "job %s has no %s", id, part);
    if (!found)
        err_set(err, mine.code, "%s", mine.msg);
    return out;
}

int store_part_set(
    store_t *self, const char *id, const char *part, const char *data, size_t len, err_t *err)
{
    if (s_valid_id(id, err) != 0 || s_valid_part(part, err) != 0)
        return -1;
    char key[STORE_KEY_MAX];
    s_key(self, key, "job:%s:%s", id, part);
    s_args_t a = {0};
    s_str(&a, "SET");
    s_str(&a, key);
    s_arg(&a, data, len);
    redisReply *r;
    if (s_run(self, &a, &r, err) != 0)
        return -1;
    freeReplyObject(r);
    return 0;
}

int store_stats(store_t *self, store_stats_t *out, err_t *err)
{
    memset(out, 0, sizeof *out);
    if (s_connect(self, err) != 0)
        return -1;
    char key[STORE_KEY_MAX];
    for (int s = 0; s < JOB_STAGE_COUNT; s++) {
        s_key(self, key, "queue:%s", job_stage_name(s));
        redisAppendCommand(self->ctx, "LLEN %s", key);
    }
    s_key(self, key, "leases");
    redisAppendCommand(self->ctx, "ZCARD %s", key);
    s_key(self, key, "dead");
    redisAppendCommand(self->ctx, "LLEN %s", key);
    s_key(self, key, "jobs");
    redisAppendCommand(self->ctx, "ZCARD %s", key);
    s_key(self, key, "delayed");
    redisAppendCommand(self->ctx, "ZCARD %s", key);
    s_key(self, key, "stats");
    redisAppendCommand(self->ctx, "HMGET %s submitted done failed retried stale", key);
    int64_t *ints[] = {&out->queued[0], &out->queued[1], &out->queued[2], &out->queued[3],
                       &out->in_flight, &out->dead,      &out->jobs,      &out->delayed};
    int64_t *counters[] = {&out->submitted, &out->done, &out->failed, &out->retried, &out->stale};
    int rc = 0;
    for (size_t i = 0; i < 9; i++) {
        redisReply *r = NULL;
        if (redisGetReply(self->ctx, (void **)&r) != REDIS_OK)
            return s_check(self, NULL, err);
        if (rc == 0 && s_check(self, r, err) != 0)
            rc = -1;
        else if (i < 8 && r->type == REDIS_REPLY_INTEGER)
            *ints[i] = r->integer;
        else if (i == 8 && r->type == REDIS_REPLY_ARRAY)
            for (size_t k = 0; k < r->elements && k < 5; k++)
                if (r->element[k]->type == REDIS_REPLY_STRING)
                    *counters[k] = atoll(r->element[k]->str);
        freeReplyObject(r);
    }
    return rc;
}

/* --- bulk batches ------------------------------------------------------------ */

/* A command whose argv grows with its input (HMGET, HSET of a whole chunk),
 * beyond what s_args_t holds. Strings are borrowed. */
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
        s_check(self, NULL, err);
        return -1;
    }
    if ((*r)->type == REDIS_REPLY_ERROR) {
        s_check(self, *r, err);
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
    job_new_id(batch_id);
    char key[STORE_KEY_MAX];
    s_args_t a = {0};
    s_batch_hset(self, &a, key, batch_id, name, 0);
    s_str(&a, "open");
    s_str(&a, "1");
    redisReply *r;
    if (s_run(self, &a, &r, err) != 0)
        return -1;
    freeReplyObject(r);
    return 0;
}

static int s_batch_exists(store_t *self, const char *batch_id, err_t *err)
{
    if (s_valid_id(batch_id, err) != 0)
        return -1;
    char key[STORE_KEY_MAX];
    s_key(self, key, "batch:%s", batch_id);
    s_args_t a = {0};
    s_str(&a, "EXISTS");
    s_str(&a, key);
    redisReply *r;
    if (s_run(self, &a, &r, err) != 0)
        return -1;
    int rc = r->type == REDIS_REPLY_INTEGER && r->integer == 1 ? 0 : -1;
    freeReplyObject(r);
    if (rc != 0)
        err_set(err, LODE_ENOTFOUND, "no batch %s", batch_id);
    return rc;
}

/* Append HINCRBY key field by to the pipeline. */
static void s_append_incr(store_t *self, const char *key, const char *field, int64_t by)
{
    s_args_t a = {0};
    s_str(&a, "HINCRBY");
    s_str(&a, key);
    s_str(&a, field);
    s_int(&a, by);
    s_append(self, &a);
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
    int64_t now = job_now_ms();
    s_args_t m = {0};
    s_str(&m, "MULTI");
    s_append(self, &m);
    int replies = 1;
    for (size_t i = 0; i < n; i++) {
        job_new_id(ids[i]);
        replies += s_append_job_hash(self, &items[i], ids[i], batch_id, now);
    }
    replies += s_append_lists(self, (const char(*)[JOB_ID_SIZE])ids, n, batch_id, now);
    char key[STORE_KEY_MAX];
    s_key(self, key, "batch:%s", batch_id);
    s_append_incr(self, key, "total", (int64_t)n);
    s_key(self, key, "stats");
    s_append_incr(self, key, "submitted", (int64_t)n);
    s_args_t e = {0};
    s_str(&e, "EXEC");
    s_append(self, &e);
    return s_finish_multi(self, replies + 3, err);
}

int store_batch_add_jobs(
    store_t *self, const char *batch_id, const char (*ids)[JOB_ID_SIZE], size_t n, err_t *err)
{
    if (n == 0)
        return 0;
    if (s_batch_exists(self, batch_id, err) != 0)
        return -1;
    char key[STORE_KEY_MAX], lkey[STORE_KEY_MAX];
    s_key(self, key, "batch:%s", batch_id);
    s_key(self, lkey, "batch:%s:jobs", batch_id);
    s_args_t m = {0};
    s_str(&m, "MULTI");
    s_append(self, &m);
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
    s_args_t e = {0};
    s_str(&e, "EXEC");
    s_append(self, &e);
    return s_finish_multi(self, 5, err);
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
    s_copy_field(num, sizeof num, v);

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
        s_copy_field(out->id, sizeof out->id, v);
    else if (!strcmp(name, "name"))
        s_copy_field(out->name, sizeof out->name, v);
    else if (!strcmp(name, "open"))
        out->open = strcmp(num, "1") == 0;
}

int store_batch_get(store_t *self, const char *batch_id, store_batch_t *out, err_t *err)
{
    memset(out, 0, sizeof *out);
    out->lines = out->invalid = out->duplicates = out->reused = out->skipped = -1;
    if (s_valid_id(batch_id, err) != 0)
        return -1;
    char key[STORE_KEY_MAX];
    s_key(self, key, "batch:%s", batch_id);
    return s_hgetall(self, key, s_batch_field, out, "batch", batch_id, err);
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
    if (s_valid_id(batch_id, err) != 0)
        return -1;
    char key[STORE_KEY_MAX];
    s_key(self, key, "batch:%s:jobs", batch_id);
    s_args_t a = {0};
    s_str(&a, "LRANGE");
    s_str(&a, key);
    s_int(&a, (int64_t)offset);
    s_int(&a, (int64_t)(offset + (count ? count : 1) - 1));
    return s_list(self, &a, ids, n, err);
}

int store_batch_mark_urls(
    store_t *self, const char *batch_id, const char *const *urls, size_t n, bool *fresh, err_t *err)
{
    if (s_valid_id(batch_id, err) != 0 || s_connect(self, err) != 0)
        return -1;
    char key[STORE_KEY_MAX];
    s_key(self, key, "batch:%s:urls", batch_id);
    for (size_t i = 0; i < n; i++) {
        const char *argv[] = {"SADD", key, urls[i]};
        size_t len[] = {4, strlen(key), strlen(urls[i])};
        redisAppendCommandArgv(self->ctx, 3, argv, len);
    }
    s_args_t x = {0};
    s_str(&x, "EXPIRE");
    s_str(&x, key);
    s_int(&x, STORE_BATCH_URLS_TTL_S);
    s_append(self, &x);
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
    s_key(self, key, "batch:%s", batch_id);
    s_args_t a = {0};
    s_str(&a, "HSET");
    s_str(&a, key);
    const char *names[] = {"lines", "invalid", "duplicates", "skipped"};
    const int64_t values[] = {counts->lines, counts->invalid, counts->duplicates, counts->skipped};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (values[i] >= 0) {
            s_str(&a, names[i]);
            s_int(&a, values[i]);
        }
    }
    s_str(&a, "closed_ms");
    s_int(&a, job_now_ms());
    s_append(self, &a);
    s_append_incr(self, key, "reused", 0); /* present, 0 if nothing was reused */
    s_args_t d = {0};
    s_str(&d, "HDEL");
    s_str(&d, key);
    s_str(&d, "open");
    s_append(self, &d);
    char ukey[STORE_KEY_MAX];
    s_key(self, ukey, "batch:%s:urls", batch_id);
    s_args_t u = {0};
    s_str(&u, "DEL");
    s_str(&u, ukey);
    s_append(self, &u);
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
    char key[STORE_KEY_MAX];
    s_key(self, key, "urls");
    s_vargs_t v;
    s_vargs_init(&v, n + 2);
    s_vargs_add(&v, "HMGET");
    s_vargs_add(&v, key);
    for (size_t i = 0; i < n; i++)
        s_vargs_add(&v, urls[i]);
    int rc = s_connect(self, err);
    redisReply *r = rc == 0 ? redisCommandArgv(self->ctx, v.argc, v.argv, v.len) : NULL;
    s_vargs_free(&v);
    if (rc != 0 || s_check(self, r, err) != 0) {
        freeReplyObject(r);
        return -1;
    }
    for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements && i < n; i++) {
        const redisReply *e = r->element[i];
        if (e->type == REDIS_REPLY_STRING && e->len < JOB_ID_SIZE)
            s_copy_field(ids[i], JOB_ID_SIZE, e);
    }
    freeReplyObject(r);
    return 0;
}

int store_url_jobs_set(
    store_t *self, const char *const *urls, const char (*ids)[JOB_ID_SIZE], size_t n, err_t *err)
{
    if (n == 0)
        return 0;
    char key[STORE_KEY_MAX];
    s_key(self, key, "urls");
    s_vargs_t v;
    s_vargs_init(&v, 2 * n + 2);
    s_vargs_add(&v, "HSET");
    s_vargs_add(&v, key);
    for (size_t i = 0; i < n; i++) {
        s_vargs_add(&v, urls[i]);
        s_vargs_add(&v, ids[i]);
    }
    int rc = s_connect(self, err);
    redisReply *r = rc == 0 ? redisCommandArgv(self->ctx, v.argc, v.argv, v.len) : NULL;
    s_vargs_free(&v);
    if (rc == 0)
        rc = s_check(self, r, err);
    freeReplyObject(r);
    return rc;
}

int store_job_states(
    store_t *self, const char (*ids)[JOB_ID_SIZE], size_t n, store_job_state_t *out, err_t *err)
{
    memset(out, 0, n * sizeof *out);
    if (s_connect(self, err) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char key[STORE_KEY_MAX];
        s_key(self, key, "job:%.*s", JOB_ID_LEN, ids[i]);
        const char *argv[] = {"HMGET", key, "state", "stage"};
        size_t len[] = {5, strlen(key), 5, 5};
        redisAppendCommandArgv(self->ctx, 4, argv, len);
    }
    bool failed = false;
    for (size_t i = 0; i < n; i++) {
        redisReply *r;
        if (s_pipe_next(self, &r, &failed, err) != 0)
            return -1;
        if (r->type == REDIS_REPLY_ARRAY && r->elements == 2) {
            if (r->element[0]->type == REDIS_REPLY_STRING)
                s_copy_field(out[i].state, sizeof out[i].state, r->element[0]);
            if (r->element[1]->type == REDIS_REPLY_STRING)
                s_copy_field(out[i].stage, sizeof out[i].stage, r->element[1]);
        }
        freeReplyObject(r);
    }
    return failed ? -1 : 0;
}

int store_usage_add(store_t *self,
                    const char *id,
                    const char *batch,
                    const char *model,
                    int64_t prompt_tokens,
                    int64_t completion_tokens,
                    err_t *err)
{
    if (s_valid_id(id, err) != 0 || s_connect(self, err) != 0)
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
    s_key(self, job_key, "job:%s", id);
    s_key(self, batch_key, "batch:%s", batch ? batch : "");
    bool in_batch = batch && *batch;
    s_args_t m = {0};
    s_str(&m, "MULTI");
    s_append(self, &m);
    int replies = 1;
    for (int f = 0; f < 2; f++) {
        const char *keys[3] = {job_key, batch_key, batch_key};
        const char *names[3] = {total[f], total[f], field[f]};
        for (int k = 0; k < (in_batch ? 3 : 1); k++) {
            s_args_t a = {0};
            s_str(&a, "HINCRBY");
            s_str(&a, keys[k]);
            s_str(&a, names[k]);
            s_int(&a, n[f]);
            s_append(self, &a);
            replies++;
        }
    }
    s_args_t e = {0};
    s_str(&e, "EXEC");
    s_append(self, &e);
    return s_finish_multi(self, replies + 1, err);
}
