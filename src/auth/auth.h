/*
 * The auth room: accounts, roles and permissions, sign-in and sessions, the four-eyes
 * requests that change privileges (ACC-1..18, ORG-1, PUB-7), and the password policy.
 * Every change writes its audit record in the same transaction.
 */
#ifndef XINAN_AUTH_H
#define XINAN_AUTH_H

#include "audit/audit.h"
#include "base/base.h"
#include "crypto/crypto.h"
#include "store/store.h"

/* ------------------------------------------------------------------------------------------ */
/* Accounts, roles and sessions                                                                */
/* ------------------------------------------------------------------------------------------ */

#define AUTH_MAX_ACCOUNT 64  /* bytes */
#define AUTH_MAX_PASSWORD 256
#define AUTH_MAX_NAME 128
#define AUTH_TOKEN_CHARS 43 /* base64url of 32 random bytes */
#define AUTH_MAX_ROLES 16

/* The settings sign-in follows; auth_settings_default fills the regulation's values. */
typedef struct auth_settings {
    crypto_alg alg;          /* password hashes made from now on */
    const struct auth_dict *dict; /* the password policy's dictionary */
    int max_failures;        /* failures within failure_window lock the account */
    int64_t failure_window;  /* µs */
    int64_t lock_duration;   /* µs */
    int max_source_failures; /* failures from one address within the window: refused */
    int64_t idle_timeout;    /* µs */
    int64_t absolute_timeout; /* µs */
} auth_settings;

void auth_settings_default(auth_settings *s, const xn_config *cfg);

/* The signed-in person a request acts as, loaded fresh on every request. */
typedef struct auth_principal {
    int64_t user_id;
    char account[AUTH_MAX_ACCOUNT + 1];
    char real_name[AUTH_MAX_NAME + 1];
    char session_id[33]; /* public id: safe to show, log and audit */
    char csrf[AUTH_TOKEN_CHARS + 1];
    char roles[AUTH_MAX_ROLES][16];
    int nroles;
    uint64_t perms;      /* bit per permission of auth_permissions */
    bool admin;          /* holds one of the three administrator roles */
    bool must_change;    /* must change the password before anything else */
    bool must_enrol_totp; /* an administrator without a second factor yet */
    const char *source;
} auth_principal;

/* The permission catalogue: "room.action" strings, in bit order. */
extern const char *const auth_permissions[];
/* True when p holds perm (an unknown perm is never held). */
bool auth_can(const auth_principal *p, const char *perm);
/* The audit actor of a principal (pointers into p). */
audit_actor auth_actor(const auth_principal *p);
/* Records a refused action in its own transaction (the refused change itself never ran). */
int auth_audit_denied(store *db, audit_trail *trail, const auth_principal *p, const char *action,
                      const char *object_type, const char *object_id, const char *reason,
                      xn_error *err);

typedef struct auth_login_in {
    const char *account;
    const char *password;
    const char *totp; /* NULL or "" when not given */
    const char *source;
    const char *user_agent;
} auth_login_in;

typedef struct auth_login_out {
    char token[AUTH_TOKEN_CHARS + 1]; /* the cookie value; only here, never stored */
    bool need_totp;                    /* password right, second factor required: no session */
    auth_principal who;
} auth_login_out;

/*
 * Signs in. A wrong account or password gives the same XN_EDENIED with the same message and
 * the same hashing work; a locked account or a source over its limit gives XN_EBUSY. Every
 * attempt is audited (auth.login ok/denied, auth.lockout).
 */
int auth_login(store *db, audit_trail *trail, const auth_settings *s, const auth_login_in *in,
               auth_login_out *out, xn_error *err);
/* Loads the principal of a session token; XN_EDENIED when unknown, ended, expired or its
 * user may no longer sign in. Touches last_seen_at. */
int auth_session_check(store *db, const auth_settings *s, const char *token,
                       auth_principal *out, xn_error *err);
