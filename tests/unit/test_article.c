/*  test_article.c - main-text extraction and metadata on hand-made pages,
 *  and the robustness cases: empty, deeply nested, huge, broken input.
 *  SPDX-License-Identifier: MIT
 */
#include <time.h>

#include "article.h"
#include "htmlmeta.h"
#include "test.h"
#include "utf8.h"

/* ---------------------------------------------------------------- helpers */

/* Read tests/fixtures/article/<name>, found next to this file. */
static char *s_fixture(const char *name, size_t *len)
{
    char path[1024];
    const char *slash = strrchr(__FILE__, '/');
    int dir_len = slash ? (int)(slash - __FILE__) : 1;
    snprintf(path, sizeof path, "%.*s/../fixtures/article/%s", dir_len, slash ? __FILE__ : ".",
             name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open fixture %s", path);
    char *data = malloc(1 << 20);
    *len = fread(data, 1, 1 << 20, f);
    fclose(f);
    return data;
}

static void s_extract_fixture(const char *name, const char *url, article_t *a)
{
    size_t len;
    char *html = s_fixture(name, &len);
    err_t err = {0};
    assert_int_equal(article_extract(html, len, url, a, &err), 0);
    free(html);
}

/* Index of the first block containing needle, -1 if none. */
static int s_find(const article_t *a, const char *needle)
{
    for (size_t i = 0; i < a->n_blocks; i++) {
        if (strstr(a->blocks[i], needle))
            return (int)i;
    }
    return -1;
}

static double s_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------- happy path */

static void test_article_keeps_the_story_and_drops_the_page_furniture(void **state)
{
    (void)state;
    article_t a;
    s_extract_fixture("news.html", "https://gazette.example/science/x?y=1", &a);
    assert_string_equal(a.how, "dom");
    int first = s_find(&a, "first commercial tidal array");
    int heading = s_find(&a, "Predictable, unlike the wind");
    int item = s_find(&a, "less than two percent");
    int quote = s_find(&a, "We always knew the physics worked");
    int code = s_find(&a, "pitch[i] = forecast(t + i);");
    int last = s_find(&a, "largest array of its kind");
    assert_int_equal(first, 0);
    assert_true(first < heading && heading < item && item < quote && quote < code && code < last);
    assert_string_equal(a.blocks[heading], "Predictable, unlike the wind");
    assert_non_null(strstr(a.blocks[code], "i < n; i++)\n    pitch")); /* <pre> layout kept */
    const char *dropped[] = {"cookies",       "Home",           "Share on",    "Related stories",
                             "Wind farm",     "fantastic news", "42 comments", "Most read",
                             "Council votes", "Advertisement",  "Copyright",   "By Ada Lovelace",
                             "not text"};
    for (size_t i = 0; i < sizeof dropped / sizeof dropped[0]; i++) {
        if (s_find(&a, dropped[i]) >= 0)
            fail_msg("boilerplate kept: %s", dropped[i]);
    }
    assert_int_equal(s_find(&a, "Tidal power comes of age"), -1); /* headline is the title */
    char *text = article_text(&a);
    assert_int_equal(strlen(text), a.text_len);
    assert_true(utf8_valid(text, strlen(text)));
    free(text);
    article_clear(&a);
}

static void test_article_reads_metadata_from_meta_tags_first(void **state)
{
    (void)state;
    article_t a;
    s_extract_fixture("news.html", "https://gazette.example/science/x?y=1", &a);
    assert_string_equal(a.title, "Tidal power comes of age");
    assert_string_equal(a.author, "Ada Lovelace");
    assert_string_equal(a.published, "2024-03-05T08:30:00Z"); /* +01:00 made UTC */
    assert_string_equal(a.site, "The Harbour Gazette");
    assert_string_equal(a.language, "en-GB");
    assert_string_equal(a.canonical, "https://gazette.example/science/tidal-power");
    article_clear(&a);
}

static void test_article_metadata_precedence_is_meta_then_jsonld_then_document(void **state)
{
    (void)state;
    article_t a;
    s_extract_fixture("meta.html", NULL, &a);
    assert_string_equal(a.title, "Twitter title");            /* <meta> beats JSON-LD */
    assert_string_equal(a.author, "Dublin Core Author");      /* DC is a <meta> */
    assert_string_equal(a.published, "2024-01-01T03:15:00Z"); /* JSON-LD, offset applied */
    assert_string_equal(a.site, "Le Journal");                /* JSON-LD publisher */
    assert_string_equal(a.language, "fr-CA");                 /* document: <html lang> */
    assert_string_equal(a.canonical, "https://example.org/jsonld-url");
    article_clear(&a);
}

static void test_article_uses_jsonld_article_body_when_the_markup_is_empty(void **state)
{
    (void)state;
    article_t a;
    s_extract_fixture("jsonld.html", NULL, &a);
    assert_string_equal(a.how, "jsonld");
    assert_int_equal(a.n_blocks, 3);
    assert_string_equal(a.blocks[0], "The whole post lives in structured data because the page "
                                     "renders it with JavaScript.");
    assert_string_equal(a.title, "Rendered by script");
    article_clear(&a);
}

static void test_htmlmeta_normalises_dates_to_iso_8601(void **state)
{
    (void)state;

    static const struct {
        const char *in, *out;
    } cases[] = {
        {"2019-11-19T10:20:30Z", "2019-11-19T10:20:30Z"},
        {"2019-11-19T10:20:30.123-05:00", "2019-11-19T15:20:30Z"},
        {"2019-11-19 23:30:00+0130", "2019-11-19T22:00:00Z"},
        {"2019-11-19", "2019-11-19"},
        {"2019/1/9", "2019-01-09"},
        {"Tue, 19 Nov 2019 10:20:30 GMT", "2019-11-19T10:20:30Z"},
        {"November 19, 2019", "2019-11-19"},
        {"Nov. 19, 2019 5:30 pm EST", "2019-11-19T22:30:00Z"},
        {"19th November 2019", "2019-11-19"},
        {"1574158830", "2019-11-19T10:20:30Z"},
        {"2020-12-31T23:59:59-01:00", "2021-01-01T00:59:59Z"},
    };

    char out[32];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (!htmlmeta_date_iso(cases[i].in, out))
            fail_msg("not read as a date: %s", cases[i].in);
        assert_string_equal(out, cases[i].out);
    }
    assert_false(htmlmeta_date_iso("yesterday", out));
    assert_false(htmlmeta_date_iso("2019-02-30", out));
    assert_false(htmlmeta_date_iso("", out));
    assert_false(htmlmeta_date_iso(NULL, out));
}

