/*  test_metrics.c - what /metrics adds for operators (metrics.h): build
 *  info, the process_* series, per-worker series with bounded labels, the
 *  renamed free-credits gauge, a start time instead of an uptime, /healthz
 *  and /readyz; and the Grafana dashboard in deploy/grafana/lode.json loads,
 *  has the fields Grafana needs, and asks only for series the broker serves.
 *  SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <math.h>

#include <jansson.h>

#include "mem.h"
#include "metrics.h"
#include "scrape.h"
#include "test.h"

#define N_WORKERS (METRICS_WORKERS_MAX + 6)

static int s_lines(const char *text, const char *prefix)
{
    int n = 0;
    size_t len = strlen(prefix);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        n += strncmp(p, prefix, len) == 0;
    return n;
}

/* A snapshot with N_WORKERS fetch workers, each holding 1 and done 2. */
static void s_snapshot(stats_snapshot_t *snap)
{
    memset(snap, 0, sizeof *snap);
    snap->time_ms = 1795359845000LL;
    snap->uptime_ms = 5000;
    snap->redis_ok = true;
    snap->workers = mem_calloc(N_WORKERS, sizeof *snap->workers);
    snap->n_workers = N_WORKERS;
    for (int i = 0; i < N_WORKERS; i++) {
        stats_worker_t *w = &snap->workers[i];
        snprintf(w->name, sizeof w->name, "vm/%d/\"q\"", 1000 + i); /* a quote to escape */
        w->stage = JOB_STAGE_FETCH;
        w->held = 1;
        w->done = 2;
    }
    snap->stages[JOB_STAGE_FETCH].credits = 7;
}

static void test_build_info_process_series_and_a_start_time(void **state)
{
    (void)state;
    stats_snapshot_t snap;
    s_snapshot(&snap);
    char *text = metrics_render(&snap);
    assert_true(scrape_sample(text, "lode_build_info{version=\"0.1.0\",program=\"lode-broker\"}") ==
                1);
    assert_true(scrape_sample(text, "lode_start_time_seconds") == 1795359840.0);
    assert_true(scrape_sample(text, "process_start_time_seconds") == 1795359840.0);
    assert_null(strstr(text, "lode_uptime_seconds"));
    assert_true(scrape_sample(text, "process_resident_memory_bytes") > 1e5);
    assert_true(scrape_sample(text, "process_open_fds") >= 3); /* stdin, stdout, stderr at least */
    assert_true(scrape_sample(text, "process_max_fds") >= scrape_sample(text, "process_open_fds"));
    assert_true(scrape_sample(text, "process_cpu_seconds_total") >= 0);
    assert_non_null(strstr(text, "# TYPE process_cpu_seconds_total counter\n"));
    /* Free credits, named so. */
    assert_true(scrape_sample(text, "lode_worker_free_credits{stage=\"fetch\"}") == 7);
    assert_null(strstr(text, "lode_worker_credits{"));
    free(text);
    stats_snapshot_clear(&snap);
}

static void test_per_worker_series_are_bounded(void **state)
{
    (void)state;
    stats_snapshot_t snap;
    s_snapshot(&snap);
    char *text = metrics_render(&snap);
    assert_int_equal(s_lines(text, "lode_worker_jobs_held{"), METRICS_WORKERS_MAX + 1);
    assert_true(
        scrape_sample(text,
                      "lode_worker_jobs_held{stage=\"fetch\",worker=\"vm/1000/\\\"q\\\"\"}") == 1);
    assert_true(scrape_sample(text, "lode_worker_jobs_held{stage=\"fetch\",worker=\"_other\"}") ==
                N_WORKERS - METRICS_WORKERS_MAX);
    assert_true(
        scrape_sample(text, "lode_worker_jobs_done_total{stage=\"fetch\",worker=\"_other\"}") ==
        2 * (N_WORKERS - METRICS_WORKERS_MAX));
    free(text);
    stats_snapshot_clear(&snap);
}

static long s_get(int port, const char *path, char **body)
{
    char url[96];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    return scrape_get(url, body, NULL, 0);
}

