/*  test_faults.c - fault tolerance with real processes: workers killed,
 *  stopped and stuck mid-job, late reports, broker killed and restarted,
 *  clean shutdowns, retries with back-off, dead letters and `lode retry`,
 *  Redis restarted and down. Every test gets its own cluster with short
 *  heartbeats (500 ms) so that "three silent beats" is quick; every wait is
 *  bounded; every outcome is read back from Redis (attempts, completions,
 *  stats) or from the processes (exit status).
 *  SPDX-License-Identifier: MIT
 */
// clang-format off
#define _GNU_SOURCE /* strcasestr */
#include "test.h"
// clang-format on

#include <signal.h>
#include <unistd.h>

#include <czmq.h>
#include <jansson.h>

#include "cluster.h"
#include "fixture.h"
#include "mem.h"
#include "proto.h"

#define HB         "500" /* --heartbeat-ms of broker and workers */
#define HB_MS      500
#define JOB_MS     30000 /* limit for a job that should finish */
#define FETCH      0
#define SNIPPET    1
#define SYNTHESIS  2
#define FANOUT     3
#define ALL_STAGES 4 /* attempts of a job that ran each stage once */

static const char *const s_worker_hb[] = {"--heartbeat-ms", HB, NULL};

/* ------------------------------------------------------------- plumbing */

/* A cluster with Redis and the broker (broker_args after --heartbeat-ms
 * HB), no workers: each test starts the ones it needs. Stored in *state for
 * the teardown. */
static cluster_t *s_cluster(void **state, const char *const *broker_args, bool aof)
{
    const char *args[32] = {"--heartbeat-ms", HB};
    size_t n = 2;
    for (size_t i = 0; broker_args && broker_args[i] && n < 31; i++)
        args[n++] = broker_args[i];
    args[n] = NULL;
    cluster_opts_t opts = {
        .broker_args = args, .no_workers = true, .worker_args = s_worker_hb, .redis_aof = aof};
    cluster_t *c = fixture_cluster(&opts);
    assert_non_null(c);
    *state = c;
    cluster_mark_begin(c);
    return c;
}

static int s_teardown(void **state)
{
    cluster_t *c = *state;
    if (!c)
        return 0;
    cluster_check(c);
    int reports = fixture_down(&c);
    *state = NULL;
    return reports ? -1 : 0;
}

/* Start worker index of stage, with extra args (NULL-terminated) or none. */
static void s_worker(cluster_t *c, int stage, int index, const char *const *extra)
{
    err_t err = {0};
    int rc = cluster_start_worker_args(c, stage, index, extra, &err);
    if (rc != 0)
        fprintf(stderr, "start worker: %s\n", err.msg);
    assert_int_equal(rc, 0);
}

/* One worker per stage; the one of slow_stage sleeps delay_ms before each
 * job (slow_stage -1: none is slow). */
static void s_workers(cluster_t *c, int slow_stage, const char *delay_ms)
{
    const char *const slow[] = {"--delay-ms", delay_ms, NULL};
    for (int s = 0; s < CLUSTER_STAGES; s++)
        s_worker(c, s, 0, s == slow_stage ? slow : NULL);
}

static long long s_job_int(cluster_t *c, const char *id, const char *field)
{
    char *v = cluster_job_field(c, id, field);
    long long n = v ? atoll(v) : -1;
    free(v);
    return n;
}

static long long s_stat(cluster_t *c, const char *name)
{
    char *v = cluster_redis_str(c, "HGET lode:stats %s", name);
    long long n = v ? atoll(v) : 0;
    free(v);
    return n;
}

static bool s_field_is(cluster_t *c, const char *id, const char *field, const char *want)
{
    char *v = cluster_job_field(c, id, field);
    bool yes = v && strcmp(v, want) == 0;
    free(v);
    return yes;
}

typedef struct {
    cluster_t *c;
    const char *id;
    const char *state; /* wanted state */
    const char *stage; /* wanted stage */
    long long attempt; /* wanted attempt, or -1: any */
    const char *error; /* wanted substring of error, or NULL */
} s_want_t;

static bool s_job_matches(void *arg)
{
    const s_want_t *w = arg;
    if (!s_field_is(w->c, w->id, "state", w->state) || !s_field_is(w->c, w->id, "stage", w->stage))
        return false;
    if (w->attempt >= 0 && s_job_int(w->c, w->id, "attempt") != w->attempt)
        return false;
    if (!w->error)
        return true;
    char *e = cluster_job_field(w->c, w->id, "error");
    bool yes = e && strstr(e, w->error);
    free(e);
    return yes;
}

