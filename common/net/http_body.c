/*  http_body.c - response headers and body: Content-Type and Retry-After,
 *  the header and body limits, the text/binary decision and charset
 *  detection and conversion to UTF-8. Never touches a CURL handle; the
 *  transfers and the loop are in http.c.
 *  SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "http_impl.h"
#include "mem.h"
#include "utf8.h"

#define HTTP_HEADER_MAX   (64 * 1024)
#define HTTP_RETRY_MAX_MS (3600 * 1000)
#define HTTP_SNIFF_BYTES  4096

/* ---- response headers and body */

/* Media type classes: text is decoded to UTF-8, the rest refused unless
 * the request allows binary. No Content-Type counts as text. */
bool http_type_is_text(const char *t)
{
    static const char *const text_types[] = {
        "application/json",
        "application/xml",
        "application/javascript",
        "application/ecmascript",
        "application/x-javascript",
        "application/x-subrip",
        "application/x-mpegurl",
        "application/vnd.apple.mpegurl",
        "application/x-ndjson",
        "application/yaml",
        "application/x-yaml",
        "application/csv",
        "application/x-www-form-urlencoded",
    };
    if (!*t || strncmp(t, "text/", 5) == 0)
        return true;
    size_t n = strlen(t);
    if ((n > 5 && strcmp(t + n - 5, "+json") == 0) || (n > 4 && strcmp(t + n - 4, "+xml") == 0))
        return true;
    for (size_t i = 0; i < sizeof text_types / sizeof text_types[0]; i++)
        if (strcmp(t, text_types[i]) == 0)
            return true;
    return false;
}

/* Copy [s, s+n) lower-cased and trimmed of spaces and quotes into out. */
void http_token_copy(const char *s, size_t n, char *out, size_t cap)
{
    while (n && (isspace((unsigned char)*s) || *s == '"' || *s == '\''))
        s++, n--;
    while (n && (isspace((unsigned char)s[n - 1]) || s[n - 1] == '"' || s[n - 1] == '\''))
        n--;
    if (n >= cap)
        n = cap - 1;
    for (size_t i = 0; i < n; i++)
        out[i] = (char)tolower((unsigned char)s[i]);
    out[n] = '\0';
}

static void s_parse_content_type(http_xfer_t *x, const char *v)
{
    size_t n = strcspn(v, ";");
    http_token_copy(v, n, x->ctype, sizeof x->ctype);
    const char *cs = strcasestr(v + n, "charset=");
    x->charset[0] = '\0';
    if (cs) {
        cs += 8;
        http_token_copy(cs, strcspn(cs, ";"), x->charset, sizeof x->charset);
    }
}

/* Retry-After: delay in seconds or an HTTP date. -1 if unreadable. */
static int64_t s_parse_retry_after(const char *v)
{
    while (isspace((unsigned char)*v))
        v++;
    int64_t ms;
    if (isdigit((unsigned char)*v)) {
        ms = strtoll(v, NULL, 10) * 1000;
    } else {
        time_t t = curl_getdate(v, NULL);
        if (t == -1)
            return -1;
        ms = ((int64_t)t - (int64_t)time(NULL)) * 1000;
    }
    if (ms < 0)
        ms = 0;
    return ms > HTTP_RETRY_MAX_MS ? HTTP_RETRY_MAX_MS : ms;
}

/* A new response (a redirect hop, or 100 Continue) starts over. */
static void s_hop_reset(http_xfer_t *x, const char *line)
{
    x->status = 0;
    const char *sp = strchr(line, ' ');
    if (sp)
        x->status = atoi(sp + 1);
    x->ctype[0] = x->charset[0] = '\0';
    x->header_bytes = 0;
    x->retry_after_ms = -1;
}

size_t http_on_header(char *data, size_t size, size_t nmemb, void *arg)
{
    http_xfer_t *x = arg;
    size_t len = size * nmemb;
    char line[1024];
    size_t n = len < sizeof line ? len : sizeof line - 1;
    memcpy(line, data, n);
    line[n] = '\0';
    line[strcspn(line, "\r\n")] = '\0';
    if (strncmp(line, "HTTP/", 5) == 0)
        s_hop_reset(x, line);
    x->header_bytes += len;
    if (x->header_bytes > HTTP_HEADER_MAX) {
        err_set(&x->err, LODE_EHTTP, "response headers over %d bytes", HTTP_HEADER_MAX);
        return 0;
    }
    char *colon = strchr(line, ':');
    if (!colon)
        return len;
    *colon = '\0';
    if (strcasecmp(line, "content-type") == 0)
        s_parse_content_type(x, colon + 1);
    else if (strcasecmp(line, "retry-after") == 0)
        x->retry_after_ms = s_parse_retry_after(colon + 1);
    return len;
}

/* True (and x->err set) if the response's type is refused. */
bool http_type_refused(http_xfer_t *x)
{
    x->type_checked = true;
    if (x->allow_binary || http_type_is_text(x->ctype))
        return false;
    err_set(&x->err, LODE_EUNSUPPORTED, "binary content type %s refused", x->ctype);
    return true;
}

