/*
 * Hashes and MACs. BLAKE2b comes from libsodium (its keyed mode is a MAC by design); SM3
 * comes from OpenSSL, and HMAC-SM3 is built here from two SM3 passes (RFC 2104) so that one
 * incremental interface serves both algorithms.
 */
#include "crypto/crypto.h"
#include "crypto/crypto_int.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <sodium.h>
#include <string.h>

#define SM3_BLOCK 64

/* The SM3 side of crypto_hasher's state. */
typedef struct sm3_state {
    EVP_MD_CTX *ctx;
    uint8_t opad_key[SM3_BLOCK]; /* key ^ opad, kept for the outer pass */
} sm3_state;

_Static_assert(sizeof(crypto_generichash_state) <= sizeof(((crypto_hasher *)0)->state),
               "crypto_hasher state too small for BLAKE2b");
_Static_assert(sizeof(sm3_state) <= sizeof(((crypto_hasher *)0)->state),
               "crypto_hasher state too small for SM3");

/*
 * SM3, fetched from OpenSSL's provider once. EVP_sm3() makes every EVP_DigestInit_ex fetch
 * it again under a lock shared by all threads: verification, which hashes on every core,
 * spent more time there than in SM3.
 */
static pthread_once_t sm3_once = PTHREAD_ONCE_INIT;
static const EVP_MD *sm3_fetched;

static void sm3_fetch(void)
{
    sm3_fetched = EVP_MD_fetch(NULL, "SM3", NULL);
}

const EVP_MD *crypto_sm3(void)
{
    pthread_once(&sm3_once, sm3_fetch);
    return sm3_fetched ? sm3_fetched : EVP_sm3();
}

/* SHA-256, fetched once for the same reason. */
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;
static const EVP_MD *sha256_fetched;

static void sha256_fetch(void)
{
    sha256_fetched = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static const EVP_MD *sha256_md(void)
{
    pthread_once(&sha256_once, sha256_fetch);
    return sha256_fetched ? sha256_fetched : EVP_sha256();
}

const char *crypto_alg_id(crypto_alg alg)
{
    return alg == CRYPTO_SM3 ? "sm3" : alg == CRYPTO_SHA256 ? "sha256" : "b2";
}

int crypto_alg_parse(const char *id, crypto_alg *out)
{
    if (strcmp(id, "b2") == 0)
        *out = CRYPTO_B2;
    else if (strcmp(id, "sm3") == 0)
        *out = CRYPTO_SM3;
    else
        return XN_EINVAL;
    return XN_OK;
}

crypto_alg crypto_alg_for_mode(const char *mode)
{
    return strcmp(mode, "gm") == 0 ? CRYPTO_SM3 : CRYPTO_B2;
}

int crypto_hasher_init(crypto_hasher *h, crypto_alg alg, const uint8_t *key)
{
    h->alg = alg;
    h->keyed = key != NULL;
    if (alg == CRYPTO_B2) {
        crypto_ready();
        crypto_generichash_state *st = (crypto_generichash_state *)h->state;
        return crypto_generichash_init(st, key, key ? CRYPTO_KEY_BYTES : 0, CRYPTO_HASH_BYTES) == 0
                   ? XN_OK
                   : XN_EINTERNAL;
    }
    if (alg == CRYPTO_SHA256 && key)
        return XN_EINVAL;
    /* SHA-256 shares the SM3 side's OpenSSL state (never keyed) */
    sm3_state *st = (sm3_state *)h->state;
    st->ctx = EVP_MD_CTX_new();
    if (!st->ctx)
        return XN_ENOMEM;
    if (EVP_DigestInit_ex(st->ctx, alg == CRYPTO_SHA256 ? sha256_md() : crypto_sm3(), NULL) != 1) {
        EVP_MD_CTX_free(st->ctx);
        return XN_EINTERNAL;
    }
    if (key) {
        uint8_t ipad_key[SM3_BLOCK];
        for (size_t i = 0; i < SM3_BLOCK; i++) {
            uint8_t k = i < CRYPTO_KEY_BYTES ? key[i] : 0;
            ipad_key[i] = k ^ 0x36;
            st->opad_key[i] = k ^ 0x5c;
        }
        EVP_DigestUpdate(st->ctx, ipad_key, sizeof ipad_key);
        crypto_wipe(ipad_key, sizeof ipad_key);
    }
    return XN_OK;
}

void crypto_hasher_update(crypto_hasher *h, const void *data, size_t len)
{
    if (h->alg == CRYPTO_B2)
        crypto_generichash_update((crypto_generichash_state *)h->state, data, len);
    else
        EVP_DigestUpdate(((sm3_state *)h->state)->ctx, data, len);
}

void crypto_hasher_final(crypto_hasher *h, uint8_t out[CRYPTO_HASH_BYTES])
{
    if (h->alg == CRYPTO_B2) {
        crypto_generichash_final((crypto_generichash_state *)h->state, out, CRYPTO_HASH_BYTES);
        if (h->keyed) /* an unkeyed state holds nothing secret: verification hashes millions */
            crypto_wipe(h->state, sizeof h->state);
        return;
    }
    sm3_state *st = (sm3_state *)h->state;
    unsigned int n = CRYPTO_HASH_BYTES;
    EVP_DigestFinal_ex(st->ctx, out, &n);
    if (h->keyed) {
        EVP_DigestInit_ex(st->ctx, crypto_sm3(), NULL);
        EVP_DigestUpdate(st->ctx, st->opad_key, SM3_BLOCK);
        EVP_DigestUpdate(st->ctx, out, CRYPTO_HASH_BYTES);
        EVP_DigestFinal_ex(st->ctx, out, &n);
    }
    EVP_MD_CTX_free(st->ctx);
    crypto_wipe(h->state, sizeof h->state);
}

int crypto_digest(crypto_alg alg, const void *data, size_t len, uint8_t out[CRYPTO_HASH_BYTES])
{
    crypto_hasher h;
    int rc = crypto_hasher_init(&h, alg, NULL);
    if (rc != XN_OK)
        return rc;
    crypto_hasher_update(&h, data, len);
    crypto_hasher_final(&h, out);
    return XN_OK;
}

int crypto_mac(crypto_alg alg, const uint8_t key[CRYPTO_KEY_BYTES], const void *data, size_t len,
               uint8_t out[CRYPTO_HASH_BYTES])
{
    crypto_hasher h;
    int rc = crypto_hasher_init(&h, alg, key);
    if (rc != XN_OK)
        return rc;
    crypto_hasher_update(&h, data, len);
    crypto_hasher_final(&h, out);
    return XN_OK;
}

/* SM3 state after one block of key ^ pad: HMAC's inner or outer start. */
static EVP_MD_CTX *sm3_padded(const uint8_t key[CRYPTO_KEY_BYTES], uint8_t pad)
{
    uint8_t block[SM3_BLOCK];
    for (size_t i = 0; i < SM3_BLOCK; i++)
        block[i] = (uint8_t)((i < CRYPTO_KEY_BYTES ? key[i] : 0) ^ pad);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx && (EVP_DigestInit_ex(ctx, crypto_sm3(), NULL) != 1 ||
                EVP_DigestUpdate(ctx, block, sizeof block) != 1)) {
        EVP_MD_CTX_free(ctx);
        ctx = NULL;
    }
    crypto_wipe(block, sizeof block);
    return ctx;
}

