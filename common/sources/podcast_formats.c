/*  podcast_formats.c - the published transcript formats the generic source
 *  parser does not read: Podcasting 2.0 JSON (to a timed transcript) and
 *  HTML (to paragraphs of plain text). VTT, SRT and text go to source.c.
 *  SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "buf.h"
#include "mem.h"
#include "podcast_impl.h"

/* ---------------------------------------------------------------- JSON transcript */

/* Seconds (a number or a numeric string) at key of seg into *ms. 0 (and
 * *ms = -1 when absent), or -1 when present but not a valid time. */
static int s_json_time(json_t *seg, const char *key, int64_t *ms)
{
    json_t *v = json_object_get(seg, key);
    double secs;
    *ms = -1;
    if (!v || json_is_null(v))
        return 0;
    if (json_is_number(v)) {
        secs = json_number_value(v);
    } else if (json_is_string(v)) {
        char *end;
        secs = strtod(json_string_value(v), &end);
        if (end == json_string_value(v) || *end)
            return -1;
    } else {
        return -1;
    }
    if (!(secs >= 0 && secs < 1e9))
        return -1;
    *ms = (int64_t)llround(secs * 1000);
    return 0;
}

static const char *s_json_speaker(json_t *seg)
{
    const char *s = json_string_value(json_object_get(seg, "speaker"));
    return s && *s ? s : NULL;
}

static bool s_json_many_speakers(json_t *segs)
{
    const char *first = NULL;
    size_t i;
    json_t *seg;
    json_array_foreach(segs, i, seg)
    {
        const char *sp = s_json_speaker(seg);
        if (sp && !first)
            first = sp;
        else if (sp && strcmp(sp, first) != 0)
            return true;
    }
    return false;
}

typedef struct {
    transcript_t *t;
    bool labels;         /* speakers are named (two or more) */
    const char *speaker; /* the last one named, borrowed from the JSON */
    bool para;           /* the last body ended a paragraph */
    buf_t text;          /* scratch */
} s_json_ctx_t;

static int s_json_segment(
    s_json_ctx_t *c, const char *body, int64_t start, int64_t end, const char *sp, err_t *err)
{
    buf_reset(&c->text);
    bool space = false;
    for (const char *p = body; *p; p++) {
        if (podcast_is_space(*p)) {
            space = c->text.len > 0;
            continue;
        }
        if (space)
            podcast_put(&c->text, " ", 1);
        space = false;
        podcast_put(&c->text, p, 1);
    }
    if (c->text.len == 0)
        return 0;
    /* the name as shown: whitespace collapsed, valid UTF-8 (a JSON string
     * may hold newlines and tabs) */
    char *name = sp ? podcast_field_string(sp, strlen(sp)) : NULL;
    bool change = c->labels && name && (!c->speaker || strcmp(sp, c->speaker) != 0);
    char *sep = change ? mem_printf("\n\n%.200s: ", name) : mem_strdup(c->para ? "\n\n" : " ");
    int rc = 0;
    if (change && c->t->len == 0) {
        char *both = mem_printf("%.200s: %s", name, c->text.data);
        rc =
            transcript_append(c->t, NULL, both, strlen(both), (transcript_time_t){start, end}, err);
        free(both);
    } else {
        rc = transcript_append(c->t, sep, c->text.data, c->text.len,
                               (transcript_time_t){start, end}, err);
    }
    free(sep);
    /* the segment is this speaker's, so a snippet in it says "— Name" */
    if (rc == 0 && name)
        transcript_set_speaker(c->t, c->t->n_segs - 1, name, strlen(name));
    free(name);
    if (sp)
        c->speaker = sp;
    size_t bl = strlen(body);
    c->para = bl > 0 && body[bl - 1] == '\n';
    return rc;
}

static int s_json_segments(s_json_ctx_t *c, json_t *segs, err_t *err)
{
    size_t n = json_array_size(segs);
    int64_t prev_end = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *seg = json_array_get(segs, i);
        const char *body = json_string_value(json_object_get(seg, "body"));
        int64_t start, end, next = -1;
        if (!json_is_object(seg) || s_json_time(seg, "startTime", &start) != 0 ||
            s_json_time(seg, "endTime", &end) != 0) {
            err_set(err, LODE_EINVAL,
                    "podcast: JSON transcript segment %zu: bad startTime or endTime", i + 1);
            return -1;
        }
        if (start < 0)
            start = prev_end;
        if (end < 0 && i + 1 < n &&
            s_json_time(json_array_get(segs, i + 1), "startTime", &next) == 0)
            end = next;
        if (end < start)
            end = start;
        prev_end = end;
        if (body && s_json_segment(c, body, start, end, s_json_speaker(seg), err) != 0)
            return -1;
    }
    return 0;
}

