/*  test_failures.c - the harness itself, then bad input and broken parts of
 *  the cluster: each gets a clear error and harms nothing else.
 *  SPDX-License-Identifier: MIT
 */
// clang-format off
#define _GNU_SOURCE /* strcasestr */
#include "test.h"
// clang-format on

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <czmq.h>
#include <jansson.h>
#include <msgpack.h>

#include "cluster.h"
#include "fixture.h"
#include "mem.h"

#define JOB_LIMIT_MS 60000

/* ------------------------------------------------------------ the harness */

static int s_port_of(const char *url)
{
    const char *colon = strrchr(url, ':');
    return colon ? atoi(colon + 1) : -1;
}

static bool s_listening(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bool ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

static bool s_both_closed(void *arg)
{
    const int *ports = arg;
    return !s_listening(ports[0]) && !s_listening(ports[1]);
}

static void test_harness_starts_redis_and_broker_on_loopback(void **state)
{
    (void)state;
    err_t err = {0};
    cluster_t *c = cluster_new(NULL, &err);
    assert_non_null(c);
    char *pong = cluster_redis_str(c, "PING");
    assert_string_equal(pong, "PONG");
    free(pong);
    assert_true(strncmp(cluster_redis_url(c), "redis://127.0.0.1:", 18) == 0);
    assert_true(strncmp(cluster_broker_endpoint(c), "tcp://127.0.0.1:", 16) == 0);
    assert_true(s_listening(s_port_of(cluster_broker_endpoint(c))));
    assert_true(cluster_broker_alive(c));
    struct stat st;
    assert_int_equal(stat(cluster_tmpdir(c), &st), 0);
    cluster_destroy(&c);
    assert_null(c);
}

static void test_harness_destroy_stops_everything_and_removes_its_dir(void **state)
{
    (void)state;
    err_t err = {0};
    cluster_t *c = cluster_new(NULL, &err);
    assert_non_null(c);
    int ports[2] = {s_port_of(cluster_redis_url(c)), s_port_of(cluster_broker_endpoint(c))};
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", cluster_tmpdir(c));
    int64_t t0 = cluster_now_ms();
    cluster_destroy(&c);
    assert_true(cluster_now_ms() - t0 < 8000);
    assert_true(s_both_closed(ports));
    struct stat st;
    assert_int_equal(stat(dir, &st), -1);
}

static void test_harness_children_die_with_a_crashed_test_binary(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        err_t err = {0};
        cluster_t *c = cluster_new(NULL, &err);
        if (c)
            dprintf(fds[1], "%d %d %s\n", s_port_of(cluster_redis_url(c)),
                    s_port_of(cluster_broker_endpoint(c)), cluster_tmpdir(c));
        raise(SIGKILL); /* no atexit, no teardown: only PDEATHSIG is left */
    }
    close(fds[1]);
    FILE *f = fdopen(fds[0], "r");
    int ports[2] = {0, 0};
    char dir[4096] = "";
    int n = fscanf(f, "%d %d %4095s", &ports[0], &ports[1], dir);
    fclose(f);
    waitpid(pid, NULL, 0);
    assert_int_equal(n, 3);
    assert_true(cluster_wait_for(s_both_closed, ports, 3000));
    cluster_rmtree(dir);
}

static void test_harness_cli_runner_captures_status_and_both_streams(void **state)
{
    (void)state;
    const char *argv[] = {"no-such-command", NULL};
    char *out = NULL, *errout = NULL;
    int rc = cluster_run_cli_at("redis://127.0.0.1:1", "tcp://127.0.0.1:1", "ignored", 7, &out,
                                &errout, argv);
    assert_int_equal(rc, 2); /* usage */
    assert_non_null(out);
    assert_true(errout && *errout);
    free(out);
    free(errout);
}

/* ----------------------------------------------------------- bad input */

static cluster_t *s_cluster(void **state)
{
    return *state;
}

