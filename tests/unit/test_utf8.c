/*  test_utf8.c - decoding, validation, repair and offset conversion.
 *  SPDX-License-Identifier: MIT
 */
#include "test.h"
#include "utf8.h"

/* Decode s (n bytes) and check the bytes used and the code point. */
static void s_expect(const char *s, size_t n, size_t used, uint32_t cp)
{
    uint32_t got = 0;
    size_t k = utf8_decode(s, n, &got);
    if (k != used || got != cp)
        fail_msg("decoding %zu bytes from 0x%02X: used %zu cp U+%04X, expected %zu U+%04X", n,
                 (unsigned char)s[0], k, got, used, cp);
}

static void s_expect_invalid(const char *s, size_t n)
{
    s_expect(s, n, 1, 0xFFFD);
    assert_false(utf8_valid(s, n));
}

static void test_utf8_decodes_one_to_four_byte_sequences(void **state)
{
    (void)state;
    s_expect("A", 1, 1, 'A');
    s_expect("\xC3\xA9", 2, 2, 0xE9);
    s_expect("\xE2\x82\xAC", 3, 3, 0x20AC);
    s_expect("\xF0\x9F\x98\x80", 4, 4, 0x1F600);
    assert_true(utf8_valid("A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80", 10));
}

static void test_utf8_decodes_the_edges_of_each_length(void **state)
{
    (void)state;
    s_expect("\x7F", 1, 1, 0x7F);
    s_expect("\xC2\x80", 2, 2, 0x80);
    s_expect("\xDF\xBF", 2, 2, 0x7FF);
    s_expect("\xE0\xA0\x80", 3, 3, 0x800);
    s_expect("\xED\x9F\xBF", 3, 3, 0xD7FF);
    s_expect("\xEE\x80\x80", 3, 3, 0xE000);
    s_expect("\xEF\xBF\xBF", 3, 3, 0xFFFF);
    s_expect("\xF0\x90\x80\x80", 4, 4, 0x10000);
    s_expect("\xF4\x8F\xBF\xBF", 4, 4, 0x10FFFF);
    /* A real U+FFFD is valid text, told apart from an error by its length. */
    s_expect("\xEF\xBF\xBD", 3, 3, 0xFFFD);
    assert_true(utf8_valid("\xEF\xBF\xBD", 3));
}

static void test_utf8_rejects_overlong_forms(void **state)
{
    (void)state;
    s_expect_invalid("\xC0\x80", 2);
    s_expect_invalid("\xC1\xBF", 2);
    s_expect_invalid("\xE0\x80\x80", 3);
    s_expect_invalid("\xE0\x9F\xBF", 3);
    s_expect_invalid("\xF0\x80\x80\x80", 4);
    s_expect_invalid("\xF0\x8F\xBF\xBF", 4);
}

static void test_utf8_rejects_surrogates_and_code_points_past_u10ffff(void **state)
{
    (void)state;
    s_expect_invalid("\xED\xA0\x80", 3);
    s_expect_invalid("\xED\xBF\xBF", 3);
    s_expect_invalid("\xF4\x90\x80\x80", 4);
    s_expect_invalid("\xF5\x80\x80\x80", 4);
    s_expect_invalid("\xFF", 1);
    s_expect_invalid("\xFE", 1);
}

static void test_utf8_rejects_truncated_and_broken_sequences(void **state)
{
    (void)state;
    s_expect_invalid("\xC3", 1);
    s_expect_invalid("\xE2\x82", 2);
    s_expect_invalid("\xF0\x9F\x98", 3);
    s_expect_invalid("\xF0\x9F\x98\x80", 3); /* len cuts a valid sequence */
    s_expect_invalid("\x80", 1);             /* lone continuation byte */
    s_expect_invalid("\xC3\x28", 2);         /* continuation expected */
    s_expect_invalid("\xE2\x28\xA1", 3);
    uint32_t cp = 7;
    assert_int_equal(utf8_decode("", 0, &cp), 0);
}

static void test_utf8_valid_refuses_nul_bytes(void **state)
{
    (void)state;
    assert_true(utf8_valid("", 0));
    assert_true(utf8_valid("plain", 5));
    assert_false(utf8_valid("a\0b", 3));
}

static void test_utf8_encodes_what_it_decodes(void **state)
{
    (void)state;
    const uint32_t cps[] = {0x1,    0x7F,   0x80,   0x7FF,   0x800,   0xD7FF,
                            0xE000, 0xFFFD, 0xFFFF, 0x10000, 0x1F600, 0x10FFFF};
    for (size_t i = 0; i < sizeof cps / sizeof cps[0]; i++) {
        char out[4];
        size_t n = utf8_encode(cps[i], out);
        uint32_t back = 0;
        assert_int_equal(utf8_decode(out, n, &back), n);
        assert_int_equal(back, cps[i]);
    }
    char out[4];
    assert_int_equal(utf8_encode(0x20AC, out), 3);
    assert_memory_equal(out, "\xE2\x82\xAC", 3);
}

