/*  keyphrase.c - candidate phrases from runs of content words, scored and
 *  deduplicated. Linear in the number of words; the candidate table is a
 *  hash of term sequences.
 *  SPDX-License-Identifier: MIT
 */
#include "keyphrase.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"

#define S_REGIONS 8

typedef struct {
    uint32_t terms[KEYPHRASE_MAX_WORDS];
    uint32_t n;
    uint32_t exact;      /* occurrences as a whole run */
    uint32_t all;        /* occurrences, also inside longer runs */
    uint32_t regions;    /* bit mask of the eighths of the text it occurs in */
    uint32_t first_word; /* first occurrence */
    uint32_t best_word;  /* first occurrence away from a sentence start */
    double score;
} s_cand_t;

typedef struct {
    uint32_t cand;
    uint32_t sent;
} s_occ_t;

typedef struct {
    const textmodel_t *m;
    s_cand_t *cands;
    size_t n_cands, cap_cands;
    uint32_t *table; /* cand index + 1 */
    size_t table_cap;
    s_occ_t *occ;
    size_t n_occ, cap_occ;
} s_pool_t;

static uint32_t s_hash_terms(const uint32_t *t, uint32_t n)
{
    uint32_t h = 2166136261u ^ n;
    for (uint32_t i = 0; i < n; i++) {
        h ^= t[i];
        h *= 16777619u;
        h ^= h >> 15;
    }
    return h;
}

static void s_table_insert(s_pool_t *p, uint32_t c)
{
    size_t mask = p->table_cap - 1;
    size_t h = s_hash_terms(p->cands[c].terms, p->cands[c].n) & mask;
    while (p->table[h])
        h = (h + 1) & mask;
    p->table[h] = c + 1;
}

static void s_table_grow(s_pool_t *p)
{
    free(p->table);
    p->table_cap = p->table_cap ? p->table_cap * 2 : 4096;
    p->table = mem_calloc(p->table_cap, sizeof *p->table);
    for (uint32_t c = 0; c < p->n_cands; c++)
        s_table_insert(p, c);
}

static uint32_t s_lookup(s_pool_t *p, const uint32_t *terms, uint32_t n, uint32_t word)
{
    if ((p->n_cands + 1) * 2 > p->table_cap)
        s_table_grow(p);
    size_t mask = p->table_cap - 1;
    size_t h = s_hash_terms(terms, n) & mask;
    for (; p->table[h]; h = (h + 1) & mask) {
        s_cand_t *c = &p->cands[p->table[h] - 1];
        if (c->n == n && memcmp(c->terms, terms, n * sizeof *terms) == 0)
            return p->table[h] - 1;
    }
    if (p->n_cands == p->cap_cands) {
        p->cap_cands = p->cap_cands ? p->cap_cands * 2 : 1024;
        p->cands = mem_realloc(p->cands, p->cap_cands * sizeof *p->cands);
    }
    s_cand_t *c = &p->cands[p->n_cands];
    memset(c, 0, sizeof *c);
    memcpy(c->terms, terms, n * sizeof *terms);
    c->n = n;
    c->first_word = word;
    c->best_word = UINT32_MAX;
    p->table[h] = (uint32_t)p->n_cands + 1;
    return (uint32_t)p->n_cands++;
}

static void s_add(s_pool_t *p, uint32_t word, uint32_t n, bool exact)
{
    const textmodel_t *m = p->m;
    uint32_t terms[KEYPHRASE_MAX_WORDS];
    for (uint32_t i = 0; i < n; i++)
        terms[i] = m->words[word + i].term;
    uint32_t ci = s_lookup(p, terms, n, word);
    s_cand_t *c = &p->cands[ci];
    uint32_t sent = m->words[word].sent;
    c->all++;
    c->exact += exact;
    c->regions |= 1u << (uint32_t)((uint64_t)sent * S_REGIONS / m->n_sents);
    if (c->best_word == UINT32_MAX && !(m->words[word].flags & TEXTMODEL_W_FIRST))
        c->best_word = word;
    if (p->n_occ == p->cap_occ) {
        p->cap_occ = p->cap_occ ? p->cap_occ * 2 : 4096;
        p->occ = mem_realloc(p->occ, p->cap_occ * sizeof *p->occ);
    }
    p->occ[p->n_occ++] = (s_occ_t){ci, sent};
}

/* An adverb ("dramatically") breaks a phrase like a stopword does. */
static bool s_is_adverb(const textmodel_t *m, uint32_t word)
{
    size_t len;
    const char *k = textmodel_key(m, m->words[word].term, &len);
    return len > 5 && k[len - 1] == 'y' && k[len - 2] == 'l' && k[len - 3] != 'l';
}

