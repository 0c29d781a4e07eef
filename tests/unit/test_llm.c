/*  test_llm.c - the chat-completions client against the stand-in server
 *  (llmstand) through a real zloop: answers, retries and their pacing,
 *  permanent failures, format step-down, concurrency limits, garbage, and
 *  teardown with calls in flight. Loopback only; every wait is bounded.
 *  SPDX-License-Identifier: MIT
 */
#include <czmq.h>
#include <jansson.h>

#include "err.h"
#include "llm.h"
#include "llmstand.h"
#include "test.h"

#define KEY       "sk-test-Zq8uV3bK1mW9xY2pL5rT7nA4"
#define WRONG_KEY "sk-wrong-Hd6jF0gS8aQ3wE1rT9yU2iO7"
#define SCHEMA                                                                                     \
    "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"}},"                          \
    "\"required\":[\"a\"],\"additionalProperties\":false}"
#define MAX_GOT    128
#define RUN_MAX_MS 20000

typedef struct {
    err_t err;
    char *content;       /* owned */
    char *finish_reason; /* owned */
    int64_t prompt_tokens, completion_tokens, retry_after_ms;
    int attempts;
    double seconds;
} got_t;

typedef struct ctx ctx_t;

struct ctx {
    zloop_t *loop;
    llmstand_t *stand;
    llm_t *llm;
    got_t got[MAX_GOT];
    int n_done, n_want;
    int64_t deadline;
    int chain; /* calls the callback still starts (a callback calling llm_call) */
};

static void s_done(const llm_result_t *res, void *arg)
{
    ctx_t *c = arg;
    assert_true(c->n_done < MAX_GOT);
    got_t *g = &c->got[c->n_done++];
    g->err = res->err;
    g->content = res->resp.content ? strdup(res->resp.content) : NULL;
    g->finish_reason = res->resp.finish_reason ? strdup(res->resp.finish_reason) : NULL;
    g->prompt_tokens = res->prompt_tokens;
    g->completion_tokens = res->completion_tokens;
    g->retry_after_ms = res->retry_after_ms;
    g->attempts = res->attempts;
    g->seconds = res->seconds;
    if (getenv("LLM_TEST_VERBOSE"))
        fprintf(stderr, "  result: %s attempts=%d %.3fs ra=%lld: %s\n", err_name(res->err.code),
                res->attempts, res->seconds, (long long)res->retry_after_ms, res->err.msg);
}

static int s_on_tick(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    ctx_t *c = arg;
    return c->n_done >= c->n_want || zclock_mono() > c->deadline ? -1 : 0;
}

/* Run the loop until n results arrived in total, or ms passed. */
static void s_run(ctx_t *c, int n, int64_t ms)
{
    c->n_want = n;
    c->deadline = zclock_mono() + ms;
    int id = zloop_timer(c->loop, 5, 0, s_on_tick, c);
    zloop_start(c->loop);
    zloop_timer_end(c->loop, id);
}

/* A loop, a stand-in started with so (NULL = defaults) and a client with lo
 * (NULL = defaults; base URL and model filled in when missing). */
static ctx_t *s_ctx(const llmstand_opts_t *so, const llm_opts_t *lo)
{
    ctx_t *c = calloc(1, sizeof *c);
    c->loop = zloop_new();
    c->stand = llmstand_start(so);
    assert_non_null(c->stand);
    llm_opts_t o = lo ? *lo : (llm_opts_t){.retry_base_ms = 20, .temperature = -1};
    if (!o.base_url)
        o.base_url = llmstand_url(c->stand);
    if (!o.model)
        o.model = "gpt-test";
    err_t err = {0};
    c->llm = llm_new(c->loop, &o, &err);
    assert_non_null(c->llm);
    return c;
}

static void s_ctx_free(ctx_t *c)
{
    llm_destroy(&c->llm);
    assert_null(c->llm);
    llmstand_stop(&c->stand);
    zloop_destroy(&c->loop);
    for (int i = 0; i < c->n_done; i++) {
        free(c->got[i].content);
        free(c->got[i].finish_reason);
    }
    free(c);
}

static void s_start(ctx_t *c, const char *schema)
{
    llm_call_t call = {.system = "You find quotes.", .user = "Find one.", .schema = schema};
    err_t err = {0};
    assert_int_equal(llm_call(c->llm, &call, s_done, c, &err), 0);
}

/* One call; its result. */
static got_t *s_call(ctx_t *c, const char *schema)
{
    int before = c->n_done;
    s_start(c, schema);
    s_run(c, before + 1, RUN_MAX_MS);
    assert_int_equal(c->n_done, before + 1);
    return &c->got[before];
}

