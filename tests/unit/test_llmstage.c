/*  test_llmstage.c - the openai engine's stage machine without a model, on a
 *  source that fits one request: prompts found and rendered, answers fed back
 *  by hand (good, fenced, sloppy, hallucinated, garbage, cut short), repairs.
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

/* --- snippets: one chunk --------------------------------------------------- */

static const char *k_good_answer =
    "Here are the quotes:\n```json\n{\"snippets\": [\n"
    /* exact */
    "{\"quote\": \"Our genome is only three gigabytes, and only one to two percent of it is "
    "protein coding.\", \"why\": \"Rebuts evolution as pretraining.\"},\n"
    /* curly apostrophe, changed case, collapsed white space: normalised */
    "{\"quote\": \"IT\xe2\x80\x99S hard  to\\n overstate how task-specific and bespoke this human "
    "expert data is.\", \"why\": \"Makes the data industry concrete.\"},\n"
    /* one word changed: snapped */
    "{\"quote\": \"The right way to think about these models is not like a human who has learned "
    "all these different skills that you see the models displaying.\", \"why\": \"Reframes "
    "capability.\"},\n"
    /* not in the source */
    "{\"quote\": \"Scaling laws guarantee superintelligence by next Tuesday.\", \"why\": "
    "\"Invented.\"},\n"
    "]}\n```\nHope this helps!";

static void test_llmstage_mines_snippets_from_a_source_that_fits(void **state)
{
    (void)state;
    transcript_t *t = stagefix_transcript();
    prompts_t *p = stagefix_prompts();
    llmstage_t *st = stagefix_stage(JOB_STAGE_SNIPPET, t, p, 0, 0);

    llmstage_req_t req;
    assert_int_equal(llmstage_next(st, &req), 1);
    assert_int_equal(req.slot, 0);
    assert_non_null(req.system);
    assert_non_null(strstr(req.user, "(The data black hole)")); /* no ", part" */
    char *want =
        mem_printf("Pick up to %zu quotes", extract_snippet_budget(stagefix_count_words(t)));
    assert_non_null(strstr(req.user, want)); /* default: by the source's length */
    free(want);
    assert_non_null(strstr(req.user, stagefix_sents[3])); /* the source */
    assert_null(strstr(req.user, "{{"));                  /* all filled */
    assert_null(strstr(req.user, "<!--"));                /* no comment */
    assert_string_equal(req.schema_name, "lode_snippets");
    json_t *schema = json_loads(req.schema, 0, NULL);
    assert_non_null(schema); /* the schema is JSON */
    json_decref(schema);
    assert_int_equal(llmstage_next(st, &req), 0); /* one chunk, one request */
    assert_false(llmstage_done(st));
    assert_null(llmstage_result(st, NULL));

    err_t err = {0};
    assert_int_equal(stagefix_answer(st, 0, k_good_answer, "stop", &err), 0);
    assert_true(llmstage_done(st));
    assert_int_equal(llmstage_next(st, &req), 0);

    json_t *arr = stagefix_result(st);
    assert_int_equal(json_array_size(arr), 3);
    const char *kinds[] = {"normalised", "snapped", "exact"}; /* in source order */
    const char *sources[] = {stagefix_sents[2], stagefix_sents[3], stagefix_sents[5]};
    json_int_t ranks[] = {2, 3, 1};
    for (size_t i = 0; i < 3; i++) {
        json_t *it = json_array_get(arr, i);
        assert_int_equal(stagefix_int(it, "id"), (json_int_t)i + 1);
        assert_string_equal(stagefix_str(it, "match"), kinds[i]);
        assert_string_equal(stagefix_str(it, "quote"), sources[i]); /* the source's bytes */
        stagefix_assert_verbatim(t, it);
        assert_int_equal(stagefix_int(it, "rank"), ranks[i]);
        assert_true(json_is_real(json_object_get(it, "score")));
        assert_int_equal(json_object_get(it, "snap_score") != NULL, i == 1);
    }
    assert_int_equal(stagefix_int(json_array_get(arr, 0), "start_ms"), 10000);
    assert_int_equal(stagefix_int(json_array_get(arr, 2), "start_ms"), 25000);
    assert_string_equal(stagefix_str(json_array_get(arr, 0), "commentary"),
                        "Makes the data industry concrete.");
    double snap = json_real_value(json_object_get(json_array_get(arr, 1), "snap_score"));
    assert_true(snap >= 0.8 && snap < 1.0);
    /* The curly apostrophe of the model is not stored: the source has "It's". */
    assert_null(strstr(stagefix_str(json_array_get(arr, 0), "quote"), "\xe2\x80\x99"));
    json_decref(arr);

    assert_string_equal(llmstage_rejected(st, 0),
                        "Scaling laws guarantee superintelligence by next Tuesday.");
    assert_null(llmstage_rejected(st, 1));

    llmstage_usage(st, 1200, 300);
    llmstage_usage(st, 100, -1); /* unknown counts are not added */
    json_t *m = stagefix_meta(st);
    assert_string_equal(stagefix_str(m, "engine"), "openai");
    assert_string_equal(stagefix_str(m, "model"), "test-model");
    assert_string_equal(stagefix_str(m, "prompt"), "snippet.md");
    assert_string_equal(stagefix_str(m, "prompt_hash"), prompts_hash(p, PROMPT_SNIPPET));
    assert_string_equal(stagefix_str(m, "prompt_origin"), prompts_origin(p, PROMPT_SNIPPET));
    assert_int_equal(stagefix_int(m, "chunks"), 1);
    assert_int_equal(stagefix_int(m, "requests"), 1);
    assert_int_equal(stagefix_int(m, "repairs"), 0);
    assert_int_equal(stagefix_int(m, "prompt_tokens"), 1300);
    assert_int_equal(stagefix_int(m, "completion_tokens"), 300);
    assert_int_equal(stagefix_int(m, "quotes.proposed"), 4);
    assert_int_equal(stagefix_int(m, "quotes.exact"), 1);
    assert_int_equal(stagefix_int(m, "quotes.normalised"), 1);
    assert_int_equal(stagefix_int(m, "quotes.snapped"), 1);
    assert_int_equal(stagefix_int(m, "quotes.rejected"), 1);
    json_decref(m);

    /* The result reads back as the extractive engine's shape. */
    char *out = llmstage_result(st, NULL);
    extract_snippets_t sn;
    assert_int_equal(extract_snippets_from_json(t, out, strlen(out), &sn, &err), 0);
    assert_int_equal(sn.count, 3);
    extract_snippets_clear(&sn);
    free(out);

    llmstage_destroy(&st);
    assert_null(st);
    stagefix_free(&st, &p, &t);
}

