/*  test_stats.c - the broker's live figures: the histogram and its
 *  quantiles, report outcomes, snapshots (workers, rates, Redis figures),
 *  their JSON and Prometheus renderings, /metrics over HTTP, the PUB
 *  snapshot, and `lode top`'s text view of it.
 *  SPDX-License-Identifier: MIT
 */
// clang-format off
#include "test.h"
// clang-format on

#include <math.h>

#include <czmq.h>
#include <jansson.h>

#include "metrics.h"
#include "proto.h"
#include "scrape.h"
#include "stats.h"
#include "top.h"

#define T0 1700000000000LL /* a wall-clock start, ms */

/* --- histogram --------------------------------------------------------------- */

static void test_quantiles_of_1_to_100_ms_are_interpolated_within_buckets(void **state)
{
    (void)state;
    stats_hist_t h = {0};
    for (int i = 1; i <= 100; i++)
        stats_hist_observe(&h, i);
    assert_int_equal(h.n, 100);
    assert_true(fabs(stats_hist_quantile(&h, 0.5) - 50) < 1e-9);
    assert_true(fabs(stats_hist_quantile(&h, 0.99) - 99) < 1e-9);
    assert_true(fabs(stats_hist_mean(&h) - 50.5) < 1e-9);
    assert_true(fabs(stats_hist_quantile(&h, 1.0) - 100) < 1e-9);
}

static void test_an_empty_histogram_has_zero_quantiles_and_mean(void **state)
{
    (void)state;
    stats_hist_t h = {0};
    assert_true(stats_hist_quantile(&h, 0.5) == 0);
    assert_true(stats_hist_quantile(&h, 0.99) == 0);
    assert_true(stats_hist_mean(&h) == 0);
}

static void test_a_value_on_a_bound_falls_in_that_bucket(void **state)
{
    (void)state;
    stats_hist_t h = {0};
    stats_hist_observe(&h, 1);    /* le 1 ms */
    stats_hist_observe(&h, 1.01); /* le 2.5 ms */
    stats_hist_observe(&h, 600000);
    assert_int_equal(h.counts[0], 1);
    assert_int_equal(h.counts[1], 1);
    assert_int_equal(h.counts[STATS_HIST_BOUNDS - 1], 1);
    assert_int_equal(h.counts[STATS_HIST_BOUNDS], 0);
}

static void test_quantiles_stay_between_the_smallest_and_largest_observation(void **state)
{
    (void)state;
    stats_hist_t h = {0};
    for (int i = 0; i < 10; i++)
        stats_hist_observe(&h, 7); /* bucket (5, 10]: interpolation alone would say 5.5 */
    assert_true(stats_hist_quantile(&h, 0.05) == 7);
    assert_true(stats_hist_quantile(&h, 0.99) == 7);
}

static void test_values_over_the_top_bound_report_the_largest(void **state)
{
    (void)state;
    stats_hist_t h = {0};
    stats_hist_observe(&h, 10);
    stats_hist_observe(&h, 900000);
    stats_hist_observe(&h, 1200000);
    assert_int_equal(h.counts[STATS_HIST_BOUNDS], 2);
    assert_true(stats_hist_quantile(&h, 0.99) == 1200000);
}

static void test_negative_and_nan_durations_count_as_zero(void **state)
{
    (void)state;
    stats_hist_t h = {0};
    stats_hist_observe(&h, -5);
    stats_hist_observe(&h, NAN);
    assert_int_equal(h.n, 2);
    assert_int_equal(h.counts[0], 2);
    assert_true(h.sum_ms == 0);
}

/* --- outcomes and snapshots -------------------------------------------------- */

