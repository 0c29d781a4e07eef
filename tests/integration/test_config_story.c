/*  test_config_story.c - one config story for lode-broker, lode-worker and
 *  lode: flags > environment > settings file > defaults, the same variable
 *  names, LODE_CONFIG for every program (docs/config.md). The daemons show
 *  what they took with --print-config; the CLI is run against a real Redis,
 *  with the wrong address in the places that must lose.
 *  SPDX-License-Identifier: MIT
 */
#include <sys/stat.h>
#include <unistd.h>

#include "cluster.h"
#include "mem.h"
#include "test.h"

typedef struct {
    char dir[64];
    char conf[128];
} s_fx_t;

static const char *const s_vars[] = {
    "LODE_CONFIG", "LODE_BROKER_CONFIG", "LODE_REDIS", "LODE_PUB",       "LODE_BROKER",
    "LODE_PREFIX", "LODE_METRICS",       "HOME",       "XDG_CONFIG_HOME"};

static int s_setup(void **state)
{
    s_fx_t *fx = mem_calloc(1, sizeof *fx);
    snprintf(fx->dir, sizeof fx->dir, "/tmp/lode-cfg-XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    snprintf(fx->conf, sizeof fx->conf, "%s/lode.conf", fx->dir);
    for (size_t i = 0; i < sizeof s_vars / sizeof s_vars[0] - 2; i++)
        unsetenv(s_vars[i]);
    setenv("HOME", fx->dir, 1); /* no ~/.config/lode/config of the person running the tests */
    unsetenv("XDG_CONFIG_HOME");
    *state = fx;
    return 0;
}

static int s_teardown(void **state)
{
    s_fx_t *fx = *state;
    for (size_t i = 0; i < sizeof s_vars / sizeof s_vars[0] - 2; i++)
        unsetenv(s_vars[i]);
    cluster_rmtree(fx->dir);
    free(fx);
    return 0;
}

static void s_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* PROG --print-config ARGS…: its stdout (caller frees); exit 0 checked. */
static char *s_print(const char *prog, const char *a1, const char *a2)
{
    const char *argv[] = {"--print-config", a1, a2, NULL};
    char *out = NULL, *err = NULL;
    int rc = cluster_run_prog(prog, argv, &out, &err);
    if (rc != 0)
        fprintf(stderr, "%s: rc %d: %s\n", prog, rc, err ? err : "");
    assert_int_equal(rc, 0);
    free(err);
    return out;
}

/* line "key = value\t# from" is in out. */
static void s_has(const char *out, const char *key, const char *value, const char *from)
{
    char want[512];
    snprintf(want, sizeof want, "%s = %s\t# %s\n", key, value, from);
    if (!strstr(out, want))
        fprintf(stderr, "missing \"%s\" in:\n%s\n", want, out);
    assert_non_null(strstr(out, want));
}

static void test_the_broker_takes_flag_then_environment_then_file(void **state)
{
    s_fx_t *fx = *state;
    /* Shared keys on top, the broker's own under [lode-broker], a worker's
     * key under [lode-worker] that the broker must not see. */
    s_write(fx->conf, "redis = redis://127.0.0.1:1\nprefix = file:\n"
                      "[lode-worker]\nstage = fetch\n"
                      "[lode-broker]\npub = tcp://127.0.0.1:3\nmetrics = 127.0.0.1:4\n"
                      "lease-ms = 500\n");
    setenv("LODE_CONFIG", fx->conf, 1);
    setenv("LODE_REDIS", "redis://:pw@127.0.0.1:2", 1);
    setenv("LODE_PUB", "tcp://127.0.0.1:5", 1);
    char *out = s_print("lode-broker", "--pub", "tcp://127.0.0.1:6");
    s_has(out, "config", fx->conf, "$LODE_CONFIG");
    s_has(out, "redis", "redis://:***@127.0.0.1:2", "$LODE_REDIS"); /* env over file, redacted */
    s_has(out, "prefix", "file:", fx->conf);                        /* file over default */
    s_has(out, "pub", "tcp://127.0.0.1:6", "flag");                 /* flag over env and file */
    s_has(out, "metrics", "127.0.0.1:4", fx->conf);
    s_has(out, "lease-ms", "500", fx->conf);
    s_has(out, "heartbeat-ms", "1000", "default"); /* as --help states it */
    s_has(out, "curve-cert", "(none)", "default");
    free(out);
    /* The deprecated name still works when LODE_CONFIG is unset. */
    unsetenv("LODE_CONFIG");
    setenv("LODE_BROKER_CONFIG", fx->conf, 1);
    out = s_print("lode-broker", NULL, NULL);
    s_has(out, "prefix", "file:", fx->conf);
    s_has(out, "config", fx->conf, "$LODE_BROKER_CONFIG");
    s_has(out, "pub", "tcp://127.0.0.1:5", "$LODE_PUB");
    free(out);
}

static void test_the_worker_takes_flag_then_environment_then_file(void **state)
{
    s_fx_t *fx = *state;
    s_write(fx->conf, "redis = redis://127.0.0.1:1\nprefix = file:\n"
                      "[lode-broker]\nbind = tcp://127.0.0.1:9\n"
                      "[lode-worker]\nstage = fetch\nconcurrency = 3\nper-host = 2\n");
    setenv("LODE_REDIS", "redis://127.0.0.1:2", 1);
    setenv("LODE_PREFIX", "env:", 1);
    char *out = s_print("lode-worker", "--config", fx->conf);
    s_has(out, "config", fx->conf, "flag");
    s_has(out, "redis", "redis://127.0.0.1:2", "$LODE_REDIS"); /* the bug of issue #15 */
    s_has(out, "prefix", "env:", "$LODE_PREFIX");
    s_has(out, "stage", "fetch", fx->conf);
    s_has(out, "concurrency", "3", fx->conf);
    free(out);
    const char *argv[] = {"--print-config", "--config", fx->conf, "--concurrency=7",
                          "--prefix",       "flag:",    NULL};
    char *err = NULL;
    assert_int_equal(cluster_run_prog("lode-worker", argv, &out, &err), 0);
    s_has(out, "concurrency", "7", "flag");
    s_has(out, "prefix", "flag:", "flag");
    s_has(out, "per-host", "2", fx->conf);
    free(out);
    free(err);
}

static void test_a_bad_setting_is_one_line_naming_its_source(void **state)
{
    s_fx_t *fx = *state;
    s_write(fx->conf, "lease-ms = 5\n");
    setenv("LODE_CONFIG", fx->conf, 1);
    const char *none[] = {NULL};
    char *out = NULL, *err = NULL;
    assert_int_equal(cluster_run_prog("lode-broker", none, &out, &err), 2);
    assert_non_null(strstr(err, "--lease-ms"));
    assert_non_null(strstr(err, fx->conf));
    assert_null(strchr(strchr(err, '\n') + 1, '\n')); /* one line */
    free(out);
    free(err);
    unsetenv("LODE_CONFIG");
    setenv("LODE_METRICS", "", 1); /* empty is unset */
    const char *typo[] = {"--metrcs", "127.0.0.1:0", NULL};
    assert_int_equal(cluster_run_prog("lode-broker", typo, &out, &err), 2);
    assert_non_null(strstr(err, "did you mean --metrics?"));
    free(out);
    free(err);
}

/* The CLI: a real Redis; the address that must lose points at a closed port. */
static void test_the_cli_takes_flag_then_environment_then_file(void **state)
{
    s_fx_t *fx = *state;
    cluster_opts_t opts = {.no_workers = true};
    err_t cerr = {0};
    cluster_t *c = cluster_new(&opts, &cerr);
    assert_non_null(c);
    const char *good = cluster_redis_url(c), *bad = "redis://127.0.0.1:1";
    char text[256];
    const char *list[] = {"list", NULL};
    const char *list_flag[] = {"--redis", good, "list", NULL};
    char *out = NULL, *err = NULL;
    /* ~/.config/lode/config (HOME is the temp dir) is read when LODE_CONFIG is unset. */
    char dir[128], user[160];
    snprintf(dir, sizeof dir, "%s/.config", fx->dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(dir, sizeof dir, "%s/.config/lode", fx->dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(user, sizeof user, "%s/config", dir);
    snprintf(text, sizeof text, "# shared\nredis = %s\n[lode-worker]\nstage = fetch\n", good);
    s_write(user, text);
    int rc0 = cluster_run_prog("lode", list, &out, &err);
    if (rc0 != 0)
        fprintf(stderr, "lode list: %d %s\n", rc0, err);
    assert_int_equal(rc0, 0); /* file over default */
    free(out);
    free(err);
    setenv("LODE_REDIS", bad, 1); /* environment over file */
    assert_int_equal(cluster_run_prog("lode", list, &out, &err), 6);
    free(out);
    free(err);
    assert_int_equal(cluster_run_prog("lode", list_flag, &out, &err), 0); /* flag over both */
    free(out);
    free(err);
    /* LODE_CONFIG names another file; [lode] holds the CLI's own keys. */
    unsetenv("LODE_REDIS");
    snprintf(text, sizeof text, "redis = %s\n[lode]\nredis = %s\n", bad, good);
    s_write(fx->conf, text);
    setenv("LODE_CONFIG", fx->conf, 1);
    assert_int_equal(cluster_run_prog("lode", list, &out, &err), 0);
    free(out);
    free(err);
    setenv("LODE_CONFIG", "/nonexistent/lode.conf", 1); /* named but missing: an error */
    assert_int_equal(cluster_run_prog("lode", list, &out, &err), 1);
    assert_non_null(strstr(err, "/nonexistent/lode.conf"));
    free(out);
    free(err);
    cluster_destroy(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_the_broker_takes_flag_then_environment_then_file,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_the_worker_takes_flag_then_environment_then_file,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_a_bad_setting_is_one_line_naming_its_source, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_the_cli_takes_flag_then_environment_then_file, s_setup,
                                        s_teardown),
    };
    return cluster_main_result(cmocka_run_group_tests(tests, NULL, NULL));
}
