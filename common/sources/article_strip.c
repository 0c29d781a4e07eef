/*  article_strip.c - the page without the bodies of its <script> and
 *  <style> elements, before libxml2 reads them. A third of a page's bytes
 *  are scripts and style sheets; libxml2 walks them a character at a time
 *  into text nodes that the extractor never reads (it skips both tags),
 *  so dropping them first saves a sixth of the parse.
 *
 *  The rule that keeps this safe: bytes are dropped only where libxml2
 *  (2.9.14, HTML_PARSE_RECOVER) itself reads raw script or style text, so
 *  the scan tokenises as its parser does:
 *  - a start tag needs an ASCII letter after its '<' and is read attribute
 *    by attribute (quoted values may hold '>' or "<script>"; a bogus
 *    attribute runs to a blank, '>' or "/>"); "<script/>" has no body;
 *  - comments run to the first "-->" or "--!>"; an end tag runs to its
 *    first '>'; any other '<' (but "<!DOCTYPE" and "<?") is text;
 *  - a body ends at "</script" or "</style" of its own name; libxml2 reads
 *    an end tag there, to its first '>', and drops one of another name
 *    ("</scriptx>") and goes on; an end tag right after the start tag is
 *    read as one, so cutting stops there;
 *  - a doctype or processing instruction is skipped to its '>' when no '<'
 *    comes first, which is safe whatever libxml2 makes of it.
 *  Anything the scan cannot follow for sure (that '<', a quote or comment
 *  that never closes) ends the cutting: the rest goes to libxml2 as it is.
 *  fuzz_article checks the rule against libxml2's own tree. A body of
 *  JSON-LD (type ld+json) is kept: the metadata reads it.
 *  SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE /* memmem */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "article_impl.h"
#include "mem.h"

static bool s_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool s_letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* libxml2's htmlParseHTMLName: a letter, '_', ':' or '.' first, then
 * letters, digits, ':', '-', '_' and '.'. */
static bool s_name_start(char c)
{
    return s_letter(c) || c == '_' || c == ':' || c == '.';
}

static bool s_name_char(char c)
{
    return s_name_start(c) || (c >= '0' && c <= '9') || c == '-';
}

static bool s_self_close(const char *s, size_t len, size_t p)
{
    return s[p] == '/' && p + 1 < len && s[p + 1] == '>';
}

/* An attribute value after its '=' at s[p - 1]: quoted, to the same
 * quote ('>' and all; len when it never closes), or to a blank or '>'. */
static size_t s_value(const char *s, size_t len, size_t p)
{
    while (p < len && s_blank(s[p]))
        p++;
    if (p < len && (s[p] == '"' || s[p] == '\'')) {
        const char *q = memchr(s + p + 1, s[p], len - p - 1);
        return q ? (size_t)(q - s) + 1 : len;
    }
    while (p < len && !s_blank(s[p]) && s[p] != '>')
        p++;
    return p;
}

/* One attribute from s[p] (not blank, '>' or "/>"); returns where it
 * ends, len when a quoted value never closes. */
static size_t s_attribute(const char *s, size_t len, size_t p)
{
    if (!s_name_start(s[p])) { /* bogus: to a blank, '>' or "/>", quotes or not */
        while (p < len && !s_blank(s[p]) && s[p] != '>' && !s_self_close(s, len, p))
            p++;
        return p;
    }
    while (p < len && s_name_char(s[p]))
        p++;
    while (p < len && s_blank(s[p]))
        p++;
    return p < len && s[p] == '=' ? s_value(s, len, p + 1) : p;
}

/* The end of the start tag whose name begins at s[p]: just past its '>'
 * (*self for "/>"), or len when it never ends. */
static size_t s_start_tag(const char *s, size_t len, size_t p, bool *self)
{
    while (p < len && s_name_char(s[p]))
        p++;
    for (;;) {
        while (p < len && s_blank(s[p]))
            p++;
        if (p >= len)
            return len;
        if (s[p] == '>' || s_self_close(s, len, p)) {
            *self = s[p] == '/';
            return p + (*self ? 2 : 1);
        }
        p = s_attribute(s, len, p);
    }
}

/* The raw-text element ("script" or "style") a start tag at s[i] opens,
 * NULL for any other. */
static const char *s_raw_name(const char *s, size_t len, size_t i)
{
    static const char *const names[] = {"script", "style"};
    for (size_t k = 0; k < 2; k++) {
        size_t n = strlen(names[k]);
        if (i + 1 + n < len && strncasecmp(s + i + 1, names[k], n) == 0 &&
            !s_name_char(s[i + 1 + n]))
            return names[k];
    }
    return NULL;
}

/* Where the body of raw element name, starting at s[p], ends: at its
 * "</name" end tag, or len. libxml2 stops the body at every "</name..."
 * and reads an end tag there, to its first '>': one for another name
 * ("</scriptx>", "</script5") is dropped and the body goes on after it. */
static size_t s_raw_end(const char *s, size_t len, size_t p, const char *name)
{
    size_t n = strlen(name);
    for (const char *q; p < len && (q = memchr(s + p, '<', len - p));) {
        size_t at = (size_t)(q - s);
        if (at + 2 + n > len || q[1] != '/' || strncasecmp(q + 2, name, n) != 0) {
            p = at + 1;
            continue;
        }
        const char *gt = memchr(q, '>', len - at);
        if (!gt)
            return len;
        if (!s_name_char(q[2 + n]))
            return at;
        p = (size_t)(gt - s) + 1;
    }
    return len;
}

