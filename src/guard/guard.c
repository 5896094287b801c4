/*
 * guard: local mode: baseline, verify and run (MON-4, SZ 网页防篡改). The state directory
 * holds key (Ed25519 secret key, 0600), manifest, manifest.sig, store/<sha256> (the approved
 * contents) and quarantine/ (added files, kept as evidence, never deleted).
 */
#include "guard/guard.h"
#include "crypto/crypto.h"
#include "guard/tree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

double guard_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void json_str(xn_buf *b, const char *s)
{
    xn_buf_puts(b, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            xn_buf_printf(b, "\\%c", c);
        else if (c < 0x20)
            xn_buf_printf(b, "\\u%04x", c);
        else
            xn_buf_append(b, s, 1);
    }
    xn_buf_puts(b, "\"");
}

static pthread_mutex_t emit_lock = PTHREAD_MUTEX_INITIALIZER;

void guard_emit(guard_walk *w, const char *event, const char *path, const char *kind, double ms,
                const char *approved, const char *found, int pid)
{
    xn_buf b;
    xn_buf_init(&b, 64u << 10);
    xn_buf_puts(&b, "\"event\":");
    json_str(&b, event);
    xn_buf_puts(&b, ",\"path\":");
    json_str(&b, path);
    xn_buf_puts(&b, ",\"kind\":");
    json_str(&b, kind);
    if (ms >= 0)
        xn_buf_printf(&b, ",\"ms\":%.3f", ms);
    if (approved && *approved && strcmp(approved, "-") != 0)
        xn_buf_printf(&b, ",\"approved\":\"%s\"", approved);
    if (found && *found)
        xn_buf_printf(&b, ",\"found\":\"%s\"", found);
    if (pid > 0) {
        /* who did it, when the kernel says (fanotify): evidence for the incident */
        char link[64], exe[1024];
        snprintf(link, sizeof link, "/proc/%d/exe", pid);
        ssize_t n = readlink(link, exe, sizeof exe - 1);
        xn_buf_printf(&b, ",\"pid\":%d", pid);
        if (n > 0) {
            exe[n] = '\0';
            xn_buf_puts(&b, ",\"exe\":");
            json_str(&b, exe);
        }
    }
    if (b.data) {
        pthread_mutex_lock(&emit_lock);
        printf("{%s}\n", b.data);
        fflush(stdout);
        guard_outbox_add(w->outbox, b.data);
        pthread_mutex_unlock(&emit_lock);
    }
    xn_buf_release(&b);
}

void guard_seen_set(guard_walk *w, const guard_entry *e, const struct stat *st)
{
    if (!w->seen || !e)
        return;
    guard_seen *s = &w->seen[e - w->m->entries];
    pthread_mutex_lock(&w->seen_lock);
    *s = (guard_seen){.dev = st->st_dev,
                      .ino = st->st_ino,
                      .size = st->st_size,
                      .mtime = st->st_mtim,
                      .ctime = st->st_ctim,
                      .valid = 1};
    pthread_mutex_unlock(&w->seen_lock);
}

bool guard_seen_match(guard_walk *w, const guard_entry *e, const struct stat *st)
{
    if (!w->seen || !e)
        return false;
    const guard_seen *s = &w->seen[e - w->m->entries];
    pthread_mutex_lock(&w->seen_lock);
    bool same = s->valid && s->dev == st->st_dev && s->ino == st->st_ino &&
                s->size == st->st_size && s->mtime.tv_sec == st->st_mtim.tv_sec &&
                s->mtime.tv_nsec == st->st_mtim.tv_nsec && s->ctime.tv_sec == st->st_ctim.tv_sec &&
                s->ctime.tv_nsec == st->st_ctim.tv_nsec;
    pthread_mutex_unlock(&w->seen_lock);
    return same;
}

/* ---- hashing ------------------------------------------------------------------------------ */

