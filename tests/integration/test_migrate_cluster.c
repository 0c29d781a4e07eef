/*  test_migrate_cluster.c - `lode admin migrate --from redis://…` moves a
 *  one-partition store on a real redis-server into 8 partitions of a real
 *  Redis Cluster (3 masters + 3 replicas): the dry run counts and moves
 *  nothing; the run moves jobs (parts compressed or not), queues, a lease,
 *  a dead letter, the batch and the counters, and empties the source; a
 *  run cut after copying and before deleting is finished by running again
 *  without counting anything twice; a finished run changes nothing; a
 *  target holding another store or another count is refused; the moved
 *  jobs go on through their stages on the cluster.
 *  SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "cluster.h"
#include "rcl.h"
#include "rcluster.h"
#include "store.h"
#include "test.h"

#define PARTS 8
#define NJOBS 30 /* one batch: ids made in one millisecond share a partition */
#define NONE  10 /* one job a batch, a few ms apart: spread over partitions */
#define ALL   (NJOBS + NONE)

static rcluster_t *s_rc;
static cluster_t *s_one;
static char s_leased[JOB_ID_SIZE], s_dead[JOB_ID_SIZE], s_one_ids[NONE][JOB_ID_SIZE];

static store_t *s_store(const char *url, const char *prefix, int parts)
{
    err_t err = {0};
    store_opts_t o = {.url = url, .prefix = prefix, .timeout_ms = 3000, .partitions = parts};
    store_t *st = store_new(&o, &err);
    if (!st)
        fail_msg("store_new %s: %s", url, err.msg);
    return st;
}

/* lode --redis CLUSTER [--prefix P] admin migrate --partitions N --from
 * SINGLE [more…]; exit status, stdout in *out (caller frees). */
static int s_migrate(const char *prefix, const char *parts, const char *more, char **out)
{
    const char *argv[] = {"--prefix",     prefix, "admin",  "migrate",
                          "--partitions", parts,  "--from", cluster_redis_url(s_one),
                          more,           NULL};
    char *errs = NULL;
    int rc = cluster_run_cli_at(rcluster_url(s_rc), "tcp://127.0.0.1:1", NULL, 0, out, &errs, argv);
    if (rc != 0)
        fprintf(stderr, "migrate: exit %d: %s\n", rc, errs ? errs : "");
    free(errs);
    return rc;
}

/* The source: NJOBS jobs in one batch, a compressed and a small part on
 * job 0, job 1 leased, job 2 dead-lettered. */
static void s_source(char (*ids)[JOB_ID_SIZE], char batch[JOB_ID_SIZE], char *big)
{
    store_t *st = s_store(cluster_redis_url(s_one), "lode:", 0);
    store_item_t items[NJOBS];
    for (int i = 0; i < NJOBS; i++)
        items[i] = (store_item_t){.kind = "text", .body = "some text", .body_len = 9};
    err_t err = {0};
    assert_int_equal(store_submit(st, "mig", items, NJOBS, ids, batch, &err), 0);
    for (int i = 0; i < NONE; i++) {
        char b[JOB_ID_SIZE];
        usleep(3000);
        assert_int_equal(store_submit(st, "one", items, 1, &s_one_ids[i], b, &err), 0);
    }
    assert_int_equal(store_part_set(st, ids[0], STORE_PART_SOURCE, "{\"a\":1}", 7, &err), 0);
    assert_int_equal(store_part_set(st, ids[0], STORE_PART_TRANSCRIPT, big, strlen(big), &err), 0);
    /* Two curation writes: the layer and its undo history move with the job. */
    const char *layers[2] = {"{\"v\":1}", "{\"v\":2}"};
    for (int v = 0; v < 2; v++) {
        store_curated_write_t w = {
            .id = ids[0], .expected = v, .data = layers[v], .len = 7, .what = "an edit"};
        assert_int_equal(store_curated_cas(st, &w, NULL, &err), 0);
    }
    char got[2][JOB_ID_SIZE];
    uint32_t attempt;
    for (int k = 0; k < 2; k++)
        assert_int_equal(
            store_dispatch(st, JOB_STAGE_FETCH, job_now_ms() + 600000, "w", got[k], &attempt, &err),
            1);
    /* The second fails for good; the first stays leased. */
    assert_int_equal(
        store_fail(st, got[1], JOB_STAGE_FETCH, attempt, false, LODE_EEMPTY, "x", 0, "w", &err), 1);
    memcpy(s_leased, got[0], JOB_ID_SIZE);
    memcpy(s_dead, got[1], JOB_ID_SIZE);
    store_destroy(&st);
}

