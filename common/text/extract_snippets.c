/*  extract_snippets.c - the snippets stage: every window of one to four
 *  sentences (an idea unit: whole sentences, never opening or closing inside
 *  a quotation or parentheses) scored by centrality and quotability, chosen
 *  by maximal marginal relevance and spread over the source, ranked, each
 *  given a commentary (extract_commentary.c); and the snippets' JSON form,
 *  both ways. Every quote is a span of the text.
 *  SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "extract_impl.h"
#include "jsonlex.h"
#include "mem.h"

#define S_MAX_SNIPPETS 200
#define S_MAX_SENTS    4    /* sentences in one idea unit at most */
#define S_KEEP_RATIO   0.3  /* a unit scoring under this share of the best is not kept */
#define S_MMR_LAMBDA   0.7  /* weight of a unit's own score against its likeness to those kept */
#define S_MAX_LIKENESS 0.75 /* a unit this like one kept says the same again: never kept */

typedef struct {
    uint32_t a, b; /* first and last sentence */
    uint32_t words;
    double score;
    int role; /* the role of its most quotable sentence (extract_quotability) */
} s_win_t;

/* Per-sentence facts the windows are scored from. */
typedef struct {
    double *quot;     /* owned: quotability of each sentence, 0..1 */
    uint32_t *filler; /* owned: filler words ("um", "like") in each sentence */
    int *role;        /* owned: each sentence's strongest role */
    uint8_t *open;    /* owned: 1 when the sentence starts inside a quotation or parentheses */
    bool strict;      /* most sentences end in punctuation: never end a unit on a cut one */
} s_feats_t;

static const char *const s_fillers[] = {"um", "uh", "yeah", "like", "okay", "mean", "know"};

static void s_feats_build(const extract_doc_t *d, s_feats_t *f)
{
    const textmodel_t *m = &d->m;
    f->quot = mem_calloc(m->n_sents + 1, sizeof *f->quot);
    f->open = mem_calloc(m->n_sents + 1, 1);
    f->filler = mem_calloc(m->n_sents + 1, sizeof *f->filler);
    f->role = mem_calloc(m->n_sents + 1, sizeof *f->role);
    size_t cut = 0;
    for (uint32_t s = 0; s < m->n_sents; s++) {
        const textmodel_sent_t *st = &m->sents[s];
        f->quot[s] = extract_quotability(d, s, &f->role[s]);
        cut += st->cut;
        for (uint32_t w = st->first_word; w < st->first_word + st->n_words; w++)
            f->filler[s] += extract_key_in(m, w, s_fillers, EXTRACT_N(s_fillers));
    }
    f->strict = cut * 2 < m->n_sents;
    extract_mark_open(m, f->open);
}

static void s_feats_clear(s_feats_t *f)
{
    free(f->quot);
    free(f->open);
    free(f->filler);
    free(f->role);
}

/* A unit may start and end only where no quotation or parenthesis is open,
 * and never on a sentence cut for length when the text has punctuation. */
static bool s_window_whole(const extract_doc_t *d, const s_feats_t *f, uint32_t a, uint32_t b)
{
    const textmodel_t *m = &d->m;
    if (f->open[a] || (b + 1 < m->n_sents && f->open[b + 1]))
        return false;
    return !f->strict || (!m->sents[b].cut && !(a > 0 && m->sents[a - 1].cut));
}

/* Centrality (information per word), shaped by length, opening, fillers
 * and questions, then raised by quotability: the best sentence's, plus a
 * little for each other quotable one. */
