/*  batch.h - bulk batches: `lode submit -f FILE|-` streams a list of URLs
 *  to the broker in acknowledged chunks (normalised, deduplicated in Redis,
 *  --skip-done reuse), `lode batch status|export` read a batch back page by
 *  page, and the URL normalisation and line parsing under them. Nothing
 *  here holds a whole batch in memory.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_BATCH_H
#define LODE_BATCH_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "err.h"
#include "job.h"
#include "store.h"

#define BATCH_URL_MAX     8192 /* longest line taken as a URL (bytes) */
#define BATCH_CHUNK       1000 /* URLs per SUBMIT */
#define BATCH_PAGE        1000 /* jobs per read when counting or exporting */
#define BATCH_FAILED_SHOW 20   /* failed jobs `lode wait BATCH` names */

/* --- lines and URLs (pure) --- */

typedef enum {
    BATCH_LINE_SKIP,    /* blank, or a # comment */
    BATCH_LINE_URL,     /* a URL, normalised */
    BATCH_LINE_INVALID, /* not a URL: *err says why */
} batch_line_t;

/* Normalise an http(s) URL of len bytes: scheme and host lower-cased,
 * default port (:80, :443) and an empty port dropped, an empty path made
 * "/", tracking parameters (utm_*, fbclid, gclid, gclsrc, dclid, msclkid,
 * mc_cid, mc_eid, igshid, yclid) and empty ones dropped (the others keep
 * their order), the fragment dropped unless it is "#episode=…"; every
 * YouTube video form becomes https://www.youtube.com/watch?v=ID and a
 * playlist https://www.youtube.com/playlist?list=ID. "host.tld/path" with
 * no scheme is taken as https. *out is a new string (caller frees). -1 and
 * LODE_EINVAL naming the problem (not http or https, no host, a bad port,
 * spaces or control characters, over BATCH_URL_MAX). */
LODE_MUST_CHECK int batch_url_normalise(const char *url, size_t len, char **out, err_t *err);

/* Classify one input line of len bytes (without its newline; surrounding
 * spaces, tabs, a trailing CR and a UTF-8 byte order mark are ignored).
 * BATCH_LINE_URL sets *url (caller frees); BATCH_LINE_INVALID sets *err
 * (LODE_EINVAL) and leaves *url NULL. */
batch_line_t batch_parse_line(const char *line, size_t len, char **url, err_t *err);

/* Read the next line of f into buf (size bytes, NUL-terminated, newline
 * removed). 1 and *len, 0 at the end of input, -1 and LODE_EIO on a read
 * error. A line that does not fit is cut to size - 1 bytes, the rest of it
 * skipped, and *overlong set, so memory stays bounded by size. */
LODE_MUST_CHECK int
batch_read_line(FILE *f, char *buf, size_t size, size_t *len, bool *overlong, err_t *err);

/* --- counting a batch --- */

typedef enum {
    BATCH_QUEUED = 0,
    BATCH_RUNNING,
    BATCH_DONE,
    BATCH_FAILED,
    BATCH_EXPANDED,
    BATCH_UNKNOWN, /* job hash missing or a state this CLI does not know */
    BATCH_STATE_COUNT,
} batch_state_t;

/* Counts of a batch's jobs. Plain data. */
typedef struct {
    int64_t total;                    /* jobs in the batch's list */
    bool open;                        /* a client is still submitting into it */
    int64_t state[BATCH_STATE_COUNT]; /* jobs per state */
    int64_t queued[JOB_STAGE_COUNT];  /* queued jobs per stage */
    int64_t running[JOB_STAGE_COUNT]; /* running jobs per stage */
    int64_t failed[JOB_STAGE_COUNT];  /* failed jobs per stage they failed at */
    int64_t read_ms;                  /* time the last update spent in Redis */
    int64_t reads;                    /* job hashes the last update read */
} batch_counts_t;

/* "queued", "running", "done", "failed", "expanded", "unknown". */
const char *batch_state_name(batch_state_t s);

/* Jobs that are done, failed or expanded. */
int64_t batch_counts_finished(const batch_counts_t *c);

/* Incremental counts of one batch: each update re-reads, page by page
 * (LRANGE of BATCH_PAGE ids, then one pipeline of HMGET state stage), only
 * the pages that still hold unfinished jobs. Finished (done, failed,
 * expanded) jobs are not read again. Memory: one byte per job. */
typedef struct batch_tally batch_tally_t;

/* New tally of batch_id (copied); nothing read yet. */
batch_tally_t *batch_tally_new(const char *batch_id);

/* Free; sets *self_p to NULL. Safe on NULL. */
void batch_tally_destroy(batch_tally_t **self_p);

/* The batch id. Borrowed from self. */
const char *batch_tally_id(const batch_tally_t *self);

/* Read what changed. -1 and *err (LODE_ESTORE) if Redis fails. */
LODE_MUST_CHECK int batch_tally_update(batch_tally_t *self, store_t *store, err_t *err);

/* The counts as of the last update. Borrowed from self. */
const batch_counts_t *batch_tally_counts(const batch_tally_t *self);

/* Ids of the first failed jobs seen (at most BATCH_FAILED_SHOW): *n and a
 * borrowed array. */
const char (*batch_tally_failed(const batch_tally_t *self, size_t *n))[JOB_ID_SIZE];

/* --- commands --- */

/* `lode batch status|export …`; returns the exit code. */
int batch_run(cli_t *cli, int argc, char **argv);
#endif
