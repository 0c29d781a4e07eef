/*  chaos_scan.c - the fault suite's judge: every acknowledged job read back
 *  (its hash, its five parts, the dead lists of every partition) through
 *  one rcl connection, so the same scan reads a single Redis or a Redis
 *  Cluster; the figures line, the notes and the verdict.
 *  SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include "chaos.h"
#include "mem.h"

#define S_SCAN_BATCH 256
#define S_BASE       "lode:"

/* The key of id's hash (suffix "") or part (":transcript"…) in its
 * partition: "lode:job:ID…" on one partition of a single Redis, else
 * "lode:{pN}:job:ID…" (store.c's store_at). */
static void s_job_key(chaos_t *x, const char *id, const char *suffix, char *out, size_t size)
{
    int part = store_job_partition(x->store, id, NULL);
    if (store_partitions(x->store) > 1 || x->o.cluster)
        snprintf(out, size, S_BASE "{p%d}:job:%s%s", part, id, suffix);
    else
        snprintf(out, size, S_BASE "job:%s%s", id, suffix);
}

/* A partition's key: "lode:{pN}:name", or "lode:name" on the plain layout. */
static void s_part_key(chaos_t *x, int part, const char *name, char *out, size_t size)
{
    if (store_partitions(x->store) > 1 || x->o.cluster)
        snprintf(out, size, S_BASE "{p%d}:%s", part, name);
    else
        snprintf(out, size, S_BASE "%s", name);
}

static int s_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One command routed by its first key. 0 and *reply (caller frees). */
static int s_run(chaos_t *x, int argc, const char **argv, redisReply **reply)
{
    size_t len[8];
    for (int i = 0; i < argc; i++)
        len[i] = strlen(argv[i]);
    rcl_cmd_t cmd = {.argc = argc, .argv = argv, .len = len, .key = 1, .slot = -1};
    err_t err = {0};
    *reply = NULL;
    if (rcl_run(x->rcl, &cmd, &err) != 0)
        return -1;
    *reply = cmd.reply;
    return 0;
}

/* The dead lists of every partition, sorted, as an owned array of ids (*n
 * entries). NULL if a list could not be read. */
