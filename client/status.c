/*  status.c - read-only views of the cluster and of jobs, from Redis.
 *  SPDX-License-Identifier: MIT
 */
#include "status.h"

#include <string.h>

#include <jansson.h>

#include "job.h"
#include "jobref.h"
#include "store.h"
#include "top.h"

#define STATUS_WORKERS_WAIT_MS 1500 /* for a stats snapshot (one a second) */

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

/* Workers per stage from the broker's stats (only asked when a job waits:
 * it costs up to a second). false if there is no snapshot. */
static bool s_workers(cli_t *cli, const char *pub, long long workers[JOB_STAGE_COUNT])
{
    err_t err = {0};
    return top_stage_workers(cli, pub, STATUS_WORKERS_WAIT_MS, workers, &err) == 0;
}

/* "no workers for stage S: N queued jobs wait until one starts". */
static void s_no_workers_notes(cli_t *cli, const store_stats_t *st, const long long *workers)
{
    for (int s = 0; s < JOB_STAGE_COUNT; s++) {
        if (st->queued[s] > 0 && workers[s] == 0)
            fprintf(cli->out,
                    "note        no workers for stage %s: %lld queued job%s until one "
                    "starts (lode-worker --stage %s)\n",
                    job_stage_name((job_stage_t)s), (long long)st->queued[s],
                    st->queued[s] == 1 ? " waits" : "s wait", job_stage_name((job_stage_t)s));
    }
}

static bool s_any_queued(const store_stats_t *st)
{
    for (int s = 0; s < JOB_STAGE_COUNT; s++)
        if (st->queued[s] > 0)
            return true;
    return false;
}

static json_t *s_workers_json(bool have, const long long *workers)
{
    if (!have)
        return json_null();
    json_t *w = json_object();
    for (int s = 0; s < JOB_STAGE_COUNT; s++)
        json_object_set_new(w, job_stage_name((job_stage_t)s), json_integer(workers[s]));
    return w;
}

static int s_cluster(cli_t *cli, store_t *store, const char *pub, bool json)
{
    store_stats_t st;
    err_t err = {0};
    if (store_stats(store, &st, &err) != 0)
        return cli_fail(cli, &err);
    long long workers[JOB_STAGE_COUNT] = {0};
    bool have = s_any_queued(&st) && s_workers(cli, pub, workers);
    if (json) {
        json_t *q = json_object();
        for (int s = 0; s < JOB_STAGE_COUNT; s++)
            json_object_set_new(q, job_stage_name((job_stage_t)s), json_integer(st.queued[s]));
        s_print_json(cli, json_pack("{s:o,s:o,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "queued", q,
                                    "workers", s_workers_json(have, workers), "in_flight",
                                    (json_int_t)st.in_flight, "delayed", (json_int_t)st.delayed,
                                    "dead", (json_int_t)st.dead, "jobs", (json_int_t)st.jobs,
                                    "submitted", (json_int_t)st.submitted, "done",
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
    if (have)
        s_no_workers_notes(cli, &st, workers);
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

/* A queued job at a stage no worker serves waits: say so. */
static void s_job_workers_note(cli_t *cli, const char *pub, const store_job_t *job)
{
    int stage = job_stage_parse(job->stage);
    long long workers[JOB_STAGE_COUNT] = {0};
    if (strcmp(job->state, JOB_STATE_QUEUED) != 0 || stage < 0 || !s_workers(cli, pub, workers) ||
        workers[stage] > 0)
        return;
    fprintf(cli->out,
            "note      no workers for stage %s: the job waits until one starts (lode-worker "
            "--stage %s)\n",
            job->stage, job->stage);
}

static int s_one_job(cli_t *cli, store_t *store, const char *id, const char *pub, bool json)
{
    store_job_t job;
    err_t err = {0};
    char whole[JOB_ID_SIZE];
    if (jobref_resolve(store, id, whole, &err) != 0 || store_job_get(store, whole, &job, &err) != 0)
        return cli_fail(cli, &err);
    /* Where it lives, once there is a choice: a partitioned store or a
     * Redis Cluster (a store of one partition on one server says nothing). */
    const char *node = NULL;
    int part = store_job_partition(store, id, &node);
    bool where = store_partitions(store) > 1 || node;
    if (json) {
        json_t *o = s_job_json(&job);
        if (where) {
            json_object_set_new(o, "partition", json_integer(part));
            json_object_set_new(o, "node", node ? json_string(node) : json_null());
        }
        s_print_json(cli, o);
    } else {
        fprintf(cli->out, "job       %s\nstate     %s\nstage     %s\nkind      %s\n", job.id,
                job.state, job.stage, job.kind);
        if (job.url || job.name)
            fprintf(cli->out, "%s%s\n", job.url ? "url       " : "name      ",
                    job.url ? job.url : job.name);
        fprintf(cli->out, "batch     %s\nattempts  %d (this stage %d)\n", job.batch, job.attempts,
                job.attempt);
        if (where)
            fprintf(cli->out, "partition %d of %d%s%s\n", part, store_partitions(store),
                    node ? " on " : "", node ? node : "");
        if (job.error && *job.error)
            fprintf(cli->out, "error     %s%s%s: %s\n", job.error_stage,
                    job.error_code[0] ? " " : "", job.error_code, job.error);
        s_job_workers_note(cli, pub, &job);
    }
    store_job_clear(&job);
    return CLI_EXIT_OK;
}

int status_run(cli_t *cli, int argc, char **argv)
{
    bool json = false;
    const char *pub = NULL;
    const cli_opt_t opts[] = {{"--json", NULL, &json}, {"--pub", &pub, NULL}, {NULL, NULL, NULL}};
    const char *pos[1];
    size_t n;
    int rc = cli_parse(cli, argc, argv, opts, pos, 1, &n);
    if (rc != 0)
        return cli_parse_exit(rc);
    /* Redis restarting: wait for it as long as --timeout (default 10 s)
     * allows, saying so, rather than fail at once. */
    err_t err = {0};
    cli_outage_t outage = {0};
    store_t *store = cli_store_patient(cli, &outage, cli_mono_ms() + cli->timeout_ms, &err);
    if (!store)
        return cli_fail(cli, &err);
    return n ? s_one_job(cli, store, pos[0], pub, json) : s_cluster(cli, store, pub, json);
}
