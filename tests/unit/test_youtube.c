/*  test_youtube.c - the YouTube driver driven with canned responses (no
 *  network): URL forms, the request sequence, consent wall, captcha, every
 *  playability status, track choice, caption bodies, playlists, settings.
 *  SPDX-License-Identifier: MIT
 */
#include <ctype.h>

#include <curl/curl.h>

#include "buf.h"
#include "test.h"
#include "youtube.h"
#include "ytstand.h"

#define VID  "LodeTest001"
#define BASE "https://www.youtube.com"

/* ---------------------------------------------------------------- helpers */

static char *s_read(const char *name, size_t *len)
{
    char path[1024];
    const char *slash = strrchr(__FILE__, '/');
    int dir_len = slash ? (int)(slash - __FILE__) : 1;
    snprintf(path, sizeof path, "%.*s/../fixtures/youtube/%s", dir_len, slash ? __FILE__ : ".",
             name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open fixture %s", path);
    char *data = malloc(1 << 20);
    *len = fread(data, 1, (1 << 20) - 1, f);
    data[*len] = '\0';
    fclose(f);
    return data;
}

/* A fixture with {{BASE}} replaced by BASE. */
static char *s_fixture(const char *name)
{
    size_t len;
    char *raw = s_read(name, &len);
    char *out = malloc(len * 2 + 1);
    size_t o = 0;
    for (const char *p = raw; *p;) {
        if (strncmp(p, "{{BASE}}", 8) == 0) {
            memcpy(out + o, BASE, strlen(BASE));
            o += strlen(BASE);
            p += 8;
        } else {
            out[o++] = *p++;
        }
    }
    out[o] = '\0';
    free(raw);
    return out;
}

typedef struct {
    void *st;
    http_req_t req;
    err_t err;
    char *last_body; /* the body fed last (kept alive like the http layer does) */
} s_drv_t;

static const srcdrv_opts_t s_opts = {.lang = "en",
                                     .yt_base = BASE,
                                     .yt_client = "ANDROID",
                                     .yt_version = "20.10.38",
                                     .accept_lang = "en-US"};

static srcdrv_step_t s_start(s_drv_t *d, const char *url, const srcdrv_opts_t *opts)
{
    memset(d, 0, sizeof *d);
    d->st = youtube_state_new(url, opts ? opts : &s_opts, &d->err);
    assert_non_null(d->st);
    return youtube_ops.step(d->st, NULL, &d->req, &d->err);
}

static srcdrv_step_t s_feed_resp(s_drv_t *d, const http_resp_t *resp)
{
    return youtube_ops.step(d->st, resp, &d->req, &d->err);
}

/* Answer the pending request with status and body (a copy is kept). */
static srcdrv_step_t s_feed_body(s_drv_t *d, int status, const char *body)
{
    free(d->last_body);
    d->last_body = strdup(body);
    http_resp_t resp = {.status = status,
                        .url = d->req.url,
                        .final_url = d->req.url,
                        .content_type = "text/html",
                        .body = d->last_body,
                        .body_len = strlen(d->last_body),
                        .retry_after_ms = -1};
    return s_feed_resp(d, &resp);
}

static srcdrv_step_t s_feed(s_drv_t *d, int status, const char *fixture)
{
    char *body = s_fixture(fixture);
    srcdrv_step_t step = s_feed_body(d, status, body);
    free(body);
    return step;
}

static void s_end(s_drv_t *d)
{
    youtube_ops.destroy(d->st);
    free(d->last_body);
}

static bool s_has_header(const http_req_t *req, const char *line)
{
    for (size_t i = 0; req->headers && req->headers[i]; i++)
        if (strcmp(req->headers[i], line) == 0)
            return true;
    return false;
}

/* Start on VID's watch URL and answer the watch page and the player. */
static srcdrv_step_t s_to_captions(s_drv_t *d, const char *player, const srcdrv_opts_t *opts)
{
    assert_int_equal(s_start(d, "https://www.youtube.com/watch?v=" VID, opts), SRCDRV_REQUEST);
    assert_int_equal(s_feed(d, 200, "watch_ok.html"), SRCDRV_REQUEST);
    return s_feed(d, 200, player);
}

/* The driver failed with code and a message containing tag. */
static void s_assert_fail(s_drv_t *d, srcdrv_step_t step, int code, const char *tag)
{
    assert_int_equal(step, SRCDRV_FAIL);
    if (d->err.code != code || !strstr(d->err.msg, tag))
        fail_msg("want %s \"%s\", got %s \"%s\"", err_name(code), tag, err_name(d->err.code),
                 d->err.msg);
}

/* ------------------------------------------------------------------ tests */

static void test_youtube_fetches_captions_and_metadata_for_a_watch_url(void **state)
{
    (void)state;
    s_drv_t d;
    /* 1. The watch page, with the consent cookie set up front. */
    assert_int_equal(s_start(&d, "https://www.youtube.com/watch?v=" VID "&t=42s", NULL),
                     SRCDRV_REQUEST);
    assert_string_equal(d.req.method, "GET");
    assert_string_equal(d.req.url, BASE "/watch?v=" VID "&hl=en&bpctr=9999999999&has_verified=1");
    assert_string_equal(d.req.cookie, "SOCS=CAI");
    assert_true(s_has_header(&d.req, "Accept-Language: en-US"));
    /* 2. The innertube player, with the page's key and visitor id. */
    assert_int_equal(s_feed(&d, 200, "watch_ok.html"), SRCDRV_REQUEST);
    assert_string_equal(d.req.method, "POST");
    assert_string_equal(d.req.url, BASE "/youtubei/v1/player?prettyPrint=false"
                                        "&key=AIzaSyLodeTestKey_0123456789abcdefghij");
    assert_non_null(strstr(d.req.body, "\"clientName\":\"ANDROID\""));
    assert_non_null(strstr(d.req.body, "\"clientVersion\":\"20.10.38\""));
    assert_non_null(strstr(d.req.body, "\"videoId\":\"" VID "\""));
    assert_int_equal(d.req.body_len, strlen(d.req.body));
    assert_true(s_has_header(&d.req, "Content-Type: application/json"));
    assert_true(s_has_header(&d.req, "X-YouTube-Client-Name: 3"));
    assert_true(s_has_header(&d.req, "X-YouTube-Client-Version: 20.10.38"));
    assert_true(s_has_header(&d.req, "X-Goog-Visitor-Id: CgtMb2RlVmlzaXRvcg%3D%3D"));
    /* 3. The manual English track as json3, xosf and srv3 gone. */
    assert_int_equal(s_feed(&d, 200, "player_ok.json"), SRCDRV_REQUEST);
    assert_string_equal(d.req.method, "GET");
    assert_non_null(strstr(d.req.url, BASE "/api/timedtext?v=" VID));
    assert_non_null(strstr(d.req.url, "&lang=en&fmt=json3"));
    assert_null(strstr(d.req.url, "kind=asr"));
    assert_null(strstr(d.req.url, "xosf"));
    assert_null(strstr(d.req.url, "srv3"));
    assert_int_equal(s_feed(&d, 200, "tt_json3.json"), SRCDRV_DONE);

    transcript_t *t = NULL;
    source_meta_t meta = {0};
    assert_int_equal(youtube_ops.result(d.st, &t, &meta, &d.err), 0);
    assert_string_equal(t->text, "I'm about to explain Today, I have some good news and some bad "
                                 "news. caf\xC3\xA9 \xE2\x80\x94 na\xC3\xAFve done");
    assert_string_equal(meta.kind, "youtube");
    assert_string_equal(meta.format, "json3");
    assert_string_equal(meta.title, "Test talk: how captions work");
    assert_string_equal(meta.author, "Lode Test Channel");
    assert_string_equal(meta.published, "2018-08-02");
    assert_string_equal(meta.language, "en");
    assert_string_equal(meta.url, "https://www.youtube.com/watch?v=" VID);
    assert_string_equal(meta.site, "YouTube");
    assert_int_equal(meta.runtime_ms, 316000);
    assert_int_equal(youtube_ops.retry_after_ms(d.st), -1);
    transcript_destroy(&t);
    source_meta_clear(&meta);
    s_end(&d);
}

static void test_every_url_form_names_the_video_or_list(void **state)
{
    (void)state;

    static const struct {
        const char *url, *video, *list;
        bool playlist;
    } cases[] = {
        {"https://www.youtube.com/watch?v=dQw4w9WgXcQ", "dQw4w9WgXcQ", "", false},
        {"http://youtube.com/watch?feature=share&v=dQw4w9WgXcQ&t=1m2s", "dQw4w9WgXcQ", "", false},
        {"www.youtube.com/watch?v=dQw4w9WgXcQ#t=30", "dQw4w9WgXcQ", "", false},
        {"youtube.com/watch?v=dQw4w9WgXcQ", "dQw4w9WgXcQ", "", false},
        {"https://m.youtube.com/watch?v=dQw4w9WgXcQ&pp=ygU", "dQw4w9WgXcQ", "", false},
        {"https://music.youtube.com/watch?v=dQw4w9WgXcQ&si=abc", "dQw4w9WgXcQ", "", false},
        {"https://youtu.be/dQw4w9WgXcQ", "dQw4w9WgXcQ", "", false},
        {"https://youtu.be/dQw4w9WgXcQ?si=XyZ&t=12", "dQw4w9WgXcQ", "", false},
        {"youtu.be/dQw4w9WgXcQ", "dQw4w9WgXcQ", "", false},
        {"https://www.youtube.com/shorts/dQw4w9WgXcQ?feature=share", "dQw4w9WgXcQ", "", false},
        {"https://www.youtube.com/embed/dQw4w9WgXcQ?start=10", "dQw4w9WgXcQ", "", false},
        {"https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ", "dQw4w9WgXcQ", "", false},
        {"https://www.youtube.com/live/dQw4w9WgXcQ?si=1", "dQw4w9WgXcQ", "", false},
        {"https://WWW.YouTube.COM:443/watch?v=dQw4w9WgXcQ", "dQw4w9WgXcQ", "", false},
        {"https://www.youtube.com/v/dQw4w9WgXcQ", "dQw4w9WgXcQ", "", false},
        {"https://www.youtube.com/playlist?list=PLLodeTestList", "", "PLLodeTestList", true},
        {"https://www.youtube.com/watch?v=dQw4w9WgXcQ&list=PLLodeTestList&index=2", "dQw4w9WgXcQ",
         "PLLodeTestList", true},
        {"https://www.youtube.com/watch?v=dQw4w9WgXcQ&list=RDdQw4w9WgXcQ&start_radio=1",
         "dQw4w9WgXcQ", "RDdQw4w9WgXcQ", false},
        {"https://music.youtube.com/playlist?list=OLAK5uy_abc", "", "OLAK5uy_abc", true},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        youtube_ref_t ref;
        err_t err = {0};
        if (youtube_parse_url(cases[i].url, &ref, &err) != 0)
            fail_msg("%s: %s", cases[i].url, err.msg);
        assert_true(youtube_match(cases[i].url));
        assert_string_equal(ref.video, cases[i].video);
        assert_string_equal(ref.list, cases[i].list);
        assert_int_equal(ref.playlist, cases[i].playlist);
    }
}

static void test_bad_ids_and_other_hosts_are_refused(void **state)
{
    (void)state;
    const char *no_id[] = {
        "https://www.youtube.com/watch?v=short",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQx",
        "https://youtu.be/",
        "https://www.youtube.com/@SomeChannel",
        "https://www.youtube.com/watch?v=dQw4w9Wg%cQ",
        "https://www.youtube.com/",
        "https://www.youtube.com/watch?list=",
    };
    for (size_t i = 0; i < sizeof no_id / sizeof no_id[0]; i++) {
        youtube_ref_t ref;
        err_t err = {0};
        assert_true(youtube_match(no_id[i]));
        assert_int_equal(youtube_parse_url(no_id[i], &ref, &err), -1);
        assert_int_equal(err.code, LODE_EUNSUPPORTED);
        assert_non_null(strstr(err.msg, "youtube: not a video URL"));
    }
    const char *others[] = {"https://notyoutube.com/watch?v=dQw4w9WgXcQ",
                            "https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ",
                            "https://user@youtube.com/watch?v=dQw4w9WgXcQ",
                            "https://example.com/?u=youtube.com/watch?v=dQw4w9WgXcQ",
                            "ftp-ish nonsense",
                            ""};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        youtube_ref_t ref;
        err_t err = {0};
        assert_false(youtube_match(others[i]));
        assert_int_equal(youtube_parse_url(others[i], &ref, &err), -1);
        assert_int_equal(err.code, LODE_EINVAL);
    }
    err_t err = {0};
    assert_null(youtube_state_new("https://www.youtube.com/feed/trending", &s_opts, &err));
    assert_int_equal(err.code, LODE_EUNSUPPORTED);
}

