/*  entity.h - references a text invokes: people, works and organisations
 *  named in it. Heuristic, English-first: runs of capitalised words away
 *  from a sentence start (or recurring), "the X paper/book/report", "X et
 *  al.", titles in double quotes, names after Dr./Professor, and acronyms.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_ENTITY_H
#define LODE_ENTITY_H
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "textmodel.h"

typedef enum {
    ENTITY_NAME,    /* a capitalised name: organisation, place, product */
    ENTITY_PERSON,  /* a name after a title (Dr., Professor) */
    ENTITY_WORK,    /* a paper, book, report or quoted title */
    ENTITY_ACRONYM, /* GRPO, RL */
} entity_kind_t;

typedef struct {
    char *name; /* owned: as written in the text */
    entity_kind_t kind;
    uint32_t count;      /* mentions, shorter forms ("Karpathy") included */
    uint32_t first_sent; /* sentence of the first mention */
    double score;        /* mentions weighted by kind; the list is by score */
} entity_t;

typedef struct {
    entity_t *items; /* owned; best first */
    size_t count;
} entity_list_t;

/* The best max references of m into *out (clear with entity_list_clear).
 * 0 on success, possibly with none; -1 and LODE_EINVAL on NULL arguments. */
LODE_MUST_CHECK int
entity_extract(const textmodel_t *m, size_t max, entity_list_t *out, err_t *err);

void entity_list_clear(entity_list_t *list);
#endif
