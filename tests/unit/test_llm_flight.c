/*  test_llm_flight.c - the chat-completions client's concurrency against
 *  the stand-in server: the in-flight limit, cancelling a group, 64 slow
 *  calls, a flaky server;
 *  teardown with calls in flight and argument checks.
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

/* ---- concurrency */

static llmstand_reply_t s_slow(const char *request_json, void *arg)
{
    (void)request_json;
    return (llmstand_reply_t){.content = "{\"a\":8}", .delay_ms = *(int *)arg};
}

static void test_llm_keeps_at_most_max_in_flight(void **state)
{
    (void)state;
    llm_opts_t lo = {.max_in_flight = 4, .temperature = -1};
    llmfix_ctx_t *c = llmfix_ctx(NULL, &lo);
    int delay = 150;
    llmstand_set_responder(c->stand, s_slow, &delay);
    for (int i = 0; i < 16; i++)
        llmfix_start(c, LLMFIX_SCHEMA);
    assert_int_equal(llm_pending(c->llm), 16);
    llmfix_run(c, 16, LLMFIX_RUN_MAX_MS);
    assert_int_equal(c->n_done, 16);
    for (int i = 0; i < 16; i++)
        assert_int_equal(c->got[i].err.code, 0);
    assert_int_equal(llmstand_peak(c->stand), 4);
    assert_true(c->got[15].seconds >= 0.55); /* four rounds of 150 ms */
    llmfix_ctx_free(c);
}

static int s_dropped;

static void s_drop(void *arg)
{
    assert_non_null(arg);
    s_dropped++;
}

/* A failed job's calls that have not gone out never will: queued ones and
 * those waiting out a back-off end without a callback; the one at the
 * server answers; other groups are untouched. */
static void test_llm_cancel_ends_a_groups_calls_that_have_not_gone_out(void **state)
{
    (void)state;
    llm_opts_t lo = {.max_in_flight = 1, .retry_base_ms = 5000, .temperature = -1};
    llmfix_ctx_t *c = llmfix_ctx(NULL, &lo);
    int delay = 200;
    llmstand_set_responder(c->stand, s_slow, &delay);
    int job_a, job_b;
    err_t err = {0};
    llm_call_t a = {.user = "Find one.", .group = &job_a};
    llm_call_t b = {.user = "Find one.", .group = &job_b};
    for (int i = 0; i < 3; i++) /* the first goes out, two wait behind it */
        assert_int_equal(llm_call(c->llm, &a, llmfix_done, c, &err), 0);
    assert_int_equal(llm_call(c->llm, &b, llmfix_done, c, &err), 0);
    s_dropped = 0;
    assert_int_equal(llm_cancel(c->llm, &job_a, s_drop), 2);
    assert_int_equal(s_dropped, 2);
    assert_int_equal(llm_cancel(c->llm, NULL, s_drop), 0);
    assert_int_equal(llm_pending(c->llm), 2);
    llmfix_run(c, 2, LLMFIX_RUN_MAX_MS);
    assert_int_equal(c->n_done, 2); /* a's call at the server, and b's */
    assert_int_equal(c->got[0].err.code, 0);
    assert_int_equal(c->got[1].err.code, 0);
    assert_int_equal(llmstand_requests(c->stand), 2);
    assert_int_equal(llm_pending(c->llm), 0);

    /* A call waiting out a back-off (a 500, then a 5 s wait) ends too. */
    llmstand_push_error(c->stand, 500, NULL, -1);
    assert_int_equal(llm_call(c->llm, &a, llmfix_done, c, &err), 0);
    llmfix_run(c, 3, 500); /* the 500 arrives; a back-off of 2.5-5 s starts; no result */
    assert_int_equal(llmstand_requests(c->stand), 3);
    assert_int_equal(llm_pending(c->llm), 1);
    assert_int_equal(llm_cancel(c->llm, &job_a, s_drop), 1);
    assert_int_equal(llm_pending(c->llm), 0);
    assert_int_equal(c->n_done, 2);
    llmfix_ctx_free(c);
}

