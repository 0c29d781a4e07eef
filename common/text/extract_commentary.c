/*  extract_commentary.c - the one line written under each snippet. An
 *  offline engine cannot know why a passage matters, so it says only what
 *  the text shows: the role the passage's own cue words mark (a definition,
 *  a number and what it is set against, a contrast, a prediction, an
 *  example, a metaphor, a question, a cause, evidence, an objection and its
 *  reply, a claim) and the words that carry it, taken from the passage:
 *  "Definition — intelligence as sample efficiency". Never an intention or
 *  a judgement of the engine's own (issue #14). No ranking here.
 *  SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include "extract_cues.h"
#include "extract_impl.h"
#include "mem.h"

#define S_CARRY_WORDS 12 /* words of the passage in one line at most */
#define S_ROLE_REPEAT 3  /* a role used this often gives way to a runner-up */

#define S_N_ROLES EXTRACT_N_ROLES

static const char *const s_labels[S_N_ROLES] = {
    "Claim",   "Definition", "Number", "Contrast", "Prediction", "Example", "Metaphor",
    "Analogy", "Question",   "Cause",  "Evidence", "Objection",  "Reply"};

/* The cue words of the document's language (extract_cues.c). */
static const extract_lang_cues_t *s_lang(const extract_doc_t *d)
{
    return extract_lang_cues(d->m.lang);
}

/* State carried across the snippets of one source. */
struct extract_voice {
    uint32_t role_uses[S_N_ROLES];
};

/* A cue found in a passage. */
typedef struct {
    double score[S_N_ROLES];
    uint32_t at[S_N_ROLES];  /* first word of the role's strongest cue */
    uint32_t len[S_N_ROLES]; /* its length in words */
    extract_carry_t carry[S_N_ROLES];
    double best_w[S_N_ROLES];
    uint32_t figures; /* number words and figures */
} s_cues_t;

/* Word classes of the language's lists, per term (extract_doc_t.term_class):
 * a list is looked up by term, so it matches as the text model keys words. */
enum {
    S_TERM_NUMBER = 1,
    S_TERM_COMPARE = 2,
    S_TERM_LEAD = 4,  /* a connective a carried phrase does not start with */
    S_TERM_TAIL = 8,  /* a function word it does not end with */
    S_TERM_SUB = 16,  /* opens a subordinate clause */
    S_TERM_NEG = 32,  /* "not" of "not X but Y" */
    S_TERM_BUT = 64,  /* its "but" */
    S_TERM_ONLY = 128 /* "not only": no contrast */
};

static bool s_is(const extract_doc_t *d, uint32_t w, unsigned cls)
{
    return d->term_class[d->m.words[w].term] & cls;
}

/* The term of an ASCII word as the model keys it (folded, plural dropped). */
static int64_t s_term_of(const textmodel_t *m, const char *word)
{
    char key[64];
    size_t n = textmodel_fold(word, strlen(word), key, sizeof key, true);
    return textmodel_find(m, key, n);
}

/* Words that make the number after them a label, not a quantity: "model
 * 4431", "Nr. 4", "page 12", "Absatz 3". */
static const char *const s_designators[] = {
    "model",   "version", "type", "serie",  "number",  "no",      "nr",    "chapter", "page",
    "section", "room",    "abs",  "absatz", "artikel", "kapitel", "seite", "art"};

/* A number right after a designator is a label ("model 4431"); asked
 * only of numbers, as it compares keys. */
static bool s_label(const textmodel_t *m, uint32_t w)
{
    return w > 0 && m->words[w - 1].sent == m->words[w].sent &&
           extract_key_in(m, w - 1, s_designators, EXTRACT_N(s_designators));
}

