/*  jobdoc.c - load a job's parts from Redis into a doc_t, save curation.
 *  SPDX-License-Identifier: MIT
 */
#include "jobdoc.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "job.h"
#include "mem.h"

enum {
    JOBDOC_SOURCE,
    JOBDOC_TRANSCRIPT,
    JOBDOC_SNIPPETS,
    JOBDOC_SYNTHESIS,
    JOBDOC_FANOUT,
    JOBDOC_CURATED,
    JOBDOC_SNIPPETS_META,
    JOBDOC_SYNTHESIS_META,
    JOBDOC_FANOUT_META,
    JOBDOC_N
};

static const char *const s_parts[JOBDOC_N] = {
    STORE_PART_SOURCE,        STORE_PART_TRANSCRIPT,     STORE_PART_SNIPPETS,
    STORE_PART_SYNTHESIS,     STORE_PART_FANOUT,         STORE_PART_CURATED,
    STORE_PART_SNIPPETS_META, STORE_PART_SYNTHESIS_META, STORE_PART_FANOUT_META};

doc_t *jobdoc_load(store_t *store, const char *id, store_job_t *job, err_t *err)
{
    int64_t version;
    return jobdoc_load_versioned(store, id, job, &version, err);
}

/* Part p's text into *text: the curated part with its version, the others
 * plainly. An absent part is NULL and no error. */
static int
s_read_part(store_t *store, const char *id, int p, char **text, int64_t *version, err_t *err)
{
    err_t perr = {0};
    *text = p == JOBDOC_CURATED ? store_curated_get(store, id, NULL, version, &perr)
                                : store_part_get(store, id, s_parts[p], NULL, &perr);
    if (!*text && perr.code != LODE_ENOTFOUND) {
        err_set(err, perr.code, "%s", perr.msg);
        return -1;
    }
    return 0;
}

/* The snippets part of the last jobs edited, parsed, by its exact text: an
 * edit reads the part every time (a stage rerun may have rewritten it) but
 * parses and checks it again only when its bytes changed. Parsing it was
 * most of an edit's CPU in `lode web` (issue #13). Process-wide behind a
 * mutex; the arrays are never changed (doc_parts_t.snippets_json), and
 * jansson's reference counts are atomic. Bounded: S_CACHE_N parts of at
 * most S_CACHE_MAX bytes each. */
#define S_CACHE_N   32
#define S_CACHE_MAX (256 * 1024)

static struct {
    char id[JOB_ID_SIZE];
    char *text;
    size_t len;
    json_t *parsed;
    uint64_t used; /* s_tick when last used: the least recent goes first */
} s_cache[S_CACHE_N];

static pthread_mutex_t s_cache_mu = PTHREAD_MUTEX_INITIALIZER;
static uint64_t s_tick;

/* The cached parse of text, or where to put a new one (*slot). Locked. */
static json_t *s_cache_find(const char *id, const char *text, size_t len, size_t *slot)
{
    size_t victim = 0;
    bool same_job = false;
    for (size_t i = 0; i < S_CACHE_N; i++) {
        bool mine = s_cache[i].parsed && strcmp(s_cache[i].id, id) == 0;
        if (mine && s_cache[i].len == len && memcmp(s_cache[i].text, text, len) == 0) {
            s_cache[i].used = ++s_tick;
            return json_incref(s_cache[i].parsed);
        }
        if (!same_job && (mine || s_cache[i].used < s_cache[victim].used))
            victim = i; /* the job's older text, else the least recent */
        same_job = same_job || mine;
    }
    *slot = victim;
    return NULL;
}

/* Part "snippets" of job id, parsed (a new reference), or NULL and err. */
static json_t *s_snippets(const char *id, const char *text, err_t *err)
{
    size_t len = strlen(text), slot = 0;
    if (len > S_CACHE_MAX)
        return doc_snippets_parse(text, err);
    pthread_mutex_lock(&s_cache_mu);
    json_t *j = s_cache_find(id, text, len, &slot);
    pthread_mutex_unlock(&s_cache_mu);
    if (j || !(j = doc_snippets_parse(text, err)))
        return j;
    pthread_mutex_lock(&s_cache_mu);
    free(s_cache[slot].text);
    json_decref(s_cache[slot].parsed);
    snprintf(s_cache[slot].id, sizeof s_cache[slot].id, "%s", id);
    s_cache[slot].text = mem_strdup(text);
    s_cache[slot].len = len;
    s_cache[slot].parsed = json_incref(j);
    s_cache[slot].used = ++s_tick;
    pthread_mutex_unlock(&s_cache_mu);
    return j;
}

