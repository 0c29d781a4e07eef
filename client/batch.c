/*  batch.c - bulk batches read back page by page: the tally of a batch's
 *  job states, `lode batch status` and `lode batch export`. Memory is
 *  bounded by one page, never by the batch. Submitting is batch_submit.c's;
 *  URLs and input lines are batch_url.c's.
 *  SPDX-License-Identifier: MIT
 */
#include "batch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <czmq.h>
#include <jansson.h>

#include "doc.h"
#include "jobdoc.h"
#include "mem.h"
#include "usage.h"

/* ----------------------------------------------------------------- tally */

#define S_CODE_UNREAD 0xffu /* a job not read yet */
#define S_STAGE_NONE  7u    /* stage field missing or unknown */

struct batch_tally {
    char id[JOB_ID_SIZE];
    uint8_t *codes; /* owned: per job, state | stage << 3, or S_CODE_UNREAD */
    size_t n_codes; /* jobs known (the batch's total at the last update) */
    batch_counts_t counts;
    char failed[BATCH_FAILED_SHOW][JOB_ID_SIZE]; /* first failed jobs seen */
    size_t n_failed;
};

static const char *const s_state_names[BATCH_STATE_COUNT] = {JOB_STATE_QUEUED,   JOB_STATE_RUNNING,
                                                             JOB_STATE_DONE,     JOB_STATE_FAILED,
                                                             JOB_STATE_EXPANDED, "unknown"};

const char *batch_state_name(batch_state_t s)
{
    return s < BATCH_STATE_COUNT ? s_state_names[s] : "unknown";
}

int64_t batch_counts_finished(const batch_counts_t *c)
{
    return c->state[BATCH_DONE] + c->state[BATCH_FAILED] + c->state[BATCH_EXPANDED];
}

static bool s_code_finished(uint8_t code)
{
    unsigned st = code & 7u;
    return code != S_CODE_UNREAD &&
           (st == BATCH_DONE || st == BATCH_FAILED || st == BATCH_EXPANDED);
}

static uint8_t s_code_of(const store_job_state_t *js)
{
    unsigned st = BATCH_UNKNOWN;
    for (unsigned s = 0; s < BATCH_UNKNOWN; s++) {
        if (strcmp(js->state, s_state_names[s]) == 0)
            st = s;
    }
    int stage = job_stage_parse(js->stage);
    return (uint8_t)(st | (stage < 0 ? S_STAGE_NONE : (unsigned)stage) << 3);
}

/* Add (sign 1) or take away (sign -1) one job's code from the counts. */
static void s_count(batch_counts_t *c, uint8_t code, int sign)
{
    if (code == S_CODE_UNREAD)
        return;
    unsigned st = code & 7u, stage = code >> 3;
    c->state[st] += sign;
    if (stage >= JOB_STAGE_COUNT)
        return;
    if (st == BATCH_QUEUED)
        c->queued[stage] += sign;
    else if (st == BATCH_RUNNING)
        c->running[stage] += sign;
    else if (st == BATCH_FAILED)
        c->failed[stage] += sign;
}

batch_tally_t *batch_tally_new(const char *batch_id)
{
    batch_tally_t *self = mem_calloc(1, sizeof *self);
    snprintf(self->id, sizeof self->id, "%s", batch_id);
    return self;
}

void batch_tally_destroy(batch_tally_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free((*self_p)->codes);
    free(*self_p);
    *self_p = NULL;
}

const char *batch_tally_id(const batch_tally_t *self)
{
    return self->id;
}

const batch_counts_t *batch_tally_counts(const batch_tally_t *self)
{
    return &self->counts;
}

const char (*batch_tally_failed(const batch_tally_t *self, size_t *n))[JOB_ID_SIZE]
{
    *n = self->n_failed;
    return (const char(*)[JOB_ID_SIZE])self->failed;
}

static bool s_page_settled(const batch_tally_t *self, size_t first, size_t n)
{
    for (size_t i = first; i < first + n; i++) {
        if (!s_code_finished(self->codes[i]))
            return false;
    }
    return true;
}

