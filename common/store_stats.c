/*  store_stats.c - the store's counters and queue lengths, summed over
 *  partitions or one partition at a time, read in one pipeline per node.
 *  SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "mem.h"
#include "store_impl.h"

/* One figure of a partition: a command and where its answer goes. */
typedef struct {
    char key[STORE_KEY_MAX];
    const char *argv[8];
    size_t len[8];
} s_stat_cmd_t;

#define S_STAT_CMDS 9 /* per partition: 4 queues, leases, dead, jobs, delayed, stats */

/* The S_STAT_CMDS commands of partition p into sc and cmds. */
static void s_stats_cmds(store_t *self, int p, s_stat_cmd_t *sc, rcl_cmd_t *cmds)
{
    static const char *const what[S_STAT_CMDS][2] = {
        {"LLEN", "queue:fetch"},  {"LLEN", "queue:snippet"}, {"LLEN", "queue:synthesis"},
        {"LLEN", "queue:fanout"}, {"ZCARD", "leases"},       {"LLEN", "dead"},
        {"ZCARD", "jobs"},        {"ZCARD", "delayed"},      {"HMGET", "stats"}};
    static const char *const counters[] = {"submitted", "done", "failed", "retried", "stale"};
    store_at(self, p);
    for (int i = 0; i < S_STAT_CMDS; i++) {
        store_key(self, sc[i].key, "%s", what[i][1]);
        int argc = 0;
        sc[i].argv[argc++] = what[i][0];
        sc[i].argv[argc++] = sc[i].key;
        for (int k = 0; i == S_STAT_CMDS - 1 && k < 5; k++)
            sc[i].argv[argc++] = counters[k];
        for (int k = 0; k < argc; k++)
            sc[i].len[k] = strlen(sc[i].argv[k]);
        cmds[i] = (rcl_cmd_t){.argc = argc, .argv = sc[i].argv, .len = sc[i].len, .key = 1};
    }
}

/* Add one partition's replies (cmds[0..S_STAT_CMDS)) into out. */
static void s_stats_add(const rcl_cmd_t *cmds, store_stats_t *out)
{
    int64_t *ints[] = {&out->queued[0], &out->queued[1], &out->queued[2], &out->queued[3],
                       &out->in_flight, &out->dead,      &out->jobs,      &out->delayed};
    int64_t *counters[] = {&out->submitted, &out->done, &out->failed, &out->retried, &out->stale};
    for (int i = 0; i < S_STAT_CMDS - 1; i++)
        if (cmds[i].reply && cmds[i].reply->type == REDIS_REPLY_INTEGER)
            *ints[i] += cmds[i].reply->integer;
    const redisReply *r = cmds[S_STAT_CMDS - 1].reply;
    for (size_t k = 0; r && r->type == REDIS_REPLY_ARRAY && k < r->elements && k < 5; k++)
        if (r->element[k]->type == REDIS_REPLY_STRING)
            *counters[k] += atoll(r->element[k]->str);
}

/* Every partition's figures in one pipeline per node (with the store's
 * pass deadline: the broker's tick is not held up by a slow node): their
 * sum in *out and partition p's in each[p] for p < n_each. */
int store_stats_each(
    store_t *self, store_stats_t *out, store_stats_t *each, size_t n_each, err_t *err)
{
    memset(out, 0, sizeof *out);
    /* The partition count, if not known yet (a lazy start). */
    if (!self->parts_known && store_connect(self, err) != 0)
        return -1;
    size_t n = (size_t)self->parts * S_STAT_CMDS;
    s_stat_cmd_t *sc = mem_alloc(n * sizeof *sc);
    rcl_cmd_t *cmds = mem_calloc(n, sizeof *cmds);
    for (int p = 0; p < self->parts; p++)
        s_stats_cmds(self, p, sc + (size_t)p * S_STAT_CMDS, cmds + (size_t)p * S_STAT_CMDS);
    int rc = rcl_pipeline_within(self->rcl, cmds, n, self->pass_ms, err);
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (cmds[i].reply && store_check(self, cmds[i].reply, err) != 0)
            rc = -1;
    for (int p = 0; p < self->parts; p++) {
        s_stats_add(cmds + (size_t)p * S_STAT_CMDS, out);
        if ((size_t)p < n_each) {
            memset(&each[p], 0, sizeof each[p]);
            s_stats_add(cmds + (size_t)p * S_STAT_CMDS, &each[p]);
        }
    }
    for (size_t i = 0; i < n; i++)
        freeReplyObject(cmds[i].reply);
    free(cmds);
    free(sc);
    return rc;
}

int store_stats(store_t *self, store_stats_t *out, err_t *err)
{
    return store_stats_each(self, out, NULL, 0, err);
}

const char *store_partition_node(store_t *self, int part)
{
    if (!rcl_is_cluster(self->rcl) || part < 0 || part >= self->parts)
        return NULL;
    store_at(self, part);
    return rcl_slot_node(self->rcl, (unsigned)self->slot);
}
