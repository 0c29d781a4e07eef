/*  test_cli_habits.c - the habits of the ecosystem and riding out restarts
 *  (#15 items 5, 8, 12), through the real lode, lode-broker and lode-worker:
 *  job ids by unique prefix, --json everywhere, export -o, list filters,
 *  titles for --text, $PAGER, a failed job's failure said once, status
 *  naming a stage with no workers, wait's "done", submit --wait lines, and
 *  wait and top across a Redis and a broker restart.
 *  SPDX-License-Identifier: MIT
 */
// clang-format off
#define _GNU_SOURCE /* strcasestr */
#include "test.h"
// clang-format on

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <czmq.h>
#include <jansson.h>

#include "cluster.h"
#include "fixture.h"
#include "job.h"
#include "mem.h"

#define JOB_LIMIT_MS 60000

typedef struct {
    cluster_t *c;
    char pub[64];   /* tcp://127.0.0.1:PORT of the broker's stats PUB */
    char *prose;    /* owned: text worth mining */
    char *done_id;  /* owned: a done --text job */
    char *done_id2; /* owned: a second one, submitted right after */
    char *batch;    /* owned: the batch of done_id */
} s_fx_t;

static void s_expect_in(const char *hay, const char *needle)
{
    if (!hay || !strstr(hay, needle))
        fail_msg("\"%s\" not in:\n%s", needle, hay ? hay : "(null)");
}

static size_t s_count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; p && (p = strstr(p, needle)); p++)
        n++;
    return n;
}

static int s_group_setup(void **state)
{
    s_fx_t *fx = calloc(1, sizeof *fx);
    *state = fx;
    if (fixture_tcp_endpoint(fx->pub, sizeof fx->pub) != 0)
        return -1;
    const char *broker_args[] = {"--pub", fx->pub, NULL};
    const char *worker_args[] = {"--delay-ms", "150", NULL};
    cluster_opts_t opts = {
        .broker_args = broker_args, .worker_args = worker_args, .redis_aof = true};
    fx->c = fixture_cluster(&opts);
    if (!fx->c)
        return -1;
    fx->prose = cluster_prose(300);
    return fx->prose ? 0 : -1;
}

static int s_group_teardown(void **state)
{
    s_fx_t *fx = *state;
    int reports = fixture_down(&fx->c);
    free(fx->prose);
    free(fx->done_id);
    free(fx->done_id2);
    free(fx->batch);
    free(fx);
    return reports ? -1 : 0;
}

static int s_setup(void **state)
{
    s_fx_t *fx = *state;
    cluster_mark_begin(fx->c);
    return 0;
}

static int s_teardown(void **state)
{
    s_fx_t *fx = *state;
    cluster_check(fx->c);
    return 0;
}

/* Run lode with a NULL-terminated list; stdout (caller frees) or fail. */
static char *s_cli_ok(s_fx_t *fx, const char *const *argv)
{
    char *out = NULL, *errs = NULL;
    int rc = cluster_run_cliv(fx->c, NULL, 0, &out, &errs, argv);
    if (rc != 0)
        fail_msg("lode %s %s: rc %d: %s", argv[0], argv[1] ? argv[1] : "", rc, errs);
    free(errs);
    return out;
}

/* Two --text jobs submitted together, run to done: the fixture of most
 * tests here. */
static void s_two_done_jobs(s_fx_t *fx)
{
    if (fx->done_id)
        return;
    char *out = NULL, *errs = NULL;
    char *both = mem_printf("Sample efficiency and the measure of intelligence. %s", fx->prose);
    int rc = cluster_run_cli(fx->c, both, &out, &errs, "submit", "--json", "--text", "-", NULL);
    free(both);
    assert_int_equal(rc, 0);
    json_t *j = json_loads(out, 0, NULL);
    fx->done_id = mem_strdup(json_string_value(json_array_get(json_object_get(j, "jobs"), 0)));
    fx->batch = mem_strdup(json_string_value(json_object_get(j, "batch")));
    json_decref(j);
    free(out);
    free(errs);
    fx->done_id2 = cluster_submit_text(fx->c, fx->prose, strlen(fx->prose));
    assert_non_null(fx->done_id2);
    const char *ids[] = {fx->done_id, fx->done_id2};
    for (int i = 0; i < 2; i++) {
        char *st = cluster_wait_job(fx->c, ids[i], JOB_LIMIT_MS);
        assert_string_equal(st, "done");
        free(st);
    }
}

