/*  web_server.c - libmicrohttpd glue for the workbench (web_server.h).
 *  SPDX-License-Identifier: MIT
 */
#include "web_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "mem.h"

struct web_server {
    struct MHD_Daemon *mhd;
    web_app_t *app;
    int port;
};

/* One form field as it arrives (the post processor hands it in pieces). */
typedef struct {
    char *key, *filename;
    buf_t data;
} s_field_t;

/* One request in flight. */
typedef struct {
    size_t cap;    /* its body limit */
    bool too_big;  /* over cap: answer 413 */
    bool bad_form; /* too many fields */
    bool answered; /* the response is queued */
    buf_t body;    /* raw body (not a form) */
    struct MHD_PostProcessor *pp;
    s_field_t fields[WEB_ARGS_MAX];
    size_t n_fields;
    size_t form_bytes;
} s_req_t;

static void s_req_free(s_req_t *r)
{
    if (!r)
        return;
    if (r->pp)
        MHD_destroy_post_processor(r->pp);
    buf_free(&r->body);
    for (size_t i = 0; i < r->n_fields; i++) {
        free(r->fields[i].key);
        free(r->fields[i].filename);
        buf_free(&r->fields[i].data);
    }
    free(r);
}

static void s_completed(void *cls,
                        struct MHD_Connection *conn,
                        void **con_cls,
                        enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    s_req_free(*con_cls);
    *con_cls = NULL;
}

static enum MHD_Result s_post_iter(void *cls,
                                   enum MHD_ValueKind kind,
                                   const char *key,
                                   const char *filename,
                                   const char *ctype,
                                   const char *enc,
                                   const char *data,
                                   uint64_t off,
                                   size_t size)
{
    (void)kind;
    (void)ctype;
    (void)enc;
    s_req_t *r = cls;
    s_field_t *f = r->n_fields ? &r->fields[r->n_fields - 1] : NULL;
    if (!f || off == 0 || strcmp(f->key, key) != 0) {
        if (r->n_fields >= WEB_ARGS_MAX) {
            r->bad_form = true;
            return MHD_NO;
        }
        f = &r->fields[r->n_fields++];
        f->key = mem_strdup(key);
        f->filename = filename ? mem_strdup(filename) : NULL;
        buf_init(&f->data, r->cap);
    }
    r->form_bytes += size;
    if (r->form_bytes > r->cap || buf_append(&f->data, data, size, NULL) != 0) {
        r->too_big = true;
        return MHD_NO;
    }
    return MHD_YES;
}

static bool s_is_form(const char *ct)
{
    return ct && (strncasecmp(ct, "multipart/form-data", 19) == 0 ||
                  strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0);
}

/* First call of a request: its state, and an early 413 from Content-Length. */
static s_req_t *s_begin(struct MHD_Connection *conn, const char *url, const char *method)
{
    s_req_t *r = mem_calloc(1, sizeof *r);
    const char *ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
    r->cap = web_body_cap(method, url, ct);
    buf_init(&r->body, r->cap);
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    if (cl && strtoull(cl, NULL, 10) > r->cap)
        r->too_big = true;
    if (!r->too_big && r->cap > 0 && s_is_form(ct))
        r->pp = MHD_create_post_processor(conn, 65536, s_post_iter, r);
    return r;
}

/* Collect GET arguments into the request. */
static enum MHD_Result
s_arg_iter(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    web_req_t *q = cls;
    if (q->n_args < WEB_ARGS_MAX)
        q->args[q->n_args++] =
            (web_arg_t){key, value ? value : "", value ? strlen(value) : 0, NULL};
    return MHD_YES;
}

static enum MHD_Result s_respond(struct MHD_Connection *conn, web_resp_t *out)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        out->len, out->body ? out->body : (char *)"",
        out->body_static ? MHD_RESPMEM_PERSISTENT : MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", out->type ? out->type : "text/plain");
    MHD_add_response_header(resp, "Content-Security-Policy", WEB_CSP);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Cache-Control",
                            out->immutable ? "public, max-age=31536000, immutable" : "no-store");
    if (out->location[0])
        MHD_add_response_header(resp, "Location", out->location);
    if (out->filename[0]) {
        char cd[192];
        snprintf(cd, sizeof cd, "attachment; filename=\"%s\"", out->filename);
        MHD_add_response_header(resp, "Content-Disposition", cd);
    }
    if (out->set_cookie[0])
        MHD_add_response_header(resp, "Set-Cookie", out->set_cookie);
    enum MHD_Result rc = MHD_queue_response(conn, (unsigned)out->status, resp);
    MHD_destroy_response(resp);
    return rc;
}

static enum MHD_Result s_finish(web_server_t *self,
                                struct MHD_Connection *conn,
                                const char *url,
                                const char *method,
                                s_req_t *r)
{
    web_req_t *q = mem_calloc(1, sizeof *q);
    q->method = method;
    q->path = url;
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, s_arg_iter, q);
    for (size_t i = 0; i < r->n_fields && q->n_args < WEB_ARGS_MAX; i++)
        q->args[q->n_args++] =
            (web_arg_t){r->fields[i].key, r->fields[i].data.data ? r->fields[i].data.data : "",
                        r->fields[i].data.len, r->fields[i].filename};
    q->body = r->pp ? NULL : r->body.data;
    q->body_len = r->pp ? 0 : r->body.len;
    q->content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
    q->cookie = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Cookie");
    q->csrf = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-CSRF-Token");
    q->auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    q->host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Host");
    q->too_big = r->too_big;
    q->bad_form = r->bad_form;
    web_resp_t out;
    web_app_handle(self->app, q, &out);
    enum MHD_Result rc = s_respond(conn, &out);
    web_resp_clear(&out);
    free(q);
    return rc;
}

