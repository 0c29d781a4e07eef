/*  store.h - job state and results in Redis: the key layout, the broker's
 *  atomic state transitions, and reads and writes of a job's parts for
 *  workers and the client. Knows nothing about ZeroMQ. Synchronous hiredis
 *  with a command timeout (see the README for why not async).
 *  Implemented by store.c (connection, pipelines, script cache),
 *  store_lua.c (transitions), store_read.c (reads and writes) and
 *  store_batch.c (submit and batches), store_idem.c (submissions by
 *  idempotency key), which share store_impl.h.
 *
 *  Key layout, under a prefix P (default "lode:"). A store of several
 *  partitions (or any store on a Redis Cluster) has one such keyspace per
 *  partition N under P{pN}: (see README "Partitions and Redis Cluster");
 *  result parts of 1 KB or more are stored as zstd frames (store_part_get
 *  returns them as written):
 *    P job:ID            hash   id state stage kind url name batch attempt
 *                               attempts created_ms updated_ms finished_ms
 *                               worker error error_code error_stage retry_at_ms
 *                               completions (times it reached done; 1)
 *                               expanded (a playlist: how many jobs it made)
 *                               prompt_tokens completion_tokens (model usage;
 *                               a batch also per model: prompt_tokens:MODEL…)
 *                               input (submitted bytes: inline text or file
 *                               body; read by store_part_get, not store_job_get)
 *    P job:ID:input      string the input of a job submitted before it moved
 *                               into the hash (read, never written)
 *    P job:ID:source     string JSON source metadata          (fetch)
 *    P job:ID:transcript string JSON {text, segments}         (fetch)
 *    P job:ID:snippets   string JSON [snippet…]               (snippet)
 *    P job:ID:synthesis  string JSON {title, markdown}        (synthesis)
 *    P job:ID:fanout     string JSON {questions, concepts, references}
 *    P job:ID:curated    string JSON curation layer (client)
 *    P job:ID:PART.meta  string JSON how a text part was made (openai engine:
 *                               model, prompt hash, tokens, quote checks)
 *    P job:ID:analysis   string binary analysis of the transcript (snippet,
 *                               extractive engine; removed by the fan-out,
 *                               else expires after an hour)
 *    P jobs              zset   every job id, score created_ms
 *    P queue:STAGE       list   ready job ids of one stage (RPUSH, LPOP)
 *    P leases            zset   in-flight job ids, score lease deadline ms
 *    P dead              list   ids of failed jobs (newest first)
 *    P delayed           zset   ids waiting out a retry back-off, score due ms
 *    P batch:ID          hash   id name created_ms total
 *                               prompt_tokens completion_tokens (model usage)
 *    P batch:ID:jobs     list   the batch's job ids in submission order
 *    P stats             hash   submitted done failed retried stale counters
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_STORE_H
#define LODE_STORE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "job.h"

typedef struct store store_t;

typedef struct {
    const char *url;      /* redis://…; borrowed; NULL = config default */
    const char *prefix;   /* key prefix; borrowed; NULL = "lode:" */
    int timeout_ms;       /* connect and per-command timeout; 0 = 5000 */
    int partitions;       /* 0: as recorded in the store (else $LODE_PARTITIONS, else
                           * 1); N: a new store is made with N, an existing one
                           * must have N (LODE_EINVAL otherwise) */
    int min_replica_acks; /* a submission is acknowledged only once this many
                           * replicas have it (WAIT); 0: $LODE_MIN_REPLICAS_ACKS,
                           * else none */
    bool lazy;            /* succeed even if Redis is down now: connect on first use
                           * (a Redis that answers but refuses the password still fails:
                           * that will not mend itself) */
} store_opts_t;

/* Parts of a job, each its own key. */
#define STORE_PART_INPUT      "input"
#define STORE_PART_SOURCE     "source"
#define STORE_PART_TRANSCRIPT "transcript"
#define STORE_PART_SNIPPETS   "snippets"
#define STORE_PART_SYNTHESIS  "synthesis"
#define STORE_PART_FANOUT     "fanout"
#define STORE_PART_CURATED    "curated"
/* Beside each text stage's part: how it was made (engine, model, prompt
 * hash, tokens, quote checks); JSON, written by the openai engine. */
#define STORE_PART_SNIPPETS_META  "snippets.meta"
#define STORE_PART_SYNTHESIS_META "synthesis.meta"
#define STORE_PART_FANOUT_META    "fanout.meta"
/* The extractive engine's analysis of the transcript (binary, never
 * compressed, written by the snippet stage with STORE_ANALYSIS_TTL_MS, read
 * by the later stages, removed by the fan-out; a cache: absent or stale, a
 * stage analyses the text itself). */
