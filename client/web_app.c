/*  web_app.c - the workbench's router: compiled-in assets, the Host check,
 *  body caps, access and CSRF, then the page or API handler; and the
 *  response helpers every handler uses.
 *  SPDX-License-Identifier: MIT
 */
#include "web_app.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "mem.h"
#include "searchidx.h"
#include "web_assets.h"
#include "web_impl.h"

web_app_t *web_app_new(const web_opts_t *o, err_t *err)
{
    store_opts_t so = {.url = o->cli->redis_url,
                       .prefix = o->cli->prefix,
                       .timeout_ms = 2000,
                       .lazy = !o->redis_eager};
    store_t *st = store_new(&so, err);
    if (!st)
        return NULL;
    web_app_t *self = mem_calloc(1, sizeof *self);
    self->store = st;
    self->search = searchidx_new();
    self->cli = o->cli;
    self->token = o->token && o->token[0] ? o->token : NULL;
    self->loopback = o->loopback;
    self->port = o->port;
    return self;
}

void web_app_destroy(web_app_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    store_destroy(&(*self_p)->store);
    searchidx_destroy(&(*self_p)->search);
    web_top_close(*self_p);
    free(*self_p);
    *self_p = NULL;
}

void web_app_set_port(web_app_t *self, int port)
{
    self->port = port;
}

void web_resp_clear(web_resp_t *resp)
{
    if (!resp->body_static)
        free(resp->body);
    memset(resp, 0, sizeof *resp);
}

const char *web_arg(const web_req_t *req, const char *key)
{
    for (size_t i = 0; i < req->n_args; i++) {
        if (strcmp(req->args[i].key, key) == 0)
            return req->args[i].val;
    }
    return NULL;
}

static int s_hex(int c)
{
    return isdigit(c) ? c - '0' : isxdigit(c) ? (tolower(c) - 'a' + 10) : -1;
}

/* Decode %XX and + in place. */
static void s_unescape(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (*r == '+')
            *w++ = ' ';
        else if (*r == '%' && s_hex((unsigned char)r[1]) >= 0 && s_hex((unsigned char)r[2]) >= 0) {
            *w++ = (char)(s_hex((unsigned char)r[1]) * 16 + s_hex((unsigned char)r[2]));
            r += 2;
        } else
            *w++ = *r;
    }
    *w = '\0';
}

int web_parse_form(web_req_t *req, char *buf)
{
    for (char *save = NULL, *tok = strtok_r(buf, "&", &save); tok;
         tok = strtok_r(NULL, "&", &save)) {
        if (req->n_args >= WEB_ARGS_MAX)
            return -1;
        char *eq = strchr(tok, '=');
        char *val = eq ? eq + 1 : tok + strlen(tok);
        if (eq)
            *eq = '\0';
        s_unescape(tok);
        s_unescape(val);
        req->args[req->n_args++] = (web_arg_t){tok, val, strlen(val), NULL};
    }
    return 0;
}

size_t web_body_cap(const char *method, const char *path, const char *content_type)
{
    if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
        return 0;
    if (strcmp(path, "/submit") == 0 || strcmp(path, "/api/submit") == 0)
        return WEB_UPLOAD_MAX;
    size_t n = strlen(path);
    if (n > 8 && strcmp(path + n - 8, "/curate") == 0)
        return WEB_CURATE_MAX;
    (void)content_type;
    return WEB_JSON_MAX;
}

/* --- responses --- */

bool web_is_api(const web_ctx_t *c)
{
    return strncmp(c->req->path, "/api/", 5) == 0;
}

void web_send_html(web_ctx_t *c, int status, wb_t *b)
{
    if (b->over) {
        wb_free(b);
        web_send_error(c, 500, "the page is too large to render");
        return;
    }
    c->resp->status = status;
    c->resp->type = "text/html; charset=utf-8";
    c->resp->body = wb_steal(b, &c->resp->len);
}

void web_send_json(web_ctx_t *c, int status, json_t *j)
{
    c->resp->status = status;
    c->resp->type = "application/json";
    c->resp->body = json_dumps(j, JSON_COMPACT);
    c->resp->len = c->resp->body ? strlen(c->resp->body) : 0;
    json_decref(j);
}

