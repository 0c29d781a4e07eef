/*  store_curate.c - the curation layer's versioned read and compare-and-set
 *  write (the no-lost-edits rule, issue #13). The version lives in the job
 *  hash (field curated_version, absent = 0) and is read with the layer in
 *  one script, so a reader never pairs a layer with another layer's version;
 *  a write names the version it read and lands only if nobody wrote since.
 *  Declared in store.h beside the other part reads and writes.
 *  SPDX-License-Identifier: MIT
 */
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

/* ARGV[4] id, ARGV[5] expected version, ARGV[6] layer -> the new version
 * (>= 1) when written, -1 if there is no such job, -(current + 2) if the
 * layer changed since the writer read it. */
static const char s_lua_curated_cas[] =
    "local k = ARGV[1]..'job:'..ARGV[4]\n"
    "if redis.call('EXISTS', k) == 0 then return -1 end\n"
    "local v = tonumber(redis.call('HGET', k, 'curated_version') or '0')\n"
    "if v ~= tonumber(ARGV[5]) then return -(v + 2) end\n"
    "redis.call('SET', k..':curated', ARGV[6])\n"
    "redis.call('SADD', ARGV[1]..'ix:dirty', ARGV[4]) -- the search index redoes it\n"
    "return redis.call('HINCRBY', k, 'curated_version', 1)\n";

static int64_t s_int(const redisReply *r)
{
    if (r->type == REDIS_REPLY_INTEGER)
        return (int64_t)r->integer;
    if (r->type == REDIS_REPLY_STRING)
        return (int64_t)strtoll(r->str, NULL, 10);
    return 0;
}

/* Run one script; its reply (caller frees) or NULL and *err. */
static redisReply *s_eval1(store_t *self, const char *script, store_args_t *args, err_t *err)
{
    store_call_t *c = store_calls_new(1);
    c[0].script = script;
    c[0].args = *args;
    redisReply *r = NULL;
    if (store_eval_many(self, c, 1, err) == 0) {
        if (c[0].reply) {
            r = c[0].reply;
            c[0].reply = NULL;
        } else {
            err_set(err, c[0].err.code ? c[0].err.code : LODE_ESTORE, "%s", c[0].err.msg);
        }
    }
    store_calls_free(c, 1);
    return r;
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
    redisReply *r = s_eval1(self, s_lua_curated_get, &a, err);
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

int store_curated_cas(store_t *self,
                      const char *id,
                      int64_t expected,
                      const char *data,
                      size_t len,
                      int64_t *version,
                      err_t *err)
{
    if (store_valid_id(id, err) != 0)
        return -1;
    store_at(self, store_part_of(self, id)); /* the job's partition */
    store_args_t a = {0};
    store_str(&a, id);
    store_int(&a, expected);
    store_arg(&a, data, len);
    redisReply *r = s_eval1(self, s_lua_curated_cas, &a, err);
    if (!r)
        return -1;
    int rc = -1;
    if (r->type != REDIS_REPLY_INTEGER)
        err_set(err, LODE_ESTORE, "redis: unexpected reply to the curation write");
    else if (r->integer == -1)
        err_set(err, LODE_ENOTFOUND, "no job %s", id);
    else if (r->integer < -1)
        err_set(err, LODE_ESTATE,
                "the curation of job %s changed since it was read (version %lld, now %lld): "
                "nothing was saved; load it again and redo the change",
                id, (long long)expected, (long long)(-r->integer - 2));
    else {
        rc = 0;
        if (version)
            *version = (int64_t)r->integer;
    }
    freeReplyObject(r);
    return rc;
}
