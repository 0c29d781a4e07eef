/*  dead.h - `lode dead` (the dead-letter list) and `lode retry` (put failed
 *  jobs back in a queue). Both read and write Redis directly.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_DEAD_H
#define LODE_DEAD_H
#include "cli.h"

/* lode dead [--limit N] [--json] */
int dead_list_run(cli_t *cli, int argc, char **argv);

/* lode retry JOB... | --all [--stage S] */
int dead_retry_run(cli_t *cli, int argc, char **argv);
#endif