static bool s_contains_ci(const char *hay, const char *needle)
{
    return hay && strcasestr(hay, needle) != NULL;
}

/* The job failed in fetch, is dead-lettered and never reached snippet. The
 * error text (caller frees). */
static char *s_expect_failed_in_fetch(cluster_t *c, const char *id)
{
    char *st = cluster_wait_job(c, id, JOB_LIMIT_MS);
    assert_non_null(st);
    assert_string_equal(st, "failed");
    free(st);
    char *stage = cluster_job_field(c, id, "stage");
    assert_non_null(stage);
    assert_string_equal(stage, "fetch");
    free(stage);
    assert_int_equal(cluster_redis_int(c, "EXISTS lode:job:%s:snippets", id), 0);
    assert_true(cluster_list_contains(c, "lode:dead", id));
    char *error = cluster_job_field(c, id, "error");
    assert_true(error && *error);
    char *out = NULL, *errout = NULL;
    assert_int_equal(cluster_run_cli(c, NULL, &out, &errout, "wait", id, "--timeout", "10", NULL),
                     4);
    free(out);
    free(errout);
    return error;
}

static void test_whitespace_only_text_fails_in_fetch_as_an_empty_transcript(void **state)
{
    cluster_t *c = s_cluster(state);
    const char *blank = "   \n\t\n  \r\n  ";
    char *id = cluster_submit_text(c, blank, strlen(blank));
    assert_non_null(id);
    char *error = s_expect_failed_in_fetch(c, id);
    assert_true(s_contains_ci(error, "empty transcript"));
    free(error);
    free(id);
    cluster_mark_ok(c);
}

static void test_empty_text_is_refused_or_fails_as_an_empty_transcript(void **state)
{
    cluster_t *c = s_cluster(state);
    long long jobs = cluster_redis_int(c, "ZCARD lode:jobs");
    char *out = NULL, *errout = NULL;
    int rc = cluster_run_cli(c, "", &out, &errout, "submit", "--text", "-", NULL);
    if (rc != 0) { /* refused by the client: say why, create nothing */
        assert_true(rc == 1 || rc == 2);
        assert_true(errout && *errout);
        assert_int_equal(cluster_redis_int(c, "ZCARD lode:jobs"), jobs);
    } else {
        out[strcspn(out, "\n")] = '\0';
        char *error = s_expect_failed_in_fetch(c, out);
        assert_true(s_contains_ci(error, "empty transcript"));
        free(error);
    }
    free(out);
    free(errout);
    cluster_mark_ok(c);
}

/* A string anywhere in j (values of objects and arrays) containing needle. */
static bool s_json_mentions(json_t *j, const char *needle)
{
    if (json_is_string(j))
        return s_contains_ci(json_string_value(j), needle);
    size_t i;
    const char *key;
    json_t *v;
    if (json_is_array(j))
        json_array_foreach(j, i, v) if (s_json_mentions(v, needle)) return true;
    if (json_is_object(j))
        json_object_foreach(j, key, v) if (s_json_mentions(v, needle)) return true;
    return false;
}

static void test_invalid_utf8_is_repaired_with_a_note_or_clearly_rejected(void **state)
{
    cluster_t *c = s_cluster(state);
    char *prose = cluster_prose(300);
    /* A stray byte, a bad continuation, a truncated sequence, a surrogate
     * and an overlong slash, between sentences of real prose. */
    char *text = mem_printf("Bad \xff byte. \xc3\x28 pair. %s Cut \xe2\x82 here. Surrogate "
                            "\xed\xa0\x80 and overlong \xc0\xaf end.",
                            prose);
    char *id = cluster_submit_text(c, text, strlen(text));
    assert_non_null(id);
    char *st = cluster_wait_job(c, id, JOB_LIMIT_MS);
    assert_non_null(st);
    if (strcmp(st, "done") == 0) {
        char *doc = cluster_export_json(c, id);
        assert_true(cluster_doc_check(doc, false) >= 1); /* text valid, quotes grounded */
        json_t *j = json_loads(doc, 0, NULL);
        assert_true(s_json_mentions(json_object_get(j, "source"), "UTF-8"));
        assert_non_null(
            strstr(json_string_value(json_object_get(json_object_get(j, "transcript"), "text")),
                   "\xef\xbf\xbd")); /* U+FFFD stands in */
        json_decref(j);
        free(doc);
    } else {
        char *error = cluster_job_field(c, id, "error");
        assert_true(s_contains_ci(error, "UTF-8"));
        free(error);
    }
    free(st);
    free(id);
    free(text);
    free(prose);
    cluster_mark_ok(c);
}

