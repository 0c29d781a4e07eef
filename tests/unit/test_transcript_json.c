/*  test_transcript_json.c - transcript_from_json reads the exact form
 *  transcript_to_json writes directly and leaves anything else to jansson:
 *  both ways must give the same transcript, and refuse the same inputs.
 *  SPDX-License-Identifier: MIT
 */
#include "test.h"
#include "transcript.h"

static void s_same(const transcript_t *a, const transcript_t *b)
{
    assert_int_equal(a->len, b->len);
    assert_memory_equal(a->text, b->text, a->len);
    assert_int_equal(a->text[a->len], '\0');
    assert_int_equal(a->n_segs, b->n_segs);
    assert_int_equal(a->timed, b->timed);
    for (size_t i = 0; i < a->n_segs; i++) {
        assert_int_equal(a->segs[i].offset, b->segs[i].offset);
        assert_int_equal(a->segs[i].length, b->segs[i].length);
        assert_int_equal(a->segs[i].start_ms, b->segs[i].start_ms);
        assert_int_equal(a->segs[i].end_ms, b->segs[i].end_ms);
        const char *sa = transcript_speaker_at(a, a->segs[i].offset);
        const char *sb = transcript_speaker_at(b, b->segs[i].offset);
        assert_true((sa == NULL) == (sb == NULL));
        if (sa)
            assert_string_equal(sa, sb);
    }
}

static transcript_t *s_parse(const char *json)
{
    err_t err = {0};
    transcript_t *t = transcript_from_json(json, strlen(json), &err);
    assert_non_null(t);
    return t;
}

/* Text with what JSON escapes (quotes, backslashes, controls), multi-byte
 * code points and an emoji, in timed and untimed segments with speakers. */
static void test_the_written_form_reads_back_exactly(void **state)
{
    (void)state;
    static const char *const cues[] = {
        "He said \"no\" \\ twice.", "Tabs\tand\nnewlines\x01 too.",
        "Caf\xC3\xA9 \xE2\x80\x94 na\xC3\xAFve \xF0\x9F\x98\x80 done.", "/slashes/ and </script>",
        "Plain words, the most of any transcript."};
    transcript_t *t = transcript_new();
    err_t err = {0};
    for (size_t i = 0; i < 5; i++) {
        transcript_time_t at =
            i == 3 ? TRANSCRIPT_UNTIMED
                   : (transcript_time_t){(int64_t)i * 1000, (int64_t)i * 1000 + 900};
        assert_int_equal(transcript_append(t, " ", cues[i], strlen(cues[i]), at, &err), 0);
    }
    transcript_set_speaker(t, 0, "Ana \"A\" Lee", 12);
    transcript_set_speaker(t, 2, "Jos\xC3\xA9", 5);
    char *json = transcript_to_json(t);
    transcript_t *back = s_parse(json);
    s_same(t, back);
    free(json);
    transcript_destroy(&back);
    transcript_destroy(&t);
}

/* The same transcript written other ways (white space, key order, \u
 * escapes, a surrogate pair, extra keys) goes the general way: same result. */
static void test_other_spellings_read_the_same(void **state)
{
    (void)state;
    transcript_t *exact = s_parse("{\"text\":\"Hi \xF0\x9F\x98\x80 there. Bye.\",\"segments\":"
                                  "[{\"offset\":0,\"length\":10,\"start_ms\":0,\"end_ms\":5,"
                                  "\"speaker\":\"Al\"},{\"offset\":11,\"length\":4}]}");
    static const char *const others[] = {
        "{ \"text\": \"Hi \\ud83d\\ude00 there. Bye.\", \"segments\": [{\"offset\": 0, \"length\": "
        "10, \"start_ms\": 0, \"end_ms\": 5, \"speaker\": \"Al\"}, {\"offset\": 11, \"length\": "
        "4}] }",
        "{\"segments\":[{\"length\":10,\"offset\":0,\"speaker\":\"\\u0041l\",\"end_ms\":5,"
        "\"start_ms\":0},{\"offset\":11,\"length\":4,\"x\":1}],\"text\":\"Hi \xF0\x9F\x98\x80 "
        "there. Bye.\",\"more\":null}",
        "{\"text\":\"Hi \xF0\x9F\x98\x80 there\\u002e Bye\\u002E\",\"segments\":[{\"offset\":0,"
        "\"length\":10,\"start_ms\":0,\"end_ms\":5,\"speaker\":\"Al\"},{\"offset\":11,"
        "\"length\":4}]}\n",
    };
    for (size_t i = 0; i < 3; i++) {
        transcript_t *t = s_parse(others[i]);
        s_same(exact, t);
        transcript_destroy(&t);
    }
    transcript_destroy(&exact);
}

static void s_refused(const char *json, size_t len)
{
    err_t err = {0};
    transcript_t *t = transcript_from_json(json, len, &err);
    assert_null(t);
    assert_int_equal(err.code, LODE_EINVAL);
}

/* Every prefix of a good transcript, and bad values in the exact form. */
static void test_bad_input_is_refused_either_way(void **state)
{
    (void)state;
    const char *good = "{\"text\":\"One \\\"two\\\" \xC3\xA9. Four.\",\"segments\":[{\"offset\":0,"
                       "\"length\":11,\"start_ms\":7,\"end_ms\":9,\"speaker\":\"S\"},{\"offset\":"
                       "12,\"length\":5}]}";
    transcript_t *t = s_parse(good);
    assert_int_equal(t->n_segs, 2);
    transcript_destroy(&t);
    for (size_t n = 0; n < strlen(good); n++)
        s_refused(good, n);
    static const char *const bad[] = {
        "{\"text\":\"ab\",\"segments\":[{\"offset\":0,\"length\":3}]}", /* past the end */
        "{\"text\":\"ab\",\"segments\":[{\"offset\":1,\"length\":1},{\"offset\":0,\"length\":1}]}",
        "{\"text\":\"ab\",\"segments\":[{\"offset\":-1,\"length\":1}]}", /* negative */
        "{\"text\":\"a\\u0000b\",\"segments\":[]}",                      /* NUL */
        "{\"text\":\"a\\ud800b\",\"segments\":[]}",                      /* lone surrogate */
        "{\"text\":\"a\xC3\",\"segments\":[]}",                          /* not UTF-8 */
        "{\"text\":\"a\x01\",\"segments\":[]}",                          /* raw control */
        "{\"text\":\"ab\",\"segments\":[{\"offset\":01,\"length\":1}]}", /* leading zero */
        "{\"text\":\"ab\",\"segments\":[]}x",                            /* trailing junk */
        "{\"text\":\"ab\",\"segments\":{}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        s_refused(bad[i], strlen(bad[i]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_written_form_reads_back_exactly),
        cmocka_unit_test(test_other_spellings_read_the_same),
        cmocka_unit_test(test_bad_input_is_refused_either_way),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
