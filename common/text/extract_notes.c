/*  extract_notes.c - the fan-out's concepts and references, each with the
 *  sentence of the source that defines or names it (issue #14). Concepts
 *  are the keyphrases that are terms: several words, a hyphenated compound
 *  or a real acronym, never a generic single word; deduplicated by their
 *  Snowball stems. References are the names the source invokes, typed,
 *  without concept acronyms (AI, RL) or common words spelled with a capital.
 *  SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE /* strcasestr */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "entity.h"
#include "extract_impl.h"
#include "mem.h"
#include "stem.h"
#include "stopword.h"
#include "termrank.h"

#define S_MAX_CONCEPTS   15
#define S_MAX_REFERENCES 15
#define S_KEY_MAX        256
#define S_CONCEPT_ONCE   40 /* rank within which a phrase said once may be a concept */

/* Modifiers that make no term of a phrase ("enormous amounts"). */
static const char *const s_generic_mods[] = {
    "massive", "unimaginably", "enormous", "per", "immediate", "middle", "huge", "big", "large",
    "small", "little", "future", "whole", "certain", "different", "various", "real", "main", "good",
    "new", "many", "other", "same", "own", "entire", "great", "particular", "specific", "single",
    "overall", "simple", "actual", "general", "common", "obvious", "last", "first", "next", "few",
    "several", "best", "better", "previous", "current", "modern",
    /* the same few in the other languages the engine reads */
    "groß", "große", "großen", "neue", "neuen", "erste", "ersten", "letzte", "andere", "grand",
    "grande", "petit", "petite", "nouveau", "nouvelle", "dernier", "dernière", "premier",
    "première", "gran", "nuevo", "nueva", "primer", "primera", "último", "última", "nuovo", "nuova",
    "primo", "ultimo", "novo", "primeiro", "groot", "grote", "nieuwe", "eerste", "laatste"};

/* Heads that make no term either ("amount", "kind", "way"), nor do
 * containers and media, which name where something is, not an idea ("Word
 * files", "blog post", "PDF documents"). */
static const char *const s_generic_heads[] = {
    "amount",  "thing",    "way",      "lot",    "kind",     "sort",   "bit",   "part",
    "time",    "year",     "day",      "people", "number",   "case",   "point", "fact",
    "stuff",   "question", "example",  "idea",   "reason",   "sense",  "world", "place",
    "end",     "side",     "lifetime", "file",   "document", "page",   "post",  "video",
    "version", "app",      "website",  "site",   "folder",   "format", "item",  "list"};

/* Acronyms that name a field or a technique, not someone or something named. */
static const char *const s_concept_acronyms[] = {
    "ai", "rl", "llm", "api", "ml", "nlp", "gpu", "cpu", "agi", "asi",  "rlhf", "sft", "ui",
    "ux", "it", "ceo", "tv",  "ok", "pr",  "ar",  "vr",  "iot", "saas", "usb",  "faq"};

static bool s_in(const char *w, size_t len, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(list[i]) == len && memcmp(list[i], w, len) == 0)
            return true;
    return false;
}

static bool s_term_in(const textmodel_t *m, uint32_t term, const char *const *list, size_t n)
{
    size_t len;
    const char *k = textmodel_key(m, term, &len);
    return s_in(k, len, list, n);
}

/* The note of sentence s: its text, code-point span, and kind (owned). */
static void s_note(const extract_doc_t *d, uint32_t s, const char *kind, extract_note_t *note)
{
    const textmodel_sent_t *st = &d->m.sents[s];
    note->kind = kind ? mem_strdup(kind) : NULL;
    note->sentence = mem_strndup(d->m.text + st->offset, st->length);
    note->offset = d->sent_cp[2 * s];
    note->length = d->sent_cp[2 * s + 1] - note->offset;
}

/* First word of phrase k in sentence s, or UINT32_MAX. */
static uint32_t s_phrase_at(const textmodel_t *m, const keyphrase_t *k, uint32_t s)
{
    const textmodel_sent_t *st = &m->sents[s];
    for (uint32_t w = st->first_word; w + k->n_terms <= st->first_word + st->n_words; w++) {
        uint32_t i = 0;
        while (i < k->n_terms && m->words[w + i].term == k->terms[i])
            i++;
        if (i == k->n_terms)
            return w;
    }
    return UINT32_MAX;
}

