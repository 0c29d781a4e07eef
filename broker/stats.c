/*  stats.c - the broker's live figures and their snapshot (JSON for the PUB
 *  socket). Holds no job state: counters start at zero with the process.
 *  SPDX-License-Identifier: MIT
 */
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mem.h"

#define S_RATE_SAMPLES 6 /* snapshots in the rate window: 5 ticks, ~5 s */
#define S_PUB_HWM      16

const double stats_hist_bounds_ms[STATS_HIST_BOUNDS] = {
    1,    2.5,  5,    10,    25,    50,    100,    250,    500,
    1000, 2500, 5000, 10000, 25000, 60000, 120000, 300000, 600000};

static const char *const s_outcome_names[STATS_OUTCOMES] = {"done", "retried", "failed", "dead",
                                                            "stale"};

typedef struct {
    char key[STATS_WORKER_SIZE];
    char host[STATS_HOST_SIZE];
    job_stage_t stage;
    uint32_t credits;
    uint32_t held;
    uint64_t done;
    uint64_t failed;
    stats_hist_t hist;
    uint64_t seen; /* generation of the last stats_worker_seen */
} s_worker_t;

typedef struct {
    int64_t ms;
    uint64_t done[JOB_STAGE_COUNT];
    uint64_t failed[JOB_STAGE_COUNT];
} s_sample_t;

struct stats {
    int64_t started_ms;
    zhashx_t *workers;                     /* owned: key -> s_worker_t */
    uint64_t gen;                          /* current tick's generation, from 1 */
    stats_stage_t stages[JOB_STAGE_COUNT]; /* counters and histograms; gauges filled per
                                              snapshot */
    uint64_t submitted;
    store_stats_t redis; /* last successful read */
    bool redis_read;     /* redis holds a read */
    s_sample_t ring[S_RATE_SAMPLES];
    size_t n_samples; /* in ring, up to S_RATE_SAMPLES */
    size_t next;      /* where the next sample goes */
};

/* --- histogram ------------------------------------------------------------- */

void stats_hist_observe(stats_hist_t *h, double ms)
{
    if (!(ms >= 0)) /* negative or NaN: a clock step; count it as 0 */
        ms = 0;
    size_t i = 0;
    while (i < STATS_HIST_BOUNDS && ms > stats_hist_bounds_ms[i])
        i++;
    h->counts[i]++;
    if (h->n == 0 || ms < h->min_ms)
        h->min_ms = ms;
    h->n++;
    h->sum_ms += ms;
    if (ms > h->max_ms)
        h->max_ms = ms;
}

double stats_hist_quantile(const stats_hist_t *h, double q)
{
    if (h->n == 0)
        return 0;
    q = q < 0 ? 0 : q > 1 ? 1 : q;
    double rank = q * (double)h->n;
    uint64_t below = 0;
    for (size_t i = 0; i <= STATS_HIST_BOUNDS; i++) {
        if (h->counts[i] == 0 || (double)(below + h->counts[i]) < rank) {
            below += h->counts[i];
            continue;
        }
        if (i == STATS_HIST_BOUNDS) /* over the top bound: the largest is all we know */
            return h->max_ms;
        double lo = i == 0 ? 0 : stats_hist_bounds_ms[i - 1];
        double hi = stats_hist_bounds_ms[i];
        double v = lo + (hi - lo) * (rank - (double)below) / (double)h->counts[i];
        return v < h->min_ms ? h->min_ms : v > h->max_ms ? h->max_ms : v;
    }
    return h->max_ms;
}

double stats_hist_mean(const stats_hist_t *h)
{
    return h->n ? h->sum_ms / (double)h->n : 0;
}

/* --- live figures ----------------------------------------------------------- */

static void s_worker_free(void **item)
{
    free(*item);
    *item = NULL;
}

stats_t *stats_new(int64_t now_ms)
{
    stats_t *self = mem_calloc(1, sizeof *self);
    self->started_ms = now_ms;
    self->workers = zhashx_new();
    zhashx_set_destructor(self->workers, s_worker_free);
    self->gen = 1;
    for (int s = 0; s < JOB_STAGE_COUNT; s++)
        self->stages[s].queued = -1;
    return self;
}

void stats_destroy(stats_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    stats_t *self = *self_p;
    zhashx_destroy(&self->workers);
    free(self);
    *self_p = NULL;
}

