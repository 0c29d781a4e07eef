/*  chaos.c - the fault suite. Starts a real cluster (redis-server with AOF,
 *  lode-broker, two lode-workers per stage), submits N jobs through `lode
 *  submit --json`, and while they run SIGKILLs a random worker every 200 ms
 *  (restarting it at once or after a short pause), SIGKILLs the broker three
 *  times and restarts Redis once (clean SHUTDOWN, AOF replayed). Then it
 *  reads Redis: every acknowledged job must be done exactly once with all
 *  its parts, or failed on the dead list once with its reason. It prints one
 *  line of figures and exits 1 if a job was lost, duplicated or wrongly
 *  dead-lettered. Program code: it prints. Loopback only.
 *  SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE /* strsep */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "cluster.h"
#include "job.h"
#include "mem.h"

#define S_SEED_PATH    "seeds/000_a5cf945eb98e69f0.txt"
#define S_CHUNK        40   /* files per `lode submit` */
#define S_TICK_MS      20   /* main loop period */
#define S_GRACE_S      90   /* after the chaos: calm time for the last jobs */
#define S_EVENT_GAP_MS 1500 /* between broker kills / the Redis restart */
#define S_MAX_REASONS  16
#define S_SCAN_BATCH   256

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
    int redis_restarts; /* clean Redis restarts */
    int sabotage;       /* 1: break two jobs before the scan (checks the checker) */
    int probe;          /* 1: first, the dead-worker dispatch probe */
    unsigned seed;      /* rand_r seed */
    const char *log_level;
} s_opts_t;

typedef struct {
    char reason[96];
    int count;
} s_reason_t;

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
    s_reason_t reasons[S_MAX_REASONS];
    int n_reasons;
    char lost_sample[256];
} s_tally_t;

typedef struct {
    s_opts_t o;
    cluster_t *c;
    char redis_url[64], broker_ep[64];
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
    int64_t probe_ms; /* s_probe's figure, -1 if the job did not run */
    int64_t down_until[CLUSTER_STAGES][CLUSTER_MAX_WORKERS]; /* 0 = running */
    pid_t redis_pid;                                         /* our own redis-server, or 0 */
    int64_t t0, last_event;
    unsigned rnd;
} s_chaos_t;

static void s_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

static int s_rand(s_chaos_t *x, int below)
{
    return below > 0 ? rand_r(&x->rnd) % below : 0;
}

/* ------------------------------------------------------------------- jobs */

/* Paragraphs of the seed of 200 bytes or more (headings and labels go). */
static char **s_paragraphs(size_t *n)
{
    char *seed = cluster_read_file(S_SEED_PATH, 1u << 20, NULL);
    if (!seed)
        return NULL;
    char **paras = mem_calloc(4096, sizeof *paras);
    *n = 0;
    char *rest = seed, *line;
    while ((line = strsep(&rest, "\n")) != NULL && *n < 4096)
        if (strlen(line) >= 200)
            paras[(*n)++] = mem_strdup(line);
    free(seed);
    return paras;
}

static size_t s_words(const char *s)
{
    size_t w = 0;
    for (const char *p = s; *p; p++)
        w += (p == s || p[-1] == ' ') && *p != ' ';
    return w;
}

/* Job i: consecutive paragraphs from a varying start, 150 to 390 words;
 * every fifth a Markdown file with a heading. */
static char *s_job_text(char **paras, size_t n_paras, int i, bool md)
{
    size_t want = 150 + (size_t)(i % 5) * 60, words = 0;
    size_t at = ((size_t)i * 7919u) % n_paras;
    char *text = md ? mem_printf("# Chaos job %d\n\n", i) : mem_strdup("");
    while (words < want) {
        char *more = mem_printf("%s%s\n\n", text, paras[at]);
        free(text);
        text = more;
        words += s_words(paras[at]);
        at = (at + 1) % n_paras;
    }
    return text;
}

static bool s_is_bad(int i, int n)
{
    int nbad = n >= 500 ? n / 250 : n >= 4 ? 2 : 0;
    for (int k = 0; k < nbad; k++)
        if (i == k * n / nbad + n / (2 * nbad))
            return true;
    return false;
}

