/*
 * The canonical encodings of records and checkpoints. Every field is length-prefixed (NULL
 * and "" differ), integers have one fixed form (eight bytes big-endian, or a varint in record
 * encoding v2), and a version tag leads, so no two different records encode alike and the
 * encoding changes only under a new tag.
 */
#include "audit/audit_int.h"

#include <string.h>

/*
 * The encoding is gathered in a small buffer and handed to the hash in a few large updates:
 * the same bytes as field-by-field updates, at a fraction of the calls (verification hashes
 * every record, so this is most of its time).
 */
typedef struct encoder {
    crypto_hasher *h;
    size_t len;
    uint8_t buf[512];
} encoder;

static void flush(encoder *e)
{
    crypto_hasher_update(e->h, e->buf, e->len);
    e->len = 0;
}

static void put_bytes(encoder *e, const void *p, size_t n)
{
    if (e->len + n > sizeof e->buf) {
        flush(e);
        if (n > sizeof e->buf) {
            crypto_hasher_update(e->h, p, n);
            return;
        }
    }
    memcpy(e->buf + e->len, p, n);
    e->len += n;
}

static void put_u64(encoder *e, int64_t v)
{
    if (e->len + 8 > sizeof e->buf)
        flush(e);
    uint64_t u = (uint64_t)v;
    for (int i = 0; i < 8; i++)
        e->buf[e->len++] = (uint8_t)(u >> (56 - 8 * i));
}

/* LEB128: seven bits a byte, low first (v2). */
static void put_varint(encoder *e, uint64_t u)
{
    if (e->len + 10 > sizeof e->buf)
        flush(e);
    while (u >= 0x80) {
        e->buf[e->len++] = (uint8_t)(u | 0x80);
        u >>= 7;
    }
    e->buf[e->len++] = (uint8_t)u;
}

/* A signed integer as a varint, small magnitudes short either side of zero (v2). */
static void put_signed(encoder *e, int64_t v)
{
    uint64_t u = (uint64_t)v;
    put_varint(e, (u << 1) ^ (0 - (u >> 63))); /* zigzag: the sign into the low bit */
}

static void put_text(encoder *e, audit_text t, int version)
{
    if (version == 1)
        put_u64(e, t.s ? (int64_t)t.n : -1);
    else
        put_varint(e, t.s ? (uint64_t)t.n + 1 : 0); /* 0: NULL */
    if (t.s)
        put_bytes(e, t.s, t.n);
}

static void put_str(encoder *e, const char *s)
{
    put_text(e, audit_text_of(s), 1);
}

static void put_int(encoder *e, int64_t v, int version)
{
    if (version == 1)
        put_u64(e, v);
    else
        put_signed(e, v);
}

static void finish(encoder *e, uint8_t out[CRYPTO_HASH_BYTES])
{
    flush(e);
    crypto_hasher_final(e->h, out);
}

/*
 * Two encodings of the same fields in the same order. v1 gave every integer and length eight
 * bytes; v2 (written now) gives them varints, so a typical record (about 200 bytes) fits two
 * BLAKE2b blocks instead of three. Records written as v1 still verify.
 */
int audit_record_hash_v(const audit_record *r, int64_t seq, int version,
                        uint8_t out[CRYPTO_HASH_BYTES])
{
    static const char tag1[] = "xinan-audit-record-v1", tag2[] = "xinan-audit-record-v2";
    crypto_hasher h;
    int rc = crypto_hasher_init(&h, r->alg, NULL);
    if (rc != XN_OK)
        return rc;
    encoder e = {.h = &h};
    put_bytes(&e, version == 1 ? tag1 : tag2, sizeof tag1 - 1);
    put_bytes(&e, r->prev_hash, CRYPTO_HASH_BYTES);
    put_int(&e, seq, version);
    put_int(&e, r->epoch, version);
    put_text(&e, audit_text_of(crypto_alg_id(r->alg)), version);
    put_int(&e, r->at, version);
    put_text(&e, r->actor_kind, version);
    put_int(&e, r->actor_id, version);
    put_text(&e, r->actor_name, version);
    put_text(&e, r->source, version);
    put_text(&e, r->session, version);
    put_text(&e, r->action, version);
    put_text(&e, r->object_type, version);
    put_text(&e, r->object_id, version);
    put_text(&e, r->result, version);
    put_text(&e, r->detail, version);
    finish(&e, out);
    return XN_OK;
}

