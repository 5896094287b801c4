/* Known answers for the hashes, MACs and TOTP; password hashes round-trip in both modes. */
#include "xn_test.h"

#include "crypto/crypto.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void hex_of(const uint8_t *d, char out[65])
{
    xn_hex(d, CRYPTO_HASH_BYTES, out);
}

static void digests_match_reference_values(void **state)
{
    (void)state;
    uint8_t d[CRYPTO_HASH_BYTES];
    char hex[65];
    assert_int_equal(crypto_digest(CRYPTO_B2, "abc", 3, d), XN_OK);
    hex_of(d, hex);
    assert_string_equal(hex, "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
    assert_int_equal(crypto_digest(CRYPTO_SM3, "abc", 3, d), XN_OK);
    hex_of(d, hex);
    /* GB/T 32905-2016 example 1 */
    assert_string_equal(hex, "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
}

static void macs_match_reference_values(void **state)
{
    (void)state;
    uint8_t key[CRYPTO_KEY_BYTES], d[CRYPTO_HASH_BYTES];
    char hex[65];
    for (int i = 0; i < CRYPTO_KEY_BYTES; i++)
        key[i] = (uint8_t)i;
    assert_int_equal(crypto_mac(CRYPTO_B2, key, "abc", 3, d), XN_OK);
    hex_of(d, hex);
    assert_string_equal(hex, "d63a32d3e44738d7907f964316c241adaba0abfeabc32349677578a15a203f7f");
    assert_int_equal(crypto_mac(CRYPTO_SM3, key, "abc", 3, d), XN_OK);
    hex_of(d, hex);
    /* openssl mac -digest SM3 -macopt hexkey:000102…1f HMAC */
    assert_string_equal(hex, "a8f95cf26f204957e7ca73c9602a25dda35f168b28103b51dfc968c810416b63");
}

static void incremental_equals_one_shot(void **state)
{
    (void)state;
    uint8_t key[CRYPTO_KEY_BYTES] = {7}, a[CRYPTO_HASH_BYTES], b[CRYPTO_HASH_BYTES];
    const char *msg = "审计记录 audit record";
    for (int alg = CRYPTO_B2; alg <= CRYPTO_SM3; alg++) {
        crypto_hasher h;
        assert_int_equal(crypto_hasher_init(&h, (crypto_alg)alg, key), XN_OK);
        crypto_hasher_update(&h, msg, 5);
        crypto_hasher_update(&h, msg + 5, strlen(msg) - 5);
        crypto_hasher_final(&h, a);
        crypto_mac((crypto_alg)alg, key, msg, strlen(msg), b);
        assert_memory_equal(a, b, sizeof a);
    }
}

/* A prepared key gives crypto_mac's MAC at every length, across block edges, empty included. */
static void prepared_keys_mac_as_crypto_mac(void **state)
{
    (void)state;
    uint8_t key[CRYPTO_KEY_BYTES], msg[300], a[CRYPTO_HASH_BYTES], b[CRYPTO_HASH_BYTES];
    crypto_random(key, sizeof key);
    crypto_random(msg, sizeof msg);
    for (int alg = CRYPTO_B2; alg <= CRYPTO_SM3; alg++) {
        crypto_mac_key k;
        assert_int_equal(crypto_mac_key_init(&k, (crypto_alg)alg, key), XN_OK);
        for (size_t len = 0; len <= sizeof msg; len++) {
            assert_int_equal(crypto_mac_with(&k, msg, len, a), XN_OK);
            assert_int_equal(crypto_mac((crypto_alg)alg, key, msg, len, b), XN_OK);
            assert_memory_equal(a, b, sizeof a);
        }
        crypto_mac_key_wipe(&k);
    }
    /* And the reference value above, through a prepared key. */
    for (int i = 0; i < CRYPTO_KEY_BYTES; i++)
        key[i] = (uint8_t)i;
    crypto_mac_key k;
    char hex[65];
    assert_int_equal(crypto_mac_key_init(&k, CRYPTO_B2, key), XN_OK);
    assert_int_equal(crypto_mac_with(&k, "abc", 3, a), XN_OK);
    crypto_mac_key_wipe(&k);
    hex_of(a, hex);
    assert_string_equal(hex, "d63a32d3e44738d7907f964316c241adaba0abfeabc32349677578a15a203f7f");
}

/* Equal buffers compare equal at every length; one flipped bit anywhere makes them differ. */
static void equality_sees_every_byte(void **state)
{
    (void)state;
    uint8_t a[41], b[41];
    crypto_random(a, sizeof a);
    for (size_t len = 0; len <= sizeof a; len++) {
        memcpy(b, a, sizeof a);
        assert_true(crypto_equal(a, b, len));
        for (size_t i = 0; i < len; i++) {
            b[i] ^= (uint8_t)(1u << (i % 8));
            assert_false(crypto_equal(a, b, len));
            b[i] = a[i];
        }
    }
}

static void key_evolution_is_one_way_and_deterministic(void **state)
{
    (void)state;
    uint8_t k0[CRYPTO_KEY_BYTES] = {1}, k1[CRYPTO_KEY_BYTES], k1b[CRYPTO_KEY_BYTES];
    crypto_key_evolve(CRYPTO_B2, k0, k1);
    crypto_key_evolve(CRYPTO_B2, k0, k1b);
    assert_memory_equal(k1, k1b, sizeof k1);
    assert_memory_not_equal(k0, k1, sizeof k1);
    crypto_key_evolve(CRYPTO_SM3, k0, k1b);
    assert_memory_not_equal(k1, k1b, sizeof k1);
}

static void alg_ids_round_trip(void **state)
{
    (void)state;
    crypto_alg a;
    assert_int_equal(crypto_alg_parse(crypto_alg_id(CRYPTO_SM3), &a), XN_OK);
    assert_int_equal(a, CRYPTO_SM3);
    assert_int_equal(crypto_alg_parse("b2", &a), XN_OK);
    assert_int_equal(a, CRYPTO_B2);
    assert_int_equal(crypto_alg_parse("md5", &a), XN_EINVAL);
    assert_int_equal(crypto_alg_for_mode("gm"), CRYPTO_SM3);
    assert_int_equal(crypto_alg_for_mode("intl"), CRYPTO_B2);
}

static void password_hashes_verify_in_both_modes(void **state)
{
    (void)state;
    xn_error err;
    char argon[CRYPTO_PASSWORD_MAX], sm3[CRYPTO_PASSWORD_MAX], again[CRYPTO_PASSWORD_MAX];
    const char *pw = "Zx9#kL2$qW";
    assert_int_equal(crypto_password_hash(CRYPTO_B2, pw, strlen(pw), argon, &err), XN_OK);
    assert_true(strncmp(argon, "$argon2id$v=19$m=19456,t=2,p=1$", 31) == 0);
    assert_int_equal(crypto_password_hash(CRYPTO_SM3, pw, strlen(pw), sm3, &err), XN_OK);
    assert_true(strncmp(sm3, "$pbkdf2-sm3$i=", 14) == 0);
    assert_true(crypto_password_verify(argon, pw, strlen(pw)));
    assert_true(crypto_password_verify(sm3, pw, strlen(pw)));
    assert_false(crypto_password_verify(argon, "Zx9#kL2$qw", 10));
    assert_false(crypto_password_verify(sm3, "Zx9#kL2$qw", 10));
    /* a fresh salt each time */
    assert_int_equal(crypto_password_hash(CRYPTO_SM3, pw, strlen(pw), again, &err), XN_OK);
    assert_string_not_equal(sm3, again);
    /* malformed strings are refused, not trusted */
    assert_false(crypto_password_verify("", pw, strlen(pw)));
    assert_false(crypto_password_verify("$pbkdf2-sm3$i=0$AAAA$AAAA", pw, strlen(pw)));
    assert_false(crypto_password_verify("$pbkdf2-sm3$i=10$!!$AAAA", pw, strlen(pw)));
    assert_false(crypto_password_verify("plain", "plain", 5));
}

static void totp_matches_rfc6238_vectors(void **state)
{
    (void)state;
    const uint8_t *secret = (const uint8_t *)"12345678901234567890";
    /* RFC 6238 appendix B, SHA-1, last six digits */
    assert_int_equal(crypto_totp(secret, 59), 287082);
    assert_int_equal(crypto_totp(secret, 1111111109), 81804);
    assert_int_equal(crypto_totp(secret, 2000000000), 279037);
    int64_t step = 0;
    assert_true(crypto_totp_check(secret, 1111111109, "081804", 1, &step));
    assert_int_equal(step, 1111111109 / 30);
    assert_true(crypto_totp_check(secret, 1111111109 + 30, "081804", 1, &step));
    assert_false(crypto_totp_check(secret, 1111111109 + 90, "081804", 1, &step));
    assert_false(crypto_totp_check(secret, 1111111109, "81804", 1, &step));
    assert_false(crypto_totp_check(secret, 1111111109, "08180a", 1, &step));
}

static void base32_round_trips(void **state)
{
    (void)state;
    const uint8_t *secret = (const uint8_t *)"12345678901234567890";
    char b32[CRYPTO_TOTP_B32_LEN + 1];
    crypto_base32(secret, CRYPTO_TOTP_SECRET_BYTES, b32);
    assert_string_equal(b32, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    uint8_t back[CRYPTO_TOTP_SECRET_BYTES];
    assert_int_equal(crypto_base32_decode("gezdgnbvgy3tqojqgezdgnbvgy3tqojq", back, sizeof back),
                     XN_OK);
    assert_memory_equal(back, secret, sizeof back);
    assert_int_equal(crypto_base32_decode("GEZ1", back, sizeof back), XN_EINVAL);
    assert_int_equal(crypto_base32_decode("GEZDGNBV", back, sizeof back), XN_EINVAL);
}

/* Random draws stay below their bound and reach every value; random bytes differ per call. */
static void random_numbers_cover_their_range(void **state)
{
    (void)state;
    int seen[6] = {0};
    for (int i = 0; i < 600; i++) {
        uint32_t v = crypto_random_below(6);
        assert_true(v < 6);
        seen[v]++;
        assert_int_equal(crypto_random_below(1), 0);
    }
    for (int v = 0; v < 6; v++)
        assert_true(seen[v] > 0);
    uint8_t a[32], b[32];
    crypto_random(a, sizeof a);
    crypto_random(b, sizeof b);
    assert_memory_not_equal(a, b, sizeof a);
}

static size_t unhex(const char *h, uint8_t *out)
{
    size_t n = strlen(h) / 2;
    for (size_t i = 0; i < n; i++) {
        unsigned v = 0;
        sscanf(h + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
    return n;
}

/* draft-irtf-cfrg-xchacha-03, A.3.1: AEAD_XChaCha20_Poly1305 */
static void xchacha_matches_the_draft_vector(void **state)
{
    (void)state;
    static const char pt[] = "Ladies and Gentlemen of the class of '99: If I could offer you only "
                             "one tip for the future, sunscreen would be it.";
    uint8_t key[32], nonce[24], ad[12], out[sizeof pt + CRYPTO_SEAL_OVERHEAD];
    for (int i = 0; i < 32; i++)
        key[i] = (uint8_t)(0x80 + i);
    unhex("404142434445464748494a4b4c4d4e4f5051525354555657", nonce);
    unhex("50515253c0c1c2c3c4c5c6c7", ad);
    size_t n = 0;
    xn_error err;
    assert_int_equal(crypto_seal_nonce(CRYPTO_AEAD_XCHACHA, key, nonce, ad, sizeof ad, pt,
                                       sizeof pt - 1, out, &n, &err),
                     XN_OK);
    assert_int_equal(n, 1 + 24 + (sizeof pt - 1) + 16);
    assert_int_equal(out[0], CRYPTO_AEAD_XCHACHA);
    assert_memory_equal(out + 1, nonce, 24);
    char hex[2 * sizeof out + 1];
    xn_hex(out + 25, n - 25, hex);
    assert_string_equal(hex, "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb"
                             "731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452"
                             "2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9"
                             "21f9664c97637da9768812f615c68b13b52e"
                             "c0875924c1c7987947deafd8780acf49");
    uint8_t back[sizeof pt];
    size_t m = 0;
    assert_int_equal(crypto_open(key, ad, sizeof ad, out, n, back, &m, &err), XN_OK);
    assert_int_equal(m, sizeof pt - 1);
    assert_memory_equal(back, pt, m);
}

/* GB/T 32907-2016 appendix A example 1: E(K, P) with K = P = 0123456789abcdeffedcba9876543210
 * is 681edf34d206965e86b3e94f536e4246. Under SM4-CTR with that block as the counter, a zero
 * plaintext block comes out as E(K, counter): the library's SM4-CTR, which the gm seal uses,
 * is the standard's cipher. (The seal's own composition is checked by round trips and
 * tampering below; it has no published vectors.) */
static void sm4_ctr_uses_the_standard_cipher(void **state)
{
    (void)state;
    uint8_t k[16], iv[16], zero[16] = {0}, ks[16];
    unhex("0123456789abcdeffedcba9876543210", k);
    memcpy(iv, k, 16);
    int outl = 0;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    assert_int_equal(EVP_EncryptInit_ex(ctx, EVP_sm4_ctr(), NULL, k, iv), 1);
    assert_int_equal(EVP_EncryptUpdate(ctx, ks, &outl, zero, 16), 1);
    EVP_CIPHER_CTX_free(ctx);
    char hex[33];
    xn_hex(ks, 16, hex);
    assert_string_equal(hex, "681edf34d206965e86b3e94f536e4246");
}

static void seals_open_only_with_their_key_place_and_bytes(void **state)
{
    (void)state;
    uint8_t key[32], other[32];
    memset(key, 7, sizeof key);
    memset(other, 8, sizeof other);
    const char *secret = "JBSWY3DPEHPK3PXP-a-secret-of-20";
    for (int a = CRYPTO_AEAD_XCHACHA; a <= CRYPTO_AEAD_SM4; a++) {
        uint8_t s1[64 + CRYPTO_SEAL_OVERHEAD], s2[64 + CRYPTO_SEAL_OVERHEAD], back[128];
        size_t n1 = 0, n2 = 0, m = 0;
        xn_error err;
        assert_int_equal(
            crypto_seal((crypto_aead)a, key, "totp:1", 6, secret, strlen(secret), s1, &n1, &err),
            XN_OK);
        assert_int_equal(
            crypto_seal((crypto_aead)a, key, "totp:1", 6, secret, strlen(secret), s2, &n2, &err),
            XN_OK);
        assert_int_equal(n1, n2);
        assert_memory_not_equal(s1, s2, n1); /* a fresh nonce every time */
        crypto_aead found;
        assert_int_equal(crypto_sealed_aead(s1, n1, &found), XN_OK);
        assert_int_equal(found, a);
        assert_int_equal(crypto_open(key, "totp:1", 6, s1, n1, back, &m, &err), XN_OK);
        assert_int_equal(m, strlen(secret));
        assert_memory_equal(back, secret, m);
        /* another key, another place, any changed byte, a cut: refused */
        assert_int_equal(crypto_open(other, "totp:1", 6, s1, n1, back, &m, &err), XN_EINVAL);
        assert_string_equal(err.code, "sealed_damaged");
        assert_int_equal(crypto_open(key, "totp:2", 6, s1, n1, back, &m, &err), XN_EINVAL);
        for (size_t i = 1; i < n1; i++) {
            s1[i] ^= 1;
            assert_int_equal(crypto_open(key, "totp:1", 6, s1, n1, back, &m, &err), XN_EINVAL);
            s1[i] ^= 1;
        }
        assert_int_equal(crypto_open(key, "totp:1", 6, s1, n1 - 1, back, &m, &err), XN_EINVAL);
        assert_int_equal(crypto_open(key, "totp:1", 6, s1, 3, back, &m, &err), XN_EINVAL);
        s1[0] = 9;
        assert_int_equal(crypto_open(key, "totp:1", 6, s1, n1, back, &m, &err), XN_EINVAL);
    }
    assert_string_equal(crypto_aead_id(crypto_aead_for_mode("gm")), "sm4ctr-hmacsm3");
    assert_string_equal(crypto_aead_id(crypto_aead_for_mode("intl")), "xchacha20poly1305");
}

static void key_files_are_made_private_and_checked(void **state)
{
    (void)state;
    char dir[] = "/tmp/xinan-key-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/db.key", dir);
    uint8_t k1[32], k2[32];
    bool created = false;
    xn_error err;
    assert_int_equal(crypto_keyfile_load(path, false, k1, &created, &err), XN_ENOTFOUND);
    assert_int_equal(crypto_keyfile_load(path, true, k1, &created, &err), XN_OK);
    assert_true(created);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, 32);
    assert_int_equal(crypto_keyfile_load(path, true, k2, &created, &err), XN_OK);
    assert_false(created);
    assert_memory_equal(k1, k2, 32);
    chmod(path, 0644);
    assert_int_equal(crypto_keyfile_load(path, false, k2, &created, &err), XN_EINVAL);
    assert_non_null(strstr(err.message, "chmod 600"));
    chmod(path, 0600);
    truncate(path, 16);
    assert_int_equal(crypto_keyfile_load(path, false, k2, &created, &err), XN_EINVAL);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(digests_match_reference_values),
        cmocka_unit_test(macs_match_reference_values),
        cmocka_unit_test(incremental_equals_one_shot),
        cmocka_unit_test(prepared_keys_mac_as_crypto_mac),
        cmocka_unit_test(equality_sees_every_byte),
        cmocka_unit_test(key_evolution_is_one_way_and_deterministic),
        cmocka_unit_test(alg_ids_round_trip),
        cmocka_unit_test(password_hashes_verify_in_both_modes),
        cmocka_unit_test(totp_matches_rfc6238_vectors),
        cmocka_unit_test(base32_round_trips),
        cmocka_unit_test(random_numbers_cover_their_range),
        cmocka_unit_test(xchacha_matches_the_draft_vector),
        cmocka_unit_test(sm4_ctr_uses_the_standard_cipher),
        cmocka_unit_test(seals_open_only_with_their_key_place_and_bytes),
        cmocka_unit_test(key_files_are_made_private_and_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
