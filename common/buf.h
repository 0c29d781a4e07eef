/*  buf.h - a growable byte buffer with a hard maximum (curl's dynbuf rule):
 *  anything that grows from outside data goes through one of these.
 *  The contents are always NUL-terminated so text can be used as a C string.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_BUF_H
#define LODE_BUF_H
#include <stddef.h>

#include "err.h"

typedef struct {
    char *data; /* owned; NUL-terminated; NULL until the first append */
    size_t len; /* bytes used, not counting the NUL */
    size_t cap; /* bytes allocated */
    size_t max; /* hard limit on len; appends beyond it fail */
} buf_t;

/* Initialise an empty buffer that may hold up to max bytes. */
void buf_init(buf_t *b, size_t max);

/* Append n bytes. -1 and LODE_ETOOBIG if len would pass max; b is unchanged. */
LODE_MUST_CHECK int buf_append(buf_t *b, const void *data, size_t n, err_t *err);

/* Append a C string. Same contract as buf_append. */
LODE_MUST_CHECK int buf_puts(buf_t *b, const char *s, err_t *err);

/* Append printf output. Same contract as buf_append. */
LODE_MUST_CHECK int buf_printf(buf_t *b, err_t *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Append what fd holds, to its end or (stop > 0) until b holds at least
 * stop bytes: a regular file's size is known from fstat, and reading past
 * it only to find the end costs a system call a file. Retries EINTR. -1
 * and LODE_EIO if a read fails, LODE_ETOOBIG past max (b keeps what fit
 * before the refused chunk). */
LODE_MUST_CHECK int buf_read_fd(buf_t *b, int fd, size_t stop, err_t *err);

/* Hand the contents to the caller (free() them; never NULL) and reset b. */
char *buf_steal(buf_t *b);

/* Forget the contents but keep the limit. */
void buf_reset(buf_t *b);

/* Free the contents. Safe to call twice. */
void buf_free(buf_t *b);
#endif
