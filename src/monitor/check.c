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

/* The options of every request: redirects within http(s), bounded waits, no signals (the
 * job runs in a worker thread). */
static void common_options(CURL *h, const char *url)
{
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 3L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
}

/* A link of the site's own: HEAD, the status only. */
static void link_options(CURL *h, const char *url, bool v6_only)
{
    common_options(h, url);
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
    if (v6_only)
        curl_easy_setopt(h, CURLOPT_IPRESOLVE, (long)CURL_IPRESOLVE_V6);
}

/* The status of a link of the site's own (HEAD), 0 when it could not be reached at all. */
static long link_status(const char *url, bool v6_only)
{
    CURL *h = curl_easy_init();
    if (!h)
        return 0;
    link_options(h, url, v6_only);
    long status = 0;
    if (curl_easy_perform(h) == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(h);
    return status;
}

static void page_options(CURL *h, const char *url, fetched *f)
{
    *f = (fetched){0};
    xn_buf_init(&f->body, MONITOR_MAX_BODY);
    common_options(h, url);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 15L);
    curl_easy_setopt(h, CURLOPT_CERTINFO, 1L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "xinan-monitor/1");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, f);
}

/* What a page's transfer gave, read from its handle before the handle goes. */
static void page_done(CURL *h, CURLcode cc, fetched *f)
{
    curl_off_t total = 0;
    curl_easy_getinfo(h, CURLINFO_TOTAL_TIME_T, &total);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &f->status);
    f->latency_ms = (int64_t)(total / 1000);
    if (cc == CURLE_WRITE_ERROR && f->truncated)
        cc = CURLE_OK;
    if (cc == CURLE_OK)
        f->cert_expires = cert_expiry(h);
    if (cc != CURLE_OK)
        snprintf(f->error, sizeof f->error, "%s", curl_easy_strerror(cc));
    else if (f->status < 200 || f->status >= 400)
        snprintf(f->error, sizeof f->error, "HTTP %ld", f->status);
    f->ok = cc == CURLE_OK && f->status >= 200 && f->status < 400;
    xn_buf_puts(&f->body, "");
}

static void fetch(const char *url, fetched *f)
{
    CURL *h = curl_easy_init();
    if (!h) {
        *f = (fetched){0};
        xn_buf_init(&f->body, MONITOR_MAX_BODY);
        snprintf(f->error, sizeof f->error, "cannot start a request");
        return;
    }
    page_options(h, url, f);
    page_done(h, curl_easy_perform(h), f);
    curl_easy_cleanup(h);
}

/* ---- many requests at once ---------------------------------------------------------------- */

/* A batch's requests go through one multi handle: its connections stay open from one request
 * to the next (keep-alive) and from one round to the next, at most MONITOR_HOST_CONNS at once
 * to a host and MONITOR_CONNS in all. The bound is kept here rather than by libcurl, whose
 * queued transfers would count their wait in the latency and the timeout. */
typedef struct xfer {
    const char *url;
    const char *host; /* the bound's key */
    int host_no;      /* index into the batch's hosts */
    bool head;        /* a link (HEAD) rather than a page */
    size_t owner;     /* the page's or link's index, for the callback */
    fetched *f;       /* a page's result */
    long status;      /* a link's result */
} xfer;

typedef void (*xfer_done_fn)(void *ctx, xfer *x);