static char **s_dead_list(chaos_t *x, size_t *n)
{
    size_t cap = 64;
    char **ids = mem_calloc(cap, sizeof *ids);
    *n = 0;
    for (int p = 0; p < store_partitions(x->store); p++) {
        char key[64];
        s_part_key(x, p, "dead", key, sizeof key);
        const char *argv[] = {"LRANGE", key, "0", "-1"};
        redisReply *r;
        if (s_run(x, 4, argv, &r) != 0 || r->type != REDIS_REPLY_ARRAY) {
            freeReplyObject(r);
            for (size_t i = 0; i < *n; i++)
                free(ids[i]);
            free(ids);
            return NULL;
        }
        for (size_t i = 0; i < r->elements; i++) {
            if (*n + 1 >= cap)
                ids = mem_realloc(ids, (cap *= 2) * sizeof *ids);
            ids[(*n)++] =
                mem_strndup(r->element[i]->str ? r->element[i]->str : "", r->element[i]->len);
        }
        freeReplyObject(r);
    }
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

static void s_add_reason(chaos_tally_t *t, const char *error)
{
    char reason[96];
    snprintf(reason, sizeof reason, "%s", error && *error ? error : "(no reason)");
    reason[strcspn(reason, ":;=()\n")] = '\0'; /* "empty transcript: no cue" groups */
    for (int i = 0; i < t->n_reasons; i++)
        if (strcmp(t->reasons[i].reason, reason) == 0) {
            t->reasons[i].count++;
            return;
        }
    if (t->n_reasons < CHAOS_MAX_REASONS) {
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

static void s_note_lost(chaos_tally_t *t, const char *id, const char *state, const char *stage)
{
    t->lost++;
    size_t len = strlen(t->lost_sample);
    if (len + 64 < sizeof t->lost_sample)
        snprintf(t->lost_sample + len, sizeof t->lost_sample - len, " %s(%s@%s)", id,
                 state ? state : "missing", stage ? stage : "-");
}

/* Judge one job from its HMGET (state completions error stage) and EXISTS
 * of its five parts. */
static void s_judge(
    chaos_tally_t *t, const char *id, bool bad, const redisReply *h, long long parts, int on_dead)
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

/* Two commands a job, keys built per partition, one pipeline (grouped
 * per node by rcl). */
typedef struct {
    char key[6][96];
    const char *argv[8];
    size_t len[8];
} s_job_cmds_t;

static void s_job_cmds(chaos_t *x, const char *id, s_job_cmds_t *j, rcl_cmd_t *hm, rcl_cmd_t *ex)
{
    static const char *parts[] = {"",          ":source",    ":transcript",
                                  ":snippets", ":synthesis", ":fanout"};
    for (int k = 0; k < 6; k++)
        s_job_key(x, id, parts[k], j->key[k], sizeof j->key[k]);
    /* HMGET key state completions error stage attempts | EXISTS five parts:
     * argv shares the slots, the lengths follow. */
    static const char *fields[] = {"state", "completions", "error", "stage", "attempts"};
    j->argv[0] = "HMGET";
    j->argv[1] = j->key[0];
    for (int k = 0; k < 5; k++)
        j->argv[2 + k] = fields[k];
    for (int k = 0; k < 7; k++)
        j->len[k] = strlen(j->argv[k]);
    *hm = (rcl_cmd_t){.argc = 7, .argv = j->argv, .len = j->len, .key = 1, .slot = -1};
    *ex = (rcl_cmd_t){.argc = 0, .key = 1, .slot = -1};
}

static int s_scan_batch(chaos_t *x,
                        char (*ids)[JOB_ID_SIZE],
                        const bool *bad,
                        int n,
                        char **dead,
                        size_t n_dead,
                        chaos_tally_t *t)
{
    s_job_cmds_t *j = mem_calloc((size_t)n, sizeof *j);
    rcl_cmd_t *cmds = mem_calloc((size_t)n * 2, sizeof *cmds);
    const char *(*exv)[6] = mem_calloc((size_t)n, sizeof *exv);
    size_t(*exl)[6] = mem_calloc((size_t)n, sizeof *exl);
    for (int i = 0; i < n; i++) {
        s_job_cmds(x, ids[i], &j[i], &cmds[2 * i], &cmds[2 * i + 1]);
        exv[i][0] = "EXISTS";
        exl[i][0] = 6;
        for (int k = 1; k < 6; k++) {
            exv[i][k] = j[i].key[k];
            exl[i][k] = strlen(j[i].key[k]);
        }
        cmds[2 * i + 1].argc = 6;
        cmds[2 * i + 1].argv = exv[i];
        cmds[2 * i + 1].len = exl[i];
    }
    err_t err = {0};
    int rc = rcl_pipeline(x->rcl, cmds, (size_t)n * 2, &err);
    for (int i = 0; i < n && rc == 0; i++) {
        const redisReply *e = cmds[2 * i + 1].reply;
        long long parts = e && e->type == REDIS_REPLY_INTEGER ? e->integer : -1;
        s_judge(t, ids[i], bad[i], cmds[2 * i].reply, parts, s_dead_count(dead, n_dead, ids[i]));
    }
    if (rc != 0)
        fprintf(stderr, "chaos: scan: %s\n", err.msg);
    for (int i = 0; i < n * 2; i++)
        freeReplyObject(cmds[i].reply);
    free(cmds);
    free(exv);
    free(exl);
    free(j);
    return rc;
}

int chaos_scan(chaos_t *x, chaos_tally_t *t)
{
    memset(t, 0, sizeof *t);
    size_t n_dead = 0;
    char **dead = s_dead_list(x, &n_dead);
    if (!dead)
        return -1;
    pthread_mutex_lock(&x->lock);
    int n = x->n_acked, rcode = 0;
    pthread_mutex_unlock(&x->lock);
    for (int i = 0; i < n && rcode == 0; i += S_SCAN_BATCH) {
        int count = n - i < S_SCAN_BATCH ? n - i : S_SCAN_BATCH;
        rcode = s_scan_batch(x, x->ids + i, x->id_bad + i, count, dead, n_dead, t);
    }
    for (size_t i = 0; i < n_dead; i++)
        free(dead[i]);
    free(dead);
    t->terminal = t->done + t->dead;
    return rcode;
}

long long chaos_progress(chaos_t *x)
{
    store_stats_t st;
    err_t err = {0};
    return store_stats(x->store, &st, &err) == 0 ? (long long)(st.done + st.failed) : 0;
}

/* --sabotage 1: make one done job look lost and another duplicated, so a
 * run shows that the scan catches both (it must then exit 1). */
void chaos_sabotage(chaos_t *x)
{
    int hit = 0;
    for (int i = 0; i < x->n_acked && hit < 2; i++) {
        if (x->id_bad[i])
            continue;
        char key[96];
        s_job_key(x, x->ids[i], "", key, sizeof key);
        const char *set[] = {"HSET", key, "state", "running"};
        const char *inc[] = {"HINCRBY", key, "completions", "1"};
        redisReply *r = NULL;
        if (s_run(x, 4, hit == 0 ? set : inc, &r) == 0)
            freeReplyObject(r);
        hit++;
    }
    fprintf(stderr, "chaos: sabotage: expect lost=1 duplicated=1 and exit status 1\n");
}

void chaos_print_line(const chaos_t *x, const chaos_tally_t *t)
{
    char reasons[1024] = "";
    size_t len = 0;
    for (int i = 0; i < t->n_reasons && len < sizeof reasons - 1; i++)
        len += (size_t)snprintf(reasons + len, sizeof reasons - len, "%s%s=%d", i ? "; " : "",
                                t->reasons[i].reason, t->reasons[i].count);
    printf("chaos: submitted=%d done=%d dead=%d (%s) lost=%d duplicated=%d worker_kills=%d "
           "broker_kills=%d ",
           x->n_acked, t->done, t->dead, reasons, t->lost, t->duplicated, x->worker_kills,
           x->broker_kills);
    if (x->o.cluster)
        printf("master_kills=%d rejoined=%d failover_ms=%lld (redis cluster 3+3, %d partitions) ",
               x->master_kills, x->masters_rejoined, (long long)x->failover_ms,
               store_partitions(x->store));
    else
        printf("redis_restarts=%d ", x->redis_restarts);
    printf("seconds=%.0f\n", (cluster_now_ms() - x->t0) / 1000.0);
}

/* Everything that makes the run fail, explained on stderr. 0 if none. */
int chaos_verdict(const chaos_t *x, const chaos_tally_t *t, int reports)
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
    S_EXPECT(x->masters_rejoined == x->o.master_kills,
             "%d of %d master kills ended with the node rejoined as a replica", x->masters_rejoined,
             x->o.master_kills);
    S_EXPECT(reports == 0, "%d sanitizer reports in the programs' logs", reports);
    S_EXPECT(!x->o.probe || (x->probe_ms >= 0 && x->probe_ms <= CHAOS_PROBE_LIMIT_MS),
             "probe: a job sent to a SIGKILLed idle worker waited %lld ms (limit %d; the broker "
             "should set ZMQ_ROUTER_MANDATORY so that a send to a gone peer fails)",
             (long long)x->probe_ms, CHAOS_PROBE_LIMIT_MS);
#undef S_EXPECT
    return bad;
}

/* Retries and stale reports: context for the figures line. */
void chaos_print_notes(chaos_t *x, const chaos_tally_t *t)
{
    store_stats_t st = {0};
    err_t err = {0};
    if (store_stats(x->store, &st, &err) != 0)
        fprintf(stderr, "chaos: stats: %s\n", err.msg);
    fprintf(stderr,
            "chaos: notes: retried=%lld stale=%lld most_dispatches=%d jobs_in_redis=%lld "
            "(unacknowledged submits: %d) self_exits=%d\n",
            (long long)st.retried, (long long)st.stale, t->max_attempts, (long long)st.jobs,
            x->submit_failures, x->self_deaths);
}