static bool s_is_number(const extract_doc_t *d, uint32_t w)
{
    const textmodel_t *m = &d->m;
    if (m->words[w].flags & TEXTMODEL_W_NUM) {
        /* a year is a date, not a figure; a number right after a name is
         * part of it ("iPhone 11", "Thunderbolt 3") */
        const char *p = m->text + m->words[w].offset;
        bool year =
            m->words[w].length == 4 && (p[0] == '1' || p[0] == '2') && (p[1] == '9' || p[1] == '0');
        bool name = w > 0 && m->words[w - 1].sent == m->words[w].sent &&
                    !(m->words[w].flags & TEXTMODEL_W_BREAK) &&
                    (m->words[w - 1].flags & (TEXTMODEL_W_CAP | TEXTMODEL_W_ACRONYM));
        return !year && !name && !s_label(m, w);
    }
    if (!(d->term_class[m->words[w].term] & S_TERM_NUMBER))
        return false;
    /* a number word inside a compound counts nothing: "half-baked" */
    bool compound = w + 1 < m->n_words && (m->words[w + 1].flags & TEXTMODEL_W_HYPHEN);
    return !compound && !s_label(m, w);
}

static void s_classify(extract_doc_t *d, extract_words_t list, unsigned cls)
{
    for (size_t i = 0; i < list.n; i++) {
        int64_t t = s_term_of(&d->m, list.w[i]);
        if (t >= 0)
            d->term_class[t] |= (uint8_t)cls;
    }
}

void extract_cues_prepare(extract_doc_t *d)
{
    const extract_lang_cues_t *L = s_lang(d);
    d->cue_terms = mem_alloc(L->n_cues * 3 * sizeof *d->cue_terms);
    for (size_t c = 0; c < L->n_cues; c++)
        for (size_t n = 0; n < 3; n++)
            d->cue_terms[c * 3 + n] = L->cues[c].w[n] ? s_term_of(&d->m, L->cues[c].w[n]) : -2;
    d->cue_mask = mem_calloc(d->m.n_terms + 1, sizeof *d->cue_mask);
    for (size_t c = 0; c < L->n_cues && c < 64; c++)
        if (d->cue_terms[c * 3] >= 0)
            d->cue_mask[d->cue_terms[c * 3]] |= 1ull << c;
    d->term_class = mem_calloc(d->m.n_terms + 1, 1);
    s_classify(d, L->numbers, S_TERM_NUMBER);
    s_classify(d, L->compare, S_TERM_COMPARE);
    s_classify(d, L->lead_drop, S_TERM_LEAD);
    s_classify(d, L->tail_drop, S_TERM_TAIL);
    s_classify(d, L->subordinate, S_TERM_SUB);
    s_classify(d, L->negation, S_TERM_NEG);
    s_classify(d, L->but, S_TERM_BUT);
    s_classify(d, L->only, S_TERM_ONLY);
}

/* Length of cue c at word w, or 0: its words' terms, no punctuation between. */
static uint32_t s_cue_match(const extract_doc_t *d, size_t c, uint32_t w, uint32_t end)
{
    const textmodel_t *m = &d->m;
    uint32_t n = 0;
    for (; n < 3 && d->cue_terms[c * 3 + n] != -2; n++)
        if (w + n >= end || d->cue_terms[c * 3 + n] != (int64_t)m->words[w + n].term ||
            (n > 0 && (m->words[w + n].flags & TEXTMODEL_W_BREAK)))
            return 0;
    return n;
}

static bool s_figure_at(const extract_doc_t *d, uint32_t w, uint32_t end, uint32_t *z_out);

static void s_find_cues(const extract_doc_t *d, uint32_t first, uint32_t end, s_cues_t *cu)
{
    memset(cu, 0, sizeof *cu);
    for (uint32_t w = first; w < end; w++) {
        /* only the cues whose first word this is (most words start none) */
        for (uint64_t mask = d->cue_mask[d->m.words[w].term]; mask; mask &= mask - 1) {
            size_t c = (size_t)__builtin_ctzll(mask);
            const extract_cue_t *cue = &s_lang(d)->cues[c];
            uint32_t n = s_cue_match(d, c, w, end);
            if (!n)
                continue;
            cu->score[cue->role] += cue->weight;
            if (cue->weight > cu->best_w[cue->role]) {
                cu->best_w[cue->role] = cue->weight;
                cu->at[cue->role] = w;
                cu->len[cue->role] = n;
                cu->carry[cue->role] = cue->carry;
            }
        }
        uint32_t z;
        if (s_figure_at(d, w, end, &z)) {
            cu->figures++;
            w = z;
        }
    }
}