static double
s_window_score(const extract_doc_t *d, const s_feats_t *f, uint32_t a, uint32_t b, uint32_t *words)
{
    const textmodel_t *m = &d->m;
    double info = 0, qmax = 0, qsum = 0;
    uint32_t n = 0, fillers = 0, questions = 0;
    for (uint32_t s = a; s <= b; s++) {
        const textmodel_sent_t *st = &m->sents[s];
        info += d->info[s];
        n += st->n_words;
        questions += st->question;
        qsum += f->quot[s];
        qmax = f->quot[s] > qmax ? f->quot[s] : qmax;
        fillers += f->filler[s];
    }
    *words = n;
    if (n == 0)
        return 0;
    double score = info / n * extract_length_pref(n, 30, 120) * extract_opener_penalty(m, a);
    double filler = 1.0 - 2.0 * fillers / n;
    score *= filler < 0.3 ? 0.3 : filler;
    if (questions == b - a + 1)
        score *= 0.5;
    else if (m->sents[b].question)
        score *= 0.85;
    double q = qmax + 0.25 * (qsum - qmax);
    return score * (0.45 + (q > 1.2 ? 1.2 : q));
}

/* A unit's role: that of its most quotable sentence. */
static int s_window_role(const s_feats_t *f, uint32_t a, uint32_t b)
{
    uint32_t best = a;
    for (uint32_t s = a + 1; s <= b; s++)
        if (f->quot[s] > f->quot[best])
            best = s;
    return f->role[best];
}

static int s_by_window_score(const void *x, const void *y)
{
    const s_win_t *p = x, *q = y;
    if (p->score != q->score)
        return p->score < q->score ? 1 : -1;
    if (p->a != q->a)
        return p->a < q->a ? -1 : 1;
    return p->b < q->b ? -1 : p->b > q->b;
}

/* Every whole unit of one to four sentences inside one paragraph, best first. */
static s_win_t *s_windows(const extract_doc_t *d, const s_feats_t *f, size_t *n_out)
{
    const textmodel_t *m = &d->m;
    s_win_t *wins = mem_alloc((S_MAX_SENTS * m->n_sents + 1) * sizeof *wins);
    size_t n = 0;
    uint32_t min_words = d->n_words < 200 ? 1 : 8;
    for (uint32_t a = 0; a < m->n_sents; a++) {
        for (uint32_t b = a; b < a + S_MAX_SENTS && b < m->n_sents; b++) {
            if (b > a && m->sents[b].para_start)
                break;
            uint32_t words;
            double score = s_window_score(d, f, a, b, &words);
            if (words > 170 && b > a)
                break;
            if (words >= min_words && score > 0 && s_window_whole(d, f, a, b))
                wins[n++] = (s_win_t){a, b, words, score, s_window_role(f, a, b)};
        }
    }
    qsort(wins, n, sizeof *wins, s_by_window_score);
    *n_out = n;
    return wins;
}

size_t extract_snippet_budget(size_t words)
{
    double k = 19.0 * sqrt((double)words / 2000.0);
    size_t n = (size_t)(k + 0.5);
    return n < 1 ? 1 : n > 80 ? 80 : n;
}

static size_t s_snippet_target(const extract_doc_t *d, const extract_opts_t *opts)
{
    if (opts && opts->max_snippets)
        return opts->max_snippets < S_MAX_SNIPPETS ? opts->max_snippets : S_MAX_SNIPPETS;
    return extract_snippet_budget(d->n_words);
}

/* A candidate's distinct content terms (ascending) and their weight. */
typedef struct {
    uint32_t *terms;
    uint32_t n;
    double mass;
    double maxsim; /* likeness to the closest unit kept so far */
} s_bag_t;

static int s_by_u32(const void *x, const void *y)
{
    uint32_t p = *(const uint32_t *)x, q = *(const uint32_t *)y;
    return p < q ? -1 : p > q;
}

