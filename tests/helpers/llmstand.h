/*  llmstand.h - a stand-in OpenAI-compatible chat-completions server for
 *  tests and benchmarks: libmicrohttpd, a thread per connection, on a free
 *  127.0.0.1 port, in the caller's process. Answers POST .../chat/completions
 *  from a FIFO of scripted replies, else from a responder callback, else
 *  with a canned completion; records what it was sent. Not a model: it never
 *  reads the prompt unless a responder does. Test code only.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_LLMSTAND_H
#define LODE_LLMSTAND_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct llmstand llmstand_t;

#define LLMSTAND_KEEP     16                  /* requests remembered (bodies, auth headers) */
#define LLMSTAND_BODY_MAX (32u * 1024 * 1024) /* request bodies over this get 413 */

/* Plain data; strings borrowed for llmstand_start only (copied). */
typedef struct {
    const char *api_key; /* if set, "Authorization: Bearer <key>" is required (else 401
                          * invalid_api_key, the key masked as OpenAI does) */
    const char *models;  /* comma-separated known models; a request naming another gets
                          * 404 model_not_found. NULL = any model */
    int port;            /* 0 = a free port */
} llmstand_opts_t;

/* One answer. Plain data. When pushed (llmstand_push) the strings are
 * copied; when returned by a responder they are freed with free() after
 * sending if owned is true, else they must outlive the stand. */
typedef struct {
    int status;                /* 0 = 200 */
    const char *body;          /* sent as is (may hold any bytes); NULL = built: a
                                * completion from content for 2xx, else an error body */
    size_t body_len;           /* 0 = strlen(body) */
    const char *content;       /* message.content of a built completion (UTF-8; else the
                                * stand answers 500); NULL = {"ok":true} */
    const char *finish_reason; /* of a built completion; NULL = "stop" */
    int64_t prompt_tokens;     /* usage of a built completion; 0 = request bytes / 4 + 1 */
    int64_t completion_tokens; /* 0 = content bytes / 4 + 1 */
    bool no_usage;             /* leave "usage" out */
    const char *error_type;    /* a built error body's type; NULL = by status */
    const char *error_code;    /* its code; NULL = by status (invalid_api_key, ...) */
    const char *error_param;   /* its param; NULL = null */
    const char *message;       /* its message; NULL = by status */
    const char *headers;       /* extra "Name: value" lines separated by "\n", or NULL */
    const char *content_type;  /* NULL = "application/json" */
    int delay_ms;              /* wait before answering (cut short by llmstand_stop) */
    bool drop;                 /* close the connection without an answer */
    bool owned;                /* responder only: free() body, content, headers after use */
} llmstand_reply_t;

/* The default responder: called on a server thread (not under the stand's
 * lock) for each request that finds the FIFO empty. request_json is the raw
 * request body (NUL-terminated; borrowed for the call). */
typedef llmstand_reply_t(llmstand_fn)(const char *request_json, void *arg);

/* Start serving. NULL if the daemon cannot start (port in use). */
llmstand_t *llmstand_start(const llmstand_opts_t *opts);

/* Stop (wakes delayed answers, joins every thread) and free; sets *self_p
 * to NULL. Safe on NULL. */
void llmstand_stop(llmstand_t **self_p);

/* "http://127.0.0.1:PORT/v1": the base URL to configure a client with.
 * Borrowed for the life of the stand. */
const char *llmstand_url(const llmstand_t *self);
int llmstand_port(const llmstand_t *self);

/* Queue a scripted reply (copied); each request takes the oldest one. Any
 * thread. */
void llmstand_push(llmstand_t *self, const llmstand_reply_t *reply);

/* Shorthands: a 200 completion with this content and finish_reason "stop";
 * an error with OpenAI's body for that status (401 invalid_api_key, 404
 * model_not_found, 429 rate_limit_exceeded, 500 server_error, ...) and,
 * when retry_after_s >= 0, a Retry-After header. message NULL = the usual
 * text. */
void llmstand_push_content(llmstand_t *self, const char *content);
void llmstand_push_error(llmstand_t *self, int status, const char *message, int retry_after_s);

/* Scripted replies not yet used. */
size_t llmstand_queued(llmstand_t *self);

/* Set (or with NULL clear) the default responder. */
void llmstand_set_responder(llmstand_t *self, llmstand_fn *fn, void *arg);

/* Requests received (every method and path), requests being answered now,
 * and the most answered at once since start or llmstand_reset. */
size_t llmstand_requests(llmstand_t *self);
int llmstand_active(llmstand_t *self);
int llmstand_peak(llmstand_t *self);

/* Copies of what the back-th most recent request sent (0 = the last one,
 * up to LLMSTAND_KEEP - 1): the body, the Authorization header, the path.
 * The caller frees; NULL when there is no such request or header. */
char *llmstand_last_body(llmstand_t *self, size_t back);
char *llmstand_last_auth(llmstand_t *self, size_t back);
char *llmstand_last_path(llmstand_t *self, size_t back);

/* Forget counts, records, scripted replies and the responder. */
void llmstand_reset(llmstand_t *self);

/* A chat.completion body (id "chatcmpl-N", object, created, model,
 * choices[0].message {role assistant, content}, finish_reason, usage with
 * total_tokens). finish_reason NULL = "stop"; usage omitted when both counts
 * are negative. The caller frees. */
char *llmstand_completion_body(const char *model,
                               const char *content,
                               const char *finish_reason,
                               int64_t prompt_tokens,
                               int64_t completion_tokens);

/* {"error":{"message","type","param","code"}}: NULL message, type or code
 * = the usual one for status (code may still be null, as OpenAI sends it),
 * NULL param = null. The caller frees. */
char *llmstand_error_body(
    int status, const char *message, const char *type, const char *param, const char *code);

/* A standalone server for benchmarks and manual runs (link tests/helpers;
 * the Makefile's bench rule does). Options: --port N (0 = free), --key K,
 * --models LIST, --delay-ms N (every answer), --content TEXT (every answer;
 * default a small JSON object). Prints the base URL on stdout, serves until
 * SIGINT or SIGTERM. Returns the exit status. */
int llmstand_main(int argc, char **argv);
#endif
