/*  llm.c - the chat-completions client (see llm.h). A call waits in a FIFO
 *  until fewer than max_in_flight attempts are at the server (and no 429
 *  hold is on), then goes out through http.h; its answer is read by
 *  llmjson_parse_response and the call ends, is resent at once (a format
 *  or a parameter the server refused, remembered for later calls), or
 *  waits out a back-off on a one-shot zloop timer and queues again (at the
 *  head: it has waited once already).
 *
 *  Pacing is ours, not http.c's: the http_t runs with no_auto_cool, so a
 *  429 does not also cool the host inside http.c, where a queued request
 *  has no deadline and the default cool-down (30 s) knows nothing of
 *  retry_max_ms. Instead a 429, or any answer with Retry-After, holds every
 *  new attempt of this client until the wait the server asked for (capped
 *  at retry_max_ms), and the failed call waits the same time: no double
 *  wait, one server-wide pause. A Retry-After beyond retry_max_ms ends the
 *  call at once with retry_after_ms set, for the broker to wait instead.
 *
 *  zloop (czmq 4.2.1): a timer never ends itself from its own handler, so
 *  handlers forget their id first (as http.c does).
 *  SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE /* strcasestr */
#include "llm.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "http.h"
#include "mem.h"
#include "utf8.h"

#define LLM_TIMEOUT_DEFAULT_MS  300000
#define LLM_IN_FLIGHT_DEFAULT   64
#define LLM_ATTEMPTS_DEFAULT    3
#define LLM_RETRY_BASE_DEFAULT  1000
#define LLM_RETRY_MAX_DEFAULT   30000
#define LLM_CONNECT_TIMEOUT_MS  10000
#define LLM_SCHEMA_NAME_MAX     64 /* OpenAI's limit on json_schema.name */
#define LLM_SCHEMA_NAME_DEFAULT "answer"
#define LLM_REDACTED            "[redacted]"
#define LLM_KEY_PART_MIN        4 /* a cut-off key prefix this long is redacted too */
#define LLM_TOKENS_MAX          ((int64_t)1 << 40) /* usage of one call, at most (llm.h) */

typedef struct s_call s_call_t;

/* One llm_call, from start to callback. */
struct s_call {
    llm_t *llm;                /* the owner */
    s_call_t *prev, *next;     /* every live call (llm->calls) */
    s_call_t *qnext;           /* the ready queue */
    char *system, *user;       /* owned copies; system may be NULL */
    char *schema_name;         /* owned */
    json_t *schema;            /* owned; NULL = no schema (JSON mode at best) */
    llm_done_fn *done;         /* the caller's callback and its argument */
    void *arg;                 /* borrowed */
    const void *group;         /* llm_cancel's key, or NULL */
    int attempts;              /* HTTP requests made */
    int step_downs;            /* of those, resent only because the server refused the
                                * format or a parameter (they do not count as retries) */
    llm_format_t sent;         /* the format of the attempt at the server */
    bool sent_temperature;     /* it carried "temperature" */
    bool sent_max_tokens;      /* it carried "max_tokens" (not max_completion_tokens) */
    int timer;                 /* back-off or deferred-failure timer id, or -1 */
    bool at_server;            /* an attempt is in the http_t */
    err_t failed;              /* a failure to deliver from the timer */
    int64_t started_us;        /* zclock_usecs at llm_call */
    int64_t prompt_tokens;     /* summed over attempts that reported usage */
    int64_t completion_tokens; /* likewise */
};