static void s_bag_build(const extract_doc_t *d, const s_win_t *w, s_bag_t *bag)
{
    const textmodel_t *m = &d->m;
    uint32_t first = m->sents[w->a].first_word;
    uint32_t end = m->sents[w->b].first_word + m->sents[w->b].n_words;
    bag->terms = mem_alloc((end - first + 1) * sizeof *bag->terms);
    bag->n = 0;
    for (uint32_t i = first; i < end; i++)
        if (textmodel_is_content(m, i))
            bag->terms[bag->n++] = m->words[i].term;
    qsort(bag->terms, bag->n, sizeof *bag->terms, s_by_u32);
    uint32_t k = 0;
    bag->mass = 0;
    for (uint32_t i = 0; i < bag->n; i++)
        if (k == 0 || bag->terms[k - 1] != bag->terms[i]) {
            bag->terms[k++] = bag->terms[i];
            bag->mass += d->w[bag->terms[i]];
        }
    bag->n = k;
    bag->maxsim = 0;
}

/* Weighted overlap of bag y with the bag whose terms are marked in in_x
 * (x's mass is x_mass), 0..1. Walking y's terms in ascending order adds the
 * common ones in the order a merge of the two sorted bags would: the same
 * sum, bit for bit, without the merge's branches. */
static double
s_bag_sim(const extract_doc_t *d, const uint8_t *in_x, double x_mass, const s_bag_t *y)
{
    double common = 0;
    for (uint32_t j = 0; j < y->n; j++)
        if (in_x[y->terms[j]])
            common += d->w[y->terms[j]];
    double lo = x_mass < y->mass ? x_mass : y->mass;
    return lo > 0 ? common / lo : 0;
}

/* The state of one selection. */
typedef struct {
    s_bag_t *bags;        /* owned: one per candidate of the pool */
    size_t pool;          /* candidates looked at: the best by score */
    uint8_t *used;        /* owned: sentences inside a kept unit */
    uint32_t *per_region; /* owned: units kept in each stretch of the source */
    size_t regions;
    uint32_t per_role[32]; /* units kept of each role */
} s_pick_t;

static size_t s_region(const extract_doc_t *d, const s_pick_t *p, const s_win_t *w)
{
    return (size_t)((uint64_t)d->m.sents[w->a].first_word * p->regions /
                    (d->n_words ? d->n_words : 1));
}

/* The next unit by maximal marginal relevance: its score against its
 * likeness to those kept, damped where the source already has units kept
 * nearby (so that they spread over it) and where its role (a number, a
 * contrast ...) is already well represented. -1 when none is left. */
static long s_mmr_next(const extract_doc_t *d, const s_win_t *wins, const s_pick_t *p)
{
    long best = -1;
    double best_v = 0, top = wins[0].score;
    for (size_t i = 0; i < p->pool; i++) {
        const s_win_t *w = &wins[i];
        bool free_span = true;
        for (uint32_t s = w->a; s <= w->b && free_span; s++)
            free_span = !p->used[s];
        if (!free_span || w->score < S_KEEP_RATIO * top || p->bags[i].maxsim > S_MAX_LIKENESS)
            continue;
        double v = S_MMR_LAMBDA * w->score / top - (1 - S_MMR_LAMBDA) * p->bags[i].maxsim;
        v /= 1.0 + 0.6 * p->per_region[s_region(d, p, w)];
        uint32_t same_role = p->per_role[w->role & 31];
        v /= 1.0 + 0.2 * (same_role > 2 ? same_role - 2 : 0);
        if (best < 0 || v > best_v) {
            best = (long)i;
            best_v = v;
        }
    }
    return best;
}

