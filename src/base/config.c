/*
 * Configuration: one table describes every setting (section, key, help, default, how to set
 * it). The INI file is read with inih; XINAN_<SECTION>_<KEY> environment variables override
 * it, and command-line flags override both. A bad value is an error naming where it came from.
 */
#include "base/base.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

typedef int (*setter_fn)(xn_config *cfg, const char *value, xn_error *err);

/* One setting: where it lives, what it means, its default and how it is parsed. */
typedef struct setting {
    const char *section;
    const char *key;
    const char *help;
    const char *default_value;
    setter_fn set; /* NULL: a whole number stored at `offset`, from min to max */
    size_t offset; /* of the int64_t field in xn_config, when set is NULL */
    int64_t min, max;
} setting;

/* The tail of a whole-number setting's row. */
#define INT(field, lo, hi) NULL, offsetof(xn_config, field), (lo), (hi)

static int set_int(int64_t *dst, const char *value, int64_t min, int64_t max, xn_error *err)
{
    if (xn_parse_int64(value, min, max, dst) != XN_OK)
        return xn_fail(err, XN_EINVAL, "bad_config", "'%s' is not a whole number from %lld to %lld",
                       value, (long long)min, (long long)max);
    return XN_OK;
}

static int set_path(char *dst, size_t size, const char *value, xn_error *err)
{
    if (!*value)
        return xn_fail(err, XN_EINVAL, "bad_config", "a path is required");
    if (xn_strlcpy(dst, value, size) != XN_OK)
        return xn_fail(err, XN_EINVAL, "bad_config", "path is longer than %zu bytes", size - 1);
    return XN_OK;
}

