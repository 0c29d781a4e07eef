/*  rcl.c - a Redis connection that is a single server or a Redis Cluster:
 *  node connections with back-off, the slot map from CLUSTER SLOTS,
 *  commands that follow MOVED/ASK/NOSCRIPT, and pipelines grouped per node
 *  and read as each node answers. URLs and key slots are in rcl_url.c.
 *  See rcl.h.
 *  SPDX-License-Identifier: MIT
 */
#include "rcl.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <hiredis/sds.h>

#include "job.h"
#include "mem.h"

#define S_BACKOFF_MIN_MS 100
#define S_BACKOFF_MAX_MS 2000
#define S_REFRESH_GAP_MS 100          /* a stale map is reloaded at most this often */
#define S_OBUF_FLUSH     (256 * 1024) /* write a long pipeline out as it grows */

typedef struct {
    char host[256];
    int port;
    redisContext *ctx; /* owned; NULL while disconnected */
    int64_t retry_at_ms;
    int backoff_ms;
    bool master;  /* serves slots in the current map */
    size_t owed;  /* replies of a pipeline given up on at its deadline, still to come */
    bool suspect; /* lost since it last answered: reconnect within pass_ms, if set */
} s_node_t;

struct rcl {
    rcl_url_t url;
    int timeout_ms;
    int redirects_max;
    s_node_t nodes[RCL_NODES_MAX]; /* a single server: nodes[0] */
    size_t n_nodes;
    int16_t slots[RCL_SLOTS]; /* node index serving each slot, -1 unknown */
    bool stale;               /* a redirect or a lost node: reload the map */
    int64_t refreshed_ms;
    long refreshes;
    char shown[300]; /* rcl_slot_node's answer */
    int pass_ms;     /* rcl_set_pass_ms */
};

/* --- nodes ------------------------------------------------------------------- */

static void s_node_drop(rcl_t *self, s_node_t *node)
{
    redisFree(node->ctx);
    node->ctx = NULL;
    node->owed = 0;
    node->suspect = true;
    if (self->url.cluster)
        self->stale = true;
}

/* Take in, without waiting, what a node owes from a pipeline given up on
 * at its deadline (rcl_pipeline_within); the replies are dropped: their
 * caller has moved on (see rcl.h). True once nothing is owed. */
static bool s_node_settle(rcl_t *self, s_node_t *node)
{
    while (node->owed > 0) {
        redisReply *r = NULL;
        if (redisGetReplyFromReader(node->ctx, (void **)&r) != REDIS_OK) {
            s_node_drop(self, node);
            return true;
        }
        if (r) {
            freeReplyObject(r);
            node->owed--;
            continue;
        }
        struct pollfd pfd = {.fd = node->ctx->fd, .events = POLLIN};
        if (poll(&pfd, 1, 0) <= 0)
            return false;
        if (redisBufferRead(node->ctx) != REDIS_OK) {
            s_node_drop(self, node);
            return true;
        }
    }
    return true;
}

/* AUTH (or a PING that would say NOAUTH), then SELECT on a single server.
 * *refused: the server answered but turned our credentials down. */
static int s_node_hello(rcl_t *self, s_node_t *node, bool *refused, err_t *err)
{
    const config_redis_t *c = &self->url.seeds[0];
    redisReply *r;
    if (c->password[0] && c->user[0])
        r = redisCommand(node->ctx, "AUTH %s %s", c->user, c->password);
    else if (c->password[0])
        r = redisCommand(node->ctx, "AUTH %s", c->password);
    else
        r = redisCommand(node->ctx, "PING");
    int rc = 0;
    if (!r || r->type == REDIS_REPLY_ERROR) {
        /* AUTH's arguments are secrets: name the user, never the password. */
        *refused = r != NULL;
        const char *why = r ? r->str : node->ctx->errstr;
        if (!c->password[0] && r && strstr(why, "NOAUTH"))
            err_set(err, LODE_ESTORE,
                    "redis at %s:%d wants a password (redis://[user:]password@%s:%d): redis: "
                    "%.100s",
                    node->host, node->port, node->host, node->port, why);
        else
            err_set(err, LODE_ESTORE, "AUTH%s%s at %s:%d: redis: %.150s", c->user[0] ? " as " : "",
                    c->user, node->host, node->port, why);
        rc = -1;
    }
    freeReplyObject(r);
    if (rc == 0 && !self->url.cluster && c->db) {
        r = redisCommand(node->ctx, "SELECT %d", c->db);
        if (!r || r->type == REDIS_REPLY_ERROR) {
            err_set(err, LODE_ESTORE, "redis at %s:%d: SELECT %d: %s", node->host, node->port,
                    c->db, r ? r->str : node->ctx->errstr);
            rc = -1;
        }
        freeReplyObject(r);
    }
    return rc;
}