/* Wait until the job is in state at stage (attempt, error as s_want_t). */
static bool s_wait_job(cluster_t *c,
                       const char *id,
                       const char *state,
                       const char *stage,
                       long long attempt,
                       const char *error,
                       int timeout_ms)
{
    s_want_t w = {c, id, state, stage, attempt, error};
    bool ok = cluster_wait_for(s_job_matches, &w, timeout_ms);
    if (!ok) {
        char *st = cluster_job_field(c, id, "state"), *sg = cluster_job_field(c, id, "stage");
        char *e = cluster_job_field(c, id, "error");
        fprintf(stderr, "job %s: wanted %s at %s (attempt %lld, error %s); is %s at %s, error %s\n",
                id, state, stage, attempt, error ? error : "-", st ? st : "?", sg ? sg : "?",
                e ? e : "-");
        free(st);
        free(sg);
        free(e);
    }
    return ok;
}

static void s_expect_done(cluster_t *c, const char *id)
{
    char *st = cluster_wait_job(c, id, JOB_MS);
    if (!st || strcmp(st, "done") != 0) {
        const char *f[] = {"state", "stage", "attempt", "attempts", "error", "worker"};
        fprintf(stderr, "job %s ended %s:", id, st ? st : "(time ran out)");
        for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
            char *v = cluster_job_field(c, id, f[i]);
            fprintf(stderr, " %s=%s", f[i], v ? v : "-");
            free(v);
        }
        fprintf(stderr, "\n");
    }
    assert_non_null(st);
    assert_string_equal(st, "done");
    free(st);
}

/* Submit real prose; the job id (caller frees). */
static char *s_submit(cluster_t *c)
{
    char *prose = cluster_prose(300);
    assert_non_null(prose);
    char *id = cluster_submit_text(c, prose, strlen(prose));
    free(prose);
    assert_non_null(id);
    return id;
}

typedef struct {
    cluster_t *c;
    const char *name;
    long long at_least;
} s_stat_want_t;

static bool s_stat_reached(void *arg)
{
    const s_stat_want_t *w = arg;
    return s_stat(w->c, w->name) >= w->at_least;
}

static bool s_wait_stat(cluster_t *c, const char *name, long long at_least, int timeout_ms)
{
    s_stat_want_t w = {c, name, at_least};
    return cluster_wait_for(s_stat_reached, &w, timeout_ms);
}

/* The finished job ran each stage the given number of times in all and
 * reached done exactly once. */
static void s_expect_ran(cluster_t *c, const char *id, long long attempts)
{
    assert_int_equal(s_job_int(c, id, "completions"), 1);
    assert_int_equal(s_job_int(c, id, "attempts"), attempts);
    assert_int_equal(cluster_redis_int(c, "HEXISTS lode:job:%s error", id), 0);
    char *doc = cluster_export_json(c, id);
    assert_true(cluster_doc_check(doc, false) >= 1);
    free(doc);
}

static bool s_worker_alive(cluster_t *c, int stage, int index)
{
    return cluster_signal_worker(c, stage, index, 0, 0) == -1 &&
           cluster_worker_pid(c, stage, index) > 0;
}

/* The broker's log, read whole (caller frees). */
static char *s_broker_log(cluster_t *c)
{
    char *path = mem_printf("%s/broker.log", cluster_tmpdir(c));
    char *log = cluster_read_file(path, CLUSTER_OUTPUT_MAX, NULL);
    free(path);
    return log ? log : mem_strdup("");
}

static bool s_broker_sees_redis(void *arg)
{
    char *log = s_broker_log(arg);
    bool yes = strstr(log, "redis available again") != NULL;
    free(log);
    return yes;
}

/* ------------------------------------------------------ a fake worker */

/* A DEALER that speaks the protocol as a worker of stage would (identity
 * given, so it can look like a worker that comes back). */
static zsock_t *s_fake_worker(cluster_t *c, const char *identity, const char *stage)
{
    zsock_t *d = zsock_new(ZMQ_DEALER);
    assert_non_null(d);
    zsock_set_identity(d, identity);
    zsock_set_linger(d, 0);
    zsock_set_rcvtimeo(d, 200);
    zsock_set_sndtimeo(d, 2000);
    assert_int_equal(zsock_connect(d, "%s", cluster_broker_endpoint(c)), 0);
    proto_msg_t m = {.type = PROTO_READY, .credits = 1};
    snprintf(m.stage, sizeof m.stage, "%s", stage);
    err_t err = {0};
    assert_int_equal(proto_send(d, NULL, &m, &err), 0);
    return d;
}

/* Receive until a JOB arrives (heartbeats are skipped), at most timeout_ms. */
static bool s_fake_take_job(zsock_t *d, proto_msg_t *job, int timeout_ms)
{
    int64_t deadline = cluster_now_ms() + timeout_ms;
    while (cluster_now_ms() < deadline) {
        err_t err = {0};
        if (proto_recv(d, NULL, job, &err) != 0)
            continue; /* time out of one receive */
        if (job->type == PROTO_JOB)
            return true;
        proto_msg_clear(job);
    }
    return false;
}

