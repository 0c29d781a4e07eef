/*  test_extract.c - the extractive engine: snippets, synthesis, fan-out
 *  and their JSON forms, on the seed page's quotes read as a transcript.
 *  SPDX-License-Identifier: MIT
 */
#include <jansson.h>

#include "extract.h"
#include "sentence.h"
#include "test.h"
#include "transcript.h"

#define SEED "seeds/000_a5cf945eb98e69f0.txt"

/* The seed page's §02 quotes, each the line after a "-" line. */
static size_t s_seed_quotes(char *seed, char **quotes, size_t max)
{
    size_t n = 0;
    bool in02 = false, next = false;
    for (char *line = strtok(seed, "\n"); line && n < max; line = strtok(NULL, "\n")) {
        if (strncmp(line, "\xC2\xA7", 2) == 0)
            in02 = strcmp(line + 2, "02") == 0;
        else if (in02 && next)
            quotes[n++] = line;
        next = strcmp(line, "-") == 0;
    }
    return n;
}

/* The quotes as a timed transcript, one cue per quote, rounds times over. */
static transcript_t *s_seed_transcript(int rounds, bool timed)
{
    FILE *f = fopen(SEED, "rb");
    assert_non_null(f);
    static char seed[65536];
    size_t len = fread(seed, 1, sizeof seed - 1, f);
    fclose(f);
    seed[len] = '\0';
    char *quotes[64];
    size_t n = s_seed_quotes(seed, quotes, 64);
    assert_true(n >= 15);
    transcript_t *t = transcript_new();
    err_t err = {0};
    int64_t ms = 0;
    for (int r = 0; r < rounds; r++) {
        for (size_t i = 0; i < n; i++, ms += 20000) {
            const char *q = quotes[(i * 7 + (size_t)r * 3) % n];
            assert_int_equal(
                transcript_append(t, " ", q, strlen(q),
                                  (transcript_time_t){timed ? ms : -1, timed ? ms + 20000 : -1},
                                  &err),
                0);
        }
    }
    return t;
}

/* Distinct prose of the seed page, ~3,700 words: its §02 quotes and
 * commentary and its §03 paragraphs, one timed cue per line, in page order. */
static transcript_t *s_seed_page_transcript(void)
{
    FILE *f = fopen(SEED, "rb");
    assert_non_null(f);
    static char seed[65536];
    size_t len = fread(seed, 1, sizeof seed - 1, f);
    fclose(f);
    seed[len] = '\0';
    transcript_t *t = transcript_new();
    err_t err = {0};
    int64_t ms = 0;
    int section = 0;
    for (char *line = strtok(seed, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, "\xC2\xA7", 2) == 0)
            section = atoi(line + 2);
        else if ((section == 2 || section == 3) && strlen(line) > 80 && line[0] != '#') {
            assert_int_equal(transcript_append(t, " ", line, strlen(line),
                                               (transcript_time_t){ms, ms + 20000}, &err),
                             0);
            ms += 20000;
        }
    }
    return t;
}

static transcript_t *s_text_transcript(const char *text)
{
    transcript_t *t = transcript_new();
    err_t err = {0};
    assert_int_equal(transcript_append(t, "\n\n", text, strlen(text), TRANSCRIPT_UNTIMED, &err), 0);
    return t;
}

static void s_check_snippets(const transcript_t *t, const extract_snippets_t *s)
{
    assert_true(s->count >= 3);
    int *ranks = calloc(s->count + 1, sizeof *ranks);
    for (size_t i = 0; i < s->count; i++) {
        const extract_snippet_t *sn = &s->items[i];
        assert_true(sn->length > 0 && sn->offset + sn->length <= t->len);
        if (i > 0)
            assert_true(s->items[i - 1].offset + s->items[i - 1].length < sn->offset);
        sentence_list_t l;
        err_t err = {0};
        assert_int_equal(sentence_split(t->text + sn->offset, sn->length, NULL, &l, &err), 0);
        assert_in_range(l.count, 1, 4); /* idea units of one to four sentences */
        sentence_list_clear(&l);
        assert_non_null(sn->commentary);
        assert_true(strlen(sn->commentary) > 10);
        assert_null(strchr(sn->commentary, '\n'));
        assert_in_range(sn->rank, 1, (int)s->count);
        ranks[sn->rank]++;
        assert_true(sn->score > 0 && sn->score <= 1.0);
    }
    for (size_t r = 1; r <= s->count; r++)
        assert_int_equal(ranks[r], 1);
    free(ranks);
}

