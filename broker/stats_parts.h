/*  stats_parts.h - the store's figures for the broker's stats tick: the
 *  sums over every partition (store_stats) and, on a partitioned store
 *  (more than one partition, or a Redis Cluster), each partition's own,
 *  with the node serving it, for /metrics (lode_partition_* gauges).
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_STATS_PARTS_H
#define LODE_STATS_PARTS_H
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "store.h"

/* One partition's figures. Plain data. */
typedef struct stats_part {
    int partition;
    char node[64]; /* "host:port" of the cluster master, "" on a single server */
    int64_t jobs, queued, leases, delayed, dead;
} stats_part_t;

/* Read the sums into *sum and, on a partitioned store, every partition into
 * *parts (owned by the caller, free(); *n entries; NULL and 0 otherwise).
 * One read per partition, as store_stats does. 0, or -1 and *err. */
LODE_MUST_CHECK int
stats_read_store(store_t *store, store_stats_t *sum, stats_part_t **parts, size_t *n, err_t *err);
#endif
