/*  test_http.c - the HTTP layer against a misbehaving loopback server.
 *  Every failure is checked for its code and its retry decision. No traffic
 *  leaves loopback: the redirect to 10.0.0.1 is refused before connecting.
 *  SPDX-License-Identifier: MIT
 */
#include <czmq.h>

#include "err.h"
#include "http.h"
#include "misbehave.h"
#include "test.h"

#define LOOPBACK "127.0.0.0/8,::1/128"

static misbehave_t *s_server;

typedef struct {
    err_t err;
    int status;
    char *body; /* owned */
    size_t body_len;
    char ctype[64];
    char final_url[256];
    size_t n_replaced;
    int64_t retry_after_ms;
    bool bot_check;
    double seconds;
} got_t;

typedef struct {
    zloop_t *loop;
    http_t *http;
    got_t got[512];
    int n_done;
    int n_want;
    int64_t deadline;
} ctx_t;

static void s_done(const http_resp_t *r, void *arg)
{
    ctx_t *c = arg;
    assert_true(c->n_done < 512);
    got_t *g = &c->got[c->n_done++];
    g->err = r->err;
    g->status = r->status;
    g->body = malloc(r->body_len + 1);
    memcpy(g->body, r->body, r->body_len);
    g->body[r->body_len] = '\0';
    g->body_len = r->body_len;
    snprintf(g->ctype, sizeof g->ctype, "%s", r->content_type);
    snprintf(g->final_url, sizeof g->final_url, "%s", r->final_url);
    g->n_replaced = r->n_replaced;
    g->retry_after_ms = r->retry_after_ms;
    g->bot_check = r->bot_check;
    g->seconds = r->seconds;
}

static int s_on_tick(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    ctx_t *c = arg;
    return c->n_done >= c->n_want || zclock_mono() > c->deadline ? -1 : 0;
}

/* Run the loop until n responses arrived in total, or ms passed. */
static void s_run(ctx_t *c, int n, int64_t ms)
{
    c->n_want = n;
    c->deadline = zclock_mono() + ms;
    int id = zloop_timer(c->loop, 5, 0, s_on_tick, c);
    zloop_start(c->loop);
    zloop_timer_end(c->loop, id);
}

static ctx_t *s_ctx(const http_opts_t *opts)
{
    ctx_t *c = calloc(1, sizeof *c);
    c->loop = zloop_new();
    err_t err = {0};
    http_opts_t o = opts ? *opts : (http_opts_t){.allow_net = LOOPBACK};
    c->http = http_new(c->loop, &o, &err);
    assert_non_null(c->http);
    return c;
}

static void s_ctx_free(ctx_t *c)
{
    http_destroy(&c->http);
    assert_null(c->http);
    zloop_destroy(&c->loop);
    for (int i = 0; i < c->n_done; i++)
        free(c->got[i].body);
    free(c);
}

static char *s_url(const char *host, const char *path)
{
    static char url[256];
    snprintf(url, sizeof url, "http://%s:%d%s", host, misbehave_port(s_server), path);
    return url;
}

/* One GET to the test server; the response is c->got[c->n_done - 1]. */
static got_t *s_get(ctx_t *c, const char *path, bool allow_binary)
{
    err_t err = {0};
    int before = c->n_done;
    http_req_t req = {.url = s_url("127.0.0.1", path), .allow_binary = allow_binary};
    assert_int_equal(http_request(c->http, &req, s_done, c, &err), 0);
    s_run(c, before + 1, 20000);
    assert_int_equal(c->n_done, before + 1);
    return &c->got[before];
}

/* ---- happy paths */

static void test_http_fetches_a_text_page(void **state)
{
    (void)state;
    ctx_t *c = s_ctx(NULL);
    got_t *g = s_get(c, "/ok", false);
    assert_int_equal(g->err.code, 0);
    assert_int_equal(g->status, 200);
    assert_string_equal(g->body, "hello, world\n");
    assert_string_equal(g->ctype, "text/plain");
    assert_int_equal(g->n_replaced, 0);
    assert_int_equal(g->retry_after_ms, -1);
    assert_false(g->bot_check);
    assert_int_equal(http_in_flight(c->http), 0);
    assert_int_equal(http_queued(c->http), 0);
    s_ctx_free(c);
}