struct llm {
    zloop_t *loop;           /* borrowed */
    http_t *http;            /* owned */
    llm_opts_t o;            /* defaults filled in; strings below */
    char *url;               /* owned: base URL + "/chat/completions" */
    char *url_shown;         /* owned: url without user:password@, for messages */
    char *model;             /* owned */
    char *api_key;           /* owned or NULL; only ever in auth and compared in s_scrub */
    char *auth;              /* owned "Authorization: Bearer …" or NULL */
    llm_format_t format;     /* in use now: SCHEMA, JSON or TEXT */
    bool resolved;           /* a server has answered (llm_format stops saying AUTO) */
    bool no_temperature;     /* the server refused temperature: not sent any more */
    bool completion_tokens;  /* the server wants max_completion_tokens for max_tokens */
    s_call_t *calls;         /* every live call; owned */
    s_call_t *qhead, *qtail; /* calls ready to send, FIFO; borrowed from calls */
    size_t n_calls;          /* live calls */
    size_t n_at_server;      /* attempts in the http_t */
    int64_t hold_until;      /* zclock_mono; no attempt starts before (429, Retry-After) */
    int pump_timer;          /* zloop timer id or -1 */
    int in_callback;         /* done callbacks running now (llm_destroy is refused) */
    uint64_t rng;            /* xorshift state for back-off jitter */
};

static void s_pump(llm_t *self);

/* ---- options */

static void s_opts_defaults(llm_opts_t *o)
{
    if (o->timeout_ms <= 0)
        o->timeout_ms = LLM_TIMEOUT_DEFAULT_MS;
    if (o->max_in_flight <= 0)
        o->max_in_flight = LLM_IN_FLIGHT_DEFAULT;
    if (o->max_attempts <= 0)
        o->max_attempts = LLM_ATTEMPTS_DEFAULT;
    if (o->retry_base_ms <= 0)
        o->retry_base_ms = LLM_RETRY_BASE_DEFAULT;
    if (o->retry_max_ms <= 0)
        o->retry_max_ms = LLM_RETRY_MAX_DEFAULT;
    if (o->max_body_bytes == 0)
        o->max_body_bytes = LLMJSON_MAX_BYTES;
    if (o->format < LLM_FORMAT_AUTO || o->format > LLM_FORMAT_TEXT)
        o->format = LLM_FORMAT_AUTO;
}

/* 0 if base is http(s)://something; the URL to POST to and the one shown. */
static int s_urls(llm_t *self, const char *base, err_t *err)
{
    size_t skip = strncasecmp(base, "http://", 7) == 0    ? 7
                  : strncasecmp(base, "https://", 8) == 0 ? 8
                                                          : 0;
    size_t n = strlen(base);
    while (n > skip && base[n - 1] == '/')
        n--;
    if (skip == 0 || n == skip || strcspn(base, " \t\r\n") < n) {
        err_set(err, LODE_EINVAL, "llm: base URL \"%.100s\" is not an http(s) URL", base);
        return -1;
    }
    self->url = mem_printf("%.*s/chat/completions", (int)n, base);
    /* user:password@ in the authority stays out of every message */
    const char *auth_end = self->url + skip + strcspn(self->url + skip, "/?#");
    const char *at = memchr(self->url + skip, '@', (size_t)(auth_end - self->url - skip));
    if (at)
        self->url_shown = mem_printf("%.*s%s", (int)skip, self->url, at + 1);
    else
        self->url_shown = mem_strdup(self->url);
    return 0;
}

static bool s_has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return true;
    return false;
}

static http_t *s_http_new(zloop_t *loop, const llm_opts_t *o, err_t *err)
{
    http_opts_t ho = {
        .connect_timeout_ms =
            o->timeout_ms < LLM_CONNECT_TIMEOUT_MS ? o->timeout_ms : LLM_CONNECT_TIMEOUT_MS,
        .total_timeout_ms = o->timeout_ms,
        /* A model sends nothing until it is done: only the total timeout applies. */
        .low_speed_s = o->timeout_ms / 1000 + 1,
        .max_body_bytes = o->max_body_bytes,
        .max_in_flight = o->max_in_flight, /* we queue; the http_t never has to */
        .per_host_max = o->max_in_flight,
        .allow_net = "0.0.0.0/0,::/0", /* the operator chose this server (llm.h) */
        .no_auto_cool = true,          /* pacing is ours (see the file comment) */
    };
    return http_new(loop, &ho, err);
}

