/*  status.c - read-only views of the cluster and of jobs, from Redis.
 *  SPDX-License-Identifier: MIT
 */
#include "status.h"

#include <string.h>

#include <jansson.h>

#include "job.h"
#include "mem.h"
#include "store.h"

#define STATUS_LIST_DEFAULT 20
#define STATUS_LIST_MAX     10000
#define STATUS_TITLE_COLS   60

static void s_print_json(cli_t *cli, json_t *j)
{
    json_dumpf(j, cli->out, JSON_PRESERVE_ORDER | JSON_INDENT(2));
    fputc('\n', cli->out);
    json_decref(j);
}

static json_t *s_str_or_null(const char *s)
{
    json_t *j = s && *s ? json_string(s) : NULL;
    return j ? j : json_null();
}

static int s_cluster(cli_t *cli, store_t *store, bool json)
{
    store_stats_t st;
    err_t err = {0};
    if (store_stats(store, &st, &err) != 0)
        return cli_fail(cli, &err);
    if (json) {
        json_t *q = json_object();
        for (int s = 0; s < JOB_STAGE_COUNT; s++)
            json_object_set_new(q, job_stage_name((job_stage_t)s), json_integer(st.queued[s]));
        s_print_json(cli,
                     json_pack("{s:o,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "queued", q,
                               "in_flight", (json_int_t)st.in_flight, "delayed",
                               (json_int_t)st.delayed, "dead", (json_int_t)st.dead, "jobs",
                               (json_int_t)st.jobs, "submitted", (json_int_t)st.submitted, "done",
                               (json_int_t)st.done, "failed", (json_int_t)st.failed, "retried",
                               (json_int_t)st.retried, "stale", (json_int_t)st.stale));
        return CLI_EXIT_OK;
    }
    fprintf(cli->out, "queued     ");
    for (int s = 0; s < JOB_STAGE_COUNT; s++)
        fprintf(cli->out, " %s %lld", job_stage_name((job_stage_t)s), (long long)st.queued[s]);
    fprintf(cli->out,
            "\nin flight   %lld\nretrying    %lld (waiting out a back-off)\n"
            "dead        %lld\njobs        %lld\n"
            "totals      submitted %lld, done %lld, failed %lld, retried %lld, stale %lld\n",
            (long long)st.in_flight, (long long)st.delayed, (long long)st.dead, (long long)st.jobs,
            (long long)st.submitted, (long long)st.done, (long long)st.failed,
            (long long)st.retried, (long long)st.stale);
    return CLI_EXIT_OK;
}

static json_t *s_job_json(const store_job_t *j)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:i,s:i,s:I,s:I,s:I,s:o,s:o,s:o}", "id", j->id,
                     "state", j->state, "stage", j->stage, "kind", j->kind, "url",
                     s_str_or_null(j->url), "name", s_str_or_null(j->name), "batch",
                     s_str_or_null(j->batch), "attempt", j->attempt, "attempts", j->attempts,
                     "created_ms", (json_int_t)j->created_ms, "updated_ms",
                     (json_int_t)j->updated_ms, "finished_ms", (json_int_t)j->finished_ms, "error",
                     s_str_or_null(j->error), "error_code", s_str_or_null(j->error_code),
                     "error_stage", s_str_or_null(j->error_stage));
}

static int s_one_job(cli_t *cli, store_t *store, const char *id, bool json)
{
    store_job_t job;
    err_t err = {0};
    if (!job_id_valid(id))
        err_set(&err, LODE_ENOTFOUND, "no job %s", id);
    if (err.code || store_job_get(store, id, &job, &err) != 0)
        return cli_fail(cli, &err);
    if (json) {
        s_print_json(cli, s_job_json(&job));
    } else {
        fprintf(cli->out, "job       %s\nstate     %s\nstage     %s\nkind      %s\n", job.id,
                job.state, job.stage, job.kind);
        if (job.url || job.name)
            fprintf(cli->out, "%s%s\n", job.url ? "url       " : "name      ",
                    job.url ? job.url : job.name);
        fprintf(cli->out, "batch     %s\nattempts  %d (this stage %d)\n", job.batch, job.attempts,
                job.attempt);
        if (job.error && *job.error)
            fprintf(cli->out, "error     %s%s%s: %s\n", job.error_stage,
                    job.error_code[0] ? " " : "", job.error_code, job.error);
    }
    store_job_clear(&job);
    return CLI_EXIT_OK;
}

