/*  bench_http.c - one http_t against a loopback server that answers each
 *  request after a delay (the misbehave /slow route): jobs/s and peak RSS.
 *  Usage: bench_http [--jobs N] [--in-flight N] [--delay-ms N] [--upfront]
 *  --upfront queues every job at once; by default a new job is submitted
 *  as each one finishes, as a fetch worker holding a window of jobs does.
 *  SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <czmq.h>

#include "http.h"
#include "misbehave.h"

typedef struct {
    http_t *http;
    char url[128];
    int jobs, submitted, done, ok, failed;
    size_t peak_in_flight;
    err_t first_err;
} bench_t;

static void s_submit(bench_t *b);

static void s_done(const http_resp_t *r, void *arg)
{
    bench_t *b = arg;
    b->done++;
    if (r->err.code == 0 && r->status == 200)
        b->ok++;
    else {
        b->failed++;
        if (!b->first_err.code)
            err_set(&b->first_err, r->err.code ? r->err.code : LODE_EHTTP, "%s (status %d)",
                    r->err.msg, r->status);
    }
    if (b->submitted < b->jobs)
        s_submit(b);
}

static void s_submit(bench_t *b)
{
    err_t err = {0};
    http_req_t req = {.url = b->url};
    if (http_request(b->http, &req, s_done, b, &err) < 0) {
        fprintf(stderr, "bench_http: %s\n", err.msg);
        exit(1);
    }
    b->submitted++;
    size_t n = http_in_flight(b->http);
    if (n > b->peak_in_flight)
        b->peak_in_flight = n;
}

static int s_on_tick(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    bench_t *b = arg;
    size_t n = http_in_flight(b->http);
    if (n > b->peak_in_flight)
        b->peak_in_flight = n;
    return b->done >= b->jobs ? -1 : 0;
}

int main(int argc, char **argv)
{
    int jobs = 10000, in_flight = 512, delay_ms = 1000;
    bool upfront = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--jobs") && i + 1 < argc)
            jobs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--in-flight") && i + 1 < argc)
            in_flight = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--delay-ms") && i + 1 < argc)
            delay_ms = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--upfront"))
            upfront = true;
        else {
            fprintf(stderr,
                    "usage: bench_http [--jobs N] [--in-flight N] [--delay-ms N] [--upfront]\n");
            return 2;
        }
    }
    misbehave_t *server = misbehave_start(); /* a child process: not in our RSS */
    if (!server) {
        perror("bench_http: misbehave_start");
        return 1;
    }
    zloop_t *loop = zloop_new();
    err_t err = {0};
    http_opts_t o = {.allow_net = "127.0.0.0/8",
                     .max_in_flight = in_flight,
                     .per_host_max = in_flight,
                     .total_timeout_ms = 120000};
    bench_t b = {.jobs = jobs};
    b.http = http_new(loop, &o, &err);
    if (!b.http) {
        fprintf(stderr, "bench_http: %s\n", err.msg);
        return 1;
    }
    snprintf(b.url, sizeof b.url, "http://127.0.0.1:%d/slow?ms=%d", misbehave_port(server),
             delay_ms);
    int64_t t0 = zclock_usecs();
    int first = upfront ? jobs : (in_flight < jobs ? in_flight : jobs);
    for (int i = 0; i < first; i++)
        s_submit(&b);
    zloop_timer(loop, 50, 0, s_on_tick, &b);
    zloop_start(loop);
    double secs = (double)(zclock_usecs() - t0) / 1e6;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("http bench: %d jobs, server delay %d ms, max_in_flight %d, %s\n", jobs, delay_ms,
           in_flight, upfront ? "all queued up front" : "window refilled on completion");
    printf("  done %d (ok %d, failed %d) in %.2f s = %.1f jobs/s\n", b.done, b.ok, b.failed, secs,
           b.done / secs);
    printf("  peak in flight %zu (server saw at most %ld at once)\n", b.peak_in_flight,
           misbehave_peak(server));
    printf("  peak RSS %.1f MB\n", ru.ru_maxrss / 1024.0);
    if (b.failed)
        printf("  first failure: %s %s\n", err_name(b.first_err.code), b.first_err.msg);
    http_destroy(&b.http);
    zloop_destroy(&loop);
    misbehave_stop(&server);
    return b.failed ? 1 : 0;
}
