/*
 * The crypto room: hashes and keyed MACs, password hashing, TOTP and constant-time
 * comparison. One setting chooses the algorithms (crypto.mode): `gm` uses SM3 (OpenSSL),
 * `intl` uses BLAKE2b and Argon2id (libsodium). Every stored value carries its algorithm id,
 * so values made under one mode still verify after a switch.
 */
#ifndef XINAN_CRYPTO_H
#define XINAN_CRYPTO_H

#include "base/base.h"

/* Both algorithms give 32-byte digests and take 32-byte keys. */
#define CRYPTO_HASH_BYTES 32
#define CRYPTO_KEY_BYTES  32

typedef enum crypto_alg {
    CRYPTO_B2 = 1,     /* BLAKE2b-256; keyed BLAKE2b-256 as the MAC */
    CRYPTO_SM3 = 2,    /* SM3; HMAC-SM3 as the MAC */
    CRYPTO_SHA256 = 3, /* SHA-256 (OpenSSL), plain hashes only: the digest of evidence files */
} crypto_alg;

/* "b2" / "sm3" / "sha256": the id stored beside values. */
const char *crypto_alg_id(crypto_alg alg);
/* Parses a stored id of a MAC algorithm ("b2", "sm3"); XN_EINVAL otherwise ("sha256" too,
 * which makes no MAC). */
int crypto_alg_parse(const char *id, crypto_alg *out);
/* The algorithm crypto.mode selects ("gm" → SM3, otherwise BLAKE2b). */
crypto_alg crypto_alg_for_mode(const char *mode);

/*
 * Incremental hashing or MAC: init (key NULL for a plain hash), update, final. The state is
 * big enough for any algorithm and needs no cleanup beyond final. CRYPTO_SHA256 takes no key
 * (XN_EINVAL).
 */
typedef struct crypto_hasher {
    crypto_alg alg;
    bool keyed;
    _Alignas(64) unsigned char state[448];
} crypto_hasher;

int crypto_hasher_init(crypto_hasher *h, crypto_alg alg, const uint8_t *key);
void crypto_hasher_update(crypto_hasher *h, const void *data, size_t len);
void crypto_hasher_final(crypto_hasher *h, uint8_t out[CRYPTO_HASH_BYTES]);

/* One-shot forms. */
int crypto_digest(crypto_alg alg, const void *data, size_t len, uint8_t out[CRYPTO_HASH_BYTES]);
int crypto_mac(crypto_alg alg, const uint8_t key[CRYPTO_KEY_BYTES], const void *data, size_t len,
               uint8_t out[CRYPTO_HASH_BYTES]);

/*
 * A MAC key made ready for many MACs: the key's own block is absorbed once, not at every MAC
 * (keyed BLAKE2b's key block; HMAC-SM3's inner and outer pads). It holds the key's secret:
 * crypto_mac_key_wipe when done. One thread at a time uses a key (SM3 keeps a scratch state).
 */
typedef struct crypto_mac_key {
    crypto_alg alg;
    uint8_t raw[CRYPTO_KEY_BYTES]; /* for an empty message, which keyed BLAKE2b ends differently */
    uint64_t b2_start[8];
    void *sm3_inner, *sm3_outer, *sm3_scratch; /* OpenSSL digest states */
} crypto_mac_key;

int crypto_mac_key_init(crypto_mac_key *k, crypto_alg alg, const uint8_t key[CRYPTO_KEY_BYTES]);
/* The same MAC as crypto_mac with k's key. */
int crypto_mac_with(crypto_mac_key *k, const void *data, size_t len,
                    uint8_t out[CRYPTO_HASH_BYTES]);
void crypto_mac_key_wipe(crypto_mac_key *k);

/* Forward-secure key evolution: next = one-way(key, label). Erasing `key` afterwards is the
 * caller's job (crypto_wipe). */
void crypto_key_evolve(crypto_alg alg, const uint8_t key[CRYPTO_KEY_BYTES],
                       uint8_t next[CRYPTO_KEY_BYTES]);

/* Constant-time equality of two equal-length buffers. */
bool crypto_equal(const void *a, const void *b, size_t len);
/* Zeroes memory the compiler may not optimise away. */
void crypto_wipe(void *p, size_t len);

/* Random bytes from the system's generator, safe from any thread. */
void crypto_random(void *out, size_t len);
/* A uniformly random number in [0, bound), without modulo bias; bound > 0. */
uint32_t crypto_random_below(uint32_t bound);

/* ------------------------------------------------------------------------------------------ */
/* Password hashing                                                                            */
/* ------------------------------------------------------------------------------------------ */

/* Longest encoded hash, terminator included. */
#define CRYPTO_PASSWORD_MAX 160

/*
 * Hashes a password into a self-describing string: intl gives libsodium's Argon2id string
 * ("$argon2id$v=19$m=19456,t=2,p=1$…", OWASP's parameters); gm gives PBKDF2-HMAC-SM3 as
 * "$pbkdf2-sm3$i=ITER$SALT$HASH" (base64). XN_ENOMEM when the hash's memory is unavailable.
 */
int crypto_password_hash(crypto_alg alg, const char *password, size_t len,
                         char out[CRYPTO_PASSWORD_MAX], xn_error *err);
/* Checks a password against any string crypto_password_hash made, under either mode. Constant-time
 * in the comparison; false for a malformed string. */
bool crypto_password_verify(const char *encoded, const char *password, size_t len);
/* Burns the same work as one verification, for unknown accounts (no account enumeration). */
void crypto_password_dummy(crypto_alg alg, const char *password, size_t len);

