/*  text_model.c - model calls of the text stages as state machines on the loop.
 *  SPDX-License-Identifier: MIT
 */
#include "text_model.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "log.h"
#include "mem.h"
#include "store.h"
#include "text_parts.h"
#include "transcript.h"

struct miner {
    job_stage_t stage;
    llm_t *llm;         /* owned */
    prompts_t *prompts; /* owned */
    store_t *store;     /* owned: the loop thread's own connection */
    char *model;        /* owned: recorded in each part's meta */
    size_t context_tokens;
    size_t max_tokens;
    int max_snippets;
    text_model_report_fn *report;
    void *arg;
    zlistx_t *jobs; /* owned: s_job_t, running or reported with calls still out */
    size_t active;  /* jobs not yet reported */
};

typedef struct {
    text_model_t *m;
    char id[JOB_ID_SIZE];
    char batch[JOB_ID_SIZE];
    uint32_t attempt;
    text_parts_t parts;
    transcript_t *t; /* owned */
    llmstage_t *run; /* owned */
    int out;         /* model calls in flight */
    bool reported;   /* the broker has its DONE or FAIL */
    int64_t prompt_tokens, completion_tokens;
    void *handle; /* our place in m->jobs */
} s_job_t;

/* One model call: which job, which of its requests. */
typedef struct {
    s_job_t *job;
    size_t slot;
} s_call_t;

static void s_job_free(s_job_t **job_p)
{
    s_job_t *job = *job_p;
    if (!job)
        return;
    llmstage_destroy(&job->run);
    transcript_destroy(&job->t);
    text_parts_clear(&job->parts);
    free(job);
    *job_p = NULL;
}

/* Add the tokens the job spent to the totals, failed or not: they were
 * paid for. */
static void s_save_usage(s_job_t *job)
{
    text_model_t *m = job->m;
    err_t err = {0};
    if (store_usage_add(m->store, job->id, job->batch, m->model, job->prompt_tokens,
                        job->completion_tokens, &err) != 0)
        log_warn(job_stage_name(m->stage), "job=%s token usage not recorded: %s", job->id, err.msg);
}

/* Forget a reported job once no call of it is out; a job that failed with
 * calls still out saves its usage when the last one is back. */
static void s_release(s_job_t *job, bool saved)
{
    if (!job->reported || job->out > 0)
        return;
    if (!saved)
        s_save_usage(job);
    zlistx_delete(job->m->jobs, job->handle);
    s_job_free(&job);
}

/* llm_cancel's word that a call of a failed job will not be made. */
static void s_drop_call(void *arg)
{
    s_call_t *call = arg;
    call->job->out--;
    free(call);
}

static void s_end(s_job_t *job, const err_t *err, int64_t retry_after_ms)
{
    text_model_t *m = job->m;
    job->reported = true;
    m->active--;
    /* A failed job's calls that have not gone out never will: a paid API
     * must not bill the rest of a job that is already lost. */
    if (err->code && job->out > 0)
        llm_cancel(m->llm, job, s_drop_call);
    /* Before the report when nothing is out: whoever sees the job done
     * sees its tokens too. */
    bool saved = job->out == 0;
    if (saved)
        s_save_usage(job);
    m->report(m->arg, job->id, job->attempt, err, retry_after_ms);
    s_release(job, saved);
}

/* Log what the guard threw away, and a line on the run. */
static void s_log_run(s_job_t *job, const char *meta)
{
    const char *stage = job_stage_name(job->m->stage);
    const char *q;
    char shown[LLMJSON_PREVIEW_MAX + 16];
    /* The model's text: escaped and cut (S4.5), so it cannot forge log lines. */
    for (size_t i = 0; (q = llmstage_rejected(job->run, i)); i++)
        log_info(stage, "job=%s rejected a quote not in the source: \"%s\"", job->id,
                 llmjson_preview(q, strlen(q), shown, sizeof shown));
    json_t *o = json_loads(meta, 0, NULL);
    json_t *quotes = json_object_get(o, "quotes");
    char checks[160] = "";
    if (quotes) /* the snippet stage's */
        snprintf(checks, sizeof checks, "; quotes verified %lld (snapped %lld), rejected %lld",
                 (long long)(json_integer_value(json_object_get(quotes, "exact")) +
                             json_integer_value(json_object_get(quotes, "normalised")) +
                             json_integer_value(json_object_get(quotes, "snapped"))),
                 (long long)json_integer_value(json_object_get(quotes, "snapped")),
                 (long long)json_integer_value(json_object_get(quotes, "rejected")));
    log_info(stage, "job=%s %lld request(s) over %lld chunk(s), %lld+%lld tokens%s", job->id,
             (long long)json_integer_value(json_object_get(o, "requests")),
             (long long)json_integer_value(json_object_get(o, "chunks")),
             (long long)job->prompt_tokens, (long long)job->completion_tokens, checks);
    json_decref(o);
}

static void s_complete(s_job_t *job)
{
    static const char *meta_parts[JOB_STAGE_COUNT] = {
        NULL, STORE_PART_SNIPPETS_META, STORE_PART_SYNTHESIS_META, STORE_PART_FANOUT_META};
    text_model_t *m = job->m;
    err_t err = {0};
    size_t len = 0;
    char *part = llmstage_result(job->run, &len);
    char *meta = llmstage_meta(job->run);
    if (!part || !meta)
        err_set(&err, LODE_ESTATE, "the %s stage ended with nothing to store",
                job_stage_name(m->stage));
    /* The meta first: a part with no meta beside it would look extractive. */
    else if (store_part_set(m->store, job->id, meta_parts[m->stage], meta, strlen(meta), &err) ==
                 0 &&
             store_part_set(m->store, job->id, text_parts_name(m->stage), part, len, &err) == 0)
        s_log_run(job, meta);
    free(part);
    free(meta);
    s_end(job, &err, -1);
}

