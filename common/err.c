/*  err.c - error status with message.
 *  SPDX-License-Identifier: MIT
 */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void err_set(err_t *err, int code, const char *fmt, ...)
{
    if (!err || err->code != 0)
        return;
    err->code = code ? code : LODE_EINVAL;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
}

void err_prefix(err_t *err, const char *fmt, ...)
{
    if (!err || err->code == 0)
        return;
    char head[256], old[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    /* Build "head: old" by hand; it is cut at the buffer's end on purpose. */
    size_t n = strnlen(head, sizeof err->msg - 1);
    memcpy(err->msg, head, n);
    for (const char *p = ": "; *p && n < sizeof err->msg - 1; p++)
        err->msg[n++] = *p;
    size_t rest = strnlen(old, sizeof old);
    if (rest > sizeof err->msg - 1 - n)
        rest = sizeof err->msg - 1 - n;
    memcpy(err->msg + n, old, rest);
    err->msg[n + rest] = '\0';
}

void err_clear(err_t *err)
{
    if (!err)
        return;
    err->code = 0;
    err->msg[0] = '\0';
}

bool err_retryable(int code)
{
    switch (code) {
    case LODE_EIO:
    case LODE_ETIMEDOUT:
    case LODE_ESTORE:
    case LODE_EHTTP:
    case LODE_ELLM:
        return true;
    default:
        return false;
    }
}

const char *err_name(int code)
{
    static const char *names[] = {
        "OK",   "EINVAL",   "EPROTO", "EIO",   "ETIMEDOUT", "ETOOBIG",      "ESTORE", "EHTTP",
        "ELLM", "EPRIVATE", "EEMPTY", "EUTF8", "ENOTFOUND", "EUNSUPPORTED", "ESTATE",
    };
    if (code < 0 || (size_t)code >= sizeof names / sizeof names[0])
        return "EUNKNOWN";
    return names[code];
}
