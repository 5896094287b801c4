/*
 * The server over libmicrohttpd: a thread pool with epoll, one listening socket we bind
 * ourselves (so "address in use" is a clear message and port 0 works), bounded bodies read as
 * raw bytes, and the request path of http.h. Metrics are lock-free counters per route and
 * status; the access log is one line per request written when the request completes.
 */
#include "http/http_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* The Content-Security-Policy allows only our own origin; no inline script, no eval. */
#define CSP                                                                                        \
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "                    \
    "img-src 'self' data:; connect-src 'self'; font-src 'self' data:; object-src 'none'; "         \
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

static const int status_slots[] = {200, 201, 204, 304, 400, 401, 403, 404, 405,
                                   409, 413, 415, 422, 429, 500, 503, 0};
#define NSTATUS (sizeof status_slots / sizeof status_slots[0]) /* last: other */

static const double latency_bounds_s[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                          0.025,  0.05,    0.1,    0.25,  0.5,    1.0,   2.5};
#define NLATENCY (sizeof latency_bounds_s / sizeof latency_bounds_s[0] + 1) /* last: +Inf */

/* Bytes of an oversized body read and dropped before the connection is closed instead. */
#define DRAIN_EXTRA ((size_t)8 << 20)

/* Route labels beyond the table: static assets, UI fallback, nothing matched. */
enum { LABEL_STATIC, LABEL_SPA, LABEL_UNMATCHED, LABEL_EXTRA };

struct http_server {
    http_app *app;
    struct MHD_Daemon *daemon;
    int listen_fd;
    uint16_t port;
    int nroutes;
    _Atomic int inflight;
    _Atomic uint64_t *counts; /* [(nroutes + LABEL_EXTRA) * NSTATUS] */
    _Atomic uint64_t latency[NLATENCY];
    _Atomic uint64_t latency_sum_us;
    uint64_t id_base; /* random at start */
    _Atomic uint64_t id_next;
    http_limits *limits; /* per-client caps and the head deadline (limits.c) */
};

/* Per request; `req` first so a handler's http_req * leads back to it. */
typedef struct req_ctx {
    http_req req;
    http_resp resp;
    http_server *srv;
    xn_buf body;
    int label;               /* metrics label: route index or nroutes + LABEL_* */
    int route;               /* route index, or -1 */
    bool queued;             /* a response has been handed to the library */
    bool ready;              /* resp is decided (an error found before the body) */
    const http_asset *asset; /* a static file to send */
    bool stream_open;        /* HTTP_STREAM_BODY: open succeeded, close not yet called */
    bool body_too_big;       /* the body passed its limit: 413 once it ends */
    uint64_t body_seen;      /* bytes of body received, kept or not */
    uint64_t drain_limit;    /* past this many, reading stops and the connection closes */
    int64_t started_us;      /* monotonic */
    xn_ip client;            /* who sent it (http_client_address) */
    char peer[XN_IP_STR];    /* the same as text: req.peer */
    void *conn_slot;         /* the connection's slot in limits.c */
} req_ctx;

const char *http_cookie_name(const http_app *app)
{
    return app->secure_cookies ? HTTP_COOKIE_SECURE : HTTP_COOKIE;
}

bool http_secure_cookies(const xn_config *cfg)
{
    if (strcmp(cfg->secure_cookies, "on") == 0)
        return true;
    if (strcmp(cfg->secure_cookies, "off") == 0)
        return false;
    /* ACC-17: credentials travel over TLS or loopback. Beyond loopback a TLS proxy must stand
     * in front, so the browser is told to send the cookie over TLS only. */
    const char *h = cfg->listen_host;
    bool loopback =
        strncmp(h, "127.", 4) == 0 || strcmp(h, "::1") == 0 || strcmp(h, "localhost") == 0;
    return !loopback;
}

http_server *http_req_server(const http_req *req)
{
    return ((const req_ctx *)(const void *)req)->srv;
}

/* ---- responses ---------------------------------------------------------------------------- */

int http_json(http_resp *resp, int status, json_t *value)
{
    resp->status = status;
    resp->content_type = "application/json; charset=utf-8";
    xn_buf_reset(&resp->body);
    if (xn_json_dump(&resp->body, value) != XN_OK) {
        xn_buf_reset(&resp->body);
        resp->status = 500;
        xn_buf_puts(&resp->body, "{\"error\":{\"code\":\"internal\",\"message\":\"response too "
                                 "large\",\"field\":\"\"}}");
    }
    json_decref(value);
    return 0;
}

/* The error object of DESIGN.md with extra's members (taken, may be NULL) beside its own. */
static int error_body(http_req *req, http_resp *resp, int status, const char *code,
                      const char *message, const char *field, json_t *extra)
{
    json_t *e = json_pack("{s:s, s:s, s:s, s:s}", "code", code, "message", message, "field",
                          field ? field : "", "request_id", req->request_id);
    if (extra)
        json_object_update_missing(e, extra);
    json_decref(extra);
    return http_json(resp, status, json_pack("{s:o}", "error", e));
}

int http_error(http_req *req, http_resp *resp, int status, const char *code, const char *message,
               const char *field)
{
    return error_body(req, resp, status, code, message, field, NULL);
}

int http_refuse(http_req *req, http_resp *resp, const xn_error *err, const char *action,
                const char *object_type, const char *object_id)
{
    if (err->status == XN_EDENIED && req->who) {
        xn_error ignored;
        auth_audit_denied(req->app->db, req->app->audit, req->who, action, object_type, object_id,
                          err->code, &ignored);
    }
    return http_fail(req, resp, err);
}