/* Hashes an open file; re-reads when it changed while being read (3 tries), else XN_EBUSY. */
int guard_hash_fd(int fd, char hex[GUARD_DIGEST_HEX + 1], uint64_t *size)
{
    static _Thread_local unsigned char buf[1 << 16];
    for (int attempt = 0; attempt < 3; attempt++) {
        struct stat a, b;
        if (fstat(fd, &a) != 0 || lseek(fd, 0, SEEK_SET) != 0)
            return XN_EIO;
        crypto_hasher h;
        crypto_hasher_init(&h, CRYPTO_SHA256, NULL);
        uint64_t total = 0;
        ssize_t r;
        while ((r = read(fd, buf, sizeof buf)) > 0) {
            crypto_hasher_update(&h, buf, (size_t)r);
            total += (uint64_t)r;
        }
        uint8_t d[CRYPTO_HASH_BYTES];
        crypto_hasher_final(&h, d);
        if (r < 0 || fstat(fd, &b) != 0)
            return XN_EIO;
        if (total == (uint64_t)b.st_size && a.st_size == b.st_size &&
            a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec &&
            a.st_ctim.tv_nsec == b.st_ctim.tv_nsec) {
            sodium_bin2hex(hex, GUARD_DIGEST_HEX + 1, d, sizeof d);
            *size = total;
            return XN_OK;
        }
    }
    return XN_EBUSY;
}

/* ---- files -------------------------------------------------------------------------------- */

int guard_read_all(const char *path, size_t max, char **out, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return XN_ENOTFOUND;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
        close(fd);
        return XN_ETOOBIG;
    }
    char *buf = malloc((size_t)st.st_size + 1);
    size_t got = 0;
    while (buf && got < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (!buf || got != (size_t)st.st_size) {
        free(buf);
        return XN_EIO;
    }
    *out = buf;
    *len = got;
    return XN_OK;
}

int guard_write_file(const char *path, const void *data, size_t len, mode_t mode)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0)
        return XN_EIO;
    const char *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w <= 0) {
            close(fd);
            return XN_EIO;
        }
        p += w;
        len -= (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0)
        return XN_EIO;
    return XN_OK;
}

/* ---- the tree ----------------------------------------------------------------------------- */

/* Copies fd's content into the store under its digest. */
static int store_copy(const char *store, int fd, const char *hex)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", store, hex);
    if (access(path, F_OK) == 0)
        return XN_OK;
    if (lseek(fd, 0, SEEK_SET) != 0)
        return XN_EIO;
    char tmp[4300];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (out < 0)
        return XN_EIO;
    static char buf[1 << 16];
    ssize_t r;
    while ((r = read(fd, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)r) != r) {
            close(out);
            return XN_EIO;
        }
    if (close(out) != 0 || r < 0 || rename(tmp, path) != 0)
        return XN_EIO;
    return XN_OK;
}

