/*  test_webdrv.c - the generic web driver: content type and suffix decide
 *  subtitles, text, Markdown or RSS (handed to the podcast driver); HTML,
 *  Atom and other types are refused; HTTP statuses are classified.
 *  SPDX-License-Identifier: MIT
 */
#include "srcdrv_impl.h"
#include "test.h"

#define S_BASE "http://web.test"

static const char s_vtt[] = "WEBVTT\nLanguage: en\n\n00:00:01.000 --> 00:00:04.500\n"
                            "Data is the main way models get better.\n\n"
                            "00:00:04.500 --> 00:00:09.000\nRL is synthetic data generation.\n";
static const char s_srt[] = "1\n00:00:01,000 --> 00:00:04,500\nData first.\n\n"
                            "2\n00:00:04,500 --> 00:01:02,000\nThen compute.\n";
static const char s_md[] =
    "---\ntitle: Notes on data\nauthor: Ada Host\ndate: 2026-05-04\n---\n"
    "# Notes on data\n\nThe main way that AIs get better is **more data**.\n";
static const char s_feed[] =
    "<?xml version=\"1.0\"?>\n<rss version=\"2.0\" "
    "xmlns:podcast=\"https://podcastindex.org/namespace/1.0\"><channel><title>Show</title>"
    "<item><title>Ep 1</title><link>" S_BASE "/ep1</link><guid>g1</guid>"
    "<podcast:transcript url=\"t/ep1.vtt\" type=\"text/vtt\"/></item></channel></rss>";

typedef struct {
    const char *url;
    int status;
    const char *type;
    const char *body;
    int err_code;
    int64_t retry_after_ms;
} s_route_t;

typedef struct {
    srcdrv_step_t step;
    err_t err;
    transcript_t *t;
    source_meta_t meta;
    size_t n_req;
    char *first_url; /* the first request's URL */
    bool first_binary;
    int64_t retry_after_ms;
} s_outcome_t;

static void s_outcome_free(s_outcome_t *o)
{
    transcript_destroy(&o->t);
    source_meta_clear(&o->meta);
    free(o->first_url);
}

static void s_answer(const s_route_t *routes, const char *url, http_resp_t *resp)
{
    memset(resp, 0, sizeof *resp);
    resp->url = resp->final_url = url;
    resp->retry_after_ms = -1;
    resp->status = 404;
    resp->content_type = "text/plain";
    resp->body = "";
    for (const s_route_t *r = routes; r->url; r++) {
        if (strcmp(r->url, url) != 0)
            continue;
        resp->err.code = r->err_code;
        snprintf(resp->err.msg, sizeof resp->err.msg, "%s", r->err_code ? "connect failed" : "");
        resp->status = r->err_code ? 0 : (r->status ? r->status : 200);
        resp->content_type = r->type ? r->type : "";
        resp->body = r->body ? r->body : "";
        resp->body_len = strlen(resp->body);
        resp->retry_after_ms = r->retry_after_ms ? r->retry_after_ms : -1;
    }
}

static s_outcome_t s_web(const char *url, const s_route_t *routes)
{
    s_outcome_t o = {0};
    void *st = webdrv_state_new(url, NULL, &o.err);
    assert_non_null(st);
    http_req_t req;
    http_resp_t resp;
    o.step = webdrv_ops.step(st, NULL, &req, &o.err);
    o.first_url = strdup(req.url);
    o.first_binary = req.allow_binary;
    while (o.step == SRCDRV_REQUEST && o.n_req++ < 8) {
        s_answer(routes, req.url, &resp);
        o.step = webdrv_ops.step(st, &resp, &req, &o.err);
    }
    o.retry_after_ms = webdrv_ops.retry_after_ms(st);
    if (o.step == SRCDRV_DONE)
        assert_int_equal(webdrv_ops.result(st, &o.t, &o.meta, &o.err), 0);
    webdrv_ops.destroy(st);
    return o;
}

/* One URL answering type and body. */
static s_outcome_t s_web1(const char *url, const char *type, const char *body)
{
    s_route_t routes[] = {{url, 200, type, body, 0, 0}, {NULL, 0, NULL, NULL, 0, 0}};
    return s_web(url, routes);
}