/* The last request's body, parsed. */
static json_t *s_last_request(ctx_t *c)
{
    char *body = llmstand_last_body(c->stand, 0);
    assert_non_null(body);
    json_t *root = json_loads(body, 0, NULL);
    free(body);
    assert_non_null(root);
    return root;
}

static const char *s_rf_type(json_t *req)
{
    return json_string_value(json_object_get(json_object_get(req, "response_format"), "type"));
}

/* ---- the happy path */

static void test_llm_answers_a_call_and_counts_usage(void **state)
{
    (void)state;
    llmstand_opts_t so = {.api_key = KEY};
    llm_opts_t lo = {.api_key = KEY, .temperature = 0.2, .max_tokens = 256};
    ctx_t *c = s_ctx(&so, &lo);
    assert_int_equal(llm_format(c->llm), LLM_FORMAT_AUTO);
    llmstand_push(
        c->stand,
        &(llmstand_reply_t){.content = "{\"a\":1}", .prompt_tokens = 11, .completion_tokens = 7});
    llm_call_t call = {.system = "You find quotes.",
                       .user = "Find one in: \"caf\xc3\xa9\".",
                       .schema_name = "quote_list",
                       .schema = SCHEMA};
    err_t err = {0};
    assert_int_equal(llm_call(c->llm, &call, s_done, c, &err), 0);
    assert_int_equal(llm_pending(c->llm), 1);
    s_run(c, 1, RUN_MAX_MS);
    assert_int_equal(c->n_done, 1);
    got_t *g = &c->got[0];
    assert_int_equal(g->err.code, 0);
    assert_string_equal(g->content, "{\"a\":1}");
    assert_string_equal(g->finish_reason, "stop");
    assert_int_equal(g->prompt_tokens, 11);
    assert_int_equal(g->completion_tokens, 7);
    assert_int_equal(g->attempts, 1);
    assert_int_equal(g->retry_after_ms, -1);
    assert_int_equal(llm_pending(c->llm), 0);
    assert_int_equal(llm_format(c->llm), LLM_FORMAT_SCHEMA);

    json_t *req = s_last_request(c);
    assert_string_equal(json_string_value(json_object_get(req, "model")), "gpt-test");
    json_t *msgs = json_object_get(req, "messages");
    assert_int_equal(json_array_size(msgs), 2);
    json_t *m0 = json_array_get(msgs, 0), *m1 = json_array_get(msgs, 1);
    assert_string_equal(json_string_value(json_object_get(m0, "role")), "system");
    assert_string_equal(json_string_value(json_object_get(m0, "content")), "You find quotes.");
    assert_string_equal(json_string_value(json_object_get(m1, "role")), "user");
    assert_string_equal(json_string_value(json_object_get(m1, "content")), call.user);
    assert_string_equal(s_rf_type(req), "json_schema");
    json_t *js = json_object_get(json_object_get(req, "response_format"), "json_schema");
    assert_string_equal(json_string_value(json_object_get(js, "name")), "quote_list");
    assert_true(json_is_true(json_object_get(js, "strict")));
    json_t *want = json_loads(SCHEMA, 0, NULL);
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
    assert_string_equal(auth, "Bearer " KEY);
    free(auth);
    char *path = llmstand_last_path(c->stand, 0);
    assert_string_equal(path, "/v1/chat/completions");
    free(path);
    s_ctx_free(c);
}

static void test_llm_sends_no_optional_fields_when_unset(void **state)
{
    (void)state;
    ctx_t *c = s_ctx(NULL, NULL); /* no key, temperature < 0, no max_tokens */
    got_t *g = s_call(c, NULL);   /* no schema: JSON mode */
    assert_int_equal(g->err.code, 0);
    json_t *req = s_last_request(c);
    assert_null(json_object_get(req, "temperature"));
    assert_null(json_object_get(req, "max_tokens"));
    assert_string_equal(s_rf_type(req), "json_object");
    json_decref(req);
    char *auth = llmstand_last_auth(c->stand, 0);
    assert_null(auth);
    s_ctx_free(c);
}

static void test_llm_posts_under_a_base_url_without_v1(void **state)
{
    (void)state;
    ctx_t *c = s_ctx(NULL, NULL);
    char base[128];
    snprintf(base, sizeof base, "http://127.0.0.1:%d/", llmstand_port(c->stand));
    llm_opts_t o = {.base_url = base, .model = "m", .temperature = -1};
    err_t err = {0};
    llm_destroy(&c->llm);
    c->llm = llm_new(c->loop, &o, &err);
    assert_non_null(c->llm);
    got_t *g = s_call(c, SCHEMA);
    assert_int_equal(g->err.code, 0);
    char *path = llmstand_last_path(c->stand, 0);
    assert_string_equal(path, "/chat/completions"); /* one slash, trailing one dropped */
    free(path);
    s_ctx_free(c);
}

