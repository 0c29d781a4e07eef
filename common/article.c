/*  article.c - main-text extraction: libxml2 builds the tree, one pass
 *  measures every element and gathers metadata, a second pass cuts the
 *  text into blocks, then content scoring picks the article container and
 *  block-level rules clean it. All tree walks are iterative, so nesting
 *  depth costs no stack. Does not fetch, log or convert charsets.
 *  SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE /* strcasestr */
#include "article.h"

#include <ctype.h>
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/uri.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "htmlmeta.h"
#include "mem.h"
#include "utf8.h"

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
} s_tag_t;

typedef struct {
    const char *name;
    s_tag_t tag;
} s_tagname_t;

/* Sorted by name for bsearch. */
static const s_tagname_t s_tags[] = {
    {"a", T_A},
    {"address", T_ADDRESS},
    {"applet", T_SKIP},
    {"article", T_ARTICLE},
    {"aside", T_ASIDE},
    {"audio", T_SKIP},
    {"blockquote", T_BLOCKQUOTE},
    {"body", T_BODY},
    {"br", T_BR},
    {"button", T_SKIP},
    {"canvas", T_SKIP},
    {"center", T_BLOCKISH},
    {"datalist", T_SKIP},
    {"dd", T_DD},
    {"details", T_BLOCKISH},
    {"dialog", T_SKIP},
    {"div", T_DIV},
    {"dl", T_DL},
    {"dt", T_DT},
    {"embed", T_SKIP},
    {"fieldset", T_BLOCKISH},
    {"figcaption", T_FIGCAPTION},
    {"figure", T_FIGURE},
    {"footer", T_FOOTER},
    {"form", T_FORM},
    {"frameset", T_SKIP},
    {"h1", T_H1},
    {"h2", T_H2},
    {"h3", T_H3},
    {"h4", T_H4},
    {"h5", T_H5},
    {"h6", T_H6},
    {"head", T_SKIP},
    {"header", T_HEADER},
    {"hr", T_HR},
    {"iframe", T_SKIP},
    {"input", T_SKIP},
    {"label", T_OTHER},
    {"legend", T_BLOCKISH},
    {"li", T_LI},
    {"main", T_MAIN},
    {"map", T_SKIP},
    {"math", T_SKIP},
    {"menu", T_UL},
    {"nav", T_NAV},
    {"noscript", T_SKIP},
    {"object", T_SKIP},
    {"ol", T_OL},
    {"option", T_SKIP},
    {"p", T_P},
    {"picture", T_SKIP},
    {"pre", T_PRE},
    {"script", T_SKIP},
    {"section", T_SECTION},
    {"select", T_SKIP},
    {"style", T_SKIP},
    {"summary", T_BLOCKISH},
    {"svg", T_SKIP},
    {"table", T_TABLE},
    {"tbody", T_BLOCKISH},
    {"td", T_TD},
    {"template", T_SKIP},
    {"textarea", T_SKIP},
    {"th", T_TH},
    {"thead", T_BLOCKISH},
    {"title", T_SKIP},
    {"tr", T_TR},
    {"ul", T_UL},
    {"video", T_SKIP},
};

static int s_cmp_tagname(const void *key, const void *item)
{
    return strcmp(key, ((const s_tagname_t *)item)->name);
}

static s_tag_t s_tag_of(const xmlNode *n)
{
    const char *name = (const char *)n->name;
    if (!name || strlen(name) > 10)
        return T_OTHER;
    char low[12];
    size_t i = 0;
    for (; name[i]; i++)
        low[i] = (char)tolower((unsigned char)name[i]);
    low[i] = '\0';
    const s_tagname_t *t =
        bsearch(low, s_tags, sizeof s_tags / sizeof s_tags[0], sizeof s_tags[0], s_cmp_tagname);
    return t ? t->tag : T_OTHER;
}

static bool s_is_block(s_tag_t t)
{
    return t != T_OTHER && t != T_A && t != T_BR && t != T_SKIP;
}

/* ---- per-element state ------------------------------------------------ */

enum {
    F_NEG = 1 << 0,    /* class/id/role say boilerplate */
    F_POS = 1 << 1,    /* class/id/itemprop say article content */
    F_HIDDEN = 1 << 2, /* hidden, aria-hidden or display:none */
    F_JUNK = 1 << 3,   /* dropped with its subtree */
    F_CLEAN = 1 << 4,  /* dropped by the conditional clean-up */
    F_SCORED = 1 << 5, /* score has been initialised */
    F_STRONG = 1 << 6, /* F_NEG from an unmistakable word ("comments") */
};

typedef struct {
    xmlNode *node;
    uint32_t parent; /* index of the parent element, S_NONE for the root */
    uint32_t end;    /* last index in this element's subtree (preorder) */
    s_tag_t tag;
    uint32_t flags;    /* F_* */
    size_t raw_len;    /* bytes of text in the subtree, junk included */
    size_t blk_len;    /* bytes of kept block text in the subtree */
    size_t blk_link;   /* of which inside links */
    size_t n_children; /* element children */
    uint32_t last_blk; /* index of the last block it owns, S_NONE if none */
    double score;      /* content score (readability-style) */
} s_el_t;

#define S_NONE UINT32_MAX

/* Attempts, as Readability retries: trust every hint, then only strong
 * ones, then none, until one finds enough text. */
enum { S_MODE_STRICT = 0, S_MODE_LOOSE, S_MODE_BARE, S_N_MODES };

typedef struct {
    size_t off;      /* into the arena */
    size_t len;      /* bytes */
    size_t link_len; /* bytes inside <a> */
    size_t commas;
    uint32_t owner; /* innermost block element holding the text */
} s_block_t;