int http_fail(http_req *req, http_resp *resp, const xn_error *err)
{
    return http_fail_with(req, resp, err, NULL);
}

int http_fail_with(http_req *req, http_resp *resp, const xn_error *err, json_t *extra)
{
    int status;
    switch (err->status) {
    case XN_EINVAL:
        status = 400;
        break;
    case XN_EDENIED:
        status = 403;
        break;
    case XN_ENOTFOUND:
        status = 404;
        break;
    case XN_ECONFLICT:
        status = 409;
        break;
    case XN_ETOOBIG:
        status = 413;
        break;
    case XN_EBUSY:
        status = 503;
        break;
    default:
        status = 500;
        break;
    }
    if (status >= 500) {
        /* Details of internal failures go to the log, never to the client. */
        xn_log_event(req->app->log, XN_LOG_ERROR, "http.error", "request_id", req->request_id,
                     "code", err->code, "message", err->message, XN_LOG_END);
        json_decref(extra);
        return http_error(req, resp, status, status == 503 ? "unavailable" : "internal",
                          status == 503 ? "服务繁忙，请稍后重试 (the server is busy; try again)"
                                        : "服务器内部错误 (internal server error)",
                          NULL);
    }
    return error_body(req, resp, status, err->code, err->message, err->field, extra);
}

const char *http_content_type(const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json; charset=utf-8"},
        {".map", "application/json; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".jpg", "image/jpeg"},
        {".webp", "image/webp"},
        {".ico", "image/x-icon"},
        {".woff2", "font/woff2"},
        {".woff", "font/woff"},
        {".ttf", "font/ttf"},
        {".txt", "text/plain; charset=utf-8"},
    };
    const char *dot = strrchr(path, '.');
    if (dot)
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (strcmp(dot, types[i].ext) == 0)
                return types[i].type;
    return "application/octet-stream";
}

static void add_common_headers(struct MHD_Response *r, const req_ctx *ctx)
{
    MHD_add_response_header(r, "Content-Security-Policy", CSP);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
    MHD_add_response_header(r, "X-Request-Id", ctx->req.request_id);
}

static int status_slot(int status)
{
    for (size_t i = 0; i < NSTATUS - 1; i++)
        if (status_slots[i] == status)
            return (int)i;
    return (int)NSTATUS - 1;
}

/* Counts a request by route and status before its answer leaves, so a client that has read
 * the answer finds it in /metrics; requests that never get an answer are counted when they
 * end (status 0). */
static void count_request(req_ctx *ctx, int status)
{
    atomic_fetch_add_explicit(&ctx->srv->counts[ctx->label * (int)NSTATUS + status_slot(status)], 1,
                              memory_order_relaxed);
}

static void queue(req_ctx *ctx, struct MHD_Response *r, int status)
{
    add_common_headers(r, ctx);
    ctx->resp.status = status;
    count_request(ctx, status);
    MHD_queue_response(ctx->req.conn, (unsigned)status, r);
    MHD_destroy_response(r);
    ctx->queued = true;
}

/* A streamed response: the handler's reader behind the library's callback. */
typedef struct body_reader {
    ssize_t (*read)(void *cls, uint64_t pos, void *buf, size_t max);
    void (*read_free)(void *cls);
    void *cls;
} body_reader;

#define STREAM_BLOCK ((size_t)256 << 10) /* the library's buffer per streamed response */

static ssize_t body_reader_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    body_reader *b = cls;
    ssize_t n = b->read(b->cls, pos, buf, max);
    return n > 0 ? n : MHD_CONTENT_READER_END_WITH_ERROR; /* the size is known: 0 is short */
}

static void body_reader_free(void *cls)
{
    body_reader *b = cls;
    if (b->read_free)
        b->read_free(b->cls);
    free(b);
}

static void drop_stream_response(http_resp *resp)
{
    if (resp->read && resp->read_free)
        resp->read_free(resp->read_cls);
    resp->read = NULL;
    resp->read_free = NULL;
    resp->read_cls = NULL;
}

/* A download's type is sent after its handler returned: the response keeps its own copy. */
static const char *keep_content_type(http_resp *resp, const char *content_type)
{
    if (!content_type)
        return NULL;
    snprintf(resp->content_type_buf, sizeof resp->content_type_buf, "%s", content_type);
    return resp->content_type_buf;
}

void http_stream_response(http_resp *resp, int status, const char *content_type, uint64_t size,
                          ssize_t (*read)(void *cls, uint64_t pos, void *buf, size_t max),
                          void (*read_free)(void *cls), void *cls, const char *disposition)
{
    drop_stream_response(resp);
    xn_buf_reset(&resp->body);
    resp->status = status;
    resp->content_type = keep_content_type(resp, content_type);
    resp->read = read;
    resp->read_free = read_free;
    resp->read_cls = cls;
    resp->read_size = size;
    snprintf(resp->disposition, sizeof resp->disposition, "%s", disposition ? disposition : "");
}

void http_file(http_resp *resp, int status, const char *content_type, int fd, uint64_t size,
               const char *disposition)
{
    xn_buf_reset(&resp->body);
    resp->status = status;
    resp->content_type = keep_content_type(resp, content_type);
    resp->has_file = true;
    resp->file_fd = fd;
    resp->file_size = size;
    snprintf(resp->disposition, sizeof resp->disposition, "%s", disposition ? disposition : "");
}

