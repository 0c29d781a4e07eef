/*  web_app.h - the workbench's request handling, apart from the HTTP
 *  server (web_server.h): a request comes in as plain data (method, path,
 *  decoded arguments, the headers that matter, the body) and goes out as a
 *  status, a type and a body. So every handler, its checks (auth, CSRF,
 *  caps) and its failure paths are tested without a socket, and the
 *  benchmark times the rendering alone.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_WEB_APP_H
#define LODE_WEB_APP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "err.h"

#define WEB_ARGS_MAX     48
#define WEB_JSON_MAX     (64u * 1024)                /* a JSON body */
#define WEB_CURATE_MAX   (4u * 1024 * 1024 + 4096)   /* a curation: a synthesis is up to 4 MB */
#define WEB_UPLOAD_MAX   (50u * 1024 * 1024 + 65536) /* the CLI's 50 MB rule plus a form's fields */
#define WEB_SESSIONS_MAX 128
#define WEB_COOKIE       "lode_session"

/* One decoded argument (query string or form field). Borrowed. */
typedef struct {
    const char *key;
    const char *val; /* NUL-terminated; len bytes (a file may hold NULs) */
    size_t len;
    const char *filename; /* form file field: its name, else NULL */
} web_arg_t;

/* One request. Everything borrowed for the call. */
typedef struct {
    const char *method; /* "GET", "POST", … */
    const char *path;   /* without the query string */
    web_arg_t args[WEB_ARGS_MAX];
    size_t n_args;
    const char *body; /* a JSON request's raw body, or NULL */
    size_t body_len;
    const char *content_type; /* NULL = none */
    const char *cookie;       /* the Cookie header */
    const char *csrf;         /* the X-CSRF-Token header */
    const char *auth;         /* the Authorization header */
    const char *host;         /* the Host header */
    bool too_big;             /* the body passed web_body_cap: answer 413 */
    bool bad_form;            /* the form could not be parsed: answer 400 */
} web_req_t;

/* One response. web_resp_clear frees. */
typedef struct {
    int status;
    const char *type; /* static */
    char *body;       /* owned unless body_static */
    size_t len;
    bool body_static;
    bool immutable;       /* a compiled-in asset: cache it */
    char location[512];   /* a redirect's target, or "" */
    char set_cookie[256]; /* a Set-Cookie value, or "" */
    char filename[128];   /* a download: Content-Disposition attachment name, or "" */
} web_resp_t;

typedef struct web_app web_app_t;

/* What the app needs. Strings borrowed for the app's life. */
typedef struct {
    cli_t *cli;        /* redis_url, prefix, broker, CURVE, timeout (for submits) */
    const char *token; /* access token, or NULL: loopback without one */
    bool loopback;     /* listening on loopback: Host must name it (DNS rebinding) */
    int port;          /* the port listened on, for the Host check */
    bool redis_eager;  /* connect at start (tests); else lazily, so Redis may be down */
} web_opts_t;

/* NULL and *err if the store cannot be made (a malformed Redis URL). */
web_app_t *web_app_new(const web_opts_t *opts, err_t *err);
void web_app_destroy(web_app_t **self_p);

/* The port the server really bound (for a listen on port 0), for the Host
 * check. */
void web_app_set_port(web_app_t *self, int port);

/* Handle one request; resp is filled (status, type, body). */
void web_app_handle(web_app_t *self, const web_req_t *req, web_resp_t *resp);

void web_resp_clear(web_resp_t *resp);

/* The largest body a request to path may carry (413 past it). */
size_t web_body_cap(const char *method, const char *path, const char *content_type);

/* The value of argument key, or NULL. */
const char *web_arg(const web_req_t *req, const char *key);

/* Parse an application/x-www-form-urlencoded string (a query or a body)
 * into req->args, decoding in place in buf (which must stay alive). -1 if
 * there are more than WEB_ARGS_MAX fields. */
int web_parse_form(web_req_t *req, char *buf);
#endif