/* Walks the directory at rel ("" the root) with dirfd. */
static void walk_dir(guard_walk *w, int dfd, const char *rel)
{
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        w->errors++;
        return;
    }
    /* Names sorted so the manifest comes out sorted. */
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **nn = realloc(names, cap * sizeof *names);
            if (!nn)
                break;
            names = nn;
        }
        names[n++] = strdup(de->d_name);
    }
    qsort(names, n, sizeof *names, (int (*)(const void *, const void *))strcmp);
    for (size_t i = 0; i < n; i++) {
        char path[GUARD_MAX_PATH + 300];
        if (!names[i])
            continue;
        int pl = snprintf(path, sizeof path, "%s%s%s", rel, *rel ? "/" : "", names[i]);
        bool ok = pl > 0 && (size_t)pl < sizeof path && guard_path_ok(path, (size_t)pl) &&
                  !strchr(names[i], '\t');
        if (!ok) {
            fprintf(stderr, "guard: refused name under %s: path not acceptable\n",
                    *rel ? rel : ".");
            w->errors++;
            free(names[i]);
            continue;
        }
        struct stat st;
        if (fstatat(dirfd(d), names[i], &st, AT_SYMLINK_NOFOLLOW) != 0) {
            free(names[i]);
            continue;
        }
        if (w->out) {
            char hex[GUARD_DIGEST_HEX + 1] = "-";
            char target[GUARD_MAX_PATH + 1] = "";
            uint64_t size = 0;
            char type;
            if (S_ISREG(st.st_mode)) {
                type = GUARD_FILE;
                int fd = openat(dirfd(d), names[i], O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
                int rc = fd < 0 ? XN_EIO : guard_hash_fd(fd, hex, &size);
                if (rc == XN_OK)
                    rc = store_copy(w->store, fd, hex);
                if (fd >= 0)
                    close(fd);
                if (rc != XN_OK) {
                    fprintf(stderr, "guard: %s: %s, not recorded\n", path,
                            rc == XN_EBUSY ? "changed while being hashed" : "cannot read");
                    w->errors++;
                    free(names[i]);
                    continue;
                }
            } else if (S_ISDIR(st.st_mode)) {
                type = GUARD_DIR;
            } else if (S_ISLNK(st.st_mode)) {
                type = GUARD_LINK;
                ssize_t tl = readlinkat(dirfd(d), names[i], target, sizeof target - 1);
                if (tl <= 0 || (size_t)tl >= sizeof target - 1) {
                    w->errors++;
                    free(names[i]);
                    continue;
                }
                target[tl] = '\0';
                for (ssize_t k = 0; k < tl; k++)
                    if ((unsigned char)target[k] < 0x20)
                        tl = -1;
                if (tl < 0) {
                    fprintf(stderr, "guard: %s: symlink target has a control byte\n", path);
                    w->errors++;
                    free(names[i]);
                    continue;
                }
            } else {
                fprintf(stderr, "guard: %s: not a file, directory or symlink, skipped\n", path);
                free(names[i]);
                continue;
            }
            fprintf(w->out, "%c\t%04o\t%llu\t%s\t%s\t%s\n", type, (unsigned)(st.st_mode & 07777),
                    (unsigned long long)size, hex, path, target);
        } else {
            guard_repair_path(w, path, guard_now_ms());
        }
        if (S_ISDIR(st.st_mode)) {
            const guard_entry *e = w->m ? guard_manifest_find(w->m, path) : NULL;
            if (w->out || (e && e->type == GUARD_DIR)) {
                int sub =
                    openat(dirfd(d), names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (sub >= 0)
                    walk_dir(w, sub, path);
            }
        }
        free(names[i]);
    }
    free(names);
    closedir(d);
}

/* ---- keys and the manifest ---------------------------------------------------------------- */

static int load_key(const char *state, unsigned char sk[crypto_sign_SECRETKEYBYTES], bool create)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/key", state);
    char *data = NULL;
    size_t len = 0;
    if (guard_read_all(path, 4096, &data, &len) == XN_OK) {
        int ok = len == crypto_sign_SECRETKEYBYTES;
        if (ok)
            memcpy(sk, data, len);
        sodium_memzero(data, len);
        free(data);
        return ok ? XN_OK : XN_EINVAL;
    }
    if (!create)
        return XN_ENOTFOUND;
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    crypto_sign_keypair(pk, sk);
    return guard_write_file(path, sk, crypto_sign_SECRETKEYBYTES, 0600);
}

