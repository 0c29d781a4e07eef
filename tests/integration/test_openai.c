/*  test_openai.c - the openai engine end to end: a real cluster whose text
 *  stages talk to a stand-in OpenAI-compatible server (tests/helpers/
 *  llmstand) that answers like a model would, from the prompt it was sent.
 *  Checks that what is stored is grounded whatever the model says: a
 *  hallucinated quote is never stored, near misses are snapped to the exact
 *  source span, a long source is mined in chunks; and that failures are
 *  typed: a bad key is permanent (and never logged), a 500 is retried, an
 *  answer that stays garbage fails with the start of what the model said,
 *  and an empty source never reaches the model.
 *  SPDX-License-Identifier: MIT
 */
// clang-format off
#include "test.h"
// clang-format on

#include <ctype.h>
#include <pthread.h>
#include <signal.h>

#include <jansson.h>

#include "cluster.h"
#include "fixture.h"
#include "llmstand.h"
#include "mem.h"

#define JOB_LIMIT_MS 60000
#define MODEL        "stand-model"
#define API_KEY      "sk-test-RIGHT-0123456789"
#define WRONG_KEY    "sk-test-WRONG-SECRET-987654"
#define FAKE_QUOTE   "The moon is made of green cheese,\nas every astronomer has always agreed."

/* How the stand-in model behaves; set by a test, read on server threads. */
typedef enum {
    MODE_GOOD,    /* quotes copied exactly */
    MODE_SLOPPY,  /* one exact, one re-cased with curly quotes and a changed word, one made up */
    MODE_GARBAGE, /* the snippet stage gets prose, never JSON */
} s_mode_t;

static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static s_mode_t s_mode = MODE_GOOD;
static int s_snippet_requests; /* snippet requests answered since the last reset */

typedef struct {
    cluster_t *c;
    llmstand_t *stand;
    char *key_file;   /* the right key */
    char *wrong_file; /* a wrong key */
    bool custom;      /* the text workers run with a test's own flags */
} s_fix_t;

static void s_set_mode(s_mode_t m)
{
    pthread_mutex_lock(&s_lock);
    s_mode = m;
    s_snippet_requests = 0;
    pthread_mutex_unlock(&s_lock);
}

static int s_snippet_count(void)
{
    pthread_mutex_lock(&s_lock);
    int n = s_snippet_requests;
    pthread_mutex_unlock(&s_lock);
    return n;
}

/* Every message's content, joined. Caller frees. */
static char *s_prompt_of(const char *request_json)
{
    json_t *req = json_loads(request_json, 0, NULL);
    json_t *msgs = json_object_get(req, "messages");
    size_t cap = strlen(request_json) + 1, len = 0;
    char *out = mem_calloc(1, cap);
    for (size_t i = 0; i < json_array_size(msgs); i++) {
        const char *c = json_string_value(json_object_get(json_array_get(msgs, i), "content"));
        size_t n = c ? strlen(c) : 0;
        if (len + n + 1 < cap) {
            memcpy(out + len, c, n);
            len += n;
            out[len++] = '\n';
        }
    }
    json_decref(req);
    return out;
}

/* The sentences of the part between <<< and >>> that have at least
 * min_words words: up to max new strings in out[]. */
static size_t s_sentences(const char *prompt, char **out, size_t max, size_t min_words)
{
    const char *p = strstr(prompt, "<<<");
    const char *end = p ? strstr(p, ">>>") : NULL;
    if (!p || !end)
        return 0;
    p += 3;
    size_t n = 0;
    while (p < end && n < max) {
        while (p < end && isspace((unsigned char)*p))
            p++;
        const char *stop = p;
        while (stop < end &&
               !(*stop == '.' && (stop + 1 == end || isspace((unsigned char)stop[1]))))
            stop++;
        if (stop >= end)
            break;
        size_t len = (size_t)(stop - p) + 1, words = 1;
        for (const char *q = p; q < stop; q++)
            words += *q == ' ';
        bool plain = memchr(p, '\n', len) == NULL && memchr(p, '"', len) == NULL &&
                     memchr(p, '\\', len) == NULL;
        if (words >= min_words && plain)
            out[n++] = mem_strndup(p, len);
        p = stop + 1;
    }
    return n;
}

