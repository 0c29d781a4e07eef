/*  test_store_parts.c - a store of several partitions, on a real Redis
 *  Cluster (3 masters + 3 replicas) and on one redis-server: the count is
 *  recorded and checked, a batch spreads its jobs over every partition,
 *  each partition's keys carry its hash tag and live on the master of that
 *  slot, dispatch takes from every partition, jobs go through all four
 *  stages, and stats, lists, batch totals, dead letters and retries see the
 *  whole store.
 *  SPDX-License-Identifier: MIT
 */
#include <signal.h>
#include <unistd.h>

#include "cluster.h"
#include "rcl.h"
#include "rcluster.h"
#include "store.h"
#include "test.h"

#define PARTS 4
#define NJOBS 40

static rcluster_t *s_rc;
static cluster_t *s_one;

static store_t *s_store(const char *url, const char *prefix, int parts, err_t *err)
{
    store_opts_t o = {.url = url, .prefix = prefix, .timeout_ms = 2000, .partitions = parts};
    return store_new(&o, err);
}

static void s_submit(store_t *st, char (*ids)[JOB_ID_SIZE], char batch[JOB_ID_SIZE])
{
    store_item_t items[NJOBS];
    for (int i = 0; i < NJOBS; i++)
        items[i] = (store_item_t){.kind = "text", .body = "some text", .body_len = 9};
    err_t err = {0};
    assert_int_equal(store_submit(st, "parts", items, NJOBS, ids, batch, &err), 0);
}

/* Dispatch and finish every job of stage; the number finished. */
static int s_run_stage(store_t *st, job_stage_t stage)
{
    int finished = 0;
    for (int round = 0; round < 20 && finished < NJOBS; round++) {
        store_lease_t out[NJOBS];
        store_dispatch_call_t c = {.stage = stage,
                                   .deadline_ms = job_now_ms() + 60000,
                                   .worker = "w",
                                   .out = out,
                                   .max = 16};
        err_t err = {0};
        assert_int_equal(store_dispatch_pipeline(st, &c, 1, &err), 0);
        store_report_t rep[NJOBS];
        for (size_t i = 0; i < c.n; i++)
            rep[i] = (store_report_t){.id = out[i].id, .attempt = out[i].attempt, .worker = "w"};
        assert_int_equal(store_done_many(st, stage, rep, c.n, NULL, &err), 0);
        for (size_t i = 0; i < c.n; i++)
            assert_true(rep[i].applied);
        finished += (int)c.n;
    }
    return finished;
}

