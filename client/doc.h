/*  doc.h - one job's document: the stored parts (source, transcript,
 *  snippets, synthesis, fanout) with the person's curation layer applied at
 *  read time, exported as the DESIGN.md JSON or as Markdown; and the curation
 *  operations, which only ever change the layer, never the proposed parts.
 *  Pure: no Redis, no I/O; the caller reads and writes the parts.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_DOC_H
#define LODE_DOC_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Limits on text a person adds (bytes). */
#define DOC_COMMENTARY_MAX (64u * 1024)
#define DOC_SYNTHESIS_MAX  (4u * 1024 * 1024)
#define DOC_ITEM_MAX       (4u * 1024)

/* Export flags. */
#define DOC_JSON_PRETTY 1 /* indent by 2; else one line */

typedef struct doc doc_t;

/* What the caller read for one job. All borrowed for the duration of
 * doc_new; any may be NULL (not there yet). Part strings are the stored JSON
 * of the job's parts, NUL-terminated. */
typedef struct {
    const char *id;         /* job id */
    const char *url;        /* submitted URL or NULL */
    const char *batch;      /* batch id or NULL */
    const char *state;      /* JOB_STATE_* or NULL */
    const char *stage;      /* current or last stage or NULL */
    const char *error;      /* last error text or NULL */
    const char *source;     /* part "source" */
    const char *transcript; /* part "transcript" */
    const char *snippets;   /* part "snippets" */
    const char *synthesis;  /* part "synthesis" */
    const char *fanout;     /* part "fanout" */
    const char *curated;    /* part "curated": the curation layer */
    const char *made[3];    /* parts "snippets.meta", "synthesis.meta", "fanout.meta":
                             * how a model made each part (the openai engine), or NULL */
    /* Instead of snippets: the part already parsed and checked by
     * doc_snippets_parse. doc_new takes a reference and never changes it,
     * so a caller may keep it for the next load of the same bytes. */
    struct json_t *snippets_json;
} doc_parts_t;

/* The snippets part text parsed and checked as doc_new would (a JSON array
 * of snippets with distinct integer ids…). A new reference (json_decref
 * it), or NULL and LODE_EINVAL. */
struct json_t *doc_snippets_parse(const char *text, err_t *err);

/* Parse and check every part. NULL and LODE_EINVAL naming the part and the
 * problem if a stored part is not valid JSON or has the wrong shape (a
 * snippet without an integer id, a fan-out item that is not a string…).
 * Curation entries that no longer match the parts (a snippet id that is gone
 * or now names a different quote) are kept but ignored. */
doc_t *doc_new(const doc_parts_t *parts, err_t *err);

/* Free; sets *self_p to NULL. Safe on NULL. */
void doc_destroy(doc_t **self_p);

/* True if the part ("source", "snippets"…) was given to doc_new. */
bool doc_has_part(const doc_t *self, const char *part);

/* The document as in DESIGN.md with curation applied, plus provenance:
 * a changed snippet, the synthesis or the fan-out carries "curated": true and
 * "proposed": {original values of what changed}; top-level "stage", "error"
 * and "curation": {"updated_ms", "changed": [{part, id|list, change, …,
 * summary}]}. Absent parts are null. Caller frees. */
char *doc_to_json(const doc_t *self, int flags);

/* The same content as Markdown (dropped snippets left out, edits marked,
 * a closing "Curation" section listing the changes). Caller frees. */
char *doc_to_markdown(const doc_t *self);

/* Number of snippets (dropped ones included). */
size_t doc_snippet_count(const doc_t *self);

/* Current (curated) commentary of snippet id. Caller frees. NULL and
 * LODE_ENOTFOUND if there is no such snippet. */
char *doc_commentary(const doc_t *self, int64_t id, err_t *err);

/* Current (curated) synthesis Markdown. Caller frees. NULL and
 * LODE_ENOTFOUND if there is no synthesis yet. */
char *doc_synthesis(const doc_t *self, err_t *err);

/* --- curation: each changes the layer in memory; save it with
 * doc_curated_json. Setting a value back to the proposal removes the
 * override, so the layer holds only what a person changed. ---
 * Failures: LODE_ENOTFOUND (no such part, snippet or item), LODE_EINVAL
 * (bad position, list name, empty, oversized or invalid UTF-8 text). */

/* Keep (kept = true) or drop a snippet. */
LODE_MUST_CHECK int doc_keep(doc_t *self, int64_t id, bool kept, err_t *err);

/* Replace a snippet's commentary. */
LODE_MUST_CHECK int doc_edit_commentary(doc_t *self, int64_t id, const char *text, err_t *err);

/* Replace the synthesis Markdown; a leading "# Heading" becomes the title. */
LODE_MUST_CHECK int doc_edit_synthesis(doc_t *self, const char *markdown, err_t *err);

/* Move a snippet to a 1-based position in the curated order of all snippets
 * (dropped ones included). */
LODE_MUST_CHECK int doc_move(doc_t *self, int64_t id, size_t position, err_t *err);

/* Append text to a fan-out list: "questions", "concepts" or "references"
 * (singulars accepted). LODE_EINVAL if it is already listed. */
LODE_MUST_CHECK int doc_fanout_add(doc_t *self, const char *list, const char *text, err_t *err);

/* Remove an item from a fan-out list, by 1-based index in the curated list
 * (all digits) or by exact text. *removed (if not NULL) gets a copy of the
 * removed text, caller frees. */
LODE_MUST_CHECK int
doc_fanout_remove(doc_t *self, const char *list, const char *which, char **removed, err_t *err);

/* Move a fan-out item (1-based index in the curated list, or exact text)
 * to a 1-based position in its list. An order equal to the list's own is
 * no override; doc_reset_fanout restores the proposed order. */
LODE_MUST_CHECK int
doc_fanout_move(doc_t *self, const char *list, const char *which, size_t position, err_t *err);

/* Replace a fan-out item's text (which as doc_fanout_remove) by to, in the
 * same place. */
LODE_MUST_CHECK int
doc_fanout_edit(doc_t *self, const char *list, const char *which, const char *to, err_t *err);

/* The curation layer as JSON to store in the "curated" part, with
 * updated_ms set to now_ms. Caller frees. */
char *doc_curated_json(doc_t *self, int64_t now_ms);
/* --- reset to proposed (doc_reset.c): remove a person's overrides --- */

/* A snippet's keep/drop and commentary (its place stays: doc_reset_order). */
LODE_MUST_CHECK int doc_reset_snippet(doc_t *self, int64_t id, err_t *err);

/* The synthesis. LODE_ENOTFOUND if there is none yet. */
LODE_MUST_CHECK int doc_reset_synthesis(doc_t *self, err_t *err);

/* One fan-out list ("questions"…), or all of them if list is NULL. */
LODE_MUST_CHECK int doc_reset_fanout(doc_t *self, const char *list, err_t *err);

/* The snippets' order. */
LODE_MUST_CHECK int doc_reset_order(doc_t *self, err_t *err);
#endif
