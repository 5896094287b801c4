/*
 * Password hashing. intl: Argon2id through libsodium with OWASP's parameters (19 MiB, 2
 * passes, 1 lane); the string libsodium writes already names the algorithm and parameters.
 * gm: PBKDF2 over HMAC-SM3 (GB/T 32905) through OpenSSL, written in the same self-describing
 * style so a later change of iterations keeps old hashes verifiable.
 */
#include "crypto/crypto.h"
#include "crypto/crypto_int.h"

#include <openssl/evp.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define ARGON2_OPS         2
#define ARGON2_MEM         (19456u * 1024u)
#define SM3_ITERATIONS     200000
#define SM3_SALT           16
#define SM3_MAX_ITERATIONS 10000000
#define PBKDF2_PREFIX      "$pbkdf2-sm3$i="

static int pbkdf2_sm3(const char *password, size_t len, const uint8_t *salt, size_t salt_len,
                      long iterations, uint8_t out[CRYPTO_HASH_BYTES])
{
    return PKCS5_PBKDF2_HMAC(password, (int)len, salt, (int)salt_len, (int)iterations, crypto_sm3(),
                             CRYPTO_HASH_BYTES, out) == 1
               ? XN_OK
               : XN_EINTERNAL;
}

int crypto_password_hash(crypto_alg alg, const char *password, size_t len,
                         char out[CRYPTO_PASSWORD_MAX], xn_error *err)
{
    crypto_ready();
    if (alg == CRYPTO_B2) {
        _Static_assert(crypto_pwhash_STRBYTES <= CRYPTO_PASSWORD_MAX, "password hash buffer");
        if (crypto_pwhash_str_alg(out, password, len, ARGON2_OPS, ARGON2_MEM,
                                  crypto_pwhash_ALG_ARGON2ID13) != 0)
            return xn_fail(err, XN_ENOMEM, "internal", "password hashing ran out of memory");
        return XN_OK;
    }
    uint8_t salt[SM3_SALT], hash[CRYPTO_HASH_BYTES];
    crypto_random(salt, sizeof salt);
    if (pbkdf2_sm3(password, len, salt, sizeof salt, SM3_ITERATIONS, hash) != XN_OK)
        return xn_fail(err, XN_EINTERNAL, "internal", "SM3 is not available");
    char salt64[32], hash64[48];
    sodium_bin2base64(salt64, sizeof salt64, salt, sizeof salt,
                      sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
    sodium_bin2base64(hash64, sizeof hash64, hash, sizeof hash,
                      sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
    snprintf(out, CRYPTO_PASSWORD_MAX, PBKDF2_PREFIX "%d$%s$%s", SM3_ITERATIONS, salt64, hash64);
    crypto_wipe(hash, sizeof hash);
    return XN_OK;
}

static bool verify_pbkdf2_sm3(const char *encoded, const char *password, size_t len)
{
    const char *p = encoded + strlen(PBKDF2_PREFIX);
    char *end;
    long iterations = strtol(p, &end, 10);
    if (end == p || *end != '$' || iterations < 1 || iterations > SM3_MAX_ITERATIONS)
        return false;
    const char *salt64 = end + 1;
    const char *dollar = strchr(salt64, '$');
    if (!dollar)
        return false;
    uint8_t salt[64], want[CRYPTO_HASH_BYTES], got[CRYPTO_HASH_BYTES];
    size_t salt_len = 0, want_len = 0;
    if (sodium_base642bin(salt, sizeof salt, salt64, (size_t)(dollar - salt64), NULL, &salt_len,
                          NULL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0 ||
        sodium_base642bin(want, sizeof want, dollar + 1, strlen(dollar + 1), NULL, &want_len, NULL,
                          sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0 ||
        want_len != sizeof want || salt_len < 8)
        return false;
    if (pbkdf2_sm3(password, len, salt, salt_len, iterations, got) != XN_OK)
        return false;
    bool ok = crypto_equal(got, want, sizeof got);
    crypto_wipe(got, sizeof got);
    return ok;
}

bool crypto_password_verify(const char *encoded, const char *password, size_t len)
{
    crypto_ready();
    if (strncmp(encoded, PBKDF2_PREFIX, strlen(PBKDF2_PREFIX)) == 0)
        return verify_pbkdf2_sm3(encoded, password, len);
    if (strncmp(encoded, "$argon2id$", 10) == 0)
        return crypto_pwhash_str_verify(encoded, password, len) == 0;
    return false;
}

void crypto_password_dummy(crypto_alg alg, const char *password, size_t len)
{
    char scratch[CRYPTO_PASSWORD_MAX];
    xn_error ignored;
    if (crypto_password_hash(alg, password, len, scratch, &ignored) == XN_OK)
        crypto_wipe(scratch, sizeof scratch);
}
