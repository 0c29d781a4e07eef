/*  llmfix.h - fixtures shared by the chat-completions client tests
 *  (test_llm.c, test_llm_format.c, test_llm_flight.c): a zloop, the
 *  llmstand stand-in and a client, and the results of their calls. Test
 *  code only: the functions assert with cmocka.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_LLMFIX_H
#define LODE_LLMFIX_H
#include <stdint.h>

#include <czmq.h>
#include <jansson.h>

#include "err.h"
#include "llm.h"
#include "llmstand.h"

#define LLMFIX_KEY       "sk-test-Zq8uV3bK1mW9xY2pL5rT7nA4"
#define LLMFIX_WRONG_KEY "sk-wrong-Hd6jF0gS8aQ3wE1rT9yU2iO7"
#define LLMFIX_SCHEMA                                                                              \
    "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"}},"                          \
    "\"required\":[\"a\"],\"additionalProperties\":false}"
#define LLMFIX_MAX_GOT    128
#define LLMFIX_RUN_MAX_MS 20000

/* One call's result, copied out of the callback. */
typedef struct {
    err_t err;
    char *content;       /* owned */
    char *finish_reason; /* owned */
    int64_t prompt_tokens, completion_tokens, retry_after_ms;
    int attempts;
    double seconds;
} llmfix_got_t;

typedef struct llmfix_ctx llmfix_ctx_t;

struct llmfix_ctx {
    zloop_t *loop;
    llmstand_t *stand;
    llm_t *llm;
    llmfix_got_t got[LLMFIX_MAX_GOT];
    int n_done, n_want;
    int64_t deadline;
    int chain; /* calls the callback still starts (a callback calling llm_call) */
};

/* The llm_call callback: keeps the result in the next got[] (arg: ctx). */
void llmfix_done(const llm_result_t *res, void *arg);

/* Run the loop until n results arrived in total, or ms passed. */
void llmfix_run(llmfix_ctx_t *c, int n, int64_t ms);

/* A loop, a stand-in started with so (NULL = defaults) and a client with lo
 * (NULL = defaults; base URL and model filled in when missing). */
llmfix_ctx_t *llmfix_ctx(const llmstand_opts_t *so, const llm_opts_t *lo);
void llmfix_ctx_free(llmfix_ctx_t *c);

/* Start one call (a fixed system and user prompt, schema or NULL). */
void llmfix_start(llmfix_ctx_t *c, const char *schema);

/* One call run to its end; its result. */
llmfix_got_t *llmfix_call(llmfix_ctx_t *c, const char *schema);

/* The last request's body, parsed (caller decrefs). */
json_t *llmfix_last_request(llmfix_ctx_t *c);

/* The request's response_format.type, or NULL. */
const char *llmfix_rf_type(json_t *req);
#endif
