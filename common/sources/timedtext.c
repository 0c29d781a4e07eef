/*  timedtext.c - YouTube caption bodies into transcripts. The XML formats
 *  are regular (flat <p> or <text> elements), so they are read by bounded
 *  forward scans, not an XML library; json3 goes through jansson. Every
 *  event passes one builder that normalises text and merges roll-up
 *  repeats. No I/O, never prints.
 *  SPDX-License-Identifier: MIT
 */
#include "timedtext.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "htmlent.h"
#include "mem.h"
#include "source.h"
#include "utf8.h"

#define S_TAG_MAX  128 /* bytes an inline tag may span before '<' counts as text */
#define S_TEXT_MAX ((size_t)64 << 20)

/* ---------------------------------------------------------------- builder */

/* Collects events into segments. The last event stays pending so the next
 * one can extend it (roll-up) or cut its end. */
typedef struct {
    transcript_t *t; /* owned until handed over */
    buf_t pend;      /* pending segment: normalised lines joined by '\n' */
    int64_t pend_start;
    int64_t pend_end;
    bool has_pend;
    buf_t line; /* scratch: the event being added, normalised */
} s_build_t;

static void s_build_init(s_build_t *b)
{
    memset(b, 0, sizeof *b);
    b->t = transcript_new();
    buf_init(&b->pend, S_TEXT_MAX);
    buf_init(&b->line, S_TEXT_MAX);
}

static void s_build_free(s_build_t *b)
{
    transcript_destroy(&b->t);
    buf_free(&b->pend);
    buf_free(&b->line);
}

static bool s_is_space(const unsigned char *u, size_t n, size_t *w)
{
    if (u[0] == ' ' || u[0] == '\t' || u[0] == '\r' || u[0] == '\f' || u[0] == '\v') {
        *w = 1;
        return true;
    }
    if (n >= 2 && u[0] == 0xC2 && u[1] == 0xA0) {
        *w = 2;
        return true;
    }
    return false;
}

/* A line that is only a sound tag ("[Music]", "(applause)") or music notes. */
static bool s_is_noise(const char *s, size_t n)
{
    if (n >= 2 && ((s[0] == '[' && s[n - 1] == ']') || (s[0] == '(' && s[n - 1] == ')')))
        return memchr(s + 1, s[0], n - 2) == NULL;
    for (size_t i = 0; i < n;) {
        if (s[i] == ' ' || s[i] == '~') {
            i++;
        } else if (n - i >= 3 && memcmp(s + i, "\xE2\x99", 2) == 0 &&
                   (s[i + 2] == '\xAA' || s[i + 2] == '\xAB' || s[i + 2] == '\xAC')) {
            i += 3;
        } else {
            return false;
        }
    }
    return true;
}

/* Append line s[0..n), whitespace collapsed and trimmed, to out (lines
 * separated by '\n'), unless it is empty or noise. */
static int s_put_line(buf_t *out, const char *s, size_t n, err_t *err)
{
    size_t mark = out->len;
    if (out->len && buf_append(out, "\n", 1, err) != 0)
        return -1;
    size_t body = out->len;
    bool gap = false;
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0, w; i < n;) {
        if (s_is_space(u + i, n - i, &w)) {
            gap = out->len > body;
            i += w;
            continue;
        }
        size_t j = i + 1;
        while (j < n && !s_is_space(u + j, n - j, &w))
            j++;
        if ((gap && buf_append(out, " ", 1, err) != 0) || buf_append(out, s + i, j - i, err) != 0)
            return -1;
        gap = false;
        i = j;
    }
    if (out->len == body || s_is_noise(out->data + body, out->len - body)) {
        out->len = mark;
        if (out->data)
            out->data[mark] = '\0';
    }
    return 0;
}

/* Normalise raw event text into b->line: one entry per non-empty line. */
static int s_normalise(s_build_t *b, const char *raw, size_t n, err_t *err)
{
    buf_reset(&b->line);
    size_t i = 0;
    while (i < n) {
        const char *nl = memchr(raw + i, '\n', n - i);
        size_t stop = nl ? (size_t)(nl - raw) : n;
        if (s_put_line(&b->line, raw + i, stop - i, err) != 0)
            return -1;
        i = stop + 1;
    }
    return 0;
}

