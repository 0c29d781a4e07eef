/*  searchterm.c - words for the search index: a code-point walk that cuts
 *  words at anything not a letter or digit, lower-cases them, and cuts CJK
 *  runs into bigrams; stopwords out, stems in (libstemmer through stem.h).
 *  SPDX-License-Identifier: MIT
 */
#include "searchterm.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "stem.h"
#include "stopword.h"
#include "uchar.h"
#include "utf8.h"

struct searchterm {
    stem_t *stem[STOPWORD_N_LANGS]; /* by stopword_lang_t; NULL if libstemmer lacks it */
};

/* What the walk hands on: one word (lower case) or one CJK gram. */
typedef void (*s_emit_fn)(void *ctx, const char *w, size_t len, bool cjk);

searchterm_t *searchterm_new(void)
{
    searchterm_t *self = mem_calloc(1, sizeof *self);
    for (int l = 0; l < STOPWORD_N_LANGS; l++)
        self->stem[l] = stem_new(stopword_lang_tag((stopword_lang_t)l));
    return self;
}

void searchterm_destroy(searchterm_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    for (int l = 0; l < STOPWORD_N_LANGS; l++)
        stem_destroy(&(*self_p)->stem[l]);
    free(*self_p);
    *self_p = NULL;
}

/* Han, kana, Hangul: scripts written without spaces between words. */
static bool s_is_cjk(uint32_t cp)
{
    return (cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0x31F0 && cp <= 0x31FF) ||
           (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
           (cp >= 0xAC00 && cp <= 0xD7AF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
           (cp >= 0xFF66 && cp <= 0xFF9F) || (cp >= 0x20000 && cp <= 0x2FFFF);
}

/* The walk's state: the word being built and the CJK run's last character. */
typedef struct {
    char w[SEARCHTERM_MAX];
    size_t n;
    bool too_long;
    char prev[4];
    size_t prev_len, run;
    s_emit_fn emit;
    void *ctx;
} s_walk_t;

static void s_end_word(s_walk_t *s)
{
    if (s->n && !s->too_long)
        s->emit(s->ctx, s->w, s->n, false);
    s->n = 0;
    s->too_long = false;
}

static void s_end_run(s_walk_t *s)
{
    if (s->run == 1) /* a lone character is its own gram */
        s->emit(s->ctx, s->prev, s->prev_len, true);
    s->run = 0;
    s->prev_len = 0;
}

static void s_cjk(s_walk_t *s, uint32_t cp)
{
    char c[4];
    size_t k = utf8_encode(cp, c);
    if (s->run > 0) {
        char gram[8];
        memcpy(gram, s->prev, s->prev_len);
        memcpy(gram + s->prev_len, c, k);
        s->emit(s->ctx, gram, s->prev_len + k, true);
    }
    memcpy(s->prev, c, k);
    s->prev_len = k;
    s->run++;
}

static void s_walk(const char *text, size_t len, s_emit_fn emit, void *ctx)
{
    s_walk_t s = {.emit = emit, .ctx = ctx};
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t k = utf8_decode(text + i, len - i, &cp);
        i += k;
        if (s_is_cjk(cp)) {
            s_end_word(&s);
            s_cjk(&s, cp);
            continue;
        }
        s_end_run(&s);
        if (cp == 0xFFFD || cp == '\'' || cp == 0x2019 || !uchar_is_word(cp)) {
            s_end_word(&s);
            continue;
        }
        char c[4];
        size_t m = utf8_encode(uchar_to_lower(cp), c);
        if (s.n + m >= SEARCHTERM_MAX)
            s.too_long = true;
        else
            memcpy(s.w + s.n, c, m), s.n += m;
    }
    s_end_word(&s);
    s_end_run(&s);
}

static void s_list_add(searchterm_list_t *l, const char *w, size_t len)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->v = mem_realloc(l->v, l->cap * sizeof *l->v);
    }
    memcpy(l->v[l->n], w, len);
    l->v[l->n++][len] = '\0';
}