static void send_resp(req_ctx *ctx)
{
    http_resp *resp = &ctx->resp;
    struct MHD_Response *r = NULL;
    if (resp->has_file) {
        /* the library closes the file when it destroys the response */
        r = MHD_create_response_from_fd64(resp->file_size, resp->file_fd);
        resp->has_file = false;
        if (!r) {
            close(resp->file_fd);
            return;
        }
    } else if (resp->read) {
        body_reader *b = xn_xmalloc(sizeof *b);
        *b = (body_reader){resp->read, resp->read_free, resp->read_cls};
        resp->read = NULL; /* the library owns it now: body_reader_free releases it */
        r = MHD_create_response_from_callback(resp->read_size, STREAM_BLOCK, body_reader_read, b,
                                              body_reader_free);
        if (!r) {
            body_reader_free(b);
            return;
        }
    } else {
        size_t len = 0;
        char *data = xn_buf_detach(&resp->body, &len);
        r = data ? MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE) : NULL;
        if (!r) {
            free(data);
            return; /* the library closes the connection */
        }
    }
    MHD_add_response_header(r, "Content-Type",
                            resp->content_type ? resp->content_type : "application/json");
    MHD_add_response_header(r, "Cache-Control",
                            resp->cache_control ? resp->cache_control : "no-store");
    if (resp->allow[0])
        MHD_add_response_header(r, "Allow", resp->allow);
    if (resp->set_cookie[0])
        MHD_add_response_header(r, "Set-Cookie", resp->set_cookie);
    if (resp->disposition[0])
        MHD_add_response_header(r, "Content-Disposition", resp->disposition);
    if (resp->status == 429)
        MHD_add_response_header(r, "Retry-After", "60");
    queue(ctx, r, resp->status ? resp->status : 200);
}

/* Decides an error response; it is sent when the request ends (keeping the connection alive),
 * or at once for body errors, so a refused body is never read. */
static void set_error(req_ctx *ctx, int status, const char *code, const char *message)
{
    http_error(&ctx->req, &ctx->resp, status, code, message, NULL);
    ctx->ready = true;
}

static void send_error(req_ctx *ctx, int status, const char *code, const char *message)
{
    set_error(ctx, status, code, message);
    send_resp(ctx);
}

/* Whether Accept-Encoding lists gzip (or *) without q=0 (RFC 9110 12.5.3): "gzip;q=0" refuses
 * it, and "x-gzip-like" is not gzip. */
static bool accepts_gzip(const req_ctx *ctx)
{
    const char *p = http_header(&ctx->req, "Accept-Encoding");
    while (p && *p) {
        p += strspn(p, " \t,");
        size_t n = strcspn(p, " \t;,");
        bool named = (n == 4 && strncasecmp(p, "gzip", 4) == 0) || (n == 1 && *p == '*');
        const char *end = p + strcspn(p, ",");
        const char *q = memchr(p, ';', (size_t)(end - p));
        bool refused = false;
        if (q) {
            q += 1 + strspn(q + 1, " \t");
            if ((q[0] == 'q' || q[0] == 'Q') && q[1] == '=') {
                char *e;
                double weight = strtod(q + 2, &e);
                refused = e != q + 2 && weight <= 0.0;
            }
        }
        if (named)
            return !refused;
        p = end;
    }
    return false;
}

static void send_asset(req_ctx *ctx, const http_asset *a)
{
    const char *inm = http_header(&ctx->req, "If-None-Match");
    bool immutable = strncmp(a->path, "/assets/", 8) == 0;
    const char *cache = immutable ? "public, max-age=31536000, immutable" : "no-cache";
    struct MHD_Response *r;
    int status = 200;
    if (inm && strcmp(inm, a->etag) == 0) {
        r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        status = 304;
    } else if (a->gz && accepts_gzip(ctx)) {
        r = MHD_create_response_from_buffer(a->gz_len, (void *)a->gz, MHD_RESPMEM_PERSISTENT);
        if (r)
            MHD_add_response_header(r, "Content-Encoding", "gzip");
    } else {
        r = MHD_create_response_from_buffer(a->len, (void *)a->data, MHD_RESPMEM_PERSISTENT);
    }
    if (!r)
        return;
    MHD_add_response_header(r, "Content-Type", http_content_type(a->path));
    MHD_add_response_header(r, "Cache-Control", cache);
    MHD_add_response_header(r, "ETag", a->etag);
    if (a->gz)
        MHD_add_response_header(r, "Vary", "Accept-Encoding");
    queue(ctx, r, status);
}

/* ---- request plumbing --------------------------------------------------------------------- */

