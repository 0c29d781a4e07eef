/*  store_parts.c - the broker's transitions over a store of several
 *  partitions, one pass each: every dispatch, DONE or sweep call is split
 *  into one script call per partition, and all of them go out as one
 *  pipeline per node (store_eval_parts), so a pass costs one round trip
 *  however many partitions a node holds, nodes are read as they answer,
 *  and a slow node is skipped at the store's pass deadline instead of
 *  holding up the others. The scripts themselves are in store_lua.c.
 *  SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "store_impl.h"

/* --- dispatch ------------------------------------------------------------------ */

/* Split call c over the partitions, starting at the next in turn (round
 * robin: none starves): each is asked for an equal share of c->max, with
 * the remainder to the first; with fewer credits than partitions, one each
 * to as many as there are credits, and the next call of the stage goes on
 * from there. Appends to sub/part/of from *m on. */
static void s_dispatch_split(store_t *self,
                             store_dispatch_call_t *c,
                             size_t i,
                             store_dispatch_call_t *sub,
                             int *part,
                             size_t *of,
                             size_t *m)
{
    size_t parts = (size_t)self->parts, max = c->max ? c->max : 1;
    size_t asked = max < parts ? max : parts, off = 0;
    unsigned start = self->drr[c->stage];
    self->drr[c->stage] += (unsigned)asked;
    for (size_t k = 0; k < asked; k++) {
        size_t share = max / asked + (k < max % asked ? 1 : 0);
        sub[*m] = *c;
        sub[*m].out = c->out + off;
        sub[*m].max = share;
        part[*m] = (int)((start + k) % parts);
        of[(*m)++] = i;
        off += share;
    }
    c->n = 0;
    c->left = 0;
    c->err = (err_t){0};
}

/* After a pass: partitions that gave less than asked (or failed) extend
 * their stage's run of dry partitions, one that gave all resets it. A call
 * that could not ask every partition says "look again" (left 1) until a
 * whole round of partitions in a row was dry: the broker's rounds then end
 * instead of asking empty queues forever. */
static void s_dispatch_dry(store_t *self,
                           store_dispatch_call_t *calls,
                           size_t n,
                           const store_dispatch_call_t *sub,
                           const size_t *of,
                           size_t m)
{
    for (size_t j = 0; j < m; j++) {
        int st = calls[of[j]].stage;
        if (sub[j].rc != 0 || sub[j].n < sub[j].max)
            self->dry[st]++;
        else
            self->dry[st] = 0;
    }
    for (size_t i = 0; i < n; i++) {
        size_t max = calls[i].max ? calls[i].max : 1;
        if (max < (size_t)self->parts && self->dry[calls[i].stage] < self->parts)
            calls[i].left++;
    }
}

int store_dispatch_spread(store_t *self, store_dispatch_call_t *calls, size_t n, err_t *err)
{
    size_t cap = n * (size_t)self->parts, m = 0;
    store_dispatch_call_t *sub = mem_alloc((cap ? cap : 1) * sizeof *sub);
    int *part = mem_alloc((cap ? cap : 1) * sizeof *part);
    size_t *of = mem_alloc((cap ? cap : 1) * sizeof *of);
    bool *failed = mem_calloc(n ? n : 1, sizeof *failed);
    bool *answered = mem_calloc(n ? n : 1, sizeof *answered);
    for (size_t i = 0; i < n; i++)
        s_dispatch_split(self, &calls[i], i, sub, part, of, &m);
    (void)store_dispatch_run(self, sub, m, part, err);
    /* A call's shares are in order, each at or after where the jobs so
     * far end: move each share down to follow them. */
    for (size_t j = 0; j < m; j++) {
        store_dispatch_call_t *c = &calls[of[j]];
        if (sub[j].rc != 0) {
            if (!c->err.code)
                c->err = sub[j].err;
            failed[of[j]] = true;
            continue;
        }
        answered[of[j]] = true;
        if (sub[j].n > 0 && sub[j].out != c->out + c->n)
            memmove(c->out + c->n, sub[j].out, sub[j].n * sizeof *c->out);
        c->n += sub[j].n;
        c->left += sub[j].left;
    }
    s_dispatch_dry(self, calls, n, sub, of, m);
    int rc = 0;
    err_clear(err);
    for (size_t i = 0; i < n; i++) {
        /* Some partitions answered: use what they gave, and look again
         * (left) as the dry run says; the others wait. Only a call that
         * asked every partition and got no answer fails (Redis is away). */
        size_t max = calls[i].max ? calls[i].max : 1;
        calls[i].rc = answered[i] || max < (size_t)self->parts ? 0 : -1;
        if (failed[i] && rc == 0) {
            err_set(err, calls[i].err.code, "%s", calls[i].err.msg);
            rc = -1;
        }
    }
    free(sub);
    free(part);
    free(of);
    free(failed);
    free(answered);
    return rc;
}

/* --- DONEs --------------------------------------------------------------------- */

/* The scratch of a spread: sub-calls, their partitions and owners, the
 * reports regrouped by partition with where each came from, and each
 * sub-call's share of its call's handoff. */
typedef struct {
    store_done_call_t *sub;
    int *part;
    size_t *of;
    store_report_t *mine; /* every call's reports, grouped by partition */
    size_t *from;         /* mine[k] is calls[...].reports[from[k]] */
    store_handoff_t *hand;
    size_t *handed;
    size_t m;
} s_spread_t;

