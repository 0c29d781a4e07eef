/*  test_job.c - stage names and job ids.
 *  SPDX-License-Identifier: MIT
 */
#include <unistd.h>

#include "job.h"
#include "test.h"

static void test_job_ids_are_valid_unique_and_time_sorted(void **state)
{
    (void)state;
    char a[JOB_ID_SIZE], b[JOB_ID_SIZE];
    job_new_id(a);
    usleep(2000);
    job_new_id(b);
    assert_int_equal(strlen(a), JOB_ID_LEN);
    assert_true(job_id_valid(a));
    assert_true(job_id_valid(b));
    assert_true(strcmp(a, b) < 0);
    /* Many ids in the same millisecond still sort in creation order. */
    char prev[JOB_ID_SIZE], next[JOB_ID_SIZE];
    job_new_id(prev);
    for (int i = 0; i < 10000; i++) {
        job_new_id(next);
        assert_true(job_id_valid(next));
        assert_true(strcmp(prev, next) < 0);
        strcpy(prev, next);
    }
}

static void test_job_id_validation_rejects_other_strings(void **state)
{
    (void)state;
    assert_false(job_id_valid(NULL));
    assert_false(job_id_valid(""));
    assert_false(job_id_valid("01JAAAAAAAAAAAAAAAAAAAAAA"));   /* 25 chars */
    assert_false(job_id_valid("01JAAAAAAAAAAAAAAAAAAAAAAAA")); /* 27 chars */
    assert_false(job_id_valid("01JAAAAAAAAAAAAAAAAAAAAAAU"));  /* U is not Crockford */
    assert_false(job_id_valid("01jaaaaaaaaaaaaaaaaaaaaaaa"));
    assert_false(job_id_valid("01JAAAAAAAAAAAA:AAAAAAAAAA"));
}

static void test_job_stage_names_round_trip(void **state)
{
    (void)state;
    for (int s = 0; s < JOB_STAGE_COUNT; s++)
        assert_int_equal(job_stage_parse(job_stage_name(s)), s);
    assert_int_equal(job_stage_parse("fetchx"), -1);
    assert_int_equal(job_stage_parse(NULL), -1);
    assert_string_equal(job_stage_name(JOB_STAGE_COUNT), "?");
    assert_true(job_now_ms() > 1700000000000LL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_job_ids_are_valid_unique_and_time_sorted),
        cmocka_unit_test(test_job_id_validation_rejects_other_strings),
        cmocka_unit_test(test_job_stage_names_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
