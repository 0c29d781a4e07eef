/*  test_podcast.c - the podcast driver: episode and transcript choice, the
 *  transcript formats and languages, missing and failing transcripts, HTTP
 *  failures and misuse, and author names, against canned answers. The feed
 *  parser is in test_podcast_feed.c, the transcript readers and URL helpers in
 *  test_podcast_transcript.c, the run against podstand in test_podcast_stand.c.
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

/* ---------------------------------------------------------------- helpers */

/* A canned answer: the body is a literal, or "@name" for a fixture. */
typedef struct {
    const char *url;
    int status;
    const char *type;
    const char *body;
    int err_code; /* a transport failure instead of a response */
    int64_t retry_after_ms;
} s_route_t;

typedef struct {
    char *urls[32]; /* requests made, in order */
    size_t n;
} s_log_t;

static void s_log_free(s_log_t *log)
{
    for (size_t i = 0; i < log->n; i++)
        free(log->urls[i]);
    log->n = 0;
}

static char *s_answer(const s_route_t *routes, const char *url, http_resp_t *resp)
{
    memset(resp, 0, sizeof *resp);
    resp->url = resp->final_url = url;
    resp->retry_after_ms = -1;
    const s_route_t *r = NULL;
    for (size_t i = 0; routes && routes[i].url; i++)
        if (strcmp(routes[i].url, url) == 0)
            r = &routes[i];
    if (!r) {
        resp->status = 404;
        resp->content_type = "text/plain";
        resp->body = "";
        return NULL;
    }
    if (r->err_code) {
        resp->err.code = r->err_code;
        snprintf(resp->err.msg, sizeof resp->err.msg, "transport failure %d", r->err_code);
        resp->retry_after_ms = r->retry_after_ms;
        return NULL;
    }
    resp->status = r->status ? r->status : 200;
    resp->content_type = r->type ? r->type : "";
    resp->retry_after_ms = r->retry_after_ms ? r->retry_after_ms : -1;
    char *owned = r->body && r->body[0] == '@' ? s_fixture(r->body + 1, &resp->body_len) : NULL;
    resp->body = owned ? owned : (r->body ? r->body : "");
    if (!owned)
        resp->body_len = strlen(resp->body);
    return owned;
}

/* Drive a driver with canned answers until it stops asking. */
static srcdrv_step_t
s_run(const srcdrv_ops_t *ops, void *st, const s_route_t *routes, s_log_t *log, err_t *err)
{
    http_req_t req;
    http_resp_t resp;
    srcdrv_step_t r = ops->step(st, NULL, &req, err);
    while (r == SRCDRV_REQUEST && log->n < 32) {
        log->urls[log->n++] = strdup(req.url);
        char *owned = s_answer(routes, req.url, &resp);
        r = ops->step(st, &resp, &req, err);
        free(owned);
    }
    return r;
}

typedef struct {
    transcript_t *t;
    source_meta_t meta;
    err_t err;
    srcdrv_step_t step;
    s_log_t log;
    int64_t retry_after_ms;
} s_outcome_t;

static void s_outcome_free(s_outcome_t *o)
{
    transcript_destroy(&o->t);
    source_meta_clear(&o->meta);
    s_log_free(&o->log);
}

/* Run the podcast driver on url with episode selector (NULL: default). */
static s_outcome_t
s_podcast(const char *url, const char *episode, const char *lang, const s_route_t *routes)
{
    s_outcome_t o = {0};
    srcdrv_opts_t opts = {.episode = episode, .lang = lang};
    void *st = podcast_state_new(url, &opts, &o.err);
    assert_non_null(st);
    o.step = s_run(&podcast_ops, st, routes, &o.log, &o.err);
    o.retry_after_ms = podcast_ops.retry_after_ms(st);
    if (o.step == SRCDRV_DONE)
        assert_int_equal(podcast_ops.result(st, &o.t, &o.meta, &o.err), 0);
    podcast_ops.destroy(st);
    return o;
}

static char *s_seg_text(const transcript_t *t, size_t i)
{
    assert_true(i < t->n_segs);
    return strndup(t->text + t->segs[i].offset, t->segs[i].length);
}

