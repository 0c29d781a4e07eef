/*  usage.c - per-stage run figures of a job and cost estimates.
 *  SPDX-License-Identifier: MIT
 */
#include "usage.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config.h"
#include "mem.h"
#include "store.h"

#define USAGE_MAX_PRICES 1024
#define USAGE_LINE_MAX   1024

typedef struct {
    char *glob;
    double in_per_m, out_per_m;
} s_price_t;

struct usage_prices {
    s_price_t *items;
    size_t count;
};

void usage_prices_destroy(usage_prices_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    usage_prices_t *self = *self_p;
    for (size_t i = 0; i < self->count; i++)
        free(self->items[i].glob);
    free(self->items);
    free(self);
    *self_p = NULL;
}

/* Where to look when no path is given; NULL if nowhere. Caller frees. */
static char *s_default_path(void)
{
    const char *env = getenv("LODE_PRICES");
    if (env && *env)
        return mem_strdup(env);
    char *path = config_user_path("prices.conf");
    FILE *f = path ? fopen(path, "r") : NULL;
    if (!f) { /* the default place is optional; a named file is not */
        free(path);
        return NULL;
    }
    fclose(f);
    return path;
}

static int s_parse_line(usage_prices_t *self, char *line, const char *path, int no, err_t *err)
{
    char *hash = strchr(line, '#');
    if (hash)
        *hash = '\0';
    char glob[256];
    double in, out;
    char extra;
    int n = sscanf(line, "%255s %lf %lf %c", glob, &in, &out, &extra);
    if (n <= 0)
        return 0; /* blank or a comment */
    if (n != 3 || in < 0 || out < 0) {
        err_set(err, LODE_EINVAL, "%s:%d: expected \"MODEL INPUT_USD_PER_1M OUTPUT_USD_PER_1M\"",
                path, no);
        return -1;
    }
    if (self->count == USAGE_MAX_PRICES) {
        err_set(err, LODE_EINVAL, "%s: more than %d prices", path, USAGE_MAX_PRICES);
        return -1;
    }
    self->items[self->count++] = (s_price_t){mem_strdup(glob), in, out};
    return 0;
}

usage_prices_t *usage_prices_load(const char *path, err_t *err)
{
    char *p = path && *path ? mem_strdup(path) : s_default_path();
    if (!p)
        return NULL;
    FILE *f = fopen(p, "r");
    if (!f) {
        err_set(err, LODE_EIO, "cannot read price table %s: %s", p, strerror(errno));
        free(p);
        return NULL;
    }
    usage_prices_t *self = mem_calloc(1, sizeof *self);
    self->items = mem_calloc(USAGE_MAX_PRICES, sizeof *self->items);
    char line[USAGE_LINE_MAX];
    int no = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f))
        rc = s_parse_line(self, line, p, ++no, err);
    fclose(f);
    free(p);
    if (rc != 0)
        usage_prices_destroy(&self);
    return self;
}

double usage_cost(const usage_prices_t *self,
                  const char *model,
                  int64_t prompt_tokens,
                  int64_t completion_tokens)
{
    for (size_t i = 0; self && model && i < self->count; i++)
        if (fnmatch(self->items[i].glob, model, 0) == 0)
            return ((double)prompt_tokens * self->items[i].in_per_m +
                    (double)completion_tokens * self->items[i].out_per_m) /
                   1e6;
    return -1;
}

/* The .meta of one stage, parsed; NULL when the stage has none (the
 * extractive engine writes none, or the stage has not run). */
static json_t *s_meta(store_t *store, const char *id, const char *part, err_t *err)
{
    char *data = store_part_get(store, id, part, NULL, err);
    if (!data) {
        if (err->code == LODE_ENOTFOUND)
            err_clear(err);
        return NULL;
    }
    json_t *o = json_loads(data, 0, NULL);
    free(data);
    return json_is_object(o) ? o : (json_decref(o), NULL);
}

