/*  store_library.c - one page of the workbench's library: ids newest first
 *  from each partition's jobs zset (ZREVRANGE from that partition's place,
 *  never every key), or a batch's list in submission order; each job's
 *  hash fields, source title and snippet count read beside it; filters by
 *  state and kind. A filtered page examines at most scan_max ids a
 *  partition and call, so a page costs the same at 100 or 100,000
 *  documents. Over P partitions the pages are merged newest first (a k-way
 *  merge by creation time) and the cursor carries every partition's place.
 *  SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "mem.h"
#include "store_impl.h"
#include "store_rows.h"

/* ARGV[4..9]: state kind batch pos limit scan_max -> {next position, total,
 * examined, {row…}, last id examined, its score}; a row is ROW's plus its
 * position. */
static const char s_lua_page[] = STORE_LUA_ROW
    "local P = ARGV[1]\n"
    "local st, kind, batch = ARGV[4], ARGV[5], ARGV[6]\n"
    "local pos, limit, scan = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])\n"
    "local L = P..'batch:'..batch..':jobs'\n"
    "local total\n"
    "if batch ~= '' then total = redis.call('LLEN', L) else total = redis.call('ZCARD', P..'jobs') "
    "end\n"
    "local rows, examined, lid, lsc = {}, 0, '', '0'\n"
    "while #rows < limit and examined < scan and pos < total do\n"
    "  local n, ids, step = math.min(100, scan - examined), nil, 2\n"
    "  if batch ~= '' then ids, step = redis.call('LRANGE', L, pos, pos + n - 1), 1\n"
    "  else ids = redis.call('ZREVRANGE', P..'jobs', pos, pos + n - 1, 'WITHSCORES') end\n"
    "  if #ids == 0 then break end\n"
    "  for i = 1, #ids, step do\n"
    "    lid, lsc = ids[i], ids[i + 1] or '0'\n"
    "    local r = ROW(P, lid, st, kind)\n"
    "    if r then r[12] = pos; rows[#rows + 1] = r end\n"
    "    pos, examined = pos + 1, examined + 1\n"
    "    if #rows >= limit then break end\n"
    "  end\n"
    "end\n"
    "return {pos, total, examined, rows, lid, lsc}\n";

/* The page's parameters: what every partition's call shares. */
typedef struct {
    const store_page_opts_t *o;
    size_t limit, scan;
} s_req_t;

/* One partition's page from pos into pp. */
static int
s_page_one(store_t *self, const s_req_t *q, size_t pos, store_part_page_t *pp, err_t *err)
{
    const store_page_opts_t *o = q->o;
    store_args_t a = {0};
    store_str(&a, o->state ? o->state : "");
    store_str(&a, o->kind ? o->kind : "");
    store_str(&a, o->batch ? o->batch : "");
    store_int(&a, (int64_t)pos);
    store_int(&a, (int64_t)q->limit);
    store_int(&a, (int64_t)q->scan);
    store_call_t *c = store_calls_new(1);
    c[0].script = s_lua_page;
    c[0].args = a;
    int rc = store_eval_many(self, c, 1, err);
    const redisReply *r = c[0].reply;
    if (rc == 0 && !r) {
        err_set(err, c[0].err.code ? c[0].err.code : LODE_ESTORE, "%s", c[0].err.msg);
        rc = -1;
    } else if (rc == 0 && (r->type != REDIS_REPLY_ARRAY || r->elements < 6 ||
                           r->element[3]->type != REDIS_REPLY_ARRAY)) {
        err_set(err, LODE_ESTORE, "redis: unexpected reply to the library page");
        rc = -1;
    }
    if (rc == 0) {
        pp->end = (size_t)store_rows_num(r->element[0]);
        pp->total = (size_t)store_rows_num(r->element[1]);
        pp->examined = (size_t)store_rows_num(r->element[2]);
        pp->done = pp->end >= pp->total;
        store_copy_field(pp->last.id, sizeof pp->last.id, r->element[4]);
        pp->last.created_ms = store_rows_num(r->element[5]);
        store_rows_read(r->element[3], pp, q->limit);
    }
    store_calls_free(c, 1);
    return rc;
}

