/*
 * guard: the approved content from a server (MON-4). The publishing side signs the site's
 * manifest with its own Ed25519 key; an agent pins that key once, at enrolment
 * (state/server.pub), and from then on installs only manifests that key signed. Every file the
 * manifest lists is fetched into the content-addressed store (its SHA-256 checked) before the
 * manifest is installed, so the agent restores from its own disk with the server away, and a
 * new manifest is deployed by the agent's own scan: new pages written, withdrawn ones
 * quarantined.
 */
#include "guard/tree.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SYNC_PERIOD_MS 5000

typedef struct fetch {
    xn_buf *buf; /* into memory, or */
    int fd;      /* into a file, hashed on the way */
    crypto_hash_sha256_state hash;
    uint64_t size, max;
} fetch;

static size_t on_data(char *d, size_t s, size_t n, void *cls)
{
    fetch *f = cls;
    size_t len = s * n;
    if (f->size + len > f->max)
        return 0;
    f->size += len;
    if (f->buf)
        return xn_buf_append(f->buf, d, len) == XN_OK ? len : 0;
    crypto_hash_sha256_update(&f->hash, (const unsigned char *)d, len);
    return write(f->fd, d, len) == (ssize_t)len ? len : 0;
}

/* GET server+path with the agent's token; the HTTP status, or -1 when it was not reached. */
static long get(const guard_opts *o, const char *path, fetch *f)
{
    char url[6000], auth[700];
    snprintf(url, sizeof url, "%s%s", o->server, path);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", o->token);
    CURL *h = curl_easy_init();
    if (!h)
        return -1;
    struct curl_slist *hd = curl_slist_append(NULL, auth);
    xn_http_request(h, url, hd, 3, 120);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, f);
    long status = -1;
    if (curl_easy_perform(h) == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(h);
    curl_slist_free_all(hd);
    return status;
}

static void hex_digest(const void *data, size_t len, char hex[GUARD_DIGEST_HEX + 1])
{
    unsigned char d[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(d, data, len);
    sodium_bin2hex(hex, GUARD_DIGEST_HEX + 1, d, sizeof d);
}

/* Puts one approved file into the store unless it is there; its content must hash to digest. */
static int fetch_file(const guard_opts *o, const char *digest, uint64_t size, xn_error *err)
{
    char path[4300], tmp[4400];
    snprintf(path, sizeof path, "%s/store/%s", o->state, digest);
    if (access(path, F_OK) == 0)
        return XN_OK;
    snprintf(tmp, sizeof tmp, "%s.fetch", path);
    fetch f = {.fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), .max = size};
    if (f.fd < 0)
        return xn_fail(err, XN_EIO, "store", "cannot write %s", tmp);
    crypto_hash_sha256_init(&f.hash);
    char rel[128];
    snprintf(rel, sizeof rel, "/api/guard/files/%s", digest);
    long status = get(o, rel, &f);
    unsigned char d[crypto_hash_sha256_BYTES];
    char got[GUARD_DIGEST_HEX + 1];
    crypto_hash_sha256_final(&f.hash, d);
    sodium_bin2hex(got, sizeof got, d, sizeof d);
    bool ok = status == 200 && f.size == size && strcmp(got, digest) == 0 && fsync(f.fd) == 0;
    close(f.fd);
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return xn_fail(err, XN_EIO, "fetch",
                       status == 200 ? "file %s does not have its approved digest"
                                     : "file %s could not be fetched (HTTP %ld)",
                       digest, status);
    }
    return XN_OK;
}

int guard_pinned_key(const char *state, unsigned char pk[crypto_sign_PUBLICKEYBYTES])
{
    char path[4200], hex[crypto_sign_PUBLICKEYBYTES * 2 + 2];
    snprintf(path, sizeof path, "%s/server.pub", state);
    FILE *f = fopen(path, "re");
    if (!f)
        return XN_ENOTFOUND;
    size_t n = fread(hex, 1, sizeof hex - 1, f);
    fclose(f);
    hex[n] = '\0';
    hex[strcspn(hex, "\n")] = '\0';
    size_t bin = 0;
    if (sodium_hex2bin(pk, crypto_sign_PUBLICKEYBYTES, hex, strlen(hex), NULL, &bin, NULL) != 0 ||
        bin != crypto_sign_PUBLICKEYBYTES)
        return XN_EINVAL;
    return XN_OK;
}

