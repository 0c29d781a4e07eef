/*  chaos_proc.c - the fault suite's faults: SIGKILL of workers and of the
 *  broker (started again), a clean Redis restart replaying the AOF (single
 *  Redis), and on a Redis Cluster a master SIGKILLed mid-batch, its replica
 *  promoted and the killed node started again to rejoin as a replica.
 *  SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "chaos.h"

void chaos_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

int chaos_rand(chaos_t *x, int below)
{
    return below > 0 ? rand_r(&x->rnd) % below : 0;
}

/* ---------------------------------------------------------------- processes */

/* Our children with this comm: live ones into pids (up to max), zombies
 * counted in *zombies. How many live. */
static int s_children(const char *comm, pid_t *pids, int max, int *zombies)
{
    DIR *d = opendir("/proc");
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        char path[300], buf[512], name[64] = "", state = 0;
        int ppid = 0;
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        size_t len = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
        if (f)
            fclose(f);
        buf[len] = '\0';
        char *open = strchr(buf, '('), *close = strrchr(buf, ')');
        if (!open || !close || close - open - 1 >= (long)sizeof name)
            continue;
        memcpy(name, open + 1, (size_t)(close - open - 1));
        if (sscanf(close + 1, " %c %d", &state, &ppid) != 2 || ppid != getpid() ||
            strcmp(name, comm) != 0)
            continue;
        if (state == 'Z' && zombies)
            (*zombies)++;
        else if (state != 'Z' && n < max)
            pids[n++] = atoi(e->d_name);
    }
    if (d)
        closedir(d);
    return n;
}

static pid_t s_spawn_redis(chaos_t *x)
{
    char port[16], log[PATH_MAX];
    snprintf(port, sizeof port, "%d", x->redis_port);
    snprintf(log, sizeof log, "%s/redis-restarted.log", cluster_tmpdir(x->c));
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent || !freopen(log, "a", stdout) || !freopen(log, "a", stderr))
        _exit(127);
    execlp("redis-server", "redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "",
           "--appendonly", "yes", "--appendfsync", "everysec", "--dir", cluster_tmpdir(x->c),
           "--daemonize", "no", (char *)NULL);
    _exit(127);
}

/* Clean restart: SIGTERM (Redis fsyncs the AOF and exits), then a new
 * redis-server on the same port and dir, which replays the AOF. */
int chaos_restart_redis(chaos_t *x)
{
    if (x->redis_pid > 0) {
        kill(x->redis_pid, SIGTERM);
        waitpid(x->redis_pid, NULL, 0);
    } else {
        cluster_kill_redis(x->c, SIGTERM);
    }
    x->redis_pid = s_spawn_redis(x);
    if (x->redis_pid < 0)
        return -1;
    int64_t deadline = cluster_now_ms() + 10000;
    while (cluster_now_ms() < deadline) {
        char *pong = cluster_redis_str(x->c, "PING");
        bool up = pong && strcmp(pong, "PONG") == 0;
        free(pong);
        if (up)
            return 0;
        chaos_sleep_ms(20);
    }
    fprintf(stderr, "chaos: restarted redis-server did not answer PING\n");
    return -1;
}

void chaos_stop_redis(chaos_t *x)
{
    if (x->redis_pid <= 0)
        return;
    kill(x->redis_pid, SIGTERM);
    int64_t deadline = cluster_now_ms() + 5000;
    while (waitpid(x->redis_pid, NULL, WNOHANG) == 0 && cluster_now_ms() < deadline)
        chaos_sleep_ms(10);
    kill(x->redis_pid, SIGKILL);
    waitpid(x->redis_pid, NULL, WNOHANG);
    x->redis_pid = 0;
}

/* Turn AOF on in the harness's Redis (it starts with appendonly no) and wait
 * for the initial rewrite, so a restart replays everything. */
