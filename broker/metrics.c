/*  metrics.c - /metrics over libmicrohttpd (its own polling thread). The
 *  broker thread renders; the HTTP thread copies the latest text under a
 *  mutex held only for a pointer swap or a memcpy. Serves nothing else.
 *  SPDX-License-Identifier: MIT
 */
#include "metrics.h"

#include <dirent.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mem.h"
#include "stats_parts.h"

#define S_CONN_LIMIT   64 /* scrapers at once */
#define S_CONN_TIMEOUT 10 /* seconds an idle HTTP connection is kept */
#ifndef METRICS_VERSION
#define METRICS_VERSION "0.1.0"
#endif

struct metrics {
    struct MHD_Daemon *daemon; /* owned */
    pthread_mutex_t lock;      /* guards text */
    char *text;                /* owned: what /metrics serves */
    size_t len;
    bool published; /* a snapshot came: the loop turns */
    bool redis_ok;  /* the last snapshot's Redis health: /readyz */
    int port;
};

/* --- rendering ------------------------------------------------------------- */

static void s_head(FILE *f, const char *name, const char *type, const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static const char *s_stage(int s)
{
    return job_stage_name((job_stage_t)s);
}

static void s_render_jobs(FILE *f, const stats_snapshot_t *snap)
{
    s_head(f, "lode_jobs_total", "counter",
           "Stage runs reported by workers, by how they ended: done, retried (retryable "
           "failure, back to the stage), failed (permanent failure, dead-lettered), dead "
           "(retryable failure on the last attempt, dead-lettered), stale (late report, "
           "ignored).");
    for (int s = 0; s < JOB_STAGE_COUNT; s++)
        for (int o = 0; o < STATS_OUTCOMES; o++)
            fprintf(f, "lode_jobs_total{stage=\"%s\",outcome=\"%s\"} %llu\n", s_stage(s),
                    stats_outcome_name((stats_outcome_t)o),
                    (unsigned long long)snap->stages[s].outcomes[o]);
    s_head(f, "lode_jobs_dispatched_total", "counter", "Jobs handed to workers, by stage.");
    for (int s = 0; s < JOB_STAGE_COUNT; s++)
        fprintf(f, "lode_jobs_dispatched_total{stage=\"%s\"} %llu\n", s_stage(s),
                (unsigned long long)snap->stages[s].dispatched);
    s_head(f, "lode_jobs_submitted_total", "counter", "Jobs accepted from clients.");
    fprintf(f, "lode_jobs_submitted_total %llu\n", (unsigned long long)snap->submitted);
}

static void s_render_hist(FILE *f, const char *stage, const stats_hist_t *h)
{
    uint64_t cum = 0;
    for (int i = 0; i < STATS_HIST_BOUNDS; i++) {
        cum += h->counts[i];
        fprintf(f, "lode_stage_duration_seconds_bucket{stage=\"%s\",le=\"%g\"} %llu\n", stage,
                stats_hist_bounds_ms[i] / 1000.0, (unsigned long long)cum);
    }
    fprintf(f, "lode_stage_duration_seconds_bucket{stage=\"%s\",le=\"+Inf\"} %llu\n", stage,
            (unsigned long long)h->n);
    fprintf(f, "lode_stage_duration_seconds_sum{stage=\"%s\"} %.9g\n", stage, h->sum_ms / 1000.0);
    fprintf(f, "lode_stage_duration_seconds_count{stage=\"%s\"} %llu\n", stage,
            (unsigned long long)h->n);
}

/* One gauge per stage; field picks the figure. */
static void s_render_stage_gauge(FILE *f,
                                 const stats_snapshot_t *snap,
                                 const char *name,
                                 const char *help,
                                 int64_t (*field)(const stats_stage_t *))
{
    s_head(f, name, "gauge", help);
    for (int s = 0; s < JOB_STAGE_COUNT; s++)
        fprintf(f, "%s{stage=\"%s\"} %lld\n", name, s_stage(s), (long long)field(&snap->stages[s]));
}

static int64_t s_queued(const stats_stage_t *st)
{
    return st->queued < 0 ? 0 : st->queued;
}

static int64_t s_in_flight(const stats_stage_t *st)
{
    return st->in_flight;
}

static int64_t s_workers(const stats_stage_t *st)
{
    return st->workers;
}

static int64_t s_credits(const stats_stage_t *st)
{
    return st->credits;
}

static void s_render_gauge(FILE *f, const char *name, const char *help, double v)
{
    s_head(f, name, "gauge", help);
    fprintf(f, "%s %.9g\n", name, v);
}

static void s_render_totals(FILE *f, const stats_snapshot_t *snap)
{
    s_render_gauge(f, "lode_leases", "Jobs in flight in all stages (leases in Redis).",
                   (double)snap->leases);
    s_render_gauge(f, "lode_delayed_jobs", "Retries waiting out their back-off.",
                   (double)snap->delayed);
    s_render_gauge(f, "lode_dead_letters", "Jobs on the dead-letter list.", (double)snap->dead);
    s_head(f, "lode_bad_frames_total", "counter", "Malformed or unexpected frames dropped.");
    fprintf(f, "lode_bad_frames_total %llu\n", (unsigned long long)snap->bad_frames);
    s_render_gauge(f, "lode_redis_up", "1 if the broker's last Redis read succeeded.",
                   snap->redis_ok ? 1 : 0);
    s_render_gauge(f, "lode_start_time_seconds", "When the broker started, in Unix seconds.",
                   (double)(snap->time_ms - snap->uptime_ms) / 1000.0);
    s_head(f, "lode_build_info", "gauge", "Always 1; the version in a label.");
    fprintf(f, "lode_build_info{version=\"%s\",program=\"lode-broker\"} 1\n", METRICS_VERSION);
}

/* A label value as the text format wants it: \\, \" and \n escaped. */
static void s_label(FILE *f, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\' || *v == '"')
            fputc('\\', f);
        if (*v == '\n')
            fputs("\\n", f);
        else
            fputc(*v, f);
    }
}