static void s_fake_report(zsock_t *d, const char *id, uint32_t attempt, bool done)
{
    proto_msg_t m = {.type = done ? PROTO_DONE : PROTO_FAIL, .attempt = attempt};
    snprintf(m.job_id, sizeof m.job_id, "%s", id);
    if (!done) {
        m.code = LODE_EINVAL;
        m.text = "a late failure that must not count";
    }
    err_t err = {0};
    assert_int_equal(proto_send(d, NULL, &m, &err), 0);
}

/* ================================================= workers that go away */

static void test_a_worker_killed_mid_job_is_dropped_and_its_job_released_at_once(void **state)
{
    const char *const broker[] = {"--lease-ms", "60000", NULL};
    cluster_t *c = s_cluster(state, broker, false);
    s_workers(c, SNIPPET, "20000");
    char *id = s_submit(c);
    assert_true(s_wait_job(c, id, "running", "snippet", 1, NULL, JOB_MS));
    int64_t t0 = cluster_now_ms();
    assert_int_equal(cluster_signal_worker(c, SNIPPET, 0, SIGKILL, 3000), 128 + SIGKILL);
    /* Released after three silent beats, not the 60 s lease; no other
     * snippet worker yet, so the job waits in the queue with its reason. */
    assert_true(s_wait_job(c, id, "queued", "snippet", 1, "worker lost", 10000));
    int64_t took = cluster_now_ms() - t0;
    fprintf(stderr, "worker loss noticed in %lld ms\n", (long long)took);
    assert_true(took >= 2 * HB_MS && took < 8 * HB_MS);
    assert_true(s_field_is(c, id, "error_stage", "snippet"));
    assert_true(s_field_is(c, id, "error_code", "ETIMEDOUT"));
    assert_int_equal(s_stat(c, "retried"), 1);
    assert_int_equal(cluster_redis_int(c, "ZCARD lode:leases"), 0);
    s_worker(c, SNIPPET, 1, NULL);
    s_expect_done(c, id);
    s_expect_ran(c, id, ALL_STAGES + 1); /* snippet twice */
    assert_int_equal(s_stat(c, "stale"), 0);
    assert_int_equal(s_stat(c, "done"), 1);
    free(id);
    cluster_mark_ok(c);
}

static void test_an_expired_lease_requeues_and_the_late_done_is_ignored(void **state)
{
    const char *const broker[] = {"--lease-ms", "snippet=1500", NULL};
    cluster_t *c = s_cluster(state, broker, false);
    s_workers(c, SNIPPET, "3500"); /* alive and heart-beating, but slower than its lease */
    char *id = s_submit(c);
    assert_true(s_wait_job(c, id, "running", "snippet", 1, NULL, JOB_MS));
    int64_t t0 = cluster_now_ms();
    assert_true(s_wait_job(c, id, "queued", "snippet", 1, "lease expired", 6000));
    int64_t took = cluster_now_ms() - t0;
    assert_true(took >= 1000 && took < 3500);
    assert_true(s_worker_alive(c, SNIPPET, 0));
    /* The slow worker is busy; a second one takes attempt 2. */
    s_worker(c, SNIPPET, 1, NULL);
    s_expect_done(c, id);
    /* The first run ends at ~3.5 s and reports attempt 1: stale. */
    assert_true(s_wait_stat(c, "stale", 1, 8000));
    s_expect_ran(c, id, ALL_STAGES + 1);
    assert_true(s_field_is(c, id, "state", "done"));
    assert_int_equal(s_stat(c, "done"), 1);
    assert_int_equal(s_stat(c, "failed"), 0);
    free(id);
    cluster_mark_ok(c);
}

static void test_a_stopped_worker_is_dropped_and_its_report_after_sigcont_is_stale(void **state)
{
    cluster_t *c = s_cluster(state, NULL, false);
    s_workers(c, SNIPPET, "1000");
    char *id = s_submit(c);
    assert_true(s_wait_job(c, id, "running", "snippet", 1, NULL, JOB_MS));
    pid_t pid = cluster_worker_pid(c, SNIPPET, 0);
    assert_int_equal(kill(-pid, SIGSTOP), 0); /* no heartbeats, no progress */
    assert_true(s_wait_job(c, id, "queued", "snippet", 1, "worker lost", 10000));
    s_worker(c, SNIPPET, 1, NULL);
    s_expect_done(c, id);
    assert_int_equal(kill(-pid, SIGCONT), 0);
    assert_true(s_wait_stat(c, "stale", 1, 10000));
    s_expect_ran(c, id, ALL_STAGES + 1);
    assert_true(s_worker_alive(c, SNIPPET, 0)); /* it carries on after its nap */
    free(id);
    cluster_mark_ok(c);
}

