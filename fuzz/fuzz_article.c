/*  fuzz_article.c - libFuzzer harness for the article extractor: any bytes
 *  must give 0 (or ETOOBIG) and valid UTF-8 blocks, no crash, no leak.
 *  Build: clang -fsanitize=fuzzer,address,undefined, linked with common/ objects.
 *  SPDX-License-Identifier: MIT
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "article.h"
#include "htmlmeta.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    article_t a;
    err_t err = {0};
    if (article_extract((const char *)data, size, "https://fuzz.example/a/b", &a, &err) != 0) {
        if (err.code != LODE_ETOOBIG)
            abort();
        return 0;
    }
    for (size_t i = 0; i < a.n_blocks; i++) {
        if (!utf8_valid(a.blocks[i], strlen(a.blocks[i])))
            abort();
    }
    char *text = article_text(&a);
    if (strlen(text) != a.text_len)
        abort();
    free(text);
    article_clear(&a);
    /* The date reader sees page strings directly; give it the input too. */
    char in[256], out[32];
    size_t n = size < sizeof in - 1 ? size : sizeof in - 1;
    memcpy(in, data, n);
    in[n] = '\0';
    (void)htmlmeta_date_iso(in, out);
    return 0;
}
