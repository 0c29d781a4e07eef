/*  test_llm_format.c - the chat-completions client against the stand-in
 *  server: permanent failures (and keys kept out of messages), the format
 *  step-down, reasoning models, garbage bodies.
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

/* ---- permanent failures */

static void test_llm_fails_a_wrong_key_at_once_without_showing_it(void **state)
{
    (void)state;
    llmstand_opts_t so = {.api_key = LLMFIX_KEY};
    llm_opts_t lo = {.api_key = LLMFIX_WRONG_KEY, .retry_base_ms = 20, .temperature = -1};
    llmfix_ctx_t *c = llmfix_ctx(&so, &lo);
    llmfix_got_t *g = llmfix_call(c, LLMFIX_SCHEMA);
    assert_int_equal(g->err.code, LODE_EUNSUPPORTED);
    assert_false(err_retryable(g->err.code));
    assert_int_equal(g->attempts, 1);
    assert_non_null(strstr(g->err.msg, "HTTP 401"));
    assert_non_null(strstr(g->err.msg, "Incorrect API key provided"));
    assert_non_null(strstr(g->err.msg, "/v1/chat/completions"));
    assert_null(strstr(g->err.msg, LLMFIX_WRONG_KEY));
    assert_null(strstr(g->err.msg, LLMFIX_KEY));
    assert_int_equal(llmstand_requests(c->stand), 1);
    llmfix_ctx_free(c);
}

static void test_llm_redacts_a_key_the_server_echoes(void **state)
{
    (void)state;
    llm_opts_t lo = {.api_key = LLMFIX_WRONG_KEY, .max_attempts = 1, .temperature = -1};
    llmfix_ctx_t *c = llmfix_ctx(NULL, &lo);
    llmstand_push_error(c->stand, 401,
                        "Key " LLMFIX_WRONG_KEY " is not valid (" LLMFIX_WRONG_KEY ")", -1);
    llmfix_got_t *g = llmfix_call(c, NULL);
    assert_int_equal(g->err.code, LODE_EUNSUPPORTED);
    assert_null(strstr(g->err.msg, LLMFIX_WRONG_KEY));
    assert_non_null(strstr(g->err.msg, "Key [redacted] is not valid ([redacted])"));
    /* Where the 256-byte message cuts the key short, no piece of it stays. */
    for (int pad = 100; pad < 160; pad++) {
        char msg[512];
        snprintf(msg, sizeof msg, "%*s%s and more", pad, "x", LLMFIX_WRONG_KEY);
        llmstand_push_error(c->stand, 403, msg, -1);
        g = llmfix_call(c, NULL);
        assert_int_equal(g->err.code, LODE_EUNSUPPORTED);
        assert_null(strstr(g->err.msg, "sk-wro"));
        size_t n = strlen(g->err.msg);
        assert_true(n < 4 || strncmp(g->err.msg + n - 4, LLMFIX_WRONG_KEY, 4) != 0);
    }
    llmfix_ctx_free(c);
}

static void test_llm_shows_the_url_without_its_password(void **state)
{
    (void)state;
    llmfix_ctx_t *c = llmfix_ctx(NULL, NULL);
    char base[160];
    snprintf(base, sizeof base, "http://lode:hunter2pw@127.0.0.1:%d/v1", llmstand_port(c->stand));
    llm_opts_t o = {.base_url = base, .model = "m", .max_attempts = 1, .temperature = -1};
    err_t err = {0};
    llm_destroy(&c->llm);
    c->llm = llm_new(c->loop, &o, &err);
    llmstand_push_error(c->stand, 500, NULL, -1);
    llmfix_got_t *g = llmfix_call(c, NULL);
    assert_int_equal(g->err.code, LODE_ELLM);
    assert_null(strstr(g->err.msg, "hunter2pw"));
    char want[96];
    snprintf(want, sizeof want, "http://127.0.0.1:%d/v1/chat/completions", llmstand_port(c->stand));
    assert_non_null(strstr(g->err.msg, want));
    llmfix_ctx_free(c);
}

static void test_llm_fails_an_unknown_model_at_once(void **state)
{
    (void)state;
    llmstand_opts_t so = {.models = "gpt-real,gpt-other"};
    llm_opts_t lo = {.model = "gpt-missing", .retry_base_ms = 20, .temperature = -1};
    llmfix_ctx_t *c = llmfix_ctx(&so, &lo);
    llmfix_got_t *g = llmfix_call(c, LLMFIX_SCHEMA);
    assert_int_equal(g->err.code, LODE_EUNSUPPORTED);
    assert_int_equal(g->attempts, 1);
    assert_non_null(strstr(g->err.msg, "HTTP 404"));
    assert_non_null(strstr(g->err.msg, "model_not_found"));
    assert_non_null(strstr(g->err.msg, "gpt-missing"));
    llmfix_ctx_free(c);
}