static const s_route_t s_feed_routes[] = {
    {S_FEED, 200, "application/rss+xml", "@shows/feed.xml", 0, 0},
    {S_BASE "/transcripts/ep2.json", 200, "application/json", "@transcripts/ep2.json", 0, 0},
    {S_BASE "/transcripts/ep2.vtt", 200, "text/vtt", "@transcripts/ep2.vtt", 0, 0},
    {S_BASE "/transcripts/ep2.es.vtt", 200, "text/vtt", "@transcripts/ep2.es.vtt", 0, 0},
    {S_BASE "/transcripts/ep2.srt", 200, "application/x-subrip", "@transcripts/ep2.srt", 0, 0},
    {S_BASE "/transcripts/ep2.html", 200, "text/html", "@transcripts/ep2.html", 0, 0},
    {S_BASE "/transcripts/ep2.txt", 200, "text/plain", "@transcripts/ep2.txt", 0, 0},
    {S_BASE "/transcripts/ep1.vtt", 200, "text/vtt", "@transcripts/ep1.vtt", 0, 0},
    {NULL, 0, NULL, NULL, 0, 0}};

/* A feed of one item with one transcript of the given type at url. */
static char *s_one_item_feed(const char *type, const char *url)
{
    char *s = malloc(4096);
    assert_true(snprintf(s, 4096,
                         "<rss xmlns:podcast=\"https://podcastindex.org/namespace/1.0\">"
                         "<channel><title>Show</title><item><title>Ep</title><guid>g1</guid>"
                         "<podcast:transcript url=\"%s\" type=\"%s\"/></item></channel></rss>",
                         url, type) > 0);
    return s;
}

/* ---------------------------------------------------------------- happy path */

static void test_podcast_feed_gives_the_latest_episode_with_its_json_transcript(void **state)
{
    (void)state;
    s_outcome_t o = s_podcast(S_FEED, NULL, NULL, s_feed_routes);
    assert_int_equal(o.step, SRCDRV_DONE);
    assert_int_equal(o.log.n, 2);
    assert_string_equal(o.log.urls[0], S_FEED);
    assert_string_equal(o.log.urls[1], S_BASE "/transcripts/ep2.json");
    assert_string_equal(o.meta.kind, "podcast");
    assert_string_equal(o.meta.format, "json");
    assert_string_equal(o.meta.title, "Episode 2: Sample efficiency");
    assert_string_equal(o.meta.author, "Ada Host and Bob Guest");
    assert_string_equal(o.meta.site, "Data & Minds");
    assert_string_equal(o.meta.published, "2026-05-12");
    assert_int_equal(o.meta.runtime_ms, 3723000);
    assert_string_equal(o.meta.language, "en-us");
    assert_string_equal(o.meta.url, "https://minds.example/ep2");
    assert_true(o.t->timed);
    assert_string_equal(o.t->text, "Ada: So one definition of intelligence is sample efficiency."
                                   "\n\nBob: That is to say, how much data do you need?");
    assert_int_equal(o.t->n_segs, 4);
    assert_int_equal(o.t->segs[0].start_ms, 500);
    assert_int_equal(o.t->segs[2].start_ms, 3250);
    assert_int_equal(o.t->segs[2].end_ms, 4500); /* no endTime: the next start */
    assert_int_equal(o.t->segs[3].end_ms, 6000);
    char *seg = s_seg_text(o.t, 2);
    assert_string_equal(seg, "That is to say,");
    free(seg);
    s_outcome_free(&o);
}

/* ---------------------------------------------------------------- episode choice */

static void test_podcast_episode_is_chosen_by_guid_number_link_enclosure_or_fragment(void **state)
{
    (void)state;

    static const struct {
        const char *url, *episode, *title;
    } cases[] = {
        {S_FEED, "minds-ep-0001", "Episode 1: The data black hole"},
        {S_FEED, "latest", "Episode 2: Sample efficiency"},
        {S_FEED, "1", "Episode 2: Sample efficiency"},
        {S_FEED, "2", "Episode 1: The data black hole"},
        {S_FEED, "https://minds.example/ep1", "Episode 1: The data black hole"},
        {S_FEED, "https://cdn.minds.example/ep1.mp3", "Episode 1: The data black hole"},
        {S_FEED "#episode=2", NULL, "Episode 1: The data black hole"},
        {S_FEED "#episode=https%3A%2F%2Fminds.example%2Fep1", NULL,
         "Episode 1: The data black hole"},
        {S_FEED "#episode=1", "minds-ep-0001", "Episode 1: The data black hole"},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        s_outcome_t o = s_podcast(cases[i].url, cases[i].episode, NULL, s_feed_routes);
        if (o.step != SRCDRV_DONE)
            fail_msg("case %zu: %s", i, o.err.msg);
        assert_string_equal(o.meta.title, cases[i].title);
        assert_string_equal(o.log.urls[0], S_FEED); /* the fragment is never sent */
        s_outcome_free(&o);
    }
}