static void run_transfers(CURLM *multi, xfer *xs, size_t n, xfer_done_fn done, void *ctx)
{
    /* the hosts: each transfer's index into one counter per distinct host */
    int *inflight = calloc(n ? n : 1, sizeof *inflight);
    const char **hosts = calloc(n ? n : 1, sizeof *hosts);
    bool *started = calloc(n ? n : 1, sizeof *started);
    if (!inflight || !hosts || !started) {
        free(inflight);
        free(hosts);
        free(started);
        for (size_t i = 0; i < n; i++) {
            if (!xs[i].head)
                snprintf(xs[i].f->error, sizeof xs[i].f->error, "cannot start a request");
            done(ctx, &xs[i]);
        }
        return;
    }
    int nhosts = 0;
    for (size_t i = 0; i < n; i++) {
        int k = 0;
        while (k < nhosts && strcasecmp(hosts[k], xs[i].host) != 0)
            k++;
        if (k == nhosts)
            hosts[nhosts++] = xs[i].host;
        xs[i].host_no = k;
    }
    size_t first = 0, finished = 0;
    int running = 0;
    while (finished < n) {
        /* start what the bounds allow, in order */
        for (size_t i = first; i < n && running < MONITOR_CONNS; i++) {
            if (started[i] || inflight[xs[i].host_no] >= MONITOR_HOST_CONNS)
                continue;
            started[i] = true;
            CURL *h = curl_easy_init();
            if (h) {
                if (xs[i].head)
                    link_options(h, xs[i].url, false);
                else
                    page_options(h, xs[i].url, xs[i].f);
                curl_easy_setopt(h, CURLOPT_PRIVATE, &xs[i]);
            }
            if (!h || curl_multi_add_handle(multi, h) != CURLM_OK) {
                if (h)
                    curl_easy_cleanup(h);
                if (!xs[i].head)
                    snprintf(xs[i].f->error, sizeof xs[i].f->error, "cannot start a request");
                done(ctx, &xs[i]);
                finished++;
                continue;
            }
            inflight[xs[i].host_no]++;
            running++;
        }
        while (first < n && started[first])
            first++;
        int still = 0;
        curl_multi_perform(multi, &still);
        CURLMsg *msg;
        int left = 0;
        while ((msg = curl_multi_info_read(multi, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            CURL *h = msg->easy_handle;
            CURLcode cc = msg->data.result;
            char *priv = NULL;
            curl_easy_getinfo(h, CURLINFO_PRIVATE, &priv);
            xfer *x = (void *)priv;
            if (x->head) {
                x->status = 0;
                if (cc == CURLE_OK)
                    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &x->status);
            } else {
                page_done(h, cc, x->f);
            }
            curl_multi_remove_handle(multi, h);
            curl_easy_cleanup(h);
            inflight[x->host_no]--;
            running--;
            finished++;
            done(ctx, x);
        }
        if (running > 0)
            curl_multi_poll(multi, NULL, 0, 1000, NULL);
    }
    free(started);
    free(inflight);
    free(hosts);
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
    int64_t cert_expires; /* as last seen (µs, 0: never) */
    char read_digest[72]; /* the page's digest at its last reading */
    int64_t read_at;      /* when it was last read (µs) */
    int64_t due_at;       /* next_check_at when it was loaded */
    char *noise;          /* patterns of changes that do not matter, or NULL */
    char *last_text;      /* the text at the last reading, noise blanked, or NULL */
} site_row;

/* MON-6: a link of the site's own, checked by HEAD (at most MAX_LINK_CHECKS a check). */
#define MAX_LINK_CHECKS 30
typedef struct own_link {
    char *url;  /* absolute */
    char *href; /* as written, for the alarm */
    long status;
} own_link;

/* One site's check in a batch: the site, what the fetch gave, what was found. */
typedef struct check {
    site_row s;
    bool loaded;
    fetched f;
    finding found[10];
    int n;
    own_link links[MAX_LINK_CHECKS];
    size_t nlinks;
    char digest[72]; /* the page's digest when it was read at this check, else "" */
    bool carried;    /* the page was as last read: its content alarms stay as they are */
    bool went_down, came_up;
    int64_t down_event, tamper_event;
    char tamper_detail[600];
    char *tamper_diff; /* the first tampered page against its approved file, or NULL */
    char *text;        /* a page xinan did not publish: its text as read now, noise blanked */
    char *change_diff; /* that text against the last reading, when it changed */
} check;

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
           : strcmp(k, "changed") == 0        ? "页面内容有变化"
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

/* The site's own links of a page, absolute, to be checked once the batch's pages are in. */
static void own_links(const site_row *s, const monitor_page *pg, check *c)
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
    for (size_t i = 0; i < pg->nlinks && c->nlinks < MAX_LINK_CHECKS; i++) {
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
        own_link *o = &c->links[c->nlinks];
        o->url = strdup(url);
        o->href = strndup(href, 400);
        if (!o->url || !o->href) {
            free(o->url);
            free(o->href);
            break;
        }
        c->nlinks++;
    }
}

/* The links that answered 404 or an error, once their statuses are in. */
static void dead_links(check *c)
{
    int dead = 0;
    char first[600] = "";
    for (size_t i = 0; i < c->nlinks; i++) {
        long st = c->links[i].status;
        if (st == 0 || st >= 400) {
            if (!dead++)
                snprintf(first, sizeof first, "%.400s（%s）", c->links[i].href,
                         st ? (st == 404 ? "404" : "错误") : "无法连接");
        }
    }
    if (dead && c->n < 10) {
        c->found[c->n].kind = "dead_link";
        snprintf(c->found[c->n++].detail, sizeof c->found->detail, "%d 个站内链接失效，如 %.400s",
                 dead, first);
    }
}

