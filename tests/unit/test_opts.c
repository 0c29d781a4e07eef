/*  test_opts.c - one table of settings (opts.h): the file's sections, the
 *  order file < environment < argv, the generated --help and did-you-mean.
 *  SPDX-License-Identifier: MIT
 */
#include <unistd.h>

#include "config.h"
#include "opts.h"
#include "test.h"

typedef struct {
    const char *name;
    int n;
    bool on;
} s_set_t;

static const opt_def_t s_defs[] = {
    {"name", 0, OPT_STRING, "LODE_T_NAME", "S", "a name\nover two lines", offsetof(s_set_t, name),
     0, 0, NULL},
    {"count", 'c', OPT_INT, "LODE_T_COUNT", "N", "a count", offsetof(s_set_t, n), 1, 9, NULL},
    {NULL, 0, OPT_SECTION, NULL, NULL, "more:", 0, 0, 0, NULL},
    {"switch", 0, OPT_SWITCH, NULL, NULL, "a switch", offsetof(s_set_t, on), 0, 0, NULL},
    {"config", 0, OPT_CONFIG, "LODE_T_CONFIG", "FILE", "settings file", 0, 0, 0, NULL},
    {0},
};
static const char *const s_cenv[] = {"LODE_T_CONFIG", NULL};
static const opts_spec_t s_spec = {.prog = "lode-test",
                                   .version = "1",
                                   .usage = "usage: lode-test\n\n",
                                   .defs = s_defs,
                                   .config_env = s_cenv};

static void s_conf(char path[64], const char *text)
{
    snprintf(path, 64, "/tmp/lode-opts-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static void test_file_then_environment_then_argv(void **state)
{
    (void)state;
    char path[64];
    s_conf(path, "name = file\ncount = 2\n[lode-other]\nbogus = 1\n[lode-test]\nswitch\n");
    char *argv[] = {"lode-test", "--config", path, NULL};
    s_set_t st = {0};
    opts_t *held = NULL;
    setenv("LODE_T_COUNT", "5", 1);
    assert_int_equal(opts_parse(&s_spec, &st, 3, argv, &held), OPTS_OK);
    assert_string_equal(st.name, "file");
    assert_int_equal(st.n, 5); /* environment over file */
    assert_true(st.on);        /* its own section is read, another's skipped */
    assert_string_equal(opts_config_path(held), path);
    opts_free(&held);
    char *argv2[] = {"lode-test", "-c", "7", "--config", path, NULL};
    assert_int_equal(opts_parse(&s_spec, &st, 5, argv2, &held), OPTS_OK);
    assert_int_equal(st.n, 7); /* argv over both */
    opts_free(&held);
    unsetenv("LODE_T_COUNT");
    char *argv3[] = {"lode-test", "--count", "10", NULL};
    assert_int_equal(opts_parse(&s_spec, &st, 3, argv3, &held), OPTS_USAGE);
    opts_free(&held);
    unlink(path);
}

static void test_help_is_made_from_the_rows(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    opts_usage(&s_spec, f);
    fclose(f);
    assert_non_null(strstr(text, "usage: lode-test\n\n  --name S            a name\n"
                                 "                      over two lines (env LODE_T_NAME)\n"));
    assert_non_null(strstr(text, "  -c, --count N       a count (env LODE_T_COUNT)\n"));
    assert_non_null(strstr(text, "\nmore:\n  --switch            a switch\n"));
    free(text);
}

static void test_a_near_name_is_suggested(void **state)
{
    (void)state;
    assert_string_equal(opts_nearest(&s_spec, "cont")->name, "count");
    assert_string_equal(opts_nearest(&s_spec, "swich=1")->name, "switch");
    assert_string_equal(opts_nearest(&s_spec, "conf")->name, "config"); /* a prefix */
    assert_null(opts_nearest(&s_spec, "redis"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_then_environment_then_argv),
        cmocka_unit_test(test_help_is_made_from_the_rows),
        cmocka_unit_test(test_a_near_name_is_suggested),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
