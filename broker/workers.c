/*  workers.c - the broker's worker table: joining (READY), the jobs each
 *  worker holds, its credits, dropping it, reconciling after a restart and
 *  letting it leave. Does not dispatch or apply reports (broker.c).
 *  SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "broker.h"
#include "broker_impl.h"
#include "job.h"
#include "log.h"
#include "mem.h"
#include "proto.h"
#include "stats.h"
#include "store.h"

/* --- workers ------------------------------------------------------------- */

void broker_worker_free(void **item)
{
    broker_worker_t *w = *item;
    if (!w)
        return;
    zframe_destroy(&w->identity);
    free(w->held);
    free(w);
    *item = NULL;
}

void broker_hold(broker_worker_t *w, const char *id, uint32_t attempt)
{
    if (w->n_held == w->cap_held) {
        w->cap_held = w->cap_held ? w->cap_held * 2 : 8;
        w->held = mem_realloc(w->held, w->cap_held * sizeof *w->held);
    }
    snprintf(w->held[w->n_held].id, JOB_ID_SIZE, "%s", id);
    w->held[w->n_held++].attempt = attempt;
}

/* Forget a held job; true if the worker held it. */
bool broker_unhold(broker_worker_t *w, const char *id)
{
    for (size_t i = 0; i < w->n_held; i++) {
        if (strcmp(w->held[i].id, id) == 0) {
            w->held[i] = w->held[--w->n_held];
            return true;
        }
    }
    return false;
}

/* Drop a worker and give its jobs back at once instead of waiting for their
 * leases: the worker is gone, nobody will report them. */
void broker_worker_drop(broker_t *self, broker_worker_t *w, const char *why)
{
    if (w->leaving && w->n_held == 0) /* it said so when it left: once is enough */
        log_debug("broker", "worker=%s stage=%s gone (%s)", w->name, job_stage_name(w->stage), why);
    else
        log_warn("broker", "worker=%s stage=%s dropped (%s), releasing %zu job(s)", w->name,
                 job_stage_name(w->stage), why, w->n_held);
    for (size_t i = 0; i < w->n_held; i++) {
        err_t err = {0};
        if (store_release(self->store, w->held[i].id, w->held[i].attempt, &err) < 0)
            log_warn("broker", "job=%s release failed: %s (its lease will expire)", w->held[i].id,
                     err.msg);
        else
            self->maybe_ready[w->stage] = true;
    }
    zhashx_delete(self->workers, w->key);
}

/* A worker we did not know announced itself again (we restarted, or dropped
 * it): it holds m->ids. Any other job leased to its name was lost on the
 * way (a JOB sent just before we died) and is given back now rather than
 * when its lease ends. */
static void s_reconcile(broker_t *self, broker_worker_t *w, const proto_msg_t *m)
{
    /* Its DONEs sent before this READY may wait in this pass's batch:
     * apply them first, or their jobs would look lost. */
    broker_flush_done(self);
    for (size_t i = 0; i < m->n_ids; i++)
        broker_hold(w, m->ids[i], 0); /* its DONE must return the credit */
    err_t err = {0};
    int n = 0;
    if (store_release_worker(self->store, w->key, (const char(*)[JOB_ID_SIZE])m->ids, m->n_ids, &n,
                             &err) != 0)
        log_warn("broker", "worker=%s: leases not checked: %s", w->name, err.msg);
    else if (n > 0)
        log_warn("broker", "worker=%s came back without %d job(s); released", w->name, n);
}

/* A worker said it is stopping: send it nothing more, and give back at once
 * the jobs it will not report (those not in m->ids: web fetches and model
 * calls that needed the loop it has left), instead of when it falls silent
 * or, for a job sent it meanwhile, when the send fails. */
static void s_on_leaving(broker_t *self, broker_worker_t *w, const proto_msg_t *m)
{
    w->leaving = true;
    w->credits = 0;
    size_t kept = 0;
    int released = 0;
    for (size_t i = 0; i < w->n_held; i++) {
        bool running = false;
        for (size_t k = 0; k < m->n_ids && !running; k++)
            running = strcmp(m->ids[k], w->held[i].id) == 0;
        if (running) {
            w->held[kept++] = w->held[i];
            continue;
        }
        err_t err = {0};
        if (store_release(self->store, w->held[i].id, w->held[i].attempt, &err) < 0)
            log_warn("broker", "job=%s release failed: %s (its lease will expire)", w->held[i].id,
                     err.msg);
        else
            released++;
    }
    w->n_held = kept;
    log_info("broker", "worker=%s stage=%s leaving: %zu job(s) to finish, %d given back", w->name,
             job_stage_name(w->stage), kept, released);
}

void broker_on_ready(broker_t *self, zframe_t **identity_p, broker_worker_t *w, proto_msg_t *m)
{
    int stage = job_stage_parse(m->stage);
    if (stage < 0) {
        log_warn("broker", "READY with unknown stage \"%s\" ignored", m->stage);
        self->bad_frames++;
        return;
    }
    if (!w) {
        w = mem_calloc(1, sizeof *w);
        w->identity = *identity_p;
        *identity_p = NULL;
        char *hex = zframe_strhex(w->identity);
        snprintf(w->key, sizeof w->key, "%s", hex);
        free(hex);
        stats_key_name(w->key, w->name, sizeof w->name); /* "host/pid/tag", as lode top shows */
        zhashx_insert(self->workers, w->key, w);
        log_info("broker", "worker=%s stage=%s credits=%u joined", w->name, m->stage, m->credits);
        if (m->again)
            s_reconcile(self, w, m);
    }
    w->stage = (job_stage_t)stage;
    w->more_ok = m->more_ok;
    w->credits = m->credits < BROKER_MAX_INFLIGHT ? m->credits : BROKER_MAX_INFLIGHT;
    if (m->leaving)
        s_on_leaving(self, w, m);
    stats_worker_host(self->stats, w->key, m->host);
    w->last_ms = job_now_ms();
}
