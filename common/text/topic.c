/*  topic.c - TextTiling over content-term counts with sliding windows:
 *  moving the gap one sentence updates the dot product incrementally, so a
 *  whole pass costs one visit per word per window edge.
 *  SPDX-License-Identifier: MIT
 */
#include "topic.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

typedef struct {
    const textmodel_t *m;
    uint32_t *left;  /* term counts in the block before the gap */
    uint32_t *right; /* term counts in the block after the gap */
    double dot, nl, nr;
} s_blocks_t;

static void s_move(s_blocks_t *b, size_t sent, bool to_left, int delta)
{
    const textmodel_sent_t *s = &b->m->sents[sent];
    for (uint32_t w = s->first_word; w < s->first_word + s->n_words; w++) {
        if (!textmodel_is_content(b->m, w))
            continue;
        uint32_t t = b->m->words[w].term;
        uint32_t *mine = to_left ? b->left : b->right;
        uint32_t *other = to_left ? b->right : b->left;
        double *norm = to_left ? &b->nl : &b->nr;
        if (delta > 0) {
            b->dot += other[t];
            *norm += 2.0 * mine[t] + 1;
            mine[t]++;
        } else if (mine[t] > 0) {
            mine[t]--;
            *norm -= 2.0 * mine[t] + 1;
            b->dot -= other[t];
        }
    }
}

/* Cohesion at each gap g (between sentences g-1 and g), g in [1, n). */
static void s_cohesion(const textmodel_t *m, size_t win, double *score)
{
    size_t n = m->n_sents;
    s_blocks_t b = {.m = m};
    b.left = mem_calloc(m->n_terms + 1, sizeof *b.left);
    b.right = mem_calloc(m->n_terms + 1, sizeof *b.right);
    s_move(&b, 0, true, 1);
    for (size_t s = 1; s <= win && s < n; s++)
        s_move(&b, s, false, 1);
    for (size_t g = 1; g < n; g++) {
        score[g] = (b.nl > 0 && b.nr > 0) ? b.dot / sqrt(b.nl * b.nr) : 0;
        if (g + 1 >= n)
            break;
        s_move(&b, g, false, -1);
        s_move(&b, g, true, 1);
        if (g >= win)
            s_move(&b, g - win, true, -1);
        if (g + win < n)
            s_move(&b, g + win, false, 1);
    }
    free(b.left);
    free(b.right);
}

/* Depth of the valley at each gap: how far the cohesion climbs on each side. */
static void s_depth(const double *score, size_t n, size_t reach, double *depth)
{
    for (size_t g = 1; g < n; g++) {
        double lp = score[g], rp = score[g];
        for (size_t k = g; k >= 1 && g - k <= reach && score[k] >= lp; k--)
            lp = score[k];
        for (size_t k = g; k < n && k - g <= reach && score[k] >= rp; k++)
            rp = score[k];
        depth[g] = (lp - score[g]) + (rp - score[g]);
    }
}

static void s_smooth(double *score, size_t n)
{
    double prev = score[1];
    for (size_t g = 1; g + 1 < n; g++) {
        double cur = score[g];
        score[g] = (prev + cur + score[g + 1]) / 3.0;
        prev = cur;
    }
}

typedef struct {
    double depth;
    size_t gap;
} s_gap_t;

static int s_by_depth(const void *a, const void *b)
{
    const s_gap_t *x = a, *y = b;
    if (x->depth != y->depth)
        return x->depth < y->depth ? 1 : -1;
    return x->gap < y->gap ? -1 : x->gap > y->gap;
}

static int s_by_index(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

static bool s_far_enough(const size_t *starts, size_t n_starts, size_t gap, size_t min_sents)
{
    for (size_t i = 0; i < n_starts; i++) {
        size_t d = starts[i] > gap ? starts[i] - gap : gap - starts[i];
        if (d < min_sents)
            return false;
    }
    return true;
}

static bool s_try_snap(
    const textmodel_t *m, size_t *starts, size_t n_starts, size_t i, size_t c, size_t min_sents)
{
    if (c == 0 || c >= m->n_sents || !m->sents[c].para_start || c < min_sents ||
        m->n_sents - c < min_sents)
        return false;
    size_t old = starts[i];
    starts[i] = SIZE_MAX;
    if (!s_far_enough(starts, n_starts, c, min_sents)) {
        starts[i] = old;
        return false;
    }
    starts[i] = c;
    return true;
}

/* Move each boundary to a paragraph start within two sentences, if that
 * keeps the sections apart. */
static void s_snap(const textmodel_t *m, size_t *starts, size_t n_starts, size_t min_sents)
{
    for (size_t i = 1; i < n_starts; i++) {
        size_t g = starts[i];
        if (m->sents[g].para_start)
            continue;
        for (size_t d = 1; d <= 2; d++)
            if (s_try_snap(m, starts, n_starts, i, g - d, min_sents) ||
                s_try_snap(m, starts, n_starts, i, g + d, min_sents))
                break;
    }
}

size_t topic_segment(const textmodel_t *m, size_t max_sections, size_t min_sents, size_t *starts)
{
    size_t n = m->n_sents;
    starts[0] = 0;
    if (min_sents < 2)
        min_sents = 2;
    if (max_sections <= 1 || n < 2 * min_sents)
        return 1;
    size_t win = n / 15 < 3 ? 3 : n / 15 > 10 ? 10 : n / 15;
    double *score = mem_calloc(n + 1, sizeof *score);
    double *depth = mem_calloc(n + 1, sizeof *depth);
    s_cohesion(m, win, score);
    s_smooth(score, n);
    s_depth(score, n, 4 * win, depth);
    s_gap_t *gaps = mem_alloc(n * sizeof *gaps);
    size_t n_gaps = 0;
    for (size_t g = min_sents; g + min_sents <= n; g++)
        gaps[n_gaps++] = (s_gap_t){depth[g], g};
    qsort(gaps, n_gaps, sizeof *gaps, s_by_depth);
    size_t n_starts = 1;
    for (size_t i = 0; i < n_gaps && n_starts < max_sections; i++) {
        if (gaps[i].depth <= 0)
            break;
        if (s_far_enough(starts, n_starts, gaps[i].gap, min_sents))
            starts[n_starts++] = gaps[i].gap;
    }
    qsort(starts, n_starts, sizeof *starts, s_by_index);
    s_snap(m, starts, n_starts, min_sents);
    qsort(starts, n_starts, sizeof *starts, s_by_index);
    free(gaps);
    free(depth);
    free(score);
    return n_starts;
}
