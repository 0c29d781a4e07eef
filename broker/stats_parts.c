/*  stats_parts.c - see stats_parts.h.
 *  SPDX-License-Identifier: MIT
 */
#include "stats_parts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

int stats_read_store(
    store_t *store, store_stats_t *sum, stats_part_t **parts, size_t *n, err_t *err)
{
    *parts = NULL;
    *n = 0;
    int np = store_partitions(store);
    stats_part_t *out = mem_calloc((size_t)np, sizeof *out);
    /* One pass over every partition (the store's pass deadline), so a
     * slow node does not hold the broker's tick. */
    store_stats_t *each = mem_calloc((size_t)np, sizeof *each);
    if (store_stats_each(store, sum, each, (size_t)np, err) != 0) {
        free(each);
        free(out);
        return -1;
    }
    bool cluster = false;
    for (int p = 0; p < np; p++) {
        const store_stats_t *one = &each[p];
        const char *node = store_partition_node(store, p);
        cluster = cluster || node;
        out[p] = (stats_part_t){.partition = p,
                                .jobs = one->jobs,
                                .leases = one->in_flight,
                                .delayed = one->delayed,
                                .dead = one->dead};
        snprintf(out[p].node, sizeof out[p].node, "%s", node ? node : "");
        for (int s = 0; s < JOB_STAGE_COUNT; s++)
            out[p].queued += one->queued[s];
    }
    free(each);
    if (np > 1 || cluster) {
        *parts = out;
        *n = (size_t)np;
    } else {
        free(out);
    }
    return 0;
}
