/*  test_concepts.c - which phrases are concepts (extract_notes.c): a term
 *  the source repeats, or one it says once where it defines it; not a
 *  phrase said once in passing, not a container or medium ("Word files",
 *  "blog post"); and in German, whose plural rule keys "eines" as "eine",
 *  no phrase opening on a function word, noun phrases as concepts although
 *  every noun is capitalised, and no common noun taken for a name.
 *  SPDX-License-Identifier: MIT
 */
#include "extract.h"
#include "test.h"
#include "transcript.h"

static bool s_has(char *const *items, size_t n, const char *want)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(items[i], want) == 0)
            return true;
    return false;
}

static void s_concepts(const char *text, extract_fanout_t *f)
{
    transcript_t *t = transcript_new();
    err_t err = {0};
    assert_int_equal(transcript_append(t, "\n\n", text, strlen(text), TRANSCRIPT_UNTIMED, &err), 0);
    assert_int_equal(extract_fanout(t, NULL, NULL, f, &err), 0);
    transcript_destroy(&t);
}

static void test_a_concept_recurs_or_is_defined(void **state)
{
    (void)state;
    const char *text =
        "Soil health decides what a farm can grow. Healthy soil holds water, and soil health "
        "also feeds the organisms that keep roots alive. Cover crops protect soil health over "
        "the winter. A green manure is a cover crop that is ploughed back into the ground. "
        "Farmers who plant cover crops see soil health improve within a few seasons. Last "
        "spring a neighbour mentioned copper kettle polishing at the market, and we laughed. "
        "Cover crops are cheap, and soil health pays for them many times over. The farmers "
        "keep their records in Word files and share them in a blog post every month, and the "
        "records show that soil health and cover crops go together.";
    extract_fanout_t f;
    s_concepts(text, &f);
    assert_true(s_has(f.concepts, f.n_concepts, "Soil health")); /* repeated */
    assert_true(s_has(f.concepts, f.n_concepts, "Cover crop"));
    assert_true(s_has(f.concepts, f.n_concepts, "Green manure")); /* said once, defined */
    assert_false(s_has(f.concepts, f.n_concepts, "Copper kettle polishing")); /* in passing */
    assert_false(s_has(f.concepts, f.n_concepts, "Word files"));              /* a container */
    assert_false(s_has(f.concepts, f.n_concepts, "Blog post"));
    extract_fanout_clear(&f);
}

static void test_german_concepts_never_open_on_a_function_word(void **state)
{
    (void)state;
    const char *text =
        "Die elektronische Patientenakte ist eines der wichtigsten Projekte der Digitalisierung "
        "im Gesundheitswesen. Eine elektronische Patientenakte speichert die Befunde eines "
        "Patienten an einem Ort. Zwischen verschiedenen Einrichtungen werden die Daten heute "
        "noch auf Papier ausgetauscht. Die elektronische Patientenakte soll das ändern, denn "
        "eine einheitliche Schnittstelle verbindet die Systeme der Praxen und der Kliniken. "
        "Ohne eine einheitliche Schnittstelle bleibt die elektronische Patientenakte leer, und "
        "eine einheitliche Schnittstelle ist zwischen verschiedenen Herstellern schwer zu "
        "vereinbaren. Die Ärzte wollen eine elektronische Patientenakte, die schnell ist.";
    extract_fanout_t f;
    s_concepts(text, &f);
    for (size_t i = 0; i < f.n_concepts; i++) {
        const char *c = f.concepts[i];
        assert_false(strncasecmp(c, "eine ", 5) == 0 || strncasecmp(c, "eines ", 6) == 0 ||
                     strncasecmp(c, "zwischen ", 9) == 0);
    }
    extract_fanout_clear(&f);
}

static void test_german_nouns_are_concepts_and_names_are_references(void **state)
{
    (void)state;
    const char *text =
        "Die elektronische Patientenakte wird in Deutschland seit Jahren diskutiert. Die "
        "Patienten sollen ihre Befunde selbst sehen, und die Ärzte sollen Befunde schneller "
        "austauschen. Das Universitätsklinikum Heidelberg bietet eine elektronische "
        "Patientenakte schon an. Relevante Dokumente werden dort über standardisierte "
        "Schnittstellen geladen. Auch in Deutschland fehlen oft einheitliche Schnittstellen, "
        "und die elektronische Patientenakte bleibt für viele Patienten ein Versprechen. "
        "Befunde liegen in Praxen noch auf Papier, und Diagnosen werden per Fax geschickt.";
    extract_fanout_t f;
    s_concepts(text, &f);
    assert_true(s_has(f.concepts, f.n_concepts, "Elektronische Patientenakte"));
    assert_true(s_has(f.references, f.n_references, "Deutschland"));
    assert_true(s_has(f.references, f.n_references, "Universitätsklinikum Heidelberg"));
    static const char *const common[] = {
        "Patienten", "Befunde", "Ärzte", "Diagnosen", "Relevante Dokumente", "Schnittstellen"};
    for (size_t i = 0; i < sizeof common / sizeof common[0]; i++)
        if (s_has(f.references, f.n_references, common[i]))
            fail_msg("\"%s\" is a common noun, not a reference", common[i]);
    /* the raised questions are English forms: none for a German text */
    for (size_t i = 0; i < f.n_questions; i++)
        if (strncmp(f.questions[i], "What ", 5) == 0)
            fail_msg("an English form for a German text: %s", f.questions[i]);
    extract_fanout_clear(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_concept_recurs_or_is_defined),
        cmocka_unit_test(test_german_concepts_never_open_on_a_function_word),
        cmocka_unit_test(test_german_nouns_are_concepts_and_names_are_references),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
