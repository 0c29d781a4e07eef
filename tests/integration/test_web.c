/*  test_web.c - web sources end to end: a real cluster fetches from
 *  stand-in servers on loopback that speak the real protocols (YouTube's
 *  watch page, innertube player and timedtext; a podcast host's RSS and
 *  transcripts; plain files, HTML articles; a server that misbehaves on
 *  purpose). Every outcome is read back from Redis and `lode export`: the
 *  job's state, typed error code, message and retry decision, the stored
 *  transcript and source facts.
 *  SPDX-License-Identifier: MIT
 */
// clang-format off
#define _GNU_SOURCE /* strcasestr */
#include "test.h"
// clang-format on

#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cluster.h"
#include "mem.h"
#include "misbehave.h"
#include "podstand.h"
#include "youtube.h"
#include "ytstand.h"

#define JOB_LIMIT_MS  30000 /* one small web source through four stages */
#define FAIL_LIMIT_MS 15000 /* a fetch that fails */
#define ALLOW_NET     "127.0.0.0/8,::1/128"
#define MAX_IDS       16

/* One cluster and the stand-ins it fetches from. */
typedef struct {
    cluster_t *c;
    ytstand_t *yt;    /* YouTube: LODE_YT_BASE points here */
    podstand_t *pod;  /* serves dir */
    misbehave_t *bad; /* the misbehaving server */
    char *dir;        /* owned: the tree podstand serves (removed at the end) */
} s_web_t;

/* ------------------------------------------------------------ the stands */

static bool s_copy(const char *from, const char *dir, const char *to)
{
    size_t len = 0;
    char *data = cluster_read_file(from, 8u << 20, &len);
    char *path = mem_printf("%s/%s", dir, to);
    FILE *f = data ? fopen(path, "wb") : NULL;
    bool ok = f && fwrite(data, 1, len, f) == len;
    if (f)
        ok = fclose(f) == 0 && ok;
    if (!ok)
        fprintf(stderr, "test_web: cannot copy %s to %s\n", from, path);
    free(path);
    free(data);
    return ok;
}

