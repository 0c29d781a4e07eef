/*  chaos_jobs.c - the fault suite's jobs: N files of seed prose (every
 *  fifth Markdown, a few whitespace-only that must fail as empty) and the
 *  submitter thread that sends them through `lode submit --json` in paced
 *  chunks, resending a chunk that was not acknowledged.
 *  SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE /* strsep */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "chaos.h"
#include "mem.h"

/* ------------------------------------------------------------------- jobs */

/* Paragraphs of the seed of 200 bytes or more (headings and labels go). */
static char **s_paragraphs(size_t *n)
{
    char *seed = cluster_read_file(CHAOS_SEED_PATH, 1u << 20, NULL);
    if (!seed)
        return NULL;
    char **paras = mem_calloc(4096, sizeof *paras);
    *n = 0;
    char *rest = seed, *line;
    while ((line = strsep(&rest, "\n")) != NULL && *n < 4096)
        if (strlen(line) >= 200)
            paras[(*n)++] = mem_strdup(line);
    free(seed);
    return paras;
}

static size_t s_words(const char *s)
{
    size_t w = 0;
    for (const char *p = s; *p; p++)
        w += (p == s || p[-1] == ' ') && *p != ' ';
    return w;
}

/* Job i: consecutive paragraphs from a varying start, 150 to 390 words;
 * every fifth a Markdown file with a heading. */
static char *s_job_text(char **paras, size_t n_paras, int i, bool md)
{
    size_t want = 150 + (size_t)(i % 5) * 60, words = 0;
    size_t at = ((size_t)i * 7919u) % n_paras;
    char *text = md ? mem_printf("# Chaos job %d\n\n", i) : mem_strdup("");
    while (words < want) {
        char *more = mem_printf("%s%s\n\n", text, paras[at]);
        free(text);
        text = more;
        words += s_words(paras[at]);
        at = (at + 1) % n_paras;
    }
    return text;
}

static bool s_is_bad(int i, int n)
{
    int nbad = n >= 500 ? n / 250 : n >= 4 ? 2 : 0;
    for (int k = 0; k < nbad; k++)
        if (i == k * n / nbad + n / (2 * nbad))
            return true;
    return false;
}

int chaos_write_jobs(chaos_t *x)
{
    size_t n_paras = 0;
    char **paras = s_paragraphs(&n_paras);
    if (!paras || n_paras == 0) {
        fprintf(stderr, "chaos: cannot read prose from %s (run from the repo root)\n",
                CHAOS_SEED_PATH);
        free(paras);
        return -1;
    }
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/jobs", cluster_tmpdir(x->c));
    int rc = mkdir(dir, 0755);
    for (int i = 0; i < x->o.n && rc == 0; i++) {
        x->bad[i] = s_is_bad(i, x->o.n);
        bool md = i % 5 == 4;
        char name[64];
        snprintf(name, sizeof name, "jobs/job-%06d.%s", i, md ? "md" : "txt");
        char *text =
            x->bad[i] ? mem_strdup("   \n\t  \n\n  \t\n") : s_job_text(paras, n_paras, i, md);
        x->paths[i] = cluster_write_file(x->c, name, text, strlen(text));
        rc = x->paths[i] ? 0 : -1;
        free(text);
    }
    for (size_t i = 0; i < n_paras; i++)
        free(paras[i]);
    free(paras);
    return rc;
}

/* ------------------------------------------------------------- submitter */

/* Ids of a `lode submit --json` answer into ids; how many, or -1. */
static int s_parse_ack(const char *out, char (*ids)[JOB_ID_SIZE], int max)
{
    json_error_t jerr;
    json_t *doc = json_loads(out, 0, &jerr);
    json_t *jobs = json_object_get(doc, "jobs");
    int n =
        json_is_array(jobs) && (int)json_array_size(jobs) <= max ? (int)json_array_size(jobs) : -1;
    for (int i = 0; i < n; i++) {
        const char *id = json_string_value(json_array_get(jobs, (size_t)i));
        if (!id || strlen(id) >= JOB_ID_SIZE) {
            n = -1;
            break;
        }
        snprintf(ids[i], JOB_ID_SIZE, "%s", id);
    }
    json_decref(doc);
    return n;
}

/* One chunk through the CLI: 0 when every id was acknowledged. */
static int s_submit_chunk(chaos_t *x, int from, int count)
{
    const char *argv[CHAOS_CHUNK + 8];
    int a = 0;
    argv[a++] = "submit";
    argv[a++] = "--json";
    argv[a++] = "--name";
    argv[a++] = "chaos";
    for (int i = 0; i < count; i++)
        argv[a++] = x->paths[from + i];
    argv[a] = NULL;
    char *out = NULL, *errout = NULL;
    int rc = cluster_run_cli_at(x->redis_url, x->broker_ep, NULL, 0, &out, &errout, argv);
    char ids[CHAOS_CHUNK][JOB_ID_SIZE];
    int n = rc == 0 && out ? s_parse_ack(out, ids, CHAOS_CHUNK) : -1;
    if (n == count) {
        pthread_mutex_lock(&x->lock);
        for (int i = 0; i < n; i++) {
            memcpy(x->ids[x->n_acked], ids[i], JOB_ID_SIZE);
            x->id_bad[x->n_acked++] = x->bad[from + i];
        }
        pthread_mutex_unlock(&x->lock);
    } else {
        fprintf(stderr, "chaos: submit of jobs %d..%d not acknowledged (exit %d): %.200s\n", from,
                from + count - 1, rc, errout ? errout : "");
    }
    free(out);
    free(errout);
    return n == count ? 0 : -1;
}

/* Sleep until job i is due at the submission rate (or the run stops). */
static void s_pace(chaos_t *x, int i)
{
    if (x->o.rate <= 0)
        return;
    int64_t due = x->t0 + (int64_t)i * 1000 / x->o.rate;
    while (cluster_now_ms() < due && !atomic_load(&x->stop))
        chaos_sleep_ms(10);
}

void *chaos_submitter(void *arg)
{
    chaos_t *x = arg;
    int i = 0, chunk = x->o.rate > 0 ? x->o.rate / 5 : CHAOS_CHUNK;
    chunk = chunk < 1 ? 1 : chunk > CHAOS_CHUNK ? CHAOS_CHUNK : chunk;
    while (i < x->o.n && !atomic_load(&x->stop)) {
        s_pace(x, i);
        int count = x->o.n - i < chunk ? x->o.n - i : chunk;
        if (s_submit_chunk(x, i, count) == 0) {
            i += count;
        } else {
            pthread_mutex_lock(&x->lock);
            x->submit_failures++;
            pthread_mutex_unlock(&x->lock);
            chaos_sleep_ms(250); /* broker down or Redis restarting: try again */
        }
    }
    atomic_store(&x->submit_done, true);
    return NULL;
}
