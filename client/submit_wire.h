/*  submit_wire.h - the client's side of SUBMIT/ACK: a DEALER socket to the
 *  broker and one request answered (used by `lode submit` and by
 *  `lode submit -f`, which sends many).
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_SUBMIT_WIRE_H
#define LODE_SUBMIT_WIRE_H
#include <stddef.h>
#include <stdint.h>

#include <czmq.h>

#include "cli.h"
#include "proto.h"

/* One SUBMIT: items (borrowed) for a new batch named name, or appended to
 * the existing batch batch (then name is ignored). */
typedef struct {
    uint32_t seq;              /* request number, echoed by the answer */
    const char *name;          /* new batch's name or NULL */
    const char *batch;         /* existing batch id, or NULL / "" for a new one */
    const proto_item_t *items; /* borrowed */
    size_t n;
} submit_req_t;

/* A DEALER socket to cli->broker (CURVE as configured, never lingering).
 * NULL after printing why; *rc gets the exit code. */
zsock_t *submit_connect(cli_t *cli, int *rc);

/* Send req on sock and wait up to cli->timeout_ms for its ACK. The exit
 * code: 0 and *ack holding one id per item (proto_msg_clear it), or 1
 * (refused, or a short ACK) / 6 (no answer) after printing why. */
int submit_send(cli_t *cli, zsock_t *sock, const submit_req_t *req, proto_msg_t *ack);

#endif
