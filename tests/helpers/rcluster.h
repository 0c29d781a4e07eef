/*  rcluster.h - test harness: a real Redis Cluster (redis-server
 *  --cluster-enabled yes, joined by redis-cli --cluster create) on free
 *  loopback ports in a fresh temp dir; every node its own process group,
 *  killed with the test binary (PR_SET_PDEATHSIG) and stopped by pid. Test
 *  code only: it prints diagnostics.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_RCLUSTER_H
#define LODE_RCLUSTER_H
#include <stdbool.h>
#include <sys/types.h>

#include "err.h"

#define RCLUSTER_NODES_MAX 8

typedef struct rcluster rcluster_t;

/* True if redis-server and redis-cli are on PATH (tests skip otherwise). */
bool rcluster_available(void);

/* Start masters + masters*replicas nodes (node-timeout 1000 ms, so a
 * failover takes ~2 s), create the cluster and wait until every node says
 * cluster_state:ok. NULL and *err if it does not come up in time. */
rcluster_t *rcluster_new(int masters, int replicas, err_t *err);

/* SIGKILL every node, reap, remove the temp dir; sets *self_p to NULL. */
void rcluster_destroy(rcluster_t **self_p);

/* "redis+cluster://127.0.0.1:P1,127.0.0.1:P2,…" (every node). Borrowed. */
const char *rcluster_url(const rcluster_t *self);

int rcluster_nodes(const rcluster_t *self);
int rcluster_port(const rcluster_t *self, int i);
pid_t rcluster_pid(const rcluster_t *self, int i);

/* The node index whose port is port, or -1. */
int rcluster_node_of_port(const rcluster_t *self, int port);

/* The index of the master serving slot, by asking a live node's CLUSTER
 * SLOTS; -1 if no live node knows. */
int rcluster_master_of(rcluster_t *self, unsigned slot);

/* How many slots node i serves as a master (CLUSTER SLOTS of a live
 * node), 0 if none or unknown. */
int rcluster_slot_count(rcluster_t *self, int i);

/* kill(sig) node i's process group; with SIGKILL also reap it. */
void rcluster_kill(rcluster_t *self, int i, int sig);

/* Start node i again after a SIGKILL (same port, dir and nodes.conf, so
 * it rejoins; the cluster failed it over, so it comes back as a replica of
 * its promoted replica) and wait up to limit_ms until its replication link
 * is up. 0, or -1 if it is running, did not start or did not sync. */
int rcluster_restart(rcluster_t *self, int i, int limit_ms);

/* Poll every live node until all say cluster_state:ok and agree that slot
 * is served by a live master; at most limit_ms. True if so. */
bool rcluster_wait_ok(rcluster_t *self, unsigned slot, int limit_ms);

/* Run redis-cli argv… (NULL-terminated, after "redis-cli") with output in
 * the temp dir's cli.log; its exit status, or -1. Bounded by limit_ms. */
int rcluster_cli(rcluster_t *self, int limit_ms, const char *const *argv);

/* Run a command (printf-style, hiredis) on node i; integer reply, or -1. */
long long rcluster_int(rcluster_t *self, int i, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The same as a new string (status, string or integer reply), or NULL. */
char *rcluster_str(rcluster_t *self, int i, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#endif