static void test_malformed_vtt_fails_with_a_clear_message(void **state)
{
    cluster_t *c = s_cluster(state);
    const char *vtt = "WEBVTT\n\nthis is not a timing line\nHello there.\n\n"
                      "00:00:05.000 --> nonsense\nAnother line.\n\n"
                      "99:99 -> 00:00:01.000\nThird line.\n";
    char *path = cluster_write_file(c, "broken.vtt", vtt, strlen(vtt));
    char *out = NULL, *errout = NULL;
    int rc = cluster_run_cli(c, NULL, &out, &errout, "submit", path, NULL);
    assert_int_equal(rc, 0);
    out[strcspn(out, "\n")] = '\0';
    char *error = s_expect_failed_in_fetch(c, out);
    bool clear = s_contains_ci(error, "vtt") || s_contains_ci(error, "cue") ||
                 s_contains_ci(error, "timestamp") || s_contains_ci(error, "timing");
    if (!clear)
        fprintf(stderr, "unclear error for a malformed VTT: %s\n", error);
    assert_true(clear);
    free(error);
    free(out);
    free(errout);
    free(path);
    cluster_mark_ok(c);
}

static void test_file_over_50_mb_is_refused_before_upload(void **state)
{
    cluster_t *c = s_cluster(state);
    char *path = cluster_write_file(c, "huge.txt", "x", 1);
    assert_non_null(path);
    assert_int_equal(truncate(path, 51L * 1024 * 1024), 0); /* sparse */
    long long jobs = cluster_redis_int(c, "ZCARD lode:jobs");
    int64_t t0 = cluster_now_ms();
    char *out = NULL, *errout = NULL;
    int rc = cluster_run_cli(c, NULL, &out, &errout, "submit", path, NULL);
    assert_true(rc == 1 || rc == 2);
    assert_true(cluster_now_ms() - t0 < 10000);
    assert_true(errout && *errout);
    assert_int_equal(out[0], '\0'); /* no id printed */
    assert_int_equal(cluster_redis_int(c, "ZCARD lode:jobs"), jobs);
    free(out);
    free(errout);
    free(path);
    cluster_mark_ok(c);
}

static void s_pack_header(msgpack_packer *pk, int version, int type, size_t n_fields)
{
    msgpack_pack_array(pk, 3);
    msgpack_pack_int(pk, version);
    msgpack_pack_int(pk, type);
    msgpack_pack_map(pk, n_fields);
}

static void s_pack_str(msgpack_packer *pk, const char *s)
{
    msgpack_pack_str(pk, strlen(s));
    msgpack_pack_str_body(pk, s, strlen(s));
}

/* A well-formed SUBMIT of one inline text, at the given version. */
static void s_pack_submit(msgpack_sbuffer *sb, int version)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    s_pack_header(&pk, version, 6, 2);
    s_pack_str(&pk, "seq");
    msgpack_pack_uint32(&pk, 1);
    s_pack_str(&pk, "items");
    msgpack_pack_array(&pk, 1);
    msgpack_pack_map(&pk, 2);
    s_pack_str(&pk, "kind");
    s_pack_str(&pk, "text");
    s_pack_str(&pk, "body");
    s_pack_str(&pk, "A stranger's text that must never become a job.");
}