static json_int_t s_i(json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

static const char *s_s(json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "";
}

/* The estimated cost of one stage's stored run, -1 if not priced. */
static double s_meta_cost(json_t *m, const usage_prices_t *prices)
{
    return m ? usage_cost(prices, s_s(m, "model"), s_i(m, "prompt_tokens"),
                          s_i(m, "completion_tokens"))
             : -1;
}

/* One stage's row of the text table. */
static void s_print_stage(FILE *f, const char *stage, json_t *m, const usage_prices_t *prices)
{
    if (!m) {
        fprintf(f, "%-10s extractive (no model)\n", stage);
        return;
    }
    const char *hash = s_s(m, "prompt_hash");
    fprintf(f, "%-10s %s %s, prompt %.19s (%s)\n", stage, s_s(m, "engine"), s_s(m, "model"), hash,
            s_s(m, "prompt_origin"));
    fprintf(f,
            "%-10s %lld request(s), %lld chunk(s), %lld repair(s); tokens %lld prompt + %lld "
            "completion",
            "", (long long)s_i(m, "requests"), (long long)s_i(m, "chunks"),
            (long long)s_i(m, "repairs"), (long long)s_i(m, "prompt_tokens"),
            (long long)s_i(m, "completion_tokens"));
    double cost = s_meta_cost(m, prices);
    if (cost >= 0)
        fprintf(f, ", about $%.4f", cost);
    fputc('\n', f);
    json_t *q = json_object_get(m, "quotes");
    if (q)
        fprintf(f,
                "%-10s quotes: %lld proposed, %lld exact, %lld normalised, %lld snapped, "
                "%lld rejected\n",
                "", (long long)s_i(q, "proposed"), (long long)s_i(q, "exact"),
                (long long)s_i(q, "normalised"), (long long)s_i(q, "snapped"),
                (long long)s_i(q, "rejected"));
    json_t *eq = json_object_get(m, "essay_quotes");
    if (eq)
        fprintf(f, "%-10s essay quotes: %lld checked, %lld not in the source (marks dropped)\n", "",
                (long long)s_i(eq, "checked"), (long long)s_i(eq, "unquoted"));
}

static const char *const s_stages[] = {"snippet", "synthesis", "fanout"};

/* What `lode show --stats` reports: a job, its stages' stored metadata and
 * what it cost. */
typedef struct {
    const char *id;
    store_job_t job;
    json_t *metas[3]; /* owned; per s_stages, NULL when not stored */
    usage_prices_t *prices;
    double total_cost; /* USD; < 0 when unpriced */
    bool one_model;    /* every stored run used one model */
} s_stats_t;

/* The job's totals include runs that failed (paid for, not stored); price
 * them with the model of the stored runs when there is one, else add up
 * the stored runs only. */
static void s_total_cost(s_stats_t *st)
{
    const char *model = NULL;
    st->one_model = true;
    for (int i = 0; i < 3; i++) {
        if (!st->metas[i])
            continue;
        if (model && strcmp(model, s_s(st->metas[i], "model")) != 0)
            st->one_model = false;
        model = s_s(st->metas[i], "model");
    }
    st->total_cost = model && st->one_model ? usage_cost(st->prices, model, st->job.prompt_tokens,
                                                         st->job.completion_tokens)
                                            : -1;
    for (int i = 0; i < 3 && model && !st->one_model; i++) {
        double c = s_meta_cost(st->metas[i], st->prices);
        if (c >= 0)
            st->total_cost = (st->total_cost < 0 ? 0 : st->total_cost) + c;
    }
}

static void s_stats_json(FILE *f, const s_stats_t *st)
{
    json_t *stages = json_object();
    for (int i = 0; i < 3; i++)
        json_object_set(stages, s_stages[i], st->metas[i] ? st->metas[i] : json_null());
    json_t *o = json_pack("{s:s,s:s,s:o,s:{s:I,s:I}}", "job", st->id, "state", st->job.state,
                          "stages", stages, "tokens", "prompt", (json_int_t)st->job.prompt_tokens,
                          "completion", (json_int_t)st->job.completion_tokens);
    json_object_set_new(o, "cost_usd",
                        st->total_cost >= 0 ? json_real(st->total_cost) : json_null());
    json_dumpf(o, f, JSON_PRESERVE_ORDER | JSON_INDENT(2));
    fputc('\n', f);
    json_decref(o);
}

static void s_stats_text(FILE *f, const s_stats_t *st)
{
    fprintf(f, "job        %s  %s\n", st->id, st->job.state);
    for (int i = 0; i < 3; i++)
        s_print_stage(f, s_stages[i], st->metas[i], st->prices);
    fprintf(f, "total      tokens %lld prompt + %lld completion", (long long)st->job.prompt_tokens,
            (long long)st->job.completion_tokens);
    if (st->total_cost >= 0)
        fprintf(f, ", about $%.4f%s", st->total_cost,
                st->one_model ? "" : " (stored runs only: they used several models)");
    fputc('\n', f);
}

int usage_show_stats(cli_t *cli, const char *id, bool json, const char *prices_path)
{
    static const char *parts[] = {STORE_PART_SNIPPETS_META, STORE_PART_SYNTHESIS_META,
                                  STORE_PART_FANOUT_META};
    err_t err = {0};
    s_stats_t st = {.id = id};
    st.prices = usage_prices_load(prices_path, &err);
    if (err.code)
        return cli_fail(cli, &err);
    store_t *store = cli_store(cli, &err);
    if (!store || store_job_get(store, id, &st.job, &err) != 0) {
        usage_prices_destroy(&st.prices);
        return cli_fail(cli, &err);
    }
    for (int i = 0; i < 3 && err.code == 0; i++)
        st.metas[i] = s_meta(store, id, parts[i], &err);
    s_total_cost(&st);
    int rc = err.code ? cli_fail(cli, &err) : CLI_EXIT_OK;
    if (rc == CLI_EXIT_OK && json)
        s_stats_json(cli->out, &st);
    else if (rc == CLI_EXIT_OK)
        s_stats_text(cli->out, &st);
    for (int i = 0; i < 3; i++)
        json_decref(st.metas[i]);
    store_job_clear(&st.job);
    usage_prices_destroy(&st.prices);
    return rc;
}