static void test_htmlmeta_ignores_broken_jsonld_and_first_meta_wins(void **state)
{
    (void)state;
    htmlmeta_t *m = htmlmeta_new();
    htmlmeta_add_jsonld(m, "{\"@type\": \"Article\", \"headline\": ", 33);
    htmlmeta_add_jsonld(m, "{\"@type\":\"Article\",\"headline\":\"line\nbreak\"}", 43);
    htmlmeta_add_meta(m, "OG:Title", "  first \n title ");
    htmlmeta_add_meta(m, "og:title", "second");
    htmlmeta_add_meta(m, "article:author", "https://facebook.com/someone");
    char *title = htmlmeta_get(m, HTMLMETA_TITLE);
    assert_string_equal(title, "first title");
    free(title);
    assert_null(htmlmeta_get(m, HTMLMETA_AUTHOR)); /* a profile URL is not a name */
    htmlmeta_destroy(&m);
    assert_null(m);
    htmlmeta_destroy(&m);
}

/* ----------------------------------------------------------- robustness */

static void test_article_zero_bytes_give_an_empty_result(void **state)
{
    (void)state;
    article_t a;
    err_t err = {0};
    assert_int_equal(article_extract("", 0, NULL, &a, &err), 0);
    assert_int_equal(a.n_blocks, 0);
    assert_null(a.title);
    assert_string_equal(a.how, "none");
    char *text = article_text(&a);
    assert_string_equal(text, "");
    free(text);
    article_clear(&a);
    article_clear(&a); /* twice is safe */
    assert_int_equal(article_extract(NULL, 0, NULL, &a, &err), 0);
    article_clear(&a);
}

