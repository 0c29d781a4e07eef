/*  test_web.c - YouTube sources end to end: a real cluster fetches from a
 *  stand-in on loopback that speaks YouTube's watch page, innertube player
 *  and timedtext; rate limits and cool-downs (with a misbehaving server).
 *  Every outcome is read back from Redis and `lode export`: the job's
 *  state, typed error code, message and retry decision, the stored
 *  transcript and source facts. Fixtures in tests/helpers/webfix.c.
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

/* ------------------------------------------------------------- YouTube */

static void test_a_youtube_video_is_fetched_with_timed_captions_and_its_metadata(void **state)
{
    webfix_t *w = webfix_of(state);
    char *url = webfix_yt_url(YTSTAND_OK);
    char *id = webfix_submit_url(w, url);
    json_t *src = webfix_expect_done(w, id, "youtube", true);
    assert_string_equal(webfix_fact(src, "title"), "Test talk: how captions work");
    assert_string_equal(webfix_fact(src, "author"), "Lode Test Channel");
    assert_true(strncmp(webfix_fact(src, "published"), "2018-08-0", 9) == 0);
    assert_int_equal(json_integer_value(json_object_get(src, "runtime_s")), 316);
    assert_true(strncmp(webfix_fact(src, "language"), "en", 2) == 0);
    assert_string_equal(webfix_fact(src, "url"), url);
    /* The transcript is timed, cue by cue, in order. */
    char *tr = cluster_part(w->c, id, "transcript");
    json_t *t = json_loads(tr ? tr : "", 0, NULL);
    json_t *segs = json_object_get(t, "segments");
    assert_true(json_array_size(segs) >= 2);
    long long prev = -1;
    size_t i;
    json_t *seg;
    json_array_foreach(segs, i, seg)
    {
        long long start = json_integer_value(json_object_get(seg, "start_ms"));
        assert_true(json_is_integer(json_object_get(seg, "start_ms")));
        assert_true(start >= prev);
        prev = start;
    }
    json_decref(t);
    free(tr);
    /* Every snippet carries the time it is quoted at. */
    char *doc = cluster_export_json(w->c, id);
    json_t *root = json_loads(doc ? doc : "", 0, NULL);
    json_t *snips = json_object_get(root, "snippets");
    json_t *snip;
    json_array_foreach(snips, i, snip)
    {
        assert_true(json_is_integer(json_object_get(snip, "start_ms")));
    }
    json_decref(root);
    free(doc);
    json_decref(src);
    free(id);
    free(url);
    cluster_mark_ok(w->c);
}

static void test_a_youtu_be_link_without_a_scheme_is_submitted_and_fetched(void **state)
{
    webfix_t *w = webfix_of(state);
    char *id = webfix_submit_url(w, "youtu.be/" YTSTAND_OK "?t=42");
    char *url = cluster_job_field(w->c, id, "url");
    assert_string_equal(url, "https://youtu.be/" YTSTAND_OK "?t=42");
    json_t *src = webfix_expect_done(w, id, "youtube", true);
    assert_string_equal(webfix_fact(src, "url"), "https://www.youtube.com/watch?v=" YTSTAND_OK);
    json_decref(src);
    free(url);
    free(id);
    cluster_mark_ok(w->c);
}

static void test_the_eu_consent_wall_is_passed_with_the_consent_cookie(void **state)
{
    webfix_t *w = webfix_of(state);
    char *url = webfix_yt_url(YTSTAND_CONSENT);
    char *id = webfix_submit_url(w, url);
    json_t *src = webfix_expect_done(w, id, "youtube", true);
    assert_string_equal(webfix_fact(src, "url"), url);
    char *log = ytstand_log(w->yt);
    assert_non_null(strstr(log, "CONSENT=YES+"));
    free(log);
    json_decref(src);
    free(id);
    free(url);
    cluster_mark_ok(w->c);
}

static const struct {
    const char *video;
    int code;
    const char *tag;
} s_yt_dead[] = {
    {YTSTAND_GONE, LODE_ENOTFOUND, "youtube: unavailable"},
    {YTSTAND_PRIVATE, LODE_ENOTFOUND, "youtube: private video"},
    {YTSTAND_AGE, LODE_EUNSUPPORTED, "youtube: age restricted"},
    {YTSTAND_NOCAPS, LODE_EEMPTY, "youtube: captions disabled"},
    {YTSTAND_POTOKEN, LODE_EUNSUPPORTED, "youtube: PO token required"},
};