static void test_llm_keeps_64_slow_calls_in_flight(void **state)
{
    (void)state;
    llmfix_ctx_t *c = llmfix_ctx(NULL, NULL); /* max_in_flight defaults to 64 */
    int delay = 1000;
    llmstand_set_responder(c->stand, s_slow, &delay);
    int64_t t0 = zclock_mono();
    for (int i = 0; i < 80; i++)
        llmfix_start(c, LLMFIX_SCHEMA);
    llmfix_run(c, 80, LLMFIX_RUN_MAX_MS);
    assert_int_equal(c->n_done, 80);
    assert_int_equal(llmstand_peak(c->stand), 64);
    int64_t took = zclock_mono() - t0;
    assert_true(took >= 1900 && took < 6000); /* two rounds, not 80 */
    llmfix_ctx_free(c);
}

/* Answers by a counter: good, 500, 429, dropped, slow, garbage, in turn. */
static llmstand_reply_t s_flaky(const char *request_json, void *arg)
{
    (void)request_json;
    static const char *const headers[] = {NULL, "Retry-After: 0"};
    int n = __atomic_fetch_add((int *)arg, 1, __ATOMIC_SEQ_CST);
    switch (n % 7) {
    case 1:
        return (llmstand_reply_t){.status = 500};
    case 2:
        return (llmstand_reply_t){.status = 429, .headers = headers[n % 2]};
    case 3:
        return (llmstand_reply_t){.drop = true};
    case 4:
        return (llmstand_reply_t){.content = "{}", .delay_ms = 400}; /* over timeout_ms */
    case 5:
        return (llmstand_reply_t){.body = "\x01\x02 not json"};
    default:
        return (llmstand_reply_t){.content = "{\"a\":10}", .delay_ms = n % 20};
    }
}

static void test_llm_ends_every_call_against_a_flaky_server(void **state)
{
    (void)state;
    llm_opts_t lo = {.max_in_flight = 16,
                     .timeout_ms = 200,
                     .max_attempts = 4,
                     .retry_base_ms = 5,
                     .retry_max_ms = 50,
                     .temperature = -1};
    llmfix_ctx_t *c = llmfix_ctx(NULL, &lo);
    int counter = 0;
    llmstand_set_responder(c->stand, s_flaky, &counter);
    for (int i = 0; i < 120; i++)
        llmfix_start(c, (i % 2) ? LLMFIX_SCHEMA : NULL);
    llmfix_run(c, 120, LLMFIX_RUN_MAX_MS);
    assert_int_equal(c->n_done, 120);
    assert_int_equal(llm_pending(c->llm), 0);
    int ok = 0;
    for (int i = 0; i < 120; i++) {
        llmfix_got_t *g = &c->got[i];
        assert_true(g->err.code == 0 || g->err.code == LODE_ELLM || g->err.code == LODE_ETIMEDOUT);
        assert_true(g->attempts >= 1 && g->attempts <= 4);
        ok += g->err.code == 0;
    }
    assert_true(ok > 0);
    /* No peak check here: the stand keeps answering requests the client
     * already gave up on (timeouts), so it sees more than 16 at once. */
    llmfix_ctx_free(c);
}

/* ---- teardown and argument checks */

static void test_llm_destroy_with_calls_in_flight_calls_nobody(void **state)
{
    (void)state;
    llm_opts_t lo = {.max_in_flight = 2, .retry_base_ms = 5000, .temperature = -1};
    llmfix_ctx_t *c = llmfix_ctx(NULL, &lo);
    llmstand_push_error(c->stand, 500, NULL, -1); /* the first waits out a 5 s back-off */
    int delay = 3000;
    llmstand_set_responder(c->stand, s_slow, &delay);
    for (int i = 0; i < 6; i++)
        llmfix_start(c, LLMFIX_SCHEMA);
    llmfix_run(c, 1, 300); /* nothing can finish this soon */
    assert_int_equal(c->n_done, 0);
    assert_int_equal(llm_pending(c->llm), 6);
    assert_true(llmstand_requests(c->stand) >= 2);
    llm_destroy(&c->llm);
    assert_null(c->llm);
    llmfix_run(c, 1, 100); /* no late callback from a timer or a socket */
    assert_int_equal(c->n_done, 0);
    llmfix_ctx_free(c);
}

