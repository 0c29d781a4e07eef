/*  quote.h - verify that a quote proposed by a model is in the transcript,
 *  and snap a near miss to the exact source span. The guard every engine's
 *  snippets pass through: only what quote_find locates is ever stored.
 *
 *  Normalisation (the same for source and quote): Unicode NFKD with
 *  compatibility mappings, case folding, combining marks stripped and
 *  default-ignorable code points dropped (utf8proc), curly/straight quotes
 *  and apostrophes unified, every dash and minus made '-', "…" made "...",
 *  white space collapsed to one space. NFKD is used per code point instead of
 *  NFKC: both sides get the same form, so comparing them is equivalent and
 *  each output byte keeps a map back to its source code point.
 *
 *  Snapping works on words (runs of letters and digits; punctuation ignored;
 *  each CJK ideograph or kana is a word): the rarest quote words anchor
 *  candidate positions, and a word-level edit distance (free start and end
 *  in the source) scores each. Dropping a filler word of the source ("um",
 *  "uh", "you know", "I mean", "like"...) costs a quarter of a word.
 *  Pure functions; no I/O.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_QUOTE_H
#define LODE_QUOTE_H
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "transcript.h"

#define QUOTE_MAX_BYTES 4096 /* longer quotes fail with LODE_ETOOBIG */

typedef enum {
    QUOTE_NONE = 0,   /* not in the source: reject, never store */
    QUOTE_EXACT,      /* the quote's bytes are in the source */
    QUOTE_NORMALISED, /* equal after normalisation (case, quotes, dashes, spaces) */
    QUOTE_SNAPPED,    /* close enough: the best matching source span is used */
} quote_kind_t;

typedef struct {
    double min_score; /* accept a snap at or above this (0..1); 0 = 0.8 */
} quote_opts_t;

typedef struct {
    quote_kind_t kind;
    size_t offset;    /* bytes into t->text, at a word (code point) boundary */
    size_t length;    /* bytes; the span to store is text[offset, offset+length) */
    int64_t start_ms; /* transcript_time_at(offset): -1 when untimed */
    double score;     /* 1.0 for exact and normalised; the snap's score else */
} quote_match_t;

typedef struct quote_index quote_index_t;

/* Normalise and index a transcript once, for many quotes. t is borrowed and
 * must outlive the index and stay unchanged. NULL and LODE_EINVAL if t is NULL,
 * LODE_ETOOBIG if the normalised text would pass 4 GB. */
quote_index_t *quote_index_new(const transcript_t *t, err_t *err);

/* Free; sets *self_p to NULL. Safe on NULL. */
void quote_index_destroy(quote_index_t **self_p);

/* Locate quote[0..len) (UTF-8; invalid bytes count as U+FFFD) in the indexed
 * transcript. 0 with *out filled when the search ran, out->kind = QUOTE_NONE
 * when the quote is not there (nothing else in *out is meaningful then).
 * -1 and LODE_EINVAL on NULL arguments, LODE_ETOOBIG if len > QUOTE_MAX_BYTES.
 * opts may be NULL. Read-only on the index: threads may share one. */
LODE_MUST_CHECK int quote_index_find(const quote_index_t *self,
                                     const char *quote,
                                     size_t len,
                                     const quote_opts_t *opts,
                                     quote_match_t *out,
                                     err_t *err);

/* One-shot form: index t, find, free the index. Same contract. */
LODE_MUST_CHECK int quote_find(const transcript_t *t,
                               const char *quote,
                               size_t len,
                               const quote_opts_t *opts,
                               quote_match_t *out,
                               err_t *err);

/* Stable name of a kind: "none", "exact", "normalised", "snapped". */
const char *quote_kind_name(quote_kind_t kind);
#endif