static void test_report_outcomes_follow_the_result_and_the_attempt_limit(void **state)
{
    (void)state;
    assert_int_equal(stats_outcome(1, true, false, 1, 3), STATS_DONE);
    assert_int_equal(stats_outcome(1, false, true, 1, 3), STATS_RETRIED);
    assert_int_equal(stats_outcome(1, false, true, 3, 3), STATS_DEAD);
    assert_int_equal(stats_outcome(1, false, false, 1, 3), STATS_FAILED);
    assert_int_equal(stats_outcome(0, true, false, 1, 3), STATS_STALE);
    assert_int_equal(stats_outcome(-1, true, false, 1, 3), STATS_NONE);
    assert_string_equal(stats_outcome_name(STATS_DEAD), "dead");
    assert_string_equal(stats_outcome_name(STATS_NONE), "?");
}

/* "w1/1/ab" in hex, as the broker keys a worker whose identity it is. */
#define KEY_W1 "77312F312F6162"
#define KEY_W2 "77322F322F6364"

/* Two workers (fetch, snippet) with some reports; Redis figures in st. */
static stats_t *s_busy_stats(store_stats_t *st)
{
    stats_t *s = stats_new(T0);
    stats_worker_host(s, KEY_W1, "alpha");
    stats_worker_host(s, KEY_W2, "beta");
    for (int i = 0; i < 4; i++)
        stats_dispatched(s, JOB_STAGE_FETCH);
    stats_submitted(s, 4);
    stats_report(s, KEY_W1, JOB_STAGE_FETCH, STATS_DONE, 10);
    stats_report(s, KEY_W1, JOB_STAGE_FETCH, STATS_DONE, 30);
    stats_report(s, KEY_W1, JOB_STAGE_FETCH, STATS_RETRIED, 5);
    stats_report(s, KEY_W1, JOB_STAGE_FETCH, STATS_STALE, -1);
    stats_report(s, KEY_W2, JOB_STAGE_SNIPPET, STATS_DONE, -1); /* an old worker: no ms */
    stats_report(s, NULL, JOB_STAGE_SNIPPET, STATS_FAILED, 3);
    stats_report(s, KEY_W2, JOB_STAGE_SNIPPET, STATS_NONE, 3);
    stats_worker_seen(s, KEY_W1, JOB_STAGE_FETCH, 61, 3);
    stats_worker_seen(s, KEY_W2, JOB_STAGE_SNIPPET, 0, 2);
    *st = (store_stats_t){.queued = {5, 1, 0, 0}, .in_flight = 5, .dead = 1, .jobs = 9};
    return s;
}

static void test_a_snapshot_holds_stage_counters_gauges_and_workers(void **state)
{
    (void)state;
    store_stats_t st;
    stats_t *s = s_busy_stats(&st);
    stats_snapshot_t snap;
    stats_snapshot(s, &st, 7, T0 + 1000, &snap);
    const stats_stage_t *f = &snap.stages[JOB_STAGE_FETCH];
    assert_int_equal(f->queued, 5);
    assert_int_equal(f->in_flight, 3);
    assert_int_equal(f->workers, 1);
    assert_int_equal(f->credits, 61);
    assert_int_equal(f->dispatched, 4);
    assert_int_equal(f->outcomes[STATS_DONE], 2);
    assert_int_equal(f->outcomes[STATS_RETRIED], 1);
    assert_int_equal(f->outcomes[STATS_STALE], 1);
    assert_int_equal(f->hist.n, 2);
    const stats_stage_t *sn = &snap.stages[JOB_STAGE_SNIPPET];
    assert_int_equal(sn->outcomes[STATS_DONE], 1);
    assert_int_equal(sn->outcomes[STATS_FAILED], 1);
    assert_int_equal(sn->hist.n, 0); /* no ms given */
    assert_int_equal(snap.n_workers, 2);
    assert_string_equal(snap.workers[0].name, "w1/1/ab");
    assert_string_equal(snap.workers[0].host, "alpha");
    assert_int_equal(snap.workers[0].done, 2);
    assert_int_equal(snap.workers[0].failed, 1);
    assert_true(fabs(snap.workers[0].mean_ms - 20) < 1e-9);
    assert_string_equal(snap.workers[1].key, KEY_W2);
    assert_int_equal(snap.workers[1].stage, JOB_STAGE_SNIPPET);
    assert_int_equal(snap.submitted, 4);
    assert_int_equal(snap.bad_frames, 7);
    assert_int_equal(snap.leases, 5);
    assert_int_equal(snap.uptime_ms, 1000);
    assert_true(snap.redis_ok);
    stats_snapshot_clear(&snap);
    stats_destroy(&s);
    assert_null(s);
}

