/*  store.c - the Redis connection and its plumbing: connect with back-off,
 *  the argv builder, pipelines, and the EVALSHA script cache that reloads
 *  scripts after NOSCRIPT. The transitions are in store_lua.c, reads and
 *  writes in store_read.c, job and batch creation in store_batch.c.
 *  SPDX-License-Identifier: MIT
 */
#include "store.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>
#include <hiredis/sds.h>

#include "config.h"
#include "mem.h"
#include "rcl.h"
#include "store_impl.h"

/* --- keys ------------------------------------------------------------------- */

void store_key(const store_t *self, char out[STORE_KEY_MAX], const char *fmt, ...)
{
    size_t n = strlen(self->prefix);
    memcpy(out, self->prefix, n);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out + n, STORE_KEY_MAX - n, fmt, ap);
    va_end(ap);
}

static int s_load_parts(store_t *self, int want, err_t *err);

/* --- connection ------------------------------------------------------------ */

int store_check(store_t *self, redisReply *r, err_t *err)
{
    if (!r) {
        err_set(err, LODE_ESTORE, "redis %s: %s", rcl_ctx_name(self->rcl, self->ctx),
                self->ctx && self->ctx->errstr[0] ? self->ctx->errstr : "connection lost");
        /* A context that failed is unusable; drop it and reconnect next time. */
        rcl_lost(self->rcl, self->ctx);
        self->ctx = NULL;
        return -1;
    }
    if (r->type == REDIS_REPLY_ERROR) {
        rcl_saw(self->rcl, r); /* a MOVED updates the slot map */
        err_set(err, LODE_ESTORE, "redis: %.200s", r->str);
        return -1;
    }
    return 0;
}

/* The connection to the node serving the store's keys, asked of rcl at
 * every use (it may have moved: a failover, a reshard). rcl connects with
 * a back-off after failures (100 ms doubling to 2 s) during which calls
 * fail at once, so an event loop is not held up by a Redis that is down. */
int store_connect(store_t *self, err_t *err)
{
    self->ctx = rcl_ctx(self->rcl, self->slot, err);
    if (!self->ctx || self->parts_known)
        return self->ctx ? 0 : -1;
    /* The first time Redis answers: learn the partition count (a program
     * started lazily while Redis was down assumed one). */
    int part = self->part, assumed = self->parts;
    self->parts_known = true; /* s_load_parts runs commands through here */
    if (s_load_parts(self, self->want_parts, err) != 0) {
        self->parts_known = false;
        return -1;
    }
    if (self->parts != assumed && self->parts_assumed) {
        err_set(err, LODE_ESTORE, "the store has %d partitions, not %d: try again", self->parts,
                assumed);
        return -1;
    }
    store_at(self, part < self->parts ? part : 0);
    self->ctx = rcl_ctx(self->rcl, self->slot, err);
    return self->ctx ? 0 : -1;
}

/* Run one command. On success *reply is the caller's to free. */
int store_run(store_t *self, store_args_t *a, redisReply **reply, err_t *err)
{
    *reply = NULL;
    if (store_connect(self, err) != 0)
        return -1;
    /* Through rcl, which follows MOVED and ASK (a cluster being resharded). */
    rcl_cmd_t cmd = {.argc = a->argc, .argv = a->argv, .len = a->len, .slot = self->slot};
    int rc = rcl_run(self->rcl, &cmd, err);
    self->ctx = rcl_ctx(self->rcl, self->slot, &(err_t){0}); /* it may have moved */
    if (rc != 0)
        return -1;
    if (store_check(self, cmd.reply, err) != 0) {
        freeReplyObject(cmd.reply);
        return -1;
    }
    *reply = cmd.reply;
    return 0;
}

