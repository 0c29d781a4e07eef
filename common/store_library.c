/*  store_library.c - one page of the workbench's library: ids newest first
 *  from each partition's jobs zset (ZREVRANGEBYSCORE from that partition's
 *  place, never every key), or a batch's list in submission order; each
 *  job's hash fields, source title and snippet count read beside it;
 *  filters by state and kind. A filtered page examines at most scan_max ids
 *  a partition and call, so a page costs the same at 100 or 100,000
 *  documents. Over P partitions the pages are merged newest first (a k-way
 *  merge by creation time) and the cursor carries every partition's place:
 *  a score and how many ids of that score were passed, so jobs submitted
 *  while a person pages (they come in above) shift nothing.
 *  SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "mem.h"
#include "store_impl.h"
#include "store_rows.h"

/* ARGV[4..10]: state kind batch k limit scan_max score -> {the place
 * after the last id examined (score, k), total, examined, {row…}, last id
 * examined, its score, 1 if nothing is left}. A row is ROW's plus its place
 * (score, k). In the jobs zset a place is a score and how many ids of that
 * score were passed (score '' = k is a rank, made a place first); in a
 * batch's list it is a position. */
static const char s_lua_page[] = STORE_LUA_ROW
    "local P, J = ARGV[1], ARGV[1]..'jobs'\n"
    "local st, kind, batch, hs = ARGV[4], ARGV[5], ARGV[6], ARGV[10]\n"
    "local k, limit, scan = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])\n"
    "local L = P..'batch:'..batch..':jobs'\n"
    "local total\n"
    "if batch ~= '' then total = redis.call('LLEN', L) else total = redis.call('ZCARD', J) end\n"
    "local rows, examined, lid, lsc, over = {}, 0, '', '0', false\n"
    "local function take(id, sc, bs, bk)\n"
    "  lid, lsc, examined = id, sc, examined + 1\n"
    "  local r = ROW(P, id, st, kind)\n"
    "  if r then r[12], r[13] = bs, bk; rows[#rows + 1] = r end\n"
    "end\n"
    "if batch ~= '' then\n"
    "  while #rows < limit and examined < scan and k < total do\n"
    "    local ids = redis.call('LRANGE', L, k, k + math.min(100, scan - examined) - 1)\n"
    "    if #ids == 0 then break end\n"
    "    for _, id in ipairs(ids) do\n"
    "      k = k + 1; take(id, '0', '', k - 1)\n"
    "      if #rows >= limit then break end\n"
    "    end\n"
    "  end\n"
    "  return {'', k, total, examined, rows, lid, lsc, k >= total and 1 or 0}\n"
    "end\n"
    "if hs == '' then\n"
    "  local e = redis.call('ZREVRANGE', J, k, k, 'WITHSCORES')\n"
    "  if #e == 0 then hs, k = '-inf', 0\n"
    "  else hs = e[2]; k = k - redis.call('ZCOUNT', J, '('..hs, '+inf') end\n"
    "end\n"
    "while #rows < limit and examined < scan and not over do\n"
    "  local n = math.min(100, scan - examined)\n"
    "  local ids = redis.call('ZREVRANGEBYSCORE', J, hs, '-inf', 'WITHSCORES', 'LIMIT', k, n)\n"
    "  over = #ids < 2 * n\n"
    "  for i = 1, #ids, 2 do\n"
    "    local bs, bk = hs, k\n"
    "    if tonumber(ids[i + 1]) == tonumber(hs) then k = k + 1 else hs, k = ids[i + 1], 1 end\n"
    "    take(ids[i], ids[i + 1], bs, bk)\n"
    "    if #rows >= limit and i + 1 < #ids then over = false; break end\n"
    "  end\n"
    "end\n"
    "return {hs, k, total, examined, rows, lid, lsc, over and 1 or 0}\n";

/* The page's parameters: what every partition's call shares. */
typedef struct {
    const store_page_opts_t *o;
    size_t limit, scan;
} s_req_t;

/* One partition's page from place at into pp. */
static int s_page_one(
    store_t *self, const s_req_t *q, const store_place_t *at, store_part_page_t *pp, err_t *err)
{
    const store_page_opts_t *o = q->o;
    store_args_t a = {0};
    store_str(&a, o->state ? o->state : "");
    store_str(&a, o->kind ? o->kind : "");
    store_str(&a, o->batch ? o->batch : "");
    store_int(&a, (int64_t)at->k);
    store_int(&a, (int64_t)q->limit);
    store_int(&a, (int64_t)q->scan);
    store_str(&a, at->score);
    store_call_t *c = store_calls_new(1);
    c[0].script = s_lua_page;
    c[0].args = a;
    int rc = store_eval_many(self, c, 1, err);
    const redisReply *r = c[0].reply;
    if (rc == 0 && !r) {
        err_set(err, c[0].err.code ? c[0].err.code : LODE_ESTORE, "%s", c[0].err.msg);
        rc = -1;
    } else if (rc == 0 && (r->type != REDIS_REPLY_ARRAY || r->elements < 8 ||
                           r->element[4]->type != REDIS_REPLY_ARRAY)) {
        err_set(err, LODE_ESTORE, "redis: unexpected reply to the library page");
        rc = -1;
    }
    if (rc == 0) {
        store_copy_field(pp->end.score, sizeof pp->end.score, r->element[0]);
        pp->end.k = (size_t)store_rows_num(r->element[1]);
        pp->total = (size_t)store_rows_num(r->element[2]);
        pp->examined = (size_t)store_rows_num(r->element[3]);
        store_copy_field(pp->last.id, sizeof pp->last.id, r->element[5]);
        pp->last.created_ms = store_rows_num(r->element[6]);
        pp->done = store_rows_num(r->element[7]) == 1;
        pp->end.over = pp->done;
        store_rows_read(r->element[4], pp, q->limit);
    }
    store_calls_free(c, 1);
    return rc;
}

