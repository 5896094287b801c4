/*
 * One check of a site: fetch its page (libcurl), judge availability after `failures`
 * consecutive failures, read the page (links.c) for words and dark links, compare every page
 * xinan published there with the approved bytes, and record it all in one transaction with the
 * state changes, their events and notifications. Down and tampering open an incident (its own
 * transaction, after the check's commit), one open incident per site and cause.
 */
#include "monitor/monitor_int.h"

#include <curl/curl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

typedef struct fetched {
    bool ok;
    long status;
    int64_t latency_ms;
    int64_t cert_expires; /* µs, 0 when unknown */
    char error[256];
    xn_buf body;
    bool truncated; /* the page was longer than MONITOR_MAX_BODY: its beginning is read */
} fetched;

/* Keeps the page up to MONITOR_MAX_BODY; past it the transfer stops, and the page is judged
 * by its beginning rather than reported as a failure. */
static size_t collect(char *data, size_t size, size_t n, void *ctx)
{
    fetched *f = ctx;
    if (xn_buf_append(&f->body, data, size * n) == XN_OK)
        return size * n;
    f->truncated = true;
    return 0;
}

static int64_t cert_expiry(CURL *h)
{
    struct curl_certinfo *ci = NULL;
    if (curl_easy_getinfo(h, CURLINFO_CERTINFO, &ci) != CURLE_OK || !ci || ci->num_of_certs < 1)
        return 0;
    for (struct curl_slist *s = ci->certinfo[0]; s; s = s->next) {
        if (strncmp(s->data, "Expire date:", 12) != 0)
            continue;
        struct tm tm = {0};
        if (!strptime(s->data + 12, "%b %d %H:%M:%S %Y", &tm))
            return 0;
        return (int64_t)timegm(&tm) * 1000000;
    }
    return 0;
}

/* The status of a link of the site's own (HEAD; GET when HEAD is not allowed), 0 when it could
 * not be reached at all. */
static long link_status(const char *url, bool v6_only)
{
    CURL *h = curl_easy_init();
    if (!h)
        return 0;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 3L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    if (v6_only)
        curl_easy_setopt(h, CURLOPT_IPRESOLVE, (long)CURL_IPRESOLVE_V6);
    long status = 0;
    if (curl_easy_perform(h) == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(h);
    return status;
}

static void fetch(const char *url, fetched *f)
{
    *f = (fetched){0};
    xn_buf_init(&f->body, MONITOR_MAX_BODY);
    CURL *h = curl_easy_init();
    if (!h) {
        snprintf(f->error, sizeof f->error, "cannot start a request");
        return;
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 3L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 15L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CERTINFO, 1L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "xinan-monitor/1");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, f);
    CURLcode cc = curl_easy_perform(h);
    curl_off_t total = 0;
    curl_easy_getinfo(h, CURLINFO_TOTAL_TIME_T, &total);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &f->status);
    f->latency_ms = (int64_t)(total / 1000);
    if (cc == CURLE_WRITE_ERROR && f->truncated)
        cc = CURLE_OK;
    if (cc == CURLE_OK)
        f->cert_expires = cert_expiry(h);
    curl_easy_cleanup(h);
    if (cc != CURLE_OK)
        snprintf(f->error, sizeof f->error, "%s", curl_easy_strerror(cc));
    else if (f->status < 200 || f->status >= 400)
        snprintf(f->error, sizeof f->error, "HTTP %ld", f->status);
    f->ok = cc == CURLE_OK && f->status >= 200 && f->status < 400;
    xn_buf_puts(&f->body, "");
}

/* ---- what a check found ------------------------------------------------------------------- */

typedef struct finding {
    const char *kind; /* dark_link, word_forbidden, word_missing, sensitive, cert_expiring,
                       * tampered */
    char detail[600];
} finding;

typedef struct site_row {
    int64_t id;
    char name[128], url[MONITOR_MAX_URL + 1], host[256], state[16], group[80];
    char *must, *forbidden, *allow;
    int failures, failures_in_row, interval_s;
    bool publish_target, ipv6;
} site_row;

