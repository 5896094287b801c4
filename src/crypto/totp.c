/* TOTP (RFC 6238 over RFC 4226 HOTP) with HMAC-SHA1, the algorithm authenticator apps
 * expect, and the base32 that carries the secret in their QR codes. */
#include "crypto/crypto.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#define TOTP_STEP 30

static uint32_t hotp(const uint8_t secret[CRYPTO_TOTP_SECRET_BYTES], uint64_t counter)
{
    uint8_t msg[8], mac[20];
    for (int i = 7; i >= 0; i--) {
        msg[i] = (uint8_t)(counter & 0xff);
        counter >>= 8;
    }
    unsigned int n = sizeof mac;
    HMAC(EVP_sha1(), secret, CRYPTO_TOTP_SECRET_BYTES, msg, sizeof msg, mac, &n);
    int off = mac[19] & 0x0f;
    uint32_t bin = ((uint32_t)(mac[off] & 0x7f) << 24) | ((uint32_t)mac[off + 1] << 16) |
                   ((uint32_t)mac[off + 2] << 8) | (uint32_t)mac[off + 3];
    crypto_wipe(mac, sizeof mac);
    return bin % 1000000u;
}

uint32_t crypto_totp(const uint8_t secret[CRYPTO_TOTP_SECRET_BYTES], int64_t unix_seconds)
{
    return hotp(secret, (uint64_t)(unix_seconds / TOTP_STEP));
}

bool crypto_totp_check(const uint8_t secret[CRYPTO_TOTP_SECRET_BYTES], int64_t unix_seconds,
                       const char *code, int window, int64_t *step_out)
{
    if (strlen(code) != 6 || strspn(code, "0123456789") != 6)
        return false;
    int64_t now_step = unix_seconds / TOTP_STEP;
    bool found = false;
    /* Every step in the window is computed, so timing does not tell which one matched. */
    for (int d = -window; d <= window; d++) {
        char want[7];
        snprintf(want, sizeof want, "%06u", hotp(secret, (uint64_t)(now_step + d)));
        if (crypto_equal(want, code, 6) && !found) {
            found = true;
            *step_out = now_step + d;
        }
    }
    return found;
}

static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

void crypto_base32(const uint8_t *data, size_t len, char *out)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        acc = (acc << 8) | data[i];
        bits += 8;
        while (bits >= 5) {
            out[o++] = b32[(acc >> (bits - 5)) & 31];
            bits -= 5;
        }
    }
    if (bits > 0)
        out[o++] = b32[(acc << (5 - bits)) & 31];
    out[o] = '\0';
}

int crypto_base32_decode(const char *in, uint8_t *out, size_t out_len)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (const char *p = in; *p; p++) {
        char c = *p >= 'a' && *p <= 'z' ? (char)(*p - 32) : *p;
        const char *pos = c ? strchr(b32, c) : NULL;
        if (!pos)
            return XN_EINVAL;
        acc = (acc << 5) | (uint32_t)(pos - b32);
        bits += 5;
        if (bits >= 8) {
            if (o == out_len)
                return XN_EINVAL;
            out[o++] = (uint8_t)(acc >> (bits - 8));
            bits -= 8;
        }
    }
    return o == out_len ? XN_OK : XN_EINVAL;
}
