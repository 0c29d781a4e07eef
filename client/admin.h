/*  admin.h - lode admin: store maintenance (migrate into partitions).
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_ADMIN_H
#define LODE_ADMIN_H
#include "cli.h"

/* lode admin migrate --partitions N [--dry-run] [--json]. The exit code. */
int admin_run(cli_t *cli, int argc, char **argv);
#endif