static void test_consent_wall_is_passed_with_the_form_cookie(void **state)
{
    (void)state;
    s_drv_t d;
    s_start(&d, "https://youtu.be/" VID, NULL);
    assert_int_equal(s_feed(&d, 200, "watch_consent.html"), SRCDRV_REQUEST);
    assert_string_equal(d.req.url, BASE "/watch?v=" VID "&hl=en&bpctr=9999999999&has_verified=1");
    assert_string_equal(d.req.cookie, "SOCS=CAI; CONSENT=YES+cb.20210328-17-p0.de+FX+119");
    assert_int_equal(s_feed(&d, 200, "watch_ok.html"), SRCDRV_REQUEST);
    assert_string_equal(d.req.method, "POST");
    assert_string_equal(d.req.cookie, "SOCS=CAI; CONSENT=YES+cb.20210328-17-p0.de+FX+119");
    s_end(&d);
}

static void test_consent_wall_that_stays_fails_for_good(void **state)
{
    (void)state;
    s_drv_t d;
    s_start(&d, "https://youtu.be/" VID, NULL);
    assert_int_equal(s_feed(&d, 200, "watch_consent.html"), SRCDRV_REQUEST);
    s_assert_fail(&d, s_feed(&d, 200, "watch_consent.html"), LODE_EUNSUPPORTED,
                  "youtube: consent wall for " VID);
    assert_false(err_retryable(d.err.code));
    s_end(&d);
}

