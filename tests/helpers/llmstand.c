/*  llmstand.c - the stand-in chat-completions server (see llmstand.h).
 *  libmicrohttpd with a thread per connection, so a delayed answer holds
 *  only its own thread; one mutex guards the script, the counters and the
 *  records, and a condition variable cuts delays short at stop. Test code
 *  only: no TLS, no streaming.
 *  SPDX-License-Identifier: MIT
 */
#include "llmstand.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <jansson.h>

#define S_CONN_LIMIT   1024 /* connections at once */
#define S_CONN_TIMEOUT 120  /* seconds an idle connection is kept */
#define S_CANNED       "{\"ok\":true}"

typedef struct s_node s_node_t;

/* A scripted reply with its own copies of the strings. */
struct s_node {
    llmstand_reply_t r; /* strings point into the owned copies below */
    char *body, *content, *finish_reason, *error_type, *error_code, *error_param, *message,
        *headers, *content_type; /* owned */
    s_node_t *next;
};

/* One request being read. */
typedef struct {
    char *body; /* owned, NUL-terminated */
    size_t len, cap;
    bool too_big;
} s_req_t;

struct llmstand {
    struct MHD_Daemon *daemon; /* owned */
    pthread_mutex_t lock;      /* guards everything below */
    pthread_cond_t wake;       /* broadcast at stop */
    bool stopping;
    char *api_key, *models; /* owned or NULL */
    char url[64];
    int port;
    s_node_t *head, *tail; /* the script, FIFO; owned */
    size_t n_queued;
    llmstand_fn *fn;
    void *fn_arg;
    size_t requests;
    int active, peak;
    char *bodies[LLMSTAND_KEEP], *auths[LLMSTAND_KEEP], *paths[LLMSTAND_KEEP]; /* owned rings */
    size_t n_recorded;
};

static char *s_dup(const char *s)
{
    return s ? strdup(s) : NULL;
}

static char *s_memdup(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

/* ---- bodies */

char *llmstand_completion_body(const char *model,
                               const char *content,
                               const char *finish_reason,
                               int64_t prompt_tokens,
                               int64_t completion_tokens)
{
    static pthread_mutex_t id_lock = PTHREAD_MUTEX_INITIALIZER;
    static unsigned long id_next = 1;
    pthread_mutex_lock(&id_lock);
    unsigned long id = id_next++;
    pthread_mutex_unlock(&id_lock);
    char idtext[64];
    snprintf(idtext, sizeof idtext, "chatcmpl-stand%lu", id);
    json_t *msg = json_pack("{s:s, s:s}", "role", "assistant", "content", content ? content : "");
    json_t *choice = json_pack("{s:i, s:o, s:n, s:s}", "index", 0, "message", msg, "logprobs",
                               "finish_reason", finish_reason ? finish_reason : "stop");
    json_t *root = json_pack("{s:s, s:s, s:I, s:s, s:[o]}", "id", idtext, "object",
                             "chat.completion", "created", (json_int_t)time(NULL), "model",
                             model ? model : "stand-in", "choices", choice);
    if (prompt_tokens >= 0 || completion_tokens >= 0) {
        int64_t p = prompt_tokens < 0 ? 0 : prompt_tokens;
        int64_t c = completion_tokens < 0 ? 0 : completion_tokens;
        /* Tests send absurd counts on purpose: the total saturates. */
        int64_t total = p > INT64_MAX - c ? INT64_MAX : p + c;
        json_object_set_new(root, "usage",
                            json_pack("{s:I, s:I, s:I}", "prompt_tokens", (json_int_t)p,
                                      "completion_tokens", (json_int_t)c, "total_tokens",
                                      (json_int_t)total));
    }
    char *text = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    return text;
}

/* The usual type, code and message of an OpenAI error with this status. */
static void s_error_defaults(int status, const char **type, const char **code, const char **msg)
{
    static const struct {
        int status;
        const char *type, *code, *msg;
    } table[] = {
        {400, "invalid_request_error", NULL, "Invalid request."},
        {401, "invalid_request_error", "invalid_api_key", "Incorrect API key provided."},
        {403, "invalid_request_error", "unsupported_country_region_territory",
         "Country, region, or territory not supported."},
        {404, "invalid_request_error", "model_not_found",
         "The model does not exist or you do not have access to it."},
        {413, "invalid_request_error", NULL, "Request body too large."},
        {429, "requests", "rate_limit_exceeded",
         "Rate limit reached for requests. Please try again later."},
        {500, "server_error", NULL,
         "The server had an error while processing your request. Sorry about that!"},
        {503, "server_error", NULL, "The engine is currently overloaded, please try again later."},
    };

    *type = status >= 500 ? "server_error" : "invalid_request_error";
    *code = NULL;
    *msg = status >= 500 ? "Server error." : "Request refused.";
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].status == status) {
            *type = table[i].type;
            *code = table[i].code;
            *msg = table[i].msg;
        }
}

