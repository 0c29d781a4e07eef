/*  metrics.c - /metrics over libmicrohttpd (its own polling thread). The
 *  broker thread renders; the HTTP thread copies the latest text under a
 *  mutex held only for a pointer swap or a memcpy. Serves nothing else.
 *  SPDX-License-Identifier: MIT
 */
#include "metrics.h"

#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "mem.h"

#define S_CONN_LIMIT   64 /* scrapers at once */
#define S_CONN_TIMEOUT 10 /* seconds an idle HTTP connection is kept */

struct metrics {
    struct MHD_Daemon *daemon; /* owned */
    pthread_mutex_t lock;      /* guards text */
    char *text;                /* owned: what /metrics serves */
    size_t len;
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
    s_render_gauge(f, "lode_uptime_seconds", "Seconds since the broker started.",
                   (double)snap->uptime_ms / 1000.0);
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
    s_render_stage_gauge(f, snap, "lode_worker_credits", "Free credits of the stage's workers.",
                         s_credits);
    s_render_totals(f, snap);
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
    if (strcmp(url, "/") == 0)
        return s_queue(conn, MHD_HTTP_OK, "lode-broker: see /metrics\n", 26, text_plain);
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
    pthread_mutex_unlock(&self->lock);
    free(old);
}