static const char *const s_define_keys[] = {"is",     "are",    "mean",    "means", "refer",
                                            "called", "define", "defined", "as"};

/* The sentence that defines k: the first where a defining verb follows it
 * closely ("X is ...", "X means ...", "definition of X"), else UINT32_MAX. */
static uint32_t s_defined_at(const extract_doc_t *d, const keyphrase_t *k)
{
    const textmodel_t *m = &d->m;
    for (uint32_t i = 0; i < k->n_sents && i < 32; i++) {
        uint32_t s = k->sents[i], w = s_phrase_at(m, k, s);
        if (w == UINT32_MAX)
            continue;
        uint32_t end = m->sents[s].first_word + m->sents[s].n_words;
        if (w > m->sents[s].first_word + 1 && extract_key_is(m, w - 1, "of") &&
            extract_key_is(m, w - 2, "definition"))
            return s;
        for (uint32_t z = w + k->n_terms; z < end && z < w + k->n_terms + 2; z++)
            if (extract_key_in(m, z, s_define_keys, EXTRACT_N(s_define_keys)))
                return s;
    }
    return UINT32_MAX;
}

/* The sentence that defines k, else the first that holds it. */
static uint32_t s_defining_sentence(const extract_doc_t *d, const keyphrase_t *k)
{
    uint32_t s = s_defined_at(d, k);
    return s != UINT32_MAX ? s : k->n_sents ? k->sents[0] : 0;
}

/* A head that is a participle, not a noun: "choice dissolved", "books
 * based", "events surrounding" (an -ing after a plural). */
static bool s_participle_head(const textmodel_t *m, const keyphrase_t *k)
{
    size_t len;
    const char *key = textmodel_key(m, k->terms[k->n_terms - 1], &len);
    if (len > 4 && memcmp(key + len - 2, "ed", 2) == 0)
        return true;
    if (len > 5 && memcmp(key + len - 3, "ing", 3) == 0 && k->n_terms >= 2) {
        const textmodel_word_t *prev = &m->words[k->first_word + k->n_terms - 2];
        return m->text[prev->offset + prev->length - 1] == 's';
    }
    return false;
}

/* The words of k that make a term: generic leading modifiers dropped; 0
 * when what is left is a generic head or one plain word. */
static uint32_t s_term_start(const textmodel_t *m, const keyphrase_t *k, uint32_t *skip)
{
    uint32_t a = 0;
    while (a + 1 < k->n_terms &&
           s_term_in(m, k->terms[a], s_generic_mods, EXTRACT_N(s_generic_mods)))
        a++;
    *skip = a;
    uint32_t n = k->n_terms - a;
    if (s_term_in(m, k->terms[k->n_terms - 1], s_generic_heads, EXTRACT_N(s_generic_heads)) ||
        s_term_in(m, k->terms[k->n_terms - 1], s_generic_mods, EXTRACT_N(s_generic_mods)) ||
        s_participle_head(m, k))
        return 0;
    if (n >= 2)
        return n;
    const textmodel_word_t *w = &m->words[k->first_word + a];
    size_t len;
    const char *key = textmodel_key(m, k->terms[a], &len);
    bool acronym = (w->flags & TEXTMODEL_W_ACRONYM) && len >= 3 &&
                   !s_in(key, len, s_concept_acronyms, EXTRACT_N(s_concept_acronyms));
    return acronym ? 1 : 0;
}

/* Display form of words [first_word + skip, +n) of k, first letter up. */
static char *s_concept_text(const textmodel_t *m, const keyphrase_t *k, uint32_t skip, uint32_t n)
{
    buf_t b;
    buf_init(&b, 1024);
    extract_words_text(m, k->first_word + skip, k->first_word + skip + n - 1, &b);
    char *c = buf_steal(&b);
    if (c && c[0] >= 'a' && c[0] <= 'z')
        c[0] = (char)(c[0] - 32);
    return c ? c : mem_strdup("");
}

/* A verb phrase rather than a term: its first word follows "to", "will"
 * or a modal where the phrase was found ("to automate AI research"). */
