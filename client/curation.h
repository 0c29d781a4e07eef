/*  curation.h - one curation change, applied and saved: the one
 *  implementation behind the web workbench (and the same doc.h operations
 *  and compare-and-set save the CLI's curate.c uses). A change names the
 *  layer version it was made against; if the stored layer moved on since,
 *  nothing is written and the caller hears LODE_ESTATE (HTTP 409).
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_CURATION_H
#define LODE_CURATION_H
#include <stddef.h>
#include <stdint.h>

#include "doc.h"
#include "err.h"
#include "store.h"

typedef enum {
    CURATION_KEEP,            /* snippet */
    CURATION_DROP,            /* snippet */
    CURATION_COMMENTARY,      /* snippet, text */
    CURATION_MOVE,            /* snippet, position (1-based) */
    CURATION_SYNTHESIS,       /* text (Markdown) */
    CURATION_ADD,             /* list, text */
    CURATION_REMOVE,          /* list, text (1-based index or exact text) */
    CURATION_RESET_SNIPPET,   /* snippet */
    CURATION_RESET_SYNTHESIS, /* - */
    CURATION_RESET_FANOUT,    /* list, or NULL for every list */
    CURATION_RESET_ORDER,     /* - */
    CURATION_EDIT_ITEM,       /* list, text (index or exact text), to (the new text) */
    CURATION_MOVE_ITEM,       /* list, text (index or exact text), position (1-based) */
    CURATION_UNDO,            /* - : put back what the job's last change replaced */
    CURATION_N
} curation_kind_t;

/* One change. Strings borrowed. */
typedef struct {
    curation_kind_t kind;
    int64_t snippet;
    size_t position;
    const char *list;
    const char *text;
    const char *to; /* CURATION_EDIT_ITEM: the item's new text */
} curation_op_t;

/* The op's name as the API spells it ("keep", "reset_synthesis"…). */
const char *curation_name(curation_kind_t kind);

/* The kind named name; -1 if none. */
int curation_kind(const char *name);

/* The part the op needs ("snippets", "synthesis", "fanout"). */
const char *curation_part(curation_kind_t kind);

/* Apply op to doc in memory. LODE_ENOTFOUND / LODE_EINVAL as doc.h. */
LODE_MUST_CHECK int curation_apply(doc_t *doc, const curation_op_t *op, err_t *err);

/* A few words on what op does ("dropped snippet 3"), for the undo
 * history and the CLI's answer. */
void curation_describe(const curation_op_t *op, char *out, size_t size);

/* Load job id, check that its layer is still at version expected (-1: take
 * whatever is stored), apply op and save with a compare-and-set (the layer
 * it replaces goes onto the job's undo history); CURATION_UNDO instead puts
 * back the layer of the last change. *version (may be NULL) gets the new
 * version. -1 and: LODE_ENOTFOUND (no such job, part, snippet or item, or
 * nothing to undo), LODE_EINVAL (bad value), LODE_ESTATE (stale: someone
 * saved since expected; nothing written), LODE_ESTORE. */
LODE_MUST_CHECK int curation_commit(store_t *store,
                                    const char *id,
                                    const curation_op_t *op,
                                    int64_t expected,
                                    int64_t *version,
                                    err_t *err);
#endif
