/*  extract_impl.h - what the extractive engine's files share: the analysis
 *  of a transcript (extract.c), the helpers that write its words back as
 *  text, and the commentary writer (extract_commentary.c). Private to
 *  common/extract*.c; callers use extract.h.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_EXTRACT_IMPL_H
#define LODE_EXTRACT_IMPL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "entity.h"
#include "extract.h"
#include "keyphrase.h"
#include "textmodel.h"

#define EXTRACT_N(a)    (sizeof(a) / sizeof((a)[0]))
#define EXTRACT_OUT_MAX (4u * 1024 * 1024) /* an output buffer's limit, never reached */

/* One analysis of the transcript, shared by the stages' helpers. */
typedef struct {
    const transcript_t *t;    /* borrowed: the transcript analysed */
    textmodel_t m;            /* its words, terms and sentences */
    keyphrase_list_t kp;      /* its leading keyphrases, best first: a view of kp_pool's head */
    keyphrase_list_t kp_pool; /* owned: a deeper list, for the fan-out's concepts */
    double *w;                /* owned: weight of each term, 0 for stopwords */
    double *info;             /* owned: informativeness of each sentence */
    uint32_t *stamp;          /* owned: per-term scratch mark */
    size_t n_words;           /* words in the analysed text */
    int64_t *cue_terms;       /* owned: term of each commentary cue word, -1 when absent */
    uint64_t *cue_mask;       /* owned: per term, the cues whose first word it is */
    uint8_t *term_class; /* owned: per term, number word or comparison (extract_commentary.c) */
    size_t *sent_cp;     /* owned: code point offset of each sentence's start and end */
} extract_doc_t;

/* Analyse t: text model, keyphrases, term weights and sentence
 * informativeness. 0, or -1 and *err (LODE_EINVAL when t is missing). */
LODE_MUST_CHECK int extract_doc_build(extract_doc_t *d, const transcript_t *t, err_t *err);

/* The rest of the analysis from d->t, d->m and d->kp_pool (built, or read
 * back from a stored analysis by extract_analysis.c): keyphrase view, term
 * weights, sentence informativeness, cue terms, code point offsets. */
void extract_doc_derive(extract_doc_t *d);

/* What extract.h's extract_analysis_t is: one analysis, built or unpacked. */
struct extract_analysis {
    extract_doc_t d;
};

/* The hash a stored analysis carries of its text and of itself (the last
 * 8 bytes); in this header for the tests that forge a well-summed part. */
uint64_t extract_analysis_hash(const void *data, size_t len);

/* Free what extract_doc_build made and zero *d. */
void extract_doc_clear(extract_doc_t *d);

/* The inline helpers below sit in inner loops over every word (role cues,
 * fillers, prose copies), so each file keeps them inlined as they were when
 * the engine was one file. */

/* True when the key of word is key. */
static inline bool extract_key_is(const textmodel_t *m, uint32_t word, const char *key)
{
    const textmodel_term_t *tm = &m->terms[m->words[word].term];
    const char *k = m->arena + tm->key_off;
    /* Most keys differ from key in their first byte: a test that settles
     * them before key is measured (these run for every word, per cue). */
    if (tm->key_len == 0 || k[0] != key[0])
        return tm->key_len == 0 && key[0] == '\0';
    return strlen(key) == tm->key_len && memcmp(k, key, tm->key_len) == 0;
}

/* True when the key of word is one of list[0..n). */
static inline bool
extract_key_in(const textmodel_t *m, uint32_t word, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (extract_key_is(m, word, list[i]))
            return true;
    return false;
}

/* Append to an output buffer. The outputs are bounded by construction (a
 * few dozen sentences of at most 600 bytes), far below EXTRACT_OUT_MAX, so
 * a failure here cannot happen and is not worth a path of its own. */
static inline void extract_put(buf_t *b, const char *s, size_t n)
{
    if (buf_append(b, s, n, NULL) != 0)
        return;
}

static inline void extract_puts(buf_t *b, const char *s)
{
    extract_put(b, s, strlen(s));
}

/* Text of words [a, b] with white space squeezed, appended to out. */
void extract_words_text(const textmodel_t *m, uint32_t a, uint32_t b, buf_t *out);

/* The heaviest content word of words [first, end), for a span that holds
 * no keyphrase; NULL when there is none. Caller frees. */
char *extract_top_word(const extract_doc_t *d, uint32_t first, uint32_t end);

/* 1 for words in [lo, hi], falling off below and above. */
double extract_length_pref(uint32_t words, uint32_t lo, uint32_t hi);

/* Penalty (a factor up to 1) for a quote or prose sentence that opens
 * mid-thought: "And so", "This is why". */
double extract_opener_penalty(const textmodel_t *m, uint32_t sent);

/* Words a..z as synthesis prose up to byte end: white space squeezed, a
 * leading "And" or "So" dropped, the first letter capitalised, a final
 * stop ensured. Appended to out. */
void extract_prose_from(const textmodel_t *m, uint32_t a, uint32_t z, size_t end, buf_t *out);

/* open[s] = 1 when sentence s of m starts inside a quotation or
 * parentheses (straight and curly double quotes, single quotes that open
 * after a space, brackets); reset at each paragraph. open has a byte per
 * sentence. */
void extract_mark_open(const textmodel_t *m, uint8_t *open);

/* True when keyphrase k is a term a reader could look up: several words,
 * a hyphenated compound or a real acronym, not a generic single word, not
 * a verb phrase (extract_notes.c). */
bool extract_kp_is_term(const extract_doc_t *d, const keyphrase_t *k);

/* One byte per sentence, 1 when it lies inside one of s's snippets (s may
 * be NULL). Caller frees. */
uint8_t *extract_snippet_mask(const extract_doc_t *d, const extract_snippets_t *s);

/* Look the commentary's cue words up in d's vocabulary once, so that
 * matching them is comparing term indices (extract_commentary.c). */
void extract_cues_prepare(extract_doc_t *d);

/* How quotable sentence s of d is, 0..1: the strength of the cue words
 * that mark a definition, a figure with its comparison, a contrast, a
 * first-person claim, a prediction, a metaphor, an example; *role (may be
 * NULL) gets the strongest, the same numbering as the commentary's labels
 * (extract_commentary.c). */
double extract_quotability(const extract_doc_t *d, uint32_t s, int *role);

/* The fan-out's concepts with their defining sentences, into out's
 * concepts and concept_notes; names (a capitalised head, or one of ents)
 * are left to the references (extract_notes.c). */
void extract_concepts(const extract_doc_t *d, const entity_list_t *ents, extract_fanout_t *out);

/* The fan-out's references from ents, typed, with the sentence that first
 * names each, into out's references and reference_notes; concepts already
 * in out are not repeated (extract_notes.c). */
void extract_references(const extract_doc_t *d, const entity_list_t *ents, extract_fanout_t *out);

/* Commentary (extract_commentary.c). A voice is the state carried across
 * the snippets of one source, so their lines vary; it borrows nothing. */
typedef struct extract_voice extract_voice_t;

/* A voice for the snippets of d's source. */
extract_voice_t *extract_voice_new(const extract_doc_t *d);

/* Free; sets *self_p to NULL. Safe on NULL. */
void extract_voice_destroy(extract_voice_t **self_p);

/* One line on why sentences [a, b] of d matter, from their rhetorical role
 * and keyphrases; v records what was said. Call in source order, once per
 * snippet. Caller frees. */
char *extract_commentary(const extract_doc_t *d, extract_voice_t *v, uint32_t a, uint32_t b);
#endif
