/*  web_lib.c - the library (GET /): the submit box (URLs, text, a file),
 *  filters, search and the documents newest first, one page from one
 *  store_library_page call (a cursor into the jobs zset, never a scan of
 *  every key); the submit form's handler; and the document exports.
 *  SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "jobdoc.h"
#include "mem.h"
#include "searchidx.h"
#include "web_doc.h"
#include "web_impl.h"

static void s_submit_box(wb_t *b, const web_ctx_t *c)
{
    wb_raw(b, "<section class=\"submit\"><h2>Mine something</h2>"
              "<form method=\"post\" action=\"/submit\" enctype=\"multipart/form-data\" "
              "id=\"submit-form\">");
    web_csrf_field(b, c);
    wb_raw(b, "<label>URLs, one a line<textarea name=\"urls\" rows=\"3\" placeholder=\""
              "https://www.youtube.com/watch?v=…\"></textarea></label>"
              "<label>or paste text<textarea name=\"text\" rows=\"3\"></textarea></label>"
              "<div class=\"row\"><label>or a file <input type=\"file\" name=\"file\" "
              "accept=\".txt,.md,.vtt,.srt\"></label><label>Batch name <input name=\"name\" "
              "maxlength=\"256\"></label><button>Submit</button></div></form></section>");
}

static void s_option(wb_t *b, const char *value, const char *label, const char *cur)
{
    wb_fmt(b, "<option value=\"%s\"%s>%s</option>", value,
           cur && strcmp(cur, value) == 0 ? " selected" : "", label);
}

static void s_filters(wb_t *b, const web_req_t *r)
{
    const char *st = web_arg(r, "state"), *kind = web_arg(r, "kind");
    wb_raw(b, "<form method=\"get\" action=\"/\" class=\"filters\"><select name=\"state\">");
    s_option(b, "", "any state", st);
    static const char *const states[] = {"queued", "running", "done", "failed", "expanded"};
    for (size_t i = 0; i < 5; i++)
        s_option(b, states[i], states[i], st);
    wb_raw(b, "</select><select name=\"kind\">");
    s_option(b, "", "any kind", kind);
    s_option(b, "url", "URL", kind);
    s_option(b, "text", "text", kind);
    s_option(b, "file", "file", kind);
    wb_raw(b, "</select><input name=\"batch\" placeholder=\"batch id\" size=\"14\" value=\"");
    wb_text(b, web_arg(r, "batch"));
    wb_raw(b, "\"><input type=\"search\" name=\"q\" placeholder=\"search titles, quotes, "
              "commentary\" value=\"");
    wb_text(b, web_arg(r, "q"));
    wb_raw(b, "\"><button>Filter</button> <a href=\"/\">clear</a></form>");
}

static void s_row(wb_t *b, const store_row_t *row)
{
    bool live = strcmp(row->state, "done") && strcmp(row->state, "failed") &&
                strcmp(row->state, "expanded");
    wb_raw(b, "<tr");
    if (live) {
        wb_raw(b, " class=\"live\" data-id=\"");
        wb_text(b, row->id);
        wb_raw(b, "\"");
    }
    wb_raw(b, "><td class=\"title\"><a href=\"/doc/");
    wb_text(b, row->id);
    wb_raw(b, "\">");
    wb_text(b, row->title[0]  ? row->title
               : row->url[0]  ? row->url
               : row->name[0] ? row->name
                              : "(pasted text)");
    wb_raw(b, "</a>");
    if (row->curated_version > 0)
        wb_raw(b, " <span class=\"badge curated\" title=\"A person curated this\">curated</span>");
    wb_raw(b, "</td><td>");
    wb_text(b, row->kind);
    wb_raw(b, "</td><td class=\"state-cell\"><span class=\"state state-");
    wb_text(b, row->state);
    wb_raw(b, "\">");
    wb_text(b, row->state);
    wb_raw(b, "</span> <small>");
    wb_text(b, strcmp(row->state, "done") ? row->stage : "");
    wb_fmt(b, "</small></td><td class=\"num\">%lld</td><td>", (long long)row->snippets);
    web_when(b, row->created_ms);
    wb_raw(b, "</td></tr>");
}

/* A link to the page at cursor, keeping the filters. */
static void s_page_link(wb_t *b, const web_req_t *r, const char *cursor, const char *label)
{
    static const char *const keep[] = {"state", "kind", "batch", "q"};
    wb_raw(b, "<a class=\"pager\" href=\"/?cursor=");
    wb_urlenc(b, cursor);
    for (size_t i = 0; i < 4; i++) {
        const char *v = web_arg(r, keep[i]);
        if (v && *v) {
            wb_fmt(b, "&amp;%s=", keep[i]);
            wb_urlenc(b, v);
        }
    }
    wb_raw(b, "\">");
    wb_raw(b, label);
    wb_raw(b, "</a>");
}