static void test_extract_snippets_are_verbatim_ranked_and_timed(void **state)
{
    (void)state;
    transcript_t *t = s_seed_transcript(1, true);
    extract_snippets_t s;
    err_t err = {0};
    assert_int_equal(extract_snippets(t, NULL, &s, &err), 0);
    s_check_snippets(t, &s);
    for (size_t i = 0; i < s.count; i++) {
        assert_true(s.items[i].start_ms >= 0);
        assert_int_equal(s.items[i].start_ms, transcript_time_at(t, s.items[i].offset));
    }
    extract_snippets_clear(&s);
    assert_null(s.items);
    transcript_destroy(&t);
}

static void test_extract_snippets_spread_over_a_long_source(void **state)
{
    (void)state;
    transcript_t *t = s_seed_page_transcript();
    extract_snippets_t s;
    err_t err = {0};
    assert_int_equal(extract_snippets(t, NULL, &s, &err), 0);
    s_check_snippets(t, &s);
    /* the budget follows the length: 19 per ~2,000 words, growing with the
     * square root */
    size_t words = 0;
    for (size_t i = 0; i < t->len; i++)
        words += t->text[i] == ' ';
    assert_true(words > 3000);
    assert_in_range(s.count, 15, extract_snippet_budget(words));
    size_t thirds[3] = {0};
    for (size_t i = 0; i < s.count; i++)
        thirds[s.items[i].offset * 3 / t->len]++;
    assert_true(thirds[0] > 0 && thirds[1] > 0 && thirds[2] > 0);
    assert_true(thirds[0] < s.count / 2);
    extract_snippets_clear(&s);
    transcript_destroy(&t);
}

/* The same passage said again later is not kept twice. */
static void test_extract_snippets_never_repeat_a_passage(void **state)
{
    (void)state;
    transcript_t *t = s_seed_transcript(6, true);
    extract_snippets_t s;
    err_t err = {0};
    assert_int_equal(extract_snippets(t, NULL, &s, &err), 0);
    s_check_snippets(t, &s);
    for (size_t i = 0; i < s.count; i++)
        for (size_t j = i + 1; j < s.count; j++)
            assert_false(s.items[i].length == s.items[j].length &&
                         memcmp(t->text + s.items[i].offset, t->text + s.items[j].offset,
                                s.items[i].length) == 0);
    extract_snippets_clear(&s);
    transcript_destroy(&t);
}

static void test_extract_snippets_are_deterministic(void **state)
{
    (void)state;
    transcript_t *t = s_seed_transcript(2, true);
    extract_snippets_t a, b;
    err_t err = {0};
    assert_int_equal(extract_snippets(t, NULL, &a, &err), 0);
    assert_int_equal(extract_snippets(t, NULL, &b, &err), 0);
    char *ja = extract_snippets_to_json(t, &a), *jb = extract_snippets_to_json(t, &b);
    assert_string_equal(ja, jb);
    free(ja);
    free(jb);
    extract_snippets_clear(&a);
    extract_snippets_clear(&b);
    transcript_destroy(&t);
}

static void test_extract_commentary_varies_between_snippets(void **state)
{
    (void)state;
    transcript_t *t = s_seed_transcript(1, false);
    extract_snippets_t s;
    err_t err = {0};
    assert_int_equal(extract_snippets(t, NULL, &s, &err), 0);
    size_t same = 0;
    for (size_t i = 0; i < s.count; i++)
        for (size_t j = i + 1; j < s.count; j++)
            same += strcmp(s.items[i].commentary, s.items[j].commentary) == 0;
    assert_int_equal(same, 0);
    extract_snippets_clear(&s);
    transcript_destroy(&t);
}

