/*  test_podcast_feed.c - the podcast RSS parser: channel and items,
 *  namespaces, CDATA and entities, malformed and truncated input, limits
 *  (huge feeds, deep nesting, long fields), iTunes durations and RFC 822 dates.
 *  SPDX-License-Identifier: MIT
 */
#include <time.h>

#include "podcast.h"
#include "podcast_impl.h"
#include "podfix.h"
#include "srcdrv_impl.h"
#include "test.h"

#define S_BASE PODFIX_BASE
#define S_FEED S_BASE "/shows/feed.xml"

/* tests/fixtures/podcast/<name> with "@BASE@" replaced by S_BASE (podfix.h). */
static char *s_fixture(const char *name, size_t *len)
{
    return podfix_fixture(name, len);
}

/* ---------------------------------------------------------------- RSS parsing */

static void test_podcast_feed_parse_reads_channel_and_items(void **state)
{
    (void)state;
    size_t len;
    char *xml = s_fixture("shows/feed.xml", &len);
    err_t err = {0};
    podcast_feed_t *f = podcast_feed_parse(xml, len, S_FEED, &err);
    assert_non_null(f);
    assert_string_equal(f->title, "Data & Minds"); /* not the image's title */
    assert_string_equal(f->author, "Ada Host");
    assert_string_equal(f->language, "en-us");
    assert_string_equal(f->link, "https://minds.example/");
    assert_int_equal(f->n_items, 3);
    const podcast_item_t *it = &f->items[0];
    assert_string_equal(it->guid, "minds-ep-0002");
    assert_string_equal(it->enclosure_url, "https://cdn.minds.example/ep2.mp3");
    assert_string_equal(it->enclosure_type, "audio/mpeg");
    assert_int_equal(it->enclosure_bytes, 59581234);
    assert_int_equal(it->n_transcripts, 6);
    assert_string_equal(it->transcripts[0].url, S_BASE "/transcripts/ep2.txt");
    assert_string_equal(it->transcripts[1].url, S_BASE "/transcripts/ep2.html");
    assert_true(it->transcripts[2].captions);
    assert_string_equal(it->transcripts[2].type, "application/x-subrip");
    assert_string_equal(it->transcripts[5].language, "es");
    assert_string_equal(f->items[1].transcripts[0].url, S_BASE "/transcripts/ep1.vtt");
    assert_int_equal(f->items[1].published_s, 1777962600); /* 2026-05-05T06:30:00Z */
    assert_int_equal(f->items[2].duration_ms, 65000);
    podcast_feed_destroy(&f);
    free(xml);
}

static void test_podcast_namespaces_match_by_uri_with_cdata_and_entities(void **state)
{
    (void)state;
    size_t len;
    char *xml = s_fixture("prefixes.xml", &len);
    err_t err = {0};
    podcast_feed_t *f = podcast_feed_parse(xml, len, "https://odd.example/a/feed", &err);
    assert_non_null(f);
    assert_string_equal(f->title, "Odd <Prefixes> & Co");
    assert_string_equal(f->author, "Caf\xC3\xA9 \xE2\x98\xBA &boom;"); /* never expanded */
    const podcast_item_t *it = &f->items[0];
    assert_string_equal(it->title, "Only one");
    assert_int_equal(it->duration_ms, 3723500); /* x:duration is another namespace */
    assert_string_equal(it->published, "2026-05-04");
    assert_int_equal(it->n_transcripts, 2); /* the undeclared podcast: prefix is tolerated */
    assert_string_equal(it->transcripts[0].url, "https://odd.example/t/odd.vtt");
    assert_string_equal(it->transcripts[0].type, "text/vtt");
    podcast_feed_destroy(&f);
    free(xml);
}

