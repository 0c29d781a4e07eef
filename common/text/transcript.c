/*  transcript.c - text with segments, and its JSON form (jansson).
 *  SPDX-License-Identifier: MIT
 */
#include "transcript.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "jsonlex.h"
#include "mem.h"
#include "utf8.h"

#define TRANSCRIPT_MAX_BYTES (256u * 1024 * 1024)

transcript_t *transcript_new(void)
{
    transcript_t *self = mem_calloc(1, sizeof *self);
    self->text = mem_strdup("");
    return self;
}

void transcript_destroy(transcript_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    transcript_t *self = *self_p;
    free(self->text);
    free(self->segs);
    for (size_t i = 0; i < self->n_speakers; i++)
        free(self->speakers[i]);
    free(self->speakers);
    free(self->cp_marks);
    free(self);
    *self_p = NULL;
}

int transcript_append(transcript_t *self,
                      const char *sep,
                      const char *text,
                      size_t len,
                      transcript_time_t at,
                      err_t *err)
{
    size_t sep_len = (self->len && sep) ? strlen(sep) : 0;
    if (len + sep_len > TRANSCRIPT_MAX_BYTES - self->len) {
        err_set(err, LODE_ETOOBIG, "transcript over %u bytes", TRANSCRIPT_MAX_BYTES);
        return -1;
    }
    self->text = mem_realloc(self->text, self->len + sep_len + len + 1);
    /* memcpy from NULL is undefined even for 0 bytes (sep may be NULL). */
    if (sep_len)
        memcpy(self->text + self->len, sep, sep_len);
    self->len += sep_len;
    if (len)
        memcpy(self->text + self->len, text, len);
    if (self->n_segs == self->cap_segs) {
        self->cap_segs = self->cap_segs ? self->cap_segs * 2 : 16;
        self->segs = mem_realloc(self->segs, self->cap_segs * sizeof *self->segs);
    }
    self->segs[self->n_segs++] = (transcript_seg_t){
        .start_ms = at.start_ms, .end_ms = at.end_ms, .offset = self->len, .length = len};
    self->len += len;
    self->text[self->len] = '\0';
    if (at.start_ms >= 0)
        self->timed = true;
    return 0;
}

void transcript_set_speaker(transcript_t *self, size_t seg, const char *name, size_t len)
{
    while (len && (name[0] == ' ' || name[0] == '\t'))
        name++, len--;
    while (len && (name[len - 1] == ' ' || name[len - 1] == '\t'))
        len--;
    if (!self || seg >= self->n_segs || len == 0 || len > TRANSCRIPT_MAX_SPEAKER_NAME ||
        !utf8_valid(name, len))
        return;
    size_t i = 0;
    while (i < self->n_speakers &&
           !(strlen(self->speakers[i]) == len && memcmp(self->speakers[i], name, len) == 0))
        i++;
    if (i == self->n_speakers) {
        if (self->n_speakers >= TRANSCRIPT_MAX_SPEAKERS)
            return;
        self->speakers =
            mem_realloc(self->speakers, (self->n_speakers + 1) * sizeof *self->speakers);
        self->speakers[self->n_speakers++] = mem_strndup(name, len);
    }
    self->segs[seg].speaker = (uint32_t)i + 1;
}

/* The segment holding byte offset, or the next one after a gap; n_segs
 * when there is none. */
static size_t s_seg_at(const transcript_t *self, size_t offset)
{
    size_t lo = 0, hi = self->n_segs;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (self->segs[mid].offset <= offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo > 0 && offset < self->segs[lo - 1].offset + self->segs[lo - 1].length)
        return lo - 1;
    return lo;
}

const char *transcript_speaker_at(const transcript_t *self, size_t offset)
{
    if (!self || self->n_speakers == 0)
        return NULL;
    size_t i = s_seg_at(self, offset);
    uint32_t sp = i < self->n_segs ? self->segs[i].speaker : 0;
    return sp ? self->speakers[sp - 1] : NULL;
}

