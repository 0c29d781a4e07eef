/*  buf.c - bounded byte buffer.
 *  SPDX-License-Identifier: MIT
 */
#include "buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mem.h"

void buf_init(buf_t *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

int buf_append(buf_t *b, const void *data, size_t n, err_t *err)
{
    if (n > b->max - b->len) {
        err_set(err, LODE_ETOOBIG, "more than %zu bytes", b->max);
        return -1;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->data = mem_realloc(b->data, cap);
        b->cap = cap;
    }
    if (n)
        memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int buf_puts(buf_t *b, const char *s, err_t *err)
{
    return buf_append(b, s, strlen(s), err);
}

int buf_printf(buf_t *b, err_t *err, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        err_set(err, LODE_EINVAL, "bad format");
        return -1;
    }
    if ((size_t)n < sizeof small)
        return buf_append(b, small, (size_t)n, err);
    char *big = mem_alloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    int rc = buf_append(b, big, (size_t)n, err);
    free(big);
    return rc;
}

char *buf_steal(buf_t *b)
{
    char *p = b->data ? b->data : mem_strdup("");
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

void buf_reset(buf_t *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void buf_free(buf_t *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

int buf_read_fd(buf_t *b, int fd, size_t stop, err_t *err)
{
    char chunk[65536];
    for (;;) {
        if (stop > 0 && b->len >= stop)
            return 0;
        ssize_t got = read(fd, chunk, sizeof chunk);
        if (got == 0)
            return 0;
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            err_set(err, LODE_EIO, "read: %s", strerror(errno));
            return -1;
        }
        if (buf_append(b, chunk, (size_t)got, err) != 0)
            return -1;
    }
}
