/* Inside the crypto room only. */
#ifndef XN_CRYPTO_INT_H
#define XN_CRYPTO_INT_H

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

#endif
