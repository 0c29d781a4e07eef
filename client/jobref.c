/*  jobref.c - a job id prefix to the one job it names.
 *  SPDX-License-Identifier: MIT
 */
#include "jobref.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char s_b32[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

#define S_TIME_CHARS 10 /* a ULID's first 10 characters are its ms time */
#define S_PAGE       1000

/* The ms time of the first S_TIME_CHARS characters of p, shorter prefixes
 * padded with pad ('0' for the earliest, 'Z' for the latest). */
static int64_t s_time_of(const char *p, size_t len, char pad)
{
    uint64_t t = 0;
    for (size_t i = 0; i < S_TIME_CHARS; i++) {
        char c = i < len ? p[i] : pad;
        t = (t << 5) | (uint64_t)(strchr(s_b32, c) - s_b32);
    }
    return t > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)t;
}

/* Upper-case arg into out; false if it has a character no id holds. */
static bool s_normalise(const char *arg, char out[JOB_ID_SIZE])
{
    size_t len = strlen(arg);
    if (len == 0 || len > JOB_ID_LEN)
        return false;
    for (size_t i = 0; i < len; i++) {
        out[i] = (char)toupper((unsigned char)arg[i]);
        if (!strchr(s_b32, out[i]) || out[i] == '\0')
            return false;
    }
    out[len] = '\0';
    return true;
}

typedef struct {
    const char *prefix;                   /* upper-cased */
    size_t len;                           /* bytes in prefix */
    char found[JOBREF_SHOW][JOB_ID_SIZE]; /* the first matches */
    size_t n_found;                       /* all matches */
    size_t scanned;                       /* ids read */
    bool partial;                         /* stopped before the end of the range */
} s_scan_t;

/* Read the prefix's time range page by page, counting matches. */
static int s_scan(store_t *store, s_scan_t *sc, err_t *err)
{
    store_time_range_t r = {.min_ms = s_time_of(sc->prefix, sc->len, '0') - JOBREF_MARGIN_MS,
                            .max_ms = s_time_of(sc->prefix, sc->len, 'Z') + JOBREF_MARGIN_MS,
                            .count = S_PAGE};
    for (;;) {
        char(*ids)[JOB_ID_SIZE] = NULL;
        size_t n = 0;
        if (store_job_list_range(store, &r, &ids, &n, err) != 0)
            return -1;
        for (size_t i = 0; i < n; i++) {
            if (strncmp(ids[i], sc->prefix, sc->len) != 0)
                continue;
            if (sc->n_found < JOBREF_SHOW)
                memcpy(sc->found[sc->n_found], ids[i], JOB_ID_SIZE);
            sc->n_found++;
        }
        free(ids);
        sc->scanned += n;
        r.offset += n;
        if (n < S_PAGE)
            return 0;
        /* Enough to name the candidates of an ambiguous prefix. */
        sc->partial =
            sc->n_found > JOBREF_SHOW || (sc->n_found > 1 && sc->scanned >= JOBREF_MAX_SCAN);
        if (sc->partial)
            return 0;
        if (sc->scanned >= JOBREF_MAX_SCAN) {
            err_set(err, LODE_EINVAL,
                    "job id prefix %s is too short to search (over %d jobs in its time range): "
                    "give more characters",
                    sc->prefix, JOBREF_MAX_SCAN);
            return -1;
        }
    }
}

static void s_ambiguous(const s_scan_t *sc, err_t *err)
{
    char list[JOBREF_SHOW * (JOB_ID_SIZE + 2) + 1] = "";
    size_t shown = sc->n_found < JOBREF_SHOW ? sc->n_found : JOBREF_SHOW;
    for (size_t i = 0; i < shown; i++) {
        strcat(list, i ? ", " : "");
        strcat(list, sc->found[i]);
    }
    err_set(err, LODE_EINVAL, "job id prefix %s is ambiguous: %s%s (%s%zu jobs)", sc->prefix, list,
            sc->n_found > shown ? ", …" : "", sc->partial ? "at least " : "", sc->n_found);
}

int jobref_resolve(store_t *store, const char *arg, char out[JOB_ID_SIZE], err_t *err)
{
    char prefix[JOB_ID_SIZE];
    if (!s_normalise(arg, prefix)) {
        err_set(err, LODE_ENOTFOUND, "no job %.64s", arg);
        return -1;
    }
    if (strlen(prefix) == JOB_ID_LEN && job_id_valid(prefix)) {
        memcpy(out, prefix, JOB_ID_SIZE);
        return 0;
    }
    if (strlen(prefix) < JOBREF_MIN_LEN) {
        err_set(err, LODE_EINVAL, "job id prefix %s is too short: give at least %d characters",
                prefix, JOBREF_MIN_LEN);
        return -1;
    }
    s_scan_t sc = {.prefix = prefix, .len = strlen(prefix)};
    if (s_scan(store, &sc, err) != 0)
        return -1;
    if (sc.n_found == 0) {
        err_set(err, LODE_ENOTFOUND, "no job %s", prefix);
        return -1;
    }
    if (sc.n_found > 1) {
        s_ambiguous(&sc, err);
        return -1;
    }
    memcpy(out, sc.found[0], JOB_ID_SIZE);
    return 0;
}

int jobref_arg(cli_t *cli, const char **arg, char buf[JOB_ID_SIZE])
{
    err_t err = {0};
    store_t *store = NULL;
    char up[JOB_ID_SIZE];
    bool whole = s_normalise(*arg, up) && strlen(up) == JOB_ID_LEN && job_id_valid(up);
    if (!whole && !(store = cli_store(cli, &err)))
        return cli_fail(cli, &err);
    if (jobref_resolve(store, *arg, buf, &err) != 0)
        return cli_fail(cli, &err);
    *arg = buf;
    return CLI_EXIT_OK;
}
