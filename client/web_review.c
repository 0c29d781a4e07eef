/*  web_review.c - review mode over a batch (GET/POST /batch/ID/review):
 *  the next done document not yet reviewed, shown as the document page
 *  (the same keys: j/k, x, e, Shift+J/K, u) under a bar that says how much
 *  is left, with "reviewed, next" (key n). What was reviewed is kept in
 *  Redis (store_review_*), so a person can stop and come back, or share a
 *  batch with others.
 *  SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "web_doc.h"
#include "web_impl.h"

typedef struct {
    const char *batch;
    const char *csrf; /* the session's, for the form */
    store_review_t r;
} s_review_t;

static void s_banner(wb_t *b, const void *arg, const char *doc_id)
{
    const s_review_t *s = arg;
    int64_t left = s->r.total - s->r.reviewed;
    wb_fmt(b,
           "<div class=\"review-bar\"><strong>Review mode</strong> · %lld of %lld documents "
           "reviewed, %lld left · ",
           (long long)s->r.reviewed, (long long)s->r.total, (long long)(left > 0 ? left : 0));
    wb_raw(b, "<form method=\"post\" class=\"inline\" action=\"/batch/");
    wb_text(b, s->batch);
    wb_raw(b, "/review\"><input type=\"hidden\" name=\"doc\" value=\"");
    wb_text(b, doc_id);
    wb_fmt(b, "\"><input type=\"hidden\" name=\"cursor\" value=\"%zu\">", s->r.cursor);
    wb_raw(b, "<input type=\"hidden\" name=\"csrf\" value=\"");
    wb_text(b, s->csrf);
    wb_raw(b, "\"><button id=\"review-next\">Reviewed, next document (n)</button></form></div>");
}

void web_review_page(web_ctx_t *c)
{
    s_review_t s = {.batch = c->id, .csrf = c->session ? c->session->csrf : ""};
    const char *cur = web_arg(c->req, "cursor");
    s.r.cursor = cur ? strtoull(cur, NULL, 10) : 0;
    err_t err = {0};
    int rc = 0;
    /* Each call examines at most 2,000 ids; a long reviewed stretch takes a few. */
    for (int i = 0; i < 50 && rc == 0; i++) {
        rc = store_review_next(c->app->store, c->id, &s.r, &err);
        if (rc != 0 || s.r.id[0] || (int64_t)s.r.cursor >= s.r.total)
            break;
    }
    if (rc != 0) {
        web_send_err(c, &err);
        return;
    }
    wb_t b;
    wb_init(&b, WEB_PAGE_MAX);
    if (!s.r.id[0]) {
        web_page_open(&b, c, "Review", 0);
        wb_fmt(&b,
               "<main class=\"batch\"><h1>Review done</h1><p>%lld of %lld documents of this "
               "batch are marked reviewed; no finished document is left to review.</p><p>",
               (long long)s.r.reviewed, (long long)s.r.total);
        wb_raw(&b, "<a href=\"/batch/");
        wb_text(&b, c->id);
        wb_raw(&b, "\">Back to the batch</a></p></main>");
        web_page_close(&b);
        web_send_html(c, 200, &b);
        return;
    }
    /* The banner lives only for this render: cleared again below. */
    c->banner = s_banner;
    // cppcheck-suppress autoVariables
    c->banner_arg = &s;
    int rendered = web_doc_render(c, s.r.id, &b, &err);
    c->banner = NULL;
    c->banner_arg = NULL;
    if (rendered != 0) {
        wb_free(&b);
        web_send_err(c, &err);
        return;
    }
    web_send_html(c, 200, &b);
}

void web_review_mark(web_ctx_t *c)
{
    const char *doc = web_arg(c->req, "doc"), *cur = web_arg(c->req, "cursor");
    err_t err = {0};
    if (!doc || store_review_mark(c->app->store, c->id, doc, true, &err) != 0) {
        if (!doc)
            err_set(&err, LODE_EINVAL, "which document? (doc)");
        web_send_err(c, &err);
        return;
    }
    char loc[128];
    snprintf(loc, sizeof loc, "/batch/%s/review?cursor=%llu", c->id,
             cur ? (unsigned long long)strtoull(cur, NULL, 10) : 0ULL);
    web_send_redirect(c, loc);
}