const char *http_header(const http_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

int http_query_checked(http_req *req, const char *name, size_t max, const char **out)
{
    *out = NULL;
    const char *raw = MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
    if (!raw)
        return XN_OK;
    size_t n = strlen(raw), out_len = 0;
    if (n > max)
        return XN_EINVAL;
    char *v = xn_arena_alloc(req->arena, n + 1);
    if (!v || !http_decode_query_value(raw, v, &out_len))
        return XN_EINVAL;
    *out = v;
    return XN_OK;
}

int http_id_param(http_req *req, http_resp *resp, int64_t *id)
{
    const char *s = http_param(req, "id");
    if (!s || xn_parse_int64(s, 1, INT64_MAX, id) != XN_OK) {
        http_error(req, resp, 400, "bad_id", "编号必须是正整数", "id");
        return XN_EINVAL;
    }
    return XN_OK;
}

int http_body_string(const http_req *req, const char *name, size_t max, bool required,
                     const char **out, xn_error *err)
{
    if (!json_is_object(req->json))
        return xn_fail(err, XN_EINVAL, "bad_body", "请求体必须是 JSON 对象");
    return xn_json_get_string(req->json, name, required, max, out, err);
}

/* The library decodes %XX before we see the path unless told otherwise; we decode ourselves,
 * strictly, per segment (router.c). */
static size_t keep_escaped(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    return strlen(s);
}

static bool is_type(const char *ct, const char *type)
{
    if (!ct)
        return false;
    size_t n = strlen(type);
    if (strncasecmp(ct, type, n) != 0)
        return false;
    const char *rest = ct + n;
    while (*rest == ' ')
        rest++;
    return *rest == '\0' || *rest == ';';
}

/* Who sent the request: the TCP peer, or the client a trusted proxy names (limits.c). */
static void resolve_client(req_ctx *ctx, struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    xn_ip peer;
    if (!info || !http_ip_of_sockaddr(info->client_addr, &peer)) {
        snprintf(ctx->peer, sizeof ctx->peer, "-");
        return;
    }
    const char *forwarded = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Forwarded-For");
    http_client_address(ctx->srv->app->cfg, &peer, forwarded, &ctx->client);
    xn_ip_format(&ctx->client, ctx->peer);
}

static uint64_t drain_limit(size_t max_body)
{
    return (uint64_t)max_body + (max_body > DRAIN_EXTRA ? max_body : DRAIN_EXTRA);
}

static bool authorise(req_ctx *ctx, const http_route *route);

/* Ends a streamed body's state once (http.h, HTTP_STREAM_BODY). */
static void close_stream(req_ctx *ctx, bool completed)
{
    if (!ctx->stream_open)
        return;
    ctx->stream_open = false;
    http_routes[ctx->route].stream->close(&ctx->req, completed);
    ctx->req.stream = NULL;
}

/* A streamed body's route, its head complete: authorise, then let the route open its stream,
 * before any byte of the body is read. */
static void begin_stream(req_ctx *ctx, const http_route *r, struct MHD_Connection *conn)
{
    if (r->perm && !authorise(ctx, r))
        return;
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    int64_t declared = -1;
    if (cl && xn_parse_int64(cl, 0, INT64_MAX, &declared) != XN_OK) {
        send_error(ctx, 400, "bad_length", "Content-Length 无效 (bad Content-Length)");
        return;
    }
    xn_buf_release(&ctx->body); /* never used: the body is not kept */
    ctx->req.body_max = (uint64_t)ctx->srv->app->cfg->max_body;
    int refused = r->stream->open(&ctx->req, &ctx->resp, declared);
    ctx->drain_limit = drain_limit((size_t)ctx->req.body_max);
    if (refused) {
        /* as for any body: answered once a body within the drain margin has been read and
         * dropped (so the answer is not lost to a reset), at once past it */
        ctx->ready = true;
        if (declared >= 0 && (uint64_t)declared > ctx->drain_limit)
            send_resp(ctx);
        return;
    }
    ctx->stream_open = true;
}

/* Decides what the request is before any body arrives; answers at once only to refuse a body. */
static void begin_request(req_ctx *ctx, const char *method, const char *url,
                          struct MHD_Connection *conn)
{
    http_server *srv = ctx->srv;
    http_req *req = &ctx->req;
    size_t max_body = (size_t)srv->app->cfg->max_body;
    ctx->drain_limit = drain_limit(max_body); /* refusals below still drain a small body */

    if (strlen(url) > HTTP_MAX_PATH) {
        set_error(ctx, 404, "not_found", "路径过长 (path too long)");
        return;
    }
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    bool api =
        strncmp(url, "/api/", 5) == 0 || strcmp(url, "/api") == 0 || strcmp(url, "/metrics") == 0;
    if (!api) {
        bool spa = false;
        const http_asset *a = http_asset_lookup(url, &spa);
        if (!a) {
            set_error(ctx, 404, "not_found", "页面不存在 (no such page)");
        } else if (!get) {
            snprintf(ctx->resp.allow, sizeof ctx->resp.allow, "GET, HEAD");
            set_error(ctx, 405, "method_not_allowed", "请求方法不允许 (method not allowed)");
        } else {
            ctx->label = srv->nroutes + (spa ? LABEL_SPA : LABEL_STATIC);
            ctx->asset = a;
        }
        return;
    }
    int route = http_route_match(req, method, url, ctx->resp.allow, sizeof ctx->resp.allow);
    if (route == -2) {
        set_error(ctx, 405, "method_not_allowed", "请求方法不允许 (method not allowed)");
        return;
    }
    if (route < 0) {
        set_error(ctx, 404, "not_found", "接口不存在 (no such API endpoint)");
        return;
    }
    ctx->route = ctx->label = route;
    const http_route *r = &http_routes[route];
    if (!r->perm && !(r->flags & HTTP_UNLIMITED) &&
        http_limits_refused(srv->limits, &ctx->client)) {
        /* counted in the source's summary for this minute; no work, no body read */
        audit_failures_admit(srv->app->audit, req->peer, "http.rate_limited");
        send_error(ctx, 429, "rate_limited",
                   "来自该地址的失败请求过多，请稍后再试 (too many failures from this address)");
        return;
    }
    /* RFC 9112 6.3: both framings at once is how requests are smuggled past a proxy */
    if (MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Transfer-Encoding") &&
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length")) {
        send_error(ctx, 400, "bad_framing",
                   "请求同时带有 Content-Length 与 Transfer-Encoding (ambiguous body framing)");
        return;
    }
    if (r->flags & HTTP_STREAM_BODY) {
        begin_stream(ctx, r, conn);
        return;
    }
    if (r->flags & (HTTP_TEXT_BODY | HTTP_CONTENT_BODY | HTTP_FILE_BODY)) {
        max_body = r->flags & HTTP_TEXT_BODY   ? HTTP_MAX_TEXT_BODY
                   : r->flags & HTTP_FILE_BODY ? HTTP_MAX_FILE_BODY
                                               : HTTP_MAX_CONTENT_BODY;
        xn_buf_release(&ctx->body);
        xn_buf_init(&ctx->body, max_body);
    }
    /* A body somewhat over the limit is read and dropped, so the client gets its 413 on a
     * healthy connection (a server that closes on unread data makes the peer's kernel reset it,
     * and the answer is lost: nginx's lingering close for the same reason). Past the limit plus
     * DRAIN_EXTRA (at least the limit again) nothing is read: refused at once when announced,
     * the connection closed at that bound when it comes chunked. */
    ctx->drain_limit = drain_limit(max_body);
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    int64_t length = 0;
    if (cl && (xn_parse_int64(cl, 0, INT64_MAX, &length) != XN_OK ||
               (uint64_t)length > ctx->drain_limit)) {
        send_error(ctx, 413, "too_large", "请求体过大 (request body too large)");
        return;
    }
    if (http_routes[route].flags & HTTP_JSON_BODY) {
        const char *ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
        if (!is_type(ct, "application/json")) {
            send_error(ctx, 415, "unsupported_media_type",
                       "请求体必须是 application/json (body must be application/json)");
            return;
        }
    }
    if (http_routes[route].flags & HTTP_TEXT_BODY) {
        const char *ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
        if (!is_type(ct, "text/plain")) {
            send_error(ctx, 415, "unsupported_media_type",
                       "请求体必须是 text/plain (body must be UTF-8 text/plain)");
            return;
        }
    }
}

/*
 * authenticate → authorise, before any handler runs: the session (fresh from the database,
 * so a disabled account or a removed role counts at once), the CSRF token on every request
 * that can change something, the pending first steps (password change, second factor), and
 * the route's permission. A refusal of a signed-in person is itself audited.
 */
static bool authorise(req_ctx *ctx, const http_route *route)
{
    http_req *req = &ctx->req;
    http_app *app = req->app;
    xn_error err;
    auth_principal *who = xn_arena_calloc(req->arena, 1, sizeof *who);
    const char *token =
        MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, http_cookie_name(app));
    const char *bg = http_header(req, "X-Background");
    bool background = bg && strcmp(bg, "1") == 0; /* ACC-15: polls are not use */
    if (!who || auth_session_check(app->db, app->auth, token, background, who, &err) != XN_OK) {
        send_error(ctx, 401, who ? err.code : "unauthenticated", who ? err.message : "请先登录");
        return false;
    }
    who->source = req->peer;
    req->who = who;
    bool safe = strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;
    const char *csrf = http_header(req, "X-CSRF-Token");
    if (!safe && (!csrf || strlen(csrf) != strlen(who->csrf) ||
                  !crypto_equal(csrf, who->csrf, strlen(who->csrf)))) {
        send_error(ctx, 403, "csrf_failed", "请求缺少有效的 CSRF 令牌，请刷新页面后重试");
        return false;
    }
    if (!(route->flags & HTTP_PENDING_OK) && (who->must_change || who->must_enrol_totp)) {
        send_error(ctx, 403, who->must_change ? "password_change_required" : "totp_required",
                   who->must_change ? "请先修改初始密码" : "管理员须先绑定动态口令（双因素认证）");
        return false;
    }
    if (*route->perm && !auth_can(who, route->perm)) {
        auth_audit_denied(app->db, app->audit, who, route->perm, "route", route->pattern,
                          "permission", &err);
        send_error(ctx, 403, "forbidden", "没有执行此操作的权限");
        return false;
    }
    return true;
}