static void test_article_refuses_null_output_and_oversized_pages(void **state)
{
    (void)state;
    err_t err = {0};
    assert_int_equal(article_extract("<p>x</p>", 8, NULL, NULL, &err), -1);
    assert_int_equal(err.code, LODE_EINVAL);
    err_clear(&err);
    article_t a;
    assert_int_equal(article_extract(NULL, 5, NULL, &a, &err), -1);
    assert_int_equal(err.code, LODE_EINVAL);
    err_clear(&err);
    /* The size check comes before any read, so a short buffer is fine. */
    assert_int_equal(article_extract("x", ARTICLE_MAX_BYTES + 1, NULL, &a, &err), -1);
    assert_int_equal(err.code, LODE_ETOOBIG);
    assert_int_equal(a.n_blocks, 0);
    article_clear(&a);
}

static char *s_repeat(const char *head, const char *unit, size_t n, const char *tail, size_t *len)
{
    size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
    char *s = malloc(hl + ul * n + tl + 1);
    memcpy(s, head, hl);
    for (size_t i = 0; i < n; i++)
        memcpy(s + hl + i * ul, unit, ul);
    memcpy(s + hl + n * ul, tail, tl + 1);
    *len = hl + ul * n + tl;
    return s;
}

static void test_article_survives_100k_levels_of_nesting(void **state)
{
    (void)state;
    size_t len;
    char *html = s_repeat("<html><body>", "<div>", 100000,
                          "<p>Deep down there is still a paragraph, with enough words in it to "
                          "count as the text of this page.</p></body></html>",
                          &len);
    article_t a;
    err_t err = {0};
    double t0 = s_seconds();
    assert_int_equal(article_extract(html, len, NULL, &a, &err), 0);
    assert_true(s_seconds() - t0 < 10.0);
    assert_true(s_find(&a, "Deep down there is still a paragraph") >= 0);
    free(html);
    article_clear(&a);
    html = s_repeat("<html><body>", "<b><i>", 50000, "x</body></html>", &len);
    assert_int_equal(article_extract(html, len, NULL, &a, &err), 0);
    free(html);
    article_clear(&a);
}

static void test_article_skips_a_script_holding_megabytes(void **state)
{
    (void)state;
    size_t len;
    char *html = s_repeat("<html><head><script>var x = \"", "<p>junk, junk, junk</p>", 300000,
                          "\";</script></head><body><article><p>The only real paragraph "
                          "of this page, which is long enough to be an article body on its own "
                          "and has a comma, too.</p></article></body></html>",
                          &len);
    assert_true(len > 6 << 20);
    article_t a;
    err_t err = {0};
    assert_int_equal(article_extract(html, len, NULL, &a, &err), 0);
    assert_true(a.n_blocks >= 1);
    assert_int_equal(s_find(&a, "junk"), -1);
    assert_true(s_find(&a, "The only real paragraph") >= 0);
    free(html);
    article_clear(&a);
}

static void test_article_repairs_invalid_utf8_and_nul_bytes(void **state)
{
    (void)state;
    static const char html[] = "<html><body><article><p>Caf\xe9 cr\xc3\xa8me \xff\xfe and a NUL "
                               "\0 byte, in a paragraph long enough to be kept as the "
                               "article text.</p></article></body></html>";
    article_t a;
    err_t err = {0};
    assert_int_equal(article_extract(html, sizeof html - 1, NULL, &a, &err), 0);
    assert_int_equal(a.n_blocks, 1);
    assert_true(utf8_valid(a.blocks[0], strlen(a.blocks[0])));
    assert_non_null(strstr(a.blocks[0], "cr\xc3\xa8me")); /* valid text untouched */
    assert_non_null(strstr(a.blocks[0], "Caf\xef\xbf\xbd"));
    assert_non_null(strstr(a.blocks[0], "byte, in a paragraph")); /* text after the NUL */
    article_clear(&a);
}

