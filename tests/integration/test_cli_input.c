/*  test_cli_input.c - inputs refused early and helps that help (#15 items 1,
 *  2, 4, 7), through the real lode, lode-broker and lode-worker: binary
 *  files at submit and at fetch, too-short sources, the one size limit,
 *  URLs checked at submit, -f mixing URLs and files, did-you-mean, -h.
 *  SPDX-License-Identifier: MIT
 */
// clang-format off
#define _GNU_SOURCE /* strcasestr */
#include "test.h"
// clang-format on

#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "cluster.h"
#include "fixture.h"
#include "job.h"
#include "mem.h"
#include "submit_wire.h"

#define JOB_LIMIT_MS     60000
#define BIG_JOB_LIMIT_MS 600000 /* a bound, not an estimate: ASan on a loaded machine */

static int s_group_setup(void **state)
{
    /* A 50 MB source takes a stage minutes under ASan on a loaded machine:
     * the lease must outlast it, or the job is taken back mid-run. */
    static const char *const broker_args[] = {"--lease-ms", "600000", NULL};
    cluster_opts_t opts = {.broker_args = broker_args};
    return fixture_group_start(state, &opts);
}

static void s_expect_in(const char *hay, const char *needle)
{
    if (!hay || !strstr(hay, needle))
        fail_msg("\"%s\" not in:\n%s", needle, hay ? hay : "(null)");
}

/* Run lode args… and expect a refusal: rc, the message, no job created. */
static void s_expect_refused(cluster_t *c, int rc_want, const char *needle, const char *const *argv)
{
    long long jobs = cluster_redis_int(c, "ZCARD lode:jobs");
    char *out = NULL, *errs = NULL;
    int rc = cluster_run_cliv(c, NULL, 0, &out, &errs, argv);
    if (rc != rc_want)
        fail_msg("rc %d, not %d; stderr:\n%s", rc, rc_want, errs);
    s_expect_in(errs, needle);
    assert_null(strstr(errs, "srcdrv"));
    assert_int_equal(out[0], '\0');
    assert_int_equal(cluster_redis_int(c, "ZCARD lode:jobs"), jobs);
    free(out);
    free(errs);
}

/* ------------------------------------------------------------- item 1 */

static void test_a_binary_file_is_refused_at_submit_with_what_it_is(void **state)
{
    cluster_t *c = *state;
    size_t len = 0;
    char *elf = cluster_read_file("/bin/ls", 4u << 20, &len);
    assert_non_null(elf);
    char *path = cluster_write_file(c, "x.txt", elf, len);
    const char *argv[] = {"submit", "--wait", path, NULL};
    s_expect_refused(c, 1, "x.txt: binary content (an ELF executable), not text", argv);
    static const char pdf[] = "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\n";
    char *pdf_path = cluster_write_file(c, "paper.txt", pdf, sizeof pdf - 1);
    const char *argv2[] = {"submit", pdf_path, NULL};
    s_expect_refused(c, 1, "a PDF document", argv2);
    free(pdf_path);
    free(path);
    free(elf);
    cluster_mark_ok(c);
}

static void test_binary_stdin_is_refused_at_submit(void **state)
{
    cluster_t *c = *state;
    char noise[4096];
    for (size_t i = 0; i < sizeof noise; i++)
        noise[i] = (char)(0x80 + (i * 37) % 64); /* continuation bytes: invalid UTF-8 */
    const char *argv[] = {"submit", "--text", "-", NULL};
    long long jobs = cluster_redis_int(c, "ZCARD lode:jobs");
    char *out = NULL, *errs = NULL;
    assert_int_equal(cluster_run_cliv(c, noise, sizeof noise, &out, &errs, argv), 1);
    s_expect_in(errs, "stdin: binary content");
    assert_int_equal(cluster_redis_int(c, "ZCARD lode:jobs"), jobs);
    free(out);
    free(errs);
    cluster_mark_ok(c);
}

/* A client that skips the check (an old one, or a script on the wire):
 * the fetch stage applies the same rule and says so. */