char *llmstand_error_body(
    int status, const char *message, const char *type, const char *param, const char *code)
{
    const char *dtype, *dcode, *dmsg;
    s_error_defaults(status, &dtype, &dcode, &dmsg);
    json_t *e =
        json_pack("{s:s, s:s}", "message", message ? message : dmsg, "type", type ? type : dtype);
    json_object_set_new(e, "param", param ? json_string(param) : json_null());
    const char *c = code ? code : dcode;
    json_object_set_new(e, "code", c ? json_string(c) : json_null());
    json_t *root = json_pack("{s:o}", "error", e);
    char *text = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    return text;
}

/* ---- the script */

static void s_node_free(s_node_t *n)
{
    if (!n)
        return;
    free(n->body);
    free(n->content);
    free(n->finish_reason);
    free(n->error_type);
    free(n->error_code);
    free(n->error_param);
    free(n->message);
    free(n->headers);
    free(n->content_type);
    free(n);
}

static s_node_t *s_node_new(const llmstand_reply_t *r)
{
    s_node_t *n = calloc(1, sizeof *n);
    n->r = *r;
    if (r->body) {
        n->r.body_len = r->body_len ? r->body_len : strlen(r->body);
        n->body = s_memdup(r->body, n->r.body_len);
    }
    n->content = s_dup(r->content);
    n->finish_reason = s_dup(r->finish_reason);
    n->error_type = s_dup(r->error_type);
    n->error_code = s_dup(r->error_code);
    n->error_param = s_dup(r->error_param);
    n->message = s_dup(r->message);
    n->headers = s_dup(r->headers);
    n->content_type = s_dup(r->content_type);
    n->r.body = n->body;
    n->r.content = n->content;
    n->r.finish_reason = n->finish_reason;
    n->r.error_type = n->error_type;
    n->r.error_code = n->error_code;
    n->r.error_param = n->error_param;
    n->r.message = n->message;
    n->r.headers = n->headers;
    n->r.content_type = n->content_type;
    n->r.owned = false; /* the node frees them */
    return n;
}

void llmstand_push(llmstand_t *self, const llmstand_reply_t *reply)
{
    s_node_t *n = s_node_new(reply);
    pthread_mutex_lock(&self->lock);
    if (self->tail)
        self->tail->next = n;
    else
        self->head = n;
    self->tail = n;
    self->n_queued++;
    pthread_mutex_unlock(&self->lock);
}

void llmstand_push_content(llmstand_t *self, const char *content)
{
    llmstand_push(self, &(llmstand_reply_t){.content = content});
}

void llmstand_push_error(llmstand_t *self, int status, const char *message, int retry_after_s)
{
    char hdr[64] = "";
    if (retry_after_s >= 0)
        snprintf(hdr, sizeof hdr, "Retry-After: %d", retry_after_s);
    llmstand_push(self, &(llmstand_reply_t){
                            .status = status, .message = message, .headers = hdr[0] ? hdr : NULL});
}

