/*  podfix.c - podcast test fixtures (podfix.h).
 *  SPDX-License-Identifier: MIT
 */
#include "podfix.h"

#include "test.h"

const char *podfix_fixture_dir(void)
{
    static char dir[1024];
    const char *slash = strrchr(__FILE__, '/');
    int dir_len = slash ? (int)(slash - __FILE__) : 1;
    snprintf(dir, sizeof dir, "%.*s/../fixtures/podcast", dir_len, slash ? __FILE__ : ".");
    return dir;
}

/* tests/fixtures/podcast/<name> with "@BASE@" replaced by PODFIX_BASE. */
char *podfix_fixture(const char *name, size_t *len)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", podfix_fixture_dir(), name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open fixture %s", path);
    char *raw = calloc(1, 1 << 20);
    size_t n = fread(raw, 1, (1 << 20) - 1, f);
    fclose(f);
    char *out = calloc(1, 2 * n + 64);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (i + 6 <= n && memcmp(raw + i, "@BASE@", 6) == 0) {
            o += (size_t)sprintf(out + o, "%s", PODFIX_BASE);
            i += 5;
        } else {
            out[o++] = raw[i];
        }
    }
    free(raw);
    if (len)
        *len = o;
    return out;
}