static void test_llmstage_keeps_a_bounded_excerpt_of_a_huge_rejected_quote(void **state)
{
    (void)state;
    transcript_t *t = stagefix_transcript();
    prompts_t *p = stagefix_prompts();
    llmstage_t *st = stagefix_stage(JOB_STAGE_SNIPPET, t, p, 0, 0);
    llmstage_req_t req;
    assert_int_equal(llmstage_next(st, &req), 1);
    size_t big = 200000;
    char *quote = malloc(big + 1);
    for (size_t i = 0; i < big; i += 2)
        memcpy(quote + i, "\xc3\xa9", 2); /* a cut must not split this two-byte letter */
    quote[big] = '\0';
    char *answer = mem_printf("{\"snippets\":[{\"quote\":\"%s\",\"why\":\"w\"}]}", quote);
    err_t err = {0};
    assert_int_equal(stagefix_answer(st, 0, answer, "stop", &err), 0);
    const char *kept = llmstage_rejected(st, 0);
    assert_non_null(kept);
    assert_true(strlen(kept) > 0 && strlen(kept) <= 512);
    assert_int_equal(strlen(kept) % 2, 0);
    assert_int_equal(memcmp(kept, quote, strlen(kept)), 0);
    free(answer);
    free(quote);
    stagefix_free(&st, &p, &t);
}

