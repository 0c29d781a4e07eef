/*  test_store.c - the Redis layer against a real redis-server: submit,
 *  dispatch, done, fail, leases, stale reports, parts, and Redis going away.
 *  Uses its own key prefix so the harness's broker never touches its keys.
 *  SPDX-License-Identifier: MIT
 */
#include <signal.h>
#include <unistd.h>

#include "cluster.h"
#include "store.h"
#include "test.h"

#define P "t:"

typedef struct {
    cluster_t *cluster;
    store_t *store;
} fixture_t;

static int s_setup(void **state)
{
    cluster_opts_t o = {.no_workers = true, .log_level = "warn"};
    err_t err = {0};
    fixture_t *f = calloc(1, sizeof *f);
    f->cluster = cluster_new(&o, &err);
    if (!f->cluster) {
        fprintf(stderr, "cluster: %s\n", err.msg);
        free(f);
        return -1;
    }
    store_opts_t so = {.url = cluster_redis_url(f->cluster), .prefix = P, .timeout_ms = 2000};
    f->store = store_new(&so, &err);
    if (!f->store)
        return -1;
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    fixture_t *f = *state;
    if (!f)
        return 0;
    store_destroy(&f->store);
    cluster_destroy(&f->cluster);
    free(f);
    return 0;
}

static void s_submit_one(fixture_t *f, const char *body, char id[JOB_ID_SIZE])
{
    store_item_t it = {.kind = "text", .body = body, .body_len = strlen(body)};
    char batch[JOB_ID_SIZE];
    char ids[1][JOB_ID_SIZE];
    err_t err = {0};
    assert_int_equal(store_submit(f->store, "b", &it, 1, ids, batch, &err), 0);
    strcpy(id, ids[0]);
}

static void test_store_moves_a_job_through_every_stage(void **state)
{
    fixture_t *f = *state;
    char id[JOB_ID_SIZE], got[JOB_ID_SIZE];
    err_t err = {0};
    s_submit_one(f, "hello", id);
    store_job_t job;
    assert_int_equal(store_job_get(f->store, id, &job, &err), 0);
    assert_string_equal(job.state, JOB_STATE_QUEUED);
    assert_string_equal(job.stage, "fetch");
    assert_string_equal(job.kind, "text");
    assert_true(job.created_ms > 0);
    store_job_clear(&job);
    char *input = store_part_get(f->store, id, STORE_PART_INPUT, NULL, &err);
    assert_string_equal(input, "hello");
    free(input);
    for (int s = 0; s < JOB_STAGE_COUNT; s++) {
        uint32_t attempt = 0;
        assert_int_equal(
            store_dispatch(f->store, s, job_now_ms() + 60000, "w", got, &attempt, &err), 1);
        assert_string_equal(got, id);
        assert_int_equal(attempt, 1);
        assert_int_equal(store_job_get(f->store, id, &job, &err), 0);
        assert_string_equal(job.state, JOB_STATE_RUNNING);
        assert_string_equal(job.stage, job_stage_name(s));
        store_job_clear(&job);
        assert_int_equal(store_done(f->store, id, s, attempt, NULL, &err), 1);
    }
    assert_int_equal(store_job_get(f->store, id, &job, &err), 0);
    assert_string_equal(job.state, JOB_STATE_DONE);
    assert_true(job.finished_ms >= job.created_ms);
    assert_int_equal(job.attempts, 4);
    store_job_clear(&job);
    store_stats_t st;
    assert_int_equal(store_stats(f->store, &st, &err), 0);
    assert_int_equal(st.in_flight, 0);
    assert_true(st.done >= 1);
}

static void test_store_keeps_the_input_in_the_job_hash_and_reads_the_old_key(void **state)
{
    fixture_t *f = *state;
    char id[JOB_ID_SIZE];
    err_t err = {0};
    s_submit_one(f, "in the hash", id);
    assert_int_equal(cluster_redis_int(f->cluster, "HEXISTS " P "job:%s input", id), 1);
    assert_int_equal(cluster_redis_int(f->cluster, "EXISTS " P "job:%s:input", id), 0);
    /* A job an older version submitted: its input under its own key. */
    assert_int_equal(cluster_redis_int(f->cluster, "HDEL " P "job:%s input", id), 1);
    free(cluster_redis_str(f->cluster, "SET " P "job:%s:input old-layout", id));
    size_t len = 0;
    char *input = store_part_get(f->store, id, STORE_PART_INPUT, &len, &err);
    assert_string_equal(input, "old-layout");
    assert_int_equal(len, 10);
    free(input);
    free(cluster_redis_str(f->cluster, "DEL " P "job:%s:input", id));
    assert_null(store_part_get(f->store, id, STORE_PART_INPUT, NULL, &err));
    assert_int_equal(err.code, LODE_ENOTFOUND);
}

