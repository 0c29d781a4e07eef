/*  termrank.c - PositionRank (Florescu & Caragea, ACL 2017): TextRank's
 *  word graph (Mihalcea & Tarau, 2004) -- content words linked when they
 *  occur within a small window of each other -- ranked by a PageRank whose
 *  random jumps favour words that occur early and often. A word's score is
 *  how central it is to the text; a phrase's is the sum of its words'.
 *  SPDX-License-Identifier: MIT
 */
#include "termrank.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

#define S_WINDOW 3    /* words within this distance are linked (the paper's best: 2-10) */
#define S_DAMP   0.85 /* PageRank's damping factor */
#define S_ITERS  30   /* iterations; scores move by < 1e-4 long before */

typedef struct {
    uint32_t to;
    float w;
} s_edge_t;

/* An adjacency list per term, built from (a, b) pairs sorted by a. */
typedef struct {
    uint32_t *start; /* n_terms + 1 entries into edges */
    s_edge_t *edges;
    double *out_w; /* total weight leaving each term */
} s_graph_t;

typedef struct {
    uint32_t a, b;
} s_pair_t;

/* Both directions of every link between content words of one sentence
 * at most S_WINDOW - 1 content words apart. */
static s_pair_t *s_pairs(const textmodel_t *m, size_t *n_out)
{
    size_t cap = 2 * (S_WINDOW - 1) * m->n_words + 1, n = 0;
    s_pair_t *p = mem_alloc(cap * sizeof *p);
    uint32_t recent[S_WINDOW], n_recent = 0, sent = UINT32_MAX;
    for (uint32_t w = 0; w < m->n_words; w++) {
        if (!textmodel_is_content(m, w))
            continue;
        if (m->words[w].sent != sent) {
            sent = m->words[w].sent;
            n_recent = 0;
        }
        uint32_t t = m->words[w].term;
        for (uint32_t i = 0; i < n_recent && n + 2 <= cap; i++) {
            if (recent[i] == t)
                continue;
            p[n++] = (s_pair_t){t, recent[i]};
            p[n++] = (s_pair_t){recent[i], t};
        }
        if (n_recent == S_WINDOW - 1)
            memmove(recent, recent + 1, (S_WINDOW - 2) * sizeof *recent);
        recent[n_recent < S_WINDOW - 1 ? n_recent++ : S_WINDOW - 2] = t;
    }
    *n_out = n;
    return p;
}

/* Repeated pairs become one weighted edge. The pairs are bucketed by
 * their first term (a counting sort, not a comparison sort: this ran for
 * every fan-out) and a term's edges are kept in the order first seen. The
 * order of one term's edges changes no score: each edge adds to a
 * different term, and every term's sum still runs over the terms in order. */
static void s_graph_build(const textmodel_t *m, s_graph_t *g)
{
    size_t n_pairs, nt = m->n_terms;
    s_pair_t *p = s_pairs(m, &n_pairs);
    uint32_t *first = mem_calloc(nt + 2, sizeof *first); /* bucket starts */
    uint32_t *bs = mem_alloc((n_pairs + 1) * sizeof *bs);
    for (size_t i = 0; i < n_pairs; i++)
        first[p[i].a + 1]++;
    for (size_t t = 0; t < nt; t++)
        first[t + 1] += first[t];
    uint32_t *fill = mem_alloc((nt + 1) * sizeof *fill);
    memcpy(fill, first, (nt + 1) * sizeof *fill);
    for (size_t i = 0; i < n_pairs; i++)
        bs[fill[p[i].a]++] = p[i].b;
    free(p);
    g->start = mem_calloc(nt + 2, sizeof *g->start);
    g->edges = mem_alloc((n_pairs + 1) * sizeof *g->edges);
    g->out_w = mem_calloc(nt + 1, sizeof *g->out_w);
    /* fill is reused: the edge of (a, b) is fill[b] while mark[b] == a + 1 */
    uint32_t *mark = mem_calloc(nt + 1, sizeof *mark);
    size_t n = 0;
    for (size_t a = 0; a < nt; a++) {
        for (uint32_t i = first[a]; i < first[a + 1]; i++) {
            uint32_t b = bs[i];
            if (mark[b] == a + 1) {
                g->edges[fill[b]].w += 1.0f;
            } else {
                mark[b] = (uint32_t)a + 1;
                fill[b] = (uint32_t)n;
                g->edges[n++] = (s_edge_t){b, 1.0f};
            }
            g->out_w[a] += 1.0;
        }
        g->start[a + 1] = (uint32_t)n;
    }
    free(mark);
    free(fill);
    free(bs);
    free(first);
}

/* PositionRank's jump vector: each content word's occurrences weighted by
 * 1 / position (in words), normalised. */
static double *s_positions(const textmodel_t *m)
{
    double *pos = mem_calloc(m->n_terms + 1, sizeof *pos), sum = 0;
    for (uint32_t w = 0; w < m->n_words; w++) {
        if (!textmodel_is_content(m, w))
            continue;
        double v = 1.0 / (1.0 + w);
        pos[m->words[w].term] += v;
        sum += v;
    }
    for (size_t t = 0; sum > 0 && t < m->n_terms; t++)
        pos[t] /= sum;
    return pos;
}

double *termrank_scores(const textmodel_t *m)
{
    if (!m || m->n_terms == 0)
        return mem_calloc(1, sizeof(double));
    s_graph_t g;
    s_graph_build(m, &g);
    double *pos = s_positions(m);
    double *r = mem_alloc((m->n_terms + 1) * sizeof *r);
    double *next = mem_alloc((m->n_terms + 1) * sizeof *next);
    memcpy(r, pos, m->n_terms * sizeof *r);
    for (int it = 0; it < S_ITERS; it++) {
        for (size_t t = 0; t < m->n_terms; t++)
            next[t] = (1 - S_DAMP) * pos[t];
        for (size_t a = 0; a < m->n_terms; a++) {
            if (g.out_w[a] <= 0)
                continue;
            double share = S_DAMP * r[a] / g.out_w[a];
            for (uint32_t e = g.start[a]; e < g.start[a + 1]; e++)
                next[g.edges[e].to] += share * g.edges[e].w;
        }
        double *tmp = r;
        r = next;
        next = tmp;
    }
    free(next);
    free(pos);
    free(g.start);
    free(g.edges);
    free(g.out_w);
    return r;
}
