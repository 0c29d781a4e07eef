/*  text_extractive.h - the three text stages with the embedded extractive
 *  engine: load the parts a stage reads, run the engine, write the part it
 *  makes. A rerun overwrites its own part and nothing else.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_TEXT_EXTRACTIVE_H
#define LODE_TEXT_EXTRACTIVE_H
#include "err.h"
#include "job.h"
#include "store.h"

/* Run stage (JOB_STAGE_SNIPPET, _SYNTHESIS or _FANOUT) for job id. */
LODE_MUST_CHECK int
text_extractive_run(store_t *store, job_stage_t stage, const char *id, err_t *err);
#endif