static bool s_verb_phrase(const textmodel_t *m, const keyphrase_t *k)
{
    static const char *const before[] = {"to",     "will",   "would", "can", "could",
                                         "should", "must",   "might", "may", "don't",
                                         "didn't", "cannot", "not"};
    uint32_t w = k->first_word;
    return w > 0 && m->words[w - 1].sent == m->words[w].sent &&
           extract_key_in(m, w - 1, before, EXTRACT_N(before));
}

/* "Opening new doors", "Loved model trains": a phrase said once that
 * opens on an -ing or -ed form is most likely a clause, not a term. */
static bool s_verb_form_first(const textmodel_t *m, const keyphrase_t *k)
{
    size_t len;
    const char *key = textmodel_key(m, k->terms[0], &len);
    return (len > 4 && memcmp(key + len - 3, "ing", 3) == 0) ||
           (len > 3 && memcmp(key + len - 2, "ed", 2) == 0);
}

typedef struct {
    size_t at;    /* index in the pool, by the keyphrase score */
    double value; /* PositionRank value */
} s_ranked_t;

static int s_by_rank(const void *x, const void *y)
{
    const s_ranked_t *p = x, *q = y;
    if (p->value != q->value)
        return p->value < q->value ? 1 : -1;
    return p->at < q->at ? -1 : p->at > q->at;
}

/* The pool in PositionRank order: a phrase scores the sum of its words'
 * centrality in the word graph (termrank.h), at 60 % when said once.
 * Caller frees. */
static s_ranked_t *s_rerank(const textmodel_t *m, const keyphrase_list_t *pool)
{
    double *rank = termrank_scores(m);
    s_ranked_t *order = mem_alloc((pool->count + 1) * sizeof *order);
    for (size_t i = 0; i < pool->count; i++) {
        const keyphrase_t *k = &pool->items[i];
        double v = 0;
        for (uint32_t t = 0; t < k->n_terms; t++)
            v += rank[k->terms[t]];
        order[i] = (s_ranked_t){i, v * (k->count < 2 ? 0.6 : 1.0)};
    }
    qsort(order, pool->count, sizeof *order, s_by_rank);
    free(rank);
    return order;
}

/* A phrase said once may still be a term when it extends one the source
 * repeats: "credit assignment problem" after "credit assignment" twice. */
static bool s_extends_recurring(const keyphrase_list_t *pool, const keyphrase_t *k)
{
    if (k->n_terms < 3)
        return false;
    for (size_t i = 0; i < pool->count; i++) {
        const keyphrase_t *p = &pool->items[i];
        if (p->count < 2 || p->n_terms != k->n_terms - 1)
            continue;
        if (memcmp(p->terms, k->terms, p->n_terms * sizeof *p->terms) == 0 ||
            memcmp(p->terms, k->terms + 1, p->n_terms * sizeof *p->terms) == 0)
            return true;
    }
    return false;
}

static bool s_seen(char keys[][S_KEY_MAX], size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(keys[i], key) == 0)
            return true;
    return false;
}

/* A name rather than a concept: its head is capitalised in the source
 * ("MacBook Pro"), or it is part of a name found there, or holds one. */
static bool
s_is_name(const extract_doc_t *d, const entity_list_t *ents, const keyphrase_t *k, const char *text)
{
    for (uint32_t i = 0; i < k->n_terms; i++) {
        const textmodel_term_t *t = &d->m.terms[k->terms[i]];
        bool acronym = d->m.words[k->first_word + i].flags & TEXTMODEL_W_ACRONYM;
        if (!acronym && t->cap_count > 0 && t->low_count == 0 && d->m.lang != STOPWORD_DE)
            return true; /* "Ford's death", "MacBook Pro"; German capitalises every noun */
    }
    for (size_t i = 0; i < ents->count; i++) {
        const char *name = ents->items[i].name;
        if (ents->items[i].kind == ENTITY_ACRONYM)
            continue;
        if (strcasestr(name, text) || (strchr(name, ' ') && strcasestr(text, name)))
            return true;
    }
    return false;
}

/* Acronyms the source spells out as terms ("GRPO", "LLM"), after the
 * keyphrases, while there is room. */
