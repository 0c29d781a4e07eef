/*  test_extract_quality.c - what issue #14 asks of the extractive engine:
 *  commentary that is a role label and the passage's own carrying words,
 *  snippets that are whole idea units chosen for quotability, and a
 *  snippet budget that follows the source's length.
 *  SPDX-License-Identifier: MIT
 */
#include <jansson.h>

#include "extract.h"
#include "stopword.h"
#include "termrank.h"
#include "test.h"
#include "textmodel.h"
#include "transcript.h"

#define DASH " \xe2\x80\x94 "

static transcript_t *s_text(const char *text)
{
    transcript_t *t = transcript_new();
    err_t err = {0};
    assert_int_equal(transcript_append(t, "\n\n", text, strlen(text), TRANSCRIPT_UNTIMED, &err), 0);
    return t;
}

/* The snippets of text with opts (NULL: the defaults), asserted to
 * succeed; *t is its transcript (s_snippets_free frees both). */
static void
s_snippets(const char *text, const extract_opts_t *opts, transcript_t **t, extract_snippets_t *s)
{
    *t = s_text(text);
    err_t err = {0};
    assert_int_equal(extract_snippets(*t, opts, s, &err), 0);
}

static void s_snippets_free(transcript_t **t, extract_snippets_t *s)
{
    extract_snippets_clear(s);
    transcript_destroy(t);
}

/* The fan-out of text, asserted to succeed; *t is its transcript
 * (s_fanout_free frees both). */
static void s_fanout(const char *text, transcript_t **t, extract_fanout_t *f)
{
    *t = s_text(text);
    err_t err = {0};
    assert_int_equal(extract_fanout(*t, NULL, NULL, f, &err), 0);
}

static void s_fanout_free(transcript_t **t, extract_fanout_t *f)
{
    extract_fanout_clear(f);
    transcript_destroy(t);
}

/* The commentary of the one snippet of a one-sentence text. */
static char *s_line(const char *text)
{
    transcript_t *t;
    extract_snippets_t s;
    s_snippets(text, NULL, &t, &s);
    assert_int_equal(s.count, 1);
    char *line = strdup(s.items[0].commentary);
    s_snippets_free(&t, &s);
    return line;
}

static void s_expect(const char *text, const char *want_prefix)
{
    char *line = s_line(text);
    if (strncmp(line, want_prefix, strlen(want_prefix)) != 0)
        fail_msg("commentary \"%s\" does not start with \"%s\"", line, want_prefix);
    free(line);
}

static void test_commentary_labels_the_role_with_the_carrying_words(void **state)
{
    (void)state;
    s_expect("So one definition of intelligence is sample efficiency, how little data a "
             "learner needs.",
             "Definition" DASH "intelligence is sample efficiency");
    s_expect("A person sees about 200 million tokens by adulthood, whereas frontier models "
             "are trained on tens of trillions of tokens.",
             "Number" DASH "200 million tokens vs tens of trillions of tokens");
    s_expect("I would be willing to bet that demand for nurses will rise sharply by 2030.",
             "Prediction" DASH "demand for nurses will rise sharply by 2030");
    s_expect("Some jobs were automated long before computers, for example, bank tellers or "
             "travel agents.",
             "Example" DASH "bank tellers or travel agents");
    s_expect("The correct way to think about a city is not like a machine but like a "
             "coral reef that grows.",
             "Contrast" DASH);
    s_expect("Why do we even care about how fast a learner learns from so few examples?",
             "Question" DASH "Why do we even care");
}

/* No line asserts an intention or judgement the text does not state: the
 * old templates' verbs never appear, and every line is "Label — words". */