static void test_podcast_episode_one_goes_through_relative_url_and_vtt(void **state)
{
    (void)state;
    s_outcome_t o = s_podcast(S_FEED, "minds-ep-0001", NULL, s_feed_routes);
    assert_int_equal(o.step, SRCDRV_DONE);
    assert_string_equal(o.log.urls[1], S_BASE "/transcripts/ep1.vtt");
    assert_string_equal(o.meta.format, "vtt");
    assert_string_equal(o.meta.published, "2026-05-04"); /* the day as written */
    assert_int_equal(o.meta.runtime_ms, 717000);
    assert_string_equal(
        o.t->text, "It seems more like we've just dramatically widened the data distribution.");
    s_outcome_free(&o);
}

static void test_podcast_unknown_episode_is_not_found(void **state)
{
    (void)state;
    s_outcome_t o = s_podcast(S_FEED, "nope", NULL, s_feed_routes);
    assert_int_equal(o.step, SRCDRV_FAIL);
    assert_int_equal(o.err.code, LODE_ENOTFOUND);
    assert_string_equal(o.err.msg,
                        "podcast: no episode 'nope' in feed 'Data & Minds' (3 episodes)");
    s_outcome_free(&o);
    o = s_podcast(S_FEED, "4", NULL, s_feed_routes);
    assert_int_equal(o.err.code, LODE_ENOTFOUND);
    s_outcome_free(&o);
}

static void test_podcast_newest_is_by_date_and_undated_items_come_last(void **state)
{
    (void)state;
    const char *xml =
        "<rss><channel><title>S</title>"
        "<item><title>undated</title></item>"
        "<item><title>old</title><pubDate>01 Jan 2020 00:00 GMT</pubDate></item>"
        "<item><title>new</title><pubDate>Wed, 01 Jan 2025 00:00:00 GMT</pubDate></item>"
        "<item><title>undated 2</title></item>"
        "</channel></rss>";
    err_t err = {0};
    podcast_feed_t *f = podcast_feed_parse(xml, strlen(xml), NULL, &err);
    assert_non_null(f);
    const char *want[] = {"new", "old", "undated", "undated 2"};
    for (int i = 0; i < 4; i++) {
        char n[16];
        snprintf(n, sizeof n, "%d", i + 1);
        const podcast_item_t *it = podcast_feed_episode(f, n, &err);
        assert_non_null(it);
        assert_string_equal(it->title, want[i]);
    }
    assert_string_equal(podcast_feed_episode(f, NULL, &err)->title, "new");
    podcast_feed_destroy(&f);
    assert_null(f);
}

static void test_podcast_feed_without_items_has_no_episodes(void **state)
{
    (void)state;
    const char *xml = "<rss><channel><title>Empty</title></channel></rss>";
    err_t err = {0};
    podcast_feed_t *f = podcast_feed_parse(xml, strlen(xml), NULL, &err);
    assert_non_null(f);
    assert_null(podcast_feed_episode(f, NULL, &err));
    assert_int_equal(err.code, LODE_ENOTFOUND);
    assert_string_equal(err.msg, "podcast: feed 'Empty' has no episodes");
    podcast_feed_destroy(&f);
}

/* ---------------------------------------------------------------- transcript choice */