static void test_a_binary_upload_that_skips_the_client_fails_at_fetch(void **state)
{
    cluster_t *c = *state;
    static const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10";
    cli_t cli = {
        .broker = cluster_broker_endpoint(c), .timeout_ms = 10000, .out = stdout, .errs = stderr};
    int rc = 0;
    zsock_t *sock = submit_connect(&cli, &rc);
    assert_non_null(sock);
    proto_item_t item = {"file", "logo.txt", NULL, (char *)png, sizeof png - 1};
    submit_req_t req = {.seq = 1, .items = &item, .n = 1};
    proto_msg_t ack = {0};
    assert_int_equal(submit_send(&cli, sock, &req, &ack), 0);
    zsock_destroy(&sock);
    assert_int_equal(ack.n_ids, 1);
    char *st = cluster_wait_job(c, ack.ids[0], JOB_LIMIT_MS);
    assert_string_equal(st, "failed");
    char *stage = cluster_job_field(c, ack.ids[0], "stage");
    assert_string_equal(stage, "fetch");
    char *error = cluster_job_field(c, ack.ids[0], "error");
    s_expect_in(error, "binary content (a PNG image), not text");
    free(error);
    free(stage);
    free(st);
    proto_msg_clear(&ack);
    cluster_mark_ok(c);
}

/* ------------------------------------------------------------- item 2 */

static void test_a_two_word_source_fails_at_fetch_saying_it_is_too_short(void **state)
{
    cluster_t *c = *state;
    char *path = cluster_write_file(c, "ok.txt", "ok, fine\n", 9);
    char *out = NULL, *errs = NULL;
    int rc =
        cluster_run_cli(c, NULL, &out, &errs, "--timeout", "60", "submit", "--wait", path, NULL);
    assert_int_equal(rc, 4);
    char id[JOB_ID_SIZE];
    snprintf(id, sizeof id, "%.26s", out);
    char *stage = cluster_job_field(c, id, "stage");
    assert_string_equal(stage, "fetch");
    char *error = cluster_job_field(c, id, "error");
    s_expect_in(error, "2 words: too short to mine, at least 20");
    assert_null(strstr(error, "empty transcript"));
    free(error);
    free(stage);
    free(out);
    free(errs);
    free(path);
    cluster_mark_ok(c);
}

/* Submit the file at path, expect exit 0; the job id (caller frees). */
static char *s_submit_file(cluster_t *c, const char *path)
{
    char *out = NULL, *errs = NULL;
    int rc = cluster_run_cli(c, NULL, &out, &errs, "--timeout", "120", "submit", path, NULL);
    if (rc != 0)
        fail_msg("rc %d: %s", rc, errs);
    char *id = mem_printf("%.26s", out);
    free(out);
    free(errs);
    return id;
}

/* The job ran to done (within BIG_JOB_LIMIT_MS), or the test fails with its
 * state and error. */
static void s_expect_done(cluster_t *c, const char *id)
{
    char *st = cluster_wait_job(c, id, BIG_JOB_LIMIT_MS);
    if (!st || strcmp(st, "done") != 0) {
        char *error = cluster_job_field(c, id, "error");
        fail_msg("state %s: %s", st ? st : "(still running)", error ? error : "");
    }
    free(st);
}

/* A file of exactly JOB_SOURCE_MAX_BYTES passes every stage; one byte more
 * is refused at submit, before anything is sent. */
