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

#include <limits.h>

/* ------------------------------------------------------------------------------------------ */
/* Accounts, roles and sessions                                                                */
/* ------------------------------------------------------------------------------------------ */

#define AUTH_MAX_ACCOUNT  64 /* bytes */
#define AUTH_MAX_PASSWORD 256
#define AUTH_MAX_NAME     128
#define AUTH_TOKEN_CHARS  43 /* base64url of 32 random bytes */
#define AUTH_MAX_ROLES    16

/* A role as loaded at start (auth_roles_load): roles and their permissions change only with
 * the schema, so the session check maps a person's role ids without reading them again. */
#define AUTH_MAX_ROLE_DEFS 64
typedef struct auth_role_def {
    int64_t id;
    char code[16];
    bool admin;
    uint64_t perms; /* bit per permission of auth_permissions */
} auth_role_def;

/* The settings sign-in follows; auth_settings_default fills the regulation's values. */
typedef struct auth_settings {
    crypto_alg alg;               /* password hashes made from now on */
    const struct auth_dict *dict; /* the password policy's dictionary */
    int max_failures;             /* failures within failure_window lock the account */
    int64_t failure_window;       /* µs */
    int64_t lock_duration;        /* µs */
    int max_source_failures;      /* failures from one address within the window: refused */
    int64_t idle_timeout;         /* µs */
    int64_t absolute_timeout;     /* µs */
    crypto_aead aead;             /* seals sensitive fields from now on (crypto.mode) */
    bool has_field_key;           /* field_key is loaded (auth_fields_key) */
    uint8_t field_key[CRYPTO_FIELD_KEY_BYTES]; /* the key of <db>.key; never logged */
    /* Test only: a file holding a number of seconds added to the clock of the lifecycle rules
     * (deadlines, the yearly review), read at each use (XINAN_TEST_CLOCK). NULL in service. */
    const char *clock_file;
    auth_role_def roles[AUTH_MAX_ROLE_DEFS]; /* filled by auth_roles_load; nroles 0: not */
    int nroles;
} auth_settings;

void auth_settings_default(auth_settings *s, const xn_config *cfg);
/* Loads the role catalogue into s (once, at start). XN_ETOOBIG past AUTH_MAX_ROLE_DEFS. */
int auth_roles_load(store *db, auth_settings *s, xn_error *err);

/* The signed-in person a request acts as, loaded fresh on every request. */
typedef struct auth_principal {
    int64_t user_id;
    char account[AUTH_MAX_ACCOUNT + 1];
    char real_name[AUTH_MAX_NAME + 1];
    char session_id[33]; /* public id: safe to show, log and audit */
    char csrf[AUTH_TOKEN_CHARS + 1];
    char roles[AUTH_MAX_ROLES][16];
    int nroles;
    uint64_t perms;       /* bit per permission of auth_permissions */
    bool admin;           /* holds one of the three administrator roles */
    bool must_change;     /* must change the password before anything else */
    bool must_enrol_totp; /* an administrator without a second factor yet */
    bool totp;            /* a second factor is enrolled (read by the same session query) */
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
    bool need_totp;                   /* password right, second factor required: no session */
    auth_principal who;
} auth_login_out;

/*
 * Signs in. A wrong account, a wrong password and a locked account give the same XN_EDENIED
 * with the same message and the same hashing work (ACC-16); a source over its limit gives
 * XN_EBUSY. Every
 * attempt is audited (auth.login ok/denied, auth.lockout).
 */
int auth_login(store *db, audit_trail *trail, const auth_settings *s, const auth_login_in *in,
               auth_login_out *out, xn_error *err);
/* Loads the principal of a session token; XN_EDENIED when unknown, ended, expired or its
 * user may no longer sign in. One read statement (roles mapped through s->roles when
 * loaded); last_seen_at is written at most once a minute (or a quarter of the idle limit),
 * and never for a background request (ACC-15: polls are not use and do not hold the session
 * open). */