static void test_captcha_page_fails_retryable_with_a_cool_down(void **state)
{
    (void)state;
    s_drv_t d;
    s_start(&d, "https://youtu.be/" VID, NULL);
    s_assert_fail(&d, s_feed(&d, 200, "watch_recaptcha.html"), LODE_EHTTP,
                  "youtube: captcha for " VID);
    assert_true(err_retryable(d.err.code));
    assert_int_equal(youtube_ops.retry_after_ms(d.st), YOUTUBE_COOLDOWN_MS);
    s_end(&d);
}

static void test_http_429_uses_retry_after(void **state)
{
    (void)state;
    s_drv_t d;
    s_start(&d, "https://youtu.be/" VID, NULL);
    http_resp_t resp = {.status = 429, .body = "", .retry_after_ms = 120000, .final_url = ""};
    s_assert_fail(&d, s_feed_resp(&d, &resp), LODE_EHTTP, "youtube: rate limited for " VID);
    assert_int_equal(youtube_ops.retry_after_ms(d.st), 120000);
    s_end(&d);
}

static void test_sorry_redirect_and_403_are_blocks(void **state)
{
    (void)state;
    s_drv_t d;
    s_start(&d, "https://youtu.be/" VID, NULL);
    http_resp_t resp = {.status = 200,
                        .body = "<html>sorry</html>",
                        .body_len = 18,
                        .retry_after_ms = -1,
                        .final_url = "https://www.google.com/sorry/index?continue=x"};
    s_assert_fail(&d, s_feed_resp(&d, &resp), LODE_EHTTP, "youtube: rate limited");
    assert_int_equal(youtube_ops.retry_after_ms(d.st), YOUTUBE_COOLDOWN_MS);
    s_end(&d);
    s_start(&d, "https://youtu.be/" VID, NULL);
    s_assert_fail(&d, s_feed_body(&d, 403, "Forbidden"), LODE_EHTTP, "youtube: blocked for " VID);
    assert_int_equal(youtube_ops.retry_after_ms(d.st), YOUTUBE_COOLDOWN_MS);
    s_end(&d);
}

