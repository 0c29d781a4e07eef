/*  search.h - `lode search QUERY` and `lode admin reindex`: the library's
 *  search index (searchidx.h) from the command line.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_SEARCH_H
#define LODE_SEARCH_H
#include <stdbool.h>

#include "cli.h"

/* `lode search [--state S] [--kind K] [--limit N] [--json] WORDS...`;
 * returns the exit code. */
int search_run(cli_t *cli, int argc, char **argv);

/* `lode admin reindex [--json]`: every finished job indexed again. */
int search_reindex(cli_t *cli, bool json);
#endif