/* Split call c (the i-th; its reports start at mine + base) into one
 * sub-call per partition it has reports in. The handoff's credits go to
 * the partitions in turn, never more than their reports, so together they
 * never hand over more than the worker can take. */
static void s_done_split(store_t *self, store_done_call_t *c, size_t i, size_t base, s_spread_t *s)
{
    size_t parts = (size_t)self->parts;
    int *pr = mem_alloc((c->n ? c->n : 1) * sizeof *pr);
    size_t *cnt = mem_calloc(parts, sizeof *cnt);
    for (size_t k = 0; k < c->n; k++)
        cnt[pr[k] = store_part_of(self, c->reports[k].id)]++;
    const store_handoff_t *h = c->handoff;
    size_t at = base, cap = h ? h->max : 0, hoff = 0;
    for (size_t p = 0; p < parts; p++) {
        if (cnt[p] == 0)
            continue;
        size_t first = at;
        for (size_t k = 0; k < c->n; k++)
            if ((size_t)pr[k] == p) {
                s->mine[at] = c->reports[k];
                s->from[at++] = k;
            }
        size_t j = s->m++;
        s->sub[j] = (store_done_call_t){.stage = c->stage, .reports = s->mine + first, .n = cnt[p]};
        s->part[j] = (int)p;
        s->of[j] = i;
        size_t share = cap < cnt[p] ? cap : cnt[p];
        if (share > 0) {
            s->hand[j] = *h;
            s->hand[j].max = share;
            s->hand[j].out = h->out + hoff;
            s->hand[j].n = &s->handed[j];
            s->sub[j].handoff = &s->hand[j];
            cap -= share;
            hoff += share;
        }
    }
    free(pr);
    free(cnt);
}

/* Sub-call j's answer into its call: the reports' applied flags, the jobs
 * handed on (moved down to follow those so far), its failure. */
static void s_done_merge(s_spread_t *s, size_t j, store_done_call_t *calls)
{
    store_done_call_t *c = &calls[s->of[j]], *sub = &s->sub[j];
    for (size_t k = 0; k < sub->n; k++) {
        size_t at = (size_t)(sub->reports - s->mine) + k;
        c->reports[s->from[at]].applied = sub->reports[k].applied;
    }
    if (sub->rc != 0) {
        if (!c->err.code)
            c->err = sub->err;
        c->rc = -1;
        return;
    }
    if (sub->handoff && s->handed[j] > 0) {
        const store_handoff_t *h = c->handoff;
        if (sub->handoff->out != h->out + *h->n)
            memmove(h->out + *h->n, sub->handoff->out, s->handed[j] * sizeof *h->out);
        *h->n += s->handed[j];
    }
}

int store_done_spread(store_t *self, store_done_call_t *calls, size_t n, err_t *err)
{
    size_t total = 0, cap = 0;
    for (size_t i = 0; i < n; i++)
        total += calls[i].n;
    cap = total ? total : 1; /* at most one sub-call per report */
    s_spread_t s = {.sub = mem_calloc(cap, sizeof *s.sub),
                    .part = mem_alloc(cap * sizeof *s.part),
                    .of = mem_alloc(cap * sizeof *s.of),
                    .mine = mem_alloc(cap * sizeof *s.mine),
                    .from = mem_alloc(cap * sizeof *s.from),
                    .hand = mem_alloc(cap * sizeof *s.hand),
                    .handed = mem_calloc(cap, sizeof *s.handed)};
    size_t base = 0;
    for (size_t i = 0; i < n; i++) {
        calls[i].rc = 0;
        calls[i].err = (err_t){0};
        if (calls[i].handoff)
            *calls[i].handoff->n = 0;
        s_done_split(self, &calls[i], i, base, &s);
        base += calls[i].n;
    }
    (void)store_done_run(self, s.sub, s.m, s.part, err);
    for (size_t j = 0; j < s.m; j++)
        s_done_merge(&s, j, calls);
    int rc = 0;
    err_clear(err);
    for (size_t i = 0; i < n && rc == 0; i++)
        if (calls[i].rc != 0) {
            err_set(err, calls[i].err.code, "%s", calls[i].err.msg);
            rc = -1;
        }
    free(s.sub);
    free(s.part);
    free(s.of);
    free(s.mine);
    free(s.from);
    free(s.hand);
    free(s.handed);
    return rc;
}

/* --- sweeps -------------------------------------------------------------------- */

int store_eval_count_spread(
    store_t *self, const char *script, const store_args_t *a, int *n, err_t *err)
{
    size_t parts = (size_t)self->parts;
    store_call_t *calls = store_calls_new(parts);
    for (size_t p = 0; p < parts; p++) {
        calls[p].script = script;
        calls[p].args = *a; /* its numbers stay in *a, which outlives the call */
        calls[p].part = (int)p;
    }
    int rc = store_eval_parts(self, calls, parts, err);
    *n = 0;
    for (size_t p = 0; p < parts; p++)
        if (calls[p].reply && calls[p].reply->type == REDIS_REPLY_INTEGER)
            *n += (int)calls[p].reply->integer;
    store_calls_free(calls, parts);
    return rc;
}