static void run_handler(req_ctx *ctx)
{
    http_req *req = &ctx->req;
    const http_route *route = &http_routes[ctx->route];
    req->body = ctx->body.data;
    req->body_len = ctx->body.len;
    if (route->flags & HTTP_STREAM_BODY) {
        /* authorised before the body; the handler ends the stream */
        route->handler(req, &ctx->resp);
        close_stream(ctx, true);
        send_resp(ctx);
        return;
    }
    if (route->perm && !authorise(ctx, route))
        return;
    if (route->flags & HTTP_JSON_BODY) {
        xn_error err;
        req->json =
            xn_json_parse(req->body ? req->body : "", req->body_len,
                          route->flags & HTTP_CONTENT_BODY ? HTTP_MAX_CONTENT_BODY
                                                           : (size_t)req->app->cfg->max_body,
                          &err);
        if (!req->json) {
            int status = err.status == XN_ETOOBIG ? 413 : 400;
            send_error(ctx, status, err.code, err.message);
            return;
        }
    }
    route->handler(req, &ctx->resp);
    /* a refusal on a route nobody is signed in to counts against the client's address */
    int st = ctx->resp.status;
    if (!route->perm && !(route->flags & HTTP_UNLIMITED) && (st == 400 || st == 401 || st == 403))
        http_limits_failed(ctx->srv->limits, &ctx->client);
    send_resp(ctx);
}

/* Request ids: a random per-server base plus a counter, mixed (splitmix64) so ids look random
 * and never repeat within a run, at no system call per request. They correlate log lines and
 * carry no authority, so they need not be unpredictable. */