static void test_http_follows_a_redirect_and_reports_the_final_url(void **state)
{
    (void)state;
    ctx_t *c = s_ctx(NULL);
    got_t *g = s_get(c, "/redirect-ok", false);
    assert_int_equal(g->err.code, 0);
    assert_int_equal(g->status, 200);
    assert_string_equal(g->body, "hello, world\n");
    assert_string_equal(g->final_url, s_url("127.0.0.1", "/ok"));
    s_ctx_free(c);
}

static void test_http_decodes_a_gzip_body(void **state)
{
    (void)state;
    ctx_t *c = s_ctx(NULL);
    got_t *g = s_get(c, "/gzip", false);
    assert_int_equal(g->err.code, 0);
    assert_string_equal(g->body, "hello gzip");
    s_ctx_free(c);
}

static void test_http_converts_a_latin1_body_to_utf8(void **state)
{
    (void)state;
    ctx_t *c = s_ctx(NULL);
    got_t *g = s_get(c, "/latin1", false);
    assert_int_equal(g->err.code, 0);
    assert_string_equal(g->body, "caf\xc3\xa9");
    assert_int_equal(g->n_replaced, 0);
    s_ctx_free(c);
}

static void test_http_takes_the_charset_from_a_meta_tag(void **state)
{
    (void)state;
    ctx_t *c = s_ctx(NULL);
    got_t *g = s_get(c, "/metacharset", false);
    assert_int_equal(g->err.code, 0);
    assert_non_null(strstr(g->body, "caf\xc3\xa9 \xe2\x80\x9cquoted\xe2\x80\x9d"));
    assert_string_equal(g->ctype, "text/html");
    s_ctx_free(c);
}

static void test_http_replaces_invalid_utf8_bytes_and_counts_them(void **state)
{
    (void)state;
    ctx_t *c = s_ctx(NULL);
    got_t *g = s_get(c, "/badutf8", false);
    assert_int_equal(g->err.code, 0);
    assert_string_equal(g->body, "ok \xef\xbf\xbd\xef\xbf\xbd bad");
    assert_int_equal(g->n_replaced, 2);
    s_ctx_free(c);
}

static void test_http_honours_a_bom_and_an_xml_declaration(void **state)
{
    (void)state;
    ctx_t *c = s_ctx(NULL);
    got_t *g = s_get(c, "/utf16bom", false);
    assert_int_equal(g->err.code, 0);
    assert_string_equal(g->body, "hi");
    g = s_get(c, "/xmlenc", false);
    assert_int_equal(g->err.code, 0);
    assert_string_equal(g->ctype, "application/rss+xml");
    assert_non_null(strstr(g->body, "<a>caf\xc3\xa9</a>"));
    s_ctx_free(c);
}

static void s_done_then_next(const http_resp_t *r, void *arg)
{
    ctx_t *c = arg;
    s_done(r, arg);
    if (c->n_done < 3) {
        err_t err = {0};
        http_req_t req = {.url = s_url("127.0.0.1", "/ok")};
        assert_int_equal(http_request(c->http, &req, s_done_then_next, c, &err), 0);
    }
}

