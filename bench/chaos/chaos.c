/*  chaos.c - the fault suite. Starts a real cluster (redis-server with AOF,
 *  or with --cluster 1 a Redis Cluster of 3 masters + 3 replicas and a
 *  partitioned store; lode-broker; two lode-workers per stage), submits N
 *  jobs through `lode submit --json`, and while they run SIGKILLs a random
 *  worker every 200 ms (restarting it at once or after a short pause),
 *  SIGKILLs the broker three times and either restarts Redis once (clean
 *  SHUTDOWN, AOF replayed) or SIGKILLs the master of partition 0 (its
 *  replica is promoted; the killed node is started again and rejoins as a
 *  replica). Then it reads the store: every acknowledged job must be done
 *  exactly once with all its parts, or failed on the dead list once with
 *  its reason. It prints one line of figures and exits 1 if a job was
 *  lost, duplicated or wrongly dead-lettered. Program code: it prints.
 *  Loopback only. This file: options, the run and its fault schedule.
 *  SPDX-License-Identifier: MIT
 */
#include "chaos.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mem.h"

#define S_TICK_MS      20   /* main loop period */
#define S_GRACE_S      90   /* after the chaos: calm time for the last jobs */
#define S_EVENT_GAP_MS 1500 /* between broker kills / the Redis restart */

/* Fire the next broker kill or Redis restart when the submission passes its
 * mark (broker at 15%, 40%, 75%, Redis at 60% of the jobs acknowledged):
 * with paced submission, jobs are in flight at every fault. */
static void s_events(chaos_t *x, long long finished, int64_t now)
{
    static const double broker_at[] = {0.15, 0.40, 0.75, 0.85, 0.95};
    pthread_mutex_lock(&x->lock);
    double p = (double)x->n_acked / (double)x->o.n;
    pthread_mutex_unlock(&x->lock);
    if (now - x->last_event < S_EVENT_GAP_MS)
        return;
    if (x->master_kills < x->o.master_kills && p >= 0.5) {
        fprintf(stderr, "chaos: %5.1fs %lld finished, SIGKILL the master of partition 0\n",
                (now - x->t0) / 1000.0, finished);
        chaos_kill_master(x); /* counts the attempt, whatever happens */
        x->last_event = cluster_now_ms();
    } else if (x->redis_restarts < x->o.redis_restarts && p >= 0.6) {
        fprintf(stderr, "chaos: %5.1fs %lld finished, restarting redis-server\n",
                (now - x->t0) / 1000.0, finished);
        if (chaos_restart_redis(x) == 0)
            x->redis_restarts++;
        x->last_event = cluster_now_ms();
    } else if (x->broker_kills < x->o.broker_kills &&
               p >= broker_at[x->broker_kills < 5 ? x->broker_kills : 4]) {
        fprintf(stderr, "chaos: %5.1fs %lld finished, SIGKILL broker\n", (now - x->t0) / 1000.0,
                finished);
        chaos_kill_broker(x);
        x->last_event = cluster_now_ms();
    }
}

static bool s_events_left(const chaos_t *x)
{
    return x->broker_kills < x->o.broker_kills || x->redis_restarts < x->o.redis_restarts ||
           x->master_kills < x->o.master_kills;
}

/* True when every acknowledged job is terminal (checked exactly, at most
 * once a second, when the counters say it may be). */
static bool s_all_terminal(chaos_t *x, long long finished, int64_t now, int64_t *last_scan)
{
    if (!atomic_load(&x->submit_done) || finished < x->n_acked || now - *last_scan < 1000)
        return false;
    *last_scan = now;
    chaos_tally_t t;
    return chaos_scan(x, &t) == 0 && t.terminal == x->n_acked;
}

static void s_chaos_phase(chaos_t *x, int64_t end)
{
    int64_t next_kill = cluster_now_ms() + x->o.kill_ms, last_poll = 0, last_scan = 0;
    long long finished = 0;
    for (;;) {
        int64_t now = cluster_now_ms();
        if (now >= end)
            break;
        chaos_restart_workers(x, now);
        if (x->o.kill_ms > 0 && now >= next_kill) {
            chaos_kill_worker(x, now);
            next_kill += x->o.kill_ms;
        }
        if (now - last_poll >= 200) {
            last_poll = now;
            finished = chaos_progress(x);
            chaos_check_broker(x);
            s_events(x, finished, now);
            if (!s_events_left(x) && s_all_terminal(x, finished, now, &last_scan))
                break;
        }
        chaos_sleep_ms(S_TICK_MS);
    }
    chaos_restart_workers(x, INT64_MAX); /* every slot up again */
}