static void new_request_id(http_server *srv, char out[17])
{
    uint64_t z = srv->id_base + atomic_fetch_add_explicit(&srv->id_next, 1, memory_order_relaxed) *
                                    0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    unsigned char bytes[8];
    for (int i = 0; i < 8; i++)
        bytes[i] = (unsigned char)(z >> (56 - 8 * i));
    xn_hex(bytes, sizeof bytes, out);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    http_server *srv = cls;
    req_ctx *ctx = *con_cls;
    if (!ctx) {
        ctx = xn_xcalloc(1, sizeof *ctx);
        ctx->srv = srv;
        ctx->started_us = xn_monotonic_us();
        ctx->route = -1;
        ctx->label = srv->nroutes + LABEL_UNMATCHED;
        ctx->req.app = srv->app;
        ctx->req.conn = conn;
        ctx->req.method = method;
        ctx->req.path = url;
        ctx->req.arena = xn_arena_new(4 * 1024 * 1024);
        resolve_client(ctx, conn);
        ctx->req.peer = ctx->peer;
        const union MHD_ConnectionInfo *si =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        ctx->conn_slot = si ? si->socket_context : NULL;
        http_limits_head_done(ctx->conn_slot);
        new_request_id(srv, ctx->req.request_id);
        xn_buf_init(&ctx->body, (size_t)srv->app->cfg->max_body);
        xn_buf_init(&ctx->resp.body, 0);
        atomic_fetch_add(&srv->inflight, 1);
        *con_cls = ctx;
        begin_request(ctx, method, url, conn);
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        ctx->body_seen += *upload_data_size;
        bool wanted = !ctx->queued && !ctx->ready && !ctx->asset && !ctx->body_too_big;
        if (ctx->stream_open) {
            const http_stream *stream = http_routes[ctx->route].stream;
            if (wanted &&
                stream->write(&ctx->req, upload_data, *upload_data_size, &ctx->resp) != 0) {
                close_stream(ctx, false); /* refused: the rest is dropped, then the answer */
                ctx->ready = true;
            }
        } else if (wanted && xn_buf_append(&ctx->body, upload_data, *upload_data_size) != XN_OK) {
            ctx->body_too_big = true; /* dropped from here on; 413 when it ends */
            xn_buf_release(&ctx->body);
        }
        if (ctx->body_seen > ctx->drain_limit && !ctx->queued) {
            /* nothing more is read: the library cannot answer in mid-body, so the close is
             * the answer */
            count_request(ctx, 413);
            ctx->queued = true;
            ctx->resp.status = 413;
            return MHD_NO;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (ctx->queued)
        return MHD_YES;
    if (ctx->body_too_big)
        send_error(ctx, 413, "too_large", "请求体过大 (request body too large)");
    else if (ctx->asset)
        send_asset(ctx, ctx->asset);
    else if (ctx->ready)
        send_resp(ctx);
    else
        run_handler(ctx);
    return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    http_server *srv = cls;
    req_ctx *ctx = *con_cls;
    if (!ctx)
        return;
    close_stream(ctx, false); /* the client went away mid-body */
    drop_stream_response(&ctx->resp);
    int64_t took = xn_monotonic_us() - ctx->started_us;
    int status = ctx->queued ? ctx->resp.status : 0;
    if (!ctx->queued)
        count_request(ctx, 0);
    size_t b = 0;
    while (b < NLATENCY - 1 && (double)took / 1e6 > latency_bounds_s[b])
        b++;
    atomic_fetch_add_explicit(&srv->latency[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&srv->latency_sum_us, (uint64_t)took, memory_order_relaxed);

    http_limits_request_done(srv->limits, ctx->conn_slot);
    if (srv->app->cfg->access_log) {
        char st[8], ms[32];
        snprintf(st, sizeof st, "%d", status);
        snprintf(ms, sizeof ms, "%.3f", (double)took / 1000.0);
        xn_log_event(srv->app->log, XN_LOG_INFO, "http.request", "rid", ctx->req.request_id, "peer",
                     ctx->peer, "method", ctx->req.method, "path", ctx->req.path, "status", st,
                     "ms", ms, "end", toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "ok" : "aborted",
                     XN_LOG_END);
    }
    json_decref(ctx->req.json);
    xn_buf_release(&ctx->body);
    xn_buf_release(&ctx->resp.body);
    xn_arena_free(ctx->req.arena);
    free(ctx);
    *con_cls = NULL;
    atomic_fetch_sub(&srv->inflight, 1);
}

static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    (void)addrlen;
    http_server *srv = cls;
    return http_limits_accept(srv->limits, addr) ? MHD_YES : MHD_NO;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    http_server *srv = cls;
    if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        http_limits_conn_closed(srv->limits, *socket_context);
        *socket_context = NULL;
        return;
    }
    const union MHD_ConnectionInfo *a =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const union MHD_ConnectionInfo *fd =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    *socket_context =
        http_limits_conn_started(srv->limits, a ? a->client_addr : NULL, fd ? fd->connect_fd : -1);
}

static void on_library_log(void *cls, const char *fmt, va_list ap)
{
    http_server *srv = cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    xn_log_event(srv->app->log, XN_LOG_WARN, "http.library", "message", msg, XN_LOG_END);
}

/* ---- lifecycle ---------------------------------------------------------------------------- */

static int bind_listener(http_server *srv, xn_error *err)
{
    const xn_config *cfg = srv->app->cfg;
    char port[8];
    snprintf(port, sizeof port, "%u", cfg->listen_port);
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
    struct addrinfo *res = NULL;
    int gai = getaddrinfo(cfg->listen_host, port, &hints, &res);
    if (gai != 0)
        return xn_fail(err, XN_EINVAL, "listen", "cannot listen on %s:%s: %s", cfg->listen_host,
                       port, gai_strerror(gai));
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int one = 1;
    int rc = XN_OK;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
        int e = errno;
        rc = xn_fail(err, XN_EIO, "listen", "cannot listen on %s:%s: %s%s", cfg->listen_host, port,
                     strerror(e),
                     e == EADDRINUSE ? " (is another xinan or another server using this port?)"
                                     : "");
        if (fd >= 0)
            close(fd);
        freeaddrinfo(res);
        return rc;
    }
    freeaddrinfo(res);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    srv->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                               : ((struct sockaddr_in *)&ss)->sin_port);
    srv->listen_fd = fd;
    return XN_OK;
}

