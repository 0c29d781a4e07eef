/*  web_html.c - the escaping output buffer (web_html.h).
 *  SPDX-License-Identifier: MIT
 */
#include "web_html.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mem.h"

void wb_init(wb_t *b, size_t max)
{
    memset(b, 0, sizeof *b);
    b->max = max;
}

void wb_free(wb_t *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

char *wb_steal(wb_t *b, size_t *len)
{
    char *out = b->data ? b->data : mem_strdup("");
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return out;
}

/* Room for n more bytes and the NUL; false (and over) if past max. */
static bool s_room(wb_t *b, size_t n)
{
    if (b->over || n > b->max - b->len) {
        b->over = true;
        return false;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->data = mem_realloc(b->data, cap);
        b->cap = cap;
    }
    return true;
}

void wb_rawn(wb_t *b, const char *s, size_t n)
{
    if (!s_room(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void wb_raw(wb_t *b, const char *s)
{
    wb_rawn(b, s, strlen(s));
}

void wb_fmt(wb_t *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        wb_rawn(b, small, (size_t)n);
        return;
    }
    char *big = mem_alloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    wb_rawn(b, big, (size_t)n);
    free(big);
}

/* The entity for byte c, or NULL if it may stand as it is. */
static const char *s_entity(unsigned char c)
{
    switch (c) {
    case '&':
        return "&amp;";
    case '<':
        return "&lt;";
    case '>':
        return "&gt;";
    case '"':
        return "&quot;";
    case '\'':
        return "&#39;";
    case '\t':
    case '\n':
    case '\r':
        return NULL;
    default:
        return c < 0x20 || c == 0x7f ? "&#xFFFD;" : NULL;
    }
}

void wb_textn(wb_t *b, const char *s, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; s && i < n; i++) {
        const char *e = s_entity((unsigned char)s[i]);
        if (!e)
            continue;
        wb_rawn(b, s + run, i - run);
        wb_raw(b, e);
        run = i + 1;
    }
    if (s)
        wb_rawn(b, s + run, n - run);
}

void wb_text(wb_t *b, const char *s)
{
    if (s)
        wb_textn(b, s, strlen(s));
}

bool web_url_is_http(const char *url)
{
    return url && (strncasecmp(url, "https://", 8) == 0 || strncasecmp(url, "http://", 7) == 0) &&
           !strpbrk(url, " \t\r\n");
}

void wb_url(wb_t *b, const char *url)
{
    if (web_url_is_http(url))
        wb_text(b, url);
    else
        wb_raw(b, "#");
}

void wb_urlencn(wb_t *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; s && i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            wb_rawn(b, (const char *)&s[i], 1);
        } else {
            char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
            wb_rawn(b, esc, 3);
        }
    }
}

void wb_urlenc(wb_t *b, const char *s)
{
    if (s)
        wb_urlencn(b, s, strlen(s));
}