static void s_done_chain(const llm_result_t *res, void *arg)
{
    ctx_t *c = arg;
    s_done(res, arg);
    if (c->chain-- > 0) {
        llm_call_t call = {.user = "next chunk"};
        err_t err = {0};
        assert_int_equal(llm_call(c->llm, &call, s_done_chain, c, &err), 0);
    }
}

static void test_llm_lets_a_callback_start_the_next_call(void **state)
{
    (void)state;
    ctx_t *c = s_ctx(NULL, NULL);
    c->chain = 3;
    llm_call_t call = {.user = "first chunk"};
    err_t err = {0};
    assert_int_equal(llm_call(c->llm, &call, s_done_chain, c, &err), 0);
    s_run(c, 4, RUN_MAX_MS);
    assert_int_equal(c->n_done, 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal(c->got[i].err.code, 0);
    assert_int_equal(llm_pending(c->llm), 0);
    assert_int_equal(llmstand_requests(c->stand), 4);
    s_ctx_free(c);
}

/* ---- retries */

static void test_llm_waits_out_retry_after_on_429(void **state)
{
    (void)state;
    ctx_t *c = s_ctx(NULL, NULL);
    llmstand_push_error(c->stand, 429, NULL, 1);
    llmstand_push_content(c->stand, "{\"a\":2}");
    got_t *g = s_call(c, SCHEMA);
    assert_int_equal(g->err.code, 0);
    assert_string_equal(g->content, "{\"a\":2}");
    assert_int_equal(g->attempts, 2);
    assert_true(g->seconds >= 0.95); /* Retry-After: 1, not retry_base_ms (20) */
    assert_true(g->seconds < 5.0);
    s_ctx_free(c);
}

static void test_llm_holds_other_calls_while_rate_limited(void **state)
{
    (void)state;
    llm_opts_t lo = {.retry_base_ms = 20, .max_in_flight = 1, .temperature = -1};
    ctx_t *c = s_ctx(NULL, &lo);
    llmstand_push_error(c->stand, 429, NULL, 1);
    s_start(c, NULL);
    s_start(c, NULL); /* queued behind the first; then held by its 429 */
    s_run(c, 2, RUN_MAX_MS);
    assert_int_equal(c->n_done, 2);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(c->got[i].err.code, 0);
        assert_true(c->got[i].seconds >= 0.95);
    }
    assert_int_equal(llmstand_requests(c->stand), 3);
    s_ctx_free(c);
}

static void test_llm_retries_a_500_with_backoff(void **state)
{
    (void)state;
    ctx_t *c = s_ctx(NULL, NULL);
    llmstand_push_error(c->stand, 500, NULL, -1);
    llmstand_push_content(c->stand, "{\"a\":3}");
    got_t *g = s_call(c, SCHEMA);
    assert_int_equal(g->err.code, 0);
    assert_int_equal(g->attempts, 2);
    assert_true(g->seconds >= 0.009); /* at least half of retry_base_ms */
    assert_true(g->seconds < 2.0);
    s_ctx_free(c);
}

static void test_llm_honours_retry_after_on_a_502(void **state)
{
    (void)state;
    ctx_t *c = s_ctx(NULL, NULL);
    llmstand_push(c->stand, &(llmstand_reply_t){.status = 502,
                                                .body = "<html>Bad Gateway</html>",
                                                .content_type = "text/html",
                                                .headers = "Retry-After: 1"});
    got_t *g = s_call(c, SCHEMA);
    assert_int_equal(g->err.code, 0);
    assert_int_equal(g->attempts, 2);
    assert_true(g->seconds >= 0.95);
    s_ctx_free(c);
}

static void test_llm_reads_retry_after_as_an_http_date(void **state)
{
    (void)state;
    ctx_t *c = s_ctx(NULL, NULL);
    char hdr[96];
    time_t at = time(NULL) + 2;
    struct tm tm;
    strftime(hdr, sizeof hdr, "Retry-After: %a, %d %b %Y %H:%M:%S GMT", gmtime_r(&at, &tm));
    llmstand_push(c->stand, &(llmstand_reply_t){.status = 503, .headers = hdr});
    got_t *g = s_call(c, SCHEMA);
    assert_int_equal(g->err.code, 0);
    assert_int_equal(g->attempts, 2);
    assert_true(g->seconds >= 0.9); /* 1 to 2 s: the date has whole seconds */
    assert_true(g->seconds < 4.0);
    s_ctx_free(c);
}