static void test_extract_untimed_snippets_have_no_start(void **state)
{
    (void)state;
    transcript_t *t = s_seed_transcript(1, false);
    extract_opts_t opts = {.max_snippets = 4};
    extract_snippets_t s;
    err_t err = {0};
    assert_int_equal(extract_snippets(t, &opts, &s, &err), 0);
    assert_int_equal(s.count, 4);
    for (size_t i = 0; i < s.count; i++)
        assert_int_equal(s.items[i].start_ms, -1);
    char *json = extract_snippets_to_json(t, &s);
    assert_null(strstr(json, "start_ms"));
    free(json);
    extract_snippets_clear(&s);
    transcript_destroy(&t);
}

static void test_extract_snippets_json_round_trips_in_code_points(void **state)
{
    (void)state;
    /* Multi-byte text first, so byte and code point offsets differ. */
    transcript_t *t = s_seed_transcript(1, true);
    transcript_t *u = transcript_new();
    err_t err = {0};
    const char *pre =
        "Caf\xC3\xA9 na\xC3\xAFve \xE2\x80\x9Cquotes\xE2\x80\x9D r\xC3\xA9sum\xC3\xA9.";
    assert_int_equal(
        transcript_append(u, " ", pre, strlen(pre), (transcript_time_t){0, 1000}, &err), 0);
    assert_int_equal(
        transcript_append(u, " ", t->text, t->len, (transcript_time_t){1000, 900000}, &err), 0);
    extract_snippets_t s, back;
    assert_int_equal(extract_snippets(u, NULL, &s, &err), 0);
    char *json = extract_snippets_to_json(u, &s);
    json_t *arr = json_loads(json, 0, NULL);
    json_t *first = json_array_get(arr, 0);
    assert_int_equal(json_integer_value(json_object_get(first, "id")), 1);
    assert_int_equal(json_integer_value(json_object_get(first, "offset")),
                     transcript_cp(u, s.items[0].offset));
    json_decref(arr);
    assert_int_equal(extract_snippets_from_json(u, json, strlen(json), &back, &err), 0);
    assert_int_equal(back.count, s.count);
    for (size_t i = 0; i < s.count; i++) {
        assert_int_equal(back.items[i].offset, s.items[i].offset);
        assert_int_equal(back.items[i].length, s.items[i].length);
        assert_int_equal(back.items[i].start_ms, s.items[i].start_ms);
        assert_int_equal(back.items[i].rank, s.items[i].rank);
        assert_string_equal(back.items[i].commentary, s.items[i].commentary);
    }
    free(json);
    extract_snippets_clear(&s);
    extract_snippets_clear(&back);
    transcript_destroy(&u);
    transcript_destroy(&t);
}

static void test_extract_snippets_json_rejects_a_quote_not_in_the_source(void **state)
{
    (void)state;
    transcript_t *t = s_text_transcript("Alpha beta gamma. Delta epsilon zeta.");
    extract_snippets_t s;
    err_t err = {0};
    const char *bad = "[{\"id\":1,\"quote\":\"Alpha beta gamma!\",\"commentary\":\"x\","
                      "\"offset\":0,\"length\":17,\"rank\":1,\"score\":1.0}]";
    assert_int_equal(extract_snippets_from_json(t, bad, strlen(bad), &s, &err), -1);
    assert_int_equal(err.code, LODE_EINVAL);
    assert_null(s.items);
    err_clear(&err);
    const char *range = "[{\"quote\":\"Alpha\",\"offset\":100,\"length\":5}]";
    assert_int_equal(extract_snippets_from_json(t, range, strlen(range), &s, &err), -1);
    assert_int_equal(err.code, LODE_EINVAL);
    err_clear(&err);
    assert_int_equal(extract_snippets_from_json(t, "{\"a\":", 5, &s, &err), -1);
    assert_int_equal(err.code, LODE_EINVAL);
    err_clear(&err);
    const char *good = "[{\"quote\":\"Alpha beta gamma.\",\"offset\":0,\"length\":17}]";
    assert_int_equal(extract_snippets_from_json(t, good, strlen(good), &s, &err), 0);
    assert_int_equal(s.count, 1);
    assert_int_equal(s.items[0].length, 17);
    extract_snippets_clear(&s);
    transcript_destroy(&t);
}