#define N_YT_DEAD (sizeof s_yt_dead / sizeof s_yt_dead[0])

static void test_permanent_youtube_failures_are_dead_lettered_with_typed_errors(void **state)
{
    webfix_t *w = webfix_of(state);
    char *urls[N_YT_DEAD], *ids[WEBFIX_MAX_IDS] = {0};
    const char *args[N_YT_DEAD + 1] = {0};
    for (size_t i = 0; i < N_YT_DEAD; i++)
        args[i] = urls[i] = webfix_yt_url(s_yt_dead[i].video);
    assert_int_equal(cluster_submit_argv(w->c, args, ids, WEBFIX_MAX_IDS), (int)N_YT_DEAD);
    for (size_t i = 0; i < N_YT_DEAD; i++) {
        webfix_expect_dead(w, ids[i], s_yt_dead[i].code, s_yt_dead[i].tag);
        free(ids[i]);
        free(urls[i]);
    }
    cluster_mark_ok(w->c);
}

static const struct {
    const char *video;
    const char *tag;
} s_yt_retry[] = {
    {YTSTAND_BOT, "youtube: bot check"},
    {YTSTAND_CAPTCHA, "youtube: captcha"},
    {YTSTAND_WRONG, "youtube: wrong video returned"},
    {YTSTAND_EMPTY, "youtube: empty caption body"},
};

#define N_YT_RETRY (sizeof s_yt_retry / sizeof s_yt_retry[0])

static void test_blocked_youtube_fetches_wait_out_a_cool_down_instead_of_retrying_hot(void **state)
{
    webfix_t *w = webfix_of(state);
    char *urls[N_YT_RETRY], *ids[WEBFIX_MAX_IDS] = {0};
    const char *args[N_YT_RETRY + 1] = {0};
    for (size_t i = 0; i < N_YT_RETRY; i++)
        args[i] = urls[i] = webfix_yt_url(s_yt_retry[i].video);
    assert_int_equal(cluster_submit_argv(w->c, args, ids, WEBFIX_MAX_IDS), (int)N_YT_RETRY);
    for (size_t i = 0; i < N_YT_RETRY; i++) {
        webfix_expect_delayed(w, ids[i], LODE_EHTTP, s_yt_retry[i].tag, YOUTUBE_COOLDOWN_MS);
        free(ids[i]);
        free(urls[i]);
    }
    cluster_mark_ok(w->c);
}

static bool s_children_done(void *arg)
{
    webfix_job_ref_t *r = arg; /* id: the batch */
    char *n = cluster_redis_str(r->w->c, "LLEN lode:batch:%s:jobs", r->id);
    long long len = n ? atoll(n) : 0;
    free(n);
    bool all = len >= 4;
    for (long long i = 0; all && i < len; i++) {
        char *id = cluster_redis_str(r->w->c, "LINDEX lode:batch:%s:jobs %lld", r->id, i);
        char *st = id ? cluster_job_field(r->w->c, id, "state") : NULL;
        all = st && (strcmp(st, "done") == 0 || strcmp(st, "expanded") == 0);
        free(st);
        free(id);
    }
    return all;
}

static void test_a_playlist_expands_into_video_jobs_of_the_same_batch(void **state)
{
    webfix_t *w = webfix_of(state);
    char *id = webfix_submit_url(w, "https://www.youtube.com/playlist?list=" YTSTAND_LIST);
    assert_true(cluster_wait_field(w->c, id, "state", "expanded", WEBFIX_JOB_LIMIT_MS));
    char *batch = cluster_job_field(w->c, id, "batch");
    assert_non_null(batch);
    webfix_job_ref_t ref = {w, batch};
    assert_true(cluster_wait_for(s_children_done, &ref, WEBFIX_JOB_LIMIT_MS));
    /* The parent and one job per distinct video, all in the batch. */
    long long len = cluster_redis_int(w->c, "LLEN lode:batch:%s:jobs", batch);
    char *first = cluster_redis_str(w->c, "LINDEX lode:batch:%s:jobs 0", batch);
    assert_string_equal(first, id);
    int videos = 0;
    for (long long i = 1; i < len; i++) {
        char *child = cluster_redis_str(w->c, "LINDEX lode:batch:%s:jobs %lld", batch, i);
        char *url = cluster_job_field(w->c, child, "url");
        char *cb = cluster_job_field(w->c, child, "batch");
        assert_string_equal(cb, batch);
        assert_true(strncmp(url, "https://www.youtube.com/watch?v=", 32) == 0);
        json_t *src = webfix_expect_done(w, child, "youtube", true);
        assert_string_equal(webfix_fact(src, "url"), url);
        json_decref(src);
        videos++;
        free(cb);
        free(url);
        free(child);
    }
    assert_int_equal(videos, 3); /* LodeTest001, SecondVid02, third_Vid-3 */
    char *total = cluster_redis_str(w->c, "HGET lode:batch:%s total", batch);
    assert_true(total && atoll(total) == len);
    assert_int_equal(cluster_redis_int(w->c, "EXISTS lode:job:%s:transcript", id), 0);
    free(total);
    free(first);
    free(batch);
    free(id);
    cluster_mark_ok(w->c);
}