typedef struct {
    xmlDoc *doc;
    xmlNode *body;
    s_el_t *els; /* owned; preorder */
    size_t n_els, cap_els;
    s_block_t *blocks; /* owned */
    size_t n_blocks, cap_blocks;
    buf_t arena; /* block texts */
    buf_t cur;   /* the block being built */
    size_t cur_link;
    int in_a, in_pre;
    uint32_t *stack; /* owned; open block elements */
    size_t n_stack, cap_stack;
    err_t enter_err; /* first append failure while entering nodes */
    int mode;        /* S_MODE_*: how much class/id hints may remove */
    htmlmeta_t *meta;
    char *title; /* owned; merged title, to drop a repeated headline */
    size_t body_raw;
} s_ctx_t;

static s_el_t *s_el(s_ctx_t *c, const xmlNode *n)
{
    uintptr_t i = (uintptr_t)n->_private;
    return i ? &c->els[i - 1] : NULL;
}

static uint32_t s_idx(const xmlNode *n)
{
    uintptr_t i = (uintptr_t)n->_private;
    return i ? (uint32_t)(i - 1) : S_NONE;
}

static const char *s_attr(const xmlNode *n, const char *name)
{
    for (const xmlAttr *a = n->properties; a; a = a->next) {
        if (a->name && strcasecmp((const char *)a->name, name) == 0)
            return a->children && a->children->type == XML_TEXT_NODE
                       ? (const char *)a->children->content
                       : "";
    }
    return NULL;
}

/* ---- class and id hints ----------------------------------------------- */

static bool s_has_any(const char *s, const char *const *words)
{
    for (; *words; words++) {
        if (strstr(s, *words))
            return true;
    }
    return false;
}

/* Class and id values are split into lower-case words at punctuation and
 * camelCase boundaries ("theiaStickySidebar" -> theia sticky sidebar), and
 * hints match the start of a word, so "pageRow" is not "pager". */

/* Boilerplate even next to a content word ("article-comments"). */
static const char *const s_neg_strong[] = {
    "comment", "cookie",    "consent",     "gdpr",         "newsletter", "related",
    "share",   "sharing",   "social",      "outbrain",     "taboola",    "disqus",
    "sponsor", "recommend", "subscri",     "signup",       "popup",      "promo",
    "advert",  "trending",  "mostpopular", "most-popular", NULL};

/* Boilerplate unless the same attribute also has a content word. */
static const char *const s_neg_weak[] = {
    "header",  "footer",   "menu",      "nav",          "sidebar",    "widget",
    "banner",  "combx",    "extra",     "rss",          "meta",       "legend",
    "remark",  "replies",  "community", "supplemental", "skyscraper", "agegate",
    "aside",   "rail",     "toolbar",   "breadcrumb",   "byline",     "author",
    "caption", "credit",   "masthead",  "pagination",   "pager",      "tags",
    "keyword", "footnote", "modal",     "print",        "skip",       "contact",
    NULL};

/* Whole words only. */
static const char *const s_neg_exact[] = {"ad",  "ads",  "hid", "hidden", "hide", "invisible",
                                          "tag", "more", "bio", "sr",     "none", NULL};

static const char *const s_pos[] = {"article", "body",  "content", "entry", "hentry", "main",
                                    "post",    "story", "text",    "blog",  "column", NULL};

static bool s_word_has(const char *w, const char *const *list, bool exact)
{
    for (; *list; list++) {
        size_t n = strlen(*list);
        if (strncmp(w, *list, n) == 0 && (!exact || w[n] == '\0'))
            return true;
    }
    return false;
}

/* Split s into words, calling back flags for each. */
static void s_words(const char *s, bool *pos, bool *strong, bool *weak)
{
    char w[64];
    size_t n = 0;
    for (const char *p = s;; p++) {
        unsigned char ch = (unsigned char)*p;
        bool camel = n > 0 && isupper(ch) && islower((unsigned char)p[-1]);
        if (!isalnum(ch) || camel || n == sizeof w - 1) {
            w[n] = '\0';
            if (n > 0) {
                *pos = *pos || s_word_has(w, s_pos, false);
                *weak =
                    *weak || s_word_has(w, s_neg_weak, false) || s_word_has(w, s_neg_exact, true);
            }
            n = 0;
        }
        if (!ch)
            break;
        if (isalnum(ch))
            w[n++] = (char)tolower(ch);
    }
    char low[256];
    size_t k = 0;
    for (const char *p = s; *p && k < sizeof low - 1; p++)
        low[k++] = (char)tolower((unsigned char)*p);
    low[k] = '\0';
    *strong = *strong || s_has_any(low, s_neg_strong);
}

static uint32_t s_hint_flags(const char *cls, const char *id)
{
    bool pos = false, strong = false, weak = false;
    if (cls)
        s_words(cls, &pos, &strong, &weak);
    if (id)
        s_words(id, &pos, &strong, &weak);
    uint32_t f = 0;
    if (strong)
        f |= F_NEG | F_STRONG;
    if (weak && !pos)
        f |= F_NEG;
    if (pos)
        f |= F_POS;
    return f;
}