/* "not X but Y", "nicht X, sondern Y", "pas X mais Y", "no X sino Y": a
 * contrast however its halves are worded, the language's "not" and then its
 * "but" (English also "rather", "instead") within a dozen words of one
 * sentence; "not only X but also Y" adds rather than contrasts. */
static void s_not_but(const extract_doc_t *d, uint32_t first, uint32_t end, s_cues_t *cu)
{
    const textmodel_t *m = &d->m;
    for (uint32_t w = first; w < end; w++) {
        if (!s_is(d, w, S_TERM_NEG) || (w + 1 < end && s_is(d, w + 1, S_TERM_ONLY)))
            continue;
        for (uint32_t z = w + 2; z < end && z < w + 14; z++) {
            if (m->words[z].sent != m->words[w].sent)
                break;
            if (s_is(d, z, S_TERM_BUT)) {
                cu->score[EXTRACT_R_CONTRAST] += 2.5;
                if (cu->best_w[EXTRACT_R_CONTRAST] < 2.5) {
                    cu->best_w[EXTRACT_R_CONTRAST] = 2.5;
                    cu->at[EXTRACT_R_CONTRAST] = w;
                    cu->len[EXTRACT_R_CONTRAST] = 1;
                    cu->carry[EXTRACT_R_CONTRAST] = EXTRACT_C_FROM;
                }
                return;
            }
        }
    }
}

/* Role scores of sentences [a, b]; the number role needs two figures or a
 * figure with a comparison, a question the passage's first sentence. */
static void s_role_scores(const extract_doc_t *d, uint32_t a, uint32_t b, s_cues_t *cu)
{
    const textmodel_t *m = &d->m;
    uint32_t first = m->sents[a].first_word;
    uint32_t end = m->sents[b].first_word + m->sents[b].n_words;
    s_find_cues(d, first, end, cu);
    bool compare = false;
    for (uint32_t w = first; w < end && !compare; w++)
        compare = d->term_class[m->words[w].term] & S_TERM_COMPARE;
    if (cu->figures >= 2 || (cu->figures && compare))
        cu->score[EXTRACT_R_NUMBER] = 0.6 + cu->figures * 0.5 + (compare ? 1.0 : 0);
    s_not_but(d, first, end, cu);
    for (uint32_t s = a; s <= b; s++)
        if (m->sents[s].question) {
            cu->score[EXTRACT_R_QUESTION] += s == a ? 2.2 : 1.0;
            if (!cu->at[EXTRACT_R_QUESTION])
                cu->at[EXTRACT_R_QUESTION] = m->sents[s].first_word;
        }
}

/* The strongest role, giving way to a runner-up of at least half its
 * strength once it has been used S_ROLE_REPEAT times in this source. */
static extract_role_t s_pick_role(const s_cues_t *cu, const extract_voice_t *v)
{
    extract_role_t best = EXTRACT_R_CLAIM, second = EXTRACT_R_CLAIM;
    for (int r = 1; r < S_N_ROLES; r++) {
        if (cu->score[r] > cu->score[best]) {
            second = best;
            best = (extract_role_t)r;
        } else if (cu->score[r] > cu->score[second] || second == best) {
            second = (extract_role_t)r;
        }
    }
    if (cu->score[best] < 1.0)
        return EXTRACT_R_CLAIM;
    if (v->role_uses[best] >= S_ROLE_REPEAT && second != best && cu->score[second] >= 1.0 &&
        cu->score[second] >= 0.5 * cu->score[best])
        return second;
    return best;
}

/* The bytes between word w-1 and word w. */
static void s_gap(const textmodel_t *m, uint32_t w, const char **p, size_t *n)
{
    const textmodel_word_t *prev = &m->words[w - 1];
    *p = m->text + prev->offset + prev->length;
    *n = m->words[w].offset - (prev->offset + prev->length);
}

