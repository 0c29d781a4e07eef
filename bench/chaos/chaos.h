/*  chaos.h - the fault suite's shared state, split by responsibility:
 *  chaos.c (options, the run and its fault schedule), chaos_jobs.c (job
 *  files and the submitter thread), chaos_proc.c (killing and restarting
 *  workers, the broker, Redis and cluster masters), chaos_scan.c (reading
 *  every acknowledged job back and the verdict). Program code: it prints.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_CHAOS_H
#define LODE_CHAOS_H
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "cluster.h"
#include "job.h"
#include "rcl.h"
#include "rcluster.h"
#include "store.h"

#define CHAOS_SEED_PATH      "seeds/000_a5cf945eb98e69f0.txt"
#define CHAOS_CHUNK          40 /* files per `lode submit` */
#define CHAOS_MAX_REASONS    16
#define CHAOS_PROBE_LIMIT_MS 1000

typedef struct {
    int n;              /* jobs to submit (bad ones included) */
    int rate;           /* jobs submitted per second; 0 = as fast as the CLI goes */
    int time_limit_s;   /* hard limit of the whole run */
    int kill_ms;        /* worker SIGKILL period */
    int workers;        /* per stage */
    int concurrency;    /* worker --concurrency */
    int lease_ms;       /* broker --lease-ms */
    int max_attempts;   /* broker --max-attempts */
    int broker_kills;   /* SIGKILLs of the broker */
    int redis_restarts; /* clean Redis restarts (single Redis only) */
    int sabotage;       /* 1: break two jobs before the scan (checks the checker) */
    int probe;          /* 1: first, the dead-worker dispatch probe */
    int cluster;        /* 1: a Redis Cluster of 3 masters + 3 replicas */
    int partitions;     /* with cluster: the store's partitions */
    int master_kills;   /* with cluster: SIGKILLs of a master (0 or 1) */
    unsigned seed;      /* rand_r seed */
    const char *log_level;
} chaos_opts_t;

typedef struct {
    char reason[96];
    int count;
} chaos_reason_t;

/* What the final scan found. */
typedef struct {
    int done, dead, lost, duplicated;
    int honest_dead;   /* good jobs on the dead list */
    int bad_not_dead;  /* whitespace jobs that did not fail as empty */
    int missing_parts; /* done jobs without every part */
    int dead_dups;     /* ids more than once on the dead list */
    int dead_unlisted; /* failed jobs not on the dead list */
    int terminal;      /* done + dead */
    int max_attempts;  /* most dispatches any job needed (all stages) */
    chaos_reason_t reasons[CHAOS_MAX_REASONS];
    int n_reasons;
    char lost_sample[256];
} chaos_tally_t;

typedef struct {
    chaos_opts_t o;
    cluster_t *c;
    rcluster_t *rc; /* the Redis Cluster (cluster mode), else NULL */
    store_t *store; /* progress, probe and notes (either mode) */
    rcl_t *rcl;     /* the scan's own connection (either mode) */
    char redis_url[1024], broker_ep[64];
    int redis_port;
    char **paths; /* job files, o.n */
    bool *bad;    /* whitespace-only jobs */
    /* shared with the submitter thread under lock */
    pthread_mutex_t lock;
    char (*ids)[JOB_ID_SIZE]; /* acknowledged ids, o.n */
    bool *id_bad;             /* the acknowledged job is a bad one */
    int n_acked;
    int submit_failures;
    atomic_bool submit_done;
    atomic_bool stop;
    /* chaos, main thread only */
    int worker_kills, broker_kills, redis_restarts, self_deaths;
    int master_kills, masters_rejoined;
    int64_t failover_ms; /* SIGKILL of the master to cluster_state:ok again, -1 = none */
    int64_t probe_ms;    /* the probe's figure, -1 if the job did not run */
    int64_t down_until[CLUSTER_STAGES][CLUSTER_MAX_WORKERS]; /* 0 = running */
    pid_t redis_pid;                                         /* our own redis-server, or 0 */
    int64_t t0, last_event;
    unsigned rnd;
} chaos_t;

/* --- chaos_proc.c --- */
void chaos_sleep_ms(int ms);
int chaos_rand(chaos_t *x, int below);
int chaos_restart_redis(chaos_t *x);
void chaos_stop_redis(chaos_t *x);
int chaos_enable_aof(chaos_t *x);
int chaos_kill_broker(chaos_t *x);
void chaos_kill_worker(chaos_t *x, int64_t now);
void chaos_restart_workers(chaos_t *x, int64_t now);
void chaos_check_broker(chaos_t *x);
/* SIGKILL the master serving partition 0, wait for its replica to be
 * promoted, start the killed node again and wait until it is a synced
 * replica. 0, or -1 after printing why. */
int chaos_kill_master(chaos_t *x);

/* --- chaos_jobs.c --- */
int chaos_write_jobs(chaos_t *x);
void *chaos_submitter(void *arg);

/* --- chaos_scan.c --- */
/* Every acknowledged job, judged. -1 if Redis could not be read. */
int chaos_scan(chaos_t *x, chaos_tally_t *t);
/* Finished (done + failed) per the summed stats counters. */
long long chaos_progress(chaos_t *x);
void chaos_sabotage(chaos_t *x);
void chaos_print_line(const chaos_t *x, const chaos_tally_t *t);
void chaos_print_notes(chaos_t *x, const chaos_tally_t *t);
/* Everything that makes the run fail, explained on stderr. 0 if none. */
int chaos_verdict(const chaos_t *x, const chaos_tally_t *t, int reports);
#endif
