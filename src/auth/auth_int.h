/* Internals of the auth room, shared by its files and its unit tests; not a door. */
#ifndef XINAN_AUTH_INT_H
#define XINAN_AUTH_INT_H

#include "auth/auth.h"

#include <stddef.h>
#include <stdint.h>

/* The built-in dictionary, embedded by scripts/gen-pwdict.sh (build/gen/pwdict.c): sorted
 * lower-case words and weak passwords, one per line, each followed by a NUL byte. */
extern const char auth_builtin_words[];
extern const size_t auth_builtin_words_len;
extern const char auth_builtin_weak[];
extern const size_t auth_builtin_weak_len;

/* Dictionary words are 4 to 32 ASCII letters (ACC-9 "meaningful word"; shorter ones occur in
 * too many innocent passwords). A phrase is up to AUTH_PHRASE_WORDS words. */
#define AUTH_WORD_MIN     4
#define AUTH_WORD_MAX     32
#define AUTH_PHRASE_WORDS 3

/* Most readings one hanzi has in the pinyin table (polyphonic characters). */
#define AUTH_PINYIN_MAX_READINGS 8

/*
 * The toneless pinyin readings of a code point (every reading of a polyphonic character; ü as
 * both "v" and "u"): writes up to max pointers to static NUL-terminated syllables and returns
 * how many. 0 when cp is not a hanzi the table knows.
 */
int auth_pinyin_readings(uint32_t cp, const char **out, int max);

/* Decodes valid UTF-8 s[0..n) into at most max code points; returns the count. The caller has
 * validated s (xn_utf8_valid). */
size_t auth_utf8_decode(const char *s, size_t n, uint32_t *out, size_t max);

/* The ASCII letter leet-speak stands for: up to two letters written to out, count returned
 * (0: c stands for no letter). Letters map to themselves (lower-cased). */
int auth_leet(unsigned char c, char out[2]);

/* ASCII lower case; every other byte (UTF-8 included) as it is. */
static inline char auth_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Personal-data rules found in a candidate (bits), see auth_personal_check. */
enum {
    AUTH_HIT_NAME = 1u << 0,
    AUTH_HIT_ACCOUNT = 1u << 1,
    AUTH_HIT_PHONE = 1u << 2,
    AUTH_HIT_BIRTHDAY = 1u << 3
};

/*
 * Validates the personal fields of in (bounds, UTF-8, phone digits, birthday date): XN_EINVAL
 * naming the field. Called before the candidate is looked at.
 */
int auth_personal_validate(const auth_pw_input *in, xn_error *err);

/*
 * Looks for the user's name (hanzi; full pinyin, given name first, initials, reversed), account
 * name, phone number (whole, last 8, last 6 digits) and birthday (YYYYMMDD, YYMMDD, MMDD,
 * DDMMYYYY, MMDDYYYY, unpadded forms …) in the candidate pw[0..len) (valid UTF-8), ASCII case
 * ignored, separators such as spaces, dots, hyphens and 年月日 ignored, leet-speak undone for
 * names. Returns AUTH_HIT_* bits. The fields must have passed auth_personal_validate.
 */
unsigned auth_personal_check(const auth_pw_input *in, const char *pw, size_t len);

/* ---- accounts and sessions ---- */

/* 32 random bytes as base64url: a session token or a CSRF token. */
void auth_new_token(char out[AUTH_TOKEN_CHARS + 1]);
/* 16 random bytes as hex: a public session id. */
void auth_new_id(char out[33]);
/* The stored form of a token. */
void auth_token_hash(crypto_alg alg, const char *token, uint8_t out[CRYPTO_HASH_BYTES]);
/* A one-time password with upper and lower case letters, digits and a symbol, and no
 * character three times, so it passes the administrator profile. */
void auth_new_otp(char out[AUTH_OTP_CHARS + 1]);
/* A bounded, valid UTF-8 text without control characters; required ones must be non-empty. */
int auth_check_text(const char *s, size_t max, bool required, const char *field, xn_error *err);
/* Loads the principal of a user id (roles, permissions, flags) on connection c. */
int auth_load_principal(store_conn *c, int64_t user_id, auth_principal *p, xn_error *err);
/* The roles and permissions part of it, for p->user_id (account and flags already set). */
int auth_load_roles(store_conn *c, auth_principal *p, bool has_totp, xn_error *err);
/* The same from a comma list of role ids through the catalogue s->roles; XN_ENOTFOUND when an
 * id is not in it (the caller then asks the database), XN_EINVAL for a malformed list. */
