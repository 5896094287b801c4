/*
 * guard: run: enforcing the manifest until SIGTERM (MON-4, SZ 网页防篡改).
 *
 * Detection is fanotify on the whole file system of the root (FAN_MARK_FILESYSTEM with
 * directory-entry events, FAN_REPORT_DFID_NAME): nothing to add as directories appear, and each
 * event names the process that caused it. Without the privilege (CAP_SYS_ADMIN) or on a kernel
 * without it, recursive inotify. A queue overflow of either triggers a full scan at once.
 *
 * --block adds a second fanotify group of permission events (FAN_OPEN_PERM), marked on the
 * root's approved directories only (inode marks with FAN_EVENT_ON_CHILD) so that no open
 * elsewhere on the host ever waits for the agent. A thread of its own answers each open: a file
 * whose content is not the approved one is denied (EPERM) and restored at once. The agent's own
 * opens are always allowed (they come from this process), and the thread itself opens nothing
 * under the root, so it can never wait on itself. If the agent exits, the kernel allows every
 * open again: fail-open is the kernel's rule.
 */
#include "guard/tree.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/inotify.h>
#include <unistd.h>

static volatile sig_atomic_t stop_flag;
static atomic_bool reload_flag; /* a new manifest is installed: enforce it */

static bool should_return(void)
{
    return stop_flag || atomic_load(&reload_flag);
}

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static void entry_abs(char *abs, size_t cap, const char *root, const char *rel)
{
    snprintf(abs, cap, "%s%s%s", root, *rel ? "/" : "", rel);
}

/* ---- inotify ------------------------------------------------------------------------------ */

typedef struct watches {
    int fd;
    char **paths; /* by watch descriptor */
    size_t cap;
} watches;

static void watch_add(watches *ws, const char *root, const char *rel)
{
    char abs[8400];
    entry_abs(abs, sizeof abs, root, rel);
    int wd = inotify_add_watch(ws->fd, abs,
                               IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB | IN_CREATE | IN_DELETE |
                                   IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF |
                                   IN_DONT_FOLLOW | IN_ONLYDIR);
    if (wd < 0)
        return;
    if ((size_t)wd >= ws->cap) {
        size_t nc = (size_t)wd * 2 + 64;
        char **np = realloc(ws->paths, nc * sizeof *np);
        if (!np)
            return;
        memset(np + ws->cap, 0, (nc - ws->cap) * sizeof *np);
        ws->paths = np;
        ws->cap = nc;
    }
    free(ws->paths[wd]);
    ws->paths[wd] = strdup(rel);
}

static void watch_all(watches *ws, const guard_manifest *m, const char *root)
{
    watch_add(ws, root, "");
    for (size_t i = 0; i < m->count; i++)
        if (m->entries[i].type == GUARD_DIR)
            watch_add(ws, root, m->entries[i].path);
}

static bool scan_due(double *next_scan, unsigned minutes)
{
    if (guard_now_ms() < *next_scan)
        return false;
    *next_scan = guard_now_ms() + (minutes ? minutes : 10) * 60e3;
    return true;
}