static void test_llm_gives_up_after_max_attempts_of_503(void **state)
{
    (void)state;
    ctx_t *c = s_ctx(NULL, NULL);
    for (int i = 0; i < 3; i++)
        llmstand_push_error(c->stand, 503, NULL, -1);
    llmstand_push_content(c->stand, "{\"a\":4}"); /* never reached */
    got_t *g = s_call(c, SCHEMA);
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
    s_ctx_free(c);
}

static void test_llm_hands_a_long_retry_after_to_the_caller(void **state)
{
    (void)state;
    llm_opts_t lo = {.retry_base_ms = 20, .retry_max_ms = 1000, .temperature = -1};
    ctx_t *c = s_ctx(NULL, &lo);
    llmstand_push_error(c->stand, 429, "Rate limit reached for requests per day.", 120);
    got_t *g = s_call(c, SCHEMA);
    assert_int_equal(g->err.code, LODE_ELLM);
    assert_int_equal(g->attempts, 1); /* no point waiting 2 minutes inside the worker */
    assert_int_equal(g->retry_after_ms, 120000);
    assert_true(g->seconds < 1.0);
    assert_non_null(strstr(g->err.msg, "per day"));
    g = s_call(c, SCHEMA); /* the client still pauses, for retry_max_ms */
    assert_int_equal(g->err.code, 0);
    assert_true(g->seconds >= 0.9 && g->seconds < 3.0);
    s_ctx_free(c);
}

static void test_llm_times_out_a_slow_answer(void **state)
{
    (void)state;
    llm_opts_t lo = {.timeout_ms = 300, .max_attempts = 2, .retry_base_ms = 20, .temperature = -1};
    ctx_t *c = s_ctx(NULL, &lo);
    for (int i = 0; i < 2; i++)
        llmstand_push(c->stand, &(llmstand_reply_t){.content = "{}", .delay_ms = 3000});
    got_t *g = s_call(c, SCHEMA);
    assert_int_equal(g->err.code, LODE_ETIMEDOUT);
    assert_true(err_retryable(g->err.code));
    assert_int_equal(g->attempts, 2);
    assert_true(g->seconds >= 0.55);
    assert_true(g->seconds < 2.5);
    s_ctx_free(c);
}

static void test_llm_retries_a_dropped_connection(void **state)
{
    (void)state;
    ctx_t *c = s_ctx(NULL, NULL);
    llmstand_push(c->stand, &(llmstand_reply_t){.drop = true});
    llmstand_push_content(c->stand, "{\"a\":5}");
    got_t *g = s_call(c, SCHEMA);
    assert_int_equal(g->err.code, 0);
    assert_int_equal(g->attempts, 2);
    s_ctx_free(c);
}

static void test_llm_gives_up_on_a_server_that_is_not_there(void **state)
{
    (void)state;
    ctx_t *c = s_ctx(NULL, NULL);
    char base[128];
    snprintf(base, sizeof base, "%s", llmstand_url(c->stand));
    llmstand_stop(&c->stand); /* nothing listens on that port now */
    llm_opts_t o = {.base_url = base, .model = "m", .retry_base_ms = 10, .temperature = -1};
    err_t err = {0};
    llm_destroy(&c->llm);
    c->llm = llm_new(c->loop, &o, &err);
    got_t *g = s_call(c, NULL);
    assert_int_equal(g->err.code, LODE_ELLM);
    assert_true(err_retryable(g->err.code));
    assert_int_equal(g->attempts, 3);
    s_ctx_free(c);
}

static void test_llm_sums_usage_over_attempts(void **state)
{
    (void)state;
    ctx_t *c = s_ctx(NULL, NULL);
    llmstand_push(c->stand,
                  &(llmstand_reply_t){.content = "", .prompt_tokens = 5, .completion_tokens = 1});
    llmstand_push(
        c->stand,
        &(llmstand_reply_t){.content = "{\"a\":6}", .prompt_tokens = 10, .completion_tokens = 3});
    got_t *g = s_call(c, SCHEMA);
    assert_int_equal(g->err.code, 0);
    assert_int_equal(g->attempts, 2);
    assert_int_equal(g->prompt_tokens, 15);
    assert_int_equal(g->completion_tokens, 4);
    s_ctx_free(c);
}

