/*  uchar.h - the few Unicode character classes the text engine needs:
 *  space, letter case and word characters, by code point ranges. Not a full
 *  Unicode database: unknown code points count as caseless word characters.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_UCHAR_H
#define LODE_UCHAR_H
#include <stdbool.h>
#include <stdint.h>

/* White space, including no-break and ideographic spaces. */
bool uchar_is_space(uint32_t cp);

/* Upper- or lower-case letter (Latin, Greek, Cyrillic); other scripts are
 * neither. */
bool uchar_is_upper(uint32_t cp);
bool uchar_is_lower(uint32_t cp);

/* Letter or digit of any script: anything that is not space, punctuation
 * or a symbol. */
bool uchar_is_word(uint32_t cp);

/* Lower-case form of an upper-case letter; other code points unchanged. */
uint32_t uchar_to_lower(uint32_t cp);

/* A closing quote or bracket that may follow a sentence terminator. */
bool uchar_is_closer(uint32_t cp);

/* An opening quote or bracket that may precede the first word. */
bool uchar_is_opener(uint32_t cp);
#endif
