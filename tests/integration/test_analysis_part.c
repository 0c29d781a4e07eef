/*  test_analysis_part.c - the analysis the snippet stage stores for the
 *  synthesis and fan-out stages (issue #14 speed), through a real Redis,
 *  broker and workers: the fan-out removes it; a job without one (an older
 *  job, an expired part) still mines; a truncated, corrupt or foreign one
 *  is refused and the stage analyses the text itself; in every case the
 *  stored parts are the very bytes the cluster stored first.
 *  SPDX-License-Identifier: MIT
 */
// clang-format off
#include "test.h"
// clang-format on

#include "cluster.h"
#include "extract.h"
#include "store.h"
#include "transcript.h"
#include "worker.h"

#define JOB_LIMIT_MS 60000

typedef struct {
    cluster_t *c;
    store_t *store;
    char *id;
    char *ref[JOB_STAGE_COUNT]; /* the parts the cluster stored: snippets, synthesis, fanout */
} s_fix_t;

static const char *const s_parts[JOB_STAGE_COUNT] = {NULL, STORE_PART_SNIPPETS,
                                                     STORE_PART_SYNTHESIS, STORE_PART_FANOUT};

static int s_setup(void **state)
{
    err_t err = {0};
    s_fix_t *f = calloc(1, sizeof *f);
    f->c = cluster_new(NULL, &err);
    if (!f->c) {
        fprintf(stderr, "cluster_new: %s\n", err.msg);
        free(f);
        return -1;
    }
    store_opts_t so = {.url = cluster_redis_url(f->c)};
    f->store = store_new(&so, &err);
    *state = f;
    return f->store ? 0 : -1;
}

static int s_teardown(void **state)
{
    s_fix_t *f = *state;
    store_destroy(&f->store);
    int reports = cluster_stop(f->c);
    cluster_destroy(&f->c);
    for (int s = 0; s < JOB_STAGE_COUNT; s++)
        free(f->ref[s]);
    free(f->id);
    free(f);
    return reports ? -1 : 0;
}

static bool s_exists(s_fix_t *f)
{
    return cluster_redis_int(f->c, "EXISTS lode:job:%s:analysis", f->id) == 1;
}

/* Run stage of the job as a worker's job thread does; its part must be
 * the one the cluster stored. */
static void s_run(s_fix_t *f, job_stage_t stage)
{
    err_t err = {0};
    int rc = worker_run_stage(stage, cluster_redis_url(f->c), NULL, f->id, &err);
    if (rc != 0)
        fprintf(stderr, "%s: %s\n", job_stage_name(stage), err.msg);
    assert_int_equal(rc, 0);
    char *part = cluster_part(f->c, f->id, s_parts[stage]);
    assert_non_null(part);
    assert_string_equal(part, f->ref[stage]);
    free(part);
}

static void s_put_analysis(s_fix_t *f, const void *data, size_t len)
{
    err_t err = {0};
    store_put_t put = {STORE_PART_ANALYSIS, data, len, 60000};
    assert_int_equal(store_parts_put(f->store, f->id, 1, &put, &err), 0);
}

static void test_the_stages_share_the_analysis_and_survive_a_bad_one(void **state)
{
    s_fix_t *f = *state;
    cluster_mark_begin(f->c);
    char *text = cluster_prose(2000);
    assert_non_null(text);
    f->id = cluster_submit_text(f->c, text, strlen(text));
    free(text);
    assert_non_null(f->id);
    char *st = cluster_wait_job(f->c, f->id, JOB_LIMIT_MS);
    assert_non_null(st);
    assert_string_equal(st, "done");
    free(st);
    assert_false(s_exists(f)); /* the fan-out removed it */
    for (int s = JOB_STAGE_SNIPPET; s < JOB_STAGE_COUNT; s++)
        assert_non_null(f->ref[s] = cluster_part(f->c, f->id, s_parts[s]));

    /* A job stored before the analysis existed: the stages analyse. */
    s_run(f, JOB_STAGE_SYNTHESIS);
    s_run(f, JOB_STAGE_FANOUT);

    /* The snippet stage stores it, as a cache that expires. */
    s_run(f, JOB_STAGE_SNIPPET);
    assert_true(s_exists(f));
    long long ttl = cluster_redis_int(f->c, "PTTL lode:job:%s:analysis", f->id);
    assert_in_range(ttl, 1, STORE_ANALYSIS_TTL_MS);
    err_t err = {0};
    size_t len = 0;
    char *good = store_part_get(f->store, f->id, STORE_PART_ANALYSIS, &len, &err);
    assert_non_null(good);
    assert_true(len > 1000);

    /* Truncated, a byte changed, another text's: refused, same bytes out. */
    s_put_analysis(f, good, len / 2);
    s_run(f, JOB_STAGE_SYNTHESIS);
    good[len / 3] ^= 0x20;
    s_put_analysis(f, good, len);
    good[len / 3] ^= 0x20;
    s_run(f, JOB_STAGE_SYNTHESIS);
    transcript_t *other = transcript_new();
    const char *o = "Another text entirely. It has sentences of its own, and words.";
    assert_int_equal(transcript_append(other, " ", o, strlen(o), TRANSCRIPT_UNTIMED, &err), 0);
    extract_analysis_t *a = extract_analysis_new(other, &err);
    assert_non_null(a);
    size_t olen;
    void *opack = extract_analysis_pack(a, &olen);
    s_put_analysis(f, opack, olen);
    s_run(f, JOB_STAGE_SYNTHESIS);
    free(opack);
    extract_analysis_destroy(&a);
    transcript_destroy(&other);

    /* The sound one is read (and the fan-out drops it after). */
    s_put_analysis(f, good, len);
    s_run(f, JOB_STAGE_SYNTHESIS);
    assert_true(s_exists(f));
    s_run(f, JOB_STAGE_FANOUT);
    assert_false(s_exists(f));
    free(good);
    cluster_check(f->c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_stages_share_the_analysis_and_survive_a_bad_one),
    };
    return cluster_main_result(cmocka_run_group_tests(tests, s_setup, s_teardown));
}
