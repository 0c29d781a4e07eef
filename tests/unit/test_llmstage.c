/*  test_llmstage.c - the openai engine's stage machine without a model:
 *  prompts found in the right place and rendered, answers fed back by hand
 *  (good, fenced, sloppy, hallucinated, garbage, cut short), map over
 *  overlapping chunks and reduce, repairs, notes for a long synthesis,
 *  fan-out merge, the meta, and the snippets guard.
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
#include "test.h"

/* --- fixtures ------------------------------------------------------------- */

static const char *const k_sents[] = {
    "So one definition of intelligence is sample efficiency.",
    "That is to say, how much data do you need in a given domain to operate fluently and "
    "competently?",
    "It's hard to overstate how task-specific and bespoke this human expert data is.",
    "The correct way to think about these models is not like a human who has learned all these "
    "different skills that you see the models displaying.",
    "It's more like a Frankenstein's monster that has been built out of a billion grafts of "
    "carefully constructed examples, all sewn together.",
    "Our genome is only three gigabytes, and only one to two percent of it is protein coding.",
    "That is close to a millionfold difference.",
};
#define N_SENTS (sizeof k_sents / sizeof k_sents[0])

static char s_root[64]; /* temp dir of the running test */

/* A timed transcript: one cue per sentence, 5 s each. */
static transcript_t *s_transcript(void)
{
    transcript_t *t = transcript_new();
    err_t err = {0};
    for (size_t i = 0; i < N_SENTS; i++)
        assert_int_equal(
            transcript_append(t, " ", k_sents[i], strlen(k_sents[i]),
                              (transcript_time_t){(int64_t)i * 5000, (int64_t)i * 5000 + 5000},
                              &err),
            0);
    return t;
}

/* An untimed transcript of n distinct sentences (about 90 bytes each). */
static char *s_long_sentence(size_t i)
{
    return mem_printf("Claim number %zu says that the widget factory in town %zu doubled its "
                      "output of gears and springs.",
                      i, i * 7 + 3);
}

static transcript_t *s_long_transcript(size_t n)
{
    transcript_t *t = transcript_new();
    err_t err = {0};
    for (size_t i = 0; i < n; i++) {
        char *s = s_long_sentence(i);
        assert_int_equal(transcript_append(t, " ", s, strlen(s), TRANSCRIPT_UNTIMED, &err), 0);
        free(s);
    }
    return t;
}

static size_t s_count_words(const transcript_t *t)
{
    size_t n = 0;
    for (size_t i = 0; i < t->len; i++)
        n += t->text[i] != ' ' && (i == 0 || t->text[i - 1] == ' ');
    return n;
}

static int s_setup(void **state)
{
    (void)state;
    strcpy(s_root, "/tmp/test_llmstage.XXXXXX");
    assert_non_null(mkdtemp(s_root));
    char *home = mem_printf("%s/home", s_root);
    mkdir(home, 0700);
    setenv("HOME", home, 1);
    free(home);
    unsetenv("XDG_CONFIG_HOME");
    unsetenv("LODE_PROMPTS");
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    char *cmd = mem_printf("rm -rf '%s'", s_root);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    return 0;
}

static char *s_mkdir(const char *sub)
{
    char *p = mem_printf("%s/%s", s_root, sub);
    char *cmd = mem_printf("mkdir -p '%s'", p);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    return p;
}

static void s_write(const char *dir, const char *name, const char *text)
{
    char *p = mem_printf("%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    free(p);
}

static bool s_installed(const char *name)
{
    char *p = mem_printf("%s/%s", prompts_installed_dir(), name);
    bool there = access(p, F_OK) == 0;
    free(p);
    return there;
}

static prompts_t *s_prompts(void)
{
    err_t err = {0};
    prompts_t *p = prompts_load(NULL, &err);
    assert_non_null(p);
    return p;
}

static int
s_answer(llmstage_t *st, size_t slot, const char *content, const char *finish, err_t *err)
{
    llmjson_response_t r = {.content = (char *)content,
                            .content_len = strlen(content),
                            .finish_reason = (char *)finish};
    return llmstage_answer(st, slot, &r, err);
}

static json_t *s_result(llmstage_t *st)
{
    size_t len = 0;
    char *out = llmstage_result(st, &len);
    assert_non_null(out);
    assert_int_equal(len, strlen(out));
    json_t *v = json_loads(out, 0, NULL);
    free(out);
    assert_non_null(v);
    return v;
}

static json_t *s_meta(llmstage_t *st)
{
    char *out = llmstage_meta(st);
    assert_non_null(out);
    json_t *v = json_loads(out, 0, NULL);
    free(out);
    assert_non_null(v);
    return v;
}

static json_int_t s_int(json_t *o, const char *path)
{
    char *p = mem_strdup(path), *save = NULL;
    for (char *k = strtok_r(p, ".", &save); k; k = strtok_r(NULL, ".", &save))
        o = json_object_get(o, k);
    free(p);
    assert_true(json_is_integer(o));
    return json_integer_value(o);
}

static const char *s_str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    assert_non_null(s);
    return s;
}

/* The item's quote is exactly the transcript's text at offset, length (code
 * points). */
static void s_assert_verbatim(const transcript_t *t, json_t *item)
{
    size_t off = (size_t)s_int(item, "offset"), len = (size_t)s_int(item, "length");
    size_t b0 = transcript_byte(t, off), b1 = transcript_byte(t, off + len);
    const char *q = s_str(item, "quote");
    assert_int_equal(b1 - b0, strlen(q));
    assert_memory_equal(t->text + b0, q, b1 - b0);
}

/* The source text a map request carries (between <<< and >>>). */
static char *s_chunk_of(const char *user)
{
    const char *a = strstr(user, "<<<\n");
    assert_non_null(a);
    a += 4;
    const char *b = strstr(a, "\n>>>");
    assert_non_null(b);
    return mem_strndup(a, (size_t)(b - a));
}

static llmstage_t *
s_stage(job_stage_t stage, const transcript_t *t, const prompts_t *p, size_t context, size_t max)
{
    llmstage_opts_t o = {.stage = stage,
                         .transcript = t,
                         .prompts = p,
                         .title = "The data black hole",
                         .model = "test-model",
                         .context_tokens = context,
                         .max_tokens = max};
    err_t err = {0};
    llmstage_t *st = llmstage_new(&o, &err);
    assert_non_null(st);
    assert_int_equal(err.code, 0);
    return st;
}

