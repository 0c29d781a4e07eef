/*  searchidx.c - the indexer and the query side of the search index
 *  (searchidx.h): a job's document read as curated (jobdoc), its titles,
 *  kept quotes and commentary cut into terms, stored under its curation
 *  version so an edit that lands meanwhile is never overwritten by older
 *  terms.
 *  SPDX-License-Identifier: MIT
 */
#include "searchidx.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "buf.h"
#include "doc.h"
#include "jobdoc.h"
#include "log.h"
#include "mem.h"
#include "text/searchterm.h"

#define SEARCHIDX_TEXT_MAX (8u * 1024 * 1024) /* text of one job indexed at most */

struct searchidx {
    searchterm_t *terms;
    searchterm_group_t groups[SEARCHTERM_GROUPS];
    store_search_word_t words[SEARCHTERM_GROUPS];
};

searchidx_t *searchidx_new(void)
{
    searchidx_t *self = mem_calloc(1, sizeof *self);
    self->terms = searchterm_new();
    return self;
}

void searchidx_destroy(searchidx_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    searchterm_destroy(&(*self_p)->terms);
    free(*self_p);
    *self_p = NULL;
}

void searchidx_query(searchidx_t *self, const char *q, store_page_opts_t *o)
{
    size_t n = searchterm_query(self->terms, q, self->groups, SEARCHTERM_GROUPS);
    for (size_t i = 0; i < n; i++) {
        self->words[i].n = self->groups[i].n;
        for (size_t k = 0; k < self->groups[i].n; k++)
            self->words[i].alt[k] = self->groups[i].alt[k];
    }
    o->search = true;
    o->words = self->words;
    o->n_words = n;
}

static void s_add(buf_t *b, const json_t *s)
{
    err_t err = {0};
    const char *v = json_string_value(s);
    if (v && buf_puts(b, v, &err) == 0 && buf_puts(b, "\n", &err) == 0)
        return;
}

/* What the index keeps of a job beside its terms (the library's row). */
typedef struct {
    char *text;  /* titles, then each kept snippet's quote and commentary */
    char *title; /* the source's title, else the synthesis's, else "" */
    int64_t snippets;
} s_read_t;

static void s_read(const doc_t *doc, s_read_t *out)
{
    char *js = doc_to_json(doc, 0);
    json_t *d = json_loads(js, 0, NULL);
    free(js);
    buf_t b;
    buf_init(&b, SEARCHIDX_TEXT_MAX);
    const json_t *titles[] = {json_object_get(json_object_get(d, "source"), "title"),
                              json_object_get(json_object_get(d, "synthesis"), "title")};
    const char *title = "";
    for (size_t i = 0; i < 2; i++) {
        s_add(&b, titles[i]);
        if (!*title && json_string_value(titles[i]))
            title = json_string_value(titles[i]);
    }
    out->title = mem_strdup(title);
    const json_t *list = json_object_get(d, "snippets");
    out->snippets = (int64_t)json_array_size(list);
    size_t i;
    const json_t *sn;
    json_array_foreach(list, i, sn)
    {
        if (json_is_false(json_object_get(sn, "kept")))
            continue;
        s_add(&b, json_object_get(sn, "quote"));
        s_add(&b, json_object_get(sn, "commentary"));
    }
    json_decref(d);
    out->text = buf_steal(&b);
}

/* The terms of text, "\n"-joined. Caller frees. */
static char *s_terms(searchidx_t *self, const char *text)
{
    searchterm_list_t l = {0};
    searchterm_doc(self->terms, text, strlen(text), NULL, &l);
    searchterm_list_done(&l);
    size_t len = 1;
    for (size_t i = 0; i < l.n; i++)
        len += strlen(l.v[i]) + 1;
    char *out = mem_calloc(1, len), *p = out;
    for (size_t i = 0; i < l.n; i++) {
        size_t k = strlen(l.v[i]);
        memcpy(p, l.v[i], k);
        p += k;
        *p++ = i + 1 < l.n ? '\n' : '\0';
    }
    searchterm_list_free(&l);
    return out;
}