/* A break that ends a carried phrase: sentence ends, ; : ( and dashes. */
static bool s_hard_break(const textmodel_t *m, uint32_t w)
{
    const char *p;
    size_t n;
    if (m->words[w].sent != m->words[w - 1].sent)
        return true;
    s_gap(m, w, &p, &n);
    for (size_t i = 0; i < n; i++)
        if (strchr(";:()[]", p[i]) || (i + 2 < n && memcmp(p + i, "\xe2\x80\x94", 3) == 0) ||
            (p[i] == '-' && i > 0 && p[i - 1] == ' '))
            return true;
    return false;
}

/* A carried phrase never leaves a quotation open: it is cut before the
 * opening mark that has no closing one in out[at..]. True when it cut. */
static bool s_close_quotes(buf_t *out, size_t at)
{
    size_t open_at = SIZE_MAX;
    bool straight = false;
    for (size_t i = at; i < out->len; i++) {
        const char *p = out->data + i;
        if (out->len - i >= 3 && memcmp(p, "\xe2\x80\x9c", 3) == 0)
            open_at = i;
        else if (out->len - i >= 3 && memcmp(p, "\xe2\x80\x9d", 3) == 0)
            open_at = SIZE_MAX;
        else if (*p == '"') {
            straight = !straight;
            open_at = straight ? i : SIZE_MAX;
        }
    }
    if (open_at == SIZE_MAX || open_at == at)
        return false;
    out->len = open_at;
    out->data[open_at] = '\0';
    return true;
}

/* Words [from, from+max) of the passage up to a hard break, with leading
 * connectives and trailing function words dropped and "…" where cut. */
static void s_carry(const extract_doc_t *d, uint32_t from, uint32_t end, uint32_t max, buf_t *out)
{
    const textmodel_t *m = &d->m;
    while (from + 1 < end && s_is(d, from, S_TERM_LEAD) && !s_hard_break(m, from + 1))
        from++;
    uint32_t z = from;
    while (z + 1 < end && z + 1 - from < max && !s_hard_break(m, z + 1))
        z++;
    bool cut = z + 1 < end && !s_hard_break(m, z + 1);
    while (z > from && s_is(d, z, S_TERM_TAIL)) {
        z--;
        cut = true;
    }
    size_t at = out->len;
    extract_words_text(m, from, z, out);
    cut |= s_close_quotes(out, at);
    while (out->len > at && strchr(",.;:!? ", out->data[out->len - 1]))
        out->data[--out->len] = '\0';
    if (cut)
        extract_puts(out, " \xe2\x80\xa6");
}

/* A question as asked: from its question word (after a lead-in such as
 * "you might ask:"), whole when short, else its first words and "…". */
static void s_question_carry(const textmodel_t *m, uint32_t w, uint32_t end, buf_t *out)
{
    uint32_t sent = m->words[w].sent, stop = m->sents[sent].first_word + m->sents[sent].n_words;
    for (uint32_t i = w + 1; i + 3 < stop; i++)
        if (m->words[i].flags & TEXTMODEL_W_FIRST)
            w = i; /* after a colon */
    if (stop > end)
        stop = end;
    uint32_t z = stop - 1 < w + S_CARRY_WORDS - 1 ? stop - 1 : w + S_CARRY_WORDS - 1;
    size_t at = out->len;
    extract_words_text(m, w, z, out);
    if (out->len > at && out->data[at] >= 'a' && out->data[at] <= 'z')
        out->data[at] = (char)(out->data[at] - 32);
    if (z + 1 < stop)
        extract_puts(out, " \xe2\x80\xa6");
}

/* First word of the clause holding word w: after the last break before it. */
static uint32_t s_clause_start(const textmodel_t *m, uint32_t first, uint32_t w)
{
    while (w > first && !(m->words[w].flags & TEXTMODEL_W_BREAK))
        w--;
    return w;
}

/* A figure: a number and what it counts, "tens to hundreds of trillions of
 * tokens", ending at *z_out. False when w starts none. */
/* The next word a figure at z may take in: 1 (a number, before the thing
 * counted), 2 ("to"/"of" and the word after), 3 (a word counted), or 0. */
