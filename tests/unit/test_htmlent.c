/*  test_htmlent.c - the one character-reference decoder of the source
 *  drivers, under each of its policies.
 *  SPDX-License-Identifier: MIT
 */
#include <string.h>

#include "htmlent.h"
#include "test.h"

typedef struct {
    const char *in, *out;
} s_case_t;

static void s_check(const s_case_t *cases, size_t n, unsigned flags)
{
    for (size_t i = 0; i < n; i++) {
        char out[128];
        size_t len = htmlent_decode(cases[i].in, strlen(cases[i].in), flags, out);
        out[len] = '\0';
        assert_string_equal(out, cases[i].out);
    }
}

static void test_plain_decoding_keeps_what_is_not_a_reference(void **state)
{
    (void)state;
    static const s_case_t cases[] = {
        {"a &amp; b", "a & b"},
        {"&lt;i&gt;&quot;x&quot;&apos;", "<i>\"x\"'"},
        {"it&#39;s &#x2019; &#8212;", "it's \xE2\x80\x99 \xE2\x80\x94"},
        {"&nbsp;&hellip;&copy;&eacute;", "\xC2\xA0\xE2\x80\xA6\xC2\xA9\xC3\xA9"},
        {"&bogus; & &#; &#xD800; &#0; &#99999999;", "&bogus; & &#; &#xD800; &#0; &#99999999;"},
        {"&amp;#39;", "&#39;"},
        {"tail &am", "tail &am"},
        {"&AMP; &;", "&AMP; &;"},
        {"a&shy;b&lrm;c", "abc"},
    };
    s_check(cases, sizeof cases / sizeof cases[0], 0);
}

static void test_plain_space_and_invalid_numbers_as_sources_want(void **state)
{
    (void)state;
    static const s_case_t cases[] = {
        {"a&nbsp;b&#10;c&#x9;d", "a b c d"},
        {"&#160;", "\xC2\xA0"}, /* only the named one is a layout space */
        {"&#0; &#xD800; &#1114112;", "\xEF\xBF\xBD \xEF\xBF\xBD \xEF\xBF\xBD"},
        {"&#; &#xZZ;", "&#; &#xZZ;"},
    };
    s_check(cases, sizeof cases / sizeof cases[0], HTMLENT_PLAIN_SPACE | HTMLENT_INVALID_FFFD);
}

static void test_malformed_numbers_become_the_replacement_character(void **state)
{
    (void)state;
    static const s_case_t cases[] = {
        {"&#; &#xZZ; &#0;", "\xEF\xBF\xBD \xEF\xBF\xBD \xEF\xBF\xBD"},
        {"&nbsp;", "\xC2\xA0"},
        {"&unknown;", "&unknown;"},
    };
    s_check(cases, sizeof cases / sizeof cases[0], HTMLENT_INVALID_FFFD | HTMLENT_MALFORMED_FFFD);
}

static void test_a_reference_is_bounded_and_decodes_in_place(void **state)
{
    (void)state;
    char out[HTMLENT_UTF8_MAX];
    size_t m = 99;
    /* ';' past HTMLENT_REF_MAX bytes: not a reference. */
    assert_int_equal(htmlent_ref("&#0000000065;", 13, 0, out, &m), 0);
    assert_int_equal(m, 0);
    assert_int_equal(htmlent_ref("&#000000065;", 12, 0, out, &m), 12);
    assert_int_equal(m, 1);
    assert_int_equal(out[0], 'A');
    assert_int_equal(htmlent_ref("x&amp;", 6, 0, out, &m), 0);
    assert_int_equal(htmlent_ref("&amp;", 4, 0, out, &m), 0); /* cut before ';' */

    char s[] = "&#x1F600;&mdash;&gt;";
    size_t n = htmlent_decode(s, strlen(s), 0, s);
    assert_int_equal(n, 4 + 3 + 1);
    assert_memory_equal(s, "\xF0\x9F\x98\x80\xE2\x80\x94>", n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_decoding_keeps_what_is_not_a_reference),
        cmocka_unit_test(test_plain_space_and_invalid_numbers_as_sources_want),
        cmocka_unit_test(test_malformed_numbers_become_the_replacement_character),
        cmocka_unit_test(test_a_reference_is_bounded_and_decodes_in_place),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
