/*  source.c - local sources (inline text, .txt, .md, .vtt, .srt) into a
 *  transcript. Line-oriented parsers over one repaired, newline-normalised
 *  copy of the body; every look-ahead is bounded, so any input parses in
 *  linear time. Does no I/O and never prints.
 *  SPDX-License-Identifier: MIT
 */
#include "source.h"

#include <assert.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "buf.h"
#include "mem.h"
#include "utf8.h"

#define S_BUF_MAX   ((size_t)256 << 20) /* scratch buffers; repair can triple the body */
#define S_META_MAX  1024                /* bytes kept of one metadata value */
#define S_SNIFF_MAX 4096                /* bytes of the body format sniffing looks at */
#define S_FM_LINES  1000                /* lines a front matter block may span */
#define S_MD_DEPTH  3                   /* link text nested in link text */
#define S_BOM       "\xEF\xBB\xBF"      /* UTF-8 byte order mark */

/* ------------------------------------------------------------------ lines */

typedef struct {
    const char *p;   /* borrowed: next unread byte of the body */
    const char *end; /* borrowed: end of the body */
    size_t line_no;  /* 1-based number of the line last read */
} s_lines_t;

typedef struct {
    const char *s; /* borrowed: start of the line, without its '\n' */
    size_t n;      /* bytes */
    size_t no;     /* 1-based line number */
} s_line_t;

static bool s_lines_next(s_lines_t *ls, s_line_t *line)
{
    if (ls->p >= ls->end)
        return false;
    const char *nl = memchr(ls->p, '\n', (size_t)(ls->end - ls->p));
    const char *stop = nl ? nl : ls->end;
    line->s = ls->p;
    line->n = (size_t)(stop - ls->p);
    line->no = ++ls->line_no;
    ls->p = nl ? nl + 1 : ls->end;
    return true;
}

static bool s_lines_peek(const s_lines_t *ls, s_line_t *line)
{
    s_lines_t copy = *ls;
    return s_lines_next(&copy, line);
}

/* ------------------------------------------------------------- whitespace */

/* Bytes of the whitespace character at s: ASCII space and controls \t..\r,
 * or a Unicode space (U+0085, U+00A0, U+2000..U+200A, U+2028, U+2029,
 * U+202F, U+205F, U+3000, U+FEFF). 0 when s[0] is not whitespace. */
static size_t s_space_len(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] == ' ' || (u[0] >= '\t' && u[0] <= '\r'))
        return 1;
    if (u[0] < 0xC2 || n < 2)
        return 0;
    if (u[0] == 0xC2)
        return (u[1] == 0xA0 || u[1] == 0x85) ? 2 : 0;
    if (n < 3)
        return 0;
    if (u[0] == 0xE2 && u[1] == 0x80)
        return (u[2] <= 0x8A || u[2] == 0xA8 || u[2] == 0xA9 || u[2] == 0xAF) ? 3 : 0;
    if ((u[0] == 0xE2 && u[1] == 0x81 && u[2] == 0x9F) ||
        (u[0] == 0xE3 && u[1] == 0x80 && u[2] == 0x80) ||
        (u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF))
        return 3;
    return 0;
}

static bool s_is_blank(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t k = s_space_len(s + i, n - i);
        if (k == 0)
            return false;
        i += k;
    }
    return true;
}

/* Append the words of s[0..n) to b, one space between words, and one before
 * the first when b already holds text: lines joined this way read as one
 * flowing sentence. Never leaves leading or trailing space. */
static int s_words_append(buf_t *b, const char *s, size_t n, err_t *err)
{
    size_t i = 0;
    while (i < n) {
        size_t k;
        while (i < n && (k = s_space_len(s + i, n - i)) > 0)
            i += k;
        size_t word = i;
        while (i < n && s_space_len(s + i, n - i) == 0)
            i++;
        if (i == word)
            break;
        if (b->len > 0 && buf_append(b, " ", 1, err) != 0)
            return -1;
        if (buf_append(b, s + word, i - word, err) != 0)
            return -1;
    }
    return 0;
}

