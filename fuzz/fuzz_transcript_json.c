/*  fuzz_transcript_json.c - libFuzzer harness: transcript_from_json on
 *  arbitrary bytes (the snippet, synthesis and fanout stages read this part
 *  from Redis). What parses must serialize again.
 *  SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdlib.h>

#include "transcript.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    err_t err = {0};
    transcript_t *t = transcript_from_json((const char *)data, size, &err);
    if (t) {
        for (size_t i = 0; i < t->n_segs; i++)
            (void)transcript_time_at(t, t->segs[i].offset);
        free(transcript_to_json(t));
        transcript_destroy(&t);
    }
    return 0;
}