llm_t *llm_new(zloop_t *loop, const llm_opts_t *opts, err_t *err)
{
    if (!loop || !opts || !opts->base_url || !*opts->base_url || !opts->model || !*opts->model) {
        err_set(err, LODE_EINVAL, "llm: a loop, a base URL and a model are required");
        return NULL;
    }
    if (opts->api_key && s_has_control(opts->api_key)) {
        err_set(err, LODE_EINVAL, "llm: the API key holds control characters");
        return NULL;
    }
    llm_t *self = mem_calloc(1, sizeof *self);
    self->loop = loop;
    self->o = *opts;
    s_opts_defaults(&self->o);
    self->pump_timer = -1;
    if (s_urls(self, opts->base_url, err) != 0 || !(self->http = s_http_new(loop, &self->o, err))) {
        llm_destroy(&self);
        return NULL;
    }
    self->model = mem_strdup(opts->model);
    if (opts->api_key && *opts->api_key) {
        self->api_key = mem_strdup(opts->api_key);
        self->auth = mem_printf("Authorization: Bearer %s", opts->api_key);
    }
    self->o.base_url = self->o.model = self->o.api_key = NULL; /* not kept: borrowed */
    self->format = self->o.format == LLM_FORMAT_AUTO ? LLM_FORMAT_SCHEMA : self->o.format;
    self->rng = (uint64_t)zclock_usecs() ^ (uint64_t)(uintptr_t)self;
    if (!self->rng)
        self->rng = 1;
    return self;
}

/* ---- calls */

static void s_call_free(s_call_t *c)
{
    free(c->system);
    free(c->user);
    free(c->schema_name);
    json_decref(c->schema);
    free(c);
}

static void s_timer_end(llm_t *self, int *timer)
{
    if (*timer != -1)
        zloop_timer_end(self->loop, *timer);
    *timer = -1;
}

void llm_destroy(llm_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    llm_t *self = *self_p;
    assert(self->in_callback == 0); /* llm.h: not from a done callback */
    http_destroy(&self->http);      /* cancels attempts without callbacks */
    while (self->calls) {
        s_call_t *c = self->calls;
        self->calls = c->next;
        s_timer_end(self, &c->timer);
        s_call_free(c);
    }
    s_timer_end(self, &self->pump_timer);
    free(self->url);
    free(self->url_shown);
    free(self->model);
    free(self->api_key);
    free(self->auth);
    free(self);
    *self_p = NULL;
}

static bool s_name_ok(const char *s)
{
    size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");
    return n > 0 && n <= LLM_SCHEMA_NAME_MAX && !s[n];
}

/* Check what llm_call was given and copy it into c. */
static int s_call_fill(s_call_t *c, const llm_call_t *call, err_t *err)
{
    if (!call || !call->user) {
        err_set(err, LODE_EINVAL, "llm: a call needs a user message");
        return -1;
    }
    if (!utf8_valid(call->user, strlen(call->user)) ||
        (call->system && !utf8_valid(call->system, strlen(call->system)))) {
        err_set(err, LODE_EINVAL, "llm: a message is not valid UTF-8");
        return -1;
    }
    const char *name = call->schema_name ? call->schema_name : LLM_SCHEMA_NAME_DEFAULT;
    if (!s_name_ok(name)) {
        err_set(err, LODE_EINVAL, "llm: schema name \"%.80s\" is not [a-zA-Z0-9_-]{1,64}", name);
        return -1;
    }
    if (call->schema) {
        json_error_t je;
        c->schema = json_loads(call->schema, 0, &je);
        if (!json_is_object(c->schema)) {
            err_set(err, LODE_EINVAL, "llm: the schema is not a JSON object: %s",
                    c->schema ? "another value" : je.text);
            return -1;
        }
    }
    c->user = mem_strdup(call->user);
    c->system = call->system ? mem_strdup(call->system) : NULL;
    c->schema_name = mem_strdup(name);
    c->group = call->group;
    return 0;
}

