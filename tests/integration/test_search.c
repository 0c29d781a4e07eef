/*  test_search.c - the library's search index and its newest-first pages on
 *  a real redis-server, on one partition and on eight: words found by stem
 *  in English and German and by bigram in Japanese; a curation edit through
 *  the real CLI changes what is found; unfinished jobs wait and join when
 *  they finish, and a retried one is indexed again when it ends; a deleted
 *  job leaves the index; pages over eight partitions
 *  come newest first across them, each job once, with filters and a small
 *  scan budget; malformed cursors are refused.
 *  SPDX-License-Identifier: MIT
 */
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cluster.h"
#include "docfix.h"
#include "job.h"
#include "mem.h"
#include "searchidx.h"
#include "store.h"
#include "test.h"

#define PARTS 8

typedef struct {
    cluster_t *c;
    store_t *one;   /* prefix lode:, one partition (what the CLI sees) */
    store_t *eight; /* prefix p8:, eight partitions */
    searchidx_t *idx;
} s_fix_t;

static s_fix_t s_f;

static int s_setup(void **state)
{
    (void)state;
    err_t err = {0};
    cluster_opts_t co = {.no_workers = true};
    s_f.c = cluster_new(&co, &err);
    if (!s_f.c)
        return fprintf(stderr, "cluster: %s\n", err.msg), -1;
    store_opts_t a = {.url = cluster_redis_url(s_f.c), .timeout_ms = 5000};
    store_opts_t b = {
        .url = cluster_redis_url(s_f.c), .prefix = "p8:", .timeout_ms = 5000, .partitions = PARTS};
    s_f.one = store_new(&a, &err);
    s_f.eight = s_f.one ? store_new(&b, &err) : NULL;
    if (!s_f.eight)
        return fprintf(stderr, "store: %s\n", err.msg), -1;
    s_f.idx = searchidx_new();
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    searchidx_destroy(&s_f.idx);
    store_destroy(&s_f.one);
    store_destroy(&s_f.eight);
    int reports = s_f.c ? cluster_stop(s_f.c) : 0;
    cluster_destroy(&s_f.c);
    return reports ? -1 : 0;
}

static void s_doc(store_t *st, const char *title, const char *text, char id[JOB_ID_SIZE])
{
    docfix_opts_t o = {.title = title, .transcript = text, .snippets = text ? 2 : 0};
    err_t err = {0};
    if (docfix_job(st, &o, id, &err) != 0)
        fail_msg("docfix: %s", err.msg);
    usleep(2000); /* newest first is by the millisecond: one job per tick */
}

/* Index until nothing is left; the jobs indexed. */
static size_t s_index(store_t *st)
{
    size_t total = 0;
    for (int round = 0; round < 100; round++) {
        size_t n = 0, left = 0;
        err_t err = {0};
        if (searchidx_pass(s_f.idx, st, 50, &n, &left, &err) != 0)
            fail_msg("index: %s", err.msg);
        total += n;
        if (n == 0 && left == 0)
            return total;
    }
    fail_msg("the indexer never ran out of work");
    return total;
}

/* Every page of o into ids (room for max); checks the order as it goes
 * (by id for a search, by time then id for the library). Returns the rows. */
static size_t s_pages(store_t *st, store_page_opts_t *o, char (*ids)[JOB_ID_SIZE], size_t max)
{
    store_row_t rows[16];
    store_page_t *page = mem_calloc(1, sizeof *page);
    char cursor[STORE_CURSOR_MAX] = "";
    size_t n = 0;
    int64_t last_ms = INT64_MAX;
    for (int pages = 0; pages < 500; pages++) {
        err_t err = {0};
        o->cursor = cursor;
        assert_true(o->limit <= 16);
        if (store_library_page(st, o, rows, page, &err) != 0)
            fail_msg("page: %s", err.msg);
        for (size_t i = 0; i < page->n; i++) {
            assert_true(n < max);
            if (n > 0 && o->search)
                assert_true(strcmp(rows[i].id, ids[n - 1]) < 0);
            if (n > 0 && !o->search)
                assert_true(rows[i].created_ms < last_ms ||
                            (rows[i].created_ms == last_ms && strcmp(rows[i].id, ids[n - 1]) < 0));
            last_ms = rows[i].created_ms;
            memcpy(ids[n++], rows[i].id, JOB_ID_SIZE);
        }
        if (!page->next[0]) {
            free(page);
            return n;
        }
        snprintf(cursor, sizeof cursor, "%s", page->next);
    }
    fail_msg("paging never ended");
    return n;
}