/* --- snippets: one chunk --------------------------------------------------- */

static const char *k_good_answer =
    "Here are the quotes:\n```json\n{\"snippets\": [\n"
    /* exact */
    "{\"quote\": \"Our genome is only three gigabytes, and only one to two percent of it is "
    "protein coding.\", \"why\": \"Rebuts evolution as pretraining.\"},\n"
    /* curly apostrophe, changed case, collapsed white space: normalised */
    "{\"quote\": \"IT\xe2\x80\x99S hard  to\\n overstate how task-specific and bespoke this human "
    "expert data is.\", \"why\": \"Makes the data industry concrete.\"},\n"
    /* one word changed: snapped */
    "{\"quote\": \"The right way to think about these models is not like a human who has learned "
    "all these different skills that you see the models displaying.\", \"why\": \"Reframes "
    "capability.\"},\n"
    /* not in the source */
    "{\"quote\": \"Scaling laws guarantee superintelligence by next Tuesday.\", \"why\": "
    "\"Invented.\"},\n"
    "]}\n```\nHope this helps!";

/* A test's stage, prompts and transcript, freed in the right order. */
static void s_free(llmstage_t **st, prompts_t **p, transcript_t **t)
{
    llmstage_destroy(st);
    prompts_destroy(p);
    transcript_destroy(t);
}

static void test_llmstage_mines_snippets_from_a_source_that_fits(void **state)
{
    (void)state;
    transcript_t *t = s_transcript();
    prompts_t *p = s_prompts();
    llmstage_t *st = s_stage(JOB_STAGE_SNIPPET, t, p, 0, 0);

    llmstage_req_t req;
    assert_int_equal(llmstage_next(st, &req), 1);
    assert_int_equal(req.slot, 0);
    assert_non_null(req.system);
    assert_non_null(strstr(req.user, "(The data black hole)")); /* no ", part" */
    char *want = mem_printf("Pick up to %zu quotes", extract_snippet_budget(s_count_words(t)));
    assert_non_null(strstr(req.user, want)); /* default: by the source's length */
    free(want);
    assert_non_null(strstr(req.user, k_sents[3])); /* the source */
    assert_null(strstr(req.user, "{{"));           /* all filled */
    assert_null(strstr(req.user, "<!--"));         /* no comment */
    assert_string_equal(req.schema_name, "lode_snippets");
    json_t *schema = json_loads(req.schema, 0, NULL);
    assert_non_null(schema); /* the schema is JSON */
    json_decref(schema);
    assert_int_equal(llmstage_next(st, &req), 0); /* one chunk, one request */
    assert_false(llmstage_done(st));
    assert_null(llmstage_result(st, NULL));

    err_t err = {0};
    assert_int_equal(s_answer(st, 0, k_good_answer, "stop", &err), 0);
    assert_true(llmstage_done(st));
    assert_int_equal(llmstage_next(st, &req), 0);

    json_t *arr = s_result(st);
    assert_int_equal(json_array_size(arr), 3);
    const char *kinds[] = {"normalised", "snapped", "exact"}; /* in source order */
    const char *sources[] = {k_sents[2], k_sents[3], k_sents[5]};
    json_int_t ranks[] = {2, 3, 1};
    for (size_t i = 0; i < 3; i++) {
        json_t *it = json_array_get(arr, i);
        assert_int_equal(s_int(it, "id"), (json_int_t)i + 1);
        assert_string_equal(s_str(it, "match"), kinds[i]);
        assert_string_equal(s_str(it, "quote"), sources[i]); /* the source's bytes */
        s_assert_verbatim(t, it);
        assert_int_equal(s_int(it, "rank"), ranks[i]);
        assert_true(json_is_real(json_object_get(it, "score")));
        assert_int_equal(json_object_get(it, "snap_score") != NULL, i == 1);
    }
    assert_int_equal(s_int(json_array_get(arr, 0), "start_ms"), 10000);
    assert_int_equal(s_int(json_array_get(arr, 2), "start_ms"), 25000);
    assert_string_equal(s_str(json_array_get(arr, 0), "commentary"),
                        "Makes the data industry concrete.");
    double snap = json_real_value(json_object_get(json_array_get(arr, 1), "snap_score"));
    assert_true(snap >= 0.8 && snap < 1.0);
    /* The curly apostrophe of the model is not stored: the source has "It's". */
    assert_null(strstr(s_str(json_array_get(arr, 0), "quote"), "\xe2\x80\x99"));
    json_decref(arr);

    assert_string_equal(llmstage_rejected(st, 0),
                        "Scaling laws guarantee superintelligence by next Tuesday.");
    assert_null(llmstage_rejected(st, 1));

    llmstage_usage(st, 1200, 300);
    llmstage_usage(st, 100, -1); /* unknown counts are not added */
    json_t *m = s_meta(st);
    assert_string_equal(s_str(m, "engine"), "openai");
    assert_string_equal(s_str(m, "model"), "test-model");
    assert_string_equal(s_str(m, "prompt"), "snippet.md");
    assert_string_equal(s_str(m, "prompt_hash"), prompts_hash(p, PROMPT_SNIPPET));
    assert_string_equal(s_str(m, "prompt_origin"), prompts_origin(p, PROMPT_SNIPPET));
    assert_int_equal(s_int(m, "chunks"), 1);
    assert_int_equal(s_int(m, "requests"), 1);
    assert_int_equal(s_int(m, "repairs"), 0);
    assert_int_equal(s_int(m, "prompt_tokens"), 1300);
    assert_int_equal(s_int(m, "completion_tokens"), 300);
    assert_int_equal(s_int(m, "quotes.proposed"), 4);
    assert_int_equal(s_int(m, "quotes.exact"), 1);
    assert_int_equal(s_int(m, "quotes.normalised"), 1);
    assert_int_equal(s_int(m, "quotes.snapped"), 1);
    assert_int_equal(s_int(m, "quotes.rejected"), 1);
    json_decref(m);

    /* The result reads back as the extractive engine's shape. */
    char *out = llmstage_result(st, NULL);
    extract_snippets_t sn;
    assert_int_equal(extract_snippets_from_json(t, out, strlen(out), &sn, &err), 0);
    assert_int_equal(sn.count, 3);
    extract_snippets_clear(&sn);
    free(out);

    llmstage_destroy(&st);
    assert_null(st);
    s_free(&st, &p, &t);
}