static int s_write_jobs(s_chaos_t *x)
{
    size_t n_paras = 0;
    char **paras = s_paragraphs(&n_paras);
    if (!paras || n_paras == 0) {
        fprintf(stderr, "chaos: cannot read prose from %s (run from the repo root)\n", S_SEED_PATH);
        free(paras);
        return -1;
    }
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/jobs", cluster_tmpdir(x->c));
    int rc = mkdir(dir, 0755);
    for (int i = 0; i < x->o.n && rc == 0; i++) {
        x->bad[i] = s_is_bad(i, x->o.n);
        bool md = i % 5 == 4;
        char name[64];
        snprintf(name, sizeof name, "jobs/job-%06d.%s", i, md ? "md" : "txt");
        char *text =
            x->bad[i] ? mem_strdup("   \n\t  \n\n  \t\n") : s_job_text(paras, n_paras, i, md);
        x->paths[i] = cluster_write_file(x->c, name, text, strlen(text));
        rc = x->paths[i] ? 0 : -1;
        free(text);
    }
    for (size_t i = 0; i < n_paras; i++)
        free(paras[i]);
    free(paras);
    return rc;
}

/* ------------------------------------------------------------- submitter */

/* Ids of a `lode submit --json` answer into ids; how many, or -1. */
static int s_parse_ack(const char *out, char (*ids)[JOB_ID_SIZE], int max)
{
    json_error_t jerr;
    json_t *doc = json_loads(out, 0, &jerr);
    json_t *jobs = json_object_get(doc, "jobs");
    int n =
        json_is_array(jobs) && (int)json_array_size(jobs) <= max ? (int)json_array_size(jobs) : -1;
    for (int i = 0; i < n; i++) {
        const char *id = json_string_value(json_array_get(jobs, (size_t)i));
        if (!id || strlen(id) >= JOB_ID_SIZE) {
            n = -1;
            break;
        }
        snprintf(ids[i], JOB_ID_SIZE, "%s", id);
    }
    json_decref(doc);
    return n;
}

/* One chunk through the CLI: 0 when every id was acknowledged. */
static int s_submit_chunk(s_chaos_t *x, int from, int count)
{
    const char *argv[S_CHUNK + 8];
    int a = 0;
    argv[a++] = "submit";
    argv[a++] = "--json";
    argv[a++] = "--name";
    argv[a++] = "chaos";
    for (int i = 0; i < count; i++)
        argv[a++] = x->paths[from + i];
    argv[a] = NULL;
    char *out = NULL, *errout = NULL;
    int rc = cluster_run_cli_at(x->redis_url, x->broker_ep, NULL, 0, &out, &errout, argv);
    char ids[S_CHUNK][JOB_ID_SIZE];
    int n = rc == 0 && out ? s_parse_ack(out, ids, S_CHUNK) : -1;
    if (n == count) {
        pthread_mutex_lock(&x->lock);
        for (int i = 0; i < n; i++) {
            memcpy(x->ids[x->n_acked], ids[i], JOB_ID_SIZE);
            x->id_bad[x->n_acked++] = x->bad[from + i];
        }
        pthread_mutex_unlock(&x->lock);
    } else {
        fprintf(stderr, "chaos: submit of jobs %d..%d not acknowledged (exit %d): %.200s\n", from,
                from + count - 1, rc, errout ? errout : "");
    }
    free(out);
    free(errout);
    return n == count ? 0 : -1;
}

/* Sleep until job i is due at the submission rate (or the run stops). */
static void s_pace(s_chaos_t *x, int i)
{
    if (x->o.rate <= 0)
        return;
    int64_t due = x->t0 + (int64_t)i * 1000 / x->o.rate;
    while (cluster_now_ms() < due && !atomic_load(&x->stop))
        s_sleep_ms(10);
}

