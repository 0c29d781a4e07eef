/*  test_llmjson.c - chat-completions responses (content, finish_reason,
 *  usage, error bodies) and the model's JSON read defensively (fences,
 *  prose, trailing commas, truncation, garbage).
 *  SPDX-License-Identifier: MIT
 */
#include "llmjson.h"
#include "test.h"

static const char *k_ok =
    "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"model\":\"m\",\"choices\":[{"
    "\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"{\\\"snippets\\\":[]}\"},"
    "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":120,\"completion_tokens\":7,"
    "\"total_tokens\":127}}";

static char *s_extract(const char *content, const char *finish, err_t *err)
{
    return llmjson_extract(content, strlen(content), finish, NULL, err);
}

static void test_llmjson_reads_content_finish_reason_and_usage(void **state)
{
    (void)state;
    llmjson_response_t r;
    err_t err = {0};
    assert_int_equal(llmjson_parse_response(200, k_ok, strlen(k_ok), &r, &err), 0);
    assert_string_equal(r.content, "{\"snippets\":[]}");
    assert_int_equal(r.content_len, strlen(r.content));
    assert_string_equal(r.finish_reason, "stop");
    assert_int_equal(r.prompt_tokens, 120);
    assert_int_equal(r.completion_tokens, 7);
    llmjson_response_clear(&r);
    llmjson_response_clear(&r);
}

static void test_llmjson_joins_content_given_as_parts(void **state)
{
    (void)state;
    const char *body =
        "{\"choices\":[{\"message\":{\"content\":[{\"type\":\"text\",\"text\":\"[1,\"},"
        "{\"type\":\"text\",\"text\":\"2]\"}]},\"finish_reason\":\"stop\"}]}";
    llmjson_response_t r;
    err_t err = {0};
    assert_int_equal(llmjson_parse_response(200, body, strlen(body), &r, &err), 0);
    assert_string_equal(r.content, "[1,2]");
    assert_int_equal(r.prompt_tokens, -1);
    llmjson_response_clear(&r);
}

static void test_llmjson_turns_error_bodies_into_typed_errors(void **state)
{
    (void)state;
    const char *body = "{\"error\":{\"message\":\"Incorrect API key provided\","
                       "\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}";

    struct {
        long status;
        int code;
    } cases[] = {{401, LODE_EUNSUPPORTED}, {403, LODE_EUNSUPPORTED}, {404, LODE_EUNSUPPORTED},
                 {400, LODE_EINVAL},       {429, LODE_ELLM},         {500, LODE_ELLM},
                 {503, LODE_ELLM},         {200, LODE_ELLM}};

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        llmjson_response_t r;
        err_t err = {0};
        assert_int_equal(llmjson_parse_response(cases[i].status, body, strlen(body), &r, &err), -1);
        assert_int_equal(err.code, cases[i].code);
        assert_non_null(strstr(err.msg, "Incorrect API key provided"));
        assert_non_null(strstr(err.msg, "invalid_api_key"));
        assert_null(r.content);
    }
    assert_false(err_retryable(LODE_EUNSUPPORTED));
    assert_true(err_retryable(LODE_ELLM));
}

static void test_llmjson_shows_a_non_json_error_body(void **state)
{
    (void)state;
    const char *body = "<html>502 Bad Gateway</html>";
    llmjson_response_t r;
    err_t err = {0};
    assert_int_equal(llmjson_parse_response(502, body, strlen(body), &r, &err), -1);
    assert_int_equal(err.code, LODE_ELLM);
    assert_non_null(strstr(err.msg, "502 Bad Gateway"));
}

static void test_llmjson_rejects_a_body_that_is_no_chat_completion(void **state)
{
    (void)state;
    const char *bodies[] = {"{\"choices\":[]}", "not json at all",
                            "{\"choices\":[{\"message\":{\"content\":null},"
                            "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":5}}"};
    for (size_t i = 0; i < 3; i++) {
        llmjson_response_t r;
        err_t err = {0};
        assert_int_equal(llmjson_parse_response(200, bodies[i], strlen(bodies[i]), &r, &err), -1);
        assert_int_equal(err.code, LODE_ELLM);
        if (i == 2)
            assert_int_equal(r.prompt_tokens, 5);
    }
}

static void test_llmjson_extracts_good_json_compactly(void **state)
{
    (void)state;
    err_t err = {0};
    size_t n = 0;
    const char *c = "{ \"title\": \"A\",\n \"sections\": [ ] }";
    char *j = llmjson_extract(c, strlen(c), "stop", &n, &err);
    assert_string_equal(j, "{\"title\":\"A\",\"sections\":[]}");
    assert_int_equal(n, strlen(j));
    free(j);
}