int store_wait_replicas(store_t *self, err_t *err)
{
    if (self->min_acks <= 0)
        return 0;
    store_args_t a = {0};
    store_str(&a, "WAIT");
    store_int(&a, self->min_acks);
    /* Half the command timeout: the answer must come before the socket's. */
    int wait_ms = self->timeout_ms / 2 > 0 ? self->timeout_ms / 2 : 1;
    store_int(&a, wait_ms);
    redisReply *r;
    if (store_run(self, &a, &r, err) != 0)
        return -1;
    long long got = r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    freeReplyObject(r);
    if (got >= self->min_acks)
        return 0;
    err_set(err, LODE_ESTORE,
            "the write reached %lld replica(s) of the %d asked for within %d ms (it is on the "
            "master; a resend may submit it twice)",
            got < 0 ? 0 : got, self->min_acks, wait_ms);
    return -1;
}

bool store_redirected(const err_t *err)
{
    return err->code == LODE_ESTORE &&
           (strstr(err->msg, "MOVED ") || strstr(err->msg, "ASK ") ||
            strstr(err->msg, "TRYAGAIN") || strstr(err->msg, "EXECABORT"));
}

/* --- partitions ------------------------------------------------------------- */

/* A partition's prefix: the plain prefix for a store of one partition on a
 * single server ("lode:", today's names); otherwise with the partition's
 * hash tag ("lode:{p7}:"), so all its keys are in one slot and each script's
 * keys are on one node. */
void store_at(store_t *self, int part)
{
    if (part == self->part && self->prefix[0])
        return;
    self->part = part;
    bool tagged = self->parts > 1 || rcl_is_cluster(self->rcl);
    int n = tagged ? snprintf(self->prefix, sizeof self->prefix, "%s{p%d}:", self->base, part)
                   : snprintf(self->prefix, sizeof self->prefix, "%s", self->base);
    self->slot = rcl_is_cluster(self->rcl) ? (int)rcl_key_slot(self->prefix, (size_t)n) : -1;
    self->ctx = NULL; /* store_connect finds the partition's node */
}

