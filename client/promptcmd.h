/*  promptcmd.h - `lode prompts`: which prompt files the openai engine would
 *  use here (and their hashes, as stored beside each output), and
 *  `lode prompts copy` to write the built-in ones out for editing.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_PROMPTCMD_H
#define LODE_PROMPTCMD_H
#include "cli.h"

/* `lode prompts …`; returns the exit code. */
int promptcmd_run(cli_t *cli, int argc, char **argv);
#endif
