/* Inside the crypto room only. */
#ifndef XN_CRYPTO_INT_H
#define XN_CRYPTO_INT_H

#include "crypto/crypto.h"

#include <openssl/types.h>

/*
 * Makes sure libsodium is initialised before its first use in this process: sodium_init picks
 * the fastest BLAKE2b and Argon2 code for this CPU (Argon2id at OWASP's parameters: about 65 ms
 * with the portable code, 44 ms with AVX2 on the reference VM) and makes randombytes safe to
 * call from several threads. Cheap after the first call.
 */
void crypto_ready(void);

/* OpenSSL's SM3, fetched once for the process (see hash.c). */
const EVP_MD *crypto_sm3(void);

/*
 * Keyed BLAKE2b-256 in two steps (blake2b.c): start absorbs the key's block into h; finish
 * MACs len > 0 bytes from a copy of that state.
 */
void crypto_b2_keyed_start(uint64_t h[8], const uint8_t key[CRYPTO_KEY_BYTES]);
void crypto_b2_keyed_finish(const uint64_t start[8], const void *data, size_t len,
                            uint8_t out[CRYPTO_HASH_BYTES]);

#endif
