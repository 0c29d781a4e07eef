/*  test_sentence.c - sentence segmentation: abbreviations, decimals,
 *  quotes, initials, paragraphs and unpunctuated speech.
 *  SPDX-License-Identifier: MIT
 */
#include "sentence.h"
#include "test.h"

/* Split text and compare each sentence with the expected strings. */
static void s_expect(const char *text, const char *const *want, size_t n_want)
{
    sentence_list_t l;
    err_t err = {0};
    assert_int_equal(sentence_split(text, strlen(text), NULL, &l, &err), 0);
    for (size_t i = 0; i < l.count && i < n_want; i++) {
        char *got = strndup(text + l.items[i].offset, l.items[i].length);
        if (strcmp(got, want[i]) != 0)
            fail_msg("sentence %zu: got [%s] want [%s]", i, got, want[i]);
        free(got);
    }
    if (l.count != n_want)
        fail_msg("got %zu sentences, want %zu", l.count, n_want);
    sentence_list_clear(&l);
}

#define EXPECT(text, ...)                                                                          \
    do {                                                                                           \
        const char *const w_[] = {__VA_ARGS__};                                                    \
        s_expect(text, w_, sizeof w_ / sizeof w_[0]);                                              \
    } while (0)

static void test_sentence_splits_plain_prose_into_trimmed_spans(void **state)
{
    (void)state;
    const char *text = "  The cat sat.  Did it move? No!\n";
    sentence_list_t l;
    err_t err = {0};
    assert_int_equal(sentence_split(text, strlen(text), NULL, &l, &err), 0);
    assert_int_equal(l.count, 3);
    assert_int_equal(l.items[0].offset, 2);
    assert_int_equal(l.items[0].length, strlen("The cat sat."));
    assert_int_equal(l.items[0].n_words, 3);
    assert_true(l.items[0].para_start);
    assert_true(l.items[1].question);
    assert_false(l.items[0].question);
    assert_false(l.items[2].cut);
    sentence_list_clear(&l);
    assert_null(l.items);
}

static void test_sentence_keeps_abbreviations_inside(void **state)
{
    (void)state;
    EXPECT("Mr. Smith met Dr. Jones at St. Paul's. They talked.",
           "Mr. Smith met Dr. Jones at St. Paul's.", "They talked.");
    EXPECT("Use tools, e.g. hammers, i.e. heavy ones. Then stop.",
           "Use tools, e.g. hammers, i.e. heavy ones.", "Then stop.");
    EXPECT("Cats vs. dogs is old. Ok.", "Cats vs. dogs is old.", "Ok.");
}

static void test_sentence_ends_at_abbreviation_before_a_new_sentence(void **state)
{
    (void)state;
    EXPECT("He works for Acme Inc. The firm is big.", "He works for Acme Inc.", "The firm is big.");
    EXPECT("The U.S. Army won. We met at 5 p.m. It rained.", "The U.S. Army won.",
           "We met at 5 p.m.", "It rained.");
    EXPECT("Apples, pears, etc. are fruit. Yes.", "Apples, pears, etc. are fruit.", "Yes.");
}

static void test_sentence_keeps_decimals_and_versions(void **state)
{
    (void)state;
    EXPECT("Pi is 3.14 roughly. Version v1.2.3 shipped. See example.com today.",
           "Pi is 3.14 roughly.", "Version v1.2.3 shipped.", "See example.com today.");
}

static void test_sentence_keeps_initials_together(void **state)
{
    (void)state;
    EXPECT("J. R. R. Tolkien wrote it. I did not.", "J. R. R. Tolkien wrote it.", "I did not.");
    EXPECT("So do I. Then we left.", "So do I.", "Then we left.");
}

static void test_sentence_handles_ellipses(void **state)
{
    (void)state;
    EXPECT("Well... maybe not. And then\xE2\x80\xA6 Nothing.", "Well... maybe not.",
           "And then\xE2\x80\xA6", "Nothing.");
}

static void test_sentence_keeps_closing_quotes_with_their_sentence(void **state)
{
    (void)state;
    EXPECT("\"It is the end.\" She said so. (Really!) Fine.", "\"It is the end.\"", "She said so.",
           "(Really!)", "Fine.");
    EXPECT("'Is it?' she asked. Yes.", "'Is it?' she asked.", "Yes.");
    EXPECT("\xE2\x80\x9C"
           "Done.\xE2\x80\x9D Next one.",
           "\xE2\x80\x9C"
           "Done.\xE2\x80\x9D",
           "Next one.");
}

static void test_sentence_always_ends_at_a_blank_line(void **state)
{
    (void)state;
    const char *text = "A heading without a stop\n\nThe body starts here. It goes on\nover lines.";
    sentence_list_t l;
    err_t err = {0};
    assert_int_equal(sentence_split(text, strlen(text), NULL, &l, &err), 0);
    assert_int_equal(l.count, 3);
    assert_true(l.items[1].para_start);
    assert_false(l.items[2].para_start);
    assert_int_equal(l.items[2].length, strlen("It goes on\nover lines."));
    sentence_list_clear(&l);
}