static void s_acronym_concepts(const extract_doc_t *d,
                               const entity_list_t *ents,
                               extract_fanout_t *out,
                               char (*keys)[S_KEY_MAX])
{
    for (size_t i = 0; i < ents->count && out->n_concepts < S_MAX_CONCEPTS; i++) {
        const entity_t *e = &ents->items[i];
        char key[S_KEY_MAX];
        size_t len = textmodel_fold(e->name, strlen(e->name), key, sizeof key - 1, false);
        key[len] = '\0';
        if (e->kind != ENTITY_ACRONYM || len < 3 ||
            s_in(key, len, s_concept_acronyms, EXTRACT_N(s_concept_acronyms)) ||
            s_seen(keys, out->n_concepts, key))
            continue;
        memcpy(keys[out->n_concepts], key, len + 1);
        s_note(d, e->first_sent, NULL, &out->concept_notes[out->n_concepts]);
        out->concepts[out->n_concepts++] = mem_strdup(e->name);
    }
}

void extract_concepts(const extract_doc_t *d, const entity_list_t *ents, extract_fanout_t *out)
{
    const textmodel_t *m = &d->m;
    stem_t *st = stem_new(stopword_lang_tag((stopword_lang_t)d->m.lang));
    char(*keys)[S_KEY_MAX] = mem_calloc(S_MAX_CONCEPTS, S_KEY_MAX);
    out->concepts = mem_calloc(S_MAX_CONCEPTS + 1, sizeof *out->concepts);
    out->concept_notes = mem_calloc(S_MAX_CONCEPTS + 1, sizeof *out->concept_notes);
    /* a deeper pool than the analysis keeps: many of the leading keyphrases
     * are single words or names, which are no concepts */
    const keyphrase_list_t pool = d->kp_pool;
    double top = pool.count ? pool.items[0].score : 0;
    s_ranked_t *order = s_rerank(m, &pool);
    for (size_t r = 0; r < pool.count && out->n_concepts < S_MAX_CONCEPTS; r++) {
        size_t i = order[r].at;
        const keyphrase_t *k = &pool.items[i];
        uint32_t skip, n = s_term_start(m, k, &skip);
        if (n == 0 || k->score < 0.05 * top ||
            (k->count < 2 &&
             (i >= S_CONCEPT_ONCE || s_verb_form_first(m, k) ||
              (s_defined_at(d, k) == UINT32_MAX && !s_extends_recurring(&pool, k)))))
            continue; /* a term recurs, or is said once where it is defined */
        char *text = s_concept_text(m, k, skip, n);
        if (s_is_name(d, ents, k, text) || s_verb_phrase(m, k)) {
            free(text);
            continue;
        }
        char key[S_KEY_MAX];
        stem_phrase(st, text, key, sizeof key);
        if (!key[0] || s_seen(keys, out->n_concepts, key)) {
            free(text);
            continue;
        }
        memcpy(keys[out->n_concepts], key, sizeof key);
        s_note(d, s_defining_sentence(d, k), NULL, &out->concept_notes[out->n_concepts]);
        out->concepts[out->n_concepts++] = text;
    }
    free(order);
    s_acronym_concepts(d, ents, out, keys);
    free(keys);
    stem_destroy(&st);
}

/* ---- references -------------------------------------------------------- */

static const char *const s_person_after[] = {
    " said",    " says",   " argues",   " argued",    " wrote",     " told",
    " came on", " thinks", " recalled", " explained", "'s podcast", "\xe2\x80\x99s podcast"};
static const char *const s_org_words[] = {
    "inc",        "corp",    "corporation", "labs",    "lab",      "university", "institute",
    "foundation", "company", "group",       "ai",      "research", "society",    "association",
    "agency",     "bank",    "college",     "council", "ministry", "department", "press"};

