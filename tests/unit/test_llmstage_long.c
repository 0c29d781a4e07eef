/*  test_llmstage_long.c - the stage machine on long sources: map over
 *  overlapping chunks, parts cut by max_tokens, the fan-out merge of every
 *  chunk, stored snippets left out when they do not fit.
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

/* --- long sources ----------------------------------------------------------- */

/* Answer every queued map request of a snippet stage by quoting every
 * sentence of its chunk; returns the requests answered. */
static size_t
s_quote_every_sentence(llmstage_t *st, size_t n_sents, const char *must, size_t *n_proposed)
{
    llmstage_req_t req;
    size_t answered = 0;
    size_t slots[64];
    char *users[64];
    while (llmstage_next(st, &req) == 1) {
        assert_true(answered < 64);
        slots[answered] = req.slot;
        users[answered++] = mem_strdup(req.user);
    }
    for (size_t k = 0; k < answered; k++) {
        char *chunk = stagefix_chunk_of(users[k]);
        assert_non_null(strstr(users[k], must));
        char *label = mem_printf(", part %zu of %zu)", k + 1, answered);
        assert_non_null(strstr(users[k], label));
        free(label);
        json_t *items = json_array();
        for (size_t i = 0; i < n_sents; i++) {
            char *s = stagefix_long_sentence(i);
            if (strstr(chunk, s)) {
                json_array_append_new(items, json_pack("{s:s,s:s}", "quote", s, "why", "w"));
                (*n_proposed)++;
            }
            free(s);
        }
        json_t *a = json_pack("{s:o}", "snippets", items);
        char *text = json_dumps(a, 0);
        err_t err = {0};
        assert_int_equal(stagefix_answer(st, slots[k], text, "stop", &err), 0);
        free(text);
        json_decref(a);
        free(chunk);
        free(users[k]);
    }
    return answered;
}

static void test_llmstage_maps_a_long_source_over_overlapping_chunks(void **state)
{
    (void)state;
    const size_t n = 60;
    transcript_t *t = stagefix_long_transcript(n);
    prompts_t *p = stagefix_prompts();
    llmstage_opts_t o = {.stage = JOB_STAGE_SNIPPET,
                         .transcript = t,
                         .prompts = p,
                         .context_tokens = 1700,
                         .max_tokens = 256,
                         .max_snippets = 100};
    err_t err = {0};
    llmstage_t *st = llmstage_new(&o, &err);
    assert_non_null(st);
    size_t proposed = 0;
    size_t requests = s_quote_every_sentence(st, n, "Pick up to ", &proposed);
    assert_true(requests >= 3);
    assert_true(proposed > n); /* the overlaps proposed some sentences twice */
    assert_true(llmstage_done(st));

    json_t *arr = stagefix_result(st);
    assert_int_equal(json_array_size(arr), n); /* each sentence once */
    json_int_t end = 0;
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *it = json_array_get(arr, i);
        stagefix_assert_verbatim(t, it);
        assert_string_equal(stagefix_str(it, "match"), "exact");
        assert_true(stagefix_int(it, "offset") >= end); /* in order, no overlap */
        end = stagefix_int(it, "offset") + stagefix_int(it, "length");
        assert_null(json_object_get(it, "start_ms")); /* untimed */
    }
    json_decref(arr);
    json_t *m = stagefix_meta(st);
    assert_int_equal(stagefix_int(m, "chunks"), (json_int_t)requests);
    assert_int_equal(stagefix_int(m, "quotes.proposed"), (json_int_t)proposed);
    assert_int_equal(stagefix_int(m, "quotes.exact"), (json_int_t)n);
    assert_int_equal(stagefix_int(m, "quotes.rejected"), 0);
    json_decref(m);
    llmstage_destroy(&st);

    /* With room for 4 only, the first pick of each of four chunks is kept. */
    o.max_snippets = 4;
    st = llmstage_new(&o, &err);
    assert_non_null(st);
    proposed = 0;
    /* Each part is asked for its share and one more, at least 3. */
    assert_int_equal(s_quote_every_sentence(st, n, "Pick up to 3 quotes", &proposed), requests);
    arr = stagefix_result(st);
    assert_int_equal(json_array_size(arr), 4);
    size_t last_cp = (size_t)stagefix_int(json_array_get(arr, 3), "offset");
    assert_true(last_cp > transcript_cp(t, t->len) / requests); /* past the first chunk */
    json_decref(arr);
    stagefix_free(&st, &p, &t);
}

