/*  stem.c - libstemmer (Snowball) behind a small handle: language tags
 *  mapped to its algorithm names, words bounded, phrases keyed.
 *  SPDX-License-Identifier: MIT
 */
#include "stem.h"

#include <ctype.h>
#include <libstemmer.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

struct stem {
    struct sb_stemmer *sb;
};

/* BCP 47 primary subtags to Snowball algorithm names. */
static const char *const s_langs[][2] = {
    {"en", "english"}, {"de", "german"},     {"fr", "french"},  {"es", "spanish"},
    {"it", "italian"}, {"pt", "portuguese"}, {"nl", "dutch"},   {"sv", "swedish"},
    {"da", "danish"},  {"no", "norwegian"},  {"fi", "finnish"}, {"ru", "russian"},
};

stem_t *stem_new(const char *lang)
{
    char tag[16] = "en";
    if (lang && *lang) {
        size_t n = 0;
        while (lang[n] && lang[n] != '-' && lang[n] != '_' && n + 1 < sizeof tag) {
            tag[n] = (char)tolower((unsigned char)lang[n]);
            n++;
        }
        tag[n] = '\0';
    }
    const char *algo = tag;
    for (size_t i = 0; i < sizeof s_langs / sizeof *s_langs; i++)
        if (strcmp(tag, s_langs[i][0]) == 0)
            algo = s_langs[i][1];
    struct sb_stemmer *sb = sb_stemmer_new(algo, NULL);
    if (!sb)
        return NULL;
    stem_t *self = mem_calloc(1, sizeof *self);
    self->sb = sb;
    return self;
}

void stem_destroy(stem_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sb_stemmer_delete((*self_p)->sb);
    free(*self_p);
    *self_p = NULL;
}

static size_t s_copy(const char *s, size_t len, char *out, size_t cap)
{
    if (cap == 0)
        return 0;
    size_t n = len < cap - 1 ? len : cap - 1;
    memcpy(out, s, n);
    out[n] = '\0';
    return n;
}

size_t stem_word(stem_t *self, const char *word, size_t len, char *out, size_t cap)
{
    if (!self || len == 0 || len > 255)
        return s_copy(word, len, out, cap);
    const sb_symbol *st = sb_stemmer_stem(self->sb, (const sb_symbol *)word, (int)len);
    if (!st) /* out of memory inside libstemmer: the word itself will do */
        return s_copy(word, len, out, cap);
    return s_copy((const char *)st, (size_t)sb_stemmer_length(self->sb), out, cap);
}

size_t stem_phrase(stem_t *self, const char *phrase, char *out, size_t cap)
{
    size_t o = 0;
    char word[256];
    const char *p = phrase;
    if (cap)
        out[0] = '\0';
    while (*p) {
        while (*p && (*p == ' ' || *p == '-' || *p == '\n' || *p == '\t'))
            p++;
        size_t n = 0;
        while (*p && *p != ' ' && *p != '-' && *p != '\n' && *p != '\t') {
            if (n < sizeof word - 1)
                word[n++] = (char)tolower((unsigned char)*p);
            p++;
        }
        if (n == 0)
            break;
        if (o && o + 1 < cap)
            out[o++] = ' ';
        if (o < cap)
            o += stem_word(self, word, n, out + o, cap - o);
    }
    return o;
}
