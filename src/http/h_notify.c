/*
 * Notifications (system administrator, notify.manage): channels with their secrets masked,
 * a test message per channel, recipient groups, the messages with their delivery state, and
 * the event kinds with their editable templates.
 */
#include "http/http_internal.h"

#include <string.h>

/* An optional string member that may also be JSON null (same as absent). */
static int opt_str(http_req *req, const char *name, size_t max, const char **out, xn_error *err)
{
    *out = NULL;
    if (json_is_null(json_object_get(req->json, name)))
        return XN_OK;
    return http_body_string(req, name, max, false, out, err);
}

static int opt_rate(http_req *req, int64_t *rate, xn_error *err)
{
    *rate = -1;
    if (!json_object_get(req->json, "rate_per_min"))
        return XN_OK;
    return xn_json_get_int(req->json, "rate_per_min", true, 0, 100000, rate, err);
}

/* The channel's fields; secrets are read with room to spare so the room's own bound names
 * them. */
static int channel_in(http_req *req, bool create, notify_channel_in *in, xn_error *err)
{
    memset(in, 0, sizeof *in);
    int rc = create ? http_body_string(req, "kind", 16, true, &in->kind, err) : XN_OK;
    if (rc == XN_OK)
        rc = create ? http_body_string(req, "name", NOTIFY_MAX_NAME * 4, true, &in->name, err)
                    : opt_str(req, "name", NOTIFY_MAX_NAME * 4, &in->name, err);
    if (rc == XN_OK)
        rc = create ? http_body_string(req, "url", NOTIFY_MAX_URL, true, &in->url, err)
                    : opt_str(req, "url", NOTIFY_MAX_URL, &in->url, err);
    if (rc == XN_OK)
        rc = opt_str(req, "secret", 4096, &in->secret, err);
    if (rc == XN_OK)
        rc = opt_str(req, "mail_from", NOTIFY_MAX_MAIL, &in->mail_from, err);
    if (rc == XN_OK)
        rc = opt_str(req, "msgtype", 16, &in->msgtype, err);
    if (rc == XN_OK)
        rc = opt_rate(req, &in->rate_per_min, err);
    return rc;
}

