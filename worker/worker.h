/*  worker.h - lode-worker: a stateless stage worker. Announces its stage and
 *  free slots to the broker, runs each job it is given on one of N threads
 *  (each with its own Redis connection), and reports DONE or FAIL. The
 *  ZeroMQ socket lives on the main thread's zloop only.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_WORKER_H
#define LODE_WORKER_H
#include <stdbool.h>

#include "curve.h"
#include "err.h"
#include "job.h"
#include "llm.h"
#include "srcdrv.h"

typedef struct worker worker_t;

typedef struct {
    job_stage_t stage;
    const char *broker;      /* endpoint to connect; borrowed */
    const char *redis_url;   /* borrowed; NULL = config default */
    const char *prefix;      /* borrowed; NULL = "lode:" */
    int concurrency;         /* credits: jobs held at once; 0 = 1 */
    int heartbeat_ms;        /* 0 = 1000 */
    int delay_ms;            /* extra time per job, to simulate a slow stage (tests, benchmarks) */
    int threads;             /* job threads for CPU work; 0 = concurrency (fetch: 2) */
    bool noop;               /* engine "noop": report every job done at once, touching
                              * nothing (benchmarks of the cluster itself) */
    const char *user_agent;  /* fetch: HTTP User-Agent; NULL = default */
    const char *allow_net;   /* fetch: CIDRs exempt from the SSRF guard, or NULL */
    int per_host_max;        /* fetch: requests at once to one host; 0 = default */
    int per_host_rps;        /* fetch: request starts per second to one host; 0 = unlimited */
    srcdrv_opts_t src;       /* fetch: source driver settings (language, YouTube endpoints) */
    bool openai;             /* text stages: the openai engine (an OpenAI-compatible
                              * model server) instead of the extractive one */
    llm_opts_t llm;          /* openai: the model server and how to call it */
    const char *prompts_dir; /* openai: --prompts DIR, or NULL */
    size_t context_tokens;   /* openai: the model's context window; 0 = 8192 */
    int max_snippets;        /* openai: snippets kept per job; 0 = default */
    curve_opts_t curve;      /* cert + server: CURVE client; zeroed = plain */
} worker_opts_t;

/* Start the job threads and connect. NULL and *err on failure. */
worker_t *worker_new(const worker_opts_t *opts, err_t *err);

/* Run until SIGINT/SIGTERM. 0 on a clean stop. */
int worker_run(worker_t *self);

/* Stop the threads and free; sets *self_p to NULL. Safe on NULL. */
void worker_destroy(worker_t **self_p);

/* Run one stage of one job against Redis, as a job thread does.
 * Exposed for tests and benchmarks. */
LODE_MUST_CHECK int worker_run_stage(
    job_stage_t stage, const char *redis_url, const char *prefix, const char *id, err_t *err);
#endif
