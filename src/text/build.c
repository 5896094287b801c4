/*
 * The lexicon builder: parses lexicon text, folds entries, and compiles them into one image
 * (see text_int.h): a trie over folded symbols laid out as a double array with Aho-Corasick
 * failure links and output chains, plus the code point -> class fold table.
 *
 * Why hand-written: the alphabet is Unicode (tens of thousands of CJK code points), hits must
 * map back through skipped and folded characters to original byte offsets, and the compiled
 * form must load without a rebuild, with every link validated. Byte-oriented engines (Hyperscan,
 * regex libraries) give none of the three.
 *
 * Symbols are numbered by descending frequency in the entries, so the root's and the busiest
 * states' transitions sit close together. Double-array slots are found with a union-find "next
 * free slot" index, which keeps placement near linear for 100,000+ entries. Failure links are
 * found on the trie before layout, so that a state whose failure link is two or more deep can
 * have its failure link's transitions copied into its own row as redirect slots (text_int.h).
 */
#include "text/text_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct bentry {
    uint32_t text, suggest, category, lexicon;
    uint32_t cps;  /* offset into builder.cps */
    uint16_t nsym; /* folded code points */
    uint8_t severity;
    uint8_t flags;
} bentry;

/* Open-addressing map from a 32-bit key to a 32-bit value (0 is "absent"). */
typedef struct u32map {
    uint32_t *keys;
    uint32_t *vals;
    size_t cap; /* power of two */
    size_t n;
} u32map;

/* Entries repeat a few thousand characters, and one fold costs two property lookups and a
 * search; the builder keeps the last fold of each of FOLD_MEMO code point buckets. */
#define FOLD_MEMO 4096

struct text_builder {
    bool fold;
    uint32_t memo_cp[FOLD_MEMO];   /* the code point whose fold is kept, UINT32_MAX for none */
    uint32_t memo_fold[FOLD_MEMO]; /* its single folded code point, or FOLD_SKIP */
    xn_buf pool;                   /* interned strings */
    u32map strings;  /* string hash -> pool offset + 1 (collisions resolved by probing) */
    bentry *entries; /* in order of addition */
    size_t nentries, cap_entries;
    uint32_t *cps; /* folded code points of all entries */
    size_t ncps, cap_cps;
};

/* ---- small helpers ------------------------------------------------------------------------ */

static uint32_t hash32(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
}

