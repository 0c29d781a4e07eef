/*  test_security.c - authenticated transport on a real cluster: a CURVE broker
 *  with an allow list serves allowed workers and clients end to end, while a
 *  worker or client with an unknown key or no CURVE never gets a job and
 *  cannot submit; Redis with requirepass and with an ACL user; and no
 *  password or secret key in any log or message.
 *  SPDX-License-Identifier: MIT
 */
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cluster.h"
#include "fixture.h"
#include "mem.h"
#include "test.h"

#define JOB_LIMIT_MS 60000
#define PASSWORD     "pw-Sekr1t-9f3a"
#define ACL_PASSWORD "acl-Pass-77c1"

static const char s_text[] =
    "Quiet work compounds. A team that writes things down can change its mind "
    "cheaply, because the reasons are still there to argue with. The cost of a "
    "decision is mostly the cost of undoing it later, and that cost grows with "
    "every person who has to be told. So write the reason next to the rule.";

/* Certificates made with `lode keygen`, and the allow list of the broker. */
typedef struct {
    char dir[256];
    char broker[300], broker_secret[320];
    char worker_secret[320], client_secret[320], stranger_secret[320];
    char allow[320];
    cluster_t *c;
} s_fx_t;

/* ------------------------------------------------------------------ helpers */

static int s_keygen(const char *path)
{
    const char *argv[] = {"keygen", path, NULL};
    char *out = NULL, *errout = NULL;
    int rc = cluster_run_prog("lode", argv, &out, &errout);
    if (rc != 0)
        fprintf(stderr, "lode keygen %s exited %d: %s\n", path, rc, errout ? errout : "");
    free(out);
    free(errout);
    return rc;
}

static int s_copy(const char *from, const char *to)
{
    size_t len = 0;
    char *data = cluster_read_file(from, 1 << 16, &len);
    FILE *f = data ? fopen(to, "w") : NULL;
    int rc = f && fwrite(data, 1, len, f) == len ? 0 : -1;
    if (f && fclose(f) != 0)
        rc = -1;
    free(data);
    return rc;
}

/* Keys for broker, worker, client and a stranger; worker and client public
 * files copied into allow/. */
static int s_make_keys(s_fx_t *fx)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(fx->dir, sizeof fx->dir, "%s/lode-keys-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(fx->dir))
        return -1;
    snprintf(fx->allow, sizeof fx->allow, "%s/allow", fx->dir);
    snprintf(fx->broker, sizeof fx->broker, "%s/broker.cert", fx->dir);
    snprintf(fx->broker_secret, sizeof fx->broker_secret, "%s_secret", fx->broker);
    const char *names[] = {"worker", "client", "stranger"};
    char *secrets[] = {fx->worker_secret, fx->client_secret, fx->stranger_secret};
    if (mkdir(fx->allow, 0755) != 0 || s_keygen(fx->broker) != 0)
        return -1;
    for (int i = 0; i < 3; i++) {
        char pub[300], allowed[400];
        snprintf(pub, sizeof pub, "%s/%s.cert", fx->dir, names[i]);
        snprintf(secrets[i], 320, "%s_secret", pub);
        snprintf(allowed, sizeof allowed, "%s/%s.cert", fx->allow, names[i]);
        if (s_keygen(pub) != 0 || (i < 2 && s_copy(pub, allowed) != 0))
            return -1;
    }
    return 0;
}

/* The Z85 secret key inside a _secret file (caller frees), or NULL. */
static char *s_secret_key_of(const char *path)
{
    char *text = cluster_read_file(path, 1 << 16, NULL);
    char *at = text ? strstr(text, "secret-key = \"") : NULL;
    char *key = at ? mem_strndup(at + 14, 40) : NULL;
    free(text);
    return key;
}

static bool s_any_log_contains(cluster_t *c, const char *needle)
{
    static const char *const stages[] = {"fetch", "snippet", "synthesis", "fanout"};
    char name[64];
    char *log = cluster_log(c, "broker");
    bool found = log && strstr(log, needle);
    free(log);
    for (int s = 0; s < 4 && !found; s++)
        for (int i = 0; i < CLUSTER_MAX_WORKERS && !found; i++) {
            snprintf(name, sizeof name, "worker-%s-%d", stages[s], i);
            log = cluster_log(c, name);
            found = log && strstr(log, needle);
            free(log);
        }
    return found;
}