static void test_commentary_never_invents_an_intention(void **state)
{
    (void)state;
    static const char *const banned[] = {"Stakes out", "Makes ",  "Argues",      "Challenges",
                                         "Offers",     "Grounds", "Pushes back", "Uses "};
    static const char *const labels[] = {
        "Claim",   "Definition", "Number", "Contrast", "Prediction", "Example", "Metaphor",
        "Analogy", "Question",   "Cause",  "Evidence", "Objection",  "Reply"};
    FILE *f = fopen("seeds/000_a5cf945eb98e69f0.txt", "rb");
    assert_non_null(f);
    static char page[65536];
    size_t len = fread(page, 1, sizeof page - 1, f);
    fclose(f);
    page[len] = '\0';
    transcript_t *t;
    extract_snippets_t s;
    s_snippets(page, NULL, &t, &s);
    size_t uses[13] = {0};
    for (size_t i = 0; i < s.count; i++) {
        const char *c = s.items[i].commentary;
        for (size_t b = 0; b < sizeof banned / sizeof *banned; b++)
            assert_null(strstr(c, banned[b]));
        const char *dash = strstr(c, DASH);
        assert_non_null(dash);
        bool known = false;
        for (size_t l = 0; l < 13 && !known; l++)
            if ((size_t)(dash - c) == strlen(labels[l]) && strncmp(c, labels[l], dash - c) == 0)
                known = true, uses[l]++;
        assert_true(known);
    }
    s_snippets_free(&t, &s);
}

/* A unit never starts or ends inside a quotation: the sentence that ends
 * inside 'I want ... efficient.' is not an end, the next not a start. */
static void test_snippets_never_cut_a_quotation(void **state)
{
    (void)state;
    const char *text =
        "Suppose you have a model trained compute-optimally, and you say, 'I want to be "
        "sample efficient. I will throw in as many parameters as necessary.' The scaling "
        "equations answer that the data term falls by a factor of ten at most, even with "
        "infinite parameters. Humans are thousands of times more sample efficient than "
        "these models. So scaling the size of current models simply cannot make up for that "
        "discrepancy, whatever the labs hope.";
    const char *q0 = strstr(text, "'I want"), *q1 = strstr(text, "necessary.'") + 11;
    extract_opts_t opts = {.max_snippets = 5};
    transcript_t *t;
    extract_snippets_t s;
    s_snippets(text, &opts, &t, &s);
    for (size_t i = 0; i < s.count; i++) {
        const char *a = t->text + s.items[i].offset, *z = a + s.items[i].length;
        size_t qa = (size_t)(q0 - text), qz = (size_t)(q1 - text);
        assert_false((size_t)(a - t->text) > qa && (size_t)(a - t->text) < qz);
        assert_false((size_t)(z - t->text) > qa && (size_t)(z - t->text) < qz);
    }
    s_snippets_free(&t, &s);
}

/* Quotable beats merely central: of two passages on the same subject, the
 * one with a definition and a figure ranks first. */
static void test_snippets_prefer_quotable_passages(void **state)
{
    (void)state;
    const char *text =
        "Cities and traffic and cities and traffic are discussed here at some length in "
        "general terms, about cities and about traffic, with roads and cars and roads.\n\n"
        "One definition of congestion is the cost that each extra car imposes on every "
        "other car, and in London that cost was 40 minutes a day versus 15 minutes in "
        "1990.\n\n"
        "Roads and cars and cities have traffic, and the traffic in cities is about roads "
        "and cars, which is what the traffic in cities is about.";
    extract_opts_t opts = {.max_snippets = 3};
    transcript_t *t;
    extract_snippets_t s;
    s_snippets(text, &opts, &t, &s);
    bool found = false;
    for (size_t i = 0; i < s.count; i++)
        if (s.items[i].rank == 1)
            found = strncmp(t->text + s.items[i].offset, "One definition", 14) == 0;
    assert_true(found);
    s_snippets_free(&t, &s);
}

static void test_snippet_budget_follows_the_length(void **state)
{
    (void)state;
    assert_int_equal(extract_snippet_budget(2000), 19); /* a 12-minute talk */
    assert_int_equal(extract_snippet_budget(10000), 42);
    assert_int_equal(extract_snippet_budget(30000), 74); /* a 3-hour podcast */
    assert_int_equal(extract_snippet_budget(0), 1);
    assert_int_equal(extract_snippet_budget(10000000), 80);
    assert_true(extract_snippet_budget(500) < extract_snippet_budget(2000));
}

static bool s_has(char **items, size_t n, const char *want)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(items[i], want) == 0)
            return true;
    return false;
}

static const char *k_fanout_text =
    "One definition of intelligence is sample efficiency. Sample efficiency is how little "
    "data a learner needs, and AI systems are not sample efficient. The data distribution "
    "matters more than the AI architecture, and RL only widens the data distribution. "
    "Andrej Karpathy said this when he came on my podcast. The Chinchilla paper fixed the "
    "constants, and the Chinchilla scaling-law paper is still the reference, according to "
    "Epoch Research. I wrote the report in Word on a laptop, one word at a time. 03 11 Is "
    "sample efficiency the best proxy for intelligence? It might be slower, but so what? So "
    "then the question is: can a model trained on less data match one trained on more? The "
    "point is that sample efficiency is the real bottleneck of the data distribution.";