/* ------------------------------------------------------------------------------------------ */
/* TOTP (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps)                                       */
/* ------------------------------------------------------------------------------------------ */

#define CRYPTO_TOTP_SECRET_BYTES 20
/* Base32 (RFC 4648, no padding) of a 20-byte secret is 32 characters. */
#define CRYPTO_TOTP_B32_LEN 32

/* The 6-digit code for a Unix time. */
uint32_t crypto_totp(const uint8_t secret[CRYPTO_TOTP_SECRET_BYTES], int64_t unix_seconds);
/*
 * Checks a code typed by a user within ±window steps; *step_out receives the matched step so
 * the caller can refuse a replay of the same or an earlier step. Comparison is constant-time.
 */
bool crypto_totp_check(const uint8_t secret[CRYPTO_TOTP_SECRET_BYTES], int64_t unix_seconds,
                       const char *code, int window, int64_t *step_out);
/* RFC 4648 base32 without padding; out has room for 8*ceil(len/5)/5+1 bytes. */
void crypto_base32(const uint8_t *data, size_t len, char *out);
/* Decodes base32 (upper or lower case, no padding); XN_EINVAL on bad characters or length. */
int crypto_base32_decode(const char *in, uint8_t *out, size_t out_len);

/* HMAC-SHA256 (RFC 2104) with a key of any length: the signatures outside systems expect
 * (DingTalk robots, webhook receivers), whatever crypto.mode is. */
#define CRYPTO_HMAC_SHA256_BYTES 32
void crypto_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                        uint8_t out[CRYPTO_HMAC_SHA256_BYTES]);
/* Standard base64 with padding (RFC 4648 §4) into out, which must hold
 * crypto_base64_len(len) bytes (with the NUL). */
size_t crypto_base64_len(size_t len);
void crypto_base64(const void *in, size_t len, char *out);

/* ------------------------------------------------------------------------------------------ */
/* Sealing sensitive fields (AEAD)                                                             */
/* ------------------------------------------------------------------------------------------ */

/*
 * Fields such as TOTP secrets are sealed with a 32-byte field key kept in a file beside the
 * database. The sealed form is self-describing: its first byte is the algorithm id, so a value
 * sealed under one crypto.mode still opens after a switch.
 *
 *   intl: XChaCha20-Poly1305 (libsodium, IETF construction): id ‖ nonce(24) ‖ ct ‖ tag(16)
 *   gm:   SM4-CTR with HMAC-SM3 over id ‖ iv ‖ len(ad) ‖ ad ‖ ct, encrypt-then-MAC (OpenSSL 3.0
 *         has no SM4-GCM): id ‖ iv(16) ‖ ct ‖ tag(32). The SM4 key and the MAC key are
 *         derived from the field key with HMAC-SM3 under distinct labels.
 *
 * ad (associated data) binds a value to its place ("totp:42"): a sealed value copied to
 * another row does not open there.
 */
typedef enum crypto_aead {
    CRYPTO_AEAD_XCHACHA = 1, /* "xchacha20poly1305" */
    CRYPTO_AEAD_SM4 = 2,     /* "sm4ctr-hmacsm3" */
} crypto_aead;

#define CRYPTO_FIELD_KEY_BYTES 32
#define CRYPTO_SEAL_OVERHEAD   (1 + 24 + 32) /* the most any algorithm adds */

/* The stored name of an algorithm, and the one crypto.mode selects. */
const char *crypto_aead_id(crypto_aead a);
crypto_aead crypto_aead_for_mode(const char *mode);
/* The algorithm of a sealed value (its first byte); XN_EINVAL when it names none. */
int crypto_sealed_aead(const uint8_t *sealed, size_t len, crypto_aead *out);

/*
 * Seals pt[0..len) into out (room for len + CRYPTO_SEAL_OVERHEAD bytes) with a fresh random
 * nonce; *out_len gets the sealed length. XN_EINTERNAL when the library fails.
 */
int crypto_seal(crypto_aead a, const uint8_t key[CRYPTO_FIELD_KEY_BYTES], const void *ad,
                size_t ad_len, const void *pt, size_t len, uint8_t *out, size_t *out_len,
                xn_error *err);
/* As crypto_seal with a given nonce (24 bytes for intl, 16 for gm): known-answer tests only. */
int crypto_seal_nonce(crypto_aead a, const uint8_t key[CRYPTO_FIELD_KEY_BYTES],
                      const uint8_t *nonce, const void *ad, size_t ad_len, const void *pt,
                      size_t len, uint8_t *out, size_t *out_len, xn_error *err);
/*
 * Opens a sealed value under either algorithm into out (room for len bytes); *out_len gets the
 * plaintext length. XN_EINVAL "sealed_damaged" when the value is malformed, was sealed with
 * another key or another ad, or was altered. On failure out holds nothing useful (wiped).
 */
int crypto_open(const uint8_t key[CRYPTO_FIELD_KEY_BYTES], const void *ad, size_t ad_len,
                const uint8_t *sealed, size_t len, uint8_t *out, size_t *out_len, xn_error *err);

/*
 * The field key file (`<db>.key`): 32 random bytes, mode 0600. Loads it when present; when it
 * is missing and create is set, makes it (O_EXCL, 0600) and sets *created. A missing file
 * without create is XN_ENOTFOUND; a file of another size, or readable by group or others,
 * is XN_EINVAL naming the path.
 */
int crypto_keyfile_load(const char *path, bool create, uint8_t key[CRYPTO_FIELD_KEY_BYTES],
                        bool *created, xn_error *err);

#endif
