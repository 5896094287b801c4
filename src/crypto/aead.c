/*
 * Sealing sensitive fields: XChaCha20-Poly1305 from libsodium (intl), SM4-CTR with HMAC-SM3,
 * encrypt-then-MAC, from OpenSSL's SM4 and our HMAC-SM3 (gm; OpenSSL 3.0 offers no SM4-GCM).
 * The field key file lives here too, because only this room should handle raw key bytes.
 */
#include "crypto/crypto.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define XC_NONCE  crypto_aead_xchacha20poly1305_ietf_NPUBBYTES /* 24 */
#define XC_TAG    crypto_aead_xchacha20poly1305_ietf_ABYTES    /* 16 */
#define SM4_IV    16
#define SM4_KEY   16
#define SM4_TAG   CRYPTO_HASH_BYTES /* the whole HMAC-SM3 */
#define MAX_FIELD 4096              /* sealed fields are short secrets */

_Static_assert(1 + XC_NONCE + XC_TAG <= CRYPTO_SEAL_OVERHEAD, "overhead too small for intl");
_Static_assert(1 + SM4_IV + SM4_TAG <= CRYPTO_SEAL_OVERHEAD, "overhead too small for gm");

const char *crypto_aead_id(crypto_aead a)
{
    return a == CRYPTO_AEAD_SM4 ? "sm4ctr-hmacsm3" : "xchacha20poly1305";
}

crypto_aead crypto_aead_for_mode(const char *mode)
{
    return strcmp(mode, "gm") == 0 ? CRYPTO_AEAD_SM4 : CRYPTO_AEAD_XCHACHA;
}

int crypto_sealed_aead(const uint8_t *sealed, size_t len, crypto_aead *out)
{
    if (len < 1 || (sealed[0] != CRYPTO_AEAD_XCHACHA && sealed[0] != CRYPTO_AEAD_SM4))
        return XN_EINVAL;
    *out = (crypto_aead)sealed[0];
    return XN_OK;
}

/* The SM4 key and the MAC key, each under its own label, from the one field key. */
static void sm4_keys(const uint8_t key[CRYPTO_FIELD_KEY_BYTES], uint8_t enc[SM4_KEY],
                     uint8_t mac[CRYPTO_KEY_BYTES])
{
    static const char enc_label[] = "xinan field sm4-ctr";
    static const char mac_label[] = "xinan field hmac-sm3";
    uint8_t t[CRYPTO_HASH_BYTES];
    crypto_mac(CRYPTO_SM3, key, enc_label, sizeof enc_label - 1, t);
    memcpy(enc, t, SM4_KEY);
    crypto_mac(CRYPTO_SM3, key, mac_label, sizeof mac_label - 1, mac);
    crypto_wipe(t, sizeof t);
}

/* SM4-CTR over in[0..len) into out (encryption and decryption are the same). */
static int sm4_ctr(const uint8_t enc[SM4_KEY], const uint8_t iv[SM4_IV], const uint8_t *in,
                   size_t len, uint8_t *out)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int ok = ctx && EVP_EncryptInit_ex(ctx, EVP_sm4_ctr(), NULL, enc, iv) == 1;
    int n = 0, m = 0;
    if (ok && len > 0)
        ok = EVP_EncryptUpdate(ctx, out, &n, in, (int)len) == 1;
    if (ok)
        ok = EVP_EncryptFinal_ex(ctx, out + n, &m) == 1 && (size_t)(n + m) == len;
    EVP_CIPHER_CTX_free(ctx);
    return ok ? XN_OK : XN_EINTERNAL;
}