static void test_transport_failure_keeps_its_code(void **state)
{
    (void)state;
    s_drv_t d;
    s_start(&d, "https://youtu.be/" VID, NULL);
    http_resp_t resp = {.err = {.code = LODE_ETIMEDOUT, .msg = "timed out after 60000 ms"},
                        .retry_after_ms = -1};
    s_assert_fail(&d, s_feed_resp(&d, &resp), LODE_ETIMEDOUT,
                  "youtube: watch page request failed for " VID ": timed out");
    assert_true(err_retryable(d.err.code));
    s_end(&d);
}

static void test_bare_watch_page_still_asks_the_player(void **state)
{
    (void)state;
    s_drv_t d;
    s_start(&d, "https://youtu.be/" VID, NULL);
    assert_int_equal(s_feed(&d, 200, "watch_bare.html"), SRCDRV_REQUEST);
    assert_string_equal(d.req.url, BASE "/youtubei/v1/player?prettyPrint=false");
    assert_false(s_has_header(&d.req, "X-Goog-Visitor-Id: CgtMb2RlVmlzaXRvcg%3D%3D"));
    assert_int_equal(s_feed(&d, 200, "player_ok.json"), SRCDRV_REQUEST);
    assert_int_equal(s_feed(&d, 200, "tt_srv3_manual.xml"), SRCDRV_DONE);
    transcript_t *t = NULL;
    source_meta_t meta = {0};
    assert_int_equal(youtube_ops.result(d.st, &t, &meta, &d.err), 0);
    /* Metadata from videoDetails only: no publish date without the page. */
    assert_string_equal(meta.title, "Test talk: how captions work");
    assert_string_equal(meta.author, "Lode Test Channel");
    assert_null(meta.published);
    assert_string_equal(meta.format, "srv3");
    transcript_destroy(&t);
    source_meta_clear(&meta);
    s_end(&d);
}

static void test_each_playability_status_fails_precisely(void **state)
{
    (void)state;

    static const struct {
        const char *fixture;
        int code;
        const char *tag;
        int64_t retry_after_ms;
    } cases[] = {
        {"player_bot.json", LODE_EHTTP, "youtube: bot check (sign-in required) for " VID,
         YOUTUBE_COOLDOWN_MS},
        {"player_age.json", LODE_EUNSUPPORTED, "youtube: age restricted " VID, -1},
        {"player_unavailable.json", LODE_ENOTFOUND,
         "youtube: unavailable " VID ": This video is unavailable", -1},
        {"player_private.json", LODE_ENOTFOUND, "youtube: private video " VID, -1},
        {"player_geo.json", LODE_EUNSUPPORTED,
         "youtube: unplayable " VID " (UNPLAYABLE): Video unavailable (The uploader has not", -1},
        {"player_members.json", LODE_EUNSUPPORTED, "youtube: sign-in required for " VID, -1},
        {"player_try_later.json", LODE_EHTTP, "youtube: rate limited for " VID,
         YOUTUBE_COOLDOWN_MS},
        {"player_captcha.json", LODE_EHTTP, "youtube: captcha for " VID, YOUTUBE_COOLDOWN_MS},
        {"player_wrong_video.json", LODE_EHTTP,
         "youtube: wrong video returned for " VID " (got OtherVid002", YOUTUBE_COOLDOWN_MS},
        {"player_no_captions.json", LODE_EEMPTY, "youtube: captions disabled for " VID, -1},
        {"player_empty_tracks.json", LODE_EEMPTY, "youtube: captions disabled for " VID, -1},
        {"player_xpe.json", LODE_EUNSUPPORTED, "youtube: PO token required for captions of " VID,
         -1},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        s_drv_t d;
        s_assert_fail(&d, s_to_captions(&d, cases[i].fixture, NULL), cases[i].code, cases[i].tag);
        assert_int_equal(youtube_ops.retry_after_ms(d.st), cases[i].retry_after_ms);
        assert_int_equal(err_retryable(d.err.code), cases[i].retry_after_ms > 0);
        /* Finished for good: a further step is a state error. */
        http_resp_t resp = {.status = 200, .body = "", .retry_after_ms = -1};
        err_t err = {0};
        assert_int_equal(youtube_ops.step(d.st, &resp, &d.req, &err), SRCDRV_FAIL);
        assert_int_equal(err.code, LODE_ESTATE);
        s_end(&d);
    }
}

static void test_bot_check_message_names_the_reason(void **state)
{
    (void)state;
    s_drv_t d;
    s_to_captions(&d, "player_bot.json", NULL);
    assert_non_null(strstr(d.err.msg, "retry later or from another address"));
    assert_non_null(strstr(d.err.msg, "Sign in to confirm you\xE2\x80\x99re not a bot"));
    s_end(&d);
}

/* The caption URL the driver asks for with player fixture and lang. */
static void s_assert_track(
    const char *player, const char *lang, const char *want, const char * not, const char *meta_lang)
{
    srcdrv_opts_t opts = s_opts;
    opts.lang = lang;
    s_drv_t d;
    assert_int_equal(s_to_captions(&d, player, &opts), SRCDRV_REQUEST);
    if (!strstr(d.req.url, want))
        fail_msg("%s/%s: %s not in %s", player, lang, want, d.req.url);
    if (not &&strstr(d.req.url, not ))
        fail_msg("%s/%s: %s in %s", player, lang, not, d.req.url);
    assert_int_equal(s_feed(&d, 200, "tt_legacy.xml"), SRCDRV_DONE);
    transcript_t *t = NULL;
    source_meta_t meta = {0};
    assert_int_equal(youtube_ops.result(d.st, &t, &meta, &d.err), 0);
    assert_string_equal(meta.language, meta_lang);
    assert_string_equal(meta.format, "srv1");
    transcript_destroy(&t);
    source_meta_clear(&meta);
    s_end(&d);
}

