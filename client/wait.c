/*  wait.c - wait for jobs by polling their hashes in Redis (the broker
 *  writes every transition there), backing off from 100 ms to 500 ms.
 *  SPDX-License-Identifier: MIT
 */
#include "wait.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <czmq.h>

#include "batch.h"
#include "jobref.h"
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

/* Refresh every unfinished job; *left gets how many are still unfinished.
 * -1 and *err on a store error. */
static int s_poll_round(store_t *store,
                        const char (*ids)[JOB_ID_SIZE],
                        wait_job_t *w,
                        size_t n,
                        size_t *left,
                        err_t *err)
{
    *left = 0;
    for (size_t i = 0; i < n; i++) {
        if (!w[i].finished && s_poll_one(store, ids[i], &w[i], err) != 0)
            return -1;
        *left += !w[i].finished;
    }
    return 0;
}

/* Poll until all finished or the deadline, riding out a Redis restart; 0,
 * or an exit code. */
static int
s_poll_all(cli_t *cli, const char (*ids)[JOB_ID_SIZE], wait_job_t *w, size_t n, bool progress)
{
    err_t err = {0};
    int64_t start = zclock_mono();
    int64_t deadline = cli->timeout_given ? start + cli->timeout_ms : INT64_MAX;
    cli_outage_t outage = {0};
    /* Redis down from the start may be a wrong address: wait for it only
     * as long as an explicit --timeout says. */
    store_t *store = cli_store_patient(cli, &outage, cli->timeout_given ? deadline : 0, &err);
    if (!store)
        return cli_fail(cli, &err);
    int pause = WAIT_POLL_MIN_MS;
    for (;;) {
        size_t left = 0;
        if (s_poll_round(store, ids, w, n, &left, &err) != 0) {
            if (!cli_ride_out(cli, &outage, &err, deadline))
                return cli_fail(cli, &err);
            err_clear(&err);
            continue;
        }
        cli_outage_over(cli, &outage);
        int64_t elapsed = zclock_mono() - start;
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

/* ----------------------------------------------------------- a batch */

/* "1h02m", "3m05s", "42s". */
static void s_fmt_secs(char *out, size_t size, double secs)
{
    long s = secs < 0 ? 0 : (long)(secs + 0.5);
    if (s >= 3600)
        snprintf(out, size, "%ldh%02ldm", s / 3600, s % 3600 / 60);
    else if (s >= 60)
        snprintf(out, size, "%ldm%02lds", s / 60, s % 60);
    else
        snprintf(out, size, "%lds", s);
}

/* Progress of a batch between two counts. */
typedef struct {
    int64_t start_ms;   /* when waiting began */
    int64_t first_done; /* finished jobs at the first count */
    double rate;        /* finished jobs per second since then */
} s_pace_t;

static void s_pace_update(s_pace_t *p, const batch_counts_t *c, int64_t now, bool first)
{
    int64_t fin = batch_counts_finished(c);
    if (first)
        p->first_done = fin;
    double secs = (double)(now - p->start_ms) / 1000.0;
    p->rate = secs > 0.5 ? (double)(fin - p->first_done) / secs : 0.0;
}

static void
s_batch_line(FILE *f, const char *id, const batch_counts_t *c, const s_pace_t *p, bool bar)
{
    int64_t fin = batch_counts_finished(c);
    if (!bar)
        fprintf(f, "lode: batch %s: ", id);
    if (bar) {
        char cells[21];
        size_t fill = c->total ? (size_t)(fin * 20 / c->total) : 0;
        for (size_t i = 0; i < 20; i++)
            cells[i] = i < fill ? '#' : '.';
        cells[20] = '\0';
        fprintf(f, "\r\033[K[%s] ", cells);
    }
    fprintf(f, "%lld/%lld%s finished: done %lld", (long long)fin, (long long)c->total,
            c->open ? "+" : "", (long long)(c->state[BATCH_DONE] + c->state[BATCH_EXPANDED]));
    if (c->state[BATCH_FAILED])
        fprintf(f, ", failed %lld", (long long)c->state[BATCH_FAILED]);
    for (int s = 0; s < JOB_STAGE_COUNT; s++) {
        if (c->queued[s] + c->running[s])
            fprintf(f, " · %s %lld", job_stage_name((job_stage_t)s),
                    (long long)(c->queued[s] + c->running[s]));
    }
    char eta[32] = "?";
    if (!c->open && fin == c->total) {
        /* Finished: a rate and an ETA of nothing left say nothing. */
        s_fmt_secs(eta, sizeof eta, (double)(zclock_mono() - p->start_ms) / 1000.0);
        fprintf(f, " · done, waited %s%s", eta, bar ? "" : "\n");
        fflush(f);
        return;
    }
    if (p->rate > 0)
        s_fmt_secs(eta, sizeof eta, (double)(c->total - fin) / p->rate);
    fprintf(f, " · %.1f/s ETA %s%s", p->rate, eta, bar ? "" : "\n");
    fflush(f);
}

/* Name the first failures and their reasons. */
static void s_batch_failures(cli_t *cli, store_t *store, const batch_tally_t *t)
{
    size_t n;
    const char(*ids)[JOB_ID_SIZE] = batch_tally_failed(t, &n);
    for (size_t i = 0; i < n; i++) {
        wait_job_t w = {0};
        err_t err = {0};
        if (s_poll_one(store, ids[i], &w, &err) == 0 && strcmp(w.state, JOB_STATE_FAILED) == 0)
            fprintf(cli->errs, "lode: job %s failed at %s: %s\n", ids[i], w.err_stage,
                    w.error[0] ? w.error : "(no reason recorded)");
    }
    int64_t all = batch_tally_counts(t)->state[BATCH_FAILED];
    if (all > (int64_t)n)
        fprintf(cli->errs, "lode: … and %lld more failed jobs (lode batch status)\n",
                (long long)(all - (int64_t)n));
}

static void s_batch_json(FILE *f, const char *id, const batch_counts_t *c)
{
    fprintf(f, "{\"batch\":\"%s\",\"total\":%lld,\"states\":{", id, (long long)c->total);
    for (int s = 0; s < BATCH_STATE_COUNT; s++)
        fprintf(f, "%s\"%s\":%lld", s ? "," : "", batch_state_name((batch_state_t)s),
                (long long)c->state[s]);
    fprintf(f, "}}\n");
}

/* Count until every job finished or the deadline; 0, or an exit code. */
static int s_batch_poll(cli_t *cli, store_t *store, batch_tally_t *t, bool progress)
{
    s_pace_t pace = {.start_ms = zclock_mono()};
    int64_t base = progress ? WAIT_BATCH_BAR_MS : WAIT_BATCH_LINE_MS;
    int64_t deadline = cli->timeout_given ? pace.start_ms + cli->timeout_ms : INT64_MAX;
    cli_outage_t outage = {0};
    for (bool first = true;; first = false) {
        err_t err = {0};
        if (batch_tally_update(t, store, &err) != 0) {
            if (!cli_ride_out(cli, &outage, &err, deadline))
                return cli_fail(cli, &err);
            continue;
        }
        cli_outage_over(cli, &outage);
        const batch_counts_t *c = batch_tally_counts(t);
        int64_t now = zclock_mono(), elapsed = now - pace.start_ms;
        s_pace_update(&pace, c, now, first);
        s_batch_line(cli->errs, batch_tally_id(t), c, &pace, progress);
        if (!c->open && batch_counts_finished(c) == c->total)
            return CLI_EXIT_OK;
        if (cli->timeout_given && elapsed >= cli->timeout_ms) {
            fprintf(cli->errs,
                    "%slode: error: timed out after %.1f s with %lld of %lld jobs "
                    "unfinished\n",
                    progress ? "\n" : "", cli->timeout_ms / 1000.0,
                    (long long)(c->total - batch_counts_finished(c)), (long long)c->total);
            return CLI_EXIT_TIMEOUT;
        }
        int64_t nap = base > 2 * c->read_ms ? base : 2 * c->read_ms;
        if (cli->timeout_given && nap > cli->timeout_ms - elapsed)
            nap = cli->timeout_ms - elapsed;
        s_sleep_ms((int)nap);
    }
}

int wait_batch(cli_t *cli, const char *batch_id, bool progress, bool json)
{
    err_t err = {0};
    cli_outage_t outage = {0};
    int64_t deadline = cli->timeout_given ? zclock_mono() + cli->timeout_ms : 0;
    store_t *store = cli_store_patient(cli, &outage, deadline, &err);
    if (!store)
        return cli_fail(cli, &err);
    batch_tally_t *t = batch_tally_new(batch_id);
    int rc = s_batch_poll(cli, store, t, progress);
    const batch_counts_t *c = batch_tally_counts(t);
    if (progress && rc == CLI_EXIT_OK)
        fputc('\n', cli->errs);
    if (rc == CLI_EXIT_OK)
        s_batch_failures(cli, store, t);
    if (json && (rc == CLI_EXIT_OK || rc == CLI_EXIT_TIMEOUT))
        s_batch_json(cli->out, batch_id, c);
    bool any_failed = c->state[BATCH_FAILED] > 0;
    batch_tally_destroy(&t);
    return rc == CLI_EXIT_OK && any_failed ? CLI_EXIT_FAILED : rc;
}

/* A lone argument that names a batch: wait for the batch. */
static bool s_is_batch(cli_t *cli, const char *id)
{
    err_t err = {0};
    store_t *store = job_id_valid(id) ? cli_store(cli, &err) : NULL;
    store_batch_t b;
    return store && store_batch_get(store, id, &b, &err) == 0;
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
    if (rc == 0 && n == 1 && s_is_batch(cli, pos[0])) {
        rc = wait_batch(cli, pos[0], isatty(2), json);
        free(pos);
        return rc;
    }
    char(*ids)[JOB_ID_SIZE] = rc == 0 ? mem_calloc(n, sizeof *ids) : NULL;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = jobref_arg(cli, &pos[i], ids[i]);
    if (rc == 0)
        rc = wait_jobs(cli, (const char(*)[JOB_ID_SIZE])ids, n, isatty(2), json);
    free(ids);
    free(pos);
    return cli_parse_exit(rc);
}
