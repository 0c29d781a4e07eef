/*  llmstage_reduce.c - what a stage's answers become: verified quotes
 *  picked and spread over the chunks, a synthesis assembled, fan-out lists
 *  merged; and the snippets guard every engine passes. No requests (those
 *  are llmstage.c's). No I/O.
 *  SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "buf.h"
#include "llmstage_impl.h"
#include "mem.h"

#define S_MAX_QUESTIONS  20
#define S_MAX_CONCEPTS   20
#define S_MAX_REFERENCES 40

/* --- reduce -------------------------------------------------------------- */

/* A snippet item's span fields: quote (the exact source bytes), offset and
 * length in code points, start_ms when timed, speaker when named, match,
 * snap_score; and proposed_quote, the model's own wording (proposed, may be
 * NULL), when it is not the source's byte for byte, so a reader can see
 * what was proposed beside what the source says (issue #13). */
static void
s_set_span(json_t *o, const transcript_t *t, const quote_match_t *m, const char *proposed)
{
    if (proposed && m->kind != QUOTE_EXACT &&
        (strlen(proposed) != m->length || memcmp(proposed, t->text + m->offset, m->length) != 0))
        json_object_set_new(o, "proposed_quote", json_string(proposed)); /* before quote changes */
    size_t cp = transcript_cp(t, m->offset);
    size_t cp_len = transcript_cp(t, m->offset + m->length) - cp;
    json_object_set_new(o, "quote", json_stringn(t->text + m->offset, m->length));
    json_object_set_new(o, "offset", json_integer((json_int_t)cp));
    json_object_set_new(o, "length", json_integer((json_int_t)cp_len));
    if (m->start_ms >= 0)
        json_object_set_new(o, "start_ms", json_integer(m->start_ms));
    else
        json_object_del(o, "start_ms");
    const char *who = transcript_speaker_at(t, m->offset);
    if (who) /* the source names its speakers: say who said it */
        json_object_set_new(o, "speaker", json_string(who));
    else
        json_object_del(o, "speaker");
    json_object_set_new(o, "match", json_string(quote_kind_name(m->kind)));
    if (m->kind == QUOTE_SNAPPED)
        json_object_set_new(o, "snap_score", json_real(m->score));
    else
        json_object_del(o, "snap_score");
}

static bool s_overlaps(const llmstage_cand_t *a, const llmstage_cand_t *b)
{
    return a->offset < b->offset + b->length && b->offset < a->offset + a->length;
}

static int s_by_offset(const void *x, const void *y)
{
    const llmstage_cand_t *a = *(llmstage_cand_t *const *)x, *b = *(llmstage_cand_t *const *)y;
    return (a->offset > b->offset) - (a->offset < b->offset);
}

/* Pick up to max_snippets: each chunk's best first, in turns, so every part
 * of the source is represented; a span overlapping one already picked is a
 * duplicate (chunks overlap) and dropped. *n gets the count; the picks are
 * in the order they were picked. */
static llmstage_cand_t **s_pick(llmstage_t *self, size_t *n)
{
    llmstage_cand_t **pick = mem_calloc(self->max_snippets + 1, sizeof *pick);
    size_t max_rank = 0;
    for (size_t i = 0; i < self->n_cands; i++)
        if (self->cands[i].rank + 1 > max_rank)
            max_rank = self->cands[i].rank + 1;
    *n = 0;
    for (size_t r = 0; r < max_rank && *n < self->max_snippets; r++) {
        for (size_t i = 0; i < self->n_cands && *n < self->max_snippets; i++) {
            llmstage_cand_t *c = &self->cands[i];
            bool dup = false;
            for (size_t k = 0; k < *n && !dup; k++)
                dup = s_overlaps(c, pick[k]);
            if (c->rank == r && !dup)
                pick[(*n)++] = c;
        }
    }
    return pick;
}

char *llmstage_snippets_result(llmstage_t *self)
{
    size_t n;
    llmstage_cand_t **pick = s_pick(self, &n);
    for (size_t i = 0; i < n; i++)
        pick[i]->rank = i; /* the pick order is the rank: 0 = best */
    qsort(pick, n, sizeof *pick, s_by_offset);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        const llmstage_cand_t *c = pick[i];
        quote_match_t m = {c->kind, c->offset, c->length, c->start_ms, c->snap_score};
        json_t *o = json_object();
        json_object_set_new(o, "id", json_integer((json_int_t)i + 1));
        s_set_span(o, self->t, &m, c->proposed);
        json_object_set_new(o, "commentary", json_string(c->commentary ? c->commentary : ""));
        json_object_set_new(o, "rank", json_integer((json_int_t)c->rank + 1));
        json_object_set_new(o, "score", json_real((double)(n - c->rank) / (double)n));
        json_array_append_new(arr, o);
        self->n_kind[c->kind]++;
    }
    free(pick);
    char *out = json_dumps(arr, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(arr);
    return out;
}