static void test_track_choice_prefers_manual_then_asr_then_translation(void **state)
{
    (void)state;
    s_assert_track("player_ok.json", "en", "&lang=en&fmt=json3", "kind=asr", "en");
    s_assert_track("player_ok.json", "de", "&lang=de&fmt=json3", "tlang", "de");
    s_assert_track("player_asr_only.json", "en", "&kind=asr&lang=en&fmt=json3", "tlang", "en");
    s_assert_track("player_regional.json", "en", "&lang=en-GB&fmt=json3", "tlang", "en-GB");
    s_assert_track("player_translate.json", "en", "&lang=de&tlang=en&fmt=json3", NULL, "en");
    /* Not translatable: any track beats no transcript; its language says so. */
    s_assert_track("player_other_lang.json", "en", "&lang=ja&fmt=json3", "tlang", "ja");
    /* fr is not among translationLanguages of player_ok: manual de is used. */
    s_assert_track("player_ok.json", "fr", "&lang=de&tlang=fr&fmt=json3", NULL, "fr");
    s_assert_track("player_ok.json", "sw", "&lang=de&fmt=json3", "tlang", "de");
}

/* The manual track needs a PO token, the auto-generated one of the same
 * language does not: that one is used, and the facts say so. */
static void test_a_po_token_track_gives_way_to_one_of_the_same_language(void **state)
{
    (void)state;
    s_drv_t d;
    assert_int_equal(s_to_captions(&d, "player_xpe_asr_ok.json", NULL), SRCDRV_REQUEST);
    assert_non_null(strstr(d.req.url, "&kind=asr&lang=en"));
    assert_null(strstr(d.req.url, "exp=xpe"));
    assert_int_equal(s_feed(&d, 200, "tt_legacy.xml"), SRCDRV_DONE);
    transcript_t *t = NULL;
    source_meta_t meta = {0};
    assert_int_equal(youtube_ops.result(d.st, &t, &meta, &d.err), 0);
    assert_string_equal(
        meta.note, "used the auto-generated en caption track: the manual one needs a PO token");
    char *json = source_meta_to_json(&meta);
    assert_non_null(strstr(json, "\"notes\":[\"used the auto-generated en caption track"));
    free(json);
    transcript_destroy(&t);
    source_meta_clear(&meta);
    s_end(&d);
}

/* The advice never names the client already in use. */
static void test_po_token_advice_names_another_client(void **state)
{
    (void)state;
    static const char *const clients[] = {"ANDROID", "IOS", "WEB"};
    for (size_t i = 0; i < sizeof clients / sizeof clients[0]; i++) {
        srcdrv_opts_t opts = s_opts;
        opts.yt_client = clients[i];
        opts.yt_version = "1.0";
        s_drv_t d;
        s_assert_fail(&d, s_to_captions(&d, "player_xpe.json", &opts), LODE_EUNSUPPORTED,
                      "PO token required");
        const char *eg = strstr(d.err.msg, "e.g. ");
        assert_non_null(eg);
        if (strncmp(eg + 5, clients[i], strlen(clients[i])) == 0 &&
            !isalpha((unsigned char)eg[5 + strlen(clients[i])]) &&
            eg[5 + strlen(clients[i])] != '_')
            fail_msg("advice names the client in use: %s", d.err.msg);
        s_end(&d);
    }
}

static void test_caption_url_loses_fmt_and_xosf_wherever_they_are(void **state)
{
    (void)state;

    static const struct {
        const char *base_url, *want;
    } cases[] = {
        {BASE "/api/timedtext?fmt=srv3&v=" VID "&xosf=1&lang=en",
         BASE "/api/timedtext?v=" VID "&lang=en&fmt=json3"},
        {BASE "/api/timedtext?xosf=&fmt=srv3", BASE "/api/timedtext?&fmt=json3"},
        {"/api/timedtext?v=" VID "&fmt=vtt&fmt=srv1&xfmt=1",
         BASE "/api/timedtext?v=" VID "&xfmt=1&fmt=json3"},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char player[1024];
        int n =
            snprintf(player, sizeof player,
                     "{\"playabilityStatus\":{\"status\":\"OK\"},\"videoDetails\":"
                     "{\"videoId\":\"" VID "\"},\"captions\":{\"playerCaptionsTracklistRenderer\":"
                     "{\"captionTracks\":[{\"baseUrl\":\"%s\",\"languageCode\":\"en\"}]}}}",
                     cases[i].base_url);
        assert_true(n > 0 && (size_t)n < sizeof player);
        s_drv_t d;
        s_start(&d, "https://youtu.be/" VID, NULL);
        assert_int_equal(s_feed(&d, 200, "watch_bare.html"), SRCDRV_REQUEST);
        assert_int_equal(s_feed_body(&d, 200, player), SRCDRV_REQUEST);
        assert_string_equal(d.req.url, cases[i].want);
        s_end(&d);
    }
}

static void test_empty_caption_body_is_asked_again_as_srv3(void **state)
{
    (void)state;
    s_drv_t d;
    assert_int_equal(s_to_captions(&d, "player_ok.json", NULL), SRCDRV_REQUEST);
    assert_int_equal(s_feed_body(&d, 200, ""), SRCDRV_REQUEST);
    assert_non_null(strstr(d.req.url, "&lang=en&fmt=srv3"));
    assert_int_equal(s_feed(&d, 200, "tt_srv3_asr.xml"), SRCDRV_DONE);
    s_end(&d);
}

