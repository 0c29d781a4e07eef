/*  wait.h - `lode wait` and `lode submit --wait`: poll the jobs' states in
 *  Redis until each is done or failed, with a progress line on a terminal.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_WAIT_H
#define LODE_WAIT_H
#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "job.h"

#define WAIT_BATCH_BAR_MS  1000 /* redraw interval of the batch bar on a TTY */
#define WAIT_BATCH_LINE_MS 5000 /* plain progress line interval otherwise */

/* Wait for n jobs. progress: draw a progress line on stderr. json: print
 * {"jobs": [{id, state, stage, error}]} at the end. Uses cli->timeout_ms
 * only when cli->timeout_given. Returns the exit code: 0 all done, 4 some
 * failed (each reported on stderr), 5 timeout, 3 a job does not exist,
 * 6 Redis unreachable. */
int wait_jobs(cli_t *cli, const char (*ids)[JOB_ID_SIZE], size_t n, bool progress, bool json);

/* Wait for every job of a batch, including those a client still submitting
 * into it adds. progress: a bar with rate and ETA redrawn in place on
 * stderr; otherwise one plain line on stderr every WAIT_BATCH_LINE_MS.
 * Counting re-reads only unfinished jobs (see batch_tally_t), and the
 * interval grows to twice what a count took, so a huge batch does not keep
 * Redis busy. json: print the final counts as JSON. Exit code as
 * wait_jobs; the first BATCH_FAILED_SHOW failures are named on stderr. */
int wait_batch(cli_t *cli, const char *batch_id, bool progress, bool json);

/* `lode wait JOB...` or `lode wait BATCH`; returns the exit code. */
int wait_run(cli_t *cli, int argc, char **argv);
#endif