static void test_llmstage_keeps_a_bounded_excerpt_of_a_huge_rejected_quote(void **state)
{
    (void)state;
    transcript_t *t = s_transcript();
    prompts_t *p = s_prompts();
    llmstage_t *st = s_stage(JOB_STAGE_SNIPPET, t, p, 0, 0);
    llmstage_req_t req;
    assert_int_equal(llmstage_next(st, &req), 1);
    size_t big = 200000;
    char *quote = malloc(big + 1);
    for (size_t i = 0; i < big; i += 2)
        memcpy(quote + i, "\xc3\xa9", 2); /* a cut must not split this two-byte letter */
    quote[big] = '\0';
    char *answer = mem_printf("{\"snippets\":[{\"quote\":\"%s\",\"why\":\"w\"}]}", quote);
    err_t err = {0};
    assert_int_equal(s_answer(st, 0, answer, "stop", &err), 0);
    const char *kept = llmstage_rejected(st, 0);
    assert_non_null(kept);
    assert_true(strlen(kept) > 0 && strlen(kept) <= 512);
    assert_int_equal(strlen(kept) % 2, 0);
    assert_int_equal(memcmp(kept, quote, strlen(kept)), 0);
    free(answer);
    free(quote);
    s_free(&st, &p, &t);
}

static void test_llmstage_keeps_no_snippet_when_every_quote_is_invented(void **state)
{
    (void)state;
    transcript_t *t = s_transcript();
    prompts_t *p = s_prompts();
    llmstage_t *st = s_stage(JOB_STAGE_SNIPPET, t, p, 0, 0);
    llmstage_req_t req;
    assert_int_equal(llmstage_next(st, &req), 1);
    err_t err = {0};
    const char *a = "{\"snippets\":[{\"quote\":\"Nothing like this was said.\",\"why\":\"x\"},"
                    "{\"quote\":\"\",\"why\":\"empty\"}]}";
    assert_int_equal(s_answer(st, req.slot, a, "stop", &err), 0);
    assert_true(llmstage_done(st));
    char *out = llmstage_result(st, NULL);
    assert_string_equal(out, "[]");
    free(out);
    json_t *m = s_meta(st);
    assert_int_equal(s_int(m, "quotes.proposed"), 2);
    assert_int_equal(s_int(m, "quotes.rejected"), 2);
    assert_int_equal(s_int(m, "repairs"), 0);
    json_decref(m);
    s_free(&st, &p, &t);
}

static void test_llmstage_keeps_max_snippets_and_drops_repeats(void **state)
{
    (void)state;
    transcript_t *t = s_transcript();
    prompts_t *p = s_prompts();
    llmstage_opts_t o = {
        .stage = JOB_STAGE_SNIPPET, .transcript = t, .prompts = p, .max_snippets = 2};
    err_t err = {0};
    llmstage_t *st = llmstage_new(&o, &err);
    assert_non_null(st);
    llmstage_req_t req;
    assert_int_equal(llmstage_next(st, &req), 1);
    assert_non_null(strstr(req.user, "(untitled)"));
    assert_non_null(strstr(req.user, "Pick up to 2 quotes"));
    /* The same sentence twice (once sloppily), a part of it, then another. */
    char *a =
        mem_printf("{\"snippets\":[{\"quote\":\"%s\",\"why\":\"a\"},"
                   "{\"quote\":\"so one definition of INTELLIGENCE is sample "
                   "efficiency.\",\"why\":\"b\"},{\"quote\":\"sample efficiency\",\"why\":"
                   "\"c\"},{\"quote\":\"%s\",\"why\":\"d\"},{\"quote\":\"%s\",\"why\":\"e\"}]}",
                   k_sents[0], k_sents[6], k_sents[5]);
    assert_int_equal(s_answer(st, req.slot, a, "stop", &err), 0);
    free(a);
    json_t *arr = s_result(st);
    assert_int_equal(json_array_size(arr), 2);
    assert_string_equal(s_str(json_array_get(arr, 0), "quote"), k_sents[0]);
    assert_string_equal(s_str(json_array_get(arr, 0), "commentary"), "a");
    assert_string_equal(s_str(json_array_get(arr, 1), "quote"), k_sents[6]);
    json_decref(arr);
    s_free(&st, &p, &t);
}

/* Without --max-snippets the source's length decides how many quotes are
 * asked for (issue #14): 150 sentences of 18 words, 2,700 words, ask for
 * extract_snippet_budget(2700) = 22, not a fixed 12. */
static void test_llmstage_asks_for_as_many_snippets_as_the_length_deserves(void **state)
{
    (void)state;
    transcript_t *t = s_long_transcript(150);
    prompts_t *p = s_prompts();
    llmstage_t *st = s_stage(JOB_STAGE_SNIPPET, t, p, 200000, 0);
    llmstage_req_t req;
    assert_int_equal(llmstage_next(st, &req), 1);
    assert_int_equal(s_count_words(t), 150 * 18);
    size_t budget = extract_snippet_budget(s_count_words(t));
    assert_int_equal(budget, 22);
    char *want = mem_printf("Pick up to %zu quotes", budget);
    assert_non_null(strstr(req.user, want));
    free(want);
    s_free(&st, &p, &t);
}

/* --- repairs and failures ------------------------------------------------ */

static void test_llmstage_repairs_a_bad_answer_once(void **state)
{
    (void)state;
    transcript_t *t = s_transcript();
    prompts_t *p = s_prompts();
    llmstage_t *st = s_stage(JOB_STAGE_SNIPPET, t, p, 0, 0);
    llmstage_req_t req;
    assert_int_equal(llmstage_next(st, &req), 1);
    char *first = mem_strdup(req.user);
    err_t err = {0};
    assert_int_equal(
        s_answer(st, req.slot, "I am sorry, I cannot quote this source.", "stop", &err), 0);
    assert_int_equal(err.code, 0);
    assert_false(llmstage_done(st));

    assert_int_equal(llmstage_next(st, &req), 1);
    assert_int_equal(req.slot, 0);
    assert_true(strncmp(req.user, first, strlen(first)) == 0); /* the original prompt */
    assert_non_null(strstr(req.user, "I am sorry, I cannot quote this source."));
    assert_non_null(strstr(req.user, "could not be used"));
    assert_non_null(strstr(req.user, "only the corrected JSON"));
    assert_int_equal(llmstage_next(st, &req), 0);
    free(first);

    char *a = mem_printf("{\"snippets\":[{\"quote\":\"%s\",\"why\":\"w\"}]}", k_sents[6]);
    assert_int_equal(s_answer(st, 0, a, "stop", &err), 0);
    free(a);
    assert_true(llmstage_done(st));
    json_t *m = s_meta(st);
    assert_int_equal(s_int(m, "requests"), 2);
    assert_int_equal(s_int(m, "repairs"), 1);
    json_decref(m);
    s_free(&st, &p, &t);
}

