/*  article_blocks.c - the extractor's tree passes: pass 1 indexes and
 *  measures every element and gathers metadata, pass 2 cuts the text into
 *  blocks. Walks are iterative, so nesting depth costs no stack. Does not
 *  score or choose.
 *  SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

#include "article_impl.h"
#include "mem.h"

/* ---- pass 1: index elements, measure text, gather metadata -------------- */

static uint32_t
s_push_el(article_ctx_t *c, xmlNode *n, article_tag_t tag, const article_attrs_t *attrs)
{
    if (c->n_els == c->cap_els) {
        c->cap_els = c->cap_els ? c->cap_els * 2 : 1024;
        c->els = mem_realloc(c->els, c->cap_els * sizeof *c->els);
    }
    uint32_t i = (uint32_t)c->n_els++;
    article_el_t *e = &c->els[i];
    memset(e, 0, sizeof *e);
    e->node = n;
    e->tag = tag;
    e->parent = ARTICLE_NONE;
    for (xmlNode *a = n->parent; a && e->parent == ARTICLE_NONE; a = a->parent)
        e->parent = article_idx(a); /* skips an unindexed <head> */
    e->flags = article_attr_flags(attrs);
    if (tag == T_BLOCKISH && strcasecmp((const char *)n->name, "noscript") == 0)
        e->flags |= F_NOSCRIPT;
    e->last_blk = ARTICLE_NONE;
    n->_private = (void *)(uintptr_t)(i + 1);
    if (e->parent != ARTICLE_NONE) {
        article_el_t *p = &c->els[e->parent];
        p->n_children++;
        if ((p->flags & F_IN_ART) || p->tag == T_ARTICLE || p->tag == T_MAIN)
            e->flags |= F_IN_ART;
    }
    return i;
}

static size_t s_visible_len(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += !isspace((unsigned char)*s);
    return n;
}

static void s_meta_tag(article_ctx_t *c, const xmlNode *n)
{
    const char *content = article_attr(n, "content");
    const char *keys[] = {article_attr(n, "property"), article_attr(n, "name"),
                          article_attr(n, "itemprop"), article_attr(n, "http-equiv")};
    for (size_t i = 0; i < 4; i++) {
        if (keys[i] && content)
            htmlmeta_add_meta(c->meta, keys[i], content);
    }
}

static void s_link_tag(article_ctx_t *c, const xmlNode *n)
{
    const char *rel = article_attr(n, "rel");
    const char *href = article_attr(n, "href");
    if (rel && href && strcasecmp(rel, "canonical") == 0)
        htmlmeta_add_meta(c->meta, "link:canonical", href);
}

/* The text under n as one new string (libxml2 allocates it). */
static void s_with_text(article_ctx_t *c, const xmlNode *n, htmlmeta_field_t field)
{
    xmlChar *t = xmlNodeGetContent(n);
    if (t && strlen((const char *)t) < 200)
        htmlmeta_add_doc(c->meta, field, (const char *)t);
    xmlFree(t);
}

static void s_script_tag(article_ctx_t *c, const xmlNode *n)
{
    const char *type = article_attr(n, "type");
    if (!type || strcasecmp(type, "application/ld+json") != 0)
        return;
    xmlChar *t = xmlNodeGetContent(n);
    if (t)
        htmlmeta_add_jsonld(c->meta, (const char *)t, strlen((const char *)t));
    xmlFree(t);
}

/* Metadata held in the document body: microdata, <time>, bylines. */
static void s_doc_hints(article_ctx_t *c, const xmlNode *n, const article_attrs_t *a)
{
    if (a->itemprop && strcmp(a->itemprop, "datePublished") == 0) {
        const char *v = a->datetime ? a->datetime : a->content;
        if (v)
            htmlmeta_add_meta(c->meta, "datepublished", v);
    }
    if (a->datetime && strcasecmp((const char *)n->name, "time") == 0)
        htmlmeta_add_doc(c->meta, HTMLMETA_PUBLISHED, a->datetime);
    if ((a->rel && strcasecmp(a->rel, "author") == 0) ||
        (a->itemprop && strcmp(a->itemprop, "author") == 0) ||
        (a->cls && (strstr(a->cls, "byline") || strstr(a->cls, "author-name"))))
        s_with_text(c, n, HTMLMETA_AUTHOR);
}

