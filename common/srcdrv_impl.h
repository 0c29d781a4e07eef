/*  srcdrv_impl.h - what a source driver implements (private to the driver
 *  modules and srcdrv.c; callers use srcdrv.h). Each driver module exports a
 *  matcher, a constructor and an ops table.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_SRCDRV_IMPL_H
#define LODE_SRCDRV_IMPL_H
#include "srcdrv.h"

typedef struct {
    const char *name; /* "youtube", "podcast", "web" */
    srcdrv_step_t (*step)(void *state, const http_resp_t *resp, http_req_t *req, err_t *err);
    int (*result)(void *state, transcript_t **t, source_meta_t *meta, err_t *err);
    const char *const *(*urls)(const void *state, size_t *n); /* may be NULL */
    int64_t (*retry_after_ms)(const void *state);             /* may be NULL */
    void (*destroy)(void *state);
} srcdrv_ops_t;

/* YouTube (common/youtube.c): true for every YouTube URL form. */
bool youtube_match(const char *url);
void *youtube_state_new(const char *url, const srcdrv_opts_t *opts, err_t *err);
extern const srcdrv_ops_t youtube_ops;

/* Podcast feeds and episodes (common/podcast.c): true for URLs that name an
 * RSS feed by their shape (".rss", ".xml", "/feed"); other URLs reach the
 * podcast driver through the web driver when they answer with RSS. */
bool podcast_match(const char *url);
void *podcast_state_new(const char *url, const srcdrv_opts_t *opts, err_t *err);
extern const srcdrv_ops_t podcast_ops;

/* Any other http(s) URL (common/webdrv.c): decides by content type. */
void *webdrv_state_new(const char *url, const srcdrv_opts_t *opts, err_t *err);
extern const srcdrv_ops_t webdrv_ops;
#endif
