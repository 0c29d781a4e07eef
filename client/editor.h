/*  editor.h - let the person edit a text in $EDITOR (else vi) through a
 *  private temporary file, read back with a size limit.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_EDITOR_H
#define LODE_EDITOR_H
#include <stddef.h>

#include "err.h"

/* Write text to a new 0600 temp file (suffix like ".md"), run the editor on
 * it, and return what the person saved (caller frees), at most max_bytes
 * (LODE_ETOOBIG). Trailing newlines are removed. LODE_EIO if the editor
 * cannot run or exits non-zero. */
char *editor_edit(const char *text, const char *suffix, size_t max_bytes, err_t *err);

/* Read all of stdin as text (at most max_bytes), trailing newlines removed.
 * Caller frees. */
char *editor_read_stdin(size_t max_bytes, err_t *err);
#endif