/* Per-worker series, labels {stage, worker}: at most METRICS_WORKERS_MAX
 * workers (the snapshot's order: stage, then name); the rest are summed
 * under worker="_other", so a scrape never grows without bound. */
static void s_render_workers(FILE *f, const stats_snapshot_t *snap)
{
    static const char *const names[] = {"lode_worker_jobs_held", "lode_worker_jobs_done_total",
                                        "lode_worker_jobs_failed_total"};
    static const char *const helps[] = {
        "Jobs one worker holds now.", "Stage runs one worker finished (since the broker started).",
        "Stage runs one worker failed: retried, failed or dead."};
    for (int k = 0; k < 3; k++) {
        s_head(f, names[k], k == 0 ? "gauge" : "counter", helps[k]);
        uint64_t other[JOB_STAGE_COUNT] = {0};
        bool any_other[JOB_STAGE_COUNT] = {false};
        for (size_t i = 0; i < snap->n_workers; i++) {
            const stats_worker_t *w = &snap->workers[i];
            uint64_t v = k == 0 ? w->held : k == 1 ? w->done : w->failed;
            if (i >= METRICS_WORKERS_MAX) {
                other[w->stage] += v;
                any_other[w->stage] = true;
                continue;
            }
            fprintf(f, "%s{stage=\"%s\",worker=\"", names[k], s_stage((int)w->stage));
            s_label(f, w->name);
            fprintf(f, "\"} %llu\n", (unsigned long long)v);
        }
        for (int s = 0; s < JOB_STAGE_COUNT; s++)
            if (any_other[s])
                fprintf(f, "%s{stage=\"%s\",worker=\"_other\"} %llu\n", names[k], s_stage(s),
                        (unsigned long long)other[s]);
    }
}

/* The standard process_* series of Prometheus client libraries, read from
 * getrusage, getrlimit and /proc/self (statm, fd). */
static void s_render_process(FILE *f, const stats_snapshot_t *snap)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
                 (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    s_head(f, "process_cpu_seconds_total", "counter", "User and system CPU time spent.");
    fprintf(f, "process_cpu_seconds_total %.6f\n", cpu);
    long page = sysconf(_SC_PAGESIZE);
    unsigned long long vsz = 0, rss = 0;
    FILE *statm = fopen("/proc/self/statm", "r");
    if (statm) {
        if (fscanf(statm, "%llu %llu", &vsz, &rss) != 2)
            vsz = rss = 0;
        fclose(statm);
    }
    s_render_gauge(f, "process_resident_memory_bytes", "Resident memory size in bytes.",
                   (double)rss * (double)page);
    s_render_gauge(f, "process_virtual_memory_bytes", "Virtual memory size in bytes.",
                   (double)vsz * (double)page);
    int fds = 0;
    DIR *d = opendir("/proc/self/fd");
    for (struct dirent *e; d && (e = readdir(d));)
        fds += e->d_name[0] != '.';
    if (d) {
        closedir(d);
        fds--; /* the one opendir holds */
    }
    s_render_gauge(f, "process_open_fds", "Open file descriptors.", fds);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
        s_render_gauge(f, "process_max_fds", "Limit on open file descriptors.",
                       (double)rl.rlim_cur);
    s_render_gauge(f, "process_start_time_seconds", "Start time of the process, Unix seconds.",
                   (double)(snap->time_ms - snap->uptime_ms) / 1000.0);
}