static void test_article_handles_garbage_without_markup(void **state)
{
    (void)state;
    char junk[4096];
    unsigned x = 12345;
    for (size_t i = 0; i < sizeof junk; i++) {
        x = x * 1103515245u + 12345u;
        junk[i] = (char)(x >> 16);
    }
    article_t a;
    err_t err = {0};
    assert_int_equal(article_extract(junk, sizeof junk, NULL, &a, &err), 0);
    for (size_t i = 0; i < a.n_blocks; i++)
        assert_true(utf8_valid(a.blocks[i], strlen(a.blocks[i])));
    article_clear(&a);
}

/* -------------------------------------------- #17: wider web, charsets */

static void s_extract_str(const char *html, size_t len, article_t *a)
{
    err_t err = {0};
    assert_int_equal(article_extract(html, len, NULL, a, &err), 0);
}

/* A paragraph long enough to score, with its own marker word. */
#define S_PARA(w)                                                                                  \
    "<p>" w " opens a paragraph that runs on, with commas, clauses and enough words, so that "     \
    "it reads as the running text of a story rather than a caption or a menu entry.</p>"

static void test_article_keeps_lists_tables_and_definitions_inside_the_text(void **state)
{
    (void)state;
    static const char html[] =
        "<html><body><nav><ul><li><a href=/>Home</a></li><li><a href=/n>News</a></li></ul></nav>"
        "<article><h1>Lemon cake</h1>" S_PARA(
            "Alpha") "<ul><li>200 g flour</li>"
                     "<li>3 eggs</li><li>1 lemon, zest and juice</li></ul>" S_PARA(
                         "Beta") "<table><tr><td>Baking time</td><td>40 minutes</td></tr></table>"
                                 "<dl><dt>Oven</dt><dd>180 degrees, fan</dd></dl>" S_PARA(
                                     "Gamma") "</article></body></html>";
    article_t a;
    s_extract_str(html, sizeof html - 1, &a);
    const char *kept[] = {"Alpha",      "200 g flour", "3 eggs", "Beta",
                          "40 minutes", "180 degrees", "Gamma"};
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) {
        if (s_find(&a, kept[i]) < 0)
            fail_msg("main-content item lost: %s", kept[i]);
    }
    assert_true(s_find(&a, "Alpha") < s_find(&a, "3 eggs"));
    assert_int_equal(s_find(&a, "Home"), -1);
    article_clear(&a);
}

static void test_article_reads_cjk_text_without_spaces_and_drops_ruby_readings(void **state)
{
    (void)state;
    /* Japanese: no spaces, no ASCII commas; <rt> holds the readings. */
    static const char html[] =
        "<html><head><meta charset=utf-8></head><body><div class=menu><a href=/>"
        "\xe3\x83\x9b\xe3\x83\xbc\xe3\x83\xa0</a></div><div class=story>"
        "<p><ruby>\xe5\xad\x90<rt>\xe3\x81\x93</rt></ruby>\xe3\x81\xa9\xe3\x82\x82\xe3\x81\xae"
        "\xe6\x95\x99\xe8\x82\xb2\xe3\x81\xab\xe3\x81\xa4\xe3\x81\x84\xe3\x81\xa6\xe3\x80\x81"
        "\xe6\x96\xb0\xe3\x81\x97\xe3\x81\x84\xe6\xb3\x95\xe5\xbe\x8b\xe3\x81\x8c\xe3\x81\xa7"
        "\xe3\x81\x8d\xe3\x81\xbe\xe3\x81\x97\xe3\x81\x9f\xe3\x80\x82\xe8\xa6\xaa\xe3\x81\xaf"
        "\xe5\xad\x90\xe3\x81\xa9\xe3\x82\x82\xe3\x82\x92\xe5\xa4\xa7\xe5\x88\x87\xe3\x81\xab"
        "\xe8\x82\xb2\xe3\x81\xa6\xe3\x81\xbe\xe3\x81\x99\xe3\x80\x82</p>"
        "<p>\xe6\xb3\x95\xe5\xbe\x8b\xe3\x81\xaf\xe6\x9d\xa5\xe5\xb9\xb4\xe3\x81\x8b\xe3\x82"
        "\x89\xe5\xa7\x8b\xe3\x81\xbe\xe3\x82\x8a\xe3\x81\xbe\xe3\x81\x99\xe3\x80\x82\xe5\xb0"
        "\x82\xe9\x96\x80\xe5\xae\xb6\xe3\x81\x8c\xe8\xa6\xaa\xe3\x82\x92\xe5\x8a\xa9\xe3\x81"
        "\x91\xe3\x81\xbe\xe3\x81\x99\xe3\x80\x82</p></div></body></html>";
    article_t a;
    s_extract_str(html, sizeof html - 1, &a);
    /* 子どもの教育 with the reading こ dropped from inside the word */
    assert_true(s_find(&a, "\xe5\xad\x90\xe3\x81\xa9\xe3\x82\x82\xe3\x81\xae") >= 0);
    assert_true(s_find(&a, "\xe5\xb0\x82\xe9\x96\x80\xe5\xae\xb6") >= 0);     /* 専門家 */
    assert_int_equal(s_find(&a, "\xe3\x83\x9b\xe3\x83\xbc\xe3\x83\xa0"), -1); /* ホーム */
    article_clear(&a);
}

