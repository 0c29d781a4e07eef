/*  batch_submit.h - `lode submit -f FILE|-`: a list streamed to the broker
 *  in acknowledged chunks as one batch.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_BATCH_SUBMIT_H
#define LODE_BATCH_SUBMIT_H
#include <stdbool.h>

#include "cli.h"

/* Options of `lode submit -f`. Borrowed strings. */
typedef struct {
    const char *path;    /* file, or "-" for stdin */
    const char *name;    /* batch name or NULL */
    const char *episode; /* --episode for feed URLs, or NULL */
    bool skip_done;      /* reuse done jobs of the same URL */
    bool json;           /* print a JSON summary */
    bool wait;           /* then wait for the batch */
} batch_submit_opts_t;

/* `lode submit -f FILE|-`: stream the URLs as one batch and print its id
 * (and a summary on stderr). Returns the exit code. */
int batch_submit(cli_t *cli, const batch_submit_opts_t *opts);
#endif
