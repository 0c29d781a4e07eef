/*  metrics.h - GET /metrics in the Prometheus text exposition format (0.0.4),
 *  served by libmicrohttpd on its own thread. The broker loop renders each
 *  stats snapshot and hands the text over under a mutex; the HTTP thread
 *  only copies the latest text, so a slow scraper never blocks the broker.
 *
 *  Series (stage = fetch|snippet|synthesis|fanout):
 *    lode_jobs_total{stage,outcome}            counter  outcome = done|retried|failed|dead|stale
 *    lode_jobs_dispatched_total{stage}         counter
 *    lode_jobs_submitted_total                 counter
 *    lode_stage_duration_seconds{stage}        histogram (_bucket{le}, _sum, _count)
 *    lode_queue_depth{stage}                   gauge (Redis)
 *    lode_in_flight{stage}                     gauge (held by connected workers)
 *    lode_workers{stage}                       gauge
 *    lode_worker_free_credits{stage}           gauge
 *    lode_leases, lode_delayed_jobs,
 *    lode_dead_letters                         gauges (Redis)
 *    lode_bad_frames_total                     counter
 *    lode_redis_up, lode_start_time_seconds    gauges
 *    lode_build_info{version,program}          gauge, always 1
 *    lode_worker_jobs_held{stage,worker}       gauge    at most METRICS_WORKERS_MAX
 *    lode_worker_jobs_done_total{stage,worker} counter  workers by name, the rest
 *    lode_worker_jobs_failed_total{…}          counter  as worker="_other"
 *    process_cpu_seconds_total, process_resident_memory_bytes,
 *    process_virtual_memory_bytes, process_open_fds, process_max_fds,
 *    process_start_time_seconds                the standard process series
 *  Also GET /healthz (200 while the process answers) and /readyz (200 once
 *  the loop has published and Redis answered, else 503).
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_METRICS_H
#define LODE_METRICS_H
#include "err.h"
#include "stats.h"

typedef struct metrics metrics_t;

#define METRICS_WORKERS_MAX  64 /* per-worker series: workers shown by name */
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Listen on "HOST:PORT" (a numeric IPv4 address, "localhost", or "[IPv6]";
 * PORT 0 picks a free one) and serve GET /metrics. Until the first
 * metrics_publish it serves an empty (valid) exposition.
 * NULL and *err (LODE_EINVAL for a bad address, LODE_EIO if it cannot listen). */
metrics_t *metrics_new(const char *hostport, err_t *err);

/* Stop the HTTP thread and free; sets *self_p to NULL. Safe on NULL. */
void metrics_destroy(metrics_t **self_p);

/* The port it listens on. */
int metrics_port(const metrics_t *self);

/* Render snap and make it what /metrics serves. Broker loop thread. */
void metrics_publish(metrics_t *self, const stats_snapshot_t *snap);

/* snap in the Prometheus text format. Caller frees. Any thread. */
char *metrics_render(const stats_snapshot_t *snap);
#endif