/* Metadata from an element that pass 1 does not descend into. */
static void s_head_element(article_ctx_t *c, const xmlNode *n)
{
    const char *name = (const char *)n->name;
    if (!strchr("mlsthMLSTH", name[0]) || !name[0])
        return; /* none of the names below: the common case, no calls */
    if (strcasecmp(name, "meta") == 0)
        s_meta_tag(c, n);
    else if (strcasecmp(name, "link") == 0)
        s_link_tag(c, n);
    else if (strcasecmp(name, "script") == 0)
        s_script_tag(c, n);
    else if (strcasecmp(name, "title") == 0)
        s_with_text(c, n, HTMLMETA_TITLE);
    else if (strcasecmp(name, "html") == 0 && article_attr(n, "lang"))
        htmlmeta_add_doc(c->meta, HTMLMETA_LANGUAGE, article_attr(n, "lang"));
}

/* Enter n in pass 1; true to descend. */
static bool s_measure_enter(article_ctx_t *c, xmlNode *n)
{
    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
        article_el_t *e = n->parent ? article_el(c, n->parent) : NULL;
        if (e && n->content)
            e->raw_len += s_visible_len((const char *)n->content);
        return false;
    }
    if (n->type != XML_ELEMENT_NODE || !n->name)
        return n->type == XML_DOCUMENT_NODE || n->type == XML_HTML_DOCUMENT_NODE;
    s_head_element(c, n);
    article_tag_t tag = article_tag_of(n);
    if (tag == T_SKIP)
        return strcasecmp((const char *)n->name, "head") == 0;
    article_attrs_t attrs;
    article_attrs(n, &attrs);
    (void)s_push_el(c, n, tag, &attrs);
    if (tag == T_BODY && !c->body)
        c->body = n;
    s_doc_hints(c, n, &attrs);
    return true;
}

/* Iterative preorder walk from root calling enter (true = descend) and,
 * for every node entered, leave. No recursion: depth is free. */
typedef bool (*s_enter_fn)(article_ctx_t *c, xmlNode *n);
typedef int (*s_leave_fn)(article_ctx_t *c, xmlNode *n, err_t *err);

static int s_walk(article_ctx_t *c, xmlNode *root, s_enter_fn enter, s_leave_fn leave, err_t *err)
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

void article_measure(article_ctx_t *c)
{
    (void)s_walk(c, (xmlNode *)c->doc, s_measure_enter, NULL, NULL);
    /* Children come after their parent in preorder, so a reverse sweep
     * sums subtrees and finds each subtree's last index. */
    for (size_t i = 0; i < c->n_els; i++)
        c->els[i].end = (uint32_t)i;
    for (size_t i = c->n_els; i-- > 0;) {
        article_el_t *e = &c->els[i];
        if (e->parent == ARTICLE_NONE)
            continue;
        article_el_t *p = &c->els[e->parent];
        p->raw_len += e->raw_len;
        if (e->end > p->end)
            p->end = e->end;
        bool art = (e->tag == T_ARTICLE && !(e->flags & F_THREAD)) || e->tag == T_MAIN ||
                   (e->flags & F_MAIN);
        if (art || (e->flags & F_HAS_ART))
            p->flags |= F_HAS_ART;
    }
    if (c->body)
        c->body_raw = article_el(c, c->body)->raw_len;
    /* An article's own <header>: headline, byline, lead; one holding much
     * text is a misnested wrapper, not a header. A recipe's parts pass
     * F_RECIPE down. Preorder: parents first. */
    for (size_t i = 0; i < c->n_els; i++) {
        article_el_t *e = &c->els[i];
        bool own = e->tag == T_HEADER && (e->flags & F_IN_ART) && e->raw_len < 1500;
        if (own || (e->parent != ARTICLE_NONE && (c->els[e->parent].flags & F_IN_HDR)))
            e->flags |= F_IN_HDR;
        if (e->parent != ARTICLE_NONE && (c->els[e->parent].flags & F_RECIPE))
            e->flags |= F_RECIPE;
    }
}