#define STORE_PART_ANALYSIS   "analysis"
#define STORE_ANALYSIS_TTL_MS (3600 * 1000)

/* A job hash, copied out of Redis. Plain data; store_job_clear frees. */
typedef struct {
    char id[JOB_ID_SIZE];
    char state[16]; /* JOB_STATE_* */
    char stage[16]; /* current (or last) stage name */
    char kind[16];  /* "text", "file", "url" */
    char *url;      /* owned or NULL */
    char *name;     /* owned or NULL: submitted file name */
    char batch[JOB_ID_SIZE];
    int attempt;  /* dispatches in the current stage */
    int attempts; /* dispatches in all stages */
    int64_t created_ms;
    int64_t updated_ms;
    int64_t finished_ms;                      /* 0 until done or failed */
    char *error;                              /* owned or NULL: last error text */
    char error_code[16];                      /* err_name() of the last error, or "" */
    char error_stage[16];                     /* stage that failed, or "" */
    int64_t prompt_tokens, completion_tokens; /* model usage, every stage (0 if none) */
} store_job_t;

/* One source to submit (borrowed strings). */
typedef struct {
    const char *kind; /* "text", "file", "url" */
    const char *name; /* may be NULL */
    const char *url;  /* may be NULL */
    const char *body; /* may be NULL */
    size_t body_len;
} store_item_t;

/* Counters for `lode status` and the broker's stats. */
typedef struct {
    int64_t queued[JOB_STAGE_COUNT]; /* ready queue lengths */
    int64_t in_flight;               /* leases */
    int64_t dead;                    /* dead-letter list length */
    int64_t jobs;                    /* all jobs */
    int64_t delayed;                 /* retries waiting out their back-off */
    int64_t submitted, done, failed, retried, stale;
} store_stats_t;

/* Connect (unless opts->lazy). NULL and *err (LODE_ESTORE or LODE_EINVAL)
 * on failure; a malformed URL fails even when lazy. */
store_t *store_new(const store_opts_t *opts, err_t *err);

/* Close and free; sets *self_p to NULL. Safe on NULL. */
void store_destroy(store_t **self_p);

/* Key prefix in use (borrowed): of the partition last used. */
const char *store_prefix(const store_t *self);

/* Partitions of the store (fixed when it was made; 1 = today's layout). */
int store_partitions(const store_t *self);

/* The partition a job (or batch) id belongs to; with node, also the
 * "host:port" of the cluster master serving it (borrowed until the next
 * call; NULL on a single server). */
int store_job_partition(store_t *self, const char *id, const char **node);

/* PING; reconnects first if the connection was lost. */
LODE_MUST_CHECK int store_ping(store_t *self, err_t *err);

/* --- broker transitions: each one atomic (MULTI/EXEC or a Lua script) --- */

/* Create n jobs in a new batch and queue them for fetch, all in one
 * MULTI/EXEC: when this returns 0 the jobs are in Redis. ids (n entries) and
 * batch_id receive the new ids. */
LODE_MUST_CHECK int store_submit(store_t *self,
                                 const char *batch_name,
                                 const store_item_t *items,
                                 size_t n,
                                 char (*ids)[JOB_ID_SIZE],
                                 char batch_id[JOB_ID_SIZE],
                                 err_t *err);

/* A fetch found that its URL stands for several sources (a playlist): create
 * one fetch job per URL in the same batch, and mark parent so that its DONE
 * ends it in state "expanded" instead of moving it to the snippet stage.
 * A parent already expanded (a rerun) makes no new jobs. */
LODE_MUST_CHECK int store_expand(store_t *self,
                                 const char *parent,
                                 const char *batch_id,
                                 const char *const *urls,
                                 size_t n,
                                 char (*ids)[JOB_ID_SIZE],
                                 err_t *err);

/* One job handed out by store_dispatch_many. */
typedef struct {
    char id[JOB_ID_SIZE];
    uint32_t attempt;
} store_lease_t;

/* One DONE to apply with store_done_many. Plain data; id and worker borrowed. */
typedef struct {
    const char *id;
    uint32_t attempt;
    const char *worker; /* the name given to store_dispatch; NULL = any */
    bool applied;       /* out: false if stale */
} store_report_t;

/* Pop up to max ready jobs of stage for worker in one atomic call, each
 * marked running with attempt+1 and a lease until deadline_ms. *n gets how
 * many (0: the queue is empty). */
LODE_MUST_CHECK int store_dispatch_many(store_t *self,
                                        job_stage_t stage,
                                        int64_t deadline_ms,
                                        const char *worker,
                                        store_lease_t *out,
                                        size_t max,
                                        size_t *n,
                                        err_t *err);

