/*  test_timedtext.c - YouTube caption bodies: json3, srv3 (ASR words,
 *  manual lines, roll-up), legacy XML with its double escaping, WebVTT;
 *  sniffing, entity decoding, and the failure paths (empty, unknown,
 *  malformed, invalid UTF-8, truncated).
 *  SPDX-License-Identifier: MIT
 */
#include "test.h"
#include "timedtext.h"
#include "utf8.h"

/* ---------------------------------------------------------------- helpers */

static char *s_fixture(const char *name, size_t *len)
{
    char path[1024];
    const char *slash = strrchr(__FILE__, '/');
    int dir_len = slash ? (int)(slash - __FILE__) : 1;
    snprintf(path, sizeof path, "%.*s/../fixtures/youtube/%s", dir_len, slash ? __FILE__ : ".",
             name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open fixture %s", path);
    char *data = malloc(1 << 20);
    *len = fread(data, 1, (1 << 20) - 1, f);
    data[*len] = '\0';
    fclose(f);
    return data;
}

static transcript_t *s_parse_fixture(const char *name, err_t *err)
{
    size_t len;
    char *body = s_fixture(name, &len);
    transcript_t *t = timedtext_parse(body, len, TIMEDTEXT_UNKNOWN, err);
    free(body);
    return t;
}

static transcript_t *s_parse(const char *body, err_t *err)
{
    return timedtext_parse(body, strlen(body), TIMEDTEXT_UNKNOWN, err);
}

static void
s_assert_seg(const transcript_t *t, size_t i, int64_t start, int64_t end, const char *text)
{
    assert_true(i < t->n_segs);
    const transcript_seg_t *s = &t->segs[i];
    char *got = strndup(t->text + s->offset, s->length);
    assert_string_equal(got, text);
    free(got);
    assert_int_equal(s->start_ms, start);
    assert_int_equal(s->end_ms, end);
}

/* ------------------------------------------------------------------ tests */

static void test_json3_body_becomes_timed_segments(void **state)
{
    (void)state;
    err_t err = {0};
    transcript_t *t = s_parse_fixture("tt_json3.json", &err);
    assert_non_null(t);
    assert_true(t->timed);
    assert_string_equal(t->text, "I'm about to explain Today, I have some good news and some bad "
                                 "news. caf\xC3\xA9 \xE2\x80\x94 na\xC3\xAFve done");
    assert_int_equal(t->n_segs, 3);
    s_assert_seg(t, 0, 120, 3679, "I'm about to explain");
    s_assert_seg(t, 1, 4040, 9130, "Today, I have some good news and some bad news.");
    s_assert_seg(t, 2, 9130, 11130, "caf\xC3\xA9 \xE2\x80\x94 na\xC3\xAFve done");
    transcript_destroy(&t);
}

static void test_srv3_asr_words_join_and_entities_decode(void **state)
{
    (void)state;
    err_t err = {0};
    transcript_t *t = s_parse_fixture("tt_srv3_asr.xml", &err);
    assert_non_null(t);
    assert_int_equal(t->n_segs, 2);
    /* The first event stays on screen past the second's start: cut there. */
    s_assert_seg(t, 0, 15519, 17970, "for years it's been");
    s_assert_seg(t, 1, 17970, 20970, "hard to say");
    transcript_destroy(&t);
}

static void test_srv3_manual_lines_drop_markup_empty_and_noise(void **state)
{
    (void)state;
    err_t err = {0};
    transcript_t *t = s_parse_fixture("tt_srv3_manual.xml", &err);
    assert_non_null(t);
    assert_int_equal(t->n_segs, 3);
    s_assert_seg(t, 0, 320, 2020, "Manual caption line");
    s_assert_seg(t, 1, 2100, 4100, "Tom & Jerry's second line");
    s_assert_seg(t, 2, 7400, 8400, "a < b but c > d");
    transcript_destroy(&t);
}

static void test_rollup_captions_do_not_repeat_text(void **state)
{
    (void)state;
    err_t err = {0};
    transcript_t *t = s_parse_fixture("tt_srv3_rollup.xml", &err);
    assert_non_null(t);
    assert_string_equal(
        t->text, "good evening and welcome to the programme tonight we look at captions no no");
    /* A single repeated word is speech, not roll-up: both "no"s stay. */
    assert_int_equal(t->n_segs, 4);
    s_assert_seg(t, 0, 0, 2500, "good evening and welcome to the programme tonight");
    s_assert_seg(t, 1, 2500, 7000, "we look at captions");
    s_assert_seg(t, 2, 9000, 9500, "no");
    transcript_destroy(&t);
}

static void test_legacy_xml_is_unescaped_twice_and_untagged(void **state)
{
    (void)state;
    err_t err = {0};
    transcript_t *t = s_parse_fixture("tt_legacy.xml", &err);
    assert_non_null(t);
    assert_int_equal(t->n_segs, 4);
    s_assert_seg(t, 0, 0, 1540, "Hey, this is just a test");
    s_assert_seg(t, 1, 1540, 5500, "this is not the original transcript");
    s_assert_seg(t, 2, 5500, 7500, "it's \"quoted\" & fine");
    s_assert_seg(t, 3, 7500, 7500, "no duration here");
    transcript_destroy(&t);
}

static void test_srv3_wrapping_legacy_children_parses(void **state)
{
    (void)state;
    err_t err = {0};
    transcript_t *t = s_parse_fixture("tt_srv3_legacy_children.xml", &err);
    assert_non_null(t);
    s_assert_seg(t, 0, 1500, 3500, "wrapped legacy child");
    transcript_destroy(&t);
}

static void test_vtt_body_goes_through_the_vtt_parser(void **state)
{
    (void)state;
    err_t err = {0};
    transcript_t *t = s_parse("WEBVTT\nKind: captions\nLanguage: en\n\n"
                              "00:00:01.000 --> 00:00:02.500\nhello there\n",
                              &err);
    assert_non_null(t);
    s_assert_seg(t, 0, 1000, 2500, "hello there");
    transcript_destroy(&t);
}

static void test_sniff_recognises_each_format(void **state)
{
    (void)state;

    static const struct {
        const char *body;
        timedtext_format_t fmt;
    } cases[] = {
        {"{\"wireMagic\":\"pb3\"}", TIMEDTEXT_JSON3},
        {"\xEF\xBB\xBF  \n{}", TIMEDTEXT_JSON3},
        {"<?xml version=\"1.0\" encoding=\"utf-8\" ?><timedtext format=\"3\">", TIMEDTEXT_SRV3},
        {"<?xml version=\"1.0\" ?>\n<!-- c --><transcript>", TIMEDTEXT_LEGACY},
        {"WEBVTT\n", TIMEDTEXT_VTT},
        {"<!DOCTYPE html><html>", TIMEDTEXT_UNKNOWN},
        {"", TIMEDTEXT_UNKNOWN},
        {"<?xml never closed", TIMEDTEXT_UNKNOWN},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(timedtext_sniff(cases[i].body, strlen(cases[i].body)), cases[i].fmt);
    assert_string_equal(timedtext_format_name(TIMEDTEXT_LEGACY), "srv1");
    assert_string_equal(timedtext_format_name(TIMEDTEXT_JSON3), "json3");
}

static void test_empty_bodies_fail_as_empty(void **state)
{
    (void)state;
    const char *bodies[] = {
        "", "  \n\t", "<?xml version=\"1.0\"?><transcript></transcript>",
        "<timedtext format=\"3\"><body><p t=\"0\" d=\"1\">\n</p></body></timedtext>",
        "{\"wireMagic\":\"pb3\"}"};
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        err_t err = {0};
        assert_null(s_parse(bodies[i], &err));
        assert_int_equal(err.code, LODE_EEMPTY);
        assert_non_null(strstr(err.msg, "empty caption body"));
    }
    err_t err = {0};
    assert_null(s_parse_fixture("tt_empty_events.json", &err));
    assert_int_equal(err.code, LODE_EEMPTY);
}

static void test_unknown_and_malformed_bodies_fail(void **state)
{
    (void)state;
    err_t err = {0};
    assert_null(s_parse("<!DOCTYPE html><html><body>Sign in</body></html>", &err));
    assert_int_equal(err.code, LODE_EUNSUPPORTED);
    err_clear(&err);
    assert_null(s_parse("{\"events\": [", &err));
    assert_int_equal(err.code, LODE_EINVAL);
    assert_non_null(strstr(err.msg, "malformed json3"));
}

static void test_too_big_body_is_refused(void **state)
{
    (void)state;
    err_t err = {0};
    assert_null(timedtext_parse("{}", (size_t)TIMEDTEXT_MAX_BYTES + 1, TIMEDTEXT_JSON3, &err));
    assert_int_equal(err.code, LODE_ETOOBIG);
}

static void test_invalid_utf8_is_repaired(void **state)
{
    (void)state;
    err_t err = {0};
    const char body[] = "<transcript><text start=\"1\" dur=\"1\">bad \xFF byte</text></transcript>";
    transcript_t *t = timedtext_parse(body, sizeof body - 1, TIMEDTEXT_UNKNOWN, &err);
    assert_non_null(t);
    assert_true(utf8_valid(t->text, t->len));
    assert_string_equal(t->text, "bad \xEF\xBF\xBD byte");
    transcript_destroy(&t);
}

static void test_truncated_xml_parses_what_is_there(void **state)
{
    (void)state;
    const char *bodies[] = {
        "<timedtext format=\"3\"><body><p t=\"10\" d=\"5\">cut off",
        "<timedtext format=\"3\"><body><p t=\"10\" d=\"5",
        "<transcript><text start=\"1.5\" dur=\"2\">half &amp",
        "<transcript><text start=\"x\" dur=\"2\">bad start</text><text start=\"2\">ok</text>",
    };
    const char *want[] = {"cut off", NULL, "half &amp", "ok"};
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        err_t err = {0};
        transcript_t *t = s_parse(bodies[i], &err);
        if (!want[i]) {
            assert_null(t);
            assert_int_equal(err.code, LODE_EEMPTY);
            continue;
        }
        assert_non_null(t);
        assert_string_equal(t->text, want[i]);
        transcript_destroy(&t);
    }
}

