/*  stagefix.h - fixtures shared by the llmstage tests (test_llmstage.c,
 *  test_llmstage_long.c, test_llmstage_synth.c, test_llmstage_prompts.c).
 *  Test code only: the functions assert with cmocka and fail the running
 *  test on anything unexpected.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_STAGEFIX_H
#define LODE_STAGEFIX_H
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "err.h"
#include "llmstage.h"

/* Seven sentences of a real talk; stagefix_transcript gives one cue each. */
#define STAGEFIX_N_SENTS 7
extern const char *const stagefix_sents[STAGEFIX_N_SENTS];

/* The temp dir of the running test (made by stagefix_setup). */
extern char stagefix_root[64];

/* cmocka setup and teardown: a temp dir with HOME inside it, no
 * XDG_CONFIG_HOME or LODE_PROMPTS; removed after the test. */
int stagefix_setup(void **state);
int stagefix_teardown(void **state);

/* A timed transcript: one cue per sentence of stagefix_sents, 5 s each. */
transcript_t *stagefix_transcript(void);

/* Sentence i of an untimed transcript (about 90 bytes; caller frees), and
 * a transcript of n of them. */
char *stagefix_long_sentence(size_t i);
transcript_t *stagefix_long_transcript(size_t n);

/* Words in the transcript's text. */
size_t stagefix_count_words(const transcript_t *t);

/* mkdir -p stagefix_root/sub; its path (caller frees). */
char *stagefix_mkdir(const char *sub);

/* Write text to dir/name. */
void stagefix_write(const char *dir, const char *name, const char *text);

/* True if prompts_installed_dir()/name exists. */
bool stagefix_installed(const char *name);

/* The prompts as the programs load them (no --prompts dir). */
prompts_t *stagefix_prompts(void);

/* Feed content (finish_reason finish) as the answer to request slot. */
int stagefix_answer(
    llmstage_t *st, size_t slot, const char *content, const char *finish, err_t *err);

/* The stage's result and meta as parsed JSON (caller decrefs). */
json_t *stagefix_result(llmstage_t *st);
json_t *stagefix_meta(llmstage_t *st);

/* The integer at a dotted path ("usage.requests") and the string at key of
 * o; either must be there. */
json_int_t stagefix_int(json_t *o, const char *path);
const char *stagefix_str(json_t *o, const char *key);

/* The item's quote is exactly the transcript's text at offset, length (code
 * points). */
void stagefix_assert_verbatim(const transcript_t *t, json_t *item);

/* The source text a map request carries (between <<< and >>>; caller frees). */
char *stagefix_chunk_of(const char *user);

/* A stage over t with prompts p, a context window and max_tokens. */
llmstage_t *stagefix_stage(
    job_stage_t stage, const transcript_t *t, const prompts_t *p, size_t context, size_t max);

/* A test's stage, prompts and transcript, freed in the right order. */
void stagefix_free(llmstage_t **st, prompts_t **p, transcript_t **t);
#endif
