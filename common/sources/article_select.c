/*  article_select.c - pass 4: the region around the chosen container,
 *  conditional clean-up, block-level rules, the prose and JSON-LD
 *  fallbacks, and the kept blocks copied into the article_t.
 *  SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE /* strcasestr */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "article_impl.h"
#include "mem.h"

/* ---- pass 4: collect the region, clean it, emit blocks ------------------ */

typedef struct {
    uint32_t roots[256]; /* region roots in document order */
    size_t n;
} s_region_t;

static const char *s_block_text(const article_ctx_t *c, const article_block_t *b)
{
    return c->arena.data + b->off;
}

/* A sibling with little markup but real sentences (Readability's rule). */
static bool s_sibling_prose(const article_ctx_t *c, const article_el_t *e)
{
    double ld = article_link_density(e);
    if (e->tag != T_P)
        return false;
    if (e->blk_len > 80 && ld < 0.25)
        return true;
    if (e->last_blk == ARTICLE_NONE || ld > 0)
        return false;
    const article_block_t *b = &c->blocks[e->last_blk];
    return article_ends_sentence(s_block_text(c, b), b->len);
}

/* A list, table or definition list of plain text (ingredients, specs,
 * a key-facts box): kept next to a kept sibling, though items rarely
 * score on their own. */
static bool s_sibling_list(const article_el_t *e)
{
    bool list = e->tag == T_UL || e->tag == T_OL || e->tag == T_DL || e->tag == T_TABLE;
    return list && e->blk_len >= 40 && article_link_density(e) < 0.2;
}

/* Does sibling e join the region around top? Readability's score rule
 * (with a bonus for top's twins), prose paragraphs, and twins with
 * prose of their own. */
static bool s_sibling_kept(const article_ctx_t *c, const article_el_t *e, const article_el_t *top)
{
    double top_score = article_final(top);
    double threshold = top_score * 0.2 > 10 ? top_score * 0.2 : 10;
    bool twin = article_same_class(e, top);
    double bonus = twin ? top_score * 0.2 : 0;
    if ((e->flags & F_SCORED) && article_final(e) + bonus >= threshold)
        return true;
    return s_sibling_prose(c, e) || (twin && e->prose_len >= 80 && article_link_density(e) < 0.3);
}

static void s_region(article_ctx_t *c, uint32_t top, s_region_t *r)
{
    r->n = 0;
    uint32_t p = c->els[top].parent;
    if (p == ARTICLE_NONE || c->els[top].tag == T_BODY) {
        r->roots[r->n++] = top;
        return;
    }
    bool prev_kept = false;
    uint32_t pending = ARTICLE_NONE; /* a list after a sibling not kept */
    for (uint32_t i = p + 1; i <= c->els[p].end && r->n < 255; i = c->els[i].end + 1) {
        const article_el_t *e = &c->els[i];
        if (e->flags & F_JUNK)
            continue;
        bool kept = i == top || s_sibling_kept(c, e, &c->els[top]);
        if (kept && pending != ARTICLE_NONE)
            r->roots[r->n++] = pending; /* a list right before kept text */
        pending = ARTICLE_NONE;
        if (kept || (prev_kept && s_sibling_list(e)))
            r->roots[r->n++] = i;
        else if (s_sibling_list(e))
            pending = i;
        prev_kept = kept || (prev_kept && s_sibling_list(e));
    }
}

/* Readability's conditional clean-up, reduced to link density: link
 * lists, tag clouds and "more on this" boxes inside the article. */
static bool s_cleanable(const article_el_t *e)
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
    double ld = article_link_density(e);
    return ld > 0.5 || (e->blk_len < 200 && ld > 0.3);
}

static void s_mark_clean(article_ctx_t *c, uint32_t root)
{
    for (uint32_t i = root + 1; i <= c->els[root].end; i++) {
        article_el_t *e = &c->els[i];
        bool parent_clean =
            e->parent != root && e->parent != ARTICLE_NONE && (c->els[e->parent].flags & F_CLEAN);
        if (parent_clean || s_cleanable(e))
            e->flags |= F_CLEAN;
    }
}

static bool s_keep_any(const article_ctx_t *c, const article_block_t *b)
{
    const article_el_t *o = &c->els[b->owner];
    const char *t = s_block_text(c, b);
    if (o->flags & F_CLEAN)
        return false;
    if (b->link_len * 2 > b->len && o->tag != T_PRE)
        return false;
    /* Captions and credits describe a picture, not the story. */
    if (o->tag == T_FIGCAPTION || o->tag == T_FIGURE)
        return false;
    if (article_furniture(t, b->len))
        return false;
    if (o->tag == T_H1 && c->title && strncasecmp(c->title, t, b->len) == 0)
        return false;
    return true;
}

/* An article's <header> (kept out of strict mode's junk for its lead)
 * gives only the lead: its headline, byline and date lines stay out. */
static bool s_keep_block(const article_ctx_t *c, const article_block_t *b)
{
    return !(c->els[b->owner].flags & F_IN_HDR) && s_keep_any(c, b);
}

/* The blocks to keep: owners inside one of the roots. n_keep gets the
 * count, the return value their total bytes. */
