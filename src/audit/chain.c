/*
 * The canonical encodings of records and checkpoints. Every field is length-prefixed (NULL
 * and "" differ), integers are big-endian, and a version tag leads, so no two different
 * records encode alike and the encoding can change later only under a new tag.
 */
#include "audit/audit_int.h"

#include <string.h>

static void put_u64(crypto_hasher *h, int64_t v)
{
    uint8_t b[8];
    for (int i = 7; i >= 0; i--) {
        b[i] = (uint8_t)((uint64_t)v & 0xff);
        v = (int64_t)((uint64_t)v >> 8);
    }
    crypto_hasher_update(h, b, sizeof b);
}

static void put_str(crypto_hasher *h, const char *s)
{
    if (!s) {
        put_u64(h, -1);
        return;
    }
    size_t n = strlen(s);
    put_u64(h, (int64_t)n);
    crypto_hasher_update(h, s, n);
}

int audit_record_hash(const audit_record *r, int64_t seq, uint8_t out[CRYPTO_HASH_BYTES])
{
    static const char tag[] = "xinan-audit-record-v1";
    crypto_hasher h;
    int rc = crypto_hasher_init(&h, r->alg, NULL);
    if (rc != XN_OK)
        return rc;
    crypto_hasher_update(&h, tag, sizeof tag - 1);
    crypto_hasher_update(&h, r->prev_hash, CRYPTO_HASH_BYTES);
    put_u64(&h, seq);
    put_u64(&h, r->epoch);
    put_str(&h, crypto_alg_id(r->alg));
    put_u64(&h, r->at);
    put_str(&h, r->actor_kind);
    put_u64(&h, r->actor_id);
    put_str(&h, r->actor_name);
    put_str(&h, r->source);
    put_str(&h, r->session);
    put_str(&h, r->action);
    put_str(&h, r->object_type);
    put_str(&h, r->object_id);
    put_str(&h, r->result);
    put_str(&h, r->detail);
    crypto_hasher_final(&h, out);
    return XN_OK;
}

int audit_record_seal(const audit_record *r, const uint8_t key[CRYPTO_KEY_BYTES],
                      uint8_t out[CRYPTO_HASH_BYTES])
{
    return crypto_mac(r->alg, key, r->hash, CRYPTO_HASH_BYTES, out);
}

int audit_checkpoint_seal(const audit_checkpoint *cp, const uint8_t key[CRYPTO_KEY_BYTES],
                          uint8_t out[CRYPTO_HASH_BYTES])
{
    static const char tag[] = "xinan-audit-checkpoint-v1";
    crypto_hasher h;
    int rc = crypto_hasher_init(&h, cp->alg, key);
    if (rc != XN_OK)
        return rc;
    crypto_hasher_update(&h, tag, sizeof tag - 1);
    put_str(&h, cp->kind);
    put_u64(&h, cp->epoch);
    put_str(&h, crypto_alg_id(cp->alg));
    put_u64(&h, cp->first_seq);
    put_u64(&h, cp->last_seq);
    crypto_hasher_update(&h, cp->hash, CRYPTO_HASH_BYTES);
    put_u64(&h, cp->started_at);
    put_u64(&h, cp->ended_at);
    crypto_hasher_final(&h, out);
    return XN_OK;
}

int audit_checkpoint_json(const audit_checkpoint *cp, xn_buf *out)
{
    char hash[2 * CRYPTO_HASH_BYTES + 1], seal[2 * CRYPTO_HASH_BYTES + 1];
    xn_hex(cp->hash, CRYPTO_HASH_BYTES, hash);
    xn_hex(cp->seal, CRYPTO_HASH_BYTES, seal);
    return xn_buf_printf(out,
                         "{\"checkpoint\":{\"kind\":\"%s\",\"epoch\":%lld,\"alg\":\"%s\","
                         "\"first\":%lld,\"last\":%lld,\"hash\":\"%s\",\"start\":%lld,"
                         "\"end\":%lld,\"seal\":\"%s\"}}\n",
                         cp->kind, (long long)cp->epoch, crypto_alg_id(cp->alg),
                         (long long)cp->first_seq, (long long)cp->last_seq, hash,
                         (long long)cp->started_at, (long long)cp->ended_at, seal);
}