static void test_late_reports_of_a_dropped_worker_change_nothing(void **state)
{
    cluster_t *c = s_cluster(state, NULL, false);
    for (int s = 0; s < CLUSTER_STAGES; s++)
        if (s != SNIPPET)
            s_worker(c, s, 0, NULL);
    zsock_t *fake = s_fake_worker(c, "fake-host/1/0001", "snippet");
    char *id = s_submit(c);
    proto_msg_t job = {0};
    assert_true(s_fake_take_job(fake, &job, JOB_MS));
    assert_string_equal(job.job_id, id);
    assert_string_equal(job.stage, "snippet");
    assert_int_equal(job.attempt, 1);
    /* Silent: no heartbeat, no report. Dropped and released. */
    assert_true(s_wait_job(c, id, "queued", "snippet", 1, "worker lost", 10000));
    s_worker(c, SNIPPET, 0, NULL);
    s_expect_done(c, id);
    char *snippets = cluster_part(c, id, "snippets");
    char *updated = cluster_job_field(c, id, "updated_ms");
    assert_non_null(snippets);
    long long stale = s_stat(c, "stale");
    s_fake_report(fake, id, job.attempt, true);
    assert_true(s_wait_stat(c, "stale", stale + 1, 5000));
    s_fake_report(fake, id, job.attempt, false);
    assert_true(s_wait_stat(c, "stale", stale + 2, 5000));
    s_fake_report(fake, id, 2, true); /* the real worker's attempt, duplicated */
    assert_true(s_wait_stat(c, "stale", stale + 3, 5000));
    assert_true(s_field_is(c, id, "state", "done"));
    assert_true(s_field_is(c, id, "updated_ms", updated));
    char *again = cluster_part(c, id, "snippets");
    assert_string_equal(again, snippets);
    assert_false(cluster_list_contains(c, "lode:dead", id));
    assert_int_equal(s_stat(c, "failed"), 0);
    s_expect_ran(c, id, ALL_STAGES + 1);
    proto_msg_clear(&job);
    zsock_destroy(&fake);
    free(again);
    free(updated);
    free(snippets);
    free(id);
    cluster_mark_ok(c);
}

/* The attempt number counts dispatches within one stage, so a snippet
 * worker's late DONE for attempt 1 must not complete the synthesis stage
 * that is running at its own attempt 1. */
static void test_a_late_done_from_an_earlier_stage_does_not_complete_the_current_one(void **state)
{
    cluster_t *c = s_cluster(state, NULL, false);
    s_worker(c, FETCH, 0, NULL);
    s_worker(c, FANOUT, 0, NULL);
    const char *const slow[] = {"--delay-ms", "4000", NULL};
    s_worker(c, SYNTHESIS, 0, slow);
    zsock_t *fake = s_fake_worker(c, "fake-host/2/0002", "snippet");
    char *id = s_submit(c);
    proto_msg_t job = {0};
    assert_true(s_fake_take_job(fake, &job, JOB_MS));
    assert_true(s_wait_job(c, id, "queued", "snippet", 1, "worker lost", 10000));
    s_worker(c, SNIPPET, 0, NULL);
    assert_true(s_wait_job(c, id, "running", "synthesis", 1, NULL, JOB_MS));
    long long stale = s_stat(c, "stale");
    s_fake_report(fake, id, job.attempt, true);
    assert_true(s_wait_stat(c, "stale", stale + 1, 3000));
    assert_true(s_field_is(c, id, "stage", "synthesis"));
    assert_true(s_field_is(c, id, "state", "running"));
    s_expect_done(c, id);
    s_expect_ran(c, id, ALL_STAGES + 1);
    proto_msg_clear(&job);
    zsock_destroy(&fake);
    free(id);
    cluster_mark_ok(c);
}

/* ======================================================= broker restarts */

static void test_a_killed_broker_restarted_gets_the_done_of_a_job_in_flight(void **state)
{
    const char *const broker[] = {"--lease-ms", "60000", NULL};
    cluster_t *c = s_cluster(state, broker, false);
    s_workers(c, SNIPPET, "2500");
    char *id = s_submit(c);
    assert_true(s_wait_job(c, id, "running", "snippet", 1, NULL, JOB_MS));
    int64_t t0 = cluster_now_ms();
    assert_int_equal(cluster_signal_broker(c, SIGKILL, 3000), 128 + SIGKILL);
    zclock_sleep(300);
    err_t err = {0};
    assert_int_equal(cluster_start_broker(c, &err), 0);
    s_expect_done(c, id);
    assert_true(cluster_now_ms() - t0 < 20000); /* never the 60 s lease */
    s_expect_ran(c, id, ALL_STAGES);            /* snippet ran once: its DONE counted */
    assert_int_equal(s_stat(c, "stale"), 0);
    assert_int_equal(s_stat(c, "retried"), 0);
    free(id);
    cluster_mark_ok(c);
}

/* The worker finishes while there is no broker at all: its DONE waits in
 * the socket and reaches the broker that comes back. */