/* Connect if not connected. After a failure the node fails at once until
 * a back-off (100 ms doubling to 2 s) has passed, so a loop is not held up
 * by a node that is down. */
static int s_node_connect(rcl_t *self, s_node_t *node, bool *refused, err_t *err)
{
    if (node->ctx && node->owed > 0 && !s_node_settle(self, node)) {
        if (self->url.cluster)
            self->stale = true; /* stopped long enough, a replica takes over */
        err_set(err, LODE_ESTORE,
                "redis at %s:%d is slow: %zu repl%s of an earlier pipeline still to come "
                "(skipped)",
                node->host, node->port, node->owed, node->owed == 1 ? "y" : "ies");
        return -1;
    }
    if (node->ctx)
        return 0;
    int64_t now = job_now_ms();
    if (now < node->retry_at_ms) {
        if (self->url.cluster)
            self->stale = true; /* a replica may have taken over meanwhile */
        err_set(err, LODE_ESTORE, "redis at %s:%d is down (retrying in %lld ms)", node->host,
                node->port, (long long)(node->retry_at_ms - now));
        return -1;
    }
    /* A node lost before (a SIGSTOPped one still accepts connections and
     * then says nothing) gets the pass deadline for its connect and hello,
     * not the whole timeout. */
    int ms = node->suspect && self->pass_ms > 0 ? self->pass_ms : self->timeout_ms;
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    struct timeval full = {self->timeout_ms / 1000, (self->timeout_ms % 1000) * 1000};
    node->ctx = redisConnectWithTimeout(node->host, node->port, tv);
    if (!node->ctx || node->ctx->err) {
        err_set(err, LODE_ESTORE, "cannot connect to redis at %s:%d: %s", node->host, node->port,
                node->ctx ? node->ctx->errstr : "out of memory");
    } else {
        redisSetTimeout(node->ctx, tv);
        if (s_node_hello(self, node, refused, err) == 0) {
            redisSetTimeout(node->ctx, full);
            node->backoff_ms = 0;
            node->retry_at_ms = 0;
            node->suspect = false;
            return 0;
        }
    }
    s_node_drop(self, node);
    node->backoff_ms = node->backoff_ms ? node->backoff_ms * 2 : S_BACKOFF_MIN_MS;
    if (node->backoff_ms > S_BACKOFF_MAX_MS)
        node->backoff_ms = S_BACKOFF_MAX_MS;
    node->retry_at_ms = now + node->backoff_ms;
    return -1;
}

/* The index of host:port among the nodes, added if new; -1 if full. */
static int s_node_find(rcl_t *self, const char *host, size_t host_len, int port)
{
    for (size_t i = 0; i < self->n_nodes; i++)
        if (self->nodes[i].port == port && strlen(self->nodes[i].host) == host_len &&
            memcmp(self->nodes[i].host, host, host_len) == 0)
            return (int)i;
    if (self->n_nodes == RCL_NODES_MAX || host_len >= sizeof self->nodes[0].host)
        return -1;
    s_node_t *n = &self->nodes[self->n_nodes];
    memset(n, 0, sizeof *n);
    memcpy(n->host, host, host_len);
    n->port = port;
    return (int)self->n_nodes++;
}

/* --- the slot map ------------------------------------------------------------ */

/* Apply one CLUSTER SLOTS entry: [start, end, [host, port, id…], replicas…].
 * An empty host means the node we asked. */
