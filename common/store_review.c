/*  store_review.c - the web workbench's review mode over a batch: which of
 *  its documents a person has marked reviewed (P batch:ID:reviewed, a set
 *  of job ids), and the next one to review. The walk goes through the
 *  batch's list from a cursor and examines at most 2,000 ids a call, so a
 *  batch of any size costs the same per page. On a partitioned store each
 *  partition holds its share of the batch's list and its own reviewed set:
 *  the walk goes partition by partition (the cursor carries the partition
 *  in its high bits), and the counts add up over all partitions.
 *  SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "store_impl.h"

/* ARGV[4] batch, ARGV[5] cursor -> {next id or '', position, reviewed, total}. */
static const char s_lua_next[] =
    "local P, b = ARGV[1], ARGV[4]\n"
    "local pos, examined = tonumber(ARGV[5]), 0\n"
    "local L, R = P..'batch:'..b..':jobs', P..'batch:'..b..':reviewed'\n"
    "local total = redis.call('LLEN', L)\n"
    "local found = ''\n"
    "while found == '' and pos < total and examined < 2000 do\n"
    "  local ids = redis.call('LRANGE', L, pos, pos + 99)\n"
    "  if #ids == 0 then break end\n"
    "  for _, id in ipairs(ids) do\n"
    "    examined = examined + 1\n"
    "    if redis.call('SISMEMBER', R, id) == 0 and\n"
    "       redis.call('HGET', P..'job:'..id, 'state') == 'done' then found = id; break end\n"
    "    pos = pos + 1\n"
    "  end\n"
    "end\n"
    "return {found, pos, redis.call('SCARD', R), total}\n";

/* ARGV[4] batch, ARGV[5] id, ARGV[6] '1' mark / '0' unmark -> 1, or 0 if
 * the job is not in that batch. */
static const char s_lua_mark[] =
    "local P, b, id = ARGV[1], ARGV[4], ARGV[5]\n"
    "if redis.call('HGET', P..'job:'..id, 'batch') ~= b then return 0 end\n"
    "if ARGV[6] == '1' then redis.call('SADD', P..'batch:'..b..':reviewed', id)\n"
    "else redis.call('SREM', P..'batch:'..b..':reviewed', id) end\n"
    "return 1\n";

int store_review_mark(store_t *self, const char *batch, const char *id, bool reviewed, err_t *err)
{
    if (store_valid_id(batch, err) != 0 || store_valid_id(id, err) != 0)
        return -1;
    store_at(self, store_part_of(self, id)); /* the job's share of the batch */
    store_args_t a = {0};
    store_str(&a, batch);
    store_str(&a, id);
    store_str(&a, reviewed ? "1" : "0");
    redisReply *r = store_eval_reply(self, s_lua_mark, &a, err);
    if (!r)
        return -1;
    int rc = r->type == REDIS_REPLY_INTEGER && r->integer == 1 ? 0 : -1;
    if (rc != 0)
        err_set(err, LODE_ENOTFOUND, "job %s is not in batch %s", id, batch);
    freeReplyObject(r);
    return rc;
}

static int64_t s_num(const redisReply *r)
{
    return r->type == REDIS_REPLY_INTEGER  ? (int64_t)r->integer
           : r->type == REDIS_REPLY_STRING ? (int64_t)strtoll(r->str, NULL, 10)
                                           : 0;
}

/* One partition's walk from pos: 0, or -1 and *err. */
static int s_next_one(store_t *self, const char *batch, size_t pos, store_review_t *out, err_t *err)
{
    store_args_t a = {0};
    store_str(&a, batch);
    store_int(&a, (int64_t)pos);
    redisReply *r = store_eval_reply(self, s_lua_next, &a, err);
    if (!r)
        return -1;
    int rc = 0;
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 4 ||
        r->element[0]->type != REDIS_REPLY_STRING) {
        err_set(err, LODE_ESTORE, "redis: unexpected reply to the review walk");
        rc = -1;
    } else {
        store_copy_field(out->id, sizeof out->id, r->element[0]);
        out->cursor = (size_t)s_num(r->element[1]);
        out->reviewed += s_num(r->element[2]);
        out->total += s_num(r->element[3]);
    }
    freeReplyObject(r);
    return rc;
}

int store_review_next(store_t *self, const char *batch, store_review_t *out, err_t *err)
{
    size_t cursor = out->cursor;
    memset(out, 0, sizeof *out);
    if (store_valid_id(batch, err) != 0)
        return -1;
    int from = (int)(cursor >> STORE_CURSOR_PART_SHIFT);
    size_t pos = cursor & STORE_CURSOR_POS_MASK;
    char id[JOB_ID_SIZE] = "";
    size_t at = 0;
    int at_part = -1;
    /* Every partition for the counts; the next id from the first partition,
     * at or after the cursor's, that still has one. */
    for (int p = 0; p < self->parts; p++) {
        store_review_t one = {0};
        store_at(self, p);
        if (s_next_one(self, batch, p == from ? pos : 0, &one, err) != 0)
            return -1;
        out->reviewed += one.reviewed;
        out->total += one.total;
        if (!id[0] && p >= from && one.id[0]) {
            memcpy(id, one.id, sizeof id);
            at = one.cursor;
            at_part = p;
        }
    }
    memcpy(out->id, id, sizeof out->id);
    out->cursor = at_part < 0 ? 0 : ((size_t)at_part << STORE_CURSOR_PART_SHIFT) | at;
    return 0;
}
