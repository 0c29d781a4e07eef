/*  test_render.c - the `lode show` page from exported documents.
 *  SPDX-License-Identifier: MIT
 */
#include "doc.h"
#include "render.h"
#include "test.h"

static const char *const k_doc =
    "{\"id\":\"01JABC\",\"url\":\"https://youtu.be/x\",\"batch\":\"01JB\",\"state\":\"done\","
    "\"source\":{\"kind\":\"youtube\",\"format\":\"vtt\",\"title\":\"The data black hole\","
    "\"author\":\"Dwarkesh Patel\",\"published\":\"2026-06-19\",\"runtime_s\":717,"
    "\"language\":\"en\",\"speakers\":[\"Dwarkesh Patel\",\"Andrej Karpathy\"],"
    "\"notes\":[\"repaired 1 invalid UTF-8 sequence\"]},"
    "\"transcript\":{\"text\":\"one two three four\",\"segments\":[{\"offset\":0,\"length\":18}]},"
    "\"snippets\":[{\"id\":3,\"quote\":\"A black hole of data.\",\"commentary\":\"Mine.\","
    "\"speaker\":\"Dwarkesh Patel\","
    "\"offset\":5,\"length\":21,\"start_ms\":3723000,\"kept\":true,\"curated\":true,"
    "\"proposed\":{\"commentary\":\"The metaphor.\",\"position\":2}},"
    "{\"id\":1,\"quote\":\"Sample efficiency.\",\"commentary\":\"Reframes.\",\"offset\":0,"
    "\"length\":18,\"start_ms\":65000,\"kept\":true,\"match\":\"snapped\","
    "\"snap_score\":0.9},"
    "{\"id\":2,\"quote\":\"Dropped quote.\",\"commentary\":\"Gone.\",\"offset\":30,"
    "\"length\":14,\"kept\":false,\"curated\":true,\"proposed\":{\"kept\":true}}],"
    "\"synthesis\":{\"title\":\"Essay\",\"markdown\":\"# Essay\\n\\nBody text.\"},"
    "\"fanout\":{\"questions\":[\"Why?\"],\"concepts\":[],\"references\":[\"Chinchilla\"],"
    "\"reference_notes\":[{\"reference\":\"Chinchilla\",\"type\":\"work\","
    "\"sentence\":\"Take the constants from the Chinchilla paper.\",\"offset\":0,"
    "\"length\":45}]},"
    "\"stage\":\"fanout\",\"error\":null,"
    "\"curation\":{\"updated_ms\":1782000000000,\"changed\":[{\"summary\":\"snippet 2 "
    "dropped\"}]}}";

static char *s_page(const char *json, bool all)
{
    render_opts_t opts = {.all = all};
    err_t err = {0};
    char *page = render_page(json, &opts, &err);
    assert_non_null(page);
    assert_int_equal(err.code, 0);
    return page;
}

static void s_has(const char *page, const char *needle)
{
    if (!strstr(page, needle))
        fail_msg("page lacks \"%s\":\n%s", needle, page);
}

static void test_render_page_reads_like_the_seed_page(void **state)
{
    (void)state;
    char *page = s_page(k_doc, false);
    s_has(page, "The data black hole\nDwarkesh Patel · 2026-06-19 · 11:57\n");
    s_has(page, "§01  Source\n");
    s_has(page, "  Runtime     11:57\n");
    s_has(page, "  Kind        youtube (vtt)\n");
    s_has(page, "  Transcript  4 words · 1 segments\n");
    s_has(page, "  Snippets    2 kept of 3 · 1 edited\n");
    s_has(page, "  Notes       repaired 1 invalid UTF-8 sequence\n");
    s_has(page, "§02  Snippets\n\n  #3  [1:02:03]  (edited)  (moved)\n  │ A black hole of data.\n"
                "  │ \u2014 Dwarkesh Patel\n  → Mine.\n");
    s_has(page, "  Speakers    A conversation between Dwarkesh Patel and Andrej Karpathy\n");
    s_has(page, "  #1  [1:05]  (snapped to the source)\n"); /* the model misquoted */
    assert_null(strstr(page, "#3  [1:02:03]  (edited)  (moved)  (snapped"));
    s_has(page, "§03  Synthesis\n\n# Essay\n\nBody text.\n");
    s_has(page, "§04  Fan-out\n\nQuestions raised\n  01  Why?\n\nConcepts to learn\n  (none)\n");
    /* the extractive engine's note: the reference's type and its sentence */
    s_has(page, "References invoked\n  01  Chinchilla  (work)\n"
                "      \u2502 Take the constants from the Chinchilla paper.\n");
    s_has(page, "Curation  1 change, last 2026-06-21");
    assert_null(strstr(page, "Dropped quote."));
    assert_true(strstr(page, "§01") < strstr(page, "§02"));
    assert_true(strstr(page, "§03") < strstr(page, "§04"));
    free(page);
}