static void test_llmstage_keeps_no_snippet_when_every_quote_is_invented(void **state)
{
    (void)state;
    transcript_t *t = stagefix_transcript();
    prompts_t *p = stagefix_prompts();
    llmstage_t *st = stagefix_stage(JOB_STAGE_SNIPPET, t, p, 0, 0);
    llmstage_req_t req;
    assert_int_equal(llmstage_next(st, &req), 1);
    err_t err = {0};
    const char *a = "{\"snippets\":[{\"quote\":\"Nothing like this was said.\",\"why\":\"x\"},"
                    "{\"quote\":\"\",\"why\":\"empty\"}]}";
    assert_int_equal(stagefix_answer(st, req.slot, a, "stop", &err), 0);
    assert_true(llmstage_done(st));
    char *out = llmstage_result(st, NULL);
    assert_string_equal(out, "[]");
    free(out);
    json_t *m = stagefix_meta(st);
    assert_int_equal(stagefix_int(m, "quotes.proposed"), 2);
    assert_int_equal(stagefix_int(m, "quotes.rejected"), 2);
    assert_int_equal(stagefix_int(m, "repairs"), 0);
    json_decref(m);
    stagefix_free(&st, &p, &t);
}

static void test_llmstage_keeps_max_snippets_and_drops_repeats(void **state)
{
    (void)state;
    transcript_t *t = stagefix_transcript();
    prompts_t *p = stagefix_prompts();
    llmstage_opts_t o = {
        .stage = JOB_STAGE_SNIPPET, .transcript = t, .prompts = p, .max_snippets = 2};
    err_t err = {0};
    llmstage_t *st = llmstage_new(&o, &err);
    assert_non_null(st);
    llmstage_req_t req;
    assert_int_equal(llmstage_next(st, &req), 1);
    assert_non_null(strstr(req.user, "(untitled)"));
    assert_non_null(strstr(req.user, "Pick up to 2 quotes"));
    /* The same sentence twice (once sloppily), a part of it, then another. */
    char *a =
        mem_printf("{\"snippets\":[{\"quote\":\"%s\",\"why\":\"a\"},"
                   "{\"quote\":\"so one definition of INTELLIGENCE is sample "
                   "efficiency.\",\"why\":\"b\"},{\"quote\":\"sample efficiency\",\"why\":"
                   "\"c\"},{\"quote\":\"%s\",\"why\":\"d\"},{\"quote\":\"%s\",\"why\":\"e\"}]}",
                   stagefix_sents[0], stagefix_sents[6], stagefix_sents[5]);
    assert_int_equal(stagefix_answer(st, req.slot, a, "stop", &err), 0);
    free(a);
    json_t *arr = stagefix_result(st);
    assert_int_equal(json_array_size(arr), 2);
    assert_string_equal(stagefix_str(json_array_get(arr, 0), "quote"), stagefix_sents[0]);
    assert_string_equal(stagefix_str(json_array_get(arr, 0), "commentary"), "a");
    assert_string_equal(stagefix_str(json_array_get(arr, 1), "quote"), stagefix_sents[6]);
    json_decref(arr);
    stagefix_free(&st, &p, &t);
}

/* Without --max-snippets the source's length decides how many quotes are
 * asked for (issue #14): 150 sentences of 18 words, 2,700 words, ask for
 * extract_snippet_budget(2700) = 22, not a fixed 12. */
static void test_llmstage_asks_for_as_many_snippets_as_the_length_deserves(void **state)
{
    (void)state;
    transcript_t *t = stagefix_long_transcript(150);
    prompts_t *p = stagefix_prompts();
    llmstage_t *st = stagefix_stage(JOB_STAGE_SNIPPET, t, p, 200000, 0);
    llmstage_req_t req;
    assert_int_equal(llmstage_next(st, &req), 1);
    assert_int_equal(stagefix_count_words(t), 150 * 18);
    size_t budget = extract_snippet_budget(stagefix_count_words(t));
    assert_int_equal(budget, 22);
    char *want = mem_printf("Pick up to %zu quotes", budget);
    assert_non_null(strstr(req.user, want));
    free(want);
    stagefix_free(&st, &p, &t);
}

/* --- repairs and failures ------------------------------------------------ */