static int s_flush(s_build_t *b, int64_t next_start, err_t *err)
{
    if (!b->has_pend)
        return 0;
    for (size_t i = 0; i < b->pend.len; i++)
        if (b->pend.data[i] == '\n')
            b->pend.data[i] = ' ';
    int64_t end = b->pend_end;
    if (next_start >= b->pend_start && next_start < end)
        end = next_start;
    b->has_pend = false;
    return transcript_append(b->t, " ", b->pend.data, b->pend.len,
                             (transcript_time_t){b->pend_start, end}, err);
}

static size_t s_last_line_at(const buf_t *p)
{
    for (size_t i = p->len; i > 0; i--)
        if (p->data[i - 1] == '\n')
            return i;
    return 0;
}

/* Roll-up merge of b->line into the pending segment, which is still on
 * screen. 1 if the event was absorbed, -1 on error; else 0, and b->line may
 * have lost a leading line that repeated the pending segment's last line. */
static int s_merge_rollup(s_build_t *b, int64_t end, err_t *err)
{
    const char *nw = b->line.data, *pd = b->pend.data;
    size_t nn = b->line.len, pn = b->pend.len;
    /* The same text again (a multi-word line: "no" twice may be speech). */
    if (nn == pn && memcmp(nw, pd, nn) == 0 && memchr(nw, ' ', nn)) {
        b->pend_end = end > b->pend_end ? end : b->pend_end;
        return 1;
    }
    /* The pending text, grown by more words or lines. */
    if (nn > pn && memcmp(nw, pd, pn) == 0 && (nw[pn] == ' ' || nw[pn] == '\n')) {
        buf_reset(&b->pend);
        b->pend_end = end;
        return buf_append(&b->pend, nw, nn, err) == 0 ? 1 : -1;
    }
    /* Two-line roll-up: the first line repeats the pending last line. */
    const char *nl = memchr(nw, '\n', nn);
    size_t last = s_last_line_at(&b->pend);
    if (nl && (size_t)(nl - nw) == pn - last && memcmp(nw, pd + last, pn - last) == 0) {
        size_t drop = (size_t)(nl - nw) + 1;
        memmove(b->line.data, nw + drop, nn - drop);
        b->line.len = nn - drop;
        b->line.data[b->line.len] = '\0';
    }
    return 0;
}

/* One caption event: raw text (lines separated by '\n'), times in ms. */
static int
s_build_add(s_build_t *b, const char *raw, size_t n, int64_t start, int64_t end, err_t *err)
{
    if (s_normalise(b, raw, n, err) != 0)
        return -1;
    if (b->line.len == 0)
        return 0;
    if (end < start)
        end = start;
    if (b->has_pend && start <= b->pend_end) {
        int merged = s_merge_rollup(b, end, err);
        if (merged != 0)
            return merged < 0 ? -1 : 0;
    }
    if (s_flush(b, start, err) != 0)
        return -1;
    buf_reset(&b->pend);
    if (buf_append(&b->pend, b->line.data, b->line.len, err) != 0)
        return -1;
    b->pend_start = start;
    b->pend_end = end;
    b->has_pend = true;
    return 0;
}

/* Hand over the transcript, or fail with LODE_EEMPTY if it has no text. */
static transcript_t *s_build_finish(s_build_t *b, const char *fmt_name, err_t *err)
{
    if (s_flush(b, -1, err) != 0)
        return NULL;
    if (b->t->len == 0) {
        err_set(err, LODE_EEMPTY, "empty caption body (%s: no text events)", fmt_name);
        return NULL;
    }
    transcript_t *t = b->t;
    b->t = NULL;
    return t;
}

/* ------------------------------------------------------------------ json3 */

/* Milliseconds from a number or a numeric string; -1 if neither. */
static int64_t s_json_ms(const json_t *v)
{
    if (json_is_integer(v))
        return json_integer_value(v);
    if (json_is_real(v))
        return (int64_t)json_real_value(v);
    if (!json_is_string(v))
        return -1;
    const char *s = json_string_value(v);
    char *endp;
    long long ms = strtoll(s, &endp, 10);
    return (endp == s || ms < 0) ? -1 : ms;
}

static int s_json3_event(s_build_t *b, const json_t *ev, buf_t *raw, err_t *err)
{
    const json_t *segs = json_object_get(ev, "segs");
    if (!json_is_array(segs) || json_is_true(json_object_get(ev, "aAppend")) ||
        json_integer_value(json_object_get(ev, "aAppend")) == 1)
        return 0;
    int64_t start = s_json_ms(json_object_get(ev, "tStartMs"));
    int64_t dur = s_json_ms(json_object_get(ev, "dDurationMs"));
    if (start < 0)
        return 0;
    buf_reset(raw);
    size_t i;
    const json_t *seg;
    json_array_foreach(segs, i, seg)
    {
        const char *u = json_string_value(json_object_get(seg, "utf8"));
        if (u && buf_puts(raw, u, err) != 0)
            return -1;
    }
    return s_build_add(b, raw->data ? raw->data : "", raw->len, start, start + (dur > 0 ? dur : 0),
                       err);
}

