/*  status.h - `lode status` (cluster counters or one job) and `lode list`
 *  (newest jobs first), for people or, with --json, for scripts.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_STATUS_H
#define LODE_STATUS_H
#include "cli.h"

/* `lode status [JOB] [--json]`; returns the exit code. */
int status_run(cli_t *cli, int argc, char **argv);

/* `lode list [--limit N] [--json]`; returns the exit code. */
int status_list_run(cli_t *cli, int argc, char **argv);
#endif
