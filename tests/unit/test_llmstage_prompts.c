/*  test_llmstage_prompts.c - refusals of the stage machine, the prompts
 *  (built in, looked up in order, overrides, placeholders) and the snippets
 *  guard.
 *  Fixtures in tests/helpers/stagefix.c.
 *  SPDX-License-Identifier: MIT
 */
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "chunk.h"
#include "extract.h"
#include "llmstage.h"
#include "mem.h"
#include "sha256.h"
#include "stagefix.h"
#include "test.h"

/* --- refusals ------------------------------------------------------------ */

static void test_llmstage_refuses_an_empty_source_and_bad_arguments(void **state)
{
    (void)state;
    prompts_t *p = stagefix_prompts();
    transcript_t *t = transcript_new();
    llmstage_opts_t o = {.stage = JOB_STAGE_SNIPPET, .transcript = t, .prompts = p};
    err_t err = {0};
    assert_null(llmstage_new(&o, &err));
    assert_int_equal(err.code, LODE_EEMPTY);
    assert_int_equal(transcript_append(t, "", " \n\t ", 4, TRANSCRIPT_UNTIMED, &err), 0);
    err_clear(&err);
    o.stage = JOB_STAGE_FANOUT;
    assert_null(llmstage_new(&o, &err));
    assert_int_equal(err.code, LODE_EEMPTY);
    transcript_destroy(&t);

    t = stagefix_transcript();
    o.transcript = t;
    o.stage = JOB_STAGE_FETCH;
    err_clear(&err);
    assert_null(llmstage_new(&o, &err));
    assert_int_equal(err.code, LODE_EINVAL);

    o.stage = JOB_STAGE_SYNTHESIS;
    o.snippets_json = "{not json";
    err_clear(&err);
    assert_null(llmstage_new(&o, &err));
    assert_int_equal(err.code, LODE_EINVAL);

    o.stage = JOB_STAGE_FANOUT;
    o.snippets_json = "[]";
    o.synthesis_json = "[1]";
    err_clear(&err);
    assert_null(llmstage_new(&o, &err));
    assert_int_equal(err.code, LODE_EINVAL);

    o.stage = JOB_STAGE_SNIPPET;
    o.context_tokens = 600; /* the prompt alone is bigger */
    err_clear(&err);
    assert_null(llmstage_new(&o, &err));
    assert_int_equal(err.code, LODE_ETOOBIG);
    assert_non_null(strstr(err.msg, "snippet.md"));
    transcript_destroy(&t);
    prompts_destroy(&p);
}

/* --- prompts ---------------------------------------------------------------- */

static void test_prompts_are_built_in(void **state)
{
    (void)state;
    prompts_t *p = stagefix_prompts();
    for (int i = 0; i < PROMPT_COUNT; i++) {
        const char *text = prompts_text(p, (prompt_id_t)i);
        assert_true(strlen(text) > 200);
        assert_true(strncmp(text, "<!--", 4) != 0);
        assert_non_null(strstr(text, "{{transcript}}"));
        if (!stagefix_installed(prompts_name((prompt_id_t)i)))
            assert_string_equal(prompts_origin(p, (prompt_id_t)i), "built-in");
        char hex[SHA256_HEX_SIZE], want[80];
        snprintf(want, sizeof want, "sha256:%s", sha256_hex(text, strlen(text), hex));
        assert_string_equal(prompts_hash(p, (prompt_id_t)i), want);
    }
    assert_string_equal(prompts_name(PROMPT_NOTES), "notes.md");
    prompts_destroy(&p);
    assert_null(p);
}