static void test_webdrv_vtt_url_gives_timed_subtitles_with_metadata(void **state)
{
    (void)state;
    s_outcome_t o = s_web1(S_BASE "/talks/data-talk.vtt", "text/vtt", s_vtt);
    assert_int_equal(o.step, SRCDRV_DONE);
    assert_string_equal(o.first_url, S_BASE "/talks/data-talk.vtt");
    assert_true(o.first_binary); /* subtitles often come as octet-stream */
    assert_string_equal(o.meta.kind, "subtitles");
    assert_string_equal(o.meta.format, "vtt");
    assert_string_equal(o.meta.title, "data-talk");
    assert_string_equal(o.meta.language, "en");
    assert_string_equal(o.meta.url, S_BASE "/talks/data-talk.vtt");
    assert_string_equal(o.meta.site, "web.test");
    assert_int_equal(o.meta.runtime_ms, 9000);
    assert_true(o.t->timed);
    assert_int_equal(o.t->n_segs, 2);
    assert_string_equal(o.t->text,
                        "Data is the main way models get better. RL is synthetic data generation.");
    s_outcome_free(&o);
}

static void test_webdrv_decides_by_content_type_then_suffix_then_body(void **state)
{
    (void)state;

    static const struct {
        const char *url, *type, *body, *kind, *format;
    } cases[] = {
        {S_BASE "/a.srt", "application/octet-stream", s_srt, "subtitles", "srt"},
        {S_BASE "/a", "application/x-subrip", s_srt, "subtitles", "srt"},
        {S_BASE "/a", "text/srt", s_srt, "subtitles", "srt"},
        {S_BASE "/a.vtt?sig=1", "", s_vtt, "subtitles", "vtt"},
        {S_BASE "/a", "text/vtt", s_vtt, "subtitles", "vtt"},
        {S_BASE "/notes", "text/markdown", s_md, "text", "markdown"},
        {S_BASE "/notes.md", "text/plain", s_md, "text", "markdown"},
        {S_BASE "/notes.txt", "text/plain", "Just words.\n\nMore words.", "text", "text"},
        {S_BASE "/raw", "text/plain", s_vtt, "subtitles", "vtt"}, /* sniffed */
        {S_BASE "/raw", "text/plain", s_srt, "subtitles", "srt"},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        s_outcome_t o = s_web1(cases[i].url, cases[i].type, cases[i].body);
        if (o.step != SRCDRV_DONE)
            fail_msg("case %zu: %s", i, o.err.msg);
        assert_string_equal(o.meta.kind, cases[i].kind);
        assert_string_equal(o.meta.format, cases[i].format);
        s_outcome_free(&o);
    }
}

static void test_webdrv_markdown_front_matter_fills_metadata(void **state)
{
    (void)state;
    s_outcome_t o = s_web1(S_BASE "/notes.md", "text/markdown", s_md);
    assert_int_equal(o.step, SRCDRV_DONE);
    assert_string_equal(o.meta.title, "Notes on data");
    assert_string_equal(o.meta.author, "Ada Host");
    assert_string_equal(o.meta.published, "2026-05-04");
    assert_int_equal(o.meta.runtime_ms, -1);
    assert_false(o.t->timed);
    s_outcome_free(&o);
}