static void *s_submitter(void *arg)
{
    s_chaos_t *x = arg;
    int i = 0, chunk = x->o.rate > 0 ? x->o.rate / 5 : S_CHUNK;
    chunk = chunk < 1 ? 1 : chunk > S_CHUNK ? S_CHUNK : chunk;
    while (i < x->o.n && !atomic_load(&x->stop)) {
        s_pace(x, i);
        int count = x->o.n - i < chunk ? x->o.n - i : chunk;
        if (s_submit_chunk(x, i, count) == 0) {
            i += count;
        } else {
            pthread_mutex_lock(&x->lock);
            x->submit_failures++;
            pthread_mutex_unlock(&x->lock);
            s_sleep_ms(250); /* broker down or Redis restarting: try again */
        }
    }
    atomic_store(&x->submit_done, true);
    return NULL;
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

static pid_t s_spawn_redis(s_chaos_t *x)
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
static int s_restart_redis(s_chaos_t *x)
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
        s_sleep_ms(20);
    }
    fprintf(stderr, "chaos: restarted redis-server did not answer PING\n");
    return -1;
}

static void s_stop_redis(s_chaos_t *x)
{
    if (x->redis_pid <= 0)
        return;
    kill(x->redis_pid, SIGTERM);
    int64_t deadline = cluster_now_ms() + 5000;
    while (waitpid(x->redis_pid, NULL, WNOHANG) == 0 && cluster_now_ms() < deadline)
        s_sleep_ms(10);
    kill(x->redis_pid, SIGKILL);
    waitpid(x->redis_pid, NULL, WNOHANG);
    x->redis_pid = 0;
}

/* Turn AOF on in the harness's Redis (it starts with appendonly no) and wait
 * for the initial rewrite, so a restart replays everything. */
static int s_enable_aof(s_chaos_t *x)
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
        s_sleep_ms(20);
    }
    fprintf(stderr, "chaos: could not turn on AOF\n");
    return -1;
}

static int s_kill_broker(s_chaos_t *x)
{
    pid_t pids[4];
    int n = s_children("lode-broker", pids, 4, NULL);
    for (int i = 0; i < n; i++)
        kill(pids[i], SIGKILL);
    err_t err = {0};
    s_sleep_ms(s_rand(x, 300)); /* down for a moment */
    if (cluster_restart_broker(x->c, &err) != 0) {
        fprintf(stderr, "chaos: broker restart: %s\n", err.msg);
        return -1;
    }
    x->broker_kills += n > 0;
    return 0;
}

/* SIGKILL a random running worker; it comes back after 0-300 ms. A slot
 * whose worker is already gone (exited by itself) is counted and restarted. */
static void s_kill_worker(s_chaos_t *x, int64_t now)
{
    for (int tries = 0; tries < 8; tries++) {
        int s = s_rand(x, CLUSTER_STAGES), i = s_rand(x, x->o.workers);
        if (x->down_until[s][i])
            continue;
        if (cluster_kill_worker(x->c, s, i, SIGKILL) == 0)
            x->worker_kills++;
        else
            x->self_deaths++;
        x->down_until[s][i] = now + (s_rand(x, 2) ? 1 : 1 + s_rand(x, 300));
        return;
    }
}

static void s_restart_workers(s_chaos_t *x, int64_t now)
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
static void s_check_broker(s_chaos_t *x)
{
    if (cluster_broker_alive(x->c))
        return;
    x->self_deaths++;
    fprintf(stderr, "chaos: the broker exited by itself; restarting it\n");
    err_t err = {0};
    if (cluster_restart_broker(x->c, &err) != 0)
        fprintf(stderr, "chaos: broker restart: %s\n", err.msg);
}

/* ------------------------------------------------------------------- scan */

static redisContext *s_connect(s_chaos_t *x)
{
    struct timeval tv = {2, 0};
    redisContext *rc = redisConnectWithTimeout("127.0.0.1", x->redis_port, tv);
    if (rc && !rc->err) {
        redisSetTimeout(rc, (struct timeval){10, 0});
        return rc;
    }
    if (rc)
        redisFree(rc);
    return NULL;
}