static uint32_t s_attr_flags(const xmlNode *n)
{
    uint32_t f = s_hint_flags(s_attr(n, "class"), s_attr(n, "id"));
    const char *role = s_attr(n, "role");
    if (role && (strcmp(role, "navigation") == 0 || strcmp(role, "banner") == 0 ||
                 strcmp(role, "contentinfo") == 0 || strcmp(role, "complementary") == 0 ||
                 strcmp(role, "dialog") == 0 || strcmp(role, "alertdialog") == 0 ||
                 strcmp(role, "menu") == 0))
        f |= F_NEG;
    const char *itemprop = s_attr(n, "itemprop");
    if (itemprop && strstr(itemprop, "articleBody")) {
        f |= F_POS;
        f &= ~(uint32_t)F_NEG;
    }
    const char *style = s_attr(n, "style");
    const char *aria = s_attr(n, "aria-hidden");
    if (s_attr(n, "hidden") || (aria && strcmp(aria, "true") == 0) ||
        (style && (strstr(style, "display:none") || strstr(style, "display: none") ||
                   strstr(style, "visibility:hidden") || strstr(style, "visibility: hidden"))))
        f |= F_HIDDEN;
    return f;
}

/* ---- pass 1: index elements, measure text, gather metadata -------------- */

static uint32_t s_push_el(s_ctx_t *c, xmlNode *n, s_tag_t tag)
{
    if (c->n_els == c->cap_els) {
        c->cap_els = c->cap_els ? c->cap_els * 2 : 1024;
        c->els = mem_realloc(c->els, c->cap_els * sizeof *c->els);
    }
    uint32_t i = (uint32_t)c->n_els++;
    s_el_t *e = &c->els[i];
    memset(e, 0, sizeof *e);
    e->node = n;
    e->tag = tag;
    e->parent = S_NONE;
    for (xmlNode *a = n->parent; a && e->parent == S_NONE; a = a->parent)
        e->parent = s_idx(a); /* skips an unindexed <head> */
    e->flags = s_attr_flags(n);
    e->last_blk = S_NONE;
    n->_private = (void *)(uintptr_t)(i + 1);
    if (e->parent != S_NONE)
        c->els[e->parent].n_children++;
    return i;
}

static size_t s_visible_len(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += !isspace((unsigned char)*s);
    return n;
}

static void s_meta_tag(s_ctx_t *c, const xmlNode *n)
{
    const char *content = s_attr(n, "content");
    const char *keys[] = {s_attr(n, "property"), s_attr(n, "name"), s_attr(n, "itemprop"),
                          s_attr(n, "http-equiv")};
    for (size_t i = 0; i < 4; i++) {
        if (keys[i] && content)
            htmlmeta_add_meta(c->meta, keys[i], content);
    }
}

static void s_link_tag(s_ctx_t *c, const xmlNode *n)
{
    const char *rel = s_attr(n, "rel");
    const char *href = s_attr(n, "href");
    if (rel && href && strcasecmp(rel, "canonical") == 0)
        htmlmeta_add_meta(c->meta, "link:canonical", href);
}

/* The text under n as one new string (libxml2 allocates it). */
static void s_with_text(s_ctx_t *c, const xmlNode *n, htmlmeta_field_t field)
{
    xmlChar *t = xmlNodeGetContent(n);
    if (t && strlen((const char *)t) < 200)
        htmlmeta_add_doc(c->meta, field, (const char *)t);
    xmlFree(t);
}

static void s_script_tag(s_ctx_t *c, const xmlNode *n)
{
    const char *type = s_attr(n, "type");
    if (!type || strcasecmp(type, "application/ld+json") != 0)
        return;
    xmlChar *t = xmlNodeGetContent(n);
    if (t)
        htmlmeta_add_jsonld(c->meta, (const char *)t, strlen((const char *)t));
    xmlFree(t);
}

/* Metadata held in the document body: microdata, <time>, bylines. */
static void s_doc_hints(s_ctx_t *c, const xmlNode *n, uint32_t flags)
{
    const char *itemprop = s_attr(n, "itemprop");
    if (itemprop && strcmp(itemprop, "datePublished") == 0) {
        const char *v = s_attr(n, "datetime");
        if (v || (v = s_attr(n, "content")))
            htmlmeta_add_meta(c->meta, "datepublished", v);
    }
    if (strcasecmp((const char *)n->name, "time") == 0 && s_attr(n, "datetime"))
        htmlmeta_add_doc(c->meta, HTMLMETA_PUBLISHED, s_attr(n, "datetime"));
    const char *rel = s_attr(n, "rel");
    const char *cls = s_attr(n, "class");
    if ((rel && strcasecmp(rel, "author") == 0) || (itemprop && strcmp(itemprop, "author") == 0) ||
        (cls && (strstr(cls, "byline") || strstr(cls, "author-name"))))
        s_with_text(c, n, HTMLMETA_AUTHOR);
    (void)flags;
}

/* Metadata from an element that pass 1 does not descend into. */
static void s_head_element(s_ctx_t *c, const xmlNode *n)
{
    const char *name = (const char *)n->name;
    if (strcasecmp(name, "meta") == 0)
        s_meta_tag(c, n);
    else if (strcasecmp(name, "link") == 0)
        s_link_tag(c, n);
    else if (strcasecmp(name, "script") == 0)
        s_script_tag(c, n);
    else if (strcasecmp(name, "title") == 0)
        s_with_text(c, n, HTMLMETA_TITLE);
    else if (strcasecmp(name, "html") == 0 && s_attr(n, "lang"))
        htmlmeta_add_doc(c->meta, HTMLMETA_LANGUAGE, s_attr(n, "lang"));
}