static void s_on_answer(const llm_result_t *res, void *arg);

/* Send what the stage asks for; finish it when nothing is left. */
static void s_pump(s_job_t *job)
{
    llmstage_req_t req;
    while (llmstage_next(job->run, &req) == 1) {
        err_t err = {0};
        s_call_t *call = mem_calloc(1, sizeof *call);
        *call = (s_call_t){job, req.slot};
        llm_call_t c = {.system = req.system,
                        .user = req.user,
                        .schema_name = req.schema_name,
                        .schema = req.schema,
                        .group = job};
        if (llm_call(job->m->llm, &c, s_on_answer, call, &err) != 0) {
            free(call);
            s_end(job, &err, -1);
            return;
        }
        job->out++;
    }
    if (job->out > 0)
        return;
    if (llmstage_done(job->run))
        s_complete(job);
    else {
        err_t err = {0};
        err_set(&err, LODE_ESTATE, "the %s stage stalled with no request out",
                job_stage_name(job->m->stage));
        s_end(job, &err, -1);
    }
}

static void s_on_answer(const llm_result_t *res, void *arg)
{
    s_call_t *call = arg;
    s_job_t *job = call->job;
    size_t slot = call->slot;
    free(call);
    job->out--;
    job->prompt_tokens += res->prompt_tokens > 0 ? res->prompt_tokens : 0;
    job->completion_tokens += res->completion_tokens > 0 ? res->completion_tokens : 0;
    llmstage_usage(job->run, res->prompt_tokens, res->completion_tokens);
    if (job->reported) { /* an earlier call failed the job: drop the rest */
        s_release(job, false);
        return;
    }
    err_t err = {0};
    if (res->err.code != 0)
        s_end(job, &res->err, res->retry_after_ms);
    else if (llmstage_answer(job->run, slot, &res->resp, &err) != 0)
        s_end(job, &err, -1);
    else
        s_pump(job);
}

text_model_t *text_model_new(zloop_t *loop,
                             const text_model_opts_t *opts,
                             text_model_report_fn *report,
                             void *arg,
                             err_t *err)
{
    text_model_t *self = mem_calloc(1, sizeof *self);
    self->stage = opts->stage;
    self->report = report;
    self->arg = arg;
    self->jobs = zlistx_new();
    self->context_tokens = opts->context_tokens;
    self->max_tokens = opts->llm && opts->llm->max_tokens > 0 ? (size_t)opts->llm->max_tokens : 0;
    self->max_snippets = opts->max_snippets;
    self->model = mem_strdup(opts->llm && opts->llm->model ? opts->llm->model : "");
    store_opts_t so = {.url = opts->redis_url, .prefix = opts->prefix, .lazy = true};
    if (!(self->prompts = prompts_load(opts->prompts_dir, err)) ||
        !(self->store = store_new(&so, err)) || !(self->llm = llm_new(loop, opts->llm, err))) {
        text_model_destroy(&self);
        return NULL;
    }
    return self;
}

/* Read what the stage works on and set up its run. */
static int s_prepare(text_model_t *self, s_job_t *job, err_t *err)
{
    store_job_t rec;
    if (store_ping(self->store, err) != 0) /* after a Redis restart: reconnect, not fail */
        err_clear(err);
    if (store_job_get(self->store, job->id, &rec, err) != 0)
        return -1;
    snprintf(job->batch, sizeof job->batch, "%s", rec.batch);
    store_job_clear(&rec);
    if (text_parts_load(self->store, job->id, self->stage, &job->parts, err) != 0)
        return -1;
    if (!(job->t = transcript_from_json(job->parts.transcript, job->parts.transcript_len, err)))
        return -1;
    llmstage_opts_t lo = {.stage = self->stage,
                          .transcript = job->t,
                          .title = job->parts.title,
                          .snippets_json = job->parts.snippets,
                          .synthesis_json = job->parts.synthesis,
                          .prompts = self->prompts,
                          .model = self->model,
                          .context_tokens = self->context_tokens,
                          .max_tokens = self->max_tokens,
                          .max_snippets = self->max_snippets};
    if (!(job->run = llmstage_new(&lo, err))) {
        if (err->code == LODE_EEMPTY)
            err_prefix(err, "nothing sent to the model: ");
        return -1;
    }
    return 0;
}

void text_model_start(text_model_t *self, const char *id, uint32_t attempt)
{
    s_job_t *job = mem_calloc(1, sizeof *job);
    job->m = self;
    job->attempt = attempt;
    snprintf(job->id, sizeof job->id, "%s", id);
    job->handle = zlistx_add_end(self->jobs, job);
    self->active++;
    err_t err = {0};
    if (s_prepare(self, job, &err) != 0)
        s_end(job, &err, -1);
    else
        s_pump(job);
}

size_t text_model_jobs(const text_model_t *self)
{
    return self->active;
}

const prompts_t *text_model_prompts(const text_model_t *self)
{
    return self->prompts;
}

void text_model_destroy(text_model_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    text_model_t *self = *self_p;
    /* First the client, so no callback can reach a job freed below. */
    llm_destroy(&self->llm);
    for (s_job_t *job = zlistx_first(self->jobs); job; job = zlistx_next(self->jobs))
        s_job_free(&job);
    zlistx_destroy(&self->jobs);
    store_destroy(&self->store);
    prompts_destroy(&self->prompts);
    free(self->model);
    free(self);
    *self_p = NULL;
}