void web_send_redirect(web_ctx_t *c, const char *location)
{
    c->resp->status = 303;
    c->resp->type = "text/plain; charset=utf-8";
    snprintf(c->resp->location, sizeof c->resp->location, "%s", location);
    c->resp->body = mem_strdup("see other\n");
    c->resp->len = strlen(c->resp->body);
}

int web_status_of(int code)
{
    switch (code) {
    case LODE_ENOTFOUND:
        return 404;
    case LODE_EINVAL:
    case LODE_EUTF8:
        return 400;
    case LODE_ESTATE:
        return 409;
    case LODE_ETOOBIG:
        return 413;
    case LODE_ESTORE:
        return 503;
    case LODE_ETIMEDOUT:
    case LODE_EIO:
        return 502;
    default:
        return 500;
    }
}

void web_send_error(web_ctx_t *c, int status, const char *msg)
{
    if (web_is_api(c)) {
        web_send_json(c, status, json_pack("{s:s,s:i}", "error", msg ? msg : "", "status", status));
        return;
    }
    wb_t b;
    wb_init(&b, 64 * 1024);
    web_page_open(&b, c, "Error", 0);
    wb_fmt(&b, "<main class=\"error\"><h1>%d</h1><p>", status);
    wb_text(&b, msg);
    wb_raw(&b, "</p><p><a href=\"/\">Back to the library</a></p></main>");
    web_page_close(&b);
    c->resp->status = status;
    c->resp->type = "text/html; charset=utf-8";
    c->resp->body = wb_steal(&b, &c->resp->len);
}

void web_send_err(web_ctx_t *c, const err_t *err)
{
    if (err->code == LODE_ESTORE && !web_is_api(c)) {
        web_send_down(c, err);
        return;
    }
    web_send_error(c, web_status_of(err->code), err->msg);
}

/* --- routing --- */

static bool s_static(const web_req_t *req, web_resp_t *resp)
{
    if (strncmp(req->path, "/static/", 8) != 0)
        return false;
    const web_asset_t *a = web_asset_find(req->path + 8);
    if (!a) {
        resp->status = 404;
        resp->type = "text/plain; charset=utf-8";
        resp->body = (char *)"not found\n";
        resp->body_static = true;
        resp->len = strlen(resp->body);
        return true;
    }
    resp->status = 200;
    resp->type = a->type;
    resp->body = (char *)a->data;
    resp->len = a->len;
    resp->body_static = true;
    resp->immutable = true;
    return true;
}

/* Loopback without a token: a page on another site could reach us through
 * DNS rebinding, so the Host must be ours. */
static bool s_host_ok(const web_app_t *self, const char *host)
{
    if (!self->loopback || self->token)
        return true;
    if (!host)
        return false;
    static const char *const names[] = {"127.0.0.1", "localhost", "[::1]"};
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(names[i]);
        if (strncmp(host, names[i], n) == 0 &&
            (host[n] == '\0' || (host[n] == ':' && atoi(host + n + 1) == self->port)))
            return true;
    }
    return false;
}

/* "/doc/ID/rest" -> id and rest. */
static bool s_split(web_ctx_t *c, const char *prefix, char id[JOB_ID_SIZE])
{
    size_t n = strlen(prefix);
    if (strncmp(c->req->path, prefix, n) != 0)
        return false;
    const char *p = c->req->path + n;
    size_t len = strcspn(p, "/");
    if (len == 0 || len >= JOB_ID_SIZE)
        return false;
    memcpy(id, p, len);
    id[len] = '\0';
    c->id = id;
    c->rest = p + len;
    return true;
}

static void s_doc_get(web_ctx_t *c)
{
    if (c->rest[0] == '\0')
        web_page_doc(c);
    else if (strncmp(c->rest, "/export.", 8) == 0)
        web_export(c);
    else
        web_send_error(c, 404, "no such page");
}

