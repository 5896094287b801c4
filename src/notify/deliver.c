/*
 * Delivery: the job notify.deliver (one per channel) sends the channel's due deliveries in
 * order within its rate, records every attempt, and schedules itself for the next due one;
 * notify.watch alerts the system administrators about channels failing for an hour.
 *
 * Formats (what the receivers check):
 *   wecom     POST {"msgtype":"text","text":{"content","mentioned_mobile_list"}}; ok when the
 *             answer's errcode is 0. A channel whose msgtype is "markdown" sends
 *             {"msgtype":"markdown","markdown":{"content"}} instead: the title bold in the
 *             severity's colour, the body as text (see content_markdown). WeCom's markdown
 *             messages have no mentioned_mobile_list, so nobody is @-mentioned by mobile.
 *   dingtalk  POST url&timestamp=<ms>&sign=<urlencode(base64(HMAC-SHA256(secret,
 *             timestamp "\n" secret)))> {"msgtype":"text","text":{"content"},"at":{"atMobiles",
 *             "isAtAll":false}}; ok when errcode is 0.
 *   webhook   POST the message as JSON with X-Xinan-Timestamp (Unix seconds),
 *             X-Xinan-Signature (hex HMAC-SHA256(secret, timestamp "." body), when the channel
 *             has a secret) and X-Xinan-Delivery (the delivery key); ok on 2xx.
 *   mail      SMTP through libcurl: smtps:// is implicit TLS, smtp:// upgrades with STARTTLS
 *             when the server offers it; UTF-8 subject per RFC 2047, body base64.
 */
#include "crypto/crypto.h"
#include "notify/notify_int.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BATCH        200   /* deliveries per run; a longer queue reschedules at once */
#define ANSWER_MAX   65536 /* bytes of a receiver's answer read */
#define MAX_ATTEMPTS 15    /* 1 min doubling to 24 h: about two days, then failed */
#define US           1000000LL

typedef struct channel_row {
    int64_t id;
    char kind[16];
    char name[NOTIFY_MAX_NAME * 4 + 1];
    char url[NOTIFY_MAX_URL + 1];
    char secret[NOTIFY_MAX_SECRET + 1];
    char mail_from[NOTIFY_MAX_MAIL + 1];
    char msgtype[16]; /* wecom: "text" or "markdown" */
    int64_t rate;
    bool live;
} channel_row;

typedef struct pending {
    int64_t id, message_id, group_id, created_at;
    int attempts;
    char dkey[48];
    char kind[64];
    char severity[16];
    char *title, *body, *object_type, *object_id;
} pending;

typedef struct outcome {
    bool ok, retry;
    long status; /* HTTP status, 0 when none */
    bool has_errcode;
    int64_t errcode; /* the robot's */
    char error[300];
    int64_t took_us;
} outcome;

static notify_ctx *ctx_of(jobs_run *run)
{
    return ((notify_app *)run->app)->notify;
}

/* ---- reading ----------------------------------------------------------------------------- */

static int load_channel(notify_ctx *n, store_conn *c, int64_t id, channel_row *ch, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(c,
                           "SELECT kind, name, url, secret, mail_from, rate_per_min,"
                           " deleted_at IS NULL, msgtype FROM notify_channel WHERE id = $1",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, id);
    rc = store_step(st, err);
    if (rc != STORE_ROW)
        return rc < 0 ? rc
                      : xn_fail(err, XN_ENOTFOUND, "not_found", "no channel %lld", (long long)id);
    ch->id = id;
    xn_strlcpy(ch->kind, store_col_text(st, 0), sizeof ch->kind);
    xn_strlcpy(ch->name, store_col_text(st, 1), sizeof ch->name);
    xn_strlcpy(ch->url, store_col_text(st, 2), sizeof ch->url);
    xn_strlcpy(ch->mail_from, store_col_text(st, 4), sizeof ch->mail_from);
    ch->rate = store_col_int(st, 5);
    ch->live = store_col_int(st, 6) != 0;
    xn_strlcpy(ch->msgtype, store_col_text(st, 7), sizeof ch->msgtype);
    rc = notify_open_secret(n, id, store_col_blob(st, 3), store_col_bytes(st, 3), ch->secret,
                            sizeof ch->secret, err);
    store_stmt_done(st);
    return rc;
}

static void free_pending(pending *p, size_t np)
{
    for (size_t i = 0; i < np; i++) {
        free(p[i].title);
        free(p[i].body);
        free(p[i].object_type);
        free(p[i].object_id);
    }
    free(p);
}