static void test_llmstage_keeps_the_complete_quotes_of_a_part_cut_by_max_tokens(void **state)
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
    while (llmstage_next(st, &req) == 1)
        n++;
    assert_true(n >= 3);
    char *s0 = stagefix_long_sentence(0), *s1 = stagefix_long_sentence(1);
    char *cut = mem_printf("```json\n{\"snippets\": [{\"quote\": \"%s\", \"why\": \"w {}\"},\n"
                           "{\"quote\": \"%s\", \"why\": \"second\"}, {\"quote\": \"Claim num",
                           s0, s1);
    assert_int_equal(stagefix_answer(st, 0, cut, "length", &err), 0);
    free(cut);
    for (size_t k = 1; k < n; k++)
        assert_int_equal(stagefix_answer(st, k, "{\"snippets\":[]}", "stop", &err), 0);
    assert_true(llmstage_done(st));
    json_t *arr = stagefix_result(st);
    assert_int_equal(json_array_size(arr), 2);
    assert_string_equal(stagefix_str(json_array_get(arr, 0), "quote"), s0);
    assert_string_equal(stagefix_str(json_array_get(arr, 0), "commentary"), "w {}");
    assert_string_equal(stagefix_str(json_array_get(arr, 1), "quote"), s1);
    json_decref(arr);
    json_t *m = stagefix_meta(st);
    assert_int_equal(stagefix_int(m, "cut_answers"), 1);
    assert_int_equal(stagefix_int(m, "repairs"), 0);
    json_decref(m);
    llmstage_destroy(&st);

    /* Cut before its first complete quote: nothing to keep, the stage fails. */
    st = llmstage_new(&o, &err);
    assert_non_null(st);
    while (llmstage_next(st, &req) == 1)
        ;
    assert_int_equal(stagefix_answer(st, 1, "{\"snippets\": [{\"quote\": \"Claim", "length", &err),
                     -1);
    assert_int_equal(err.code, LODE_ETOOBIG);
    llmstage_destroy(&st);
    free(s0);
    free(s1);
    prompts_destroy(&p);
    transcript_destroy(&t);
}

/* --- fan-out --------------------------------------------------------------- */

static void test_llmstage_merges_the_fanout_of_every_chunk(void **state)
{
    (void)state;
    transcript_t *t = stagefix_long_transcript(60);
    prompts_t *p = stagefix_prompts();
    llmstage_opts_t o = {.stage = JOB_STAGE_FANOUT,
                         .transcript = t,
                         .prompts = p,
                         .context_tokens = 1800,
                         .max_tokens = 256,
                         .snippets_json = "[]",
                         .synthesis_json =
                             "{\"title\":\"T\",\"markdown\":\"# T\\n\\nEssay body.\"}"};
    err_t err = {0};
    llmstage_t *st = llmstage_new(&o, &err);
    assert_non_null(st);
    llmstage_req_t req;
    size_t slots[64], n = 0;
    while (llmstage_next(st, &req) == 1) {
        assert_string_equal(req.schema_name, "lode_fanout");
        assert_non_null(strstr(req.user, "Essay body."));
        slots[n++] = req.slot;
    }
    assert_true(n >= 2);
    for (size_t k = 0; k < n; k++) {
        json_t *q = json_array(), *c = json_array(), *r = json_array();
        json_array_append_new(q,
                              json_string(k % 2 ? "Why do GEARS matter?" : "why do gears matter"));
        for (size_t i = 0; i < 15; i++)
            json_array_append_new(q, json_sprintf("Question %zu of part %zu?", i, k));
        json_array_append_new(c, json_string(k ? "sample efficiency" : "Sample Efficiency"));
        json_array_append_new(c, json_string("Économie"));
        json_array_append_new(c, json_string("economie"));
        json_array_append_new(r, json_string(k ? "Chinchilla - the scaling paper"
                                               : "Chinchilla - parameter and data terms"));
        json_t *a = json_pack("{s:o,s:o,s:o}", "questions", q, "concepts", c, "references", r);
        char *text = json_dumps(a, 0);
        assert_int_equal(stagefix_answer(st, slots[k], text, "stop", &err), 0);
        free(text);
        json_decref(a);
    }
    assert_true(llmstage_done(st));
    json_t *v = stagefix_result(st);
    json_t *q = json_object_get(v, "questions"), *c = json_object_get(v, "concepts"),
           *r = json_object_get(v, "references");
    assert_int_equal(json_array_size(q), 20); /* capped */
    assert_string_equal(json_string_value(json_array_get(q, 0)), "why do gears matter");
    /* In turns: each part's first question, then each one's second. */
    assert_string_equal(json_string_value(json_array_get(q, 1)), "Question 0 of part 0?");
    assert_string_equal(json_string_value(json_array_get(q, 2)), "Question 0 of part 1?");
    assert_int_equal(json_array_size(c), 2);
    assert_string_equal(json_string_value(json_array_get(c, 0)), "Sample Efficiency");
    assert_string_equal(json_string_value(json_array_get(c, 1)), "Économie");
    assert_int_equal(json_array_size(r), 1);
    json_decref(v);
    stagefix_free(&st, &p, &t);
}