/* Two topics with disjoint vocabularies, a dozen sentences each. */
static transcript_t *s_two_topics(void)
{
    static const char *const a[] = {"pasta", "tomato sauce", "garlic", "olive oil", "basil"};
    static const char *const b[] = {"telescope", "distant galaxies", "star clusters", "dark matter",
                                    "orbital mechanics"};
    char text[16384] = "";
    for (int topic = 0; topic < 2; topic++) {
        const char *const *w = topic ? b : a;
        for (int i = 0; i < 14; i++) {
            char line[512];
            snprintf(line, sizeof line,
                     "The %s matters when %s meets %s, and experts describe %s with care. ",
                     w[i % 5], w[(i + 1) % 5], w[(i + 2) % 5], w[(i + 3) % 5]);
            strcat(text, line);
        }
        strcat(text, "\n\n");
    }
    return s_text_transcript(text);
}

static void test_extract_synthesis_has_title_and_sections(void **state)
{
    (void)state;
    transcript_t *t = s_two_topics();
    extract_synthesis_t syn;
    err_t err = {0};
    assert_int_equal(extract_synthesis(t, NULL, NULL, &syn, &err), 0);
    assert_true(strlen(syn.title) > 3);
    assert_memory_equal(syn.markdown, "# ", 2);
    size_t sections = 0;
    for (const char *p = syn.markdown; (p = strstr(p, "\n## ")) != NULL; p++)
        sections++;
    assert_true(sections >= 2);
    /* Each topic gets its own section: the second is about the sky. */
    const char *h2 = strstr(syn.markdown, "\n## ");
    const char *h3 = strstr(h2 + 1, "\n## ");
    assert_true(h3 != NULL);
    assert_true(strstr(h3, "galax") || strstr(h3, "Galax") || strstr(h3, "telescope") ||
                strstr(h3, "Telescope") || strstr(h3, "Star") || strstr(h3, "Dark") ||
                strstr(h3, "Orbital"));
    extract_synthesis_clear(&syn);
    transcript_destroy(&t);
}

static void test_extract_synthesis_uses_the_source_title_and_round_trips(void **state)
{
    (void)state;
    transcript_t *t = s_seed_transcript(1, true);
    extract_snippets_t s;
    extract_synthesis_t syn, back;
    err_t err = {0};
    assert_int_equal(extract_snippets(t, NULL, &s, &err), 0);
    assert_int_equal(extract_synthesis(t, &s, "The data black hole", &syn, &err), 0);
    assert_string_equal(syn.title, "The data black hole");
    assert_memory_equal(syn.markdown, "# The data black hole\n\n", 23);
    assert_non_null(strstr(syn.markdown, "\n## "));
    char *json = extract_synthesis_to_json(&syn);
    assert_int_equal(extract_synthesis_from_json(json, strlen(json), &back, &err), 0);
    assert_string_equal(back.title, syn.title);
    assert_string_equal(back.markdown, syn.markdown);
    free(json);
    extract_synthesis_clear(&back);
    assert_int_equal(extract_synthesis_from_json("{\"title\":1}", 11, &back, &err), -1);
    assert_int_equal(err.code, LODE_EINVAL);
    extract_synthesis_clear(&back);
    extract_synthesis_clear(&syn);
    extract_snippets_clear(&s);
    transcript_destroy(&t);
}

static bool s_has(char *const *items, size_t n, const char *want)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(items[i], want) == 0)
            return true;
    return false;
}

