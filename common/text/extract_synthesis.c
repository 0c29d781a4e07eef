/*  extract_synthesis.c - the synthesis stage: a title, an intro, and
 *  sections found by topic segmentation, each headed by the keyphrases
 *  that mark it off and made of its most central sentences, cleaned into
 *  prose; and the synthesis' JSON form, both ways. Picks no snippets: it
 *  only favours sentences that are in one.
 *  SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "extract_impl.h"
#include "mem.h"
#include "stem.h"
#include "stopword.h"
#include "topic.h"

static const char *const s_small_words[] = {"a",  "an", "and", "as",  "at", "by", "for", "in",
                                            "of", "on", "or",  "the", "to", "vs", "with"};

/* " and " in the text's language, for titles joining two terms. */
static const char *s_and(const extract_doc_t *d)
{
    static const char *const ands[STOPWORD_N_LANGS] = {
        [STOPWORD_EN] = " and ", [STOPWORD_DE] = " und ", [STOPWORD_FR] = " et ",
        [STOPWORD_ES] = " y ",   [STOPWORD_IT] = " e ",   [STOPWORD_PT] = " e ",
        [STOPWORD_NL] = " en "};
    return d->m.lang >= 0 && d->m.lang < STOPWORD_N_LANGS && ands[d->m.lang] ? ands[d->m.lang]
                                                                             : " and ";
}

/* Title Case: capitalise each lower-case ASCII word except small words. */
static void s_title_case(const char *s, buf_t *out)
{
    bool first = true;
    const char *p = s;
    while (*p) {
        size_t n = strcspn(p, " ");
        bool small = false;
        for (size_t i = 0; i < EXTRACT_N(s_small_words) && !first; i++)
            small =
                small || (strlen(s_small_words[i]) == n && strncmp(p, s_small_words[i], n) == 0);
        size_t at = out->len;
        extract_put(out, p, n);
        if (!small && out->data && out->data[at] >= 'a' && out->data[at] <= 'z')
            out->data[at] = (char)(out->data[at] - 32);
        for (size_t i = at + 1; i + 1 < out->len; i++) /* "sample-efficiency" */
            if (out->data[i] == '-' && out->data[i + 1] >= 'a' && out->data[i + 1] <= 'z')
                out->data[i + 1] = (char)(out->data[i + 1] - 32);
        p += n;
        first = false;
        if (*p == ' ') {
            extract_put(out, " ", 1);
            p++;
        }
    }
}

static void s_prose(const textmodel_t *m, uint32_t sent, buf_t *out)
{
    const textmodel_sent_t *s = &m->sents[sent];
    extract_prose_from(m, s->first_word, s->first_word + s->n_words - 1, s->offset + s->length,
                       out);
}

/* Words that leave a sentence dangling when it opens a paragraph of the
 * essay without the sentence before it ("This is why", "That still ..."). */
static const char *const s_dangling[] = {
    "this",    "that",  "these",     "those",     "it",      "they",    "he",        "she",
    "him",     "her",   "his",       "its",       "their",   "them",    "which",     "or",
    "also",    "then",  "such",      "yes",       "no",      "whereas", "although",  "though",
    "because", "by",    "instead",   "however",   "still",   "even",    "obviously", "yet",
    "thus",    "hence", "therefore", "meanwhile", "besides", "plus",    "again",     "otherwise"};

#define S_STEM_KEY 128 /* bytes of a keyphrase's joined stems */

/* What the essay's parts share: the analysis and per-sentence facts. */
typedef struct {
    const extract_doc_t *d;
    const uint8_t *in_snippet;   /* sentences inside a snippet */
    uint8_t *open;               /* owned: starts inside a quotation (extract_mark_open) */
    double *quot;                /* owned: quotability of each sentence */
    uint8_t *taken;              /* owned: sentences the essay has used */
    uint8_t *used_kp;            /* owned: keyphrases a heading has used */
    char (*kp_stem)[S_STEM_KEY]; /* owned: each keyphrase's stems, joined */
    int subject;                 /* keyphrase the title names, or -1 */
    uint8_t *dangling;           /* owned: per term, 1 for the s_dangling words */
} s_ctx_t;

/* A sentence that may open a paragraph: it does not lean on the one before. */
static bool s_stands_alone(const s_ctx_t *c, uint32_t s)
{
    const textmodel_t *m = &c->d->m;
    return !c->dangling[m->words[m->sents[s].first_word].term];
}

