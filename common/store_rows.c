/*  store_rows.c - reading library rows out of a script's reply and merging
 *  P partitions' newest-first pages into one (store_rows.h).
 *  SPDX-License-Identifier: MIT
 */
#include "store_rows.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "store_impl.h"

int64_t store_rows_num(const redisReply *r)
{
    if (r->type == REDIS_REPLY_INTEGER)
        return (int64_t)r->integer;
    return r->type == REDIS_REPLY_STRING ? (int64_t)strtoll(r->str, NULL, 10) : 0;
}

/* One row; false if the reply is not one. */
static bool s_row(const redisReply *r, store_row_t *out, store_place_t *at)
{
    memset(out, 0, sizeof *out);
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 11)
        return false;
    for (size_t i = 0; i < r->elements; i++) {
        if (r->element[i]->type != REDIS_REPLY_STRING && r->element[i]->type != REDIS_REPLY_INTEGER)
            return false;
    }
    store_copy_field(out->id, sizeof out->id, r->element[0]);
    store_copy_field(out->state, sizeof out->state, r->element[1]);
    store_copy_field(out->stage, sizeof out->stage, r->element[2]);
    store_copy_field(out->kind, sizeof out->kind, r->element[3]);
    store_copy_field(out->batch, sizeof out->batch, r->element[4]);
    out->created_ms = store_rows_num(r->element[5]);
    store_copy_field(out->url, sizeof out->url, r->element[6]);
    store_copy_field(out->name, sizeof out->name, r->element[7]);
    out->curated_version = store_rows_num(r->element[8]);
    store_copy_field(out->title, sizeof out->title, r->element[9]);
    out->snippets = store_rows_num(r->element[10]);
    memset(at, 0, sizeof *at);
    if (r->elements > 12) {
        store_copy_field(at->score, sizeof at->score, r->element[11]);
        at->k = (size_t)store_rows_num(r->element[12]);
    }
    return out->id[0] != '\0';
}

void store_rows_read(const redisReply *list, store_part_page_t *pp, size_t max)
{
    size_t n = list->elements < max ? list->elements : max;
    pp->rows = mem_calloc(n ? n : 1, sizeof *pp->rows);
    pp->at = mem_calloc(n ? n : 1, sizeof *pp->at);
    pp->n = 0;
    for (size_t i = 0; i < n; i++)
        if (s_row(list->element[i], &pp->rows[pp->n], &pp->at[pp->n]))
            pp->n++;
}

void store_part_page_free(store_part_page_t *pp, size_t n)
{
    for (size_t i = 0; pp && i < n; i++) {
        free(pp[i].rows);
        free(pp[i].at);
        pp[i].rows = NULL;
        pp[i].at = NULL;
    }
}

/* > 0 if a is newer than b: by creation time then id, or by id alone
 * (ids are ULIDs: their first characters are the time they were made). */
static int s_newer(const store_row_t *a, const store_row_t *b, bool by_id)
{
    if (!by_id && a->created_ms != b->created_ms)
        return a->created_ms > b->created_ms ? 1 : -1;
    return strcmp(a->id, b->id);
}

size_t store_rows_merge(store_part_page_t *pp,
                        size_t n,
                        bool by_id,
                        store_row_t *rows,
                        size_t limit,
                        size_t *taken,
                        bool *cut)
{
    /* The bound: the newest frontier of a partition not yet over. Past it
     * that partition may hold ids it has not looked at. */
    const store_row_t *bound = NULL;
    for (size_t p = 0; p < n; p++) {
        taken[p] = 0;
        if (!pp[p].done && pp[p].last.id[0] && (!bound || s_newer(&pp[p].last, bound, by_id) > 0))
            bound = &pp[p].last;
    }
    size_t k = 0;
    while (k < limit) {
        size_t best = n;
        for (size_t p = 0; p < n; p++)
            if (taken[p] < pp[p].n &&
                (best == n ||
                 s_newer(&pp[p].rows[taken[p]], &pp[best].rows[taken[best]], by_id) > 0))
                best = p;
        if (best == n || (bound && s_newer(&pp[best].rows[taken[best]], bound, by_id) < 0))
            break;
        rows[k++] = pp[best].rows[taken[best]++];
    }
    *cut = bound != NULL;
    for (size_t p = 0; p < n; p++)
        *cut = *cut || taken[p] < pp[p].n;
    return k;
}