static void test_extract_fanout_finds_questions_concepts_and_references(void **state)
{
    (void)state;
    transcript_t *t = s_seed_transcript(1, false);
    const char *extra =
        "Andrej Karpathy made this point about sample efficiency years ago. The Chinchilla "
        "paper set the scaling laws most labs still use. I asked Andrej Karpathy about the "
        "Chinchilla paper last year, and he said the scaling laws hold. Why should anyone "
        "trust the scaling laws for sample efficiency? Karpathy thinks they still hold.";
    err_t err = {0};
    assert_int_equal(transcript_append(t, " ", extra, strlen(extra), TRANSCRIPT_UNTIMED, &err), 0);
    extract_fanout_t f;
    assert_int_equal(extract_fanout(t, NULL, NULL, &f, &err), 0);
    assert_true(s_has(f.references, f.n_references, "Andrej Karpathy"));
    /* "Chinchilla paper" and the seed's "Chinchilla scaling-law paper" are
     * one work, named once (issue #14: variants merged) */
    size_t chinchilla = 0;
    for (size_t i = 0; i < f.n_references; i++)
        chinchilla += strncmp(f.references[i], "Chinchilla ", 11) == 0;
    assert_int_equal(chinchilla, 1);
    assert_true(s_has(f.questions, f.n_questions,
                      "Why should anyone trust the scaling laws for sample efficiency?"));
    assert_true(s_has(f.concepts, f.n_concepts, "Sample efficiency"));
    assert_in_range(f.n_questions, 5, 12); /* fewer and better (issue #14) */
    assert_in_range(f.n_concepts, 8, 15);
    char *json = extract_fanout_to_json(&f);
    json_t *o = json_loads(json, 0, NULL);
    assert_int_equal(json_array_size(json_object_get(o, "questions")), f.n_questions);
    assert_int_equal(json_array_size(json_object_get(o, "references")), f.n_references);
    json_decref(o);
    free(json);
    extract_fanout_clear(&f);
    assert_null(f.questions);
    transcript_destroy(&t);
}

/* A text of the same few words repeated has words but nothing to quote:
 * the message says so rather than "empty". */
static void test_extract_says_why_a_repetitive_text_has_no_snippet(void **state)
{
    (void)state;
    /* What source_parse makes of a file of one line repeated: a paragraph
     * a line. */
    transcript_t *t = transcript_new();
    err_t err = {0};
    for (int i = 0; i < 400; i++)
        assert_int_equal(
            transcript_append(t, "\n\n", "alpha beta gamma delta", 22, TRANSCRIPT_UNTIMED, &err),
            0);
    extract_snippets_t s;
    assert_int_equal(extract_snippets(t, NULL, &s, &err), -1);
    assert_int_equal(err.code, LODE_EEMPTY);
    if (!strstr(err.msg, "no sentence stands out to quote in 1600 words"))
        fail_msg("%s", err.msg);
    transcript_destroy(&t);
}

static void test_extract_fails_on_an_empty_transcript(void **state)
{
    (void)state;
    transcript_t *t = transcript_new();
    transcript_t *blank = s_text_transcript("   ... \xE2\x80\x94 ");
    extract_snippets_t s;
    extract_synthesis_t syn;
    extract_fanout_t f;
    err_t err = {0};
    assert_int_equal(extract_snippets(t, NULL, &s, &err), -1);
    assert_int_equal(err.code, LODE_EEMPTY);
    assert_string_equal(err.msg, "empty transcript");
    err_clear(&err);
    assert_int_equal(extract_snippets(blank, NULL, &s, &err), -1);
    assert_int_equal(err.code, LODE_EEMPTY);
    err_clear(&err);
    assert_int_equal(extract_synthesis(t, NULL, NULL, &syn, &err), -1);
    assert_int_equal(err.code, LODE_EEMPTY);
    err_clear(&err);
    assert_int_equal(extract_fanout(blank, NULL, NULL, &f, &err), -1);
    assert_int_equal(err.code, LODE_EEMPTY);
    transcript_destroy(&blank);
    transcript_destroy(&t);
}