/* Ends a session (own logout or an administrator's action). */
int auth_session_end(store *db, audit_trail *trail, const auth_principal *actor,
                     const char *session_id, const char *reason, xn_error *err);
/* {"items":[{id, created_at, last_seen_at, source, user_agent, current}]} of a user. */
int auth_sessions_json(store *db, int64_t user_id, const char *current_id, json_t **out,
                       xn_error *err);

/* Changes one's own password: the current one is asked again; the policy and history apply.
 * Ends the user's other sessions and issues a new token for this one. */
int auth_password_change(store *db, audit_trail *trail, const auth_settings *s,
                         const auth_principal *p, const char *current, const char *next,
                         char new_token[AUTH_TOKEN_CHARS + 1], xn_error *err);

/* Starts TOTP enrolment: a fresh secret kept pending until confirmed (base32 and the
 * otpauth:// URI for the QR code). */
int auth_totp_begin(store *db, const auth_principal *p, char secret_b32[CRYPTO_TOTP_B32_LEN + 1],
                    xn_error *err);
/* Confirms enrolment with a code from the app and marks this session's second factor done. */
int auth_totp_confirm(store *db, audit_trail *trail, const auth_principal *p, const char *code,
                      xn_error *err);

/*
 * First start: when no account exists, creates the first 系统管理员 `admin` with a random
 * one-time password (returned here only, stored as a hash, to be changed at first sign-in).
 */
#define AUTH_OTP_CHARS 16
int auth_bootstrap(store *db, audit_trail *trail, crypto_alg alg,
                   char password[AUTH_OTP_CHARS + 1], bool *created, xn_error *err);

/* ------------------------------------------------------------------------------------------ */
/* People and privileges                                                                       */
/* ------------------------------------------------------------------------------------------ */

typedef struct auth_user_in {
    const char *account;
    const char *real_name;
    const char *department;
    const char *phone;
    const char *staff_type; /* "staff" | "outsourced" */
} auth_user_in;

/* Creates an active account with a one-time password (shown once to the administrator). */
int auth_user_create(store *db, audit_trail *trail, const auth_settings *s,
                     const auth_principal *actor, const auth_user_in *in, int64_t *id_out,
                     char password[AUTH_OTP_CHARS + 1], xn_error *err);
int auth_users_json(store *db, json_t **out, xn_error *err);
int auth_user_json(store *db, int64_t id, json_t **out, xn_error *err);
int auth_roles_json(store *db, json_t **out, xn_error *err);

/* Asks for a role for someone: a privilege increase waits for another person's approval.
 * *granted is true only for the first appointment of a 安全管理员 or 审计管理员, while
 * nobody could approve yet. */
int auth_role_request(store *db, audit_trail *trail, const auth_principal *actor, int64_t user_id,
                      const char *role, const char *reason, int64_t *request_id, bool *granted,
                      xn_error *err);
/* Approves or rejects a pending request; exactly one of two concurrent decisions wins, and
 * nobody decides their own request or one for themselves (XN_EDENIED with the reason). */
int auth_request_decide(store *db, audit_trail *trail, const auth_principal *actor,
                        int64_t request_id, bool approve, const char *comment, xn_error *err);
int auth_requests_json(store *db, const char *status, json_t **out, xn_error *err);
/* Removes a role at once; that person's sessions lose it on their next request. */
int auth_role_revoke(store *db, audit_trail *trail, const auth_principal *actor, int64_t user_id,
                     const char *role, xn_error *err);
/* Disables an account and ends its sessions. */
int auth_user_disable(store *db, audit_trail *trail, const auth_principal *actor,
                      int64_t user_id, const char *reason, xn_error *err);
/* Issues a one-time password to someone else (never a chosen one); first use forces a change. */
int auth_user_reset_password(store *db, audit_trail *trail, const auth_settings *s,
                             const auth_principal *actor, int64_t user_id,
                             char password[AUTH_OTP_CHARS + 1], xn_error *err);

#endif
