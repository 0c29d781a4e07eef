/*  srcdrv_impl.h - what a source driver implements (private to the driver
 *  modules and srcdrv.c; callers use srcdrv.h). Each driver module exports a
 *  matcher, a constructor and an ops table.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_SRCDRV_IMPL_H
#define LODE_SRCDRV_IMPL_H
#include "srcdrv.h"
#include "youtube_url.h"

typedef struct {
    const char *name; /* "youtube", "podcast", "web" */
    srcdrv_step_t (*step)(void *state, const http_resp_t *resp, http_req_t *req, err_t *err);
    int (*result)(void *state, transcript_t **t, source_meta_t *meta, err_t *err);
    const char *const *(*urls)(const void *state, size_t *n); /* may be NULL */
    int64_t (*retry_after_ms)(const void *state);             /* may be NULL */
    void (*destroy)(void *state);
} srcdrv_ops_t;

/* YouTube (common/sources/youtube*.c; youtube_match in youtube_url.h). */
void *youtube_state_new(const char *url, const srcdrv_opts_t *opts, err_t *err);
extern const srcdrv_ops_t youtube_ops;

/* Podcast feeds and episodes (common/sources/podcast*.c): true for URLs that name an
 * RSS feed by their shape (".rss", ".xml", "/feed"); other URLs reach the
 * podcast driver through the web driver when they answer with RSS. */
bool podcast_match(const char *url);
void *podcast_state_new(const char *url, const srcdrv_opts_t *opts, err_t *err);
extern const srcdrv_ops_t podcast_ops;

/* Any other http(s) URL (common/sources/webdrv.c): decides by content type. */
void *webdrv_state_new(const char *url, const srcdrv_opts_t *opts, err_t *err);
extern const srcdrv_ops_t webdrv_ops;

/* Shared by the drivers that GET with http.h: one status mapping. */
/* 0 if resp is a 2xx response. Else -1 and *err, and *retry_after_ms (may be
 * NULL) gets the server's Retry-After or -1:
 * - resp->err set (transport, size, SSRF guard, binary type): passed on as is;
 * - 404, 410: LODE_ENOTFOUND "<what> <url> returned 404";
 * - 408, 425, 429, 5xx: LODE_EHTTP (retryable);
 * - 401, 403: LODE_EUNSUPPORTED "… returned 403 (access denied)" (permanent);
 * - any other status: LODE_EUNSUPPORTED (permanent).
 * what names the thing fetched ("feed", "transcript", "URL"). */
LODE_MUST_CHECK int
srcdrv_check_resp(const http_resp_t *resp, const char *what, int64_t *retry_after_ms, err_t *err);
#endif
