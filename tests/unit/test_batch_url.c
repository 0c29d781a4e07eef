/*  test_batch_url.c - the pure half of bulk batches: URL normalisation (case,
 *  ports, fragments, tracking parameters, YouTube forms), classifying input
 *  lines, and the bounded line reader.
 *  SPDX-License-Identifier: MIT
 */
// clang-format off
#include "test.h"
// clang-format on

#include "batch.h"
#include "youtube.h"

/* Normalise url; assert it succeeds and gives want. */
static void s_norm_is(const char *url, const char *want)
{
    char *out = NULL;
    err_t err = {0};
    int rc = batch_url_normalise(url, strlen(url), &out, &err);
    if (rc != 0)
        fprintf(stderr, "%s: %s\n", url, err.msg);
    assert_int_equal(rc, 0);
    assert_string_equal(out, want);
    free(out);
}

/* Normalise url; assert it is refused with a message containing why. */
static void s_norm_refused(const char *url, size_t len, const char *why)
{
    char *out = (char *)"untouched";
    err_t err = {0};
    assert_int_equal(batch_url_normalise(url, len, &out, &err), -1);
    assert_null(out);
    assert_int_equal(err.code, LODE_EINVAL);
    if (!strstr(err.msg, why))
        fprintf(stderr, "%s: \"%s\" lacks \"%s\"\n", url, err.msg, why);
    assert_non_null(strstr(err.msg, why));
}

static void test_normalise_lowers_scheme_and_host_and_keeps_the_path_case(void **state)
{
    (void)state;
    s_norm_is("HTTPS://Example.COM/Some/Path?Q=Value", "https://example.com/Some/Path?Q=Value");
    s_norm_is("http://example.com", "http://example.com/");
    s_norm_is("http://user:pw@Example.com/x", "http://user:pw@example.com/x");
    s_norm_is("http://[::1]:8080/x", "http://[::1]:8080/x");
}

static void test_normalise_drops_default_and_empty_ports_only(void **state)
{
    (void)state;
    s_norm_is("http://example.com:80/a", "http://example.com/a");
    s_norm_is("https://example.com:443/a", "https://example.com/a");
    s_norm_is("https://example.com:/a", "https://example.com/a");
    s_norm_is("http://example.com:443/a", "http://example.com:443/a");
    s_norm_is("https://example.com:8443/a", "https://example.com:8443/a");
}

static void test_normalise_drops_fragments_but_keeps_an_episode(void **state)
{
    (void)state;
    s_norm_is("https://example.com/post#comments", "https://example.com/post");
    s_norm_is("https://example.com/feed.xml#episode=latest",
              "https://example.com/feed.xml#episode=latest");
    s_norm_is("https://example.com/feed.xml#episode=", "https://example.com/feed.xml");
}

static void test_normalise_drops_tracking_and_empty_parameters_in_order(void **state)
{
    (void)state;
    s_norm_is("https://example.com/a?utm_source=x&id=7&UTM_Medium=y&fbclid=z&b=2&gclid=1",
              "https://example.com/a?id=7&b=2");
    s_norm_is("https://example.com/a?utm_campaign=only", "https://example.com/a");
    s_norm_is("https://example.com/a?&&x=1&&", "https://example.com/a?x=1");
    s_norm_is("https://example.com/a?utm=keep&utmost=keep",
              "https://example.com/a?utm=keep&utmost=keep");
}

static void test_normalise_makes_every_youtube_form_one_watch_url(void **state)
{
    (void)state;
    const char *want = "https://www.youtube.com/watch?v=dQw4w9WgXcQ";
    s_norm_is("https://www.youtube.com/watch?v=dQw4w9WgXcQ", want);
    s_norm_is("https://youtu.be/dQw4w9WgXcQ?t=42", want);
    s_norm_is("http://m.youtube.com/watch?feature=share&v=dQw4w9WgXcQ#t=1", want);
    s_norm_is("https://www.youtube.com/shorts/dQw4w9WgXcQ", want);
    s_norm_is("https://www.youtube.com/embed/dQw4w9WgXcQ", want);
    s_norm_is("youtu.be/dQw4w9WgXcQ", want);
}

static void test_normalise_keeps_a_playlist_a_playlist(void **state)
{
    (void)state;
    char *out = NULL;
    err_t err = {0};
    const char *url = "https://www.youtube.com/playlist?list=PLabcdefghijklmnop&utm_source=x";
    assert_int_equal(batch_url_normalise(url, strlen(url), &out, &err), 0);
    youtube_ref_t a, b;
    assert_int_equal(youtube_parse_url(url, &a, &err), 0);
    assert_int_equal(youtube_parse_url(out, &b, &err), 0);
    assert_true(b.playlist);
    assert_string_equal(a.list, b.list);
    free(out);
}

static void test_normalise_takes_a_bare_host_path_as_https(void **state)
{
    (void)state;
    s_norm_is("Example.com/post", "https://example.com/post");
}

