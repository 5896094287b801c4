/*
 * Compiled lexicon images: validation, loading into private memory and atomic saving.
 *
 * The matcher trusts the image completely in its inner loop (no bounds checks per character),
 * so everything it relies on is proved here once, at load:
 *  - every section lies inside the image; every count is within its limit;
 *  - for every state s, base[s] + nsym is inside the node array, so a transition never leaves it;
 *  - a state's parent (check) is a state and its depth is the parent's plus one, and a failure
 *    link goes to a strictly shallower state: failure chains end at the root;
 *  - a redirect slot's owner (check) is a state, and its target is a state entered on the same
 *    symbol and no deeper than the owner: a walk's depth still grows by at most one a symbol;
 *  - an output chain visits strictly shorter entries, each no longer than the state's depth:
 *    hit start offsets always lie inside the text;
 *  - every class in the fold table is a valid symbol, noise, or a valid expansion;
 *  - every string offset starts a NUL-terminated, valid UTF-8 string inside the pool.
 */
#include "text/text_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t rotl(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

/* A fast 64-bit checksum (word-at-a-time multiply-rotate); detects corruption, not forgery. */
uint64_t text_image_hash(const unsigned char *p, size_t n)
{
    const uint64_t p1 = 0x9E3779B185EBCA87ULL, p2 = 0xC2B2AE3D27D4EB4FULL;
    uint64_t h1 = 0x27D4EB2F165667C5ULL ^ n, h2 = 0x165667B19E3779F9ULL;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        uint64_t a, b;
        memcpy(&a, p + i, 8);
        memcpy(&b, p + i + 8, 8);
        h1 = rotl(h1 ^ (a * p2), 31) * p1;
        h2 = rotl(h2 ^ (b * p2), 29) * p1;
    }
    for (; i < n; i++)
        h1 = rotl(h1 ^ (p[i] * p1), 11) * p2;
    h1 ^= rotl(h2, 17);
    h1 ^= h1 >> 33;
    h1 *= p2;
    h1 ^= h1 >> 29;
    return h1;
}

void text_image_fix_hash(void *data, size_t len)
{
    img_header h;
    if (len < sizeof h)
        return;
    memcpy(&h, data, sizeof h);
    h.hash = text_image_hash((const unsigned char *)data + sizeof h, len - sizeof h);
    memcpy(data, &h, sizeof h);
}

#define HUGE_PAGE ((size_t)2 << 20)

