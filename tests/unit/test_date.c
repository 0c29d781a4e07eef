/*  test_date.c - the calendar arithmetic and names shared by the page and
 *  feed date readers.
 *  SPDX-License-Identifier: MIT
 */
#include <string.h>

#include "date.h"
#include "test.h"

static void test_civil_dates_and_day_numbers_round_trip(void **state)
{
    (void)state;
    assert_int_equal(date_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(date_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(date_days_from_civil(1969, 12, 31), -1);
    assert_int_equal(date_days_from_civil(1900, 1, 1), -25567);
    /* Every day from 1899 to 2201, both ways, across leap rules. */
    int64_t first = date_days_from_civil(1899, 1, 1), last = date_days_from_civil(2201, 1, 1);
    int py = 1898, pm = 12, pd = 31;
    for (int64_t z = first; z < last; z++) {
        int y, m, d;
        date_civil_from_days(z, &y, &m, &d);
        assert_int_equal(date_days_from_civil(y, m, d), z);
        bool next_day = y == py && m == pm && d == pd + 1;
        bool next_month = y == py && m == pm + 1 && d == 1;
        bool next_year = y == py + 1 && m == 1 && d == 1 && pm == 12;
        assert_true(next_day || next_month || next_year);
        py = y, pm = m, pd = d;
    }
    int y, m, d;
    date_civil_from_days(date_days_from_civil(2024, 2, 29), &y, &m, &d);
    assert_int_equal(y * 10000 + m * 100 + d, 20240229);
}

static void test_month_names_and_zones_are_whole_words_in_any_case(void **state)
{
    (void)state;
    assert_int_equal(date_month("Nov", 3), 11);
    assert_int_equal(date_month("SEPTEMBER", 9), 9);
    assert_int_equal(date_month("Sept", 4), 9);
    assert_int_equal(date_month("Ja", 2), 0);
    assert_int_equal(date_month("Tue", 3), 0);

    int min = 1;
    assert_true(date_zone("GMT", 3, &min));
    assert_int_equal(min, 0);
    assert_true(date_zone("est", 3, &min));
    assert_int_equal(min, -300);
    assert_true(date_zone("CEST", 4, &min));
    assert_int_equal(min, 120);
    assert_true(date_zone("UT", 2, &min));
    assert_int_equal(min, 0);
    assert_false(date_zone("ESTX", 4, &min));
    assert_false(date_zone("XYZ", 3, &min));
    assert_false(date_zone("", 0, &min));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_civil_dates_and_day_numbers_round_trip),
        cmocka_unit_test(test_month_names_and_zones_are_whole_words_in_any_case),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
