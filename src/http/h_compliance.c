/*
 * The compliance report (RPT): every requirement of the catalogue with its status and evidence,
 * its PDF and xlsx for inspectors, and the security administrator's decisions (not applicable
 * with a reason; met with an evidence file where no automatic check applies).
 */
#include "http/http_internal.h"

#include <string.h>

int http_h_compliance(http_req *req, http_resp *resp)
{
    json_t *out = NULL;
    xn_error err;
    if (oblig_compliance_json(req->app->oblig, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

typedef struct report_job {
    oblig_ctx *o;
    const char *format, *made_by;
} report_job;

static int make_report(const char *path, void *ctx, xn_error *err)
{
    report_job *j = ctx;
    return oblig_report(j->o, j->format, j->made_by, path, err);
}

static int send_report(http_req *req, http_resp *resp, const char *format)
{
    char made_by[AUTH_MAX_NAME + AUTH_MAX_ACCOUNT + 16];
    snprintf(made_by, sizeof made_by, "%s（%s）",
             req->who->real_name[0] ? req->who->real_name : req->who->account, req->who->account);
    report_job job = {.o = req->app->oblig, .format = format, .made_by = made_by};
    return http_send_made(req, resp,
                          strcmp(format, "pdf") == 0 ? "application/pdf" : HTTP_XLSX_TYPE,
                          strcmp(format, "pdf") == 0 ? "合规报告.pdf" : "合规报告.xlsx",
                          make_report, &job);
}

int http_h_compliance_pdf(http_req *req, http_resp *resp)
{
    return send_report(req, resp, "pdf");
}

int http_h_compliance_xlsx(http_req *req, http_resp *resp)
{
    return send_report(req, resp, "xlsx");
}

int http_h_compliance_decide(http_req *req, http_resp *resp)
{
    const char *id = http_param(req, "id");
    xn_error err;
    const char *status = NULL, *reason = NULL;
    int rc = XN_OK;
    json_t *s = json_object_get(req->json, "status");
    if (s && !json_is_null(s))
        rc = http_body_string(req, "status", 32, true, &status, &err);
    if (rc == XN_OK && json_is_string(json_object_get(req->json, "reason")))
        rc = http_body_string(req, "reason", OBLIG_MAX_REASON, false, &reason, &err);
    int64_t file_id = 0;
    json_t *f = json_object_get(req->json, "file_id");
    if (rc == XN_OK && f && !json_is_null(f)) {
        if (!json_is_integer(f) || json_integer_value(f) <= 0)
            rc = xn_fail_field(&err, XN_EINVAL, "bad_file", "file_id", "证据文件编号不正确");
        else
            file_id = json_integer_value(f);
    }
    audit_actor actor = auth_actor(req->who);
    if (rc == XN_OK)
        rc = oblig_decide(req->app->oblig, &actor, id, status, reason, file_id, &err);
    if (rc != XN_OK)
        return http_refuse(req, resp, &err, "compliance.decide", "requirement", id);
    return http_h_compliance(req, resp);
}