static size_t
s_choose(const extract_doc_t *d, const s_win_t *wins, size_t n_wins, size_t k, s_win_t *chosen)
{
    if (n_wins == 0)
        return 0;
    s_pick_t p = {.pool = n_wins < 5 * k + 40 ? n_wins : 5 * k + 40, .regions = k};
    p.bags = mem_calloc(p.pool + 1, sizeof *p.bags);
    for (size_t i = 0; i < p.pool; i++)
        s_bag_build(d, &wins[i], &p.bags[i]);
    p.used = mem_calloc(d->m.n_sents + 1, 1);
    p.per_region = mem_calloc(p.regions + 1, sizeof *p.per_region);
    uint8_t *in_x = mem_calloc(d->m.n_terms + 1, 1); /* the terms of the unit just kept */
    size_t n = 0;
    while (n < k) {
        long i = s_mmr_next(d, wins, &p);
        if (i < 0)
            break;
        const s_win_t *w = &wins[i];
        memset(p.used + w->a, 1, w->b - w->a + 1);
        p.per_region[s_region(d, &p, w)]++;
        p.per_role[w->role & 31]++;
        chosen[n++] = *w;
        const s_bag_t *x = &p.bags[i];
        for (uint32_t t = 0; t < x->n; t++)
            in_x[x->terms[t]] = 1;
        for (size_t j = 0; j < p.pool; j++) {
            double sim = s_bag_sim(d, in_x, x->mass, &p.bags[j]);
            if (sim > p.bags[j].maxsim)
                p.bags[j].maxsim = sim;
        }
        for (uint32_t t = 0; t < x->n; t++)
            in_x[x->terms[t]] = 0;
    }
    free(in_x);
    for (size_t i = 0; i < p.pool; i++)
        free(p.bags[i].terms);
    free(p.bags);
    free(p.per_region);
    free(p.used);
    return n;
}

static int s_by_position(const void *x, const void *y)
{
    const s_win_t *p = x, *q = y;
    return p->a < q->a ? -1 : p->a > q->a;
}

static int s_by_score_desc(const void *x, const void *y)
{
    const extract_snippet_t *p = *(extract_snippet_t *const *)x;
    const extract_snippet_t *q = *(extract_snippet_t *const *)y;
    if (p->score != q->score)
        return p->score < q->score ? 1 : -1;
    return p->offset < q->offset ? -1 : p->offset > q->offset;
}

/* Ranks by score; scores scaled so the best is 1. */
static void s_rank(extract_snippets_t *out)
{
    extract_snippet_t **order = mem_alloc((out->count + 1) * sizeof *order);
    for (size_t i = 0; i < out->count; i++)
        order[i] = &out->items[i];
    qsort(order, out->count, sizeof *order, s_by_score_desc);
    double top = out->count && order[0]->score > 0 ? order[0]->score : 1;
    for (size_t i = 0; i < out->count; i++) {
        order[i]->rank = (int)i + 1;
        order[i]->score = round(order[i]->score / top * 1000.0) / 1000.0;
    }
    free(order);
}

static void
s_fill_snippets(const extract_doc_t *d, const s_win_t *chosen, size_t n, extract_snippets_t *out)
{
    const textmodel_t *m = &d->m;
    extract_voice_t *voice = extract_voice_new(d);
    out->items = mem_calloc(n + 1, sizeof *out->items);
    for (size_t i = 0; i < n; i++) {
        const textmodel_sent_t *sa = &m->sents[chosen[i].a], *sb = &m->sents[chosen[i].b];
        extract_snippet_t *sn = &out->items[out->count++];
        sn->offset = sa->offset;
        sn->length = sb->offset + sb->length - sa->offset;
        sn->start_ms = d->t->timed ? transcript_time_at(d->t, sn->offset) : -1;
        const char *who = transcript_speaker_at(d->t, sn->offset);
        sn->speaker = who ? mem_strdup(who) : NULL;
        sn->score = chosen[i].score;
        sn->commentary = extract_commentary(d, voice, chosen[i].a, chosen[i].b);
    }
    extract_voice_destroy(&voice);
    s_rank(out);
}

int extract_snippets(const transcript_t *t,
                     const extract_opts_t *opts,
                     extract_snippets_t *out,
                     err_t *err)
{
    if (!out) {
        err_set(err, LODE_EINVAL, "extract_snippets: no output");
        return -1;
    }
    memset(out, 0, sizeof *out);
    extract_analysis_t *a = extract_analysis_new(t, err);
    if (!a)
        return -1;
    int rc = extract_snippets_with(a, opts, out, err);
    extract_analysis_destroy(&a);
    return rc;
}

