/*  broker.c - the scheduler. Redis holds the truth (queues, leases, job
 *  state); this process holds only what it needs to talk to workers: who is
 *  connected, their stage, their free credits and what they hold. This file
 *  has the loop, dispatch and report handling; the worker table is in
 *  workers.c.
 *  SPDX-License-Identifier: MIT
 */
#include "broker.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "broker_impl.h"
#include "curve.h"
#include "job.h"
#include "log.h"
#include "mem.h"
#include "metrics.h"
#include "proto.h"
#include "service.h"
#include "stats.h"
#include "stats_parts.h"
#include "store.h"

#define BROKER_HWM 10000 /* messages queued per peer before ZeroMQ drops */

/* A pass over a partitioned store waits this long for a node; one that
 * has not answered is skipped (its partitions wait, the others go on). */
#define BROKER_PASS_MS 500

#define BROKER_ORPHAN_GRACE_BEATS 5 /* heartbeats after start before the orphan sweep */

/* --- dispatch -------------------------------------------------------------- */

static broker_worker_t *s_pick_worker(broker_t *self, job_stage_t stage)
{
    broker_worker_t *best = NULL;
    for (broker_worker_t *w = zhashx_first(self->workers); w; w = zhashx_next(self->workers))
        if (w->stage == stage && w->credits > 0 && (!best || w->credits > best->credits))
            best = w;
    return best;
}

/* The jobs just leased to w (leases[0..n)) are its: held, counted. */
static void s_sent(broker_t *self, broker_worker_t *w, job_stage_t stage, const store_lease_t *l)
{
    broker_hold(w, l->id, l->attempt);
    w->credits--;
    self->dispatched++;
    stats_dispatched(self->stats, stage);
    log_debug("broker", "job=%s stage=%s attempt=%u -> worker=%s", l->id, job_stage_name(stage),
              l->attempt, w->name);
}

/* Send the jobs just leased to w (leases[0..n)): one JOB frame each, or,
 * to a worker that said more_ok, one frame for them all. */
static void s_send_jobs(
    broker_t *self, broker_worker_t *w, job_stage_t stage, const store_lease_t *leases, size_t n)
{
    proto_more_t more[BROKER_DISPATCH_BATCH];
    size_t per_frame = w->more_ok ? BROKER_DISPATCH_BATCH : 1;
    for (size_t i = 0; i < n; i += per_frame) {
        size_t k = n - i < per_frame ? n - i : per_frame;
        proto_msg_t m = {.type = PROTO_JOB,
                         .attempt = leases[i].attempt,
                         .lease_ms = (uint32_t)self->opts.lease_ms[stage],
                         .more = more,
                         .n_more = k - 1};
        snprintf(m.job_id, sizeof m.job_id, "%s", leases[i].id);
        snprintf(m.stage, sizeof m.stage, "%s", job_stage_name(stage));
        for (size_t j = 1; j < k; j++) {
            snprintf(more[j - 1].job_id, sizeof more[j - 1].job_id, "%s", leases[i + j].id);
            more[j - 1].attempt = leases[i + j].attempt;
            more[j - 1].ms = 0;
        }
        err_t err = {0};
        if (proto_send(self->router, w->identity, &m, &err) != 0) {
            /* Gone: dropping it releases everything it holds, this batch too. */
            for (size_t j = i; j < n; j++)
                broker_hold(w, leases[j].id, leases[j].attempt);
            broker_worker_drop(self, w, err.msg);
            return;
        }
        for (size_t j = i; j < i + k; j++)
            s_sent(self, w, stage, &leases[j]);
    }
}

/* Stage order, then the most free credits first: when a queue holds fewer
 * jobs than asked for, the emptiest worker gets them. */
static int s_dispatch_cmp(const void *a, const void *b)
{
    const broker_worker_t *x = *(broker_worker_t *const *)a, *y = *(broker_worker_t *const *)b;
    if (x->stage != y->stage)
        return x->stage < y->stage ? -1 : 1;
    return x->credits > y->credits ? -1 : x->credits < y->credits;
}

/* One call for each worker with credit whose stage's queue may have jobs,
 * into self->round; returns how many. */
