/*  web_api.c - the JSON API under /api/ that the page's script and other
 *  scripts use (docs/api.md): session, docs (list), doc (get), progress,
 *  curate, retry, submit, stats, batch, preview. Errors are
 *  {"error": message, "status": code} with the HTTP status: 400 bad JSON or
 *  value, 401 no or wrong token, 403 no CSRF token, 404 unknown id, 409
 *  stale version, 413 body too large, 503 Redis down, 502 broker down.
 *  SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "jobdoc.h"
#include "mem.h"
#include "web_impl.h"
#include "web_md.h"

/* The request's JSON object body; NULL after a 400. Caller decrefs. */
static json_t *s_body(web_ctx_t *c)
{
    json_error_t jerr;
    json_t *j = c->req->body ? json_loadb(c->req->body, c->req->body_len, 0, &jerr) : NULL;
    if (!j) {
        char msg[256];
        snprintf(msg, sizeof msg, "bad JSON: %s", c->req->body ? jerr.text : "no body");
        web_send_error(c, 400, msg);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        web_send_error(c, 400, "bad JSON: expected an object");
        return NULL;
    }
    return j;
}

/* A member as text: strings as they are, integers printed into buf. */
static const char *s_field(const json_t *o, const char *key, char buf[32])
{
    const json_t *v = json_object_get(o, key);
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v)) {
        snprintf(buf, 32, "%lld", (long long)json_integer_value(v));
        return buf;
    }
    return NULL;
}

static const char *s_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static void s_curate(web_ctx_t *c)
{
    json_t *j = s_body(c);
    if (!j)
        return;
    char b_op[32], b_sid[32], b_pos[32], b_ver[32], b_txt[32];
    err_t err = {0};
    int64_t saved = 0;
    web_curate_call_t call = {.op = s_field(j, "op", b_op),
                              .snippet = s_field(j, "snippet", b_sid),
                              .position = s_field(j, "position", b_pos),
                              .list = s_str(j, "list"),
                              .text = s_field(j, "text", b_txt),
                              .to = s_str(j, "to"),
                              .version = s_field(j, "version", b_ver)};
    if (web_curate_apply(c->app, c->id, &call, &saved, &err) == 0)
        web_send_json(c, 200, json_pack("{s:I}", "version", (json_int_t)saved));
    else if (err.code == LODE_ESTATE) {
        int64_t now = 0;
        err_t e2 = {0};
        free(store_curated_get(c->app->store, c->id, NULL, &now, &e2));
        web_send_json(c, 409,
                      json_pack("{s:s,s:i,s:I}", "error", err.msg, "status", 409, "version",
                                (json_int_t)now));
    } else
        web_send_err(c, &err);
    json_decref(j);
}

static void s_get(web_ctx_t *c)
{
    store_job_t job;
    int64_t version = 0;
    err_t err = {0};
    doc_t *doc = jobdoc_load_versioned(c->app->store, c->id, &job, &version, &err);
    if (!doc) {
        web_send_err(c, &err);
        return;
    }
    char *js = doc_to_json(doc, 0);
    json_t *d = json_loads(js, 0, NULL);
    free(js);
    doc_destroy(&doc);
    store_job_clear(&job);
    web_send_json(c, 200, json_pack("{s:I,s:o}", "version", (json_int_t)version, "document", d));
}

static void s_progress(web_ctx_t *c)
{
    store_job_t job;
    err_t err = {0};
    if (!job_id_valid(c->id)) {
        web_send_error(c, 404, "no such job");
        return;
    }
    if (store_job_get(c->app->store, c->id, &job, &err) != 0) {
        web_send_err(c, &err);
        return;
    }
    int64_t version = 0;
    err_t e2 = {0};
    free(store_curated_get(c->app->store, c->id, NULL, &version, &e2));
    web_send_json(c, 200,
                  json_pack("{s:s,s:s,s:s,s:s?,s:I,s:I}", "id", job.id, "state", job.state, "stage",
                            job.stage, "error", job.error, "version", (json_int_t)version,
                            "updated_ms", (json_int_t)job.updated_ms));
    store_job_clear(&job);
}

static void s_retry(web_ctx_t *c)
{
    err_t err = {0};
    store_job_t job;
    if (!job_id_valid(c->id)) {
        web_send_error(c, 404, "no such job");
        return;
    }
    if (store_job_get(c->app->store, c->id, &job, &err) != 0) {
        web_send_err(c, &err);
        return;
    }
    store_job_clear(&job);
    int rc = store_retry(c->app->store, c->id, -1, &err);
    if (rc < 0)
        web_send_err(c, &err);
    else
        web_send_json(c, 200, json_pack("{s:b}", "retried", rc == 1));
}

static json_t *s_row_json(const store_row_t *r)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:s,s:s,s:I,s:I,s:b}", "id", r->id, "title",
                     r->title, "state", r->state, "stage", r->stage, "kind", r->kind, "created_ms",
                     (json_int_t)r->created_ms, "url", r->url, "batch", r->batch, "snippets",
                     (json_int_t)r->snippets, "version", (json_int_t)r->curated_version, "curated",
                     r->curated_version > 0);
}