static s_node_t *s_pop(llmstand_t *self)
{
    pthread_mutex_lock(&self->lock);
    s_node_t *n = self->head;
    if (n) {
        self->head = n->next;
        if (!self->head)
            self->tail = NULL;
        self->n_queued--;
    }
    pthread_mutex_unlock(&self->lock);
    return n;
}

size_t llmstand_queued(llmstand_t *self)
{
    pthread_mutex_lock(&self->lock);
    size_t n = self->n_queued;
    pthread_mutex_unlock(&self->lock);
    return n;
}

void llmstand_set_responder(llmstand_t *self, llmstand_fn *fn, void *arg)
{
    pthread_mutex_lock(&self->lock);
    self->fn = fn;
    self->fn_arg = arg;
    pthread_mutex_unlock(&self->lock);
}

/* ---- records */

static void s_record(llmstand_t *self, const s_req_t *rq, const char *auth, const char *path)
{
    pthread_mutex_lock(&self->lock);
    size_t i = self->n_recorded++ % LLMSTAND_KEEP;
    free(self->bodies[i]);
    free(self->auths[i]);
    free(self->paths[i]);
    self->bodies[i] = s_memdup(rq->body ? rq->body : "", rq->len);
    self->auths[i] = s_dup(auth);
    self->paths[i] = s_dup(path);
    self->requests++;
    pthread_mutex_unlock(&self->lock);
}

static char *s_last(llmstand_t *self, char *const *ring, size_t back)
{
    pthread_mutex_lock(&self->lock);
    char *copy = NULL;
    if (back < LLMSTAND_KEEP && back < self->n_recorded)
        copy = s_dup(ring[(self->n_recorded - 1 - back) % LLMSTAND_KEEP]);
    pthread_mutex_unlock(&self->lock);
    return copy;
}

char *llmstand_last_body(llmstand_t *self, size_t back)
{
    return s_last(self, self->bodies, back);
}

char *llmstand_last_auth(llmstand_t *self, size_t back)
{
    return s_last(self, self->auths, back);
}

char *llmstand_last_path(llmstand_t *self, size_t back)
{
    return s_last(self, self->paths, back);
}

size_t llmstand_requests(llmstand_t *self)
{
    pthread_mutex_lock(&self->lock);
    size_t n = self->requests;
    pthread_mutex_unlock(&self->lock);
    return n;
}

int llmstand_active(llmstand_t *self)
{
    pthread_mutex_lock(&self->lock);
    int n = self->active;
    pthread_mutex_unlock(&self->lock);
    return n;
}

int llmstand_peak(llmstand_t *self)
{
    pthread_mutex_lock(&self->lock);
    int n = self->peak;
    pthread_mutex_unlock(&self->lock);
    return n;
}

void llmstand_reset(llmstand_t *self)
{
    pthread_mutex_lock(&self->lock);
    while (self->head) {
        s_node_t *n = self->head;
        self->head = n->next;
        s_node_free(n);
    }
    self->tail = NULL;
    self->n_queued = 0;
    self->fn = NULL;
    self->fn_arg = NULL;
    self->requests = 0;
    self->peak = self->active;
    for (size_t i = 0; i < LLMSTAND_KEEP; i++) {
        free(self->bodies[i]);
        free(self->auths[i]);
        free(self->paths[i]);
        self->bodies[i] = self->auths[i] = self->paths[i] = NULL;
    }
    self->n_recorded = 0;
    pthread_mutex_unlock(&self->lock);
}

/* ---- answering */

/* Wait ms unless the stand stops first; false if it stopped. */
static bool s_delay(llmstand_t *self, int ms)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&self->lock);
    int rc = 0;
    while (!self->stopping && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&self->wake, &self->lock, &until);
    bool ok = !self->stopping;
    pthread_mutex_unlock(&self->lock);
    return ok;
}

