/*  top.h - `lode top`: a live view of the cluster from the broker's stats
 *  snapshots (SUB to lode-broker --pub, topic "stats", one JSON frame a
 *  second): per stage queue depth, in flight, done/s, failed/s, p50/p99 stage
 *  time; per worker host, stage and load. Redraws in place on a TTY, plain
 *  blocks otherwise; `--once --json` prints one snapshot for scripts.
 *
 *  Snapshot JSON (version "v": 1):
 *    {"v", "time_ms", "uptime_ms", "redis_ok",
 *     "totals": {"submitted", "leases", "delayed", "dead", "jobs", "bad_frames"},
 *     "stages": {"fetch": {"queued", "in_flight", "workers", "credits", "dispatched",
 *                          "done", "retried", "failed", "dead", "stale",
 *                          "done_per_s", "failed_per_s", "p50_ms", "p99_ms", "mean_ms",
 *                          "timed"}, "snippet": …, "synthesis": …, "fanout": …},
 *     "workers": [{"id", "key", "host", "stage", "credits", "held", "load", "done",
 *                  "failed", "mean_ms", "p99_ms"}]}
 *  Counters count since the broker started; failed_per_s counts retried,
 *  failed and dead reports.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_TOP_H
#define LODE_TOP_H
#include <stdbool.h>
#include <stdio.h>

#include "cli.h"
#include "err.h"

/* How top_format lays a snapshot out. */
typedef struct {
    const char *endpoint; /* shown in the header; borrowed */
    int max_workers;      /* worker rows at most; 0 = all */
    int stale_s;          /* seconds since the last snapshot arrived, shown when > 2 */
} top_fmt_t;

/* `lode top [--once] [--json] [--pub ENDPOINT]`; returns the exit code:
 * 0, 2 usage, 6 if --once got no snapshot within --timeout. */
int top_run(cli_t *cli, int argc, char **argv);

/* Workers per stage from one snapshot of the broker at endpoint (NULL:
 * $LODE_PUB, else the default), waited for at most timeout_ms: 0 and
 * workers[] filled, or -1 and *err (LODE_ETIMEDOUT: none arrived, e.g. no
 * broker or no --pub there). For `lode status`. */
LODE_MUST_CHECK int top_stage_workers(
    cli_t *cli, const char *endpoint, int timeout_ms, long long workers[4], err_t *err);

/* Write the text view of one snapshot (JSON text as published) to out.
 * -1 and LODE_EPROTO if json is not a snapshot. */
LODE_MUST_CHECK int top_format(FILE *out, const char *json, const top_fmt_t *fmt, err_t *err);
#endif