static void s_enqueue(llm_t *self, s_call_t *c, bool at_head)
{
    c->qnext = NULL;
    if (!self->qhead) {
        self->qhead = self->qtail = c;
    } else if (at_head) {
        c->qnext = self->qhead;
        self->qhead = c;
    } else {
        self->qtail->qnext = c;
        self->qtail = c;
    }
}

int llm_call(llm_t *self, const llm_call_t *call, llm_done_fn *done, void *arg, err_t *err)
{
    assert(self);
    if (!done) {
        err_set(err, LODE_EINVAL, "llm: a call needs a callback");
        return -1;
    }
    s_call_t *c = mem_calloc(1, sizeof *c);
    if (s_call_fill(c, call, err) != 0) {
        s_call_free(c);
        return -1;
    }
    c->llm = self;
    c->done = done;
    c->arg = arg;
    c->timer = -1;
    c->started_us = zclock_usecs();
    c->next = self->calls;
    if (self->calls)
        self->calls->prev = c;
    self->calls = c;
    self->n_calls++;
    s_enqueue(self, c, false);
    s_pump(self);
    return 0;
}

size_t llm_pending(const llm_t *self)
{
    return self->n_calls;
}

/* Take c off the list of live calls. */
static void s_unlink(llm_t *self, s_call_t *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        self->calls = c->next;
    if (c->next)
        c->next->prev = c->prev;
    self->n_calls--;
}

/* Take c off the ready queue, if it is there. */
static void s_dequeue(llm_t *self, s_call_t *c)
{
    s_call_t *prev = NULL;
    for (s_call_t *q = self->qhead; q; prev = q, q = q->qnext) {
        if (q != c)
            continue;
        if (prev)
            prev->qnext = q->qnext;
        else
            self->qhead = q->qnext;
        if (self->qtail == q)
            self->qtail = prev;
        q->qnext = NULL;
        return;
    }
}

size_t llm_cancel(llm_t *self, const void *group, void (*drop)(void *arg))
{
    size_t n = 0;
    s_call_t *next;
    for (s_call_t *c = group ? self->calls : NULL; c; c = next) {
        next = c->next;
        if (c->group != group || c->at_server)
            continue;
        s_timer_end(self, &c->timer); /* a back-off, or a failure about to be told */
        s_dequeue(self, c);
        s_unlink(self, c);
        if (drop)
            drop(c->arg);
        s_call_free(c);
        n++;
    }
    return n;
}

llm_format_t llm_format(const llm_t *self)
{
    if (self->o.format == LLM_FORMAT_AUTO && !self->resolved)
        return LLM_FORMAT_AUTO;
    return self->format;
}

int llm_format_parse(const char *s)
{
    static const char *const names[] = {"auto", "schema", "json", "text"};
    for (int i = 0; s && i < 4; i++)
        if (strcasecmp(s, names[i]) == 0)
            return i;
    return -1;
}

/* ---- the request */

/* The format this call is sent with now: no schema, no json_schema. */
static llm_format_t s_call_format(const llm_t *self, const s_call_t *c)
{
    if (self->format == LLM_FORMAT_SCHEMA && !c->schema)
        return LLM_FORMAT_JSON;
    return self->format;
}

static json_t *s_message(const char *role, const char *content)
{
    return json_pack("{s:s, s:s}", "role", role, "content", content);
}

static json_t *s_response_format(const s_call_t *c, llm_format_t f)
{
    if (f == LLM_FORMAT_JSON)
        return json_pack("{s:s}", "type", "json_object");
    if (f != LLM_FORMAT_SCHEMA)
        return NULL;
    return json_pack("{s:s, s:{s:s, s:O, s:b}}", "type", "json_schema", "json_schema", "name",
                     c->schema_name, "schema", c->schema, "strict", 1);
}

static bool s_sends_temperature(const llm_t *self)
{
    return self->o.temperature >= 0 && !self->no_temperature;
}

