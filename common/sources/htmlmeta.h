/*  htmlmeta.h - page metadata (title, author, published time, site name,
 *  language, canonical URL) merged from three sources in order of trust:
 *  <meta>/<link> tags (OpenGraph, Twitter, Dublin Core, plain names), then
 *  JSON-LD, then the document itself (<title>, <html lang>, a byline).
 *  Works on strings that article.c pulls out of the tree, so it knows
 *  nothing about libxml2; JSON-LD is parsed with jansson.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_HTMLMETA_H
#define LODE_HTMLMETA_H
#include <stdbool.h>
#include <stddef.h>

typedef struct htmlmeta htmlmeta_t;

typedef enum {
    HTMLMETA_TITLE = 0,
    HTMLMETA_AUTHOR,
    HTMLMETA_PUBLISHED,
    HTMLMETA_SITE,
    HTMLMETA_LANGUAGE,
    HTMLMETA_CANONICAL,
    HTMLMETA_DESCRIPTION, /* the page's own summary: often its lead */
    HTMLMETA_N_FIELDS
} htmlmeta_field_t;

/* A new empty collector; free with htmlmeta_destroy(). */
htmlmeta_t *htmlmeta_new(void);

/* Free and set *self_p to NULL. Safe on NULL. */
void htmlmeta_destroy(htmlmeta_t **self_p);

/* Record one <meta> tag: key is its property, name, itemprop or
 * http-equiv ("og:title", "DC.creator"; compared case-insensitively), or
 * "link:canonical" for <link rel=canonical>. The first value of a key wins;
 * empty values are ignored. */
void htmlmeta_add_meta(htmlmeta_t *self, const char *key, const char *content);

/* Record the text of one <script type="application/ld+json">. Invalid JSON
 * is ignored (raw control characters inside strings are tolerated). */
void htmlmeta_add_jsonld(htmlmeta_t *self, const char *json, size_t len);

/* Record a value found in the document itself (least trusted); the first
 * value per field wins. */
void htmlmeta_add_doc(htmlmeta_t *self, htmlmeta_field_t field, const char *value);

/* The merged value of a field (NULL if none), a new string the caller
 * frees. HTMLMETA_PUBLISHED is normalised to ISO 8601 (see
 * htmlmeta_date_iso); a value that cannot be read as a date is skipped.
 * Whitespace is collapsed. */
char *htmlmeta_get(const htmlmeta_t *self, htmlmeta_field_t field);

/* JSON-LD articleBody of the article object, if any (borrowed, valid until
 * htmlmeta_destroy). */
const char *htmlmeta_article_body(const htmlmeta_t *self);

/* Normalise a date as pages write it ("2019-11-19T10:20:30-05:00",
 * "2019-11-19", "Tue, 19 Nov 2019 10:20:30 GMT", "November 19, 2019",
 * "19 Nov 2019 10:20", "2019/11/19", Unix seconds) to ISO 8601 in out:
 * "YYYY-MM-DDTHH:MM:SSZ" in UTC when a time is given (no offset means
 * UTC), "YYYY-MM-DD" for a bare date. true on success. */
bool htmlmeta_date_iso(const char *in, char out[32]);
#endif
