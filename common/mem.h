/*  mem.h - allocation that aborts on out-of-memory, as Redis and CZMQ do,
 *  so callers never check for NULL (S4.3.6). Input size limits are buf_t's job.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_MEM_H
#define LODE_MEM_H
#include <stddef.h>

void *mem_alloc(size_t size);
void *mem_calloc(size_t n, size_t size);
void *mem_realloc(void *ptr, size_t size);
char *mem_strdup(const char *s);
/* Copy of the first n bytes of s, NUL-terminated. */
char *mem_strndup(const char *s, size_t n);
/* printf into a new string, the caller frees. */
char *mem_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#endif
