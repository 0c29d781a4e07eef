/*  termrank.h - how central each word of a text is, by PositionRank
 *  (Florescu & Caragea 2017; TextRank's word graph with a position-biased
 *  PageRank). The concepts of the extractive engine are ranked by it.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_TERMRANK_H
#define LODE_TERMRANK_H
#include "textmodel.h"

/* One score per term of m (stopwords and numbers score only their jump
 * share, near 0); they sum to about 1. Caller frees. Linear in the words
 * of m times a fixed number of iterations. */
double *termrank_scores(const textmodel_t *m);
#endif