/* "the Quick brown" -> “THE QUICK banana” style damage: case changed,
 * curly quotes around it, its fourth word replaced. */
static char *s_damage(const char *s)
{
    char *up = mem_strdup(s);
    for (char *q = up; *q; q++)
        *q = (char)toupper((unsigned char)*q);
    char *w = up;
    for (int i = 0; i < 3 && w; i++)
        w = strchr(w + 1, ' ');
    char *out;
    if (w) {
        char *next = strchr(w + 1, ' ');
        *w = '\0';
        out = mem_printf("\xe2\x80\x9c%s banana%s\xe2\x80\x9d", up, next ? next : "");
    } else {
        out = mem_printf("\xe2\x80\x9c%s\xe2\x80\x9d", up);
    }
    free(up);
    return out;
}

static char *s_snippet_answer(const char *prompt, s_mode_t mode)
{
    char *sent[64];
    size_t n = s_sentences(prompt, sent, 64, 12);
    json_t *items = json_array();
    for (size_t i = 0; i < n && json_array_size(items) < 3; i += 3) {
        char *quote = mode == MODE_SLOPPY && json_array_size(items) == 1 ? s_damage(sent[i])
                                                                         : mem_strdup(sent[i]);
        json_array_append_new(items, json_pack("{s:s,s:s}", "quote", quote, "why",
                                               "Shows how the argument turns on one claim."));
        free(quote);
    }
    if (mode == MODE_SLOPPY)
        json_array_append_new(items, json_pack("{s:s,s:s}", "quote", FAKE_QUOTE, "why",
                                               "A quote the source never said."));
    for (size_t i = 0; i < n; i++)
        free(sent[i]);
    json_t *o = json_pack("{s:o}", "snippets", items);
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    /* Models wrap JSON in a fence now and then: the engine must cope. */
    char *fenced = mem_printf("```json\n%s\n```", text);
    free(text);
    return fenced;
}

static llmstand_reply_t s_model(const char *request_json, void *arg)
{
    (void)arg;
    char *prompt = s_prompt_of(request_json);
    pthread_mutex_lock(&s_lock);
    s_mode_t mode = s_mode;
    bool snippet = strstr(prompt, "\"quote\": \"exact text from the transcript\"") != NULL;
    s_snippet_requests += snippet;
    pthread_mutex_unlock(&s_lock);
    char *content;
    if (snippet && mode == MODE_GARBAGE)
        content = mem_strdup("I am sorry, but I cannot help with quoting this transcript.");
    else if (snippet)
        content = s_snippet_answer(prompt, mode);
    else if (strstr(prompt, "{\"questions\": ["))
        content = mem_strdup("{\"questions\": [\"Does sample efficiency decide the race?\"], "
                             "\"concepts\": [\"sample efficiency\"], \"references\": "
                             "[\"Chinchilla - scaling laws\"]}");
    else if (strstr(prompt, "\"sections\": ["))
        content = mem_strdup("{\"title\": \"Learning from less\", \"sections\": [{\"heading\": "
                             "\"\", \"markdown\": \"The talk argues for efficiency.\"}, "
                             "{\"heading\": \"Data\", \"markdown\": \"Models see more data "
                             "than people do.\"}]}");
    else /* the notes of a long source's part */
        content = mem_strdup("{\"claims\": [\"Intelligence is sample efficiency.\"], "
                             "\"numbers\": [], \"examples\": [], \"references\": [], "
                             "\"quotes\": []}");
    free(prompt);
    return (llmstand_reply_t){.content = content, .owned = true};
}

/* --- fixture ---------------------------------------------------------------- */

static const char *const k_text_stages[] = {"snippet", "synthesis", "fanout"};