/* Where store_done_many may send jobs straight to the next stage. */
typedef struct {
    const char *worker;  /* a worker of the next stage (its store_dispatch name) */
    size_t max;          /* at most this many (its free credits) */
    int64_t deadline_ms; /* their leases */
    store_lease_t *out;  /* out: the jobs now leased to worker (max entries) */
    size_t *n;           /* out: how many */
    bool queued;         /* the next stage's queue may hold jobs: those go first */
} store_handoff_t;

/* Apply n DONE reports of one stage in one atomic call (see store_done);
 * each report's applied says whether it was current. With handoff (may be
 * NULL), up to handoff->max of the jobs that move on are leased to that
 * worker of the next stage at once instead of being queued. With
 * handoff->queued, jobs waiting in the next stage's queue are leased to it
 * first, so no job overtakes a waiting one (without it, the caller says the
 * queue is empty). */
LODE_MUST_CHECK int store_done_many(store_t *self,
                                    job_stage_t stage,
                                    store_report_t *reports,
                                    size_t n,
                                    const store_handoff_t *handoff,
                                    err_t *err);

/* One store_dispatch_many call of a store_dispatch_pipeline. Plain data;
 * worker and out borrowed. */
typedef struct {
    job_stage_t stage;
    int64_t deadline_ms;
    const char *worker;
    store_lease_t *out; /* max entries */
    size_t max;
    size_t n;    /* out: jobs leased (0: the queue is empty) */
    size_t left; /* out: jobs still in the queue after this call */
    int rc;      /* out: 0, or -1 and err */
    err_t err;   /* out */
} store_dispatch_call_t;

/* One store_done_many call of a store_done_pipeline. Plain data; reports
 * and handoff borrowed. */
typedef struct {
    job_stage_t stage;
    store_report_t *reports; /* n entries; their applied is set */
    size_t n;
    const store_handoff_t *handoff; /* may be NULL */
    int rc;                         /* out: 0, or -1 and err */
    err_t err;                      /* out */
} store_done_call_t;

/* n store_dispatch_many calls in one round trip to Redis instead of n:
 * each is still atomic on its own, and they run in the order given. A call
 * whose script Redis had lost (NOSCRIPT) is run again after loading it.
 * Each call's rc and err say how it went; 0 if all succeeded, else -1 and
 * *err (the first failure). */
LODE_MUST_CHECK int
store_dispatch_pipeline(store_t *self, store_dispatch_call_t *calls, size_t n, err_t *err);

/* n store_done_many calls in one round trip, as store_dispatch_pipeline.
 * Two calls may not name the same handoff worker: each assumes its free
 * credits are its own. */
LODE_MUST_CHECK int
store_done_pipeline(store_t *self, store_done_call_t *calls, size_t n, err_t *err);

/* Pop the next ready job of stage (asking each partition in turn), mark it
 * running with attempt+1 and a lease until deadline_ms, held by worker (an
 * opaque name). 1 and id/attempt set if a job was taken, 0 if the stage's
 * queue is empty in every partition, -1 on error. */
LODE_MUST_CHECK int store_dispatch(store_t *self,
                                   job_stage_t stage,
                                   int64_t deadline_ms,
                                   const char *worker,
                                   char id[JOB_ID_SIZE],
                                   uint32_t *attempt,
                                   err_t *err);

/* The worker finished stage for id at attempt: move the job to the next
 * stage's queue, or to done after fanout. worker is the name given to
 * store_dispatch: only the worker the job was dispatched to may finish it
 * (NULL = any). 1 if applied, 0 if stale (the job is no longer at that
 * stage, attempt and worker: a late or duplicate DONE). */
LODE_MUST_CHECK int store_done(store_t *self,
                               const char *id,
                               job_stage_t stage,
                               uint32_t attempt,
                               const char *worker,
                               err_t *err);

/* Attempt limits per stage (dispatches before a job is dead-lettered) used
 * by store_fail, store_release, store_expire_leases. Default 3 each. */
void store_set_max_attempts(store_t *self, const int max_attempts[JOB_STAGE_COUNT]);

/* A deadline for the broker's passes over a partitioned store (dispatch,
 * DONEs, the sweeps: one pipeline per node each): a node that has not
 * answered within ms is skipped for that pass and, until its late replies
 * are in, for the passes after (rcl_pipeline_within). Its calls fail; one
 * that ran anyway is mended by its lease. 0 (default): wait up to the
 * Redis timeout. */
void store_set_pass_ms(store_t *self, int ms);

