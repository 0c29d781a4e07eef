/*  jsonlex.c - reading JSON of one exact form without a parser's tree:
 *  the forms Lode writes itself and reads back at every stage (a
 *  transcript, snippets). See jsonlex.h.
 *  SPDX-License-Identifier: MIT
 */
#include "jsonlex.h"

#include <stdlib.h>
#include <string.h>

#include "utf8.h"

bool jsonlex_lit(jsonlex_t *j, const char *lit)
{
    size_t n = strlen(lit);
    if (j->no || (size_t)(j->end - j->p) < n || memcmp(j->p, lit, n) != 0)
        return j->no = true, false;
    j->p += n;
    return true;
}

/* An unsigned integer of at most 18 digits. */
long long jsonlex_uint(jsonlex_t *j)
{
    long long v = 0;
    const char *start = j->p;
    while (!j->no && j->p < j->end && *j->p >= '0' && *j->p <= '9' && j->p - start < 18)
        v = v * 10 + (*j->p++ - '0');
    size_t n = (size_t)(j->p - start);
    if (n == 0 || (n > 1 && *start == '0') ||
        (j->p < j->end && ((*j->p >= '0' && *j->p <= '9') || strchr(".eE", *j->p))))
        j->no = true;
    return v;
}

/* Four hex digits of a \u escape; -1 if not. */
static long s_hex4(const char *p)
{
    long v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* The escape at j->p (after the backslash) into out; false if it is one
 * jansson would refuse or treat otherwise (\u0000, a lone surrogate). */
static bool s_escape(jsonlex_t *j, buf_t *out)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *e = j->p < j->end ? strchr(from, *j->p) : NULL;
    if (e && *e) {
        char c = to[e - from];
        j->p++;
        return buf_append(out, &c, 1, NULL) == 0;
    }
    if (j->end - j->p < 5 || *j->p != 'u')
        return false;
    long cp = s_hex4(j->p + 1), lo;
    j->p += 5;
    if (cp >= 0xD800 && cp <= 0xDBFF) { /* a pair: \uD8xx\uDCxx */
        if (j->end - j->p < 6 || j->p[0] != '\\' || j->p[1] != 'u' ||
            (lo = s_hex4(j->p + 2)) < 0xDC00 || lo > 0xDFFF)
            return false;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        j->p += 6;
    }
    if (cp <= 0 || (cp >= 0xD800 && cp <= 0xDFFF))
        return false;
    char enc[4];
    size_t n = utf8_encode((uint32_t)cp, enc);
    return buf_append(out, enc, n, NULL) == 0;
}

/* A string into out (cleared first): runs without escapes are copied
 * whole. The bytes must be UTF-8 without control characters. */
bool jsonlex_str(jsonlex_t *j, buf_t *out)
{
    buf_reset(out);
    if (!jsonlex_lit(j, "\""))
        return false;
    while (j->p < j->end) {
        const char *run = j->p;
        while (j->p < j->end && *j->p != '"' && *j->p != '\\' && (unsigned char)*j->p >= 0x20)
            j->p++;
        if (j->p > run && buf_append(out, run, (size_t)(j->p - run), NULL) != 0)
            break;
        if (j->p == j->end || (unsigned char)*j->p < 0x20)
            break;
        if (*j->p++ == '"')
            return out->len == 0 || utf8_valid(out->data, out->len);
        if (!s_escape(j, out))
            break;
    }
    j->no = true;
    return false;
}

/* Past the digits at p (before e). */
static const char *s_digits(const char *p, const char *e)
{
    while (p < e && *p >= '0' && *p <= '9')
        p++;
    return p;
}

/* The end of the JSON number at p, or NULL if it is not one; *real tells
 * whether it has a fraction or an exponent. */
static const char *s_number_end(const char *p, const char *e, bool *real)
{
    *real = false;
    if (p < e && *p == '-')
        p++;
    const char *digits = p;
    p = s_digits(p, e);
    if (p == digits || (p - digits > 1 && *digits == '0'))
        return NULL;
    if (p < e && *p == '.') {
        const char *f = ++p;
        if ((p = s_digits(p, e)) == f)
            return NULL;
        *real = true;
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        p += p + 1 < e && (p[1] == '+' || p[1] == '-') ? 2 : 1;
        const char *x = p;
        if ((p = s_digits(p, e)) == x)
            return NULL;
        *real = true;
    }
    return p;
}

double jsonlex_real(jsonlex_t *j)
{
    /* A real, as jansson writes one: an integer would be read as one, so
     * it is not of the exact form. */
    bool real;
    const char *p = j->no ? NULL : s_number_end(j->p, j->end, &real);
    char tmp[64];
    if (!p || !real || p - j->p >= (long)sizeof tmp) {
        j->no = true;
        return 0;
    }
    memcpy(tmp, j->p, (size_t)(p - j->p));
    tmp[p - j->p] = '\0';
    j->p = p;
    return strtod(tmp, NULL); /* as jansson reads a real (C locale) */
}