static bool s_in_run(const textmodel_t *m, uint32_t w)
{
    return textmodel_is_content(m, w) && !s_is_adverb(m, w);
}

/* Record the candidates of the run words[a, b). */
static void s_add_run(s_pool_t *p, uint32_t a, uint32_t b)
{
    uint32_t len = b - a;
    for (uint32_t n = 1; n <= KEYPHRASE_MAX_WORDS && n <= len; n++) {
        for (uint32_t s = a; s + n <= b; s++) {
            bool exact = len <= KEYPHRASE_MAX_WORDS ? n == len : (n == 2 || n == 3);
            s_add(p, s, n, exact);
        }
    }
}

static void s_collect(s_pool_t *p)
{
    const textmodel_t *m = p->m;
    uint32_t run = 0;
    bool open = false;
    for (uint32_t w = 0; w <= m->n_words; w++) {
        bool joins = w < m->n_words && s_in_run(m, w) && open &&
                     m->words[w].sent == m->words[w - 1].sent &&
                     !(m->words[w].flags & TEXTMODEL_W_BREAK);
        if (open && !joins) {
            s_add_run(p, run, w);
            open = false;
        }
        if (w < m->n_words && !open && s_in_run(m, w)) {
            run = w;
            open = true;
        }
    }
}

static int s_popcount(uint32_t x)
{
    int n = 0;
    for (; x; x &= x - 1)
        n++;
    return n;
}

static void s_score(s_pool_t *p, s_cand_t *c)
{
    static const double lenf[KEYPHRASE_MAX_WORDS + 1] = {0, 0.5, 2.2, 2.6, 2.8};
    const textmodel_t *m = p->m;
    const textmodel_term_t *t0 = &m->terms[c->terms[0]];
    size_t key_len = t0->key_len;
    uint32_t flags = m->words[c->first_word].flags;
    c->score = 0;
    if (c->n == 1 && key_len < 3 && !(flags & TEXTMODEL_W_ACRONYM))
        return;
    double base = c->exact + (c->n == 1 ? 0.25 : 0.8) * (c->all - c->exact);
    uint32_t regions = m->n_sents < S_REGIONS ? (uint32_t)m->n_sents : S_REGIONS;
    double spread = 0.5 + 0.5 * s_popcount(c->regions) / (double)regions;
    c->score = base * lenf[c->n] * spread;
    if (c->n == 1 && t0->cap_count > t0->low_count && !(flags & TEXTMODEL_W_ACRONYM))
        c->score *= 0.6; /* a name: a reference more than a concept */
    if (c->all == 1)
        c->score *= 0.5;
    if (flags & TEXTMODEL_W_ACRONYM)
        c->score *= 1.3;
    if (c->n == 1 && key_len > 4 &&
        memcmp(textmodel_key(m, c->terms[0], &key_len) + key_len - 2, "ed", 2) == 0)
        c->score *= 0.5; /* most likely a verb */
}

/* Is a's term sequence inside b's? */
static bool s_contains(const s_cand_t *b, const s_cand_t *a)
{
    for (uint32_t s = 0; s + a->n <= b->n; s++)
        if (memcmp(b->terms + s, a->terms, a->n * sizeof a->terms[0]) == 0)
            return true;
    return false;
}

static bool s_redundant(const s_cand_t *c, s_cand_t *const *kept, size_t n_kept)
{
    for (size_t i = 0; i < n_kept; i++) {
        const s_cand_t *k = kept[i];
        if (c->n < k->n && s_contains(k, c) && c->all < 2 * k->all)
            return true;
        if (c->n > k->n && s_contains(c, k) && c->all < 2)
            return true;
    }
    return false;
}

static int s_by_score(const void *a, const void *b)
{
    const s_cand_t *x = *(s_cand_t *const *)a, *y = *(s_cand_t *const *)b;
    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    return x->first_word < y->first_word ? -1 : x->first_word > y->first_word;
}

/* Display form: the source span of the occurrence, white space squeezed,
 * a capital that is only there because of the sentence start lowered. */
