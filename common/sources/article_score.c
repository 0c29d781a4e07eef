/*  article_score.c - candidate scoring (pass 3): readability-style content
 *  scores for the containers of the blocks, and the best candidate. Does
 *  not clean or emit.
 *  SPDX-License-Identifier: MIT
 */
#include <string.h>

#include "article_impl.h"

/* ---- pass 3: score containers, pick the article ------------------------- */

double article_link_density(const article_el_t *e)
{
    return e->blk_len ? (double)e->blk_link / (double)e->blk_len : 0.0;
}

static double s_init_score(const article_el_t *e)
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

static void s_add_score(article_ctx_t *c, uint32_t i, double s)
{
    article_el_t *e = &c->els[i];
    if (!(e->flags & F_SCORED)) {
        e->score = s_init_score(e);
        e->flags |= F_SCORED;
    }
    e->score += s;
}

/* Does a block owned by tag count as a paragraph for scoring? */
bool article_scores(article_tag_t t)
{
    return t == T_P || t == T_PRE || t == T_TD || t == T_BLOCKQUOTE || t == T_DIV ||
           t == T_SECTION || t == T_ARTICLE || t == T_MAIN || t == T_DD || t == T_BLOCKISH ||
           t == T_BODY;
}

void article_score(article_ctx_t *c)
{
    for (size_t i = 0; i < c->n_blocks; i++) {
        const article_block_t *b = &c->blocks[i];
        const article_el_t *o = &c->els[b->owner];
        /* List items score when they are sentences (steps, bullets of a
         * story), not when they are menu entries or short facts. */
        bool item = (o->tag == T_LI || o->tag == T_DT) && b->len >= 80 && b->link_len == 0;
        if (b->len < 25 || b->link_len * 2 > b->len || !(article_scores(o->tag) || item) ||
            (o->flags & F_IN_HDR))
            continue;
        double s = 1.0 + (double)b->commas + (b->len / 100 < 3 ? (double)(b->len / 100) : 3.0);
        uint32_t a = c->els[b->owner].parent;
        for (int level = 0; level < 5 && a != ARTICLE_NONE; level++, a = c->els[a].parent) {
            double div = level == 0 ? 1.0 : level == 1 ? 2.0 : level * 3.0;
            s_add_score(c, a, s / div);
        }
    }
}

double article_final(const article_el_t *e)
{
    return (e->flags & F_SCORED) ? e->score * (1.0 - article_link_density(e)) : -1e9;
}

uint32_t article_top_candidate(article_ctx_t *c)
{
    uint32_t top = ARTICLE_NONE;
    double best = -1e9;
    for (size_t i = 0; i < c->n_els; i++) {
        if ((c->els[i].flags & F_SCORED) && article_final(&c->els[i]) > best) {
            best = article_final(&c->els[i]);
            top = (uint32_t)i;
        }
    }
    if (top == ARTICLE_NONE)
        return top;
    /* Climb while a scored parent beats the candidate (the article spread
     * over several children), or while the candidate is an only child. */
    uint32_t body = article_idx(c->body);
    double last = article_final(&c->els[top]);
    for (uint32_t p = c->els[top].parent; p != ARTICLE_NONE && p != body; p = c->els[p].parent) {
        if (!(c->els[p].flags & F_SCORED))
            continue;
        double ps = article_final(&c->els[p]);
        if (ps < article_final(&c->els[top]) / 3)
            break;
        if (ps > last) {
            top = p;
            break;
        }
        last = ps;
    }
    while (c->els[top].parent != ARTICLE_NONE && c->els[top].parent != body &&
           c->els[c->els[top].parent].n_children == 1)
        top = c->els[top].parent;
    return top;
}

/* ---- semantic containers ------------------------------------------------ */

static bool s_inside(const article_ctx_t *c, uint32_t inner, uint32_t outer)
{
    return inner >= outer && inner <= c->els[outer].end;
}

/* Rank of a semantic container: 3 articleBody, 2 <article>, 1 <main> or
 * role=main, 0 none. */
static int s_rank(const article_el_t *e)
{
    if (e->flags & F_BODY)
        return 3;
    if (e->tag == T_ARTICLE)
        return 2;
    return e->tag == T_MAIN || (e->flags & F_MAIN) ? 1 : 0;
}

/* The container of the highest rank holding the most prose, when it is the
 * only one of its rank with a real share of it: several <article>s are a
 * listing or a comment thread, not the article. */
static uint32_t s_semantic_pick(const article_ctx_t *c)
{
    uint32_t best[4] = {ARTICLE_NONE, ARTICLE_NONE, ARTICLE_NONE, ARTICLE_NONE};
    size_t rivals[4] = {0};
    for (size_t i = 0; i < c->n_els; i++) {
        const article_el_t *e = &c->els[i];
        int r = s_rank(e);
        if (!r || (e->flags & F_JUNK) || e->prose_len < 200)
            continue;
        uint32_t b = best[r];
        if (b != ARTICLE_NONE && s_inside(c, (uint32_t)i, b))
            continue; /* nested in the one we have */
        if (b == ARTICLE_NONE || e->prose_len > c->els[b].prose_len) {
            rivals[r] = b == ARTICLE_NONE ? 0 : c->els[b].prose_len;
            best[r] = (uint32_t)i;
        } else if (e->prose_len > rivals[r]) {
            rivals[r] = e->prose_len;
        }
    }
    for (int r = 3; r > 0; r--) {
        if (best[r] != ARTICLE_NONE && rivals[r] * 2 < c->els[best[r]].prose_len)
            return best[r];
    }
    return ARTICLE_NONE;
}

uint32_t article_semantic(article_ctx_t *c, uint32_t top)
{
    uint32_t s = s_semantic_pick(c);
    if (s == ARTICLE_NONE || top == ARTICLE_NONE)
        return s == ARTICLE_NONE ? top : s;
    size_t sp = c->els[s].prose_len, tp = c->els[top].prose_len;
    if (s_inside(c, top, s)) /* top is part of it: widen when it holds more */
        return tp * 10 < sp * 8 ? s : top;
    if (s_inside(c, s, top)) /* it is most of top: narrow, leaving the rest */
        return sp * 10 >= tp * 6 ? s : top;
    return sp * 4 >= tp * 3 ? s : top; /* elsewhere: take it when as long */
}

/* ---- repeated modules --------------------------------------------------- */

bool article_same_class(const article_el_t *a, const article_el_t *b)
{
    if (a->tag != b->tag)
        return false;
    const char *x = article_attr(a->node, "class");
    const char *y = article_attr(b->node, "class");
    return x && y && *x && strcmp(x, y) == 0;
}

/* A sibling built like e that carries prose of its own. */
static bool s_twin(const article_el_t *e, const article_el_t *sib)
{
    return sib != e && !(sib->flags & F_JUNK) && sib->prose_len >= 80 &&
           article_link_density(sib) < 0.3 && article_same_class(sib, e);
}

uint32_t article_repeat(article_ctx_t *c, uint32_t top)
{
    uint32_t a = top;
    for (int level = 0; level < 4 && a != ARTICLE_NONE; level++, a = c->els[a].parent) {
        uint32_t p = c->els[a].parent;
        if (p == ARTICLE_NONE || c->els[a].tag == T_BODY)
            break;
        for (uint32_t i = p + 1; i <= c->els[p].end; i = c->els[i].end + 1) {
            if (s_twin(&c->els[a], &c->els[i]))
                return a;
        }
    }
    return top;
}