static void test_a_done_sent_while_the_broker_is_down_reaches_its_successor(void **state)
{
    const char *const broker[] = {"--lease-ms", "60000", NULL};
    cluster_t *c = s_cluster(state, broker, false);
    s_workers(c, SNIPPET, "1000");
    char *id = s_submit(c);
    assert_true(s_wait_job(c, id, "running", "snippet", 1, NULL, JOB_MS));
    assert_int_equal(cluster_signal_broker(c, SIGKILL, 3000), 128 + SIGKILL);
    zclock_sleep(2000); /* the job finishes meanwhile */
    assert_true(s_field_is(c, id, "stage", "snippet"));
    err_t err = {0};
    assert_int_equal(cluster_start_broker(c, &err), 0);
    s_expect_done(c, id);
    s_expect_ran(c, id, ALL_STAGES);
    assert_int_equal(s_stat(c, "stale"), 0);
    free(id);
    cluster_mark_ok(c);
}

static void test_a_restarted_broker_releases_jobs_of_workers_that_died_meanwhile(void **state)
{
    const char *const broker[] = {"--lease-ms", "60000", NULL};
    cluster_t *c = s_cluster(state, broker, false);
    s_workers(c, SNIPPET, "30000");
    char *id = s_submit(c);
    assert_true(s_wait_job(c, id, "running", "snippet", 1, NULL, JOB_MS));
    s_worker(c, SNIPPET, 1, NULL); /* idle: the job is taken */
    assert_int_equal(cluster_signal_broker(c, SIGKILL, 3000), 128 + SIGKILL);
    assert_int_equal(cluster_signal_worker(c, SNIPPET, 0, SIGKILL, 3000), 128 + SIGKILL);
    err_t err = {0};
    int64_t t0 = cluster_now_ms();
    assert_int_equal(cluster_start_broker(c, &err), 0);
    s_expect_done(c, id);
    int64_t took = cluster_now_ms() - t0;
    fprintf(stderr, "orphan released and finished %lld ms after the restart\n", (long long)took);
    assert_true(took < 10000); /* five beats of grace, not the 60 s lease */
    s_expect_ran(c, id, ALL_STAGES + 1);
    char *log = s_broker_log(c);
    assert_non_null(strstr(log, "did not come back"));
    free(log);
    free(id);
    cluster_mark_ok(c);
}

/* ====================================================== clean shutdown */

static void test_sigterm_lets_a_worker_finish_its_job_and_stops_the_broker_at_once(void **state)
{
    cluster_t *c = s_cluster(state, NULL, false);
    s_workers(c, SNIPPET, "2000");
    char *id = s_submit(c);
    assert_true(s_wait_job(c, id, "running", "snippet", 1, NULL, JOB_MS));
    int64_t t0 = cluster_now_ms();
    assert_int_equal(cluster_signal_worker(c, SNIPPET, 0, SIGTERM, 10000), 0);
    int64_t took = cluster_now_ms() - t0;
    assert_true(took < 5000);
    s_expect_done(c, id); /* no snippet worker left: the drained DONE moved it on */
    s_expect_ran(c, id, ALL_STAGES);
    assert_int_equal(s_stat(c, "retried"), 0);
    t0 = cluster_now_ms();
    assert_int_equal(cluster_signal_broker(c, SIGTERM, 5000), 0);
    took = cluster_now_ms() - t0;
    fprintf(stderr, "broker stopped %lld ms after SIGTERM\n", (long long)took);
    assert_true(took < 2000);
    char *log = s_broker_log(c);
    assert_non_null(strstr(log, "stopping: dispatched="));
    free(log);
    free(id);
    cluster_mark_ok(c);
}

/* ================================================ retries, dead letters */

/* A snippet worker logging into Redis as user "flaky", whose commands are
 * refused (NOPERM: a retryable store error) while its rights are revoked.
 * Deterministic, unlike racing a Redis restart. */
static void s_flaky_worker(cluster_t *c, bool refused)
{
    char *ok =
        cluster_redis_str(c, "ACL SETUSER flaky on >pw ~* &* %s", refused ? "-@all" : "+@all");
    assert_non_null(ok);
    free(ok);
    char *url = mem_printf("redis://flaky:pw@127.0.0.1:%s", strrchr(cluster_redis_url(c), ':') + 1);
    const char *const extra[] = {"--redis", url, NULL};
    s_worker(c, SNIPPET, 0, extra);
    free(url);
}

static void s_flaky_allow(cluster_t *c, bool allow)
{
    char *ok = cluster_redis_str(c, "ACL SETUSER flaky %s", allow ? "+@all" : "-@all");
    assert_non_null(ok);
    free(ok);
}

static bool s_is_delayed(void *arg)
{
    void **a = arg;
    char *score = cluster_redis_str(a[0], "ZSCORE lode:delayed %s", (const char *)a[1]);
    free(score);
    return score != NULL;
}