static void s_send(zsock_t *dealer, const void *data, size_t len)
{
    zmsg_t *msg = zmsg_new();
    zmsg_addmem(msg, data, len);
    assert_int_equal(zmsg_send(&msg, dealer), 0);
}

/* Frames a stranger might send: noise, truncation, a wrong version, unknown
 * types, wrong shapes, lying lengths, several frames at once. */
static void s_send_garbage(zsock_t *dealer)
{
    unsigned char noise[256];
    srand(42);
    for (size_t i = 0; i < sizeof noise; i++)
        noise[i] = (unsigned char)rand();
    for (size_t n = 1; n <= sizeof noise; n *= 2)
        s_send(dealer, noise, n);
    s_send(dealer, "", 0);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    s_pack_submit(&sb, 1);
    for (size_t cut = 1; cut < sb.size; cut += 7)
        s_send(dealer, sb.data, cut); /* every truncation of a real SUBMIT */
    msgpack_sbuffer_clear(&sb);
    s_pack_submit(&sb, 99); /* wrong version */
    s_send(dealer, sb.data, sb.size);
    msgpack_sbuffer_destroy(&sb);
    const unsigned char odd[][8] = {
        {0x93, 0x01, 0x4d, 0x80},             /* [1, 77, {}]: unknown type */
        {0x93, 0x01, 0x01, 0x90},             /* READY with an array for fields */
        {0x81, 0xa1, 0x61, 0x01},             /* a map, not an array */
        {0x93, 0xa1, 0x31, 0xa1, 0x36, 0x80}, /* ["1", "6", {}] */
        {0xdb, 0xff, 0xff, 0xff, 0xf0, 0x41}, /* a 4 GB string, 1 byte given */
        {0xdd, 0xff, 0xff, 0xff, 0xff, 0x01}, /* a 4-billion-element array */
        {0x93, 0x01, 0x03, 0xc1},             /* reserved byte 0xc1 */
    };
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++)
        s_send(dealer, odd[i], sizeof odd[i]);
    zmsg_t *multi = zmsg_new();
    zmsg_addstr(multi, "one");
    zmsg_addstr(multi, "two");
    zmsg_addstr(multi, "three");
    assert_int_equal(zmsg_send(&multi, dealer), 0);
}

static void test_malformed_frames_leave_the_broker_serving(void **state)
{
    cluster_t *c = s_cluster(state);
    long long jobs = cluster_redis_int(c, "ZCARD lode:jobs");
    char *ep = mem_printf(">%s", cluster_broker_endpoint(c));
    zsock_t *dealer = zsock_new_dealer(ep);
    assert_non_null(dealer);
    zsock_set_sndtimeo(dealer, 2000);
    s_send_garbage(dealer);
    zclock_sleep(300);
    zsock_destroy(&dealer);
    free(ep);
    assert_true(cluster_broker_alive(c));
    assert_int_equal(cluster_redis_int(c, "ZCARD lode:jobs"), jobs); /* v99 SUBMIT made nothing */
    char *prose = cluster_prose(300);
    char *id = cluster_submit_text(c, prose, strlen(prose));
    assert_non_null(id);
    char *st = cluster_wait_job(c, id, JOB_LIMIT_MS);
    assert_non_null(st);
    assert_string_equal(st, "done");
    assert_true(cluster_broker_alive(c));
    free(st);
    free(id);
    free(prose);
    cluster_mark_ok(c);
}

/* ------------------------------------------------ broken parts, own cluster */

/* A short lease, so a job handed to a worker that was killed before the
 * broker noticed comes back in seconds, not a minute. */
static int s_own_setup(void **state)
{
    static const char *const broker_args[] = {"--lease-ms", "3000", NULL};
    cluster_opts_t opts = {.broker_args = broker_args};
    if (fixture_group_start(state, &opts) != 0)
        return -1;
    return fixture_setup(state);
}

static int s_own_teardown(void **state)
{
    cluster_check(*state);
    return fixture_group_teardown(state);
}