/* Enter n in pass 1; true to descend. */
static bool s_measure_enter(s_ctx_t *c, xmlNode *n)
{
    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
        s_el_t *e = n->parent ? s_el(c, n->parent) : NULL;
        if (e && n->content)
            e->raw_len += s_visible_len((const char *)n->content);
        return false;
    }
    if (n->type != XML_ELEMENT_NODE || !n->name)
        return n->type == XML_DOCUMENT_NODE || n->type == XML_HTML_DOCUMENT_NODE;
    s_head_element(c, n);
    s_tag_t tag = s_tag_of(n);
    if (tag == T_SKIP)
        return strcasecmp((const char *)n->name, "head") == 0;
    uint32_t i = s_push_el(c, n, tag);
    if (tag == T_BODY && !c->body)
        c->body = n;
    s_doc_hints(c, n, c->els[i].flags);
    return true;
}

/* Iterative preorder walk from root calling enter (true = descend) and,
 * for every node entered, leave. No recursion: depth is free. */
typedef bool (*s_enter_fn)(s_ctx_t *c, xmlNode *n);
typedef int (*s_leave_fn)(s_ctx_t *c, xmlNode *n, err_t *err);

static int s_walk(s_ctx_t *c, xmlNode *root, s_enter_fn enter, s_leave_fn leave, err_t *err)
{
    xmlNode *n = root;
    while (n) {
        if (enter(c, n) && n->children) {
            n = n->children;
            continue;
        }
        for (;;) {
            if (leave && leave(c, n, err) != 0)
                return -1;
            if (n == root)
                return 0;
            if (n->next) {
                n = n->next;
                break;
            }
            n = n->parent;
        }
    }
    return 0;
}

static void s_measure(s_ctx_t *c)
{
    (void)s_walk(c, (xmlNode *)c->doc, s_measure_enter, NULL, NULL);
    /* Children come after their parent in preorder, so a reverse sweep
     * sums subtrees and finds each subtree's last index. */
    for (size_t i = 0; i < c->n_els; i++)
        c->els[i].end = (uint32_t)i;
    for (size_t i = c->n_els; i-- > 0;) {
        s_el_t *e = &c->els[i];
        if (e->parent == S_NONE)
            continue;
        s_el_t *p = &c->els[e->parent];
        p->raw_len += e->raw_len;
        if (e->end > p->end)
            p->end = e->end;
    }
    if (c->body)
        c->body_raw = s_el(c, c->body)->raw_len;
}

/* ---- pass 2: cut the text into blocks ----------------------------------- */

static bool s_is_junk(const s_ctx_t *c, const s_el_t *e)
{
    bool junk;
    /* A link inherits its paragraph's fate: its class ("icon none") says
     * nothing about the text around it. */
    if ((e->flags & (F_NEG | F_HIDDEN)) == F_NEG && e->tag == T_A)
        return false;
    if (c->mode == S_MODE_STRICT)
        junk = (e->flags & (F_NEG | F_HIDDEN)) || e->tag == T_NAV || e->tag == T_ASIDE ||
               e->tag == T_FOOTER || e->tag == T_HEADER;
    else if (c->mode == S_MODE_LOOSE)
        junk = (e->flags & (F_STRONG | F_HIDDEN)) || e->tag == T_NAV || e->tag == T_ASIDE ||
               e->tag == T_FOOTER;
    else
        junk = (e->flags & F_HIDDEN) || e->tag == T_NAV;
    if (!junk || e->tag == T_BODY)
        return false;
    /* A wrapper holding most of the page's text is not boilerplate, whatever
     * its class says ("page has-comments"). */
    return !(e->raw_len > 500 && e->raw_len * 10 > c->body_raw * 6);
}

static int s_flush(s_ctx_t *c, err_t *err)
{
    const char *s = c->cur.data;
    size_t n = c->cur.len;
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\n'))
        n--;
    size_t start = 0;
    while (start < n && (s[start] == ' ' || s[start] == '\n'))
        start++;
    if (start < n && c->n_stack > 0) {
        if (c->n_blocks == c->cap_blocks) {
            c->cap_blocks = c->cap_blocks ? c->cap_blocks * 2 : 256;
            c->blocks = mem_realloc(c->blocks, c->cap_blocks * sizeof *c->blocks);
        }
        s_block_t *b = &c->blocks[c->n_blocks++];
        b->off = c->arena.len;
        b->len = n - start;
        b->link_len = c->cur_link < b->len ? c->cur_link : b->len;
        b->owner = c->stack[c->n_stack - 1];
        b->commas = 0;
        for (size_t i = start; i < n; i++)
            b->commas += s[i] == ',';
        if (buf_append(&c->arena, s + start, n - start, err) != 0 ||
            buf_append(&c->arena, "", 1, err) != 0)
            return -1;
    }
    buf_reset(&c->cur);
    c->cur_link = 0;
    return 0;
}

/* Append text with whitespace collapsed (kept inside <pre>), no-break
 * spaces as spaces, soft hyphens and zero-width spaces dropped. */
static int s_add_text(s_ctx_t *c, const char *s, err_t *err)
{
    size_t before = c->cur.len;
    bool space = c->cur.len == 0 || c->cur.data[c->cur.len - 1] == ' ' ||
                 c->cur.data[c->cur.len - 1] == '\n';
    const char *run = s;
    for (const char *p = s;; p++) {
        unsigned char ch = (unsigned char)*p;
        size_t skip = 0;
        bool ws = false;
        if (ch == 0) {
            skip = 1;
        } else if (ch == 0xC2 && (unsigned char)p[1] == 0xA0) {
            skip = 2, ws = true;
        } else if (ch == 0xC2 && (unsigned char)p[1] == 0xAD) {
            skip = 2;
        } else if (ch == 0xE2 && (unsigned char)p[1] == 0x80 && (unsigned char)p[2] == 0x8B) {
            skip = 3;
        } else if (isspace(ch) && !c->in_pre) {
            skip = 1, ws = true;
        }
        if (!skip)
            continue;
        if (p > run && buf_append(&c->cur, run, (size_t)(p - run), err) != 0)
            return -1;
        if (p > run)
            space = false;
        if (ws && !space) {
            if (buf_append(&c->cur, " ", 1, err) != 0)
                return -1;
            space = true;
        }
        if (ch == 0)
            break;
        p += skip - 1;
        run = p + 1;
    }
    if (c->in_a)
        c->cur_link += c->cur.len - before;
    return 0;
}

