/*
 * Channels and recipient groups, kept by the system administrator (notify.manage): validated
 * in full before anything is stored, secrets sealed with the field key and masked in every
 * answer, each change audited in its own transaction.
 */
#include "crypto/crypto.h"
#include "notify/notify_int.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MASK "******"

/* ---- validation -------------------------------------------------------------------------- */

static bool is_robot(const char *kind)
{
    return strcmp(kind, "wecom") == 0 || strcmp(kind, "dingtalk") == 0;
}

static bool known_kind(const char *kind)
{
    return is_robot(kind) || strcmp(kind, "webhook") == 0 || strcmp(kind, "mail") == 0;
}

/* Whether host names this machine's loopback or any address (the server listens there). */
static bool local_host(const notify_ctx *n, const char *host)
{
    if (strcasecmp(host, "localhost") == 0 || strcmp(host, "0.0.0.0") == 0 ||
        strcmp(host, "[::]") == 0 || strcmp(host, "[::1]") == 0 || strcmp(host, "::1") == 0 ||
        strncmp(host, "127.", 4) == 0)
        return true;
    return n->self_host[0] && strcasecmp(host, n->self_host) == 0;
}

/* url: http(s) for robots and webhooks, smtp(s) for mail, with a host, not this server. */
static int check_url(const notify_ctx *n, const char *kind, const char *url, xn_error *err)
{
    int rc = xn_check_text(url, NOTIFY_MAX_URL, XN_TEXT_FREE, true, "url", "地址", err);
    if (rc != XN_OK)
        return rc;
    bool mail = strcmp(kind, "mail") == 0;
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL;
    rc = XN_OK;
    if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !*host) {
        rc = xn_fail_field(err, XN_EINVAL, "bad_url", "url", "地址不是完整的网址");
    } else if (!mail && strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
        rc = xn_fail_field(err, XN_EINVAL, "bad_url", "url", "地址须以 http:// 或 https:// 开头");
    } else if (mail && strcmp(scheme, "smtp") != 0 && strcmp(scheme, "smtps") != 0) {
        rc = xn_fail_field(err, XN_EINVAL, "bad_url", "url",
                           "邮件地址须写作 smtp:// 或 smtps://主机:端口");
    } else if (curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK &&
               n->self_port && (unsigned)strtoul(port, NULL, 10) == n->self_port &&
               local_host(n, host)) {
        rc = xn_fail_field(err, XN_EINVAL, "self_url", "url", "地址不能指向本服务器自身");
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return rc;
}

static int check_mail(const char *mail, const char *field, bool required, xn_error *err)
{
    int rc = xn_check_text(mail, NOTIFY_MAX_MAIL, XN_TEXT_FREE, required, field, "邮箱", err);
    if (rc != XN_OK || !mail || !*mail)
        return rc;
    const char *at = strchr(mail, '@');
    if (!at || at == mail || !at[1] || strchr(at + 1, '@') || strpbrk(mail, " <>,;\"\\"))
        return xn_fail_field(err, XN_EINVAL, "bad_mail", field, "邮箱地址格式不正确");
    return XN_OK;
}

