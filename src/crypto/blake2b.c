/*
 * Keyed BLAKE2b-256 (RFC 7693) with the key's block absorbed once. A keyed BLAKE2b begins by
 * compressing the padded key as a block of its own; that block is the same for every MAC under
 * one key, so a verifier sealing a million records of one epoch need not compress it a million
 * times. libsodium keeps its last full block unprocessed until more input arrives, so its state
 * cannot be saved just after the key block: the compression function is written here. Its
 * output is checked against libsodium's keyed BLAKE2b for every length in the unit tests.
 */
#include "crypto/crypto_int.h"

#include <string.h>

#define B2_BLOCK 128

static const uint64_t b2_iv[8] = {
    0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
    0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL, 0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL,
};

static const uint8_t b2_sigma[12][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
    {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
    {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
    {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
    {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
};

static inline uint64_t rotr64(uint64_t x, int n)
{
    return (x >> n) | (x << (64 - n));
}

static inline uint64_t load64_le(const uint8_t *p)
{
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
           (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
           (uint64_t)p[7] << 56;
}

/* The mixing function G of RFC 7693 §3.1, on the words of the message block m. */
#define B2_G(r, i, a, b, c, d)                                                                     \
    do {                                                                                           \
        a = a + b + m[b2_sigma[r][2 * (i)]];                                                       \
        d = rotr64(d ^ a, 32);                                                                     \
        c = c + d;                                                                                 \
        b = rotr64(b ^ c, 24);                                                                     \
        a = a + b + m[b2_sigma[r][2 * (i) + 1]];                                                   \
        d = rotr64(d ^ a, 16);                                                                     \
        c = c + d;                                                                                 \
        b = rotr64(b ^ c, 63);                                                                     \
    } while (0)

#define B2_ROUND(r)                                                                                \
    do {                                                                                           \
        B2_G(r, 0, v0, v4, v8, v12);                                                               \
        B2_G(r, 1, v1, v5, v9, v13);                                                               \
        B2_G(r, 2, v2, v6, v10, v14);                                                              \
        B2_G(r, 3, v3, v7, v11, v15);                                                              \
        B2_G(r, 4, v0, v5, v10, v15);                                                              \
        B2_G(r, 5, v1, v6, v11, v12);                                                              \
        B2_G(r, 6, v2, v7, v8, v13);                                                               \
        B2_G(r, 7, v3, v4, v9, v14);                                                               \
    } while (0)

/* The compression function F of RFC 7693 §3.2; `bytes` is the count so far (never over 2^64). */
static void b2_compress(uint64_t h[8], const uint8_t block[B2_BLOCK], uint64_t bytes, bool last)
{
    uint64_t m[16];
    for (int i = 0; i < 16; i++)
        m[i] = load64_le(block + 8 * i);
    uint64_t v0 = h[0], v1 = h[1], v2 = h[2], v3 = h[3], v4 = h[4], v5 = h[5], v6 = h[6], v7 = h[7];
    uint64_t v8 = b2_iv[0], v9 = b2_iv[1], v10 = b2_iv[2], v11 = b2_iv[3];
    uint64_t v12 = b2_iv[4] ^ bytes, v13 = b2_iv[5], v14 = last ? ~b2_iv[6] : b2_iv[6],
             v15 = b2_iv[7];
    B2_ROUND(0);
    B2_ROUND(1);
    B2_ROUND(2);
    B2_ROUND(3);
    B2_ROUND(4);
    B2_ROUND(5);
    B2_ROUND(6);
    B2_ROUND(7);
    B2_ROUND(8);
    B2_ROUND(9);
    B2_ROUND(10);
    B2_ROUND(11);
    h[0] ^= v0 ^ v8;
    h[1] ^= v1 ^ v9;
    h[2] ^= v2 ^ v10;
    h[3] ^= v3 ^ v11;
    h[4] ^= v4 ^ v12;
    h[5] ^= v5 ^ v13;
    h[6] ^= v6 ^ v14;
    h[7] ^= v7 ^ v15;
}

void crypto_b2_keyed_start(uint64_t h[8], const uint8_t key[CRYPTO_KEY_BYTES])
{
    uint8_t block[B2_BLOCK] = {0};
    memcpy(h, b2_iv, sizeof b2_iv);
    h[0] ^= 0x01010000ULL ^ ((uint64_t)CRYPTO_KEY_BYTES << 8) ^ CRYPTO_HASH_BYTES;
    memcpy(block, key, CRYPTO_KEY_BYTES);
    b2_compress(h, block, B2_BLOCK, false);
    crypto_wipe(block, sizeof block);
}

void crypto_b2_keyed_finish(const uint64_t start[8], const void *data, size_t len,
                            uint8_t out[CRYPTO_HASH_BYTES])
{
    const uint8_t *in = data;
    uint64_t h[8], bytes = B2_BLOCK;
    memcpy(h, start, sizeof h);
    for (; len > B2_BLOCK; in += B2_BLOCK, len -= B2_BLOCK) {
        bytes += B2_BLOCK;
        b2_compress(h, in, bytes, false);
    }
    uint8_t last[B2_BLOCK] = {0};
    memcpy(last, in, len);
    b2_compress(h, last, bytes + len, true);
    for (int i = 0; i < CRYPTO_HASH_BYTES / 8; i++)
        for (int j = 0; j < 8; j++)
            out[8 * i + j] = (uint8_t)(h[i] >> (8 * j));
    crypto_wipe(h, sizeof h);
    crypto_wipe(last, sizeof last);
}
