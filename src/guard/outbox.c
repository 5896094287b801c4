/*
 * The guard's outbox: state/queue.jsonl holds one event a line ({"seq":N,"at":µs,…}), appended
 * and synced by the enforcing thread; state/queue.sent holds how far the server has
 * acknowledged ("<byte offset> <last seq>"). The sender thread reads from that offset, posts,
 * and moves the offset on a 2xx; once everything is acknowledged the queue file is emptied.
 * With the server away, events wait on disk; nothing is lost, and a repeat is dropped by the
 * server (it keeps each agent's seq once).
 *
 * Quarantined files go after their events: state/uploads.pending holds one line a file,
 * "DIGEST\tSIZE\tTRIES\tNEXT_AT\tNAME\tPATH", appended by the enforcing thread and rewritten
 * by the sender once a round (what was appended meanwhile is carried over under the lock). The
 * server keeps each digest once, so a repeat after a lost answer costs only the transfer.
 */
#include "guard/outbox.h"
#include "guard/tree.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_BATCH      500
#define GUARD_LINE_MAX (GUARD_MAX_PATH + 600) /* a pending upload's line */
#define MAX_BATCH_B    (512u << 10)
#define HEARTBEAT_S    30
#define TRUNCATE_FROM  (1u << 20)

#define UPLOAD_LIST_MAX    (4u << 20) /* bytes of state/uploads.pending read at once */
#define UPLOADS_PER_ROUND  4
#define UPLOAD_TRIES       10
#define UPLOAD_RETRY_S     5
#define UPLOAD_RETRY_MAX_S 600

struct guard_outbox {
    char queue[4200], sent_path[4200];
    char url[1100], auth[600], root[4200];
    char base[1100];                      /* the server's URL without a trailing slash */
    char pending[4200], quarantine[4200]; /* uploads.pending, the quarantine directory */
    size_t entries;
    int fd;            /* the queue, appended to under lock */
    int64_t seq;       /* the last sequence number given */
    uint64_t offset;   /* acknowledged bytes of the queue */
    int64_t acked_seq; /* the last acknowledged seq */
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t thread;
    bool stop, started;
};

static int64_t wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void save_sent(guard_outbox *q)
{
    char tmp[4300], line[64];
    snprintf(tmp, sizeof tmp, "%s.tmp", q->sent_path);
    int n = snprintf(line, sizeof line, "%llu %lld\n", (unsigned long long)q->offset,
                     (long long)q->acked_seq);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    bool ok = write(fd, line, (size_t)n) == n && fsync(fd) == 0;
    close(fd);
    if (ok)
        rename(tmp, q->sent_path);
}

/* The largest seq in the queue file (its last line), or 0. */
static int64_t last_seq_in(int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size == 0)
        return 0;
    off_t from = st.st_size > 4096 ? st.st_size - 4096 : 0;
    char buf[4097];
    ssize_t n = pread(fd, buf, (size_t)(st.st_size - from), from);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    const char *last = NULL;
    for (char *p = strstr(buf, "{\"seq\":"); p; p = strstr(p + 1, "{\"seq\":"))
        last = p;
    return last ? strtoll(last + 7, NULL, 10) : 0;
}

void guard_outbox_add(guard_outbox *q, const char *members)
{
    if (!q)
        return;
    pthread_mutex_lock(&q->lock);
    char head[96];
    int hn = snprintf(head, sizeof head, "{\"seq\":%lld,\"at\":%lld,", (long long)++q->seq,
                      (long long)wall_us());
    size_t ml = strlen(members);
    char *line = malloc((size_t)hn + ml + 3);
    if (line) {
        memcpy(line, head, (size_t)hn);
        memcpy(line + hn, members, ml);
        memcpy(line + hn + ml, "}\n", 2);
        size_t len = (size_t)hn + ml + 2, off = 0;
        while (off < len) {
            ssize_t w = write(q->fd, line + off, len - off);
            if (w <= 0 && errno != EINTR)
                break;
            if (w > 0)
                off += (size_t)w;
        }
        fdatasync(q->fd);
        free(line);
    }
    pthread_cond_signal(&q->wake);
    pthread_mutex_unlock(&q->lock);
}