int web_search_opts(web_app_t *app, const char *q, store_page_opts_t *o, err_t *err)
{
    while (q && (*q == ' ' || *q == '\t'))
        q++;
    if (!q || !*q)
        return 0;
    searchidx_query(app->search, q, o);
    return searchidx_pass(app->search, app->store, WEB_SEARCH_FRESH, NULL, NULL, err);
}

int web_library_render(web_ctx_t *c, wb_t *b, err_t *err)
{
    const web_req_t *r = c->req;
    store_page_opts_t o = {.state = web_arg(r, "state"),
                           .kind = web_arg(r, "kind"),
                           .batch = web_arg(r, "batch"),
                           .cursor = web_arg(r, "cursor"),
                           .limit = WEB_LIB_PAGE};
    if (web_search_opts(c->app, web_arg(r, "q"), &o, err) != 0)
        return -1;
    store_row_t *rows = mem_calloc(WEB_LIB_PAGE, sizeof *rows);
    store_page_t *page = mem_calloc(1, sizeof *page);
    if (store_library_page(c->app->store, &o, rows, page, err) != 0) {
        free(rows);
        free(page);
        return -1;
    }
    web_page_open(b, c, "Library", 0);
    wb_raw(b, "<main class=\"library\" id=\"library\">");
    s_submit_box(b, c);
    if (o.search) /* total is then the rarest word's postings: no count to show */
        wb_raw(b, "<section class=\"docs\"><h2>Library <small>search</small></h2>");
    else
        wb_fmt(b, "<section class=\"docs\"><h2>Library <small>%zu documents</small></h2>",
               page->total);
    s_filters(b, r);
    wb_raw(b, "<table class=\"doclist\"><thead><tr><th>Title</th><th>Kind</th><th>State</th>"
              "<th>Snippets</th><th>Added</th></tr></thead><tbody>");
    for (size_t i = 0; i < page->n; i++)
        s_row(b, &rows[i]);
    if (page->n == 0)
        wb_raw(b, "<tr><td colspan=\"5\" class=\"missing\">Nothing here.</td></tr>");
    wb_raw(b, "</tbody></table><p class=\"paging\">");
    if (o.cursor && *o.cursor)
        s_page_link(b, r, "", "First page");
    if (page->next[0])
        s_page_link(b, r, page->next, "Older →");
    if (o.search && o.n_words == 0)
        wb_raw(b, " <small>every word of that search is too common to search for</small>");
    else if (o.search || (o.state && *o.state) || (o.kind && *o.kind))
        wb_fmt(b, " <small>looked through %zu documents for this page</small>", page->examined);
    wb_raw(b, "</p></section></main>");
    web_page_close(b);
    free(rows);
    free(page);
    return 0;
}

void web_page_library(web_ctx_t *c)
{
    wb_t b;
    wb_init(&b, WEB_PAGE_MAX);
    err_t err = {0};
    if (web_library_render(c, &b, &err) != 0) {
        wb_free(&b);
        web_send_err(c, &err);
        return;
    }
    web_send_html(c, 200, &b);
}

void web_form_submit(web_ctx_t *c)
{
    const web_req_t *r = c->req;
    const web_arg_t *file = NULL;
    for (size_t i = 0; i < r->n_args; i++)
        if (strcmp(r->args[i].key, "file") == 0)
            file = &r->args[i];
    json_t *out = NULL;
    err_t err = {0};
    if (web_submit(c->app, web_arg(r, "urls"), web_arg(r, "text"), file, web_arg(r, "name"), &out,
                   &err) != 0) {
        web_send_err(c, &err);
        return;
    }
    json_t *jobs = json_object_get(out, "jobs");
    char loc[128];
    if (json_array_size(jobs) == 1)
        snprintf(loc, sizeof loc, "/doc/%s", json_string_value(json_array_get(jobs, 0)));
    else
        snprintf(loc, sizeof loc, "/batch/%s", json_string_value(json_object_get(out, "batch")));
    json_decref(out);
    web_send_redirect(c, loc);
}

void web_export(web_ctx_t *c)
{
    bool md = strcmp(c->rest, "/export.md") == 0;
    if (!md && strcmp(c->rest, "/export.json") != 0) {
        web_send_error(c, 404, "export as .md or .json");
        return;
    }
    store_job_t job;
    err_t err = {0};
    doc_t *doc = jobdoc_load(c->app->store, c->id, &job, &err);
    if (!doc) {
        web_send_err(c, &err);
        return;
    }
    c->resp->status = 200;
    c->resp->type = md ? "text/markdown; charset=utf-8" : "application/json";
    if (md) {
        char *js = doc_to_json(doc, 0);
        json_t *j = json_loads(js, 0, NULL);
        free(js);
        c->resp->body = web_obsidian(j);
        json_decref(j);
    } else
        c->resp->body = doc_to_json(doc, DOC_JSON_PRETTY);
    c->resp->len = strlen(c->resp->body);
    doc_destroy(&doc);
    store_job_clear(&job);
}