static void test_utf8_repair_replaces_and_counts_bad_bytes(void **state)
{
    (void)state;
    size_t len = 0, bad = 0;
    char *s = utf8_repair("ok\xC3\xA9\xFF\0x\xED\xA0\x80", 10, &len, &bad);
    /* One U+FFFD per byte that starts no valid sequence: 0xFF, NUL, and the
     * three bytes of the encoded surrogate. */
    assert_string_equal(s,
                        "ok\xC3\xA9\xEF\xBF\xBD\xEF\xBF\xBDx\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    assert_int_equal(len, strlen(s));
    assert_int_equal(bad, 5);
    assert_true(utf8_valid(s, len));
    free(s);
}

static void test_utf8_repair_leaves_valid_text_alone(void **state)
{
    (void)state;
    const char *text = "na\xC3\xAFve \xF0\x9F\x98\x80 \xEF\xBF\xBD";
    size_t len = 99, bad = 99;
    char *s = utf8_repair(text, strlen(text), &len, &bad);
    assert_string_equal(s, text);
    assert_int_equal(len, strlen(text));
    assert_int_equal(bad, 0);
    free(s);
    s = utf8_repair("", 0, NULL, NULL);
    assert_string_equal(s, "");
    free(s);
}

static void test_utf8_repair_counts_a_truncated_sequence_byte_by_byte(void **state)
{
    (void)state;
    size_t bad = 0;
    char *s = utf8_repair("a\xE2\x82", 3, NULL, &bad);
    /* utf8_decode consumes one byte per error, so the two bytes of a cut
     * "€" become two U+FFFD (WHATWG would write one). */
    assert_string_equal(s, "a\xEF\xBF\xBD\xEF\xBF\xBD");
    assert_int_equal(bad, 2);
    free(s);
}

static void test_utf8_converts_between_code_points_and_bytes(void **state)
{
    (void)state;
    const char *s = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z"; /* a é € 😀 z */
    size_t len = strlen(s);
    assert_int_equal(utf8_cp_count(s, len), 5);
    assert_int_equal(utf8_cp_count(s, 0), 0);
    assert_int_equal(utf8_cp_count(s, 3), 2);
    const size_t bytes[] = {0, 1, 3, 6, 10};
    for (size_t cp = 0; cp < 5; cp++) {
        assert_int_equal(utf8_byte_offset(s, len, cp), bytes[cp]);
        assert_int_equal(utf8_cp_count(s, bytes[cp]), cp);
    }
    assert_int_equal(utf8_byte_offset(s, len, 5), len);
    assert_int_equal(utf8_byte_offset(s, len, 500), len);
    assert_int_equal(utf8_byte_offset("", 0, 0), 0);
}

/* The one charset converter: a legacy charset in, UTF-8 out; what the
 * charset cannot hold becomes U+FFFD and is counted; an unknown label is
 * NULL. */
static void test_utf8_from_charset(void **state)
{
    (void)state;
    size_t n = 0, bad = 0;
    char *s = utf8_from_charset("windows-1252", "caf\xE9 \x80", 6, &n, &bad);
    assert_non_null(s);
    assert_string_equal(s, "caf\xC3\xA9 \xE2\x82\xAC");
    assert_int_equal(n, strlen(s));
    assert_int_equal(bad, 0);
    free(s);
    s = utf8_from_charset("utf-8",
                          "a\xFF"
                          "b",
                          3, &n, &bad);
    assert_non_null(s);
    assert_string_equal(s, "a\xEF\xBF\xBD"
                           "b");
    assert_int_equal(bad, 1);
    free(s);
    assert_null(utf8_from_charset("no-such-charset", "x", 1, &n, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_decodes_one_to_four_byte_sequences),
        cmocka_unit_test(test_utf8_decodes_the_edges_of_each_length),
        cmocka_unit_test(test_utf8_rejects_overlong_forms),
        cmocka_unit_test(test_utf8_rejects_surrogates_and_code_points_past_u10ffff),
        cmocka_unit_test(test_utf8_rejects_truncated_and_broken_sequences),
        cmocka_unit_test(test_utf8_valid_refuses_nul_bytes),
        cmocka_unit_test(test_utf8_encodes_what_it_decodes),
        cmocka_unit_test(test_utf8_repair_replaces_and_counts_bad_bytes),
        cmocka_unit_test(test_utf8_repair_leaves_valid_text_alone),
        cmocka_unit_test(test_utf8_repair_counts_a_truncated_sequence_byte_by_byte),
        cmocka_unit_test(test_utf8_converts_between_code_points_and_bytes),
        cmocka_unit_test(test_utf8_from_charset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
