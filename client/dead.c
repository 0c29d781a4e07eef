/*  dead.c - the dead-letter list and retries.
 *  SPDX-License-Identifier: MIT
 */
#include "dead.h"

#include <string.h>

#include <jansson.h>

#include "job.h"
#include "jobref.h"
#include "store.h"

#define DEAD_LIST_DEFAULT 50
#define DEAD_LIST_MAX     100000
#define DEAD_MAX_JOBS     64 /* job ids on one retry command line */

static json_t *s_dead_json(const store_job_t *j)
{
    return json_pack("{s:s,s:s,s:s,s:s,s:i,s:s,s:s?,s:I}", "id", j->id, "stage",
                     j->error_stage[0] ? j->error_stage : j->stage, "kind", j->kind, "reason",
                     j->error ? j->error : "", "attempts", j->attempts, "code", j->error_code,
                     "url", j->url ? j->url : j->name, "failed_ms", (json_int_t)j->finished_ms);
}

static void s_dead_row(cli_t *cli, const store_job_t *j)
{
    fprintf(cli->out, "%-26s  %-9s  %8d  %-12s  %s\n", j->id,
            j->error_stage[0] ? j->error_stage : j->stage, j->attempts,
            j->error_code[0] ? j->error_code : "-", j->error ? j->error : "");
}

int dead_list_run(cli_t *cli, int argc, char **argv)
{
    bool json = false;
    const char *limit_s = NULL;
    const cli_opt_t opts[] = {{"--json", NULL, &json}, {"--limit", &limit_s, NULL}, {NULL}};
    const char *pos[1];
    size_t n;
    int rc = cli_parse(cli, argc, argv, opts, pos, 0, &n);
    if (rc != 0)
        return cli_parse_exit(rc);
    long limit = DEAD_LIST_DEFAULT;
    if (limit_s && cli_parse_count(limit_s, DEAD_LIST_MAX, &limit) != 0)
        return cli_usage(cli, "dead", "--limit wants a number from 1 to %d", DEAD_LIST_MAX);
    err_t err = {0};
    store_t *store = cli_store(cli, &err);
    char(*ids)[JOB_ID_SIZE] = NULL;
    if (!store || store_dead_list(store, 0, (size_t)limit, &ids, &n, &err) != 0)
        return cli_fail(cli, &err);
    json_t *arr = json ? json_array() : NULL;
    if (!json && n)
        fprintf(cli->out, "%-26s  %-9s  %8s  %-12s  %s\n", "ID", "STAGE", "ATTEMPTS", "CODE",
                "REASON");
    for (size_t i = 0; i < n; i++) {
        store_job_t job;
        if (store_job_get(store, ids[i], &job, &err) != 0) {
            err_clear(&err); /* deleted since the listing */
            continue;
        }
        if (arr)
            json_array_append_new(arr, s_dead_json(&job));
        else
            s_dead_row(cli, &job);
        store_job_clear(&job);
    }
    free(ids);
    if (arr) {
        json_dumpf(arr, cli->out, JSON_PRESERVE_ORDER | JSON_INDENT(2));
        fputc('\n', cli->out);
        json_decref(arr);
    }
    return CLI_EXIT_OK;
}

/* Re-queue one job given by id or prefix; its whole id into out. An exit
 * code, the reason printed. */
static int s_retry_one(cli_t *cli, store_t *store, const char *arg, int stage, char *out)
{
    err_t err = {0};
    if (jobref_resolve(store, arg, out, &err) != 0)
        return cli_fail(cli, &err);
    int r = store_retry(store, out, stage, &err);
    if (r < 0)
        return cli_fail(cli, &err);
    if (r > 0)
        return CLI_EXIT_OK;
    store_job_t job;
    if (store_job_get(store, out, &job, &err) != 0)
        return cli_fail(cli, &err);
    fprintf(cli->errs, "lode: error: job %s is %s, not failed\n", out, job.state);
    store_job_clear(&job);
    return CLI_EXIT_ERROR;
}

/* The ids re-queued: one a line, or with --json {"retried": [ids],
 * "count": N}. */
static void s_print_retried(cli_t *cli, json_t *done, bool json)
{
    if (json) {
        json_t *o =
            json_pack("{s:O, s:I}", "retried", done, "count", (json_int_t)json_array_size(done));
        json_dumpf(o, cli->out, JSON_COMPACT | JSON_PRESERVE_ORDER);
        fputc('\n', cli->out);
        json_decref(o);
        return;
    }
    size_t i;
    json_t *v;
    json_array_foreach(done, i, v) fprintf(cli->out, "%s\n", json_string_value(v));
}

static int s_retry_ids(cli_t *cli, store_t *store, const char **ids, size_t n, int stage, bool json)
{
    int rc = CLI_EXIT_OK;
    json_t *done = json_array();
    for (size_t i = 0; i < n; i++) {
        char id[JOB_ID_SIZE];
        int r = s_retry_one(cli, store, ids[i], stage, id);
        if (r == CLI_EXIT_UNREACHABLE) {
            rc = r;
            break;
        }
        if (r != CLI_EXIT_OK && (rc == CLI_EXIT_OK || r == CLI_EXIT_NOTFOUND))
            rc = r;
        if (r == CLI_EXIT_OK)
            json_array_append_new(done, json_string(id));
    }
    s_print_retried(cli, done, json);
    json_decref(done);
    return rc;
}

int dead_retry_run(cli_t *cli, int argc, char **argv)
{
    bool all = false, json = false;
    const char *stage_s = NULL;
    const cli_opt_t opts[] = {
        {"--all", NULL, &all}, {"--stage", &stage_s, NULL}, {"--json", NULL, &json}, {NULL}};
    const char *pos[DEAD_MAX_JOBS];
    size_t n;
    int rc = cli_parse(cli, argc, argv, opts, pos, DEAD_MAX_JOBS, &n);
    if (rc != 0)
        return cli_parse_exit(rc);
    int stage = -1;
    if (stage_s && (stage = job_stage_parse(stage_s)) < 0)
        return cli_usage(cli, "retry", "unknown stage \"%s\"", stage_s);
    if (all == (n > 0))
        return cli_usage(cli, "retry", "give job ids or --all, not both or neither");
    err_t err = {0};
    store_t *store = cli_store(cli, &err);
    if (!store)
        return cli_fail(cli, &err);
    if (!all)
        return s_retry_ids(cli, store, pos, n, stage, json);
    int retried = 0, total = 0;
    /* One call re-queues at most 10,000; repeat until the list is drained. */
    do {
        if (store_retry_all(store, stage, &retried, &err) != 0)
            return cli_fail(cli, &err);
        total += retried;
    } while (retried >= 10000);
    if (json)
        fprintf(cli->out, "{\"retried\":null,\"count\":%d}\n", total);
    else
        fprintf(cli->out, "%d job(s) re-queued\n", total);
    return CLI_EXIT_OK;
}
