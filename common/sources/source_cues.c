/*  source_cues.c - WebVTT and SRT into timed segments: timing lines, cue
 *  blocks, tags, ASS overrides and entities in cue text, and the rolling-
 *  caption repeats YouTube's VTT carries. Every look-ahead is bounded, so any
 *  input parses in linear time. Knows nothing of text or Markdown.
 *  SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "source_impl.h"

/* ----------------------------------------------------------------- timing */

/* Read between min and max digits at s[*i]; more digits than max fail. */
static bool s_digits(const char *s, size_t n, size_t *i, size_t min, size_t max, int64_t *v)
{
    size_t k = 0;
    int64_t x = 0;
    while (*i + k < n && isdigit((unsigned char)s[*i + k])) {
        if (k == max)
            return false;
        x = x * 10 + (s[*i + k] - '0');
        k++;
    }
    if (k < min)
        return false;
    *i += k;
    *v = x;
    return true;
}

/* Fraction after '.' or ',': 1..9 digits, the first three count as ms. */
static bool s_fraction(const char *s, size_t n, size_t *i, int64_t *ms)
{
    size_t k = 0;
    int64_t x = 0;
    for (; *i + k < n && isdigit((unsigned char)s[*i + k]); k++)
        if (k < 3)
            x = x * 10 + (s[*i + k] - '0');
    if (k == 0 || k > 9)
        return false;
    for (size_t d = k; d < 3; d++)
        x *= 10;
    *i += k;
    *ms = x;
    return true;
}

/* "[hh:]mm:ss[.,]fff" at s[*i]; the fraction may be missing (SRT exports
 * sometimes drop it), hours may have up to six digits. */
static bool s_timestamp(const char *s, size_t n, size_t *i, int64_t *ms)
{
    size_t j = *i;
    int64_t a, b, c = -1, frac = 0;
    if (!s_digits(s, n, &j, 1, 6, &a) || j >= n || s[j] != ':')
        return false;
    j++;
    if (!s_digits(s, n, &j, 2, 2, &b))
        return false;
    if (j < n && s[j] == ':') {
        j++;
        if (!s_digits(s, n, &j, 2, 2, &c))
            return false;
    }
    if (j < n && (s[j] == '.' || s[j] == ',')) {
        j++;
        if (!s_fraction(s, n, &j, &frac))
            return false;
    }
    int64_t h = c >= 0 ? a : 0, m = c >= 0 ? b : a, sec = c >= 0 ? c : b;
    if (m > 59 || sec > 59)
        return false;
    *ms = ((h * 60 + m) * 60 + sec) * 1000 + frac;
    *i = j;
    return true;
}

/* "start --> end [settings]". The spaces around the arrow are optional, as
 * some SRT writers omit them; settings (VTT "align:start", SRT "X1:…") are
 * ignored. */
static bool s_timing(const char *s, size_t n, int64_t *start, int64_t *end)
{
    size_t i = source_skip_ws(s, n, 0);
    if (!s_timestamp(s, n, &i, start))
        return false;
    i = source_skip_ws(s, n, i);
    if (n - i < 3 || memcmp(s + i, "-->", 3) != 0)
        return false;
    i = source_skip_ws(s, n, i + 3);
    if (!s_timestamp(s, n, &i, end))
        return false;
    return i == n || s[i] == ' ' || s[i] == '\t';
}

static bool s_has_arrow(const source_line_t *l)
{
    return l->n >= 3 && source_find(l->s, l->n, "-->") != NULL;
}

/* What is wrong with a line where a timing line was expected: one that
 * has an arrow or starts with a timestamp was meant as a timing line. */
static const char *s_timing_problem(const source_line_t *l)
{
    size_t i = source_skip_ws(l->s, l->n, 0);
    int64_t ms;
    if (s_has_arrow(l) || s_timestamp(l->s, l->n, &i, &ms))
        return "timing line malformed";
    return "no timing line";
}

