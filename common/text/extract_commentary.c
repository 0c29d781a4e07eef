/*  extract_commentary.c - the one line written under each snippet: the
 *  rhetorical role its cue words suggest (contrast, definition, analogy,
 *  ...), and a template for that role filled with its keyphrases, figures
 *  and comparisons. A voice varies the lines over one source. No ranking.
 *  SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include "extract_impl.h"
#include "mem.h"

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
struct extract_voice {
    uint32_t template_uses[S_N_ROLES][3]; /* lines written with each template */
    uint32_t *kp_uses;                    /* owned: mentions of each keyphrase so far */
};

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
        for (size_t c = 0; c < EXTRACT_N(s_cues); c++) {
            const s_cue_t *cue = &s_cues[c];
            if (extract_key_is(m, w, cue->first) &&
                (!cue->second || (w + 1 < end && extract_key_is(m, w + 1, cue->second))))
                score[cue->role] += cue->weight;
        }
        if ((m->words[w].flags & TEXTMODEL_W_NUM) ||
            extract_key_in(m, w, s_number_words, EXTRACT_N(s_number_words)))
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
                extract_key_in(m, z + 1, s_number_words, EXTRACT_N(s_number_words))))
            z++;
        buf_t b;
        buf_init(&b, 256);
        extract_words_text(m, w, z, &b);
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
        if ((extract_key_is(m, w, "like") &&
             (extract_key_is(m, w + 1, "a") || extract_key_is(m, w + 1, "an") ||
              extract_key_is(m, w + 1, "the"))) ||
            (extract_key_is(m, w, "as") && extract_key_is(m, w + 1, "if")))
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
    extract_words_text(m, at, z, &b);
    return buf_steal(&b);
}

/* The snippet's best keyphrase not yet much mentioned, skipping skip. */
static int
s_pick_kp(const extract_doc_t *d, const extract_voice_t *v, uint32_t a, uint32_t b, int skip)
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

static void
s_slots_fill(const extract_doc_t *d, extract_voice_t *v, uint32_t a, uint32_t b, s_slots_t *sl)
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
        sl->a = extract_top_word(d, first, end);
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
            extract_puts(&b, val ? val : "");
            p += 2;
            continue;
        }
        extract_put(&b, p, 1);
    }
    return buf_steal(&b);
}

extract_voice_t *extract_voice_new(const extract_doc_t *d)
{
    extract_voice_t *self = mem_calloc(1, sizeof *self);
    self->kp_uses = mem_calloc(d->kp.count + 1, sizeof *self->kp_uses);
    return self;
}

void extract_voice_destroy(extract_voice_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free((*self_p)->kp_uses);
    free(*self_p);
    *self_p = NULL;
}

/* The least used template that fits is taken; ties go by the snippet's position. */
char *extract_commentary(const extract_doc_t *d, extract_voice_t *v, uint32_t a, uint32_t b)
{
    s_role_t role = s_detect_role(&d->m, a, b);
    s_slots_t sl;
    s_slots_fill(d, v, a, b, &sl);
    if (!sl.a) {
        s_slots_clear(&sl);
        return mem_strdup("Adds a passage that stands apart from the rest of the source.");
    }
    int pick = -1;
    for (int pass = 0; pass < 2 && pick < 0; pass++) {
        s_role_t r = pass == 0 ? role : S_CLAIM;
        for (int i = 0; i < 3; i++) {
            int t = (int)((a + (uint32_t)i) % 3);
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