int http_start(http_server **out, http_app *app, xn_error *err)
{
    http_server *srv = xn_xcalloc(1, sizeof *srv);
    srv->app = app;
    srv->listen_fd = -1;
    app->secure_cookies = http_secure_cookies(app->cfg);
    xn_random_bytes(&srv->id_base, sizeof srv->id_base);
    while (http_routes[srv->nroutes].method)
        srv->nroutes++;
    srv->counts = xn_xcalloc((size_t)(srv->nroutes + LABEL_EXTRA) * NSTATUS, sizeof *srv->counts);
    int rc = bind_listener(srv, err);
    if (rc)
        goto fail;
    if ((rc = http_limits_new(app->cfg, app->auth, &srv->limits, err)) != XN_OK)
        goto fail;
    unsigned threads = (unsigned)xn_config_threads(app->cfg);
    srv->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG, 0,
        on_accept, srv, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER, on_library_log, srv,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv, MHD_OPTION_LISTEN_SOCKET, srv->listen_fd,
        MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)app->cfg->max_connections, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)app->cfg->idle_timeout, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)app->cfg->max_header, MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
        MHD_OPTION_UNESCAPE_CALLBACK, keep_escaped, NULL, MHD_OPTION_END);
    if (!srv->daemon) {
        rc = xn_fail(err, XN_EIO, "listen", "cannot start the HTTP server on %s:%u",
                     app->cfg->listen_host, srv->port);
        goto fail;
    }
    *out = srv;
    return XN_OK;
fail:
    http_limits_free(srv->limits);
    if (srv->listen_fd >= 0)
        close(srv->listen_fd);
    free(srv->counts);
    free(srv);
    return rc;
}

uint16_t http_port(const http_server *srv)
{
    return srv->port;
}

void http_stop(http_server *srv, int grace_s)
{
    if (!srv)
        return;
    MHD_quiesce_daemon(srv->daemon);
    int64_t deadline = xn_monotonic_us() + (int64_t)grace_s * 1000000;
    while (atomic_load(&srv->inflight) > 0 && xn_monotonic_us() < deadline) {
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    int left = atomic_load(&srv->inflight);
    if (left > 0) {
        char n[16];
        snprintf(n, sizeof n, "%d", left);
        xn_log_event(srv->app->log, XN_LOG_WARN, "http.shutdown_timeout", "inflight", n,
                     XN_LOG_END);
    }
    MHD_stop_daemon(srv->daemon);
    http_limits_free(srv->limits);
    close(srv->listen_fd);
    free(srv->counts);
    free(srv);
}

/* ---- metrics ------------------------------------------------------------------------------ */

static const char *label_name(const http_server *srv, int label, const char **method)
{
    if (label < srv->nroutes) {
        *method = http_routes[label].method;
        return http_routes[label].pattern;
    }
    *method = "GET";
    static const char *extra[] = {"static", "ui", "unmatched"};
    if (label - srv->nroutes == LABEL_UNMATCHED)
        *method = "*";
    return extra[label - srv->nroutes];
}

static long resident_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, rss = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
            rss = 0;
        fclose(f);
    }
    return rss * sysconf(_SC_PAGESIZE);
}

/* The syslog receiver's counters (AUD-5), one series per protocol. */
static void syslog_metrics(const audit_syslog *r, xn_buf *b)
{
    audit_syslog_stats st;
    audit_syslog_get_stats(r, &st);
    static const struct {
        const char *name, *help;
        size_t offset;
    } series[] = {
        {"received", "Syslog messages read from the network.",
         offsetof(audit_syslog_counts, received)},
        {"stored", "Syslog messages committed to the log store.",
         offsetof(audit_syslog_counts, stored)},
        {"dropped", "Syslog messages lost: queue full, socket overflow or store failure.",
         offsetof(audit_syslog_counts, dropped)},
        {"parse_errors", "Syslog messages stored with a parse error.",
         offsetof(audit_syslog_counts, parse_errors)},
        {"truncated", "Syslog messages cut at the size limit.",
         offsetof(audit_syslog_counts, truncated)},
    };
    for (size_t i = 0; i < sizeof series / sizeof series[0]; i++) {
        uint64_t udp, tcp;
        memcpy(&udp, (const char *)&st.udp + series[i].offset, sizeof udp);
        memcpy(&tcp, (const char *)&st.tcp + series[i].offset, sizeof tcp);
        xn_buf_printf(b,
                      "# HELP xinan_syslog_%s_total %s\n# TYPE xinan_syslog_%s_total counter\n"
                      "xinan_syslog_%s_total{proto=\"udp\"} %llu\n"
                      "xinan_syslog_%s_total{proto=\"tcp\"} %llu\n",
                      series[i].name, series[i].help, series[i].name, series[i].name,
                      (unsigned long long)udp, series[i].name, (unsigned long long)tcp);
    }
    xn_buf_printf(b,
                  "# HELP xinan_syslog_queue_messages Syslog messages waiting to be stored.\n"
                  "# TYPE xinan_syslog_queue_messages gauge\n"
                  "xinan_syslog_queue_messages %llu\n"
                  "# HELP xinan_syslog_tcp_connections Open syslog TCP connections.\n"
                  "# TYPE xinan_syslog_tcp_connections gauge\n"
                  "xinan_syslog_tcp_connections %llu\n",
                  (unsigned long long)st.queued, (unsigned long long)st.connections);
}

