/*  sha256.h - SHA-256 (FIPS 180-4) of bytes in memory, for content hashes
 *  such as a prompt's "sha256:…" stored beside its output. Not for secrets:
 *  no constant-time promises, no HMAC. Pure functions; no I/O.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_SHA256_H
#define LODE_SHA256_H
#include <stddef.h>
#include <stdint.h>

#define SHA256_BYTES    32
#define SHA256_HEX_SIZE (2 * SHA256_BYTES + 1) /* 64 hex digits and a NUL */

/* Plain data: a hash in progress. Initialise with sha256_init. */
typedef struct {
    uint32_t h[8];        /* chaining state */
    uint64_t total_bytes; /* bytes fed so far */
    uint8_t block[64];    /* pending input */
    size_t block_len;     /* bytes in block */
} sha256_t;

void sha256_init(sha256_t *self);

/* Feed len bytes of data (may be NULL when len is 0). */
void sha256_update(sha256_t *self, const void *data, size_t len);

/* Finish into out; self must be initialised again before reuse. */
void sha256_final(sha256_t *self, uint8_t out[SHA256_BYTES]);

/* One-shot: the digest of data[0..len) as 64 lower-case hex digits into hex.
 * Returns hex. */
char *sha256_hex(const void *data, size_t len, char hex[SHA256_HEX_SIZE]);
#endif
