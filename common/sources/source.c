/*  source.c - local sources (inline text, .txt, .md, .vtt, .srt) into a
 *  transcript: format guessing, repair and dispatch, plain text, the line,
 *  whitespace, entity and metadata helpers the parsers share, and the meta
 *  JSON. Markdown is in source_md.c, WebVTT and SRT in source_cues.c. Does
 *  no I/O and never prints.
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
#include "htmlent.h"
#include "mem.h"
#include "source_impl.h"
#include "textsniff.h"
#include "utf8.h"

#define S_META_MAX  1024           /* bytes kept of one metadata value */
#define S_SNIFF_MAX 4096           /* bytes of the body format sniffing looks at */
#define S_BOM       "\xEF\xBB\xBF" /* UTF-8 byte order mark */

/* ------------------------------------------------------------------ lines */

bool source_lines_next(source_lines_t *ls, source_line_t *line)
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

bool source_lines_peek(const source_lines_t *ls, source_line_t *line)
{
    source_lines_t copy = *ls;
    return source_lines_next(&copy, line);
}

/* ------------------------------------------------------------- whitespace */

/* Bytes of the whitespace character at s: ASCII space and controls \t..\r,
 * or a Unicode space (U+0085, U+00A0, U+2000..U+200A, U+2028, U+2029,
 * U+202F, U+205F, U+3000, U+FEFF). 0 when s[0] is not whitespace. */
static size_t s_space_len(const char *s, size_t n)
{
    static const char *const wide[] = {"\xC2\xA0",     "\xC2\x85",     "\xE2\x80\xA8",
                                       "\xE2\x80\xA9", "\xE2\x80\xAF", "\xE2\x81\x9F",
                                       "\xE3\x80\x80", "\xEF\xBB\xBF"};
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] == ' ' || (u[0] >= '\t' && u[0] <= '\r'))
        return 1;
    if (u[0] < 0xC2 || n < 2)
        return 0;
    if (n >= 3 && u[0] == 0xE2 && u[1] == 0x80 && u[2] <= 0x8A)
        return 3; /* U+2000..U+200A */
    for (size_t i = 0; i < sizeof wide / sizeof wide[0]; i++) {
        size_t k = strlen(wide[i]);
        if (n >= k && memcmp(s, wide[i], k) == 0)
            return k;
    }
    return 0;
}

bool source_is_blank(const char *s, size_t n)
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
int source_words_append(buf_t *b, const char *s, size_t n, err_t *err)
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

