/*  test_top_parts.c - `lode top` and /metrics on a partitioned store: one
 *  redis-server with 4 partitions, and a real Redis Cluster (3 masters + 3
 *  replicas) with 8. A broker (no workers) publishes its stats; 40 jobs are
 *  submitted, one is failed for good and one put off as a delayed retry
 *  through the store. /metrics (curl) and `lode top --once --json` must
 *  show the sums over every partition, exactly; top's "partitions" array
 *  and the lode_partition_* gauges of /metrics must give each partition's
 *  own figures (counted here from the job ids) and, on the cluster, the
 *  master that serves it; top's text view must sum them per node.
 *  SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cluster.h"
#include "mem.h"
#include "rcl.h"
#include "rcluster.h"
#include "scrape.h"
#include "store.h"
#include "test.h"

/* The body of a 200 answer from url, NULL otherwise (caller frees). */
static char *s_scrape(const char *url)
{
    char *body = NULL;
    if (scrape_get(url, &body, NULL, 0) == 200)
        return body;
    free(body);
    return NULL;
}

#define NJOBS    40
#define LIMIT_MS 15000

typedef struct {
    rcluster_t *rc; /* NULL: a single redis-server */
    cluster_t *c;
    const char *url;
    char pub[64], metrics[96];
    int parts;
    char ids[NJOBS][JOB_ID_SIZE];
    char dead[JOB_ID_SIZE], delayed[JOB_ID_SIZE];
} s_fx_t;

/* Start Redis (or use the cluster), a broker with --pub and --metrics. */
static s_fx_t *s_start(int parts, bool on_cluster)
{
    s_fx_t *fx = mem_calloc(1, sizeof *fx);
    fx->parts = parts;
    char env[16], http[64];
    snprintf(env, sizeof env, "%d", parts);
    setenv("LODE_PARTITIONS", env, 1); /* the broker and the CLI inherit it */
    snprintf(fx->pub, sizeof fx->pub, "tcp://127.0.0.1:%d", cluster_free_port());
    int hp = cluster_free_port();
    snprintf(http, sizeof http, "127.0.0.1:%d", hp);
    snprintf(fx->metrics, sizeof fx->metrics, "http://127.0.0.1:%d/metrics", hp);
    err_t err = {0};
    if (on_cluster && !(fx->rc = rcluster_new(3, 1, &err)))
        fail_msg("rcluster: %s", err.msg);
    const char *bargs[] = {"--pub", fx->pub, "--metrics", http, NULL};
    cluster_opts_t o = {.no_workers = true,
                        .log_level = "info",
                        .broker_args = bargs,
                        .redis_url = fx->rc ? rcluster_url(fx->rc) : NULL};
    fx->c = cluster_new(&o, &err);
    if (!fx->c)
        fail_msg("cluster_new: %s", err.msg);
    fx->url = fx->rc ? rcluster_url(fx->rc) : cluster_redis_url(fx->c);
    return fx;
}

static void s_stop(s_fx_t *fx)
{
    assert_int_equal(cluster_stop(fx->c), 0); /* no sanitizer report in the broker's log */
    cluster_destroy(&fx->c);
    rcluster_destroy(&fx->rc);
    unsetenv("LODE_PARTITIONS");
    free(fx);
}

/* NJOBS jobs; one failed for good, one put off for ten minutes. */
static void s_fill(s_fx_t *fx, store_t *st)
{
    store_item_t items[NJOBS];
    for (int i = 0; i < NJOBS; i++)
        items[i] = (store_item_t){.kind = "text", .body = "some text", .body_len = 9};
    char batch[JOB_ID_SIZE];
    err_t err = {0};
    assert_int_equal(store_submit(st, "top", items, NJOBS, fx->ids, batch, &err), 0);
    uint32_t attempt;
    int64_t far = job_now_ms() + 600000;
    assert_int_equal(store_dispatch(st, JOB_STAGE_FETCH, far, "w", fx->dead, &attempt, &err), 1);
    assert_int_equal(store_fail(st, fx->dead, JOB_STAGE_FETCH, attempt, false, LODE_EEMPTY, "empty",
                                0, "w", &err),
                     1);
    assert_int_equal(store_dispatch(st, JOB_STAGE_FETCH, far, "w", fx->delayed, &attempt, &err), 1);
    assert_int_equal(store_fail(st, fx->delayed, JOB_STAGE_FETCH, attempt, true, LODE_EIO, "later",
                                600000, "w", &err),
                     1);
}