size_t http_on_write(char *data, size_t size, size_t nmemb, void *arg)
{
    http_xfer_t *x = arg;
    size_t len = size * nmemb;
    if (!x->type_checked && http_type_refused(x))
        return 0;
    if (len > x->resp.max - x->resp.len) {
        err_set(&x->err, LODE_ETOOBIG, "body over %zu bytes", x->resp.max);
        return 0;
    }
    if (buf_append(&x->resp, data, len, &x->err) < 0)
        return 0;
    return len;
}

/* ---- charset: BOM, else Content-Type, else <meta> / <?xml?>, else UTF-8 */

/* The charset token after "charset=" or "encoding=" at p, into out. */
static void s_sniff_token(const char *p, char *out, size_t cap)
{
    while (*p == ' ' || *p == '"' || *p == '\'')
        p++;
    size_t n = 0;
    while (p[n] && (isalnum((unsigned char)p[n]) || strchr("-_.:", p[n])) && n + 1 < cap)
        n++;
    http_token_copy(p, n, out, cap);
}

/* <meta charset=...> or <meta http-equiv content="...; charset=..."> in
 * the first 4 KB of HTML; <?xml ... encoding="..."?> for XML. */
static void s_sniff_charset(const char *body, size_t len, bool html, char *out, size_t cap)
{
    char head[HTTP_SNIFF_BYTES + 1];
    size_t n = len < HTTP_SNIFF_BYTES ? len : HTTP_SNIFF_BYTES;
    for (size_t i = 0; i < n; i++)
        head[i] = body[i] ? (char)tolower((unsigned char)body[i]) : ' ';
    head[n] = '\0';
    out[0] = '\0';
    if (!html) {
        char *end = strncmp(head, "<?xml", 5) == 0 ? strstr(head, "?>") : NULL;
        char *enc = end ? strstr(head, "encoding=") : NULL;
        if (enc && enc < end)
            s_sniff_token(enc + 9, out, cap);
        return;
    }
    for (char *m = strstr(head, "<meta"); m && !out[0]; m = strstr(m + 5, "<meta")) {
        char *gt = strchr(m, '>');
        char *cs = strstr(m, "charset=");
        if (cs && (!gt || cs < gt))
            s_sniff_token(cs + 8, out, cap);
    }
    if (strncmp(out, "utf-16", 6) == 0) /* a <meta> cannot be UTF-16 (WHATWG) */
        snprintf(out, cap, "utf-8");
}

/* Pick the charset and how many BOM bytes to skip. */
static void s_pick_charset(const http_xfer_t *x, char *cs, size_t cap, size_t *skip)
{
    const unsigned char *b = (const unsigned char *)(x->resp.data ? x->resp.data : "");
    size_t len = x->resp.len;
    *skip = 0;
    if (len >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) {
        snprintf(cs, cap, "utf-8");
        *skip = 3;
    } else if (len >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF))) {
        snprintf(cs, cap, b[0] == 0xFF ? "utf-16le" : "utf-16be");
        *skip = 2;
    } else if (x->charset[0]) {
        snprintf(cs, cap, "%s", x->charset);
    } else {
        bool html = !strcmp(x->ctype, "text/html") || !strcmp(x->ctype, "application/xhtml+xml");
        bool xml = strstr(x->ctype, "xml") != NULL;
        cs[0] = '\0';
        if (html || xml)
            s_sniff_charset((const char *)b, len, html, cs, cap);
    }
    /* WHATWG: Latin-1 and ASCII labels mean windows-1252. */
    static const char *const latin[] = {"iso-8859-1", "iso8859-1", "latin1", "l1",
                                        "us-ascii",   "ascii",     "cp1252", "iso_8859-1"};
    for (size_t i = 0; i < sizeof latin / sizeof latin[0]; i++)
        if (strcmp(cs, latin[i]) == 0)
            snprintf(cs, cap, "windows-1252");
    if (!cs[0] || strcmp(cs, "utf8") == 0)
        snprintf(cs, cap, "utf-8");
}

/* The body as UTF-8: a new string, the caller frees. */
char *http_decode_text(const http_xfer_t *x, size_t *out_len, size_t *n_bad)
{
    char cs[48];
    size_t skip;
    s_pick_charset(x, cs, sizeof cs, &skip);
    const char *in = (x->resp.data ? x->resp.data : "") + skip;
    size_t len = x->resp.len - skip;
    *n_bad = 0;
    char *conv = NULL;
    if (strcmp(cs, "utf-8") != 0)
        conv = utf8_from_charset(cs, in, len, &len, n_bad);
    if (conv && utf8_valid(conv, len)) {
        *out_len = len;
        return conv;
    }
    size_t more = 0;
    char *fixed = utf8_repair(conv ? conv : in, len, out_len, &more);
    *n_bad += more;
    free(conv);
    return fixed;
}
