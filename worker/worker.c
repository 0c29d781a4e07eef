/*  worker.c - the worker's event loop and its job threads.
 *  SPDX-License-Identifier: MIT
 */
#include "worker.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <czmq.h>

#include "curve.h"
#include "fetch_local.h"
#include "fetch_web.h"
#include "log.h"
#include "mem.h"
#include "proto.h"
#include "service.h"
#include "store.h"
#include "text_extractive.h"
#include "text_model.h"

#define WORKER_MAX_CONCURRENCY 4096 /* jobs held at once (web fetches wait on the network) */
#define WORKER_MAX_THREADS     256
#define WORKER_DRAIN_MS        30000 /* how long a stopping worker lets jobs finish */
#define WORKER_DRAIN_MAX       256   /* messages read from the broker per loop wakeup */

typedef struct {
    zactor_t *actor;          /* owned: the job thread */
    bool busy;                /* it holds a job */
    char job_id[JOB_ID_SIZE]; /* the job it holds */
} s_slot_t;

/* What a job thread needs; shared read-only by all threads. */
typedef struct {
    job_stage_t stage;
    const char *redis_url; /* borrowed from worker opts */
    const char *prefix;
    int delay_ms; /* sleep before each job (simulated slow stage) */
} s_thread_args_t;

struct worker {
    worker_opts_t opts;
    s_thread_args_t args;
    zsock_t *dealer;      /* owned */
    zloop_t *loop;        /* owned */
    s_slot_t *slots;      /* owned: n_threads job threads */
    int n_threads;        /* job threads (CPU work) */
    int held;             /* jobs taken and not yet reported (<= opts.concurrency) */
    zlistx_t *pending;    /* owned: "id attempt" strings waiting for a thread */
    fetch_web_t *fetcher; /* owned: web sources on the loop (fetch stage only) */
    text_model_t *miner;  /* owned: model calls on the loop (openai engine only) */
    int64_t last_broker_ms;
    uint64_t done, failed;
    zhashx_t *started;          /* owned: job id -> int64_t monotonic ms it arrived */
    char host[PROTO_HOST_SIZE]; /* announced in READY */
    proto_more_t *noop_done;    /* owned: noop jobs done in this drain, reported together */
    size_t n_noop_done;
};

static int s_run_stage(store_t *store, job_stage_t stage, const char *id, err_t *err)
{
    if (stage == JOB_STAGE_FETCH)
        return fetch_local_run(store, id, err);
    return text_extractive_run(store, stage, id, err);
}

/* --- job thread ------------------------------------------------------------ */

/* Protocol on the pipe: "RUN" id attempt -> "DONE" id attempt |
 * "FAIL" id attempt code message. The store connection is made lazily and
 * dropped on error so a Redis restart costs one failed (retryable) job. */
static void s_job_thread(zsock_t *pipe, void *arg)
{
    const s_thread_args_t *args = arg;
    store_t *store = NULL;
    zsock_signal(pipe, 0);
    while (true) {
        char *cmd = NULL, *id = NULL, *attempt = NULL;
        if (zstr_recvx(pipe, &cmd, &id, &attempt, NULL) < 1 || streq(cmd, "$TERM")) {
            zstr_free(&cmd);
            zstr_free(&id);
            zstr_free(&attempt);
            break;
        }
        err_t err = {0};
        store_opts_t so = {.url = args->redis_url, .prefix = args->prefix};
        if (!store)
            store = store_new(&so, &err);
        if (args->delay_ms > 0)
            zclock_sleep(args->delay_ms);
        int rc = store ? s_run_stage(store, args->stage, id ? id : "", &err) : -1;
        if (rc != 0 && err.code == LODE_ESTORE && store) {
            /* Our connection may just be stale (Redis restarted while we were
             * idle): reconnect and run once more before failing the job. The
             * stage is idempotent, so a half-done first run is harmless. */
            store_destroy(&store);
            err_clear(&err);
            store = store_new(&so, &err);
            rc = store ? s_run_stage(store, args->stage, id ? id : "", &err) : -1;
        }
        if (rc == 0)
            zstr_sendx(pipe, "DONE", id, attempt, NULL);
        else {
            char code[16];
            snprintf(code, sizeof code, "%d", err.code);
            zstr_sendx(pipe, "FAIL", id, attempt, code, err.msg, NULL);
            if (err.code == LODE_ESTORE)
                store_destroy(&store);
        }
        zstr_free(&cmd);
        zstr_free(&id);
        zstr_free(&attempt);
    }
    store_destroy(&store);
}

