/*  test_buf.c - bounded buffers and error status.
 *  SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "test.h"

static void test_buf_appends_up_to_its_limit_and_no_further(void **state)
{
    (void)state;
    buf_t b;
    err_t err = {0};
    buf_init(&b, 10);
    assert_int_equal(buf_puts(&b, "hello", &err), 0);
    assert_int_equal(buf_printf(&b, &err, "%d", 1234), 0);
    assert_string_equal(b.data, "hello1234");
    assert_int_equal(buf_puts(&b, "xy", &err), -1);
    assert_int_equal(err.code, LODE_ETOOBIG);
    assert_string_equal(b.data, "hello1234"); /* unchanged by the refused append */
    err_clear(&err);
    assert_int_equal(buf_puts(&b, "x", &err), 0);
    char *s = buf_steal(&b);
    assert_string_equal(s, "hello1234x");
    free(s);
    assert_null(b.data);
    buf_free(&b);
}

static void test_buf_printf_handles_long_output(void **state)
{
    (void)state;
    buf_t b;
    err_t err = {0};
    buf_init(&b, 1 << 20);
    char big[2000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(buf_printf(&b, &err, "[%s]", big), 0);
    assert_int_equal(b.len, 2000 + 1);
    buf_free(&b);
    buf_free(&b); /* twice is safe */
}

static void test_err_keeps_the_first_message_and_prefixes_context(void **state)
{
    (void)state;
    err_t err = {0};
    err_set(&err, LODE_ESTORE, "redis %s", "away");
    err_set(&err, LODE_EINVAL, "second");
    assert_int_equal(err.code, LODE_ESTORE);
    err_prefix(&err, "job=%s", "X");
    assert_string_equal(err.msg, "job=X: redis away");
    assert_true(err_retryable(LODE_ESTORE));
    assert_false(err_retryable(LODE_EEMPTY));
    assert_string_equal(err_name(LODE_EEMPTY), "EEMPTY");
    assert_string_equal(err_name(999), "EUNKNOWN");
    err_set(NULL, LODE_EINVAL, "safe on NULL");
}

static void test_err_prefix_never_overflows(void **state)
{
    (void)state;
    err_t err = {0};
    char longmsg[600];
    memset(longmsg, 'm', sizeof longmsg - 1);
    longmsg[sizeof longmsg - 1] = '\0';
    err_set(&err, LODE_EIO, "%s", longmsg);
    err_prefix(&err, "%s", longmsg);
    assert_int_equal(strlen(err.msg), sizeof err.msg - 1);
}

/* A pipe holding s, its write end closed: read to the end. */
static int s_pipe_with(const char *s)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], s, strlen(s)), (ssize_t)strlen(s));
    close(fds[1]);
    return fds[0];
}

static void test_buf_read_fd_reads_to_the_end_a_stop_or_the_limit(void **state)
{
    (void)state;
    err_t err = {0};
    buf_t b;
    buf_init(&b, 100);
    int fd = s_pipe_with("hello, pipe");
    assert_int_equal(buf_read_fd(&b, fd, 0, &err), 0);
    close(fd);
    assert_string_equal(b.data, "hello, pipe");
    buf_free(&b);

    buf_init(&b, 4);
    fd = s_pipe_with("too long");
    assert_int_equal(buf_read_fd(&b, fd, 0, &err), -1);
    close(fd);
    assert_int_equal(err.code, LODE_ETOOBIG);
    err_clear(&err);
    buf_free(&b);

    /* With stop, nothing more is read once stop bytes are in (an empty
     * read would otherwise be needed to see the end). */
    buf_init(&b, 100);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], "abc", 3), 3);
    assert_int_equal(buf_read_fd(&b, fds[0], 3, &err), 0); /* the pipe stays open */
    assert_string_equal(b.data, "abc");
    close(fds[0]);
    close(fds[1]);
    buf_free(&b);
}

static void test_buf_read_fd_reports_a_failed_read(void **state)
{
    (void)state;
    err_t err = {0};
    buf_t b;
    buf_init(&b, 100);
    assert_int_equal(buf_read_fd(&b, -1, 0, &err), -1);
    assert_int_equal(err.code, LODE_EIO);
    assert_non_null(strstr(err.msg, "read:"));
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_appends_up_to_its_limit_and_no_further),
        cmocka_unit_test(test_buf_printf_handles_long_output),
        cmocka_unit_test(test_err_keeps_the_first_message_and_prefixes_context),
        cmocka_unit_test(test_err_prefix_never_overflows),
        cmocka_unit_test(test_buf_read_fd_reads_to_the_end_a_stop_or_the_limit),
        cmocka_unit_test(test_buf_read_fd_reports_a_failed_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