static size_t s_search(store_t *st, const char *q, char (*ids)[JOB_ID_SIZE], size_t max)
{
    store_page_opts_t o = {.limit = 5};
    searchidx_query(s_f.idx, q, &o);
    return s_pages(st, &o, ids, max);
}

static bool s_in(char (*ids)[JOB_ID_SIZE], size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(ids[i], id) == 0)
            return true;
    return false;
}

static void test_words_are_found_in_any_language(void **state)
{
    (void)state;
    char en[JOB_ID_SIZE], de[JOB_ID_SIZE], ja[JOB_ID_SIZE], ids[8][JOB_ID_SIZE];
    s_doc(s_f.one, "Sample efficiency of learners", NULL, en);
    s_doc(s_f.one, "Die Größe der Sprachmodelle wächst mit den Daten", NULL, de);
    s_doc(s_f.one, "機械学習の未来", NULL, ja);
    assert_true(s_index(s_f.one) >= 3);
    assert_int_equal(s_search(s_f.one, "efficient", ids, 8), 1);
    assert_string_equal(ids[0], en);
    assert_int_equal(s_search(s_f.one, "EFFICIENCY learner", ids, 8), 1);
    assert_int_equal(s_search(s_f.one, "Sprachmodell", ids, 8), 1);
    assert_string_equal(ids[0], de);
    assert_int_equal(s_search(s_f.one, "größe daten", ids, 8), 1);
    assert_int_equal(s_search(s_f.one, "学習", ids, 8), 1);
    assert_string_equal(ids[0], ja);
    assert_int_equal(s_search(s_f.one, "機械学習", ids, 8), 1);
    assert_int_equal(s_search(s_f.one, "efficient Sprachmodell", ids, 8), 0);
    assert_int_equal(s_search(s_f.one, "the", ids, 8), 0); /* stopwords alone: nothing */
    /* The real CLI, through the same index. */
    char *out = NULL;
    assert_int_equal(cluster_run_cli(s_f.c, NULL, &out, NULL, "search", "--json", "learners", NULL),
                     0);
    assert_non_null(strstr(out, en));
    assert_null(strstr(out, de));
    free(out);
    assert_int_equal(cluster_run_cli(s_f.c, NULL, NULL, NULL, "search", "the", NULL), 2);
}

