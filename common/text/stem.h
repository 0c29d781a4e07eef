/*  stem.h - word stems through the Snowball stemmers of libstemmer, so that
 *  "efficiency" and "efficient", "scaling laws" and "scaling law" meet. One
 *  stemmer per language; not thread-safe (one per thread). No I/O.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_STEM_H
#define LODE_STEM_H
#include <stddef.h>

typedef struct stem stem_t;

/* A stemmer for lang, a BCP 47 tag or an English name ("en", "de-AT",
 * "french"); NULL when libstemmer has none for it. */
stem_t *stem_new(const char *lang);

/* Free; sets *self_p to NULL. Safe on NULL. */
void stem_destroy(stem_t **self_p);

/* The stem of word[0..len) (lower case UTF-8) into out (cap bytes,
 * NUL-terminated, cut to fit); returns its length. A word over 255 bytes
 * is copied unchanged. */
size_t stem_word(stem_t *self, const char *word, size_t len, char *out, size_t cap);

/* Stems of a phrase's words, lower-cased, joined by one space (the
 * key that concepts are deduplicated by); hyphens split words. */
size_t stem_phrase(stem_t *self, const char *phrase, char *out, size_t cap);
#endif
