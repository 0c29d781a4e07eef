/*  test_curate_cas.c - the no-lost-edits rule (issue #13): curation writes
 *  are a compare-and-set on the layer's version. Two writers that read the
 *  same version: the first lands, the second is refused (LODE_ESTATE) with
 *  nothing written; two processes hammering one job with retries lose no
 *  change; the CLI refuses an edit made against a layer that moved on
 *  meanwhile (its $EDITOR saves while another writer lands).
 *  SPDX-License-Identifier: MIT
 */
// clang-format off
#include "test.h"
// clang-format on

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "cluster.h"
#include "curation.h"
#include "docfix.h"
#include "fixture.h"
#include "jobdoc.h"
#include "mem.h"

typedef struct {
    cluster_t *c;
    store_t *st;
    char id[JOB_ID_SIZE];
} s_fix_t;

static store_t *s_store(cluster_t *c)
{
    err_t err = {0};
    store_opts_t o = {.url = cluster_redis_url(c)};
    store_t *st = store_new(&o, &err);
    if (!st)
        fprintf(stderr, "store_new: %s\n", err.msg);
    return st;
}

static int s_setup(void **state)
{
    err_t err = {0};
    s_fix_t *f = mem_calloc(1, sizeof *f);
    *state = f;
    cluster_opts_t o = {.no_workers = true};
    f->c = cluster_new(&o, &err);
    if (!f->c || !(f->st = s_store(f->c))) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return -1;
    }
    if (docfix_job(f->st, NULL, f->id, &err) != 0) {
        fprintf(stderr, "docfix: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int s_teardown(void **state)
{
    s_fix_t *f = *state;
    store_destroy(&f->st);
    int reports = fixture_down(&f->c);
    free(f);
    return reports ? -1 : 0;
}

static json_t *s_layer(s_fix_t *f, int64_t *version)
{
    err_t err = {0};
    char *s = store_curated_get(f->st, f->id, NULL, version, &err);
    assert_non_null(s);
    json_t *j = json_loads(s, 0, NULL);
    free(s);
    assert_non_null(j);
    return j;
}

/* Two editors load version 0; A saves, B's save is refused and writes
 * nothing; B reloads and lands, and both changes are there. */
static void test_two_writers(void **state)
{
    s_fix_t *f = *state;
    err_t err = {0};
    store_job_t ja, jb;
    int64_t va = -1, vb = -1, saved = 0;
    doc_t *a = jobdoc_load_versioned(f->st, f->id, &ja, &va, &err);
    doc_t *b = jobdoc_load_versioned(f->st, f->id, &jb, &vb, &err);
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(va, 0);
    assert_int_equal(vb, 0);
    assert_int_equal(doc_keep(a, 3, false, &err), 0);
    assert_int_equal(doc_edit_commentary(b, 2, "B's words", &err), 0);
    assert_int_equal(jobdoc_save(f->st, a, &(jobdoc_save_t){f->id, va, "a"}, &saved, &err), 0);
    assert_int_equal(saved, 1);
    assert_int_equal(jobdoc_save(f->st, b, &(jobdoc_save_t){f->id, vb, "b"}, &saved, &err), -1);
    assert_int_equal(err.code, LODE_ESTATE);
    assert_non_null(strstr(err.msg, "changed since it was read"));
    int64_t v = 0;
    json_t *layer = s_layer(f, &v);
    assert_int_equal(v, 1);
    assert_null(json_object_get(json_object_get(json_object_get(layer, "snippets"), "2"),
                                "commentary")); /* B wrote nothing */
    json_decref(layer);
    /* B redoes its change on the fresh layer, through the shared path. */
    curation_op_t op = {.kind = CURATION_COMMENTARY, .snippet = 2, .text = "B's words"};
    err_clear(&err);
    assert_int_equal(curation_commit(f->st, f->id, &op, 0, NULL, &err), -1); /* still stale */
    assert_int_equal(err.code, LODE_ESTATE);
    err_clear(&err);
    assert_int_equal(curation_commit(f->st, f->id, &op, 1, &saved, &err), 0);
    assert_int_equal(saved, 2);
    layer = s_layer(f, &v);
    json_t *sn = json_object_get(layer, "snippets");
    assert_true(json_is_false(json_object_get(json_object_get(sn, "3"), "kept")));
    assert_string_equal(json_string_value(json_object_get(json_object_get(sn, "2"), "commentary")),
                        "B's words");
    json_decref(layer);
    doc_destroy(&a);
    doc_destroy(&b);
    store_job_clear(&ja);
    store_job_clear(&jb);
}

/* Failure paths: unknown job, a part it does not have, a bad value. */
static void test_failures(void **state)
{
    s_fix_t *f = *state;
    err_t err = {0};
    curation_op_t op = {.kind = CURATION_DROP, .snippet = 1};
    assert_int_equal(curation_commit(f->st, "01HZZZZZZZZZZZZZZZZZZZZZZZ", &op, -1, NULL, &err), -1);
    assert_int_equal(err.code, LODE_ENOTFOUND);
    err_clear(&err);
    op.snippet = 99;
    assert_int_equal(curation_commit(f->st, f->id, &op, -1, NULL, &err), -1);
    assert_int_equal(err.code, LODE_ENOTFOUND);
    err_clear(&err);
    op = (curation_op_t){.kind = CURATION_ADD, .list = "nonsense", .text = "x"};
    assert_int_equal(curation_commit(f->st, f->id, &op, -1, NULL, &err), -1);
    assert_int_equal(err.code, LODE_EINVAL);
    err_clear(&err);
    store_curated_write_t w = {"01HZZZZZZZZZZZZZZZZZZZZZZZ", 0, "{}", 2, NULL};
    assert_int_equal(store_curated_cas(f->st, &w, NULL, &err), -1);
    assert_int_equal(err.code, LODE_ENOTFOUND);
    /* Reset to proposed removes the override and keeps provenance sane. */
    op = (curation_op_t){.kind = CURATION_DROP, .snippet = 4};
    err_clear(&err);
    assert_int_equal(curation_commit(f->st, f->id, &op, -1, NULL, &err), 0);
    op = (curation_op_t){.kind = CURATION_RESET_SNIPPET, .snippet = 4};
    assert_int_equal(curation_commit(f->st, f->id, &op, -1, NULL, &err), 0);
    int64_t v;
    json_t *layer = s_layer(f, &v);
    assert_null(json_object_get(json_object_get(layer, "snippets"), "4"));
    json_decref(layer);
}

/* A stage rerun rewrites the snippets part between two edits: the second
 * edit works on the new part (its fingerprint), not on the parse the first
 * one left behind (jobdoc.c keeps one per job and text); a rewrite that
 * does not parse is refused as before. */
static void test_snippets_rewritten(void **state)
{
    s_fix_t *f = *state;
    err_t err = {0};
    curation_op_t op = {.kind = CURATION_DROP, .snippet = 1};
    assert_int_equal(curation_commit(f->st, f->id, &op, -1, NULL, &err), 0);
    static const char again[] = "[{\"id\":1,\"quote\":\"q\",\"commentary\":\"c\","
                                "\"offset\":777,\"length\":5}]";
    assert_int_equal(store_part_set(f->st, f->id, STORE_PART_SNIPPETS, again, strlen(again), &err),
                     0);
    op = (curation_op_t){.kind = CURATION_COMMENTARY, .snippet = 1, .text = "new"};
    assert_int_equal(curation_commit(f->st, f->id, &op, -1, NULL, &err), 0);
    int64_t v = 0;
    json_t *layer = s_layer(f, &v);
    json_t *e = json_object_get(json_object_get(layer, "snippets"), "1");
    assert_int_equal(json_integer_value(json_object_get(e, "offset")), 777);
    assert_int_equal(json_integer_value(json_object_get(e, "length")), 5);
    assert_null(json_object_get(e, "kept")); /* the old quote's entry was replaced */
    json_decref(layer);
    op = (curation_op_t){.kind = CURATION_DROP, .snippet = 2};
    assert_int_equal(curation_commit(f->st, f->id, &op, -1, NULL, &err), -1);
    assert_int_equal(err.code, LODE_ENOTFOUND); /* snippet 2 is gone with the rerun */
    err_clear(&err);
    assert_int_equal(store_part_set(f->st, f->id, STORE_PART_SNIPPETS, "[{}]", 4, &err), 0);
    assert_int_equal(curation_commit(f->st, f->id, &op, -1, NULL, &err), -1);
    assert_int_equal(err.code, LODE_EINVAL);
}

#define HAMMER_PROCS 2
#define HAMMER_OPS   60

/* One process: HAMMER_OPS fan-out additions, each retried on a conflict. */
static int s_hammer(cluster_t *c, const char *id, int who)
{
    store_t *st = s_store(c);
    if (!st)
        return 1;
    int conflicts = 0;
    for (int i = 0; i < HAMMER_OPS; i++) {
        char text[64];
        snprintf(text, sizeof text, "question %d from writer %d", i, who);
        curation_op_t op = {.kind = CURATION_ADD, .list = "questions", .text = text};
        for (int tries = 0;; tries++) {
            err_t err = {0};
            if (curation_commit(st, id, &op, -1, NULL, &err) == 0)
                break;
            if (err.code != LODE_ESTATE || tries > 1000) {
                fprintf(stderr, "writer %d: %s\n", who, err.msg);
                store_destroy(&st);
                return 1;
            }
            conflicts++;
        }
    }
    fprintf(stderr, "writer %d: %d ops, %d conflicts retried\n", who, HAMMER_OPS, conflicts);
    store_destroy(&st);
    return 0;
}

/* Two processes add distinct items at full speed: every one is stored. */
static void test_concurrent_no_loss(void **state)
{
    s_fix_t *f = *state;
    pid_t pids[HAMMER_PROCS];
    for (int p = 0; p < HAMMER_PROCS; p++) {
        pids[p] = fork();
        assert_true(pids[p] >= 0);
        if (pids[p] == 0)
            _exit(s_hammer(f->c, f->id, p));
    }
    for (int p = 0; p < HAMMER_PROCS; p++) {
        int status = 0;
        assert_int_equal(waitpid(pids[p], &status, 0), pids[p]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    int64_t v;
    json_t *layer = s_layer(f, &v);
    json_t *added =
        json_object_get(json_object_get(json_object_get(layer, "fanout"), "questions"), "added");
    assert_int_equal(json_array_size(added), HAMMER_PROCS * HAMMER_OPS);
    assert_int_equal(v, HAMMER_PROCS * HAMMER_OPS);
    json_decref(layer);
}

/* The CLI: another writer lands while $EDITOR is open; the edit is refused
 * with a clear message, the other change stays, and nothing is lost. */
static void test_cli_stale_editor(void **state)
{
    s_fix_t *f = *state;
    char script[512];
    const char *url = cluster_redis_url(f->c);
    const char *port = strrchr(url, ':') + 1;
    /* The "editor" makes a concurrent curation land, then saves its text
     * ($EDITOR is one word to the shell: the steps go in a script). */
    snprintf(script, sizeof script,
             "#!/bin/sh\nredis-cli -p %s HINCRBY lode:job:%s curated_version 1 >/dev/null\n"
             "echo 'edited in the editor' >\"$1\"\n",
             port, f->id);
    char *path = cluster_write_file(f->c, "editor.sh", script, strlen(script));
    assert_non_null(path);
    assert_int_equal(chmod(path, 0755), 0);
    setenv("EDITOR", path, 1);
    free(path);
    char *out = NULL, *errout = NULL;
    int rc = cluster_run_cli(f->c, NULL, &out, &errout, "edit", f->id, "1", NULL);
    unsetenv("EDITOR");
    if (rc == 0)
        fprintf(stderr, "stdout: %s\nstderr: %s\n", out, errout);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(errout, "changed since it was read"));
    assert_non_null(strstr(errout, "nothing was saved"));
    free(out);
    free(errout);
    /* Nothing was written: no layer, only the other writer's version. */
    int64_t v = -1;
    err_t err = {0};
    assert_null(store_curated_get(f->st, f->id, NULL, &v, &err));
    assert_int_equal(err.code, LODE_ENOTFOUND);
    assert_int_equal(v, 1);
    /* Without a concurrent writer the same CLI edit lands. */
    rc = cluster_run_cli(f->c, NULL, &out, &errout, "edit", f->id, "1", "--set", "plain", NULL);
    assert_int_equal(rc, 0);
    free(out);
    free(errout);
    json_t *layer = s_layer(f, &v);
    assert_int_equal(v, 2);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(json_object_get(layer, "snippets"), "1"),
                                          "commentary")),
        "plain");
    json_decref(layer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_two_writers, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_failures, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_snippets_rewritten, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_no_loss, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_cli_stale_editor, s_setup, s_teardown),
    };
    return cluster_main_result(cmocka_run_group_tests(tests, NULL, NULL));
}