stats_outcome_t stats_outcome(int rc, bool done, bool retryable, uint32_t attempt, int max_attempts)
{
    if (rc < 0)
        return STATS_NONE;
    if (rc == 0)
        return STATS_STALE;
    if (done)
        return STATS_DONE;
    if (!retryable)
        return STATS_FAILED;
    return (int64_t)attempt < (int64_t)max_attempts ? STATS_RETRIED : STATS_DEAD;
}

const char *stats_outcome_name(stats_outcome_t outcome)
{
    return outcome >= 0 && outcome < STATS_OUTCOMES ? s_outcome_names[outcome] : "?";
}

static s_worker_t *s_worker(stats_t *self, const char *key, bool create)
{
    s_worker_t *w = key ? zhashx_lookup(self->workers, key) : NULL;
    if (w || !key || !create)
        return w;
    w = mem_calloc(1, sizeof *w);
    snprintf(w->key, sizeof w->key, "%s", key);
    zhashx_insert(self->workers, w->key, w);
    return w;
}

void stats_report(
    stats_t *self, const char *key, job_stage_t stage, stats_outcome_t outcome, int64_t ms)
{
    if (outcome < 0 || outcome >= STATS_OUTCOMES || stage < 0 || stage >= JOB_STAGE_COUNT)
        return;
    stats_stage_t *st = &self->stages[stage];
    st->outcomes[outcome]++;
    s_worker_t *w = s_worker(self, key, false);
    if (outcome == STATS_DONE) {
        if (ms >= 0)
            stats_hist_observe(&st->hist, (double)ms);
        if (w) {
            w->done++;
            if (ms >= 0)
                stats_hist_observe(&w->hist, (double)ms);
        }
    } else if (w && outcome != STATS_STALE) {
        w->failed++;
    }
}

void stats_dispatched(stats_t *self, job_stage_t stage)
{
    if (stage >= 0 && stage < JOB_STAGE_COUNT)
        self->stages[stage].dispatched++;
}

void stats_submitted(stats_t *self, size_t n)
{
    self->submitted += n;
}

void stats_worker_host(stats_t *self, const char *key, const char *host)
{
    s_worker_t *w = s_worker(self, key, true);
    if (w && host)
        snprintf(w->host, sizeof w->host, "%s", host);
}

void stats_worker_seen(
    stats_t *self, const char *key, job_stage_t stage, uint32_t credits, uint32_t held)
{
    s_worker_t *w = s_worker(self, key, true);
    if (!w)
        return;
    w->stage = stage;
    w->credits = credits;
    w->held = held;
    w->seen = self->gen;
}

/* --- snapshot -------------------------------------------------------------- */

/* The identity as text if every byte of its hex is a printable character
 * (workers name themselves "host/pid/tag"), else the hex itself. */
void stats_key_name(const char *key, char *out, size_t size)
{
    size_t n = strlen(key);
    size_t j = 0;
    for (size_t i = 0; n % 2 == 0 && i + 1 < n && j + 1 < size; i += 2) {
        char pair[3] = {key[i], key[i + 1], 0};
        char *end = NULL;
        long c = strtol(pair, &end, 16);
        if (!end || *end || c < 0x20 || c > 0x7e)
            break;
        out[j++] = (char)c;
        if (i + 2 >= n) {
            out[j] = '\0';
            return;
        }
    }
    snprintf(out, size, "%s", key);
}

