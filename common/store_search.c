/*  store_search.c - the library's search index in Redis (issue #13): per
 *  partition, one zset of job ids per term (store.h lists the keys). The
 *  indexer (client/searchidx.c) fills it from a walk over finished jobs and
 *  from ix:dirty, which a curation write joins, so no worker or broker
 *  command is added. A query is answered per partition by walking the
 *  rarest word's ids newest first (ZREVRANGEBYLEX, ids are time-ordered
 *  ULIDs) and keeping those every other word's zsets hold (ZSCORE), at most
 *  scan_max ids a call; the partitions' pages are merged by id.
 *  SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "mem.h"
#include "store_impl.h"
#include "store_rows.h"

/* ARGV[4] max, ARGV[5] window -> {{id…}, dirty left}. Finished jobs of
 * the walk join ix:dirty before they are handed out, so a crash loses none.
 * ix:wait is looked at window ids a call, from where the last call stopped
 * (HGET each: cheap beside indexing a job, so the window is wider). */
static const char s_lua_todo[] =
    "local P, max = ARGV[1], tonumber(ARGV[4])\n"
    "local H, W, D = P..'ix:hw', P..'ix:wait', P..'ix:dirty'\n"
    "local fin = {done = true, failed = true, expanded = true}\n"
    "local function state(id) return redis.call('HGET', P..'job:'..id, 'state') end\n"
    "local wpos = tonumber(redis.call('HGET', H, 'wpos') or '0')\n"
    "if wpos >= redis.call('ZCARD', W) then wpos = 0 end\n"
    "local kept = 0\n"
    "for _, id in ipairs(redis.call('ZRANGE', W, wpos, wpos + tonumber(ARGV[5]) - 1)) do\n"
    "  local s = state(id)\n"
    "  if not s or fin[s] then redis.call('ZREM', W, id) else kept = kept + 1 end\n"
    "  if s and fin[s] then redis.call('SADD', D, id) end\n"
    "end\n"
    "local hs = redis.call('HGET', H, 'score') or '-inf'\n"
    "local hk = tonumber(redis.call('HGET', H, 'k') or '0')\n"
    "local js = redis.call('ZRANGEBYSCORE', P..'jobs', hs, '+inf', 'WITHSCORES', 'LIMIT', hk, "
    "max)\n"
    "for i = 1, #js, 2 do\n"
    "  local id, sc = js[i], js[i + 1]\n"
    "  if sc == hs then hk = hk + 1 else hs, hk = sc, 1 end\n"
    "  local s = state(id)\n"
    "  if s and fin[s] then redis.call('SADD', D, id) elseif s then redis.call('ZADD', W, sc, id) "
    "end\n"
    "end\n"
    "redis.call('HSET', H, 'score', hs, 'k', hk, 'wpos', wpos + kept)\n"
    "return {redis.call('SRANDMEMBER', D, max), redis.call('SCARD', D)}\n";

/* ARGV[4] id, ARGV[5] version, ARGV[6] terms, ARGV[7] title, ARGV[8]
 * snippets -> 1 written, 0 job gone (postings dropped), -1 curated since
 * (left dirty). */
static const char s_lua_index[] =
    "local P, id = ARGV[1], ARGV[4]\n"
    "local k, X = P..'job:'..id, P..'ix:doc:'..id\n"
    "local gone = redis.call('EXISTS', k) == 0\n"
    "if not gone and tonumber(redis.call('HGET', k, 'curated_version') or '0') ~= "
    "tonumber(ARGV[5]) then return -1 end\n"
    "local new, had = {}, {}\n"
    "if not gone then for t in string.gmatch(ARGV[6], '[^\\n]+') do new[t] = true end end\n"
    "for t in string.gmatch(redis.call('HGET', X, 'terms') or '', '[^\\n]+') do\n"
    "  if new[t] then had[t] = true else redis.call('ZREM', P..'ix:w:'..t, id) end\n"
    "end\n"
    "for t in pairs(new) do\n"
    "  if not had[t] then redis.call('ZADD', P..'ix:w:'..t, 0, id) end\n"
    "end\n"
    "redis.call('DEL', X)\n"
    "if not gone then redis.call('HSET', X, 'terms', ARGV[6], 'title', ARGV[7], 'snippets', "
    "ARGV[8]) end\n"
    "redis.call('SREM', P..'ix:dirty', id)\n"
    "return gone and 0 or 1\n";