static size_t s_dispatch_plan(broker_t *self)
{
    broker_round_t *r = &self->round;
    size_t n = 0;
    for (broker_worker_t *w = zhashx_first(self->workers); w; w = zhashx_next(self->workers))
        n += self->maybe_ready[w->stage] && w->credits > 0;
    if (n == 0)
        return 0;
    if (n > r->cap) {
        r->cap = n;
        r->calls = mem_realloc(r->calls, n * sizeof *r->calls);
        r->workers = mem_realloc(r->workers, n * sizeof *r->workers);
        r->leases = mem_realloc(r->leases, n * sizeof *r->leases);
    }
    size_t i = 0;
    for (broker_worker_t *w = zhashx_first(self->workers); w; w = zhashx_next(self->workers))
        if (self->maybe_ready[w->stage] && w->credits > 0)
            r->workers[i++] = w;
    qsort(r->workers, n, sizeof *r->workers, s_dispatch_cmp);
    for (i = 0; i < n; i++) {
        broker_worker_t *w = r->workers[i];
        r->calls[i] = (store_dispatch_call_t){
            .stage = w->stage,
            .deadline_ms = job_now_ms() + self->opts.lease_ms[w->stage],
            .worker = w->key,
            .out = r->leases[i],
            .max = w->credits < BROKER_DISPATCH_BATCH ? w->credits : BROKER_DISPATCH_BATCH,
        };
    }
    return n;
}

/* Hand out jobs while some worker has credit and its stage's queue in Redis
 * may have jobs. One Lua call per worker takes up to its credits (the pop
 * and the leases are atomic, so a job is never both queued and leased), and
 * the calls of all stages go to Redis in one pipeline: one round trip a
 * round. Every call either uses up credits or finds its queue empty, so the
 * rounds end. */
static void s_dispatch_all(broker_t *self)
{
    size_t n;
    while ((n = s_dispatch_plan(self)) > 0) {
        broker_round_t *r = &self->round;
        err_t err = {0};
        if (store_dispatch_pipeline(self->store, r->calls, n, &err) != 0)
            log_debug("broker", "dispatch: %s", err.msg); /* each call is logged below */
        for (size_t i = 0; i < n; i++) {
            store_dispatch_call_t *c = &r->calls[i];
            if (c->rc != 0)
                log_at(self->redis_ok ? LOGL_WARN : LOGL_DEBUG, "broker", "dispatch %s: %s",
                       job_stage_name(c->stage), c->err.msg); /* an outage is logged once */
            /* Redis said how many jobs are left: a queue emptied by a call
             * that took exactly what it asked for is known empty, so the
             * DONEs of the stage before may hand their jobs past it. */
            if (c->rc != 0 || c->left == 0)
                self->maybe_ready[c->stage] = false; /* the queue ran dry (or Redis is away) */
            /* A worker dropped here is not in a later call of this round:
             * each worker has one call. */
            s_send_jobs(self, r->workers[i], c->stage, c->out, c->n);
        }
    }
}

/* --- messages ------------------------------------------------------------- */

/* Exponential back-off with "equal jitter": half the step is fixed, half
 * random, so retries of jobs that failed together spread out instead of
 * hitting a recovering service in step. */
static int64_t s_backoff_ms(broker_t *self, uint32_t attempt)
{
    int64_t step = self->opts.retry_base_ms;
    for (uint32_t i = 1; i < attempt && step < self->opts.retry_max_ms; i++)
        step *= 2;
    if (step > self->opts.retry_max_ms)
        step = self->opts.retry_max_ms;
    return step / 2 + (int64_t)(randof((int)(step / 2) + 1));
}

/* The back-off, or longer if the source said when to come back. */
static int64_t s_retry_delay_ms(broker_t *self, const proto_msg_t *m)
{
    int64_t delay = s_backoff_ms(self, m->attempt);
    return (int64_t)m->retry_after_ms > delay ? (int64_t)m->retry_after_ms : delay;
}

/* One of the next stage's workers has room: let the jobs of stage st that
 * move on go straight to it, after the jobs waiting in that stage's queue
 * if it may have some (the same script takes those first). NULL if not. */
