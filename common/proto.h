/*  proto.h - the wire protocol between lode, lode-broker and lode-worker:
 *  one msgpack frame per message, [version, type, {field: value…}], carried
 *  over ZeroMQ DEALER (peers) / ROUTER (broker). Decoding never trusts the
 *  bytes: a malformed frame is an LODE_EPROTO error, never a crash.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_PROTO_H
#define LODE_PROTO_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <czmq.h>

#include "err.h"
#include "job.h"

#define PROTO_VERSION    1
#define PROTO_MAX_FRAME  (64u * 1024 * 1024) /* ZMQ_MAXMSGSIZE: one 50 MB source plus room */
#define PROTO_KEY_SIZE   65                  /* SUBMIT key: 1..64 of [A-Za-z0-9_-] */
#define PROTO_MAX_ITEMS  10000               /* items in one SUBMIT */
#define PROTO_STAGE_SIZE 16
#define PROTO_TEXT_MAX   1024 /* FAIL reason, NACK message */
#define PROTO_HOST_SIZE  64   /* READY host name, NUL included */

typedef enum {
    PROTO_READY = 1,     /* worker -> broker: stage, credits, optional host, optional
                          * more_ok (it takes JOB frames with more), optional leaving
                          * (it is stopping; ids = the jobs it will still report) */
    PROTO_DONE = 2,      /* worker -> broker: job_id, attempt, optional ms, optional
                          * more (further jobs done, one frame for a burst) */
    PROTO_FAIL = 3,      /* worker -> broker: job_id, attempt, retryable, code, text,
                          * optional retry_after_ms, optional ms */
    PROTO_HEARTBEAT = 4, /* both ways: no fields */
    PROTO_JOB = 5,       /* broker -> worker: job_id, stage, attempt, lease_ms, optional
                          * more (further jobs of the same stage and lease; only to a
                          * worker whose READY said more_ok) */
    PROTO_SUBMIT = 6,    /* client -> broker: seq, batch_name, items, optional batch
                          * (append the items to that existing batch) */
    PROTO_ACK = 7,       /* broker -> client: seq, batch, ids (one per item, same order) */
    PROTO_NACK = 8,      /* broker -> client: seq, code, text */
} proto_type_t;

/* One source in a SUBMIT. Encoding borrows the strings; a decoded item owns
 * them (freed by proto_msg_clear). */
typedef struct {
    char *kind;      /* "text", "file" or "url" */
    char *name;      /* file name or NULL */
    char *url;       /* URL or NULL */
    char *body;      /* inline text/file bytes or NULL; NUL-terminated when decoded */
    size_t body_len; /* bytes in body */
} proto_item_t;

/* One more job of a DONE or JOB frame (proto_msg_t.more): the same fields
 * as the message's own job_id, attempt and (DONE) ms. */
typedef struct {
    char job_id[JOB_ID_SIZE];
    uint32_t attempt;
    uint32_t ms; /* DONE: time the worker spent on it; JOB: 0 */
} proto_more_t;

/* A decoded or to-be-encoded message. Which fields matter depends on type
 * (see proto_type_t). Plain data; proto_msg_clear frees what decoding made. */
typedef struct {
    proto_type_t type;
    char stage[PROTO_STAGE_SIZE]; /* READY, JOB */
    uint32_t credits;             /* READY */
    bool again;                   /* READY: not the first announcement (ids = jobs held) */
    char job_id[JOB_ID_SIZE];     /* DONE, FAIL, JOB */
    uint32_t attempt;             /* DONE, FAIL, JOB */
    uint32_t lease_ms;            /* JOB */
    bool retryable;               /* FAIL */
    uint32_t retry_after_ms;      /* FAIL: earliest retry the source asked for; 0 = none */
    int32_t code;                 /* FAIL, NACK: err_code_t */
    char *text;                   /* FAIL reason, NACK message; owned when decoded */
    uint32_t seq;                 /* SUBMIT, ACK, NACK: client's request number */
    char batch[JOB_ID_SIZE];      /* ACK: batch id; SUBMIT: "" or the batch to append to */
    char *batch_name;             /* SUBMIT: optional; owned when decoded */
    char key[PROTO_KEY_SIZE];     /* SUBMIT: optional idempotency key ("" = none):
                                   * the same key sent again within the broker's
                                   * memory of it gets the first ACK, no new jobs */
    proto_item_t *items;          /* SUBMIT; owned when decoded */
    size_t n_items;
    char (*ids)[JOB_ID_SIZE]; /* ACK; READY: jobs held; owned when decoded */
    size_t n_ids;
    char host[PROTO_HOST_SIZE]; /* READY: the worker's host name; "" = not given */
    bool has_ms;                /* DONE, FAIL: ms was given */
    uint32_t ms;                /* DONE, FAIL: time the worker spent on the job */
    proto_more_t *more;         /* DONE, JOB: further jobs (at most PROTO_MAX_ITEMS); owned
                                 * when decoded. A broker older than this field applies
                                 * only a DONE's job_id: the leases of the rest run them
                                 * again. */
    size_t n_more;
    bool more_ok; /* READY: the worker takes JOB frames with more */
    bool leaving; /* READY: the worker is stopping: send it nothing more; ids = the
                   * jobs it will still report, the others are given back now */
} proto_msg_t;

/* Name of a type for logs ("READY"); "?" if unknown. */
const char *proto_type_name(int type);

/* Encode m into a new buffer (*data, *len; caller frees *data).
 * -1 and LODE_EINVAL if m is not encodable (unknown type, too many items). */
LODE_MUST_CHECK int proto_encode(const proto_msg_t *m, char **data, size_t *len, err_t *err);

/* Decode one frame into *m (zeroed first). -1 and LODE_EPROTO on anything
 * malformed: wrong version, unknown type, wrong field types, truncation,
 * trailing bytes, oversized strings. *m is then cleared. */
LODE_MUST_CHECK int proto_decode(const void *data, size_t len, proto_msg_t *m, err_t *err);

/* Free what proto_decode allocated and zero m. */
void proto_msg_clear(proto_msg_t *m);

/* Send m on sock. For a ROUTER pass the peer's identity frame (borrowed),
 * for a DEALER pass NULL. Never blocks: -1 and LODE_EIO if the peer's queue
 * is full or the peer is gone. */
LODE_MUST_CHECK int proto_send(zsock_t *sock, zframe_t *identity, const proto_msg_t *m, err_t *err);

/* Receive one message from sock (call when it is readable). For a ROUTER,
 * *identity_p gets the sender's identity frame (caller destroys) even when
 * the body is malformed; pass NULL for a DEALER. -1 and LODE_EPROTO on a
 * malformed message, LODE_ETIMEDOUT if the socket's receive timeout ran out
 * (with a timeout of 0: nothing is waiting), LODE_EIO if nothing could be
 * read. */
LODE_MUST_CHECK int proto_recv(zsock_t *sock, zframe_t **identity_p, proto_msg_t *m, err_t *err);
#endif
