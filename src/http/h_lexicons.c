/*
 * Lexicon administration (PUB-8): GET /api/lexicons, GET /api/lexicons/:name/export (the text as
 * a download) and POST /api/lexicons/:name/import?mode=replace|merge (a text/plain body of up
 * to 16 MiB). The lexicon room validates, records and swaps the live matcher; these handlers
 * only translate. A text refused for its lines answers 400 "bad_lexicon" with the bad lines
 * listed in the error object: "lines":[{"line","code","reason"}…] and "more" (those not listed).
 */
#include "http/http_internal.h"

#include <stdio.h>
#include <string.h>

int http_h_lexicons(http_req *req, http_resp *resp)
{
    xn_error err;
    json_t *out = NULL;
    if (lexicon_list_json(req->app->lexicons, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

int http_h_lexicon_export(http_req *req, http_resp *resp)
{
    xn_error err;
    const char *name = http_param(req, "name");
    audit_actor actor = auth_actor(req->who);
    xn_buf_reset(&resp->body);
    if (lexicon_export(req->app->lexicons, name, &actor, &resp->body, &err) != XN_OK)
        return http_fail(req, resp, &err);
    resp->status = 200;
    resp->content_type = "text/plain; charset=utf-8";
    /* The name is [a-z0-9_-] and hanzi (checked by the room): an ASCII file name for old
     * clients and the real one percent-encoded (RFC 6266) */
    char encoded[3 * LEXICON_MAX_NAME + 1];
    size_t k = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p && k + 3 < sizeof encoded; p++) {
        if (*p < 0x80) {
            encoded[k++] = (char)*p;
        } else {
            snprintf(encoded + k, 4, "%%%02X", *p);
            k += 3;
        }
    }
    encoded[k] = '\0';
    if (k == strlen(name))
        snprintf(resp->disposition, sizeof resp->disposition, "attachment; filename=\"%s.txt\"",
                 name);
    else
        snprintf(resp->disposition, sizeof resp->disposition,
                 "attachment; filename=\"lexicon.txt\"; filename*=UTF-8''%s.txt", encoded);
    if (resp->body.data == NULL)
        xn_buf_append(&resp->body, "", 0);
    return 0;
}

int http_h_lexicon_import(http_req *req, http_resp *resp)
{
    xn_error err;
    const char *name = http_param(req, "name");
    const char *mode_name = NULL;
    lexicon_mode mode = LEXICON_REPLACE;
    /* A malformed mode is refused, never read as absent: absent means replace. */
    if (http_query_checked(req, "mode", 64, &mode_name) != XN_OK ||
        (mode_name && strcmp(mode_name, "merge") != 0 && strcmp(mode_name, "replace") != 0))
        return http_error(req, resp, 400, "bad_field", "mode 只能是 replace 或 merge", "mode");
    if (mode_name && strcmp(mode_name, "merge") == 0)
        mode = LEXICON_MERGE;
    audit_actor actor = auth_actor(req->who);
    lexicon_result res;
    lexicon_refusal bad;
    if (lexicon_import(req->app->lexicons, name, req->body, req->body ? req->body_len : 0, mode,
                       &actor, &res, &bad, &err) != XN_OK)
        return http_fail_with(req, resp, &err, bad.total ? lexicon_refusal_json(&bad) : NULL);
    /* PUB-6: what is on the site is checked again against the changed lexicons */
    xn_error later;
    if (req->app->jobs &&
        jobs_run_now(req->app->jobs, &audit_system_actor, PUBLISH_JOB_RECHECK, &later) != XN_OK)
        xn_log_event(req->app->log, XN_LOG_WARN, "publish.recheck_not_started", "error",
                     later.message, XN_LOG_END);
    return http_json(resp, 200,
                     json_pack("{s:s, s:s, s:I, s:I, s:I, s:s}", "name", name, "mode",
                               mode == LEXICON_MERGE ? "merge" : "replace", "entries",
                               (json_int_t)res.entries, "added", (json_int_t)res.added, "removed",
                               (json_int_t)res.removed, "digest", res.digest));
}
