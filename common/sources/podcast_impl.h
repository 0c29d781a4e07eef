/*  podcast_impl.h - helpers shared by the podcast files: podcast_text.c
 *  (bounded appends, entities, fields, search), podcast_date.c (digits),
 *  used by podcast_feed.c, podcast_pick.c, podcast_url.c,
 *  podcast_formats.c and podcast.c. Private to those files; callers use
 *  podcast.h.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_PODCAST_IMPL_H
#define LODE_PODCAST_IMPL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "podcast.h"

/* ASCII whitespace as isspace() in the C locale. */
bool podcast_is_space(char c);

/* Append what fits of p[0..n) to b; a field past b->max is cut, not
 * refused. */
void podcast_put(buf_t *b, const char *p, size_t n);

/* Decode the entity at s ('&'), append it to b, return the bytes it used,
 * or 0 when it is not one we know (the caller then copies the '&'). */
size_t podcast_entity(buf_t *b, const char *s, size_t n);

/* Append XML text s[0..n) to b with entities decoded (CDATA as is). */
void podcast_put_decoded(buf_t *b, const char *s, size_t n, bool cdata);

/* s[0..n) as valid UTF-8, whitespace runs collapsed, trimmed. Caller
 * frees; NULL when nothing is left. */
char *podcast_field_string(const char *s, size_t n);

/* A person's name from an author field as feeds write it: "john@example.com
 * (John Doe)" and "John Doe <john@example.com>" give "John Doe"; a bare
 * address, never shown, gives NULL; anything else itself. A new string
 * (caller frees) or NULL. */
char *podcast_author_name(const char *raw);

/* First needle in s[0..n) (exact, or ignoring ASCII case), or NULL. */
const char *podcast_find(const char *s, size_t n, const char *needle);
const char *podcast_find_ci(const char *s, size_t n, const char *needle);

/* The '>' closing a tag that starts at p, skipping quoted attribute
 * values, or NULL if none before end. */
const char *podcast_tag_end(const char *p, const char *end);

/* At most max digits at *pp as a number, *pp moved past them; -1 if none. */
int64_t podcast_digits(const char **pp, int max);
#endif