/* Does s[0..n) contain word (lower case), in any case? */
static bool s_has_ci(const char *s, size_t n, const char *word)
{
    size_t w = strlen(word);
    for (size_t i = 0; i + w <= n; i++) {
        if ((s[i] | 0x20) == word[0] && strncasecmp(s + i, word, w) == 0)
            return true;
    }
    return false;
}

/* Past the next '>' after s[p], when no '<' comes before it: whatever
 * libxml2 makes of such a span (a processing instruction, a doctype, or
 * text), it starts nothing there and goes on at the same '<' after it as
 * the scan does. len (stop cutting) otherwise. */
static size_t s_skip_to_gt(const char *s, size_t len, size_t p)
{
    const char *gt = memchr(s + p, '>', len - p);
    if (!gt || memchr(s + p, '<', (size_t)(gt - s) - p))
        return len;
    return (size_t)(gt - s) + 1;
}

/* The same for <!DOCTYPE ...>, whose quoted literals may hold '>'. */
static size_t s_doctype(const char *s, size_t len, size_t p)
{
    for (; p < len && s[p] != '>' && s[p] != '<'; p++) {
        if (s[p] == '"' || s[p] == '\'') {
            const char *q = memchr(s + p + 1, s[p], len - p - 1);
            if (!q || memchr(s + p + 1, '<', (size_t)(q - s) - p - 1))
                return len;
            p = (size_t)(q - s);
        }
    }
    return p < len && s[p] == '>' ? p + 1 : len;
}

/* A start tag at s[i]: where it (and a raw body it opens) ends, and in
 * [*drop, *drop_end) the body to leave out. */
static size_t s_element(const char *s, size_t len, size_t i, size_t *drop, size_t *drop_end)
{
    bool self = false;
    size_t end = s_start_tag(s, len, i + 1, &self);
    const char *raw = s_raw_name(s, len, i);
    if (!raw || self || end >= len)
        return end;
    size_t body_end = s_raw_end(s, len, end, raw);
    /* libxml2 reads an end tag before any raw text: "</li>" there closes
     * elements, and the scan does not follow that */
    if (end + 1 < len && s[end] == '<' && s[end + 1] == '/')
        return body_end == end ? end : len;
    if (body_end >= len || s_has_ci(s + i, end - i, "ld+json"))
        return body_end; /* no end tag (libxml2 reads to the end), or JSON-LD: kept */
    *drop = end;
    *drop_end = body_end;
    return body_end;
}

/* Past the end of a comment whose text starts at s[p]: its first "-->"
 * or "--!>" (libxml2 2.9.14 takes both); len when it never closes. */
static size_t s_comment_end(const char *s, size_t len, size_t p)
{
    for (const char *h; p < len && (h = memmem(s + p, len - p, "--", 2)); p = (size_t)(h - s) + 1) {
        size_t at = (size_t)(h - s);
        if (at + 2 < len && s[at + 2] == '>')
            return at + 3;
        if (at + 3 < len && s[at + 2] == '!' && s[at + 3] == '>')
            return at + 4;
    }
    return len;
}

/* Where the construct at s[i] == '<' ends, as libxml2 2.9's HTML parser
 * reads it (checked against it: test_article_strip, fuzz_article), and in
 * [*drop, *drop_end) a raw body to leave out (empty when none); len when
 * the scan cannot follow the parser any further. */
static size_t s_construct(const char *s, size_t len, size_t i, size_t *drop, size_t *drop_end)
{
    *drop = *drop_end = 0;
    char c = i + 1 < len ? s[i + 1] : '\0';
    char c2 = i + 2 < len ? s[i + 2] : '\0';
    if (s_letter(c)) /* a start tag: only after an ASCII letter */
        return s_element(s, len, i, drop, drop_end);
    if (c == '!' && c2 == '-' && i + 3 < len && s[i + 3] == '-')
        return s_comment_end(s, len, i + 4);
    if (c == '!' && i + 9 <= len && strncasecmp(s + i + 2, "DOCTYPE", 7) == 0)
        return s_doctype(s, len, i + 9);
    if (c == '/' && s_name_start(c2)) { /* an end tag: to its first '>', quotes or not */
        const char *gt = memchr(s + i + 2, '>', len - i - 2);
        return gt ? (size_t)(gt - s) + 1 : len;
    }
    if (c == '/') /* "</" before a non-name: the two bytes are taken, then text */
        return i + 2;
    if (c == '?')
        return s_skip_to_gt(s, len, i + 2);
    return i + 1; /* any other '<' is text */
}

char *article_strip_raw(const char *s, size_t len, size_t *out_len)
{
    char *out = NULL;
    size_t o = 0, copied = 0; /* s[0..copied) is dealt with */
    for (size_t i = 0; i < len;) {
        const char *lt = memchr(s + i, '<', len - i);
        if (!lt)
            break;
        size_t drop, drop_end;
        i = s_construct(s, len, (size_t)(lt - s), &drop, &drop_end);
        if (drop_end <= drop)
            continue;
        if (!out)
            out = mem_alloc(len + 1);
        memcpy(out + o, s + copied, drop - copied);
        o += drop - copied;
        copied = drop_end;
    }
    if (!out)
        return NULL;
    memcpy(out + o, s + copied, len - copied);
    o += len - copied;
    out[o] = '\0';
    *out_len = o;
    return out;
}