/* The worker failed. A retryable failure below the stage's attempt limit
 * goes back to the stage: into the delayed set until now+delay_ms (delay 0:
 * straight to the queue). Anything else marks the job failed and pushes it
 * on the dead list with the reason. 1 if applied, 0 if stale. */
LODE_MUST_CHECK int store_fail(store_t *self,
                               const char *id,
                               job_stage_t stage,
                               uint32_t attempt,
                               bool retryable,
                               int code,
                               const char *reason,
                               int64_t delay_ms,
                               const char *worker,
                               err_t *err);

/* Re-queue at once (or fail, past the limit) every job whose lease ended.
 * *n_expired gets how many (at most 1000 a call). */
LODE_MUST_CHECK int store_expire_leases(store_t *self, int *n_expired, err_t *err);

/* Move delayed retries that are due to their stage's queue. */
LODE_MUST_CHECK int store_promote_delayed(store_t *self, int *n_promoted, err_t *err);

/* Give back a job dispatched to a worker that is gone, at once (same rule
 * as an expired lease). 1 if applied, 0 if stale. */
LODE_MUST_CHECK int store_release(store_t *self, const char *id, uint32_t attempt, err_t *err);

/* Give back every leased job whose worker (the name given to
 * store_dispatch) is not in live[0..n_live): after a broker restart, the
 * workers that did not come back. *n_released gets how many. */
LODE_MUST_CHECK int store_release_orphans(
    store_t *self, const char *const *live, size_t n_live, int *n_released, err_t *err);

/* A worker announced itself (to a broker that restarted) holding held[]:
 * give back at once every other job leased to it ("worker lost"). */
LODE_MUST_CHECK int store_release_worker(store_t *self,
                                         const char *worker,
                                         const char (*held)[JOB_ID_SIZE],
                                         size_t n_held,
                                         int *n_released,
                                         err_t *err);

/* A person's retry of a failed job: off the dead list and back into a queue
 * with its attempts reset; stage -1 = the stage it failed at. 1 if re-queued,
 * 0 if the job is not failed. */
LODE_MUST_CHECK int store_retry(store_t *self, const char *id, int stage, err_t *err);

/* Retry every dead-lettered job (that failed at stage, or any if -1). */
LODE_MUST_CHECK int store_retry_all(store_t *self, int stage, int *n_retried, err_t *err);

/* Ids on the dead list, newest first. Same ownership as store_job_list. */
LODE_MUST_CHECK int store_dead_list(
    store_t *self, size_t offset, size_t count, char (**ids)[JOB_ID_SIZE], size_t *n, err_t *err);

/* --- reads and writes for workers and the client --- */

/* Read the job hash. LODE_ENOTFOUND if there is no such job. */
LODE_MUST_CHECK int store_job_get(store_t *self, const char *id, store_job_t *out, err_t *err);
void store_job_clear(store_job_t *job);

/* Ids of jobs, newest first, from offset. *ids is an array of *n ids the
 * caller frees with free(). */
LODE_MUST_CHECK int store_job_list(
    store_t *self, size_t offset, size_t count, char (**ids)[JOB_ID_SIZE], size_t *n, err_t *err);

/* Ids of jobs created in [min_ms, max_ms] (the "jobs" zset's score),
 * oldest first (newest first if newest), from offset, at most count. Same
 * ownership as store_job_list. For id prefixes (a ULID starts with its
 * time) and `lode list --since`. */
typedef struct {
    int64_t min_ms, max_ms; /* created_ms range, both ends included */
    size_t offset, count;   /* page */
    bool newest;            /* newest first */
} store_time_range_t;

LODE_MUST_CHECK int store_job_list_range(
    store_t *self, const store_time_range_t *r, char (**ids)[JOB_ID_SIZE], size_t *n, err_t *err);

/* Ids of the jobs of a batch, in submission order. Same ownership as above. */
LODE_MUST_CHECK int store_batch_jobs(
    store_t *self, const char *batch_id, char (**ids)[JOB_ID_SIZE], size_t *n, err_t *err);

/* A part's bytes (NUL-terminated, caller frees; *len may be NULL).
 * NULL and LODE_ENOTFOUND if the part is not there. */
char *store_part_get(store_t *self, const char *id, const char *part, size_t *len, err_t *err);

/* Several parts of one job (not the input) in one round trip: out[i] is
 * part i's bytes (NUL-terminated, caller frees) and lens[i] their length,
 * or NULL and 0 when that part is not there. 0, or -1 and *err (then
 * nothing is returned). At most STORE_PARTS_GET_MAX parts. */
#define STORE_PARTS_GET_MAX 8
LODE_MUST_CHECK int store_parts_get(store_t *self,
                                    const char *id,
                                    size_t n,
                                    const char *const *parts,
                                    char **out,
                                    size_t *lens,
                                    err_t *err);

