/*  sha256.c - SHA-256 through libsodium (see sha256.h).
 *  SPDX-License-Identifier: MIT
 */
#include "sha256.h"

#include <sodium.h>

char *sha256_hex(const void *data, size_t len, char hex[SHA256_HEX_SIZE])
{
    static const unsigned char empty[1];
    unsigned char d[crypto_hash_sha256_BYTES];
    /* No sodium_init: SHA-256 in libsodium 1.0.18 is one portable
     * implementation, with no CPU dispatch or randomness to set up. */
    crypto_hash_sha256(d, len ? data : empty, (unsigned long long)len);
    sodium_bin2hex(hex, SHA256_HEX_SIZE, d, sizeof d);
    return hex;
}
