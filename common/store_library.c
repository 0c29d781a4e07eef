/*  store_library.c - one page of the workbench's library in one script:
 *  ids newest first from the P jobs zset (ZREVRANGE from a cursor, never
 *  every key), or a batch's list in submission order; each job's hash
 *  fields, source title and snippet count read beside it; filters by state
 *  and kind and a plain-text search over titles, quotes, commentary and the
 *  curation layer. A filtered page examines at most scan_max ids a call and
 *  hands back a cursor, so a search never blocks Redis for long and a page
 *  costs the same at 100 or 100,000 documents.
 *  SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "store_impl.h"

/* ARGV[4..10]: state kind batch query(lowercase) cursor limit scan_max
 * -> {next position, total, examined, {row…}}; a row is {id, state, stage,
 * kind, batch, created_ms, url, name, curated_version, title, snippets}. */
static const char s_lua_page[] =
    "local P = ARGV[1]\n"
    "local st, kind, batch, q = ARGV[4], ARGV[5], ARGV[6], ARGV[7]\n"
    "local pos, limit, scan = tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])\n"
    "local total\n"
    "if batch ~= '' then total = redis.call('LLEN', P..'batch:'..batch..':jobs')\n"
    "else total = redis.call('ZCARD', P..'jobs') end\n"
    "local rows, examined = {}, 0\n"
    "local function count(s)\n"
    "  local n, i = 0, 1\n"
    "  while s do\n"
    "    local a = string.find(s, '\"quote\":', i, true)\n"
    "    if not a then break end\n"
    "    n, i = n + 1, a + 8\n"
    "  end\n"
    "  return n\n"
    "end\n"
    "local function has(s) return s and string.find(string.lower(s), q, 1, true) end\n"
    "local function row(id)\n"
    "  local k = P..'job:'..id\n"
    "  local h = redis.call('HMGET', k, 'state', 'stage', 'kind', 'batch', 'created_ms',\n"
    "                       'url', 'name', 'curated_version')\n"
    "  if (st ~= '' and h[1] ~= st) or (kind ~= '' and h[3] ~= kind) then return nil end\n"
    "  local title = ''\n"
    "  for _, part in ipairs({':source', ':synthesis'}) do\n"
    "    local v = title == '' and redis.call('GET', k..part)\n"
    "    if v then\n"
    "      local ok, s = pcall(cjson.decode, v)\n"
    "      if ok and type(s) == 'table' and type(s.title) == 'string' then title = s.title end\n"
    "    end\n"
    "  end\n"
    "  local sn = redis.call('GET', k..':snippets')\n"
    "  if q ~= '' and not (has(title) or has(h[6]) or has(sn) or\n"
    "                      has(redis.call('GET', k..':curated'))) then return nil end\n"
    "  return {id, h[1] or '', h[2] or '', h[3] or '', h[4] or '', h[5] or '0', h[6] or '',\n"
    "          h[7] or '', h[8] or '0', title, count(sn or false)}\n"
    "end\n"
    "while #rows < limit and examined < scan and pos < total do\n"
    "  local n = math.min(100, scan - examined)\n"
    "  local ids\n"
    "  if batch ~= '' then ids = redis.call('LRANGE', P..'batch:'..batch..':jobs', pos, pos + n - "
    "1)\n"
    "  else ids = redis.call('ZREVRANGE', P..'jobs', pos, pos + n - 1) end\n"
    "  if #ids == 0 then break end\n"
    "  for _, id in ipairs(ids) do\n"
    "    pos, examined = pos + 1, examined + 1\n"
    "    local r = row(id)\n"
    "    if r then rows[#rows + 1] = r end\n"
    "    if #rows >= limit then break end\n"
    "  end\n"
    "end\n"
    "return {pos, total, examined, rows}\n";

static int64_t s_num(const redisReply *r)
{
    if (r->type == REDIS_REPLY_INTEGER)
        return (int64_t)r->integer;
    return r->type == REDIS_REPLY_STRING ? (int64_t)strtoll(r->str, NULL, 10) : 0;
}

