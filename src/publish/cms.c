/*
 * The external CMS target (publication targets, PUB): every publication and withdrawal is put
 * in an outbox in the transaction that makes it (nothing lost, nothing sent for a change rolled
 * back) and delivered by the job publish.cms as a signed webhook, the scheme of the
 * notifications' generic webhook: POST the JSON with X-Xinan-Timestamp (Unix seconds),
 * X-Xinan-Signature (hex HMAC-SHA256(secret, timestamp "." body)) and X-Xinan-Delivery (the
 * delivery's id, so a receiver drops a repeat). A failed delivery is retried with backoff
 * (1 min doubling to 1 h), 10 tries at most, each try recorded.
 */
#include "publish/publish_int.h"

#include "crypto/crypto.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#define CMS_TRIES 10

int publish_cms_enqueue(publish_ctx *p, store_conn *tx, int64_t item, const char *event,
                        const char *reason, xn_error *err)
{
    if (!p->opt.cms_url || !*p->opt.cms_url)
        return XN_OK;
    json_t *it = NULL;
    int rc = publish_item_json_tx(p, tx, item, 0, &it, err);
    if (rc != XN_OK)
        return rc;
    json_t *payload = json_pack(
        "{s:s, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O}", "event", event, "id",
        json_object_get(it, "id"), "title", json_object_get(it, "title"), "column",
        json_object_get(it, "column"), "column_path", json_object_get(it, "column_path"), "path",
        json_object_get(it, "published_path"), "version", json_object_get(it, "version"), "digest",
        json_object_get(it, "digest"), "body_html", json_object_get(it, "body_html"),
        "published_at", json_object_get(it, "published_at"));
    json_decref(it);
    if (reason)
        json_object_set_new(payload, "reason", json_string(reason));
    char *body = json_dumps(payload, JSON_COMPACT);
    json_decref(payload);
    if (!body)
        return xn_fail(err, XN_ENOMEM, "no_memory", "out of memory");
    store_stmt *st;
    rc = store_prepare(tx,
                       "INSERT INTO publish_delivery (item_id, event, payload, created_at, next_at,"
                       " attempts, status) VALUES ($1, $2, $3, $4, $4, 0, 'pending')",
                       &st, err);
    if (rc == XN_OK) {
        store_bind_int(st, 1, item);
        store_bind_text(st, 2, event, -1);
        store_bind_text(st, 3, body, -1);
        store_bind_int(st, 4, xn_now_us());
        rc = store_step(st, err);
        store_stmt_done(st);
        rc = rc < 0 ? rc : XN_OK;
    }
    free(body);
    if (rc == XN_OK && p->jobs)
        rc = jobs_schedule(p->jobs, tx, PUBLISH_JOB_CMS, "", xn_now_us(), err);
    return rc;
}

static size_t discard(char *data, size_t size, size_t n, void *ctx)
{
    (void)data;
    (void)ctx;
    return size * n;
}

/* One POST; "" on success, else why it failed. */
static void deliver(const publish_ctx *p, int64_t id, const char *body, char *why, size_t size)
{
    char ts[24], h_ts[64], h_sig[128], h_id[64];
    snprintf(ts, sizeof ts, "%lld", (long long)(xn_now_us() / 1000000));
    size_t tl = strlen(ts), bl = strlen(body);
    char *msg = malloc(tl + 1 + bl);
    if (!msg) {
        snprintf(why, size, "out of memory");
        return;
    }
    memcpy(msg, ts, tl);
    msg[tl] = '.';
    memcpy(msg + tl + 1, body, bl);
    uint8_t mac[CRYPTO_HMAC_SHA256_BYTES];
    const char *secret = p->opt.cms_secret ? p->opt.cms_secret : "";
    crypto_hmac_sha256(secret, strlen(secret), msg, tl + 1 + bl, mac);
    free(msg);
    char hex[2 * CRYPTO_HMAC_SHA256_BYTES + 1];
    xn_hex(mac, sizeof mac, hex);
    snprintf(h_ts, sizeof h_ts, "X-Xinan-Timestamp: %s", ts);
    snprintf(h_sig, sizeof h_sig, "X-Xinan-Signature: %s", hex);
    snprintf(h_id, sizeof h_id, "X-Xinan-Delivery: cms-%lld", (long long)id);
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    headers = curl_slist_append(headers, h_ts);
    headers = curl_slist_append(headers, h_sig);
    headers = curl_slist_append(headers, h_id);
    CURL *h = curl_easy_init();
    if (!h) {
        curl_slist_free_all(headers);
        snprintf(why, size, "cannot start a request");
        return;
    }
    xn_http_request(h, p->opt.cms_url, headers, 5, 20);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)bl);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    CURLcode cc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(h);
    curl_slist_free_all(headers);
    if (cc != CURLE_OK)
        snprintf(why, size, "%s", curl_easy_strerror(cc));
    else if (status < 200 || status >= 300)
        snprintf(why, size, "HTTP %ld", status);
    else
        *why = '\0';
}