static void test_render_all_shows_dropped_snippets_marked(void **state)
{
    (void)state;
    char *page = s_page(k_doc, true);
    s_has(page, "  #2  (dropped)\n  │ Dropped quote.\n");
    free(page);
}

static void test_render_unfinished_job_shows_its_state(void **state)
{
    (void)state;
    char *page = s_page("{\"id\":\"01JX\",\"url\":null,\"state\":\"running\",\"source\":null,"
                        "\"snippets\":null,\"synthesis\":null,\"fanout\":null,"
                        "\"stage\":\"snippet\",\"error\":null}",
                        false);
    s_has(page, "01JX\n");
    s_has(page, "§02  Snippets\n\n  (not yet: the job is running at stage snippet)\n");
    s_has(page, "§04  Fan-out\n\n  (not yet");
    free(page);
}

/* The failure once, at the top, with its stage and what to do; the
 * sections only point at it. */
static void test_render_failed_job_shows_the_error_once_at_the_top(void **state)
{
    (void)state;
    char *page = s_page("{\"id\":\"01JX\",\"state\":\"failed\",\"stage\":\"fetch\","
                        "\"error\":\"http 404\"}",
                        false);
    s_has(page, "01JX\n\nFAILED at stage fetch: http 404\n  what to do: ");
    s_has(page, "then lode retry 01JX\n\n§01  Source\n");
    const char *first = strstr(page, "http 404");
    assert_null(strstr(first + 1, "http 404")); /* said once */
    s_has(page, "§02  Snippets\n\n  (none: the job failed, see above)\n");
    free(page);
    page = s_page("{\"id\":\"01JY\",\"state\":\"failed\",\"stage\":\"fetch\","
                  "\"error\":\"2 words: too short to mine, at least 20\"}",
                  false);
    s_has(page, "what to do: the source has too little text to mine: submit a longer one\n");
    free(page);
}

static void test_render_of_a_real_export_roundtrips(void **state)
{
    (void)state;
    doc_parts_t p = {.id = "01JQ",
                     .state = "done",
                     .snippets = "[{\"id\":1,\"quote\":\"Q one.\",\"commentary\":\"C one.\"}]"};
    err_t err = {0};
    doc_t *doc = doc_new(&p, &err);
    assert_non_null(doc);
    char *json = doc_to_json(doc, 0);
    char *page = s_page(json, false);
    s_has(page, "  #1\n  │ Q one.\n  → C one.\n");
    free(page);
    free(json);
    doc_destroy(&doc);
}

static void test_render_rejects_what_is_not_a_document(void **state)
{
    (void)state;
    err_t err = {0};
    assert_null(render_page("[1,2]", NULL, &err));
    assert_int_equal(err.code, LODE_EINVAL);
    err_clear(&err);
    assert_null(render_page("{", NULL, &err));
    assert_int_equal(err.code, LODE_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_page_reads_like_the_seed_page),
        cmocka_unit_test(test_render_all_shows_dropped_snippets_marked),
        cmocka_unit_test(test_render_unfinished_job_shows_its_state),
        cmocka_unit_test(test_render_failed_job_shows_the_error_once_at_the_top),
        cmocka_unit_test(test_render_of_a_real_export_roundtrips),
        cmocka_unit_test(test_render_rejects_what_is_not_a_document),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