static void test_sentence_cuts_unpunctuated_speech_into_bounded_pieces(void **state)
{
    (void)state;
    char text[8192] = "";
    for (int i = 0; i < 60; i++)
        strcat(text, "we talked about data and models so the thing is scale ");
    sentence_list_t l;
    err_t err = {0};
    assert_int_equal(sentence_split(text, strlen(text), NULL, &l, &err), 0);
    assert_true(l.count >= 660 / 40);
    size_t total = 0;
    for (size_t i = 0; i < l.count; i++) {
        assert_true(l.items[i].n_words <= 40);
        assert_true(l.items[i].n_words >= 10);
        total += l.items[i].n_words;
        if (i + 1 < l.count)
            assert_true(l.items[i].cut);
    }
    assert_int_equal(total, 660); /* 11 words a phrase */
    /* The cut falls before a discourse word, not mid-phrase. */
    assert_memory_equal(text + l.items[1].offset, "so ", 3);
    sentence_list_clear(&l);
}

static void test_sentence_prefers_a_comma_when_cutting_long_sentences(void **state)
{
    (void)state;
    char text[4096] = "";
    for (int i = 0; i < 12; i++)
        strcat(text, "one two three four five six, ");
    strcat(text, "end.");
    sentence_list_t l;
    err_t err = {0};
    assert_int_equal(sentence_split(text, strlen(text), NULL, &l, &err), 0);
    assert_true(l.count >= 2);
    assert_int_equal(text[l.items[0].offset + l.items[0].length - 1], ',');
    sentence_list_clear(&l);
}

static void test_sentence_survives_other_scripts(void **state)
{
    (void)state;
    EXPECT("\xE4\xBB\x8A\xE5\xA4\xA9\xE5\xA4\xA9\xE6\xB0\x94\xE5\xBE\x88\xE5\xA5\xBD\xE3\x80\x82"
           "\xE6\x88\x91\xE4\xBB\xAC\xE8\xB5\xB0\xE5\x90\xA7\xEF\xBC\x81",
           "\xE4\xBB\x8A\xE5\xA4\xA9\xE5\xA4\xA9\xE6\xB0\x94\xE5\xBE\x88\xE5\xA5\xBD\xE3\x80\x82",
           "\xE6\x88\x91\xE4\xBB\xAC\xE8\xB5\xB0\xE5\x90\xA7\xEF\xBC\x81");
    EXPECT("\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82. \xD0\x9C\xD0\xB8\xD1\x80!",
           "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82.", "\xD0\x9C\xD0\xB8\xD1\x80!");
}

static void test_sentence_bounds_text_without_any_break(void **state)
{
    (void)state;
    static char text[20001];
    memset(text, 'x', 20000);
    sentence_list_t l;
    err_t err = {0};
    assert_int_equal(sentence_split(text, 20000, NULL, &l, &err), 0);
    assert_true(l.count >= 20000 / 600);
    for (size_t i = 0; i < l.count; i++)
        assert_true(l.items[i].length <= 600);
    sentence_list_clear(&l);
}

static void test_sentence_finds_nothing_in_blank_or_punctuation_only_text(void **state)
{
    (void)state;
    sentence_list_t l;
    err_t err = {0};
    assert_int_equal(sentence_split("  \n\n ... -- ", 12, NULL, &l, &err), 0);
    assert_int_equal(l.count, 0);
    sentence_list_clear(&l);
    assert_int_equal(sentence_split("", 0, NULL, &l, &err), 0);
    assert_int_equal(l.count, 0);
}

static void test_sentence_stops_at_max_sentences(void **state)
{
    (void)state;
    const char *text = "One. Two. Three. Four.";
    sentence_opts_t opts = {.max_sentences = 2};
    sentence_list_t l;
    err_t err = {0};
    assert_int_equal(sentence_split(text, strlen(text), &opts, &l, &err), 0);
    assert_int_equal(l.count, 2);
    assert_true(l.truncated);
    sentence_list_clear(&l);
}

static void test_sentence_rejects_missing_text(void **state)
{
    (void)state;
    sentence_list_t l;
    err_t err = {0};
    assert_int_equal(sentence_split(NULL, 5, NULL, &l, &err), -1);
    assert_int_equal(err.code, LODE_EINVAL);
    err_clear(&err);
    assert_int_equal(sentence_split("x", 1, NULL, NULL, &err), -1);
    assert_int_equal(err.code, LODE_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sentence_splits_plain_prose_into_trimmed_spans),
        cmocka_unit_test(test_sentence_keeps_abbreviations_inside),
        cmocka_unit_test(test_sentence_ends_at_abbreviation_before_a_new_sentence),
        cmocka_unit_test(test_sentence_keeps_decimals_and_versions),
        cmocka_unit_test(test_sentence_keeps_initials_together),
        cmocka_unit_test(test_sentence_handles_ellipses),
        cmocka_unit_test(test_sentence_keeps_closing_quotes_with_their_sentence),
        cmocka_unit_test(test_sentence_always_ends_at_a_blank_line),
        cmocka_unit_test(test_sentence_cuts_unpunctuated_speech_into_bounded_pieces),
        cmocka_unit_test(test_sentence_prefers_a_comma_when_cutting_long_sentences),
        cmocka_unit_test(test_sentence_survives_other_scripts),
        cmocka_unit_test(test_sentence_bounds_text_without_any_break),
        cmocka_unit_test(test_sentence_finds_nothing_in_blank_or_punctuation_only_text),
        cmocka_unit_test(test_sentence_stops_at_max_sentences),
        cmocka_unit_test(test_sentence_rejects_missing_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