static int s_worker_cmp(const void *a, const void *b)
{
    const stats_worker_t *x = a, *y = b;
    if (x->stage != y->stage)
        return x->stage < y->stage ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* Copy the workers seen this tick into out, forget the others. */
static void s_snapshot_workers(stats_t *self, stats_snapshot_t *out)
{
    zlistx_t *gone = zlistx_new();
    out->workers = mem_calloc(zhashx_size(self->workers) + 1, sizeof *out->workers);
    for (s_worker_t *w = zhashx_first(self->workers); w; w = zhashx_next(self->workers)) {
        if (w->seen != self->gen) {
            zlistx_add_end(gone, w->key);
            continue;
        }
        stats_stage_t *st = &out->stages[w->stage];
        st->workers++;
        st->credits += w->credits;
        st->in_flight += w->held;
        if (out->n_workers >= STATS_MAX_WORKERS)
            continue;
        stats_worker_t *o = &out->workers[out->n_workers++];
        *o = (stats_worker_t){.stage = w->stage,
                              .credits = w->credits,
                              .held = w->held,
                              .done = w->done,
                              .failed = w->failed,
                              .mean_ms = stats_hist_mean(&w->hist),
                              .p99_ms = stats_hist_quantile(&w->hist, 0.99)};
        snprintf(o->key, sizeof o->key, "%s", w->key);
        stats_key_name(w->key, o->name, sizeof o->name);
        snprintf(o->host, sizeof o->host, "%s", w->host);
    }
    for (const char *key = zlistx_first(gone); key; key = zlistx_next(gone))
        zhashx_delete(self->workers, key);
    zlistx_destroy(&gone);
    qsort(out->workers, out->n_workers, sizeof *out->workers, s_worker_cmp);
}

static uint64_t s_failures(const stats_stage_t *st)
{
    return st->outcomes[STATS_RETRIED] + st->outcomes[STATS_FAILED] + st->outcomes[STATS_DEAD];
}

/* Push this tick's counters and set the rates over the window. */
static void s_rates(stats_t *self, int64_t now_ms, stats_snapshot_t *out)
{
    s_sample_t *cur = &self->ring[self->next];
    cur->ms = now_ms;
    for (int s = 0; s < JOB_STAGE_COUNT; s++) {
        cur->done[s] = self->stages[s].outcomes[STATS_DONE];
        cur->failed[s] = s_failures(&self->stages[s]);
    }
    if (self->n_samples < S_RATE_SAMPLES)
        self->n_samples++;
    size_t oldest = (self->next + S_RATE_SAMPLES + 1 - self->n_samples) % S_RATE_SAMPLES;
    self->next = (self->next + 1) % S_RATE_SAMPLES;
    const s_sample_t *old = &self->ring[oldest];
    double secs = (double)(now_ms - old->ms) / 1000.0;
    if (secs <= 0)
        return;
    for (int s = 0; s < JOB_STAGE_COUNT; s++) {
        out->stages[s].done_per_s = (double)(cur->done[s] - old->done[s]) / secs;
        out->stages[s].failed_per_s = (double)(cur->failed[s] - old->failed[s]) / secs;
    }
}

void stats_snapshot(stats_t *self,
                    const store_stats_t *st,
                    uint64_t bad_frames,
                    int64_t now_ms,
                    stats_snapshot_t *out)
{
    memset(out, 0, sizeof *out);
    if (st) {
        self->redis = *st;
        self->redis_read = true;
    }
    for (int s = 0; s < JOB_STAGE_COUNT; s++) {
        out->stages[s] = self->stages[s];
        out->stages[s].queued = self->redis_read ? self->redis.queued[s] : -1;
    }
    out->time_ms = now_ms;
    out->uptime_ms = now_ms - self->started_ms;
    out->redis_ok = st != NULL;
    out->leases = self->redis.in_flight;
    out->delayed = self->redis.delayed;
    out->dead = self->redis.dead;
    out->jobs = self->redis.jobs;
    out->submitted = self->submitted;
    out->bad_frames = bad_frames;
    s_snapshot_workers(self, out);
    s_rates(self, now_ms, out);
    self->gen++;
}

void stats_snapshot_clear(stats_snapshot_t *snap)
{
    free(snap->workers);
    free(snap->parts);
    memset(snap, 0, sizeof *snap);
}

/* --- JSON -------------------------------------------------------------------- */

/* Milliseconds to three decimals: enough, and stable to read. */
static json_t *s_ms(double ms)
{
    return json_real(round(ms * 1000.0) / 1000.0);
}

static json_t *s_stage_json(const stats_stage_t *st)
{
    json_t *j = json_pack("{s:I,s:i,s:i,s:i,s:I}", "queued", (json_int_t)st->queued, "in_flight",
                          (int)st->in_flight, "workers", (int)st->workers, "credits",
                          (int)st->credits, "dispatched", (json_int_t)st->dispatched);
    for (int o = 0; o < STATS_OUTCOMES; o++)
        json_object_set_new(j, s_outcome_names[o], json_integer((json_int_t)st->outcomes[o]));
    json_object_set_new(j, "done_per_s", s_ms(st->done_per_s));
    json_object_set_new(j, "failed_per_s", s_ms(st->failed_per_s));
    json_object_set_new(j, "p50_ms", s_ms(stats_hist_quantile(&st->hist, 0.5)));
    json_object_set_new(j, "p99_ms", s_ms(stats_hist_quantile(&st->hist, 0.99)));
    json_object_set_new(j, "mean_ms", s_ms(stats_hist_mean(&st->hist)));
    json_object_set_new(j, "timed", json_integer((json_int_t)st->hist.n));
    return j;
}

static json_t *s_worker_json(const stats_worker_t *w)
{
    uint32_t cap = w->held + w->credits;
    json_t *j =
        json_pack("{s:s,s:s,s:s,s:s,s:i,s:i,s:I,s:I}", "id", w->name, "key", w->key, "host",
                  w->host, "stage", job_stage_name(w->stage), "credits", (int)w->credits, "held",
                  (int)w->held, "done", (json_int_t)w->done, "failed", (json_int_t)w->failed);
    json_object_set_new(j, "load", s_ms(cap ? (double)w->held / cap : 0));
    json_object_set_new(j, "mean_ms", s_ms(w->mean_ms));
    json_object_set_new(j, "p99_ms", s_ms(w->p99_ms));
    return j;
}

char *stats_snapshot_json(const stats_snapshot_t *snap)
{
    json_t *totals =
        json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "submitted", (json_int_t)snap->submitted, "leases",
                  (json_int_t)snap->leases, "delayed", (json_int_t)snap->delayed, "dead",
                  (json_int_t)snap->dead, "jobs", (json_int_t)snap->jobs, "bad_frames",
                  (json_int_t)snap->bad_frames);
    json_t *stages = json_object();
    for (int s = 0; s < JOB_STAGE_COUNT; s++)
        json_object_set_new(stages, job_stage_name((job_stage_t)s), s_stage_json(&snap->stages[s]));
    json_t *workers = json_array();
    for (size_t i = 0; i < snap->n_workers; i++)
        json_array_append_new(workers, s_worker_json(&snap->workers[i]));
    json_t *root =
        json_pack("{s:i,s:I,s:I,s:b,s:o,s:o,s:o}", "v", STATS_JSON_VERSION, "time_ms",
                  (json_int_t)snap->time_ms, "uptime_ms", (json_int_t)snap->uptime_ms, "redis_ok",
                  snap->redis_ok, "totals", totals, "stages", stages, "workers", workers);
    char *text = json_dumps(root, JSON_PRESERVE_ORDER | JSON_COMPACT | JSON_REAL_PRECISION(12));
    json_decref(root);
    return text ? text : mem_strdup("{}");
}