static int s_parse_json3(s_build_t *b, const char *body, size_t len, err_t *err)
{
    json_error_t jerr;
    json_t *root = json_loadb(body, len, 0, &jerr);
    if (!root) {
        err_set(err, LODE_EINVAL, "malformed json3 caption body: %s (line %d)", jerr.text,
                jerr.line);
        return -1;
    }
    const json_t *events = json_object_get(root, "events");
    buf_t raw;
    buf_init(&raw, S_TEXT_MAX);
    int rc = 0;
    size_t i;
    const json_t *ev;
    json_array_foreach(events, i, ev)
    {
        if ((rc = s_json3_event(b, ev, &raw, err)) != 0)
            break;
    }
    buf_free(&raw);
    json_decref(root);
    return rc;
}

/* -------------------------------------------------------------------- XML */

/* First occurrence of needle in [p, end), or NULL. */
static const char *s_find(const char *p, const char *end, const char *needle)
{
    size_t nn = strlen(needle);
    while (p && (size_t)(end - p) >= nn) {
        p = memchr(p, needle[0], (size_t)(end - p) - nn + 1);
        if (!p || memcmp(p, needle, nn) == 0)
            return p;
        p++;
    }
    return NULL;
}

typedef struct {
    const char *attrs;   /* borrowed: after the element name, before '>' */
    size_t attrs_len;    /* bytes */
    const char *content; /* borrowed: between the start and end tags */
    size_t content_len;  /* bytes; 0 for an empty element */
} s_elem_t;

/* True when c ends an element name: "<p" starts "<p t=…>", not "<pre>". */
static bool s_name_ends(char c)
{
    return c == ' ' || c == '>' || c == '/' || c == '\t' || c == '\n' || c == '\r';
}

/* The '>' closing the start tag whose attributes begin at a, quotes
 * respected; NULL when cut. */
static const char *s_tag_end(const char *a, const char *end)
{
    char quote = 0;
    const char *q = a;
    for (; q < end && (quote || *q != '>'); q++)
        quote = quote ? (*q == quote ? 0 : quote) : ((*q == '"' || *q == '\'') ? *q : 0);
    return q < end ? q : NULL;
}

/* The next <name …>…</name> (or <name …/>) at or after *pp; advances *pp
 * past it. False when there is none. Quotes in attributes are respected. */
static bool s_next_elem(const char **pp, const char *end, const char *name, s_elem_t *el)
{
    char open[32], close[32];
    snprintf(open, sizeof open, "<%s", name);
    snprintf(close, sizeof close, "</%s", name);
    size_t on = strlen(open);
    const char *p = s_find(*pp, end, open);
    while (p && (p + on >= end || !s_name_ends(p[on])))
        p = s_find(p + 1, end, open);
    if (!p)
        return false;
    const char *a = p + on, *q = s_tag_end(a, end);
    if (!q)
        return false;
    el->attrs = a;
    el->attrs_len = (size_t)(q - a);
    el->content = q + 1;
    if (q > a && q[-1] == '/') {
        el->content_len = 0;
        *pp = q + 1;
        return true;
    }
    const char *c = s_find(q + 1, end, close);
    el->content_len = (size_t)((c ? c : end) - (q + 1));
    *pp = c ? c + strlen(close) : end;
    return true;
}

/* Value of attribute name in attrs, or NULL; *n gets its length. */
static const char *s_attr(const s_elem_t *el, const char *name, size_t *n)
{
    size_t nn = strlen(name);
    const char *p = el->attrs, *end = el->attrs + el->attrs_len;
    for (p = s_find(p, end, name); p; p = s_find(p + 1, end, name)) {
        const char *q = p + nn;
        bool starts = p == el->attrs || p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\n';
        if (!starts || q + 1 >= end || *q != '=' || (q[1] != '"' && q[1] != '\''))
            continue;
        const char *v = q + 2;
        const char *ve = memchr(v, q[1], (size_t)(end - v));
        if (!ve)
            return NULL;
        *n = (size_t)(ve - v);
        return v;
    }
    return NULL;
}

