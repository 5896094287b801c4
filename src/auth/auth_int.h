/* Inside the auth room: helpers its files share. */
#ifndef XINAN_AUTH_INT_H
#define XINAN_AUTH_INT_H

#include "auth/auth.h"

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
/* Ends every open session of a user except `keep` (NULL: all). */
int auth_end_sessions(store_conn *tx, int64_t user_id, const char *keep, const char *reason,
                      xn_error *err);
/* Checks a new password against the policy and the user's history. */
int auth_password_acceptable(store_conn *c, const auth_settings *s, int64_t user_id,
                             const char *account, const char *real_name, const char *phone,
                             const char *current, const char *next, bool admin_profile,
                             xn_error *err);
/* Stores a new password hash (and its history); must_change marks a one-time password. */
int auth_password_store(store_conn *tx, int64_t user_id, const char *hash, bool must_change,
                        xn_error *err);

#endif