/* The cluster store holds everything the source held. */
static void s_check_target(char (*ids)[JOB_ID_SIZE], const char *batch, const char *big)
{
    store_t *st = s_store(rcluster_url(s_rc), "lode:", 0);
    assert_int_equal(store_partitions(st), PARTS);
    err_t err = {0};
    store_stats_t s;
    assert_int_equal(store_stats(st, &s, &err), 0);
    assert_int_equal(s.jobs, ALL);
    assert_int_equal(s.submitted, ALL);
    assert_int_equal(s.queued[JOB_STAGE_FETCH], ALL - 2);
    assert_int_equal(s.in_flight, 1);
    assert_int_equal(s.dead, 1);
    assert_int_equal(s.failed, 1);
    store_batch_t b;
    assert_int_equal(store_batch_get(st, batch, &b, &err), 0);
    assert_int_equal(b.total, NJOBS);
    char *part = store_part_get(st, ids[0], STORE_PART_TRANSCRIPT, NULL, &err);
    assert_non_null(part);
    assert_string_equal(part, big);
    free(part);
    part = store_part_get(st, ids[0], STORE_PART_SOURCE, NULL, &err);
    assert_non_null(part);
    assert_string_equal(part, "{\"a\":1}");
    free(part);
    store_job_t job;
    assert_int_equal(store_job_get(st, s_dead, &job, &err), 0);
    assert_string_equal(job.state, JOB_STATE_FAILED);
    store_job_clear(&job);
    /* Spread: the jobs live on more than one master. */
    const char *first = NULL;
    int other = 0;
    char node0[64] = "";
    for (int i = 0; i < NONE; i++) {
        (void)store_job_partition(st, s_one_ids[i], &first);
        assert_non_null(first);
        if (!node0[0])
            snprintf(node0, sizeof node0, "%s", first);
        other += strcmp(node0, first) != 0;
    }
    assert_true(other > 0);
    store_destroy(&st);
}

/* DUMP key on the cluster, RESTORE it as to on the single server. */
static void s_copy_back(const char *key, const char *to)
{
    int m = rcluster_master_of(s_rc, rcl_key_slot(key, strlen(key)));
    const char *colon = strrchr(cluster_redis_url(s_one), ':');
    struct timeval tv = {2, 0};
    redisContext *a = redisConnectWithTimeout("127.0.0.1", rcluster_port(s_rc, m), tv);
    redisContext *b = redisConnectWithTimeout("127.0.0.1", atoi(colon + 1), tv);
    assert_true(a && !a->err && b && !b->err);
    redisReply *d = redisCommand(a, "DUMP %s", key);
    assert_true(d && d->type == REDIS_REPLY_STRING);
    redisReply *r = redisCommand(b, "RESTORE %s 0 %b REPLACE", to, d->str, d->len);
    assert_true(r && r->type == REDIS_REPLY_STATUS);
    freeReplyObject(r);
    freeReplyObject(d);
    redisFree(a);
    redisFree(b);
}

/* As if a run had been cut after copying and before deleting: the source
 * gets back job 3's hash and id, the dead letter and the counters; the
 * target keeps its markers and forgets its count. */
static void s_cut_run(char (*ids)[JOB_ID_SIZE])
{
    store_t *st = s_store(rcluster_url(s_rc), "lode:", 0);
    int p3 = store_job_partition(st, ids[3], NULL), p2 = store_job_partition(st, s_dead, NULL);
    store_destroy(&st);
    char key[96], to[96];
    snprintf(key, sizeof key, "lode:{p%d}:job:%s", p3, ids[3]);
    snprintf(to, sizeof to, "lode:job:%s", ids[3]);
    s_copy_back(key, to);
    free(cluster_redis_str(s_one, "ZADD lode:jobs 1 %s", ids[3]));
    free(cluster_redis_str(s_one, "RPUSH lode:dead %s", s_dead));
    free(cluster_redis_str(s_one, "HSET lode:stats submitted %d failed 1", ALL));
    int m0 = rcluster_master_of(s_rc, rcl_key_slot("lode:{p0}:", 10));
    free(rcluster_str(s_rc, m0, "SET lode:{p0}:migrating 1"));
    free(rcluster_str(s_rc, m0, "SET lode:{p0}:migrated:stats 1"));
    free(rcluster_str(s_rc, m0, "DEL lode:{p0}:partitions"));
    snprintf(key, sizeof key, "lode:{p%d}:migrated:dead", p2);
    int md = rcluster_master_of(s_rc, rcl_key_slot(key, strlen(key)));
    free(rcluster_str(s_rc, md, "HSET %s %s 1", key, s_dead));
}

/* The curation layer and its undo history came along: an undo on the
 * cluster puts back the layer before the last edit. */
static void s_check_undo(const char *id)
{
    store_t *st = s_store(rcluster_url(s_rc), "lode:", 0);
    err_t err = {0};
    int64_t version = 0;
    char *part = store_curated_get(st, id, NULL, &version, &err);
    assert_non_null(part);
    assert_string_equal(part, "{\"v\":2}");
    free(part);
    store_curated_undone_t undone;
    assert_int_equal(store_curated_undo(st, id, version, &undone, &err), 0);
    part = store_curated_get(st, id, NULL, &version, &err);
    assert_non_null(part);
    assert_string_equal(part, "{\"v\":1}");
    free(part);
    store_destroy(&st);
}