static void test_webdrv_rss_answer_continues_in_the_podcast_driver(void **state)
{
    (void)state;
    static const char *const types[] = {"application/rss+xml", "application/xml", "text/xml",
                                        "text/plain", ""};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        s_route_t routes[] = {{S_BASE "/show?format=rss", 200, types[i], s_feed, 0, 0},
                              {S_BASE "/t/ep1.vtt", 200, "text/vtt", s_vtt, 0, 0},
                              {NULL, 0, NULL, NULL, 0, 0}};
        s_outcome_t o = s_web(S_BASE "/show?format=rss#episode=g1", routes);
        if (o.step != SRCDRV_DONE)
            fail_msg("type '%s': %s", types[i], o.err.msg);
        assert_string_equal(o.first_url, S_BASE "/show?format=rss");
        assert_int_equal(o.n_req, 2);
        assert_string_equal(o.meta.kind, "podcast");
        assert_string_equal(o.meta.title, "Ep 1");
        assert_string_equal(o.meta.site, "Show");
        assert_string_equal(o.meta.url, S_BASE "/ep1");
        s_outcome_free(&o);
    }
    /* The podcast driver's failures come through, retry hints included. */
    s_route_t routes[] = {{S_BASE "/show", 200, "application/rss+xml", s_feed, 0, 0},
                          {S_BASE "/t/ep1.vtt", 503, "text/plain", "busy", 0, 5000},
                          {NULL, 0, NULL, NULL, 0, 0}};
    s_outcome_t o = s_web(S_BASE "/show", routes);
    assert_int_equal(o.step, SRCDRV_FAIL);
    assert_int_equal(o.err.code, LODE_EHTTP);
    assert_int_equal(o.retry_after_ms, 5000);
    s_outcome_free(&o);
}

static void test_webdrv_reads_an_html_page_as_an_article(void **state)
{
    (void)state;
    size_t len = 0;
    char *html = NULL;
    FILE *f = fopen("tests/fixtures/article/news.html", "rb");
    assert_non_null(f);
    html = malloc(1 << 20);
    len = fread(html, 1, (1 << 20) - 1, f);
    html[len] = '\0';
    fclose(f);
    s_outcome_t o = s_web1(S_BASE "/story", "text/html", html);
    assert_int_equal(o.step, SRCDRV_DONE);
    assert_non_null(o.t);
    assert_false(o.t->timed);
    assert_true(o.t->n_segs >= 3);
    assert_string_equal(o.meta.kind, "article");
    assert_non_null(o.meta.title);
    assert_non_null(o.meta.url);
    /* Boilerplate stayed out of the transcript. */
    assert_null(strstr(o.t->text, "cookie"));
    s_outcome_free(&o);
    free(html);
}

static void test_webdrv_refuses_an_html_page_with_too_little_text(void **state)
{
    (void)state;
    s_outcome_t o = s_web1(S_BASE "/x", "text/html",
                           "<html><body><nav><a href=/>Home</a></nav><p>Subscribe to read.</p>"
                           "</body></html>");
    assert_int_equal(o.step, SRCDRV_FAIL);
    assert_int_equal(o.err.code, LODE_EEMPTY);
    assert_non_null(strstr(o.err.msg, "article too short to mine"));
    assert_non_null(strstr(o.err.msg, "characters of main text"));
    assert_false(err_retryable(o.err.code));
    s_outcome_free(&o);
}

static void test_webdrv_refuses_html_atom_xml_and_other_types(void **state)
{
    (void)state;

    static const struct {
        const char *type, *body, *msg;
    } cases[] = {
        {"application/atom+xml", "<feed/>",
         S_BASE "/x is an Atom feed: only RSS podcast feeds are supported"},
        {"application/xml", "<urlset/>",
         S_BASE "/x is an XML document (application/xml), not an RSS feed"},
        {"image/png", "\x89PNG", S_BASE "/x has an unsupported content type (image/png)"},
        {"application/json", "{}", S_BASE "/x has an unsupported content type (application/json)"},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        s_outcome_t o = s_web1(S_BASE "/x", cases[i].type, cases[i].body);
        assert_int_equal(o.step, SRCDRV_FAIL);
        assert_int_equal(o.err.code, LODE_EUNSUPPORTED);
        assert_string_equal(o.err.msg, cases[i].msg);
        assert_false(err_retryable(o.err.code));
        s_outcome_free(&o);
    }
}