static void s_stack_push(s_ctx_t *c, uint32_t i)
{
    if (c->n_stack == c->cap_stack) {
        c->cap_stack = c->cap_stack ? c->cap_stack * 2 : 256;
        c->stack = mem_realloc(c->stack, c->cap_stack * sizeof *c->stack);
    }
    c->stack[c->n_stack++] = i;
}

static bool s_block_enter(s_ctx_t *c, xmlNode *n)
{
    err_t *ignored = &c->enter_err; /* checked once the walk is over */
    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
        if (n->content && s_add_text(c, (const char *)n->content, ignored) != 0)
            return false;
        return false;
    }
    s_el_t *e = n->type == XML_ELEMENT_NODE ? s_el(c, n) : NULL;
    if (!e)
        return false;
    if (s_is_junk(c, e)) {
        e->flags |= F_JUNK;
        return false;
    }
    if (e->tag == T_BR) {
        if (buf_append(&c->cur, "\n", 1, ignored) != 0)
            return false;
        return false;
    }
    if (s_is_block(e->tag) || e->tag == T_BODY) {
        if (s_flush(c, ignored) != 0)
            return false;
        s_stack_push(c, s_idx(n));
    }
    c->in_a += e->tag == T_A;
    c->in_pre += e->tag == T_PRE;
    return true;
}

static int s_block_leave(s_ctx_t *c, xmlNode *n, err_t *err)
{
    s_el_t *e = n->type == XML_ELEMENT_NODE ? s_el(c, n) : NULL;
    if (!e || (e->flags & F_JUNK) || e->tag == T_BR)
        return 0;
    c->in_a -= e->tag == T_A;
    c->in_pre -= e->tag == T_PRE;
    if (s_is_block(e->tag) || e->tag == T_BODY) {
        if (s_flush(c, err) != 0)
            return -1;
        c->n_stack--;
    }
    return 0;
}

static int s_cut_blocks(s_ctx_t *c, err_t *err)
{
    if (!c->body)
        return 0;
    if (s_walk(c, c->body, s_block_enter, s_block_leave, err) != 0)
        return -1;
    if (c->enter_err.code) {
        err_set(err, c->enter_err.code, "%s", c->enter_err.msg);
        return -1;
    }
    /* Subtree sums of block text, again by a reverse preorder sweep. */
    for (size_t i = 0; i < c->n_blocks; i++) {
        s_el_t *o = &c->els[c->blocks[i].owner];
        o->blk_len += c->blocks[i].len;
        o->blk_link += c->blocks[i].link_len;
        o->last_blk = (uint32_t)i;
    }
    for (size_t i = c->n_els; i-- > 0;) {
        s_el_t *e = &c->els[i];
        if (e->parent != S_NONE) {
            c->els[e->parent].blk_len += e->blk_len;
            c->els[e->parent].blk_link += e->blk_link;
        }
    }
    return 0;
}

/* ---- pass 3: score containers, pick the article ------------------------- */

static double s_link_density(const s_el_t *e)
{
    return e->blk_len ? (double)e->blk_link / (double)e->blk_len : 0.0;
}

static double s_init_score(const s_el_t *e)
{
    double s = 0;
    switch (e->tag) {
    case T_DIV:
    case T_ARTICLE:
    case T_MAIN:
    case T_SECTION:
        s = 5;
        break;
    case T_PRE:
    case T_TD:
    case T_BLOCKQUOTE:
        s = 3;
        break;
    case T_ADDRESS:
    case T_OL:
    case T_UL:
    case T_DL:
    case T_DD:
    case T_DT:
    case T_LI:
    case T_FORM:
        s = -3;
        break;
    case T_TH:
    case T_H1:
    case T_H2:
    case T_H3:
    case T_H4:
    case T_H5:
    case T_H6:
        s = -5;
        break;
    default:
        break;
    }
    if (e->flags & F_POS)
        s += 25;
    if (e->flags & F_NEG)
        s -= 25;
    return s;
}

static void s_add_score(s_ctx_t *c, uint32_t i, double s)
{
    s_el_t *e = &c->els[i];
    if (!(e->flags & F_SCORED)) {
        e->score = s_init_score(e);
        e->flags |= F_SCORED;
    }
    e->score += s;
}

/* Does a block owned by tag count as a paragraph for scoring? */
static bool s_scores(s_tag_t t)
{
    return t == T_P || t == T_PRE || t == T_TD || t == T_BLOCKQUOTE || t == T_DIV ||
           t == T_SECTION || t == T_ARTICLE || t == T_MAIN || t == T_DD || t == T_BLOCKISH ||
           t == T_BODY;
}

static void s_score(s_ctx_t *c)
{
    for (size_t i = 0; i < c->n_blocks; i++) {
        const s_block_t *b = &c->blocks[i];
        if (b->len < 25 || b->link_len * 2 > b->len || !s_scores(c->els[b->owner].tag))
            continue;
        double s = 1.0 + (double)b->commas + (b->len / 100 < 3 ? (double)(b->len / 100) : 3.0);
        uint32_t a = c->els[b->owner].parent;
        for (int level = 0; level < 5 && a != S_NONE; level++, a = c->els[a].parent) {
            double div = level == 0 ? 1.0 : level == 1 ? 2.0 : level * 3.0;
            s_add_score(c, a, s / div);
        }
    }
}