/* The one block holding needle, which must be there. */
static const char *s_block_with(const article_t *a, const char *needle)
{
    int i = s_find(a, needle);
    if (i < 0)
        fail_msg("no block with %s", needle);
    return a->blocks[i];
}

static void test_article_decodes_every_charset_declaration(void **state)
{
    (void)state;
    static const char latin1_meta[] =
        "<html><head><meta http-equiv=Content-Type content='text/html; charset=iso-8859-1'>"
        "</head><body><p>Caf\xe9 cr\xe8me: a Latin-1 page that says so in its head, with a "
        "paragraph long enough to be the article text of this page.</p></body></html>";
    static const char cp1252_bare[] =
        "<html><body><p>Stra\xdf"
        "e \x93quoted\x94 \x80 5: a page with no label at all in "
        "windows-1252 bytes, with a paragraph long enough to be its text.</p></body></html>";
    static const char utf8_bom[] =
        "\xef\xbb\xbf<html><body><p>Caf\xc3\xa9 with a byte order mark in front of the page, "
        "and a paragraph long enough to be the article text of it.</p></body></html>";
    static const char stale_label[] =
        "<html><head><meta charset=\"windows-1252\"></head><body><p>Caf\xc3\xa9: valid UTF-8 "
        "under a stale Latin-1 label stays as it is, in a paragraph long enough.</p></body>"
        "</html>";
    static const char xml_decl[] =
        "<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?><html><body><p>Prix: 5 \xa4 le kilo, "
        "a page whose XML declaration names its charset, with a long paragraph.</p></body></html>";

    struct {
        const char *html;
        size_t len;
        const char *want;
    } cases[] = {
        {latin1_meta, sizeof latin1_meta - 1, "Caf\xc3\xa9 cr\xc3\xa8me"},
        {cp1252_bare, sizeof cp1252_bare - 1,
         "Stra\xc3\x9f"
         "e \xe2\x80\x9cquoted\xe2\x80\x9d \xe2\x82\xac 5"},
        {utf8_bom, sizeof utf8_bom - 1, "Caf\xc3\xa9 with a byte order mark"},
        {stale_label, sizeof stale_label - 1, "Caf\xc3\xa9: valid UTF-8"},
        {xml_decl, sizeof xml_decl - 1, "5 \xe2\x82\xac le kilo"},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        article_t a;
        s_extract_str(cases[i].html, cases[i].len, &a);
        const char *b = s_block_with(&a, cases[i].want);
        assert_true(utf8_valid(b, strlen(b)));
        assert_null(strstr(b, "\xef\xbb\xbf"));
        article_clear(&a);
    }
}

static void test_article_decodes_utf16_with_a_bom(void **state)
{
    (void)state;
    static const char ascii[] = "<html><body><p>Gr\xfc\xdf"
                                "e: a UTF-16 page, little-endian "
                                "with its byte order mark, long enough to keep.</p></body></html>";
    char html[2 * sizeof ascii + 2];
    html[0] = (char)0xFF, html[1] = (char)0xFE;
    size_t n = 2;
    for (size_t i = 0; i + 1 < sizeof ascii; i++) /* Latin-1 code points: low byte, 0 */
        html[n++] = ascii[i], html[n++] = 0;
    article_t a;
    s_extract_str(html, n, &a);
    s_block_with(&a, "Gr\xc3\xbc\xc3\x9f"
                     "e: a UTF-16 page");
    article_clear(&a);
}