int worker_run_stage(
    job_stage_t stage, const char *redis_url, const char *prefix, const char *id, err_t *err)
{
    store_opts_t so = {.url = redis_url, .prefix = prefix};
    store_t *store = store_new(&so, err);
    if (!store)
        return -1;
    int rc = s_run_stage(store, stage, id, err);
    store_destroy(&store);
    return rc;
}

/* --- broker side ------------------------------------------------------------ */

static void s_send(worker_t *self, proto_msg_t *m)
{
    err_t err = {0};
    if (proto_send(self->dealer, NULL, m, &err) != 0)
        log_warn(job_stage_name(self->opts.stage), "%s", err.msg);
}

/* Credits: jobs we can still take (threads busy or not: local jobs queue
 * for a thread, web fetches wait on the network). */
static int s_free_slots(const worker_t *self)
{
    return self->opts.concurrency - self->held;
}

/* Announce ourselves, with the jobs we still hold: a broker that restarted
 * releases every other job leased to our name at once (it was sent to us
 * and lost, or we lost it), instead of waiting for its lease. */
static void s_send_ready(worker_t *self, bool again)
{
    /* Only the noop engine takes many jobs a frame for now: it is the one
     * whose per-message cost is all there is. */
    proto_msg_t m = {.type = PROTO_READY,
                     .credits = (uint32_t)s_free_slots(self),
                     .again = again,
                     .more_ok = self->opts.noop};
    snprintf(m.stage, sizeof m.stage, "%s", job_stage_name(self->opts.stage));
    snprintf(m.host, sizeof m.host, "%s", self->host);
    size_t n = zhashx_size(self->started);
    m.ids = mem_calloc(n ? n : 1, sizeof *m.ids);
    for (void *t = zhashx_first(self->started); t && m.n_ids < n; t = zhashx_next(self->started))
        snprintf(m.ids[m.n_ids++], JOB_ID_SIZE, "%s", (const char *)zhashx_cursor(self->started));
    s_send(self, &m);
    free(m.ids);
}

/* Remember when a job arrived, for the stage time its report carries. */
static void s_job_started(worker_t *self, const char *id)
{
    int64_t *t = mem_alloc(sizeof *t);
    *t = zclock_mono();
    zhashx_update(self->started, id, t);
}

/* Milliseconds since the job arrived (waiting for a thread included); sets
 * m->ms and m->has_ms, and forgets the job. */
static void s_job_time(worker_t *self, const char *id, proto_msg_t *m)
{
    int64_t *t = zhashx_lookup(self->started, id);
    if (!t)
        return;
    int64_t ms = zclock_mono() - *t;
    m->ms = ms < 0 ? 0 : ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
    m->has_ms = true;
    zhashx_delete(self->started, id);
}

static void s_started_free(void **item)
{
    free(*item);
    *item = NULL;
}

/* Report a finished job to the broker; err->code 0 means done. */
static void
s_report(worker_t *self, const char *id, uint32_t attempt, const err_t *err, int64_t retry_after_ms)
{
    const char *stage = job_stage_name(self->opts.stage);
    self->held--;
    proto_msg_t m = {.attempt = attempt};
    snprintf(m.job_id, sizeof m.job_id, "%s", id);
    s_job_time(self, id, &m);
    if (err->code == 0) {
        m.type = PROTO_DONE;
        self->done++;
        log_info(stage, "job=%s done", id);
    } else {
        m.type = PROTO_FAIL;
        m.code = err->code;
        m.retryable = err_retryable(err->code);
        m.text = (char *)err->msg;
        m.retry_after_ms = retry_after_ms > 0 ? (uint32_t)retry_after_ms : 0;
        self->failed++;
        log_each(LOGL_WARN, stage, "job=%s attempt=%u failed (%s, %s): %s", id, attempt,
                 m.retryable ? "retryable" : "permanent", err_name(err->code), err->msg);
    }
    s_send(self, &m);
}