static void test_llmstage_repair_of_a_long_answer_still_fits_the_window(void **state)
{
    (void)state;
    transcript_t *t = s_long_transcript(60);
    prompts_t *p = s_prompts();
    llmstage_opts_t o = {.stage = JOB_STAGE_SNIPPET,
                         .transcript = t,
                         .prompts = p,
                         .context_tokens = 1700,
                         .max_tokens = 256};
    err_t err = {0};
    llmstage_t *st = llmstage_new(&o, &err);
    assert_non_null(st);
    llmstage_req_t req;
    size_t n = 0;
    while (llmstage_next(st, &req) == 1) {
        assert_true(chunk_tokens(req.system, strlen(req.system)) +
                        chunk_tokens(req.user, strlen(req.user)) + o.max_tokens <=
                    o.context_tokens);
        n++;
    }
    assert_true(n >= 2);
    char *bad = mem_alloc(5001);
    for (size_t i = 0; i < 5000; i++)
        bad[i] = "Well, here goes "[i % 16];
    bad[5000] = '\0';
    assert_int_equal(s_answer(st, 1, bad, "stop", &err), 0);
    free(bad);
    assert_int_equal(llmstage_next(st, &req), 1);
    assert_int_equal(req.slot, 1);
    assert_non_null(strstr(req.user, "<<<\nWell, here goes Well, here goes"));
    assert_non_null(strstr(req.user, "…\n>>>")); /* cut, and says so */
    assert_true(chunk_tokens(req.system, strlen(req.system)) +
                    chunk_tokens(req.user, strlen(req.user)) + o.max_tokens <=
                o.context_tokens);
    s_free(&st, &p, &t);
}

static void test_llmstage_repairs_an_answer_of_the_wrong_shape(void **state)
{
    (void)state;
    transcript_t *t = s_transcript();
    prompts_t *p = s_prompts();
    llmstage_t *st = s_stage(JOB_STAGE_SNIPPET, t, p, 0, 0);
    llmstage_req_t req;
    assert_int_equal(llmstage_next(st, &req), 1);
    err_t err = {0};
    assert_int_equal(s_answer(st, 0, "{\"quotes\":[\"a\"]}", "stop", &err), 0);
    assert_int_equal(llmstage_next(st, &req), 1);
    assert_non_null(strstr(req.user, "{\"quotes\":[\"a\"]}"));
    assert_non_null(strstr(req.user, "expected {\"snippets\""));
    /* Still wrong: items without "why". */
    assert_int_equal(s_answer(st, 0, "{\"snippets\":[{\"quote\":\"x\"}]}", "stop", &err), -1);
    assert_int_equal(err.code, LODE_ELLM);
    assert_non_null(strstr(err.msg, "still unusable after a repair"));
    assert_non_null(strstr(err.msg, "{\\\"snippets\\\":[{\\\"quote\\\""));
    s_free(&st, &p, &t);
}

static void test_llmstage_fails_after_a_second_bad_answer(void **state)
{
    (void)state;
    transcript_t *t = s_transcript();
    prompts_t *p = s_prompts();
    llmstage_t *st = s_stage(JOB_STAGE_SNIPPET, t, p, 0, 0);
    llmstage_req_t req;
    assert_int_equal(llmstage_next(st, &req), 1);
    err_t err = {0};
    assert_int_equal(s_answer(st, 0, "no json here", "stop", &err), 0);
    assert_int_equal(llmstage_next(st, &req), 1);
    assert_int_equal(s_answer(st, 0, "still no json, sorry", "stop", &err), -1);
    assert_int_equal(err.code, LODE_ELLM);
    assert_true(err_retryable(err.code));
    assert_non_null(strstr(err.msg, "still no json, sorry"));
    assert_int_equal(llmstage_next(st, &req), 0);
    assert_false(llmstage_done(st));
    assert_null(llmstage_result(st, NULL));
    /* Later answers get the same failure. */
    err_t again = {0};
    assert_int_equal(s_answer(st, 0, "{}", "stop", &again), -1);
    assert_string_equal(again.msg, err.msg);
    s_free(&st, &p, &t);
}

static void test_llmstage_fails_at_once_on_an_answer_cut_by_max_tokens(void **state)
{
    (void)state;
    transcript_t *t = s_transcript();
    prompts_t *p = s_prompts();
    llmstage_t *st = s_stage(JOB_STAGE_SNIPPET, t, p, 0, 0);
    llmstage_req_t req;
    assert_int_equal(llmstage_next(st, &req), 1);
    err_t err = {0};
    assert_int_equal(s_answer(st, 0, "{\"snippets\":[{\"quote\":\"So one", "length", &err), -1);
    assert_int_equal(err.code, LODE_ETOOBIG);
    assert_false(err_retryable(err.code));
    assert_int_equal(llmstage_next(st, &req), 0); /* no repair */
    json_t *m = s_meta(st);
    assert_int_equal(s_int(m, "repairs"), 0);
    json_decref(m);
    /* An answer for a slot that was not asked is refused without failing. */
    llmstage_destroy(&st);
    st = s_stage(JOB_STAGE_SNIPPET, t, p, 0, 0);
    err_clear(&err);
    assert_int_equal(s_answer(st, 0, "{}", "stop", &err), -1);
    assert_int_equal(err.code, LODE_EINVAL);
    assert_int_equal(llmstage_next(st, &req), 1);
    s_free(&st, &p, &t);
}

/* --- long sources ----------------------------------------------------------- */

/* Answer every queued map request of a snippet stage by quoting every
 * sentence of its chunk; returns the requests answered. */
