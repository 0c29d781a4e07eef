/*  fixture.h - the cmocka fixture most integration tests share: a cluster
 *  (cluster.h) made for a group of tests, a log dump for each failed test,
 *  and a teardown that fails on sanitizer reports in the programs' logs.
 *  Where a group's state is the cluster itself the functions serve as
 *  cmocka's setups and teardowns; tests with a state of their own call
 *  fixture_cluster and fixture_down from theirs.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_FIXTURE_H
#define LODE_FIXTURE_H
#include <stddef.h>

#include "cluster.h"

/* A cluster with opts (NULL: the defaults), or NULL after printing why to
 * stderr. */
cluster_t *fixture_cluster(const cluster_opts_t *opts);

/* Stop and destroy *c (NULL is fine; *c is NULL after). -1 if the
 * broker's or workers' logs held sanitizer reports (cluster_stop), else 0:
 * what a group teardown returns. */
int fixture_down(cluster_t **c);

/* *state = fixture_cluster(opts): 0, or -1 if it did not start. */
int fixture_group_start(void **state, const cluster_opts_t *opts);

/* cmocka group setup and teardown of a state that is the cluster: the
 * default cluster, and fixture_down of *state. */
int fixture_group_setup(void **state);
int fixture_group_teardown(void **state);

/* cmocka per-test setup and teardown of a state that is the cluster:
 * cluster_mark_begin, then cluster_check (the logs of a failed test). */
int fixture_setup(void **state);
int fixture_teardown(void **state);

/* "tcp://127.0.0.1:PORT" of a free loopback port into out[size] (a broker
 * --pub endpoint). 0, or -1 if no port could be had. */
int fixture_tcp_endpoint(char *out, size_t size);
#endif