int guard_watch_inotify(guard_walk *w, const guard_opts *o, xn_error *err)
{
    watches ws = {.fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)};
    if (ws.fd < 0)
        return xn_fail(err, XN_EIO, "inotify", "inotify: %s", strerror(errno));
    watch_all(&ws, w->m, o->root);
    guard_full_scan(w);
    fprintf(stderr, "guard: enforcing %zu entries under %s (inotify)%s%s\n", w->m->count, o->root,
            o->server ? ", reporting to " : "", o->server ? o->server : "");
    double next_scan = guard_now_ms() + (o->scan_minutes ? o->scan_minutes : 10) * 60e3;
    static char buf[1 << 16] __attribute__((aligned(8)));
    while (!should_return()) {
        struct pollfd p = {.fd = ws.fd, .events = POLLIN};
        int pr = poll(&p, 1, 1000);
        if (pr < 0 && errno != EINTR)
            break;
        if (scan_due(&next_scan, o->scan_minutes))
            guard_full_scan(w);
        if (pr <= 0)
            continue;
        ssize_t len;
        bool rescan = false, rewatch = false, overflow = false;
        while ((len = read(ws.fd, buf, sizeof buf)) > 0) {
            for (char *q = buf; q < buf + len;) {
                struct inotify_event *ev = (struct inotify_event *)q;
                q += sizeof *ev + ev->len;
                double t0 = guard_now_ms();
                if (ev->mask & IN_Q_OVERFLOW) {
                    overflow = rescan = true;
                    continue;
                }
                if (ev->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) {
                    rewatch = true;
                    continue;
                }
                if (ev->wd < 0 || (size_t)ev->wd >= ws.cap || !ws.paths[ev->wd] || !ev->len)
                    continue;
                const char *dir = ws.paths[ev->wd];
                char rel[GUARD_MAX_PATH + 300];
                snprintf(rel, sizeof rel, "%s%s%s", dir, *dir ? "/" : "", ev->name);
                if (!guard_path_ok(rel, strlen(rel)))
                    continue;
                guard_repair_path(w, rel, t0);
                const guard_entry *e = guard_manifest_find(w->m, rel);
                if (e && e->type == GUARD_DIR &&
                    (ev->mask &
                     (IN_CREATE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM | IN_ATTRIB))) {
                    /* A directory (re)appeared: watch it and scan it at once. */
                    watch_add(&ws, o->root, rel);
                    rewatch = true;
                    rescan = true;
                }
            }
        }
        if (rewatch)
            watch_all(&ws, w->m, o->root);
        if (overflow)
            guard_emit(w, "overflow_rescan", "", "modified", -1, NULL, NULL, 0);
        if (rescan)
            guard_full_scan(w);
    }
    close(ws.fd);
    for (size_t i = 0; i < ws.cap; i++)
        free(ws.paths[i]);
    free(ws.paths);
    return XN_OK;
}

/* ---- fanotify: directory handles ---------------------------------------------------------- */

/* The approved directories by file handle: an event names its directory by handle, and only
 * events in these directories concern the root (the mark covers the whole file system). */
typedef struct dir_slot {
    unsigned char *key; /* handle type (int) then the handle's bytes */
    size_t klen;
    const char *rel; /* the manifest's path ("" the root), not owned */
} dir_slot;

typedef struct dir_map {
    dir_slot *slots;
    size_t cap; /* a power of two, at least twice the count */
} dir_map;

static uint64_t key_hash(const unsigned char *k, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ k[i]) * 1099511628211ull;
    return h;
}

static void dir_map_clear(dir_map *d)
{
    for (size_t i = 0; i < d->cap; i++)
        free(d->slots[i].key);
    free(d->slots);
    *d = (dir_map){0};
}

static size_t key_of(int type, const unsigned char *bytes, size_t n, unsigned char *key)
{
    memcpy(key, &type, sizeof type);
    memcpy(key + sizeof type, bytes, n);
    return sizeof type + n;
}

static const char *dir_map_find(const dir_map *d, const unsigned char *key, size_t klen)
{
    if (!d->cap)
        return NULL;
    for (size_t i = key_hash(key, klen) & (d->cap - 1);; i = (i + 1) & (d->cap - 1)) {
        const dir_slot *s = &d->slots[i];
        if (!s->key)
            return NULL;
        if (s->klen == klen && memcmp(s->key, key, klen) == 0)
            return s->rel;
    }
}

static int dir_map_put(dir_map *d, const char *root, const char *rel)
{
    char abs[8400];
    entry_abs(abs, sizeof abs, root, rel);
    union {
        struct file_handle fh;
        unsigned char space[sizeof(struct file_handle) + MAX_HANDLE_SZ];
    } h;
    h.fh.handle_bytes = MAX_HANDLE_SZ;
    int mount_id;
    if (name_to_handle_at(AT_FDCWD, abs, &h.fh, &mount_id, 0) != 0)
        return errno == EOPNOTSUPP ? XN_EDENIED : XN_ENOTFOUND;
    unsigned char key[sizeof(int) + MAX_HANDLE_SZ];
    size_t klen = key_of(h.fh.handle_type, h.fh.f_handle, h.fh.handle_bytes, key);
    size_t i = key_hash(key, klen) & (d->cap - 1);
    while (d->slots[i].key && !(d->slots[i].klen == klen && !memcmp(d->slots[i].key, key, klen)))
        i = (i + 1) & (d->cap - 1);
    if (!d->slots[i].key) {
        d->slots[i].key = malloc(klen);
        if (!d->slots[i].key)
            return XN_ENOMEM;
        memcpy(d->slots[i].key, key, klen);
        d->slots[i].klen = klen;
    }
    d->slots[i].rel = rel;
    return XN_OK;
}