void source_trim(const char **s, size_t *n)
{
    while (*n > 0 && isspace((unsigned char)(*s)[0]))
        (*s)++, (*n)--;
    while (*n > 0 && isspace((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

/* Bytes at the start of s[0..n) that are none of set's characters. Bounded
 * by n: lines are not NUL-terminated, and strcspn would run to the end of
 * the whole body for every line. */
size_t source_span_not(const char *s, size_t n, const char *set)
{
    size_t set_len = strlen(set), i = 0;
    while (i < n && !memchr(set, s[i], set_len))
        i++;
    return i;
}

/* First occurrence of the short needle in s[0..n), or NULL. Linear for the
 * three- and four-byte needles used here. */
const char *source_find(const char *s, size_t n, const char *needle)
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

size_t source_skip_ws(const char *s, size_t n, size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i;
}

/* ------------------------------------------------------------- entities */

/* Decode the character reference at s[0] == '&' into out and set *used; a
 * '&' that starts none is copied as it is. Plain spaces for &nbsp; and
 * numeric breaks; U+FFFD for a number that is no character. */
int source_entity(buf_t *out, const char *s, size_t n, size_t *used, err_t *err)
{
    char enc[HTMLENT_UTF8_MAX];
    size_t m;
    *used = htmlent_ref(s, n, HTMLENT_PLAIN_SPACE | HTMLENT_INVALID_FFFD, enc, &m);
    if (*used == 0) {
        *used = 1;
        return buf_append(out, "&", 1, err);
    }
    return buf_append(out, enc, m, err);
}

/* ----------------------------------------------------------------- meta */

/* Set *field to a copy of s[0..n) unless it is already set or s is empty;
 * long values are cut at a code point boundary. */
void source_meta_set(char **field, const char *s, size_t n)
{
    source_trim(&s, &n);
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
void source_meta_set_language(source_meta_t *meta, const char *s, size_t n)
{
    source_trim(&s, &n);
    if (n == 0 || n > 35)
        return;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
            return;
    source_meta_set(&meta->language, s, n);
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
    for (size_t i = 0; i < meta->n_speakers; i++)
        free(meta->speakers[i]);
    free(meta->speakers);
    free(meta->kind);
    free(meta->format);
    free(meta->name);
    free(meta->title);
    free(meta->author);
    free(meta->published);
    free(meta->language);
    free(meta->url);
    free(meta->site);
    free(meta->note);
    memset(meta, 0, sizeof *meta);
    meta->runtime_ms = -1;
}

/* ------------------------------------------------------------------- text */

/* The name of a "Name:" turn opening s (one to three words, the first
 * capitalised, before a colon in the first 40 bytes): its length, or 0. */
static size_t s_turn_name(const char *s, size_t n)
{
    size_t words = 1;
    if (n == 0 || s[0] < 'A' || s[0] > 'Z')
        return 0;
    for (size_t i = 1; i < n && i < 40; i++) {
        if (s[i] == ':')
            return i + 1 < n && s[i + 1] == ' ' ? i : 0;
        if (s[i] == ' ' && ++words > 3)
            return 0;
    }
    return 0;
}

/* A paragraph to the transcript; in text with speaker turns, a paragraph
 * opening with "Name:" is that speaker's (the prefix stays in the text). */
static int s_para_flush(buf_t *para, transcript_t *t, bool turns, err_t *err)
{
    if (para->len == 0)
        return 0;
    int rc = transcript_append(t, "\n\n", para->data, para->len, TRANSCRIPT_UNTIMED, err);
    size_t name = turns && rc == 0 ? s_turn_name(para->data, para->len) : 0;
    if (name)
        transcript_set_speaker(t, t->n_segs - 1, para->data, name);
    buf_reset(para);
    return rc;
}

/* Text with speaker turns: three lines or more open with "Name:", so such
 * a prefix names a speaker rather than a heading ("Note: ..."). */
static bool s_has_turns(const char *s, size_t n)
{
    source_lines_t ls = {s, s + n, 0};
    source_line_t l;
    size_t turns = 0;
    while (turns < 3 && source_lines_next(&ls, &l))
        turns += s_turn_name(l.s, l.n) > 0;
    return turns >= 3;
}

/* True if some line of s is blank: then blank lines separate paragraphs. */
static bool s_has_blank_line(const char *s, size_t n)
{
    source_lines_t ls = {s, s + n, 0};
    source_line_t l;
    bool seen_text = false;
    while (source_lines_next(&ls, &l)) {
        bool blank = source_is_blank(l.s, l.n);
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

#define S_CAPTION_WORDS    14  /* a caption line has at most this many words */
#define S_CAPTION_MIN      12  /* lines before text can be called caption-shaped */
#define S_CAPTION_PARA     120 /* words after which a sentence end closes a paragraph */
#define S_CAPTION_PARA_MAX 250 /* words after which a line closes a paragraph anyway */

static size_t s_count_words(const char *s, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        w += s[i] != ' ' && s[i] != '\t' && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t');
    return w;
}

static bool s_ends_sentence(const char *s, size_t n)
{
    while (n && (s[n - 1] == ' ' || s[n - 1] == '"' || s[n - 1] == '\'' || s[n - 1] == ')'))
        n--;
    return n && (s[n - 1] == '.' || s[n - 1] == '!' || s[n - 1] == '?');
}

/* Caption-shaped text (issue #14): published transcripts that come one
 * short caption line at a time with blank lines between, most lines not
 * ending a sentence. Read line by line, each would be a "paragraph" and so
 * a sentence of its own: "when we have a lot of space in". */
static bool s_caption_shaped(const char *s, size_t n)
{
    source_lines_t ls = {s, s + n, 0};
    source_line_t l;
    size_t lines = 0, short_lines = 0, ends = 0, blanks = 0;
    while (source_lines_next(&ls, &l)) {
        if (source_is_blank(l.s, l.n)) {
            blanks++;
            continue;
        }
        lines++;
        short_lines += s_count_words(l.s, l.n) <= S_CAPTION_WORDS;
        ends += s_ends_sentence(l.s, l.n);
    }
    return lines >= S_CAPTION_MIN && blanks * 2 >= lines && short_lines * 10 >= lines * 8 &&
           ends * 10 <= lines * 4;
}

/* "Name:" or ">>" opening a line: a new speaker's turn. */
static bool s_speaker_turn(const char *s, size_t n)
{
    return (n >= 2 && s[0] == '>' && s[1] == '>') || s_turn_name(s, n) > 0;
}

/* Caption lines flowed into paragraphs: a new one at a speaker's turn, at
 * a sentence end once a paragraph is long, and at any line once it is
 * very long, so that the sentence splitter sees sentences, not lines. */
static int s_parse_captions(const char *s, size_t n, transcript_t *t, err_t *err)
{
    source_lines_t ls = {s, s + n, 0};
    source_line_t l;
    buf_t para;
    buf_init(&para, SOURCE_BUF_MAX);
    size_t words = 0;
    bool ended = false, turns = s_has_turns(s, n);
    int rc = 0;
    while (rc == 0 && source_lines_next(&ls, &l)) {
        if (source_is_blank(l.s, l.n))
            continue;
        if (s_speaker_turn(l.s, l.n) || (ended && words >= S_CAPTION_PARA) ||
            words >= S_CAPTION_PARA_MAX) {
            rc = s_para_flush(&para, t, turns, err);
            words = 0;
        }
        if (rc == 0)
            rc = source_words_append(&para, l.s, l.n, err);
        words += s_count_words(l.s, l.n);
        ended = s_ends_sentence(l.s, l.n);
    }
    if (rc == 0)
        rc = s_para_flush(&para, t, turns, err);
    buf_free(&para);
    return rc;
}

/* Paragraphs at blank lines, where the lines of one paragraph flow into one
 * (hard-wrapped text). Text with no blank line at all is one paragraph per
 * line (pasted pages, lists, logs): joining its lines would glue headings,
 * list items and sentences into one run. Caption-shaped text is flowed. */
static int s_parse_text(const char *s, size_t n, transcript_t *t, err_t *err)
{
    if (s_caption_shaped(s, n))
        return s_parse_captions(s, n, t, err);
    bool line_per_para = !s_has_blank_line(s, n), turns = s_has_turns(s, n);
    source_lines_t ls = {s, s + n, 0};
    source_line_t l;
    buf_t para;
    buf_init(&para, SOURCE_BUF_MAX);
    int rc = 0;
    while (rc == 0 && source_lines_next(&ls, &l)) {
        if (source_is_blank(l.s, l.n)) {
            rc = s_para_flush(&para, t, turns, err);
            continue;
        }
        if (line_per_para || s_is_bullet(l.s, l.n) || (turns && s_turn_name(l.s, l.n)))
            rc = s_para_flush(&para, t, turns, err);
        if (rc == 0)
            rc = source_words_append(&para, l.s, l.n, err);
    }
    if (rc == 0)
        rc = s_para_flush(&para, t, turns, err);
    buf_free(&para);
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
static source_line_t s_sniff_line(const char *s, size_t n, size_t *i)
{
    source_line_t l = {s + *i, 0, 0};
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
    source_line_t l = s_sniff_line(body, n, &i);
    int64_t a, b;
    if (source_vtt_is_signature(&l))
        return SOURCE_FMT_VTT;
    if (source_is_index(l.s, l.n))
        l = s_sniff_line(body, n, &i);
    return source_srt_timing(&l, &a, &b) ? SOURCE_FMT_SRT : SOURCE_FMT_TEXT;
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
        return source_parse_markdown(s, n, t, meta, err);
    case SOURCE_FMT_VTT:
        return source_parse_vtt(s, n, t, meta, err);
    case SOURCE_FMT_SRT:
        return source_parse_srt(s, n, t, meta, err);
    case SOURCE_FMT_TEXT:
    default:
        return s_parse_text(s, n, t, err);
    }
}

/* The transcript's speakers into the source facts ("A conversation
 * between ..."), at most a dozen. */
static void s_meta_speakers(source_meta_t *meta, const transcript_t *t)
{
    size_t n = t->n_speakers < 12 ? t->n_speakers : 12;
    if (n == 0)
        return;
    meta->speakers = mem_calloc(n, sizeof *meta->speakers);
    for (size_t i = 0; i < n; i++)
        meta->speakers[i] = mem_strdup(t->speakers[i]);
    meta->n_speakers = n;
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
    if (source_is_blank(s, n))
        err_set(err, LODE_EEMPTY, "empty transcript");
    else
        rc = s_parse_format(s, n, fmt, t, meta, err);
    if (rc == 0 && t->len == 0) {
        err_set(err, LODE_EEMPTY, "empty transcript: no text left after removing markup");
        rc = -1;
    }
    if (rc == 0 && (fmt == SOURCE_FMT_VTT || fmt == SOURCE_FMT_SRT))
        t->timed = true;
    if (rc == 0)
        s_meta_speakers(meta, t);
    free(copy);
    if (rc != 0)
        transcript_destroy(&t);
    return t;
}

/* --------------------------------------------------------------- checks */

int source_check_input(const char *body, size_t len, err_t *err)
{
    if (len > SOURCE_MAX_BYTES) {
        err_set(err, LODE_ETOOBIG, "the source is %zu bytes, over the %u MB limit", len,
                SOURCE_MAX_BYTES / (1024 * 1024));
        return -1;
    }
    return textsniff_check(body, len, err);
}

size_t source_word_count(const char *text, size_t len, size_t max)
{
    size_t n = 0;
    bool counted = false; /* the current run of non-space is counted */
    for (size_t i = 0; i < len && n < max; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
            counted = false;
            continue;
        }
        /* Bytes of multi-byte UTF-8 count as letters: "日本語" is a word. */
        if (!counted && (isalnum(c) || c >= 0x80)) {
            n++;
            counted = true;
        }
    }
    return n;
}

int source_check_words(const transcript_t *t, err_t *err)
{
    size_t n = t ? source_word_count(t->text, t->len, SOURCE_MIN_WORDS) : 0;
    if (n == 0) {
        err_set(err, LODE_EEMPTY, "empty transcript");
        return -1;
    }
    if (n < SOURCE_MIN_WORDS) {
        err_set(err, LODE_EEMPTY, "%zu word%s: too short to mine, at least %d", n,
                n == 1 ? "" : "s", SOURCE_MIN_WORDS);
        return -1;
    }
    return 0;
}

char *source_title_from_text(const char *text, size_t len, size_t max_bytes)
{
    buf_t b;
    buf_init(&b, max_bytes + 8);
    size_t i = 0, cut = 0;
    bool more = false;
    while (i < len) {
        while (i < len && isspace((unsigned char)text[i]))
            i++;
        size_t w = i;
        while (i < len && !isspace((unsigned char)text[i]))
            i++;
        if (i == w)
            break;
        if (b.len + 1 + (i - w) > max_bytes) {
            more = true;
            break;
        }
        if ((b.len > 0 && buf_append(&b, " ", 1, NULL) != 0) ||
            buf_append(&b, text + w, i - w, NULL) != 0)
            break;
        cut = b.len;
    }
    if (cut == 0) {
        buf_free(&b);
        return NULL;
    }
    b.len = cut; /* a word that did not fit may have been half appended */
    b.data[cut] = '\0';
    /* The limit kept room for the ellipsis, so this cannot fail. */
    if (more && buf_append(&b, "…", strlen("…"), NULL) != 0)
        b.data[cut] = '\0';
    return buf_steal(&b);
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
    if (meta->n_speakers) {
        json_t *sp = json_array();
        for (size_t i = 0; i < meta->n_speakers; i++)
            json_array_append_new(sp, json_string(meta->speakers[i]));
        json_object_set_new(o, "speakers", sp);
    }
    json_t *notes = json_array();
    if (meta->note)
        s_json_note(notes, mem_strdup(meta->note));
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