static broker_worker_t *
s_handoff_to(broker_t *self, int st, store_handoff_t *handoff, size_t *n_handed)
{
    *n_handed = 0;
    if (st + 1 >= JOB_STAGE_COUNT)
        return NULL;
    broker_worker_t *next = s_pick_worker(self, (job_stage_t)(st + 1));
    if (!next)
        return NULL;
    *handoff = (store_handoff_t){
        .worker = next->key,
        .max = next->credits < BROKER_DISPATCH_BATCH ? next->credits : BROKER_DISPATCH_BATCH,
        .deadline_ms = job_now_ms() + self->opts.lease_ms[st + 1],
        .out = self->handed[st],
        .n = n_handed,
        .queued = self->maybe_ready[st + 1],
    };
    return next;
}

/* What follows one stage's DONEs being applied (or not): jobs handed on
 * go out, the reports are counted, and the next queue is marked. */
static void
s_done_applied(broker_t *self, const store_done_call_t *c, broker_worker_t *next, size_t n_handed)
{
    int st = (int)c->stage;
    if (c->rc != 0) {
        /* Redis (or, on a cluster, the node of some partitions) is away or
         * slow: the leases bring the jobs not recorded back later. What the
         * other partitions applied still counts, and goes on. */
        log_warn("broker", "%zu DONE(s) at %s not all recorded: %s", c->n, job_stage_name(st),
                 c->err.msg);
    }
    if (next && n_handed > 0)
        s_send_jobs(self, next, (job_stage_t)(st + 1), self->handed[st], n_handed);
    size_t queued = 0;
    for (size_t i = 0; i < c->n; i++) {
        const store_report_t *r = &c->reports[i];
        if (!r->applied && c->rc != 0)
            continue; /* not known: not recorded, or stale */
        stats_report(self->stats, r->worker, (job_stage_t)st, r->applied ? STATS_DONE : STATS_STALE,
                     self->done_buf[st][i].ms);
        if (!r->applied) {
            self->stale++;
            log_info("broker", "job=%s attempt=%u stale DONE ignored", r->id, r->attempt);
            continue;
        }
        self->done++;
        queued++;
    }
    /* Jobs handed straight on are not in the queue; the rest are. */
    if (st + 1 < JOB_STAGE_COUNT && queued > n_handed)
        self->maybe_ready[st + 1] = true;
}

/* Apply the DONEs gathered in one pass over the socket: one Lua call per
 * stage instead of one per job, and the calls of all stages in one round
 * trip. Each call hands on to a worker of its own next stage, so no two
 * count on the same credits. */
void broker_flush_done(broker_t *self)
{
    store_done_call_t calls[JOB_STAGE_COUNT];
    store_handoff_t handoff[JOB_STAGE_COUNT];
    broker_worker_t *next[JOB_STAGE_COUNT];
    size_t n_handed[JOB_STAGE_COUNT];
    size_t n_calls = 0;
    for (int st = 0; st < JOB_STAGE_COUNT; st++) {
        size_t n = self->n_done[st];
        if (n == 0)
            continue;
        self->n_done[st] = 0;
        store_report_t *r = self->reports[st];
        for (size_t i = 0; i < n; i++)
            r[i] = (store_report_t){self->done_buf[st][i].id, self->done_buf[st][i].attempt,
                                    self->done_buf[st][i].key, false};
        size_t k = n_calls++;
        next[k] = s_handoff_to(self, st, &handoff[k], &n_handed[k]);
        calls[k] = (store_done_call_t){.stage = (job_stage_t)st,
                                       .reports = r,
                                       .n = n,
                                       .handoff = next[k] ? &handoff[k] : NULL};
    }
    if (n_calls == 0)
        return;
    err_t err = {0};
    if (store_done_pipeline(self->store, calls, n_calls, &err) != 0)
        log_debug("broker", "done: %s", err.msg); /* each call is logged below */
    for (size_t k = 0; k < n_calls; k++)
        s_done_applied(self, &calls[k], next[k], n_handed[k]);
}

/* The stage a report is for: its worker's, or, from a worker we do not
 * know (we restarted), the job's own stage in Redis (the worker check in
 * the transition guards the rest). -1 if there is none. */
static int s_report_stage(broker_t *self, const broker_worker_t *w, const char *id)
{
    if (w)
        return (int)w->stage;
    store_job_t job;
    err_t err = {0};
    if (store_job_get(self->store, id, &job, &err) != 0) {
        log_warn("broker", "report for job=%s dropped: %s", id, err.msg);
        return -1;
    }
    int stage = job_stage_parse(job.stage);
    store_job_clear(&job);
    return stage;
}