static void test_workers_not_seen_since_the_last_snapshot_are_forgotten(void **state)
{
    (void)state;
    store_stats_t st;
    stats_t *s = s_busy_stats(&st);
    stats_snapshot_t snap;
    stats_snapshot(s, &st, 0, T0 + 1000, &snap);
    assert_int_equal(snap.n_workers, 2);
    stats_snapshot_clear(&snap);
    stats_worker_seen(s, KEY_W2, JOB_STAGE_SNIPPET, 1, 1); /* w1 was dropped */
    stats_snapshot(s, &st, 0, T0 + 2000, &snap);
    assert_int_equal(snap.n_workers, 1);
    assert_string_equal(snap.workers[0].key, KEY_W2);
    assert_int_equal(snap.stages[JOB_STAGE_FETCH].workers, 0);
    assert_int_equal(snap.stages[JOB_STAGE_FETCH].in_flight, 0);
    stats_snapshot_clear(&snap);
    /* Its reports still count for the stage; a worker of that key is new. */
    stats_report(s, KEY_W1, JOB_STAGE_FETCH, STATS_DONE, 1);
    stats_worker_seen(s, KEY_W1, JOB_STAGE_FETCH, 1, 0);
    stats_snapshot(s, &st, 0, T0 + 3000, &snap);
    assert_int_equal(snap.stages[JOB_STAGE_FETCH].outcomes[STATS_DONE], 3);
    assert_int_equal(snap.workers[0].done, 0);
    stats_snapshot_clear(&snap);
    stats_destroy(&s);
}

static void test_rates_are_counts_per_second_over_the_window(void **state)
{
    (void)state;
    stats_t *s = stats_new(T0);
    stats_snapshot_t snap;
    stats_snapshot(s, NULL, 0, T0, &snap);
    assert_true(snap.stages[0].done_per_s == 0);
    stats_snapshot_clear(&snap);
    for (int i = 0; i < 20; i++)
        stats_report(s, NULL, JOB_STAGE_FETCH, STATS_DONE, 1);
    stats_report(s, NULL, JOB_STAGE_FETCH, STATS_DEAD, 1);
    stats_report(s, NULL, JOB_STAGE_FETCH, STATS_FAILED, 1);
    stats_snapshot(s, NULL, 0, T0 + 2000, &snap);
    assert_true(fabs(snap.stages[0].done_per_s - 10) < 1e-9);
    assert_true(fabs(snap.stages[0].failed_per_s - 1) < 1e-9);
    stats_snapshot_clear(&snap);
    /* Quiet seconds bring the rate down as the window slides. */
    for (int t = 3; t <= 12; t++) {
        stats_snapshot(s, NULL, 0, T0 + t * 1000, &snap);
        stats_snapshot_clear(&snap);
    }
    stats_snapshot(s, NULL, 0, T0 + 13000, &snap);
    assert_true(snap.stages[0].done_per_s == 0);
    stats_snapshot_clear(&snap);
    stats_destroy(&s);
}

static void test_redis_figures_stay_the_last_known_while_redis_is_away(void **state)
{
    (void)state;
    stats_t *s = stats_new(T0);
    stats_snapshot_t snap;
    stats_snapshot(s, NULL, 0, T0, &snap);
    assert_false(snap.redis_ok);
    assert_int_equal(snap.stages[0].queued, -1); /* never read */
    stats_snapshot_clear(&snap);
    store_stats_t st = {.queued = {3, 0, 0, 0}, .dead = 2};
    stats_snapshot(s, &st, 0, T0 + 1000, &snap);
    assert_true(snap.redis_ok);
    stats_snapshot_clear(&snap);
    stats_snapshot(s, NULL, 0, T0 + 2000, &snap);
    assert_false(snap.redis_ok);
    assert_int_equal(snap.stages[0].queued, 3);
    assert_int_equal(snap.dead, 2);
    stats_snapshot_clear(&snap);
    stats_destroy(&s);
}