/* Words, dark links and sensitive words of the page; its own links into c->links. */
static void read_page(monitor_ctx *m, check *c)
{
    const site_row *s = &c->s;
    const fetched *f = &c->f;
    finding *out = c->found;
    int *n = &c->n;
    const int max = 10;
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
    own_links(s, &pg, c);
    /* change detection of a page xinan did not publish: its text against the last reading */
    if (!s->publish_target) {
        c->text = monitor_noise_strip(s->noise, pg.text, pg.text_len);
        if (c->text && s->last_text && strcmp(c->text, s->last_text) != 0) {
            xn_buf d;
            xn_buf_init(&d, 64u << 10);
            monitor_text_diff(s->last_text, strlen(s->last_text), c->text, strlen(c->text), &d);
            c->change_diff = d.data ? strdup(d.data) : NULL;
            xn_buf_release(&d);
        }
    }
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

/* The page's digest with what it is read against (the word lists, the allowed hosts and the
 * size of the lexicons): equal digests give equal findings. */
static void page_digest(monitor_ctx *m, const check *c, char hex[72])
{
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    crypto_hash_sha256_update(&h, (const unsigned char *)c->f.body.data, c->f.body.len);
    const char *parts[] = {c->s.must, c->s.forbidden, c->s.allow};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        const char *p = parts[i] ? parts[i] : "";
        crypto_hash_sha256_update(&h, (const unsigned char *)p, strlen(p) + 1);
    }
    uint64_t entries = 0;
    if (m->opt.lexicons) {
        lexicon_set *set = lexicon_acquire(m->opt.lexicons);
        entries = lexicon_set_entries(set);
        lexicon_release(set);
    }
    crypto_hash_sha256_update(&h, (const unsigned char *)&entries, sizeof entries);
    unsigned char d[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&h, d);
    sodium_bin2hex(hex, 72, d, sizeof d);
}

/* The first differing page's served bytes against its approved file, as a diff (*diff, owned
 * by the caller), when the site's approved files are at hand. */
static void tamper_diff(monitor_ctx *m, const char *rel, const char *digest, const xn_buf *served,
                        char **diff)
{
    if (!m->opt.site_root || *diff)
        return;
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", m->opt.site_root, rel);
    FILE *fp = fopen(path, "rbe");
    if (!fp)
        return;
    xn_buf approved, out;
    xn_buf_init(&approved, MONITOR_MAX_BODY);
    xn_buf_init(&out, 16u << 10);
    char chunk[1 << 14];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, fp)) > 0)
        if (xn_buf_append(&approved, chunk, got) != XN_OK)
            break;
    fclose(fp);
    /* the approved file itself changed (the web server serving it was written to): no diff to
     * show against it */
    unsigned char d[crypto_hash_sha256_BYTES];
    char hex[crypto_hash_sha256_BYTES * 2 + 1];
    crypto_hash_sha256(d, (const unsigned char *)(approved.data ? approved.data : ""),
                       approved.len);
    sodium_bin2hex(hex, sizeof hex, d, sizeof d);
    if (strcmp(hex, digest) == 0)
        monitor_text_diff(approved.data ? approved.data : "", approved.len,
                          served->data ? served->data : "", served->len, &out);
    xn_buf_release(&approved);
    *diff = out.data ? strdup(out.data) : NULL;
    xn_buf_release(&out);
}

/* Every page xinan published there, as served, against the approved bytes. */
static void compare_published(monitor_ctx *m, const site_row *s, finding *out, int *n, int max,
                              char **diff)
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
            if (f.ok)
                tamper_diff(m, pages[i].path, pages[i].digest, &f.body, diff);
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
    check *c;
    int64_t now;
    bool scheduled; /* a round's check, not one asked for by hand */
} record_ctx;

static int raise(record_ctx *x, store_conn *tx, const char *kind, const char *detail,
                 int64_t *event_id, xn_error *err)
{
    const site_row *s = &x->c->s;
    store_stmt *st;
    int rc = store_prepare(tx,
                           "INSERT INTO monitor_event (site_id, at, kind, detail, open)"
                           " VALUES ($1, $2, $3, $4, $5) RETURNING id",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, s->id);
    store_bind_int(st, 2, x->now);
    store_bind_text(st, 3, kind, -1);
    store_bind_text(st, 4, detail, -1);
    store_bind_int(st, 5, strcmp(kind, "up") != 0 && strcmp(kind, "changed") != 0);
    if ((rc = store_step(st, err)) == STORE_ROW) {
        if (event_id)
            *event_id = store_col_int(st, 0);
        store_stmt_done(st);
    }
    if (rc < 0)
        return rc;
    char oid[24];
    snprintf(oid, sizeof oid, "%lld", (long long)s->id);
    json_t *vars = json_pack("{s:s, s:s, s:s, s:s}", "site", s->name, "url", s->url, "alarm",
                             kind_text(kind), "detail", detail);
    const char *event = strcmp(kind, "down") == 0 ? "monitor.down"
                        : strcmp(kind, "up") == 0 ? "monitor.up"
                                                  : "monitor.alarm";
    rc = x->m->opt.notify && s->group[0] ? notify_raise(x->m->opt.notify, tx, event, s->group,
                                                        "monitor_site", oid, vars, NULL, err)
                                         : XN_OK;
    json_decref(vars);
    if (rc == XN_OK)
        rc = monitor_record(x->m, tx, &audit_system_actor, "monitor.alarm", s->id,
                            json_pack("{s:s, s:s}", "kind", kind, "detail", detail), err);
    return rc;
}

