/*  sha256.c - SHA-256 after FIPS 180-4 sections 5 and 6.2 (see sha256.h).
 *  SPDX-License-Identifier: MIT
 */
#include "sha256.h"

#include <string.h>

static const uint32_t s_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static uint32_t s_rotr(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32 - n));
}

static void s_compress(uint32_t h[8], const uint8_t block[64])
{
    uint32_t w[64];
    for (int t = 0; t < 16; t++)
        w[t] = (uint32_t)block[4 * t] << 24 | (uint32_t)block[4 * t + 1] << 16 |
               (uint32_t)block[4 * t + 2] << 8 | (uint32_t)block[4 * t + 3];
    for (int t = 16; t < 64; t++) {
        uint32_t s0 = s_rotr(w[t - 15], 7) ^ s_rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
        uint32_t s1 = s_rotr(w[t - 2], 17) ^ s_rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
        w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int t = 0; t < 64; t++) {
        uint32_t t1 = hh + (s_rotr(e, 6) ^ s_rotr(e, 11) ^ s_rotr(e, 25)) + ((e & f) ^ (~e & g)) +
                      s_k[t] + w[t];
        uint32_t t2 =
            (s_rotr(a, 2) ^ s_rotr(a, 13) ^ s_rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        hh = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
}

void sha256_init(sha256_t *self)
{
    static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(self->h, h0, sizeof h0);
    self->total_bytes = 0;
    self->block_len = 0;
}

void sha256_update(sha256_t *self, const void *data, size_t len)
{
    const uint8_t *p = data;
    self->total_bytes += len;
    while (len > 0) {
        size_t take = 64 - self->block_len < len ? 64 - self->block_len : len;
        memcpy(self->block + self->block_len, p, take);
        self->block_len += take;
        p += take;
        len -= take;
        if (self->block_len == 64) {
            s_compress(self->h, self->block);
            self->block_len = 0;
        }
    }
}

void sha256_final(sha256_t *self, uint8_t out[SHA256_BYTES])
{
    uint64_t bits = self->total_bytes * 8;
    /* Padding: a 1 bit, zeros up to 56 mod 64, then the 64-bit length. */
    self->block[self->block_len++] = 0x80;
    if (self->block_len > 56) {
        memset(self->block + self->block_len, 0, 64 - self->block_len);
        s_compress(self->h, self->block);
        self->block_len = 0;
    }
    memset(self->block + self->block_len, 0, 56 - self->block_len);
    for (int i = 0; i < 8; i++)
        self->block[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
    s_compress(self->h, self->block);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(self->h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(self->h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(self->h[i] >> 8);
        out[4 * i + 3] = (uint8_t)self->h[i];
    }
}

char *sha256_hex(const void *data, size_t len, char hex[SHA256_HEX_SIZE])
{
    static const char digits[] = "0123456789abcdef";
    sha256_t ctx;
    uint8_t d[SHA256_BYTES];
    sha256_init(&ctx);
    sha256_update(&ctx, data, len);
    sha256_final(&ctx, d);
    for (int i = 0; i < SHA256_BYTES; i++) {
        hex[2 * i] = digits[d[i] >> 4];
        hex[2 * i + 1] = digits[d[i] & 15];
    }
    hex[2 * SHA256_BYTES] = '\0';
    return hex;
}