transcript_t *podcast_json_transcript(const char *body, size_t len, err_t *err)
{
    json_error_t jerr;
    json_t *root = json_loadb(body ? body : "", body ? len : 0, 0, &jerr);
    json_t *segs = json_object_get(root, "segments");
    if (!json_is_array(segs)) {
        err_set(err, LODE_EINVAL, "podcast: JSON transcript: %s",
                root ? "no \"segments\" array" : jerr.text);
        json_decref(root);
        return NULL;
    }
    s_json_ctx_t c = {.t = transcript_new(), .labels = s_json_many_speakers(segs)};
    buf_init(&c.text, 1u << 20);
    int rc = s_json_segments(&c, segs, err);
    if (rc == 0 && c.t->len == 0) {
        err_set(err, LODE_EEMPTY, "empty transcript: the JSON transcript has no text");
        rc = -1;
    }
    c.t->timed = true;
    buf_free(&c.text);
    json_decref(root);
    if (rc != 0)
        transcript_destroy(&c.t);
    return c.t;
}

/* ---------------------------------------------------------------- HTML transcript */

static bool s_tag_is(const char *name, size_t n, const char *const *list)
{
    for (; *list; list++)
        if (strlen(*list) == n && strncasecmp(name, *list, n) == 0)
            return true;
    return false;
}

typedef struct {
    buf_t out;
    bool after_cite; /* a </cite> label waits for its paragraph */
} s_html_t;

static void s_html_break(s_html_t *h)
{
    while (h->out.len && h->out.data[h->out.len - 1] == ' ')
        h->out.data[--h->out.len] = '\0';
    if (h->out.len >= 2 && h->out.data[h->out.len - 1] == '\n' &&
        h->out.data[h->out.len - 2] == '\n')
        return;
    if (h->out.len)
        podcast_put(&h->out, "\n\n", 2);
}

/* HTML whitespace: one space, none at the start of a paragraph. */
static void s_html_space(s_html_t *h)
{
    char last = h->out.len ? h->out.data[h->out.len - 1] : '\n';
    if (last != ' ' && last != '\n')
        podcast_put(&h->out, " ", 1);
}

/* Handle the tag at s[0..n) ('<' … '>'); returns the bytes to skip from s,
 * which for script, style and time includes their contents. */
static size_t s_html_tag(s_html_t *h, const char *s, const char *end)
{
    static const char *const blocks[] = {
        "p",     "div", "br", "li",      "h1",      "h2",         "h3", "h4",
        "h5",    "h6",  "tr", "section", "article", "blockquote", "ul", "ol",
        "table", "hr",  "dt", "dd",      "header",  "footer",     NULL};
    static const char *const hidden[] = {"script", "style", "time", "head", NULL};
    const char *gt = podcast_tag_end(s, end);
    if (!gt)
        return (size_t)(end - s);
    bool closing = s[1] == '/';
    const char *name = s + 1 + closing;
    size_t nl = 0;
    while (name + nl < gt && isalnum((unsigned char)name[nl]))
        nl++;
    size_t used = (size_t)(gt + 1 - s);
    if (!closing && s_tag_is(name, nl, hidden)) {
        char close[16];
        snprintf(close, sizeof close, "</%.*s", (int)nl, name);
        const char *p = podcast_find_ci(gt, (size_t)(end - gt), close);
        const char *cgt = p ? podcast_tag_end(p, end) : NULL;
        return cgt ? (size_t)(cgt + 1 - s) : (size_t)(end - s);
    }
    if (nl == 4 && strncasecmp(name, "cite", 4) == 0) {
        if (closing) {
            s_html_space(h);
            h->after_cite = true;
        } else {
            s_html_break(h);
        }
    } else if (s_tag_is(name, nl, blocks) && !(h->after_cite && !closing)) {
        s_html_break(h);
    }
    return used;
}

char *podcast_html_text(const char *body, size_t len, size_t *out_len)
{
    s_html_t h = {.after_cite = false};
    buf_init(&h.out, len * 2 + 16);
    const char *s = body ? body : "", *end = s + (body ? len : 0);
    while (s < end) {
        if (*s == '<' && end - s >= 4 && memcmp(s, "<!--", 4) == 0) {
            const char *c = podcast_find(s + 4, (size_t)(end - s - 4), "-->");
            s = c ? c + 3 : end;
        } else if (*s == '<' && end - s > 1 &&
                   (isalpha((unsigned char)s[1]) || s[1] == '/' || s[1] == '!')) {
            s += s_html_tag(&h, s, end);
        } else if (*s == '&') {
            size_t used = podcast_entity(&h.out, s, (size_t)(end - s));
            if (!used)
                podcast_put(&h.out, "&", 1);
            s += used ? used : 1;
            h.after_cite = false;
        } else if (podcast_is_space(*s)) {
            s_html_space(&h);
            s++;
        } else {
            h.after_cite = false;
            podcast_put(&h.out, s, 1);
            s++;
        }
    }
    s_html_break(&h);
    while (h.out.len && h.out.data[h.out.len - 1] == '\n')
        h.out.data[--h.out.len] = '\0';
    if (out_len)
        *out_len = h.out.len;
    return buf_steal(&h.out);
}