static void test_unreachable_broker_makes_submit_exit_6_in_time(void **state)
{
    cluster_t *c = s_cluster(state);
    char broker[64];
    assert_int_equal(fixture_tcp_endpoint(broker, sizeof broker), 0);
    const char *argv[] = {"--timeout", "3", "submit", "--text", "-", NULL};
    char *out = NULL, *errout = NULL;
    int64_t t0 = cluster_now_ms();
    int rc =
        cluster_run_cli_at(cluster_redis_url(c), broker, "Some text.", 10, &out, &errout, argv);
    int64_t took = cluster_now_ms() - t0;
    assert_int_equal(rc, 6);
    assert_true(took < 10000); /* --timeout 3 plus start-up, never the 30 s harness limit */
    assert_true(errout && *errout);
    free(out);
    free(errout);
    cluster_mark_ok(c);
}

static void test_killed_redis_makes_status_exit_6_with_a_clear_message(void **state)
{
    cluster_t *c = s_cluster(state);
    cluster_kill_redis(c, SIGKILL);
    char *out = NULL, *errout = NULL;
    int64_t t0 = cluster_now_ms();
    int rc = cluster_run_cli(c, NULL, &out, &errout, "--timeout", "3", "status", NULL);
    assert_int_equal(rc, 6);
    assert_true(cluster_now_ms() - t0 < 15000);
    if (!s_contains_ci(errout, "redis"))
        fprintf(stderr, "stderr does not name Redis: %s\n", errout);
    assert_true(s_contains_ci(errout, "redis"));
    free(out);
    free(errout);
    cluster_mark_ok(c);
}

static bool s_queued_at_snippet(void *arg)
{
    void **a = arg;
    char *state = cluster_job_field(a[0], a[1], "state");
    char *stage = cluster_job_field(a[0], a[1], "stage");
    bool yes = state && stage && !strcmp(state, "queued") && !strcmp(stage, "snippet");
    free(state);
    free(stage);
    return yes;
}

/* With the snippet worker gone the job waits in its queue; restart_broker
 * also restarts the broker meanwhile. Either way it completes once a snippet
 * worker is back. */
static void s_job_waits_for_a_worker(cluster_t *c, bool restart_broker)
{
    assert_int_equal(cluster_kill_worker(c, 1, 0, SIGKILL), 0);
    char *prose = cluster_prose(300);
    char *id = cluster_submit_text(c, prose, strlen(prose));
    assert_non_null(id);
    void *arg[2] = {c, id};
    assert_true(cluster_wait_for(s_queued_at_snippet, arg, 15000));
    err_t err = {0};
    if (restart_broker)
        assert_int_equal(cluster_restart_broker(c, &err), 0);
    /* The broker may have handed the job to the killed worker before it
     * noticed the death; the lease then brings it back (a restarted broker
     * too). Nothing is lost while no one can take it. */
    assert_true(cluster_wait_for(s_queued_at_snippet, arg, 15000));
    assert_int_equal(cluster_start_worker(c, 1, 0, &err), 0);
    char *st = cluster_wait_job(c, id, JOB_LIMIT_MS);
    assert_non_null(st);
    assert_string_equal(st, "done");
    free(st);
    free(id);
    free(prose);
    cluster_mark_ok(c);
}

static void test_a_job_waits_for_a_killed_worker_to_come_back(void **state)
{
    s_job_waits_for_a_worker(s_cluster(state), false);
}

static void test_a_queued_job_survives_a_broker_restart(void **state)
{
    s_job_waits_for_a_worker(s_cluster(state), true);
}

static int s_scale_setup(void **state)
{
    static const char *const broker_args[] = {"--lease-ms", "3000", NULL};
    cluster_opts_t opts = {.workers_per_stage = 2, .concurrency = 2, .broker_args = broker_args};
    if (fixture_group_start(state, &opts) != 0)
        return -1;
    return fixture_setup(state);
}

