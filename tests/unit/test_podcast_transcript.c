/*  test_podcast_transcript.c - the podcast JSON and HTML transcript readers,
 *  RFC 3986 URL resolution and which URLs the podcast driver matches.
 *  SPDX-License-Identifier: MIT
 */
#include <time.h>

#include "podcast.h"
#include "podcast_impl.h"
#include "podfix.h"
#include "srcdrv_impl.h"
#include "test.h"

#define S_BASE PODFIX_BASE

/* tests/fixtures/podcast/<name> with "@BASE@" replaced by S_BASE (podfix.h). */
static char *s_fixture(const char *name, size_t *len)
{
    return podfix_fixture(name, len);
}

/* ---------------------------------------------------------------- JSON, HTML, URLs */

static void test_podcast_json_transcript_single_speaker_has_no_labels(void **state)
{
    (void)state;
    const char *json =
        "{\"version\":\"1.0.0\",\"segments\":["
        "{\"speaker\":\"Darth Vader\",\"startTime\":0.5,\"endTime\":0.75,\"body\":\"I\"},"
        "{\"speaker\":\"Darth Vader\",\"startTime\":1.0,\"endTime\":1.25,\"body\":\"am\"},"
        "{\"speaker\":\"Darth Vader\",\"startTime\":2.25,\"endTime\":2.5,\"body\":\"father.\\n\"},"
        "{\"startTime\":2.75,\"endTime\":3.0,\"body\":\"Nooooo\",\"extra\":[1]}]}";
    err_t err = {0};
    transcript_t *t = podcast_json_transcript(json, strlen(json), &err);
    assert_non_null(t);
    assert_string_equal(t->text, "I am father.\n\nNooooo");
    assert_int_equal(t->n_segs, 4);
    assert_int_equal(t->segs[3].start_ms, 2750);
    transcript_destroy(&t);
}

static void test_podcast_json_transcript_errors(void **state)
{
    (void)state;

    static const struct {
        const char *json;
        int code;
    } cases[] = {
        {"not json", LODE_EINVAL},
        {"{\"version\":\"1.0.0\"}", LODE_EINVAL},
        {"{\"segments\":{}}", LODE_EINVAL},
        {"{\"segments\":[{\"startTime\":\"soon\",\"body\":\"x\"}]}", LODE_EINVAL},
        {"{\"segments\":[{\"startTime\":-1,\"body\":\"x\"}]}", LODE_EINVAL},
        {"{\"segments\":[{\"startTime\":1,\"endTime\":[],\"body\":\"x\"}]}", LODE_EINVAL},
        {"{\"segments\":[]}", LODE_EEMPTY},
        {"{\"segments\":[{\"startTime\":1,\"body\":\" \\n \"},{\"startTime\":2}]}", LODE_EEMPTY},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        err_t err = {0};
        assert_null(podcast_json_transcript(cases[i].json, strlen(cases[i].json), &err));
        if (err.code != cases[i].code)
            fail_msg("case %zu: %s", i, err.msg);
    }
}

static void test_podcast_html_text_keeps_speaker_labels_and_drops_scripts(void **state)
{
    (void)state;
    size_t len, n;
    char *html = s_fixture("transcripts/ep2.html", &len);
    char *text = podcast_html_text(html, len, &n);
    assert_non_null(strstr(text, "Ada: So one definition"));
    assert_null(strstr(text, "not text"));
    assert_null(strstr(text, "0:03"));
    assert_null(strstr(text, "margin"));
    assert_non_null(strstr(text, "Data & compute."));
    free(text);
    free(html);
    text = podcast_html_text("a<br>b &lt;c&gt; &#x41;&#66; &bogus; <unclosed", 44, &n);
    assert_string_equal(text, "a\n\nb <c> AB &bogus;");
    free(text);
}

static void test_podcast_url_resolve_follows_rfc3986(void **state)
{
    (void)state;
    static const char *const cases[][3] = {
        {"http://a/b/c/d;p?q", "g", "http://a/b/c/g"},
        {"http://a/b/c/d;p?q", "./g", "http://a/b/c/g"},
        {"http://a/b/c/d;p?q", "g/", "http://a/b/c/g/"},
        {"http://a/b/c/d;p?q", "/g", "http://a/g"},
        {"http://a/b/c/d;p?q", "//g", "http://g"},
        {"http://a/b/c/d;p?q", "?y", "http://a/b/c/d;p?y"},
        {"http://a/b/c/d;p?q", "g?y", "http://a/b/c/g?y"},
        {"http://a/b/c/d;p?q", "#s", "http://a/b/c/d;p?q#s"},
        {"http://a/b/c/d;p?q", "..", "http://a/b/"},
        {"http://a/b/c/d;p?q", "../g", "http://a/b/g"},
        {"http://a/b/c/d;p?q", "../../g", "http://a/g"},
        {"http://a/b/c/d;p?q", "../../../g", "http://a/g"},
        {"http://a/b/c/d;p?q", "https://x/y", "https://x/y"},
        {"http://a", "t.vtt", "http://a/t.vtt"},
        {"http://a/feed.xml#episode=2", "", "http://a/feed.xml"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *r = podcast_url_resolve(cases[i][0], cases[i][1]);
        if (strcmp(r, cases[i][2]) != 0)
            fail_msg("'%s' + '%s' = '%s', want '%s'", cases[i][0], cases[i][1], r, cases[i][2]);
        free(r);
    }
    char *r = podcast_url_resolve(NULL, "rel");
    assert_string_equal(r, "rel");
    free(r);
}

static void test_podcast_match_knows_feed_shapes(void **state)
{
    (void)state;
    assert_true(podcast_match("https://minds.example/feed.xml"));
    assert_true(podcast_match("https://minds.example/podcast.rss?x=1"));
    assert_true(podcast_match("https://minds.example/feed"));
    assert_true(podcast_match("https://minds.example/show/rss/"));
    assert_true(podcast_match("https://feeds.megaphone.fm/ABC123"));
    assert_true(podcast_match("HTTP://MINDS.EXAMPLE/FEED.XML#episode=2"));
    assert_false(podcast_match("https://minds.example/ep1"));
    assert_false(podcast_match("https://minds.example/talk.vtt"));
    assert_false(podcast_match("https://minds.example/?q=feed.xml"));
    assert_false(podcast_match("ftp://minds.example/feed.xml"));
    assert_false(podcast_match(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_podcast_json_transcript_single_speaker_has_no_labels),
        cmocka_unit_test(test_podcast_json_transcript_errors),
        cmocka_unit_test(test_podcast_html_text_keeps_speaker_labels_and_drops_scripts),
        cmocka_unit_test(test_podcast_url_resolve_follows_rfc3986),
        cmocka_unit_test(test_podcast_match_knows_feed_shapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