static void test_llmstage_leaves_out_stored_snippets_that_do_not_fit(void **state)
{
    (void)state;
    transcript_t *t = stagefix_transcript();
    prompts_t *p = stagefix_prompts();
    json_t *arr = json_array();
    for (int i = 0; i < 200; i++)
        json_array_append_new(arr, json_pack("{s:s,s:s}", "quote", stagefix_sents[3], "commentary",
                                             "A long enough line on why it matters."));
    char *snippets = json_dumps(arr, 0);
    json_decref(arr);
    llmstage_opts_t o = {.stage = JOB_STAGE_FANOUT,
                         .transcript = t,
                         .prompts = p,
                         .snippets_json = snippets,
                         .synthesis_json = "{\"title\":\"T\",\"markdown\":\"# T\"}",
                         .context_tokens = 4096,
                         .max_tokens = 512};
    err_t err = {0};
    llmstage_t *st = llmstage_new(&o, &err);
    assert_non_null(st);
    llmstage_req_t req;
    assert_int_equal(llmstage_next(st, &req), 1);
    assert_non_null(strstr(req.user, "Quotes kept from the source:\n(none)"));
    assert_non_null(strstr(req.user, stagefix_sents[4])); /* the source is there */
    json_t *m = stagefix_meta(st);
    assert_true(json_is_true(json_object_get(m, "snippets_omitted")));
    json_decref(m);
    llmstage_destroy(&st);

    /* A synthesis rather drops them than the source for notes. */
    transcript_t *lt = stagefix_long_transcript(60);
    arr = json_array();
    for (int i = 0; i < 40; i++)
        json_array_append_new(
            arr, json_pack("{s:s,s:s}", "quote", stagefix_sents[3], "commentary", "w"));
    char *some = json_dumps(arr, 0);
    json_decref(arr);
    llmstage_opts_t so = {.stage = JOB_STAGE_SYNTHESIS,
                          .transcript = lt,
                          .prompts = p,
                          .snippets_json = some,
                          .context_tokens = 4096,
                          .max_tokens = 512};
    st = llmstage_new(&so, &err);
    assert_non_null(st);
    assert_int_equal(llmstage_next(st, &req), 1);
    assert_string_equal(req.schema_name, "lode_synthesis");
    assert_non_null(strstr(req.user, "Claim number 59 says"));
    assert_null(strstr(req.user, "The correct way"));
    assert_int_equal(llmstage_next(st, &req), 0);
    m = stagefix_meta(st);
    assert_true(json_is_true(json_object_get(m, "snippets_omitted")));
    assert_null(json_object_get(m, "notes"));
    json_decref(m);
    llmstage_destroy(&st);
    /* With a larger window they ride along. */
    so.context_tokens = 16384;
    st = llmstage_new(&so, &err);
    assert_non_null(st);
    assert_int_equal(llmstage_next(st, &req), 1);
    assert_non_null(strstr(req.user, "The correct way"));
    llmstage_destroy(&st);
    free(some);
    transcript_destroy(&lt);

    /* With room for them, they ride along. */
    o.context_tokens = 32768;
    st = llmstage_new(&o, &err);
    assert_non_null(st);
    assert_int_equal(llmstage_next(st, &req), 1);
    assert_non_null(strstr(req.user, "- \"The correct way"));
    m = stagefix_meta(st);
    assert_null(json_object_get(m, "snippets_omitted"));
    json_decref(m);
    llmstage_destroy(&st);
    free(snippets);
    prompts_destroy(&p);
    transcript_destroy(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_llmstage_maps_a_long_source_over_overlapping_chunks,
                                        stagefix_setup, stagefix_teardown),
        cmocka_unit_test_setup_teardown(
            test_llmstage_keeps_the_complete_quotes_of_a_part_cut_by_max_tokens, stagefix_setup,
            stagefix_teardown),
        cmocka_unit_test_setup_teardown(test_llmstage_merges_the_fanout_of_every_chunk,
                                        stagefix_setup, stagefix_teardown),
        cmocka_unit_test_setup_teardown(test_llmstage_leaves_out_stored_snippets_that_do_not_fit,
                                        stagefix_setup, stagefix_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
