/*  source.h - turns a local source's bytes into a transcript: plain text and
 *  Markdown into paragraphs, WebVTT and SRT into timed cues. Repairs invalid
 *  UTF-8 and notes it. No I/O: the caller reads the file. Implemented by
 *  source.c, source_md.c and source_cues.c (private: source_impl.h).
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_SOURCE_H
#define LODE_SOURCE_H
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "job.h"
#include "transcript.h"

#define SOURCE_MAX_BYTES JOB_SOURCE_MAX_BYTES /* size limit for one source */
#define SOURCE_MIN_WORDS 20                   /* fewer words than this: too short to mine */

typedef enum {
    SOURCE_FMT_TEXT = 0,
    SOURCE_FMT_MARKDOWN,
    SOURCE_FMT_VTT,
    SOURCE_FMT_SRT,
} source_format_t;

/* Plain data describing where a transcript came from. */
typedef struct {
    char *kind;         /* owned: "text", "file" (later "youtube", "article"…) */
    char *format;       /* owned: "text", "markdown", "vtt", "srt" */
    char *name;         /* owned: file name as submitted, or NULL */
    char *title;        /* owned: Markdown front matter title or first H1, else NULL */
    char *author;       /* owned or NULL (Markdown front matter "author") */
    char *published;    /* owned ISO 8601 date or NULL (front matter "date") */
    char *language;     /* owned BCP 47 tag or NULL (VTT "Language:" header) */
    char *url;          /* owned: canonical URL of a web source, or NULL */
    char *site;         /* owned: site, channel or show name, or NULL */
    int64_t runtime_ms; /* last cue end for timed sources, else -1 */
    size_t n_repaired;  /* invalid UTF-8 sequences replaced by U+FFFD */
    size_t n_skipped;   /* VTT/SRT cues skipped for a malformed timing line */
    char *note;         /* owned or NULL: a driver's note for the facts ("used the
                           auto-generated en track: …"), first in "notes" */
    char **speakers;    /* owned: speakers named in the transcript (<v Name>, "Name:") */
    size_t n_speakers;
} source_meta_t;

/* Format from the file name's extension (.txt .md .markdown .vtt .srt), else
 * sniffed from the body ("WEBVTT" header, "1\n00:00:01,000 -->" SRT shape),
 * else text. name may be NULL. */
source_format_t source_format_guess(const char *name, const char *body, size_t len);

/* Name of a format ("vtt"). */
const char *source_format_name(source_format_t fmt);

/* Parse body into a new transcript and fill *meta, on failure too (caller
 * clears it with source_meta_clear either way). Invalid UTF-8 and NUL bytes
 * are replaced by U+FFFD and counted in meta->n_repaired; a BOM goes, CRLF
 * and CR become LF.
 * - text: paragraphs at blank lines, lines of a paragraph joined by one
 *   space, whitespace collapsed; segments untimed, joined by "\n\n".
 * - markdown: the same, without markup; headings, list items and table
 *   rows are paragraphs of their own, "> " markers go; fenced code, images,
 *   HTML comments and tags, link targets and reference definitions are
 *   dropped; YAML/TOML front matter gives title, author, date, language.
 * - vtt, srt: one timed segment per cue, joined by " "; tags, {\an8}
 *   overrides and entities handled; a cue with a bad timing line is skipped
 *   and counted in meta->n_skipped; VTT cues repeating the previous cue's
 *   last line (YouTube rolling captions) lose that line.
 * Fails with LODE_EEMPTY "empty transcript…" when no text is left,
 * LODE_EINVAL ("no valid cue in WebVTT: first problem: … at line N") for a
 * VTT/SRT that yields no cue, LODE_ETOOBIG past SOURCE_MAX_BYTES. Linear in
 * len for any input. */
transcript_t *source_parse(const char *name,
                           const char *body,
                           size_t len,
                           source_format_t fmt,
                           source_meta_t *meta,
                           err_t *err);

/* The fetch stage's check of uploaded bytes, before parsing: the size
 * limit (the client's rule, JOB_SOURCE_MAX_BYTES) and text, not a binary
 * file (textsniff.h, the client's rule too). 0, or -1 and *err
 * LODE_ETOOBIG or LODE_EUNSUPPORTED with a message for people. */
LODE_MUST_CHECK
int source_check_input(const char *body, size_t len, err_t *err);

/* Words (runs of non-space holding a letter or digit) in text[0..len),
 * counted up to at most max. */
size_t source_word_count(const char *text, size_t len, size_t max);

/* 0 if t has at least SOURCE_MIN_WORDS words. Else -1 and *err LODE_EEMPTY:
 * "empty transcript" for none, "N words: too short to mine, at least 20"
 * for a few: decided at fetch, so no text stage gets a source it cannot mine. */
LODE_MUST_CHECK
int source_check_words(const transcript_t *t, err_t *err);

/* A title for a source that has none (--text): its first words, at most
 * max_bytes (cut at a word, "…" added when cut), on one line. Caller frees;
 * NULL if text has no word. */
char *source_title_from_text(const char *text, size_t len, size_t max_bytes);

/* Free the strings of meta and zero it. */
void source_meta_clear(source_meta_t *meta);

/* JSON object of meta as in DESIGN.md's "source" part: kind, title, author,
 * published, runtime_s, language, plus format, name, speakers and notes (e.g. "repaired
 * 3 invalid UTF-8 sequences"). Absent values are omitted. Caller frees. */
char *source_meta_to_json(const source_meta_t *meta);
#endif