/* (Re)builds the map from the directories as they stand; XN_EDENIED when the file system has
 * no file handles (then fanotify cannot name the directories). */
static int dir_map_build(dir_map *d, const guard_manifest *m, const char *root)
{
    dir_map_clear(d);
    size_t dirs = 1;
    for (size_t i = 0; i < m->count; i++)
        dirs += m->entries[i].type == GUARD_DIR;
    d->cap = 16;
    while (d->cap < dirs * 2)
        d->cap *= 2;
    d->slots = calloc(d->cap, sizeof *d->slots);
    if (!d->slots)
        return XN_ENOMEM;
    int rc = dir_map_put(d, root, "");
    for (size_t i = 0; rc != XN_EDENIED && i < m->count; i++)
        if (m->entries[i].type == GUARD_DIR)
            rc = dir_map_put(d, root, m->entries[i].path);
    return rc == XN_EDENIED ? rc : XN_OK;
}

/* ---- fanotify: --block -------------------------------------------------------------------- */

typedef struct blocker {
    guard_walk *w;
    int fd;          /* the permission group */
    int repair_fd;   /* write end: paths the main loop restores at once */
    char *root_real; /* the root's canonical path, to name an opened file */
    size_t root_len;
    volatile sig_atomic_t *stop;
    atomic_bool *reload;
    atomic_bool rescan; /* a path did not fit the pipe: the main loop scans everything */
    pid_t self;
} blocker;

static void block_mark_all(blocker *b, const char *root)
{
    char abs[8400];
    fanotify_mark(b->fd, FAN_MARK_ADD, FAN_OPEN_PERM | FAN_EVENT_ON_CHILD, AT_FDCWD, root);
    for (size_t i = 0; i < b->w->m->count; i++)
        if (b->w->m->entries[i].type == GUARD_DIR) {
            entry_abs(abs, sizeof abs, root, b->w->m->entries[i].path);
            fanotify_mark(b->fd, FAN_MARK_ADD | FAN_MARK_DONT_FOLLOW | FAN_MARK_ONLYDIR,
                          FAN_OPEN_PERM | FAN_EVENT_ON_CHILD, AT_FDCWD, abs);
        }
}

/* Whether the file behind fd (opened by the kernel for the event, so reading it raises no
 * event) may be opened: FAN_ALLOW or FAN_DENY, with rel and kind filled on a denial. */
static unsigned judge(blocker *b, int fd, char *rel, size_t relcap, const char **kind,
                      char found[GUARD_DIGEST_HEX + 1])
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        return FAN_ALLOW;
    char link[64], path[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n <= 0 || (size_t)n <= b->root_len + 1 || memcmp(path, b->root_real, b->root_len) != 0 ||
        path[b->root_len] != '/')
        return FAN_ALLOW;
    path[n] = '\0';
    snprintf(rel, relcap, "%s", path + b->root_len + 1);
    const guard_entry *e = guard_manifest_find(b->w->m, rel);
    if (!e) {
        *kind = "added";
        return FAN_DENY;
    }
    *kind = "modified";
    if (e->type != GUARD_FILE)
        return FAN_DENY;
    if (guard_seen_match(b->w, e, &st))
        return FAN_ALLOW;
    uint64_t size = 0;
    if (guard_hash_fd(fd, found, &size) == XN_OK && size == e->size &&
        strcmp(found, e->digest) == 0) {
        if (fstat(fd, &st) == 0)
            guard_seen_set(b->w, e, &st);
        return FAN_ALLOW;
    }
    return FAN_DENY;
}

