/*  web_doc.c - GET /doc/ID: one document laid out as the seed page reads
 *  (§01 source facts, §02 snippets beside the transcript, §03 synthesis,
 *  §04 fan-out), every value escaped, curation forms that work without
 *  JavaScript (app.js takes them over: keys, no reloads). While the job
 *  runs the page shows its stages and refreshes itself (see web_snip.c
 *  for §02 and the transcript).
 *  SPDX-License-Identifier: MIT
 */
#include "web_doc.h"

#include <stdlib.h>
#include <string.h>

#include "jobdoc.h"
#include "web_md.h"

const char *web_jstr(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* Hidden fields every curation form of the page carries. */
void web_doc_form(wb_t *b, const web_doc_t *d, const char *op, const char *cls)
{
    wb_raw(b, "<form method=\"post\" class=\"");
    wb_raw(b, cls);
    wb_raw(b, "\" action=\"/doc/");
    wb_text(b, d->id);
    wb_raw(b, "/curate\">");
    web_csrf_field(b, d->c);
    wb_fmt(b, "<input type=\"hidden\" name=\"version\" value=\"%lld\">", (long long)d->version);
    if (op) {
        wb_raw(b, "<input type=\"hidden\" name=\"op\" value=\"");
        wb_raw(b, op);
        wb_raw(b, "\">");
    }
}

static void s_clock(wb_t *b, long long ms)
{
    long long s = ms / 1000;
    if (s >= 3600)
        wb_fmt(b, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
    else
        wb_fmt(b, "%lld:%02lld", s / 60, s % 60);
}

void web_doc_clock(wb_t *b, long long ms)
{
    s_clock(b, ms);
}

static void s_fact(wb_t *b, const char *name, const char *value)
{
    if (!value || !value[0])
        return;
    wb_raw(b, "<div><dt>");
    wb_raw(b, name);
    wb_raw(b, "</dt><dd>");
    wb_text(b, value);
    wb_raw(b, "</dd></div>");
}

static void s_source(wb_t *b, const web_doc_t *d)
{
    const json_t *src = json_object_get(d->doc, "source");
    wb_raw(b, "<section id=\"s01\" class=\"part\"><h2><span class=\"num\">§01</span> Source</h2>");
    if (!json_is_object(src)) {
        wb_raw(b, "<p class=\"missing\">Not fetched yet.</p></section>");
        return;
    }
    wb_raw(b, "<dl class=\"facts\">");
    s_fact(b, "Title", web_jstr(src, "title"));
    s_fact(b, "Source", web_jstr(src, "author"));
    s_fact(b, "Published", web_jstr(src, "published"));
    const json_t *rt = json_object_get(src, "runtime_s");
    if (json_is_integer(rt) && json_integer_value(rt) > 0) {
        wb_raw(b, "<div><dt>Runtime</dt><dd>");
        s_clock(b, (long long)json_integer_value(rt) * 1000);
        wb_raw(b, "</dd></div>");
    }
    const json_t *sp = json_object_get(src, "speakers");
    if (json_is_array(sp) && json_array_size(sp) > 0) {
        wb_raw(b, "<div><dt>Speakers</dt><dd>");
        for (size_t i = 0; i < json_array_size(sp); i++) {
            wb_raw(b, i ? ", " : "");
            wb_text(b, json_string_value(json_array_get(sp, i)));
        }
        wb_raw(b, "</dd></div>");
    }
    wb_fmt(b, "<div><dt>Snippets</dt><dd>%zu</dd></div>",
           json_array_size(json_object_get(d->doc, "snippets")));
    s_fact(b, "Kind", web_jstr(src, "kind"));
    const char *url = d->url;
    if (web_url_is_http(url)) {
        wb_raw(b, "<div><dt>Link</dt><dd><a rel=\"noopener noreferrer\" href=\"");
        wb_url(b, url);
        wb_raw(b, "\">");
        wb_text(b, url);
        wb_raw(b, "</a></dd></div>");
    }
    s_fact(b, "File", web_jstr(src, "name"));
    wb_raw(b, "</dl></section>");
}

static void s_synthesis(wb_t *b, const web_doc_t *d)
{
    const json_t *syn = json_object_get(d->doc, "synthesis");
    wb_raw(b,
           "<section id=\"s03\" class=\"part\"><h2><span class=\"num\">§03</span> Synthesis</h2>");
    if (!json_is_object(syn)) {
        wb_raw(b, "<p class=\"missing\">Not written yet.</p></section>");
        return;
    }
    bool curated = json_is_true(json_object_get(syn, "curated"));
    wb_raw(b, "<div class=\"md\" id=\"synthesis-html\">");
    web_md(b, web_jstr(syn, "markdown"));
    wb_raw(
        b,
        "</div><details class=\"edit\" id=\"synthesis-edit\"><summary>Edit as Markdown</summary>");
    web_doc_form(b, d, "synthesis", "synthesis-form");
    wb_raw(b, "<textarea name=\"text\" rows=\"18\" class=\"mdsrc\">");
    wb_text(b, web_jstr(syn, "markdown"));
    wb_raw(b, "</textarea><div class=\"preview md\" hidden></div>"
              "<p><button>Save synthesis</button> <button type=\"button\" class=\"preview-btn\">"
              "Preview</button></p></form></details>");
    if (curated) {
        const json_t *prop = json_object_get(syn, "proposed");
        wb_raw(b, "<details class=\"proposed\"><summary>Edited · show what was proposed</summary>"
                  "<div class=\"md\">");
        web_md(b, web_jstr(prop, "markdown"));
        wb_raw(b, "</div>");
        web_doc_form(b, d, "reset_synthesis", "inline");
        wb_raw(b, "<button>Reset to proposed</button></form></details>");
    }
    wb_raw(b, "</section>");
}

/* The up and down buttons of fan-out item i (0-based) of n: forms that
 * post move_item without JavaScript; app.js clicks them for Shift+K/J. */
static void s_item_moves(wb_t *b, const web_doc_t *d, const char *list, size_t i, size_t n)
{
    static const struct {
        const char *cls, *label, *title;
        int step;
    } mv[2] = {{"act-up", "\xe2\x86\x91", "Move up (Shift+K)", -1},
               {"act-down", "\xe2\x86\x93", "Move down (Shift+J)", 1}};

    for (int k = 0; k < 2; k++) {
        if ((mv[k].step < 0 && i == 0) || (mv[k].step > 0 && i + 1 >= n))
            continue;
        web_doc_form(b, d, "move_item", "inline");
        wb_fmt(b,
               "<input type=\"hidden\" name=\"list\" value=\"%s\"><input type=\"hidden\" "
               "name=\"text\" value=\"%zu\"><input type=\"hidden\" name=\"position\" "
               "value=\"%zu\"><button class=\"small %s\" title=\"%s\" aria-label=\"%s\">%s"
               "</button></form>",
               list, i + 1, i + 1 + (size_t)mv[k].step, mv[k].cls, mv[k].title, mv[k].title,
               mv[k].label);
    }
}

static void
s_fanout_list(wb_t *b, const web_doc_t *d, const json_t *fan, const char *list, const char *label)
{
    const json_t *items = json_object_get(fan, list);
    size_t n = json_array_size(items);
    wb_raw(b, "<div class=\"fan\"><h3>");
    wb_raw(b, label);
    wb_raw(b, "</h3><ol>");
    for (size_t i = 0; i < n; i++) {
        const char *text = json_string_value(json_array_get(items, i));
        wb_fmt(b,
               "<li class=\"fi\" tabindex=\"0\" data-list=\"%s\" data-pos=\"%zu\">"
               "<span class=\"item\">",
               list, i + 1);
        wb_text(b, text);
        wb_raw(b, "</span> ");
        s_item_moves(b, d, list, i, n);
        web_doc_form(b, d, "remove", "inline");
        wb_fmt(b,
               "<input type=\"hidden\" name=\"list\" value=\"%s\"><input type=\"hidden\" "
               "name=\"text\" value=\"%zu\"><button class=\"small\">Remove</button></form>",
               list, i + 1);
        wb_raw(b, "<details class=\"edit inline\"><summary>Edit</summary>");
        web_doc_form(b, d, "edit_item", "edit-item");
        wb_fmt(b,
               "<input type=\"hidden\" name=\"list\" value=\"%s\"><input type=\"hidden\" "
               "name=\"text\" value=\"%zu\"><input name=\"to\" maxlength=\"4096\" "
               "required value=\"",
               list, i + 1);
        wb_text(b, text);
        wb_raw(b, "\"> <button class=\"small\">Save</button></form></details></li>");
    }
    wb_raw(b, "</ol>");
    web_doc_form(b, d, "add", "add");
    wb_fmt(b,
           "<input type=\"hidden\" name=\"list\" value=\"%s\"><input name=\"text\" "
           "maxlength=\"4096\" placeholder=\"Add to %s\" required> <button>Add</button></form>"
           "</div>",
           list, list);
}

static void s_fanout(wb_t *b, const web_doc_t *d)
{
    const json_t *fan = json_object_get(d->doc, "fanout");
    wb_raw(b, "<section id=\"s04\" class=\"part\"><h2><span class=\"num\">§04</span> Fan-out</h2>");
    if (!json_is_object(fan)) {
        wb_raw(b, "<p class=\"missing\">Not written yet.</p></section>");
        return;
    }
    s_fanout_list(b, d, fan, "questions", "Questions");
    s_fanout_list(b, d, fan, "concepts", "Concepts");
    s_fanout_list(b, d, fan, "references", "References");
    if (json_is_true(json_object_get(fan, "curated"))) {
        wb_raw(b, "<details class=\"proposed\"><summary>Edited · show what was proposed</summary>"
                  "<pre class=\"json\">");
        char *s = json_dumps(json_object_get(fan, "proposed"), JSON_INDENT(1));
        wb_text(b, s);
        free(s);
        wb_raw(b, "</pre>");
        web_doc_form(b, d, "reset_fanout", "inline");
        wb_raw(b, "<button>Reset the fan-out to proposed</button></form></details>");
    }
    wb_raw(b, "</section>");
}

static void s_head(wb_t *b, const web_doc_t *d, const char *title)
{
    wb_raw(b, "<main class=\"doc\" id=\"doc\" data-id=\"");
    wb_text(b, d->id);
    wb_fmt(b, "\" data-version=\"%lld\" data-state=\"", (long long)d->version);
    wb_text(b, d->job->state);
    wb_raw(b, "\"><div class=\"flash\" id=\"flash\" role=\"status\" aria-live=\"polite\"></div>");
    if (d->c->banner)
        d->c->banner(b, d->c->banner_arg, d->id);
    wb_raw(b, "<header class=\"doc-head\"><h1>");
    wb_text(b, title);
    wb_raw(b, "</h1><p class=\"meta\">");
    web_doc_progress(b, d);
    wb_raw(b, " · <a href=\"/doc/");
    wb_text(b, d->id);
    wb_raw(b, "/export.md\">Markdown</a> · <a href=\"/doc/");
    wb_text(b, d->id);
    wb_raw(b, "/export.json\">JSON</a>");
    if (d->job->batch[0]) {
        wb_raw(b, " · <a href=\"/batch/");
        wb_text(b, d->job->batch);
        wb_raw(b, "\">batch</a>");
    }
    wb_fmt(b, " · <span class=\"ver\">version %lld</span></p>", (long long)d->version);
    if (d->version > 0) {
        /* Undo is the server's (the job's history): it survives a reload
         * and undoes a change made from the CLI or another tab too. */
        web_doc_form(b, d, "undo", "inline undo");
        wb_raw(b, "<button class=\"small\" id=\"undo-btn\" title=\"Undo the last change (u)\">"
                  "Undo last change</button></form>");
    }
    wb_raw(b, "</header>");
}

/* The page's title: the source's, the synthesis heading, the URL, the id. */
static const char *s_title(const web_doc_t *d)
{
    const char *t = web_jstr(json_object_get(d->doc, "source"), "title");
    if (!t || !*t)
        t = web_jstr(json_object_get(d->doc, "synthesis"), "title");
    if (!t || !*t)
        t = d->url;
    return t && *t ? t : d->id;
}

int web_doc_render(web_ctx_t *c, const char *id, wb_t *b, err_t *err)
{
    store_job_t job;
    int64_t version = 0;
    doc_t *doc = jobdoc_load_versioned(c->app->store, id, &job, &version, err);
    if (!doc)
        return -1;
    char *js = doc_to_json(doc, 0);
    doc_destroy(&doc);
    web_doc_t d = {.c = c, .id = job.id, .job = &job, .version = version};
    d.doc = json_loads(js, 0, NULL);
    free(js);
    d.url = web_jstr(d.doc, "url");
    if (!d.url || !*d.url)
        d.url = web_jstr(json_object_get(d.doc, "source"), "url");
    bool live = strcmp(job.state, "done") != 0 && strcmp(job.state, "failed") != 0 &&
                strcmp(job.state, "expanded") != 0;
    const char *title = s_title(&d);
    web_page_open(b, c, title, live ? 4 : 0);
    s_head(b, &d, title);
    s_source(b, &d);
    web_doc_snippets(b, &d);
    s_synthesis(b, &d);
    s_fanout(b, &d);
    wb_raw(b, "</main>");
    web_page_close(b);
    json_decref(d.doc);
    store_job_clear(&job);
    return 0;
}

void web_page_doc(web_ctx_t *c)
{
    wb_t b;
    wb_init(&b, WEB_PAGE_MAX);
    err_t err = {0};
    if (web_doc_render(c, c->id, &b, &err) != 0) {
        wb_free(&b);
        web_send_err(c, &err);
        return;
    }
    web_send_html(c, 200, &b);
}
