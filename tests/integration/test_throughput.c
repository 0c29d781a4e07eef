/*  test_throughput.c - the path the throughput benchmark measures, checked
 *  for correctness: noop workers (many jobs a JOB frame, one DONE frame a
 *  drain), two workers a stage with few credits (so jobs both wait in the
 *  queues and are handed past them), and every job done exactly once.
 *  SPDX-License-Identifier: MIT
 */
// clang-format off
#include "test.h"
// clang-format on

#include <stdlib.h>
#include <unistd.h>

#include "cluster.h"
#include "fixture.h"

#define N_JOBS     600
#define LIMIT_MS   60000
#define CHUNK_JOBS 40 /* jobs a `lode submit` (the harness passes up to 48 args) */

static int s_group_setup(void **state)
{
    static const char *const worker_args[] = {"--engine", "noop", NULL};
    cluster_opts_t o = {
        .workers_per_stage = 2, .concurrency = 16, .worker_args = worker_args, .log_level = "info"};
    return fixture_group_start(state, &o);
}

static long long s_stat(cluster_t *c, const char *field)
{
    char *v = cluster_redis_str(c, "HGET lode:stats %s", field);
    long long n = v ? atoll(v) : 0;
    free(v);
    return n;
}

typedef struct {
    cluster_t *c;
    long long want;
} s_done_wait_t;

static bool s_all_done(void *arg)
{
    s_done_wait_t *w = arg;
    return s_stat(w->c, "done") >= w->want;
}

/* Jobs whose hash says done, reached exactly once (completions 1). */
static const char s_lua_done_once[] =
    "local n = 0\n"
    "for _, id in ipairs(redis.call('ZRANGE', 'lode:jobs', 0, -1)) do\n"
    "  local h = redis.call('HMGET', 'lode:job:'..id, 'state', 'completions')\n"
    "  if h[1] == 'done' and h[2] == '1' then n = n + 1 end\n"
    "end\n"
    "return n\n";

static void test_noop_jobs_all_finish_once_through_batched_frames(void **state)
{
    cluster_t *c = *state;
    cluster_mark_begin(c);
    char path[] = "/tmp/lode-throughput-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "a noop note\n", 12), 12);
    close(fd);
    const char *args[CHUNK_JOBS + 1];
    for (size_t i = 0; i < CHUNK_JOBS; i++)
        args[i] = path;
    args[CHUNK_JOBS] = NULL;
    char *ids[CHUNK_JOBS];
    for (int chunk = 0; chunk < N_JOBS / CHUNK_JOBS; chunk++) {
        assert_int_equal(cluster_submit_argv(c, args, ids, CHUNK_JOBS), CHUNK_JOBS);
        for (size_t i = 0; i < CHUNK_JOBS; i++)
            free(ids[i]);
    }
    unlink(path);
    s_done_wait_t w = {c, N_JOBS};
    assert_true(cluster_wait_for(s_all_done, &w, LIMIT_MS));
    assert_int_equal(cluster_redis_int(c, "EVAL %s 0", s_lua_done_once), N_JOBS);
    assert_int_equal(s_stat(c, "done"), N_JOBS);
    assert_int_equal(s_stat(c, "failed"), 0);
    assert_int_equal(s_stat(c, "stale"), 0);
    assert_int_equal(cluster_redis_int(c, "ZCARD lode:leases"), 0);
    for (int s = 0; s < CLUSTER_STAGES; s++) {
        static const char *const queues[] = {"fetch", "snippet", "synthesis", "fanout"};
        assert_int_equal(cluster_redis_int(c, "LLEN lode:queue:%s", queues[s]), 0);
    }
    cluster_mark_ok(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_noop_jobs_all_finish_once_through_batched_frames),
    };
    return cluster_main_result(
        cmocka_run_group_tests_name("throughput", tests, s_group_setup, fixture_group_teardown));
}
