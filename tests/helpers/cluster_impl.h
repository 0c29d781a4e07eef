/*  cluster_impl.h - the harness's state and the plumbing shared by its
 *  files: cluster.c (start, stop, broker and workers), cluster_proc.c
 *  (processes, cleanup, ports), cluster_redis.c (redis-server and direct
 *  reads), cluster_cli.c (the `lode` CLI runner), cluster_util.c (files,
 *  UTF-8, prose) and cluster_doc.c (export checks). Private to those files;
 *  tests use cluster.h.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_CLUSTER_IMPL_H
#define LODE_CLUSTER_IMPL_H
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <hiredis/hiredis.h>

#include "cluster.h"
#include "err.h"

#define CLUSTER_START_LIMIT_MS 15000 /* redis PING / broker listening, on a loaded machine */
#define CLUSTER_STOP_LIMIT_MS  3000  /* SIGTERM grace before SIGKILL */
#define CLUSTER_PORT_ATTEMPTS  5
#define CLUSTER_MAX_ARGS       48
#define CLUSTER_MAX_LIVE       16

typedef struct {
    pid_t pid;          /* 0 when not running (reaped) */
    char log[PATH_MAX]; /* log file path; "" if none */
    char name[32];      /* "broker", "worker-fetch-0" … */
} cluster_proc_t;

struct cluster {
    char tmpdir[1024];        /* owned directory, removed on destroy */
    int redis_port;           /* loopback port of redis-server */
    int broker_port;          /* loopback port of the broker's ROUTER */
    char redis_url[512];      /* redis://[[user:]password@]127.0.0.1:PORT */
    char redis_password[128]; /* --requirepass, "" for none */
    char broker_ep[64];       /* tcp://127.0.0.1:PORT */
    cluster_proc_t redis;     /* redis-server */
    cluster_proc_t broker;    /* lode-broker */
    cluster_proc_t workers[CLUSTER_STAGES][CLUSTER_MAX_WORKERS];
    int workers_per_stage;               /* started per stage */
    int concurrency;                     /* worker --concurrency, 0 = default */
    char *broker_args[CLUSTER_MAX_ARGS]; /* owned copies, NULL-terminated */
    char *worker_args[CLUSTER_MAX_ARGS]; /* owned copies, NULL-terminated */
    char log_level[16];                  /* --log-level */
    redisContext *rc;                    /* owned; NULL until first use or after an error */
    bool test_ok;                        /* set by cluster_mark_ok */
    bool redis_aof;                      /* appendonly yes, appendfsync everysec */
};

/* The CLI child running now, or 0: the fatal-signal handler kills it. */
extern volatile pid_t cluster_cli_pid;

/* --- cluster_proc.c --- */

void cluster_sleep_ms(int ms);

/* kill(-pid, sig) if pid > 0. Async-signal-safe. */
void cluster_kill_group(pid_t pid, int sig);

/* Once per process: atexit and fatal-signal cleanup of every live cluster,
 * SIGPIPE ignored. */
void cluster_install_cleanup(void);

/* Add self to (add) or remove it from the clusters the cleanup stops. */
void cluster_register(cluster_t *self, bool add);

/* fork + exec argv in a new process group; the child's fds 0-2 are in_fd,
 * out_fd and err_fd. The pid, or -1. */
pid_t cluster_spawn(char *const argv[], int in_fd, int out_fd, int err_fd);

/* Start argv with stdin from /dev/null and both outputs appended to p->log. */
int cluster_proc_start(cluster_proc_t *p, char *const argv[], err_t *err);

/* True if p is running; reaps it (and clears pid) if it has exited. */
bool cluster_proc_alive(cluster_proc_t *p);

/* Signal p's group and wait up to limit_ms for it to exit. */
void cluster_proc_signal_wait(cluster_proc_t *p, int sig, int limit_ms);

/* SIGTERM, a bounded wait, then SIGKILL and reap. */
void cluster_proc_stop(cluster_proc_t *p);

/* True if something accepts TCP connections on 127.0.0.1:port. */
bool cluster_tcp_listening(int port);

/* --- cluster_redis.c --- */

/* Start redis-server on a free port (a few tries) and wait for PING; sets
 * redis_port and redis_url. 0, or -1 and *err. */
int cluster_redis_launch(cluster_t *self, err_t *err);

/* With opts->redis_user: make the ACL user and use it in every URL from
 * now on. 0, or -1 and *err. */
int cluster_redis_add_user(cluster_t *self, const cluster_opts_t *opts, err_t *err);

/* Drop the direct connection (the next read reconnects). */
void cluster_redis_close(cluster_t *self);

/* --- cluster_util.c --- */

/* A growing NUL-terminated byte buffer, bounded to CLUSTER_OUTPUT_MAX. */
typedef struct {
    char *data; /* owned */
    size_t len;
    size_t cap;
} cluster_out_t;

/* Append n bytes of p (what passes CLUSTER_OUTPUT_MAX is dropped). */
void cluster_out_add(cluster_out_t *o, const char *p, size_t n);
#endif
