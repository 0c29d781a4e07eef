/*  test_jsonspan.c - the balanced-bracket scanner shared by the model's
 *  answers (llmjson) and YouTube's inline scripts (ytpage).
 *  SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include "jsonspan.h"
#include "test.h"

static size_t s_len(const char *s)
{
    return jsonspan_len(s, strlen(s));
}

static void test_a_value_ends_at_its_matching_bracket(void **state)
{
    (void)state;
    assert_int_equal(s_len("{\"a\":[1,{\"b\":2}]};var x=1;"), strlen("{\"a\":[1,{\"b\":2}]}"));
    assert_int_equal(s_len("[1,2] and prose"), 5);
    assert_int_equal(s_len("{}"), 2);
    /* Brackets and quotes inside strings do not count. */
    const char *str = "{\"s\":\"};]\\\"{\"} tail";
    assert_int_equal(s_len(str), strlen(str) - strlen(" tail"));
}

static void test_cut_mismatched_or_absent_values_have_no_length(void **state)
{
    (void)state;
    assert_int_equal(s_len("{\"a\":[1,2}"), 0); /* ']' expected */
    assert_int_equal(s_len("{\"a\":1"), 0);     /* cut short */
    assert_int_equal(s_len("{\"a\":\"}"), 0);   /* string never closes */
    assert_int_equal(s_len("x{}"), 0);
    assert_int_equal(s_len(""), 0);
    assert_int_equal(jsonspan_len("{}", 1), 0); /* the end is past n */
}

static void test_nesting_is_followed_to_its_limit_and_no_further(void **state)
{
    (void)state;
    size_t deep = JSONSPAN_DEPTH_MAX;
    char *s = malloc(2 * (deep + 1) + 1);
    for (size_t i = 0; i < deep; i++) {
        s[i] = i % 2 ? '[' : '{';
        s[2 * deep - 1 - i] = i % 2 ? ']' : '}';
    }
    s[2 * deep] = '\0';
    assert_int_equal(jsonspan_len(s, 2 * deep), 2 * deep);
    /* One level more is refused. */
    memmove(s + 1, s, 2 * deep);
    s[0] = '[';
    s[2 * deep + 1] = ']';
    assert_int_equal(jsonspan_len(s, 2 * deep + 2), 0);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_value_ends_at_its_matching_bracket),
        cmocka_unit_test(test_cut_mismatched_or_absent_values_have_no_length),
        cmocka_unit_test(test_nesting_is_followed_to_its_limit_and_no_further),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