static void test_curation_through_the_cli_changes_what_is_found(void **state)
{
    (void)state;
    /* 300 bytes of "lorem ": docfix quotes 40 bytes at 100 and at 200. */
    char text[301];
    for (size_t i = 0; i < 300; i += 6)
        memcpy(text + i, "lorem ", 6);
    memcpy(text + 102, "zebra ", 6);
    memcpy(text + 204, "koala ", 6);
    text[300] = '\0';
    char id[JOB_ID_SIZE], *out = NULL;
    s_doc(s_f.one, "Curation fixture", text, id);
    s_index(s_f.one);
    assert_int_equal(cluster_run_cli(s_f.c, NULL, &out, NULL, "search", "zebra", NULL), 0);
    assert_non_null(strstr(out, id));
    free(out);
    assert_int_equal(cluster_run_cli(s_f.c, NULL, NULL, NULL, "drop", id, "1", NULL), 0);
    /* The edit marked the job for the indexer, on no worker's path. */
    assert_int_equal(cluster_redis_int(s_f.c, "SISMEMBER lode:ix:dirty %s", id), 1);
    assert_int_equal(cluster_run_cli(s_f.c, NULL, &out, NULL, "search", "zebra", NULL), 0);
    assert_null(strstr(out, id));
    free(out);
    assert_int_equal(cluster_redis_int(s_f.c, "SISMEMBER lode:ix:dirty %s", id), 0);
    assert_int_equal(
        cluster_run_cli(s_f.c, NULL, NULL, NULL, "edit", id, "2", "--set", "Zanzibar spices", NULL),
        0);
    assert_int_equal(cluster_run_cli(s_f.c, NULL, &out, NULL, "search", "zanzibar", NULL), 0);
    assert_non_null(strstr(out, id));
    free(out);
    assert_int_equal(cluster_run_cli(s_f.c, NULL, &out, NULL, "search", "koala", NULL), 0);
    assert_non_null(strstr(out, id)); /* the kept snippet still counts */
    free(out);
    /* lode admin reindex walks everything again and finds the same. */
    assert_int_equal(cluster_run_cli(s_f.c, NULL, &out, NULL, "admin", "reindex", "--json", NULL),
                     0);
    assert_non_null(strstr(out, "\"indexed\":"));
    free(out);
    char ids[4][JOB_ID_SIZE];
    assert_int_equal(s_search(s_f.one, "zebra", ids, 4), 0);
    assert_int_equal(s_search(s_f.one, "zanzibar", ids, 4), 1);
}

static void test_the_library_row_of_a_compressed_document(void **state)
{
    (void)state;
    char id[JOB_ID_SIZE];
    docfix_opts_t d = {.title = "A long talk", .words = 3000, .snippets = 20};
    err_t err = {0};
    assert_int_equal(docfix_job(s_f.one, &d, id, &err), 0);
    store_row_t row;
    store_page_t *pg = mem_calloc(1, sizeof *pg);
    store_page_opts_t o = {.limit = 1};
    assert_int_equal(store_library_page(s_f.one, &o, &row, pg, &err), 0);
    assert_string_equal(row.id, id);
    fprintf(stderr, "before indexing: title \"%s\", %lld snippets\n", row.title,
            (long long)row.snippets);
    /* The snippets part is zstd-compressed (over 1 kB), which the page's
     * Lua cannot read; the index keeps what the row needs. */
    s_index(s_f.one);
    assert_int_equal(store_library_page(s_f.one, &o, &row, pg, &err), 0);
    assert_string_equal(row.id, id);
    assert_string_equal(row.title, "A long talk");
    assert_int_equal(row.snippets, 20);
    free(pg);
}

