/*  status.c - read-only views of the cluster and of jobs, from Redis.
 *  SPDX-License-Identifier: MIT
 */
#include "status.h"

#include <string.h>

#include <jansson.h>

#include "job.h"
#include "jobref.h"
#include "store.h"

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
    char whole[JOB_ID_SIZE];
    if (jobref_resolve(store, id, whole, &err) != 0 || store_job_get(store, whole, &job, &err) != 0)
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
