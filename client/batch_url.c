/*  batch_url.c - the pure part of bulk batches: URLs normalised so that one
 *  page has one spelling (tracking parameters, default ports and YouTube's
 *  many forms dropped), input lines classified, and lines read with bounded
 *  memory. No Redis, no broker; the streaming is batch_submit.c's.
 *  SPDX-License-Identifier: MIT
 */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "buf.h"
#include "mem.h"
#include "sources/youtube_url.h"

/* Append to a URL buffer. Its limit is twice BATCH_URL_MAX and a URL is
 * checked against BATCH_URL_MAX first, so this cannot fail. */
static void s_put(buf_t *b, const void *data, size_t n)
{
    int rc = buf_append(b, data, n, NULL);
    assert(rc == 0);
    (void)rc;
}

static const char *const s_tracking[] = {"fbclid", "gclid",  "gclsrc", "dclid", "msclkid",
                                         "mc_cid", "mc_eid", "igshid", "yclid"};

static bool s_is_tracking(const char *key, size_t n)
{
    if (n >= 4 && strncasecmp(key, "utm_", 4) == 0)
        return true;
    for (size_t i = 0; i < sizeof s_tracking / sizeof s_tracking[0]; i++) {
        if (strlen(s_tracking[i]) == n && strncasecmp(key, s_tracking[i], n) == 0)
            return true;
    }
    return false;
}

/* Append the query q[0..n) to b without tracking and empty parameters. */
static void s_put_query(buf_t *b, const char *q, size_t n)
{
    bool first = true;
    const char *end = q + n;
    while (q < end) {
        const char *amp = memchr(q, '&', (size_t)(end - q));
        size_t len = amp ? (size_t)(amp - q) : (size_t)(end - q);
        size_t key = strcspn(q, "=&");
        if (key > len)
            key = len;
        if (len > 0 && !s_is_tracking(q, key)) {
            s_put(b, first ? "?" : "&", 1);
            s_put(b, q, len);
            first = false;
        }
        q += len + (amp ? 1 : 0);
    }
}

static bool s_host_char_ok(unsigned char c)
{
    return isalnum(c) || c == '.' || c == '-' || c == '_' || c == '~' || c == '%' || c >= 0x80;
}

/* Length of the host at the start of the authority a[0..n) (an IPv6
 * address with its brackets); -1 and *err if malformed. */
static long s_host_len(const char *a, size_t n, err_t *err)
{
    size_t host = n;
    if (n > 0 && a[0] == '[') {
        const char *close = memchr(a, ']', n);
        if (!close) {
            err_set(err, LODE_EINVAL, "unclosed [ in the host");
            return -1;
        }
        host = (size_t)(close - a) + 1;
        if (host < n && a[host] != ':') {
            err_set(err, LODE_EINVAL, "junk after the IPv6 address");
            return -1;
        }
    } else {
        const char *colon = memchr(a, ':', n);
        host = colon ? (size_t)(colon - a) : n;
    }
    if (host == 0 || (a[0] == '[' && host <= 2)) {
        err_set(err, LODE_EINVAL, "no host");
        return -1;
    }
    return (long)host;
}

/* The host a[0..n), lower-cased, appended to b. */
static int s_put_host(buf_t *b, const char *a, size_t n, err_t *err)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)a[i];
        if (a[0] != '[' && !s_host_char_ok(c)) {
            err_set(err, LODE_EINVAL, "bad character '%c' in the host", c);
            return -1;
        }
        char lc = (char)tolower(c);
        s_put(b, &lc, 1);
    }
    return 0;
}

/* The port p[0..n) (digits; n 0: none) appended to b as ":N" unless it is
 * the scheme's default. */
static int s_put_port(buf_t *b, const char *p, size_t n, bool https, err_t *err)
{
    long pv = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)p[i]) || n > 5) {
            err_set(err, LODE_EINVAL, "bad port");
            return -1;
        }
        pv = pv * 10 + (p[i] - '0');
    }
    if (n > 0 && (pv < 1 || pv > 65535)) {
        err_set(err, LODE_EINVAL, "bad port");
        return -1;
    }
    if (n > 0 && pv != (https ? 443 : 80)) {
        char num[8];
        int k = snprintf(num, sizeof num, ":%ld", pv);
        s_put(b, num, (size_t)k);
    }
    return 0;
}

/* Host (and port) of the authority a[0..n), lower-cased, default port
 * dropped, appended to b. */
static int s_put_hostport(buf_t *b, const char *a, size_t n, bool https, err_t *err)
{
    long host = s_host_len(a, n, err);
    if (host < 0 || s_put_host(b, a, (size_t)host, err) != 0)
        return -1;
    size_t h = (size_t)host;
    return h < n ? s_put_port(b, a + h + 1, n - h - 1, https, err) : 0;
}

