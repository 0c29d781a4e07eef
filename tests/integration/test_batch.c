/*  test_batch.c - bulk batches end to end on a real cluster: a 2,000-line
 *  URL list (blanks, comments, invalid lines, duplicates in several
 *  spellings) goes in through `lode submit -f FILE` and `-f -`; the URLs are
 *  served on loopback (tests/fixtures), so jobs really finish: 200 are done,
 *  100 fail at fetch (404). Checked from the CLI's output and from Redis:
 *  acknowledged jobs, reported line numbers, batch status counts, `lode wait
 *  BATCH` exit codes, --skip-done reuse and the JSON Lines / Markdown export.
 *  SPDX-License-Identifier: MIT
 */
// clang-format off
#include "test.h"
// clang-format on

#include <jansson.h>

#include "cluster.h"
#include "fixture.h"
#include "mem.h"
#include "podstand.h"

#define N_OK      200 /* URLs of a served file: done */
#define N_MISSING 100 /* URLs answered 404: failed at fetch */
#define N_UNIQUE  (N_OK + N_MISSING)
#define N_INVALID 200
#define N_DUPS    (3 * N_UNIQUE)
#define N_LINES   (N_UNIQUE * 3 + N_INVALID + N_DUPS) /* + a blank and a comment each */
#define RUN_MS    180000                              /* the whole batch through four stages */

typedef struct {
    cluster_t *c;
    podstand_t *pod;
    char *list;     /* owned: the URL list */
    char first[32]; /* the first batch's id, once submitted */
} s_fix_t;

static s_fix_t *s_fix(void **state)
{
    return *state;
}

/* The URL of unique entry k, in spelling variant v (0 = plain). */
static char *s_url(const char *base, int k, int v)
{
    char *url = k < N_OK ? mem_printf("%s/sources/talk.vtt?n=%d", base, k)
                         : mem_printf("%s/missing/%d.txt", base, k);
    char *out = NULL;
    if (v == 0)
        out = mem_strdup(url);
    else if (v == 1) /* upper-case scheme, a tracking parameter */
        out = mem_printf("HTTP%s%sutm_source=feed", url + 4, k < N_OK ? "&" : "?");
    else if (v == 2) /* a fragment */
        out = mem_printf("%s#comments", url);
    else /* surrounding blanks and a CR */
        out = mem_printf("   %s \r", url);
    free(url);
    return out;
}

/* Invalid line k, in four kinds. Caller frees. */
static char *s_invalid(int k)
{
    switch (k % 4) {
    case 0:
        return mem_printf("ftp://127.0.0.1/file%d", k);
    case 1:
        return mem_printf("not a url %d", k);
    case 2:
        return mem_printf("http:///nohost%d", k);
    default:
        return mem_printf("https://exa mple.com/%d", k);
    }
}

/* The list: each unique URL followed by a blank line, a comment and (for
 * the first N_INVALID) an invalid line, so invalid line k is line 4k+4;
 * then the duplicates, which straddle the second chunk of 1,000. */
static char *s_make_list(const char *base)
{
    size_t cap = (size_t)N_LINES * 128, n = 0;
    char *out = mem_alloc(cap);
    for (int k = 0; k < N_UNIQUE; k++) {
        char *url = s_url(base, k, 0);
        n += (size_t)snprintf(out + n, cap - n, "%s\n\n# entry %d\n", url, k);
        free(url);
        if (k < N_INVALID) {
            char *bad = s_invalid(k);
            n += (size_t)snprintf(out + n, cap - n, "%s\n", bad);
            free(bad);
        }
    }
    for (int d = 0; d < N_DUPS; d++) {
        char *url = s_url(base, d % N_UNIQUE, 1 + d / N_UNIQUE);
        n += (size_t)snprintf(out + n, cap - n, "%s\n", url);
        free(url);
    }
    out[n] = '\0';
    return out;
}