/* The request body: a new string, the caller frees. */
static char *s_body(const llm_t *self, const s_call_t *c, llm_format_t f)
{
    json_t *msgs = json_array();
    if (c->system)
        json_array_append_new(msgs, s_message("system", c->system));
    json_array_append_new(msgs, s_message("user", c->user));
    json_t *root = json_pack("{s:s, s:o}", "model", self->model, "messages", msgs);
    if (s_sends_temperature(self))
        json_object_set_new(root, "temperature", json_real(self->o.temperature));
    if (self->o.max_tokens > 0)
        json_object_set_new(root, self->completion_tokens ? "max_completion_tokens" : "max_tokens",
                            json_integer(self->o.max_tokens));
    json_t *rf = s_response_format(c, f);
    if (rf)
        json_object_set_new(root, "response_format", rf);
    json_object_set_new(root, "stream", json_false());
    /* 15 digits: 0.2 goes out as 0.2, not 0.20000000000000001 */
    char *text = json_dumps(root, JSON_COMPACT | JSON_REAL_PRECISION(15));
    json_decref(root);
    return text;
}

static int s_on_failed_later(zloop_t *loop, int timer_id, void *arg);
static void s_on_http(const http_resp_t *resp, void *arg);

static void s_send(llm_t *self, s_call_t *c)
{
    c->sent = s_call_format(self, c);
    c->sent_temperature = s_sends_temperature(self);
    c->sent_max_tokens = self->o.max_tokens > 0 && !self->completion_tokens;
    c->attempts++;
    char *body = s_body(self, c, c->sent);
    const char *headers[] = {"Content-Type: application/json", "Accept: application/json",
                             "Expect:", /* no 100-continue round trip for long prompts */
                             self->auth, NULL};
    http_req_t req = {.method = "POST",
                      .url = self->url,
                      .body = body,
                      .body_len = body ? strlen(body) : 0,
                      .headers = headers,
                      .allow_binary = true}; /* whatever comes back, llmjson judges it */
    err_t err = {0};
    bool built = body != NULL;
    int rc = built ? http_request(self->http, &req, s_on_http, c, &err) : -1;
    free(body);
    if (rc == 0) {
        c->at_server = true;
        self->n_at_server++;
        return;
    }
    /* Deliver from the loop: llm_call promises its callback runs later. The
     * message is ours: http.c's would show the URL with any user:password. */
    err_clear(&c->failed);
    err_set(&c->failed, err.code ? err.code : LODE_EINVAL, "llm: cannot POST to %s (%s)",
            self->url_shown, built ? "a URL curl rejects" : "the body cannot be built");
    c->timer = zloop_timer(self->loop, 0, 1, s_on_failed_later, c);
}

static int s_on_pump_timer(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    llm_t *self = arg;
    self->pump_timer = -1; /* never end the timer we are in */
    s_pump(self);
    return 0;
}

/* Send what max_in_flight and the hold allow. */
static void s_pump(llm_t *self)
{
    int64_t now = zclock_mono();
    if (self->qhead && self->hold_until > now) {
        if (self->pump_timer == -1)
            self->pump_timer =
                zloop_timer(self->loop, (size_t)(self->hold_until - now), 1, s_on_pump_timer, self);
        return;
    }
    while (self->qhead && self->n_at_server < (size_t)self->o.max_in_flight) {
        s_call_t *c = self->qhead;
        self->qhead = c->qnext;
        if (!self->qhead)
            self->qtail = NULL;
        c->qnext = NULL;
        s_send(self, c);
    }
}

/* ---- the answer */

/* Cut every copy of the key out of msg, and a prefix of it left at the end
 * where the message was truncated. */
static void s_scrub(const char *key, char *msg, size_t cap)
{
    size_t kn = key ? strlen(key) : 0;
    if (kn == 0)
        return;
    for (char *p = strstr(msg, key); p; p = strstr(p, key)) {
        size_t rn = strlen(LLM_REDACTED), tail = strlen(p + kn);
        size_t room = cap - 1 - (size_t)(p - msg);
        if (rn > room)
            rn = room;
        if (tail > room - rn)
            tail = room - rn;
        memmove(p + rn, p + kn, tail);
        memcpy(p, LLM_REDACTED, rn);
        p[rn + tail] = '\0';
        p += rn;
    }
    size_t n = strlen(msg);
    for (size_t k = kn - 1 < n ? kn - 1 : n; k >= LLM_KEY_PART_MIN; k--)
        if (memcmp(msg + n - k, key, k) == 0) {
            msg[n - k] = '\0';
            break;
        }
}

