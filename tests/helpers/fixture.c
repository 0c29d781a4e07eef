/*  fixture.c - the shared cmocka fixture of the integration tests: a
 *  cluster per group, log dumps per failed test, sanitizer reports as a
 *  failed teardown.
 *  SPDX-License-Identifier: MIT
 */
#include "fixture.h"

#include <stdio.h>

cluster_t *fixture_cluster(const cluster_opts_t *opts)
{
    err_t err = {0};
    cluster_t *c = cluster_new(opts, &err);
    if (!c)
        fprintf(stderr, "cluster_new: %s\n", err.msg);
    return c;
}

int fixture_down(cluster_t **c)
{
    int reports = c && *c ? cluster_stop(*c) : 0;
    cluster_destroy(c);
    return reports ? -1 : 0;
}

int fixture_group_start(void **state, const cluster_opts_t *opts)
{
    *state = fixture_cluster(opts);
    return *state ? 0 : -1;
}

int fixture_group_setup(void **state)
{
    return fixture_group_start(state, NULL);
}

int fixture_group_teardown(void **state)
{
    cluster_t *c = *state;
    *state = NULL;
    return fixture_down(&c);
}

int fixture_setup(void **state)
{
    cluster_mark_begin(*state);
    return 0;
}

int fixture_teardown(void **state)
{
    cluster_check(*state);
    return 0;
}

int fixture_tcp_endpoint(char *out, size_t size)
{
    int port = cluster_free_port();
    if (port < 0)
        return -1;
    snprintf(out, size, "tcp://127.0.0.1:%d", port);
    return 0;
}
