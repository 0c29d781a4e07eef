/*  store_lua.c - the broker's transitions: each is one Lua script run with
 *  EVALSHA, so a job is never seen half moved (dispatch, done and handoff,
 *  fail, release, leases, delayed retries, retry from the dead list). Lua
 *  scripts take the key prefix as an argument and build key names, which is
 *  fine for a single Redis (not Redis Cluster; see README).
 *  SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "buf.h"
#include "mem.h"
#include "store_impl.h"

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
    "  redis.call('HINCRBY', k, 'attempts', 1)\n"                                                  \
    "  if retry == '1' and tonumber(attempt) < (MAXA[stage] or 3) then\n"                          \
    "    redis.call('HSET', k, 'state', 'queued')\n"                                               \
    "    redis.call('HINCRBY', P..'stats', 'retried', 1)\n"                                        \
    "    if tonumber(delay) > 0 then\n"                                                            \
    "      local due = tonumber(NOW) + tonumber(delay)\n"                                          \
    "      redis.call('HSET', k, 'retry_at_ms', due)\n"                                            \
    "      redis.call('ZADD', P..'delayed', due, id)\n"                                            \
    "    else\n"                                                                                   \
    "      redis.call('RPUSH', P..'queue:'..stage, id..':r')\n"                                    \
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

/* Lease queue entry e to worker until deadline at stage: its job id and
 * attempt go to out, its lease to lease (for one ZADD). See s_lua_dispatch
 * for the entries and for a job whose hash is gone. */
#define S_LUA_TAKE                                                                                 \
    "local function take(e, stage, worker, deadline, out, lease)\n"                                \
    "  local id, retry = string.match(e, '^([^:]*)(:?)')\n"                                        \
    "  local k, a = P..'job:'..id, 1\n"                                                            \
    "  if retry ~= '' then\n"                                                                      \
    "    local h = redis.call('HMGET', k, 'id', 'attempt')\n"                                      \
    "    a = h[1] and tonumber(h[2] or 0) + 1\n"                                                   \
    "  end\n"                                                                                      \
    "  if a and redis.call('HSET', k, 'state', 'running', 'stage', stage, 'attempt', a,\n"         \
    "                      'worker', worker, 'updated_ms', NOW) >= 4 then\n"                       \
    "    redis.call('DEL', k)\n"                                                                   \
    "    a = nil\n"                                                                                \
    "  end\n"                                                                                      \
    "  if a then\n"                                                                                \
    "    out[#out + 1] = id\n"                                                                     \
    "    out[#out + 1] = a\n"                                                                      \
    "    lease[#lease + 1] = deadline\n"                                                           \
    "    lease[#lease + 1] = id\n"                                                                 \
    "  end\n"                                                                                      \
    "end\n"

/* ARGV[4..]: stage deadline worker max -> {left, id1, attempt1, id2, …}.
 * Up to max jobs in one call: LPOP with a count, then per job one write of
 * its hash, and one ZADD for all the leases. A queue entry is a job id
 * starting its stage (attempt 0: it was submitted, moved on by a DONE or
 * retried by hand), or "id:r", a retry, whose attempt so far is read from
 * its hash first (failures only pay that command). 'attempts' counts a
 * dispatch when it ends (S_LUA_GIVE_BACK, s_lua_done), so it is not
 * written here. A job whose hash is gone (deleted by hand) is dropped, not
 * run: its HSET would find every field new, and the hash it made is
 * deleted again. left is how many jobs the queue still holds (LLEN only
 * when the call got all it asked for: fewer means none): the broker's word
 * on whether to look again, and on whether jobs may be handed past the
 * queue (store_handoff_t). */
static const char s_lua_dispatch[] = S_LUA_HEAD S_LUA_TAKE
    "local stage = ARGV[4]\n"
    "local q = P..'queue:'..stage\n"
    "local max = tonumber(ARGV[7])\n"
    "local ids = redis.call('LPOP', q, max)\n"
    "if not ids then return {0} end\n"
    "local out, lease = {#ids < max and 0 or redis.call('LLEN', q)}, {}\n"
    "for _, e in ipairs(ids) do take(e, stage, ARGV[6], ARGV[5], out, lease) end\n"
    "if #lease > 0 then redis.call('ZADD', P..'leases', unpack(lease)) end\n"
    "return out\n";