static int s_map_range(rcl_t *self, const redisReply *e, const s_node_t *asked, int16_t *slots)
{
    if (e->type != REDIS_REPLY_ARRAY || e->elements < 3 ||
        e->element[0]->type != REDIS_REPLY_INTEGER || e->element[1]->type != REDIS_REPLY_INTEGER ||
        e->element[2]->type != REDIS_REPLY_ARRAY || e->element[2]->elements < 2)
        return -1;
    const redisReply *m = e->element[2];
    if (m->element[0]->type != REDIS_REPLY_STRING || m->element[1]->type != REDIS_REPLY_INTEGER)
        return -1;
    long long lo = e->element[0]->integer, hi = e->element[1]->integer;
    if (lo < 0 || hi >= RCL_SLOTS || lo > hi)
        return -1;
    const char *host = m->element[0]->len ? m->element[0]->str : asked->host;
    int node = s_node_find(self, host, strlen(host), (int)m->element[1]->integer);
    if (node < 0)
        return -1;
    for (long long s = lo; s <= hi; s++)
        slots[s] = (int16_t)node;
    return 0;
}

/* Ask one node for the map; on success it replaces the current one. */
static int s_map_from(rcl_t *self, size_t i, err_t *err)
{
    bool refused = false;
    if (s_node_connect(self, &self->nodes[i], &refused, err) != 0)
        return -1;
    redisReply *r = redisCommand(self->nodes[i].ctx, "CLUSTER SLOTS");
    if (!r) {
        err_set(err, LODE_ESTORE, "redis at %s:%d: %s", self->nodes[i].host, self->nodes[i].port,
                self->nodes[i].ctx->errstr);
        s_node_drop(self, &self->nodes[i]);
        return -1;
    }
    int16_t *slots = mem_alloc(sizeof self->slots);
    for (size_t s = 0; s < RCL_SLOTS; s++)
        slots[s] = -1;
    int rc = r->type == REDIS_REPLY_ARRAY && r->elements > 0 ? 0 : -1;
    for (size_t k = 0; rc == 0 && k < r->elements; k++)
        rc = s_map_range(self, r->element[k], &self->nodes[i], slots);
    if (rc != 0)
        err_set(err, LODE_ESTORE, "redis at %s:%d: no usable CLUSTER SLOTS answer%s%.100s",
                self->nodes[i].host, self->nodes[i].port, r->type == REDIS_REPLY_ERROR ? ": " : "",
                r->type == REDIS_REPLY_ERROR ? r->str : "");
    freeReplyObject(r);
    if (rc == 0) {
        memcpy(self->slots, slots, sizeof self->slots);
        for (size_t n = 0; n < self->n_nodes; n++)
            self->nodes[n].master = false;
        for (size_t s = 0; s < RCL_SLOTS; s++)
            self->nodes[self->slots[s]].master = true;
    }
    free(slots);
    return rc;
}