int audit_record_hash(const audit_record *r, int64_t seq, uint8_t out[CRYPTO_HASH_BYTES])
{
    return audit_record_hash_v(r, seq, AUDIT_RECORD_VERSION, out);
}

bool audit_record_hash_matches(const audit_record *r, int64_t seq)
{
    uint8_t h[CRYPTO_HASH_BYTES];
    for (int version = AUDIT_RECORD_VERSION; version >= 1; version--)
        if (audit_record_hash_v(r, seq, version, h) == XN_OK &&
            memcmp(h, r->hash, CRYPTO_HASH_BYTES) == 0)
            return true;
    return false;
}

int audit_record_seal(const audit_record *r, crypto_mac_key *key, uint8_t out[CRYPTO_HASH_BYTES])
{
    if (key->alg != r->alg)
        return XN_EINVAL; /* a record is sealed with its own algorithm */
    return crypto_mac_with(key, r->hash, CRYPTO_HASH_BYTES, out);
}

int audit_checkpoint_seal(const audit_checkpoint *cp, const uint8_t key[CRYPTO_KEY_BYTES],
                          uint8_t out[CRYPTO_HASH_BYTES])
{
    static const char tag[] = "xinan-audit-checkpoint-v1";
    crypto_hasher h;
    int rc = crypto_hasher_init(&h, cp->alg, key);
    if (rc != XN_OK)
        return rc;
    encoder e = {.h = &h};
    put_bytes(&e, tag, sizeof tag - 1);
    put_str(&e, cp->kind);
    put_u64(&e, cp->epoch);
    put_str(&e, crypto_alg_id(cp->alg));
    put_u64(&e, cp->first_seq);
    put_u64(&e, cp->last_seq);
    put_bytes(&e, cp->hash, CRYPTO_HASH_BYTES);
    put_u64(&e, cp->started_at);
    put_u64(&e, cp->ended_at);
    finish(&e, out);
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

static audit_text text_col(store_stmt *st, int col)
{
    audit_text t;
    t.s = store_col_text_len(st, col, &t.n);
    return t;
}

int audit_record_read(store_stmt *st, audit_record *r)
{
    r->seq = store_col_int(st, 0);
    r->epoch = store_col_int(st, 1);
    if (crypto_alg_parse(store_col_text(st, 2), &r->alg) != XN_OK)
        return XN_EINVAL;
    r->at = store_col_int(st, 3);
    r->actor_kind = text_col(st, 4);
    r->actor_id = store_col_int(st, 5);
    r->actor_name = text_col(st, 6);
    r->source = text_col(st, 7);
    r->session = text_col(st, 8);
    r->action = text_col(st, 9);
    r->object_type = text_col(st, 10);
    r->object_id = text_col(st, 11);
    r->result = text_col(st, 12);
    r->detail = text_col(st, 13);
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

/*
 * Head lines are read without building a JSON tree: a witness holds one per commit, and
 * parsing them all with the JSON parser took a tenth of a million-record verification.
 */
bool audit_head_parse(const char *line, size_t n, int64_t *seq_out, uint8_t hash[CRYPTO_HASH_BYTES])
{
    static const char pre[] = "{\"head\":{\"seq\":", mid[] = ",\"hash\":\"", post[] = "\"}}";
    if (n < sizeof pre - 1 || memcmp(line, pre, sizeof pre - 1) != 0)
        return false;
    const char *p = line + sizeof pre - 1, *end = line + n;
    if (p == end || *p < '1' || *p > '9')
        return false; /* JSON has no leading zeros */
    int64_t seq = 0;
    for (int digits = 1; p < end && *p >= '0' && *p <= '9'; p++, digits++) {
        if (digits > 18)
            return false;
        seq = seq * 10 + (*p - '0');
    }
    char hex[2 * CRYPTO_HASH_BYTES + 1];
    if ((size_t)(end - p) != sizeof mid - 1 + sizeof hex - 1 + sizeof post - 1 ||
        memcmp(p, mid, sizeof mid - 1) != 0 ||
        memcmp(end - (sizeof post - 1), post, sizeof post - 1) != 0)
        return false;
    memcpy(hex, p + sizeof mid - 1, sizeof hex - 1);
    hex[sizeof hex - 1] = '\0';
    if (audit_unhex(hex, hash, CRYPTO_HASH_BYTES) != XN_OK)
        return false;
    *seq_out = seq;
    return true;
}

int audit_unhex_seed(const char *hex, uint8_t seed[AUDIT_SEED_BYTES])
{
    return audit_unhex(hex, seed, AUDIT_SEED_BYTES);
}