/* (Re)start the three text workers on the openai engine with extra flags. */
static void
s_openai_workers(s_fix_t *f, const char *key_file, const char *extra1, const char *extra2)
{
    for (int s = 1; s < CLUSTER_STAGES; s++) {
        (void)cluster_kill_worker(f->c, s, 0, SIGTERM);
        const char *args[] = {"--engine",
                              "openai",
                              "--llm-base-url",
                              llmstand_url(f->stand),
                              "--llm-model",
                              MODEL,
                              "--llm-api-key-file",
                              key_file,
                              "--llm-timeout-s",
                              "10",
                              "--concurrency",
                              "8",
                              s == 1 && extra1 ? extra1 : NULL,
                              s == 1 ? extra2 : NULL,
                              NULL};
        err_t err = {0};
        if (cluster_start_worker_with(f->c, s, 0, args, &err) != 0)
            fprintf(stderr, "start %s worker: %s\n", k_text_stages[s - 1], err.msg);
    }
    f->custom = key_file != f->key_file || extra1 || extra2;
}

static int s_group_setup(void **state)
{
    s_fix_t *f = mem_calloc(1, sizeof *f);
    llmstand_opts_t so = {.api_key = API_KEY, .models = MODEL};
    f->stand = llmstand_start(&so);
    const char *const broker_args[] = {"--max-attempts", "2", "--retry-base-ms", "100", NULL};
    cluster_opts_t co = {.broker_args = broker_args, .log_level = "info"};
    err_t err = {0};
    if (f->stand)
        f->c = cluster_new(&co, &err);
    if (!f->stand || !f->c) {
        fprintf(stderr, "setup: %s\n", f->stand ? err.msg : "stand-in did not start");
        llmstand_stop(&f->stand);
        free(f);
        return -1;
    }
    llmstand_set_responder(f->stand, s_model, NULL);
    f->key_file = cluster_write_file(f->c, "key", API_KEY "\n", strlen(API_KEY) + 1);
    f->wrong_file = cluster_write_file(f->c, "wrong", WRONG_KEY "\n", strlen(WRONG_KEY) + 1);
    s_openai_workers(f, f->key_file, NULL, NULL);
    *state = f;
    return 0;
}

static int s_group_teardown(void **state)
{
    s_fix_t *f = *state;
    if (!f)
        return 0;
    int reports = fixture_down(&f->c);
    llmstand_stop(&f->stand);
    free(f->key_file);
    free(f->wrong_file);
    free(f);
    return reports ? -1 : 0;
}

static int s_setup(void **state)
{
    s_fix_t *f = *state;
    s_set_mode(MODE_GOOD);
    llmstand_reset(f->stand); /* scripted replies a failed test left */
    llmstand_set_responder(f->stand, s_model, NULL);
    if (f->custom) /* a failed test left its own workers */
        s_openai_workers(f, f->key_file, NULL, NULL);
    cluster_mark_begin(f->c);
    return 0;
}

static int s_teardown(void **state)
{
    s_fix_t *f = *state;
    cluster_check(f->c);
    return 0;
}

/* --- helpers ------------------------------------------------------------------ */

static char *s_wait(s_fix_t *f, const char *id)
{
    char *state = cluster_wait_job(f->c, id, JOB_LIMIT_MS);
    assert_non_null(state);
    return state;
}

static void s_expect_done(s_fix_t *f, const char *id)
{
    char *state = s_wait(f, id);
    if (strcmp(state, "done") != 0) {
        char *error = cluster_job_field(f->c, id, "error");
        fprintf(stderr, "job %s: %s: %s\n", id, state, error ? error : "-");
        free(error);
    }
    assert_string_equal(state, "done");
    free(state);
}

/* Wait for id to fail at stage; its error (caller frees), which holds
 * needle. */
static char *s_expect_failed(s_fix_t *f, const char *id, const char *stage, const char *needle)
{
    char *st = s_wait(f, id);
    assert_string_equal(st, "failed");
    free(st);
    char *at = cluster_job_field(f->c, id, "error_stage");
    assert_non_null(at);
    assert_string_equal(at, stage);
    free(at);
    char *error = cluster_job_field(f->c, id, "error");
    assert_non_null(error);
    if (needle)
        assert_non_null(strstr(error, needle));
    return error;
}

static json_t *s_part(s_fix_t *f, const char *id, const char *part)
{
    char *raw = cluster_part(f->c, id, part);
    assert_non_null(raw);
    json_t *o = json_loads(raw, 0, NULL);
    if (!o)
        fprintf(stderr, "%s is not JSON: %.300s\n", part, raw);
    free(raw);
    assert_non_null(o);
    return o;
}

