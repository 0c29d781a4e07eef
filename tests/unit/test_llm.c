/*  test_llm.c - the chat-completions client against the stand-in server
 *  (llmstand) through a real zloop: answers, retries and their pacing,
 *  usage counts.
 *  Loopback only; every wait is bounded. Fixtures in tests/helpers/llmfix.c.
 *  SPDX-License-Identifier: MIT
 */
#include <czmq.h>
#include <jansson.h>

#include "err.h"
#include "llm.h"
#include "llmfix.h"
#include "llmstand.h"
#include "test.h"

/* ---- the happy path */

static void test_llm_answers_a_call_and_counts_usage(void **state)
{
    (void)state;
    llmstand_opts_t so = {.api_key = LLMFIX_KEY};
    llm_opts_t lo = {.api_key = LLMFIX_KEY, .temperature = 0.2, .max_tokens = 256};
    llmfix_ctx_t *c = llmfix_ctx(&so, &lo);
    assert_int_equal(llm_format(c->llm), LLM_FORMAT_AUTO);
    llmstand_push(
        c->stand,
        &(llmstand_reply_t){.content = "{\"a\":1}", .prompt_tokens = 11, .completion_tokens = 7});
    llm_call_t call = {.system = "You find quotes.",
                       .user = "Find one in: \"caf\xc3\xa9\".",
                       .schema_name = "quote_list",
                       .schema = LLMFIX_SCHEMA};
    err_t err = {0};
    assert_int_equal(llm_call(c->llm, &call, llmfix_done, c, &err), 0);
    assert_int_equal(llm_pending(c->llm), 1);
    llmfix_run(c, 1, LLMFIX_RUN_MAX_MS);
    assert_int_equal(c->n_done, 1);
    llmfix_got_t *g = &c->got[0];
    assert_int_equal(g->err.code, 0);
    assert_string_equal(g->content, "{\"a\":1}");
    assert_string_equal(g->finish_reason, "stop");
    assert_int_equal(g->prompt_tokens, 11);
    assert_int_equal(g->completion_tokens, 7);
    assert_int_equal(g->attempts, 1);
    assert_int_equal(g->retry_after_ms, -1);
    assert_int_equal(llm_pending(c->llm), 0);
    assert_int_equal(llm_format(c->llm), LLM_FORMAT_SCHEMA);

    json_t *req = llmfix_last_request(c);
    assert_string_equal(json_string_value(json_object_get(req, "model")), "gpt-test");
    json_t *msgs = json_object_get(req, "messages");
    assert_int_equal(json_array_size(msgs), 2);
    json_t *m0 = json_array_get(msgs, 0), *m1 = json_array_get(msgs, 1);
    assert_string_equal(json_string_value(json_object_get(m0, "role")), "system");
    assert_string_equal(json_string_value(json_object_get(m0, "content")), "You find quotes.");
    assert_string_equal(json_string_value(json_object_get(m1, "role")), "user");
    assert_string_equal(json_string_value(json_object_get(m1, "content")), call.user);
    assert_string_equal(llmfix_rf_type(req), "json_schema");
    json_t *js = json_object_get(json_object_get(req, "response_format"), "json_schema");
    assert_string_equal(json_string_value(json_object_get(js, "name")), "quote_list");
    assert_true(json_is_true(json_object_get(js, "strict")));
    json_t *want = json_loads(LLMFIX_SCHEMA, 0, NULL);
    assert_true(json_equal(json_object_get(js, "schema"), want));
    json_decref(want);
    assert_int_equal(json_integer_value(json_object_get(req, "max_tokens")), 256);
    assert_true(json_real_value(json_object_get(req, "temperature")) == 0.2);
    assert_true(json_is_false(json_object_get(req, "stream")));
    json_decref(req);

    char *raw = llmstand_last_body(c->stand, 0);
    assert_non_null(strstr(raw, "\"temperature\":0.2,")); /* not 0.20000000000000001 */
    free(raw);
    char *auth = llmstand_last_auth(c->stand, 0);
    assert_string_equal(auth, "Bearer " LLMFIX_KEY);
    free(auth);
    char *path = llmstand_last_path(c->stand, 0);
    assert_string_equal(path, "/v1/chat/completions");
    free(path);
    llmfix_ctx_free(c);
}