/* A partitioned store: each partition's figures, labelled with the node
 * serving it on a cluster (the sums are the lode_queue_depth… series). */
static void s_render_parts(FILE *f, const stats_snapshot_t *snap)
{
    static const struct {
        const char *name, *help;
        size_t off;
    } g[] = {
        {"lode_partition_jobs", "Jobs in the partition.", offsetof(stats_part_t, jobs)},
        {"lode_partition_queued", "Jobs ready in the partition's queues, all stages.",
         offsetof(stats_part_t, queued)},
        {"lode_partition_leases", "Jobs in flight from the partition.",
         offsetof(stats_part_t, leases)},
        {"lode_partition_delayed", "Retries of the partition waiting out a back-off.",
         offsetof(stats_part_t, delayed)},
        {"lode_partition_dead_letters", "Jobs on the partition's dead-letter list.",
         offsetof(stats_part_t, dead)},
    };

    for (size_t k = 0; snap->n_parts > 0 && k < sizeof g / sizeof g[0]; k++) {
        s_head(f, g[k].name, "gauge", g[k].help);
        for (size_t i = 0; i < snap->n_parts; i++) {
            const stats_part_t *p = &snap->parts[i];
            int64_t v = *(const int64_t *)((const char *)p + g[k].off);
            if (p->node[0]) /* host:port: no quote or backslash to escape */
                fprintf(f, "%s{partition=\"%d\",node=\"%s\"} %lld\n", g[k].name, p->partition,
                        p->node, (long long)v);
            else
                fprintf(f, "%s{partition=\"%d\"} %lld\n", g[k].name, p->partition, (long long)v);
        }
    }
}

char *metrics_render(const stats_snapshot_t *snap)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return mem_strdup("");
    s_render_jobs(f, snap);
    s_head(f, "lode_stage_duration_seconds", "histogram",
           "Time a worker spent on a stage run that finished (from receiving the job to "
           "reporting it).");
    for (int s = 0; s < JOB_STAGE_COUNT; s++)
        s_render_hist(f, s_stage(s), &snap->stages[s].hist);
    s_render_stage_gauge(f, snap, "lode_queue_depth", "Jobs ready in the stage's Redis queue.",
                         s_queued);
    s_render_stage_gauge(f, snap, "lode_in_flight", "Jobs held by the stage's workers.",
                         s_in_flight);
    s_render_stage_gauge(f, snap, "lode_workers", "Connected workers of the stage.", s_workers);
    s_render_stage_gauge(f, snap, "lode_worker_free_credits",
                         "Free credits (jobs they would take now) of the stage's workers.",
                         s_credits);
    s_render_totals(f, snap);
    s_render_parts(f, snap);
    s_render_workers(f, snap);
    s_render_process(f, snap);
    if (fclose(f) != 0 || !text) {
        free(text);
        return mem_strdup("");
    }
    return text;
}

/* --- HTTP -------------------------------------------------------------------- */

static enum MHD_Result s_queue(struct MHD_Connection *conn,
                               unsigned int status,
                               const char *body,
                               size_t len,
                               const char *type)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    enum MHD_Result rc = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result s_serve_metrics(metrics_t *self, struct MHD_Connection *conn)
{
    pthread_mutex_lock(&self->lock);
    struct MHD_Response *r = MHD_create_response_from_buffer(
        self->len, self->text ? self->text : (char *)"", MHD_RESPMEM_MUST_COPY);
    pthread_mutex_unlock(&self->lock);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, METRICS_CONTENT_TYPE);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    enum MHD_Result rc = MHD_queue_response(conn, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return rc;
}

/* Ready: the broker's loop has published and its last Redis call worked. */
static enum MHD_Result s_ready(metrics_t *self, struct MHD_Connection *conn)
{
    pthread_mutex_lock(&self->lock);
    bool ready = self->published && self->redis_ok;
    bool started = self->published;
    pthread_mutex_unlock(&self->lock);
    static const char text_plain[] = "text/plain; charset=utf-8";
    if (ready)
        return s_queue(conn, MHD_HTTP_OK, "ready\n", 6, text_plain);
    const char *why = started ? "not ready: redis unavailable\n" : "not ready: starting\n";
    return s_queue(conn, MHD_HTTP_SERVICE_UNAVAILABLE, why, strlen(why), text_plain);
}

