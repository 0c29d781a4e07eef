/*  test_podcast.c - the podcast driver: RSS parsing (namespaces, CDATA,
 *  entities, limits, malformed input), episode and transcript choice, the
 *  JSON and HTML transcript formats, dates and durations, HTTP failures, and
 *  a run against the podstand loopback host with a real HTTP client.
 *  SPDX-License-Identifier: MIT
 */
#include <time.h>

#include <curl/curl.h>

#include "podcast.h"
#include "podcast_impl.h"
#include "podstand.h"
#include "srcdrv_impl.h"
#include "test.h"

#define S_BASE "http://pod.test"
#define S_FEED S_BASE "/shows/feed.xml"

/* ---------------------------------------------------------------- helpers */

static const char *s_fixture_dir(void)
{
    static char dir[1024];
    const char *slash = strrchr(__FILE__, '/');
    int dir_len = slash ? (int)(slash - __FILE__) : 1;
    snprintf(dir, sizeof dir, "%.*s/../fixtures/podcast", dir_len, slash ? __FILE__ : ".");
    return dir;
}

/* tests/fixtures/podcast/<name> with "@BASE@" replaced by S_BASE. */
static char *s_fixture(const char *name, size_t *len)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", s_fixture_dir(), name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open fixture %s", path);
    char *raw = calloc(1, 1 << 20);
    size_t n = fread(raw, 1, (1 << 20) - 1, f);
    fclose(f);
    char *out = calloc(1, 2 * n + 64);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (i + 6 <= n && memcmp(raw + i, "@BASE@", 6) == 0) {
            o += (size_t)sprintf(out + o, "%s", S_BASE);
            i += 5;
        } else {
            out[o++] = raw[i];
        }
    }
    free(raw);
    if (len)
        *len = o;
    return out;
}

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
        cmocka_unit_test(test_podcast_feed_parse_reads_channel_and_items),
        cmocka_unit_test(test_podcast_namespaces_match_by_uri_with_cdata_and_entities),
        cmocka_unit_test(test_podcast_malformed_xml_fails_clearly),
        cmocka_unit_test(test_podcast_every_truncation_and_corruption_is_survived),
        cmocka_unit_test(test_podcast_huge_feed_keeps_ten_thousand_items),
        cmocka_unit_test(test_podcast_deep_nesting_and_long_fields_are_bounded),
        cmocka_unit_test(test_podcast_duration_reads_every_itunes_form),
        cmocka_unit_test(test_podcast_date_reads_rfc822_forms),
        cmocka_unit_test(test_podcast_json_transcript_single_speaker_has_no_labels),
        cmocka_unit_test(test_podcast_json_transcript_errors),
        cmocka_unit_test(test_podcast_html_text_keeps_speaker_labels_and_drops_scripts),
        cmocka_unit_test(test_podcast_url_resolve_follows_rfc3986),
        cmocka_unit_test(test_podcast_match_knows_feed_shapes),
        cmocka_unit_test(test_podcast_runs_against_the_podstand_host),
        cmocka_unit_test(test_podcast_author_name_never_shows_an_address),
        cmocka_unit_test(test_podcast_feed_author_address_shows_as_the_name),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return failed;
}