static double s_final(const s_el_t *e)
{
    return (e->flags & F_SCORED) ? e->score * (1.0 - s_link_density(e)) : -1e9;
}

static uint32_t s_top_candidate(s_ctx_t *c)
{
    uint32_t top = S_NONE;
    double best = -1e9;
    for (size_t i = 0; i < c->n_els; i++) {
        if ((c->els[i].flags & F_SCORED) && s_final(&c->els[i]) > best) {
            best = s_final(&c->els[i]);
            top = (uint32_t)i;
        }
    }
    if (top == S_NONE)
        return top;
    /* Climb while a scored parent beats the candidate (the article spread
     * over several children), or while the candidate is an only child. */
    uint32_t body = s_idx(c->body);
    double last = s_final(&c->els[top]);
    for (uint32_t p = c->els[top].parent; p != S_NONE && p != body; p = c->els[p].parent) {
        if (!(c->els[p].flags & F_SCORED))
            continue;
        double ps = s_final(&c->els[p]);
        if (ps < s_final(&c->els[top]) / 3)
            break;
        if (ps > last) {
            top = p;
            break;
        }
        last = ps;
    }
    while (c->els[top].parent != S_NONE && c->els[top].parent != body &&
           c->els[c->els[top].parent].n_children == 1)
        top = c->els[top].parent;
    return top;
}

/* ---- pass 4: collect the region, clean it, emit blocks ------------------ */

typedef struct {
    uint32_t roots[256]; /* region roots in document order */
    size_t n;
} s_region_t;

static const char *s_block_text(const s_ctx_t *c, const s_block_t *b)
{
    return c->arena.data + b->off;
}

static bool s_same_class(const s_el_t *a, const s_el_t *b)
{
    const char *x = s_attr(a->node, "class");
    const char *y = s_attr(b->node, "class");
    return x && y && *x && strcmp(x, y) == 0;
}

/* A sibling with little markup but real sentences (Readability's rule). */
static bool s_sibling_prose(const s_ctx_t *c, const s_el_t *e)
{
    double ld = s_link_density(e);
    if (e->tag != T_P)
        return false;
    if (e->blk_len > 80 && ld < 0.25)
        return true;
    if (e->last_blk == S_NONE || ld > 0)
        return false;
    const s_block_t *b = &c->blocks[e->last_blk];
    return s_block_text(c, b)[b->len - 1] == '.';
}

static void s_region(s_ctx_t *c, uint32_t top, s_region_t *r)
{
    r->n = 0;
    uint32_t p = c->els[top].parent;
    if (p == S_NONE || c->els[top].tag == T_BODY) {
        r->roots[r->n++] = top;
        return;
    }
    double top_score = s_final(&c->els[top]);
    double threshold = top_score * 0.2 > 10 ? top_score * 0.2 : 10;
    for (uint32_t i = p + 1; i <= c->els[p].end && r->n < 256; i = c->els[i].end + 1) {
        const s_el_t *e = &c->els[i];
        if (e->flags & F_JUNK)
            continue;
        double bonus = s_same_class(e, &c->els[top]) ? top_score * 0.2 : 0;
        bool scored = (e->flags & F_SCORED) && s_final(e) + bonus >= threshold;
        if (i == top || scored || s_sibling_prose(c, e))
            r->roots[r->n++] = i;
    }
}

/* Readability's conditional clean-up, reduced to link density: link
 * lists, tag clouds and "more on this" boxes inside the article. */
static bool s_cleanable(const s_el_t *e)
{
    switch (e->tag) {
    case T_DIV:
    case T_SECTION:
    case T_UL:
    case T_OL:
    case T_DL:
    case T_TABLE:
    case T_FORM:
    case T_FIGURE:
    case T_BLOCKISH:
        break;
    default:
        return false;
    }
    double ld = s_link_density(e);
    return ld > 0.5 || (e->blk_len < 200 && ld > 0.3);
}

static void s_mark_clean(s_ctx_t *c, uint32_t root)
{
    for (uint32_t i = root + 1; i <= c->els[root].end; i++) {
        s_el_t *e = &c->els[i];
        bool parent_clean =
            e->parent != root && e->parent != S_NONE && (c->els[e->parent].flags & F_CLEAN);
        if (parent_clean || s_cleanable(e))
            e->flags |= F_CLEAN;
    }
}

