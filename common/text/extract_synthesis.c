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
#include "topic.h"

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

/* How well a sentence stands alone as prose for a synthesis. */
static double s_prose_score(const extract_doc_t *d, uint32_t s, const uint8_t *in_snippet)
{
    const textmodel_sent_t *st = &d->m.sents[s];
    if (st->n_words < 6)
        return 0;
    double score = d->info[s] / st->n_words * extract_length_pref(st->n_words, 12, 45);
    score *= extract_opener_penalty(&d->m, s);
    if (st->question)
        score *= 0.6;
    if (st->cut)
        score *= 0.3;
    if (in_snippet && in_snippet[s])
        score *= 1.25;
    return score;
}

/* The keyphrase that best marks sentences [a, b] off from the rest of the
 * text; used marks those taken by earlier headings. */
static int
s_section_kp(const extract_doc_t *d, uint32_t a, uint32_t b, const uint8_t *used, int skip)
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

static void s_section_heading(const extract_doc_t *d, s_section_t *sec, uint8_t *used)
{
    int ka = s_section_kp(d, sec->a, sec->b, used, -1);
    int kb = ka >= 0 ? s_section_kp(d, sec->a, sec->b, used, ka) : -1;
    buf_t h;
    buf_init(&h, 1024);
    if (ka < 0) {
        char *w = extract_top_word(d, d->m.sents[sec->a].first_word,
                                   d->m.sents[sec->b].first_word + d->m.sents[sec->b].n_words);
        sec->topic = w ? w : mem_strdup("the rest");
        s_title_case(sec->topic, &h);
    } else {
        used[ka] = 1;
        sec->topic = mem_strdup(d->kp.items[ka].text);
        s_title_case(d->kp.items[ka].text, &h);
        if (kb >= 0) {
            extract_puts(&h, " and ");
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
static void s_section_body(const extract_doc_t *d,
                           const s_section_t *sec,
                           const uint8_t *in_snippet,
                           uint8_t *taken,
                           buf_t *md)
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
        extract_puts(md, i == 0 ? "" : new_para ? "\n\n" : " ");
        s_prose(&d->m, pick[i], md);
    }
    extract_puts(md, "\n\n");
    free(pick);
}

static char *s_make_title(const extract_doc_t *d, const char *source_title)
{
    if (source_title && source_title[strspn(source_title, " \t\r\n")])
        return mem_strdup(source_title);
    buf_t b;
    buf_init(&b, 1024);
    if (d->kp.count == 0) {
        extract_puts(&b, "Notes on the Source");
        return buf_steal(&b);
    }
    s_title_case(d->kp.items[0].text, &b);
    if (d->kp.count >= 3) {
        extract_puts(&b, ": ");
        s_title_case(d->kp.items[1].text, &b);
        extract_puts(&b, " and ");
        s_title_case(d->kp.items[2].text, &b);
    } else if (d->kp.count == 2) {
        extract_puts(&b, " and ");
        s_title_case(d->kp.items[1].text, &b);
    }
    return buf_steal(&b);
}

/* The intro: the most central sentence of the whole source, then the path
 * the sections take through it. */
static void s_intro(const extract_doc_t *d,
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
        extract_puts(md, " ");
    }
    if (n_secs == 1) {
        extract_puts(md, "The source stays with ");
        extract_puts(md, secs[0].topic);
        extract_puts(md, " throughout.");
    } else {
        extract_puts(md, "It moves from ");
        extract_puts(md, secs[0].topic);
        for (size_t i = 1; i + 1 < n_secs; i++) {
            extract_puts(md, i == 1 ? ", through " : ", ");
            extract_puts(md, secs[i].topic);
        }
        extract_puts(md, n_secs > 2 ? ", to " : " to ");
        extract_puts(md, secs[n_secs - 1].topic);
        extract_puts(md, ".");
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
    extract_doc_t d;
    if (extract_doc_build(&d, t, err) != 0)
        return -1;
    s_section_t secs[6] = {{0}};
    size_t n_secs = s_sections(&d, secs);
    uint8_t *used_kp = mem_calloc(d.kp.count + 1, 1);
    uint8_t *in_snippet = extract_snippet_mask(&d, s);
    uint8_t *taken = mem_calloc(d.m.n_sents + 1, 1);
    for (size_t i = 0; i < n_secs; i++)
        s_section_heading(&d, &secs[i], used_kp);
    out->title = s_make_title(&d, source_title);
    buf_t md;
    buf_init(&md, EXTRACT_OUT_MAX);
    extract_puts(&md, "# ");
    extract_puts(&md, out->title);
    extract_puts(&md, "\n\n");
    s_intro(&d, secs, n_secs, in_snippet, taken, &md);
    for (size_t i = 0; i < n_secs; i++) {
        extract_puts(&md, "## ");
        extract_puts(&md, secs[i].heading);
        extract_puts(&md, "\n\n");
        s_section_body(&d, &secs[i], in_snippet, taken, &md);
        free(secs[i].heading);
        free(secs[i].topic);
    }
    while (md.len && md.data[md.len - 1] == '\n')
        md.data[--md.len] = '\0';
    extract_puts(&md, "\n");
    out->markdown = buf_steal(&md);
    free(taken);
    free(in_snippet);
    free(used_kp);
    extract_doc_clear(&d);
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