static void test_a_worker_key_that_is_not_printable_text_keeps_its_hex_name(void **state)
{
    (void)state;
    stats_t *s = stats_new(T0);
    stats_worker_seen(s, "00A1FF", JOB_STAGE_FANOUT, 1, 0);
    stats_snapshot_t snap;
    stats_snapshot(s, NULL, 0, T0, &snap);
    assert_int_equal(snap.n_workers, 1);
    assert_string_equal(snap.workers[0].name, "00A1FF");
    assert_string_equal(snap.workers[0].host, "");
    stats_snapshot_clear(&snap);
    stats_destroy(&s);
    stats_destroy(&s); /* safe on NULL */
}

/* --- JSON ------------------------------------------------------------------------ */

static void s_busy_snapshot(stats_snapshot_t *snap)
{
    store_stats_t st;
    stats_t *s = s_busy_stats(&st);
    stats_snapshot(s, &st, 2, T0 + 1000, snap);
    stats_destroy(&s);
}

static void test_the_json_snapshot_has_totals_stages_and_workers(void **state)
{
    (void)state;
    stats_snapshot_t snap;
    s_busy_snapshot(&snap);
    char *text = stats_snapshot_json(&snap);
    assert_null(strchr(text, '\n')); /* one line */
    json_error_t jerr;
    json_t *root = json_loads(text, 0, &jerr);
    assert_non_null(root);
    assert_int_equal(json_integer_value(json_object_get(root, "v")), 1);
    assert_true(json_is_true(json_object_get(root, "redis_ok")));
    json_t *totals = json_object_get(root, "totals");
    assert_int_equal(json_integer_value(json_object_get(totals, "bad_frames")), 2);
    assert_int_equal(json_integer_value(json_object_get(totals, "submitted")), 4);
    json_t *fetch = json_object_get(json_object_get(root, "stages"), "fetch");
    assert_int_equal(json_integer_value(json_object_get(fetch, "done")), 2);
    assert_int_equal(json_integer_value(json_object_get(fetch, "retried")), 1);
    assert_int_equal(json_integer_value(json_object_get(fetch, "queued")), 5);
    assert_int_equal(json_integer_value(json_object_get(fetch, "in_flight")), 3);
    assert_true(json_real_value(json_object_get(fetch, "p99_ms")) > 10);
    assert_non_null(json_object_get(json_object_get(root, "stages"), "fanout"));
    json_t *workers = json_object_get(root, "workers");
    assert_int_equal(json_array_size(workers), 2);
    json_t *w = json_array_get(workers, 0);
    assert_string_equal(json_string_value(json_object_get(w, "id")), "w1/1/ab");
    assert_string_equal(json_string_value(json_object_get(w, "host")), "alpha");
    assert_string_equal(json_string_value(json_object_get(w, "stage")), "fetch");
    assert_int_equal(json_integer_value(json_object_get(w, "held")), 3);
    assert_true(fabs(json_real_value(json_object_get(w, "load")) - 3.0 / 64) < 1e-3);
    json_decref(root);
    free(text);
    stats_snapshot_clear(&snap);
}

/* --- Prometheus text ---------------------------------------------------------------- */

/* Every line is a comment (# HELP / # TYPE) or "name[{labels}] value", and
 * every sample's family was declared by a # TYPE line before it. */