static void test_podcast_malformed_xml_fails_clearly(void **state)
{
    (void)state;

    static const struct {
        const char *xml, *msg;
    } cases[] = {
        {"<rss><channel><title>x</title>", "podcast: malformed XML: document ends inside an open "
                                           "element (truncated?) at line 1"},
        {"<rss><channel><title><![CDATA[x",
         "podcast: malformed XML: unterminated CDATA section at line 1"},
        {"<rss>\n<channel>\n<item <", "podcast: malformed XML: unterminated tag at line 3"},
        {"<rss><!-- x", "podcast: malformed XML: unterminated comment or declaration at line 1"},
        {"<html><body>hi</body></html>", "podcast: not an RSS feed (root element <html>)"},
        {"", "podcast: not an RSS feed (root element <none>)"},
        {"{\"json\": true}", "podcast: not an RSS feed (root element <none>)"},
        {"<rss version=\"2.0\"></rss>", "podcast: not an RSS feed (root element <rss>)"},
        {"<rss><channel>< /></channel></rss>", "podcast: malformed XML: malformed tag at line 1"},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        err_t err = {0};
        podcast_feed_t *f = podcast_feed_parse(cases[i].xml, strlen(cases[i].xml), NULL, &err);
        assert_null(f);
        assert_int_equal(err.code, LODE_EINVAL);
        assert_string_equal(err.msg, cases[i].msg);
    }
    size_t len;
    char *atom = s_fixture("atom.xml", &len);
    err_t err = {0};
    assert_null(podcast_feed_parse(atom, len, NULL, &err));
    assert_string_equal(err.msg, "podcast: not an RSS feed (root element <feed>)");
    free(atom);
    char *cut = s_fixture("truncated.xml", &len);
    err_clear(&err);
    assert_null(podcast_feed_parse(cut, len, NULL, &err));
    assert_non_null(strstr(err.msg, "malformed XML: unterminated tag at line 2"));
    free(cut);
}

/* Every prefix of a real feed, and the feed with bytes flipped, parses or
 * fails cleanly (run under ASan for the point of it). */
static void test_podcast_every_truncation_and_corruption_is_survived(void **state)
{
    (void)state;
    size_t len;
    char *xml = s_fixture("shows/feed.xml", &len);
    size_t ok = 0;
    for (size_t n = 0; n <= len; n++) {
        char *copy = malloc(n + 1); /* exact size: ASan sees any overread */
        memcpy(copy, xml, n);
        err_t err = {0};
        podcast_feed_t *f = podcast_feed_parse(copy, n, S_FEED, &err);
        ok += f != NULL;
        assert_true(f != NULL || err.code == LODE_EINVAL);
        podcast_feed_destroy(&f);
        free(copy);
    }
    assert_true(ok >= 1); /* the whole feed at least */
    srand(7);
    for (int round = 0; round < 2000; round++) {
        char *copy = malloc(len);
        memcpy(copy, xml, len);
        for (int k = 0; k < 4; k++)
            copy[(size_t)rand() % len] = "<>&;\"'/!?[]\0\xff"[rand() % 14];
        err_t err = {0};
        podcast_feed_t *f = podcast_feed_parse(copy, len, S_FEED, &err);
        assert_true(f != NULL || err.code == LODE_EINVAL);
        podcast_feed_destroy(&f);
        free(copy);
    }
    free(xml);
}