static const char s_lua_restart[] = "redis.call('DEL', ARGV[1]..'ix:hw', ARGV[1]..'ix:wait')\n"
                                    "return 1\n";

/* ARGV[4..8] state kind cursor limit scan_max, ARGV[9] words, then per
 * word its count and alternatives -> {last id examined or '', postings of
 * the rarest word, examined, {row…}}. */
static const char s_lua_search[] = STORE_LUA_ROW
    "local P, st, kind, cur = ARGV[1], ARGV[4], ARGV[5], ARGV[6]\n"
    "local limit, scan = tonumber(ARGV[7]), tonumber(ARGV[8])\n"
    "local groups, a = {}, 10\n"
    "for g = 1, tonumber(ARGV[9]) do\n"
    "  local keys = {}\n"
    "  for j = 1, tonumber(ARGV[a]) do keys[j] = P..'ix:w:'..ARGV[a + j] end\n"
    "  groups[g], a = keys, a + #keys + 1\n"
    "end\n"
    "local best, bestn = 1, nil\n"
    "for g, keys in ipairs(groups) do\n"
    "  local c = 0\n"
    "  for _, k in ipairs(keys) do c = c + redis.call('ZCARD', k) end\n"
    "  if not bestn or c < bestn then best, bestn = g, c end\n"
    "end\n"
    "local function holds(id)\n"
    "  for g, keys in ipairs(groups) do\n"
    "    local hit = g == best\n"
    "    for _, k in ipairs(keys) do\n"
    "      if hit then break end\n"
    "      hit = redis.call('ZSCORE', k, id) ~= false\n"
    "    end\n"
    "    if not hit then return false end\n"
    "  end\n"
    "  return true\n"
    "end\n"
    "local function chunk(from, n)\n"
    "  local all, seen = {}, {}\n"
    "  for _, k in ipairs(groups[best]) do\n"
    "    local hi = from == '' and '+' or '('..from\n"
    "    for _, id in ipairs(redis.call('ZREVRANGEBYLEX', k, hi, '-', 'LIMIT', 0, n)) do\n"
    "      if not seen[id] then seen[id] = true; all[#all + 1] = id end\n"
    "    end\n"
    "  end\n"
    "  table.sort(all, function(x, y) return x > y end)\n"
    "  for j = n + 1, #all do all[j] = nil end\n"
    "  return all\n"
    "end\n"
    "local rows, examined, last, over = {}, 0, cur, #groups == 0\n"
    "while not over and #rows < limit and examined < scan do\n"
    "  local ids = chunk(last, math.min(100, scan - examined))\n"
    "  over = #ids == 0\n"
    "  for _, id in ipairs(ids) do\n"
    "    last, examined = id, examined + 1\n"
    "    if holds(id) then\n"
    "      local r, gone = ROW(P, id, st, kind)\n"
    "      if r then rows[#rows + 1] = r end\n"
    "      if gone then redis.call('SADD', P..'ix:dirty', id) end\n"
    "    end\n"
    "    if #rows >= limit then break end\n"
    "  end\n"
    "end\n"
    "return {over and '' or last, bestn or 0, examined, rows}\n";

int store_search_todo(store_t *self,
                      int part,
                      size_t max,
                      char (**ids)[JOB_ID_SIZE],
                      size_t *n,
                      size_t *left,
                      err_t *err)
{
    *ids = NULL;
    *n = 0;
    store_at(self, part);
    store_args_t a = {0};
    store_int(&a, (int64_t)(max ? max : 1));
    store_int(&a, (int64_t)(max ? max : 1) * 10);
    redisReply *r = store_eval_reply(self, s_lua_todo, &a, err);
    if (!r)
        return -1;
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 2 ||
        r->element[0]->type != REDIS_REPLY_ARRAY) {
        freeReplyObject(r);
        err_set(err, LODE_ESTORE, "redis: unexpected reply to the indexer's walk");
        return -1;
    }
    const redisReply *l = r->element[0];
    *ids = mem_calloc(l->elements ? l->elements : 1, sizeof **ids);
    for (size_t i = 0; i < l->elements; i++)
        if (l->element[i]->type == REDIS_REPLY_STRING && l->element[i]->len < JOB_ID_SIZE)
            store_copy_field((*ids)[(*n)++], JOB_ID_SIZE, l->element[i]);
    if (left)
        *left = (size_t)store_rows_num(r->element[1]);
    freeReplyObject(r);
    return 0;
}