int http_metrics_render(http_server *srv, xn_buf *b)
{
    xn_buf_puts(b, "# HELP xinan_http_requests_total HTTP requests by route, method and status.\n"
                   "# TYPE xinan_http_requests_total counter\n");
    for (int l = 0; l < srv->nroutes + LABEL_EXTRA; l++) {
        for (size_t s = 0; s < NSTATUS; s++) {
            uint64_t n =
                atomic_load_explicit(&srv->counts[l * (int)NSTATUS + (int)s], memory_order_relaxed);
            if (!n)
                continue;
            const char *method = NULL;
            const char *route = label_name(srv, l, &method);
            char status[8];
            if (status_slots[s])
                snprintf(status, sizeof status, "%d", status_slots[s]);
            else
                snprintf(status, sizeof status, "other");
            xn_buf_printf(b,
                          "xinan_http_requests_total{route=\"%s\",method=\"%s\",status=\"%s\"} "
                          "%llu\n",
                          route, method, status, (unsigned long long)n);
        }
    }
    xn_buf_puts(b, "# HELP xinan_http_request_duration_seconds Time from request to response.\n"
                   "# TYPE xinan_http_request_duration_seconds histogram\n");
    uint64_t cumulative = 0;
    for (size_t i = 0; i < NLATENCY; i++) {
        cumulative += atomic_load_explicit(&srv->latency[i], memory_order_relaxed);
        if (i < NLATENCY - 1)
            xn_buf_printf(b, "xinan_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
                          latency_bounds_s[i], (unsigned long long)cumulative);
        else
            xn_buf_printf(b, "xinan_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
                          (unsigned long long)cumulative);
    }
    xn_buf_printf(b, "xinan_http_request_duration_seconds_sum %.6f\n",
                  (double)atomic_load(&srv->latency_sum_us) / 1e6);
    xn_buf_printf(b, "xinan_http_request_duration_seconds_count %llu\n",
                  (unsigned long long)cumulative);
    xn_buf_printf(b,
                  "# HELP xinan_http_requests_in_flight Requests being served.\n"
                  "# TYPE xinan_http_requests_in_flight gauge\n"
                  "xinan_http_requests_in_flight %d\n",
                  atomic_load(&srv->inflight));

    uint64_t refused_conns, head_timeouts, refused_failures;
    int open_conns;
    http_limits_stats(srv->limits, &refused_conns, &head_timeouts, &refused_failures, &open_conns);
    xn_buf_printf(b,
                  "# HELP xinan_http_connections Open HTTP connections.\n"
                  "# TYPE xinan_http_connections gauge\n"
                  "xinan_http_connections %d\n"
                  "# HELP xinan_http_refused_total Connections and requests refused by the "
                  "per-client limits.\n"
                  "# TYPE xinan_http_refused_total counter\n"
                  "xinan_http_refused_total{reason=\"connections_per_ip\"} %llu\n"
                  "xinan_http_refused_total{reason=\"header_timeout\"} %llu\n"
                  "xinan_http_refused_total{reason=\"source_failures\"} %llu\n",
                  open_conns, (unsigned long long)refused_conns, (unsigned long long)head_timeouts,
                  (unsigned long long)refused_failures);

    store_stats st;
    store_get_stats(srv->app->db, &st);
    xn_buf_printf(b,
                  "# HELP xinan_db_statements_total Database statements executed.\n"
                  "# TYPE xinan_db_statements_total counter\n"
                  "xinan_db_statements_total %llu\n"
                  "# HELP xinan_db_transactions_total Write transactions by outcome.\n"
                  "# TYPE xinan_db_transactions_total counter\n"
                  "xinan_db_transactions_total{outcome=\"commit\"} %llu\n"
                  "xinan_db_transactions_total{outcome=\"rollback\"} %llu\n"
                  "# HELP xinan_db_busy_retries_total Transactions retried on a busy database.\n"
                  "# TYPE xinan_db_busy_retries_total counter\n"
                  "xinan_db_busy_retries_total %llu\n"
                  "# HELP xinan_db_transaction_duration_seconds Write transaction time.\n"
                  "# TYPE xinan_db_transaction_duration_seconds histogram\n",
                  (unsigned long long)st.statements, (unsigned long long)st.transactions,
                  (unsigned long long)st.rollbacks, (unsigned long long)st.busy_retries);
    cumulative = 0;
    for (int i = 0; i < STORE_HIST_BUCKETS; i++) {
        cumulative += st.tx_hist[i];
        if (i < STORE_HIST_BUCKETS - 1)
            xn_buf_printf(b, "xinan_db_transaction_duration_seconds_bucket{le=\"%g\"} %llu\n",
                          (double)store_hist_bounds_us[i] / 1e6, (unsigned long long)cumulative);
        else
            xn_buf_printf(b, "xinan_db_transaction_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
                          (unsigned long long)cumulative);
    }
    xn_buf_printf(b,
                  "xinan_db_transaction_duration_seconds_sum %.6f\n"
                  "xinan_db_transaction_duration_seconds_count %llu\n",
                  (double)st.tx_sum_us / 1e6, (unsigned long long)cumulative);
    if (srv->app->syslog)
        syslog_metrics(srv->app->syslog, b);
    xn_buf_printf(b,
                  "# HELP process_resident_memory_bytes Resident memory.\n"
                  "# TYPE process_resident_memory_bytes gauge\n"
                  "process_resident_memory_bytes %ld\n"
                  "# HELP xinan_uptime_seconds Seconds since the server started.\n"
                  "# TYPE xinan_uptime_seconds gauge\n"
                  "xinan_uptime_seconds %.3f\n",
                  resident_bytes(), (double)(xn_monotonic_us() - srv->app->started_us) / 1e6);
    return XN_OK;
}
