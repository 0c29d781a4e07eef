/*  status.h - `lode status` (cluster counters or one job), for people or,
 *  with --json, for scripts. `lode list` is list.h's.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_STATUS_H
#define LODE_STATUS_H
#include "cli.h"

/* `lode status [JOB] [--json]`; returns the exit code. */
int status_run(cli_t *cli, int argc, char **argv);
#endif