static size_t discard(char *d, size_t s, size_t n, void *c)
{
    (void)d;
    (void)c;
    return s * n;
}

/* POSTs body; true on 2xx. */
static bool post(guard_outbox *q, const char *body, size_t len)
{
    CURL *h = curl_easy_init();
    if (!h)
        return false;
    struct curl_slist *hd = curl_slist_append(NULL, "Content-Type: application/json");
    hd = curl_slist_append(hd, q->auth);
    xn_http_request(h, q->url, hd, 3, 10);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)len);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    CURLcode cc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(h);
    curl_slist_free_all(hd);
    return cc == CURLE_OK && status >= 200 && status < 300;
}

/* One report: the events from the acknowledged offset (whole lines) and the heartbeat. */
static bool send_once(guard_outbox *q, bool heartbeat)
{
    pthread_mutex_lock(&q->lock);
    struct stat st;
    uint64_t size = fstat(q->fd, &st) == 0 ? (uint64_t)st.st_size : 0;
    uint64_t from = q->offset;
    pthread_mutex_unlock(&q->lock);
    if (from >= size && !heartbeat)
        return true;
    size_t want = size - from > MAX_BATCH_B ? MAX_BATCH_B : (size_t)(size - from);
    char *chunk = malloc(want + 1);
    xn_buf body;
    xn_buf_init(&body, MAX_BATCH_B * 2);
    if (!chunk)
        return false;
    ssize_t got = want ? pread(q->fd, chunk, want, (off_t)from) : 0;
    if (got < 0)
        got = 0;
    /* whole lines only, at most MAX_BATCH */
    size_t used = 0, lines = 0;
    int64_t last = q->acked_seq;
    xn_buf_puts(&body, "{\"heartbeat\":{\"root\":");
    xn_json_put_string(&body, q->root);
    xn_buf_printf(&body, ",\"entries\":%zu},\"events\":[", q->entries);
    while (used < (size_t)got && lines < MAX_BATCH) {
        char *nl = memchr(chunk + used, '\n', (size_t)got - used);
        if (!nl)
            break;
        size_t ll = (size_t)(nl - (chunk + used));
        if (lines)
            xn_buf_puts(&body, ",");
        xn_buf_append(&body, chunk + used, ll);
        if (ll > 7 && strncmp(chunk + used, "{\"seq\":", 7) == 0)
            last = strtoll(chunk + used + 7, NULL, 10);
        used += ll + 1;
        lines++;
    }
    xn_buf_puts(&body, "]}");
    free(chunk);
    if (!lines && !heartbeat) {
        xn_buf_release(&body);
        return true;
    }
    bool ok = post(q, body.data, body.len);
    xn_buf_release(&body);
    if (!ok)
        return false;
    pthread_mutex_lock(&q->lock);
    q->offset = from + used;
    q->acked_seq = last;
    /* everything acknowledged and the file grown: start it again */
    if (fstat(q->fd, &st) == 0 && q->offset == (uint64_t)st.st_size && q->offset >= TRUNCATE_FROM &&
        ftruncate(q->fd, 0) == 0)
        q->offset = 0;
    save_sent(q);
    pthread_mutex_unlock(&q->lock);
    return true;
}

/* ---- quarantined files -------------------------------------------------------------------- */

void guard_outbox_quarantined(guard_outbox *q, const char *name, const char *digest, uint64_t size,
                              const char *rel)
{
    if (!q)
        return;
    char line[GUARD_LINE_MAX];
    int n = snprintf(line, sizeof line, "%s\t%llu\t0\t0\t%s\t%s\n", digest,
                     (unsigned long long)size, name, rel);
    if (n <= 0 || (size_t)n >= sizeof line)
        return;
    pthread_mutex_lock(&q->lock);
    /* opened each time: the sender replaces the file */
    int fd = open(q->pending, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0) {
        if (write(fd, line, (size_t)n) != n)
            fprintf(stderr, "guard: cannot note %s for upload\n", name);
        fdatasync(fd);
        close(fd);
    }
    pthread_cond_signal(&q->wake);
    pthread_mutex_unlock(&q->lock);
}

