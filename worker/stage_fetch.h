/*  stage_fetch.h - the fetch stage: turns a job's submitted source into its
 *  "source" and "transcript" parts. This issue: inline text and local files
 *  (uploaded by the client); web sources come later.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_STAGE_FETCH_H
#define LODE_STAGE_FETCH_H
#include "err.h"
#include "store.h"

/* Read job id's input, parse it, write source and transcript. 0, or -1 and
 * *err: LODE_EEMPTY ("empty transcript"), LODE_EUNSUPPORTED (URL sources),
 * LODE_EINVAL (malformed subtitles) are permanent; LODE_ESTORE retries. */
LODE_MUST_CHECK int stage_fetch_run(store_t *store, const char *id, err_t *err);
#endif