static void s_list(web_ctx_t *c)
{
    const web_req_t *r = c->req;
    const char *lim = web_arg(r, "limit");
    size_t limit = lim ? strtoul(lim, NULL, 10) : 50;
    limit = limit < 1 ? 1 : limit > 200 ? 200 : limit;
    store_page_opts_t o = {.state = web_arg(r, "state"),
                           .kind = web_arg(r, "kind"),
                           .batch = web_arg(r, "batch"),
                           .cursor = web_arg(r, "cursor"),
                           .limit = limit};
    store_row_t *rows = mem_calloc(limit, sizeof *rows);
    store_page_t *page = mem_calloc(1, sizeof *page);
    err_t err = {0};
    if (web_search_opts(c->app, web_arg(r, "q"), &o, &err) != 0 ||
        store_library_page(c->app->store, &o, rows, page, &err) != 0) {
        free(rows);
        free(page);
        web_send_err(c, &err);
        return;
    }
    json_t *docs = json_array();
    for (size_t i = 0; i < page->n; i++)
        json_array_append_new(docs, s_row_json(&rows[i]));
    free(rows);
    web_send_json(c, 200,
                  json_pack("{s:I,s:s,s:I,s:o}", "total", (json_int_t)page->total, "next",
                            page->next, "examined", (json_int_t)page->examined, "docs", docs));
    free(page);
}

static void s_submit(web_ctx_t *c)
{
    json_t *j = s_body(c);
    if (!j)
        return;
    const json_t *urls = json_object_get(j, "urls");
    char *joined = NULL;
    if (json_is_array(urls)) {
        size_t len = 1;
        for (size_t i = 0; i < json_array_size(urls); i++)
            len += json_string_length(json_array_get(urls, i)) + 1;
        joined = mem_calloc(1, len);
        for (size_t i = 0; i < json_array_size(urls); i++) {
            const char *u = json_string_value(json_array_get(urls, i));
            strcat(strcat(joined, u ? u : ""), "\n");
        }
    } else if (json_is_string(urls))
        joined = mem_strdup(json_string_value(urls));
    json_t *out = NULL;
    err_t err = {0};
    if (web_submit(c->app, joined, s_str(j, "text"), NULL, s_str(j, "name"), &out, &err) == 0)
        web_send_json(c, 201, out);
    else
        web_send_err(c, &err);
    free(joined);
    json_decref(j);
}

static void s_stats(web_ctx_t *c)
{
    store_stats_t st;
    err_t err = {0};
    if (store_stats(c->app->store, &st, &err) != 0) {
        web_send_err(c, &err);
        return;
    }
    json_t *q = json_object();
    for (int s = 0; s < JOB_STAGE_COUNT; s++)
        json_object_set_new(q, job_stage_name((job_stage_t)s), json_integer(st.queued[s]));
    web_send_json(c, 200,
                  json_pack("{s:o,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "queued", q, "in_flight",
                            (json_int_t)st.in_flight, "dead", (json_int_t)st.dead, "jobs",
                            (json_int_t)st.jobs, "delayed", (json_int_t)st.delayed, "submitted",
                            (json_int_t)st.submitted, "done", (json_int_t)st.done, "failed",
                            (json_int_t)st.failed, "retried", (json_int_t)st.retried));
}

static void s_preview(web_ctx_t *c)
{
    json_t *j = s_body(c);
    if (!j)
        return;
    wb_t b;
    wb_init(&b, WEB_CURATE_MAX * 2);
    web_md(&b, s_str(j, "markdown"));
    json_decref(j);
    size_t len;
    char *html = wb_steal(&b, &len);
    web_send_json(c, 200, json_pack("{s:s%}", "html", html, len));
    free(html);
}

/* "/api/doc/ID…" and "/api/batch/ID": the id and the rest. */
static bool s_split(web_ctx_t *c, const char *prefix, char id[JOB_ID_SIZE])
{
    size_t n = strlen(prefix);
    const char *p = c->req->path;
    if (strncmp(p, prefix, n) != 0)
        return false;
    size_t len = strcspn(p + n, "/");
    if (len == 0 || len >= JOB_ID_SIZE)
        return false;
    memcpy(id, p + n, len);
    id[len] = '\0';
    c->id = id;
    c->rest = p + n + len;
    return true;
}

static void s_session_json(web_ctx_t *c)
{
    web_send_json(c, 200, json_pack("{s:s?}", "csrf", c->session ? c->session->csrf : NULL));
}

/* The API's routes: a method and either an exact path or a prefix taking
 * an id, then rest after it. */
static const struct {
    const char *method, *path, *rest; /* rest NULL: path is exact */
    void (*fn)(web_ctx_t *c);
} s_routes[] = {
    {"GET", "/api/session", NULL, s_session_json}, {"GET", "/api/docs", NULL, s_list},
    {"GET", "/api/stats", NULL, s_stats},          {"POST", "/api/submit", NULL, s_submit},
    {"POST", "/api/preview", NULL, s_preview},     {"GET", "/api/doc/", "", s_get},
    {"GET", "/api/doc/", "/progress", s_progress}, {"POST", "/api/doc/", "/curate", s_curate},
    {"POST", "/api/doc/", "/retry", s_retry},      {"GET", "/api/batch/", "", web_batch_json},
};

void web_api(web_ctx_t *c)
{
    char id[JOB_ID_SIZE];
    for (size_t i = 0; i < sizeof s_routes / sizeof s_routes[0]; i++) {
        if (strcmp(c->req->method, s_routes[i].method) != 0)
            continue;
        bool hit = s_routes[i].rest
                       ? s_split(c, s_routes[i].path, id) && strcmp(c->rest, s_routes[i].rest) == 0
                       : strcmp(c->req->path, s_routes[i].path) == 0;
        if (hit) {
            s_routes[i].fn(c);
            return;
        }
    }
    web_send_error(c, 404, "no such API call");
}