static void test_extract_rejects_missing_arguments(void **state)
{
    (void)state;
    transcript_t *t = s_text_transcript("One sentence here.");
    extract_snippets_t s;
    extract_synthesis_t syn;
    err_t err = {0};
    assert_int_equal(extract_snippets(NULL, NULL, &s, &err), -1);
    assert_int_equal(err.code, LODE_EINVAL);
    err_clear(&err);
    assert_int_equal(extract_snippets(t, NULL, NULL, &err), -1);
    assert_int_equal(err.code, LODE_EINVAL);
    err_clear(&err);
    assert_int_equal(extract_synthesis(NULL, NULL, NULL, &syn, &err), -1);
    assert_int_equal(err.code, LODE_EINVAL);
    err_clear(&err);
    assert_int_equal(extract_fanout(t, NULL, NULL, NULL, &err), -1);
    assert_int_equal(err.code, LODE_EINVAL);
    err_clear(&err);
    assert_int_equal(extract_snippets_from_json(t, NULL, 0, &s, &err), -1);
    assert_int_equal(err.code, LODE_EINVAL);
    transcript_destroy(&t);
}

static void test_extract_handles_a_one_sentence_source(void **state)
{
    (void)state;
    transcript_t *t = s_text_transcript("Only one short line");
    extract_snippets_t s;
    extract_synthesis_t syn;
    extract_fanout_t f;
    err_t err = {0};
    assert_int_equal(extract_snippets(t, NULL, &s, &err), 0);
    assert_int_equal(s.count, 1);
    assert_int_equal(s.items[0].length, t->len);
    assert_int_equal(extract_synthesis(t, &s, NULL, &syn, &err), 0);
    assert_int_equal(extract_fanout(t, &s, &syn, &f, &err), 0);
    extract_fanout_clear(&f);
    extract_synthesis_clear(&syn);
    extract_snippets_clear(&s);
    transcript_destroy(&t);
}

static void test_extract_survives_other_scripts_and_unpunctuated_speech(void **state)
{
    (void)state;
    char text[32768] = "";
    for (int i = 0; i < 40; i++)
        strcat(text, "\xE4\xBB\x8A\xE5\xA4\xA9\xE5\xA4\xA9\xE6\xB0\x94\xE5\xBE\x88\xE5\xA5\xBD "
                     "\xF0\x9F\x98\x80 \xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82 so we "
                     "talked about models and data and then the scaling curve kept going ");
    transcript_t *t = s_text_transcript(text);
    extract_snippets_t s;
    extract_synthesis_t syn;
    extract_fanout_t f;
    err_t err = {0};
    assert_int_equal(extract_snippets(t, NULL, &s, &err), 0);
    for (size_t i = 0; i < s.count; i++)
        assert_true(s.items[i].length <= 3 * 600);
    assert_int_equal(extract_synthesis(t, &s, NULL, &syn, &err), 0);
    assert_int_equal(extract_fanout(t, &s, &syn, &f, &err), 0);
    extract_fanout_clear(&f);
    extract_synthesis_clear(&syn);
    extract_snippets_clear(&s);
    transcript_destroy(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_extract_snippets_are_verbatim_ranked_and_timed),
        cmocka_unit_test(test_extract_snippets_spread_over_a_long_source),
        cmocka_unit_test(test_extract_snippets_never_repeat_a_passage),
        cmocka_unit_test(test_extract_snippets_are_deterministic),
        cmocka_unit_test(test_extract_commentary_varies_between_snippets),
        cmocka_unit_test(test_extract_untimed_snippets_have_no_start),
        cmocka_unit_test(test_extract_snippets_json_round_trips_in_code_points),
        cmocka_unit_test(test_extract_snippets_json_rejects_a_quote_not_in_the_source),
        cmocka_unit_test(test_extract_synthesis_has_title_and_sections),
        cmocka_unit_test(test_extract_synthesis_uses_the_source_title_and_round_trips),
        cmocka_unit_test(test_extract_fanout_finds_questions_concepts_and_references),
        cmocka_unit_test(test_extract_fails_on_an_empty_transcript),
        cmocka_unit_test(test_extract_says_why_a_repetitive_text_has_no_snippet),
        cmocka_unit_test(test_extract_rejects_missing_arguments),
        cmocka_unit_test(test_extract_handles_a_one_sentence_source),
        cmocka_unit_test(test_extract_survives_other_scripts_and_unpunctuated_speech),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