static int s_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The dead list, sorted, as an owned array of ids (*n entries). */
static char **s_dead_list(redisContext *rc, size_t *n)
{
    redisReply *r = redisCommand(rc, "LRANGE lode:dead 0 -1");
    *n = r && r->type == REDIS_REPLY_ARRAY ? r->elements : 0;
    char **ids = mem_calloc(*n + 1, sizeof *ids);
    for (size_t i = 0; i < *n; i++)
        ids[i] = mem_strndup(r->element[i]->str ? r->element[i]->str : "", r->element[i]->len);
    if (r)
        freeReplyObject(r);
    qsort(ids, *n, sizeof *ids, s_cmp_str);
    return ids;
}

/* Times id is on the sorted dead list. */
static int s_dead_count(char **dead, size_t n, const char *id)
{
    const char *key = id;
    char **hit = bsearch(&key, dead, n, sizeof *dead, s_cmp_str);
    if (!hit)
        return 0;
    while (hit > dead && strcmp(hit[-1], id) == 0)
        hit--;
    int c = 0;
    while (hit + c < dead + n && strcmp(hit[c], id) == 0)
        c++;
    return c;
}

static void s_add_reason(s_tally_t *t, const char *error)
{
    char reason[96];
    snprintf(reason, sizeof reason, "%s", error && *error ? error : "(no reason)");
    reason[strcspn(reason, ":;=()\n")] = '\0'; /* "empty transcript: no cue" groups */
    for (int i = 0; i < t->n_reasons; i++)
        if (strcmp(t->reasons[i].reason, reason) == 0) {
            t->reasons[i].count++;
            return;
        }
    if (t->n_reasons < S_MAX_REASONS) {
        snprintf(t->reasons[t->n_reasons].reason, sizeof t->reasons[0].reason, "%s", reason);
        t->reasons[t->n_reasons++].count = 1;
    }
}

static const char *s_elem(const redisReply *r, size_t i)
{
    return r && r->type == REDIS_REPLY_ARRAY && i < r->elements &&
                   r->element[i]->type == REDIS_REPLY_STRING
               ? r->element[i]->str
               : NULL;
}

static void s_note_lost(s_tally_t *t, const char *id, const char *state, const char *stage)
{
    t->lost++;
    size_t len = strlen(t->lost_sample);
    if (len + 64 < sizeof t->lost_sample)
        snprintf(t->lost_sample + len, sizeof t->lost_sample - len, " %s(%s@%s)", id,
                 state ? state : "missing", stage ? stage : "-");
}

/* Judge one job from its HMGET (state completions error stage) and EXISTS
 * of its five parts. */
static void
s_judge(s_tally_t *t, const char *id, bool bad, const redisReply *h, long long parts, int on_dead)
{
    const char *state = s_elem(h, 0), *completions = s_elem(h, 1), *error = s_elem(h, 2);
    t->dead_dups += on_dead > 1;
    const char *attempts = s_elem(h, 4);
    if (attempts && atoi(attempts) > t->max_attempts)
        t->max_attempts = atoi(attempts);
    if (state && strcmp(state, "done") == 0) {
        t->done++;
        t->duplicated += completions && atoi(completions) > 1;
        t->missing_parts += parts != 5;
        t->bad_not_dead += bad;
    } else if (state && strcmp(state, "failed") == 0) {
        t->dead++;
        t->dead_unlisted += on_dead == 0;
        s_add_reason(t, error);
        t->honest_dead += !bad;
        t->bad_not_dead += bad && (!error || strncmp(error, "empty transcript", 16) != 0);
    } else {
        s_note_lost(t, id, state, s_elem(h, 3));
        t->bad_not_dead += bad;
    }
}

static int s_scan_batch(redisContext *rc,
                        char (*ids)[JOB_ID_SIZE],
                        const bool *bad,
                        int n,
                        char **dead,
                        size_t n_dead,
                        s_tally_t *t)
{
    for (int i = 0; i < n; i++) {
        const char *id = ids[i];
        redisAppendCommand(rc, "HMGET lode:job:%s state completions error stage attempts", id);
        redisAppendCommand(rc,
                           "EXISTS lode:job:%s:source lode:job:%s:transcript lode:job:%s:snippets "
                           "lode:job:%s:synthesis lode:job:%s:fanout",
                           id, id, id, id, id);
    }
    for (int i = 0; i < n; i++) {
        redisReply *h = NULL, *e = NULL;
        if (redisGetReply(rc, (void **)&h) != REDIS_OK ||
            redisGetReply(rc, (void **)&e) != REDIS_OK)
            return -1;
        long long parts = e && e->type == REDIS_REPLY_INTEGER ? e->integer : -1;
        s_judge(t, ids[i], bad[i], h, parts, s_dead_count(dead, n_dead, ids[i]));
        freeReplyObject(h);
        freeReplyObject(e);
    }
    return 0;
}

