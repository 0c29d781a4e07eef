/*  test_curate_undo.c - curation undo kept by the server (issue #13) and
 *  fan-out reordering, on a real redis-server and broker: every write
 *  pushes the layer it replaced onto the job's bounded history in the same
 *  script; `lode undo`, the API's "undo" op and the page's form use it, so
 *  an undo survives a reload and undoes a change the CLI made from the web
 *  and the other way round; a stale undo is refused like any stale write.
 *  `lode move --question` and the API's "move_item" reorder a fan-out
 *  list; the page shows up/down buttons and a model's proposed wording.
 *  SPDX-License-Identifier: MIT
 */
// clang-format off
#include "test.h"
// clang-format on

#include <jansson.h>

#include "cluster.h"
#include "curation.h"
#include "docfix.h"
#include "mem.h"
#include "web_app.h"

#define ABSENT "01HZZZZZZZZZZZZZZZZZZZZZZZ"

typedef struct {
    cluster_t *c;
    store_t *st;
    cli_t cli;
    web_app_t *app;
    char id[JOB_ID_SIZE];
    char cookie[128];
    char csrf[80];
} s_fix_t;

static int s_setup(void **state)
{
    err_t err = {0};
    s_fix_t *f = mem_calloc(1, sizeof *f);
    *state = f;
    cluster_opts_t co = {.no_workers = true};
    f->c = cluster_new(&co, &err);
    if (!f->c)
        return fprintf(stderr, "cluster: %s\n", err.msg), -1;
    f->cli = (cli_t){.redis_url = cluster_redis_url(f->c),
                     .broker = cluster_broker_endpoint(f->c),
                     .timeout_ms = 5000,
                     .out = stdout,
                     .errs = stderr};
    store_opts_t so = {.url = cluster_redis_url(f->c)};
    f->st = store_new(&so, &err);
    if (!f->st || docfix_job(f->st, NULL, f->id, &err) != 0)
        return fprintf(stderr, "fixture: %s\n", err.msg), -1;
    web_opts_t o = {.cli = &f->cli, .loopback = true, .port = 8420};
    f->app = web_app_new(&o, &err);
    return f->app ? 0 : -1;
}

static int s_teardown(void **state)
{
    s_fix_t *f = *state;
    web_app_destroy(&f->app);
    store_destroy(&f->st);
    int reports = f->c ? cluster_stop(f->c) : 0;
    cluster_destroy(&f->c);
    free(f);
    return reports ? -1 : 0;
}

/* --- helpers ---------------------------------------------------------------- */

static web_req_t s_req(s_fix_t *f, const char *method, const char *path)
{
    return (web_req_t){.method = method,
                       .path = path,
                       .host = "127.0.0.1:8420",
                       .cookie = f->cookie[0] ? f->cookie : NULL};
}

static void s_session(s_fix_t *f)
{
    if (f->cookie[0])
        return;
    web_req_t q = s_req(f, "GET", "/api/session");
    web_resp_t r;
    web_app_handle(f->app, &q, &r);
    assert_int_equal(r.status, 200);
    snprintf(f->cookie, sizeof f->cookie, "%.*s", (int)strcspn(r.set_cookie, ";"), r.set_cookie);
    json_t *j = json_loads(r.body, 0, NULL);
    snprintf(f->csrf, sizeof f->csrf, "%s", json_string_value(json_object_get(j, "csrf")));
    json_decref(j);
    web_resp_clear(&r);
}

/* POST a JSON curation to /api/doc/ID/curate; the status, *out the body. */
static int s_curate(s_fix_t *f, const char *body, json_t **out)
{
    s_session(f);
    char path[80];
    snprintf(path, sizeof path, "/api/doc/%s/curate", f->id);
    web_req_t q = s_req(f, "POST", path);
    q.body = body;
    q.body_len = strlen(body);
    q.csrf = f->csrf;
    web_resp_t r;
    web_app_handle(f->app, &q, &r);
    if (out)
        *out = json_loads(r.body, 0, NULL);
    int status = r.status;
    web_resp_clear(&r);
    return status;
}

