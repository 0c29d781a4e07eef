/*  http.h - the HTTP client of the fetch stage: libcurl's multi interface
 *  driven from a zloop, so one worker keeps hundreds of requests in flight.
 *  Bounded in every way (time, body size, redirects, per-host concurrency),
 *  guarded against SSRF on the address actually connected, and decoding
 *  (gzip/deflate/br, charset to UTF-8). CURL handles never leave http.c.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_HTTP_H
#define LODE_HTTP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <czmq.h>

#include "err.h"

typedef struct http http_t;

/* Plain data; pointers borrowed for the life of the http_t. */
typedef struct {
    const char *user_agent; /* NULL = "lode/0.1 (+https://github.com/…)" */
    int connect_timeout_ms; /* 0 = 10000 */
    int total_timeout_ms;   /* 0 = 60000 */
    int low_speed_s;        /* give up after this many seconds under 100 bytes/s
                             * (a slow drip); 0 = 20 */
    size_t max_body_bytes;  /* 0 = JOB_SOURCE_MAX_BYTES (50 MB); enforced while streaming,
                               after decoding */
    int max_redirects;      /* 0 = 5; each hop re-checked by the SSRF guard */
    int max_in_flight;      /* requests at once over all hosts; 0 = 512 */
    int per_host_max;       /* requests at once to one host; 0 = 8 */
    int per_host_rps;       /* request starts per second to one host; 0 = unlimited */
    const char *allow_net;  /* CIDRs exempt from the SSRF guard, comma-separated
                             * ("127.0.0.0/8,::1/128"; "0.0.0.0/0,::/0" = no guard);
                             * NULL = none */
    bool no_auto_cool;      /* never cool a host by itself after a 429, a 503 with
                             * Retry-After or a bot check: the caller paces its own
                             * retries (llm.c); http_cool_host still works */
} http_opts_t;

/* One request. Plain data; pointers borrowed until http_request returns
 * (they are copied). */
typedef struct {
    const char *method; /* "GET" (default when NULL) or "POST" */
    const char *url;    /* http:// or https:// only */
    const char *body;   /* POST body or NULL */
    size_t body_len;
    const char *const *headers; /* "Name: value" strings, NULL-terminated, or NULL */
    const char *cookie;         /* "NAME=value; NAME2=value2" or NULL */
    bool allow_binary;          /* accept non-text content types (default: refused) */
} http_req_t;

/* A finished request. Plain data owned by the http_t: valid only during the
 * callback (copy what you keep). */
typedef struct {
    err_t err;                /* 0 = a response arrived (any status); else why not:
                               * LODE_ETIMEDOUT, LODE_ETOOBIG, LODE_EPRIVATE (SSRF guard),
                               * LODE_EUNSUPPORTED (binary content type, bad scheme),
                               * LODE_EHTTP (DNS, connect, TLS, redirect loop, protocol) */
    int status;               /* HTTP status, 0 if none */
    const char *url;          /* the URL requested */
    const char *final_url;    /* after redirects */
    const char *content_type; /* media type, lower case, without parameters; "" if none */
    const char *body;         /* decoded and converted to UTF-8 (text types), NUL-terminated */
    size_t body_len;
    size_t n_replaced;      /* invalid bytes replaced by U+FFFD in conversion */
    int64_t retry_after_ms; /* from Retry-After (seconds or HTTP date, at most 1 h)
                             * on any status (429, 503, other 5xx), else -1 */
    bool bot_check;         /* a 403/429/503 page that looks like a captcha or
                             * bot check; the host has been cooled down */
    double seconds;         /* from http_request to completion, queue wait included */
} http_resp_t;

/* Called once per request, on the loop's thread. It may call http_request
 * and http_cool_host, but not http_destroy. */
typedef void(http_done_fn)(const http_resp_t *resp, void *arg);

/* A client on loop (borrowed: destroy the http_t before the loop). Call it
 * only from the loop's thread. NULL and *err on failure (bad allow_net,
 * curl init). Proxies from the environment are ignored: the SSRF guard must
 * see the address really connected. */
http_t *http_new(zloop_t *loop, const http_opts_t *opts, err_t *err);

/* Cancel everything in flight (no callbacks) and free; sets *self_p to NULL. */
void http_destroy(http_t **self_p);

/* Start a request; done(resp, arg) runs later from the loop, always exactly
 * once (unless the http_t is destroyed first). Requests beyond the global or
 * per-host limits wait in a queue. -1 and *err only for a request that
 * cannot be made at all (bad URL or scheme). */
LODE_MUST_CHECK int
http_request(http_t *self, const http_req_t *req, http_done_fn *done, void *arg, err_t *err);

/* Requests started and not finished, and waiting in the queue. */
size_t http_in_flight(const http_t *self);
size_t http_queued(const http_t *self);

/* What a finished request means for the job: 0 for a usable response
 * (2xx), else -1 with *err set from resp->err when it is set, or from the
 * status: 404/410 -> LODE_ENOTFOUND; 408, 425, 429 and 5xx -> LODE_EHTTP
 * (retryable); other 4xx -> LODE_EUNSUPPORTED (permanent); anything else
 * (an unfollowed 3xx) -> LODE_EHTTP. err_retryable() on the code gives the
 * decision. The same mapping as srcdrv_check_resp. */
LODE_MUST_CHECK int http_resp_error(const http_resp_t *resp, err_t *err);

/* Cool a host down: no request to it starts before now + ms (a 429 or a
 * bot-check page). host is the URL's host name, lower case. A 429, a 503
 * with Retry-After and a bot-check page cool their host by themselves
 * (Retry-After, else 30 s) unless opts.no_auto_cool. */
void http_cool_host(http_t *self, const char *host, int64_t ms);

/* True if addr (IPv4 or IPv6 text) is loopback, private, link-local, CGNAT,
 * multicast, unspecified, reserved or a cloud metadata address, and not in
 * allow (a comma-separated CIDR list or NULL). Exposed for tests. */
bool http_addr_blocked(const char *addr, const char *allow);
#endif