static void test_llm_caps_absurd_usage_instead_of_overflowing(void **state)
{
    (void)state;
    ctx_t *c = s_ctx(NULL, NULL);
    llmstand_push(c->stand, &(llmstand_reply_t){.content = "",
                                                .prompt_tokens = INT64_MAX,
                                                .completion_tokens = INT64_MAX});
    llmstand_push(c->stand, &(llmstand_reply_t){.content = "{\"a\":6}",
                                                .prompt_tokens = INT64_MAX,
                                                .completion_tokens = INT64_MAX});
    got_t *g = s_call(c, SCHEMA);
    assert_int_equal(g->err.code, 0);
    assert_int_equal(g->attempts, 2);
    assert_true(g->prompt_tokens > 0 && g->prompt_tokens <= ((int64_t)1 << 40));
    assert_true(g->completion_tokens > 0 && g->completion_tokens <= ((int64_t)1 << 40));
    s_ctx_free(c);
}

/* ---- permanent failures */

static void test_llm_fails_a_wrong_key_at_once_without_showing_it(void **state)
{
    (void)state;
    llmstand_opts_t so = {.api_key = KEY};
    llm_opts_t lo = {.api_key = WRONG_KEY, .retry_base_ms = 20, .temperature = -1};
    ctx_t *c = s_ctx(&so, &lo);
    got_t *g = s_call(c, SCHEMA);
    assert_int_equal(g->err.code, LODE_EUNSUPPORTED);
    assert_false(err_retryable(g->err.code));
    assert_int_equal(g->attempts, 1);
    assert_non_null(strstr(g->err.msg, "HTTP 401"));
    assert_non_null(strstr(g->err.msg, "Incorrect API key provided"));
    assert_non_null(strstr(g->err.msg, "/v1/chat/completions"));
    assert_null(strstr(g->err.msg, WRONG_KEY));
    assert_null(strstr(g->err.msg, KEY));
    assert_int_equal(llmstand_requests(c->stand), 1);
    s_ctx_free(c);
}

static void test_llm_redacts_a_key_the_server_echoes(void **state)
{
    (void)state;
    llm_opts_t lo = {.api_key = WRONG_KEY, .max_attempts = 1, .temperature = -1};
    ctx_t *c = s_ctx(NULL, &lo);
    llmstand_push_error(c->stand, 401, "Key " WRONG_KEY " is not valid (" WRONG_KEY ")", -1);
    got_t *g = s_call(c, NULL);
    assert_int_equal(g->err.code, LODE_EUNSUPPORTED);
    assert_null(strstr(g->err.msg, WRONG_KEY));
    assert_non_null(strstr(g->err.msg, "Key [redacted] is not valid ([redacted])"));
    /* Where the 256-byte message cuts the key short, no piece of it stays. */
    for (int pad = 100; pad < 160; pad++) {
        char msg[512];
        snprintf(msg, sizeof msg, "%*s%s and more", pad, "x", WRONG_KEY);
        llmstand_push_error(c->stand, 403, msg, -1);
        g = s_call(c, NULL);
        assert_int_equal(g->err.code, LODE_EUNSUPPORTED);
        assert_null(strstr(g->err.msg, "sk-wro"));
        size_t n = strlen(g->err.msg);
        assert_true(n < 4 || strncmp(g->err.msg + n - 4, WRONG_KEY, 4) != 0);
    }
    s_ctx_free(c);
}

static void test_llm_shows_the_url_without_its_password(void **state)
{
    (void)state;
    ctx_t *c = s_ctx(NULL, NULL);
    char base[160];
    snprintf(base, sizeof base, "http://lode:hunter2pw@127.0.0.1:%d/v1", llmstand_port(c->stand));
    llm_opts_t o = {.base_url = base, .model = "m", .max_attempts = 1, .temperature = -1};
    err_t err = {0};
    llm_destroy(&c->llm);
    c->llm = llm_new(c->loop, &o, &err);
    llmstand_push_error(c->stand, 500, NULL, -1);
    got_t *g = s_call(c, NULL);
    assert_int_equal(g->err.code, LODE_ELLM);
    assert_null(strstr(g->err.msg, "hunter2pw"));
    char want[96];
    snprintf(want, sizeof want, "http://127.0.0.1:%d/v1/chat/completions", llmstand_port(c->stand));
    assert_non_null(strstr(g->err.msg, want));
    s_ctx_free(c);
}

static void test_llm_fails_an_unknown_model_at_once(void **state)
{
    (void)state;
    llmstand_opts_t so = {.models = "gpt-real,gpt-other"};
    llm_opts_t lo = {.model = "gpt-missing", .retry_base_ms = 20, .temperature = -1};
    ctx_t *c = s_ctx(&so, &lo);
    got_t *g = s_call(c, SCHEMA);
    assert_int_equal(g->err.code, LODE_EUNSUPPORTED);
    assert_int_equal(g->attempts, 1);
    assert_non_null(strstr(g->err.msg, "HTTP 404"));
    assert_non_null(strstr(g->err.msg, "model_not_found"));
    assert_non_null(strstr(g->err.msg, "gpt-missing"));
    s_ctx_free(c);
}

