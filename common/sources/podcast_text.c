/*  podcast_text.c - text primitives the podcast files share: bounded
 *  appends, XML/HTML entity decoding, field normalisation (UTF-8 repair,
 *  whitespace collapse), substring search and tag-end scanning. No parsing
 *  of documents: that is podcast_feed.c and podcast_formats.c.
 *  SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "htmlent.h"
#include "mem.h"
#include "podcast_impl.h"
#include "utf8.h"

/* ---------------------------------------------------------------- text */

bool podcast_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Append what fits of p[0..n) to a field buffer: a field longer than its
 * limit is cut, not refused (a 9 KB title is still a title). */
void podcast_put(buf_t *b, const char *p, size_t n)
{
    size_t room = b->max - b->len;
    if (n > room)
        n = room;
    if (n && buf_append(b, p, n, NULL) != 0)
        return;
}

/* Decode the entity at s ('&'), append it, return the bytes it used, or 0
 * when it is not one we know (the caller then copies the '&'). A numeric
 * reference to no character, or a malformed one, becomes U+FFFD. */
size_t podcast_entity(buf_t *b, const char *s, size_t n)
{
    char enc[HTMLENT_UTF8_MAX];
    size_t m, used = htmlent_ref(s, n, HTMLENT_INVALID_FFFD | HTMLENT_MALFORMED_FFFD, enc, &m);
    if (used)
        podcast_put(b, enc, m);
    return used;
}

/* Append XML text with entities decoded (CDATA is copied as is). */
void podcast_put_decoded(buf_t *b, const char *s, size_t n, bool cdata)
{
    size_t i = 0;
    while (i < n && b->len < b->max) {
        const char *amp = cdata ? NULL : memchr(s + i, '&', n - i);
        size_t run = amp ? (size_t)(amp - (s + i)) : n - i;
        podcast_put(b, s + i, run);
        i += run;
        if (i >= n)
            break;
        size_t used = podcast_entity(b, s + i, n - i);
        if (used == 0) {
            podcast_put(b, "&", 1);
            used = 1;
        }
        i += used;
    }
}

/* A field's final form: valid UTF-8, whitespace runs collapsed to one
 * space, trimmed; NULL when nothing is left. */
char *podcast_field_string(const char *s, size_t n)
{
    size_t rn = 0;
    char *r = utf8_repair(s, n, &rn, NULL);
    size_t o = 0;
    bool space = false;
    for (size_t i = 0; i < rn; i++) {
        if (podcast_is_space(r[i])) {
            space = o > 0;
            continue;
        }
        if (space)
            r[o++] = ' ';
        space = false;
        r[o++] = r[i];
    }
    r[o] = '\0';
    if (o == 0) {
        free(r);
        return NULL;
    }
    return r;
}

/* ---------------------------------------------------------------- search */

/* s[0..n) without surrounding spaces, as a new string; NULL if empty. */
static char *s_trimmed(const char *s, size_t n)
{
    while (n > 0 && podcast_is_space(*s))
        s++, n--;
    while (n > 0 && podcast_is_space(s[n - 1]))
        n--;
    return n ? mem_strndup(s, n) : NULL;
}

char *podcast_author_name(const char *raw)
{
    if (!raw)
        return NULL;
    size_t n = strlen(raw);
    const char *open = strchr(raw, '(');
    const char *close = n ? strrchr(raw, ')') : NULL;
    /* RSS 2.0's form: "address (Name)". */
    if (open && close && close > open && memchr(raw, '@', (size_t)(open - raw)))
        return s_trimmed(open + 1, (size_t)(close - open - 1));
    /* The mail header form: "Name <address>". */
    const char *lt = strchr(raw, '<');
    if (lt && strchr(lt, '@') && strchr(lt, '>'))
        return s_trimmed(raw, (size_t)(lt - raw));
    /* A bare address is no name: it is not shown. */
    if (strchr(raw, '@') && !strchr(raw, ' '))
        return NULL;
    return s_trimmed(raw, n);
}

const char *podcast_find(const char *s, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    const char *end = s + n;
    for (const char *p = s; (size_t)(end - p) >= k; p++) {
        p = memchr(p, needle[0], (size_t)(end - p) - k + 1);
        if (!p)
            return NULL;
        if (memcmp(p, needle, k) == 0)
            return p;
    }
    return NULL;
}

/* podcast_find ignoring ASCII case. */
const char *podcast_find_ci(const char *s, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (strncasecmp(s + i, needle, k) == 0)
            return s + i;
    return NULL;
}

/* Position of the '>' closing a tag that starts at from, skipping quoted
 * attribute values, or NULL. */
const char *podcast_tag_end(const char *p, const char *end)
{
    char quote = 0;
    for (; p < end; p++) {
        if (quote) {
            if (*p == quote)
                quote = 0;
        } else if (*p == '"' || *p == '\'') {
            quote = *p;
        } else if (*p == '>') {
            return p;
        }
    }
    return NULL;
}
