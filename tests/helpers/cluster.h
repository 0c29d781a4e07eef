/*  cluster.h - integration-test harness: a real redis-server, lode-broker
 *  and one lode-worker per stage on free loopback ports in a fresh temp dir,
 *  the `lode` CLI run against them, and bounded polling. Every child runs in
 *  its own process group and dies with the test binary (PR_SET_PDEATHSIG,
 *  atexit and signal cleanup). Test code only: it prints diagnostics.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_CLUSTER_H
#define LODE_CLUSTER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef struct cluster cluster_t;

#define CLUSTER_STAGES       4   /* fetch, snippet, synthesis, fanout */
#define CLUSTER_MAX_WORKERS  8   /* per stage */
#define CLUSTER_EXIT_TIMEOUT 124 /* cluster_run_cli: the CLI ran past its limit */
#define CLUSTER_CLI_LIMIT_MS 30000
#define CLUSTER_OUTPUT_MAX   (16u * 1024 * 1024) /* captured bytes per stream */

/* Options for cluster_new; a zeroed struct gives the defaults. Plain data,
 * every pointer borrowed for the duration of cluster_new (and of restarts). */
typedef struct {
    int workers_per_stage;          /* 0 = 1; at most CLUSTER_MAX_WORKERS */
    int concurrency;                /* worker --concurrency; 0 = leave the default */
    const char *const *broker_args; /* extra broker args, NULL-terminated, or NULL */
    const char *log_level;          /* --log-level of broker and workers; NULL = "debug" */
    bool no_workers;                /* start Redis and the broker only */
    const char *const *worker_args; /* extra args of every worker, NULL-terminated, or NULL */
    const char *redis_password;     /* redis-server --requirepass; the URLs carry it */
    const char *redis_user;         /* with redis_password: an ACL user made at start
                                       (on ~lode:* &* +@all) that the URLs use instead */
    const char *redis_user_password;
    bool redis_aof;        /* redis --appendonly yes --appendfsync everysec */
    const char *redis_url; /* use this Redis (a Redis Cluster from rcluster.h) instead
                              of starting one; cluster_redis_* and the redis
                              restarts do nothing then */
} cluster_opts_t;

/* Directory of the binaries: $LODE_BUILD/bin, LODE_BUILD defaulting to
 * "build". Borrowed, static. */
const char *cluster_bin_dir(void);

/* Start redis-server, lode-broker and the workers, each waited for with a
 * time limit. NULL and *err (LODE_EIO, LODE_ETIMEDOUT) if any part does not
 * come up; everything already started is then stopped and removed. */
cluster_t *cluster_new(const cluster_opts_t *opts, err_t *err);

/* SIGTERM every process, wait up to ~3 s, SIGKILL the rest, reap, remove the
 * temp dir. Prints the log tails first unless cluster_mark_ok was called
 * since the last cluster_mark_begin. Sets *self_p to NULL; safe on NULL. */
void cluster_destroy(cluster_t **self_p);

/* Stop every process as cluster_destroy does (the handle stays usable for
 * its paths) and count the sanitizer reports (ASan, LSan, UBSan) in the
 * broker's and workers' logs, printing each such log. A group teardown
 * fails when this is not 0, so `make SANITIZE=1 test` sees the programs'
 * leaks at exit, not only the test binary's. */
int cluster_stop(cluster_t *self);

/* What main returns: cmocka's failed count plus every sanitizer report
 * cluster_stop found (cmocka 1.1.5 does not count a failed group teardown),
 * with a "[  FAILED  ] N …" line for tests/run.sh when there were any. */
int cluster_main_result(int failed);

/* "redis://[[user:]password@]127.0.0.1:PORT" (the credentials of
 * redis_user or redis_password), "tcp://127.0.0.1:PORT", the temp dir. Borrowed,
 * valid until cluster_destroy. */
const char *cluster_redis_url(const cluster_t *self);
const char *cluster_broker_endpoint(const cluster_t *self);
const char *cluster_tmpdir(const cluster_t *self);

/* Failure bookkeeping for log dumps: a test's setup calls mark_begin, its
 * last line calls mark_ok; a teardown calls cluster_check, which prints the
 * tail of every process log when the test did not reach mark_ok. */
void cluster_mark_begin(cluster_t *self);
void cluster_mark_ok(cluster_t *self);
void cluster_check(cluster_t *self);