static bool all_acknowledged(guard_outbox *q)
{
    pthread_mutex_lock(&q->lock);
    struct stat st;
    bool all = fstat(q->fd, &st) == 0 && q->offset >= (uint64_t)st.st_size;
    pthread_mutex_unlock(&q->lock);
    return all;
}

static size_t read_file(char *buf, size_t s, size_t n, void *cls)
{
    ssize_t r = read(*(int *)cls, buf, s * n);
    return r < 0 ? CURL_READFUNC_ABORT : (size_t)r;
}

/* POSTs a quarantined file's content; the HTTP status, or -1 when the server was not reached. */
static long upload(guard_outbox *q, const char *digest, int fd, uint64_t size)
{
    CURL *h = curl_easy_init();
    if (!h)
        return -1;
    char url[1300];
    snprintf(url, sizeof url, "%s/api/guard/quarantine/%s", q->base, digest);
    struct curl_slist *hd = curl_slist_append(NULL, "Content-Type: application/octet-stream");
    hd = curl_slist_append(hd, q->auth);
    /* a large file may take long; a stalled transfer may not */
    xn_http_request(h, url, hd, 3, 0);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1024L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 30L);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_file);
    curl_easy_setopt(h, CURLOPT_READDATA, &fd);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)size);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    CURLcode cc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(h);
    curl_slist_free_all(hd);
    /* a refusal answered before the whole body was sent still counts as the server's answer */
    return status > 0 ? status : cc == CURLE_OK ? 0 : -1;
}

/* An event of the sender's own, told once the pending list is written: a quarantined file
 * that stays on the host only (quarantine_kept), or one written to after it was taken away
 * (quarantined, kind written: the content the server is to receive has a new digest). */
typedef struct upload_note {
    const char *event, *kind;
    char path[GUARD_MAX_PATH + 1];
    char digest[GUARD_DIGEST_HEX + 1];
} upload_note;

static void tell(guard_outbox *q, const upload_note *n)
{
    xn_buf b;
    xn_buf_init(&b, GUARD_LINE_MAX * 2);
    xn_buf_printf(&b, "\"event\":\"%s\",\"path\":", n->event);
    xn_json_put_string(&b, n->path);
    xn_buf_printf(&b, ",\"kind\":\"%s\",\"found\":\"%s\"", n->kind, n->digest);
    if (b.data)
        guard_outbox_add(q, b.data);
    xn_buf_release(&b);
    if (!strcmp(n->event, "quarantine_kept"))
        fprintf(stderr, "guard: quarantined %s kept on this host only (%s)\n", n->path, n->kind);
}

/* One round over the pending uploads: at most UPLOADS_PER_ROUND tried, none while the server
 * is away; the list rewritten with what is left. */