static int set_listen(xn_config *c, const char *v, xn_error *e)
{
    return xn_config_set_listen(c, v, e);
}
static int set_db(xn_config *c, const char *v, xn_error *e)
{
    return set_path(c->db_path, sizeof c->db_path, v, e);
}
static int set_secure_cookies(xn_config *c, const char *v, xn_error *e)
{
    if (strcmp(v, "auto") != 0 && strcmp(v, "on") != 0 && strcmp(v, "off") != 0)
        return xn_fail(e, XN_EINVAL, "bad_config", "'%s' is not one of auto, on, off", v);
    snprintf(c->secure_cookies, sizeof c->secure_cookies, "%s", v);
    return XN_OK;
}
/* A comma-separated list of CIDRs ("" for none). */
static int set_trusted_proxies(xn_config *c, const char *v, xn_error *e)
{
    xn_cidr nets[XN_MAX_TRUSTED_PROXIES] = {0};
    int n = 0;
    const char *p = v;
    while (*p) {
        p += strspn(p, " \t,");
        size_t len = strcspn(p, " \t,");
        if (!len)
            break;
        char item[64];
        if (len >= sizeof item)
            return xn_fail(e, XN_EINVAL, "bad_config", "'%.*s' is not an address or CIDR", (int)len,
                           p);
        memcpy(item, p, len);
        item[len] = '\0';
        if (n == XN_MAX_TRUSTED_PROXIES)
            return xn_fail(e, XN_EINVAL, "bad_config", "more than %d trusted proxies",
                           XN_MAX_TRUSTED_PROXIES);
        if (!xn_cidr_parse(item, &nets[n]))
            return xn_fail(e, XN_EINVAL, "bad_config",
                           "'%s' is not an address or CIDR with its host bits zero", item);
        n++;
        p += len;
    }
    memcpy(c->trusted_proxies, nets, sizeof nets[0] * (size_t)n);
    c->ntrusted_proxies = n;
    return XN_OK;
}
static int set_log_level(xn_config *c, const char *v, xn_error *e)
{
    if (xn_log_level_parse(v, &c->log_level) != XN_OK)
        return xn_fail(e, XN_EINVAL, "bad_config", "'%s' is not one of debug, info, warn, error",
                       v);
    return XN_OK;
}
static int set_log_format(xn_config *c, const char *v, xn_error *e)
{
    if (strcmp(v, "kv") == 0)
        c->log_format = XN_LOG_KV;
    else if (strcmp(v, "json") == 0)
        c->log_format = XN_LOG_JSON;
    else
        return xn_fail(e, XN_EINVAL, "bad_config", "'%s' is not one of kv, json", v);
    return XN_OK;
}
static int set_access_log(xn_config *c, const char *v, xn_error *e)
{
    if (strcmp(v, "on") == 0 || strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
        c->access_log = true;
    else if (strcmp(v, "off") == 0 || strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
        c->access_log = false;
    else
        return xn_fail(e, XN_EINVAL, "bad_config", "'%s' is not one of on, off", v);
    return XN_OK;
}
static int set_crypto(xn_config *c, const char *v, xn_error *e)
{
    if (strcmp(v, "gm") != 0 && strcmp(v, "intl") != 0)
        return xn_fail(e, XN_EINVAL, "bad_config", "'%s' is not one of gm, intl", v);
    snprintf(c->crypto, sizeof c->crypto, "%s", v);
    return XN_OK;
}

static int set_lexicons(xn_config *c, const char *v, xn_error *e)
{
    return set_path(c->lexicons, sizeof c->lexicons, v, e);
}

/* "" turns a listener off; otherwise host:port with a port from min_port to 65535 (0 lets a
 * listener pick a free port; a destination needs a real one). */
static int set_addr(char *dst, size_t size, const char *v, int64_t min_port, xn_error *e)
{
    if (!*v) {
        dst[0] = '\0';
        return XN_OK;
    }
    const char *colon = strrchr(v, ':');
    int64_t port;
    if (!colon || colon == v || xn_parse_int64(colon + 1, min_port, 65535, &port) != XN_OK)
        return xn_fail(e, XN_EINVAL, "bad_config", "'%s' is not host:port", v);
    if (xn_strlcpy(dst, v, size) != XN_OK)
        return xn_fail(e, XN_EINVAL, "bad_config", "address is longer than %zu bytes", size - 1);
    return XN_OK;
}
static int set_audit_witness(xn_config *c, const char *v, xn_error *e)
{
    if (!*v) {
        c->audit_witness[0] = '\0';
        return XN_OK;
    }
    return set_path(c->audit_witness, sizeof c->audit_witness, v, e);
}
/* "udp://host:port", "tcp://host:port", or "host:port" for UDP; "" is off. */
static int set_audit_witness_syslog(xn_config *c, const char *v, xn_error *e)
{
    const char *addr = v;
    if (strncmp(v, "udp://", 6) == 0 || strncmp(v, "tcp://", 6) == 0)
        addr = v + 6;
    else if (strstr(v, "://"))
        return xn_fail(e, XN_EINVAL, "bad_config", "'%s' is not udp://host:port or tcp://host:port",
                       v);
    char check[sizeof c->audit_witness_syslog];
    if (*v && !*addr)
        return xn_fail(e, XN_EINVAL, "bad_config", "'%s' names no host:port", v);
    int rc = set_addr(check, sizeof check, addr, 1, e);
    if (rc == XN_OK && xn_strlcpy(c->audit_witness_syslog, v, sizeof c->audit_witness_syslog))
        rc = xn_fail(e, XN_EINVAL, "bad_config", "address is longer than %zu bytes",
                     sizeof c->audit_witness_syslog - 1);
    return rc;
}
static int set_syslog_udp(xn_config *c, const char *v, xn_error *e)
{
    return set_addr(c->syslog_udp, sizeof c->syslog_udp, v, 0, e);
}
static int set_syslog_tcp(xn_config *c, const char *v, xn_error *e)
{
    return set_addr(c->syslog_tcp, sizeof c->syslog_tcp, v, 0, e);
}

/* PUB-12: clamd's socket: an absolute unix socket path, or host:port; "" is off. */
static int set_publish_site_root(xn_config *c, const char *v, xn_error *e)
{
    if (!*v) {
        c->publish_site_root[0] = '\0';
        return XN_OK;
    }
    return set_path(c->publish_site_root, sizeof c->publish_site_root, v, e);
}

static int set_publish_cms_url(xn_config *c, const char *v, xn_error *e)
{
    if (*v && strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0)
        return xn_fail(e, XN_EINVAL, "bad_config", "publish.cms_url must be an http(s) URL");
    return xn_strlcpy(c->publish_cms_url, v, sizeof c->publish_cms_url) == XN_OK
               ? XN_OK
               : xn_fail(e, XN_EINVAL, "bad_config", "publish.cms_url is too long");
}

static int set_publish_cms_secret(xn_config *c, const char *v, xn_error *e)
{
    return xn_strlcpy(c->publish_cms_secret, v, sizeof c->publish_cms_secret) == XN_OK
               ? XN_OK
               : xn_fail(e, XN_EINVAL, "bad_config", "publish.cms_secret is too long");
}

static int set_files_clamd(xn_config *c, const char *v, xn_error *e)
{
    if (*v == '/') {
        if (strlen(v) >= 108) /* sun_path */
            return xn_fail(e, XN_EINVAL, "bad_config", "a unix socket path is at most 107 bytes");
        return set_path(c->files_clamd, sizeof c->files_clamd, v, e);
    }
    return set_addr(c->files_clamd, sizeof c->files_clamd, v, 1, e);
}

static const setting settings[] = {
    {"server", "listen", "address and port of the HTTP server", "127.0.0.1:8080", set_listen},
    {"server", "db", "SQLite database file", "var/xinan.db", set_db},
    {"http", "max_body", "largest accepted request body in bytes", "1048576",
     INT(max_body, 1024, 64 * 1024 * 1024)},
    {"http", "max_connections", "simultaneous connections", "1024",
     INT(max_connections, 1, 100000)},
    {"http", "idle_timeout", "seconds before an idle connection is dropped", "30",
     INT(idle_timeout, 1, 3600)},
    {"http", "threads", "worker threads (0: one per CPU core)", "0", INT(threads, 0, 256)},
    {"http", "max_header", "memory per connection for the request head, bytes", "32768",
     INT(max_header, 4096, 1024 * 1024)},
    {"http", "shutdown_grace", "seconds in-flight requests get to finish at shutdown", "10",
     INT(shutdown_grace, 0, 600)},
    {"http", "trusted_proxies",
     "addresses or CIDRs of reverse proxies whose X-Forwarded-For names the client (\"\": none)",
     "", set_trusted_proxies},
    {"http", "max_connections_per_ip",
     "simultaneous connections from one client address (trusted proxies exempt)", "64",
     INT(max_connections_per_ip, 1, 100000)},
    {"http", "header_timeout",
     "seconds a client has to send a whole request head, however slowly it trickles", "10",
     INT(header_timeout, 1, 600)},
    {"http", "secure_cookies",
     "auto, on or off: the __Host- session cookie with Secure (auto: on beyond loopback)", "auto",
     set_secure_cookies},
    /* ACC-15: a session unused this long is over; background polls do not count as use. */
    {"auth", "idle_timeout", "seconds of inactivity after which a session locks", "900",
     INT(auth_idle_timeout, 5, 86400)},
    {"store", "busy_timeout", "milliseconds a write waits for the database lock", "5000",
     INT(db_busy_timeout, 0, 600000)},
    {"log", "level", "debug, info, warn or error", "info", set_log_level},
    {"log", "format", "kv (key=value) or json", "kv", set_log_format},
    {"log", "access", "one line per HTTP request: on or off", "on", set_access_log},
    {"crypto", "mode", "gm (SM3/SM4) or intl (BLAKE2b, XChaCha20-Poly1305, Argon2id)", "intl",
     set_crypto},
    {"text", "lexicons", "lexicon file or directory used to check content", XN_DEFAULT_LEXICONS,
     set_lexicons},
    {"audit", "epoch_records", "records after which the trail key evolves", "100000",
     INT(audit_epoch_records, 1, 100000000)},
    {"audit", "epoch_minutes", "minutes after which the trail key evolves", "15",
     INT(audit_epoch_minutes, 1, 24 * 60)},
    /* AUD-3: the trail is kept at least 180 days; settings can only lengthen it. */
    {"audit", "retention_days", "days the trail is kept (at least 180)", "180",
     INT(audit_retention_days, 180, 36500)},
    {"audit", "witness", "checkpoint and head file outside the database (\"\": beside it)", "",
     set_audit_witness},
    {"audit", "witness_syslog",
     "remote syslog collector for checkpoints: udp://host:port or tcp://host:port", "",
     set_audit_witness_syslog},
    {"audit", "verify_hours", "hours between scheduled verifications of the trail (0: off)", "24",
     INT(audit_verify_hours, 0, 8760)},
    {"syslog", "udp", "host:port to receive syslog on UDP (\"\": off)", "", set_syslog_udp},
    {"syslog", "tcp", "host:port to receive syslog on TCP (\"\": off)", "", set_syslog_tcp},
    /* AUD-3: 上网行为 logs at least 60 days. */
    {"syslog", "retention_days", "days received logs are kept (at least 60)", "180",
     INT(syslog_retention_days, 60, 36500)},
    {"syslog", "queue", "messages waiting to be stored before new ones are dropped", "65536",
     INT(syslog_queue, 16, 1048576)},
    {"syslog", "max_connections", "simultaneous TCP senders", "256",
     INT(syslog_max_conns, 1, 10000)},
    {"syslog", "idle_timeout", "seconds before a silent TCP sender is disconnected", "600",
     INT(syslog_idle_timeout, 1, 86400)},
    {"jobs", "workers", "threads of the job runner (periodic and deferred work)", "4",
     INT(jobs_workers, 1, 64)},
    {"notify", "robot_rate_per_minute",
     "messages a minute a new WeCom or DingTalk channel sends (the excess waits; 0: no limit)",
     "20", INT(notify_robot_rate, 0, 100000)},
    {"files", "max_size", "largest evidence file accepted, bytes", "52428800",
     INT(files_max_size, 1024, (int64_t)4 << 30)},
    {"files", "clamd",
     "clamd's socket for the virus check: unix socket path or host:port (\"\": none, files are "
     "marked unscanned)",
     "", set_files_clamd},
    {"publish", "site_root",
     "directory of the static site that reviewed items are published to (\"\": site/ beside the "
     "database)",
     "", set_publish_site_root},
    {"publish", "cms_url",
     "webhook of an external CMS told of every publication and withdrawal, signed (\"\": none)", "",
     set_publish_cms_url},
    {"publish", "cms_secret", "the secret that signs the CMS webhook (HMAC-SHA256)", "",
     set_publish_cms_secret},
};
#define NSETTINGS (sizeof settings / sizeof settings[0])

static int apply(const setting *s, xn_config *cfg, const char *value, xn_error *err)
{
    if (s->set)
        return s->set(cfg, value, err);
    return set_int((int64_t *)(void *)((char *)cfg + s->offset), value, s->min, s->max, err);
}

void xn_config_defaults(xn_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < NSETTINGS; i++) {
        xn_error err;
        if (apply(&settings[i], cfg, settings[i].default_value, &err) != XN_OK) {
            fprintf(stderr, "xinan: bad built-in default for %s.%s\n", settings[i].section,
                    settings[i].key);
            abort();
        }
    }
}

int xn_config_set(xn_config *cfg, const char *section, const char *key, const char *value,
                  xn_error *err)
{
    for (size_t i = 0; i < NSETTINGS; i++) {
        if (strcmp(settings[i].section, section) == 0 && strcmp(settings[i].key, key) == 0) {
            if (strlen(value) > 1024)
                return xn_fail(err, XN_EINVAL, "bad_config", "value is longer than 1024 bytes");
            return apply(&settings[i], cfg, value, err);
        }
    }
    return xn_fail(err, XN_EINVAL, "bad_config", "unknown setting");
}

int xn_config_set_listen(xn_config *cfg, const char *addr, xn_error *err)
{
    const char *colon = strrchr(addr, ':');
    if (!colon || colon == addr)
        return xn_fail(err, XN_EINVAL, "bad_config", "'%s' is not HOST:PORT", addr);
    size_t host_len = (size_t)(colon - addr);
    const char *host = addr;
    if (host[0] == '[' && host_len >= 2 && host[host_len - 1] == ']') {
        host++;
        host_len -= 2;
    }
    if (host_len == 0 || host_len >= sizeof cfg->listen_host)
        return xn_fail(err, XN_EINVAL, "bad_config", "'%s' has no valid host", addr);
    int64_t port;
    if (xn_parse_int64(colon + 1, 0, 65535, &port) != XN_OK)
        return xn_fail(err, XN_EINVAL, "bad_config", "'%s' has no port from 0 to 65535", addr);
    memcpy(cfg->listen_host, host, host_len);
    cfg->listen_host[host_len] = '\0';
    cfg->listen_port = (uint16_t)port;
    return XN_OK;
}

typedef struct ini_ctx {
    xn_config *cfg;
    xn_error *err;
    const char *path;
} ini_ctx;

static int on_ini_line(void *user, const char *section, const char *name, const char *value)
{
    ini_ctx *ctx = user;
    xn_error inner;
    if (xn_config_set(ctx->cfg, section, name, value, &inner) != XN_OK) {
        /* The line number is added by the caller from ini_parse's return value. */
        xn_fail(ctx->err, XN_EINVAL, "bad_config", "[%s] %s: %s", section, name, inner.message);
        return 0;
    }
    return 1;
}

int xn_config_load_file(xn_config *cfg, const char *path, bool required, xn_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        if (!required && errno == ENOENT)
            return XN_OK;
        return xn_fail(err, XN_EINVAL, "bad_config", "%s: cannot open: %s", path, strerror(errno));
    }
    ini_ctx ctx = {cfg, err, path};
    xn_error_clear(err);
    int line = ini_parse_file(f, on_ini_line, &ctx);
    fclose(f);
    if (line != 0) {
        char detail[sizeof err->message];
        snprintf(detail, sizeof detail, "%s",
                 err && err->message[0] ? err->message : "not a valid INI line");
        return xn_fail(err, XN_EINVAL, "bad_config", "%s:%d: %s", path, line, detail);
    }
    return XN_OK;
}

int xn_config_load_env(xn_config *cfg, xn_error *err)
{
    for (size_t i = 0; i < NSETTINGS; i++) {
        char name[96];
        snprintf(name, sizeof name, "XINAN_%s_%s", settings[i].section, settings[i].key);
        for (char *p = name; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        const char *value = getenv(name);
        if (!value)
            continue;
        xn_error inner;
        if (xn_config_set(cfg, settings[i].section, settings[i].key, value, &inner) != XN_OK)
            return xn_fail(err, XN_EINVAL, "bad_config", "environment %s: %s", name, inner.message);
    }
    return XN_OK;
}

int xn_config_threads(const xn_config *cfg)
{
    if (cfg->threads > 0)
        return (int)cfg->threads;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    return cores > 0 ? (int)cores : 2;
}
