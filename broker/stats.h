/*  stats.h - the broker's live figures: per-stage counters (dispatched, done,
 *  retried, failed, dead, stale), stage-time histograms, per-worker figures,
 *  and once a tick a plain snapshot of them that the broker publishes as JSON
 *  on a PUB socket (`lode top`) and hands to metrics.c (/metrics). Counters
 *  live for the broker process; Redis holds the lasting totals. Everything
 *  here runs on the broker's loop thread except the plain-data functions.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_STATS_H
#define LODE_STATS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <czmq.h>

#include "curve.h"
#include "err.h"
#include "job.h"
#include "store.h"

typedef struct stats stats_t;

#define STATS_PUB_DEFAULT  "tcp://127.0.0.1:5556" /* lode-broker --pub, lode top --pub */
#define STATS_TOPIC        "stats"                /* first frame of every PUB message */
#define STATS_HIST_BOUNDS  18                     /* finite bucket bounds; +Inf follows */
#define STATS_HOST_SIZE    64
#define STATS_WORKER_SIZE  128  /* a worker's key: its ZeroMQ identity in hex */
#define STATS_MAX_WORKERS  4096 /* workers listed in one snapshot */
#define STATS_JSON_VERSION 1

/* Upper bounds of the histogram buckets in ms, log-spaced (1-2.5-5 steps)
 * from 1 ms to 10 min: STATS_HIST_BOUNDS entries. */
extern const double stats_hist_bounds_ms[STATS_HIST_BOUNDS];

/* How a report ended one stage attempt. Disjoint: they add up to the
 * reports the broker received. */
typedef enum {
    STATS_DONE = 0,    /* the stage finished */
    STATS_RETRIED = 1, /* a retryable failure: back to the stage after a back-off */
    STATS_FAILED = 2,  /* a permanent failure: dead-lettered at once */
    STATS_DEAD = 3,    /* a retryable failure on the last attempt: dead-lettered */
    STATS_STALE = 4,   /* a late or duplicate report, ignored */
    STATS_OUTCOMES = 5,
    STATS_NONE = -1 /* not recorded (Redis was away): not counted */
} stats_outcome_t;

/* A fixed-bucket histogram of durations. Plain data; zeroed = empty. */
typedef struct {
    uint64_t counts[STATS_HIST_BOUNDS + 1]; /* per bucket, not cumulative; last = over the
                                               top bound */
    uint64_t n;                             /* observations */
    double sum_ms;                          /* their sum */
    double min_ms;                          /* the smallest (0 while empty) */
    double max_ms;                          /* the largest */
} stats_hist_t;

/* One stage in a snapshot. */
typedef struct {
    int64_t queued;     /* ready queue length in Redis; -1 until first read */
    uint32_t in_flight; /* jobs held by this stage's connected workers */
    uint32_t workers;   /* connected workers of this stage */
    uint32_t credits;   /* their free credits */
    uint64_t dispatched;
    uint64_t outcomes[STATS_OUTCOMES]; /* reports by stats_outcome_t */
    double done_per_s;                 /* over the last few seconds */
    double failed_per_s;               /* retried + failed + dead, same window */
    stats_hist_t hist;                 /* stage time of finished (done) runs */
} stats_stage_t;

/* One connected worker in a snapshot. */
typedef struct {
    char key[STATS_WORKER_SIZE];  /* identity in hex (the broker's key) */
    char name[STATS_WORKER_SIZE]; /* identity as text when printable ("host/pid/tag"),
                                     else the key */
    char host[STATS_HOST_SIZE];   /* from READY; "" if the worker did not say */
    job_stage_t stage;
    uint32_t credits; /* free */
    uint32_t held;    /* jobs it holds now */
    uint64_t done;    /* reports counted done */
    uint64_t failed;  /* retried + failed + dead */
    double mean_ms;   /* stage time of its done jobs; 0 if none */
    double p99_ms;
} stats_worker_t;

/* What the broker publishes once a tick. Plain data; stats_snapshot_clear
 * frees workers. */
