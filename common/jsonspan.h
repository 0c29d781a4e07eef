/*  jsonspan.h - where a JSON value embedded in other text ends: the one
 *  balanced-bracket scanner of the project (a model's answer wrapped in
 *  prose, an object assigned in a page's inline script). It locates bytes;
 *  parsing is jansson's job. Pure function; no allocation.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_JSONSPAN_H
#define LODE_JSONSPAN_H
#include <stddef.h>

#define JSONSPAN_DEPTH_MAX 1024 /* nesting followed before giving up */

/* Length of the balanced object or array starting at s[0] ('{' or '['):
 * brackets matched in kind, outside strings (escapes respected), so "};"
 * inside a string does not end it. 0 if s[0] is neither, the value never
 * closes within n bytes (cut short), a bracket closes the wrong kind, or it
 * nests deeper than JSONSPAN_DEPTH_MAX. Linear in the returned length. */
size_t jsonspan_len(const char *s, size_t n);
#endif
