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

/* Content type of an asset path by its extension. */
const char *http_content_type(const char *path);

#endif
