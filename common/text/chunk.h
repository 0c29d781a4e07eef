/*  chunk.h - conservative token counts, and a plan that splits a transcript
 *  too long for a model's context window into overlapping chunks that start
 *  and end at sentence boundaries (map-reduce over long sources).
 *  Pure functions; no I/O.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_CHUNK_H
#define LODE_CHUNK_H
#include <stddef.h>

#include "err.h"
#include "transcript.h"

#define CHUNK_MIN_BUDGET 64 /* tokens a chunk may hold, at least */

typedef struct {
    size_t offset;         /* bytes into the transcript text: a sentence start */
    size_t length;         /* bytes: up to a sentence end */
    size_t tokens;         /* chunk_tokens of the span */
    size_t first_sentence; /* index of its first sentence */
    size_t n_sentences;
} chunk_t;

/* A token count that real tokenizers stay under: one token per 3 ASCII
 * bytes (English runs about 4), one per other code point, and 3 per 2
 * CJK ideographs, kana or hangul. Rounded up; 0 only for empty text. */
size_t chunk_tokens(const char *s, size_t len);

/* Split t so that each chunk's tokens fit b->context_tokens - reserve_tokens
 * (reserve: prompt, instructions and the answer's max tokens); consecutive
 * chunks share about overlap_tokens of sentences (clamped to half the
 * budget). A transcript that fits gives one chunk spanning its sentences.
 * *out (the caller frees) and *n get the chunks in order; no chunk is empty
 * and every sentence is in at least one. -1 and LODE_EINVAL when the budget
 * is under CHUNK_MIN_BUDGET or an argument is NULL, LODE_EEMPTY when the text
 * has no sentence. */
/* A chunk plan's token budget. */
typedef struct {
    size_t context_tokens; /* the model's window */
    size_t reserve_tokens; /* prompt, instructions and the answer's max tokens */
    size_t overlap_tokens; /* shared by consecutive chunks */
} chunk_budget_t;

LODE_MUST_CHECK int
chunk_plan(const transcript_t *t, const chunk_budget_t *b, chunk_t **out, size_t *n, err_t *err);
#endif