int auth_session_check(store *db, const auth_settings *s, const char *token, bool background,
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

/* Starts TOTP enrolment: a fresh secret kept pending (sealed) until confirmed (base32 and the
 * otpauth:// URI for the QR code). */
int auth_totp_begin(store *db, const auth_settings *s, const auth_principal *p,
                    char secret_b32[CRYPTO_TOTP_B32_LEN + 1], xn_error *err);
/* Confirms enrolment with a code from the app and marks this session's second factor done.
 * Replacing a second factor already enrolled needs the current password too (ACC-17):
 * XN_EINVAL field "current" when missing, XN_EDENIED "wrong_password" when wrong. */
int auth_totp_confirm(store *db, audit_trail *trail, const auth_settings *s,
                      const auth_principal *p, const char *code, const char *current,
                      xn_error *err);

/*
 * First start: when no account exists, creates the first 系统管理员 `admin` with a random
 * one-time password (returned here only, stored as a hash, to be changed at first sign-in).
 */
#define AUTH_OTP_CHARS 16
int auth_bootstrap(store *db, audit_trail *trail, crypto_alg alg, char password[AUTH_OTP_CHARS + 1],
                   bool *created, xn_error *err);

/* ------------------------------------------------------------------------------------------ */
/* People and privileges                                                                       */
/* ------------------------------------------------------------------------------------------ */

typedef struct auth_user_in {
    const char *account;
    const char *real_name;
    const char *department;
    const char *phone;
    const char *staff_type; /* "staff" | "outsourced" */
    int64_t department_id;  /* an org_unit node, or 0; its name then replaces department */
} auth_user_in;

/* Creates an active account with a one-time password (shown once to the administrator). */
int auth_user_create(store *db, audit_trail *trail, const auth_settings *s,
                     const auth_principal *actor, const auth_user_in *in, int64_t *id_out,
                     char password[AUTH_OTP_CHARS + 1], xn_error *err);
int auth_users_json(store *db, json_t **out, xn_error *err);
int auth_user_json(store *db, int64_t id, json_t **out, xn_error *err);
int auth_roles_json(store *db, json_t **out, xn_error *err);

/* Asks for a role for someone: a privilege increase waits for another person's approval.
 * *granted is true only at bootstrap (ACC-4, ACC-6): the first appointment of a 安全管理员 or
 * 审计管理员 while no security administrator has ever been appointed (recorded durably, never
 * undone) and nobody could approve. Afterwards every administrator role waits for a security
 * administrator's approval, even when nobody holds it any more (recovery: break-glass). */
int auth_role_request(store *db, audit_trail *trail, const auth_principal *actor, int64_t user_id,
                      const char *role, const char *reason, int64_t *request_id, bool *granted,
                      xn_error *err);
/* What a decision produced: the new account of an application, and the one-time password of
 * an approved application or reset (shown once to the approver, then wiped). */
typedef struct auth_decision {
    int64_t user_id;
    bool has_password;
    char one_time_password[AUTH_OTP_CHARS + 1];
} auth_decision;

/*
 * Approves or rejects a pending request of any kind; exactly one of two concurrent decisions
 * wins (XN_ECONFLICT "already_decided" for the other), and nobody decides their own request
 * (XN_EDENIED "own_request") or one for themselves ("own_privilege"). Who may decide depends on
 * the kind:
 *   role_grant: role.approve (a security administrator, ACC-4);
 *   account: when every role asked for is ordinary (role.ordinary: 普通工作人员, 信息员), the
 *     head of the application's department (not outsourced) or request.approve (ACC-2);
 *     asking for any other role (审核, 领导, 值班 …) makes it a privilege increase that only
 *     role.approve decides, like a role grant (ACC-4);
 *   reset (ACC-12): the only way a password is reset for someone. A reset is asked for by the
 *     person (signed out) or their supervisor; for an ordinary account user.reset_password
 *     decides. For a holder of any of the three administrator roles a security administrator
 *     (role.approve) decides, who by the rules above is neither the person nor who asked: a
 *     second administrator. The last security administrator's own reset therefore needs a
 *     successor appointed first (or the host's break-glass command). An approved
 * application creates the account with a one-time password and the roles asked for; an
 * approved reset issues a one-time password and ends the person's sessions. The requester is
 * notified of the outcome. out may be NULL for a rejection.
 */
int auth_request_decide(store *db, audit_trail *trail, const auth_settings *s,
                        const auth_principal *actor, int64_t request_id, bool approve,
                        const char *comment, auth_decision *out, xn_error *err);
/*
 * The requests `who` may see, newest first (status "" or NULL: any): every request with
 * role.read; otherwise only those they made and those they may decide (an application for a
 * department they head, unless outsourced; a kind their permissions decide). Each item
 * carries "mine" (who made it) and "may_decide" (pending, and who would pass the rules of
 * auth_request_decide but its race), so an inbox needs no rules of its own.
 */
int auth_requests_json(store *db, const auth_principal *who, const char *status, json_t **out,
                       xn_error *err);
/* Removes a role at once; that person's sessions lose it on their next request. Taking the
 * role of the last active 安全管理员 or 审计管理员 is XN_ECONFLICT "last_holder" (ACC-6); so
 * are disabling them (auth_user_disable) and their leaving or transfer (auth_user_leave). */
int auth_role_revoke(store *db, audit_trail *trail, const auth_principal *actor, int64_t user_id,
                     const char *role, xn_error *err);
/* Disables an account and ends its sessions. */
int auth_user_disable(store *db, audit_trail *trail, const auth_principal *actor, int64_t user_id,
                      const char *reason, xn_error *err);
/*
 * ACC-6 recovery when no security administrator is left: grants role to account directly, run
 * by the host's root against the database (`xinan user appoint`), never through the API. The
 * rules on who may hold a role still apply (三员分立, outsourced staff, an active account).
 * Records auth.break_glass naming host_user and reason with the grant, in one transaction,
 * and ends the person's sessions. *user_id (may be NULL) gets the account's id.
 */
int auth_break_glass_appoint(store *db, audit_trail *trail, const char *account, const char *role,
                             const char *host_user, const char *reason, int64_t *user_id,
                             xn_error *err);
/* ACC-16: lifts the lock of an account locked by sign-in failures (the security
 * administrator, with a reason; audited auth.unlock, the person notified). Failures before
 * the unlock no longer count. XN_ECONFLICT "not_locked" / "account_left". */
int auth_user_unlock(store *db, audit_trail *trail, const auth_principal *actor, int64_t user_id,
                     const char *reason, xn_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Organisation (ORG-1)                                                                        */
/* ------------------------------------------------------------------------------------------ */

#define AUTH_ORG_MAX_NODES 10000

/* {"items":[{id, name, kind, parent_id, head_user_id, head_account, children:[…]}]}: the
 * tree from its root(s). */
int auth_org_json(store *db, json_t **out, xn_error *err);
/* Creates a unit or department under parent_id. A unit sits only under a unit; names are
 * unique among siblings (XN_ECONFLICT "name_taken"); head_user_id 0: none. */
int auth_org_create(store *db, audit_trail *trail, const auth_principal *actor, int64_t parent_id,
                    const char *name, const char *kind, int64_t head_user_id, int64_t *id_out,
                    xn_error *err);
/* Renames (name non-NULL), moves (parent_id > 0) or sets the head (head_user_id: -1 keep, 0
 * none) of a node. A move under the node itself or one of its descendants is XN_ECONFLICT
 * "cycle"; the root does not move. */
int auth_org_update(store *db, audit_trail *trail, const auth_principal *actor, int64_t id,
                    const char *name, int64_t parent_id, int64_t head_user_id, xn_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Account lifecycle (ACC-2, ACC-12, ACC-14)                                                   */
/* ------------------------------------------------------------------------------------------ */

/* The clock of the lifecycle rules: the wall clock, moved by the test clock file if any. */
int64_t auth_now(const auth_settings *s);

typedef struct auth_user_patch {
    const char *phone;     /* NULL: keep */
    const char *positions; /* comma-separated post names, NULL: keep */
    int64_t supervisor_id; /* -1 keep, 0 none */
    int64_t department_id; /* -1 keep */
} auth_user_patch;

/* Changes a person's real-name data (ACC-1): phone, posts, supervisor, department. */
int auth_user_update(store *db, audit_trail *trail, const auth_principal *actor, int64_t user_id,
                     const auth_user_patch *patch, xn_error *err);

typedef struct auth_application_in {
    const char *account;
    const char *real_name;
    int64_t department_id;
    const char *phone;
    const char *staff_type;
    const char *roles[AUTH_MAX_ROLES]; /* besides 普通工作人员; no administrator roles */
    int nroles;
    const char *reason;
} auth_application_in;

/* ACC-2: an application for a new account, decided by the department's head or a security
 * administrator through auth_request_decide. */
int auth_application_submit(store *db, audit_trail *trail, const auth_principal *actor,
                            const auth_application_in *in, int64_t *request_id, xn_error *err);

/* ACC-12: a password reset asked for by the person, signed out, by account name. The answer
 * is the same whether or not the account exists (XN_OK); only a source over its limit
 * (5 an hour) gets XN_EBUSY "rate_limited". */
int auth_reset_request_self(store *db, audit_trail *trail, const char *account, const char *source,
                            xn_error *err);
/* ACC-12: a reset asked for by the person's supervisor (XN_EDENIED "not_supervisor" else). */
int auth_reset_request_for(store *db, audit_trail *trail, const auth_principal *actor,
                           int64_t user_id, const char *reason, int64_t *request_id, xn_error *err);

/* ACC-12: demands a password change by a deadline (UTC µs, in the future, within 90 days).
 * The lifecycle tick warns three days and one day before and disables the account after. */
int auth_force_change(store *db, audit_trail *trail, const auth_settings *s,
                      const auth_principal *actor, int64_t user_id, int64_t deadline_us,
                      const char *reason, xn_error *err);

/* What one lifecycle tick did. */
typedef struct auth_tick_result {
    int reminded; /* reminders sent */
    int disabled; /* accounts disabled at their deadline */
    int expiring; /* reminders of a password's maximum age (ACC-10) */
} auth_tick_result;

/* The serve loop's periodic step: reminders before password-change deadlines and disabling
 * after them (notifying the person and their supervisor), and reminders 7 days and 1 day
 * before a password reaches its profile's maximum age (once each per password), each in its
 * own transaction. */
int auth_lifecycle_tick(store *db, audit_trail *trail, int64_t now_us, auth_tick_result *out,
                        xn_error *err);

typedef struct auth_leave_in {
    const char *reason;
    int64_t handover_to;       /* the person who takes over the work */
    const char *note;          /* what was handed over */
    int64_t new_department_id; /* 0: leaving; else a transfer to that department */
} auth_leave_in;

/*
 * ACC-14: leaving (status "left") or a transfer (department changed, still active), in one
 * transaction: every role removed (a transfer keeps 普通工作人员), every session ended, open
 * requests by or for the person cancelled, department headships cleared, and a handover
 * record naming all of it and its receiver, who is notified.
 */
int auth_user_leave(store *db, audit_trail *trail, const auth_principal *actor, int64_t user_id,
                    const auth_leave_in *in, int64_t *handover_id, xn_error *err);
/* {"items":[handover records of a user, newest first]}. */
int auth_handovers_json(store *db, int64_t user_id, json_t **out, xn_error *err);
/* {"items":[{id, account, real_name, department, status}]}: the people (not left) whose
 * supervisor is supervisor_id, for whom that person may ask a password reset (ACC-12). */
int auth_subordinates_json(store *db, int64_t supervisor_id, json_t **out, xn_error *err);

/* ACC-14: every account with roles, last sign-in and status, flagged unused_90d; and the
 * latest confirmations of the review. */
int auth_review_json(store *db, int64_t now_us, json_t **out, xn_error *err);
/* The same accounts as CSV (UTF-8 with BOM, cells that start a formula neutralised). */
int auth_review_csv(store *db, int64_t now_us, xn_buf *out, xn_error *err);
/* Records that the security administrator reviewed the accounts. */
int auth_review_confirm(store *db, audit_trail *trail, const auth_principal *actor, int64_t now_us,
                        const char *comment, int64_t *review_id, xn_error *err);

/* Notifications of a person ({"items":[…], "unread":N}), newest first, and marking one read. */
int auth_notifications_json(store *db, int64_t user_id, json_t **out, xn_error *err);
int auth_notification_read(store *db, audit_trail *trail, const auth_principal *actor, int64_t id,
                           xn_error *err);
/* The in-app channel of notify/: a notification (the bell) for one person, or for every
 * active holder of perm (*count: how many), inside the caller's transaction. */
int auth_notification_add(store_conn *tx, int64_t user_id, const char *kind, const char *title,
                          const char *body, xn_error *err);
int auth_notify_holders(store_conn *tx, const char *perm, const char *kind, const char *title,
                        const char *body, int *count, xn_error *err);
/* Whether an org_unit node exists; its name into name (may be NULL). */
int auth_org_node(store_conn *c, int64_t id, char *name, size_t name_size, bool *exists,
                  xn_error *err);
/* The head of a node (0: none). */
int auth_org_head(store_conn *c, int64_t node_id, int64_t *head, xn_error *err);
/* Whether actor heads department node id. */
int auth_org_is_head(store_conn *c, int64_t node_id, int64_t user_id, bool *head, xn_error *err);
/* The real name and phone of an account that has not left; XN_ENOTFOUND "no_user" else. */
int auth_user_contact(store_conn *c, int64_t user_id, char *name, size_t name_size, char *phone,
                      size_t phone_size, xn_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Agent tokens (the guard and netwatch agents)                                                */
/* ------------------------------------------------------------------------------------------ */

/* "xat_" ‖ 16 hex digits (public id) ‖ "." ‖ 43 base64url characters (256 random bits). */
#define AUTH_AGENT_ID_CHARS    16
#define AUTH_AGENT_TOKEN_CHARS (4 + AUTH_AGENT_ID_CHARS + 1 + AUTH_TOKEN_CHARS)

typedef struct auth_agent {
    char id[AUTH_AGENT_ID_CHARS + 1];
    char name[AUTH_MAX_NAME + 1];
    char scope[16];
    int64_t expires_at;
} auth_agent;

/* Issues a token for scope "guard" or "netwatch", valid expires_days (1..365). The token is
 * returned here only; the database keeps its hash. */
int auth_agent_token_create(store *db, audit_trail *trail, const auth_settings *s,
                            const auth_principal *actor, const char *name, const char *scope,
                            int64_t expires_days, char token[AUTH_AGENT_TOKEN_CHARS + 1],
                            auth_agent *out, xn_error *err);
/* {"items":[{id, name, scope, created_at, expires_at, revoked_at, last_used_at, state}]}. */
int auth_agent_tokens_json(store *db, json_t **out, xn_error *err);
int auth_agent_token_revoke(store *db, audit_trail *trail, const auth_principal *actor,
                            const char *id, xn_error *err);
/*
 * Checks a bearer token for scope (NULL: any scope). Unknown, malformed, expired, revoked or
 * wrong-scope tokens are XN_EDENIED, and the refusal is recorded in the audit trail (never the
 * token). A successful use updates last_used_at at most once a minute.
 */
int auth_agent_check(store *db, audit_trail *trail, const auth_settings *s, const char *token,
                     const char *scope, const char *source, auth_agent *out, xn_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Sealed fields                                                                               */
/* ------------------------------------------------------------------------------------------ */

/* Whether the database holds any sealed field (which needs the key file to be read). */
int auth_fields_sealed_present(store *db, bool *present, xn_error *err);
/* Seals every field still stored in the clear (TOTP secrets, pending enrolments) with s's
 * AEAD and key, in one audited transaction; *sealed gets how many. */
int auth_fields_seal_plaintext(store *db, audit_trail *trail, const auth_settings *s, int *sealed,
                               xn_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Password policy (ACC-8..10, ACC-18)                                                         */
/* ------------------------------------------------------------------------------------------ */

/*
 * A policy is a value: a profile's regulatory minimum (auth_policy_default), made stricter by
 * the security administrator (auth_policy_tighten), never weaker. Checking a candidate
 * password returns every broken rule at once, each with a stable rule id and a Chinese
 * message, so the UI can give live feedback:
 *
 *     auth_policy p;
 *     auth_policy_result r;
 *     auth_policy_default(AUTH_PROFILE_ADMIN, &p);
 *     auth_pw_input in = {.candidate = pw, .candidate_len = strlen(pw), .current = cur,
 *                         .current_len = strlen(cur), .account = "zhangw", .name = "张伟",
 *                         .matches_old = history_matches, .old_ctx = &history};
 *     if (auth_policy_check(&p, dict, NULL, &in, &r, &err) != XN_OK)  // caller's data wrong
 *         ...
 *     if (!r.ok)  // r.violations[0..r.count): {rule, message}
 *
 * Rule ids: min_length, classes, repeat_char, dictionary, weak_list, personal_name,
 * account_name, phone, birthday, reused, same_position, similar_current, too_long,
 * invalid_utf8, control_char. docs/PASSWORDS.md explains each rule and where it comes from.
 *
 * Old passwords are kept only as hashes, so the "last N not reused" rule asks the caller:
 * matches_old(ctx, candidate) returns true when the candidate verifies against one of the
 * account's newest `policy.history` password hashes (the caller fetches exactly that many).
 * The positional rule (ACC-9: at most 3 characters equal at the same position) cannot be
 * checked against hashes at all: it is checked against the current password, which the user
 * types when changing it. Without `current` that rule is skipped; a password change must
 * always supply it.
 */

#define AUTH_PW_MAX_BYTES       256 /* a longer candidate breaks rule too_long */
#define AUTH_PERSONAL_MAX_BYTES 64  /* account and real name */
#define AUTH_PHONE_MAX_BYTES    32
#define AUTH_MAX_VIOLATIONS     16 /* more than the number of rules: every violation fits */
#define AUTH_MESSAGE_MAX        160

typedef enum auth_profile {
    AUTH_PROFILE_USER,   /* ordinary users (ACC-8, ACC-10: 30 days) */
    AUTH_PROFILE_ADMIN,  /* administrators and super-administrators (ACC-9; servers: ACC-10) */
    AUTH_PROFILE_SERVER, /* accounts of important servers: ACC-9 rules, 7 days (ACC-10) */
    AUTH_PROFILE_MEDIA   /* government new-media accounts (ACC-18): the user rules */
} auth_profile;

/* "user", "admin", "server", "media". */
const char *auth_profile_name(auth_profile profile);
/* Parses a profile name; XN_EINVAL for an unknown one. */
int auth_profile_parse(const char *name, auth_profile *out);

/* Character classes a password must all contain. Letters and digits are ASCII; every other
 * character (punctuation, space, hanzi …) counts as a symbol. */
enum {
    AUTH_CLASS_LETTER = 1u << 0,
    AUTH_CLASS_DIGIT = 1u << 1,
    AUTH_CLASS_SYMBOL = 1u << 2,
    AUTH_CLASS_MIXED_CASE = 1u << 3 /* upper and lower case letters: only by tightening */
};

#define AUTH_OFF (-1) /* a limit that is not enforced */

typedef struct auth_policy {
    auth_profile profile;
    int min_length;        /* characters (code points), not bytes */
    unsigned classes;      /* AUTH_CLASS_* bits, all required */
    int history;           /* newest passwords that may not be reused; 0: none */
    int max_repeat;        /* most times one character may occur; AUTH_OFF: no limit */
    int max_same_position; /* most characters equal at the same position as the current
                            * password; AUTH_OFF: not checked (nor rule similar_current) */
    bool dictionary;       /* refuse dictionary words and phrases and weak passwords */
    int max_age_days;      /* a password expires this many days after it was set; 0: never */
} auth_policy;

/*
 * The regulatory minimum of a profile:
 *   user, media: >= 10 characters, letters and digits, last 6 not reused, 30 days;
 *   admin: >= 10, letters, digits and symbols, last 10 not reused, no character more than
 *          2 times, at most 3 equal at the same position, 30 days (the age is a setting:
 *          tighten it);
 *   server: as admin, 7 days.
 * Every profile (ACC-8, HS 附件4 §6) refuses a dictionary word, phrase or weak password, also
 * inside the password with digits or symbols around or between; the user's name (hanzi or
 * pinyin, any case, whole or split by separators or digits), account, phone and birthday; and
 * a direct relation to the current password (rule similar_current).
 */
void auth_policy_default(auth_profile profile, auth_policy *out);

/* An override left at AUTH_KEEP leaves the setting as it is. */
#define AUTH_KEEP INT_MIN

typedef struct auth_policy_overrides {
    int min_length;
    unsigned add_classes; /* classes to require in addition; 0: none */
    int history;
    int max_repeat;
    int max_same_position;
    int dictionary; /* AUTH_KEEP, 0 or 1 */
    int max_age_days;
} auth_policy_overrides;

#define AUTH_POLICY_OVERRIDES_INIT                                                                 \
    {                                                                                              \
        .min_length = AUTH_KEEP, .history = AUTH_KEEP, .max_repeat = AUTH_KEEP,                    \
        .max_same_position = AUTH_KEEP, .dictionary = AUTH_KEEP, .max_age_days = AUTH_KEEP         \
    }

/*
 * Applies the security administrator's overrides to *policy. Every value is compared with the
 * regulatory minimum of the policy's profile (not with earlier overrides, so a setting can be
 * relaxed back down to the minimum but never below it): a shorter length, fewer classes, a
 * shorter history, a higher repeat or position limit or none, the dictionary off, a longer
 * age or none are refused with XN_EINVAL, code "policy_weaker", the field naming the setting
 * and a message saying both values. Out-of-range values are XN_EINVAL "policy_range". On
 * failure *policy is unchanged.
 */
int auth_policy_tighten(auth_policy *policy, const auth_policy_overrides *ov, xn_error *err);

/*
 * Parses one override by name into *ov, for settings files and flags: min_length, history,
 * max_repeat, max_same_position, max_age_days (integers; "off" for the limits that can be
 * off), dictionary (on|off), classes (a comma list of letters, digits, symbols, mixed_case).
 * XN_EINVAL naming the key for an unknown key or a malformed value.
 */
int auth_policy_override_parse(auth_policy_overrides *ov, const char *key, const char *value,
                               xn_error *err);

/* When a password set at changed_at_us (UTC µs) expires (ACC-10); 0 when it never does. */
int64_t auth_policy_expires_at(const auth_policy *policy, int64_t changed_at_us);
/* True when a password set at changed_at_us must be changed at the next login (ACC-10). */
bool auth_policy_expired(const auth_policy *policy, int64_t changed_at_us, int64_t now_us);

/*
 * The dictionary: English words (Debian's wamerican and wbritish), common pinyin words and
 * names (data/passwords/pinyin.txt) and well-known weak passwords (data/passwords/weak.txt),
 * built into the binary. A password breaks rule "dictionary" when, lower-cased and with
 * leet-speak undone (@ 4 → a, 0 → o, 1 ! | → i or l, 3 → e, $ 5 → s, 7 + → t), it is a word or
 * a phrase of up to three words of at least 4 letters each (digits and symbols may stand
 * between the words), once leading and trailing digits and symbols are stripped; or when it is
 * a weak password, whole or with up to 16 digits and symbols stripped from either end; or when
 * it contains, anywhere, a word of at least AUTH_CONTAINED_WORD letters ("Password2024!!x") or
 * a weak password of at least AUTH_CONTAINED_WEAK characters ("x!qwerty123456"). Immutable
 * once built; one dictionary may serve every thread. A check takes well under a millisecond.
 */
typedef struct auth_dict auth_dict;
#define AUTH_CONTAINED_WORD 5 /* shorter words occur inside too many random passwords */
#define AUTH_CONTAINED_WEAK 6

/*
 * Builds a dictionary from word-list text (one word per line; words of 4 to 32 ASCII letters
 * are used, others ignored) and weak-password text (one password per line, compared
 * case-insensitively; letters-only entries join the words; lines "#" and "# …" are comments).
 * Either text may be NULL. The texts are copied.
 */
int auth_dict_new(const char *words, size_t words_len, const char *weak, size_t weak_len,
                  auth_dict **out, xn_error *err);
/* The dictionary built into xinan (about 74,000 words and 260 weak passwords). */
int auth_dict_new_builtin(auth_dict **out, xn_error *err);
void auth_dict_free(auth_dict *dict);
size_t auth_dict_words(const auth_dict *dict);
size_t auth_dict_weak_count(const auth_dict *dict);
/* Bytes the dictionary occupies in memory. */
size_t auth_dict_memory(const auth_dict *dict);
/* True when pw[0..len) breaks rule "dictionary" (see above). */
bool auth_dict_match(const auth_dict *dict, const char *pw, size_t len);

/*
 * An extra list of breached or weak passwords chosen by the security administrator (rule
 * weak_list, on top of any profile): one password per line, matched exactly against the whole
 * candidate, ASCII letters compared case-insensitively. Lines end at LF, CRLF or a lone CR
 * (xn_next_line). Lines "#" and "# …" are comments; lines longer than AUTH_PW_MAX_BYTES are
 * ignored (no candidate can match them). A file may hold up to AUTH_WORDLIST_MAX_BYTES.
 */
#define AUTH_WORDLIST_MAX_BYTES ((size_t)1 << 30)
typedef struct auth_wordlist auth_wordlist;

int auth_wordlist_new(const char *data, size_t len, auth_wordlist **out, xn_error *err);
/* Reads a list file; XN_ENOTFOUND or XN_EIO naming the path, XN_ETOOBIG past the bound. */
int auth_wordlist_load(const char *path, auth_wordlist **out, xn_error *err);
void auth_wordlist_free(auth_wordlist *list);
size_t auth_wordlist_count(const auth_wordlist *list);
bool auth_wordlist_contains(const auth_wordlist *list, const char *s, size_t len);

/* What a check looks at. Personal fields may be NULL (not checked). */
typedef struct auth_pw_input {
    const char *candidate; /* the new password: bytes, need not be NUL-terminated */
    size_t candidate_len;
    const char *current; /* the current password as the user typed it, or NULL */
    size_t current_len;
    const char *account;  /* login name, at most AUTH_PERSONAL_MAX_BYTES */
    const char *name;     /* real name: hanzi (张伟) or latin (Zhang Wei), same bound */
    const char *phone;    /* digits with optional + ( ) - and spaces, AUTH_PHONE_MAX_BYTES */
    const char *birthday; /* "YYYY-MM-DD" */
    /* True when the candidate (NUL-terminated) verifies against one of the account's newest
     * policy.history password hashes. NULL: no history to compare with. */
    bool (*matches_old)(void *ctx, const char *candidate);
    void *old_ctx;
    /* True when candidate[0..len) is on a stored weak-password list (rule weak_list, as the
     * weak_list argument): auth_policy_check_stored sets it. NULL: no stored list. */
    bool (*listed)(void *ctx, const char *candidate, size_t len);
    void *listed_ctx;
} auth_pw_input;

typedef struct auth_violation {
    const char *rule;               /* stable rule id (static string) */
    char message[AUTH_MESSAGE_MAX]; /* Chinese, for people; never contains the password */
} auth_violation;

typedef struct auth_policy_result {
    bool ok; /* count == 0 */
    size_t count;
    auth_violation violations[AUTH_MAX_VIOLATIONS];
} auth_policy_result;

/*
 * Checks a candidate password against a policy and fills *out with every violation.
 * dict is required when policy->dictionary is set; weak_list (rule weak_list) may be NULL.
 * A candidate longer than AUTH_PW_MAX_BYTES, or not valid UTF-8, gets only those violations
 * (too_long, invalid_utf8, control_char): nothing else is computed on it.
 * Returns XN_OK whatever the verdict; XN_EINVAL (field named) when the caller's data is wrong:
 * a personal field too long, not valid UTF-8 or holding control characters, a phone without
 * 5 to 20 digits, a birthday that is not a real YYYY-MM-DD date, a current password that is
 * not valid UTF-8 or too long, or no dictionary for a policy that needs one. Never calls
 * matches_old with anything but a candidate that passed the structural checks.
 */
int auth_policy_check(const auth_policy *policy, const auth_dict *dict,
                      const auth_wordlist *weak_list, const auth_pw_input *in,
                      auth_policy_result *out, xn_error *err);

/* Appends {"ok":bool,"violations":[{"rule":"…","message":"…"}]} to out: what
 * `xinan passwd check` prints and the HTTP layer returns. */
int auth_policy_result_json(const auth_policy_result *result, xn_buf *out);

/* ------------------------------------------------------------------------------------------ */
/* The stored policy and weak-password list (ACC-8..10: what the security administrator sets) */
/* ------------------------------------------------------------------------------------------ */

/*
 * The security administrator's overrides of each profile live in the database (table
 * password_policy, one row per profile holding the overrides as a JSON object) and are applied
 * over the regulatory minimum with auth_policy_tighten, so a stored policy is never weaker than
 * the minimum. A stored row that does not parse, or would weaken the minimum, is never used:
 * every reader gets XN_EINTERNAL "policy_corrupt" naming the profile instead of a policy.
 *
 * A policy as JSON (GET and PUT /api/policy, the stored overrides, the audit record):
 *   {"min_length":14, "classes":["letters","digits","symbols"], "history":10,
 *    "max_repeat":2 | null, "max_same_position":3 | null, "dictionary":true, "max_age_days":30}
 * null: the limit is off. Stored overrides hold only the members stricter than the minimum.
 *
 * The weak-password list (rule weak_list) is stored normalised (ASCII letters lower-cased, one
 * row per distinct entry, indexed), so a check is one indexed lookup, never a re-parse.
 */

#define AUTH_PROFILES            4    /* user, admin, server, media */
#define AUTH_POLICY_MAX_JSON     4096 /* bytes of one stored or submitted policy */
#define AUTH_WEAK_LIST_MAX_BYTES (8u << 20)
#define AUTH_WEAK_LIST_MAX_LINES 1000000

/* The Chinese name of a profile ("普通用户" …). */
const char *auth_profile_label(auth_profile profile);
/* The profile whose rules apply to a signed-in person: administrator roles → admin, others →
 * user (ACC-8, ACC-9). */
auth_profile auth_profile_of(const auth_principal *p);

/*
 * Reads a policy JSON object (the shape above; every member optional, none other allowed) as
 * overrides of profile's minimum: absent members keep the minimum. XN_EINVAL naming the field:
 * "bad_field" for a wrong type, an unknown member or class, "policy_range" for a value out of
 * bounds, "policy_weaker" (Chinese message with both values) for classes that leave out one the
 * profile requires; auth_policy_tighten reports the other weaker values.
 */
int auth_policy_overrides_from_json(auth_profile profile, const json_t *obj,
                                    auth_policy_overrides *ov, xn_error *err);
/* A policy as a JSON object of the shape above (a new reference). */
json_t *auth_policy_json(const auth_policy *policy);

/* The effective policy of a profile: the minimum with the stored overrides applied. */
int auth_policy_load(store *db, auth_profile profile, auth_policy *out, xn_error *err);

/*
 * {"items":[{profile, name, minimum, overrides, effective, updated_at, updated_by}…],
 *  "fields":{"min_length":"最小长度",…}}, every profile; a corrupt row has "error" (Chinese)
 * and effective null, so the security administrator sees it and can store a good one.
 */
int auth_policy_list_json(store *db, json_t **out, xn_error *err);
/* {profile, name, minimum, effective}: the rules of one's own profile, for the forms' hints. */
int auth_policy_mine_json(store *db, const auth_principal *p, json_t **out, xn_error *err);

/*
 * Replaces the overrides of a profile with body (a policy JSON object; absent members: the
 * minimum). Validated first (auth_policy_overrides_from_json, auth_policy_tighten): a weaker or
 * malformed value stores nothing. The change and its audit record (auth.policy_update, the
 * effective policy before and after) commit in one transaction. *effective (may be NULL) gets
 * the new effective policy.
 */
int auth_policy_update(store *db, audit_trail *trail, const auth_principal *actor,
                       auth_profile profile, const json_t *body, auth_policy *effective,
                       xn_error *err);

typedef struct auth_weak_list_info {
    size_t entries;  /* distinct entries stored */
    size_t ignored;  /* lines that can never match a password (too long, control chars) */
    char digest[80]; /* "<alg>:<hex>" of the sorted, normalised entries */
} auth_weak_list_info;

/*
 * Replaces the weak-password list with text (one password per line, at most
 * AUTH_WEAK_LIST_MAX_BYTES and AUTH_WEAK_LIST_MAX_LINES; blank lines and "#" / "# …" comments
 * skipped; lines end at LF, CRLF or a lone CR). Text that is not valid UTF-8 or holds NUL is
 * XN_EINVAL "bad_text" naming the first bad line; over a bound XN_ETOOBIG. The list and its audit
 * record (auth.weak_list_update: count and digest, never an entry) commit in one transaction.
 * The digest uses s->alg (crypto.mode).
 */
int auth_weak_list_replace(store *db, audit_trail *trail, const auth_settings *s,
                           const auth_principal *actor, const char *text, size_t len,
                           auth_weak_list_info *out, xn_error *err);
/* A parsed list: entries point into text (a lower-cased copy), sorted and distinct. */
typedef struct auth_weak_entry {
    const char *s;
    size_t n;
} auth_weak_entry;
typedef struct auth_weak_parsed {
    char *text;
    auth_weak_entry *entries; /* info.entries of them */
    auth_weak_list_info info;
} auth_weak_parsed;
/* The parse and checks of auth_weak_list_replace, without storing (the fuzz harness's door).
 * Release with auth_weak_parsed_release (also after a failure). */
int auth_weak_list_parse(const char *text, size_t len, crypto_alg alg, auth_weak_parsed *out,
                         xn_error *err);
void auth_weak_parsed_release(auth_weak_parsed *p);

/* {"entries", "digest", "updated_at", "updated_by"} (digest and times null before the first
 * upload); never an entry. */
int auth_weak_list_json(store *db, json_t **out, xn_error *err);

/*
 * auth_policy_check with the stored weak-password list as well (in->listed is set here; the
 * caller's in is left as it was). For `xinan passwd check --db` and the live feedback.
 */
int auth_policy_check_stored(store *db, const auth_policy *policy, const auth_dict *dict,
                             const auth_wordlist *weak_list, const auth_pw_input *in,
                             auth_policy_result *out, xn_error *err);
/*
 * Live feedback for a signed-in person: candidate (and the current password, may be NULL)
 * against the effective policy of their profile and the stored weak list; no history lookup
 * (that costs a password hash per old password). Nothing is stored.
 */
int auth_password_check(store *db, const auth_settings *s, const auth_principal *p,
                        const char *candidate, const char *current, auth_policy_result *out,
                        xn_error *err);

#endif
