/*  fuzz_source.c - libFuzzer harness: source_parse on arbitrary bytes. The
 *  first byte picks the format (text, Markdown, WebVTT, SRT, or sniffed);
 *  the rest is the body. A parsed transcript must serialize to JSON that
 *  transcript_from_json reads back with the same text.
 *  SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "source.h"
#include "transcript.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void s_check_roundtrip(const transcript_t *t)
{
    char *json = transcript_to_json(t);
    err_t err = {0};
    transcript_t *back = transcript_from_json(json, strlen(json), &err);
    if (!back || back->len != t->len || memcmp(back->text, t->text, t->len) != 0)
        abort(); /* the fetch stage writes this JSON; the next stage reads it */
    transcript_destroy(&back);
    free(json);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const char *body = (const char *)data + 1;
    size_t len = size - 1;
    source_format_t fmt;
    switch (data[0] % 5) {
    case 0:
        fmt = SOURCE_FMT_TEXT;
        break;
    case 1:
        fmt = SOURCE_FMT_MARKDOWN;
        break;
    case 2:
        fmt = SOURCE_FMT_VTT;
        break;
    case 3:
        fmt = SOURCE_FMT_SRT;
        break;
    default:
        fmt = source_format_guess(NULL, body, len);
        break;
    }
    source_meta_t meta = {0};
    err_t err = {0};
    transcript_t *t = source_parse("fuzz", body, len, fmt, &meta, &err);
    if (t) {
        s_check_roundtrip(t);
        transcript_destroy(&t);
    }
    free(source_meta_to_json(&meta));
    source_meta_clear(&meta);
    return 0;
}