static void test_a_retryable_failure_backs_off_through_the_delayed_set(void **state)
{
    const char *const broker[] = {"--retry-base-ms", "1500", NULL};
    cluster_t *c = s_cluster(state, broker, false);
    for (int s = 0; s < CLUSTER_STAGES; s++)
        if (s != SNIPPET)
            s_worker(c, s, 0, NULL);
    s_flaky_worker(c, true);
    char *id = s_submit(c);
    void *arg[2] = {c, id};
    assert_true(cluster_wait_for(s_is_delayed, arg, JOB_MS));
    assert_true(s_field_is(c, id, "state", "queued"));
    assert_true(s_field_is(c, id, "error_code", "ESTORE"));
    assert_true(s_field_is(c, id, "error_stage", "snippet"));
    assert_int_equal(cluster_redis_int(c, "LLEN lode:queue:snippet"), 0);
    /* Equal jitter on the first step: between half of it and all of it. */
    long long delay = s_job_int(c, id, "retry_at_ms") - s_job_int(c, id, "updated_ms");
    fprintf(stderr, "first back-off %lld ms\n", delay);
    assert_true(delay >= 750 && delay <= 1500);
    assert_int_equal(s_stat(c, "retried"), 1);
    s_flaky_allow(c, true);
    s_expect_done(c, id);
    s_expect_ran(c, id, ALL_STAGES + 1);
    assert_int_equal(cluster_redis_int(c, "ZCARD lode:delayed"), 0);
    assert_int_equal(s_stat(c, "failed"), 0);
    free(id);
    cluster_mark_ok(c);
}

static void test_retries_stop_at_the_stage_limit_and_lode_retry_revives_the_job(void **state)
{
    const char *const broker[] = {"--max-attempts", "snippet=2", "--retry-base-ms", "200", NULL};
    cluster_t *c = s_cluster(state, broker, false);
    for (int s = 0; s < CLUSTER_STAGES; s++)
        if (s != SNIPPET)
            s_worker(c, s, 0, NULL);
    s_flaky_worker(c, true);
    char *id = s_submit(c);
    assert_true(s_wait_job(c, id, "failed", "snippet", 2, NULL, JOB_MS));
    assert_true(s_field_is(c, id, "error_code", "ESTORE"));
    assert_int_equal(s_job_int(c, id, "attempts"), 3); /* fetch once, snippet twice */
    assert_true(cluster_list_contains(c, "lode:dead", id));
    assert_int_equal(s_stat(c, "retried"), 1);
    assert_int_equal(s_stat(c, "failed"), 1);
    char *out = NULL, *errout = NULL;
    assert_int_equal(cluster_run_cli(c, NULL, &out, &errout, "dead", NULL), 0);
    assert_non_null(strstr(out, id));
    assert_non_null(strstr(out, "snippet"));
    assert_non_null(strstr(out, "ESTORE"));
    free(out);
    free(errout);
    s_flaky_allow(c, true);
    assert_int_equal(cluster_run_cli(c, NULL, &out, &errout, "retry", id, NULL), 0);
    assert_non_null(strstr(out, id));
    free(out);
    free(errout);
    s_expect_done(c, id);
    assert_false(cluster_list_contains(c, "lode:dead", id));
    assert_int_equal(s_stat(c, "failed"), 0);
    s_expect_ran(c, id, 1 + 3 + 2); /* snippet 2 + 1 after the retry */
    free(id);
    cluster_mark_ok(c);
}

static char *s_submit_blank(cluster_t *c)
{
    const char *blank = "  \n\t \n";
    char *id = cluster_submit_text(c, blank, strlen(blank));
    assert_non_null(id);
    assert_true(s_wait_job(c, id, "failed", "fetch", 1, "empty transcript", JOB_MS));
    return id;
}

/* `lode dead --json` lists a and b (with their total attempts), dead at fetch. */
static void s_expect_dead_json(cluster_t *c, const char *a, int a_runs, const char *b, int b_runs)
{
    char *out = NULL, *errout = NULL;
    assert_int_equal(cluster_run_cli(c, NULL, &out, &errout, "dead", "--json", NULL), 0);
    json_error_t jerr;
    json_t *arr = json_loads(out, 0, &jerr);
    assert_true(json_is_array(arr));
    assert_int_equal(json_array_size(arr), 2);
    size_t i;
    json_t *row;
    json_array_foreach(arr, i, row)
    {
        const char *rid = json_string_value(json_object_get(row, "id"));
        assert_true(rid && (!strcmp(rid, a) || !strcmp(rid, b)));
        assert_string_equal(json_string_value(json_object_get(row, "stage")), "fetch");
        assert_non_null(
            strstr(json_string_value(json_object_get(row, "reason")), "empty transcript"));
        assert_int_equal(json_integer_value(json_object_get(row, "attempts")),
                         strcmp(rid, a) == 0 ? a_runs : b_runs);
        assert_true(json_string_length(json_object_get(row, "code")) > 0);
    }
    json_decref(arr);
    free(out);
    free(errout);
}

