/*  extract_snippets.c - the snippets stage: every window of one to three
 *  sentences scored, the best spread over the source, ranked, each given a
 *  commentary (extract_commentary.c); and the snippets' JSON form, both
 *  ways. Every quote is a span of the text.
 *  SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "extract_impl.h"
#include "mem.h"

#define S_MAX_SNIPPETS 200

typedef struct {
    uint32_t a, b; /* first and last sentence */
    uint32_t words;
    double score;
} s_win_t;

static const char *const s_fillers[] = {"um", "uh", "yeah", "like", "okay", "mean", "know"};

static double s_window_score(const extract_doc_t *d, uint32_t a, uint32_t b, uint32_t *words)
{
    const textmodel_t *m = &d->m;
    double info = 0;
    uint32_t n = 0, fillers = 0, questions = 0;
    for (uint32_t s = a; s <= b; s++) {
        const textmodel_sent_t *st = &m->sents[s];
        info += d->info[s];
        n += st->n_words;
        questions += st->question;
        for (uint32_t w = st->first_word; w < st->first_word + st->n_words; w++)
            fillers += extract_key_in(m, w, s_fillers, EXTRACT_N(s_fillers));
    }
    *words = n;
    if (n == 0)
        return 0;
    double score = info / n * extract_length_pref(n, 35, 110) * extract_opener_penalty(m, a);
    double filler = 1.0 - 2.0 * fillers / n;
    score *= filler < 0.3 ? 0.3 : filler;
    if (questions == b - a + 1)
        score *= 0.5;
    else if (m->sents[b].question)
        score *= 0.85;
    if (m->sents[b].cut)
        score *= 0.7;
    return score;
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

/* Every window of one to three sentences inside one paragraph, best first. */
static s_win_t *s_windows(const extract_doc_t *d, size_t *n_out)
{
    const textmodel_t *m = &d->m;
    s_win_t *wins = mem_alloc((3 * m->n_sents + 1) * sizeof *wins);
    size_t n = 0;
    uint32_t min_words = d->n_words < 200 ? 1 : 8;
    for (uint32_t a = 0; a < m->n_sents; a++) {
        for (uint32_t b = a; b < a + 3 && b < m->n_sents; b++) {
            if (b > a && m->sents[b].para_start)
                break;
            uint32_t words;
            double score = s_window_score(d, a, b, &words);
            if (words > 160 && b > a)
                break;
            if (words >= min_words && score > 0)
                wins[n++] = (s_win_t){a, b, words, score};
        }
    }
    qsort(wins, n, sizeof *wins, s_by_window_score);
    *n_out = n;
    return wins;
}

static size_t s_snippet_target(const extract_doc_t *d, const extract_opts_t *opts)
{
    if (opts && opts->max_snippets)
        return opts->max_snippets < S_MAX_SNIPPETS ? opts->max_snippets : S_MAX_SNIPPETS;
    size_t k = d->n_words / 170;
    return k < 3 ? 3 : k > 25 ? 25 : k;
}

/* Free of chosen sentences, with one sentence of gap on each side. */
static bool s_window_free(const uint8_t *used, size_t n_sents, const s_win_t *w)
{
    uint32_t lo = w->a > 0 ? w->a - 1 : 0;
    uint32_t hi = w->b + 1 < n_sents ? w->b + 1 : w->b;
    for (uint32_t s = lo; s <= hi; s++)
        if (used[s])
            return false;
    return true;
}

/* The best window of each region of the text first, so that the quotes are
 * spread over the source; then the best of the rest. */
static size_t
s_choose(const extract_doc_t *d, const s_win_t *wins, size_t n_wins, size_t k, s_win_t *chosen)
{
    const textmodel_t *m = &d->m;
    uint8_t *used = mem_calloc(m->n_sents + 1, 1);
    size_t regions = (2 * k + 2) / 3, n = 0;
    uint8_t *region_done = mem_calloc(regions + 1, 1);
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n_wins && n < k; i++) {
            const s_win_t *w = &wins[i];
            size_t r = (size_t)((uint64_t)m->sents[w->a].first_word * regions /
                                (d->n_words ? d->n_words : 1));
            if ((pass == 0 && region_done[r]) || !s_window_free(used, m->n_sents, w))
                continue;
            region_done[r] = 1;
            memset(used + w->a, 1, w->b - w->a + 1);
            chosen[n++] = *w;
        }
    }
    free(region_done);
    free(used);
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
    extract_doc_t d;
    if (extract_doc_build(&d, t, err) != 0)
        return -1;
    size_t n_wins, k = s_snippet_target(&d, opts);
    s_win_t *wins = s_windows(&d, &n_wins);
    s_win_t *chosen = mem_alloc((k + 1) * sizeof *chosen);
    size_t n = s_choose(&d, wins, n_wins, k, chosen);
    qsort(chosen, n, sizeof *chosen, s_by_position);
    s_fill_snippets(&d, chosen, n, out);
    size_t words = d.n_words;
    free(chosen);
    free(wins);
    extract_doc_clear(&d);
    /* Words but no window worth quoting: the same few words over and over
     * score nothing. Saying "empty" of a 50 MB transcript would be a lie. */
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
    for (size_t i = 0; i < s->count; i++)
        free(s->items[i].commentary);
    free(s->items);
    memset(s, 0, sizeof *s);
}