/* ------------------------------------------------------- ids by prefix */

static void test_a_unique_prefix_names_a_job_and_an_ambiguous_one_lists_them(void **state)
{
    s_fx_t *fx = *state;
    s_two_done_jobs(fx);
    char prefix[JOB_ID_SIZE];
    snprintf(prefix, sizeof prefix, "%.20s", fx->done_id);
    for (char *p = prefix; *p; p++)
        *p = (char)tolower((unsigned char)*p); /* any case, as people type */
    const char *status[] = {"status", prefix, "--json", NULL};
    char *out = s_cli_ok(fx, status);
    s_expect_in(out, fx->done_id);
    free(out);
    /* The common head of both ids (same second: 8 characters at least). */
    size_t common = 0;
    while (fx->done_id[common] == fx->done_id2[common])
        common++;
    assert_true(common >= 6);
    snprintf(prefix, sizeof prefix, "%.*s", (int)common, fx->done_id);
    char *errs = NULL;
    assert_int_equal(cluster_run_cli(fx->c, NULL, &out, &errs, "show", prefix, NULL), 1);
    s_expect_in(errs, "is ambiguous");
    s_expect_in(errs, fx->done_id);
    s_expect_in(errs, fx->done_id2);
    free(out);
    free(errs);
    assert_int_equal(cluster_run_cli(fx->c, NULL, &out, &errs, "show", "01", NULL), 1);
    s_expect_in(errs, "too short");
    free(out);
    free(errs);
    assert_int_equal(cluster_run_cli(fx->c, NULL, &out, &errs, "show", "7ZZZZZZZZZ", NULL), 3);
    s_expect_in(errs, "no job 7ZZZZZZZZZ");
    free(out);
    free(errs);
    cluster_mark_ok(fx->c);
}

/* ------------------------------------------ --json, -o, list, titles */

static void test_curation_and_retry_print_json_and_export_writes_a_file(void **state)
{
    s_fx_t *fx = *state;
    s_two_done_jobs(fx);
    const char *drop[] = {"drop", fx->done_id, "1", "--json", NULL};
    char *out = s_cli_ok(fx, drop);
    json_t *j = json_loads(out, 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "job")), fx->done_id);
    assert_string_equal(json_string_value(json_object_get(j, "command")), "drop");
    assert_true(json_is_true(json_object_get(j, "changed")));
    json_decref(j);
    free(out);
    const char *keep[] = {"keep", fx->done_id, "1", "--json", NULL};
    free(s_cli_ok(fx, keep));
    char *path = mem_printf("%s/doc.md", cluster_tmpdir(fx->c));
    const char *exp[] = {"export", fx->done_id, "--format", "md", "-o", path, NULL};
    out = s_cli_ok(fx, exp);
    assert_int_equal(out[0], '\0'); /* all of it went to the file */
    free(out);
    const char *exp2[] = {"export", fx->done_id, "--format", "md", NULL};
    out = s_cli_ok(fx, exp2);
    size_t len = 0;
    char *file = cluster_read_file(path, 1u << 24, &len);
    assert_non_null(file);
    assert_string_equal(file, out);
    free(file);
    free(out);
    free(path);
    /* retry --json on a failed job (a two-word source fails at fetch). */
    char *id = cluster_submit_text(fx->c, "ok fine", 7);
    char *st = cluster_wait_job(fx->c, id, JOB_LIMIT_MS);
    assert_string_equal(st, "failed");
    free(st);
    const char *retry[] = {"retry", id, "--json", NULL};
    out = s_cli_ok(fx, retry);
    j = json_loads(out, 0, NULL);
    assert_int_equal(json_integer_value(json_object_get(j, "count")), 1);
    assert_string_equal(json_string_value(json_array_get(json_object_get(j, "retried"), 0)), id);
    json_decref(j);
    free(out);
    st = cluster_wait_job(fx->c, id, JOB_LIMIT_MS);
    free(st);
    free(id);
    cluster_mark_ok(fx->c);
}

