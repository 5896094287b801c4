/*
 * The guard bench's helper, the same for every agent it measures:
 *
 *   tamper gen ROOT DIRS FILES SEED
 *     makes ROOT/dNNNN/pNNN.html: DIRS directories of FILES small HTML pages (1-8 KiB each).
 *   tamper run ROOT DIRS FILES SEED COUNT PACE_MS BURST TIMEOUT_MS
 *     tampers COUNT distinct random pages at one every PACE_MS, then BURST more back to back,
 *     and times each from the end of its write (close) until the page reads as its approved
 *     content again. A page still tampered after TIMEOUT_MS is a miss; the helper writes the
 *     approved content back itself so that the tree is whole for the next agent.
 *
 * Every outstanding page is checked in turn, then the helper sleeps 50 µs: a page is read again
 * only when stat says it changed (inode, size, mtime or ctime; a tampered page never has its
 * approved size, so a restore always shows). Output: one line per phase with n, p50, p99, max
 * (milliseconds) and misses.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_PAGE (8 << 10)

typedef struct page {
    char path[256];
    char approved[MAX_PAGE];
    size_t len;
    struct stat last; /* as last looked at */
    double t0;        /* end of the tampering write */
    double ms;        /* latency; < 0 while outstanding */
    int missed;
} page;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static unsigned long long rng_state;

static unsigned long long rng(void)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return rng_state >> 17;
}

static void page_path(char *out, size_t cap, const char *root, long dir, long file)
{
    snprintf(out, cap, "%s/d%04ld/p%03ld.html", root, dir, file);
}

static int write_all(const char *path, const char *data, size_t len, int flags)
{
    int fd = open(path, O_WRONLY | flags, 0644);
    if (fd < 0)
        return -1;
    ssize_t w = write(fd, data, len);
    return close(fd) == 0 && w == (ssize_t)len ? 0 : -1;
}

static size_t read_page(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return (size_t)-1;
    ssize_t r = read(fd, buf, cap);
    close(fd);
    return r < 0 ? (size_t)-1 : (size_t)r;
}

static int gen(const char *root, long dirs, long files)
{
    static char body[MAX_PAGE];
    char path[256];
    for (long d = 0; d < dirs; d++) {
        snprintf(path, sizeof path, "%s/d%04ld", root, d);
        if (mkdir(path, 0755) != 0)
            return perror(path), 1;
        for (long f = 0; f < files; f++) {
            size_t len = 1024 + rng() % (MAX_PAGE - 1024 + 1);
            int n = snprintf(body, sizeof body,
                             "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>%ld-%ld"
                             "</title></head><body>\n",
                             d, f);
            for (size_t i = (size_t)n; i < len; i++)
                body[i] = i % 64 == 63 ? '\n' : (char)('a' + rng() % 26);
            memcpy(body + len - 15, "</body></html>\n", 15);
            page_path(path, sizeof path, root, d, f);
            if (write_all(path, body, len, O_CREAT | O_EXCL) != 0)
                return perror(path), 1;
        }
    }
    return 0;
}

static int changed(const struct stat *a, const struct stat *b)
{
    return a->st_ino != b->st_ino || a->st_size != b->st_size ||
           a->st_mtim.tv_sec != b->st_mtim.tv_sec || a->st_mtim.tv_nsec != b->st_mtim.tv_nsec ||
           a->st_ctim.tv_sec != b->st_ctim.tv_sec || a->st_ctim.tv_nsec != b->st_ctim.tv_nsec;
}

static void tamper(page *p, long seq)
{
    static char bad[MAX_PAGE + 64];
    /* approved size + 7: never the approved size */
    size_t len = p->len + 7;
    int n = snprintf(bad, sizeof bad, "<html><body><h1>defaced %ld</h1>", seq);
    memset(bad + n, '!', len - (size_t)n);
    if (write_all(p->path, bad, len, O_TRUNC) != 0)
        perror(p->path);
    p->t0 = now_ms();
    memset(&p->last, 0, sizeof p->last);
    p->ms = -1;
}

