/*  test_buf.c - bounded buffers and error status.
 *  SPDX-License-Identifier: MIT
 */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_appends_up_to_its_limit_and_no_further),
        cmocka_unit_test(test_buf_printf_handles_long_output),
        cmocka_unit_test(test_err_keeps_the_first_message_and_prefixes_context),
        cmocka_unit_test(test_err_prefix_never_overflows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