static int s_group_setup(void **state)
{
    s_fix_t *f = mem_calloc(1, sizeof *f);
    f->pod = podstand_start("tests/fixtures");
    unsetenv("LODE_ALLOW_NET");
    static const char *const allow[] = {"--allow-net", "127.0.0.0/8", NULL};
    cluster_opts_t o = {.worker_args = allow, .log_level = "info"};
    err_t err = {0};
    f->c = f->pod ? cluster_new(&o, &err) : NULL;
    if (!f->c) {
        fprintf(stderr, "test_batch: setup: %s\n", f->pod ? err.msg : "podstand did not start");
        podstand_stop(&f->pod);
        free(f);
        return -1;
    }
    f->list = s_make_list(podstand_url(f->pod));
    *state = f;
    return 0;
}

static int s_group_teardown(void **state)
{
    s_fix_t *f = *state;
    if (!f)
        return 0;
    int reports = fixture_down(&f->c);
    podstand_stop(&f->pod);
    free(f->list);
    free(f);
    return reports ? -1 : 0;
}

static int s_setup(void **state)
{
    cluster_mark_begin(s_fix(state)->c);
    return 0;
}

static int s_teardown(void **state)
{
    cluster_check(s_fix(state)->c);
    return 0;
}

/* ------------------------------------------------------------ helpers */

static json_t *s_json(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text ? text : "", 0, &e);
    if (!j)
        fprintf(stderr, "not JSON (%s): %.300s\n", e.text, text ? text : "(null)");
    assert_non_null(j);
    return j;
}

static long long s_int(json_t *j, const char *path1, const char *path2)
{
    json_t *v = json_object_get(j, path1);
    if (path2)
        v = json_object_get(v, path2);
    assert_true(json_is_integer(v));
    return (long long)json_integer_value(v);
}

static size_t s_count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* `lode submit -f ARG --json [extra]`, stdin in; the summary JSON. */
static json_t *s_submit(s_fix_t *f, const char *arg, const char *in, const char *extra, char **errs)
{
    const char *argv[] = {"submit", "-f", arg, "--json", "--name", "bulk", extra, NULL};
    char *out = NULL;
    int rc = cluster_run_cliv(f->c, in, in ? strlen(in) : 0, &out, errs, argv);
    if (rc != 0)
        fprintf(stderr, "lode submit -f: exit %d: %s\n", rc, *errs);
    assert_int_equal(rc, 0);
    json_t *j = s_json(out);
    free(out);
    return j;
}

typedef struct {
    s_fix_t *f;
    const char *batch;
} s_batch_ref_t;

/* Every job of the batch finished (read from Redis, not through the CLI). */
static bool s_all_finished(void *arg)
{
    s_batch_ref_t *r = arg;
    long long n = cluster_redis_int(r->f->c, "LLEN lode:batch:%s:jobs", r->batch);
    for (long long i = 0; i < n; i++) {
        char *id = cluster_redis_str(r->f->c, "LINDEX lode:batch:%s:jobs %lld", r->batch, i);
        char *st = id ? cluster_job_field(r->f->c, id, "state") : NULL;
        bool fin = st && (strcmp(st, "done") == 0 || strcmp(st, "failed") == 0);
        free(id);
        free(st);
        if (!fin)
            return false;
    }
    return n > 0;
}

static json_t *s_status(s_fix_t *f, const char *batch)
{
    char *out = NULL, *errs = NULL;
    int rc = cluster_run_cli(f->c, NULL, &out, &errs, "batch", "status", batch, "--json", NULL);
    if (rc != 0)
        fprintf(stderr, "lode batch status: exit %d: %s\n", rc, errs);
    assert_int_equal(rc, 0);
    json_t *j = s_json(out);
    free(out);
    free(errs);
    return j;
}

/* ---------------------------------------------------------------- tests */

