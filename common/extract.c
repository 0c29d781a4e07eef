/*  extract.c - the extractive engine: snippets (ranked windows of one to
 *  three sentences with a commentary built from their keyphrases and
 *  rhetorical cues), a synthesis (topic sections of central sentences) and
 *  a fan-out (questions, keyphrases, named references). Deterministic: no
 *  randomness, no clock, no I/O. Every quote is a span of the text.
 *  SPDX-License-Identifier: MIT
 */
#include "extract.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "entity.h"
#include "keyphrase.h"
#include "mem.h"
#include "textmodel.h"
#include "topic.h"

#define S_N(a)           (sizeof(a) / sizeof((a)[0]))
#define S_KEYPHRASES     40
#define S_MAX_SNIPPETS   200
#define S_MAX_QUESTIONS  20
#define S_MAX_CONCEPTS   25
#define S_MAX_REFERENCES 20
#define S_OUT_MAX        (4u * 1024 * 1024)

/* One analysis of the transcript, shared by the stages' helpers. */
typedef struct {
    const transcript_t *t;
    textmodel_t m;
    keyphrase_list_t kp;
    double *w;       /* owned: weight of each term, 0 for stopwords */
    double *info;    /* owned: informativeness of each sentence */
    uint32_t *stamp; /* owned: per-term scratch mark */
    size_t n_words;  /* words in the analysed text */
} s_doc_t;

static bool s_key_is(const textmodel_t *m, uint32_t word, const char *key)
{
    size_t len;
    const char *k = textmodel_key(m, m->words[word].term, &len);
    return strlen(key) == len && memcmp(k, key, len) == 0;
}

static bool s_key_in(const textmodel_t *m, uint32_t word, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s_key_is(m, word, list[i]))
            return true;
    return false;
}

static void s_doc_weights(s_doc_t *d)
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
static void s_doc_info(s_doc_t *d)
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

static void s_doc_clear(s_doc_t *d)
{
    keyphrase_list_clear(&d->kp);
    textmodel_clear(&d->m);
    free(d->w);
    free(d->info);
    free(d->stamp);
    memset(d, 0, sizeof *d);
}

static int s_doc_build(s_doc_t *d, const transcript_t *t, err_t *err)
{
    memset(d, 0, sizeof *d);
    if (!t || (!t->text && t->len)) {
        err_set(err, LODE_EINVAL, "extract: no transcript");
        return -1;
    }
    d->t = t;
    if (textmodel_build(&d->m, t->text ? t->text : "", t->len, err) != 0)
        return -1;
    if (keyphrase_extract(&d->m, S_KEYPHRASES, &d->kp, err) != 0) {
        s_doc_clear(d);
        return -1;
    }
    d->n_words = d->m.n_words;
    s_doc_weights(d);
    s_doc_info(d);
    return 0;
}

/* Append to an output buffer. The outputs are bounded by construction (a
 * few dozen sentences of at most 600 bytes), far below S_OUT_MAX, so a
 * failure here cannot happen and is not worth a path of its own. */
static void s_put(buf_t *b, const char *s, size_t n)
{
    if (buf_append(b, s, n, NULL) != 0)
        return;
}

static void s_puts(buf_t *b, const char *s)
{
    s_put(b, s, strlen(s));
}

/* Text of words [a, b] with white space squeezed, appended to out. */
static void s_words_text(const textmodel_t *m, uint32_t a, uint32_t b, buf_t *out)
{
    const textmodel_word_t *wa = &m->words[a], *wb = &m->words[b];
    for (size_t i = wa->offset; i < wb->offset + wb->length; i++) {
        char ch = m->text[i];
        bool space = ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r';
        if (space && out->len && out->data[out->len - 1] == ' ')
            continue;
        s_put(out, space ? " " : &ch, 1);
    }
}

/* ---- snippets ---------------------------------------------------------- */

typedef struct {
    uint32_t a, b; /* first and last sentence */
    uint32_t words;
    double score;
} s_win_t;

static const char *const s_connectives[] = {"and",  "but",  "so",   "because", "which", "or",
                                            "then", "also", "yeah", "um",      "uh",    "okay",
                                            "well", "like", "now",  "anyway",  "plus"};
static const char *const s_pronouns[] = {"this", "that", "these", "those", "they",
                                         "he",   "she",  "them",  "their", "it"};
static const char *const s_fillers[] = {"um", "uh", "yeah", "like", "okay", "mean", "know"};

static double s_length_pref(uint32_t words, uint32_t lo, uint32_t hi)
{
    if (words < lo)
        return pow((double)words / lo, 0.8);
    if (words > hi)
        return pow((double)hi / words, 1.5);
    return 1.0;
}

/* Penalty for a quote that opens mid-thought: "And so", "This is why". */
static double s_opener_penalty(const textmodel_t *m, uint32_t sent)
{
    const textmodel_sent_t *s = &m->sents[sent];
    if (s->n_words == 0)
        return 0.5;
    double p = 1.0;
    if (sent > 0 && m->sents[sent - 1].cut)
        p *= 0.5; /* the rest of a sentence cut for length */
    if (s_key_in(m, s->first_word, s_connectives, S_N(s_connectives)))
        return p * 0.7;
    if (s_key_is(m, s->first_word, "it"))
        return p * 0.93;
    if (s_key_in(m, s->first_word, s_pronouns, S_N(s_pronouns)))
        return p * 0.8;
    return p;
}

static double s_window_score(const s_doc_t *d, uint32_t a, uint32_t b, uint32_t *words)
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
            fillers += s_key_in(m, w, s_fillers, S_N(s_fillers));
    }
    *words = n;
    if (n == 0)
        return 0;
    double score = info / n * s_length_pref(n, 35, 110) * s_opener_penalty(m, a);
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
static s_win_t *s_windows(const s_doc_t *d, size_t *n_out)
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

static size_t s_snippet_target(const s_doc_t *d, const extract_opts_t *opts)
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
s_choose(const s_doc_t *d, const s_win_t *wins, size_t n_wins, size_t k, s_win_t *chosen)
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