/* Loads and verifies state/NAME (+ .sig). */
static int load_manifest_named(const char *state, const char *name, guard_manifest *m,
                               xn_error *err)
{
    unsigned char sk[crypto_sign_SECRETKEYBYTES], pk[crypto_sign_PUBLICKEYBYTES];
    /* enrolled with a server: only its pinned key; else the agent's own (local mode) */
    if (guard_pinned_key(state, pk) != XN_OK) {
        if (load_key(state, sk, false) != XN_OK)
            return xn_fail(err, XN_ENOTFOUND, "no_key",
                           "no key in %s (run guard baseline, or guard enrol)", state);
        crypto_sign_ed25519_sk_to_pk(pk, sk);
        sodium_memzero(sk, sizeof sk);
    }
    char path[4200];
    char *text = NULL, *sig = NULL;
    size_t len = 0, slen = 0;
    snprintf(path, sizeof path, "%s/%s", state, name);
    int rc = guard_read_all(path, GUARD_MAX_MANIFEST, &text, &len);
    if (rc != XN_OK)
        return xn_fail(err, rc, "no_manifest", "cannot read %s", path);
    snprintf(path, sizeof path, "%s/%s.sig", state, name);
    if (guard_read_all(path, 4096, &sig, &slen) != XN_OK || slen != crypto_sign_BYTES ||
        crypto_sign_verify_detached((unsigned char *)sig, (unsigned char *)text, len, pk) != 0) {
        free(text);
        free(sig);
        return xn_fail(err, XN_EDENIED, "bad_signature",
                       "the manifest's signature does not verify: manifest refused");
    }
    free(sig);
    rc = guard_manifest_parse(text, len, m, err);
    free(text);
    return rc;
}

int guard_load_manifest(const char *state, guard_manifest *m, xn_error *err)
{
    int rc = load_manifest_named(state, "manifest", m, err);
    if (rc == XN_OK)
        return rc;
    fprintf(stderr, "guard: %s\n", err ? err->message : "manifest refused");
    xn_error e2 = {0};
    if (load_manifest_named(state, "manifest.last-good", m, &e2) == XN_OK) {
        fprintf(stderr, "guard: enforcing the last good manifest\n");
        return XN_OK;
    }
    return rc;
}

static int check_root(const char *root, xn_error *err)
{
    struct stat st;
    if (lstat(root, &st) != 0)
        return xn_fail(err, XN_ENOTFOUND, "no_root", "root %s: %s", root, strerror(errno));
    if (S_ISLNK(st.st_mode))
        return xn_fail(err, XN_EINVAL, "root_symlink", "root %s is a symlink: refused", root);
    if (!S_ISDIR(st.st_mode))
        return xn_fail(err, XN_EINVAL, "root_not_dir", "root %s is not a directory", root);
    return XN_OK;
}

static int cmp_line_path(const void *a, const void *b)
{
    const char *pa = *(char *const *)a, *pb = *(char *const *)b;
    for (int i = 0; i < 4; i++) {
        pa = strchr(pa, '\t') + 1;
        pb = strchr(pb, '\t') + 1;
    }
    size_t la = strcspn(pa, "\t"), lb = strcspn(pb, "\t");
    int c = memcmp(pa, pb, la < lb ? la : lb);
    return c ? c : (la > lb) - (la < lb);
}

/* The walk writes each directory's names sorted; the manifest wants the whole list sorted by
 * path ("a-x" comes before "a/b"). */
static void sort_lines(char *text, size_t len)
{
    char *body = text + strlen("xinan-guard-manifest 1\n");
    size_t n = 0;
    for (char *p = body; p < text + len; p++)
        n += *p == '\n';
    char **lines = malloc((n ? n : 1) * sizeof *lines);
    char *copy = malloc(len + 1);
    if (!lines || !copy) {
        free(lines);
        free(copy);
        return;
    }
    memcpy(copy, body, (size_t)(text + len - body));
    copy[text + len - body] = '\0';
    size_t i = 0;
    for (char *p = copy; *p; p = strchr(p, '\n') + 1)
        lines[i++] = p;
    qsort(lines, n, sizeof *lines, cmp_line_path);
    char *o = body;
    for (i = 0; i < n; i++) {
        size_t l = strcspn(lines[i], "\n") + 1;
        memcpy(o, lines[i], l);
        o += l;
    }
    free(lines);
    free(copy);
}

