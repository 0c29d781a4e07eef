/*  extract.c - what the extractive engine's stages share: one analysis of
 *  the transcript (term weights, sentence informativeness, keyphrases) and
 *  the helpers that turn its words back into text. The stages live in
 *  extract_snippets.c, extract_commentary.c, extract_synthesis.c and
 *  extract_fanout.c. Deterministic: no randomness, no clock, no I/O.
 *  SPDX-License-Identifier: MIT
 */
#include "extract.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "extract_impl.h"
#include "mem.h"

#define S_KEYPHRASES     40  /* the analysis' keyphrases */
#define S_KEYPHRASE_POOL 120 /* looked at for the fan-out's concepts */

/* ---- the analysis ------------------------------------------------------ */

static void s_doc_weights(extract_doc_t *d)
{
    const textmodel_t *m = &d->m;
    double max = 0;
    d->w = mem_calloc(m->n_terms + 1, sizeof *d->w);
    for (size_t t = 0; t < m->n_terms; t++) {
        const textmodel_term_t *tm = &m->terms[t];
        if (tm->stop || tm->key_len < 2)
            continue;
        d->w[t] = log1p((double)tm->count) * tm->idf;
        if (d->w[t] > max)
            max = d->w[t];
    }
    for (size_t t = 0; max > 0 && t < m->n_terms; t++)
        d->w[t] /= max;
}

/* Sum of the weights of the distinct content terms of each sentence, plus
 * a bonus for each of the leading keyphrases it holds. */
static void s_doc_info(extract_doc_t *d)
{
    const textmodel_t *m = &d->m;
    d->info = mem_calloc(m->n_sents + 1, sizeof *d->info);
    d->stamp = mem_calloc(m->n_terms + 1, sizeof *d->stamp);
    for (uint32_t s = 0; s < m->n_sents; s++) {
        const textmodel_sent_t *st = &m->sents[s];
        for (uint32_t w = st->first_word; w < st->first_word + st->n_words; w++) {
            uint32_t t = m->words[w].term;
            if (!textmodel_is_content(m, w) || d->stamp[t] == s + 1)
                continue;
            d->stamp[t] = s + 1;
            d->info[s] += d->w[t];
        }
    }
    double top = d->kp.count ? d->kp.items[0].score : 1;
    for (size_t k = 0; k < d->kp.count && k < 15; k++) {
        const keyphrase_t *kp = &d->kp.items[k];
        for (uint32_t i = 0; i < kp->n_sents; i++)
            d->info[kp->sents[i]] += 0.5 * kp->score / top;
    }
}

/* Code point offsets of every sentence's start and end, in one pass, for
 * the JSON of notes that name a sentence. */
static void s_doc_sent_cp(extract_doc_t *d)
{
    d->sent_cp = mem_alloc((2 * d->m.n_sents + 1) * sizeof *d->sent_cp);
    transcript_cursor_t c = {0, 0};
    for (size_t s = 0; s < d->m.n_sents; s++) {
        const textmodel_sent_t *st = &d->m.sents[s];
        d->sent_cp[2 * s] = transcript_cp_from(d->t, &c, st->offset);
        d->sent_cp[2 * s + 1] = transcript_cp_from(d->t, &c, st->offset + st->length);
    }
}

void extract_doc_clear(extract_doc_t *d)
{
    keyphrase_list_clear(&d->kp_pool); /* d->kp is a view of it */
    textmodel_clear(&d->m);
    free(d->w);
    free(d->info);
    free(d->stamp);
    free(d->cue_terms);
    free(d->cue_mask);
    free(d->term_class);
    free(d->sent_cp);
    memset(d, 0, sizeof *d);
}

int extract_doc_build(extract_doc_t *d, const transcript_t *t, err_t *err)
{
    memset(d, 0, sizeof *d);
    if (!t || (!t->text && t->len)) {
        err_set(err, LODE_EINVAL, "extract: no transcript");
        return -1;
    }
    d->t = t;
    if (textmodel_build(&d->m, t->text ? t->text : "", t->len, err) != 0)
        return -1;
    /* One extraction serves both: the list is chosen best first, so the
     * head of a deeper list is the shorter list itself. */
    if (keyphrase_extract(&d->m, S_KEYPHRASE_POOL, &d->kp_pool, err) != 0) {
        extract_doc_clear(d);
        return -1;
    }
    extract_doc_derive(d);
    return 0;
}

void extract_doc_derive(extract_doc_t *d)
{
    d->kp.items = d->kp_pool.items;
    d->kp.count = d->kp_pool.count < S_KEYPHRASES ? d->kp_pool.count : S_KEYPHRASES;
    d->n_words = d->m.n_words;
    s_doc_weights(d);
    s_doc_info(d);
    extract_cues_prepare(d);
    s_doc_sent_cp(d);
}

/* ---- words back to text ------------------------------------------------ */

void extract_words_text(const textmodel_t *m, uint32_t a, uint32_t b, buf_t *out)
{
    const textmodel_word_t *wa = &m->words[a], *wb = &m->words[b];
    for (size_t i = wa->offset; i < wb->offset + wb->length; i++) {
        char ch = m->text[i];
        bool space = ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r';
        if (space && out->len && out->data[out->len - 1] == ' ')
            continue;
        extract_put(out, space ? " " : &ch, 1);
    }
}

char *extract_top_word(const extract_doc_t *d, uint32_t first, uint32_t end)
{
    uint32_t best = UINT32_MAX;
    for (uint32_t w = first; w < end; w++)
        if (textmodel_is_content(&d->m, w) &&
            (best == UINT32_MAX || d->w[d->m.words[w].term] > d->w[d->m.words[best].term]))
            best = w;
    if (best == UINT32_MAX)
        return NULL;
    buf_t b;
    buf_init(&b, 256);
    extract_words_text(&d->m, best, best, &b);
    return buf_steal(&b);
}

