/*  test_quote.c - quote verification and snapping: exact, normalised
 *  (case, curly quotes, white space), snapped (a changed word, dropped
 *  fillers), rejected fabrications, times and UTF-8 safe offsets.
 *  SPDX-License-Identifier: MIT
 */
#include "quote.h"
#include "test.h"
#include "utf8.h"

static const char *k_text =
    "So one definition of intelligence is sample efficiency. That is to say, how much data "
    "do you need in a given domain to operate fluently and competently? And it's actually "
    "not clear that we've made that much progress in training sample efficiency over the "
    "last few years.\n\nIt seems more like we've just, um, dramatically widened and improved "
    "the data distribution, you know. The main way that AIs have been getting better is from "
    "adding more and better data.";

static transcript_t *s_text(const char *text)
{
    transcript_t *t = transcript_new();
    err_t err = {0};
    assert_int_equal(transcript_append(t, NULL, text, strlen(text), TRANSCRIPT_UNTIMED, &err), 0);
    return t;
}

static quote_match_t s_find(const transcript_t *t, const char *q)
{
    quote_match_t m;
    err_t err = {0};
    assert_int_equal(quote_find(t, q, strlen(q), NULL, &m, &err), 0);
    return m;
}

/* The stored span must be exactly want. */
static void s_expect_span(const transcript_t *t, const quote_match_t *m, const char *want)
{
    char *got = strndup(t->text + m->offset, m->length);
    if (strcmp(got, want) != 0)
        fail_msg("span [%s], want [%s] (kind %s)", got, want, quote_kind_name(m->kind));
    free(got);
}

static void test_quote_finds_an_exact_quote_at_its_byte_offset(void **state)
{
    (void)state;
    transcript_t *t = s_text(k_text);
    const char *q = "That is to say, how much data do you need in a given domain to operate "
                    "fluently and competently?";
    quote_match_t m = s_find(t, q);
    assert_int_equal(m.kind, QUOTE_EXACT);
    assert_int_equal(m.offset, (size_t)(strstr(k_text, "That is") - k_text));
    assert_int_equal(m.length, strlen(q));
    assert_int_equal(m.start_ms, -1);
    assert_true(m.score == 1.0);
    transcript_destroy(&t);
}

static void test_quote_matches_changed_case_curly_quotes_and_collapsed_space(void **state)
{
    (void)state;
    transcript_t *t = s_text(k_text);
    quote_match_t m = s_find(t, "  AND IT\xe2\x80\x99S ACTUALLY not clear that we\xe2\x80\x99ve "
                                "made that   much\nprogress ");
    assert_int_equal(m.kind, QUOTE_NORMALISED);
    s_expect_span(t, &m, "And it's actually not clear that we've made that much progress");
    transcript_destroy(&t);
}

static void test_quote_snaps_one_changed_word_to_the_source_span(void **state)
{
    (void)state;
    transcript_t *t = s_text(k_text);
    quote_match_t m = s_find(t, "The main way that AIs have been getting smarter is from adding "
                                "more and better data.");
    assert_int_equal(m.kind, QUOTE_SNAPPED);
    assert_true(m.score >= 0.8 && m.score < 1.0);
    s_expect_span(t, &m,
                  "The main way that AIs have been getting better is from adding more and "
                  "better data.");
    transcript_destroy(&t);
}

static void test_quote_snaps_a_quote_with_fillers_dropped(void **state)
{
    (void)state;
    transcript_t *t = s_text(k_text);
    quote_match_t m = s_find(t, "It seems more like we've just dramatically widened and improved "
                                "the data distribution.");
    assert_int_equal(m.kind, QUOTE_SNAPPED);
    s_expect_span(t, &m,
                  "It seems more like we've just, um, dramatically widened and improved the "
                  "data distribution");
    transcript_destroy(&t);
}