static uint32_t hash_bytes(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static void map_init(u32map *m, size_t want)
{
    size_t cap = 64;
    while (cap < want * 2)
        cap <<= 1;
    m->keys = xn_xcalloc(cap, sizeof *m->keys);
    m->vals = xn_xcalloc(cap, sizeof *m->vals);
    m->cap = cap;
    m->n = 0;
}

static void map_release(u32map *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

/* Slot of key (value 0 when absent). */
static size_t map_slot(const u32map *m, uint32_t key)
{
    size_t i = hash32(key) & (m->cap - 1);
    while (m->vals[i] != 0 && m->keys[i] != key)
        i = (i + 1) & (m->cap - 1);
    return i;
}

static void map_grow(u32map *m)
{
    u32map bigger;
    map_init(&bigger, m->cap);
    for (size_t i = 0; i < m->cap; i++) {
        if (m->vals[i] != 0) {
            size_t j = map_slot(&bigger, m->keys[i]);
            bigger.keys[j] = m->keys[i];
            bigger.vals[j] = m->vals[i];
            bigger.n++;
        }
    }
    map_release(m);
    *m = bigger;
}

static uint32_t map_get(const u32map *m, uint32_t key)
{
    return m->vals[map_slot(m, key)];
}

static uint32_t *map_ref(u32map *m, uint32_t key)
{
    size_t i;
    if ((m->n + 1) * 2 > m->cap)
        map_grow(m);
    i = map_slot(m, key);
    if (m->vals[i] == 0) {
        m->keys[i] = key;
        m->n++;
    }
    return &m->vals[i];
}

/* Interns s[0..n) in the pool; returns its offset or a negative xn_err. */
static int64_t intern(text_builder *b, const char *s, size_t n)
{
    uint32_t h = hash_bytes(s, n);
    size_t i;
    int rc;
    if ((b->strings.n + 1) * 2 > b->strings.cap) {
        /* Rehash by string content: keys hold hashes, values offsets + 1. */
        u32map bigger;
        map_init(&bigger, b->strings.cap);
        for (size_t k = 0; k < b->strings.cap; k++) {
            if (b->strings.vals[k] != 0) {
                size_t j = b->strings.keys[k] & (bigger.cap - 1);
                while (bigger.vals[j] != 0)
                    j = (j + 1) & (bigger.cap - 1);
                bigger.keys[j] = b->strings.keys[k];
                bigger.vals[j] = b->strings.vals[k];
                bigger.n++;
            }
        }
        map_release(&b->strings);
        b->strings = bigger;
    }
    i = h & (b->strings.cap - 1);
    while (b->strings.vals[i] != 0) {
        if (b->strings.keys[i] == h) {
            const char *old = b->pool.data + (b->strings.vals[i] - 1);
            if (strncmp(old, s, n) == 0 && old[n] == '\0')
                return b->strings.vals[i] - 1;
        }
        i = (i + 1) & (b->strings.cap - 1);
    }
    if (b->pool.len + n + 1 >= UINT32_MAX - 1)
        return XN_ETOOBIG;
    int64_t off = (int64_t)b->pool.len;
    rc = xn_buf_append(&b->pool, s, n);
    if (rc == 0)
        rc = xn_buf_append(&b->pool, "", 1);
    if (rc < 0)
        return rc;
    b->strings.keys[i] = h;
    b->strings.vals[i] = (uint32_t)off + 1;
    b->strings.n++;
    return off;
}

/* ---- builder: entries --------------------------------------------------------------------- */

text_builder *text_builder_new(bool fold)
{
    text_builder *b = xn_xcalloc(1, sizeof *b);
    b->fold = fold;
    memset(b->memo_cp, 0xFF, sizeof b->memo_cp);
    xn_buf_init(&b->pool, TEXT_MAX_IMAGE / 2);
    map_init(&b->strings, 64);
    return b;
}

void text_builder_free(text_builder *b)
{
    if (b == NULL)
        return;
    xn_buf_release(&b->pool);
    map_release(&b->strings);
    free(b->entries);
    free(b->cps);
    free(b);
}

size_t text_builder_count(const text_builder *b)
{
    return b->nentries;
}

/* text_fold_cp(cp, out, EXP_MAX), from the memo when cp folds to at most one code point. */
static int fold_memo(text_builder *b, uint32_t cp, uint32_t *out)
{
    size_t i = cp & (FOLD_MEMO - 1);
    if (b->memo_cp[i] != cp) {
        int k = text_fold_cp(cp, out, EXP_MAX);
        if (k > 1)
            return k;
        b->memo_cp[i] = cp;
        b->memo_fold[i] = k == 1 ? out[0] : FOLD_SKIP;
    }
    if (b->memo_fold[i] == FOLD_SKIP)
        return 0;
    out[0] = b->memo_fold[i];
    return 1;
}

static bool utf8_ok(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        size_t adv;
        if (text_utf8_next(p, end, &adv) == 0xFFFD && adv == 1)
            return false;
        if (*p == 0)
            return false;
        p += adv;
    }
    return true;
}

int text_builder_add(text_builder *b, const char *lexicon, const char *entry, size_t entry_len,
                     const char *category, int severity, const char *suggest, xn_error *err)
{
    uint32_t folded[TEXT_MAX_ENTRY_SYMS + EXP_MAX];
    size_t nf = 0;
    const unsigned char *p = (const unsigned char *)entry, *end = p + entry_len;
    int64_t o_text, o_cat, o_lex, o_sug = NO_SUGGEST;
    bentry *e;

    if (lexicon == NULL || *lexicon == '\0')
        lexicon = "lexicon";
    if (category == NULL || *category == '\0')
        category = lexicon;
    if (severity == 0)
        severity = TEXT_SEV_MEDIUM;
    if (severity < TEXT_SEV_LOW || severity > TEXT_SEV_HIGH)
        return xn_fail(err, XN_EINVAL, "bad_severity", "severity must be low, medium or high");
    if (entry_len == 0)
        return xn_fail(err, XN_EINVAL, "entry_empty", "entry is empty");
    if (entry_len > TEXT_MAX_ENTRY_BYTES)
        return xn_fail(err, XN_EINVAL, "entry_too_big", "entry is longer than %d bytes",
                       TEXT_MAX_ENTRY_BYTES);
    if (!utf8_ok(entry, entry_len))
        return xn_fail(err, XN_EINVAL, "entry_not_utf8", "entry is not UTF-8 or holds a NUL");
    if (strlen(category) > TEXT_MAX_ENTRY_BYTES)
        return xn_fail(err, XN_EINVAL, "category_too_long", "category is longer than %d bytes",
                       TEXT_MAX_ENTRY_BYTES);
    if (!utf8_ok(category, strlen(category)))
        return xn_fail(err, XN_EINVAL, "category_not_utf8", "category is not UTF-8");
    if (suggest != NULL && strlen(suggest) > TEXT_MAX_ENTRY_BYTES)
        return xn_fail(err, XN_EINVAL, "suggest_too_long", "suggestion is longer than %d bytes",
                       TEXT_MAX_ENTRY_BYTES);
    if (suggest != NULL && !utf8_ok(suggest, strlen(suggest)))
        return xn_fail(err, XN_EINVAL, "suggest_not_utf8", "suggestion is not UTF-8");
    if (strlen(lexicon) > TEXT_MAX_ENTRY_BYTES || !utf8_ok(lexicon, strlen(lexicon)))
        return xn_fail(err, XN_EINVAL, "bad_lexicon_name", "lexicon name too long or not UTF-8");
    if (b->nentries >= TEXT_MAX_ENTRIES)
        return xn_fail(err, XN_ETOOBIG, "too_many_entries", "more than %d entries",
                       TEXT_MAX_ENTRIES);
    while (p < end) {
        size_t adv;
        uint32_t cp = text_utf8_next(p, end, &adv);
        if (b->fold) {
            nf += (size_t)fold_memo(b, cp, folded + nf);
        } else {
            folded[nf++] = cp;
        }
        if (nf > TEXT_MAX_ENTRY_SYMS)
            return xn_fail(err, XN_EINVAL, "entry_too_long", "entry is longer than %d characters",
                           TEXT_MAX_ENTRY_SYMS);
        p += adv;
    }
    if (nf == 0)
        return xn_fail(err, XN_EINVAL, "entry_only_noise",
                       "entry holds only spaces, punctuation or symbols");

    o_text = intern(b, entry, entry_len);
    o_cat = o_text < 0 ? o_text : intern(b, category, strlen(category));
    o_lex = o_cat < 0 ? o_cat : intern(b, lexicon, strlen(lexicon));
    if (o_lex >= 0 && suggest != NULL && *suggest != '\0')
        o_sug = intern(b, suggest, strlen(suggest));
    if (o_text < 0 || o_cat < 0 || o_lex < 0 || o_sug < 0)
        return xn_fail(err, XN_ETOOBIG, "lexicon_too_large", "lexicon strings too large");

    if (b->nentries == b->cap_entries) {
        b->cap_entries = b->cap_entries ? b->cap_entries * 2 : 256;
        b->entries = xn_xrealloc(b->entries, b->cap_entries * sizeof *b->entries);
    }
    while (b->ncps + nf > b->cap_cps) {
        b->cap_cps = b->cap_cps ? b->cap_cps * 2 : 1024;
        b->cps = xn_xrealloc(b->cps, b->cap_cps * sizeof *b->cps);
    }
    memcpy(b->cps + b->ncps, folded, nf * sizeof *folded);
    e = &b->entries[b->nentries++];
    e->text = (uint32_t)o_text;
    e->suggest = (uint32_t)o_sug;
    e->category = (uint32_t)o_cat;
    e->lexicon = (uint32_t)o_lex;
    e->cps = (uint32_t)b->ncps;
    e->nsym = (uint16_t)nf;
    e->severity = (uint8_t)severity;
    e->flags = strcmp(category, "whitelist") == 0 ? ENTRY_WHITE : 0;
    b->ncps += nf;
    return 0;
}

static int parse_severity(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    if ((n == 3 && memcmp(s, "low", 3) == 0) || (n == 1 && s[0] == '1'))
        return TEXT_SEV_LOW;
    if ((n == 6 && memcmp(s, "medium", 6) == 0) || (n == 1 && s[0] == '2'))
        return TEXT_SEV_MEDIUM;
    if ((n == 4 && memcmp(s, "high", 4) == 0) || (n == 1 && s[0] == '3'))
        return TEXT_SEV_HIGH;
    return -1;
}

/* Trims ASCII spaces and tabs (other noise is folded away anyway). */
static void trim(const char **s, size_t *n)
{
    while (*n > 0 && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' || (*s)[*n - 1] == '\r'))
        (*n)--;
}

int text_builder_add_text(text_builder *b, const char *lexicon, const char *data, size_t len,
                          xn_error *err)
{
    size_t line = 0, pos = 0;
    if (len > TEXT_MAX_SOURCE)
        return xn_fail(err, XN_ETOOBIG, "lexicon_too_large", "%s: larger than %u bytes", lexicon,
                       TEXT_MAX_SOURCE);
    /* A UTF-8 byte order mark at the start is not part of the first entry. */
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;
    while (pos < len) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - data) : len;
        const char *col[4] = {NULL, NULL, NULL, NULL};
        size_t coln[4] = {0, 0, 0, 0};
        char cat[TEXT_MAX_ENTRY_BYTES + 1], sug[TEXT_MAX_ENTRY_BYTES + 1];
        const char *s = data + pos;
        size_t n = end - pos;
        int ncol = 0, sev, rc;

        line++;
        pos = end + 1;
        trim(&s, &n);
        if (n == 0 || s[0] == '#')
            continue;
        while (ncol < 4) {
            const char *comma = ncol < 3 ? memchr(s, ',', n) : NULL;
            size_t cn = comma ? (size_t)(comma - s) : n;
            col[ncol] = s;
            coln[ncol] = cn;
            trim(&col[ncol], &coln[ncol]);
            ncol++;
            if (comma == NULL)
                break;
            n -= cn + 1;
            s = comma + 1;
        }
        sev = parse_severity(col[2], coln[2]);
        if (sev < 0)
            return xn_fail(err, XN_EINVAL, "bad_severity", "%s:%zu: bad severity (low|medium|high)",
                           lexicon, line);
        if (coln[1] > TEXT_MAX_ENTRY_BYTES)
            return xn_fail(err, XN_EINVAL, "category_too_long",
                           "%s:%zu: category longer than %d bytes", lexicon, line,
                           TEXT_MAX_ENTRY_BYTES);
        if (coln[3] > TEXT_MAX_ENTRY_BYTES)
            return xn_fail(err, XN_EINVAL, "suggest_too_long",
                           "%s:%zu: suggestion longer than %d bytes", lexicon, line,
                           TEXT_MAX_ENTRY_BYTES);
        memcpy(cat, col[1] ? col[1] : "", coln[1]);
        cat[coln[1]] = '\0';
        memcpy(sug, col[3] ? col[3] : "", coln[3]);
        sug[coln[3]] = '\0';
        rc = text_builder_add(b, lexicon, col[0], coln[0], coln[1] ? cat : NULL, sev,
                              coln[3] ? sug : NULL, err);
        if (rc < 0) {
            /* The line goes in front of the reason; the code stays the entry's own. */
            if (err != NULL) {
                char why[sizeof err->message], code[sizeof err->code];
                memcpy(why, err->message, sizeof why);
                memcpy(code, err->code, sizeof code);
                xn_fail(err, rc, code, "%.64s:%zu: %.160s", lexicon, line, why);
            }
            return rc;
        }
    }
    return 0;
}