static size_t
s_quote_every_sentence(llmstage_t *st, size_t n_sents, const char *must, size_t *n_proposed)
{
    llmstage_req_t req;
    size_t answered = 0;
    size_t slots[64];
    char *users[64];
    while (llmstage_next(st, &req) == 1) {
        assert_true(answered < 64);
        slots[answered] = req.slot;
        users[answered++] = mem_strdup(req.user);
    }
    for (size_t k = 0; k < answered; k++) {
        char *chunk = s_chunk_of(users[k]);
        assert_non_null(strstr(users[k], must));
        char *label = mem_printf(", part %zu of %zu)", k + 1, answered);
        assert_non_null(strstr(users[k], label));
        free(label);
        json_t *items = json_array();
        for (size_t i = 0; i < n_sents; i++) {
            char *s = s_long_sentence(i);
            if (strstr(chunk, s)) {
                json_array_append_new(items, json_pack("{s:s,s:s}", "quote", s, "why", "w"));
                (*n_proposed)++;
            }
            free(s);
        }
        json_t *a = json_pack("{s:o}", "snippets", items);
        char *text = json_dumps(a, 0);
        err_t err = {0};
        assert_int_equal(s_answer(st, slots[k], text, "stop", &err), 0);
        free(text);
        json_decref(a);
        free(chunk);
        free(users[k]);
    }
    return answered;
}

static void test_llmstage_maps_a_long_source_over_overlapping_chunks(void **state)
{
    (void)state;
    const size_t n = 60;
    transcript_t *t = s_long_transcript(n);
    prompts_t *p = s_prompts();
    llmstage_opts_t o = {.stage = JOB_STAGE_SNIPPET,
                         .transcript = t,
                         .prompts = p,
                         .context_tokens = 1700,
                         .max_tokens = 256,
                         .max_snippets = 100};
    err_t err = {0};
    llmstage_t *st = llmstage_new(&o, &err);
    assert_non_null(st);
    size_t proposed = 0;
    size_t requests = s_quote_every_sentence(st, n, "Pick up to ", &proposed);
    assert_true(requests >= 3);
    assert_true(proposed > n); /* the overlaps proposed some sentences twice */
    assert_true(llmstage_done(st));

    json_t *arr = s_result(st);
    assert_int_equal(json_array_size(arr), n); /* each sentence once */
    json_int_t end = 0;
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *it = json_array_get(arr, i);
        s_assert_verbatim(t, it);
        assert_string_equal(s_str(it, "match"), "exact");
        assert_true(s_int(it, "offset") >= end); /* in order, no overlap */
        end = s_int(it, "offset") + s_int(it, "length");
        assert_null(json_object_get(it, "start_ms")); /* untimed */
    }
    json_decref(arr);
    json_t *m = s_meta(st);
    assert_int_equal(s_int(m, "chunks"), (json_int_t)requests);
    assert_int_equal(s_int(m, "quotes.proposed"), (json_int_t)proposed);
    assert_int_equal(s_int(m, "quotes.exact"), (json_int_t)n);
    assert_int_equal(s_int(m, "quotes.rejected"), 0);
    json_decref(m);
    llmstage_destroy(&st);

    /* With room for 4 only, the first pick of each of four chunks is kept. */
    o.max_snippets = 4;
    st = llmstage_new(&o, &err);
    assert_non_null(st);
    proposed = 0;
    /* Each part is asked for its share and one more, at least 3. */
    assert_int_equal(s_quote_every_sentence(st, n, "Pick up to 3 quotes", &proposed), requests);
    arr = s_result(st);
    assert_int_equal(json_array_size(arr), 4);
    size_t last_cp = (size_t)s_int(json_array_get(arr, 3), "offset");
    assert_true(last_cp > transcript_cp(t, t->len) / requests); /* past the first chunk */
    json_decref(arr);
    s_free(&st, &p, &t);
}

static void test_llmstage_keeps_the_complete_quotes_of_a_part_cut_by_max_tokens(void **state)
{
    (void)state;
    transcript_t *t = s_long_transcript(60);
    prompts_t *p = s_prompts();
    llmstage_opts_t o = {.stage = JOB_STAGE_SNIPPET,
                         .transcript = t,
                         .prompts = p,
                         .context_tokens = 1700,
                         .max_tokens = 256};
    err_t err = {0};
    llmstage_t *st = llmstage_new(&o, &err);
    assert_non_null(st);
    llmstage_req_t req;
    size_t n = 0;
    while (llmstage_next(st, &req) == 1)
        n++;
    assert_true(n >= 3);
    char *s0 = s_long_sentence(0), *s1 = s_long_sentence(1);
    char *cut = mem_printf("```json\n{\"snippets\": [{\"quote\": \"%s\", \"why\": \"w {}\"},\n"
                           "{\"quote\": \"%s\", \"why\": \"second\"}, {\"quote\": \"Claim num",
                           s0, s1);
    assert_int_equal(s_answer(st, 0, cut, "length", &err), 0);
    free(cut);
    for (size_t k = 1; k < n; k++)
        assert_int_equal(s_answer(st, k, "{\"snippets\":[]}", "stop", &err), 0);
    assert_true(llmstage_done(st));
    json_t *arr = s_result(st);
    assert_int_equal(json_array_size(arr), 2);
    assert_string_equal(s_str(json_array_get(arr, 0), "quote"), s0);
    assert_string_equal(s_str(json_array_get(arr, 0), "commentary"), "w {}");
    assert_string_equal(s_str(json_array_get(arr, 1), "quote"), s1);
    json_decref(arr);
    json_t *m = s_meta(st);
    assert_int_equal(s_int(m, "cut_answers"), 1);
    assert_int_equal(s_int(m, "repairs"), 0);
    json_decref(m);
    llmstage_destroy(&st);

    /* Cut before its first complete quote: nothing to keep, the stage fails. */
    st = llmstage_new(&o, &err);
    assert_non_null(st);
    while (llmstage_next(st, &req) == 1)
        ;
    assert_int_equal(s_answer(st, 1, "{\"snippets\": [{\"quote\": \"Claim", "length", &err), -1);
    assert_int_equal(err.code, LODE_ETOOBIG);
    llmstage_destroy(&st);
    free(s0);
    free(s1);
    prompts_destroy(&p);
    transcript_destroy(&t);
}

/* --- synthesis ------------------------------------------------------------ */

static const char *k_synthesis_answer =
    "{\"title\":\"Data Is the Engine\",\"sections\":[{\"heading\":\"\",\"markdown\":\"Opening "
    "paragraph.\"},{\"heading\":\"The Gap\",\"markdown\":\"A millionfold difference.\"}]}";

