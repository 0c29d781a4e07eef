/*  test_web_pages.c - podcasts, files and pages by URL end to end: a real
 *  cluster fetches from stand-ins on loopback (a podcast host's RSS and
 *  transcripts, plain files, HTML articles, a server that misbehaves on
 *  purpose); size limits and the private-address guard. Outcomes are read
 *  back from Redis and `lode export`. Fixtures in tests/helpers/webfix.c.
 *  SPDX-License-Identifier: MIT
 */
// clang-format off
#include "test.h"
// clang-format on

#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cluster.h"
#include "mem.h"
#include "misbehave.h"
#include "podstand.h"
#include "webfix.h"
#include "youtube.h"
#include "ytstand.h"

/* ------------------------------------------------------------- podcasts */

static void test_a_podcast_feed_gives_its_latest_episode_from_the_json_transcript(void **state)
{
    webfix_t *w = webfix_of(state);
    char *feed = webfix_pod_url(w, "/shows/feed.xml");
    char *id = webfix_submit_url(w, feed);
    json_t *src = webfix_expect_done(w, id, "podcast", true);
    assert_string_equal(webfix_fact(src, "format"), "json");
    assert_string_equal(webfix_fact(src, "title"), "Episode 2: Sample efficiency");
    assert_string_equal(webfix_fact(src, "author"), "Ada Host and Bob Guest");
    assert_string_equal(webfix_fact(src, "published"), "2026-05-12");
    assert_int_equal(json_integer_value(json_object_get(src, "runtime_s")), 3723);
    assert_true(strncmp(webfix_fact(src, "language"), "en", 2) == 0);
    assert_string_equal(webfix_fact(src, "url"), "https://minds.example/ep2");
    json_decref(src);
    free(id);
    free(feed);
    cluster_mark_ok(w->c);
}

static void test_episode_2_picks_the_second_newest_episode(void **state)
{
    webfix_t *w = webfix_of(state);
    char *feed = webfix_pod_url(w, "/shows/feed.xml");
    const char *args[] = {"--episode", "2", feed, NULL};
    char *id = webfix_submit(w, args);
    json_t *src = webfix_expect_done(w, id, "podcast", true);
    assert_string_equal(webfix_fact(src, "format"), "vtt");
    assert_string_equal(webfix_fact(src, "title"), "Episode 1: The data black hole");
    assert_string_equal(webfix_fact(src, "published"), "2026-05-04");
    assert_int_equal(json_integer_value(json_object_get(src, "runtime_s")), 717);
    assert_string_equal(webfix_fact(src, "url"), "https://minds.example/ep1");
    json_decref(src);
    free(id);
    free(feed);
    cluster_mark_ok(w->c);
}

static void test_an_episode_without_a_transcript_fails_naming_what_was_found(void **state)
{
    webfix_t *w = webfix_of(state);
    char *feed = webfix_pod_url(w, "/shows/feed.xml");
    const char *args[] = {"--episode", "minds-trailer", feed, NULL};
    char *id = webfix_submit(w, args);
    webfix_expect_dead(w, id, LODE_ENOTFOUND, "no published transcript");
    webfix_assert_error_has(w, id, "'Trailer'");
    webfix_assert_error_has(w, id, "found enclosure audio/mpeg");
    free(id);
    free(feed);
    cluster_mark_ok(w->c);
}

/* --------------------------------------------- files and pages by URL */

static void test_subtitle_text_and_markdown_urls_are_read_as_local_files_are(void **state)
{
    static const struct {
        const char *path;
        const char *kind;
        const char *format;
        bool timed;
    } cases[] = {
        {"/files/talk.vtt", "subtitles", "vtt", true},
        {"/files/film.srt", "subtitles", "srt", true},
        {"/files/notes.txt", "text", "text", false},
        {"/files/article.md", "text", "markdown", false},
    };

    webfix_t *w = webfix_of(state);
    char *urls[4], *ids[WEBFIX_MAX_IDS] = {0};
    const char *args[5] = {0};
    for (size_t i = 0; i < 4; i++)
        args[i] = urls[i] = webfix_pod_url(w, cases[i].path);
    assert_int_equal(cluster_submit_argv(w->c, args, ids, WEBFIX_MAX_IDS), 4);
    for (size_t i = 0; i < 4; i++) {
        json_t *src = webfix_expect_done(w, ids[i], cases[i].kind, cases[i].timed);
        assert_string_equal(webfix_fact(src, "format"), cases[i].format);
        assert_string_equal(webfix_fact(src, "url"), urls[i]);
        assert_string_equal(webfix_fact(src, "site"), "127.0.0.1");
        assert_true(*webfix_fact(src, "title"));
        json_decref(src);
        free(ids[i]);
        free(urls[i]);
    }
    cluster_mark_ok(w->c);
}

