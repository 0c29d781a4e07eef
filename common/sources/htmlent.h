/*  htmlent.h - XML/HTML character references ("&amp;", "&#39;", "&#x2019;")
 *  to UTF-8: the one decoder of the source drivers (caption files, Markdown
 *  and subtitle text, podcast feeds and show notes, YouTube pages). The
 *  drivers differ only in a few policies, chosen by flags. Pure functions;
 *  no allocation, no I/O.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_HTMLENT_H
#define LODE_HTMLENT_H
#include <stddef.h>

#define HTMLENT_REF_MAX  12 /* bytes a reference may span, '&' to ';' */
#define HTMLENT_UTF8_MAX 4  /* bytes one reference decodes to, at most */

/* Policies (or-ed). Without any: an invalid or malformed numeric reference
 * is not a reference (it stays as written). */
enum {
    /* &nbsp; and the numeric tab, line feed and carriage return become a
     * plain space: text that is searched and quoted, not laid out. */
    HTMLENT_PLAIN_SPACE = 1,
    /* A numeric reference to no character (0, a surrogate, past U+10FFFF)
     * becomes U+FFFD. */
    HTMLENT_INVALID_FFFD = 2,
    /* So does "&#" followed by anything but digits ("&#;", "&#xZZ;"). */
    HTMLENT_MALFORMED_FFFD = 4,
};

/* Decode the reference at s[0] == '&' (s[0..n)): its UTF-8 into out (0 to
 * HTMLENT_UTF8_MAX bytes; invisible marks such as &shy; and &lrm; decode
 * to nothing) and its length into *out_len. Returns the bytes it spans, or
 * 0 if s does not start a reference known here (the caller keeps the '&').
 * Names are the XML five, &nbsp; and common typographic ones; numbers are
 * decimal or hex. */
size_t
htmlent_ref(const char *s, size_t n, unsigned flags, char out[HTMLENT_UTF8_MAX], size_t *out_len);

/* Decode every reference in s[0..n) into out (at least n bytes; out may be
 * s: a reference is never shorter than what it decodes to). Returns the
 * bytes written. */
size_t htmlent_decode(const char *s, size_t n, unsigned flags, char *out);
#endif
