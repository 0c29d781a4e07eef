/*  srcdrv.h - source drivers: how the fetch stage turns a URL into a
 *  transcript, as a state machine that asks for HTTP requests one at a time
 *  and never does I/O itself. The fetch executor runs the requests (http.h)
 *  and feeds the responses back; tests feed canned responses.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_SRCDRV_H
#define LODE_SRCDRV_H
#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "http.h"
#include "source.h"
#include "transcript.h"

typedef enum {
    SRCDRV_REQUEST = 0, /* *req is filled: run it and call step again with the response */
    SRCDRV_DONE,        /* the transcript and metadata are ready: call result */
    SRCDRV_EXPAND,      /* the URL stands for several sources (a playlist): call urls */
    SRCDRV_FAIL,        /* *err says why; err_retryable(err->code) decides the retry */
} srcdrv_step_t;

typedef struct srcdrv srcdrv_t;

/* Settings shared by all drivers; pointers borrowed. */
typedef struct {
    const char *lang;        /* preferred caption language, e.g. "en"; NULL = "en" */
    const char *episode;     /* podcast: GUID, 1-based N, or "latest"; NULL = latest */
    const char *yt_base;     /* YouTube web base, default "https://www.youtube.com" */
    const char *yt_client;   /* innertube client name, default "ANDROID" */
    const char *yt_version;  /* innertube client version */
    const char *accept_lang; /* Accept-Language, default "en-US" */
} srcdrv_opts_t;

/* The driver for url, or NULL and *err (LODE_EUNSUPPORTED with a clear
 * message) if no driver handles it. The kind is decided from the URL alone;
 * generic http(s) URLs get the "web" driver, which decides by content type
 * (subtitles, text, Markdown, RSS, HTML article). */
srcdrv_t *srcdrv_new(const char *url, const srcdrv_opts_t *opts, err_t *err);

/* Advance. resp is NULL on the first call, then the response to the last
 * request. Fills *req (pointers valid until the next call) on
 * SRCDRV_REQUEST. */
srcdrv_step_t srcdrv_step(srcdrv_t *self, const http_resp_t *resp, http_req_t *req, err_t *err);

/* After SRCDRV_DONE: hand over the transcript (*t, caller owns) and fill
 * *meta (caller clears with source_meta_clear). Kind names: "youtube",
 * "podcast", "subtitles", "text", "article". */
LODE_MUST_CHECK int
srcdrv_result(srcdrv_t *self, transcript_t **t, source_meta_t *meta, err_t *err);

/* After SRCDRV_EXPAND: the URLs it stands for (borrowed until destroy). */
const char *const *srcdrv_urls(const srcdrv_t *self, size_t *n);

/* Suggested delay before a retry (Retry-After, cool-down), or -1. */
int64_t srcdrv_retry_after_ms(const srcdrv_t *self);

/* Free; sets *self_p to NULL. Safe on NULL. */
void srcdrv_destroy(srcdrv_t **self_p);
#endif