static int s_figure_next(const extract_doc_t *d, uint32_t z, uint32_t end, uint32_t content)
{
    const textmodel_t *m = &d->m;
    uint32_t n = z + 1;
    if (n >= end || (m->words[n].flags & TEXTMODEL_W_BREAK) || m->words[n].sent != m->words[z].sent)
        return 0;
    bool joiner = (extract_key_is(m, n, "to") || extract_key_is(m, n, "of")) && n + 1 < end &&
                  !(m->words[n + 1].flags & TEXTMODEL_W_BREAK);
    if (s_is_number(d, n) && content == 0)
        return 1;
    if (joiner && (s_is_number(d, n + 1) || (content == 0 && textmodel_is_content(m, n + 1))))
        return 2;
    if (textmodel_is_content(m, n) && content < 2)
        return 3;
    return 0;
}

static bool s_figure_at(const extract_doc_t *d, uint32_t w, uint32_t end, uint32_t *z_out)
{
    const textmodel_t *m = &d->m;
    if (!s_is_number(d, w))
        return false;
    uint32_t z = w, content = 0;
    for (int step; (step = s_figure_next(d, z, end, content)) != 0;) {
        z += step == 2 ? 2 : 1;
        content += (step == 2 && !s_is_number(d, z)) || step == 3;
    }
    while (z > w && (s_is(d, z, S_TERM_TAIL) || extract_key_is(m, z, "per")))
        z--;
    *z_out = z;
    return content > 0 && z > w; /* a figure counts something */
}

/* "Number — 200 million tokens vs tens to hundreds of trillions of tokens":
 * the figures either side of a comparison, else the first two. */
static void s_number_line(const extract_doc_t *d, uint32_t first, uint32_t end, buf_t *out)
{
    const textmodel_t *m = &d->m;
    uint32_t fa[8], fz[8], n = 0, cmp = UINT32_MAX;
    for (uint32_t w = first; w < end && n < 8; w++) {
        if (cmp == UINT32_MAX && (d->term_class[m->words[w].term] & S_TERM_COMPARE))
            cmp = n;
        uint32_t z;
        if (s_figure_at(d, w, end, &z)) {
            fa[n] = w;
            fz[n++] = z;
            w = z;
        }
    }
    if (n == 0)
        return;
    uint32_t i = 0;
    if (cmp != UINT32_MAX && cmp > 0 && cmp < n)
        i = cmp - 1;
    extract_words_text(m, fa[i], fz[i], out);
    if (i + 1 < n) {
        extract_puts(out, cmp != UINT32_MAX ? " vs " : "; ");
        extract_words_text(m, fa[i + 1], fz[i + 1], out);
    }
}

/* The most informative clause of the passage, for a plain claim: five
 * words or more, a main clause before a subordinate one. */
static uint32_t s_best_clause(const extract_doc_t *d, uint32_t first, uint32_t end)
{
    const textmodel_t *m = &d->m;
    uint32_t best = first, start = first;
    double best_v = -1, v = 0;
    for (uint32_t w = first; w <= end; w++) {
        if (w == end || (w > start && (m->words[w].flags & TEXTMODEL_W_BREAK))) {
            uint32_t len = w - start;
            double val = len >= 5 ? v / (len < 8 ? 8 : len) : len >= 3 ? 0.01 * v : 0;
            if (s_is(d, start, S_TERM_SUB))
                val *= 0.5;
            if (val > best_v) {
                best_v = val;
                best = start;
            }
            start = w;
            v = 0;
        }
        if (w < end && textmodel_is_content(m, w))
            v += d->w[m->words[w].term];
    }
    return best;
}

/* The word after "is that" ("ist dass", "est que" ...) in [from, end)
 * within 25 words, else from: the claim a "the reason ... is that" or "my
 * response ... is that" opens. */
