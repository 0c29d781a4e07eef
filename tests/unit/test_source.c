/*  test_source.c - local sources: text, Markdown, WebVTT and SRT into
 *  transcripts; failure paths (empty, bad UTF-8, malformed cues, too big).
 *  SPDX-License-Identifier: MIT
 */
#include <time.h>

#include <jansson.h>

#include "source.h"
#include "test.h"
#include "utf8.h"

/* ---------------------------------------------------------------- helpers */

/* Read tests/fixtures/sources/<name>, found next to this file. */
static char *s_fixture(const char *name, size_t *len)
{
    char path[1024];
    const char *slash = strrchr(__FILE__, '/');
    int dir_len = slash ? (int)(slash - __FILE__) : 1;
    snprintf(path, sizeof path, "%.*s/../fixtures/sources/%s", dir_len, slash ? __FILE__ : ".",
             name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open fixture %s", path);
    char *data = malloc(1 << 20);
    *len = fread(data, 1, 1 << 20, f);
    fclose(f);
    return data;
}

/* Parse a fixture, guessing its format from its name. */
static transcript_t *s_parse_fixture(const char *name, source_meta_t *meta, err_t *err)
{
    size_t len;
    char *body = s_fixture(name, &len);
    transcript_t *t =
        source_parse(name, body, len, source_format_guess(name, body, len), meta, err);
    free(body);
    return t;
}

static transcript_t *s_parse(const char *body, source_format_t fmt, source_meta_t *meta, err_t *err)
{
    return source_parse(NULL, body, strlen(body), fmt, meta, err);
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

/* Every transcript a parser returns is valid UTF-8 and its segments lie in
 * the text, in order and without overlap. */
static void s_assert_well_formed(const transcript_t *t)
{
    assert_true(utf8_valid(t->text, t->len));
    assert_int_equal(strlen(t->text), t->len);
    size_t end = 0;
    for (size_t i = 0; i < t->n_segs; i++) {
        assert_true(t->segs[i].offset >= end);
        assert_true(t->segs[i].length > 0);
        end = t->segs[i].offset + t->segs[i].length;
        assert_true(end <= t->len);
    }
}

static void
s_expect_failure(const char *body, size_t len, source_format_t fmt, int code, const char *msg_part)
{
    source_meta_t meta;
    err_t err = {0};
    transcript_t *t = source_parse("x", body, len, fmt, &meta, &err);
    assert_null(t);
    assert_int_equal(err.code, code);
    if (!strstr(err.msg, msg_part))
        fail_msg("message \"%s\" lacks \"%s\"", err.msg, msg_part);
    source_meta_clear(&meta);
}

/* Caption-shaped text (one short caption line at a time, blank lines
 * between, few sentence ends) is flowed into paragraphs, a new one at a
 * speaker's turn; ordinary paragraphs are left as they are (issue #14). */
static void test_source_flows_caption_shaped_text_into_paragraphs(void **state)
{
    (void)state;
    const char *body = "Dave: so today we are going to talk\n\nabout the feed and how it\n\n"
                       "works when we have a lot of space in\n\nthe index for new shows\n\n"
                       "and the apps that read it\n\nevery single day of the week.\n\n"
                       "Adam: right and the thing is\n\nnobody reads the spec\n\n"
                       "until something breaks\n\nin production for everyone\n\n"
                       "which happens more than\n\nyou would think\n\nreally\n";
    source_meta_t meta;
    err_t err = {0};
    transcript_t *t = source_parse(NULL, body, strlen(body), SOURCE_FMT_TEXT, &meta, &err);
    assert_non_null(t);
    s_assert_well_formed(t);
    assert_int_equal(t->n_segs, 2); /* Dave's turn and Adam's, not 13 lines */
    assert_non_null(
        strstr(t->text, "works when we have a lot of space in the index for new shows"));
    assert_true(strncmp(t->text + t->segs[1].offset, "Adam: right", 11) == 0);
    transcript_destroy(&t);
    source_meta_clear(&meta);
    /* paragraphs that end their sentences are not captions */
    const char *prose = "One. Two.\n\nThree four five.\n\nSix.\n\nSeven.\n\nEight.\n\n"
                        "Nine.\n\nTen.\n\nEleven.\n\nTwelve.\n\nThirteen.\n\nFourteen.\n";
    t = source_parse(NULL, prose, strlen(prose), SOURCE_FMT_TEXT, &meta, &err);
    assert_non_null(t);
    assert_int_equal(t->n_segs, 11); /* as written */
    transcript_destroy(&t);
    source_meta_clear(&meta);
}

/* Speakers: WebVTT voices and "Name:" turns name the segments, the source
 * facts list them, and they survive the transcript's JSON (issue #14). */
static void test_source_carries_speakers(void **state)
{
    (void)state;
    const char *vtt = "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Ada Lovelace>The engine "
                      "weaves patterns.</v>\n\n00:00:04.000 --> 00:00:07.000\n<v.host Charles "
                      "Babbage>It computes tables.\n\n00:00:07.000 --> 00:00:09.000\nNo voice "
                      "here.\n";
    source_meta_t meta;
    err_t err = {0};
    transcript_t *t = source_parse("a.vtt", vtt, strlen(vtt), SOURCE_FMT_VTT, &meta, &err);
    assert_non_null(t);
    assert_int_equal(t->n_segs, 3);
    assert_string_equal(t->text, "The engine weaves patterns. It computes tables. No voice here.");
    assert_string_equal(transcript_speaker_at(t, 0), "Ada Lovelace");
    assert_string_equal(transcript_speaker_at(t, t->segs[1].offset), "Charles Babbage");
    assert_null(transcript_speaker_at(t, t->segs[2].offset));
    assert_int_equal(meta.n_speakers, 2);
    char *json = source_meta_to_json(&meta);
    assert_non_null(strstr(json, "\"speakers\":[\"Ada Lovelace\",\"Charles Babbage\"]"));
    free(json);
    json = transcript_to_json(t);
    transcript_t *back = transcript_from_json(json, strlen(json), &err);
    assert_non_null(back);
    assert_string_equal(transcript_speaker_at(back, back->segs[1].offset), "Charles Babbage");
    free(json);
    transcript_destroy(&back);
    transcript_destroy(&t);
    source_meta_clear(&meta);
    /* "Name:" turns in plain text: three or more make them speakers */
    const char *txt = "Dave: Welcome back.\n\nAdam: Thanks.\n\nDave: So, the feed.\n\n"
                      "Adam: Right.\n\nNote that this line has no turn.\n";
    t = source_parse(NULL, txt, strlen(txt), SOURCE_FMT_TEXT, &meta, &err);
    assert_non_null(t);
    assert_string_equal(transcript_speaker_at(t, 0), "Dave");
    assert_string_equal(transcript_speaker_at(t, t->segs[1].offset), "Adam");
    assert_null(transcript_speaker_at(t, t->segs[4].offset));
    assert_int_equal(meta.n_speakers, 2);
    transcript_destroy(&t);
    source_meta_clear(&meta);
    /* one "Note:" heading names nobody */
    const char *note = "Note: this is a heading.\n\nAnd a paragraph.\n";
    t = source_parse(NULL, note, strlen(note), SOURCE_FMT_TEXT, &meta, &err);
    assert_non_null(t);
    assert_int_equal(t->n_speakers, 0);
    transcript_destroy(&t);
    source_meta_clear(&meta);
}

/* ---------------------------------------------------------------- WebVTT */

static void test_source_text_without_blank_lines_is_one_paragraph_per_line(void **state)
{
    (void)state;
    source_meta_t meta;
    err_t err = {0};
    const char *body = "- Source\nThe data black hole\nSo one definition of intelligence.\n";
    transcript_t *t = source_parse(NULL, body, strlen(body), SOURCE_FMT_TEXT, &meta, &err);
    assert_non_null(t);
    assert_int_equal(t->n_segs, 3);
    assert_string_equal(t->text,
                        "- Source\n\nThe data black hole\n\nSo one definition of intelligence.");
    transcript_destroy(&t);
    source_meta_clear(&meta);
    /* With blank lines, wrapped lines flow together but a bullet still breaks. */
    body = "A wrapped\nline.\n- a bullet\n\nNext.\n";
    t = source_parse(NULL, body, strlen(body), SOURCE_FMT_TEXT, &meta, &err);
    assert_non_null(t);
    assert_string_equal(t->text, "A wrapped line.\n\n- a bullet\n\nNext.");
    transcript_destroy(&t);
    source_meta_clear(&meta);
}

static void test_source_parses_webvtt_cues_into_timed_segments(void **state)
{
    (void)state;
    source_meta_t meta;
    err_t err = {0};
    transcript_t *t = s_parse_fixture("talk.vtt", &meta, &err);

    assert_non_null(t);
    assert_string_equal(t->text, "Welcome to the talk, everyone & friends. "
                                 "Numbers < words \xE2\x80\x94 A. Short timestamps work too.");
    assert_true(t->timed);
    assert_int_equal(t->n_segs, 3);
    s_assert_seg(t, 0, 1000, 4100, "Welcome to the talk, everyone & friends.");
    s_assert_seg(t, 1, 4100, 6500, "Numbers < words \xE2\x80\x94 A.");
    s_assert_seg(t, 2, 62000, 65250, "Short timestamps work too.");
    assert_int_equal(t->segs[1].offset, 41);
    assert_string_equal(meta.kind, "file");
    assert_string_equal(meta.format, "vtt");
    assert_string_equal(meta.name, "talk.vtt");
    assert_string_equal(meta.language, "en");
    assert_null(meta.title);
    assert_int_equal(meta.runtime_ms, 65250);
    assert_int_equal(meta.n_repaired, 0);
    assert_int_equal(meta.n_skipped, 0);
    s_assert_well_formed(t);
    transcript_destroy(&t);
    source_meta_clear(&meta);
}

static void test_source_dedupes_youtube_rolling_captions(void **state)
{
    (void)state;
    source_meta_t meta;
    err_t err = {0};
    transcript_t *t = s_parse_fixture("youtube.vtt", &meta, &err);

    assert_non_null(t);
    assert_string_equal(t->text, "so today we talk about rolling captions and how to fix them");
    assert_int_equal(t->n_segs, 3);
    s_assert_seg(t, 0, 0, 2330, "so today we talk");
    s_assert_seg(t, 1, 2340, 5000, "about rolling captions");
    s_assert_seg(t, 2, 5010, 7000, "and how to fix them");
    assert_int_equal(meta.runtime_ms, 7000);
    transcript_destroy(&t);
    source_meta_clear(&meta);
}

static void test_source_keeps_a_cue_that_only_starts_like_the_previous_line(void **state)
{
    (void)state;
    source_meta_t meta;
    err_t err = {0};
    transcript_t *t = s_parse("WEBVTT\n\n00:01.000 --> 00:02.000\nYes.\n\n"
                              "00:02.000 --> 00:03.000\nYes. I agree.\n",
                              SOURCE_FMT_VTT, &meta, &err);

    assert_non_null(t);
    assert_string_equal(t->text, "Yes. Yes. I agree.");
    transcript_destroy(&t);
    source_meta_clear(&meta);
}

static void test_source_reads_webvtt_with_bom_crlf_and_no_blank_between_cues(void **state)
{
    (void)state;
    const char *vtt = "\xEF\xBB\xBFWEBVTT\r\n\r\n1\r\n00:00:00.500 --> 00:00:01.000\r\n"
                      "One\r\n00:00:01.000 --> 00:00:02.000\r\nTwo\r\nlines\r\n";
    source_meta_t meta;
    err_t err = {0};
    transcript_t *t = s_parse(vtt, SOURCE_FMT_VTT, &meta, &err);

    assert_non_null(t);
    assert_string_equal(t->text, "One Two lines");
    s_assert_seg(t, 0, 500, 1000, "One");
    s_assert_seg(t, 1, 1000, 2000, "Two lines");
    transcript_destroy(&t);
    source_meta_clear(&meta);
}

static void test_source_decodes_webvtt_entities_and_strips_every_tag(void **state)
{
    (void)state;
    const char *vtt = "WEBVTT\n\n00:01.000 --> 00:02.000\n"
                      "<b>A</b>&lrm;&#0;&#xD800;&#1114112;&unknown; &amp<ruby>B<rt>b</rt></ruby> "
                      "&quot;q&quot; <00:00:01.500>C<unclosed\n";
    source_meta_t meta;
    err_t err = {0};
    transcript_t *t = s_parse(vtt, SOURCE_FMT_VTT, &meta, &err);

    assert_non_null(t);
    assert_string_equal(t->text, "A\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD&unknown; &ampBb \"q\" C");
    s_assert_well_formed(t);
    transcript_destroy(&t);
    source_meta_clear(&meta);
}

static void test_source_clamps_a_cue_that_ends_before_it_starts(void **state)
{
    (void)state;
    source_meta_t meta;
    err_t err = {0};
    transcript_t *t =
        s_parse("WEBVTT\n\n00:05.000 --> 00:04.000\nBackwards.\n", SOURCE_FMT_VTT, &meta, &err);

    assert_non_null(t);
    s_assert_seg(t, 0, 5000, 5000, "Backwards.");
    assert_int_equal(meta.runtime_ms, 5000);
    transcript_destroy(&t);
    source_meta_clear(&meta);
}

static void test_source_skips_a_malformed_cue_and_counts_it(void **state)
{
    (void)state;
    const char *vtt = "WEBVTT\n\n00:01.000 --> 00:02.000\nGood.\n\n"
                      "00:02.000 --> 00:99.000\nBad seconds.\n\n"
                      "00:03.000 --> 00:04.000\nAlso good.\n";
    source_meta_t meta;
    err_t err = {0};
    transcript_t *t = s_parse(vtt, SOURCE_FMT_VTT, &meta, &err);

    assert_non_null(t);
    assert_string_equal(t->text, "Good. Also good.");
    assert_int_equal(meta.n_skipped, 1);
    char *json = source_meta_to_json(&meta);
    assert_non_null(strstr(json, "\"notes\":[\"skipped 1 malformed cue\"]"));
    free(json);
    transcript_destroy(&t);
    source_meta_clear(&meta);
}

static void test_source_rejects_webvtt_without_a_valid_cue(void **state)
{
    (void)state;
    size_t len;
    char *body = s_fixture("bad_timing.vtt", &len);
    s_expect_failure(body, len, SOURCE_FMT_VTT, LODE_EINVAL,
                     "no valid cue in WebVTT: first problem: timing line malformed at line 3");
    free(body);
    s_expect_failure("Not a caption file at all.\n", 27, SOURCE_FMT_VTT, LODE_EINVAL,
                     "missing WEBVTT header at line 1");
}

static void test_source_tolerates_webvtt_without_its_header(void **state)
{
    (void)state;
    source_meta_t meta;
    err_t err = {0};
    transcript_t *t =
        s_parse("00:01.000 --> 00:02.000\nHeaderless.\n", SOURCE_FMT_VTT, &meta, &err);

    assert_non_null(t);
    s_assert_seg(t, 0, 1000, 2000, "Headerless.");
    transcript_destroy(&t);
    source_meta_clear(&meta);
}

static void test_source_calls_webvtt_without_cues_an_empty_transcript(void **state)
{
    (void)state;
    size_t len;
    char *body = s_fixture("header_only.vtt", &len);
    s_expect_failure(body, len, SOURCE_FMT_VTT, LODE_EEMPTY, "empty transcript");
    free(body);
    const char *blank_cues = "WEBVTT\n\n00:01.000 --> 00:02.000\n<i> </i>\n\n"
                             "00:02.000 --> 00:03.000\n&nbsp;\n";
    s_expect_failure(blank_cues, strlen(blank_cues), SOURCE_FMT_VTT, LODE_EEMPTY,
                     "empty transcript");
}

/* ------------------------------------------------------------------- SRT */

static void test_source_parses_srt_and_strips_its_tags(void **state)
{
    (void)state;
    source_meta_t meta;
    err_t err = {0};
    transcript_t *t = s_parse_fixture("film.srt", &meta, &err);

    assert_non_null(t);
    assert_string_equal(t->text, "Hello there, general Kenobi. Top of the screen. x < y & y > z");
    s_assert_seg(t, 0, 1000, 3500, "Hello there, general Kenobi.");
    s_assert_seg(t, 1, 3600, 5000, "Top of the screen.");
    s_assert_seg(t, 2, 5000, 7250, "x < y & y > z");
    assert_int_equal(t->segs[2].offset, 48);
    assert_string_equal(meta.format, "srt");
    assert_int_equal(meta.runtime_ms, 7250);
    transcript_destroy(&t);
    source_meta_clear(&meta);
}

static void test_source_reads_srt_without_index_and_with_extra_blank_lines(void **state)
{
    (void)state;
    source_meta_t meta;
    err_t err = {0};
    transcript_t *t = s_parse_fixture("no_index.srt", &meta, &err);

    assert_non_null(t);
    s_assert_seg(t, 0, 1000, 2500, "No index here.");
    s_assert_seg(t, 1, 3000, 4000, "Nor here.");
    transcript_destroy(&t);
    source_meta_clear(&meta);
}

static void test_source_reads_srt_with_bom_and_crlf(void **state)
{
    (void)state;
    source_meta_t meta;
    err_t err = {0};
    transcript_t *t = s_parse_fixture("crlf_bom.srt", &meta, &err);

    assert_non_null(t);
    assert_string_equal(t->text, "Windows line endings. Second cue.");
    s_assert_seg(t, 1, 2000, 3000, "Second cue.");
    transcript_destroy(&t);
    source_meta_clear(&meta);
}

static void test_source_reads_srt_with_dots_short_fractions_and_missing_blanks(void **state)
{
    (void)state;
    const char *srt = "1\n0:00:01.5-->0:00:02,25 X1:10 Y1:20\nfirst\n2\n00:00:03,000 --> "
                      "00:00:04,000\n42\n\n\n  \n3\n00:00:05,000 --> 00:00:06,000\nlast\n";
    source_meta_t meta;
    err_t err = {0};
    transcript_t *t = s_parse(srt, SOURCE_FMT_SRT, &meta, &err);

    assert_non_null(t);
    assert_int_equal(t->n_segs, 3);
    s_assert_seg(t, 0, 1500, 2250, "first");
    s_assert_seg(t, 1, 3000, 4000, "42");
    s_assert_seg(t, 2, 5000, 6000, "last");
    transcript_destroy(&t);
    source_meta_clear(&meta);
}

static void test_source_rejects_malformed_srt(void **state)
{
    (void)state;
    size_t len;
    char *body = s_fixture("bad_timing.srt", &len);
    s_expect_failure(body, len, SOURCE_FMT_SRT, LODE_EINVAL,
                     "no valid cue in SRT: first problem: timing line malformed at line 2");
    free(body);
    body = s_fixture("not_subtitles.srt", &len);
    s_expect_failure(body, len, SOURCE_FMT_SRT, LODE_EINVAL, "no timing line at line 1");
    free(body);
    s_expect_failure("7\n", 2, SOURCE_FMT_SRT, LODE_EINVAL, "cue number without a timing line");
}

/* ------------------------------------------------------------------ text */

static void test_source_splits_text_into_flowing_paragraphs(void **state)
{
    (void)state;
    source_meta_t meta;
    err_t err = {0};
    transcript_t *t = s_parse_fixture("notes.txt", &meta, &err);

    assert_non_null(t);
    assert_string_equal(t->text, "Gray cats sleep. All day long.\n\nSecond paragraph here.");
    assert_false(t->timed);
    assert_int_equal(t->n_segs, 2);
    s_assert_seg(t, 0, -1, -1, "Gray cats sleep. All day long.");
    s_assert_seg(t, 1, -1, -1, "Second paragraph here.");
    assert_int_equal(t->segs[1].offset, 32);
    assert_int_equal(meta.runtime_ms, -1);
    assert_string_equal(meta.format, "text");
    transcript_destroy(&t);
    source_meta_clear(&meta);
}

static void test_source_normalises_crlf_cr_bom_and_unicode_spaces_in_text(void **state)
{
    (void)state;
    const char *txt = "\xEF\xBB\xBFOne\r\ntwo\rthree\r\n\r\nfour\xC2\xA0\xE3\x80\x80"
                      "five\r\r\xE2\x80\x83\rsix";
    source_meta_t meta;
    err_t err = {0};
    transcript_t *t = s_parse(txt, SOURCE_FMT_TEXT, &meta, &err);

    assert_non_null(t);
    assert_string_equal(t->text, "One two three\n\nfour five\n\nsix");
    assert_string_equal(meta.kind, "text");
    assert_null(meta.name);
    transcript_destroy(&t);
    source_meta_clear(&meta);
}

/* -------------------------------------------------------------- Markdown */

static void test_source_turns_markdown_into_readable_prose(void **state)
{
    (void)state;
    source_meta_t meta;
    err_t err = {0};
    transcript_t *t = s_parse_fixture("article.md", &meta, &err);

    assert_non_null(t);
    assert_string_equal(t->text,
                        "The Real Heading\n\n"
                        "Some bold text and emphasis with code and a link. A wrapped line with "
                        "snake_case_name and 2 * 3 = 6.\n\n"
                        "first item\n\nsecond item with ref link\n\nnumbered\n\n"
                        "A quote continues here.\n\n"
                        "Setext Heading\n\n"
                        "Footnote here and https://example.com/auto and tags&entities.\n\n"
                        "a | b\n\n1 | 2");
    assert_string_equal(meta.format, "markdown");
    assert_string_equal(meta.title, "Front Matter Title");
    assert_string_equal(meta.author, "Ada Lovelace");
    assert_string_equal(meta.published, "2024-05-01");
    s_assert_well_formed(t);
    transcript_destroy(&t);
    source_meta_clear(&meta);
}

static void test_source_takes_the_markdown_title_from_the_first_h1(void **state)
{
    (void)state;
    const char *md = "Intro line.\n\n## Not this\n\nThe `Real` [Title](x)\n===\n\n# Later H1\n";
    source_meta_t meta;
    err_t err = {0};
    transcript_t *t = s_parse(md, SOURCE_FMT_MARKDOWN, &meta, &err);

    assert_non_null(t);
    assert_string_equal(meta.title, "The Real Title");
    assert_string_equal(t->text, "Intro line.\n\nNot this\n\nThe Real Title\n\nLater H1");
    transcript_destroy(&t);
    source_meta_clear(&meta);
}

static void test_source_handles_markdown_edge_cases(void **state)
{
    (void)state;
    const char *md = "+++\ntitle = 'Toml'\nlang = \"fr\"\n+++\n"
                     "\\*not emphasis\\* and ~~gone~~ but ~5 stays, a_b_c, 3*4\n"
                     "[![badge](b.svg)](https://ci) text[^1] [laughter] <br> x<sup>2</sup>\n"
                     "* [x] done task\n"
                     "  * nested item\n"
                     "2024. wraps on\n"
                     "\n1) one\n2) two\n\n"
                     "> > nested quote\n\n"
                     "~~~\nunclosed fence runs to the end\n";
    source_meta_t meta;
    err_t err = {0};
    transcript_t *t = s_parse(md, SOURCE_FMT_MARKDOWN, &meta, &err);

    assert_non_null(t);
    assert_string_equal(t->text,
                        "*not emphasis* and gone but ~5 stays, a_b_c, 3*4 text "
                        "[laughter] x2\n\ndone task\n\nnested item 2024. wraps on\n\none\n\ntwo\n\n"
                        "nested quote");
    assert_string_equal(meta.title, "Toml");
    assert_string_equal(meta.language, "fr");
    transcript_destroy(&t);
    source_meta_clear(&meta);
}

static void test_source_calls_markup_only_markdown_an_empty_transcript(void **state)
{
    (void)state;
    size_t len;
    char *body = s_fixture("markup_only.md", &len);
    s_expect_failure(body, len, SOURCE_FMT_MARKDOWN, LODE_EEMPTY, "empty transcript");
    free(body);
}

/* ----------------------------------------------------------- failure paths */

static void test_source_rejects_empty_and_whitespace_only_input(void **state)
{
    (void)state;
    s_expect_failure(NULL, 0, SOURCE_FMT_TEXT, LODE_EEMPTY, "empty transcript");
    s_expect_failure("", 0, SOURCE_FMT_MARKDOWN, LODE_EEMPTY, "empty transcript");
    s_expect_failure(" \t\r\n\n", 5, SOURCE_FMT_TEXT, LODE_EEMPTY, "empty transcript");
    s_expect_failure("\xEF\xBB\xBF \xC2\xA0\xE2\x80\x83\n", 10, SOURCE_FMT_SRT, LODE_EEMPTY,
                     "empty transcript");
    s_expect_failure("\n\n", 2, SOURCE_FMT_VTT, LODE_EEMPTY, "empty transcript");
    size_t len;
    char *body = s_fixture("whitespace.txt", &len);
    s_expect_failure(body, len, SOURCE_FMT_TEXT, LODE_EEMPTY, "empty transcript");
    free(body);
}

static void test_source_repairs_invalid_utf8_and_counts_it(void **state)
{
    (void)state;
    source_meta_t meta;
    err_t err = {0};
    transcript_t *t = s_parse_fixture("bad_utf8.txt", &meta, &err);

    assert_non_null(t);
    assert_string_equal(t->text, "Caf\xEF\xBF\xBD au lait\xEF\xBF\xBD\xEF\xBF\xBD ok.");
    assert_int_equal(meta.n_repaired, 3);
    char *json = source_meta_to_json(&meta);
    assert_non_null(strstr(json, "repaired 3 invalid UTF-8 sequences (U+FFFD)"));
    free(json);
    s_assert_well_formed(t);
    transcript_destroy(&t);
    source_meta_clear(&meta);
}

static void test_source_refuses_input_over_the_size_limit(void **state)
{
    (void)state;
    char *big = calloc(SOURCE_MAX_BYTES + 1, 1);
    s_expect_failure(big, SOURCE_MAX_BYTES + 1, SOURCE_FMT_TEXT, LODE_ETOOBIG, "limit");
    free(big);
}

/* Inputs built to make a careless parser quadratic: 2 MB of one character.
 * Each must parse (or fail) quickly. */
static void test_source_stays_linear_on_pathological_input(void **state)
{
    (void)state;
    const char chars[] = "[<`*_&{!>-";
    size_t n = 2u << 20;
    char *body = malloc(n + 16);
    for (size_t c = 0; c < sizeof chars - 1; c++) {
        memset(body, chars[c], n);
        memcpy(body, "WEBVTT\n\n00:01.000 --> 00:02.000\n", 32);
        for (int fmt = SOURCE_FMT_TEXT; fmt <= SOURCE_FMT_SRT; fmt++) {
            source_meta_t meta;
            err_t err = {0};
            clock_t t0 = clock();
            size_t off = fmt == SOURCE_FMT_VTT ? 0 : 32;
            transcript_t *t = source_parse(NULL, body + off, n - off, fmt, &meta, &err);
            double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
            if (secs > 5)
                fail_msg("'%c' as %s took %.1f s", chars[c], source_format_name(fmt), secs);
            assert_true(t != NULL || err.code != 0);
            transcript_destroy(&t);
            source_meta_clear(&meta);
        }
    }
    free(body);
}

/* Random bytes drawn mostly from the characters the parsers care about:
 * never a crash, and either a well-formed transcript or an error. */
static void test_source_survives_random_input(void **state)
{
    (void)state;
    static const char alphabet[] = "WEBVTT\n\n-->:.,0123456789 <>&#;[]()*_`!{}\\|#>=~\r\xEF\xBB"
                                   "\xBF\xC3\xA9\xFF\x00NOTE";
    unsigned seed = 12345;
    char body[600];
    for (int round = 0; round < 4000; round++) {
        size_t n = (size_t)(rand_r(&seed) % (int)sizeof body);
        for (size_t i = 0; i < n; i++)
            body[i] = rand_r(&seed) % 4 ? alphabet[rand_r(&seed) % (int)(sizeof alphabet - 1)]
                                        : (char)rand_r(&seed);
        source_meta_t meta;
        err_t err = {0};
        transcript_t *t = source_parse("f", body, n, (source_format_t)(round % 4), &meta, &err);
        if (t)
            s_assert_well_formed(t);
        else
            assert_true(err.code == LODE_EEMPTY || err.code == LODE_EINVAL);
        char *json = source_meta_to_json(&meta);
        json_t *back = json_loads(json, 0, NULL);
        assert_non_null(back);
        json_decref(back);
        free(json);
        transcript_destroy(&t);
        source_meta_clear(&meta);
    }
}

/* ------------------------------------------------------- format and meta */

static void test_source_guesses_the_format_from_name_then_body(void **state)
{
    (void)state;
    assert_int_equal(source_format_guess("a/b.VTT", "", 0), SOURCE_FMT_VTT);
    assert_int_equal(source_format_guess("x.Srt", "WEBVTT\n", 7), SOURCE_FMT_SRT);
    assert_int_equal(source_format_guess("notes.markdown", NULL, 0), SOURCE_FMT_MARKDOWN);
    assert_int_equal(source_format_guess("notes.md", NULL, 0), SOURCE_FMT_MARKDOWN);
    assert_int_equal(source_format_guess("notes.TXT", "WEBVTT\n", 7), SOURCE_FMT_TEXT);
    assert_int_equal(source_format_guess("readme.text", NULL, 0), SOURCE_FMT_TEXT);
    const char *vtt = "\xEF\xBB\xBFWEBVTT - title\r\n";
    assert_int_equal(source_format_guess("captions", vtt, strlen(vtt)), SOURCE_FMT_VTT);
    assert_int_equal(source_format_guess("dir.vtt/file", "WEBVTTX\n", 8), SOURCE_FMT_TEXT);
    const char *srt = "\r\n1\r\n00:00:01,000 --> 00:00:02,000\r\nHi\r\n";
    assert_int_equal(source_format_guess(NULL, srt, strlen(srt)), SOURCE_FMT_SRT);
    const char *srt2 = "00:01,000 --> 00:02,000\nHi\n";
    assert_int_equal(source_format_guess("upload.bin", srt2, strlen(srt2)), SOURCE_FMT_SRT);
    const char *txt = "1\nThis is a list, not a subtitle.\n";
    assert_int_equal(source_format_guess(NULL, txt, strlen(txt)), SOURCE_FMT_TEXT);
    assert_int_equal(source_format_guess(NULL, NULL, 0), SOURCE_FMT_TEXT);
    assert_string_equal(source_format_name(SOURCE_FMT_VTT), "vtt");
    assert_string_equal(source_format_name(SOURCE_FMT_MARKDOWN), "markdown");
}

static void test_source_writes_meta_as_json_without_absent_values(void **state)
{
    (void)state;
    source_meta_t meta = {0};
    meta.kind = strdup("file");
    meta.format = strdup("vtt");
    meta.name = strdup("t\xFFk.vtt"); /* a caller's raw name: repaired, not lost */
    meta.title = strdup("Caf\xC3\xA9");
    meta.language = strdup("en");
    meta.runtime_ms = 716500;
    meta.n_repaired = 1;
    char *json = source_meta_to_json(&meta);
    assert_string_equal(json,
                        "{\"kind\":\"file\",\"format\":\"vtt\",\"name\":\"t\xEF\xBF\xBDk.vtt\","
                        "\"title\":\"Caf\xC3\xA9\",\"runtime_s\":717,\"language\":\"en\","
                        "\"notes\":[\"repaired 1 invalid UTF-8 sequence (U+FFFD)\"]}");
    free(json);
    source_meta_clear(&meta);
    assert_null(meta.kind);
    assert_int_equal(meta.runtime_ms, -1);

    err_t err = {0};
    transcript_t *t = s_parse("hello", SOURCE_FMT_TEXT, &meta, &err);
    json = source_meta_to_json(&meta);
    assert_string_equal(json, "{\"kind\":\"text\",\"format\":\"text\"}");
    free(json);
    transcript_destroy(&t);
    source_meta_clear(&meta);
    source_meta_clear(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_source_parses_webvtt_cues_into_timed_segments),
        cmocka_unit_test(test_source_text_without_blank_lines_is_one_paragraph_per_line),
        cmocka_unit_test(test_source_flows_caption_shaped_text_into_paragraphs),
        cmocka_unit_test(test_source_carries_speakers),
        cmocka_unit_test(test_source_dedupes_youtube_rolling_captions),
        cmocka_unit_test(test_source_keeps_a_cue_that_only_starts_like_the_previous_line),
        cmocka_unit_test(test_source_reads_webvtt_with_bom_crlf_and_no_blank_between_cues),
        cmocka_unit_test(test_source_decodes_webvtt_entities_and_strips_every_tag),
        cmocka_unit_test(test_source_clamps_a_cue_that_ends_before_it_starts),
        cmocka_unit_test(test_source_skips_a_malformed_cue_and_counts_it),
        cmocka_unit_test(test_source_rejects_webvtt_without_a_valid_cue),
        cmocka_unit_test(test_source_tolerates_webvtt_without_its_header),
        cmocka_unit_test(test_source_calls_webvtt_without_cues_an_empty_transcript),
        cmocka_unit_test(test_source_parses_srt_and_strips_its_tags),
        cmocka_unit_test(test_source_reads_srt_without_index_and_with_extra_blank_lines),
        cmocka_unit_test(test_source_reads_srt_with_bom_and_crlf),
        cmocka_unit_test(test_source_reads_srt_with_dots_short_fractions_and_missing_blanks),
        cmocka_unit_test(test_source_rejects_malformed_srt),
        cmocka_unit_test(test_source_splits_text_into_flowing_paragraphs),
        cmocka_unit_test(test_source_normalises_crlf_cr_bom_and_unicode_spaces_in_text),
        cmocka_unit_test(test_source_turns_markdown_into_readable_prose),
        cmocka_unit_test(test_source_takes_the_markdown_title_from_the_first_h1),
        cmocka_unit_test(test_source_handles_markdown_edge_cases),
        cmocka_unit_test(test_source_calls_markup_only_markdown_an_empty_transcript),
        cmocka_unit_test(test_source_rejects_empty_and_whitespace_only_input),
        cmocka_unit_test(test_source_repairs_invalid_utf8_and_counts_it),
        cmocka_unit_test(test_source_refuses_input_over_the_size_limit),
        cmocka_unit_test(test_source_stays_linear_on_pathological_input),
        cmocka_unit_test(test_source_survives_random_input),
        cmocka_unit_test(test_source_guesses_the_format_from_name_then_body),
        cmocka_unit_test(test_source_writes_meta_as_json_without_absent_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
