/*  stopword.h - English stopwords for the extractive engine: words that
 *  carry no topic (function words, auxiliaries, fillers such as "um", very
 *  general verbs and nouns). English only; other languages have none, so
 *  every word of theirs counts as content.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_STOPWORD_H
#define LODE_STOPWORD_H
#include <stdbool.h>
#include <stddef.h>

/* True if word[0..len) (lower case, ASCII apostrophe) is a stopword. */
bool stopword_is(const char *word, size_t len);

/* The same, folding ASCII upper case first ("The" is a stopword). */
bool stopword_is_ci(const char *word, size_t len);
#endif
