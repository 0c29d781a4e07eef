/*  article.h - main-text extraction from a web page: the article body as
 *  paragraphs (headings, list items, quotes and code kept as blocks, in
 *  order) plus its metadata. A pure function of the bytes: no I/O, no
 *  logging, no network (libxml2 runs with HTML_PARSE_NONET). Text the
 *  HTTP layer already converted to UTF-8 is used as is; raw bytes are
 *  decoded from their BOM, their <meta>/<?xml?> label or, unlabelled and
 *  not UTF-8, as windows-1252 (article_charset.c).
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_ARTICLE_H
#define LODE_ARTICLE_H
#include <stddef.h>

#include "err.h"

/* Pages larger than this are refused with LODE_ETOOBIG (a 50 MB page is
 * accepted and extracted in bounded time). */
#define ARTICLE_MAX_BYTES ((size_t)64 << 20)

/* The extraction result. Every string is owned, NUL-terminated, valid
 * UTF-8 and freed by article_clear(). Metadata fields are NULL when the
 * page does not say. */
typedef struct {
    char **blocks;   /* owned; n_blocks paragraph texts in document order */
    size_t n_blocks; /* number of blocks (0 when nothing was found) */
    size_t text_len; /* bytes of all blocks joined by "\n\n" */
    char *title;     /* owned; headline */
    char *author;    /* owned; byline, several names joined by ", " */
    char *published; /* owned; ISO 8601: "2019-11-19T10:20:30Z" (UTC), or
                        "2019-11-19" when the page gives only a date */
    char *site;      /* owned; site or publisher name */
    char *language;  /* owned; BCP 47 tag as the page gives it ("en-US") */
    char *canonical; /* owned; canonical URL, absolute when url was given */
    const char *how; /* static; which strategy produced the blocks:
                        "dom", "jsonld", "fallback" or "none" */
} article_t;

/* Extract the main text and metadata of the page html[0..len). url (may be
 * NULL) is the page's address, used to resolve a relative canonical link.
 * html need not be NUL-terminated, UTF-8 or well-formed: other charsets
 * are converted, bytes invalid in the charset become U+FFFD, markup is
 * parsed as browsers do, any nesting depth is handled without recursion.
 * A page with no main text is not an error: the result has n_blocks == 0
 * (the caller decides what is too short to use).
 * Strategy: class/id and tag hints remove boilerplate subtrees (comment
 * threads in every attempt), blocks are scored by length, commas (CJK
 * clause marks included) and link density and the scores flow to their
 * ancestors (Readability's scheme); a lone <article>, <main>, role=main or
 * itemprop=articleBody holding as much prose replaces the best container,
 * which climbs to an ancestor repeated among its siblings (an article cut
 * into modules); that container, its worthy siblings and plain lists and
 * tables next to them are kept, with the lead that opens like the page's
 * description; link-heavy lists, captions, furniture lines (a lexicon in
 * several languages) and short closing lines are cleaned out; if that
 * yields under 500 bytes it retries trusting fewer hints, then all prose
 * blocks; JSON-LD articleBody replaces the result when it is much longer
 * and its opening is found in the page.
 * 0 on success with *out filled (clear it with article_clear()), also for
 * input libxml2 cannot make a tree of (no blocks); -1 and *err on failure:
 * LODE_EINVAL for a NULL out (or NULL html with len > 0), LODE_ETOOBIG past
 * ARTICLE_MAX_BYTES.
 * *out is zeroed first, so article_clear() is always safe afterwards.
 * Thread-safe once article_init() has run (it runs on first use). */
LODE_MUST_CHECK int
article_extract(const char *html, size_t len, const char *url, article_t *out, err_t *err);

/* The blocks joined by "\n\n", a new string the caller frees ("" when
 * there are none). */
char *article_text(const article_t *a);

/* Free everything article_extract() put in *a and zero it. Safe twice. */
void article_clear(article_t *a);

/* Initialise libxml2 once (xmlInitParser). Call it from the main thread
 * before starting threads that call article_extract(); idempotent. */
void article_init(void);
#endif