static void *block_main(void *arg)
{
    blocker *b = arg;
    static char buf[1 << 14] __attribute__((aligned(8)));
    while (!*b->stop && !atomic_load(b->reload)) {
        struct pollfd p = {.fd = b->fd, .events = POLLIN};
        if (poll(&p, 1, 200) <= 0)
            continue;
        ssize_t len = read(b->fd, buf, sizeof buf);
        if (len <= 0)
            continue;
        struct fanotify_event_metadata *ev = (struct fanotify_event_metadata *)buf;
        for (; FAN_EVENT_OK(ev, len); ev = FAN_EVENT_NEXT(ev, len)) {
            if (ev->fd < 0)
                continue;
            double t0 = guard_now_ms();
            char rel[PATH_MAX] = "", found[GUARD_DIGEST_HEX + 1] = "";
            const char *kind = NULL;
            unsigned verdict = FAN_ALLOW;
            if (ev->pid != b->self && (ev->mask & FAN_OPEN_PERM))
                verdict = judge(b, ev->fd, rel, sizeof rel, &kind, found);
            struct fanotify_response r = {.fd = ev->fd, .response = verdict};
            if (write(b->fd, &r, sizeof r) != (ssize_t)sizeof r)
                fprintf(stderr, "guard: cannot answer an open: %s\n", strerror(errno));
            close(ev->fd);
            if (verdict != FAN_DENY)
                continue;
            /* The main loop reports and restores it now: this thread never waits on output
             * (a stalled log would hold up every open under the root). A full pipe means a
             * full scan instead. */
            char line[PATH_MAX + 200];
            int ll = snprintf(line, sizeof line, "%s\t%d\t%.3f\t%s\t%s\n", kind, (int)ev->pid,
                              guard_now_ms() - t0, found, rel);
            if (ll <= 0 || ll > PIPE_BUF || write(b->repair_fd, line, (size_t)ll) != ll)
                atomic_store(&b->rescan, true);
        }
    }
    return NULL;
}

/* Reports the denials the --block thread passed on and restores their files. Lines are
 * written whole (each under PIPE_BUF), so a read ends on a line boundary. */
