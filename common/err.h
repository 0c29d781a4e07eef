/*  err.h - error status carried with its message: a code and the first
 *  failure's text. Does not print anything (S4.4, S4.5).
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_ERR_H
#define LODE_ERR_H
#include <stdbool.h>

#define LODE_MUST_CHECK __attribute__((warn_unused_result))

typedef enum {
    LODE_OK = 0,
    LODE_EINVAL,       /* bad argument or input from the user */
    LODE_EPROTO,       /* malformed or unknown wire frame */
    LODE_EIO,          /* file or socket I/O */
    LODE_ETIMEDOUT,    /* a wait ran out of time */
    LODE_ETOOBIG,      /* input larger than its limit */
    LODE_ESTORE,       /* Redis unreachable or refused a command */
    LODE_EHTTP,        /* HTTP transport or status error */
    LODE_ELLM,         /* model server error or unusable output */
    LODE_EPRIVATE,     /* address refused by the SSRF guard */
    LODE_EEMPTY,       /* source has no text to mine ("empty transcript") */
    LODE_EUTF8,        /* text is not valid UTF-8 and was not repaired */
    LODE_ENOTFOUND,    /* no such job, part or item */
    LODE_EUNSUPPORTED, /* source kind or format not handled */
    LODE_ESTATE,       /* operation not valid in the job's current state */
} err_code_t;

typedef struct {
    int code;      /* err_code_t; 0 = no error */
    char msg[256]; /* first failure's text */
} err_t;

/* Record an error. The first error wins: a second call on an err that is
 * already set does nothing (curl's rule). Safe with err == NULL. */
void err_set(err_t *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Prepend context ("fetch job=…: ") to an error that is already set. */
void err_prefix(err_t *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Clear an error so the err_t can be reused. */
void err_clear(err_t *err);

/* True if a failure with this code may succeed when tried again. The one
 * place that decides "retry" versus "dead letter". */
bool err_retryable(int code);

/* Short stable name of a code ("ETOOBIG"), for logs and JSON. */
const char *err_name(int code);
#endif
