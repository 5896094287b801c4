/*
 * 系统任务 (system administrator, jobs.manage): the job kinds with their next run and last
 * result, the run history with its summaries, and "run now" (audited).
 */
#include "http/http_internal.h"

int http_h_jobs(http_req *req, http_resp *resp)
{
    xn_error err;
    json_t *out = NULL, *flagged = NULL;
    if (jobs_kinds_json(req->app->jobs, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    if (jobs_flagged_json(req->app->jobs, &flagged, &err) != XN_OK) {
        json_decref(out);
        return http_fail(req, resp, &err);
    }
    json_object_set_new(out, "flagged", json_incref(json_object_get(flagged, "items")));
    json_decref(flagged);
    return http_json(resp, 200, out);
}

int http_h_job_runs(http_req *req, http_resp *resp)
{
    xn_error err;
    const char *kind = NULL, *limit_s = NULL;
    if (http_query_checked(req, "kind", 64, &kind) != XN_OK)
        return http_error(req, resp, 400, "bad_query", "任务类型不正确", "kind");
    if (http_query_checked(req, "limit", 8, &limit_s) != XN_OK)
        return http_error(req, resp, 400, "bad_query", "条数不正确", "limit");
    int64_t limit = 100;
    if (limit_s && xn_parse_int64(limit_s, 1, 500, &limit) != XN_OK)
        return http_error(req, resp, 400, "bad_limit", "条数须在 1 到 500 之间", "limit");
    if (kind && !*kind)
        kind = NULL;
    json_t *out;
    if (jobs_runs_json(req->app->jobs, kind, (int)limit, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

int http_h_job_run(http_req *req, http_resp *resp)
{
    xn_error err;
    const char *kind = http_param(req, "kind");
    audit_actor actor = auth_actor(req->who);
    if (jobs_run_now(req->app->jobs, &actor, kind, &err) != XN_OK)
        return http_refuse(req, resp, &err, "jobs.run", "job_kind", kind);
    return http_json(resp, 202, json_pack("{s:s,s:b}", "kind", kind, "scheduled", true));
}