int searchidx_job(searchidx_t *self, store_t *store, const char *id, err_t *err)
{
    store_job_t job;
    store_search_doc_t d = {.id = id};
    err_t why = {0};
    doc_t *doc = jobdoc_load_versioned(store, id, &job, &d.version, &why);
    if (!doc && why.code == LODE_ESTORE) {
        *err = why;
        return -1;
    }
    s_read_t r = {0};
    char *terms = NULL;
    if (doc) {
        s_read(doc, &r);
        d.terms = terms = s_terms(self, r.text);
        d.title = r.title;
        d.snippets = r.snippets;
        doc_destroy(&doc);
        store_job_clear(&job);
    } else if (why.code != LODE_ENOTFOUND) /* unreadable: out of the index, said once */
        log_write(LOGL_WARN, "search", "job %s left out of the search index: %s", id, why.msg);
    int stored = 0;
    int rc = store_search_index(store, &d, &stored, err);
    free(terms);
    free(r.text);
    free(r.title);
    return rc;
}

int searchidx_pass(
    searchidx_t *self, store_t *store, size_t max, size_t *indexed, size_t *left, err_t *err)
{
    if (indexed)
        *indexed = 0;
    if (left)
        *left = 0;
    for (int p = 0; p < store_partitions(store); p++) {
        char(*ids)[JOB_ID_SIZE] = NULL;
        size_t n = 0, more = 0;
        if (store_search_todo(store, p, max, &ids, &n, &more, err) != 0)
            return -1;
        for (size_t i = 0; i < n; i++) {
            if (searchidx_job(self, store, ids[i], err) != 0) {
                free(ids);
                return -1;
            }
        }
        free(ids);
        if (indexed)
            *indexed += n;
        if (left)
            *left += more > n ? more - n : 0;
    }
    return 0;
}

int searchidx_rebuild(searchidx_t *self, store_t *store, size_t *indexed, err_t *err)
{
    *indexed = 0;
    if (store_search_restart(store, err) != 0)
        return -1;
    for (;;) {
        size_t n = 0, left = 0;
        if (searchidx_pass(self, store, 500, &n, &left, err) != 0)
            return -1;
        *indexed += n;
        if (n == 0 && left == 0)
            return 0;
    }
}

struct searchidx_thread {
    pthread_t tid;
    atomic_bool stop;
    store_t *store;
    int period_ms;
};

static void s_nap(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void *s_main(void *arg)
{
    searchidx_thread_t *t = arg;
    searchidx_t *idx = searchidx_new();
    while (!atomic_load(&t->stop)) {
        size_t n = 0, left = 0;
        err_t err = {0};
        if (searchidx_pass(idx, t->store, SEARCHIDX_PASS, &n, &left, &err) != 0)
            log_write(LOGL_WARN, "search", "indexing: %s", err.msg);
        else if (left > 0)
            continue; /* a backlog: on at once until it is gone */
        /* Sleep in short steps so a stop is quick; after work, only long
         * enough to let a burst of edits to a document settle into one
         * re-index (SEARCHIDX_SETTLE_MS). */
        int nap = n > 0 && SEARCHIDX_SETTLE_MS < t->period_ms ? SEARCHIDX_SETTLE_MS : t->period_ms;
        for (int slept = 0; slept < nap && !atomic_load(&t->stop); slept += 50)
            s_nap(50);
    }
    searchidx_destroy(&idx);
    return NULL;
}

searchidx_thread_t *searchidx_start(const char *redis_url, const char *prefix, int period_ms)
{
    err_t err = {0};
    store_opts_t so = {.url = redis_url, .prefix = prefix, .timeout_ms = 5000, .lazy = true};
    store_t *store = store_new(&so, &err);
    if (!store) {
        log_write(LOGL_WARN, "search", "no search indexing: %s", err.msg);
        return NULL;
    }
    searchidx_thread_t *t = mem_calloc(1, sizeof *t);
    t->store = store;
    t->period_ms = period_ms > 0 ? period_ms : 1000;
    atomic_init(&t->stop, false);
    if (pthread_create(&t->tid, NULL, s_main, t) != 0) {
        store_destroy(&t->store);
        free(t);
        return NULL;
    }
    return t;
}

void searchidx_stop(searchidx_thread_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    atomic_store(&(*self_p)->stop, true);
    pthread_join((*self_p)->tid, NULL);
    store_destroy(&(*self_p)->store);
    free(*self_p);
    *self_p = NULL;
}
