/*  test_textsniff.c - the text-or-binary rule shared by submit and fetch,
 *  and the fetch stage's word minimum (source.h).
 *  SPDX-License-Identifier: MIT
 */
#include "source.h"
#include "test.h"
#include "textsniff.h"

static void s_expect_binary(const char *body, size_t len, const char *needle)
{
    err_t err = {0};
    assert_int_equal(textsniff_check(body, len, &err), -1);
    assert_int_equal(err.code, LODE_EUNSUPPORTED);
    if (!strstr(err.msg, needle))
        fail_msg("\"%s\" does not mention \"%s\"", err.msg, needle);
}

static void test_textsniff_names_known_magic_numbers(void **state)
{
    (void)state;
    s_expect_binary("\177ELF\2\1\1", 7, "ELF executable");
    s_expect_binary("%PDF-1.7\n%\xe2\xe3", 13, "PDF document");
    s_expect_binary("PK\3\4\24\0", 6, "ZIP");
    s_expect_binary("\x89PNG\r\n\x1a\n", 8, "PNG image");
    s_expect_binary("\xff\xd8\xff\xe0", 4, "JPEG image");
    s_expect_binary("\x1f\x8b\x08\0", 4, "gzip");
    s_expect_binary("\0\0\0\x20"
                    "ftypisom",
                    12, "MP4");
    assert_null(textsniff_magic("PDF- is not a magic", 19));
    assert_null(textsniff_magic("ID3 tags are metadata", 21));
}

static void test_textsniff_refuses_nul_bytes_anywhere(void **state)
{
    (void)state;
    char body[200];
    memset(body, 'a', sizeof body);
    body[150] = '\0';
    s_expect_binary(body, sizeof body, "NUL byte at offset 150");
}

static void test_textsniff_refuses_a_high_share_of_bad_bytes(void **state)
{
    (void)state;
    char body[1000];
    for (size_t i = 0; i < sizeof body; i++)
        body[i] = (char)(i % 3 == 0 ? 0xfe : i % 3 == 1 ? 0x01 : 'x');
    s_expect_binary(body, sizeof body, "invalid UTF-8 or control characters");
}

static void test_textsniff_accepts_text_utf8_latin1_and_empty(void **state)
{
    (void)state;
    err_t err = {0};
    const char *utf8 = "Café au lait, 日本語, naïve résumé.\r\n\tTabs\fand\x1b[1mbold\x1b[0m.\n";
    assert_int_equal(textsniff_check(utf8, strlen(utf8), &err), 0);
    /* Latin-1 French: a few invalid bytes in prose are repaired, not refused. */
    const char *latin1 = "Le caf\xe9 est pr\xeat. Il fait tr\xe8s beau aujourd'hui \xe0 Paris, "
                         "et nous allons au march\xe9 acheter des fruits et des l\xe9gumes.";
    assert_int_equal(textsniff_check(latin1, strlen(latin1), &err), 0);
    assert_int_equal(textsniff_check("", 0, &err), 0);
    assert_int_equal(textsniff_check(NULL, 0, &err), 0);
    assert_int_equal(err.code, 0);
}

static void test_source_check_input_applies_the_one_size_limit(void **state)
{
    (void)state;
    err_t err = {0};
    assert_int_equal(source_check_input("x", (size_t)JOB_SOURCE_MAX_BYTES + 1, &err), -1);
    assert_int_equal(err.code, LODE_ETOOBIG);
    assert_non_null(strstr(err.msg, "over the 50 MB limit"));
}

static transcript_t *s_transcript(const char *text)
{
    transcript_t *t = transcript_new();
    err_t err = {0};
    assert_int_equal(transcript_append(t, "", text, strlen(text), TRANSCRIPT_UNTIMED, &err), 0);
    return t;
}

static void test_source_check_words_says_how_short(void **state)
{
    (void)state;
    transcript_t *t = s_transcript("ok -- fine");
    err_t err = {0};
    assert_int_equal(source_check_words(t, &err), -1);
    assert_int_equal(err.code, LODE_EEMPTY);
    assert_string_equal(err.msg, "2 words: too short to mine, at least 20");
    transcript_destroy(&t);
    t = s_transcript(" ... !!! ");
    err_t err2 = {0};
    assert_int_equal(source_check_words(t, &err2), -1);
    assert_string_equal(err2.msg, "empty transcript");
    transcript_destroy(&t);
    t = s_transcript("one two three four five six seven eight nine ten eleven twelve thirteen "
                     "fourteen fifteen sixteen seventeen eighteen nineteen twenty");
    err_t err3 = {0};
    assert_int_equal(source_check_words(t, &err3), 0);
    transcript_destroy(&t);
    assert_int_equal(source_word_count("日本語 text", strlen("日本語 text"), 100), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_textsniff_names_known_magic_numbers),
        cmocka_unit_test(test_textsniff_refuses_nul_bytes_anywhere),
        cmocka_unit_test(test_textsniff_refuses_a_high_share_of_bad_bytes),
        cmocka_unit_test(test_textsniff_accepts_text_utf8_latin1_and_empty),
        cmocka_unit_test(test_source_check_input_applies_the_one_size_limit),
        cmocka_unit_test(test_source_check_words_says_how_short),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
