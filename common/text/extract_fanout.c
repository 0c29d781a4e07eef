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
#include "stopword.h"

#define S_MAX_QUESTIONS 12 /* fewer and better (issue #14) */
#define S_ENTITY_POOL   40 /* names looked at; extract_notes.c keeps the references */

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

static const char *const s_question_words[] = {
    "what", "why",   "how",    "who",   "whom",    "whose",  "which", "where", "when",
    "is",   "are",   "was",    "were",  "do",      "doe",    "did",   "can",   "could",
    "will", "would", "should", "shall", "may",     "might",  "must",  "ha",    "have",
    "had",  "isn't", "aren't", "don't", "doesn't", "didn't", "can't", "won't", "wouldn't"};

/* Where the question of words [a, end) begins: at a, after list numbers,
 * when a question word or auxiliary opens it; else after a short lead-in
 * ending in a comma ("That is to say, how much ...?"). UINT32_MAX when it
 * is no question ("..., but so what?"). */
static uint32_t s_question_start(const textmodel_t *m, uint32_t a, uint32_t end)
{
    while (a < end && (m->words[a].flags & TEXTMODEL_W_NUM))
        a++; /* "03 11 Is the ..." */
    if (a < end && extract_key_in(m, a, s_question_words, EXTRACT_N(s_question_words)))
        return a;
    for (uint32_t w = a + 1; w < end && w < a + 7; w++)
        if ((m->words[w].flags & TEXTMODEL_W_BREAK) && m->text[m->words[w].offset - 1] != '"' &&
            extract_key_in(m, w, s_question_words, EXTRACT_N(s_question_words)))
            return w;
    return UINT32_MAX;
}

/* A question the source asks, as a complete sentence: from its question
 * word (after a colon or a short lead-in), never a fragment or a list
 * number. NULL when it is no question or too short or long to stand alone. */