static void upload_pending(guard_outbox *q)
{
    pthread_mutex_lock(&q->lock);
    char *list = NULL;
    size_t len = 0;
    int rc = guard_read_all(q->pending, UPLOAD_LIST_MAX, &list, &len);
    pthread_mutex_unlock(&q->lock);
    if (rc != XN_OK || len == 0) {
        free(list);
        return;
    }
    list[len] = '\0';
    xn_buf keep;
    xn_buf_init(&keep, UPLOAD_LIST_MAX + GUARD_LINE_MAX);
    upload_note *notes = calloc(UPLOADS_PER_ROUND, sizeof *notes);
    int nnotes = 0, tried = 0;
    bool away = false;
    int64_t now = wall_us() / 1000000;
    char *line = list;
    while (notes && *line) {
        char *nl = strchr(line, '\n');
        if (!nl)
            break; /* a line still being written: next round */
        *nl = '\0';
        char *f[6] = {line};
        int nf = 1;
        for (char *p = line; *p && nf < 6; p++)
            if (*p == '\t') {
                *p = '\0';
                f[nf++] = p + 1;
            }
        char *next = nl + 1;
        if (nf != 6 || strlen(f[0]) != GUARD_DIGEST_HEX || strchr(f[4], '/')) {
            line = next; /* not a line of ours: dropped */
            continue;
        }
        char digest[GUARD_DIGEST_HEX + 1];
        snprintf(digest, sizeof digest, "%s", f[0]);
        uint64_t size = strtoull(f[1], NULL, 10);
        long tries = strtol(f[2], NULL, 10);
        long long next_at = strtoll(f[3], NULL, 10);
        bool done = false;
        if (!away && tried < UPLOADS_PER_ROUND && next_at <= now) {
            char path[8500], found[GUARD_DIGEST_HEX + 1];
            snprintf(path, sizeof path, "%s/%s", q->quarantine, f[4]);
            int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
            tried++;
            if (fd < 0) {
                done = true; /* taken away by someone on the host: nothing to send */
            } else if (guard_hash_fd(fd, found, &size) != XN_OK || lseek(fd, 0, SEEK_SET) != 0) {
                next_at = now + UPLOAD_RETRY_S; /* still being written to */
            } else if (strcmp(found, digest) != 0) {
                /* a writer that held the file open went on writing after it was taken away:
                 * the new content is told first, and sent next round */
                done = size == 0;
                upload_note *n = &notes[nnotes++];
                *n = (upload_note){.event = "quarantined", .kind = "written"};
                snprintf(n->path, sizeof n->path, "%s", f[5]);
                snprintf(n->digest, sizeof n->digest, "%s", found);
                snprintf(digest, sizeof digest, "%s", found);
            } else if (size == 0) {
                done = true; /* nothing to keep */
            } else {
                long status = upload(q, digest, fd, size);
                if (status >= 200 && status < 300) {
                    done = true;
                } else if (status < 0) {
                    away = true;
                } else if (status == 413 || ++tries >= UPLOAD_TRIES) {
                    done = true;
                    upload_note *n = &notes[nnotes++];
                    *n = (upload_note){.event = "quarantine_kept",
                                       .kind = status == 413 ? "too_large" : "upload_failed"};
                    snprintf(n->path, sizeof n->path, "%s", f[5]);
                    snprintf(n->digest, sizeof n->digest, "%s", digest);
                } else {
                    long wait = UPLOAD_RETRY_S << (tries < 10 ? tries : 10);
                    next_at = now + (wait > UPLOAD_RETRY_MAX_S ? UPLOAD_RETRY_MAX_S : wait);
                }
            }
            if (fd >= 0)
                close(fd);
        }
        if (!done)
            xn_buf_printf(&keep, "%s\t%llu\t%ld\t%lld\t%s\t%s\n", digest, (unsigned long long)size,
                          tries, next_at, f[4], f[5]);
        line = next;
    }
    size_t used = (size_t)(line - list);
    pthread_mutex_lock(&q->lock);
    /* what the enforcing thread appended meanwhile, and a last line not yet whole, stay */
    char *now_list = NULL;
    size_t now_len = 0;
    if (guard_read_all(q->pending, UPLOAD_LIST_MAX + GUARD_LINE_MAX, &now_list, &now_len) ==
            XN_OK &&
        now_len > used)
        xn_buf_append(&keep, now_list + used, now_len - used);
    free(now_list);
    if (keep.len == 0)
        unlink(q->pending);
    else if (keep.data)
        guard_write_file(q->pending, keep.data, keep.len, 0600);
    pthread_mutex_unlock(&q->lock);
    xn_buf_release(&keep);
    free(list);
    for (int i = 0; i < nnotes; i++)
        tell(q, &notes[i]);
    free(notes);
}