static void test_submit_file_streams_a_list_into_one_batch_and_it_finishes(void **state)
{
    s_fix_t *f = s_fix(state);
    char *path = cluster_write_file(f->c, "urls.txt", f->list, strlen(f->list));
    char *errs = NULL;
    json_t *sum = s_submit(f, path, NULL, NULL, &errs);
    assert_int_equal(s_int(sum, "lines", NULL), N_LINES);
    assert_int_equal(s_int(sum, "submitted", NULL), N_UNIQUE);
    assert_int_equal(s_int(sum, "duplicates", NULL), N_DUPS);
    assert_int_equal(s_int(sum, "invalid", NULL), N_INVALID);
    assert_int_equal(s_int(sum, "skipped", NULL), 2 * N_UNIQUE);
    assert_int_equal(s_int(sum, "reused", NULL), 0);
    /* Every invalid line is named with its number; the first and last. */
    assert_int_equal(s_count(errs, ": not a URL: "), N_INVALID);
    assert_non_null(strstr(errs, "line 4: not a URL: ftp://127.0.0.1/file0"));
    assert_non_null(strstr(errs, "line 800: not a URL: https://exa mple.com/199"));
    const char *batch = json_string_value(json_object_get(sum, "batch"));
    assert_non_null(batch);
    snprintf(f->first, sizeof f->first, "%s", batch);
    /* Redis holds what was acknowledged: normalised URLs, in order. */
    assert_int_equal(cluster_redis_int(f->c, "LLEN lode:batch:%s:jobs", batch), N_UNIQUE);
    char *id0 = cluster_redis_str(f->c, "LINDEX lode:batch:%s:jobs 0", batch);
    char *url0 = cluster_job_field(f->c, id0, "url");
    char *want0 = mem_printf("%s/sources/talk.vtt?n=0", podstand_url(f->pod));
    assert_string_equal(url0, want0);
    assert_int_equal(cluster_redis_int(f->c, "EXISTS lode:batch:%s:urls", batch), 0);
    char *name = cluster_redis_str(f->c, "HGET lode:batch:%s name", batch);
    assert_string_equal(name, "bulk");
    /* Not finished yet: a short --timeout runs out (exit 5). The pipeline
     * may be quick enough to finish all 300 in 0.2 s; then wait says so
     * (exit 4: some failed) and the timeout path is covered elsewhere. */
    char *out = NULL, *werr = NULL;
    int rc = cluster_run_cli(f->c, NULL, &out, &werr, "wait", batch, "--timeout", "0.2", NULL);
    assert_true(rc == 5 || rc == 4);
    if (rc == 5)
        assert_non_null(strstr(werr, "timed out"));
    free(out);
    free(werr);
    /* A job that cannot finish soon (its source answers 503 with Retry-After:
     * 2): a short --timeout must run out, exit 5. */
    char *slow_url = mem_printf("%s/status/503", podstand_url(f->pod));
    out = werr = NULL;
    rc = cluster_run_cli(f->c, NULL, &out, &werr, "submit", slow_url, NULL);
    assert_int_equal(rc, 0);
    char slow_id[32] = "";
    sscanf(out, "%26s", slow_id);
    free(out);
    free(werr);
    free(slow_url);
    out = werr = NULL;
    rc = cluster_run_cli(f->c, NULL, &out, &werr, "wait", slow_id, "--timeout", "0.3", NULL);
    assert_int_equal(rc, 5);
    assert_non_null(strstr(werr, "timed out"));
    free(out);
    free(werr);
    s_batch_ref_t ref = {f, batch};
    assert_true(cluster_wait_for(s_all_finished, &ref, RUN_MS));
    /* lode wait BATCH: all finished, some failed: exit 4, failures named. */
    rc = cluster_run_cli(f->c, NULL, &out, &werr, "wait", batch, "--json", NULL);
    assert_int_equal(rc, 4);
    assert_non_null(strstr(werr, "failed at fetch"));
    assert_non_null(strstr(werr, "more failed jobs"));
    assert_non_null(strstr(werr, "300/300 finished: done 200, failed 100"));
    json_t *w = s_json(out);
    assert_int_equal(s_int(w, "states", "done"), N_OK);
    json_decref(w);
    free(out);
    free(werr);
    json_t *st = s_status(f, batch);
    assert_int_equal(s_int(st, "total", NULL), N_UNIQUE);
    assert_int_equal(s_int(st, "states", "done"), N_OK);
    assert_int_equal(s_int(st, "states", "failed"), N_MISSING);
    assert_int_equal(s_int(st, "states", "queued"), 0);
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(json_object_get(st, "stages"), "fetch"), "failed")),
                     N_MISSING);
    assert_int_equal(s_int(st, "input", "lines"), N_LINES);
    assert_int_equal(s_int(st, "input", "duplicates"), N_DUPS);
    assert_true(json_is_false(json_object_get(st, "open")));
    json_decref(st);
    json_decref(sum);
    free(name);
    free(want0);
    free(url0);
    free(id0);
    free(errs);
    free(path);
    cluster_mark_ok(f->c);
}