/* Milliseconds from "1234" (scale 1) or decimal seconds "1.54" (scale
 * 1000); -1 when missing or malformed. */
static int64_t s_attr_ms(const s_elem_t *el, const char *name, int scale)
{
    size_t n = 0;
    const char *v = s_attr(el, name, &n);
    if (!v || n == 0 || n > 20)
        return -1;
    int64_t whole = 0, frac = 0, frac_scale = 1;
    size_t i = 0;
    for (; i < n && v[i] >= '0' && v[i] <= '9'; i++)
        whole = whole * 10 + (v[i] - '0');
    if (i < n && v[i] == '.' && scale > 1)
        for (i++; i < n && v[i] >= '0' && v[i] <= '9'; i++)
            if (frac_scale < scale) {
                frac = frac * 10 + (v[i] - '0');
                frac_scale *= 10;
            }
    if (i == 0 || (i < n && scale == 1))
        return -1;
    return whole * scale + frac * (scale / frac_scale);
}

/* Length of the tag at s[0] == '<' (s[0..n)), or 0 when it is text: no
 * letter, '/' or '!' after it, or no '>' within S_TAG_MAX. */
static size_t s_tag_len(const char *s, size_t n)
{
    const char *gt = memchr(s, '>', n < S_TAG_MAX ? n : S_TAG_MAX);
    char c = n > 1 ? s[1] : 0;
    bool tag = gt && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '/' || c == '!');
    return tag ? (size_t)(gt - s) + 1 : 0;
}

/* Copy s[0..n) to out without tags; <br> becomes a newline. A '<' that
 * does not start a tag (s_tag_len) is text. */
static int s_strip_tags(const char *s, size_t n, buf_t *out, err_t *err)
{
    size_t i = 0;
    while (i < n) {
        const char *lt = memchr(s + i, '<', n - i);
        size_t plain = lt ? (size_t)(lt - (s + i)) : n - i;
        if (buf_append(out, s + i, plain, err) != 0)
            return -1;
        i += plain;
        if (i >= n)
            break;
        size_t tag = s_tag_len(s + i, n - i);
        if (tag == 0) {
            if (buf_append(out, "<", 1, err) != 0)
                return -1;
            i++;
            continue;
        }
        bool br =
            tag > 2 && (s[i + 1] == 'b' || s[i + 1] == 'B') && (s[i + 2] == 'r' || s[i + 2] == 'R');
        if (br && buf_append(out, "\n", 1, err) != 0)
            return -1;
        i += tag;
    }
    return 0;
}

/* Unescape the text in b (in place). */
static void s_unescape_buf(buf_t *b)
{
    if (!b->data)
        return;
    b->len = htmlent_decode(b->data, b->len, 0, b->data);
    b->data[b->len] = '\0';
}

/* srv3 <p t d>: tags (the <s> words) out, then entities decoded once. */
static int s_srv3_elem(s_build_t *b, const s_elem_t *el, buf_t *raw, err_t *err)
{
    int64_t t = s_attr_ms(el, "t", 1), d = s_attr_ms(el, "d", 1);
    if (t < 0 || el->content_len == 0)
        return 0;
    buf_reset(raw);
    if (s_strip_tags(el->content, el->content_len, raw, err) != 0)
        return -1;
    s_unescape_buf(raw);
    return s_build_add(b, raw->data ? raw->data : "", raw->len, t, t + (d > 0 ? d : 0), err);
}

/* Legacy <text start dur>: XML-decoded, then HTML-decoded (the text was
 * escaped twice), then markup that was escaped ("&lt;i>") is dropped. */
static int s_legacy_elem(s_build_t *b, const s_elem_t *el, buf_t *raw, err_t *err)
{
    int64_t t = s_attr_ms(el, "start", 1000), d = s_attr_ms(el, "dur", 1000);
    if (t < 0 || el->content_len == 0)
        return 0;
    char *tmp = mem_alloc(el->content_len + 1);
    size_t n = htmlent_decode(el->content, el->content_len, 0, tmp);
    n = htmlent_decode(tmp, n, 0, tmp);
    buf_reset(raw);
    int rc = s_strip_tags(tmp, n, raw, err);
    free(tmp);
    if (rc != 0)
        return -1;
    return s_build_add(b, raw->data ? raw->data : "", raw->len, t, t + (d > 0 ? d : 0), err);
}