#define SCALE_JOBS 20

static void test_jobs_of_killed_workers_are_redispatched_and_all_finish(void **state)
{
    cluster_t *c = s_cluster(state);
    char *prose = cluster_prose(200);
    const char *argv[SCALE_JOBS + 2] = {"submit"};
    char *paths[SCALE_JOBS];
    for (int i = 0; i < SCALE_JOBS; i++) {
        char name[32];
        snprintf(name, sizeof name, "doc%02d.txt", i);
        char *body = mem_printf("Document %d.\n\n%s", i, prose);
        paths[i] = cluster_write_file(c, name, body, strlen(body));
        argv[i + 1] = paths[i];
        free(body);
    }
    char *out = NULL, *errout = NULL;
    assert_int_equal(cluster_run_cliv(c, NULL, 0, &out, &errout, argv), 0);
    /* Kill one worker of each text stage while the batch runs. */
    for (int stage = 1; stage < 4; stage++)
        assert_int_equal(cluster_kill_worker(c, stage, 0, SIGKILL), 0);
    int n = 0;
    for (char *id = strtok(out, "\n"); id; id = strtok(NULL, "\n"), n++) {
        char *st = cluster_wait_job(c, id, JOB_LIMIT_MS);
        if (!st || strcmp(st, "done") != 0)
            fprintf(stderr, "job %s ended %s\n", id, st ? st : "(timeout)");
        assert_non_null(st);
        assert_string_equal(st, "done");
        assert_false(cluster_list_contains(c, "lode:dead", id));
        free(st);
    }
    assert_int_equal(n, SCALE_JOBS);
    for (int i = 0; i < SCALE_JOBS; i++)
        free(paths[i]);
    free(out);
    free(errout);
    free(prose);
    cluster_mark_ok(c);
}

int main(void)
{
    if (getenv("LODE_TEST_FILTER")) /* e.g. LODE_TEST_FILTER="*vtt*" */
        cmocka_set_test_filter(getenv("LODE_TEST_FILTER"));
    const struct CMUnitTest harness[] = {
        cmocka_unit_test(test_harness_starts_redis_and_broker_on_loopback),
        cmocka_unit_test(test_harness_destroy_stops_everything_and_removes_its_dir),
        cmocka_unit_test(test_harness_children_die_with_a_crashed_test_binary),
        cmocka_unit_test(test_harness_cli_runner_captures_status_and_both_streams),
    };
#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)
    const struct CMUnitTest bad_input[] = {
        T(test_whitespace_only_text_fails_in_fetch_as_an_empty_transcript),
        T(test_empty_text_is_refused_or_fails_as_an_empty_transcript),
        T(test_invalid_utf8_is_repaired_with_a_note_or_clearly_rejected),
        T(test_malformed_vtt_fails_with_a_clear_message),
        T(test_file_over_50_mb_is_refused_before_upload),
        T(test_malformed_frames_leave_the_broker_serving),
    };
#undef T
#define T(fn) cmocka_unit_test_setup_teardown(fn, s_own_setup, s_own_teardown)
    const struct CMUnitTest broken[] = {
        T(test_unreachable_broker_makes_submit_exit_6_in_time),
        T(test_killed_redis_makes_status_exit_6_with_a_clear_message),
        T(test_a_job_waits_for_a_killed_worker_to_come_back),
        T(test_a_queued_job_survives_a_broker_restart),
        cmocka_unit_test_setup_teardown(test_jobs_of_killed_workers_are_redispatched_and_all_finish,
                                        s_scale_setup, s_own_teardown),
    };
#undef T
    int failed = cmocka_run_group_tests_name("harness", harness, NULL, NULL);
    failed += cmocka_run_group_tests_name("bad input", bad_input, fixture_group_setup,
                                          fixture_group_teardown);
    failed += cmocka_run_group_tests_name("broken parts", broken, NULL, NULL);
    return cluster_main_result(failed);
}