int guard_baseline(const guard_opts *o, xn_error *err)
{
    if (sodium_init() < 0)
        return xn_fail(err, XN_EINTERNAL, "sodium", "libsodium failed to start");
    int rc = check_root(o->root, err);
    if (rc != XN_OK)
        return rc;
    char path[4200];
    mkdir(o->state, 0700);
    snprintf(path, sizeof path, "%s/store", o->state);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/quarantine", o->state);
    mkdir(path, 0700);
    unsigned char sk[crypto_sign_SECRETKEYBYTES];
    if (load_key(o->state, sk, true) != XN_OK)
        return xn_fail(err, XN_EIO, "key", "cannot read or create the key in %s", o->state);
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    fputs("xinan-guard-manifest 1\n", mem);
    char store[4200];
    snprintf(store, sizeof store, "%s/store", o->state);
    guard_walk w = {.out = mem, .store = store, .root = o->root};
    int fd = open(o->root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        fclose(mem);
        free(text);
        return xn_fail(err, XN_EIO, "root", "cannot open %s", o->root);
    }
    walk_dir(&w, fd, "");
    fclose(mem);
    sort_lines(text, len);
    guard_manifest m;
    rc = guard_manifest_parse(text, len, &m, err);
    if (rc == XN_OK && w.errors == 0) {
        unsigned char sig[crypto_sign_BYTES];
        crypto_sign_detached(sig, NULL, (unsigned char *)text, len, sk);
        snprintf(path, sizeof path, "%s/manifest", o->state);
        rc = guard_write_file(path, text, len, 0600);
        snprintf(path, sizeof path, "%s/manifest.sig", o->state);
        if (rc == XN_OK)
            rc = guard_write_file(path, sig, sizeof sig, 0600);
        snprintf(path, sizeof path, "%s/manifest.last-good", o->state);
        if (rc == XN_OK)
            rc = guard_write_file(path, text, len, 0600);
        snprintf(path, sizeof path, "%s/manifest.last-good.sig", o->state);
        if (rc == XN_OK)
            rc = guard_write_file(path, sig, sizeof sig, 0600);
        if (rc != XN_OK)
            xn_fail(err, rc, "write", "cannot write the manifest in %s", o->state);
        else
            printf("{\"entries\":%zu}\n", m.count);
        guard_manifest_free(&m);
    } else if (rc == XN_OK) {
        guard_manifest_free(&m);
        rc = xn_fail(err, XN_EINVAL, "tree", "%d entries could not be recorded", w.errors);
    }
    sodium_memzero(sk, sizeof sk);
    free(text);
    return rc;
}

/* ---- compare and repair ------------------------------------------------------------------- */

/* Moves rel into the quarantine; its new name (in w->quarantine) into name when given. */
static int quarantine(guard_walk *w, const char *rel, char *name, size_t cap)
{
    char src[8400], dst[8400];
    static unsigned seq;
    snprintf(src, sizeof src, "%s/%s", w->root, rel);
    char flat[GUARD_MAX_PATH + 1];
    snprintf(flat, sizeof flat, "%s", rel);
    for (char *c = flat; *c; c++)
        if (*c == '/')
            *c = '_';
    int n = snprintf(dst, sizeof dst, "%s/%lld-%d-%u-%.200s", w->quarantine, (long long)time(NULL),
                     (int)getpid(), seq++, flat);
    if (name && n > 0)
        snprintf(name, cap, "%s", dst + strlen(w->quarantine) + 1);
    return rename(src, dst) == 0 ? XN_OK : XN_EIO;
}

/* The digest of a quarantined regular file (found; "" for anything else), for the event and
 * the upload to the server. */
static void quarantined_digest(guard_walk *w, const char *name, char found[GUARD_DIGEST_HEX + 1],
                               uint64_t *size)
{
    char path[8600];
    snprintf(path, sizeof path, "%s/%s", w->quarantine, name);
    found[0] = '\0';
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
        guard_hash_fd(fd, found, size) != XN_OK)
        found[0] = '\0';
    if (fd >= 0)
        close(fd);
}

