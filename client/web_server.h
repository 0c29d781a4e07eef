/*  web_server.h - the workbench's HTTP server on libmicrohttpd: one
 *  internal thread (the handlers share one Redis connection and the
 *  session table, so nothing is locked), bounded connections, an idle
 *  timeout, bodies capped per route (web_body_cap), forms parsed with
 *  MHD's post processor, and the security headers on every response.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_WEB_SERVER_H
#define LODE_WEB_SERVER_H
#include <stdbool.h>

#include "err.h"
#include "web_app.h"

#define WEB_CONN_LIMIT     64 /* connections at once */
#define WEB_CONN_PER_IP    32 /* from one address */
#define WEB_CONN_TIMEOUT   30 /* seconds a connection may sit idle */
#define WEB_LISTEN_DEFAULT "127.0.0.1:8420"

/* The CSP and the other headers every response carries. */
#define WEB_CSP                                                                                    \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "              \
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

typedef struct web_server web_server_t;

/* Parse "HOST:PORT" or "[V6]:PORT" (numeric addresses, or localhost).
 * *loopback: 127.0.0.0/8 or ::1. -1 and LODE_EINVAL if malformed. */
int web_listen_parse(const char *listen, bool *loopback, int *port, err_t *err);

/* Listen on listen and serve app (borrowed; used only from the server's
 * thread until web_server_stop). NULL and *err if the address is bad or
 * taken. */
web_server_t *web_server_start(const char *listen, web_app_t *app, err_t *err);

/* The port actually bound (for "…:0"). */
int web_server_port(const web_server_t *self);

/* Stop (waits for the thread) and free; sets *self_p to NULL. */
void web_server_stop(web_server_t **self_p);
#endif