static bool s_metrics_settled(void *arg)
{
    char **page = arg;
    free(*page);
    *page = s_scrape(((const char **)arg)[1]);
    return *page && scrape_sample(*page, "lode_queue_depth{stage=\"fetch\"}") == NJOBS - 2 &&
           scrape_sample(*page, "lode_delayed_jobs") == 1;
}

/* /metrics: the sums over every partition. */
static void s_check_metrics(s_fx_t *fx)
{
    const char *arg[2] = {NULL, fx->metrics};
    bool ok = cluster_wait_for(s_metrics_settled, (void *)arg, LIMIT_MS);
    char *page = (char *)arg[0];
    if (!ok)
        fprintf(stderr, "/metrics never settled; last page:\n%s\n", page ? page : "(none)");
    assert_true(ok);
    assert_true(scrape_sample(page, "lode_queue_depth{stage=\"fetch\"}") == NJOBS - 2);
    assert_true(scrape_sample(page, "lode_queue_depth{stage=\"snippet\"}") == 0);
    assert_true(scrape_sample(page, "lode_dead_letters") == 1);
    assert_true(scrape_sample(page, "lode_delayed_jobs") == 1);
    assert_true(scrape_sample(page, "lode_leases") == 0);
    assert_true(scrape_sample(page, "lode_redis_up") == 1);
    free(page);
}

/* What partition p must hold, counted from the ids. */
static void s_expect(s_fx_t *fx, store_t *st, int p, long long want[4])
{
    memset(want, 0, 4 * sizeof *want); /* jobs queued delayed dead */
    for (int i = 0; i < NJOBS; i++) {
        if (store_job_partition(st, fx->ids[i], NULL) != p)
            continue;
        want[0]++;
        want[1] += strcmp(fx->ids[i], fx->dead) != 0 && strcmp(fx->ids[i], fx->delayed) != 0;
    }
    want[2] = store_job_partition(st, fx->delayed, NULL) == p;
    want[3] = store_job_partition(st, fx->dead, NULL) == p;
}

/* One partition's entry of top's JSON against the ids (and the node). */
static void s_check_partition(s_fx_t *fx, store_t *st, const json_t *e, int p)
{
    long long want[4];
    s_expect(fx, st, p, want);
    assert_int_equal(json_integer_value(json_object_get(e, "partition")), p);
    assert_int_equal(json_integer_value(json_object_get(e, "jobs")), want[0]);
    assert_int_equal(json_integer_value(json_object_get(e, "queued")), want[1]);
    assert_int_equal(json_integer_value(json_object_get(e, "delayed")), want[2]);
    assert_int_equal(json_integer_value(json_object_get(e, "dead")), want[3]);
    assert_int_equal(json_integer_value(json_object_get(e, "leases")), 0);
    const char *node = json_string_value(json_object_get(e, "node"));
    if (!fx->rc) {
        assert_true(json_is_null(json_object_get(e, "node")));
        return;
    }
    char prefix[32], addr[32];
    int n = snprintf(prefix, sizeof prefix, "lode:{p%d}:", p);
    int m = rcluster_master_of(fx->rc, rcl_key_slot(prefix, (size_t)n));
    snprintf(addr, sizeof addr, "127.0.0.1:%d", rcluster_port(fx->rc, m));
    assert_non_null(node);
    assert_string_equal(node, addr);
}

/* The labels of partition p's lode_partition_* series. */
static void s_labels(s_fx_t *fx, int p, char *out, size_t size)
{
    if (!fx->rc) {
        snprintf(out, size, "{partition=\"%d\"}", p);
        return;
    }
    char prefix[32];
    int n = snprintf(prefix, sizeof prefix, "lode:{p%d}:", p);
    int m = rcluster_master_of(fx->rc, rcl_key_slot(prefix, (size_t)n));
    snprintf(out, size, "{partition=\"%d\",node=\"127.0.0.1:%d\"}", p, rcluster_port(fx->rc, m));
}

