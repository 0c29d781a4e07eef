/*  test_curation.c - a person's curation through the `lode` CLI on a real
 *  cluster: keep/drop, edit, move, synthesis and fan-out edits, each read
 *  back through `lode export`, with the proposed values still there.
 *  SPDX-License-Identifier: MIT
 */
// clang-format off
#include "test.h"
// clang-format on

#include <jansson.h>

#include "cluster.h"
#include "fixture.h"
#include "mem.h"

#define JOB_LIMIT_MS 60000
#define ABSENT_ID    "01HZZZZZZZZZZZZZZZZZZZZZZZ" /* well-formed, never issued */

typedef struct {
    cluster_t *c;  /* owned */
    char *id;      /* owned: the curated job */
    json_t *first; /* owned: its export before any curation */
} s_fixture_t;

static int s_group_setup(void **state)
{
    s_fixture_t *f = mem_calloc(1, sizeof *f);
    *state = f;
    f->c = fixture_cluster(NULL);
    if (!f->c)
        return -1;
    char *prose = cluster_prose(1500);
    f->id = prose ? cluster_submit_text(f->c, prose, strlen(prose)) : NULL;
    free(prose);
    char *st = f->id ? cluster_wait_job(f->c, f->id, JOB_LIMIT_MS) : NULL;
    char *doc = st && strcmp(st, "done") == 0 ? cluster_export_json(f->c, f->id) : NULL;
    f->first = doc ? json_loads(doc, 0, NULL) : NULL;
    free(st);
    free(doc);
    if (!f->first || json_array_size(json_object_get(f->first, "snippets")) < 3) {
        fprintf(stderr, "curation fixture: no done job with 3 snippets\n");
        cluster_dump_logs(f->c, 4096);
        return -1;
    }
    return 0;
}

static int s_group_teardown(void **state)
{
    s_fixture_t *f = *state;
    if (!f)
        return 0;
    int reports = fixture_down(&f->c);
    free(f->id);
    json_decref(f->first);
    free(f);
    return reports ? -1 : 0;
}

static int s_setup(void **state)
{
    cluster_mark_begin(((s_fixture_t *)*state)->c);
    return 0;
}

static int s_teardown(void **state)
{
    cluster_check(((s_fixture_t *)*state)->c);
    return 0;
}

/* Run the CLI, expect status want; stdout (caller frees). */
static char *s_cli(s_fixture_t *f, int want, const char *const *argv)
{
    char *out = NULL, *errout = NULL;
    int rc = cluster_run_cliv(f->c, NULL, 0, &out, &errout, argv);
    if (rc != want) {
        fprintf(stderr, "lode");
        for (size_t i = 0; argv[i]; i++)
            fprintf(stderr, " %s", argv[i]);
        fprintf(stderr, ": exit %d, want %d\nstdout: %s\nstderr: %s\n", rc, want, out, errout);
    }
    assert_int_equal(rc, want);
    if (want != 0 && want != CLUSTER_EXIT_TIMEOUT)
        assert_true(errout && *errout); /* a failure says why */
    free(errout);
    return out;
}

#define CLI(f, want, ...) s_cli((f), (want), (const char *const[]){__VA_ARGS__, NULL})

static json_t *s_export(s_fixture_t *f)
{
    char *out = CLI(f, 0, "export", f->id, "--format", "json");
    json_error_t jerr;
    json_t *doc = json_loads(out, 0, &jerr);
    if (!doc)
        fprintf(stderr, "export is not JSON (%s): %.300s\n", jerr.text, out);
    assert_non_null(doc);
    assert_true(cluster_doc_check(out, false) >= 3); /* curation never breaks grounding */
    free(out);
    return doc;
}

static json_t *s_snippet(json_t *doc, json_int_t id, size_t *index)
{
    size_t i;
    json_t *snip;
    json_array_foreach(json_object_get(doc, "snippets"), i, snip)
    {
        if (json_integer_value(json_object_get(snip, "id")) == id) {
            if (index)
                *index = i;
            return snip;
        }
    }
    fail_msg("snippet %lld not in the export", (long long)id);
    return NULL;
}

static json_int_t s_snippet_id(s_fixture_t *f, size_t index)
{
    json_t *snip = json_array_get(json_object_get(f->first, "snippets"), index);
    assert_non_null(snip);
    assert_true(json_is_integer(json_object_get(snip, "id")));
    return json_integer_value(json_object_get(snip, "id"));
}