/* Every prefix of every fixture parses or fails cleanly (ASan watches). */
static void test_every_prefix_of_each_fixture_is_safe(void **state)
{
    (void)state;
    const char *names[] = {"tt_json3.json", "tt_srv3_asr.xml", "tt_srv3_manual.xml",
                           "tt_srv3_rollup.xml", "tt_legacy.xml"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t len;
        char *body = s_fixture(names[i], &len);
        for (size_t n = 0; n <= len; n++) {
            char *cut = malloc(n + 1);
            memcpy(cut, body, n);
            cut[n] = '\0';
            err_t err = {0};
            transcript_t *t = timedtext_parse(cut, n, TIMEDTEXT_UNKNOWN, &err);
            if (t) {
                assert_true(t->len > 0);
                assert_true(utf8_valid(t->text, t->len));
            } else {
                assert_int_not_equal(err.code, 0);
            }
            transcript_destroy(&t);
            free(cut);
        }
        free(body);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json3_body_becomes_timed_segments),
        cmocka_unit_test(test_srv3_asr_words_join_and_entities_decode),
        cmocka_unit_test(test_srv3_manual_lines_drop_markup_empty_and_noise),
        cmocka_unit_test(test_rollup_captions_do_not_repeat_text),
        cmocka_unit_test(test_legacy_xml_is_unescaped_twice_and_untagged),
        cmocka_unit_test(test_srv3_wrapping_legacy_children_parses),
        cmocka_unit_test(test_vtt_body_goes_through_the_vtt_parser),
        cmocka_unit_test(test_sniff_recognises_each_format),
        cmocka_unit_test(test_empty_bodies_fail_as_empty),
        cmocka_unit_test(test_unknown_and_malformed_bodies_fail),
        cmocka_unit_test(test_too_big_body_is_refused),
        cmocka_unit_test(test_invalid_utf8_is_repaired),
        cmocka_unit_test(test_truncated_xml_parses_what_is_there),
        cmocka_unit_test(test_every_prefix_of_each_fixture_is_safe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
