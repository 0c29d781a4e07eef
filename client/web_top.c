/*  web_top.c - the cluster page's live part: the broker's stats snapshots
 *  (the SUB that `lode top` uses: topic "stats" on $LODE_PUB, default
 *  tcp://127.0.0.1:5556), laid out by top_format, the same code as the
 *  terminal view. The socket stays open; each request takes in whatever
 *  arrived without waiting, so the page costs nothing while idle.
 *  SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "curve.h"
#include "mem.h"
#include "top.h"
#include "web_impl.h"

#define WEB_PUB_DEFAULT "tcp://127.0.0.1:5556" /* = lode top's default */
#define WEB_STATS_MAX   (4u * 1024 * 1024)

static const char *s_endpoint(void)
{
    const char *e = getenv("LODE_PUB");
    return e && *e ? e : WEB_PUB_DEFAULT;
}

static zsock_t *s_connect(web_app_t *app)
{
    zsock_t *sub = zsock_new(ZMQ_SUB);
    if (!sub)
        return NULL;
    err_t err = {0};
    zsock_set_rcvhwm(sub, 4);
    zsock_set_linger(sub, 0);
    zsock_set_subscribe(sub, "stats");
    if (curve_client_apply(sub, &app->cli->curve, &err) != 0 ||
        zsock_connect(sub, "%s", s_endpoint()) < 0) {
        zsock_destroy(&sub);
        return NULL;
    }
    return sub;
}

/* Take one waiting snapshot: true if one came. */
static bool s_take(web_app_t *app)
{
    zmsg_t *msg = zmsg_recv_nowait(app->stats_sub);
    if (!msg)
        return false;
    zframe_t *topic = zmsg_first(msg), *body = zmsg_next(msg);
    if (topic && body && zframe_streq(topic, "stats") && zframe_size(body) < WEB_STATS_MAX) {
        free(app->stats);
        app->stats = mem_strndup((const char *)zframe_data(body), zframe_size(body));
        app->stats_ms = zclock_mono();
    }
    zmsg_destroy(&msg);
    return true;
}

const char *web_top_snapshot(web_app_t *app)
{
    if (!app->stats_sub) {
        app->stats_sub = s_connect(app);
        if (!app->stats_sub)
            return NULL;
        /* The broker publishes once a second: wait for the first one once. */
        zpoller_t *p = zpoller_new(app->stats_sub, NULL);
        zpoller_wait(p, 1100);
        zpoller_destroy(&p);
    }
    while (s_take(app))
        ;
    return app->stats;
}

void web_top_close(web_app_t *app)
{
    zsock_t *sub = app->stats_sub;
    zsock_destroy(&sub);
    app->stats_sub = NULL;
    free(app->stats);
    app->stats = NULL;
}

/* The text view of the last snapshot, escaped into b. */
void web_top_view(wb_t *b, web_app_t *app)
{
    const char *snap = web_top_snapshot(app);
    if (!snap) {
        wb_raw(b, "<p class=\"missing\">No stats from the broker yet at ");
        wb_text(b, s_endpoint());
        wb_raw(b, " (lode-broker --pub; set LODE_PUB if it publishes elsewhere).</p>");
        return;
    }
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    err_t err = {0};
    long stale = (long)((zclock_mono() - app->stats_ms) / 1000);
    top_fmt_t fmt = {.endpoint = s_endpoint(), .max_workers = 200, .stale_s = (int)stale};
    int rc = f ? top_format(f, snap, &fmt, &err) : -1;
    if (f)
        fclose(f);
    if (rc == 0) {
        wb_raw(b, "<pre class=\"top\">");
        wb_textn(b, text, len);
        wb_raw(b, "</pre>");
    } else
        wb_raw(b, "<p class=\"missing\">The broker's stats could not be read.</p>");
    free(text);
}