/* Web fetches and model calls end here, on the loop. */
static void
s_on_loop_job(void *arg, const char *id, uint32_t attempt, const err_t *err, int64_t retry_after_ms)
{
    s_report(arg, id, attempt, err, retry_after_ms);
}

/* Give a local job to a free thread; false if all are busy. */
static bool s_run_on_thread(worker_t *self, const char *id, uint32_t attempt)
{
    for (int i = 0; i < self->n_threads; i++) {
        s_slot_t *slot = &self->slots[i];
        if (slot->busy)
            continue;
        slot->busy = true;
        snprintf(slot->job_id, sizeof slot->job_id, "%s", id);
        char a[16];
        snprintf(a, sizeof a, "%u", attempt);
        zstr_sendx(slot->actor, "RUN", id, a, NULL);
        return true;
    }
    return false;
}

/* Start queued local jobs on threads that became free. */
static void s_pump(worker_t *self)
{
    char *item;
    while ((item = zlistx_first(self->pending))) {
        char id[JOB_ID_SIZE];
        unsigned attempt;
        if (sscanf(item, "%26s %u", id, &attempt) != 2 || !s_run_on_thread(self, id, attempt))
            return;
        zlistx_delete(self->pending, zlistx_cursor(self->pending));
        free(item);
    }
}

/* Report the noop jobs of this drain in one DONE: one message instead of
 * one a job, for us and for the broker. */
static void s_flush_noop(worker_t *self)
{
    if (self->n_noop_done == 0)
        return;
    proto_more_t *first = &self->noop_done[0];
    proto_msg_t m = {.type = PROTO_DONE,
                     .attempt = first->attempt,
                     .has_ms = true,
                     .ms = first->ms,
                     .more = self->noop_done + 1,
                     .n_more = self->n_noop_done - 1};
    snprintf(m.job_id, sizeof m.job_id, "%s", first->job_id);
    s_send(self, &m);
    self->n_noop_done = 0;
}

/* A noop job is done as soon as it arrives; its DONE waits for the end of
 * the drain (s_flush_noop). */
static void s_noop_done(worker_t *self, const proto_msg_t *m)
{
    proto_msg_t t = {0};
    s_job_time(self, m->job_id, &t);
    proto_more_t *d = &self->noop_done[self->n_noop_done++];
    snprintf(d->job_id, sizeof d->job_id, "%s", m->job_id);
    d->attempt = m->attempt;
    d->ms = t.ms;
    self->held--;
    self->done++;
    log_info(job_stage_name(self->opts.stage), "job=%s done", m->job_id);
    if (self->n_noop_done == WORKER_DRAIN_MAX)
        s_flush_noop(self);
}

static void s_on_job(worker_t *self, const proto_msg_t *m)
{
    const char *stage = job_stage_name(self->opts.stage);
    if (strcmp(m->stage, stage) != 0) {
        log_warn(stage, "job=%s for stage %s refused", m->job_id, m->stage);
        return;
    }
    if (self->held >= self->opts.concurrency) {
        /* More jobs than announced credits: a broker bug or a stale
         * duplicate. Say so; the job goes back through its lease. */
        log_warn(stage, "job=%s arrived with no free credit; left to its lease", m->job_id);
        return;
    }
    self->held++;
    s_job_started(self, m->job_id);
    log_debug(stage, "job=%s attempt=%u started", m->job_id, m->attempt);
    if (self->opts.noop) {
        s_noop_done(self, m);
        return;
    }
    if (self->miner) {
        text_model_start(self->miner, m->job_id, m->attempt);
        return;
    }
    err_t err = {0};
    int rc = self->fetcher ? fetch_web_start(self->fetcher, m->job_id, m->attempt, &err) : 0;
    if (rc < 0) {
        s_report(self, m->job_id, m->attempt, &err, -1);
        return;
    }
    if (rc == 1)
        return; /* a web source: the fetcher reports it */
    if (!s_run_on_thread(self, m->job_id, m->attempt))
        zlistx_add_end(self->pending, mem_printf("%s %u", m->job_id, m->attempt));
}

