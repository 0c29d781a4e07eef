/*  list.h - `lode list`: jobs newest first, filtered by state, batch and
 *  creation time, for people or, with --json, for scripts.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_LIST_H
#define LODE_LIST_H
#include <stdint.h>

#include "cli.h"

/* `lode list [--state S] [--batch B] [--since T] [--limit N] [--json]`;
 * returns the exit code. */
int list_run(cli_t *cli, int argc, char **argv);

/* --since T as ms since the epoch: a duration before now_ms ("90s", "30m",
 * "2h", "7d", "1w") or a UTC date "YYYY-MM-DD[THH:MM[:SS]]". -1 if T is
 * neither. */
int64_t list_parse_since(const char *t, int64_t now_ms);
#endif
