/*  sha256.h - SHA-256 of bytes in memory, for content hashes such as a
 *  prompt's "sha256:…" stored beside its output. libsodium computes it:
 *  every program already loads libsodium through libzmq (CURVE), so this
 *  adds no library to any of them (README "Libraries, and why"). Not for
 *  secrets: no HMAC here. Pure function; no I/O.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_SHA256_H
#define LODE_SHA256_H
#include <stddef.h>

#define SHA256_BYTES    32
#define SHA256_HEX_SIZE (2 * SHA256_BYTES + 1) /* 64 hex digits and a NUL */

/* The digest of data[0..len) (data may be NULL when len is 0) as 64
 * lower-case hex digits into hex. Returns hex. */
char *sha256_hex(const void *data, size_t len, char hex[SHA256_HEX_SIZE]);
#endif
