/*  test_config.c - Redis URLs and where settings come from.
 *  SPDX-License-Identifier: MIT
 */
#include <unistd.h>

#include "config.h"
#include "test.h"

static void test_config_parses_a_full_redis_url(void **state)
{
    (void)state;
    config_redis_t r;
    err_t err = {0};
    assert_int_equal(config_parse_redis_url("redis://alice:s3cret@db.example:6380/2", &r, &err), 0);
    assert_string_equal(r.host, "db.example");
    assert_int_equal(r.port, 6380);
    assert_string_equal(r.user, "alice");
    assert_string_equal(r.password, "s3cret");
    assert_int_equal(r.db, 2);
}

static void test_config_accepts_password_only_and_defaults(void **state)
{
    (void)state;
    config_redis_t r;
    err_t err = {0};
    assert_int_equal(config_parse_redis_url("redis://:pw@127.0.0.1", &r, &err), 0);
    assert_string_equal(r.user, "");
    assert_string_equal(r.password, "pw");
    assert_int_equal(r.port, 6379);
    assert_int_equal(r.db, 0);
    assert_int_equal(config_parse_redis_url("redis://localhost:7000/", &r, &err), 0);
    assert_int_equal(r.port, 7000);
}

static void test_config_rejects_bad_urls_with_a_message(void **state)
{
    (void)state;
    const char *bad[] = {"http://x:1",    "redis://",        "redis://:1",
                         "redis://h:0",   "redis://h:99999", "redis://h:12ab",
                         "redis://h:1/x", "localhost:6379",  NULL};
    for (int i = 0; bad[i]; i++) {
        config_redis_t r;
        err_t err = {0};
        assert_int_equal(config_parse_redis_url(bad[i], &r, &err), -1);
        assert_int_equal(err.code, LODE_EINVAL);
        assert_true(strlen(err.msg) > 10);
    }
    config_redis_t r;
    err_t err = {0};
    assert_int_equal(config_parse_redis_url(NULL, &r, &err), -1);
}

static void test_config_prefers_flag_then_environment_then_default(void **state)
{
    (void)state;
    unsetenv("LODE_REDIS");
    assert_string_equal(config_redis_url(NULL), CONFIG_REDIS_DEFAULT);
    setenv("LODE_REDIS", "redis://env:1", 1);
    assert_string_equal(config_redis_url(NULL), "redis://env:1");
    assert_string_equal(config_redis_url("redis://flag:2"), "redis://flag:2");
    unsetenv("LODE_REDIS");
    setenv("LODE_BROKER", "tcp://10.0.0.1:1", 1);
    assert_string_equal(config_broker_endpoint(NULL), "tcp://10.0.0.1:1");
    unsetenv("LODE_BROKER");
    assert_string_equal(config_broker_endpoint(""), CONFIG_BROKER_DEFAULT);
    assert_string_equal(config_prefix(NULL), "lode:");
}

/* Write text to a new temp file; its path in path (PATH_MAX). */
static void s_conf(char *path, const char *text)
{
    strcpy(path, "/tmp/lode-test-conf-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static void test_config_file_becomes_long_options_in_order(void **state)
{
    (void)state;
    char path[64];
    s_conf(path, "# settings\n\nstage = snippet\r\n  llm-model=\"gpt 4\"  \nhelp\nprompts =\n");
    char **args = NULL;
    int n = 0;
    err_t err = {0};
    assert_int_equal(config_file_args(path, &args, &n, &err), 0);
    assert_int_equal(n, 4);
    assert_string_equal(args[0], "--stage=snippet");
    assert_string_equal(args[1], "--llm-model=gpt 4");
    assert_string_equal(args[2], "--help");
    assert_string_equal(args[3], "--prompts=");
    config_args_free(args, n);
    unlink(path);
}

static void test_config_file_skips_a_byte_order_mark_and_a_leading_dashes(void **state)
{
    (void)state;
    char path[64];
    s_conf(path, "\xEF\xBB\xBFstage = fanout\n--llm-model = m\n");
    char **args = NULL;
    int n = 0;
    err_t err = {0};
    assert_int_equal(config_file_args(path, &args, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(args[0], "--stage=fanout");
    assert_string_equal(args[1], "--llm-model=m");
    config_args_free(args, n);
    unlink(path);
}

static void test_config_file_names_the_bad_line_or_the_missing_file(void **state)
{
    (void)state;
    char path[64];
    s_conf(path, "stage = snippet\nllm model = m\n");
    char **args = NULL;
    int n = 0;
    err_t err = {0};
    assert_int_equal(config_file_args(path, &args, &n, &err), -1);
    assert_int_equal(err.code, LODE_EINVAL);
    assert_non_null(strstr(err.msg, ":2:"));
    assert_null(args);
    unlink(path);
    err_clear(&err);
    assert_int_equal(config_file_args(path, &args, &n, &err), -1);
    assert_int_equal(err.code, LODE_EIO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_parses_a_full_redis_url),
        cmocka_unit_test(test_config_accepts_password_only_and_defaults),
        cmocka_unit_test(test_config_rejects_bad_urls_with_a_message),
        cmocka_unit_test(test_config_prefers_flag_then_environment_then_default),
        cmocka_unit_test(test_config_file_becomes_long_options_in_order),
        cmocka_unit_test(test_config_file_skips_a_byte_order_mark_and_a_leading_dashes),
        cmocka_unit_test(test_config_file_names_the_bad_line_or_the_missing_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