static void test_quote_snaps_joined_sentences_across_a_paragraph_break(void **state)
{
    (void)state;
    transcript_t *t = s_text(k_text);
    quote_match_t m = s_find(t, "over the last few years, it seems more like we've just "
                                "dramatically widened");
    assert_int_equal(m.kind, QUOTE_SNAPPED);
    s_expect_span(t, &m,
                  "over the last few years.\n\nIt seems more like we've just, um, "
                  "dramatically widened");
    transcript_destroy(&t);
}

static void test_quote_rejects_a_hallucinated_quote(void **state)
{
    (void)state;
    transcript_t *t = s_text(k_text);
    quote_match_t m = s_find(t, "Intelligence is mostly about building bigger models with more "
                                "parameters and better hardware.");
    assert_int_equal(m.kind, QUOTE_NONE);
    m = s_find(t, "Sample efficiency has improved dramatically over the last few years.");
    assert_int_equal(m.kind, QUOTE_NONE);
    transcript_destroy(&t);
}

static void test_quote_rejects_a_partial_word_match(void **state)
{
    (void)state;
    transcript_t *t = s_text(k_text);
    quote_match_t m = s_find(t, "ample efficiency");
    assert_int_equal(m.kind, QUOTE_NONE);
    transcript_destroy(&t);
}

static void test_quote_gives_start_ms_of_a_timed_transcript(void **state)
{
    (void)state;
    transcript_t *t = transcript_new();
    err_t err = {0};
    const char *cues[] = {"Welcome back to the show.", "Today we talk about data.",
                          "Data is the black hole at the center of AI."};
    for (int i = 0; i < 3; i++)
        assert_int_equal(transcript_append(t, " ", cues[i], strlen(cues[i]),
                                           (transcript_time_t){1000 * i, 1000 * i + 900}, &err),
                         0);
    quote_match_t m = s_find(t, "data is the black hole at the center of AI");
    assert_int_equal(m.kind, QUOTE_NORMALISED);
    assert_int_equal(m.start_ms, 2000);
    m = s_find(t, "Today we talk about data. Data is the black hole");
    assert_int_equal(m.kind, QUOTE_EXACT);
    assert_int_equal(m.start_ms, 1000);
    transcript_destroy(&t);
}

static void test_quote_handles_non_ascii_text(void **state)
{
    (void)state;
    transcript_t *t =
        s_text("Der Begriff \xe2\x80\x9eStra\xc3\x9f"
               "e\xe2\x80\x9c ist "
               "sch\xc3\xb6n. Caf\xc3\xa9 \xe2\x80\x94 na\xc3\xafve r\xc3\xa9sum\xc3\xa9. "
               "\xe6\x95\xb0\xe6\x8d\xae\xe6\x98\xaf\xe9\xbb\x91\xe6\xb4\x9e\xe3\x80\x82");
    quote_match_t m = s_find(t, "CAFE - NAIVE RESUME");
    assert_int_equal(m.kind, QUOTE_NORMALISED);
    s_expect_span(t, &m, "Caf\xc3\xa9 \xe2\x80\x94 na\xc3\xafve r\xc3\xa9sum\xc3\xa9");
    m = s_find(t, "\"STRASSE\" ist sch\xc3\xb6n");
    assert_int_equal(m.kind, QUOTE_NORMALISED);
    s_expect_span(t, &m,
                  "\xe2\x80\x9eStra\xc3\x9f"
                  "e\xe2\x80\x9c ist sch\xc3\xb6n");
    m = s_find(t, "\xe6\x95\xb0\xe6\x8d\xae\xe6\x98\xaf");
    assert_int_equal(m.kind, QUOTE_EXACT);
    transcript_destroy(&t);
}

