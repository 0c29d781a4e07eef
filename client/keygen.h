/*  keygen.h - `lode keygen PATH`: write a CURVE certificate pair for the
 *  broker, a worker or a client (common/curve.h does the work).
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_KEYGEN_H
#define LODE_KEYGEN_H
#include "cli.h"

/* `lode keygen …`; returns the exit code. */
int keygen_run(cli_t *cli, int argc, char **argv);
#endif
