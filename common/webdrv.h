/*  webdrv.h - the generic web source driver: GET a URL and decide by its
 *  content type and suffix: WebVTT and SRT subtitles, plain text and
 *  Markdown go through source_parse; an RSS feed continues in the podcast
 *  driver with the feed already fetched; an HTML page is for the article
 *  extractor (#6). State machine only (srcdrv_impl.h's webdrv_ops); no I/O.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_WEBDRV_H
#define LODE_WEBDRV_H
#include <stdint.h>

#include "err.h"
#include "http.h"

/* 0 if resp is a 2xx response. Else -1 and *err, and *retry_after_ms (may be
 * NULL) gets the server's Retry-After or -1:
 * - resp->err set (transport, size, SSRF guard, binary type): passed on as is;
 * - 404, 410: LODE_ENOTFOUND "<what> <url> returned 404";
 * - 408, 425, 429, 5xx: LODE_EHTTP (retryable);
 * - 401, 403: LODE_EUNSUPPORTED "… returned 403 (access denied)" (permanent);
 * - any other status: LODE_EUNSUPPORTED (permanent).
 * what names the thing fetched ("feed", "transcript", "URL"). */
LODE_MUST_CHECK int
webdrv_check_resp(const http_resp_t *resp, const char *what, int64_t *retry_after_ms, err_t *err);
#endif
