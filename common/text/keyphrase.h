/*  keyphrase.h - keyphrases of a text: runs of content words between
 *  stopwords and punctuation (RAKE-style candidates), scored by frequency,
 *  length and spread over the text, deduplicated by containment. They are
 *  the "concepts to learn" and the vocabulary of headings and commentary.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_KEYPHRASE_H
#define LODE_KEYPHRASE_H
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "textmodel.h"

#define KEYPHRASE_MAX_WORDS 4

typedef struct {
    char *text;                          /* owned: display form, "sample efficiency" */
    uint32_t terms[KEYPHRASE_MAX_WORDS]; /* term indices in the model */
    uint32_t n_terms;
    uint32_t count;      /* occurrences, also inside longer phrases */
    uint32_t first_word; /* the occurrence the display form was taken from */
    uint32_t *sents;     /* owned: sentences holding it, ascending, no repeats */
    uint32_t n_sents;
    double score; /* higher is more central; the first item scores highest */
} keyphrase_t;

typedef struct {
    keyphrase_t *items; /* owned; best first */
    size_t count;
} keyphrase_list_t;

/* The best max keyphrases of m into *out (clear with keyphrase_list_clear).
 * A text with no content word gives an empty list. 0 on success; -1 and
 * LODE_EINVAL on NULL arguments. */
LODE_MUST_CHECK int
keyphrase_extract(const textmodel_t *m, size_t max, keyphrase_list_t *out, err_t *err);

void keyphrase_list_clear(keyphrase_list_t *list);

/* True if keyphrase k occurs in a sentence in [first, last]. */
bool keyphrase_in_range(const keyphrase_t *k, uint32_t first, uint32_t last);

/* Occurrences of k in sentences [first, last]. */
uint32_t keyphrase_count_in(const keyphrase_t *k, uint32_t first, uint32_t last);
#endif
