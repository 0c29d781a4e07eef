/*  extract_fanout.c - the fan-out stage: questions (the source's own, the
 *  evidence its claims call for, how its keyphrases relate), concepts (its
 *  keyphrases) and references (the people, works and organisations it
 *  names); and the fan-out's JSON form. Reads the transcript, not the essay.
 *  SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "entity.h"
#include "extract_impl.h"
#include "mem.h"

#define S_MAX_QUESTIONS  20
#define S_MAX_CONCEPTS   25
#define S_MAX_REFERENCES 20

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
static char *s_source_question(const extract_doc_t *d, uint32_t sent)
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
    buf_init(&b, EXTRACT_OUT_MAX);
    extract_prose_from(m, a, end - 1, s->offset + s->length, &b);
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
static char *s_claim_question(const extract_doc_t *d, uint32_t sent)
{
    const textmodel_sent_t *s = &d->m.sents[sent];
    const char *text = d->m.text + s->offset;
    for (size_t i = 0; i < EXTRACT_N(s_markers); i++) {
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
        buf_init(&b, EXTRACT_OUT_MAX);
        extract_puts(&b, s_markers[i].prediction
                             ? "What would confirm or refute the prediction that "
                             : "What is the evidence that ");
        for (const char *p = c; p < stop; p++)
            extract_put(&b, (*p == '\n' || *p == '\t') ? " " : p, 1);
        extract_puts(&b, "?");
        return buf_steal(&b);
    }
    return NULL;
}

/* Sentences of one kind, best first by informativeness. */
static uint32_t *
s_best_sentences(const extract_doc_t *d, const uint8_t *in_snippet, bool questions, size_t *n_out)
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
    buf_init(&b, EXTRACT_OUT_MAX);
    int slot = 0;
    for (const char *p = tpl; *p; p++) {
        if (p[0] == '%' && p[1] == 's') {
            extract_puts(&b, slot++ == 0 ? x : y ? y : "");
            p++;
        } else {
            extract_put(&b, p, 1);
        }
    }
    return buf_steal(&b);
}

static void s_relation_questions(const extract_doc_t *d, s_strs_t *q, size_t max_add)
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
        const char *tpl = s_relation_templates[added % EXTRACT_N(s_relation_templates)];
        if (s_strs_add(q, s_fill(tpl, x->text, d->kp.items[best].text)))
            added++;
    }
}

static void s_concept_questions(const extract_doc_t *d, s_strs_t *q, size_t max_add)
{
    size_t added = 0;
    for (size_t i = 0; i < d->kp.count && added < max_add; i++) {
        const keyphrase_t *k = &d->kp.items[i];
        bool mentioned = false;
        for (size_t j = 0; j < q->count && !mentioned; j++)
            mentioned = s_find_ci(q->items[j], strlen(q->items[j]), k->text) != NULL;
        if (mentioned || k->n_terms < 2)
            continue;
        const char *tpl = s_concept_templates[added % EXTRACT_N(s_concept_templates)];
        if (s_strs_add(q, s_fill(tpl, k->text, NULL)))
            added++;
    }
}

static void s_questions(const extract_doc_t *d, const uint8_t *in_snippet, s_strs_t *q)
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

static void s_fanout_lists(const extract_doc_t *d,
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
    extract_doc_t d;
    if (extract_doc_build(&d, t, err) != 0)
        return -1;
    entity_list_t ents;
    if (entity_extract(&d.m, S_MAX_REFERENCES, &ents, err) != 0) {
        extract_doc_clear(&d);
        return -1;
    }
    uint8_t *in_snippet = extract_snippet_mask(&d, s);
    s_fanout_lists(&d, in_snippet, out, &ents);
    free(in_snippet);
    entity_list_clear(&ents);
    extract_doc_clear(&d);
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