static void test_llm_sends_no_optional_fields_when_unset(void **state)
{
    (void)state;
    llmfix_ctx_t *c = llmfix_ctx(NULL, NULL); /* no key, temperature < 0, no max_tokens */
    llmfix_got_t *g = llmfix_call(c, NULL);   /* no schema: JSON mode */
    assert_int_equal(g->err.code, 0);
    json_t *req = llmfix_last_request(c);
    assert_null(json_object_get(req, "temperature"));
    assert_null(json_object_get(req, "max_tokens"));
    assert_string_equal(llmfix_rf_type(req), "json_object");
    json_decref(req);
    char *auth = llmstand_last_auth(c->stand, 0);
    assert_null(auth);
    llmfix_ctx_free(c);
}

static void test_llm_posts_under_a_base_url_without_v1(void **state)
{
    (void)state;
    llmfix_ctx_t *c = llmfix_ctx(NULL, NULL);
    char base[128];
    snprintf(base, sizeof base, "http://127.0.0.1:%d/", llmstand_port(c->stand));
    llm_opts_t o = {.base_url = base, .model = "m", .temperature = -1};
    err_t err = {0};
    llm_destroy(&c->llm);
    c->llm = llm_new(c->loop, &o, &err);
    assert_non_null(c->llm);
    llmfix_got_t *g = llmfix_call(c, LLMFIX_SCHEMA);
    assert_int_equal(g->err.code, 0);
    char *path = llmstand_last_path(c->stand, 0);
    assert_string_equal(path, "/chat/completions"); /* one slash, trailing one dropped */
    free(path);
    llmfix_ctx_free(c);
}

static void s_done_chain(const llm_result_t *res, void *arg)
{
    llmfix_ctx_t *c = arg;
    llmfix_done(res, arg);
    if (c->chain-- > 0) {
        llm_call_t call = {.user = "next chunk"};
        err_t err = {0};
        assert_int_equal(llm_call(c->llm, &call, s_done_chain, c, &err), 0);
    }
}

static void test_llm_lets_a_callback_start_the_next_call(void **state)
{
    (void)state;
    llmfix_ctx_t *c = llmfix_ctx(NULL, NULL);
    c->chain = 3;
    llm_call_t call = {.user = "first chunk"};
    err_t err = {0};
    assert_int_equal(llm_call(c->llm, &call, s_done_chain, c, &err), 0);
    llmfix_run(c, 4, LLMFIX_RUN_MAX_MS);
    assert_int_equal(c->n_done, 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal(c->got[i].err.code, 0);
    assert_int_equal(llm_pending(c->llm), 0);
    assert_int_equal(llmstand_requests(c->stand), 4);
    llmfix_ctx_free(c);
}

/* ---- retries */

static void test_llm_waits_out_retry_after_on_429(void **state)
{
    (void)state;
    llmfix_ctx_t *c = llmfix_ctx(NULL, NULL);
    llmstand_push_error(c->stand, 429, NULL, 1);
    llmstand_push_content(c->stand, "{\"a\":2}");
    llmfix_got_t *g = llmfix_call(c, LLMFIX_SCHEMA);
    assert_int_equal(g->err.code, 0);
    assert_string_equal(g->content, "{\"a\":2}");
    assert_int_equal(g->attempts, 2);
    assert_true(g->seconds >= 0.95); /* Retry-After: 1, not retry_base_ms (20) */
    assert_true(g->seconds < 5.0);
    llmfix_ctx_free(c);
}

static void test_llm_holds_other_calls_while_rate_limited(void **state)
{
    (void)state;
    llm_opts_t lo = {.retry_base_ms = 20, .max_in_flight = 1, .temperature = -1};
    llmfix_ctx_t *c = llmfix_ctx(NULL, &lo);
    llmstand_push_error(c->stand, 429, NULL, 1);
    llmfix_start(c, NULL);
    llmfix_start(c, NULL); /* queued behind the first; then held by its 429 */
    llmfix_run(c, 2, LLMFIX_RUN_MAX_MS);
    assert_int_equal(c->n_done, 2);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(c->got[i].err.code, 0);
        assert_true(c->got[i].seconds >= 0.95);
    }
    assert_int_equal(llmstand_requests(c->stand), 3);
    llmfix_ctx_free(c);
}

static void test_llm_retries_a_500_with_backoff(void **state)
{
    (void)state;
    llmfix_ctx_t *c = llmfix_ctx(NULL, NULL);
    llmstand_push_error(c->stand, 500, NULL, -1);
    llmstand_push_content(c->stand, "{\"a\":3}");
    llmfix_got_t *g = llmfix_call(c, LLMFIX_SCHEMA);
    assert_int_equal(g->err.code, 0);
    assert_int_equal(g->attempts, 2);
    assert_true(g->seconds >= 0.009); /* at least half of retry_base_ms */
    assert_true(g->seconds < 2.0);
    llmfix_ctx_free(c);
}

