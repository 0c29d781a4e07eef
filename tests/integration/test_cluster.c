/*  test_cluster.c - Lode on a real Redis Cluster (3 masters + 3 replicas
 *  on loopback, rcluster.h): the broker, one worker per stage and the CLI
 *  all given --redis redis+cluster://… and a store of 8 partitions
 *  ($LODE_PARTITIONS, inherited by every program); a batch of documents through the
 *  four stages, list, status, stats, a dead letter and its retry, and a
 *  master killed with SIGKILL in the middle of a batch (its replica is
 *  promoted; every job still ends done, none lost).
 *  SPDX-License-Identifier: MIT
 */
#include <signal.h>
#include <unistd.h>

#include <jansson.h>

#include "cluster.h"
#include "mem.h"
#include "rcl.h"
#include "rcluster.h"
#include "store.h"
#include "test.h"

#define N_DOCS   6
#define LIMIT_MS 90000

typedef struct {
    rcluster_t *rc;
    cluster_t *c;
    char *prose;
} s_fix_t;

static int s_setup(void **state)
{
    if (!rcluster_available()) {
        fprintf(stderr, "test_cluster: redis-server/redis-cli missing (deploy/deps.sh)\n");
        return -1;
    }
    s_fix_t *f = mem_calloc(1, sizeof *f);
    err_t err = {0};
    setenv("LODE_PARTITIONS", "8", 1);
    f->rc = rcluster_new(3, 1, &err);
    /* Short leases: a job whose worker could not write while the master
     * was down is dispatched again within seconds, not a minute. */
    static const char *const bargs[] = {"--lease-ms", "4000", NULL};
    cluster_opts_t o = {
        .log_level = "info", .broker_args = bargs, .redis_url = f->rc ? rcluster_url(f->rc) : NULL};
    f->c = f->rc ? cluster_new(&o, &err) : NULL;
    f->prose = cluster_prose(400);
    if (!f->c || !f->prose) {
        fprintf(stderr, "test_cluster: setup: %s\n", err.msg);
        rcluster_destroy(&f->rc);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    s_fix_t *f = *state;
    if (!f)
        return 0;
    cluster_destroy(&f->c);
    rcluster_destroy(&f->rc);
    free(f->prose);
    free(f);
    return 0;
}

/* `lode submit FILE… --json` of n text files; the stdout (caller frees). */
static char *s_submit_files(s_fix_t *f, int n, const char *tag)
{
    const char *argv[N_DOCS + 4] = {"submit", "--json"};
    char *paths[N_DOCS];
    int k = 2;
    for (int i = 0; i < n; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s-%d.txt", tag, i);
        char *body = mem_printf("Document %d of %s.\n\n%s", i, tag, f->prose);
        paths[i] = cluster_write_file(f->c, name, body, strlen(body));
        free(body);
        assert_non_null(paths[i]);
        argv[k++] = paths[i];
    }
    argv[k] = NULL;
    char *out = NULL, *errs = NULL;
    int rc = cluster_run_cliv(f->c, NULL, 0, &out, &errs, argv);
    if (rc != 0)
        fprintf(stderr, "submit: %d %s\n", rc, errs);
    assert_int_equal(rc, 0);
    for (int i = 0; i < n; i++)
        free(paths[i]);
    free(errs);
    return out;
}

/* The batch id and job ids out of submit --json output. */
static void s_ids_of(const char *out, char batch[JOB_ID_SIZE], char (*ids)[JOB_ID_SIZE], int n)
{
    json_t *j = json_loads(out, 0, NULL);
    assert_non_null(j);
    const char *b = json_string_value(json_object_get(j, "batch"));
    assert_non_null(b);
    snprintf(batch, JOB_ID_SIZE, "%s", b);
    json_t *jobs = json_object_get(j, "jobs");
    assert_int_equal(json_array_size(jobs), (size_t)n);
    for (int i = 0; i < n; i++)
        snprintf(ids[i], JOB_ID_SIZE, "%s", json_string_value(json_array_get(jobs, (size_t)i)));
    json_decref(j);
}

static int s_wait(s_fix_t *f, const char *what, char **out)
{
    char *errs = NULL;
    int rc = cluster_run_cli(f->c, NULL, out, &errs, "wait", what, "--timeout", "25", NULL);
    if (rc != 0)
        fprintf(stderr, "wait %s: %d %s\n", what, rc, errs);
    free(errs);
    return rc;
}

static void test_a_batch_runs_through_every_stage_on_a_cluster(void **state)
{
    s_fix_t *f = *state;
    cluster_mark_begin(f->c);
    char *json = s_submit_files(f, N_DOCS, "plain");
    char batch[JOB_ID_SIZE], ids[N_DOCS][JOB_ID_SIZE];
    s_ids_of(json, batch, ids, N_DOCS);
    char *out = NULL;
    assert_int_equal(s_wait(f, batch, &out), 0);
    free(out);
    /* Every document is complete and its quotes are the transcript's. */
    for (int i = 0; i < N_DOCS; i++) {
        char *doc = cluster_export_json(f->c, ids[i]);
        assert_non_null(doc);
        assert_true(cluster_doc_check(doc, false) > 0);
        free(doc);
    }
    /* The batch was spread: its jobs are on more than one master. */
    err_t err = {0};
    store_opts_t so = {.url = rcluster_url(f->rc), .timeout_ms = 2000};
    store_t *st = store_new(&so, &err);
    assert_non_null(st);
    assert_int_equal(store_partitions(st), 8);
    char nodes[N_DOCS][64];
    int distinct = 0;
    for (int i = 0; i < N_DOCS; i++) {
        const char *node = NULL;
        (void)store_job_partition(st, ids[i], &node);
        assert_non_null(node);
        snprintf(nodes[i], sizeof nodes[i], "%s", node);
        bool seen = false;
        for (int k = 0; k < i; k++)
            seen = seen || strcmp(nodes[k], nodes[i]) == 0;
        distinct += !seen;
    }
    assert_true(distinct >= 2);
    store_destroy(&st);
    /* The whole store: list and the counters see every job. */
    char *errs = NULL;
    assert_int_equal(cluster_run_cli(f->c, NULL, &out, &errs, "list", NULL), 0);
    assert_true(strlen(out) > (size_t)N_DOCS * JOB_ID_LEN);
    free(out);
    free(errs);
    assert_int_equal(cluster_run_cli(f->c, NULL, &out, &errs, "status", NULL), 0);
    assert_non_null(strstr(out, "done"));
    free(out);
    free(errs);
    /* One job's status names its partition and the node serving it. */
    assert_int_equal(cluster_run_cli(f->c, NULL, &out, &errs, "status", ids[0], NULL), 0);
    assert_non_null(strstr(out, "partition "));
    assert_non_null(strstr(out, " of 8 on 127.0.0.1:"));
    free(out);
    free(errs);
    free(json);
    cluster_mark_ok(f->c);
}

static void test_a_dead_letter_is_listed_and_retried_on_a_cluster(void **state)
{
    s_fix_t *f = *state;
    cluster_mark_begin(f->c);
    char *path = cluster_write_file(f->c, "empty.txt", "   \n", 4);
    char *out = NULL, *errs = NULL;
    assert_int_equal(cluster_run_cli(f->c, NULL, &out, &errs, "submit", path, NULL), 0);
    char id[JOB_ID_SIZE];
    memcpy(id, out, JOB_ID_LEN);
    id[JOB_ID_LEN] = '\0';
    free(out);
    free(errs);
    int rc = s_wait(f, id, &out);
    assert_int_equal(rc, 4); /* failed */
    free(out);
    assert_int_equal(cluster_run_cli(f->c, NULL, &out, &errs, "dead", NULL), 0);
    assert_non_null(strstr(out, id));
    free(out);
    free(errs);
    assert_int_equal(cluster_run_cli(f->c, NULL, &out, &errs, "retry", id, NULL), 0);
    free(out);
    free(errs);
    assert_int_equal(s_wait(f, id, &out), 4); /* fails again: still empty */
    free(out);
    free(path);
    cluster_mark_ok(f->c);
}

/* All the slots of the master holding partition 0 move to another master
 * (redis-cli --cluster reshard) while a batch runs: MOVED and ASK (and
 * TRYAGAIN) are met and followed or retried, and every job ends done. */
static void test_a_reshard_mid_batch_loses_no_job(void **state)
{
    s_fix_t *f = *state;
    cluster_mark_begin(f->c);
    unsigned slot = rcl_key_slot("lode:{p0}:", 10);
    int from = rcluster_master_of(f->rc, slot);
    int to = -1;
    for (unsigned s = 0; s < 16384 && to < 0; s += 1000) {
        int m = rcluster_master_of(f->rc, s);
        if (m >= 0 && m != from)
            to = m;
    }
    assert_true(from >= 0 && to >= 0);
    char *id_from = rcluster_str(f->rc, from, "CLUSTER MYID");
    char *id_to = rcluster_str(f->rc, to, "CLUSTER MYID");
    assert_non_null(id_from);
    assert_non_null(id_to);
    char addr[32], count[16];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", rcluster_port(f->rc, from));
    snprintf(count, sizeof count, "%d", rcluster_slot_count(f->rc, from));
    assert_int_equal(cluster_signal_worker(f->c, 0, 0, SIGSTOP, 0), -1);
    char *json = s_submit_files(f, N_DOCS, "reshard");
    char batch[JOB_ID_SIZE], ids[N_DOCS][JOB_ID_SIZE];
    s_ids_of(json, batch, ids, N_DOCS);
    assert_int_equal(cluster_signal_worker(f->c, 0, 0, SIGCONT, 0), -1);
    const char *argv[] = {"--cluster", "reshard",       addr,  "--cluster-from",
                          id_from,     "--cluster-to",  id_to, "--cluster-slots",
                          count,       "--cluster-yes", NULL};
    assert_int_equal(rcluster_cli(f->rc, 120000, argv), 0);
    assert_int_equal(rcluster_master_of(f->rc, slot), to);
    char *out = NULL;
    assert_int_equal(s_wait(f, batch, &out), 0);
    free(out);
    /* And the store keeps working on the new layout, and after the slots
     * went back (the failover test wants three masters with slots). */
    char *more = s_submit_files(f, 2, "after-reshard");
    s_ids_of(more, batch, ids, 2);
    assert_int_equal(s_wait(f, batch, &out), 0);
    free(out);
    free(more);
    snprintf(addr, sizeof addr, "127.0.0.1:%d", rcluster_port(f->rc, to));
    const char *back[] = {"--cluster", "reshard",       addr,    "--cluster-from",
                          id_to,       "--cluster-to",  id_from, "--cluster-slots",
                          count,       "--cluster-yes", NULL};
    assert_int_equal(rcluster_cli(f->rc, 120000, back), 0);
    assert_true(rcluster_slot_count(f->rc, from) > 0);
    more = s_submit_files(f, 2, "moved-back");
    s_ids_of(more, batch, ids, 2);
    assert_int_equal(s_wait(f, batch, &out), 0);
    free(out);
    free(more);
    free(json);
    free(id_from);
    free(id_to);
    cluster_mark_ok(f->c);
}

/* The master holding partition 0 (and others) dies while a batch runs:
 * the broker and workers find the promoted replica and every job ends
 * done; the partitions on the other masters went on meanwhile. */
static void test_a_killed_master_mid_batch_loses_no_job(void **state)
{
    s_fix_t *f = *state;
    cluster_mark_begin(f->c);
    unsigned slot = rcl_key_slot("lode:{p0}:", 10);
    int master = rcluster_master_of(f->rc, slot);
    assert_true(master >= 0);
    char *json = s_submit_files(f, N_DOCS, "failover");
    char batch[JOB_ID_SIZE], ids[N_DOCS][JOB_ID_SIZE];
    s_ids_of(json, batch, ids, N_DOCS);
    /* Acknowledged writes reach the replica before the kill (WAIT). */
    assert_true(rcluster_int(f->rc, master, "WAIT 1 900") >= 0);
    usleep(300 * 1000); /* dispatched to the stopped worker */
    rcluster_kill(f->rc, master, SIGKILL);
    assert_int_equal(cluster_signal_worker(f->c, 0, 0, SIGCONT, 0), -1);
    assert_true(rcluster_wait_ok(f->rc, slot, 20000));
    char *out = NULL;
    assert_int_equal(s_wait(f, batch, &out), 0);
    free(out);
    assert_true(cluster_broker_alive(f->c));
    /* Each reached done exactly once (completions counts arrivals). */
    err_t err = {0};
    store_opts_t so = {.url = rcluster_url(f->rc), .timeout_ms = 2000};
    store_t *st = store_new(&so, &err);
    assert_non_null(st);
    for (int i = 0; i < N_DOCS; i++) {
        char key[96];
        snprintf(key, sizeof key, "lode:{p%d}:job:%.26s", store_job_partition(st, ids[i], NULL),
                 ids[i]);
        int m = rcluster_master_of(f->rc, rcl_key_slot(key, strlen(key)));
        char *completions = rcluster_str(f->rc, m, "HGET %s completions", key);
        assert_non_null(completions);
        assert_string_equal(completions, "1");
        free(completions);
    }
    store_destroy(&st);
    free(json);
    cluster_mark_ok(f->c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_batch_runs_through_every_stage_on_a_cluster),
        cmocka_unit_test(test_a_dead_letter_is_listed_and_retried_on_a_cluster),
        cmocka_unit_test(test_a_reshard_mid_batch_loses_no_job),
        cmocka_unit_test(test_a_killed_master_mid_batch_loses_no_job),
    };
    return cluster_main_result(cmocka_run_group_tests(tests, s_setup, s_teardown));
}
