/*  stagefix.c - fixtures of the llmstage tests (test_llmstage*.c): a
 *  timed and a long untimed transcript, a temp HOME per test, prompts
 *  files, answers fed to a stage by hand and their JSON read back.
 *  Test code: it asserts with cmocka.
 *  SPDX-License-Identifier: MIT
 */
#include "stagefix.h"

#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "mem.h"
#include "test.h"

const char *const stagefix_sents[STAGEFIX_N_SENTS] = {
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
char stagefix_root[64]; /* temp dir of the running test */

/* A timed transcript: one cue per sentence, 5 s each. */
transcript_t *stagefix_transcript(void)
{
    transcript_t *t = transcript_new();
    err_t err = {0};
    for (size_t i = 0; i < STAGEFIX_N_SENTS; i++)
        assert_int_equal(
            transcript_append(t, " ", stagefix_sents[i], strlen(stagefix_sents[i]),
                              (transcript_time_t){(int64_t)i * 5000, (int64_t)i * 5000 + 5000},
                              &err),
            0);
    return t;
}

/* An untimed transcript of n distinct sentences (about 90 bytes each). */
char *stagefix_long_sentence(size_t i)
{
    return mem_printf("Claim number %zu says that the widget factory in town %zu doubled its "
                      "output of gears and springs.",
                      i, i * 7 + 3);
}

transcript_t *stagefix_long_transcript(size_t n)
{
    transcript_t *t = transcript_new();
    err_t err = {0};
    for (size_t i = 0; i < n; i++) {
        char *s = stagefix_long_sentence(i);
        assert_int_equal(transcript_append(t, " ", s, strlen(s), TRANSCRIPT_UNTIMED, &err), 0);
        free(s);
    }
    return t;
}

size_t stagefix_count_words(const transcript_t *t)
{
    size_t n = 0;
    for (size_t i = 0; i < t->len; i++)
        n += t->text[i] != ' ' && (i == 0 || t->text[i - 1] == ' ');
    return n;
}

int stagefix_setup(void **state)
{
    (void)state;
    strcpy(stagefix_root, "/tmp/test_llmstage.XXXXXX");
    assert_non_null(mkdtemp(stagefix_root));
    char *home = mem_printf("%s/home", stagefix_root);
    mkdir(home, 0700);
    setenv("HOME", home, 1);
    free(home);
    unsetenv("XDG_CONFIG_HOME");
    unsetenv("LODE_PROMPTS");
    return 0;
}

int stagefix_teardown(void **state)
{
    (void)state;
    char *cmd = mem_printf("rm -rf '%s'", stagefix_root);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    return 0;
}

char *stagefix_mkdir(const char *sub)
{
    char *p = mem_printf("%s/%s", stagefix_root, sub);
    char *cmd = mem_printf("mkdir -p '%s'", p);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    return p;
}

void stagefix_write(const char *dir, const char *name, const char *text)
{
    char *p = mem_printf("%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    free(p);
}

bool stagefix_installed(const char *name)
{
    char *p = mem_printf("%s/%s", prompts_installed_dir(), name);
    bool there = access(p, F_OK) == 0;
    free(p);
    return there;
}

prompts_t *stagefix_prompts(void)
{
    err_t err = {0};
    prompts_t *p = prompts_load(NULL, &err);
    assert_non_null(p);
    return p;
}

int stagefix_answer(
    llmstage_t *st, size_t slot, const char *content, const char *finish, err_t *err)
{
    llmjson_response_t r = {.content = (char *)content,
                            .content_len = strlen(content),
                            .finish_reason = (char *)finish};
    return llmstage_answer(st, slot, &r, err);
}

json_t *stagefix_result(llmstage_t *st)
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

json_t *stagefix_meta(llmstage_t *st)
{
    char *out = llmstage_meta(st);
    assert_non_null(out);
    json_t *v = json_loads(out, 0, NULL);
    free(out);
    assert_non_null(v);
    return v;
}

json_int_t stagefix_int(json_t *o, const char *path)
{
    char *p = mem_strdup(path), *save = NULL;
    for (char *k = strtok_r(p, ".", &save); k; k = strtok_r(NULL, ".", &save))
        o = json_object_get(o, k);
    free(p);
    assert_true(json_is_integer(o));
    return json_integer_value(o);
}

const char *stagefix_str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    assert_non_null(s);
    return s;
}

/* The item's quote is exactly the transcript's text at offset, length (code
 * points). */
void stagefix_assert_verbatim(const transcript_t *t, json_t *item)
{
    size_t off = (size_t)stagefix_int(item, "offset"), len = (size_t)stagefix_int(item, "length");
    size_t b0 = transcript_byte(t, off), b1 = transcript_byte(t, off + len);
    const char *q = stagefix_str(item, "quote");
    assert_int_equal(b1 - b0, strlen(q));
    assert_memory_equal(t->text + b0, q, b1 - b0);
}

/* The source text a map request carries (between <<< and >>>). */
char *stagefix_chunk_of(const char *user)
{
    const char *a = strstr(user, "<<<\n");
    assert_non_null(a);
    a += 4;
    const char *b = strstr(a, "\n>>>");
    assert_non_null(b);
    return mem_strndup(a, (size_t)(b - a));
}

llmstage_t *stagefix_stage(
    job_stage_t stage, const transcript_t *t, const prompts_t *p, size_t context, size_t max)
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

/* A test's stage, prompts and transcript, freed in the right order. */
void stagefix_free(llmstage_t **st, prompts_t **p, transcript_t **t)
{
    llmstage_destroy(st);
    prompts_destroy(p);
    transcript_destroy(t);
}
