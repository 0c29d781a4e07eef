/*  test_llmstage_synth.c - the synthesis stage without a model: one request,
 *  and notes taken on a long source before the synthesis; the meta.
 *  Fixtures in tests/helpers/stagefix.c.
 *  SPDX-License-Identifier: MIT
 */
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "chunk.h"
#include "extract.h"
#include "llmstage.h"
#include "mem.h"
#include "sha256.h"
#include "stagefix.h"
#include "test.h"

/* --- synthesis ------------------------------------------------------------ */

static const char *k_synthesis_answer =
    "{\"title\":\"Data Is the Engine\",\"sections\":[{\"heading\":\"\",\"markdown\":\"Opening "
    "paragraph.\"},{\"heading\":\"The Gap\",\"markdown\":\"A millionfold difference.\"}]}";

static void test_llmstage_writes_a_synthesis_in_one_request(void **state)
{
    (void)state;
    transcript_t *t = stagefix_transcript();
    prompts_t *p = stagefix_prompts();
    const char *snippets = "[{\"id\":1,\"quote\":\"That is close to a millionfold difference.\","
                           "\"commentary\":\"Quantifies the gap.\",\"offset\":0,\"length\":1}]";
    llmstage_opts_t o = {
        .stage = JOB_STAGE_SYNTHESIS, .transcript = t, .prompts = p, .snippets_json = snippets};
    err_t err = {0};
    llmstage_t *st = llmstage_new(&o, &err);
    assert_non_null(st);
    llmstage_req_t req;
    assert_int_equal(llmstage_next(st, &req), 1);
    assert_string_equal(req.schema_name, "lode_synthesis");
    assert_non_null(
        strstr(req.user, "- \"That is close to a millionfold difference.\" - Quantifies the gap."));
    assert_non_null(strstr(req.user, stagefix_sents[4]));
    assert_int_equal(llmstage_next(st, &req), 0);
    assert_int_equal(stagefix_answer(st, req.slot, k_synthesis_answer, "stop", &err), 0);
    assert_true(llmstage_done(st));
    json_t *v = stagefix_result(st);
    assert_string_equal(stagefix_str(v, "title"), "Data Is the Engine");
    assert_string_equal(stagefix_str(v, "markdown"),
                        "# Data Is the Engine\n\nOpening paragraph.\n\n"
                        "## The Gap\n\nA millionfold difference.\n");
    json_decref(v);
    json_t *m = stagefix_meta(st);
    assert_string_equal(stagefix_str(m, "prompt"), "synthesis.md");
    assert_int_equal(stagefix_int(m, "essay_quotes.checked"), 0);
    llmstage_destroy(&st);

    /* Words in quotation marks must be the source's (issue #14): a true
     * quote keeps its marks, an invented one loses them and is counted. */
    st = llmstage_new(&o, &err);
    assert_non_null(st);
    assert_int_equal(llmstage_next(st, &req), 1);
    assert_int_equal(
        stagefix_answer(st, req.slot,
                        "{\"title\":\"T\",\"sections\":[{\"heading\":\"\",\"markdown\":"
                        "\"As the talk puts it, \\u201cthat is close to a millionfold "
                        "difference.\\u201d It never says \\\"data is the new oil\\\" at "
                        "all, nor \\\"so\\\".\"}]}",
                        "stop", &err),
        0);
    v = stagefix_result(st);
    assert_string_equal(stagefix_str(v, "markdown"),
                        "# T\n\nAs the talk puts it, \xe2\x80\x9cthat is close to a millionfold "
                        "difference.\xe2\x80\x9d It never says data is the new oil at all, nor "
                        "\"so\".\n");
    json_decref(v);
    json_decref(m);
    m = stagefix_meta(st);
    assert_int_equal(stagefix_int(m, "essay_quotes.checked"), 2);
    assert_int_equal(stagefix_int(m, "essay_quotes.unquoted"), 1);
    llmstage_destroy(&st);

    /* An empty title falls back to the source's; a section that repeats its
     * heading does not show it twice. */
    o.title = "The data black hole";
    st = llmstage_new(&o, &err);
    assert_non_null(st);
    assert_int_equal(llmstage_next(st, &req), 1);
    assert_int_equal(stagefix_answer(st, req.slot,
                                     "{\"title\":\"\",\"sections\":[{\"heading\":\"Gap\","
                                     "\"markdown\":\"## Gap\\n\\nBody.\"}]}",
                                     "stop", &err),
                     0);
    v = stagefix_result(st);
    assert_string_equal(stagefix_str(v, "title"), "The data black hole");
    assert_string_equal(stagefix_str(v, "markdown"), "# The data black hole\n\n## Gap\n\nBody.\n");
    json_decref(v);
    assert_null(json_object_get(m, "quotes"));
    assert_null(json_object_get(m, "notes"));
    assert_int_equal(stagefix_int(m, "chunks"), 1);
    json_decref(m);
    stagefix_free(&st, &p, &t);
}