static void test_podcast_falls_back_to_the_next_format_when_one_is_missing(void **state)
{
    (void)state;
    /* JSON answers 404: VTT is next (captions SRT ranks after VTT). */
    s_route_t routes[sizeof s_feed_routes / sizeof s_feed_routes[0]];
    memcpy(routes, s_feed_routes, sizeof routes);
    routes[1].status = 404;
    s_outcome_t o = s_podcast(S_FEED, NULL, NULL, routes);
    assert_int_equal(o.step, SRCDRV_DONE);
    assert_int_equal(o.log.n, 3);
    assert_string_equal(o.log.urls[2], S_BASE "/transcripts/ep2.vtt");
    assert_string_equal(o.meta.format, "vtt");
    assert_string_equal(o.t->text, "So one definition of intelligence is sample efficiency. "
                                   "That is to say, how much data do you need?");
    s_outcome_free(&o);
    /* JSON and VTT gone: SRT, then HTML, then text. */
    routes[2].status = 410;
    o = s_podcast(S_FEED, NULL, NULL, routes);
    assert_string_equal(o.meta.format, "srt");
    assert_string_equal(o.log.urls[3], S_BASE "/transcripts/ep2.srt");
    s_outcome_free(&o);
    routes[4].body = "not subtitles at all";
    routes[4].type = "text/plain";
    o = s_podcast(S_FEED, NULL, NULL, routes);
    assert_int_equal(o.step, SRCDRV_DONE);
    /* The "SRT" has no cue: unparsable, so HTML is next. */
    assert_string_equal(o.log.urls[4], S_BASE "/transcripts/ep2.html");
    assert_string_equal(o.meta.format, "html");
    s_outcome_free(&o);
    routes[4].status = 500; /* retryable: no fallback, the run stops */
    o = s_podcast(S_FEED, NULL, NULL, routes);
    assert_int_equal(o.step, SRCDRV_FAIL);
    assert_int_equal(o.err.code, LODE_EHTTP);
    assert_true(err_retryable(o.err.code));
    s_outcome_free(&o);
}

static void test_podcast_html_and_text_transcripts_are_read_as_paragraphs(void **state)
{
    (void)state;
    s_route_t routes[sizeof s_feed_routes / sizeof s_feed_routes[0]];
    memcpy(routes, s_feed_routes, sizeof routes);
    routes[1].status = routes[2].status = routes[4].status = 404;
    s_outcome_t o = s_podcast(S_FEED, NULL, NULL, routes);
    assert_int_equal(o.step, SRCDRV_DONE);
    assert_string_equal(o.meta.format, "html");
    assert_string_equal(o.log.urls[o.log.n - 1], S_BASE "/transcripts/ep2.html");
    assert_string_equal(o.t->text,
                        "Ada: So one definition of intelligence is sample efficiency.\n\n"
                        "Bob: That is to say, how much data do you need? Data & compute.");
    assert_false(o.t->timed);
    assert_int_equal(o.meta.runtime_ms, 3723000); /* from itunes:duration */
    s_outcome_free(&o);
    routes[5].status = 404;
    o = s_podcast(S_FEED, NULL, NULL, routes);
    assert_string_equal(o.meta.format, "text");
    assert_string_equal(o.log.urls[o.log.n - 1], S_BASE "/transcripts/ep2.txt");
    assert_int_equal(o.t->n_segs, 2);
    s_outcome_free(&o);
}

static void test_podcast_each_transcript_type_is_parsed(void **state)
{
    (void)state;

    static const struct {
        const char *type, *file, *format, *first;
    } cases[] = {
        {"application/json", "@transcripts/ep2.json", "json",
         "Ada: So one definition of intelligence"},
        {"text/vtt", "@transcripts/ep2.vtt", "vtt",
         "So one definition of intelligence is sample efficiency."},
        {"application/x-subrip", "@transcripts/ep2.srt", "srt",
         "Ada: So one definition of intelligence is sample efficiency."},
        {"application/srt", "@transcripts/ep2.srt", "srt",
         "Ada: So one definition of intelligence is sample efficiency."},
        {"text/srt", "@transcripts/ep2.srt", "srt",
         "Ada: So one definition of intelligence is sample efficiency."},
        {"text/html", "@transcripts/ep2.html", "html",
         "Ada: So one definition of intelligence is sample efficiency."},
        {"text/plain", "@transcripts/ep2.txt", "text",
         "So one definition of intelligence is sample efficiency."},
        /* Mislabelled: the body decides. */
        {"text/plain", "@transcripts/ep2.vtt", "vtt",
         "So one definition of intelligence is sample efficiency."},
        {"text/vtt", "@transcripts/ep2.json", "json", "Ada: So one definition of intelligence"},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *feed = s_one_item_feed(cases[i].type, "t/file");
        s_route_t routes[] = {
            {S_BASE "/feed.rss", 200, "application/rss+xml", feed, 0, 0},
            {S_BASE "/t/file", 200, "application/octet-stream", cases[i].file, 0, 0},
            {NULL, 0, NULL, NULL, 0, 0}};
        s_outcome_t o = s_podcast(S_BASE "/feed.rss", NULL, NULL, routes);
        if (o.step != SRCDRV_DONE)
            fail_msg("case %zu: %s", i, o.err.msg);
        assert_string_equal(o.meta.format, cases[i].format);
        char *seg = s_seg_text(o.t, 0);
        assert_string_equal(seg, cases[i].first);
        free(seg);
        assert_string_equal(o.meta.url, S_BASE "/feed.rss"); /* no link, guid not a URL */
        s_outcome_free(&o);
        free(feed);
    }
}

