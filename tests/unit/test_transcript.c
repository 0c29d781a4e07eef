/*  test_transcript.c - text with segments, times and the JSON form.
 *  SPDX-License-Identifier: MIT
 */
#include <jansson.h>

#include "test.h"
#include "transcript.h"

static char *s_seg_text(const transcript_t *t, size_t i)
{
    return strndup(t->text + t->segs[i].offset, t->segs[i].length);
}

/* A timed transcript of three cues with non-ASCII text. */
static transcript_t *s_cues(void)
{
    transcript_t *t = transcript_new();
    err_t err = {0};
    assert_int_equal(
        transcript_append(t, " ", "Caf\xC3\xA9 ouvert,", 13, (transcript_time_t){0, 1500}, &err),
        0);
    assert_int_equal(transcript_append(t, " ",
                                       "\xE2\x82\xAC"
                                       "5 \xF0\x9F\x98\x80.",
                                       10, (transcript_time_t){2000, 3000}, &err),
                     0);
    assert_int_equal(transcript_append(t, " ", "fin", 3, (transcript_time_t){3000, 4000}, &err), 0);
    return t;
}

static void test_transcript_appends_paragraphs_with_separators(void **state)
{
    (void)state;
    transcript_t *t = transcript_new();
    err_t err = {0};
    assert_string_equal(t->text, "");
    assert_int_equal(transcript_append(t, "\n\n", "First one.", 10, TRANSCRIPT_UNTIMED, &err), 0);
    assert_int_equal(transcript_append(t, "\n\n", "Second.", 7, TRANSCRIPT_UNTIMED, &err), 0);

    assert_string_equal(t->text, "First one.\n\nSecond.");
    assert_int_equal(t->len, 19);
    assert_int_equal(t->n_segs, 2);
    assert_int_equal(t->segs[0].offset, 0);
    assert_int_equal(t->segs[0].length, 10);
    assert_int_equal(t->segs[1].offset, 12); /* the separator belongs to no segment */
    assert_int_equal(t->segs[1].length, 7);
    assert_int_equal(t->segs[1].start_ms, -1);
    assert_false(t->timed);
    assert_int_equal(transcript_time_at(t, 13), -1);
    transcript_destroy(&t);
    assert_null(t);
    transcript_destroy(&t);
    transcript_destroy(NULL);
}

static void test_transcript_records_cue_times(void **state)
{
    (void)state;
    transcript_t *t = s_cues();
    assert_true(t->timed);
    assert_string_equal(t->text, "Caf\xC3\xA9 ouvert, \xE2\x82\xAC"
                                 "5 \xF0\x9F\x98\x80. fin");
    char *second = s_seg_text(t, 1);
    assert_string_equal(second, "\xE2\x82\xAC"
                                "5 \xF0\x9F\x98\x80.");
    free(second);
    assert_int_equal(t->segs[1].offset, 14);
    assert_int_equal(t->segs[2].offset, 25);
    transcript_destroy(&t);
}

static void test_transcript_finds_the_time_at_an_offset(void **state)
{
    (void)state;
    transcript_t *t = s_cues();
    assert_int_equal(transcript_time_at(t, 0), 0);
    assert_int_equal(transcript_time_at(t, 12), 0);
    assert_int_equal(transcript_time_at(t, 13), 2000); /* the space between: next cue */
    assert_int_equal(transcript_time_at(t, 14), 2000);
    assert_int_equal(transcript_time_at(t, 24), 3000);
    assert_int_equal(transcript_time_at(t, 27), 3000);
    assert_int_equal(transcript_time_at(t, 28), -1); /* past the end */
    transcript_destroy(&t);
}

static void test_transcript_converts_byte_offsets_to_code_points(void **state)
{
    (void)state;
    transcript_t *t = s_cues();
    assert_int_equal(transcript_cp(t, 0), 0);
    assert_int_equal(transcript_cp(t, 14), 13);
    assert_int_equal(transcript_cp(t, 25), 19);
    assert_int_equal(transcript_cp(t, 10000), 22);
    assert_int_equal(transcript_byte(t, 13), 14);
    assert_int_equal(transcript_byte(t, 19), 25);
    assert_int_equal(transcript_byte(t, 22), t->len);
    assert_int_equal(transcript_byte(t, 999), t->len);
    transcript_destroy(&t);
}

static void test_transcript_writes_json_with_code_point_offsets(void **state)
{
    (void)state;
    transcript_t *t = s_cues();
    char *json = transcript_to_json(t);
    assert_string_equal(json,
                        "{\"text\":\"Caf\xC3\xA9 ouvert, \xE2\x82\xAC"
                        "5 \xF0\x9F\x98\x80. fin\","
                        "\"segments\":[{\"offset\":0,\"length\":12,\"start_ms\":0,\"end_ms\":1500},"
                        "{\"offset\":13,\"length\":5,\"start_ms\":2000,\"end_ms\":3000},"
                        "{\"offset\":19,\"length\":3,\"start_ms\":3000,\"end_ms\":4000}]}");
    free(json);
    transcript_destroy(&t);
}