/* Drain what the broker sent, up to WORKER_DRAIN_MAX messages: the socket's
 * receive timeout is 0, so a receive with nothing waiting ends it, and the
 * loop polls once for many messages rather than once for each. */
static int s_on_dealer(zloop_t *loop, zsock_t *sock, void *arg)
{
    (void)loop;
    worker_t *self = arg;
    for (int i = 0; i < WORKER_DRAIN_MAX; i++) {
        proto_msg_t m;
        err_t err = {0};
        if (proto_recv(sock, NULL, &m, &err) != 0) {
            if (err.code != LODE_ETIMEDOUT)
                log_warn(job_stage_name(self->opts.stage), "bad frame from broker: %s", err.msg);
            break;
        }
        self->last_broker_ms = job_now_ms();
        if (m.type == PROTO_JOB)
            s_on_job(self, &m);
        for (size_t k = 0; m.type == PROTO_JOB && k < m.n_more; k++) {
            proto_msg_t one = {
                .type = PROTO_JOB, .attempt = m.more[k].attempt, .lease_ms = m.lease_ms};
            memcpy(one.stage, m.stage, sizeof one.stage);
            memcpy(one.job_id, m.more[k].job_id, sizeof one.job_id);
            s_on_job(self, &one);
        }
        proto_msg_clear(&m);
    }
    s_flush_noop(self);
    return 0;
}

static int s_on_slot(zloop_t *loop, zsock_t *sock, void *arg)
{
    (void)loop;
    worker_t *self = arg;
    char *what = NULL, *id = NULL, *attempt = NULL, *code = NULL, *msg = NULL;
    if (zstr_recvx(sock, &what, &id, &attempt, &code, &msg, NULL) >= 3) {
        for (int i = 0; i < self->n_threads; i++)
            if (zactor_sock(self->slots[i].actor) == sock)
                self->slots[i].busy = false;
        err_t err = {0};
        if (!streq(what, "DONE"))
            err_set(&err, code ? atoi(code) : LODE_EINVAL, "%s", msg ? msg : "");
        s_report(self, id, (uint32_t)strtoul(attempt, NULL, 10), &err, -1);
        s_pump(self);
    }
    zstr_free(&what);
    zstr_free(&id);
    zstr_free(&attempt);
    zstr_free(&code);
    zstr_free(&msg);
    return 0;
}

/* Heartbeat the broker; if it has been silent for three beats it may have
 * restarted and forgotten us, so announce ourselves again. */
static int s_on_tick(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    worker_t *self = arg;
    proto_msg_t hb = {.type = PROTO_HEARTBEAT};
    s_send(self, &hb);
    int64_t now = job_now_ms();
    if (now - self->last_broker_ms > 3 * self->opts.heartbeat_ms) {
        log_warn(job_stage_name(self->opts.stage), "broker %s silent; announcing again",
                 self->opts.broker);
        s_send_ready(self, true);
        self->last_broker_ms = now;
    }
    return 0;
}

/* Job threads do the CPU work: every job of the text stages, and local
 * sources at fetch. By default one per credit, but at fetch (where most
 * credits wait on the network) two. */
static int s_start_threads(worker_t *self)
{
    int n = self->opts.threads;
    if (n <= 0)
        n = self->opts.stage == JOB_STAGE_FETCH ? 2 : self->opts.concurrency;
    if (self->opts.noop || self->opts.openai)
        n = 0; /* their jobs never reach a thread; idle readers only cost polls */
    if (n > self->opts.concurrency)
        n = self->opts.concurrency;
    if (n > WORKER_MAX_THREADS)
        n = WORKER_MAX_THREADS;
    self->n_threads = n;
    self->pending = zlistx_new();
    self->slots = mem_calloc((size_t)n, sizeof *self->slots);
    for (int i = 0; i < n; i++) {
        self->slots[i].actor = zactor_new(s_job_thread, &self->args);
        zloop_reader(self->loop, zactor_sock(self->slots[i].actor), s_on_slot, self);
    }
    return 0;
}