static int load_pending(store_conn *c, int64_t channel, int64_t now, int limit, pending **out,
                        size_t *np, xn_error *err)
{
    *out = NULL;
    *np = 0;
    store_stmt *st;
    int rc = store_prepare(
        c,
        "SELECT d.id, d.message_id, d.attempts, d.dkey, m.kind, m.severity, m.title, m.body,"
        " coalesce(m.group_id, 0), m.object_type, m.object_id, m.created_at FROM notify_delivery"
        " d JOIN notify_message m ON m.id = d.message_id WHERE d.channel_id = $1 AND d.state ="
        " 'pending' AND d.next_at <= $2 ORDER BY d.next_at, d.id LIMIT $3",
        &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, channel);
    store_bind_int(st, 2, now);
    store_bind_int(st, 3, limit);
    pending *p = xn_xcalloc((size_t)limit, sizeof *p);
    size_t n = 0;
    while ((rc = store_step(st, err)) == STORE_ROW && n < (size_t)limit) {
        pending *e = &p[n++];
        e->id = store_col_int(st, 0);
        e->message_id = store_col_int(st, 1);
        e->attempts = (int)store_col_int(st, 2);
        xn_strlcpy(e->dkey, store_col_text(st, 3), sizeof e->dkey);
        xn_strlcpy(e->kind, store_col_text(st, 4), sizeof e->kind);
        xn_strlcpy(e->severity, store_col_text(st, 5), sizeof e->severity);
        e->title = xn_xstrdup(store_col_text(st, 6));
        e->body = xn_xstrdup(store_col_text(st, 7));
        e->group_id = store_col_int(st, 8);
        e->object_type = xn_xstrdup(store_col_text(st, 9));
        e->object_id = xn_xstrdup(store_col_text(st, 10));
        e->created_at = store_col_int(st, 11);
    }
    if (rc < 0) {
        free_pending(p, n);
        return rc;
    }
    if (rc == STORE_ROW)
        store_stmt_done(st);
    *out = p;
    *np = n;
    return XN_OK;
}

/* The group's mobiles (json array) and mail addresses (curl list). */
static int load_recipients(store_conn *c, int64_t group_id, json_t *mobiles,
                           struct curl_slist **mails, xn_error *err)
{
    if (!group_id)
        return XN_OK;
    store_stmt *st;
    int rc = store_prepare(c,
                           "SELECT mobile, mail FROM notify_group_member WHERE group_id = $1"
                           " ORDER BY user_id",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, group_id);
    while ((rc = store_step(st, err)) == STORE_ROW) {
        const char *m = store_col_text(st, 0), *mail = store_col_text(st, 1);
        if (*m)
            json_array_append_new(mobiles, json_string(m));
        if (*mail && mails) {
            char addr[NOTIFY_MAX_MAIL + 3];
            snprintf(addr, sizeof addr, "<%s>", mail);
            *mails = curl_slist_append(*mails, addr);
        }
    }
    return rc < 0 ? rc : XN_OK;
}

/* ---- sending ----------------------------------------------------------------------------- */

static size_t collect(char *data, size_t size, size_t nmemb, void *ctx)
{
    xn_buf *b = ctx;
    size_t n = size * nmemb;
    if (b->len + n <= ANSWER_MAX)
        xn_buf_append(b, data, n);
    return n;
}

static void classify_http(outcome *o, CURLcode cc, long status, const xn_buf *answer, bool robot)
{
    o->status = status;
    if (cc != CURLE_OK) {
        o->retry = true;
        snprintf(o->error, sizeof o->error, "网络错误：%s", curl_easy_strerror(cc));
        return;
    }
    if (status >= 500 || status == 429) {
        o->retry = true;
        snprintf(o->error, sizeof o->error, "对方返回 HTTP %ld", status);
        return;
    }
    if (status < 200 || status >= 300) {
        snprintf(o->error, sizeof o->error, "对方拒绝：HTTP %ld", status);
        return;
    }
    if (!robot) {
        o->ok = true;
        return;
    }
    json_t *j = answer->data ? json_loadb(answer->data, answer->len, 0, NULL) : NULL;
    json_t *code = json_object_get(j, "errcode");
    if (json_is_integer(code)) {
        o->has_errcode = true;
        o->errcode = json_integer_value(code);
    }
    if (o->has_errcode && o->errcode == 0) {
        o->ok = true;
    } else {
        o->retry = true;
        const char *msg = json_string_value(json_object_get(j, "errmsg"));
        if (o->has_errcode)
            snprintf(o->error, sizeof o->error, "机器人返回 errcode %lld：%.200s",
                     (long long)o->errcode, msg ? msg : "");
        else
            snprintf(o->error, sizeof o->error, "机器人的回答没有 errcode");
    }
    json_decref(j);
}