/* md without a first line that repeats its section's heading ("## h"). */
static const char *s_skip_repeated_heading(const char *md, const char *h)
{
    const char *p = md;
    while (*p == '#')
        p++;
    if (p == md || *p != ' ')
        return md;
    size_t hl = strlen(h);
    if (strncmp(p + 1, h, hl) != 0 || (p[1 + hl] != '\n' && p[1 + hl] != '\0'))
        return md;
    for (p += 1 + hl; *p == '\n'; p++)
        ;
    return p;
}

char *llmstage_synthesis_result(llmstage_t *self, json_t *v)
{
    buf_t b;
    buf_init(&b, LLMSTAGE_RENDER_MAX);
    err_t e = {0};
    const char *title = json_string_value(json_object_get(v, "title"));
    if (!*title)
        title = self->title ? self->title : "Synthesis";
    int rc = buf_printf(&b, &e, "# %s\n", title);
    size_t i;
    json_t *sec;
    json_array_foreach(json_object_get(v, "sections"), i, sec)
    {
        const char *h = json_string_value(json_object_get(sec, "heading"));
        const char *md = json_string_value(json_object_get(sec, "markdown"));
        if (*h) {
            rc |= buf_printf(&b, &e, "\n## %s\n", h);
            md = s_skip_repeated_heading(md, h);
        }
        if (*md)
            rc |= buf_printf(&b, &e, "\n%s\n", md);
    }
    (void)rc; /* bounded by the answer's size */
    char *raw = buf_steal(&b);
    char *md = llmstage_guard_essay(self->t, raw, &self->n_essay_quotes, &self->n_essay_unquoted);
    free(raw);
    json_t *o = json_pack("{s:s,s:s}", "title", title, "markdown", md);
    free(md);
    char *out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return out;
}

/* The key two list items are the same under: case folded, marks stripped,
 * white space collapsed, trailing punctuation dropped; for references only
 * the name before " - ". */
static char *s_dedupe_key(const char *s, bool reference)
{
    utf8proc_uint8_t *f = NULL;
    if (utf8proc_map((const utf8proc_uint8_t *)s, 0, &f,
                     UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD |
                         UTF8PROC_STRIPMARK) < 0)
        f = (utf8proc_uint8_t *)mem_strdup(s);
    char *k = (char *)f, *w = k;
    if (reference) {
        char *dash = strstr(k, " - ");
        if (dash)
            *dash = '\0';
    }
    for (char *r = k; *r; r++) {
        if (isspace((unsigned char)*r)) {
            if (w > k && w[-1] != ' ')
                *w++ = ' ';
        } else {
            *w++ = *r;
        }
    }
    while (w > k && strchr(" .?!;:", w[-1]))
        w--;
    *w = '\0';
    return k;
}

/* Merge list key of every chunk's answer: in turns (each chunk's first,
 * then each one's second…), duplicates dropped, up to max. */
static json_t *s_merge_list(const llmstage_t *self, const char *key, size_t max)
{
    json_t *out = json_array();
    char **keys = mem_calloc(max + 1, sizeof *keys);
    size_t n = 0;
    bool more = true;
    for (size_t r = 0; more && n < max; r++) {
        more = false;
        for (size_t i = 0; i < self->n_slots && n < max; i++) {
            json_t *it = json_array_get(json_object_get(self->slots[i].value, key), r);
            const char *s = json_string_value(it);
            if (!it)
                continue;
            more = true;
            char *k = s_dedupe_key(s, strcmp(key, "references") == 0);
            bool dup = !*k;
            for (size_t j = 0; j < n && !dup; j++)
                dup = strcmp(keys[j], k) == 0;
            if (dup) {
                free(k);
                continue;
            }
            keys[n++] = k;
            json_array_append_new(out, json_string(s));
        }
    }
    for (size_t j = 0; j < n; j++)
        free(keys[j]);
    free(keys);
    return out;
}