int http_h_notify_channels(http_req *req, http_resp *resp)
{
    xn_error err;
    json_t *out;
    if (notify_channels_json(req->app->notify, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

int http_h_notify_channel_create(http_req *req, http_resp *resp)
{
    xn_error err;
    notify_channel_in in;
    int64_t id = 0;
    audit_actor actor = auth_actor(req->who);
    int rc = channel_in(req, true, &in, &err);
    if (rc == XN_OK)
        rc = notify_channel_create(req->app->notify, &actor, &in, &id, &err);
    if (rc != XN_OK)
        return http_refuse(req, resp, &err, "notify.channel_create", "notify_channel", NULL);
    return http_json(resp, 201, json_pack("{s:I}", "id", (json_int_t)id));
}

int http_h_notify_channel_update(http_req *req, http_resp *resp)
{
    xn_error err;
    int64_t id;
    if (http_id_param(req, resp, &id) != XN_OK)
        return XN_OK;
    notify_channel_in in;
    audit_actor actor = auth_actor(req->who);
    int rc = channel_in(req, false, &in, &err);
    if (rc == XN_OK && json_object_get(req->json, "kind"))
        rc = xn_fail_field(&err, XN_EINVAL, "kind_fixed", "kind", "渠道类型不能修改，请新建渠道");
    if (rc == XN_OK)
        rc = notify_channel_update(req->app->notify, &actor, id, &in, &err);
    if (rc != XN_OK)
        return http_refuse(req, resp, &err, "notify.channel_update", "notify_channel",
                           http_param(req, "id"));
    return http_json(resp, 200, json_pack("{s:b}", "ok", true));
}

int http_h_notify_channel_delete(http_req *req, http_resp *resp)
{
    xn_error err;
    int64_t id;
    if (http_id_param(req, resp, &id) != XN_OK)
        return XN_OK;
    audit_actor actor = auth_actor(req->who);
    if (notify_channel_delete(req->app->notify, &actor, id, &err) != XN_OK)
        return http_refuse(req, resp, &err, "notify.channel_delete", "notify_channel",
                           http_param(req, "id"));
    return http_json(resp, 200, json_pack("{s:b}", "ok", true));
}

int http_h_notify_channel_test(http_req *req, http_resp *resp)
{
    xn_error err;
    int64_t id, message = 0;
    if (http_id_param(req, resp, &id) != XN_OK)
        return XN_OK;
    audit_actor actor = auth_actor(req->who);
    if (notify_channel_test(req->app->notify, &actor, id, &message, &err) != XN_OK)
        return http_refuse(req, resp, &err, "notify.channel_test", "notify_channel",
                           http_param(req, "id"));
    return http_json(resp, 202, json_pack("{s:I}", "message_id", (json_int_t)message));
}

int http_h_notify_groups(http_req *req, http_resp *resp)
{
    xn_error err;
    json_t *out;
    if (notify_groups_json(req->app->notify, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

int http_h_notify_group_create(http_req *req, http_resp *resp)
{
    xn_error err;
    notify_group_in in = {0};
    notify_member_in members[NOTIFY_MAX_MEMBERS];
    int64_t channels[32];
    int rc = http_body_string(req, "name", NOTIFY_MAX_NAME * 4, true, &in.name, &err);
    json_t *m = json_object_get(req->json, "members"), *c = json_object_get(req->json, "channels");
    if (rc == XN_OK && m && !json_is_array(m))
        rc = xn_fail_field(&err, XN_EINVAL, "bad_members", "members", "成员须是列表");
    if (rc == XN_OK && c && !json_is_array(c))
        rc = xn_fail_field(&err, XN_EINVAL, "bad_channels", "channels", "渠道须是编号列表");
    if (rc == XN_OK && json_array_size(m) > NOTIFY_MAX_MEMBERS)
        rc = xn_fail_field(&err, XN_EINVAL, "too_many", "members", "成员不能超过 %d 人",
                           NOTIFY_MAX_MEMBERS);
    if (rc == XN_OK && json_array_size(c) > 32)
        rc = xn_fail_field(&err, XN_EINVAL, "too_many", "channels", "渠道不能超过 32 个");
    for (size_t i = 0; rc == XN_OK && i < json_array_size(m); i++) {
        json_t *e = json_array_get(m, i);
        notify_member_in *x = &members[in.nmembers];
        memset(x, 0, sizeof *x);
        if (!json_is_object(e) ||
            xn_json_get_int(e, "user_id", true, 1, INT64_MAX, &x->user_id, &err) != XN_OK) {
            rc = xn_fail_field(&err, XN_EINVAL, "bad_members", "members",
                               "第 %zu 位成员须有人员编号 user_id", i + 1);
            break;
        }
        if (xn_json_get_string(e, "mobile", false, 20, &x->mobile, &err) != XN_OK ||
            xn_json_get_string(e, "mail", false, NOTIFY_MAX_MAIL, &x->mail, &err) != XN_OK) {
            rc = xn_fail_field(&err, XN_EINVAL, "bad_members", "members",
                               "第 %zu 位成员的手机号或邮箱不正确", i + 1);
            break;
        }
        in.nmembers++;
    }
    for (size_t i = 0; rc == XN_OK && i < json_array_size(c); i++) {
        json_t *e = json_array_get(c, i);
        if (!json_is_integer(e) || json_integer_value(e) < 1) {
            rc = xn_fail_field(&err, XN_EINVAL, "bad_channels", "channels", "渠道须是编号列表");
            break;
        }
        channels[in.nchannels++] = json_integer_value(e);
    }
    in.members = members;
    in.channels = channels;
    int64_t id = 0;
    audit_actor actor = auth_actor(req->who);
    if (rc == XN_OK)
        rc = notify_group_create(req->app->notify, &actor, &in, &id, &err);
    if (rc != XN_OK)
        return http_refuse(req, resp, &err, "notify.group_create", "notify_group", NULL);
    return http_json(resp, 201, json_pack("{s:I}", "id", (json_int_t)id));
}

int http_h_notify_messages(http_req *req, http_resp *resp)
{
    xn_error err;
    const char *limit_s = NULL;
    if (http_query_checked(req, "limit", 8, &limit_s) != XN_OK)
        return http_error(req, resp, 400, "bad_query", "条数不正确", "limit");
    int64_t limit = 100;
    if (limit_s && xn_parse_int64(limit_s, 1, 500, &limit) != XN_OK)
        return http_error(req, resp, 400, "bad_limit", "条数须在 1 到 500 之间", "limit");
    json_t *out;
    if (notify_messages_json(req->app->notify, (int)limit, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

int http_h_notify_group_test(http_req *req, http_resp *resp)
{
    xn_error err;
    int64_t id, message = 0;
    if (http_id_param(req, resp, &id) != XN_OK)
        return XN_OK;
    audit_actor actor = auth_actor(req->who);
    if (notify_group_test(req->app->notify, &actor, id, &message, &err) != XN_OK)
        return http_refuse(req, resp, &err, "notify.group_test", "notify_group",
                           http_param(req, "id"));
    return http_json(resp, 202, json_pack("{s:I}", "message_id", (json_int_t)message));
}

int http_h_notify_kinds(http_req *req, http_resp *resp)
{
    xn_error err;
    json_t *out;
    if (notify_kinds_json(req->app->notify, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

/* {template}: the new template; null or "" restores the default. */
int http_h_notify_kind_template(http_req *req, http_resp *resp)
{
    xn_error err;
    const char *kind = http_param(req, "kind");
    const char *tmpl = NULL;
    audit_actor actor = auth_actor(req->who);
    int rc = XN_OK;
    /* the text's checks are the room's (Chinese messages naming the field); here only its
     * shape: a string without NUL, or null */
    json_t *v = json_object_get(req->json, "template");
    if (!v)
        rc = xn_fail_field(&err, XN_EINVAL, "required", "template",
                           "缺少模板 template（恢复默认模板请传 null 或空字符串）");
    else if (!json_is_null(v) && !json_is_string(v))
        rc = xn_fail_field(&err, XN_EINVAL, "bad_type", "template", "模板须是文本或 null");
    else if (json_is_string(v) && json_string_length(v) > NOTIFY_MAX_TEMPLATE)
        rc = xn_fail_field(&err, XN_EINVAL, "too_long", "template", "模板不能超过 %d 字节",
                           NOTIFY_MAX_TEMPLATE);
    else if (json_is_string(v) && strlen(json_string_value(v)) != json_string_length(v))
        rc = xn_fail_field(&err, XN_EINVAL, "bad_text", "template", "模板不能包含控制字符");
    else if (json_is_string(v))
        tmpl = json_string_value(v);
    if (rc == XN_OK)
        rc = notify_template_set(req->app->notify, &actor, kind, tmpl, &err);
    if (rc != XN_OK)
        return http_refuse(req, resp, &err, "notify.template_update", "notify_kind", kind);
    return http_json(resp, 200, json_pack("{s:b}", "ok", true));
}
