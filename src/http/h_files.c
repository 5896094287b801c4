/*
 * Evidence files (room files/): POST /api/files streams the raw body into the database
 * (HTTP_STREAM_BODY; the name in X-Filename, percent-encoded UTF-8) and answers 201
 * {id, digest, size, type, scan}; GET /api/files/:id downloads as an attachment, streamed from
 * the chunks; GET /api/files/:id/meta gives the metadata; GET /api/files lists the files the
 * caller may see, newest first (?cursor=&limit=). Who may read which file is the files room's
 * rule (files_may_read); every download and every refusal is recorded.
 */
#include "http/http_internal.h"

#include <stdlib.h>
#include <string.h>

/* X-Filename: percent-encoded UTF-8 (RFC 3986), decoded strictly; NUL and invalid escapes
 * are refused, the rest is files_check_name's. */
static int decode_filename(http_req *req, const char *raw, const char **out, xn_error *err)
{
    if (!raw || !*raw)
        return xn_fail_field(err, XN_EINVAL, "required", "filename",
                             "缺少文件名（X-Filename 请求头，UTF-8 百分号编码）");
    size_t n = strlen(raw);
    if (n > 3 * FILES_MAX_NAME)
        return xn_fail_field(err, XN_EINVAL, "too_long", "filename", "文件名不能超过 %d 字节",
                             FILES_MAX_NAME);
    char *name = xn_arena_alloc(req->arena, n + 1);
    if (!name)
        return xn_fail(err, XN_ENOMEM, "no_memory", "内存不足");
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)raw[i];
        if (ch == '%') {
            if (i + 2 >= n) /* fewer than two characters follow */
                return xn_fail_field(err, XN_EINVAL, "bad_filename", "filename",
                                     "文件名的百分号编码无效");
            int v = 0;
            for (int k = 1; k <= 2; k++) {
                char c = raw[i + (size_t)k];
                int d = c >= '0' && c <= '9'   ? c - '0'
                        : c >= 'a' && c <= 'f' ? c - 'a' + 10
                        : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                               : -1;
                if (d < 0)
                    return xn_fail_field(err, XN_EINVAL, "bad_filename", "filename",
                                         "文件名的百分号编码无效");
                v = v * 16 + d;
            }
            name[len++] = (char)v;
            i += 2;
        } else {
            name[len++] = (char)ch;
        }
    }
    name[len] = '\0';
    int rc = files_check_name(name, len, err);
    if (rc == XN_OK)
        *out = name;
    return rc;
}

static int upload_open(http_req *req, http_resp *resp, int64_t declared)
{
    xn_error err;
    files_store *f = req->app->files;
    const char *name = NULL;
    req->body_max = files_max_size(f); /* also bounds the drain of a refused body */
    int rc = decode_filename(req, http_header(req, "X-Filename"), &name, &err);
    audit_actor *actor = xn_arena_alloc(req->arena, sizeof *actor);
    if (rc == XN_OK && !actor)
        rc = xn_fail(&err, XN_ENOMEM, "no_memory", "内存不足");
    if (rc == XN_OK) {
        *actor = auth_actor(req->who);
        files_upload *u = NULL;
        rc = files_upload_begin(f, actor, name, declared, &u, &err);
        if (rc == XN_OK)
            req->stream = u;
    }
    if (rc != XN_OK) {
        http_fail(req, resp, &err);
        return rc;
    }
    return 0;
}

static int upload_write(http_req *req, const char *data, size_t len, http_resp *resp)
{
    xn_error err;
    int rc = files_upload_write(req->stream, data, len, &err);
    if (rc != XN_OK)
        http_fail(req, resp, &err);
    return rc;
}

static void upload_close(http_req *req, bool completed)
{
    (void)completed; /* a finished upload is committed; any other is deleted */
    files_upload_free(req->stream);
}

const http_stream http_file_upload_stream = {
    .open = upload_open,
    .write = upload_write,
    .close = upload_close,
};

int http_h_file_upload(http_req *req, http_resp *resp)
{
    xn_error err;
    files_info fi;
    files_store *f = req->app->files;
    if (files_upload_finish(req->stream, &fi, &err) != XN_OK)
        return http_fail(req, resp, &err);
    /* PUB-12: scanned now, bounded by clamd's timeouts, so the uploader sees the verdict; an
     * outage leaves it pending for the files.scan job (cli/job_kinds.c) */
    if (strcmp(fi.scan, "pending") == 0) {
        char state[16];
        if (files_scan_file(f, fi.id, state, &err) != XN_OK)
            xn_log_event(req->app->log, XN_LOG_WARN, "files.scan_failed", "request_id",
                         req->request_id, "error", err.message, XN_LOG_END);
        snprintf(fi.scan, sizeof fi.scan, "%s", state);
    }
    return http_json(resp, 201,
                     json_pack("{s:I, s:s, s:I, s:s, s:s, s:s}", "id", (json_int_t)fi.id, "name",
                               fi.name, "size", (json_int_t)fi.size, "digest", fi.digest, "type",
                               fi.type, "scan", fi.scan));
}