/* One partition's place from a cursor's token: "-" (that partition is
 * over: a batch's walk), "N" (a position or rank), "SCORE:K". */
static const char *s_token(const char *p, store_place_t *at)
{
    memset(at, 0, sizeof *at);
    if (*p == '-' && (p[1] == '.' || !p[1]))
        return at->over = true, p + 1;
    size_t n = strspn(p, "0123456789.+-einfE");
    const char *colon = strchr(p, ':');
    if (colon && (size_t)(colon - p) < sizeof at->score && (size_t)(colon - p) <= n && colon > p) {
        memcpy(at->score, p, (size_t)(colon - p));
        char *end = NULL;
        double v = strtod(at->score, &end); /* Redis would refuse anything else */
        if (!end || *end || v != v)
            return NULL;
        p = colon + 1;
    }
    if (*p < '0' || *p > '9')
        return NULL;
    char *end = NULL;
    at->k = (size_t)strtoull(p, &end, 10);
    return end;
}

/* The cursor's places, one a partition. -1 and EINVAL if it is not one of
 * ours. */
static int s_cursor_parse(const char *cur, store_place_t *at, int parts, err_t *err)
{
    memset(at, 0, (size_t)parts * sizeof *at);
    if (!cur || !*cur)
        return 0;
    const char *p = cur;
    for (int i = 0; i < parts; i++) {
        const char *end = s_token(p, &at[i]);
        if (!end || (*end != (i + 1 < parts ? '.' : '\0'))) {
            err_set(err, LODE_EINVAL, "no such page");
            return -1;
        }
        p = end + 1;
    }
    return 0;
}

static void s_cursor_write(char *out, const store_place_t *at, int parts)
{
    size_t o = 0;
    out[0] = '\0';
    for (int i = 0; i < parts && o + 64 < STORE_CURSOR_MAX; i++) {
        const char *dot = i ? "." : "";
        int k = at[i].over       ? snprintf(out + o, 64, "%s-", dot)
                : at[i].score[0] ? snprintf(out + o, 64, "%s%s:%zu", dot, at[i].score, at[i].k)
                                 : snprintf(out + o, 64, "%s%zu", dot, at[i].k);
        o += (size_t)k;
    }
}

/* A batch's list: partition after partition (submission order within
 * each; a batch's ids are all made at once, so time cannot order them). */
static int s_batch_walk(store_t *self,
                        const s_req_t *q,
                        store_place_t *at,
                        store_row_t *rows,
                        store_page_t *page,
                        err_t *err)
{
    bool more = false;
    for (int p = 0; p < self->parts; p++) {
        if (at[p].over || at[p].score[0] || page->n >= q->limit) {
            if (at[p].score[0]) /* a place in the jobs zset: not this walk's */
                return err_set(err, LODE_EINVAL, "no such page"), -1;
            more = more || !at[p].over;
            continue;
        }
        store_at(self, p);
        store_part_page_t pp = {0};
        s_req_t one = {q->o, q->limit - page->n, q->scan};
        if (s_page_one(self, &one, &at[p], &pp, err) != 0) {
            store_part_page_free(&pp, 1);
            return -1;
        }
        memcpy(rows + page->n, pp.rows, pp.n * sizeof *rows);
        page->n += pp.n;
        page->total += pp.total;
        page->examined += pp.examined;
        at[p] = pp.end;
        more = more || !pp.done;
        store_part_page_free(&pp, 1);
    }
    if (more)
        s_cursor_write(page->next, at, self->parts);
    return 0;
}

/* Every partition from its place, merged newest first. */
static int s_merged(store_t *self,
                    const s_req_t *q,
                    store_place_t *at,
                    store_row_t *rows,
                    store_page_t *page,
                    err_t *err)
{
    int parts = self->parts;
    store_part_page_t *pp = mem_calloc((size_t)parts, sizeof *pp);
    size_t *taken = mem_calloc((size_t)parts, sizeof *taken);
    int rc = 0;
    for (int p = 0; p < parts && rc == 0; p++) {
        store_at(self, p);
        at[p].over = false;
        rc = s_page_one(self, q, &at[p], &pp[p], err);
        page->total += pp[p].total;
        page->examined += pp[p].examined;
    }
    if (rc == 0) {
        bool cut = false;
        page->n = store_rows_merge(pp, (size_t)parts, false, rows, q->limit, taken, &cut);
        for (int p = 0; p < parts; p++) {
            at[p] = taken[p] < pp[p].n ? pp[p].at[taken[p]] : pp[p].end;
            at[p].over = false;
        }
        if (cut)
            s_cursor_write(page->next, at, parts);
    }
    store_part_page_free(pp, (size_t)parts);
    free(pp);
    free(taken);
    return rc;
}

int store_library_page(
    store_t *self, const store_page_opts_t *o, store_row_t *rows, store_page_t *page, err_t *err)
{
    memset(page, 0, sizeof *page);
    if (o->batch && o->batch[0] && store_valid_id(o->batch, err) != 0)
        return -1;
    if (o->search)
        return store_search_page(self, o, rows, page, err);
    s_req_t q = {o, o->limit ? o->limit : 50, o->scan_max ? o->scan_max : 2000};
    store_place_t *at = mem_calloc((size_t)self->parts, sizeof *at);
    int rc = s_cursor_parse(o->cursor, at, self->parts, err);
    if (rc == 0 && o->batch && o->batch[0])
        rc = s_batch_walk(self, &q, at, rows, page, err);
    else if (rc == 0)
        rc = s_merged(self, &q, at, rows, page, err);
    free(at);
    return rc;
}
