/*  test_commentary_lang.c - the commentary's cue words in German, French,
 *  Spanish, Italian, Portuguese, Dutch and Russian (extract_cues.c): each
 *  language's definition, "not X but Y" contrast, prediction, example and
 *  first-person claim are told by its own words and carried by the
 *  passage's words; "nicht nur X, sondern auch Y" adds and is no contrast.
 *  SPDX-License-Identifier: MIT
 */
#include "extract.h"
#include "stopword.h"
#include "test.h"
#include "transcript.h"

#define DASH " \xe2\x80\x94 "

static transcript_t *s_text(const char *text)
{
    transcript_t *t = transcript_new();
    err_t err = {0};
    assert_int_equal(transcript_append(t, "\n\n", text, strlen(text), TRANSCRIPT_UNTIMED, &err), 0);
    return t;
}

/* The commentary of the one snippet of a short text in language lang. */
static void s_expect(stopword_lang_t lang, const char *text, const char *want_prefix)
{
    assert_int_equal(stopword_detect(text, strlen(text)), lang);
    transcript_t *t = s_text(text);
    extract_snippets_t s;
    err_t err = {0};
    assert_int_equal(extract_snippets(t, NULL, &s, &err), 0);
    assert_int_equal(s.count, 1);
    const char *line = s.items[0].commentary;
    if (strncmp(line, want_prefix, strlen(want_prefix)) != 0)
        fail_msg("commentary \"%s\" does not start with \"%s\"", line, want_prefix);
    extract_snippets_clear(&s);
    transcript_destroy(&t);
}

static void test_german_cues(void **state)
{
    (void)state;
    s_expect(STOPWORD_DE,
             "Unter Interoperabilität versteht man die Fähigkeit der Systeme, die Daten der "
             "Patienten ohne Verluste mit den anderen Systemen auszutauschen.",
             "Definition" DASH "die Fähigkeit der Systeme");
    s_expect(STOPWORD_DE,
             "Das Problem ist nicht die Technik der Akte, sondern das fehlende Vertrauen der "
             "Ärzte in die Sicherheit der Daten.",
             "Contrast" DASH "nicht die Technik der Akte, sondern das fehlende Vertrauen");
    s_expect(STOPWORD_DE,
             "Ich erwarte, dass die Zahl der Praxen mit der digitalen Akte in den nächsten "
             "Jahren deutlich steigen wird.",
             "Prediction" DASH "die Zahl der Praxen mit der digitalen Akte");
    s_expect(STOPWORD_DE,
             "Viele Daten liegen noch auf Papier vor, zum Beispiel die Fieberkurve und die "
             "Befunde der niedergelassenen Ärzte.",
             "Example" DASH "die Fieberkurve und die Befunde der niedergelassenen Ärzte");
    s_expect(STOPWORD_DE,
             "Ich glaube, dass die Patienten ihre Daten selbst verwalten wollen und dass die "
             "Ärzte das unterstützen.",
             "Claim" DASH "die Patienten ihre Daten selbst verwalten wollen");
}

static void test_not_only_but_also_is_no_contrast(void **state)
{
    (void)state;
    /* an addition, not a contrast: the line falls back to the claim */
    s_expect(STOPWORD_DE,
             "Die Akte ist nicht nur für die Ärzte wichtig, sondern auch für die Patienten und "
             "ihre Angehörigen in der Pflege.",
             "Claim" DASH);
}

static void test_romance_and_dutch_cues(void **state)
{
    (void)state;
    s_expect(STOPWORD_FR,
             "Le problème n'est pas la technique de ce dossier, mais la confiance des médecins "
             "dans la sécurité des données.",
             "Contrast" DASH "pas la technique de ce dossier, mais la confiance");
    s_expect(STOPWORD_FR,
             "Beaucoup de données sont encore sur papier, par exemple les résultats des "
             "analyses et les lettres des médecins.",
             "Example" DASH "les résultats des analyses et les lettres des médecins");
    s_expect(STOPWORD_ES,
             "El problema no es la técnica de este sistema sino la confianza de los médicos en "
             "la seguridad de los datos.",
             "Contrast" DASH "no es la técnica de este sistema sino la confianza");
    s_expect(STOPWORD_ES,
             "Se espera que el número de hospitales con el sistema digital crezca mucho en los "
             "próximos años.",
             "Prediction" DASH "el número de hospitales con el sistema digital");
    s_expect(STOPWORD_IT,
             "Il problema non è la tecnica di questo sistema ma la fiducia dei medici nella "
             "sicurezza dei dati.",
             "Contrast" DASH "non è la tecnica di questo sistema ma la fiducia");
    s_expect(STOPWORD_IT,
             "Per esempio, i risultati delle analisi e le lettere dei medici sono ancora sulla "
             "carta in molti ospedali.",
             "Example" DASH "i risultati delle analisi e le lettere dei medici");
    s_expect(STOPWORD_PT,
             "O problema não é a técnica deste sistema, mas a confiança dos médicos na "
             "segurança dos dados dos pacientes.",
             "Contrast" DASH "não é a técnica deste sistema, mas a confiança");
    s_expect(STOPWORD_PT,
             "Acredito que os pacientes querem gerir os seus dados e que os médicos vão apoiar "
             "isso com o tempo.",
             "Claim" DASH "os pacientes querem gerir os seus dados");
    s_expect(STOPWORD_NL,
             "Het probleem is niet de techniek van het dossier, maar het vertrouwen van de "
             "artsen in de veiligheid van de gegevens.",
             "Contrast" DASH "niet de techniek van het dossier, maar het vertrouwen");
    s_expect(STOPWORD_RU,
             "Главная проблема не в технике этой системы, а в доверии врачей к безопасности "
             "данных, и это все знают.",
             "Contrast" DASH "не в технике этой системы, а в доверии врачей");
    s_expect(STOPWORD_RU,
             "Многие данные всё ещё хранятся на бумаге, например результаты анализов и письма "
             "врачей из других больниц.",
             "Example" DASH "результаты анализов и письма врачей из других больниц");
    s_expect(STOPWORD_NL,
             "Veel gegevens staan nog op papier, bijvoorbeeld de uitslagen van het onderzoek en "
             "de brieven van de artsen.",
             "Example" DASH "de uitslagen van het onderzoek en de brieven van de artsen");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_german_cues),
        cmocka_unit_test(test_not_only_but_also_is_no_contrast),
        cmocka_unit_test(test_romance_and_dutch_cues),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