/* One job done: its credit goes back now, the transition waits for the end
 * of the pass (broker_flush_done). Only the worker the job was dispatched to may
 * finish it: a late report from one presumed dead must not finish the stage
 * the job is at now, so the worker's name goes with it. */
static void s_on_done(broker_t *self,
                      broker_worker_t *w,
                      const char *key,
                      const char *id,
                      uint32_t attempt,
                      int64_t ms)
{
    if (w && broker_unhold(w, id)) {
        w->credits += !w->leaving;
        w->done++;
    }
    int stage = s_report_stage(self, w, id);
    if (stage < 0)
        return;
    if (self->n_done[stage] == BROKER_REPORT_BATCH)
        broker_flush_done(self);
    broker_done_t *d = &self->done_buf[stage][self->n_done[stage]++];
    snprintf(d->id, sizeof d->id, "%s", id);
    snprintf(d->key, sizeof d->key, "%s", key);
    d->attempt = attempt;
    d->ms = ms;
}

/* A failure as the worker logs it (warn), and a job's last one says so. */
static void s_log_failure(const proto_msg_t *m, int stage, stats_outcome_t outcome)
{
    bool dead = outcome == STATS_FAILED || outcome == STATS_DEAD;
    log_each(LOGL_WARN, "broker", "job=%s stage=%s attempt=%u failed (%s)%s: %s", m->job_id,
             job_stage_name(stage), m->attempt, m->retryable ? "retryable" : "permanent",
             dead ? ", dead-lettered" : ", will retry", m->text ? m->text : "");
}

static void s_on_report(broker_t *self, broker_worker_t *w, const char *key, proto_msg_t *m)
{
    if (m->type == PROTO_DONE) {
        s_on_done(self, w, key, m->job_id, m->attempt, m->has_ms ? (int64_t)m->ms : -1);
        for (size_t i = 0; i < m->n_more; i++) {
            /* A flush on the way may have dropped the worker. */
            w = zhashx_lookup(self->workers, key);
            s_on_done(self, w, key, m->more[i].job_id, m->more[i].attempt, m->more[i].ms);
        }
        return;
    }
    if (w && broker_unhold(w, m->job_id))
        w->credits += !w->leaving;
    int stage = s_report_stage(self, w, m->job_id);
    if (stage < 0)
        return;
    err_t err = {0};
    int rc = store_fail(self->store, m->job_id, (job_stage_t)stage, m->attempt, m->retryable,
                        m->code, m->text, s_retry_delay_ms(self, m), key, &err);
    stats_outcome_t outcome =
        stats_outcome(rc, false, m->retryable, m->attempt, self->opts.max_attempts[stage]);
    stats_report(self->stats, key, (job_stage_t)stage, outcome, m->has_ms ? (int64_t)m->ms : -1);
    if (rc < 0) {
        /* Redis is away: the lease will bring the job back later. */
        log_warn("broker", "job=%s FAIL not recorded: %s", m->job_id, err.msg);
    } else if (rc == 0) {
        self->stale++;
        log_info("broker", "job=%s attempt=%u stale FAIL ignored", m->job_id, m->attempt);
    } else {
        self->failed++;
        self->maybe_ready[stage] = true; /* it may have been re-queued */
        s_log_failure(m, stage, outcome);
    }
}

static void s_nack(broker_t *self, zframe_t *identity, uint32_t seq, const err_t *err)
{
    proto_msg_t m = {.type = PROTO_NACK, .seq = seq, .code = err->code, .text = (char *)err->msg};
    err_t serr = {0};
    if (proto_send(self->router, identity, &m, &serr) != 0)
        log_debug("broker", "NACK not sent: %s", serr.msg); /* a peer gone or not reading */
}

static int s_check_items(const proto_msg_t *m, err_t *err)
{
    if (m->n_items == 0) {
        err_set(err, LODE_EINVAL, "nothing to submit");
        return -1;
    }
    for (size_t i = 0; i < m->n_items; i++) {
        const proto_item_t *it = &m->items[i];
        bool url = strcmp(it->kind, "url") == 0;
        bool inline_body = strcmp(it->kind, "text") == 0 || strcmp(it->kind, "file") == 0;
        if (!url && !inline_body) {
            err_set(err, LODE_EINVAL, "item %zu: unknown kind \"%.16s\"", i + 1, it->kind);
            return -1;
        }
        if ((url && !it->url) || (inline_body && !it->body)) {
            err_set(err, LODE_EINVAL, "item %zu: %s without %s", i + 1, it->kind,
                    url ? "a url" : "a body");
            return -1;
        }
    }
    return 0;
}