/* HMAC-SM3 over id ‖ iv ‖ len(ad) (8 bytes, big-endian) ‖ ad ‖ ct. */
static void sm4_tag(const uint8_t mac[CRYPTO_KEY_BYTES], const uint8_t *head, const void *ad,
                    size_t ad_len, const uint8_t *ct, size_t len, uint8_t tag[SM4_TAG])
{
    crypto_hasher h;
    uint8_t adl[8];
    for (int i = 0; i < 8; i++)
        adl[i] = (uint8_t)((uint64_t)ad_len >> (56 - 8 * i));
    crypto_hasher_init(&h, CRYPTO_SM3, mac);
    crypto_hasher_update(&h, head, 1 + SM4_IV);
    crypto_hasher_update(&h, adl, sizeof adl);
    if (ad_len)
        crypto_hasher_update(&h, ad, ad_len);
    if (len)
        crypto_hasher_update(&h, ct, len);
    crypto_hasher_final(&h, tag);
}

int crypto_seal_nonce(crypto_aead a, const uint8_t key[CRYPTO_FIELD_KEY_BYTES],
                      const uint8_t *nonce, const void *ad, size_t ad_len, const void *pt,
                      size_t len, uint8_t *out, size_t *out_len, xn_error *err)
{
    if (len > MAX_FIELD)
        return xn_fail(err, XN_ETOOBIG, "too_large", "sealed field larger than %d bytes",
                       MAX_FIELD);
    out[0] = (uint8_t)a;
    if (a == CRYPTO_AEAD_XCHACHA) {
        memcpy(out + 1, nonce, XC_NONCE);
        unsigned long long n = 0;
        if (crypto_aead_xchacha20poly1305_ietf_encrypt(out + 1 + XC_NONCE, &n, pt, len, ad, ad_len,
                                                       NULL, nonce, key) != 0)
            return xn_fail(err, XN_EINTERNAL, "internal", "XChaCha20-Poly1305 failed");
        *out_len = 1 + XC_NONCE + (size_t)n;
        return XN_OK;
    }
    if (a != CRYPTO_AEAD_SM4)
        return xn_fail(err, XN_EINTERNAL, "internal", "unknown AEAD %d", (int)a);
    uint8_t enc[SM4_KEY], mac[CRYPTO_KEY_BYTES];
    sm4_keys(key, enc, mac);
    memcpy(out + 1, nonce, SM4_IV);
    int rc = sm4_ctr(enc, nonce, pt, len, out + 1 + SM4_IV);
    if (rc == XN_OK)
        sm4_tag(mac, out, ad, ad_len, out + 1 + SM4_IV, len, out + 1 + SM4_IV + len);
    crypto_wipe(enc, sizeof enc);
    crypto_wipe(mac, sizeof mac);
    if (rc != XN_OK)
        return xn_fail(err, rc, "internal", "SM4-CTR failed");
    *out_len = 1 + SM4_IV + len + SM4_TAG;
    return XN_OK;
}

int crypto_seal(crypto_aead a, const uint8_t key[CRYPTO_FIELD_KEY_BYTES], const void *ad,
                size_t ad_len, const void *pt, size_t len, uint8_t *out, size_t *out_len,
                xn_error *err)
{
    uint8_t nonce[XC_NONCE];
    crypto_random(nonce, sizeof nonce);
    return crypto_seal_nonce(a, key, nonce, ad, ad_len, pt, len, out, out_len, err);
}