static const char *kind_text(const char *k)
{
    return strcmp(k, "down") == 0             ? "网站无法访问"
           : strcmp(k, "up") == 0             ? "网站恢复访问"
           : strcmp(k, "tampered") == 0       ? "网页被篡改"
           : strcmp(k, "dark_link") == 0      ? "发现暗链或未经许可的外链"
           : strcmp(k, "word_forbidden") == 0 ? "出现禁止出现的词语"
           : strcmp(k, "word_missing") == 0   ? "缺少必须出现的词语"
           : strcmp(k, "sensitive") == 0      ? "页面含敏感词或错敏字词"
           : strcmp(k, "cert_expiring") == 0  ? "证书即将过期"
           : strcmp(k, "dead_link") == 0      ? "站内链接失效"
           : strcmp(k, "no_ipv6") == 0        ? "IPv6 无法访问"
                                              : k;
}

/* Whether some word of a list (separated by commas, 、, ， or newlines) is present (or, with
 * want_present false, absent) in text; the word into hit. */
static bool any_word(const char *list, const char *text, bool want_present, char *hit, size_t size)
{
    static const char *const seps[] = {",", "\n", "，", "、"};
    const char *p = list;
    while (p && *p) {
        /* the nearest separator, whole: a multi-byte one is never split */
        const char *end = p + strlen(p), *next = end;
        for (size_t i = 0; i < sizeof seps / sizeof seps[0]; i++) {
            const char *at = strstr(p, seps[i]);
            if (at && at < end) {
                end = at;
                next = at + strlen(seps[i]);
            }
        }
        char w[256];
        size_t n = (size_t)(end - p);
        while (n && *p == ' ') {
            p++;
            n--;
        }
        while (n && p[n - 1] == ' ')
            n--;
        if (n > 0 && n < sizeof w) {
            memcpy(w, p, n);
            w[n] = '\0';
            if ((strstr(text, w) != NULL) == want_present) {
                snprintf(hit, size, "%s", w);
                return true;
            }
        }
        p = next;
    }
    return false;
}

static bool host_allowed(const site_row *s, const char *host)
{
    if (!*host || strcasecmp(host, s->host) == 0)
        return true;
    if (!s->allow)
        return false;
    const char *p = s->allow;
    size_t hl = strlen(host);
    while (*p) {
        while (*p == ' ' || *p == ',' || *p == '\n')
            p++;
        size_t n = strcspn(p, " ,\n");
        /* an allowed host covers its subdomains: example.gov.cn allows www.example.gov.cn */
        if (n && n <= hl && strncasecmp(host + hl - n, p, n) == 0 &&
            (n == hl || host[hl - n - 1] == '.'))
            return true;
        p += n;
    }
    return false;
}

typedef struct sensitive_ctx {
    size_t hits;
    char first[200];
} sensitive_ctx;

static int on_sensitive(void *ctx, const text_hit *h)
{
    sensitive_ctx *s = ctx;
    if (s->hits++ == 0)
        snprintf(s->first, sizeof s->first, "%s", h->entry);
    return 0;
}