static int check_channel(const notify_ctx *n, const notify_channel_in *in, bool create,
                         xn_error *err)
{
    if (create && (!in->kind || !known_kind(in->kind)))
        return xn_fail_field(err, XN_EINVAL, "bad_kind", "kind",
                             "渠道类型只能是 wecom、dingtalk、webhook 或 mail");
    int rc = xn_check_text(in->name, NOTIFY_MAX_NAME, XN_TEXT_LABEL, create, "name", "名称", err);
    if (rc == XN_OK && (create || in->url))
        rc = check_url(n, in->kind, in->url, err);
    if (rc == XN_OK && in->secret && strlen(in->secret) > NOTIFY_MAX_SECRET)
        rc = xn_fail_field(err, XN_EINVAL, "secret_too_long", "secret", "密钥不能超过 %d 字节",
                           NOTIFY_MAX_SECRET);
    if (rc == XN_OK && in->secret && xn_has_control(in->secret, strlen(in->secret)))
        rc = xn_fail_field(err, XN_EINVAL, "bad_secret", "secret", "密钥不能含控制字符");
    if (rc == XN_OK && create && strcmp(in->kind, "dingtalk") == 0 && (!in->secret || !*in->secret))
        rc = xn_fail_field(err, XN_EINVAL, "secret_required", "secret", "钉钉机器人须填写加签密钥");
    bool mail = in->kind && strcmp(in->kind, "mail") == 0;
    if (rc == XN_OK && in->mail_from && !mail)
        rc = xn_fail_field(err, XN_EINVAL, "bad_mail_from", "mail_from", "只有邮件渠道有发件人");
    if (rc == XN_OK && (mail && (create || in->mail_from)))
        rc = check_mail(in->mail_from, "mail_from", true, err);
    if (rc == XN_OK && in->msgtype && (!in->kind || strcmp(in->kind, "wecom") != 0))
        rc = xn_fail_field(err, XN_EINVAL, "bad_msgtype", "msgtype",
                           "只有企业微信机器人可以选择消息类型");
    if (rc == XN_OK && in->msgtype && strcmp(in->msgtype, "text") != 0 &&
        strcmp(in->msgtype, "markdown") != 0)
        rc = xn_fail_field(err, XN_EINVAL, "bad_msgtype", "msgtype",
                           "消息类型只能是 text（文本）或 markdown");
    if (rc == XN_OK && (in->rate_per_min < -1 || in->rate_per_min > 100000))
        rc = xn_fail_field(err, XN_EINVAL, "bad_rate", "rate_per_min",
                           "每分钟条数须在 0（不限）到 100000 之间");
    return rc;
}

/* ---- secrets ----------------------------------------------------------------------------- */

static size_t secret_ad(char *ad, size_t size, int64_t id)
{
    int n = snprintf(ad, size, "notify_channel:%lld", (long long)id);
    return n > 0 ? (size_t)n : 0;
}