static bool s_starts_with_ci(const char *s, const char *prefix)
{
    return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* Short lines that are page furniture in any article. */
static bool s_boilerplate(const char *t, size_t len)
{
    static const char *const phrases[] = {
        "advertisement",    "advertisment",        "sponsored", "share this",
        "share on",         "read more",           "read next", "related:",
        "sign up",          "subscribe",           "follow us", "click here",
        "continue reading", "all rights reserved", "copyright", "\xc2\xa9",
        "we use cookies",   "recommended",         "loading",   NULL};
    static const char *const inside[] = {"newsletter", "sign up for", "subscribe to",
                                         "follow us on", NULL};
    if (len > 200)
        return false;
    for (const char *const *p = phrases; *p && len <= 100; p++) {
        if (s_starts_with_ci(t, *p))
            return true;
    }
    for (const char *const *p = inside; *p; p++) {
        if (strcasestr(t, *p))
            return true;
    }
    return false;
}

static bool s_keep_block(const s_ctx_t *c, const s_block_t *b)
{
    const s_el_t *o = &c->els[b->owner];
    const char *t = s_block_text(c, b);
    if (o->flags & F_CLEAN)
        return false;
    if (b->link_len * 2 > b->len && o->tag != T_PRE)
        return false;
    if (s_boilerplate(t, b->len))
        return false;
    if (o->tag == T_H1 && c->title && strncasecmp(c->title, t, b->len) == 0)
        return false;
    return true;
}

/* The blocks to keep: owners inside one of the roots. n_keep gets the
 * count, the return value their total bytes. */
static size_t s_select(s_ctx_t *c, const s_region_t *r, bool *keep)
{
    size_t total = 0;
    for (size_t i = 0; i < c->n_blocks; i++) {
        const s_block_t *b = &c->blocks[i];
        keep[i] = false;
        for (size_t k = 0; k < r->n && !keep[i]; k++) {
            uint32_t root = r->roots[k];
            keep[i] = b->owner >= root && b->owner <= c->els[root].end;
        }
        keep[i] = keep[i] && s_keep_block(c, b);
        /* A first-level heading before any text is the headline, which is
         * metadata (title), not body. */
        if (keep[i] && total == 0 && c->els[b->owner].tag == T_H1)
            keep[i] = false;
        total += keep[i] ? b->len : 0;
    }
    return total;
}

/* Fallback when the best container holds too little: every prose block
 * of the page that is not boilerplate. */
static size_t s_select_prose(s_ctx_t *c, bool *keep)
{
    size_t total = 0;
    for (size_t i = 0; i < c->n_blocks; i++) {
        const s_block_t *b = &c->blocks[i];
        keep[i] = b->len >= 40 && b->link_len * 10 < b->len * 3 && s_scores(c->els[b->owner].tag) &&
                  s_keep_block(c, b);
        total += keep[i] ? b->len : 0;
    }
    return total;
}

/* ---- JSON-LD articleBody ------------------------------------------------ */

/* Is the JSON-LD body this page's text? Its first words must appear among
 * the page's blocks (a teaser or another article's body would not). */
static bool s_jsonld_consistent(const s_ctx_t *c, const char *body)
{
    char probe[64];
    size_t n = 0;
    bool space = true;
    for (const char *p = body; *p && n < 40; p++) {
        bool ws = isspace((unsigned char)*p);
        if (ws && space)
            continue;
        probe[n++] = ws ? ' ' : *p;
        space = ws;
    }
    while (n > 0 && ((unsigned char)probe[n - 1] & 0x80))
        n--; /* never cut inside a character */
    probe[n] = '\0';
    if (n < 20)
        return false;
    for (size_t i = 0; i < c->n_blocks; i++) {
        if (strstr(s_block_text(c, &c->blocks[i]), probe))
            return true;
    }
    return false;
}

/* Split body on blank lines (or single newlines) into out's blocks. */
static void s_blocks_from_text(const char *body, article_t *out)
{
    size_t cap = 16;
    out->blocks = mem_alloc(cap * sizeof(char *));
    const char *p = body;
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t n = eol ? (size_t)(eol - p) : strlen(p);
        while (n > 0 && isspace((unsigned char)*p))
            p++, n--;
        while (n > 0 && isspace((unsigned char)p[n - 1]))
            n--;
        if (n > 0) {
            if (out->n_blocks == cap) {
                cap *= 2;
                out->blocks = mem_realloc(out->blocks, cap * sizeof(char *));
            }
            out->blocks[out->n_blocks++] = mem_strndup(p, n);
            out->text_len += n + (out->n_blocks > 1 ? 2 : 0);
        }
        p = eol ? eol + 1 : p + strlen(p);
    }
}

/* ---- assembling the result ---------------------------------------------- */

static void s_emit(const s_ctx_t *c, const bool *keep, article_t *out)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n_blocks; i++)
        n += keep[i];
    out->blocks = mem_alloc((n ? n : 1) * sizeof(char *));
    for (size_t i = 0; i < c->n_blocks; i++) {
        if (!keep[i])
            continue;
        const s_block_t *b = &c->blocks[i];
        out->blocks[out->n_blocks++] = mem_strndup(s_block_text(c, b), b->len);
        out->text_len += b->len + (out->n_blocks > 1 ? 2 : 0);
    }
}

#define S_MIN_TEXT 250 /* bytes below which the first pass "found too little" */

static void s_choose(s_ctx_t *c, article_t *out)
{
    bool *keep = mem_calloc(c->n_blocks ? c->n_blocks : 1, sizeof(bool));
    size_t total = 0;
    uint32_t top = s_top_candidate(c);
    out->how = "dom";
    if (top != S_NONE) {
        s_region_t *r = mem_alloc(sizeof *r);
        s_region(c, top, r);
        for (size_t k = 0; k < r->n; k++)
            s_mark_clean(c, r->roots[k]);
        total = s_select(c, r, keep);
        free(r);
    }
    if (total < S_MIN_TEXT) {
        out->how = "fallback";
        total = s_select_prose(c, keep);
    }
    const char *ld = htmlmeta_article_body(c->meta);
    size_t ld_len = ld ? strlen(ld) : 0;
    if (ld_len >= S_MIN_TEXT && total * 10 < ld_len * 6 &&
        (total < S_MIN_TEXT || s_jsonld_consistent(c, ld))) {
        out->how = "jsonld";
        s_blocks_from_text(ld, out);
    } else if (total > 0) {
        s_emit(c, keep, out);
    } else {
        out->how = "none";
    }
    free(keep);
}

