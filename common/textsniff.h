/*  textsniff.h - is this byte string text worth mining, or a binary file?
 *  One rule for the client (at submit) and the fetch stage: known magic
 *  numbers, NUL bytes, a high share of invalid UTF-8 or control characters.
 *  Pure; does not read files or repair text (utf8.h does that).
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_TEXTSNIFF_H
#define LODE_TEXTSNIFF_H
#include <stddef.h>

#include "err.h"

/* Bytes looked at for the share of bad bytes (the head of the body; a
 * binary file shows itself there). NUL bytes are looked for everywhere. */
#define TEXTSNIFF_SAMPLE_BYTES (64u * 1024)

/* Percent of bad bytes (invalid UTF-8 or control characters other than
 * tab, newline, carriage return and form feed) in the sample above which
 * the body is binary. Latin-1 prose stays well below (~3%). */
#define TEXTSNIFF_MAX_BAD_PERCENT 10

/* 0 if body[0..len) looks like text (an empty body is text: too short is
 * decided elsewhere). -1 and *err LODE_EUNSUPPORTED with a message for
 * people when it is binary: "binary content (a PDF document), not text". */
LODE_MUST_CHECK
int textsniff_check(const char *body, size_t len, err_t *err);

/* The kind of file for a known magic number at the start of body ("a PDF
 * document"), or NULL. Static string. */
const char *textsniff_magic(const char *body, size_t len);
#endif