static bool s_write(const char *dir, const char *name, const char *text)
{
    char *path = mem_printf("%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    bool ok = f && fputs(text, f) >= 0;
    if (f)
        ok = fclose(f) == 0 && ok;
    free(path);
    return ok;
}

/* prose as HTML paragraphs, escaped. Caller frees. */
static char *s_html_paragraphs(const char *prose)
{
    size_t cap = strlen(prose) * 6 + 64, n = 0;
    char *out = mem_alloc(cap);
    n += (size_t)sprintf(out + n, "<p>");
    for (const char *p = prose; *p; p++) {
        if (p[0] == '\n' && p[1] == '\n') {
            n += (size_t)sprintf(out + n, "</p>\n<p>");
            p++;
        } else if (*p == '&' || *p == '<' || *p == '>') {
            n += (size_t)sprintf(out + n, "%s", *p == '&' ? "&amp;" : *p == '<' ? "&lt;" : "&gt;");
        } else {
            out[n++] = *p;
        }
    }
    sprintf(out + n, "</p>");
    return out;
}

static bool s_write_articles(const char *dir)
{
    char *prose = cluster_prose(500);
    if (!prose)
        return false;
    char *paras = s_html_paragraphs(prose);
    char *page = mem_printf(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<title>Why data quality beats quantity | Lode Test Blog</title>"
        "<link rel=\"canonical\" href=\"https://blog.example/data-quality\">"
        "<meta name=\"author\" content=\"Grace Writer\">"
        "<meta property=\"article:published_time\" content=\"2026-05-01T10:00:00Z\">"
        "<meta property=\"og:site_name\" content=\"Lode Test Blog\"></head><body>"
        "<nav><a href=\"/\">Home</a> <a href=\"/about\">About</a></nav>"
        "<article><h1>Why data quality beats quantity</h1>%s</article>"
        "<footer>Copyright 2026 Lode Test Blog. All rights reserved.</footer></body></html>",
        paras);
    bool ok = s_write(dir, "files/article.html", page) &&
              s_write(dir, "files/short.html",
                      "<!doctype html><html lang=\"en\"><head><title>Sign in</title></head>"
                      "<body><article><h1>Members only</h1><p>Subscribe to read this "
                      "story.</p></article></body></html>");
    free(page);
    free(paras);
    free(prose);
    return ok;
}

/* A temp tree: the podcast fixtures, plain source files, two HTML pages. */
static char *s_make_tree(void)
{
    char tmpl[] = "/tmp/lode-test-web-XXXXXX";
    char *dir = mkdtemp(tmpl) ? mem_strdup(tmpl) : NULL;
    if (!dir)
        return NULL;
    static const char *const sub[] = {"shows", "transcripts", "files"};
    static const char *const tr[] = {"ep1.vtt", "ep2.es.vtt", "ep2.html", "ep2.json",
                                     "ep2.srt", "ep2.txt",    "ep2.vtt"};
    static const char *const files[] = {"talk.vtt",   "film.srt",       "notes.txt",
                                        "article.md", "whitespace.txt", "header_only.vtt"};
    bool ok = true;
    for (size_t i = 0; i < 3; i++) {
        char *p = mem_printf("%s/%s", dir, sub[i]);
        ok = ok && mkdir(p, 0700) == 0;
        free(p);
    }
    ok = ok && s_copy("tests/fixtures/podcast/shows/feed.xml", dir, "shows/feed.xml");
    for (size_t i = 0; ok && i < sizeof tr / sizeof tr[0]; i++) {
        char *from = mem_printf("tests/fixtures/podcast/transcripts/%s", tr[i]);
        char *to = mem_printf("transcripts/%s", tr[i]);
        ok = s_copy(from, dir, to);
        free(from);
        free(to);
    }
    for (size_t i = 0; ok && i < sizeof files / sizeof files[0]; i++) {
        char *from = mem_printf("tests/fixtures/sources/%s", files[i]);
        char *to = mem_printf("files/%s", files[i]);
        ok = s_copy(from, dir, to);
        free(from);
        free(to);
    }
    ok = ok && s_write_articles(dir);
    if (!ok) {
        cluster_rmtree(dir);
        free(dir);
        return NULL;
    }
    return dir;
}

static void s_web_destroy(s_web_t **self_p)
{
    s_web_t *w = *self_p;
    if (!w)
        return;
    cluster_destroy(&w->c);
    ytstand_stop(&w->yt);
    podstand_stop(&w->pod);
    misbehave_stop(&w->bad);
    if (w->dir)
        cluster_rmtree(w->dir);
    free(w->dir);
    free(w);
    *self_p = NULL;
}

/* The stand-ins, then a cluster whose workers reach them (allow_net) or
 * not. broker_args NULL-terminated or NULL. */
static s_web_t *s_web_new(bool allow_net, const char *const *broker_args)
{
    s_web_t *w = mem_calloc(1, sizeof *w);
    err_t err = {0};
    /* misbehave forks: first, while this process has no other thread (a
     * child forked while a thread holds an allocator lock can hang). */
    w->bad = misbehave_start();
    w->dir = w->bad ? s_make_tree() : NULL;
    w->yt = w->dir ? ytstand_start(NULL, &err) : NULL;
    w->pod = w->yt ? podstand_start(w->dir) : NULL;
    if (!w->pod) {
        fprintf(stderr, "test_web: stand-ins did not start: %s\n", err.msg);
        s_web_destroy(&w);
        return NULL;
    }
    /* The workers inherit the environment: YouTube is the stand-in, and
     * the allow list comes only from the arguments. */
    setenv("LODE_YT_BASE", ytstand_base(w->yt), 1);
    unsetenv("LODE_ALLOW_NET");
    static const char *const allow[] = {"--allow-net", ALLOW_NET, NULL};
    static const char *const fast[] = {"--retry-base-ms", "200", "--retry-max-ms", "1000", NULL};
    cluster_opts_t o = {.worker_args = allow_net ? allow : NULL,
                        .broker_args = broker_args ? broker_args : fast};
    w->c = cluster_new(&o, &err);
    if (!w->c) {
        fprintf(stderr, "cluster_new: %s\n", err.msg);
        s_web_destroy(&w);
    }
    return w;
}

/* ------------------------------------------------------ setup, teardown */

static s_web_t *s_web(void **state)
{
    return *state;
}

static int s_group_down(void **state)
{
    s_web_t *w = *state;
    int reports = w && w->c ? cluster_stop(w->c) : 0;
    s_web_destroy(&w);
    return reports ? -1 : 0;
}

static int s_group_allowed(void **state)
{
    *state = s_web_new(true, NULL);
    return *state ? 0 : -1;
}

static int s_group_guarded(void **state)
{
    *state = s_web_new(false, NULL);
    return *state ? 0 : -1;
}

static int s_setup(void **state)
{
    cluster_mark_begin(s_web(state)->c);
    return 0;
}

static int s_teardown(void **state)
{
    cluster_check(s_web(state)->c);
    return 0;
}

/* A cluster of its own for a test that cools a host down; the broker gives
 * a fetch two tries. */
static int s_own_setup(void **state)
{
    static const char *const two[] = {
        "--retry-base-ms", "200", "--retry-max-ms", "1000", "--max-attempts", "fetch=2", NULL};
    *state = s_web_new(true, two);
    if (!*state)
        return -1;
    return s_setup(state);
}

static int s_own_teardown(void **state)
{
    s_teardown(state);
    return s_group_down(state);
}

/* -------------------------------------------------------------- helpers */

static char *s_pod_url(s_web_t *w, const char *path)
{
    return mem_printf("%s%s", podstand_url(w->pod), path);
}

static char *s_bad_url(s_web_t *w, const char *path)
{
    return mem_printf("http://127.0.0.1:%d%s", misbehave_port(w->bad), path);
}

static char *s_yt_url(const char *id)
{
    return mem_printf("https://www.youtube.com/watch?v=%s", id);
}

/* Submit one argument list; exactly one job id (caller frees). */
static char *s_submit(s_web_t *w, const char *const *args)
{
    char *ids[MAX_IDS] = {0};
    int n = cluster_submit_argv(w->c, args, ids, MAX_IDS);
    assert_int_equal(n, 1);
    return ids[0];
}

static char *s_submit_url(s_web_t *w, const char *url)
{
    const char *args[] = {url, NULL};
    return s_submit(w, args);
}

static long long s_field_ll(s_web_t *w, const char *id, const char *field)
{
    char *v = cluster_job_field(w->c, id, field);
    long long n = v ? atoll(v) : -1;
    free(v);
    return n;
}

static void s_assert_field(s_web_t *w, const char *id, const char *field, const char *want)
{
    char *v = cluster_job_field(w->c, id, field);
    if (!v || strcmp(v, want) != 0)
        fprintf(stderr, "job %s: %s is \"%s\", want \"%s\"\n", id, field, v ? v : "(nil)", want);
    assert_non_null(v);
    assert_string_equal(v, want);
    free(v);
}

/* The job's error contains needle (case-insensitively). */
static void s_assert_error_has(s_web_t *w, const char *id, const char *needle)
{
    char *error = cluster_job_field(w->c, id, "error");
    if (!error || !strcasestr(error, needle))
        fprintf(stderr, "job %s: error \"%s\" lacks \"%s\"\n", id, error ? error : "(nil)", needle);
    assert_non_null(error);
    assert_non_null(strcasestr(error, needle));
    free(error);
}

/* The job is done; its export passes the document checks; its source
 * facts (caller decrefs) have kind. */
static json_t *s_expect_done(s_web_t *w, const char *id, const char *kind, bool timed)
{
    char *st = cluster_wait_job(w->c, id, JOB_LIMIT_MS);
    if (!st || strcmp(st, "done") != 0) {
        char *error = cluster_job_field(w->c, id, "error");
        fprintf(stderr, "job %s ended %s: %s\n", id, st ? st : "(not in time)", error ? error : "");
        free(error);
    }
    assert_non_null(st);
    assert_string_equal(st, "done");
    free(st);
    char *doc = cluster_export_json(w->c, id);
    assert_non_null(doc);
    assert_true(cluster_doc_check(doc, timed) >= 1);
    json_t *root = json_loads(doc, 0, NULL);
    free(doc);
    assert_non_null(root);
    json_t *src = json_incref(json_object_get(root, "source"));
    json_decref(root);
    assert_true(json_is_object(src));
    assert_string_equal(json_string_value(json_object_get(src, "kind")), kind);
    return src;
}

/* A string fact of the source; "" if absent. */
static const char *s_fact(json_t *src, const char *key)
{
    const char *v = json_string_value(json_object_get(src, key));
    return v ? v : "";
}

/* The fetch failed permanently: state failed at fetch, typed code, the
 * message has needle, dead-lettered after one try, nothing stored. */
static void s_expect_dead(s_web_t *w, const char *id, int code, const char *needle)
{
    char *st = cluster_wait_job(w->c, id, FAIL_LIMIT_MS);
    assert_non_null(st);
    assert_string_equal(st, "failed");
    free(st);
    s_assert_field(w, id, "error_stage", "fetch");
    s_assert_field(w, id, "error_code", err_name(code));
    assert_false(err_retryable((err_code_t)code));
    assert_int_equal(s_field_ll(w, id, "attempts"), 1);
    s_assert_error_has(w, id, needle);
    assert_true(cluster_list_contains(w->c, "lode:dead", id));
    assert_int_equal(cluster_redis_int(w->c, "EXISTS lode:job:%s:transcript", id), 0);
}

typedef struct {
    s_web_t *w;
    const char *id;
} s_job_ref_t;

/* Failed at least once and waiting in the queue or its back-off. */
static bool s_requeued(void *arg)
{
    s_job_ref_t *r = arg;
    char *st = cluster_job_field(r->w->c, r->id, "state");
    char *error = cluster_job_field(r->w->c, r->id, "error");
    bool yes = st && error && *error && strcmp(st, "queued") == 0;
    free(st);
    free(error);
    return yes;
}

/* The fetch failed retryably: back to queued with the typed code and
 * message, not dead, waiting in lode:delayed until at least min_delay_ms
 * after the failure (the source's cool-down, not the 200 ms back-off).
 * The delay it got. */
static long long
s_expect_delayed(s_web_t *w, const char *id, int code, const char *needle, long long min_delay_ms)
{
    s_job_ref_t ref = {w, id};
    assert_true(cluster_wait_for(s_requeued, &ref, FAIL_LIMIT_MS));
    s_assert_field(w, id, "error_code", err_name(code));
    assert_true(err_retryable((err_code_t)code));
    s_assert_error_has(w, id, needle);
    s_assert_field(w, id, "error_stage", "fetch");
    assert_false(cluster_list_contains(w->c, "lode:dead", id));
    long long at = s_field_ll(w, id, "retry_at_ms");
    long long failed_at = s_field_ll(w, id, "updated_ms");
    char *score = cluster_redis_str(w->c, "ZSCORE lode:delayed %s", id);
    assert_non_null(score);
    assert_int_equal(atoll(score), at);
    free(score);
    long long delay = at - failed_at;
    if (delay < min_delay_ms)
        fprintf(stderr, "job %s: retry after %lld ms, want >= %lld\n", id, delay, min_delay_ms);
    assert_true(delay >= min_delay_ms);
    assert_int_equal(s_field_ll(w, id, "attempts"), 1);
    char *retried = cluster_redis_str(w->c, "HGET lode:stats retried");
    assert_true(retried && atoll(retried) >= 1);
    free(retried);
    return delay;
}

/* ------------------------------------------------------------- YouTube */

static void test_a_youtube_video_is_fetched_with_timed_captions_and_its_metadata(void **state)
{
    s_web_t *w = s_web(state);
    char *url = s_yt_url(YTSTAND_OK);
    char *id = s_submit_url(w, url);
    json_t *src = s_expect_done(w, id, "youtube", true);
    assert_string_equal(s_fact(src, "title"), "Test talk: how captions work");
    assert_string_equal(s_fact(src, "author"), "Lode Test Channel");
    assert_true(strncmp(s_fact(src, "published"), "2018-08-0", 9) == 0);
    assert_int_equal(json_integer_value(json_object_get(src, "runtime_s")), 316);
    assert_true(strncmp(s_fact(src, "language"), "en", 2) == 0);
    assert_string_equal(s_fact(src, "url"), url);
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
    s_web_t *w = s_web(state);
    char *id = s_submit_url(w, "youtu.be/" YTSTAND_OK "?t=42");
    char *url = cluster_job_field(w->c, id, "url");
    assert_string_equal(url, "https://youtu.be/" YTSTAND_OK "?t=42");
    json_t *src = s_expect_done(w, id, "youtube", true);
    assert_string_equal(s_fact(src, "url"), "https://www.youtube.com/watch?v=" YTSTAND_OK);
    json_decref(src);
    free(url);
    free(id);
    cluster_mark_ok(w->c);
}

static void test_the_eu_consent_wall_is_passed_with_the_consent_cookie(void **state)
{
    s_web_t *w = s_web(state);
    char *url = s_yt_url(YTSTAND_CONSENT);
    char *id = s_submit_url(w, url);
    json_t *src = s_expect_done(w, id, "youtube", true);
    assert_string_equal(s_fact(src, "url"), url);
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
    s_web_t *w = s_web(state);
    char *urls[N_YT_DEAD], *ids[MAX_IDS] = {0};
    const char *args[N_YT_DEAD + 1] = {0};
    for (size_t i = 0; i < N_YT_DEAD; i++)
        args[i] = urls[i] = s_yt_url(s_yt_dead[i].video);
    assert_int_equal(cluster_submit_argv(w->c, args, ids, MAX_IDS), (int)N_YT_DEAD);
    for (size_t i = 0; i < N_YT_DEAD; i++) {
        s_expect_dead(w, ids[i], s_yt_dead[i].code, s_yt_dead[i].tag);
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
    s_web_t *w = s_web(state);
    char *urls[N_YT_RETRY], *ids[MAX_IDS] = {0};
    const char *args[N_YT_RETRY + 1] = {0};
    for (size_t i = 0; i < N_YT_RETRY; i++)
        args[i] = urls[i] = s_yt_url(s_yt_retry[i].video);
    assert_int_equal(cluster_submit_argv(w->c, args, ids, MAX_IDS), (int)N_YT_RETRY);
    for (size_t i = 0; i < N_YT_RETRY; i++) {
        s_expect_delayed(w, ids[i], LODE_EHTTP, s_yt_retry[i].tag, YOUTUBE_COOLDOWN_MS);
        free(ids[i]);
        free(urls[i]);
    }
    cluster_mark_ok(w->c);
}

static bool s_children_done(void *arg)
{
    s_job_ref_t *r = arg; /* id: the batch */
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
    s_web_t *w = s_web(state);
    char *id = s_submit_url(w, "https://www.youtube.com/playlist?list=" YTSTAND_LIST);
    assert_true(cluster_wait_field(w->c, id, "state", "expanded", JOB_LIMIT_MS));
    char *batch = cluster_job_field(w->c, id, "batch");
    assert_non_null(batch);
    s_job_ref_t ref = {w, batch};
    assert_true(cluster_wait_for(s_children_done, &ref, JOB_LIMIT_MS));
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
        json_t *src = s_expect_done(w, child, "youtube", true);
        assert_string_equal(s_fact(src, "url"), url);
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

/* ------------------------------------------------------------- podcasts */

static void test_a_podcast_feed_gives_its_latest_episode_from_the_json_transcript(void **state)
{
    s_web_t *w = s_web(state);
    char *feed = s_pod_url(w, "/shows/feed.xml");
    char *id = s_submit_url(w, feed);
    json_t *src = s_expect_done(w, id, "podcast", true);
    assert_string_equal(s_fact(src, "format"), "json");
    assert_string_equal(s_fact(src, "title"), "Episode 2: Sample efficiency");
    assert_string_equal(s_fact(src, "author"), "Ada Host and Bob Guest");
    assert_string_equal(s_fact(src, "published"), "2026-05-12");
    assert_int_equal(json_integer_value(json_object_get(src, "runtime_s")), 3723);
    assert_true(strncmp(s_fact(src, "language"), "en", 2) == 0);
    assert_string_equal(s_fact(src, "url"), "https://minds.example/ep2");
    json_decref(src);
    free(id);
    free(feed);
    cluster_mark_ok(w->c);
}

static void test_episode_2_picks_the_second_newest_episode(void **state)
{
    s_web_t *w = s_web(state);
    char *feed = s_pod_url(w, "/shows/feed.xml");
    const char *args[] = {"--episode", "2", feed, NULL};
    char *id = s_submit(w, args);
    json_t *src = s_expect_done(w, id, "podcast", true);
    assert_string_equal(s_fact(src, "format"), "vtt");
    assert_string_equal(s_fact(src, "title"), "Episode 1: The data black hole");
    assert_string_equal(s_fact(src, "published"), "2026-05-04");
    assert_int_equal(json_integer_value(json_object_get(src, "runtime_s")), 717);
    assert_string_equal(s_fact(src, "url"), "https://minds.example/ep1");
    json_decref(src);
    free(id);
    free(feed);
    cluster_mark_ok(w->c);
}

static void test_an_episode_without_a_transcript_fails_naming_what_was_found(void **state)
{
    s_web_t *w = s_web(state);
    char *feed = s_pod_url(w, "/shows/feed.xml");
    const char *args[] = {"--episode", "minds-trailer", feed, NULL};
    char *id = s_submit(w, args);
    s_expect_dead(w, id, LODE_ENOTFOUND, "no published transcript");
    s_assert_error_has(w, id, "'Trailer'");
    s_assert_error_has(w, id, "found enclosure audio/mpeg");
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

    s_web_t *w = s_web(state);
    char *urls[4], *ids[MAX_IDS] = {0};
    const char *args[5] = {0};
    for (size_t i = 0; i < 4; i++)
        args[i] = urls[i] = s_pod_url(w, cases[i].path);
    assert_int_equal(cluster_submit_argv(w->c, args, ids, MAX_IDS), 4);
    for (size_t i = 0; i < 4; i++) {
        json_t *src = s_expect_done(w, ids[i], cases[i].kind, cases[i].timed);
        assert_string_equal(s_fact(src, "format"), cases[i].format);
        assert_string_equal(s_fact(src, "url"), urls[i]);
        assert_string_equal(s_fact(src, "site"), "127.0.0.1");
        assert_true(*s_fact(src, "title"));
        json_decref(src);
        free(ids[i]);
        free(urls[i]);
    }
    cluster_mark_ok(w->c);
}

static void test_an_html_page_is_mined_as_an_article_with_its_metadata(void **state)
{
    s_web_t *w = s_web(state);
    char *url = s_pod_url(w, "/files/article.html");
    char *id = s_submit_url(w, url);
    json_t *src = s_expect_done(w, id, "article", false);
    assert_non_null(strstr(s_fact(src, "title"), "Why data quality beats quantity"));
    assert_string_equal(s_fact(src, "author"), "Grace Writer");
    assert_true(strncmp(s_fact(src, "published"), "2026-05-01", 10) == 0);
    assert_true(strncmp(s_fact(src, "language"), "en", 2) == 0);
    assert_string_equal(s_fact(src, "url"), "https://blog.example/data-quality");
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
    s_web_t *w = s_web(state);
    char *url = s_pod_url(w, "/files/short.html");
    char *id = s_submit_url(w, url);
    s_expect_dead(w, id, LODE_EEMPTY, "article too short to mine");
    free(id);
    free(url);
    cluster_mark_ok(w->c);
}

static void test_a_missing_page_fails_as_not_found(void **state)
{
    s_web_t *w = s_web(state);
    char *url = s_pod_url(w, "/files/no-such-page.vtt");
    char *id = s_submit_url(w, url);
    s_expect_dead(w, id, LODE_ENOTFOUND, "returned 404");
    free(id);
    free(url);
    cluster_mark_ok(w->c);
}

static void test_empty_bodies_are_never_passed_on(void **state)
{
    s_web_t *w = s_web(state);
    char *urls[2] = {s_pod_url(w, "/files/whitespace.txt"), s_pod_url(w, "/files/header_only.vtt")};
    const char *args[] = {urls[0], urls[1], NULL};
    char *ids[MAX_IDS] = {0};
    assert_int_equal(cluster_submit_argv(w->c, args, ids, MAX_IDS), 2);
    for (int i = 0; i < 2; i++) {
        s_expect_dead(w, ids[i], LODE_EEMPTY, "empty");
        free(ids[i]);
        free(urls[i]);
    }
    cluster_mark_ok(w->c);
}

/* --------------------------------------------------- limits and guard */

static void test_a_binary_body_is_refused_as_unsupported(void **state)
{
    s_web_t *w = s_web(state);
    char *url = s_bad_url(w, "/binary");
    char *id = s_submit_url(w, url);
    s_expect_dead(w, id, LODE_EUNSUPPORTED, "image/png");
    free(id);
    free(url);
    cluster_mark_ok(w->c);
}

static void test_bodies_over_the_limit_are_refused_as_too_big(void **state)
{
    s_web_t *w = s_web(state);
    char *big = s_bad_url(w, "/bigchunked?n=60000000");
    char *bomb = s_bad_url(w, "/gzipbomb");
    const char *args[] = {big, bomb, NULL};
    char *ids[MAX_IDS] = {0};
    assert_int_equal(cluster_submit_argv(w->c, args, ids, MAX_IDS), 2);
    for (int i = 0; i < 2; i++) {
        s_expect_dead(w, ids[i], LODE_ETOOBIG, "");
        free(ids[i]);
    }
    free(big);
    free(bomb);
    cluster_mark_ok(w->c);
}

static void test_a_redirect_to_a_private_address_is_refused_before_connecting(void **state)
{
    s_web_t *w = s_web(state);
    char *url = s_bad_url(w, "/redirect-private");
    int64_t t0 = cluster_now_ms();
    char *id = s_submit_url(w, url);
    s_expect_dead(w, id, LODE_EPRIVATE, "refused to connect to 10.0.0.1");
    /* The guard sits where curl opens the socket: no connect was tried (a
     * connect to 10.0.0.1 would hang until the 10 s connect timeout). */
    assert_true(cluster_now_ms() - t0 < 8000);
    free(id);
    free(url);
    cluster_mark_ok(w->c);
}

static void test_without_allow_net_loopback_addresses_and_names_are_refused(void **state)
{
    s_web_t *w = s_web(state);
    char *urls[3] = {s_bad_url(w, "/ok"),
                     mem_printf("http://localhost:%d/ok", misbehave_port(w->bad)),
                     mem_printf("http://[::1]:%d/ok", misbehave_port(w->bad))};
    const char *args[] = {urls[0], urls[1], urls[2], NULL};
    char *ids[MAX_IDS] = {0};
    assert_int_equal(cluster_submit_argv(w->c, args, ids, MAX_IDS), 3);
    s_expect_dead(w, ids[0], LODE_EPRIVATE, "refused to connect to 127.0.0.1");
    s_expect_dead(w, ids[1], LODE_EPRIVATE, "private or reserved address");
    s_expect_dead(w, ids[2], LODE_EPRIVATE, "refused to connect to ::1");
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
    s_web_t *w = s_web(state);
    char *url = s_yt_url(YTSTAND_OK);
    char *id = s_submit_url(w, url);
    s_expect_dead(w, id, LODE_EPRIVATE, "private or reserved address");
    char *log = ytstand_log(w->yt);
    assert_string_equal(log, "");
    free(log);
    free(id);
    free(url);
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
    s_web_t *w = s_web(state);
    char *url = s_bad_url(w, "/429");
    char *id = s_submit_url(w, url);
    s_expect_delayed(w, id, LODE_EHTTP, "returned 429", 7000);
    long long retry_at = s_field_ll(w, id, "retry_at_ms");
    /* Not hot: the server hears nothing more until Retry-After has passed,
     * then the broker runs it once more (two tries allowed) and it fails
     * for good. */
    assert_true(cluster_wait_for(s_second_request, w->bad, 12000));
    assert_true(s_wall_ms() >= retry_at);
    assert_true(cluster_wait_field(w->c, id, "state", "failed", FAIL_LIMIT_MS));
    assert_int_equal(s_field_ll(w, id, "attempts"), 2);
    assert_int_equal(misbehave_requests(w->bad), 2);
    assert_true(cluster_list_contains(w->c, "lode:dead", id));
    s_assert_error_has(w, id, "returned 429");
    free(id);
    free(url);
    cluster_mark_ok(w->c);
}

static void test_a_rate_limited_youtube_watch_page_honours_its_retry_after(void **state)
{
    s_web_t *w = s_web(state);
    char *url = s_yt_url(YTSTAND_LIMITED);
    char *id = s_submit_url(w, url);
    long long delay = s_expect_delayed(w, id, LODE_EHTTP, "youtube: rate limited", 120000);
    assert_true(delay < 120000 + 2000); /* Retry-After: 120, not the 15 min default */
    free(id);
    free(url);
    cluster_mark_ok(w->c);
}

int main(void)
{
    if (getenv("LODE_TEST_FILTER"))
        cmocka_set_test_filter(getenv("LODE_TEST_FILTER"));
#define T(fn) cmocka_unit_test_setup_teardown(fn, s_setup, s_teardown)
    const struct CMUnitTest youtube[] = {
        T(test_a_youtube_video_is_fetched_with_timed_captions_and_its_metadata),
        T(test_a_youtu_be_link_without_a_scheme_is_submitted_and_fetched),
        T(test_the_eu_consent_wall_is_passed_with_the_consent_cookie),
        T(test_permanent_youtube_failures_are_dead_lettered_with_typed_errors),
        T(test_blocked_youtube_fetches_wait_out_a_cool_down_instead_of_retrying_hot),
        T(test_a_playlist_expands_into_video_jobs_of_the_same_batch),
    };
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
#define T(fn) cmocka_unit_test_setup_teardown(fn, s_own_setup, s_own_teardown)
    const struct CMUnitTest cooled[] = {
        T(test_a_429_with_retry_after_requeues_the_job_after_that_delay),
        T(test_a_rate_limited_youtube_watch_page_honours_its_retry_after),
    };
#undef T
    int failed = cmocka_run_group_tests_name("youtube", youtube, s_group_allowed, s_group_down);
    failed += cmocka_run_group_tests_name("web", web, s_group_allowed, s_group_down);
    failed += cmocka_run_group_tests_name("ssrf guard", guarded, s_group_guarded, s_group_down);
    failed += cmocka_run_group_tests_name("rate limits", cooled, NULL, NULL);
    return cluster_main_result(failed);
}
