/*  docfix.h - a finished job written straight into Redis through the store
 *  (submit, then every part), for tests and benchmarks of curation and the
 *  web workbench that need documents without running models.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_DOCFIX_H
#define LODE_DOCFIX_H
#include <stddef.h>

#include "err.h"
#include "job.h"
#include "store.h"

typedef struct {
    const char *title;      /* source title; NULL = "Fixture document" */
    const char *url;        /* source url; NULL = a YouTube watch URL */
    const char *transcript; /* text; NULL = generated prose of words words */
    size_t words;           /* for a generated transcript; 0 = 300 */
    size_t snippets;        /* quotes taken from the transcript; 0 = 5 */
    const char *batch_name; /* NULL = "fixture" */
} docfix_opts_t;

/* Submit one job, write source, transcript, snippets, synthesis and fan-out
 * and walk it through the stages to "done" (dispatch and done, as a worker:
 * only on a cluster without workers, with nothing else queued). 0 and id,
 * or -1 and *err. */
int docfix_job(store_t *store, const docfix_opts_t *opts, char id[JOB_ID_SIZE], err_t *err);
#endif
