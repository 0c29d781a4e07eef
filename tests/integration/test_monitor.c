/*  test_monitor.c - cluster monitoring end to end: jobs run through a real
 *  cluster, then /metrics (fetched with curl) and `lode top --once --json`
 *  must show exactly those jobs, the workers and their stage times; a broker
 *  with CURVE publishes its stats only to allowed keys. Every wait is bounded.
 *  SPDX-License-Identifier: MIT
 */
// clang-format off
#include "test.h"
// clang-format on

#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <czmq.h>
#include <jansson.h>

#include "cluster.h"
#include "fixture.h"
#include "mem.h"
#include "scrape.h"

#define JOB_LIMIT_MS     60000 /* one small source through four stages */
#define METRICS_LIMIT_MS 10000 /* a snapshot comes once a second */
#define DELAY_MS         30    /* workers' --delay-ms: every stage takes at least this */
#define N_JOBS           3

static const char *const s_stages[] = {"fetch", "snippet", "synthesis", "fanout"};

typedef struct {
    cluster_t *c;
    char pub[64];     /* tcp://127.0.0.1:PORT of the broker's stats PUB */
    char metrics[64]; /* http://127.0.0.1:PORT/metrics */
    int done_jobs;    /* jobs run to done so far */
} s_fx_t;

static int s_group_setup(void **state)
{
    s_fx_t *fx = calloc(1, sizeof *fx);
    *state = fx;
    int pub_port = cluster_free_port(), http_port = cluster_free_port();
    if (pub_port < 0 || http_port < 0 || pub_port == http_port)
        return -1;
    char pub_ep[64], http_addr[64];
    snprintf(pub_ep, sizeof pub_ep, "tcp://127.0.0.1:%d", pub_port);
    snprintf(http_addr, sizeof http_addr, "127.0.0.1:%d", http_port);
    snprintf(fx->pub, sizeof fx->pub, "%s", pub_ep);
    snprintf(fx->metrics, sizeof fx->metrics, "http://127.0.0.1:%d/metrics", http_port);
    const char *broker_args[] = {"--pub", pub_ep, "--metrics", http_addr, NULL};
    const char *worker_args[] = {"--delay-ms", "30", NULL};
    cluster_opts_t opts = {.broker_args = broker_args, .worker_args = worker_args};
    fx->c = fixture_cluster(&opts);
    return fx->c ? 0 : -1;
}

static int s_group_teardown(void **state)
{
    s_fx_t *fx = *state;
    int reports = fx ? fixture_down(&fx->c) : 0;
    free(fx);
    return reports ? -1 : 0;
}

static int s_setup(void **state)
{
    cluster_mark_begin(((s_fx_t *)*state)->c);
    return 0;
}

static int s_teardown(void **state)
{
    cluster_check(((s_fx_t *)*state)->c);
    return 0;
}

/* --- /metrics ----------------------------------------------------------------- */

/* `curl -s` the metrics page (bounded by --max-time); NULL if it failed. */
static char *s_curl(const char *url)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "curl -s --max-time 5 '%s'", url);
    FILE *p = popen(cmd, "r");
    if (!p)
        return NULL;
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, p)) > 0)
        fwrite(chunk, 1, n, m);
    fclose(m);
    if (pclose(p) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

/* Every line a # HELP / # TYPE comment or "name[{labels}] number" of a
 * lode_ or a standard process_ series; the number of samples. */
static int s_parse_exposition(const char *text)
{
    char *copy = mem_strdup(text);
    int samples = 0;
    for (char *line = strtok(copy, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, "# HELP ", 7) == 0 || strncmp(line, "# TYPE ", 7) == 0)
            continue;
        assert_true(strncmp(line, "lode_", 5) == 0 || strncmp(line, "process_", 8) == 0);
        const char *sp = strrchr(line, ' ');
        assert_non_null(sp);
        char *end = NULL;
        strtod(sp + 1, &end);
        assert_true(end && *end == '\0');
        samples++;
    }
    free(copy);
    return samples;
}

typedef struct {
    const char *url;
    const char *series;
    double want;
    char *text; /* the last page fetched; owned */
} s_metric_wait_t;

