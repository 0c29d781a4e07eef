/*  source_impl.h - what the local source parsers share: the line reader,
 *  whitespace, entity and metadata helpers (source.c), and the per-format
 *  parsers source_parse dispatches to (source_md.c, source_cues.c). Private
 *  to those three files; callers use source.h.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_SOURCE_IMPL_H
#define LODE_SOURCE_IMPL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "source.h"
#include "transcript.h"

#define SOURCE_BUF_MAX ((size_t)256 << 20) /* scratch buffers; repair can triple the body */

/* The parsers all run over one repaired copy of the body in which every
 * line ends in '\n' (source_parse makes it), never over the caller's bytes. */

typedef struct {
    const char *p;   /* borrowed: next unread byte of the body */
    const char *end; /* borrowed: end of the body */
    size_t line_no;  /* 1-based number of the line last read */
} source_lines_t;

typedef struct {
    const char *s; /* borrowed: start of the line, without its '\n' */
    size_t n;      /* bytes */
    size_t no;     /* 1-based line number */
} source_line_t;

/* ---- source.c: lines, whitespace, entities, metadata */

/* Read the next line into *line and advance; false at the end. */
bool source_lines_next(source_lines_t *ls, source_line_t *line);

/* The next line without advancing; false at the end. */
bool source_lines_peek(const source_lines_t *ls, source_line_t *line);

/* True if s[0..n) is only ASCII or Unicode whitespace (or empty). */
bool source_is_blank(const char *s, size_t n);

/* Append the words of s[0..n) to b, one space between words and one before
 * the first when b already holds text. 0, or -1 and *err (LODE_ETOOBIG). */
int source_words_append(buf_t *b, const char *s, size_t n, err_t *err);

/* Narrow s and n past leading and trailing ASCII whitespace. */
void source_trim(const char **s, size_t *n);

/* Bytes at the start of s[0..n) that are none of set's characters. */
size_t source_span_not(const char *s, size_t n, const char *set);

/* First occurrence of the short needle in s[0..n), or NULL. */
const char *source_find(const char *s, size_t n, const char *needle);

/* First index from i on that is not a space or tab (n at most). */
size_t source_skip_ws(const char *s, size_t n, size_t i);

/* Decode the character reference at s[0] == '&' into out and set *used
 * (1 for a '&' that starts none, copied as it is). 0, or -1 and *err. */
int source_entity(buf_t *out, const char *s, size_t n, size_t *used, err_t *err);

/* Set *field to a trimmed copy of s[0..n) unless already set or empty;
 * cut at 1 KiB on a code point boundary. */
void source_meta_set(char **field, const char *s, size_t n);

/* Set meta->language when s[0..n) looks like a BCP 47 tag. */
void source_meta_set_language(source_meta_t *meta, const char *s, size_t n);

/* ---- source_cues.c: WebVTT and SRT */

/* A cue number: digits only, surrounding spaces allowed. */
bool source_is_index(const char *s, size_t n);

/* True for the "WEBVTT" signature line. */
bool source_vtt_is_signature(const source_line_t *l);

/* True for an SRT timing line "start --> end", with both times in ms. */
bool source_srt_timing(const source_line_t *l, int64_t *start, int64_t *end);

/* Timed cues of a WebVTT or SRT body into t; meta gets runtime_ms,
 * n_skipped and (VTT) language. 0, or -1 and *err as source_parse says. */
int source_parse_vtt(const char *s, size_t n, transcript_t *t, source_meta_t *meta, err_t *err);

int source_parse_srt(const char *s, size_t n, transcript_t *t, source_meta_t *meta, err_t *err);

/* ---- source_md.c: Markdown */

/* Paragraphs of a Markdown body into t; front matter and the first H1 fill
 * meta. Rewrites s in place (HTML comments go). 0, or -1 and *err. */
int source_parse_markdown(char *s, size_t n, transcript_t *t, source_meta_t *meta, err_t *err);
#endif