static void s_check_exposition(const char *text)
{
    char *copy = strdup(text);
    char typed[64][64];
    int n_typed = 0;
    assert_true(strlen(text) > 0 && text[strlen(text) - 1] == '\n');
    for (char *line = strtok(copy, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, "# TYPE ", 7) == 0) {
            assert_true(n_typed < 64);
            assert_int_equal(sscanf(line + 7, "%63s", typed[n_typed]), 1);
            n_typed++;
            continue;
        }
        if (strncmp(line, "# HELP ", 7) == 0)
            continue;
        char name[128];
        assert_int_equal(sscanf(line, "%127[a-z_]", name), 1);
        const char *sp = strrchr(line, ' ');
        assert_non_null(sp);
        char *end = NULL;
        strtod(sp + 1, &end);
        assert_true(end && *end == '\0');
        bool declared = false;
        for (int i = 0; i < n_typed; i++)
            declared = declared || strncmp(name, typed[i], strlen(typed[i])) == 0;
        assert_true(declared);
    }
    free(copy);
}

static void test_the_prometheus_text_has_counters_histograms_and_gauges(void **state)
{
    (void)state;
    stats_snapshot_t snap;
    s_busy_snapshot(&snap);
    char *text = metrics_render(&snap);
    s_check_exposition(text);
    assert_non_null(strstr(text, "# TYPE lode_jobs_total counter\n"));
    assert_non_null(strstr(text, "# TYPE lode_stage_duration_seconds histogram\n"));
    assert_true(scrape_sample(text, "lode_jobs_total{stage=\"fetch\",outcome=\"done\"}") == 2);
    assert_true(scrape_sample(text, "lode_jobs_total{stage=\"fetch\",outcome=\"retried\"}") == 1);
    assert_true(scrape_sample(text, "lode_jobs_total{stage=\"snippet\",outcome=\"failed\"}") == 1);
    assert_true(scrape_sample(text, "lode_jobs_total{stage=\"fanout\",outcome=\"stale\"}") == 0);
    assert_true(scrape_sample(text, "lode_queue_depth{stage=\"fetch\"}") == 5);
    assert_true(scrape_sample(text, "lode_in_flight{stage=\"snippet\"}") == 2);
    assert_true(scrape_sample(text, "lode_workers{stage=\"fetch\"}") == 1);
    assert_true(scrape_sample(text, "lode_bad_frames_total") == 2);
    assert_true(scrape_sample(text, "lode_redis_up") == 1);
    assert_true(scrape_sample(
                    text, "lode_stage_duration_seconds_bucket{stage=\"fetch\",le=\"0.01\"}") == 1);
    assert_true(scrape_sample(
                    text, "lode_stage_duration_seconds_bucket{stage=\"fetch\",le=\"0.025\"}") == 1);
    assert_true(scrape_sample(
                    text, "lode_stage_duration_seconds_bucket{stage=\"fetch\",le=\"0.05\"}") == 2);
    assert_true(scrape_sample(
                    text, "lode_stage_duration_seconds_bucket{stage=\"fetch\",le=\"+Inf\"}") == 2);
    assert_true(scrape_sample(text, "lode_stage_duration_seconds_count{stage=\"fetch\"}") == 2);
    assert_true(fabs(scrape_sample(text, "lode_stage_duration_seconds_sum{stage=\"fetch\"}") -
                     0.04) < 1e-9);
    free(text);
    stats_snapshot_clear(&snap);
}

static void test_histogram_buckets_are_cumulative_and_end_at_the_count(void **state)
{
    (void)state;
    stats_snapshot_t snap = {0};
    for (int i = 0; i < 1000; i++)
        stats_hist_observe(&snap.stages[JOB_STAGE_SYNTHESIS].hist, (i * 7919) % 700000);
    char *text = metrics_render(&snap);
    double prev = 0;
    char series[128];
    for (int i = 0; i < STATS_HIST_BOUNDS; i++) {
        snprintf(series, sizeof series,
                 "lode_stage_duration_seconds_bucket{stage=\"synthesis\",le=\"%g\"}",
                 stats_hist_bounds_ms[i] / 1000.0);
        double v = scrape_sample(text, series);
        assert_false(isnan(v));
        assert_true(v >= prev);
        prev = v;
    }
    double inf =
        scrape_sample(text, "lode_stage_duration_seconds_bucket{stage=\"synthesis\",le=\"+Inf\"}");
    assert_true(inf == 1000 && inf >= prev);
    assert_true(scrape_sample(text, "lode_queue_depth{stage=\"synthesis\"}") == 0); /* unknown: 0 */
    free(text);
}

