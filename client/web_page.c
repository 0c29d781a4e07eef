/*  web_page.c - the frame every workbench page shares: head with the
 *  compiled-in stylesheet and script (no inline script: the CSP forbids
 *  it), the CSRF token for the script in a meta tag, the top bar; the
 *  "Redis is down" page; relative times.
 *  SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <time.h>

#include "job.h"
#include "web_assets.h"
#include "web_impl.h"

void web_page_open(wb_t *b, const web_ctx_t *c, const char *title, int meta_refresh)
{
    wb_raw(b, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
              "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
              "<link rel=\"icon\" href=\"data:,\">");
    if (meta_refresh > 0)
        /* Only without JavaScript: app.js polls instead and keeps what is typed. */
        wb_fmt(b, "<noscript><meta http-equiv=\"refresh\" content=\"%d\"></noscript>",
               meta_refresh);
    if (c->session) {
        wb_raw(b, "<meta name=\"csrf\" content=\"");
        wb_text(b, c->session->csrf);
        wb_raw(b, "\">");
    }
    wb_raw(b, "<title>");
    wb_text(b, title);
    wb_raw(b, " · Lode</title>");
    wb_fmt(b, "<link rel=\"stylesheet\" href=\"/static/app.css?v=%s\">", web_assets_version);
    wb_fmt(b, "<script src=\"/static/app.js?v=%s\" defer></script></head><body>",
           web_assets_version);
    wb_raw(b, "<header class=\"top\"><a class=\"brand\" href=\"/\">Lode</a>"
              "<nav><a href=\"/\">Library</a><a href=\"/cluster\">Cluster</a>"
              "<a href=\"#keys\" class=\"keys-link\" title=\"Keyboard (?)\">Keys</a>");
    if (c->session && c->app->token) {
        wb_raw(b, "<form method=\"post\" action=\"/logout\" class=\"inline\">");
        web_csrf_field(b, c);
        wb_raw(b, "<button class=\"link\">Sign out</button></form>");
    }
    wb_raw(b, "</nav></header>");
}

void web_page_close(wb_t *b)
{
    wb_raw(b, "<aside id=\"keys\" class=\"keys\"><h2>Keys</h2><dl>"
              "<dt>j / k</dt><dd>next / previous snippet</dd>"
              "<dt>x</dt><dd>drop or keep</dd><dt>e</dt><dd>edit the commentary</dd>"
              "<dt>Shift+J / Shift+K</dt><dd>move the snippet, or the focused fan-out item "
              "(Tab to it), down / up</dd>"
              "<dt>u</dt><dd>undo the last change (kept by the server: survives a reload, "
              "covers the CLI too)</dd>"
              "<dt>n</dt><dd>reviewed, next document (review mode)</dd><dt>?</dt><dd>this help</dd>"
              "</dl><p><a href=\"#\">Close</a></p></aside>"
              "<footer class=\"foot\">Lode · every quote proves itself</footer></body></html>");
}

void web_csrf_field(wb_t *b, const web_ctx_t *c)
{
    if (!c->session)
        return;
    wb_raw(b, "<input type=\"hidden\" name=\"csrf\" value=\"");
    wb_text(b, c->session->csrf);
    wb_raw(b, "\">");
}

void web_send_down(web_ctx_t *c, const err_t *err)
{
    wb_t b;
    wb_init(&b, 64 * 1024);
    web_page_open(&b, c, "Redis unreachable", 5);
    wb_raw(&b, "<main class=\"down\"><h1>Redis is unreachable</h1><p>The workbench cannot read "
               "the library right now: ");
    wb_text(&b, err->msg);
    wb_raw(&b, "</p><p>Nothing was changed. This page tries again every 5 seconds and shows the "
               "library as soon as Redis answers.</p></main>");
    web_page_close(&b);
    web_send_html(c, 503, &b);
}

void web_when(wb_t *b, int64_t ms)
{
    int64_t ago = (job_now_ms() - ms) / 1000;
    if (ms <= 0)
        wb_raw(b, "—");
    else if (ago < 60)
        wb_raw(b, "just now");
    else if (ago < 3600)
        wb_fmt(b, "%lld min ago", (long long)(ago / 60));
    else if (ago < 86400)
        wb_fmt(b, "%lld h ago", (long long)(ago / 3600));
    else {
        time_t t = (time_t)(ms / 1000);
        struct tm tm;
        char day[32];
        gmtime_r(&t, &tm);
        strftime(day, sizeof day, "%Y-%m-%d", &tm);
        wb_raw(b, day);
    }
}