/* --- PUB socket ---------------------------------------------------------------- */

zsock_t *stats_pub_new(const char *endpoint, const curve_opts_t *curve, err_t *err)
{
    zsock_t *pub = zsock_new(ZMQ_PUB);
    if (!pub) {
        err_set(err, LODE_EIO, "cannot make a PUB socket: %s", zmq_strerror(zmq_errno()));
        return NULL;
    }
    zsock_set_sndhwm(pub, S_PUB_HWM);
    zsock_set_linger(pub, 0);
    if (curve_server_apply(pub, curve, err) != 0) {
        err_prefix(err, "stats PUB");
        zsock_destroy(&pub);
        return NULL;
    }
    if (zsock_bind(pub, "%s", endpoint) < 0) {
        err_set(err, LODE_EIO, "cannot bind stats PUB %s: %s", endpoint, zmq_strerror(zmq_errno()));
        zsock_destroy(&pub);
        return NULL;
    }
    return pub;
}

int stats_publish(zsock_t *pub, const stats_snapshot_t *snap, err_t *err)
{
    char *json = stats_snapshot_json(snap);
    void *h = zsock_resolve(pub);
    int rc = 0;
    if (zmq_send(h, STATS_TOPIC, strlen(STATS_TOPIC), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
        zmq_send(h, json, strlen(json), ZMQ_DONTWAIT) < 0) {
        err_set(err, LODE_EIO, "publish stats: %s", zmq_strerror(zmq_errno()));
        rc = -1;
    }
    free(json);
    return rc;
}