static void test_list_filters_by_state_batch_and_time_and_titles_text_jobs(void **state)
{
    s_fx_t *fx = *state;
    s_two_done_jobs(fx);
    const char *by_batch[] = {"list", "--batch", fx->batch, "--json", NULL};
    char *out = s_cli_ok(fx, by_batch);
    json_t *j = json_loads(out, 0, NULL);
    assert_int_equal(json_array_size(j), 1);
    json_t *row = json_array_get(j, 0);
    assert_string_equal(json_string_value(json_object_get(row, "id")), fx->done_id);
    /* A --text job's title: its first words. */
    const char *title = json_string_value(json_object_get(row, "title"));
    s_expect_in(title, "Sample efficiency and the measure of intelligence.");
    assert_true(strlen(title) <= 60 + strlen("…"));
    assert_string_equal(title + strlen(title) - strlen("…"), "…");
    json_decref(j);
    free(out);
    const char *failed[] = {"list", "--state", "failed", "--json", NULL};
    out = s_cli_ok(fx, failed);
    j = json_loads(out, 0, NULL);
    size_t i;
    json_t *v;
    json_array_foreach(j, i, v)
        assert_string_equal(json_string_value(json_object_get(v, "state")), "failed");
    json_decref(j);
    free(out);
    const char *recent[] = {"list", "--since", "1h", "--state", "done", NULL};
    out = s_cli_ok(fx, recent);
    s_expect_in(out, fx->done_id);
    s_expect_in(out, fx->done_id2);
    free(out);
    const char *future[] = {"list", "--since", "2999-01-01", NULL};
    out = s_cli_ok(fx, future);
    assert_int_equal(out[0], '\0');
    free(out);
    char *errs = NULL;
    assert_int_equal(cluster_run_cli(fx->c, NULL, &out, &errs, "list", "--state", "gone", NULL), 2);
    free(out);
    free(errs);
    cluster_mark_ok(fx->c);
}

/* show on a terminal goes through $PAGER (script(1) gives it a pty). */
static void test_show_goes_through_the_pager_on_a_terminal(void **state)
{
    s_fx_t *fx = *state;
    if (access("/usr/bin/script", X_OK) != 0) {
        fprintf(stderr, "skipped: no script(1) to give lode a terminal\n");
        cluster_mark_ok(fx->c);
        return;
    }
    s_two_done_jobs(fx);
    char *paged = mem_printf("%s/paged.txt", cluster_tmpdir(fx->c));
    char *cmd = mem_printf("PAGER='cat > %s' /usr/bin/script -qec '%s/lode --redis %s show %s' "
                           "/dev/null >/dev/null 2>&1",
                           paged, cluster_bin_dir(), cluster_redis_url(fx->c), fx->done_id);
    assert_int_equal(system(cmd), 0);
    size_t len = 0;
    char *page = cluster_read_file(paged, 1u << 24, &len);
    s_expect_in(page, "§02  Snippets");
    free(page);
    free(cmd);
    free(paged);
    cluster_mark_ok(fx->c);
}

/* ------------------------------------------------ failures said once */