static void test_healthz_and_readyz(void **state)
{
    (void)state;
    err_t err = {0};
    metrics_t *m = metrics_new("127.0.0.1:0", &err);
    assert_non_null(m);
    int port = metrics_port(m);
    char *body = NULL;
    assert_int_equal(s_get(port, "/healthz", &body), 200);
    free(body);
    assert_int_equal(s_get(port, "/readyz", &body), 503); /* nothing published yet */
    assert_non_null(strstr(body, "starting"));
    free(body);
    stats_snapshot_t snap;
    s_snapshot(&snap);
    metrics_publish(m, &snap);
    assert_int_equal(s_get(port, "/readyz", &body), 200);
    free(body);
    snap.redis_ok = false;
    metrics_publish(m, &snap);
    assert_int_equal(s_get(port, "/readyz", &body), 503);
    assert_non_null(strstr(body, "redis"));
    free(body);
    assert_int_equal(s_get(port, "/healthz", &body), 200); /* alive all the same */
    free(body);
    stats_snapshot_clear(&snap);
    metrics_destroy(&m);
}

/* Every "lode_…" or "process_…" name in expr is a family the broker serves. */
static void s_check_expr(const char *expr, const char *served)
{
    for (const char *p = expr; *p; p++) {
        if ((strncmp(p, "lode_", 5) != 0 && strncmp(p, "process_", 8) != 0) ||
            (p > expr && (p[-1] == '_' || isalnum((unsigned char)p[-1]))))
            continue;
        size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyz_0123456789");
        char name[96];
        snprintf(name, sizeof name, "\n%.*s", (int)n, p);
        char braced[100], spaced[100];
        snprintf(braced, sizeof braced, "%s{", name);
        snprintf(spaced, sizeof spaced, "%s ", name);
        if (!strstr(served, braced) && !strstr(served, spaced))
            fail_msg("the dashboard asks for %s, which /metrics does not serve", name + 1);
        p += n - 1;
    }
}

static void test_the_grafana_dashboard_loads_and_asks_for_served_series(void **state)
{
    (void)state;
    json_error_t jerr;
    json_t *d = json_load_file("deploy/grafana/lode.json", 0, &jerr);
    if (!d)
        fail_msg("deploy/grafana/lode.json: %s (line %d)", jerr.text, jerr.line);
    assert_true(json_is_string(json_object_get(d, "title")));
    assert_true(json_is_string(json_object_get(d, "uid")));
    assert_true(json_is_integer(json_object_get(d, "schemaVersion")));
    assert_true(json_is_object(json_object_get(d, "time")));
    json_t *panels = json_object_get(d, "panels");
    assert_true(json_array_size(panels) >= 4);
    stats_snapshot_t snap;
    s_snapshot(&snap);
    char *text = metrics_render(&snap);
    char *served = mem_printf("\n%s", text);
    const char *need[] = {"lode_jobs_total", "lode_queue_depth",
                          "lode_stage_duration_seconds_bucket", "lode_workers"};
    bool seen[4] = {false};
    size_t i;
    json_t *p;
    json_array_foreach(panels, i, p)
    {
        assert_true(json_is_string(json_object_get(p, "type")));
        assert_true(json_is_string(json_object_get(p, "title")));
        assert_true(json_is_object(json_object_get(p, "gridPos")));
        json_t *targets = json_object_get(p, "targets");
        assert_true(json_array_size(targets) >= 1);
        size_t k;
        json_t *t;
        json_array_foreach(targets, k, t)
        {
            const char *expr = json_string_value(json_object_get(t, "expr"));
            assert_non_null(expr);
            s_check_expr(expr, served);
            for (int n = 0; n < 4; n++)
                seen[n] = seen[n] || strstr(expr, need[n]);
        }
    }
    for (int n = 0; n < 4; n++)
        if (!seen[n])
            fail_msg("no panel shows %s", need[n]);
    free(served);
    free(text);
    stats_snapshot_clear(&snap);
    json_decref(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_info_process_series_and_a_start_time),
        cmocka_unit_test(test_per_worker_series_are_bounded),
        cmocka_unit_test(test_healthz_and_readyz),
        cmocka_unit_test(test_the_grafana_dashboard_loads_and_asks_for_served_series),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
