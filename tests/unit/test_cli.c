/*  test_cli.c - the lode command line without a cluster: argument parsing,
 *  help, exit codes, and the
 *  errors for an unreachable broker or Redis (closed loopback ports).
 *  SPDX-License-Identifier: MIT
 */
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "test.h"

static void test_cli_parse_takes_options_values_and_positionals(void **state)
{
    (void)state;
    cli_t cli = {.out = stdout, .errs = stderr};
    const char *text = NULL, *pos[3];
    bool wait = false;
    const cli_opt_t opts[] = {{"--text", &text, NULL}, {"--wait", NULL, &wait}, {NULL}};
    char *argv[] = {"submit", "a", "--text=hello", "--wait", "--", "--b", NULL};
    size_t n;
    assert_int_equal(cli_parse(&cli, 6, argv, opts, pos, 3, &n), 0);
    assert_string_equal(text, "hello");
    assert_true(wait);
    assert_int_equal(n, 2);
    assert_string_equal(pos[0], "a");
    assert_string_equal(pos[1], "--b");
}

static void test_cli_parse_reports_usage_errors(void **state)
{
    (void)state;
    FILE *devnull = fopen("/dev/null", "w");
    cli_t cli = {.out = devnull, .errs = devnull};
    const char *text = NULL, *pos[1];
    const cli_opt_t opts[] = {{"--text", &text, NULL}, {NULL}};
    size_t n;
    char *unknown[] = {"submit", "--nope", NULL};
    assert_int_equal(cli_parse(&cli, 2, unknown, opts, pos, 1, &n), CLI_EXIT_USAGE);
    char *missing[] = {"submit", "--text", NULL};
    assert_int_equal(cli_parse(&cli, 2, missing, opts, pos, 1, &n), CLI_EXIT_USAGE);
    char *extra[] = {"submit", "a", "b", NULL};
    assert_int_equal(cli_parse(&cli, 3, extra, opts, pos, 1, &n), CLI_EXIT_USAGE);
    char *help[] = {"show", "--help", NULL};
    assert_int_equal(cli_parse(&cli, 2, help, opts, pos, 1, &n), CLI_PARSE_HELP);
    assert_int_equal(cli_parse_exit(CLI_PARSE_HELP), CLI_EXIT_OK);
    fclose(devnull);
}

static void test_cli_exit_codes_follow_the_documented_table(void **state)
{
    (void)state;
    assert_int_equal(cli_exit_code(LODE_OK), 0);
    assert_int_equal(cli_exit_code(LODE_EIO), 1);
    assert_int_equal(cli_exit_code(LODE_EINVAL), 1);
    assert_int_equal(cli_exit_code(LODE_ENOTFOUND), 3);
    assert_int_equal(cli_exit_code(LODE_ETIMEDOUT), 5);
    assert_int_equal(cli_exit_code(LODE_ESTORE), 6);
}

static void test_cli_help_knows_every_command(void **state)
{
    (void)state;
    static const char *const cmds[] = {"submit", "status", "wait", "show", "export", "list",
                                       "keep",   "drop",   "edit", "move", "add",    "remove"};
    FILE *devnull = fopen("/dev/null", "w");
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        assert_int_equal(cli_help(devnull, cmds[i]), 0);
    assert_int_equal(cli_help(devnull, NULL), 0);
    assert_int_equal(cli_help(devnull, "frobnicate"), -1);
    fclose(devnull);
}

static void test_cli_parse_count_accepts_only_positive_bounded_numbers(void **state)
{
    (void)state;
    long v = 0;
    assert_int_equal(cli_parse_count("12", 100, &v), 0);
    assert_int_equal(v, 12);
    assert_int_equal(cli_parse_count("0", 100, &v), -1);
    assert_int_equal(cli_parse_count("101", 100, &v), -1);
    assert_int_equal(cli_parse_count("-3", 100, &v), -1);
    assert_int_equal(cli_parse_count("3x", 100, &v), -1);
    assert_int_equal(cli_parse_count("", 100, &v), -1);
    assert_int_equal(cli_parse_count("99999999999999999999999", 100, &v), -1);
}

