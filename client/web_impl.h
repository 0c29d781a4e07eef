/*  web_impl.h - shared by the workbench's handler files: the app's state,
 *  the session table, response helpers and the page and API handlers
 *  (web_app.c routes to them). Private to client/web_*.c.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_WEB_IMPL_H
#define LODE_WEB_IMPL_H
#include <jansson.h>

#include "store.h"
#include "web_app.h"
#include "web_html.h"

#define WEB_PAGE_MAX     (64u * 1024 * 1024) /* the largest page rendered */
#define WEB_LIB_PAGE     50                  /* documents per library page */
#define WEB_SEARCH_FRESH 20                  /* jobs a partition indexed before a search */

typedef struct {
    char id[65];   /* hex; the cookie's value */
    char csrf[65]; /* hex; must come back with every state-changing request */
    int64_t seen_ms;
    bool used;
} web_session_t;

/* What a handler gets: the request, who asks, where to answer. */
typedef struct {
    web_app_t *app;
    const web_req_t *req;
    web_resp_t *resp;
    web_session_t *session; /* NULL for a bearer-token API client */
    bool bearer;            /* authenticated by the Authorization header */
    const char *id;         /* the path's job or batch id, or NULL */
    const char *rest;       /* the path after the id ("", "/curate"…) */
    /* Drawn at the top of a document page (review mode), or NULL. */
    void (*banner)(wb_t *b, const void *arg, const char *doc_id);
    const void *banner_arg;
} web_ctx_t;

struct web_app {
    store_t *store; /* owned; lazy: reconnects by itself */
    cli_t *cli;     /* borrowed */
    const char *token;
    bool loopback;
    int port;
    web_session_t sessions[WEB_SESSIONS_MAX];
    void *stats_sub;          /* owned zsock_t: SUB to the broker's stats (web_top.c), or NULL */
    char *stats;              /* owned: the last snapshot's JSON, or NULL */
    int64_t stats_ms;         /* when it arrived (monotonic) */
    struct searchidx *search; /* owned: query words and a small indexing pass (web_lib.c) */
};

/* Fill o's search from the query q (the index, after one small indexing
 * pass so an edit just saved is found), else leave it a plain listing.
 * -1 and *err if Redis fails (web_lib.c). */
int web_search_opts(web_app_t *app, const char *q, store_page_opts_t *o, err_t *err);

/* --- the broker's live stats, as `lode top` shows them (web_top.c) --- */
/* Take in every snapshot waiting (connecting on first use; the first call
 * waits up to a second for one). The last snapshot or NULL; borrowed. */
const char *web_top_snapshot(web_app_t *app);
void web_top_close(web_app_t *app);
/* What `lode top` shows, as preformatted text, escaped. */
void web_top_view(wb_t *b, web_app_t *app);

/* --- responses (web_app.c) --- */
void web_send_html(web_ctx_t *c, int status, wb_t *b);
void web_send_json(web_ctx_t *c, int status, json_t *j); /* steals j */
void web_send_redirect(web_ctx_t *c, const char *location);
/* An error as JSON for /api/, else as a small page. */
void web_send_error(web_ctx_t *c, int status, const char *msg);
/* The HTTP status for an err_t code. */
int web_status_of(int code);
/* An err_t as web_send_error with its status. */
void web_send_err(web_ctx_t *c, const err_t *err);
bool web_is_api(const web_ctx_t *c);

/* --- the page frame (web_page.c) --- */
/* Open a page: doctype, head (assets, title), the top bar with navigation.
 * meta_refresh > 0 adds a refresh (progress without JavaScript). */
void web_page_open(wb_t *b, const web_ctx_t *c, const char *title, int meta_refresh);
void web_page_close(wb_t *b);
/* <input type=hidden name=csrf> for forms. */
void web_csrf_field(wb_t *b, const web_ctx_t *c);
/* "Redis is unreachable" page (503), retried by the page itself. */
void web_send_down(web_ctx_t *c, const err_t *err);
/* "3 min ago" style time, or a date. */
void web_when(wb_t *b, int64_t ms);

/* --- sessions and access (web_auth.c) --- */
/* Decide who asks. 0: go on (c->session set, or a bearer client); -1: resp
 * filled (401, 403, a redirect to /login). Makes a session and its cookie
 * when a loopback browser has none. */
int web_auth(web_ctx_t *c);
/* 0 if a state-changing request carries the session's CSRF token (or comes
 * with the bearer token); else resp filled with 403 and -1. */
int web_csrf_check(web_ctx_t *c);
/* GET /login, POST /login, POST /logout. */
void web_login(web_ctx_t *c);
/* True if two strings are equal, in time independent of where they differ. */
bool web_secret_eq(const char *a, const char *b);

/* --- pages --- */
/* Render the library page for c->req into b (the benchmark times this).
 * -1 and *err if Redis fails. */
int web_library_render(web_ctx_t *c, wb_t *b, err_t *err);
void web_page_library(web_ctx_t *c); /* GET / */
void web_page_doc(web_ctx_t *c);     /* GET /doc/ID */
void web_page_batch(web_ctx_t *c);   /* GET /batch/ID */
void web_page_cluster(web_ctx_t *c); /* GET /cluster */
void web_form_submit(web_ctx_t *c);  /* POST /submit */
void web_form_curate(web_ctx_t *c);  /* POST /doc/ID/curate */
void web_export(web_ctx_t *c);       /* GET /doc/ID/export.md|.json */
void web_review_page(web_ctx_t *c);  /* GET /batch/ID/review */
void web_batch_export(web_ctx_t *c); /* GET /batch/ID/export.jsonl|.tar */
void web_review_mark(web_ctx_t *c);  /* POST /batch/ID/review */

/* --- the JSON API (web_api.c) --- */
void web_api(web_ctx_t *c);
/* GET /api/batch/ID (web_batch.c). */
void web_batch_json(web_ctx_t *c);

/* --- shared by the submit form and the API (web_submit.c) --- */
/* Submit urls (one per line), text and an uploaded file through the broker,
 * exactly as `lode submit` does. 0 and *out {"batch", "jobs": […]}, or -1
 * and *err. */
int web_submit(web_app_t *app,
               const char *urls,
               const char *text,
               const web_arg_t *file,
               const char *name,
               json_t **out,
               err_t *err);

/* --- curation from a request (web_curate.c) --- */
/* One curation call as it arrives, every value as text (NULL: absent):
 * the form handler fills it from form fields, the JSON API from the
 * object's members, so both parse and check it the same way. */
typedef struct {
    const char *op;       /* curation_kind's name: "drop", "move_item", "undo"… */
    const char *snippet;  /* snippet id */
    const char *position; /* 1-based, for move and move_item */
    const char *list;     /* fan-out list */
    const char *text;     /* the new text, or the item (index or text) */
    const char *to;       /* edit_item: the item's new text */
    const char *version;  /* the layer version the change was made against */
} web_curate_call_t;

/* Build an op from call and commit it against its version: 0 and the new
 * version in *saved, or -1 and *err (LODE_ESTATE when stale). */
int web_curate_apply(
    web_app_t *app, const char *id, const web_curate_call_t *call, int64_t *saved, err_t *err);
#endif