/* --- /metrics over HTTP --------------------------------------------------------------- */

static void test_metrics_serves_the_latest_snapshot_over_http(void **state)
{
    (void)state;
    err_t err = {0};
    metrics_t *m = metrics_new("127.0.0.1:0", &err);
    assert_non_null(m);
    int port = metrics_port(m);
    assert_true(port > 0);
    char url[64], ctype[128], *body = NULL;
    snprintf(url, sizeof url, "http://127.0.0.1:%d/metrics", port);
    assert_int_equal(scrape_get(url, &body, ctype, sizeof ctype), 200); /* before any snapshot */
    assert_string_equal(body, "");
    free(body);
    stats_snapshot_t snap;
    s_busy_snapshot(&snap);
    metrics_publish(m, &snap);
    metrics_publish(m, &snap); /* the old text is freed */
    assert_int_equal(scrape_get(url, &body, ctype, sizeof ctype), 200);
    assert_string_equal(ctype, METRICS_CONTENT_TYPE);
    s_check_exposition(body);
    assert_true(scrape_sample(body, "lode_jobs_total{stage=\"fetch\",outcome=\"done\"}") == 2);
    free(body);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/nope", port);
    assert_int_equal(scrape_get(url, &body, ctype, sizeof ctype), 404);
    free(body);
    stats_snapshot_clear(&snap);
    metrics_destroy(&m);
    assert_null(m);
    metrics_destroy(&m);
}

static void test_metrics_refuses_a_bad_address(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "9464", "127.0.0.1:", ":9464", "127.0.0.1:99999", "127.0.0.1:12x", "example.com:9464"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err_t err = {0};
        assert_null(metrics_new(bad[i], &err));
        assert_int_equal(err.code, LODE_EINVAL);
    }
}

static void test_metrics_fails_when_the_port_is_taken(void **state)
{
    (void)state;
    err_t err = {0};
    metrics_t *a = metrics_new("127.0.0.1:0", &err);
    assert_non_null(a);
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", metrics_port(a));
    assert_null(metrics_new(addr, &err));
    assert_int_equal(err.code, LODE_EIO);
    metrics_destroy(&a);
}

/* --- PUB ---------------------------------------------------------------------------------- */

static void test_a_snapshot_published_arrives_as_topic_and_json(void **state)
{
    (void)state;
    err_t err = {0};
    curve_opts_t plain = {0};
    zsock_t *pub = stats_pub_new("inproc://test-stats", &plain, &err);
    assert_non_null(pub);
    zsock_t *sub = zsock_new_sub("inproc://test-stats", STATS_TOPIC);
    assert_non_null(sub);
    stats_snapshot_t snap;
    s_busy_snapshot(&snap);
    zmsg_t *msg = NULL;
    /* A subscription takes a moment to reach the publisher: retry, bounded. */
    for (int i = 0; i < 100 && !msg; i++) {
        assert_int_equal(stats_publish(pub, &snap, &err), 0);
        zsock_set_rcvtimeo(sub, 50);
        msg = zmsg_recv(sub);
    }
    assert_non_null(msg);
    assert_int_equal(zmsg_size(msg), 2);
    char *topic = zmsg_popstr(msg), *json = zmsg_popstr(msg);
    assert_string_equal(topic, STATS_TOPIC);
    json_t *root = json_loads(json, 0, NULL);
    assert_non_null(root);
    assert_int_equal(json_array_size(json_object_get(root, "workers")), 2);
    json_decref(root);
    free(topic);
    free(json);
    zmsg_destroy(&msg);
    zsock_destroy(&sub);
    zsock_destroy(&pub);
    stats_snapshot_clear(&snap);
}