/* Concepts are terms (no generic single words, no concept acronym such as
 * AI or RL as a lone word), deduplicated by stem ("sample efficiency" and
 * "sample efficient" are one), each with its defining sentence. */
static void test_fanout_concepts_are_terms_with_their_definition(void **state)
{
    (void)state;
    transcript_t *t;
    extract_fanout_t f;
    s_fanout(k_fanout_text, &t, &f);
    assert_true(s_has(f.concepts, f.n_concepts, "Sample efficiency"));
    assert_true(s_has(f.concepts, f.n_concepts, "Data distribution"));
    assert_non_null(f.concept_notes);
    for (size_t i = 0; i < f.n_concepts; i++) {
        const char *c = f.concepts[i];
        assert_true(strchr(c, ' ') || strchr(c, '-') || strlen(c) >= 3);
        assert_false(strcmp(c, "AI") == 0 || strcmp(c, "RL") == 0 || strcmp(c, "Data") == 0);
        assert_false(strcmp(c, "Sample efficient") == 0);
        if (strcmp(c, "Sample efficiency") == 0)
            assert_string_equal(f.concept_notes[i].sentence,
                                "Sample efficiency is how little data a learner needs, and AI "
                                "systems are not sample efficient."); /* "X is ..." */
        assert_null(f.concept_notes[i].kind);
    }
    s_fanout_free(&t, &f);
}

/* References are names, typed, never concept acronyms or a capitalised
 * common word ("Word" when the text also says "word"); variants merged. */
static void test_fanout_references_are_typed_names(void **state)
{
    (void)state;
    transcript_t *t;
    extract_fanout_t f;
    s_fanout(k_fanout_text, &t, &f);
    bool karpathy = false;
    size_t chinchilla = 0;
    for (size_t i = 0; i < f.n_references; i++) {
        const char *r = f.references[i];
        assert_false(strcmp(r, "AI") == 0 || strcmp(r, "RL") == 0 || strcmp(r, "Word") == 0);
        assert_non_null(f.reference_notes[i].kind);
        assert_non_null(strstr(f.reference_notes[i].sentence, r));
        if (strcmp(r, "Andrej Karpathy") == 0) {
            karpathy = true;
            assert_string_equal(f.reference_notes[i].kind, "person");
        }
        chinchilla += strncmp(r, "Chinchilla", 10) == 0;
    }
    assert_true(karpathy);
    assert_int_equal(chinchilla, 1);
    char *json = extract_fanout_to_json(&f);
    json_t *o = json_loads(json, 0, NULL);
    json_t *notes = json_object_get(o, "reference_notes");
    assert_int_equal(json_array_size(notes), f.n_references);
    assert_non_null(json_object_get(json_array_get(notes, 0), "type"));
    assert_int_equal(json_array_size(json_object_get(o, "concept_notes")), f.n_concepts);
    assert_true(json_is_string(json_array_get(json_object_get(o, "concepts"), 0)));
    json_decref(o);
    free(json);
    s_fanout_free(&t, &f);
}

/* A name that opens a sentence and reports something is a reference:
 * "Epoch found that ..." (issue #14), typed no further than the text says. */
static void test_fanout_keeps_a_name_that_reports_at_a_sentence_start(void **state)
{
    (void)state;
    transcript_t *t;
    extract_fanout_t f;
    s_fanout("Epoch found that open models trail the frontier by a few months. "
             "The frontier moves fast, and open models follow the frontier "
             "closely because distillation from public interfaces is cheap.",
             &t, &f);
    assert_true(s_has(f.references, f.n_references, "Epoch"));
    for (size_t i = 0; i < f.n_references; i++)
        if (strcmp(f.references[i], "Epoch") == 0)
            assert_string_equal(f.reference_notes[i].kind, "name");
    assert_false(s_has(f.references, f.n_references, "The"));
    s_fanout_free(&t, &f);
}

/* The source's questions come first, whole, from their question word; a
 * list number, a lead-in and "..., but so what?" never make a question. */