/* Every acknowledged job, judged. -1 if Redis could not be read. */
static int s_scan(s_chaos_t *x, s_tally_t *t)
{
    memset(t, 0, sizeof *t);
    redisContext *rc = s_connect(x);
    if (!rc)
        return -1;
    size_t n_dead = 0;
    char **dead = s_dead_list(rc, &n_dead);
    pthread_mutex_lock(&x->lock);
    int n = x->n_acked, rcode = 0;
    pthread_mutex_unlock(&x->lock);
    for (int i = 0; i < n && rcode == 0; i += S_SCAN_BATCH) {
        int count = n - i < S_SCAN_BATCH ? n - i : S_SCAN_BATCH;
        rcode = s_scan_batch(rc, x->ids + i, x->id_bad + i, count, dead, n_dead, t);
    }
    for (size_t i = 0; i < n_dead; i++)
        free(dead[i]);
    free(dead);
    redisFree(rc);
    t->terminal = t->done + t->dead;
    return rcode;
}

/* ------------------------------------------------------------------- run */

/* Finished (done + failed) per the stats counters: a cheap progress gauge. */
static long long s_progress(s_chaos_t *x)
{
    char *d = cluster_redis_str(x->c, "HGET lode:stats done");
    char *f = cluster_redis_str(x->c, "HGET lode:stats failed");
    long long v = (d ? atoll(d) : 0) + (f ? atoll(f) : 0);
    free(d);
    free(f);
    return v;
}

/* Fire the next broker kill or Redis restart when the submission passes its
 * mark (broker at 15%, 40%, 75%, Redis at 60% of the jobs acknowledged):
 * with paced submission, jobs are in flight at every fault. */
static void s_events(s_chaos_t *x, long long finished, int64_t now)
{
    static const double broker_at[] = {0.15, 0.40, 0.75, 0.85, 0.95};
    pthread_mutex_lock(&x->lock);
    double p = (double)x->n_acked / (double)x->o.n;
    pthread_mutex_unlock(&x->lock);
    if (now - x->last_event < S_EVENT_GAP_MS)
        return;
    if (x->redis_restarts < x->o.redis_restarts && p >= 0.6) {
        fprintf(stderr, "chaos: %5.1fs %lld finished, restarting redis-server\n",
                (now - x->t0) / 1000.0, finished);
        if (s_restart_redis(x) == 0)
            x->redis_restarts++;
        x->last_event = cluster_now_ms();
    } else if (x->broker_kills < x->o.broker_kills &&
               p >= broker_at[x->broker_kills < 5 ? x->broker_kills : 4]) {
        fprintf(stderr, "chaos: %5.1fs %lld finished, SIGKILL broker\n", (now - x->t0) / 1000.0,
                finished);
        s_kill_broker(x);
        x->last_event = cluster_now_ms();
    }
}

static bool s_events_left(const s_chaos_t *x)
{
    return x->broker_kills < x->o.broker_kills || x->redis_restarts < x->o.redis_restarts;
}

/* True when every acknowledged job is terminal (checked exactly, at most
 * once a second, when the counters say it may be). */
static bool s_all_terminal(s_chaos_t *x, long long finished, int64_t now, int64_t *last_scan)
{
    if (!atomic_load(&x->submit_done) || finished < x->n_acked || now - *last_scan < 1000)
        return false;
    *last_scan = now;
    s_tally_t t;
    return s_scan(x, &t) == 0 && t.terminal == x->n_acked;
}