static void test_store_pipelines_calls_and_reloads_a_flushed_script_cache(void **state)
{
    fixture_t *f = *state;
    char a[JOB_ID_SIZE], b[JOB_ID_SIZE];
    err_t err = {0};
    s_submit_one(f, "one", a);
    s_submit_one(f, "two", b);
    /* Drain what earlier tests left queued, so the two jobs are next. */
    char got[JOB_ID_SIZE] = "";
    uint32_t attempt = 0;
    while (strcmp(got, a) != 0)
        assert_int_equal(store_dispatch(f->store, JOB_STAGE_FETCH, job_now_ms() + 60000, "x", got,
                                        &attempt, &err),
                         1);
    /* a is taken; put it back behind b by failing it (retryable, no delay). */
    assert_int_equal(
        store_fail(f->store, a, JOB_STAGE_FETCH, attempt, true, LODE_EHTTP, "again", 0, "x", &err),
        1);
    free(cluster_redis_str(f->cluster, "SCRIPT FLUSH"));
    store_lease_t la[1], lb[1];
    store_dispatch_call_t d[2] = {
        {.stage = JOB_STAGE_FETCH,
         .deadline_ms = job_now_ms() + 60000,
         .worker = "w1",
         .out = la,
         .max = 1},
        {.stage = JOB_STAGE_FETCH,
         .deadline_ms = job_now_ms() + 60000,
         .worker = "w2",
         .out = lb,
         .max = 1},
    };
    assert_int_equal(store_dispatch_pipeline(f->store, d, 2, &err), 0);
    assert_int_equal(d[0].rc, 0);
    assert_int_equal(d[1].rc, 0);
    assert_int_equal(d[0].n, 1);
    assert_int_equal(d[1].n, 1);
    assert_string_equal(la[0].id, b); /* in queue order */
    assert_string_equal(lb[0].id, a);
    assert_int_equal(lb[0].attempt, 2);
    long long before = cluster_redis_int(f->cluster, "LLEN " P "queue:snippet");
    free(cluster_redis_str(f->cluster, "SCRIPT FLUSH"));
    store_report_t ra = {.id = b, .attempt = 1, .worker = "w1"};
    /* A stale one: w1 does not hold a. */
    store_report_t rb[2] = {{.id = a, .attempt = 2, .worker = "w1"},
                            {.id = a, .attempt = 2, .worker = "w2"}};
    store_done_call_t c[2] = {{.stage = JOB_STAGE_FETCH, .reports = &ra, .n = 1},
                              {.stage = JOB_STAGE_FETCH, .reports = rb, .n = 2}};
    assert_int_equal(store_done_pipeline(f->store, c, 2, &err), 0);
    assert_int_equal(c[0].rc, 0);
    assert_int_equal(c[1].rc, 0);
    assert_true(ra.applied);
    assert_false(rb[0].applied);
    assert_true(rb[1].applied);
    assert_int_equal(cluster_redis_int(f->cluster, "LLEN " P "queue:snippet"), before + 2);
    /* A bad id fails its own call, not the others. */
    store_report_t bad = {.id = "not-an-id", .attempt = 1};
    c[0] = (store_done_call_t){.stage = JOB_STAGE_SNIPPET, .reports = &bad, .n = 1};
    c[1] = (store_done_call_t){.stage = JOB_STAGE_FETCH, .reports = &ra, .n = 1};
    err_clear(&err);
    assert_int_equal(store_done_pipeline(f->store, c, 2, &err), -1);
    assert_int_equal(err.code, LODE_EINVAL);
    assert_int_equal(c[0].rc, -1);
    assert_int_equal(c[1].rc, 0);
    assert_false(ra.applied); /* b has moved on: stale now */
}