static bool s_log_contains(cluster_t *c, const char *name, const char *needle)
{
    char *log = cluster_log(c, name);
    bool found = log && strstr(log, needle);
    free(log);
    return found;
}

typedef struct {
    cluster_t *c;
    const char *log, *needle;
} s_log_wait_t;

static bool s_log_has(void *arg)
{
    s_log_wait_t *w = arg;
    return s_log_contains(w->c, w->log, w->needle);
}

static int s_count(cluster_t *c, const char *name, const char *needle)
{
    char *log = cluster_log(c, name);
    int n = 0;
    for (const char *p = log; p && (p = strstr(p, needle)); p++)
        n++;
    free(log);
    return n;
}

/* `lode [curve flags] submit --text -`; exit code, the first id in *id. */
static int s_submit(cluster_t *c, const char *cert, const char *server, char **id, char **errout)
{
    const char *argv[12];
    size_t n = 0;
    if (cert) {
        argv[n++] = "--curve-cert";
        argv[n++] = cert;
    }
    if (server) {
        argv[n++] = "--curve-server";
        argv[n++] = server;
    }
    const char *tail[] = {"--timeout", "3", "submit", "--text", "-", NULL};
    for (size_t i = 0; tail[i]; i++)
        argv[n++] = tail[i];
    argv[n] = NULL;
    char *out = NULL;
    int rc = cluster_run_cliv(c, s_text, strlen(s_text), &out, errout, argv);
    size_t len = out ? strcspn(out, "\r\n") : 0;
    *id = rc == 0 && len > 0 ? mem_strndup(out, len) : NULL;
    free(out);
    return rc;
}

static int s_start_worker(s_fx_t *fx, int stage, int index, const char *cert)
{
    const char *args[] = {"--curve-cert", cert, "--curve-server", fx->broker, NULL};
    err_t err = {0};
    int rc = cluster_start_worker_with(fx->c, stage, index, cert ? args : NULL, &err);
    if (rc != 0)
        fprintf(stderr, "start worker: %s\n", err.msg);
    return rc;
}

/* ------------------------------------------------------------ CURVE group */

static int s_curve_setup(void **state)
{
    s_fx_t *fx = calloc(1, sizeof *fx);
    *state = fx;
    if (s_make_keys(fx) != 0)
        return -1;
    const char *broker_args[] = {"--curve-cert", fx->broker_secret, "--curve-allow", fx->allow,
                                 NULL};
    cluster_opts_t opts = {.broker_args = broker_args, .no_workers = true};
    fx->c = fixture_cluster(&opts);
    return fx->c ? 0 : -1;
}

static int s_curve_teardown(void **state)
{
    s_fx_t *fx = *state;
    int reports = fixture_down(&fx->c);
    if (fx->dir[0])
        cluster_rmtree(fx->dir);
    free(fx);
    return reports ? -1 : 0;
}