static void test_the_size_limit_is_one_rule_from_submit_to_the_last_stage(void **state)
{
    cluster_t *c = *state;
    char *prose = cluster_prose(2000);
    assert_non_null(prose);
    size_t n = strlen(prose);
    char *body = mem_alloc(JOB_SOURCE_MAX_BYTES + 1);
    for (size_t i = 0; i < JOB_SOURCE_MAX_BYTES + 1; i++)
        body[i] = prose[i % n] == '\0' ? ' ' : prose[i % n];
    char *over = cluster_write_file(c, "over.txt", body, JOB_SOURCE_MAX_BYTES + 1);
    const char *argv[] = {"submit", over, NULL};
    s_expect_refused(c, 1, "over the 50 MB limit", argv);
    char *exact = cluster_write_file(c, "exact.txt", body, JOB_SOURCE_MAX_BYTES);
#if defined(__SANITIZE_ADDRESS__)
    /* Under ASan 50 MB outlasts tests/run.sh's 300 s even in fetch alone
     * (over 600 s on a loaded 2-core machine): a tenth of the file goes
     * through all four stages (under two minutes there), and the exact-limit file
     * is accepted by the client and the broker, queued for fetch without an
     * error. The plain run mines the whole 50 MB through. */
    char *tenth = cluster_write_file(c, "tenth.txt", body, JOB_SOURCE_MAX_BYTES / 10);
    char *small = s_submit_file(c, tenth);
    s_expect_done(c, small);
    free(small);
    free(tenth);
    char *id = s_submit_file(c, exact);
    char *st = cluster_job_field(c, id, "state");
    char *stage = cluster_job_field(c, id, "stage");
    char *error = cluster_job_field(c, id, "error");
    bool accepted = st && (strcmp(st, "queued") == 0 || strcmp(st, "running") == 0) && stage &&
                    strcmp(stage, "fetch") == 0 && !(error && *error);
    if (!accepted)
        fail_msg("state %s at %s: %s", st ? st : "(none)", stage ? stage : "(none)",
                 error ? error : "");
    free(st);
    free(stage);
    free(error);
#else
    /* 50 MB through four stages: minutes on a loaded machine, more than
     * the CLI runner's 30 s. */
    char *id = s_submit_file(c, exact);
    s_expect_done(c, id);
#endif
    free(id);
    free(body);
    free(exact);
    free(over);
    free(prose);
    cluster_mark_ok(c);
}

/* ------------------------------------------------------------- item 4 */

static void test_unfetchable_urls_are_refused_at_submit_in_plain_words(void **state)
{
    cluster_t *c = *state;
    const char *ftp[] = {"submit", "ftp://x/a", NULL};
    s_expect_refused(c, 2, "not a URL lode can fetch: ftp://x/a (scheme ftp is not http or https)",
                     ftp);
    const char *bare[] = {"submit", "https://", NULL};
    s_expect_refused(c, 2, "not a URL lode can fetch: https:// (no host)", bare);
    const char *space[] = {"submit", "http://exa mple.com/", NULL};
    s_expect_refused(c, 2, "(a space inside)", space);
    cluster_mark_ok(c);
}

static void test_a_batch_file_mixes_urls_and_local_files(void **state)
{
    cluster_t *c = *state;
    char *prose = cluster_prose(300);
    char *doc = cluster_write_file(c, "essay.txt", prose, strlen(prose));
    char *list = mem_printf("# reading list\n%s\nhttp://127.0.0.1:1/gone\n\n"
                            "no-such-file.txt\n%s\n",
                            doc, doc);
    char *path = cluster_write_file(c, "list.txt", list, strlen(list));
    char *out = NULL, *errs = NULL;
    int rc = cluster_run_cli(c, NULL, &out, &errs, "submit", "-f", path, "--json", NULL);
    if (rc != 0)
        fail_msg("rc %d: %s", rc, errs);
    json_t *sum = json_loads(out, 0, NULL);
    assert_non_null(sum);
    /* Two uploads of the file (files are not deduplicated) and one URL. */
    assert_int_equal(json_integer_value(json_object_get(sum, "submitted")), 3);
    assert_int_equal(json_integer_value(json_object_get(sum, "invalid")), 1);
    s_expect_in(errs, "line 5: not a URL: no-such-file.txt (no http:// or https://, and no "
                      "such file)");
    const char *batch = json_string_value(json_object_get(sum, "batch"));
    assert_int_equal(cluster_redis_int(c, "LLEN lode:batch:%s:jobs", batch), 3);
    json_decref(sum);
    free(out);
    free(errs);
    free(path);
    free(list);
    free(doc);
    free(prose);
    cluster_mark_ok(c);
}

/* ------------------------------------------------------------- item 7 */