/* "model server: HTTP 401 …" from llmjson becomes "<url>: HTTP 401 …". */
static void s_name_server(const llm_t *self, err_t *e)
{
    static const char head[] = "model server: ";
    if (strncmp(e->msg, head, sizeof head - 1) == 0)
        memmove(e->msg, e->msg + sizeof head - 1, strlen(e->msg + sizeof head - 1) + 1);
    err_prefix(e, "%s", self->url_shown);
}

/* True when the body of a 400/422 names any of words (NULL-terminated). */
static bool s_body_names(const http_resp_t *r, const char *const *words)
{
    if (r->status != 400 && r->status != 422)
        return false;
    char *body = mem_strndup(r->body, r->body_len);
    bool hit = false;
    for (; *words && !hit; words++)
        hit = strcasestr(body, *words) != NULL;
    free(body);
    return hit;
}

/* Exponential back-off with jitter in [d/2, d], d = base * 2^(retries-1),
 * capped at retry_max_ms. */
static int64_t s_backoff_ms(llm_t *self, int retries)
{
    int64_t d = self->o.retry_base_ms;
    for (int i = 1; i < retries && d < self->o.retry_max_ms; i++)
        d *= 2;
    if (d > self->o.retry_max_ms)
        d = self->o.retry_max_ms;
    self->rng ^= self->rng << 13;
    self->rng ^= self->rng >> 7;
    self->rng ^= self->rng << 17;
    return d / 2 + (int64_t)(self->rng % (uint64_t)(d / 2 + 1));
}

/* End call c: out (moved from, may be NULL) and err go to its callback. */
static void
s_finish(llm_t *self, s_call_t *c, llmjson_response_t *out, const err_t *err, int64_t ra)
{
    llm_result_t res = {.retry_after_ms = -1, .attempts = c->attempts};
    res.resp.prompt_tokens = res.resp.completion_tokens = -1;
    if (out) {
        res.resp = *out;
        memset(out, 0, sizeof *out);
    }
    if (err && err->code) {
        res.err = *err;
        s_scrub(self->api_key, res.err.msg, sizeof res.err.msg);
        if (err_retryable(err->code))
            res.retry_after_ms = ra;
    }
    res.prompt_tokens = c->prompt_tokens;
    res.completion_tokens = c->completion_tokens;
    res.seconds = (double)(zclock_usecs() - c->started_us) / 1e6;
    s_unlink(self, c);
    self->in_callback++;
    c->done(&res, c->arg);
    self->in_callback--;
    llmjson_response_clear(&res.resp);
    s_call_free(c);
}

static int s_on_failed_later(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    s_call_t *c = arg;
    c->timer = -1;
    s_finish(c->llm, c, NULL, &c->failed, -1);
    return 0;
}

static int s_on_backoff(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    s_call_t *c = arg;
    c->timer = -1;
    s_enqueue(c->llm, c, true);
    s_pump(c->llm);
    return 0;
}

/* Wait and try c again, or end it when that is not worth it. */
static void s_retry_or_finish(llm_t *self, s_call_t *c, const err_t *e, int status, int64_t ra)
{
    int retries = c->attempts - c->step_downs;
    bool retryable = err_retryable(e->code);
    int64_t wait = ra >= 0 ? ra : s_backoff_ms(self, retries);
    if (retryable && (status == 429 || ra >= 0)) {
        /* The whole server asked for a pause: no attempt of this client starts
         * before it ends (at most retry_max_ms, even when this call gives up). */
        int64_t until = zclock_mono() + (wait < self->o.retry_max_ms ? wait : self->o.retry_max_ms);
        if (until > self->hold_until)
            self->hold_until = until;
    }
    if (!retryable || retries >= self->o.max_attempts || ra > self->o.retry_max_ms) {
        err_t last = *e;
        if (retryable)
            err_prefix(&last, "gave up after %d attempt%s", c->attempts,
                       c->attempts == 1 ? "" : "s");
        s_finish(self, c, NULL, &last, ra);
        return;
    }
    c->timer = zloop_timer(self->loop, (size_t)wait, 1, s_on_backoff, c);
}

