/*  curve.h - authenticated, encrypted transport for Lode's ZeroMQ sockets:
 *  CURVE certificates (czmq zcert) and, on the broker, a ZAP handler (czmq
 *  zauth) that admits only peers whose public key is in an allow-list
 *  directory. Everything stays plain when no certificate is configured.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_CURVE_H
#define LODE_CURVE_H
#include <stdbool.h>
#include <stddef.h>

#include <czmq.h>

#include "err.h"

typedef struct curve curve_t;

/* Paths; borrowed. Environment fallbacks: LODE_CURVE_CERT, LODE_CURVE_SERVER,
 * LODE_CURVE_ALLOW (see curve_opts_from_env). */
typedef struct {
    const char *cert;      /* own certificate: either file of a curve_keygen pair (czmq reads
                              cert_secret when it exists); it must hold the secret key */
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

/* Another socket of the same server (the broker's stats PUB), before
 * bind: a CURVE server with opts->cert; the ZAP handler curve_server_new
 * started admits its peers too. A no-op with CURVE off or no certificate. */
LODE_MUST_CHECK int curve_server_apply(zsock_t *sock, const curve_opts_t *opts, err_t *err);

/* Peer side, before connect: make sock a CURVE client with opts->cert and the
 * broker's public key from opts->server. A no-op with CURVE off. */
LODE_MUST_CHECK int curve_client_apply(zsock_t *sock, const curve_opts_t *opts, err_t *err);

/* Stop the ZAP handler and free; sets *self_p to NULL. Safe on NULL. */
void curve_destroy(curve_t **self_p);

/* Number of distinct public keys the server's allow-list directory held when
 * curve_server_new checked it (0 with CURVE off). The handler re-reads the
 * directory when it changes, so keys can be added while the broker runs. */
size_t curve_allowed(const curve_t *self);

/* Z85 text of a key: 40 characters and a NUL. */
#define CURVE_KEY_TXT_SIZE 41

/* Longest certificate path accepted (czmq appends "_secret" in a 256-byte
 * buffer). */
#define CURVE_PATH_MAX 240

/* Write a new keypair: path (public, mode 0644 before umask) and path_secret
 * (secret, mode 0600). Refuses to overwrite either file (LODE_EINVAL). If
 * public_txt is not NULL it receives the new public key in Z85. */
LODE_MUST_CHECK int curve_keygen(const char *path, char public_txt[CURVE_KEY_TXT_SIZE], err_t *err);

/* Read the public key (Z85) of a certificate file; with need_secret, the
 * file must also hold the matching secret key. For tests and `lode keygen`. */
LODE_MUST_CHECK int curve_cert_public(const char *path,
                                      bool need_secret,
                                      char public_txt[CURVE_KEY_TXT_SIZE],
                                      err_t *err);
#endif