static void test_migrate_moves_a_single_redis_store_onto_a_cluster(void **state)
{
    (void)state;
    char ids[NJOBS][JOB_ID_SIZE], batch[JOB_ID_SIZE];
    char *big = cluster_prose(600);
    assert_non_null(big);
    assert_true(strlen(big) > 2048); /* stored compressed */
    s_source(ids, batch, big);

    char *out = NULL;
    assert_int_equal(s_migrate("lode:", "8", "--dry-run", &out), 0);
    assert_non_null(strstr(out, "would move 40 jobs, 38 queued, 1 leased, 0 delayed, 1 dead, "
                                "11 batches into 8 partitions"));
    free(out);
    assert_int_equal(cluster_redis_int(s_one, "ZCARD lode:jobs"), ALL);

    assert_int_equal(s_migrate("lode:", "8", "--json", &out), 0);
    assert_non_null(strstr(out, "\"jobs\":40"));
    free(out);
    assert_int_equal(cluster_redis_int(s_one, "DBSIZE"), 0); /* the source is empty */
    s_check_target(ids, batch, big);
    s_check_undo(ids[0]);

    /* Cut half way, then run again: finished, nothing counted twice. */
    s_cut_run(ids);
    assert_int_equal(s_migrate("lode:", "8", NULL, &out), 0);
    assert_non_null(strstr(out, "moved 1 jobs, 0 queued, 0 leased, 0 delayed, 1 dead"));
    free(out);
    assert_int_equal(cluster_redis_int(s_one, "DBSIZE"), 0);
    s_check_target(ids, batch, big);

    /* Finished: again changes nothing; another count is refused; a
     * cluster store of 8 partitions needs no move in place. */
    assert_int_equal(s_migrate("lode:", "8", NULL, &out), 0);
    assert_non_null(strstr(out, "moved 0 jobs"));
    free(out);
    assert_int_not_equal(s_migrate("lode:", "4", NULL, &out), 0);
    free(out);
    const char *inplace[] = {"admin", "migrate", "--partitions", "8", NULL};
    assert_int_equal(
        cluster_run_cli_at(rcluster_url(s_rc), "tcp://127.0.0.1:1", NULL, 0, &out, NULL, inplace),
        0);
    free(out);
    s_check_target(ids, batch, big);

    /* The moved jobs go on: the lease is finished, a queued job dispatched. */
    store_t *st = s_store(rcluster_url(s_rc), "lode:", 0);
    err_t err = {0};
    assert_int_equal(store_done(st, s_leased, JOB_STAGE_FETCH, 1, "w", &err), 1);
    char got[JOB_ID_SIZE];
    uint32_t attempt;
    assert_int_equal(
        store_dispatch(st, JOB_STAGE_FETCH, job_now_ms() + 60000, "w", got, &attempt, &err), 1);
    store_destroy(&st);
    free(big);
}

/* A target that holds jobs of another store (no migration under way) is
 * refused, and nothing is taken from the source. */
static void test_migrate_refuses_a_target_holding_another_store(void **state)
{
    (void)state;
    store_t *st = s_store(rcluster_url(s_rc), "other:", 1);
    store_item_t it = {.kind = "text", .body = "x", .body_len = 1};
    char id[JOB_ID_SIZE], batch[JOB_ID_SIZE];
    err_t err = {0};
    assert_int_equal(store_submit(st, "other", &it, 1, &id, batch, &err), 0);
    store_destroy(&st);
    st = s_store(cluster_redis_url(s_one), "other:", 0);
    assert_int_equal(store_submit(st, "src", &it, 1, &id, batch, &err), 0);
    store_destroy(&st);
    char *out = NULL;
    assert_int_not_equal(s_migrate("other:", "8", NULL, &out), 0);
    free(out);
    assert_int_equal(cluster_redis_int(s_one, "ZCARD other:jobs"), 1);
}

static int s_setup(void **state)
{
    (void)state;
    if (!rcluster_available()) {
        fprintf(stderr, "test_migrate_cluster: redis-server/redis-cli missing\n");
        return -1;
    }
    unsetenv("LODE_PARTITIONS");
    err_t err = {0};
    cluster_opts_t co = {.no_workers = true, .log_level = "warn"};
    s_one = cluster_new(&co, &err);
    s_rc = s_one ? rcluster_new(3, 1, &err) : NULL;
    if (!s_rc)
        fprintf(stderr, "setup: %s\n", err.msg);
    return s_rc ? 0 : -1;
}

static int s_teardown(void **state)
{
    (void)state;
    rcluster_destroy(&s_rc);
    if (s_one)
        cluster_mark_ok(s_one);
    cluster_destroy(&s_one);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migrate_moves_a_single_redis_store_onto_a_cluster),
        cmocka_unit_test(test_migrate_refuses_a_target_holding_another_store),
    };
    return cluster_main_result(cmocka_run_group_tests(tests, s_setup, s_teardown));
}