/* POST /doc/ID/retry: a failed job back to the stage it failed at. */
static void s_retry(web_ctx_t *c)
{
    err_t err = {0};
    store_job_t job;
    if (!job_id_valid(c->id) || store_job_get(c->app->store, c->id, &job, &err) != 0) {
        err_set(&err, LODE_ENOTFOUND, "no job %s", c->id);
        web_send_err(c, &err);
        return;
    }
    char loc[128];
    /* Back to where the button was: the document, or its batch's page. */
    const char *back = web_arg(c->req, "back");
    bool to_doc = !job.batch[0] || (back && strcmp(back, "doc") == 0);
    snprintf(loc, sizeof loc, to_doc ? "/doc/%s" : "/batch/%s", to_doc ? job.id : job.batch);
    store_job_clear(&job);
    if (store_retry(c->app->store, c->id, -1, &err) < 0)
        web_send_err(c, &err);
    else
        web_send_redirect(c, loc);
}

static void s_doc_post(web_ctx_t *c)
{
    if (strcmp(c->rest, "/retry") == 0)
        s_retry(c);
    else if (strcmp(c->rest, "/curate") == 0)
        web_form_curate(c);
    else
        web_send_error(c, 404, "no such page");
}

static void s_batch_get(web_ctx_t *c)
{
    if (c->rest[0] == '\0')
        web_page_batch(c);
    else if (strcmp(c->rest, "/review") == 0)
        web_review_page(c);
    else if (strncmp(c->rest, "/export.", 8) == 0)
        web_batch_export(c);
    else
        web_send_error(c, 404, "no such page");
}

static void s_batch_post(web_ctx_t *c)
{
    if (strcmp(c->rest, "/review") == 0)
        web_review_mark(c);
    else
        web_send_error(c, 404, "no such page");
}

/* The pages: a method and an exact path, or a prefix taking an id. */
static const struct {
    const char *method, *path;
    bool prefix;
    void (*fn)(web_ctx_t *c);
} s_pages[] = {
    {"GET", "/", false, web_page_library},        {"POST", "/submit", false, web_form_submit},
    {"GET", "/cluster", false, web_page_cluster}, {"GET", "/doc/", true, s_doc_get},
    {"POST", "/doc/", true, s_doc_post},          {"GET", "/batch/", true, s_batch_get},
    {"POST", "/batch/", true, s_batch_post},
};

static void s_route(web_ctx_t *c)
{
    if (web_is_api(c)) {
        web_api(c);
        return;
    }
    const char *m = strcmp(c->req->method, "HEAD") == 0 ? "GET" : c->req->method;
    char id[JOB_ID_SIZE];
    for (size_t i = 0; i < sizeof s_pages / sizeof s_pages[0]; i++) {
        if (strcmp(m, s_pages[i].method) != 0)
            continue;
        if (s_pages[i].prefix ? s_split(c, s_pages[i].path, id)
                              : strcmp(c->req->path, s_pages[i].path) == 0) {
            s_pages[i].fn(c);
            return;
        }
    }
    bool known = strcmp(m, "GET") == 0 || strcmp(m, "POST") == 0;
    web_send_error(c, known ? 404 : 405, known ? "no such page" : "method not allowed");
}

void web_app_handle(web_app_t *self, const web_req_t *req, web_resp_t *resp)
{
    memset(resp, 0, sizeof *resp);
    web_ctx_t c = {.app = self, .req = req, .resp = resp, .rest = ""};
    if (s_static(req, resp))
        return;
    if (!s_host_ok(self, req->host)) {
        web_send_error(&c, 403, "this server answers only to its loopback address (Host header)");
        return;
    }
    if (req->too_big) {
        web_send_error(&c, 413, "the request body is over its size limit");
        return;
    }
    if (req->bad_form) {
        web_send_error(&c, 400, "the form could not be read");
        return;
    }
    if (strcmp(req->path, "/login") == 0 || strcmp(req->path, "/logout") == 0) {
        web_login(&c);
        return;
    }
    if (web_auth(&c) != 0)
        return;
    bool changes = strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0;
    if (changes && web_csrf_check(&c) != 0)
        return;
    s_route(&c);
}