static void test_empty_caption_body_twice_is_withheld_not_disabled(void **state)
{
    (void)state;
    s_drv_t d;
    assert_int_equal(s_to_captions(&d, "player_ok.json", NULL), SRCDRV_REQUEST);
    assert_int_equal(s_feed_body(&d, 200, ""), SRCDRV_REQUEST);
    s_assert_fail(&d, s_feed(&d, 200, "tt_empty_events.json"), LODE_EHTTP,
                  "youtube: empty caption body for " VID " (track en; captions withheld");
    assert_int_equal(youtube_ops.retry_after_ms(d.st), YOUTUBE_COOLDOWN_MS);
    transcript_t *t = NULL;
    source_meta_t meta = {0};
    err_t err = {0};
    assert_int_equal(youtube_ops.result(d.st, &t, &meta, &err), -1);
    assert_int_equal(err.code, LODE_ESTATE);
    assert_null(t);
    s_end(&d);
}

static void test_unrecognised_caption_body_is_a_bad_response(void **state)
{
    (void)state;
    s_drv_t d;
    assert_int_equal(s_to_captions(&d, "player_ok.json", NULL), SRCDRV_REQUEST);
    s_assert_fail(&d, s_feed_body(&d, 200, "<!DOCTYPE html><html>Sign in</html>"), LODE_EHTTP,
                  "youtube: bad response from timedtext for " VID " (content type text/html)");
    s_end(&d);
}

static void test_player_http_errors_map_to_retry_decisions(void **state)
{
    (void)state;
    s_drv_t d;
    s_start(&d, "https://youtu.be/" VID, NULL);
    assert_int_equal(s_feed(&d, 200, "watch_ok.html"), SRCDRV_REQUEST);
    s_assert_fail(&d, s_feed_body(&d, 400, "{\"error\":{\"code\":400}}"), LODE_EUNSUPPORTED,
                  "youtube: client rejected for " VID " (HTTP 400 from player; update");
    s_end(&d);

    s_start(&d, "https://youtu.be/" VID, NULL);
    assert_int_equal(s_feed(&d, 200, "watch_ok.html"), SRCDRV_REQUEST);
    s_assert_fail(&d, s_feed_body(&d, 503, "busy"), LODE_EHTTP,
                  "youtube: HTTP 503 from player for " VID);
    assert_int_equal(youtube_ops.retry_after_ms(d.st), -1);
    s_end(&d);

    s_start(&d, "https://youtu.be/" VID, NULL);
    assert_int_equal(s_feed(&d, 200, "watch_ok.html"), SRCDRV_REQUEST);
    s_assert_fail(&d, s_feed_body(&d, 200, "{\"playabilityStatus\": "), LODE_EHTTP,
                  "youtube: bad response from player for " VID);
    s_end(&d);
}

static void test_playlist_expands_into_watch_urls(void **state)
{
    (void)state;
    s_drv_t d;
    assert_int_equal(s_start(&d, "https://www.youtube.com/playlist?list=PLLodeTestList", NULL),
                     SRCDRV_REQUEST);
    assert_string_equal(d.req.url, BASE "/playlist?list=PLLodeTestList&hl=en");
    assert_string_equal(d.req.cookie, "SOCS=CAI");
    assert_int_equal(s_feed(&d, 200, "playlist.html"), SRCDRV_EXPAND);
    size_t n = 0;
    const char *const *urls = youtube_ops.urls(d.st, &n);
    assert_int_equal(n, 3);
    assert_string_equal(urls[0], "https://www.youtube.com/watch?v=" VID);
    assert_string_equal(urls[1], "https://www.youtube.com/watch?v=SecondVid02");
    assert_string_equal(urls[2], "https://www.youtube.com/watch?v=third_Vid-3");
    s_end(&d);
}

static void test_missing_playlist_fails_not_found(void **state)
{
    (void)state;
    s_drv_t d;
    s_start(&d, "https://www.youtube.com/watch?v=" VID "&list=PLgone", NULL);
    assert_string_equal(d.req.url, BASE "/playlist?list=PLgone&hl=en");
    s_assert_fail(&d, s_feed(&d, 200, "playlist_missing.html"), LODE_ENOTFOUND,
                  "youtube: playlist not found PLgone: The playlist does not exist.");
    s_end(&d);
    s_start(&d, "https://www.youtube.com/playlist?list=PLgone", NULL);
    s_assert_fail(&d, s_feed(&d, 200, "watch_bare.html"), LODE_EHTTP,
                  "youtube: bad response from playlist page for PLgone");
    s_end(&d);
    s_start(&d, "https://www.youtube.com/playlist?list=PLgone", NULL);
    s_assert_fail(&d,
                  s_feed_body(&d, 200, "<script>var ytInitialData = {\"contents\":{}};</script>"),
                  LODE_EEMPTY, "youtube: empty playlist PLgone");
    s_end(&d);
}