static void test_http_lets_a_callback_start_the_next_request(void **state)
{
    (void)state;
    ctx_t *c = s_ctx(NULL);
    err_t err = {0};
    http_req_t req = {.url = s_url("127.0.0.1", "/ok")};
    assert_int_equal(http_request(c->http, &req, s_done_then_next, c, &err), 0);
    s_run(c, 3, 10000);
    assert_int_equal(c->n_done, 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(c->got[i].status, 200);
    s_ctx_free(c);
}

static void test_http_returns_json_as_text(void **state)
{
    (void)state;
    ctx_t *c = s_ctx(NULL);
    got_t *g = s_get(c, "/json", false);
    assert_int_equal(g->err.code, 0);
    assert_string_equal(g->ctype, "application/json");
    assert_string_equal(g->body, "{\"ok\":true}");
    s_ctx_free(c);
}

static void test_http_posts_a_body_with_headers_and_a_cookie(void **state)
{
    (void)state;
    ctx_t *c = s_ctx(NULL);
    err_t err = {0};
    const char *headers[] = {"X-Test: 1", NULL};
    http_req_t req = {.method = "POST",
                      .url = s_url("127.0.0.1", "/echo"),
                      .body = "a=1&b=2",
                      .body_len = 7,
                      .headers = headers,
                      .cookie = "SID=abc"};
    assert_int_equal(http_request(c->http, &req, s_done, c, &err), 0);
    s_run(c, 1, 10000);
    assert_int_equal(c->n_done, 1);
    assert_int_equal(c->got[0].err.code, 0);
    assert_string_equal(c->got[0].body, "POST\na=1&b=2\nSID=abc");
    s_ctx_free(c);
}

static void test_http_keeps_hundreds_of_requests_in_flight(void **state)
{
    (void)state;
    http_opts_t o = {.allow_net = LOOPBACK, .max_in_flight = 512, .per_host_max = 512};
    ctx_t *c = s_ctx(&o);
    err_t err = {0};
    http_req_t req = {.url = s_url("127.0.0.1", "/slow?ms=500")};
    for (int i = 0; i < 300; i++)
        assert_int_equal(http_request(c->http, &req, s_done, c, &err), 0);
    assert_int_equal(http_in_flight(c->http), 300);
    int64_t t0 = zclock_mono();
    s_run(c, 300, 20000);
    assert_int_equal(c->n_done, 300);
    for (int i = 0; i < 300; i++)
        assert_int_equal(c->got[i].status, 200);
    assert_true(zclock_mono() - t0 < 5000); /* in parallel, not 150 s in a row */
    s_ctx_free(c);
}

/* ---- limits */

static void test_http_holds_requests_beyond_the_per_host_limit(void **state)
{
    (void)state;
    http_opts_t o = {.allow_net = LOOPBACK, .per_host_max = 2};
    ctx_t *c = s_ctx(&o);
    err_t err = {0};
    http_req_t req = {.url = s_url("127.0.0.1", "/slow?ms=200")};
    for (int i = 0; i < 6; i++)
        assert_int_equal(http_request(c->http, &req, s_done, c, &err), 0);
    assert_int_equal(http_in_flight(c->http), 2);
    assert_int_equal(http_queued(c->http), 4);
    int64_t t0 = zclock_mono();
    s_run(c, 6, 10000);
    assert_int_equal(c->n_done, 6);
    assert_true(zclock_mono() - t0 >= 550); /* three waves of 200 ms */
    s_ctx_free(c);
}

static void test_http_spaces_starts_by_the_per_host_rate(void **state)
{
    (void)state;
    http_opts_t o = {.allow_net = LOOPBACK, .per_host_rps = 10};
    ctx_t *c = s_ctx(&o);
    err_t err = {0};
    http_req_t req = {.url = s_url("127.0.0.1", "/ok")};
    for (int i = 0; i < 5; i++)
        assert_int_equal(http_request(c->http, &req, s_done, c, &err), 0);
    assert_int_equal(http_in_flight(c->http), 1);
    s_run(c, 5, 10000);
    assert_int_equal(c->n_done, 5);
    assert_true(c->got[4].seconds >= 0.38); /* starts at 0, 100, ... 400 ms */
    s_ctx_free(c);
}

static void test_http_cool_host_delays_starts_to_that_host(void **state)
{
    (void)state;
    ctx_t *c = s_ctx(NULL);
    http_cool_host(c->http, "127.0.0.1", 300);
    got_t *g = s_get(c, "/ok", false);
    assert_int_equal(g->err.code, 0);
    assert_true(g->seconds >= 0.28);
    s_ctx_free(c);
}

static void test_http_reports_429_with_retry_after_and_cools_the_host(void **state)
{
    (void)state;
    ctx_t *c = s_ctx(NULL);
    got_t *g = s_get(c, "/429", false);
    assert_int_equal(g->err.code, 0); /* a response arrived */
    assert_int_equal(g->status, 429);
    assert_int_equal(g->retry_after_ms, 7000);
    http_resp_t r = {.status = 429, .final_url = "x"};
    err_t err = {0};
    assert_int_equal(http_resp_error(&r, &err), -1);
    assert_int_equal(err.code, LODE_EHTTP);
    assert_true(err_retryable(err.code));
    /* The next request to that host waits out the 7 s. */
    http_req_t req = {.url = s_url("127.0.0.1", "/ok")};
    assert_int_equal(http_request(c->http, &req, s_done, c, &err), 0);
    s_run(c, 2, 300);
    assert_int_equal(c->n_done, 1);
    assert_int_equal(http_queued(c->http), 1);
    s_ctx_free(c); /* cancels it without a callback */
}

static void test_http_leaves_the_host_alone_after_429_when_told(void **state)
{
    (void)state;
    http_opts_t o = {.allow_net = LOOPBACK, .no_auto_cool = true};
    ctx_t *c = s_ctx(&o);
    got_t *g = s_get(c, "/429", false);
    assert_int_equal(g->status, 429);
    assert_int_equal(g->retry_after_ms, 7000); /* still reported */
    g = s_get(c, "/ok", false);                /* starts at once */
    assert_int_equal(g->status, 200);
    assert_true(g->seconds < 5.0);
    s_ctx_free(c);
}

static void test_http_reports_retry_after_on_any_5xx(void **state)
{
    (void)state;
    http_opts_t o = {.allow_net = LOOPBACK, .no_auto_cool = true};
    ctx_t *c = s_ctx(&o);
    const char *paths[] = {"/status?code=500&retry=2", "/status?code=502&retry=3",
                           "/status?code=503&retry=4"};
    const int codes[] = {500, 502, 503};
    for (int i = 0; i < 3; i++) {
        got_t *g = s_get(c, paths[i], false);
        assert_int_equal(g->status, codes[i]);
        assert_int_equal(g->retry_after_ms, (2 + i) * 1000);
    }
    assert_int_equal(s_get(c, "/status?code=500", false)->retry_after_ms, -1);
    s_ctx_free(c);
}

static void test_http_flags_a_bot_check_page_and_cools_the_host(void **state)
{
    (void)state;
    ctx_t *c = s_ctx(NULL);
    got_t *g = s_get(c, "/captcha", false);
    assert_int_equal(g->err.code, 0);
    assert_int_equal(g->status, 503);
    assert_true(g->bot_check);
    err_t err = {0};
    http_req_t req = {.url = s_url("127.0.0.1", "/ok")};
    assert_int_equal(http_request(c->http, &req, s_done, c, &err), 0);
    assert_int_equal(http_queued(c->http), 1); /* cooled for 30 s */
    s_ctx_free(c);
}

static void test_http_maps_status_codes_to_errors(void **state)
{
    (void)state;
    ctx_t *c = s_ctx(NULL);
    got_t *g = s_get(c, "/status?code=404", false);
    assert_int_equal(g->status, 404);
    err_t err = {0};
    http_resp_t r = {.status = g->status, .final_url = g->final_url};
    assert_int_equal(http_resp_error(&r, &err), -1);
    assert_int_equal(err.code, LODE_ENOTFOUND);
    assert_false(err_retryable(err.code));
    g = s_get(c, "/status?code=503&retry=2", false);
    assert_int_equal(g->retry_after_ms, 2000);
    s_ctx_free(c);
    c = s_ctx(NULL); /* the 503 cooled 127.0.0.1 */
    g = s_get(c, "/retrydate", false);
    assert_int_equal(g->status, 503);
    assert_in_range(g->retry_after_ms, 3000, 6000);
    s_ctx_free(c);

    struct {
        int status, code;
        bool retry;
    } cases[] = {{200, 0, false},          {204, 0, false},
                 {410, LODE_ENOTFOUND, 0}, {403, LODE_EUNSUPPORTED, 0},
                 {408, LODE_EHTTP, 1},     {500, LODE_EHTTP, 1},
                 {502, LODE_EHTTP, 1},     {302, LODE_EHTTP, 1}};

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        err_clear(&err);
        r = (http_resp_t){.status = cases[i].status, .final_url = "u"};
        assert_int_equal(http_resp_error(&r, &err), cases[i].code ? -1 : 0);
        assert_int_equal(err.code, cases[i].code);
        if (cases[i].code)
            assert_int_equal(err_retryable(err.code), cases[i].retry);
    }
    err_clear(&err);
    r = (http_resp_t){.status = 0};
    err_set(&r.err, LODE_ETOOBIG, "body over 1 bytes");
    assert_int_equal(http_resp_error(&r, &err), -1);
    assert_int_equal(err.code, LODE_ETOOBIG);
}