/* At least words words of real prose: the seed's paragraphs, over again as
 * often as needed, each round opened by a line of its own. */
static char *s_prose(size_t words)
{
    char *base = cluster_prose(words);
    assert_non_null(base);
    size_t have = 0, base_words = 0;
    for (const char *p = base; *p; p++)
        base_words += (p == base || p[-1] == ' ' || p[-1] == '\n') && *p != ' ' && *p != '\n';
    if (base_words >= words)
        return base;
    char *out = mem_strdup("");
    for (int round = 1; have < words; round++) {
        char *next = mem_printf("%s%sRound %d of the conversation begins here.\n\n%s", out,
                                round > 1 ? "\n\n" : "", round, base);
        free(out);
        out = next;
        have += base_words + 7;
    }
    free(base);
    return out;
}

static char *s_submit_prose(s_fix_t *f, size_t words)
{
    char *prose = s_prose(words);
    char *id = cluster_submit_text(f->c, prose, strlen(prose));
    free(prose);
    assert_non_null(id);
    return id;
}

/* --- tests ------------------------------------------------------------------- */

static void test_a_sloppy_model_is_snapped_and_its_invented_quote_is_never_stored(void **state)
{
    s_fix_t *f = *state;
    s_set_mode(MODE_SLOPPY);
    char *id = s_submit_prose(f, 600);
    s_expect_done(f, id);

    char *doc = cluster_export_json(f->c, id);
    assert_non_null(doc);
    assert_true(cluster_doc_check(doc, false) >= 2); /* every quote a verbatim span */
    assert_null(strstr(doc, "green cheese"));
    assert_null(strstr(doc, "BANANA"));
    json_t *exported = json_loads(doc, 0, NULL); /* provenance rides along */
    json_t *made = json_object_get(json_object_get(exported, "made_by"), "snippets");
    assert_string_equal(json_string_value(json_object_get(made, "model")), MODEL);
    assert_non_null(json_object_get(json_object_get(exported, "made_by"), "fanout"));
    json_decref(exported);
    free(doc);

    json_t *snippets = s_part(f, id, "snippets");
    bool snapped = false, exact = false;
    for (size_t i = 0; i < json_array_size(snippets); i++) {
        const char *m = json_string_value(json_object_get(json_array_get(snippets, i), "match"));
        assert_non_null(m);
        snapped |= strcmp(m, "snapped") == 0;
        exact |= strcmp(m, "exact") == 0;
        /* the model's own wording is kept beside a snapped quote, never an exact one */
        const char *prop =
            json_string_value(json_object_get(json_array_get(snippets, i), "proposed_quote"));
        if (strcmp(m, "snapped") == 0)
            assert_non_null(prop && strstr(prop, " banana") ? prop : NULL);
        if (strcmp(m, "exact") == 0)
            assert_null(prop);
        const char *why =
            json_string_value(json_object_get(json_array_get(snippets, i), "commentary"));
        assert_string_equal(why, "Shows how the argument turns on one claim.");
    }
    assert_true(snapped);
    assert_true(exact);
    json_decref(snippets);

    json_t *meta = s_part(f, id, "snippets.meta");
    assert_string_equal(json_string_value(json_object_get(meta, "engine")), "openai");
    assert_string_equal(json_string_value(json_object_get(meta, "model")), MODEL);
    assert_int_equal(strncmp(json_string_value(json_object_get(meta, "prompt_hash")), "sha256:", 7),
                     0);
    json_t *quotes = json_object_get(meta, "quotes");
    assert_int_equal(json_integer_value(json_object_get(quotes, "rejected")), 1);
    assert_true(json_integer_value(json_object_get(quotes, "snapped")) >= 1);
    assert_true(json_integer_value(json_object_get(meta, "prompt_tokens")) > 0);
    json_decref(meta);

    /* Rejected, counted and logged. */
    char *log = cluster_log(f->c, "worker-snippet-0");
    assert_non_null(log);
    assert_non_null(strstr(log, "rejected a quote not in the source"));
    assert_non_null(strstr(log, "green cheese,\\nas every")); /* escaped: one log line */
    assert_null(strstr(log, "green cheese,\nas every"));
    free(log);

    /* Usage: on the job, shown by show --stats, summed by batch status. */
    char *tokens = cluster_job_field(f->c, id, "prompt_tokens");
    assert_non_null(tokens);
    assert_true(atoll(tokens) > 0);
    free(tokens);
    char *prices = cluster_write_file(f->c, "prices.conf", "stand-*  1.00 2.00\n", 19);
    char *out = NULL;
    assert_int_equal(cluster_run_cli(f->c, NULL, &out, NULL, "show", id, NULL), 0);
    assert_non_null(strstr(out, "(snapped to the source)"));
    assert_non_null(strstr(out, "model proposed: \xe2\x80\x9c")); /* beside the source's */
    assert_null(strstr(out, "green cheese"));
    free(out);
    assert_int_equal(
        cluster_run_cli(f->c, NULL, &out, NULL, "show", id, "--stats", "--prices", prices, NULL),
        0);
    assert_non_null(strstr(out, MODEL));
    assert_non_null(strstr(out, "1 rejected"));
    assert_non_null(strstr(out, "about $"));
    free(out);
    char *batch = cluster_job_field(f->c, id, "batch");
    assert_non_null(batch);
    assert_int_equal(
        cluster_run_cli(f->c, NULL, &out, NULL, "batch", "status", batch, "--json", NULL), 0);
    json_t *st = json_loads(out, 0, NULL);
    assert_non_null(st);
    json_t *tok = json_object_get(st, "tokens");
    assert_true(json_integer_value(json_object_get(tok, "prompt")) > 0);
    assert_non_null(json_object_get(json_object_get(tok, "models"), MODEL));
    json_decref(st);
    free(out);
    free(batch);
    free(prices);
    free(id);
    cluster_mark_ok(f->c);
}