/* MON-6: the site's own links that answer 404 or an error (at most MAX_LINK_CHECKS a check). */
#define MAX_LINK_CHECKS 30
static void dead_links(const site_row *s, const monitor_page *pg, finding *out, int *n, int max)
{
    char base[MONITOR_MAX_URL + 1];
    xn_strlcpy(base, s->url, sizeof base);
    char *q = strpbrk(base, "?#");
    if (q)
        *q = '\0';
    /* the origin (scheme://host[:port]) and the page's directory */
    const char *scheme_end = strstr(base, "://");
    char *path = scheme_end ? strchr((char *)scheme_end + 3, '/') : NULL;
    char origin[MONITOR_MAX_URL + 1], dir[MONITOR_MAX_URL + 1];
    snprintf(origin, sizeof origin, "%.*s", path ? (int)(path - base) : (int)strlen(base), base);
    snprintf(dir, sizeof dir, "%.*s", path ? (int)(strrchr(base, '/') - base) : (int)strlen(base),
             base);
    int checked = 0, dead = 0;
    char first[600] = "";
    for (size_t i = 0; i < pg->nlinks && checked < MAX_LINK_CHECKS; i++) {
        const monitor_link *l = &pg->links[i];
        const char *href = l->href;
        char url[MONITOR_MAX_URL * 2 + 8];
        if (strncmp(href, "mailto:", 7) == 0 || strncmp(href, "javascript:", 11) == 0 ||
            href[0] == '#' || href[0] == '\0')
            continue;
        if (*l->host) {
            if (strcasecmp(l->host, s->host) != 0)
                continue; /* other hosts are the dark-link check's */
            snprintf(url, sizeof url, "%s", href);
        } else if (href[0] == '/' && href[1] != '/') {
            snprintf(url, sizeof url, "%s%s", origin, href);
        } else if (!strstr(href, "://")) {
            snprintf(url, sizeof url, "%s/%s", dir, href);
        } else {
            continue;
        }
        checked++;
        long st = link_status(url, false);
        if (st == 0 || st >= 400) {
            if (!dead++)
                snprintf(first, sizeof first, "%.400s（%s）", href,
                         st ? (st == 404 ? "404" : "错误") : "无法连接");
        }
    }
    if (dead && *n < max) {
        out[*n].kind = "dead_link";
        snprintf(out[(*n)++].detail, sizeof out->detail, "%d 个站内链接失效，如 %.400s", dead,
                 first);
    }
}

static void read_page(monitor_ctx *m, const site_row *s, const fetched *f, finding *out, int *n,
                      int max)
{
    monitor_page pg;
    xn_error err;
    if (monitor_page_parse(f->body.data, f->body.len, &pg, &err) != XN_OK)
        return;
    char hit[256];
    /* a forbidden word counts in hidden text too: hiding it is the trick of a dark link */
    if (*n < max && (any_word(s->forbidden, pg.text, true, hit, sizeof hit) ||
                     any_word(s->forbidden, f->body.data, true, hit, sizeof hit))) {
        out[*n].kind = "word_forbidden";
        snprintf(out[(*n)++].detail, sizeof out->detail, "页面出现“%s”", hit);
    }
    if (*n < max && any_word(s->must, pg.text, false, hit, sizeof hit)) {
        out[*n].kind = "word_missing";
        snprintf(out[(*n)++].detail, sizeof out->detail, "页面缺少“%s”", hit);
    }
    size_t dark = 0, hidden = 0;
    const char *first = NULL;
    for (size_t i = 0; i < pg.nlinks; i++) {
        if (host_allowed(s, pg.links[i].host))
            continue;
        if (!first || (pg.links[i].hidden && !hidden))
            first = pg.links[i].href;
        dark++;
        hidden += pg.links[i].hidden;
    }
    if (dark && *n < max) {
        out[*n].kind = "dark_link";
        snprintf(out[(*n)++].detail, sizeof out->detail,
                 "%zu 个链接指向未经许可的站点（其中 %zu 个被隐藏），如 %.300s", dark, hidden,
                 first);
    }
    dead_links(s, &pg, out, n, max);
    if (m->opt.lexicons && *n < max) {
        size_t nlex = 0;
        lexicon_set *set = lexicon_acquire(m->opt.lexicons);
        const text_lexicon *const *lex = lexicon_set_lexicons(set, &nlex);
        sensitive_ctx sc = {0};
        text_check_opts opts = {.mode = TEXT_MODE_LONGEST};
        if (nlex > 0)
            text_check(lex, nlex, pg.text, pg.text_len, &opts, on_sensitive, &sc, &err);
        lexicon_release(set);
        if (sc.hits) {
            out[*n].kind = "sensitive";
            snprintf(out[(*n)++].detail, sizeof out->detail, "页面文字命中 %zu 处，如“%s”", sc.hits,
                     sc.first);
        }
    }
    monitor_page_free(&pg);
}