/* "Name: value" lines separated by \n (\r ignored) onto r. */
static void s_add_headers(struct MHD_Response *r, const char *lines)
{
    char *copy = s_dup(lines), *save = NULL;
    for (char *line = copy ? strtok_r(copy, "\n", &save) : NULL; line;
         line = strtok_r(NULL, "\n", &save)) {
        line[strcspn(line, "\r")] = '\0';
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        *colon = '\0';
        char *value = colon + 1;
        while (*value == ' ')
            value++;
        MHD_add_response_header(r, line, value);
    }
    free(copy);
}

static enum MHD_Result s_send(struct MHD_Connection *conn,
                              int status,
                              const char *body,
                              size_t len,
                              const char *type,
                              const char *headers)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type ? type : "application/json");
    s_add_headers(r, headers);
    enum MHD_Result rc = MHD_queue_response(conn, (unsigned int)status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result s_send_error(struct MHD_Connection *conn,
                                    int status,
                                    const char *message,
                                    const char *param,
                                    const char *code)
{
    char *body = llmstand_error_body(status, message, NULL, param, code);
    enum MHD_Result rc = s_send(conn, status, body, strlen(body), NULL, NULL);
    free(body);
    return rc;
}

/* Send reply r to the request rq (model from the request). */
static enum MHD_Result s_send_reply(llmstand_t *self,
                                    struct MHD_Connection *conn,
                                    const llmstand_reply_t *r,
                                    const s_req_t *rq,
                                    const char *model)
{
    if (r->delay_ms > 0 && !s_delay(self, r->delay_ms))
        return MHD_NO;
    if (r->drop)
        return MHD_NO;
    int status = r->status ? r->status : 200;
    if (r->body)
        return s_send(conn, status, r->body, r->body_len ? r->body_len : strlen(r->body),
                      r->content_type, r->headers);
    char *body;
    if (status >= 200 && status < 300) {
        const char *content = r->content ? r->content : S_CANNED;
        int64_t p = -1, c = -1;
        if (!r->no_usage) {
            p = r->prompt_tokens ? r->prompt_tokens : (int64_t)rq->len / 4 + 1;
            c = r->completion_tokens ? r->completion_tokens : (int64_t)strlen(content) / 4 + 1;
        }
        body = llmstand_completion_body(model, content, r->finish_reason, p, c);
    } else {
        body =
            llmstand_error_body(status, r->message, r->error_type, r->error_param, r->error_code);
    }
    if (!body) { /* content that is not UTF-8: jansson refuses it; send it raw instead */
        static const char oops[] = "llmstand: cannot build that body (not UTF-8?)\n";
        return s_send(conn, 500, oops, sizeof oops - 1, "text/plain", NULL);
    }
    enum MHD_Result rc = s_send(conn, status, body, strlen(body), r->content_type, r->headers);
    free(body);
    return rc;
}

static void s_reply_release(llmstand_reply_t *r)
{
    if (!r->owned)
        return;
    free((char *)r->body);
    free((char *)r->content);
    free((char *)r->headers);
}

/* True when name is one of the comma-separated models. */
static bool s_model_known(const char *models, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = models; *p;) {
        size_t k = strcspn(p, ",");
        if (k == n && strncmp(p, name, n) == 0)
            return true;
        p += k;
        if (*p == ',')
            p++;
    }
    return false;
}

static bool s_key_ok(const llmstand_t *self, const char *auth)
{
    return auth && strncmp(auth, "Bearer ", 7) == 0 && strcmp(auth + 7, self->api_key) == 0;
}

/* The 401 for a missing or wrong key; OpenAI shows the key masked. */
static enum MHD_Result s_send_401(struct MHD_Connection *conn, const char *auth)
{
    char msg[256];
    if (!auth || strncmp(auth, "Bearer ", 7) != 0) {
        snprintf(msg, sizeof msg,
                 "You didn't provide an API key. You need to provide your API key in an "
                 "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).");
    } else {
        const char *k = auth + 7;
        size_t n = strlen(k);
        snprintf(msg, sizeof msg, "Incorrect API key provided: %.3s****%.4s.", n > 8 ? k : "",
                 n > 8 ? k + n - 4 : "");
    }
    return s_send_error(conn, 401, msg, NULL, "invalid_api_key");
}