static void test_podcast_preferred_language_wins_over_format(void **state)
{
    (void)state;
    s_outcome_t o = s_podcast(S_FEED, NULL, "es", s_feed_routes);
    assert_int_equal(o.step, SRCDRV_DONE);
    assert_string_equal(o.log.urls[1], S_BASE "/transcripts/ep2.es.vtt");
    assert_string_equal(o.meta.language, "es");
    s_outcome_free(&o);
}

static void test_podcast_audio_served_as_transcript_is_refused_and_skipped(void **state)
{
    (void)state;
    s_route_t routes[sizeof s_feed_routes / sizeof s_feed_routes[0]];
    memcpy(routes, s_feed_routes, sizeof routes);
    routes[1].type = "audio/mpeg";
    s_outcome_t o = s_podcast(S_FEED, NULL, NULL, routes);
    assert_int_equal(o.step, SRCDRV_DONE);
    assert_string_equal(o.meta.format, "vtt");
    s_outcome_free(&o);
}

/* ---------------------------------------------------------------- no transcript */

static void test_podcast_episode_without_transcript_names_what_was_found(void **state)
{
    (void)state;
    s_outcome_t o = s_podcast(S_FEED, "minds-trailer", NULL, s_feed_routes);
    assert_int_equal(o.step, SRCDRV_FAIL);
    assert_int_equal(o.log.n, 1);
    assert_int_equal(o.err.code, LODE_ENOTFOUND);
    assert_false(err_retryable(o.err.code));
    assert_string_equal(o.err.msg, "podcast: no published transcript for episode 'Trailer' "
                                   "(found enclosure audio/mpeg, 48.2 MB)");
    s_outcome_free(&o);
}

static void test_podcast_episode_with_only_unknown_transcript_types_is_unsupported(void **state)
{
    (void)state;
    char *feed = s_one_item_feed("application/pdf", "t.pdf");
    s_route_t routes[] = {{S_BASE "/feed.rss", 200, "application/rss+xml", feed, 0, 0},
                          {NULL, 0, NULL, NULL, 0, 0}};
    s_outcome_t o = s_podcast(S_BASE "/feed.rss", NULL, NULL, routes);
    assert_int_equal(o.err.code, LODE_EUNSUPPORTED);
    assert_non_null(strstr(o.err.msg, "application/pdf"));
    s_outcome_free(&o);
    free(feed);
    const char *bare = "<rss><channel><item><title>Bare</title></item></channel></rss>";
    s_route_t r2[] = {{S_BASE "/feed.rss", 200, "application/rss+xml", bare, 0, 0},
                      {NULL, 0, NULL, NULL, 0, 0}};
    o = s_podcast(S_BASE "/feed.rss", NULL, NULL, r2);
    assert_string_equal(o.err.msg,
                        "podcast: no published transcript for episode 'Bare' (found no enclosure)");
    s_outcome_free(&o);
}

