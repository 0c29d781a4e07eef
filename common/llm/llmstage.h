/*  llmstage.h - what the `openai` engine asks a model for one job's stage,
 *  and what it makes of the answers: prompts rendered from files, a long
 *  transcript split into overlapping chunks that fit the context window
 *  (map), the answers merged (reduce), every proposed quote verified and
 *  snapped against the transcript (quote.h) and the part written in the same
 *  JSON shape as the extractive engine's. A state machine with no I/O: the
 *  caller sends the requests it hands out (llm.h) and feeds the answers back.
 *
 *  Snippets: one request per chunk; quotes verified against the whole
 *  transcript, duplicates (overlapping spans) dropped, up to max_snippets
 *  kept, spread over the chunks, in source order.
 *  Synthesis: one request when the source fits (leaving out the stored
 *  snippets if that makes it fit); else a notes request per chunk
 *  (prompts/notes.md), then the synthesis request over the notes, cut
 *  fairly when they are still too long.
 *  Fan-out: one request per chunk (the synthesis and snippets ride along),
 *  lists merged, duplicates dropped, capped.
 *  An answer that is not the JSON asked for gets one repair request (the
 *  answer and what was wrong with it are sent back); a second bad answer
 *  fails the stage. An answer cut by max tokens (finish_reason "length")
 *  fails it at once, except one part's of a chunked snippets map: its
 *  complete quotes are kept.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_LLMSTAGE_H
#define LODE_LLMSTAGE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "job.h"
#include "llmjson.h"
#include "prompts.h"
#include "transcript.h"

/* Prompts (files, lookup order, hashes, rendering): prompts.h. */

/* --- one job's stage --------------------------------------------------------- */

typedef struct llmstage llmstage_t;

typedef struct {
    job_stage_t stage;              /* snippet, synthesis or fanout */
    const transcript_t *transcript; /* borrowed for the life of the stage */
    const char *title;              /* source title or NULL */
    const char *snippets_json;      /* synthesis, fanout: the stored snippets part */
    const char *synthesis_json;     /* fanout: the stored synthesis part */
    const prompts_t *prompts;       /* borrowed for the life of the stage */
    const char *model;              /* recorded in the meta; borrowed */
    size_t context_tokens;          /* the model's window; 0 = 8192 */
    size_t max_tokens;              /* reserved for the answer; 0 = 2048 */
    int max_snippets;               /* 0 = extract_snippet_budget(transcript words) */
    double min_snap_score;          /* 0 = quote.h's default */
} llmstage_opts_t;

/* A request the caller should send. Strings owned by the stage, valid until
 * the next llmstage_* call on it. */
typedef struct {
    size_t slot;        /* give it back to llmstage_answer */
    const char *system; /* may be NULL */
    const char *user;
    const char *schema_name; /* for response_format json_schema */
    const char *schema;      /* JSON Schema text of the expected answer */
} llmstage_req_t;

/* NULL and *err: LODE_EEMPTY for an empty transcript (nothing is ever sent
 * to a model then), LODE_EINVAL for a bad argument or a stored part that does
 * not parse, LODE_ETOOBIG when the prompt alone does not fit the window. */
llmstage_t *llmstage_new(const llmstage_opts_t *opts, err_t *err);
void llmstage_destroy(llmstage_t **self_p);

/* The next request to send: 1 and *req, or 0 when none is due until more
 * answers arrive (or the stage is finished). Map requests are handed out all
 * at once, so they run in parallel. */
int llmstage_next(llmstage_t *self, llmstage_req_t *req);

/* The answer to request slot. 0 if taken (it may have queued a repair or
 * the next phase: call llmstage_next again); -1 and *err when the stage has
 * failed (an answer still bad after its repair; codes as llmjson.h), and
 * the same failure for any later answer. -1 and LODE_EINVAL, the stage
 * unharmed, for a slot that is not waiting for an answer. Token counts in
 * resp are not added (llmstage_usage does that). */
LODE_MUST_CHECK int
llmstage_answer(llmstage_t *self, size_t slot, const llmjson_response_t *resp, err_t *err);

/* Every request answered and merged. */
bool llmstage_done(const llmstage_t *self);

/* The part to store (caller frees), once done, else NULL; *len (may be
 * NULL) gets its length: the same JSON shape as the extractive engine's
 * (extract.h). Snippet items also carry "match" ("exact", "normalised",
 * "snapped") and, when snapped, "snap_score"; their "rank" is the order
 * they were picked in (each chunk's first quote, then each one's second…,
 * in the model's order), "score" falls from 1 with the rank. */
char *llmstage_result(llmstage_t *self, size_t *len);

/* What to store beside it (caller frees): {"engine":"openai","model",
 * "stage","prompt","prompt_hash","prompt_origin","chunks","requests",
 * "repairs","prompt_tokens","completion_tokens","context_tokens",
 * "max_tokens","quotes":{"proposed","exact","normalised","snapped",
 * "rejected"},"cut_answers"} (quotes, cut_answers: snippet stage only; "prompt"
 * is the template's file name). A synthesis written from notes adds
 * "notes":{"prompt_hash","prompt_origin","chunks","truncated"} (truncated:
 * the joined notes were cut, each part's to an equal share, to fit).
 * "snippets_omitted":true when the stored snippets were left out of a
 * synthesis or fan-out prompt because they did not fit the window. Token
 * counts are added by llmstage_usage as the caller learns them. */
char *llmstage_meta(const llmstage_t *self);
void llmstage_usage(llmstage_t *self, int64_t prompt_tokens, int64_t completion_tokens);

/* Quotes rejected so far, with their text, for the log: the n-th (from 0),
 * or NULL past the end; the first 1000, each cut to 512 bytes at a code
 * point (the text is the model's: escape it before logging). Borrowed. */
const char *llmstage_rejected(const llmstage_t *self, size_t n);

/* The guard every engine's snippets pass through: each item's quote is
 * looked up in t (quote.h); items not found are dropped (*rejected counts
 * them), found ones get the exact span's quote, offset, length (code
 * points) and start_ms, and "match" ("snap_score" when snapped); an item
 * whose offset and length already name its exact quote keeps that span.
 * Other fields are kept; ids are renumbered 1..n. Returns the new array
 * (caller frees) or NULL and *err (LODE_EINVAL) when json is not a
 * snippets array or an item has no quote. rejected may be NULL. */
char *llmstage_guard_snippets(
    const transcript_t *t, const char *json, size_t len, size_t *rejected, err_t *err);
#endif