/* ---- commentary -------------------------------------------------------- */

typedef enum {
    S_CLAIM,
    S_CONTRAST,
    S_QUANT,
    S_DEFINE,
    S_ANALOGY,
    S_PREDICT,
    S_QUESTION,
    S_CAUSE,
    S_EXAMPLE,
    S_EVIDENCE,
    S_ADVISE,
    S_N_ROLES
} s_role_t;

typedef struct {
    s_role_t role;
    const char *first;  /* term key */
    const char *second; /* the next word's key, or NULL */
    double weight;
} s_cue_t;

static const s_cue_t s_cues[] = {
    {S_CONTRAST, "but", NULL, 1.0},      {S_CONTRAST, "however", NULL, 1.5},
    {S_CONTRAST, "whereas", NULL, 1.5},  {S_CONTRAST, "instead", NULL, 1.5},
    {S_CONTRAST, "rather", "than", 1.5}, {S_CONTRAST, "although", NULL, 1.0},
    {S_CONTRAST, "unlike", NULL, 1.5},   {S_CONTRAST, "by", "contrast", 2.0},
    {S_CONTRAST, "actually", NULL, 0.6}, {S_DEFINE, "definition", NULL, 2.5},
    {S_DEFINE, "define", NULL, 2.0},     {S_DEFINE, "defined", NULL, 2.0},
    {S_DEFINE, "to", "say", 1.5},        {S_DEFINE, "refer", "to", 1.5},
    {S_DEFINE, "known", "as", 1.5},      {S_DEFINE, "mean", NULL, 0.8},
    {S_ANALOGY, "like", "a", 1.5},       {S_ANALOGY, "like", "the", 1.0},
    {S_ANALOGY, "as", "if", 1.5},        {S_ANALOGY, "think", "of", 1.5},
    {S_ANALOGY, "analogy", NULL, 2.5},   {S_ANALOGY, "analogous", NULL, 2.0},
    {S_ANALOGY, "metaphor", NULL, 2.5},  {S_ANALOGY, "imagine", NULL, 1.5},
    {S_ANALOGY, "similar", "to", 1.5},   {S_PREDICT, "will", NULL, 0.3},
    {S_PREDICT, "bet", NULL, 2.0},       {S_PREDICT, "predict", NULL, 2.0},
    {S_PREDICT, "expect", NULL, 1.5},    {S_PREDICT, "future", NULL, 1.0},
    {S_PREDICT, "going", "to", 1.0},     {S_CAUSE, "because", NULL, 1.5},
    {S_CAUSE, "reason", NULL, 1.5},      {S_CAUSE, "why", NULL, 0.8},
    {S_CAUSE, "therefore", NULL, 1.5},   {S_CAUSE, "due", "to", 1.5},
    {S_CAUSE, "lead", "to", 1.0},        {S_CAUSE, "explain", NULL, 1.0},
    {S_EXAMPLE, "for", "example", 2.5},  {S_EXAMPLE, "for", "instance", 2.5},
    {S_EXAMPLE, "such", "as", 1.5},      {S_EXAMPLE, "example", NULL, 1.0},
    {S_EVIDENCE, "suggest", NULL, 1.5},  {S_EVIDENCE, "evidence", NULL, 2.0},
    {S_EVIDENCE, "show", NULL, 1.0},     {S_EVIDENCE, "study", NULL, 1.0},
    {S_EVIDENCE, "found", NULL, 1.0},    {S_ADVISE, "should", NULL, 1.5},
    {S_ADVISE, "recommend", NULL, 2.0},  {S_ADVISE, "need", "to", 1.0},
    {S_ADVISE, "must", NULL, 1.0},       {S_ADVISE, "have", "to", 0.7},
};

static const char *const s_number_words[] = {"hundred",  "thousand", "million",     "billion",
                                             "trillion", "percent",  "millionfold", "twice",
                                             "half",     "factor",   "dozen"};

/* Templates per role; {A} and {B} are keyphrases, {N} a figure, {L} the
 * thing compared with. A template is used only when its slots can be filled. */
static const char *const s_templates[S_N_ROLES][3] = {
    [S_CLAIM] = {"Makes a central claim about {A} and its link to {B}.",
                 "Stakes out a clear position on {A}.",
                 "Connects {A} to {B}, a thread the rest of the source builds on."},
    [S_CONTRAST] = {"Challenges a common assumption about {A}, setting it against {B}.",
                    "Pushes back on the easy story about {A}.",
                    "Draws a sharp contrast between {A} and {B}."},
    [S_QUANT] = {"Puts a number on {A}: {N}.", "Quantifies {A}, anchoring the argument in {N}.",
                 "Uses concrete figures to make {A} tangible."},
    [S_DEFINE] = {"Defines {A} in terms of {B}.",
                  "Pins down what {A} means, framing the discussion around {B}.",
                  "Offers a working definition of {A}."},
    [S_ANALOGY] = {"Draws an analogy: {A} seen as {L}.",
                   "Uses a vivid comparison ({L}) to reframe {A}.",
                   "Makes {A} intuitive through an analogy with {B}."},
    [S_PREDICT] = {"Makes a prediction about {A} that could be checked against {B}.",
                   "Bets on where {A} is heading.", "Looks ahead: a forecast about {A} and {B}."},
    [S_QUESTION] = {"Raises the question of {A} and what it means for {B}.",
                    "Poses an open question about {A}.",
                    "Frames {A} as a question worth answering."},
    [S_CAUSE] = {"Explains why {A} matters, tracing it to {B}.",
                 "Offers a causal account linking {A} to {B}.", "Traces {A} back to its causes."},
    [S_EXAMPLE] = {"Grounds {A} in a concrete example involving {B}.",
                   "Makes {A} concrete with a specific case.", "Illustrates {A} through {B}."},
    [S_EVIDENCE] = {"Offers evidence about {A}, with implications for {B}.",
                    "Marshals evidence on {A}.", "Argues from evidence that {A} shapes {B}."},
    [S_ADVISE] = {"Argues what {A} requires, pointing at {B}.",
                  "Prescribes a way of thinking about {A}.",
                  "Sets out what must happen for {A} to work."},
};

