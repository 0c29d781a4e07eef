/*  web_doc.h - the document page's pieces, shared by web_doc.c (frame,
 *  §01, §03, §04) and web_snip.c (§02 snippets, transcript, moments,
 *  progress). Private to the workbench.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_WEB_DOC_H
#define LODE_WEB_DOC_H
#include <jansson.h>

#include "store.h"
#include "web_impl.h"

typedef struct {
    web_ctx_t *c;
    const char *id;
    const store_job_t *job;
    int64_t version; /* of the curation layer as read */
    json_t *doc;     /* doc_to_json parsed */
    const char *url; /* the source's URL or NULL */
} web_doc_t;

/* Render /doc/ID into b (the benchmark times this). -1 and *err (no such
 * job, Redis down). */
int web_doc_render(web_ctx_t *c, const char *id, wb_t *b, err_t *err);

/* A string member or NULL. */
const char *web_jstr(const json_t *o, const char *key);

/* Open a curation form: action, CSRF, version and op (NULL: none). */
void web_doc_form(wb_t *b, const web_doc_t *d, const char *op, const char *cls);

/* m:ss or h:mm:ss. */
void web_doc_clock(wb_t *b, long long ms);

/* §02 and the transcript beside it. */
void web_doc_snippets(wb_t *b, const web_doc_t *d);

/* The URL of snippet sn's moment in the source at url (source kind kind,
 * may be NULL) into m: YouTube &t=, podcast #t=, else a #:~:text=
 * fragment. false if there is none to link (not http(s), no time). */
bool web_moment_url(wb_t *m, const char *url, const char *kind, const json_t *sn);

/* The document as Markdown for an Obsidian vault (web_obsidian.c): YAML
 * front matter, timestamp links, and no "[[" or "#tag" from the source
 * becoming a vault link or tag. Caller frees. */
char *web_obsidian(const json_t *doc);

/* "state · stage" and, while running, each stage's progress. */
void web_doc_progress(wb_t *b, const web_doc_t *d);
#endif