static void test_llmjson_extracts_fenced_json(void **state)
{
    (void)state;
    err_t err = {0};
    char *j = s_extract("Here you go:\n```json\n{\"questions\": [\"Why?\"]}\n```\nHope it helps!",
                        "stop", &err);
    assert_string_equal(j, "{\"questions\":[\"Why?\"]}");
    free(j);
}

static void test_llmjson_skips_leading_prose_and_stray_brackets(void **state)
{
    (void)state;
    err_t err = {0};
    char *j = s_extract("Sure [as requested], the answer is {\"a\": \"x } y\", \"b\": [1, 2]} "
                        "and that's all.",
                        NULL, &err);
    assert_string_equal(j, "{\"a\":\"x } y\",\"b\":[1,2]}");
    free(j);
}

static void test_llmjson_drops_trailing_commas(void **state)
{
    (void)state;
    err_t err = {0};
    char *j = s_extract("[{\"quote\": \"a, ]\", \"why\": \"b\",},\n {\"quote\": \"c\",},\n]",
                        "stop", &err);
    assert_string_equal(j, "[{\"quote\":\"a, ]\",\"why\":\"b\"},{\"quote\":\"c\"}]");
    free(j);
}

static void test_llmjson_reports_truncated_json_with_its_start(void **state)
{
    (void)state;
    err_t err = {0};
    assert_null(s_extract("{\"snippets\": [{\"quote\": \"So one definition of", "stop", &err));
    assert_int_equal(err.code, LODE_ELLM);
    assert_non_null(strstr(err.msg, "cut short"));
    assert_non_null(strstr(err.msg, "{\\\"snippets\\\": [{\\\"quote\\\""));
}

static void test_llmjson_fails_permanently_on_finish_reason_length(void **state)
{
    (void)state;
    err_t err = {0};
    assert_null(s_extract("{\"snippets\": []}", "length", &err));
    assert_int_equal(err.code, LODE_ETOOBIG);
    assert_false(err_retryable(err.code));
    err_clear(&err);
    assert_null(s_extract("[]", "content_filter", &err));
    assert_int_equal(err.code, LODE_EUNSUPPORTED);
}

static void test_llmjson_rejects_garbage_with_a_bounded_escaped_preview(void **state)
{
    (void)state;
    char big[2048];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    memcpy(big, "I cannot\n\"help\"", 16);
    err_t err = {0};
    assert_null(s_extract(big, "stop", &err));
    assert_int_equal(err.code, LODE_ELLM);
    assert_non_null(strstr(err.msg, "no JSON value"));
    assert_non_null(strstr(err.msg, "I cannot\\n\\\"help\\\""));
    err_clear(&err);
    assert_null(s_extract("", "stop", &err));
    assert_int_equal(err.code, LODE_ELLM);
}

static void test_llmjson_preview_never_cuts_a_code_point(void **state)
{
    (void)state;
    char in[600], out[LLMJSON_PREVIEW_MAX + 1];
    for (size_t i = 0; i + 2 < sizeof in; i += 2)
        memcpy(in + i, "\xc3\xa9", 2);
    llmjson_preview(in, sizeof in - 2, out, sizeof out);
    size_t n = strlen(out);
    assert_true(n <= LLMJSON_PREVIEW_MAX);
    assert_memory_equal(out + n - 3, "\xe2\x80\xa6", 3);
    assert_true((n - 3) % 2 == 0);
    llmjson_preview("a\x01\xff", 3, out, sizeof out);
    assert_string_equal(out, "a\\x01\\xff");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_llmjson_reads_content_finish_reason_and_usage),
        cmocka_unit_test(test_llmjson_joins_content_given_as_parts),
        cmocka_unit_test(test_llmjson_turns_error_bodies_into_typed_errors),
        cmocka_unit_test(test_llmjson_shows_a_non_json_error_body),
        cmocka_unit_test(test_llmjson_rejects_a_body_that_is_no_chat_completion),
        cmocka_unit_test(test_llmjson_extracts_good_json_compactly),
        cmocka_unit_test(test_llmjson_extracts_fenced_json),
        cmocka_unit_test(test_llmjson_skips_leading_prose_and_stray_brackets),
        cmocka_unit_test(test_llmjson_drops_trailing_commas),
        cmocka_unit_test(test_llmjson_reports_truncated_json_with_its_start),
        cmocka_unit_test(test_llmjson_fails_permanently_on_finish_reason_length),
        cmocka_unit_test(test_llmjson_rejects_garbage_with_a_bounded_escaped_preview),
        cmocka_unit_test(test_llmjson_preview_never_cuts_a_code_point),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