static void test_typos_get_a_did_you_mean_and_every_program_takes_h(void **state)
{
    cluster_t *c = *state;
    char *out = NULL, *errs = NULL;
    assert_int_equal(cluster_run_cli(c, NULL, &out, &errs, "sumbit", "x", NULL), 2);
    s_expect_in(errs, "unknown command \"sumbit\" (did you mean submit?)");
    free(out);
    free(errs);
    assert_int_equal(cluster_run_cli(c, NULL, &out, &errs, "list", "--limt", "3", NULL), 2);
    s_expect_in(errs, "unknown option --limt (did you mean --limit?)");
    free(out);
    free(errs);
    assert_int_equal(cluster_run_cli(c, NULL, &out, &errs, "help", "options", NULL), 0);
    s_expect_in(out, "--curve-server FILE");
    free(out);
    free(errs);
    assert_int_equal(cluster_run_cli(c, NULL, &out, &errs, "add", "-h", NULL), 0);
    s_expect_in(out, "Add TEXT to one of the fan-out lists");
    s_expect_in(out, "Examples:\n  lode add ");
    assert_null(strstr(out, "--curve-server FILE")); /* the globals are printed once */
    free(out);
    free(errs);
    const char *h[] = {"-h", NULL};
    assert_int_equal(cluster_run_prog("lode-worker", h, &out, &errs), 0);
    s_expect_in(out, "usage: lode-worker");
    free(out);
    free(errs);
    assert_int_equal(cluster_run_prog("lode-broker", h, &out, &errs), 0);
    s_expect_in(out, "usage: lode-broker");
    free(out);
    free(errs);
    cluster_mark_ok(c);
}

/* Every command that prints takes --json; keygen too (item 8). */
static void test_keygen_prints_json(void **state)
{
    cluster_t *c = *state;
    char *path = mem_printf("%s/client.cert", cluster_tmpdir(c));
    char *out = NULL, *errs = NULL;
    assert_int_equal(cluster_run_cli(c, NULL, &out, &errs, "keygen", path, "--json", NULL), 0);
    json_t *j = json_loads(out, 0, NULL);
    assert_non_null(j);
    assert_int_equal(strlen(json_string_value(json_object_get(j, "public_key"))), 40);
    assert_string_equal(json_string_value(json_object_get(j, "public")), path);
    char *secret = mem_printf("%s_secret", path);
    assert_string_equal(json_string_value(json_object_get(j, "secret")), secret);
    struct stat st;
    assert_int_equal(stat(secret, &st), 0);
    json_decref(j);
    free(secret);
    free(out);
    free(errs);
    free(path);
    cluster_mark_ok(c);
}

static void test_prompts_copy_prints_json(void **state)
{
    cluster_t *c = *state;
    char *dir = mem_printf("%s/prompts", cluster_tmpdir(c));
    char *out = NULL, *errs = NULL;
    for (int round = 0; round < 2; round++) {
        assert_int_equal(
            cluster_run_cli(c, NULL, &out, &errs, "prompts", "copy", dir, "--json", NULL), 0);
        json_t *j = json_loads(out, 0, NULL);
        assert_true(json_array_size(j) >= 4);
        size_t i;
        json_t *v;
        /* The first copy writes every file, the second keeps them all. */
        json_array_foreach(j, i, v)
            assert_int_equal(json_is_true(json_object_get(v, "written")), round == 0);
        json_decref(j);
        free(out);
        free(errs);
    }
    free(dir);
    cluster_mark_ok(c);
}

int main(void)
{
    if (getenv("LODE_TEST_FILTER"))
        cmocka_set_test_filter(getenv("LODE_TEST_FILTER"));
#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)
    const struct CMUnitTest tests[] = {
        T(test_a_binary_file_is_refused_at_submit_with_what_it_is),
        T(test_binary_stdin_is_refused_at_submit),
        T(test_a_binary_upload_that_skips_the_client_fails_at_fetch),
        T(test_a_two_word_source_fails_at_fetch_saying_it_is_too_short),
        T(test_the_size_limit_is_one_rule_from_submit_to_the_last_stage),
        T(test_unfetchable_urls_are_refused_at_submit_in_plain_words),
        T(test_a_batch_file_mixes_urls_and_local_files),
        T(test_typos_get_a_did_you_mean_and_every_program_takes_h),
        T(test_keygen_prints_json),
        T(test_prompts_copy_prints_json),
    };
#undef T
    int failed =
        cmocka_run_group_tests_name("cli input", tests, s_group_setup, fixture_group_teardown);
    return cluster_main_result(failed);
}
