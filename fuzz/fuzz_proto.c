/*  fuzz_proto.c - libFuzzer harness: proto_decode on arbitrary bytes. A
 *  frame that decodes must also re-encode and decode to the same message
 *  type (the decoder accepts only what the encoder can say).
 *  SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void s_reencode(const proto_msg_t *m)
{
    char *out = NULL;
    size_t len = 0;
    err_t err = {0};
    if (proto_encode(m, &out, &len, &err) != 0)
        return; /* e.g. an ACK with more ids than PROTO_MAX_ITEMS: refused, fine */
    proto_msg_t again;
    if (proto_decode(out, len, &again, &err) != 0 || again.type != m->type)
        abort(); /* what we encode we must be able to decode */
    proto_msg_clear(&again);
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    proto_msg_t m;
    err_t err = {0};
    if (proto_decode(data, size, &m, &err) == 0) {
        (void)proto_type_name(m.type);
        s_reencode(&m);
        proto_msg_clear(&m);
    } else if (err.code != LODE_EPROTO) {
        abort(); /* the contract: malformed is LODE_EPROTO, nothing else */
    }
    return 0;
}