static void post_json(CURL *h, const char *url, struct curl_slist *headers, const char *body,
                      bool robot, outcome *o)
{
    xn_buf answer;
    xn_buf_init(&answer, ANSWER_MAX + 1);
    curl_easy_reset(h);
    xn_http_request(h, url, headers, 5, 10);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &answer);
    CURLcode cc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    classify_http(o, cc, status, &answer, robot);
    xn_buf_release(&answer);
}

static char *dump(json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return s;
}

static void content_text(const pending *p, xn_buf *out)
{
    xn_buf_printf(out, "【%s】\n%s", p->title, p->body);
}

/* s as markdown text: the characters WeCom's markdown reads as markup (headings, bold, links,
 * code, quotes, <font> and <@mentions>) become their full-width forms, so the text of a
 * message (an incident's title as someone typed it) cannot add a link, a mention or a colour. */
static void append_plain(xn_buf *out, const char *s)
{
    static const char plain[] = "<>[]*`#";
    static const char *const wide[] = {"＜", "＞", "［", "］", "＊", "｀", "＃"};
    for (const char *run = s;; s++) {
        const char *hit = *s ? strchr(plain, *s) : NULL;
        if (*s && !hit)
            continue;
        xn_buf_append(out, run, (size_t)(s - run));
        if (!*s)
            return;
        xn_buf_puts(out, wide[hit - plain]);
        run = s + 1;
    }
}

/* WeCom markdown: 【title】 bold, green for information and orange-red for warnings and
 * critical events (WeCom's "info" and "warning" colours), then the body as text. */
static void content_markdown(const pending *p, xn_buf *out)
{
    xn_buf_printf(out, "<font color=\"%s\">**【",
                  strcmp(p->severity, "info") == 0 ? "info" : "warning");
    append_plain(out, p->title);
    xn_buf_puts(out, "】**</font>\n");
    append_plain(out, p->body);
}

static void send_robot(CURL *h, const channel_row *ch, const pending *p, json_t *mobiles,
                       outcome *o)
{
    bool markdown = strcmp(ch->kind, "wecom") == 0 && strcmp(ch->msgtype, "markdown") == 0;
    xn_buf text;
    /* room for markdown's full-width forms: three bytes for one */
    xn_buf_init(&text, NOTIFY_MAX_TEXT * 4);
    if (markdown)
        content_markdown(p, &text);
    else
        content_text(p, &text);
    struct curl_slist *headers =
        curl_slist_append(NULL, "Content-Type: application/json; charset=utf-8");
    char url[NOTIFY_MAX_URL + 200];
    char *body;
    if (markdown) {
        xn_strlcpy(url, ch->url, sizeof url);
        body = dump(
            json_pack("{s:s,s:{s:s}}", "msgtype", "markdown", "markdown", "content", text.data));
    } else if (strcmp(ch->kind, "wecom") == 0) {
        xn_strlcpy(url, ch->url, sizeof url);
        body = dump(json_pack("{s:s,s:{s:s,s:O}}", "msgtype", "text", "text", "content", text.data,
                              "mentioned_mobile_list", mobiles));
    } else {
        /* DingTalk signing: timestamp in ms, HMAC-SHA256 keyed by the secret over
         * timestamp "\n" secret, base64, URL-encoded */
        long long ms = (long long)(xn_now_us() / 1000);
        char to_sign[32 + NOTIFY_MAX_SECRET];
        int len = snprintf(to_sign, sizeof to_sign, "%lld\n%s", ms, ch->secret);
        uint8_t mac[CRYPTO_HMAC_SHA256_BYTES];
        crypto_hmac_sha256(ch->secret, strlen(ch->secret), to_sign, (size_t)len, mac);
        char b64[64];
        crypto_base64(mac, sizeof mac, b64);
        char *enc = curl_easy_escape(h, b64, 0);
        snprintf(url, sizeof url, "%s%stimestamp=%lld&sign=%s", ch->url,
                 strchr(ch->url, '?') ? "&" : "?", ms, enc ? enc : "");
        curl_free(enc);
        crypto_wipe(to_sign, sizeof to_sign);
        body = dump(json_pack("{s:s,s:{s:s},s:{s:O,s:b}}", "msgtype", "text", "text", "content",
                              text.data, "at", "atMobiles", mobiles, "isAtAll", false));
    }
    post_json(h, url, headers, body, true, o);
    free(body);
    curl_slist_free_all(headers);
    xn_buf_release(&text);
}