int extract_snippets_with(const extract_analysis_t *a,
                          const extract_opts_t *opts,
                          extract_snippets_t *out,
                          err_t *err)
{
    if (!out || !a) {
        err_set(err, LODE_EINVAL, "extract_snippets: missing argument");
        return -1;
    }
    memset(out, 0, sizeof *out);
    const extract_doc_t *d = &a->d;
    size_t n_wins, k = s_snippet_target(d, opts);
    s_feats_t feats;
    s_feats_build(d, &feats);
    s_win_t *wins = s_windows(d, &feats, &n_wins);
    s_feats_clear(&feats);
    s_win_t *chosen = mem_alloc((k + 1) * sizeof *chosen);
    size_t n = s_choose(d, wins, n_wins, k, chosen);
    qsort(chosen, n, sizeof *chosen, s_by_position);
    s_fill_snippets(d, chosen, n, out);
    size_t words = d->n_words;
    free(chosen);
    free(wins);
    /* Words but no window worth quoting: the same few words over and over
     * score nothing. Saying "empty" of a 50 MB transcript would be a lie. */
    if (out->count == 0)
        extract_snippets_clear(out); /* the items array, empty */
    if (out->count == 0 && words > 0) {
        err_set(err, LODE_EEMPTY,
                "no sentence stands out to quote in %zu words: the text repeats the same few "
                "words",
                words);
        return -1;
    }
    if (out->count == 0) {
        err_set(err, LODE_EEMPTY, "empty transcript");
        return -1;
    }
    return 0;
}

void extract_snippets_clear(extract_snippets_t *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->count; i++) {
        free(s->items[i].commentary);
        free(s->items[i].speaker);
    }
    free(s->items);
    memset(s, 0, sizeof *s);
}

/* ---- snippets JSON ----------------------------------------------------- */

static char *s_to_json(const transcript_t *t, const extract_snippets_t *s, bool exact);

char *extract_snippets_to_json(const transcript_t *t, const extract_snippets_t *s)
{
    return s_to_json(t, s, false);
}

char *extract_snippets_to_json_exact(const transcript_t *t, const extract_snippets_t *s)
{
    for (size_t i = 0; i < s->count; i++) {
        const extract_snippet_t *sn = &s->items[i];
        bool ink = false; /* the guard drops a quote of white space only */
        for (size_t k = sn->offset; !ink && k < sn->offset + sn->length && k < t->len; k++)
            ink = !strchr(" \t\n\r\f\v", t->text[k]);
        if (sn->length == 0 || sn->offset > t->len || sn->length > t->len - sn->offset || !ink)
            return NULL;
    }
    return s_to_json(t, s, true);
}