void *text_big_alloc(size_t bytes, size_t align)
{
    if (bytes < HUGE_PAGE)
        return aligned_alloc(align, bytes == 0 ? align : (bytes + align - 1) & ~(align - 1));
    size_t n = (bytes + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
    void *p = aligned_alloc(HUGE_PAGE, n);
    if (p != NULL)
        (void)madvise(p, n, MADV_HUGEPAGE); /* advice only: without it, 4 KiB pages */
    return p;
}

static int bad(xn_error *err, const char *what)
{
    return xn_fail(err, XN_EINVAL, "bad_lexicon", "compiled lexicon is corrupt: %s", what);
}

static bool section_ok(uint64_t off, uint64_t count, uint64_t elem, uint64_t size)
{
    return off % 8 == 0 && off >= sizeof(img_header) && off <= size && count <= size &&
           count * elem <= size - off;
}

static bool string_ok(const char *pool, uint32_t pool_size, uint32_t off)
{
    return off < pool_size && (off == 0 || pool[off - 1] == '\0');
}

static bool is_state(const img_node *n, uint32_t nslots, uint32_t s)
{
    return s != 0 && s < nslots &&
           (s == ROOT || (n[s].check != EMPTY && n[s].fail != NODE_REDIRECT));
}

/* A redirect slot t (its owner's row holds it on the symbol its target was entered on). */
static bool redirect_ok(const img_node *nodes, uint32_t nslots, uint32_t t)
{
    const img_node *n = &nodes[t];
    if (!is_state(nodes, nslots, n->check) || !is_state(nodes, nslots, n->base) ||
        n->base == ROOT || n->info != 0)
        return false;
    const img_node *owner = &nodes[n->check], *target = &nodes[n->base];
    return target->check < nslots && (target->info & 0xFF) <= (owner->info & 0xFF) &&
           t - owner->base == n->base - nodes[target->check].base;
}

int text_image_open(text_lexicon *lex, const void *data, size_t len, bool check_hash, xn_error *err)
{
    const unsigned char *img = data;
    img_header h;

    if (len < sizeof h || len > TEXT_MAX_IMAGE)
        return bad(err, "wrong size");
    if ((uintptr_t)data % 8 != 0)
        return bad(err, "misaligned image");
    memcpy(&h, img, sizeof h);
    if (memcmp(h.magic, IMG_MAGIC, 8) != 0)
        return xn_fail(err, XN_EINVAL, "bad_lexicon", "not a compiled xinan lexicon");
    if (h.version != IMG_VERSION)
        return xn_fail(err, XN_EINVAL, "bad_lexicon",
                       "compiled lexicon version %u unsupported (this build reads version %u): "
                       "compile it again from its text with `xinan text compile`",
                       h.version, IMG_VERSION);
    if (h.size != len)
        return bad(err, "truncated");
    if (h.flags & ~(IMG_FOLDED | IMG_WHITE))
        return bad(err, "unknown flags");
    if (check_hash && text_image_hash(img + sizeof h, len - sizeof h) != h.hash)
        return bad(err, "checksum mismatch");
    if (h.nslots < 2 || h.nslots > MAX_SLOTS || h.nsym == 0 || h.nsym > MAX_SYMS || h.nout == 0 ||
        h.nout > h.nslots || h.nentries == 0 || h.nentries > TEXT_MAX_ENTRIES || h.nblocks == 0 ||
        h.nblocks > L1_SIZE + 1 || h.pool_size == 0 || h.max_depth > MAX_DEPTH)
        return bad(err, "counts out of range");
    if (!section_ok(h.off_nodes, h.nslots, sizeof(img_node), len) ||
        !section_ok(h.off_outs, h.nout, sizeof(img_out), len) ||
        !section_ok(h.off_entries, h.nentries, sizeof(img_entry), len) ||
        !section_ok(h.off_l1, L1_SIZE, sizeof(uint32_t), len) ||
        !section_ok(h.off_blocks, (uint64_t)h.nblocks * BLOCK, sizeof(uint32_t), len) ||
        !section_ok(h.off_exp, h.nexp, sizeof(uint32_t), len) ||
        !section_ok(h.off_pool, h.pool_size, 1, len))
        return bad(err, "section outside the image");

    const img_node *nodes = (const img_node *)(img + h.off_nodes);
    const img_out *outs = (const img_out *)(img + h.off_outs);
    const img_entry *ents = (const img_entry *)(img + h.off_entries);
    const uint32_t *l1 = (const uint32_t *)(img + h.off_l1);
    const uint32_t *blocks = (const uint32_t *)(img + h.off_blocks);
    const uint32_t *exp = (const uint32_t *)(img + h.off_exp);
    const char *pool = (const char *)(img + h.off_pool);

    /* Strings. */
    if (pool[h.pool_size - 1] != '\0')
        return bad(err, "string pool not terminated");
    {
        const unsigned char *p = (const unsigned char *)pool, *end = p + h.pool_size;
        while (p < end) {
            size_t adv;
            if (text_utf8_next(p, end, &adv) == 0xFFFD && adv == 1)
                return bad(err, "string pool not UTF-8");
            p += adv;
        }
    }
    for (uint32_t i = 0; i < h.nentries; i++) {
        const img_entry *e = &ents[i];
        if (!string_ok(pool, h.pool_size, e->text) || !string_ok(pool, h.pool_size, e->category) ||
            !string_ok(pool, h.pool_size, e->lexicon) ||
            (e->suggest != NO_SUGGEST && !string_ok(pool, h.pool_size, e->suggest)))
            return bad(err, "string offset");
        if (e->nsym == 0 || e->nsym > h.max_depth || e->severity < TEXT_SEV_LOW ||
            e->severity > TEXT_SEV_HIGH || (e->flags & ~ENTRY_WHITE))
            return bad(err, "entry fields");
    }

    /* Output chains: each record's successor is for a strictly shorter entry. */
    for (uint32_t k = 1; k < h.nout; k++) {
        if (outs[k].entry >= h.nentries || outs[k].next >= h.nout)
            return bad(err, "output record");
        if (outs[k].next != 0 && ents[outs[outs[k].next].entry].nsym >= ents[outs[k].entry].nsym)
            return bad(err, "output chain order");
    }

    /* The double array. */
    if (nodes[0].check != EMPTY || nodes[ROOT].check != 0 || nodes[ROOT].fail != ROOT ||
        (nodes[ROOT].info & 0xFF) != 0 || (nodes[ROOT].info >> 8) != 0)
        return bad(err, "root");
    for (uint32_t t = 1; t < h.nslots; t++) {
        const img_node *n = &nodes[t];
        uint32_t depth = n->info & 0xFF, out = n->info >> 8, fail = n->fail & FAIL_STATE;
        if (t != ROOT) {
            if (n->check == EMPTY)
                continue;
            if (n->fail == NODE_REDIRECT) {
                if (!redirect_ok(nodes, h.nslots, t))
                    return bad(err, "redirect");
                continue;
            }
            if (!is_state(nodes, h.nslots, n->check) ||
                depth != (nodes[n->check].info & 0xFF) + 1 || depth > h.max_depth)
                return bad(err, "state parent or depth");
            if ((n->fail & ~(FAIL_STATE | FAIL_WALK)) != 0 || !is_state(nodes, h.nslots, fail) ||
                (nodes[fail].info & 0xFF) >= depth)
                return bad(err, "failure link");
        }
        if ((uint64_t)n->base + h.nsym >= h.nslots)
            return bad(err, "transition base");
        if (out >= h.nout || (out != 0 && ents[outs[out].entry].nsym > depth))
            return bad(err, "state output");
    }

    /* The fold table. */
    for (uint32_t i = 0; i < L1_SIZE; i++)
        if (l1[i] >= h.nblocks)
            return bad(err, "fold table index");
    for (uint64_t i = 0; i < (uint64_t)h.nblocks * BLOCK; i++) {
        uint32_t c = blocks[i];
        if (c == CLS_NONE || c == CLS_SKIP || c <= h.nsym)
            continue;
        if (!(c & CLS_EXP))
            return bad(err, "fold class");
        uint32_t at = c & ~CLS_EXP;
        if (at >= h.nexp || exp[at] == 0 || exp[at] > EXP_MAX || exp[at] >= h.nexp - at)
            return bad(err, "fold expansion");
        for (uint32_t j = 1; j <= exp[at]; j++)
            if (exp[at + j] > h.nsym)
                return bad(err, "fold expansion symbol");
    }

    /* The BMP class table (derived, so nothing in the file can make it inconsistent). */
    lex->bmp = xn_xmalloc(0x10000 * sizeof *lex->bmp);
    for (uint32_t cp = 0; cp < 0x10000; cp++) {
        uint32_t c = blocks[(size_t)l1[cp >> 8] * BLOCK + (cp & (BLOCK - 1))];
        lex->bmp[cp] = c == CLS_SKIP                    ? BMP_SKIP
                       : (c & CLS_EXP) || c >= BMP_SLOW ? BMP_SLOW
                                                        : (uint16_t)c;
    }
    /* The hot half of the nodes (MAX_SLOTS keeps base and check below bit 24). An output
     * chain visits strictly shorter entries (checked above), at most max_depth of them, so its
     * length fits the 8 bits above the parent. After the nslots real slots come nsym + 1 dead
     * ones (check 0, never a state's child): the start table sends a symbol the root has no
     * child on there. */
    size_t nhot = (size_t)h.nslots + h.nsym + 1;
    lex->hot = text_big_alloc(nhot * sizeof *lex->hot, 16);
    lex->first = xn_xmalloc(((size_t)h.nsym + 1) * sizeof *lex->first);
    if (lex->hot == NULL) {
        free(lex->bmp);
        free(lex->first);
        lex->bmp = NULL;
        lex->first = NULL;
        return xn_fail(err, XN_ENOMEM, "no_memory", "out of memory opening the lexicon");
    }
    /* The symbols of each output record's entry, packed: the loop below asks it of every
     * state with outputs, and 1 byte a record stays in cache where the entries do not. */
    uint8_t *out_len = xn_xmalloc(h.nout);
    out_len[0] = 0;
    for (uint32_t k = 1; k < h.nout; k++)
        out_len[k] = (uint8_t)ents[outs[k].entry].nsym;
    for (uint32_t t = 0; t < h.nslots; t++) {
        const img_node *n = &nodes[t];
        if (t != 0 && t != ROOT && n->check != EMPTY && n->fail == NODE_REDIRECT) {
            lex->hot[t] = (hot_node){n->base | HOT_REDIRECT, n->check};
            continue;
        }
        bool state = t == ROOT || (t != 0 && n->check != EMPTY);
        uint32_t nout = 0, first_out = n->info >> 8;
        if (state)
            for (uint32_t o = first_out; o != 0; o = outs[o].next)
                nout++;
        /* A chain holds strictly shorter entries, so only its first can be the state's own. */
        bool own = state && nout > 0 && out_len[first_out] == (n->info & 0xFF);
        bool fail_root = state && n->fail == ROOT;
        bool walk = state && (n->fail & FAIL_WALK);
        /* A free slot's base is never a state's: 0, so that no walk can follow it. */
        lex->hot[t].base = !state ? 0
                                  : n->base | (fail_root ? HOT_FAIL_ROOT : 0) |
                                        (walk ? HOT_FAIL_DEEP : 0) | (own ? HOT_OWN : 0);
        lex->hot[t].check = state && t != ROOT ? n->check | nout << HOT_NOUT_SHIFT : 0;
    }
    free(out_len);
    memset(lex->hot + h.nslots, 0, ((size_t)h.nsym + 1) * sizeof *lex->hot);
    /* Symbol 0 (a character in no entry) and symbols no entry starts with: the dead row. */
    uint32_t root_base = nodes[ROOT].base;
    lex->first[0] = h.nslots;
    for (uint32_t c = 1; c <= h.nsym; c++) {
        uint32_t t = root_base + c;
        bool child = nodes[t].check == ROOT && nodes[t].fail != NODE_REDIRECT;
        lex->first[c] = child ? (lex->hot[t].base & (HOT_BASE | HOT_OWN)) : h.nslots;
    }
    lex->longest = 0;
    for (uint32_t e = 0; e < h.nentries; e++)
        if (ents[e].nsym > lex->longest)
            lex->longest = ents[e].nsym;
    lex->image = img;
    lex->size = len;
    lex->kind = LEX_BORROWED;
    lex->h = (const img_header *)img;
    lex->nodes = nodes;
    lex->outs = outs;
    lex->entries = ents;
    lex->l1 = l1;
    lex->blocks = blocks;
    lex->exp = exp;
    lex->pool = pool;
    return 0;
}

int text_lexicon_from_image(const void *data, size_t len, bool check_hash, text_lexicon **out,
                            xn_error *err)
{
    text_lexicon *lex = xn_xcalloc(1, sizeof *lex);
    int rc = text_image_open(lex, data, len, check_hash, err);
    if (rc < 0) {
        free(lex);
        return rc;
    }
    *out = lex;
    return 0;
}

/*
 * Loads a compiled file by reading it into private memory, not by mapping it. A mapped file
 * that is truncated or rewritten in place while in use makes the next access to a vanished
 * page raise SIGBUS, which would take the whole server down; xinan's own writers replace
 * files by rename (text_lexicon_save), but an administrator's cp or an editor may not. A
 * private copy costs one read of the image (13 MB for 100,000 entries: a few milliseconds) and
 * cannot change under the matcher. The size is checked before the allocation, and a file that
 * shrinks or grows while it is read is refused.
 */
int text_lexicon_load(const char *path, text_lexicon **out, xn_error *err)
{
    int fd = -1, rc = 0;
    struct stat st;
    unsigned char *img = NULL;
    text_lexicon *lex = NULL;
    size_t size, done = 0;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = xn_fail(err, errno == ENOENT ? XN_ENOTFOUND : XN_EIO, "lexicon_unreadable",
                     "cannot open %s: %s", path, strerror(errno));
        goto out;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        rc = xn_fail(err, XN_EINVAL, "lexicon_unreadable", "%s is not a regular file", path);
        goto out;
    }
    if (st.st_size < (off_t)sizeof(img_header) || (uint64_t)st.st_size > TEXT_MAX_IMAGE) {
        rc = xn_fail(err, XN_EINVAL, "bad_lexicon", "%s: not a compiled lexicon (size)", path);
        goto out;
    }
    size = (size_t)st.st_size;
    /* At least 64-byte alignment: the sections are 8-aligned and the nodes want whole lines. */
    img = text_big_alloc(size, 64);
    if (img == NULL) {
        rc = xn_fail(err, XN_ENOMEM, "no_memory", "out of memory loading %s", path);
        goto out;
    }
    while (done < size) {
        ssize_t r = read(fd, img + done, size - done);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = xn_fail(err, XN_EIO, "lexicon_unreadable", "cannot read %s: %s", path,
                         strerror(errno));
            goto out;
        }
        if (r == 0) {
            rc = xn_fail(err, XN_EINVAL, "bad_lexicon", "%s shrank while being read", path);
            goto out;
        }
        done += (size_t)r;
    }
    lex = xn_xcalloc(1, sizeof *lex);
    rc = text_image_open(lex, img, size, true, err);
    if (rc < 0)
        goto out;
    lex->kind = LEX_OWNED;
    *out = lex;
    lex = NULL;
    img = NULL;
