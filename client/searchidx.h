/*  searchidx.h - the library's search index from the client's side (issue
 *  #13): the indexer that turns finished and curated jobs into terms
 *  (searchterm.h) and hands them to the store (store_search_index), and a
 *  query's words for store_library_page. `lode web` runs the indexer on a
 *  thread of its own once a second; `lode search` and a search on the page
 *  run one small pass first, so a curation edit is found at once; `lode
 *  admin reindex` runs it to the end from the start.
 *
 *  What is indexed: the source's and the synthesis's titles, and each kept
 *  snippet's quote and commentary as curated (a dropped snippet is not).
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_SEARCHIDX_H
#define LODE_SEARCHIDX_H
#include <stddef.h>

#include "err.h"
#include "store.h"

#define SEARCHIDX_PASS 200 /* jobs a partition per pass of the thread */
/* The thread's nap after a pass that emptied ix:dirty: a document being
 * curated is marked dirty on every edit, so without it the thread re-reads
 * and re-indexes the whole document (transcript and all) after each edit,
 * taking a core from `lode web`'s one server thread (issue #13). A search
 * does its own pass first (web_search_opts), so it never waits on this. */
#define SEARCHIDX_SETTLE_MS 500

typedef struct searchidx searchidx_t;

/* A handle with its own stemmers (not thread-safe: one per thread). */
searchidx_t *searchidx_new(void);
void searchidx_destroy(searchidx_t **self_p);

/* Set o->search, o->words and o->n_words for the query q (the words live
 * in self until the next call). A query of stopwords alone has no words
 * and matches nothing. */
void searchidx_query(searchidx_t *self, const char *q, store_page_opts_t *o);

/* Index job id as it is now. */
LODE_MUST_CHECK int searchidx_job(searchidx_t *self, store_t *store, const char *id, err_t *err);

/* One pass over every partition: at most max jobs each (store_search_todo),
 * indexed. *indexed (may be NULL) counts them, *left (may be NULL) gets the
 * jobs still waiting in ix:dirty. */
LODE_MUST_CHECK int searchidx_pass(
    searchidx_t *self, store_t *store, size_t max, size_t *indexed, size_t *left, err_t *err);

/* Walk every job from the start and index all the finished ones. */
LODE_MUST_CHECK int
searchidx_rebuild(searchidx_t *self, store_t *store, size_t *indexed, err_t *err);

/* The indexer on a thread with its own Redis connection: a pass every
 * period_ms (at once again while there is a backlog of more than a pass,
 * SEARCHIDX_SETTLE_MS after a pass that emptied it). */
typedef struct searchidx_thread searchidx_thread_t;
searchidx_thread_t *searchidx_start(const char *redis_url, const char *prefix, int period_ms);

/* Stop and join; sets *self_p to NULL. Safe on NULL. */
void searchidx_stop(searchidx_thread_t **self_p);
#endif