static void test_llm_new_rejects_bad_options(void **state)
{
    (void)state;
    zloop_t *loop = zloop_new();
    llm_opts_t bad[] = {
        {.model = "m"},
        {.base_url = "", .model = "m"},
        {.base_url = "ftp://example.invalid/v1", .model = "m"},
        {.base_url = "http://", .model = "m"},
        {.base_url = "http://127.0.0.1:1/v1"},
        {.base_url = "http://127.0.0.1:1/v1", .model = "m", .api_key = "sk-abc\r\nX-Evil: 1"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err_t err = {0};
        llm_t *l = llm_new(loop, &bad[i], &err);
        assert_null(l);
        assert_int_equal(err.code, LODE_EINVAL);
        assert_null(strstr(err.msg, "sk-abc"));
    }
    err_t err = {0};
    assert_null(llm_new(NULL, &(llm_opts_t){.base_url = "http://x/v1", .model = "m"}, &err));
    zloop_destroy(&loop);
}

static void test_llm_call_rejects_what_cannot_be_sent(void **state)
{
    (void)state;
    llmfix_ctx_t *c = llmfix_ctx(NULL, NULL);
    llm_call_t bad[] = {
        {.system = "s"},
        {.user = "u", .schema = "{not json"},
        {.user = "u", .schema = "[1,2]"},
        {.user = "u", .schema = LLMFIX_SCHEMA, .schema_name = "has space"},
        {.user = "bad \xff utf-8"},
        {.user = "u", .system = "\xc3"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err_t err = {0};
        assert_int_equal(llm_call(c->llm, &bad[i], llmfix_done, c, &err), -1);
        assert_int_equal(err.code, LODE_EINVAL);
    }
    err_t err = {0};
    assert_int_equal(llm_call(c->llm, &bad[0], NULL, c, &err), -1);
    assert_int_equal(llm_pending(c->llm), 0);
    llmfix_run(c, 1, 50);
    assert_int_equal(c->n_done, 0);
    assert_int_equal(llmstand_requests(c->stand), 0);
    llmfix_ctx_free(c);
}

static void test_llm_reports_an_unusable_url_from_the_loop(void **state)
{
    (void)state;
    llmfix_ctx_t *c = llmfix_ctx(NULL, NULL);
    llm_opts_t o = {.base_url = "http://[::1/v1", .model = "m", .temperature = -1};
    err_t err = {0};
    llm_destroy(&c->llm);
    c->llm = llm_new(c->loop, &o, &err); /* only curl's URL parser sees the problem */
    assert_non_null(c->llm);
    llmfix_start(c, NULL);
    assert_int_equal(c->n_done, 0); /* never from inside llm_call */
    llmfix_run(c, 1, LLMFIX_RUN_MAX_MS);
    assert_int_equal(c->n_done, 1);
    assert_int_equal(c->got[0].err.code, LODE_EINVAL);
    assert_int_equal(c->got[0].attempts, 1);
    assert_int_equal(llm_pending(c->llm), 0);
    llmfix_ctx_free(c);
}

static void test_llm_format_parse_reads_the_four_names(void **state)
{
    (void)state;
    assert_int_equal(llm_format_parse("auto"), LLM_FORMAT_AUTO);
    assert_int_equal(llm_format_parse("schema"), LLM_FORMAT_SCHEMA);
    assert_int_equal(llm_format_parse("JSON"), LLM_FORMAT_JSON);
    assert_int_equal(llm_format_parse("text"), LLM_FORMAT_TEXT);
    assert_int_equal(llm_format_parse("yaml"), -1);
    assert_int_equal(llm_format_parse(NULL), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_llm_keeps_at_most_max_in_flight),
        cmocka_unit_test(test_llm_cancel_ends_a_groups_calls_that_have_not_gone_out),
        cmocka_unit_test(test_llm_keeps_64_slow_calls_in_flight),
        cmocka_unit_test(test_llm_ends_every_call_against_a_flaky_server),
        cmocka_unit_test(test_llm_destroy_with_calls_in_flight_calls_nobody),
        cmocka_unit_test(test_llm_new_rejects_bad_options),
        cmocka_unit_test(test_llm_call_rejects_what_cannot_be_sent),
        cmocka_unit_test(test_llm_reports_an_unusable_url_from_the_loop),
        cmocka_unit_test(test_llm_format_parse_reads_the_four_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