/* ---- pass 2: cut the text into blocks ----------------------------------- */

/* What the current attempt drops for e's own hints and tag. */
static bool s_mode_junk(const article_ctx_t *c, const article_el_t *e)
{
    if (c->mode == ARTICLE_MODE_STRICT)
        return (e->flags & (F_NEG | F_HIDDEN | F_NOSCRIPT)) || e->tag == T_NAV ||
               e->tag == T_ASIDE || e->tag == T_FOOTER || e->tag == T_FORM ||
               (e->tag == T_HEADER && !(e->flags & F_IN_ART));
    if (c->mode == ARTICLE_MODE_LOOSE) /* forms: comment, rating, login boxes */
        return (e->flags & (F_STRONG | F_HIDDEN | F_NOSCRIPT)) || e->tag == T_NAV ||
               e->tag == T_ASIDE || e->tag == T_FOOTER || e->tag == T_FORM;
    /* comment threads stay out in every attempt */
    return (e->flags & (F_HIDDEN | F_THREAD)) || e->tag == T_NAV;
}

static bool s_is_junk(const article_ctx_t *c, const article_el_t *e)
{
    /* A link inherits its paragraph's fate: its class ("icon none") says
     * nothing about the text around it. */
    if ((e->flags & (F_NEG | F_HIDDEN)) == F_NEG && e->tag == T_A)
        return false;
    if (!s_mode_junk(c, e) || e->tag == T_BODY)
        return false;
    /* A wrapper holding most of the page's text is not boilerplate, whatever
     * its class says ("page has-comments") unless it is a comment thread
     * holding no article, however long; nor is one holding a good share
     * of it under a content word next to one that fits only small boxes
     * ("entry share"). */
    bool box = (e->flags & F_THREAD) && !(e->flags & F_HAS_ART); /* a comment list */
    if (e->raw_len > 500 && e->raw_len * 10 > c->body_raw * 6 && !box)
        return false;
    bool conflict = (e->flags & (F_STRONG | F_POS | F_THREAD | F_HIDDEN)) == (F_STRONG | F_POS);
    return !conflict || e->raw_len < 1000 || e->raw_len * 10 < c->body_raw * 3;
}

size_t article_commas(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == ',')
            k++;
        else if (ch == 0xE3 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
                 ((unsigned char)s[i + 2] == 0x81 || (unsigned char)s[i + 2] == 0x82))
            k++, i += 2; /* 、 and 。: CJK text has no spaces but these */
        else if (ch == 0xEF && i + 2 < n && (unsigned char)s[i + 1] == 0xBC &&
                 (unsigned char)s[i + 2] == 0x8C)
            k++, i += 2; /* ， the full-width comma */
    }
    return k;
}

bool article_ends_sentence(const char *t, size_t len)
{
    const unsigned char *e = (const unsigned char *)t + len;
    if (len >= 1 && (e[-1] == '.' || e[-1] == '!' || e[-1] == '?'))
        return true;
    if (len >= 3 && e[-3] == 0xE3 && e[-2] == 0x80 && e[-1] == 0x82)
        return true; /* 。 */
    return len >= 3 && e[-3] == 0xEF && e[-2] == 0xBC && (e[-1] == 0x81 || e[-1] == 0x9F);
}

static int s_flush(article_ctx_t *c, err_t *err)
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
        article_block_t *b = &c->blocks[c->n_blocks++];
        b->off = c->arena.len;
        b->len = n - start;
        b->link_len = c->cur_link < b->len ? c->cur_link : b->len;
        b->owner = c->stack[c->n_stack - 1];
        b->commas = article_commas(s + start, n - start);
        if (buf_append(&c->arena, s + start, n - start, err) != 0 ||
            buf_append(&c->arena, "", 1, err) != 0)
            return -1;
    }
    buf_reset(&c->cur);
    c->cur_link = 0;
    return 0;
}