static void s_chaos_phase(s_chaos_t *x, int64_t end)
{
    int64_t next_kill = cluster_now_ms() + x->o.kill_ms, last_poll = 0, last_scan = 0;
    long long finished = 0;
    for (;;) {
        int64_t now = cluster_now_ms();
        if (now >= end)
            break;
        s_restart_workers(x, now);
        if (x->o.kill_ms > 0 && now >= next_kill) {
            s_kill_worker(x, now);
            next_kill += x->o.kill_ms;
        }
        if (now - last_poll >= 200) {
            last_poll = now;
            finished = s_progress(x);
            s_check_broker(x);
            s_events(x, finished, now);
            if (!s_events_left(x) && s_all_terminal(x, finished, now, &last_scan))
                break;
        }
        s_sleep_ms(S_TICK_MS);
    }
    s_restart_workers(x, INT64_MAX); /* every slot up again */
}

/* No more faults: wait for the last jobs, bounded. */
static void s_calm_phase(s_chaos_t *x, int64_t end)
{
    int64_t last_scan = 0;
    while (cluster_now_ms() < end &&
           !s_all_terminal(x, s_progress(x), cluster_now_ms(), &last_scan))
        s_sleep_ms(200);
}

/* --sabotage 1: make one done job look lost and another duplicated, so a
 * run shows that the scan catches both (it must then exit 1). */
static void s_sabotage(s_chaos_t *x)
{
    int hit = 0;
    for (int i = 0; i < x->n_acked && hit < 2; i++) {
        if (x->id_bad[i])
            continue;
        free(hit == 0 ? cluster_redis_str(x->c, "HSET lode:job:%s state running", x->ids[i])
                      : cluster_redis_str(x->c, "HINCRBY lode:job:%s completions 1", x->ids[i]));
        hit++;
    }
    fprintf(stderr, "chaos: sabotage: expect lost=1 duplicated=1 and exit status 1\n");
}

static void s_print_line(const s_chaos_t *x, const s_tally_t *t)
{
    char reasons[1024] = "";
    size_t len = 0;
    for (int i = 0; i < t->n_reasons && len < sizeof reasons - 1; i++)
        len += (size_t)snprintf(reasons + len, sizeof reasons - len, "%s%s=%d", i ? "; " : "",
                                t->reasons[i].reason, t->reasons[i].count);
    printf("chaos: submitted=%d done=%d dead=%d (%s) lost=%d duplicated=%d worker_kills=%d "
           "broker_kills=%d redis_restarts=%d seconds=%.0f\n",
           x->n_acked, t->done, t->dead, reasons, t->lost, t->duplicated, x->worker_kills,
           x->broker_kills, x->redis_restarts, (cluster_now_ms() - x->t0) / 1000.0);
}

/* Everything that makes the run fail, explained on stderr. 0 if none. */
/* --- the dead-worker probe ---
 * A worker killed while idle leaves the broker believing it has free
 * credits until it misses three heartbeats. A job dispatched to it in that
 * window must not vanish into the dead connection for seconds: the broker
 * should see that the peer is gone (ZMQ_ROUTER_MANDATORY makes the send
 * fail) and keep the job for a live worker. The probe kills every fetch
 * worker, submits one job, starts the workers again and times the job. */
#define S_PROBE_LIMIT_MS 1000

static bool s_past_fetch(s_chaos_t *x, const char *id)
{
    char *stage = cluster_job_field(x->c, id, "stage");
    char *state = cluster_job_field(x->c, id, "state");
    bool past = (stage && strcmp(stage, "fetch") != 0) ||
                (state && (strcmp(state, "done") == 0 || strcmp(state, "failed") == 0));
    free(stage);
    free(state);
    return past;
}

