/*  submit.h - `lode submit`: read the sources (files, URLs, --text, stdin),
 *  send one SUBMIT to the broker over a DEALER socket and print the job ids;
 *  `-f FILE|-` hands over to batch_submit.c; both send with submit_wire.h.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_SUBMIT_H
#define LODE_SUBMIT_H
#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "err.h"
#include "proto.h"

/* One source to submit. Plain data; submit_item_clear frees. */
typedef struct {
    const char *kind; /* "text", "file" or "url" (static) */
    char *name;       /* owned: file base name, or NULL */
    char *url;        /* owned: the URL, or NULL */
    char *body;       /* owned: text or file contents, or NULL */
    size_t body_len;  /* bytes in body */
} submit_item_t;

/* Turn one command-line argument into an item: an existing path is a file
 * (read whole, refused past max_bytes before reading: LODE_ETOOBIG; binary
 * content: LODE_EUNSUPPORTED), an argument with "://" or of the form
 * host.tld/path is a URL (checked: LODE_EINVAL "not a URL lode can fetch:
 * … (why)" for other schemes, no host, spaces…), anything else
 * LODE_ENOTFOUND "no such file". */
LODE_MUST_CHECK int
submit_item_from_arg(const char *arg, size_t max_bytes, submit_item_t *item, err_t *err);

/* Read all of f (stdin) as a text item, at most max_bytes (LODE_ETOOBIG). */
LODE_MUST_CHECK int
submit_item_from_stream(FILE *f, size_t max_bytes, submit_item_t *item, err_t *err);

void submit_item_clear(submit_item_t *item);

/* `lode submit …`; returns the exit code. */
int submit_run(cli_t *cli, int argc, char **argv);
#endif
