/*  stopword.h - stopwords for the extractive engine: words that carry no
 *  topic. English: function words, auxiliaries, fillers such as "um", very
 *  general verbs and nouns. German, French, Spanish, Italian, Portuguese,
 *  Dutch, Russian: their commonest function words, which also tell the language.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_STOPWORD_H
#define LODE_STOPWORD_H
#include <stdbool.h>
#include <stddef.h>

typedef enum {
    STOPWORD_EN,
    STOPWORD_DE,
    STOPWORD_FR,
    STOPWORD_ES,
    STOPWORD_IT,
    STOPWORD_PT,
    STOPWORD_NL,
    STOPWORD_RU,
    STOPWORD_N_LANGS
} stopword_lang_t;

/* True if word[0..len) (lower case, ASCII apostrophe) is a stopword. */
bool stopword_is(const char *word, size_t len);

/* The same, folding ASCII upper case first ("The" is a stopword). */
bool stopword_is_ci(const char *word, size_t len);
/* The same in a language: English's full list, or the commonest function
 * words of German, French, Spanish, Italian, Portuguese, Dutch or Russian. */
bool stopword_is_lang(stopword_lang_t lang, const char *word, size_t len);

/* The language of text, told by which list's function words it uses most
 * (the first 600 words); English unless another clearly leads. */
stopword_lang_t stopword_detect(const char *text, size_t len);

/* "en", "de", "fr", "es", "it", "pt", "nl", "ru". */
const char *stopword_lang_tag(stopword_lang_t lang);
#endif