/* No more faults: wait for the last jobs, bounded. */
static void s_calm_phase(chaos_t *x, int64_t end)
{
    int64_t last_scan = 0;
    while (cluster_now_ms() < end &&
           !s_all_terminal(x, chaos_progress(x), cluster_now_ms(), &last_scan))
        chaos_sleep_ms(200);
}

/* --- the dead-worker probe ---
 * A worker killed while idle leaves the broker believing it has free
 * credits until it misses three heartbeats. A job dispatched to it in that
 * window must not vanish into the dead connection for seconds: the broker
 * should see that the peer is gone (ZMQ_ROUTER_MANDATORY makes the send
 * fail) and keep the job for a live worker. The probe kills every fetch
 * worker, submits one job, starts the workers again and times the job. */
static bool s_past_fetch(chaos_t *x, const char *id)
{
    store_job_t job = {0};
    err_t err = {0};
    if (store_job_get(x->store, id, &job, &err) != 0)
        return false;
    bool past = strcmp(job.stage, "fetch") != 0 || strcmp(job.state, "done") == 0 ||
                strcmp(job.state, "failed") == 0;
    store_job_clear(&job);
    return past;
}

static int64_t s_probe(chaos_t *x)
{
    for (int i = 0; i < x->o.workers; i++)
        cluster_kill_worker(x->c, 0, i, SIGKILL);
    chaos_sleep_ms(300); /* the TCP close has reached the broker's socket */
    char *path = cluster_write_file(x->c, "probe.txt", "A probe. It should run at once.", 31);
    const char *argv[] = {"submit", path, NULL};
    char *out = NULL;
    int rc = path ? cluster_run_cli_at(x->redis_url, x->broker_ep, NULL, 0, &out, NULL, argv) : -1;
    char id[JOB_ID_SIZE] = "";
    if (rc == 0 && out)
        snprintf(id, sizeof id, "%.*s", (int)strcspn(out, "\r\n"), out);
    free(out);
    free(path);
    chaos_sleep_ms(300);
    int64_t start = cluster_now_ms(), elapsed = -1;
    for (int i = 0; i < x->o.workers; i++) {
        err_t err = {0};
        if (cluster_start_worker(x->c, 0, i, &err) != 0)
            fprintf(stderr, "chaos: probe: worker start: %s\n", err.msg);
    }
    while (id[0] && cluster_now_ms() - start < 10000 && elapsed < 0) {
        if (s_past_fetch(x, id))
            elapsed = cluster_now_ms() - start;
        chaos_sleep_ms(10);
    }
    fprintf(stderr,
            "chaos: probe: a job submitted while every fetch worker was just SIGKILLed ran %lld ms "
            "after new workers started (limit %d ms)\n",
            (long long)elapsed, CHAOS_PROBE_LIMIT_MS);
    return elapsed;
}

static void s_usage(FILE *f)
{
    fprintf(f, "usage: chaos [-n N] [--rate R] [--time-limit S] [--kill-ms MS] [--workers W]\n"
               "             [--concurrency C] [--lease-ms MS] [--max-attempts A]\n"
               "             [--broker-kills K] [--redis-restarts R] [--seed S] [--log-level L]\n"
               "             [--sabotage 1] [--cluster 1 [--partitions P] [--master-kills 0|1]]\n"
               "Run N jobs through a real cluster under faults; see bench/chaos/README.md.\n");
}

/* Integer options, by name. */
static int *s_int_opt(chaos_opts_t *o, const char *name)
{
    struct {
        const char *name;
        int *dst;
    } map[] = {{"n", &o->n},
               {"rate", &o->rate},
               {"time-limit", &o->time_limit_s},
               {"kill-ms", &o->kill_ms},
               {"workers", &o->workers},
               {"concurrency", &o->concurrency},
               {"lease-ms", &o->lease_ms},
               {"max-attempts", &o->max_attempts},
               {"broker-kills", &o->broker_kills},
               {"redis-restarts", &o->redis_restarts},
               {"sabotage", &o->sabotage},
               {"probe", &o->probe},
               {"cluster", &o->cluster},
               {"partitions", &o->partitions},
               {"master-kills", &o->master_kills}};

    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i].name, name) == 0)
            return map[i].dst;
    return NULL;
}

