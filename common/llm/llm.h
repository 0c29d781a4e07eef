/*  llm.h - an OpenAI-compatible chat-completions client on the worker's
 *  loop (http.h underneath: libcurl multi), so one worker keeps many model
 *  requests in flight. Retries what is worth retrying by itself: 429 and
 *  5xx with back-off honouring Retry-After, timeouts and dropped
 *  connections; gives up with a coded error (llmjson.h explains the codes)
 *  when attempts run out or the failure is permanent (401/403/404, 400).
 *  The API key is sent as "Authorization: Bearer" and never logged, never
 *  put in an error message (a server that echoes it back has it replaced by
 *  "[redacted]"; the URL is shown without user:password@). A 429, or any
 *  answer with Retry-After, pauses every new attempt of the client for that
 *  long (at most retry_max_ms): the pacing is the client's own, http.c does
 *  not also cool the host.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_LLM_H
#define LODE_LLM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <czmq.h>

#include "err.h"
#include "llmjson.h"

typedef struct llm llm_t;

/* How the answer is asked to be JSON (response_format). AUTO starts with
 * SCHEMA and steps down (SCHEMA -> JSON -> TEXT) for the life of the client
 * when the server answers 400/422 naming response_format or json_schema:
 * llama.cpp and older servers reject json_schema, some reject json_object. */
typedef enum {
    LLM_FORMAT_AUTO = 0,
    LLM_FORMAT_SCHEMA, /* {"type":"json_schema","json_schema":{name,schema,strict}} */
    LLM_FORMAT_JSON,   /* {"type":"json_object"} */
    LLM_FORMAT_TEXT,   /* no response_format: the prompt alone asks for JSON */
} llm_format_t;

/* Plain data; strings borrowed for the call of llm_new only (copied). */
typedef struct {
    const char *base_url; /* "https://api.openai.com/v1", "http://127.0.0.1:11434/v1";
                           * POST goes to base_url + "/chat/completions"; required */
    const char *model;    /* required */
    const char *api_key;  /* NULL or "" = no Authorization header */
    int timeout_ms;       /* one request, connect to last byte; 0 = 300000 */
    int max_in_flight;    /* requests at once; 0 = 64 */
    int max_attempts;     /* tries per call for retryable failures; 0 = 3 */
    int retry_base_ms;    /* first back-off when no Retry-After; doubles; 0 = 1000 */
    int retry_max_ms;     /* back-off and Retry-After ceiling in the client (a longer
                           * wait is handed to the broker as retry_after); 0 = 30000 */
    double temperature;   /* < 0 = not sent (server default); dropped for the client's
                           * life once the server answers 400 that it is unsupported */
    int max_tokens;       /* answer tokens; 0 = not sent; sent as max_completion_tokens
                           * for the client's life once a 400 asks for that (OpenAI's
                           * reasoning models) */
    llm_format_t format;
    size_t max_body_bytes; /* a response body over this fails the attempt (retryable
                            * LODE_ELLM); 0 = LLMJSON_MAX_BYTES */
} llm_opts_t;

/* One chat completion to make. Strings borrowed until llm_call returns. */
typedef struct {
    const char *system;      /* system message or NULL */
    const char *user;        /* user message; required */
    const char *schema_name; /* for LLM_FORMAT_SCHEMA: [a-zA-Z0-9_-]+ */
    const char *schema;      /* JSON Schema text of the answer, or NULL (then no
                              * json_schema is sent: JSON mode instead) */
    const void *group;       /* calls llm_cancel ends together (a job's), or NULL */
} llm_call_t;

/* How a call ended. Valid only during the callback; the callback may take
 * ownership of resp's strings by zeroing them (llmjson_response_clear frees
 * what is left after it returns). */
typedef struct {
    err_t err;               /* 0 = a chat completion arrived (resp filled) */
    llmjson_response_t resp; /* content, finish_reason, usage of the last attempt */
    int64_t prompt_tokens;   /* usage summed over every attempt that reported it, at
                              * most 2^40 each (a server's absurd counts saturate) */
    int64_t completion_tokens;
    int64_t retry_after_ms; /* on a retryable failure: the last answer's Retry-After
                             * (a call gives up at once when it is beyond
                             * retry_max_ms), else -1 */
    int attempts;           /* HTTP requests made */
    double seconds;         /* from llm_call to now */
} llm_result_t;

/* Called once per llm_call, on the loop's thread. It may call llm_call again
 * (a repair attempt, the next chunk), but not llm_destroy. */
typedef void(llm_done_fn)(const llm_result_t *res, void *arg);

/* A client on loop. NULL and *err (LODE_EINVAL: no base URL or model, a base
 * URL that is not http(s)). The base URL is the operator's choice, so it may
 * be loopback or private (a local Ollama): no SSRF guard applies to it. */
llm_t *llm_new(zloop_t *loop, const llm_opts_t *opts, err_t *err);

/* Cancel what is in flight (no callbacks) and free; sets *self_p to NULL. */
void llm_destroy(llm_t **self_p);

/* Start a call; done runs later, exactly once (unless destroyed first).
 * -1 and *err only when the request cannot be built. */
LODE_MUST_CHECK int
llm_call(llm_t *self, const llm_call_t *call, llm_done_fn *done, void *arg, err_t *err);

/* Calls started and not finished (waiting for a back-off included). */
size_t llm_pending(const llm_t *self);

/* End the calls of group (llm_call_t.group, not NULL) that are not at the
 * server now: queued behind max_in_flight, or waiting out a back-off. Their
 * callbacks never run; drop(arg) runs instead, for each, so the caller can
 * free what it gave. A call at the server runs to its end (its answer was
 * paid for anyway). Returns how many were ended. Safe from a done callback;
 * drop must not call into the client. */
size_t llm_cancel(llm_t *self, const void *group, void (*drop)(void *arg));

/* The format in use now (AUTO resolved once a server answered). */
llm_format_t llm_format(const llm_t *self);

/* Parse "auto", "schema", "json", "text"; -1 if none. */
int llm_format_parse(const char *s);
#endif
