/*  utf8.h - UTF-8 validation, repair and offset conversion. Pure functions,
 *  no allocation except utf8_repair's result.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_UTF8_H
#define LODE_UTF8_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decode one code point at s (len bytes available). Returns the bytes it
 * used (1..4) and sets *cp; on an invalid or truncated sequence returns 1 and
 * sets *cp to 0xFFFD. Overlongs, surrogates and > U+10FFFF are invalid.
 * Returns 0 only when len == 0. */
size_t utf8_decode(const char *s, size_t len, uint32_t *cp);

/* Encode cp into out (at least 4 bytes). Returns bytes written. */
size_t utf8_encode(uint32_t cp, char *out);

/* True if s[0..len) is valid UTF-8 with no NUL bytes. */
bool utf8_valid(const char *s, size_t len);

/* A new NUL-terminated copy of s with every invalid sequence (and NUL byte)
 * replaced by U+FFFD. *out_len gets the new length, *n_replaced the number
 * of replacements (either may be NULL). The caller frees. */
char *utf8_repair(const char *s, size_t len, size_t *out_len, size_t *n_replaced);

/* Number of code points in s[0..len) (s is valid UTF-8). */
size_t utf8_cp_count(const char *s, size_t len);

/* Byte offset of code point index cp in s[0..len); len if past the end. */
size_t utf8_byte_offset(const char *s, size_t len, size_t cp);
/* in (len bytes in charset cs, an iconv name) as a new NUL-terminated
 * UTF-8 string (*out_len bytes; the caller frees); each byte iconv cannot
 * convert becomes U+FFFD and counts in *n_bad (may be NULL). NULL if iconv
 * does not know cs. */
char *utf8_from_charset(const char *cs, const char *in, size_t len, size_t *out_len, size_t *n_bad);
#endif
