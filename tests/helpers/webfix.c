/*  webfix.c - fixtures of the web-source tests (test_web.c,
 *  test_web_pages.c): the stand-in servers (YouTube, a podcast host, a
 *  misbehaving server) over a temp tree of fixture files, a cluster whose
 *  workers fetch from them, cmocka group setups, and the checks of a job's
 *  outcome read back from Redis and `lode export`. Test code: it asserts
 *  with cmocka.
 *  SPDX-License-Identifier: MIT
 */
// clang-format off
#define _GNU_SOURCE /* strcasestr */
#include "test.h"
// clang-format on

#include "webfix.h"

#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cluster.h"
#include "mem.h"
#include "misbehave.h"
#include "podstand.h"
#include "ytstand.h"

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

static void s_web_destroy(webfix_t **self_p)
{
    webfix_t *w = *self_p;
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
static webfix_t *s_web_new(bool allow_net, const char *const *broker_args)
{
    webfix_t *w = mem_calloc(1, sizeof *w);
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
    static const char *const allow[] = {"--allow-net", WEBFIX_ALLOW_NET, NULL};
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

webfix_t *webfix_of(void **state)
{
    return *state;
}

int webfix_group_down(void **state)
{
    webfix_t *w = *state;
    int reports = w && w->c ? cluster_stop(w->c) : 0;
    s_web_destroy(&w);
    return reports ? -1 : 0;
}

int webfix_group_allowed(void **state)
{
    *state = s_web_new(true, NULL);
    return *state ? 0 : -1;
}

int webfix_group_guarded(void **state)
{
    *state = s_web_new(false, NULL);
    return *state ? 0 : -1;
}

int webfix_setup(void **state)
{
    cluster_mark_begin(webfix_of(state)->c);
    return 0;
}

int webfix_teardown(void **state)
{
    cluster_check(webfix_of(state)->c);
    return 0;
}

/* A cluster of its own for a test that cools a host down; the broker gives
 * a fetch two tries. */
int webfix_own_setup(void **state)
{
    static const char *const two[] = {
        "--retry-base-ms", "200", "--retry-max-ms", "1000", "--max-attempts", "fetch=2", NULL};
    *state = s_web_new(true, two);
    if (!*state)
        return -1;
    return webfix_setup(state);
}

int webfix_own_teardown(void **state)
{
    webfix_teardown(state);
    return webfix_group_down(state);
}

/* -------------------------------------------------------------- helpers */

char *webfix_pod_url(webfix_t *w, const char *path)
{
    return mem_printf("%s%s", podstand_url(w->pod), path);
}

char *webfix_bad_url(webfix_t *w, const char *path)
{
    return mem_printf("http://127.0.0.1:%d%s", misbehave_port(w->bad), path);
}

char *webfix_yt_url(const char *id)
{
    return mem_printf("https://www.youtube.com/watch?v=%s", id);
}

/* Submit one argument list; exactly one job id (caller frees). */
char *webfix_submit(webfix_t *w, const char *const *args)
{
    char *ids[WEBFIX_MAX_IDS] = {0};
    int n = cluster_submit_argv(w->c, args, ids, WEBFIX_MAX_IDS);
    assert_int_equal(n, 1);
    return ids[0];
}

char *webfix_submit_url(webfix_t *w, const char *url)
{
    const char *args[] = {url, NULL};
    return webfix_submit(w, args);
}

long long webfix_field_ll(webfix_t *w, const char *id, const char *field)
{
    char *v = cluster_job_field(w->c, id, field);
    long long n = v ? atoll(v) : -1;
    free(v);
    return n;
}

void webfix_assert_field(webfix_t *w, const char *id, const char *field, const char *want)
{
    char *v = cluster_job_field(w->c, id, field);
    if (!v || strcmp(v, want) != 0)
        fprintf(stderr, "job %s: %s is \"%s\", want \"%s\"\n", id, field, v ? v : "(nil)", want);
    assert_non_null(v);
    assert_string_equal(v, want);
    free(v);
}

/* The job's error contains needle (case-insensitively). */
void webfix_assert_error_has(webfix_t *w, const char *id, const char *needle)
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
json_t *webfix_expect_done(webfix_t *w, const char *id, const char *kind, bool timed)
{
    char *st = cluster_wait_job(w->c, id, WEBFIX_JOB_LIMIT_MS);
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
const char *webfix_fact(json_t *src, const char *key)
{
    const char *v = json_string_value(json_object_get(src, key));
    return v ? v : "";
}

/* The fetch failed permanently: state failed at fetch, typed code, the
 * message has needle, dead-lettered after one try, nothing stored. */
void webfix_expect_dead(webfix_t *w, const char *id, int code, const char *needle)
{
    char *st = cluster_wait_job(w->c, id, WEBFIX_FAIL_LIMIT_MS);
    assert_non_null(st);
    assert_string_equal(st, "failed");
    free(st);
    webfix_assert_field(w, id, "error_stage", "fetch");
    webfix_assert_field(w, id, "error_code", err_name(code));
    assert_false(err_retryable((err_code_t)code));
    assert_int_equal(webfix_field_ll(w, id, "attempts"), 1);
    webfix_assert_error_has(w, id, needle);
    assert_true(cluster_list_contains(w->c, "lode:dead", id));
    assert_int_equal(cluster_redis_int(w->c, "EXISTS lode:job:%s:transcript", id), 0);
}

/* Failed at least once and waiting in the queue or its back-off. */
static bool s_requeued(void *arg)
{
    webfix_job_ref_t *r = arg;
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
long long webfix_expect_delayed(
    webfix_t *w, const char *id, int code, const char *needle, long long min_delay_ms)
{
    webfix_job_ref_t ref = {w, id};
    assert_true(cluster_wait_for(s_requeued, &ref, WEBFIX_FAIL_LIMIT_MS));
    webfix_assert_field(w, id, "error_code", err_name(code));
    assert_true(err_retryable((err_code_t)code));
    webfix_assert_error_has(w, id, needle);
    webfix_assert_field(w, id, "error_stage", "fetch");
    assert_false(cluster_list_contains(w->c, "lode:dead", id));
    long long at = webfix_field_ll(w, id, "retry_at_ms");
    long long failed_at = webfix_field_ll(w, id, "updated_ms");
    char *score = cluster_redis_str(w->c, "ZSCORE lode:delayed %s", id);
    assert_non_null(score);
    assert_int_equal(atoll(score), at);
    free(score);
    long long delay = at - failed_at;
    if (delay < min_delay_ms)
        fprintf(stderr, "job %s: retry after %lld ms, want >= %lld\n", id, delay, min_delay_ms);
    assert_true(delay >= min_delay_ms);
    assert_int_equal(webfix_field_ll(w, id, "attempts"), 1);
    char *retried = cluster_redis_str(w->c, "HGET lode:stats retried");
    assert_true(retried && atoll(retried) >= 1);
    free(retried);
    return delay;
}
