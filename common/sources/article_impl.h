/*  article_impl.h - the extractor's shared state (tags, per-element
 *  records, blocks, the context) and the calls between its files:
 *  article.c (entry points, metadata), article_dom.c (tags, attributes,
 *  class/id hints), article_blocks.c (passes 1-2: measure, cut blocks),
 *  article_score.c (pass 3: scoring) and article_select.c (pass 4: clean
 *  and emit). Private to those files; callers use article.h.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_ARTICLE_IMPL_H
#define LODE_ARTICLE_IMPL_H
#include <libxml/tree.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "article.h"
#include "buf.h"
#include "err.h"
#include "htmlmeta.h"

/* ---- tags --------------------------------------------------------------- */

typedef enum {
    T_OTHER = 0, /* inline or unknown */
    T_A,
    T_ADDRESS,
    T_ARTICLE,
    T_ASIDE,
    T_BLOCKQUOTE,
    T_BODY,
    T_BR,
    T_DD,
    T_DIV,
    T_DL,
    T_DT,
    T_FIGCAPTION,
    T_FIGURE,
    T_FOOTER,
    T_FORM,
    T_H1,
    T_H2,
    T_H3,
    T_H4,
    T_H5,
    T_H6,
    T_HEADER,
    T_HR,
    T_LI,
    T_MAIN,
    T_NAV,
    T_OL,
    T_P,
    T_PRE,
    T_SECTION,
    T_SKIP, /* never text: script, style, svg, form controls, ... */
    T_TABLE,
    T_TD,
    T_TH,
    T_TR,
    T_UL,
    T_BLOCKISH, /* other block-level boundaries (center, details, ...) */
} article_tag_t;

/* ---- per-element state ------------------------------------------------ */

enum {
    F_NEG = 1 << 0,       /* class/id/role say boilerplate */
    F_POS = 1 << 1,       /* class/id/itemprop say article content */
    F_HIDDEN = 1 << 2,    /* hidden, aria-hidden or display:none */
    F_JUNK = 1 << 3,      /* dropped with its subtree */
    F_CLEAN = 1 << 4,     /* dropped by the conditional clean-up */
    F_SCORED = 1 << 5,    /* score has been initialised */
    F_STRONG = 1 << 6,    /* F_NEG from an unmistakable word ("comments") */
    F_MAIN = 1 << 7,      /* role="main" or itemprop="articleBody" */
    F_BODY = 1 << 8,      /* itemprop="articleBody" */
    F_THREAD = 1 << 9,    /* F_STRONG from a comment-thread word */
    F_IN_ART = 1 << 10,   /* inside an <article> or <main> */
    F_IN_HDR = 1 << 11,   /* an article's <header> or inside one */
    F_NOSCRIPT = 1 << 12, /* <noscript>: the page as a browser without
                             scripts shows it; used only when nothing else is */
    F_HAS_ART = 1 << 13,  /* holds an <article> (not a comment), <main> or
                             role=main: a page wrapper, not a box */
    F_RECIPE = 1 << 14,   /* a recipe's ingredients or steps (schema.org
                             itemprop, or an "ingredient" class), or inside */
};

typedef struct {
    xmlNode *node;
    uint32_t parent; /* index of the parent element, ARTICLE_NONE for the root */
    uint32_t end;    /* last index in this element's subtree (preorder) */
    article_tag_t tag;
    uint32_t flags;    /* F_* */
    size_t raw_len;    /* bytes of text in the subtree, junk included */
    size_t blk_len;    /* bytes of kept block text in the subtree */
    size_t blk_link;   /* of which inside links */
    size_t n_children; /* element children */
    uint32_t last_blk; /* index of the last block it owns, ARTICLE_NONE if none */
    size_t prose_len;  /* bytes of prose blocks (long, few links) in the subtree */
    double score;      /* content score (readability-style) */
} article_el_t;

#define ARTICLE_NONE UINT32_MAX

/* Attempts, as Readability retries: trust every hint, then only strong
 * ones, then none, until one finds enough text. */
enum { ARTICLE_MODE_STRICT = 0, ARTICLE_MODE_LOOSE, ARTICLE_MODE_BARE, ARTICLE_N_MODES };

typedef struct {
    size_t off;      /* into the arena */
    size_t len;      /* bytes */
    size_t link_len; /* bytes inside <a> */
    size_t commas;
    uint32_t owner; /* innermost block element holding the text */
} article_block_t;

typedef struct {
    xmlDoc *doc;
    xmlNode *body;
    article_el_t *els; /* owned; preorder */
    size_t n_els, cap_els;
    article_block_t *blocks; /* owned */
    size_t n_blocks, cap_blocks;
    buf_t arena; /* block texts */
    buf_t cur;   /* the block being built */
    size_t cur_link;
    int in_a, in_pre;
    uint32_t *stack; /* owned; open block elements */
    size_t n_stack, cap_stack;
    err_t enter_err; /* first append failure while entering nodes */
    int mode;        /* ARTICLE_MODE_*: how much class/id hints may remove */
    htmlmeta_t *meta;
    char *title; /* owned; merged title, to drop a repeated headline */
    char *desc;  /* owned; the page's description, to find its lead */
    size_t body_raw;
} article_ctx_t;

/* n's record and index from pass 1 (its _private slot); NULL and
 * ARTICLE_NONE for nodes pass 1 did not index. */
static inline article_el_t *article_el(article_ctx_t *c, const xmlNode *n)
{
    uintptr_t i = (uintptr_t)n->_private;
    return i ? &c->els[i - 1] : NULL;
}