int audit_unhex(const char *s, uint8_t *out, size_t n)
{
    if (!s || strlen(s) != 2 * n)
        return XN_EINVAL;
    for (size_t i = 0; i < n; i++) {
        int v = 0;
        for (int j = 0; j < 2; j++) {
            char c = s[2 * i + (size_t)j];
            int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
            if (d < 0)
                return XN_EINVAL;
            v = v * 16 + d;
        }
        out[i] = (uint8_t)v;
    }
    return XN_OK;
}

int audit_checkpoint_parse(json_t *obj, audit_checkpoint *cp)
{
    const char *kind = json_string_value(json_object_get(obj, "kind"));
    const char *alg = json_string_value(json_object_get(obj, "alg"));
    json_t *nums[5] = {json_object_get(obj, "epoch"), json_object_get(obj, "first"),
                       json_object_get(obj, "last"), json_object_get(obj, "start"),
                       json_object_get(obj, "end")};
    for (int i = 0; i < 5; i++)
        if (!json_is_integer(nums[i]))
            return XN_EINVAL;
    if (!kind || (strcmp(kind, "epoch") != 0 && strcmp(kind, "purge") != 0) || !alg ||
        crypto_alg_parse(alg, &cp->alg) != XN_OK)
        return XN_EINVAL;
    snprintf(cp->kind, sizeof cp->kind, "%s", kind);
    cp->epoch = json_integer_value(nums[0]);
    cp->first_seq = json_integer_value(nums[1]);
    cp->last_seq = json_integer_value(nums[2]);
    cp->started_at = json_integer_value(nums[3]);
    cp->ended_at = json_integer_value(nums[4]);
    if (audit_unhex(json_string_value(json_object_get(obj, "hash")), cp->hash, CRYPTO_HASH_BYTES) ||
        audit_unhex(json_string_value(json_object_get(obj, "seal")), cp->seal, CRYPTO_HASH_BYTES))
        return XN_EINVAL;
    return XN_OK;
}

static int copy_hash(store_stmt *st, int col, uint8_t out[CRYPTO_HASH_BYTES])
{
    if (store_col_bytes(st, col) != CRYPTO_HASH_BYTES)
        return XN_EINVAL;
    memcpy(out, store_col_blob(st, col), CRYPTO_HASH_BYTES);
    return XN_OK;
}

static const char *text_or_null(store_stmt *st, int col)
{
    return store_col_is_null(st, col) ? NULL : store_col_text(st, col);
}

int audit_record_read(store_stmt *st, audit_record *r)
{
    r->seq = store_col_int(st, 0);
    r->epoch = store_col_int(st, 1);
    if (crypto_alg_parse(store_col_text(st, 2), &r->alg) != XN_OK)
        return XN_EINVAL;
    r->at = store_col_int(st, 3);
    r->actor_kind = text_or_null(st, 4);
    r->actor_id = store_col_int(st, 5);
    r->actor_name = text_or_null(st, 6);
    r->source = text_or_null(st, 7);
    r->session = text_or_null(st, 8);
    r->action = text_or_null(st, 9);
    r->object_type = text_or_null(st, 10);
    r->object_id = text_or_null(st, 11);
    r->result = text_or_null(st, 12);
    r->detail = text_or_null(st, 13);
    if (copy_hash(st, 14, r->prev_hash) || copy_hash(st, 15, r->hash) || copy_hash(st, 16, r->seal))
        return XN_EINVAL;
    return XN_OK;
}

int audit_checkpoint_read(store_stmt *st, audit_checkpoint *cp)
{
    snprintf(cp->kind, sizeof cp->kind, "%s", store_col_text(st, 0));
    cp->epoch = store_col_int(st, 1);
    if (crypto_alg_parse(store_col_text(st, 2), &cp->alg) != XN_OK)
        return XN_EINVAL;
    cp->first_seq = store_col_int(st, 3);
    cp->last_seq = store_col_int(st, 4);
    if (copy_hash(st, 5, cp->hash))
        return XN_EINVAL;
    cp->started_at = store_col_int(st, 6);
    cp->ended_at = store_col_int(st, 7);
    return copy_hash(st, 8, cp->seal);
}

void audit_witness_file(const xn_config *cfg, char *out, size_t size)
{
    if (cfg->audit_witness[0])
        snprintf(out, size, "%s", cfg->audit_witness);
    else
        snprintf(out, size, "%s.witness", cfg->db_path);
}

int audit_unhex_seed(const char *hex, uint8_t seed[AUDIT_SEED_BYTES])
{
    return audit_unhex(hex, seed, AUDIT_SEED_BYTES);
}