static void test_llm_fails_a_bad_request_at_once(void **state)
{
    (void)state;
    llmfix_ctx_t *c = llmfix_ctx(NULL, NULL);
    llmstand_push(c->stand,
                  &(llmstand_reply_t){.status = 400,
                                      .message = "This model's maximum context length is 8192 "
                                                 "tokens. However, you requested 9000 tokens.",
                                      .error_code = "context_length_exceeded",
                                      .error_param = "messages"});
    llmfix_got_t *g = llmfix_call(c, LLMFIX_SCHEMA);
    assert_int_equal(g->err.code, LODE_EINVAL);
    assert_int_equal(g->attempts, 1);
    assert_non_null(strstr(g->err.msg, "maximum context length"));
    assert_int_equal(llm_format(c->llm), LLM_FORMAT_AUTO); /* not a format problem */
    llmfix_ctx_free(c);
}

/* ---- format step-down */

typedef struct {
    bool refuse_schema; /* 400 for json_schema */
    bool refuse_json;   /* 400 for json_object */
} refuse_t;

static llmstand_reply_t s_refusing(const char *request_json, void *arg)
{
    const refuse_t *r = arg;
    json_t *req = json_loads(request_json, 0, NULL);
    const char *type = llmfix_rf_type(req);
    bool refuse = type && ((r->refuse_schema && strcmp(type, "json_schema") == 0) ||
                           (r->refuse_json && strcmp(type, "json_object") == 0));
    json_decref(req);
    if (!refuse)
        return (llmstand_reply_t){.content = "{\"a\":7}"};
    return (llmstand_reply_t){
        .status = 400,
        .message = "'response_format.type' must be 'text' or one the server supports",
        .error_param = "response_format"};
}

static void test_llm_steps_down_to_json_mode_and_remembers(void **state)
{
    (void)state;
    llmfix_ctx_t *c = llmfix_ctx(NULL, NULL);
    refuse_t r = {.refuse_schema = true};
    llmstand_set_responder(c->stand, s_refusing, &r);
    llmfix_got_t *g = llmfix_call(c, LLMFIX_SCHEMA);
    assert_int_equal(g->err.code, 0);
    assert_int_equal(g->attempts, 2);
    assert_int_equal(llm_format(c->llm), LLM_FORMAT_JSON);
    json_t *req = llmfix_last_request(c);
    assert_string_equal(llmfix_rf_type(req), "json_object");
    json_decref(req);
    g = llmfix_call(c, LLMFIX_SCHEMA); /* remembered: straight to JSON mode */
    assert_int_equal(g->err.code, 0);
    assert_int_equal(g->attempts, 1);
    assert_int_equal(llmstand_requests(c->stand), 3);
    llmfix_ctx_free(c);
}

static void test_llm_steps_down_to_plain_text(void **state)
{
    (void)state;
    llm_opts_t lo = {.max_attempts = 1, .temperature = -1};
    llmfix_ctx_t *c = llmfix_ctx(NULL, &lo);
    refuse_t r = {.refuse_schema = true, .refuse_json = true};
    llmstand_set_responder(c->stand, s_refusing, &r);
    llmfix_got_t *g = llmfix_call(c, LLMFIX_SCHEMA); /* step-downs do not use up max_attempts */
    assert_int_equal(g->err.code, 0);
    assert_int_equal(g->attempts, 3);
    assert_int_equal(llm_format(c->llm), LLM_FORMAT_TEXT);
    json_t *req = llmfix_last_request(c);
    assert_null(json_object_get(req, "response_format"));
    json_decref(req);
    llmfix_ctx_free(c);
}

static void test_llm_keeps_a_chosen_format(void **state)
{
    (void)state;
    llm_opts_t lo = {.format = LLM_FORMAT_SCHEMA, .temperature = -1};
    llmfix_ctx_t *c = llmfix_ctx(NULL, &lo);
    refuse_t r = {.refuse_schema = true};
    llmstand_set_responder(c->stand, s_refusing, &r);
    llmfix_got_t *g = llmfix_call(c, LLMFIX_SCHEMA);
    assert_int_equal(g->err.code, LODE_EINVAL);
    assert_int_equal(g->attempts, 1);
    assert_non_null(strstr(g->err.msg, "response_format"));
    assert_int_equal(llm_format(c->llm), LLM_FORMAT_SCHEMA);
    llmfix_ctx_free(c);
}

/* Refuses max_tokens and a temperature other than 1, as OpenAI's reasoning
 * models do. */
static llmstand_reply_t s_reasoning_model(const char *request_json, void *arg)
{
    (void)arg;
    json_t *req = json_loads(request_json, 0, NULL);
    bool max_tokens = json_object_get(req, "max_tokens") != NULL;
    json_t *t = json_object_get(req, "temperature");
    bool temperature = t && json_number_value(t) != 1.0;
    json_decref(req);
    if (max_tokens)
        return (llmstand_reply_t){.status = 400,
                                  .message = "Unsupported parameter: 'max_tokens' is not "
                                             "supported with this model. Use "
                                             "'max_completion_tokens' instead.",
                                  .error_param = "max_tokens",
                                  .error_code = "unsupported_parameter"};
    if (temperature)
        return (llmstand_reply_t){.status = 400,
                                  .message = "Unsupported value: 'temperature' does not support "
                                             "0.2 with this model. Only the default (1) value "
                                             "is supported.",
                                  .error_param = "temperature",
                                  .error_code = "unsupported_value"};
    return (llmstand_reply_t){.content = "{\"a\":9}"};
}