typedef struct {
    int64_t time_ms;    /* wall clock */
    int64_t uptime_ms;  /* since stats_new */
    bool redis_ok;      /* the last Redis read succeeded; Redis figures are the last known */
    int64_t leases;     /* in flight, all stages (Redis) */
    int64_t delayed;    /* retries waiting out a back-off */
    int64_t dead;       /* dead-letter list length */
    int64_t jobs;       /* all jobs in Redis */
    uint64_t submitted; /* jobs accepted by this broker */
    uint64_t bad_frames;
    stats_stage_t stages[JOB_STAGE_COUNT];
    stats_worker_t *workers; /* owned: n_workers, sorted by stage then name */
    size_t n_workers;
    struct stats_part *parts; /* owned: each partition of a partitioned store
                                 (stats_parts.h), n_parts; NULL otherwise */
    size_t n_parts;
} stats_snapshot_t;

/* --- histogram (plain data, any thread) --- */

void stats_hist_observe(stats_hist_t *h, double ms);

/* The q-quantile (0..1) in ms, interpolated within its bucket as
 * Prometheus's histogram_quantile does, and kept between the smallest and
 * the largest observation. 0 if empty. */
double stats_hist_quantile(const stats_hist_t *h, double q);

/* Mean in ms; 0 if empty. */
double stats_hist_mean(const stats_hist_t *h);

/* --- the live figures (broker loop thread) --- */

stats_t *stats_new(int64_t now_ms);

/* Free; sets *self_p to NULL. Safe on NULL. */
void stats_destroy(stats_t **self_p);

/* The outcome of a report: rc is store_done/store_fail's result (-1 error,
 * 0 stale, 1 applied); done for a DONE; for a FAIL, retryable and whether
 * attempt was below the stage's limit decide between retried, failed, dead. */
stats_outcome_t
stats_outcome(int rc, bool done, bool retryable, uint32_t attempt, int max_attempts);

/* Count a report from worker key (NULL if unknown) at stage. ms: the stage
 * time the worker measured (DONE/FAIL "ms"; -1 if it did not say), observed
 * for done runs. STATS_NONE is ignored. */
void stats_report(
    stats_t *self, const char *key, job_stage_t stage, stats_outcome_t outcome, int64_t ms);

/* Count a dispatch at stage; n jobs accepted from a client. */
void stats_dispatched(stats_t *self, job_stage_t stage);
void stats_submitted(stats_t *self, size_t n);

/* Remember a worker's host (READY "host"; "" or NULL = unknown). */
void stats_worker_host(stats_t *self, const char *key, const char *host);

/* Once a tick, for every connected worker: its stage, free credits and the
 * jobs it holds. Workers not listed since the last snapshot are forgotten. */
void stats_worker_seen(
    stats_t *self, const char *key, job_stage_t stage, uint32_t credits, uint32_t held);

/* Take a snapshot: Redis figures from st (NULL if store_stats failed: the
 * last known ones stay and redis_ok is false), bad_frames from the broker.
 * Also advances the rate window. *out is the caller's (stats_snapshot_clear). */
void stats_snapshot(stats_t *self,
                    const store_stats_t *st,
                    uint64_t bad_frames,
                    int64_t now_ms,
                    stats_snapshot_t *out);

void stats_snapshot_clear(stats_snapshot_t *snap);

/* --- rendering and publishing --- */

/* The snapshot as one line of JSON (docs in client/top.h). Caller frees. */
char *stats_snapshot_json(const stats_snapshot_t *snap);

/* A worker's routing id (key, in hex) as text when every byte is printable
 * (workers name themselves "host/pid/tag"), else the hex itself. */
void stats_key_name(const char *key, char *out, size_t size);

/* Name of an outcome for labels and JSON ("done", "retried", …). */
const char *stats_outcome_name(stats_outcome_t outcome);

/* Bind a PUB socket at endpoint for snapshots. With CURVE on (curve->cert
 * set) it is a CURVE server with the broker's certificate, admitted by the
 * broker's ZAP handler (which must already run: curve_server_new). NULL and
 * *err on failure. */
zsock_t *stats_pub_new(const char *endpoint, const curve_opts_t *curve, err_t *err);

/* Send [STATS_TOPIC, json] on pub without blocking (a slow subscriber loses
 * snapshots, never stalls the broker). -1 and *err if it could not be queued. */
LODE_MUST_CHECK int stats_publish(zsock_t *pub, const stats_snapshot_t *snap, err_t *err);
#endif