static void test_fanout_questions_are_complete(void **state)
{
    (void)state;
    transcript_t *t;
    extract_fanout_t f;
    s_fanout(k_fanout_text, &t, &f);
    assert_true(f.n_questions >= 2 && f.n_questions <= 12);
    assert_true(
        s_has(f.questions, f.n_questions, "Is sample efficiency the best proxy for intelligence?"));
    assert_true(s_has(f.questions, f.n_questions,
                      "Can a model trained on less data match one trained on more?"));
    for (size_t i = 0; i < f.n_questions; i++) {
        const char *q = f.questions[i];
        assert_true(q[0] >= 'A' && q[0] <= 'Z');
        assert_int_equal(q[strlen(q) - 1], '?');
        assert_null(strstr(q, "so what"));
        assert_null(strstr(q, "03 11"));
    }
    s_fanout_free(&t, &f);
}

/* The essay: a title naming the main subject, a lede that states the
 * thesis, no line of the engine's own ("It moves from ..."), and no
 * paragraph that opens on a word leaning on what came before. */
static void test_synthesis_has_a_thesis_and_no_filler(void **state)
{
    (void)state;
    FILE *f = fopen("seeds/000_a5cf945eb98e69f0.txt", "rb");
    assert_non_null(f);
    static char page[65536];
    size_t len = fread(page, 1, sizeof page - 1, f);
    fclose(f);
    page[len] = '\0';
    /* the talk: the §02 quotes, one paragraph each */
    static char talk[65536];
    talk[0] = '\0';
    bool in02 = false, next = false;
    for (char *line = strtok(page, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, "\xC2\xA7", 2) == 0)
            in02 = strcmp(line + 2, "02") == 0;
        else if (in02 && next) {
            strcat(talk, talk[0] ? "\n\n" : "");
            strcat(talk, line);
        }
        next = strcmp(line, "-") == 0;
    }
    transcript_t *t = s_text(talk);
    extract_synthesis_t syn;
    err_t err = {0};
    assert_int_equal(extract_synthesis(t, NULL, NULL, &syn, &err), 0);
    assert_string_equal(syn.title, "Sample Efficiency");
    assert_non_null(strstr(syn.markdown, "# Sample Efficiency\n\nOne definition of intelligence "
                                         "is sample efficiency."));
    assert_null(strstr(syn.markdown, "It moves from"));
    assert_null(strstr(syn.markdown, "stays with"));
    assert_non_null(strstr(syn.markdown, "\n## "));
    static const char *const dangling[] = {"This ", "That ", "These ", "It ", "They ", "Whereas "};
    for (const char *p = syn.markdown; (p = strstr(p, "\n\n")) != NULL; p += 2)
        for (size_t i = 0; i < sizeof dangling / sizeof *dangling; i++)
            if (strncmp(p + 2, dangling[i], strlen(dangling[i])) == 0)
                fail_msg("a paragraph opens on \"%s\": %.60s", dangling[i], p + 2);
    extract_synthesis_clear(&syn);
    transcript_destroy(&t);
}

/* Other languages get their own stopwords and stemmer: the language is told
 * from the text, and its function words make no concept. */
static void test_languages_are_told_and_get_their_stopwords(void **state)
{
    (void)state;

    static const struct {
        const char *text;
        stopword_lang_t lang;
    } cases[] = {
        {"Die Daten sind der wichtigste Teil, und das ist nicht neu für uns.", STOPWORD_DE},
        {"Les données sont la partie la plus importante, et ce n'est pas nouveau pour nous.",
         STOPWORD_FR},
        {"Los datos son la parte más importante, y eso no es nuevo para nosotros.", STOPWORD_ES},
        {"I dati sono la parte più importante, e questo non è nuovo per noi.", STOPWORD_IT},
        {"Os dados são a parte mais importante, e isso não é novo para nós.", STOPWORD_PT},
        {"De gegevens zijn het belangrijkste deel, en dat is niet nieuw voor ons.", STOPWORD_NL},
        {"The data is the most important part, and that is not new for us.", STOPWORD_EN},
    };

    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        assert_int_equal(stopword_detect(cases[i].text, strlen(cases[i].text)), cases[i].lang);
    assert_true(stopword_is_lang(STOPWORD_DE, "und", 3));
    assert_false(stopword_is_lang(STOPWORD_DE, "daten", 5));
    assert_string_equal(stopword_lang_tag(STOPWORD_FR), "fr");
    const char *de = "Die Stichprobeneffizienz ist das Maß der Intelligenz. Die "
                     "Stichprobeneffizienz der Modelle ist gering, und die Datenverteilung "
                     "entscheidet. Die Datenverteilung wird breiter, aber die "
                     "Stichprobeneffizienz der Modelle wächst nicht. Wir sehen das jeden Tag.";
    transcript_t *t;
    extract_fanout_t f;
    s_fanout(de, &t, &f);
    for (size_t i = 0; i < f.n_concepts; i++) {
        assert_null(strstr(f.concepts[i], "Die "));
        assert_null(strstr(f.concepts[i], " der "));
        assert_null(strstr(f.concepts[i], " und "));
    }
    s_fanout_free(&t, &f);
}

