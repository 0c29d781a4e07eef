/*  cluster.c - integration-test harness: starts and stops a real
 *  redis-server, lode-broker and lode-workers, runs the `lode` CLI with a
 *  time limit, and reads Redis directly. Every wait is bounded. It does not
 *  know the wire protocol or the stores' JSON: the tests check those.
 *  SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE /* pipe2, nftw */
#include "cluster.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "mem.h"
#include "store.h"

#define S_START_LIMIT_MS 15000 /* redis PING / broker listening, on a loaded machine */
#define S_STOP_LIMIT_MS  3000  /* SIGTERM grace before SIGKILL */
#define S_PORT_ATTEMPTS  5
#define S_MAX_ARGS       48
#define S_MAX_LIVE       16

static const char *const s_stage_names[CLUSTER_STAGES] = {"fetch", "snippet", "synthesis",
                                                          "fanout"};

typedef struct {
    pid_t pid;          /* 0 when not running (reaped) */
    char log[PATH_MAX]; /* log file path; "" if none */
    char name[32];      /* "broker", "worker-fetch-0" … */
} s_proc_t;

struct cluster {
    char tmpdir[1024];        /* owned directory, removed on destroy */
    int redis_port;           /* loopback port of redis-server */
    int broker_port;          /* loopback port of the broker's ROUTER */
    char redis_url[512];      /* redis://[[user:]password@]127.0.0.1:PORT */
    char redis_password[128]; /* --requirepass, "" for none */
    char broker_ep[64];       /* tcp://127.0.0.1:PORT */
    s_proc_t redis;           /* redis-server */
    s_proc_t broker;          /* lode-broker */
    s_proc_t workers[CLUSTER_STAGES][CLUSTER_MAX_WORKERS];
    int workers_per_stage;         /* started per stage */
    int concurrency;               /* worker --concurrency, 0 = default */
    char *broker_args[S_MAX_ARGS]; /* owned copies, NULL-terminated */
    char *worker_args[S_MAX_ARGS]; /* owned copies, NULL-terminated */
    char log_level[16];            /* --log-level */
    redisContext *rc;              /* owned; NULL until first use or after an error */
    bool test_ok;                  /* set by cluster_mark_ok */
    bool redis_aof;                /* appendonly yes, appendfsync everysec */
};

static cluster_t *s_live[S_MAX_LIVE]; /* for atexit and signal cleanup */
static volatile pid_t s_cli_pid;      /* the CLI child running now, or 0 */
static bool s_cleanup_installed;
static int s_reports_total; /* sanitizer reports found by cluster_stop */

int64_t cluster_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void s_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

const char *cluster_bin_dir(void)
{
    static char dir[1024];
    if (!dir[0]) {
        const char *build = getenv("LODE_BUILD");
        snprintf(dir, sizeof dir, "%s/bin", build && *build ? build : "build");
    }
    return dir;
}

/* ---------------------------------------------------------------- cleanup */

static void s_kill_group(pid_t pid, int sig)
{
    if (pid > 0)
        kill(-pid, sig);
}

static void s_kill_all(cluster_t *self, int sig)
{
    s_kill_group(self->broker.pid, sig);
    for (int s = 0; s < CLUSTER_STAGES; s++)
        for (int i = 0; i < CLUSTER_MAX_WORKERS; i++)
            s_kill_group(self->workers[s][i].pid, sig);
    s_kill_group(self->redis.pid, sig);
}

/* Async-signal-safe: only kill(2), then die of the same signal. */
static void s_on_fatal_signal(int sig)
{
    s_kill_group(s_cli_pid, SIGKILL);
    for (int i = 0; i < S_MAX_LIVE; i++)
        if (s_live[i])
            s_kill_all(s_live[i], SIGKILL);
    signal(sig, SIG_DFL);
    raise(sig);
}

static void s_at_exit(void)
{
    for (int i = 0; i < S_MAX_LIVE; i++) {
        cluster_t *c = s_live[i];
        if (c) {
            s_kill_all(c, SIGKILL);
            cluster_destroy(&c);
        }
    }
}

static void s_install_cleanup(void)
{
    if (s_cleanup_installed)
        return;
    s_cleanup_installed = true;
    atexit(s_at_exit);
    signal(SIGPIPE, SIG_IGN); /* a CLI that exits before reading stdin */
    int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        signal(sigs[i], s_on_fatal_signal);
}

static void s_register(cluster_t *self, bool add)
{
    for (int i = 0; i < S_MAX_LIVE; i++) {
        if (add && !s_live[i]) {
            s_live[i] = self;
            return;
        }
        if (!add && s_live[i] == self)
            s_live[i] = NULL;
    }
}

/* --------------------------------------------------------------- processes */