/* url with any user:password@ of its authority left out, in out. */
static const char *s_url_shown(const char *url, char *out, size_t cap)
{
    const char *host = strstr(url, "://");
    host = host ? host + 3 : url;
    size_t auth_len = strcspn(host, "/?#");
    const char *at = memchr(host, '@', auth_len);
    if (!at)
        snprintf(out, cap, "%s", url);
    else
        snprintf(out, cap, "%.*s%s", (int)(host - url), url, at + 1);
    return out;
}

static int s_start_miner(worker_t *self, err_t *err)
{
    if (!self->opts.openai || self->opts.noop)
        return 0;
    if (self->opts.stage == JOB_STAGE_FETCH) {
        err_set(err, LODE_EINVAL, "the openai engine mines text stages, not fetch");
        return -1;
    }
    text_model_opts_t mo = {.stage = self->opts.stage,
                            .redis_url = self->opts.redis_url,
                            .prefix = self->opts.prefix,
                            .llm = &self->opts.llm,
                            .prompts_dir = self->opts.prompts_dir,
                            .context_tokens = self->opts.context_tokens,
                            .max_snippets = self->opts.max_snippets};
    self->miner = text_model_new(self->loop, &mo, s_on_loop_job, self, err);
    if (!self->miner)
        return -1;
    prompt_id_t p = self->opts.stage == JOB_STAGE_SNIPPET     ? PROMPT_SNIPPET
                    : self->opts.stage == JOB_STAGE_SYNTHESIS ? PROMPT_SYNTHESIS
                                                              : PROMPT_FANOUT;
    const prompts_t *pr = text_model_prompts(self->miner);
    char url[512];
    /* Never the key, nor a user:password@ in the base URL: only where the
     * requests go and with what. */
    log_info(job_stage_name(self->opts.stage),
             "openai engine: %s model %s, %d request(s) in flight, context %zu tokens, "
             "prompt %s (%s)%s",
             s_url_shown(self->opts.llm.base_url, url, sizeof url), self->opts.llm.model,
             self->opts.llm.max_in_flight ? self->opts.llm.max_in_flight : 64,
             self->opts.context_tokens ? self->opts.context_tokens : 8192, prompts_origin(pr, p),
             prompts_hash(pr, p),
             self->opts.llm.api_key && *self->opts.llm.api_key ? ", with an API key" : "");
    return 0;
}

static int s_start_fetcher(worker_t *self, err_t *err)
{
    if (self->opts.stage != JOB_STAGE_FETCH)
        return 0;
    http_opts_t http = {
        .user_agent = self->opts.user_agent,
        .allow_net = self->opts.allow_net,
        .max_in_flight = self->opts.concurrency,
        .per_host_max = self->opts.per_host_max,
        .per_host_rps = self->opts.per_host_rps,
    };
    fetch_web_opts_t fo = {.redis_url = self->opts.redis_url,
                           .prefix = self->opts.prefix,
                           .http = &http,
                           .src = &self->opts.src};
    self->fetcher = fetch_web_new(self->loop, &fo, s_on_loop_job, self, err);
    return self->fetcher ? 0 : -1;
}

/* A bad URL stops us here; Redis being down only earns a warning: the
 * jobs fail as retryable until it is back, and the broker re-queues them. */
static int s_probe_store(const worker_opts_t *opts, err_t *err)
{
    store_opts_t so = {.url = opts->redis_url, .prefix = opts->prefix, .lazy = true};
    store_t *probe = store_new(&so, err);
    if (!probe)
        return -1;
    err_t perr = {0};
    if (store_ping(probe, &perr) != 0)
        log_warn(job_stage_name(opts->stage), "%s; jobs will be retried until it answers",
                 perr.msg);
    store_destroy(&probe);
    return 0;
}

