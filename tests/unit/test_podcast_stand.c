/*  test_podcast_stand.c - the podcast driver against the podstand loopback
 *  host with a real HTTP client (libcurl).
 *  SPDX-License-Identifier: MIT
 */
#include <time.h>

#include <curl/curl.h>

#include "podcast.h"
#include "podcast_impl.h"
#include "podfix.h"
#include "podstand.h"
#include "srcdrv_impl.h"
#include "test.h"

#define S_BASE PODFIX_BASE

static const char *s_fixture_dir(void)
{
    return podfix_fixture_dir();
}

/* ---------------------------------------------------------------- podstand */

typedef struct {
    char *data;
    size_t len;
} s_body_t;

static size_t s_curl_write(char *p, size_t size, size_t n, void *arg)
{
    s_body_t *b = arg;
    b->data = realloc(b->data, b->len + size * n + 1);
    memcpy(b->data + b->len, p, size * n);
    b->len += size * n;
    b->data[b->len] = '\0';
    return size * n;
}

/* A tiny blocking client standing in for http.c: loopback only. */
static void s_curl_get(const char *url, http_resp_t *resp, s_body_t *body, char *type, size_t tcap)
{
    assert_int_equal(strncmp(url, "http://127.0.0.1:", 17), 0);
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROXY, "");
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, s_curl_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
    memset(resp, 0, sizeof *resp);
    resp->retry_after_ms = -1;
    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
        resp->err.code = LODE_EHTTP;
        snprintf(resp->err.msg, sizeof resp->err.msg, "%s", curl_easy_strerror(rc));
    }
    long status = 0;
    char *ct = NULL;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
    snprintf(type, tcap, "%.*s", ct ? (int)strcspn(ct, "; ") : 0, ct ? ct : "");
    curl_off_t ra = -1;
    curl_easy_getinfo(c, CURLINFO_RETRY_AFTER, &ra);
    curl_easy_cleanup(c);
    resp->status = (int)status;
    resp->url = resp->final_url = url;
    resp->content_type = type;
    resp->body = body->data ? body->data : "";
    resp->body_len = body->len;
    resp->retry_after_ms = ra > 0 ? (int64_t)ra * 1000 : -1;
}

static srcdrv_step_t s_run_curl(const srcdrv_ops_t *ops, void *st, size_t *n_req, err_t *err)
{
    http_req_t req;
    srcdrv_step_t r = ops->step(st, NULL, &req, err);
    for (*n_req = 0; r == SRCDRV_REQUEST && *n_req < 16; (*n_req)++) {
        http_resp_t resp;
        s_body_t body = {0};
        char type[128];
        char *url = strdup(req.url);
        s_curl_get(url, &resp, &body, type, sizeof type);
        r = ops->step(st, &resp, &req, err);
        free(body.data);
        free(url);
    }
    return r;
}

static void test_podcast_runs_against_the_podstand_host(void **state)
{
    (void)state;
    podstand_t *ps = podstand_start(s_fixture_dir());
    assert_non_null(ps);
    char url[256];
    snprintf(url, sizeof url, "%s/shows/feed.xml", podstand_url(ps));
    static const char *const episodes[] = {"latest", "minds-ep-0001", "minds-trailer"};
    static const char *const formats[] = {"json", "vtt", NULL};
    for (size_t i = 0; i < 3; i++) {
        err_t err = {0};
        srcdrv_opts_t opts = {.episode = episodes[i]};
        void *st = podcast_state_new(url, &opts, &err);
        size_t n = 0;
        srcdrv_step_t r = s_run_curl(&podcast_ops, st, &n, &err);
        if (!formats[i]) {
            assert_int_equal(r, SRCDRV_FAIL);
            assert_int_equal(err.code, LODE_ENOTFOUND);
            assert_non_null(strstr(err.msg, "48.2 MB"));
        } else {
            if (r != SRCDRV_DONE)
                fail_msg("%s: %s", episodes[i], err.msg);
            transcript_t *t = NULL;
            source_meta_t meta = {0};
            assert_int_equal(podcast_ops.result(st, &t, &meta, &err), 0);
            assert_string_equal(meta.format, formats[i]);
            assert_true(t->len > 40);
            transcript_destroy(&t);
            source_meta_clear(&meta);
        }
        podcast_ops.destroy(st);
    }
    /* Retryable status with Retry-After from the stand-in host. */
    snprintf(url, sizeof url, "%s/status/429", podstand_url(ps));
    err_t err = {0};
    void *st = webdrv_state_new(url, NULL, &err);
    size_t n = 0;
    assert_int_equal(s_run_curl(&webdrv_ops, st, &n, &err), SRCDRV_FAIL);
    assert_int_equal(err.code, LODE_EHTTP);
    assert_int_equal(webdrv_ops.retry_after_ms(st), 2000);
    webdrv_ops.destroy(st);
    assert_true(podstand_requests(ps) >= 6);
    podstand_stop(&ps);
    assert_null(ps);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_podcast_runs_against_the_podstand_host),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return failed;
}
