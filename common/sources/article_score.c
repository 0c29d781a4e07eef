/*  article_score.c - candidate scoring (pass 3): readability-style content
 *  scores for the containers of the blocks, and the best candidate. Does
 *  not clean or emit.
 *  SPDX-License-Identifier: MIT
 */
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
        if (b->len < 25 || b->link_len * 2 > b->len || !article_scores(c->els[b->owner].tag))
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