static int store_secret(notify_ctx *n, store_conn *tx, int64_t id, const char *secret,
                        xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(
        tx, "UPDATE notify_channel SET secret = $2, secret_alg = $3 WHERE id = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, id);
    if (!secret || !*secret) {
        store_bind_null(st, 2);
        store_bind_null(st, 3);
        return notify_step_done(st, err);
    }
    const auth_settings *a = n->opt.auth;
    if (!a || !a->has_field_key)
        return xn_fail(err, XN_EINTERNAL, "no_field_key", "the field key is not loaded");
    uint8_t sealed[NOTIFY_MAX_SECRET + CRYPTO_SEAL_OVERHEAD];
    size_t len = 0;
    char ad[48];
    size_t ad_len = secret_ad(ad, sizeof ad, id);
    rc = crypto_seal(a->aead, a->field_key, ad, ad_len, secret, strlen(secret), sealed, &len, err);
    if (rc != XN_OK)
        return rc;
    store_bind_blob(st, 2, sealed, len);
    store_bind_text(st, 3, crypto_aead_id(a->aead), -1);
    return notify_step_done(st, err);
}

int notify_open_secret(const notify_ctx *n, int64_t id, const void *sealed, size_t len, char *out,
                       size_t out_size, xn_error *err)
{
    out[0] = '\0';
    if (!sealed || !len)
        return XN_OK;
    const auth_settings *a = n->opt.auth;
    if (!a || !a->has_field_key)
        return xn_fail(err, XN_EINTERNAL, "no_field_key", "the field key is not loaded");
    if (len > NOTIFY_MAX_SECRET + CRYPTO_SEAL_OVERHEAD || out_size < len)
        return xn_fail(err, XN_EINTERNAL, "secret_damaged", "stored channel secret damaged");
    char ad[48];
    size_t ad_len = secret_ad(ad, sizeof ad, id), plain = 0;
    int rc = crypto_open(a->field_key, ad, ad_len, sealed, len, (uint8_t *)out, &plain, err);
    if (rc != XN_OK || plain >= out_size) {
        crypto_wipe(out, out_size);
        return rc != XN_OK ? rc : xn_fail(err, XN_EINTERNAL, "secret_damaged", "secret too long");
    }
    out[plain] = '\0';
    return XN_OK;
}

/* ---- channels ---------------------------------------------------------------------------- */

typedef struct channel_ctx {
    notify_ctx *n;
    const audit_actor *actor;
    const notify_channel_in *in;
    int64_t id;
    int64_t message_id;
} channel_ctx;

static int name_taken(store_conn *tx, const char *name, int64_t except, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(tx,
                           "SELECT 1 FROM notify_channel WHERE name = $1 AND deleted_at IS NULL"
                           " AND id <> $2",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, name, -1);
    store_bind_int(st, 2, except);
    rc = store_step(st, err);
    if (rc == STORE_ROW) {
        store_stmt_done(st);
        return xn_fail_field(err, XN_ECONFLICT, "name_taken", "name", "已有同名渠道");
    }
    return rc < 0 ? rc : XN_OK;
}

static int create_tx(store_conn *tx, void *ctx, xn_error *err)
{
    channel_ctx *c = ctx;
    const notify_channel_in *in = c->in;
    int rc = name_taken(tx, in->name, 0, err);
    if (rc != XN_OK)
        return rc;
    int64_t rate = in->rate_per_min >= 0 ? in->rate_per_min
                   : is_robot(in->kind)  ? c->n->opt.robot_rate
                                         : 0;
    int64_t now = xn_now_us();
    store_stmt *st;
    rc = store_prepare(tx,
                       "INSERT INTO notify_channel (kind, name, url, mail_from, rate_per_min,"
                       " created_at, updated_at, msgtype) VALUES ($1, $2, $3, $4, $5, $6, $6, $7)"
                       " RETURNING id",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, in->kind, -1);
    store_bind_text(st, 2, in->name, -1);
    store_bind_text(st, 3, in->url, -1);
    store_bind_text(st, 4, in->mail_from, -1);
    store_bind_int(st, 5, rate);
    store_bind_int(st, 6, now);
    store_bind_text(st, 7, in->msgtype ? in->msgtype : "text", -1);
    rc = store_step(st, err);
    if (rc != STORE_ROW)
        return rc < 0 ? rc : XN_EINTERNAL;
    c->id = store_col_int(st, 0);
    rc = notify_step_done(st, err);
    if (rc == XN_OK)
        rc = store_secret(c->n, tx, c->id, in->secret, err);
    if (rc != XN_OK)
        return rc;
    /* never the secret: whether there is one */
    json_t *d =
        json_pack("{s:s,s:s,s:s,s:b,s:I}", "kind", in->kind, "name", in->name, "url", in->url,
                  "secret", in->secret && *in->secret, "rate_per_min", (json_int_t)rate);
    if (in->msgtype)
        json_object_set_new(d, "msgtype", json_string(in->msgtype));
    rc = notify_audit(c->n, tx, c->actor, "notify.channel_create", "notify_channel", c->id, d, err);
    json_decref(d);
    return rc;
}

int notify_channel_create(notify_ctx *n, const audit_actor *actor, const notify_channel_in *in,
                          int64_t *id, xn_error *err)
{
    int rc = check_channel(n, in, true, err);
    if (rc != XN_OK)
        return rc;
    channel_ctx c = {.n = n, .actor = actor, .in = in};
    rc = store_tx(n->opt.db, create_tx, &c, err);
    if (rc == XN_OK)
        *id = c.id;
    return rc;
}

/* The kind of a live channel other than the in-app one. */
static int channel_kind(store_conn *tx, int64_t id, char kind[16], xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(tx,
                           "SELECT kind FROM notify_channel WHERE id = $1 AND deleted_at IS NULL"
                           " AND kind <> 'inapp'",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, id);
    rc = store_step(st, err);
    if (rc != STORE_ROW)
        return rc < 0 ? rc : xn_fail(err, XN_ENOTFOUND, "not_found", "没有这个渠道");
    xn_strlcpy(kind, store_col_text(st, 0), 16);
    store_stmt_done(st);
    return XN_OK;
}

static int update_tx(store_conn *tx, void *ctx, xn_error *err)
{
    channel_ctx *c = ctx;
    const notify_channel_in *in = c->in;
    char kind[16];
    int rc = channel_kind(tx, c->id, kind, err);
    if (rc != XN_OK)
        return rc;
    notify_channel_in checked = *in;
    checked.kind = kind;
    rc = check_channel(c->n, &checked, false, err);
    if (rc == XN_OK && in->name)
        rc = name_taken(tx, in->name, c->id, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    rc = store_prepare(tx,
                       "UPDATE notify_channel SET name = coalesce($2, name), url = coalesce($3,"
                       " url), mail_from = coalesce($4, mail_from), rate_per_min = CASE WHEN"
                       " $5 < 0 THEN rate_per_min ELSE $5 END, updated_at = $6, msgtype ="
                       " coalesce($7, msgtype) WHERE id = $1",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, c->id);
    store_bind_text(st, 2, in->name, -1);
    store_bind_text(st, 3, in->url, -1);
    store_bind_text(st, 4, in->mail_from, -1);
    store_bind_int(st, 5, in->rate_per_min);
    store_bind_int(st, 6, xn_now_us());
    store_bind_text(st, 7, in->msgtype, -1);
    rc = notify_step_done(st, err);
    if (rc == XN_OK && in->secret)
        rc = store_secret(c->n, tx, c->id, in->secret, err);
    if (rc != XN_OK)
        return rc;
    json_t *d = json_object();
    if (in->name)
        json_object_set_new(d, "name", json_string(in->name));
    if (in->url)
        json_object_set_new(d, "url", json_string(in->url));
    if (in->secret)
        json_object_set_new(d, "secret", json_string(*in->secret ? "replaced" : "removed"));
    if (in->rate_per_min >= 0)
        json_object_set_new(d, "rate_per_min", json_integer(in->rate_per_min));
    if (in->msgtype)
        json_object_set_new(d, "msgtype", json_string(in->msgtype));
    rc = notify_audit(c->n, tx, c->actor, "notify.channel_update", "notify_channel", c->id, d, err);
    json_decref(d);
    return rc;
}

int notify_channel_update(notify_ctx *n, const audit_actor *actor, int64_t id,
                          const notify_channel_in *in, xn_error *err)
{
    channel_ctx c = {.n = n, .actor = actor, .in = in, .id = id};
    return store_tx(n->opt.db, update_tx, &c, err);
}

static int delete_tx(store_conn *tx, void *ctx, xn_error *err)
{
    channel_ctx *c = ctx;
    char kind[16];
    int rc = channel_kind(tx, c->id, kind, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    /* kept (deleted_at) so the messages sent through it still name it; its secret goes */
    rc = store_prepare(tx,
                       "UPDATE notify_channel SET deleted_at = $2, secret = NULL, secret_alg ="
                       " NULL WHERE id = $1",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, c->id);
    store_bind_int(st, 2, xn_now_us());
    rc = notify_step_done(st, err);
    if (rc == XN_OK)
        rc = store_prepare(tx, "DELETE FROM notify_group_channel WHERE channel_id = $1", &st, err);
    if (rc == XN_OK) {
        store_bind_int(st, 1, c->id);
        rc = notify_step_done(st, err);
    }
    if (rc == XN_OK)
        rc = store_prepare(tx,
                           "UPDATE notify_delivery SET state = 'failed', last_error = '渠道已删除'"
                           " WHERE channel_id = $1 AND state = 'pending'",
                           &st, err);
    if (rc == XN_OK) {
        store_bind_int(st, 1, c->id);
        rc = notify_step_done(st, err);
    }
    if (rc == XN_OK)
        rc = notify_audit(c->n, tx, c->actor, "notify.channel_delete", "notify_channel", c->id,
                          NULL, err);
    return rc;
}

int notify_channel_delete(notify_ctx *n, const audit_actor *actor, int64_t id, xn_error *err)
{
    channel_ctx c = {.n = n, .actor = actor, .id = id};
    return store_tx(n->opt.db, delete_tx, &c, err);
}

static int test_tx(store_conn *tx, void *ctx, xn_error *err)
{
    channel_ctx *c = ctx;
    store_stmt *st;
    int rc = store_prepare(
        tx, "SELECT name FROM notify_channel WHERE id = $1 AND deleted_at IS NULL", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, c->id);
    rc = store_step(st, err);
    if (rc != STORE_ROW)
        return rc < 0 ? rc : xn_fail(err, XN_ENOTFOUND, "not_found", "没有这个渠道");
    char name[NOTIFY_MAX_NAME * 4 + 1];
    xn_strlcpy(name, store_col_text(st, 0), sizeof name);
    store_stmt_done(st);
    const notify_event_kind *k = notify_find_kind(c->n, "notify.test");
    if (!k)
        return xn_fail(err, XN_EINTERNAL, "internal", "no notify.test event kind");
    json_t *vars = json_pack("{s:s}", "channel", name);
    xn_buf body;
    xn_buf_init(&body, NOTIFY_MAX_TEXT);
    rc = notify_render_kind(c->n, tx, k, vars, &body, err);
    char oid[24];
    snprintf(oid, sizeof oid, "%lld", (long long)c->id);
    if (rc == XN_OK)
        rc = notify_write(c->n, tx, k, 0, "notify_channel", oid, body.data ? body.data : "", &c->id,
                          1, &c->message_id, err);
    xn_buf_release(&body);
    json_decref(vars);
    if (rc == XN_OK)
        rc = notify_audit(c->n, tx, c->actor, "notify.channel_test", "notify_channel", c->id, NULL,
                          err);
    return rc;
}

int notify_channel_test(notify_ctx *n, const audit_actor *actor, int64_t id, int64_t *message_id,
                        xn_error *err)
{
    channel_ctx c = {.n = n, .actor = actor, .id = id};
    int rc = store_tx(n->opt.db, test_tx, &c, err);
    if (rc == XN_OK && message_id)
        *message_id = c.message_id;
    return rc;
}

static json_t *int_or_null(store_stmt *st, int col)
{
    return store_col_is_null(st, col) ? json_null() : json_integer(store_col_int(st, col));
}

static json_t *text_or_null(store_stmt *st, int col)
{
    return store_col_is_null(st, col) ? json_null() : json_string(store_col_text(st, col));
}

int notify_channels_json(notify_ctx *n, json_t **out, xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(n->opt.db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    rc = store_prepare(c,
                       "SELECT id, kind, name, url, secret IS NOT NULL, mail_from, rate_per_min,"
                       " failing_since, last_error, created_at, updated_at, msgtype FROM"
                       " notify_channel"
                       " WHERE deleted_at IS NULL ORDER BY id",
                       &st, err);
    json_t *items = json_array();
    while (rc == XN_OK && (rc = store_step(st, err)) == STORE_ROW) {
        rc = XN_OK;
        bool has = store_col_int(st, 4) != 0;
        json_array_append_new(
            items, json_pack("{s:I,s:s,s:s,s:s,s:o,s:b,s:o,s:I,s:o,s:o,s:I,s:I}", "id",
                             (json_int_t)store_col_int(st, 0), "kind", store_col_text(st, 1),
                             "name", store_col_text(st, 2), "url", store_col_text(st, 3), "secret",
                             has ? json_string(MASK) : json_null(), "has_secret", has, "mail_from",
                             text_or_null(st, 5), "rate_per_min", (json_int_t)store_col_int(st, 6),
                             "failing_since", int_or_null(st, 7), "last_error", text_or_null(st, 8),
                             "created_at", (json_int_t)store_col_int(st, 9), "updated_at",
                             (json_int_t)store_col_int(st, 10)));
        json_object_set_new(json_array_get(items, json_array_size(items) - 1), "msgtype",
                            json_string(store_col_text(st, 11)));
    }
    store_release(c);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    *out = json_pack("{s:o}", "items", items);
    return XN_OK;
}

/* ---- groups ------------------------------------------------------------------------------ */

typedef struct group_ctx {
    notify_ctx *n;
    const audit_actor *actor;
    const notify_group_in *in;
    int64_t id;
} group_ctx;

static int group_tx(store_conn *tx, void *ctx, xn_error *err)
{
    group_ctx *g = ctx;
    const notify_group_in *in = g->in;
    store_stmt *st;
    int rc = store_prepare(tx, "SELECT 1 FROM notify_group WHERE name = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, in->name, -1);
    rc = store_step(st, err);
    if (rc == STORE_ROW) {
        store_stmt_done(st);
        return xn_fail_field(err, XN_ECONFLICT, "name_taken", "name", "已有同名接收组");
    }
    if (rc < 0)
        return rc;
    rc = store_prepare(
        tx, "INSERT INTO notify_group (name, created_at) VALUES ($1, $2) RETURNING id", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, in->name, -1);
    store_bind_int(st, 2, xn_now_us());
    rc = store_step(st, err);
    if (rc != STORE_ROW)
        return rc < 0 ? rc : XN_EINTERNAL;
    g->id = store_col_int(st, 0);
    rc = notify_step_done(st, err);
    for (size_t i = 0; rc == XN_OK && i < in->nmembers; i++) {
        const notify_member_in *m = &in->members[i];
        char name[AUTH_MAX_NAME * 4 + 1], phone[64];
        rc = auth_user_contact(tx, m->user_id, name, sizeof name, phone, sizeof phone, err);
        if (rc == XN_ENOTFOUND)
            rc = xn_fail_field(err, XN_EINVAL, "no_user", "members", "第 %zu 位成员不存在", i + 1);
        if (rc != XN_OK)
            break;
        rc =
            store_prepare(tx,
                          "INSERT INTO notify_group_member (group_id, user_id, name, mobile, mail)"
                          " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (group_id, user_id) DO NOTHING",
                          &st, err);
        if (rc != XN_OK)
            break;
        store_bind_int(st, 1, g->id);
        store_bind_int(st, 2, m->user_id);
        store_bind_text(st, 3, name, -1);
        store_bind_text(st, 4, m->mobile ? m->mobile : phone, -1);
        store_bind_text(st, 5, m->mail ? m->mail : "", -1);
        rc = notify_step_done(st, err);
    }
    for (size_t i = 0; rc == XN_OK && i < in->nchannels; i++) {
        rc = store_prepare(tx,
                           "INSERT INTO notify_group_channel (group_id, channel_id) SELECT $1, id"
                           " FROM notify_channel WHERE id = $2 AND deleted_at IS NULL"
                           " ON CONFLICT (group_id, channel_id) DO NOTHING",
                           &st, err);
        if (rc != XN_OK)
            break;
        store_bind_int(st, 1, g->id);
        store_bind_int(st, 2, in->channels[i]);
        rc = notify_step_done(st, err);
        if (rc == XN_OK && store_changes(tx) == 0) {
            /* a duplicate in the list is harmless; an unknown channel is not */
            bool dup = false;
            for (size_t j = 0; j < i; j++)
                dup = dup || in->channels[j] == in->channels[i];
            if (!dup)
                rc = xn_fail_field(err, XN_EINVAL, "no_channel", "channels", "第 %zu 个渠道不存在",
                                   i + 1);
        }
    }
    if (rc != XN_OK)
        return rc;
    json_t *d = json_pack("{s:s,s:i,s:i}", "name", in->name, "members", (int)in->nmembers,
                          "channels", (int)in->nchannels);
    rc = notify_audit(g->n, tx, g->actor, "notify.group_create", "notify_group", g->id, d, err);
    json_decref(d);
    return rc;
}

int notify_group_create(notify_ctx *n, const audit_actor *actor, const notify_group_in *in,
                        int64_t *id, xn_error *err)
{
    int rc = xn_check_text(in->name, NOTIFY_MAX_NAME, XN_TEXT_LABEL, true, "name", "名称", err);
    if (rc == XN_OK && in->nmembers > NOTIFY_MAX_MEMBERS)
        rc = xn_fail_field(err, XN_EINVAL, "too_many", "members", "成员不能超过 %d 人",
                           NOTIFY_MAX_MEMBERS);
    if (rc == XN_OK && in->nchannels > 32)
        rc = xn_fail_field(err, XN_EINVAL, "too_many", "channels", "渠道不能超过 32 个");
    for (size_t i = 0; rc == XN_OK && i < in->nmembers; i++) {
        const notify_member_in *m = &in->members[i];
        if (m->mobile &&
            (strlen(m->mobile) > 20 || strspn(m->mobile, "0123456789+-") != strlen(m->mobile)))
            rc = xn_fail_field(err, XN_EINVAL, "bad_mobile", "members",
                               "第 %zu 位成员的手机号不正确", i + 1);
        else if (m->mail)
            rc = check_mail(m->mail, "members", false, err);
    }
    if (rc != XN_OK)
        return rc;
    group_ctx g = {.n = n, .actor = actor, .in = in};
    rc = store_tx(n->opt.db, group_tx, &g, err);
    if (rc == XN_OK)
        *id = g.id;
    return rc;
}

int notify_groups_json(notify_ctx *n, json_t **out, xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(n->opt.db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    json_t *items = json_array();
    rc = store_prepare(c, "SELECT id, name, created_at FROM notify_group ORDER BY id", &st, err);
    while (rc == XN_OK && (rc = store_step(st, err)) == STORE_ROW) {
        rc = XN_OK;
        json_array_append_new(
            items, json_pack("{s:I,s:s,s:I,s:[],s:[]}", "id", (json_int_t)store_col_int(st, 0),
                             "name", store_col_text(st, 1), "created_at",
                             (json_int_t)store_col_int(st, 2), "members", "channels"));
    }
    for (size_t i = 0; rc >= 0 && i < json_array_size(items); i++) {
        json_t *g = json_array_get(items, i);
        int64_t id = json_integer_value(json_object_get(g, "id"));
        rc = store_prepare(c,
                           "SELECT user_id, name, mobile, mail FROM notify_group_member"
                           " WHERE group_id = $1 ORDER BY user_id",
                           &st, err);
        if (rc == XN_OK)
            store_bind_int(st, 1, id);
        while (rc == XN_OK && (rc = store_step(st, err)) == STORE_ROW) {
            rc = XN_OK;
            json_array_append_new(json_object_get(g, "members"),
                                  json_pack("{s:I,s:s,s:s,s:s}", "user_id",
                                            (json_int_t)store_col_int(st, 0), "name",
                                            store_col_text(st, 1), "mobile", store_col_text(st, 2),
                                            "mail", store_col_text(st, 3)));
        }
        if (rc < 0)
            break;
        rc = store_prepare(c,
                           "SELECT c.id, c.name, c.kind FROM notify_group_channel gc JOIN"
                           " notify_channel c ON c.id = gc.channel_id WHERE gc.group_id = $1"
                           " AND c.deleted_at IS NULL ORDER BY c.id",
                           &st, err);
        if (rc == XN_OK)
            store_bind_int(st, 1, id);
        while (rc == XN_OK && (rc = store_step(st, err)) == STORE_ROW) {
            rc = XN_OK;
            json_array_append_new(json_object_get(g, "channels"),
                                  json_pack("{s:I,s:s,s:s}", "id", (json_int_t)store_col_int(st, 0),
                                            "name", store_col_text(st, 1), "kind",
                                            store_col_text(st, 2)));
        }
    }
    store_release(c);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    *out = json_pack("{s:o}", "items", items);
    return XN_OK;
}

typedef struct group_test_ctx {
    notify_ctx *n;
    const audit_actor *actor;
    int64_t id, message_id;
} group_test_ctx;

static int group_test_tx(store_conn *tx, void *ctx, xn_error *err)
{
    group_test_ctx *g = ctx;
    store_stmt *st;
    int rc = store_prepare(tx, "SELECT name FROM notify_group WHERE id = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, g->id);
    rc = store_step(st, err);
    if (rc != STORE_ROW)
        return rc < 0 ? rc : xn_fail(err, XN_ENOTFOUND, "not_found", "没有这个接收组");
    char name[NOTIFY_MAX_NAME * 4 + 1];
    xn_strlcpy(name, store_col_text(st, 0), sizeof name);
    store_stmt_done(st);
    char oid[24];
    snprintf(oid, sizeof oid, "%lld", (long long)g->id);
    json_t *vars = json_pack("{s:s}", "group", name);
    rc = notify_raise(g->n, tx, "notify.group_test", name, "notify_group", oid, vars,
                      &g->message_id, err);
    json_decref(vars);
    if (rc == XN_OK)
        rc =
            notify_audit(g->n, tx, g->actor, "notify.group_test", "notify_group", g->id, NULL, err);
    return rc;
}

int notify_group_test(notify_ctx *n, const audit_actor *actor, int64_t id, int64_t *message_id,
                      xn_error *err)
{
    group_test_ctx g = {.n = n, .actor = actor, .id = id};
    int rc = store_tx(n->opt.db, group_test_tx, &g, err);
    if (rc == XN_OK && message_id)
        *message_id = g.message_id;
    return rc;
}

int notify_group_members(store_conn *c, const char *group, int64_t *ids, size_t max, size_t *n,
                         xn_error *err)
{
    *n = 0;
    store_stmt *st;
    int rc = store_prepare(c,
                           "SELECT m.user_id FROM notify_group_member m JOIN notify_group g"
                           " ON g.id = m.group_id WHERE g.name = $1 ORDER BY m.user_id",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, group, -1);
    while ((rc = store_step(st, err)) == STORE_ROW) {
        if (*n == max) {
            store_stmt_done(st);
            rc = XN_OK;
            break;
        }
        ids[(*n)++] = store_col_int(st, 0);
    }
    if (rc < 0)
        return rc;
    return XN_OK;
}
