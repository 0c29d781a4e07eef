/*  rcl_url.c - the parts of rcl (rcl.h) that need no connection: parsing
 *  a redis:// or redis+cluster:// URL, and the hash slot of a key.
 *  SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rcl.h"

/* --- URL -------------------------------------------------------------------- */

/* One "host:port" of a cluster URL, with the credentials of the first. */
static int s_parse_seed(const char *p, size_t n, const char *cred, rcl_url_t *out, err_t *err)
{
    if (out->n_seeds == RCL_SEEDS_MAX) {
        err_set(err, LODE_EINVAL, "redis+cluster URL names more than %d nodes", RCL_SEEDS_MAX);
        return -1;
    }
    char one[320];
    int len = snprintf(one, sizeof one, "redis://%s%.*s", cred, (int)n, p);
    if (len < 0 || (size_t)len >= sizeof one) {
        err_set(err, LODE_EINVAL, "redis+cluster URL has a node name too long");
        return -1;
    }
    config_redis_t *seed = &out->seeds[out->n_seeds];
    if (config_parse_redis_url(one, seed, err) != 0)
        return -1;
    if (strchr(one + 8 + strlen(cred), '/')) {
        err_set(err, LODE_EINVAL,
                "redis+cluster URL cannot name a database (a cluster has only 0)");
        return -1;
    }
    out->n_seeds++;
    return 0;
}

int rcl_parse_url(const char *url, rcl_url_t *out, err_t *err)
{
    memset(out, 0, sizeof *out);
    static const char scheme[] = "redis+cluster://";
    if (!url || strncmp(url, scheme, sizeof scheme - 1) != 0) {
        if (config_parse_redis_url(url, &out->seeds[0], err) != 0)
            return -1;
        out->n_seeds = 1;
        return 0;
    }
    out->cluster = true;
    const char *p = url + sizeof scheme - 1;
    char cred[400] = "";
    const char *at = strrchr(p, '@');
    if (at) {
        if ((size_t)(at - p) + 2 > sizeof cred) {
            err_set(err, LODE_EINVAL, "redis+cluster URL has credentials too long");
            return -1;
        }
        memcpy(cred, p, (size_t)(at - p) + 1);
        cred[at - p + 1] = '\0';
        p = at + 1;
    }
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (n == 0 || s_parse_seed(p, n, cred, out, err) != 0) {
            err_set(err, LODE_EINVAL, "redis+cluster URL has an empty node");
            return -1;
        }
        p += n + (comma ? 1 : 0);
    }
    if (out->n_seeds == 0) {
        err_set(err, LODE_EINVAL, "redis+cluster URL names no node");
        return -1;
    }
    return 0;
}

/* --- key slots --------------------------------------------------------------- */

/* CRC16-CCITT (XMODEM: poly 0x1021, init 0), as Redis Cluster uses. */
static uint16_t s_crc16(const char *p, size_t n)
{
    uint16_t crc = 0;
    for (size_t i = 0; i < n; i++) {
        crc ^= (uint16_t)((uint8_t)p[i] << 8);
        for (int b = 0; b < 8; b++)
            crc = (uint16_t)((crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1);
    }
    return crc;
}

unsigned rcl_key_slot(const char *key, size_t len)
{
    const char *open = memchr(key, '{', len);
    if (open) {
        size_t rest = len - (size_t)(open - key) - 1;
        const char *close = memchr(open + 1, '}', rest);
        if (close && close > open + 1)
            return s_crc16(open + 1, (size_t)(close - open - 1)) & (RCL_SLOTS - 1);
    }
    return s_crc16(key, len) & (RCL_SLOTS - 1);
}
