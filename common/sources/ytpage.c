/*  ytpage.c - bounded scanners for YouTube's HTML pages. Every search is a
 *  forward scan over the given bytes; nothing reads past len.
 *  SPDX-License-Identifier: MIT
 */
#include "ytpage.h"

#include <stdint.h>
#include <string.h>

#include "htmlent.h"
#include "jsonspan.h"
#include "mem.h"

#define S_INPUT_BACK 512 /* bytes searched back from name="v" for "<input" */

/* First occurrence of needle in s[from..len), or NULL. */
static const char *s_find(const char *s, size_t len, size_t from, const char *needle)
{
    size_t nn = strlen(needle);
    const char *p = s + from, *end = s + len;
    while (from <= len && (size_t)(end - p) >= nn) {
        p = memchr(p, needle[0], (size_t)(end - p) - nn + 1);
        if (!p || memcmp(p, needle, nn) == 0)
            return p;
        p++;
    }
    return NULL;
}

static bool s_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool ytpage_is_consent(const char *html, size_t len)
{
    return s_find(html, len, 0, "action=\"https://consent.youtube.com/") != NULL;
}

bool ytpage_is_captcha(const char *html, size_t len)
{
    return s_find(html, len, 0, "class=\"g-recaptcha\"") != NULL ||
           s_find(html, len, 0, "www.google.com/recaptcha/api.js") != NULL;
}

char *ytpage_consent_value(const char *html, size_t len)
{
    const char *name = s_find(html, len, 0, "name=\"v\"");
    if (!name)
        return NULL;
    size_t at = (size_t)(name - html);
    size_t back = at > S_INPUT_BACK ? at - S_INPUT_BACK : 0;
    const char *tag = NULL;
    for (const char *p = s_find(html, at, back, "<input"); p;
         p = s_find(html, at, (size_t)(p - html) + 1, "<input"))
        tag = p;
    const char *gt = memchr(name, '>', len - at);
    if (!tag || !gt)
        return NULL;
    size_t tag_end = (size_t)(gt - html);
    const char *v = s_find(html, tag_end, (size_t)(tag - html), "value=\"");
    if (!v)
        return NULL;
    v += 7;
    const char *q = memchr(v, '"', (size_t)(gt - v));
    size_t n = q ? (size_t)(q - v) : 0;
    if (n == 0 || n > YTPAGE_VALUE_MAX)
        return NULL;
    char *out = mem_strndup(v, n);
    out[htmlent_decode(out, n, 0, out)] = '\0';
    return out;
}

static bool s_value_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           strchr("._%=+/-", c) != NULL;
}

char *ytpage_cfg_string(const char *html, size_t len, const char *key)
{
    size_t kn = strlen(key);
    char quoted[128];
    if (kn + 3 > sizeof quoted)
        return NULL;
    quoted[0] = '"';
    memcpy(quoted + 1, key, kn);
    memcpy(quoted + 1 + kn, "\"", 2);
    for (const char *p = s_find(html, len, 0, quoted); p;
         p = s_find(html, len, (size_t)(p - html) + 1, quoted)) {
        const char *q = p + kn + 2, *end = html + len;
        while (q < end && s_space(*q))
            q++;
        if (q >= end || *q++ != ':')
            continue;
        while (q < end && s_space(*q))
            q++;
        if (q >= end || *q++ != '"')
            continue;
        const char *v = q;
        while (q < end && q - v <= YTPAGE_VALUE_MAX && s_value_char(*q))
            q++;
        if (q >= end || *q != '"' || q == v || q - v > YTPAGE_VALUE_MAX)
            return NULL;
        return mem_strndup(v, (size_t)(q - v));
    }
    return NULL;
}

bool ytpage_json_object(const char *html, size_t len, const char *var, size_t *off, size_t *n)
{
    size_t vn = strlen(var);
    for (const char *p = s_find(html, len, 0, var); p;
         p = s_find(html, len, (size_t)(p - html) + 1, var)) {
        const char *q = p + vn, *end = html + len;
        if (q < end && (*q == '"' || *q == '\'') && q + 1 < end && q[1] == ']')
            q += 2;
        while (q < end && s_space(*q))
            q++;
        if (q >= end || *q++ != '=')
            continue;
        while (q < end && s_space(*q))
            q++;
        if (q >= end || *q != '{')
            continue;
        size_t avail = (size_t)(end - q);
        size_t m = jsonspan_len(q, avail < YTPAGE_JSON_MAX ? avail : YTPAGE_JSON_MAX);
        if (m == 0)
            return false;
        *off = (size_t)(q - html);
        *n = m;
        return true;
    }
    return false;
}