int rcl_refresh(rcl_t *self, err_t *err)
{
    if (!self->url.cluster)
        return 0;
    self->refreshed_ms = job_now_ms();
    err_t first = {0};
    /* Known masters first (they know the newest map), then the others. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < self->n_nodes; i++) {
            if (self->nodes[i].master != (pass == 0))
                continue;
            err_t mine = {0};
            if (s_map_from(self, i, &mine) == 0) {
                self->stale = false;
                self->refreshes++;
                return 0;
            }
            err_set(&first, mine.code, "%s", mine.msg);
        }
    err_set(err, LODE_ESTORE, "no cluster node gave a slot map: %s", first.msg);
    return -1;
}

/* The node for cmd: the single server, or the master of its key's slot
 * (reloading a stale map first). -1 and *err if no node serves it. */
static int s_target(rcl_t *self, const rcl_cmd_t *cmd, err_t *err)
{
    if (!self->url.cluster)
        return 0;
    if (self->stale && job_now_ms() - self->refreshed_ms >= S_REFRESH_GAP_MS) {
        err_t ignored = {0};
        if (rcl_refresh(self, &ignored) != 0)
            self->stale = true; /* the old map may still serve; try later */
    }
    int slot = cmd->key > 0 && cmd->key < cmd->argc
                   ? (int)rcl_key_slot(cmd->argv[cmd->key], cmd->len[cmd->key])
                   : cmd->slot;
    if (slot < 0) {
        for (size_t i = 0; i < self->n_nodes; i++)
            if (self->nodes[i].master)
                return (int)i;
    } else if (slot < RCL_SLOTS && self->slots[slot] >= 0) {
        return self->slots[slot];
    }
    err_t mine = {0};
    if (rcl_refresh(self, &mine) == 0 && slot >= 0 && slot < RCL_SLOTS && self->slots[slot] >= 0)
        return self->slots[slot];
    err_set(err, LODE_ESTORE, "redis cluster: no node serves slot %d%s%s", slot,
            mine.code ? ": " : "", mine.msg);
    return -1;
}

/* --- redirects --------------------------------------------------------------- */

typedef enum { S_REPLY_OK, S_REPLY_MOVED, S_REPLY_ASK, S_REPLY_NOSCRIPT } s_reply_kind_t;

/* What r asks of us. For MOVED and ASK, *node gets the node it names (-1
 * if it cannot be added), and MOVED updates the slot at once. */
static s_reply_kind_t s_classify(rcl_t *self, const redisReply *r, const rcl_cmd_t *cmd, int *node)
{
    if (r->type != REDIS_REPLY_ERROR)
        return S_REPLY_OK;
    if (cmd->script && strncmp(r->str, "NOSCRIPT", 8) == 0)
        return S_REPLY_NOSCRIPT;
    bool moved = strncmp(r->str, "MOVED ", 6) == 0;
    if (!self->url.cluster || (!moved && strncmp(r->str, "ASK ", 4) != 0))
        return S_REPLY_OK;
    /* "MOVED 3999 127.0.0.1:6381" */
    unsigned slot = 0;
    const char *addr = strchr(r->str + 4, ' ');
    const char *colon = addr ? strrchr(addr, ':') : NULL;
    if (!addr || !colon || sscanf(r->str + (moved ? 6 : 4), "%u", &slot) != 1 || slot >= RCL_SLOTS)
        return S_REPLY_OK; /* not one we understand: the caller sees it */
    *node = s_node_find(self, addr + 1, (size_t)(colon - addr - 1), atoi(colon + 1));
    if (moved) {
        if (*node >= 0)
            self->slots[slot] = (int16_t)*node;
        self->stale = true; /* more slots have probably moved with it */
        return S_REPLY_MOVED;
    }
    return S_REPLY_ASK;
}

static int s_load_on(rcl_t *self, s_node_t *node, const char *text, char sha[41], err_t *err)
{
    bool refused = false;
    if (s_node_connect(self, node, &refused, err) != 0)
        return -1;
    redisReply *r = redisCommand(node->ctx, "SCRIPT LOAD %s", text);
    int rc = -1;
    if (!r) {
        err_set(err, LODE_ESTORE, "redis at %s:%d: %s", node->host, node->port, node->ctx->errstr);
        s_node_drop(self, node);
    } else if (r->type != REDIS_REPLY_STRING || r->len != 40) {
        err_set(err, LODE_ESTORE, "redis at %s:%d: cannot load a script: %.200s", node->host,
                node->port, r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
    } else {
        if (sha) {
            memcpy(sha, r->str, 40);
            sha[40] = '\0';
        }
        rc = 0;
    }
    freeReplyObject(r);
    return rc;
}

/* Send cmd to node (after ASKING if asking) and wait for its reply. NULL
 * and *err if the node failed; *sent says whether the command may have
 * reached it (a failed connect: it did not). */
static redisReply *
s_send(rcl_t *self, s_node_t *node, const rcl_cmd_t *cmd, bool asking, bool *sent, err_t *err)
{
    bool refused = false;
    *sent = false;
    if (s_node_connect(self, node, &refused, err) != 0)
        return NULL;
    *sent = true;
    if (asking)
        redisAppendCommand(node->ctx, "ASKING");
    redisAppendCommandArgv(node->ctx, cmd->argc, (const char **)cmd->argv, cmd->len);
    redisReply *r = NULL;
    if (asking && redisGetReply(node->ctx, (void **)&r) == REDIS_OK) {
        freeReplyObject(r);
        r = NULL;
    }
    if (!node->ctx->err && redisGetReply(node->ctx, (void **)&r) == REDIS_OK && r)
        return r;
    err_set(err, LODE_ESTORE, "redis at %s:%d: %s", node->host, node->port,
            node->ctx->errstr[0] ? node->ctx->errstr : "connection lost");
    s_node_drop(self, node);
    return NULL;
}

typedef enum { S_HOP_DONE, S_HOP_AGAIN, S_HOP_ASKING } s_hop_t;

/* One hop of rcl_run. DONE: cmd has its reply or err. AGAIN: go again at
 * *next (-1: wherever the map says); ASKING: the same after ASKING. */
static s_hop_t s_hop(rcl_t *self, rcl_cmd_t *cmd, int node, bool asking, int *next, bool *reloaded)
{
    err_t mine = {0};
    bool sent;
    redisReply *r = s_send(self, &self->nodes[node], cmd, asking, &sent, &mine);
    *next = -1;
    if (!r) {
        /* A node that cannot be reached (a failover?): reload the map once
         * and go where it now points. Only if the command was never sent:
         * one that may have run is not run twice. */
        if (self->url.cluster && !sent && !*reloaded) {
            *reloaded = true;
            err_t ignored = {0};
            if (rcl_refresh(self, &ignored) == 0 && (*next = s_target(self, cmd, &ignored)) >= 0 &&
                *next != node)
                return S_HOP_AGAIN;
        }
        err_set(&cmd->err, mine.code, "%s", mine.msg);
        return S_HOP_DONE;
    }
    int to = -1;
    switch (s_classify(self, r, cmd, &to)) {
    case S_REPLY_OK:
        cmd->reply = r;
        return S_HOP_DONE;
    case S_REPLY_NOSCRIPT:
        freeReplyObject(r);
        if (s_load_on(self, &self->nodes[node], cmd->script, NULL, &cmd->err) != 0)
            return S_HOP_DONE;
        *next = node;
        return asking ? S_HOP_ASKING : S_HOP_AGAIN;
    case S_REPLY_ASK:
        freeReplyObject(r);
        *next = to;
        return to >= 0 ? S_HOP_ASKING : S_HOP_AGAIN;
    case S_REPLY_MOVED:
        freeReplyObject(r);
        *next = to;
        return S_HOP_AGAIN;
    }
    return S_HOP_DONE;
}

int rcl_run(rcl_t *self, rcl_cmd_t *cmd, err_t *err)
{
    cmd->reply = NULL;
    cmd->err = (err_t){0};
    bool reloaded = false, asking = false;
    int node = -1;
    for (int hop = 0; hop <= self->redirects_max; hop++) {
        if (node < 0 && (node = s_target(self, cmd, &cmd->err)) < 0)
            break;
        int next;
        s_hop_t h = s_hop(self, cmd, node, asking, &next, &reloaded);
        if (h == S_HOP_DONE)
            break;
        asking = h == S_HOP_ASKING;
        node = next;
    }
    if (cmd->reply)
        return 0;
    if (!cmd->err.code)
        err_set(&cmd->err, LODE_ESTORE, "redis cluster: more than %d redirects",
                self->redirects_max);
    err_set(err, cmd->err.code, "%s", cmd->err.msg);
    return -1;
}

/* --- pipelines --------------------------------------------------------------- */

static bool s_is(const rcl_cmd_t *cmd, const char *name)
{
    return cmd->argc > 0 && cmd->len[0] == strlen(name) &&
           strncasecmp(cmd->argv[0], name, cmd->len[0]) == 0;
}

/* Write out what hiredis holds for node (all of it, or past S_OBUF_FLUSH
 * only when big); a write error stays in the context and fails the read. */
static void s_flush(s_node_t *node, bool all)
{
    if (!node->ctx || (!all && sdslen(node->ctx->obuf) < S_OBUF_FLUSH))
        return;
    int done = 0;
    while (!done && redisBufferWrite(node->ctx, &done) == REDIS_OK)
        ;
}

/* Route and append every command; on[i] gets its node or -1 (err set). */
static void s_pipe_send(rcl_t *self, rcl_cmd_t *cmds, size_t n, int *on, bool *used)
{
    for (size_t i = 0; i < n; i++) {
        cmds[i].reply = NULL;
        cmds[i].err = (err_t){0};
        on[i] = s_target(self, &cmds[i], &cmds[i].err);
        bool refused = false;
        if (on[i] >= 0 && s_node_connect(self, &self->nodes[on[i]], &refused, &cmds[i].err) != 0)
            on[i] = -1;
        if (on[i] < 0)
            continue;
        s_node_t *node = &self->nodes[on[i]];
        used[on[i]] = true;
        redisAppendCommandArgv(node->ctx, cmds[i].argc, (const char **)cmds[i].argv, cmds[i].len);
        s_flush(node, false);
    }
    /* Every node has its whole pipeline before we wait on any of them. */
    for (size_t k = 0; k < self->n_nodes; k++)
        if (used[k])
            s_flush(&self->nodes[k], true);
}

/* The replies a pipeline waits for, node by node: node k's commands are
 * idx[at[k] .. end[k]) in the order sent. */
typedef struct {
    size_t *idx;              /* owned */
    size_t at[RCL_NODES_MAX]; /* the next reply of node k is for cmds[idx[at[k]]] */
    size_t end[RCL_NODES_MAX];
    bool in_multi[RCL_NODES_MAX];
} s_wait_t;

static void s_wait_init(rcl_t *self, s_wait_t *w, const int *on, size_t n)
{
    memset(w, 0, sizeof *w);
    w->idx = mem_alloc((n ? n : 1) * sizeof *w->idx);
    for (size_t i = 0; i < n; i++)
        if (on[i] >= 0)
            w->end[on[i]]++;
    size_t sum = 0;
    for (size_t k = 0; k < self->n_nodes; k++) {
        size_t c = w->end[k];
        w->at[k] = w->end[k] = sum;
        sum += c;
    }
    for (size_t i = 0; i < n; i++)
        if (on[i] >= 0)
            w->idx[w->end[on[i]]++] = i;
}

/* Node k's next reply r: to its command, or set aside to run again. */
static void
s_wait_take(rcl_t *self, s_wait_t *w, size_t k, redisReply *r, rcl_cmd_t *cmds, bool *redo)
{
    size_t i = w->idx[w->at[k]++];
    int to = -1;
    s_reply_kind_t kind = s_classify(self, r, &cmds[i], &to);
    if (s_is(&cmds[i], "MULTI"))
        w->in_multi[k] = true;
    else if (s_is(&cmds[i], "EXEC") || s_is(&cmds[i], "DISCARD"))
        w->in_multi[k] = false;
    else if (kind != S_REPLY_OK && !w->in_multi[k])
        redo[i] = true; /* a transaction is never split: its EXEC fails */
    if (redo[i])
        freeReplyObject(r);
    else
        cmds[i].reply = r;
}

/* Node k answers no more: the commands still waiting fail with why. Lost
 * (a connection error, or the blocking timeout): dropped. Late (the
 * deadline of rcl_pipeline_within): kept, owing those replies. */
static void
s_wait_fail(rcl_t *self, s_wait_t *w, size_t k, rcl_cmd_t *cmds, bool late, int within_ms)
{
    s_node_t *node = &self->nodes[k];
    size_t left = w->end[k] - w->at[k];
    for (; w->at[k] < w->end[k]; w->at[k]++) {
        rcl_cmd_t *c = &cmds[w->idx[w->at[k]]];
        if (late)
            err_set(&c->err, LODE_ESTORE,
                    "redis at %s:%d: no reply within %d ms (slow node; skipped)", node->host,
                    node->port, within_ms);
        else
            err_set(&c->err, LODE_ESTORE, "redis at %s:%d: %s", node->host, node->port,
                    node->ctx && node->ctx->errstr[0] ? node->ctx->errstr : "connection lost");
    }
    if (late && node->ctx)
        node->owed += left;
    else
        s_node_drop(self, node);
}

/* Take every reply node k has parsed already; true if it still owes some. */
static bool s_wait_drain(rcl_t *self, s_wait_t *w, size_t k, rcl_cmd_t *cmds, bool *redo)
{
    s_node_t *node = &self->nodes[k];
    while (w->at[k] < w->end[k]) {
        redisReply *r = NULL;
        if (!node->ctx || node->ctx->err ||
            redisGetReplyFromReader(node->ctx, (void **)&r) != REDIS_OK) {
            s_wait_fail(self, w, k, cmds, false, 0);
            return false;
        }
        if (!r)
            return true;
        s_wait_take(self, w, k, r, cmds, redo);
    }
    return false;
}

/* Read the replies of every node as they come (poll over all of them, so
 * a slow node does not hold up the reading of the others); redo[i] is set
 * for a command to run again. within_ms > 0: a node that has not answered
 * everything by then is given up on for this pipeline (late, owing); else
 * a node silent for timeout_ms is lost. */
static void
s_pipe_read(rcl_t *self, rcl_cmd_t *cmds, size_t n, const int *on, bool *redo, int within_ms)
{
    s_wait_t w;
    s_wait_init(self, &w, on, n);
    int64_t until = within_ms > 0 ? job_now_ms() + within_ms : 0;
    for (;;) {
        struct pollfd fds[RCL_NODES_MAX];
        size_t who[RCL_NODES_MAX], nfds = 0;
        for (size_t k = 0; k < self->n_nodes; k++)
            if (w.at[k] < w.end[k] && s_wait_drain(self, &w, k, cmds, redo)) {
                fds[nfds] = (struct pollfd){.fd = self->nodes[k].ctx->fd, .events = POLLIN};
                who[nfds++] = k;
            }
        if (nfds == 0)
            break;
        int64_t wait = until ? until - job_now_ms() : self->timeout_ms;
        int got = wait > 0 ? poll(fds, nfds, (int)wait) : 0;
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            for (size_t j = 0; j < nfds; j++)
                s_wait_fail(self, &w, who[j], cmds, until != 0, within_ms);
            break;
        }
        for (size_t j = 0; j < nfds; j++)
            if (fds[j].revents && redisBufferRead(self->nodes[who[j]].ctx) != REDIS_OK)
                s_wait_fail(self, &w, who[j], cmds, false, 0);
    }
    free(w.idx);
}

int rcl_pipeline_within(rcl_t *self, rcl_cmd_t *cmds, size_t n, int within_ms, err_t *err)
{
    if (n == 0)
        return 0;
    int *on = mem_alloc(n * sizeof *on);
    bool *redo = mem_calloc(n, sizeof *redo);
    bool used[RCL_NODES_MAX] = {0};
    s_pipe_send(self, cmds, n, on, used);
    s_pipe_read(self, cmds, n, on, redo, within_ms);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        err_t ignored = {0};
        if (redo[i] && rcl_run(self, &cmds[i], &ignored) != 0)
            redo[i] = false; /* its own err says why */
        if (!cmds[i].reply && rc == 0) {
            err_set(err, cmds[i].err.code ? cmds[i].err.code : LODE_ESTORE, "%s",
                    cmds[i].err.code ? cmds[i].err.msg : "redis: no reply");
            rc = -1;
        }
    }
    free(on);
    free(redo);
    return rc;
}

