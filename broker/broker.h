/*  broker.h - lode-broker: accepts submissions, keeps one ready queue per
 *  stage in Redis, hands jobs to workers within the credits they announced,
 *  leases every in-flight job and moves jobs from stage to stage. One zloop.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_BROKER_H
#define LODE_BROKER_H
#include "curve.h"
#include "err.h"
#include "job.h"

typedef struct broker broker_t;

typedef struct {
    const char *bind;                  /* ZeroMQ endpoint to bind; borrowed */
    const char *redis_url;             /* borrowed; NULL = config default */
    const char *prefix;                /* Redis key prefix; borrowed; NULL = "lode:" */
    int lease_ms[JOB_STAGE_COUNT];     /* lease of one dispatched job; 0 = 60000 */
    int max_attempts[JOB_STAGE_COUNT]; /* dispatches before a job is dead; 0 = 3 */
    int retry_base_ms;                 /* first retry back-off; 0 = 1000 */
    int retry_max_ms;                  /* back-off cap; 0 = 60000 */
    int heartbeat_ms;                  /* heartbeat; a worker silent for 3 is dropped; 0 = 1000 */
    curve_opts_t curve;                /* cert + allow_dir: CURVE server with an allow list */
    const char *pub;     /* PUB endpoint for stats snapshots; NULL = STATS_PUB_DEFAULT (a bind
                          * failure then only warns); "off" = none; borrowed */
    const char *metrics; /* HOST:PORT serving /metrics; NULL = off; borrowed */
} broker_opts_t;

/* Bind the socket and connect to Redis. NULL and *err on failure. */
broker_t *broker_new(const broker_opts_t *opts, err_t *err);

/* Run the event loop until SIGINT/SIGTERM. 0 on a clean stop. */
int broker_run(broker_t *self);

/* Free; sets *self_p to NULL. Safe on NULL. */
void broker_destroy(broker_t **self_p);
#endif
