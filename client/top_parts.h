/*  top_parts.h - `lode top`'s view of a partitioned store (several
 *  partitions, or any store on a Redis Cluster): the broker's snapshot
 *  holds sums; this adds what each partition holds and which node serves
 *  it, read from the store by the client (store_stats_partition), as a
 *  "partitions" array in the snapshot JSON:
 *    "partitions": [{"partition", "node", "jobs", "queued", "leases",
 *                    "delayed", "dead"}]   (node null on a single server)
 *  and, in the text view, one line per node (its partitions summed) and
 *  the spread of jobs over partitions (min / max).
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_TOP_PARTS_H
#define LODE_TOP_PARTS_H
#include <stdio.h>

#include <jansson.h>

#include "cli.h"

/* A new snapshot JSON text: json with "partitions" added when the store
 * has more than one partition or is a cluster (the store unreachable: a
 * "partitions_error" string instead); otherwise a copy. Caller frees;
 * NULL if json is not an object. */
char *top_parts_add(cli_t *cli, const char *json);

/* The text view of root's "partitions", if any (nothing otherwise). */
void top_parts_format(FILE *out, const json_t *root);
#endif