static void test_llm_honours_retry_after_on_a_502(void **state)
{
    (void)state;
    llmfix_ctx_t *c = llmfix_ctx(NULL, NULL);
    llmstand_push(c->stand, &(llmstand_reply_t){.status = 502,
                                                .body = "<html>Bad Gateway</html>",
                                                .content_type = "text/html",
                                                .headers = "Retry-After: 1"});
    llmfix_got_t *g = llmfix_call(c, LLMFIX_SCHEMA);
    assert_int_equal(g->err.code, 0);
    assert_int_equal(g->attempts, 2);
    assert_true(g->seconds >= 0.95);
    llmfix_ctx_free(c);
}

static void test_llm_reads_retry_after_as_an_http_date(void **state)
{
    (void)state;
    llmfix_ctx_t *c = llmfix_ctx(NULL, NULL);
    char hdr[96];
    time_t at = time(NULL) + 2;
    struct tm tm;
    strftime(hdr, sizeof hdr, "Retry-After: %a, %d %b %Y %H:%M:%S GMT", gmtime_r(&at, &tm));
    llmstand_push(c->stand, &(llmstand_reply_t){.status = 503, .headers = hdr});
    llmfix_got_t *g = llmfix_call(c, LLMFIX_SCHEMA);
    assert_int_equal(g->err.code, 0);
    assert_int_equal(g->attempts, 2);
    assert_true(g->seconds >= 0.9); /* 1 to 2 s: the date has whole seconds */
    assert_true(g->seconds < 4.0);
    llmfix_ctx_free(c);
}

static void test_llm_gives_up_after_max_attempts_of_503(void **state)
{
    (void)state;
    llmfix_ctx_t *c = llmfix_ctx(NULL, NULL);
    for (int i = 0; i < 3; i++)
        llmstand_push_error(c->stand, 503, NULL, -1);
    llmstand_push_content(c->stand, "{\"a\":4}"); /* never reached */
    llmfix_got_t *g = llmfix_call(c, LLMFIX_SCHEMA);
    assert_int_equal(g->err.code, LODE_ELLM);
    assert_true(err_retryable(g->err.code));
    assert_int_equal(g->attempts, 3);
    assert_non_null(strstr(g->err.msg, "gave up after 3 attempts"));
    assert_non_null(strstr(g->err.msg, "HTTP 503"));
    assert_non_null(strstr(g->err.msg, "currently overloaded"));
    assert_non_null(strstr(g->err.msg, llmstand_url(c->stand)));
    assert_int_equal(g->retry_after_ms, -1);
    assert_int_equal(llmstand_requests(c->stand), 3);
    assert_int_equal(llmstand_queued(c->stand), 1);
    llmfix_ctx_free(c);
}

static void test_llm_hands_a_long_retry_after_to_the_caller(void **state)
{
    (void)state;
    llm_opts_t lo = {.retry_base_ms = 20, .retry_max_ms = 1000, .temperature = -1};
    llmfix_ctx_t *c = llmfix_ctx(NULL, &lo);
    llmstand_push_error(c->stand, 429, "Rate limit reached for requests per day.", 120);
    llmfix_got_t *g = llmfix_call(c, LLMFIX_SCHEMA);
    assert_int_equal(g->err.code, LODE_ELLM);
    assert_int_equal(g->attempts, 1); /* no point waiting 2 minutes inside the worker */
    assert_int_equal(g->retry_after_ms, 120000);
    assert_true(g->seconds < 1.0);
    assert_non_null(strstr(g->err.msg, "per day"));
    g = llmfix_call(c, LLMFIX_SCHEMA); /* the client still pauses, for retry_max_ms */
    assert_int_equal(g->err.code, 0);
    assert_true(g->seconds >= 0.9 && g->seconds < 3.0);
    llmfix_ctx_free(c);
}

static void test_llm_times_out_a_slow_answer(void **state)
{
    (void)state;
    llm_opts_t lo = {.timeout_ms = 300, .max_attempts = 2, .retry_base_ms = 20, .temperature = -1};
    llmfix_ctx_t *c = llmfix_ctx(NULL, &lo);
    for (int i = 0; i < 2; i++)
        llmstand_push(c->stand, &(llmstand_reply_t){.content = "{}", .delay_ms = 3000});
    llmfix_got_t *g = llmfix_call(c, LLMFIX_SCHEMA);
    assert_int_equal(g->err.code, LODE_ETIMEDOUT);
    assert_true(err_retryable(g->err.code));
    assert_int_equal(g->attempts, 2);
    assert_true(g->seconds >= 0.55);
    assert_true(g->seconds < 2.5);
    llmfix_ctx_free(c);
}