static void test_llm_fails_a_bad_request_at_once(void **state)
{
    (void)state;
    ctx_t *c = s_ctx(NULL, NULL);
    llmstand_push(c->stand,
                  &(llmstand_reply_t){.status = 400,
                                      .message = "This model's maximum context length is 8192 "
                                                 "tokens. However, you requested 9000 tokens.",
                                      .error_code = "context_length_exceeded",
                                      .error_param = "messages"});
    got_t *g = s_call(c, SCHEMA);
    assert_int_equal(g->err.code, LODE_EINVAL);
    assert_int_equal(g->attempts, 1);
    assert_non_null(strstr(g->err.msg, "maximum context length"));
    assert_int_equal(llm_format(c->llm), LLM_FORMAT_AUTO); /* not a format problem */
    s_ctx_free(c);
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
    const char *type = s_rf_type(req);
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
    ctx_t *c = s_ctx(NULL, NULL);
    refuse_t r = {.refuse_schema = true};
    llmstand_set_responder(c->stand, s_refusing, &r);
    got_t *g = s_call(c, SCHEMA);
    assert_int_equal(g->err.code, 0);
    assert_int_equal(g->attempts, 2);
    assert_int_equal(llm_format(c->llm), LLM_FORMAT_JSON);
    json_t *req = s_last_request(c);
    assert_string_equal(s_rf_type(req), "json_object");
    json_decref(req);
    g = s_call(c, SCHEMA); /* remembered: straight to JSON mode */
    assert_int_equal(g->err.code, 0);
    assert_int_equal(g->attempts, 1);
    assert_int_equal(llmstand_requests(c->stand), 3);
    s_ctx_free(c);
}

static void test_llm_steps_down_to_plain_text(void **state)
{
    (void)state;
    llm_opts_t lo = {.max_attempts = 1, .temperature = -1};
    ctx_t *c = s_ctx(NULL, &lo);
    refuse_t r = {.refuse_schema = true, .refuse_json = true};
    llmstand_set_responder(c->stand, s_refusing, &r);
    got_t *g = s_call(c, SCHEMA); /* step-downs do not use up max_attempts */
    assert_int_equal(g->err.code, 0);
    assert_int_equal(g->attempts, 3);
    assert_int_equal(llm_format(c->llm), LLM_FORMAT_TEXT);
    json_t *req = s_last_request(c);
    assert_null(json_object_get(req, "response_format"));
    json_decref(req);
    s_ctx_free(c);
}

static void test_llm_keeps_a_chosen_format(void **state)
{
    (void)state;
    llm_opts_t lo = {.format = LLM_FORMAT_SCHEMA, .temperature = -1};
    ctx_t *c = s_ctx(NULL, &lo);
    refuse_t r = {.refuse_schema = true};
    llmstand_set_responder(c->stand, s_refusing, &r);
    got_t *g = s_call(c, SCHEMA);
    assert_int_equal(g->err.code, LODE_EINVAL);
    assert_int_equal(g->attempts, 1);
    assert_non_null(strstr(g->err.msg, "response_format"));
    assert_int_equal(llm_format(c->llm), LLM_FORMAT_SCHEMA);
    s_ctx_free(c);
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
    ctx_t *c = s_ctx(NULL, &lo);
    llmstand_set_responder(c->stand, s_reasoning_model, NULL);
    got_t *g = s_call(c, SCHEMA);
    assert_int_equal(g->err.code, 0);
    assert_int_equal(g->attempts, 3);
    json_t *req = s_last_request(c);
    assert_null(json_object_get(req, "max_tokens"));
    assert_null(json_object_get(req, "temperature"));
    assert_int_equal(json_integer_value(json_object_get(req, "max_completion_tokens")), 100);
    json_decref(req);
    g = s_call(c, SCHEMA);
    assert_int_equal(g->err.code, 0);
    assert_int_equal(g->attempts, 1);
    s_ctx_free(c);
}