static void test_llmstage_writes_a_synthesis_in_one_request(void **state)
{
    (void)state;
    transcript_t *t = s_transcript();
    prompts_t *p = s_prompts();
    const char *snippets = "[{\"id\":1,\"quote\":\"That is close to a millionfold difference.\","
                           "\"commentary\":\"Quantifies the gap.\",\"offset\":0,\"length\":1}]";
    llmstage_opts_t o = {
        .stage = JOB_STAGE_SYNTHESIS, .transcript = t, .prompts = p, .snippets_json = snippets};
    err_t err = {0};
    llmstage_t *st = llmstage_new(&o, &err);
    assert_non_null(st);
    llmstage_req_t req;
    assert_int_equal(llmstage_next(st, &req), 1);
    assert_string_equal(req.schema_name, "lode_synthesis");
    assert_non_null(
        strstr(req.user, "- \"That is close to a millionfold difference.\" - Quantifies the gap."));
    assert_non_null(strstr(req.user, k_sents[4]));
    assert_int_equal(llmstage_next(st, &req), 0);
    assert_int_equal(s_answer(st, req.slot, k_synthesis_answer, "stop", &err), 0);
    assert_true(llmstage_done(st));
    json_t *v = s_result(st);
    assert_string_equal(s_str(v, "title"), "Data Is the Engine");
    assert_string_equal(s_str(v, "markdown"), "# Data Is the Engine\n\nOpening paragraph.\n\n"
                                              "## The Gap\n\nA millionfold difference.\n");
    json_decref(v);
    json_t *m = s_meta(st);
    assert_string_equal(s_str(m, "prompt"), "synthesis.md");
    assert_int_equal(s_int(m, "essay_quotes.checked"), 0);
    llmstage_destroy(&st);

    /* Words in quotation marks must be the source's (issue #14): a true
     * quote keeps its marks, an invented one loses them and is counted. */
    st = llmstage_new(&o, &err);
    assert_non_null(st);
    assert_int_equal(llmstage_next(st, &req), 1);
    assert_int_equal(s_answer(st, req.slot,
                              "{\"title\":\"T\",\"sections\":[{\"heading\":\"\",\"markdown\":"
                              "\"As the talk puts it, \\u201cthat is close to a millionfold "
                              "difference.\\u201d It never says \\\"data is the new oil\\\" at "
                              "all, nor \\\"so\\\".\"}]}",
                              "stop", &err),
                     0);
    v = s_result(st);
    assert_string_equal(s_str(v, "markdown"),
                        "# T\n\nAs the talk puts it, \xe2\x80\x9cthat is close to a millionfold "
                        "difference.\xe2\x80\x9d It never says data is the new oil at all, nor "
                        "\"so\".\n");
    json_decref(v);
    json_decref(m);
    m = s_meta(st);
    assert_int_equal(s_int(m, "essay_quotes.checked"), 2);
    assert_int_equal(s_int(m, "essay_quotes.unquoted"), 1);
    llmstage_destroy(&st);

    /* An empty title falls back to the source's; a section that repeats its
     * heading does not show it twice. */
    o.title = "The data black hole";
    st = llmstage_new(&o, &err);
    assert_non_null(st);
    assert_int_equal(llmstage_next(st, &req), 1);
    assert_int_equal(s_answer(st, req.slot,
                              "{\"title\":\"\",\"sections\":[{\"heading\":\"Gap\","
                              "\"markdown\":\"## Gap\\n\\nBody.\"}]}",
                              "stop", &err),
                     0);
    v = s_result(st);
    assert_string_equal(s_str(v, "title"), "The data black hole");
    assert_string_equal(s_str(v, "markdown"), "# The data black hole\n\n## Gap\n\nBody.\n");
    json_decref(v);
    assert_null(json_object_get(m, "quotes"));
    assert_null(json_object_get(m, "notes"));
    assert_int_equal(s_int(m, "chunks"), 1);
    json_decref(m);
    s_free(&st, &p, &t);
}

/* Answers every notes request with claims of claim_bytes bytes; returns the
 * number of notes requests. */
static size_t s_answer_notes(llmstage_t *st, size_t claim_bytes)
{
    llmstage_req_t req;
    size_t slots[64], n = 0;
    while (llmstage_next(st, &req) == 1) {
        assert_string_equal(req.schema_name, "lode_notes");
        assert_non_null(strstr(req.user, "taking notes"));
        slots[n++] = req.slot;
    }
    for (size_t k = 0; k < n; k++) {
        char *pad = mem_alloc(claim_bytes + 1);
        memset(pad, 'x', claim_bytes);
        pad[claim_bytes] = '\0';
        char *a = mem_printf("{\"claims\":[\"Part %zu claim one %s\",\"Part %zu claim two\"],"
                             "\"numbers\":[\"%zu gears\"],\"examples\":[],\"references\":[],"
                             "\"quotes\":[]}",
                             k + 1, pad, k + 1, k);
        err_t err = {0};
        assert_int_equal(s_answer(st, slots[k], a, "stop", &err), 0);
        free(a);
        free(pad);
    }
    return n;
}