/* ---- misbehaviour */

static void test_http_refuses_a_binary_content_type(void **state)
{
    (void)state;
    ctx_t *c = s_ctx(NULL);
    got_t *g = s_get(c, "/binary", false);
    assert_int_equal(g->err.code, LODE_EUNSUPPORTED);
    assert_non_null(strstr(g->err.msg, "image/png"));
    assert_false(err_retryable(g->err.code));
    g = s_get(c, "/binary", true);
    assert_int_equal(g->err.code, 0);
    assert_int_equal(g->body_len, 10);
    assert_memory_equal(g->body, "\x89PNG", 4);
    s_ctx_free(c);
}

static void test_http_stops_a_body_over_the_limit(void **state)
{
    (void)state;
    http_opts_t o = {.allow_net = LOOPBACK, .max_body_bytes = 100000};
    ctx_t *c = s_ctx(&o);
    got_t *g = s_get(c, "/big?n=100000", false);
    assert_int_equal(g->err.code, 0);
    assert_int_equal(g->body_len, 100000);
    g = s_get(c, "/big?n=100001", false); /* refused from Content-Length */
    assert_int_equal(g->err.code, LODE_ETOOBIG);
    assert_false(err_retryable(g->err.code));
    g = s_get(c, "/bigchunked?n=5000000", false); /* refused while streaming */
    assert_int_equal(g->err.code, LODE_ETOOBIG);
    assert_non_null(strstr(g->err.msg, "100000"));
    g = s_get(c, "/endless", false);
    assert_int_equal(g->err.code, LODE_ETOOBIG);
    s_ctx_free(c);
}