static void test_podcast_all_transcripts_failing_reports_the_first_failure(void **state)
{
    (void)state;
    char *feed = s_one_item_feed("text/vtt", "gone.vtt");
    s_route_t routes[] = {{S_BASE "/feed.rss", 200, "application/rss+xml", feed, 0, 0},
                          {NULL, 0, NULL, NULL, 0, 0}};
    s_outcome_t o = s_podcast(S_BASE "/feed.rss", NULL, NULL, routes);
    assert_int_equal(o.step, SRCDRV_FAIL);
    assert_int_equal(o.err.code, LODE_ENOTFOUND);
    assert_string_equal(o.err.msg, "podcast: transcript " S_BASE "/gone.vtt returned 404");
    s_outcome_free(&o);
    free(feed);
}

static void test_podcast_empty_transcript_is_never_passed_on(void **state)
{
    (void)state;
    static const char *const bodies[][2] = {
        {"text/vtt", "WEBVTT\n\n"},
        {"text/plain", "  \n\n  "},
        {"application/json",
         "{\"version\":\"1.0.0\",\"segments\":[{\"startTime\":1,\"body\":\"  \"}]}"},
        {"text/html", "<html><body><p> </p></body></html>"},
    };
    for (size_t i = 0; i < 4; i++) {
        char *feed = s_one_item_feed(bodies[i][0], "t");
        s_route_t routes[] = {{S_BASE "/feed.rss", 200, "application/rss+xml", feed, 0, 0},
                              {S_BASE "/t", 200, bodies[i][0], bodies[i][1], 0, 0},
                              {NULL, 0, NULL, NULL, 0, 0}};
        s_outcome_t o = s_podcast(S_BASE "/feed.rss", NULL, NULL, routes);
        assert_int_equal(o.step, SRCDRV_FAIL);
        if (o.err.code != LODE_EEMPTY)
            fail_msg("case %zu: %s", i, o.err.msg);
        assert_null(o.t);
        s_outcome_free(&o);
        free(feed);
    }
}

/* ---------------------------------------------------------------- HTTP failures */

static void test_podcast_feed_http_failures_are_classified(void **state)
{
    (void)state;

    static const struct {
        int status, err_code, want;
        int64_t retry_after_ms;
        bool retryable;
    } cases[] = {
        {404, 0, LODE_ENOTFOUND, -1, false},
        {410, 0, LODE_ENOTFOUND, -1, false},
        {429, 0, LODE_EHTTP, 30000, true},
        {503, 0, LODE_EHTTP, 2000, true},
        {500, 0, LODE_EHTTP, -1, true},
        {401, 0, LODE_EUNSUPPORTED, -1, false},
        {403, 0, LODE_EUNSUPPORTED, -1, false},
        {400, 0, LODE_EUNSUPPORTED, -1, false},
        {0, LODE_ETIMEDOUT, LODE_ETIMEDOUT, -1, true},
        {0, LODE_EPRIVATE, LODE_EPRIVATE, -1, false},
        {0, LODE_ETOOBIG, LODE_ETOOBIG, -1, false},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        s_route_t routes[] = {{S_FEED, cases[i].status, "text/plain", "x", cases[i].err_code,
                               cases[i].retry_after_ms},
                              {NULL, 0, NULL, NULL, 0, 0}};
        s_outcome_t o = s_podcast(S_FEED, NULL, NULL, routes);
        assert_int_equal(o.step, SRCDRV_FAIL);
        assert_int_equal(o.err.code, cases[i].want);
        assert_int_equal(err_retryable(o.err.code), cases[i].retryable);
        if (cases[i].status == 429 || cases[i].status == 503)
            assert_int_equal(o.retry_after_ms, cases[i].retry_after_ms);
        if (cases[i].status == 404)
            assert_string_equal(o.err.msg, "podcast: feed " S_FEED " returned 404");
        s_outcome_free(&o);
    }
}

static void test_podcast_driver_misuse_is_an_error(void **state)
{
    (void)state;
    err_t err = {0};
    void *st = podcast_state_new(S_FEED, NULL, &err);
    transcript_t *t = NULL;
    source_meta_t meta = {0};
    assert_int_equal(podcast_ops.result(st, &t, &meta, &err), -1);
    assert_int_equal(err.code, LODE_ESTATE);
    http_req_t req;
    err_clear(&err);
    assert_int_equal(podcast_ops.step(st, NULL, &req, &err), SRCDRV_REQUEST);
    assert_int_equal(podcast_ops.step(st, NULL, &req, &err), SRCDRV_FAIL);
    assert_int_equal(err.code, LODE_ESTATE);
    podcast_ops.destroy(st);
    err_clear(&err);
    assert_null(podcast_state_new("ftp://x/feed.xml", NULL, &err));
    assert_int_equal(err.code, LODE_EUNSUPPORTED);
}

