/*  submit_wire.c - connect to the broker and exchange one SUBMIT for its
 *  ACK or NACK, with a bounded wait and a message that says what to check.
 *  SPDX-License-Identifier: MIT
 */
#include "submit_wire.h"

#include <stdio.h>

#include "curve.h"

/* The broker said nothing. A CURVE broker refuses a peer without saying so:
 * the handshake fails and the SUBMIT is never delivered. */
static void s_print_silence(cli_t *cli)
{
    fprintf(cli->errs, "lode: error: broker not answering at %s\n", cli->broker);
    if (curve_enabled(&cli->curve))
        fprintf(cli->errs, "lode: is it running? Is this client's public certificate in the "
                           "broker's --curve-allow\n"
                           "lode: directory, and is --curve-server the broker's certificate?\n");
    else
        fprintf(cli->errs, "lode: is it running? If it requires CURVE authentication, give "
                           "--curve-cert and\n"
                           "lode: --curve-server (lode keygen makes a certificate).\n");
}

/* What a message received while waiting for seq means: -1 keep waiting
 * (not ours), else the exit code (printed when not 0). */
static int s_answer_rc(cli_t *cli, uint32_t seq, size_t n, const proto_msg_t *ack)
{
    if (ack->seq != seq || (ack->type != PROTO_NACK && ack->type != PROTO_ACK))
        return -1;
    if (ack->type == PROTO_NACK) {
        fprintf(cli->errs, "lode: error: broker refused the batch: %s\n",
                ack->text ? ack->text : "(no reason given)");
        return CLI_EXIT_ERROR;
    }
    if (ack->n_ids != n) {
        fprintf(cli->errs, "lode: error: broker acknowledged %zu of %zu items\n", ack->n_ids, n);
        return CLI_EXIT_ERROR;
    }
    return CLI_EXIT_OK;
}

/* Wait for the ACK or NACK of seq; returns the exit code (and prints).
 * Half way through the wait, resend (if not NULL) goes out again once: its
 * key makes the broker answer a resent SUBMIT it had already made (the
 * first ACK lost) with the same ids, not a second set of jobs. */
static int s_await_answer(
    cli_t *cli, zsock_t *sock, uint32_t seq, size_t n, const proto_msg_t *resend, proto_msg_t *ack)
{
    zpoller_t *poller = zpoller_new(sock, NULL);
    int64_t deadline = zclock_mono() + cli->timeout_ms;
    int64_t resend_at = zclock_mono() + cli->timeout_ms / 2;
    int rc = -1;
    while (rc < 0) {
        int64_t now = zclock_mono();
        if (resend && now >= resend_at) {
            err_t ignored = {0}; /* a failed resend: the wait still decides */
            if (proto_send(sock, NULL, resend, &ignored) != 0)
                err_clear(&ignored);
            resend = NULL;
        }
        int64_t until = resend ? resend_at : deadline;
        if (!zpoller_wait(poller, now < until ? (int)(until - now) : 0)) {
            if (zpoller_terminated(poller))
                rc = CLI_EXIT_ERROR;
            else if (!resend && zclock_mono() >= deadline) {
                rc = CLI_EXIT_UNREACHABLE;
                s_print_silence(cli);
            }
            continue;
        }
        err_t err = {0};
        if (proto_recv(sock, NULL, ack, &err) != 0)
            continue; /* not for us or malformed: keep waiting */
        rc = s_answer_rc(cli, seq, n, ack);
        if (rc < 0)
            proto_msg_clear(ack);
    }
    zpoller_destroy(&poller);
    return rc;
}

zsock_t *submit_connect(cli_t *cli, int *rc)
{
    zsys_handler_set(NULL); /* Ctrl-C ends the CLI at once */
    zsys_set_logstream(stderr);
    zsys_set_logident("lode");
    zsock_t *sock = zsock_new(ZMQ_DEALER);
    if (!sock) {
        fprintf(cli->errs, "lode: error: cannot create a ZeroMQ socket\n");
        *rc = CLI_EXIT_ERROR;
        return NULL;
    }
    zsock_set_linger(sock, 0);
    err_t cerr = {0};
    if (curve_client_apply(sock, &cli->curve, &cerr) != 0) {
        zsock_destroy(&sock);
        *rc = cli_fail(cli, &cerr);
        return NULL;
    }
    if (zsock_connect(sock, "%s", cli->broker) != 0) {
        fprintf(cli->errs, "lode: error: cannot connect to broker at %s: %s\n", cli->broker,
                zmq_strerror(zmq_errno()));
        zsock_destroy(&sock);
        *rc = CLI_EXIT_UNREACHABLE;
        return NULL;
    }
    *rc = CLI_EXIT_OK;
    return sock;
}

int submit_send(cli_t *cli, zsock_t *sock, const submit_req_t *req, proto_msg_t *ack)
{
    proto_msg_t m = {.type = PROTO_SUBMIT,
                     .seq = req->seq,
                     .batch_name = (char *)req->name,
                     .items = (proto_item_t *)req->items,
                     .n_items = req->n};
    if (req->batch)
        snprintf(m.batch, sizeof m.batch, "%s", req->batch);
    /* A fresh key a request (a ULID: unique without coordination). */
    char key[JOB_ID_SIZE];
    job_new_id(key);
    snprintf(m.key, sizeof m.key, "%s", key);
    err_t err = {0};
    if (proto_send(sock, NULL, &m, &err) != 0)
        return cli_fail(cli, &err);
    return s_await_answer(cli, sock, req->seq, req->n, &m, ack);
}