static void test_store_ignores_stale_and_duplicate_reports(void **state)
{
    fixture_t *f = *state;
    char id[JOB_ID_SIZE], got[JOB_ID_SIZE];
    uint32_t attempt;
    err_t err = {0};
    s_submit_one(f, "x", id);
    assert_int_equal(
        store_dispatch(f->store, JOB_STAGE_FETCH, job_now_ms() + 60000, "w", got, &attempt, &err),
        1);
    assert_int_equal(store_done(f->store, id, JOB_STAGE_FETCH, attempt + 1, NULL, &err), 0);
    assert_int_equal(store_done(f->store, id, JOB_STAGE_SNIPPET, attempt, NULL, &err), 0);
    assert_int_equal(store_done(f->store, id, JOB_STAGE_FETCH, attempt, NULL, &err), 1);
    assert_int_equal(store_done(f->store, id, JOB_STAGE_FETCH, attempt, NULL, &err), 0);
    char ids[2][JOB_ID_SIZE];
    assert_int_equal(store_fail(f->store, id, JOB_STAGE_FETCH, attempt, false, LODE_EEMPTY, "late",
                                0, NULL, &err),
                     0);
    store_stats_t st;
    assert_int_equal(store_stats(f->store, &st, &err), 0);
    assert_true(st.stale >= 3);
    assert_int_equal(st.queued[JOB_STAGE_SNIPPET], 1);
    (void)ids;
}

static void test_store_dead_letters_permanent_failures(void **state)
{
    fixture_t *f = *state;
    char id[JOB_ID_SIZE], got[JOB_ID_SIZE];
    uint32_t attempt;
    err_t err = {0};
    long long snippets_before = cluster_redis_int(f->cluster, "LLEN " P "queue:snippet");
    s_submit_one(f, "  ", id);
    assert_int_equal(
        store_dispatch(f->store, JOB_STAGE_FETCH, job_now_ms() + 60000, "w", got, &attempt, &err),
        1);
    assert_int_equal(store_fail(f->store, id, JOB_STAGE_FETCH, attempt, false, LODE_EEMPTY,
                                "empty transcript", 0, NULL, &err),
                     1);
    store_job_t job;
    assert_int_equal(store_job_get(f->store, id, &job, &err), 0);
    assert_string_equal(job.state, JOB_STATE_FAILED);
    assert_string_equal(job.error, "empty transcript");
    assert_string_equal(job.error_code, "EEMPTY");
    assert_string_equal(job.error_stage, "fetch");
    store_job_clear(&job);
    assert_int_equal(cluster_redis_int(f->cluster, "LPOS " P "dead %s", id), 0);
    /* A permanent failure never reaches the next stage. */
    assert_int_equal(cluster_redis_int(f->cluster, "LLEN " P "queue:snippet"), snippets_before);
}

static void test_store_retries_then_gives_up_and_expires_leases(void **state)
{
    fixture_t *f = *state;
    char id[JOB_ID_SIZE], got[JOB_ID_SIZE];
    uint32_t attempt;
    err_t err = {0};
    s_submit_one(f, "retry me", id);
    /* Attempt 1 fails retryably: back in the queue. */
    assert_int_equal(
        store_dispatch(f->store, JOB_STAGE_FETCH, job_now_ms() + 60000, "w", got, &attempt, &err),
        1);
    assert_int_equal(store_fail(f->store, id, JOB_STAGE_FETCH, attempt, true, LODE_ESTORE, "hiccup",
                                0, NULL, &err),
                     1);
    /* Attempt 2's lease runs out: back in the queue again. */
    assert_int_equal(
        store_dispatch(f->store, JOB_STAGE_FETCH, job_now_ms() - 1, "w", got, &attempt, &err), 1);
    assert_int_equal(attempt, 2);
    int n = 0;
    assert_int_equal(store_expire_leases(f->store, &n, &err), 0);
    assert_int_equal(n, 1);
    /* Attempt 3, its worker lost: that was the last try. */
    assert_int_equal(
        store_dispatch(f->store, JOB_STAGE_FETCH, job_now_ms() + 60000, "w", got, &attempt, &err),
        1);
    assert_int_equal(attempt, 3);
    assert_int_equal(store_release(f->store, id, attempt, &err), 1);
    store_job_t job;
    assert_int_equal(store_job_get(f->store, id, &job, &err), 0);
    assert_string_equal(job.state, JOB_STATE_FAILED);
    assert_string_equal(job.error, "worker lost");
    store_job_clear(&job);
    assert_int_equal(store_release(f->store, id, attempt, &err), 0);
}

