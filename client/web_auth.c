/*  web_auth.c - who may act. Loopback without a token: any local browser,
 *  which gets a session on its first visit. With a token (required off
 *  loopback): a browser signs in once at /login and gets a session; a
 *  script sends "Authorization: Bearer TOKEN". A session lives in an
 *  HttpOnly, SameSite=Strict cookie and carries a CSRF token that every
 *  state-changing request must send back (X-CSRF-Token or a csrf field);
 *  a bearer client needs none, as no browser sends that header by itself.
 *  Sessions are kept in memory: a restart signs everyone out.
 *  SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "job.h"
#include "mem.h"
#include "web_impl.h"

bool web_secret_eq(const char *a, const char *b)
{
    if (!a || !b)
        return false;
    size_t na = strlen(a), nb = strlen(b);
    unsigned char diff = (unsigned char)(na != nb);
    for (size_t i = 0; i < na; i++)
        diff |= (unsigned char)(a[i] ^ b[nb ? i % nb : 0]);
    return diff == 0;
}

/* 32 random bytes as 64 hex digits. */
static void s_random_hex(char out[65])
{
    unsigned char raw[32];
    size_t got = 0;
    while (got < sizeof raw) {
        ssize_t n = getrandom(raw + got, sizeof raw - got, 0);
        if (n > 0)
            got += (size_t)n;
    }
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
}

static web_session_t *s_find(web_app_t *app, const char *cookie)
{
    const char *p = cookie ? strstr(cookie, WEB_COOKIE "=") : NULL;
    if (!p)
        return NULL;
    p += strlen(WEB_COOKIE "=");
    char id[65];
    size_t n = strcspn(p, "; ");
    if (n != 64)
        return NULL;
    memcpy(id, p, 64);
    id[64] = '\0';
    for (size_t i = 0; i < WEB_SESSIONS_MAX; i++) {
        web_session_t *s = &app->sessions[i];
        if (s->used && web_secret_eq(s->id, id)) {
            s->seen_ms = job_now_ms();
            return s;
        }
    }
    return NULL;
}

/* A new session in the table (the least recently seen one makes room). */
static web_session_t *s_create(web_ctx_t *c)
{
    web_session_t *pick = &c->app->sessions[0];
    for (size_t i = 0; i < WEB_SESSIONS_MAX; i++) {
        web_session_t *s = &c->app->sessions[i];
        if (!s->used) {
            pick = s;
            break;
        }
        if (s->seen_ms < pick->seen_ms)
            pick = s;
    }
    pick->used = true;
    pick->seen_ms = job_now_ms();
    s_random_hex(pick->id);
    s_random_hex(pick->csrf);
    snprintf(c->resp->set_cookie, sizeof c->resp->set_cookie,
             WEB_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict", pick->id);
    return pick;
}

int web_auth(web_ctx_t *c)
{
    web_app_t *app = c->app;
    const char *auth = c->req->auth;
    if (auth && auth[0]) {
        if (app->token && strncmp(auth, "Bearer ", 7) == 0 && web_secret_eq(auth + 7, app->token)) {
            c->bearer = true;
            return 0;
        }
        web_send_error(c, 401, "wrong access token");
        return -1;
    }
    c->session = s_find(app, c->req->cookie);
    if (c->session)
        return 0;
    if (app->token) {
        if (web_is_api(c))
            web_send_error(c, 401, "missing access token: send Authorization: Bearer TOKEN");
        else
            web_send_redirect(c, "/login");
        return -1;
    }
    c->session = s_create(c);
    return 0;
}

int web_csrf_check(web_ctx_t *c)
{
    if (c->bearer)
        return 0;
    const char *sent = c->req->csrf && c->req->csrf[0] ? c->req->csrf : web_arg(c->req, "csrf");
    if (c->session && sent && web_secret_eq(sent, c->session->csrf))
        return 0;
    web_send_error(c, 403, "missing or wrong CSRF token: reload the page and try again");
    return -1;
}

static void s_login_page(web_ctx_t *c, int status, const char *msg)
{
    wb_t b;
    wb_init(&b, 64 * 1024);
    web_page_open(&b, c, "Sign in", 0);
    wb_raw(&b, "<main class=\"login\"><h1>Sign in</h1>");
    if (msg) {
        wb_raw(&b, "<p class=\"flash\">");
        wb_text(&b, msg);
        wb_raw(&b, "</p>");
    }
    wb_raw(&b, "<form method=\"post\" action=\"/login\"><label>Access token "
               "<input type=\"password\" name=\"token\" autocomplete=\"current-password\" "
               "autofocus></label> <button>Sign in</button></form></main>");
    web_page_close(&b);
    web_send_html(c, status, &b);
}

void web_login(web_ctx_t *c)
{
    bool post = strcmp(c->req->method, "POST") == 0;
    if (strcmp(c->req->path, "/logout") == 0) {
        web_session_t *s = s_find(c->app, c->req->cookie);
        if (post && s && web_secret_eq(web_arg(c->req, "csrf"), s->csrf))
            memset(s, 0, sizeof *s);
        snprintf(c->resp->set_cookie, sizeof c->resp->set_cookie,
                 WEB_COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
        web_send_redirect(c, c->app->token ? "/login" : "/");
        return;
    }
    if (!c->app->token) {
        web_send_redirect(c, "/");
        return;
    }
    if (!post) {
        s_login_page(c, 200, NULL);
        return;
    }
    if (!web_secret_eq(web_arg(c->req, "token"), c->app->token)) {
        s_login_page(c, 401, "That is not the access token.");
        return;
    }
    c->session = s_create(c);
    web_send_redirect(c, "/");
}