/* ------------------------------------------------------------- author names */

static void test_podcast_author_name_never_shows_an_address(void **state)
{
    (void)state;

    static const struct {
        const char *raw, *want;
    } cases[] = {
        {"john@example.com (John Doe)", "John Doe"},
        {"  john@example.com ( John Doe )  ", "John Doe"},
        {"John Doe <john@example.com>", "John Doe"},
        {"john@example.com", NULL},
        {"Ada Host (and friends)", "Ada Host (and friends)"}, /* no address: as written */
        {"Ada Host", "Ada Host"},
        {NULL, NULL},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = podcast_author_name(cases[i].raw);
        if (cases[i].want ? !got || strcmp(got, cases[i].want) != 0 : got != NULL)
            fail_msg("\"%s\" gave \"%s\"", cases[i].raw ? cases[i].raw : "(null)",
                     got ? got : "(null)");
        free(got);
    }
}

/* An item's RSS 2.0 <author> "address (Name)" shows as the name. */
static void test_podcast_feed_author_address_shows_as_the_name(void **state)
{
    (void)state;
    const char *feed = "<rss xmlns:podcast=\"https://podcastindex.org/namespace/1.0\">"
                       "<channel><title>Show</title><item><title>Ep</title><guid>g1</guid>"
                       "<author>john@example.com (John Doe)</author>"
                       "<podcast:transcript url=\"t/file\" type=\"text/plain\"/></item>"
                       "</channel></rss>";
    s_route_t routes[] = {{S_BASE "/feed.rss", 200, "application/rss+xml", feed, 0, 0},
                          {S_BASE "/t/file", 200, "text/plain", "@transcripts/ep2.txt", 0, 0},
                          {NULL, 0, NULL, NULL, 0, 0}};
    s_outcome_t o = s_podcast(S_BASE "/feed.rss", NULL, NULL, routes);
    if (o.step != SRCDRV_DONE)
        fail_msg("%s", o.err.msg);
    assert_string_equal(o.meta.author, "John Doe");
    s_outcome_free(&o);
}

/* ---------------------------------------------------------------- RSS parsing */

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_podcast_feed_gives_the_latest_episode_with_its_json_transcript),
        cmocka_unit_test(test_podcast_episode_is_chosen_by_guid_number_link_enclosure_or_fragment),
        cmocka_unit_test(test_podcast_episode_one_goes_through_relative_url_and_vtt),
        cmocka_unit_test(test_podcast_unknown_episode_is_not_found),
        cmocka_unit_test(test_podcast_newest_is_by_date_and_undated_items_come_last),
        cmocka_unit_test(test_podcast_feed_without_items_has_no_episodes),
        cmocka_unit_test(test_podcast_falls_back_to_the_next_format_when_one_is_missing),
        cmocka_unit_test(test_podcast_html_and_text_transcripts_are_read_as_paragraphs),
        cmocka_unit_test(test_podcast_each_transcript_type_is_parsed),
        cmocka_unit_test(test_podcast_preferred_language_wins_over_format),
        cmocka_unit_test(test_podcast_audio_served_as_transcript_is_refused_and_skipped),
        cmocka_unit_test(test_podcast_episode_without_transcript_names_what_was_found),
        cmocka_unit_test(test_podcast_episode_with_only_unknown_transcript_types_is_unsupported),
        cmocka_unit_test(test_podcast_all_transcripts_failing_reports_the_first_failure),
        cmocka_unit_test(test_podcast_empty_transcript_is_never_passed_on),
        cmocka_unit_test(test_podcast_feed_http_failures_are_classified),
        cmocka_unit_test(test_podcast_driver_misuse_is_an_error),
        cmocka_unit_test(test_podcast_author_name_never_shows_an_address),
        cmocka_unit_test(test_podcast_feed_author_address_shows_as_the_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
