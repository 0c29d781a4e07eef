/*  article_charset.c - the page's bytes as UTF-8 before libxml2 sees them.
 *  Order: a BOM; else bytes that are valid UTF-8 (a legacy label on valid
 *  multi-byte UTF-8 is a stale template, and text the HTTP layer already
 *  converted keeps its old <meta>); else the label of <meta charset>,
 *  <meta http-equiv content="...charset=..."> or <?xml encoding?> in the
 *  first 8 KB; else windows-1252 when nearly all non-ASCII sequences are
 *  not UTF-8 (a mislabelled Latin-1 page), UTF-8 with U+FFFD repairs when
 *  only a few are. Latin-1 and ASCII labels mean windows-1252 (WHATWG). iconv
 *  converts; a label it does not know falls back to the UTF-8 repair.
 *  SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "article_impl.h"
#include "mem.h"
#include "utf8.h"

#define S_SNIFF_BYTES 8192

/* The charset token at p (after "charset=" or "encoding="), lower case. */
static void s_token(const char *p, char *out, size_t cap)
{
    while (*p == ' ' || *p == '"' || *p == '\'')
        p++;
    size_t n = 0;
    while (p[n] && (isalnum((unsigned char)p[n]) || strchr("-_.:", p[n])) && n + 1 < cap) {
        out[n] = (char)tolower((unsigned char)p[n]);
        n++;
    }
    out[n] = '\0';
}

/* The declared label from <meta> or <?xml?> in the head of the page. */
static void s_declared(const char *html, size_t len, char *out, size_t cap)
{
    char head[S_SNIFF_BYTES + 1];
    size_t n = len < S_SNIFF_BYTES ? len : S_SNIFF_BYTES;
    for (size_t i = 0; i < n; i++)
        head[i] = html[i] ? (char)tolower((unsigned char)html[i]) : ' ';
    head[n] = '\0';
    out[0] = '\0';
    for (char *m = strstr(head, "<meta"); m && !out[0]; m = strstr(m + 5, "<meta")) {
        char *gt = strchr(m, '>');
        char *cs = strstr(m, "charset");
        if (!cs || (gt && cs > gt))
            continue;
        cs += 7;
        while (*cs == ' ')
            cs++;
        if (*cs == '=')
            s_token(cs + 1, out, cap);
    }
    char *end = !out[0] && strncmp(head, "<?xml", 5) == 0 ? strstr(head, "?>") : NULL;
    char *enc = end ? strstr(head, "encoding=") : NULL;
    if (enc && enc < end)
        s_token(enc + 9, out, cap);
}

/* The iconv name for a label: "" for UTF-8 (and for UTF-16 labels, which
 * a <meta> cannot truthfully carry), windows-1252 for Latin-1 and ASCII. */
static void s_normalise(char *cs, size_t cap)
{
    static const char *const latin[] = {"iso-8859-1", "iso8859-1", "iso_8859-1", "latin1",
                                        "latin-1",    "l1",        "us-ascii",   "ascii",
                                        "cp1252",     "x-cp1252",  NULL};
    for (const char *const *p = latin; *p; p++) {
        if (strcmp(cs, *p) == 0)
            snprintf(cs, cap, "windows-1252");
    }
    if (strcmp(cs, "gb2312") == 0 || strcmp(cs, "gbk") == 0 || strcmp(cs, "x-gbk") == 0)
        snprintf(cs, cap, "gb18030");
    if (strcmp(cs, "utf-8") == 0 || strcmp(cs, "utf8") == 0 || strncmp(cs, "utf-16", 6) == 0)
        cs[0] = '\0';
}

/* True when nearly all non-ASCII sequences of s are not UTF-8 (more than
 * four in five): a Latin-1 page. A UTF-8 page with a few stray bytes
 * keeps its UTF-8 and gets those repaired. */
static bool s_mostly_not_utf8(const char *s, size_t len)
{
    size_t good = 0, bad = 0;
    for (size_t i = 0; i < len;) {
        if (!((unsigned char)s[i] & 0x80)) {
            i++;
            continue;
        }
        uint32_t cp;
        size_t k = utf8_decode(s + i, len - i, &cp);
        if (cp == 0xFFFD && k == 1)
            bad++;
        else
            good++;
        i += k;
    }
    return bad > 4 * good;
}

/* The charset to convert from into cs ("" for UTF-8) and the bytes of BOM
 * to skip; *valid when the page (without a BOM) is valid UTF-8 as is. */
static size_t s_pick(const char *html, size_t len, char *cs, size_t cap, bool *valid)
{
    const unsigned char *b = (const unsigned char *)html;
    cs[0] = '\0';
    *valid = false;
    if (len >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF)
        return 3;
    if (len >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF))) {
        snprintf(cs, cap, b[0] == 0xFF ? "utf-16le" : "utf-16be");
        return 2;
    }
    if ((*valid = utf8_valid(html, len)))
        return 0;
    s_declared(html, len, cs, cap);
    s_normalise(cs, cap);
    if (!cs[0] && s_mostly_not_utf8(html, len))
        snprintf(cs, cap, "windows-1252");
    return 0;
}

const char *article_to_utf8(const char *html, size_t len, size_t *out_len, char **owned)
{
    char cs[48];
    bool valid;
    size_t skip = s_pick(html, len, cs, sizeof cs, &valid);
    html += skip, len -= skip;
    *owned = NULL;
    if (valid || (skip == 3 && utf8_valid(html, len))) {
        *out_len = len;
        return html;
    }
    char *conv = cs[0] ? utf8_from_charset(cs, html, len, out_len, NULL) : NULL;
    if (!conv || !utf8_valid(conv, *out_len)) {
        char *fixed = utf8_repair(conv ? conv : html, conv ? *out_len : len, out_len, NULL);
        free(conv);
        conv = fixed;
    }
    *owned = conv;
    return conv;
}