int64_t transcript_time_at(const transcript_t *self, size_t offset)
{
    if (!self->timed)
        return -1;
    /* Segments are sorted by offset: find the last one starting at or
     * before offset; if offset falls in the gap after it, use the next. */
    size_t lo = 0, hi = self->n_segs;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (self->segs[mid].offset <= offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo > 0) {
        const transcript_seg_t *s = &self->segs[lo - 1];
        if (offset < s->offset + s->length)
            return s->start_ms;
    }
    return lo < self->n_segs ? self->segs[lo].start_ms : -1;
}

#define S_CP_STEP 64 /* code points between two marks of the index */

/* The index of transcript_cp and transcript_byte, for the text as it is. */
static transcript_t *s_cp_index(const transcript_t *self)
{
    transcript_t *t = (transcript_t *)self; /* the index is a cache, not state */
    if (t->cp_marks && t->cp_text == t->text && t->cp_len == t->len)
        return t;
    free(t->cp_marks);
    t->cp_marks = mem_alloc((t->len / S_CP_STEP + 2) * sizeof *t->cp_marks);
    size_t n = 0, cp = 0;
    for (size_t i = 0; i < t->len; i++) {
        if (((unsigned char)t->text[i] & 0xC0) == 0x80)
            continue;
        if (cp++ % S_CP_STEP == 0)
            t->cp_marks[n++] = i;
    }
    t->n_cp_marks = n;
    t->n_cp = cp;
    t->cp_text = t->text;
    t->cp_len = t->len;
    return t;
}

size_t transcript_cp(const transcript_t *self, size_t offset)
{
    transcript_t *t = s_cp_index(self);
    if (offset > t->len)
        offset = t->len;
    size_t lo = 0, hi = t->n_cp_marks; /* the last mark at or before offset */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->cp_marks[mid] <= offset)
            lo = mid;
        else
            hi = mid;
    }
    if (t->n_cp_marks == 0)
        return 0;
    size_t at = t->cp_marks[lo];
    return lo * S_CP_STEP + utf8_cp_count(t->text + at, offset - at);
}

size_t transcript_byte(const transcript_t *self, size_t cp)
{
    transcript_t *t = s_cp_index(self);
    if (cp >= t->n_cp)
        return t->len;
    size_t k = cp / S_CP_STEP, at = t->cp_marks[k];
    return at + utf8_byte_offset(t->text + at, t->len - at, cp - k * S_CP_STEP);
}

size_t transcript_cp_from(const transcript_t *self, transcript_cursor_t *c, size_t offset)
{
    if (offset > self->len)
        offset = self->len;
    if (offset < c->byte)
        *c = (transcript_cursor_t){0, 0};
    c->cp += utf8_cp_count(self->text + c->byte, offset - c->byte);
    c->byte = offset;
    return c->cp;
}

size_t transcript_byte_from(const transcript_t *self, transcript_cursor_t *c, size_t cp)
{
    if (cp < c->cp)
        *c = (transcript_cursor_t){0, 0};
    size_t b = c->byte + utf8_byte_offset(self->text + c->byte, self->len - c->byte, cp - c->cp);
    if (b >= self->len) { /* the end, or past it: where the count stands is unknown */
        *c = (transcript_cursor_t){0, 0};
        return self->len;
    }
    c->byte = b;
    c->cp = cp;
    return b;
}