static void s_trim(const char **s, size_t *n)
{
    while (*n > 0 && isspace((unsigned char)(*s)[0]))
        (*s)++, (*n)--;
    while (*n > 0 && isspace((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

/* Bytes at the start of s[0..n) that are none of set's characters. Bounded
 * by n: lines are not NUL-terminated, and strcspn would run to the end of
 * the whole body for every line. */
static size_t s_span_not(const char *s, size_t n, const char *set)
{
    size_t set_len = strlen(set), i = 0;
    while (i < n && !memchr(set, s[i], set_len))
        i++;
    return i;
}

/* First occurrence of the short needle in s[0..n), or NULL. Linear for the
 * three- and four-byte needles used here. */
static const char *s_find(const char *s, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; n >= m && i <= n - m;) {
        const char *c = memchr(s + i, needle[0], n - m + 1 - i);
        if (!c)
            return NULL;
        if (memcmp(c, needle, m) == 0)
            return c;
        i = (size_t)(c - s) + 1;
    }
    return NULL;
}

/* Normalise CRLF and lone CR to LF in place; returns the new length. */
static size_t s_normalise_newlines(char *s, size_t n)
{
    char *cr = memchr(s, '\r', n);
    if (!cr)
        return n;
    size_t w = (size_t)(cr - s);
    for (size_t r = w; r < n; r++) {
        if (s[r] != '\r') {
            s[w++] = s[r];
            continue;
        }
        s[w++] = '\n';
        if (r + 1 < n && s[r + 1] == '\n')
            r++;
    }
    return w;
}

/* ------------------------------------------------------------- entities */

typedef struct {
    const char *name; /* without '&' and ';' */
    const char *text; /* UTF-8 replacement */
} s_entity_t;

/* Invisible direction marks and soft hyphens are dropped rather than decoded:
 * they only get in the way of quoting and searching the transcript. */
static const s_entity_t s_entities[] = {
    {"amp", "&"},
    {"lt", "<"},
    {"gt", ">"},
    {"quot", "\""},
    {"apos", "'"},
    {"nbsp", " "},
    {"lrm", ""},
    {"rlm", ""},
    {"shy", ""},
    {"ndash", "\xE2\x80\x93"},
    {"mdash", "\xE2\x80\x94"},
    {"hellip", "\xE2\x80\xA6"},
    {"lsquo", "\xE2\x80\x98"},
    {"rsquo", "\xE2\x80\x99"},
    {"ldquo", "\xE2\x80\x9C"},
    {"rdquo", "\xE2\x80\x9D"},
    {"laquo", "\xC2\xAB"},
    {"raquo", "\xC2\xBB"},
    {"copy", "\xC2\xA9"},
    {"reg", "\xC2\xAE"},
    {"trade", "\xE2\x84\xA2"},
};

/* Code point of "#123" or "#x7B" (s[0..n) between '&' and ';'), or -1. */
static long s_entity_number(const char *s, size_t n)
{
    bool hex = n >= 2 && (s[1] == 'x' || s[1] == 'X');
    size_t i = hex ? 2 : 1, digits = n - i;
    if (n < 2 || s[0] != '#' || digits == 0 || digits > (hex ? 6u : 7u))
        return -1;
    long cp = 0;
    for (; i < n; i++) {
        int c = (unsigned char)s[i];
        if (hex ? !isxdigit(c) : !isdigit(c))
            return -1;
        cp = cp * (hex ? 16 : 10) + (isdigit(c) ? c - '0' : (tolower(c) - 'a' + 10));
    }
    return cp;
}

static int s_entity_put_cp(buf_t *out, long cp, err_t *err)
{
    if (cp == '\t' || cp == '\n' || cp == '\r')
        cp = ' ';
    if (cp <= 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = 0xFFFD;
    char enc[4];
    return buf_append(out, enc, utf8_encode((uint32_t)cp, enc), err);
}

/* Decode the character reference at s[0] == '&' into out and set *used; a
 * '&' that starts none is copied as it is. */
static int s_entity(buf_t *out, const char *s, size_t n, size_t *used, err_t *err)
{
    size_t max = n < 12 ? n : 12;
    const char *semi = memchr(s, ';', max);
    *used = 1;
    if (!semi)
        return buf_append(out, "&", 1, err);
    const char *name = s + 1;
    size_t len = (size_t)(semi - name);
    long cp = s_entity_number(name, len);
    if (cp >= 0) {
        *used = len + 2;
        return s_entity_put_cp(out, cp, err);
    }
    for (size_t i = 0; i < sizeof s_entities / sizeof s_entities[0]; i++) {
        if (strlen(s_entities[i].name) == len && memcmp(s_entities[i].name, name, len) == 0) {
            *used = len + 2;
            return buf_puts(out, s_entities[i].text, err);
        }
    }
    return buf_append(out, "&", 1, err);
}

/* ----------------------------------------------------------------- meta */

/* Set *field to a copy of s[0..n) unless it is already set or s is empty;
 * long values are cut at a code point boundary. */
static void s_meta_set(char **field, const char *s, size_t n)
{
    s_trim(&s, &n);
    if (*field || n == 0)
        return;
    if (n > S_META_MAX) {
        n = S_META_MAX;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    *field = mem_strndup(s, n);
}

/* A BCP 47 tag is letters, digits and hyphens; anything else is not kept. */
static void s_meta_set_language(source_meta_t *meta, const char *s, size_t n)
{
    s_trim(&s, &n);
    if (n == 0 || n > 35)
        return;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
            return;
    s_meta_set(&meta->language, s, n);
}

static void s_meta_init(source_meta_t *meta, const char *name, source_format_t fmt)
{
    memset(meta, 0, sizeof *meta);
    meta->kind = mem_strdup(name ? "file" : "text");
    meta->format = mem_strdup(source_format_name(fmt));
    if (name)
        meta->name = utf8_repair(name, strlen(name), NULL, NULL);
    meta->runtime_ms = -1;
}

void source_meta_clear(source_meta_t *meta)
{
    if (!meta)
        return;
    free(meta->kind);
    free(meta->format);
    free(meta->name);
    free(meta->title);
    free(meta->author);
    free(meta->published);
    free(meta->language);
    free(meta->url);
    free(meta->site);
    memset(meta, 0, sizeof *meta);
    meta->runtime_ms = -1;
}

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

static size_t s_skip_ws(const char *s, size_t n, size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i;
}

/* "start --> end [settings]". The spaces around the arrow are optional, as
 * some SRT writers omit them; settings (VTT "align:start", SRT "X1:…") are
 * ignored. */
static bool s_timing(const char *s, size_t n, int64_t *start, int64_t *end)
{
    size_t i = s_skip_ws(s, n, 0);
    if (!s_timestamp(s, n, &i, start))
        return false;
    i = s_skip_ws(s, n, i);
    if (n - i < 3 || memcmp(s + i, "-->", 3) != 0)
        return false;
    i = s_skip_ws(s, n, i + 3);
    if (!s_timestamp(s, n, &i, end))
        return false;
    return i == n || s[i] == ' ' || s[i] == '\t';
}

static bool s_has_arrow(const s_line_t *l)
{
    return l->n >= 3 && s_find(l->s, l->n, "-->") != NULL;
}

/* What is wrong with a line where a timing line was expected: one that
 * has an arrow or starts with a timestamp was meant as a timing line. */
static const char *s_timing_problem(const s_line_t *l)
{
    size_t i = s_skip_ws(l->s, l->n, 0);
    int64_t ms;
    if (s_has_arrow(l) || s_timestamp(l->s, l->n, &i, &ms))
        return "timing line malformed";
    return "no timing line";
}

/* A cue number: digits only, surrounding spaces allowed. */
static bool s_is_index(const char *s, size_t n)
{
    s_trim(&s, &n);
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
} s_timed_t;

static void s_timed_init(s_timed_t *tm, transcript_t *t, source_meta_t *meta, const char *what)
{
    memset(tm, 0, sizeof *tm);
    tm->t = t;
    tm->meta = meta;
    tm->what = what;
    buf_init(&tm->cue, S_BUF_MAX);
    buf_init(&tm->line, S_BUF_MAX);
    buf_init(&tm->prev_last, S_BUF_MAX);
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
    if (s_words_append(&tm->cue, tm->line.data, tm->line.len, err) != 0)
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
    return transcript_append(tm->t, " ", tm->cue.data + skip, tm->cue.len - skip, start, end, err);
}

static void s_timed_begin(s_timed_t *tm)
{
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
        size_t run = s_span_not(s + i, n - i, "<&");
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
        if (s_entity(out, s + i, n - i, &used, err) != 0)
            return -1;
        i += used;
    }
    return 0;
}

static bool s_vtt_is_signature(const s_line_t *l)
{
    return l->n >= 6 && memcmp(l->s, "WEBVTT", 6) == 0 &&
           (l->n == 6 || l->s[6] == ' ' || l->s[6] == '\t');
}

/* A block that is not a cue: "NOTE", "STYLE" or "REGION" alone on its line
 * or followed by a space. */
static bool s_vtt_is_other_block(const s_line_t *l)
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
static void s_vtt_header_field(source_meta_t *meta, const s_line_t *l)
{
    const char *colon = memchr(l->s, ':', l->n);
    if (!colon)
        return;
    const char *key = l->s;
    size_t key_len = (size_t)(colon - l->s);
    s_trim(&key, &key_len);
    if (key_len == 8 && strncasecmp(key, "language", 8) == 0)
        s_meta_set_language(meta, colon + 1, (size_t)(l->s + l->n - (colon + 1)));
}

/* The "WEBVTT" line and the header block after it, up to the first blank
 * line or the first timing line. A missing signature is tolerated (many
 * tools write one-off files without it) but noted for the error message. */
static void s_vtt_header(s_lines_t *ls, s_timed_t *tm)
{
    s_line_t l;
    while (s_lines_peek(ls, &l) && s_is_blank(l.s, l.n))
        s_lines_next(ls, &l);
    if (!s_lines_peek(ls, &l))
        return;
    if (!s_vtt_is_signature(&l)) {
        s_timed_note(tm, l.no, "missing WEBVTT header");
        return;
    }
    s_lines_next(ls, &l);
    while (s_lines_peek(ls, &l) && l.n > 0 && !s_has_arrow(&l)) {
        s_lines_next(ls, &l);
        s_vtt_header_field(tm->meta, &l);
    }
}

/* Skip to the end of a block: past the next blank line, or up to (not past)
 * a timing line, so a bad block never swallows the next cue. */
static void s_skip_block(s_lines_t *ls, bool ws_is_blank)
{
    s_line_t l;
    while (s_lines_peek(ls, &l)) {
        if (s_has_arrow(&l))
            return;
        s_lines_next(ls, &l);
        if (l.n == 0 || (ws_is_blank && s_is_blank(l.s, l.n)))
            return;
    }
}

/* One cue from its timing line: the payload runs to a blank line (only an
 * empty line counts: YouTube puts lines of one space inside cues) or to the
 * next line holding "-->", as the W3C parser does. */
static int s_vtt_cue(s_lines_t *ls, s_timed_t *tm, const s_line_t *timing, err_t *err)
{
    int64_t start, end;
    if (!s_timing(timing->s, timing->n, &start, &end)) {
        s_timed_skip(tm, timing->no, "timing line malformed");
        s_skip_block(ls, false);
        return 0;
    }
    s_timed_begin(tm);
    s_line_t l;
    while (s_lines_peek(ls, &l) && l.n > 0 && !s_has_arrow(&l)) {
        s_lines_next(ls, &l);
        if (s_vtt_clean(&tm->line, l.s, l.n, err) != 0 || s_timed_add_line(tm, err) != 0)
            return -1;
    }
    return s_timed_emit(tm, start, end, err);
}

static int s_vtt_body(s_lines_t *ls, s_timed_t *tm, err_t *err)
{
    s_line_t l, timing;
    while (s_lines_next(ls, &l)) {
        if (s_is_blank(l.s, l.n))
            continue;
        if (s_vtt_is_other_block(&l)) {
            s_skip_block(ls, false);
            continue;
        }
        timing = l;
        if (!s_has_arrow(&l)) { /* l is a cue identifier */
            if (!s_lines_peek(ls, &timing) || !s_has_arrow(&timing)) {
                s_timed_skip(tm, l.no, s_timing_problem(&l));
                s_skip_block(ls, false);
                continue;
            }
            s_lines_next(ls, &timing);
        }
        if (s_vtt_cue(ls, tm, &timing, err) != 0)
            return -1;
    }
    return 0;
}

static int s_parse_vtt(const char *s, size_t n, transcript_t *t, source_meta_t *meta, err_t *err)
{
    s_lines_t ls = {s, s + n, 0};
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
        size_t run = s_span_not(s + i, n - i, "<{&");
        if (buf_append(out, s + i, run, err) != 0)
            return -1;
        if ((i += run) >= n)
            break;
        size_t used = 1;
        if (s[i] == '&') {
            if (s_entity(out, s + i, n - i, &used, err) != 0)
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

static bool s_srt_timing(const s_line_t *l, int64_t *start, int64_t *end)
{
    return s_has_arrow(l) && s_timing(l->s, l->n, start, end);
}

/* True if the next line starts a cue: a timing line, or a number followed
 * by one. Lets a cue end without the blank line some files forget. */
static bool s_srt_cue_starts(const s_lines_t *ls)
{
    s_lines_t look = *ls;
    s_line_t l;
    int64_t a, b;
    if (!s_lines_next(&look, &l))
        return false;
    if (s_srt_timing(&l, &a, &b))
        return true;
    return s_is_index(l.s, l.n) && s_lines_next(&look, &l) && s_srt_timing(&l, &a, &b);
}

static void s_srt_skip(s_lines_t *ls)
{
    s_line_t l;
    while (!s_srt_cue_starts(ls) && s_lines_next(ls, &l))
        if (s_is_blank(l.s, l.n))
            return;
}

static int s_srt_cue(s_lines_t *ls, s_timed_t *tm, int64_t start, int64_t end, err_t *err)
{
    s_timed_begin(tm);
    s_line_t l;
    while (!s_srt_cue_starts(ls) && s_lines_next(ls, &l)) {
        if (s_is_blank(l.s, l.n))
            break;
        if (s_srt_clean(&tm->line, l.s, l.n, err) != 0 || s_timed_add_line(tm, err) != 0)
            return -1;
    }
    return s_timed_emit(tm, start, end, err);
}

/* Blocks of "index, timing, text lines, blank line"; the index may be
 * missing, blank lines may hold spaces or be doubled. */
static int s_srt_body(s_lines_t *ls, s_timed_t *tm, err_t *err)
{
    s_line_t l, timing;
    int64_t start, end;
    while (s_lines_next(ls, &l)) {
        if (s_is_blank(l.s, l.n))
            continue;
        timing = l;
        if (s_is_index(l.s, l.n) && !s_lines_next(ls, &timing)) {
            s_timed_skip(tm, l.no, "cue number without a timing line");
            break;
        }
        if (!s_srt_timing(&timing, &start, &end)) {
            s_timed_skip(tm, timing.no, s_timing_problem(&timing));
            if (!s_is_blank(timing.s, timing.n))
                s_srt_skip(ls);
            continue;
        }
        if (s_srt_cue(ls, tm, start, end, err) != 0)
            return -1;
    }
    return 0;
}

static int s_parse_srt(const char *s, size_t n, transcript_t *t, source_meta_t *meta, err_t *err)
{
    s_lines_t ls = {s, s + n, 0};
    s_timed_t tm;
    s_timed_init(&tm, t, meta, "SRT");
    int rc = s_srt_body(&ls, &tm, err);
    if (rc == 0)
        rc = s_timed_finish(&tm, err);
    s_timed_free(&tm);
    return rc;
}

/* ------------------------------------------------------------------- text */

static int s_para_flush(buf_t *para, transcript_t *t, err_t *err)
{
    if (para->len == 0)
        return 0;
    int rc = transcript_append(t, "\n\n", para->data, para->len, -1, -1, err);
    buf_reset(para);
    return rc;
}

/* True if some line of s is blank: then blank lines separate paragraphs. */
static bool s_has_blank_line(const char *s, size_t n)
{
    s_lines_t ls = {s, s + n, 0};
    s_line_t l;
    bool seen_text = false;
    while (s_lines_next(&ls, &l)) {
        bool blank = s_is_blank(l.s, l.n);
        if (blank && seen_text)
            return true;
        seen_text |= !blank;
    }
    return false;
}

/* A bulleted line starts its own paragraph even inside wrapped text. */
static bool s_is_bullet(const char *s, size_t n)
{
    return (n >= 2 && (s[0] == '-' || s[0] == '*') && s[1] == ' ') ||
           (n >= 4 && memcmp(s, "\xe2\x80\xa2 ", 4) == 0);
}

/* Paragraphs at blank lines, where the lines of one paragraph flow into one
 * (hard-wrapped text). Text with no blank line at all is one paragraph per
 * line (pasted pages, lists, logs): joining its lines would glue headings,
 * list items and sentences into one run. */
static int s_parse_text(const char *s, size_t n, transcript_t *t, err_t *err)
{
    bool line_per_para = !s_has_blank_line(s, n);
    s_lines_t ls = {s, s + n, 0};
    s_line_t l;
    buf_t para;
    buf_init(&para, S_BUF_MAX);
    int rc = 0;
    while (rc == 0 && s_lines_next(&ls, &l)) {
        if (s_is_blank(l.s, l.n)) {
            rc = s_para_flush(&para, t, err);
            continue;
        }
        if (line_per_para || s_is_bullet(l.s, l.n))
            rc = s_para_flush(&para, t, err);
        if (rc == 0)
            rc = s_words_append(&para, l.s, l.n, err);
    }
    if (rc == 0)
        rc = s_para_flush(&para, t, err);
    buf_free(&para);
    return rc;
}

/* --------------------------------------------------------- Markdown inline */

typedef struct {
    buf_t *out;    /* borrowed: prose without markup */
    size_t budget; /* bytes look-aheads may still scan in this paragraph */
    err_t *err;    /* borrowed */
} s_inl_t;

typedef struct {
    size_t text;     /* offset of the link text */
    size_t text_len; /* bytes */
    size_t end;      /* offset just past the link */
    bool footnote;   /* "[^1]": a footnote reference, dropped */
} s_link_t;

static int s_md_inline(s_inl_t *x, const char *s, size_t n, int depth);

/* Find the bracket closing s[i] == open, honouring nesting and backslash
 * escapes. Every scanned byte is charged to the paragraph's budget, which
 * keeps "[[[[…" from going quadratic: past it, brackets are plain text. */
static bool s_md_match(s_inl_t *x, const char *s, size_t n, size_t i, char close, size_t *at)
{
    char open = s[i];
    int depth = 0;
    for (size_t k = i; k < n && x->budget > 0; k++, x->budget--) {
        if (s[k] == '\\') {
            k++;
            continue;
        }
        if (s[k] == open)
            depth++;
        else if (s[k] == close && --depth == 0) {
            *at = k;
            return true;
        }
    }
    return false;
}

/* "[text](dest)", "[text][ref]" or the footnote reference "[^1]". A lone
 * "[text]" is prose ("[laughter]") and is not matched. */
static bool s_md_link(s_inl_t *x, const char *s, size_t n, size_t i, s_link_t *lk)
{
    size_t j, k;
    if (!s_md_match(x, s, n, i, ']', &j))
        return false;
    lk->text = i + 1;
    lk->text_len = j - i - 1;
    lk->footnote = false;
    if (j + 1 < n && (s[j + 1] == '(' || s[j + 1] == '[')) {
        if (!s_md_match(x, s, n, j + 1, s[j + 1] == '(' ? ')' : ']', &k))
            return false;
        lk->end = k + 1;
        return true;
    }
    if (lk->text_len > 1 && s[i + 1] == '^') {
        lk->footnote = true;
        lk->end = j + 1;
        return true;
    }
    return false;
}

/* `code`: the content is kept, the backticks go; a run with no closing run
 * of the same length is dropped. */
static int s_md_code(s_inl_t *x, const char *s, size_t n, size_t i, size_t *used)
{
    size_t r = 0;
    while (i + r < n && s[i + r] == '`')
        r++;
    *used = r;
    for (size_t k = i + r; k < n && x->budget > 0; x->budget--) {
        if (s[k] != '`') {
            k++;
            continue;
        }
        size_t r2 = 0;
        while (k + r2 < n && s[k + r2] == '`')
            r2++;
        if (r2 == r) {
            *used = k + r - i;
            return buf_append(x->out, s + i + r, k - i - r, x->err);
        }
        k += r2;
    }
    return 0;
}

/* A run of '*', '_' or '~' is dropped when it can open or close emphasis
 * (touches a word on one side); kept between spaces ("2 * 3"), inside words
 * for '_' (snake_case), between digits for '*', and for '~' unless it is
 * the "~~" of strikethrough. */
static int s_md_delim(s_inl_t *x, const char *s, size_t n, size_t i, size_t *used)
{
    char c = s[i];
    size_t r = 1;
    while (i + r < n && s[i + r] == c)
        r++;
    *used = r;
    unsigned char prev = i > 0 ? (unsigned char)s[i - 1] : ' ';
    unsigned char next = i + r < n ? (unsigned char)s[i + r] : ' ';
    bool keep = isspace(prev) && isspace(next);
    if (c == '_' && isalnum(prev) && isalnum(next))
        keep = true;
    if (c == '*' && isdigit(prev) && isdigit(next))
        keep = true;
    if (c == '~' && r != 2)
        keep = true;
    return keep ? buf_append(x->out, s + i, r, x->err) : 0;
}

/* Tags that separate words when removed ("a<br>b" is "a b"). */
static bool s_md_tag_breaks(const char *name, size_t n)
{
    static const char *const tags[] = {"br", "p",  "div", "li", "tr", "td", "th",        "hr",
                                       "h1", "h2", "h3",  "h4", "h5", "h6", "blockquote"};
    for (size_t k = 0; k < sizeof tags / sizeof tags[0]; k++)
        if (strlen(tags[k]) == n && strncasecmp(tags[k], name, n) == 0)
            return true;
    return false;
}

/* '<': an autolink "<https://…>" keeps its address, an HTML tag goes, any
 * other '<' is text. The scan stops at the next '<', so it stays linear. */
static int s_md_angle(s_inl_t *x, const char *s, size_t n, size_t i, size_t *used)
{
    *used = 1;
    size_t k = i + 1;
    for (; k < n && s[k] != '>' && s[k] != '<' && x->budget > 0; k++, x->budget--)
        ;
    if (k >= n || s[k] != '>')
        return buf_append(x->out, "<", 1, x->err);
    const char *in = s + i + 1;
    size_t len = k - i - 1;
    bool spaced = memchr(in, ' ', len) != NULL;
    bool scheme = len > 3 && isalpha((unsigned char)in[0]) && memchr(in, ':', len);
    if (!spaced && (scheme || memchr(in, '@', len))) {
        *used = len + 2;
        return buf_append(x->out, in, len, x->err);
    }
    size_t off = (len > 0 && (in[0] == '/' || in[0] == '!')) ? 1 : 0;
    if (len <= off || !isalpha((unsigned char)in[off]))
        return buf_append(x->out, "<", 1, x->err);
    size_t name = off;
    while (name < len && isalnum((unsigned char)in[name]))
        name++;
    *used = len + 2;
    return s_md_tag_breaks(in + off, name - off) ? buf_append(x->out, " ", 1, x->err) : 0;
}

static int s_md_bracket(s_inl_t *x, const char *s, size_t n, size_t i, int depth, size_t *used)
{
    s_link_t lk;
    bool image = s[i] == '!';
    *used = 1;
    if (image && (i + 1 >= n || s[i + 1] != '['))
        return buf_append(x->out, "!", 1, x->err);
    if (!s_md_link(x, s, n, i + (image ? 1 : 0), &lk))
        return buf_append(x->out, s + i, 1, x->err);
    *used = lk.end - i;
    if (image || lk.footnote)
        return 0;
    if (depth >= S_MD_DEPTH)
        return buf_append(x->out, s + lk.text, lk.text_len, x->err);
    return s_md_inline(x, s + lk.text, lk.text_len, depth + 1);
}

static int s_md_special(s_inl_t *x, const char *s, size_t n, size_t i, int depth, size_t *used)
{
    switch (s[i]) {
    case '\\':
        *used = (i + 1 < n && ispunct((unsigned char)s[i + 1])) ? 2 : 1;
        return buf_append(x->out, s + i + *used - 1, 1, x->err);
    case '`':
        return s_md_code(x, s, n, i, used);
    case '!':
    case '[':
        return s_md_bracket(x, s, n, i, depth, used);
    case '*':
    case '_':
    case '~':
        return s_md_delim(x, s, n, i, used);
    case '<':
        return s_md_angle(x, s, n, i, used);
    default:
        return s_entity(x->out, s + i, n - i, used, x->err);
    }
}

/* Append s[0..n) to x->out without inline markup. */
static int s_md_inline(s_inl_t *x, const char *s, size_t n, int depth)
{
    static const char specials[] = "\\`![*_~<&";
    size_t i = 0;
    while (i < n) {
        size_t run = i + s_span_not(s + i, n - i, specials);
        if (buf_append(x->out, s + i, run - i, x->err) != 0)
            return -1;
        if ((i = run) >= n)
            break;
        size_t used = 1;
        if (s_md_special(x, s, n, i, depth, &used) != 0)
            return -1;
        i += used;
    }
    return 0;
}

/* ---------------------------------------------------------- Markdown blocks */

typedef struct {
    transcript_t *t;     /* borrowed: output */
    source_meta_t *meta; /* borrowed: title lands here */
    buf_t raw;           /* paragraph being collected, lines joined by spaces */
    buf_t inl;           /* raw without inline markup */
    buf_t words;         /* inl with whitespace collapsed */
    int heading;         /* heading level of raw, 0 for body text */
    int item;            /* raw began as a list item: 1 bullet, 2 ordered, else 0 */
    char fence_ch;       /* '`' or '~' inside a fenced code block, else 0 */
    size_t fence_len;    /* length of the opening fence */
} s_md_t;

static int s_md_flush(s_md_t *md, err_t *err)
{
    int level = md->heading;
    md->heading = 0;
    md->item = 0;
    if (md->raw.len == 0)
        return 0;
    s_inl_t x = {&md->inl, 8 * md->raw.len + 4096, err};
    buf_reset(&md->inl);
    buf_reset(&md->words);
    int rc = s_md_inline(&x, md->raw.data, md->raw.len, 0);
    if (rc == 0)
        rc = s_words_append(&md->words, md->inl.data, md->inl.len, err);
    if (rc == 0 && md->words.len > 0) {
        if (level == 1)
            s_meta_set(&md->meta->title, md->words.data, md->words.len);
        rc = transcript_append(md->t, "\n\n", md->words.data, md->words.len, -1, -1, err);
    }
    buf_reset(&md->raw);
    return rc;
}

/* Add one line of text to the paragraph; a trailing backslash (a hard line
 * break) goes. */
static int s_md_add(s_md_t *md, const char *s, size_t n, err_t *err)
{
    s_trim(&s, &n);
    if (n > 0 && s[n - 1] == '\\')
        n--;
    if (md->raw.len > 0 && buf_append(&md->raw, " ", 1, err) != 0)
        return -1;
    return buf_append(&md->raw, s, n, err);
}

static size_t s_run_of(const char *s, size_t n, char c)
{
    size_t r = 0;
    while (r < n && s[r] == c)
        r++;
    return r;
}

/* Opening fence "```lang" or "~~~": enter a code block, which is dropped
 * (code is not prose a reader would quote). */
static bool s_md_fence_opens(s_md_t *md, const char *s, size_t n)
{
    if (n < 3 || (s[0] != '`' && s[0] != '~'))
        return false;
    size_t r = s_run_of(s, n, s[0]);
    if (r < 3 || (s[0] == '`' && memchr(s + r, '`', n - r)))
        return false;
    md->fence_ch = s[0];
    md->fence_len = r;
    return true;
}

static bool s_md_fence_closes(const s_md_t *md, const char *s, size_t n)
{
    s_trim(&s, &n);
    size_t r = s_run_of(s, n, md->fence_ch);
    return r >= md->fence_len && r == n;
}

/* "## Heading ##": level 1..6 and the text without the markers, or 0. */
static int s_md_atx(const char *s, size_t n, const char **text, size_t *text_len)
{
    size_t level = s_run_of(s, n, '#');
    if (level == 0 || level > 6 || (level < n && s[level] != ' ' && s[level] != '\t'))
        return 0;
    const char *t = s + level;
    size_t tn = n - level;
    s_trim(&t, &tn);
    size_t closing = 0;
    while (closing < tn && t[tn - 1 - closing] == '#')
        closing++;
    if (closing == tn ||
        (closing > 0 && (t[tn - 1 - closing] == ' ' || t[tn - 1 - closing] == '\t')))
        tn -= closing;
    *text = t;
    *text_len = tn;
    return (int)level;
}

/* A line of only '=' (1) or only '-' (2), the underline of a setext
 * heading when it follows paragraph text. */
static int s_md_setext(const char *s, size_t n)
{
    s_trim(&s, &n);
    if (n == 0 || (s[0] != '=' && s[0] != '-') || s_run_of(s, n, s[0]) != n)
        return 0;
    return s[0] == '=' ? 1 : 2;
}

/* "***", "- - -", "___": three or more of one of them, spaces allowed. */
static bool s_md_thematic(const char *s, size_t n)
{
    if (n == 0 || (s[0] != '*' && s[0] != '-' && s[0] != '_'))
        return false;
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == s[0])
            count++;
        else if (s[i] != ' ' && s[i] != '\t')
            return false;
    }
    return count >= 3;
}

/* Bytes of a list marker ("- ", "* ", "+ ", "1. ", "2) ") and of a task
 * box ("[ ] ", "[x] ") after it, or 0; *ordered tells which kind. As in
 * CommonMark, a number other than 1 starts an item only when any_number
 * (no paragraph open, or an ordered item open), so a wrapped line starting
 * "2024. " stays prose. */
static size_t s_md_list_marker(const char *s, size_t n, bool any_number, bool *ordered)
{
    size_t i = 0;
    *ordered = !(n > 0 && (s[0] == '-' || s[0] == '*' || s[0] == '+'));
    if (!*ordered)
        i = 1;
    else {
        while (i < n && i < 9 && isdigit((unsigned char)s[i]))
            i++;
        if (i == 0 || i >= n || (s[i] != '.' && s[i] != ')'))
            return 0;
        if (!any_number && (i != 1 || s[0] != '1'))
            return 0;
        i++;
    }
    if (i < n && s[i] != ' ' && s[i] != '\t')
        return 0;
    i = s_skip_ws(s, n, i);
    if (n - i >= 3 && s[i] == '[' && s[i + 2] == ']' && memchr(" xX", s[i + 1], 3))
        i = s_skip_ws(s, n, i + 3);
    return i;
}

/* "[label]: https://…" link reference definitions are dropped; footnote
 * definitions "[^1]: text" keep their text. Returns the bytes to skip
 * (n for a whole dropped line), or 0. */
static size_t s_md_definition(const char *s, size_t n)
{
    if (n < 4 || s[0] != '[')
        return 0;
    const char *close = memchr(s, ']', n);
    if (!close || close == s + 1 || (size_t)(close - s) + 1 >= n || close[1] != ':')
        return 0;
    return s[1] == '^' ? (size_t)(close - s) + 2 : n;
}

/* A table's delimiter row "|---|:--:|". */
static bool s_md_table_rule(const char *s, size_t n)
{
    s_trim(&s, &n);
    if (n == 0 || !memchr(s, '|', n) || !memchr(s, '-', n))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!memchr("|-: \t", s[i], 5))
            return false;
    return true;
}

/* Remove "> " blockquote markers, nested ones too. */
static void s_md_unquote(const char **s, size_t *n)
{
    for (;;) {
        size_t i = s_skip_ws(*s, *n, 0);
        if (i >= *n || (*s)[i] != '>' || i > 3)
            return;
        i++;
        if (i < *n && (*s)[i] == ' ')
            i++;
        *s += i;
        *n -= i;
    }
}

/* Lines that are one paragraph of their own: ATX headings, table rows,
 * footnote definitions. Returns 1 if handled, 0 if not, -1 on error. */
static int s_md_own_para(s_md_t *md, const char *s, size_t n, err_t *err)
{
    const char *text;
    size_t text_len, def = s_md_definition(s, n);
    int level = s_md_atx(s, n, &text, &text_len);
    if (level == 0 && def == 0 && (n == 0 || s[0] != '|'))
        return 0;
    if (s_md_flush(md, err) != 0)
        return -1;
    if (def == n)
        return 1;
    if (level == 0) { /* a table row loses its outer pipes, a footnote its label */
        text = s + (def ? def : 1);
        text_len = n - (def ? def : 1);
        s_trim(&text, &text_len);
        if (!def && text_len > 0 && text[text_len - 1] == '|')
            text_len--;
    }
    md->heading = level;
    if (s_md_add(md, text, text_len, err) != 0 || s_md_flush(md, err) != 0)
        return -1;
    return 1;
}

static int s_md_line(s_md_t *md, const char *s, size_t n, err_t *err)
{
    if (md->fence_ch) {
        if (s_md_fence_closes(md, s, n))
            md->fence_ch = 0;
        return 0;
    }
    s_md_unquote(&s, &n);
    if (s_is_blank(s, n))
        return s_md_flush(md, err);
    size_t ind = s_skip_ws(s, n, 0);
    s += ind, n -= ind;
    if (s_md_fence_opens(md, s, n))
        return s_md_flush(md, err);
    if (s_md_table_rule(s, n))
        return 0;
    int own = s_md_own_para(md, s, n, err);
    if (own != 0)
        return own < 0 ? -1 : 0;
    int setext = s_md_setext(s, n);
    if (setext && md->raw.len > 0)
        md->heading = setext;
    if (setext || s_md_thematic(s, n))
        return s_md_flush(md, err);
    bool ordered = false;
    size_t marker = s_md_list_marker(s, n, md->raw.len == 0 || md->item == 2, &ordered);
    if (marker > 0) {
        if (s_md_flush(md, err) != 0)
            return -1;
        md->item = ordered ? 2 : 1;
    }
    return s_md_add(md, s + marker, n - marker, err);
}

/* Remove HTML comments in place, "<!--" to "-->" (or to the end, as
 * CommonMark does for an unclosed one); returns the new length. */
static size_t s_md_strip_comments(char *s, size_t n)
{
    size_t r = 0, w = 0;
    for (;;) {
        const char *open = s_find(s + r, n - r, "<!--");
        size_t stop = open ? (size_t)(open - s) : n;
        memmove(s + w, s + r, stop - r);
        w += stop - r;
        if (!open)
            return w;
        const char *close = s_find(s + stop + 4, n - stop - 4, "-->");
        if (!close)
            return w;
        r = (size_t)(close - s) + 3;
    }
}

/* One "key: value" (YAML) or "key = value" (TOML) front matter line. */
static void s_md_fm_field(source_meta_t *meta, const s_line_t *l, char sep)
{
    const char *at = memchr(l->s, sep, l->n);
    if (!at)
        return;
    const char *key = l->s, *v = at + 1;
    size_t key_len = (size_t)(at - l->s), vn = l->n - key_len - 1;
    s_trim(&key, &key_len);
    s_trim(&v, &vn);
    if (vn >= 2 && (v[0] == '"' || v[0] == '\'' || v[0] == '[') &&
        v[vn - 1] == (v[0] == '[' ? ']' : v[0]))
        v++, vn -= 2;
#define S_KEY(k) (key_len == sizeof(k) - 1 && strncasecmp(key, k, key_len) == 0)
    if (S_KEY("title"))
        s_meta_set(&meta->title, v, vn);
    else if (S_KEY("author") || S_KEY("authors"))
        s_meta_set(&meta->author, v, vn);
    else if (S_KEY("date") || S_KEY("published"))
        s_meta_set(&meta->published, v, vn);
    else if (S_KEY("lang") || S_KEY("language"))
        s_meta_set_language(meta, v, vn);
#undef S_KEY
}

static bool s_line_is(const s_line_t *l, const char *what)
{
    const char *s = l->s;
    size_t n = l->n;
    s_trim(&s, &n);
    return n == strlen(what) && memcmp(s, what, n) == 0;
}

/* Front matter between "---" lines (YAML) or "+++" lines (TOML) at the
 * very top: read title, author, date and language, then skip it. Returns
 * the bytes it spans, 0 if there is none. */
static size_t s_md_front_matter(const char *s, size_t n, source_meta_t *meta)
{
    s_lines_t ls = {s, s + n, 0};
    s_line_t l;
    if (!s_lines_next(&ls, &l) || (!s_line_is(&l, "---") && !s_line_is(&l, "+++")))
        return 0;
    bool toml = s_line_is(&l, "+++");
    s_lines_t body = ls;
    size_t last = 0;
    while (ls.line_no < S_FM_LINES && s_lines_next(&ls, &l)) {
        if (toml ? s_line_is(&l, "+++") : (s_line_is(&l, "---") || s_line_is(&l, "..."))) {
            last = l.no;
            break;
        }
    }
    if (last == 0)
        return 0;
    while (s_lines_next(&body, &l) && l.no < last)
        s_md_fm_field(meta, &l, toml ? '=' : ':');
    return (size_t)(ls.p - s);
}

static int s_parse_markdown(char *s, size_t n, transcript_t *t, source_meta_t *meta, err_t *err)
{
    /* Front matter wins over the first H1 for the title: it is explicit. */
    size_t fm = s_md_front_matter(s, n, meta);
    s += fm, n -= fm;
    n = s_md_strip_comments(s, n);
    s_md_t md = {.t = t, .meta = meta};
    buf_init(&md.raw, S_BUF_MAX);
    buf_init(&md.inl, S_BUF_MAX);
    buf_init(&md.words, S_BUF_MAX);
    s_lines_t ls = {s, s + n, 0};
    s_line_t l;
    int rc = 0;
    while (rc == 0 && s_lines_next(&ls, &l))
        rc = s_md_line(&md, l.s, l.n, err);
    if (rc == 0)
        rc = s_md_flush(&md, err);
    buf_free(&md.raw);
    buf_free(&md.inl);
    buf_free(&md.words);
    return rc;
}

/* ------------------------------------------------------------- formats */

static const struct {
    const char *ext;
    source_format_t fmt;
} s_exts[] = {
    {"txt", SOURCE_FMT_TEXT},          {"text", SOURCE_FMT_TEXT}, {"md", SOURCE_FMT_MARKDOWN},
    {"markdown", SOURCE_FMT_MARKDOWN}, {"vtt", SOURCE_FMT_VTT},   {"srt", SOURCE_FMT_SRT},
};

static bool s_format_by_ext(const char *name, source_format_t *fmt)
{
    const char *dot = strrchr(name, '.');
    if (!dot || strchr(dot, '/'))
        return false;
    for (size_t i = 0; i < sizeof s_exts / sizeof s_exts[0]; i++) {
        if (strcasecmp(dot + 1, s_exts[i].ext) == 0) {
            *fmt = s_exts[i].fmt;
            return true;
        }
    }
    return false;
}

/* The line at s[*i] without its "\r\n", "\n" or "\r"; moves *i past it. */
static s_line_t s_sniff_line(const char *s, size_t n, size_t *i)
{
    s_line_t l = {s + *i, 0, 0};
    while (*i + l.n < n && s[*i + l.n] != '\n' && s[*i + l.n] != '\r')
        l.n++;
    *i += l.n;
    if (*i < n && s[*i] == '\r')
        (*i)++;
    if (*i < n && s[*i] == '\n')
        (*i)++;
    return l;
}

static source_format_t s_format_sniff(const char *body, size_t len)
{
    size_t n = len < S_SNIFF_MAX ? len : S_SNIFF_MAX, i = 0;
    if (!body)
        return SOURCE_FMT_TEXT;
    if (n >= 3 && memcmp(body, S_BOM, 3) == 0)
        i = 3;
    while (i < n && isspace((unsigned char)body[i]))
        i++;
    s_line_t l = s_sniff_line(body, n, &i);
    int64_t a, b;
    if (s_vtt_is_signature(&l))
        return SOURCE_FMT_VTT;
    if (s_is_index(l.s, l.n))
        l = s_sniff_line(body, n, &i);
    return s_srt_timing(&l, &a, &b) ? SOURCE_FMT_SRT : SOURCE_FMT_TEXT;
}

source_format_t source_format_guess(const char *name, const char *body, size_t len)
{
    source_format_t fmt;
    if (name && s_format_by_ext(name, &fmt))
        return fmt;
    return s_format_sniff(body, len);
}

const char *source_format_name(source_format_t fmt)
{
    switch (fmt) {
    case SOURCE_FMT_MARKDOWN:
        return "markdown";
    case SOURCE_FMT_VTT:
        return "vtt";
    case SOURCE_FMT_SRT:
        return "srt";
    case SOURCE_FMT_TEXT:
    default:
        return "text";
    }
}

/* --------------------------------------------------------------- parse */

static int s_parse_format(
    char *s, size_t n, source_format_t fmt, transcript_t *t, source_meta_t *meta, err_t *err)
{
    switch (fmt) {
    case SOURCE_FMT_MARKDOWN:
        return s_parse_markdown(s, n, t, meta, err);
    case SOURCE_FMT_VTT:
        return s_parse_vtt(s, n, t, meta, err);
    case SOURCE_FMT_SRT:
        return s_parse_srt(s, n, t, meta, err);
    case SOURCE_FMT_TEXT:
    default:
        return s_parse_text(s, n, t, err);
    }
}

transcript_t *source_parse(const char *name,
                           const char *body,
                           size_t len,
                           source_format_t fmt,
                           source_meta_t *meta,
                           err_t *err)
{
    assert(meta);
    s_meta_init(meta, name, fmt);
    if (len > SOURCE_MAX_BYTES) {
        err_set(err, LODE_ETOOBIG, "source is %zu bytes, over the limit of %u bytes", len,
                SOURCE_MAX_BYTES);
        return NULL;
    }
    /* Repair first, so every parser below works on valid UTF-8 with no NUL
     * byte, then drop the BOM and make every line end in '\n'. */
    size_t n = 0;
    char *copy = utf8_repair(body ? body : "", body ? len : 0, &n, &meta->n_repaired);
    char *s = copy;
    if (n >= 3 && memcmp(s, S_BOM, 3) == 0)
        s += 3, n -= 3;
    n = s_normalise_newlines(s, n);
    transcript_t *t = transcript_new();
    int rc = -1;
    if (s_is_blank(s, n))
        err_set(err, LODE_EEMPTY, "empty transcript");
    else
        rc = s_parse_format(s, n, fmt, t, meta, err);
    if (rc == 0 && t->len == 0) {
        err_set(err, LODE_EEMPTY, "empty transcript: no text left after removing markup");
        rc = -1;
    }
    if (rc == 0 && (fmt == SOURCE_FMT_VTT || fmt == SOURCE_FMT_SRT))
        t->timed = true;
    free(copy);
    if (rc != 0)
        transcript_destroy(&t);
    return t;
}

/* ---------------------------------------------------------------- JSON */

/* Set key to s if s is set; a value that is not valid UTF-8 (a caller may
 * have put a raw file name there) is repaired rather than lost. */
static void s_json_str(json_t *o, const char *key, const char *s)
{
    if (!s)
        return;
    size_t n = strlen(s);
    if (utf8_valid(s, n)) {
        json_object_set_new(o, key, json_stringn(s, n));
        return;
    }
    size_t fixed_len;
    char *fixed = utf8_repair(s, n, &fixed_len, NULL);
    json_object_set_new(o, key, json_stringn(fixed, fixed_len));
    free(fixed);
}

static void s_json_note(json_t *notes, char *text)
{
    json_array_append_new(notes, json_string(text));
    free(text);
}

char *source_meta_to_json(const source_meta_t *meta)
{
    json_t *o = json_object();
    s_json_str(o, "kind", meta->kind);
    s_json_str(o, "format", meta->format);
    s_json_str(o, "name", meta->name);
    s_json_str(o, "title", meta->title);
    s_json_str(o, "author", meta->author);
    s_json_str(o, "published", meta->published);
    if (meta->runtime_ms >= 0)
        json_object_set_new(o, "runtime_s", json_integer((meta->runtime_ms + 500) / 1000));
    s_json_str(o, "language", meta->language);
    s_json_str(o, "url", meta->url);
    s_json_str(o, "site", meta->site);
    json_t *notes = json_array();
    if (meta->n_repaired)
        s_json_note(notes, mem_printf("repaired %zu invalid UTF-8 sequence%s (U+FFFD)",
                                      meta->n_repaired, meta->n_repaired == 1 ? "" : "s"));
    if (meta->n_skipped)
        s_json_note(notes, mem_printf("skipped %zu malformed cue%s", meta->n_skipped,
                                      meta->n_skipped == 1 ? "" : "s"));
    if (json_array_size(notes) > 0)
        json_object_set_new(o, "notes", notes);
    else
        json_decref(notes);
    char *out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return out ? out : mem_strdup("{}");
}