static bool s_metric_is(void *arg)
{
    s_metric_wait_t *w = arg;
    free(w->text);
    w->text = s_curl(w->url);
    return w->text && scrape_sample(w->text, w->series) == w->want;
}

/* Poll /metrics until series reads want; the page (caller frees) or NULL. */
static char *s_wait_metric(s_fx_t *fx, const char *series, double want)
{
    s_metric_wait_t w = {fx->metrics, series, want, NULL};
    if (cluster_wait_for(s_metric_is, &w, METRICS_LIMIT_MS))
        return w.text;
    fprintf(stderr, "%s never read %g; last page:\n%s\n", series, want, w.text ? w.text : "");
    free(w.text);
    return NULL;
}

static void s_run_jobs(s_fx_t *fx, int n)
{
    char *prose = cluster_prose(300);
    assert_non_null(prose);
    for (int i = 0; i < n; i++) {
        char *id = cluster_submit_text(fx->c, prose, strlen(prose));
        assert_non_null(id);
        char *st = cluster_wait_job(fx->c, id, JOB_LIMIT_MS);
        assert_non_null(st);
        assert_string_equal(st, "done");
        free(st);
        free(id);
        fx->done_jobs++;
    }
    free(prose);
}

/* The sample of series "NAME{stage=\"STAGE\"REST}": name and rest around the
 * stage label, so no format string is built at run time. */
static double
s_stage_sample(const char *text, const char *name, const char *stage, const char *rest)
{
    char series[200];
    snprintf(series, sizeof series, "%s{stage=\"%s\"%s}", name, stage, rest);
    return scrape_sample(text, series);
}

static void test_metrics_count_exactly_the_jobs_run(void **state)
{
    s_fx_t *fx = *state;
    s_run_jobs(fx, N_JOBS);
    char series[128];
    snprintf(series, sizeof series, "lode_jobs_total{stage=\"fanout\",outcome=\"done\"}");
    char *text = s_wait_metric(fx, series, fx->done_jobs);
    assert_non_null(text);
    assert_true(s_parse_exposition(text) > 50);
    for (int s = 0; s < 4; s++) {
        const char *st = s_stages[s];
        double done = s_stage_sample(text, "lode_jobs_total", st, ",outcome=\"done\"");
        assert_true(done == N_JOBS);
        assert_true(s_stage_sample(text, "lode_jobs_total", st, ",outcome=\"failed\"") == 0);
        assert_true(s_stage_sample(text, "lode_jobs_dispatched_total", st, "") == N_JOBS);
        assert_true(s_stage_sample(text, "lode_stage_duration_seconds_count", st, "") == N_JOBS);
        assert_true(s_stage_sample(text, "lode_stage_duration_seconds_bucket", st,
                                   ",le=\"+Inf\"") == N_JOBS);
        assert_true(s_stage_sample(text, "lode_queue_depth", st, "") == 0);
        assert_true(s_stage_sample(text, "lode_in_flight", st, "") == 0);
        assert_true(s_stage_sample(text, "lode_workers", st, "") == 1);
    }
    assert_true(scrape_sample(text, "lode_jobs_submitted_total") == N_JOBS);
    assert_true(scrape_sample(text, "lode_redis_up") == 1);
    assert_true(scrape_sample(text, "lode_bad_frames_total") == 0);
    free(text);
    cluster_mark_ok(fx->c);
}

static void test_stage_times_are_what_the_workers_measured(void **state)
{
    s_fx_t *fx = *state;
    char *text = s_curl(fx->metrics);
    assert_non_null(text);
    for (int s = 0; s < 4; s++) {
        const char *st = s_stages[s];
        double n = s_stage_sample(text, "lode_stage_duration_seconds_count", st, "");
        double sum = s_stage_sample(text, "lode_stage_duration_seconds_sum", st, "");
        /* --delay-ms 30: no run was faster than 25 ms, and none took minutes. */
        assert_true(n == fx->done_jobs);
        assert_true(
            s_stage_sample(text, "lode_stage_duration_seconds_bucket", st, ",le=\"0.025\"") == 0);
        assert_true(sum >= n * DELAY_MS / 1000.0 && sum < n * 60.0);
    }
    free(text);
    cluster_mark_ok(fx->c);
}

