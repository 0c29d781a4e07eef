/*  test_search_cluster.c - the search index and the library's pages on a
 *  real Redis Cluster (3 masters + 3 replicas, tests/helpers/rcluster.h)
 *  with eight partitions: every index key lives on the master of its
 *  partition's slot, a search and the library come newest first across
 *  partitions (so across nodes), each job once, and a curation edit is
 *  found after the next indexing pass.
 *  SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <unistd.h>

#include "docfix.h"
#include "jobdoc.h"
#include "mem.h"
#include "rcl.h"
#include "rcluster.h"
#include "searchidx.h"
#include "store.h"
#include "test.h"

#define PARTS 8
#define N     16

static rcluster_t *s_rc;
static store_t *s_st;
static searchidx_t *s_idx;
static char s_ids[N][JOB_ID_SIZE];

static int s_setup(void **state)
{
    (void)state;
    if (!rcluster_available())
        return fprintf(stderr, "no redis-server with cluster support\n"), -1;
    err_t err = {0};
    s_rc = rcluster_new(3, 1, &err);
    store_opts_t o = {.url = s_rc ? rcluster_url(s_rc) : "",
                      .prefix = "sc:",
                      .timeout_ms = 5000,
                      .partitions = PARTS};
    s_st = s_rc ? store_new(&o, &err) : NULL;
    if (!s_st)
        return fprintf(stderr, "setup: %s\n", err.msg), -1;
    s_idx = searchidx_new();
    for (int i = 0; i < N; i++) {
        char title[64];
        snprintf(title, sizeof title, "Cluster document %d%s", i, i % 2 ? " about otters" : "");
        docfix_opts_t d = {.title = title};
        if (docfix_job(s_st, &d, s_ids[i], &err) != 0)
            return fprintf(stderr, "docfix: %s\n", err.msg), -1;
        usleep(2000); /* newest first is by the millisecond: one job per tick */
    }
    size_t n = 0;
    if (searchidx_rebuild(s_idx, s_st, &n, &err) != 0 || n != N)
        return fprintf(stderr, "reindex: %zu, %s\n", n, err.msg), -1;
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    searchidx_destroy(&s_idx);
    store_destroy(&s_st);
    rcluster_destroy(&s_rc);
    return 0;
}

/* Every page of o (limit 3) into ids; newest first by id. */
static size_t s_pages(store_page_opts_t *o, char (*ids)[JOB_ID_SIZE], size_t max)
{
    store_row_t rows[3];
    store_page_t *page = mem_calloc(1, sizeof *page);
    char cursor[STORE_CURSOR_MAX] = "";
    size_t n = 0;
    for (int pages = 0; pages < 100; pages++) {
        err_t err = {0};
        o->cursor = cursor;
        o->limit = 3;
        if (store_library_page(s_st, o, rows, page, &err) != 0)
            fail_msg("page: %s", err.msg);
        for (size_t i = 0; i < page->n; i++) {
            assert_true(n < max);
            if (n > 0)
                assert_true(strcmp(rows[i].id, ids[n - 1]) < 0);
            memcpy(ids[n++], rows[i].id, JOB_ID_SIZE);
        }
        if (!page->next[0])
            break;
        snprintf(cursor, sizeof cursor, "%s", page->next);
    }
    free(page);
    return n;
}

static void test_index_keys_live_on_their_partitions_master(void **state)
{
    (void)state;
    for (int i = 0; i < N; i++) {
        char key[128];
        int p = store_job_partition(s_st, s_ids[i], NULL);
        int n = snprintf(key, sizeof key, "sc:{p%d}:ix:doc:%s", p, s_ids[i]);
        int m = rcluster_master_of(s_rc, rcl_key_slot(key, (size_t)n));
        assert_int_equal(rcluster_int(s_rc, m, "EXISTS %s", key), 1);
    }
}

static void test_search_and_library_are_newest_first_across_nodes(void **state)
{
    (void)state;
    char ids[N + 4][JOB_ID_SIZE];
    store_page_opts_t o = {0};
    searchidx_query(s_idx, "otter", &o);
    assert_int_equal(s_pages(&o, ids, N + 4), N / 2);
    for (int i = 0; i < N / 2; i++) /* docfix made them one after another */
        assert_string_equal(ids[i], s_ids[N - 1 - 2 * i]);
    store_page_opts_t all = {0};
    assert_int_equal(s_pages(&all, ids, N + 4), N);
    for (int i = 0; i < N; i++)
        assert_string_equal(ids[i], s_ids[N - 1 - i]);
}

static void test_a_curation_edit_is_found_after_a_pass(void **state)
{
    (void)state;
    store_job_t job;
    int64_t version = 0, saved = 0;
    err_t err = {0};
    doc_t *doc = jobdoc_load_versioned(s_st, s_ids[0], &job, &version, &err);
    assert_non_null(doc);
    assert_int_equal(doc_edit_commentary(doc, 1, "Beavers build dams", &err), 0);
    assert_int_equal(
        jobdoc_save(s_st, doc, &(jobdoc_save_t){s_ids[0], version, "edit"}, &saved, &err), 0);
    doc_destroy(&doc);
    store_job_clear(&job);
    char ids[N + 4][JOB_ID_SIZE];
    store_page_opts_t o = {0};
    searchidx_query(s_idx, "beaver", &o);
    assert_int_equal(s_pages(&o, ids, N + 4), 0);
    assert_int_equal(searchidx_pass(s_idx, s_st, 20, NULL, NULL, &err), 0);
    searchidx_query(s_idx, "beavers dam", &o);
    assert_int_equal(s_pages(&o, ids, N + 4), 1);
    assert_string_equal(ids[0], s_ids[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index_keys_live_on_their_partitions_master),
        cmocka_unit_test(test_search_and_library_are_newest_first_across_nodes),
        cmocka_unit_test(test_a_curation_edit_is_found_after_a_pass),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