/* State carried across the snippets of one source, so lines vary. */
typedef struct {
    uint32_t template_uses[S_N_ROLES][3];
    uint32_t *kp_uses; /* owned: mentions of each keyphrase so far */
} s_voice_t;

/* The slot values for one snippet; NULL when unavailable. */
typedef struct {
    char *a, *b, *n, *l; /* owned */
} s_slots_t;

static s_role_t s_detect_role(const textmodel_t *m, uint32_t a, uint32_t b)
{
    double score[S_N_ROLES] = {0};
    uint32_t first = m->sents[a].first_word;
    uint32_t end = m->sents[b].first_word + m->sents[b].n_words;
    double figures = 0;
    for (uint32_t w = first; w < end; w++) {
        for (size_t c = 0; c < S_N(s_cues); c++) {
            const s_cue_t *cue = &s_cues[c];
            if (s_key_is(m, w, cue->first) &&
                (!cue->second || (w + 1 < end && s_key_is(m, w + 1, cue->second))))
                score[cue->role] += cue->weight;
        }
        if ((m->words[w].flags & TEXTMODEL_W_NUM) ||
            s_key_in(m, w, s_number_words, S_N(s_number_words)))
            figures += 1;
    }
    score[S_QUANT] = figures >= 2 ? figures : 0;
    for (uint32_t s = a; s <= b; s++)
        score[S_QUESTION] += m->sents[s].question ? (s == a ? 2.0 : 1.0) : 0;
    s_role_t best = S_CLAIM;
    for (int r = 1; r < S_N_ROLES; r++)
        if (score[r] > score[best])
            best = (s_role_t)r;
    return score[best] >= 1.0 ? best : S_CLAIM;
}

/* A figure: a number and the words it counts ("200 million tokens"). */
static char *s_figure(const textmodel_t *m, uint32_t first, uint32_t end)
{
    for (uint32_t w = first; w < end; w++) {
        if (!(m->words[w].flags & TEXTMODEL_W_NUM))
            continue;
        uint32_t z = w;
        while (z + 1 < end && z - w < 3 && !(m->words[z + 1].flags & TEXTMODEL_W_BREAK) &&
               (textmodel_is_content(m, z + 1) ||
                s_key_in(m, z + 1, s_number_words, S_N(s_number_words))))
            z++;
        buf_t b;
        buf_init(&b, 256);
        s_words_text(m, w, z, &b);
        return buf_steal(&b);
    }
    return NULL;
}

/* What a "like a ..." or "as if ..." compares with: up to four words, to
 * the next punctuation or relative clause. */
static char *s_likeness(const textmodel_t *m, uint32_t first, uint32_t end)
{
    uint32_t at = UINT32_MAX;
    for (uint32_t w = first; w + 1 < end; w++)
        if ((s_key_is(m, w, "like") &&
             (s_key_is(m, w + 1, "a") || s_key_is(m, w + 1, "an") || s_key_is(m, w + 1, "the"))) ||
            (s_key_is(m, w, "as") && s_key_is(m, w + 1, "if")))
            at = w + 1;
    if (at == UINT32_MAX)
        return NULL;
    uint32_t z = at;
    while (z + 1 < end && z - at < 3 && !(m->words[z + 1].flags & TEXTMODEL_W_BREAK) &&
           !(m->words[z + 1].flags & TEXTMODEL_W_STOP))
        z++;
    if (z == at)
        return NULL;
    buf_t b;
    buf_init(&b, 256);
    s_words_text(m, at, z, &b);
    return buf_steal(&b);
}

/* The snippet's best keyphrase not yet much mentioned, skipping skip. */
static int s_pick_kp(const s_doc_t *d, const s_voice_t *v, uint32_t a, uint32_t b, int skip)
{
    int best = -1;
    double best_v = 0;
    for (size_t k = 0; k < d->kp.count; k++) {
        const keyphrase_t *kp = &d->kp.items[k];
        if ((int)k == skip || !keyphrase_in_range(kp, a, b))
            continue;
        if (skip >= 0 &&
            (strstr(d->kp.items[skip].text, kp->text) || strstr(kp->text, d->kp.items[skip].text)))
            continue;
        double val = kp->score * (kp->n_terms > 1 ? 3.0 : 1.0) * keyphrase_count_in(kp, a, b) /
                     (1.0 + 1.5 * v->kp_uses[k]);
        if (val > best_v) {
            best_v = val;
            best = (int)k;
        }
    }
    return best;
}

/* The heaviest content word of the snippet, when it holds no keyphrase. */
static char *s_top_word(const s_doc_t *d, uint32_t first, uint32_t end)
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
    s_words_text(&d->m, best, best, &b);
    return buf_steal(&b);
}

static void s_slots_fill(const s_doc_t *d, s_voice_t *v, uint32_t a, uint32_t b, s_slots_t *sl)
{
    const textmodel_t *m = &d->m;
    uint32_t first = m->sents[a].first_word;
    uint32_t end = m->sents[b].first_word + m->sents[b].n_words;
    memset(sl, 0, sizeof *sl);
    int ka = s_pick_kp(d, v, a, b, -1);
    int kb = ka >= 0 ? s_pick_kp(d, v, a, b, ka) : -1;
    if (ka >= 0) {
        sl->a = mem_strdup(d->kp.items[ka].text);
        v->kp_uses[ka]++;
    } else {
        sl->a = s_top_word(d, first, end);
    }
    if (kb >= 0) {
        sl->b = mem_strdup(d->kp.items[kb].text);
        v->kp_uses[kb]++;
    }
    sl->n = s_figure(m, first, end);
    sl->l = s_likeness(m, first, end);
}

static void s_slots_clear(s_slots_t *sl)
{
    free(sl->a);
    free(sl->b);
    free(sl->n);
    free(sl->l);
}

