/*  chunk.c - token counts and chunk plans (see chunk.h).
 *  SPDX-License-Identifier: MIT
 */
#include "chunk.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "sentence.h"
#include "utf8.h"

/* Counts that give a token estimate: sums and differences stay exact. */
typedef struct {
    size_t ascii, other, wide;
} s_count_t;

static bool s_is_wide(uint32_t cp)
{
    return (cp >= 0x1100 && cp <= 0x11ff) || (cp >= 0x2e80 && cp <= 0x9fff) ||
           (cp >= 0xac00 && cp <= 0xd7af) || (cp >= 0xf900 && cp <= 0xfaff) ||
           (cp >= 0xff00 && cp <= 0xffef) || (cp >= 0x20000 && cp <= 0x3ffff);
}

static void s_count(const char *s, size_t len, s_count_t *c)
{
    size_t off = 0;
    while (off < len) {
        if ((unsigned char)s[off] < 0x80) {
            c->ascii++;
            off++;
            continue;
        }
        uint32_t cp;
        off += utf8_decode(s + off, len - off, &cp);
        if (s_is_wide(cp))
            c->wide++;
        else
            c->other++;
    }
}

static size_t s_tokens(const s_count_t *c)
{
    return (c->ascii + 2) / 3 + c->other + (c->wide * 3 + 1) / 2;
}

size_t chunk_tokens(const char *s, size_t len)
{
    s_count_t c = {0};
    if (s)
        s_count(s, len, &c);
    return s_tokens(&c);
}

static s_count_t s_diff(const s_count_t *a, const s_count_t *b)
{
    return (s_count_t){a->ascii - b->ascii, a->other - b->other, a->wide - b->wide};
}

/* Cumulative counts at each sentence's start (cs) and end (ce). */
static void s_prefix(const transcript_t *t, const sentence_list_t *l, s_count_t *cs, s_count_t *ce)
{
    s_count_t c = {0};
    size_t at = 0;
    for (size_t i = 0; i < l->count; i++) {
        const sentence_t *s = &l->items[i];
        s_count(t->text + at, s->offset - at, &c);
        cs[i] = c;
        s_count(t->text + s->offset, s->length, &c);
        ce[i] = c;
        at = s->offset + s->length;
    }
}

static size_t s_span_tokens(const s_count_t *cs, const s_count_t *ce, size_t i, size_t j)
{
    s_count_t d = s_diff(&ce[j], &cs[i]);
    return s_tokens(&d);
}

/* Greedy chunks from sentence 0; overlap by backing up whole sentences. */
static size_t s_plan(const sentence_list_t *l,
                     const s_count_t *cs,
                     const s_count_t *ce,
                     size_t budget,
                     size_t overlap,
                     chunk_t *out)
{
    size_t n = 0, i = 0;
    while (i < l->count) {
        size_t j = i;
        while (j + 1 < l->count && s_span_tokens(cs, ce, i, j + 1) <= budget)
            j++;
        const sentence_t *a = &l->items[i], *b = &l->items[j];
        out[n++] = (chunk_t){a->offset, b->offset + b->length - a->offset,
                             s_span_tokens(cs, ce, i, j), i, j - i + 1};
        if (j + 1 >= l->count)
            break;
        size_t k = j + 1; /* next start: back up while the overlap fits */
        while (k - 1 > i && s_span_tokens(cs, ce, k - 1, j) <= overlap)
            k--;
        i = k;
    }
    return n;
}

int chunk_plan(const transcript_t *t, const chunk_budget_t *b, chunk_t **out, size_t *n, err_t *err)
{
    if (!t || !b || !out || !n) {
        err_set(err, LODE_EINVAL, "chunk_plan: NULL argument");
        return -1;
    }
    *out = NULL;
    *n = 0;
    size_t context_tokens = b->context_tokens, reserve_tokens = b->reserve_tokens;
    size_t budget = context_tokens > reserve_tokens ? context_tokens - reserve_tokens : 0;
    if (budget < CHUNK_MIN_BUDGET) {
        err_set(err, LODE_EINVAL,
                "context window of %zu tokens leaves %zu for the source after %zu reserved "
                "(need %d)",
                context_tokens, budget, reserve_tokens, CHUNK_MIN_BUDGET);
        return -1;
    }
    /* A sentence holds at most budget/2 tokens (a token is at least a byte
     * in the estimate), so every chunk holds a whole sentence. */
    sentence_opts_t so = {.max_bytes = budget / 2 < 600 ? budget / 2 : 600};
    sentence_list_t l;
    if (sentence_split(t->text, t->len, &so, &l, err) != 0)
        return -1;
    if (l.count == 0) {
        sentence_list_clear(&l);
        err_set(err, LODE_EEMPTY, "empty transcript");
        return -1;
    }
    s_count_t *cs = mem_alloc(l.count * sizeof(*cs)), *ce = mem_alloc(l.count * sizeof(*ce));
    s_prefix(t, &l, cs, ce);
    *out = mem_alloc(l.count * sizeof(chunk_t));
    size_t overlap = b->overlap_tokens < budget / 2 ? b->overlap_tokens : budget / 2;
    *n = s_plan(&l, cs, ce, budget, overlap, *out);
    free(cs);
    free(ce);
    sentence_list_clear(&l);
    return 0;
}