static void s_child_setup(pid_t parent, int in_fd, int out_fd, int err_fd)
{
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(127); /* the parent died before prctl took effect */
    dup2(in_fd, 0);
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    for (int fd = 3; fd < 1024; fd++)
        close(fd);
    /* Ignored signals stay ignored across exec; give the child defaults. */
    int sigs[] = {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        signal(sigs[i], SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

/* fork + exec argv in a new process group; the child's fds 0-2 are in_fd,
 * out_fd and err_fd. The pid, or -1. */
static pid_t s_spawn(char *const argv[], int in_fd, int out_fd, int err_fd)
{
    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        s_child_setup(parent, in_fd, out_fd, err_fd);
        execvp(argv[0], argv);
        dprintf(2, "cluster: exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    setpgid(pid, pid); /* also done in the child: whichever runs first wins */
    return pid;
}

/* Start argv with stdin from /dev/null and both outputs appended to p->log. */
static int s_proc_start(s_proc_t *p, char *const argv[], err_t *err)
{
    int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int log_fd = open(p->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (null_fd < 0 || log_fd < 0) {
        err_set(err, LODE_EIO, "open %s: %s", p->log, strerror(errno));
        if (null_fd >= 0)
            close(null_fd);
        if (log_fd >= 0)
            close(log_fd);
        return -1;
    }
    dprintf(log_fd, "---- cluster: start %s\n", argv[0]);
    pid_t pid = s_spawn(argv, null_fd, log_fd, log_fd);
    close(null_fd);
    close(log_fd);
    if (pid < 0) {
        err_set(err, LODE_EIO, "fork %s: %s", p->name, strerror(errno));
        return -1;
    }
    p->pid = pid;
    return 0;
}

/* True if p is running; reaps it (and clears pid) if it has exited. */
static bool s_proc_alive(s_proc_t *p)
{
    if (p->pid <= 0)
        return false;
    int status;
    if (waitpid(p->pid, &status, WNOHANG) == p->pid) {
        s_kill_group(p->pid, SIGKILL); /* leftovers of its group */
        p->pid = 0;
        return false;
    }
    return true;
}

static void s_proc_signal_wait(s_proc_t *p, int sig, int limit_ms)
{
    if (p->pid <= 0)
        return;
    s_kill_group(p->pid, sig);
    int64_t deadline = cluster_now_ms() + limit_ms;
    while (s_proc_alive(p) && cluster_now_ms() < deadline)
        s_sleep_ms(10);
}

/* SIGTERM, a bounded wait, then SIGKILL and reap. */
static void s_proc_stop(s_proc_t *p)
{
    s_proc_signal_wait(p, SIGTERM, S_STOP_LIMIT_MS);
    if (p->pid > 0) {
        s_kill_group(p->pid, SIGKILL);
        waitpid(p->pid, NULL, 0);
        p->pid = 0;
    }
}

/* ------------------------------------------------------------------ network */

static int s_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    int port = -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &alen) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

static bool s_tcp_listening(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bool ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

/* AUTH with the default user's password, if any; true if accepted. */
static bool s_redis_auth(redisContext *rc, const char *password)
{
    if (!password[0])
        return true;
    redisReply *r = redisCommand(rc, "AUTH %s", password);
    bool ok = r && r->type == REDIS_REPLY_STATUS;
    if (r)
        freeReplyObject(r);
    return ok;
}

static bool s_redis_pings(int port, const char *password)
{
    struct timeval tv = {0, 200000};
    redisContext *rc = redisConnectWithTimeout("127.0.0.1", port, tv);
    bool ok = false;
    if (rc && !rc->err && s_redis_auth(rc, password)) {
        redisReply *r = redisCommand(rc, "PING");
        ok = r && r->type == REDIS_REPLY_STATUS && strcmp(r->str, "PONG") == 0;
        if (r)
            freeReplyObject(r);
    }
    if (rc)
        redisFree(rc);
    return ok;
}

/* ------------------------------------------------------------ start / stop */

static int s_start_redis(cluster_t *self, err_t *err)
{
    snprintf(self->redis.name, sizeof self->redis.name, "redis");
    snprintf(self->redis.log, sizeof self->redis.log, "%s/redis.log", self->tmpdir);
    for (int attempt = 0; attempt < S_PORT_ATTEMPTS; attempt++) {
        int port = s_free_port();
        char port_s[16];
        snprintf(port_s, sizeof port_s, "%d", port);
        char *argv[] = {"redis-server",
                        "--port",
                        port_s,
                        "--bind",
                        "127.0.0.1",
                        "--save",
                        "",
                        "--appendonly",
                        self->redis_aof ? "yes" : "no", /* appendfsync: everysec, the default */
                        "--dir",
                        self->tmpdir,
                        "--daemonize",
                        "no",
                        self->redis_password[0] ? "--requirepass" : NULL,
                        self->redis_password,
                        NULL};
        if (port < 0 || s_proc_start(&self->redis, argv, err) != 0)
            return -1;
        int64_t deadline = cluster_now_ms() + S_START_LIMIT_MS;
        while (s_proc_alive(&self->redis) && cluster_now_ms() < deadline) {
            if (s_redis_pings(port, self->redis_password)) {
                self->redis_port = port;
                snprintf(self->redis_url, sizeof self->redis_url, "redis://%s%s%s127.0.0.1:%d",
                         self->redis_password[0] ? ":" : "", self->redis_password,
                         self->redis_password[0] ? "@" : "", port);
                return 0;
            }
            s_sleep_ms(20);
        }
        s_proc_stop(&self->redis); /* port taken, or too slow: try another */
    }
    err_set(err, LODE_ETIMEDOUT, "redis-server did not answer PING (see %s)", self->redis.log);
    return -1;
}

/* argv of the broker into a caller array of S_MAX_ARGS + 1. */
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
    for (size_t i = 0; self->broker_args[i] && n < S_MAX_ARGS; i++)
        argv[n++] = self->broker_args[i];
    argv[n] = NULL;
}

static int s_start_broker_on(cluster_t *self, int port, err_t *err)
{
    char bin[PATH_MAX], ep[64];
    char *argv[S_MAX_ARGS + 1];
    snprintf(bin, sizeof bin, "%s/lode-broker", cluster_bin_dir());
    snprintf(ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    s_broker_argv(self, bin, ep, argv);
    if (s_proc_start(&self->broker, argv, err) != 0)
        return -1;
    int64_t deadline = cluster_now_ms() + S_START_LIMIT_MS;
    while (s_proc_alive(&self->broker) && cluster_now_ms() < deadline) {
        if (s_tcp_listening(port)) {
            self->broker_port = port;
            snprintf(self->broker_ep, sizeof self->broker_ep, "%s", ep);
            return 0;
        }
        s_sleep_ms(20);
    }
    s_proc_stop(&self->broker);
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
    for (int attempt = 0; attempt < S_PORT_ATTEMPTS; attempt++) {
        err_clear(err);
        int port = s_free_port();
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
    s_proc_t *p = &self->workers[stage][index];
    snprintf(p->name, sizeof p->name, "worker-%s-%d", s_stage_names[stage], index);
    char log[sizeof p->log];
    snprintf(log, sizeof log, "%s/%s.log", self->tmpdir, p->name);
    memcpy(p->log, log, sizeof log);
    char bin[PATH_MAX], conc[16];
    snprintf(bin, sizeof bin, "%s/lode-worker", cluster_bin_dir());
    snprintf(conc, sizeof conc, "%d", self->concurrency);
    char *argv[S_MAX_ARGS + 1] = {bin,
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
    for (size_t i = 0; extra_args && extra_args[i] && n < S_MAX_ARGS; i++)
        argv[n++] = (char *)extra_args[i];
    argv[n] = NULL;
    return s_proc_start(p, argv, err);
}

static int s_start_workers(cluster_t *self, err_t *err)
{
    for (int s = 0; s < CLUSTER_STAGES; s++)
        for (int i = 0; i < self->workers_per_stage; i++)
            if (cluster_start_worker(self, s, i, err) != 0)
                return -1;
    /* A worker that rejects its arguments exits at once; catch it here
     * rather than as a job that never finishes. */
    s_sleep_ms(150);
    for (int s = 0; s < CLUSTER_STAGES; s++)
        for (int i = 0; i < self->workers_per_stage; i++)
            if (!s_proc_alive(&self->workers[s][i])) {
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
    for (size_t i = 0; opts->broker_args && opts->broker_args[i] && i < S_MAX_ARGS - 8; i++)
        self->broker_args[i] = mem_strdup(opts->broker_args[i]);
    for (size_t i = 0; opts->worker_args && opts->worker_args[i] && i < S_MAX_ARGS - 12; i++)
        self->worker_args[i] = mem_strdup(opts->worker_args[i]);
    snprintf(self->redis_password, sizeof self->redis_password, "%s",
             opts->redis_password ? opts->redis_password : "");
    self->redis_aof = opts->redis_aof;
}

/* With redis_user: make the ACL user and use it in every URL from now on. */
static int s_add_acl_user(cluster_t *self, const cluster_opts_t *opts, err_t *err)
{
    if (!opts || !opts->redis_user || !opts->redis_user_password)
        return 0;
    char *ok = cluster_redis_str(self, "ACL SETUSER %s on >%s ~lode:* &* +@all", opts->redis_user,
                                 opts->redis_user_password);
    bool done = ok && strcmp(ok, "OK") == 0;
    free(ok);
    if (!done) {
        err_set(err, LODE_EIO, "ACL SETUSER %s failed", opts->redis_user);
        return -1;
    }
    snprintf(self->redis_url, sizeof self->redis_url, "redis://%s:%s@127.0.0.1:%d",
             opts->redis_user, opts->redis_user_password, self->redis_port);
    return 0;
}

cluster_t *cluster_new(const cluster_opts_t *opts, err_t *err)
{
    s_install_cleanup();
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
    s_register(self, true);
    if (opts && opts->redis_url)
        snprintf(self->redis_url, sizeof self->redis_url, "%s", opts->redis_url);
    if ((!(opts && opts->redis_url) &&
         (s_start_redis(self, err) != 0 || s_add_acl_user(self, opts, err) != 0)) ||
        s_start_broker(self, err) != 0 || s_start_workers(self, err) != 0) {
        cluster_dump_logs(self, 2048);
        self->test_ok = true; /* logs already shown */
        cluster_destroy(&self);
        return NULL;
    }
    self->test_ok = true;
    return self;
}

static int s_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

void cluster_rmtree(const char *path)
{
    nftw(path, s_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void s_dump_one(const s_proc_t *p, size_t max_bytes);

static void s_stop_all(cluster_t *self)
{
    /* Workers and broker first so they do not log Redis errors on the way out. */
    for (int s = 0; s < CLUSTER_STAGES; s++)
        for (int i = 0; i < CLUSTER_MAX_WORKERS; i++)
            s_kill_group(self->workers[s][i].pid, SIGTERM);
    for (int s = 0; s < CLUSTER_STAGES; s++)
        for (int i = 0; i < CLUSTER_MAX_WORKERS; i++)
            s_proc_stop(&self->workers[s][i]);
    s_proc_stop(&self->broker);
    s_proc_stop(&self->redis);
}

/* True if the log of p holds a sanitizer report (printed then). */
static bool s_sanitizer_report(const s_proc_t *p)
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
    if (self->rc)
        redisFree(self->rc);
    const char *keep = getenv("LODE_KEEP_TMP");
    if (self->tmpdir[0] && !(keep && *keep == '1'))
        cluster_rmtree(self->tmpdir);
    else if (self->tmpdir[0])
        fprintf(stderr, "cluster: kept %s\n", self->tmpdir);
    for (size_t i = 0; i < S_MAX_ARGS; i++) {
        free(self->broker_args[i]);
        free(self->worker_args[i]);
    }
    s_register(self, false);
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

static void s_dump_one(const s_proc_t *p, size_t max_bytes)
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

/* ------------------------------------------------------------------- CLI */

typedef struct {
    char *data; /* owned */
    size_t len;
    size_t cap;
} s_out_t;

static void s_out_add(s_out_t *o, const char *p, size_t n)
{
    if (o->len + n > CLUSTER_OUTPUT_MAX)
        n = CLUSTER_OUTPUT_MAX - o->len; /* bounded: the rest is dropped */
    if (o->len + n + 1 > o->cap) {
        o->cap = (o->len + n + 1) * 2;
        o->data = mem_realloc(o->data, o->cap);
    }
    memcpy(o->data + o->len, p, n);
    o->len += n;
    o->data[o->len] = '\0';
}

/* Read what is there; false at EOF or error. */
static bool s_drain(int fd, s_out_t *o)
{
    char chunk[65536];
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n > 0) {
        s_out_add(o, chunk, (size_t)n);
        return true;
    }
    return n < 0 && (errno == EAGAIN || errno == EINTR);
}

typedef struct {
    int in, out, err; /* parent's ends, -1 once closed */
    const char *data; /* stdin bytes (borrowed) */
    size_t len, sent;
} s_pipes_t;

static void s_close(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* One poll round: feed stdin, drain outputs. */
static void s_pump(s_pipes_t *p, s_out_t *out, s_out_t *err, int wait_ms)
{
    struct pollfd fds[3] = {{p->in, POLLOUT, 0}, {p->out, POLLIN, 0}, {p->err, POLLIN, 0}};
    if (poll(fds, 3, wait_ms) <= 0)
        return;
    if (p->in >= 0 && fds[0].revents) {
        ssize_t n = write(p->in, p->data + p->sent, p->len - p->sent);
        if (n > 0)
            p->sent += (size_t)n;
        if ((n < 0 && errno != EAGAIN && errno != EINTR) || p->sent == p->len)
            s_close(&p->in);
    }
    if (p->out >= 0 && fds[1].revents && !s_drain(p->out, out))
        s_close(&p->out);
    if (p->err >= 0 && fds[2].revents && !s_drain(p->err, err))
        s_close(&p->err);
}

/* Wait for pid until deadline; its status code, or CLUSTER_EXIT_TIMEOUT. */
static int s_reap(pid_t pid, int64_t deadline)
{
    int status = 0;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            break;
        if (r < 0 && errno != EINTR)
            return -1;
        if (cluster_now_ms() >= deadline) {
            s_kill_group(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            return CLUSTER_EXIT_TIMEOUT;
        }
        s_sleep_ms(5);
    }
    s_kill_group(pid, SIGKILL); /* anything it left behind */
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
}

static pid_t s_spawn_piped(char *const argv[], s_pipes_t *p)
{
    int in[2], out[2], er[2];
    if (pipe2(in, O_CLOEXEC) != 0)
        return -1;
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(er, O_CLOEXEC) != 0) {
        close(in[0]); /* fd exhaustion in a test binary: give up cleanly */
        close(in[1]);
        return -1;
    }
    pid_t pid = s_spawn(argv, in[0], out[1], er[1]);
    close(in[0]);
    close(out[1]);
    close(er[1]);
    p->in = in[1];
    p->out = out[0];
    p->err = er[0];
    fcntl(p->in, F_SETFL, O_NONBLOCK);
    fcntl(p->out, F_SETFL, O_NONBLOCK);
    fcntl(p->err, F_SETFL, O_NONBLOCK);
    if (p->len == 0)
        s_close(&p->in);
    return pid;
}

static int s_run(char *const argv[], const char *in, size_t in_len, char **out, char **errout)
{
    s_pipes_t p = {.data = in, .len = in ? in_len : 0};
    s_out_t o = {0}, e = {0};
    s_out_add(&o, "", 0);
    s_out_add(&e, "", 0);
    int64_t deadline = cluster_now_ms() + CLUSTER_CLI_LIMIT_MS;
    pid_t pid = s_spawn_piped(argv, &p);
    int rc = -1;
    if (pid > 0) {
        s_cli_pid = pid;
        while ((p.out >= 0 || p.err >= 0) && cluster_now_ms() < deadline)
            s_pump(&p, &o, &e, 50);
        rc = s_reap(pid, deadline);
        s_cli_pid = 0;
    }
    s_close(&p.in);
    s_close(&p.out);
    s_close(&p.err);
    if (out)
        *out = o.data;
    else
        free(o.data);
    if (errout)
        *errout = e.data;
    else
        free(e.data);
    return rc;
}

int cluster_run_cli_at(const char *redis_url,
                       const char *broker,
                       const char *in,
                       size_t in_len,
                       char **out,
                       char **errout,
                       const char *const *argv)
{
    s_install_cleanup();
    char bin[PATH_MAX];
    snprintf(bin, sizeof bin, "%s/lode", cluster_bin_dir());
    char *full[S_MAX_ARGS * 2];
    size_t n = 0;
    full[n++] = bin;
    if (redis_url) {
        full[n++] = "--redis";
        full[n++] = (char *)redis_url;
    }
    if (broker) {
        full[n++] = "--broker";
        full[n++] = (char *)broker;
    }
    for (size_t i = 0; argv && argv[i] && n < S_MAX_ARGS * 2 - 1; i++)
        full[n++] = (char *)argv[i];
    full[n] = NULL;
    return s_run(full, in, in_len, out, errout);
}

int cluster_run_prog(const char *prog, const char *const *argv, char **out, char **errout)
{
    s_install_cleanup();
    char bin[PATH_MAX];
    snprintf(bin, sizeof bin, "%s/%s", cluster_bin_dir(), prog);
    char *full[S_MAX_ARGS + 1];
    size_t n = 0;
    full[n++] = bin;
    for (size_t i = 0; argv && argv[i] && n < S_MAX_ARGS; i++)
        full[n++] = (char *)argv[i];
    full[n] = NULL;
    return s_run(full, NULL, 0, out, errout);
}

char *cluster_log(const cluster_t *self, const char *name)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s.log", self->tmpdir, name);
    return cluster_read_file(path, CLUSTER_OUTPUT_MAX, NULL);
}

int cluster_run_cliv(cluster_t *self,
                     const char *in,
                     size_t in_len,
                     char **out,
                     char **errout,
                     const char *const *argv)
{
    return cluster_run_cli_at(self->redis_url, self->broker_ep, in, in_len, out, errout, argv);
}

int cluster_run_cli(cluster_t *self, const char *in, char **out, char **errout, ...)
{
    const char *argv[S_MAX_ARGS];
    size_t n = 0;
    va_list ap;
    va_start(ap, errout);
    const char *a;
    while ((a = va_arg(ap, const char *)) != NULL && n < S_MAX_ARGS - 1)
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    return cluster_run_cliv(self, in, in ? strlen(in) : 0, out, errout, argv);
}

/* --------------------------------------------------------- process control */

int cluster_kill_worker(cluster_t *self, int stage, int index, int sig)
{
    if (stage < 0 || stage >= CLUSTER_STAGES || index < 0 || index >= CLUSTER_MAX_WORKERS)
        return -1;
    s_proc_t *p = &self->workers[stage][index];
    if (!s_proc_alive(p))
        return -1;
    s_proc_signal_wait(p, sig, S_STOP_LIMIT_MS);
    if (p->pid > 0)
        s_proc_stop(p);
    return 0;
}

void cluster_stop_broker(cluster_t *self)
{
    s_proc_stop(&self->broker);
}

int cluster_restart_broker(cluster_t *self, err_t *err)
{
    s_proc_stop(&self->broker);
    return s_start_broker_on(self, self->broker_port, err);
}

void cluster_kill_redis(cluster_t *self, int sig)
{
    s_proc_signal_wait(&self->redis, sig, S_STOP_LIMIT_MS);
    s_proc_stop(&self->redis);
    if (self->rc) {
        redisFree(self->rc);
        self->rc = NULL;
    }
}

bool cluster_broker_alive(cluster_t *self)
{
    return s_proc_alive(&self->broker);
}

/* ------------------------------------------------------------------- Redis */

static redisContext *s_redis(cluster_t *self)
{
    if (self->rc && self->rc->err) {
        redisFree(self->rc);
        self->rc = NULL;
    }
    if (!self->rc && self->redis_port > 0) {
        struct timeval tv = {1, 0};
        self->rc = redisConnectWithTimeout("127.0.0.1", self->redis_port, tv);
        if (self->rc && !self->rc->err) {
            struct timeval cmd = {2, 0};
            redisSetTimeout(self->rc, cmd);
            if (!s_redis_auth(self->rc, self->redis_password)) {
                redisFree(self->rc);
                self->rc = NULL;
            }
        }
    }
    return self->rc && !self->rc->err ? self->rc : NULL;
}

static redisReply *s_vcommand(cluster_t *self, const char *fmt, va_list ap)
{
    redisContext *rc = s_redis(self);
    return rc ? redisvCommand(rc, fmt, ap) : NULL;
}

static char *s_reply_str(const redisReply *r)
{
    if (!r)
        return NULL;
    switch (r->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
        return mem_strndup(r->str, r->len);
    case REDIS_REPLY_INTEGER:
        return mem_printf("%lld", r->integer);
    default:
        return NULL;
    }
}

char *cluster_redis_str(cluster_t *self, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = s_vcommand(self, fmt, ap);
    va_end(ap);
    char *s = s_reply_str(r);
    if (r)
        freeReplyObject(r);
    return s;
}

long long cluster_redis_int(cluster_t *self, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = s_vcommand(self, fmt, ap);
    va_end(ap);
    long long v = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    if (r)
        freeReplyObject(r);
    return v;
}

char *cluster_job_field(cluster_t *self, const char *id, const char *field)
{
    return cluster_redis_str(self, "HGET lode:job:%s %s", id, field);
}

bool cluster_list_contains(cluster_t *self, const char *key, const char *value)
{
    redisContext *rc = s_redis(self);
    redisReply *r = rc ? redisCommand(rc, "LRANGE %s 0 -1", key) : NULL;
    bool found = false;
    if (r && r->type == REDIS_REPLY_ARRAY)
        for (size_t i = 0; i < r->elements && !found; i++)
            found =
                r->element[i]->type == REDIS_REPLY_STRING && strcmp(r->element[i]->str, value) == 0;
    if (r)
        freeReplyObject(r);
    return found;
}

char *cluster_wait_job(cluster_t *self, const char *id, int timeout_ms)
{
    int64_t deadline = cluster_now_ms() + timeout_ms;
    for (;;) {
        char *state = cluster_job_field(self, id, "state");
        if (state && (strcmp(state, "done") == 0 || strcmp(state, "failed") == 0))
            return state;
        free(state);
        if (cluster_now_ms() >= deadline)
            return NULL;
        s_sleep_ms(25);
    }
}

bool cluster_wait_for(bool (*pred)(void *arg), void *arg, int timeout_ms)
{
    int64_t deadline = cluster_now_ms() + timeout_ms;
    for (;;) {
        if (pred(arg))
            return true;
        if (cluster_now_ms() >= deadline)
            return false;
        s_sleep_ms(20);
    }
}

/* --------------------------------------------------------------- utilities */

char *cluster_write_file(cluster_t *self, const char *name, const char *data, size_t len)
{
    char *path = mem_printf("%s/%s", self->tmpdir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len) {
        if (f)
            fclose(f);
        free(path);
        return NULL;
    }
    if (fclose(f) != 0) {
        free(path);
        return NULL;
    }
    return path;
}

char *cluster_read_file(const char *path, size_t max_bytes, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    s_out_t o = {0};
    s_out_add(&o, "", 0);
    char chunk[65536];
    size_t n;
    while (o.len < max_bytes && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        s_out_add(&o, chunk, n < max_bytes - o.len ? n : max_bytes - o.len);
    fclose(f);
    if (len)
        *len = o.len;
    return o.data;
}

/* Bytes of the UTF-8 sequence at s, or 0 if it is invalid (overlong,
 * surrogate, past U+10FFFF, truncated). Independent of common/utf8.c on
 * purpose: the tests check that module's results. */
static size_t s_utf8_seq(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    size_t n = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
    if (n == 0 || s[0] > 0xF4)
        return 0;
    uint32_t cp = s[0] & (0x7F >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    bool overlong = (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
    if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

size_t cluster_utf8_len(const char *s)
{
    size_t count = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = s_utf8_seq(p);
        if (n == 0)
            return SIZE_MAX;
        p += n;
        count++;
    }
    return count;
}

char *cluster_utf8_slice(const char *s, size_t cp_off, size_t cp_len)
{
    const unsigned char *p = (const unsigned char *)s;
    const unsigned char *start = NULL;
    for (size_t i = 0;; i++) {
        if (i == cp_off)
            start = p;
        if (i == cp_off + cp_len)
            return mem_strndup((const char *)start, (size_t)(p - start));
        if (!*p)
            return NULL;
        size_t n = s_utf8_seq(p);
        if (n == 0)
            return NULL;
        p += n;
    }
}

char *cluster_submit_text(cluster_t *self, const char *text, size_t len)
{
    const char *argv[] = {"submit", "--text", "-", NULL};
    char *out = NULL, *errout = NULL;
    int rc = cluster_run_cliv(self, text, len, &out, &errout, argv);
    char *id = NULL;
    size_t n = out ? strcspn(out, "\r\n") : 0;
    if (rc == 0 && n > 0)
        id = mem_strndup(out, n);
    else
        fprintf(stderr, "cluster: lode submit exited %d: %s%s\n", rc, errout ? errout : "",
                out ? out : "");
    free(out);
    free(errout);
    return id;
}

char *cluster_export_json(cluster_t *self, const char *id)
{
    char *out = NULL, *errout = NULL;
    int rc = cluster_run_cli(self, NULL, &out, &errout, "export", id, "--format", "json", NULL);
    if (rc != 0) {
        fprintf(stderr, "cluster: lode export %s exited %d: %s\n", id, rc, errout);
        free(out);
        out = NULL;
    }
    free(errout);
    return out;
}

char *cluster_prose(size_t min_words)
{
    char *seed = cluster_read_file("seeds/000_a5cf945eb98e69f0.txt", 1u << 20, NULL);
    if (!seed)
        return NULL;
    s_out_t o = {0};
    s_out_add(&o, "", 0);
    size_t words = 0;
    for (char *line = strtok(seed, "\n"); line && words < min_words; line = strtok(NULL, "\n")) {
        if (strlen(line) < 200)
            continue; /* headings, list items, labels */
        if (o.len)
            s_out_add(&o, "\n\n", 2);
        s_out_add(&o, line, strlen(line));
        for (char *p = line; *p; p++)
            words += (p == line || p[-1] == ' ') && *p != ' ';
    }
    free(seed);
    return o.data;
}

/* ------------------------------------------------------ document checks */

static bool s_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static bool s_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "cluster_doc_check: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    return false;
}

/* The segment holding code point cp, else the first one after it. */
static json_t *s_segment_at(json_t *segs, json_int_t cp)
{
    size_t i;
    json_t *seg;
    json_t *after = NULL;
    json_array_foreach(segs, i, seg)
    {
        json_int_t off = json_integer_value(json_object_get(seg, "offset"));
        json_int_t len = json_integer_value(json_object_get(seg, "length"));
        if (cp >= off && cp < off + len)
            return seg;
        if (off > cp && !after)
            after = seg;
    }
    return after;
}

static bool s_check_segments(json_t *segs, size_t n_cp, bool timed)
{
    if (!json_is_array(segs))
        return s_fail("transcript.segments is not an array");
    size_t i;
    json_t *seg;
    json_array_foreach(segs, i, seg)
    {
        json_int_t off = json_integer_value(json_object_get(seg, "offset"));
        json_int_t len = json_integer_value(json_object_get(seg, "length"));
        if (off < 0 || len < 0 || (size_t)(off + len) > n_cp)
            return s_fail("segment %zu [%lld,+%lld] outside %zu code points", i, (long long)off,
                          (long long)len, n_cp);
        json_t *start = json_object_get(seg, "start_ms"), *end = json_object_get(seg, "end_ms");
        if (timed && (!json_is_integer(start) || !json_is_integer(end) ||
                      json_integer_value(start) > json_integer_value(end)))
            return s_fail("segment %zu has no valid start_ms/end_ms", i);
    }
    return true;
}

static bool s_check_time(json_t *snip, json_t *segs, size_t i)
{
    json_t *start = json_object_get(snip, "start_ms");
    if (!json_is_integer(start))
        return s_fail("snippet %zu of a timed source has no start_ms", i);
    json_t *seg = s_segment_at(segs, json_integer_value(json_object_get(snip, "offset")));
    json_int_t t = json_integer_value(start);
    json_int_t lo = seg ? json_integer_value(json_object_get(seg, "start_ms")) : -1;
    json_int_t hi = seg ? json_integer_value(json_object_get(seg, "end_ms")) : -1;
    if (!seg || t < lo || t > hi)
        return s_fail("snippet %zu start_ms %lld outside its cue [%lld, %lld]", i, (long long)t,
                      (long long)lo, (long long)hi);
    return true;
}

static bool s_check_snippet(json_t *snip, const char *text, json_t *segs, bool timed, size_t i)
{
    json_t *off = json_object_get(snip, "offset"), *len = json_object_get(snip, "length");
    const char *quote = json_string_value(json_object_get(snip, "quote"));
    const char *comment = json_string_value(json_object_get(snip, "commentary"));
    if (!json_is_integer(off) || !json_is_integer(len) || !quote || json_integer_value(len) <= 0 ||
        json_integer_value(off) < 0)
        return s_fail("snippet %zu lacks offset/length/quote", i);
    char *slice =
        cluster_utf8_slice(text, (size_t)json_integer_value(off), (size_t)json_integer_value(len));
    bool same = slice && strcmp(slice, quote) == 0;
    if (!same)
        s_fail("snippet %zu quote is not text[%lld:+%lld]:\n  quote: %.200s\n  slice: %.200s", i,
               (long long)json_integer_value(off), (long long)json_integer_value(len), quote,
               slice ? slice : "(out of range)");
    free(slice);
    if (!same)
        return false;
    if (!comment || !*comment)
        return s_fail("snippet %zu has no commentary", i);
    if (!json_is_boolean(json_object_get(snip, "kept")))
        return s_fail("snippet %zu has no boolean kept", i);
    return !timed || s_check_time(snip, segs, i);
}

static int s_doc_fail(const char *what, const char *detail)
{
    s_fail("%s%s", what, detail ? detail : "");
    return -1;
}

static int s_doc_check(json_t *doc, bool timed)
{
    const char *state = json_string_value(json_object_get(doc, "state"));
    if (!state || strcmp(state, "done") != 0)
        return s_doc_fail("state is not done: ", state ? state : "(missing)");
    json_t *tr = json_object_get(doc, "transcript");
    const char *text = json_string_value(json_object_get(tr, "text"));
    size_t n_cp = text ? cluster_utf8_len(text) : SIZE_MAX;
    if (n_cp == SIZE_MAX)
        return s_doc_fail("transcript.text missing or not valid UTF-8", NULL);
    json_t *segs = json_object_get(tr, "segments");
    if (!s_check_segments(segs, n_cp, timed))
        return -1;
    json_t *snips = json_object_get(doc, "snippets");
    if (!json_is_array(snips))
        return s_doc_fail("snippets is not an array", NULL);
    size_t i;
    json_t *snip;
    json_array_foreach(snips, i, snip)
    {
        if (!s_check_snippet(snip, text, segs, timed, i))
            return -1;
    }
    return (int)json_array_size(snips);
}

int cluster_doc_check(const char *export_json, bool timed)
{
    json_error_t jerr;
    json_t *doc = export_json ? json_loads(export_json, 0, &jerr) : NULL;
    if (!doc) {
        s_fail("export is not JSON: %s", export_json ? jerr.text : "(no output)");
        return -1;
    }
    int n = s_doc_check(doc, timed);
    json_decref(doc);
    return n;
}

/* ------------------------------------------- fault injection (test_faults) */

/* Start a worker with the cluster's worker_args followed by extra (later
 * flags win with getopt). */
int cluster_start_worker_args(
    cluster_t *self, int stage, int index, const char *const *extra, err_t *err)
{
    const char *args[S_MAX_ARGS + 1];
    size_t n = 0;
    for (size_t i = 0; self->worker_args[i] && n < S_MAX_ARGS / 2; i++)
        args[n++] = self->worker_args[i];
    for (size_t i = 0; extra && extra[i] && n < S_MAX_ARGS - 12; i++)
        args[n++] = extra[i];
    args[n] = NULL;
    return cluster_start_worker_with(self, stage, index, args, err);
}

pid_t cluster_broker_pid(const cluster_t *self)
{
    return self->broker.pid;
}

pid_t cluster_worker_pid(const cluster_t *self, int stage, int index)
{
    if (stage < 0 || stage >= CLUSTER_STAGES || index < 0 || index >= CLUSTER_MAX_WORKERS)
        return 0;
    return self->workers[stage][index].pid;
}

pid_t cluster_redis_pid(const cluster_t *self)
{
    return self->redis.pid;
}

/* Send sig to p's group, then wait up to limit_ms for it to exit and reap
 * it: its exit status (128+signal if killed), or -1 if it is still running
 * (or was not). */
static int s_proc_signal_status(s_proc_t *p, int sig, int limit_ms)
{
    if (p->pid <= 0)
        return -1;
    if (sig)
        s_kill_group(p->pid, sig);
    int64_t deadline = cluster_now_ms() + limit_ms;
    for (;;) {
        int status;
        if (waitpid(p->pid, &status, WNOHANG) == p->pid) {
            s_kill_group(p->pid, SIGKILL); /* leftovers of its group */
            p->pid = 0;
            if (WIFEXITED(status))
                return WEXITSTATUS(status);
            return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
        }
        if (cluster_now_ms() >= deadline)
            return -1;
        s_sleep_ms(5);
    }
}

int cluster_signal_broker(cluster_t *self, int sig, int limit_ms)
{
    return s_proc_signal_status(&self->broker, sig, limit_ms);
}

int cluster_signal_worker(cluster_t *self, int stage, int index, int sig, int limit_ms)
{
    if (stage < 0 || stage >= CLUSTER_STAGES || index < 0 || index >= CLUSTER_MAX_WORKERS)
        return -1;
    return s_proc_signal_status(&self->workers[stage][index], sig, limit_ms);
}

int cluster_start_broker(cluster_t *self, err_t *err)
{
    if (s_proc_alive(&self->broker)) {
        err_set(err, LODE_EINVAL, "the broker is running");
        return -1;
    }
    return s_start_broker_on(self, self->broker_port, err);
}

int cluster_start_redis(cluster_t *self, err_t *err)
{
    if (s_proc_alive(&self->redis)) {
        err_set(err, LODE_EINVAL, "redis-server is running");
        return -1;
    }
    char port_s[16];
    snprintf(port_s, sizeof port_s, "%d", self->redis_port);
    char *argv[] = {"redis-server",
                    "--port",
                    port_s,
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    self->redis_aof ? "yes" : "no",
                    "--dir",
                    self->tmpdir,
                    "--daemonize",
                    "no",
                    "--appendfsync",
                    "everysec",
                    self->redis_password[0] ? "--requirepass" : NULL,
                    self->redis_password,
                    NULL};
    if (s_proc_start(&self->redis, argv, err) != 0)
        return -1;
    int64_t deadline = cluster_now_ms() + S_START_LIMIT_MS;
    while (s_proc_alive(&self->redis) && cluster_now_ms() < deadline) {
        if (s_redis_pings(self->redis_port, self->redis_password))
            return 0;
        s_sleep_ms(20);
    }
    s_proc_stop(&self->redis);
    err_set(err, LODE_ETIMEDOUT, "redis-server did not come back on port %d (see %s)",
            self->redis_port, self->redis.log);
    return -1;
}

int cluster_restart_redis(cluster_t *self, int sig, err_t *err)
{
    cluster_kill_redis(self, sig);
    return cluster_start_redis(self, err);
}

long cluster_rss_kb(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    char *status = cluster_read_file(path, 1u << 16, NULL);
    const char *line = status ? strstr(status, "\nVmRSS:") : NULL;
    long kb = line ? strtol(line + 7, NULL, 10) : -1;
    free(status);
    return kb;
}

/* ------------------------------------------- submitting, waiting by field */

int cluster_submit_argv(cluster_t *self, const char *const *args, char **ids, size_t max)
{
    const char *argv[S_MAX_ARGS + 2] = {"submit"};
    size_t n = 1;
    for (size_t i = 0; args && args[i] && n < S_MAX_ARGS; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    char *out = NULL, *errout = NULL;
    int rc = cluster_run_cliv(self, NULL, 0, &out, &errout, argv);
    int got = -1;
    if (rc == 0 && out) {
        got = 0;
        char *save = NULL;
        for (char *line = strtok_r(out, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save))
            if ((size_t)got < max)
                ids[got++] = mem_strdup(line);
    } else {
        fprintf(stderr, "cluster: lode submit exited %d: %s%s\n", rc, errout ? errout : "",
                out ? out : "");
    }
    free(out);
    free(errout);
    return got;
}

bool cluster_wait_field(
    cluster_t *self, const char *id, const char *field, const char *value, int timeout_ms)
{
    int64_t deadline = cluster_now_ms() + timeout_ms;
    for (;;) {
        char *v = cluster_job_field(self, id, field);
        bool ok = v && strcmp(v, value) == 0;
        free(v);
        if (ok)
            return true;
        if (cluster_now_ms() >= deadline)
            return false;
        s_sleep_ms(25);
    }
}

char *cluster_part(cluster_t *self, const char *id, const char *part)
{
    store_opts_t o = {.url = self->redis_url, .timeout_ms = 2000};
    err_t err = {0};
    store_t *st = store_new(&o, &err);
    char *v = st ? store_part_get(st, id, part, NULL, &err) : NULL;
    if (!v && err.code != LODE_ENOTFOUND)
        fprintf(stderr, "cluster_part %s %s: %s\n", id, part, err.msg);
    store_destroy(&st);
    return v;
}
