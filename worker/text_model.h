/*  text_model.h - the text stages with the `openai` engine: a job's requests to
 *  an OpenAI-compatible model (llm.h) driven on the worker's loop, so one
 *  worker keeps many slow model calls in flight; what to ask and what to
 *  keep of the answers is llmstage.h's business. Writes the stage's part
 *  and its .meta beside it, adds token usage to the job and its batch.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_TEXT_MODEL_H
#define LODE_TEXT_MODEL_H
#include <stddef.h>
#include <stdint.h>

#include <czmq.h>

#include "err.h"
#include "job.h"
#include "llm.h"
#include "llmstage.h"

typedef struct miner text_model_t;

/* How a job ended: err->code 0 = done (parts written), else failed. */
typedef void(text_model_report_fn)(
    void *arg, const char *id, uint32_t attempt, const err_t *err, int64_t retry_after_ms);

typedef struct {
    job_stage_t stage;       /* snippet, synthesis or fanout */
    const char *redis_url;   /* borrowed; NULL = config default */
    const char *prefix;      /* borrowed; NULL = "lode:" */
    const llm_opts_t *llm;   /* borrowed for the call only */
    const char *prompts_dir; /* --prompts, or NULL */
    size_t context_tokens;   /* the model's window; 0 = 8192 */
    int max_snippets;        /* 0 = llmstage's default */
} text_model_opts_t;

/* A miner on loop. NULL and *err: bad LLM settings, a prompt override that
 * cannot be read. */
text_model_t *text_model_new(zloop_t *loop,
                             const text_model_opts_t *opts,
                             text_model_report_fn *report,
                             void *arg,
                             err_t *err);

/* Take job id at attempt; report(arg, …) follows exactly once, from the
 * loop (or before this returns, when the job cannot start). */
void text_model_start(text_model_t *self, const char *id, uint32_t attempt);

/* Jobs in progress. */
size_t text_model_jobs(const text_model_t *self);

/* Prompts in use (for the start-up log). */
const prompts_t *text_model_prompts(const text_model_t *self);

/* Abandon jobs in progress (no reports: their leases bring them back) and
 * free; sets *self_p to NULL. Safe on NULL. */
void text_model_destroy(text_model_t **self_p);
#endif
