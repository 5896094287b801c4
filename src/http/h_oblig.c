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
    return http_send_made(
        req, resp, strcmp(format, "pdf") == 0 ? "application/pdf" : HTTP_XLSX_TYPE,
        strcmp(format, "pdf") == 0 ? "合规报告.pdf" : "合规报告.xlsx", make_report, &job);
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

/* ---- periodic duties (OBL) ------------------------------------------------------------- */

int http_h_obligations(http_req *req, http_resp *resp)
{
    const char *state = NULL;
    if (http_query_checked(req, "state", 16, &state) != XN_OK ||
        (state && strcmp(state, "upcoming") != 0 && strcmp(state, "due") != 0 &&
         strcmp(state, "done") != 0 && strcmp(state, "overdue") != 0))
        return http_error(req, resp, 400, "bad_state", "state 须为 upcoming、due、done 或 overdue",
                          "state");
    json_t *out = NULL;
    xn_error err;
    if (oblig_obligations_json(req->app->oblig, req->who, state, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

int http_h_obligation_job_kinds(http_req *req, http_resp *resp)
{
    return http_json(resp, 200, oblig_job_kinds_json(req->app->oblig));
}

int http_h_obligation_evidence(http_req *req, http_resp *resp)
{
    int64_t id;
    if (http_id_param(req, resp, &id) != XN_OK)
        return 0;
    xn_error err;
    const char *note = NULL, *period = NULL;
    int rc = http_body_string(req, "note", OBLIG_MAX_REASON, false, &note, &err);
    if (rc == XN_OK && json_is_string(json_object_get(req->json, "period")))
        rc = http_body_string(req, "period", 24, false, &period, &err);
    json_t *f = json_object_get(req->json, "file_id");
    int64_t file_id = json_is_integer(f) && json_integer_value(f) > 0 ? json_integer_value(f) : 0;
    if (rc == XN_OK && f && !json_is_null(f) && !file_id)
        rc = xn_fail_field(&err, XN_EINVAL, "bad_file", "file_id", "证据文件编号不正确");
    if (rc == XN_OK)
        rc = oblig_evidence_add(req->app->oblig, req->who, id, period, file_id, note, &err);
    if (rc != XN_OK) {
        char oid[24];
        snprintf(oid, sizeof oid, "%lld", (long long)id);
        return http_refuse(req, resp, &err, "oblig.evidence", "obligation", oid);
    }
    return http_h_obligations(req, resp);
}

int http_h_obligation_add(http_req *req, http_resp *resp)
{
    xn_error err;
    const char *title = NULL, *reqs = NULL, *rule = NULL, *owner = NULL, *evidence = NULL;
    int rc = http_body_string(req, "title", 200, false, &title, &err);
    if (rc == XN_OK)
        rc = http_body_string(req, "evidence", 40, false, &evidence, &err);
    if (rc == XN_OK)
        rc = http_body_string(req, "reqs", 120, false, &reqs, &err);
    if (rc == XN_OK)
        rc = http_body_string(req, "rule", 16, false, &rule, &err);
    if (rc == XN_OK)
        rc = http_body_string(req, "owner", 32, false, &owner, &err);
    json_t *ev = json_object_get(req->json, "every");
    int every = json_is_integer(ev) ? (int)json_integer_value(ev) : 1;
    int64_t id = 0;
    audit_actor actor = auth_actor(req->who);
    if (rc == XN_OK)
        rc = oblig_duty_add(req->app->oblig, &actor, title, reqs, rule, every, owner, evidence, &id,
                            &err);
    if (rc != XN_OK)
        return http_refuse(req, resp, &err, "oblig.create", "obligation", NULL);
    return http_h_obligations(req, resp);
}

int http_h_obligation_update(http_req *req, http_resp *resp)
{
    int64_t id;
    if (http_id_param(req, resp, &id) != XN_OK)
        return 0;
    xn_error err;
    const char *owner = NULL, *rule = NULL;
    int rc = XN_OK, every = 0, enabled = -1;
    if (json_is_string(json_object_get(req->json, "owner")))
        rc = http_body_string(req, "owner", 32, false, &owner, &err);
    if (rc == XN_OK && json_object_get(req->json, "rule"))
        rc = http_body_string(req, "rule", 16, true, &rule, &err);
    json_t *ev = json_object_get(req->json, "every");
    if (rc == XN_OK && ev &&
        (!json_is_integer(ev) || json_integer_value(ev) < 1 || json_integer_value(ev) > 366))
        rc = xn_fail_field(&err, XN_EINVAL, "bad_rule", "every", "间隔天数须为 1–366");
    else if (ev)
        every = (int)json_integer_value(ev);
    json_t *en = json_object_get(req->json, "enabled");
    if (rc == XN_OK && en && !json_is_boolean(en))
        rc = xn_fail_field(&err, XN_EINVAL, "bad_type", "enabled", "enabled 须为 true 或 false");
    else if (en)
        enabled = json_is_true(en);
    audit_actor actor = auth_actor(req->who);
    if (rc == XN_OK)
        rc = oblig_duty_update(req->app->oblig, &actor, id, owner, rule, every, enabled, &err);
    if (rc != XN_OK) {
        char oid[24];
        snprintf(oid, sizeof oid, "%lld", (long long)id);
        return http_refuse(req, resp, &err, "oblig.update", "obligation", oid);
    }
    return http_h_obligations(req, resp);
}

/* ---- the duty roster ---------------------------------------------------------------------- */

int http_h_duty_roster(http_req *req, http_resp *resp)
{
    const char *month = NULL;
    char now_month[8], today[XN_DATE_STR];
    if (http_query_checked(req, "month", 8, &month) != XN_OK)
        return http_error(req, resp, 400, "bad_month", "月份格式应为 YYYY-MM", "month");
    xn_date_format(xn_date_of(auth_now(req->app->auth)), today);
    if (!month) {
        memcpy(now_month, today, 7);
        now_month[7] = '\0';
        month = now_month;
    }
    json_t *out = NULL;
    xn_error err;
    if (oblig_roster_json(req->app->oblig, month, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    /* the rules' clock, so the page knows whose check-in is due */
    json_object_set_new(out, "today", json_string(today));
    return http_json(resp, 200, out);
}

static int64_t id_member(const json_t *obj, const char *name)
{
    json_t *v = json_object_get(obj, name);
    return json_is_integer(v) && json_integer_value(v) > 0 ? json_integer_value(v) : 0;
}

int http_h_duty_plan(http_req *req, http_resp *resp)
{
    xn_error err;
    const char *date = NULL;
    int rc = http_body_string(req, "date", 16, true, &date, &err);
    json_t *lv = json_object_get(req->json, "leader_id");
    if (rc == XN_OK && lv && !json_is_null(lv) && !id_member(req->json, "leader_id"))
        rc = xn_fail_field(&err, XN_EINVAL, "bad_leader", "leader_id", "带班领导编号不正确");
    audit_actor actor = auth_actor(req->who);
    if (rc == XN_OK)
        rc = oblig_roster_set(req->app->oblig, &actor, date, id_member(req->json, "user_id"),
                              id_member(req->json, "leader_id"), &err);
    if (rc != XN_OK)
        return http_refuse(req, resp, &err, "duty.plan", "duty_day", date);
    return http_json(resp, 200, json_pack("{s:s}", "date", date));
}

int http_h_duty_key_date(http_req *req, http_resp *resp)
{
    xn_error err;
    const char *date = NULL, *name = NULL;
    int rc = http_body_string(req, "date", 16, true, &date, &err);
    if (rc == XN_OK)
        rc = http_body_string(req, "name", 120, true, &name, &err);
    audit_actor actor = auth_actor(req->who);
    if (rc == XN_OK)
        rc = oblig_key_date_set(req->app->oblig, &actor, date, name, &err);
    if (rc != XN_OK)
        return http_refuse(req, resp, &err, "duty.key_date", "duty_day", date);
    return http_json(resp, 200, json_pack("{s:s, s:s}", "date", date, "name", name));
}

int http_h_duty_checkin(http_req *req, http_resp *resp)
{
    xn_error err;
    const char *read = NULL, *anomaly = NULL;
    int rc = http_body_string(req, "read", OBLIG_MAX_REASON, true, &read, &err);
    if (rc == XN_OK && json_is_string(json_object_get(req->json, "anomaly")))
        rc = http_body_string(req, "anomaly", OBLIG_MAX_REASON, false, &anomaly, &err);
    json_t *oi = json_object_get(req->json, "open_incident");
    if (rc == XN_OK && oi && !json_is_boolean(oi))
        rc = xn_fail_field(&err, XN_EINVAL, "bad_type", "open_incident",
                           "open_incident 须为 true 或 false");
    audit_actor actor = auth_actor(req->who);
    int64_t incident = 0;
    if (rc == XN_OK)
        rc = oblig_checkin(req->app->oblig, &actor, read, json_object_get(req->json, "columns"),
                           anomaly, json_is_true(oi), &incident, &err);
    if (rc != XN_OK)
        return http_refuse(req, resp, &err, "duty.checkin", "duty_day", NULL);
    json_t *out = json_pack("{s:b}", "checked_in", true);
    if (incident)
        json_object_set_new(out, "incident_id", json_integer(incident));
    return http_json(resp, 201, out);
}

int http_h_duty_handover(http_req *req, http_resp *resp)
{
    xn_error err;
    const char *note = NULL;
    int rc = http_body_string(req, "note", OBLIG_MAX_REASON, true, &note, &err);
    audit_actor actor = auth_actor(req->who);
    if (rc == XN_OK)
        rc = oblig_handover(req->app->oblig, &actor, note, &err);
    if (rc != XN_OK)
        return http_refuse(req, resp, &err, "duty.handover", "duty_day", NULL);
    return http_json(resp, 201, json_pack("{s:b}", "handed_over", true));
}

int http_h_duty_columns(http_req *req, http_resp *resp)
{
    json_t *out = NULL;
    xn_error err;
    if (oblig_duty_columns_json(req->app->oblig, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

/* ---- inspections and rectification (RSK-1, RSK-2) ------------------------------------------ */

int http_h_inspections(http_req *req, http_resp *resp)
{
    json_t *out = NULL;
    xn_error err;
    if (oblig_inspections_json(req->app->oblig, 0, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

int http_h_inspection(http_req *req, http_resp *resp)
{
    int64_t id;
    if (http_id_param(req, resp, &id) != XN_OK)
        return 0;
    json_t *out = NULL;
    xn_error err;
    if (oblig_inspections_json(req->app->oblig, id, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

int http_h_inspection_start(http_req *req, http_resp *resp)
{
    xn_error err;
    const char *kind = NULL, *title = NULL;
    const char *ids[OBLIG_MAX_ITEMS];
    size_t nids = 0;
    int rc = http_body_string(req, "kind", 32, true, &kind, &err);
    if (rc == XN_OK)
        rc = http_body_string(req, "title", 200, true, &title, &err);
    json_t *list = json_object_get(req->json, "req_ids");
    if (rc == XN_OK && list && !json_is_null(list)) {
        if (!json_is_array(list) || json_array_size(list) > OBLIG_MAX_ITEMS ||
            json_array_size(list) == 0) {
            rc = xn_fail_field(&err, XN_EINVAL, "bad_requirement", "req_ids",
                               "req_ids 须为要求编号的列表（不填为全部）");
        } else {
            size_t i;
            json_t *v;
            json_array_foreach(list, i, v)
            {
                if (!json_is_string(v)) {
                    rc = xn_fail_field(&err, XN_EINVAL, "bad_requirement", "req_ids",
                                       "要求编号须为文本");
                    break;
                }
                ids[nids++] = json_string_value(v);
            }
        }
    }
    int64_t id = 0;
    audit_actor actor = auth_actor(req->who);
    if (rc == XN_OK)
        rc = oblig_inspection_start(req->app->oblig, &actor, kind, title, ids, nids, &id, &err);
    if (rc != XN_OK)
        return http_refuse(req, resp, &err, "inspection.start", "inspection", NULL);
    json_t *out = NULL;
    if (oblig_inspections_json(req->app->oblig, id, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 201, out);
}

int http_h_inspection_finding(http_req *req, http_resp *resp)
{
    int64_t id;
    if (http_id_param(req, resp, &id) != XN_OK)
        return 0;
    xn_error err;
    const char *finding = NULL, *note = NULL;
    int rc = http_body_string(req, "finding", 16, true, &finding, &err);
    if (rc == XN_OK && json_is_string(json_object_get(req->json, "note")))
        rc = http_body_string(req, "note", OBLIG_MAX_REASON, false, &note, &err);
    audit_actor actor = auth_actor(req->who);
    if (rc == XN_OK)
        rc = oblig_inspection_finding(req->app->oblig, &actor, id, http_param(req, "req"), finding,
                                      note, &err);
    if (rc != XN_OK) {
        char oid[24];
        snprintf(oid, sizeof oid, "%lld", (long long)id);
        return http_refuse(req, resp, &err, "inspection.finding", "inspection", oid);
    }
    return http_h_inspection(req, resp);
}

int http_h_rectification_create(http_req *req, http_resp *resp)
{
    int64_t id;
    if (http_id_param(req, resp, &id) != XN_OK)
        return 0;
    xn_error err;
    const char *description = NULL;
    int rc = http_body_string(req, "description", OBLIG_MAX_REASON, false, &description, &err);
    json_t *d = json_object_get(req->json, "days");
    int64_t rect = 0;
    audit_actor actor = auth_actor(req->who);
    if (rc == XN_OK)
        rc = oblig_rectification_create(req->app->oblig, &actor, id, http_param(req, "req"),
                                        description, id_member(req->json, "owner_id"),
                                        json_is_integer(d) ? (int)json_integer_value(d) : 0, &rect,
                                        &err);
    if (rc != XN_OK)
        return http_refuse(req, resp, &err, "rectification.create", "inspection", NULL);
    return http_h_inspection(req, resp);
}

int http_h_rectifications(http_req *req, http_resp *resp)
{
    const char *state = NULL;
    if (http_query_checked(req, "state", 16, &state) != XN_OK ||
        (state && strcmp(state, "open") != 0 && strcmp(state, "done") != 0 &&
         strcmp(state, "verified") != 0))
        return http_error(req, resp, 400, "bad_state", "state 须为 open、done 或 verified",
                          "state");
    json_t *out = NULL;
    xn_error err;
    if (oblig_rectifications_json(req->app->oblig, state, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

int http_h_rectification_done(http_req *req, http_resp *resp)
{
    int64_t id;
    if (http_id_param(req, resp, &id) != XN_OK)
        return 0;
    xn_error err;
    const char *note = NULL;
    int rc = http_body_string(req, "note", OBLIG_MAX_REASON, false, &note, &err);
    audit_actor actor = auth_actor(req->who);
    if (rc == XN_OK)
        rc = oblig_rectification_done(req->app->oblig, &actor, id, note,
                                      id_member(req->json, "file_id"), &err);
    if (rc != XN_OK) {
        char oid[24];
        snprintf(oid, sizeof oid, "%lld", (long long)id);
        return http_refuse(req, resp, &err, "rectification.done", "rectification", oid);
    }
    return http_h_rectifications(req, resp);
}

int http_h_rectification_verify(http_req *req, http_resp *resp)
{
    int64_t id;
    if (http_id_param(req, resp, &id) != XN_OK)
        return 0;
    xn_error err;
    const char *note = NULL;
    json_t *ap = json_object_get(req->json, "approve");
    int rc = json_is_boolean(ap) ? XN_OK
                                 : xn_fail_field(&err, XN_EINVAL, "bad_type", "approve",
                                                 "approve 须为 true 或 false");
    if (rc == XN_OK && json_is_string(json_object_get(req->json, "note")))
        rc = http_body_string(req, "note", OBLIG_MAX_REASON, false, &note, &err);
    audit_actor actor = auth_actor(req->who);
    if (rc == XN_OK)
        rc = oblig_rectification_verify(req->app->oblig, &actor, id, json_is_true(ap), note, &err);
    if (rc != XN_OK) {
        char oid[24];
        snprintf(oid, sizeof oid, "%lld", (long long)id);
        return http_refuse(req, resp, &err, "rectification.verify", "rectification", oid);
    }
    return http_h_rectifications(req, resp);
}

/* ---- notices (RSK-3) ----------------------------------------------------------------------- */

int http_h_notices(http_req *req, http_resp *resp)
{
    json_t *out = NULL;
    xn_error err;
    if (oblig_notices_json(req->app->oblig, req->who->user_id,
                           auth_can(req->who, "compliance.read"), &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

int http_h_notice_send(http_req *req, http_resp *resp)
{
    xn_error err;
    const char *kind = NULL, *title = NULL, *body = NULL, *group = NULL;
    int rc = http_body_string(req, "kind", 32, true, &kind, &err);
    if (rc == XN_OK)
        rc = http_body_string(req, "title", 300, false, &title, &err);
    if (rc == XN_OK)
        rc = http_body_string(req, "body", 20000, false, &body, &err);
    if (rc == XN_OK)
        rc = http_body_string(req, "group", 64, false, &group, &err);
    int64_t id = 0;
    audit_actor actor = auth_actor(req->who);
    if (rc == XN_OK)
        rc = oblig_notice_send(req->app->oblig, &actor, kind, title, body, group, &id, &err);
    if (rc != XN_OK)
        return http_refuse(req, resp, &err, "notice.send", "notice", NULL);
    return http_h_notices(req, resp);
}

int http_h_notice_read(http_req *req, http_resp *resp)
{
    int64_t id;
    if (http_id_param(req, resp, &id) != XN_OK)
        return 0;
    xn_error err;
    audit_actor actor = auth_actor(req->who);
    if (oblig_notice_read(req->app->oblig, &actor, id, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_h_notices(req, resp);
}

/* ---- duty swaps ------------------------------------------------------------------------------ */

int http_h_duty_swaps(http_req *req, http_resp *resp)
{
    json_t *out = NULL;
    xn_error err;
    if (oblig_swaps_json(req->app->oblig, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

int http_h_duty_swap_ask(http_req *req, http_resp *resp)
{
    xn_error err;
    const char *date = NULL, *reason = NULL;
    int rc = http_body_string(req, "date", 16, true, &date, &err);
    if (rc == XN_OK)
        rc = http_body_string(req, "reason", OBLIG_MAX_REASON, false, &reason, &err);
    int64_t id = 0;
    audit_actor actor = auth_actor(req->who);
    if (rc == XN_OK)
        rc = oblig_swap_ask(req->app->oblig, &actor, date, id_member(req->json, "to_user_id"),
                            reason, &id, &err);
    if (rc != XN_OK)
        return http_refuse(req, resp, &err, "duty.swap_ask", "duty_day", date);
    return http_h_duty_swaps(req, resp);
}

int http_h_duty_swap_decide(http_req *req, http_resp *resp)
{
    int64_t id;
    if (http_id_param(req, resp, &id) != XN_OK)
        return 0;
    xn_error err;
    json_t *ap = json_object_get(req->json, "approve");
    audit_actor actor = auth_actor(req->who);
    int rc =
        json_is_boolean(ap)
            ? oblig_swap_decide(req->app->oblig, &actor, id, json_is_true(ap), &err)
            : xn_fail_field(&err, XN_EINVAL, "bad_type", "approve", "approve 须为 true 或 false");
    if (rc != XN_OK)
        return http_refuse(req, resp, &err, "duty.swap_decide", "duty_day", NULL);
    return http_h_duty_swaps(req, resp);
}
