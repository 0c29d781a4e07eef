/*  llmfix.c - fixtures of the chat-completions client tests (test_llm*.c):
 *  a zloop, the llmstand stand-in and a client, calls started and their
 *  results gathered with a bounded run of the loop. Test code: it asserts
 *  with cmocka.
 *  SPDX-License-Identifier: MIT
 */
#include "llmfix.h"

#include <czmq.h>
#include <jansson.h>

#include "err.h"
#include "llm.h"
#include "llmstand.h"
#include "test.h"

void llmfix_done(const llm_result_t *res, void *arg)
{
    llmfix_ctx_t *c = arg;
    assert_true(c->n_done < LLMFIX_MAX_GOT);
    llmfix_got_t *g = &c->got[c->n_done++];
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
    llmfix_ctx_t *c = arg;
    return c->n_done >= c->n_want || zclock_mono() > c->deadline ? -1 : 0;
}

/* Run the loop until n results arrived in total, or ms passed. */
void llmfix_run(llmfix_ctx_t *c, int n, int64_t ms)
{
    c->n_want = n;
    c->deadline = zclock_mono() + ms;
    int id = zloop_timer(c->loop, 5, 0, s_on_tick, c);
    zloop_start(c->loop);
    zloop_timer_end(c->loop, id);
}

/* A loop, a stand-in started with so (NULL = defaults) and a client with lo
 * (NULL = defaults; base URL and model filled in when missing). */
llmfix_ctx_t *llmfix_ctx(const llmstand_opts_t *so, const llm_opts_t *lo)
{
    llmfix_ctx_t *c = calloc(1, sizeof *c);
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

void llmfix_ctx_free(llmfix_ctx_t *c)
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

void llmfix_start(llmfix_ctx_t *c, const char *schema)
{
    llm_call_t call = {.system = "You find quotes.", .user = "Find one.", .schema = schema};
    err_t err = {0};
    assert_int_equal(llm_call(c->llm, &call, llmfix_done, c, &err), 0);
}

/* One call; its result. */
llmfix_got_t *llmfix_call(llmfix_ctx_t *c, const char *schema)
{
    int before = c->n_done;
    llmfix_start(c, schema);
    llmfix_run(c, before + 1, LLMFIX_RUN_MAX_MS);
    assert_int_equal(c->n_done, before + 1);
    return &c->got[before];
}

/* The last request's body, parsed. */
json_t *llmfix_last_request(llmfix_ctx_t *c)
{
    char *body = llmstand_last_body(c->stand, 0);
    assert_non_null(body);
    json_t *root = json_loads(body, 0, NULL);
    free(body);
    assert_non_null(root);
    return root;
}

const char *llmfix_rf_type(json_t *req)
{
    return json_string_value(json_object_get(json_object_get(req, "response_format"), "type"));
}