/* Print the last max_bytes of every process log to stderr. */
void cluster_dump_logs(const cluster_t *self, size_t max_bytes);

/* Run $LODE_BUILD/bin/lode --redis URL --broker ENDPOINT argv… with stdin
 * fed from in[0..in_len) (in may be NULL: empty stdin), stdout and stderr
 * captured (each up to CLUSTER_OUTPUT_MAX, NUL-terminated, caller frees;
 * out/errout may be NULL to discard). argv is NULL-terminated. Killed after
 * CLUSTER_CLI_LIMIT_MS. Returns the exit status, 128+signal if it died of a
 * signal, CLUSTER_EXIT_TIMEOUT if killed for time, -1 if it could not start. */
int cluster_run_cliv(cluster_t *self,
                     const char *in,
                     size_t in_len,
                     char **out,
                     char **errout,
                     const char *const *argv);

/* Same with the arguments listed, NULL-terminated, and in a C string. */
int cluster_run_cli(cluster_t *self, const char *in, char **out, char **errout, ...)
    __attribute__((sentinel));

/* Run the CLI with explicit --redis/--broker (no cluster needed): for
 * unreachable-endpoint tests. Same contract as cluster_run_cliv. */
int cluster_run_cli_at(const char *redis_url,
                       const char *broker,
                       const char *in,
                       size_t in_len,
                       char **out,
                       char **errout,
                       const char *const *argv);

/* Start (again) worker index of stage with extra_args (NULL-terminated, or
 * NULL) instead of the cluster's worker_args. 0 or -1 and *err. */
int cluster_start_worker_with(
    cluster_t *self, int stage, int index, const char *const *extra_args, err_t *err);

/* Run $LODE_BUILD/bin/PROG argv… (no --redis/--broker added) as
 * cluster_run_cli_at does: stdin empty, outputs captured (caller frees),
 * killed after CLUSTER_CLI_LIMIT_MS. Same return values. */
int cluster_run_prog(const char *prog, const char *const *argv, char **out, char **errout);

/* The whole log of a process: "redis", "broker", "worker-STAGE-INDEX".
 * Caller frees; NULL if there is none. */
char *cluster_log(const cluster_t *self, const char *name);

/* Kill worker index of stage (0..3 = fetch..fanout) with sig and reap it.
 * 0, or -1 if there is no such live worker. */
int cluster_kill_worker(cluster_t *self, int stage, int index, int sig);

/* Start (again) worker index of stage. 0 or -1 and *err. */
int cluster_start_worker(cluster_t *self, int stage, int index, err_t *err);

/* Stop the broker (SIGTERM, bounded wait, SIGKILL). */
void cluster_stop_broker(cluster_t *self);

/* Stop and start the broker on the same port; waits until it listens. */
int cluster_restart_broker(cluster_t *self, err_t *err);

/* Kill redis-server with sig and reap it. */
void cluster_kill_redis(cluster_t *self, int sig);

/* True if the broker process is alive (not exited). */
bool cluster_broker_alive(cluster_t *self);

/* --- direct Redis reads (hiredis, reconnecting as needed) --- */

/* Run a command; the reply as a new string (string, status or integer
 * reply), NULL for nil, an error reply or no connection. Caller frees. */