/* The document page's HTML (caller frees). */
static char *s_page(s_fix_t *f)
{
    char path[80];
    snprintf(path, sizeof path, "/doc/%s", f->id);
    web_req_t q = s_req(f, "GET", path);
    web_resp_t r;
    web_app_handle(f->app, &q, &r);
    assert_int_equal(r.status, 200);
    char *html = mem_strdup(r.body);
    web_resp_clear(&r);
    return html;
}

/* The exported document (lode export --json, a real CLI process). */
static json_t *s_export(s_fix_t *f)
{
    char *out = NULL;
    assert_int_equal(cluster_run_cli(f->c, NULL, &out, NULL, "export", f->id, NULL), 0);
    json_t *d = json_loads(out, 0, NULL);
    free(out);
    assert_non_null(d);
    return d;
}

static const char *s_question(json_t *d, size_t i)
{
    return json_string_value(
        json_array_get(json_object_get(json_object_get(d, "fanout"), "questions"), i));
}

static bool s_kept(json_t *d, int64_t id)
{
    json_t *arr = json_object_get(d, "snippets");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *sn = json_array_get(arr, i);
        if (json_integer_value(json_object_get(sn, "id")) == id)
            return !json_is_false(json_object_get(sn, "kept"));
    }
    fail_msg("no snippet %lld", (long long)id);
    return false;
}

static int64_t s_version(s_fix_t *f)
{
    int64_t v = 0;
    err_t err = {0};
    free(store_curated_get(f->st, f->id, NULL, &v, &err));
    return v;
}

/* --- tests ------------------------------------------------------------------ */

/* The CLI reorders a question; the web undoes it; the CLI undoes the web's
 * drop: one history, whoever wrote. */
static void test_undo_across_cli_and_web(void **state)
{
    s_fix_t *f = *state;
    json_t *d = s_export(f);
    char *first = mem_strdup(s_question(d, 0)), *second = mem_strdup(s_question(d, 1));
    json_decref(d);
    char *out = NULL, *errout = NULL;
    assert_int_equal(
        cluster_run_cli(f->c, NULL, &out, &errout, "move", f->id, "--question", "2", "1", NULL), 0);
    assert_non_null(strstr(out, "moved questions item 2"));
    free(out);
    free(errout);
    d = s_export(f);
    assert_string_equal(s_question(d, 0), second); /* the export follows the order */
    assert_string_equal(s_question(d, 1), first);
    json_decref(d);

    json_t *j = NULL;
    assert_int_equal(s_curate(f, "{\"op\":\"drop\",\"snippet\":2,\"version\":1}", &j), 200);
    json_decref(j);
    /* The page offers undo (a form: it works without JavaScript). */
    char *html = s_page(f);
    assert_non_null(strstr(html, "id=\"undo-btn\""));
    assert_non_null(strstr(html, "name=\"op\" value=\"undo\""));
    free(html);
    /* The CLI undoes the web's drop... */
    assert_int_equal(cluster_run_cli(f->c, NULL, &out, NULL, "undo", f->id, NULL), 0);
    assert_non_null(strstr(out, "drop snippet 2"));
    free(out);
    d = s_export(f);
    assert_true(s_kept(d, 2));
    assert_string_equal(s_question(d, 0), second); /* the move stays */
    json_decref(d);
    /* ...and the web undoes the CLI's move, at the version it now reads. */
    char body[96];
    snprintf(body, sizeof body, "{\"op\":\"undo\",\"version\":%lld}", (long long)s_version(f));
    assert_int_equal(s_curate(f, body, &j), 200);
    assert_int_equal(json_integer_value(json_object_get(j, "version")), 4); /* undo is a write */
    json_decref(j);
    d = s_export(f);
    assert_string_equal(s_question(d, 0), first);
    json_decref(d);
    err_t err = {0};
    int64_t v = 0;
    assert_null(store_curated_get(f->st, f->id, NULL, &v, &err)); /* back to no layer at all */
    assert_int_equal(v, 4);
    /* Nothing left: 404 on the web, exit 3 from the CLI. */
    snprintf(body, sizeof body, "{\"op\":\"undo\",\"version\":4}");
    assert_int_equal(s_curate(f, body, NULL), 404);
    assert_int_equal(cluster_run_cli(f->c, NULL, NULL, &errout, "undo", f->id, NULL), 3);
    assert_non_null(strstr(errout, "no curation change left to undo"));
    free(errout);
    free(first);
    free(second);
}

