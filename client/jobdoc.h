/*  jobdoc.h - a job's document from Redis: the job hash and every part read
 *  into a doc_t, and the curation layer written back.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_JOBDOC_H
#define LODE_JOBDOC_H
#include "doc.h"
#include "err.h"
#include "store.h"

/* Read job id and its parts (absent parts are fine) into a new doc; *job
 * gets the job hash (store_job_clear it) and is zeroed on failure. NULL and
 * LODE_ENOTFOUND if there is no such job, LODE_EINVAL for a malformed part,
 * LODE_ESTORE if Redis fails. */
doc_t *jobdoc_load(store_t *store, const char *id, store_job_t *job, err_t *err);

/* Write doc's curation layer as the job's "curated" part. This is a plain
 * read-modify-write of one key: two people curating the same job at the same
 * moment can lose one change (documented in docs/cli.md). */
LODE_MUST_CHECK int jobdoc_save(store_t *store, const char *id, doc_t *doc, err_t *err);
#endif