static void test_settings_come_from_options_then_environment(void **state)
{
    (void)state;
    setenv("LODE_YT_BASE", "http://127.0.0.1:9/", 1);
    setenv("LODE_YT_CLIENT", "WEB", 1);
    unsetenv("LODE_YT_CLIENT_VERSION");
    s_drv_t d;
    assert_int_equal(s_start(&d, "https://youtu.be/" VID, &(srcdrv_opts_t){0}), SRCDRV_REQUEST);
    assert_string_equal(d.req.url,
                        "http://127.0.0.1:9/watch?v=" VID "&hl=en&bpctr=9999999999&has_verified=1");
    assert_int_equal(s_feed(&d, 200, "watch_bare.html"), SRCDRV_REQUEST);
    assert_string_equal(d.req.url, "http://127.0.0.1:9/youtubei/v1/player?prettyPrint=false");
    assert_true(s_has_header(&d.req, "X-YouTube-Client-Name: 1"));
    assert_true(s_has_header(&d.req, "X-YouTube-Client-Version: 2.20260708.00.00"));
    /* Caption URLs on YouTube's origin move to the configured base too. */
    assert_int_equal(s_feed(&d, 200, "player_ok.json"), SRCDRV_REQUEST);
    assert_non_null(strstr(d.req.url, "http://127.0.0.1:9/api/timedtext?v=" VID));
    s_end(&d);

    setenv("LODE_YT_CLIENT_VERSION", "9.9.9", 1);
    srcdrv_opts_t o;
    youtube_opts_resolve(NULL, &o);
    assert_string_equal(o.yt_version, "9.9.9");
    assert_string_equal(o.lang, "en");
    assert_string_equal(o.accept_lang, "en-US");
    youtube_opts_resolve(&s_opts, &o);
    assert_string_equal(o.yt_base, BASE);
    assert_string_equal(o.yt_client, "ANDROID");
    assert_string_equal(o.yt_version, "20.10.38");

    setenv("LODE_YT_CLIENT", "TVHTML5", 1);
    unsetenv("LODE_YT_CLIENT_VERSION");
    err_t err = {0};
    assert_null(youtube_state_new("https://youtu.be/" VID, NULL, &err));
    assert_int_equal(err.code, LODE_EINVAL);
    unsetenv("LODE_YT_BASE");
    unsetenv("LODE_YT_CLIENT");
}

static void test_bad_language_and_misuse_are_refused(void **state)
{
    (void)state;
    srcdrv_opts_t opts = s_opts;
    opts.lang = "en&x=1";
    err_t err = {0};
    assert_null(youtube_state_new("https://youtu.be/" VID, &opts, &err));
    assert_int_equal(err.code, LODE_EINVAL);

    s_drv_t d;
    s_start(&d, "https://youtu.be/" VID, NULL);
    assert_int_equal(youtube_ops.step(d.st, NULL, &d.req, &d.err), SRCDRV_FAIL);
    assert_int_equal(d.err.code, LODE_ESTATE);
    s_end(&d);
}

/* ------------------------------------------- over loopback HTTP (ytstand) */

typedef struct {
    buf_t body;
    int64_t retry_after_ms;
} s_http_t;

static size_t s_on_body(char *p, size_t size, size_t n, void *arg)
{
    s_http_t *h = arg;
    return buf_append(&h->body, p, size * n, NULL) == 0 ? size * n : 0;
}

static size_t s_on_header(char *p, size_t size, size_t n, void *arg)
{
    s_http_t *h = arg;
    if (size * n > 12 && strncasecmp(p, "Retry-After:", 12) == 0)
        h->retry_after_ms = strtoll(p + 12, NULL, 10) * 1000;
    return size * n;
}

/* Run req with a blocking curl handle; loopback only. */
static void s_perform(const http_req_t *req, http_resp_t *resp, s_http_t *h)
{
    if (strncmp(req->url, "http://127.0.0.1:", 17) != 0)
        fail_msg("refusing a non-loopback request: %s", req->url);
    buf_reset(&h->body);
    h->retry_after_ms = -1;
    CURL *c = curl_easy_init();
    struct curl_slist *hdrs = NULL;
    for (size_t i = 0; req->headers && req->headers[i]; i++)
        hdrs = curl_slist_append(hdrs, req->headers[i]);
    curl_easy_setopt(c, CURLOPT_URL, req->url);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    if (req->cookie)
        curl_easy_setopt(c, CURLOPT_COOKIE, req->cookie);
    if (req->body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)req->body_len);
    }
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, s_on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, h);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, s_on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, h);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    curl_slist_free_all(hdrs);
    *resp = (http_resp_t){.status = (int)status,
                          .url = req->url,
                          .final_url = req->url,
                          .content_type = "text/html",
                          .body = h->body.data ? h->body.data : "",
                          .body_len = h->body.len,
                          .retry_after_ms = h->retry_after_ms};
}

/* Drive the driver for url against the stand until it stops asking. */
static srcdrv_step_t s_run_stand(ytstand_t *stand, const char *url, s_drv_t *d)
{
    srcdrv_opts_t opts = s_opts;
    opts.yt_base = ytstand_base(stand);
    s_http_t h = {.retry_after_ms = -1};
    buf_init(&h.body, 8u << 20);
    srcdrv_step_t step = s_start(d, url, &opts);
    for (int i = 0; i < 10 && step == SRCDRV_REQUEST; i++) {
        http_resp_t resp;
        s_perform(&d->req, &resp, &h);
        step = s_feed_resp(d, &resp);
    }
    buf_free(&h.body);
    return step;
}

