/*
 * The auth bench. `bench_auth hash N` times N password hashes under each crypto mode (the
 * parameters xinan uses: Argon2id 19 MiB / 2 passes, PBKDF2-HMAC-SM3) and prints ms per hash.
 * `bench_auth http BASE COOKIE THREADS SECONDS` runs keep-alive GETs from THREADS threads
 * (one libcurl handle each) against BASE/api/health and BASE/api/me with the session cookie,
 * in ten alternating slices, SECONDS in all for each, and prints requests/s and the ratio.
 * Figures only; nothing is asserted.
 */
#include "crypto/crypto.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int bench_hash(int n)
{
    const crypto_alg algs[] = {CRYPTO_B2, CRYPTO_SM3};
    const char *names[] = {"intl (Argon2id m=19456 t=2 p=1)", "gm (PBKDF2-HMAC-SM3)"};
    for (int a = 0; a < 2; a++) {
        char out[CRYPTO_PASSWORD_MAX];
        xn_error err;
        double t0 = now_s();
        for (int i = 0; i < n; i++)
            if (crypto_password_hash(algs[a], "Kx7#mQ2$vL9@", 12, out, &err) != XN_OK) {
                fprintf(stderr, "hash failed: %s\n", err.message);
                return 1;
            }
        double ms = (now_s() - t0) * 1000.0 / n;
        t0 = now_s();
        for (int i = 0; i < n; i++)
            crypto_password_verify(out, "Kx7#mQ2$vL9@", 12);
        double vms = (now_s() - t0) * 1000.0 / n;
        printf("hash mode=%s alg=\"%s\" ms_per_hash=%.2f ms_per_verify=%.2f\n", a ? "gm" : "intl",
               names[a], ms, vms);
    }
    return 0;
}

typedef struct worker {
    pthread_t t;
    const char *url;
    const char *cookie;
    double until;
    long done, failed;
} worker;

static size_t sink(char *p, size_t size, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return size * n;
}

static void *run(void *arg)
{
    worker *w = arg;
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, w->url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
    if (w->cookie)
        curl_easy_setopt(c, CURLOPT_COOKIE, w->cookie);
    while (now_s() < w->until) {
        long code = 0;
        if (curl_easy_perform(c) == CURLE_OK &&
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK && code == 200)
            w->done++;
        else
            w->failed++;
    }
    curl_easy_cleanup(c);
    return NULL;
}

static double rate(const char *url, const char *cookie, int threads, double seconds, long *failed)
{
    worker *ws = calloc((size_t)threads, sizeof *ws);
    if (!ws)
        abort();
    double t0 = now_s();
    for (int i = 0; i < threads; i++) {
        ws[i] = (worker){.url = url, .cookie = cookie, .until = t0 + seconds};
        pthread_create(&ws[i].t, NULL, run, &ws[i]);
    }
    long done = 0;
    *failed = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(ws[i].t, NULL);
        done += ws[i].done;
        *failed += ws[i].failed;
    }
    double took = now_s() - t0;
    free(ws);
    return (double)done / took;
}

/* Alternates short slices of /api/health and /api/me so that load from elsewhere on the
 * machine falls on both alike; the ratio is of the sums. */
static int bench_http(const char *base, const char *cookie, int threads, double seconds)
{
    char health[512], me[512];
    snprintf(health, sizeof health, "%s/api/health", base);
    snprintf(me, sizeof me, "%s/api/me", base);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    long failed = 0, f = 0, me_failed = 0;
    rate(health, NULL, threads, 1.0, &f); /* warm up */
    rate(me, cookie, threads, 1.0, &f);
    const int rounds = 10;
    double h = 0, m = 0, hmin = 1e12, hmax = 0, mmin = 1e12, mmax = 0;
    for (int i = 0; i < rounds; i++) {
        double a = rate(health, NULL, threads, seconds / rounds, &f);
        failed += f;
        double b = rate(me, cookie, threads, seconds / rounds, &f);
        me_failed += f;
        h += a / rounds;
        m += b / rounds;
        hmin = a < hmin ? a : hmin;
        hmax = a > hmax ? a : hmax;
        mmin = b < mmin ? b : mmin;
        mmax = b > mmax ? b : mmax;
    }
    printf("http threads=%d seconds=%.0f+%.0f health_rps=%.0f (%.0f..%.0f) me_rps=%.0f "
           "(%.0f..%.0f) ratio=%.2f failed=%ld\n",
           threads, seconds, seconds, h, hmin, hmax, m, mmin, mmax, m / h, failed + me_failed);
    curl_global_cleanup();
    return me_failed ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "hash") == 0)
        return bench_hash(atoi(argv[2]) > 0 ? atoi(argv[2]) : 10);
    if (argc == 6 && strcmp(argv[1], "http") == 0)
        return bench_http(argv[2], argv[3], atoi(argv[4]), atof(argv[5]));
    fprintf(stderr, "usage: bench_auth hash N | bench_auth http BASE COOKIE THREADS SECONDS\n");
    return 2;
}
