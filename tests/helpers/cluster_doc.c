/*  cluster_doc.c - checks an exported JSON document for the invariants
 *  every done job has (DESIGN.md): quotes equal to their transcript
 *  slices, segments inside the text, times inside their cues.
 *  SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cluster.h"

static bool s_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static bool s_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "cluster_doc_check: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    return false;
}

/* The segment holding code point cp, else the first one after it. */
static json_t *s_segment_at(json_t *segs, json_int_t cp)
{
    size_t i;
    json_t *seg;
    json_t *after = NULL;
    json_array_foreach(segs, i, seg)
    {
        json_int_t off = json_integer_value(json_object_get(seg, "offset"));
        json_int_t len = json_integer_value(json_object_get(seg, "length"));
        if (cp >= off && cp < off + len)
            return seg;
        if (off > cp && !after)
            after = seg;
    }
    return after;
}

static bool s_check_segments(json_t *segs, size_t n_cp, bool timed)
{
    if (!json_is_array(segs))
        return s_fail("transcript.segments is not an array");
    size_t i;
    json_t *seg;
    json_array_foreach(segs, i, seg)
    {
        json_int_t off = json_integer_value(json_object_get(seg, "offset"));
        json_int_t len = json_integer_value(json_object_get(seg, "length"));
        if (off < 0 || len < 0 || (size_t)(off + len) > n_cp)
            return s_fail("segment %zu [%lld,+%lld] outside %zu code points", i, (long long)off,
                          (long long)len, n_cp);
        json_t *start = json_object_get(seg, "start_ms"), *end = json_object_get(seg, "end_ms");
        if (timed && (!json_is_integer(start) || !json_is_integer(end) ||
                      json_integer_value(start) > json_integer_value(end)))
            return s_fail("segment %zu has no valid start_ms/end_ms", i);
    }
    return true;
}

static bool s_check_time(json_t *snip, json_t *segs, size_t i)
{
    json_t *start = json_object_get(snip, "start_ms");
    if (!json_is_integer(start))
        return s_fail("snippet %zu of a timed source has no start_ms", i);
    json_t *seg = s_segment_at(segs, json_integer_value(json_object_get(snip, "offset")));
    json_int_t t = json_integer_value(start);
    json_int_t lo = seg ? json_integer_value(json_object_get(seg, "start_ms")) : -1;
    json_int_t hi = seg ? json_integer_value(json_object_get(seg, "end_ms")) : -1;
    if (!seg || t < lo || t > hi)
        return s_fail("snippet %zu start_ms %lld outside its cue [%lld, %lld]", i, (long long)t,
                      (long long)lo, (long long)hi);
    return true;
}

static bool s_check_snippet(json_t *snip, const char *text, json_t *segs, bool timed, size_t i)
{
    json_t *off = json_object_get(snip, "offset"), *len = json_object_get(snip, "length");
    const char *quote = json_string_value(json_object_get(snip, "quote"));
    const char *comment = json_string_value(json_object_get(snip, "commentary"));
    if (!json_is_integer(off) || !json_is_integer(len) || !quote || json_integer_value(len) <= 0 ||
        json_integer_value(off) < 0)
        return s_fail("snippet %zu lacks offset/length/quote", i);
    char *slice =
        cluster_utf8_slice(text, (size_t)json_integer_value(off), (size_t)json_integer_value(len));
    bool same = slice && strcmp(slice, quote) == 0;
    if (!same)
        s_fail("snippet %zu quote is not text[%lld:+%lld]:\n  quote: %.200s\n  slice: %.200s", i,
               (long long)json_integer_value(off), (long long)json_integer_value(len), quote,
               slice ? slice : "(out of range)");
    free(slice);
    if (!same)
        return false;
    if (!comment || !*comment)
        return s_fail("snippet %zu has no commentary", i);
    if (!json_is_boolean(json_object_get(snip, "kept")))
        return s_fail("snippet %zu has no boolean kept", i);
    return !timed || s_check_time(snip, segs, i);
}

static int s_doc_fail(const char *what, const char *detail)
{
    s_fail("%s%s", what, detail ? detail : "");
    return -1;
}

static int s_doc_check(json_t *doc, bool timed)
{
    const char *state = json_string_value(json_object_get(doc, "state"));
    if (!state || strcmp(state, "done") != 0)
        return s_doc_fail("state is not done: ", state ? state : "(missing)");
    json_t *tr = json_object_get(doc, "transcript");
    const char *text = json_string_value(json_object_get(tr, "text"));
    size_t n_cp = text ? cluster_utf8_len(text) : SIZE_MAX;
    if (n_cp == SIZE_MAX)
        return s_doc_fail("transcript.text missing or not valid UTF-8", NULL);
    json_t *segs = json_object_get(tr, "segments");
    if (!s_check_segments(segs, n_cp, timed))
        return -1;
    json_t *snips = json_object_get(doc, "snippets");
    if (!json_is_array(snips))
        return s_doc_fail("snippets is not an array", NULL);
    size_t i;
    json_t *snip;
    json_array_foreach(snips, i, snip)
    {
        if (!s_check_snippet(snip, text, segs, timed, i))
            return -1;
    }
    return (int)json_array_size(snips);
}

int cluster_doc_check(const char *export_json, bool timed)
{
    json_error_t jerr;
    json_t *doc = export_json ? json_loads(export_json, 0, &jerr) : NULL;
    if (!doc) {
        s_fail("export is not JSON: %s", export_json ? jerr.text : "(no output)");
        return -1;
    }
    int n = s_doc_check(doc, timed);
    json_decref(doc);
    return n;
}
