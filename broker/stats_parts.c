/*  stats_parts.c - see stats_parts.h.
 *  SPDX-License-Identifier: MIT
 */
#include "stats_parts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

static void s_add(store_stats_t *sum, const store_stats_t *one)
{
    int64_t *dst = (int64_t *)sum;
    const int64_t *src = (const int64_t *)one;
    /* store_stats_t is int64_t fields only (see store.h). */
    for (size_t i = 0; i < sizeof *one / sizeof(int64_t); i++)
        dst[i] += src[i];
}

int stats_read_store(
    store_t *store, store_stats_t *sum, stats_part_t **parts, size_t *n, err_t *err)
{
    memset(sum, 0, sizeof *sum);
    *parts = NULL;
    *n = 0;
    int np = store_partitions(store);
    stats_part_t *out = mem_calloc((size_t)np, sizeof *out);
    bool cluster = false;
    for (int p = 0; p < np; p++) {
        store_stats_t one;
        const char *node = NULL;
        if (store_stats_partition(store, p, &one, &node, err) != 0) {
            free(out);
            return -1;
        }
        s_add(sum, &one);
        cluster = cluster || node;
        out[p] = (stats_part_t){.partition = p,
                                .jobs = one.jobs,
                                .leases = one.in_flight,
                                .delayed = one.delayed,
                                .dead = one.dead};
        snprintf(out[p].node, sizeof out[p].node, "%s", node ? node : "");
        for (int s = 0; s < JOB_STAGE_COUNT; s++)
            out[p].queued += one.queued[s];
    }
    if (np > 1 || cluster) {
        *parts = out;
        *n = (size_t)np;
    } else {
        free(out);
    }
    return 0;
}
