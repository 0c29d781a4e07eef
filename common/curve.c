/*  curve.c - CURVE certificates (czmq zcert) and the broker's ZAP handler
 *  (czmq zauth). Secret keys never leave this file: errors name files and
 *  public keys only.
 *  SPDX-License-Identifier: MIT
 */
#include "curve.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mem.h"

/* libzmq's ZAP domain option number: fail closed when no ZAP handler answers.
 * A draft option in libzmq 4.3; set when the library accepts it. */
#define CURVE_ZAP_ENFORCE_DOMAIN 93

struct curve {
    zactor_t *auth;   /* owned: the zauth actor; NULL with CURVE off */
    size_t n_allowed; /* distinct keys in the allow-list directory at start */
};

/* zauth binds inproc://zeromq.zap.01 in the process-wide czmq context: a
 * second one in the same process would fail inside its thread. */
static atomic_int s_servers;

static void s_env(const char **field, const char *name)
{
    if (*field && **field)
        return;
    const char *v = getenv(name);
    *field = v && *v ? v : NULL;
}

void curve_opts_from_env(curve_opts_t *opts)
{
    s_env(&opts->cert, "LODE_CURVE_CERT");
    s_env(&opts->server, "LODE_CURVE_SERVER");
    s_env(&opts->allow_dir, "LODE_CURVE_ALLOW");
}

static bool s_set(const char *s)
{
    return s && *s;
}

bool curve_enabled(const curve_opts_t *opts)
{
    return opts && (s_set(opts->cert) || s_set(opts->server) || s_set(opts->allow_dir));
}

/* --- certificates ------------------------------------------------------------ */

static bool s_zero(const byte *key)
{
    for (int i = 0; i < 32; i++)
        if (key[i])
            return false;
    return true;
}

/* The file zcert_load will read for path (path_secret first, as czmq does),
 * checked readable; 0 or -1 and *err. */