/* Write a part (overwrites: a rerun of a stage leaves one result). */
LODE_MUST_CHECK int store_part_set(
    store_t *self, const char *id, const char *part, const char *data, size_t len, err_t *err);

/* One write of store_parts_put: data[0..len) into part, expiring after
 * ttl_ms when that is not 0 (a cache); data NULL removes the part. */
typedef struct {
    const char *part;
    const char *data;
    size_t len;
    int64_t ttl_ms;
} store_put_t;

/* Several writes to one job's parts in one round trip, in order. At most
 * STORE_PARTS_GET_MAX. 0, or -1 and *err (some may have been done: each
 * write is idempotent, so the stage runs again). */
LODE_MUST_CHECK int
store_parts_put(store_t *self, const char *id, size_t n, const store_put_t *puts, err_t *err);

/* Counters and queue lengths. */
LODE_MUST_CHECK int store_stats(store_t *self, store_stats_t *out, err_t *err);

/* The same, with partition p's own figures in each[p] for p < n_each
 * (each NULL, n_each 0: the sum only), all in one pass. */
LODE_MUST_CHECK int
store_stats_each(store_t *self, store_stats_t *out, store_stats_t *each, size_t n_each, err_t *err);

/* The "host:port" of the cluster master serving partition part (borrowed
 * until the next call), NULL on a single server. */
const char *store_partition_node(store_t *self, int part);

/* --- bulk batches (`lode submit -f`) ----------------------------------------
 * Keys these functions add to the layout above:
 *   P batch:ID       hash  also: open (1 while a client is still submitting
 *                          into it), lines invalid duplicates reused skipped
 *                          (the submitting client's counts, set on close)
 *   P batch:ID:urls  set   normalised URLs already in the batch, for dedupe
 *                          while submitting; deleted on close, expires after
 *                          STORE_BATCH_URLS_TTL_S if a client died first
 *   P urls           hash  normalised URL -> id of the last job a batch
 *                          submitted for it (the --skip-done index)
 */

#define STORE_BATCH_URLS_TTL_S (24 * 3600)
#define STORE_BATCH_NAME_MAX   256
#define STORE_MODEL_MAX        128 /* longer model names are cut in usage fields */
#define STORE_BATCH_MODELS     8

/* A batch hash, copied out. Plain data. Counts the client did not record
 * are -1. */
typedef struct {
    char id[JOB_ID_SIZE];
    char name[STORE_BATCH_NAME_MAX + 1]; /* "" if none */
    int64_t created_ms;
    int64_t total; /* jobs in P batch:ID:jobs */
    bool open;     /* a client is still submitting into it */
    int64_t lines, invalid, duplicates, reused, skipped;
    int64_t prompt_tokens, completion_tokens; /* model usage of its jobs (0 if none) */

    struct {
        char model[STORE_MODEL_MAX + 1];
        int64_t prompt_tokens, completion_tokens;
    } models[STORE_BATCH_MODELS]; /* the same per model (the first few seen) */

    size_t n_models;
} store_batch_t;

/* A job's state and stage, as store_job_states reads them ("" if the job
 * hash is missing). */
typedef struct {
    char state[16];
    char stage[16];
} store_job_state_t;

/* Create an empty, open batch (id, name, created_ms, total 0, open 1). */
LODE_MUST_CHECK int
store_batch_create(store_t *self, const char *name, char batch_id[JOB_ID_SIZE], err_t *err);

/* store_submit into an existing batch: n jobs created and queued for fetch,
 * appended to its job list, its total raised, in one MULTI/EXEC. -1 and
 * LODE_ENOTFOUND if there is no such batch (batches are never deleted, so
 * checking first is not a race). */
LODE_MUST_CHECK int store_submit_to_batch(store_t *self,
                                          const char *batch_id,
                                          const store_item_t *items,
                                          size_t n,
                                          char (*ids)[JOB_ID_SIZE],
                                          err_t *err);

/* Append existing jobs (reused by --skip-done) to a batch's list and total,
 * and count them in its "reused" field. */
LODE_MUST_CHECK int store_batch_add_jobs(
    store_t *self, const char *batch_id, const char (*ids)[JOB_ID_SIZE], size_t n, err_t *err);

/* Read the batch hash. -1 and LODE_ENOTFOUND if there is no such batch. */
LODE_MUST_CHECK int
store_batch_get(store_t *self, const char *batch_id, store_batch_t *out, err_t *err);

/* Ids of jobs [offset, offset+count) of a batch's list (fewer at its end).
 * *ids is an array of *n ids the caller frees with free(). */