int auth_apply_role_ids(const auth_settings *s, const char *ids, auth_principal *p, bool has_totp);
/* Runs a query and collects one JSON object per row into {"items":[…]}. bind (may be NULL)
 * binds the parameters; row turns the current row into an object. */
typedef void (*auth_bind_fn)(store_stmt *st, const void *ctx);
typedef json_t *(*auth_row_fn)(store_stmt *st, const void *ctx);
int auth_items_json(store *db, const char *sql, auth_bind_fn bind, auth_row_fn row, const void *ctx,
                    json_t **out, xn_error *err);
/* Ends every open session of a user except `keep` (NULL: all). */
int auth_end_sessions(store_conn *tx, int64_t user_id, const char *keep, const char *reason,
                      xn_error *err);
/* Checks a new password against the effective policy of the profile (admin_profile: the
 * administrators', else the users'), the stored weak list and the user's history. */
int auth_password_acceptable(store_conn *c, const auth_settings *s, int64_t user_id,
                             const char *account, const char *real_name, const char *phone,
                             const char *current, const char *next, bool admin_profile,
                             xn_error *err);
/* The Chinese name of a policy setting ("min_length" → "最小长度"); the key when unknown. */
const char *auth_policy_field_label(const char *key);
/* auth_policy_load on connection c. */
int auth_policy_effective(store_conn *c, auth_profile profile, auth_policy *out, xn_error *err);
/* auth_policy_check_stored on connection c. */
int auth_policy_check_conn(store_conn *c, const auth_policy *policy, const auth_dict *dict,
                           const auth_wordlist *weak_list, const auth_pw_input *in,
                           auth_policy_result *out, xn_error *err);
/* ACC-10 at sign-in, in the sign-in's transaction: when the password of user_id (a person of
 * profile) is older than the effective maximum age at now_us, sets must_change and records
 * auth.password_expired; *expired tells. A person already bound to change is left alone. */
int auth_password_expiry_login(store_conn *tx, audit_trail *trail, int64_t user_id,
                               const char *account, auth_profile profile, int64_t now_us,
                               bool *expired, xn_error *err);
/* ACC-16: a failed password check (a sign-in, or the current password asked again) in tx:
 * recorded against account and source, and for a known user_id (0: unknown, or already
 * locked: recorded only) the account is locked for s->lock_duration when the failures since
 * the window began and since last_login_at reach s->max_failures; *locked_now tells. */
int auth_failure_record(store_conn *tx, const auth_settings *s, const char *account,
                        const char *source, int64_t user_id, int64_t last_login_at,
                        bool *locked_now, xn_error *err);
/* Stores a new password hash (and its history); must_change marks a one-time password. */
int auth_password_store(store_conn *tx, int64_t user_id, const char *hash, bool must_change,
                        xn_error *err);
/* The same with the time it was set (auth_now: the clock ageing compares with). */
int auth_password_store_at(store_conn *tx, int64_t user_id, const char *hash, bool must_change,
                           int64_t now, xn_error *err);

/* ---- shared by the lifecycle files ---- */

/* A row id as decimal text, the form audit object ids take. */
#define AUTH_ID_TEXT 24
void auth_id_text(int64_t id, char out[AUTH_ID_TEXT]);

/* store_step expecting the end: XN_OK for STORE_DONE, else the error. */
int auth_step_done(store_stmt *st, xn_error *err);
/* ACC-14: XN_ECONFLICT "account_left" when user_id has left (its account is only looked
 * at), XN_ENOTFOUND when there is no such person. */
int auth_refuse_left(store_conn *c, int64_t user_id, xn_error *err);
/* Tells everyone who may decide request_id that it waits for them (in-app notifications
 * "request_pending" naming what it is about and who asked), in tx. */
int auth_notify_deciders(store_conn *tx, int64_t request_id, xn_error *err);
/* Tells the requester of request_id what it was about and who decided it how. */
int auth_notify_decision(store_conn *tx, int64_t request_id, const auth_principal *actor,
                         bool approve, const char *comment, xn_error *err);