/* Defaults that depend on the mode, then the limits. A single Redis
 * restarts once; a cluster loses a master once instead. */
static bool s_valid(chaos_opts_t *o)
{
    if (o->redis_restarts < 0)
        o->redis_restarts = !o->cluster;
    if (o->master_kills < 0)
        o->master_kills = o->cluster != 0;
    bool faults_fit = o->cluster ? o->redis_restarts == 0 && o->master_kills <= 1 &&
                                       o->partitions >= 1 && o->partitions <= 1024
                                 : o->redis_restarts <= 1 && o->master_kills == 0;
    return o->n > 0 && o->time_limit_s > 0 && o->workers >= 1 &&
           o->workers <= CLUSTER_MAX_WORKERS && o->broker_kills >= 0 && o->broker_kills <= 5 &&
           o->redis_restarts >= 0 && faults_fit;
}

static int s_parse(int argc, char **argv, chaos_opts_t *o)
{
    *o = (chaos_opts_t){.n = 1000,
                        .rate = -1,
                        .time_limit_s = 600,
                        .kill_ms = 200,
                        .workers = 2,
                        .concurrency = 2,
                        .lease_ms = 2000,
                        .max_attempts = 10,
                        .broker_kills = 3,
                        .redis_restarts = -1,
                        .partitions = 8,
                        .master_kills = -1,
                        .probe = 1,
                        .seed = (unsigned)time(NULL),
                        .log_level = "info"};
    for (int i = 1; i < argc; i++) {
        const char *name = argv[i] + (argv[i][0] == '-') + (argv[i][1] == '-');
        int *dst = s_int_opt(o, name);
        if (strcmp(argv[i], "--help") == 0) {
            s_usage(stdout);
            exit(0);
        }
        if (i + 1 >= argc || argv[i][0] != '-' ||
            (!dst && strcmp(name, "seed") != 0 && strcmp(name, "log-level") != 0))
            return -1;
        const char *v = argv[++i];
        if (dst)
            *dst = atoi(v);
        else if (strcmp(name, "seed") == 0)
            o->seed = (unsigned)strtoul(v, NULL, 10);
        else
            o->log_level = v;
    }
    if (o->rate < 0) /* default: 25 jobs/s, or N over two minutes if that is faster */
        o->rate = o->n / 120 > 25 ? o->n / 120 : 25;
    return s_valid(o) ? 0 : -1;
}

static cluster_t *s_start(chaos_t *x)
{
    char lease[16], attempts[16];
    snprintf(lease, sizeof lease, "%d", x->o.lease_ms);
    snprintf(attempts, sizeof attempts, "%d", x->o.max_attempts);
    const char *broker_args[] = {"--lease-ms", lease, "--max-attempts", attempts, NULL};
    cluster_opts_t co = {.workers_per_stage = x->o.workers,
                         .concurrency = x->o.concurrency,
                         .broker_args = broker_args,
                         .log_level = x->o.log_level};
    err_t err = {0};
    if (x->o.cluster) {
        /* Inherited by the broker, the workers and every CLI run: the
         * store's partitions, and a submission acknowledged only once a
         * replica has it (so it survives the master's SIGKILL). */
        char parts[16];
        snprintf(parts, sizeof parts, "%d", x->o.partitions);
        setenv("LODE_PARTITIONS", parts, 1);
        setenv("LODE_MIN_REPLICAS_ACKS", "1", 1);
        if (!rcluster_available() || !(x->rc = rcluster_new(3, 1, &err))) {
            fprintf(stderr, "chaos: redis cluster: %s\n",
                    err.msg[0] ? err.msg : "redis-server/redis-cli missing");
            return NULL;
        }
        co.redis_url = rcluster_url(x->rc);
    }
    cluster_t *c = cluster_new(&co, &err);
    if (!c)
        fprintf(stderr, "chaos: cluster: %s\n", err.msg);
    return c;
}