int text_builder_add_file(text_builder *b, const char *path, xn_error *err)
{
    char name[256];
    const char *base = strrchr(path, '/');
    size_t n;
    int fd = -1, rc = 0;
    struct stat st;
    char *data = NULL;
    size_t got = 0;

    base = base ? base + 1 : path;
    n = strcspn(base, ".");
    if (n == 0 || n >= sizeof name)
        n = strlen(base) < sizeof name ? strlen(base) : sizeof name - 1;
    memcpy(name, base, n);
    name[n] = '\0';

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = xn_fail(err, errno == ENOENT ? XN_ENOTFOUND : XN_EIO, "lexicon_unreadable",
                     "cannot open lexicon %s: %s", path, strerror(errno));
        goto out;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        rc = xn_fail(err, XN_EINVAL, "lexicon_unreadable", "%s is not a regular file", path);
        goto out;
    }
    if ((uint64_t)st.st_size > TEXT_MAX_SOURCE) {
        rc = xn_fail(err, XN_ETOOBIG, "lexicon_too_large", "%s is larger than %u bytes", path,
                     TEXT_MAX_SOURCE);
        goto out;
    }
    data = malloc((size_t)st.st_size + 1);
    if (data == NULL) {
        rc = xn_fail(err, XN_ENOMEM, "no_memory", "out of memory reading %s", path);
        goto out;
    }
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, data + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            rc = xn_fail(err, XN_EIO, "lexicon_unreadable", "cannot read %s", path);
            goto out;
        }
        got += (size_t)r;
    }
    rc = text_builder_add_text(b, name, data, got, err);