/* A SUBMIT sent again with the key of one already made (its ACK was lost):
 * the same ACK again, no new jobs. 1 if answered so, 0 if the key is new,
 * -1 after a NACK. */
static int s_submit_recalled(broker_t *self, zframe_t *identity, proto_msg_t *m, proto_msg_t *ack)
{
    err_t err = {0};
    int seen = store_submit_recall(self->store, m->key, ack->batch, ack->ids, m->n_items, &err);
    if (seen < 0) {
        err_prefix(&err, "jobs not accepted");
        s_nack(self, identity, m->seq, &err);
        return -1;
    }
    if (seen == 1) {
        log_info("broker", "batch=%s: a resent chunk (key %s) answered as before", ack->batch,
                 m->key);
        if (proto_send(self->router, identity, ack, &err) != 0)
            log_warn("broker", "ACK for batch=%s not sent: %s", ack->batch, err.msg);
    }
    return seen;
}

/* ACK only after store_submit returned: the jobs are in Redis by then. With
 * a key, the answer is remembered first, so a resend gets it again. */
static void s_on_submit(broker_t *self, zframe_t *identity, proto_msg_t *m)
{
    err_t err = {0};
    if (s_check_items(m, &err) != 0) {
        s_nack(self, identity, m->seq, &err);
        return;
    }
    store_item_t *items = mem_calloc(m->n_items, sizeof *items);
    for (size_t i = 0; i < m->n_items; i++)
        items[i] = (store_item_t){m->items[i].kind, m->items[i].name, m->items[i].url,
                                  m->items[i].body, m->items[i].body_len};
    proto_msg_t ack = {.type = PROTO_ACK, .seq = m->seq, .n_ids = m->n_items};
    ack.ids = mem_calloc(m->n_items, sizeof *ack.ids);
    int rc;
    if (m->key[0] && s_submit_recalled(self, identity, m, &ack) != 0) {
        free(ack.ids);
        free(items);
        return;
    }
    if (m->batch[0]) {
        /* A chunk of a bulk batch (lode submit -f): append to it. */
        memcpy(ack.batch, m->batch, sizeof ack.batch);
        rc = store_submit_to_batch(self->store, m->batch, items, m->n_items, ack.ids, &err);
    } else {
        rc = store_submit(self->store, m->batch_name, items, m->n_items, ack.ids, ack.batch, &err);
    }
    if (rc != 0) {
        log_warn("broker", "submit of %zu item(s) refused: %s", m->n_items, err.msg);
        err_prefix(&err, "jobs not accepted");
        s_nack(self, identity, m->seq, &err);
    } else {
        if (m->key[0] && store_submit_remember(self->store, m->key, ack.batch,
                                               (const char(*)[JOB_ID_SIZE])ack.ids, m->n_items,
                                               STORE_SUBMIT_KEY_TTL_S, &err) != 0)
            log_warn("broker", "batch=%s: key %s not remembered: %s", ack.batch, m->key, err.msg);
        log_info("broker", "batch=%s accepted %zu job(s)", ack.batch, m->n_items);
        self->maybe_ready[JOB_STAGE_FETCH] = true;
        stats_submitted(self->stats, m->n_items);
        if (proto_send(self->router, identity, &ack, &err) != 0)
            log_warn("broker", "ACK for batch=%s not sent: %s", ack.batch, err.msg);
    }
    free(ack.ids);
    free(items);
    /* A SUBMIT may carry up to 64 MB; give that memory back to the system
     * rather than let the broker's footprint follow its largest message. */
    malloc_trim(0);
}

/* Count and log a stranger's frame, at most once a second: a flood of
 * garbage must not turn into a flood of log lines. */
static void s_bad_frame(broker_t *self, const err_t *err)
{
    self->bad_frames++;
    int64_t now = job_now_ms();
    if (now - self->last_bad_log_ms >= 1000) {
        log_warn("broker", "dropped bad frame (%llu so far): %s",
                 (unsigned long long)self->bad_frames, err->msg);
        self->last_bad_log_ms = now;
    }
}

