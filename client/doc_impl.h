/*  doc_impl.h - the document's state and the read side of the curation
 *  layer, shared by doc.c (loading, assembly, JSON export, queries),
 *  doc_curate.c (the edits) and doc_md.c (Markdown). Private to those three
 *  files; callers use doc.h.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_DOC_IMPL_H
#define LODE_DOC_IMPL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "doc.h"
#include "err.h"

/* The curation layer is a separate JSON object (the "curated" part) that
 * holds only what a person changed:
 *   {"version": 1,
 *    "snippets": {"ID": {"offset", "length",        fingerprint of the quote
 *                        "kept": false, "commentary": "…", "moved": true}},
 *    "order": [ID…],                                curated order, when moved
 *    "synthesis": {"markdown": "…"},
 *    "fanout": {"questions": {"added": […], "removed": […],
 *                             "order": [text…]}, …},        curated order, when moved
 *    "updated_ms": N}
 * so a rerun of a stage (which rewrites the proposed part) never loses an
 * edit, and an entry whose snippet is gone or changed is simply not applied. */
#define DOC_LAYER_VERSION 1

#define DOC_N_LISTS 3 /* fan-out lists */

/* "questions", "concepts", "references": the fan-out lists, in order. */
extern const char *const doc_list_names[DOC_N_LISTS];

struct doc {
    json_t *meta;       /* owned: id url batch state stage error (string or null) */
    json_t *source;     /* owned object or NULL when absent */
    json_t *transcript; /* owned object or NULL */
    json_t *snippets;   /* owned array of objects or NULL */
    json_t *synthesis;  /* owned object or NULL */
    json_t *fanout;     /* owned object or NULL */
    json_t *cur;        /* owned: the curation layer, always an object */
    json_t *made;       /* owned: {"snippets": meta, …} of the parts a model made, or NULL */
};

/* --- snippets and their layer entries (doc.c) --- */

/* The snippet's integer "id" (doc_new checked there is one). */
int64_t doc_snippet_id(const json_t *sn);

/* The layer's key for snippet id ("snippets" object member): its digits. */
void doc_entry_key(int64_t id, char key[32]);

/* Index of snippet id in self->snippets, or -1. */
ssize_t doc_snippet_find(const doc_t *self, int64_t id);

/* Snippet id, borrowed from self; NULL and LODE_ENOTFOUND if the job has
 * no snippets or none with that id. */
const json_t *doc_snippet_or_err(const doc_t *self, int64_t id, err_t *err);

/* True if the layer entry was made for sn's current quote (same offset and
 * length). */
bool doc_entry_matches(const json_t *entry, const json_t *sn);

/* The layer's entry for sn when it applies, else NULL. Borrowed from self. */
const json_t *doc_entry_live(const doc_t *self, const json_t *sn);

/* The proposed commentary of sn, "" when none. Borrowed from sn. */
const char *doc_orig_commentary(const json_t *sn);

/* Curated order as snippet indexes into idx (room for every snippet): the
 * ids of the layer's order that still exist, then the rest in source order
 * (new snippets from a rerun land at the end). */
void doc_order(const doc_t *self, size_t *idx);

/* --- synthesis and fan-out (doc.c) --- */

/* The proposed synthesis Markdown, "" when none. Borrowed from self. */
const char *doc_orig_markdown(const doc_t *self);

/* The text of a leading "# Heading" line, or NULL. Caller frees. */
char *doc_heading(const char *md);

/* True if the JSON array arr holds the string text. */
bool doc_array_has(const json_t *arr, const char *text);

/* The curated fan-out list l (index into doc_list_names): proposed items not
 * removed, then added ones, arranged by the layer's order for the list (its
 * items still listed first, in that order). A new array; caller decrefs. */
json_t *doc_cur_list(const doc_t *self, int l);

/* --- the whole document (doc.c) --- */

/* The document with curation applied, as doc_to_json prints it. A new
 * object; caller decrefs. */
json_t *doc_build(const doc_t *self);
#endif