static void test_store_parts_lists_and_bad_ids(void **state)
{
    fixture_t *f = *state;
    char id[JOB_ID_SIZE];
    err_t err = {0};
    s_submit_one(f, "parts", id);
    assert_int_equal(store_part_set(f->store, id, STORE_PART_SNIPPETS, "[1]", 3, &err), 0);
    size_t len;
    char *v = store_part_get(f->store, id, STORE_PART_SNIPPETS, &len, &err);
    assert_string_equal(v, "[1]");
    assert_int_equal(len, 3);
    free(v);
    assert_null(store_part_get(f->store, id, STORE_PART_FANOUT, NULL, &err));
    assert_int_equal(err.code, LODE_ENOTFOUND);
    err_clear(&err);
    assert_null(store_part_get(f->store, id, "../etc", NULL, &err));
    assert_int_equal(err.code, LODE_EINVAL);
    err_clear(&err);
    store_job_t job;
    assert_int_equal(store_job_get(f->store, "01JZZZZZZZZZZZZZZZZZZZZZZZ", &job, &err), -1);
    assert_int_equal(err.code, LODE_ENOTFOUND);
    err_clear(&err);
    assert_int_equal(store_job_get(f->store, "x y", &job, &err), -1);
    assert_int_equal(err.code, LODE_EINVAL);
    err_clear(&err);
    char(*ids)[JOB_ID_SIZE];
    size_t n;
    assert_int_equal(store_job_list(f->store, 0, 1, &ids, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(ids[0], id); /* newest first */
    free(ids);
}

static void test_store_reports_unreachable_and_vanished_redis(void **state)
{
    fixture_t *f = *state;
    err_t err = {0};
    store_opts_t bad = {.url = "redis://127.0.0.1:1", .timeout_ms = 500};
    assert_null(store_new(&bad, &err));
    assert_int_equal(err.code, LODE_ESTORE);
    err_clear(&err);
    store_opts_t worse = {.url = "http://nope"};
    assert_null(store_new(&worse, &err));
    assert_int_equal(err.code, LODE_EINVAL);
    err_clear(&err);
    cluster_kill_redis(f->cluster, SIGKILL);
    assert_int_equal(store_ping(f->store, &err), -1);
    assert_int_equal(err.code, LODE_ESTORE);
    err_clear(&err);
    /* The next call tries to reconnect and fails cleanly, again. */
    store_stats_t st;
    assert_int_equal(store_stats(f->store, &st, &err), -1);
    assert_int_equal(err.code, LODE_ESTORE);
}

static void test_store_backs_off_retries_through_the_delayed_set(void **state)
{
    fixture_t *f = *state;
    char id[JOB_ID_SIZE], got[JOB_ID_SIZE];
    uint32_t attempt;
    err_t err = {0};
    s_submit_one(f, "back off", id);
    assert_int_equal(
        store_dispatch(f->store, JOB_STAGE_FETCH, job_now_ms() + 60000, "w", got, &attempt, &err),
        1);
    assert_string_equal(got, id);
    assert_int_equal(store_fail(f->store, id, JOB_STAGE_FETCH, attempt, true, LODE_EHTTP, "503",
                                300, NULL, &err),
                     1);
    /* Not in the queue while it waits out its back-off. */
    int n = 0;
    assert_int_equal(store_promote_delayed(f->store, &n, &err), 0);
    assert_int_equal(n, 0);
    assert_int_equal(
        store_dispatch(f->store, JOB_STAGE_FETCH, job_now_ms() + 60000, "w", got, &attempt, &err),
        0);
    store_stats_t st;
    assert_int_equal(store_stats(f->store, &st, &err), 0);
    assert_int_equal(st.delayed, 1);
    usleep(350 * 1000);
    assert_int_equal(store_promote_delayed(f->store, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(
        store_dispatch(f->store, JOB_STAGE_FETCH, job_now_ms() + 60000, "w", got, &attempt, &err),
        1);
    assert_string_equal(got, id);
    assert_int_equal(attempt, 2);
    assert_int_equal(store_done(f->store, id, JOB_STAGE_FETCH, attempt, NULL, &err), 1);
}

static void test_store_releases_leases_of_workers_that_did_not_come_back(void **state)
{
    fixture_t *f = *state;
    char a[JOB_ID_SIZE], b[JOB_ID_SIZE], got[JOB_ID_SIZE];
    uint32_t attempt;
    err_t err = {0};
    s_submit_one(f, "orphan", a);
    s_submit_one(f, "kept", b);
    assert_int_equal(store_dispatch(f->store, JOB_STAGE_FETCH, job_now_ms() + 60000, "gone", got,
                                    &attempt, &err),
                     1);
    assert_int_equal(store_dispatch(f->store, JOB_STAGE_FETCH, job_now_ms() + 60000, "alive", got,
                                    &attempt, &err),
                     1);
    const char *live[] = {"alive"};
    int n = 0;
    assert_int_equal(store_release_orphans(f->store, live, 1, &n, &err), 0);
    assert_int_equal(n, 1);
    store_job_t job;
    assert_int_equal(store_job_get(f->store, a, &job, &err), 0);
    assert_string_equal(job.state, JOB_STATE_QUEUED);
    assert_string_equal(job.error, "worker lost");
    store_job_clear(&job);
    assert_int_equal(store_job_get(f->store, b, &job, &err), 0);
    assert_string_equal(job.state, JOB_STATE_RUNNING);
    store_job_clear(&job);
    /* Leave both finished for the tests after this one. */
    assert_int_equal(store_dispatch(f->store, JOB_STAGE_FETCH, job_now_ms() + 60000, "alive", got,
                                    &attempt, &err),
                     1);
    assert_int_equal(store_done(f->store, a, JOB_STAGE_FETCH, attempt, NULL, &err), 1);
    assert_int_equal(store_done(f->store, b, JOB_STAGE_FETCH, 1, NULL, &err), 1);
}

static void test_store_retry_requeues_dead_jobs_with_fresh_attempts(void **state)
{
    fixture_t *f = *state;
    char id[JOB_ID_SIZE], got[JOB_ID_SIZE];
    uint32_t attempt;
    err_t err = {0};
    int limits[JOB_STAGE_COUNT] = {1, 3, 3, 3};
    store_set_max_attempts(f->store, limits);
    s_submit_one(f, "one try", id);
    assert_int_equal(
        store_dispatch(f->store, JOB_STAGE_FETCH, job_now_ms() + 60000, "w", got, &attempt, &err),
        1);
    /* Retryable, but fetch allows one attempt: dead at once. */
    assert_int_equal(
        store_fail(f->store, id, JOB_STAGE_FETCH, attempt, true, LODE_EHTTP, "503", 0, NULL, &err),
        1);
    char(*ids)[JOB_ID_SIZE];
    size_t n;
    assert_int_equal(store_dead_list(f->store, 0, 10, &ids, &n, &err), 0);
    assert_true(n >= 1);
    assert_string_equal(ids[0], id);
    free(ids);
    assert_int_equal(store_retry(f->store, id, -1, &err), 1);
    assert_int_equal(store_retry(f->store, id, -1, &err), 0); /* not failed any more */
    store_job_t job;
    assert_int_equal(store_job_get(f->store, id, &job, &err), 0);
    assert_string_equal(job.state, JOB_STATE_QUEUED);
    assert_string_equal(job.stage, "fetch");
    assert_int_equal(job.attempt, 0);
    store_job_clear(&job);
    assert_int_equal(cluster_redis_int(f->cluster, "LPOS " P "dead %s", id), -1);
    /* Fail it again, then retry everything that died at fetch. */
    assert_int_equal(
        store_dispatch(f->store, JOB_STAGE_FETCH, job_now_ms() + 60000, "w", got, &attempt, &err),
        1);
    assert_int_equal(
        store_fail(f->store, id, JOB_STAGE_FETCH, attempt, false, LODE_EEMPTY, "x", 0, NULL, &err),
        1);
    int retried = 0;
    assert_int_equal(store_retry_all(f->store, JOB_STAGE_SNIPPET, &retried, &err), 0);
    assert_int_equal(retried, 0);
    assert_int_equal(store_retry_all(f->store, JOB_STAGE_FETCH, &retried, &err), 0);
    assert_true(retried >= 1);
    int dflt[JOB_STAGE_COUNT] = {3, 3, 3, 3};
    store_set_max_attempts(f->store, dflt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_moves_a_job_through_every_stage),
        cmocka_unit_test(test_store_ignores_stale_and_duplicate_reports),
        cmocka_unit_test(test_store_dead_letters_permanent_failures),
        cmocka_unit_test(test_store_retries_then_gives_up_and_expires_leases),
        cmocka_unit_test(test_store_backs_off_retries_through_the_delayed_set),
        cmocka_unit_test(test_store_releases_leases_of_workers_that_did_not_come_back),
        cmocka_unit_test(test_store_retry_requeues_dead_jobs_with_fresh_attempts),
        cmocka_unit_test(test_store_parts_lists_and_bad_ids),
        /* These two leave jobs queued and leased: after the tests that count on
         * their own job being next. */
        cmocka_unit_test(test_store_keeps_the_input_in_the_job_hash_and_reads_the_old_key),
        cmocka_unit_test(test_store_pipelines_calls_and_reloads_a_flushed_script_cache),
        cmocka_unit_test(test_store_reports_unreachable_and_vanished_redis),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
