/*  test_curve.c - CURVE certificates and the allow list: lode keygen's files
 *  and modes, refusing to overwrite, clear load errors, and real in-process
 *  handshakes (allowed key in, unknown key and plain peers out).
 *  SPDX-License-Identifier: MIT
 */
#include <sys/stat.h>
#include <unistd.h>

#include <czmq.h>

#include "cluster.h"
#include "curve.h"
#include "test.h"

typedef struct {
    char dir[256]; /* temp dir, removed by teardown */
} fixture_t;

static int s_setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    const char *tmp = getenv("TMPDIR");
    snprintf(f->dir, sizeof f->dir, "%s/lode-curve-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    fixture_t *f = *state;
    cluster_rmtree(f->dir);
    free(f);
    return 0;
}

/* f->dir/name into out (PATH_MAX-ish buffer). */
static const char *s_path(const fixture_t *f, const char *name, char out[512])
{
    snprintf(out, 512, "%s/%s", f->dir, name);
    return out;
}

static void s_keygen(const fixture_t *f, const char *name, char key[CURVE_KEY_TXT_SIZE])
{
    char path[512];
    err_t err = {0};
    assert_int_equal(curve_keygen(s_path(f, name, path), key, &err), 0);
}

static void s_write(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void test_keygen_writes_a_public_file_and_a_private_secret_file(void **state)
{
    fixture_t *f = *state;
    char path[512], secret[600], key[CURVE_KEY_TXT_SIZE], loaded[CURVE_KEY_TXT_SIZE];
    err_t err = {0};
    assert_int_equal(curve_keygen(s_path(f, "w1.cert", path), key, &err), 0);
    assert_int_equal(strlen(key), 40);
    snprintf(secret, sizeof secret, "%s_secret", path);
    struct stat st;
    assert_int_equal(stat(secret, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0600, 0600);
    assert_int_equal(st.st_mode & 0022, 0); /* nobody else may change it */
    /* The public file holds the key and not the secret. */
    char *pub = cluster_read_file(path, 4096, NULL);
    assert_non_null(strstr(pub, key));
    assert_null(strstr(pub, "secret-key"));
    free(pub);
    char *sec = cluster_read_file(secret, 4096, NULL);
    assert_non_null(strstr(sec, "secret-key"));
    free(sec);
    /* Either file name loads the pair; the secret matches the public key. */
    assert_int_equal(curve_cert_public(secret, true, loaded, &err), 0);
    assert_string_equal(loaded, key);
    assert_int_equal(curve_cert_public(path, true, loaded, &err), 0);
    assert_string_equal(loaded, key);
}

static void test_keygen_makes_a_new_key_each_time(void **state)
{
    fixture_t *f = *state;
    char a[CURVE_KEY_TXT_SIZE], b[CURVE_KEY_TXT_SIZE];
    s_keygen(f, "a.cert", a);
    s_keygen(f, "b.cert", b);
    assert_string_not_equal(a, b);
}

static void test_keygen_refuses_to_overwrite_either_file(void **state)
{
    fixture_t *f = *state;
    char path[512], secret[600], key[CURVE_KEY_TXT_SIZE], again[CURVE_KEY_TXT_SIZE];
    s_keygen(f, "b.cert", key);
    err_t err = {0};
    assert_int_equal(curve_keygen(s_path(f, "b.cert", path), again, &err), -1);
    assert_int_equal(err.code, LODE_EINVAL);
    assert_non_null(strstr(err.msg, "not overwriting"));
    assert_int_equal(curve_cert_public(path, true, again, &err), 0);
    assert_string_equal(again, key); /* untouched */
    /* Only the public file there: still refused, and it stays as it was. */
    s_write(s_path(f, "c.cert", path), "mine\n");
    err_clear(&err);
    assert_int_equal(curve_keygen(path, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "not overwriting"));
    char *kept = cluster_read_file(path, 64, NULL);
    assert_string_equal(kept, "mine\n");
    free(kept);
    snprintf(secret, sizeof secret, "%s_secret", path);
    assert_int_not_equal(access(secret, F_OK), 0);
    /* Only a secret file there: refused too. */
    s_write(s_path(f, "d.cert_secret", path), "mine\n");
    err_clear(&err);
    assert_int_equal(curve_keygen(s_path(f, "d.cert", path), NULL, &err), -1);
    assert_int_not_equal(access(path, F_OK), 0);
}

static void test_keygen_leaves_nothing_behind_when_it_cannot_write(void **state)
{
    fixture_t *f = *state;
    char path[512];
    err_t err = {0};
    assert_int_equal(curve_keygen(s_path(f, "no/such/dir/x.cert", path), NULL, &err), -1);
    assert_int_equal(err.code, LODE_EIO);
    assert_non_null(strstr(err.msg, "cannot create"));
    err_clear(&err);
    assert_int_equal(curve_keygen("", NULL, &err), -1);
    assert_int_equal(err.code, LODE_EINVAL);
}

static void test_loading_names_the_file_and_what_is_wrong(void **state)
{
    fixture_t *f = *state;
    char path[512], key[CURVE_KEY_TXT_SIZE];
    err_t err = {0};
    /* missing */
    assert_int_equal(curve_cert_public(s_path(f, "missing.cert", path), false, key, &err), -1);
    assert_non_null(strstr(err.msg, "missing.cert"));
    assert_non_null(strstr(err.msg, "No such file"));
    /* unreadable: a directory */
    err_clear(&err);
    assert_int_equal(curve_cert_public(f->dir, false, key, &err), -1);
    assert_non_null(strstr(err.msg, "not a regular file"));
    /* not a certificate */
    err_clear(&err);
    s_write(s_path(f, "junk.cert", path), "hello\nworld\n");
    assert_int_equal(curve_cert_public(path, false, key, &err), -1);
    assert_non_null(strstr(err.msg, "not a CURVE certificate"));
    /* public only, where a secret is needed */
    char pub[CURVE_KEY_TXT_SIZE], secret[600];
    s_keygen(f, "p.cert", pub);
    snprintf(secret, sizeof secret, "%s_secret", s_path(f, "p.cert", path));
    assert_int_equal(unlink(secret), 0);
    err_clear(&err);
    assert_int_equal(curve_cert_public(path, false, key, &err), 0);
    assert_string_equal(key, pub);
    assert_int_equal(curve_cert_public(path, true, key, &err), -1);
    assert_non_null(strstr(err.msg, "no secret key"));
}

static void test_a_secret_that_does_not_match_its_public_key_is_refused(void **state)
{
    fixture_t *f = *state;
    char a[CURVE_KEY_TXT_SIZE], b[CURVE_KEY_TXT_SIZE], path[512], key[CURVE_KEY_TXT_SIZE];
    s_keygen(f, "a.cert", a);
    s_keygen(f, "b.cert", b);
    /* a's secret file with b's public key in it */
    char *sec = cluster_read_file(s_path(f, "a.cert_secret", path), 4096, NULL);
    char *at = strstr(sec, a);
    assert_non_null(at);
    memcpy(at, b, 40);
    s_write(s_path(f, "mixed.cert_secret", path), sec);
    free(sec);
    err_t err = {0};
    assert_int_equal(curve_cert_public(path, true, key, &err), -1);
    assert_non_null(strstr(err.msg, "do not match"));
    /* The message names the file, never a key. */
    assert_null(strstr(err.msg, a));
    assert_null(strstr(err.msg, b));
}

static void test_options_come_from_flags_then_the_environment(void **state)
{
    (void)state;
    curve_opts_t none = {0};
    assert_false(curve_enabled(&none));
    assert_false(curve_enabled(NULL));
    setenv("LODE_CURVE_CERT", "/env/cert", 1);
    setenv("LODE_CURVE_SERVER", "/env/server", 1);
    unsetenv("LODE_CURVE_ALLOW");
    curve_opts_t o = {.cert = "/flag/cert"};
    curve_opts_from_env(&o);
    assert_string_equal(o.cert, "/flag/cert");
    assert_string_equal(o.server, "/env/server");
    assert_null(o.allow_dir);
    assert_true(curve_enabled(&o));
    unsetenv("LODE_CURVE_CERT");
    unsetenv("LODE_CURVE_SERVER");
    curve_opts_t e = {0};
    curve_opts_from_env(&e);
    assert_false(curve_enabled(&e));
}

static void test_with_curve_off_the_handle_does_nothing(void **state)
{
    (void)state;
    zsock_t *sock = zsock_new(ZMQ_ROUTER);
    curve_opts_t off = {0};
    err_t err = {0};
    curve_t *c = curve_server_new(sock, &off, &err);
    assert_non_null(c);
    assert_int_equal(curve_allowed(c), 0);
    assert_int_equal(zsock_curve_server(sock), 0);
    assert_int_equal(curve_client_apply(sock, &off, &err), 0);
    assert_int_equal(curve_server_apply(sock, &off, &err), 0);
    assert_int_equal(zsock_curve_server(sock), 0);
    curve_destroy(&c);
    curve_destroy(&c); /* safe twice */
    zsock_destroy(&sock);
}

static void test_half_configured_curve_is_an_error(void **state)
{
    fixture_t *f = *state;
    char key[CURVE_KEY_TXT_SIZE], cert[512], allow[512];
    s_keygen(f, "s.cert", key);
    s_path(f, "s.cert_secret", cert);
    zsock_t *sock = zsock_new(ZMQ_ROUTER);
    err_t err = {0};
    curve_opts_t no_allow = {.cert = cert};
    assert_null(curve_server_new(sock, &no_allow, &err));
    assert_non_null(strstr(err.msg, "--curve-allow"));
    err_clear(&err);
    curve_opts_t no_dir = {.cert = cert, .allow_dir = s_path(f, "nowhere", allow)};
    assert_null(curve_server_new(sock, &no_dir, &err));
    assert_non_null(strstr(err.msg, "nowhere"));
    err_clear(&err);
    curve_opts_t no_server = {.cert = cert};
    assert_int_equal(curve_client_apply(sock, &no_server, &err), -1);
    assert_non_null(strstr(err.msg, "--curve-server"));
    err_clear(&err);
    curve_opts_t bad_server = {.cert = cert, .server = s_path(f, "nope.cert", allow)};
    assert_int_equal(curve_client_apply(sock, &bad_server, &err), -1);
    assert_non_null(strstr(err.msg, "nope.cert"));
    err_clear(&err);
    /* A second socket of the server (the stats PUB): the same certificate. */
    curve_opts_t bad_cert = {.cert = s_path(f, "nope.cert", allow)};
    assert_int_equal(curve_server_apply(sock, &bad_cert, &err), -1);
    assert_non_null(strstr(err.msg, "nope.cert"));
    assert_int_equal(curve_server_apply(sock, &no_allow, &err), 0);
    assert_int_equal(zsock_curve_server(sock), 1);
    zsock_destroy(&sock);
}

static void test_an_allow_list_with_one_key_twice_is_refused(void **state)
{
    fixture_t *f = *state;
    char key[CURVE_KEY_TXT_SIZE], path[512], cert[512], allow[512];
    s_keygen(f, "s.cert", key);
    s_path(f, "s.cert_secret", cert);
    assert_int_equal(mkdir(s_path(f, "allow", allow), 0755), 0);
    s_keygen(f, "allow/w.cert", key);
    char *pub = cluster_read_file(s_path(f, "allow/w.cert", path), 4096, NULL);
    s_write(s_path(f, "allow/w-copy.cert", path), pub);
    free(pub);
    zsock_t *sock = zsock_new(ZMQ_ROUTER);
    err_t err = {0};
    curve_opts_t o = {.cert = cert, .allow_dir = allow};
    assert_null(curve_server_new(sock, &o, &err));
    assert_non_null(strstr(err.msg, "same key"));
    assert_int_equal(unlink(path), 0);
    err_clear(&err);
    curve_t *c = curve_server_new(sock, &o, &err);
    assert_non_null(c);
    assert_int_equal(curve_allowed(c), 1); /* w.cert; its _secret is not a second key */
    curve_destroy(&c);
    zsock_destroy(&sock);
}

/* --- real handshakes ----------------------------------------------------------- */

/* Send "hello" from a DEALER set up with opts to the server; true if the
 * server received it within wait_ms. */
static bool s_delivered(zsock_t *server, int port, const curve_opts_t *opts, int wait_ms)
{
    zsock_t *client = zsock_new(ZMQ_DEALER);
    zsock_set_linger(client, 0);
    err_t err = {0};
    assert_int_equal(curve_client_apply(client, opts, &err), 0);
    assert_int_equal(zsock_connect(client, "tcp://127.0.0.1:%d", port), 0);
    zstr_send(client, "hello");
    zpoller_t *poller = zpoller_new(server, NULL);
    bool got = zpoller_wait(poller, wait_ms) == server;
    if (got) {
        zmsg_t *m = zmsg_recv(server);
        zmsg_destroy(&m);
    }
    zpoller_destroy(&poller);
    zsock_destroy(&client);
    return got;
}

static void test_only_allowed_keys_get_through(void **state)
{
    fixture_t *f = *state;
    char key[CURVE_KEY_TXT_SIZE], p[6][512];
    s_keygen(f, "broker.cert", key);
    assert_int_equal(mkdir(s_path(f, "allow", p[0]), 0755), 0);
    s_keygen(f, "allow/ok.cert", key);
    s_keygen(f, "stranger.cert", key);
    zsock_t *server = zsock_new(ZMQ_ROUTER);
    zsock_set_linger(server, 0);
    err_t err = {0};
    curve_opts_t so = {.cert = s_path(f, "broker.cert_secret", p[1]), .allow_dir = p[0]};
    curve_t *c = curve_server_new(server, &so, &err);
    assert_non_null(c);
    int port = zsock_bind(server, "tcp://127.0.0.1:*");
    assert_true(port > 0);
    curve_opts_t ok = {.cert = s_path(f, "allow/ok.cert_secret", p[2]),
                       .server = s_path(f, "broker.cert", p[3])};
    assert_true(s_delivered(server, port, &ok, 5000));
    curve_opts_t stranger = {.cert = s_path(f, "stranger.cert_secret", p[4]), .server = p[3]};
    assert_false(s_delivered(server, port, &stranger, 500));
    curve_opts_t plain = {0};
    assert_false(s_delivered(server, port, &plain, 500));
    /* A wrong broker key fails the handshake from the client's side. */
    curve_opts_t wrong = {.cert = p[2], .server = s_path(f, "stranger.cert", p[5])};
    assert_false(s_delivered(server, port, &wrong, 500));
    /* The allow list is re-read when the directory changes. */
    char moved[512];
    assert_int_equal(rename(p[4], s_path(f, "allow/stranger.cert_secret", moved)), 0);
    assert_int_equal(
        rename(s_path(f, "stranger.cert", p[5]), s_path(f, "allow/stranger.cert", moved)), 0);
    stranger.cert = s_path(f, "allow/stranger.cert_secret", p[4]);
    assert_true(s_delivered(server, port, &stranger, 5000));
    /* A second server in the same process is refused, not crashed. */
    zsock_t *other = zsock_new(ZMQ_ROUTER);
    err_clear(&err);
    assert_null(curve_server_new(other, &so, &err));
    assert_non_null(strstr(err.msg, "one CURVE server"));
    zsock_destroy(&other);
    zsock_destroy(&server);
    curve_destroy(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_keygen_writes_a_public_file_and_a_private_secret_file,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_keygen_makes_a_new_key_each_time, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_keygen_refuses_to_overwrite_either_file, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_keygen_leaves_nothing_behind_when_it_cannot_write,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_loading_names_the_file_and_what_is_wrong, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_a_secret_that_does_not_match_its_public_key_is_refused,
                                        s_setup, s_teardown),
        cmocka_unit_test(test_options_come_from_flags_then_the_environment),
        cmocka_unit_test(test_with_curve_off_the_handle_does_nothing),
        cmocka_unit_test_setup_teardown(test_half_configured_curve_is_an_error, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_an_allow_list_with_one_key_twice_is_refused, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_only_allowed_keys_get_through, s_setup, s_teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    zsys_shutdown();
    return failed;
}