static void test_library_is_newest_first_across_partitions(void **state)
{
    (void)state;

    enum { N = 40 };

    char made[N][JOB_ID_SIZE], batch[JOB_ID_SIZE];
    bool part_seen[PARTS] = {0};
    for (int i = 0; i < N; i++) {
        store_item_t it = {.kind = i % 2 ? "file" : "text", .body = "some words", .body_len = 10};
        err_t err = {0};
        assert_int_equal(store_submit(s_f.eight, "lib", &it, 1, &made[i], batch, &err), 0);
        part_seen[store_job_partition(s_f.eight, made[i], NULL)] = true;
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
    int parts = 0;
    for (int p = 0; p < PARTS; p++)
        parts += part_seen[p];
    assert_true(parts >= 4);
    /* The store also holds the previous test's 24 documents, older. */
    static char ids[N + 64][JOB_ID_SIZE];
    store_page_opts_t o = {.limit = 7};
    assert_int_equal(s_pages(s_f.eight, &o, ids, N + 64), N + 24);
    for (int i = 0; i < N; i++) /* the newest first, in order, across partitions */
        assert_string_equal(ids[i], made[N - 1 - i]);
    /* A filter with a scan budget of 2 ids a partition: still each file job
     * once, newest first. */
    store_page_opts_t f = {.kind = "file", .limit = 3, .scan_max = 2};
    assert_int_equal(s_pages(s_f.eight, &f, ids, N + 64), N / 2);
    for (int i = 0; i < N / 2; i++)
        assert_string_equal(ids[i], made[N - 1 - 2 * i]);
    /* A job submitted while a person pages comes in above: the next pages
     * neither repeat nor skip a row. */
    store_row_t first[7];
    store_page_t *pg = mem_calloc(1, sizeof *pg);
    err_t e = {0};
    store_page_opts_t o1 = {.limit = 7};
    assert_int_equal(store_library_page(s_f.eight, &o1, first, pg, &e), 0);
    assert_int_equal(pg->n, 7);
    char late[1][JOB_ID_SIZE];
    store_item_t it = {.kind = "text", .body = "late", .body_len = 4};
    assert_int_equal(store_submit(s_f.eight, "late", &it, 1, late, batch, &e), 0);
    store_page_opts_t rest = {.limit = 7, .cursor = pg->next};
    static char more[N + 64][JOB_ID_SIZE];
    char cur[STORE_CURSOR_MAX];
    snprintf(cur, sizeof cur, "%s", pg->next);
    rest.cursor = cur;
    size_t n_more = 0;
    for (;;) { /* s_pages from a cursor */
        store_row_t r7[7];
        assert_int_equal(store_library_page(s_f.eight, &rest, r7, pg, &e), 0);
        for (size_t i = 0; i < pg->n; i++)
            memcpy(more[n_more++], r7[i].id, JOB_ID_SIZE);
        if (!pg->next[0])
            break;
        snprintf(cur, sizeof cur, "%s", pg->next);
    }
    assert_int_equal(n_more, N + 24 - 7);
    assert_false(s_in(more, n_more, late[0]));
    for (int i = 0; i < 7; i++)
        assert_false(s_in(more, n_more, first[i].id));
    free(pg);
    /* A batch's jobs share one creation time: ties are paged by id, each
     * once, even four at a time over eight partitions. */
    store_item_t many[30];
    char tied[30][JOB_ID_SIZE];
    for (int i = 0; i < 30; i++)
        many[i] = (store_item_t){.kind = "text", .body = "tie", .body_len = 3};
    assert_int_equal(store_submit(s_f.eight, "ties", many, 30, tied, batch, &e), 0);
    store_page_opts_t t4 = {.limit = 4};
    assert_int_equal(s_pages(s_f.eight, &t4, ids, N + 64), N + 24 + 1 + 30);
    for (int i = 0; i < 30; i++)
        assert_true(s_in(ids, 30, tied[i])); /* the newest 30 rows */
    /* `lode list` pages the same way: the newest first across partitions. */
    char *out = NULL;
    assert_int_equal(cluster_run_cli(s_f.c, NULL, &out, NULL, "--prefix", "p8:", "list", "--limit",
                                     "12", "--state", "queued", NULL),
                     0);
    const char *at = out;
    for (int i = 0; i < 12; i++) { /* in order: each line after the last */
        const char *hit = strstr(at, ids[i]);
        assert_non_null(hit);
        at = hit;
    }
    assert_null(strstr(out, ids[12]));
    free(out);
    /* Malformed cursors. */
    store_row_t rows[2];
    store_page_t *page = mem_calloc(1, sizeof *page);
    static const char *const bad[] = {"x",
                                      "1.2",
                                      "1.2.3.4.5.6.7.8.9",
                                      "1.2.3.4.5.6.7.x",
                                      "nan:1.0.0.0.0.0.0.0",
                                      "(5:0.0.0.0.0.0.0.0",
                                      "ee:1.0.0.0.0.0.0.0"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err_t err = {0};
        store_page_opts_t b = {.limit = 2, .cursor = bad[i]};
        assert_int_equal(store_library_page(s_f.eight, &b, rows, page, &err), -1);
        assert_int_equal(err.code, LODE_EINVAL);
    }
    err_t err = {0};
    store_page_opts_t s = {.limit = 2, .cursor = "not-an-id", .search = true};
    assert_int_equal(store_library_page(s_f.eight, &s, rows, page, &err), -1);
    free(page);
}

static void test_search_pages_across_partitions(void **state)
{
    (void)state;

    enum { N = 24 };

    char made[N][JOB_ID_SIZE], title[64];
    for (int i = 0; i < N; i++) {
        snprintf(title, sizeof title, "Common theme %d%s", i, i % 3 ? "" : " with a rare word");
        s_doc(s_f.eight, title, NULL, made[i]);
    }
    s_index(s_f.eight);
    /* Every key of partition N carries its hash tag. */
    int p = store_job_partition(s_f.eight, made[0], NULL);
    assert_int_equal(cluster_redis_int(s_f.c, "EXISTS p8:{p%d}:ix:doc:%s", p, made[0]), 1);
    char *score = cluster_redis_str(s_f.c, "ZSCORE p8:{p%d}:ix:w:common %s", p, made[0]);
    assert_non_null(score);
    free(score);
    static char ids[N + 8][JOB_ID_SIZE];
    assert_int_equal(s_search(s_f.eight, "common themes", ids, N + 8), N);
    for (int i = 0; i < N; i++)
        assert_true(s_in(ids, N, made[i]));
    store_page_opts_t o = {.limit = 3, .scan_max = 2};
    searchidx_query(s_f.idx, "rare theme", &o);
    assert_int_equal(s_pages(s_f.eight, &o, ids, N + 8), N / 3);
    for (int i = 0; i < N; i += 3)
        assert_true(s_in(ids, N / 3, made[i]));
}

static void test_unfinished_jobs_wait_then_join_and_deleted_ones_leave(void **state)
{
    (void)state;
    char id[JOB_ID_SIZE], batch[JOB_ID_SIZE], ids[4][JOB_ID_SIZE];
    store_item_t it = {.kind = "text", .body = "platypus", .body_len = 8};
    err_t err = {0};
    assert_int_equal(store_submit(s_f.one, "wait", &it, 1, &id, batch, &err), 0);
    s_index(s_f.one);
    assert_int_equal(cluster_redis_int(s_f.c, "ZRANK lode:ix:wait %s", id), 0);
    const char *src = "{\"title\":\"Platypus facts\"}";
    assert_int_equal(store_part_set(s_f.one, id, STORE_PART_SOURCE, src, strlen(src), &err), 0);
    assert_int_equal(s_search(s_f.one, "platypus", ids, 4), 0); /* not finished yet */
    cluster_redis_int(s_f.c, "HSET lode:job:%s state done", id);
    assert_true(s_index(s_f.one) >= 1);
    assert_int_equal(s_search(s_f.one, "platypus", ids, 4), 1);
    assert_int_equal(cluster_redis_int(s_f.c, "ZCARD lode:ix:wait"), 0);
    /* Deleted: not shown, and the next pass drops its postings. */
    cluster_redis_int(s_f.c, "DEL lode:job:%s", id);
    assert_int_equal(s_search(s_f.one, "platypus", ids, 4), 0);
    s_index(s_f.one);
    assert_int_equal(cluster_redis_int(s_f.c, "EXISTS lode:ix:doc:%s", id), 0);
    assert_int_equal(cluster_redis_int(s_f.c, "EXISTS lode:ix:w:platypus"), 0);
    cluster_redis_int(s_f.c, "LREM lode:queue:fetch 0 %s", id);
}

static void test_a_retried_job_is_indexed_again_when_it_ends(void **state)
{
    (void)state;
    char id[JOB_ID_SIZE], batch[JOB_ID_SIZE], ids[4][JOB_ID_SIZE];
    store_item_t it = {.kind = "text", .body = "narwhal", .body_len = 7};
    err_t err = {0};
    assert_int_equal(store_submit(s_f.one, "retry", &it, 1, &id, batch, &err), 0);
    const char *src = "{\"title\":\"Narwhal\"}";
    assert_int_equal(store_part_set(s_f.one, id, STORE_PART_SOURCE, src, strlen(src), &err), 0);
    cluster_redis_int(s_f.c, "HSET lode:job:%s state failed error_stage fetch", id);
    s_index(s_f.one);
    assert_int_equal(s_search(s_f.one, "narwhal", ids, 4), 1);
    assert_int_equal(store_retry(s_f.one, id, -1, &err), 1);
    assert_int_equal(cluster_redis_int(s_f.c, "ZRANK lode:ix:wait %s", id), 0);
    const char *done = "{\"title\":\"Narwhal tusks\"}";
    assert_int_equal(store_part_set(s_f.one, id, STORE_PART_SOURCE, done, strlen(done), &err), 0);
    s_index(s_f.one);
    assert_int_equal(s_search(s_f.one, "tusks", ids, 4), 0); /* running again: not yet */
    cluster_redis_int(s_f.c, "HSET lode:job:%s state done", id);
    s_index(s_f.one);
    assert_int_equal(s_search(s_f.one, "tusks", ids, 4), 1);
    cluster_redis_int(s_f.c, "LREM lode:queue:fetch 0 %s", id);
}

/* Wait up to limit_ms for id to be indexed (posting: under "quetzal"). */
static bool s_wait_indexed(int limit_ms, const char *id, bool posting)
{
    for (int waited = 0; waited <= limit_ms; waited += 50) {
        if (posting ? cluster_redis_int(s_f.c, "ZRANK lode:ix:w:quetzal %s", id) >= 0
                    : cluster_redis_int(s_f.c, "EXISTS lode:ix:doc:%s", id) == 1)
            return true;
        usleep(50 * 1000);
    }
    return false;
}

static void test_lode_web_indexes_by_itself_within_its_tick(void **state)
{
    (void)state;
    char lode[512];
    snprintf(lode, sizeof lode, "%s/lode", cluster_bin_dir());
    pid_t web = fork();
    if (web == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (!freopen("/dev/null", "w", stdout))
            _exit(127);
        execl(lode, lode, "--redis", cluster_redis_url(s_f.c), "web", "--listen", "127.0.0.1:0",
              (char *)NULL);
        _exit(127);
    }
    assert_true(web > 0);
    char id[JOB_ID_SIZE];
    s_doc(s_f.one, "Indexed by the web's thread", NULL, id);
    /* No search asks: the thread finds the finished job on its own. */
    bool indexed = s_wait_indexed(5000, id, false);
    assert_int_equal(cluster_run_cli(s_f.c, NULL, NULL, NULL, "edit", id, "1", "--set",
                                     "Quetzal feathers", NULL),
                     0);
    bool edited = s_wait_indexed(3000, id, true);
    kill(web, SIGTERM);
    int status = 0;
    waitpid(web, &status, 0);
    assert_true(indexed);
    assert_true(edited);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_words_are_found_in_any_language),
        cmocka_unit_test(test_curation_through_the_cli_changes_what_is_found),
        cmocka_unit_test(test_the_library_row_of_a_compressed_document),
        cmocka_unit_test(test_search_pages_across_partitions),
        cmocka_unit_test(test_library_is_newest_first_across_partitions),
        cmocka_unit_test(test_unfinished_jobs_wait_then_join_and_deleted_ones_leave),
        cmocka_unit_test(test_a_retried_job_is_indexed_again_when_it_ends),
        cmocka_unit_test(test_lode_web_indexes_by_itself_within_its_tick),
    };
    int failed = cmocka_run_group_tests(tests, s_setup, s_teardown);
    return cluster_main_result(failed);
}