/* A cue number: digits only, surrounding spaces allowed. */
bool source_is_index(const char *s, size_t n)
{
    source_trim(&s, &n);
    if (n == 0 || n > 9)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

/* ----------------------------------------------------------- timed cues */

typedef struct {
    transcript_t *t;     /* borrowed: output */
    source_meta_t *meta; /* borrowed: runtime_ms, n_skipped, language */
    const char *what;    /* "WebVTT" or "SRT", for messages */
    bool dedupe;         /* drop text a rolling caption repeats from the previous cue */
    buf_t cue;           /* text of the cue being built */
    size_t first_len;    /* bytes in cue of its first line */
    size_t last_off;     /* offset in cue of its last line */
    buf_t line;          /* one payload line with markup removed */
    buf_t prev_last;     /* last line of the previous cue */
    size_t n_cues;       /* cues with a valid timing line */
    size_t problem_line; /* line of the first problem, 0 if none */
    const char *problem; /* static: what that problem was */
    char speaker[TRANSCRIPT_MAX_SPEAKER_NAME + 1]; /* the cue's <v Name>, or "" */
} s_timed_t;

static void s_timed_init(s_timed_t *tm, transcript_t *t, source_meta_t *meta, const char *what)
{
    memset(tm, 0, sizeof *tm);
    tm->t = t;
    tm->meta = meta;
    tm->what = what;
    buf_init(&tm->cue, SOURCE_BUF_MAX);
    buf_init(&tm->line, SOURCE_BUF_MAX);
    buf_init(&tm->prev_last, SOURCE_BUF_MAX);
}

static void s_timed_free(s_timed_t *tm)
{
    buf_free(&tm->cue);
    buf_free(&tm->line);
    buf_free(&tm->prev_last);
}

static void s_timed_note(s_timed_t *tm, size_t line_no, const char *problem)
{
    if (tm->problem_line == 0) {
        tm->problem_line = line_no;
        tm->problem = problem;
    }
}

static void s_timed_skip(s_timed_t *tm, size_t line_no, const char *problem)
{
    tm->meta->n_skipped++;
    s_timed_note(tm, line_no, problem);
}

/* Add tm->line (one cleaned payload line) to the cue being built. */
static int s_timed_add_line(s_timed_t *tm, err_t *err)
{
    size_t before = tm->cue.len;
    if (source_words_append(&tm->cue, tm->line.data, tm->line.len, err) != 0)
        return -1;
    if (tm->cue.len > before)
        tm->last_off = before ? before + 1 : 0;
    if (before == 0)
        tm->first_len = tm->cue.len;
    return 0;
}

/* Bytes at the start of the cue that repeat the previous cue's last line,
 * with the space after them. YouTube's rolling captions show each line twice
 * (as the new bottom line, then as the top line of the next cue) with a
 * 10 ms cue in between that holds only the old line. Whole lines are
 * compared, so "Yes." then "Yes. I agree." on one line is left alone. */
static size_t s_timed_repeat(const s_timed_t *tm)
{
    size_t pl = tm->prev_last.len;
    if (!tm->dedupe || pl == 0 || tm->first_len != pl ||
        memcmp(tm->cue.data, tm->prev_last.data, pl) != 0)
        return 0;
    return tm->cue.len == pl ? pl : pl + 1;
}

static int s_timed_emit(s_timed_t *tm, int64_t start, int64_t end, err_t *err)
{
    if (end < start)
        end = start; /* a cue that ends before it starts is shown for an instant */
    tm->n_cues++;
    if (end > tm->meta->runtime_ms)
        tm->meta->runtime_ms = end;
    if (tm->cue.len == 0)
        return 0;
    size_t skip = s_timed_repeat(tm);
    buf_reset(&tm->prev_last);
    if (buf_append(&tm->prev_last, tm->cue.data + tm->last_off, tm->cue.len - tm->last_off, err))
        return -1;
    if (skip == tm->cue.len)
        return 0;
    if (transcript_append(tm->t, " ", tm->cue.data + skip, tm->cue.len - skip,
                          (transcript_time_t){start, end}, err))
        return -1;
    if (tm->speaker[0])
        transcript_set_speaker(tm->t, tm->t->n_segs - 1, tm->speaker, strlen(tm->speaker));
    return 0;
}

static void s_timed_begin(s_timed_t *tm)
{
    tm->speaker[0] = '\0';
    buf_reset(&tm->cue);
    tm->first_len = 0;
    tm->last_off = 0;
}

/* After the last cue: fail when no cue had a valid timing line. */
static int s_timed_finish(const s_timed_t *tm, err_t *err)
{
    if (tm->n_cues > 0)
        return 0;
    if (tm->problem_line == 0) {
        err_set(err, LODE_EEMPTY, "empty transcript: %s file has no cue", tm->what);
        return -1;
    }
    err_set(err, LODE_EINVAL, "no valid cue in %s: first problem: %s at line %zu (%zu skipped)",
            tm->what, tm->problem, tm->problem_line, tm->meta->n_skipped);
    return -1;
}

/* ----------------------------------------------------------------- WebVTT */

/* Copy a VTT payload line to out without tags and with entities decoded.
 * In WebVTT every '<' opens a tag (a literal one is "&lt;"), so an
 * unterminated tag runs to the end of the line. */
static int s_vtt_clean(buf_t *out, const char *s, size_t n, err_t *err)
{
    buf_reset(out);
    size_t i = 0;
    while (i < n) {
        size_t run = source_span_not(s + i, n - i, "<&");
        if (buf_append(out, s + i, run, err) != 0)
            return -1;
        i += run;
        if (i >= n)
            break;
        if (s[i] == '<') {
            const char *gt = memchr(s + i, '>', n - i);
            i = gt ? (size_t)(gt - s) + 1 : n;
            continue;
        }
        size_t used;
        if (source_entity(out, s + i, n - i, &used, err) != 0)
            return -1;
        i += used;
    }
    return 0;
}

bool source_vtt_is_signature(const source_line_t *l)
{
    return l->n >= 6 && memcmp(l->s, "WEBVTT", 6) == 0 &&
           (l->n == 6 || l->s[6] == ' ' || l->s[6] == '\t');
}

/* A block that is not a cue: "NOTE", "STYLE" or "REGION" alone on its line
 * or followed by a space. */
static bool s_vtt_is_other_block(const source_line_t *l)
{
    static const char *const kinds[] = {"NOTE", "STYLE", "REGION"};
    for (size_t k = 0; k < 3; k++) {
        size_t len = strlen(kinds[k]);
        if (l->n >= len && memcmp(l->s, kinds[k], len) == 0 &&
            (l->n == len || l->s[len] == ' ' || l->s[len] == '\t'))
            return true;
    }
    return false;
}

/* "Language: en" and the like in the header block. */
static void s_vtt_header_field(source_meta_t *meta, const source_line_t *l)
{
    const char *colon = memchr(l->s, ':', l->n);
    if (!colon)
        return;
    const char *key = l->s;
    size_t key_len = (size_t)(colon - l->s);
    source_trim(&key, &key_len);
    if (key_len == 8 && strncasecmp(key, "language", 8) == 0)
        source_meta_set_language(meta, colon + 1, (size_t)(l->s + l->n - (colon + 1)));
}

/* The "WEBVTT" line and the header block after it, up to the first blank
 * line or the first timing line. A missing signature is tolerated (many
 * tools write one-off files without it) but noted for the error message. */
static void s_vtt_header(source_lines_t *ls, s_timed_t *tm)
{
    source_line_t l;
    while (source_lines_peek(ls, &l) && source_is_blank(l.s, l.n))
        source_lines_next(ls, &l);
    if (!source_lines_peek(ls, &l))
        return;
    if (!source_vtt_is_signature(&l)) {
        s_timed_note(tm, l.no, "missing WEBVTT header");
        return;
    }
    source_lines_next(ls, &l);
    while (source_lines_peek(ls, &l) && l.n > 0 && !s_has_arrow(&l)) {
        source_lines_next(ls, &l);
        s_vtt_header_field(tm->meta, &l);
    }
}

/* Skip to the end of a block: past the next blank line, or up to (not past)
 * a timing line, so a bad block never swallows the next cue. */
static void s_skip_block(source_lines_t *ls, bool ws_is_blank)
{
    source_line_t l;
    while (source_lines_peek(ls, &l)) {
        if (s_has_arrow(&l))
            return;
        source_lines_next(ls, &l);
        if (l.n == 0 || (ws_is_blank && source_is_blank(l.s, l.n)))
            return;
    }
}

/* One cue from its timing line: the payload runs to a blank line (only an
 * empty line counts: YouTube puts lines of one space inside cues) or to the
 * next line holding "-->", as the W3C parser does. */
/* The speaker of a WebVTT voice span opening a payload line: "<v Name>" or
 * "<v.class Name>", into out (cap bytes; "" when there is none). */
static void s_vtt_voice(const char *s, size_t n, char *out, size_t cap)
{
    out[0] = '\0';
    if (n < 4 || s[0] != '<' || s[1] != 'v' || (s[2] != ' ' && s[2] != '.'))
        return;
    const char *gt = memchr(s, '>', n), *sp = memchr(s + 2, ' ', n - 2);
    if (!gt || !sp || sp > gt)
        return;
    size_t len = (size_t)(gt - sp - 1);
    if (len == 0 || len >= cap)
        return;
    memcpy(out, sp + 1, len);
    out[len] = '\0';
}

static int s_vtt_cue(source_lines_t *ls, s_timed_t *tm, const source_line_t *timing, err_t *err)
{
    int64_t start, end;
    if (!s_timing(timing->s, timing->n, &start, &end)) {
        s_timed_skip(tm, timing->no, "timing line malformed");
        s_skip_block(ls, false);
        return 0;
    }
    s_timed_begin(tm);
    source_line_t l;
    while (source_lines_peek(ls, &l) && l.n > 0 && !s_has_arrow(&l)) {
        source_lines_next(ls, &l);
        if (!tm->speaker[0])
            s_vtt_voice(l.s, l.n, tm->speaker, sizeof tm->speaker);
        if (s_vtt_clean(&tm->line, l.s, l.n, err) != 0 || s_timed_add_line(tm, err) != 0)
            return -1;
    }
    return s_timed_emit(tm, start, end, err);
}

static int s_vtt_body(source_lines_t *ls, s_timed_t *tm, err_t *err)
{
    source_line_t l, timing;
    while (source_lines_next(ls, &l)) {
        if (source_is_blank(l.s, l.n))
            continue;
        if (s_vtt_is_other_block(&l)) {
            s_skip_block(ls, false);
            continue;
        }
        timing = l;
        if (!s_has_arrow(&l)) { /* l is a cue identifier */
            if (!source_lines_peek(ls, &timing) || !s_has_arrow(&timing)) {
                s_timed_skip(tm, l.no, s_timing_problem(&l));
                s_skip_block(ls, false);
                continue;
            }
            source_lines_next(ls, &timing);
        }
        if (s_vtt_cue(ls, tm, &timing, err) != 0)
            return -1;
    }
    return 0;
}

int source_parse_vtt(const char *s, size_t n, transcript_t *t, source_meta_t *meta, err_t *err)
{
    source_lines_t ls = {s, s + n, 0};
    s_timed_t tm;
    s_timed_init(&tm, t, meta, "WebVTT");
    tm.dedupe = true;
    s_vtt_header(&ls, &tm);
    int rc = s_vtt_body(&ls, &tm, err);
    if (rc == 0)
        rc = s_timed_finish(&tm, err);
    s_timed_free(&tm);
    return rc;
}

/* -------------------------------------------------------------------- SRT */

/* Copy an SRT text line to out without HTML-like tags (<i>, <font …>), ASS
 * overrides ({\an8}) and with entities decoded. Unlike WebVTT a '<' that
 * starts no tag is text ("x < y"); the no_* flags remember that a closer is
 * missing so a line of many '<' stays linear. */
static int s_srt_clean(buf_t *out, const char *s, size_t n, err_t *err)
{
    buf_reset(out);
    bool no_gt = false, no_brace = false;
    size_t i = 0;
    while (i < n) {
        size_t run = source_span_not(s + i, n - i, "<{&");
        if (buf_append(out, s + i, run, err) != 0)
            return -1;
        if ((i += run) >= n)
            break;
        size_t used = 1;
        if (s[i] == '&') {
            if (source_entity(out, s + i, n - i, &used, err) != 0)
                return -1;
            i += used;
            continue;
        }
        bool tag = s[i] == '<' && !no_gt && i + 1 < n &&
                   (isalpha((unsigned char)s[i + 1]) || s[i + 1] == '/');
        bool ass = s[i] == '{' && !no_brace && i + 1 < n && s[i + 1] == '\\';
        const char *close = (tag || ass) ? memchr(s + i, tag ? '>' : '}', n - i) : NULL;
        no_gt |= tag && !close;
        no_brace |= ass && !close;
        if (close)
            used = (size_t)(close - (s + i)) + 1;
        else if (buf_append(out, s + i, 1, err) != 0)
            return -1;
        i += used;
    }
    return 0;
}

bool source_srt_timing(const source_line_t *l, int64_t *start, int64_t *end)
{
    return s_has_arrow(l) && s_timing(l->s, l->n, start, end);
}

/* True if the next line starts a cue: a timing line, or a number followed
 * by one. Lets a cue end without the blank line some files forget. */
static bool s_srt_cue_starts(const source_lines_t *ls)
{
    source_lines_t look = *ls;
    source_line_t l;
    int64_t a, b;
    if (!source_lines_next(&look, &l))
        return false;
    if (source_srt_timing(&l, &a, &b))
        return true;
    return source_is_index(l.s, l.n) && source_lines_next(&look, &l) &&
           source_srt_timing(&l, &a, &b);
}

static void s_srt_skip(source_lines_t *ls)
{
    source_line_t l;
    while (!s_srt_cue_starts(ls) && source_lines_next(ls, &l))
        if (source_is_blank(l.s, l.n))
            return;
}

static int s_srt_cue(source_lines_t *ls, s_timed_t *tm, int64_t start, int64_t end, err_t *err)
{
    s_timed_begin(tm);
    source_line_t l;
    while (!s_srt_cue_starts(ls) && source_lines_next(ls, &l)) {
        if (source_is_blank(l.s, l.n))
            break;
        if (s_srt_clean(&tm->line, l.s, l.n, err) != 0 || s_timed_add_line(tm, err) != 0)
            return -1;
    }
    return s_timed_emit(tm, start, end, err);
}

/* Blocks of "index, timing, text lines, blank line"; the index may be
 * missing, blank lines may hold spaces or be doubled. */
static int s_srt_body(source_lines_t *ls, s_timed_t *tm, err_t *err)
{
    source_line_t l, timing;
    int64_t start, end;
    while (source_lines_next(ls, &l)) {
        if (source_is_blank(l.s, l.n))
            continue;
        timing = l;
        if (source_is_index(l.s, l.n) && !source_lines_next(ls, &timing)) {
            s_timed_skip(tm, l.no, "cue number without a timing line");
            break;
        }
        if (!source_srt_timing(&timing, &start, &end)) {
            s_timed_skip(tm, timing.no, s_timing_problem(&timing));
            if (!source_is_blank(timing.s, timing.n))
                s_srt_skip(ls);
            continue;
        }
        if (s_srt_cue(ls, tm, start, end, err) != 0)
            return -1;
    }
    return 0;
}

int source_parse_srt(const char *s, size_t n, transcript_t *t, source_meta_t *meta, err_t *err)
{
    source_lines_t ls = {s, s + n, 0};
    s_timed_t tm;
    s_timed_init(&tm, t, meta, "SRT");
    int rc = s_srt_body(&ls, &tm, err);
    if (rc == 0)
        rc = s_timed_finish(&tm, err);
    s_timed_free(&tm);
    return rc;
}