/* The DEALER to the broker, connected. */
static int s_connect_dealer(worker_t *self, err_t *err)
{
    self->dealer = zsock_new(ZMQ_DEALER);
    zsock_set_maxmsgsize(self->dealer, PROTO_MAX_FRAME);
    zsock_set_linger(self->dealer, 1000);
    zsock_set_rcvtimeo(self->dealer, 0); /* s_on_dealer drains until nothing is waiting */
    /* Reconnect quickly after a broker restart, backing off to 5 s. */
    zsock_set_reconnect_ivl(self->dealer, 100);
    zsock_set_reconnect_ivl_max(self->dealer, 5000);
    /* A stable name across reconnects: a restarted broker sees the same
     * worker come back, and releases the leases of those that do not. */
    char host[64] = "worker";
    gethostname(host, sizeof host - 1);
    snprintf(self->host, sizeof self->host, "%s", host);
    char identity[128];
    snprintf(identity, sizeof identity, "%s/%d/%04x", host, (int)getpid(),
             (unsigned)randof(0x10000));
    zsock_set_identity(self->dealer, identity);
    if (curve_client_apply(self->dealer, &self->opts.curve, err) != 0)
        return -1;
    if (zsock_connect(self->dealer, "%s", self->opts.broker) < 0) {
        err_set(err, LODE_EINVAL, "cannot connect to %s: %s", self->opts.broker,
                zmq_strerror(zmq_errno()));
        return -1;
    }
    return 0;
}

worker_t *worker_new(const worker_opts_t *opts, err_t *err)
{
    worker_t *self = mem_calloc(1, sizeof *self);
    self->opts = *opts;
    if (self->opts.concurrency <= 0)
        self->opts.concurrency = 1;
    if (self->opts.concurrency > WORKER_MAX_CONCURRENCY) {
        err_set(err, LODE_EINVAL, "concurrency over %d", WORKER_MAX_CONCURRENCY);
        free(self);
        return NULL;
    }
    if (self->opts.heartbeat_ms <= 0)
        self->opts.heartbeat_ms = 1000;
    if (s_probe_store(opts, err) != 0) {
        free(self);
        return NULL;
    }
    self->args = (s_thread_args_t){opts->stage, opts->redis_url, opts->prefix, opts->delay_ms};
    self->started = zhashx_new();
    zhashx_set_destructor(self->started, s_started_free);
    if (self->opts.noop)
        self->noop_done = mem_calloc(WORKER_DRAIN_MAX, sizeof *self->noop_done);
    if (s_connect_dealer(self, err) != 0) {
        worker_destroy(&self);
        return NULL;
    }
    self->loop = zloop_new();
    zloop_reader(self->loop, self->dealer, s_on_dealer, self);
    if (s_start_threads(self) != 0 || s_start_fetcher(self, err) != 0 ||
        s_start_miner(self, err) != 0) {
        worker_destroy(&self);
        return NULL;
    }
    zloop_timer(self->loop, (size_t)self->opts.heartbeat_ms, 0, s_on_tick, self);
    return self;
}

/* Local jobs still running or waiting for a thread. */
static int s_busy(const worker_t *self)
{
    int n = (int)zlistx_size(self->pending);
    for (int i = 0; i < self->n_threads; i++)
        n += self->slots[i].busy;
    return n;
}

/* Tell the broker we are stopping: no job more, and which of ours we will
 * still report: the job threads' (running or waiting for a thread). Jobs
 * of the loop (web fetches, model calls) end with it, so the broker gives
 * them back now instead of when we fall silent. */