static void test_an_html_page_is_mined_as_an_article_with_its_metadata(void **state)
{
    webfix_t *w = webfix_of(state);
    char *url = webfix_pod_url(w, "/files/article.html");
    char *id = webfix_submit_url(w, url);
    json_t *src = webfix_expect_done(w, id, "article", false);
    assert_non_null(strstr(webfix_fact(src, "title"), "Why data quality beats quantity"));
    assert_string_equal(webfix_fact(src, "author"), "Grace Writer");
    assert_true(strncmp(webfix_fact(src, "published"), "2026-05-01", 10) == 0);
    assert_true(strncmp(webfix_fact(src, "language"), "en", 2) == 0);
    assert_string_equal(webfix_fact(src, "url"), "https://blog.example/data-quality");
    /* The page's furniture is not the article. */
    char *tr = cluster_part(w->c, id, "transcript");
    assert_non_null(tr);
    assert_null(strstr(tr, "All rights reserved"));
    free(tr);
    json_decref(src);
    free(id);
    free(url);
    cluster_mark_ok(w->c);
}

static void test_a_short_html_page_fails_as_too_short_to_mine(void **state)
{
    webfix_t *w = webfix_of(state);
    char *url = webfix_pod_url(w, "/files/short.html");
    char *id = webfix_submit_url(w, url);
    webfix_expect_dead(w, id, LODE_EEMPTY, "article too short to mine");
    free(id);
    free(url);
    cluster_mark_ok(w->c);
}

static void test_a_missing_page_fails_as_not_found(void **state)
{
    webfix_t *w = webfix_of(state);
    char *url = webfix_pod_url(w, "/files/no-such-page.vtt");
    char *id = webfix_submit_url(w, url);
    webfix_expect_dead(w, id, LODE_ENOTFOUND, "returned 404");
    free(id);
    free(url);
    cluster_mark_ok(w->c);
}

static void test_empty_bodies_are_never_passed_on(void **state)
{
    webfix_t *w = webfix_of(state);
    char *urls[2] = {webfix_pod_url(w, "/files/whitespace.txt"),
                     webfix_pod_url(w, "/files/header_only.vtt")};
    const char *args[] = {urls[0], urls[1], NULL};
    char *ids[WEBFIX_MAX_IDS] = {0};
    assert_int_equal(cluster_submit_argv(w->c, args, ids, WEBFIX_MAX_IDS), 2);
    for (int i = 0; i < 2; i++) {
        webfix_expect_dead(w, ids[i], LODE_EEMPTY, "empty");
        free(ids[i]);
        free(urls[i]);
    }
    cluster_mark_ok(w->c);
}

/* --------------------------------------------------- limits and guard */

static void test_a_binary_body_is_refused_as_unsupported(void **state)
{
    webfix_t *w = webfix_of(state);
    char *url = webfix_bad_url(w, "/binary");
    char *id = webfix_submit_url(w, url);
    webfix_expect_dead(w, id, LODE_EUNSUPPORTED, "image/png");
    free(id);
    free(url);
    cluster_mark_ok(w->c);
}

static void test_bodies_over_the_limit_are_refused_as_too_big(void **state)
{
    webfix_t *w = webfix_of(state);
    char *big = webfix_bad_url(w, "/bigchunked?n=60000000");
    char *bomb = webfix_bad_url(w, "/gzipbomb");
    const char *args[] = {big, bomb, NULL};
    char *ids[WEBFIX_MAX_IDS] = {0};
    assert_int_equal(cluster_submit_argv(w->c, args, ids, WEBFIX_MAX_IDS), 2);
    for (int i = 0; i < 2; i++) {
        webfix_expect_dead(w, ids[i], LODE_ETOOBIG, "");
        free(ids[i]);
    }
    free(big);
    free(bomb);
    cluster_mark_ok(w->c);
}