/* A chat completion request that passed the checks: script, else responder,
 * else canned. */
static enum MHD_Result
s_complete(llmstand_t *self, struct MHD_Connection *conn, const s_req_t *rq, const char *model)
{
    s_node_t *n = s_pop(self);
    if (n) {
        enum MHD_Result rc = s_send_reply(self, conn, &n->r, rq, model);
        s_node_free(n);
        return rc;
    }
    pthread_mutex_lock(&self->lock);
    llmstand_fn *fn = self->fn;
    void *arg = self->fn_arg;
    pthread_mutex_unlock(&self->lock);
    llmstand_reply_t r = fn ? fn(rq->body ? rq->body : "", arg) : (llmstand_reply_t){0};
    enum MHD_Result rc = s_send_reply(self, conn, &r, rq, model);
    s_reply_release(&r);
    return rc;
}

static enum MHD_Result s_answer(llmstand_t *self,
                                struct MHD_Connection *conn,
                                const char *url,
                                const char *method,
                                const s_req_t *rq)
{
    const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    s_record(self, rq, auth, url);
    size_t ul = strlen(url), sl = strlen("/chat/completions");
    if (ul < sl || strcmp(url + ul - sl, "/chat/completions") != 0) {
        char msg[256];
        snprintf(msg, sizeof msg, "Unknown request URL: %.16s %.200s.", method, url);
        return s_send_error(conn, 404, msg, NULL, "unknown_url");
    }
    if (strcmp(method, "POST") != 0)
        return s_send_error(conn, 405, "Method not allowed.", NULL, NULL);
    if (rq->too_big)
        return s_send_error(conn, 413, NULL, NULL, NULL);
    if (self->api_key && !s_key_ok(self, auth))
        return s_send_401(conn, auth);
    json_t *root = json_loadb(rq->body ? rq->body : "", rq->len, 0, NULL);
    const char *model = json_string_value(json_object_get(root, "model"));
    enum MHD_Result rc;
    if (!json_is_object(root)) {
        rc = s_send_error(conn, 400, "We could not parse the JSON body of your request.", NULL,
                          NULL);
    } else if (!model) {
        rc = s_send_error(conn, 400, "you must provide a model parameter", "model", NULL);
    } else if (self->models && !s_model_known(self->models, model)) {
        char msg[256];
        snprintf(msg, sizeof msg,
                 "The model `%.100s` does not exist or you do not have access to it.", model);
        rc = s_send_error(conn, 404, msg, NULL, "model_not_found");
    } else {
        rc = s_complete(self, conn, rq, model);
    }
    json_decref(root);
    return rc;
}

static void s_append(s_req_t *rq, const char *data, size_t n)
{
    if (rq->too_big || rq->len + n > LLMSTAND_BODY_MAX) {
        rq->too_big = true;
        return;
    }
    if (rq->len + n + 1 > rq->cap) {
        rq->cap = (rq->len + n + 1) * 2;
        rq->body = realloc(rq->body, rq->cap);
    }
    memcpy(rq->body + rq->len, data, n);
    rq->len += n;
    rq->body[rq->len] = '\0';
}