static void test_http_stops_a_gzip_bomb_at_the_limit(void **state)
{
    (void)state;
    http_opts_t o = {.allow_net = LOOPBACK, .max_body_bytes = 1 << 20};
    ctx_t *c = s_ctx(&o);
    got_t *g = s_get(c, "/gzipbomb", false);
    assert_int_equal(g->err.code, LODE_ETOOBIG);
    assert_false(err_retryable(g->err.code));
    s_ctx_free(c);
    c = s_ctx(NULL); /* the default 50 MB limit holds against 64 MiB too */
    g = s_get(c, "/gzipbomb", false);
    assert_int_equal(g->err.code, LODE_ETOOBIG);
    s_ctx_free(c);
}

static void test_http_times_out_a_slow_drip(void **state)
{
    (void)state;
    http_opts_t o = {.allow_net = LOOPBACK, .low_speed_s = 1};
    ctx_t *c = s_ctx(&o);
    got_t *g = s_get(c, "/drip", false);
    assert_int_equal(g->err.code, LODE_ETIMEDOUT);
    assert_true(err_retryable(g->err.code));
    assert_true(g->seconds < 5);
    s_ctx_free(c);
}

static void test_http_times_out_a_slow_answer(void **state)
{
    (void)state;
    http_opts_t o = {.allow_net = LOOPBACK, .total_timeout_ms = 300};
    ctx_t *c = s_ctx(&o);
    got_t *g = s_get(c, "/slow?ms=3000", false);
    assert_int_equal(g->err.code, LODE_ETIMEDOUT);
    assert_true(err_retryable(g->err.code));
    assert_true(g->seconds < 1.5);
    s_ctx_free(c);
}