/* Answers every notes request with claims of claim_bytes bytes; returns the
 * number of notes requests. */
static size_t s_answer_notes(llmstage_t *st, size_t claim_bytes)
{
    llmstage_req_t req;
    size_t slots[64], n = 0;
    while (llmstage_next(st, &req) == 1) {
        assert_string_equal(req.schema_name, "lode_notes");
        assert_non_null(strstr(req.user, "taking notes"));
        slots[n++] = req.slot;
    }
    for (size_t k = 0; k < n; k++) {
        char *pad = mem_alloc(claim_bytes + 1);
        memset(pad, 'x', claim_bytes);
        pad[claim_bytes] = '\0';
        char *a = mem_printf("{\"claims\":[\"Part %zu claim one %s\",\"Part %zu claim two\"],"
                             "\"numbers\":[\"%zu gears\"],\"examples\":[],\"references\":[],"
                             "\"quotes\":[]}",
                             k + 1, pad, k + 1, k);
        err_t err = {0};
        assert_int_equal(stagefix_answer(st, slots[k], a, "stop", &err), 0);
        free(a);
        free(pad);
    }
    return n;
}

static void test_llmstage_takes_notes_on_a_long_source_before_the_synthesis(void **state)
{
    (void)state;
    transcript_t *t = stagefix_long_transcript(80);
    prompts_t *p = stagefix_prompts();
    llmstage_opts_t o = {.stage = JOB_STAGE_SYNTHESIS,
                         .transcript = t,
                         .prompts = p,
                         .context_tokens = 1800,
                         .max_tokens = 300};
    err_t err = {0};
    llmstage_t *st = llmstage_new(&o, &err);
    assert_non_null(st);
    size_t n = s_answer_notes(st, 10);
    assert_true(n >= 3);
    llmstage_req_t req;
    assert_int_equal(llmstage_next(st, &req), 1);
    assert_string_equal(req.schema_name, "lode_synthesis");
    assert_int_equal(req.slot, n);
    for (size_t k = 1; k <= n; k++) {
        char *h = mem_printf("### Part %zu of %zu\nClaims:\n- Part %zu claim one", k, n, k);
        assert_non_null(strstr(req.user, h));
        free(h);
    }
    assert_non_null(strstr(req.user, "Numbers:\n- 0 gears"));
    assert_null(strstr(req.user, "Claim number 5 says")); /* not the source itself */
    assert_int_equal(llmstage_next(st, &req), 0);
    assert_int_equal(stagefix_answer(st, n, k_synthesis_answer, "stop", &err), 0);
    assert_true(llmstage_done(st));
    json_t *m = stagefix_meta(st);
    assert_int_equal(stagefix_int(m, "chunks"), (json_int_t)n);
    assert_int_equal(stagefix_int(m, "requests"), (json_int_t)n + 1);
    assert_int_equal(stagefix_int(m, "notes.chunks"), (json_int_t)n);
    assert_false(json_is_true(json_object_get(json_object_get(m, "notes"), "truncated")));
    assert_string_equal(stagefix_str(json_object_get(m, "notes"), "prompt_hash"),
                        prompts_hash(p, PROMPT_NOTES));
    json_decref(m);
    llmstage_destroy(&st);

    /* Notes too long together: each part's are cut to its share, and the
     * meta says so. */
    st = llmstage_new(&o, &err);
    assert_non_null(st);
    n = s_answer_notes(st, 1500);
    assert_int_equal(llmstage_next(st, &req), 1);
    for (size_t k = 1; k <= n; k++) {
        char *h = mem_printf("### Part %zu of %zu\n", k, n);
        assert_non_null(strstr(req.user, h));
        free(h);
    }
    assert_null(strstr(req.user, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"));
    assert_true(chunk_tokens(req.user, strlen(req.user)) + o.max_tokens < o.context_tokens);
    assert_int_equal(stagefix_answer(st, req.slot, k_synthesis_answer, "stop", &err), 0);
    json_t *m2 = stagefix_meta(st);
    assert_true(json_is_true(json_object_get(json_object_get(m2, "notes"), "truncated")));
    json_decref(m2);
    stagefix_free(&st, &p, &t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_llmstage_writes_a_synthesis_in_one_request,
                                        stagefix_setup, stagefix_teardown),
        cmocka_unit_test_setup_teardown(
            test_llmstage_takes_notes_on_a_long_source_before_the_synthesis, stagefix_setup,
            stagefix_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
