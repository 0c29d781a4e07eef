/*  broker_impl.h - the broker's state and the worker-table helpers shared
 *  by broker.c (loop, dispatch, reports) and workers.c (the worker table).
 *  Private to those files; callers use broker.h.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_BROKER_IMPL_H
#define LODE_BROKER_IMPL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <czmq.h>

#include "broker.h"
#include "curve.h"
#include "job.h"
#include "metrics.h"
#include "proto.h"
#include "stats.h"
#include "store.h"

#define BROKER_MAX_INFLIGHT   1024 /* jobs one worker may hold, whatever it announces */
#define BROKER_DISPATCH_BATCH 256  /* jobs taken from Redis in one call */
#define BROKER_REPORT_BATCH   256  /* DONEs applied to Redis in one call */
#define BROKER_KEY_SIZE       128  /* a worker's name: its routing id in hex */

typedef struct {
    char id[JOB_ID_SIZE];
    uint32_t attempt;
} broker_held_t;

/* A DONE waiting for the end of the pass over the socket. */
typedef struct {
    char id[JOB_ID_SIZE];
    char key[BROKER_KEY_SIZE]; /* who reported it */
    uint32_t attempt;
    int64_t ms; /* stage time the worker measured; -1 if it did not say */
} broker_done_t;

/* Scratch for a dispatch round (s_dispatch_all): calls[i] leases into
 * leases[i] for workers[i]. Grown, never shrunk. */
typedef struct broker_worker broker_worker_t;

typedef struct {
    store_dispatch_call_t *calls;                   /* owned */
    broker_worker_t **workers;                      /* owned array; borrowed workers */
    store_lease_t (*leases)[BROKER_DISPATCH_BATCH]; /* owned */
    size_t cap;
} broker_round_t;

struct broker_worker {
    zframe_t *identity;         /* owned: ROUTER routing id */
    char key[BROKER_KEY_SIZE];  /* identity in hex, the key in self->workers */
    char name[BROKER_KEY_SIZE]; /* identity as logs and `lode top` show it ("host/pid/tag") */
    job_stage_t stage;
    uint32_t credits;    /* jobs it can still take */
    int64_t last_ms;     /* last message from it */
    broker_held_t *held; /* owned: jobs dispatched to it and not yet reported */
    size_t n_held;
    size_t cap_held;
    uint64_t done; /* jobs it finished */
    bool more_ok;  /* takes JOB frames with more (its READY said so) */
    bool leaving;  /* stopping: gets no job, its reports return no credit */
};

struct broker {
    broker_opts_t opts;
    zsock_t *router;                   /* owned */
    curve_t *curve;                    /* owned: ZAP handler when CURVE is on */
    zloop_t *loop;                     /* owned */
    store_t *store;                    /* owned */
    zhashx_t *workers;                 /* owned: key -> broker_worker_t */
    bool maybe_ready[JOB_STAGE_COUNT]; /* false once a queue was seen empty */
    uint64_t bad_frames, dispatched, done, failed, stale;
    int64_t started_ms; /* when this broker started: the orphan sweep waits */
    bool orphans_swept; /* done once after start */
    bool redis_ok;      /* last Redis call succeeded; logs only the changes */
    broker_done_t done_buf[JOB_STAGE_COUNT][BROKER_REPORT_BATCH]; /* DONEs of this pass */
    size_t n_done[JOB_STAGE_COUNT];
    store_report_t reports[JOB_STAGE_COUNT]
                          [BROKER_REPORT_BATCH]; /* scratch for broker_flush_done */
    store_lease_t handed[JOB_STAGE_COUNT][BROKER_DISPATCH_BATCH]; /* jobs handed on, per stage */
    broker_round_t round;                                         /* scratch for s_dispatch_all */
    int64_t last_bad_log_ms;
    stats_t *stats;     /* owned: live figures (stats.h) */
    zsock_t *pub;       /* owned: stats snapshots for `lode top`; NULL if off */
    metrics_t *metrics; /* owned: /metrics; NULL if off */
};

/* zhashx destructor for self->workers: frees a broker_worker_t. */
void broker_worker_free(void **item);

/* Record that w holds job id at attempt (dispatched, not yet reported). */
void broker_hold(broker_worker_t *w, const char *id, uint32_t attempt);

/* Forget a held job; true if the worker held it. */
bool broker_unhold(broker_worker_t *w, const char *id);

/* Drop a worker and give its jobs back at once instead of waiting for their
 * leases: the worker is gone, nobody will report them. */
void broker_worker_drop(broker_t *self, broker_worker_t *w, const char *why);

/* A READY from w (NULL: a worker we do not know yet; it takes *identity_p
 * then): set its stage and credits, reconcile or let it leave. */
void broker_on_ready(broker_t *self, zframe_t **identity_p, broker_worker_t *w, proto_msg_t *m);

/* Apply the DONEs gathered in one pass over the socket: one Lua call per
 * stage instead of one per job, and the calls of all stages in one round
 * trip. Each call hands on to a worker of its own next stage, so no two
 * count on the same credits. */
void broker_flush_done(broker_t *self);

#endif