char *cluster_redis_str(cluster_t *self, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Integer reply of a command, or -1 on anything else. */
long long cluster_redis_int(cluster_t *self, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A stored part of a job (transcript, snippets…) as the programs read it
 * (store_part_get: a compressed part comes back as it was written), or
 * NULL. Caller frees. */
char *cluster_part(cluster_t *self, const char *id, const char *part);

/* A field of the job hash lode:job:ID, or NULL. Caller frees. */
char *cluster_job_field(cluster_t *self, const char *id, const char *field);

/* True if list key holds value. */
bool cluster_list_contains(cluster_t *self, const char *key, const char *value);

/* Poll until the job's state is done or failed, at most timeout_ms. The
 * final state (caller frees), or NULL if the time ran out. */
char *cluster_wait_job(cluster_t *self, const char *id, int timeout_ms);

/* Poll pred(arg) every ~20 ms until it returns true or timeout_ms passes.
 * True if it returned true. */
bool cluster_wait_for(bool (*pred)(void *arg), void *arg, int timeout_ms);

/* --- small utilities for tests --- */

/* Write len bytes to a new file tmpdir/name; its path (caller frees) or NULL. */
char *cluster_write_file(cluster_t *self, const char *name, const char *data, size_t len);

/* Read a whole file (bounded to max_bytes) into a new NUL-terminated string. */
char *cluster_read_file(const char *path, size_t max_bytes, size_t *len);

/* New string of code points [cp_off, cp_off + cp_len) of UTF-8 text s, or
 * NULL if the range runs past the end or s is not valid UTF-8. */
char *cluster_utf8_slice(const char *s, size_t cp_off, size_t cp_len);

/* Number of code points in valid UTF-8 s; SIZE_MAX if invalid. */
size_t cluster_utf8_len(const char *s);

/* Remove a directory tree (best effort, does not follow symlinks). */
void cluster_rmtree(const char *path);

/* Submit text through `lode submit --text -` (stdin). The first job id
 * printed (caller frees), or NULL after printing the CLI's stderr. */
char *cluster_submit_text(cluster_t *self, const char *text, size_t len);

/* `lode export ID --format json` stdout (caller frees), or NULL after
 * printing the CLI's stderr. */
char *cluster_export_json(cluster_t *self, const char *id);

/* Real prose for tests: paragraphs of seeds/000_a5cf945eb98e69f0.txt (read
 * from the repo root) of 200 bytes or more, joined by blank lines, until at
 * least min_words words. Caller frees; NULL if the seed cannot be read. */
char *cluster_prose(size_t min_words);

/* Check an exported JSON document (DESIGN.md) for the invariants every done
 * job has: state "done"; transcript segments inside the text; every snippet's
 * quote equal to transcript.text[offset:offset+length] in code points, with a
 * non-empty commentary and a boolean kept; when timed, every snippet's
 * start_ms lies within the cue holding its offset. The number of snippets,
 * or -1 after printing why to stderr. */
int cluster_doc_check(const char *export_json, bool timed);

/* Milliseconds on the monotonic clock. */
int64_t cluster_now_ms(void);

/* A loopback port that was free a moment ago, or -1. */
int cluster_free_port(void);

/* --- fault injection (test_faults; declared after the rest on purpose) --- */
#include <sys/types.h>

/* Start worker index of stage with the cluster's worker_args and then extra
 * (NULL-terminated; later flags win), unlike cluster_start_worker_with. */
int cluster_start_worker_args(
    cluster_t *self, int stage, int index, const char *const *extra, err_t *err);

/* Pids (process-group leaders) of the running processes, 0 if not running. */
pid_t cluster_broker_pid(const cluster_t *self);
pid_t cluster_worker_pid(const cluster_t *self, int stage, int index);
pid_t cluster_redis_pid(const cluster_t *self);

/* Send sig (0: none) to the broker / a worker, wait up to limit_ms for it to
 * exit and reap it. Its exit status (128+signal if a signal killed it), or
 * -1 if it is still running after limit_ms (SIGSTOP, SIGCONT: limit 0). */
int cluster_signal_broker(cluster_t *self, int sig, int limit_ms);
int cluster_signal_worker(cluster_t *self, int stage, int index, int sig, int limit_ms);

/* Start the broker again on its port after it died or was stopped. */
int cluster_start_broker(cluster_t *self, err_t *err);

/* Start redis-server again on its port and dir (with the AOF if redis_aof)
 * and wait for PING. -1 and *err if it is running or does not answer. */
int cluster_start_redis(cluster_t *self, err_t *err);

/* Stop redis-server with sig (SIGTERM: a clean shutdown that writes the
 * AOF; SIGKILL: a crash), then start it again as cluster_start_redis. */
int cluster_restart_redis(cluster_t *self, int sig, err_t *err);

/* Resident set size of pid in kB (VmRSS), -1 if unknown. */
long cluster_rss_kb(pid_t pid);

/* --- submitting and waiting by field (web source tests) --- */

/* Run `lode submit args…` (args NULL-terminated, after "submit"), expect
 * exit 0 and keep up to max printed job ids in ids[] (caller frees each).
 * The number of ids printed, or -1 after printing the CLI's status and
 * stderr. */
int cluster_submit_argv(cluster_t *self, const char *const *args, char **ids, size_t max);

/* Poll until field of lode:job:ID equals value, at most timeout_ms. True if
 * it did. */
bool cluster_wait_field(
    cluster_t *self, const char *id, const char *field, const char *value, int timeout_ms);
#endif