static void test_podcast_huge_feed_keeps_ten_thousand_items(void **state)
{
    (void)state;
    size_t n_items = PODCAST_MAX_ITEMS + 2000;
    size_t cap = n_items * 200 + 1000, o = 0;
    char *xml = malloc(cap);
    o += (size_t)sprintf(xml + o, "<rss><channel><title>Big</title>");
    for (size_t i = 0; i < n_items; i++)
        o += (size_t)sprintf(xml + o,
                             "<item><title>Episode %zu</title><guid>g%zu</guid>"
                             "<pubDate>01 Jan 2020 00:00:%02zu GMT</pubDate></item>",
                             i, i, i % 60);
    o += (size_t)sprintf(xml + o, "</channel></rss>");
    err_t err = {0};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    podcast_feed_t *f = podcast_feed_parse(xml, o, NULL, &err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_non_null(f);
    assert_int_equal(f->n_items, PODCAST_MAX_ITEMS);
    assert_int_equal(f->n_dropped, 2000);
    assert_non_null(podcast_feed_episode(f, "10000", &err));
    assert_null(podcast_feed_episode(f, "10001", &err));
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    print_message("parsed %zu bytes, %zu items in %.1f ms\n", o, n_items, ms);
    podcast_feed_destroy(&f);
    free(xml);
}

static void test_podcast_deep_nesting_and_long_fields_are_bounded(void **state)
{
    (void)state;
    size_t depth = PODCAST_MAX_DEPTH + 10, o = 0;
    char *xml = malloc(depth * 8 + 64);
    o += (size_t)sprintf(xml, "<rss><channel>");
    for (size_t i = 0; i < depth; i++)
        o += (size_t)sprintf(xml + o, "<a>");
    err_t err = {0};
    assert_null(podcast_feed_parse(xml, o, NULL, &err));
    assert_non_null(strstr(err.msg, "nested too deep"));
    free(xml);
    size_t big = 100000;
    xml = malloc(big + 100);
    o = (size_t)sprintf(xml, "<rss><channel><title>");
    memset(xml + o, 'x', big);
    o += big;
    o += (size_t)sprintf(xml + o, "</title></channel></rss>");
    err_clear(&err);
    podcast_feed_t *f = podcast_feed_parse(xml, o, NULL, &err);
    assert_non_null(f);
    assert_int_equal(strlen(f->title), PODCAST_MAX_FIELD);
    podcast_feed_destroy(&f);
    free(xml);
}

/* ---------------------------------------------------------------- durations, dates */

static void test_podcast_duration_reads_every_itunes_form(void **state)
{
    (void)state;

    static const struct {
        const char *s;
        int64_t ms;
    } cases[] = {
        {"717", 717000},
        {"11:57", 717000},
        {"00:11:57", 717000},
        {"1:02:03", 3723000},
        {"01:02:03", 3723000},
        {"3723.5", 3723500},
        {"1:02:03.250", 3723250},
        {" 65 ", 65000},
        {"0", 0},
        {"90:00", 5400000},
        {"", -1},
        {"abc", -1},
        {"1:2:3:4", -1},
        {"1:75", -1},
        {"-5", -1},
        {"12:", -1},
        {":12", -1},
        {"5 min", -1},
        {"4000000", -1},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (podcast_duration_ms(cases[i].s) != cases[i].ms)
            fail_msg("'%s': %lld, want %lld", cases[i].s,
                     (long long)podcast_duration_ms(cases[i].s), (long long)cases[i].ms);
    assert_int_equal(podcast_duration_ms(NULL), -1);
}

static void test_podcast_date_reads_rfc822_forms(void **state)
{
    (void)state;

    static const struct {
        const char *s, *day;
        int64_t unix_s;
    } cases[] = {
        {"Mon, 04 May 2026 09:00:00 GMT", "2026-05-04", 1777885200},
        {"Mon, 4 May 2026 09:00:00 +0000", "2026-05-04", 1777885200},
        {"04 May 2026 09:00 GMT", "2026-05-04", 1777885200},
        {"Mon, 04 May 2026 11:00:00 +0200", "2026-05-04", 1777885200},
        {"Mon, 04 May 2026 05:00:00 EDT", "2026-05-04", 1777885200},
        {"Mon, 04 May 2026 11:00:00 CEST", "2026-05-04", 1777885200}, /* date.c's zones */
        {"Monday, 04 May 26 09:00:00 Z", "2026-05-04", 1777885200},
        {"Mon, 04 May 2026 09:00:00", "2026-05-04", 1777885200},
        {"2026-05-04T09:00:00Z", "2026-05-04", 1777885200},
        {"2026-05-04T11:00:00+02:00", "2026-05-04", 1777885200},
        {"2026-05-04", "2026-05-04", 1777852800},
        {"Thu, 01 Jan 1970 00:00:00 GMT", "1970-01-01", 0},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char day[11] = "";
        int64_t t = 0;
        if (podcast_date_parse(cases[i].s, day, &t) != 0)
            fail_msg("'%s' refused", cases[i].s);
        assert_string_equal(day, cases[i].day);
        assert_int_equal(t, cases[i].unix_s);
    }
    static const char *const bad[] = {"",
                                      "yesterday",
                                      "Mon, 32 May 2026 09:00:00 GMT",
                                      "Mon, 04 Foo 2026",
                                      "Mon, 04 May 2026 25:00:00 GMT",
                                      "Mon, 04 May 2026 09:00:00 XYZ",
                                      NULL};
    for (size_t i = 0; bad[i]; i++) {
        char day[11];
        int64_t t;
        if (podcast_date_parse(bad[i], day, &t) != -1)
            fail_msg("'%s' accepted", bad[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_podcast_feed_parse_reads_channel_and_items),
        cmocka_unit_test(test_podcast_namespaces_match_by_uri_with_cdata_and_entities),
        cmocka_unit_test(test_podcast_malformed_xml_fails_clearly),
        cmocka_unit_test(test_podcast_every_truncation_and_corruption_is_survived),
        cmocka_unit_test(test_podcast_huge_feed_keeps_ten_thousand_items),
        cmocka_unit_test(test_podcast_deep_nesting_and_long_fields_are_bounded),
        cmocka_unit_test(test_podcast_duration_reads_every_itunes_form),
        cmocka_unit_test(test_podcast_date_reads_rfc822_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