/* A snippet says who speaks where the transcript names speakers. */
static void test_snippets_say_who_speaks(void **state)
{
    (void)state;
    transcript_t *t = transcript_new();
    err_t err = {0};
    const char *a = "One definition of intelligence is sample efficiency, how little data a "
                    "learner needs to become competent in a new field of work.";
    const char *b = "I would be willing to bet that demand for software engineers rises by "
                    "2028, largely because the tools make each of them more productive.";
    assert_int_equal(transcript_append(t, "\n\n", a, strlen(a), (transcript_time_t){0, 5000}, &err),
                     0);
    transcript_set_speaker(t, 0, "Ada", 3);
    assert_int_equal(
        transcript_append(t, "\n\n", b, strlen(b), (transcript_time_t){5000, 9000}, &err), 0);
    transcript_set_speaker(t, 1, "  Charles ", 10);
    extract_snippets_t s;
    assert_int_equal(extract_snippets(t, NULL, &s, &err), 0);
    assert_int_equal(s.count, 2);
    assert_string_equal(s.items[0].speaker, "Ada");
    assert_string_equal(s.items[1].speaker, "Charles");
    char *json = extract_snippets_to_json(t, &s);
    assert_non_null(strstr(json, "\"speaker\":\"Charles\""));
    extract_snippets_t back;
    assert_int_equal(extract_snippets_from_json(t, json, strlen(json), &back, &err), 0);
    assert_string_equal(back.items[1].speaker, "Charles");
    extract_snippets_clear(&back);
    free(json);
    s_snippets_free(&t, &s);
}

/* PositionRank: a word linked to many others, early, outranks one said
 * once at the end; the scores sum to about 1. */
static void test_termrank_favours_central_early_words(void **state)
{
    (void)state;
    const char *text = "Sample efficiency shapes learning. Sample efficiency limits models. "
                       "Models need data for sample efficiency. Data grows. Finally, giraffes.";
    textmodel_t m;
    err_t err = {0};
    assert_int_equal(textmodel_build(&m, text, strlen(text), &err), 0);
    double *r = termrank_scores(&m);
    int64_t eff = textmodel_find(&m, "efficiency", 10), gir = textmodel_find(&m, "giraffe", 7);
    assert_true(eff >= 0 && gir >= 0);
    assert_true(r[eff] > 2 * r[gir]);
    double sum = 0;
    for (size_t t = 0; t < m.n_terms; t++)
        sum += r[t];
    assert_true(sum > 0.95 && sum < 1.05);
    free(r);
    textmodel_clear(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commentary_labels_the_role_with_the_carrying_words),
        cmocka_unit_test(test_commentary_never_invents_an_intention),
        cmocka_unit_test(test_snippets_never_cut_a_quotation),
        cmocka_unit_test(test_snippets_prefer_quotable_passages),
        cmocka_unit_test(test_snippet_budget_follows_the_length),
        cmocka_unit_test(test_fanout_concepts_are_terms_with_their_definition),
        cmocka_unit_test(test_fanout_references_are_typed_names),
        cmocka_unit_test(test_fanout_questions_are_complete),
        cmocka_unit_test(test_fanout_keeps_a_name_that_reports_at_a_sentence_start),
        cmocka_unit_test(test_synthesis_has_a_thesis_and_no_filler),
        cmocka_unit_test(test_languages_are_told_and_get_their_stopwords),
        cmocka_unit_test(test_snippets_say_who_speaks),
        cmocka_unit_test(test_termrank_favours_central_early_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
