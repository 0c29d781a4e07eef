/*  test_pipeline.c - end to end through a real cluster: text, VTT, SRT and
 *  Markdown sources go in through `lode submit`, come out of `lode export`
 *  as documents whose every quote is a verbatim span of the transcript.
 *  SPDX-License-Identifier: MIT
 */
// clang-format off
#include "test.h"
// clang-format on

#include <jansson.h>

#include "cluster.h"
#include "fixture.h"
#include "mem.h"

#define JOB_LIMIT_MS 60000 /* one small source through four stages */

/* Sentences of the prose, for building cue files. */
#define MAX_CUES 40

static cluster_t *s_cluster(void **state)
{
    return *state;
}

/* Submit argv (after "submit"), expect exit 0 and n ids, one per line; the
 * ids go into ids[] (caller frees each). */
static void s_submit_files(cluster_t *c, const char *const *files, size_t n, char **ids)
{
    const char *argv[16] = {"submit"};
    assert_true(n < 15);
    for (size_t i = 0; i < n; i++)
        argv[i + 1] = files[i];
    argv[n + 1] = NULL;
    char *out = NULL, *errout = NULL;
    int rc = cluster_run_cliv(c, NULL, 0, &out, &errout, argv);
    if (rc != 0)
        fprintf(stderr, "lode submit: exit %d: %s\n", rc, errout);
    assert_int_equal(rc, 0);
    size_t got = 0;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"))
        if (*line && got < n)
            ids[got++] = mem_strdup(line);
    assert_int_equal(got, n);
    free(out);
    free(errout);
}

/* Wait for id to finish, expect done; its exported document (caller frees). */
static char *s_done_export(cluster_t *c, const char *id)
{
    char *state = cluster_wait_job(c, id, JOB_LIMIT_MS);
    if (!state || strcmp(state, "done") != 0) {
        char *error = cluster_job_field(c, id, "error");
        fprintf(stderr, "job %s: state %s, error %s\n", id, state ? state : "(timeout)",
                error ? error : "-");
        free(error);
    }
    assert_non_null(state);
    assert_string_equal(state, "done");
    free(state);
    char *doc = cluster_export_json(c, id);
    assert_non_null(doc);
    return doc;
}

static json_t *s_parse(const char *text)
{
    json_error_t jerr;
    json_t *doc = json_loads(text, 0, &jerr);
    if (!doc)
        fprintf(stderr, "not JSON (%s): %.300s\n", jerr.text, text);
    assert_non_null(doc);
    return doc;
}

/* Split prose into up to max sentences (new strings in out[]). */
static size_t s_sentences(const char *prose, char **out, size_t max)
{
    size_t n = 0;
    const char *p = prose;
    while (*p && n < max) {
        const char *end = strstr(p, ". ");
        size_t len = end ? (size_t)(end - p) + 1 : strlen(p);
        while (len && (*p == ' ' || *p == '\n')) {
            p++;
            len--;
        }
        if (len > 20)
            out[n++] = mem_strndup(p, len);
        p += len;
    }
    return n;
}

/* Cue text with typographic punctuation: curly apostrophes, a quoted
 * sentence every third cue, an em dash every fifth. */
static char *s_cue_text(const char *sentence, size_t i)
{
    char *s = mem_strdup(sentence);
    char *typo = mem_alloc(strlen(s) * 3 + 32);
    char *w = typo;
    if (i % 3 == 0)
        w += sprintf(w, "\u201c");
    for (const char *p = s; *p; p++)
        w += *p == '\'' ? sprintf(w, "\u2019") : sprintf(w, "%c", *p);
    if (i % 3 == 0)
        w += sprintf(w, "\u201d");
    if (i % 5 == 0)
        sprintf(w, " \u2014 caf\u00e9 na\u00efve");
    free(s);
    return typo;
}