/* Mine a source of words words with a model of context tokens; check the
 * chunking and that every stored quote is a verbatim span. */
static void
s_long_source(s_fix_t *f, size_t words, const char *context, const char *max_tokens, int min_chunks)
{
    s_openai_workers(f, f->key_file, context, max_tokens);
    char *id = s_submit_prose(f, words);
    s_expect_done(f, id);
    assert_true(s_snippet_count() >= min_chunks);
    json_t *meta = s_part(f, id, "snippets.meta");
    assert_true(json_integer_value(json_object_get(meta, "chunks")) >= min_chunks);
    json_decref(meta);
    meta = s_part(f, id, "synthesis.meta"); /* notes per chunk, then the essay */
    assert_true(json_integer_value(json_object_get(meta, "requests")) >= 3);
    json_decref(meta);
    char *doc = cluster_export_json(f->c, id);
    assert_non_null(doc);
    assert_true(cluster_doc_check(doc, false) >= min_chunks);
    free(doc);
    free(id);
}

static void test_a_long_source_is_mined_in_chunks_and_every_quote_is_verbatim(void **state)
{
    s_fix_t *f = *state;
    s_long_source(f, 6000, "--llm-context=1536", "--llm-max-tokens=256", 4);
    cluster_mark_ok(f->c);
}

/* Three hours of speech at ~150 words a minute, against an 8k local model
 * with its answer budget: the case. */
static void test_a_three_hour_podcast_fits_an_8k_model(void **state)
{
    s_fix_t *f = *state;
    s_long_source(f, 27000, "--llm-context=8192", "--llm-max-tokens=1024", 6);
    cluster_mark_ok(f->c);
}

/* A job's first answer is a permanent failure: the chunks still queued
 * behind it (one request in flight) are never sent, never billed. */
static void test_a_failed_job_sends_none_of_its_queued_requests(void **state)
{
    s_fix_t *f = *state;
    s_openai_workers(f, f->key_file, "--llm-context=4096", "--llm-in-flight=1");
    llmstand_push_error(f->stand, 404, NULL, -1);
    size_t before = llmstand_requests(f->stand);
    char *id = s_submit_prose(f, 6000);
    free(s_expect_failed(f, id, "snippet", "404"));
    assert_int_equal(llmstand_requests(f->stand) - before, 1);
    free(id);
    cluster_mark_ok(f->c);
}

