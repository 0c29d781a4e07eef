/*  test_service.c - lode-broker and lode-worker under a systemd-like
 *  supervisor, through the real binaries: READY=1 once bound and connected,
 *  WATCHDOG=1 at half of WATCHDOG_USEC, SIGHUP re-reads the settings (the
 *  log level), STOPPING=1 at the end. The test is the notify socket: a unix
 *  datagram socket named by NOTIFY_SOCKET, as systemd sets it. And the
 *  broker's log lines in a real cluster (names, dead letters, leaving).
 *  SPDX-License-Identifier: MIT
 */
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <czmq.h>

#include "cluster.h"
#include "mem.h"
#include "service.h"
#include "test.h"

typedef struct {
    int fd;
    char path[108];
    char dir[64];
} s_sock_t;

static void s_listen(s_sock_t *s)
{
    snprintf(s->dir, sizeof s->dir, "/tmp/lode-sd-XXXXXX");
    assert_non_null(mkdtemp(s->dir));
    snprintf(s->path, sizeof s->path, "%s/notify", s->dir);
    s->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    assert_true(s->fd >= 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", s->path);
    assert_int_equal(bind(s->fd, (struct sockaddr *)&sa, sizeof sa), 0);
}

/* Read datagrams for up to ms; count those containing needle. */
static int s_count(s_sock_t *s, const char *needle, int ms, char *last, size_t last_size)
{
    int n = 0;
    int64_t deadline = zclock_mono() + ms;
    while (zclock_mono() < deadline) {
        struct pollfd p = {.fd = s->fd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0)
            continue;
        char buf[512];
        ssize_t len = recv(s->fd, buf, sizeof buf - 1, 0);
        if (len <= 0)
            continue;
        buf[len] = '\0';
        if (strstr(buf, needle)) {
            n++;
            if (last)
                snprintf(last, last_size, "%s", buf);
        }
    }
    return n;
}

static void test_the_ping_is_half_the_watchdog(void **state)
{
    (void)state;
    assert_int_equal(service_ping_ms(0), 0);
    assert_int_equal(service_ping_ms(30000000), 15000);
    assert_int_equal(service_ping_ms(1000), 1);
}

static void test_ready_watchdog_and_sighup_through_the_real_programs(void **state)
{
    (void)state;
    s_sock_t s;
    s_listen(&s);
    setenv("NOTIFY_SOCKET", s.path, 1);
    setenv("WATCHDOG_USEC", "400000", 1); /* pings every 200 ms */
    cluster_opts_t opts = {.log_level = "info"};
    err_t err = {0};
    cluster_t *c = cluster_new(&opts, &err);
    unsetenv("NOTIFY_SOCKET");
    unsetenv("WATCHDOG_USEC");
    assert_non_null(c);
    cluster_mark_begin(c);
    char last[512] = "";
    /* The broker and four workers each said READY=1; one second of pings
     * from five programs at 200 ms is about 25. */
    int ready = s_count(&s, "READY=1", 1500, last, sizeof last);
    assert_true(ready >= 1);
    int pings = s_count(&s, "WATCHDOG=1", 1000, NULL, 0);
    assert_in_range(pings, 10, 60);
    /* SIGHUP: the broker re-reads its settings and says it is ready again. */
    assert_int_equal(kill(cluster_broker_pid(c), SIGHUP), 0);
    assert_true(s_count(&s, "READY=1", 1500, NULL, 0) >= 1);
    char *log = cluster_log(c, "broker");
    assert_non_null(log);
    assert_non_null(strstr(log, "SIGHUP: settings re-read"));
    free(log);
    assert_true(kill(cluster_broker_pid(c), 0) == 0); /* still running: SIGHUP did not end it */
    /* A worker too. */
    pid_t w = cluster_worker_pid(c, 1, 0);
    assert_int_equal(kill(w, SIGHUP), 0);
    assert_true(s_count(&s, "READY=1", 1500, NULL, 0) >= 1);
    log = cluster_log(c, "worker-snippet-0");
    assert_non_null(strstr(log, "SIGHUP: settings re-read"));
    free(log);
    assert_true(kill(w, 0) == 0);
    cluster_mark_ok(c);
    assert_int_equal(cluster_stop(c), 0);
    assert_true(s_count(&s, "STOPPING=1", 500, NULL, 0) >= 1);
    cluster_destroy(&c);
    close(s.fd);
    cluster_rmtree(s.dir);
}

/* The broker's log, through a real cluster: workers by name (as `lode top`
 * shows them, not hex), a dead-lettered line on a job's last failure, and a
 * worker that stops logs "leaving" once, not also "dropped". */
static void test_the_broker_log_names_workers_and_dead_letters(void **state)
{
    (void)state;
    cluster_opts_t opts = {.log_level = "info"};
    err_t err = {0};
    cluster_t *c = cluster_new(&opts, &err);
    assert_non_null(c);
    cluster_mark_begin(c);
    char host[64] = "";
    gethostname(host, sizeof host - 1);
    char *path = cluster_write_file(c, "empty.vtt", "WEBVTT\n\n", 8);
    assert_non_null(path);
    char *out = NULL, *errout = NULL;
    assert_int_equal(cluster_run_cli(c, NULL, &out, &errout, "submit", path, NULL), 0);
    out[strcspn(out, "\n")] = '\0';
    char *state_ = cluster_wait_job(c, out, 20000);
    assert_non_null(state_);
    assert_string_equal(state_, "failed");
    free(state_);
    char want[160];
    snprintf(want, sizeof want, "job=%s stage=fetch attempt=1 failed (permanent), dead-lettered",
             out);
    char *log = cluster_log(c, "broker");
    assert_non_null(strstr(log, want));
    char named[96];
    snprintf(named, sizeof named, "worker=%s/", host);
    assert_non_null(strstr(log, named)); /* "worker=host/pid/tag joined" */
    free(log);
    /* The fanout worker stops; after more than three heartbeats, no "dropped". */
    assert_int_equal(cluster_kill_worker(c, 3, 0, SIGTERM), 0);
    zclock_sleep(4500);
    log = cluster_log(c, "broker");
    assert_non_null(strstr(log, "stage=fanout leaving"));
    assert_null(strstr(log, "stage=fanout dropped"));
    free(log);
    free(out);
    free(errout);
    free(path);
    cluster_mark_ok(c);
    assert_int_equal(cluster_stop(c), 0);
    cluster_destroy(&c);
}

/* Lines at level W or E in text (one log line each). */
static int s_warnings(const char *text)
{
    int n = 0;
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        n += strncmp(p + strcspn(p, " \n"), " W ", 3) == 0 ||
             strncmp(p + strcspn(p, " \n"), " E ", 3) == 0;
    return n;
}

static int s_count_str(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

/* "Log once" during a Redis outage (README): six seconds without Redis are
 * the outage line, its end, and a few rate-limited warnings with a count,
 * in the broker and in every worker, not a line a second per cause. */
static void test_a_redis_outage_is_logged_once_not_every_second(void **state)
{
    (void)state;
    cluster_opts_t opts = {.log_level = "info"};
    err_t err = {0};
    cluster_t *c = cluster_new(&opts, &err);
    assert_non_null(c);
    cluster_mark_begin(c);
    zclock_sleep(1500);
    char *before = cluster_log(c, "broker");
    size_t skip = strlen(before);
    free(before);
    cluster_kill_redis(c, SIGKILL);
    zclock_sleep(6000);
    assert_int_equal(cluster_start_redis(c, &err), 0);
    zclock_sleep(4000);
    char *log = cluster_log(c, "broker");
    const char *outage = log + skip;
    fprintf(stderr, "broker during the outage:\n%s", outage);
    assert_int_equal(s_count_str(outage, "redis unavailable"), 1);
    assert_int_equal(s_count_str(outage, "redis available again"), 1);
    assert_true(s_warnings(outage) <= 6);
    free(log);
    for (int s = 0; s < CLUSTER_STAGES; s++) {
        char name[32];
        snprintf(name, sizeof name, "worker-%s-0",
                 s == 0   ? "fetch"
                 : s == 1 ? "snippet"
                 : s == 2 ? "synthesis"
                          : "fanout");
        char *wlog = cluster_log(c, name);
        assert_non_null(wlog);
        assert_true(s_warnings(wlog) <= 6);
        free(wlog);
    }
    cluster_mark_ok(c);
    assert_int_equal(cluster_stop(c), 0);
    cluster_destroy(&c);
}

/* Through the real binary: with JOURNAL_STREAM naming its stderr, as
 * systemd sets it, lode-broker writes "<N>" priorities and no time stamp;
 * with JOURNAL_STREAM naming something else (an inherited variable, stderr
 * redirected), the plain format. */
static void test_the_journal_gets_priorities_when_stderr_is_the_journal(void **state)
{
    (void)state;
    for (int journal = 1; journal >= 0; journal--) {
        char path[] = "/tmp/lode-journal-XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        struct stat st;
        assert_int_equal(fstat(fd, &st), 0);
        char js[64];
        snprintf(js, sizeof js, "%llu:%llu", (unsigned long long)st.st_dev,
                 (unsigned long long)st.st_ino + (journal ? 0 : 1));
        char bin[512];
        snprintf(bin, sizeof bin, "%s/lode-broker", cluster_bin_dir());
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            dup2(fd, 2);
            setenv("JOURNAL_STREAM", js, 1);
            execl(bin, bin, "--bind", "tcp://127.0.0.1:0", "--redis", "redis://127.0.0.1:1",
                  "--pub", "off", (char *)NULL);
            _exit(127);
        }
        zclock_sleep(700);
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
        char buf[4096] = {0};
        assert_true(pread(fd, buf, sizeof buf - 1, 0) > 0);
        close(fd);
        unlink(path);
        fprintf(stderr, "%s", buf);
        if (journal) {
            assert_int_equal(strncmp(buf, "<6>I lode-broker[", 17), 0);
            assert_non_null(strstr(buf, "\n<6>I lode-broker[")); /* every line */
            assert_null(strstr(buf, "Z I ")); /* no time stamp: the journal adds its own */
        } else {
            assert_true(buf[0] == '2' && strstr(buf, "Z I lode-broker[") != NULL);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_ping_is_half_the_watchdog),
        cmocka_unit_test(test_ready_watchdog_and_sighup_through_the_real_programs),
        cmocka_unit_test(test_the_broker_log_names_workers_and_dead_letters),
        cmocka_unit_test(test_a_redis_outage_is_logged_once_not_every_second),
        cmocka_unit_test(test_the_journal_gets_priorities_when_stderr_is_the_journal),
    };
    return cluster_main_result(cmocka_run_group_tests(tests, NULL, NULL));
}