static void test_prompts_are_looked_up_in_order(void **state)
{
    (void)state;
    char *a = stagefix_mkdir("a"), *b = stagefix_mkdir("b"), *xdg = stagefix_mkdir("xdg"),
         *x = stagefix_mkdir("xdg/lode/prompts"), *h = stagefix_mkdir("home/.config/lode/prompts");
    stagefix_write(a, "snippet.md", "<!-- mine -->\nA snippet {{title}}\n");
    stagefix_write(b, "snippet.md", "B snippet");
    stagefix_write(b, "synthesis.md", "B synthesis");
    stagefix_write(x, "snippet.md", "X snippet");
    stagefix_write(x, "synthesis.md", "X synthesis");
    stagefix_write(x, "fanout.md", "X fanout");
    stagefix_write(h, "fanout.md", "H fanout");
    stagefix_write(h, "notes.md", "H notes");
    setenv("LODE_PROMPTS", b, 1);
    setenv("XDG_CONFIG_HOME", xdg, 1);

    err_t err = {0};
    prompts_t *p = prompts_load(a, &err);
    assert_non_null(p);
    assert_string_equal(prompts_text(p, PROMPT_SNIPPET), "A snippet {{title}}\n");
    char *want = mem_printf("%s/snippet.md", a);
    assert_string_equal(prompts_origin(p, PROMPT_SNIPPET), want);
    free(want);
    assert_string_equal(prompts_text(p, PROMPT_SYNTHESIS), "B synthesis");
    assert_string_equal(prompts_text(p, PROMPT_FANOUT), "X fanout");
    /* XDG_CONFIG_HOME set: ~/.config is not looked at. */
    if (!stagefix_installed("notes.md"))
        assert_string_equal(prompts_origin(p, PROMPT_NOTES), "built-in");
    char hex[SHA256_HEX_SIZE], h1[80];
    snprintf(h1, sizeof h1, "sha256:%s", sha256_hex("A snippet {{title}}\n", 20, hex));
    assert_string_equal(prompts_hash(p, PROMPT_SNIPPET), h1);
    prompts_destroy(&p);

    /* No XDG_CONFIG_HOME: ~/.config/lode/prompts. No dir: $LODE_PROMPTS. */
    unsetenv("XDG_CONFIG_HOME");
    p = prompts_load(NULL, &err);
    assert_non_null(p);
    assert_string_equal(prompts_text(p, PROMPT_SNIPPET), "B snippet");
    assert_string_equal(prompts_text(p, PROMPT_FANOUT), "H fanout");
    assert_string_equal(prompts_text(p, PROMPT_NOTES), "H notes");
    prompts_destroy(&p);

    /* A changed text changes the hash. */
    stagefix_write(a, "snippet.md", "<!-- mine -->\nA snippet {{title}}!\n");
    p = prompts_load(a, &err);
    assert_non_null(p);
    assert_string_not_equal(prompts_hash(p, PROMPT_SNIPPET), h1);
    prompts_destroy(&p);
    free(a);
    free(b);
    free(xdg);
    free(x);
    free(h);
}

static void test_prompts_refuse_an_empty_or_unreadable_override(void **state)
{
    (void)state;
    char *a = stagefix_mkdir("a");
    stagefix_write(a, "fanout.md", "<!-- only a comment -->\n\n");
    err_t err = {0};
    assert_null(prompts_load(a, &err));
    assert_int_equal(err.code, LODE_EINVAL);
    assert_non_null(strstr(err.msg, "fanout.md"));
    assert_non_null(strstr(err.msg, "empty"));

    stagefix_write(a, "fanout.md", "");
    err_clear(&err);
    assert_null(prompts_load(a, &err));
    assert_int_equal(err.code, LODE_EINVAL);

    /* Latin-1 from an old editor: refused at load, not by every job's request. */
    stagefix_write(a, "fanout.md",
                   "Questions sur la s\xe9"
                   "ance {{transcript}}");
    err_clear(&err);
    assert_null(prompts_load(a, &err));
    assert_int_equal(err.code, LODE_EINVAL);
    assert_non_null(strstr(err.msg, "fanout.md"));
    assert_non_null(strstr(err.msg, "UTF-8"));

    /* A directory where the file should be cannot be read (even by root). */
    stagefix_write(a, "fanout.md", "fine");
    char *d = stagefix_mkdir("a/notes.md");
    err_clear(&err);
    assert_null(prompts_load(a, &err));
    assert_int_equal(err.code, LODE_EIO);
    assert_non_null(strstr(err.msg, "notes.md"));
    free(d);

    /* A --prompts dir that is not there. */
    char *gone = mem_printf("%s/nowhere", stagefix_root);
    err_clear(&err);
    assert_null(prompts_load(gone, &err));
    assert_int_equal(err.code, LODE_EINVAL);
    assert_non_null(strstr(err.msg, "nowhere"));
    free(gone);
    free(a);
}