static uint32_t s_after_is_that(const extract_doc_t *d, uint32_t from, uint32_t end)
{
    const textmodel_t *m = &d->m;
    const extract_lang_cues_t *L = s_lang(d);
    int64_t is = s_term_of(m, L->is_that[0]), that = s_term_of(m, L->is_that[1]);
    if (is < 0 || that < 0)
        return from;
    for (uint32_t w = from; w + 2 < end && w < from + 25; w++)
        if (m->words[w].term == (uint32_t)is && m->words[w + 1].term == (uint32_t)that &&
            m->words[w].sent == m->words[from].sent)
            return w + 2;
    return from;
}

static void s_line_body(const extract_doc_t *d,
                        extract_role_t r,
                        const s_cues_t *cu,
                        uint32_t first,
                        uint32_t end,
                        buf_t *out)
{
    const textmodel_t *m = &d->m;
    size_t at = out->len;
    if (r == EXTRACT_R_NUMBER)
        s_number_line(d, first, end, out);
    else if (r == EXTRACT_R_QUESTION)
        s_question_carry(m, cu->at[r], end, out);
    else if (r != EXTRACT_R_CLAIM || cu->best_w[r] > 0) {
        uint32_t from = cu->carry[r] == EXTRACT_C_AFTER  ? cu->at[r] + cu->len[r]
                        : cu->carry[r] == EXTRACT_C_AT   ? cu->at[r] + cu->len[r] - 1
                        : cu->carry[r] == EXTRACT_C_FROM ? cu->at[r]
                                                         : s_clause_start(m, first, cu->at[r]);
        if (cu->carry[r] == EXTRACT_C_CLAUSE || r == EXTRACT_R_CLAIM || r == EXTRACT_R_OBJECTION ||
            r == EXTRACT_R_REPLY)
            from = s_after_is_that(d, from, end);
        if (from < end)
            s_carry(d, from, end, S_CARRY_WORDS, out);
    }
    if (out->len - at < 12) { /* too little carried: the passage's key clause */
        out->len = at;
        out->data[at] = '\0';
        s_carry(d, s_best_clause(d, first, end), end, S_CARRY_WORDS, out);
    }
    if (r == EXTRACT_R_QUESTION && out->len && out->data[out->len - 1] != '?' &&
        !strstr(out->data + at, "\xe2\x80\xa6"))
        extract_puts(out, "?");
}

extract_voice_t *extract_voice_new(const extract_doc_t *d)
{
    (void)d;
    return mem_calloc(1, sizeof(extract_voice_t));
}

void extract_voice_destroy(extract_voice_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free(*self_p);
    *self_p = NULL;
}

/* "Label — carrying words": a role from the passage's cue words and the
 * words of the passage that carry it. */
char *extract_commentary(const extract_doc_t *d, extract_voice_t *v, uint32_t a, uint32_t b)
{
    const textmodel_t *m = &d->m;
    uint32_t first = m->sents[a].first_word;
    uint32_t end = m->sents[b].first_word + m->sents[b].n_words;
    s_cues_t cu;
    s_role_scores(d, a, b, &cu);
    extract_role_t r = s_pick_role(&cu, v);
    v->role_uses[r]++;
    buf_t out;
    buf_init(&out, 4096);
    extract_puts(&out, s_labels[r]);
    extract_puts(&out, " \xe2\x80\x94 ");
    size_t body = out.len;
    if (end > first)
        s_line_body(d, r, &cu, first, end, &out);
    if (out.len == body) {
        buf_free(&out);
        return mem_strdup(s_labels[r]);
    }
    return buf_steal(&out);
}

double extract_quotability(const extract_doc_t *d, uint32_t s, int *role)
{
    s_cues_t cu;
    s_role_scores(d, s, s, &cu);
    double q = 0, best = 0;
    int r_best = EXTRACT_R_CLAIM;
    for (int r = 0; r < S_N_ROLES; r++) {
        if (r == EXTRACT_R_QUESTION)
            continue;
        q += cu.score[r] > 2.5 ? 2.5 : cu.score[r];
        if (cu.score[r] > best) {
            best = cu.score[r];
            r_best = r;
        }
    }
    if (role)
        *role = best >= 1.0 ? r_best : EXTRACT_R_CLAIM;
    return q > 4.0 ? 1.0 : q / 4.0;
}