static void send_webhook(CURL *h, const channel_row *ch, const pending *p, outcome *o)
{
    char *body =
        dump(json_pack("{s:s,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:I}", "delivery_key", p->dkey, "id",
                       (json_int_t)p->message_id, "kind", p->kind, "severity", p->severity, "title",
                       p->title, "body", p->body, "object_type", p->object_type, "object_id",
                       p->object_id, "created_at", (json_int_t)p->created_at));
    char ts[24], h_ts[48], h_sig[128], h_key[80];
    snprintf(ts, sizeof ts, "%lld", (long long)(xn_now_us() / US));
    snprintf(h_ts, sizeof h_ts, "X-Xinan-Timestamp: %s", ts);
    snprintf(h_key, sizeof h_key, "X-Xinan-Delivery: %s", p->dkey);
    struct curl_slist *headers =
        curl_slist_append(NULL, "Content-Type: application/json; charset=utf-8");
    headers = curl_slist_append(headers, h_ts);
    headers = curl_slist_append(headers, h_key);
    if (ch->secret[0]) {
        size_t blen = strlen(body), tlen = strlen(ts);
        char *msg = xn_xmalloc(tlen + 1 + blen);
        memcpy(msg, ts, tlen);
        msg[tlen] = '.';
        memcpy(msg + tlen + 1, body, blen);
        uint8_t mac[CRYPTO_HMAC_SHA256_BYTES];
        crypto_hmac_sha256(ch->secret, strlen(ch->secret), msg, tlen + 1 + blen, mac);
        free(msg);
        char hex[2 * CRYPTO_HMAC_SHA256_BYTES + 1];
        xn_hex(mac, sizeof mac, hex);
        snprintf(h_sig, sizeof h_sig, "X-Xinan-Signature: %s", hex);
        headers = curl_slist_append(headers, h_sig);
    }
    post_json(h, ch->url, headers, body, false, o);
    free(body);
    curl_slist_free_all(headers);
}

typedef struct upload {
    const char *data;
    size_t len, pos;
} upload;

static size_t feed(char *buf, size_t size, size_t nmemb, void *ctx)
{
    upload *u = ctx;
    size_t n = size * nmemb;
    if (n > u->len - u->pos)
        n = u->len - u->pos;
    memcpy(buf, u->data + u->pos, n);
    u->pos += n;
    return n;
}

static void base64_lines(xn_buf *out, const char *s, size_t len)
{
    /* 57 bytes → 76 characters a line (RFC 2045) */
    for (size_t i = 0; i < len; i += 57) {
        size_t n = len - i < 57 ? len - i : 57;
        char line[80];
        crypto_base64(s + i, n, line);
        xn_buf_printf(out, "%s\r\n", line);
    }
}

static void send_mail(CURL *h, const channel_row *ch, const pending *p, struct curl_slist *rcpt,
                      outcome *o)
{
    if (!rcpt) {
        snprintf(o->error, sizeof o->error, "接收组中没有邮箱");
        return;
    }
    xn_buf msg;
    xn_buf_init(&msg, NOTIFY_MAX_TEXT * 3);
    char date[64];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    size_t tlen = strlen(p->title);
    char *subject = xn_xmalloc(crypto_base64_len(tlen));
    crypto_base64(p->title, tlen, subject);
    xn_buf_printf(&msg, "Date: %s\r\nFrom: <%s>\r\nTo: ", date, ch->mail_from);
    for (struct curl_slist *r = rcpt; r; r = r->next)
        xn_buf_printf(&msg, "%s%s", r->data, r->next ? ", " : "\r\n");
    xn_buf_printf(&msg,
                  "Subject: =?UTF-8?B?%s?=\r\nMessage-ID: <%s.%lld@xinan>\r\nMIME-Version: 1.0\r\n"
                  "Content-Type: text/plain; charset=UTF-8\r\n"
                  "Content-Transfer-Encoding: base64\r\n\r\n",
                  subject, p->dkey, (long long)p->created_at);
    free(subject);
    base64_lines(&msg, p->body, strlen(p->body));
    upload u = {.data = msg.data, .len = msg.len};
    char from[NOTIFY_MAX_MAIL + 3];
    snprintf(from, sizeof from, "<%s>", ch->mail_from);
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, ch->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, feed);
    curl_easy_setopt(h, CURLOPT_READDATA, &u);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    if (ch->secret[0]) {
        curl_easy_setopt(h, CURLOPT_USERNAME, ch->mail_from);
        curl_easy_setopt(h, CURLOPT_PASSWORD, ch->secret);
    }
    CURLcode cc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    o->status = status;
    if (cc == CURLE_OK) {
        o->ok = true;
    } else {
        /* 4xx answers and connection trouble are passing; 5xx are the server's refusal */
        o->retry = status == 0 || (status >= 400 && status < 500);
        snprintf(o->error, sizeof o->error, "邮件发送失败：%s（SMTP %ld）", curl_easy_strerror(cc),
                 status);
    }
    xn_buf_release(&msg);
}