/* ------------------------------------------------------ rate limiting */

static long long s_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool s_second_request(void *arg)
{
    return misbehave_requests(arg) >= 2;
}

static void test_a_429_with_retry_after_requeues_the_job_after_that_delay(void **state)
{
    webfix_t *w = webfix_of(state);
    char *url = webfix_bad_url(w, "/429");
    char *id = webfix_submit_url(w, url);
    webfix_expect_delayed(w, id, LODE_EHTTP, "returned 429", 7000);
    long long retry_at = webfix_field_ll(w, id, "retry_at_ms");
    /* Not hot: the server hears nothing more until Retry-After has passed,
     * then the broker runs it once more (two tries allowed) and it fails
     * for good. */
    assert_true(cluster_wait_for(s_second_request, w->bad, 12000));
    assert_true(s_wall_ms() >= retry_at);
    assert_true(cluster_wait_field(w->c, id, "state", "failed", WEBFIX_FAIL_LIMIT_MS));
    assert_int_equal(webfix_field_ll(w, id, "attempts"), 2);
    assert_int_equal(misbehave_requests(w->bad), 2);
    assert_true(cluster_list_contains(w->c, "lode:dead", id));
    webfix_assert_error_has(w, id, "returned 429");
    free(id);
    free(url);
    cluster_mark_ok(w->c);
}

static void test_a_rate_limited_youtube_watch_page_honours_its_retry_after(void **state)
{
    webfix_t *w = webfix_of(state);
    char *url = webfix_yt_url(YTSTAND_LIMITED);
    char *id = webfix_submit_url(w, url);
    long long delay = webfix_expect_delayed(w, id, LODE_EHTTP, "youtube: rate limited", 120000);
    assert_true(delay < 120000 + 2000); /* Retry-After: 120, not the 15 min default */
    free(id);
    free(url);
    cluster_mark_ok(w->c);
}

int main(void)
{
    if (getenv("LODE_TEST_FILTER"))
        cmocka_set_test_filter(getenv("LODE_TEST_FILTER"));
#define T(fn) cmocka_unit_test_setup_teardown(fn, webfix_setup, webfix_teardown)
    const struct CMUnitTest youtube[] = {
        T(test_a_youtube_video_is_fetched_with_timed_captions_and_its_metadata),
        T(test_a_youtu_be_link_without_a_scheme_is_submitted_and_fetched),
        T(test_the_eu_consent_wall_is_passed_with_the_consent_cookie),
        T(test_permanent_youtube_failures_are_dead_lettered_with_typed_errors),
        T(test_blocked_youtube_fetches_wait_out_a_cool_down_instead_of_retrying_hot),
        T(test_a_playlist_expands_into_video_jobs_of_the_same_batch),
    };
#undef T
#define T(fn) cmocka_unit_test_setup_teardown(fn, webfix_own_setup, webfix_own_teardown)
    const struct CMUnitTest cooled[] = {
        T(test_a_429_with_retry_after_requeues_the_job_after_that_delay),
        T(test_a_rate_limited_youtube_watch_page_honours_its_retry_after),
    };
#undef T
    int failed =
        cmocka_run_group_tests_name("youtube", youtube, webfix_group_allowed, webfix_group_down);
    failed += cmocka_run_group_tests_name("rate limits", cooled, NULL, NULL);
    return cluster_main_result(failed);
}