/* An undo against a version that moved on is refused and changes nothing. */
static void test_stale_undo_is_refused(void **state)
{
    s_fix_t *f = *state;
    curation_op_t op = {.kind = CURATION_DROP, .snippet = 1};
    err_t err = {0};
    assert_int_equal(curation_commit(f->st, f->id, &op, 0, NULL, &err), 0);
    op.snippet = 3;
    assert_int_equal(curation_commit(f->st, f->id, &op, 1, NULL, &err), 0);
    /* A tab still at version 1 asks to undo: 409, nothing undone. */
    json_t *j = NULL;
    assert_int_equal(s_curate(f, "{\"op\":\"undo\",\"version\":1}", &j), 409);
    assert_int_equal(json_integer_value(json_object_get(j, "version")), 2);
    json_decref(j);
    store_curated_undone_t u;
    assert_int_equal(store_curated_undo(f->st, f->id, 1, &u, &err), -1);
    assert_int_equal(err.code, LODE_ESTATE);
    json_t *d = s_export(f);
    assert_false(s_kept(d, 3));
    json_decref(d);
    /* At the current version it lands, and says what it undid. */
    err_clear(&err);
    assert_int_equal(store_curated_undo(f->st, f->id, 2, &u, &err), 0);
    assert_int_equal(u.version, 3);
    assert_string_equal(u.what, "drop snippet 3");
    err_clear(&err);
    assert_int_equal(store_curated_undo(f->st, ABSENT, 0, &u, &err), -1);
    assert_int_equal(err.code, LODE_ENOTFOUND);
}

/* What an undo reports is one line of valid UTF-8 however long and
 * multi-byte the change's text was (it is cut to fit, never mid-character). */
static void test_what_is_cut_on_a_character(void **state)
{
    s_fix_t *f = *state;
    char text[700] = "";
    for (int i = 0; i < 150; i++)
        strcat(text, "\xc3\xa9"); /* é: 300 bytes */
    strcat(text, "\nsecond line");
    err_t err = {0};
    curation_op_t op = {.kind = CURATION_ADD, .list = "questions", .text = text};
    assert_int_equal(curation_commit(f->st, f->id, &op, 0, NULL, &err), 0);
    store_curated_write_t w = {f->id, 1, "{}", 2, text}; /* straight to the store: 199 bytes */
    assert_int_equal(store_curated_cas(f->st, &w, NULL, &err), 0);
    for (int64_t v = 2; v < 4; v++) {
        store_curated_undone_t u;
        assert_int_equal(store_curated_undo(f->st, f->id, v, &u, &err), 0);
        json_t *probe = json_string(u.what); /* NULL if not valid UTF-8 */
        assert_non_null(probe);
        json_decref(probe);
        assert_null(strchr(u.what, '\n'));
        assert_non_null(strstr(u.what, "\xc3\xa9\xc3\xa9"));
    }
}

/* The history keeps the last STORE_CURATED_UNDO_MAX changes, no more:
 * that many undos land, the next finds nothing. */