static void test_llm_retries_a_dropped_connection(void **state)
{
    (void)state;
    llmfix_ctx_t *c = llmfix_ctx(NULL, NULL);
    llmstand_push(c->stand, &(llmstand_reply_t){.drop = true});
    llmstand_push_content(c->stand, "{\"a\":5}");
    llmfix_got_t *g = llmfix_call(c, LLMFIX_SCHEMA);
    assert_int_equal(g->err.code, 0);
    assert_int_equal(g->attempts, 2);
    llmfix_ctx_free(c);
}

static void test_llm_gives_up_on_a_server_that_is_not_there(void **state)
{
    (void)state;
    llmfix_ctx_t *c = llmfix_ctx(NULL, NULL);
    char base[128];
    snprintf(base, sizeof base, "%s", llmstand_url(c->stand));
    llmstand_stop(&c->stand); /* nothing listens on that port now */
    llm_opts_t o = {.base_url = base, .model = "m", .retry_base_ms = 10, .temperature = -1};
    err_t err = {0};
    llm_destroy(&c->llm);
    c->llm = llm_new(c->loop, &o, &err);
    llmfix_got_t *g = llmfix_call(c, NULL);
    assert_int_equal(g->err.code, LODE_ELLM);
    assert_true(err_retryable(g->err.code));
    assert_int_equal(g->attempts, 3);
    llmfix_ctx_free(c);
}

static void test_llm_sums_usage_over_attempts(void **state)
{
    (void)state;
    llmfix_ctx_t *c = llmfix_ctx(NULL, NULL);
    llmstand_push(c->stand,
                  &(llmstand_reply_t){.content = "", .prompt_tokens = 5, .completion_tokens = 1});
    llmstand_push(
        c->stand,
        &(llmstand_reply_t){.content = "{\"a\":6}", .prompt_tokens = 10, .completion_tokens = 3});
    llmfix_got_t *g = llmfix_call(c, LLMFIX_SCHEMA);
    assert_int_equal(g->err.code, 0);
    assert_int_equal(g->attempts, 2);
    assert_int_equal(g->prompt_tokens, 15);
    assert_int_equal(g->completion_tokens, 4);
    llmfix_ctx_free(c);
}

static void test_llm_caps_absurd_usage_instead_of_overflowing(void **state)
{
    (void)state;
    llmfix_ctx_t *c = llmfix_ctx(NULL, NULL);
    llmstand_push(c->stand, &(llmstand_reply_t){.content = "",
                                                .prompt_tokens = INT64_MAX,
                                                .completion_tokens = INT64_MAX});
    llmstand_push(c->stand, &(llmstand_reply_t){.content = "{\"a\":6}",
                                                .prompt_tokens = INT64_MAX,
                                                .completion_tokens = INT64_MAX});
    llmfix_got_t *g = llmfix_call(c, LLMFIX_SCHEMA);
    assert_int_equal(g->err.code, 0);
    assert_int_equal(g->attempts, 2);
    assert_true(g->prompt_tokens > 0 && g->prompt_tokens <= ((int64_t)1 << 40));
    assert_true(g->completion_tokens > 0 && g->completion_tokens <= ((int64_t)1 << 40));
    llmfix_ctx_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_llm_answers_a_call_and_counts_usage),
        cmocka_unit_test(test_llm_sends_no_optional_fields_when_unset),
        cmocka_unit_test(test_llm_posts_under_a_base_url_without_v1),
        cmocka_unit_test(test_llm_lets_a_callback_start_the_next_call),
        cmocka_unit_test(test_llm_waits_out_retry_after_on_429),
        cmocka_unit_test(test_llm_holds_other_calls_while_rate_limited),
        cmocka_unit_test(test_llm_retries_a_500_with_backoff),
        cmocka_unit_test(test_llm_honours_retry_after_on_a_502),
        cmocka_unit_test(test_llm_reads_retry_after_as_an_http_date),
        cmocka_unit_test(test_llm_gives_up_after_max_attempts_of_503),
        cmocka_unit_test(test_llm_hands_a_long_retry_after_to_the_caller),
        cmocka_unit_test(test_llm_times_out_a_slow_answer),
        cmocka_unit_test(test_llm_retries_a_dropped_connection),
        cmocka_unit_test(test_llm_gives_up_on_a_server_that_is_not_there),
        cmocka_unit_test(test_llm_sums_usage_over_attempts),
        cmocka_unit_test(test_llm_caps_absurd_usage_instead_of_overflowing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