static void test_show_of_a_failed_job_says_the_failure_once_at_the_top(void **state)
{
    s_fx_t *fx = *state;
    char *id = cluster_submit_text(fx->c, "two words", 9);
    char *st = cluster_wait_job(fx->c, id, JOB_LIMIT_MS);
    assert_string_equal(st, "failed");
    const char *show[] = {"show", id, NULL};
    char *out = s_cli_ok(fx, show);
    s_expect_in(out, "FAILED at stage fetch: 2 words: too short to mine, at least 20\n"
                     "  what to do: the source has too little text to mine");
    assert_int_equal(s_count(out, "too short to mine"), 1);
    assert_true(strstr(out, "FAILED") < strstr(out, "§01"));
    free(out);
    free(st);
    free(id);
    cluster_mark_ok(fx->c);
}

/* ------------------------------------------------- status and waiting */

static bool s_no_fetch_worker(void *arg)
{
    s_fx_t *fx = arg;
    char *out = NULL, *errs = NULL;
    int rc = cluster_run_cli(fx->c, NULL, &out, &errs, "top", "--once", "--json", "--pub", fx->pub,
                             NULL);
    json_t *j = rc == 0 ? json_loads(out, 0, NULL) : NULL;
    json_t *w = json_object_get(json_object_get(json_object_get(j, "stages"), "fetch"), "workers");
    bool none = json_is_integer(w) && json_integer_value(w) == 0;
    json_decref(j);
    free(out);
    free(errs);
    return none;
}

static void test_status_names_a_stage_with_no_workers(void **state)
{
    s_fx_t *fx = *state;
    assert_int_equal(cluster_kill_worker(fx->c, 0, 0, SIGTERM), 0);
    /* Until the broker's snapshot counts no fetch worker (it drops one that
     * left at once, one that went silent after a few heartbeats). */
    assert_true(cluster_wait_for(s_no_fetch_worker, fx, 20000));
    char *id = cluster_submit_text(fx->c, fx->prose, strlen(fx->prose));
    const char *status[] = {"status", "--pub", fx->pub, NULL};
    char *out = s_cli_ok(fx, status);
    s_expect_in(out, "no workers for stage fetch: 1 queued job waits until one starts");
    free(out);
    const char *one[] = {"status", id, "--pub", fx->pub, NULL};
    out = s_cli_ok(fx, one);
    s_expect_in(out, "no workers for stage fetch: the job waits until one starts");
    free(out);
    const char *json[] = {"status", "--pub", fx->pub, "--json", NULL};
    out = s_cli_ok(fx, json);
    json_t *j = json_loads(out, 0, NULL);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "workers"), "fetch")),
                     0);
    json_decref(j);
    free(out);
    err_t err = {0};
    assert_int_equal(cluster_start_worker(fx->c, 0, 0, &err), 0);
    char *st = cluster_wait_job(fx->c, id, JOB_LIMIT_MS);
    assert_string_equal(st, "done");
    free(st);
    free(id);
    cluster_mark_ok(fx->c);
}

static void test_a_finished_batch_says_done_and_submit_wait_prints_lines(void **state)
{
    s_fx_t *fx = *state;
    s_two_done_jobs(fx);
    char *out = NULL, *errs = NULL;
    assert_int_equal(cluster_run_cli(fx->c, NULL, &out, &errs, "wait", fx->batch, NULL), 0);
    s_expect_in(errs, "done, waited");
    assert_null(strstr(errs, "ETA ?"));
    free(out);
    free(errs);
    char *path = cluster_write_file(fx->c, "essay.txt", fx->prose, strlen(fx->prose));
    assert_int_equal(cluster_run_cli(fx->c, NULL, &out, &errs, "--timeout", "60", "submit",
                                     "--wait", path, NULL),
                     0);
    /* Off a terminal: plain lines as lode wait prints, no bar. */
    s_expect_in(errs, "lode: batch ");
    s_expect_in(errs, "done, waited");
    assert_null(strstr(errs, "\r"));
    free(out);
    free(errs);
    free(path);
    cluster_mark_ok(fx->c);
}

/* ---------------------------------------------------------- restarts */

