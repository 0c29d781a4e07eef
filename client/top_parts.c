/*  top_parts.c - per partition and per node figures for `lode top` (see
 *  top_parts.h).
 *  SPDX-License-Identifier: MIT
 */
#include "top_parts.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "store.h"

#define S_NODES_MAX 64 /* nodes listed in the text view */

static json_t *s_partition(int p, const char *node, const store_stats_t *st)
{
    int64_t queued = 0;
    for (int s = 0; s < JOB_STAGE_COUNT; s++)
        queued += st->queued[s];
    return json_pack("{s:i,s:o,s:I,s:I,s:I,s:I,s:I}", "partition", p, "node",
                     node ? json_string(node) : json_null(), "jobs", (json_int_t)st->jobs, "queued",
                     (json_int_t)queued, "leases", (json_int_t)st->in_flight, "delayed",
                     (json_int_t)st->delayed, "dead", (json_int_t)st->dead);
}

/* Every partition's figures, or NULL and *err. */
static json_t *s_read(cli_t *cli, err_t *err)
{
    store_t *st = cli_store(cli, err);
    if (!st)
        return NULL;
    int np = store_partitions(st);
    store_stats_t sum, *each = mem_calloc((size_t)np, sizeof *each);
    if (store_stats_each(st, &sum, each, (size_t)np, err) != 0) {
        free(each);
        return NULL;
    }
    json_t *arr = json_array();
    for (int p = 0; p < np; p++)
        json_array_append_new(arr, s_partition(p, store_partition_node(st, p), &each[p]));
    free(each);
    return arr;
}

char *top_parts_add(cli_t *cli, const char *json)
{
    json_t *root = json_loads(json, 0, NULL);
    if (!json_is_object(root)) {
        json_decref(root);
        return NULL;
    }
    err_t err = {0};
    store_t *st = cli_store(cli, &err);
    bool cluster = cli->redis_url && strncmp(cli->redis_url, "redis+cluster:", 14) == 0;
    bool parted = st && (store_partitions(st) > 1 || cluster);
    json_t *arr = parted ? s_read(cli, &err) : NULL;
    if (arr)
        json_object_set_new(root, "partitions", arr);
    else if (parted || !st)
        json_object_set_new(root, "partitions_error", json_string(err.msg));
    char *out = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
    json_decref(root);
    return out;
}

typedef struct {
    const char *node;
    int parts;
    long long jobs, queued, leases, dead;
} s_node_t;

/* Sum the partitions of each node into nodes[]; how many nodes. */
static size_t s_by_node(const json_t *parts, s_node_t *nodes, long long *min, long long *max)
{
    size_t n = 0, i;
    json_t *p;
    *min = -1;
    *max = 0;
    json_array_foreach(parts, i, p)
    {
        const char *node = json_string_value(json_object_get(p, "node"));
        node = node ? node : "redis";
        long long jobs = json_integer_value(json_object_get(p, "jobs"));
        *min = *min < 0 || jobs < *min ? jobs : *min;
        *max = jobs > *max ? jobs : *max;
        size_t k = 0;
        while (k < n && strcmp(nodes[k].node, node) != 0)
            k++;
        if (k == n && n == S_NODES_MAX)
            continue;
        if (k == n)
            nodes[n++] = (s_node_t){.node = node};
        nodes[k].parts++;
        nodes[k].jobs += jobs;
        nodes[k].queued += json_integer_value(json_object_get(p, "queued"));
        nodes[k].leases += json_integer_value(json_object_get(p, "leases"));
        nodes[k].dead += json_integer_value(json_object_get(p, "dead"));
    }
    return n;
}

void top_parts_format(FILE *out, const json_t *root)
{
    const json_t *parts = json_object_get(root, "partitions");
    const char *error = json_string_value(json_object_get(root, "partitions_error"));
    if (error)
        fprintf(out, "\npartitions: cannot read the store: %s\n", error);
    if (!json_is_array(parts) || json_array_size(parts) == 0)
        return;
    s_node_t nodes[S_NODES_MAX];
    long long min, max;
    size_t n = s_by_node(parts, nodes, &min, &max);
    fprintf(out, "\n%zu partitions on %zu node%s, jobs per partition min %lld max %lld\n",
            json_array_size(parts), n, n == 1 ? "" : "s", min, max);
    fprintf(out, "%-22s %5s %10s %10s %8s %8s\n", "NODE", "PARTS", "JOBS", "QUEUED", "LEASES",
            "DEAD");
    for (size_t k = 0; k < n; k++)
        fprintf(out, "%-22s %5d %10lld %10lld %8lld %8lld\n", nodes[k].node, nodes[k].parts,
                nodes[k].jobs, nodes[k].queued, nodes[k].leases, nodes[k].dead);
}