char *transcript_to_json(const transcript_t *self)
{
    json_t *segs = json_array();
    /* Offsets grow monotonically, so convert bytes to code points in one
     * pass instead of rescanning the text for every segment. */
    size_t byte = 0, cp = 0;
    for (size_t i = 0; i < self->n_segs; i++) {
        const transcript_seg_t *s = &self->segs[i];
        cp += utf8_cp_count(self->text + byte, s->offset - byte);
        size_t cp_len = utf8_cp_count(self->text + s->offset, s->length);
        byte = s->offset;
        json_t *o = json_pack("{s:I,s:I}", "offset", (json_int_t)cp, "length", (json_int_t)cp_len);
        if (s->start_ms >= 0) {
            json_object_set_new(o, "start_ms", json_integer(s->start_ms));
            json_object_set_new(o, "end_ms", json_integer(s->end_ms));
        }
        if (s->speaker)
            json_object_set_new(o, "speaker", json_string(self->speakers[s->speaker - 1]));
        json_array_append_new(segs, o);
    }
    json_t *root = json_pack("{s:s%,s:o}", "text", self->text, self->len, "segments", segs);
    char *out = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(root);
    return out ? out : mem_strdup("{}");
}

/* A segment as read from JSON, before its offsets are checked. */
typedef struct {
    long long off, len, start, end;
    const char *speaker; /* NULL when none; else speaker_len bytes */
    size_t speaker_len;
} s_seg_in_t;

/* Add the segment in to t. *byte and *cp are where the previous segment
 * ended (bytes and code points), so segments must come in order without
 * overlap, and each lookup scans forward from there: linear overall. */
static int s_seg_add(transcript_t *t, const s_seg_in_t *in, size_t *byte, size_t *cp, err_t *err)
{
    if (in->off < 0 || in->len < 0 || (size_t)in->off < *cp) {
        err_set(err, LODE_EINVAL, "transcript: bad segment");
        return -1;
    }
    size_t skip = (size_t)in->off - *cp;
    size_t at = *byte + utf8_byte_offset(t->text + *byte, t->len - *byte, skip);
    /* utf8_byte_offset answers len both for the exact end and past it. */
    if (at == t->len && utf8_cp_count(t->text + *byte, t->len - *byte) < skip) {
        err_set(err, LODE_EINVAL, "transcript: segment past the end of the text");
        return -1;
    }
    size_t b_len = utf8_byte_offset(t->text + at, t->len - at, (size_t)in->len);
    if (utf8_cp_count(t->text + at, b_len) != (size_t)in->len) {
        err_set(err, LODE_EINVAL, "transcript: segment past the end of the text");
        return -1;
    }
    if (t->n_segs == t->cap_segs) {
        t->cap_segs = t->cap_segs ? t->cap_segs * 2 : 16;
        t->segs = mem_realloc(t->segs, t->cap_segs * sizeof *t->segs);
    }
    t->segs[t->n_segs++] = (transcript_seg_t){in->start, in->end, at, b_len, 0};
    if (in->speaker)
        transcript_set_speaker(t, t->n_segs - 1, in->speaker, in->speaker_len);
    if (in->start >= 0)
        t->timed = true;
    *byte = at + b_len;
    *cp = (size_t)in->off + (size_t)in->len;
    return 0;
}

static int s_seg_from_json(transcript_t *t, json_t *o, size_t *byte, size_t *cp, err_t *err)
{
    json_int_t off, len, start = -1, end = -1;
    const char *speaker = NULL;
    if (json_unpack(o, "{s:I,s:I,s?I,s?I,s?s}", "offset", &off, "length", &len, "start_ms", &start,
                    "end_ms", &end, "speaker", &speaker) != 0) {
        err_set(err, LODE_EINVAL, "transcript: bad segment");
        return -1;
    }
    s_seg_in_t in = {off, len, start, end, speaker, speaker ? strlen(speaker) : 0};
    return s_seg_add(t, &in, byte, cp, err);
}

/* The general reader, for any JSON of the transcript's shape. */
static transcript_t *s_from_jansson(const char *json, size_t len, err_t *err)
{
    json_error_t jerr;
    json_t *root = json_loadb(json, len, 0, &jerr);
    const char *text;
    size_t text_len;
    json_t *segs;
    if (!root ||
        json_unpack(root, "{s:s%,s:o}", "text", &text, &text_len, "segments", &segs) != 0 ||
        !json_is_array(segs)) {
        err_set(err, LODE_EINVAL, "transcript: malformed JSON%s%s", root ? "" : ": ",
                root ? "" : jerr.text);
        json_decref(root);
        return NULL;
    }
    transcript_t *t = transcript_new();
    free(t->text);
    t->text = mem_strndup(text, text_len);
    t->len = text_len;
    size_t byte = 0, cp = 0, i;
    json_t *o;
    json_array_foreach(segs, i, o)
    {
        if (s_seg_from_json(t, o, &byte, &cp, err) != 0) {
            transcript_destroy(&t);
            break;
        }
    }
    json_decref(root);
    return t;
}