/* The file of :id when the signed-in person may read it; else answers (and records a refusal
 * of a file that exists). */
static int readable(http_req *req, http_resp *resp, files_info *fi)
{
    xn_error err;
    int64_t id;
    if (http_id_param(req, resp, &id) != XN_OK)
        return XN_EINVAL;
    files_store *f = req->app->files;
    int rc = files_get(f, id, fi, &err);
    if (rc == XN_OK)
        rc = files_may_read(
            fi, req->who->user_id,
            auth_can(req->who, "file.read") ||
                /* evidence on an incident's timeline: its readers */
                (auth_can(req->who, "incident.read") && incident_has_file(req->app->incidents, id)),
            auth_can(req->who, "file.quarantine"), &err);
    if (rc == XN_OK)
        return XN_OK;
    if (rc == XN_EDENIED || (rc == XN_ENOTFOUND && fi->id == id)) {
        audit_actor actor = auth_actor(req->who);
        xn_error ignored;
        files_audit_read(f, &actor, fi, AUDIT_DENIED,
                         rc == XN_EDENIED ? "permission" : "quarantined", &ignored);
    }
    http_fail(req, resp, &err);
    return rc;
}

static ssize_t reader_read(void *cls, uint64_t pos, void *buf, size_t max)
{
    return files_reader_read(cls, pos, buf, max);
}

static void reader_free(void *cls)
{
    files_reader_free(cls);
}

int http_h_file_download(http_req *req, http_resp *resp)
{
    files_info fi = {0};
    if (readable(req, resp, &fi) != XN_OK)
        return 0;
    xn_error err;
    if (strcmp(fi.scan, "pending") == 0)
        return http_error(req, resp, 409, "scan_pending",
                          "文件尚在查毒，暂不能下载 (the virus check has not finished)", "id");
    char disposition[sizeof resp->disposition];
    if (files_disposition(fi.name, disposition, sizeof disposition) != XN_OK)
        return http_error(req, resp, 500, "internal", "服务器内部错误 (internal server error)",
                          NULL);
    files_store *f = req->app->files;
    files_reader *r = NULL;
    audit_actor actor = auth_actor(req->who);
    /* AUD-1: every download is on the trail before a byte leaves */
    if (files_audit_read(f, &actor, &fi, AUDIT_OK, NULL, &err) != XN_OK ||
        files_reader_open(f, &fi, &r, &err) != XN_OK)
        return http_fail(req, resp, &err);
    /* the detected type, never a type a browser runs (files_check_type admits none), always as
     * an attachment with nosniff (a common header) */
    http_stream_response(resp, 200, fi.type, (uint64_t)fi.size, reader_read, reader_free, r,
                         disposition);
    return 0;
}

int http_h_file_meta(http_req *req, http_resp *resp)
{
    files_info fi = {0};
    if (readable(req, resp, &fi) != XN_OK)
        return 0;
    return http_json(resp, 200, files_info_json(&fi));
}

int http_h_files(http_req *req, http_resp *resp)
{
    const char *v = NULL;
    int64_t limit = FILES_PAGE_DEFAULT, cursor = 0;
    if (http_query_checked(req, "limit", 8, &v) != XN_OK ||
        (v && *v && xn_parse_int64(v, 1, FILES_PAGE_MAX, &limit) != XN_OK))
        return http_error(req, resp, 400, "bad_limit", "每页条数必须是 1 到 200 的整数", "limit");
    v = NULL;
    if (http_query_checked(req, "cursor", 20, &v) != XN_OK ||
        (v && *v && xn_parse_int64(v, 1, INT64_MAX, &cursor) != XN_OK))
        return http_error(req, resp, 400, "bad_cursor", "cursor 须为上一页答复中的 next", "cursor");
    json_t *out = NULL;
    xn_error err;
    if (files_list_json(req->app->files, req->who->user_id, auth_can(req->who, "file.read"),
                        auth_can(req->who, "file.quarantine"), cursor, (int)limit, &out,
                        &err) != XN_OK)
        return http_fail(req, resp, &err);
    return http_json(resp, 200, out);
}