static void s_handle(broker_t *self, zframe_t **identity_p, proto_msg_t *m)
{
    char *hex = zframe_strhex(*identity_p);
    if (strlen(hex) >= BROKER_KEY_SIZE)
        hex[BROKER_KEY_SIZE - 1] = '\0'; /* as stored in w->key */
    broker_worker_t *w = zhashx_lookup(self->workers, hex);
    if (w)
        w->last_ms = job_now_ms();
    switch (m->type) {
    case PROTO_READY:
        broker_on_ready(self, identity_p, w, m);
        break;
    case PROTO_DONE:
    case PROTO_FAIL:
        s_on_report(self, w, hex, m);
        break;
    case PROTO_HEARTBEAT:
        break;
    case PROTO_SUBMIT:
        s_on_submit(self, *identity_p, m);
        break;
    default: {
        err_t err = {0};
        err_set(&err, LODE_EPROTO, "%s is not a message for the broker", proto_type_name(m->type));
        s_bad_frame(self, &err);
    }
    }
    free(hex);
}

static int s_on_router(zloop_t *loop, zsock_t *sock, void *arg)
{
    (void)loop;
    broker_t *self = arg;
    /* Drain what is there, but return to the loop now and then so timers
     * run. The socket's receive timeout is 0, so a receive with nothing
     * waiting ends the drain: asking ZMQ_EVENTS before each message instead
     * would cost two system calls a message. */
    for (int i = 0; i < 256; i++) {
        zframe_t *identity = NULL;
        proto_msg_t m;
        err_t err = {0};
        int rc = proto_recv(sock, &identity, &m, &err);
        if (rc != 0 && err.code != LODE_EPROTO) {
            /* Nothing waiting (ETIMEDOUT), or a signal or shutdown (EIO):
             * not a stranger's frame. */
            zframe_destroy(&identity);
            break;
        }
        if (rc != 0)
            s_bad_frame(self, &err);
        else
            s_handle(self, &identity, &m);
        proto_msg_clear(&m);
        zframe_destroy(&identity);
    }
    broker_flush_done(self);
    s_dispatch_all(self);
    return 0;
}

/* Log Redis going away and coming back once each, not every second. */
static void s_redis_health(broker_t *self, int rc, const err_t *err)
{
    if (rc != 0 && self->redis_ok)
        log_error("broker", "redis unavailable, retrying: %s", err->msg);
    else if (rc == 0 && !self->redis_ok)
        log_info("broker", "redis available again");
    self->redis_ok = rc == 0;
}

/* Once, a few heartbeats after start: leases held by workers that did not
 * come back after a broker restart are released instead of waiting out
 * their leases. Workers keep their identity across reconnects and announce
 * themselves again after three silent beats, so five is enough grace. */
static int s_release_orphans(broker_t *self, err_t *err)
{
    const char **live = mem_calloc(zhashx_size(self->workers) + 1, sizeof *live);
    size_t n_live = 0;
    for (broker_worker_t *w = zhashx_first(self->workers); w; w = zhashx_next(self->workers))
        live[n_live++] = w->key;
    int n = 0;
    int rc = store_release_orphans(self->store, live, n_live, &n, err);
    free(live);
    if (rc == 0 && n > 0)
        log_warn("broker", "released %d job(s) held by workers that did not come back", n);
    return rc;
}

/* Lease expiry, due retries and (once) orphans: the timed transitions. */
static void s_sweep_store(broker_t *self, int64_t now)
{
    err_t err = {0};
    int expired = 0, promoted = 0;
    int rc = store_expire_leases(self->store, &expired, &err);
    /* Each pass over every partition: one node that fails does not stop
     * the other sweep from running on the rest. */
    if (store_promote_delayed(self->store, &promoted, rc == 0 ? &err : &(err_t){0}) != 0)
        rc = -1;
    if (rc == 0 && !self->orphans_swept &&
        now - self->started_ms > BROKER_ORPHAN_GRACE_BEATS * self->opts.heartbeat_ms) {
        rc = s_release_orphans(self, &err);
        self->orphans_swept = rc == 0;
    }
    s_redis_health(self, rc, &err);
    if (expired > 0)
        log_warn("broker", "%d lease(s) expired; jobs re-queued or failed", expired);
    if (promoted > 0)
        log_debug("broker", "%d delayed retr%s due", promoted, promoted == 1 ? "y" : "ies");
}

