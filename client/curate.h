/*  curate.h - the curation commands: keep, drop, edit, move, add, remove,
 *  undo.
 *  Each reads the job's document, changes only its curation layer
 *  (doc.h) and writes the layer back; the proposed parts are never touched.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_CURATE_H
#define LODE_CURATE_H
#include "cli.h"

/* Each returns the exit code: 0, 2 usage or bad value, 3 no such job,
 * part, snippet or item, 6 Redis unreachable, 1 anything else. */
int curate_keep_run(cli_t *cli, int argc, char **argv);
int curate_drop_run(cli_t *cli, int argc, char **argv);
int curate_edit_run(cli_t *cli, int argc, char **argv);
int curate_move_run(cli_t *cli, int argc, char **argv);
int curate_add_run(cli_t *cli, int argc, char **argv);
int curate_remove_run(cli_t *cli, int argc, char **argv);
/* Undo the job's last curation change (from the CLI or the web alike). */
int curate_undo_run(cli_t *cli, int argc, char **argv);
#endif