static void test_a_permanent_failure_is_counted_as_failed(void **state)
{
    s_fx_t *fx = *state;
    const char *blank = "   \n\t\n  ";
    char *id = cluster_submit_text(fx->c, blank, strlen(blank));
    assert_non_null(id);
    char *st = cluster_wait_job(fx->c, id, JOB_LIMIT_MS);
    assert_non_null(st);
    assert_string_equal(st, "failed");
    char *text = s_wait_metric(fx, "lode_jobs_total{stage=\"fetch\",outcome=\"failed\"}", 1);
    assert_non_null(text);
    assert_true(scrape_sample(text, "lode_jobs_total{stage=\"fetch\",outcome=\"retried\"}") == 0);
    assert_true(scrape_sample(text, "lode_jobs_total{stage=\"snippet\",outcome=\"done\"}") ==
                fx->done_jobs);
    assert_true(scrape_sample(text, "lode_dead_letters") == 1);
    free(text);
    free(st);
    free(id);
    cluster_mark_ok(fx->c);
}

static void test_a_strangers_garbage_frame_is_counted(void **state)
{
    s_fx_t *fx = *state;
    zsock_t *d = zsock_new_dealer(cluster_broker_endpoint(fx->c));
    assert_non_null(d);
    zstr_send(d, "this is not msgpack");
    char *text = s_wait_metric(fx, "lode_bad_frames_total", 1);
    zsock_destroy(&d);
    assert_non_null(text);
    free(text);
    cluster_mark_ok(fx->c);
}

static void test_metrics_answers_404_elsewhere(void **state)
{
    s_fx_t *fx = *state;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "curl -s -o /dev/null -w '%%{http_code}' --max-time 5 '%.*s/nope'",
             (int)(strlen(fx->metrics) - strlen("/metrics")), fx->metrics);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char code[16] = "";
    assert_non_null(fgets(code, sizeof code, p));
    pclose(p);
    assert_string_equal(code, "404");
    cluster_mark_ok(fx->c);
}

/* --- lode top ----------------------------------------------------------------- */

static void test_top_once_json_shows_the_workers_and_stage_counts(void **state)
{
    s_fx_t *fx = *state;
    char *out = NULL, *errout = NULL;
    int rc = cluster_run_cli(fx->c, NULL, &out, &errout, "top", "--once", "--json", "--pub",
                             fx->pub, NULL);
    if (rc != 0)
        fprintf(stderr, "lode top: exit %d: %s\n", rc, errout);
    assert_int_equal(rc, 0);
    json_error_t jerr;
    json_t *root = json_loads(out, 0, &jerr);
    assert_non_null(root);
    assert_int_equal(json_integer_value(json_object_get(root, "v")), 1);
    json_t *stages = json_object_get(root, "stages");
    for (int s = 0; s < 4; s++) {
        json_t *st = json_object_get(stages, s_stages[s]);
        assert_non_null(st);
        assert_int_equal(json_integer_value(json_object_get(st, "done")), fx->done_jobs);
        assert_int_equal(json_integer_value(json_object_get(st, "workers")), 1);
        assert_int_equal(json_integer_value(json_object_get(st, "queued")), 0);
        assert_true(json_number_value(json_object_get(st, "p50_ms")) >= DELAY_MS);
    }
    json_t *workers = json_object_get(root, "workers");
    assert_int_equal(json_array_size(workers), 4);
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    for (size_t i = 0; i < 4; i++) {
        json_t *w = json_array_get(workers, i);
        assert_string_equal(json_string_value(json_object_get(w, "stage")), s_stages[i]);
        assert_string_equal(json_string_value(json_object_get(w, "host")), host);
        assert_true(json_integer_value(json_object_get(w, "done")) >= fx->done_jobs);
        assert_true(json_number_value(json_object_get(w, "mean_ms")) >= DELAY_MS);
    }
    assert_true(json_is_true(json_object_get(root, "redis_ok")));
    json_decref(root);
    free(out);
    free(errout);
    cluster_mark_ok(fx->c);
}