doc_t *jobdoc_load_for_edit(store_t *store,
                            const char *id,
                            const char *part,
                            store_job_t *job,
                            int64_t *version,
                            err_t *err)
{
    /* One script call (the web's curation round trip is this read and the
     * write), and only the part the edit checks against: the layer's
     * entries for the other parts are carried over as they are. */
    static const char *const names[] = {STORE_PART_SNIPPETS, STORE_PART_SYNTHESIS,
                                        STORE_PART_FANOUT};
    memset(job, 0, sizeof *job);
    *version = 0;
    if (!job_id_valid(id)) {
        err_set(err, LODE_ENOTFOUND, "no job %s", id);
        return NULL;
    }
    size_t at = 0;
    while (at < 2 && part && strcmp(part, names[at]) != 0)
        at++;
    store_edit_read_t r;
    const char *const *want = part ? &names[at] : names;
    if (store_curated_read(store, id, want, part ? 1 : 3, &r, err) != 0)
        return NULL;
    snprintf(job->id, sizeof job->id, "%s", id);
    memcpy(job->state, r.state, sizeof job->state);
    memcpy(job->stage, r.stage, sizeof job->stage);
    *version = r.version;
    char *text[3] = {NULL, NULL, NULL};
    for (size_t i = 0; i < (part ? 1u : 3u); i++)
        text[part ? at : i] = r.parts[i];
    json_t *sn = text[0] ? s_snippets(id, text[0], err) : NULL;
    doc_parts_t parts = {.id = job->id,
                         .state = job->state,
                         .stage = job->stage,
                         .snippets_json = sn,
                         .synthesis = text[1],
                         .fanout = text[2],
                         .curated = r.layer};
    doc_t *doc = text[0] && !sn ? NULL : doc_new(&parts, err);
    if (!doc)
        err_prefix(err, "job %s", id);
    json_decref(sn);
    store_edit_read_clear(&r);
    return doc;
}

doc_t *jobdoc_load_versioned(
    store_t *store, const char *id, store_job_t *job, int64_t *version, err_t *err)
{
    memset(job, 0, sizeof *job);
    *version = 0;
    if (!job_id_valid(id)) {
        err_set(err, LODE_ENOTFOUND, "no job %s", id);
        return NULL;
    }
    if (store_job_get(store, id, job, err) != 0)
        return NULL;
    char *text[JOBDOC_N] = {0};
    doc_t *doc = NULL;
    for (int p = 0; p < JOBDOC_N; p++) {
        if (s_read_part(store, id, p, &text[p], version, err) != 0)
            goto out;
    }
    doc_parts_t parts = {.id = job->id,
                         .url = job->url,
                         .batch = job->batch[0] ? job->batch : NULL,
                         .state = job->state,
                         .stage = job->stage,
                         .error = job->error,
                         .source = text[JOBDOC_SOURCE],
                         .transcript = text[JOBDOC_TRANSCRIPT],
                         .snippets = text[JOBDOC_SNIPPETS],
                         .synthesis = text[JOBDOC_SYNTHESIS],
                         .fanout = text[JOBDOC_FANOUT],
                         .curated = text[JOBDOC_CURATED],
                         .made = {text[JOBDOC_SNIPPETS_META], text[JOBDOC_SYNTHESIS_META],
                                  text[JOBDOC_FANOUT_META]}};
    doc = doc_new(&parts, err);
    if (!doc)
        err_prefix(err, "job %s", id);
out:
    for (int p = 0; p < JOBDOC_N; p++)
        free(text[p]);
    if (!doc)
        store_job_clear(job);
    return doc;
}

int jobdoc_save(store_t *store, doc_t *doc, const jobdoc_save_t *how, int64_t *saved, err_t *err)
{
    char *layer = doc_curated_json(doc, job_now_ms());
    store_curated_write_t w = {.id = how->id,
                               .expected = how->version,
                               .data = layer,
                               .len = strlen(layer),
                               .what = how->what};
    int rc = store_curated_cas(store, &w, saved, err);
    free(layer);
    return rc;
}