static void test_transcript_reads_back_what_it_wrote(void **state)
{
    (void)state;
    transcript_t *t = s_cues();
    char *json = transcript_to_json(t);
    err_t err = {0};
    transcript_t *back = transcript_from_json(json, strlen(json), &err);
    assert_non_null(back);
    assert_int_equal(err.code, 0);
    assert_string_equal(back->text, t->text);
    assert_int_equal(back->len, t->len);
    assert_int_equal(back->n_segs, t->n_segs);
    assert_true(back->timed);
    for (size_t i = 0; i < t->n_segs; i++) { /* field by field: not the padding */
        assert_int_equal(back->segs[i].start_ms, t->segs[i].start_ms);
        assert_int_equal(back->segs[i].end_ms, t->segs[i].end_ms);
        assert_int_equal(back->segs[i].offset, t->segs[i].offset);
        assert_int_equal(back->segs[i].length, t->segs[i].length);
        assert_int_equal(back->segs[i].speaker, t->segs[i].speaker);
    }
    free(json);
    transcript_destroy(&back);
    transcript_destroy(&t);
}

static void test_transcript_reads_untimed_json(void **state)
{
    (void)state;
    const char *json = "{\"text\":\"\\u00e9t\\u00e9\\n\\nhiver\",\"segments\":"
                       "[{\"offset\":0,\"length\":3},{\"offset\":5,\"length\":5}]}";
    err_t err = {0};
    transcript_t *t = transcript_from_json(json, strlen(json), &err);
    assert_non_null(t);
    assert_false(t->timed);
    assert_int_equal(t->segs[1].offset, 7);
    assert_int_equal(t->segs[1].start_ms, -1);
    char *again = transcript_to_json(t);
    assert_string_equal(again, "{\"text\":\"\xC3\xA9t\xC3\xA9\\n\\nhiver\",\"segments\":"
                               "[{\"offset\":0,\"length\":3},{\"offset\":5,\"length\":5}]}");
    free(again);
    transcript_destroy(&t);
}

static void s_expect_rejected(const char *json)
{
    err_t err = {0};
    transcript_t *t = transcript_from_json(json, strlen(json), &err);
    if (t)
        fail_msg("accepted %s", json);
    assert_int_equal(err.code, LODE_EINVAL);
    assert_true(err.msg[0] != '\0');
}

static void test_transcript_rejects_malformed_json(void **state)
{
    (void)state;
    s_expect_rejected("");
    s_expect_rejected("{\"text\":\"abc\",\"segments\":[");
    s_expect_rejected("[1,2]");
    s_expect_rejected("{\"segments\":[]}");
    s_expect_rejected("{\"text\":\"abc\"}");
    s_expect_rejected("{\"text\":\"abc\",\"segments\":{}}");
    s_expect_rejected("{\"text\":3,\"segments\":[]}");
    s_expect_rejected("{\"text\":\"a\\u0000b\",\"segments\":[]}");
    s_expect_rejected("{\"text\":\"abc\",\"segments\":[{\"offset\":\"0\",\"length\":1}]}");
    s_expect_rejected("{\"text\":\"abc\",\"segments\":[{\"length\":1}]}");
}

static void test_transcript_rejects_out_of_range_segments(void **state)
{
    (void)state;
    s_expect_rejected("{\"text\":\"abc\",\"segments\":[{\"offset\":-1,\"length\":1}]}");
    s_expect_rejected("{\"text\":\"abc\",\"segments\":[{\"offset\":0,\"length\":-1}]}");
    s_expect_rejected("{\"text\":\"abc\",\"segments\":[{\"offset\":2,\"length\":2}]}");
    s_expect_rejected("{\"text\":\"\\u00e9\",\"segments\":[{\"offset\":0,\"length\":2}]}");
    s_expect_rejected("{\"text\":\"abc\",\"segments\":[{\"offset\":2,\"length\":1},"
                      "{\"offset\":0,\"length\":1}]}");
    s_expect_rejected("{\"text\":\"abc\",\"segments\":[{\"offset\":9,\"length\":0}]}");
    s_expect_rejected("{\"text\":\"abcdef\",\"segments\":[{\"offset\":0,\"length\":4},"
                      "{\"offset\":2,\"length\":2}]}");
}

static void test_transcript_refuses_text_past_its_limit(void **state)
{
    (void)state;
    transcript_t *t = transcript_new();
    err_t err = {0};
    assert_int_equal(transcript_append(t, " ", "x", 1, TRANSCRIPT_UNTIMED, &err), 0);
    /* Fails on the length alone, before reading the (short) text. */
    assert_int_equal(transcript_append(t, " ", "y", (size_t)256 << 20, TRANSCRIPT_UNTIMED, &err),
                     -1);
    assert_int_equal(err.code, LODE_ETOOBIG);
    assert_string_equal(t->text, "x");
    assert_int_equal(t->n_segs, 1);
    transcript_destroy(&t);
}