/* The digest of the installed manifest ("" when none). */
static void current_digest(const char *state, char hex[GUARD_DIGEST_HEX + 1])
{
    char path[4200];
    snprintf(path, sizeof path, "%s/manifest", state);
    char *text = NULL;
    size_t len = 0;
    hex[0] = '\0';
    if (guard_read_all(path, GUARD_MAX_MANIFEST, &text, &len) == XN_OK)
        hex_digest(text, len, hex);
    free(text);
}

/* Checks a fetched manifest against the pinned key, fills the store, installs it. */
static int install(const guard_opts *o, const unsigned char pk[crypto_sign_PUBLICKEYBYTES],
                   json_t *doc, xn_error *err)
{
    const char *text = json_string_value(json_object_get(doc, "manifest"));
    size_t len = json_string_length(json_object_get(doc, "manifest"));
    const char *sighex = json_string_value(json_object_get(doc, "signature"));
    unsigned char sig[crypto_sign_BYTES];
    size_t bin = 0;
    if (!text || !sighex ||
        sodium_hex2bin(sig, sizeof sig, sighex, strlen(sighex), NULL, &bin, NULL) != 0 ||
        bin != sizeof sig ||
        crypto_sign_verify_detached(sig, (const unsigned char *)text, len, pk) != 0)
        return xn_fail(err, XN_EDENIED, "bad_signature",
                       "the server's manifest is not signed by the pinned key: refused");
    guard_manifest m;
    int rc = guard_manifest_parse(text, len, &m, err);
    if (rc != XN_OK)
        return rc;
    for (size_t i = 0; rc == XN_OK && i < m.count; i++)
        if (m.entries[i].type == GUARD_FILE)
            rc = fetch_file(o, m.entries[i].digest, m.entries[i].size, err);
    guard_manifest_free(&m);
    char path[4200];
    static const char *const names[] = {"manifest", "manifest.last-good"};
    for (size_t i = 0; rc == XN_OK && i < 2; i++) {
        /* the signature first: a reader in between sees a pair that fails and keeps the
         * last good one */
        snprintf(path, sizeof path, "%s/%s.sig", o->state, names[i]);
        rc = guard_write_file(path, sig, sizeof sig, 0600);
        snprintf(path, sizeof path, "%s/%s", o->state, names[i]);
        if (rc == XN_OK)
            rc = guard_write_file(path, text, len, 0600);
        if (rc != XN_OK)
            xn_fail(err, rc, "write", "cannot write %s", path);
    }
    return rc;
}

/* One pull: *changed when a new manifest was installed. */
static int pull(const guard_opts *o, bool *changed, xn_error *err)
{
    *changed = false;
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    if (guard_pinned_key(o->state, pk) != XN_OK)
        return xn_fail(err, XN_ENOTFOUND, "not_enrolled",
                       "no pinned server key in %s (run guard enrol)", o->state);
    char have[GUARD_DIGEST_HEX + 1], path[200];
    current_digest(o->state, have);
    snprintf(path, sizeof path, "/api/guard/manifest%s%s", *have ? "?have=" : "", have);
    xn_buf body;
    xn_buf_init(&body, GUARD_MAX_MANIFEST * 2);
    fetch f = {.buf = &body, .max = GUARD_MAX_MANIFEST * 2};
    long status = get(o, path, &f);
    int rc = XN_OK;
    if (status == 200) {
        json_t *doc = body.data ? json_loadb(body.data, body.len, 0, NULL) : NULL;
        rc = doc ? install(o, pk, doc, err)
                 : xn_fail(err, XN_EINVAL, "manifest", "the server's answer is not JSON");
        *changed = rc == XN_OK;
        json_decref(doc);
    } else if (status != 204) {
        rc = xn_fail(err, XN_EIO, "server", "the server's manifest could not be fetched (HTTP %ld)",
                     status);
    }
    xn_buf_release(&body);
    return rc;
}