static void *sender(void *arg)
{
    guard_outbox *q = arg;
    int64_t last_beat = 0;
    int backoff = 1;
    pthread_mutex_lock(&q->lock);
    while (!q->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += backoff;
        pthread_cond_timedwait(&q->wake, &q->lock, &until);
        bool stopping = q->stop;
        pthread_mutex_unlock(&q->lock);
        int64_t now = wall_us();
        bool beat = now - last_beat >= HEARTBEAT_S * 1000000LL;
        bool ok = send_once(q, beat);
        if (ok && beat)
            last_beat = now;
        if (ok && !stopping && all_acknowledged(q))
            upload_pending(q);
        /* away: try again less often, up to every 30 s; back: at once */
        backoff = ok ? 1 : backoff * 2 > 30 ? 30 : backoff * 2;
        pthread_mutex_lock(&q->lock);
        if (stopping)
            break;
    }
    pthread_mutex_unlock(&q->lock);
    return NULL;
}

int guard_outbox_open(guard_outbox **out, const char *state, const char *server, const char *token,
                      const char *root, size_t entries, xn_error *err)
{
    size_t sl = strlen(server);
    if ((strncmp(server, "http://", 7) != 0 && strncmp(server, "https://", 8) != 0) || sl > 1000)
        return xn_fail(err, XN_EINVAL, "bad_server", "--server must be an http(s) URL");
    if (strlen(token) > 500 || strncmp(token, "xat_", 4) != 0)
        return xn_fail(err, XN_EINVAL, "bad_token", "--token must be an agent token (xat_…)");
    guard_outbox *q = calloc(1, sizeof *q);
    if (!q)
        return xn_fail(err, XN_ENOMEM, "no_memory", "out of memory");
    snprintf(q->queue, sizeof q->queue, "%s/queue.jsonl", state);
    snprintf(q->sent_path, sizeof q->sent_path, "%s/queue.sent", state);
    while (sl > 8 && server[sl - 1] == '/')
        sl--;
    snprintf(q->url, sizeof q->url, "%.*s/api/guard/report", (int)sl, server);
    snprintf(q->base, sizeof q->base, "%.*s", (int)sl, server);
    snprintf(q->pending, sizeof q->pending, "%s/uploads.pending", state);
    snprintf(q->quarantine, sizeof q->quarantine, "%s/quarantine", state);
    snprintf(q->auth, sizeof q->auth, "Authorization: Bearer %s", token);
    snprintf(q->root, sizeof q->root, "%s", root);
    q->entries = entries;
    q->fd = open(q->queue, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (q->fd < 0) {
        free(q);
        return xn_fail(err, XN_EIO, "queue", "cannot open %s/queue.jsonl", state);
    }
    FILE *f = fopen(q->sent_path, "r");
    if (f) {
        unsigned long long off = 0;
        long long acked = 0;
        if (fscanf(f, "%llu %lld", &off, &acked) == 2) {
            q->offset = off;
            q->acked_seq = acked;
        }
        fclose(f);
    }
    struct stat st;
    if (fstat(q->fd, &st) == 0 && q->offset > (uint64_t)st.st_size)
        q->offset = 0; /* the queue was replaced: send it all, the server drops repeats */
    int64_t last = last_seq_in(q->fd);
    q->seq = last > q->acked_seq ? last : q->acked_seq;
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->wake, NULL);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (pthread_create(&q->thread, NULL, sender, q) != 0) {
        close(q->fd);
        free(q);
        return xn_fail(err, XN_EIO, "thread", "cannot start the sender");
    }
    q->started = true;
    *out = q;
    return XN_OK;
}

void guard_outbox_close(guard_outbox *q)
{
    if (!q)
        return;
    pthread_mutex_lock(&q->lock);
    q->stop = true;
    pthread_cond_signal(&q->wake);
    pthread_mutex_unlock(&q->lock);
    if (q->started)
        pthread_join(q->thread, NULL);
    close(q->fd);
    pthread_cond_destroy(&q->wake);
    pthread_mutex_destroy(&q->lock);
    free(q);
}
