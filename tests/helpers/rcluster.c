/*  rcluster.c - a real Redis Cluster for tests: nodes started on free
 *  loopback ports (each port and its bus port, port+10000, checked free),
 *  joined with redis-cli --cluster create, waited for with bounds, killed
 *  by pid. See rcluster.h.
 *  SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include "rcluster.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "cluster.h"

#define S_LIVE_MAX 4

struct rcluster {
    char tmpdir[PATH_MAX];
    int n;
    int port[RCLUSTER_NODES_MAX];
    pid_t pid[RCLUSTER_NODES_MAX];
    char url[1024];
};

static rcluster_t *s_live[S_LIVE_MAX];

static void s_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

static void s_kill_all(rcluster_t *self)
{
    for (int i = 0; i < self->n; i++)
        if (self->pid[i] > 0) {
            kill(-self->pid[i], SIGKILL);
            waitpid(self->pid[i], NULL, 0);
            self->pid[i] = 0;
        }
}

static void s_at_exit(void)
{
    for (int i = 0; i < S_LIVE_MAX; i++)
        if (s_live[i])
            s_kill_all(s_live[i]);
}

bool rcluster_available(void)
{
    return system("command -v redis-server >/dev/null 2>&1 && "
                  "command -v redis-cli >/dev/null 2>&1") == 0;
}

static bool s_port_free(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bool ok = bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

/* A port whose bus port (+10000) is free too, below the ephemeral range. */
static int s_pick_port(void)
{
    for (int tries = 0; tries < 200; tries++) {
        int port = 20000 + (int)(random() % 9000);
        if (s_port_free(port) && s_port_free(port + 10000))
            return port;
    }
    return -1;
}

static pid_t s_spawn(char *const argv[], const char *log)
{
    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid != 0) {
        if (pid > 0)
            setpgid(pid, pid);
        return pid;
    }
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(127);
    int in = open("/dev/null", O_RDONLY);
    int out = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (in < 0 || out < 0)
        _exit(127);
    dup2(in, 0);
    dup2(out, 1);
    dup2(out, 2);
    for (int fd = 3; fd < 1024; fd++)
        close(fd);
    signal(SIGPIPE, SIG_DFL);
    execvp(argv[0], argv);
    _exit(127);
}

static int s_start_node(rcluster_t *self, int i)
{
    char port[16], conf[PATH_MAX + 32], log[PATH_MAX + 32], db[64];
    snprintf(port, sizeof port, "%d", self->port[i]);
    snprintf(conf, sizeof conf, "%s/nodes-%d.conf", self->tmpdir, self->port[i]);
    snprintf(log, sizeof log, "%s/redis-%d.log", self->tmpdir, self->port[i]);
    snprintf(db, sizeof db, "dump-%d.rdb", self->port[i]);
    char *argv[] = {"redis-server", "--port", port, "--bind", "127.0.0.1", "--cluster-enabled",
                    "yes", "--cluster-config-file", conf, "--cluster-node-timeout", "1000",
                    "--cluster-require-full-coverage", "no", "--dir", self->tmpdir, "--dbfilename",
                    db, "--save", "", "--appendonly", "no", "--daemonize", "no",
                    /* a replica syncs at once, not after the default 5 s */
                    "--repl-diskless-sync-delay", "0",
                    /* a master emptied by a reshard stays a master (with its
                       replica), so slots can move back to it */
                    "--cluster-allow-replica-migration", "no", NULL};
    self->pid[i] = s_spawn(argv, log);
    return self->pid[i] > 0 ? 0 : -1;
}

static redisContext *s_connect(int port)
{
    struct timeval tv = {1, 0};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", port, tv);
    if (c && !c->err) {
        redisSetTimeout(c, tv);
        return c;
    }
    redisFree(c);
    return NULL;
}

static char *s_vstr(rcluster_t *self, int i, const char *fmt, va_list ap)
{
    redisContext *c = self->pid[i] > 0 ? s_connect(self->port[i]) : NULL;
    if (!c)
        return NULL;
    redisReply *r = redisvCommand(c, fmt, ap);
    char *out = NULL;
    if (r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS))
        out = strndup(r->str, r->len);
    else if (r && r->type == REDIS_REPLY_INTEGER && asprintf(&out, "%lld", r->integer) < 0)
        out = NULL;
    freeReplyObject(r);
    redisFree(c);
    return out;
}

char *rcluster_str(rcluster_t *self, int i, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = s_vstr(self, i, fmt, ap);
    va_end(ap);
    return s;
}

