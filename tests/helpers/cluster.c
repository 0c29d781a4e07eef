/*  cluster.c - integration-test harness: a cluster's life (start, stop,
 *  sanitizer reports, log dumps) and its broker and workers. Processes are
 *  in cluster_proc.c, Redis in cluster_redis.c, the CLI runner in
 *  cluster_cli.c. Every wait is bounded. It does not know the wire
 *  protocol or the stores' JSON: the tests check those.
 *  SPDX-License-Identifier: MIT
 */
#include "cluster.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cluster_impl.h"
#include "mem.h"

static int s_reports_total; /* sanitizer reports found by cluster_stop */

static const char *const s_stage_names[CLUSTER_STAGES] = {"fetch", "snippet", "synthesis",
                                                          "fanout"};

/* argv of the broker into a caller array of CLUSTER_MAX_ARGS + 1. */
static void s_broker_argv(cluster_t *self, char *bin, char *port_ep, char **argv)
{
    size_t n = 0;
    argv[n++] = bin;
    argv[n++] = "--redis";
    argv[n++] = self->redis_url;
    argv[n++] = "--bind";
    argv[n++] = port_ep;
    argv[n++] = "--log-level";
    argv[n++] = self->log_level;
    for (size_t i = 0; self->broker_args[i] && n < CLUSTER_MAX_ARGS; i++)
        argv[n++] = self->broker_args[i];
    argv[n] = NULL;
}

