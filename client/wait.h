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

/* Wait for n jobs. progress: draw a progress line on stderr. json: print
 * {"jobs": [{id, state, stage, error}]} at the end. Uses cli->timeout_ms
 * only when cli->timeout_given. Returns the exit code: 0 all done, 4 some
 * failed (each reported on stderr), 5 timeout, 3 a job does not exist,
 * 6 Redis unreachable. */
int wait_jobs(cli_t *cli, const char (*ids)[JOB_ID_SIZE], size_t n, bool progress, bool json);

/* `lode wait JOB...`; returns the exit code. */
int wait_run(cli_t *cli, int argc, char **argv);
#endif