/* Read the unfinished jobs of the page starting at first. */
static int s_tally_page(batch_tally_t *self, store_t *store, size_t first, err_t *err)
{
    char(*ids)[JOB_ID_SIZE] = NULL;
    size_t n = 0, k = 0;
    if (store_batch_page(store, self->id, first, BATCH_PAGE, &ids, &n, err) != 0)
        return -1;
    size_t *at = mem_calloc(n + 1, sizeof *at);
    for (size_t i = 0; i < n && first + i < self->n_codes; i++) {
        if (!s_code_finished(self->codes[first + i])) {
            memmove(ids[k], ids[i], JOB_ID_SIZE);
            at[k++] = first + i;
        }
    }
    store_job_state_t *js = mem_calloc(k + 1, sizeof *js);
    int rc = store_job_states(store, (const char(*)[JOB_ID_SIZE])ids, k, js, err);
    for (size_t i = 0; rc == 0 && i < k; i++) {
        uint8_t code = s_code_of(&js[i]);
        s_count(&self->counts, self->codes[at[i]], -1);
        s_count(&self->counts, code, 1);
        if ((code & 7u) == BATCH_FAILED && self->n_failed < BATCH_FAILED_SHOW)
            memcpy(self->failed[self->n_failed++], ids[i], JOB_ID_SIZE);
        self->codes[at[i]] = code;
    }
    self->counts.reads += (int64_t)k;
    free(js);
    free(at);
    free(ids);
    return rc;
}

int batch_tally_update(batch_tally_t *self, store_t *store, err_t *err)
{
    int64_t start = zclock_mono();
    store_batch_t b;
    if (store_batch_get(store, self->id, &b, err) != 0)
        return -1;
    size_t total = b.total > 0 ? (size_t)b.total : 0;
    if (total > self->n_codes) {
        self->codes = mem_realloc(self->codes, total);
        memset(self->codes + self->n_codes, S_CODE_UNREAD, total - self->n_codes);
        self->n_codes = total;
    }
    self->counts.total = (int64_t)self->n_codes;
    self->counts.open = b.open;
    self->counts.reads = 0;
    for (size_t first = 0; first < self->n_codes; first += BATCH_PAGE) {
        size_t n = self->n_codes - first < BATCH_PAGE ? self->n_codes - first : BATCH_PAGE;
        if (!s_page_settled(self, first, n) && s_tally_page(self, store, first, err) != 0)
            return -1;
    }
    self->counts.read_ms = zclock_mono() - start;
    return 0;
}

/* ------------------------------------------------------ batch status */

static json_t *s_int_or_null(int64_t v)
{
    return v >= 0 ? json_integer((json_int_t)v) : json_null();
}

static json_t *s_counts_json(const store_batch_t *b, const batch_counts_t *c)
{
    json_t *states = json_object(), *stages = json_object();
    for (int s = 0; s < BATCH_STATE_COUNT; s++)
        json_object_set_new(states, batch_state_name((batch_state_t)s), json_integer(c->state[s]));
    for (int s = 0; s < JOB_STAGE_COUNT; s++)
        json_object_set_new(stages, job_stage_name((job_stage_t)s),
                            json_pack("{s:I,s:I,s:I}", "queued", (json_int_t)c->queued[s],
                                      "running", (json_int_t)c->running[s], "failed",
                                      (json_int_t)c->failed[s]));
    json_t *input =
        json_pack("{s:o,s:o,s:o,s:o,s:o}", "lines", s_int_or_null(b->lines), "invalid",
                  s_int_or_null(b->invalid), "duplicates", s_int_or_null(b->duplicates), "reused",
                  s_int_or_null(b->reused), "skipped", s_int_or_null(b->skipped));
    return json_pack("{s:s,s:s,s:I,s:b,s:I,s:I,s:o,s:o,s:o,s:I}", "batch", b->id, "name", b->name,
                     "created_ms", (json_int_t)b->created_ms, "open", (int)c->open, "total",
                     (json_int_t)c->total, "finished", (json_int_t)batch_counts_finished(c),
                     "states", states, "stages", stages, "input", input, "count_ms",
                     (json_int_t)c->read_ms);
}

static void s_status_text(FILE *f, const store_batch_t *b, const batch_counts_t *c)
{
    fprintf(f, "batch      %s%s%s%s\n", b->id, b->name[0] ? "  \"" : "", b->name,
            b->name[0] ? "\"" : "");
    fprintf(f, "jobs       %lld%s, %lld finished\n", (long long)c->total,
            c->open ? " so far (still being submitted)" : "", (long long)batch_counts_finished(c));
    if (b->lines >= 0)
        fprintf(f,
                "input      %lld lines: %lld invalid, %lld duplicates, %lld reused, "
                "%lld blank or comments\n",
                (long long)b->lines, (long long)b->invalid, (long long)b->duplicates,
                (long long)(b->reused > 0 ? b->reused : 0), (long long)b->skipped);
    fprintf(f, "state     ");
    for (int s = 0; s < BATCH_STATE_COUNT; s++) {
        if (s != BATCH_UNKNOWN || c->state[s])
            fprintf(f, " %s %lld", batch_state_name((batch_state_t)s), (long long)c->state[s]);
    }
    fprintf(f, "\n%-10s %8s %8s %8s\n", "stage", "queued", "running", "failed");
    for (int s = 0; s < JOB_STAGE_COUNT; s++)
        fprintf(f, "%-10s %8lld %8lld %8lld\n", job_stage_name((job_stage_t)s),
                (long long)c->queued[s], (long long)c->running[s], (long long)c->failed[s]);
    fprintf(f, "counted    %lld jobs in %.2f s\n", (long long)c->reads,
            (double)c->read_ms / 1000.0);
}