/* Start `lode ARGS` in the background, stdout and stderr together. */
static FILE *s_background(s_fx_t *fx, const char *args)
{
    char *cmd =
        mem_printf("%s/lode --redis %s --broker %s %s 2>&1; echo \"rc=$?\"", cluster_bin_dir(),
                   cluster_redis_url(fx->c), cluster_broker_endpoint(fx->c), args);
    FILE *p = popen(cmd, "r");
    free(cmd);
    assert_non_null(p);
    return p;
}

static char *s_read_all(FILE *p)
{
    char *all = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&all, &len);
    char line[1024];
    while (fgets(line, sizeof line, p))
        fputs(line, m);
    fclose(m);
    pclose(p);
    return all;
}

static void test_wait_rides_out_a_redis_restart(void **state)
{
    s_fx_t *fx = *state;
    char *path = cluster_write_file(fx->c, "long.txt", fx->prose, strlen(fx->prose));
    char *out = NULL, *errs = NULL;
    const char *argv[] = {"submit", "--json", path, path, path, NULL};
    assert_int_equal(cluster_run_cliv(fx->c, NULL, 0, &out, &errs, argv), 0);
    json_t *j = json_loads(out, 0, NULL);
    char *args = mem_printf("--timeout 90 wait %s", json_string_value(json_object_get(j, "batch")));
    json_decref(j);
    FILE *p = s_background(fx, args);
    zclock_sleep(300);
    cluster_kill_redis(fx->c, SIGTERM); /* a clean shutdown: the AOF keeps it all */
    zclock_sleep(2000);
    err_t err = {0};
    assert_int_equal(cluster_start_redis(fx->c, &err), 0);
    char *all = s_read_all(p);
    s_expect_in(all, "lode: lost Redis");
    s_expect_in(all, "lode: Redis is back after");
    s_expect_in(all, "rc=0");
    free(all);
    free(args);
    free(out);
    free(errs);
    free(path);
    cluster_mark_ok(fx->c);
}

static void test_top_rides_out_a_broker_restart(void **state)
{
    s_fx_t *fx = *state;
    char *args = mem_printf("top --pub %s", fx->pub);
    char *cmd = mem_printf("timeout -s INT -k 2 12 %s/lode %s 2>&1; echo \"rc=$?\"",
                           cluster_bin_dir(), args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    zclock_sleep(2500); /* a snapshot or two first */
    cluster_stop_broker(fx->c);
    zclock_sleep(4500);
    err_t err = {0};
    if (cluster_start_broker(fx->c, &err) != 0)
        fail_msg("the broker did not start again: %s", err.msg);
    char *all = s_read_all(p);
    s_expect_in(all, "(broker restarting?); waiting for it");
    s_expect_in(all, "again");
    assert_true(s_count(all, "STAGE") >= 2); /* blocks before and after */
    free(all);
    free(cmd);
    free(args);
    cluster_mark_ok(fx->c);
}

int main(void)
{
    if (getenv("LODE_TEST_FILTER"))
        cmocka_set_test_filter(getenv("LODE_TEST_FILTER"));
#define T(fn) cmocka_unit_test_setup_teardown(fn, s_setup, s_teardown)
    const struct CMUnitTest tests[] = {
        T(test_a_unique_prefix_names_a_job_and_an_ambiguous_one_lists_them),
        T(test_curation_and_retry_print_json_and_export_writes_a_file),
        T(test_list_filters_by_state_batch_and_time_and_titles_text_jobs),
        T(test_show_goes_through_the_pager_on_a_terminal),
        T(test_show_of_a_failed_job_says_the_failure_once_at_the_top),
        T(test_status_names_a_stage_with_no_workers),
        T(test_a_finished_batch_says_done_and_submit_wait_prints_lines),
        T(test_wait_rides_out_a_redis_restart),
        T(test_top_rides_out_a_broker_restart),
    };
#undef T
    int failed = cmocka_run_group_tests_name("cli habits", tests, s_group_setup, s_group_teardown);
    return cluster_main_result(failed);
}