/* ---- snippets JSON ----------------------------------------------------- */

char *extract_snippets_to_json(const transcript_t *t, const extract_snippets_t *s)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < s->count; i++) {
        const extract_snippet_t *sn = &s->items[i];
        size_t cp = transcript_cp(t, sn->offset);
        size_t cp_len = transcript_cp(t, sn->offset + sn->length) - cp;
        json_t *o = json_pack("{s:I,s:s%,s:s,s:I,s:I}", "id", (json_int_t)i + 1, "quote",
                              t->text + sn->offset, sn->length, "commentary",
                              sn->commentary ? sn->commentary : "", "offset", (json_int_t)cp,
                              "length", (json_int_t)cp_len);
        if (!o)
            continue; /* not UTF-8: cannot happen for spans of a transcript */
        if (sn->start_ms >= 0)
            json_object_set_new(o, "start_ms", json_integer(sn->start_ms));
        json_object_set_new(o, "rank", json_integer(sn->rank));
        json_object_set_new(o, "score", json_real(sn->score));
        json_array_append_new(arr, o);
    }
    char *out = json_dumps(arr, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(arr);
    return out;
}

/* One element of a snippets array back to byte offsets, the quote checked
 * against the span it names. */
static int s_snippet_from_json(
    const transcript_t *t, json_t *o, size_t total_cp, extract_snippet_t *sn, err_t *err)
{
    const char *quote = NULL, *commentary = "";
    size_t quote_len = 0;
    json_int_t off = -1, len = -1, rank = 0, start_ms = -1;
    double score = 0;
    json_error_t je;
    if (json_unpack_ex(o, &je, 0, "{s:s%,s?s,s:I,s:I,s?I,s?I,s?F}", "quote", &quote, &quote_len,
                       "commentary", &commentary, "offset", &off, "length", &len, "start_ms",
                       &start_ms, "rank", &rank, "score", &score) != 0) {
        err_set(err, LODE_EINVAL, "snippet: %s", je.text);
        return -1;
    }
    if (off < 0 || len < 0 || (size_t)off > total_cp || (size_t)len > total_cp - (size_t)off) {
        err_set(err, LODE_EINVAL, "snippet: span %lld+%lld outside the transcript", (long long)off,
                (long long)len);
        return -1;
    }
    size_t b0 = transcript_byte(t, (size_t)off), b1 = transcript_byte(t, (size_t)(off + len));
    if (b1 - b0 != quote_len || memcmp(t->text + b0, quote, quote_len) != 0) {
        err_set(err, LODE_EINVAL, "snippet: quote is not the text at %lld+%lld", (long long)off,
                (long long)len);
        return -1;
    }
    *sn = (extract_snippet_t){b0, b1 - b0, start_ms, score, (int)rank, mem_strdup(commentary)};
    return 0;
}

int extract_snippets_from_json(
    const transcript_t *t, const char *json, size_t len, extract_snippets_t *out, err_t *err)
{
    if (!out || !t || !json) {
        err_set(err, LODE_EINVAL, "extract_snippets_from_json: missing argument");
        return -1;
    }
    memset(out, 0, sizeof *out);
    json_error_t je;
    json_t *arr = json_loadb(json, len, 0, &je);
    if (!arr || !json_is_array(arr)) {
        err_set(err, LODE_EINVAL, "snippets: %s", arr ? "not an array" : je.text);
        json_decref(arr);
        return -1;
    }
    size_t total_cp = transcript_cp(t, t->len);
    out->items = mem_calloc(json_array_size(arr) + 1, sizeof *out->items);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        if (s_snippet_from_json(t, json_array_get(arr, i), total_cp, &out->items[i], err) != 0) {
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
