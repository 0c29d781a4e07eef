/*  rcl.h - a Redis connection that is a single server or a Redis Cluster,
 *  on top of hiredis (Debian 12's hiredis 0.14 has no cluster support).
 *
 *  One code path for both: every command names the argv index of the key
 *  that routes it; on a single server that changes nothing, on a cluster
 *  it picks the master serving the key's hash slot (CRC16, {hash tags}).
 *  The slot map comes from CLUSTER SLOTS; MOVED updates it (and refreshes
 *  it at the next command), ASK is followed once with ASKING, both within
 *  a bound. A node that cannot be reached marks the map stale: the next
 *  command refreshes it from any node that answers, which is how a
 *  promoted replica is found after a failover. Scripts run as EVALSHA
 *  with their text beside them: a node that answers NOSCRIPT gets SCRIPT
 *  LOAD and the call again. Pipelines are grouped per node, written to
 *  every node first and then read, so n nodes cost one round trip.
 *
 *  Synchronous, one thread, bounded waits (a connect and each reply wait
 *  at most timeout_ms; a pipeline may also be given a deadline, after
 *  which a node that has not answered is skipped: rcl_pipeline_within). Deviation from S4.3.5:
 * replies are hiredis redisReply objects handed to the caller (the store), which frees them; rcl is
 * the store's transport, not a module of its own users. SPDX-License-Identifier: MIT
 */
#ifndef LODE_RCL_H
#define LODE_RCL_H
#include <stdbool.h>
#include <stddef.h>

#include <hiredis/hiredis.h>

#include "config.h"
#include "err.h"

#define RCL_SLOTS     16384
#define RCL_SEEDS_MAX 16  /* host:port entries of a redis+cluster:// URL */
#define RCL_NODES_MAX 128 /* masters a map may name */

/* A parsed URL: redis://[[user:]password@]host:port[/db] (one server), or
 * redis+cluster://[[user:]password@]host:port[,host:port…] (seeds of a
 * cluster; no /db: a cluster has only database 0). Plain data. */
typedef struct {
    bool cluster;
    config_redis_t seeds[RCL_SEEDS_MAX]; /* the credentials are in each */
    size_t n_seeds;
} rcl_url_t;

/* Parse url. -1 and LODE_EINVAL naming the problem (never the password). */
LODE_MUST_CHECK int rcl_parse_url(const char *url, rcl_url_t *out, err_t *err);

/* The hash slot of a key: CRC16 (XMODEM) mod 16384 of the key, or of the
 * part between the first '{' and the next '}' when that part is not empty
 * (Redis Cluster's hash tags). */
unsigned rcl_key_slot(const char *key, size_t len);

typedef struct rcl rcl_t;

typedef struct {
    const char *url;   /* borrowed; NULL = config default */
    int timeout_ms;    /* connect and reply wait; 0 = 5000 */
    int redirects_max; /* MOVED/ASK followed per command; 0 = 5 */
    bool lazy;         /* succeed even if nothing answers now */
} rcl_opts_t;

/* Connect (a cluster: load the slot map from the first seed that answers).
 * NULL and *err: LODE_EINVAL for a bad URL (even when lazy), LODE_ESTORE
 * when nothing answers (unless lazy) or credentials are refused. */
rcl_t *rcl_new(const rcl_opts_t *opts, err_t *err);

/* Close every connection and free; sets *self_p to NULL. Safe on NULL. */
void rcl_destroy(rcl_t **self_p);

/* True for a redis+cluster:// connection. */
bool rcl_is_cluster(const rcl_t *self);

/* One command. argv/len borrowed; key is the argv index of the key that
 * routes it (0: no key; it goes to the single server, or on a cluster to
 * the master of slot, which must then be set; -1 = any master). script:
 * for EVALSHA, the script's text (borrowed, static), so NOSCRIPT can be
 * mended. Plain data. */
typedef struct {
    int argc;
    const char *const *argv;
    const size_t *len;
    int key;
    int slot;           /* with key 0 on a cluster: where to send it; -1 = any */
    const char *script; /* NULL unless EVALSHA */
    redisReply *reply;  /* out: owned by the caller (freeReplyObject); an
                           error reply is a reply too */
    err_t err;          /* out: why there is no reply */
} rcl_cmd_t;

