/*
 * Website watch (MON-1, MON-3, MON-6, MON-10): the sites with their states, one site with its
 * checks and alarms, adding and removing a site (the system administrator), and a check now.
 * The guard agents' reports, manifests and quarantined files. The monitor room checks and
 * records; these handlers only translate.
 */
#include "http/http_internal.h"

#include <stdlib.h>
#include <string.h>

int http_h_monitor_sites(http_req *req, http_resp *resp)
{
    json_t *out = NULL;
    xn_error err;
    if (monitor_sites_json(req->app->monitor, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

int http_h_monitor_site(http_req *req, http_resp *resp)
{
    int64_t id;
    if (http_id_param(req, resp, &id) != XN_OK)
        return 0;
    json_t *out = NULL;
    xn_error err;
    if (monitor_site_json(req->app->monitor, id, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

static int opt_string(http_req *req, const char *name, size_t max, const char **out, xn_error *err)
{
    *out = NULL;
    json_t *v = json_object_get(req->json, name);
    if (!v || json_is_null(v))
        return XN_OK;
    return http_body_string(req, name, max, false, out, err);
}

static int int_member(http_req *req, const char *name, int dflt, int *out, xn_error *err)
{
    json_t *v = json_object_get(req->json, name);
    *out = dflt;
    if (!v || json_is_null(v))
        return XN_OK;
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 1000000)
        return xn_fail_field(err, XN_EINVAL, "bad_type", name, "%s 须为整数", name);
    *out = (int)json_integer_value(v);
    return XN_OK;
}

int http_h_monitor_site_create(http_req *req, http_resp *resp)
{
    xn_error err;
    monitor_site_in in = {0};
    int rc = http_body_string(req, "name", 120, true, &in.name, &err);
    if (rc == XN_OK)
        rc = http_body_string(req, "url", MONITOR_MAX_URL, true, &in.url, &err);
    if (rc == XN_OK)
        rc = int_member(req, "interval_s", 60, &in.interval_s, &err);
    if (rc == XN_OK)
        rc = int_member(req, "failures", 2, &in.failures, &err);
    if (rc == XN_OK)
        rc = opt_string(req, "group", 64, &in.group, &err);
    if (rc == XN_OK)
        rc = opt_string(req, "must_words", MONITOR_MAX_WORDS, &in.must_words, &err);
    if (rc == XN_OK)
        rc = opt_string(req, "forbidden_words", MONITOR_MAX_WORDS, &in.forbidden_words, &err);
    if (rc == XN_OK)
        rc = opt_string(req, "allow_hosts", MONITOR_MAX_WORDS, &in.allow_hosts, &err);
    if (rc == XN_OK)
        rc = opt_string(req, "noise", MONITOR_MAX_WORDS, &in.noise, &err);
    json_t *pt = json_object_get(req->json, "publish_target");
    if (rc == XN_OK && pt && !json_is_boolean(pt))
        rc = xn_fail_field(&err, XN_EINVAL, "bad_type", "publish_target",
                           "publish_target 须为 true 或 false");
    in.publish_target = json_is_true(pt);
    json_t *v6 = json_object_get(req->json, "ipv6");
    if (rc == XN_OK && v6 && !json_is_boolean(v6))
        rc = xn_fail_field(&err, XN_EINVAL, "bad_type", "ipv6", "ipv6 须为 true 或 false");
    in.ipv6 = json_is_true(v6);
    int64_t id = 0;
    audit_actor actor = auth_actor(req->who);
    if (rc == XN_OK)
        rc = monitor_site_create(req->app->monitor, &actor, &in, &id, &err);
    if (rc != XN_OK)
        return http_refuse(req, resp, &err, "monitor.site_create", "monitor_site", NULL);
    json_t *out = NULL;
    if (monitor_site_json(req->app->monitor, id, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 201, out);
}

int http_h_monitor_site_delete(http_req *req, http_resp *resp)
{
    int64_t id;
    if (http_id_param(req, resp, &id) != XN_OK)
        return 0;
    xn_error err;
    audit_actor actor = auth_actor(req->who);
    if (monitor_site_delete(req->app->monitor, &actor, id, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, json_pack("{s:b}", "removed", true));
}

int http_h_monitor_site_check(http_req *req, http_resp *resp)
{
    int64_t id;
    if (http_id_param(req, resp, &id) != XN_OK)
        return 0;
    xn_error err;
    if (monitor_check_site(req->app->monitor, id, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_h_monitor_site(req, resp);
}

/* ---- the guard agents ---------------------------------------------------------------------- */

int http_h_guard_report(http_req *req, http_resp *resp)
{
    auth_agent a;
    if (http_agent_authorise(req, resp, "guard", &a) != XN_OK)
        return 0;
    int stored = 0;
    xn_error err;
    if (monitor_guard_report(req->app->monitor, a.id, a.name, req->json, &stored, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, json_pack("{s:i}", "stored", stored));
}

/* The signed manifest an agent enforces (?have=<digest>: 204 when it is still current). */
int http_h_guard_manifest(http_req *req, http_resp *resp)
{
    auth_agent a;
    if (http_agent_authorise(req, resp, "guard", &a) != XN_OK)
        return 0;
    const char *have = NULL;
    if (http_query_checked(req, "have", 64, &have) != XN_OK)
        return http_error(req, resp, 400, "bad_request", "have must be a digest", "have");
    json_t *out = NULL;
    xn_error err;
    if (publish_guard_manifest(req->app->publish, have, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    if (!out) {
        resp->status = 204;
        return 0;
    }
    return http_json(resp, 200, out);
}

/* The site's signing key and the current manifest's digest, for the administrator enrolling an
 * agent with --key (read here, typed there: the agent pins what the administrator saw). */
int http_h_guard_site_key(http_req *req, http_resp *resp)
{
    json_t *doc = NULL;
    xn_error err;
    int rc = publish_guard_manifest(req->app->publish, NULL, &doc, &err);
    /* nothing published yet is an answer, not an error: no key to show */
    if (rc == XN_ENOTFOUND)
        return http_json(resp, 200, json_pack("{s:n, s:n}", "public_key", "digest"));
    if (rc != XN_OK)
        return http_fail(req, resp, &err);
    json_t *out = json_pack("{s:O, s:O}", "public_key", json_object_get(doc, "public_key"),
                            "digest", json_object_get(doc, "digest"));
    json_decref(doc);
    return http_json(resp, 200, out);
}

/* An approved file by its digest, for an agent's store. */
int http_h_guard_file(http_req *req, http_resp *resp)
{
    auth_agent a;
    if (http_agent_authorise(req, resp, "guard", &a) != XN_OK)
        return 0;
    int fd;
    uint64_t size;
    xn_error err;
    if (publish_guard_file(req->app->publish, http_param(req, "digest"), &fd, &size, &err) != XN_OK)
        return http_fail(req, resp, &err);
    http_file(resp, 200, "application/octet-stream", fd, size, "");
    return 0;
}

int http_h_guard_agents(http_req *req, http_resp *resp)
{
    json_t *out = NULL;
    xn_error err;
    if (monitor_guards_json(req->app->monitor, &out, &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}

/* ---- quarantined files ----------------------------------------------------------------------
 * POST /api/guard/quarantine/:digest: an agent (token of scope guard) uploads a file it
 * quarantined and reported; the body streams into the files room (class quarantine) while its
 * SHA-256 is computed, whatever crypto.mode the files room hashes with, and is committed only
 * when it is the digest of the path. Content held already is read and checked, not stored again.
 */

#define GUARD_SHA256_HEX 64

typedef struct quarantine_up {
    auth_agent agent;
    audit_actor actor; /* the agent, for the files room (outlives the upload) */
    char sha256[GUARD_SHA256_HEX + 1];
    char path[MONITOR_GUARD_PATH];
    int64_t held;    /* the file already held for the digest, else 0 */
    files_upload *u; /* the upload, NULL when held */
    crypto_hasher hash;
    bool hashing;
    uint64_t size, max;
} quarantine_up;

static bool is_sha256(const char *s)
{
    if (!s || strlen(s) != GUARD_SHA256_HEX)
        return false;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return false;
    return true;
}

/* The stored name: the file's own name on the host when it is an acceptable file name. */
static const char *quarantine_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    xn_error ignored;
    return files_check_name(base, strlen(base), &ignored) == XN_OK ? base : "quarantined";
}

static int quarantine_open(http_req *req, http_resp *resp, int64_t declared)
{
    files_store *f = req->app->files;
    req->body_max = files_max_size(f);
    auth_agent a;
    if (http_agent_authorise(req, resp, "guard", &a) != XN_OK)
        return XN_EDENIED;
    const char *sha = http_param(req, "digest");
    if (!is_sha256(sha)) {
        http_error(req, resp, 400, "bad_digest", "摘要须为 64 位小写十六进制 SHA-256", "digest");
        return XN_EINVAL;
    }
    xn_error err;
    quarantine_up *q = xn_xcalloc(1, sizeof *q);
    q->agent = a;
    q->actor = (audit_actor){.kind = "agent", .name = q->agent.id, .source = req->peer};
    q->max = files_max_size(f);
    snprintf(q->sha256, sizeof q->sha256, "%s", sha);
    int rc = monitor_guard_quarantine_find(req->app->monitor, a.id, sha, q->path, &q->held, &err);
    if (rc == XN_OK && declared > 0 && (uint64_t)declared > q->max)
        rc = xn_fail_field(&err, XN_ETOOBIG, "too_large", "file",
                           "文件超过上限 %llu 字节（files.max_size）", (unsigned long long)q->max);
    if (rc == XN_OK && !q->held)
        rc = files_upload_begin_class(f, &q->actor, FILES_QUARANTINE, quarantine_name(q->path),
                                      declared, &q->u, &err);
    if (rc == XN_OK)
        rc = crypto_hasher_init(&q->hash, CRYPTO_SHA256, NULL) == XN_OK
                 ? XN_OK
                 : xn_fail(&err, XN_EINTERNAL, "hash", "cannot start the digest");
    if (rc != XN_OK) {
        files_upload_free(q->u);
        free(q);
        http_fail(req, resp, &err);
        return rc;
    }
    q->hashing = true;
    req->stream = q;
    return 0;
}

static int quarantine_write(http_req *req, const char *data, size_t len, http_resp *resp)
{
    quarantine_up *q = req->stream;
    xn_error err;
    int rc = XN_OK;
    if (len > q->max - q->size)
        rc = xn_fail_field(&err, XN_ETOOBIG, "too_large", "file",
                           "文件超过上限 %llu 字节（files.max_size）", (unsigned long long)q->max);
    else if (q->u)
        rc = files_upload_write(q->u, data, len, &err);
    if (rc != XN_OK) {
        http_fail(req, resp, &err);
        return rc;
    }
    q->size += len;
    crypto_hasher_update(&q->hash, data, len);
    return XN_OK;
}

static void quarantine_close(http_req *req, bool completed)
{
    (void)completed; /* a finished upload is committed; any other is deleted */
    quarantine_up *q = req->stream;
    if (q->hashing) {
        uint8_t d[CRYPTO_HASH_BYTES];
        crypto_hasher_final(&q->hash, d);
    }
    files_upload_free(q->u);
    free(q);
}

const http_stream http_guard_quarantine_stream = {
    .open = quarantine_open,
    .write = quarantine_write,
    .close = quarantine_close,
};

typedef struct quarantine_link_ctx {
    monitor_ctx *m;
    const quarantine_up *q;
} quarantine_link_ctx;

static int quarantine_link(store_conn *tx, const files_info *fi, void *ctx, xn_error *err)
{
    quarantine_link_ctx *l = ctx;
    return monitor_guard_quarantine_link(l->m, tx, l->q->agent.id, l->q->sha256, l->q->path, fi->id,
                                         fi->size, err);
}

int http_h_guard_quarantine_upload(http_req *req, http_resp *resp)
{
    quarantine_up *q = req->stream;
    uint8_t d[CRYPTO_HASH_BYTES];
    char hex[2 * CRYPTO_HASH_BYTES + 1];
    crypto_hasher_final(&q->hash, d);
    q->hashing = false;
    xn_hex(d, sizeof d, hex);
    if (strcmp(hex, q->sha256) != 0)
        return http_error(req, resp, 400, "digest_mismatch",
                          "文件内容的 SHA-256 与路径中的摘要不符", "digest");
    if (q->held)
        return http_json(resp, 200,
                         json_pack("{s:I, s:b}", "file_id", (json_int_t)q->held, "stored", false));
    xn_error err;
    files_info fi;
    quarantine_link_ctx l = {req->app->monitor, q};
    int rc = files_upload_finish_link(q->u, quarantine_link, &l, &fi, &err);
    if (rc == XN_ECONFLICT && strcmp(err.code, "already_stored") == 0) {
        int64_t id = 0;
        if (monitor_guard_quarantine_file(req->app->monitor, q->sha256, &id, &err) != XN_OK)
            return http_fail(req, resp, &err);
        return http_json(resp, 200,
                         json_pack("{s:I, s:b}", "file_id", (json_int_t)id, "stored", false));
    }
    if (rc != XN_OK)
        return http_fail(req, resp, &err);
    /* PUB-12: the verdict is recorded as for any upload; infected is what malware is, and
     * refuses nothing here (an outage leaves it pending for the files.scan job) */
    if (strcmp(fi.scan, "pending") == 0) {
        char state[16] = "pending";
        if (files_scan_file(req->app->files, fi.id, state, &err) != XN_OK)
            xn_log_event(req->app->log, XN_LOG_WARN, "files.scan_failed", "request_id",
                         req->request_id, "error", err.message, XN_LOG_END);
        snprintf(fi.scan, sizeof fi.scan, "%s", state);
    }
    return http_json(resp, 201,
                     json_pack("{s:I, s:b, s:s}", "file_id", (json_int_t)fi.id, "stored", true,
                               "scan", fi.scan));
}

static ssize_t quarantine_read(void *cls, uint64_t pos, void *buf, size_t max)
{
    return files_reader_read(cls, pos, buf, max);
}

static void quarantine_read_free(void *cls)
{
    files_reader_free(cls);
}

/* A quarantined file for the administrators who handle the guards' findings: never as its own
 * type (it is a webshell, a defaced page) and never inline. */
int http_h_guard_quarantine_download(http_req *req, http_resp *resp)
{
    const char *sha = http_param(req, "digest");
    if (!is_sha256(sha))
        return http_error(req, resp, 400, "bad_digest", "摘要须为 64 位小写十六进制 SHA-256",
                          "digest");
    xn_error err;
    int64_t id = 0;
    files_info fi;
    files_store *f = req->app->files;
    if (monitor_guard_quarantine_file(req->app->monitor, sha, &id, &err) != XN_OK ||
        files_quarantine_get(f, id, &fi, &err) != XN_OK)
        return http_fail(req, resp, &err);
    /* saved as name.quarantine, so that opening the download does not run it */
    char name[FILES_MAX_NAME + 16], disposition[sizeof resp->disposition];
    snprintf(name, sizeof name, "%s.quarantine", fi.name);
    if (files_disposition(name, disposition, sizeof disposition) != XN_OK)
        return http_error(req, resp, 500, "internal", "服务器内部错误 (internal server error)",
                          NULL);
    files_reader *r = NULL;
    audit_actor actor = auth_actor(req->who);
    /* AUD-1: the download is on the trail before a byte leaves */
    if (files_audit_read(f, &actor, &fi, AUDIT_OK, NULL, &err) != XN_OK ||
        files_reader_open(f, &fi, &r, &err) != XN_OK)
        return http_fail(req, resp, &err);
    http_stream_response(resp, 200, "application/octet-stream", (uint64_t)fi.size, quarantine_read,
                         quarantine_read_free, r, disposition);
    return 0;
}