static void test_webdrv_http_statuses_are_classified(void **state)
{
    (void)state;

    static const struct {
        int status, err_code, want;
        int64_t retry_after_ms;
    } cases[] = {
        {404, 0, LODE_ENOTFOUND, -1},    {410, 0, LODE_ENOTFOUND, -1},
        {429, 0, LODE_EHTTP, 60000},     {500, 0, LODE_EHTTP, -1},
        {502, 0, LODE_EHTTP, -1},        {503, 0, LODE_EHTTP, 1000},
        {401, 0, LODE_EUNSUPPORTED, -1}, {403, 0, LODE_EUNSUPPORTED, -1},
        {0, LODE_EHTTP, LODE_EHTTP, -1}, {0, LODE_ETIMEDOUT, LODE_ETIMEDOUT, -1},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        s_route_t routes[] = {{S_BASE "/x.txt", cases[i].status, "text/plain", "x",
                               cases[i].err_code, cases[i].retry_after_ms},
                              {NULL, 0, NULL, NULL, 0, 0}};
        s_outcome_t o = s_web(S_BASE "/x.txt", routes);
        assert_int_equal(o.step, SRCDRV_FAIL);
        assert_int_equal(o.err.code, cases[i].want);
        assert_int_equal(o.retry_after_ms, cases[i].retry_after_ms);
        s_outcome_free(&o);
    }
    s_outcome_t o = s_web(S_BASE "/gone", (s_route_t[]){{NULL, 0, NULL, NULL, 0, 0}});
    assert_string_equal(o.err.msg, "page " S_BASE "/gone returned 404");
    s_outcome_free(&o);
    http_resp_t r = {.status = 403, .url = S_BASE "/x"};
    err_t err = {0};
    assert_int_equal(srcdrv_check_resp(&r, "feed", NULL, &err), -1);
    assert_string_equal(err.msg, "feed " S_BASE "/x returned 403 (access denied)");
    r.status = 204;
    assert_int_equal(srcdrv_check_resp(&r, "feed", NULL, &err), 0);
}

static void test_webdrv_empty_or_blank_body_is_empty(void **state)
{
    (void)state;
    static const char *const bodies[][2] = {{"text/plain", ""},
                                            {"text/plain", " \n\t\n"},
                                            {"text/vtt", "WEBVTT\n\n"},
                                            {"text/markdown", "<!-- nothing -->\n"}};
    for (size_t i = 0; i < 4; i++) {
        s_outcome_t o = s_web1(S_BASE "/e", bodies[i][0], bodies[i][1]);
        assert_int_equal(o.step, SRCDRV_FAIL);
        if (o.err.code != LODE_EEMPTY)
            fail_msg("case %zu: %s", i, o.err.msg);
        assert_null(o.t);
        s_outcome_free(&o);
    }
}

static void test_webdrv_misuse_is_an_error(void **state)
{
    (void)state;
    err_t err = {0};
    void *st = webdrv_state_new(S_BASE "/a.txt", NULL, &err);
    transcript_t *t = NULL;
    source_meta_t meta = {0};
    assert_int_equal(webdrv_ops.result(st, &t, &meta, &err), -1);
    assert_int_equal(err.code, LODE_ESTATE);
    http_req_t req;
    err_clear(&err);
    assert_int_equal(webdrv_ops.step(st, NULL, &req, &err), SRCDRV_REQUEST);
    assert_int_equal(webdrv_ops.step(st, NULL, &req, &err), SRCDRV_FAIL);
    assert_int_equal(err.code, LODE_ESTATE);
    webdrv_ops.destroy(st);
    err_clear(&err);
    assert_null(webdrv_state_new("file:///etc/passwd", NULL, &err));
    assert_int_equal(err.code, LODE_EUNSUPPORTED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_webdrv_vtt_url_gives_timed_subtitles_with_metadata),
        cmocka_unit_test(test_webdrv_decides_by_content_type_then_suffix_then_body),
        cmocka_unit_test(test_webdrv_markdown_front_matter_fills_metadata),
        cmocka_unit_test(test_webdrv_rss_answer_continues_in_the_podcast_driver),
        cmocka_unit_test(test_webdrv_reads_an_html_page_as_an_article),
        cmocka_unit_test(test_webdrv_refuses_an_html_page_with_too_little_text),
        cmocka_unit_test(test_webdrv_refuses_html_atom_xml_and_other_types),
        cmocka_unit_test(test_webdrv_http_statuses_are_classified),
        cmocka_unit_test(test_webdrv_empty_or_blank_body_is_empty),
        cmocka_unit_test(test_webdrv_misuse_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