static int s_setup(chaos_t *x)
{
    x->c = s_start(x);
    if (!x->c)
        return -1;
    snprintf(x->redis_url, sizeof x->redis_url, "%s", cluster_redis_url(x->c));
    snprintf(x->broker_ep, sizeof x->broker_ep, "%s", cluster_broker_endpoint(x->c));
    const char *colon = strrchr(x->redis_url, ':');
    x->redis_port = colon ? atoi(colon + 1) : 0;
    x->paths = mem_calloc((size_t)x->o.n, sizeof *x->paths);
    x->bad = mem_calloc((size_t)x->o.n, sizeof *x->bad);
    x->ids = mem_calloc((size_t)x->o.n, sizeof *x->ids);
    x->id_bad = mem_calloc((size_t)x->o.n, sizeof *x->id_bad);
    pthread_mutex_init(&x->lock, NULL);
    x->rnd = x->o.seed;
    x->failover_ms = -1;
    err_t err = {0};
    store_opts_t so = {.url = x->redis_url, .timeout_ms = 5000};
    rcl_opts_t ro = {.url = x->redis_url, .timeout_ms = 10000};
    if (!(x->store = store_new(&so, &err)) || !(x->rcl = rcl_new(&ro, &err))) {
        fprintf(stderr, "chaos: store: %s\n", err.msg);
        return -1;
    }
    if (!x->o.cluster && chaos_enable_aof(x) != 0)
        return -1;
    return chaos_write_jobs(x);
}

static void s_teardown(chaos_t *x)
{
    for (int i = 0; x->paths && i < x->o.n; i++)
        free(x->paths[i]);
    free(x->paths);
    free(x->bad);
    free(x->ids);
    free(x->id_bad);
    store_destroy(&x->store);
    rcl_destroy(&x->rcl);
    rcluster_destroy(&x->rc); /* after the programs (cluster_destroy) */
    pthread_mutex_destroy(&x->lock);
}

static int s_run(chaos_t *x)
{
    if (x->o.probe)
        x->probe_ms = s_probe(x);
    x->t0 = cluster_now_ms();
    int64_t hard_end = x->t0 + (int64_t)x->o.time_limit_s * 1000;
    int64_t chaos_end = hard_end - (int64_t)S_GRACE_S * 1000 / 2;
    pthread_t submitter;
    if (pthread_create(&submitter, NULL, chaos_submitter, x) != 0)
        return 1;
    s_chaos_phase(x, chaos_end);
    atomic_store(&x->stop, true);
    pthread_join(submitter, NULL);
    fprintf(stderr, "chaos: %5.1fs faults over, %d acknowledged; waiting for the rest\n",
            (cluster_now_ms() - x->t0) / 1000.0, x->n_acked);
    s_calm_phase(x, hard_end);
    if (x->o.sabotage)
        chaos_sabotage(x);
    chaos_tally_t t;
    if (chaos_scan(x, &t) != 0) {
        fprintf(stderr, "chaos: cannot read Redis for the final scan\n");
        return 1;
    }
    chaos_print_notes(x, &t);
    chaos_print_line(x, &t);
    fflush(stdout);
    int reports = cluster_stop(x->c);
    chaos_stop_redis(x);
    return chaos_verdict(x, &t, reports) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    chaos_t x = {0};
    if (s_parse(argc, argv, &x.o) != 0) {
        s_usage(stderr);
        return 2;
    }
    fprintf(stderr,
            "chaos: n=%d rate=%d/s seed=%u kill every %d ms, %d workers/stage, lease %d ms%s\n",
            x.o.n, x.o.rate, x.o.seed, x.o.kill_ms, x.o.workers, x.o.lease_ms,
            x.o.cluster ? ", redis cluster 3 masters + 3 replicas" : "");
    int rc = s_setup(&x) == 0 ? s_run(&x) : 1;
    if (x.c) {
        if (x.redis_pid > 0)
            cluster_stop(x.c); /* workers and broker before our Redis */
        chaos_stop_redis(&x);
        cluster_mark_ok(x.c); /* the verdict already said what went wrong */
        cluster_destroy(&x.c);
    }
    s_teardown(&x);
    return rc;
}
