/*  podcast_pick.c - episode selection in a parsed feed: "latest", a guid,
 *  a link or media URL, or the Nth newest. Does not parse feeds.
 *  SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mem.h"
#include "podcast_impl.h"

/* ---------------------------------------------------------------- episode choice */

typedef struct {
    int64_t when;
    size_t index;
} s_order_t;

static int s_order_cmp(const void *a, const void *b)
{
    const s_order_t *x = a, *y = b;
    if (x->when != y->when)
        return x->when > y->when ? -1 : 1; /* newest first; PODCAST_NO_DATE last */
    return x->index < y->index ? -1 : (x->index > y->index);
}

/* The Nth newest item (0-based), or NULL. */
static const podcast_item_t *s_nth_newest(const podcast_feed_t *feed, size_t nth)
{
    if (nth >= feed->n_items)
        return NULL;
    s_order_t *o = mem_alloc(feed->n_items * sizeof *o);
    for (size_t i = 0; i < feed->n_items; i++)
        o[i] = (s_order_t){feed->items[i].published_s, i};
    qsort(o, feed->n_items, sizeof *o, s_order_cmp);
    const podcast_item_t *it = &feed->items[o[nth].index];
    free(o);
    return it;
}

static bool s_eq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

static const podcast_item_t *s_by_id(const podcast_feed_t *feed, const char *sel)
{
    for (size_t i = 0; i < feed->n_items; i++)
        if (s_eq(feed->items[i].guid, sel))
            return &feed->items[i];
    for (size_t i = 0; i < feed->n_items; i++) {
        const podcast_item_t *it = &feed->items[i];
        if (s_eq(it->link, sel) || s_eq(it->enclosure_url, sel))
            return it;
    }
    return NULL;
}

const podcast_item_t *podcast_feed_episode(const podcast_feed_t *feed, const char *sel, err_t *err)
{
    const char *title = feed->title ? feed->title : "untitled";
    if (feed->n_items == 0) {
        err_set(err, LODE_ENOTFOUND, "podcast: feed '%.80s' has no episodes", title);
        return NULL;
    }
    if (!sel || !*sel || strcasecmp(sel, "latest") == 0)
        return s_nth_newest(feed, 0);
    const podcast_item_t *it = s_by_id(feed, sel);
    if (it)
        return it;
    const char *p = sel;
    int64_t n = podcast_digits(&p, 9);
    if (n >= 1 && *p == '\0' && (it = s_nth_newest(feed, (size_t)n - 1)) != NULL)
        return it;
    err_set(err, LODE_ENOTFOUND, "podcast: no episode '%.80s' in feed '%.80s' (%zu episodes)", sel,
            title, feed->n_items);
    return NULL;
}