int status_run(cli_t *cli, int argc, char **argv)
{
    bool json = false;
    const cli_opt_t opts[] = {{"--json", NULL, &json}, {NULL, NULL, NULL}};
    const char *pos[1];
    size_t n;
    int rc = cli_parse(cli, argc, argv, opts, pos, 1, &n);
    if (rc != 0)
        return cli_parse_exit(rc);
    err_t err = {0};
    store_t *store = cli_store(cli, &err);
    if (!store)
        return cli_fail(cli, &err);
    return n ? s_one_job(cli, store, pos[0], json) : s_cluster(cli, store, json);
}

/* The source's title, if fetched. Caller frees. */
static char *s_title(store_t *store, const char *id)
{
    err_t err = {0};
    char *src = store_part_get(store, id, STORE_PART_SOURCE, NULL, &err);
    if (!src)
        return NULL;
    json_t *j = json_loads(src, 0, NULL);
    free(src);
    const char *t = json_string_value(json_object_get(j, "title"));
    char *out = t && *t ? mem_strdup(t) : NULL;
    json_decref(j);
    return out;
}

/* Print at most cols code points of s. */
static void s_put_cols(FILE *f, const char *s, size_t cols)
{
    size_t n = 0, i = 0;
    for (; s[i] && n < cols; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    while (s[i] && ((unsigned char)s[i] & 0xC0) == 0x80)
        i++;
    fprintf(f, "%.*s%s\n", (int)i, s, s[i] ? "…" : "");
}

static void s_list_row(cli_t *cli, store_t *store, const store_job_t *job, json_t *arr)
{
    char *title = s_title(store, job->id);
    const char *label = title ? title : job->name ? job->name : job->url ? job->url : "";
    if (arr) {
        json_array_append_new(
            arr, json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:I}", "id", job->id, "state", job->state,
                           "stage", job->stage, "kind", job->kind, "title", s_str_or_null(title),
                           "name", s_str_or_null(job->name), "url", s_str_or_null(job->url),
                           "created_ms", (json_int_t)job->created_ms));
    } else {
        fprintf(cli->out, "%-26s  %-7s  %-9s  %-4s  ", job->id, job->state, job->stage, job->kind);
        s_put_cols(cli->out, label, STATUS_TITLE_COLS);
    }
    free(title);
}

static int s_list(cli_t *cli, store_t *store, size_t limit, bool json)
{
    char(*ids)[JOB_ID_SIZE] = NULL;
    size_t n = 0;
    err_t err = {0};
    if (store_job_list(store, 0, limit, &ids, &n, &err) != 0)
        return cli_fail(cli, &err);
    json_t *arr = json ? json_array() : NULL;
    if (!json && n)
        fprintf(cli->out, "%-26s  %-7s  %-9s  %-4s  %s\n", "ID", "STATE", "STAGE", "KIND", "TITLE");
    int rc = CLI_EXIT_OK;
    for (size_t i = 0; i < n && rc == CLI_EXIT_OK; i++) {
        store_job_t job;
        if (store_job_get(store, ids[i], &job, &err) != 0) {
            if (err.code != LODE_ENOTFOUND)
                rc = cli_fail(cli, &err);
            err_clear(&err); /* deleted since the listing: skip */
            continue;
        }
        s_list_row(cli, store, &job, arr);
        store_job_clear(&job);
    }
    free(ids);
    if (arr && rc == CLI_EXIT_OK)
        s_print_json(cli, arr);
    else
        json_decref(arr);
    return rc;
}

int status_list_run(cli_t *cli, int argc, char **argv)
{
    bool json = false;
    const char *limit_s = NULL;
    const cli_opt_t opts[] = {{"--json", NULL, &json}, {"--limit", &limit_s, NULL}, {NULL}};
    const char *pos[1];
    size_t n;
    int rc = cli_parse(cli, argc, argv, opts, pos, 0, &n);
    if (rc != 0)
        return cli_parse_exit(rc);
    long limit = STATUS_LIST_DEFAULT;
    if (limit_s && cli_parse_count(limit_s, STATUS_LIST_MAX, &limit) != 0)
        return cli_usage(cli, "list", "--limit wants a number from 1 to %d", STATUS_LIST_MAX);
    err_t err = {0};
    store_t *store = cli_store(cli, &err);
    if (!store)
        return cli_fail(cli, &err);
    return s_list(cli, store, (size_t)limit, json);
}
