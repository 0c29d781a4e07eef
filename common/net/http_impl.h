/*  http_impl.h - what http.c (requests, host queues, the multi loop),
 *  http_guard.c (SSRF guard addresses and CIDRs) and http_body.c (headers,
 *  body limits, charset decoding) share. Private to those three files;
 *  callers use http.h.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_HTTP_IMPL_H
#define LODE_HTTP_IMPL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "buf.h"
#include "err.h"
#include "http.h"

typedef struct http_host http_host_t; /* defined in http.c */
typedef struct http_xfer http_xfer_t;

/* One request, queued or running. */
struct http_xfer {
    http_t *http;
    http_host_t *host;                  /* borrowed from http->hosts */
    http_xfer_t *next;                  /* host queue or delivery list */
    http_xfer_t *rprev, *rnext;         /* running list */
    CURL *easy;                         /* owned; NULL while queued */
    struct curl_slist *headers;         /* owned */
    char *url, *method, *body, *cookie; /* owned copies */
    size_t body_len;
    bool allow_binary;
    http_done_fn *done;
    void *arg;
    int64_t started_us;
    buf_t resp;          /* raw (decompressed) body, bounded */
    err_t err;           /* our own abort reason; first wins */
    err_t blocked;       /* the SSRF guard's refusal; used if the transfer fails */
    int status;          /* of the current hop */
    char ctype[128];     /* media type, lower case */
    char charset[48];    /* from Content-Type, lower case */
    size_t header_bytes; /* of the current hop */
    int64_t retry_after_ms;
    bool type_checked;
    char errbuf[CURL_ERROR_SIZE];
};

/* --- the SSRF guard (http_guard.c): addresses as 16 bytes, IPv4 mapped to
 * ::ffff:a.b.c.d */

typedef struct {
    unsigned char a[16];
} http_ip_t;

/* True if ip (NULL: none) is in a comma- or space-separated CIDR list;
 * *bad (if not NULL) is set when an entry cannot be parsed. */
bool http_cidr_any(const char *list, const http_ip_t *ip, bool *bad);

/* --- response headers and body (http_body.c) --- */

/* True if media type t (lower case; "" for none) is decoded as text. */
bool http_type_is_text(const char *t);

/* Copy [s, s+n) lower-cased and trimmed of spaces and quotes into out. */
void http_token_copy(const char *s, size_t n, char *out, size_t cap);

/* CURLOPT_HEADERFUNCTION: status, Content-Type, Retry-After, header limit. */
size_t http_on_header(char *data, size_t size, size_t nmemb, void *arg);

/* CURLOPT_WRITEFUNCTION: type check, then the body into x->resp, bounded. */
size_t http_on_write(char *data, size_t size, size_t nmemb, void *arg);

/* True (and x->err set) if the response's type is refused. */
bool http_type_refused(http_xfer_t *x);

/* The body as UTF-8: a new string, the caller frees. */
char *http_decode_text(const http_xfer_t *x, size_t *out_len, size_t *n_bad);
#endif