static void s_send_leaving(worker_t *self)
{
    proto_msg_t m = {.type = PROTO_READY, .leaving = true};
    snprintf(m.stage, sizeof m.stage, "%s", job_stage_name(self->opts.stage));
    snprintf(m.host, sizeof m.host, "%s", self->host);
    size_t n = (size_t)self->n_threads + (self->pending ? zlistx_size(self->pending) : 0);
    m.ids = mem_calloc(n ? n : 1, sizeof *m.ids);
    for (int i = 0; i < self->n_threads; i++)
        if (self->slots[i].busy)
            snprintf(m.ids[m.n_ids++], JOB_ID_SIZE, "%s", self->slots[i].job_id);
    for (char *item = self->pending ? zlistx_first(self->pending) : NULL; item;
         item = zlistx_next(self->pending))
        if (sscanf(item, "%26s", m.ids[m.n_ids]) == 1)
            m.n_ids++;
    s_send(self, &m);
    free(m.ids);
}

/* On SIGTERM/SIGINT: take no new job, let the local ones finish and report
 * them (bounded), so a clean stop costs no lease expiry. Web fetches and
 * model calls need the loop that just stopped: they are abandoned, and the
 * broker, told so, gives them back at once. */
static void s_drain(worker_t *self, int limit_ms)
{
    const char *stage = job_stage_name(self->opts.stage);
    s_send_leaving(self);
    if (self->fetcher && fetch_web_jobs(self->fetcher) > 0)
        log_info(stage, "abandoning %zu web fetch(es) in flight", fetch_web_jobs(self->fetcher));
    if (self->miner && text_model_jobs(self->miner) > 0)
        log_info(stage, "abandoning %zu job(s) waiting on the model", text_model_jobs(self->miner));
    if (s_busy(self) == 0)
        return;
    log_info(stage, "finishing %d running job(s) before stopping", s_busy(self));
    zpoller_t *poller = zpoller_new(NULL);
    zpoller_set_nonstop(poller, true);
    for (int i = 0; i < self->n_threads; i++)
        zpoller_add(poller, zactor_sock(self->slots[i].actor));
    int64_t deadline = job_now_ms() + limit_ms;
    while (s_busy(self) > 0 && job_now_ms() < deadline) {
        /* Keep beating, or the broker drops us and runs the job again. */
        proto_msg_t hb = {.type = PROTO_HEARTBEAT};
        s_send(self, &hb);
        int64_t wait = deadline - job_now_ms();
        if (wait > self->opts.heartbeat_ms)
            wait = self->opts.heartbeat_ms;
        zsock_t *which = zpoller_wait(poller, (int)wait);
        if (which)
            s_on_slot(NULL, which, self);
    }
    zpoller_destroy(&poller);
    if (s_busy(self) > 0)
        log_warn(stage, "%d job(s) still running after %d ms; their leases will re-run them",
                 s_busy(self), limit_ms);
}

int worker_run(worker_t *self)
{
    const char *stage = job_stage_name(self->opts.stage);
    log_info(stage, "worker connecting to %s: %d credit(s), %d thread(s)", self->opts.broker,
             self->opts.concurrency, self->n_threads);
    self->last_broker_ms = job_now_ms();
    s_send_ready(self, false);
    service_attach(self->loop, stage); /* READY=1, the watchdog (service.h) */
    zloop_start(self->loop);
    service_stopping();
    s_drain(self, WORKER_DRAIN_MS);
    log_info(stage, "stopping: done=%llu failed=%llu", (unsigned long long)self->done,
             (unsigned long long)self->failed);
    return 0;
}

void worker_destroy(worker_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    worker_t *self = *self_p;
    fetch_web_destroy(&self->fetcher);
    text_model_destroy(&self->miner);
    zloop_destroy(&self->loop);
    /* zactor_destroy waits for the thread: a job in progress finishes its
     * Redis writes first; its DONE is lost and its lease re-runs it. */
    for (int i = 0; self->slots && i < self->n_threads; i++)
        zactor_destroy(&self->slots[i].actor);
    free(self->slots);
    if (self->pending) {
        for (char *item = zlistx_first(self->pending); item; item = zlistx_next(self->pending))
            free(item);
        zlistx_destroy(&self->pending);
    }
    zsock_destroy(&self->dealer);
    zhashx_destroy(&self->started);
    free(self->noop_done);
    free(self);
    *self_p = NULL;
}
