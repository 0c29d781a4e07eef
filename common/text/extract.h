/*  extract.h - the embedded "extractive" engine: deterministic, offline
 *  mining of a transcript into snippets (verbatim spans with a one-line
 *  commentary), a synthesis (title and sections) and a fan-out (questions,
 *  concepts, references). Pure functions of the text; no I/O, no logging.
 *  Implemented in extract.c (the shared analysis), extract_snippets.c,
 *  extract_commentary.c, extract_synthesis.c and extract_fanout.c.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_EXTRACT_H
#define LODE_EXTRACT_H
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "transcript.h"

typedef struct {
    size_t offset;    /* bytes into the transcript text */
    size_t length;    /* bytes; the quote is text[offset, offset+length) */
    int64_t start_ms; /* start of the quote where the source is timed, else -1 */
    double score;     /* ranking score, higher is better */
    int rank;         /* 1 = best */
    char *commentary; /* owned; one line on why it matters */
    char *speaker;    /* owned: who says it, where the source names speakers; else NULL */
} extract_snippet_t;

/* Snippets in source order (by offset), non-overlapping. */
typedef struct {
    extract_snippet_t *items; /* owned */
    size_t count;
} extract_snippets_t;

typedef struct {
    size_t max_snippets; /* 0 = chosen from the length of the source */
} extract_opts_t;

typedef struct {
    char *title;    /* owned */
    char *markdown; /* owned: "# title\n\n…\n\n## section\n\n…" */
} extract_synthesis_t;

/* Where the source defines a concept or names a reference. */
typedef struct {
    char *kind;     /* owned: a reference's type ("person", "organisation", "work",
                     * "name"); NULL for a concept */
    char *sentence; /* owned: the sentence that defines (concept) or first names it */
    size_t offset;  /* code points into the transcript text, as in JSON */
    size_t length;  /* code points */
} extract_note_t;

typedef struct {
    char **questions; /* owned array of owned strings */
    size_t n_questions;
    char **concepts;
    size_t n_concepts;
    char **references;
    size_t n_references;
    extract_note_t *concept_notes;   /* owned; n_concepts of them, or NULL */
    extract_note_t *reference_notes; /* owned; n_references of them, or NULL */
} extract_fanout_t;

/* One analysis of a transcript (sentences, words, terms, keyphrases), the
 * work the three stages share. A job's snippet stage makes it and stores
 * it packed (extract_analysis.c); the synthesis and fan-out stages read it
 * back instead of analysing the text again. It borrows the transcript. */
typedef struct extract_analysis extract_analysis_t;

/* Bumped whenever what the analysis holds, or how the text model,
 * keyphrases or sentence splitter compute it, changes: a stored analysis
 * of another version is not used. */
#define EXTRACT_ANALYSIS_VERSION 1

/* Analyse t (borrowed for the analysis' life). NULL and *err: LODE_EEMPTY
 * if the text has no sentence, LODE_EINVAL when t is missing. */
extract_analysis_t *extract_analysis_new(const transcript_t *t, err_t *err);

/* Free; sets *self_p to NULL. Safe on NULL. */
void extract_analysis_destroy(extract_analysis_t **self_p);

/* The analysis as bytes to store (caller frees; *len their size): a
 * versioned binary form with a checksum, tied to the transcript's text. */
void *extract_analysis_pack(const extract_analysis_t *self, size_t *len);

/* Read back what extract_analysis_pack wrote for t. NULL and *err
 * (LODE_EINVAL) when the bytes are truncated, corrupt, of another version
 * or of another text: the caller then analyses t itself. */
extract_analysis_t *
extract_analysis_unpack(const transcript_t *t, const void *data, size_t len, err_t *err);

/* How many snippets a source of words words deserves at most, in both
 * engines: 19 * sqrt(words / 2000), rounded, 1..80 -- 19 for a 12-minute
 * talk of ~2,000 words, 42 for 10,000 words, 73 for a 3-hour podcast of
 * ~30,000. The extractive engine keeps fewer when the rest score under 30%
 * of the best unit. */
size_t extract_snippet_budget(size_t words);

/* Pick snippets: 1-4 consecutive sentences each, ranked, spread over the
 * source. opts may be NULL. LODE_EEMPTY if the text has no sentence. */
LODE_MUST_CHECK int extract_snippets(const transcript_t *t,
                                     const extract_opts_t *opts,
                                     extract_snippets_t *out,
                                     err_t *err);
/* The same on an analysis of the transcript. */
LODE_MUST_CHECK int extract_snippets_with(const extract_analysis_t *a,
                                          const extract_opts_t *opts,
                                          extract_snippets_t *out,
                                          err_t *err);
void extract_snippets_clear(extract_snippets_t *s);

/* JSON array [{"id","quote","commentary","offset","length","start_ms"?,
 * "speaker"?,"rank","score"}], offsets in code points. Caller frees. */
char *extract_snippets_to_json(const transcript_t *t, const extract_snippets_t *s);

/* The same with each item marked "match": "exact", as the snippets guard
 * (llmstage_guard_snippets) marks a quote found at the span it names, for
 * the stage that stores this engine's snippets without a JSON round trip
 * through the guard. NULL when a snippet is not a span the guard would
 * keep as it is (empty, outside the text, white space only): then the
 * caller runs the guard itself. Caller frees. */
char *extract_snippets_to_json_exact(const transcript_t *t, const extract_snippets_t *s);

/* Parse what extract_snippets_to_json wrote, back to byte offsets. Fails with
 * LODE_EINVAL if the JSON is malformed or a quote is not the span it names. */
LODE_MUST_CHECK int extract_snippets_from_json(
    const transcript_t *t, const char *json, size_t len, extract_snippets_t *out, err_t *err);

/* An essay in Markdown: a title and sections found by topic segmentation.
 * source_title may be NULL. */
LODE_MUST_CHECK int extract_synthesis(const transcript_t *t,
                                      const extract_snippets_t *s,
                                      const char *source_title,
                                      extract_synthesis_t *out,
                                      err_t *err);
LODE_MUST_CHECK int extract_synthesis_with(const extract_analysis_t *a,
                                           const extract_snippets_t *s,
                                           const char *source_title,
                                           extract_synthesis_t *out,
                                           err_t *err);
void extract_synthesis_clear(extract_synthesis_t *syn);
char *extract_synthesis_to_json(const extract_synthesis_t *syn); /* {"title","markdown"} */
LODE_MUST_CHECK int
extract_synthesis_from_json(const char *json, size_t len, extract_synthesis_t *out, err_t *err);

/* Questions raised, concepts to learn (keyphrases), references invoked
 * (people, works, organisations named in the source). syn may be NULL. */
LODE_MUST_CHECK int extract_fanout(const transcript_t *t,
                                   const extract_snippets_t *s,
                                   const extract_synthesis_t *syn,
                                   extract_fanout_t *out,
                                   err_t *err);
LODE_MUST_CHECK int extract_fanout_with(const extract_analysis_t *a,
                                        const extract_snippets_t *s,
                                        const extract_synthesis_t *syn,
                                        extract_fanout_t *out,
                                        err_t *err);
void extract_fanout_clear(extract_fanout_t *f);
/* {"questions","concepts","references"} as arrays of strings, as ever, plus
 * "concept_notes": [{"concept","sentence","offset","length"}] and
 * "reference_notes": [{"reference","type","sentence","offset","length"}]
 * when there are notes (offsets in code points). Caller frees. */
char *extract_fanout_to_json(const extract_fanout_t *f);
#endif