/* A WebVTT (srt == false) or SRT file of the prose's sentences, 4 s a cue. */
static char *s_cue_file(bool srt, size_t *n_cues)
{
    char *prose = cluster_prose(600);
    assert_non_null(prose);
    char *sent[MAX_CUES];
    size_t n = s_sentences(prose, sent, MAX_CUES);
    free(prose);
    size_t cap = 64 * 1024, len = 0;
    char *f = mem_alloc(cap);
    len += (size_t)snprintf(f, cap, "%s", srt ? "" : "WEBVTT\n\n");
    for (size_t i = 0; i < n; i++) {
        char *text = s_cue_text(sent[i], i);
        int a = (int)i * 4000, b = a + 3900;
        char sep = srt ? ',' : '.';
        len += (size_t)snprintf(f + len, cap - len,
                                "%zu\n%02d:%02d:%02d%c%03d --> %02d:%02d:%02d%c%03d\n%s\n\n", i + 1,
                                a / 3600000, a / 60000 % 60, a / 1000 % 60, sep, a % 1000,
                                b / 3600000, b / 60000 % 60, b / 1000 % 60, sep, b % 1000, text);
        assert_true(len < cap);
        free(text);
        free(sent[i]);
    }
    *n_cues = n;
    return f;
}

/* The largest end_ms of the document's segments. */
static json_int_t s_last_end_ms(json_t *doc)
{
    json_t *segs = json_object_get(json_object_get(doc, "transcript"), "segments");
    json_int_t last = -1;
    size_t i;
    json_t *seg;
    json_array_foreach(segs, i, seg)
    {
        json_int_t e = json_integer_value(json_object_get(seg, "end_ms"));
        last = e > last ? e : last;
    }
    return last;
}

static void s_check_cue_source(cluster_t *c, bool srt)
{
    size_t n_cues = 0;
    char *body = s_cue_file(srt, &n_cues);
    assert_true(n_cues >= 10);
    char *path = cluster_write_file(c, srt ? "talk.srt" : "talk.vtt", body, strlen(body));
    assert_non_null(path);
    char *id = NULL;
    s_submit_files(c, (const char *const[]){path}, 1, &id);
    char *doc = s_done_export(c, id);
    assert_true(cluster_doc_check(doc, true) >= 1);
    json_t *j = s_parse(doc);
    json_int_t last = s_last_end_ms(j);
    assert_true(last > 0 && last <= (json_int_t)n_cues * 4000);
    const char *text = json_string_value(json_object_get(json_object_get(j, "transcript"), "text"));
    assert_non_null(strstr(text, "\u2019"));           /* curly apostrophe kept */
    assert_non_null(strstr(text, "\u2014 caf\u00e9")); /* em dash and accents kept */
    assert_null(strstr(text, "-->"));                  /* no timing lines in the text */
    json_decref(j);
    free(doc);
    free(id);
    free(path);
    free(body);
}

/* ------------------------------------------------------------------ tests */

static void test_inline_text_is_mined_into_a_grounded_document(void **state)
{
    cluster_t *c = s_cluster(state);
    char *prose = cluster_prose(1500);
    assert_non_null(prose);
    int64_t t0 = cluster_now_ms();
    char *id = cluster_submit_text(c, prose, strlen(prose));
    assert_non_null(id);
    char *doc = s_done_export(c, id);
    printf("pipeline: %zu-byte text submitted, done and exported in %lld ms\n", strlen(prose),
           (long long)(cluster_now_ms() - t0));
    assert_true(cluster_doc_check(doc, false) >= 3);
    json_t *j = s_parse(doc);
    assert_string_equal(json_string_value(json_object_get(j, "id")), id);
    json_t *syn = json_object_get(j, "synthesis");
    const char *title = json_string_value(json_object_get(syn, "title"));
    const char *md = json_string_value(json_object_get(syn, "markdown"));
    assert_true(title && *title);
    assert_true(md && strstr(md, "## "));
    json_t *fan = json_object_get(j, "fanout");
    assert_true(json_array_size(json_object_get(fan, "concepts")) > 0);
    assert_true(json_is_array(json_object_get(fan, "questions")));
    assert_true(json_is_array(json_object_get(fan, "references")));
    assert_true(json_is_object(json_object_get(j, "source")));
    json_decref(j);
    free(doc);
    free(id);
    free(prose);
    cluster_mark_ok(c);
}