static void test_article_keeps_comments_out_even_of_a_short_post(void **state)
{
    (void)state;
    /* The post is short, so every attempt runs; the thread never joins. */
    static const char html[] =
        "<html><body><article class=post><h1>Open thread</h1><div class=entry-content>"
        "<p>Ask us anything about the quarter in the comments below, we reply.</p></div>"
        "</article><div id=comments class=comments-area><h2>42 Comments</h2><ol>"
        "<li class=comment><div class=comment-body>" S_PARA(
            "Commenter one") "</div></li>"
                             "<li class=comment><div class=comment-body>" S_PARA("Commenter two")
                                 S_PARA("More") "</div></li></ol><form id=commentform><p>Your "
                                                "email address will not be published, "
                                                "required fields are marked and moderated before "
                                                "they appear here.</p></form></div>"
                                                "</body></html>";
    article_t a;
    s_extract_str(html, sizeof html - 1, &a);
    s_block_with(&a, "Ask us anything");
    assert_int_equal(s_find(&a, "Commenter"), -1);
    assert_int_equal(s_find(&a, "email address"), -1);
    article_clear(&a);
    /* An opinion piece ("commentary") is an article; its long thread,
     * however much of the page it is, is not. */
    static const char
        opinion[] =
            "<html><body><div class='full news commentary'><article>" S_PARA("Opinion one")
                S_PARA("Opinion two") "</article></div><div class=community><ul class=comment-list>"
                                      "<li>" S_PARA("Reader one") "</li><li>" S_PARA("Reader two") "</li><li>" S_PARA(
                                          "Reader three") "</li><li>" S_PARA("Reader four") "</"
                                                                                            "li><"
                                                                                            "li"
                                                                                            ">" S_PARA(
                                                                                                "Re"
                                                                                                "ad"
                                                                                                "er"
                                                                                                " f"
                                                                                                "iv"
                                                                                                "e") "</li></ul></div></body></html>";
    s_extract_str(opinion, sizeof opinion - 1, &a);
    s_block_with(&a, "Opinion one");
    s_block_with(&a, "Opinion two");
    assert_int_equal(s_find(&a, "Reader"), -1);
    article_clear(&a);
}

static void test_article_prefers_the_lone_article_and_keeps_its_lead(void **state)
{
    (void)state;
    /* A box with content classes outscores the plain paragraphs, but the
     * <article> holds more prose; the lead in the article's header opens
     * like the page's description. */
    static const char html[] =
        "<html><head><meta property=og:description content='The council voted on Tuesday to "
        "close the old harbour to cargo ships.'></head><body>"
        "<div class=side><div class='content-box main-content'><p>Our newsroom is independent, "
        "funded by readers, and has been reporting from the coast since 1921, every day.</p>"
        "</div></div><div class=col><article><header><h1>Harbour closes</h1><p class=byline>By A. "
        "Writer</p>"
        "<p class=lead>The council voted on Tuesday to close the old harbour to cargo ships, "
        "ending three centuries of trade.</p></header>" S_PARA("Body one")
            S_PARA("Body two") "<figure><img src=x.jpg><figcaption>Photo: the harbour at "
                               "dawn</figcaption></figure>" S_PARA(
                                   "Body three") "<p>Mehr zum "
                                                 "Thema</p></article></div></body></html>";
    article_t a;
    s_extract_str(html, sizeof html - 1, &a);
    int lead = s_find(&a, "ending three centuries");
    assert_true(lead >= 0 && lead < s_find(&a, "Body one"));
    s_block_with(&a, "Body three");
    const char *dropped[] = {"newsroom is independent", "By A. Writer", "Photo:", "Mehr zum Thema",
                             "Harbour closes"};
    for (size_t i = 0; i < sizeof dropped / sizeof dropped[0]; i++) {
        if (s_find(&a, dropped[i]) >= 0)
            fail_msg("kept: %s", dropped[i]);
    }
    article_clear(&a);
}