static char *s_source_question(const extract_doc_t *d, uint32_t sent)
{
    const textmodel_t *m = &d->m;
    const textmodel_sent_t *s = &m->sents[sent];
    uint32_t a = s->first_word, end = s->first_word + s->n_words;
    for (uint32_t w = a + 1; w < end; w++)
        if ((m->words[w].flags & TEXTMODEL_W_FIRST) && end - w >= 4 &&
            m->text[m->words[w].offset - 1] != '"' && m->text[m->words[w].offset - 1] != '\'')
            a = w; /* after a colon */
    a = s_question_start(m, a, end);
    if (a == UINT32_MAX || end - a < 5 || end - a > 40)
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

/* Does text [p, end) hold a finite verb we can see without a tagger: a
 * copula, an auxiliary or a negation? Then "... that X?" is a clause. */
static bool s_has_verb(const char *p, const char *end)
{
    static const char *const verbs[] = {" is ",   " are ",   " was ",    " were ", " be ",
                                        " has ",  " have ",  " had ",    " can ",  " could ",
                                        " will ", " would ", " should ", " may ",  " might ",
                                        " must ", " do ",    " does ",   " did ",  "n't "};
    char buf[512];
    size_t n = (size_t)(end - p) < sizeof buf - 3 ? (size_t)(end - p) : sizeof buf - 3;
    buf[0] = ' ';
    for (size_t i = 0; i < n; i++)
        buf[i + 1] = (p[i] >= 'A' && p[i] <= 'Z') ? (char)(p[i] + 32) : p[i];
    buf[n + 1] = ' ';
    buf[n + 2] = '\0';
    for (size_t i = 0; i < EXTRACT_N(verbs); i++)
        if (strstr(buf, verbs[i]))
            return true;
    return false;
}

/* Where a claim starting at c ends: the sentence end, a semicolon, a
 * bracket or a dash, or a comma or colon past six words; closing marks
 * trimmed. *words gets its words. */
static const char *s_claim_end(const char *c, const char *end, size_t *words)
{
    const char *stop = end;
    *words = 1;
    for (const char *p = c; p < end; p++) {
        *words += *p == ' ';
        bool dash = (end - p >= 3 && memcmp(p, "\xe2\x80\x94", 3) == 0) ||
                    (p[0] == ' ' && p + 1 < end && p[1] == '-');
        if (((*p == ',' || *p == ':') && *words >= 6) || *p == ';' || *p == '(' || dash) {
            stop = p;
            break;
        }
    }
    while (stop > c && strchr(".!?\"' ", stop[-1]))
        stop--;
    return stop;
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
        size_t words;
        const char *stop = s_claim_end(c, end, &words);
        if (words < 4 || words > 24 || stop <= c || s->question || !s_has_verb(c, stop))
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

/* A form that stays grammatical whatever concept fills it (the term is
 * quoted), for the leading concepts of the source only. */
static void s_term_questions(const extract_fanout_t *f, s_strs_t *q, size_t max_add)
{
    for (size_t i = 0, added = 0; i < f->n_concepts && added < max_add; i++) {
        const char *c = f->concepts[i];
        bool lower = c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'a' && c[1] <= 'z';
        char *line =
            mem_printf("What exactly is meant by \u201c%c%s\u201d, and where does the idea "
                       "stop applying?",
                       lower ? c[0] + 32 : c[0], c + 1);
        added += s_strs_add(q, line);
    }
}

static void s_questions(const extract_doc_t *d,
                        const uint8_t *in_snippet,
                        const extract_fanout_t *f,
                        s_strs_t *q)
{
    size_t n;
    uint32_t *idx = s_best_sentences(d, in_snippet, true, &n);
    for (size_t i = 0, added = 0; i < n && added < 7; i++) {
        char *text = s_source_question(d, idx[i]);
        if (text && s_strs_add(q, text))
            added++;
    }
    free(idx);
    /* the raised questions are English forms: filled with words of another
     * language they would be grammatical in neither */
    if (d->m.lang != STOPWORD_EN)
        return;
    idx = s_best_sentences(d, in_snippet, false, &n);
    for (size_t i = 0, added = 0; i < n && added < 4; i++) {
        char *text = s_claim_question(d, idx[i]);
        if (text && s_strs_add(q, text))
            added++;
    }
    free(idx);
    s_term_questions(f, q, q->count < 8 ? 2 : 1);
}

static void s_fanout_lists(const extract_doc_t *d,
                           const uint8_t *in_snippet,
                           extract_fanout_t *out,
                           const entity_list_t *ents)
{
    extract_concepts(d, ents, out);
    extract_references(d, ents, out);
    s_strs_t q = {mem_calloc(S_MAX_QUESTIONS + 1, sizeof(char *)), 0, S_MAX_QUESTIONS};
    s_questions(d, in_snippet, out, &q);
    out->questions = q.items;
    out->n_questions = q.count;
}

int extract_fanout(const transcript_t *t,
                   const extract_snippets_t *s,
                   const extract_synthesis_t *syn,
                   extract_fanout_t *out,
                   err_t *err)
{
    if (!out) {
        err_set(err, LODE_EINVAL, "extract_fanout: no output");
        return -1;
    }
    memset(out, 0, sizeof *out);
    extract_analysis_t *a = extract_analysis_new(t, err);
    if (!a)
        return -1;
    int rc = extract_fanout_with(a, s, syn, out, err);
    extract_analysis_destroy(&a);
    return rc;
}

int extract_fanout_with(const extract_analysis_t *a,
                        const extract_snippets_t *s,
                        const extract_synthesis_t *syn,
                        extract_fanout_t *out,
                        err_t *err)
{
    (void)syn; /* v1 mines the transcript itself; the essay adds no new facts */
    if (!out || !a) {
        err_set(err, LODE_EINVAL, "extract_fanout: missing argument");
        return -1;
    }
    memset(out, 0, sizeof *out);
    const extract_doc_t *d = &a->d;
    entity_list_t ents;
    if (entity_extract(&d->m, S_ENTITY_POOL, &ents, err) != 0)
        return -1;
    uint8_t *in_snippet = extract_snippet_mask(d, s);
    s_fanout_lists(d, in_snippet, out, &ents);
    free(in_snippet);
    entity_list_clear(&ents);
    return 0;
}

static void s_free_strs(char **items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(items[i]);
    free(items);
}

static void s_free_notes(extract_note_t *notes, size_t n)
{
    for (size_t i = 0; notes && i < n; i++) {
        free(notes[i].kind);
        free(notes[i].sentence);
    }
    free(notes);
}

void extract_fanout_clear(extract_fanout_t *f)
{
    if (!f)
        return;
    s_free_strs(f->questions, f->n_questions);
    s_free_strs(f->concepts, f->n_concepts);
    s_free_strs(f->references, f->n_references);
    s_free_notes(f->concept_notes, f->n_concepts);
    s_free_notes(f->reference_notes, f->n_references);
    memset(f, 0, sizeof *f);
}

static json_t *s_json_strings(char *const *items, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, json_string(items[i]));
    return arr;
}

/* [{"<what>": item, "type"?, "sentence", "offset", "length"}] */
static json_t *
s_json_notes(const char *what, char *const *items, const extract_note_t *notes, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, what, json_string(items[i]));
        if (notes[i].kind)
            json_object_set_new(o, "type", json_string(notes[i].kind));
        json_object_set_new(o, "sentence", json_string(notes[i].sentence ? notes[i].sentence : ""));
        json_object_set_new(o, "offset", json_integer((json_int_t)notes[i].offset));
        json_object_set_new(o, "length", json_integer((json_int_t)notes[i].length));
        json_array_append_new(arr, o);
    }
    return arr;
}

char *extract_fanout_to_json(const extract_fanout_t *f)
{
    json_t *o = json_object();
    json_object_set_new(o, "questions", s_json_strings(f->questions, f->n_questions));
    json_object_set_new(o, "concepts", s_json_strings(f->concepts, f->n_concepts));
    json_object_set_new(o, "references", s_json_strings(f->references, f->n_references));
    if (f->concept_notes)
        json_object_set_new(o, "concept_notes",
                            s_json_notes("concept", f->concepts, f->concept_notes, f->n_concepts));
    if (f->reference_notes)
        json_object_set_new(
            o, "reference_notes",
            s_json_notes("reference", f->references, f->reference_notes, f->n_references));
    char *out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return out;
}