static void denials_take(guard_walk *w, int fd, bool *rescan)
{
    static char lines[1 << 17]; /* more than a pipe holds: every line whole */
    ssize_t n = read(fd, lines, sizeof lines - 1);
    if (n <= 0)
        return;
    lines[n] = '\0';
    char *save = NULL;
    for (char *line = strtok_r(lines, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[5];
        int nf = 0;
        for (char *p = line; nf < 5; nf++) {
            f[nf] = p;
            p = nf < 4 ? strchr(p, '\t') : NULL;
            if (!p)
                break;
            *p++ = '\0';
        }
        if (nf != 4 || !guard_path_ok(f[4], strlen(f[4]))) {
            *rescan = true;
            continue;
        }
        guard_emit(w, "denied", f[4], f[0], strtod(f[2], NULL), NULL, f[3], atoi(f[1]));
        guard_repair_path(w, f[4], guard_now_ms());
    }
}

/* ---- fanotify: the watch ------------------------------------------------------------------ */

/* Handles one event's DFID_NAME record: the directory by handle, then the entry by name. */
static void handle_dfid_name(guard_walk *w, const dir_map *dirs,
                             const struct fanotify_event_info_fid *fid, const char *end, double t0,
                             bool *rescan)
{
    const struct file_handle *fh = (const struct file_handle *)fid->handle;
    const char *name = (const char *)fh->f_handle + fh->handle_bytes;
    if (fh->handle_bytes > MAX_HANDLE_SZ || name >= end)
        return;
    unsigned char key[sizeof(int) + MAX_HANDLE_SZ];
    size_t klen = key_of(fh->handle_type, fh->f_handle, fh->handle_bytes, key);
    const char *dir = dir_map_find(dirs, key, klen);
    if (!dir)
        return; /* elsewhere on the file system */
    size_t nlen = strnlen(name, (size_t)(end - name));
    if (nlen == (size_t)(end - name) || nlen == 0)
        return;
    char rel[GUARD_MAX_PATH + 300];
    if (!strcmp(name, "."))
        snprintf(rel, sizeof rel, "%s", dir); /* the directory itself */
    else
        snprintf(rel, sizeof rel, "%s%s%s", dir, *dir ? "/" : "", name);
    if (!*rel || !guard_path_ok(rel, strlen(rel)))
        return;
    guard_repair_path(w, rel, t0);
    const guard_entry *e = guard_manifest_find(w->m, rel);
    if (e && e->type == GUARD_DIR)
        *rescan = true; /* a directory changed: its handle and contents are checked again */
}

int guard_watch_fanotify(guard_walk *w, const guard_opts *o, xn_error *err)
{
    int fan = fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME | FAN_CLOEXEC | FAN_NONBLOCK,
                            O_RDONLY | O_LARGEFILE | O_CLOEXEC);
    if (fan < 0)
        return xn_fail(err, XN_EDENIED, "fanotify", "fanotify: %s", strerror(errno));
    uint64_t mask = FAN_MODIFY | FAN_CLOSE_WRITE | FAN_ATTRIB | FAN_CREATE | FAN_DELETE |
                    FAN_MOVED_FROM | FAN_MOVED_TO | FAN_ONDIR;
    dir_map dirs = {0};
    if (fanotify_mark(fan, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, mask, AT_FDCWD, o->root) != 0 ||
        dir_map_build(&dirs, w->m, o->root) == XN_EDENIED) {
        int e = errno;
        close(fan);
        dir_map_clear(&dirs);
        return xn_fail(err, XN_EDENIED, "fanotify", "fanotify on %s: %s", o->root, strerror(e));
    }
    blocker b = {.w = w, .fd = -1, .stop = &stop_flag, .reload = &reload_flag, .self = getpid()};
    int pipefd[2] = {-1, -1};
    pthread_t thread;
    bool threaded = false;
    int rc = XN_OK;
    if (o->block) {
        b.fd = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK,
                             O_RDONLY | O_LARGEFILE | O_CLOEXEC);
        b.root_real = realpath(o->root, NULL);
        if (b.fd < 0 || !b.root_real || pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) != 0) {
            rc = xn_fail(err, XN_EDENIED, "block",
                         "--block needs fanotify permission events (CAP_SYS_ADMIN): %s",
                         strerror(errno));
            goto out;
        }
        b.root_len = strlen(b.root_real);
        b.repair_fd = pipefd[1];
        block_mark_all(&b, o->root);
        if (pthread_create(&thread, NULL, block_main, &b) != 0) {
            rc = xn_fail(err, XN_EIO, "thread", "cannot start the --block thread");
            goto out;
        }
        threaded = true;
    }
    guard_full_scan(w);
    fprintf(stderr, "guard: enforcing %zu entries under %s (fanotify%s)%s%s\n", w->m->count,
            o->root, o->block ? ", opens of tampered files denied" : "",
            o->server ? ", reporting to " : "", o->server ? o->server : "");
    double next_scan = guard_now_ms() + (o->scan_minutes ? o->scan_minutes : 10) * 60e3;
    static char buf[1 << 16] __attribute__((aligned(8)));
    pid_t self = getpid();
    while (!should_return()) {
        struct pollfd p[2] = {{.fd = fan, .events = POLLIN}, {.fd = pipefd[0], .events = POLLIN}};
        int pr = poll(p, o->block ? 2 : 1, 1000);
        if (pr < 0 && errno != EINTR)
            break;
        bool rescan = scan_due(&next_scan, o->scan_minutes), overflow = false;
        if (o->block && (p[1].revents & POLLIN)) {
            denials_take(w, pipefd[0], &rescan);
        }
        if (atomic_exchange(&b.rescan, false))
            rescan = true;
        ssize_t len;
        while (pr > 0 && (len = read(fan, buf, sizeof buf)) > 0) {
            struct fanotify_event_metadata *ev = (struct fanotify_event_metadata *)buf;
            for (; FAN_EVENT_OK(ev, len); ev = FAN_EVENT_NEXT(ev, len)) {
                if (ev->fd >= 0)
                    close(ev->fd);
                if (ev->mask & FAN_Q_OVERFLOW) {
                    overflow = rescan = true;
                    continue;
                }
                if (ev->pid == self)
                    continue; /* our own restores and quarantines */
                double t0 = guard_now_ms();
                w->pid = ev->pid;
                const char *end = (const char *)ev + ev->event_len;
                for (const char *q = (const char *)(ev + 1);
                     q + sizeof(struct fanotify_event_info_header) <= end;) {
                    const struct fanotify_event_info_header *h = (const void *)q;
                    if (h->len < sizeof *h || q + h->len > end)
                        break;
                    if (h->info_type == FAN_EVENT_INFO_TYPE_DFID_NAME &&
                        h->len >
                            sizeof(struct fanotify_event_info_fid) + sizeof(struct file_handle))
                        handle_dfid_name(w, &dirs, (const struct fanotify_event_info_fid *)q,
                                         q + h->len, t0, &rescan);
                    q += h->len;
                }
                w->pid = 0;
            }
        }
        if (overflow)
            guard_emit(w, "overflow_rescan", "", "modified", -1, NULL, NULL, 0);
        if (rescan) {
            guard_full_scan(w);
            dir_map_build(&dirs, w->m, o->root);
            if (o->block)
                block_mark_all(&b, o->root);
        }
    }