static void test_history_is_bounded(void **state)
{
    s_fix_t *f = *state;
    int writes = STORE_CURATED_UNDO_MAX + 5;
    for (int i = 0; i < writes; i++) {
        curation_op_t op = {.kind = i % 2 ? CURATION_KEEP : CURATION_DROP, .snippet = 1};
        err_t err = {0};
        assert_int_equal(curation_commit(f->st, f->id, &op, -1, NULL, &err), 0);
    }
    int64_t v = writes;
    for (int i = 0; i < STORE_CURATED_UNDO_MAX; i++) {
        store_curated_undone_t u;
        err_t err = {0};
        assert_int_equal(store_curated_undo(f->st, f->id, v, &u, &err), 0);
        v = u.version;
    }
    store_curated_undone_t u;
    err_t err = {0};
    assert_int_equal(store_curated_undo(f->st, f->id, v, &u, &err), -1);
    assert_int_equal(err.code, LODE_ENOTFOUND);
    /* 55 writes, 50 undone: what the first 5 did is still there (the
     * fifth dropped snippet 1). */
    json_t *d = s_export(f);
    assert_false(s_kept(d, 1));
    json_decref(d);
}

/* Once the layer is big (a long synthesis edit rides in every entry after
 * it), fewer changes are kept: the bytes stay bounded, not only the count. */
static void test_big_layers_keep_fewer(void **state)
{
    s_fix_t *f = *state;
    size_t n = STORE_CURATED_UNDO_BIG + 1000;
    char *big = mem_alloc(n + 1);
    memset(big, 'w', n);
    memcpy(big, "# Long\n\n", 8);
    big[n] = '\0';
    curation_op_t op = {.kind = CURATION_SYNTHESIS, .text = big};
    err_t err = {0};
    assert_int_equal(curation_commit(f->st, f->id, &op, -1, NULL, &err), 0);
    free(big);
    for (int i = 0; i < STORE_CURATED_UNDO_BIG_MAX + 4; i++) {
        op = (curation_op_t){.kind = i % 2 ? CURATION_KEEP : CURATION_DROP, .snippet = 2};
        assert_int_equal(curation_commit(f->st, f->id, &op, -1, NULL, &err), 0);
    }
    /* the snippet edits read only the snippets, and kept the synthesis edit */
    size_t len = 0;
    int64_t v0 = 0;
    free(store_curated_get(f->st, f->id, &len, &v0, &err));
    assert_true(len > STORE_CURATED_UNDO_BIG);
    int undone = 0;
    for (int64_t v = s_version(f);; undone++) {
        store_curated_undone_t u;
        if (store_curated_undo(f->st, f->id, v, &u, &err) != 0)
            break;
        v = u.version;
    }
    assert_int_equal(err.code, LODE_ENOTFOUND);
    assert_int_equal(undone, STORE_CURATED_UNDO_BIG_MAX);
}

/* The web reorders a fan-out item with move_item (JSON and the page's
 * up/down forms), bad moves are refused, and reset restores the order. */
static void test_web_move_item(void **state)
{
    s_fix_t *f = *state;
    char *html = s_page(f);
    assert_non_null(strstr(html, "class=\"fi\" tabindex=\"0\" data-list=\"questions\""));
    assert_non_null(strstr(html, "name=\"op\" value=\"move_item\""));
    assert_non_null(strstr(html, "act-down"));
    free(html);
    json_t *d = s_export(f);
    char *second = mem_strdup(s_question(d, 1));
    json_decref(d);
    json_t *j = NULL;
    assert_int_equal(s_curate(f,
                              "{\"op\":\"move_item\",\"list\":\"questions\",\"text\":2,"
                              "\"position\":1,\"version\":0}",
                              &j),
                     200);
    json_decref(j);
    d = s_export(f);
    assert_string_equal(s_question(d, 0), second);
    json_decref(d);
    assert_int_equal(s_curate(f,
                              "{\"op\":\"move_item\",\"list\":\"questions\",\"text\":\"1\","
                              "\"position\":99,\"version\":1}",
                              NULL),
                     400);
    assert_int_equal(
        s_curate(f, "{\"op\":\"move_item\",\"list\":\"questions\",\"text\":\"1\",\"version\":1}",
                 NULL),
        400); /* no position */
    assert_int_equal(s_curate(f, "{\"op\":\"reset_fanout\",\"version\":1}", NULL), 200);
    d = s_export(f);
    assert_string_not_equal(s_question(d, 0), second);
    json_decref(d);
    free(second);
}