/* Scheme of u (lower-cased): 0 and *https, *rest after "://"; or -1. */
static int s_scheme(const char *u, size_t n, bool *https, const char **rest, err_t *err)
{
    const char *sep = NULL;
    for (size_t i = 0; i + 2 < n && !sep; i++) {
        if (u[i] == ':' && u[i + 1] == '/' && u[i + 2] == '/')
            sep = u + i;
        else if (!isalnum((unsigned char)u[i]) && u[i] != '+' && u[i] != '-' && u[i] != '.')
            break;
    }
    if (!sep) {
        err_set(err, LODE_EINVAL, "no http:// or https://");
        return -1;
    }
    size_t k = (size_t)(sep - u);
    if (k == 4 && strncasecmp(u, "http", 4) == 0)
        *https = false;
    else if (k == 5 && strncasecmp(u, "https", 5) == 0)
        *https = true;
    else {
        err_set(err, LODE_EINVAL, "scheme %.*s is not http or https", (int)(k > 16 ? 16 : k), u);
        return -1;
    }
    *rest = sep + 3;
    return 0;
}

/* "host.tld/…" with no scheme, as `lode submit` takes it. */
static bool s_bare_host(const char *u, size_t n)
{
    size_t host = 0;
    while (host < n && u[host] != '/')
        host++;
    const char *dot = memchr(u, '.', host);
    return host < n && dot && dot > u && dot + 1 < u + host && u[0] != '.' && !memchr(u, ':', host);
}

/* The generic form of http(s) URL u[0..n) into b. */
static int s_normalise_generic(buf_t *b, const char *u, size_t n, err_t *err)
{
    bool https = true;
    const char *p = u;
    if (!s_bare_host(u, n) && s_scheme(u, n, &https, &p, err) != 0)
        return -1;
    const char *end = u + n;
    s_put(b, https ? "https://" : "http://", https ? 8 : 7);
    size_t auth = strcspn(p, "/?#");
    if (p + auth > end)
        auth = (size_t)(end - p);
    const char *at = NULL;
    for (size_t i = 0; i < auth; i++)
        at = p[i] == '@' ? p + i : at;
    if (at) {
        s_put(b, p, (size_t)(at - p) + 1); /* user info, as given */
        auth -= (size_t)(at + 1 - p);
        p = at + 1;
    }
    if (s_put_hostport(b, p, auth, https, err) != 0)
        return -1;
    p += auth;
    size_t path = strcspn(p, "?#");
    if (path == 0)
        s_put(b, "/", 1);
    s_put(b, p, path);
    p += path;
    if (*p == '?') {
        size_t q = strcspn(p + 1, "#");
        s_put_query(b, p + 1, q);
        p += 1 + q;
    }
    if (*p == '#' && strncmp(p + 1, "episode=", 8) == 0 && p[9])
        s_put(b, p, strlen(p));
    return 0;
}

/* YouTube's many forms of one video (or playlist) become one URL. */
static char *s_youtube_canonical(const char *url)
{
    youtube_ref_t ref;
    err_t yerr = {0};
    if (youtube_parse_url(url, &ref, &yerr) != 0)
        return NULL;
    if (ref.playlist && ref.list[0])
        return mem_printf("https://www.youtube.com/playlist?list=%s", ref.list);
    if (ref.video[0])
        return mem_printf("https://www.youtube.com/watch?v=%s", ref.video);
    return NULL;
}

int batch_url_normalise(const char *url, size_t len, char **out, err_t *err)
{
    *out = NULL;
    if (len > BATCH_URL_MAX) {
        err_set(err, LODE_EINVAL, "over %d KB", BATCH_URL_MAX / 1024);
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)url[i];
        if (c <= 0x20 || c == 0x7f) {
            err_set(err, LODE_EINVAL, "%s inside", c == ' ' ? "a space" : "a control character");
            return -1;
        }
    }
    buf_t b;
    buf_init(&b, 2 * BATCH_URL_MAX);
    char *u = mem_strndup(url, len);
    int rc = s_normalise_generic(&b, u, len, err);
    free(u);
    if (rc != 0) {
        buf_free(&b);
        return -1;
    }
    char *norm = buf_steal(&b);
    buf_free(&b);
    char *yt = s_youtube_canonical(norm);
    if (yt) {
        free(norm);
        norm = yt;
    }
    *out = norm;
    return 0;
}

batch_line_t batch_parse_line(const char *line, size_t len, char **url, err_t *err)
{
    *url = NULL;
    if (len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
        line += 3;
        len -= 3;
    }
    while (len > 0 && (line[0] == ' ' || line[0] == '\t')) {
        line++;
        len--;
    }
    while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r'))
        len--;
    if (len == 0 || line[0] == '#')
        return BATCH_LINE_SKIP;
    return batch_url_normalise(line, len, url, err) == 0 ? BATCH_LINE_URL : BATCH_LINE_INVALID;
}

int batch_read_line(FILE *f, char *buf, size_t size, size_t *len, bool *overlong, err_t *err)
{
    size_t n = 0;
    int c = EOF;
    *overlong = false;
    while ((c = getc_unlocked(f)) != EOF && c != '\n') {
        if (n + 1 < size)
            buf[n++] = (char)c;
        else
            *overlong = true;
    }
    buf[n] = '\0';
    *len = n;
    if (c == EOF && ferror(f)) {
        err_set(err, LODE_EIO, "read: %s", strerror(errno));
        return -1;
    }
    return c == EOF && n == 0 && !*overlong ? 0 : 1;
}
