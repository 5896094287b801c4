/* The route table: every endpoint, its method, handler, body rule and the permission it
 * needs (NULL: public; HTTP_SIGNED_IN: any session), in one place. */
#include "http/http.h"

#define J   HTTP_JSON_BODY
#define P   HTTP_PENDING_OK
#define ANY HTTP_SIGNED_IN

const http_route http_routes[] = {
    {"GET", "/api/health", http_h_health, 0, NULL, "server and database health"},
    {"GET", "/metrics", http_h_metrics, 0, NULL, "metrics in Prometheus text format"},
    {"POST", "/api/text/check", http_h_text_check, J, ANY,
     "sensitive words, wording errors and personal data in a text"},
    {"GET", "/api/lexicons", http_h_lexicons, 0, "text.lexicon", "the lexicons"},
    {"GET", "/api/lexicons/:name/export", http_h_lexicon_export, 0, "text.lexicon",
     "a lexicon's text (download)"},
    {"POST", "/api/lexicons/:name/import", http_h_lexicon_import, HTTP_TEXT_BODY, "text.lexicon",
     "replace or merge a lexicon from text (?mode=replace|merge)"},
    /* sign-in and one's own account */
    {"POST", "/api/auth/login", http_h_login, J, NULL, "sign in (account, password, totp)"},
    {"POST", "/api/auth/logout", http_h_logout, P, ANY, "end this session"},
    {"GET", "/api/me", http_h_me, P, ANY, "who is signed in"},
    {"POST", "/api/me/password", http_h_password_change, J | P, ANY, "change one's password"},
    {"POST", "/api/password/check", http_h_password_check, J | P, ANY,
     "check a candidate password against the policy"},
    {"POST", "/api/me/totp", http_h_totp_begin, P, ANY, "start second-factor enrolment"},
    {"POST", "/api/me/totp/confirm", http_h_totp_confirm, J | P, ANY,
     "confirm second-factor enrolment"},
    {"GET", "/api/me/sessions", http_h_my_sessions, 0, ANY, "one's open sessions"},
    {"DELETE", "/api/sessions/:id", http_h_session_end, 0, ANY, "end a session"},
    /* people and privileges */
    {"GET", "/api/users", http_h_users, 0, "user.read", "accounts"},
    {"POST", "/api/users", http_h_user_create, J, "user.create", "create an account"},
    {"GET", "/api/users/:id", http_h_user, 0, "user.read", "one account"},
    {"POST", "/api/users/:id/disable", http_h_user_disable, J, "user.disable",
     "disable an account"},
    {"POST", "/api/users/:id/reset-password", http_h_user_reset, 0, "user.reset_password",
     "issue a one-time password"},
    {"GET", "/api/users/:id/sessions", http_h_user_sessions, 0, "session.manage",
     "someone's open sessions"},
    {"GET", "/api/roles", http_h_roles, 0, "role.read", "roles and their permissions"},
    {"POST", "/api/users/:id/roles", http_h_role_request, J, "role.request",
     "ask for a role for someone (four-eyes)"},
    {"DELETE", "/api/users/:id/roles/:role", http_h_role_revoke, 0, "role.request",
     "take a role away at once"},
    {"GET", "/api/requests", http_h_requests, 0, "role.read", "privilege requests"},
    {"POST", "/api/requests/:id/decision", http_h_request_decide, J, "role.approve",
     "approve or reject a request"},
    {NULL, NULL, NULL, 0, NULL, NULL},
};