typedef struct done_ctx {
    int64_t id;
    int attempts;
    const char *why;
} done_ctx;

static int done_tx(store_conn *tx, void *ctx, xn_error *err)
{
    done_ctx *x = ctx;
    store_stmt *st;
    int64_t backoff = 60LL << (x->attempts - 1 < 6 ? x->attempts - 1 : 6);
    if (backoff > 3600)
        backoff = 3600;
    int rc = store_prepare(tx,
                           "UPDATE publish_delivery SET attempts = $2, last_error = $3,"
                           " status = CASE WHEN $3 = '' THEN 'sent' WHEN $2 >= $5 THEN 'failed'"
                           " ELSE 'pending' END, delivered_at = CASE WHEN $3 = '' THEN $4 END,"
                           " next_at = $4 + $6 WHERE id = $1",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, x->id);
    store_bind_int(st, 2, x->attempts);
    store_bind_text(st, 3, x->why, -1);
    store_bind_int(st, 4, xn_now_us());
    store_bind_int(st, 5, CMS_TRIES);
    store_bind_int(st, 6, backoff * 1000000);
    rc = store_step(st, err);
    store_stmt_done(st);
    return rc < 0 ? rc : XN_OK;
}

int publish_cms_job(publish_ctx *p, json_t *summary, xn_error *err)
{
    if (!p->opt.cms_url || !*p->opt.cms_url)
        return XN_OK;
    store_conn *c;
    int rc = store_acquire(p->opt.db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    typedef struct due {
        int64_t id;
        int attempts;
        char *payload;
    } due;
    due list[32];
    size_t n = 0;
    rc = store_prepare(c,
                       "SELECT id, attempts, payload FROM publish_delivery WHERE status = 'pending'"
                       " AND next_at <= $1 ORDER BY id LIMIT 32",
                       &st, err);
    if (rc == XN_OK) {
        store_bind_int(st, 1, xn_now_us());
        while ((rc = store_step(st, err)) == STORE_ROW && n < 32) {
            list[n].id = store_col_int(st, 0);
            list[n].attempts = (int)store_col_int(st, 1);
            list[n].payload = strdup(store_col_text(st, 2));
            n++;
        }
        if (rc == STORE_ROW)
            store_stmt_done(st);
    }
    store_release(c);
    int sent = 0, failed = 0;
    int64_t next = 0;
    for (size_t i = 0; i < n; i++) {
        char why[256] = "out of memory";
        if (list[i].payload)
            deliver(p, list[i].id, list[i].payload, why, sizeof why);
        done_ctx x = {.id = list[i].id, .attempts = list[i].attempts + 1, .why = why};
        xn_error one;
        if (store_tx(p->opt.db, done_tx, &x, &one) == XN_OK)
            *why ? failed++ : sent++;
        free(list[i].payload);
        if (*why && (!next || next > xn_now_us() + 60000000))
            next = xn_now_us() + 60000000;
    }
    if (sent)
        json_object_set_new(summary, "sent", json_integer(sent));
    if (failed)
        json_object_set_new(summary, "failed", json_integer(failed));
    (void)next;
    return rc < 0 ? rc : XN_OK;
}

int publish_deliveries_json(publish_ctx *p, json_t **out, xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(p->opt.db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    rc = store_prepare(c,
                       "SELECT id, item_id, event, status, attempts, coalesce(last_error, ''),"
                       " created_at, coalesce(delivered_at, 0) FROM publish_delivery"
                       " ORDER BY id DESC LIMIT 200",
                       &st, err);
    if (rc != XN_OK) {
        store_release(c);
        return rc;
    }
    json_t *items = json_array();
    while ((rc = store_step(st, err)) == STORE_ROW)
        json_array_append_new(
            items,
            json_pack("{s:I, s:I, s:s, s:s, s:I, s:s, s:I, s:I}", "id",
                      (json_int_t)store_col_int(st, 0), "item_id", (json_int_t)store_col_int(st, 1),
                      "event", store_col_text(st, 2), "status", store_col_text(st, 3), "attempts",
                      (json_int_t)store_col_int(st, 4), "last_error", store_col_text(st, 5),
                      "created_at", (json_int_t)store_col_int(st, 6), "delivered_at",
                      (json_int_t)store_col_int(st, 7)));
    store_release(c);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    *out = json_pack("{s:o, s:b}", "items", items, "configured", p->opt.cms_url && *p->opt.cms_url);
    return XN_OK;
}