out:
    free(data);
    if (fd >= 0)
        close(fd);
    return rc;
}

/* ---- build: trie ---------------------------------------------------------------------- */

typedef struct tnode {
    uint32_t first, next; /* first child, next sibling (0: none; node 0 is the root) */
    uint32_t sym;
    uint32_t entry; /* UINT32_MAX: not terminal */
    uint32_t slot;  /* double-array slot */
} tnode;

/* A redirect in a state's row: on sym, go to the state `target` (trie nodes). */
typedef struct redirect {
    uint32_t sym, target;
} redirect;

typedef struct build {
    text_builder *b;
    uint32_t *syms; /* per cps element: its symbol */
    uint32_t *order;
    uint32_t nsym;
    u32map alpha; /* code point -> symbol */
    tnode *t;
    size_t nt, cap_t;
    /* per trie node, found before layout: */
    uint32_t *bfs;      /* the nodes breadth first; a node's children are consecutive here */
    uint32_t *bfs_sym;  /* the symbol of each, so that a search reads one array */
    uint32_t *kid_from; /* u's children are bfs[kid_from[u] .. kid_from[u] + kid_n[u]) */
    uint32_t *kid_n;
    uint32_t *root_kid; /* the root's child on each symbol, 0 for none */
    uint32_t *fail, *depth;
    uint32_t *rd_from, *rd_n; /* u's redirects are rd[rd_from[u] .. + rd_n[u]), by symbol */
    uint8_t *walk;            /* the row lacks its redirects (FAIL_WALK) */
    redirect *rd;
    size_t nrd, cap_rd;
    /* double array under construction */
    uint32_t *base, *check;
    uint32_t *nextfree;  /* union-find: first free slot at or after i */
    uint32_t *nextmulti; /* the same, minus slots that failed too often as a first child */
    uint8_t *tries;      /* failed attempts of a free slot as a first child */
    /* The same two sets as bits (1: in the set), so that placement tests a row at 56 bases
     * in one go. Each has 8 bytes to spare past cap for the unaligned reads of da_bits. */
    uint64_t *free_bits, *multi_bits;
    size_t cap;
    size_t used_max; /* highest slot in use */
} build;

static int cmp_entries(const void *a, const void *b, void *ctx)
{
    const build *B = ctx;
    const bentry *x = &B->b->entries[*(const uint32_t *)a];
    const bentry *y = &B->b->entries[*(const uint32_t *)b];
    size_t n = x->nsym < y->nsym ? x->nsym : y->nsym;
    for (size_t i = 0; i < n; i++) {
        uint32_t sx = B->syms[x->cps + i], sy = B->syms[y->cps + i];
        if (sx != sy)
            return sx < sy ? -1 : 1;
    }
    if (x->nsym != y->nsym)
        return x->nsym < y->nsym ? -1 : 1;
    /* Equal folded forms: the whitelist entry first, then the earlier entry. */
    if ((x->flags & ENTRY_WHITE) != (y->flags & ENTRY_WHITE))
        return (x->flags & ENTRY_WHITE) ? -1 : 1;
    return *(const uint32_t *)a < *(const uint32_t *)b ? -1 : 1;
}

typedef struct symfreq {
    uint32_t cp, count;
} symfreq;

static int cmp_freq(const void *a, const void *b)
{
    const symfreq *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return x->cp < y->cp ? -1 : x->cp > y->cp;
}

static uint32_t new_tnode(build *B, uint32_t sym)
{
    if (B->nt == B->cap_t) {
        B->cap_t = B->cap_t ? B->cap_t * 2 : 1024;
        B->t = xn_xrealloc(B->t, B->cap_t * sizeof *B->t);
    }
    B->t[B->nt] = (tnode){0, 0, sym, UINT32_MAX, 0};
    return (uint32_t)B->nt++;
}

/* Numbers the alphabet by frequency and builds the trie from the sorted entries. */
static void build_trie(build *B)
{
    text_builder *b = B->b;
    u32map counts;
    symfreq *freq;
    size_t nfreq = 0;
    uint32_t path[TEXT_MAX_ENTRY_SYMS + 1], last_child[TEXT_MAX_ENTRY_SYMS + 1];
    const bentry *prev = NULL;

    map_init(&counts, 1024);
    for (size_t i = 0; i < b->ncps; i++)
        (*map_ref(&counts, b->cps[i]))++;
    freq = xn_xmalloc(counts.n * sizeof *freq);
    for (size_t i = 0; i < counts.cap; i++)
        if (counts.vals[i] != 0)
            freq[nfreq++] = (symfreq){counts.keys[i], counts.vals[i]};
    qsort(freq, nfreq, sizeof *freq, cmp_freq);
    map_init(&B->alpha, nfreq);
    for (size_t i = 0; i < nfreq; i++)
        *map_ref(&B->alpha, freq[i].cp) = (uint32_t)i + 1;
    B->nsym = (uint32_t)nfreq;
    free(freq);
    map_release(&counts);

    B->syms = xn_xmalloc((b->ncps ? b->ncps : 1) * sizeof *B->syms);
    for (size_t i = 0; i < b->ncps; i++)
        B->syms[i] = map_get(&B->alpha, b->cps[i]);
    B->order = xn_xmalloc(b->nentries * sizeof *B->order);
    for (size_t i = 0; i < b->nentries; i++)
        B->order[i] = (uint32_t)i;
    qsort_r(B->order, b->nentries, sizeof *B->order, cmp_entries, B);

    /* Insert in sorted order: each new child is its parent's largest so far. */
    path[0] = new_tnode(B, 0);
    last_child[0] = 0;
    for (size_t k = 0; k < b->nentries; k++) {
        const bentry *e = &b->entries[B->order[k]];
        size_t lcp = 0;
        if (prev != NULL) {
            while (lcp < e->nsym && lcp < prev->nsym &&
                   B->syms[e->cps + lcp] == B->syms[prev->cps + lcp])
                lcp++;
            if (lcp == e->nsym && lcp == prev->nsym)
                continue; /* same folded form: the first in sort order wins */
        }
        for (size_t d = lcp; d < e->nsym; d++) {
            uint32_t child = new_tnode(B, B->syms[e->cps + d]);
            uint32_t parent = path[d];
            if (B->t[parent].first == 0)
                B->t[parent].first = child;
            else
                B->t[last_child[d]].next = child;
            last_child[d] = child;
            path[d + 1] = child;
            last_child[d + 1] = 0;
        }
        B->t[path[e->nsym]].entry = B->order[k];
        prev = e;
    }
}