/* Do keyphrases x and y differ only in endings ("sample efficient",
 * "sample efficiency"), or does one hold the other? */
static bool s_same_stem(const s_ctx_t *c, int x, int y)
{
    const char *kx = c->kp_stem[x], *ky = c->kp_stem[y];
    return strcmp(kx, ky) == 0 || strstr(kx, ky) || strstr(ky, kx);
}

/* The quotability of sentence s, computed once. */
static double s_quot(const s_ctx_t *c, uint32_t s)
{
    if (c->quot[s] < 0)
        c->quot[s] = extract_quotability(c->d, s, NULL);
    return c->quot[s];
}

/* How well a sentence stands alone as prose for a synthesis: never one
 * that starts or ends inside a quotation; raised by its quotability. */
static double s_prose_score(const s_ctx_t *c, uint32_t s)
{
    const extract_doc_t *d = c->d;
    const textmodel_sent_t *st = &d->m.sents[s];
    if (st->n_words < 6 || c->open[s] || (s + 1 < d->m.n_sents && c->open[s + 1]))
        return 0;
    double score = d->info[s] / st->n_words * extract_length_pref(st->n_words, 12, 45);
    score *= extract_opener_penalty(&d->m, s);
    if (st->question)
        score *= 0.6;
    if (st->cut)
        score *= 0.3;
    if (c->in_snippet && c->in_snippet[s])
        score *= 1.25;
    return score * (1.0 + s_quot(c, s));
}

/* The keyphrase that best marks sentences [a, b] off from the rest of the
 * text, a term (no generic single word); used marks those taken by earlier
 * headings. */
