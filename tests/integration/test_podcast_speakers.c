/*  test_podcast_speakers.c - speakers of a podcast end to end: a real cluster
 *  fetches a feed from the podstand loopback host (tests/fixtures/podcast/
 *  people): an episode whose JSON transcript names its speakers and whose
 *  item lists hosts and guests with <podcast:person>, and an episode with
 *  neither, where the channel's host applies. Read back from `lode export`
 *  (JSON and Markdown) and `lode show`: the source facts' speakers, each
 *  snippet's "— Name", the "A conversation between ..." line.
 *  SPDX-License-Identifier: MIT
 */
// clang-format off
#include "test.h"
// clang-format on

#include <jansson.h>

#include "cluster.h"
#include "mem.h"
#include "podstand.h"

#define JOB_LIMIT_MS 30000 /* one small podcast episode through four stages */

typedef struct {
    cluster_t *c;
    podstand_t *pod;
} s_fix_t;

static int s_group_setup(void **state)
{
    s_fix_t *f = mem_calloc(1, sizeof *f);
    f->pod = podstand_start("tests/fixtures");
    unsetenv("LODE_ALLOW_NET");
    static const char *const allow[] = {"--allow-net", "127.0.0.0/8", NULL};
    cluster_opts_t o = {.worker_args = allow};
    err_t err = {0};
    f->c = f->pod ? cluster_new(&o, &err) : NULL;
    if (!f->c) {
        fprintf(stderr, "test_podcast_speakers: setup: %s\n",
                f->pod ? err.msg : "podstand did not start");
        podstand_stop(&f->pod);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int s_group_teardown(void **state)
{
    s_fix_t *f = *state;
    if (!f)
        return 0;
    int reports = cluster_stop(f->c);
    cluster_destroy(&f->c);
    podstand_stop(&f->pod);
    free(f);
    return reports ? -1 : 0;
}

static int s_setup(void **state)
{
    cluster_mark_begin(((s_fix_t *)*state)->c);
    return 0;
}

static int s_teardown(void **state)
{
    cluster_check(((s_fix_t *)*state)->c);
    return 0;
}

/* Submit the people feed (with extra arguments before it), wait for done,
 * return the export (caller decrefs) and the id in *id_out. */
static json_t *s_mine(s_fix_t *f, const char *episode, char **id_out)
{
    char *feed = mem_printf("%s/podcast/people/feed.xml", podstand_url(f->pod));
    const char *args[] = {"--episode", episode, feed, NULL};
    char *ids[2] = {0};
    assert_int_equal(cluster_submit_argv(f->c, args, ids, 2), 1);
    free(feed);
    char *st = cluster_wait_job(f->c, ids[0], JOB_LIMIT_MS);
    if (!st || strcmp(st, "done") != 0) {
        char *error = cluster_job_field(f->c, ids[0], "error");
        fprintf(stderr, "job %s ended %s: %s\n", ids[0], st ? st : "(not in time)",
                error ? error : "");
        free(error);
    }
    assert_non_null(st);
    assert_string_equal(st, "done");
    free(st);
    char *doc = cluster_export_json(f->c, ids[0]);
    assert_non_null(doc);
    assert_true(cluster_doc_check(doc, true) >= 1);
    json_t *root = json_loads(doc, 0, NULL);
    free(doc);
    assert_non_null(root);
    *id_out = ids[0];
    return root;
}

/* The CLI's output of `lode ARGS... ID`; caller frees. */
static char *s_cli(s_fix_t *f, const char *cmd, const char *id, const char *opt, const char *val)
{
    char *out = NULL, *errout = NULL;
    int rc = opt ? cluster_run_cli(f->c, NULL, &out, &errout, cmd, id, opt, val, NULL)
                 : cluster_run_cli(f->c, NULL, &out, &errout, cmd, id, NULL);
    if (rc != 0)
        fprintf(stderr, "lode %s %s exited %d: %s\n", cmd, id, rc, errout ? errout : "");
    assert_int_equal(rc, 0);
    free(errout);
    return out;
}

static void s_assert_has(const char *text, const char *needle)
{
    if (!strstr(text, needle))
        fprintf(stderr, "missing \"%s\" in:\n%.4000s\n", needle, text);
    assert_non_null(strstr(text, needle));
}

static void test_json_speakers_and_item_people_reach_facts_snippets_and_exports(void **state)
{
    s_fix_t *f = *state;
    char *id = NULL;
    json_t *root = s_mine(f, "fieldnotes-2", &id);
    json_t *src = json_object_get(root, "source");
    assert_string_equal(json_string_value(json_object_get(src, "format")), "json");
    /* transcript speakers first, then the item's guest who never speaks;
     * the editor is not a speaker, and the channel's people do not apply */
    json_t *sp = json_object_get(src, "speakers");
    assert_int_equal(json_array_size(sp), 3);
    assert_string_equal(json_string_value(json_array_get(sp, 0)), "Ada Host");
    assert_string_equal(json_string_value(json_array_get(sp, 1)), "Bob Guest");
    assert_string_equal(json_string_value(json_array_get(sp, 2)), "Cy Third");
    /* every snippet says who said it, and both voices are heard */
    json_t *snips = json_object_get(root, "snippets");
    assert_true(json_array_size(snips) >= 2);
    size_t i, ada = 0, bob = 0;
    json_t *sn;
    json_array_foreach(snips, i, sn)
    {
        const char *who = json_string_value(json_object_get(sn, "speaker"));
        assert_non_null(who);
        ada += strcmp(who, "Ada Host") == 0;
        bob += strcmp(who, "Bob Guest") == 0;
        assert_true(strcmp(who, "Ada Host") == 0 || strcmp(who, "Bob Guest") == 0);
        /* the quote is that speaker's: Bob's lines never carry Ada's words */
        const char *q = json_string_value(json_object_get(sn, "quote"));
        if (strcmp(who, "Bob Guest") == 0)
            assert_null(strstr(q, "Welcome back"));
    }
    assert_true(ada >= 1 && bob >= 1);
    json_decref(root);
    char *page = s_cli(f, "show", id, NULL, NULL);
    s_assert_has(page, "A conversation between Ada Host, Bob Guest and Cy Third");
    s_assert_has(page, "\u2014 Bob Guest");
    char *md = s_cli(f, "export", id, "--format", "md");
    s_assert_has(md, "**Speakers:** A conversation between Ada Host, Bob Guest and Cy Third");
    s_assert_has(md, "Bob Guest\n");
    free(md);
    free(page);
    free(id);
    cluster_mark_ok(f->c);
}

static void
test_an_episode_without_people_gets_the_channel_host_and_no_snippet_speaker(void **state)
{
    s_fix_t *f = *state;
    char *id = NULL;
    json_t *root = s_mine(f, "fieldnotes-1", &id);
    json_t *src = json_object_get(root, "source");
    assert_string_equal(json_string_value(json_object_get(src, "format")), "vtt");
    json_t *sp = json_object_get(src, "speakers");
    assert_int_equal(json_array_size(sp), 1); /* the host; the producer is not heard */
    assert_string_equal(json_string_value(json_array_get(sp, 0)), "Ada Host");
    /* the feed says who is on the show, not who says which line */
    size_t i;
    json_t *sn;
    json_array_foreach(json_object_get(root, "snippets"), i, sn)
        assert_null(json_object_get(sn, "speaker"));
    json_decref(root);
    char *page = s_cli(f, "show", id, NULL, NULL);
    s_assert_has(page, "Speaker     Ada Host");
    assert_null(strstr(page, "A conversation between"));
    free(page);
    free(id);
    cluster_mark_ok(f->c);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, s_setup, s_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_json_speakers_and_item_people_reach_facts_snippets_and_exports),
        T(test_an_episode_without_people_gets_the_channel_host_and_no_snippet_speaker),
    };
    return cluster_main_result(cmocka_run_group_tests(tests, s_group_setup, s_group_teardown));
}