static char *s_display(const textmodel_t *m, uint32_t w, uint32_t n)
{
    const textmodel_word_t *a = &m->words[w], *z = &m->words[w + n - 1];
    size_t len = z->offset + z->length - a->offset;
    char *out = mem_alloc(len + 1), *o = out;
    for (size_t i = 0; i < len; i++) {
        char ch = m->text[a->offset + i];
        bool space = ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r';
        if (space && o > out && o[-1] == ' ')
            continue;
        *o++ = space ? ' ' : ch;
    }
    if (n == 1 && (a->flags & TEXTMODEL_W_ACRONYM) && o - out > 2 && o[-1] == 's')
        o--; /* "LLMs" -> "LLM" */
    *o = '\0';
    const textmodel_term_t *t0 = &m->terms[a->term];
    if ((a->flags & TEXTMODEL_W_FIRST) && (a->flags & TEXTMODEL_W_CAP) &&
        !(a->flags & TEXTMODEL_W_ACRONYM) && t0->cap_count == 0 && out[0] >= 'A' && out[0] <= 'Z')
        out[0] = (char)(out[0] + 32);
    return out;
}

/* Fill each kept phrase's sentence list from the recorded occurrences,
 * which are in text order. */
static void s_fill_sents(const s_pool_t *p, keyphrase_list_t *out, const int32_t *slot)
{
    for (size_t i = 0; i < p->n_occ; i++) {
        int32_t k = slot[p->occ[i].cand];
        if (k < 0)
            continue;
        keyphrase_t *kp = &out->items[k];
        uint32_t s = p->occ[i].sent;
        if (kp->n_sents && kp->sents[kp->n_sents - 1] == s)
            continue;
        kp->sents[kp->n_sents++] = s;
    }
}

static void s_keep(s_pool_t *p, s_cand_t *c, keyphrase_t *kp)
{
    uint32_t w = c->best_word != UINT32_MAX ? c->best_word : c->first_word;
    kp->text = s_display(p->m, w, c->n);
    memcpy(kp->terms, c->terms, sizeof kp->terms);
    kp->n_terms = c->n;
    kp->count = c->all;
    kp->first_word = w;
    kp->score = c->score;
    kp->sents = mem_alloc(c->all * sizeof *kp->sents);
}

static void s_select(s_pool_t *p, size_t max, keyphrase_list_t *out)
{
    s_cand_t **order = mem_alloc((p->n_cands + 1) * sizeof *order);
    size_t n = 0;
    for (size_t i = 0; i < p->n_cands; i++) {
        s_score(p, &p->cands[i]);
        if (p->cands[i].score > 0)
            order[n++] = &p->cands[i];
    }
    qsort(order, n, sizeof *order, s_by_score);
    s_cand_t **kept = mem_alloc((max + 1) * sizeof *kept);
    int32_t *slot = mem_alloc((p->n_cands + 1) * sizeof *slot);
    for (size_t i = 0; i < p->n_cands; i++)
        slot[i] = -1;
    out->items = mem_calloc(max + 1, sizeof *out->items);
    for (size_t i = 0; i < n && out->count < max; i++) {
        if (s_redundant(order[i], kept, out->count))
            continue;
        slot[order[i] - p->cands] = (int32_t)out->count;
        kept[out->count] = order[i];
        s_keep(p, order[i], &out->items[out->count++]);
    }
    s_fill_sents(p, out, slot);
    free(slot);
    free(kept);
    free(order);
}

int keyphrase_extract(const textmodel_t *m, size_t max, keyphrase_list_t *out, err_t *err)
{
    if (!m || !out) {
        err_set(err, LODE_EINVAL, "keyphrase_extract: no model or no output");
        return -1;
    }
    memset(out, 0, sizeof *out);
    if (max == 0 || m->n_words == 0)
        return 0;
    s_pool_t p = {.m = m};
    s_collect(&p);
    s_select(&p, max, out);
    free(p.cands);
    free(p.table);
    free(p.occ);
    return 0;
}

void keyphrase_list_clear(keyphrase_list_t *list)
{
    if (!list)
        return;
    for (size_t i = 0; i < list->count; i++) {
        free(list->items[i].text);
        free(list->items[i].sents);
    }
    free(list->items);
    memset(list, 0, sizeof *list);
}

/* Index of the first entry of k->sents at or after s. */
static uint32_t s_lower_bound(const keyphrase_t *k, uint32_t s)
{
    uint32_t lo = 0, hi = k->n_sents;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (k->sents[mid] < s)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

bool keyphrase_in_range(const keyphrase_t *k, uint32_t first, uint32_t last)
{
    uint32_t i = s_lower_bound(k, first);
    return i < k->n_sents && k->sents[i] <= last;
}

uint32_t keyphrase_count_in(const keyphrase_t *k, uint32_t first, uint32_t last)
{
    uint32_t a = s_lower_bound(k, first);
    uint32_t b = last == UINT32_MAX ? k->n_sents : s_lower_bound(k, last + 1);
    return b > a ? b - a : 0;
}