static void s_row(const redisReply *r, store_row_t *out)
{
    memset(out, 0, sizeof *out);
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 11)
        return;
    for (size_t i = 0; i < 11; i++) {
        if (r->element[i]->type != REDIS_REPLY_STRING && r->element[i]->type != REDIS_REPLY_INTEGER)
            return;
    }
    store_copy_field(out->id, sizeof out->id, r->element[0]);
    store_copy_field(out->state, sizeof out->state, r->element[1]);
    store_copy_field(out->stage, sizeof out->stage, r->element[2]);
    store_copy_field(out->kind, sizeof out->kind, r->element[3]);
    store_copy_field(out->batch, sizeof out->batch, r->element[4]);
    out->created_ms = s_num(r->element[5]);
    store_copy_field(out->url, sizeof out->url, r->element[6]);
    store_copy_field(out->name, sizeof out->name, r->element[7]);
    out->curated_version = s_num(r->element[8]);
    store_copy_field(out->title, sizeof out->title, r->element[9]);
    out->snippets = s_num(r->element[10]);
}

static int
s_reply(const redisReply *r, store_page_t *page, store_row_t *rows, size_t max, err_t *err)
{
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 4 ||
        r->element[3]->type != REDIS_REPLY_ARRAY) {
        err_set(err, LODE_ESTORE, "redis: unexpected reply to the library page");
        return -1;
    }
    page->total = (size_t)s_num(r->element[1]);
    size_t pos = (size_t)s_num(r->element[0]);
    page->next = pos < page->total ? pos : 0;
    page->examined = (size_t)s_num(r->element[2]);
    const redisReply *list = r->element[3];
    page->n = 0;
    for (size_t i = 0; i < list->elements && page->n < max; i++) {
        s_row(list->element[i], &rows[page->n]);
        if (rows[page->n].id[0])
            page->n++;
    }
    return 0;
}

/* One partition's page from pos. */
static int s_page_one(store_t *self,
                      const store_page_opts_t *o,
                      size_t pos,
                      store_row_t *rows,
                      store_page_t *page,
                      err_t *err)
{
    store_args_t a = {0};
    store_str(&a, o->state ? o->state : "");
    store_str(&a, o->kind ? o->kind : "");
    store_str(&a, o->batch ? o->batch : "");
    store_str(&a, o->query ? o->query : "");
    store_int(&a, (int64_t)pos);
    store_int(&a, (int64_t)(o->limit ? o->limit : 50));
    store_int(&a, (int64_t)(o->scan_max ? o->scan_max : 2000));
    store_call_t *c = store_calls_new(1);
    c[0].script = s_lua_page;
    c[0].args = a;
    int rc = store_eval_many(self, c, 1, err);
    if (rc == 0 && !c[0].reply) {
        err_set(err, c[0].err.code ? c[0].err.code : LODE_ESTORE, "%s", c[0].err.msg);
        rc = -1;
    }
    if (rc == 0)
        rc = s_reply(c[0].reply, page, rows, o->limit ? o->limit : 50, err);
    store_calls_free(c, 1);
    return rc;
}

/* A partitioned store pages partition by partition (newest first within
 * each): the cursor carries the partition, a page never spans two. */
int store_library_page(
    store_t *self, const store_page_opts_t *o, store_row_t *rows, store_page_t *page, err_t *err)
{
    memset(page, 0, sizeof *page);
    if (o->batch && o->batch[0] && store_valid_id(o->batch, err) != 0)
        return -1;
    int part = (int)(o->cursor >> STORE_CURSOR_PART_SHIFT);
    if (part >= self->parts) {
        err_set(err, LODE_EINVAL, "no such page");
        return -1;
    }
    store_at(self, part);
    if (s_page_one(self, o, o->cursor & STORE_CURSOR_POS_MASK, rows, page, err) != 0)
        return -1;
    if (page->next)
        page->next |= (size_t)part << STORE_CURSOR_PART_SHIFT;
    else if (part + 1 < self->parts)
        page->next = (size_t)(part + 1) << STORE_CURSOR_PART_SHIFT;
    return 0;
}
