/*  test_article_strip.c - cutting <script> and <style> bodies before the
 *  parse: what is cut, and every place where "<script" is not a tag for
 *  libxml2 (attribute values, comments, bogus attributes, self-closed and
 *  unclosed tags, other names) and stays. fuzz_article checks the same
 *  rule differentially against libxml2's tree.
 *  SPDX-License-Identifier: MIT
 */
#include "article.h"
#include "article_impl.h"
#include "test.h"

/* in cut, as a string; "=" when nothing may be cut. */
static void s_expect(const char *in, const char *want)
{
    size_t n = 0;
    char *got = article_strip_raw(in, strlen(in), &n);
    if (strcmp(want, "=") == 0) {
        if (got)
            fail_msg("cut %s into %s", in, got);
        return;
    }
    if (!got)
        fail_msg("nothing cut from %s", in);
    assert_string_equal(got, want);
    assert_int_equal(n, strlen(want));
    free(got);
}

static void test_strip_cuts_script_and_style_bodies(void **state)
{
    (void)state;
    s_expect("<head><script>var a = '<p>';</script><style>p { color: red }</style></head>"
             "<p>text</p>",
             "<head><script></script><style></style></head><p>text</p>");
    s_expect("<SCRIPT type=text/javascript>x()</SCRIPT ><p>y</p>",
             "<SCRIPT type=text/javascript></SCRIPT ><p>y</p>");
    /* the body ends at the first "</script", as libxml2's does */
    s_expect("<script>a = '</scri' + 'pt>';</script>b", "<script></script>b");
    s_expect("<script>if (a</b) x();</script>c", "<script></script>c");
    /* "</stylex>" is another end tag, which libxml2 drops: the body goes on */
    s_expect("<style>a</stylex>b</style>c", "<style></style>c");
    s_expect("<script>a</scriptx>b<style>q</script>real</style>", "<script></script>real</style>");
    /* that end tag runs to its first '>', swallowing a real one */
    s_expect("<script>6</script5</script><p>z</script>y", "<script></script>y");
    s_expect("<script>a</script5 x>b</script>c", "<script></script>c");
}

static void test_strip_stops_at_an_end_tag_opening_the_body(void **state)
{
    (void)state;
    /* libxml2 reads "</li>" there as an end tag, not as script text */
    s_expect("<li><script></li>x</script>", "=");
    s_expect("<li><script></li>x</script><script>y</script>", "=");
    s_expect("<script></script><script>y</script>", "<script></script><script></script>");
}

static void test_strip_keeps_json_ld(void **state)
{
    (void)state;
    s_expect("<script type=\"application/ld+json\">{\"articleBody\": \"x\"}</script>", "=");
    s_expect("<script type='Application/LD+JSON'>{}</script><script>x</script>",
             "<script type='Application/LD+JSON'>{}</script><script></script>");
}

static void test_strip_leaves_what_libxml2_does_not_read_as_raw_text(void **state)
{
    (void)state;
    /* in a quoted attribute value, which may hold '>' */
    s_expect("<div title=\"a > <script>x</script>\">t</div>", "=");
    s_expect("<div title='<style>' data-x=\"<script>\">t</div>", "=");
    /* in a comment, up to the first "-->" */
    s_expect("<!-- <script>x</script> -->t", "=");
    s_expect("<!--[if IE]><script>x</script><![endif]-->t", "=");
    /* "--!>" ends a comment too: what follows is markup */
    s_expect("<!-- a --!><p title='--><script>x</script>'>y", "=");
    s_expect("<!-- a --!><script>x</script>", "<!-- a --!><script></script>");
    /* other names, self-closed tags, tags that never end */
    s_expect("<scripts>x</scripts><style-x>y</style-x><script:a>z</script:a>", "=");
    s_expect("<script src=a.js />text</script>", "=");
    s_expect("<script src=a.js", "=");
    s_expect("<script>no end tag", "=");
    /* a quote that never closes swallows the rest in libxml2 too */
    s_expect("<p title=\"open <script>x</script>", "=");
    /* an end tag runs to its first '>', quotes or not */
    s_expect("</p title=\"<script>\">x</script>", "=");
    /* a processing instruction with a '<' before its '>': cutting stops */
    s_expect("<?3 <script>x</script>", "=");
}

static void test_strip_reads_a_stray_less_than_as_text(void **state)
{
    (void)state;
    /* libxml2 takes '<' before anything but an ASCII letter as text, so a
     * tag that follows is a tag, even inside what looks like a value */
    s_expect("a < b <script>x</script>", "a < b <script></script>");
    s_expect("<! <script>x</script>", "<! <script></script>");
    s_expect("<_a title=\"<script>\">x</script>", "<_a title=\"<script></script>");
    s_expect("</ <script>x</script>y", "</ <script></script>y");
}

static void test_strip_reads_bogus_attributes_as_libxml2_does(void **state)
{
    (void)state;
    /* a bogus attribute ignores quotes and ends at a blank: the tag ends
     * at the first '>' after it, and the body after that goes */
    s_expect("<script \"a b>c\">x</script>d", "<script \"a b></script>d");
    /* an unquoted value ends at a blank or '>' */
    s_expect("<script a=b>c</script>d", "<script a=b></script>d");
    s_expect("<script a = 'b>c' >x</script>d", "<script a = 'b>c' ></script>d");
    /* "/" not before '>' is a bogus attribute, not a self-close */
    s_expect("<script/x>y</script>z", "<script/x></script>z");
}

static void test_strip_leaves_a_page_without_scripts_alone(void **state)
{
    (void)state;
    s_expect("", "=");
    s_expect("plain text, no markup", "=");
    s_expect("<p>one</p><p>two</p>", "=");
    s_expect("<script></script>", "=");
}

static void test_strip_changes_nothing_the_extractor_keeps(void **state)
{
    (void)state;
    static const char page[] =
        "<html><head><title>T</title><script>var s = '<p>not text</p>';</script>"
        "<script type=\"application/ld+json\">{\"@type\": \"NewsArticle\", \"author\": "
        "{\"name\": \"J. Doe\"}}</script><style>.x { content: '<b>'; }</style></head>"
        "<body><div class=story><p>A paragraph long enough to be the story, with commas, "
        "clauses, and an end.</p><script>document.write('<p>written</p>');</script>"
        "<p>Another paragraph that belongs to the same story and is long enough.</p>"
        "</div></body></html>";
    article_t a;
    err_t err = {0};
    assert_int_equal(article_extract(page, sizeof page - 1, NULL, &a, &err), 0);
    char *text = article_text(&a);
    assert_non_null(strstr(text, "A paragraph long enough"));
    assert_non_null(strstr(text, "Another paragraph"));
    assert_null(strstr(text, "written"));
    assert_null(strstr(text, "not text"));
    assert_string_equal(a.author, "J. Doe"); /* the JSON-LD was kept */
    free(text);
    article_clear(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strip_cuts_script_and_style_bodies),
        cmocka_unit_test(test_strip_keeps_json_ld),
        cmocka_unit_test(test_strip_leaves_what_libxml2_does_not_read_as_raw_text),
        cmocka_unit_test(test_strip_reads_bogus_attributes_as_libxml2_does),
        cmocka_unit_test(test_strip_reads_a_stray_less_than_as_text),
        cmocka_unit_test(test_strip_stops_at_an_end_tag_opening_the_body),
        cmocka_unit_test(test_strip_leaves_a_page_without_scripts_alone),
        cmocka_unit_test(test_strip_changes_nothing_the_extractor_keeps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