/* ---- build: failure links and redirects ------------------------------------------------ */

/* u's child on sym (trie nodes), 0 when none: a table for the root, else a binary search of
 * u's children, which are in symbol order. */
static uint32_t trie_child(const build *B, uint32_t u, uint32_t sym)
{
    if (u == 0)
        return B->root_kid[sym];
    const uint32_t *k = B->bfs_sym + B->kid_from[u];
    size_t lo = 0, hi = B->kid_n[u];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (k[mid] == sym)
            return B->bfs[B->kid_from[u] + mid];
        if (k[mid] < sym)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* Breadth-first order, depths and failure links of the trie (node 0, the root, fails to
 * itself). A failure target is shallower, so its children are known when it is asked. */
static void trie_links(build *B)
{
    size_t head = 0, tail = 0;
    B->bfs = xn_xmalloc(B->nt * sizeof *B->bfs);
    B->bfs_sym = xn_xmalloc(B->nt * sizeof *B->bfs_sym);
    B->root_kid = xn_xcalloc((size_t)B->nsym + 1, sizeof *B->root_kid);
    B->kid_from = xn_xcalloc(B->nt, sizeof *B->kid_from);
    B->kid_n = xn_xcalloc(B->nt, sizeof *B->kid_n);
    B->fail = xn_xcalloc(B->nt, sizeof *B->fail);
    B->depth = xn_xcalloc(B->nt, sizeof *B->depth);
    B->bfs[tail++] = 0;
    while (head < tail) {
        uint32_t u = B->bfs[head++];
        B->kid_from[u] = (uint32_t)tail;
        for (uint32_t c = B->t[u].first; c != 0; c = B->t[c].next) {
            uint32_t f = B->fail[u], to = 0;
            B->depth[c] = B->depth[u] + 1;
            if (u != 0)
                for (;;) {
                    to = trie_child(B, f, B->t[c].sym);
                    if (to != 0 || f == 0)
                        break;
                    f = B->fail[f];
                }
            B->fail[c] = to;
            if (u == 0)
                B->root_kid[B->t[c].sym] = c;
            B->bfs_sym[tail] = B->t[c].sym;
            B->bfs[tail++] = c;
        }
        B->kid_n[u] = (uint32_t)(tail - B->kid_from[u]);
    }
}

/* More redirects than this in one row, and the state walks its failure links instead: rows
 * stay small, and the work per state bounded. */
#define REDIRECTS_PER_STATE 32

/* Room for n more redirects (before pointers into B->rd are taken). */
static void rd_reserve(build *B, size_t n)
{
    if (B->nrd + n <= B->cap_rd)
        return;
    while (B->nrd + n > B->cap_rd)
        B->cap_rd *= 2;
    B->rd = xn_xrealloc(B->rd, B->cap_rd * sizeof *B->rd);
}

/*
 * Gives each state whose failure link f has depth >= 2 a redirect for every symbol of f's row
 * (children and redirects) on which it has no child, naming where f's row leads: the rows then
 * answer the failure walk's question in one probe (the claim at text_step). Breadth first, so
 * f's row is final when it is read. A state whose f walks, or that would need too many
 * redirects, walks too.
 */
static void add_redirects(build *B)
{
    B->rd_from = xn_xcalloc(B->nt, sizeof *B->rd_from);
    B->rd_n = xn_xcalloc(B->nt, sizeof *B->rd_n);
    B->walk = xn_xcalloc(B->nt, 1);
    B->cap_rd = 64;
    B->rd = xn_xmalloc(B->cap_rd * sizeof *B->rd);
    for (size_t i = 1; i < B->nt; i++) {
        uint32_t u = B->bfs[i], f = B->fail[u];
        if (B->depth[f] < 2)
            continue;
        if (B->walk[f] || B->kid_n[f] + B->rd_n[f] > B->kid_n[u] + REDIRECTS_PER_STATE) {
            B->walk[u] = 1;
            continue;
        }
        rd_reserve(B, B->kid_n[f] + B->rd_n[f]);
        const uint32_t *us = B->bfs_sym + B->kid_from[u], *fk = B->bfs + B->kid_from[f];
        const uint32_t *fs = B->bfs_sym + B->kid_from[f];
        const redirect *fr = B->rd + B->rd_from[f];
        size_t a = 0, j = 0, r = 0, start = B->nrd;
        /* f's row in symbol order: the merge of its children and its redirects. */
        while (j < B->kid_n[f] || r < B->rd_n[f]) {
            uint32_t sym, target;
            if (r == B->rd_n[f] || (j < B->kid_n[f] && fs[j] < fr[r].sym)) {
                sym = fs[j];
                target = fk[j++];
            } else {
                sym = fr[r].sym;
                target = fr[r++].target;
            }
            while (a < B->kid_n[u] && us[a] < sym)
                a++;
            if (a < B->kid_n[u] && us[a] == sym)
                continue;
            B->rd[B->nrd++] = (redirect){sym, target};
        }
        if (B->nrd - start > REDIRECTS_PER_STATE) {
            B->nrd = start;
            B->walk[u] = 1;
            continue;
        }
        B->rd_from[u] = (uint32_t)start;
        B->rd_n[u] = (uint32_t)(B->nrd - start);
    }
}

/* ---- build: double array ------------------------------------------------------------------ */

static void da_grow(build *B, size_t need)
{
    size_t old = B->cap, cap = B->cap ? B->cap : 4096;
    if (need < B->cap)
        return;
    while (cap <= need)
        cap *= 2;
    B->base = xn_xrealloc(B->base, cap * sizeof *B->base);
    B->check = xn_xrealloc(B->check, cap * sizeof *B->check);
    B->nextfree = xn_xrealloc(B->nextfree, (cap + 1) * sizeof *B->nextfree);
    B->nextmulti = xn_xrealloc(B->nextmulti, (cap + 1) * sizeof *B->nextmulti);
    B->tries = xn_xrealloc(B->tries, cap);
    B->free_bits = xn_xrealloc(B->free_bits, cap / 8 + 8);
    B->multi_bits = xn_xrealloc(B->multi_bits, cap / 8 + 8);
    /* cap and old are multiples of 64 (4096 doubled). */
    memset((char *)B->free_bits + old / 8, 0xFF, (cap - old) / 8 + 8);
    memset((char *)B->multi_bits + old / 8, 0xFF, (cap - old) / 8 + 8);
    for (size_t i = old; i < cap; i++) {
        B->base[i] = 0;
        B->check[i] = EMPTY;
        B->nextfree[i] = (uint32_t)i;
        B->nextmulti[i] = (uint32_t)i;
        B->tries[i] = 0;
    }
    B->nextfree[cap] = (uint32_t)cap;
    B->nextmulti[cap] = (uint32_t)cap;
    B->cap = cap;
}

/* First slot >= x that `next` marks free (union-find with path halving). */
static size_t da_find(build *B, uint32_t **next, size_t x)
{
    da_grow(B, x + 1);
    while ((*next)[x] != x) {
        (*next)[x] = (*next)[(*next)[x]];
        x = (*next)[x];
        if (x >= B->cap)
            da_grow(B, x + 1);
    }
    return x;
}

/* The 56 bits of `bits` from bit `at` on, in the low bits. */
static uint64_t da_bits(const uint64_t *bits, size_t at)
{
    uint64_t w;
    memcpy(&w, (const unsigned char *)bits + at / 8, 8);
    return (w >> (at % 8)) & (((uint64_t)1 << 56) - 1);
}

static void da_clear(uint64_t *bits, size_t slot)
{
    bits[slot / 64] &= ~((uint64_t)1 << (slot % 64));
}

static void da_take(build *B, size_t slot, uint32_t parent)
{
    B->check[slot] = parent;
    B->nextfree[slot] = (uint32_t)slot + 1;
    B->nextmulti[slot] = (uint32_t)slot + 1;
    da_clear(B->free_bits, slot);
    da_clear(B->multi_bits, slot);
    if (slot > B->used_max)
        B->used_max = slot;
}

/*
 * Finds a base for the children syms[0..k) (ascending) and occupies their slots: the first
 * base whose slots are all free, trying as first child only slots of nextmulti. A free slot
 * that has failed 8 times as the first child of a multi-child state is not tried again for
 * such states (single children still fill it), which keeps placement near linear. Bases are
 * tested 56 at a time on the bit sets, a row's child at a time: one word per child instead of
 * a branch per child and base.
 */
static uint32_t da_place(build *B, const uint32_t *syms, size_t k, uint32_t parent)
{
    size_t f;
    if (k == 1) {
        f = da_find(B, &B->nextfree, syms[0] + 1);
        da_take(B, f, parent);
        return (uint32_t)(f - syms[0]);
    }
    f = da_find(B, &B->nextmulti, syms[0] + 1);
    for (;;) {
        /* Candidates: the bases f - syms[0] + j (j < 56) whose first child's slot f + j is in
         * nextmulti; those where every child's slot is free fit. */
        size_t b = f - syms[0];
        da_grow(B, b + syms[k - 1] + 64);
        uint64_t tried = da_bits(B->multi_bits, f), fit = tried;
        for (size_t i = 1; fit != 0 && i < k; i++)
            fit &= da_bits(B->free_bits, b + syms[i]);
        if (fit != 0)
            tried &= (fit & -fit) - 1; /* the candidates below the first that fits */
        for (; tried != 0; tried &= tried - 1) {
            size_t slot = f + (size_t)__builtin_ctzll(tried);
            if (++B->tries[slot] >= 8) {
                B->nextmulti[slot] = (uint32_t)slot + 1;
                da_clear(B->multi_bits, slot);
            }
        }
        if (fit != 0) {
            b += (size_t)__builtin_ctzll(fit);
            for (size_t i = 0; i < k; i++)
                da_take(B, b + syms[i], parent);
            return (uint32_t)b;
        }
        f = da_find(B, &B->nextmulti, f + 56);
    }
}

/* Places every state's row, its children and redirects, breadth first. */
static int layout(build *B, xn_error *err)
{
    uint32_t *kids = xn_xmalloc(((size_t)B->nsym + 1) * sizeof *kids);
    int rc = 0;

    da_grow(B, (size_t)B->nsym + 2);
    da_take(B, ROOT, 0);
    B->check[ROOT] = 0;
    B->t[0].slot = ROOT;
    for (size_t i = 0; i < B->nt; i++) {
        uint32_t u = B->bfs[i];
        const uint32_t *uk = B->bfs + B->kid_from[u], *us = B->bfs_sym + B->kid_from[u];
        const redirect *ur = B->rd + B->rd_from[u];
        size_t k = 0, a = 0, r = 0;
        while (a < B->kid_n[u] || r < B->rd_n[u])
            kids[k++] =
                r == B->rd_n[u] || (a < B->kid_n[u] && us[a] < ur[r].sym) ? us[a++] : ur[r++].sym;
        if (k == 0)
            continue;
        uint32_t base = da_place(B, kids, k, B->t[u].slot);
        B->base[B->t[u].slot] = base;
        for (a = 0; a < B->kid_n[u]; a++)
            B->t[uk[a]].slot = base + us[a];
        if (B->used_max + B->nsym + 2 >= MAX_SLOTS) {
            rc = xn_fail(err, XN_ETOOBIG, "lexicon_too_large", "lexicon needs too many states");
            break;
        }
    }
    free(kids);
    return rc;
}

/* ---- build: fold table -------------------------------------------------------------------- */

typedef struct ftable {
    uint32_t l1[L1_SIZE];
    uint32_t *blocks; /* nblocks * BLOCK */
    size_t nblocks, cap_blocks;
    uint32_t *exp;
    size_t nexp, cap_exp;
} ftable;

static uint32_t fold_class(build *B, ftable *ft, uint32_t cp)
{
    uint32_t f[EXP_MAX], syms[EXP_MAX];
    int k;
    bool any = false;
    if (!B->b->fold)
        return map_get(&B->alpha, cp);
    k = text_fold_cp(cp, f, EXP_MAX);
    if (k == 0)
        return CLS_SKIP;
    if (k == 1)
        return map_get(&B->alpha, f[0]);
    for (int i = 0; i < k; i++) {
        syms[i] = map_get(&B->alpha, f[i]);
        any = any || syms[i] != 0;
    }
    if (!any)
        return CLS_NONE;
    if (ft->nexp + (size_t)k + 1 > ft->cap_exp) {
        ft->cap_exp = ft->cap_exp ? ft->cap_exp * 2 : 1024;
        ft->exp = xn_xrealloc(ft->exp, ft->cap_exp * sizeof *ft->exp);
    }
    uint32_t at = (uint32_t)ft->nexp;
    ft->exp[ft->nexp++] = (uint32_t)k;
    for (int i = 0; i < k; i++)
        ft->exp[ft->nexp++] = syms[i];
    return CLS_EXP | at;
}

static void build_fold(build *B, ftable *ft)
{
    uint32_t blk[BLOCK], folded[BLOCK];
    bool *has_alpha = xn_xcalloc(L1_SIZE, sizeof *has_alpha);

    for (size_t i = 0; i < B->alpha.cap; i++)
        if (B->alpha.vals[i] != 0 && B->alpha.keys[i] <= MAX_CP)
            has_alpha[B->alpha.keys[i] >> 8] = true;
    ft->nblocks = 1; /* block 0: every code point CLS_NONE */
    ft->cap_blocks = 64;
    ft->blocks = xn_xcalloc(ft->cap_blocks * BLOCK, sizeof *ft->blocks);
    for (uint32_t page = 0; page < L1_SIZE; page++) {
        bool nonzero = false;
        ft->l1[page] = 0;
        if (!B->b->fold && !has_alpha[page])
            continue;
        if (B->b->fold)
            text_fold_page(page, folded);
        for (uint32_t i = 0; i < BLOCK; i++) {
            uint32_t cp = (page << 8) | i;
            if (!B->b->fold || folded[i] == FOLD_MULTI)
                blk[i] = fold_class(B, ft, cp);
            else if (folded[i] == FOLD_SKIP)
                blk[i] = CLS_SKIP;
            else if (folded[i] == cp && !has_alpha[page])
                blk[i] = CLS_NONE;
            else
                blk[i] = map_get(&B->alpha, folded[i]);
            nonzero = nonzero || blk[i] != 0;
        }
        if (!nonzero)
            continue;
        /* Runs of identical pages (all noise, say) share one block. */
        if (ft->nblocks > 1 &&
            memcmp(ft->blocks + (ft->nblocks - 1) * BLOCK, blk, sizeof blk) == 0) {
            ft->l1[page] = (uint32_t)ft->nblocks - 1;
            continue;
        }
        if (ft->nblocks == ft->cap_blocks) {
            ft->cap_blocks *= 2;
            ft->blocks = xn_xrealloc(ft->blocks, ft->cap_blocks * BLOCK * sizeof *ft->blocks);
        }
        memcpy(ft->blocks + ft->nblocks * BLOCK, blk, sizeof blk);
        ft->l1[page] = (uint32_t)ft->nblocks++;
    }
    free(has_alpha);
}

/* ---- build: image ------------------------------------------------------------------------- */

static size_t align8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

int text_builder_build(text_builder *b, text_lexicon **out, xn_error *err)
{
    build B = {.b = b};
    ftable *ft = NULL;
    unsigned char *img = NULL;
    uint32_t *outidx = NULL, *fail = NULL, *depth = NULL;
    size_t nslots, nout = 1, size;
    img_header h = {0};
    int rc = 0;
    bool white = false;

    if (b->nentries == 0)
        return xn_fail(err, XN_EINVAL, "empty_lexicon", "the lexicon has no entries");
    build_trie(&B);
    trie_links(&B);
    add_redirects(&B);
    rc = layout(&B, err);
    if (rc < 0)
        goto out;
    nslots = B.used_max + B.nsym + 2;
    da_grow(&B, nslots);

    /* Failure links, depths and output chains by slot, breadth first (a failure target is
     * always shallower, so its output chain is known). */
    fail = xn_xcalloc(nslots, sizeof *fail);
    depth = xn_xcalloc(nslots, sizeof *depth);
    outidx = xn_xcalloc(nslots, sizeof *outidx);
    fail[ROOT] = ROOT;
    for (size_t i = 1; i < B.nt; i++) {
        uint32_t c = B.bfs[i], v = B.t[c].slot;
        fail[v] = B.t[B.fail[c]].slot | (B.walk[c] ? FAIL_WALK : 0);
        depth[v] = B.depth[c];
        if (B.t[c].entry != UINT32_MAX) {
            white = white || (b->entries[B.t[c].entry].flags & ENTRY_WHITE);
            outidx[v] = (uint32_t)nout++; /* record filled below */
        } else {
            outidx[v] = outidx[B.t[B.fail[c]].slot];
        }
    }

    ft = xn_xcalloc(1, sizeof *ft);
    build_fold(&B, ft);

    h.nslots = (uint32_t)nslots;
    h.nsym = B.nsym;
    h.nout = (uint32_t)nout;
    h.nentries = (uint32_t)b->nentries;
    h.nblocks = (uint32_t)ft->nblocks;
    h.nexp = (uint32_t)ft->nexp;
    h.pool_size = (uint32_t)b->pool.len;
    h.max_depth = MAX_DEPTH;
    size = align8(sizeof h);
    h.off_nodes = size;
    size = align8(size + nslots * sizeof(img_node));
    h.off_outs = size;
    size = align8(size + nout * sizeof(img_out));
    h.off_entries = size;
    size = align8(size + b->nentries * sizeof(img_entry));
    h.off_l1 = size;
    size = align8(size + L1_SIZE * sizeof(uint32_t));
    h.off_blocks = size;
    size = align8(size + ft->nblocks * BLOCK * sizeof(uint32_t));
    h.off_exp = size;
    size = align8(size + ft->nexp * sizeof(uint32_t));
    h.off_pool = size;
    size = align8(size + b->pool.len);
    if (size > TEXT_MAX_IMAGE) {
        rc = xn_fail(err, XN_ETOOBIG, "lexicon_too_large", "compiled lexicon over %u bytes",
                     TEXT_MAX_IMAGE);
        goto out;
    }
    img = text_big_alloc(size, 64);
    if (img != NULL)
        memset(img, 0, size);
    if (img == NULL) {
        rc = xn_fail(err, XN_ENOMEM, "no_memory", "out of memory compiling the lexicon");
        goto out;
    }
    memcpy(h.magic, IMG_MAGIC, 8);
    h.version = IMG_VERSION;
    h.flags = (b->fold ? IMG_FOLDED : 0) | (white ? IMG_WHITE : 0);
    h.size = size;
    {
        img_node *nodes = (img_node *)(img + h.off_nodes);
        img_out *outs = (img_out *)(img + h.off_outs);
        img_entry *ents = (img_entry *)(img + h.off_entries);
        for (size_t s = 0; s < nslots; s++) {
            bool state = s == ROOT || B.check[s] != EMPTY;
            nodes[s].base = state ? B.base[s] : 0;
            nodes[s].check = B.check[s];
            nodes[s].fail = state ? fail[s] : 0;
            nodes[s].info = state ? (depth[s] | outidx[s] << 8) : 0;
        }
        nodes[0].check = EMPTY;
        for (size_t n = 1; n < B.nt; n++) {
            uint32_t v = B.t[n].slot;
            if (B.t[n].entry != UINT32_MAX) {
                outs[outidx[v]].entry = B.t[n].entry;
                outs[outidx[v]].next = outidx[fail[v] & FAIL_STATE];
            }
        }
        for (size_t n = 0; n < B.nt; n++) {
            uint32_t u = B.t[n].slot;
            for (uint32_t r = B.rd_from[n]; r < B.rd_from[n] + B.rd_n[n]; r++)
                nodes[B.base[u] + B.rd[r].sym] =
                    (img_node){B.t[B.rd[r].target].slot, u, NODE_REDIRECT, 0};
        }
        for (size_t i = 0; i < b->nentries; i++) {
            const bentry *e = &b->entries[i];
            ents[i] = (img_entry){e->text, e->suggest,  e->category, e->lexicon,
                                  e->nsym, e->severity, e->flags};
        }
        memcpy(img + h.off_l1, ft->l1, sizeof ft->l1);
        memcpy(img + h.off_blocks, ft->blocks, ft->nblocks * BLOCK * sizeof(uint32_t));
        if (ft->nexp)
            memcpy(img + h.off_exp, ft->exp, ft->nexp * sizeof(uint32_t));
        memcpy(img + h.off_pool, b->pool.data, b->pool.len);
    }
    h.hash = text_image_hash(img + sizeof h, size - sizeof h);
    memcpy(img, &h, sizeof h);

    {
        text_lexicon *lex = xn_xcalloc(1, sizeof *lex);
        rc = text_image_open(lex, img, size, false, err);
        if (rc < 0) {
            free(lex);
            goto out;
        }
        lex->kind = LEX_OWNED;
        img = NULL;
        *out = lex;
    }
out:
    free(img);
    if (ft != NULL) {
        free(ft->blocks);
        free(ft->exp);
        free(ft);
    }
    free(fail);
    free(depth);
    free(outidx);
    free(B.bfs);
    free(B.bfs_sym);
    free(B.root_kid);
    free(B.kid_from);
    free(B.kid_n);
    free(B.fail);
    free(B.depth);
    free(B.rd_from);
    free(B.rd_n);
    free(B.walk);
    free(B.rd);
    free(B.syms);
    free(B.order);
    map_release(&B.alpha);
    free(B.t);
    free(B.base);
    free(B.check);
    free(B.free_bits);
    free(B.multi_bits);
    free(B.nextfree);
    free(B.nextmulti);
    free(B.tries);
    return rc;
}
