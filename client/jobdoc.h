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

/* jobdoc_load that also gives the curation layer's version (0: never
 * curated), read together with the layer (store_curated_get). */
doc_t *jobdoc_load_versioned(
    store_t *store, const char *id, store_job_t *job, int64_t *version, err_t *err);

/* jobdoc_load_versioned for a curation edit: read in one script call the
 * part an edit of that part checks against ("snippets", "synthesis",
 * "fanout"; NULL: all three) and the layer, without the transcript, the
 * source and the .meta parts, which no edit reads and which are most of the
 * bytes of a long document. *job gets only id, state and stage. Not for
 * rendering or export. */
doc_t *jobdoc_load_for_edit(store_t *store,
                            const char *id,
                            const char *part,
                            store_job_t *job,
                            int64_t *version,
                            err_t *err);

/* How to save a curation layer (jobdoc_save). */
typedef struct {
    const char *id;
    int64_t version;  /* the one jobdoc_load_versioned gave */
    const char *what; /* what the change did, for the undo history */
} jobdoc_save_t;

/* Write doc's curation layer as the job's "curated" part if its version is
 * still how->version: a compare-and-set, so two people curating the same
 * job never lose a change silently; the layer it replaces goes onto the
 * job's undo history in the same write. *saved (may be NULL) gets the new
 * version. -1 and LODE_ESTATE if someone else saved first (nothing
 * written: load again and redo the change). */
LODE_MUST_CHECK int
jobdoc_save(store_t *store, doc_t *doc, const jobdoc_save_t *how, int64_t *saved, err_t *err);
#endif