/* The cursor's places, one a partition ("-": that partition is over, for a
 * batch's walk). -1 and EINVAL if it is not one of ours. */
static int s_cursor_parse(const char *cur, size_t *pos, bool *over, int parts, err_t *err)
{
    memset(pos, 0, (size_t)parts * sizeof *pos);
    memset(over, 0, (size_t)parts * sizeof *over);
    if (!cur || !*cur)
        return 0;
    const char *p = cur;
    for (int i = 0; i < parts; i++) {
        char *end = NULL;
        if (*p == '-')
            over[i] = true, end = (char *)p + 1;
        else if (*p >= '0' && *p <= '9')
            pos[i] = (size_t)strtoull(p, &end, 10);
        if (!end || (*end != (i + 1 < parts ? '.' : '\0'))) {
            err_set(err, LODE_EINVAL, "no such page");
            return -1;
        }
        p = end + 1;
    }
    return 0;
}

static void s_cursor_write(char *out, const size_t *pos, const bool *over, int parts)
{
    size_t o = 0;
    out[0] = '\0';
    for (int i = 0; i < parts && o + 24 < STORE_CURSOR_MAX; i++) {
        int k = over[i] ? snprintf(out + o, 24, "%s-", i ? "." : "")
                        : snprintf(out + o, 24, "%s%zu", i ? "." : "", pos[i]);
        o += (size_t)k;
    }
}

/* A batch's list: partition after partition (submission order within
 * each; a batch's ids are all made at once, so time cannot order them). */
static int s_batch_walk(store_t *self,
                        const s_req_t *q,
                        size_t *pos,
                        bool *over,
                        store_row_t *rows,
                        store_page_t *page,
                        err_t *err)
{
    bool more = false;
    for (int p = 0; p < self->parts; p++) {
        if (over[p] || page->n >= q->limit) {
            more = more || !over[p];
            continue;
        }
        store_at(self, p);
        store_part_page_t pp = {0};
        s_req_t one = {q->o, q->limit - page->n, q->scan};
        if (s_page_one(self, &one, pos[p], &pp, err) != 0) {
            store_part_page_free(&pp, 1);
            return -1;
        }
        memcpy(rows + page->n, pp.rows, pp.n * sizeof *rows);
        page->n += pp.n;
        page->total += pp.total;
        page->examined += pp.examined;
        pos[p] = pp.end;
        over[p] = pp.done;
        more = more || !pp.done;
        store_part_page_free(&pp, 1);
    }
    if (more)
        s_cursor_write(page->next, pos, over, self->parts);
    return 0;
}

/* Every partition from its place, merged newest first. */
static int s_merged(store_t *self,
                    const s_req_t *q,
                    size_t *pos,
                    bool *over,
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
        rc = s_page_one(self, q, pos[p], &pp[p], err);
        page->total += pp[p].total;
        page->examined += pp[p].examined;
    }
    if (rc == 0) {
        bool cut = false;
        page->n = store_rows_merge(pp, (size_t)parts, false, rows, q->limit, taken, &cut);
        for (int p = 0; p < parts; p++)
            pos[p] = taken[p] < pp[p].n ? pp[p].pos[taken[p]] : pp[p].end;
        if (cut)
            s_cursor_write(page->next, pos, over, parts);
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
    size_t *pos = mem_calloc((size_t)self->parts, sizeof *pos);
    bool *over = mem_calloc((size_t)self->parts, sizeof *over);
    int rc = s_cursor_parse(o->cursor, pos, over, self->parts, err);
    if (rc == 0 && o->batch && o->batch[0])
        rc = s_batch_walk(self, &q, pos, over, rows, page, err);
    else if (rc == 0)
        rc = s_merged(self, &q, pos, over, rows, page, err);
    free(pos);
    free(over);
    return rc;
}
