/*  textmodel.h - a text analysed once for the extractive engine: its
 *  sentences, its words (with case and punctuation flags) and its vocabulary
 *  of lower-cased, lightly stemmed terms with counts and IDF. Plain data,
 *  read-only once built; borrows the text. No I/O.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_TEXTMODEL_H
#define LODE_TEXTMODEL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "job.h"

/* Only this much of a text is analysed (the rest is ignored), so that time
 * and memory stay bounded whatever the input. The bound follows the one size
 * rule (job.h): a transcript of a source at JOB_SOURCE_MAX_BYTES is analysed
 * whole; it may be larger than its source (a paragraph separator per line,
 * U+FFFD for the few invalid bytes a text may hold), hence the half more.
 * The cost, bench/extract/run.sh build --runs 1 --words 8000000 (a 50.5 MB
 * transcript; one run on a shared, loaded machine): 9.6 s for the three
 * stages and 381 MB resident, against 3.3 s and 175 MB when only the first
 * 16 MB were analysed. */
#define TEXTMODEL_MAX_BYTES     (JOB_SOURCE_MAX_BYTES / 2 * 3)
#define TEXTMODEL_MAX_SENTENCES 1000000u

enum {
    TEXTMODEL_W_CAP = 1 << 0,     /* begins with an upper-case letter */
    TEXTMODEL_W_ACRONYM = 1 << 1, /* two or more capitals and no lower case but a plural s */
    TEXTMODEL_W_STOP = 1 << 2,    /* a stopword, not inside a hyphenated compound */
    TEXTMODEL_W_NUM = 1 << 3,     /* begins with a digit */
    TEXTMODEL_W_FIRST = 1 << 4,   /* first of its sentence, or after an opening quote or colon */
    TEXTMODEL_W_BREAK = 1 << 5,   /* punctuation between the previous word and this one */
    TEXTMODEL_W_HYPHEN = 1 << 6,  /* joined to the previous word by a hyphen */
    TEXTMODEL_W_POSS = 1 << 7,    /* possessive; the 's is not in length or term */
};

typedef struct {
    size_t offset;   /* bytes into the text */
    uint32_t length; /* bytes */
    uint32_t term;   /* index into terms */
    uint32_t sent;   /* index into sents */
    uint32_t flags;  /* TEXTMODEL_W_* */
} textmodel_word_t;

typedef struct {
    uint32_t key_off;   /* key is arena[key_off, key_off + key_len) */
    uint32_t key_len;   /* bytes */
    uint32_t count;     /* occurrences */
    uint32_t df;        /* sentences holding it */
    uint32_t cap_count; /* occurrences capitalised away from a sentence start */
    uint32_t low_count; /* occurrences in lower case */
    uint32_t last_sent; /* internal: last sentence counted in df */
    float idf;          /* log((sentences + 1) / (df + 0.5)) */
    bool stop;          /* a stopword */
} textmodel_term_t;

typedef struct {
    size_t offset;       /* bytes into the text */
    size_t length;       /* bytes, trimmed */
    uint32_t first_word; /* index into words */
    uint32_t n_words;
    bool para_start; /* first of a paragraph */
    bool question;   /* ends with '?' */
    bool cut;        /* cut by the length bound, not ended by punctuation */
} textmodel_sent_t;

typedef struct {
    const char *text;        /* borrowed from the caller for the model's life */
    size_t len;              /* bytes analysed (at most TEXTMODEL_MAX_BYTES) */
    textmodel_sent_t *sents; /* owned */
    size_t n_sents;
    textmodel_word_t *words; /* owned */
    size_t n_words;
    textmodel_term_t *terms; /* owned */
    size_t n_terms;
    char *arena; /* owned: term keys, not NUL-terminated */
    size_t arena_len;
    size_t arena_cap;
    uint32_t *table; /* owned: hash of keys to term index + 1 */
    size_t table_cap;
    size_t words_cap;
    size_t terms_cap;
    int lang; /* stopword_lang_t told from the text: whose stopwords apply */
} textmodel_t;

/* Analyse text[0..len) (valid UTF-8); text must outlive the model.
 * 0 on success; -1 with LODE_EEMPTY "empty transcript" if it has no
 * sentence, LODE_EINVAL on NULL arguments. Clear with textmodel_clear. */
LODE_MUST_CHECK int textmodel_build(textmodel_t *m, const char *text, size_t len, err_t *err);

/* Free everything and zero the model. Safe on a zeroed model. */
void textmodel_clear(textmodel_t *m);

/* The key of a term (lower case, light-stemmed); *len gets its length. */
const char *textmodel_key(const textmodel_t *m, uint32_t term, size_t *len);

/* Finish a model whose sentences, words (with their final flags), term keys
 * and stop marks were filled by other means than textmodel_build (a stored
 * analysis, extract_analysis.c): the term counts, IDF and the key index,
 * computed as textmodel_build computes them. */
void textmodel_finish(textmodel_t *m);

/* Look a key up; -1 if absent. */
int64_t textmodel_find(const textmodel_t *m, const char *key, size_t len);

/* A content word: not a stopword, not a number, not a lone letter. */
bool textmodel_is_content(const textmodel_t *m, size_t word);

/* Lower-case key form of word[0..len) into out (cap bytes): case folded,
 * curly apostrophe made straight, plural s dropped. Returns its length. */
size_t textmodel_fold(const char *word, size_t len, char *out, size_t cap, bool stem);
#endif
