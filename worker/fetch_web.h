/*  fetch_web.h - the fetch stage for web sources: drives source drivers
 *  (srcdrv.h) with HTTP requests (http.h) on the worker's loop, so one
 *  worker keeps many slow fetches in flight. Local sources (inline text,
 *  uploaded files) are not its business: they run on the job threads.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_FETCH_WEB_H
#define LODE_FETCH_WEB_H
#include <stddef.h>
#include <stdint.h>

#include <czmq.h>

#include "err.h"
#include "http.h"
#include "srcdrv.h"

typedef struct fetcher fetch_web_t;

/* How a fetch ended: err->code 0 = done (parts written), else failed. */
typedef void(fetch_web_report_fn)(
    void *arg, const char *id, uint32_t attempt, const err_t *err, int64_t retry_after_ms);

typedef struct {
    const char *redis_url;    /* borrowed; NULL = config default */
    const char *prefix;       /* borrowed; NULL = "lode:" */
    const http_opts_t *http;  /* borrowed for the call only */
    const srcdrv_opts_t *src; /* borrowed for the life of the fetcher */
} fetch_web_opts_t;

/* A fetcher on loop; report(arg, …) is called once per started job, from
 * the loop. NULL and *err on failure. */
fetch_web_t *fetch_web_new(zloop_t *loop,
                           const fetch_web_opts_t *opts,
                           fetch_web_report_fn *report,
                           void *arg,
                           err_t *err);

/* Take job id at attempt. 1 if it is a web source now in progress (report
 * follows), 0 if it is not a web source (run it elsewhere), -1 and *err if
 * the job could not be read (nothing will be reported). */
LODE_MUST_CHECK int
fetch_web_start(fetch_web_t *self, const char *id, uint32_t attempt, err_t *err);

/* Jobs in progress. */
size_t fetch_web_jobs(const fetch_web_t *self);

/* Abandon jobs in progress (no reports: their leases bring them back) and
 * free; sets *self_p to NULL. Safe on NULL. */
void fetch_web_destroy(fetch_web_t **self_p);
#endif