static void test_the_pub_socket_refuses_a_bad_endpoint_or_certificate(void **state)
{
    (void)state;
    err_t err = {0};
    curve_opts_t plain = {0};
    assert_null(stats_pub_new("nonsense://x", &plain, &err));
    assert_int_equal(err.code, LODE_EIO);
    err_t err2 = {0};
    curve_opts_t curve = {.cert = "/nonexistent/broker_secret", .allow_dir = "/nonexistent"};
    assert_null(stats_pub_new("inproc://test-stats-curve", &curve, &err2));
    assert_int_equal(err2.code, LODE_EINVAL);
}

/* --- the wire fields stats relies on (proto.h) ------------------------------------------ */

static void s_roundtrip(const proto_msg_t *in, proto_msg_t *out)
{
    char *data = NULL;
    size_t len = 0;
    err_t err = {0};
    assert_int_equal(proto_encode(in, &data, &len, &err), 0);
    assert_int_equal(proto_decode(data, len, out, &err), 0);
    free(data);
}

static void test_ready_carries_the_host_and_reports_carry_the_stage_time(void **state)
{
    (void)state;
    proto_msg_t ready = {.type = PROTO_READY, .credits = 4, .stage = "fetch", .host = "box-1"};
    proto_msg_t done = {.type = PROTO_DONE, .job_id = "J", .attempt = 1, .has_ms = true, .ms = 42};
    proto_msg_t fail = {.type = PROTO_FAIL, .job_id = "J", .attempt = 2, .has_ms = true, .ms = 0};
    proto_msg_t out;
    s_roundtrip(&ready, &out);
    assert_string_equal(out.host, "box-1");
    proto_msg_clear(&out);
    s_roundtrip(&done, &out);
    assert_true(out.has_ms);
    assert_int_equal(out.ms, 42);
    proto_msg_clear(&out);
    s_roundtrip(&fail, &out);
    assert_true(out.has_ms);
    assert_int_equal(out.ms, 0);
    assert_int_equal(out.attempt, 2);
    proto_msg_clear(&out);
}

static void test_frames_without_host_or_ms_still_decode(void **state)
{
    (void)state;
    proto_msg_t ready = {.type = PROTO_READY, .credits = 1, .stage = "fanout"};
    proto_msg_t done = {.type = PROTO_DONE, .job_id = "J", .attempt = 1};
    proto_msg_t out;
    s_roundtrip(&ready, &out);
    assert_string_equal(out.host, "");
    proto_msg_clear(&out);
    s_roundtrip(&done, &out);
    assert_false(out.has_ms);
    proto_msg_clear(&out);
}

static void test_a_host_or_ms_of_the_wrong_type_is_a_protocol_error(void **state)
{
    (void)state;
    /* [1, READY, {stage: "fetch", credits: 1, host: 7}] and
     * [1, DONE, {job: "J", attempt: 1, ms: "x"}] */
    static const char ready[] = "\x93\x01\x01\x83\xa5"
                                "stage\xa5"
                                "fetch\xa7"
                                "credits\x01\xa4"
                                "host\x07";
    static const char done[] = "\x93\x01\x02\x83\xa3"
                               "job\xa1"
                               "J\xa7"
                               "attempt\x01\xa2"
                               "ms\xa1"
                               "x";
    proto_msg_t out;
    err_t err = {0};
    assert_int_equal(proto_decode(ready, sizeof ready - 1, &out, &err), -1);
    assert_int_equal(err.code, LODE_EPROTO);
    err_t err2 = {0};
    assert_int_equal(proto_decode(done, sizeof done - 1, &out, &err2), -1);
    assert_int_equal(err2.code, LODE_EPROTO);
}

/* --- lode top's view ------------------------------------------------------------------------ */