/* ARGV[4..]: stage next_stage('' after fanout) reports handoff cap deadline
 * -> {{1|0 per report}, {id, attempt, …}}. reports is "id attempt worker\n"
 * per job (worker may be empty: any). Per job one read and one write of its
 * hash; the lease changes, the push to the next queue and the counters are
 * one command each for all jobs. When the broker names a handoff worker of
 * the next stage (that worker has cap free credits), up to cap jobs go
 * straight to it, leased until deadline: the write that ends this stage
 * also starts the next, instead of a push, a pop and a second write. With
 * ARGV[10] = '1' (the next queue may hold jobs) the jobs waiting there are
 * handed over first, as a dispatch would. 'attempts' counts the dispatch
 * that ends here (see s_lua_dispatch). */
static const char s_lua_done[] = S_LUA_HEAD S_LUA_TAKE
    "local stage, nxt, hw, cap = ARGV[4], ARGV[5], ARGV[7], tonumber(ARGV[8])\n"
    "local applied, leased, moved, handed, lease = {}, {}, {}, {}, {}\n"
    "local done, stale = 0, 0\n"
    /* Jobs already waiting in the next queue go to the handoff worker
     * first (no job overtakes one that waits); these DONEs' jobs fill what
     * room is left, the others queue behind. */
    "if nxt ~= '' and hw ~= '' and ARGV[10] == '1' then\n"
    "  local waiting = redis.call('LPOP', P..'queue:'..nxt, cap)\n"
    "  for _, e in ipairs(waiting or {}) do take(e, nxt, hw, ARGV[9], handed, lease) end\n"
    "end\n"
    "for id, attempt, who in string.gmatch(ARGV[6], '(%w+) (%d+) ([^\\n]*)\\n') do\n"
    "  local k = P..'job:'..id\n"
    "  local h = redis.call('HMGET', k, 'state', 'stage', 'attempt', 'worker', 'expanded',\n"
    "                       'completions', 'error', 'attempts')\n"
    "  if h[1] == 'running' and h[2] == stage and h[3] == attempt and\n"
    "     (who == '' or h[4] == who) then\n"
    /* The lease ends, except for a job handed on: the ZADD of its new
     * lease moves it (one command fewer a call when all are handed on). */
    "    if not (nxt ~= '' and hw ~= '' and #handed < 2 * cap and not h[5]) then\n"
    "      leased[#leased + 1] = id\n"
    "    end\n"
    /* The error of an earlier attempt goes once the stage succeeds (rare:
     * only jobs that failed before pay for this command). */
    "    if h[7] then redis.call('HDEL', k, 'error', 'error_code', 'error_stage') end\n"
    /* The dispatch that ends here is counted now (see s_lua_dispatch). */
    "    local n = tonumber(h[8] or 0) + 1\n"
    "    if h[5] then\n"
    /* A playlist's fetch made jobs of its own and ends here. */
    "      redis.call('HSET', k, 'state', 'expanded', 'worker', '', 'updated_ms', NOW,\n"
    "                 'finished_ms', NOW, 'attempts', n)\n"
    "    elseif nxt ~= '' and hw ~= '' and #handed < 2 * cap then\n"
    "      redis.call('HSET', k, 'state', 'running', 'stage', nxt, 'attempt', 1,\n"
    "                 'attempts', n, 'worker', hw, 'updated_ms', NOW)\n"
    "      handed[#handed + 1] = id\n"
    "      handed[#handed + 1] = 1\n"
    "      lease[#lease + 1] = ARGV[9]\n"
    "      lease[#lease + 1] = id\n"
    "    elseif nxt ~= '' then\n"
    "      redis.call('HSET', k, 'state', 'queued', 'stage', nxt, 'attempt', 0, 'worker', '',\n"
    "                 'updated_ms', NOW, 'attempts', n)\n"
    "      moved[#moved + 1] = id\n"
    "    else\n"
    /* completions counts arrivals at done: more than one would be a duplicate. */
    "      redis.call('HSET', k, 'state', 'done', 'worker', '', 'updated_ms', NOW,\n"
    "                 'finished_ms', NOW, 'completions', tonumber(h[6] or 0) + 1, 'attempts', n)\n"
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
    "    redis.call('RPUSH', P..'queue:'..h[2], id..':r')\n"
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
    "  redis.call('ZADD', P..'ix:wait', NOW, id) -- search: index again once it ends\n"            \
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
static void s_dispatch_args(const store_dispatch_call_t *c, store_args_t *a)
{
    store_str(a, job_stage_name(c->stage));
    store_int(a, c->deadline_ms);
    store_str(a, c->worker);
    store_int(a, (int64_t)(c->max ? c->max : 1));
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

int store_dispatch_run(
    store_t *self, store_dispatch_call_t *calls, size_t n, const int *parts, err_t *err)
{
    store_call_t *sc = store_calls_new(n);
    for (size_t i = 0; i < n; i++) {
        calls[i].n = 0;
        calls[i].left = 0;
        calls[i].rc = -1;
        calls[i].err = (err_t){0};
        sc[i].script = s_lua_dispatch;
        sc[i].part = parts ? parts[i] : self->part;
        s_dispatch_args(&calls[i], &sc[i].args);
    }
    int rc = parts ? store_eval_parts(self, sc, n, err) : store_eval_many(self, sc, n, err);
    for (size_t i = 0; i < n; i++) {
        calls[i].err = sc[i].err;
        if (sc[i].reply && s_dispatch_reply(sc[i].reply, &calls[i], &calls[i].err) == 0)
            calls[i].rc = 0;
        if (calls[i].rc != 0)
            err_set(err, calls[i].err.code, "%s", calls[i].err.msg); /* the first wins */
        if (calls[i].rc != 0)
            rc = -1;
    }
    store_calls_free(sc, n);
    return rc;
}

int store_dispatch_pipeline(store_t *self, store_dispatch_call_t *calls, size_t n, err_t *err)
{
    if (self->parts > 1)
        return store_dispatch_spread(self, calls, n, err);
    store_at(self, 0);
    return store_dispatch_run(self, calls, n, NULL, err);
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
    size_t n = 0;
    /* A dispatch of one asks one partition, the next in turn: ask each
     * before saying the stage's queue is empty. */
    for (int p = 0; n == 0 && p < self->parts; p++)
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
static int s_done_args(const store_done_call_t *c, buf_t *list, store_args_t *a, err_t *err)
{
    for (size_t i = 0; i < c->n; i++) {
        const store_report_t *r = &c->reports[i];
        if (store_valid_id(r->id, err) != 0 ||
            buf_printf(list, err, "%s %u %s\n", r->id, r->attempt, r->worker ? r->worker : "") != 0)
            return -1;
    }
    const store_handoff_t *h = c->handoff;
    bool hand = h && h->worker && h->max > 0 && c->stage + 1 < JOB_STAGE_COUNT;
    store_str(a, job_stage_name(c->stage));
    store_str(a, c->stage + 1 < JOB_STAGE_COUNT ? job_stage_name(c->stage + 1) : "");
    store_arg(a, list->data ? list->data : "", list->len);
    store_str(a, hand ? h->worker : "");
    store_int(a, hand ? (int64_t)h->max : 0);
    store_int(a, hand ? h->deadline_ms : 0);
    store_str(a, hand && h->queued ? "1" : "0");
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

int store_done_run(store_t *self, store_done_call_t *calls, size_t n, const int *parts, err_t *err)
{
    store_call_t *sc = store_calls_new(n);
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
        sc[to_run].part = parts ? parts[i] : self->part;
        /* A call with a bad report is refused here; the others still run. */
        if (s_done_args(c, &lists[i], &sc[to_run].args, &c->err) == 0)
            to_run++;
        else
            sc[to_run].args.argc = 0;
    }
    int rc = to_run == 0 ? 0
             : parts     ? store_eval_parts(self, sc, to_run, err)
                         : store_eval_many(self, sc, to_run, err);
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
    store_calls_free(sc, to_run);
    return rc;
}

int store_done_pipeline(store_t *self, store_done_call_t *calls, size_t n, err_t *err)
{
    if (self->parts > 1)
        return store_done_spread(self, calls, n, err);
    store_at(self, 0);
    return store_done_run(self, calls, n, NULL, err);
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
static int
s_eval_job(store_t *self, const char *script, const char *id, store_args_t *a, err_t *err)
{
    if (store_valid_id(id, err) != 0)
        return -1;
    store_at(self, store_part_of(self, id));
    long long applied = 0;
    if (self->pass_ms > 0 && self->parts > 1) {
        /* The broker on a partitioned store: within the pass deadline too
         * (a FAIL for a job on a slow node must not hold up the others). */
        store_call_t *c = store_calls_new(1);
        c[0].script = script;
        c[0].args = *a;
        c[0].part = self->part;
        int rc = store_eval_parts(self, c, 1, err) == 0 && c[0].reply ? 0 : -1;
        if (rc == 0 && c[0].reply->type == REDIS_REPLY_INTEGER) {
            applied = c[0].reply->integer;
        } else if (rc == 0) {
            err_set(err, LODE_ESTORE, "redis: unexpected reply type %d", c[0].reply->type);
            rc = -1;
        } else if (c[0].err.code) {
            err_set(err, c[0].err.code, "%s", c[0].err.msg);
        }
        store_calls_free(c, 1);
        return rc != 0 ? -1 : applied ? 1 : 0;
    }
    if (store_eval_int(self, script, a, &applied, err) != 0)
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
    store_args_t a = {0};
    store_str(&a, id);
    store_str(&a, job_stage_name(stage));
    store_int(&a, attempt);
    store_str(&a, retryable ? "1" : "0");
    store_str(&a, err_name(code));
    store_str(&a, reason ? reason : "");
    store_int(&a, delay_ms > 0 ? delay_ms : 0);
    store_str(&a, worker ? worker : "");
    return s_eval_job(self, s_lua_fail, id, &a, err);
}

int store_release(store_t *self, const char *id, uint32_t attempt, err_t *err)
{
    store_args_t a = {0};
    store_str(&a, id);
    store_int(&a, attempt);
    return s_eval_job(self, s_lua_release, id, &a, err);
}

int store_retry(store_t *self, const char *id, int stage, err_t *err)
{
    store_args_t a = {0};
    store_str(&a, id);
    store_str(&a, stage >= 0 ? job_stage_name(stage) : "");
    return s_eval_job(self, s_lua_retry, id, &a, err);
}

/* Run a script that takes no id and answers a count, on every partition:
 * the sum. A partition that fails does not stop the others (-1 and the
 * first error once all have run). */
static int s_eval_count(store_t *self, const char *script, store_args_t *a, int *n, err_t *err)
{
    int rc = 0;
    *n = 0;
    if (self->parts > 1)
        return store_eval_count_spread(self, script, a, n, err);
    for (int p = 0; p < self->parts; p++) {
        store_at(self, p);
        long long v;
        if (store_eval_int(self, script, a, &v, err) != 0)
            rc = -1;
        else
            *n += (int)v;
    }
    return rc;
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
    store_args_t a = {0};
    store_str(&a, worker);
    for (size_t i = 0; i < n_held; i++)
        store_str(&a, held[i]);
    return s_eval_count(self, s_lua_release_worker, &a, n_released, err);
}

int store_retry_all(store_t *self, int stage, int *n_retried, err_t *err)
{
    store_args_t a = {0};
    store_str(&a, stage >= 0 ? job_stage_name(stage) : "");
    return s_eval_count(self, s_lua_retry_all, &a, n_retried, err);
}

int store_expire_leases(store_t *self, int *n_expired, err_t *err)
{
    store_args_t a = {0};
    return s_eval_count(self, s_lua_expire, &a, n_expired, err);
}

int store_promote_delayed(store_t *self, int *n_promoted, err_t *err)
{
    store_args_t a = {0};
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
    store_args_t a = {0};
    for (size_t i = 0; i < n_live; i++)
        store_str(&a, live[i]);
    return s_eval_count(self, s_lua_orphans, &a, n_released, err);
}