/* A form POST as a browser without JavaScript sends it; the status and
 * (location) the redirect's target. */
static int s_form(s_fix_t *f, const web_arg_t *args, size_t n, char location[600])
{
    s_session(f);
    char path[80];
    snprintf(path, sizeof path, "/doc/%s/curate", f->id);
    web_req_t q = s_req(f, "POST", path);
    for (size_t i = 0; i < n; i++)
        q.args[i] = args[i];
    q.args[n] = (web_arg_t){"csrf", f->csrf, strlen(f->csrf), NULL};
    q.n_args = n + 1;
    web_resp_t r;
    web_app_handle(f->app, &q, &r);
    snprintf(location, 600, "%s", r.location);
    int status = r.status;
    web_resp_clear(&r);
    return status;
}

/* Without JavaScript: the up/down form moves an item, the undo form puts
 * it back, each answering with a redirect to §04 or the page. */
static void test_forms_without_javascript(void **state)
{
    s_fix_t *f = *state;
    json_t *d = s_export(f);
    char *first = mem_strdup(s_question(d, 0));
    json_decref(d);
    char loc[600];
    const web_arg_t down[] = {{"op", "move_item", 9, NULL},
                              {"list", "questions", 9, NULL},
                              {"text", "1", 1, NULL},
                              {"position", "2", 1, NULL},
                              {"version", "0", 1, NULL}};
    assert_int_equal(s_form(f, down, 5, loc), 303);
    assert_non_null(strstr(loc, "#s04"));
    d = s_export(f);
    assert_string_equal(s_question(d, 1), first);
    json_decref(d);
    const web_arg_t undo[] = {{"op", "undo", 4, NULL}, {"version", "1", 1, NULL}};
    assert_int_equal(s_form(f, undo, 2, loc), 303);
    d = s_export(f);
    assert_string_equal(s_question(d, 0), first);
    json_decref(d);
    assert_int_equal(s_form(f, undo, 2, loc), 409); /* version 1 again: stale */
    free(first);
}

/* A snippet whose quote the model worded differently: the page and
 * `lode show` put its wording beside the source's, escaped. */
static void test_proposed_quote_is_shown(void **state)
{
    s_fix_t *f = *state;
    err_t err = {0};
    char *snips = store_part_get(f->st, f->id, "snippets", NULL, &err);
    assert_non_null(snips);
    json_t *arr = json_loads(snips, 0, NULL);
    free(snips);
    assert_non_null(arr);
    json_t *sn = json_array_get(arr, 0);
    json_object_set_new(sn, "match", json_string("snapped"));
    json_object_set_new(sn, "snap_score", json_real(0.91));
    json_object_set_new(sn, "proposed_quote", json_string("The model's <b>wording</b>"));
    char *text = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    assert_int_equal(store_part_set(f->st, f->id, "snippets", text, strlen(text), &err), 0);
    free(text);
    char *html = s_page(f);
    assert_non_null(strstr(html, "The model proposed: <q>The model&#39;s &lt;b&gt;wording"));
    free(html);
    char *out = NULL;
    assert_int_equal(cluster_run_cli(f->c, NULL, &out, NULL, "show", f->id, NULL), 0);
    assert_non_null(strstr(out, "model proposed: The model's <b>wording</b>"));
    free(out);
    json_t *d = s_export(f);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(d, "snippets"), 0), "proposed_quote")),
                        "The model's <b>wording</b>");
    json_decref(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_undo_across_cli_and_web, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_stale_undo_is_refused, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_what_is_cut_on_a_character, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_history_is_bounded, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_big_layers_keep_fewer, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_web_move_item, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_forms_without_javascript, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_proposed_quote_is_shown, s_setup, s_teardown),
    };
    return cluster_main_result(cmocka_run_group_tests(tests, NULL, NULL));
}
