/*  fetch_local.h - the fetch stage for local sources: turns a job's
 *  submitted inline text or uploaded file into its "source" and "transcript"
 *  parts, on a job thread. URL sources are fetch_web.h's (on the loop).
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_FETCH_LOCAL_H
#define LODE_FETCH_LOCAL_H
#include "err.h"
#include "store.h"

/* Read job id's input, check it (size, binary, too few words: source.h),
 * parse it, write source and transcript. 0, or -1 and *err: LODE_EEMPTY
 * ("empty transcript", "N words: too short to mine…"), LODE_EUNSUPPORTED
 * (URL sources, binary content), LODE_ETOOBIG, LODE_EINVAL (malformed
 * subtitles) are permanent; LODE_ESTORE retries. */
LODE_MUST_CHECK int fetch_local_run(store_t *store, const char *id, err_t *err);
#endif