LODE_MUST_CHECK int store_batch_page(store_t *self,
                                     const char *batch_id,
                                     size_t offset,
                                     size_t count,
                                     char (**ids)[JOB_ID_SIZE],
                                     size_t *n,
                                     err_t *err);

/* Add urls[0..n) to the batch's dedupe set in one pipeline: fresh[i] is
 * true if urls[i] was not there before (an earlier entry of the same call
 * counts: the second of two equal URLs is not fresh). */
LODE_MUST_CHECK int store_batch_mark_urls(store_t *self,
                                          const char *batch_id,
                                          const char *const *urls,
                                          size_t n,
                                          bool *fresh,
                                          err_t *err);

/* The submission is over: record the client's counts (those >= 0), drop
 * "open" and the dedupe set. */
LODE_MUST_CHECK int
store_batch_close(store_t *self, const char *batch_id, const store_batch_t *counts, err_t *err);

/* --- submissions by idempotency key (store_idem.c) ---------------------------
 *   P submit:KEY  string  the batch id and the n job ids a submission made
 *                         (26 characters each), for STORE_SUBMIT_KEY_TTL_S */

#define STORE_SUBMIT_KEY_MAX   64
#define STORE_SUBMIT_KEY_TTL_S 3600

/* What the submission with key made, if it is remembered: 1 and batch and
 * ids[0..n) set; 0 if not (a first sending, or forgotten); -1 and *err
 * (LODE_EINVAL for a key that is malformed or was used for a submission of
 * another size). */
LODE_MUST_CHECK int store_submit_recall(store_t *self,
                                        const char *key,
                                        char batch[JOB_ID_SIZE],
                                        char (*ids)[JOB_ID_SIZE],
                                        size_t n,
                                        err_t *err);

/* Remember what the submission with key made, for ttl_s seconds. */
LODE_MUST_CHECK int store_submit_remember(store_t *self,
                                          const char *key,
                                          const char *batch,
                                          const char (*ids)[JOB_ID_SIZE],
                                          size_t n,
                                          int ttl_s,
                                          err_t *err);

/* --- migration (store_migrate.c) --------------------------------------------- */

/* What store_migrate moved (or, in a dry run, would move). Plain data. */
typedef struct {
    int64_t jobs, queued, leases, delayed, dead, batches;
} store_migrate_report_t;

/* Move a store of one partition (plain key names, one Redis server) into
 * parts partitions, with the broker and workers stopped; with dry_run only
 * count. Resumable (run it again after an interruption) and idempotent (a
 * store that has parts partitions already: 0, nothing moved). -1 and *err:
 * LODE_EINVAL for a cluster, a count out of 2..STORE_PARTS_MAX or a store
 * already partitioned otherwise; LODE_ESTORE. */
LODE_MUST_CHECK int
store_migrate(store_t *self, int parts, bool dry_run, store_migrate_report_t *rep, err_t *err);

/* Move a store of one partition on one Redis server (src, plain key names;
 * it ends empty) into self as parts partitions: a Redis Cluster or another
 * server (store_migrate_copy.c). Keys are copied (DUMP/RESTORE with their
 * TTL) and then deleted from src; with dry_run only count. Resumable and
 * idempotent as store_migrate; a target that holds jobs of another store,
 * or records another count, is refused (LODE_EINVAL). Broker and workers
 * stopped. */
LODE_MUST_CHECK int store_migrate_from(
    store_t *self, store_t *src, int parts, bool dry_run, store_migrate_report_t *rep, err_t *err);

/* Look up urls[0..n) in the P urls index (one HMGET): ids[i] gets the job
 * id, or "" if the URL is not there. */
LODE_MUST_CHECK int store_url_jobs_get(
    store_t *self, const char *const *urls, size_t n, char (*ids)[JOB_ID_SIZE], err_t *err);

/* Point urls[i] at ids[i] in the P urls index (one HSET). */
LODE_MUST_CHECK int store_url_jobs_set(
    store_t *self, const char *const *urls, const char (*ids)[JOB_ID_SIZE], size_t n, err_t *err);

/* State and stage of n jobs in one pipeline of HMGETs. */
LODE_MUST_CHECK int store_job_states(
    store_t *self, const char (*ids)[JOB_ID_SIZE], size_t n, store_job_state_t *out, err_t *err);
/* Add a model's token usage to the job's and its batch's totals (HINCRBY
 * prompt_tokens / completion_tokens, and in the batch also
 * prompt_tokens:MODEL / completion_tokens:MODEL for a cost per model; batch
 * may be NULL or ""). Tokens spent on a run that later failed count too:
 * they were paid for. */
