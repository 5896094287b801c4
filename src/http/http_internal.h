/* Internal to the http room: pieces shared between the router, the server and handlers. */
#ifndef XINAN_HTTP_INTERNAL_H
#define XINAN_HTTP_INTERNAL_H

#include "http/http.h"

/* Percent-decodes a query value ('+' as space) into out (strlen(raw)+1 bytes) with the path
 * rules: no NUL, no controls, valid UTF-8. */
bool http_decode_query_value(const char *raw, char *out, size_t *out_len);

/* A string member of the JSON body (xn_json_get_string's bounds and checks); a body that is
 * not a JSON object is XN_EINVAL "bad_body". */
int http_body_string(const http_req *req, const char *name, size_t max, bool required,
                     const char **out, xn_error *err);

/* The path parameter "id" as a positive integer; otherwise answers 400 "bad_id" and returns
 * XN_EINVAL (the handler then returns at once). */
int http_id_param(http_req *req, http_resp *resp, int64_t *id);

/* The server a request belongs to, for handlers that read server state (metrics). */
http_server *http_req_server(const http_req *req);

/* http_fail, and when the error is a refusal of a signed-in person, an audit record of it
 * (the refused change itself never ran, so its transaction recorded nothing). */
int http_refuse(http_req *req, http_resp *resp, const xn_error *err, const char *action,
                const char *object_type, const char *object_id);

/* Checks "Authorization: Bearer <agent token>" for scope (NULL: any); on refusal the response
 * (401) is set and a non-zero code returned. */
int http_agent_authorise(http_req *req, http_resp *resp, const char *scope, auth_agent *out);

/* Where exports are made before they are sent: $TMPDIR when absolute and short, else /tmp. */
const char *http_tmp_dir(void);
#define HTTP_XLSX_TYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

/* Makes a file at path for one answer (0, or an error the answer reports). */
typedef int (*http_make_fn)(const char *path, void *ctx, xn_error *err);
/* Answers with the file make writes, as an attachment named name (export.c). */
int http_send_made(http_req *req, http_resp *resp, const char *content_type, const char *name,
                   http_make_fn make, void *ctx);

/* Content type of an asset path by its extension. */
const char *http_content_type(const char *path);

/* ---- limits.c: per-client limits and the request-head deadline ---------------------------- */

struct sockaddr;
typedef struct http_limits http_limits;

/* Starts the watchdog thread that enforces the head deadline. */
int http_limits_new(const xn_config *cfg, const auth_settings *auth, http_limits **out,
                    xn_error *err);
/* Stops the watchdog; call after the library has closed every connection. */
void http_limits_free(http_limits *l);
/* A socket address as an xn_ip (IPv4-mapped IPv6 peers count as IPv4); false for others. */
bool http_ip_of_sockaddr(const struct sockaddr *sa, xn_ip *out);
/* Whether a new connection from addr stays within http.max_connections_per_ip. */
bool http_limits_accept(http_limits *l, const struct sockaddr *addr);
/* A connection opened / closed: its slot is the library's socket context. */
void *http_limits_conn_started(http_limits *l, const struct sockaddr *addr, int fd);
void http_limits_conn_closed(http_limits *l, void *slot);
/* The request head arrived whole: no deadline while the request is served. */
void http_limits_head_done(void *slot);
/* A request ended: the next head must come within the head or idle timeout. */
void http_limits_request_done(http_limits *l, void *slot);
/* Whether the client is over its failures on unauthenticated routes (answer 429). */
bool http_limits_refused(http_limits *l, const xn_ip *client);
/* Counts a failure of the client on an unauthenticated route. */
void http_limits_failed(http_limits *l, const xn_ip *client);
void http_limits_stats(const http_limits *l, uint64_t *refused_connections, uint64_t *head_timeouts,
                       uint64_t *refused_failures, int *open);

#endif