char *llmstage_fanout_result(const llmstage_t *self)
{
    json_t *o = json_object();
    json_object_set_new(o, "questions", s_merge_list(self, "questions", S_MAX_QUESTIONS));
    json_object_set_new(o, "concepts", s_merge_list(self, "concepts", S_MAX_CONCEPTS));
    json_object_set_new(o, "references", s_merge_list(self, "references", S_MAX_REFERENCES));
    char *out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return out;
}

/* --- the guard ----------------------------------------------------------- */

/* The span an item names (code points) when it holds exactly its quote. */
static bool
s_named_span(const transcript_t *t, json_t *it, const char *q, size_t qlen, quote_match_t *m)
{
    json_t *jo = json_object_get(it, "offset"), *jl = json_object_get(it, "length");
    if (!json_is_integer(jo) || !json_is_integer(jl) || json_integer_value(jo) < 0 ||
        json_integer_value(jl) <= 0)
        return false;
    size_t total = transcript_cp(t, t->len), off = (size_t)json_integer_value(jo),
           len = (size_t)json_integer_value(jl);
    if (off > total || len > total - off)
        return false;
    size_t b0 = transcript_byte(t, off), b1 = transcript_byte(t, off + len);
    if (b1 - b0 != qlen || memcmp(t->text + b0, q, qlen) != 0)
        return false;
    *m = (quote_match_t){QUOTE_EXACT, b0, b1 - b0, transcript_time_at(t, b0), 1.0};
    return true;
}

/* The snippets guard's run: the transcript, its quote index once one is
 * needed, the items kept and how many were rejected. */
typedef struct {
    const transcript_t *t;
    quote_index_t *qi; /* owned; NULL until an item needs it */
    json_t *out;       /* the items kept, renumbered */
    size_t rejected;
} s_guard_t;

/* Where the quote of item i stands in the transcript: the span it names,
 * or found. 1 and *m when found, 0 when not (rejected), -1 and *err. */
static int s_guard_find(s_guard_t *g, json_t *it, size_t i, quote_match_t *m, err_t *err)
{
    const char *q = json_string_value(json_object_get(it, "quote"));
    if (!json_is_object(it) || !q) {
        err_set(err, LODE_EINVAL, "snippets guard: item %zu has no quote", i + 1);
        return -1;
    }
    size_t qlen = json_string_length(json_object_get(it, "quote"));
    if (s_named_span(g->t, it, q, qlen, m))
        return 1;
    if (llmstage_all_space(q, qlen))
        return 0;
    /* The index (a normalised copy of the transcript) is built only for an
     * item whose offset and length do not name its quote: the extractive
     * engine's never need it, a model's usually do. */
    if (!g->qi && !(g->qi = quote_index_new(g->t, err)))
        return -1;
    err_t e = {0};
    return quote_index_find(g->qi, q, qlen, NULL, m, &e) == 0 && m->kind != QUOTE_NONE &&
           m->length > 0;
}

static int s_guard_items(s_guard_t *g, json_t *arr, err_t *err)
{
    size_t i;
    json_t *it;
    json_array_foreach(arr, i, it)
    {
        quote_match_t m;
        int found = s_guard_find(g, it, i, &m, err);
        if (found < 0)
            return -1;
        if (!found) {
            g->rejected++;
            continue;
        }
        json_t *o = json_deep_copy(it);
        json_object_set_new(o, "id", json_integer((json_int_t)json_array_size(g->out) + 1));
        s_set_span(o, g->t, &m, json_string_value(json_object_get(it, "quote")));
        json_array_append_new(g->out, o);
    }
    return 0;
}

char *llmstage_guard_snippets(
    const transcript_t *t, const char *json, size_t len, size_t *rejected, err_t *err)
{
    if (rejected)
        *rejected = 0;
    json_error_t je;
    json_t *arr = t && json ? json_loadb(json, len, 0, &je) : NULL;
    if (!json_is_array(arr)) {
        err_set(err, LODE_EINVAL, "snippets guard: %s",
                !t || !json ? "missing argument"
                : arr       ? "not an array"
                            : je.text);
        json_decref(arr);
        return NULL;
    }
    s_guard_t g = {.t = t, .out = json_array()};
    int rc = s_guard_items(&g, arr, err);
    if (rejected)
        *rejected = g.rejected;
    char *s = rc == 0 ? json_dumps(g.out, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    quote_index_destroy(&g.qi);
    json_decref(g.out);
    json_decref(arr);
    return s;
}