LODE_MUST_CHECK int store_usage_add(store_t *self,
                                    const char *id,
                                    const char *batch,
                                    const char *model,
                                    int64_t prompt_tokens,
                                    int64_t completion_tokens,
                                    err_t *err);
/* --- the curation layer, versioned (store_curate.c) ---
 * The job hash's curated_version field counts writes of the "curated" part
 * (absent = 0). Writers compare and set, so two editors never lose a change. */

/* The "curated" part and its version, read together. NULL and
 * LODE_ENOTFOUND if the job or the part is absent (*version still set). */
char *store_curated_get(store_t *self, const char *id, size_t *len, int64_t *version, err_t *err);

/* What a curation edit reads (store_curated_read): some result parts and
 * the layer with its version, from one script, so an edit costs two round
 * trips (this read and the write) however many parts it checks against. */
#define STORE_EDIT_PARTS_MAX 4

typedef struct {
    char *parts[STORE_EDIT_PARTS_MAX]; /* owned, in the order asked; NULL when absent */
    char *layer;                       /* owned "curated" part, or NULL */
    int64_t version;                   /* the layer's (0: never curated) */
    char state[16], stage[16];         /* the job's, for messages */
} store_edit_read_t;

/* Read job id's parts names[0..n) (n <= STORE_EDIT_PARTS_MAX; not the
 * input), its layer and version in one script. -1 and LODE_ENOTFOUND if
 * there is no such job. Free with store_edit_read_clear. */
LODE_MUST_CHECK int store_curated_read(store_t *self,
                                       const char *id,
                                       const char *const *names,
                                       size_t n,
                                       store_edit_read_t *out,
                                       err_t *err);
void store_edit_read_clear(store_edit_read_t *r);

/* How many curation writes a job remembers for undo (the oldest go); and
 * fewer once the layer is over STORE_CURATED_UNDO_BIG bytes (each entry
 * holds a whole layer: a 4 MB synthesis edit must not be kept 50 times). */
#define STORE_CURATED_UNDO_MAX     50
#define STORE_CURATED_UNDO_BIG     (256 * 1024)
#define STORE_CURATED_UNDO_BIG_MAX 8

/* One curation write: the new layer, the version it was made against, and
 * what it did in a few words (what an undo of it says; one line). */
typedef struct {
    const char *id;
    int64_t expected;
    const char *data; /* the layer, len bytes */
    size_t len;
    const char *what; /* e.g. "dropped snippet 3"; NULL: "a change" */
} store_curated_write_t;

/* Write the "curated" part if its version is still w->expected, and in the
 * same script push the layer it replaces onto the job's undo history
 * (bounded by STORE_CURATED_UNDO_MAX); *version (may be NULL) gets the new
 * one. -1 and LODE_ESTATE if another writer came first (nothing written),
 * LODE_ENOTFOUND if there is no such job. */
LODE_MUST_CHECK int
store_curated_cas(store_t *self, const store_curated_write_t *w, int64_t *version, err_t *err);

/* What an undo did (store_curated_undo). */
typedef struct {
    int64_t version; /* the layer's version after the undo */
    char what[256];  /* what the undone write did */
} store_curated_undone_t;

/* Undo the job's last curation write: if the version is still expected,
 * put back the layer that write replaced and forget it from the history
 * (the version still goes up: an undo is a write, and stale readers must
 * see it). -1 and LODE_ESTATE if stale (nothing changed), LODE_ENOTFOUND if
 * there is no such job or nothing left to undo. */
LODE_MUST_CHECK int store_curated_undo(
    store_t *self, const char *id, int64_t expected, store_curated_undone_t *out, err_t *err);

/* --- the web workbench's library page (store_library.c) --- */

/* One library row, copied out (cut to fit). */
typedef struct {
    char id[JOB_ID_SIZE];
    char state[16], stage[16], kind[16];
    char batch[JOB_ID_SIZE];
    int64_t created_ms;
    char url[512];
    char name[128];
    int64_t curated_version; /* 0: never curated */
    char title[256];         /* the source's title, "" before fetch */
    int64_t snippets;        /* proposed snippets, 0 before the snippet stage */
} store_row_t;

/* One word of a search: a job matches it if the index holds any of
 * alt[0..n) for it (the word's stems in the languages searched; see
 * store_search.c for the index). */
#define STORE_SEARCH_WORDS 8
#define STORE_SEARCH_ALTS  8

typedef struct {
    const char *alt[STORE_SEARCH_ALTS];
    size_t n;
} store_search_word_t;

/* A page cursor: "" for the first page. It carries each partition's place,
 * "."-separated: "SCORE:K" in the jobs zset (K ids of that creation time
 * passed), a position in a batch's list ("-": that partition is over), or
 * a plain rank to start from; for a search, the last id passed. */
