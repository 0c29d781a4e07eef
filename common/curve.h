/*  curve.h - authenticated, encrypted transport for Lode's ZeroMQ sockets:
 *  CURVE certificates (czmq zcert) and, on the broker, a ZAP handler (czmq
 *  zauth) that admits only peers whose public key is in an allow-list
 *  directory. Everything stays plain when no certificate is configured.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_CURVE_H
#define LODE_CURVE_H
#include <stdbool.h>

#include <czmq.h>

#include "err.h"

typedef struct curve curve_t;

/* Paths; borrowed. Environment fallbacks: LODE_CURVE_CERT, LODE_CURVE_SERVER,
 * LODE_CURVE_ALLOW (see curve_opts_from_env). */
typedef struct {
    const char *cert;      /* own certificate: the "_secret" file written by curve_keygen */
    const char *server;    /* peers: the broker's public certificate file */
    const char *allow_dir; /* broker: directory of allowed peers' public certificates */
} curve_opts_t;

/* Fill unset fields of opts from the environment. */
void curve_opts_from_env(curve_opts_t *opts);

/* True if opts ask for CURVE at all. */
bool curve_enabled(const curve_opts_t *opts);

/* Broker side, before bind: make sock a CURVE server with opts->cert and
 * start a ZAP handler admitting only keys found in opts->allow_dir. Returns
 * the handle that keeps the handler alive (NULL and *err on failure, e.g.
 * missing cert or allow_dir). With CURVE off, returns a handle that does
 * nothing. */
curve_t *curve_server_new(zsock_t *sock, const curve_opts_t *opts, err_t *err);

/* Peer side, before connect: make sock a CURVE client with opts->cert and the
 * broker's public key from opts->server. A no-op with CURVE off. */
LODE_MUST_CHECK int curve_client_apply(zsock_t *sock, const curve_opts_t *opts, err_t *err);

/* Stop the ZAP handler and free; sets *self_p to NULL. Safe on NULL. */
void curve_destroy(curve_t **self_p);

/* Write a new keypair: path (public) and path_secret (secret, mode 0600).
 * Refuses to overwrite existing files. */
LODE_MUST_CHECK int curve_keygen(const char *path, err_t *err);
#endif