static void test_vtt_snippets_carry_times_within_their_cues(void **state)
{
    s_check_cue_source(s_cluster(state), false);
    cluster_mark_ok(s_cluster(state));
}

static void test_srt_snippets_carry_times_within_their_cues(void **state)
{
    s_check_cue_source(s_cluster(state), true);
    cluster_mark_ok(s_cluster(state));
}

static void test_markdown_file_takes_its_title_from_the_heading(void **state)
{
    cluster_t *c = s_cluster(state);
    char *prose = cluster_prose(800);
    char *md = mem_printf("# The Data Black Hole\n\n%s\n\n## More\n\n*Emphasis* and "
                          "[a link](https://example.com).\n",
                          prose);
    char *path = cluster_write_file(c, "essay.md", md, strlen(md));
    char *id = NULL;
    s_submit_files(c, (const char *const[]){path}, 1, &id);
    char *doc = s_done_export(c, id);
    assert_true(cluster_doc_check(doc, false) >= 1);
    json_t *j = s_parse(doc);
    const char *title = json_string_value(json_object_get(json_object_get(j, "source"), "title"));
    assert_non_null(title);
    assert_string_equal(title, "The Data Black Hole");
    json_decref(j);
    free(doc);
    free(id);
    free(path);
    free(md);
    free(prose);
    cluster_mark_ok(c);
}

static void test_several_files_in_one_submit_get_one_id_each(void **state)
{
    cluster_t *c = s_cluster(state);
    char *prose = cluster_prose(400);
    char *paths[3];
    for (int i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof name, "part%d.txt", i);
        char *body = mem_printf("Part %d.\n\n%s", i, prose);
        paths[i] = cluster_write_file(c, name, body, strlen(body));
        free(body);
    }
    char *ids[3] = {0};
    s_submit_files(c, (const char *const *)paths, 3, ids);
    assert_string_not_equal(ids[0], ids[1]);
    assert_string_not_equal(ids[1], ids[2]);
    assert_string_not_equal(ids[0], ids[2]);
    for (int i = 0; i < 3; i++) {
        char *doc = s_done_export(c, ids[i]);
        assert_true(cluster_doc_check(doc, false) >= 1);
        free(doc);
        free(ids[i]);
        free(paths[i]);
    }
    free(prose);
    cluster_mark_ok(c);
}

static void test_show_renders_the_snippets_section_with_its_quotes(void **state)
{
    cluster_t *c = s_cluster(state);
    char *prose = cluster_prose(1000);
    char *id = cluster_submit_text(c, prose, strlen(prose));
    assert_non_null(id);
    char *doc = s_done_export(c, id);
    char *out = NULL, *errout = NULL;
    assert_int_equal(cluster_run_cli(c, NULL, &out, &errout, "show", id, NULL), 0);
    assert_non_null(strstr(out, "\u00a702"));
    json_t *j = s_parse(doc);
    json_t *snips = json_object_get(j, "snippets");
    assert_true(json_array_size(snips) >= 1);
    size_t i;
    json_t *snip;
    json_array_foreach(snips, i, snip)
    {
        /* show may prefix each line of a quote (a "│ " margin); check the lines. */
        char *quote = mem_strdup(json_string_value(json_object_get(snip, "quote")));
        for (char *line = strtok(quote, "\n"); line; line = strtok(NULL, "\n")) {
            if (!strstr(out, line))
                fprintf(stderr, "quote %zu line not in show output:\n%s\n---\n%s\n", i, line, out);
            assert_non_null(strstr(out, line));
        }
        free(quote);
    }
    json_decref(j);
    free(out);
    free(errout);
    free(doc);
    free(id);
    free(prose);
    cluster_mark_ok(c);
}