long long rcluster_int(rcluster_t *self, int i, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = s_vstr(self, i, fmt, ap);
    va_end(ap);
    long long v = s ? atoll(s) : -1;
    free(s);
    return v;
}

static bool s_pings(int port)
{
    redisContext *c = s_connect(port);
    redisReply *r = c ? redisCommand(c, "PING") : NULL;
    bool ok = r && r->type == REDIS_REPLY_STATUS;
    freeReplyObject(r);
    redisFree(c);
    return ok;
}

int rcluster_cli(rcluster_t *self, int limit_ms, const char *const *argv)
{
    char *args[48] = {"redis-cli"};
    int n = 1;
    for (; argv[n - 1] && n < 47; n++)
        args[n] = (char *)argv[n - 1];
    args[n] = NULL;
    char log[PATH_MAX + 16];
    snprintf(log, sizeof log, "%s/cli.log", self->tmpdir);
    pid_t pid = s_spawn(args, log);
    if (pid < 0)
        return -1;
    int64_t deadline = cluster_now_ms() + limit_ms;
    int status;
    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (cluster_now_ms() > deadline) {
            kill(-pid, SIGKILL);
            waitpid(pid, &status, 0);
            fprintf(stderr, "rcluster: redis-cli ran past %d ms (see %s)\n", limit_ms, log);
            return -1;
        }
        s_sleep_ms(20);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int rcluster_master_of(rcluster_t *self, unsigned slot)
{
    for (int i = 0; i < self->n; i++) {
        redisContext *c = self->pid[i] > 0 ? s_connect(self->port[i]) : NULL;
        redisReply *r = c ? redisCommand(c, "CLUSTER SLOTS") : NULL;
        int found = -1;
        for (size_t k = 0; r && r->type == REDIS_REPLY_ARRAY && k < r->elements; k++) {
            redisReply *e = r->element[k];
            if (e->elements >= 3 && (unsigned)e->element[0]->integer <= slot &&
                slot <= (unsigned)e->element[1]->integer)
                found = rcluster_node_of_port(self, (int)e->element[2]->element[1]->integer);
        }
        freeReplyObject(r);
        redisFree(c);
        if (found >= 0)
            return found;
    }
    return -1;
}

int rcluster_slot_count(rcluster_t *self, int i)
{
    int n = 0;
    for (int k = 0; k < self->n && n == 0; k++) {
        redisContext *c = self->pid[k] > 0 ? s_connect(self->port[k]) : NULL;
        redisReply *r = c ? redisCommand(c, "CLUSTER SLOTS") : NULL;
        for (size_t e = 0; r && r->type == REDIS_REPLY_ARRAY && e < r->elements; e++) {
            redisReply *x = r->element[e];
            if (x->elements >= 3 && x->element[2]->elements >= 2 &&
                x->element[2]->element[1]->integer == self->port[i])
                n += (int)(x->element[1]->integer - x->element[0]->integer + 1);
        }
        freeReplyObject(r);
        redisFree(c);
    }
    return n;
}

bool rcluster_wait_ok(rcluster_t *self, unsigned slot, int limit_ms)
{
    int64_t deadline = cluster_now_ms() + limit_ms;
    while (cluster_now_ms() < deadline) {
        bool ok = true;
        for (int i = 0; ok && i < self->n; i++) {
            if (self->pid[i] <= 0)
                continue;
            char *info = rcluster_str(self, i, "CLUSTER INFO");
            ok = info && strstr(info, "cluster_state:ok");
            free(info);
        }
        int m = ok ? rcluster_master_of(self, slot) : -1;
        if (ok && m >= 0 && self->pid[m] > 0)
            return true;
        s_sleep_ms(100);
    }
    return false;
}

/* Every replica's link to its master is up: a failover can happen. */
static bool s_replicas_up(rcluster_t *self, int replicas)
{
    int up = 0;
    for (int i = 0; i < self->n; i++) {
        char *info = self->pid[i] > 0 ? rcluster_str(self, i, "INFO replication") : NULL;
        up += info && strstr(info, "role:slave") && strstr(info, "master_link_status:up");
        free(info);
    }
    return up == self->n - self->n / (1 + replicas);
}

static int s_create(rcluster_t *self, int replicas, err_t *err)
{
    const char *argv[RCLUSTER_NODES_MAX + 8] = {"--cluster", "create"};
    char addr[RCLUSTER_NODES_MAX][32];
    char reps[8];
    int n = 2;
    for (int i = 0; i < self->n; i++) {
        snprintf(addr[i], sizeof addr[i], "127.0.0.1:%d", self->port[i]);
        argv[n++] = addr[i];
    }
    snprintf(reps, sizeof reps, "%d", replicas);
    argv[n++] = "--cluster-replicas";
    argv[n++] = reps;
    argv[n++] = "--cluster-yes";
    argv[n] = NULL;
    if (rcluster_cli(self, 30000, argv) != 0) {
        err_set(err, LODE_EIO, "redis-cli --cluster create failed (see %s/cli.log)", self->tmpdir);
        return -1;
    }
    int64_t deadline = cluster_now_ms() + 20000;
    while (!s_replicas_up(self, replicas) && cluster_now_ms() < deadline)
        s_sleep_ms(50);
    if (!rcluster_wait_ok(self, 0, 20000) || !rcluster_wait_ok(self, 16383, 5000) ||
        !s_replicas_up(self, replicas)) {
        err_set(err, LODE_ETIMEDOUT, "cluster did not reach cluster_state:ok (see %s)",
                self->tmpdir);
        return -1;
    }
    return 0;
}

rcluster_t *rcluster_new(int masters, int replicas, err_t *err)
{
    rcluster_t *self = calloc(1, sizeof *self);
    self->n = masters * (1 + replicas);
    srandom((unsigned)(getpid() ^ cluster_now_ms()));
    snprintf(self->tmpdir, sizeof self->tmpdir, "/tmp/lode-rcluster-XXXXXX");
    if (self->n > RCLUSTER_NODES_MAX || !mkdtemp(self->tmpdir)) {
        err_set(err, LODE_EIO, "rcluster: %d nodes / mkdtemp: %s", self->n, strerror(errno));
        free(self);
        return NULL;
    }
    for (int i = 0; i < S_LIVE_MAX; i++)
        if (!s_live[i]) {
            s_live[i] = self;
            break;
        }
    static bool at_exit;
    if (!at_exit && atexit(s_at_exit) == 0)
        at_exit = true;
    for (int i = 0; i < self->n; i++) {
        if ((self->port[i] = s_pick_port()) < 0 || s_start_node(self, i) != 0) {
            err_set(err, LODE_EIO, "rcluster: cannot start node %d", i);
            rcluster_destroy(&self);
            return NULL;
        }
    }
    int64_t deadline = cluster_now_ms() + 5000;
    for (int i = 0; i < self->n; i++)
        while (!s_pings(self->port[i]) && cluster_now_ms() < deadline)
            s_sleep_ms(20);
    size_t len = (size_t)snprintf(self->url, sizeof self->url, "redis+cluster://");
    for (int i = 0; i < self->n; i++)
        len += (size_t)snprintf(self->url + len, sizeof self->url - len, "%s127.0.0.1:%d",
                                i ? "," : "", self->port[i]);
    if (s_create(self, replicas, err) != 0) {
        rcluster_destroy(&self);
        return NULL;
    }
    return self;
}

void rcluster_destroy(rcluster_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    rcluster_t *self = *self_p;
    s_kill_all(self);
    for (int i = 0; i < S_LIVE_MAX; i++)
        if (s_live[i] == self)
            s_live[i] = NULL;
    if (!getenv("LODE_KEEP_TMP"))
        cluster_rmtree(self->tmpdir);
    free(self);
    *self_p = NULL;
}

const char *rcluster_url(const rcluster_t *self)
{
    return self->url;
}

int rcluster_nodes(const rcluster_t *self)
{
    return self->n;
}

int rcluster_port(const rcluster_t *self, int i)
{
    return self->port[i];
}

pid_t rcluster_pid(const rcluster_t *self, int i)
{
    return self->pid[i];
}

int rcluster_node_of_port(const rcluster_t *self, int port)
{
    for (int i = 0; i < self->n; i++)
        if (self->port[i] == port)
            return i;
    return -1;
}

void rcluster_kill(rcluster_t *self, int i, int sig)
{
    if (self->pid[i] <= 0)
        return;
    kill(-self->pid[i], sig);
    if (sig == SIGKILL) {
        waitpid(self->pid[i], NULL, 0);
        self->pid[i] = 0;
    }
}

int rcluster_restart(rcluster_t *self, int i, int limit_ms)
{
    if (i < 0 || i >= self->n || self->pid[i] > 0 || s_start_node(self, i) != 0)
        return -1;
    int64_t deadline = cluster_now_ms() + limit_ms;
    while (cluster_now_ms() < deadline) {
        char *info = rcluster_str(self, i, "INFO replication");
        bool up = info && strstr(info, "role:slave") && strstr(info, "master_link_status:up");
        free(info);
        if (up)
            return 0;
        s_sleep_ms(50);
    }
    return -1;
}