static enum MHD_Result s_on_request(void *cls,
                                    struct MHD_Connection *conn,
                                    const char *url,
                                    const char *method,
                                    const char *version,
                                    const char *upload_data,
                                    size_t *upload_data_size,
                                    void **con_cls)
{
    (void)version;
    (void)upload_data;
    /* Anything uploaded is read and ignored; answer once it is all in. */
    if (*upload_data_size) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    (void)con_cls;
    static const char text_plain[] = "text/plain; charset=utf-8";
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return s_queue(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n", 19, text_plain);
    if (strcmp(url, "/metrics") == 0)
        return s_serve_metrics(cls, conn);
    if (strcmp(url, "/healthz") == 0) /* the process answers: alive */
        return s_queue(conn, MHD_HTTP_OK, "ok\n", 3, text_plain);
    if (strcmp(url, "/readyz") == 0)
        return s_ready(cls, conn);
    if (strcmp(url, "/") == 0)
        return s_queue(conn, MHD_HTTP_OK, "lode-broker: /metrics /healthz /readyz\n", 40,
                       text_plain);
    return s_queue(conn, MHD_HTTP_NOT_FOUND, "not found\n", 10, text_plain);
}

/* "HOST:PORT" -> an address to bind; IPv6 hosts in brackets. */
static int s_parse_addr(const char *hostport, struct sockaddr_storage *sa, err_t *err)
{
    const char *colon = hostport ? strrchr(hostport, ':') : NULL;
    if (!colon || colon == hostport || !colon[1] || strlen(hostport) > 300) {
        err_set(err, LODE_EINVAL, "--metrics wants HOST:PORT, not \"%s\"",
                hostport ? hostport : "");
        return -1;
    }
    char host[310];
    snprintf(host, sizeof host, "%.*s", (int)(colon - hostport), hostport);
    size_t n = strlen(host);
    if (host[0] == '[' && n > 2 && host[n - 1] == ']') {
        memmove(host, host + 1, n - 2);
        host[n - 2] = '\0';
    }
    char *end = NULL;
    long port = strtol(colon + 1, &end, 10);
    if (!end || *end || port < 0 || port > 65535) {
        err_set(err, LODE_EINVAL, "--metrics: bad port in \"%s\"", hostport);
        return -1;
    }
    if (strcmp(host, "localhost") == 0)
        snprintf(host, sizeof host, "127.0.0.1");
    /* Numeric only: binding never waits on a name server. */
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICSERV | AI_NUMERICHOST};
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(host, colon + 1, &hints, &res);
    if (rc != 0 || !res) {
        err_set(err, LODE_EINVAL, "--metrics: cannot use host \"%s\": %s", host, gai_strerror(rc));
        return -1;
    }
    memcpy(sa, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    return 0;
}

metrics_t *metrics_new(const char *hostport, err_t *err)
{
    struct sockaddr_storage sa;
    memset(&sa, 0, sizeof sa);
    if (s_parse_addr(hostport, &sa, err) != 0)
        return NULL;
    metrics_t *self = mem_calloc(1, sizeof *self);
    pthread_mutex_init(&self->lock, NULL);
    unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
    if (sa.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    self->daemon = MHD_start_daemon(flags, 0, NULL, NULL, s_on_request, self, MHD_OPTION_SOCK_ADDR,
                                    (struct sockaddr *)&sa, MHD_OPTION_CONNECTION_LIMIT,
                                    (unsigned int)S_CONN_LIMIT, MHD_OPTION_CONNECTION_TIMEOUT,
                                    (unsigned int)S_CONN_TIMEOUT, MHD_OPTION_END);
    if (!self->daemon) {
        err_set(err, LODE_EIO, "cannot serve metrics on %s (address in use?)", hostport);
        metrics_destroy(&self);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(self->daemon, MHD_DAEMON_INFO_BIND_PORT);
    self->port = info ? (int)info->port : 0;
    return self;
}

void metrics_destroy(metrics_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    metrics_t *self = *self_p;
    if (self->daemon)
        MHD_stop_daemon(self->daemon); /* joins the HTTP thread: no reader after this */
    pthread_mutex_destroy(&self->lock);
    free(self->text);
    free(self);
    *self_p = NULL;
}

int metrics_port(const metrics_t *self)
{
    return self->port;
}

void metrics_publish(metrics_t *self, const stats_snapshot_t *snap)
{
    char *text = metrics_render(snap);
    size_t len = strlen(text);
    pthread_mutex_lock(&self->lock);
    char *old = self->text;
    self->text = text;
    self->len = len;
    self->published = true;
    self->redis_ok = snap->redis_ok;
    pthread_mutex_unlock(&self->lock);
    free(old);
}