static void test_batch_export_writes_every_document_as_json_lines_and_markdown(void **state)
{
    s_fix_t *f = s_fix(state);
    assert_true(f->first[0]);
    char *path = mem_printf("%s/export.jsonl", cluster_tmpdir(f->c));
    char *out = NULL, *errs = NULL;
    int rc = cluster_run_cli(f->c, NULL, &out, &errs, "batch", "export", f->first, "--format",
                             "jsonl", "-o", path, NULL);
    if (rc != 0)
        fprintf(stderr, "lode batch export: %s\n", errs);
    assert_int_equal(rc, 0);
    free(out);
    free(errs);
    size_t len = 0;
    char *jsonl = cluster_read_file(path, 64u << 20, &len);
    assert_non_null(jsonl);
    size_t lines = 0, done = 0, snippets = 0;
    for (char *line = strtok(jsonl, "\n"); line; line = strtok(NULL, "\n")) {
        json_t *doc = s_json(line);
        lines++;
        const char *st = json_string_value(json_object_get(doc, "state"));
        if (st && strcmp(st, "done") == 0) {
            done++;
            snippets += json_array_size(json_object_get(doc, "snippets")) > 0;
        }
        assert_string_equal(json_string_value(json_object_get(doc, "batch")), f->first);
        json_decref(doc);
    }
    assert_int_equal(lines, N_UNIQUE);
    assert_int_equal(done, N_OK);
    assert_int_equal(snippets, N_OK);
    rc = cluster_run_cli(f->c, NULL, &out, &errs, "batch", "export", f->first, "--format", "md",
                         NULL);
    assert_int_equal(rc, 0);
    assert_int_equal(s_count(out, "\n---\n\n"), N_UNIQUE - 1);
    free(out);
    free(errs);
    rc = cluster_run_cli(f->c, NULL, &out, &errs, "batch", "export", f->first, "--format", "csv",
                         NULL);
    assert_int_equal(rc, 2);
    free(out);
    free(errs);
    free(jsonl);
    free(path);
    cluster_mark_ok(f->c);
}