static int restore_file(guard_walk *w, const guard_entry *e, const char *abs, struct stat *written)
{
    char src[4200], tmp[8500];
    snprintf(src, sizeof src, "%s/%s", w->store, e->digest);
    snprintf(tmp, sizeof tmp, "%s.xinan-guard.tmp", abs);
    unlink(tmp);
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return XN_ENOTFOUND;
    int out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (out < 0) {
        close(in);
        return XN_EIO;
    }
    static char buf[1 << 16];
    ssize_t r;
    int rc = XN_OK;
    while ((r = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)r) != r)
            rc = XN_EIO;
    if (r < 0 || fchmod(out, e->mode) != 0 || fstat(out, written) != 0)
        rc = XN_EIO;
    close(in);
    if (close(out) != 0)
        rc = XN_EIO;
    if (rc == XN_OK) {
        struct stat st;
        /* A directory in the way is evidence: quarantined, then the file put back. */
        if (lstat(abs, &st) == 0 && S_ISDIR(st.st_mode))
            quarantine(w, e->path, NULL, 0);
        if (rename(tmp, abs) != 0)
            rc = XN_EIO;
    }
    if (rc != XN_OK)
        unlink(tmp);
    return rc;
}

static int restore_link(guard_walk *w, const guard_entry *e, const char *abs)
{
    char tmp[8500];
    snprintf(tmp, sizeof tmp, "%s.xinan-guard.tmp", abs);
    unlink(tmp);
    struct stat st;
    if (lstat(abs, &st) == 0 && S_ISDIR(st.st_mode))
        quarantine(w, e->path, NULL, 0);
    if (symlink(e->target, tmp) != 0 || rename(tmp, abs) != 0) {
        unlink(tmp);
        return XN_EIO;
    }
    return XN_OK;
}

/* Checks one path against the manifest; reports (verify) or repairs (run). Returns whether it
 * differed. */