static char *s_to_json(const transcript_t *t, const extract_snippets_t *s, bool exact)
{
    json_t *arr = json_array();
    transcript_cursor_t cur = {0, 0}; /* snippets are in source order: one pass */
    for (size_t i = 0; i < s->count; i++) {
        const extract_snippet_t *sn = &s->items[i];
        size_t cp = transcript_cp_from(t, &cur, sn->offset);
        size_t cp_len = transcript_cp_from(t, &cur, sn->offset + sn->length) - cp;
        json_t *o = json_pack("{s:I,s:s%,s:s,s:I,s:I}", "id", (json_int_t)i + 1, "quote",
                              t->text + sn->offset, sn->length, "commentary",
                              sn->commentary ? sn->commentary : "", "offset", (json_int_t)cp,
                              "length", (json_int_t)cp_len);
        if (!o)
            continue; /* not UTF-8: cannot happen for spans of a transcript */
        if (sn->start_ms >= 0)
            json_object_set_new(o, "start_ms", json_integer(sn->start_ms));
        if (sn->speaker)
            json_object_set_new(o, "speaker", json_string(sn->speaker));
        json_object_set_new(o, "rank", json_integer(sn->rank));
        json_object_set_new(o, "score", json_real(sn->score));
        if (exact)
            json_object_set_new(o, "match", json_string("exact"));
        json_array_append_new(arr, o);
    }
    char *out = json_dumps(arr, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(arr);
    return out;
}

/* The fields of one element of a snippets array, as read. */
typedef struct {
    const char *quote, *commentary, *speaker; /* speaker may be NULL */
    size_t quote_len;
    long long off, len, rank, start_ms;
    double score;
} s_item_in_t;

/* One element back to byte offsets, the quote checked against the span it
 * names. */
static int s_item_make(const transcript_t *t,
                       const s_item_in_t *in,
                       size_t total_cp,
                       transcript_cursor_t *cur,
                       extract_snippet_t *sn,
                       err_t *err)
{
    if (in->off < 0 || in->len < 0 || (size_t)in->off > total_cp ||
        (size_t)in->len > total_cp - (size_t)in->off) {
        err_set(err, LODE_EINVAL, "snippet: span %lld+%lld outside the transcript", in->off,
                in->len);
        return -1;
    }
    size_t b0 = transcript_byte_from(t, cur, (size_t)in->off);
    size_t b1 = transcript_byte_from(t, cur, (size_t)(in->off + in->len));
    if (b1 - b0 != in->quote_len || memcmp(t->text + b0, in->quote, in->quote_len) != 0) {
        err_set(err, LODE_EINVAL, "snippet: quote is not the text at %lld+%lld", in->off, in->len);
        return -1;
    }
    *sn = (extract_snippet_t){b0,
                              b1 - b0,
                              in->start_ms,
                              in->score,
                              (int)in->rank,
                              mem_strdup(in->commentary),
                              in->speaker ? mem_strdup(in->speaker) : NULL};
    return 0;
}

static int s_snippet_from_json(const transcript_t *t,
                               json_t *o,
                               size_t total_cp,
                               transcript_cursor_t *cur,
                               extract_snippet_t *sn,
                               err_t *err)
{
    json_int_t off = -1, len = -1, rank = 0, start_ms = -1;
    s_item_in_t in = {.commentary = ""};
    json_error_t je;
    if (json_unpack_ex(o, &je, 0, "{s:s%,s?s,s:I,s:I,s?I,s?I,s?F,s?s}", "quote", &in.quote,
                       &in.quote_len, "commentary", &in.commentary, "offset", &off, "length", &len,
                       "start_ms", &start_ms, "rank", &rank, "score", &in.score, "speaker",
                       &in.speaker) != 0) {
        err_set(err, LODE_EINVAL, "snippet: %s", je.text);
        return -1;
    }
    in.off = off, in.len = len, in.rank = rank, in.start_ms = start_ms;
    return s_item_make(t, &in, total_cp, cur, sn, err);
}

/* ---- the direct reader (jsonlex.h) ---------------------------------------- */

/* A string field as a C string: false (no) if it holds a NUL, which jansson
 * would hand on cut short. */
static bool s_cstr(jsonlex_t *j, buf_t *b)
{
    if (!jsonlex_str(j, b))
        return false;
    if (b->len && memchr(b->data, '\0', b->len))
        j->no = true;
    return !j->no;
}

/* One item of the exact form s_to_json writes, its strings in bufs. */
static bool s_item_fast(jsonlex_t *j, buf_t bufs[3], s_item_in_t *in)
{
    *in = (s_item_in_t){.start_ms = -1};
    jsonlex_lit(j, "{\"id\":");
    jsonlex_uint(j);
    jsonlex_lit(j, ",\"quote\":");
    if (jsonlex_str(j, &bufs[0]))
        in->quote = bufs[0].data ? bufs[0].data : "", in->quote_len = bufs[0].len;
    jsonlex_lit(j, ",\"commentary\":");
    if (s_cstr(j, &bufs[1]))
        in->commentary = bufs[1].data ? bufs[1].data : "";
    jsonlex_lit(j, ",\"offset\":");
    in->off = jsonlex_uint(j);
    jsonlex_lit(j, ",\"length\":");
    in->len = jsonlex_uint(j);
    if (!j->no && j->end - j->p > 12 && memcmp(j->p, ",\"start_ms\":", 12) == 0) {
        j->p += 12;
        in->start_ms = jsonlex_uint(j);
    }
    if (!j->no && j->end - j->p > 11 && memcmp(j->p, ",\"speaker\":", 11) == 0) {
        j->p += 11;
        if (s_cstr(j, &bufs[2]))
            in->speaker = bufs[2].data ? bufs[2].data : "";
    }
    jsonlex_lit(j, ",\"rank\":");
    in->rank = jsonlex_uint(j);
    jsonlex_lit(j, ",\"score\":");
    in->score = jsonlex_real(j);
    if (!j->no && j->end - j->p > 17 && memcmp(j->p, ",\"match\":\"exact\"}", 17) == 0)
        j->p += 16; /* what the guard adds; the reader ignores it */
    return jsonlex_lit(j, "}");
}

/* The snippets when json is exactly the form this engine writes and every
 * item sound; else -1 (nothing made), and jansson reads it (or says what is
 * wrong, in the words it always did). */
static int s_from_fast(const transcript_t *t, const char *json, size_t len, extract_snippets_t *out)
{
    jsonlex_t j = {json, json + len, false};
    buf_t bufs[3];
    for (int i = 0; i < 3; i++)
        buf_init(&bufs[i], EXTRACT_OUT_MAX);
    size_t total_cp = transcript_cp(t, t->len), cap = 0;
    transcript_cursor_t cur = {0, 0};
    err_t ignored = {0};
    jsonlex_lit(&j, "[");
    for (size_t i = 0; !j.no && !(j.p < j.end && *j.p == ']'); i++) {
        s_item_in_t in;
        if ((i > 0 && !jsonlex_lit(&j, ",")) || !s_item_fast(&j, bufs, &in))
            break;
        if (out->count == cap) {
            cap = cap ? cap * 2 : 32;
            out->items = mem_realloc(out->items, (cap + 1) * sizeof *out->items);
        }
        if (s_item_make(t, &in, total_cp, &cur, &out->items[out->count], &ignored) != 0)
            j.no = true;
        else
            out->count++;
    }
    for (int i = 0; i < 3; i++)
        buf_free(&bufs[i]);
    if (jsonlex_lit(&j, "]") && j.p == j.end) {
        if (!out->items)
            out->items = mem_calloc(1, sizeof *out->items);
        return 0;
    }
    extract_snippets_clear(out);
    return -1;
}

int extract_snippets_from_json(
    const transcript_t *t, const char *json, size_t len, extract_snippets_t *out, err_t *err)
{
    if (!out || !t || !json) {
        err_set(err, LODE_EINVAL, "extract_snippets_from_json: missing argument");
        return -1;
    }
    memset(out, 0, sizeof *out);
    /* Read at the synthesis and fan-out stages of every job: the form
     * written above is read directly, anything else by jansson. */
    if (s_from_fast(t, json, len, out) == 0)
        return 0;
    json_error_t je;
    json_t *arr = json_loadb(json, len, 0, &je);
    if (!arr || !json_is_array(arr)) {
        err_set(err, LODE_EINVAL, "snippets: %s", arr ? "not an array" : je.text);
        json_decref(arr);
        return -1;
    }
    size_t total_cp = transcript_cp(t, t->len);
    transcript_cursor_t cur = {0, 0}; /* in source order unless curated: one pass */
    out->items = mem_calloc(json_array_size(arr) + 1, sizeof *out->items);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        if (s_snippet_from_json(t, json_array_get(arr, i), total_cp, &cur, &out->items[i], err) !=
            0) {
            err_prefix(err, "snippet %zu: ", i + 1);
            json_decref(arr);
            extract_snippets_clear(out);
            return -1;
        }
        out->count++;
    }
    json_decref(arr);
    return 0;
}