static void test_normalise_refuses_what_is_not_an_http_url(void **state)
{
    (void)state;
    s_norm_refused("ftp://example.com/x", 19, "not http or https");
    s_norm_refused("javascript:alert(1)", 19, "no http");
    s_norm_refused("just words", 10, "space");
    s_norm_refused("http://", 7, "no host");
    s_norm_refused("https:///path", 13, "no host");
    s_norm_refused("http://exa mple.com/", 20, "space");
    s_norm_refused("http://example.com/\x01", 20, "control");
    s_norm_refused("http://example.com:99999/", 25, "port");
    s_norm_refused("http://example.com:8o/", 22, "port");
    s_norm_refused("http://exa<mple.com/", 20, "host");
    s_norm_refused("http://[::1/", 12, "[");
    size_t n = BATCH_URL_MAX + 1;
    char *big = malloc(n + 1);
    memcpy(big, "https://example.com/", 20);
    memset(big + 20, 'a', n - 20);
    big[n] = '\0';
    s_norm_refused(big, n, "over 8 KB");
    free(big);
}

static void test_parse_line_skips_blanks_and_comments(void **state)
{
    (void)state;
    const char *skip[] = {
        "", "   ", "\t\r", "# a comment", "   # indented comment", "\xEF\xBB\xBF"};
    for (size_t i = 0; i < sizeof skip / sizeof skip[0]; i++) {
        char *url = NULL;
        err_t err = {0};
        assert_int_equal(batch_parse_line(skip[i], strlen(skip[i]), &url, &err), BATCH_LINE_SKIP);
        assert_null(url);
        assert_int_equal(err.code, 0);
    }
}

static void test_parse_line_trims_and_normalises_a_url(void **state)
{
    (void)state;
    const char *line = "\xEF\xBB\xBF  HTTP://Example.com/a?utm_source=x \r";
    char *url = NULL;
    err_t err = {0};
    assert_int_equal(batch_parse_line(line, strlen(line), &url, &err), BATCH_LINE_URL);
    assert_string_equal(url, "http://example.com/a");
    free(url);
}

static void test_parse_line_reports_an_invalid_line(void **state)
{
    (void)state;
    char *url = NULL;
    err_t err = {0};
    assert_int_equal(batch_parse_line("mailto:a@b.c", 12, &url, &err), BATCH_LINE_INVALID);
    assert_null(url);
    assert_int_equal(err.code, LODE_EINVAL);
    assert_true(err.msg[0] != '\0');
}

static void test_read_line_reads_lines_and_cuts_an_overlong_one(void **state)
{
    (void)state;
    char data[] = "one\ntwo\r\n0123456789ABCDEF\n\nlast";
    FILE *f = fmemopen(data, sizeof data - 1, "r");
    char buf[8];
    size_t len;
    bool over;
    err_t err = {0};
    const char *want[] = {"one", "two\r", "0123456", "", "last"};
    const bool want_over[] = {false, false, true, false, false};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(batch_read_line(f, buf, sizeof buf, &len, &over, &err), 1);
        assert_string_equal(buf, want[i]);
        assert_int_equal(len, strlen(want[i]));
        assert_int_equal(over, want_over[i]);
    }
    assert_int_equal(batch_read_line(f, buf, sizeof buf, &len, &over, &err), 0);
    fclose(f);
}

static void test_read_line_keeps_a_nul_byte_in_the_line(void **state)
{
    (void)state;
    char data[] = "http://a.com/\0x\n";
    FILE *f = fmemopen(data, sizeof data - 1, "r");
    char buf[64];
    size_t len;
    bool over;
    err_t err = {0};
    assert_int_equal(batch_read_line(f, buf, sizeof buf, &len, &over, &err), 1);
    assert_int_equal(len, 15);
    char *url = NULL;
    assert_int_equal(batch_parse_line(buf, len, &url, &err), BATCH_LINE_INVALID);
    assert_null(url);
    fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normalise_lowers_scheme_and_host_and_keeps_the_path_case),
        cmocka_unit_test(test_normalise_drops_default_and_empty_ports_only),
        cmocka_unit_test(test_normalise_drops_fragments_but_keeps_an_episode),
        cmocka_unit_test(test_normalise_drops_tracking_and_empty_parameters_in_order),
        cmocka_unit_test(test_normalise_makes_every_youtube_form_one_watch_url),
        cmocka_unit_test(test_normalise_keeps_a_playlist_a_playlist),
        cmocka_unit_test(test_normalise_takes_a_bare_host_path_as_https),
        cmocka_unit_test(test_normalise_refuses_what_is_not_an_http_url),
        cmocka_unit_test(test_parse_line_skips_blanks_and_comments),
        cmocka_unit_test(test_parse_line_trims_and_normalises_a_url),
        cmocka_unit_test(test_parse_line_reports_an_invalid_line),
        cmocka_unit_test(test_read_line_reads_lines_and_cuts_an_overlong_one),
        cmocka_unit_test(test_read_line_keeps_a_nul_byte_in_the_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