static int s_b32(char c)
{
    static const char digits[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    const char *p = c ? strchr(digits, c) : NULL;
    return p ? (int)(p - digits) : 0;
}

int store_part_of(const store_t *self, const char *id)
{
    if (self->parts <= 1 || strlen(id) < 12)
        return 0;
    return (s_b32(id[10]) * 32 + s_b32(id[11])) % self->parts;
}

void store_new_id(const store_t *self, int part, char out[JOB_ID_SIZE])
{
    static const char digits[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    job_new_id(out);
    if (self->parts <= 1)
        return;
    /* The high end of the random part: a monotonic ULID counts up at the
     * low end, so ids made in one millisecond stay unique. */
    out[10] = digits[(part / 32) % 32];
    out[11] = digits[part % 32];
}

/* Where the partition count is recorded: beside partition 0's keys on a
 * cluster, under the plain prefix on a single server (readable before the
 * count is known either way). */
static void s_parts_key(store_t *self, char key[STORE_KEY_MAX])
{
    if (rcl_is_cluster(self->rcl))
        snprintf(key, STORE_KEY_MAX, "%s{p0}:partitions", self->base);
    else
        snprintf(key, STORE_KEY_MAX, "%spartitions", self->base);
}

/* The count the store was made with; a new store records want (SET NX: the
 * first program wins). A store without the key has one partition (every
 * store made before partitions). 0, or -1 and LODE_EINVAL if want differs
 * from what is recorded. */
static int s_load_parts(store_t *self, int want, err_t *err)
{
    char key[STORE_KEY_MAX];
    s_parts_key(self, key);
    store_at(self, 0);
    store_args_t a = {0};
    store_str(&a, want > 1 ? "SET" : "GET");
    store_str(&a, key);
    if (want > 1) {
        store_int(&a, want);
        store_str(&a, "NX");
        store_str(&a, "GET");
    }
    redisReply *r;
    if (store_run(self, &a, &r, err) != 0)
        return -1;
    int had = r->type == REDIS_REPLY_STRING ? atoi(r->str) : 0;
    freeReplyObject(r);
    int parts = had > 0 ? had : want > 1 ? want : 1;
    if (want > 0 && parts != want) {
        err_set(err, LODE_EINVAL,
                "the store has %d partition(s), not %d (a store's count is fixed when it is "
                "made; lode admin migrate moves it)",
                parts, want);
        return -1;
    }
    self->parts = parts;
    self->prefix[0] = '\0';
    store_at(self, 0);
    return 0;
}

/* The partition count asked for: opts, else $LODE_PARTITIONS, else 0 (as
 * recorded). -1 if out of range. */
static int s_want_parts(const store_opts_t *opts, err_t *err)
{
    const char *env = getenv("LODE_PARTITIONS");
    int want = opts && opts->partitions ? opts->partitions : env && *env ? atoi(env) : 0;
    if (want < 0 || want > STORE_PARTS_MAX) {
        err_set(err, LODE_EINVAL, "partitions must be 1..%d", STORE_PARTS_MAX);
        return -1;
    }
    return want;
}

store_t *store_new(const store_opts_t *opts, err_t *err)
{
    store_t *self = mem_calloc(1, sizeof *self);
    self->timeout_ms = (opts && opts->timeout_ms > 0) ? opts->timeout_ms : 5000;
    self->parts = 1;
    const char *zmin = getenv("LODE_COMPRESS_MIN");
    self->zip_min = zmin && *zmin ? (size_t)strtoull(zmin, NULL, 10) : 1024;
    const char *acks = getenv("LODE_MIN_REPLICAS_ACKS");
    self->min_acks = opts && opts->min_replica_acks > 0 ? opts->min_replica_acks
                     : acks && *acks                    ? atoi(acks)
                                                        : 0;
    int dflt[JOB_STAGE_COUNT] = {3, 3, 3, 3};
    store_set_max_attempts(self, dflt);
    const char *prefix = config_prefix(opts ? opts->prefix : NULL);
    if (strlen(prefix) >= sizeof self->base) {
        err_set(err, LODE_EINVAL, "key prefix too long");
        free(self);
        return NULL;
    }
    strcpy(self->base, prefix);
    rcl_opts_t ro = {
        .url = opts ? opts->url : NULL, .timeout_ms = self->timeout_ms, .lazy = opts && opts->lazy};
    int want = s_want_parts(opts, err);
    self->rcl = want >= 0 ? rcl_new(&ro, err) : NULL;
    if (!self->rcl) {
        store_destroy(&self);
        return NULL;
    }
    /* Lazy and Redis down: the count asked for (or 1) until it answers. */
    self->want_parts = want;
    self->parts = want > 1 ? want : 1;
    store_at(self, 0);
    err_t mine = {0};
    if (store_connect(self, &mine) != 0 && (!(opts && opts->lazy) || mine.code == LODE_EINVAL)) {
        err_set(err, mine.code, "%s", mine.msg);
        store_destroy(&self);
        return NULL;
    }
    /* Down now (lazy): keys made before Redis answers use the count assumed;
     * an operation that finds it wrong fails once (store_connect). */
    self->parts_assumed = !self->parts_known;
    return self;
}

int store_partitions(const store_t *self)
{
    return self->parts;
}

int store_job_partition(store_t *self, const char *id, const char **node)
{
    int part = store_part_of(self, id);
    if (node) {
        store_at(self, part);
        *node = rcl_is_cluster(self->rcl) ? rcl_slot_node(self->rcl, (unsigned)self->slot) : NULL;
    }
    return part;
}

void store_destroy(store_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    rcl_destroy(&(*self_p)->rcl);
    store_zstd_free(*self_p);
    free(*self_p);
    *self_p = NULL;
}

const char *store_prefix(const store_t *self)
{
    return self->prefix;
}

int store_ping(store_t *self, err_t *err)
{
    store_args_t a = {0};
    store_str(&a, "PING");
    redisReply *r;
    if (store_run(self, &a, &r, err) != 0)
        return -1;
    freeReplyObject(r);
    return 0;
}

int store_valid_id(const char *id, err_t *err)
{
    if (job_id_valid(id))
        return 0;
    err_set(err, LODE_EINVAL, "not a job id: \"%.40s\"", id ? id : "");
    return -1;
}

/* --- pipelines -------------------------------------------------------------- */

/* Past this many bytes waiting in hiredis's output buffer, store_append writes
 * them out. */
#define STORE_OBUF_FLUSH (256 * 1024)

/* Write out a long pipeline as it grows (Redis reads and queues it
 * meanwhile) instead of at its first read: hiredis grows its buffer 1 MB at
 * a time past 1 MB, copying it each time, and after each partial write
 * moves what is left to the front. A write error stays in the context and
 * fails the first reply read. */
void store_append_flush(store_t *self)
{
    if (sdslen(self->ctx->obuf) < STORE_OBUF_FLUSH)
        return;
    int done = 0;
    while (!done && redisBufferWrite(self->ctx, &done) == REDIS_OK)
        ;
}

void store_append(store_t *self, store_args_t *a)
{
    redisAppendCommandArgv(self->ctx, a->argc, a->argv, a->len);
    store_append_flush(self);
}

/* Read every pipelined reply (the connection must stay in sync even after
 * an error) and check that EXEC ran. */
int store_finish_multi(store_t *self, int n_replies, err_t *err)
{
    int rc = 0;
    for (int i = 0; i < n_replies; i++) {
        redisReply *r = NULL;
        if (redisGetReply(self->ctx, (void **)&r) != REDIS_OK) {
            store_check(self, NULL, err);
            return -1;
        }
        if (rc == 0 && store_check(self, r, err) != 0)
            rc = -1;
        if (rc == 0 && i == n_replies - 1 && r->type != REDIS_REPLY_ARRAY) {
            err_set(err, LODE_ESTORE, "redis: transaction aborted");
            rc = -1;
        }
        freeReplyObject(r);
    }
    return rc;
}

/* --- scripts over EVALSHA --------------------------------------------------- */

/* The SHA1 of script as Redis knows it, loading it on first use. Scripts
 * are static strings, so their address identifies them. */
static const char *s_sha(store_t *self, const char *script, err_t *err)
{
    for (int i = 0; i < STORE_SCRIPTS_MAX && self->scripts[i].text; i++)
        if (self->scripts[i].text == script)
            return self->scripts[i].sha;
    store_args_t a = {0};
    store_str(&a, "SCRIPT");
    store_str(&a, "LOAD");
    store_str(&a, script);
    redisReply *r;
    if (store_run(self, &a, &r, err) != 0)
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
static void s_evalsha_at(
    store_t *self, const char *prefix, const char *sha, const store_args_t *args, store_args_t *a)
{
    store_str(a, "EVALSHA");
    store_arg(a, sha, 40);
    /* KEYS[1], which no script reads: Redis Cluster routes a script by its
     * keys, and every key the scripts build shares the prefix's slot. */
    store_str(a, "1");
    store_str(a, prefix);
    store_str(a, prefix);
    store_str(a, self->maxes);
    store_int(a, job_now_ms());
    for (int i = 0; i < args->argc; i++)
        store_arg(a, args->argv[i], args->len[i]);
}

static void
s_evalsha_args(store_t *self, const char *sha, const store_args_t *args, store_args_t *a)
{
    s_evalsha_at(self, self->prefix, sha, args, a);
}

/* EVALSHA, so each transition sends a 40-byte name instead of the script.
 * A Redis restarted without its script cache answers NOSCRIPT: forget the
 * names and load again, once. */
static int
s_eval(store_t *self, const char *script, store_args_t *args, redisReply **reply, err_t *err)
{
    for (int tries = 0; tries < 2; tries++) {
        const char *sha = s_sha(self, script, err);
        if (!sha)
            return -1;
        store_args_t a = {0};
        s_evalsha_args(self, sha, args, &a);
        err_t mine = {0};
        if (store_run(self, &a, reply, &mine) == 0)
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

store_call_t *store_calls_new(size_t n)
{
    store_call_t *calls = mem_alloc((n ? n : 1) * sizeof *calls);
    for (size_t i = 0; i < n; i++) {
        calls[i].args.argc = 0;
        calls[i].reply = NULL;
        calls[i].err = (err_t){0};
        calls[i].noscript = false;
    }
    return calls;
}

void store_calls_free(store_call_t *calls, size_t n)
{
    for (size_t i = 0; i < n; i++)
        freeReplyObject(calls[i].reply);
    free(calls);
}

/* Every call not answered yet fails with err (the connection is gone). */
static int s_calls_fail(store_call_t *calls, size_t from, size_t n, const err_t *err)
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
int store_eval_many(store_t *self, store_call_t *calls, size_t n, err_t *err)
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
    if (store_connect(self, err) != 0) {
        free(shas);
        return s_calls_fail(calls, 0, n, err);
    }
    for (size_t i = 0; i < n; i++) {
        store_args_t a = {0};
        s_evalsha_args(self, shas[i], &calls[i].args, &a);
        store_append(self, &a);
    }
    free(shas);
    bool again = false;
    for (size_t i = 0; i < n; i++) {
        redisReply *r = NULL;
        if (redisGetReply(self->ctx, (void **)&r) != REDIS_OK) {
            store_check(self, NULL, err);
            return s_calls_fail(calls, i, n, err);
        }
        /* Not run: the script cache was lost, or the slot moved (a
         * reshard). Run again on its own below, which mends either. */
        if (r->type == REDIS_REPLY_ERROR &&
            (strstr(r->str, "NOSCRIPT") || !strncmp(r->str, "MOVED ", 6) ||
             !strncmp(r->str, "ASK ", 4))) {
            rcl_saw(self->rcl, r);
            calls[i].noscript = again = true;
            freeReplyObject(r);
        } else if (store_check(self, r, &calls[i].err) != 0) {
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

/* The prefix of partition part (store_at's rule) into out. */
static void s_part_prefix(const store_t *self, int part, char out[80])
{
    if (self->parts > 1 || rcl_is_cluster(self->rcl))
        snprintf(out, 80, "%s{p%d}:", self->base, part);
    else
        snprintf(out, 80, "%s", self->base);
}

int store_eval_parts(store_t *self, store_call_t *calls, size_t n, err_t *err)
{
    if (n == 0)
        return 0;
    store_args_t *a = mem_alloc(n * sizeof *a);
    rcl_cmd_t *cmds = mem_calloc(n, sizeof *cmds);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const char *sha = s_sha(self, calls[i].script, err);
        if (!sha) {
            rc = -1;
            break;
        }
        s_part_prefix(self, calls[i].part, calls[i].prefix);
        a[i].argc = 0;
        s_evalsha_at(self, calls[i].prefix, sha, &calls[i].args, &a[i]);
        /* Routed by KEYS[1], the partition's prefix (its hash tag); a node
         * that lost the script answers NOSCRIPT and rcl loads it there. */
        cmds[i] = (rcl_cmd_t){.argc = a[i].argc,
                              .argv = a[i].argv,
                              .len = a[i].len,
                              .key = 3,
                              .slot = -1,
                              .script = calls[i].script};
    }
    if (rc == 0 && rcl_pipeline_within(self->rcl, cmds, n, self->pass_ms, err) != 0)
        rc = -1;
    for (size_t i = 0; i < n; i++) {
        calls[i].reply = NULL;
        if (!cmds[i].reply)
            err_set(&calls[i].err, cmds[i].err.code ? cmds[i].err.code : err->code, "%s",
                    cmds[i].err.code ? cmds[i].err.msg : err->msg);
        else if (store_check(self, cmds[i].reply, &calls[i].err) != 0)
            freeReplyObject(cmds[i].reply);
        else
            calls[i].reply = cmds[i].reply;
    }
    free(cmds);
    free(a);
    return rc;
}

void store_set_pass_ms(store_t *self, int ms)
{
    self->pass_ms = ms > 0 ? ms : 0;
    rcl_set_pass_ms(self->rcl, self->pass_ms);
}

/* Run a script that answers an integer. */
redisReply *store_eval_reply(store_t *self, const char *script, store_args_t *a, err_t *err)
{
    store_call_t *c = store_calls_new(1);
    c[0].script = script;
    c[0].args = *a;
    redisReply *r = NULL;
    if (store_eval_many(self, c, 1, err) == 0) {
        r = c[0].reply;
        c[0].reply = NULL;
        if (!r)
            err_set(err, c[0].err.code ? c[0].err.code : LODE_ESTORE, "%s", c[0].err.msg);
    }
    store_calls_free(c, 1);
    return r;
}

int store_eval_int(
    store_t *self, const char *script, store_args_t *args, long long *out, err_t *err)
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
