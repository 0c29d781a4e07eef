/*  jsonlex.h - reading JSON of one exact form without a parser's tree:
 *  the forms Lode writes itself (through jansson) and reads back at every
 *  stage (a transcript, snippets). A reader built on it takes only that
 *  form -- no white space, keys in their order, numbers as written -- and
 *  gives up (no) at anything else, so that jansson reads the input instead:
 *  the two never differ on what they accept. Pure functions; no I/O.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_JSONLEX_H
#define LODE_JSONLEX_H
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* A cursor over the JSON; no is set at the first thing that is not the
 * exact form, after which every call fails. Plain data. */
typedef struct {
    const char *p, *end;
    bool no; /* not the exact form: leave it to jansson */
} jsonlex_t;

/* Consume the literal bytes lit (keys, punctuation): false if not there. */
bool jsonlex_lit(jsonlex_t *j, const char *lit);

/* An unsigned integer of at most 18 digits, no leading zero. */
long long jsonlex_uint(jsonlex_t *j);

/* A real (a fraction or an exponent), as strtod reads it; jansson reads
 * its reals the same way. */
double jsonlex_real(jsonlex_t *j);

/* A string into out (reset first): UTF-8 without control characters; the
 * escapes jansson reads, except \u0000 and lone surrogates (no). */
bool jsonlex_str(jsonlex_t *j, buf_t *out);
#endif