static int s_run(char *const args[])
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        freopen("/dev/null", "w", stdout);
        freopen("/dev/null", "w", stderr);
        int argc = 0;
        while (args[argc])
            argc++;
        _exit(cli_run(argc, (char **)args));
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static void test_cli_run_exit_codes_without_a_cluster(void **state)
{
    (void)state;
    char *version[] = {"lode", "--version", NULL};
    assert_int_equal(s_run(version), 0);
    char *none[] = {"lode", NULL};
    assert_int_equal(s_run(none), 2);
    char *unknown[] = {"lode", "frobnicate", NULL};
    assert_int_equal(s_run(unknown), 2);
    char *help[] = {"lode", "export", "--help", NULL};
    assert_int_equal(s_run(help), 0);
    char *bad_timeout[] = {"lode", "--timeout", "soon", "status", NULL};
    assert_int_equal(s_run(bad_timeout), 2);
    char *no_broker[] = {"lode",      "submit", "--text", "x", "--broker", "tcp://127.0.0.1:1",
                         "--timeout", "0.2",    NULL};
    assert_int_equal(s_run(no_broker), 6);
    /* status waits out a Redis restart for --timeout, then exits 6. */
    char *no_redis[] = {"lode",      "status", "--redis", "redis://127.0.0.1:1",
                        "--timeout", "0.3",    NULL};
    assert_int_equal(s_run(no_redis), 6);
    char *missing[] = {"lode", "submit", "/no/such/file", NULL};
    assert_int_equal(s_run(missing), 2);
    char *bad_job[] = {"lode", "--redis", "redis://127.0.0.1:1", "wait", NULL};
    assert_int_equal(s_run(bad_job), 2);
}

static void test_cli_suggest_finds_typos_only(void **state)
{
    (void)state;
    const char *const cmds[] = {"submit", "status", "wait", "show", "list", "export"};
    assert_string_equal(cli_suggest("sumbit", cmds, 6), "submit"); /* a swap */
    assert_string_equal(cli_suggest("stauts", cmds, 6), "status");
    assert_string_equal(cli_suggest("wiat", cmds, 6), "wait");
    assert_string_equal(cli_suggest("exprot", cmds, 6), "export");
    assert_null(cli_suggest("frobnicate", cmds, 6));
    assert_null(cli_suggest("ls", cmds, 6)); /* 2 edits of 2 letters is no typo */
    const char *const opts[] = {"--json", "--limit", "--state"};
    assert_string_equal(cli_suggest("--jsn", opts, 3), "--json");
    assert_string_equal(cli_suggest("--limt", opts, 3), "--limit");
}

static void test_cli_help_prints_the_global_options_once(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(cli_help(f, "options"), 0);
    fflush(f);
    assert_non_null(strstr(buf, "--curve-server FILE"));
    assert_non_null(strstr(buf, "Exit codes"));
    fclose(f);
    free(buf);
    const char *cmds[] = {"submit", "status", "wait", "batch", "dead", "retry", "show", "export",
                          "top",    "list",   "keep", "drop",  "edit", "move",  "add",  "remove"};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        buf = NULL;
        f = open_memstream(&buf, &len);
        assert_int_equal(cli_help(f, cmds[i]), 0);
        fclose(f);
        if (!strstr(buf, "Examples:\n  lode ") || strstr(buf, "--curve-server FILE") ||
            !strstr(buf, "lode help options"))
            fail_msg("help of %s: no examples, or the global options repeated:\n%s", cmds[i], buf);
        free(buf);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cli_parse_takes_options_values_and_positionals),
        cmocka_unit_test(test_cli_parse_reports_usage_errors),
        cmocka_unit_test(test_cli_exit_codes_follow_the_documented_table),
        cmocka_unit_test(test_cli_help_knows_every_command),
        cmocka_unit_test(test_cli_parse_count_accepts_only_positive_bounded_numbers),
        cmocka_unit_test(test_cli_run_exit_codes_without_a_cluster),
        cmocka_unit_test(test_cli_suggest_finds_typos_only),
        cmocka_unit_test(test_cli_help_prints_the_global_options_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