static char *s_resolve_url(const char *href, const char *base)
{
    if (!href || !base)
        return (char *)href;
    xmlChar *abs = xmlBuildURI((const xmlChar *)href, (const xmlChar *)base);
    if (!abs)
        return (char *)href;
    char *s = mem_strdup((const char *)abs);
    xmlFree(abs);
    free((char *)href);
    return s;
}

static void s_metadata(s_ctx_t *c, const char *url, article_t *out)
{
    out->title = htmlmeta_get(c->meta, HTMLMETA_TITLE);
    out->author = htmlmeta_get(c->meta, HTMLMETA_AUTHOR);
    out->published = htmlmeta_get(c->meta, HTMLMETA_PUBLISHED);
    out->site = htmlmeta_get(c->meta, HTMLMETA_SITE);
    out->language = htmlmeta_get(c->meta, HTMLMETA_LANGUAGE);
    out->canonical = s_resolve_url(htmlmeta_get(c->meta, HTMLMETA_CANONICAL), url);
    c->title = out->title ? mem_strdup(out->title) : NULL;
}

/* ---- entry points ------------------------------------------------------- */

static pthread_once_t s_once = PTHREAD_ONCE_INIT;

static void s_init_once(void)
{
    xmlInitParser();
}

void article_init(void)
{
    pthread_once(&s_once, s_init_once);
}

static void s_ctx_free(s_ctx_t *c)
{
    if (c->doc)
        xmlFreeDoc(c->doc);
    free(c->els);
    free(c->blocks);
    free(c->stack);
    buf_free(&c->arena);
    buf_free(&c->cur);
    htmlmeta_destroy(&c->meta);
    free(c->title);
}

static void s_reset(s_ctx_t *c, int mode)
{
    c->mode = mode;
    for (size_t i = 0; i < c->n_els; i++) {
        s_el_t *e = &c->els[i];
        e->flags &= ~(uint32_t)(F_JUNK | F_CLEAN | F_SCORED);
        e->score = 0;
        e->blk_len = e->blk_link = 0;
        e->last_blk = S_NONE;
    }
    c->n_blocks = 0;
    c->n_stack = 0;
    c->in_a = c->in_pre = 0;
    c->cur_link = 0;
    buf_reset(&c->arena);
    buf_reset(&c->cur);
}

#define S_ENOUGH_TEXT 500 /* bytes that end the retries (Readability's figure) */

/* Run the attempts until one finds enough text; keep the longest. */
static int s_attempts(s_ctx_t *c, article_t *out, err_t *err)
{
    article_t best = *out; /* metadata only so far */
    for (int mode = 0; mode < S_N_MODES; mode++) {
        s_reset(c, mode);
        if (s_cut_blocks(c, err) != 0)
            return -1;
        s_score(c);
        article_t a = {0};
        s_choose(c, &a);
        if (mode == 0 || a.text_len > best.text_len) {
            a.title = best.title, a.author = best.author, a.published = best.published;
            a.site = best.site, a.language = best.language, a.canonical = best.canonical;
            best.title = best.author = best.published = NULL;
            best.site = best.language = best.canonical = NULL;
            article_clear(&best);
            best = a;
        } else {
            article_clear(&a);
        }
        if (best.text_len >= S_ENOUGH_TEXT)
            break;
    }
    *out = best;
    return 0;
}

static xmlDoc *s_parse(const char *html, size_t len, const char *url)
{
    int opts = HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
               HTML_PARSE_COMPACT | HTML_PARSE_IGNORE_ENC | XML_PARSE_HUGE;
    if (utf8_valid(html, len))
        return htmlReadMemory(html, (int)len, url, "UTF-8", opts);
    char *fixed = utf8_repair(html, len, &len, NULL);
    xmlDoc *doc = htmlReadMemory(fixed, (int)len, url, "UTF-8", opts);
    free(fixed);
    return doc;
}

int article_extract(const char *html, size_t len, const char *url, article_t *out, err_t *err)
{
    if (!out || (!html && len)) {
        err_set(err, LODE_EINVAL, "article: NULL argument");
        return -1;
    }
    memset(out, 0, sizeof *out);
    out->how = "none";
    if (len > ARTICLE_MAX_BYTES) {
        err_set(err, LODE_ETOOBIG, "article: page of %zu bytes is over the %zu byte limit", len,
                ARTICLE_MAX_BYTES);
        return -1;
    }
    article_init();
    s_ctx_t c = {0};
    c.meta = htmlmeta_new();
    buf_init(&c.arena, 4 * len + 64);
    buf_init(&c.cur, 4 * len + 64);
    int rc = 0;
    c.doc = len ? s_parse(html, len, url) : NULL;
    if (c.doc) {
        s_measure(&c);
        s_metadata(&c, url, out);
        rc = s_attempts(&c, out, err);
    }
    s_ctx_free(&c);
    if (rc != 0) {
        article_clear(out);
        err_prefix(err, "article");
    }
    return rc;
}

char *article_text(const article_t *a)
{
    buf_t b;
    buf_init(&b, (size_t)-1 / 2);
    for (size_t i = 0; a && i < a->n_blocks; i++) {
        if ((i && buf_append(&b, "\n\n", 2, NULL) != 0) || buf_puts(&b, a->blocks[i], NULL) != 0)
            break;
    }
    return b.data ? buf_steal(&b) : mem_strdup("");
}

void article_clear(article_t *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->n_blocks; i++)
        free(a->blocks[i]);
    free(a->blocks);
    free(a->title);
    free(a->author);
    free(a->published);
    free(a->site);
    free(a->language);
    free(a->canonical);
    memset(a, 0, sizeof *a);
    a->how = "none";
}