static void test_llmstage_repairs_a_bad_answer_once(void **state)
{
    (void)state;
    transcript_t *t = stagefix_transcript();
    prompts_t *p = stagefix_prompts();
    llmstage_t *st = stagefix_stage(JOB_STAGE_SNIPPET, t, p, 0, 0);
    llmstage_req_t req;
    assert_int_equal(llmstage_next(st, &req), 1);
    char *first = mem_strdup(req.user);
    err_t err = {0};
    assert_int_equal(
        stagefix_answer(st, req.slot, "I am sorry, I cannot quote this source.", "stop", &err), 0);
    assert_int_equal(err.code, 0);
    assert_false(llmstage_done(st));

    assert_int_equal(llmstage_next(st, &req), 1);
    assert_int_equal(req.slot, 0);
    assert_true(strncmp(req.user, first, strlen(first)) == 0); /* the original prompt */
    assert_non_null(strstr(req.user, "I am sorry, I cannot quote this source."));
    assert_non_null(strstr(req.user, "could not be used"));
    assert_non_null(strstr(req.user, "only the corrected JSON"));
    assert_int_equal(llmstage_next(st, &req), 0);
    free(first);

    char *a = mem_printf("{\"snippets\":[{\"quote\":\"%s\",\"why\":\"w\"}]}", stagefix_sents[6]);
    assert_int_equal(stagefix_answer(st, 0, a, "stop", &err), 0);
    free(a);
    assert_true(llmstage_done(st));
    json_t *m = stagefix_meta(st);
    assert_int_equal(stagefix_int(m, "requests"), 2);
    assert_int_equal(stagefix_int(m, "repairs"), 1);
    json_decref(m);
    stagefix_free(&st, &p, &t);
}

static void test_llmstage_repair_of_a_long_answer_still_fits_the_window(void **state)
{
    (void)state;
    transcript_t *t = stagefix_long_transcript(60);
    prompts_t *p = stagefix_prompts();
    llmstage_opts_t o = {.stage = JOB_STAGE_SNIPPET,
                         .transcript = t,
                         .prompts = p,
                         .context_tokens = 1700,
                         .max_tokens = 256};
    err_t err = {0};
    llmstage_t *st = llmstage_new(&o, &err);
    assert_non_null(st);
    llmstage_req_t req;
    size_t n = 0;
    while (llmstage_next(st, &req) == 1) {
        assert_true(chunk_tokens(req.system, strlen(req.system)) +
                        chunk_tokens(req.user, strlen(req.user)) + o.max_tokens <=
                    o.context_tokens);
        n++;
    }
    assert_true(n >= 2);
    char *bad = mem_alloc(5001);
    for (size_t i = 0; i < 5000; i++)
        bad[i] = "Well, here goes "[i % 16];
    bad[5000] = '\0';
    assert_int_equal(stagefix_answer(st, 1, bad, "stop", &err), 0);
    free(bad);
    assert_int_equal(llmstage_next(st, &req), 1);
    assert_int_equal(req.slot, 1);
    assert_non_null(strstr(req.user, "<<<\nWell, here goes Well, here goes"));
    assert_non_null(strstr(req.user, "…\n>>>")); /* cut, and says so */
    assert_true(chunk_tokens(req.system, strlen(req.system)) +
                    chunk_tokens(req.user, strlen(req.user)) + o.max_tokens <=
                o.context_tokens);
    stagefix_free(&st, &p, &t);
}

static void test_llmstage_repairs_an_answer_of_the_wrong_shape(void **state)
{
    (void)state;
    transcript_t *t = stagefix_transcript();
    prompts_t *p = stagefix_prompts();
    llmstage_t *st = stagefix_stage(JOB_STAGE_SNIPPET, t, p, 0, 0);
    llmstage_req_t req;
    assert_int_equal(llmstage_next(st, &req), 1);
    err_t err = {0};
    assert_int_equal(stagefix_answer(st, 0, "{\"quotes\":[\"a\"]}", "stop", &err), 0);
    assert_int_equal(llmstage_next(st, &req), 1);
    assert_non_null(strstr(req.user, "{\"quotes\":[\"a\"]}"));
    assert_non_null(strstr(req.user, "expected {\"snippets\""));
    /* Still wrong: items without "why". */
    assert_int_equal(stagefix_answer(st, 0, "{\"snippets\":[{\"quote\":\"x\"}]}", "stop", &err),
                     -1);
    assert_int_equal(err.code, LODE_ELLM);
    assert_non_null(strstr(err.msg, "still unusable after a repair"));
    assert_non_null(strstr(err.msg, "{\\\"snippets\\\":[{\\\"quote\\\""));
    stagefix_free(&st, &p, &t);
}