/* ---- recording --------------------------------------------------------------------------- */

typedef struct record_ctx {
    int64_t channel;
    const pending *p;
    const outcome *o;
    int64_t now;
} record_ctx;

static int64_t retry_delay(int attempts)
{
    int64_t d = NOTIFY_RETRY_FIRST_S * US;
    for (int i = 1; i < attempts && d < NOTIFY_RETRY_MAX_S * US; i++)
        d *= 2;
    return d < NOTIFY_RETRY_MAX_S * US ? d : NOTIFY_RETRY_MAX_S * US;
}

static int record_tx(store_conn *tx, void *ctx, xn_error *err)
{
    record_ctx *r = ctx;
    const outcome *o = r->o;
    store_stmt *st;
    int rc = store_prepare(tx,
                           "INSERT INTO notify_attempt (delivery_id, channel_id, at, ok, status,"
                           " errcode, took_us, error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, r->p->id);
    store_bind_int(st, 2, r->channel);
    store_bind_int(st, 3, r->now);
    store_bind_int(st, 4, o->ok);
    if (o->status)
        store_bind_int(st, 5, o->status);
    else
        store_bind_null(st, 5);
    if (o->has_errcode)
        store_bind_int(st, 6, o->errcode);
    else
        store_bind_null(st, 6);
    store_bind_int(st, 7, o->took_us);
    store_bind_text(st, 8, o->ok ? NULL : o->error, -1);
    rc = notify_step_done(st, err);
    if (rc != XN_OK)
        return rc;
    int attempts = r->p->attempts + 1;
    const char *state = o->ok ? "sent" : o->retry && attempts < MAX_ATTEMPTS ? "pending" : "failed";
    /* the delivery key: only a delivery still pending changes, so a message is sent once */
    rc = store_prepare(tx,
                       "UPDATE notify_delivery SET state = $2, attempts = $3, next_at = $4,"
                       " sent_at = $5, last_error = $6 WHERE id = $1 AND state = 'pending'",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, r->p->id);
    store_bind_text(st, 2, state, -1);
    store_bind_int(st, 3, attempts);
    store_bind_int(st, 4, o->ok ? r->now : r->now + retry_delay(attempts));
    if (o->ok)
        store_bind_int(st, 5, r->now);
    else
        store_bind_null(st, 5);
    store_bind_text(st, 6, o->ok ? NULL : o->error, -1);
    rc = notify_step_done(st, err);
    if (rc != XN_OK)
        return rc;
    rc = store_prepare(tx,
                       o->ok ? "UPDATE notify_channel SET failing_since = NULL, alerted_at = NULL,"
                               " last_error = NULL WHERE id = $1 AND failing_since IS NOT NULL"
                             : "UPDATE notify_channel SET failing_since = coalesce(failing_since,"
                               " $2), last_error = $3 WHERE id = $1",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, r->channel);
    if (!o->ok) {
        store_bind_int(st, 2, r->now);
        store_bind_text(st, 3, o->error, -1);
    }
    return notify_step_done(st, err);
}

/* ---- the jobs ---------------------------------------------------------------------------- */

typedef struct next_ctx {
    notify_ctx *n;
    const char *key;
    int64_t channel;
    int64_t not_before; /* the rate's next free slot (0: none) */
    int64_t skew;       /* the rules' clock minus the wall clock the runner schedules by */
    int64_t due;        /* out: when scheduled (0: nothing pending) */
} next_ctx;

/* Inside one write transaction, so a message raised meanwhile is either seen here or
 * schedules the job itself after this. */
static int next_tx(store_conn *tx, void *ctx, xn_error *err)
{
    next_ctx *x = ctx;
    x->due = 0;
    store_stmt *st;
    int rc = store_prepare(tx,
                           "SELECT next_at FROM notify_delivery WHERE channel_id = $1 AND state ="
                           " 'pending' ORDER BY next_at LIMIT 1",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, x->channel);
    rc = store_step(st, err);
    if (rc != STORE_ROW)
        return rc < 0 ? rc : XN_OK;
    int64_t due = store_col_int(st, 0);
    store_stmt_done(st);
    if (due < x->not_before)
        due = x->not_before;
    x->due = due;
    return jobs_schedule(x->n->opt.jobs, tx, "notify.deliver", x->key, due - x->skew, err);
}

int notify_deliver_job(jobs_run *run, xn_error *err)
{
    notify_ctx *n = ctx_of(run);
    int64_t channel = 0;
    if (xn_parse_int64(run->key, 1, INT64_MAX, &channel) != XN_OK)
        return xn_fail(err, XN_EINVAL, "bad_key", "notify.deliver needs a channel id");
    channel_row *ch = xn_xcalloc(1, sizeof *ch);
    store_conn *c = NULL;
    pending *p = NULL;
    size_t np = 0;
    CURL *h = NULL;
    int sent = 0, failed = 0;
    int64_t not_before = 0;
    int rc = store_acquire(n->opt.db, &c, err);
    if (rc == XN_OK)
        rc = load_channel(n, c, channel, ch, err);
    if (rc != XN_OK || !ch->live)
        goto out;
    int limit = BATCH;
    /* delivery times are on the rules' clock, so the test clock moves retries too */
    int64_t now = run->now_us;
    if (ch->rate > 0) {
        /* the rate: sends in the last minute; the excess waits for a free slot */
        store_stmt *st;
        rc = store_prepare(c,
                           "SELECT count(*), coalesce(min(at), 0) FROM notify_attempt WHERE"
                           " channel_id = $1 AND at > $2",
                           &st, err);
        if (rc != XN_OK)
            goto out;
        store_bind_int(st, 1, channel);
        store_bind_int(st, 2, now - 60 * US);
        rc = store_step(st, err);
        if (rc != STORE_ROW) {
            rc = rc < 0 ? rc : XN_EINTERNAL;
            goto out;
        }
        int64_t used = store_col_int(st, 0), oldest = store_col_int(st, 1);
        store_stmt_done(st);
        rc = XN_OK;
        if (used >= ch->rate) {
            not_before = oldest + 60 * US + 1000;
            limit = 0;
        } else if (ch->rate - used < limit) {
            limit = (int)(ch->rate - used);
        }
    }
    if (limit > 0)
        rc = load_pending(c, channel, now, limit, &p, &np, err);
    if (rc != XN_OK)
        goto out;
    h = np ? curl_easy_init() : NULL;
    if (np && !h) {
        rc = xn_fail(err, XN_EINTERNAL, "internal", "curl_easy_init failed");
        goto out;
    }
    for (size_t i = 0; i < np; i++) {
        json_t *mobiles = json_array();
        struct curl_slist *mails = NULL;
        bool mail = strcmp(ch->kind, "mail") == 0;
        rc = load_recipients(c, p[i].group_id, mobiles, mail ? &mails : NULL, err);
        if (rc == XN_OK && mail && !mails && !p[i].group_id) {
            /* a test message without a group goes to the sender's own address */
            char self[NOTIFY_MAX_MAIL + 3];
            snprintf(self, sizeof self, "<%s>", ch->mail_from);
            mails = curl_slist_append(NULL, self);
        }
        outcome o = {0};
        int64_t t0 = xn_monotonic_us();
        if (rc == XN_OK) {
            if (strcmp(ch->kind, "webhook") == 0)
                send_webhook(h, ch, &p[i], &o);
            else if (mail)
                send_mail(h, ch, &p[i], mails, &o);
            else
                send_robot(h, ch, &p[i], mobiles, &o);
        }
        o.took_us = xn_monotonic_us() - t0;
        json_decref(mobiles);
        curl_slist_free_all(mails);
        if (rc != XN_OK)
            break;
        record_ctx r = {
            .channel = channel, .p = &p[i], .o = &o, .now = now + (xn_monotonic_us() - t0)};
        /* the connection goes back while the write transaction runs on another */
        rc = store_tx(n->opt.db, record_tx, &r, err);
        if (rc != XN_OK)
            break;
        sent += o.ok;
        failed += !o.ok;
    }
    if (rc == XN_OK && ch->rate > 0 && np == (size_t)limit && limit > 0) {
        /* this run used the rest of the minute's allowance */
        not_before = now + 60 * US / (ch->rate > 0 ? ch->rate : 1);
    }
out:
    if (h)
        curl_easy_cleanup(h);
    free_pending(p, np);
    if (c)
        store_release(c);
    crypto_wipe(ch->secret, sizeof ch->secret);
    free(ch);
    if (rc != XN_OK)
        return rc;
    next_ctx x = {.n = n,
                  .key = run->key,
                  .channel = channel,
                  .not_before = not_before,
                  .skew = run->now_us - xn_now_us()};
    rc = store_tx(n->opt.db, next_tx, &x, err);
    if (sent)
        json_object_set_new(run->summary, "sent", json_integer(sent));
    if (failed)
        json_object_set_new(run->summary, "failed", json_integer(failed));
    return rc;
}

typedef struct watch_ctx {
    notify_ctx *n;
    int64_t before;
    int alerted;
} watch_ctx;

static int watch_tx(store_conn *tx, void *ctx, xn_error *err)
{
    watch_ctx *w = ctx;
    w->alerted = 0;
    store_stmt *st;
    int rc = store_prepare(tx,
                           "SELECT id, name, coalesce(last_error, '') FROM notify_channel WHERE"
                           " failing_since IS NOT NULL AND failing_since <= $1 AND alerted_at IS"
                           " NULL AND deleted_at IS NULL ORDER BY id LIMIT 20",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, w->before);
    json_t *found = json_array();
    while ((rc = store_step(st, err)) == STORE_ROW)
        json_array_append_new(
            found, json_pack("{s:I,s:s,s:s}", "id", (json_int_t)store_col_int(st, 0), "channel",
                             store_col_text(st, 1), "error", store_col_text(st, 2)));
    rc = rc < 0 ? rc : XN_OK;
    for (size_t i = 0; rc == XN_OK && i < json_array_size(found); i++) {
        json_t *f = json_array_get(found, i);
        int64_t id = json_integer_value(json_object_get(f, "id"));
        json_object_del(f, "id");
        char oid[24];
        snprintf(oid, sizeof oid, "%lld", (long long)id);
        rc = notify_raise(w->n, tx, "notify.channel_failing", NULL, "notify_channel", oid, f, NULL,
                          err);
        if (rc == XN_OK)
            rc = store_prepare(tx, "UPDATE notify_channel SET alerted_at = $2 WHERE id = $1", &st,
                               err);
        if (rc == XN_OK) {
            store_bind_int(st, 1, id);
            store_bind_int(st, 2, xn_now_us());
            rc = notify_step_done(st, err);
        }
        if (rc == XN_OK)
            rc = notify_audit(w->n, tx, &audit_system_actor, "notify.channel_failing",
                              "notify_channel", id, f, err);
        w->alerted++;
    }
    json_decref(found);
    return rc;
}

int notify_watch_job(jobs_run *run, xn_error *err)
{
    /* an hour on the rules' clock, so the test clock can move past it */
    watch_ctx w = {.n = ctx_of(run), .before = run->now_us - 3600 * US};
    int rc = store_tx(w.n->opt.db, watch_tx, &w, err);
    if (rc == XN_OK && w.alerted)
        json_object_set_new(run->summary, "alerted", json_integer(w.alerted));
    return rc;
}

int notify_job_flagged(void *app, store_conn *tx, const jobs_kind *kind, int failures,
                       const char *error, xn_error *err)
{
    notify_ctx *n = ((notify_app *)app)->notify;
    json_t *vars = json_pack("{s:s,s:s,s:i,s:s}", "kind", kind->name, "title",
                             kind->title ? kind->title : kind->name, "failures", failures, "error",
                             error ? error : "");
    int rc =
        notify_raise(n, tx, "jobs.kind_failing", NULL, "job_kind", kind->name, vars, NULL, err);
    json_decref(vars);
    return rc;
}