static enum MHD_Result s_handler(void *cls,
                                 struct MHD_Connection *conn,
                                 const char *url,
                                 const char *method,
                                 const char *version,
                                 const char *data,
                                 size_t *size,
                                 void **con_cls)
{
    (void)version;
    web_server_t *self = cls;
    if (!*con_cls) {
        s_req_t *first = s_begin(conn, url, method);
        *con_cls = first;
        if (!first->too_big)
            return MHD_YES;
        /* Content-Length over the cap: answer before reading (a client
         * that sent Expect: 100-continue never sends the body). */
        first->answered = true;
        return s_finish(self, conn, url, method, first);
    }
    s_req_t *r = *con_cls;
    if (r->answered) {
        *size = 0; /* the 413 or 400 is queued: MHD closes after sending it */
        return MHD_YES;
    }
    if (*size > 0 && !r->too_big && !r->bad_form) {
        if (r->pp) {
            if (MHD_post_process(r->pp, data, *size) != MHD_YES && !r->too_big)
                r->bad_form = true;
        } else if (buf_append(&r->body, data, *size, NULL) != 0)
            r->too_big = true;
        *size = 0;
        if (!r->too_big && !r->bad_form)
            return MHD_YES;
    }
    /* The whole body, or one over its cap (answered at once, so an endless
     * upload is not read to its end). */
    r->answered = true;
    *size = 0;
    return s_finish(self, conn, url, method, r);
}

int web_listen_parse(const char *listen, bool *loopback, int *port, err_t *err)
{
    char host[128];
    const char *colon = listen ? strrchr(listen, ':') : NULL;
    if (!colon || colon == listen || (size_t)(colon - listen) >= sizeof host) {
        err_set(err, LODE_EINVAL, "--listen wants HOST:PORT, not \"%.100s\"", listen ? listen : "");
        return -1;
    }
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    char *end = NULL;
    long p = strtol(colon + 1, &end, 10);
    if (!*(colon + 1) || *end || p < 0 || p > 65535) {
        err_set(err, LODE_EINVAL, "--listen: bad port in \"%.100s\"", listen);
        return -1;
    }
    char *h = host;
    size_t hl = strlen(h);
    if (h[0] == '[' && hl > 2 && h[hl - 1] == ']')
        h[hl - 1] = '\0', h++;
    if (strcmp(h, "localhost") == 0)
        h = (char *)"127.0.0.1";
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, h, &a4) == 1)
        *loopback = (ntohl(a4.s_addr) >> 24) == 127;
    else if (inet_pton(AF_INET6, h, &a6) == 1)
        *loopback = IN6_IS_ADDR_LOOPBACK(&a6);
    else {
        err_set(err, LODE_EINVAL, "--listen: \"%.100s\" is not a numeric address", host);
        return -1;
    }
    *port = (int)p;
    return 0;
}

/* The socket address of listen (already parsed). */
static int s_sockaddr(const char *listen, struct sockaddr_storage *ss, err_t *err)
{
    char host[128];
    const char *colon = strrchr(listen, ':');
    snprintf(host, sizeof host, "%.*s", (int)(colon - listen), listen);
    char *h = host;
    size_t hl = strlen(h);
    if (h[0] == '[')
        h[hl - 1] = '\0', h++;
    if (strcmp(h, "localhost") == 0)
        h = (char *)"127.0.0.1";
    struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV}, *ai = NULL;
    if (getaddrinfo(h, colon + 1, &hints, &ai) != 0 || !ai) {
        err_set(err, LODE_EINVAL, "--listen: cannot use \"%.100s\"", listen);
        return -1;
    }
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    freeaddrinfo(ai);
    return 0;
}

web_server_t *web_server_start(const char *listen, web_app_t *app, err_t *err)
{
    bool loopback;
    int port;
    struct sockaddr_storage ss = {0};
    if (web_listen_parse(listen, &loopback, &port, err) != 0 || s_sockaddr(listen, &ss, err) != 0)
        return NULL;
    web_server_t *self = mem_calloc(1, sizeof *self);
    self->app = app;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    self->mhd = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, s_handler, self,
                                 MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                                 MHD_OPTION_CONNECTION_LIMIT, (unsigned)WEB_CONN_LIMIT,
                                 MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)WEB_CONN_PER_IP,
                                 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)WEB_CONN_TIMEOUT,
                                 MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024),
                                 MHD_OPTION_NOTIFY_COMPLETED, s_completed, NULL, MHD_OPTION_END);
    if (!self->mhd) {
        err_set(err, LODE_EIO, "cannot listen on %s (in use, or not an address of this machine)",
                listen);
        free(self);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(self->mhd, MHD_DAEMON_INFO_BIND_PORT);
    self->port = info ? info->port : port;
    return self;
}

int web_server_port(const web_server_t *self)
{
    return self->port;
}

void web_server_stop(web_server_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    MHD_stop_daemon((*self_p)->mhd);
    free(*self_p);
    *self_p = NULL;
}