static int s_start_broker_on(cluster_t *self, int port, err_t *err)
{
    char bin[PATH_MAX], ep[64];
    char *argv[CLUSTER_MAX_ARGS + 1];
    snprintf(bin, sizeof bin, "%s/lode-broker", cluster_bin_dir());
    snprintf(ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    s_broker_argv(self, bin, ep, argv);
    if (cluster_proc_start(&self->broker, argv, err) != 0)
        return -1;
    int64_t deadline = cluster_now_ms() + CLUSTER_START_LIMIT_MS;
    while (cluster_proc_alive(&self->broker) && cluster_now_ms() < deadline) {
        if (cluster_tcp_listening(port)) {
            self->broker_port = port;
            snprintf(self->broker_ep, sizeof self->broker_ep, "%s", ep);
            return 0;
        }
        cluster_sleep_ms(20);
    }
    cluster_proc_stop(&self->broker);
    err_set(err, LODE_ETIMEDOUT, "lode-broker did not listen on %s (see %s)", ep, self->broker.log);
    return -1;
}

static int s_start_broker(cluster_t *self, err_t *err)
{
    char bin[PATH_MAX];
    snprintf(bin, sizeof bin, "%s/lode-broker", cluster_bin_dir());
    if (access(bin, X_OK) != 0) {
        err_set(err, LODE_EIO, "%s: %s (run make first)", bin, strerror(errno));
        return -1;
    }
    snprintf(self->broker.name, sizeof self->broker.name, "broker");
    snprintf(self->broker.log, sizeof self->broker.log, "%s/broker.log", self->tmpdir);
    for (int attempt = 0; attempt < CLUSTER_PORT_ATTEMPTS; attempt++) {
        err_clear(err);
        int port = cluster_free_port();
        if (port > 0 && s_start_broker_on(self, port, err) == 0)
            return 0;
    }
    return -1;
}

int cluster_start_worker(cluster_t *self, int stage, int index, err_t *err)
{
    return cluster_start_worker_with(self, stage, index, (const char *const *)self->worker_args,
                                     err);
}

int cluster_start_worker_with(
    cluster_t *self, int stage, int index, const char *const *extra_args, err_t *err)
{
    if (stage < 0 || stage >= CLUSTER_STAGES || index < 0 || index >= CLUSTER_MAX_WORKERS) {
        err_set(err, LODE_EINVAL, "no worker slot %d/%d", stage, index);
        return -1;
    }
    cluster_proc_t *p = &self->workers[stage][index];
    snprintf(p->name, sizeof p->name, "worker-%s-%d", s_stage_names[stage], index);
    char log[sizeof p->log];
    snprintf(log, sizeof log, "%s/%s.log", self->tmpdir, p->name);
    memcpy(p->log, log, sizeof log);
    char bin[PATH_MAX], conc[16];
    snprintf(bin, sizeof bin, "%s/lode-worker", cluster_bin_dir());
    snprintf(conc, sizeof conc, "%d", self->concurrency);
    char *argv[CLUSTER_MAX_ARGS + 1] = {bin,
                                        "--stage",
                                        (char *)s_stage_names[stage],
                                        "--redis",
                                        self->redis_url,
                                        "--broker",
                                        self->broker_ep,
                                        "--log-level",
                                        self->log_level};
    size_t n = 9;
    if (self->concurrency > 0) {
        argv[n++] = "--concurrency";
        argv[n++] = conc;
    }
    for (size_t i = 0; extra_args && extra_args[i] && n < CLUSTER_MAX_ARGS; i++)
        argv[n++] = (char *)extra_args[i];
    argv[n] = NULL;
    return cluster_proc_start(p, argv, err);
}

static int s_start_workers(cluster_t *self, err_t *err)
{
    for (int s = 0; s < CLUSTER_STAGES; s++)
        for (int i = 0; i < self->workers_per_stage; i++)
            if (cluster_start_worker(self, s, i, err) != 0)
                return -1;
    /* A worker that rejects its arguments exits at once; catch it here
     * rather than as a job that never finishes. */
    cluster_sleep_ms(150);
    for (int s = 0; s < CLUSTER_STAGES; s++)
        for (int i = 0; i < self->workers_per_stage; i++)
            if (!cluster_proc_alive(&self->workers[s][i])) {
                err_set(err, LODE_EIO, "%s exited at start (see %s)", self->workers[s][i].name,
                        self->workers[s][i].log);
                return -1;
            }
    return 0;
}

static void s_copy_opts(cluster_t *self, const cluster_opts_t *opts)
{
    cluster_opts_t none = {0};
    if (!opts)
        opts = &none;
    self->workers_per_stage = opts->workers_per_stage > 0 ? opts->workers_per_stage : 1;
    if (self->workers_per_stage > CLUSTER_MAX_WORKERS)
        self->workers_per_stage = CLUSTER_MAX_WORKERS;
    if (opts->no_workers)
        self->workers_per_stage = 0;
    self->concurrency = opts->concurrency;
    snprintf(self->log_level, sizeof self->log_level, "%s",
             opts->log_level ? opts->log_level : "debug");
    for (size_t i = 0; opts->broker_args && opts->broker_args[i] && i < CLUSTER_MAX_ARGS - 8; i++)
        self->broker_args[i] = mem_strdup(opts->broker_args[i]);
    for (size_t i = 0; opts->worker_args && opts->worker_args[i] && i < CLUSTER_MAX_ARGS - 12; i++)
        self->worker_args[i] = mem_strdup(opts->worker_args[i]);
    snprintf(self->redis_password, sizeof self->redis_password, "%s",
             opts->redis_password ? opts->redis_password : "");
    self->redis_aof = opts->redis_aof;
}

cluster_t *cluster_new(const cluster_opts_t *opts, err_t *err)
{
    cluster_install_cleanup();
    cluster_t *self = mem_calloc(1, sizeof *self);
    s_copy_opts(self, opts);
    const char *tmp = getenv("TMPDIR");
    snprintf(self->tmpdir, sizeof self->tmpdir, "%s/lode-it-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(self->tmpdir)) {
        err_set(err, LODE_EIO, "mkdtemp %s: %s", self->tmpdir, strerror(errno));
        self->tmpdir[0] = '\0';
        cluster_destroy(&self);
        return NULL;
    }
    cluster_register(self, true);
    if (opts && opts->redis_url)
        snprintf(self->redis_url, sizeof self->redis_url, "%s", opts->redis_url);
    if ((!(opts && opts->redis_url) &&
         (cluster_redis_launch(self, err) != 0 || cluster_redis_add_user(self, opts, err) != 0)) ||
        s_start_broker(self, err) != 0 || s_start_workers(self, err) != 0) {
        cluster_dump_logs(self, 2048);
        self->test_ok = true; /* logs already shown */
        cluster_destroy(&self);
        return NULL;
    }
    self->test_ok = true;
    return self;
}

static void s_dump_one(const cluster_proc_t *p, size_t max_bytes);

static void s_stop_all(cluster_t *self)
{
    /* Workers and broker first so they do not log Redis errors on the way out. */
    for (int s = 0; s < CLUSTER_STAGES; s++)
        for (int i = 0; i < CLUSTER_MAX_WORKERS; i++)
            cluster_kill_group(self->workers[s][i].pid, SIGTERM);
    for (int s = 0; s < CLUSTER_STAGES; s++)
        for (int i = 0; i < CLUSTER_MAX_WORKERS; i++)
            cluster_proc_stop(&self->workers[s][i]);
    cluster_proc_stop(&self->broker);
    cluster_proc_stop(&self->redis);
}

/* True if the log of p holds a sanitizer report (printed then). */
static bool s_sanitizer_report(const cluster_proc_t *p)
{
    static const char *const marks[] = {"ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                                        "runtime error:", "ERROR: UndefinedBehaviorSanitizer"};
    char *log = p->log[0] ? cluster_read_file(p->log, CLUSTER_OUTPUT_MAX, NULL) : NULL;
    bool found = false;
    for (size_t i = 0; log && i < sizeof marks / sizeof marks[0] && !found; i++)
        found = strstr(log, marks[i]) != NULL;
    free(log);
    if (found)
        s_dump_one(p, 16384);
    return found;
}

int cluster_stop(cluster_t *self)
{
    s_stop_all(self);
    int reports = s_sanitizer_report(&self->broker);
    for (int s = 0; s < CLUSTER_STAGES; s++)
        for (int i = 0; i < CLUSTER_MAX_WORKERS; i++)
            reports += s_sanitizer_report(&self->workers[s][i]);
    s_reports_total += reports;
    return reports;
}

int cluster_main_result(int failed)
{
    if (s_reports_total > 0)
        printf("[  FAILED  ] %d sanitizer report(s) in the programs' logs\n", s_reports_total);
    return failed + s_reports_total;
}

void cluster_destroy(cluster_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    cluster_t *self = *self_p;
    *self_p = NULL;
    if (!self->test_ok)
        cluster_dump_logs(self, 4096);
    s_stop_all(self);
    cluster_redis_close(self);
    const char *keep = getenv("LODE_KEEP_TMP");
    if (self->tmpdir[0] && !(keep && *keep == '1'))
        cluster_rmtree(self->tmpdir);
    else if (self->tmpdir[0])
        fprintf(stderr, "cluster: kept %s\n", self->tmpdir);
    for (size_t i = 0; i < CLUSTER_MAX_ARGS; i++) {
        free(self->broker_args[i]);
        free(self->worker_args[i]);
    }
    cluster_register(self, false);
    free(self);
}

const char *cluster_redis_url(const cluster_t *self)
{
    return self->redis_url;
}

const char *cluster_broker_endpoint(const cluster_t *self)
{
    return self->broker_ep;
}

const char *cluster_tmpdir(const cluster_t *self)
{
    return self->tmpdir;
}

void cluster_mark_begin(cluster_t *self)
{
    if (self)
        self->test_ok = false;
}

void cluster_mark_ok(cluster_t *self)
{
    if (self)
        self->test_ok = true;
}

void cluster_check(cluster_t *self)
{
    if (self && !self->test_ok) {
        cluster_dump_logs(self, 4096);
        self->test_ok = true;
    }
}

static void s_dump_one(const cluster_proc_t *p, size_t max_bytes)
{
    if (!p->log[0])
        return;
    FILE *f = fopen(p->log, "rb");
    if (!f)
        return;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    long from = size > (long)max_bytes ? size - (long)max_bytes : 0;
    fseek(f, from, SEEK_SET);
    fprintf(stderr, "==== %s (%s, last %ld bytes) ====\n", p->name, p->log, size - from);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        fwrite(chunk, 1, n, stderr);
    fclose(f);
}

void cluster_dump_logs(const cluster_t *self, size_t max_bytes)
{
    if (!self)
        return;
    s_dump_one(&self->redis, max_bytes);
    s_dump_one(&self->broker, max_bytes);
    for (int s = 0; s < CLUSTER_STAGES; s++)
        for (int i = 0; i < CLUSTER_MAX_WORKERS; i++)
            s_dump_one(&self->workers[s][i], max_bytes);
    fprintf(stderr, "==== end of logs ====\n");
}

/* Start a worker with the cluster's worker_args followed by extra (later
 * flags win with getopt). */
int cluster_start_worker_args(
    cluster_t *self, int stage, int index, const char *const *extra, err_t *err)
{
    const char *args[CLUSTER_MAX_ARGS + 1];
    size_t n = 0;
    for (size_t i = 0; self->worker_args[i] && n < CLUSTER_MAX_ARGS / 2; i++)
        args[n++] = self->worker_args[i];
    for (size_t i = 0; extra && extra[i] && n < CLUSTER_MAX_ARGS - 12; i++)
        args[n++] = extra[i];
    args[n] = NULL;
    return cluster_start_worker_with(self, stage, index, args, err);
}

char *cluster_log(const cluster_t *self, const char *name)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s.log", self->tmpdir, name);
    return cluster_read_file(path, CLUSTER_OUTPUT_MAX, NULL);
}

int cluster_restart_broker(cluster_t *self, err_t *err)
{
    cluster_proc_stop(&self->broker);
    return s_start_broker_on(self, self->broker_port, err);
}

int cluster_start_broker(cluster_t *self, err_t *err)
{
    if (cluster_proc_alive(&self->broker)) {
        err_set(err, LODE_EINVAL, "the broker is running");
        return -1;
    }
    return s_start_broker_on(self, self->broker_port, err);
}