static int64_t s_probe(s_chaos_t *x)
{
    for (int i = 0; i < x->o.workers; i++)
        cluster_kill_worker(x->c, 0, i, SIGKILL);
    s_sleep_ms(300); /* the TCP close has reached the broker's socket */
    char *path = cluster_write_file(x->c, "probe.txt", "A probe. It should run at once.", 31);
    const char *argv[] = {"submit", path, NULL};
    char *out = NULL;
    int rc = path ? cluster_run_cli_at(x->redis_url, x->broker_ep, NULL, 0, &out, NULL, argv) : -1;
    char id[JOB_ID_SIZE] = "";
    if (rc == 0 && out)
        snprintf(id, sizeof id, "%.*s", (int)strcspn(out, "\r\n"), out);
    free(out);
    free(path);
    s_sleep_ms(300);
    int64_t start = cluster_now_ms(), elapsed = -1;
    for (int i = 0; i < x->o.workers; i++) {
        err_t err = {0};
        if (cluster_start_worker(x->c, 0, i, &err) != 0)
            fprintf(stderr, "chaos: probe: worker start: %s\n", err.msg);
    }
    while (id[0] && cluster_now_ms() - start < 10000 && elapsed < 0) {
        if (s_past_fetch(x, id))
            elapsed = cluster_now_ms() - start;
        s_sleep_ms(10);
    }
    fprintf(stderr,
            "chaos: probe: a job submitted while every fetch worker was just SIGKILLed ran %lld ms "
            "after new workers started (limit %d ms)\n",
            (long long)elapsed, S_PROBE_LIMIT_MS);
    return elapsed;
}

static int s_verdict(const s_chaos_t *x, const s_tally_t *t, int reports)
{
    int bad = 0;
#define S_EXPECT(cond, ...)                                                                        \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "chaos: FAIL: " __VA_ARGS__);                                          \
            fputc('\n', stderr);                                                                   \
            bad++;                                                                                 \
        }                                                                                          \
    } while (0)
    S_EXPECT(x->n_acked == x->o.n, "only %d of %d jobs acknowledged", x->n_acked, x->o.n);
    S_EXPECT(t->lost == 0, "%d lost:%s", t->lost, t->lost_sample);
    S_EXPECT(t->duplicated == 0, "%d jobs completed more than once", t->duplicated);
    S_EXPECT(t->honest_dead == 0, "%d good jobs dead-lettered", t->honest_dead);
    S_EXPECT(t->bad_not_dead == 0, "%d whitespace jobs not failed as empty", t->bad_not_dead);
    S_EXPECT(t->missing_parts == 0, "%d done jobs lack a part", t->missing_parts);
    S_EXPECT(t->dead_dups == 0, "%d ids more than once on lode:dead", t->dead_dups);
    S_EXPECT(t->dead_unlisted == 0, "%d failed jobs not on lode:dead", t->dead_unlisted);
    S_EXPECT(x->broker_kills == x->o.broker_kills, "broker killed %d times, not %d",
             x->broker_kills, x->o.broker_kills);
    S_EXPECT(x->redis_restarts == x->o.redis_restarts, "redis restarted %d times, not %d",
             x->redis_restarts, x->o.redis_restarts);
    S_EXPECT(reports == 0, "%d sanitizer reports in the programs' logs", reports);
    S_EXPECT(!x->o.probe || (x->probe_ms >= 0 && x->probe_ms <= S_PROBE_LIMIT_MS),
             "probe: a job sent to a SIGKILLed idle worker waited %lld ms (limit %d; the broker "
             "should set ZMQ_ROUTER_MANDATORY so that a send to a gone peer fails)",
             (long long)x->probe_ms, S_PROBE_LIMIT_MS);
#undef S_EXPECT
    return bad;
}

/* Retries and stale reports: context for the figures line. */
static void s_print_notes(s_chaos_t *x, const s_tally_t *t)
{
    char *retried = cluster_redis_str(x->c, "HGET lode:stats retried");
    char *stale = cluster_redis_str(x->c, "HGET lode:stats stale");
    long long jobs = cluster_redis_int(x->c, "ZCARD lode:jobs");
    fprintf(stderr,
            "chaos: notes: retried=%s stale=%s most_dispatches=%d jobs_in_redis=%lld "
            "(unacknowledged submits: %d) self_exits=%d\n",
            retried ? retried : "0", stale ? stale : "0", t->max_attempts, jobs, x->submit_failures,
            x->self_deaths);
    free(retried);
    free(stale);
}