static void test_permanent_failures_are_dead_lettered_listed_and_retried_by_hand(void **state)
{
    cluster_t *c = s_cluster(state, NULL, false);
    s_workers(c, -1, NULL);
    char *a = s_submit_blank(c), *b = s_submit_blank(c);
    assert_int_equal(s_stat(c, "retried"), 0); /* permanent: straight to the dead list */
    char *out = NULL, *errout = NULL;
    assert_int_equal(cluster_run_cli(c, NULL, &out, &errout, "dead", NULL), 0);
    assert_non_null(strstr(out, a));
    assert_non_null(strstr(out, b));
    assert_non_null(strstr(out, "fetch"));
    assert_non_null(strstr(out, "empty transcript"));
    free(out);
    free(errout);
    s_expect_dead_json(c, a, 1, b, 1);
    /* By hand: off the dead list, queued with attempt 0, fails again. */
    assert_int_equal(cluster_run_cli(c, NULL, &out, &errout, "retry", a, NULL), 0);
    assert_int_equal(strncmp(out, a, strlen(a)), 0);
    free(out);
    free(errout);
    assert_true(s_wait_job(c, a, "failed", "fetch", 1, "empty transcript", JOB_MS));
    assert_int_equal(s_job_int(c, a, "attempts"), 2);
    assert_int_equal(cluster_redis_int(c, "LLEN lode:dead"), 2); /* listed once each */
    assert_int_equal(s_stat(c, "failed"), 2);
    assert_int_equal(
        cluster_run_cli(c, NULL, &out, &errout, "retry", "--all", "--stage", "snippet", NULL), 0);
    assert_non_null(strstr(out, "0 job(s) re-queued"));
    free(out);
    free(errout);
    assert_int_equal(
        cluster_run_cli(c, NULL, &out, &errout, "retry", "--all", "--stage", "fetch", NULL), 0);
    assert_non_null(strstr(out, "2 job(s) re-queued"));
    free(out);
    free(errout);
    assert_true(s_wait_job(c, a, "failed", "fetch", 1, "empty transcript", JOB_MS));
    assert_true(s_wait_job(c, b, "failed", "fetch", 1, "empty transcript", JOB_MS));
    s_expect_dead_json(c, a, 3, b, 2);
    free(a);
    free(b);
    cluster_mark_ok(c);
}

static void test_lode_retry_refuses_jobs_that_are_not_failed_or_do_not_exist(void **state)
{
    cluster_t *c = s_cluster(state, NULL, false);
    s_workers(c, -1, NULL);
    char *id = s_submit(c);
    s_expect_done(c, id);
    char *out = NULL, *errout = NULL;
    assert_int_equal(cluster_run_cli(c, NULL, &out, &errout, "retry", id, NULL), 1);
    assert_non_null(strstr(errout, "not failed"));
    assert_int_equal(out[0], '\0');
    free(out);
    free(errout);
    assert_int_equal(
        cluster_run_cli(c, NULL, &out, &errout, "retry", "01ARZ3NDEKTSV4RRFFQ69G5FAV", NULL), 3);
    assert_non_null(strstr(errout, "no job"));
    free(out);
    free(errout);
    assert_int_equal(cluster_run_cli(c, NULL, &out, &errout, "retry", "not-an-id", NULL), 3);
    free(out);
    free(errout);
    assert_int_equal(cluster_run_cli(c, NULL, &out, &errout, "retry", NULL), 2);
    free(out);
    free(errout);
    assert_int_equal(cluster_run_cli(c, NULL, &out, &errout, "retry", "--all", id, NULL), 2);
    free(out);
    free(errout);
    assert_int_equal(s_job_int(c, id, "completions"), 1);
    free(id);
    cluster_mark_ok(c);
}

/* ============================================================ Redis down */

#define REDIS_JOBS 20

static void test_a_clean_redis_restart_mid_run_loses_no_accepted_job(void **state)
{
    const char *const broker[] = {"--lease-ms", "3000", "--retry-base-ms", "200", "--retry-max-ms",
                                  "1000",       NULL};
    cluster_t *c = s_cluster(state, broker, true);
    const char *const slow[] = {"--delay-ms", "60", NULL};
    for (int s = 0; s < CLUSTER_STAGES; s++)
        s_worker(c, s, 0, slow);
    char *prose = cluster_prose(150);
    const char *argv[REDIS_JOBS + 2] = {"submit"};
    char *paths[REDIS_JOBS];
    for (int i = 0; i < REDIS_JOBS; i++) {
        char name[32];
        snprintf(name, sizeof name, "doc%02d.txt", i);
        char *body = mem_printf("Document %d.\n\n%s", i, prose);
        paths[i] = cluster_write_file(c, name, body, strlen(body));
        argv[i + 1] = paths[i];
        free(body);
    }
    char *out = NULL, *errout = NULL;
    assert_int_equal(cluster_run_cliv(c, NULL, 0, &out, &errout, argv), 0);
    zclock_sleep(500);
    long long done_before = s_stat(c, "done");
    err_t err = {0};
    assert_int_equal(cluster_restart_redis(c, SIGTERM, &err), 0);
    fprintf(stderr, "redis restarted with %lld of %d jobs done\n", done_before, REDIS_JOBS);
    int n = 0;
    for (char *id = strtok(out, "\n"); id; id = strtok(NULL, "\n"), n++) {
        s_expect_done(c, id);
        assert_int_equal(s_job_int(c, id, "completions"), 1);
    }
    assert_int_equal(n, REDIS_JOBS);
    assert_int_equal(cluster_redis_int(c, "ZCARD lode:jobs"), REDIS_JOBS);
    assert_int_equal(s_stat(c, "done"), REDIS_JOBS);
    assert_true(cluster_broker_alive(c));
    for (int s = 0; s < CLUSTER_STAGES; s++)
        assert_true(s_worker_alive(c, s, 0));
    for (int i = 0; i < REDIS_JOBS; i++)
        free(paths[i]);
    free(out);
    free(errout);
    free(prose);
    cluster_mark_ok(c);
}