static enum MHD_Result s_on_request(void *cls,
                                    struct MHD_Connection *conn,
                                    const char *url,
                                    const char *method,
                                    const char *version,
                                    const char *upload_data,
                                    size_t *upload_data_size,
                                    void **con_cls)
{
    (void)version;
    llmstand_t *self = cls;
    s_req_t *rq = *con_cls;
    if (!rq) { /* headers are in: the request starts counting as active */
        *con_cls = calloc(1, sizeof(s_req_t));
        pthread_mutex_lock(&self->lock);
        if (++self->active > self->peak)
            self->peak = self->active;
        pthread_mutex_unlock(&self->lock);
        return MHD_YES;
    }
    if (*upload_data_size) {
        s_append(rq, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    return s_answer(self, conn, url, method, rq);
}

static void s_on_completed(void *cls,
                           struct MHD_Connection *conn,
                           void **con_cls,
                           enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    (void)toe;
    llmstand_t *self = cls;
    s_req_t *rq = *con_cls;
    if (!rq)
        return;
    free(rq->body);
    free(rq);
    *con_cls = NULL;
    pthread_mutex_lock(&self->lock);
    self->active--;
    pthread_mutex_unlock(&self->lock);
}

/* ---- life */

llmstand_t *llmstand_start(const llmstand_opts_t *opts)
{
    llmstand_opts_t o = opts ? *opts : (llmstand_opts_t){0};
    llmstand_t *self = calloc(1, sizeof *self);
    pthread_mutex_init(&self->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&self->wake, &ca);
    pthread_condattr_destroy(&ca);
    self->api_key = o.api_key && *o.api_key ? strdup(o.api_key) : NULL;
    self->models = s_dup(o.models);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)o.port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    self->daemon = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL_INTERNAL_THREAD, 0, NULL, NULL, s_on_request,
        self, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned int)S_CONN_LIMIT, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)S_CONN_TIMEOUT,
        MHD_OPTION_NOTIFY_COMPLETED, s_on_completed, self, MHD_OPTION_END);
    if (!self->daemon) {
        llmstand_stop(&self);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(self->daemon, MHD_DAEMON_INFO_BIND_PORT);
    self->port = info ? (int)info->port : 0;
    snprintf(self->url, sizeof self->url, "http://127.0.0.1:%d/v1", self->port);
    return self;
}

void llmstand_stop(llmstand_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    llmstand_t *self = *self_p;
    pthread_mutex_lock(&self->lock);
    self->stopping = true;
    pthread_cond_broadcast(&self->wake);
    pthread_mutex_unlock(&self->lock);
    if (self->daemon)
        MHD_stop_daemon(self->daemon); /* joins every connection thread */
    llmstand_reset(self);
    pthread_cond_destroy(&self->wake);
    pthread_mutex_destroy(&self->lock);
    free(self->api_key);
    free(self->models);
    free(self);
    *self_p = NULL;
}

const char *llmstand_url(const llmstand_t *self)
{
    return self->url;
}

int llmstand_port(const llmstand_t *self)
{
    return self->port;
}

/* ---- standalone */

typedef struct {
    const char *content;
    int delay_ms;
} s_fixed_t;

static llmstand_reply_t s_fixed(const char *request_json, void *arg)
{
    (void)request_json;
    const s_fixed_t *f = arg;
    return (llmstand_reply_t){.content = f->content, .delay_ms = f->delay_ms};
}

int llmstand_main(int argc, char **argv)
{
    llmstand_opts_t o = {0};
    s_fixed_t fixed = {.content = S_CANNED};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "llmstand: %s wants a value\n", a);
            return 2;
        }
        if (strcmp(a, "--port") == 0)
            o.port = atoi(v);
        else if (strcmp(a, "--key") == 0)
            o.api_key = v;
        else if (strcmp(a, "--models") == 0)
            o.models = v;
        else if (strcmp(a, "--delay-ms") == 0)
            fixed.delay_ms = atoi(v);
        else if (strcmp(a, "--content") == 0)
            fixed.content = v;
        else {
            fprintf(stderr,
                    "usage: %s [--port N] [--key K] [--models A,B] [--delay-ms N] "
                    "[--content TEXT]\n",
                    argv[0]);
            return 2;
        }
        i++;
    }
    /* Block the signals before the daemon's threads exist, so they inherit
     * the mask and sigwait below is the only taker. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    llmstand_t *self = llmstand_start(&o);
    if (!self) {
        fprintf(stderr, "llmstand: cannot listen on 127.0.0.1:%d\n", o.port);
        return 1;
    }
    llmstand_set_responder(self, s_fixed, &fixed);
    printf("%s\n", llmstand_url(self));
    fflush(stdout);
    int sig = 0;
    sigwait(&set, &sig);
    fprintf(stderr, "llmstand: %zu requests\n", llmstand_requests(self));
    llmstand_stop(&self);
    return 0;
}