static void test_submit_stdin_with_skip_done_reuses_the_done_documents(void **state)
{
    s_fix_t *f = s_fix(state);
    assert_true(f->first[0]);
    char *errs = NULL;
    json_t *sum = s_submit(f, "-", f->list, "--skip-done", &errs);
    assert_int_equal(s_int(sum, "lines", NULL), N_LINES);
    assert_int_equal(s_int(sum, "reused", NULL), N_OK);         /* done: reused */
    assert_int_equal(s_int(sum, "submitted", NULL), N_MISSING); /* failed: mined again */
    assert_int_equal(s_int(sum, "duplicates", NULL), N_DUPS);
    assert_int_equal(s_count(errs, ": not a URL: "), N_INVALID);
    const char *batch = json_string_value(json_object_get(sum, "batch"));
    assert_string_not_equal(batch, f->first);
    /* The reused jobs are the first batch's, and they are done already. */
    assert_int_equal(cluster_redis_int(f->c, "LLEN lode:batch:%s:jobs", batch), N_UNIQUE);
    char *reused = cluster_redis_str(f->c, "LINDEX lode:batch:%s:jobs 0", batch);
    char *from = cluster_job_field(f->c, reused, "batch");
    assert_string_equal(from, f->first);
    json_t *st = s_status(f, batch);
    assert_int_equal(s_int(st, "total", NULL), N_UNIQUE);
    assert_true(s_int(st, "states", "done") >= N_OK);
    assert_int_equal(s_int(st, "input", "reused"), N_OK);
    json_decref(st);
    s_batch_ref_t ref = {f, batch};
    assert_true(cluster_wait_for(s_all_finished, &ref, RUN_MS));
    char *out = NULL, *werr = NULL;
    int rc = cluster_run_cli(f->c, NULL, &out, &werr, "wait", batch, NULL);
    assert_int_equal(rc, 4);
    assert_non_null(strstr(werr, "300/300 finished: done 200, failed 100"));
    free(out);
    free(werr);
    free(from);
    free(reused);
    json_decref(sum);
    free(errs);
    cluster_mark_ok(f->c);
}

static void test_submit_file_without_a_url_makes_no_batch(void **state)
{
    s_fix_t *f = s_fix(state);
    const char *list = "# nothing here\n\nftp://x/y\nnot a url\n";
    long long before = cluster_redis_int(f->c, "EVAL \"return #redis.call('keys', "
                                               "'lode:batch:*')\" 0");
    char *out = NULL, *errs = NULL;
    int rc = cluster_run_cli(f->c, list, &out, &errs, "submit", "-f", "-", NULL);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(errs, "line 3: not a URL: ftp://x/y"));
    assert_non_null(strstr(errs, "line 4: not a URL: not a url"));
    assert_non_null(strstr(errs, "no URL or file in stdin"));
    assert_string_equal(out, "");
    long long after = cluster_redis_int(f->c, "EVAL \"return #redis.call('keys', "
                                              "'lode:batch:*')\" 0");
    assert_int_equal(after, before);
    free(out);
    free(errs);
    cluster_mark_ok(f->c);
}

static void test_submit_file_refuses_a_missing_file_and_mixed_arguments(void **state)
{
    s_fix_t *f = s_fix(state);
    char *out = NULL, *errs = NULL;
    int rc =
        cluster_run_cli(f->c, NULL, &out, &errs, "submit", "-f", "/nonexistent/urls.txt", NULL);
    assert_int_equal(rc, 2);
    assert_non_null(strstr(errs, "no such file"));
    free(out);
    free(errs);
    rc =
        cluster_run_cli(f->c, NULL, &out, &errs, "submit", "-f", "-", "https://example.com/", NULL);
    assert_int_equal(rc, 2);
    free(out);
    free(errs);
    rc = cluster_run_cli(f->c, NULL, &out, &errs, "batch", "status", "01ARZ3NDEKTSV4RRFFQ69G5FAV",
                         NULL);
    assert_int_equal(rc, 3);
    assert_non_null(strstr(errs, "no batch"));
    free(out);
    free(errs);
    cluster_mark_ok(f->c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_submit_file_streams_a_list_into_one_batch_and_it_finishes, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(
            test_batch_export_writes_every_document_as_json_lines_and_markdown, s_setup,
            s_teardown),
        cmocka_unit_test_setup_teardown(test_submit_stdin_with_skip_done_reuses_the_done_documents,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_submit_file_without_a_url_makes_no_batch, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_submit_file_refuses_a_missing_file_and_mixed_arguments,
                                        s_setup, s_teardown),
    };
    return cluster_main_result(cmocka_run_group_tests(tests, s_group_setup, s_group_teardown));
}