/* /metrics: each partition's gauges, labelled with its node on a cluster. */
static void s_check_metrics_parts(s_fx_t *fx, store_t *st)
{
    char *page = s_scrape(fx->metrics);
    assert_non_null(page);
    double jobs = 0;
    for (int p = 0; p < fx->parts; p++) {
        long long want[4];
        s_expect(fx, st, p, want);
        char labels[96], series[160];
        s_labels(fx, p, labels, sizeof labels);
        snprintf(series, sizeof series, "lode_partition_jobs%s", labels);
        if (scrape_sample(page, series) != (double)want[0])
            fprintf(stderr, "%s is not %lld in:\n%s\n", series, want[0], page);
        assert_true(scrape_sample(page, series) == (double)want[0]);
        jobs += scrape_sample(page, series);
        snprintf(series, sizeof series, "lode_partition_queued%s", labels);
        assert_true(scrape_sample(page, series) == (double)want[1]);
        snprintf(series, sizeof series, "lode_partition_delayed%s", labels);
        assert_true(scrape_sample(page, series) == (double)want[2]);
        snprintf(series, sizeof series, "lode_partition_dead_letters%s", labels);
        assert_true(scrape_sample(page, series) == (double)want[3]);
        snprintf(series, sizeof series, "lode_partition_leases%s", labels);
        assert_true(scrape_sample(page, series) == 0);
    }
    assert_true(jobs == NJOBS);
    free(page);
}

/* `lode top --once --json`: the broker's sums and each partition's share. */
static void s_check_top_json(s_fx_t *fx, store_t *st)
{
    char *out = NULL, *errs = NULL;
    int rc = cluster_run_cli(fx->c, NULL, &out, &errs, "top", "--once", "--json", "--pub", fx->pub,
                             NULL);
    if (rc != 0)
        fprintf(stderr, "lode top: %d %s\n", rc, errs);
    assert_int_equal(rc, 0);
    json_t *root = json_loads(out, 0, NULL);
    assert_non_null(root);
    json_t *totals = json_object_get(root, "totals");
    assert_int_equal(json_integer_value(json_object_get(totals, "jobs")), NJOBS);
    assert_int_equal(json_integer_value(json_object_get(totals, "dead")), 1);
    assert_int_equal(json_integer_value(json_object_get(totals, "delayed")), 1);
    json_t *fetch = json_object_get(json_object_get(root, "stages"), "fetch");
    assert_int_equal(json_integer_value(json_object_get(fetch, "queued")), NJOBS - 2);
    json_t *parts = json_object_get(root, "partitions");
    assert_int_equal(json_array_size(parts), (size_t)fx->parts);
    int used = 0;
    for (int p = 0; p < fx->parts; p++) {
        s_check_partition(fx, st, json_array_get(parts, (size_t)p), p);
        used += json_integer_value(json_object_get(json_array_get(parts, (size_t)p), "jobs")) > 0;
    }
    assert_true(used > 1); /* the batch was spread */
    json_decref(root);
    free(out);
    free(errs);
}

/* The text view: one line per node, the partitions summed. */
static void s_check_top_text(s_fx_t *fx)
{
    char *out = NULL, *errs = NULL;
    assert_int_equal(
        cluster_run_cli(fx->c, NULL, &out, &errs, "top", "--once", "--pub", fx->pub, NULL), 0);
    char want[64];
    snprintf(want, sizeof want, "%d partitions on %d node%s", fx->parts, fx->rc ? 3 : 1,
             fx->rc ? "s" : "");
    if (!strstr(out, want))
        fprintf(stderr, "lode top --once:\n%s\n", out);
    assert_non_null(strstr(out, want));
    if (!fx->rc) { /* all on "redis": the whole store on one line */
        char line[128];
        snprintf(line, sizeof line, "%-22s %5d %10d %10d", "redis", fx->parts, NJOBS, NJOBS - 2);
        assert_non_null(strstr(out, line));
    }
    free(out);
    free(errs);
}

static void s_scenario(int parts, bool on_cluster)
{
    s_fx_t *fx = s_start(parts, on_cluster);
    cluster_mark_begin(fx->c);
    err_t err = {0};
    store_opts_t so = {.url = fx->url, .timeout_ms = 3000};
    store_t *st = store_new(&so, &err);
    assert_non_null(st);
    assert_int_equal(store_partitions(st), parts);
    s_fill(fx, st);
    s_check_metrics(fx);
    s_check_metrics_parts(fx, st);
    s_check_top_json(fx, st);
    s_check_top_text(fx);
    store_destroy(&st);
    cluster_mark_ok(fx->c);
    s_stop(fx);
}

static void test_top_and_metrics_sum_four_partitions_of_one_redis(void **state)
{
    (void)state;
    s_scenario(4, false);
}

static void test_top_and_metrics_sum_eight_partitions_of_a_cluster(void **state)
{
    (void)state;
    if (!rcluster_available())
        skip();
    s_scenario(8, true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_top_and_metrics_sum_four_partitions_of_one_redis),
        cmocka_unit_test(test_top_and_metrics_sum_eight_partitions_of_a_cluster),
    };
    return cluster_main_result(cmocka_run_group_tests(tests, NULL, NULL));
}