static void test_top_shows_stages_and_workers_of_a_snapshot(void **state)
{
    (void)state;
    stats_snapshot_t snap;
    s_busy_snapshot(&snap);
    char *json = stats_snapshot_json(&snap);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    top_fmt_t fmt = {.endpoint = "tcp://127.0.0.1:5556", .max_workers = 1, .stale_s = 5};
    err_t err = {0};
    assert_int_equal(top_format(f, json, &fmt, &err), 0);
    fclose(f);
    assert_non_null(strstr(text, "tcp://127.0.0.1:5556"));
    assert_non_null(strstr(text, "no snapshot for 5 s"));
    assert_non_null(strstr(text, "STAGE"));
    assert_non_null(strstr(text, "\nfetch "));
    assert_non_null(strstr(text, "\nfanout "));
    assert_non_null(strstr(text, "w1/1/ab"));
    assert_non_null(strstr(text, "alpha"));
    assert_non_null(strstr(text, "3/64"));
    assert_null(strstr(text, "w2/2/cd")); /* max_workers 1 */
    assert_non_null(strstr(text, "and 1 more"));
    free(text);
    free(json);
    stats_snapshot_clear(&snap);
}

static void test_top_refuses_what_is_not_a_snapshot(void **state)
{
    (void)state;
    static const char *const bad[] = {"", "{", "[1,2]", "{\"v\":1}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err_t err = {0};
        top_fmt_t fmt = {0};
        FILE *f = fopen("/dev/null", "w");
        assert_int_equal(top_format(f, bad[i], &fmt, &err), -1);
        assert_int_equal(err.code, LODE_EPROTO);
        fclose(f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quantiles_of_1_to_100_ms_are_interpolated_within_buckets),
        cmocka_unit_test(test_an_empty_histogram_has_zero_quantiles_and_mean),
        cmocka_unit_test(test_a_value_on_a_bound_falls_in_that_bucket),
        cmocka_unit_test(test_quantiles_stay_between_the_smallest_and_largest_observation),
        cmocka_unit_test(test_values_over_the_top_bound_report_the_largest),
        cmocka_unit_test(test_negative_and_nan_durations_count_as_zero),
        cmocka_unit_test(test_report_outcomes_follow_the_result_and_the_attempt_limit),
        cmocka_unit_test(test_a_snapshot_holds_stage_counters_gauges_and_workers),
        cmocka_unit_test(test_workers_not_seen_since_the_last_snapshot_are_forgotten),
        cmocka_unit_test(test_rates_are_counts_per_second_over_the_window),
        cmocka_unit_test(test_redis_figures_stay_the_last_known_while_redis_is_away),
        cmocka_unit_test(test_a_worker_key_that_is_not_printable_text_keeps_its_hex_name),
        cmocka_unit_test(test_the_json_snapshot_has_totals_stages_and_workers),
        cmocka_unit_test(test_the_prometheus_text_has_counters_histograms_and_gauges),
        cmocka_unit_test(test_histogram_buckets_are_cumulative_and_end_at_the_count),
        cmocka_unit_test(test_metrics_serves_the_latest_snapshot_over_http),
        cmocka_unit_test(test_metrics_refuses_a_bad_address),
        cmocka_unit_test(test_metrics_fails_when_the_port_is_taken),
        cmocka_unit_test(test_a_snapshot_published_arrives_as_topic_and_json),
        cmocka_unit_test(test_the_pub_socket_refuses_a_bad_endpoint_or_certificate),
        cmocka_unit_test(test_ready_carries_the_host_and_reports_carry_the_stage_time),
        cmocka_unit_test(test_frames_without_host_or_ms_still_decode),
        cmocka_unit_test(test_a_host_or_ms_of_the_wrong_type_is_a_protocol_error),
        cmocka_unit_test(test_top_shows_stages_and_workers_of_a_snapshot),
        cmocka_unit_test(test_top_refuses_what_is_not_a_snapshot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