static size_t s_select(article_ctx_t *c, const s_region_t *r, bool *keep)
{
    size_t total = 0;
    for (size_t i = 0; i < c->n_blocks; i++) {
        const article_block_t *b = &c->blocks[i];
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

/* The lead: a block shortly before the first kept one that opens like
 * the page's own description (the summary sites write for their teaser),
 * though it sits outside the body's container (a header, a hero). */
static size_t s_lead(const article_ctx_t *c, bool *keep)
{
    size_t first = 0;
    while (first < c->n_blocks && !keep[first])
        first++;
    if (!c->desc || first == c->n_blocks)
        return 0;
    size_t dlen = strlen(c->desc);
    for (size_t i = first, seen = 0; i-- > 0 && seen < 16; seen++) {
        const article_block_t *b = &c->blocks[i];
        size_t n = b->len < dlen ? b->len : dlen;
        n = n < 48 ? n : 48;
        if (n >= 30 && strncasecmp(s_block_text(c, b), c->desc, n) == 0 && s_keep_any(c, b)) {
            keep[i] = true;
            return b->len;
        }
    }
    return 0;
}

/* A recipe's ingredients and steps, wherever the page puts them (a box
 * beside the method, a table above it): kept once the text is chosen. */
static size_t s_recipe(const article_ctx_t *c, bool *keep)
{
    size_t added = 0;
    for (size_t i = 0; i < c->n_blocks; i++) {
        const article_block_t *b = &c->blocks[i];
        if (!keep[i] && (c->els[b->owner].flags & F_RECIPE) && s_keep_block(c, b)) {
            keep[i] = true;
            added += b->len;
        }
    }
    return added;
}

/* Short lines after the last sentence of the text ("Kontakt", a date,
 * a heading over the related links) close the page, not the article. */
static size_t s_trim_tail(const article_ctx_t *c, bool *keep)
{
    size_t cut = 0;
    for (size_t i = c->n_blocks, n = 0; i-- > 0 && n < 6;) {
        if (!keep[i])
            continue;
        const article_block_t *b = &c->blocks[i];
        const char *t = s_block_text(c, b);
        if (b->len >= 40 || article_ends_sentence(t, b->len))
            break;
        keep[i] = false;
        cut += b->len;
        n++;
    }
    return cut;
}

/* Fallback when the best container holds too little: every prose block
 * of the page that is not boilerplate. */
static size_t s_select_prose(article_ctx_t *c, bool *keep)
{
    size_t total = 0;
    for (size_t i = 0; i < c->n_blocks; i++) {
        const article_block_t *b = &c->blocks[i];
        keep[i] = b->len >= 40 && b->link_len * 10 < b->len * 3 &&
                  article_scores(c->els[b->owner].tag) && s_keep_block(c, b);
        total += keep[i] ? b->len : 0;
    }
    return total;
}

/* ---- JSON-LD articleBody ------------------------------------------------ */

/* Is the JSON-LD body this page's text? Its first words must appear among
 * the page's blocks (a teaser or another article's body would not). */
static bool s_jsonld_consistent(const article_ctx_t *c, const char *body)
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

static void s_emit(const article_ctx_t *c, const bool *keep, article_t *out)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n_blocks; i++)
        n += keep[i];
    out->blocks = mem_alloc((n ? n : 1) * sizeof(char *));
    for (size_t i = 0; i < c->n_blocks; i++) {
        if (!keep[i])
            continue;
        const article_block_t *b = &c->blocks[i];
        out->blocks[out->n_blocks++] = mem_strndup(s_block_text(c, b), b->len);
        out->text_len += b->len + (out->n_blocks > 1 ? 2 : 0);
    }
}

#define S_MIN_TEXT 250 /* bytes below which the first pass "found too little" */

/* The DOM choice around the best container: its region, cleaned, with
 * the lead and without the closing lines. Returns the kept bytes. */
static size_t s_choose_dom(article_ctx_t *c, bool *keep)
{
    uint32_t top = article_repeat(c, article_semantic(c, article_top_candidate(c)));
    if (top == ARTICLE_NONE)
        return 0;
    s_region_t *r = mem_alloc(sizeof *r);
    s_region(c, top, r);
    for (size_t k = 0; k < r->n; k++)
        s_mark_clean(c, r->roots[k]);
    size_t total = s_select(c, r, keep);
    total += s_lead(c, keep);
    total -= s_trim_tail(c, keep);
    if (total > 0)
        total += s_recipe(c, keep);
    free(r);
    return total;
}

void article_choose(article_ctx_t *c, article_t *out)
{
    size_t n = c->n_blocks ? c->n_blocks : 1;
    bool *keep = mem_calloc(n, sizeof(bool));
    size_t total = s_choose_dom(c, keep);
    out->how = "dom";
    if (total < S_MIN_TEXT) {
        /* The prose fallback, unless it finds even less: a page of short
         * items (a spec list, a blotter) has no long paragraphs at all. */
        bool *prose = mem_calloc(n, sizeof(bool));
        size_t alt = s_select_prose(c, prose);
        if (alt > total) {
            out->how = "fallback";
            total = alt;
            memcpy(keep, prose, n * sizeof(bool));
        }
        free(prose);
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