static int s_cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* The whole scenario on url (a cluster or one server). */
static void s_scenario(const char *url, const char *prefix)
{
    err_t err = {0};
    store_t *st = s_store(url, prefix, PARTS, &err);
    if (!st)
        fail_msg("store_new: %s", err.msg);
    assert_int_equal(store_partitions(st), PARTS);
    /* The count is recorded: a program that asks for none gets it, one that
     * asks for another is refused. */
    store_t *again = s_store(url, prefix, 0, &err);
    assert_non_null(again);
    assert_int_equal(store_partitions(again), PARTS);
    store_destroy(&again);
    err_clear(&err);
    assert_null(s_store(url, prefix, 2, &err));
    assert_int_equal(err.code, LODE_EINVAL);

    char ids[NJOBS][JOB_ID_SIZE], batch[JOB_ID_SIZE];
    s_submit(st, ids, batch);
    int per[PARTS] = {0};
    for (int i = 0; i < NJOBS; i++)
        per[store_job_partition(st, ids[i], NULL)]++;
    for (int p = 0; p < PARTS; p++)
        assert_int_equal(per[p], NJOBS / PARTS); /* the batch is spread evenly */

    store_batch_t b;
    assert_int_equal(store_batch_get(st, batch, &b, &err), 0);
    assert_int_equal(b.total, NJOBS);
    assert_string_equal(b.name, "parts");
    char(*listed)[JOB_ID_SIZE] = NULL;
    size_t n = 0;
    assert_int_equal(store_batch_jobs(st, batch, &listed, &n, &err), 0);
    assert_int_equal(n, NJOBS);
    qsort(ids, NJOBS, sizeof ids[0], s_cmp);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(listed[i], ids[i]);
    free(listed);

    for (int s = 0; s < JOB_STAGE_COUNT; s++)
        assert_int_equal(s_run_stage(st, (job_stage_t)s), NJOBS);
    store_stats_t stats;
    assert_int_equal(store_stats(st, &stats, &err), 0);
    assert_int_equal(stats.submitted, NJOBS);
    assert_int_equal(stats.done, NJOBS);
    assert_int_equal(stats.jobs, NJOBS);
    assert_int_equal(stats.in_flight, 0);
    store_job_t job;
    assert_int_equal(store_job_get(st, ids[7], &job, &err), 0);
    assert_string_equal(job.state, JOB_STATE_DONE);
    store_job_clear(&job);

    /* Parts, newest-first lists and a dead letter retried. */
    assert_int_equal(store_part_set(st, ids[3], STORE_PART_SNIPPETS, "[1]", 3, &err), 0);
    char *part = store_part_get(st, ids[3], STORE_PART_SNIPPETS, NULL, &err);
    assert_non_null(part);
    assert_string_equal(part, "[1]");
    free(part);
    assert_int_equal(store_job_list(st, 0, 5, &listed, &n, &err), 0);
    assert_int_equal(n, 5);
    assert_string_equal(listed[0], ids[NJOBS - 1]);
    free(listed);

    char one[1][JOB_ID_SIZE], b2[JOB_ID_SIZE];
    store_item_t it = {.kind = "text", .body = "x", .body_len = 1};
    assert_int_equal(store_submit(st, NULL, &it, 1, one, b2, &err), 0);
    char got[JOB_ID_SIZE];
    uint32_t attempt = 0;
    int rc = 0;
    for (int tries = 0; tries < PARTS && rc == 0; tries++)
        rc = store_dispatch(st, JOB_STAGE_FETCH, job_now_ms() + 60000, "w", got, &attempt, &err);
    assert_int_equal(rc, 1);
    assert_string_equal(got, one[0]);
    assert_int_equal(
        store_fail(st, got, JOB_STAGE_FETCH, attempt, false, LODE_EEMPTY, "empty", 0, "w", &err),
        1);
    assert_int_equal(store_dead_list(st, 0, 10, &listed, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(listed[0], got);
    free(listed);
    int retried = 0;
    assert_int_equal(store_retry_all(st, -1, &retried, &err), 0);
    assert_int_equal(retried, 1);
    assert_int_equal(store_stats(st, &stats, &err), 0);
    assert_int_equal(stats.queued[JOB_STAGE_FETCH], 1);
    assert_int_equal(stats.dead, 0);
    store_destroy(&st);
}

static void test_partitions_on_one_redis_server(void **state)
{
    (void)state;
    s_scenario(cluster_redis_url(s_one), "p1:");
    /* Today's layout is untouched by a store of one partition. */
    err_t err = {0};
    store_t *st = s_store(cluster_redis_url(s_one), "flat:", 0, &err);
    assert_non_null(st);
    assert_int_equal(store_partitions(st), 1);
    char ids[1][JOB_ID_SIZE], batch[JOB_ID_SIZE];
    store_item_t it = {.kind = "text", .body = "x", .body_len = 1};
    assert_int_equal(store_submit(st, NULL, &it, 1, ids, batch, &err), 0);
    assert_int_equal(cluster_redis_int(s_one, "EXISTS flat:job:%s", ids[0]), 1);
    assert_int_equal(cluster_redis_int(s_one, "LLEN flat:queue:fetch"), 1);
    store_destroy(&st);
}

static void test_partitions_on_a_redis_cluster(void **state)
{
    (void)state;
    s_scenario(rcluster_url(s_rc), "pc:");
    /* Each partition's keys are on the master of its slot. */
    err_t err = {0};
    store_t *st = s_store(rcluster_url(s_rc), "pc:", 0, &err);
    assert_non_null(st);
    char ids[NJOBS][JOB_ID_SIZE], batch[JOB_ID_SIZE];
    s_submit(st, ids, batch);
    int masters_used[RCLUSTER_NODES_MAX] = {0};
    for (int i = 0; i < NJOBS; i++) {
        int p = store_job_partition(st, ids[i], NULL);
        char key[128];
        snprintf(key, sizeof key, "pc:{p%d}:job:%.26s", p, ids[i]);
        int m = rcluster_master_of(s_rc, rcl_key_slot(key, strlen(key)));
        assert_true(m >= 0);
        assert_int_equal(rcluster_int(s_rc, m, "EXISTS %s", key), 1);
        masters_used[m] = 1;
    }
    int used = 0;
    for (int i = 0; i < RCLUSTER_NODES_MAX; i++)
        used += masters_used[i];
    assert_true(used >= 2); /* {p0}..{p3} fall on more than one master */
    const char *node = NULL;
    (void)store_job_partition(st, ids[0], &node);
    assert_non_null(node);
    assert_non_null(strstr(node, "127.0.0.1:"));
    store_destroy(&st);
}

/* Parts over 1 KB are stored as zstd frames and read back as written;
 * small parts, the curation layer and inputs stay as they are. */
static void test_large_parts_are_stored_compressed(void **state)
{
    (void)state;
    err_t err = {0};
    store_t *st = s_store(cluster_redis_url(s_one), "z:", 0, &err);
    assert_non_null(st);
    char ids[1][JOB_ID_SIZE], batch[JOB_ID_SIZE];
    store_item_t it = {.kind = "text", .body = "x", .body_len = 1};
    assert_int_equal(store_submit(st, NULL, &it, 1, ids, batch, &err), 0);
    size_t big_len = 20000;
    char *big = malloc(big_len + 1);
    for (size_t i = 0; i < big_len; i++)
        big[i] = "{\"quote\": \"words and more words\"}, "[i % 36];
    big[big_len] = '\0';
    assert_int_equal(store_part_set(st, ids[0], STORE_PART_TRANSCRIPT, big, big_len, &err), 0);
    long long stored = cluster_redis_int(s_one, "STRLEN z:job:%s:transcript", ids[0]);
    assert_true(stored > 0 && stored < (long long)big_len / 4);
    size_t len = 0;
    char *back = store_part_get(st, ids[0], STORE_PART_TRANSCRIPT, &len, &err);
    assert_non_null(back);
    assert_int_equal(len, big_len);
    assert_memory_equal(back, big, big_len);
    free(back);
    assert_int_equal(store_part_set(st, ids[0], STORE_PART_CURATED, big, big_len, &err), 0);
    assert_int_equal(cluster_redis_int(s_one, "STRLEN z:job:%s:curated", ids[0]),
                     (long long)big_len);
    assert_int_equal(store_part_set(st, ids[0], STORE_PART_SNIPPETS, "[]", 2, &err), 0);
    char *small = cluster_redis_str(s_one, "GET z:job:%s:snippets", ids[0]);
    assert_non_null(small);
    assert_string_equal(small, "[]");
    free(small);
    /* A frame that is not one Lode wrote is an error, not garbage. */
    char *ok = cluster_redis_str(s_one, "SET z:job:%s:fanout %s", ids[0], "\x28\xb5\x2f\xfd\x01");
    free(ok);
    err_clear(&err);
    assert_null(store_part_get(st, ids[0], STORE_PART_FANOUT, NULL, &err));
    assert_int_equal(err.code, LODE_ESTORE);
    free(big);
    store_destroy(&st);
}

/* With min_replica_acks, a submission returns once that many replicas have
 * it (WAIT), and fails, saying so, when there are not enough. */
static void test_a_submission_waits_for_its_replica(void **state)
{
    (void)state;
    store_item_t it = {.kind = "text", .body = "x", .body_len = 1};
    char ids[1][JOB_ID_SIZE], batch[JOB_ID_SIZE];
    err_t err = {0};
    store_opts_t o = {.url = rcluster_url(s_rc), .prefix = "pc:", .timeout_ms = 500};
    o.min_replica_acks = 1; /* each master has one */
    store_t *st = store_new(&o, &err);
    assert_non_null(st);
    for (int i = 0; i < PARTS; i++)
        assert_int_equal(store_submit(st, NULL, &it, 1, ids, batch, &err), 0);
    store_destroy(&st);
    o.min_replica_acks = 2;
    st = store_new(&o, &err);
    assert_non_null(st);
    assert_int_equal(store_submit(st, NULL, &it, 1, ids, batch, &err), -1);
    assert_int_equal(err.code, LODE_ESTORE);
    assert_non_null(strstr(err.msg, "replica"));
    store_destroy(&st);
}

/* A store of one partition moved into four: a dry run counts and moves
 * nothing; the real run moves jobs, parts, queues, leases, dead letters,
 * batches and counters; every read sees the same store after; running it
 * again changes nothing; the moved jobs go on through their stages. */
static void test_migrate_moves_a_plain_store_into_partitions(void **state)
{
    (void)state;
    err_t err = {0};
    const char *url = cluster_redis_url(s_one);
    store_t *st = s_store(url, "mig:", 0, &err);
    assert_non_null(st);
    char ids[NJOBS][JOB_ID_SIZE], batch[JOB_ID_SIZE];
    s_submit(st, ids, batch);
    assert_int_equal(store_part_set(st, ids[0], STORE_PART_SOURCE, "{\"a\":1}", 7, &err), 0);
    char got[JOB_ID_SIZE];
    uint32_t attempt;
    assert_int_equal(
        store_dispatch(st, JOB_STAGE_FETCH, job_now_ms() + 60000, "w", got, &attempt, &err), 1);
    char dead[JOB_ID_SIZE];
    assert_int_equal(
        store_dispatch(st, JOB_STAGE_FETCH, job_now_ms() + 60000, "w", dead, &attempt, &err), 1);
    assert_int_equal(
        store_fail(st, dead, JOB_STAGE_FETCH, attempt, false, LODE_EEMPTY, "x", 0, "w", &err), 1);

    store_migrate_report_t rep;
    assert_int_equal(store_migrate(st, PARTS, true, &rep, &err), 0);
    assert_int_equal(rep.jobs, NJOBS);
    assert_int_equal(rep.queued, NJOBS - 2);
    assert_int_equal(rep.leases, 1);
    assert_int_equal(rep.dead, 1);
    assert_int_equal(rep.batches, 1);
    assert_int_equal(cluster_redis_int(s_one, "EXISTS mig:job:%s", ids[5]), 1);
    assert_int_equal(store_partitions(st), 1);

    assert_int_equal(store_migrate(st, PARTS, false, &rep, &err), 0);
    assert_int_equal(store_partitions(st), PARTS);
    assert_int_equal(
        cluster_redis_int(s_one, "EXISTS mig:job:%s mig:jobs mig:queue:fetch mig:stats", ids[5]),
        0);
    store_destroy(&st);

    st = s_store(url, "mig:", 0, &err);
    assert_non_null(st);
    assert_int_equal(store_partitions(st), PARTS);
    store_stats_t stats;
    assert_int_equal(store_stats(st, &stats, &err), 0);
    assert_int_equal(stats.jobs, NJOBS);
    assert_int_equal(stats.submitted, NJOBS);
    assert_int_equal(stats.queued[JOB_STAGE_FETCH], NJOBS - 2);
    assert_int_equal(stats.in_flight, 1);
    assert_int_equal(stats.dead, 1);
    assert_int_equal(stats.failed, 1);
    store_batch_t b;
    assert_int_equal(store_batch_get(st, batch, &b, &err), 0);
    assert_int_equal(b.total, NJOBS);
    char *src = store_part_get(st, ids[0], STORE_PART_SOURCE, NULL, &err);
    assert_non_null(src);
    assert_string_equal(src, "{\"a\":1}");
    free(src);
    store_job_t job;
    assert_int_equal(store_job_get(st, dead, &job, &err), 0);
    assert_string_equal(job.state, JOB_STATE_FAILED);
    store_job_clear(&job);
    assert_int_equal(store_migrate(st, PARTS, false, &rep, &err), 0); /* again: nothing */
    assert_int_equal(rep.jobs, 0);
    assert_int_equal(store_done(st, got, JOB_STAGE_FETCH, 1, "w", &err), 1);
    store_destroy(&st);

    /* The same through the CLI: lode admin migrate. */
    st = s_store(url, "cli:", 0, &err);
    assert_non_null(st);
    s_submit(st, ids, batch);
    store_destroy(&st);
    char *out = NULL, *errs = NULL;
    assert_int_equal(cluster_run_cli(s_one, NULL, &out, &errs, "--prefix", "cli:", "admin",
                                     "migrate", "--partitions", "2", "--dry-run", NULL),
                     0);
    assert_non_null(strstr(out, "would move 40 jobs"));
    free(out);
    free(errs);
    assert_int_equal(cluster_run_cli(s_one, NULL, &out, &errs, "--prefix", "cli:", "admin",
                                     "migrate", "--partitions", "2", NULL),
                     0);
    assert_non_null(strstr(out, "moved 40 jobs"));
    free(out);
    free(errs);
    assert_int_equal(cluster_run_cli(s_one, NULL, &out, &errs, "--prefix", "cli:", "admin",
                                     "migrate", "--partitions", "1", NULL),
                     2);
    free(out);
    free(errs);
    st = s_store(url, "cli:", 0, &err);
    assert_non_null(st);
    assert_int_equal(store_partitions(st), 2);
    store_destroy(&st);
}

static int s_setup(void **state)
{
    (void)state;
    if (!rcluster_available())
        return -1;
    err_t err = {0};
    cluster_opts_t co = {.no_workers = true, .log_level = "warn"};
    s_one = cluster_new(&co, &err);
    s_rc = s_one ? rcluster_new(3, 1, &err) : NULL;
    if (!s_rc)
        fprintf(stderr, "setup: %s\n", err.msg);
    return s_rc ? 0 : -1;
}

static int s_teardown(void **state)
{
    (void)state;
    rcluster_destroy(&s_rc);
    if (s_one)
        cluster_mark_ok(s_one);
    cluster_destroy(&s_one);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_partitions_on_one_redis_server),
        cmocka_unit_test(test_partitions_on_a_redis_cluster),
        cmocka_unit_test(test_large_parts_are_stored_compressed),
        cmocka_unit_test(test_a_submission_waits_for_its_replica),
        cmocka_unit_test(test_migrate_moves_a_plain_store_into_partitions),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