/* ---- how well a span stands alone -------------------------------------- */

static const char *const s_connectives[] = {"and",  "but",  "so",   "because", "which", "or",
                                            "then", "also", "yeah", "um",      "uh",    "okay",
                                            "well", "like", "now",  "anyway",  "plus"};
static const char *const s_pronouns[] = {"this", "that", "these", "those", "they",
                                         "he",   "she",  "them",  "their", "it"};

double extract_length_pref(uint32_t words, uint32_t lo, uint32_t hi)
{
    if (words < lo)
        return pow((double)words / lo, 0.8);
    if (words > hi)
        return pow((double)hi / words, 1.5);
    return 1.0;
}

double extract_opener_penalty(const textmodel_t *m, uint32_t sent)
{
    const textmodel_sent_t *s = &m->sents[sent];
    if (s->n_words == 0)
        return 0.5;
    double p = 1.0;
    if (sent > 0 && m->sents[sent - 1].cut)
        p *= 0.5; /* the rest of a sentence cut for length */
    if (extract_key_in(m, s->first_word, s_connectives, EXTRACT_N(s_connectives)))
        return p * 0.7;
    if (extract_key_is(m, s->first_word, "it"))
        return p * 0.93;
    if (extract_key_in(m, s->first_word, s_pronouns, EXTRACT_N(s_pronouns)))
        return p * 0.8;
    return p;
}

void extract_prose_from(const textmodel_t *m, uint32_t a, uint32_t z, size_t end, buf_t *out)
{
    static const char *const drop[] = {"and", "so", "but", "okay", "yeah", "well", "now", "um"};
    while (a + 4 < z && extract_key_in(m, a, drop, EXTRACT_N(drop)))
        a++;
    size_t at = out->len;
    buf_t tmp;
    buf_init(&tmp, EXTRACT_OUT_MAX);
    const textmodel_word_t *wa = &m->words[a];
    for (size_t i = wa->offset; i < end; i++) {
        char ch = m->text[i];
        bool space = ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r';
        if (!(space && tmp.len && tmp.data[tmp.len - 1] == ' '))
            extract_put(&tmp, space ? " " : &ch, 1);
    }
    if (tmp.len && strchr(",;:-", tmp.data[tmp.len - 1]))
        tmp.data[--tmp.len] = '\0';
    extract_put(out, tmp.data ? tmp.data : "", tmp.len);
    buf_free(&tmp);
    if (out->len > at && out->data[at] >= 'a' && out->data[at] <= 'z')
        out->data[at] = (char)(out->data[at] - 32);
    char last = out->len > at ? out->data[out->len - 1] : '.';
    if (!strchr(".!?\"')]", last) && (unsigned char)last < 0x80)
        extract_put(out, ".", 1);
}

/* Depth of quotation and parentheses at each sentence start, from one pass
 * over the text: straight double quotes toggle, curly ones and brackets
 * nest, a single quote opens after a space and closes before one (an
 * apostrophe sits between letters). A paragraph resets it, so one stray
 * mark cannot spoil the rest. */
/* Quotation and bracket depth while scanning. */
typedef struct {
    int dq, paren, sq;
} s_depth_t;

/* A single quote opens after a space and closes before one; an apostrophe
 * sits between letters. */
static void s_single_quote(s_depth_t *q, const char *p, size_t i, size_t len)
{
    bool before = i == 0 || p[i - 1] == ' ' || p[i - 1] == '\n' || p[i - 1] == '(';
    bool after = i + 1 == len || strchr(" \n,.;:!?)", p[i + 1]);
    if (before && !after)
        q->sq = 1;
    else if (after && !before)
        q->sq = 0;
}

/* Account for byte i of sentence text p[0..len). */
static void s_depth_step(s_depth_t *q, const char *p, size_t i, size_t len)
{
    unsigned char c = (unsigned char)p[i];
    if (c == '"')
        q->dq = !q->dq;
    else if (c == '(' || c == '[')
        q->paren++;
    else if ((c == ')' || c == ']') && q->paren > 0)
        q->paren--;
    else if (c == 0xE2 && i + 2 < len && (unsigned char)p[i + 1] == 0x80)
        q->dq += p[i + 2] == '\x9c' ? 1 : (p[i + 2] == '\x9d' && q->dq > 0) ? -1 : 0;
    else if (c == '\'')
        s_single_quote(q, p, i, len);
}

void extract_mark_open(const textmodel_t *m, uint8_t *open)
{
    s_depth_t q = {0, 0, 0};
    for (uint32_t s = 0; s < m->n_sents; s++) {
        const textmodel_sent_t *st = &m->sents[s];
        if (st->para_start)
            q = (s_depth_t){0, 0, 0};
        open[s] = q.dq || q.paren > 0 || q.sq;
        for (size_t i = 0; i < st->length; i++)
            s_depth_step(&q, m->text + st->offset, i, st->length);
    }
}

/* Each snippet's first sentence is found by binary search over offsets. */
uint8_t *extract_snippet_mask(const extract_doc_t *d, const extract_snippets_t *s)
{
    const textmodel_t *m = &d->m;
    uint8_t *mask = mem_calloc(m->n_sents + 1, 1);
    for (size_t i = 0; s && i < s->count; i++) {
        size_t lo = 0, hi = m->n_sents;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (m->sents[mid].offset < s->items[i].offset)
                lo = mid + 1;
            else
                hi = mid;
        }
        size_t end = s->items[i].offset + s->items[i].length;
        for (size_t k = lo; k < m->n_sents && m->sents[k].offset < end; k++)
            mask[k] = 1;
    }
    return mask;
}