/* Every page xinan published there, as served, against the approved bytes. */
static void compare_published(monitor_ctx *m, const site_row *s, finding *out, int *n, int max)
{
    store_conn *c;
    xn_error err;
    if (store_acquire(m->opt.db, &c, &err) != XN_OK)
        return;
    store_stmt *st;
    typedef struct page {
        char path[512];
        char digest[72];
    } page;
    page *pages = calloc(MONITOR_MAX_PAGES, sizeof *pages);
    size_t np = 0;
    if (pages && store_prepare(c, "SELECT path, digest FROM site_file ORDER BY path LIMIT $1", &st,
                               &err) == XN_OK) {
        store_bind_int(st, 1, MONITOR_MAX_PAGES);
        while (store_step(st, &err) == STORE_ROW) {
            xn_strlcpy(pages[np].path, store_col_text(st, 0), sizeof pages[np].path);
            xn_strlcpy(pages[np].digest, store_col_text(st, 1), sizeof pages[np].digest);
            np++;
        }
    }
    store_release(c);
    size_t bad = 0;
    char first[512] = "";
    /* the site's root: the URL without its last path segment (a page's name) */
    const char *path = strstr(s->url, "://");
    path = path ? strchr(path + 3, '/') : NULL;
    size_t base_len = path ? (size_t)(strrchr(s->url, '/') - s->url) : strlen(s->url);
    for (size_t i = 0; i < np; i++) {
        char url[MONITOR_MAX_URL + 600];
        snprintf(url, sizeof url, "%.*s/%s", (int)base_len, s->url, pages[i].path);
        fetched f;
        fetch(url, &f);
        unsigned char d[crypto_hash_sha256_BYTES];
        char hex[crypto_hash_sha256_BYTES * 2 + 1];
        crypto_hash_sha256(d, (const unsigned char *)f.body.data, f.body.len);
        sodium_bin2hex(hex, sizeof hex, d, sizeof d);
        if (!f.ok || strcmp(hex, pages[i].digest) != 0) {
            if (!bad++)
                snprintf(first, sizeof first, "%s%s", pages[i].path, f.ok ? "" : "（无法访问）");
        }
        xn_buf_release(&f.body);
    }
    free(pages);
    if (bad && *n < max) {
        out[*n].kind = "tampered";
        snprintf(out[(*n)++].detail, sizeof out->detail,
                 "%zu 个已发布页面与审核通过的内容不一致，如 %.400s", bad, first);
    }
}

/* ---- recording ---------------------------------------------------------------------------- */

typedef struct record_ctx {
    monitor_ctx *m;
    site_row *s;
    fetched *f;
    finding *found;
    int nfound;
    int64_t now;
    bool went_down, came_up;
    int64_t down_event, tamper_event;
    char tamper_detail[600];
} record_ctx;

static int raise(record_ctx *x, store_conn *tx, const char *kind, const char *detail,
                 int64_t *event_id, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(tx,
                           "INSERT INTO monitor_event (site_id, at, kind, detail, open)"
                           " VALUES ($1, $2, $3, $4, $5) RETURNING id",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, x->s->id);
    store_bind_int(st, 2, x->now);
    store_bind_text(st, 3, kind, -1);
    store_bind_text(st, 4, detail, -1);
    store_bind_int(st, 5, strcmp(kind, "up") != 0);
    if ((rc = store_step(st, err)) == STORE_ROW) {
        if (event_id)
            *event_id = store_col_int(st, 0);
        store_stmt_done(st);
    }
    if (rc < 0)
        return rc;
    char oid[24];
    snprintf(oid, sizeof oid, "%lld", (long long)x->s->id);
    json_t *vars = json_pack("{s:s, s:s, s:s, s:s}", "site", x->s->name, "url", x->s->url, "alarm",
                             kind_text(kind), "detail", detail);
    const char *event = strcmp(kind, "down") == 0 ? "monitor.down"
                        : strcmp(kind, "up") == 0 ? "monitor.up"
                                                  : "monitor.alarm";
    rc = x->m->opt.notify && x->s->group[0] ? notify_raise(x->m->opt.notify, tx, event, x->s->group,
                                                           "monitor_site", oid, vars, NULL, err)
                                            : XN_OK;
    json_decref(vars);
    if (rc == XN_OK)
        rc = monitor_record(x->m, tx, &audit_system_actor, "monitor.alarm", x->s->id,
                            json_pack("{s:s, s:s}", "kind", kind, "detail", detail), err);
    return rc;
}