static void test_llm_adapts_to_a_reasoning_model_and_remembers(void **state)
{
    (void)state;
    llm_opts_t lo = {.max_attempts = 1, .temperature = 0.2, .max_tokens = 100};
    llmfix_ctx_t *c = llmfix_ctx(NULL, &lo);
    llmstand_set_responder(c->stand, s_reasoning_model, NULL);
    llmfix_got_t *g = llmfix_call(c, LLMFIX_SCHEMA);
    assert_int_equal(g->err.code, 0);
    assert_int_equal(g->attempts, 3);
    json_t *req = llmfix_last_request(c);
    assert_null(json_object_get(req, "max_tokens"));
    assert_null(json_object_get(req, "temperature"));
    assert_int_equal(json_integer_value(json_object_get(req, "max_completion_tokens")), 100);
    json_decref(req);
    g = llmfix_call(c, LLMFIX_SCHEMA);
    assert_int_equal(g->err.code, 0);
    assert_int_equal(g->attempts, 1);
    llmfix_ctx_free(c);
}

static void test_llm_does_not_drop_a_temperature_that_is_merely_out_of_range(void **state)
{
    (void)state;
    llm_opts_t lo = {.temperature = 3.5};
    llmfix_ctx_t *c = llmfix_ctx(NULL, &lo);
    llmstand_push(c->stand, &(llmstand_reply_t){.status = 400,
                                                .message = "3.5 is greater than the maximum of 2 "
                                                           "- 'temperature'",
                                                .error_param = "temperature"});
    llmfix_got_t *g = llmfix_call(c, LLMFIX_SCHEMA);
    assert_int_equal(g->err.code, LODE_EINVAL);
    assert_int_equal(g->attempts, 1);
    llmfix_ctx_free(c);
}

/* ---- garbage */

static void test_llm_reports_garbage_bodies_cleanly(void **state)
{
    (void)state;
    llm_opts_t lo = {.max_attempts = 1, .max_body_bytes = 64 * 1024, .temperature = -1};
    llmfix_ctx_t *c = llmfix_ctx(NULL, &lo);
    static const char binary[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\xff\xfe";
    size_t big_len = 1024 * 1024;
    char *big = malloc(big_len + 1);
    memset(big, 'a', big_len);
    big[big_len] = '\0';
    llmstand_reply_t replies[] = {
        {.body = "this is not JSON at all"},
        {.body = binary, .body_len = sizeof binary - 1, .content_type = "image/png"},
        {.body = big, .body_len = big_len},
        {.body = "{\"choices\":[]}"},
        {.body = "{\"error\":{\"message\":\"upstream failed\"}}"}, /* 200 with an error */
        {.status = 502, .body = "<html>Bad Gateway</html>", .content_type = "text/html"},
        {.content = "", .finish_reason = "stop"},
    };
    const char *expect[] = {"not a chat completion",
                            "not a chat completion",
                            "over",
                            "not a chat completion",
                            "upstream failed",
                            "HTTP 502",
                            "no content"};
    size_t n = sizeof replies / sizeof replies[0];
    for (size_t i = 0; i < n; i++) {
        llmstand_push(c->stand, &replies[i]);
        llmfix_got_t *g = llmfix_call(c, LLMFIX_SCHEMA);
        assert_int_equal(g->err.code, LODE_ELLM);
        assert_true(err_retryable(g->err.code));
        assert_null(g->content);
        if (!strstr(g->err.msg, expect[i]))
            fail_msg("reply %zu: \"%s\" lacks \"%s\"", i, g->err.msg, expect[i]);
    }
    free(big);
    llmfix_ctx_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_llm_fails_a_wrong_key_at_once_without_showing_it),
        cmocka_unit_test(test_llm_redacts_a_key_the_server_echoes),
        cmocka_unit_test(test_llm_shows_the_url_without_its_password),
        cmocka_unit_test(test_llm_fails_an_unknown_model_at_once),
        cmocka_unit_test(test_llm_fails_a_bad_request_at_once),
        cmocka_unit_test(test_llm_steps_down_to_json_mode_and_remembers),
        cmocka_unit_test(test_llm_steps_down_to_plain_text),
        cmocka_unit_test(test_llm_keeps_a_chosen_format),
        cmocka_unit_test(test_llm_adapts_to_a_reasoning_model_and_remembers),
        cmocka_unit_test(test_llm_does_not_drop_a_temperature_that_is_merely_out_of_range),
        cmocka_unit_test(test_llm_reports_garbage_bodies_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
