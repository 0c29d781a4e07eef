/*  utf8.c - UTF-8 decoding, repair and offsets (RFC 3629).
 *  SPDX-License-Identifier: MIT
 */
#include "utf8.h"

#include <errno.h>
#include <iconv.h>
#include <string.h>

#include "mem.h"

size_t utf8_decode(const char *s, size_t len, uint32_t *cp)
{
    if (len == 0)
        return 0;
    const unsigned char *u = (const unsigned char *)s;
    uint32_t c = u[0];
    size_t need;
    uint32_t min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        need = 1, min = 0x80, c &= 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2, min = 0x800, c &= 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3, min = 0x10000, c &= 0x07;
    } else {
        *cp = 0xFFFD;
        return 1;
    }
    if (len < need + 1) {
        *cp = 0xFFFD;
        return 1;
    }
    for (size_t i = 1; i <= need; i++) {
        if ((u[i] & 0xC0) != 0x80) {
            *cp = 0xFFFD;
            return 1;
        }
        c = (c << 6) | (u[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
        *cp = 0xFFFD;
        return 1;
    }
    *cp = c;
    return need + 1;
}

size_t utf8_encode(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* A real U+FFFD in the input decodes to 0xFFFD too; tell it apart from an
 * error by the number of bytes used (an error always uses one byte). */
static bool s_is_error(uint32_t cp, size_t used)
{
    return cp == 0xFFFD && used == 1;
}

bool utf8_valid(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        if ((unsigned char)s[i] - 1u < 0x7Fu) { /* ASCII but NUL: most of a page */
            i++;
            continue;
        }
        uint32_t cp;
        size_t n = utf8_decode(s + i, len - i, &cp);
        if (s_is_error(cp, n) || cp == 0)
            return false;
        i += n;
    }
    return true;
}

char *utf8_repair(const char *s, size_t len, size_t *out_len, size_t *n_replaced)
{
    /* Worst case each bad byte becomes three bytes of U+FFFD. */
    char *out = mem_alloc(len * 3 + 1);
    size_t o = 0, bad = 0, i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = utf8_decode(s + i, len - i, &cp);
        if (s_is_error(cp, n) || cp == 0) {
            o += utf8_encode(0xFFFD, out + o);
            bad++;
        } else {
            for (size_t k = 0; k < n; k++)
                out[o++] = s[i + k];
        }
        i += n;
    }
    out[o] = '\0';
    if (out_len)
        *out_len = o;
    if (n_replaced)
        *n_replaced = bad;
    return mem_realloc(out, o + 1);
}

size_t utf8_cp_count(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            n++;
    return n;
}

size_t utf8_byte_offset(const char *s, size_t len, size_t cp)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            if (n == cp)
                return i;
            n++;
        }
    }
    return len;
}

/* One converter for every charset label the sources meet (http bodies,
 * article pages): iconv, with each unconvertible byte as U+FFFD. */
char *utf8_from_charset(const char *cs, const char *in, size_t len, size_t *out_len, size_t *n_bad)
{
    iconv_t cd = iconv_open("UTF-8", cs);
    if (cd == (iconv_t)-1)
        return NULL;
    size_t cap = len * 4 + 16;
    char *out = mem_alloc(cap);
    char *ip = (char *)in, *op = out;
    size_t ileft = len, oleft = cap - 1;
    while (ileft > 0) {
        if (iconv(cd, &ip, &ileft, &op, &oleft) != (size_t)-1)
            break;
        if (errno == E2BIG) {
            size_t used = (size_t)(op - out);
            cap *= 2;
            out = mem_realloc(out, cap);
            op = out + used;
            oleft = cap - 1 - used;
            continue;
        }
        if (oleft < 3) { /* make room for the replacement */
            size_t used = (size_t)(op - out);
            cap *= 2;
            out = mem_realloc(out, cap);
            op = out + used;
            oleft = cap - 1 - used;
        }
        memcpy(op, "\xEF\xBF\xBD", 3); /* EILSEQ or EINVAL: skip one byte */
        op += 3;
        oleft -= 3;
        ip++;
        ileft--;
        if (n_bad)
            (*n_bad)++;
        iconv(cd, NULL, NULL, NULL, NULL);
    }
    iconv_close(cd);
    *op = '\0';
    *out_len = (size_t)(op - out);
    return out;
}
