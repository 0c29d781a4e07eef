/*  test_worker_args.c - lode-worker's settings: a --config file, the
 *  environment and the command line through one getopt loop. Each run ends
 *  at once (a bad setting, or a prompts dir that does not exist) or is
 *  stopped once its start-up line is out, so no broker or Redis is needed.
 *  SPDX-License-Identifier: MIT
 */
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <czmq.h>

#include "cluster.h"
#include "mem.h"
#include "test.h"

#define SECRET "sk-Sekr1t-5e7c9a"

typedef struct {
    char dir[64];
    char conf[128];
} s_fx_t;

static int s_setup(void **state)
{
    s_fx_t *fx = mem_calloc(1, sizeof *fx);
    snprintf(fx->dir, sizeof fx->dir, "/tmp/lode-wargs-XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    snprintf(fx->conf, sizeof fx->conf, "%s/worker.conf", fx->dir);
    *state = fx;
    return 0;
}

static int s_teardown(void **state)
{
    s_fx_t *fx = *state;
    unsetenv("LODE_PROMPTS");
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

/* Run lode-worker with argv; its exit code, *errout its stderr (caller frees). */
static int s_run(const char *const *argv, char **errout)
{
    char *out = NULL;
    int rc = cluster_run_prog("lode-worker", argv, &out, errout);
    free(out);
    if (!*errout)
        *errout = mem_strdup("");
    return rc;
}

static void test_settings_from_the_config_file_and_the_environment_stay_intact(void **state)
{
    s_fx_t *fx = *state;
    /* The prompts dir does not exist, so the worker stops and names it: the
     * name must be the one written, not freed memory. */
    s_write(fx->conf, "stage = snippet\nengine = openai\nllm-model = m\n"
                      "prompts = /nonexistent/lode-from-the-file\n");
    const char *argv[] = {"--config", fx->conf, "--broker", "tcp://127.0.0.1:1", NULL};
    char *err = NULL;
    assert_int_equal(s_run(argv, &err), 1);
    assert_non_null(strstr(err, "/nonexistent/lode-from-the-file"));
    free(err);

    setenv("LODE_PROMPTS", "/nonexistent/lode-from-the-env", 1);
    const char *argv2[] = {"--stage", "snippet",  "--engine",          "openai", "--llm-model",
                           "m",       "--broker", "tcp://127.0.0.1:1", NULL};
    assert_int_equal(s_run(argv2, &err), 1);
    assert_non_null(strstr(err, "/nonexistent/lode-from-the-env"));
    free(err);
}

static void test_a_key_under_a_wrong_option_name_never_reaches_stderr(void **state)
{
    s_fx_t *fx = *state;
    char *err = NULL;
    /* getopt_long would take --llm-api-key for --llm-api-key-file and print
     * "cannot read <key>". */
    const char *argv[] = {"--stage", "snippet", "--llm-api-key", SECRET, NULL};
    assert_int_equal(s_run(argv, &err), 2);
    assert_null(strstr(err, SECRET));
    assert_non_null(strstr(err, "--llm-api-key-file"));
    free(err);

    s_write(fx->conf, "llm-api-key = " SECRET "\n");
    const char *argv2[] = {"--config", fx->conf, "--stage", "snippet", NULL};
    assert_int_equal(s_run(argv2, &err), 2);
    assert_null(strstr(err, SECRET));
    free(err);

    /* A short option is unknown (lode-worker has none), not one without a value. */
    const char *argv3[] = {"-c", "4", "--stage", "snippet", NULL};
    assert_int_equal(s_run(argv3, &err), 2);
    assert_non_null(strstr(err, "unknown or ambiguous option \"-c\""));
    free(err);

    /* An unknown option: its name is shown, its value is not. */
    s_write(fx->conf, "llm-secret = " SECRET "\n");
    assert_int_equal(s_run(argv2, &err), 2);
    assert_null(strstr(err, SECRET));
    assert_non_null(strstr(err, "--llm-secret"));
    free(err);
}

static void test_a_config_line_with_no_value_does_not_take_the_next_line(void **state)
{
    s_fx_t *fx = *state;
    s_write(fx->conf, "stage = snippet\nllm-model\nllm-base-url = http://127.0.0.1:1/v1\n");
    const char *argv[] = {"--config", fx->conf, NULL};
    char *err = NULL;
    assert_int_equal(s_run(argv, &err), 2);
    assert_non_null(strstr(err, "\"llm-model\" in the --config file has no value"));
    free(err);
}

static void test_a_temperature_that_is_not_a_number_is_refused(void **state)
{
    (void)state;
    /* Were it taken, the missing prompts dir would end the run with 1. */
    const char *argv[] = {
        "--stage",  "snippet",           "--engine", "openai",    "--llm-model",
        "m",        "--llm-temperature", "nan",      "--prompts", "/nonexistent/lode-prompts",
        "--broker", "tcp://127.0.0.1:1", NULL};
    char *err = NULL;
    assert_int_equal(s_run(argv, &err), 2);
    assert_non_null(strstr(err, "--llm-temperature"));
    free(err);
}

/* Start lode-worker with argv (NULL-terminated, program name first), read
 * its stderr until needle shows or 10 s pass, then stop it. What it wrote
 * (caller frees). */
static char *s_run_until(char *const *argv, const char *needle)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], 2);
        close(fds[0]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(fds[1]);
    size_t cap = 1 << 16, len = 0;
    char *out = mem_calloc(1, cap);
    int64_t deadline = zclock_mono() + 10000;
    while (!strstr(out, needle) && len < cap - 1 && zclock_mono() < deadline) {
        struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
        if (poll(&pfd, 1, 100) <= 0)
            continue;
        ssize_t n = read(fds[0], out + len, cap - 1 - len);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    close(fds[0]);
    return out;
}

static void test_the_start_up_line_shows_no_password_of_the_base_url(void **state)
{
    (void)state;
    char bin[512];
    snprintf(bin, sizeof bin, "%s/lode-worker", cluster_bin_dir());
    char *const argv[] = {bin,
                          "--stage",
                          "snippet",
                          "--engine",
                          "openai",
                          "--llm-model",
                          "m",
                          "--llm-base-url",
                          "http://alice:" SECRET "@127.0.0.1:1/v1",
                          "--broker",
                          "tcp://127.0.0.1:1",
                          "--redis",
                          "redis://127.0.0.1:1",
                          NULL};
    char *err = s_run_until(argv, "openai engine:");
    assert_non_null(strstr(err, "openai engine: http://127.0.0.1:1/v1 model m"));
    assert_null(strstr(err, SECRET));
    free(err);
}

/* `lode prompts copy` writes the built-in prompts where workers look, keeps
 * a person's edits, and `lode prompts` then names the edited file and its
 * new hash, as a worker would use them. */
static void test_lode_prompts_copies_the_built_in_ones_and_shows_what_is_used(void **state)
{
    s_fx_t *fx = *state;
    char home[128];
    snprintf(home, sizeof home, "%s/home", fx->dir);
    char *saved_home = getenv("HOME") ? mem_strdup(getenv("HOME")) : NULL;
    setenv("HOME", home, 1);
    unsetenv("XDG_CONFIG_HOME");
    char *out = NULL, *errout = NULL;
    const char *list[] = {"prompts", NULL};
    assert_int_equal(cluster_run_prog("lode", list, &out, &errout), 0);
    assert_non_null(strstr(out, "snippet.md    sha256:"));
    assert_non_null(strstr(out, "built-in"));
    char *builtin = out;
    free(errout);
    const char *copy[] = {"prompts", "copy", NULL};
    assert_int_equal(cluster_run_prog("lode", copy, &out, &errout), 0);
    char path[256];
    snprintf(path, sizeof path, "%s/.config/lode/prompts/snippet.md", home);
    assert_non_null(strstr(out, path));
    free(out);
    free(errout);
    FILE *f = fopen(path, "a");
    assert_non_null(f);
    fputs("Prefer quotes with numbers.\n", f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(cluster_run_prog("lode", copy, &out, &errout), 0); /* edits kept */
    assert_non_null(strstr(out, "kept"));
    free(out);
    free(errout);
    assert_int_equal(cluster_run_prog("lode", list, &out, &errout), 0);
    assert_non_null(strstr(out, path));
    /* The edited snippet prompt hashes differently; synthesis is the same text. */
    char *b_line = strstr(builtin, "snippet.md"), *o_line = strstr(out, "snippet.md");
    assert_int_not_equal(strncmp(b_line, o_line, 34), 0);
    b_line = strstr(builtin, "synthesis.md");
    o_line = strstr(out, "synthesis.md");
    assert_int_equal(strncmp(b_line, o_line, 34), 0);
    free(builtin);
    free(out);
    free(errout);
    if (saved_home)
        setenv("HOME", saved_home, 1);
    free(saved_home);
}

/* lode-broker reads a settings file too (--config or LODE_BROKER_CONFIG):
 * its options come first, a bad line is named, a bad value is refused. */
static void test_the_broker_reads_a_settings_file(void **state)
{
    s_fx_t *fx = *state;
    char *out = NULL, *errout = NULL;
    s_write(fx->conf, "# broker\n\nhelp\n");
    const char *help[] = {"--config", fx->conf, NULL};
    assert_int_equal(cluster_run_prog("lode-broker", help, &out, &errout), 0);
    assert_non_null(strstr(out, "usage: lode-broker"));
    free(out);
    free(errout);
    s_write(fx->conf, "max-attempts = 0\n");
    setenv("LODE_BROKER_CONFIG", fx->conf, 1);
    const char *none[] = {NULL};
    assert_int_equal(cluster_run_prog("lode-broker", none, &out, &errout), 2);
    assert_non_null(strstr(errout, "--max-attempts"));
    free(out);
    free(errout);
    s_write(fx->conf, "lease-ms 500\n");
    assert_int_equal(cluster_run_prog("lode-broker", none, &out, &errout), 2);
    assert_non_null(strstr(errout, "worker.conf:1"));
    free(out);
    free(errout);
    unsetenv("LODE_BROKER_CONFIG");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_settings_from_the_config_file_and_the_environment_stay_intact, s_setup,
            s_teardown),
        cmocka_unit_test_setup_teardown(test_a_key_under_a_wrong_option_name_never_reaches_stderr,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(
            test_a_config_line_with_no_value_does_not_take_the_next_line, s_setup, s_teardown),
        cmocka_unit_test(test_the_start_up_line_shows_no_password_of_the_base_url),
        cmocka_unit_test_setup_teardown(test_a_temperature_that_is_not_a_number_is_refused, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(
            test_lode_prompts_copies_the_built_in_ones_and_shows_what_is_used, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_the_broker_reads_a_settings_file, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