static void test_llmstage_takes_notes_on_a_long_source_before_the_synthesis(void **state)
{
    (void)state;
    transcript_t *t = s_long_transcript(80);
    prompts_t *p = s_prompts();
    llmstage_opts_t o = {.stage = JOB_STAGE_SYNTHESIS,
                         .transcript = t,
                         .prompts = p,
                         .context_tokens = 1800,
                         .max_tokens = 300};
    err_t err = {0};
    llmstage_t *st = llmstage_new(&o, &err);
    assert_non_null(st);
    size_t n = s_answer_notes(st, 10);
    assert_true(n >= 3);
    llmstage_req_t req;
    assert_int_equal(llmstage_next(st, &req), 1);
    assert_string_equal(req.schema_name, "lode_synthesis");
    assert_int_equal(req.slot, n);
    for (size_t k = 1; k <= n; k++) {
        char *h = mem_printf("### Part %zu of %zu\nClaims:\n- Part %zu claim one", k, n, k);
        assert_non_null(strstr(req.user, h));
        free(h);
    }
    assert_non_null(strstr(req.user, "Numbers:\n- 0 gears"));
    assert_null(strstr(req.user, "Claim number 5 says")); /* not the source itself */
    assert_int_equal(llmstage_next(st, &req), 0);
    assert_int_equal(s_answer(st, n, k_synthesis_answer, "stop", &err), 0);
    assert_true(llmstage_done(st));
    json_t *m = s_meta(st);
    assert_int_equal(s_int(m, "chunks"), (json_int_t)n);
    assert_int_equal(s_int(m, "requests"), (json_int_t)n + 1);
    assert_int_equal(s_int(m, "notes.chunks"), (json_int_t)n);
    assert_false(json_is_true(json_object_get(json_object_get(m, "notes"), "truncated")));
    assert_string_equal(s_str(json_object_get(m, "notes"), "prompt_hash"),
                        prompts_hash(p, PROMPT_NOTES));
    json_decref(m);
    llmstage_destroy(&st);

    /* Notes too long together: each part's are cut to its share, and the
     * meta says so. */
    st = llmstage_new(&o, &err);
    assert_non_null(st);
    n = s_answer_notes(st, 1500);
    assert_int_equal(llmstage_next(st, &req), 1);
    for (size_t k = 1; k <= n; k++) {
        char *h = mem_printf("### Part %zu of %zu\n", k, n);
        assert_non_null(strstr(req.user, h));
        free(h);
    }
    assert_null(strstr(req.user, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"));
    assert_true(chunk_tokens(req.user, strlen(req.user)) + o.max_tokens < o.context_tokens);
    assert_int_equal(s_answer(st, req.slot, k_synthesis_answer, "stop", &err), 0);
    json_t *m2 = s_meta(st);
    assert_true(json_is_true(json_object_get(json_object_get(m2, "notes"), "truncated")));
    json_decref(m2);
    s_free(&st, &p, &t);
}

/* --- fan-out --------------------------------------------------------------- */

static void test_llmstage_merges_the_fanout_of_every_chunk(void **state)
{
    (void)state;
    transcript_t *t = s_long_transcript(60);
    prompts_t *p = s_prompts();
    llmstage_opts_t o = {.stage = JOB_STAGE_FANOUT,
                         .transcript = t,
                         .prompts = p,
                         .context_tokens = 1800,
                         .max_tokens = 256,
                         .snippets_json = "[]",
                         .synthesis_json =
                             "{\"title\":\"T\",\"markdown\":\"# T\\n\\nEssay body.\"}"};
    err_t err = {0};
    llmstage_t *st = llmstage_new(&o, &err);
    assert_non_null(st);
    llmstage_req_t req;
    size_t slots[64], n = 0;
    while (llmstage_next(st, &req) == 1) {
        assert_string_equal(req.schema_name, "lode_fanout");
        assert_non_null(strstr(req.user, "Essay body."));
        slots[n++] = req.slot;
    }
    assert_true(n >= 2);
    for (size_t k = 0; k < n; k++) {
        json_t *q = json_array(), *c = json_array(), *r = json_array();
        json_array_append_new(q,
                              json_string(k % 2 ? "Why do GEARS matter?" : "why do gears matter"));
        for (size_t i = 0; i < 15; i++)
            json_array_append_new(q, json_sprintf("Question %zu of part %zu?", i, k));
        json_array_append_new(c, json_string(k ? "sample efficiency" : "Sample Efficiency"));
        json_array_append_new(c, json_string("Économie"));
        json_array_append_new(c, json_string("economie"));
        json_array_append_new(r, json_string(k ? "Chinchilla - the scaling paper"
                                               : "Chinchilla - parameter and data terms"));
        json_t *a = json_pack("{s:o,s:o,s:o}", "questions", q, "concepts", c, "references", r);
        char *text = json_dumps(a, 0);
        assert_int_equal(s_answer(st, slots[k], text, "stop", &err), 0);
        free(text);
        json_decref(a);
    }
    assert_true(llmstage_done(st));
    json_t *v = s_result(st);
    json_t *q = json_object_get(v, "questions"), *c = json_object_get(v, "concepts"),
           *r = json_object_get(v, "references");
    assert_int_equal(json_array_size(q), 20); /* capped */
    assert_string_equal(json_string_value(json_array_get(q, 0)), "why do gears matter");
    /* In turns: each part's first question, then each one's second. */
    assert_string_equal(json_string_value(json_array_get(q, 1)), "Question 0 of part 0?");
    assert_string_equal(json_string_value(json_array_get(q, 2)), "Question 0 of part 1?");
    assert_int_equal(json_array_size(c), 2);
    assert_string_equal(json_string_value(json_array_get(c, 0)), "Sample Efficiency");
    assert_string_equal(json_string_value(json_array_get(c, 1)), "Économie");
    assert_int_equal(json_array_size(r), 1);
    json_decref(v);
    s_free(&st, &p, &t);
}

static void test_llmstage_leaves_out_stored_snippets_that_do_not_fit(void **state)
{
    (void)state;
    transcript_t *t = s_transcript();
    prompts_t *p = s_prompts();
    json_t *arr = json_array();
    for (int i = 0; i < 200; i++)
        json_array_append_new(arr, json_pack("{s:s,s:s}", "quote", k_sents[3], "commentary",
                                             "A long enough line on why it matters."));
    char *snippets = json_dumps(arr, 0);
    json_decref(arr);
    llmstage_opts_t o = {.stage = JOB_STAGE_FANOUT,
                         .transcript = t,
                         .prompts = p,
                         .snippets_json = snippets,
                         .synthesis_json = "{\"title\":\"T\",\"markdown\":\"# T\"}",
                         .context_tokens = 4096,
                         .max_tokens = 512};
    err_t err = {0};
    llmstage_t *st = llmstage_new(&o, &err);
    assert_non_null(st);
    llmstage_req_t req;
    assert_int_equal(llmstage_next(st, &req), 1);
    assert_non_null(strstr(req.user, "Quotes kept from the source:\n(none)"));
    assert_non_null(strstr(req.user, k_sents[4])); /* the source is there */
    json_t *m = s_meta(st);
    assert_true(json_is_true(json_object_get(m, "snippets_omitted")));
    json_decref(m);
    llmstage_destroy(&st);

    /* A synthesis rather drops them than the source for notes. */
    transcript_t *lt = s_long_transcript(60);
    arr = json_array();
    for (int i = 0; i < 40; i++)
        json_array_append_new(arr, json_pack("{s:s,s:s}", "quote", k_sents[3], "commentary", "w"));
    char *some = json_dumps(arr, 0);
    json_decref(arr);
    llmstage_opts_t so = {.stage = JOB_STAGE_SYNTHESIS,
                          .transcript = lt,
                          .prompts = p,
                          .snippets_json = some,
                          .context_tokens = 4096,
                          .max_tokens = 512};
    st = llmstage_new(&so, &err);
    assert_non_null(st);
    assert_int_equal(llmstage_next(st, &req), 1);
    assert_string_equal(req.schema_name, "lode_synthesis");
    assert_non_null(strstr(req.user, "Claim number 59 says"));
    assert_null(strstr(req.user, "The correct way"));
    assert_int_equal(llmstage_next(st, &req), 0);
    m = s_meta(st);
    assert_true(json_is_true(json_object_get(m, "snippets_omitted")));
    assert_null(json_object_get(m, "notes"));
    json_decref(m);
    llmstage_destroy(&st);
    /* With a larger window they ride along. */
    so.context_tokens = 16384;
    st = llmstage_new(&so, &err);
    assert_non_null(st);
    assert_int_equal(llmstage_next(st, &req), 1);
    assert_non_null(strstr(req.user, "The correct way"));
    llmstage_destroy(&st);
    free(some);
    transcript_destroy(&lt);

    /* With room for them, they ride along. */
    o.context_tokens = 32768;
    st = llmstage_new(&o, &err);
    assert_non_null(st);
    assert_int_equal(llmstage_next(st, &req), 1);
    assert_non_null(strstr(req.user, "- \"The correct way"));
    m = s_meta(st);
    assert_null(json_object_get(m, "snippets_omitted"));
    json_decref(m);
    llmstage_destroy(&st);
    free(snippets);
    prompts_destroy(&p);
    transcript_destroy(&t);
}

/* --- refusals ------------------------------------------------------------ */

static void test_llmstage_refuses_an_empty_source_and_bad_arguments(void **state)
{
    (void)state;
    prompts_t *p = s_prompts();
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

    t = s_transcript();
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
    prompts_t *p = s_prompts();
    for (int i = 0; i < PROMPT_COUNT; i++) {
        const char *text = prompts_text(p, (prompt_id_t)i);
        assert_true(strlen(text) > 200);
        assert_true(strncmp(text, "<!--", 4) != 0);
        assert_non_null(strstr(text, "{{transcript}}"));
        if (!s_installed(prompts_name((prompt_id_t)i)))
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
    char *a = s_mkdir("a"), *b = s_mkdir("b"), *xdg = s_mkdir("xdg"),
         *x = s_mkdir("xdg/lode/prompts"), *h = s_mkdir("home/.config/lode/prompts");
    s_write(a, "snippet.md", "<!-- mine -->\nA snippet {{title}}\n");
    s_write(b, "snippet.md", "B snippet");
    s_write(b, "synthesis.md", "B synthesis");
    s_write(x, "snippet.md", "X snippet");
    s_write(x, "synthesis.md", "X synthesis");
    s_write(x, "fanout.md", "X fanout");
    s_write(h, "fanout.md", "H fanout");
    s_write(h, "notes.md", "H notes");
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
    if (!s_installed("notes.md"))
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
    s_write(a, "snippet.md", "<!-- mine -->\nA snippet {{title}}!\n");
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
    char *a = s_mkdir("a");
    s_write(a, "fanout.md", "<!-- only a comment -->\n\n");
    err_t err = {0};
    assert_null(prompts_load(a, &err));
    assert_int_equal(err.code, LODE_EINVAL);
    assert_non_null(strstr(err.msg, "fanout.md"));
    assert_non_null(strstr(err.msg, "empty"));

    s_write(a, "fanout.md", "");
    err_clear(&err);
    assert_null(prompts_load(a, &err));
    assert_int_equal(err.code, LODE_EINVAL);

    /* Latin-1 from an old editor: refused at load, not by every job's request. */
    s_write(a, "fanout.md",
            "Questions sur la s\xe9"
            "ance {{transcript}}");
    err_clear(&err);
    assert_null(prompts_load(a, &err));
    assert_int_equal(err.code, LODE_EINVAL);
    assert_non_null(strstr(err.msg, "fanout.md"));
    assert_non_null(strstr(err.msg, "UTF-8"));

    /* A directory where the file should be cannot be read (even by root). */
    s_write(a, "fanout.md", "fine");
    char *d = s_mkdir("a/notes.md");
    err_clear(&err);
    assert_null(prompts_load(a, &err));
    assert_int_equal(err.code, LODE_EIO);
    assert_non_null(strstr(err.msg, "notes.md"));
    free(d);

    /* A --prompts dir that is not there. */
    char *gone = mem_printf("%s/nowhere", s_root);
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
    transcript_t *t = s_transcript();
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
        assert_int_equal(s_int(it, "id"), (json_int_t)i + 1);
        s_assert_verbatim(t, it);
        assert_true(json_is_integer(json_object_get(it, "start_ms")));
        assert_non_null(json_object_get(it, "commentary"));
    }
    json_t *last = json_array_get(v, n0);
    assert_string_equal(s_str(last, "quote"), k_sents[6]);
    assert_string_equal(s_str(last, "match"), "normalised");
    assert_int_equal(s_int(last, "start_ms"), 30000);
    assert_string_equal(s_str(json_array_get(v, 0), "match"), "exact");
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
        cmocka_unit_test_setup_teardown(test_llmstage_mines_snippets_from_a_source_that_fits,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(
            test_llmstage_keeps_a_bounded_excerpt_of_a_huge_rejected_quote, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_llmstage_keeps_no_snippet_when_every_quote_is_invented,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(
            test_llmstage_asks_for_as_many_snippets_as_the_length_deserves, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_llmstage_keeps_max_snippets_and_drops_repeats, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_llmstage_repairs_a_bad_answer_once, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_llmstage_repair_of_a_long_answer_still_fits_the_window,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_llmstage_repairs_an_answer_of_the_wrong_shape, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_llmstage_fails_after_a_second_bad_answer, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_llmstage_fails_at_once_on_an_answer_cut_by_max_tokens,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_llmstage_maps_a_long_source_over_overlapping_chunks,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(
            test_llmstage_keeps_the_complete_quotes_of_a_part_cut_by_max_tokens, s_setup,
            s_teardown),
        cmocka_unit_test_setup_teardown(test_llmstage_writes_a_synthesis_in_one_request, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(
            test_llmstage_takes_notes_on_a_long_source_before_the_synthesis, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_llmstage_merges_the_fanout_of_every_chunk, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_llmstage_leaves_out_stored_snippets_that_do_not_fit,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_llmstage_refuses_an_empty_source_and_bad_arguments,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_prompts_are_built_in, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_prompts_are_looked_up_in_order, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_prompts_refuse_an_empty_or_unreadable_override,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_prompts_render_placeholders_once, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_llmstage_guard_checks_extractive_snippets, s_setup,
                                        s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