int rcl_pipeline(rcl_t *self, rcl_cmd_t *cmds, size_t n, err_t *err)
{
    return rcl_pipeline_within(self, cmds, n, 0, err);
}

/* --- scripts, set-up, accessors ---------------------------------------------- */

int rcl_script_load(rcl_t *self, const char *text, char sha[41], err_t *err)
{
    if (self->url.cluster && (self->stale || rcl_masters(self) == 0) && rcl_refresh(self, err) != 0)
        return -1;
    size_t loaded = 0;
    for (size_t i = 0; i < self->n_nodes; i++) {
        if (self->url.cluster && !self->nodes[i].master)
            continue;
        if (s_load_on(self, &self->nodes[i], text, sha, err) != 0)
            return -1;
        loaded++;
    }
    if (loaded == 0) {
        err_set(err, LODE_ESTORE, "redis cluster: no master to load a script on");
        return -1;
    }
    return 0;
}

rcl_t *rcl_new(const rcl_opts_t *opts, err_t *err)
{
    rcl_t *self = mem_calloc(1, sizeof *self);
    self->timeout_ms = opts && opts->timeout_ms > 0 ? opts->timeout_ms : 5000;
    self->redirects_max = opts && opts->redirects_max > 0 ? opts->redirects_max : 5;
    memset(self->slots, 0xff, sizeof self->slots); /* -1: unknown */
    if (rcl_parse_url(config_redis_url(opts ? opts->url : NULL), &self->url, err) != 0) {
        free(self);
        return NULL;
    }
    for (size_t i = 0; i < self->url.n_seeds; i++)
        (void)s_node_find(self, self->url.seeds[i].host, strlen(self->url.seeds[i].host),
                          self->url.seeds[i].port);
    err_t mine = {0};
    bool refused = false;
    int rc = self->url.cluster ? rcl_refresh(self, &mine)
                               : s_node_connect(self, &self->nodes[0], &refused, &mine);
    refused = refused || strstr(mine.msg, "NOAUTH") || strstr(mine.msg, "WRONGPASS");
    if (rc != 0 && (!(opts && opts->lazy) || refused)) {
        err_set(err, mine.code, "%s", mine.msg);
        rcl_destroy(&self);
        return NULL;
    }
    if (rc != 0)
        self->stale = self->url.cluster;
    return self;
}

