/*  test_chunk.c - token estimates and chunk plans: a long transcript split
 *  into overlapping chunks within the budget, at sentence boundaries.
 *  SPDX-License-Identifier: MIT
 */
#include "chunk.h"
#include "test.h"

static transcript_t *s_long(size_t n_sentences)
{
    transcript_t *t = transcript_new();
    err_t err = {0};
    for (size_t i = 0; i < n_sentences; i++) {
        char s[160];
        int k = snprintf(s, sizeof s,
                         "Sentence number %zu says that data is the black hole at the center "
                         "of AI, again.",
                         i);
        assert_int_equal(transcript_append(t, i % 5 ? " " : "\n\n", s, (size_t)k,
                                           (transcript_time_t){(int64_t)i * 1000, -1}, &err),
                         0);
    }
    return t;
}

static void test_chunk_splits_a_long_transcript_into_overlapping_chunks(void **state)
{
    (void)state;
    transcript_t *t = s_long(2000);
    size_t total = chunk_tokens(t->text, t->len);
    chunk_t *c;
    size_t n;
    err_t err = {0};
    assert_int_equal(chunk_plan(t, &(chunk_budget_t){8192, 2048, 300}, &c, &n, &err), 0);
    assert_true(n >= total / 6144 + 1);
    assert_int_equal(c[0].offset, 0);
    for (size_t i = 0; i < n; i++) {
        assert_true(c[i].tokens <= 6144);
        assert_int_equal(c[i].tokens, chunk_tokens(t->text + c[i].offset, c[i].length));
        /* starts at a sentence, ends at one */
        assert_memory_equal(t->text + c[i].offset, "Sentence number", 15);
        assert_int_equal(t->text[c[i].offset + c[i].length - 1], '.');
        if (i > 0) { /* overlaps its predecessor, and moves on */
            assert_true(c[i].offset < c[i - 1].offset + c[i - 1].length);
            assert_true(c[i].offset > c[i - 1].offset);
            assert_true(c[i].first_sentence < c[i - 1].first_sentence + c[i - 1].n_sentences);
            size_t shared = c[i - 1].offset + c[i - 1].length - c[i].offset;
            assert_true(chunk_tokens(t->text + c[i].offset, shared) <= 300);
        }
    }
    assert_int_equal(c[n - 1].offset + c[n - 1].length, t->len);
    free(c);
    transcript_destroy(&t);
}

static void test_chunk_gives_one_chunk_when_the_transcript_fits(void **state)
{
    (void)state;
    transcript_t *t = s_long(10);
    chunk_t *c;
    size_t n;
    err_t err = {0};
    assert_int_equal(chunk_plan(t, &(chunk_budget_t){8192, 1024, 200}, &c, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(c[0].offset, 0);
    assert_int_equal(c[0].length, t->len);
    assert_int_equal(c[0].n_sentences, 10);
    free(c);
    transcript_destroy(&t);
}

static void test_chunk_counts_tokens_conservatively(void **state)
{
    (void)state;
    assert_int_equal(chunk_tokens("", 0), 0);
    assert_int_equal(chunk_tokens("abc", 3), 1);
    assert_int_equal(chunk_tokens("abcd", 4), 2);
    const char *en = "The quick brown fox jumps over the lazy dog."; /* 10 real tokens */
    assert_true(chunk_tokens(en, strlen(en)) >= 10);
    const char *zh = "\xe6\x95\xb0\xe6\x8d\xae\xe6\x98\xaf\xe9\xbb\x91\xe6\xb4\x9e"; /* 5 */
    assert_int_equal(chunk_tokens(zh, strlen(zh)), 8);
    assert_int_equal(chunk_tokens("\xc3\xa9t\xc3\xa9", 5), 3);
}

static void test_chunk_refuses_a_budget_too_small_and_empty_text(void **state)
{
    (void)state;
    transcript_t *t = s_long(3);
    chunk_t *c = (chunk_t *)1;
    size_t n = 7;
    err_t err = {0};
    assert_int_equal(chunk_plan(t, &(chunk_budget_t){1000, 990, 0}, &c, &n, &err), -1);
    assert_int_equal(err.code, LODE_EINVAL);
    assert_null(c);
    assert_int_equal(n, 0);
    transcript_destroy(&t);
    t = transcript_new();
    err_clear(&err);
    assert_int_equal(chunk_plan(t, &(chunk_budget_t){8192, 0, 0}, &c, &n, &err), -1);
    assert_int_equal(err.code, LODE_EEMPTY);
    err_clear(&err);
    assert_int_equal(chunk_plan(NULL, &(chunk_budget_t){8192, 0, 0}, &c, &n, &err), -1);
    assert_int_equal(err.code, LODE_EINVAL);
    transcript_destroy(&t);
}

static void test_chunk_fits_a_tiny_budget_with_long_sentences(void **state)
{
    (void)state;
    transcript_t *t = transcript_new();
    err_t err = {0};
    char text[4000];
    for (size_t i = 0; i + 1 < sizeof text; i++)
        text[i] = i % 7 == 6 ? ' ' : 'w';
    text[sizeof text - 1] = '\0';
    assert_int_equal(transcript_append(t, NULL, text, strlen(text), TRANSCRIPT_UNTIMED, &err), 0);
    chunk_t *c;
    size_t n;
    assert_int_equal(chunk_plan(t, &(chunk_budget_t){200, 100, 1000}, &c, &n, &err), 0);
    assert_true(n > 1);
    for (size_t i = 0; i < n; i++)
        assert_true(c[i].tokens <= 100 && c[i].length > 0);
    assert_int_equal(c[n - 1].offset + c[n - 1].length, t->len);
    free(c);
    transcript_destroy(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chunk_splits_a_long_transcript_into_overlapping_chunks),
        cmocka_unit_test(test_chunk_gives_one_chunk_when_the_transcript_fits),
        cmocka_unit_test(test_chunk_counts_tokens_conservatively),
        cmocka_unit_test(test_chunk_refuses_a_budget_too_small_and_empty_text),
        cmocka_unit_test(test_chunk_fits_a_tiny_budget_with_long_sentences),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
