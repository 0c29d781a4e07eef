/*  text_parts.h - what a text stage (snippet, synthesis, fanout) reads: the
 *  stored parts of the earlier stages, and the part each stage writes. Shared
 *  by the extractive engine (text_extractive.h) and the openai engine
 *  (text_model.h).
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_TEXT_PARTS_H
#define LODE_TEXT_PARTS_H
#include <stddef.h>

#include "err.h"
#include "job.h"
#include "store.h"

/* The stored parts a text stage reads, as JSON text (owned). */
typedef struct {
    char *transcript; /* every stage */
    size_t transcript_len;
    char *title;    /* synthesis, fanout: the source's title, or NULL */
    char *snippets; /* synthesis, fanout */
    size_t snippets_len;
    char *synthesis; /* fanout */
    size_t synthesis_len;
    char *analysis; /* the extractive engine's stored analysis, or NULL */
    size_t analysis_len;
} text_parts_t;

/* Which parts to load (text_parts_load_only). */
enum {
    TEXT_PART_TRANSCRIPT = 1 << 0,
    TEXT_PART_TITLE = 1 << 1,
    TEXT_PART_SNIPPETS = 1 << 2,
    TEXT_PART_SYNTHESIS = 1 << 3,
    TEXT_PART_ANALYSIS = 1 << 4, /* optional: absent is no error */
};

/* Load what stage reads; a part an earlier stage should have written and did
 * not is LODE_ESTATE (permanent). On -1 *out may hold some parts: clear it. */
LODE_MUST_CHECK int
text_parts_load(store_t *store, const char *id, job_stage_t stage, text_parts_t *out, err_t *err);

/* Load only the parts in want (TEXT_PART_*), with the same errors. */
LODE_MUST_CHECK int
text_parts_load_only(store_t *store, const char *id, unsigned want, text_parts_t *out, err_t *err);
void text_parts_clear(text_parts_t *p);

/* The part a text stage writes (STORE_PART_*), NULL for other stages. */
const char *text_parts_name(job_stage_t stage);

#endif
