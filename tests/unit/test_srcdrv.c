/*  test_srcdrv.c - the driver dispatcher: which driver a URL gets, the
 *  forwarding of steps and results, and the refusal of non-http URLs.
 *  SPDX-License-Identifier: MIT
 */
#include "srcdrv.h"
#include "test.h"

static const char s_feed[] =
    "<rss xmlns:podcast=\"https://podcastindex.org/namespace/1.0\"><channel><title>Show</title>"
    "<item><title>Ep</title><guid>g</guid>"
    "<podcast:transcript url=\"/ep.txt\" type=\"text/plain\"/></item></channel></rss>";

static http_resp_t s_resp(const char *url, const char *type, const char *body)
{
    return (http_resp_t){.status = 200,
                         .url = url,
                         .final_url = url,
                         .content_type = type,
                         .body = body,
                         .body_len = strlen(body),
                         .retry_after_ms = -1};
}

static void test_srcdrv_feed_url_runs_the_podcast_driver_to_a_transcript(void **state)
{
    (void)state;
    err_t err = {0};
    srcdrv_t *d = srcdrv_new("https://pod.test/feed.xml", NULL, &err);
    assert_non_null(d);
    http_req_t req;
    assert_int_equal(srcdrv_step(d, NULL, &req, &err), SRCDRV_REQUEST);
    assert_string_equal(req.url, "https://pod.test/feed.xml");
    http_resp_t resp = s_resp("https://pod.test/feed.xml", "application/rss+xml", s_feed);
    assert_int_equal(srcdrv_step(d, &resp, &req, &err), SRCDRV_REQUEST);
    assert_string_equal(req.url, "https://pod.test/ep.txt");
    resp = s_resp("https://pod.test/ep.txt", "text/plain", "Words of the episode.");
    assert_int_equal(srcdrv_step(d, &resp, &req, &err), SRCDRV_DONE);
    transcript_t *t;
    source_meta_t meta;
    assert_int_equal(srcdrv_result(d, &t, &meta, &err), 0);
    assert_string_equal(t->text, "Words of the episode.");
    assert_string_equal(meta.kind, "podcast");
    size_t n = 99;
    assert_null(srcdrv_urls(d, &n));
    assert_int_equal(n, 0);
    assert_int_equal(srcdrv_retry_after_ms(d), -1);
    transcript_destroy(&t);
    source_meta_clear(&meta);
    srcdrv_destroy(&d);
    assert_null(d);
    srcdrv_destroy(&d);
}

static void test_srcdrv_other_http_urls_get_the_web_driver(void **state)
{
    (void)state;
    err_t err = {0};
    srcdrv_t *d = srcdrv_new("https://web.test/talk.vtt", NULL, &err);
    assert_non_null(d);
    http_req_t req;
    assert_int_equal(srcdrv_step(d, NULL, &req, &err), SRCDRV_REQUEST);
    /* An HTML answer goes to the web driver's article reading (too short
     * here), not to the podcast driver. */
    http_resp_t resp = s_resp("https://web.test/talk.vtt", "text/html", "<p>x</p>");
    assert_int_equal(srcdrv_step(d, &resp, &req, &err), SRCDRV_FAIL);
    assert_int_equal(err.code, LODE_EEMPTY);
    assert_non_null(strstr(err.msg, "article too short"));
    transcript_t *t;
    source_meta_t meta;
    err_clear(&err);
    assert_int_equal(srcdrv_result(d, &t, &meta, &err), -1);
    assert_int_equal(err.code, LODE_ESTATE);
    assert_null(t);
    srcdrv_destroy(&d);
}

static void test_srcdrv_refuses_what_is_not_an_http_url(void **state)
{
    (void)state;

    static const struct {
        const char *url;
        int code;
    } cases[] = {{NULL, LODE_EINVAL},
                 {"", LODE_EINVAL},
                 {"file:///etc/passwd", LODE_EUNSUPPORTED},
                 {"ftp://x/feed.xml", LODE_EUNSUPPORTED},
                 {"javascript:alert(1)", LODE_EUNSUPPORTED},
                 {"/local/notes.md", LODE_EUNSUPPORTED}};

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        err_t err = {0};
        assert_null(srcdrv_new(cases[i].url, NULL, &err));
        assert_int_equal(err.code, cases[i].code);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_srcdrv_feed_url_runs_the_podcast_driver_to_a_transcript),
        cmocka_unit_test(test_srcdrv_other_http_urls_get_the_web_driver),
        cmocka_unit_test(test_srcdrv_refuses_what_is_not_an_http_url),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