/* A name's type from its kind and what surrounds its first mention. */
static const char *s_ref_type(const extract_doc_t *d, const entity_t *e)
{
    if (e->kind == ENTITY_PERSON)
        return "person";
    if (e->kind == ENTITY_WORK)
        return "work";
    const textmodel_sent_t *st = &d->m.sents[e->first_sent];
    const char *text = d->m.text + st->offset, *end = text + st->length;
    size_t nl = strlen(e->name);
    for (const char *p = text; p + nl <= end; p++) {
        if (memcmp(p, e->name, nl) != 0)
            continue;
        for (size_t i = 0; i < EXTRACT_N(s_person_after); i++) {
            size_t al = strlen(s_person_after[i]);
            if (p + nl + al <= end && memcmp(p + nl, s_person_after[i], al) == 0)
                return "person";
        }
        break;
    }
    const char *last = strrchr(e->name, ' ');
    last = last ? last + 1 : e->name;
    char low[32];
    size_t n = 0;
    for (; last[n] && n + 1 < sizeof low; n++)
        low[n] = (char)(last[n] >= 'A' && last[n] <= 'Z' ? last[n] + 32 : last[n]);
    low[n] = '\0';
    if (s_in(low, n, s_org_words, EXTRACT_N(s_org_words)))
        return "organisation";
    return "name";
}

/* A capitalised common word ("Word", "Now") or a concept acronym ("AI"). */
static bool s_not_reference(const extract_doc_t *d, const entity_t *e)
{
    char key[128];
    size_t len = textmodel_fold(e->name, strlen(e->name), key, sizeof key, true);
    if (e->kind == ENTITY_ACRONYM || !strchr(e->name, ' ')) {
        if (s_in(key, len, s_concept_acronyms, EXTRACT_N(s_concept_acronyms)))
            return true;
        int64_t t = textmodel_find(&d->m, key, len);
        if (t >= 0 && (d->m.terms[t].low_count > 0 || d->m.terms[t].stop))
            return true;
    }
    return false;
}

/* Is every stemmed word of a among those of b? */
static bool s_words_within(const char *a, const char *b)
{
    char tmp[S_KEY_MAX];
    snprintf(tmp, sizeof tmp, "%s", a);
    for (char *save = NULL, *w = strtok_r(tmp, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        size_t wl = strlen(w);
        bool found = false;
        for (const char *p = strstr(b, w); p && !found; p = strstr(p + 1, w))
            found = (p == b || p[-1] == ' ') && (p[wl] == ' ' || p[wl] == '\0');
        if (!found)
            return false;
    }
    return true;
}

/* Variants of one name: "Chinchilla paper" within "Chinchilla scaling-law
 * paper", either way, when they begin with the same word. */
static bool s_variant(char keys[][S_KEY_MAX], size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++) {
        size_t f1 = strcspn(keys[i], " "), f2 = strcspn(key, " ");
        if (f1 == f2 && strncmp(keys[i], key, f1) == 0 &&
            (s_words_within(key, keys[i]) || s_words_within(keys[i], key)))
            return true;
    }
    return false;
}

void extract_references(const extract_doc_t *d, const entity_list_t *ents, extract_fanout_t *out)
{
    stem_t *st = stem_new(stopword_lang_tag((stopword_lang_t)d->m.lang));
    char(*keys)[S_KEY_MAX] = mem_calloc(S_MAX_REFERENCES, S_KEY_MAX);
    out->references = mem_calloc(S_MAX_REFERENCES + 1, sizeof *out->references);
    out->reference_notes = mem_calloc(S_MAX_REFERENCES + 1, sizeof *out->reference_notes);
    for (size_t i = 0; i < ents->count && out->n_references < S_MAX_REFERENCES; i++) {
        const entity_t *e = &ents->items[i];
        char key[S_KEY_MAX];
        stem_phrase(st, e->name, key, sizeof key);
        bool concept = false;
        for (size_t c = 0; c < out->n_concepts && !concept; c++)
        concept = strcasecmp(out->concepts[c], e->name) == 0;
        if (!key[0] || concept || e->kind == ENTITY_ACRONYM || s_not_reference(d, e) ||
            s_variant(keys, out->n_references, key))
            continue;
        memcpy(keys[out->n_references], key, sizeof key);
        s_note(d, e->first_sent, s_ref_type(d, e), &out->reference_notes[out->n_references]);
        out->references[out->n_references++] = mem_strdup(e->name);
    }
    free(keys);
    stem_destroy(&st);
}

bool extract_kp_is_term(const extract_doc_t *d, const keyphrase_t *k)
{
    uint32_t skip;
    return s_term_start(&d->m, k, &skip) > 0 && !s_verb_phrase(&d->m, k);
}