static void test_top_once_prints_a_table_of_stages_and_workers(void **state)
{
    s_fx_t *fx = *state;
    char *out = NULL, *errout = NULL;
    int rc = cluster_run_cli(fx->c, NULL, &out, &errout, "top", "--once", "--pub", fx->pub, NULL);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "STAGE"));
    assert_non_null(strstr(out, "WORKER"));
    for (int s = 0; s < 4; s++) {
        char row[32];
        snprintf(row, sizeof row, "\n%s ", s_stages[s]);
        assert_non_null(strstr(out, row));
    }
    assert_null(strchr(out, '\033')); /* not a terminal: no escape codes */
    free(out);
    free(errout);
    cluster_mark_ok(fx->c);
}

static void test_top_live_prints_one_block_per_snapshot_and_stops_on_ctrl_c(void **state)
{
    s_fx_t *fx = *state;
    char cmd[512];
    /* SIGINT after 3.5 s, as Ctrl-C would; KILL 2 s later if it ignored it. */
    snprintf(cmd, sizeof cmd,
             "timeout --preserve-status -s INT -k 2 3.5 %s/lode top --pub %s; echo \"rc=$?\"",
             cluster_bin_dir(), fx->pub);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[512];
    int blocks = 0;
    char rc[600] = "";
    while (fgets(line, sizeof line, p)) {
        blocks += strncmp(line, "STAGE", 5) == 0;
        if (strncmp(line, "rc=", 3) == 0)
            snprintf(rc, sizeof rc, "%s", line);
    }
    pclose(p);
    assert_true(blocks >= 2);
    assert_string_equal(rc, "rc=0\n");
    cluster_mark_ok(fx->c);
}

static void test_top_exits_6_when_no_broker_publishes(void **state)
{
    s_fx_t *fx = *state;
    char ep[64];
    snprintf(ep, sizeof ep, "tcp://127.0.0.1:%d", cluster_free_port());
    char *out = NULL, *errout = NULL;
    int64_t t0 = cluster_now_ms();
    int rc = cluster_run_cli(fx->c, NULL, &out, &errout, "--timeout", "1", "top", "--once",
                             "--json", "--pub", ep, NULL);
    assert_int_equal(rc, 6);
    assert_true(cluster_now_ms() - t0 < 10000);
    assert_non_null(strstr(errout, "no stats"));
    assert_string_equal(out, "");
    free(out);
    free(errout);
    cluster_mark_ok(fx->c);
}

static void test_top_refuses_json_without_once(void **state)
{
    s_fx_t *fx = *state;
    char *out = NULL, *errout = NULL;
    int rc = cluster_run_cli(fx->c, NULL, &out, &errout, "top", "--json", NULL);
    assert_int_equal(rc, 2);
    free(out);
    free(errout);
    cluster_mark_ok(fx->c);
}

/* --- CURVE --------------------------------------------------------------------- */

typedef struct {
    char dir[200];
    char broker[300], broker_secret[320], client_secret[320], stranger_secret[320];
    char pub[64];
    cluster_t *c;
} s_curve_fx_t;

static int s_keygen(const char *path)
{
    const char *argv[] = {"keygen", path, NULL};
    int rc = cluster_run_prog("lode", argv, NULL, NULL);
    if (rc != 0)
        fprintf(stderr, "lode keygen %s exited %d\n", path, rc);
    return rc;
}

/* Keys for the broker, a client (allowed) and a stranger (not). */
static int s_make_keys(s_curve_fx_t *fx)
{
    snprintf(fx->dir, sizeof fx->dir, "/tmp/lode-monitor-keys-XXXXXX");
    if (!mkdtemp(fx->dir))
        return -1;
    char allow[240], client[280], stranger[280];
    snprintf(allow, sizeof allow, "%s/allow", fx->dir);
    snprintf(fx->broker, sizeof fx->broker, "%s/broker.cert", fx->dir);
    snprintf(fx->broker_secret, sizeof fx->broker_secret, "%s_secret", fx->broker);
    snprintf(client, sizeof client, "%s/client.cert", allow); /* public half allowed */
    snprintf(fx->client_secret, sizeof fx->client_secret, "%s_secret", client);
    snprintf(stranger, sizeof stranger, "%s/stranger.cert", fx->dir);
    snprintf(fx->stranger_secret, sizeof fx->stranger_secret, "%s_secret", stranger);
    if (mkdir(allow, 0755) != 0 || s_keygen(fx->broker) != 0 || s_keygen(stranger) != 0)
        return -1;
    /* keygen writes NAME and NAME_secret; the allow list skips *_secret. */
    return s_keygen(client);
}