static void test_keygen_prints_the_public_key_and_where_the_files_went(void **state)
{
    s_fx_t *fx = *state;
    char path[400];
    snprintf(path, sizeof path, "%s/extra.cert", fx->dir);
    const char *argv[] = {"keygen", path, NULL};
    char *out = NULL, *errout = NULL;
    assert_int_equal(cluster_run_prog("lode", argv, &out, &errout), 0);
    char secret[420];
    snprintf(secret, sizeof secret, "%s_secret", path);
    char *secret_key = s_secret_key_of(secret);
    assert_non_null(secret_key);
    assert_non_null(strstr(out, "public key"));
    assert_non_null(strstr(out, path));
    assert_non_null(strstr(out, "_secret"));
    assert_null(strstr(out, secret_key)); /* never the secret */
    struct stat st;
    assert_int_equal(stat(secret, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    free(out);
    free(errout);
    /* Again: refused, files kept. */
    assert_int_equal(cluster_run_prog("lode", argv, &out, &errout), 1);
    assert_non_null(strstr(errout, "not overwriting"));
    char *again = s_secret_key_of(secret);
    assert_string_equal(again, secret_key);
    free(again);
    free(secret_key);
    free(out);
    free(errout);
}

static void test_allowed_workers_and_client_complete_a_job_end_to_end(void **state)
{
    s_fx_t *fx = *state;
    cluster_mark_begin(fx->c);
    for (int s = 0; s < CLUSTER_STAGES; s++)
        assert_int_equal(s_start_worker(fx, s, 0, fx->worker_secret), 0);
    char *id = NULL, *errout = NULL;
    assert_int_equal(s_submit(fx->c, fx->client_secret, fx->broker, &id, &errout), 0);
    assert_non_null(id);
    char *state_s = cluster_wait_job(fx->c, id, JOB_LIMIT_MS);
    assert_non_null(state_s);
    assert_string_equal(state_s, "done");
    char *doc = cluster_export_json(fx->c, id);
    assert_true(cluster_doc_check(doc, false) > 0);
    assert_true(s_log_contains(fx->c, "broker", "CURVE on: 2 allowed key(s)"));
    free(doc);
    free(state_s);
    free(id);
    free(errout);
    /* Stop the snippet worker: the next test needs that stage unserved. */
    assert_int_equal(cluster_kill_worker(fx->c, 1, 0, SIGTERM), 0);
    cluster_mark_ok(fx->c);
}

typedef struct {
    cluster_t *c;
    const char *id;
} s_job_ref_t;

static bool s_queued_at_snippet(void *arg)
{
    s_job_ref_t *j = arg;
    char *stage = cluster_job_field(j->c, j->id, "stage");
    char *st = cluster_job_field(j->c, j->id, "state");
    bool yes = stage && st && strcmp(stage, "snippet") == 0 && strcmp(st, "queued") == 0;
    free(stage);
    free(st);
    return yes;
}

static void test_a_worker_with_an_unknown_key_or_no_curve_never_gets_a_job(void **state)
{
    s_fx_t *fx = *state;
    cluster_mark_begin(fx->c);
    int joined = s_count(fx->c, "broker", "stage=snippet credits");
    /* snippet: a stranger's key (slot 1) and no CURVE at all (slot 2) */
    assert_int_equal(s_start_worker(fx, 1, 1, fx->stranger_secret), 0);
    assert_int_equal(s_start_worker(fx, 1, 2, NULL), 0);
    char *id = NULL, *errout = NULL;
    assert_int_equal(s_submit(fx->c, fx->client_secret, fx->broker, &id, &errout), 0);
    s_job_ref_t ref = {fx->c, id};
    /* The allowed fetch worker works; then the job waits at snippet. */
    assert_true(cluster_wait_for(s_queued_at_snippet, &ref, JOB_LIMIT_MS));
    /* Long enough for both refused workers to announce themselves again
     * (they do after three silent heartbeats of 1 s). */
    usleep(4500 * 1000);
    assert_true(s_queued_at_snippet(&ref));
    assert_int_equal(cluster_redis_int(fx->c, "ZCARD lode:leases"), 0);
    assert_int_equal(s_count(fx->c, "broker", "stage=snippet credits"), joined);
    assert_false(s_log_contains(fx->c, "worker-snippet-1", id));
    assert_false(s_log_contains(fx->c, "worker-snippet-2", id));
    /* An allowed snippet worker arrives: the job completes. */
    assert_int_equal(s_start_worker(fx, 1, 3, fx->worker_secret), 0);
    char *st = cluster_wait_job(fx->c, id, JOB_LIMIT_MS);
    assert_non_null(st);
    assert_string_equal(st, "done");
    assert_false(s_log_contains(fx->c, "worker-snippet-1", id));
    assert_false(s_log_contains(fx->c, "worker-snippet-2", id));
    free(st);
    free(id);
    free(errout);
    cluster_mark_ok(fx->c);
}

static void test_a_client_with_no_key_or_an_unknown_key_cannot_submit(void **state)
{
    s_fx_t *fx = *state;
    cluster_mark_begin(fx->c);
    long long before = cluster_redis_int(fx->c, "ZCARD lode:jobs");
    assert_true(before >= 0);
    char *id = NULL, *errout = NULL;
    /* No CURVE: exit 6, and the message points at authentication. */
    assert_int_equal(s_submit(fx->c, NULL, NULL, &id, &errout), 6);
    assert_null(id);
    assert_non_null(strstr(errout, "broker not answering"));
    assert_non_null(strstr(errout, "CURVE"));
    free(errout);
    /* A key the broker does not know. */
    assert_int_equal(s_submit(fx->c, fx->stranger_secret, fx->broker, &id, &errout), 6);
    assert_null(id);
    assert_non_null(strstr(errout, "--curve-allow"));
    free(errout);
    /* The right key but a wrong idea of the broker's key. */
    char stranger_pub[400];
    snprintf(stranger_pub, sizeof stranger_pub, "%s/stranger.cert", fx->dir);
    assert_int_equal(s_submit(fx->c, fx->client_secret, stranger_pub, &id, &errout), 6);
    free(errout);
    /* Half a configuration is a usage-level error, not a silent plain connection. */
    assert_int_equal(s_submit(fx->c, fx->client_secret, NULL, &id, &errout), 1);
    assert_non_null(strstr(errout, "--curve-server"));
    free(errout);
    assert_int_equal(cluster_redis_int(fx->c, "ZCARD lode:jobs"), before);
    cluster_mark_ok(fx->c);
}

static void test_bad_curve_settings_stop_broker_and_worker_at_start(void **state)
{
    s_fx_t *fx = *state;
    char missing[400];
    snprintf(missing, sizeof missing, "%s/missing.cert", fx->dir);
    const char *broker[] = {"--redis",
                            cluster_redis_url(fx->c),
                            "--bind",
                            "tcp://127.0.0.1:1",
                            "--curve-cert",
                            missing,
                            "--curve-allow",
                            fx->allow,
                            NULL};
    char *out = NULL, *errout = NULL;
    assert_int_equal(cluster_run_prog("lode-broker", broker, &out, &errout), 1);
    assert_non_null(strstr(errout, "missing.cert"));
    free(out);
    free(errout);
    const char *worker[] = {"--stage",
                            "fetch",
                            "--redis",
                            cluster_redis_url(fx->c),
                            "--broker",
                            cluster_broker_endpoint(fx->c),
                            "--curve-cert",
                            fx->worker_secret,
                            NULL};
    assert_int_equal(cluster_run_prog("lode-worker", worker, &out, &errout), 1);
    assert_non_null(strstr(errout, "--curve-server"));
    free(out);
    free(errout);
}

static void test_no_secret_key_appears_in_any_log(void **state)
{
    s_fx_t *fx = *state;
    const char *files[] = {fx->broker_secret, fx->worker_secret, fx->client_secret,
                           fx->stranger_secret};
    for (size_t i = 0; i < 4; i++) {
        char *key = s_secret_key_of(files[i]);
        assert_non_null(key);
        assert_false(s_any_log_contains(fx->c, key));
        free(key);
    }
}

/* ------------------------------------------------------------- Redis group */

static int s_redis_setup(void **state, bool acl)
{
    cluster_opts_t opts = {.redis_password = PASSWORD,
                           .redis_user = acl ? "lodeuser" : NULL,
                           .redis_user_password = acl ? ACL_PASSWORD : NULL};
    if (fixture_group_start(state, &opts) != 0)
        return -1;
    return fixture_setup(state);
}

static int s_password_setup(void **state)
{
    return s_redis_setup(state, false);
}

static int s_acl_setup(void **state)
{
    return s_redis_setup(state, true);
}

static int s_redis_teardown(void **state)
{
    fixture_teardown(state);
    return fixture_group_teardown(state);
}

static void s_run_one_job(cluster_t *c)
{
    char *id = cluster_submit_text(c, s_text, strlen(s_text));
    assert_non_null(id);
    char *st = cluster_wait_job(c, id, JOB_LIMIT_MS);
    assert_non_null(st);
    assert_string_equal(st, "done");
    char *doc = cluster_export_json(c, id);
    assert_true(cluster_doc_check(doc, false) > 0);
    free(doc);
    free(st);
    free(id);
}

/* A status run against url: exit code 6 and a message with want in it and
 * neither password. */
static void s_expect_refused(cluster_t *c, const char *url, const char *want)
{
    const char *argv[] = {"status", NULL};
    char *out = NULL, *errout = NULL;
    assert_int_equal(
        cluster_run_cli_at(url, cluster_broker_endpoint(c), NULL, 0, &out, &errout, argv), 6);
    assert_non_null(strstr(errout, want));
    assert_null(strstr(errout, PASSWORD));
    assert_null(strstr(errout, ACL_PASSWORD));
    assert_null(strstr(errout, "wrong-pw-123"));
    free(out);
    free(errout);
}

static void test_with_requirepass_the_password_in_the_url_runs_the_pipeline(void **state)
{
    cluster_t *c = *state;
    assert_non_null(strstr(cluster_redis_url(c), ":" PASSWORD "@"));
    s_run_one_job(c);
    assert_false(s_any_log_contains(c, PASSWORD));
    cluster_mark_ok(c);
}

static void test_a_wrong_or_missing_password_is_a_clear_error_without_it(void **state)
{
    cluster_t *c = *state;
    char url[256];
    const char *u = cluster_redis_url(c);
    const char *hostport = strrchr(u, '@') + 1;
    snprintf(url, sizeof url, "redis://:wrong-pw-123@%s", hostport);
    s_expect_refused(c, url, "WRONGPASS");
    snprintf(url, sizeof url, "redis://%s", hostport);
    s_expect_refused(c, url, "wants a password");
    /* A bad URL is reported with the password masked. */
    snprintf(url, sizeof url, "redis://:wrong-pw-123@%s/notadb", hostport);
    const char *argv[] = {"status", NULL};
    char *out = NULL, *errout = NULL;
    assert_int_equal(cluster_run_cli_at(url, NULL, NULL, 0, &out, &errout, argv), 6);
    assert_non_null(strstr(errout, ":***@"));
    assert_null(strstr(errout, "wrong-pw-123"));
    free(out);
    free(errout);
    /* A refused password will not mend itself: broker and worker stop at
     * start and say why, without the password. */
    snprintf(url, sizeof url, "redis://:wrong-pw-123@%s", hostport);
    const char *args[] = {"--redis", url, NULL}; /* the last --redis wins */
    err_t err = {0};
    assert_int_equal(cluster_start_worker_with(c, 0, 1, args, &err), 0);
    s_log_wait_t w = {c, "worker-fetch-1", "WRONGPASS"};
    assert_true(cluster_wait_for(s_log_has, &w, 10000));
    const char *bargs[] = {"--redis", url, "--bind", "tcp://127.0.0.1:0", NULL};
    char *bout = NULL, *berr = NULL;
    assert_int_equal(cluster_run_prog("lode-broker", bargs, &bout, &berr), 1);
    assert_non_null(strstr(berr, "WRONGPASS"));
    assert_null(strstr(berr, "wrong-pw-123"));
    assert_null(strstr(berr, PASSWORD));
    free(bout);
    free(berr);
    assert_false(s_any_log_contains(c, "wrong-pw-123"));
    assert_false(s_any_log_contains(c, PASSWORD));
    cluster_mark_ok(c);
}

static void test_an_acl_user_runs_the_pipeline(void **state)
{
    cluster_t *c = *state;
    assert_non_null(strstr(cluster_redis_url(c), "lodeuser:" ACL_PASSWORD "@"));
    s_run_one_job(c);
    const char *hostport = strrchr(cluster_redis_url(c), '@') + 1;
    char url[256];
    snprintf(url, sizeof url, "redis://lodeuser:wrong-pw-123@%s", hostport);
    s_expect_refused(c, url, "AUTH as lodeuser");
    assert_false(s_any_log_contains(c, ACL_PASSWORD));
    assert_false(s_any_log_contains(c, PASSWORD));
    cluster_mark_ok(c);
}

int main(void)
{
    if (getenv("LODE_TEST_FILTER"))
        cmocka_set_test_filter(getenv("LODE_TEST_FILTER"));
    const struct CMUnitTest curve[] = {
        cmocka_unit_test(test_allowed_workers_and_client_complete_a_job_end_to_end),
        cmocka_unit_test(test_keygen_prints_the_public_key_and_where_the_files_went),
        cmocka_unit_test(test_a_worker_with_an_unknown_key_or_no_curve_never_gets_a_job),
        cmocka_unit_test(test_a_client_with_no_key_or_an_unknown_key_cannot_submit),
        cmocka_unit_test(test_bad_curve_settings_stop_broker_and_worker_at_start),
        cmocka_unit_test(test_no_secret_key_appears_in_any_log),
    };
    const struct CMUnitTest redis[] = {
        cmocka_unit_test_setup_teardown(
            test_with_requirepass_the_password_in_the_url_runs_the_pipeline, s_password_setup,
            s_redis_teardown),
        cmocka_unit_test_setup_teardown(
            test_a_wrong_or_missing_password_is_a_clear_error_without_it, s_password_setup,
            s_redis_teardown),
        cmocka_unit_test_setup_teardown(test_an_acl_user_runs_the_pipeline, s_acl_setup,
                                        s_redis_teardown),
    };
    int failed = cmocka_run_group_tests_name("curve", curve, s_curve_setup, s_curve_teardown);
    failed += cmocka_run_group_tests_name("redis auth", redis, NULL, NULL);
    return cluster_main_result(failed);
}