int chaos_enable_aof(chaos_t *x)
{
    char *a = cluster_redis_str(x->c, "CONFIG SET appendonly yes");
    char *b = cluster_redis_str(x->c, "CONFIG SET appendfsync everysec");
    bool ok = a && b;
    free(a);
    free(b);
    int64_t deadline = cluster_now_ms() + 10000;
    while (ok && cluster_now_ms() < deadline) {
        char *info = cluster_redis_str(x->c, "INFO persistence");
        bool ready = info && strstr(info, "aof_enabled:1") &&
                     strstr(info, "aof_rewrite_in_progress:0") &&
                     strstr(info, "aof_rewrite_scheduled:0");
        free(info);
        if (ready)
            return 0;
        chaos_sleep_ms(20);
    }
    fprintf(stderr, "chaos: could not turn on AOF\n");
    return -1;
}

int chaos_kill_broker(chaos_t *x)
{
    pid_t pids[4];
    int n = s_children("lode-broker", pids, 4, NULL);
    for (int i = 0; i < n; i++)
        kill(pids[i], SIGKILL);
    err_t err = {0};
    chaos_sleep_ms(chaos_rand(x, 300)); /* down for a moment */
    if (cluster_restart_broker(x->c, &err) != 0) {
        fprintf(stderr, "chaos: broker restart: %s\n", err.msg);
        return -1;
    }
    x->broker_kills += n > 0;
    return 0;
}

/* SIGKILL a random running worker; it comes back after 0-300 ms. A slot
 * whose worker is already gone (exited by itself) is counted and restarted. */
void chaos_kill_worker(chaos_t *x, int64_t now)
{
    for (int tries = 0; tries < 8; tries++) {
        int s = chaos_rand(x, CLUSTER_STAGES), i = chaos_rand(x, x->o.workers);
        if (x->down_until[s][i])
            continue;
        if (cluster_kill_worker(x->c, s, i, SIGKILL) == 0)
            x->worker_kills++;
        else
            x->self_deaths++;
        x->down_until[s][i] = now + (chaos_rand(x, 2) ? 1 : 1 + chaos_rand(x, 300));
        return;
    }
}

void chaos_restart_workers(chaos_t *x, int64_t now)
{
    for (int s = 0; s < CLUSTER_STAGES; s++)
        for (int i = 0; i < x->o.workers; i++) {
            if (!x->down_until[s][i] || x->down_until[s][i] > now)
                continue;
            err_t err = {0};
            if (cluster_start_worker(x->c, s, i, &err) == 0)
                x->down_until[s][i] = 0;
            else
                fprintf(stderr, "chaos: worker restart: %s\n", err.msg);
        }
}

/* A broker that exited without our kill: count it and start it again. */
void chaos_check_broker(chaos_t *x)
{
    if (cluster_broker_alive(x->c))
        return;
    x->self_deaths++;
    fprintf(stderr, "chaos: the broker exited by itself; restarting it\n");
    err_t err = {0};
    if (cluster_restart_broker(x->c, &err) != 0)
        fprintf(stderr, "chaos: broker restart: %s\n", err.msg);
}

/* The node index of the master serving partition 0's slot, or -1. */
static int s_master_of_p0(chaos_t *x)
{
    char prefix[32];
    int n = snprintf(prefix, sizeof prefix, "lode:{p0}:");
    return rcluster_master_of(x->rc, rcl_key_slot(prefix, (size_t)n));
}

int chaos_kill_master(chaos_t *x)
{
    x->master_kills++;
    int m = x->rc ? s_master_of_p0(x) : -1;
    if (m < 0) {
        fprintf(stderr, "chaos: no master serves partition 0\n");
        return -1;
    }
    unsigned slot = rcl_key_slot("lode:{p0}:", 10);
    int64_t t = cluster_now_ms();
    rcluster_kill(x->rc, m, SIGKILL);
    if (!rcluster_wait_ok(x->rc, slot, 30000)) {
        fprintf(stderr, "chaos: no replica was promoted within 30 s\n");
        return -1;
    }
    x->failover_ms = cluster_now_ms() - t;
    /* Back on the same port and nodes.conf: the cluster failed it over, so
     * it rejoins as a replica of the promoted one and syncs from it. */
    if (rcluster_restart(x->rc, m, 30000) != 0) {
        fprintf(stderr, "chaos: the killed master did not rejoin as a synced replica\n");
        return -1;
    }
    x->masters_rejoined++;
    return 0;
}
