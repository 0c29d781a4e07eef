/*  sentence.h - split UTF-8 text into sentences: byte spans trimmed of
 *  surrounding white space. Knows abbreviations (Mr., e.g., U.S.), decimals
 *  and versions (3.14, v1.2), initials (J. R. R. Tolkien), ellipses, closing
 *  quotes and brackets after the terminator, CJK terminators, and blank
 *  lines (which always end a sentence). Text with no punctuation at all (raw
 *  speech recognition) is cut into bounded pieces at the best soft break.
 *  Pure functions: no I/O.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_SENTENCE_H
#define LODE_SENTENCE_H
#include <stdbool.h>
#include <stddef.h>

#include "err.h"

typedef struct {
    size_t offset;   /* bytes into the text */
    size_t length;   /* bytes; no leading or trailing white space */
    size_t n_words;  /* white-space separated tokens */
    bool para_start; /* first sentence of a paragraph (text start or blank line) */
    bool cut;        /* ended by the length bound, not by punctuation */
    bool question;   /* ends with a question mark */
} sentence_t;

typedef struct {
    sentence_t *items; /* owned */
    size_t count;
    size_t cap;
    bool truncated; /* max_sentences was reached; the rest of the text is not split */
} sentence_list_t;

typedef struct {
    size_t max_words;     /* cut a sentence longer than this; 0 = 40 */
    size_t max_bytes;     /* cut a sentence longer than this; 0 = 600 */
    size_t max_sentences; /* stop after this many; 0 = 1,000,000 */
} sentence_opts_t;

/* Split text[0..len) (valid UTF-8) into *out, which the caller clears with
 * sentence_list_clear. opts may be NULL. Text with no words gives count 0.
 * 0 on success; -1 and LODE_EINVAL if text is NULL with len > 0. */
LODE_MUST_CHECK int sentence_split(
    const char *text, size_t len, const sentence_opts_t *opts, sentence_list_t *out, err_t *err);

/* Free the items and zero the list. Safe on a zeroed list. */
void sentence_list_clear(sentence_list_t *list);
#endif
