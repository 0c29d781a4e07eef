/*  web_batch.c - GET /batch/ID (progress with rate and ETA, counts per
 *  state and stage, failures with their reasons and a retry button, the
 *  batch's documents), GET /api/batch/ID, and GET /cluster (what `lode
 *  status` counts: queues per stage, in flight, dead letters, totals).
 *  Counting reuses batch.h's tally, the same code as `lode batch status`.
 *  Both pages refresh themselves (meta refresh) while work is left.
 *  SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "job.h"
#include "web_impl.h"

typedef struct {
    store_batch_t b;
    batch_counts_t n;
    char failed[BATCH_FAILED_SHOW][JOB_ID_SIZE];
    size_t n_failed;
} s_batch_t;

static int s_read(web_ctx_t *c, s_batch_t *out, err_t *err)
{
    memset(out, 0, sizeof *out);
    if (!job_id_valid(c->id)) {
        err_set(err, LODE_ENOTFOUND, "no batch %s", c->id);
        return -1;
    }
    if (store_batch_get(c->app->store, c->id, &out->b, err) != 0)
        return -1;
    batch_tally_t *t = batch_tally_new(c->id);
    int rc = batch_tally_update(t, c->app->store, err);
    if (rc == 0) {
        out->n = *batch_tally_counts(t);
        const char(*f)[JOB_ID_SIZE] = batch_tally_failed(t, &out->n_failed);
        memcpy(out->failed, f, out->n_failed * JOB_ID_SIZE);
    }
    batch_tally_destroy(&t);
    return rc;
}

static void s_rate(wb_t *b, const s_batch_t *s)
{
    int64_t fin = batch_counts_finished(&s->n), left = s->n.total - fin;
    double mins = (double)(job_now_ms() - s->b.created_ms) / 60000.0;
    wb_fmt(b,
           "<p class=\"progress\"><progress max=\"%lld\" value=\"%lld\"></progress> %lld of "
           "%lld finished",
           (long long)(s->n.total ? s->n.total : 1), (long long)fin, (long long)fin,
           (long long)s->n.total);
    if (mins > 0.05 && fin > 0) {
        double rate = (double)fin / mins;
        wb_fmt(b, " · %.1f a minute", rate);
        if (left > 0)
            wb_fmt(b, " · about %.0f min left", (double)left / rate + 0.5);
    }
    wb_raw(b, "</p>");
}

static void s_counts(wb_t *b, const s_batch_t *s)
{
    wb_raw(b, "<table class=\"counts\"><thead><tr><th>State</th><th>Jobs</th></tr></thead><tbody>");
    for (int i = 0; i < BATCH_STATE_COUNT; i++)
        if (s->n.state[i])
            wb_fmt(b, "<tr><td>%s</td><td class=\"num\">%lld</td></tr>",
                   batch_state_name((batch_state_t)i), (long long)s->n.state[i]);
    wb_raw(b, "</tbody></table><table class=\"counts\"><thead><tr><th>Stage</th><th>Queued</th>"
              "<th>Running</th><th>Failed</th></tr></thead><tbody>");
    for (int i = 0; i < JOB_STAGE_COUNT; i++)
        wb_fmt(b,
               "<tr><td>%s</td><td class=\"num\">%lld</td><td class=\"num\">%lld</td><td "
               "class=\"num\">%lld</td></tr>",
               job_stage_name((job_stage_t)i), (long long)s->n.queued[i],
               (long long)s->n.running[i], (long long)s->n.failed[i]);
    wb_raw(b, "</tbody></table>");
}

static void s_failures(web_ctx_t *c, wb_t *b, const s_batch_t *s)
{
    if (s->n_failed == 0)
        return;
    wb_raw(b, "<h2>Failures</h2><ul class=\"failures\">");
    for (size_t i = 0; i < s->n_failed; i++) {
        store_job_t j;
        err_t err = {0};
        bool got = store_job_get(c->app->store, s->failed[i], &j, &err) == 0;
        wb_raw(b, "<li><a href=\"/doc/");
        wb_text(b, s->failed[i]);
        wb_raw(b, "\">");
        wb_text(b, got && j.url ? j.url : s->failed[i]);
        wb_raw(b, "</a> <span class=\"error\">");
        wb_text(b, got && j.error ? j.error : "");
        wb_raw(b, "</span> <form method=\"post\" class=\"inline\" action=\"/doc/");
        wb_text(b, s->failed[i]);
        wb_raw(b, "/retry\">");
        web_csrf_field(b, c);
        wb_raw(b, "<button class=\"small\">Retry</button></form></li>");
        if (got)
            store_job_clear(&j);
    }
    wb_raw(b, "</ul>");
}

void web_page_batch(web_ctx_t *c)
{
    s_batch_t s;
    err_t err = {0};
    if (s_read(c, &s, &err) != 0) {
        web_send_err(c, &err);
        return;
    }
    bool live = batch_counts_finished(&s.n) < s.n.total || s.n.open;
    wb_t b;
    wb_init(&b, WEB_PAGE_MAX);
    web_page_open(&b, c, s.b.name[0] ? s.b.name : "Batch", live ? 5 : 0);
    wb_raw(&b, live ? "<main class=\"batch\" data-live=\"1\"><h1>Batch "
                    : "<main class=\"batch\"><h1>Batch ");
    wb_text(&b, s.b.name[0] ? s.b.name : c->id);
    wb_raw(&b, "</h1>");
    s_rate(&b, &s);
    s_counts(&b, &s);
    s_failures(c, &b, &s);
    wb_raw(&b, "<p><a href=\"/?batch=");
    wb_urlenc(&b, c->id);
    wb_raw(&b, "\">The batch's documents</a> · <a href=\"/batch/");
    wb_text(&b, c->id);
    wb_raw(&b, "/review\">Review mode</a>: every proposed snippet, document after document, "
               "with the same keys</p><p>Export: <a href=\"/batch/");
    wb_text(&b, c->id);
    wb_raw(&b, "/export.jsonl\">JSON Lines</a> · <a href=\"/batch/");
    wb_text(&b, c->id);
    wb_raw(&b, "/export.tar\">Markdown for an Obsidian vault (.tar)</a></p></main>");
    web_page_close(&b);
    web_send_html(c, 200, &b);
}

void web_batch_json(web_ctx_t *c)
{
    s_batch_t s;
    err_t err = {0};
    if (s_read(c, &s, &err) != 0) {
        web_send_err(c, &err);
        return;
    }
    json_t *states = json_object(), *failed = json_array();
    for (int i = 0; i < BATCH_STATE_COUNT; i++)
        json_object_set_new(states, batch_state_name((batch_state_t)i), json_integer(s.n.state[i]));
    for (size_t i = 0; i < s.n_failed; i++)
        json_array_append_new(failed, json_string(s.failed[i]));
    web_send_json(c, 200,
                  json_pack("{s:s,s:s,s:I,s:I,s:b,s:o,s:o}", "id", c->id, "name", s.b.name,
                            "created_ms", (json_int_t)s.b.created_ms, "total",
                            (json_int_t)s.n.total, "open", s.n.open, "states", states, "failed",
                            failed));
}

void web_page_cluster(web_ctx_t *c)
{
    store_stats_t st;
    err_t err = {0};
    if (store_stats(c->app->store, &st, &err) != 0) {
        web_send_err(c, &err);
        return;
    }
    wb_t b;
    wb_init(&b, 256 * 1024);
    web_page_open(&b, c, "Cluster", 2);
    wb_raw(&b, "<main class=\"cluster\"><h1>Cluster</h1><table class=\"counts\"><thead><tr><th>"
               "Stage</th><th>Queued</th></tr></thead><tbody>");
    for (int s = 0; s < JOB_STAGE_COUNT; s++)
        wb_fmt(&b, "<tr><td>%s</td><td class=\"num\">%lld</td></tr>",
               job_stage_name((job_stage_t)s), (long long)st.queued[s]);
    wb_fmt(&b,
           "</tbody></table><dl class=\"facts\"><div><dt>In flight</dt><dd>%lld</dd></div>"
           "<div><dt>Waiting to retry</dt><dd>%lld</dd></div><div><dt>Dead letters</dt>"
           "<dd>%lld</dd></div><div><dt>Jobs</dt><dd>%lld</dd></div><div><dt>Submitted</dt>"
           "<dd>%lld</dd></div><div><dt>Done</dt><dd>%lld</dd></div><div><dt>Failed</dt>"
           "<dd>%lld</dd></div><div><dt>Retried</dt><dd>%lld</dd></div></dl>"
           "<h2>Live: stages and workers (as <code>lode top</code>)</h2>",
           (long long)st.in_flight, (long long)st.delayed, (long long)st.dead, (long long)st.jobs,
           (long long)st.submitted, (long long)st.done, (long long)st.failed,
           (long long)st.retried);
    web_top_view(&b, c->app);
    wb_raw(&b, "</main>");
    web_page_close(&b);
    web_send_html(c, 200, &b);
}