/* --- stats (stats.h, metrics.h) --------------------------------------------- */

/* The stats object, the PUB socket and /metrics. A PUB bind failure on the
 * default endpoint only warns (another broker on this machine has it). */
static int s_stats_start(broker_t *self, err_t *err)
{
    self->stats = stats_new(job_now_ms());
    const char *ep = self->opts.pub ? self->opts.pub : STATS_PUB_DEFAULT;
    if (strcmp(ep, "off") != 0 && *ep) {
        err_t perr = {0};
        self->pub = stats_pub_new(ep, &self->opts.curve, &perr);
        if (!self->pub && self->opts.pub) {
            *err = perr;
            return -1;
        }
        if (!self->pub)
            log_warn("broker", "%s; no stats for lode top (see --pub)", perr.msg);
        else
            log_info("broker", "stats published on %s", ep);
    }
    if (self->opts.metrics) {
        self->metrics = metrics_new(self->opts.metrics, err);
        if (!self->metrics)
            return -1;
        log_info("broker", "serving /metrics on %s (port %d)", self->opts.metrics,
                 metrics_port(self->metrics));
    }
    return 0;
}

/* Once a tick: the workers' load, one pipelined Redis read, then the
 * snapshot to subscribers and to /metrics. */
static void s_stats_tick(broker_t *self)
{
    for (broker_worker_t *w = zhashx_first(self->workers); w; w = zhashx_next(self->workers))
        stats_worker_seen(self->stats, w->key, w->stage, w->credits, (uint32_t)w->n_held);
    store_stats_t st;
    err_t err = {0};
    stats_part_t *parts = NULL; /* each partition's share, for /metrics */
    size_t n_parts = 0;
    bool redis = stats_read_store(self->store, &st, &parts, &n_parts, &err) == 0;
    stats_snapshot_t snap;
    stats_snapshot(self->stats, redis ? &st : NULL, self->bad_frames, job_now_ms(), &snap);
    snap.parts = parts;
    snap.n_parts = n_parts;
    if (self->pub && stats_publish(self->pub, &snap, &err) != 0)
        log_debug("broker", "%s", err.msg);
    if (self->metrics)
        metrics_publish(self->metrics, &snap);
    stats_snapshot_clear(&snap);
}

static void s_stats_stop(broker_t *self)
{
    metrics_destroy(&self->metrics);
    zsock_destroy(&self->pub);
    stats_destroy(&self->stats);
}

static int s_on_tick(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    broker_t *self = arg;
    int64_t now = job_now_ms();
    proto_msg_t hb = {.type = PROTO_HEARTBEAT};
    /* Collect first: dropping deletes from the hash being walked. */
    zlistx_t *silent = zlistx_new();
    for (broker_worker_t *w = zhashx_first(self->workers); w; w = zhashx_next(self->workers)) {
        err_t err = {0};
        if (now - w->last_ms > 3 * self->opts.heartbeat_ms)
            zlistx_add_end(silent, w);
        else if (proto_send(self->router, w->identity, &hb, &err) != 0)
            log_debug("broker", "heartbeat to worker=%s: %s", w->name, err.msg);
    }
    for (broker_worker_t *w = zlistx_first(silent); w; w = zlistx_next(silent))
        broker_worker_drop(self, w, "silent for 3 heartbeats");
    zlistx_destroy(&silent);
    s_sweep_store(self, now);
    /* Jobs can reach a queue without passing through this broker (a lease
     * expiry, a retry from the CLI, a restart): look at every queue again. */
    for (int s = 0; s < JOB_STAGE_COUNT; s++)
        self->maybe_ready[s] = true;
    s_dispatch_all(self);
    s_stats_tick(self);
    return 0;
}

/* Defaults for what the options left unset. */
static void s_opts_defaults(broker_opts_t *o)
{
    for (int st = 0; st < JOB_STAGE_COUNT; st++) {
        if (o->lease_ms[st] <= 0)
            o->lease_ms[st] = 60000;
        if (o->max_attempts[st] <= 0)
            o->max_attempts[st] = 3;
    }
    if (o->retry_base_ms <= 0)
        o->retry_base_ms = 1000;
    if (o->retry_max_ms < o->retry_base_ms)
        o->retry_max_ms = o->retry_base_ms > 60000 ? o->retry_base_ms : 60000;
    if (o->heartbeat_ms <= 0)
        o->heartbeat_ms = 1000;
}