/* What the tampered page's event shows: the diff against the approved page. */
static int keep_diff(store_conn *tx, int64_t event, const char *diff, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(tx, "UPDATE monitor_event SET diff = $2 WHERE id = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, event);
    store_bind_text(st, 2, diff, -1);
    rc = store_step(st, err);
    store_stmt_done(st);
    return rc < 0 ? rc : XN_OK;
}

/* The kinds a check finds, each an alarm while found; the first five come from the page's
 * content and stay as they are while the page is unchanged. */
static const char *const kinds[] = {"dark_link", "word_forbidden", "word_missing",  "sensitive",
                                    "dead_link", "tampered",       "cert_expiring", "no_ipv6"};
#define CONTENT_KINDS 5

static int record_one(store_conn *tx, record_ctx *x, xn_error *err)
{
    check *c = x->c;
    site_row *s = &c->s;
    const fetched *f = &c->f;
    int64_t at = xn_now_us();
    store_stmt *st;
    int rc = store_prepare(tx,
                           "INSERT INTO monitor_check (site_id, at, ok, status, latency_ms, error)"
                           " VALUES ($1, $2, $3, $4, $5, $6)",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, s->id);
    store_bind_int(st, 2, at);
    store_bind_int(st, 3, f->ok);
    store_bind_int(st, 4, f->status);
    store_bind_int(st, 5, f->latency_ms);
    if (f->error[0])
        store_bind_text(st, 6, f->error, -1);
    else
        store_bind_null(st, 6);
    rc = store_step(st, err);
    store_stmt_done(st);
    if (rc < 0)
        return rc;
    int in_row = f->ok ? 0 : s->failures_in_row + 1;
    const char *state = s->state;
    if (!f->ok && in_row >= s->failures && strcmp(s->state, "down") != 0) {
        state = "down";
        c->went_down = true;
        char detail[400];
        snprintf(detail, sizeof detail, "连续 %d 次检查失败：%s", in_row, f->error);
        rc = raise(x, tx, "down", detail, &c->down_event, err);
    } else if (f->ok && strcmp(s->state, "up") != 0) {
        state = "up";
        c->came_up = strcmp(s->state, "down") == 0;
        if (c->came_up) {
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
    int64_t open[sizeof kinds / sizeof kinds[0]] = {0};
    if (f->ok) {
        rc = store_prepare(tx, "SELECT id, kind FROM monitor_event WHERE site_id = $1 AND open = 1",
                           &st, err);
        if (rc != XN_OK)
            return rc;
        store_bind_int(st, 1, s->id);
        while ((rc = store_step(st, err)) == STORE_ROW)
            for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
                if (strcmp(store_col_text(st, 1), kinds[k]) == 0)
                    open[k] = store_col_int(st, 0);
        if (rc < 0)
            return rc;
        rc = XN_OK;
    }
    for (size_t k = c->carried ? CONTENT_KINDS : 0; f->ok && k < sizeof kinds / sizeof kinds[0];
         k++) {
        const finding *hit = NULL;
        for (int i = 0; i < c->n; i++)
            if (strcmp(c->found[i].kind, kinds[k]) == 0)
                hit = &c->found[i];
        if (hit && !open[k]) {
            int64_t ev = 0;
            rc = raise(x, tx, kinds[k], hit->detail, &ev, err);
            if (rc == XN_OK && strcmp(kinds[k], "tampered") == 0) {
                c->tamper_event = ev;
                snprintf(c->tamper_detail, sizeof c->tamper_detail, "%s", hit->detail);
                if (c->tamper_diff)
                    rc = keep_diff(tx, ev, c->tamper_diff, err);
            }
        } else if (!hit && open[k]) {
            rc = store_prepare(
                tx, "UPDATE monitor_event SET open = 0, closed_at = $2 WHERE id = $1", &st, err);
            if (rc == XN_OK) {
                store_bind_int(st, 1, open[k]);
                store_bind_int(st, 2, x->now);
                rc = store_step(st, err);
                store_stmt_done(st);
                rc = rc < 0 ? rc : XN_OK;
            }
        }
        if (rc != XN_OK)
            return rc;
    }
    /* a page xinan did not publish changed since its last reading: told, with the diff */
    if (rc == XN_OK && f->ok && c->change_diff) {
        int64_t ev = 0;
        rc = raise(x, tx, "changed", "页面文字与上次读取时不同（已忽略设定的无关变化）", &ev, err);
        if (rc == XN_OK)
            rc = keep_diff(tx, ev, c->change_diff, err);
    }
    if (rc != XN_OK)
        return rc;
    /* the day's counts (uptime_24h) move with the check: this one in, those older than a day
     * before it out (usually one), so the list reads them without counting the checks */
    rc = store_prepare(tx,
                       "UPDATE monitor_site SET state = $2, state_since = CASE WHEN state = $2"
                       " THEN state_since ELSE $3 END, last_check_at = $3, last_latency_ms = $4,"
                       " last_status = $5, failures_in_row = $6, next_check_at = $7,"
                       " cert_expires_at = CASE WHEN $8 > 0 THEN $8 ELSE cert_expires_at END,"
                       " last_error = $9,"
                       " read_digest = CASE WHEN $10 <> '' THEN $10 ELSE read_digest END,"
                       " read_at = CASE WHEN $10 <> '' THEN $3 ELSE read_at END,"
                       " last_text = coalesce($13, last_text),"
                       " day_checks = day_checks + 1 - (SELECT count(*) FROM monitor_check c"
                       "  WHERE c.site_id = $1 AND c.at >= day_from AND c.at < $11),"
                       " day_ok = day_ok + $12 - (SELECT coalesce(sum(ok), 0) FROM monitor_check c"
                       "  WHERE c.site_id = $1 AND c.at >= day_from AND c.at < $11),"
                       " day_from = $11 WHERE id = $1",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, s->id);
    store_bind_text(st, 2, state, -1);
    store_bind_int(st, 3, x->now);
    store_bind_int(st, 4, f->latency_ms);
    store_bind_int(st, 5, f->status);
    store_bind_int(st, 6, in_row);
    /* the next check on the site's own beat (when it was due, plus the interval), so a round's
     * few seconds late do not add up from one check to the next; a check by hand, or one late
     * by a whole interval, starts the beat again from now */
    int64_t step = (int64_t)s->interval_s * 1000000, next = xn_now_us() + step;
    if (x->scheduled && s->due_at > 0 && s->due_at + step > xn_now_us())
        next = s->due_at + step;
    store_bind_int(st, 7, next);
    store_bind_int(st, 8, f->cert_expires);
    store_bind_text(st, 9, f->error, -1);
    store_bind_text(st, 10, c->digest, -1);
    store_bind_int(st, 11, at - MONITOR_DAY_US);
    store_bind_int(st, 12, f->ok);
    if (c->text)
        store_bind_text(st, 13, c->text, -1);
    else
        store_bind_null(st, 13);
    rc = store_step(st, err);
    store_stmt_done(st);
    return rc < 0 ? rc : XN_OK;
}

typedef struct batch_ctx {
    monitor_ctx *m;
    check *checks;
    size_t n;
    int64_t now;
    bool scheduled;
} batch_ctx;

/* A batch's checks in one transaction: one commit (one fsync) for up to MONITOR_BATCH. */
static int record_tx(store_conn *tx, void *ctx, xn_error *err)
{
    batch_ctx *b = ctx;
    for (size_t i = 0; i < b->n; i++) {
        check *c = &b->checks[i];
        if (!c->loaded)
            continue;
        /* a retried transaction starts again from what the check found */
        c->went_down = c->came_up = false;
        c->down_event = c->tamper_event = 0;
        record_ctx x = {.m = b->m, .c = c, .now = b->now, .scheduled = b->scheduled};
        int rc = record_one(tx, &x, err);
        if (rc != XN_OK)
            return rc;
    }
    return XN_OK;
}

/* ---- a batch ------------------------------------------------------------------------------ */

#define SITE_SELECT                                                                                \
    "SELECT id, name, url, state, coalesce(group_name, ''), must_words, forbidden_words,"          \
    " allow_hosts, failures, failures_in_row, interval_s, publish_target, ipv6,"                   \
    " coalesce(cert_expires_at, 0), coalesce(read_digest, ''), coalesce(read_at, 0),"              \
    " next_check_at, noise, last_text"                                                             \
    " FROM monitor_site"

static void site_of_row(store_stmt *st, site_row *s)
{
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
    s->cert_expires = store_col_int(st, 13);
    xn_strlcpy(s->read_digest, store_col_text(st, 14), sizeof s->read_digest);
    s->read_at = store_col_int(st, 15);
    s->due_at = store_col_int(st, 16);
    s->noise = store_col_is_null(st, 17) ? NULL : strdup(store_col_text(st, 17));
    s->last_text = store_col_is_null(st, 18) ? NULL : strdup(store_col_text(st, 18));
}

/* The site's host, lowercased; its URL checked again (this server's own address is refused). */
static int site_host(monitor_ctx *m, site_row *s, xn_error *err)
{
    int rc = monitor_url_check(m, s->url, s->host, sizeof s->host, err);
    for (char *p = s->host; *p; p++)
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    return rc;
}

static void check_free(check *c)
{
    free(c->tamper_diff);
    free(c->text);
    free(c->change_diff);
    free(c->s.noise);
    free(c->s.last_text);
    free(c->s.must);
    free(c->s.forbidden);
    free(c->s.allow);
    for (size_t i = 0; i < c->nlinks; i++) {
        free(c->links[i].url);
        free(c->links[i].href);
    }
    xn_buf_release(&c->f.body);
}

/* A page is in: read it now, unless it is as it was last read (the content alarms then stay
 * as they are), and let its body go. */
static void page_in(monitor_ctx *m, check *c)
{
    if (c->f.ok) {
        char digest[72];
        page_digest(m, c, digest);
        /* read again at least every MONITOR_REREAD_S all the same: a link of an unchanged page
         * may have gone dead, a lexicon may have changed with the same number of entries */
        if (strcmp(digest, c->s.read_digest) == 0 &&
            monitor_now(m) - c->s.read_at < (int64_t)MONITOR_REREAD_S * 1000000) {
            c->carried = true;
        } else {
            memcpy(c->digest, digest, sizeof c->digest);
            read_page(m, c);
        }
    }
    xn_buf_release(&c->f.body);
    xn_buf_init(&c->f.body, MONITOR_MAX_BODY);
}

static void page_xfer_done(void *ctx, xfer *x)
{
    batch_ctx *b = ctx;
    page_in(b->m, &b->checks[x->owner]);
}

typedef struct link_ref {
    const char *url;
    const char *host; /* the site's: a link of its own is on its host */
    own_link *link;
} link_ref;

static int by_url(const void *a, const void *b)
{
    return strcmp(((const link_ref *)a)->url, ((const link_ref *)b)->url);
}

typedef struct links_ctx {
    link_ref *refs;
    size_t *first; /* each distinct link's first ref */
    size_t nrefs;
} links_ctx;

static void link_xfer_done(void *ctx, xfer *x)
{
    links_ctx *l = ctx;
    for (size_t i = l->first[x->owner]; i < l->nrefs && strcmp(l->refs[i].url, x->url) == 0; i++)
        l->refs[i].link->status = x->status;
}

/* The batch's own links, each distinct URL asked once. */
static void check_links(CURLM *multi, check *checks, size_t n)
{
    size_t nrefs = 0;
    for (size_t i = 0; i < n; i++)
        nrefs += checks[i].nlinks;
    if (nrefs == 0)
        return;
    link_ref *refs = calloc(nrefs, sizeof *refs);
    size_t *first = calloc(nrefs, sizeof *first);
    xfer *xs = calloc(nrefs, sizeof *xs);
    if (!refs || !first || !xs) {
        free(refs);
        free(first);
        free(xs);
        return; /* statuses stay 0: reported as unreachable rather than skipped silently */
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < checks[i].nlinks; j++)
            refs[k++] = (link_ref){checks[i].links[j].url, checks[i].s.host, &checks[i].links[j]};
    qsort(refs, nrefs, sizeof *refs, by_url);
    size_t nx = 0;
    for (size_t i = 0; i < nrefs; i++) {
        if (i > 0 && strcmp(refs[i].url, refs[i - 1].url) == 0)
            continue;
        first[nx] = i;
        xs[nx] = (xfer){.url = refs[i].url, .host = refs[i].host, .head = true, .owner = nx};
        nx++;
    }
    links_ctx l = {.refs = refs, .first = first, .nrefs = nrefs};
    run_transfers(multi, xs, nx, link_xfer_done, &l);
    free(refs);
    free(first);
    free(xs);
}

/* What needs one request after another and is rare: the published pages, IPv6. */
static void check_rest(monitor_ctx *m, check *c)
{
    if (!c->f.ok)
        return;
    dead_links(c);
    /* a reused connection shows no certificate: the one last seen stands */
    int64_t cert = c->f.cert_expires ? c->f.cert_expires : c->s.cert_expires;
    if (cert && strncasecmp(c->s.url, "https:", 6) == 0 && c->n < 10 &&
        cert - xn_now_us() < MONITOR_CERT_DAYS * 86400LL * 1000000) {
        c->found[c->n].kind = "cert_expiring";
        char t[XN_TIME_STR];
        xn_time_format(cert, t);
        t[10] = '\0';
        snprintf(c->found[c->n++].detail, sizeof c->found->detail, "证书将于 %s 过期", t);
    }
    if (c->s.publish_target)
        compare_published(m, &c->s, c->found, &c->n, 10, &c->tamper_diff);
    /* MON-7: the page over IPv6 too (an AAAA record and a real connection) */
    if (c->s.ipv6 && c->n < 10) {
        long v6 = link_status(c->s.url, true);
        if (v6 == 0 || v6 >= 400) {
            c->found[c->n].kind = "no_ipv6";
            snprintf(c->found[c->n++].detail, sizeof c->found->detail, "通过 IPv6 %s",
                     v6 ? "访问出错" : "无法连接（无 AAAA 记录或不可达）");
        }
    }
}

/* Incidents after the check's commit: down and tampering (INC-1, MON-10). */
static void open_incidents(monitor_ctx *m, const check *c)
{
    if (!m->opt.incidents || !(c->went_down || c->tamper_event))
        return;
    char cause[INCIDENT_MAX_CAUSE], title[400];
    xn_error ierr;
    int64_t incident = 0;
    if (c->went_down) {
        snprintf(cause, sizeof cause, "monitor.down:%lld", (long long)c->s.id);
        snprintf(title, sizeof title, "网站无法访问：%s", c->s.name);
        incident_in in = {.kind = "site_down",
                          .title = title,
                          .site_affected = 1,
                          .note = c->f.error,
                          .cause = cause,
                          .source = "monitor"};
        if (incident_open(m->opt.incidents, &audit_system_actor, &in, &incident, NULL, &ierr) ==
                XN_OK &&
            c->down_event)
            monitor_event_link(m, c->down_event, incident);
    }
    if (c->tamper_event) {
        snprintf(cause, sizeof cause, "monitor.tamper:%lld", (long long)c->s.id);
        snprintf(title, sizeof title, "网页被篡改：%s", c->s.name);
        incident_in in = {.kind = "defacement",
                          .title = title,
                          .site_affected = 1,
                          .note = c->tamper_detail,
                          .cause = cause,
                          .source = "monitor"};
        incident = 0;
        if (incident_open(m->opt.incidents, &audit_system_actor, &in, &incident, NULL, &ierr) ==
            XN_OK)
            monitor_event_link(m, c->tamper_event, incident);
    }
}

/* Checks the loaded sites of checks[0..n): their pages at once, then their links, then the
 * rest; records them in one transaction (each in its own when that one fails); counts the
 * recorded ones into *recorded. */
static int check_batch(monitor_ctx *m, CURLM *multi, check *checks, size_t n, bool scheduled,
                       int *recorded, xn_error *err)
{
    xfer *xs = calloc(n ? n : 1, sizeof *xs);
    if (!xs)
        return xn_fail(err, XN_ENOMEM, "no_memory", "out of memory");
    size_t nx = 0;
    for (size_t i = 0; i < n; i++) {
        checks[i].f = (fetched){0};
        xn_buf_init(&checks[i].f.body, MONITOR_MAX_BODY);
        if (checks[i].loaded)
            xs[nx++] = (xfer){
                .url = checks[i].s.url, .host = checks[i].s.host, .owner = i, .f = &checks[i].f};
    }
    batch_ctx b = {.m = m, .checks = checks, .n = n, .scheduled = scheduled};
    run_transfers(multi, xs, nx, page_xfer_done, &b);
    free(xs);
    check_links(multi, checks, n);
    for (size_t i = 0; i < n; i++)
        if (checks[i].loaded)
            check_rest(m, &checks[i]);
    b.now = monitor_now(m);
    int rc = store_tx(m->opt.db, record_tx, &b, err);
    if (rc == XN_OK) {
        for (size_t i = 0; i < n; i++)
            *recorded += checks[i].loaded;
    } else {
        /* one site's trouble does not lose the others' checks */
        for (size_t i = 0; i < n; i++) {
            if (!checks[i].loaded)
                continue;
            batch_ctx one = {
                .m = m, .checks = &checks[i], .n = 1, .now = b.now, .scheduled = scheduled};
            xn_error e1;
            if (store_tx(m->opt.db, record_tx, &one, &e1) == XN_OK)
                ++*recorded;
            else
                checks[i].loaded = false;
        }
        rc = *recorded > 0 ? XN_OK : rc;
    }
    for (size_t i = 0; i < n; i++)
        if (checks[i].loaded)
            open_incidents(m, &checks[i]);
    return rc;
}

static void checks_free(check *checks, size_t n)
{
    for (size_t i = 0; i < n; i++)
        check_free(&checks[i]);
    free(checks);
}

int monitor_check_site(monitor_ctx *m, int64_t id, xn_error *err)
{
    check *c = calloc(1, sizeof *c);
    if (!c)
        return xn_fail(err, XN_ENOMEM, "no_memory", "out of memory");
    store_conn *conn;
    int rc = store_acquire(m->opt.db, &conn, err);
    if (rc == XN_OK) {
        store_stmt *st;
        rc = store_prepare(conn, SITE_SELECT " WHERE id = $1 AND removed_at IS NULL", &st, err);
        if (rc == XN_OK) {
            store_bind_int(st, 1, id);
            rc = store_step(st, err);
            if (rc == STORE_ROW) {
                site_of_row(st, &c->s);
                store_stmt_done(st);
                rc = XN_OK;
            } else if (rc == STORE_DONE) {
                rc = xn_fail(err, XN_ENOTFOUND, "not_found", "监测网站不存在");
            }
        }
        store_release(conn);
    }
    if (rc == XN_OK)
        rc = site_host(m, &c->s, err);
    /* a check asked for by hand has its own connections: the round may hold the shared ones */
    CURLM *multi = rc == XN_OK ? curl_multi_init() : NULL;
    if (rc == XN_OK && !multi)
        rc = xn_fail(err, XN_ENOMEM, "no_memory", "cannot start a request");
    if (rc == XN_OK) {
        int recorded = 0;
        c->loaded = true;
        rc = check_batch(m, multi, c, 1, false, &recorded, err);
    }
    if (multi)
        curl_multi_cleanup(multi);
    checks_free(c, 1);
    return rc;
}

/* Up to MONITOR_BATCH due sites, loaded; *n of them. */
static int load_due(monitor_ctx *m, check *checks, size_t *n, xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(m->opt.db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    *n = 0;
    rc = store_prepare(c,
                       SITE_SELECT " WHERE removed_at IS NULL AND next_check_at <= $1"
                                   " ORDER BY next_check_at LIMIT $2",
                       &st, err);
    if (rc == XN_OK) {
        store_bind_int(st, 1, xn_now_us());
        store_bind_int(st, 2, MONITOR_BATCH);
        while ((rc = store_step(st, err)) == STORE_ROW) {
            check *k = &checks[(*n)++];
            *k = (check){0};
            site_of_row(st, &k->s);
        }
    }
    store_release(c);
    if (rc < 0) {
        for (size_t i = 0; i < *n; i++)
            check_free(&checks[i]);
        *n = 0;
        return rc;
    }
    for (size_t i = 0; i < *n; i++) {
        xn_error bad;
        checks[i].loaded = site_host(m, &checks[i].s, &bad) == XN_OK;
    }
    return XN_OK;
}

int monitor_check_due(monitor_ctx *m, json_t *summary, xn_error *err)
{
    xn_error agents;
    monitor_guards_check(m, summary, &agents);
    check *checks = calloc(MONITOR_BATCH, sizeof *checks);
    if (!checks)
        return xn_fail(err, XN_ENOMEM, "no_memory", "out of memory");
    /* one round at a time holds the shared connections */
    pthread_mutex_lock(&m->lock);
    if (!m->multi && (m->multi = curl_multi_init())) {
        curl_multi_setopt(m->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)MONITOR_HOST_CONNS);
        curl_multi_setopt(m->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)MONITOR_CONNS);
        curl_multi_setopt(m->multi, CURLMOPT_MAXCONNECTS, (long)MONITOR_CONNS);
    }
    int rc = m->multi ? XN_OK : xn_fail(err, XN_ENOMEM, "no_memory", "cannot start a request");
    int checked = 0;
    int64_t until = xn_monotonic_us() + (int64_t)MONITOR_ROUND_S * 1000000;
    /* batch after batch while sites are due: a round is not capped at one batch, so many
     * sites at a short interval are all checked in time */
    while (rc == XN_OK) {
        size_t n = 0;
        rc = load_due(m, checks, &n, err);
        if (rc != XN_OK || n == 0)
            break;
        int recorded = 0;
        xn_error one;
        check_batch(m, m->multi, checks, n, true, &recorded, &one);
        for (size_t i = 0; i < n; i++)
            check_free(&checks[i]);
        checked += recorded;
        /* a batch that recorded nothing (sites whose address is refused stay due) ends it */
        if (n < MONITOR_BATCH || recorded == 0 || xn_monotonic_us() > until)
            break;
    }
    pthread_mutex_unlock(&m->lock);
    free(checks);
    if (checked)
        json_object_set_new(summary, "checked", json_integer(checked));
    return rc;
}
