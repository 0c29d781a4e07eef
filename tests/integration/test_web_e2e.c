/*  test_web_e2e.c - the workbench end to end in a real headless Chromium:
 *  a real redis-server, broker and workers, `lode web` as its own process,
 *  and tests/e2e/web_e2e.py driving Chromium over WebDriver (python3-
 *  selenium, chromium-driver): upload a seed file, watch the stages
 *  finish, drop #3, edit #2's commentary, move #5 to the top, add a
 *  question, edit the synthesis, reload; Shift+K moves a question, u after
 *  a reload undoes it; two sessions conflict and no edit
 *  is lost silently. Then `lode export` must show the same curation.
 *  Screenshots land in $LODE_BUILD/test-out/web_e2e/. Skipped (and says
 *  so) only when Chromium, its driver or Selenium is not installed
 *  (deploy/deps.sh installs them). Debian's /usr/bin/python3 is used: its
 *  python3-selenium is where deps.sh puts it, whatever python3 is on PATH.
 *  SPDX-License-Identifier: MIT
 */
// clang-format off
#include "test.h"
// clang-format on

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "cluster.h"
#include "fixture.h"
#include "mem.h"

#define SEED     "seeds/000_a5cf945eb98e69f0.txt"
#define E2E_SECS 300

static bool s_have_browser(void)
{
    return access("/usr/bin/chromium", X_OK) == 0 && access("/usr/bin/chromedriver", X_OK) == 0 &&
           system("/usr/bin/python3 -c 'import selenium' >/dev/null 2>&1") == 0;
}

static bool s_listening(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

/* `lode web` in its own process group, dying with us. */
static pid_t s_start_web(cluster_t *c, int port, const char *log)
{
    char lode[512], listen[64];
    snprintf(lode, sizeof lode, "%s/lode", cluster_bin_dir());
    snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        FILE *f = freopen(log, "w", stdout);
        (void)f;
        dup2(STDOUT_FILENO, STDERR_FILENO);
        execl(lode, lode, "--redis", cluster_redis_url(c), "--broker", cluster_broker_endpoint(c),
              "web", "--listen", listen, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 100 && !s_listening(port); i++)
        usleep(50 * 1000);
    return pid;
}

static void s_stop(pid_t pid)
{
    kill(pid, SIGTERM);
    for (int i = 0; i < 60; i++) {
        if (waitpid(pid, NULL, WNOHANG) == pid)
            return;
        usleep(50 * 1000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

static const json_t *s_snippet(const json_t *doc, json_int_t id)
{
    size_t i;
    const json_t *sn;
    json_array_foreach(json_object_get(doc, "snippets"), i,
                       sn) if (json_integer_value(json_object_get(sn, "id")) == id) return sn;
    fail_msg("no snippet %lld in the export", (long long)id);
    return NULL;
}

/* `lode export` shows what the browser did. */
static void s_check_export(cluster_t *c, const char *id)
{
    char *js = cluster_export_json(c, id);
    assert_non_null(js);
    json_t *doc = json_loads(js, 0, NULL);
    free(js);
    assert_non_null(doc);
    assert_true(json_is_false(json_object_get(s_snippet(doc, 3), "kept")));
    assert_true(json_is_false(json_object_get(s_snippet(doc, 4), "kept")));
    assert_string_equal(json_string_value(json_object_get(s_snippet(doc, 2), "commentary")),
                        "Edited in the browser.");
    assert_string_equal(json_string_value(json_object_get(s_snippet(doc, 6), "commentary")),
                        "B's edit, redone.");
    const json_t *first = json_array_get(json_object_get(doc, "snippets"), 0);
    assert_int_equal(json_integer_value(json_object_get(first, "id")), 5);
    const json_t *qs = json_object_get(json_object_get(doc, "fanout"), "questions");
    bool found = false;
    for (size_t i = 0; i < json_array_size(qs); i++)
        found = found ||
                strcmp(json_string_value(json_array_get(qs, i)), "What did the browser add?") == 0;
    assert_true(found);
    const char *md =
        json_string_value(json_object_get(json_object_get(doc, "synthesis"), "markdown"));
    assert_non_null(strstr(md, "# Browser synthesis"));
    json_decref(doc);
}

static void test_browser_end_to_end(void **state)
{
    (void)state;
    if (!s_have_browser()) {
        fprintf(stderr, "test_web_e2e: skipped: chromium, chromium-driver or python3-selenium is "
                        "not installed (deploy/deps.sh installs them)\n");
        skip();
    }
    err_t err = {0};
    cluster_t *c = cluster_new(NULL, &err);
    assert_non_null(c);
    cluster_mark_begin(c);
    int port = cluster_free_port();
    char out_dir[512], log[600], cmd[2048], res[600];
    snprintf(out_dir, sizeof out_dir, "%s/../test-out/web_e2e", cluster_bin_dir());
    snprintf(log, sizeof log, "%s/web.log", cluster_tmpdir(c));
    snprintf(res, sizeof res, "%s/e2e.json", cluster_tmpdir(c));
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", out_dir);
    assert_int_equal(system(cmd), 0);
    pid_t web = s_start_web(c, port, log);
    assert_true(s_listening(port));
    snprintf(cmd, sizeof cmd,
             "timeout -k 5 %d /usr/bin/python3 tests/e2e/web_e2e.py --url http://127.0.0.1:%d "
             "--seed %s --out '%s' >'%s'",
             E2E_SECS, port, SEED, out_dir, res);
    int rc = system(cmd);
    s_stop(web);
    char *got = cluster_read_file(res, 4096, NULL);
    if (rc != 0) {
        char *wl = cluster_read_file(log, 1 << 20, NULL);
        fprintf(stderr, "web_e2e.py: status %d; lode web's log:\n%s\n", rc, wl ? wl : "");
        free(wl);
    }
    json_t *r = rc == 0 && got ? json_loads(got, 0, NULL) : NULL;
    free(got);
    assert_int_equal(rc, 0);
    assert_non_null(r);
    s_check_export(c, json_string_value(json_object_get(r, "id")));
    json_decref(r);
    fprintf(stderr, "screenshots: %s/{document,library,document-proposed}.png\n", out_dir);
    cluster_mark_ok(c);
    cluster_check(c);
    int reports = fixture_down(&c);
    assert_int_equal(reports, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_browser_end_to_end)};
    return cluster_main_result(cmocka_run_group_tests(tests, NULL, NULL));
}