static int s_check_readable(const char *path, const char *what, err_t *err)
{
    if (strlen(path) > CURVE_PATH_MAX) {
        err_set(err, LODE_EINVAL, "%s path is over %d characters", what, CURVE_PATH_MAX);
        return -1;
    }
    char secret[CURVE_PATH_MAX + 16];
    snprintf(secret, sizeof secret, "%s_secret", path);
    struct stat st;
    const char *file = stat(secret, &st) == 0 ? secret : path;
    if (stat(file, &st) != 0) {
        err_set(err, LODE_EINVAL, "%s %s: %s", what, path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        err_set(err, LODE_EINVAL, "%s %s is not a regular file", what, file);
        return -1;
    }
    if (access(file, R_OK) != 0) {
        err_set(err, LODE_EINVAL, "%s %s: %s", what, file, strerror(errno));
        return -1;
    }
    return 0;
}

/* Load a certificate and check it: a valid public key and, with need_secret,
 * the secret key that goes with it. */
static zcert_t *s_load(const char *path, bool need_secret, const char *what, err_t *err)
{
    if (!s_set(path)) {
        err_set(err, LODE_EINVAL, "no %s given", what);
        return NULL;
    }
    if (s_check_readable(path, what, err) != 0)
        return NULL;
    zcert_t *cert = zcert_load(path);
    if (!cert || s_zero(zcert_public_key(cert))) {
        err_set(err, LODE_EINVAL, "%s %s is not a CURVE certificate (no valid public-key)", what,
                path);
        zcert_destroy(&cert);
        return NULL;
    }
    if (!need_secret)
        return cert;
    char derived[CURVE_KEY_TXT_SIZE];
    if (s_zero(zcert_secret_key(cert))) {
        err_set(err, LODE_EINVAL,
                "%s %s holds no secret key: give the _secret file written by lode keygen", what,
                path);
        zcert_destroy(&cert);
    } else if (zmq_curve_public(derived, zcert_secret_txt(cert)) != 0 ||
               strcmp(derived, zcert_public_txt(cert)) != 0) {
        err_set(err, LODE_EINVAL, "%s %s: its public and secret keys do not match", what, path);
        zcert_destroy(&cert);
    }
    return cert;
}

int curve_cert_public(const char *path,
                      bool need_secret,
                      char public_txt[CURVE_KEY_TXT_SIZE],
                      err_t *err)
{
    zcert_t *cert = s_load(path, need_secret, "certificate", err);
    if (!cert)
        return -1;
    snprintf(public_txt, CURVE_KEY_TXT_SIZE, "%s", zcert_public_txt(cert));
    zcert_destroy(&cert);
    return 0;
}

/* Create path exclusively with mode; 0, or -1 and *err. */
static int s_create_excl(const char *path, mode_t mode, err_t *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) {
        if (errno == EEXIST)
            err_set(err, LODE_EINVAL, "%s already exists; not overwriting it", path);
        else
            err_set(err, LODE_EIO, "cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    close(fd);
    return 0;
}

/* Both files are created empty first (O_EXCL: never overwrite, and the
 * secret one is 0600 before a byte of it is written), then filled by zcert. */
int curve_keygen(const char *path, char public_txt[CURVE_KEY_TXT_SIZE], err_t *err)
{
    if (!s_set(path) || strlen(path) > CURVE_PATH_MAX) {
        err_set(err, LODE_EINVAL, "keygen wants a path of 1 to %d characters", CURVE_PATH_MAX);
        return -1;
    }
    if (!zsys_has_curve()) {
        err_set(err, LODE_EUNSUPPORTED, "this libzmq was built without CURVE");
        return -1;
    }
    char secret[CURVE_PATH_MAX + 16];
    snprintf(secret, sizeof secret, "%s_secret", path);
    struct stat st;
    if (stat(secret, &st) == 0) {
        err_set(err, LODE_EINVAL, "%s already exists; not overwriting it", secret);
        return -1;
    }
    if (s_create_excl(path, 0644, err) != 0)
        return -1;
    if (s_create_excl(secret, 0600, err) != 0) {
        unlink(path);
        return -1;
    }
    zcert_t *cert = zcert_new();
    int rc = -1;
    if (!cert)
        err_set(err, LODE_EIO, "cannot make a CURVE key pair");
    else if (zcert_save_public(cert, path) != 0 || zcert_save_secret(cert, secret) != 0 ||
             chmod(secret, 0600) != 0)
        err_set(err, LODE_EIO, "cannot write %s or %s: %s", path, secret, strerror(errno));
    else
        rc = 0;
    if (rc == 0 && public_txt)
        snprintf(public_txt, CURVE_KEY_TXT_SIZE, "%s", zcert_public_txt(cert));
    zcert_destroy(&cert);
    if (rc != 0) {
        unlink(secret);
        unlink(path);
    }
    return rc;
}

/* --- allow list ----------------------------------------------------------------- */

/* Count the distinct public keys zauth will load from dir, refusing two files
 * with the same key: czmq's certificate store asserts on a duplicate, which
 * would abort the broker. */
static int s_scan_allow_dir(const char *dir, size_t *n, err_t *err)
{
    struct stat st;
    if (stat(dir, &st) != 0 || access(dir, R_OK | X_OK) != 0) {
        err_set(err, LODE_EINVAL, "allow-list directory %s: %s", dir, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        err_set(err, LODE_EINVAL, "allow-list directory %s is not a directory", dir);
        return -1;
    }
    zdir_t *zd = zdir_new(dir, NULL);
    zfile_t **files = zd ? zdir_flatten(zd) : NULL;
    zhashx_t *seen = zhashx_new(); /* public key -> file name, borrowed from files */
    int rc = 0;
    for (size_t i = 0; files && files[i] && rc == 0; i++) {
        const char *name = zfile_filename(files[i], NULL);
        size_t len = strlen(name);
        if (!zfile_is_regular(files[i]) || (len >= 7 && strcmp(name + len - 7, "_secret") == 0))
            continue;
        zcert_t *cert = zcert_load(name);
        const char *other = cert ? zhashx_lookup(seen, zcert_public_txt(cert)) : NULL;
        if (other) {
            err_set(err, LODE_EINVAL, "allow-list files %s and %s hold the same key; keep one",
                    other, name);
            rc = -1;
        } else if (cert) {
            zhashx_insert(seen, zcert_public_txt(cert), (void *)name);
        }
        zcert_destroy(&cert);
    }
    *n = zhashx_size(seen);
    zhashx_destroy(&seen);
    zdir_flatten_free(&files);
    zdir_destroy(&zd);
    return rc;
}

/* --- sockets ------------------------------------------------------------------ */

static zactor_t *s_start_auth(const char *allow_dir, err_t *err)
{
    if (atomic_fetch_add(&s_servers, 1) != 0) {
        atomic_fetch_sub(&s_servers, 1);
        err_set(err, LODE_EINVAL, "one CURVE server per process");
        return NULL;
    }
    zactor_t *auth = zactor_new(zauth, NULL);
    if (!auth) {
        atomic_fetch_sub(&s_servers, 1);
        err_set(err, LODE_EIO, "cannot start the ZAP handler");
        return NULL;
    }
    /* VERBOSE stays off: zauth would log every peer's key and address. */
    zstr_sendx(auth, "CURVE", allow_dir, NULL);
    zsock_wait(auth);
    return auth;
}

/* sock a CURVE server with cert, failing closed: with no ZAP handler to
 * answer, zmq refuses the peer. */
static void s_server_sock(zsock_t *sock, zcert_t *cert)
{
    int one = 1;
    zmq_setsockopt(zsock_resolve(sock), CURVE_ZAP_ENFORCE_DOMAIN, &one, sizeof one);
    zsock_set_zap_domain(sock, "lode");
    zsock_set_curve_server(sock, 1);
    zcert_apply(cert, sock);
}

curve_t *curve_server_new(zsock_t *sock, const curve_opts_t *opts, err_t *err)
{
    curve_t *self = mem_calloc(1, sizeof *self);
    if (!curve_enabled(opts))
        return self;
    if (!s_set(opts->cert) || !s_set(opts->allow_dir)) {
        err_set(err, LODE_EINVAL, "CURVE on the broker needs both %s",
                "a certificate (--curve-cert) and an allow-list directory (--curve-allow)");
        free(self);
        return NULL;
    }
    zcert_t *cert = s_load(opts->cert, true, "certificate", err);
    if (!cert || s_scan_allow_dir(opts->allow_dir, &self->n_allowed, err) != 0 ||
        !(self->auth = s_start_auth(opts->allow_dir, err))) {
        zcert_destroy(&cert);
        free(self);
        return NULL;
    }
    s_server_sock(sock, cert);
    zcert_destroy(&cert);
    return self;
}

int curve_server_apply(zsock_t *sock, const curve_opts_t *opts, err_t *err)
{
    if (!curve_enabled(opts) || !s_set(opts->cert))
        return 0;
    zcert_t *cert = s_load(opts->cert, true, "certificate", err);
    if (!cert)
        return -1;
    s_server_sock(sock, cert);
    zcert_destroy(&cert);
    return 0;
}

int curve_client_apply(zsock_t *sock, const curve_opts_t *opts, err_t *err)
{
    if (!curve_enabled(opts))
        return 0;
    if (!s_set(opts->cert) || !s_set(opts->server)) {
        err_set(err, LODE_EINVAL, "CURVE needs both %s",
                "a certificate (--curve-cert) and the broker's public certificate "
                "(--curve-server)");
        return -1;
    }
    zcert_t *own = s_load(opts->cert, true, "certificate", err);
    zcert_t *server = own ? s_load(opts->server, false, "broker certificate", err) : NULL;
    if (server) {
        zcert_apply(own, sock);
        zsock_set_curve_serverkey(sock, zcert_public_txt(server));
    }
    zcert_destroy(&own);
    int rc = server ? 0 : -1;
    zcert_destroy(&server);
    return rc;
}

size_t curve_allowed(const curve_t *self)
{
    return self ? self->n_allowed : 0;
}

void curve_destroy(curve_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    curve_t *self = *self_p;
    if (self->auth) {
        zactor_destroy(&self->auth);
        atomic_fetch_sub(&s_servers, 1);
    }
    free(self);
    *self_p = NULL;
}