static int record_tx(store_conn *tx, void *ctx, xn_error *err)
{
    record_ctx *x = ctx;
    site_row *s = x->s;
    store_stmt *st;
    int rc = store_prepare(tx,
                           "INSERT INTO monitor_check (site_id, at, ok, status, latency_ms, error)"
                           " VALUES ($1, $2, $3, $4, $5, $6)",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, s->id);
    store_bind_int(st, 2, xn_now_us());
    store_bind_int(st, 3, x->f->ok);
    store_bind_int(st, 4, x->f->status);
    store_bind_int(st, 5, x->f->latency_ms);
    if (x->f->error[0])
        store_bind_text(st, 6, x->f->error, -1);
    else
        store_bind_null(st, 6);
    rc = store_step(st, err);
    store_stmt_done(st);
    if (rc < 0)
        return rc;
    int in_row = x->f->ok ? 0 : s->failures_in_row + 1;
    const char *state = s->state;
    if (!x->f->ok && in_row >= s->failures && strcmp(s->state, "down") != 0) {
        state = "down";
        x->went_down = true;
        char detail[400];
        snprintf(detail, sizeof detail, "连续 %d 次检查失败：%s", in_row, x->f->error);
        rc = raise(x, tx, "down", detail, &x->down_event, err);
    } else if (x->f->ok && strcmp(s->state, "up") != 0) {
        state = "up";
        x->came_up = strcmp(s->state, "down") == 0;
        if (x->came_up) {
            rc =
                store_prepare(tx,
                              "UPDATE monitor_event SET open = 0, closed_at = $2 WHERE site_id = $1"
                              " AND kind = 'down' AND open = 1",
                              &st, err);
            if (rc == XN_OK) {
                store_bind_int(st, 1, s->id);
                store_bind_int(st, 2, x->now);
                rc = store_step(st, err);
                store_stmt_done(st);
                rc = rc < 0 ? rc : XN_OK;
            }
            if (rc == XN_OK)
                rc = raise(x, tx, "up", "网站恢复访问", NULL, err);
        }
    }
    if (rc != XN_OK)
        return rc;
    /* findings: an alarm when a kind appears, closed when a check no longer finds it */
    static const char *const kinds[] = {"tampered",     "dark_link", "word_forbidden",
                                        "word_missing", "sensitive", "cert_expiring",
                                        "dead_link",    "no_ipv6"};
    for (size_t k = 0; x->f->ok && k < sizeof kinds / sizeof kinds[0]; k++) {
        const finding *hit = NULL;
        for (int i = 0; i < x->nfound; i++)
            if (strcmp(x->found[i].kind, kinds[k]) == 0)
                hit = &x->found[i];
        int64_t open = 0;
        rc = store_prepare(tx,
                           "SELECT id FROM monitor_event WHERE site_id = $1 AND kind = $2"
                           " AND open = 1",
                           &st, err);
        if (rc != XN_OK)
            return rc;
        store_bind_int(st, 1, s->id);
        store_bind_text(st, 2, kinds[k], -1);
        if ((rc = store_step(st, err)) == STORE_ROW) {
            open = store_col_int(st, 0);
            store_stmt_done(st);
        }
        if (rc < 0)
            return rc;
        rc = XN_OK;
        if (hit && !open) {
            int64_t ev = 0;
            rc = raise(x, tx, kinds[k], hit->detail, &ev, err);
            if (rc == XN_OK && strcmp(kinds[k], "tampered") == 0) {
                x->tamper_event = ev;
                snprintf(x->tamper_detail, sizeof x->tamper_detail, "%s", hit->detail);
            }
        } else if (!hit && open) {
            rc = store_prepare(
                tx, "UPDATE monitor_event SET open = 0, closed_at = $2 WHERE id = $1", &st, err);
            if (rc == XN_OK) {
                store_bind_int(st, 1, open);
                store_bind_int(st, 2, x->now);
                rc = store_step(st, err);
                store_stmt_done(st);
                rc = rc < 0 ? rc : XN_OK;
            }
        }
        if (rc != XN_OK)
            return rc;
    }
    rc = store_prepare(tx,
                       "UPDATE monitor_site SET state = $2, state_since = CASE WHEN state = $2"
                       " THEN state_since ELSE $3 END, last_check_at = $3, last_latency_ms = $4,"
                       " last_status = $5, failures_in_row = $6, next_check_at = $7,"
                       " cert_expires_at = CASE WHEN $8 > 0 THEN $8 ELSE cert_expires_at END,"
                       " last_error = $9 WHERE id = $1",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, s->id);
    store_bind_text(st, 2, state, -1);
    store_bind_int(st, 3, x->now);
    store_bind_int(st, 4, x->f->latency_ms);
    store_bind_int(st, 5, x->f->status);
    store_bind_int(st, 6, in_row);
    store_bind_int(st, 7, xn_now_us() + (int64_t)s->interval_s * 1000000);
    store_bind_int(st, 8, x->f->cert_expires);
    store_bind_text(st, 9, x->f->error, -1);
    rc = store_step(st, err);
    store_stmt_done(st);
    return rc < 0 ? rc : XN_OK;
}