static void test_llmstage_fails_after_a_second_bad_answer(void **state)
{
    (void)state;
    transcript_t *t = stagefix_transcript();
    prompts_t *p = stagefix_prompts();
    llmstage_t *st = stagefix_stage(JOB_STAGE_SNIPPET, t, p, 0, 0);
    llmstage_req_t req;
    assert_int_equal(llmstage_next(st, &req), 1);
    err_t err = {0};
    assert_int_equal(stagefix_answer(st, 0, "no json here", "stop", &err), 0);
    assert_int_equal(llmstage_next(st, &req), 1);
    assert_int_equal(stagefix_answer(st, 0, "still no json, sorry", "stop", &err), -1);
    assert_int_equal(err.code, LODE_ELLM);
    assert_true(err_retryable(err.code));
    assert_non_null(strstr(err.msg, "still no json, sorry"));
    assert_int_equal(llmstage_next(st, &req), 0);
    assert_false(llmstage_done(st));
    assert_null(llmstage_result(st, NULL));
    /* Later answers get the same failure. */
    err_t again = {0};
    assert_int_equal(stagefix_answer(st, 0, "{}", "stop", &again), -1);
    assert_string_equal(again.msg, err.msg);
    stagefix_free(&st, &p, &t);
}

static void test_llmstage_fails_at_once_on_an_answer_cut_by_max_tokens(void **state)
{
    (void)state;
    transcript_t *t = stagefix_transcript();
    prompts_t *p = stagefix_prompts();
    llmstage_t *st = stagefix_stage(JOB_STAGE_SNIPPET, t, p, 0, 0);
    llmstage_req_t req;
    assert_int_equal(llmstage_next(st, &req), 1);
    err_t err = {0};
    assert_int_equal(stagefix_answer(st, 0, "{\"snippets\":[{\"quote\":\"So one", "length", &err),
                     -1);
    assert_int_equal(err.code, LODE_ETOOBIG);
    assert_false(err_retryable(err.code));
    assert_int_equal(llmstage_next(st, &req), 0); /* no repair */
    json_t *m = stagefix_meta(st);
    assert_int_equal(stagefix_int(m, "repairs"), 0);
    json_decref(m);
    /* An answer for a slot that was not asked is refused without failing. */
    llmstage_destroy(&st);
    st = stagefix_stage(JOB_STAGE_SNIPPET, t, p, 0, 0);
    err_clear(&err);
    assert_int_equal(stagefix_answer(st, 0, "{}", "stop", &err), -1);
    assert_int_equal(err.code, LODE_EINVAL);
    assert_int_equal(llmstage_next(st, &req), 1);
    stagefix_free(&st, &p, &t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_llmstage_mines_snippets_from_a_source_that_fits,
                                        stagefix_setup, stagefix_teardown),
        cmocka_unit_test_setup_teardown(
            test_llmstage_keeps_a_bounded_excerpt_of_a_huge_rejected_quote, stagefix_setup,
            stagefix_teardown),
        cmocka_unit_test_setup_teardown(test_llmstage_keeps_no_snippet_when_every_quote_is_invented,
                                        stagefix_setup, stagefix_teardown),
        cmocka_unit_test_setup_teardown(test_llmstage_keeps_max_snippets_and_drops_repeats,
                                        stagefix_setup, stagefix_teardown),
        cmocka_unit_test_setup_teardown(
            test_llmstage_asks_for_as_many_snippets_as_the_length_deserves, stagefix_setup,
            stagefix_teardown),
        cmocka_unit_test_setup_teardown(test_llmstage_repairs_a_bad_answer_once, stagefix_setup,
                                        stagefix_teardown),
        cmocka_unit_test_setup_teardown(test_llmstage_repair_of_a_long_answer_still_fits_the_window,
                                        stagefix_setup, stagefix_teardown),
        cmocka_unit_test_setup_teardown(test_llmstage_repairs_an_answer_of_the_wrong_shape,
                                        stagefix_setup, stagefix_teardown),
        cmocka_unit_test_setup_teardown(test_llmstage_fails_after_a_second_bad_answer,
                                        stagefix_setup, stagefix_teardown),
        cmocka_unit_test_setup_teardown(test_llmstage_fails_at_once_on_an_answer_cut_by_max_tokens,
                                        stagefix_setup, stagefix_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