int guard_repair_path(guard_walk *w, const char *rel, double t0)
{
    char abs[8400];
    snprintf(abs, sizeof abs, "%s/%s", w->root, rel);
    if (strstr(rel, ".xinan-guard.tmp"))
        return 0;
    const guard_entry *e = guard_manifest_find(w->m, rel);
    struct stat st;
    bool exists = lstat(abs, &st) == 0;
    if (!e) {
        if (!exists)
            return 0;
        /* Under an unapproved or missing parent: the parent's check handles it. */
        w->differences++;
        if (!w->repair) {
            guard_emit(w, "difference", rel, "added", -1, NULL, NULL, 0);
            return 1;
        }
        char name[300], found[GUARD_DIGEST_HEX + 1] = "";
        uint64_t size = 0;
        if (quarantine(w, rel, name, sizeof name) == XN_OK) {
            double ms = guard_now_ms() - t0; /* the time to take it away, not to hash it */
            quarantined_digest(w, name, found, &size);
            guard_emit(w, "quarantined", rel, "added", ms, NULL, found, w->pid);
            /* after its event, so the server knows the digest before the content arrives */
            if (*found)
                guard_outbox_quarantined(w->outbox, name, found, size, rel);
        } else {
            fprintf(stderr, "guard: cannot quarantine %s: %s\n", rel, strerror(errno));
        }
        return 1;
    }
    const char *kind = NULL;
    char found[GUARD_DIGEST_HEX + 1] = "";
    if (!exists) {
        kind = "deleted";
    } else if (e->type == GUARD_FILE) {
        if (S_ISLNK(st.st_mode))
            kind = "symlink";
        else if (!S_ISREG(st.st_mode))
            kind = "modified";
        else {
            uint64_t size = 0;
            int fd = open(abs, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
            int rc = fd < 0 ? XN_EIO : guard_hash_fd(fd, found, &size);
            struct stat fst;
            if (rc != XN_OK || size != e->size || strcmp(found, e->digest) != 0)
                kind = "modified";
            else if ((st.st_mode & 07777) != e->mode)
                kind = "mode";
            else if (fstat(fd, &fst) == 0)
                guard_seen_set(w, e, &fst);
            if (fd >= 0)
                close(fd);
        }
    } else if (e->type == GUARD_DIR) {
        if (S_ISLNK(st.st_mode))
            kind = "symlink";
        else if (!S_ISDIR(st.st_mode))
            kind = "modified";
        else if ((st.st_mode & 07777) != e->mode)
            kind = "mode";
    } else {
        char target[GUARD_MAX_PATH + 1];
        ssize_t tl = S_ISLNK(st.st_mode) ? readlink(abs, target, sizeof target - 1) : -1;
        if (tl >= 0)
            target[tl] = '\0';
        if (tl < 0 || strcmp(target, e->target) != 0)
            kind = "modified";
    }
    if (!kind)
        return 0;
    w->differences++;
    if (!w->repair) {
        guard_emit(w, "difference", rel, kind, -1, e->digest, found, 0);
        return 1;
    }
    int rc;
    if (e->type == GUARD_FILE) {
        struct stat written, now;
        rc = restore_file(w, e, abs, &written);
        /* the inode renamed in is known good while nobody has written to it since */
        if (rc == XN_OK && lstat(abs, &now) == 0 && now.st_ino == written.st_ino &&
            now.st_size == written.st_size && now.st_mtim.tv_sec == written.st_mtim.tv_sec &&
            now.st_mtim.tv_nsec == written.st_mtim.tv_nsec)
            guard_seen_set(w, e, &now);
    } else if (e->type == GUARD_LINK) {
        rc = restore_link(w, e, abs);
    } else {
        if (exists && !S_ISDIR(st.st_mode))
            quarantine(w, rel, NULL, 0);
        if (!exists || !S_ISDIR(st.st_mode))
            rc = mkdir(abs, e->mode) == 0 || errno == EEXIST ? XN_OK : XN_EIO;
        else
            rc = XN_OK;
        if (rc == XN_OK)
            rc = chmod(abs, e->mode) == 0 ? XN_OK : XN_EIO;
    }
    if (rc == XN_OK)
        guard_emit(w, "restored", rel, kind, guard_now_ms() - t0, e->digest, found, w->pid);
    else
        fprintf(stderr, "guard: cannot restore %s: %s\n", rel, strerror(errno));
    return 1;
}

/* A full comparison: entries on disk, then manifest entries missing from it. */
void guard_full_scan(guard_walk *w)
{
    int fd = open(w->root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0)
        walk_dir(w, fd, "");
    for (size_t i = 0; i < w->m->count; i++) {
        char abs[8400];
        struct stat st;
        snprintf(abs, sizeof abs, "%s/%s", w->root, w->m->entries[i].path);
        if (lstat(abs, &st) != 0)
            guard_repair_path(w, w->m->entries[i].path, guard_now_ms());
    }
}

int guard_setup(const guard_opts *o, guard_manifest *m, guard_walk *w, char *store, char *quar,
                xn_error *err)
{
    if (sodium_init() < 0)
        return xn_fail(err, XN_EINTERNAL, "sodium", "libsodium failed to start");
    int rc = check_root(o->root, err);
    if (rc == XN_OK)
        rc = guard_load_manifest(o->state, m, err);
    if (rc != XN_OK)
        return rc;
    snprintf(store, 4200, "%s/store", o->state);
    snprintf(quar, 4200, "%s/quarantine", o->state);
    mkdir(quar, 0700);
    *w = (guard_walk){.m = m, .root = o->root, .store = store, .quarantine = quar};
    pthread_mutex_init(&w->seen_lock, NULL);
    return XN_OK;
}

void guard_teardown(guard_walk *w, guard_manifest *m)
{
    free(w->seen);
    w->seen = NULL;
    pthread_mutex_destroy(&w->seen_lock);
    guard_manifest_free(m);
}

int guard_verify(const guard_opts *o, xn_error *err)
{
    guard_manifest m;
    guard_walk w;
    char store[4200], quar[4200];
    int rc = guard_setup(o, &m, &w, store, quar, err);
    if (rc != XN_OK)
        return rc;
    guard_full_scan(&w);
    guard_teardown(&w, &m);
    return w.differences ? 1 : 0;
}