int guard_enrol(const guard_opts *o, const char *key_hex, xn_error *err)
{
    if (sodium_init() < 0)
        return xn_fail(err, XN_EINTERNAL, "sodium", "libsodium failed to start");
    if (strncmp(o->server, "http://", 7) != 0 && strncmp(o->server, "https://", 8) != 0)
        return xn_fail(err, XN_EINVAL, "server", "--server must be an http:// or https:// URL");
    curl_global_init(CURL_GLOBAL_DEFAULT);
    char path[4200];
    mkdir(o->state, 0700);
    snprintf(path, sizeof path, "%s/store", o->state);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/quarantine", o->state);
    mkdir(path, 0700);
    xn_buf body;
    xn_buf_init(&body, GUARD_MAX_MANIFEST * 2);
    fetch f = {.buf = &body, .max = GUARD_MAX_MANIFEST * 2};
    long status = get(o, "/api/guard/manifest", &f);
    json_t *doc = status == 200 && body.data ? json_loadb(body.data, body.len, 0, NULL) : NULL;
    xn_buf_release(&body);
    if (!doc)
        return xn_fail(err, XN_EIO, "server",
                       status < 0 ? "the server could not be reached"
                                  : "the server gave no manifest (HTTP %ld): publish the site "
                                    "first, and check the token's scope is guard",
                       status);
    const char *served = json_string_value(json_object_get(doc, "public_key"));
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], pinned[crypto_sign_PUBLICKEYBYTES];
    size_t bin = 0;
    int rc = XN_OK;
    if (!served || sodium_hex2bin(pk, sizeof pk, served, strlen(served), NULL, &bin, NULL) != 0 ||
        bin != sizeof pk)
        rc = xn_fail(err, XN_EINVAL, "key", "the server sent no valid public key");
    else if (key_hex && strcmp(key_hex, served) != 0)
        rc = xn_fail(err, XN_EDENIED, "key_mismatch",
                     "the server's key %s is not the one given with --key: refused", served);
    else if (!key_hex && guard_pinned_key(o->state, pinned) == XN_OK &&
             sodium_memcmp(pinned, pk, sizeof pk) != 0)
        rc = xn_fail(err, XN_EDENIED, "key_changed",
                     "the server's key changed since enrolment: check it on the server and "
                     "enrol again with --key %s",
                     served);
    if (rc == XN_OK) {
        char line[crypto_sign_PUBLICKEYBYTES * 2 + 2];
        snprintf(line, sizeof line, "%s\n", served);
        snprintf(path, sizeof path, "%s/server.pub", o->state);
        rc = guard_write_file(path, line, strlen(line), 0600);
        if (rc != XN_OK)
            xn_fail(err, rc, "write", "cannot write %s", path);
    }
    if (rc == XN_OK)
        rc = install(o, pk, doc, err);
    if (rc == XN_OK)
        printf("{\"enrolled\":true,\"public_key\":\"%s\"}\n", served);
    json_decref(doc);
    return rc;
}

/* ---- the pulling thread ------------------------------------------------------------------- */

struct guard_sync {
    const guard_opts *o;
    guard_walk *report; /* events go where the agent's go */
    atomic_bool *reload;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop;
};

static void *sync_main(void *arg)
{
    guard_sync *s = arg;
    char last_error[256] = "";
    pthread_mutex_lock(&s->lock);
    while (!s->stop) {
        pthread_mutex_unlock(&s->lock);
        bool changed = false;
        xn_error err = {0};
        int rc = pull(s->o, &changed, &err);
        if (rc == XN_OK && changed) {
            last_error[0] = '\0';
            atomic_store(s->reload, true);
        } else if (rc != XN_OK && strcmp(last_error, err.message) != 0) {
            /* reported once per distinct failure, not every five seconds */
            snprintf(last_error, sizeof last_error, "%s", err.message);
            fprintf(stderr, "guard: %s\n", err.message);
            if (rc == XN_EDENIED || rc == XN_EINVAL)
                guard_emit(s->report, "manifest_refused", "", err.code, -1, NULL, NULL, 0);
        }
        pthread_mutex_lock(&s->lock);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += SYNC_PERIOD_MS / 1000;
        if (!s->stop)
            pthread_cond_timedwait(&s->wake, &s->lock, &until);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

int guard_sync_start(guard_sync **out, const guard_opts *o, guard_walk *report, atomic_bool *reload,
                     xn_error *err)
{
    *out = NULL;
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    if (guard_pinned_key(o->state, pk) != XN_OK)
        return XN_OK; /* not enrolled: the local baseline is enforced */
    guard_sync *s = calloc(1, sizeof *s);
    if (!s)
        return xn_fail(err, XN_ENOMEM, "memory", "out of memory");
    *s = (guard_sync){.o = o, .report = report, .reload = reload};
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->wake, NULL);
    if (pthread_create(&s->thread, NULL, sync_main, s) != 0) {
        free(s);
        return xn_fail(err, XN_EIO, "thread", "cannot start the manifest puller");
    }
    *out = s;
    return XN_OK;
}

void guard_sync_stop(guard_sync *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->lock);
    s->stop = true;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->wake);
    free(s);
}