static void test_quote_offsets_never_split_a_code_point(void **state)
{
    (void)state;
    transcript_t *t = s_text("\xc3\x89t\xc3\xa9 \xe2\x80\xa6 na\xc3\xafve \xc3\xa9l\xc3\xa8ve "
                             "\xc3\xa0 l'\xc3\xa9"
                             "cole, tr\xc3\xa8s \xc3\xa9trange r\xc3\xaave.");
    const char *qs[] = {"ete ... naive eleve", "naive eleve a l ecole tres etrange rave",
                        "\xc3\xa9t\xc3\xa9", "ecole, tres etrange"};
    for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
        quote_match_t m = s_find(t, qs[i]);
        assert_int_not_equal(m.kind, QUOTE_NONE);
        assert_true(m.offset + m.length <= t->len);
        assert_true(utf8_valid(t->text + m.offset, m.length));
        assert_int_not_equal((unsigned char)t->text[m.offset] & 0xc0, 0x80);
    }
    transcript_destroy(&t);
}

static void test_quote_reuses_one_index_for_many_quotes(void **state)
{
    (void)state;
    transcript_t *t = s_text(k_text);
    err_t err = {0};
    quote_index_t *idx = quote_index_new(t, &err);
    assert_non_null(idx);
    quote_match_t m;
    quote_opts_t strict = {.min_score = 0.99};
    const char *q = "The main way that AIs have been getting smarter is from adding more data.";
    assert_int_equal(quote_index_find(idx, q, strlen(q), &strict, &m, &err), 0);
    assert_int_equal(m.kind, QUOTE_NONE);
    assert_int_equal(quote_index_find(idx, q, strlen(q), NULL, &m, &err), 0);
    assert_int_equal(m.kind, QUOTE_SNAPPED);
    quote_index_destroy(&idx);
    assert_null(idx);
    quote_index_destroy(&idx);
    transcript_destroy(&t);
}

static void test_quote_rejects_empty_oversized_and_null_input(void **state)
{
    (void)state;
    transcript_t *t = s_text(k_text);
    quote_match_t m = s_find(t, "   ");
    assert_int_equal(m.kind, QUOTE_NONE);
    char *big = malloc(QUOTE_MAX_BYTES + 2);
    memset(big, 'a', QUOTE_MAX_BYTES + 1);
    big[QUOTE_MAX_BYTES + 1] = '\0';
    err_t err = {0};
    assert_int_equal(quote_find(t, big, strlen(big), NULL, &m, &err), -1);
    assert_int_equal(err.code, LODE_ETOOBIG);
    free(big);
    err_clear(&err);
    assert_int_equal(quote_find(NULL, "x", 1, NULL, &m, &err), -1);
    assert_int_equal(err.code, LODE_EINVAL);
    transcript_destroy(&t);
}

static void test_quote_finds_nothing_in_an_empty_transcript(void **state)
{
    (void)state;
    transcript_t *t = transcript_new();
    quote_match_t m = s_find(t, "anything at all");
    assert_int_equal(m.kind, QUOTE_NONE);
    transcript_destroy(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quote_finds_an_exact_quote_at_its_byte_offset),
        cmocka_unit_test(test_quote_matches_changed_case_curly_quotes_and_collapsed_space),
        cmocka_unit_test(test_quote_snaps_one_changed_word_to_the_source_span),
        cmocka_unit_test(test_quote_snaps_a_quote_with_fillers_dropped),
        cmocka_unit_test(test_quote_snaps_joined_sentences_across_a_paragraph_break),
        cmocka_unit_test(test_quote_rejects_a_hallucinated_quote),
        cmocka_unit_test(test_quote_rejects_a_partial_word_match),
        cmocka_unit_test(test_quote_gives_start_ms_of_a_timed_transcript),
        cmocka_unit_test(test_quote_handles_non_ascii_text),
        cmocka_unit_test(test_quote_offsets_never_split_a_code_point),
        cmocka_unit_test(test_quote_reuses_one_index_for_many_quotes),
        cmocka_unit_test(test_quote_rejects_empty_oversized_and_null_input),
        cmocka_unit_test(test_quote_finds_nothing_in_an_empty_transcript),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
