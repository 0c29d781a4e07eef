/*  view.h - `lode show` and `lode export`: a job's document from Redis,
 *  with curation applied, as a page, JSON or Markdown.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_VIEW_H
#define LODE_VIEW_H
#include "cli.h"

/* `lode show JOB [--all] [--json]`; returns the exit code. */
int view_show_run(cli_t *cli, int argc, char **argv);

/* `lode export JOB [--format json|md] [--compact]`; returns the exit code. */
int view_export_run(cli_t *cli, int argc, char **argv);
#endif
