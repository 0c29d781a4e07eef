/*  topic.h - topic segmentation in the manner of TextTiling (Hearst 1997):
 *  lexical cohesion between the blocks of sentences either side of each
 *  gap, cut at the deepest valleys. Linear in the number of words.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_TOPIC_H
#define LODE_TOPIC_H
#include <stddef.h>

#include "textmodel.h"

/* Split m's sentences into at most max_sections sections of at least
 * min_sents sentences each. starts (room for max_sections entries) gets the
 * first sentence of each section in order; starts[0] is 0. Returns the
 * number of sections (1 when the text is too short to split). Boundaries
 * move to a nearby paragraph start when there is one. */
size_t topic_segment(const textmodel_t *m, size_t max_sections, size_t min_sents, size_t *starts);
#endif