static inline uint32_t article_idx(const xmlNode *n)
{
    uintptr_t i = (uintptr_t)n->_private;
    return i ? (uint32_t)(i - 1) : ARTICLE_NONE;
}

/* A block long enough and with few enough links to be running text. */
static inline bool article_is_prose(const article_block_t *b)
{
    return b->len >= 25 && b->link_len * 2 <= b->len;
}

/* ---- article_dom.c ------------------------------------------------------ */

/* The tag class of element n (case-insensitive name); T_OTHER if unknown. */
article_tag_t article_tag_of(const xmlNode *n);

/* True for tags that start and end a block of text. */
bool article_is_block(article_tag_t t);

/* The value of attribute name on n (borrowed from the tree), "" when it has
 * no text value, NULL when absent. */
const char *article_attr(const xmlNode *n, const char *name);

/* The attributes pass 1 reads on every element, found in one walk over
 * n's attribute list (borrowed from the tree; "" with no text value, NULL
 * when absent). */
typedef struct {
    const char *cls, *id, *role, *itemprop, *style, *aria_hidden, *hidden, *rel, *datetime,
        *content;
} article_attrs_t;

void article_attrs(const xmlNode *n, article_attrs_t *out);

/* F_NEG, F_POS, F_STRONG, F_THREAD, F_MAIN, F_BODY, F_RECIPE and F_HIDDEN
 * from an element's class, id, role, itemprop, hidden, aria-hidden and
 * style attributes. */
uint32_t article_attr_flags(const article_attrs_t *a);

/* ---- article_mem.c ------------------------------------------------------ */

/* Route libxml2's allocations through article_mem.c (once per process;
 * nothing changes when another allocator is installed or the address
 * space cannot be reserved). */
void article_mem_install(void);

/* Open this thread's arena window: until article_mem_end, libxml2's small
 * blocks come from an arena that the end resets whole, so everything
 * libxml2 made in between must be freed (xmlFreeDoc) before it. Pairs
 * nest. True when an arena is in use (false: plain malloc throughout). */
bool article_mem_begin(void);

void article_mem_end(void);

/* Is p a block of one of the arenas? */
bool article_mem_owns(const void *p);

/* ---- article_charset.c -------------------------------------------------- */

/* html[0..len) as UTF-8 (rules in article_charset.c): html itself (past a
 * UTF-8 BOM) when it is valid UTF-8, with *owned NULL; else a new string
 * the caller frees, also in *owned. *out_len gets its length. */
const char *article_to_utf8(const char *html, size_t len, size_t *out_len, char **owned);

/* ---- article_strip.c ---------------------------------------------------- */

/* s[0..len) without the bodies of its <script> and <style> elements
 * (JSON-LD kept), cut only where libxml2 reads raw text (rules in
 * article_strip.c): a new NUL-terminated string the caller frees, its
 * length in *out_len; NULL when there is nothing to cut. */
char *article_strip_raw(const char *s, size_t len, size_t *out_len);

/* ---- article_blocks.c --------------------------------------------------- */

/* Pass 1: index every element under c->body, measure its text, gather
 * metadata into c->meta. */
void article_measure(article_ctx_t *c);

/* Pass 2: cut the text into c->blocks for the current c->mode.
 * 0 on success, -1 and *err if a block outgrows its buffer. */
int article_cut_blocks(article_ctx_t *c, err_t *err);

/* Clause marks in s[0..n): commas, and the CJK comma, ideographic comma
 * and full stop, which carry the same weight in text without spaces. */
size_t article_commas(const char *s, size_t n);

/* True when the block t[0..len) ends a sentence: . ! ? or 。！？ */
bool article_ends_sentence(const char *t, size_t len);

/* ---- article_score.c ---------------------------------------------------- */

/* Share of e's kept block text inside links, 0 when it has none. */
double article_link_density(const article_el_t *e);

/* Does a block owned by tag t count as a paragraph for scoring? */
bool article_scores(article_tag_t t);

/* Pass 3: give each block's ancestors their content scores. */
void article_score(article_ctx_t *c);

/* e's score scaled down by its link density. */
double article_final(const article_el_t *e);

/* The index of the best-scoring container after article_score(), or of
 * an ancestor that holds the article better; ARTICLE_NONE if none. */
uint32_t article_top_candidate(article_ctx_t *c);

/* The semantic container (itemprop=articleBody, a lone <article>,
 * <main>, role=main) to use instead of top when it holds the article
 * better; top itself otherwise. */
uint32_t article_semantic(article_ctx_t *c, uint32_t top);

/* ---- article_furniture.c ----------------------------------------------- */

/* Is the block t[0..len) page furniture: a short line that opens with or
 * holds a phrase that never belongs to an article's text ("Read more",
 * "Mehr zum Thema", "© AFP", "Sign up for ...")? */
bool article_furniture(const char *t, size_t len);

/* Same tag and the same non-empty class attribute. */
bool article_same_class(const article_el_t *a, const article_el_t *b);

/* top, or the ancestor of top (up to four levels) that has a sibling
 * built the same way (tag and class) holding prose of its own: an
 * article cut into repeated modules, a page of short items. The region
 * then takes those twins in. */
uint32_t article_repeat(article_ctx_t *c, uint32_t top);

/* ---- article_select.c --------------------------------------------------- */

/* Pass 4: pick the article region (or the fallbacks) and fill out's
 * blocks and out->how. */
void article_choose(article_ctx_t *c, article_t *out);
#endif