static void test_submissions_while_redis_is_down_fail_clearly_and_service_resumes(void **state)
{
    cluster_t *c = s_cluster(state, NULL, true);
    s_workers(c, -1, NULL);
    char *first = s_submit(c);
    s_expect_done(c, first);
    zclock_sleep(1200); /* appendfsync everysec: the AOF holds it now */
    cluster_kill_redis(c, SIGKILL);
    char *out = NULL, *errout = NULL;
    int64_t t0 = cluster_now_ms();
    int rc = cluster_run_cli(c, "Text sent while Redis is down.", &out, &errout, "--timeout", "5",
                             "submit", "--text", "-", NULL);
    fprintf(stderr, "submit during the outage: exit %d, %s", rc, errout);
    assert_true(rc != 0 && rc != CLUSTER_EXIT_TIMEOUT);
    assert_true(cluster_now_ms() - t0 < 15000);
    assert_int_equal(out[0], '\0'); /* no job id: nothing was acknowledged */
    assert_non_null(strcasestr(errout, "redis"));
    free(out);
    free(errout);
    zclock_sleep(3 * HB_MS); /* long enough for a crash to show */
    assert_true(cluster_broker_alive(c));
    for (int s = 0; s < CLUSTER_STAGES; s++)
        assert_true(s_worker_alive(c, s, 0));
    err_t err = {0};
    assert_int_equal(cluster_start_redis(c, &err), 0);
    /* The broker retries Redis with a back-off (up to 2 s) and fails fast
     * meanwhile: a submission is refused until it has seen Redis again. */
    assert_true(cluster_wait_for(s_broker_sees_redis, c, 5000));
    assert_true(s_field_is(c, first, "state", "done"));           /* from the AOF */
    assert_int_equal(cluster_redis_int(c, "ZCARD lode:jobs"), 1); /* the refused one is not there */
    char *second = s_submit(c);
    s_expect_done(c, second);
    s_expect_ran(c, second, ALL_STAGES);
    free(first);
    free(second);
    cluster_mark_ok(c);
}

int main(void)
{
    if (getenv("LODE_TEST_FILTER"))
        cmocka_set_test_filter(getenv("LODE_TEST_FILTER"));
#define T(fn) cmocka_unit_test_teardown(fn, s_teardown)
    const struct CMUnitTest workers[] = {
        T(test_a_worker_killed_mid_job_is_dropped_and_its_job_released_at_once),
        T(test_an_expired_lease_requeues_and_the_late_done_is_ignored),
        T(test_a_stopped_worker_is_dropped_and_its_report_after_sigcont_is_stale),
        T(test_late_reports_of_a_dropped_worker_change_nothing),
        T(test_a_late_done_from_an_earlier_stage_does_not_complete_the_current_one),
    };
    const struct CMUnitTest broker[] = {
        T(test_a_killed_broker_restarted_gets_the_done_of_a_job_in_flight),
        T(test_a_done_sent_while_the_broker_is_down_reaches_its_successor),
        T(test_a_restarted_broker_releases_jobs_of_workers_that_died_meanwhile),
        T(test_sigterm_lets_a_worker_finish_its_job_and_stops_the_broker_at_once),
    };
    const struct CMUnitTest retries[] = {
        T(test_a_retryable_failure_backs_off_through_the_delayed_set),
        T(test_retries_stop_at_the_stage_limit_and_lode_retry_revives_the_job),
        T(test_permanent_failures_are_dead_lettered_listed_and_retried_by_hand),
        T(test_lode_retry_refuses_jobs_that_are_not_failed_or_do_not_exist),
    };
    const struct CMUnitTest redis[] = {
        T(test_a_clean_redis_restart_mid_run_loses_no_accepted_job),
        T(test_submissions_while_redis_is_down_fail_clearly_and_service_resumes),
    };
#undef T
    int failed = cmocka_run_group_tests_name("workers that go away", workers, NULL, NULL);
    failed += cmocka_run_group_tests_name("broker restarts", broker, NULL, NULL);
    failed += cmocka_run_group_tests_name("retries and dead letters", retries, NULL, NULL);
    failed += cmocka_run_group_tests_name("redis down", redis, NULL, NULL);
    return cluster_main_result(failed);
}