/* One code point or less: "a", "1", a stray letter between apostrophes. */
static bool s_too_short(const char *w, size_t len)
{
    return utf8_cp_count(w, len) < 2;
}

typedef struct {
    searchterm_t *self;
    stopword_lang_t lang;
    searchterm_list_t *out;
} s_doc_t;

static void s_doc_word(void *ctx, const char *w, size_t len, bool cjk)
{
    s_doc_t *d = ctx;
    if (cjk) {
        s_list_add(d->out, w, len);
        return;
    }
    if (s_too_short(w, len) || stopword_is_lang(d->lang, w, len))
        return;
    char st[SEARCHTERM_MAX];
    size_t n = stem_word(d->self->stem[d->lang], w, len, st, sizeof st);
    s_list_add(d->out, st, n);
}

static stopword_lang_t s_lang_of(const char *tag)
{
    for (int l = 0; tag && l < STOPWORD_N_LANGS; l++)
        if (strncmp(tag, stopword_lang_tag((stopword_lang_t)l), 2) == 0)
            return (stopword_lang_t)l;
    return STOPWORD_EN;
}

const char *searchterm_lang(const char *text, size_t len)
{
    return stopword_lang_tag(stopword_detect(text, len));
}

void searchterm_doc(
    searchterm_t *self, const char *text, size_t len, const char *lang, searchterm_list_t *out)
{
    s_doc_t d = {
        .self = self, .lang = lang ? s_lang_of(lang) : stopword_detect(text, len), .out = out};
    s_walk(text, len, s_doc_word, &d);
}

static int s_cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

void searchterm_list_done(searchterm_list_t *l)
{
    if (l->n == 0)
        return;
    qsort(l->v, l->n, sizeof *l->v, s_cmp);
    size_t k = 1;
    for (size_t i = 1; i < l->n; i++)
        if (strcmp(l->v[i], l->v[k - 1]) != 0)
            memcpy(l->v[k++], l->v[i], SEARCHTERM_MAX);
    l->n = k;
}

void searchterm_list_free(searchterm_list_t *l)
{
    free(l->v);
    memset(l, 0, sizeof *l);
}

typedef struct {
    searchterm_t *self;
    searchterm_group_t *g;
    size_t n, max;
} s_query_t;

static void s_alt(searchterm_group_t *g, const char *w, size_t len)
{
    for (size_t i = 0; i < g->n; i++)
        if (strlen(g->alt[i]) == len && memcmp(g->alt[i], w, len) == 0)
            return;
    if (g->n < SEARCHTERM_ALTS) {
        memcpy(g->alt[g->n], w, len);
        g->alt[g->n++][len] = '\0';
    }
}

/* A stopword in any language is dropped: a document in that language does
 * not index it, so requiring it would match nothing. */
static bool s_stop_anywhere(const char *w, size_t len)
{
    for (int l = 0; l < STOPWORD_N_LANGS; l++)
        if (stopword_is_lang((stopword_lang_t)l, w, len))
            return true;
    return false;
}

static void s_query_word(void *ctx, const char *w, size_t len, bool cjk)
{
    s_query_t *q = ctx;
    if (q->n == q->max || (!cjk && (s_too_short(w, len) || s_stop_anywhere(w, len))))
        return;
    searchterm_group_t *g = &q->g[q->n++];
    g->n = 0;
    s_alt(g, w, len);
    for (int l = 0; !cjk && l < STOPWORD_N_LANGS; l++) {
        if (!q->self->stem[l])
            continue;
        char st[SEARCHTERM_MAX];
        size_t n = stem_word(q->self->stem[l], w, len, st, sizeof st);
        s_alt(g, st, n);
    }
}

size_t searchterm_query(searchterm_t *self, const char *q, searchterm_group_t *g, size_t max)
{
    s_query_t s = {.self = self, .g = g, .max = max < SEARCHTERM_GROUPS ? max : SEARCHTERM_GROUPS};
    if (q)
        s_walk(q, strlen(q), s_query_word, &s);
    return s.n;
}