static int s_curve_setup(void **state)
{
    s_curve_fx_t *fx = calloc(1, sizeof *fx);
    *state = fx;
    if (s_make_keys(fx) != 0)
        return -1;
    char allow[300];
    snprintf(allow, sizeof allow, "%s/allow", fx->dir);
    snprintf(fx->pub, sizeof fx->pub, "tcp://127.0.0.1:%d", cluster_free_port());
    const char *broker_args[] = {
        "--curve-cert", fx->broker_secret, "--curve-allow", allow, "--pub", fx->pub, NULL};
    cluster_opts_t opts = {.broker_args = broker_args, .no_workers = true};
    fx->c = fixture_cluster(&opts);
    return fx->c ? 0 : -1;
}

static int s_curve_teardown(void **state)
{
    s_curve_fx_t *fx = *state;
    int reports = fx ? fixture_down(&fx->c) : 0;
    if (fx && fx->dir[0])
        cluster_rmtree(fx->dir);
    free(fx);
    return reports ? -1 : 0;
}

static int s_top_curve(s_curve_fx_t *fx, const char *cert, char **out)
{
    char *errout = NULL;
    int rc;
    if (cert)
        rc = cluster_run_cli(fx->c, NULL, out, &errout, "--timeout", "3", "--curve-cert", cert,
                             "--curve-server", fx->broker, "top", "--once", "--json", "--pub",
                             fx->pub, NULL);
    else
        rc = cluster_run_cli(fx->c, NULL, out, &errout, "--timeout", "3", "top", "--once", "--json",
                             "--pub", fx->pub, NULL);
    free(errout);
    return rc;
}

static void test_a_curve_broker_publishes_stats_only_to_allowed_keys(void **state)
{
    s_curve_fx_t *fx = *state;
    cluster_mark_begin(fx->c);
    char *out = NULL;
    assert_int_equal(s_top_curve(fx, fx->client_secret, &out), 0);
    json_t *root = json_loads(out, 0, NULL);
    assert_non_null(root);
    assert_non_null(json_object_get(root, "stages"));
    json_decref(root);
    free(out);
    out = NULL;
    assert_int_equal(s_top_curve(fx, fx->stranger_secret, &out), 6);
    free(out);
    out = NULL;
    assert_int_equal(s_top_curve(fx, NULL, &out), 6); /* plain text */
    free(out);
    cluster_mark_ok(fx->c);
    cluster_check(fx->c);
}

int main(void)
{
    if (getenv("LODE_TEST_FILTER"))
        cmocka_set_test_filter(getenv("LODE_TEST_FILTER"));
#define T(fn) cmocka_unit_test_setup_teardown(fn, s_setup, s_teardown)
    const struct CMUnitTest monitor[] = {
        T(test_metrics_count_exactly_the_jobs_run),
        T(test_stage_times_are_what_the_workers_measured),
        T(test_top_once_json_shows_the_workers_and_stage_counts),
        T(test_top_once_prints_a_table_of_stages_and_workers),
        T(test_top_live_prints_one_block_per_snapshot_and_stops_on_ctrl_c),
        T(test_a_permanent_failure_is_counted_as_failed),
        T(test_a_strangers_garbage_frame_is_counted),
        T(test_metrics_answers_404_elsewhere),
        T(test_top_exits_6_when_no_broker_publishes),
        T(test_top_refuses_json_without_once),
    };
#undef T
    const struct CMUnitTest curve[] = {
        cmocka_unit_test(test_a_curve_broker_publishes_stats_only_to_allowed_keys),
    };
    int failed = cmocka_run_group_tests_name("monitor", monitor, s_group_setup, s_group_teardown);
    failed += cmocka_run_group_tests_name("curve", curve, s_curve_setup, s_curve_teardown);
    return cluster_main_result(failed);
}