static int s_section_kp(const s_ctx_t *c, uint32_t a, uint32_t b, int skip)
{
    const extract_doc_t *d = c->d;
    int best = -1;
    double best_v = 0;
    for (size_t k = 0; k < d->kp.count; k++) {
        const keyphrase_t *kp = &d->kp.items[k];
        if (c->used_kp[k] || (int)k == skip || !extract_kp_is_term(d, kp))
            continue;
        bool repeat = skip >= 0 && s_same_stem(c, (int)k, skip);
        for (size_t u = 0; u < d->kp.count && !repeat; u++)
            repeat = c->used_kp[u] && s_same_stem(c, (int)k, (int)u);
        if (repeat)
            continue;
        double in = keyphrase_count_in(kp, a, b);
        double v = sqrt(in) * (0.3 + in / kp->n_sents);
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
} s_section_t;

/* A heading from the terms that mark the section off: "Sample Efficiency
 * and Data Distribution"; else the section's heaviest word. */
static void s_section_heading(s_ctx_t *c, s_section_t *sec)
{
    const extract_doc_t *d = c->d;
    int ka = s_section_kp(c, sec->a, sec->b, -1);
    int kb = ka >= 0 ? s_section_kp(c, sec->a, sec->b, ka) : -1;
    buf_t h;
    buf_init(&h, 1024);
    if (ka < 0) {
        char *w = extract_top_word(d, d->m.sents[sec->a].first_word,
                                   d->m.sents[sec->b].first_word + d->m.sents[sec->b].n_words);
        s_title_case(w ? w : "More", &h);
        free(w);
    } else {
        c->used_kp[ka] = 1;
        s_title_case(d->kp.items[ka].text, &h);
        if (kb >= 0) {
            extract_puts(&h, s_and(d));
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

/* The best sentence of [a, b] not yet taken, or UINT32_MAX. */
static uint32_t s_best_in(const s_ctx_t *c, uint32_t a, uint32_t b)
{
    double best_v = 0;
    uint32_t best = UINT32_MAX;
    for (uint32_t s = a; s <= b; s++) {
        double v = c->taken[s] ? 0 : s_prose_score(c, s);
        if (v > best_v) {
            best_v = v;
            best = s;
        }
    }
    return best;
}

/* The section's most central sentences, in source order, as paragraphs of
 * up to three sentences; a sentence that leans on the one before opens no
 * paragraph unless that one is there too. */
static void s_section_body(s_ctx_t *c, const s_section_t *sec, buf_t *md)
{
    uint32_t n = sec->b - sec->a + 1, want = n / 4 < 2 ? 2 : n / 4 > 6 ? 6 : n / 4;
    uint32_t *pick = mem_alloc((want + 1) * sizeof *pick), n_pick = 0;
    for (uint32_t round = 0; round < want; round++) {
        uint32_t best = s_best_in(c, sec->a, sec->b);
        if (best == UINT32_MAX)
            break;
        c->taken[best] = 1;
        pick[n_pick++] = best;
    }
    qsort(pick, n_pick, sizeof *pick, s_by_u32);
    size_t at = md->len;
    for (uint32_t i = 0, out = 0; i < n_pick; i++) {
        bool new_para = out > 0 && (out % 3 == 0 || pick[i] - pick[i - 1] > 6);
        bool follows = i > 0 && pick[i] == pick[i - 1] + 1;
        if ((out == 0 || new_para) && !follows && !s_stands_alone(c, pick[i]))
            continue;
        extract_puts(md, out == 0 ? "" : new_para ? "\n\n" : " ");
        s_prose(&c->d->m, pick[i], md);
        out++;
    }
    if (md->len > at)
        extract_puts(md, "\n\n");
    free(pick);
}

/* The main subject: the source's title if it has one, else its leading
 * term, with the second when there is one ("Sample Efficiency and Data
 * Distribution"). */
static char *s_make_title(s_ctx_t *c, const char *source_title)
{
    const extract_doc_t *d = c->d;
    if (source_title && source_title[strspn(source_title, " \t\r\n")])
        return mem_strdup(source_title);
    buf_t b;
    buf_init(&b, 1024);
    int first = -1, second = -1;
    for (size_t k = 0; k < d->kp.count && second < 0; k++) {
        if (!extract_kp_is_term(d, &d->kp.items[k]))
            continue;
        if (first < 0)
            first = (int)k;
        else if (d->kp.items[k].score < 0.7 * d->kp.items[first].score)
            break; /* the main subject alone */
        else if (!s_same_stem(c, (int)k, first))
            second = (int)k;
    }
    if (first < 0 && d->kp.count)
        first = 0;
    if (first < 0) {
        extract_puts(&b, "Notes on the Source");
        return buf_steal(&b);
    }
    s_title_case(d->kp.items[first].text, &b);
    c->used_kp[first] = 1; /* the sections name something else */
    c->subject = first;
    if (second >= 0) {
        c->used_kp[second] = 1;
        extract_puts(&b, s_and(d));
        s_title_case(d->kp.items[second].text, &b);
    }
    return buf_steal(&b);
}

/* "this", "these", "those" among a sentence's first words: it points back
 * at something said before. */
static bool s_points_back(const extract_doc_t *d, uint32_t s)
{
    static const char *const back[] = {"this", "these", "those", "such"};
    const textmodel_sent_t *st = &d->m.sents[s];
    for (uint32_t w = st->first_word; w < st->first_word + st->n_words && w < st->first_word + 6;
         w++)
        if (extract_key_in(&d->m, w, back, EXTRACT_N(back)))
            return true;
    return false;
}

/* The lede: the sentence that best states the thesis -- central, quotable
 * (a definition, a claim, a contrast), standing alone -- and, when it leads
 * on, the sentence after it. No line of the engine's own. */
static void s_lede(s_ctx_t *c, buf_t *md)
{
    const extract_doc_t *d = c->d;
    double best_v = 0;
    uint32_t best = UINT32_MAX;
    for (uint32_t s = 0; s < d->m.n_sents; s++) {
        double v = s_stands_alone(c, s) ? s_prose_score(c, s) : 0;
        v *= v > 0 ? 1.0 + s_quot(c, s) : 1.0;
        if (c->subject >= 0 && keyphrase_in_range(&d->kp.items[c->subject], s, s))
            v *= 2.0; /* a thesis names the main subject */
        if (s_points_back(d, s))
            v *= 0.5; /* "this objection": it answers something said before */
        if (v > best_v) {
            best_v = v;
            best = s;
        }
    }
    if (best == UINT32_MAX)
        return;
    c->taken[best] = 1;
    s_prose(&d->m, best, md);
    uint32_t next = best + 1;
    if (next < d->m.n_sents && !d->m.sents[next].para_start && !s_stands_alone(c, next) &&
        s_prose_score(c, next) > 0) {
        c->taken[next] = 1;
        extract_puts(md, " ");
        s_prose(&d->m, next, md);
    }
    extract_puts(md, "\n\n");
}

static size_t s_sections(const extract_doc_t *d, s_section_t *secs)
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

static void s_ctx_init(s_ctx_t *c, const extract_doc_t *d, const uint8_t *in_snippet)
{
    c->d = d;
    c->in_snippet = in_snippet;
    c->open = mem_calloc(d->m.n_sents + 1, 1);
    extract_mark_open(&d->m, c->open);
    c->quot = mem_alloc((d->m.n_sents + 1) * sizeof *c->quot);
    for (uint32_t s = 0; s < d->m.n_sents; s++)
        c->quot[s] = -1; /* computed when first asked (s_quot) */
    c->taken = mem_calloc(d->m.n_sents + 1, 1);
    c->used_kp = mem_calloc(d->kp.count + 1, 1);
    stem_t *st = stem_new(stopword_lang_tag((stopword_lang_t)d->m.lang));
    c->kp_stem = mem_calloc(d->kp.count + 1, S_STEM_KEY);
    for (size_t k = 0; k < d->kp.count; k++)
        stem_phrase(st, d->kp.items[k].text, c->kp_stem[k], S_STEM_KEY);
    stem_destroy(&st);
    c->subject = -1;
    /* The dangling words as the model keys them ("whereas" -> "wherea"),
     * looked up once instead of folded again for every sentence asked. */
    c->dangling = mem_calloc(d->m.n_terms + 1, 1);
    for (size_t i = 0; i < EXTRACT_N(s_dangling); i++) {
        char k[32];
        size_t n = textmodel_fold(s_dangling[i], strlen(s_dangling[i]), k, sizeof k, true);
        int64_t t = textmodel_find(&d->m, k, n);
        if (t >= 0)
            c->dangling[t] = 1;
    }
}

static void s_ctx_clear(s_ctx_t *c)
{
    free(c->dangling);
    free(c->open);
    free(c->quot);
    free(c->taken);
    free(c->used_kp);
    free(c->kp_stem);
}

static char *s_essay(s_ctx_t *c, s_section_t *secs, size_t n_secs, const char *title)
{
    buf_t md;
    buf_init(&md, EXTRACT_OUT_MAX);
    extract_puts(&md, "# ");
    extract_puts(&md, title);
    extract_puts(&md, "\n\n");
    s_lede(c, &md);
    for (size_t i = 0; i < n_secs; i++) {
        buf_t body;
        buf_init(&body, EXTRACT_OUT_MAX);
        s_section_body(c, &secs[i], &body);
        if (body.len) { /* a section with nothing that stands alone is left out */
            extract_puts(&md, "## ");
            extract_puts(&md, secs[i].heading);
            extract_puts(&md, "\n\n");
            extract_put(&md, body.data, body.len);
        }
        buf_free(&body);
    }
    while (md.len && md.data[md.len - 1] == '\n')
        md.data[--md.len] = '\0';
    extract_puts(&md, "\n");
    return buf_steal(&md);
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
    extract_analysis_t *a = extract_analysis_new(t, err);
    if (!a)
        return -1;
    int rc = extract_synthesis_with(a, s, source_title, out, err);
    extract_analysis_destroy(&a);
    return rc;
}

int extract_synthesis_with(const extract_analysis_t *a,
                           const extract_snippets_t *s,
                           const char *source_title,
                           extract_synthesis_t *out,
                           err_t *err)
{
    if (!out || !a) {
        err_set(err, LODE_EINVAL, "extract_synthesis: missing argument");
        return -1;
    }
    memset(out, 0, sizeof *out);
    const extract_doc_t *d = &a->d;
    uint8_t *in_snippet = extract_snippet_mask(d, s);
    s_ctx_t c;
    s_ctx_init(&c, d, in_snippet);
    s_section_t secs[6] = {{0}};
    size_t n_secs = s_sections(d, secs);
    out->title = s_make_title(&c, source_title);
    for (size_t i = 0; i < n_secs; i++)
        s_section_heading(&c, &secs[i]);
    out->markdown = s_essay(&c, secs, n_secs, out->title);
    for (size_t i = 0; i < n_secs; i++)
        free(secs[i].heading);
    s_ctx_clear(&c);
    free(in_snippet);
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