/* What s_add_text does not copy at p: the end (1), a no-break space (2,
 * *ws), a soft hyphen (2), a zero-width space (3), white space outside
 * <pre> (1, *ws); 0 for a byte to keep. */
static size_t s_special(const char *p, bool in_pre, bool *ws)
{
    unsigned char ch = (unsigned char)p[0], c1 = ch ? (unsigned char)p[1] : 0;
    if (ch == 0)
        return 1;
    if (ch == 0xC2 && (c1 == 0xA0 || c1 == 0xAD)) {
        *ws = c1 == 0xA0;
        return 2;
    }
    if (ch == 0xE2 && c1 == 0x80 && (unsigned char)p[2] == 0x8B)
        return 3;
    if (isspace(ch) && !in_pre) {
        *ws = true;
        return 1;
    }
    return 0;
}

/* Append text with whitespace collapsed (kept inside <pre>), no-break
 * spaces as spaces, soft hyphens and zero-width spaces dropped. */
static int s_add_text(article_ctx_t *c, const char *s, err_t *err)
{
    size_t before = c->cur.len;
    bool space = c->cur.len == 0 || c->cur.data[c->cur.len - 1] == ' ' ||
                 c->cur.data[c->cur.len - 1] == '\n';
    const char *run = s;
    for (const char *p = s;; p++) {
        unsigned char ch = (unsigned char)*p;
        bool ws = false;
        size_t skip = s_special(p, c->in_pre, &ws);
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

static void s_stack_push(article_ctx_t *c, uint32_t i)
{
    if (c->n_stack == c->cap_stack) {
        c->cap_stack = c->cap_stack ? c->cap_stack * 2 : 256;
        c->stack = mem_realloc(c->stack, c->cap_stack * sizeof *c->stack);
    }
    c->stack[c->n_stack++] = i;
}

static bool s_block_enter(article_ctx_t *c, xmlNode *n)
{
    err_t *ignored = &c->enter_err; /* checked once the walk is over */
    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
        if (n->content && s_add_text(c, (const char *)n->content, ignored) != 0)
            return false;
        return false;
    }
    article_el_t *e = n->type == XML_ELEMENT_NODE ? article_el(c, n) : NULL;
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
    if (article_is_block(e->tag) || e->tag == T_BODY) {
        if (s_flush(c, ignored) != 0)
            return false;
        s_stack_push(c, article_idx(n));
    }
    c->in_a += e->tag == T_A;
    c->in_pre += e->tag == T_PRE;
    return true;
}

static int s_block_leave(article_ctx_t *c, xmlNode *n, err_t *err)
{
    article_el_t *e = n->type == XML_ELEMENT_NODE ? article_el(c, n) : NULL;
    if (!e || (e->flags & F_JUNK) || e->tag == T_BR)
        return 0;
    c->in_a -= e->tag == T_A;
    c->in_pre -= e->tag == T_PRE;
    if (article_is_block(e->tag) || e->tag == T_BODY) {
        if (s_flush(c, err) != 0)
            return -1;
        c->n_stack--;
    }
    return 0;
}

int article_cut_blocks(article_ctx_t *c, err_t *err)
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
        article_el_t *o = &c->els[c->blocks[i].owner];
        o->blk_len += c->blocks[i].len;
        o->blk_link += c->blocks[i].link_len;
        o->last_blk = (uint32_t)i;
        if (article_is_prose(&c->blocks[i]) && !(o->flags & F_IN_HDR))
            o->prose_len += c->blocks[i].len;
    }
    for (size_t i = c->n_els; i-- > 0;) {
        article_el_t *e = &c->els[i];
        if (e->parent != ARTICLE_NONE) {
            c->els[e->parent].blk_len += e->blk_len;
            c->els[e->parent].blk_link += e->blk_link;
            c->els[e->parent].prose_len += e->prose_len;
        }
    }
    return 0;
}