out:
    free(lex);
    free(img);
    if (fd >= 0)
        close(fd);
    return rc;
}

bool text_file_is_compiled(const char *path)
{
    char head[8];
    bool yes = false;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    yes = read(fd, head, sizeof head) == (ssize_t)sizeof head && memcmp(head, IMG_MAGIC, 8) == 0;
    close(fd);
    return yes;
}

const void *text_lexicon_image(const text_lexicon *lex, size_t *len)
{
    *len = lex->size;
    return lex->image;
}

int text_lexicon_save(const text_lexicon *lex, const char *path, xn_error *err)
{
    char tmp[4096];
    int fd = -1, rc = 0;
    size_t done = 0;

    if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp)
        return xn_fail(err, XN_EINVAL, "bad_path", "output path too long");
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = xn_fail(err, XN_EIO, "write_failed", "cannot create %s: %s", tmp, strerror(errno));
        goto out;
    }
    while (done < lex->size) {
        ssize_t w = write(fd, lex->image + done, lex->size - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            rc = xn_fail(err, XN_EIO, "write_failed", "cannot write %s: %s", tmp, strerror(errno));
            goto out;
        }
        done += (size_t)w;
    }
    if (fsync(fd) < 0 || close(fd) < 0) {
        fd = -1;
        rc = xn_fail(err, XN_EIO, "write_failed", "cannot write %s: %s", tmp, strerror(errno));
        goto out;
    }
    fd = -1;
    if (rename(tmp, path) < 0) {
        rc = xn_fail(err, XN_EIO, "write_failed", "cannot rename to %s: %s", path, strerror(errno));
        goto out;
    }
out:
    if (fd >= 0)
        close(fd);
    if (rc < 0)
        unlink(tmp);
    return rc;
}

void text_lexicon_free(text_lexicon *lex)
{
    if (lex == NULL)
        return;
    if (lex->kind == LEX_OWNED)
        free((void *)lex->image);
    free(lex->bmp);
    free(lex->hot);
    free(lex->first);
    free(lex);
}

bool text_lexicon_folded(const text_lexicon *lex)
{
    return (lex->h->flags & IMG_FOLDED) != 0;
}

size_t text_lexicon_entries(const text_lexicon *lex)
{
    return lex->h->nentries;
}

size_t text_lexicon_size(const text_lexicon *lex)
{
    return lex->size;
}