/* A 400/422 about response_format under AUTO: the next format down, for
 * this call and every later one. */
static bool s_step_down(llm_t *self, s_call_t *c, const http_resp_t *r, const err_t *e)
{
    static const char *const words[] = {"response_format", "json_schema", "json_object",
                                        "response format", NULL};
    if (self->o.format != LLM_FORMAT_AUTO || c->sent == LLM_FORMAT_TEXT || e->code != LODE_EINVAL ||
        !s_body_names(r, words))
        return false;
    llm_format_t next = c->sent == LLM_FORMAT_SCHEMA ? LLM_FORMAT_JSON : LLM_FORMAT_TEXT;
    if (next > self->format)
        self->format = next;
    self->resolved = true;
    c->step_downs++;
    s_enqueue(self, c, true);
    return true;
}

/* A 400 refusing max_tokens (OpenAI's reasoning models: "Use
 * 'max_completion_tokens' instead") or a temperature other than the default:
 * resend without it, and so for every later call. */
static bool s_adapt(llm_t *self, s_call_t *c, const http_resp_t *r, const err_t *e)
{
    static const char *const mct[] = {"max_completion_tokens", NULL};
    static const char *const unsupported[] = {"unsupported", "not support", NULL};
    static const char *const temp[] = {"temperature", NULL};
    if (e->code != LODE_EINVAL)
        return false;
    if (c->sent_max_tokens && s_body_names(r, mct))
        self->completion_tokens = true;
    else if (c->sent_temperature && s_body_names(r, temp) && s_body_names(r, unsupported))
        self->no_temperature = true;
    else
        return false;
    c->step_downs++;
    s_enqueue(self, c, true);
    return true;
}

/* sum + n, saturating: the counts come from the server, and a sum that
 * overflows int64_t is undefined behaviour, then a negative total. */
static int64_t s_tokens_add(int64_t sum, int64_t n)
{
    if (n <= 0)
        return sum;
    return n > LLM_TOKENS_MAX - sum ? LLM_TOKENS_MAX : sum + n;
}

static void s_add_usage(s_call_t *c, const llmjson_response_t *out)
{
    c->prompt_tokens = s_tokens_add(c->prompt_tokens, out->prompt_tokens);
    c->completion_tokens = s_tokens_add(c->completion_tokens, out->completion_tokens);
}

static void s_on_http(const http_resp_t *resp, void *arg)
{
    s_call_t *c = arg;
    llm_t *self = c->llm;
    c->at_server = false;
    self->n_at_server--;
    llmjson_response_t out = {.prompt_tokens = -1, .completion_tokens = -1};
    err_t e = {0};
    if (resp->err.code) {
        /* A timeout stays a timeout; refused, reset, oversized: the server's fault. */
        err_set(&e, resp->err.code == LODE_ETIMEDOUT ? LODE_ETIMEDOUT : LODE_ELLM, "%s: %s",
                self->url_shown, resp->err.msg);
        s_retry_or_finish(self, c, &e, 0, -1);
    } else if (llmjson_parse_response(resp->status, resp->body, resp->body_len, &out, &e) == 0) {
        s_add_usage(c, &out);
        self->resolved = true;
        s_finish(self, c, &out, NULL, -1);
    } else {
        s_add_usage(c, &out);
        s_name_server(self, &e);
        if (!s_step_down(self, c, resp, &e) && !s_adapt(self, c, resp, &e))
            s_retry_or_finish(self, c, &e, resp->status, resp->retry_after_ms);
    }
    llmjson_response_clear(&out);
    s_pump(self);
}