void rcl_destroy(rcl_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    for (size_t i = 0; i < (*self_p)->n_nodes; i++)
        redisFree((*self_p)->nodes[i].ctx);
    free(*self_p);
    *self_p = NULL;
}

bool rcl_is_cluster(const rcl_t *self)
{
    return self->url.cluster;
}

const char *rcl_slot_node(rcl_t *self, unsigned slot)
{
    int node = !self->url.cluster ? 0 : slot < RCL_SLOTS ? self->slots[slot] : -1;
    if (node < 0)
        return NULL;
    snprintf(self->shown, sizeof self->shown, "%s:%d", self->nodes[node].host,
             self->nodes[node].port);
    return self->shown;
}

redisContext *rcl_ctx(rcl_t *self, int slot, err_t *err)
{
    rcl_cmd_t cmd = {.slot = self->url.cluster ? slot : -1};
    int node = s_target(self, &cmd, err);
    bool refused = false;
    if (node < 0 || s_node_connect(self, &self->nodes[node], &refused, err) != 0)
        return NULL;
    return self->nodes[node].ctx;
}

static s_node_t *s_node_of(rcl_t *self, const redisContext *ctx)
{
    for (size_t i = 0; ctx && i < self->n_nodes; i++)
        if (self->nodes[i].ctx == ctx)
            return &self->nodes[i];
    return NULL;
}

void rcl_lost(rcl_t *self, redisContext *ctx)
{
    s_node_t *node = s_node_of(self, ctx);
    if (node)
        s_node_drop(self, node);
}

void rcl_saw(rcl_t *self, const redisReply *r)
{
    rcl_cmd_t none = {0};
    int to = -1;
    if (r)
        (void)s_classify(self, r, &none, &to);
}

const char *rcl_ctx_name(rcl_t *self, const redisContext *ctx)
{
    const s_node_t *node = s_node_of(self, ctx);
    if (!node)
        return "redis";
    snprintf(self->shown, sizeof self->shown, "%s:%d", node->host, node->port);
    return self->shown;
}

size_t rcl_masters(const rcl_t *self)
{
    if (!self->url.cluster)
        return 1;
    size_t n = 0;
    for (size_t i = 0; i < self->n_nodes; i++)
        n += self->nodes[i].master;
    return n;
}

void rcl_set_pass_ms(rcl_t *self, int ms)
{
    self->pass_ms = ms > 0 ? ms : 0;
}

long rcl_refreshes(const rcl_t *self)
{
    return self->refreshes;
}
