/*  web_html.h - the workbench's output buffer: HTML built by small calls
 *  that escape every value (wb_text), with trusted markup only from string
 *  literals (wb_raw) and numbers (wb_fmt). Bounded: past its maximum the
 *  buffer stops growing and remembers it overflowed, so a hostile document
 *  cannot make a page unbounded; the caller checks wb_over once.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_WEB_HTML_H
#define LODE_WEB_HTML_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *data; /* owned; NUL-terminated once anything was written */
    size_t len, cap, max;
    bool over; /* an append did not fit: the output is cut */
} wb_t;

void wb_init(wb_t *b, size_t max);
void wb_free(wb_t *b);

/* Hand the bytes to the caller (free()); *len gets their length. */
char *wb_steal(wb_t *b, size_t *len);

/* Trusted markup: string literals of this program only. */
void wb_raw(wb_t *b, const char *s);
void wb_rawn(wb_t *b, const char *s, size_t n);

/* printf for trusted formats whose arguments are numbers or trusted
 * literals; never a value from outside. */
void wb_fmt(wb_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A value from outside, escaped for HTML text and quoted attributes
 * (& < > " ' and control bytes other than tab and newlines). NULL = "". */
void wb_text(wb_t *b, const char *s);
void wb_textn(wb_t *b, const char *s, size_t n);

/* A URL for an href attribute: escaped as wb_text when it is http(s),
 * "#" for anything else (javascript:, data:, relative tricks). */
void wb_url(wb_t *b, const char *url);

/* Percent-encode s for a URL query value or text fragment (RFC 3986
 * unreserved bytes stay; everything else %XX). NULL = "". */
void wb_urlenc(wb_t *b, const char *s);
void wb_urlencn(wb_t *b, const char *s, size_t n);

/* True if url is an absolute http:// or https:// URL. */
bool web_url_is_http(const char *url);
#endif