/* Appends a successful action of actor in tx (detail: a JSON object or NULL). */
int auth_audit_ok(audit_trail *t, store_conn *tx, const auth_principal *actor, const char *action,
                  const char *object_type, const char *object_id, const char *detail,
                  xn_error *err);
/* The same for the system itself (the lifecycle tick). */
int auth_audit_system(audit_trail *t, store_conn *tx, const char *action, const char *object_type,
                      const char *object_id, const char *detail, xn_error *err);
/* Letters, digits, '.', '_' and '-', 2 to AUTH_MAX_ACCOUNT bytes. */
bool auth_valid_account(const char *account);
/* Digits with optional + ( ) - and spaces, 5 to 20 digits; NULL or "" passes. */
int auth_check_phone(const char *phone, xn_error *err);
/* The fields every account and application has: account name, real name, phone, staff type. */
int auth_check_person(const char *account, const char *real_name, const char *phone,
                      const char *staff_type, xn_error *err);
/* Stores a notification for user_id in tx. */
int auth_notify(store_conn *tx, int64_t user_id, const char *kind, const char *title,
                const char *body, xn_error *err);

/* The TOTP secret of a user, sealed for its row ("totp:<id>"), and opened again. A secret
 * stored before sealing (alg NULL) is 20 bytes in the clear. */
int auth_totp_seal(const auth_settings *s, int64_t user_id,
                   const uint8_t secret[CRYPTO_TOTP_SECRET_BYTES],
                   uint8_t out[CRYPTO_TOTP_SECRET_BYTES + CRYPTO_SEAL_OVERHEAD], size_t *out_len,
                   xn_error *err);
int auth_totp_open(const auth_settings *s, int64_t user_id, const char *alg, const uint8_t *stored,
                   size_t len, uint8_t secret[CRYPTO_TOTP_SECRET_BYTES], xn_error *err);
/* A pending enrolment's settings value ("<aead id>:<hex>") and back to the base32 secret. */
int auth_pending_seal(const auth_settings *s, int64_t user_id, const char *b32, char *out,
                      size_t out_size, xn_error *err);
int auth_pending_open(const auth_settings *s, int64_t user_id, const char *value,
                      uint8_t secret[CRYPTO_TOTP_SECRET_BYTES], xn_error *err);

/* Splits an agent token "xat_<16 hex>.<43 base64url>" (an Authorization header's bearer
 * value, so outside input) without copying: id gets the public id, *secret points into token.
 * False, with nothing else promised, when the shape is wrong. */
bool auth_agent_token_parse(const char *token, char id[AUTH_AGENT_ID_CHARS + 1],
                            const char **secret);

/* The roles a person holds: role_info of users.c, shared with applications. */
typedef struct auth_role_info {
    int64_t id;
    bool admin;    /* one of the three administrator roles */
    bool reviewer; /* a review role (审核, 领导's release approval): never outsourced (PUB-7) */
    bool grants;   /* carries a permission that grants or creates privileges (ACC-5) */
    bool ordinary; /* a department head may approve it in an account application */
} auth_role_info;
int auth_find_role(store_conn *c, const char *code, auth_role_info *r, xn_error *err);
/* ACC-5, ACC-6, PUB-7: whether user may hold role at all. */
int auth_role_allowed(store_conn *c, int64_t user_id, const auth_role_info *r, xn_error *err);
/* ACC-6: records in tx that administrator role role_id has been granted (to user_id, "how":
 * bootstrap, approved, break_glass), unless it was granted before. Never undone: the
 * appointment without approval at bootstrap happens once per installation. */
int auth_admin_appointed(store_conn *tx, int64_t role_id, int64_t user_id, const char *how,
                         xn_error *err);
/* ACC-6: XN_ECONFLICT "last_holder" when taking role_id (0: every role the person holds) from
 * user_id would leave no active 安全管理员 or 审计管理员. */
int auth_last_holder_guard(store_conn *tx, int64_t user_id, int64_t role_id, xn_error *err);
/* ACC-12: whether user_id holds one of the three administrator roles. */
int auth_holds_admin(store_conn *c, int64_t user_id, bool *admin, xn_error *err);

#endif