/* Model usage of the batch: totals, per model, and the cost estimate when
 * the price table knows every model used (-1 otherwise). */
static double s_batch_cost(const store_batch_t *b, const usage_prices_t *prices)
{
    double total = 0;
    for (size_t i = 0; i < b->n_models; i++) {
        double c = usage_cost(prices, b->models[i].model, b->models[i].prompt_tokens,
                              b->models[i].completion_tokens);
        if (c < 0)
            return -1;
        total += c;
    }
    return b->n_models ? total : -1;
}

static json_t *s_tokens_json(const store_batch_t *b, double cost)
{
    json_t *models = json_object();
    for (size_t i = 0; i < b->n_models; i++)
        json_object_set_new(models, b->models[i].model,
                            json_pack("{s:I,s:I}", "prompt", (json_int_t)b->models[i].prompt_tokens,
                                      "completion", (json_int_t)b->models[i].completion_tokens));
    json_t *o = json_pack("{s:I,s:I,s:o}", "prompt", (json_int_t)b->prompt_tokens, "completion",
                          (json_int_t)b->completion_tokens, "models", models);
    json_object_set_new(o, "cost_usd", cost >= 0 ? json_real(cost) : json_null());
    return o;
}

static void s_tokens_text(FILE *f, const store_batch_t *b, double cost)
{
    if (b->prompt_tokens == 0 && b->completion_tokens == 0)
        return;
    fprintf(f, "model use  %lld prompt + %lld completion tokens", (long long)b->prompt_tokens,
            (long long)b->completion_tokens);
    for (size_t i = 0; i < b->n_models; i++)
        fprintf(f, "%s%s %lld+%lld", i ? ", " : " (", b->models[i].model,
                (long long)b->models[i].prompt_tokens, (long long)b->models[i].completion_tokens);
    fprintf(f, "%s", b->n_models ? ")" : "");
    if (cost >= 0)
        fprintf(f, ", about $%.4f", cost);
    fputc('\n', f);
}

static int s_status(cli_t *cli, const char *id, bool json, const char *prices_path)
{
    err_t err = {0};
    usage_prices_t *prices = usage_prices_load(prices_path, &err);
    if (err.code)
        return cli_fail(cli, &err);
    store_t *store = cli_store(cli, &err);
    store_batch_t b;
    if (!store || store_batch_get(store, id, &b, &err) != 0) {
        usage_prices_destroy(&prices);
        return cli_fail(cli, &err);
    }
    double cost = s_batch_cost(&b, prices);
    usage_prices_destroy(&prices);
    batch_tally_t *t = batch_tally_new(id);
    int rc = batch_tally_update(t, store, &err) == 0 ? CLI_EXIT_OK : cli_fail(cli, &err);
    if (rc == CLI_EXIT_OK && json) {
        json_t *j = s_counts_json(&b, batch_tally_counts(t));
        json_object_set_new(j, "tokens", s_tokens_json(&b, cost));
        json_dumpf(j, cli->out, JSON_PRESERVE_ORDER | JSON_INDENT(2));
        fputc('\n', cli->out);
        json_decref(j);
    } else if (rc == CLI_EXIT_OK) {
        s_status_text(cli->out, &b, batch_tally_counts(t));
        s_tokens_text(cli->out, &b, cost);
    }
    batch_tally_destroy(&t);
    return rc;
}

/* ------------------------------------------------------ batch export */

