/*  test_log.c - the log line (log.h): one format for every program, the
 *  journal's "<N>" priorities, one line per event, the rate limit's count.
 *  SPDX-License-Identifier: MIT
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "test.h"

static void test_a_line_has_time_level_program_pid_and_module(void **state)
{
    (void)state;
    char line[256];
    /* 2026-11-22T15:04:05.123Z */
    size_t n = log_format(line, sizeof line, false, 1795359845123LL, LOGL_WARN, "lode-broker", 812,
                          "broker", "worker=vm/10080/56ba stage=fetch joined", 0);
    assert_string_equal(line,
                        "2026-11-22T15:04:05.123Z W lode-broker[812] broker: worker=vm/10080/56ba "
                        "stage=fetch joined");
    assert_int_equal(n, strlen(line));
}

static void test_the_journal_gets_syslog_priorities_and_no_time(void **state)
{
    (void)state;
    char line[256];
    const log_level_t levels[] = {LOGL_ERROR, LOGL_WARN, LOGL_INFO, LOGL_DEBUG};
    const char *want[] = {"<3>E lode-worker[9] fetch: x", "<4>W lode-worker[9] fetch: x",
                          "<6>I lode-worker[9] fetch: x", "<7>D lode-worker[9] fetch: x"};
    for (int i = 0; i < 4; i++) {
        log_format(line, sizeof line, true, 0, levels[i], "lode-worker", 9, "fetch", "x", 0);
        assert_string_equal(line, want[i]);
    }
}

static void test_a_message_stays_on_one_line_and_a_count_is_appended(void **state)
{
    (void)state;
    char line[256];
    log_format(line, sizeof line, true, 0, LOGL_WARN, "p", 1, "m", "a\nb\rc", 7);
    assert_string_equal(line, "<4>W p[1] m: a b c (and 7 more like this)");
    char tiny[16];
    assert_int_equal(log_format(tiny, sizeof tiny, true, 0, LOGL_WARN, "p", 1, "m", "long text", 0),
                     15);
}

static void test_journal_stream_must_name_stderr_itself(void **state)
{
    (void)state;
    char path[] = "/tmp/lode-log-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    char js[64];
    snprintf(js, sizeof js, "%llu:%llu", (unsigned long long)st.st_dev,
             (unsigned long long)st.st_ino);
    assert_true(log_is_journal(js, fd));
    snprintf(js, sizeof js, "%llu:%llu", (unsigned long long)st.st_dev,
             (unsigned long long)st.st_ino + 1);
    assert_false(log_is_journal(js, fd)); /* a stream inherited, then redirected */
    assert_false(log_is_journal(NULL, fd));
    assert_false(log_is_journal("junk", fd));
    close(fd);
    unlink(path);
}

static void test_repeats_are_cut_to_a_burst_then_counted(void **state)
{
    (void)state;
    log_limit_t l = {.site = "x", .window_ms = 0};
    unsigned dropped = 99;
    int written = 0;
    /* An 8 s outage: one line a second from one call site. */
    for (int64_t t = 0; t < 8000; t += 100)
        written += log_limit_pass(&l, t, &dropped);
    assert_int_equal(written, LOG_BURST);
    assert_int_equal(l.dropped, 80 - LOG_BURST);
    /* After the window the next line passes and carries the count. */
    assert_true(log_limit_pass(&l, LOG_WINDOW_MS + 1, &dropped));
    assert_int_equal(dropped, 80 - LOG_BURST);
    assert_true(log_limit_pass(&l, LOG_WINDOW_MS + 2, &dropped));
    assert_int_equal(dropped, 0);
}

static void test_log_write_limits_and_flush_reports_the_rest(void **state)
{
    (void)state;
    char path[] = "/tmp/lode-log-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    int saved = dup(2);
    dup2(fd, 2);
    log_init("lode-test", LOGL_INFO);
    for (int i = 0; i < 20; i++)
        log_warn("test", "redis unavailable: try %d", i);
    for (int i = 0; i < 5; i++)
        log_each(LOGL_WARN, "test", "job=%d failed", i); /* events: never limited */
    log_flush();
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    char buf[8192] = {0};
    assert_true(pread(fd, buf, sizeof buf - 1, 0) > 0);
    close(fd);
    unlink(path);
    int lines = 0;
    for (char *p = buf; (p = strchr(p, '\n')); p++)
        lines++;
    assert_int_equal(lines, LOG_BURST + 5 + 1);
    assert_non_null(strstr(buf, "try 2\n"));
    assert_null(strstr(buf, "try 3\n"));
    assert_non_null(strstr(buf, "job=4 failed\n"));
    assert_non_null(strstr(buf, "17 more like \"redis unavailable: try %d\" left out since"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_line_has_time_level_program_pid_and_module),
        cmocka_unit_test(test_the_journal_gets_syslog_priorities_and_no_time),
        cmocka_unit_test(test_a_message_stays_on_one_line_and_a_count_is_appended),
        cmocka_unit_test(test_journal_stream_must_name_stderr_itself),
        cmocka_unit_test(test_repeats_are_cut_to_a_burst_then_counted),
        cmocka_unit_test(test_log_write_limits_and_flush_reports_the_rest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