static void test_http_refuses_huge_headers(void **state)
{
    (void)state;
    ctx_t *c = s_ctx(NULL);
    got_t *g = s_get(c, "/hugeheaders", false);
    assert_int_equal(g->err.code, LODE_EHTTP);
    assert_non_null(strstr(g->err.msg, "headers over"));
    assert_true(err_retryable(g->err.code));
    s_ctx_free(c);
}

static void test_http_gives_up_on_a_redirect_loop(void **state)
{
    (void)state;
    ctx_t *c = s_ctx(NULL);
    long before = misbehave_requests(s_server);
    got_t *g = s_get(c, "/redirect-loop", false);
    assert_int_equal(g->err.code, LODE_EHTTP);
    assert_non_null(strstr(g->err.msg, "redirect"));
    assert_int_equal(misbehave_requests(s_server) - before, 6); /* first + 5 hops */
    s_ctx_free(c);
}

static void test_http_refuses_a_redirect_to_another_scheme(void **state)
{
    (void)state;
    ctx_t *c = s_ctx(NULL);
    got_t *g = s_get(c, "/redirect-ftp", false);
    assert_int_equal(g->err.code, LODE_EUNSUPPORTED);
    assert_false(err_retryable(g->err.code));
    s_ctx_free(c);
}

static void test_http_rejects_bad_urls_and_schemes_at_once(void **state)
{
    (void)state;
    ctx_t *c = s_ctx(NULL);

    const struct {
        const char *url;
        int code;
    } cases[] = {{"ftp://127.0.0.1/", LODE_EUNSUPPORTED},
                 {"file:///etc/passwd", LODE_EUNSUPPORTED},
                 {"not a url", LODE_EINVAL},
                 {NULL, LODE_EINVAL}};

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        err_t err = {0};
        http_req_t req = {.url = cases[i].url};
        assert_int_equal(http_request(c->http, &req, s_done, c, &err), -1);
        assert_int_equal(err.code, cases[i].code);
    }
    err_t err = {0};
    http_req_t req = {.method = "DELETE", .url = s_url("127.0.0.1", "/ok")};
    assert_int_equal(http_request(c->http, &req, s_done, c, &err), -1);
    assert_int_equal(err.code, LODE_EINVAL);
    assert_int_equal(http_queued(c->http) + http_in_flight(c->http), 0);
    s_ctx_free(c);
}

/* ---- the SSRF guard */

static void test_http_refuses_loopback_without_an_allow_list(void **state)
{
    (void)state;
    http_opts_t o = {0};
    ctx_t *c = s_ctx(&o);
    long before = misbehave_requests(s_server);
    got_t *g = s_get(c, "/ok", false);
    assert_int_equal(g->err.code, LODE_EPRIVATE);
    assert_non_null(strstr(g->err.msg, "127.0.0.1"));
    assert_false(err_retryable(g->err.code));
    assert_int_equal(misbehave_requests(s_server), before); /* never connected */
    s_ctx_free(c);
}

static void test_http_refuses_a_hostname_that_resolves_to_a_private_address(void **state)
{
    (void)state;
    http_opts_t o = {0};
    ctx_t *c = s_ctx(&o);
    err_t err = {0};
    http_req_t req = {.url = s_url("localhost", "/ok")};
    assert_int_equal(http_request(c->http, &req, s_done, c, &err), 0);
    s_run(c, 1, 10000);
    assert_int_equal(c->n_done, 1);
    assert_int_equal(c->got[0].err.code, LODE_EPRIVATE);
    s_ctx_free(c);
}

static void test_http_connects_to_a_hostname_with_one_allowed_address(void **state)
{
    (void)state;
    http_opts_t o = {.allow_net = "127.0.0.1/32"}; /* ::1 stays refused */
    ctx_t *c = s_ctx(&o);
    got_t *g = s_get(c, "/redirect-localhost", false);
    assert_int_equal(g->err.code, 0);
    assert_string_equal(g->body, "hello, world\n");
    s_ctx_free(c);
}