static void test_list_wait_and_status_know_the_submitted_jobs(void **state)
{
    cluster_t *c = s_cluster(state);
    char *ids[2];
    for (int i = 0; i < 2; i++) {
        char *prose = cluster_prose(150);
        char *text = mem_printf("Short note %d.\n\n%s", i, prose);
        free(prose);
        ids[i] = cluster_submit_text(c, text, strlen(text));
        assert_non_null(ids[i]);
        free(text);
    }
    char *out = NULL, *errout = NULL;
    int rc =
        cluster_run_cli(c, NULL, &out, &errout, "wait", ids[0], ids[1], "--timeout", "60", NULL);
    if (rc != 0)
        fprintf(stderr, "lode wait: exit %d: %s\n", rc, errout);
    assert_int_equal(rc, 0);
    free(out);
    free(errout);
    assert_int_equal(cluster_run_cli(c, NULL, &out, &errout, "list", "--json", NULL), 0);
    json_decref(s_parse(out));
    assert_non_null(strstr(out, ids[0]));
    assert_non_null(strstr(out, ids[1]));
    free(out);
    free(errout);
    assert_int_equal(cluster_run_cli(c, NULL, &out, &errout, "status", ids[0], "--json", NULL), 0);
    json_decref(s_parse(out));
    assert_non_null(strstr(out, "done"));
    free(out);
    free(errout);
    free(ids[0]);
    free(ids[1]);
    cluster_mark_ok(c);
}

static void test_submit_json_names_the_batch_and_wait_returns_when_done(void **state)
{
    cluster_t *c = s_cluster(state);
    char *prose = cluster_prose(300);
    char *out = NULL, *errout = NULL;
    int rc = cluster_run_cli(c, prose, &out, &errout, "submit", "--name", "evening-reading",
                             "--json", "--wait", "--text", "-", NULL);
    if (rc != 0)
        fprintf(stderr, "lode submit --wait: exit %d: %s\n", rc, errout);
    assert_int_equal(rc, 0);
    json_t *j = s_parse(out);
    const char *batch = json_string_value(json_object_get(j, "batch"));
    json_t *jobs = json_object_get(j, "jobs");
    assert_true(batch && *batch);
    assert_int_equal(json_array_size(jobs), 1);
    const char *id = json_string_value(json_array_get(jobs, 0));
    assert_non_null(id);
    char *st = cluster_job_field(c, id, "state"); /* --wait returned: no polling here */
    assert_string_equal(st, "done");
    char *name = cluster_redis_str(c, "HGET lode:batch:%s name", batch);
    assert_string_equal(name, "evening-reading");
    free(name);
    free(st);
    json_decref(j);
    free(out);
    free(errout);
    free(prose);
    cluster_mark_ok(c);
}

int main(void)
{
    if (getenv("LODE_TEST_FILTER")) /* e.g. LODE_TEST_FILTER="*vtt*" */
        cmocka_set_test_filter(getenv("LODE_TEST_FILTER"));
#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)
    const struct CMUnitTest tests[] = {
        T(test_inline_text_is_mined_into_a_grounded_document),
        T(test_vtt_snippets_carry_times_within_their_cues),
        T(test_srt_snippets_carry_times_within_their_cues),
        T(test_markdown_file_takes_its_title_from_the_heading),
        T(test_several_files_in_one_submit_get_one_id_each),
        T(test_show_renders_the_snippets_section_with_its_quotes),
        T(test_list_wait_and_status_know_the_submitted_jobs),
        T(test_submit_json_names_the_batch_and_wait_returns_when_done),
    };
#undef T
    return cluster_main_result(cmocka_run_group_tests_name("pipeline", tests, fixture_group_setup,
                                                           fixture_group_teardown));
}
