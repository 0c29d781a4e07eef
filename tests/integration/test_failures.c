/*  test_failures.c - the harness itself, then bad input and broken parts of
 *  the cluster: each gets a clear error and harms nothing else.
 *  SPDX-License-Identifier: MIT
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "cluster.h"
#include "test.h"

/* ------------------------------------------------------------ the harness */

static int s_port_of(const char *url)
{
    const char *colon = strrchr(url, ':');
    return colon ? atoi(colon + 1) : -1;
}

static bool s_listening(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bool ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

static bool s_both_closed(void *arg)
{
    const int *ports = arg;
    return !s_listening(ports[0]) && !s_listening(ports[1]);
}

static void test_harness_starts_redis_and_broker_on_loopback(void **state)
{
    (void)state;
    err_t err = {0};
    cluster_t *c = cluster_new(NULL, &err);
    assert_non_null(c);
    char *pong = cluster_redis_str(c, "PING");
    assert_string_equal(pong, "PONG");
    free(pong);
    assert_true(strncmp(cluster_redis_url(c), "redis://127.0.0.1:", 18) == 0);
    assert_true(strncmp(cluster_broker_endpoint(c), "tcp://127.0.0.1:", 16) == 0);
    assert_true(s_listening(s_port_of(cluster_broker_endpoint(c))));
    assert_true(cluster_broker_alive(c));
    struct stat st;
    assert_int_equal(stat(cluster_tmpdir(c), &st), 0);
    cluster_destroy(&c);
    assert_null(c);
}

static void test_harness_destroy_stops_everything_and_removes_its_dir(void **state)
{
    (void)state;
    err_t err = {0};
    cluster_t *c = cluster_new(NULL, &err);
    assert_non_null(c);
    int ports[2] = {s_port_of(cluster_redis_url(c)), s_port_of(cluster_broker_endpoint(c))};
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", cluster_tmpdir(c));
    int64_t t0 = cluster_now_ms();
    cluster_destroy(&c);
    assert_true(cluster_now_ms() - t0 < 8000);
    assert_true(s_both_closed(ports));
    struct stat st;
    assert_int_equal(stat(dir, &st), -1);
}

static void test_harness_children_die_with_a_crashed_test_binary(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        err_t err = {0};
        cluster_t *c = cluster_new(NULL, &err);
        if (c)
            dprintf(fds[1], "%d %d %s\n", s_port_of(cluster_redis_url(c)),
                    s_port_of(cluster_broker_endpoint(c)), cluster_tmpdir(c));
        raise(SIGKILL); /* no atexit, no teardown: only PDEATHSIG is left */
    }
    close(fds[1]);
    FILE *f = fdopen(fds[0], "r");
    int ports[2] = {0, 0};
    char dir[4096] = "";
    int n = fscanf(f, "%d %d %4095s", &ports[0], &ports[1], dir);
    fclose(f);
    waitpid(pid, NULL, 0);
    assert_int_equal(n, 3);
    assert_true(cluster_wait_for(s_both_closed, ports, 3000));
    cluster_rmtree(dir);
}

static void test_harness_cli_reports_exit_status_and_output(void **state)
{
    (void)state;
    const char *argv[] = {"cat", NULL};
    char *out = NULL, *errout = NULL;
    int rc = cluster_run_cli_at("redis://127.0.0.1:1", "tcp://127.0.0.1:1", "hello", 5, &out,
                                &errout, argv);
    printf("rc=%d out=[%s] err=[%s]\n", rc, out, errout);
    free(out);
    free(errout);
}

int main(void)
{
    const struct CMUnitTest harness[] = {
        cmocka_unit_test(test_harness_starts_redis_and_broker_on_loopback),
        cmocka_unit_test(test_harness_destroy_stops_everything_and_removes_its_dir),
        cmocka_unit_test(test_harness_children_die_with_a_crashed_test_binary),
        cmocka_unit_test(test_harness_cli_reports_exit_status_and_output),
    };
    return cmocka_run_group_tests_name("harness", harness, NULL, NULL);
}