/* Run one command, following MOVED/ASK and NOSCRIPT. 0 and cmd->reply (any
 * reply but a redirect, error replies included), or -1 and *err (and
 * cmd->err): LODE_ESTORE when no node could be reached or the redirects
 * went past the bound. */
LODE_MUST_CHECK int rcl_run(rcl_t *self, rcl_cmd_t *cmd, err_t *err);

/* Run cmds[0..n) as one pipeline per node: commands to one node run in the
 * order given; a command redirected or answered NOSCRIPT is run again on
 * its own afterwards, except inside MULTI…EXEC (a transaction is never
 * split: its EXEC answers EXECABORT and the caller runs it again). 0 if
 * every command has a reply, else -1 and *err (the first failure; every
 * command without a reply has its own err). */
LODE_MUST_CHECK int rcl_pipeline(rcl_t *self, rcl_cmd_t *cmds, size_t n, err_t *err);

/* rcl_pipeline, reading every node's replies as they come (poll over all
 * of them), and with a deadline: a node that has not answered all its
 * commands within_ms after they were written is given up on for this
 * pipeline. Its commands still waiting fail ("no reply within … (slow node;
 * skipped)"); they may run later, their replies are dropped. The node
 * keeps its connection, owing those replies, and until they have come
 * every command for it fails at once instead of waiting (a SIGSTOPped or
 * overloaded node costs one deadline, not a timeout a call); a cluster
 * meanwhile reloads its map, so a replica promoted in its place is used.
 * A caller must treat a command failed so as one that may have run.
 * within_ms <= 0: rcl_pipeline. */
LODE_MUST_CHECK int
rcl_pipeline_within(rcl_t *self, rcl_cmd_t *cmds, size_t n, int within_ms, err_t *err);

/* SCRIPT LOAD text on the single server or every master; sha gets its
 * SHA1 (hex, NUL-terminated). 0, or -1 and *err. */
LODE_MUST_CHECK int rcl_script_load(rcl_t *self, const char *text, char sha[41], err_t *err);

/* The deadline a caller of rcl_pipeline_within uses (0: none): a node
 * lost before is then reconnected within it (connect and AUTH/PING), not
 * within the whole timeout, so a SIGSTOPped node that still accepts
 * connections costs a caller that reconnects that long, not timeout_ms. */
void rcl_set_pass_ms(rcl_t *self, int ms);

/* Reload the slot map now (a cluster; nothing on a single server). */
LODE_MUST_CHECK int rcl_refresh(rcl_t *self, err_t *err);

/* The master serving slot as "host:port" (borrowed until the next call),
 * or NULL if the map does not know it. On a single server, the server. */
const char *rcl_slot_node(rcl_t *self, unsigned slot);

/* --- for callers that pipeline on one node with hiredis themselves (the
 * store's MULTI/EXEC inside one partition: one slot, so one node) --- */

/* The connection to the master of slot (-1: the single server, or any
 * master), connected if needed. Borrowed until rcl_lost or rcl_destroy.
 * NULL and *err (LODE_ESTORE) if it cannot be reached. */
redisContext *rcl_ctx(rcl_t *self, int slot, err_t *err);

/* A context from rcl_ctx failed (NULL reply): drop it; a cluster reloads
 * its map before the next command. */
void rcl_lost(rcl_t *self, redisContext *ctx);

/* A reply read on a context from rcl_ctx: a MOVED error updates the map
 * (the caller's command failed; it runs it again later). */
void rcl_saw(rcl_t *self, const redisReply *r);

/* "host:port" of the node behind ctx (borrowed until the next call), or
 * "redis" if it is not one of ours. */
const char *rcl_ctx_name(rcl_t *self, const redisContext *ctx);

/* Masters in the current map (1 on a single server). */
size_t rcl_masters(const rcl_t *self);

/* Times the slot map was loaded (for tests and the bench). */
long rcl_refreshes(const rcl_t *self);
#endif
