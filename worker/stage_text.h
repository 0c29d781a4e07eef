/*  stage_text.h - the three text stages (snippet, synthesis, fanout) with the
 *  embedded extractive engine: load the parts a stage reads, run the engine,
 *  write the part it makes. A rerun overwrites its own part and nothing else.
 *  The loader is shared with the openai engine (miner.h).
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_STAGE_TEXT_H
#define LODE_STAGE_TEXT_H
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
} stage_text_parts_t;

/* Load what stage reads; a part an earlier stage should have written and did
 * not is LODE_ESTATE (permanent). On -1 *out may hold some parts: clear it. */
LODE_MUST_CHECK int stage_text_load(
    store_t *store, const char *id, job_stage_t stage, stage_text_parts_t *out, err_t *err);
void stage_text_parts_clear(stage_text_parts_t *p);

/* The part a text stage writes (STORE_PART_*), NULL for other stages. */
const char *stage_text_part(job_stage_t stage);

/* Run stage (JOB_STAGE_SNIPPET, _SYNTHESIS or _FANOUT) for job id. */
LODE_MUST_CHECK int stage_text_run(store_t *store, job_stage_t stage, const char *id, err_t *err);
#endif
