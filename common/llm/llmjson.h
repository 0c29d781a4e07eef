/*  llmjson.h - read an OpenAI-compatible chat-completions response, then
 *  the model's answer in it, defensively: code fences, prose around the
 *  JSON, trailing commas and truncated output are handled or reported with
 *  the start of what the model said. Pure functions (jansson inside; no
 *  jansson type crosses this header). No I/O, no logging.
 *
 *  Error codes, and so the retry decision (err_retryable):
 *    LODE_ELLM         retryable: 408, 409, 429, 5xx and other statuses, a
 *                      body that is not a chat completion, empty content,
 *                      output that is not JSON or is cut short without
 *                      finish_reason "length" (the engine first makes one
 *                      repair attempt, then lets the job be retried)
 *    LODE_EUNSUPPORTED permanent: 401, 403 (bad or missing key), 404
 *                      (unknown model or wrong base URL), finish_reason
 *                      "content_filter"
 *    LODE_EINVAL       permanent: 400, 413, 422 (the request itself is bad,
 *                      e.g. over the model's context window)
 *    LODE_ETOOBIG      permanent: finish_reason "length" - the answer did not
 *                      fit max output tokens; the same request fails again
 *                      (raise max_tokens or lower the chunk size)
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_LLMJSON_H
#define LODE_LLMJSON_H
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define LLMJSON_PREVIEW_MAX 200 /* bytes of a model's output shown in errors */
#define LLMJSON_MAX_BYTES   (16u << 20)

typedef struct {
    char *content;             /* owned; choices[0].message.content, NUL-terminated */
    size_t content_len;        /* bytes */
    char *finish_reason;       /* owned; NULL when absent */
    int64_t prompt_tokens;     /* usage.prompt_tokens; -1 when absent */
    int64_t completion_tokens; /* usage.completion_tokens; -1 when absent */
} llmjson_response_t;

/* Parse an HTTP response of POST /chat/completions: status and body. A
 * non-2xx status (or a 2xx body holding "error") fails with the server's
 * {"error":{"message","type","code"}} in the message, coded as above.
 * content given as an array of parts ({"type":"text","text":…}) is joined.
 * 0 and *out filled (the caller clears it); -1 and *err otherwise, *out
 * zeroed except the token counts, which are kept when the body had usage. */
LODE_MUST_CHECK int llmjson_parse_response(
    long status, const char *body, size_t len, llmjson_response_t *out, err_t *err);

/* Free the strings and reset the counts. Safe on a zeroed response. */
void llmjson_response_clear(llmjson_response_t *r);

/* The JSON value in a model's answer: fences (```json … ```) and prose
 * around it removed (the first balanced object or array that parses wins),
 * trailing commas before } or ] dropped. finish_reason may be NULL. Returns
 * the value re-serialised as compact JSON (the caller frees; *out_len gets
 * its length, out_len may be NULL), or NULL and *err: LODE_ETOOBIG when
 * finish_reason is "length", LODE_EUNSUPPORTED for "content_filter",
 * LODE_ELLM when no JSON value is found or it is cut short. The message
 * shows the start of the answer, escaped. */
char *llmjson_extract(
    const char *content, size_t len, const char *finish_reason, size_t *out_len, err_t *err);

/* Write s[0..len) into out (cap bytes, NUL-terminated) as a printable,
 * escaped preview of at most LLMJSON_PREVIEW_MAX bytes: \n, \t, \", \\ and
 * \xNN for control bytes, UTF-8 never cut inside a code point, "…" appended
 * when cut. Returns out. */
char *llmjson_preview(const char *s, size_t len, char *out, size_t cap);
#endif