static bool s_template_fits(const char *tpl, const s_slots_t *sl)
{
    return (!strstr(tpl, "{A}") || sl->a) && (!strstr(tpl, "{B}") || sl->b) &&
           (!strstr(tpl, "{N}") || sl->n) && (!strstr(tpl, "{L}") || sl->l);
}

static char *s_render(const char *tpl, const s_slots_t *sl)
{
    buf_t b;
    buf_init(&b, 4096);
    for (const char *p = tpl; *p; p++) {
        const char *val = NULL;
        if (p[0] == '{' && p[1] && p[2] == '}') {
            val = p[1] == 'A' ? sl->a : p[1] == 'B' ? sl->b : p[1] == 'N' ? sl->n : sl->l;
            s_puts(&b, val ? val : "");
            p += 2;
            continue;
        }
        s_put(&b, p, 1);
    }
    return buf_steal(&b);
}

/* One line on why the snippet matters, from its role and keyphrases. The
 * least used template that fits is taken; ties go by the snippet's position. */
static char *s_commentary(const s_doc_t *d, s_voice_t *v, const s_win_t *win)
{
    s_role_t role = s_detect_role(&d->m, win->a, win->b);
    s_slots_t sl;
    s_slots_fill(d, v, win->a, win->b, &sl);
    if (!sl.a) {
        s_slots_clear(&sl);
        return mem_strdup("Adds a passage that stands apart from the rest of the source.");
    }
    int pick = -1;
    for (int pass = 0; pass < 2 && pick < 0; pass++) {
        s_role_t r = pass == 0 ? role : S_CLAIM;
        for (int i = 0; i < 3; i++) {
            int t = (int)((win->a + (uint32_t)i) % 3);
            if (!s_template_fits(s_templates[r][t], &sl))
                continue;
            if (pick < 0 || v->template_uses[r][t] < v->template_uses[r][pick % 3])
                pick = (int)r * 3 + t;
        }
    }
    if (pick < 0)
        pick = S_CLAIM * 3 + 1;
    v->template_uses[pick / 3][pick % 3]++;
    char *line = s_render(s_templates[pick / 3][pick % 3], &sl);
    s_slots_clear(&sl);
    return line;
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
s_fill_snippets(const s_doc_t *d, const s_win_t *chosen, size_t n, extract_snippets_t *out)
{
    const textmodel_t *m = &d->m;
    s_voice_t voice = {0};
    voice.kp_uses = mem_calloc(d->kp.count + 1, sizeof *voice.kp_uses);
    out->items = mem_calloc(n + 1, sizeof *out->items);
    for (size_t i = 0; i < n; i++) {
        const textmodel_sent_t *sa = &m->sents[chosen[i].a], *sb = &m->sents[chosen[i].b];
        extract_snippet_t *sn = &out->items[out->count++];
        sn->offset = sa->offset;
        sn->length = sb->offset + sb->length - sa->offset;
        sn->start_ms = d->t->timed ? transcript_time_at(d->t, sn->offset) : -1;
        sn->score = chosen[i].score;
        sn->commentary = s_commentary(d, &voice, &chosen[i]);
    }
    free(voice.kp_uses);
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
    s_doc_t d;
    if (s_doc_build(&d, t, err) != 0)
        return -1;
    size_t n_wins, k = s_snippet_target(&d, opts);
    s_win_t *wins = s_windows(&d, &n_wins);
    s_win_t *chosen = mem_alloc((k + 1) * sizeof *chosen);
    size_t n = s_choose(&d, wins, n_wins, k, chosen);
    qsort(chosen, n, sizeof *chosen, s_by_position);
    s_fill_snippets(&d, chosen, n, out);
    free(chosen);
    free(wins);
    s_doc_clear(&d);
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

/* ---- synthesis --------------------------------------------------------- */

static const char *const s_small_words[] = {"a",  "an", "and", "as",  "at", "by", "for", "in",
                                            "of", "on", "or",  "the", "to", "vs", "with"};

/* Title Case: capitalise each lower-case ASCII word except small words. */
static void s_title_case(const char *s, buf_t *out)
{
    bool first = true;
    const char *p = s;
    while (*p) {
        size_t n = strcspn(p, " ");
        bool small = false;
        for (size_t i = 0; i < S_N(s_small_words) && !first; i++)
            small =
                small || (strlen(s_small_words[i]) == n && strncmp(p, s_small_words[i], n) == 0);
        size_t at = out->len;
        s_put(out, p, n);
        if (!small && out->data && out->data[at] >= 'a' && out->data[at] <= 'z')
            out->data[at] = (char)(out->data[at] - 32);
        for (size_t i = at + 1; i + 1 < out->len; i++) /* "sample-efficiency" */
            if (out->data[i] == '-' && out->data[i + 1] >= 'a' && out->data[i + 1] <= 'z')
                out->data[i + 1] = (char)(out->data[i + 1] - 32);
        p += n;
        first = false;
        if (*p == ' ') {
            s_put(out, " ", 1);
            p++;
        }
    }
}

/* A sentence as synthesis prose: white space squeezed, a leading "And" or
 * "So" dropped, the first letter capitalised, a final stop ensured. */
static void s_prose_from(const textmodel_t *m, uint32_t a, uint32_t z, size_t end, buf_t *out)
{
    static const char *const drop[] = {"and", "so", "but", "okay", "yeah", "well", "now", "um"};
    while (a + 4 < z && s_key_in(m, a, drop, S_N(drop)))
        a++;
    size_t at = out->len;
    buf_t tmp;
    buf_init(&tmp, S_OUT_MAX);
    const textmodel_word_t *wa = &m->words[a];
    for (size_t i = wa->offset; i < end; i++) {
        char ch = m->text[i];
        bool space = ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r';
        if (!(space && tmp.len && tmp.data[tmp.len - 1] == ' '))
            s_put(&tmp, space ? " " : &ch, 1);
    }
    if (tmp.len && strchr(",;:-", tmp.data[tmp.len - 1]))
        tmp.data[--tmp.len] = '\0';
    s_put(out, tmp.data ? tmp.data : "", tmp.len);
    buf_free(&tmp);
    if (out->len > at && out->data[at] >= 'a' && out->data[at] <= 'z')
        out->data[at] = (char)(out->data[at] - 32);
    char last = out->len > at ? out->data[out->len - 1] : '.';
    if (!strchr(".!?\"')]", last) && (unsigned char)last < 0x80)
        s_put(out, ".", 1);
}

static void s_prose(const textmodel_t *m, uint32_t sent, buf_t *out)
{
    const textmodel_sent_t *s = &m->sents[sent];
    s_prose_from(m, s->first_word, s->first_word + s->n_words - 1, s->offset + s->length, out);
}

/* How well a sentence stands alone as prose for a synthesis. */
static double s_prose_score(const s_doc_t *d, uint32_t s, const uint8_t *in_snippet)
{
    const textmodel_sent_t *st = &d->m.sents[s];
    if (st->n_words < 6)
        return 0;
    double score = d->info[s] / st->n_words * s_length_pref(st->n_words, 12, 45);
    score *= s_opener_penalty(&d->m, s);
    if (st->question)
        score *= 0.6;
    if (st->cut)
        score *= 0.3;
    if (in_snippet && in_snippet[s])
        score *= 1.25;
    return score;
}

/* Sentences that lie inside a snippet, by binary search over offsets. */
static uint8_t *s_snippet_mask(const s_doc_t *d, const extract_snippets_t *s)
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

/* The keyphrase that best marks sentences [a, b] off from the rest of the
 * text; used marks those taken by earlier headings. */
static int s_section_kp(const s_doc_t *d, uint32_t a, uint32_t b, const uint8_t *used, int skip)
{
    int best = -1;
    double best_v = 0;
    for (size_t k = 0; k < d->kp.count; k++) {
        const keyphrase_t *kp = &d->kp.items[k];
        if (used[k] || (int)k == skip)
            continue;
        if (skip >= 0 &&
            (strstr(d->kp.items[skip].text, kp->text) || strstr(kp->text, d->kp.items[skip].text)))
            continue;
        double in = keyphrase_count_in(kp, a, b);
        double v = sqrt(in) * (0.3 + in / kp->n_sents) * (kp->n_terms > 1 ? 2.5 : 1.0);
        if (v > best_v) {
            best_v = v;
            best = (int)k;
        }
    }
    return best;
}

typedef struct {
    uint32_t a, b; /* first and last sentence */
    char *heading; /* owned, Title Case */
    char *topic;   /* owned: the heading's main keyphrase, as written */
} s_section_t;

static void s_section_heading(const s_doc_t *d, s_section_t *sec, uint8_t *used)
{
    int ka = s_section_kp(d, sec->a, sec->b, used, -1);
    int kb = ka >= 0 ? s_section_kp(d, sec->a, sec->b, used, ka) : -1;
    buf_t h;
    buf_init(&h, 1024);
    if (ka < 0) {
        char *w = s_top_word(d, d->m.sents[sec->a].first_word,
                             d->m.sents[sec->b].first_word + d->m.sents[sec->b].n_words);
        sec->topic = w ? w : mem_strdup("the rest");
        s_title_case(sec->topic, &h);
    } else {
        used[ka] = 1;
        sec->topic = mem_strdup(d->kp.items[ka].text);
        s_title_case(d->kp.items[ka].text, &h);
        if (kb >= 0) {
            s_puts(&h, " and ");
            s_title_case(d->kp.items[kb].text, &h);
        }
    }
    sec->heading = buf_steal(&h);
}

static int s_by_u32(const void *x, const void *y)
{
    uint32_t p = *(const uint32_t *)x, q = *(const uint32_t *)y;
    return p < q ? -1 : p > q;
}

/* The section's most central sentences, in source order, as paragraphs of
 * up to three sentences. taken marks sentences already used. */
static void s_section_body(
    const s_doc_t *d, const s_section_t *sec, const uint8_t *in_snippet, uint8_t *taken, buf_t *md)
{
    uint32_t n = sec->b - sec->a + 1, want = n / 4 < 2 ? 2 : n / 4 > 6 ? 6 : n / 4;
    uint32_t *pick = mem_alloc((want + 1) * sizeof *pick), n_pick = 0;
    for (uint32_t round = 0; round < want; round++) {
        double best_v = 0;
        uint32_t best = UINT32_MAX;
        for (uint32_t s = sec->a; s <= sec->b; s++) {
            double v = taken[s] ? 0 : s_prose_score(d, s, in_snippet);
            if (v > best_v) {
                best_v = v;
                best = s;
            }
        }
        if (best == UINT32_MAX)
            break;
        taken[best] = 1;
        pick[n_pick++] = best;
    }
    qsort(pick, n_pick, sizeof *pick, s_by_u32);
    for (uint32_t i = 0; i < n_pick; i++) {
        bool new_para = i > 0 && (i % 3 == 0 || pick[i] - pick[i - 1] > 6);
        s_puts(md, i == 0 ? "" : new_para ? "\n\n" : " ");
        s_prose(&d->m, pick[i], md);
    }
    s_puts(md, "\n\n");
    free(pick);
}

static char *s_make_title(const s_doc_t *d, const char *source_title)
{
    if (source_title && source_title[strspn(source_title, " \t\r\n")])
        return mem_strdup(source_title);
    buf_t b;
    buf_init(&b, 1024);
    if (d->kp.count == 0) {
        s_puts(&b, "Notes on the Source");
        return buf_steal(&b);
    }
    s_title_case(d->kp.items[0].text, &b);
    if (d->kp.count >= 3) {
        s_puts(&b, ": ");
        s_title_case(d->kp.items[1].text, &b);
        s_puts(&b, " and ");
        s_title_case(d->kp.items[2].text, &b);
    } else if (d->kp.count == 2) {
        s_puts(&b, " and ");
        s_title_case(d->kp.items[1].text, &b);
    }
    return buf_steal(&b);
}

/* The intro: the most central sentence of the whole source, then the path
 * the sections take through it. */
static void s_intro(const s_doc_t *d,
                    const s_section_t *secs,
                    size_t n_secs,
                    const uint8_t *in_snippet,
                    uint8_t *taken,
                    buf_t *md)
{
    double best_v = 0;
    uint32_t best = UINT32_MAX;
    for (uint32_t s = 0; s < d->m.n_sents; s++) {
        double v = s_prose_score(d, s, in_snippet);
        if (v > best_v) {
            best_v = v;
            best = s;
        }
    }
    if (best != UINT32_MAX) {
        taken[best] = 1;
        s_prose(&d->m, best, md);
        s_puts(md, " ");
    }
    if (n_secs == 1) {
        s_puts(md, "The source stays with ");
        s_puts(md, secs[0].topic);
        s_puts(md, " throughout.");
    } else {
        s_puts(md, "It moves from ");
        s_puts(md, secs[0].topic);
        for (size_t i = 1; i + 1 < n_secs; i++) {
            s_puts(md, i == 1 ? ", through " : ", ");
            s_puts(md, secs[i].topic);
        }
        s_puts(md, n_secs > 2 ? ", to " : " to ");
        s_puts(md, secs[n_secs - 1].topic);
        s_puts(md, ".");
    }
    s_puts(md, "\n\n");
}

static size_t s_sections(const s_doc_t *d, s_section_t *secs)
{
    const textmodel_t *m = &d->m;
    size_t target = d->n_words / 700;
    target = target < 2 ? 2 : target > 6 ? 6 : target;
    size_t min_sents = m->n_sents / (2 * target);
    size_t starts[6];
    size_t n = topic_segment(m, target, min_sents < 4 ? 4 : min_sents, starts);
    for (size_t i = 0; i < n; i++) {
        secs[i].a = (uint32_t)starts[i];
        secs[i].b = (uint32_t)(i + 1 < n ? starts[i + 1] - 1 : m->n_sents - 1);
    }
    return n;
}

int extract_synthesis(const transcript_t *t,
                      const extract_snippets_t *s,
                      const char *source_title,
                      extract_synthesis_t *out,
                      err_t *err)
{
    if (!out) {
        err_set(err, LODE_EINVAL, "extract_synthesis: no output");
        return -1;
    }
    memset(out, 0, sizeof *out);
    s_doc_t d;
    if (s_doc_build(&d, t, err) != 0)
        return -1;
    s_section_t secs[6] = {{0}};
    size_t n_secs = s_sections(&d, secs);
    uint8_t *used_kp = mem_calloc(d.kp.count + 1, 1);
    uint8_t *in_snippet = s_snippet_mask(&d, s);
    uint8_t *taken = mem_calloc(d.m.n_sents + 1, 1);
    for (size_t i = 0; i < n_secs; i++)
        s_section_heading(&d, &secs[i], used_kp);
    out->title = s_make_title(&d, source_title);
    buf_t md;
    buf_init(&md, S_OUT_MAX);
    s_puts(&md, "# ");
    s_puts(&md, out->title);
    s_puts(&md, "\n\n");
    s_intro(&d, secs, n_secs, in_snippet, taken, &md);
    for (size_t i = 0; i < n_secs; i++) {
        s_puts(&md, "## ");
        s_puts(&md, secs[i].heading);
        s_puts(&md, "\n\n");
        s_section_body(&d, &secs[i], in_snippet, taken, &md);
        free(secs[i].heading);
        free(secs[i].topic);
    }
    while (md.len && md.data[md.len - 1] == '\n')
        md.data[--md.len] = '\0';
    s_puts(&md, "\n");
    out->markdown = buf_steal(&md);
    free(taken);
    free(in_snippet);
    free(used_kp);
    s_doc_clear(&d);
    return 0;
}

void extract_synthesis_clear(extract_synthesis_t *syn)
{
    if (!syn)
        return;
    free(syn->title);
    free(syn->markdown);
    memset(syn, 0, sizeof *syn);
}

char *extract_synthesis_to_json(const extract_synthesis_t *syn)
{
    json_t *o = json_pack("{s:s,s:s}", "title", syn->title ? syn->title : "", "markdown",
                          syn->markdown ? syn->markdown : "");
    char *out = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    return out;
}

int extract_synthesis_from_json(const char *json, size_t len, extract_synthesis_t *out, err_t *err)
{
    if (!out || !json) {
        err_set(err, LODE_EINVAL, "extract_synthesis_from_json: missing argument");
        return -1;
    }
    memset(out, 0, sizeof *out);
    json_error_t je;
    json_t *o = json_loadb(json, len, 0, &je);
    const char *title = NULL, *markdown = NULL;
    if (!o || json_unpack_ex(o, &je, 0, "{s:s,s:s}", "title", &title, "markdown", &markdown)) {
        err_set(err, LODE_EINVAL, "synthesis: %s", je.text);
        json_decref(o);
        return -1;
    }
    out->title = mem_strdup(title);
    out->markdown = mem_strdup(markdown);
    json_decref(o);
    return 0;
}

/* ---- fan-out ----------------------------------------------------------- */

typedef struct {
    char **items; /* owned strings */
    size_t count;
    size_t max;
} s_strs_t;

static bool s_same_text(const char *x, const char *y)
{
    for (; *x && *y; x++, y++) {
        char cx = (*x >= 'A' && *x <= 'Z') ? (char)(*x + 32) : *x;
        char cy = (*y >= 'A' && *y <= 'Z') ? (char)(*y + 32) : *y;
        if (cx != cy)
            return false;
    }
    return *x == *y;
}

/* Add s (owned, taken) unless full or already there. */
static bool s_strs_add(s_strs_t *l, char *s)
{
    bool dup = false;
    for (size_t i = 0; i < l->count && !dup; i++)
        dup = s_same_text(l->items[i], s);
    if (dup || l->count >= l->max || !s[0]) {
        free(s);
        return false;
    }
    l->items[l->count++] = s;
    return true;
}

/* A question the source asks, cleaned: leading fillers dropped, and the
 * part after a colon when that part is the question ("you might ask: why
 * ...?"). NULL when it is too short or too long to stand alone. */
static char *s_source_question(const s_doc_t *d, uint32_t sent)
{
    const textmodel_t *m = &d->m;
    const textmodel_sent_t *s = &m->sents[sent];
    uint32_t a = s->first_word, end = s->first_word + s->n_words;
    for (uint32_t w = a + 1; w < end; w++)
        if ((m->words[w].flags & TEXTMODEL_W_FIRST) && end - w >= 4 &&
            m->text[m->words[w].offset - 1] != '"' && m->text[m->words[w].offset - 1] != '\'')
            a = w; /* after a colon */
    if (end - a < 5 || end - a > 40)
        return NULL;
    uint32_t content = 0;
    for (uint32_t w = a; w < end; w++)
        content += textmodel_is_content(m, w);
    if (content < 2)
        return NULL;
    buf_t b;
    buf_init(&b, S_OUT_MAX);
    s_prose_from(m, a, end - 1, s->offset + s->length, &b);
    return buf_steal(&b);
}

typedef struct {
    const char *marker; /* lower-case words before the claim */
    bool prediction;
} s_marker_t;

static const s_marker_t s_markers[] = {
    {"bet that ", true},    {"predict that ", true},   {"expect that ", true},
    {"is that ", false},    {"suggests that ", false}, {"suggest that ", false},
    {"means that ", false}, {"argue that ", false},    {"believe that ", false},
    {"shows that ", false}, {"think that ", false},    {"clear that ", false},
};

/* Case-insensitive search for an ASCII needle in s[0..len). */
static const char *s_find_ci(const char *s, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++) {
        size_t k = 0;
        while (k < n && ((s[i + k] | 0x20) == needle[k] || s[i + k] == needle[k]))
            k++;
        if (k == n)
            return s + i;
    }
    return NULL;
}

/* "What is the evidence that X?" from a sentence "... is that X." The
 * claim runs to the sentence end or the first comma past six words. */
static char *s_claim_question(const s_doc_t *d, uint32_t sent)
{
    const textmodel_sent_t *s = &d->m.sents[sent];
    const char *text = d->m.text + s->offset;
    for (size_t i = 0; i < S_N(s_markers); i++) {
        const char *at = s_find_ci(text, s->length, s_markers[i].marker);
        if (!at)
            continue;
        const char *c = at + strlen(s_markers[i].marker), *end = text + s->length;
        size_t words = 1;
        const char *stop = end;
        for (const char *p = c; p < end; p++) {
            words += *p == ' ';
            if ((*p == ',' || *p == ';' || *p == ':') && words >= 6) {
                stop = p;
                break;
            }
        }
        while (stop > c && strchr(".!?\"' ", stop[-1]))
            stop--;
        if (words < 4 || words > 24 || stop <= c || s->question)
            return NULL;
        buf_t b;
        buf_init(&b, S_OUT_MAX);
        s_puts(&b, s_markers[i].prediction ? "What would confirm or refute the prediction that "
                                           : "What is the evidence that ");
        for (const char *p = c; p < stop; p++)
            s_put(&b, (*p == '\n' || *p == '\t') ? " " : p, 1);
        s_puts(&b, "?");
        return buf_steal(&b);
    }
    return NULL;
}

/* Sentences of one kind, best first by informativeness. */
static uint32_t *
s_best_sentences(const s_doc_t *d, const uint8_t *in_snippet, bool questions, size_t *n_out)
{
    const textmodel_t *m = &d->m;
    uint32_t *idx = mem_alloc((m->n_sents + 1) * sizeof *idx);
    size_t n = 0;
    for (uint32_t s = 0; s < m->n_sents; s++)
        if (m->sents[s].question == questions)
            idx[n++] = s;
    /* Selection by repeated maximum is enough: callers take a handful. */
    size_t take = n < 64 ? n : 64;
    for (size_t i = 0; i < take; i++) {
        size_t best = i;
        for (size_t j = i + 1; j < n; j++) {
            double vj = d->info[idx[j]] * (in_snippet[idx[j]] ? 1.5 : 1.0);
            double vb = d->info[idx[best]] * (in_snippet[idx[best]] ? 1.5 : 1.0);
            if (vj > vb)
                best = j;
        }
        uint32_t tmp = idx[i];
        idx[i] = idx[best];
        idx[best] = tmp;
    }
    *n_out = take;
    return idx;
}

/* Sentences where both keyphrases occur (sorted lists, merged). */
static uint32_t s_cooccur(const keyphrase_t *x, const keyphrase_t *y)
{
    uint32_t i = 0, j = 0, n = 0;
    while (i < x->n_sents && j < y->n_sents) {
        if (x->sents[i] == y->sents[j]) {
            n++;
            i++;
            j++;
        } else if (x->sents[i] < y->sents[j]) {
            i++;
        } else {
            j++;
        }
    }
    return n;
}

static const char *const s_relation_templates[] = {
    "How does %s relate to %s?",
    "What links %s and %s, and does the link hold up?",
    "Would a change in %s change how we should think about %s?",
};

static const char *const s_concept_templates[] = {
    "What are the limits of %s?",
    "How could %s be measured?",
    "Why does %s matter here, and for whom?",
    "What would it take to change %s?",
};

/* tpl with its first "%s" replaced by x and its second by y. */
static char *s_fill(const char *tpl, const char *x, const char *y)
{
    buf_t b;
    buf_init(&b, S_OUT_MAX);
    int slot = 0;
    for (const char *p = tpl; *p; p++) {
        if (p[0] == '%' && p[1] == 's') {
            s_puts(&b, slot++ == 0 ? x : y ? y : "");
            p++;
        } else {
            s_put(&b, p, 1);
        }
    }
    return buf_steal(&b);
}

static void s_relation_questions(const s_doc_t *d, s_strs_t *q, size_t max_add)
{
    size_t top = d->kp.count < 10 ? d->kp.count : 10, added = 0;
    size_t partner[10];
    for (size_t i = 0; i < 10; i++)
        partner[i] = SIZE_MAX;
    for (size_t i = 0; i < top && added < max_add; i++) {
        const keyphrase_t *x = &d->kp.items[i];
        size_t best = SIZE_MAX;
        uint32_t best_n = 0;
        for (size_t j = 0; j < top; j++) {
            const keyphrase_t *y = &d->kp.items[j];
            if (j == i || strstr(x->text, y->text) || strstr(y->text, x->text) ||
                (x->n_terms == 1 && y->n_terms == 1))
                continue;
            uint32_t n = s_cooccur(x, y);
            if (n > best_n) {
                best_n = n;
                best = j;
            }
        }
        if (best == SIZE_MAX || (best < i && partner[best] == i))
            continue; /* none, or the same pair asked the other way round */
        partner[i] = best;
        const char *tpl = s_relation_templates[added % S_N(s_relation_templates)];
        if (s_strs_add(q, s_fill(tpl, x->text, d->kp.items[best].text)))
            added++;
    }
}

static void s_concept_questions(const s_doc_t *d, s_strs_t *q, size_t max_add)
{
    size_t added = 0;
    for (size_t i = 0; i < d->kp.count && added < max_add; i++) {
        const keyphrase_t *k = &d->kp.items[i];
        bool mentioned = false;
        for (size_t j = 0; j < q->count && !mentioned; j++)
            mentioned = s_find_ci(q->items[j], strlen(q->items[j]), k->text) != NULL;
        if (mentioned || k->n_terms < 2)
            continue;
        const char *tpl = s_concept_templates[added % S_N(s_concept_templates)];
        if (s_strs_add(q, s_fill(tpl, k->text, NULL)))
            added++;
    }
}

static void s_questions(const s_doc_t *d, const uint8_t *in_snippet, s_strs_t *q)
{
    size_t n;
    uint32_t *idx = s_best_sentences(d, in_snippet, true, &n);
    for (size_t i = 0, added = 0; i < n && added < 7; i++) {
        char *text = s_source_question(d, idx[i]);
        if (text && s_strs_add(q, text))
            added++;
    }
    free(idx);
    idx = s_best_sentences(d, in_snippet, false, &n);
    for (size_t i = 0, added = 0; i < n && added < 5; i++) {
        char *text = s_claim_question(d, idx[i]);
        if (text && s_strs_add(q, text))
            added++;
    }
    free(idx);
    s_relation_questions(d, q, 4);
    s_concept_questions(d, q, S_MAX_QUESTIONS);
}

/* "sample efficiency" -> "Sample efficiency"; acronyms stay as they are. */
static char *s_concept_text(const char *kp)
{
    char *c = mem_strdup(kp);
    if (c[0] >= 'a' && c[0] <= 'z')
        c[0] = (char)(c[0] - 32);
    return c;
}

static void s_fanout_lists(const s_doc_t *d,
                           const uint8_t *in_snippet,
                           extract_fanout_t *out,
                           const entity_list_t *ents)
{
    s_strs_t q = {mem_calloc(S_MAX_QUESTIONS + 1, sizeof(char *)), 0, S_MAX_QUESTIONS};
    s_questions(d, in_snippet, &q);
    out->questions = q.items;
    out->n_questions = q.count;
    s_strs_t c = {mem_calloc(S_MAX_CONCEPTS + 1, sizeof(char *)), 0, S_MAX_CONCEPTS};
    for (size_t i = 0; i < d->kp.count; i++)
        s_strs_add(&c, s_concept_text(d->kp.items[i].text));
    out->concepts = c.items;
    out->n_concepts = c.count;
    s_strs_t r = {mem_calloc(S_MAX_REFERENCES + 1, sizeof(char *)), 0, S_MAX_REFERENCES};
    for (size_t i = 0; i < ents->count; i++)
        s_strs_add(&r, mem_strdup(ents->items[i].name));
    out->references = r.items;
    out->n_references = r.count;
}

int extract_fanout(const transcript_t *t,
                   const extract_snippets_t *s,
                   const extract_synthesis_t *syn,
                   extract_fanout_t *out,
                   err_t *err)
{
    (void)syn; /* v1 mines the transcript itself; the essay adds no new facts */
    if (!out) {
        err_set(err, LODE_EINVAL, "extract_fanout: no output");
        return -1;
    }
    memset(out, 0, sizeof *out);
    s_doc_t d;
    if (s_doc_build(&d, t, err) != 0)
        return -1;
    entity_list_t ents;
    if (entity_extract(&d.m, S_MAX_REFERENCES, &ents, err) != 0) {
        s_doc_clear(&d);
        return -1;
    }
    uint8_t *in_snippet = s_snippet_mask(&d, s);
    s_fanout_lists(&d, in_snippet, out, &ents);
    free(in_snippet);
    entity_list_clear(&ents);
    s_doc_clear(&d);
    return 0;
}

static void s_free_strs(char **items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(items[i]);
    free(items);
}

void extract_fanout_clear(extract_fanout_t *f)
{
    if (!f)
        return;
    s_free_strs(f->questions, f->n_questions);
    s_free_strs(f->concepts, f->n_concepts);
    s_free_strs(f->references, f->n_references);
    memset(f, 0, sizeof *f);
}

static json_t *s_json_strings(char *const *items, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, json_string(items[i]));
    return arr;
}

char *extract_fanout_to_json(const extract_fanout_t *f)
{
    json_t *o = json_object();
    json_object_set_new(o, "questions", s_json_strings(f->questions, f->n_questions));
    json_object_set_new(o, "concepts", s_json_strings(f->concepts, f->n_concepts));
    json_object_set_new(o, "references", s_json_strings(f->references, f->n_references));
    char *out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return out;
}