/* Checks the outstanding pages once; returns how many are still outstanding. */
static size_t check(page *pages, size_t n, double timeout)
{
    static char buf[MAX_PAGE + 64];
    size_t left = 0;
    for (size_t i = 0; i < n; i++) {
        page *p = &pages[i];
        if (p->ms >= 0 || p->missed)
            continue;
        struct stat st;
        double t = now_ms();
        if (stat(p->path, &st) == 0 && changed(&st, &p->last)) {
            if ((size_t)st.st_size != p->len)
                p->last = st; /* not approved: read again only once it changes */
            else if (read_page(p->path, buf, sizeof buf) == p->len &&
                     memcmp(buf, p->approved, p->len) == 0) {
                p->ms = t - p->t0;
                continue;
            }
        }
        if (t - p->t0 > timeout) {
            p->missed = 1;
            continue;
        }
        left++;
    }
    return left;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void report(const char *phase, page *pages, size_t n)
{
    double *ms = calloc(n ? n : 1, sizeof *ms);
    size_t done = 0, misses = 0;
    for (size_t i = 0; i < n; i++) {
        if (pages[i].missed) {
            misses++;
            /* put the approved page back for the next agent */
            write_all(pages[i].path, pages[i].approved, pages[i].len, O_TRUNC);
        } else {
            ms[done++] = pages[i].ms;
        }
    }
    qsort(ms, done, sizeof *ms, cmp_double);
#define PCT(q) (done ? ms[(size_t)((double)(done - 1) * (q) + 0.5)] : -1.0)
    printf("%s n=%zu p50=%.3f p99=%.3f max=%.3f misses=%zu\n", phase, n, PCT(0.50), PCT(0.99),
           PCT(1.0), misses);
    free(ms);
}

static void sleep_us(long us)
{
    struct timespec ts = {0, us * 1000};
    nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
    if (argc < 6)
        goto usage;
    const char *root = argv[2];
    long dirs = strtol(argv[3], NULL, 10), files = strtol(argv[4], NULL, 10);
    rng_state = strtoull(argv[5], NULL, 10);
    if (dirs < 1 || dirs > 10000 || files < 1 || files > 1000)
        goto usage;
    if (!strcmp(argv[1], "gen") && argc == 6)
        return gen(root, dirs, files);
    if (strcmp(argv[1], "run") != 0 || argc != 10)
        goto usage;
    long count = strtol(argv[6], NULL, 10), burst = strtol(argv[8], NULL, 10);
    double pace = strtod(argv[7], NULL), timeout = strtod(argv[9], NULL);
    size_t total = (size_t)(count + burst);
    if (count < 0 || burst < 0 || total > (size_t)(dirs * files))
        goto usage;
    prctl(PR_SET_TIMERSLACK, 1UL); /* sleeps as short as asked */

    /* distinct random pages, the same for every agent (same seed) */
    unsigned char *taken = calloc((size_t)(dirs * files), 1);
    page *pages = calloc(total ? total : 1, sizeof *pages);
    if (!taken || !pages)
        return 1;
    for (size_t i = 0; i < total; i++) {
        long k;
        do
            k = (long)(rng() % (unsigned long long)(dirs * files));
        while (taken[k]);
        taken[k] = 1;
        page *p = &pages[i];
        page_path(p->path, sizeof p->path, root, k / files, k % files);
        p->len = read_page(p->path, p->approved, sizeof p->approved);
        if (p->len == (size_t)-1)
            return perror(p->path), 1;
    }

    /* steady: one every PACE_MS, checking the outstanding ones in between */
    double start = now_ms();
    size_t next = 0;
    for (;;) {
        if (next < (size_t)count && now_ms() >= start + (double)next * pace) {
            tamper(&pages[next], (long)next);
            next++;
        }
        if (check(pages, next, timeout) == 0 && next == (size_t)count)
            break;
        sleep_us(50);
    }
    report("steady", pages, (size_t)count);

    /* burst: the rest back to back */
    for (size_t i = (size_t)count; i < total; i++)
        tamper(&pages[i], (long)i);
    while (check(pages + count, (size_t)burst, timeout) > 0)
        sleep_us(50);
    report("burst", pages + count, (size_t)burst);
    free(taken);
    free(pages);
    return 0;
usage:
    fprintf(stderr, "usage: tamper gen ROOT DIRS FILES SEED\n"
                    "       tamper run ROOT DIRS FILES SEED COUNT PACE_MS BURST TIMEOUT_MS\n");
    return 2;
}