static int
s_parse_xml(s_build_t *b, const char *body, size_t len, timedtext_format_t fmt, err_t *err)
{
    const char *p = body, *end = body + len;
    s_elem_t el;
    buf_t raw;
    buf_init(&raw, S_TEXT_MAX);
    int rc = 0;
    /* srv3 documents have been seen wrapping legacy <text> children. */
    bool srv3_p = fmt == TIMEDTEXT_SRV3 && s_find(body, end, "<text") == NULL;
    if (srv3_p) {
        const char *bodytag = s_find(body, end, "<body");
        p = bodytag ? bodytag : body;
        while (rc == 0 && s_next_elem(&p, end, "p", &el))
            rc = s_srv3_elem(b, &el, &raw, err);
    } else {
        while (rc == 0 && s_next_elem(&p, end, "text", &el))
            rc = s_legacy_elem(b, &el, &raw, err);
    }
    buf_free(&raw);
    return rc;
}

/* -------------------------------------------------------------------- API */

static const char *s_skip_prolog(const char *p, const char *end)
{
    if (end - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    for (;;) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
            p++;
        if (end - p >= 5 && (memcmp(p, "<?xml", 5) == 0 || memcmp(p, "<!--", 4) == 0)) {
            const char *close = s_find(p, end, p[1] == '?' ? "?>" : "-->");
            if (!close)
                return end;
            p = close + (p[1] == '?' ? 2 : 3);
            continue;
        }
        return p;
    }
}

timedtext_format_t timedtext_sniff(const char *body, size_t len)
{
    const char *end = body + len;
    const char *p = s_skip_prolog(body, end);
    size_t n = (size_t)(end - p);
    if (n >= 1 && *p == '{')
        return TIMEDTEXT_JSON3;
    if (n >= 6 && memcmp(p, "WEBVTT", 6) == 0)
        return TIMEDTEXT_VTT;
    if (n >= 10 && memcmp(p, "<timedtext", 10) == 0)
        return TIMEDTEXT_SRV3;
    if (n >= 11 && memcmp(p, "<transcript", 11) == 0)
        return TIMEDTEXT_LEGACY;
    return TIMEDTEXT_UNKNOWN;
}

const char *timedtext_format_name(timedtext_format_t fmt)
{
    switch (fmt) {
    case TIMEDTEXT_JSON3:
        return "json3";
    case TIMEDTEXT_SRV3:
        return "srv3";
    case TIMEDTEXT_LEGACY:
        return "srv1";
    case TIMEDTEXT_VTT:
        return "vtt";
    default:
        return "unknown";
    }
}

static transcript_t *s_parse_vtt(const char *body, size_t len, err_t *err)
{
    source_meta_t meta = {0};
    transcript_t *t = source_parse(NULL, body, len, SOURCE_FMT_VTT, &meta, err);
    source_meta_clear(&meta);
    if (!t && err && err->code == LODE_EEMPTY) {
        err_clear(err);
        err_set(err, LODE_EEMPTY, "empty caption body (vtt: no text cues)");
    }
    return t;
}

transcript_t *timedtext_parse(const char *body, size_t len, timedtext_format_t fmt, err_t *err)
{
    if (len > TIMEDTEXT_MAX_BYTES) {
        err_set(err, LODE_ETOOBIG, "caption body of %zu bytes is over %u", len,
                TIMEDTEXT_MAX_BYTES);
        return NULL;
    }
    if (fmt == TIMEDTEXT_UNKNOWN)
        fmt = timedtext_sniff(body, len);
    if (fmt == TIMEDTEXT_UNKNOWN) {
        bool blank = s_skip_prolog(body, body + len) == body + len;
        err_set(err, blank ? LODE_EEMPTY : LODE_EUNSUPPORTED,
                blank ? "empty caption body (0 bytes of text)" : "unrecognised caption format");
        return NULL;
    }
    if (fmt == TIMEDTEXT_VTT)
        return s_parse_vtt(body, len, err);
    char *fixed = NULL;
    if (!utf8_valid(body, len)) {
        fixed = utf8_repair(body, len, &len, NULL);
        body = fixed;
    }
    s_build_t b;
    s_build_init(&b);
    int rc = fmt == TIMEDTEXT_JSON3 ? s_parse_json3(&b, body, len, err)
                                    : s_parse_xml(&b, body, len, fmt, err);
    transcript_t *t = rc == 0 ? s_build_finish(&b, timedtext_format_name(fmt), err) : NULL;
    s_build_free(&b);
    free(fixed);
    return t;
}