static void test_llm_does_not_drop_a_temperature_that_is_merely_out_of_range(void **state)
{
    (void)state;
    llm_opts_t lo = {.temperature = 3.5};
    ctx_t *c = s_ctx(NULL, &lo);
    llmstand_push(c->stand, &(llmstand_reply_t){.status = 400,
                                                .message = "3.5 is greater than the maximum of 2 "
                                                           "- 'temperature'",
                                                .error_param = "temperature"});
    got_t *g = s_call(c, SCHEMA);
    assert_int_equal(g->err.code, LODE_EINVAL);
    assert_int_equal(g->attempts, 1);
    s_ctx_free(c);
}

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
    ctx_t *c = s_ctx(NULL, &lo);
    int delay = 150;
    llmstand_set_responder(c->stand, s_slow, &delay);
    for (int i = 0; i < 16; i++)
        s_start(c, SCHEMA);
    assert_int_equal(llm_pending(c->llm), 16);
    s_run(c, 16, RUN_MAX_MS);
    assert_int_equal(c->n_done, 16);
    for (int i = 0; i < 16; i++)
        assert_int_equal(c->got[i].err.code, 0);
    assert_int_equal(llmstand_peak(c->stand), 4);
    assert_true(c->got[15].seconds >= 0.55); /* four rounds of 150 ms */
    s_ctx_free(c);
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
    ctx_t *c = s_ctx(NULL, &lo);
    int delay = 200;
    llmstand_set_responder(c->stand, s_slow, &delay);
    int job_a, job_b;
    err_t err = {0};
    llm_call_t a = {.user = "Find one.", .group = &job_a};
    llm_call_t b = {.user = "Find one.", .group = &job_b};
    for (int i = 0; i < 3; i++) /* the first goes out, two wait behind it */
        assert_int_equal(llm_call(c->llm, &a, s_done, c, &err), 0);
    assert_int_equal(llm_call(c->llm, &b, s_done, c, &err), 0);
    s_dropped = 0;
    assert_int_equal(llm_cancel(c->llm, &job_a, s_drop), 2);
    assert_int_equal(s_dropped, 2);
    assert_int_equal(llm_cancel(c->llm, NULL, s_drop), 0);
    assert_int_equal(llm_pending(c->llm), 2);
    s_run(c, 2, RUN_MAX_MS);
    assert_int_equal(c->n_done, 2); /* a's call at the server, and b's */
    assert_int_equal(c->got[0].err.code, 0);
    assert_int_equal(c->got[1].err.code, 0);
    assert_int_equal(llmstand_requests(c->stand), 2);
    assert_int_equal(llm_pending(c->llm), 0);

    /* A call waiting out a back-off (a 500, then a 5 s wait) ends too. */
    llmstand_push_error(c->stand, 500, NULL, -1);
    assert_int_equal(llm_call(c->llm, &a, s_done, c, &err), 0);
    s_run(c, 3, 500); /* the 500 arrives; a back-off of 2.5-5 s starts; no result */
    assert_int_equal(llmstand_requests(c->stand), 3);
    assert_int_equal(llm_pending(c->llm), 1);
    assert_int_equal(llm_cancel(c->llm, &job_a, s_drop), 1);
    assert_int_equal(llm_pending(c->llm), 0);
    assert_int_equal(c->n_done, 2);
    s_ctx_free(c);
}

static void test_llm_keeps_64_slow_calls_in_flight(void **state)
{
    (void)state;
    ctx_t *c = s_ctx(NULL, NULL); /* max_in_flight defaults to 64 */
    int delay = 1000;
    llmstand_set_responder(c->stand, s_slow, &delay);
    int64_t t0 = zclock_mono();
    for (int i = 0; i < 80; i++)
        s_start(c, SCHEMA);
    s_run(c, 80, RUN_MAX_MS);
    assert_int_equal(c->n_done, 80);
    assert_int_equal(llmstand_peak(c->stand), 64);
    int64_t took = zclock_mono() - t0;
    assert_true(took >= 1900 && took < 6000); /* two rounds, not 80 */
    s_ctx_free(c);
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
    ctx_t *c = s_ctx(NULL, &lo);
    int counter = 0;
    llmstand_set_responder(c->stand, s_flaky, &counter);
    for (int i = 0; i < 120; i++)
        s_start(c, (i % 2) ? SCHEMA : NULL);
    s_run(c, 120, RUN_MAX_MS);
    assert_int_equal(c->n_done, 120);
    assert_int_equal(llm_pending(c->llm), 0);
    int ok = 0;
    for (int i = 0; i < 120; i++) {
        got_t *g = &c->got[i];
        assert_true(g->err.code == 0 || g->err.code == LODE_ELLM || g->err.code == LODE_ETIMEDOUT);
        assert_true(g->attempts >= 1 && g->attempts <= 4);
        ok += g->err.code == 0;
    }
    assert_true(ok > 0);
    /* No peak check here: the stand keeps answering requests the client
     * already gave up on (timeouts), so it sees more than 16 at once. */
    s_ctx_free(c);
}