static int load_site(monitor_ctx *m, int64_t id, site_row *s, xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(m->opt.db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    rc = store_prepare(c,
                       "SELECT id, name, url, state, coalesce(group_name, ''), must_words,"
                       " forbidden_words, allow_hosts, failures, failures_in_row, interval_s,"
                       " publish_target, ipv6 FROM monitor_site WHERE id = $1 AND"
                       " removed_at IS NULL",
                       &st, err);
    if (rc == XN_OK) {
        store_bind_int(st, 1, id);
        rc = store_step(st, err);
        if (rc == STORE_ROW) {
            s->id = store_col_int(st, 0);
            xn_strlcpy(s->name, store_col_text(st, 1), sizeof s->name);
            xn_strlcpy(s->url, store_col_text(st, 2), sizeof s->url);
            xn_strlcpy(s->state, store_col_text(st, 3), sizeof s->state);
            xn_strlcpy(s->group, store_col_text(st, 4), sizeof s->group);
            s->must = store_col_is_null(st, 5) ? NULL : strdup(store_col_text(st, 5));
            s->forbidden = store_col_is_null(st, 6) ? NULL : strdup(store_col_text(st, 6));
            s->allow = store_col_is_null(st, 7) ? NULL : strdup(store_col_text(st, 7));
            s->failures = (int)store_col_int(st, 8);
            s->failures_in_row = (int)store_col_int(st, 9);
            s->interval_s = (int)store_col_int(st, 10);
            s->publish_target = store_col_int(st, 11) != 0;
            s->ipv6 = store_col_int(st, 12) != 0;
            store_stmt_done(st);
            rc = XN_OK;
        } else if (rc == STORE_DONE) {
            rc = xn_fail(err, XN_ENOTFOUND, "not_found", "监测网站不存在");
        }
    }
    store_release(c);
    if (rc == XN_OK)
        rc = monitor_url_check(m, s->url, s->host, sizeof s->host, err);
    for (char *p = s->host; *p; p++)
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    return rc;
}

static void site_free(site_row *s)
{
    free(s->must);
    free(s->forbidden);
    free(s->allow);
}

int monitor_check_site(monitor_ctx *m, int64_t id, xn_error *err)
{
    site_row s = {0};
    int rc = load_site(m, id, &s, err);
    if (rc != XN_OK) {
        site_free(&s);
        return rc;
    }
    fetched f;
    fetch(s.url, &f);
    finding found[10];
    int n = 0;
    if (f.ok) {
        read_page(m, &s, &f, found, &n, 10);
        if (f.cert_expires &&
            f.cert_expires - xn_now_us() < MONITOR_CERT_DAYS * 86400LL * 1000000) {
            found[n].kind = "cert_expiring";
            char t[XN_TIME_STR];
            xn_time_format(f.cert_expires, t);
            t[10] = '\0';
            snprintf(found[n++].detail, sizeof found->detail, "证书将于 %s 过期", t);
        }
        if (s.publish_target)
            compare_published(m, &s, found, &n, 10);
        /* MON-7: the page over IPv6 too (an AAAA record and a real connection) */
        if (s.ipv6 && n < 10) {
            long v6 = link_status(s.url, true);
            if (v6 == 0 || v6 >= 400) {
                found[n].kind = "no_ipv6";
                snprintf(found[n++].detail, sizeof found->detail, "通过 IPv6 %s",
                         v6 ? "访问出错" : "无法连接（无 AAAA 记录或不可达）");
            }
        }
    }
    record_ctx x = {.m = m, .s = &s, .f = &f, .found = found, .nfound = n, .now = monitor_now(m)};
    rc = store_tx(m->opt.db, record_tx, &x, err);
    /* incidents after the check's commit: down and tampering (INC-1, MON-10) */
    if (rc == XN_OK && m->opt.incidents && (x.went_down || x.tamper_event)) {
        char cause[INCIDENT_MAX_CAUSE], title[400];
        xn_error ierr;
        int64_t incident = 0;
        if (x.went_down) {
            snprintf(cause, sizeof cause, "monitor.down:%lld", (long long)s.id);
            snprintf(title, sizeof title, "网站无法访问：%s", s.name);
            incident_in in = {.kind = "site_down",
                              .title = title,
                              .site_affected = 1,
                              .note = f.error,
                              .cause = cause,
                              .source = "monitor"};
            if (incident_open(m->opt.incidents, &audit_system_actor, &in, &incident, NULL, &ierr) ==
                    XN_OK &&
                x.down_event)
                monitor_event_link(m, x.down_event, incident);
        }
        if (x.tamper_event) {
            snprintf(cause, sizeof cause, "monitor.tamper:%lld", (long long)s.id);
            snprintf(title, sizeof title, "网页被篡改：%s", s.name);
            incident_in in = {.kind = "defacement",
                              .title = title,
                              .site_affected = 1,
                              .note = x.tamper_detail,
                              .cause = cause,
                              .source = "monitor"};
            incident = 0;
            if (incident_open(m->opt.incidents, &audit_system_actor, &in, &incident, NULL, &ierr) ==
                XN_OK)
                monitor_event_link(m, x.tamper_event, incident);
        }
    }
    xn_buf_release(&f.body);
    site_free(&s);
    return rc;
}

int monitor_check_due(monitor_ctx *m, json_t *summary, xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(m->opt.db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    int64_t ids[256];
    size_t n = 0;
    rc =
        store_prepare(c,
                      "SELECT id FROM monitor_site WHERE removed_at IS NULL AND next_check_at <= $1"
                      " ORDER BY next_check_at LIMIT 256",
                      &st, err);
    if (rc == XN_OK) {
        store_bind_int(st, 1, xn_now_us());
        while ((rc = store_step(st, err)) == STORE_ROW)
            ids[n++] = store_col_int(st, 0);
    }
    store_release(c);
    if (rc < 0)
        return rc;
    xn_error agents;
    monitor_guards_check(m, summary, &agents);
    int checked = 0;
    for (size_t i = 0; i < n; i++) {
        xn_error one;
        if (monitor_check_site(m, ids[i], &one) == XN_OK)
            checked++;
    }
    if (checked)
        json_object_set_new(summary, "checked", json_integer(checked));
    return XN_OK;
}