#define STORE_CURSOR_MAX 8192

/* What to list. Strings borrowed; NULL or "" = any. */
typedef struct {
    const char *state, *kind;
    const char *batch; /* a batch's jobs in submission order instead of all, newest first */
    bool search;       /* only jobs holding every one of words[0..n_words) (the search
                          index), newest first; n_words 0 matches nothing */
    const store_search_word_t *words;
    size_t n_words;
    const char *cursor; /* NULL or "" = the first page, else a previous page's next */
    size_t limit;       /* rows wanted, room in rows; 0 = 50 */
    size_t scan_max;    /* ids examined at most per partition and call; 0 = 2000 */
} store_page_opts_t;

typedef struct {
    size_t n;                    /* rows filled */
    char next[STORE_CURSOR_MAX]; /* cursor of the next page; "" = no more */
    size_t total;                /* ids in the list (unfiltered; a search: in its
                                    rarest word's postings) */
    size_t examined;             /* ids this call looked at */
} store_page_t;

/* One page of the library, newest first across every partition: one
 * bounded script call per partition (pipelined per node), merged here. */
LODE_MUST_CHECK int store_library_page(store_t *self,
                                       const store_page_opts_t *opts,
                                       store_row_t *rows,
                                       store_page_t *page,
                                       err_t *err);

/* --- the search index (store_search.c) ---
 * Per partition, written only by the indexer (client/searchidx.c), never on
 * a worker's or the broker's path:
 *   P ix:w:TERM   zset  ids of the finished jobs holding TERM (score 0:
 *                       ordered by id, so newest first by ZREVRANGEBYLEX)
 *   P ix:doc:ID   hash  terms: the terms ID is indexed under, "\n"-joined;
 *                       title, snippets: what the library shows (read
 *                       from parts the Lua cannot, zstd-compressed ones)
 *   P ix:dirty    set   jobs to (re)index: finished since the last walk,
 *                       or curated (store_curate.c adds them)
 *   P ix:wait     zset  jobs seen unfinished, looked at again later
 *   P ix:hw       hash  the walk's place in "jobs": score, k (ids taken at
 *                       that score), wpos (place in ix:wait) */

/* The indexer's next jobs in partition part, at most max: the walk moves
 * on over new jobs (finished ones join ix:dirty, others ix:wait), looks at
 * a window of ix:wait (10 × max ids, rotating), and hands out members of ix:dirty. *ids is the
 * caller's to free; *left (may be NULL) gets ix:dirty's size after. */
LODE_MUST_CHECK int store_search_todo(store_t *self,
                                      int part,
                                      size_t max,
                                      char (**ids)[JOB_ID_SIZE],
                                      size_t *n,
                                      size_t *left,
                                      err_t *err);

/* A job as the indexer read it. Strings borrowed. */
typedef struct {
    const char *id;
    int64_t version;   /* the curated_version it was read at */
    const char *terms; /* "\n"-joined, each without "\n"; "" = none (out of the index) */
    const char *title; /* the source's (or synthesis's) title, or "" */
    int64_t snippets;  /* proposed snippets */
} store_search_doc_t;

/* Index d->id under d->terms if its curated_version is still d->version
 * (the one the terms were made from); it leaves ix:dirty. *stored: 1 when
 * written, 0 when the job is gone (its postings dropped), -1 when it was
 * curated since (left dirty for the next pass). */
LODE_MUST_CHECK int
store_search_index(store_t *self, const store_search_doc_t *d, int *stored, err_t *err);

/* Start the walk of every partition again (lode admin reindex). */
LODE_MUST_CHECK int store_search_restart(store_t *self, err_t *err);

/* --- the web workbench's review mode (store_review.c) ---
 *   P batch:ID:reviewed  set  job ids a person marked reviewed */

typedef struct {
    size_t cursor;        /* in: where to start in the batch's list; out: where id is */
    char id[JOB_ID_SIZE]; /* out: the next done, unreviewed job, or "" */
    int64_t reviewed;     /* out: jobs marked reviewed */
    int64_t total;        /* out: jobs in the batch */
} store_review_t;

/* Mark (or unmark) job id of batch reviewed. LODE_ENOTFOUND if the job is
 * not in that batch. */
LODE_MUST_CHECK int
store_review_mark(store_t *self, const char *batch, const char *id, bool reviewed, err_t *err);

/* The next done job of batch not yet reviewed, from out->cursor on
 * (examines at most 2,000 a call: "" with cursor moved on means call
 * again from there). */
LODE_MUST_CHECK int
store_review_next(store_t *self, const char *batch, store_review_t *out, err_t *err);
#endif
