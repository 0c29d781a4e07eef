/*  extract_cues.h - the cue words of the commentary writer, one set per
 *  language the engine tells apart (stopword_lang_t): the words that mark a
 *  definition, a contrast, a prediction, an example and the other roles,
 *  number and comparison words, "not X but Y" halves, and the function
 *  words a carried phrase drops at its ends. Data only (extract_cues.c);
 *  read by extract_commentary.c. Private to common/text.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_EXTRACT_CUES_H
#define LODE_EXTRACT_CUES_H
#include <stddef.h>

typedef enum {
    EXTRACT_R_CLAIM,
    EXTRACT_R_DEFINE,
    EXTRACT_R_NUMBER,
    EXTRACT_R_CONTRAST,
    EXTRACT_R_PREDICT,
    EXTRACT_R_EXAMPLE,
    EXTRACT_R_METAPHOR,
    EXTRACT_R_ANALOGY,
    EXTRACT_R_QUESTION,
    EXTRACT_R_CAUSE,
    EXTRACT_R_EVIDENCE,
    EXTRACT_R_OBJECTION,
    EXTRACT_R_REPLY,
    EXTRACT_N_ROLES
} extract_role_t;

/* Where a role's carrying words start, relative to its cue. */
typedef enum {
    EXTRACT_C_AFTER,  /* right after the cue: "for example, [bank tellers]" */
    EXTRACT_C_CLAUSE, /* at the start of the clause holding the cue */
    EXTRACT_C_AT,     /* at the cue's last word: "like [a Frankenstein's monster]" */
    EXTRACT_C_FROM,   /* at the cue itself: "[not like a human ...]" */
} extract_carry_t;

/* One cue: one to three consecutive words, lower case, as written (they
 * are keyed through the text model, so "models" finds "model"). */
typedef struct {
    extract_role_t role;
    const char *w[3];
    double weight; /* a role counts from 1.0 summed over a passage */
    extract_carry_t carry;
} extract_cue_t;

/* A word list. */
typedef struct {
    const char *const *w;
    size_t n;
} extract_words_t;

/* A language's cues. At most 64 cues (a term's cues are a bit mask). */
typedef struct {
    const extract_cue_t *cues;
    size_t n_cues;
    extract_words_t numbers;     /* number words: "million", "Millionen" */
    extract_words_t compare;     /* a comparison between figures: "than", "gegenüber" */
    extract_words_t lead_drop;   /* connectives a carried phrase does not start with */
    extract_words_t tail_drop;   /* function words it does not end with */
    extract_words_t subordinate; /* words opening a subordinate clause */
    extract_words_t negation;    /* "not X but Y": not, nicht, pas, no, non, não, niet */
    extract_words_t but;         /* its second half: but, sondern, mais, sino, ma, mas, maar */
    extract_words_t only;        /* "not only X but also Y" adds, it does not contrast */
    const char *is_that[2];      /* "the reason is that [claim]": is that, ist dass */
} extract_lang_cues_t;

/* The cues of lang (a stopword_lang_t); English for any other value. */
const extract_lang_cues_t *extract_lang_cues(int lang);
#endif
