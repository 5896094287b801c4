/*
 * Incidents (INC-1..4): the board, one incident with its clocks, checklist and timeline, and
 * the changes people make to it. The incident room checks and records; these handlers only
 * translate. Who may do what is in the route table: incident.read to look, incident.handle
 * (值班员, administrators, leaders) to open and work an incident, incident.approve (领导) to
 * approve a close and to suspend a clock.
 */
#include "http/http_internal.h"

#include <string.h>

/* An optional string member that may be absent or null, free text checked by the room. */
static int opt_text(http_req *req, const char *name, const char **out, xn_error *err)
{
    *out = NULL;
    json_t *v = json_object_get(req->json, name);
    if (!v || json_is_null(v))
        return XN_OK;
    if (!json_is_string(v))
        return xn_fail_field(err, XN_EINVAL, "bad_type", name, "%s 须为文本", name);
    *out = json_string_value(v);
    return XN_OK;
}

static int fail(http_req *req, http_resp *resp, const xn_error *err, const char *action, int64_t id)
{
    char oid[24];
    snprintf(oid, sizeof oid, "%lld", (long long)id);
    return http_refuse(req, resp, err, action, "incident", id ? oid : NULL);
}

/* The incident as it now stands (the answer of every change). */
static int answer(http_req *req, http_resp *resp, int status, int64_t id)
{
    json_t *out = NULL;
    xn_error err;
    if (incident_json(req->app->incidents, id, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, status, out);
}

int http_h_incidents(http_req *req, http_resp *resp)
{
    const char *state = NULL;
    if (http_query_checked(req, "state", 16, &state) != XN_OK ||
        (state && strcmp(state, "open") != 0 && strcmp(state, "closed") != 0 &&
         strcmp(state, "all") != 0))
        return http_error(req, resp, 400, "bad_state", "state 须为 open、closed 或 all", "state");
    json_t *out = NULL;
    xn_error err;
    if (incident_list_json(req->app->incidents, state && strcmp(state, "all") ? state : NULL, 500,
                           &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

int http_h_incident_kinds(http_req *req, http_resp *resp)
{
    (void)req;
    return http_json(resp, 200, incident_kinds_json());
}

int http_h_incident(http_req *req, http_resp *resp)
{
    int64_t id;
    if (http_id_param(req, resp, &id) != XN_OK)
        return 0;
    return answer(req, resp, 200, id);
}

int http_h_incident_open(http_req *req, http_resp *resp)
{
    xn_error err;
    incident_in in = {.site_affected = -1, .source = "person"};
    const char *detected = NULL;
    int rc = http_body_string(req, "kind", 32, true, &in.kind, &err);
    if (rc == XN_OK)
        rc = opt_text(req, "title", &in.title, &err);
    if (rc == XN_OK)
        rc = opt_text(req, "note", &in.note, &err);
    if (rc == XN_OK)
        rc = opt_text(req, "detected_at", &detected, &err);
    if (rc == XN_OK && detected && xn_time_parse(detected, &in.detected_at) != XN_OK)
        rc = xn_fail_field(&err, XN_EINVAL, "bad_detected_at", "detected_at",
                           "发现时间格式应为 2026-12-06T10:30:00+08:00");
    json_t *site = json_object_get(req->json, "site_affected");
    if (rc == XN_OK && site && !json_is_null(site)) {
        if (!json_is_boolean(site))
            rc = xn_fail_field(&err, XN_EINVAL, "bad_type", "site_affected",
                               "site_affected 须为 true 或 false");
        else
            in.site_affected = json_is_true(site);
    }
    json_t *drill = json_object_get(req->json, "drill");
    if (rc == XN_OK && drill && !json_is_null(drill)) {
        if (!json_is_boolean(drill))
            rc = xn_fail_field(&err, XN_EINVAL, "bad_type", "drill", "drill 须为 true 或 false");
        else
            in.drill = json_is_true(drill);
    }
    if (rc == XN_OK && !in.title) {
        const incident_kind *k = incident_kind_find(in.kind);
        in.title = k ? k->title : NULL;
    }
    int64_t id = 0;
    audit_actor actor = auth_actor(req->who);
    if (rc == XN_OK)
        rc = incident_open(req->app->incidents, &actor, &in, &id, NULL, &err);
    if (rc != XN_OK)
        return fail(req, resp, &err, "incident.open", 0);
    return answer(req, resp, 201, id);
}

/* :id and :key of a clock route; answers 400 itself when :id is bad. */
static bool clock_params(http_req *req, http_resp *resp, int64_t *id, const char **key)
{
    if (http_id_param(req, resp, id) != XN_OK)
        return false;
    *key = http_param(req, "key");
    return true;
}

int http_h_incident_clock_meet(http_req *req, http_resp *resp)
{
    int64_t id;
    const char *key, *note = NULL;
    if (!clock_params(req, resp, &id, &key))
        return 0;
    xn_error err;
    audit_actor actor = auth_actor(req->who);
    int rc = opt_text(req, "note", &note, &err);
    if (rc == XN_OK)
        rc = incident_clock_meet(req->app->incidents, &actor, id, key, note, &err);
    if (rc != XN_OK)
        return fail(req, resp, &err, "incident.clock_meet", id);
    return answer(req, resp, 200, id);
}

int http_h_incident_clock_suspend(http_req *req, http_resp *resp)
{
    int64_t id;
    const char *key, *reason = NULL;
    if (!clock_params(req, resp, &id, &key))
        return 0;
    xn_error err;
    audit_actor actor = auth_actor(req->who);
    int rc = opt_text(req, "reason", &reason, &err);
    if (rc == XN_OK)
        rc = incident_clock_suspend(req->app->incidents, &actor, id, key, reason, &err);
    if (rc != XN_OK)
        return fail(req, resp, &err, "incident.clock_suspend", id);
    return answer(req, resp, 200, id);
}

int http_h_incident_clock_resume(http_req *req, http_resp *resp)
{
    int64_t id;
    const char *key;
    if (!clock_params(req, resp, &id, &key))
        return 0;
    xn_error err;
    audit_actor actor = auth_actor(req->who);
    if (incident_clock_resume(req->app->incidents, &actor, id, key, &err) != XN_OK)
        return fail(req, resp, &err, "incident.clock_resume", id);
    return answer(req, resp, 200, id);
}

int http_h_incident_note(http_req *req, http_resp *resp)
{
    int64_t id;
    if (http_id_param(req, resp, &id) != XN_OK)
        return 0;
    const char *text = NULL;
    xn_error err;
    audit_actor actor = auth_actor(req->who);
    int rc = opt_text(req, "text", &text, &err);
    if (rc == XN_OK)
        rc = incident_note(req->app->incidents, &actor, id, text, &err);
    if (rc != XN_OK)
        return fail(req, resp, &err, "incident.note", id);
    return answer(req, resp, 201, id);
}

int http_h_incident_step(http_req *req, http_resp *resp)
{
    int64_t id, step = -1;
    if (http_id_param(req, resp, &id) != XN_OK)
        return 0;
    const char *s = http_param(req, "step"), *note = NULL;
    if (!s || xn_parse_int64(s, 1, INCIDENT_MAX_STEPS, &step) != XN_OK)
        return http_error(req, resp, 400, "bad_step", "处置步骤编号无效", "step");
    xn_error err;
    audit_actor actor = auth_actor(req->who);
    int rc = opt_text(req, "note", &note, &err);
    if (rc == XN_OK)
        rc = incident_step_done(req->app->incidents, &actor, id, (int)step - 1, note, &err);
    if (rc != XN_OK)
        return fail(req, resp, &err, "incident.step", id);
    return answer(req, resp, 200, id);
}

int http_h_incident_attach(http_req *req, http_resp *resp)
{
    int64_t id, file_id = 0;
    if (http_id_param(req, resp, &id) != XN_OK)
        return 0;
    const char *note = NULL;
    xn_error err;
    audit_actor actor = auth_actor(req->who);
    int rc = xn_json_get_int(req->json, "file_id", true, 1, INT64_MAX, &file_id, &err);
    if (rc == XN_OK)
        rc = opt_text(req, "note", &note, &err);
    if (rc == XN_OK)
        rc = incident_attach(req->app->incidents, &actor, id, file_id, note, &err);
    if (rc != XN_OK)
        return fail(req, resp, &err, "incident.attach", id);
    return answer(req, resp, 201, id);
}

int http_h_incident_close(http_req *req, http_resp *resp)
{
    int64_t id;
    if (http_id_param(req, resp, &id) != XN_OK)
        return 0;
    incident_close_in in = {0};
    xn_error err;
    audit_actor actor = auth_actor(req->who);
    int rc = opt_text(req, "cause", &in.cause, &err);
    if (rc == XN_OK)
        rc = opt_text(req, "measures", &in.measures, &err);
    if (rc == XN_OK)
        rc = opt_text(req, "lessons", &in.lessons, &err);
    if (rc == XN_OK)
        rc = opt_text(req, "prevention", &in.prevention, &err);
    if (rc == XN_OK)
        rc = incident_close_request(req->app->incidents, &actor, id, &in, &err);
    if (rc != XN_OK)
        return fail(req, resp, &err, "incident.close_request", id);
    return answer(req, resp, 200, id);
}

int http_h_incident_close_decide(http_req *req, http_resp *resp)
{
    int64_t id;
    if (http_id_param(req, resp, &id) != XN_OK)
        return 0;
    const char *comment = NULL;
    xn_error err;
    audit_actor actor = auth_actor(req->who);
    json_t *approve = json_object_get(req->json, "approve");
    int rc = json_is_boolean(approve) ? opt_text(req, "comment", &comment, &err)
                                      : xn_fail_field(&err, XN_EINVAL, "bad_type", "approve",
                                                      "approve 须为 true 或 false");
    if (rc == XN_OK)
        rc = incident_close_decide(req->app->incidents, &actor, id, json_is_true(approve), comment,
                                   &err);
    if (rc != XN_OK)
        return fail(req, resp, &err, "incident.close", id);
    return answer(req, resp, 200, id);
}

/* ---- emergency plans and drills (INC-5) ------------------------------------------------------ */

int http_h_incident_plans(http_req *req, http_resp *resp)
{
    json_t *out = NULL;
    xn_error err;
    if (incident_plans_json(req->app->incidents, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

/* An optional positive id member (absent or null: 0). */
static int opt_id(http_req *req, const char *name, int64_t *out, xn_error *err)
{
    *out = 0;
    json_t *v = json_object_get(req->json, name);
    if (!v || json_is_null(v))
        return XN_OK;
    return xn_json_get_int(req->json, name, true, 1, INT64_MAX, out, err);
}

int http_h_incident_plan_create(http_req *req, http_resp *resp)
{
    incident_plan_in in = {0};
    xn_error err;
    int rc = opt_text(req, "title", &in.title, &err);
    if (rc == XN_OK)
        rc = opt_text(req, "version", &in.version, &err);
    if (rc == XN_OK)
        rc = opt_text(req, "scope", &in.scope, &err);
    if (rc == XN_OK)
        rc = opt_id(req, "file_id", &in.file_id, &err);
    json_t *kinds = json_object_get(req->json, "kinds");
    if (rc == XN_OK && (!json_is_array(kinds) || json_array_size(kinds) > INCIDENT_MAX_PLAN_KINDS))
        rc = xn_fail_field(&err, XN_EINVAL, "bad_kinds", "kinds",
                           "kinds 须为事件类别的列表（至多 %d 项）", INCIDENT_MAX_PLAN_KINDS);
    for (size_t i = 0; rc == XN_OK && i < json_array_size(kinds); i++)
        in.kinds[in.nkinds++] = json_string_value(json_array_get(kinds, i));
    int64_t id = 0;
    audit_actor actor = auth_actor(req->who);
    if (rc == XN_OK)
        rc = incident_plan_create(req->app->incidents, &actor, &in, &id, &err);
    if (rc != XN_OK)
        return http_refuse(req, resp, &err, "incident.plan_create", "incident_plan", NULL);
    return http_json(resp, 201, json_pack("{s:I}", "id", (json_int_t)id));
}

int http_h_incident_plan_approve(http_req *req, http_resp *resp)
{
    int64_t id;
    if (http_id_param(req, resp, &id) != XN_OK)
        return 0;
    xn_error err;
    audit_actor actor = auth_actor(req->who);
    if (incident_plan_approve(req->app->incidents, &actor, id, &err) != XN_OK) {
        char oid[24];
        snprintf(oid, sizeof oid, "%lld", (long long)id);
        return http_refuse(req, resp, &err, "incident.plan_approve", "incident_plan", oid);
    }
    return http_h_incident_plans(req, resp);
}

int http_h_incident_drills(http_req *req, http_resp *resp)
{
    const char *plan = NULL;
    int64_t plan_id = 0;
    if (http_query_checked(req, "plan_id", 20, &plan) != XN_OK ||
        (plan && xn_parse_int64(plan, 1, INT64_MAX, &plan_id) != XN_OK))
        return http_error(req, resp, 400, "bad_plan", "plan_id 须为预案编号", "plan_id");
    json_t *out = NULL;
    xn_error err;
    if (incident_drills_json(req->app->incidents, plan_id, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

int http_h_incident_drill_create(http_req *req, http_resp *resp)
{
    incident_drill_in in = {0};
    const char *held = NULL;
    xn_error err;
    int rc = xn_json_get_int(req->json, "plan_id", true, 1, INT64_MAX, &in.plan_id, &err);
    if (rc == XN_OK)
        rc = opt_text(req, "held_at", &held, &err);
    if (rc == XN_OK && (!held || xn_time_parse(held, &in.held_at) != XN_OK))
        rc = xn_fail_field(&err, XN_EINVAL, "bad_held_at", "held_at",
                           "演练时间格式应为 2026-12-06T10:30:00+08:00");
    static const char *const texts[] = {"title", "command", "records", "analysis", "improvements"};
    const char **slots[] = {&in.title, &in.command, &in.records, &in.analysis, &in.improvements};
    for (size_t i = 0; rc == XN_OK && i < 5; i++)
        rc = opt_text(req, texts[i], slots[i], &err);
    if (rc == XN_OK)
        rc = opt_id(req, "scheme_file_id", &in.scheme_file_id, &err);
    if (rc == XN_OK)
        rc = opt_id(req, "flow_file_id", &in.flow_file_id, &err);
    if (rc == XN_OK)
        rc = opt_id(req, "record_file_id", &in.record_file_id, &err);
    if (rc == XN_OK)
        rc = opt_id(req, "incident_id", &in.incident_id, &err);
    int64_t id = 0;
    audit_actor actor = auth_actor(req->who);
    if (rc == XN_OK)
        rc = incident_drill_create(req->app->incidents, &actor, &in, &id, &err);
    if (rc != XN_OK)
        return http_refuse(req, resp, &err, "incident.drill_record", "incident_drill", NULL);
    return http_json(resp, 201, json_pack("{s:I}", "id", (json_int_t)id));
}

typedef struct report_job {
    incident_ctx *incidents;
    int64_t id;
    const char *format;
} report_job;

static int make_report(const char *path, void *ctx, xn_error *err)
{
    report_job *j = ctx;
    return incident_report(j->incidents, j->id, j->format, path, err);
}

int http_h_incident_report(http_req *req, http_resp *resp)
{
    int64_t id;
    if (http_id_param(req, resp, &id) != XN_OK)
        return 0;
    const char *format = NULL;
    if (http_query_checked(req, "format", 8, &format) != XN_OK || !format ||
        (strcmp(format, "pdf") != 0 && strcmp(format, "xlsx") != 0))
        return http_error(req, resp, 400, "bad_format", "报告格式只能是 pdf 或 xlsx", "format");
    char name[64];
    snprintf(name, sizeof name, "事件报告-%lld.%s", (long long)id, format);
    report_job job = {.incidents = req->app->incidents, .id = id, .format = format};
    return http_send_made(req, resp,
                          strcmp(format, "pdf") == 0 ? "application/pdf" : HTTP_XLSX_TYPE, name,
                          make_report, &job);
}