static size_t s_count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static const char *s_str(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* ------------------------------------------------------------------ tests */

static void test_dropping_a_snippet_marks_it_not_kept_and_show_hides_it(void **state)
{
    s_fixture_t *f = *state;
    json_int_t id = s_snippet_id(f, 1);
    char sid[32];
    snprintf(sid, sizeof sid, "%lld", (long long)id);
    /* show may put a margin before each line of a quote: look for its first. */
    char quote[512];
    snprintf(quote, sizeof quote, "%s", s_str(s_snippet(f->first, id, NULL), "quote"));
    quote[strcspn(quote, "\n")] = '\0';
    char *shown = CLI(f, 0, "show", f->id);
    size_t before = s_count(shown, quote);
    assert_true(before >= 1);
    free(CLI(f, 0, "drop", f->id, sid));
    json_t *doc = s_export(f);
    assert_true(json_is_false(json_object_get(s_snippet(doc, id, NULL), "kept")));
    assert_true(json_is_true(json_object_get(s_snippet(doc, s_snippet_id(f, 0), NULL), "kept")));
    json_decref(doc);
    char *hidden = CLI(f, 0, "show", f->id);
    assert_int_equal(s_count(hidden, quote), before - 1);
    free(CLI(f, 0, "keep", f->id, sid));
    doc = s_export(f);
    assert_true(json_is_true(json_object_get(s_snippet(doc, id, NULL), "kept")));
    json_decref(doc);
    free(shown);
    free(hidden);
    cluster_mark_ok(f->c);
}

static void test_editing_commentary_keeps_the_proposed_original(void **state)
{
    s_fixture_t *f = *state;
    json_int_t id = s_snippet_id(f, 2);
    char sid[32];
    snprintf(sid, sizeof sid, "%lld", (long long)id);
    const char *original = s_str(s_snippet(f->first, id, NULL), "commentary");
    const char *mine = "A person\u2019s sharper line \u2014 kept verbatim.";
    free(CLI(f, 0, "edit", f->id, sid, "--set", mine));
    json_t *doc = s_export(f);
    json_t *snip = s_snippet(doc, id, NULL);
    assert_string_equal(s_str(snip, "commentary"), mine);
    assert_string_equal(s_str(json_object_get(snip, "proposed"), "commentary"), original);
    assert_string_equal(s_str(snip, "quote"), s_str(s_snippet(f->first, id, NULL), "quote"));
    json_decref(doc);
    char *md = CLI(f, 0, "export", f->id, "--format", "md");
    assert_non_null(strstr(md, mine));
    free(md);
    cluster_mark_ok(f->c);
}

static void test_moving_a_snippet_changes_the_exported_order(void **state)
{
    s_fixture_t *f = *state;
    size_t n = json_array_size(json_object_get(f->first, "snippets"));
    json_int_t last = s_snippet_id(f, n - 1);
    char sid[32];
    snprintf(sid, sizeof sid, "%lld", (long long)last);
    free(CLI(f, 0, "move", f->id, sid, "1"));
    json_t *doc = s_export(f);
    size_t at = SIZE_MAX;
    s_snippet(doc, last, &at);
    assert_int_equal(at, 0);
    for (size_t i = 0; i + 1 < n; i++) { /* the others keep their order */
        size_t now = SIZE_MAX;
        s_snippet(doc, s_snippet_id(f, i), &now);
        assert_int_equal(now, i + 1);
    }
    assert_int_equal(json_array_size(json_object_get(doc, "snippets")), n);
    json_decref(doc);
    free(CLI(f, 3, "move", f->id, "999999", "1"));
    cluster_mark_ok(f->c);
}

static void test_editing_the_synthesis_replaces_title_and_markdown(void **state)
{
    s_fixture_t *f = *state;
    const char *original = s_str(json_object_get(f->first, "synthesis"), "title");
    const char *mine = "# A Curated Title\n\n## First\n\nBody one.\n\n## Second\n\nBody two.\n";
    free(CLI(f, 0, "edit", f->id, "--synthesis", "--set", mine));
    json_t *doc = s_export(f);
    json_t *syn = json_object_get(doc, "synthesis");
    assert_string_equal(s_str(syn, "title"), "A Curated Title");
    assert_non_null(strstr(s_str(syn, "markdown"), "## Second\n\nBody two."));
    assert_string_equal(s_str(json_object_get(syn, "proposed"), "title"), original);
    json_decref(doc);
    cluster_mark_ok(f->c);
}

static json_t *s_list(json_t *doc, const char *name)
{
    json_t *list = json_object_get(json_object_get(doc, "fanout"), name);
    assert_true(json_is_array(list));
    return list;
}

static void test_adding_and_removing_fanout_items_round_trips(void **state)
{
    s_fixture_t *f = *state;
    json_t *concepts0 = s_list(f->first, "concepts");
    size_t nq = json_array_size(s_list(f->first, "questions"));
    size_t nc = json_array_size(concepts0);
    assert_true(nc >= 1);
    free(CLI(f, 0, "add", f->id, "questions", "What would a person ask next?"));
    free(CLI(f, 0, "add", f->id, "concepts", "Curation layer"));
    free(CLI(f, 0, "add", f->id, "references", "DESIGN.md, section Curation"));
    json_t *doc = s_export(f);
    json_t *q = s_list(doc, "questions");
    assert_int_equal(json_array_size(q), nq + 1);
    assert_string_equal(json_string_value(json_array_get(q, nq)), "What would a person ask next?");
    json_t *refs = s_list(doc, "references");
    assert_string_equal(json_string_value(json_array_get(refs, json_array_size(refs) - 1)),
                        "DESIGN.md, section Curation");
    json_decref(doc);
    free(CLI(f, 0, "remove", f->id, "concepts", "1"));
    char qi[16];
    snprintf(qi, sizeof qi, "%zu", nq + 1);
    free(CLI(f, 0, "remove", f->id, "questions", qi));
    doc = s_export(f);
    json_t *c = s_list(doc, "concepts");
    assert_int_equal(json_array_size(c), nc); /* one added, one removed */
    if (nc >= 2)
        assert_string_equal(json_string_value(json_array_get(c, 0)),
                            json_string_value(json_array_get(concepts0, 1)));
    assert_string_equal(json_string_value(json_array_get(c, nc - 1)), "Curation layer");
    assert_int_equal(json_array_size(s_list(doc, "questions")), nq);
    json_decref(doc);
    free(CLI(f, 3, "remove", f->id, "questions", "999"));
    cluster_mark_ok(f->c);
}

static void test_unknown_jobs_and_snippets_exit_with_not_found(void **state)
{
    s_fixture_t *f = *state;
    free(CLI(f, 3, "show", ABSENT_ID));
    free(CLI(f, 3, "export", ABSENT_ID, "--format", "json"));
    free(CLI(f, 3, "status", ABSENT_ID));
    free(CLI(f, 3, "drop", ABSENT_ID, "1"));
    free(CLI(f, 3, "drop", f->id, "999999"));
    free(CLI(f, 3, "keep", f->id, "999999"));
    free(CLI(f, 3, "edit", f->id, "999999", "--set", "nothing"));
    free(CLI(f, 3, "add", ABSENT_ID, "questions", "Where is it?"));
    cluster_mark_ok(f->c);
}

static void test_curation_leaves_the_proposed_parts_untouched(void **state)
{
    s_fixture_t *f = *state;
    char *snippets = cluster_part(f->c, f->id, "snippets");
    assert_non_null(snippets);
    json_t *stored = json_loads(snippets, 0, NULL);
    assert_non_null(stored);
    size_t n = json_array_size(json_object_get(f->first, "snippets"));
    assert_int_equal(json_array_size(stored), n);
    json_int_t edited = s_snippet_id(f, 2);
    size_t i;
    json_t *snip;
    json_array_foreach(stored, i, snip)
    {
        if (json_integer_value(json_object_get(snip, "id")) == edited)
            assert_string_equal(s_str(snip, "commentary"),
                                s_str(s_snippet(f->first, edited, NULL), "commentary"));
    }
    json_decref(stored);
    free(snippets);
    char *curated = cluster_redis_str(f->c, "GET lode:job:%s:curated", f->id);
    assert_non_null(curated); /* the edits live beside the proposal */
    free(curated);
    cluster_mark_ok(f->c);
}

int main(void)
{
    if (getenv("LODE_TEST_FILTER")) /* e.g. LODE_TEST_FILTER="*vtt*" */
        cmocka_set_test_filter(getenv("LODE_TEST_FILTER"));
#define T(fn) cmocka_unit_test_setup_teardown(fn, s_setup, s_teardown)
    const struct CMUnitTest tests[] = {
        T(test_dropping_a_snippet_marks_it_not_kept_and_show_hides_it),
        T(test_editing_commentary_keeps_the_proposed_original),
        T(test_moving_a_snippet_changes_the_exported_order),
        T(test_editing_the_synthesis_replaces_title_and_markdown),
        T(test_adding_and_removing_fanout_items_round_trips),
        T(test_unknown_jobs_and_snippets_exit_with_not_found),
        T(test_curation_leaves_the_proposed_parts_untouched),
    };
#undef T
    return cluster_main_result(
        cmocka_run_group_tests_name("curation", tests, s_group_setup, s_group_teardown));
}
