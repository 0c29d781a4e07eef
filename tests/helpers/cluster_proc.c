/*  cluster_proc.c - the harness's process control: spawning in a process
 *  group that dies with the test binary, bounded stops, signals, the
 *  atexit and fatal-signal cleanup, free loopback ports.
 *  SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cluster.h"
#include "cluster_impl.h"

volatile pid_t cluster_cli_pid;             /* the CLI child running now, or 0 */
static cluster_t *s_live[CLUSTER_MAX_LIVE]; /* for atexit and signal cleanup */
static bool s_cleanup_installed;

int64_t cluster_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void cluster_sleep_ms(int ms)
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

void cluster_kill_group(pid_t pid, int sig)
{
    if (pid > 0)
        kill(-pid, sig);
}

static void s_kill_all(cluster_t *self, int sig)
{
    cluster_kill_group(self->broker.pid, sig);
    for (int s = 0; s < CLUSTER_STAGES; s++)
        for (int i = 0; i < CLUSTER_MAX_WORKERS; i++)
            cluster_kill_group(self->workers[s][i].pid, sig);
    cluster_kill_group(self->redis.pid, sig);
}

/* Async-signal-safe: only kill(2), then die of the same signal. */
static void s_on_fatal_signal(int sig)
{
    cluster_kill_group(cluster_cli_pid, SIGKILL);
    for (int i = 0; i < CLUSTER_MAX_LIVE; i++)
        if (s_live[i])
            s_kill_all(s_live[i], SIGKILL);
    signal(sig, SIG_DFL);
    raise(sig);
}

static void s_at_exit(void)
{
    for (int i = 0; i < CLUSTER_MAX_LIVE; i++) {
        cluster_t *c = s_live[i];
        if (c) {
            s_kill_all(c, SIGKILL);
            cluster_destroy(&c);
        }
    }
}

void cluster_install_cleanup(void)
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

void cluster_register(cluster_t *self, bool add)
{
    for (int i = 0; i < CLUSTER_MAX_LIVE; i++) {
        if (add && !s_live[i]) {
            s_live[i] = self;
            return;
        }
        if (!add && s_live[i] == self)
            s_live[i] = NULL;
    }
}

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
pid_t cluster_spawn(char *const argv[], int in_fd, int out_fd, int err_fd)
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
int cluster_proc_start(cluster_proc_t *p, char *const argv[], err_t *err)
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
    pid_t pid = cluster_spawn(argv, null_fd, log_fd, log_fd);
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
bool cluster_proc_alive(cluster_proc_t *p)
{
    if (p->pid <= 0)
        return false;
    int status;
    if (waitpid(p->pid, &status, WNOHANG) == p->pid) {
        cluster_kill_group(p->pid, SIGKILL); /* leftovers of its group */
        p->pid = 0;
        return false;
    }
    return true;
}

void cluster_proc_signal_wait(cluster_proc_t *p, int sig, int limit_ms)
{
    if (p->pid <= 0)
        return;
    cluster_kill_group(p->pid, sig);
    int64_t deadline = cluster_now_ms() + limit_ms;
    while (cluster_proc_alive(p) && cluster_now_ms() < deadline)
        cluster_sleep_ms(10);
}

/* SIGTERM, a bounded wait, then SIGKILL and reap. */
void cluster_proc_stop(cluster_proc_t *p)
{
    cluster_proc_signal_wait(p, SIGTERM, CLUSTER_STOP_LIMIT_MS);
    if (p->pid > 0) {
        cluster_kill_group(p->pid, SIGKILL);
        waitpid(p->pid, NULL, 0);
        p->pid = 0;
    }
}

int cluster_free_port(void)
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

bool cluster_tcp_listening(int port)
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

int cluster_kill_worker(cluster_t *self, int stage, int index, int sig)
{
    if (stage < 0 || stage >= CLUSTER_STAGES || index < 0 || index >= CLUSTER_MAX_WORKERS)
        return -1;
    cluster_proc_t *p = &self->workers[stage][index];
    if (!cluster_proc_alive(p))
        return -1;
    cluster_proc_signal_wait(p, sig, CLUSTER_STOP_LIMIT_MS);
    if (p->pid > 0)
        cluster_proc_stop(p);
    return 0;
}

void cluster_stop_broker(cluster_t *self)
{
    cluster_proc_stop(&self->broker);
}

bool cluster_broker_alive(cluster_t *self)
{
    return cluster_proc_alive(&self->broker);
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
static int s_proc_signal_status(cluster_proc_t *p, int sig, int limit_ms)
{
    if (p->pid <= 0)
        return -1;
    if (sig)
        cluster_kill_group(p->pid, sig);
    int64_t deadline = cluster_now_ms() + limit_ms;
    for (;;) {
        int status;
        if (waitpid(p->pid, &status, WNOHANG) == p->pid) {
            cluster_kill_group(p->pid, SIGKILL); /* leftovers of its group */
            p->pid = 0;
            if (WIFEXITED(status))
                return WEXITSTATUS(status);
            return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
        }
        if (cluster_now_ms() >= deadline)
            return -1;
        cluster_sleep_ms(5);
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