static void test_a_500_is_retried_and_the_job_still_finishes(void **state)
{
    s_fix_t *f = *state;
    size_t before = llmstand_requests(f->stand);
    llmstand_push_error(f->stand, 500, NULL, -1);
    char *id = s_submit_prose(f, 400);
    s_expect_done(f, id);
    /* The 500, its retry, synthesis and fan-out. */
    assert_true(llmstand_requests(f->stand) - before >= 4);
    char *attempts = cluster_job_field(f->c, id, "attempts");
    assert_string_equal(attempts, "4"); /* one dispatch per stage: retried in the worker */
    free(attempts);
    free(id);
    cluster_mark_ok(f->c);
}

static void test_a_bad_key_fails_at_once_and_is_never_logged(void **state)
{
    s_fix_t *f = *state;
    s_openai_workers(f, f->wrong_file, NULL, NULL);
    char *id = s_submit_prose(f, 400);
    char *error = s_expect_failed(f, id, "snippet", "401");
    assert_null(strstr(error, "WRONG-SECRET"));
    free(error);
    char *attempts = cluster_job_field(f->c, id, "attempt");
    assert_string_equal(attempts, "1"); /* permanent: not retried */
    free(attempts);
    for (int s = 1; s < CLUSTER_STAGES; s++) {
        char name[32];
        snprintf(name, sizeof name, "worker-%s-0", k_text_stages[s - 1]);
        char *log = cluster_log(f->c, name);
        assert_non_null(log);
        assert_null(strstr(log, "WRONG-SECRET"));
        assert_null(strstr(log, "RIGHT-0123"));
        free(log);
    }
    char *auth = llmstand_last_auth(f->stand, 0);
    assert_non_null(auth);
    assert_string_equal(auth, "Bearer " WRONG_KEY); /* it was sent, as a header */
    free(auth);
    free(id);
    cluster_mark_ok(f->c);
}

static void test_an_answer_that_stays_garbage_fails_with_what_the_model_said(void **state)
{
    s_fix_t *f = *state;
    s_set_mode(MODE_GARBAGE);
    char *id = s_submit_prose(f, 400);
    free(s_expect_failed(f, id, "snippet", "I am sorry"));
    char *code = cluster_job_field(f->c, id, "error_code");
    assert_string_equal(code, "ELLM");
    free(code);
    /* Two attempts (--max-attempts 2), each an answer and one repair. */
    assert_int_equal(s_snippet_count(), 4);
    assert_null(cluster_part(f->c, id, "snippets"));
    free(id);
    cluster_mark_ok(f->c);
}

static void test_an_empty_source_never_reaches_the_model(void **state)
{
    s_fix_t *f = *state;
    size_t before = llmstand_requests(f->stand);
    char *id = cluster_submit_text(f->c, "   \n\n  ", 7);
    assert_non_null(id);
    free(s_expect_failed(f, id, "fetch", "empty transcript"));
    assert_int_equal(llmstand_requests(f->stand), before);
    free(id);
    cluster_mark_ok(f->c);
}

int main(void)
{
    if (getenv("LODE_TEST_FILTER"))
        cmocka_set_test_filter(getenv("LODE_TEST_FILTER"));
#define T(fn) cmocka_unit_test_setup_teardown(fn, s_setup, s_teardown)
    const struct CMUnitTest tests[] = {
        T(test_a_sloppy_model_is_snapped_and_its_invented_quote_is_never_stored),
        T(test_a_long_source_is_mined_in_chunks_and_every_quote_is_verbatim),
        T(test_a_three_hour_podcast_fits_an_8k_model),
        T(test_a_failed_job_sends_none_of_its_queued_requests),
        T(test_a_500_is_retried_and_the_job_still_finishes),
        T(test_a_bad_key_fails_at_once_and_is_never_logged),
        T(test_an_answer_that_stays_garbage_fails_with_what_the_model_said),
        T(test_an_empty_source_never_reaches_the_model),
    };
#undef T
    return cluster_main_result(
        cmocka_run_group_tests_name("openai", tests, s_group_setup, s_group_teardown));
}