static void test_article_takes_every_module_of_a_split_article(void **state)
{
    (void)state;
    /* A CMS cuts the story into repeated modules; the best one alone
     * would lose the rest. Short items (a blotter) are built the same way. */
    static const char html[] =
        "<html><body><div id=page>"
        "<div class='module module-text'><div class=text><p>First module: the sports centre "
        "got a new roof, a hall and a pool, opened in May after two years of work.</p>"
        "<p>It cost eleven million, shared by the canton and the town.</p></div></div>"
        "<div class='module module-image'><img src=a.jpg></div>"
        "<div class='module module-text'><div class=text><p>Second module: the old building "
        "was kept, its timber frame restored by local carpenters.</p></div></div>"
        "<div class='module module-text'><div class=text><p>Third module: the architects "
        "chose larch for the facade, which greys evenly in the mountain air.</p></div></div>"
        "</div><div class=footer-links><a href=/imprint>Imprint</a></div></body></html>";
    article_t a;
    s_extract_str(html, sizeof html - 1, &a);
    int one = s_find(&a, "First module"), two = s_find(&a, "Second module");
    int three = s_find(&a, "Third module");
    assert_true(one >= 0 && one < two && two < three);
    assert_int_equal(s_find(&a, "Imprint"), -1);
    article_clear(&a);
}

static void test_article_keeps_a_recipes_ingredients_beside_its_method(void **state)
{
    (void)state;
    /* The method scores; the ingredients sit in another column. */
    static const char html[] =
        "<html><body><div class=page><div class=col-left><div class=recipe-ingredients><ul>"
        "<li>250 g Mehl</li><li>2 Eier</li></ul></div><div class=shop><ul>"
        "<li>Backform 24 cm</li><li>Teigschaber</li></ul></div></div><div class=col-main>"
        "<h2>Zubereitung</h2>" S_PARA("Method one") S_PARA("Method two") "</div></div>"
                                                                         "</body></html>";
    article_t a;
    s_extract_str(html, sizeof html - 1, &a);
    s_block_with(&a, "Method one");
    s_block_with(&a, "250 g Mehl");
    s_block_with(&a, "2 Eier");
    assert_int_equal(s_find(&a, "Backform"), -1);
    article_clear(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_article_keeps_the_story_and_drops_the_page_furniture),
        cmocka_unit_test(test_article_reads_metadata_from_meta_tags_first),
        cmocka_unit_test(test_article_metadata_precedence_is_meta_then_jsonld_then_document),
        cmocka_unit_test(test_article_uses_jsonld_article_body_when_the_markup_is_empty),
        cmocka_unit_test(test_htmlmeta_normalises_dates_to_iso_8601),
        cmocka_unit_test(test_htmlmeta_ignores_broken_jsonld_and_first_meta_wins),
        cmocka_unit_test(test_article_zero_bytes_give_an_empty_result),
        cmocka_unit_test(test_article_refuses_null_output_and_oversized_pages),
        cmocka_unit_test(test_article_survives_100k_levels_of_nesting),
        cmocka_unit_test(test_article_skips_a_script_holding_megabytes),
        cmocka_unit_test(test_article_repairs_invalid_utf8_and_nul_bytes),
        cmocka_unit_test(test_article_handles_garbage_without_markup),
        cmocka_unit_test(test_article_keeps_lists_tables_and_definitions_inside_the_text),
        cmocka_unit_test(test_article_reads_cjk_text_without_spaces_and_drops_ruby_readings),
        cmocka_unit_test(test_article_decodes_every_charset_declaration),
        cmocka_unit_test(test_article_decodes_utf16_with_a_bom),
        cmocka_unit_test(test_article_keeps_comments_out_even_of_a_short_post),
        cmocka_unit_test(test_article_prefers_the_lone_article_and_keeps_its_lead),
        cmocka_unit_test(test_article_takes_every_module_of_a_split_article),
        cmocka_unit_test(test_article_keeps_a_recipes_ingredients_beside_its_method),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