int crypto_open(const uint8_t key[CRYPTO_FIELD_KEY_BYTES], const void *ad, size_t ad_len,
                const uint8_t *sealed, size_t len, uint8_t *out, size_t *out_len, xn_error *err)
{
    crypto_aead a;
    if (crypto_sealed_aead(sealed, len, &a) != XN_OK || len > MAX_FIELD + CRYPTO_SEAL_OVERHEAD)
        return xn_fail(err, XN_EINVAL, "sealed_damaged", "sealed value malformed");
    if (a == CRYPTO_AEAD_XCHACHA) {
        unsigned long long n = 0;
        if (len < 1 + XC_NONCE + XC_TAG ||
            crypto_aead_xchacha20poly1305_ietf_decrypt(out, &n, NULL, sealed + 1 + XC_NONCE,
                                                       len - 1 - XC_NONCE, ad, ad_len, sealed + 1,
                                                       key) != 0)
            return xn_fail(err, XN_EINVAL, "sealed_damaged",
                           "sealed value does not open (other key, other place or altered)");
        *out_len = (size_t)n;
        return XN_OK;
    }
    if (len < 1 + SM4_IV + SM4_TAG)
        return xn_fail(err, XN_EINVAL, "sealed_damaged", "sealed value malformed");
    size_t ct_len = len - 1 - SM4_IV - SM4_TAG;
    uint8_t enc[SM4_KEY], mac[CRYPTO_KEY_BYTES], tag[SM4_TAG];
    sm4_keys(key, enc, mac);
    sm4_tag(mac, sealed, ad, ad_len, sealed + 1 + SM4_IV, ct_len, tag);
    int rc = crypto_equal(tag, sealed + 1 + SM4_IV + ct_len, SM4_TAG) ? XN_OK : XN_EINVAL;
    if (rc == XN_OK)
        rc = sm4_ctr(enc, sealed + 1, sealed + 1 + SM4_IV, ct_len, out);
    crypto_wipe(enc, sizeof enc);
    crypto_wipe(mac, sizeof mac);
    if (rc != XN_OK) {
        crypto_wipe(out, ct_len);
        return xn_fail(err, XN_EINVAL, "sealed_damaged",
                       "sealed value does not open (other key, other place or altered)");
    }
    *out_len = ct_len;
    return XN_OK;
}

/* ---- the key file ------------------------------------------------------------------------- */

static int read_key(int fd, const char *path, uint8_t key[CRYPTO_FIELD_KEY_BYTES], xn_error *err)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return xn_fail(err, XN_EIO, "key_file", "%s: %s", path, strerror(errno));
    if (st.st_mode & (S_IRWXG | S_IRWXO))
        return xn_fail(err, XN_EINVAL, "key_file",
                       "%s: the field key file must be readable by its owner only (chmod 600)",
                       path);
    if (st.st_size != CRYPTO_FIELD_KEY_BYTES)
        return xn_fail(err, XN_EINVAL, "key_file", "%s: a field key file holds exactly %d bytes",
                       path, CRYPTO_FIELD_KEY_BYTES);
    size_t got = 0;
    while (got < CRYPTO_FIELD_KEY_BYTES) {
        ssize_t n = read(fd, key + got, CRYPTO_FIELD_KEY_BYTES - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return xn_fail(err, XN_EIO, "key_file", "%s: short read", path);
        got += (size_t)n;
    }
    return XN_OK;
}

int crypto_keyfile_load(const char *path, bool create, uint8_t key[CRYPTO_FIELD_KEY_BYTES],
                        bool *created, xn_error *err)
{
    *created = false;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        int rc = read_key(fd, path, key, err);
        close(fd);
        if (rc != XN_OK)
            crypto_wipe(key, CRYPTO_FIELD_KEY_BYTES);
        return rc;
    }
    if (errno != ENOENT)
        return xn_fail(err, XN_EIO, "key_file", "%s: %s", path, strerror(errno));
    if (!create)
        return xn_fail(err, XN_ENOTFOUND, "key_file", "%s: no field key file", path);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return xn_fail(err, XN_EIO, "key_file", "%s: cannot create: %s", path, strerror(errno));
    crypto_random(key, CRYPTO_FIELD_KEY_BYTES);
    size_t put = 0;
    while (put < CRYPTO_FIELD_KEY_BYTES) {
        ssize_t n = write(fd, key + put, CRYPTO_FIELD_KEY_BYTES - put);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        put += (size_t)n;
    }
    bool ok = put == CRYPTO_FIELD_KEY_BYTES && fsync(fd) == 0;
    close(fd);
    if (!ok) {
        unlink(path);
        crypto_wipe(key, CRYPTO_FIELD_KEY_BYTES);
        return xn_fail(err, XN_EIO, "key_file", "%s: cannot write the field key", path);
    }
    *created = true;
    return XN_OK;
}