out:
    if (threaded)
        pthread_join(thread, NULL);
    if (b.fd >= 0)
        close(b.fd); /* the kernel allows whatever was still waiting */
    for (int i = 0; i < 2; i++)
        if (pipefd[i] >= 0)
            close(pipefd[i]);
    free(b.root_real);
    dir_map_clear(&dirs);
    close(fan);
    return rc;
}

/* ---- run ---------------------------------------------------------------------------------- */

int guard_run(const guard_opts *o, xn_error *err)
{
    guard_manifest m;
    guard_walk w;
    char store[4200], quar[4200];
    int rc = guard_setup(o, &m, &w, store, quar, err);
    if (rc != XN_OK)
        return rc;
    w.repair = true;
    w.seen = calloc(m.count ? m.count : 1, sizeof *w.seen);
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    guard_sync *sync = NULL;
    if (!w.seen)
        rc = xn_fail(err, XN_ENOMEM, "memory", "out of memory");
    else if (o->server)
        rc = guard_outbox_open(&w.outbox, o->state, o->server, o->token, o->root, m.count, err);
    if (rc == XN_OK && o->server)
        rc = guard_sync_start(&sync, o, &w, &reload_flag, err);
    while (rc == XN_OK && !stop_flag) {
        rc = o->force_inotify ? XN_EDENIED : guard_watch_fanotify(&w, o, err);
        if (rc == XN_EDENIED && !o->block) {
            if (!o->force_inotify)
                fprintf(stderr, "guard: %s; watching with inotify\n", err->message);
            rc = guard_watch_inotify(&w, o, err);
        }
        if (rc != XN_OK || !atomic_exchange(&reload_flag, false))
            continue;
        /* a new manifest from the server: the watch starts again on it, and its first full
         * scan writes the new pages from the store and quarantines the withdrawn ones */
        guard_manifest next;
        xn_error e2 = {0};
        guard_seen *seen = NULL;
        if (guard_load_manifest(o->state, &next, &e2) != XN_OK ||
            !(seen = calloc(next.count ? next.count : 1, sizeof *seen))) {
            fprintf(stderr, "guard: the new manifest cannot be loaded; the last one stays\n");
            continue;
        }
        pthread_mutex_lock(&w.seen_lock);
        guard_manifest_free(&m);
        m = next;
        free(w.seen);
        w.seen = seen;
        pthread_mutex_unlock(&w.seen_lock);
        fprintf(stderr, "guard: new manifest from the server: %zu entries\n", m.count);
        guard_emit(&w, "manifest_installed", "", "modified", -1, NULL, NULL, 0);
    }
    guard_sync_stop(sync);
    guard_outbox_close(w.outbox);
    guard_teardown(&w, &m);
    return rc;
}
