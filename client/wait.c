/*  wait.c - wait for jobs by polling their hashes in Redis (the broker
 *  writes every transition there), backing off from 100 ms to 500 ms.
 *  SPDX-License-Identifier: MIT
 */
#include "wait.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mem.h"
#include "store.h"

#define WAIT_POLL_MIN_MS 100
#define WAIT_POLL_MAX_MS 500
#define WAIT_MAX_JOBS    100000

typedef struct {
    char state[16];     /* last seen state */
    char stage[16];     /* last seen stage */
    char error[256];    /* last error, when failed */
    char err_stage[16]; /* stage that failed */
    bool finished;      /* done or failed */
} wait_job_t;

static void s_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int64_t s_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Refresh one unfinished job. -1 and *err on a store error. */
static int s_poll_one(store_t *store, const char *id, wait_job_t *w, err_t *err)
{
    store_job_t job;
    if (store_job_get(store, id, &job, err) != 0)
        return -1;
    snprintf(w->state, sizeof w->state, "%s", job.state);
    snprintf(w->stage, sizeof w->stage, "%s", job.stage);
    snprintf(w->error, sizeof w->error, "%s", job.error ? job.error : "");
    snprintf(w->err_stage, sizeof w->err_stage, "%s",
             job.error_stage[0] ? job.error_stage : job.stage);
    w->finished = strcmp(job.state, JOB_STATE_DONE) == 0 ||
                  strcmp(job.state, JOB_STATE_FAILED) == 0 ||
                  strcmp(job.state, JOB_STATE_EXPANDED) == 0;
    store_job_clear(&job);
    return 0;
}

static void s_progress(FILE *f, const wait_job_t *w, size_t n, int64_t elapsed_ms)
{
    size_t done = 0, failed = 0, at[JOB_STAGE_COUNT] = {0};
    for (size_t i = 0; i < n; i++) {
        done +=
            strcmp(w[i].state, JOB_STATE_DONE) == 0 || strcmp(w[i].state, JOB_STATE_EXPANDED) == 0;
        failed += strcmp(w[i].state, JOB_STATE_FAILED) == 0;
        int s = job_stage_parse(w[i].stage);
        if (!w[i].finished && s >= 0)
            at[s]++;
    }
    char bar[21];
    size_t fill = n ? (done + failed) * 20 / n : 20;
    for (size_t i = 0; i < 20; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[20] = '\0';
    fprintf(f, "\r\033[K[%s] %zu/%zu done", bar, done, n);
    if (failed)
        fprintf(f, ", %zu failed", failed);
    for (int s = 0; s < JOB_STAGE_COUNT; s++) {
        if (at[s])
            fprintf(f, " · %s %zu", job_stage_name((job_stage_t)s), at[s]);
    }
    fprintf(f, "  %llds", (long long)(elapsed_ms / 1000));
    fflush(f);
}

static void s_print_json(FILE *f, const char (*ids)[JOB_ID_SIZE], const wait_job_t *w, size_t n)
{
    fprintf(f, "{\"jobs\":[");
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%s{\"id\":\"%s\",\"state\":\"%s\",\"stage\":\"%s\"", i ? "," : "", ids[i],
                w[i].state, w[i].stage);
        if (strcmp(w[i].state, JOB_STATE_FAILED) == 0) {
            fputs(",\"error\":\"", f);
            for (const char *c = w[i].error; *c; c++) {
                if (*c == '"' || *c == '\\')
                    fprintf(f, "\\%c", *c);
                else if ((unsigned char)*c < 0x20)
                    fprintf(f, "\\u%04x", (unsigned char)*c);
                else
                    fputc(*c, f);
            }
            fputc('"', f);
        }
        fputc('}', f);
    }
    fprintf(f, "]}\n");
}

/* Poll until all finished or the deadline; 0, or an exit code. */
static int
s_poll_all(cli_t *cli, const char (*ids)[JOB_ID_SIZE], wait_job_t *w, size_t n, bool progress)
{
    err_t err = {0};
    store_t *store = cli_store(cli, &err);
    if (!store)
        return cli_fail(cli, &err);
    int64_t start = s_mono_ms();
    int pause = WAIT_POLL_MIN_MS;
    for (;;) {
        size_t left = 0;
        for (size_t i = 0; i < n; i++) {
            if (!w[i].finished && s_poll_one(store, ids[i], &w[i], &err) != 0)
                return cli_fail(cli, &err);
            left += !w[i].finished;
        }
        int64_t elapsed = s_mono_ms() - start;
        if (progress)
            s_progress(cli->errs, w, n, elapsed);
        if (left == 0)
            return CLI_EXIT_OK;
        if (cli->timeout_given && elapsed >= cli->timeout_ms) {
            fprintf(cli->errs,
                    "%slode: error: timed out after %.1f s with %zu of %zu jobs "
                    "unfinished\n",
                    progress ? "\n" : "", cli->timeout_ms / 1000.0, left, n);
            return CLI_EXIT_TIMEOUT;
        }
        int64_t nap = pause;
        if (cli->timeout_given && nap > cli->timeout_ms - elapsed)
            nap = cli->timeout_ms - elapsed;
        s_sleep_ms((int)nap);
        pause = pause * 2 > WAIT_POLL_MAX_MS ? WAIT_POLL_MAX_MS : pause * 2;
    }
}

int wait_jobs(cli_t *cli, const char (*ids)[JOB_ID_SIZE], size_t n, bool progress, bool json)
{
    wait_job_t *w = mem_calloc(n + 1, sizeof *w);
    int rc = s_poll_all(cli, ids, w, n, progress);
    if (progress && rc == CLI_EXIT_OK)
        fputc('\n', cli->errs);
    for (size_t i = 0; rc == CLI_EXIT_OK && i < n; i++) {
        if (strcmp(w[i].state, JOB_STATE_FAILED) == 0) {
            fprintf(cli->errs, "lode: job %s failed at %s: %s\n", ids[i], w[i].err_stage,
                    w[i].error[0] ? w[i].error : "(no reason recorded)");
        }
    }
    bool any_failed = false;
    for (size_t i = 0; i < n; i++)
        any_failed = any_failed || strcmp(w[i].state, JOB_STATE_FAILED) == 0;
    if (json && (rc == CLI_EXIT_OK || rc == CLI_EXIT_TIMEOUT))
        s_print_json(cli->out, ids, w, n);
    free(w);
    return rc == CLI_EXIT_OK && any_failed ? CLI_EXIT_FAILED : rc;
}

int wait_run(cli_t *cli, int argc, char **argv)
{
    bool json = false;
    const cli_opt_t opts[] = {{"--json", NULL, &json}, {NULL, NULL, NULL}};
    const char **pos = mem_calloc(WAIT_MAX_JOBS, sizeof *pos);
    size_t n = 0;
    int rc = cli_parse(cli, argc, argv, opts, pos, WAIT_MAX_JOBS, &n);
    if (rc == 0 && n == 0)
        rc = cli_usage(cli, "wait", "give at least one JOB");
    char(*ids)[JOB_ID_SIZE] = rc == 0 ? mem_calloc(n, sizeof *ids) : NULL;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (!job_id_valid(pos[i])) {
            fprintf(cli->errs, "lode: error: no job %s\n", pos[i]);
            rc = CLI_EXIT_NOTFOUND;
        } else {
            memcpy(ids[i], pos[i], JOB_ID_SIZE);
        }
    }
    if (rc == 0)
        rc = wait_jobs(cli, (const char(*)[JOB_ID_SIZE])ids, n, isatty(2), json);
    free(ids);
    free(pos);
    return cli_parse_exit(rc);
}