/* The ROUTER the workers and clients talk to: CURVE when configured (the
 * ZAP handler runs before the first peer can connect), then bound. */
static int s_open_router(broker_t *self, err_t *err)
{
    self->router = zsock_new(ZMQ_ROUTER);
    zsock_set_maxmsgsize(self->router, PROTO_MAX_FRAME);
    zsock_set_sndhwm(self->router, BROKER_HWM);
    zsock_set_rcvhwm(self->router, BROKER_HWM);
    zsock_set_rcvtimeo(self->router, 0); /* s_on_router drains until nothing is waiting */
    zsock_set_linger(self->router, 0);
    /* A worker that reconnects under its stable name takes its old place. */
    zsock_set_router_handover(self->router, 1);
    /* Fail a send to a peer that is gone instead of dropping it silently: a
     * job sent to a dead worker would otherwise wait out its lease. */
    zsock_set_router_mandatory(self->router, 1);
    self->curve = curve_server_new(self->router, &self->opts.curve, err);
    if (!self->curve)
        return -1;
    if (curve_enabled(&self->opts.curve))
        log_info("broker", "CURVE on: %zu allowed key(s) in %s", curve_allowed(self->curve),
                 self->opts.curve.allow_dir);
    if (zsock_bind(self->router, "%s", self->opts.bind) < 0) {
        err_set(err, LODE_EIO, "cannot bind %s: %s", self->opts.bind, zmq_strerror(zmq_errno()));
        return -1;
    }
    return 0;
}

broker_t *broker_new(const broker_opts_t *opts, err_t *err)
{
    broker_t *self = mem_calloc(1, sizeof *self);
    self->opts = *opts;
    s_opts_defaults(&self->opts);
    self->started_ms = job_now_ms();
    self->redis_ok = true;
    /* Lazy: a broker started before Redis (or during an outage) waits for it. */
    store_opts_t so = {.url = opts->redis_url, .prefix = opts->prefix, .lazy = true};
    self->store = store_new(&so, err);
    if (self->store) {
        store_set_max_attempts(self->store, self->opts.max_attempts);
        store_set_pass_ms(self->store, BROKER_PASS_MS);
    }
    if (!self->store || s_open_router(self, err) != 0) {
        broker_destroy(&self);
        return NULL;
    }
    self->workers = zhashx_new();
    zhashx_set_destructor(self->workers, broker_worker_free);
    if (s_stats_start(self, err) != 0) {
        broker_destroy(&self);
        return NULL;
    }
    self->loop = zloop_new();
    zloop_reader(self->loop, self->router, s_on_router, self);
    zloop_timer(self->loop, (size_t)self->opts.heartbeat_ms, 0, s_on_tick, self);
    for (int s = 0; s < JOB_STAGE_COUNT; s++)
        self->maybe_ready[s] = true;
    return self;
}

int broker_run(broker_t *self)
{
    log_info("broker", "listening on %s (leases %d/%d/%d/%d ms, attempts %d/%d/%d/%d)",
             self->opts.bind, self->opts.lease_ms[0], self->opts.lease_ms[1],
             self->opts.lease_ms[2], self->opts.lease_ms[3], self->opts.max_attempts[0],
             self->opts.max_attempts[1], self->opts.max_attempts[2], self->opts.max_attempts[3]);
    service_attach(self->loop, "dispatching"); /* READY=1, the watchdog (service.h) */
    zloop_start(self->loop);
    service_stopping();
    log_info("broker", "stopping: dispatched=%llu done=%llu failed=%llu stale=%llu bad_frames=%llu",
             (unsigned long long)self->dispatched, (unsigned long long)self->done,
             (unsigned long long)self->failed, (unsigned long long)self->stale,
             (unsigned long long)self->bad_frames);
    return 0;
}

void broker_destroy(broker_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    broker_t *self = *self_p;
    zloop_destroy(&self->loop);
    s_stats_stop(self);
    zhashx_destroy(&self->workers);
    zsock_destroy(&self->router);
    curve_destroy(&self->curve); /* after the socket it guards */
    store_destroy(&self->store);
    free(self->round.calls);
    free(self->round.workers);
    free(self->round.leases);
    free(self);
    *self_p = NULL;
}