/* ---- the direct reader (jsonlex.h) ------------------------------------ */

/* One segment object: the keys transcript_to_json writes, in its order. */
static bool s_seg(jsonlex_t *j, buf_t *name, s_seg_in_t *in)
{
    *in = (s_seg_in_t){.start = -1, .end = -1};
    jsonlex_lit(j, "{\"offset\":");
    in->off = jsonlex_uint(j);
    jsonlex_lit(j, ",\"length\":");
    in->len = jsonlex_uint(j);
    if (!j->no && j->end - j->p > 12 && memcmp(j->p, ",\"start_ms\":", 12) == 0) {
        j->p += 12;
        in->start = jsonlex_uint(j);
        jsonlex_lit(j, ",\"end_ms\":");
        in->end = jsonlex_uint(j);
    }
    if (!j->no && j->end - j->p > 11 && memcmp(j->p, ",\"speaker\":", 11) == 0) {
        j->p += 11;
        if (jsonlex_str(j, name)) {
            in->speaker = name->data ? name->data : "";
            in->speaker_len = name->len;
            /* jansson hands the name on as a C string: it ends at a NUL */
            if (memchr(in->speaker, '\0', in->speaker_len))
                j->no = true;
        }
    }
    return jsonlex_lit(j, "}");
}

/* The segments array, each added to t as it is read: true when all were
 * of the exact form and in range. */
static bool s_segs(jsonlex_t *j, transcript_t *t)
{
    buf_t name;
    buf_init(&name, TRANSCRIPT_MAX_BYTES);
    size_t byte = 0, cp = 0;
    err_t ignored = {0};
    jsonlex_lit(j, "[");
    for (size_t i = 0; !j->no && !(j->p < j->end && *j->p == ']'); i++) {
        s_seg_in_t in;
        if ((i > 0 && !jsonlex_lit(j, ",")) || !s_seg(j, &name, &in))
            break;
        if (s_seg_add(t, &in, &byte, &cp, &ignored) != 0)
            j->no = true;
    }
    buf_free(&name);
    return jsonlex_lit(j, "]}") && j->p == j->end;
}

/* The transcript when json is exactly what transcript_to_json writes and
 * sound; else NULL, and jansson reads it (or says what is wrong). */
static transcript_t *s_from_fast(const char *json, size_t len)
{
    jsonlex_t j = {json, json + len, false};
    buf_t text;
    buf_init(&text, TRANSCRIPT_MAX_BYTES);
    if (!jsonlex_lit(&j, "{\"text\":") || !jsonlex_str(&j, &text) ||
        !jsonlex_lit(&j, ",\"segments\":")) {
        buf_free(&text);
        return NULL;
    }
    transcript_t *t = transcript_new();
    free(t->text);
    t->len = text.len;
    t->text = text.data ? buf_steal(&text) : mem_strdup("");
    if (!s_segs(&j, t))
        transcript_destroy(&t);
    return t;
}

transcript_t *transcript_from_json(const char *json, size_t len, err_t *err)
{
    if (!json) {
        err_set(err, LODE_EINVAL, "transcript: malformed JSON: no input");
        return NULL;
    }
    /* Every stage reads the transcript: the exact form transcript_to_json
     * writes is read directly (a third of the cost); anything else, or
     * anything wrong, goes to jansson, which reads it or says why not. */
    transcript_t *t = s_from_fast(json, len);
    return t ? t : s_from_jansson(json, len, err);
}
