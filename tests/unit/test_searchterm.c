/*  test_searchterm.c - the search index's words: case folding, stopwords,
 *  stems in the document's language, CJK bigrams, a query's groups of
 *  alternatives, and hostile input (long words, invalid UTF-8).
 *  SPDX-License-Identifier: MIT
 */
#include <string.h>

#include "searchterm.h"
#include "test.h"

static searchterm_t *s_st;

static int s_setup(void **state)
{
    (void)state;
    s_st = searchterm_new();
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    searchterm_destroy(&s_st);
    return 0;
}

static searchterm_list_t s_doc(const char *text, const char *lang)
{
    searchterm_list_t l = {0};
    searchterm_doc(s_st, text, strlen(text), lang, &l);
    searchterm_list_done(&l);
    return l;
}

static bool s_has(const searchterm_list_t *l, const char *t)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], t) == 0)
            return true;
    return false;
}

/* True if some alternative of group g is a term of the document. */
static bool s_meets(const searchterm_group_t *g, const searchterm_list_t *l)
{
    for (size_t i = 0; i < g->n; i++)
        if (s_has(l, g->alt[i]))
            return true;
    return false;
}

/* Every word of query q meets the document's terms. */
static bool s_matches(const char *q, const searchterm_list_t *l)
{
    searchterm_group_t g[SEARCHTERM_GROUPS];
    size_t n = searchterm_query(s_st, q, g, SEARCHTERM_GROUPS);
    for (size_t i = 0; i < n; i++)
        if (!s_meets(&g[i], l))
            return false;
    return n > 0;
}

static void test_english_words_are_folded_stemmed_and_unique(void **state)
{
    (void)state;
    searchterm_list_t l = s_doc("The EFFICIENCY of efficient learners, learning: a study.", "en");
    assert_true(s_has(&l, "effici"));
    assert_true(s_has(&l, "learner"));
    assert_true(s_has(&l, "learn"));
    assert_false(s_has(&l, "the")); /* a stopword */
    assert_false(s_has(&l, "a"));   /* one letter */
    for (size_t i = 1; i < l.n; i++)
        assert_true(strcmp(l.v[i - 1], l.v[i]) < 0); /* sorted, no repeats */
    assert_true(s_matches("efficiency", &l));
    assert_true(s_matches("Efficient LEARNING", &l));
    assert_false(s_matches("efficient teachers", &l));
    searchterm_list_free(&l);
}

static void test_german_is_stemmed_as_german(void **state)
{
    (void)state;
    const char *text = "Die Größe der Sprachmodelle und die Daten, mit denen sie lernen, "
                       "wachsen mit jedem Jahr.";
    assert_string_equal(searchterm_lang(text, strlen(text)), "de");
    searchterm_list_t l = s_doc(text, NULL);
    assert_false(s_has(&l, "die")); /* a German stopword */
    assert_true(s_matches("GRÖSSE", &l) || s_matches("Größe", &l));
    assert_true(s_matches("Größe", &l));
    assert_true(s_matches("Sprachmodell", &l));
    assert_true(s_matches("sprachmodellen daten", &l));
    assert_false(s_matches("Katzen", &l));
    searchterm_list_free(&l);
}

static void test_cjk_runs_are_bigrams(void **state)
{
    (void)state;
    searchterm_list_t l = s_doc("機械学習の未来。猫", NULL);
    assert_true(s_has(&l, "機械"));
    assert_true(s_has(&l, "械学"));
    assert_true(s_has(&l, "学習"));
    assert_true(s_has(&l, "猫")); /* a lone character is its own term */
    assert_false(s_has(&l, "機械学習の未来"));
    assert_true(s_matches("機械学習", &l));
    assert_true(s_matches("学習", &l));
    assert_false(s_matches("学機", &l));
    searchterm_list_t k = s_doc("인공 지능의 미래", NULL);
    assert_true(s_matches("지능", &k));
    searchterm_list_free(&k);
    searchterm_list_free(&l);
}

static void test_queries_of_stopwords_or_letters_have_no_words(void **state)
{
    (void)state;
    searchterm_group_t g[SEARCHTERM_GROUPS];
    assert_int_equal(searchterm_query(s_st, "the and of a", g, SEARCHTERM_GROUPS), 0);
    assert_int_equal(searchterm_query(s_st, "", g, SEARCHTERM_GROUPS), 0);
    assert_int_equal(searchterm_query(s_st, NULL, g, SEARCHTERM_GROUPS), 0);
    /* At most SEARCHTERM_GROUPS words are used. */
    assert_int_equal(
        searchterm_query(s_st, "w1x w2x w3x w4x w5x w6x w7x w8x w9x w10x", g, SEARCHTERM_GROUPS),
        SEARCHTERM_GROUPS);
    /* A word's alternatives hold the word and its stems, without repeats. */
    assert_int_equal(searchterm_query(s_st, "running", g, 1), 1);
    assert_true(g[0].n >= 2 && g[0].n <= SEARCHTERM_ALTS);
    assert_string_equal(g[0].alt[0], "running");
    for (size_t i = 0; i < g[0].n; i++)
        for (size_t j = i + 1; j < g[0].n; j++)
            assert_string_not_equal(g[0].alt[i], g[0].alt[j]);
}

static void test_hostile_text_is_bounded(void **state)
{
    (void)state;
    char big[4096];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    searchterm_list_t l = s_doc(big, "en");
    assert_int_equal(l.n, 0); /* a word past SEARCHTERM_MAX is not indexed */
    searchterm_list_free(&l);
    l = s_doc("goose\xff\xfe"
              "word \xc3 tail\n\t<script>alert(1)</script>",
              "en");
    assert_true(s_has(&l, "goos"));
    assert_true(s_has(&l, "word"));
    assert_true(s_has(&l, "script"));
    assert_true(s_has(&l, "alert"));
    for (size_t i = 0; i < l.n; i++)
        assert_null(strpbrk(l.v[i], "\n<>()\xff"));
    searchterm_list_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_english_words_are_folded_stemmed_and_unique),
        cmocka_unit_test(test_german_is_stemmed_as_german),
        cmocka_unit_test(test_cjk_runs_are_bigrams),
        cmocka_unit_test(test_queries_of_stopwords_or_letters_have_no_words),
        cmocka_unit_test(test_hostile_text_is_bounded),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
