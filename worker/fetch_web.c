/*  fetch_web.c - web fetches as state machines on the loop.
 *  SPDX-License-Identifier: MIT
 */
#include "fetch_web.h"

#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "mem.h"
#include "source.h"
#include "store.h"
#include "transcript.h"

#define FETCHER_MAX_STEPS 32 /* requests one source may make: a loop guard */

struct fetcher {
    http_t *http;   /* owned */
    store_t *store; /* owned: the loop thread's own connection */
    const srcdrv_opts_t *src;
    fetch_web_report_fn *report;
    void *arg;
    zlistx_t *jobs; /* owned: s_job_t in progress */
};

typedef struct {
    fetch_web_t *f;
    char id[JOB_ID_SIZE];
    char batch[JOB_ID_SIZE];
    uint32_t attempt;
    srcdrv_t *drv;  /* owned */
    char host[256]; /* the URL's host: cooled down when the source says "later" */
    int steps;
    void *handle; /* our place in f->jobs */
} s_job_t;

static void s_job_free(s_job_t **job_p)
{
    s_job_t *job = *job_p;
    if (!job)
        return;
    srcdrv_destroy(&job->drv);
    free(job);
    *job_p = NULL;
}

/* The host of url into out ("" if none). */
static void s_host_of(const char *url, char *out, size_t size)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    size_t n = strcspn(p, "/?#");
    const char *at = memchr(p, '@', n);
    if (at) {
        n -= (size_t)(at + 1 - p);
        p = at + 1;
    }
    size_t host = p[0] == '[' ? strcspn(p, "]") + 1 : strcspn(p, ":/?#");
    if (host > n)
        host = n;
    snprintf(out, size, "%.*s", (int)host, p);
}

/* Report and forget the job. */
static void s_finish(s_job_t *job, const err_t *err, int64_t retry_after_ms)
{
    fetch_web_t *f = job->f;
    /* A source that asked us to come back later (a bot check answered with
     * 200, a captcha) asks it for every job on that host: cool it down so
     * the other queued jobs do not hit it meanwhile. */
    if (err->code && err_retryable(err->code) && retry_after_ms > 0 && job->host[0])
        http_cool_host(f->http, job->host, retry_after_ms);
    if (job->handle)
        zlistx_delete(f->jobs, job->handle);
    f->report(f->arg, job->id, job->attempt, err, retry_after_ms);
    s_job_free(&job);
}

static int s_write(fetch_web_t *f, const char *id, source_meta_t *meta, transcript_t *t, err_t *err)
{
    if (t->len == 0) {
        err_set(err, LODE_EEMPTY, "empty transcript");
        return -1;
    }
    char *src = source_meta_to_json(meta);
    char *tr = transcript_to_json(t);
    int rc = store_part_set(f->store, id, STORE_PART_TRANSCRIPT, tr, strlen(tr), err);
    if (rc == 0)
        rc = store_part_set(f->store, id, STORE_PART_SOURCE, src, strlen(src), err);
    free(src);
    free(tr);
    return rc;
}

static int s_done(s_job_t *job, err_t *err)
{
    transcript_t *t = NULL;
    source_meta_t meta = {.runtime_ms = -1};
    int rc = srcdrv_result(job->drv, &t, &meta, err);
    if (rc == 0)
        rc = s_write(job->f, job->id, &meta, t, err);
    transcript_destroy(&t);
    source_meta_clear(&meta);
    return rc;
}

static int s_expand(s_job_t *job, err_t *err)
{
    size_t n = 0;
    const char *const *urls = srcdrv_urls(job->drv, &n);
    if (n == 0) {
        err_set(err, LODE_EEMPTY, "the playlist has no videos");
        return -1;
    }
    char(*ids)[JOB_ID_SIZE] = mem_calloc(n, sizeof *ids);
    int rc = store_expand(job->f->store, job->id, job->batch, urls, n, ids, err);
    free(ids);
    return rc;
}

static void s_on_response(const http_resp_t *resp, void *arg);

/* Run the driver until it needs the network or ends. */
static void s_advance(s_job_t *job, const http_resp_t *resp)
{
    err_t err = {0};
    http_req_t req;
    memset(&req, 0, sizeof req);
    srcdrv_step_t step = srcdrv_step(job->drv, resp, &req, &err);
    if (step == SRCDRV_REQUEST && ++job->steps > FETCHER_MAX_STEPS) {
        err_set(&err, LODE_EHTTP, "source needed more than %d requests", FETCHER_MAX_STEPS);
        step = SRCDRV_FAIL;
    }
    if (step == SRCDRV_REQUEST) {
        if (http_request(job->f->http, &req, s_on_response, job, &err) == 0)
            return;
        step = SRCDRV_FAIL;
    }
    if (step == SRCDRV_DONE && s_done(job, &err) != 0)
        step = SRCDRV_FAIL;
    if (step == SRCDRV_EXPAND && s_expand(job, &err) != 0)
        step = SRCDRV_FAIL;
    if (step == SRCDRV_FAIL && err.code == 0)
        err_set(&err, LODE_EHTTP, "source driver failed without a reason");
    s_finish(job, &err, step == SRCDRV_FAIL ? srcdrv_retry_after_ms(job->drv) : -1);
}

static void s_on_response(const http_resp_t *resp, void *arg)
{
    s_advance(arg, resp);
}

fetch_web_t *fetch_web_new(
    zloop_t *loop, const fetch_web_opts_t *opts, fetch_web_report_fn *report, void *arg, err_t *err)
{
    fetch_web_t *self = mem_calloc(1, sizeof *self);
    self->src = opts->src;
    self->report = report;
    self->arg = arg;
    self->jobs = zlistx_new();
    store_opts_t so = {.url = opts->redis_url, .prefix = opts->prefix, .lazy = true};
    self->store = store_new(&so, err);
    self->http = self->store ? http_new(loop, opts->http, err) : NULL;
    if (!self->http) {
        fetch_web_destroy(&self);
        return NULL;
    }
    return self;
}

int fetch_web_start(fetch_web_t *self, const char *id, uint32_t attempt, err_t *err)
{
    store_job_t rec;
    if (store_ping(self->store, err) != 0) /* after a Redis restart: reconnect, not fail */
        err_clear(err);
    if (store_job_get(self->store, id, &rec, err) != 0)
        return -1;
    if (strcmp(rec.kind, "url") != 0) {
        store_job_clear(&rec);
        return 0;
    }
    s_job_t *job = mem_calloc(1, sizeof *job);
    job->f = self;
    job->attempt = attempt;
    snprintf(job->id, sizeof job->id, "%s", id);
    snprintf(job->batch, sizeof job->batch, "%s", rec.batch);
    s_host_of(rec.url ? rec.url : "", job->host, sizeof job->host);
    err_t derr = {0};
    job->drv = srcdrv_new(rec.url ? rec.url : "", self->src, &derr);
    store_job_clear(&rec);
    if (!job->drv) {
        s_finish(job, &derr, -1);
        return 1;
    }
    job->handle = zlistx_add_end(self->jobs, job);
    s_advance(job, NULL);
    return 1;
}

size_t fetch_web_jobs(const fetch_web_t *self)
{
    return zlistx_size(self->jobs);
}

void fetch_web_destroy(fetch_web_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    fetch_web_t *self = *self_p;
    /* First the HTTP layer, so no callback can reach a job freed below. */
    http_destroy(&self->http);
    for (s_job_t *job = zlistx_first(self->jobs); job; job = zlistx_next(self->jobs))
        s_job_free(&job);
    zlistx_destroy(&self->jobs);
    store_destroy(&self->store);
    free(self);
    *self_p = NULL;
}
