/*  htmlent.c - character references to UTF-8 (see htmlent.h).
 *  SPDX-License-Identifier: MIT
 */
#include "htmlent.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "utf8.h"

#define S_NOT_A_CP 0x110000 /* past the last code point */

typedef struct {
    const char *name; /* without '&' and ';' */
    const char *utf8; /* "" for the invisible marks, dropped */
} s_named_t;

/* Invisible direction marks and soft hyphens decode to nothing: they only
 * get in the way of quoting and searching a transcript. */
static const s_named_t s_named[] = {
    {"amp", "&"},
    {"lt", "<"},
    {"gt", ">"},
    {"quot", "\""},
    {"apos", "'"},
    {"nbsp", "\xC2\xA0"},
    {"lrm", ""},
    {"rlm", ""},
    {"shy", ""},
    {"ndash", "\xE2\x80\x93"},
    {"mdash", "\xE2\x80\x94"},
    {"hellip", "\xE2\x80\xA6"},
    {"lsquo", "\xE2\x80\x98"},
    {"rsquo", "\xE2\x80\x99"},
    {"ldquo", "\xE2\x80\x9C"},
    {"rdquo", "\xE2\x80\x9D"},
    {"laquo", "\xC2\xAB"},
    {"raquo", "\xC2\xBB"},
    {"copy", "\xC2\xA9"},
    {"reg", "\xC2\xAE"},
    {"trade", "\xE2\x84\xA2"},
    {"eacute", "\xC3\xA9"},
};

static int s_digit(char c, bool hex)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (hex && c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (hex && c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The number of "#123" or "#x7B" (s[0..n), s[0] == '#'): its value, held
 * at S_NOT_A_CP once past it, or -1 if malformed (no digits, another
 * character). */
static long s_number(const char *s, size_t n)
{
    bool hex = n > 1 && (s[1] == 'x' || s[1] == 'X');
    size_t i = hex ? 2 : 1;
    if (i >= n)
        return -1;
    long cp = 0;
    for (; i < n; i++) {
        int d = s_digit(s[i], hex);
        if (d < 0)
            return -1;
        cp = cp * (hex ? 16 : 10) + d;
        if (cp > S_NOT_A_CP)
            cp = S_NOT_A_CP;
    }
    return cp;
}

/* The numeric reference s[0..n) into out; bytes written, or -1 if it is
 * not one under these flags. */
static int s_numeric(const char *s, size_t n, unsigned flags, char *out)
{
    long cp = s_number(s, n);
    if (cp < 0 && !(flags & HTMLENT_MALFORMED_FFFD))
        return -1;
    if (cp >= 0 && (cp == 0 || cp >= S_NOT_A_CP || (cp >= 0xD800 && cp <= 0xDFFF))) {
        if (!(flags & HTMLENT_INVALID_FFFD))
            return -1;
        cp = -1;
    }
    if (cp < 0)
        cp = 0xFFFD;
    if ((flags & HTMLENT_PLAIN_SPACE) && (cp == '\t' || cp == '\n' || cp == '\r'))
        cp = ' ';
    return (int)utf8_encode((uint32_t)cp, out);
}

static int s_named_ref(const char *s, size_t n, unsigned flags, char *out)
{
    for (size_t i = 0; i < sizeof s_named / sizeof s_named[0]; i++) {
        const s_named_t *e = &s_named[i];
        if (strlen(e->name) != n || memcmp(e->name, s, n) != 0)
            continue;
        const char *u =
            (flags & HTMLENT_PLAIN_SPACE) && strcmp(e->name, "nbsp") == 0 ? " " : e->utf8;
        size_t m = strlen(u);
        memcpy(out, u, m);
        return (int)m;
    }
    return -1;
}

size_t
htmlent_ref(const char *s, size_t n, unsigned flags, char out[HTMLENT_UTF8_MAX], size_t *out_len)
{
    *out_len = 0;
    if (n < 2 || s[0] != '&')
        return 0;
    const char *semi = memchr(s + 1, ';', (n < HTMLENT_REF_MAX ? n : HTMLENT_REF_MAX) - 1);
    if (!semi || semi == s + 1)
        return 0;
    const char *name = s + 1;
    size_t len = (size_t)(semi - name);
    int m = name[0] == '#' ? s_numeric(name, len, flags, out) : s_named_ref(name, len, flags, out);
    if (m < 0)
        return 0;
    *out_len = (size_t)m;
    return len + 2;
}

size_t htmlent_decode(const char *s, size_t n, unsigned flags, char *out)
{
    size_t i = 0, o = 0;
    while (i < n) {
        const char *amp = memchr(s + i, '&', n - i);
        size_t plain = amp ? (size_t)(amp - (s + i)) : n - i;
        memmove(out + o, s + i, plain);
        o += plain;
        i += plain;
        if (i >= n)
            break;
        char tmp[HTMLENT_UTF8_MAX];
        size_t m, used = htmlent_ref(s + i, n - i, flags, tmp, &m);
        if (used == 0) {
            out[o++] = s[i++];
            continue;
        }
        /* used >= m, so out never overtakes s. */
        memcpy(out + o, tmp, m);
        o += m;
        i += used;
    }
    return o;
}