/* Write one job's document; 0 or -1 and *err. */
static int s_export_one(store_t *store, const char *id, bool md, bool first, FILE *out, err_t *err)
{
    store_job_t job;
    doc_t *doc = jobdoc_load(store, id, &job, err);
    if (!doc)
        return -1;
    char *text = md ? doc_to_markdown(doc) : doc_to_json(doc, 0);
    size_t n = strlen(text);
    if (md && !first)
        fputs("\n---\n\n", out);
    fputs(text, out);
    if (n == 0 || text[n - 1] != '\n')
        fputc('\n', out);
    free(text);
    doc_destroy(&doc);
    store_job_clear(&job);
    if (ferror(out)) {
        err_set(err, LODE_EIO, "write: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* One export: where from, in which form, where to, and the counts. */
typedef struct {
    cli_t *cli;
    const char *id; /* the batch */
    bool md;        /* Markdown, else JSON lines */
    FILE *out;
    size_t n_out; /* documents written */
    size_t n_bad; /* documents skipped */
} s_export_t;

/* Every document of the batch, page by page; x->n_out counts them. A job
 * whose document cannot be read (a malformed part) is reported on stderr
 * and counted in x->n_bad, and the export goes on; Redis or write failures
 * stop it. */
static int s_export_all(s_export_t *x, err_t *err)
{
    x->n_out = x->n_bad = 0;
    for (size_t first = 0;; first += BATCH_PAGE) {
        char(*ids)[JOB_ID_SIZE] = NULL;
        size_t n = 0;
        if (store_batch_page(x->cli->store, x->id, first, BATCH_PAGE, &ids, &n, err) != 0)
            return -1;
        int rc = 0;
        for (size_t i = 0; rc == 0 && i < n; i++) {
            err_t jerr = {0};
            rc = s_export_one(x->cli->store, ids[i], x->md, x->n_out == 0, x->out, &jerr);
            x->n_out += rc == 0;
            if (rc != 0 && jerr.code != LODE_ESTORE && jerr.code != LODE_EIO) {
                fprintf(x->cli->errs, "lode: skipped job %s: %s\n", ids[i], jerr.msg);
                x->n_bad++;
                rc = 0;
            } else if (rc != 0) {
                err_set(err, jerr.code, "%s", jerr.msg);
            }
        }
        free(ids);
        if (rc != 0)
            return -1;
        if (n < BATCH_PAGE)
            return 0;
    }
}

static int s_export(cli_t *cli, const char *id, const char *format, const char *path)
{
    bool md = strcmp(format, "md") == 0 || strcmp(format, "markdown") == 0;
    if (!md && strcmp(format, "jsonl") != 0)
        return cli_usage(cli, "batch", "--format is jsonl or md, not \"%s\"", format);
    err_t err = {0};
    store_t *store = cli_store(cli, &err);
    store_batch_t b;
    if (!store || store_batch_get(store, id, &b, &err) != 0)
        return cli_fail(cli, &err);
    FILE *out = path && strcmp(path, "-") != 0 ? fopen(path, "w") : cli->out;
    if (!out) {
        fprintf(cli->errs, "lode: error: %s: %s\n", path, strerror(errno));
        return CLI_EXIT_ERROR;
    }
    s_export_t x = {.cli = cli, .id = id, .md = md, .out = out};
    int rc = s_export_all(&x, &err) == 0 ? CLI_EXIT_OK : cli_fail(cli, &err);
    size_t n = x.n_out, bad = x.n_bad;
    if (rc == CLI_EXIT_OK && bad > 0) {
        fprintf(cli->errs, "lode: error: %zu documents could not be read\n", bad);
        rc = CLI_EXIT_ERROR;
    }
    if (out != cli->out && fclose(out) != 0 && rc == CLI_EXIT_OK) {
        fprintf(cli->errs, "lode: error: %s: %s\n", path, strerror(errno));
        rc = CLI_EXIT_ERROR;
    }
    if (out != cli->out && rc == CLI_EXIT_OK)
        fprintf(cli->errs, "lode: wrote %zu documents to %s\n", n, path);
    return rc;
}

int batch_run(cli_t *cli, int argc, char **argv)
{
    bool json = false;
    const char *format = "jsonl", *output = NULL, *prices = NULL;
    const cli_opt_t opts[] = {{"--json", NULL, &json},     {"--prices", &prices, NULL},
                              {"--format", &format, NULL}, {"-o", &output, NULL},
                              {"--output", &output, NULL}, {NULL, NULL, NULL}};
    const char *pos[2];
    size_t n;
    int rc = cli_parse(cli, argc, argv, opts, pos, 2, &n);
    if (rc != 0)
        return cli_parse_exit(rc);
    if (n != 2)
        return cli_usage(cli, "batch", "give status or export, and a BATCH id");
    if (!job_id_valid(pos[1])) {
        fprintf(cli->errs, "lode: error: no batch %s\n", pos[1]);
        return CLI_EXIT_NOTFOUND;
    }
    if (strcmp(pos[0], "status") == 0)
        return s_status(cli, pos[1], json, prices);
    if (strcmp(pos[0], "export") == 0)
        return s_export(cli, pos[1], format, output);
    return cli_usage(cli, "batch", "unknown batch command \"%s\" (status or export)", pos[0]);
}
