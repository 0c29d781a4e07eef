/*  store_rows.h - what the library page (store_library.c) and the search
 *  (store_search.c) share: the Lua that reads one row of the library, its
 *  reader, and the merge of P partitions' newest-first pages into one.
 *  Private to those two files.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_STORE_ROWS_H
#define LODE_STORE_ROWS_H
#include <stdbool.h>
#include <stddef.h>

#include <hiredis/hiredis.h>

#include "store.h"

/* Lua: ROW(P, id, st, kind) -> {id, state, stage, kind, batch, created_ms,
 * url, name, curated_version, title, snippets}, or nil when filtered out,
 * or nil, true when the job is gone. The title and snippet count come from
 * the search index once the job is indexed (the indexer reads parts that
 * are zstd-compressed, which Lua cannot), else from the parts themselves. */
#define STORE_LUA_ROW                                                                              \
    "local function COUNT(s)\n"                                                                    \
    "  local n, i = 0, 1\n"                                                                        \
    "  while s do\n"                                                                               \
    "    local a = string.find(s, '\"quote\":', i, true)\n"                                        \
    "    if not a then break end\n"                                                                \
    "    n, i = n + 1, a + 8\n"                                                                    \
    "  end\n"                                                                                      \
    "  return n\n"                                                                                 \
    "end\n"                                                                                        \
    "local function ROW(P, id, st, kind)\n"                                                        \
    "  local k = P..'job:'..id\n"                                                                  \
    "  local h = redis.call('HMGET', k, 'state', 'stage', 'kind', 'batch', 'created_ms',\n"        \
    "                       'url', 'name', 'curated_version')\n"                                   \
    "  if not h[1] then return nil, true end\n"                                                    \
    "  if (st ~= '' and h[1] ~= st) or (kind ~= '' and h[3] ~= kind) then return nil end\n"        \
    "  local m = redis.call('HMGET', P..'ix:doc:'..id, 'title', 'snippets')\n"                     \
    "  if m[2] then\n"                                                                             \
    "    return {id, h[1] or '', h[2] or '', h[3] or '', h[4] or '', h[5] or '0', h[6] or '',\n"   \
    "            h[7] or '', h[8] or '0', m[1] or '', tonumber(m[2]) or 0}\n"                      \
    "  end\n"                                                                                      \
    "  local title = ''\n"                                                                         \
    "  for _, part in ipairs({':source', ':synthesis'}) do\n"                                      \
    "    local v = title == '' and redis.call('GET', k..part)\n"                                   \
    "    if v then\n"                                                                              \
    "      local ok, s = pcall(cjson.decode, v)\n"                                                 \
    "      if ok and type(s) == 'table' and type(s.title) == 'string' then title = s.title end\n"  \
    "    end\n"                                                                                    \
    "  end\n"                                                                                      \
    "  local sn = redis.call('GET', k..':snippets')\n"                                             \
    "  return {id, h[1] or '', h[2] or '', h[3] or '', h[4] or '', h[5] or '0', h[6] or '',\n"     \
    "          h[7] or '', h[8] or '0', title, COUNT(sn or false)}\n"                              \
    "end\n"

/* A place in one partition's list: for the jobs zset the score reached
 * and how many ids of that score were passed (new jobs, which come in
 * above, move nothing); for a batch's list a position. */
typedef struct {
    char score[32]; /* "" = k is a position (a batch's list, or a rank to start from) */
    size_t k;
    bool over; /* a batch's walk: this partition is done */
} store_place_t;

/* One partition's part of a page. */
typedef struct {
    store_row_t *rows; /* owned, newest first */
    store_place_t *at; /* each row's place (the library) */
    size_t n;
    store_place_t end; /* the place after the last id examined */
    size_t total;      /* ids in the list */
    size_t examined;
    bool done;        /* nothing left after end */
    store_row_t last; /* the last id examined (id, created_ms): the frontier */
} store_part_page_t;

/* An integer or numeric string reply as a number (0 otherwise). */
int64_t store_rows_num(const redisReply *r);

/* Read the rows of reply list into pp (room for max; a row may carry its
 * place as elements 12 and 13: score or "", k). */
void store_rows_read(const redisReply *list, store_part_page_t *pp, size_t max);

void store_part_page_free(store_part_page_t *pp, size_t n);

/* Merge pp[0..n) newest first into rows (room for limit): by created_ms
 * then id (library), or by id alone (by_id, search). Only rows not older
 * than every unfinished partition's frontier are taken, so a later page
 * never has to go back. taken[p] gets how many of pp[p]'s rows were used;
 * *cut is true if rows or frontiers remain. Returns the rows filled. */
size_t store_rows_merge(store_part_page_t *pp,
                        size_t n,
                        bool by_id,
                        store_row_t *rows,
                        size_t limit,
                        size_t *taken,
                        bool *cut);

/* The search's page (store_search.c), for store_library_page. */
int store_search_page(
    store_t *self, const store_page_opts_t *o, store_row_t *rows, store_page_t *page, err_t *err);
#endif