static void test_transcript_appends_without_a_separator(void **state)
{
    (void)state;
    transcript_t *t = transcript_new();
    err_t err = {0};
    assert_int_equal(transcript_append(t, NULL, "ab", 2, TRANSCRIPT_UNTIMED, &err), 0);
    assert_int_equal(transcript_append(t, NULL, "cd", 2, TRANSCRIPT_UNTIMED, &err), 0);
    assert_string_equal(t->text, "abcd");
    assert_int_equal(t->segs[1].offset, 2);
    transcript_destroy(&t);
}

/* A cursor converts ascending offsets in one pass and agrees with the
 * one-shot conversions, going back and past the end included. */
static void test_transcript_cursor_agrees_with_one_shot_conversions(void **state)
{
    (void)state;
    transcript_t *t = transcript_new();
    err_t err = {0};
    const char *a = "Caf\xC3\xA9 \xE2\x82\xAC"
                    "5 \xF0\x9F\x98\x80 na\xC3\xAF"
                    "ve.";
    assert_int_equal(transcript_append(t, "\n\n", a, strlen(a), TRANSCRIPT_UNTIMED, &err), 0);
    assert_int_equal(transcript_append(t, "\n\n", a, strlen(a), TRANSCRIPT_UNTIMED, &err), 0);
    transcript_cursor_t c = {0, 0};
    for (size_t b = 0; b <= t->len; b++)
        assert_int_equal(transcript_cp_from(t, &c, b), transcript_cp(t, b));
    assert_int_equal(transcript_cp_from(t, &c, 3), transcript_cp(t, 3)); /* back */
    assert_int_equal(transcript_cp_from(t, &c, t->len + 9), transcript_cp(t, t->len));
    size_t total = transcript_cp(t, t->len);
    c = (transcript_cursor_t){0, 0};
    for (size_t cp = 0; cp <= total + 2; cp++)
        assert_int_equal(transcript_byte_from(t, &c, cp), transcript_byte(t, cp));
    assert_int_equal(transcript_byte_from(t, &c, 2), transcript_byte(t, 2)); /* back */
    transcript_destroy(&t);
}

/* The code point index agrees with a plain count at every offset, over
 * 1-, 2-, 3- and 4-byte characters, and follows the text when it grows. */
static void test_transcript_cp_and_byte_agree_with_a_scan(void **state)
{
    (void)state;
    transcript_t *t = transcript_new();
    err_t err = {0};
    for (int i = 0; i < 60; i++)
        assert_int_equal(transcript_append(t, " ", "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z", 11,
                                           TRANSCRIPT_UNTIMED, &err),
                         0);
    for (int round = 0; round < 2; round++) {
        size_t cp = 0;
        for (size_t b = 0; b <= t->len; b++) {
            bool lead = b == t->len || ((unsigned char)t->text[b] & 0xC0) != 0x80;
            assert_int_equal(transcript_cp(t, b), cp);
            if (lead && b < t->len)
                assert_int_equal(transcript_byte(t, cp), b);
            if (lead && b < t->len)
                cp++;
        }
        assert_int_equal(transcript_byte(t, cp), t->len);     /* the end */
        assert_int_equal(transcript_byte(t, cp + 9), t->len); /* past it */
        assert_int_equal(transcript_cp(t, t->len + 5), cp);
        assert_int_equal(
            transcript_append(t, "\n\n", "\xC3\xA9t\xC3\xA9", 5, TRANSCRIPT_UNTIMED, &err), 0);
    }
    transcript_destroy(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transcript_cursor_agrees_with_one_shot_conversions),
        cmocka_unit_test(test_transcript_appends_paragraphs_with_separators),
        cmocka_unit_test(test_transcript_records_cue_times),
        cmocka_unit_test(test_transcript_finds_the_time_at_an_offset),
        cmocka_unit_test(test_transcript_converts_byte_offsets_to_code_points),
        cmocka_unit_test(test_transcript_writes_json_with_code_point_offsets),
        cmocka_unit_test(test_transcript_reads_back_what_it_wrote),
        cmocka_unit_test(test_transcript_reads_untimed_json),
        cmocka_unit_test(test_transcript_rejects_malformed_json),
        cmocka_unit_test(test_transcript_rejects_out_of_range_segments),
        cmocka_unit_test(test_transcript_refuses_text_past_its_limit),
        cmocka_unit_test(test_transcript_appends_without_a_separator),
        cmocka_unit_test(test_transcript_cp_and_byte_agree_with_a_scan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