static void test_http_refuses_a_redirect_to_a_private_address(void **state)
{
    (void)state;
    ctx_t *c = s_ctx(NULL); /* loopback allowed; 10/8 is not */
    got_t *g = s_get(c, "/redirect-private", false);
    assert_int_equal(g->err.code, LODE_EPRIVATE);
    assert_non_null(strstr(g->err.msg, "10.0.0.1"));
    assert_false(err_retryable(g->err.code));
    s_ctx_free(c);
}

static void test_http_refuses_a_redirect_to_loopback_outside_the_allow_list(void **state)
{
    (void)state;
    http_opts_t o = {.allow_net = "127.0.0.1/32"};
    ctx_t *c = s_ctx(&o);
    got_t *g = s_get(c, "/redirect-loopback2", false);
    assert_int_equal(g->err.code, LODE_EPRIVATE);
    assert_non_null(strstr(g->err.msg, "127.0.0.2"));
    s_ctx_free(c);
}

static void test_http_addr_blocked_covers_private_and_reserved_ranges(void **state)
{
    (void)state;
    const char *blocked[] = {
        "0.0.0.0",
        "10.1.2.3",
        "100.64.0.1",
        "100.127.255.255",
        "127.0.0.1",
        "169.254.169.254",
        "172.16.0.1",
        "172.31.255.1",
        "192.0.0.8",
        "192.0.2.1",
        "192.168.1.1",
        "198.18.0.1",
        "198.51.100.7",
        "203.0.113.9",
        "224.0.0.1",
        "239.255.255.250",
        "240.0.0.1",
        "255.255.255.255",
        "::",
        "::1",
        "fc00::1",
        "fd00:ec2::254",
        "fe80::1%eth0",
        "ff02::1",
        "::ffff:10.0.0.1",
        "::ffff:127.0.0.1",
        "64:ff9b::a00:1",
        "2002:c0a8:101::1",
        "2001:db8::1",
        "nonsense",
        "",
    };
    for (size_t i = 0; i < sizeof blocked / sizeof blocked[0]; i++)
        if (!http_addr_blocked(blocked[i], NULL))
            fail_msg("%s should be blocked", blocked[i]);
    const char *open[] = {"8.8.8.8",     "1.1.1.1",         "100.63.255.255", "172.32.0.1",
                          "192.169.0.1", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"};
    for (size_t i = 0; i < sizeof open / sizeof open[0]; i++)
        if (http_addr_blocked(open[i], NULL))
            fail_msg("%s should be open", open[i]);
    assert_false(http_addr_blocked("127.0.0.1", "127.0.0.0/8"));
    assert_false(http_addr_blocked("::ffff:127.0.0.1", "127.0.0.0/8"));
    assert_true(http_addr_blocked("::1", "127.0.0.0/8"));
    assert_false(http_addr_blocked("::1", "10.0.0.0/8, ::1/128"));
    assert_true(http_addr_blocked("10.0.0.1", "10.0.0.0/32"));
    assert_false(http_addr_blocked("10.200.0.1", "10.128.0.0/9"));
    assert_true(http_addr_blocked("10.100.0.1", "10.128.0.0/9"));
}

static void test_http_a_zero_prefix_allow_list_turns_the_guard_off(void **state)
{
    (void)state;
    const char *all = "0.0.0.0/0,::/0";
    const char *addrs[] = {"127.0.0.1", "10.1.2.3", "169.254.169.254", "192.168.1.1",
                           "::1",       "fe80::1",  "fd00::1",         "64:ff9b::a00:1"};
    for (size_t i = 0; i < sizeof addrs / sizeof addrs[0]; i++) {
        assert_true(http_addr_blocked(addrs[i], NULL));
        assert_false(http_addr_blocked(addrs[i], all));
    }
    assert_false(http_addr_blocked("10.1.2.3", "0.0.0.0/0")); /* v4 only */
    assert_true(http_addr_blocked("fd00::1", "0.0.0.0/0"));
    assert_true(http_addr_blocked("not an address", all));
}

static void test_http_new_rejects_a_bad_allow_list(void **state)
{
    (void)state;
    zloop_t *loop = zloop_new();
    const char *bad[] = {"127.0.0.0/33", "localhost", "10.0.0.0/8,", "::1/129", "1.2.3.4/x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err_t err = {0};
        http_opts_t o = {.allow_net = bad[i]};
        http_t *h = http_new(loop, &o, &err);
        if (i == 2) { /* a trailing comma is harmless */
            assert_non_null(h);
            http_destroy(&h);
            continue;
        }
        assert_null(h);
        assert_int_equal(err.code, LODE_EINVAL);
    }
    zloop_destroy(&loop);
}

static int s_setup(void **state)
{
    (void)state;
    s_server = misbehave_start();
    return s_server ? 0 : -1;
}

static int s_teardown(void **state)
{
    (void)state;
    misbehave_stop(&s_server);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_fetches_a_text_page),
        cmocka_unit_test(test_http_follows_a_redirect_and_reports_the_final_url),
        cmocka_unit_test(test_http_decodes_a_gzip_body),
        cmocka_unit_test(test_http_converts_a_latin1_body_to_utf8),
        cmocka_unit_test(test_http_takes_the_charset_from_a_meta_tag),
        cmocka_unit_test(test_http_replaces_invalid_utf8_bytes_and_counts_them),
        cmocka_unit_test(test_http_honours_a_bom_and_an_xml_declaration),
        cmocka_unit_test(test_http_lets_a_callback_start_the_next_request),
        cmocka_unit_test(test_http_returns_json_as_text),
        cmocka_unit_test(test_http_posts_a_body_with_headers_and_a_cookie),
        cmocka_unit_test(test_http_keeps_hundreds_of_requests_in_flight),
        cmocka_unit_test(test_http_holds_requests_beyond_the_per_host_limit),
        cmocka_unit_test(test_http_spaces_starts_by_the_per_host_rate),
        cmocka_unit_test(test_http_cool_host_delays_starts_to_that_host),
        cmocka_unit_test(test_http_reports_429_with_retry_after_and_cools_the_host),
        cmocka_unit_test(test_http_leaves_the_host_alone_after_429_when_told),
        cmocka_unit_test(test_http_reports_retry_after_on_any_5xx),
        cmocka_unit_test(test_http_flags_a_bot_check_page_and_cools_the_host),
        cmocka_unit_test(test_http_maps_status_codes_to_errors),
        cmocka_unit_test(test_http_refuses_a_binary_content_type),
        cmocka_unit_test(test_http_stops_a_body_over_the_limit),
        cmocka_unit_test(test_http_stops_a_gzip_bomb_at_the_limit),
        cmocka_unit_test(test_http_times_out_a_slow_drip),
        cmocka_unit_test(test_http_times_out_a_slow_answer),
        cmocka_unit_test(test_http_refuses_huge_headers),
        cmocka_unit_test(test_http_gives_up_on_a_redirect_loop),
        cmocka_unit_test(test_http_refuses_a_redirect_to_another_scheme),
        cmocka_unit_test(test_http_rejects_bad_urls_and_schemes_at_once),
        cmocka_unit_test(test_http_refuses_loopback_without_an_allow_list),
        cmocka_unit_test(test_http_refuses_a_hostname_that_resolves_to_a_private_address),
        cmocka_unit_test(test_http_connects_to_a_hostname_with_one_allowed_address),
        cmocka_unit_test(test_http_refuses_a_redirect_to_a_private_address),
        cmocka_unit_test(test_http_refuses_a_redirect_to_loopback_outside_the_allow_list),
        cmocka_unit_test(test_http_addr_blocked_covers_private_and_reserved_ranges),
        cmocka_unit_test(test_http_a_zero_prefix_allow_list_turns_the_guard_off),
        cmocka_unit_test(test_http_new_rejects_a_bad_allow_list),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