static void s_usage(FILE *f)
{
    fprintf(f, "usage: chaos [-n N] [--rate R] [--time-limit S] [--kill-ms MS] [--workers W]\n"
               "             [--concurrency C] [--lease-ms MS] [--max-attempts A]\n"
               "             [--broker-kills K] [--redis-restarts R] [--seed S] [--log-level L]\n"
               "             [--sabotage 1]\n"
               "Run N jobs through a real cluster under faults; see bench/chaos/README.md.\n");
}

/* Integer options, by name. */
static int *s_int_opt(s_opts_t *o, const char *name)
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
               {"probe", &o->probe}};

    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i].name, name) == 0)
            return map[i].dst;
    return NULL;
}

static int s_parse(int argc, char **argv, s_opts_t *o)
{
    *o = (s_opts_t){.n = 1000,
                    .rate = -1,
                    .time_limit_s = 600,
                    .kill_ms = 200,
                    .workers = 2,
                    .concurrency = 2,
                    .lease_ms = 2000,
                    .max_attempts = 10,
                    .broker_kills = 3,
                    .redis_restarts = 1,
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
    return o->n > 0 && o->time_limit_s > 0 && o->workers >= 1 &&
                   o->workers <= CLUSTER_MAX_WORKERS && o->broker_kills >= 0 &&
                   o->broker_kills <= 5 && o->redis_restarts >= 0 && o->redis_restarts <= 1
               ? 0
               : -1;
}

static cluster_t *s_start(s_chaos_t *x)
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
    cluster_t *c = cluster_new(&co, &err);
    if (!c)
        fprintf(stderr, "chaos: cluster: %s\n", err.msg);
    return c;
}

static int s_setup(s_chaos_t *x)
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
    return s_enable_aof(x) == 0 && s_write_jobs(x) == 0 ? 0 : -1;
}

static void s_teardown(s_chaos_t *x)
{
    for (int i = 0; x->paths && i < x->o.n; i++)
        free(x->paths[i]);
    free(x->paths);
    free(x->bad);
    free(x->ids);
    free(x->id_bad);
    pthread_mutex_destroy(&x->lock);
}

static int s_run(s_chaos_t *x)
{
    if (x->o.probe)
        x->probe_ms = s_probe(x);
    x->t0 = cluster_now_ms();
    int64_t hard_end = x->t0 + (int64_t)x->o.time_limit_s * 1000;
    int64_t chaos_end = hard_end - (int64_t)S_GRACE_S * 1000 / 2;
    pthread_t submitter;
    if (pthread_create(&submitter, NULL, s_submitter, x) != 0)
        return 1;
    s_chaos_phase(x, chaos_end);
    atomic_store(&x->stop, true);
    pthread_join(submitter, NULL);
    fprintf(stderr, "chaos: %5.1fs faults over, %d acknowledged; waiting for the rest\n",
            (cluster_now_ms() - x->t0) / 1000.0, x->n_acked);
    s_calm_phase(x, hard_end);
    if (x->o.sabotage)
        s_sabotage(x);
    s_tally_t t;
    if (s_scan(x, &t) != 0) {
        fprintf(stderr, "chaos: cannot read Redis for the final scan\n");
        return 1;
    }
    s_print_notes(x, &t);
    s_print_line(x, &t);
    fflush(stdout);
    int reports = cluster_stop(x->c);
    s_stop_redis(x);
    return s_verdict(x, &t, reports) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    s_chaos_t x = {0};
    if (s_parse(argc, argv, &x.o) != 0) {
        s_usage(stderr);
        return 2;
    }
    fprintf(stderr,
            "chaos: n=%d rate=%d/s seed=%u kill every %d ms, %d workers/stage, lease %d ms\n",
            x.o.n, x.o.rate, x.o.seed, x.o.kill_ms, x.o.workers, x.o.lease_ms);
    int rc = s_setup(&x) == 0 ? s_run(&x) : 1;
    if (x.c) {
        if (x.redis_pid > 0)
            cluster_stop(x.c); /* workers and broker before our Redis */
        s_stop_redis(&x);
        cluster_mark_ok(x.c); /* the verdict already said what went wrong */
        cluster_destroy(&x.c);
    }
    s_teardown(&x);
    return rc;
}