/* ---- garbage */

static void test_llm_reports_garbage_bodies_cleanly(void **state)
{
    (void)state;
    llm_opts_t lo = {.max_attempts = 1, .max_body_bytes = 64 * 1024, .temperature = -1};
    ctx_t *c = s_ctx(NULL, &lo);
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
        got_t *g = s_call(c, SCHEMA);
        assert_int_equal(g->err.code, LODE_ELLM);
        assert_true(err_retryable(g->err.code));
        assert_null(g->content);
        if (!strstr(g->err.msg, expect[i]))
            fail_msg("reply %zu: \"%s\" lacks \"%s\"", i, g->err.msg, expect[i]);
    }
    free(big);
    s_ctx_free(c);
}

/* ---- teardown and argument checks */

static void test_llm_destroy_with_calls_in_flight_calls_nobody(void **state)
{
    (void)state;
    llm_opts_t lo = {.max_in_flight = 2, .retry_base_ms = 5000, .temperature = -1};
    ctx_t *c = s_ctx(NULL, &lo);
    llmstand_push_error(c->stand, 500, NULL, -1); /* the first waits out a 5 s back-off */
    int delay = 3000;
    llmstand_set_responder(c->stand, s_slow, &delay);
    for (int i = 0; i < 6; i++)
        s_start(c, SCHEMA);
    s_run(c, 1, 300); /* nothing can finish this soon */
    assert_int_equal(c->n_done, 0);
    assert_int_equal(llm_pending(c->llm), 6);
    assert_true(llmstand_requests(c->stand) >= 2);
    llm_destroy(&c->llm);
    assert_null(c->llm);
    s_run(c, 1, 100); /* no late callback from a timer or a socket */
    assert_int_equal(c->n_done, 0);
    s_ctx_free(c);
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
    ctx_t *c = s_ctx(NULL, NULL);
    llm_call_t bad[] = {
        {.system = "s"},
        {.user = "u", .schema = "{not json"},
        {.user = "u", .schema = "[1,2]"},
        {.user = "u", .schema = SCHEMA, .schema_name = "has space"},
        {.user = "bad \xff utf-8"},
        {.user = "u", .system = "\xc3"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err_t err = {0};
        assert_int_equal(llm_call(c->llm, &bad[i], s_done, c, &err), -1);
        assert_int_equal(err.code, LODE_EINVAL);
    }
    err_t err = {0};
    assert_int_equal(llm_call(c->llm, &bad[0], NULL, c, &err), -1);
    assert_int_equal(llm_pending(c->llm), 0);
    s_run(c, 1, 50);
    assert_int_equal(c->n_done, 0);
    assert_int_equal(llmstand_requests(c->stand), 0);
    s_ctx_free(c);
}

static void test_llm_reports_an_unusable_url_from_the_loop(void **state)
{
    (void)state;
    ctx_t *c = s_ctx(NULL, NULL);
    llm_opts_t o = {.base_url = "http://[::1/v1", .model = "m", .temperature = -1};
    err_t err = {0};
    llm_destroy(&c->llm);
    c->llm = llm_new(c->loop, &o, &err); /* only curl's URL parser sees the problem */
    assert_non_null(c->llm);
    s_start(c, NULL);
    assert_int_equal(c->n_done, 0); /* never from inside llm_call */
    s_run(c, 1, RUN_MAX_MS);
    assert_int_equal(c->n_done, 1);
    assert_int_equal(c->got[0].err.code, LODE_EINVAL);
    assert_int_equal(c->got[0].attempts, 1);
    assert_int_equal(llm_pending(c->llm), 0);
    s_ctx_free(c);
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
        cmocka_unit_test(test_llm_keeps_at_most_max_in_flight),
        cmocka_unit_test(test_llm_cancel_ends_a_groups_calls_that_have_not_gone_out),
        cmocka_unit_test(test_llm_keeps_64_slow_calls_in_flight),
        cmocka_unit_test(test_llm_ends_every_call_against_a_flaky_server),
        cmocka_unit_test(test_llm_reports_garbage_bodies_cleanly),
        cmocka_unit_test(test_llm_destroy_with_calls_in_flight_calls_nobody),
        cmocka_unit_test(test_llm_new_rejects_bad_options),
        cmocka_unit_test(test_llm_call_rejects_what_cannot_be_sent),
        cmocka_unit_test(test_llm_reports_an_unusable_url_from_the_loop),
        cmocka_unit_test(test_llm_format_parse_reads_the_four_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