static void test_prompts_render_placeholders_once(void **state)
{
    (void)state;
    prompts_vars_t v = {.title = "Talk {{chunk}}",
                        .max_snippets = 7,
                        .chunk = ", part 2 of 5",
                        .transcript = "says {{title}}",
                        .snippets = NULL,
                        .synthesis = "essay"};
    err_t err = {0};
    char *out = prompts_render("[{{title}}{{chunk}}] {{max_snippets}} {{unknown}} {{snippets}} "
                               "{{synthesis}} <<<{{transcript}}>>> {{",
                               &v, 1 << 20, &err);
    assert_non_null(out);
    assert_string_equal(out, "[Talk {{chunk}}, part 2 of 5] 7 {{unknown}} (none) essay "
                             "<<<says {{title}}>>> {{");
    free(out);
    v = (prompts_vars_t){0};
    out = prompts_render("({{title}}{{chunk}})", &v, 100, &err);
    assert_string_equal(out, "(untitled)");
    free(out);
    v.transcript = "a long source";
    assert_null(prompts_render("{{transcript}}{{transcript}}", &v, 20, &err));
    assert_int_equal(err.code, LODE_ETOOBIG);
}

/* --- the guard ------------------------------------------------------------- */

static void test_llmstage_guard_checks_extractive_snippets(void **state)
{
    (void)state;
    transcript_t *t = stagefix_transcript();
    extract_snippets_t sn;
    err_t err = {0};
    assert_int_equal(extract_snippets(t, NULL, &sn, &err), 0);
    char *json = extract_snippets_to_json(t, &sn);
    size_t n0 = sn.count;
    extract_snippets_clear(&sn);
    assert_true(n0 >= 1);

    /* Add an invented item and a sloppy one with a wrong offset. */
    json_t *arr = json_loads(json, 0, NULL);
    free(json);
    json_array_append_new(arr, json_pack("{s:i,s:s,s:s}", "id", 90, "quote",
                                         "A sentence nobody said.", "commentary", "x"));
    json_array_append_new(arr, json_pack("{s:i,s:s,s:s,s:i,s:i}", "id", 91, "quote",
                                         "THAT IS CLOSE TO A MILLIONFOLD DIFFERENCE.", "commentary",
                                         "y", "offset", 0, "length", 5));
    json = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);

    size_t rejected = 99;
    char *out = llmstage_guard_snippets(t, json, strlen(json), &rejected, &err);
    assert_non_null(out);
    assert_int_equal(rejected, 1);
    json_t *v = json_loads(out, 0, NULL);
    assert_int_equal(json_array_size(v), n0 + 1);
    for (size_t i = 0; i < json_array_size(v); i++) {
        json_t *it = json_array_get(v, i);
        assert_int_equal(stagefix_int(it, "id"), (json_int_t)i + 1);
        stagefix_assert_verbatim(t, it);
        assert_true(json_is_integer(json_object_get(it, "start_ms")));
        assert_non_null(json_object_get(it, "commentary"));
    }
    json_t *last = json_array_get(v, n0);
    assert_string_equal(stagefix_str(last, "quote"), stagefix_sents[6]);
    assert_string_equal(stagefix_str(last, "match"), "normalised");
    assert_int_equal(stagefix_int(last, "start_ms"), 30000);
    assert_string_equal(stagefix_str(json_array_get(v, 0), "match"), "exact");
    json_decref(v);

    /* Still the extractive engine's shape. */
    extract_snippets_t back;
    assert_int_equal(extract_snippets_from_json(t, out, strlen(out), &back, &err), 0);
    assert_int_equal(back.count, n0 + 1);
    extract_snippets_clear(&back);
    free(out);
    free(json);

    assert_null(llmstage_guard_snippets(t, "{\"a\":1}", 7, &rejected, &err));
    assert_int_equal(err.code, LODE_EINVAL);
    err_clear(&err);
    assert_null(llmstage_guard_snippets(t, "[{\"q\":1}]", 9, &rejected, &err));
    assert_int_equal(err.code, LODE_EINVAL);
    transcript_destroy(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_llmstage_refuses_an_empty_source_and_bad_arguments,
                                        stagefix_setup, stagefix_teardown),
        cmocka_unit_test_setup_teardown(test_prompts_are_built_in, stagefix_setup,
                                        stagefix_teardown),
        cmocka_unit_test_setup_teardown(test_prompts_are_looked_up_in_order, stagefix_setup,
                                        stagefix_teardown),
        cmocka_unit_test_setup_teardown(test_prompts_refuse_an_empty_or_unreadable_override,
                                        stagefix_setup, stagefix_teardown),
        cmocka_unit_test_setup_teardown(test_prompts_render_placeholders_once, stagefix_setup,
                                        stagefix_teardown),
        cmocka_unit_test_setup_teardown(test_llmstage_guard_checks_extractive_snippets,
                                        stagefix_setup, stagefix_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
