/*  commands.h - the lode program: the command table, global options and
 *  dispatch (commands.c). main.c calls cli_run; everything else a command
 *  needs is cli.h's.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_COMMANDS_H
#define LODE_COMMANDS_H
#include <stdio.h>

/* Run the whole program with argv as main gets it; returns the exit code. */
int cli_run(int argc, char **argv);

/* Print a command's help (or the overview for NULL) to f; -1 if cmd is
 * unknown. */
int cli_help(FILE *f, const char *cmd);
#endif
