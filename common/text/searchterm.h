/*  searchterm.h - the words of the library's search index (issue #13): text
 *  cut into words, lower-cased (Latin, Greek, Cyrillic), stopwords dropped
 *  and stemmed, so "Efficiency" finds "efficient" and "Größen" finds
 *  "Größe". Chinese, Japanese and Korean text has no spaces to cut at: a run
 *  of those characters is indexed as its character bigrams ("機械学習" ->
 *  "機械" "械学" "学習"), a lone character as itself, and a query is cut the
 *  same way, so a CJK query matches wherever its bigrams all occur.
 *
 *  A document is stemmed in its own language (told by its function words,
 *  stopword_detect). A query's language is unknown: each query word becomes
 *  a group of alternatives (its stem in each language that has a stemmer
 *  here, and the word itself), and a document matches a word when it holds
 *  any alternative. Not thread-safe: one handle per thread. No I/O.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_SEARCHTERM_H
#define LODE_SEARCHTERM_H
#include <stddef.h>

#define SEARCHTERM_MAX    64 /* bytes of one term, NUL included; longer words are skipped */
#define SEARCHTERM_ALTS   8  /* alternatives of one query word */
#define SEARCHTERM_GROUPS 8  /* query words used (the rest are ignored) */

typedef struct searchterm searchterm_t;

/* A document's terms: unique, sorted. */
typedef struct {
    char (*v)[SEARCHTERM_MAX];
    size_t n, cap;
} searchterm_list_t;

/* One query word: a document matches it if it holds any of alt[0..n). */
typedef struct {
    char alt[SEARCHTERM_ALTS][SEARCHTERM_MAX];
    size_t n;
} searchterm_group_t;

/* NULL never (the stemmers that libstemmer lacks are left out). */
searchterm_t *searchterm_new(void);

/* Free; sets *self_p to NULL. Safe on NULL. */
void searchterm_destroy(searchterm_t **self_p);

/* Add the terms of text[0..len) (UTF-8; invalid bytes separate words) to
 * out, stemmed in lang ("en", "de", …; NULL = tell from the text). Call
 * searchterm_list_done once all text is added. */
void searchterm_doc(
    searchterm_t *self, const char *text, size_t len, const char *lang, searchterm_list_t *out);

/* Sort out and drop repeats. */
void searchterm_list_done(searchterm_list_t *out);

void searchterm_list_free(searchterm_list_t *list);

/* The language tag ("en", "de", …) text reads as. */
const char *searchterm_lang(const char *text, size_t len);

/* A query's groups into g (room for max); returns how many. 0 when every
 * word is a stopword or too short (a query that can match nothing). */
size_t searchterm_query(searchterm_t *self, const char *q, searchterm_group_t *g, size_t max);
#endif