int crypto_mac_key_init(crypto_mac_key *k, crypto_alg alg, const uint8_t key[CRYPTO_KEY_BYTES])
{
    *k = (crypto_mac_key){.alg = alg};
    if (alg == CRYPTO_SHA256)
        return XN_EINVAL;
    memcpy(k->raw, key, CRYPTO_KEY_BYTES);
    if (alg == CRYPTO_B2) {
        crypto_b2_keyed_start(k->b2_start, key);
        return XN_OK;
    }
    k->sm3_inner = sm3_padded(key, 0x36);
    k->sm3_outer = sm3_padded(key, 0x5c);
    k->sm3_scratch = EVP_MD_CTX_new();
    if (!k->sm3_inner || !k->sm3_outer || !k->sm3_scratch) {
        crypto_mac_key_wipe(k);
        return XN_ENOMEM;
    }
    return XN_OK;
}

int crypto_mac_with(crypto_mac_key *k, const void *data, size_t len, uint8_t out[CRYPTO_HASH_BYTES])
{
    if (k->alg == CRYPTO_B2) {
        if (len == 0)
            return crypto_mac(k->alg, k->raw, data, len, out);
        crypto_b2_keyed_finish(k->b2_start, data, len, out);
        return XN_OK;
    }
    EVP_MD_CTX *ctx = k->sm3_scratch;
    unsigned int n = CRYPTO_HASH_BYTES;
    if (EVP_MD_CTX_copy_ex(ctx, k->sm3_inner) != 1 || EVP_DigestUpdate(ctx, data, len) != 1 ||
        EVP_DigestFinal_ex(ctx, out, &n) != 1 || EVP_MD_CTX_copy_ex(ctx, k->sm3_outer) != 1 ||
        EVP_DigestUpdate(ctx, out, CRYPTO_HASH_BYTES) != 1 || EVP_DigestFinal_ex(ctx, out, &n) != 1)
        return XN_EINTERNAL;
    return XN_OK;
}

void crypto_mac_key_wipe(crypto_mac_key *k)
{
    EVP_MD_CTX_free(k->sm3_inner); /* EVP_MD_CTX_free cleanses the digest state */
    EVP_MD_CTX_free(k->sm3_outer);
    EVP_MD_CTX_free(k->sm3_scratch);
    crypto_wipe(k, sizeof *k);
}

void crypto_key_evolve(crypto_alg alg, const uint8_t key[CRYPTO_KEY_BYTES],
                       uint8_t next[CRYPTO_KEY_BYTES])
{
    static const char label[] = "xinan audit key evolution v1";
    crypto_mac(alg, key, label, sizeof label - 1, next);
}

/* Word by word, without an early exit. libsodium's and OpenSSL's compare a byte at a time
 * through volatile reads, which verification (a seal per record) felt. */
bool crypto_equal(const void *a, const void *b, size_t len)
{
    const uint8_t *x = a, *y = b;
    uint64_t diff = 0;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t u, v;
        memcpy(&u, x + i, 8);
        memcpy(&v, y + i, 8);
        diff |= u ^ v;
    }
    for (; i < len; i++)
        diff |= (uint64_t)(x[i] ^ y[i]);
    return diff == 0;
}

void crypto_wipe(void *p, size_t len)
{
    sodium_memzero(p, len);
}

void crypto_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                        uint8_t out[CRYPTO_HMAC_SHA256_BYTES])
{
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, key_len);
    crypto_auth_hmacsha256_update(&st, data, len);
    crypto_auth_hmacsha256_final(&st, out);
    sodium_memzero(&st, sizeof st);
}

size_t crypto_base64_len(size_t len)
{
    return sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
}

void crypto_base64(const void *in, size_t len, char *out)
{
    sodium_bin2base64(out, crypto_base64_len(len), in, len, sodium_base64_VARIANT_ORIGINAL);
}