static void test_stand_in_server_round_trips_every_path(void **state)
{
    (void)state;
    err_t err = {0};
    ytstand_t *stand = ytstand_start(NULL, &err);
    assert_non_null(stand);
    s_drv_t d;
    assert_int_equal(s_run_stand(stand, "https://youtu.be/" YTSTAND_OK, &d), SRCDRV_DONE);
    transcript_t *t = NULL;
    source_meta_t meta = {0};
    assert_int_equal(youtube_ops.result(d.st, &t, &meta, &d.err), 0);
    assert_non_null(strstr(t->text, "Today, I have some good news"));
    assert_string_equal(meta.published, "2018-08-02");
    transcript_destroy(&t);
    source_meta_clear(&meta);
    s_end(&d);
    char *log = ytstand_log(stand);
    assert_non_null(strstr(log, "GET /watch?v=" YTSTAND_OK "&hl=en"));
    assert_non_null(strstr(log, "POST /youtubei/v1/player?prettyPrint=false&key="));
    assert_non_null(strstr(log, "fmt=json3 cookie="));
    free(log);

    assert_int_equal(s_run_stand(stand, "https://youtu.be/" YTSTAND_CONSENT, &d), SRCDRV_DONE);
    s_end(&d);

    static const struct {
        const char *id;
        int code;
        const char *tag;
    } fails[] = {
        {YTSTAND_CAPTCHA, LODE_EHTTP, "youtube: captcha"},
        {YTSTAND_BOT, LODE_EHTTP, "youtube: bot check"},
        {YTSTAND_AGE, LODE_EUNSUPPORTED, "youtube: age restricted"},
        {YTSTAND_GONE, LODE_ENOTFOUND, "youtube: unavailable"},
        {YTSTAND_PRIVATE, LODE_ENOTFOUND, "youtube: private video"},
        {YTSTAND_NOCAPS, LODE_EEMPTY, "youtube: captions disabled"},
        {YTSTAND_POTOKEN, LODE_EUNSUPPORTED, "youtube: PO token required"},
        {YTSTAND_WRONG, LODE_EHTTP, "youtube: wrong video returned"},
        {YTSTAND_EMPTY, LODE_EHTTP, "youtube: empty caption body"},
    };

    for (size_t i = 0; i < sizeof fails / sizeof fails[0]; i++) {
        char url[128];
        snprintf(url, sizeof url, "https://www.youtube.com/shorts/%s", fails[i].id);
        s_assert_fail(&d, s_run_stand(stand, url, &d), fails[i].code, fails[i].tag);
        s_end(&d);
    }
    s_assert_fail(&d, s_run_stand(stand, "https://youtu.be/" YTSTAND_LIMITED, &d), LODE_EHTTP,
                  "youtube: rate limited");
    assert_int_equal(youtube_ops.retry_after_ms(d.st), 120000);
    s_end(&d);
    assert_int_equal(s_run_stand(stand, "https://www.youtube.com/playlist?list=" YTSTAND_LIST, &d),
                     SRCDRV_EXPAND);
    size_t n = 0;
    youtube_ops.urls(d.st, &n);
    assert_int_equal(n, 3);
    s_end(&d);
    ytstand_stop(&stand);
    assert_null(stand);
}

/* Every prefix of the watch page and player response gives a request or a
 * clean failure, never a crash (ASan watches). */
static void test_truncated_pages_and_responses_are_safe(void **state)
{
    (void)state;
    const char *names[] = {"watch_ok.html", "player_ok.json", "watch_consent.html"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char *body = s_fixture(names[i]);
        size_t len = strlen(body);
        for (size_t n = 0; n <= len; n += 7) {
            char *cut = strndup(body, n);
            s_drv_t d;
            s_start(&d, "https://youtu.be/" VID, NULL);
            if (i == 1)
                assert_int_equal(s_feed(&d, 200, "watch_bare.html"), SRCDRV_REQUEST);
            srcdrv_step_t step = s_feed_body(&d, 200, cut);
            assert_true(step == SRCDRV_REQUEST || step == SRCDRV_FAIL);
            if (step == SRCDRV_FAIL)
                assert_int_not_equal(d.err.code, 0);
            free(cut);
            s_end(&d);
        }
        free(body);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_youtube_fetches_captions_and_metadata_for_a_watch_url),
        cmocka_unit_test(test_every_url_form_names_the_video_or_list),
        cmocka_unit_test(test_bad_ids_and_other_hosts_are_refused),
        cmocka_unit_test(test_consent_wall_is_passed_with_the_form_cookie),
        cmocka_unit_test(test_consent_wall_that_stays_fails_for_good),
        cmocka_unit_test(test_captcha_page_fails_retryable_with_a_cool_down),
        cmocka_unit_test(test_http_429_uses_retry_after),
        cmocka_unit_test(test_sorry_redirect_and_403_are_blocks),
        cmocka_unit_test(test_transport_failure_keeps_its_code),
        cmocka_unit_test(test_bare_watch_page_still_asks_the_player),
        cmocka_unit_test(test_each_playability_status_fails_precisely),
        cmocka_unit_test(test_bot_check_message_names_the_reason),
        cmocka_unit_test(test_track_choice_prefers_manual_then_asr_then_translation),
        cmocka_unit_test(test_a_po_token_track_gives_way_to_one_of_the_same_language),
        cmocka_unit_test(test_po_token_advice_names_another_client),
        cmocka_unit_test(test_caption_url_loses_fmt_and_xosf_wherever_they_are),
        cmocka_unit_test(test_empty_caption_body_is_asked_again_as_srv3),
        cmocka_unit_test(test_empty_caption_body_twice_is_withheld_not_disabled),
        cmocka_unit_test(test_unrecognised_caption_body_is_a_bad_response),
        cmocka_unit_test(test_player_http_errors_map_to_retry_decisions),
        cmocka_unit_test(test_playlist_expands_into_watch_urls),
        cmocka_unit_test(test_missing_playlist_fails_not_found),
        cmocka_unit_test(test_settings_come_from_options_then_environment),
        cmocka_unit_test(test_bad_language_and_misuse_are_refused),
        cmocka_unit_test(test_truncated_pages_and_responses_are_safe),
        cmocka_unit_test(test_stand_in_server_round_trips_every_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
