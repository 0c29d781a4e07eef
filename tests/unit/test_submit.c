/*  test_submit.c - reading sources for `lode submit`: files with their base
 *  names, the size limit checked before reading, URLs, missing paths, stdin.
 *  SPDX-License-Identifier: MIT
 */
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mem.h"
#include "submit.h"
#include "test.h"

static char s_dir[] = "/tmp/lode-test-submit-XXXXXX";

static int s_setup(void **state)
{
    (void)state;
    return mkdtemp(s_dir) ? 0 : -1;
}

static int s_teardown(void **state)
{
    (void)state;
    char *cmd = mem_printf("rm -rf '%s'", s_dir);
    int rc = system(cmd);
    free(cmd);
    return rc == 0 ? 0 : -1;
}

static char *s_path(const char *name)
{
    return mem_printf("%s/%s", s_dir, name);
}

static void s_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_submit_item_reads_a_file_with_its_base_name(void **state)
{
    (void)state;
    char *path = s_path("talk.txt");
    s_write(path, "hello world\n");
    submit_item_t item;
    err_t err = {0};
    assert_int_equal(submit_item_from_arg(path, 1024, &item, &err), 0);
    assert_string_equal(item.kind, "file");
    assert_string_equal(item.name, "talk.txt");
    assert_int_equal(item.body_len, 12);
    assert_memory_equal(item.body, "hello world\n", 12);
    submit_item_clear(&item);
    free(path);
}

static void test_submit_item_refuses_a_file_over_the_limit(void **state)
{
    (void)state;
    char *path = s_path("big.txt");
    s_write(path, "0123456789");
    submit_item_t item;
    err_t err = {0};
    assert_int_equal(submit_item_from_arg(path, 9, &item, &err), -1);
    assert_int_equal(err.code, LODE_ETOOBIG);
    assert_non_null(strstr(err.msg, "over the"));
    assert_null(item.body);
    free(path);
}

static void test_submit_item_tells_urls_from_missing_files(void **state)
{
    (void)state;
    submit_item_t item;
    err_t err = {0};
    assert_int_equal(submit_item_from_arg("https://example.org/a", 9, &item, &err), 0);
    assert_string_equal(item.kind, "url");
    assert_string_equal(item.url, "https://example.org/a");
    submit_item_clear(&item);
    assert_int_equal(submit_item_from_arg("no/such/file.txt", 9, &item, &err), -1);
    assert_int_equal(err.code, LODE_ENOTFOUND);
    assert_non_null(strstr(err.msg, "no such file"));
    err_clear(&err);
    assert_int_equal(submit_item_from_arg(s_dir, 9, &item, &err), -1);
    assert_int_equal(err.code, LODE_EINVAL);
}

static void test_submit_item_reads_a_stream_within_its_limit(void **state)
{
    (void)state;
    char *path = s_path("stdin.txt");
    s_write(path, "piped text");
    FILE *f = fopen(path, "r");
    submit_item_t item;
    err_t err = {0};
    assert_int_equal(submit_item_from_stream(f, 100, &item, &err), 0);
    assert_string_equal(item.kind, "text");
    assert_string_equal(item.body, "piped text");
    submit_item_clear(&item);
    rewind(f);
    assert_int_equal(submit_item_from_stream(f, 5, &item, &err), -1);
    assert_int_equal(err.code, LODE_ETOOBIG);
    fclose(f);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_submit_item_reads_a_file_with_its_base_name),
        cmocka_unit_test(test_submit_item_refuses_a_file_over_the_limit),
        cmocka_unit_test(test_submit_item_tells_urls_from_missing_files),
        cmocka_unit_test(test_submit_item_reads_a_stream_within_its_limit),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