static void test_a_redirect_to_a_private_address_is_refused_before_connecting(void **state)
{
    webfix_t *w = webfix_of(state);
    char *url = webfix_bad_url(w, "/redirect-private");
    int64_t t0 = cluster_now_ms();
    char *id = webfix_submit_url(w, url);
    webfix_expect_dead(w, id, LODE_EPRIVATE, "refused to connect to 10.0.0.1");
    /* The guard sits where curl opens the socket: no connect was tried (a
     * connect to 10.0.0.1 would hang until the 10 s connect timeout). */
    assert_true(cluster_now_ms() - t0 < 8000);
    free(id);
    free(url);
    cluster_mark_ok(w->c);
}

static void test_without_allow_net_loopback_addresses_and_names_are_refused(void **state)
{
    webfix_t *w = webfix_of(state);
    char *urls[3] = {webfix_bad_url(w, "/ok"),
                     mem_printf("http://localhost:%d/ok", misbehave_port(w->bad)),
                     mem_printf("http://[::1]:%d/ok", misbehave_port(w->bad))};
    const char *args[] = {urls[0], urls[1], urls[2], NULL};
    char *ids[WEBFIX_MAX_IDS] = {0};
    assert_int_equal(cluster_submit_argv(w->c, args, ids, WEBFIX_MAX_IDS), 3);
    webfix_expect_dead(w, ids[0], LODE_EPRIVATE, "refused to connect to 127.0.0.1");
    webfix_expect_dead(w, ids[1], LODE_EPRIVATE, "private or reserved address");
    webfix_expect_dead(w, ids[2], LODE_EPRIVATE, "refused to connect to ::1");
    /* Refused before connecting: the server never saw a request. */
    assert_int_equal(misbehave_requests(w->bad), 0);
    for (int i = 0; i < 3; i++) {
        free(ids[i]);
        free(urls[i]);
    }
    cluster_mark_ok(w->c);
}

static void test_without_allow_net_a_youtube_stand_in_on_loopback_is_refused(void **state)
{
    webfix_t *w = webfix_of(state);
    char *url = webfix_yt_url(YTSTAND_OK);
    char *id = webfix_submit_url(w, url);
    webfix_expect_dead(w, id, LODE_EPRIVATE, "private or reserved address");
    char *log = ytstand_log(w->yt);
    assert_string_equal(log, "");
    free(log);
    free(id);
    free(url);
    cluster_mark_ok(w->c);
}

int main(void)
{
    if (getenv("LODE_TEST_FILTER"))
        cmocka_set_test_filter(getenv("LODE_TEST_FILTER"));
#define T(fn) cmocka_unit_test_setup_teardown(fn, webfix_setup, webfix_teardown)
    const struct CMUnitTest web[] = {
        T(test_a_podcast_feed_gives_its_latest_episode_from_the_json_transcript),
        T(test_episode_2_picks_the_second_newest_episode),
        T(test_an_episode_without_a_transcript_fails_naming_what_was_found),
        T(test_subtitle_text_and_markdown_urls_are_read_as_local_files_are),
        T(test_an_html_page_is_mined_as_an_article_with_its_metadata),
        T(test_a_short_html_page_fails_as_too_short_to_mine),
        T(test_a_missing_page_fails_as_not_found),
        T(test_empty_bodies_are_never_passed_on),
        T(test_a_binary_body_is_refused_as_unsupported),
        T(test_bodies_over_the_limit_are_refused_as_too_big),
        T(test_a_redirect_to_a_private_address_is_refused_before_connecting),
    };
    const struct CMUnitTest guarded[] = {
        T(test_without_allow_net_loopback_addresses_and_names_are_refused),
        T(test_without_allow_net_a_youtube_stand_in_on_loopback_is_refused),
    };
#undef T
    int failed = cmocka_run_group_tests_name("web", web, webfix_group_allowed, webfix_group_down);
    failed +=
        cmocka_run_group_tests_name("ssrf guard", guarded, webfix_group_guarded, webfix_group_down);
    return cluster_main_result(failed);
}