int store_search_index(store_t *self, const store_search_doc_t *d, int *stored, err_t *err)
{
    if (store_valid_id(d->id, err) != 0)
        return -1;
    store_at(self, store_part_of(self, d->id));
    store_args_t a = {0};
    store_str(&a, d->id);
    store_int(&a, d->version);
    store_str(&a, d->terms ? d->terms : "");
    store_str(&a, d->title ? d->title : "");
    store_int(&a, d->snippets);
    long long v = 0;
    if (store_eval_int(self, s_lua_index, &a, &v, err) != 0)
        return -1;
    *stored = (int)v;
    return 0;
}

int store_search_restart(store_t *self, err_t *err)
{
    for (int p = 0; p < self->parts; p++) {
        store_at(self, p);
        store_args_t a = {0};
        long long v = 0;
        if (store_eval_int(self, s_lua_restart, &a, &v, err) != 0)
            return -1;
    }
    return 0;
}

/* One partition's search page below cursor cur into pp. */
static int s_search_one(store_t *self,
                        const store_page_opts_t *o,
                        const char *cur,
                        size_t limit,
                        store_part_page_t *pp,
                        err_t *err)
{
    store_args_t a = {0};
    store_str(&a, o->state ? o->state : "");
    store_str(&a, o->kind ? o->kind : "");
    store_str(&a, cur);
    store_int(&a, (int64_t)limit);
    store_int(&a, (int64_t)(o->scan_max ? o->scan_max : 2000));
    size_t nw = o->n_words < STORE_SEARCH_WORDS ? o->n_words : STORE_SEARCH_WORDS;
    store_int(&a, (int64_t)nw);
    for (size_t w = 0; w < nw; w++) {
        size_t na = o->words[w].n < STORE_SEARCH_ALTS ? o->words[w].n : STORE_SEARCH_ALTS;
        store_int(&a, (int64_t)na);
        for (size_t k = 0; k < na; k++)
            store_str(&a, o->words[w].alt[k]);
    }
    redisReply *r = store_eval_reply(self, s_lua_search, &a, err);
    if (!r)
        return -1;
    int rc = 0;
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 4 ||
        r->element[3]->type != REDIS_REPLY_ARRAY) {
        err_set(err, LODE_ESTORE, "redis: unexpected reply to the search");
        rc = -1;
    } else {
        store_copy_field(pp->last.id, sizeof pp->last.id, r->element[0]);
        pp->done = pp->last.id[0] == '\0';
        pp->total = (size_t)store_rows_num(r->element[1]);
        pp->examined = (size_t)store_rows_num(r->element[2]);
        store_rows_read(r->element[3], pp, limit);
    }
    freeReplyObject(r);
    return rc;
}

int store_search_page(
    store_t *self, const store_page_opts_t *o, store_row_t *rows, store_page_t *page, err_t *err)
{
    size_t limit = o->limit ? o->limit : 50;
    const char *cur = o->cursor ? o->cursor : "";
    if (*cur && store_valid_id(cur, err) != 0)
        return -1;
    int parts = self->parts;
    store_part_page_t *pp = mem_calloc((size_t)parts, sizeof *pp);
    size_t *taken = mem_calloc((size_t)parts, sizeof *taken);
    int rc = 0;
    for (int p = 0; p < parts && rc == 0; p++) {
        store_at(self, p);
        rc = s_search_one(self, o, cur, limit, &pp[p], err);
        page->total += pp[p].total;
        page->examined += pp[p].examined;
    }
    if (rc == 0) {
        bool cut = false;
        page->n = store_rows_merge(pp, (size_t)parts, true, rows, limit, taken, &cut);
        /* The next page starts below the last row given, or below the
         * newest frontier when the page ended there. */
        const store_row_t *at = NULL;
        for (int p = 0; p < parts; p++)
            if (!pp[p].done && (!at || strcmp(pp[p].last.id, at->id) > 0))
                at = &pp[p].last;
        if (page->n == limit && cut)
            at = &rows[page->n - 1];
        if (cut && at)
            snprintf(page->next, sizeof page->next, "%s", at->id);
    }
    store_part_page_free(pp, (size_t)parts);
    free(pp);
    free(taken);
    return rc;
}
