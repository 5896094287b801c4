/*
 * The password dictionary and the weak-password lists (ACC-9: "not a meaningful word or
 * phrase"; ASVS 5.0: breached and common passwords).
 *
 * Words live in a trie whose nodes keep their children side by side (8 bytes a node, about
 * 190,000 nodes for the built-in 74,000 words), built once from the sorted word list. A
 * password is a dictionary phrase when a walk of at most three words through the trie covers
 * it from a start inside its leading non-letters to an end inside its trailing non-letters;
 * leet characters branch the walk into the letters they stand for, so "P@ssw0rd!" walks
 * p-a-s-s-w-o-r-d. The walk is bounded by the trie's depth (32) and the password's length
 * (256), so one check costs a few thousand node visits at worst.
 *
 * Weak-password lists are open-addressing hash sets over one lower-cased copy of their text.
 */
#include "auth/auth_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- weak-password lists -------------------------------------------------------------- */

struct auth_wordlist {
    char *text;      /* lower-cased copy of the source; every entry NUL-terminated */
    size_t text_len; /* bytes of text, including the final NUL */
    uint64_t *slots; /* (hash >> 32) << 32 | (offset + 1); 0 is an empty slot */
    size_t mask;     /* slots - 1; the slot count is a power of two */
    size_t count;    /* distinct entries */
};

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325u; /* FNV-1a, 64 bits */
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3u;
    }
    return h ^ (h >> 29);
}

/* Finds s[0..n) (already lower-cased): its slot index, or the empty slot where it would go. */
static size_t wordlist_slot(const auth_wordlist *w, const char *s, size_t n, uint64_t h,
                            bool *found)
{
    uint64_t tag = h >> 32;
    size_t i = (size_t)h & w->mask;
    for (;;) {
        uint64_t v = w->slots[i];
        if (v == 0) {
            *found = false;
            return i;
        }
        if (v >> 32 == tag) {
            const char *e = w->text + (uint32_t)v - 1;
            if (memcmp(e, s, n) == 0 && e[n] == '\0') {
                *found = true;
                return i;
            }
        }
        i = (i + 1) & w->mask;
    }
}

static bool is_comment(const char *line, size_t n)
{
    return (n == 1 && line[0] == '#') || (n >= 2 && line[0] == '#' && line[1] == ' ');
}

int auth_wordlist_new(const char *data, size_t len, auth_wordlist **out, xn_error *err)
{
    auth_wordlist *w = NULL;
    size_t lines = 1, cap = 16;

    *out = NULL;
    if (len > AUTH_WORDLIST_MAX_BYTES)
        return xn_fail(err, XN_ETOOBIG, "wordlist_too_large", "word list larger than %zu bytes",
                       AUTH_WORDLIST_MAX_BYTES);
    w = calloc(1, sizeof *w);
    if (w == NULL)
        goto nomem;
    w->text = malloc(len + 1);
    if (w->text == NULL)
        goto nomem;
    if (len > 0)
        memcpy(w->text, data, len);
    w->text[len] = '\n';
    w->text_len = len + 1;
    for (size_t i = 0; i < len; i++) /* LF, CRLF and a lone CR each end a line */
        lines +=
            w->text[i] == '\n' || (w->text[i] == '\r' && (i + 1 == len || w->text[i + 1] != '\n'));
    while (cap < lines * 2)
        cap *= 2;
    w->slots = calloc(cap, sizeof *w->slots);
    if (w->slots == NULL)
        goto nomem;
    w->mask = cap - 1;
    size_t pos = 0, n;
    for (const char *at; (at = xn_next_line(w->text, len, &pos, &n)) != NULL;) {
        char *line = w->text + (at - w->text);
        bool found;
        line[n] = '\0'; /* the line ending, or the byte after the copy */
        if (n == 0 || n > AUTH_PW_MAX_BYTES || is_comment(line, n))
            continue;
        for (size_t i = 0; i < n; i++)
            line[i] = auth_lower(line[i]);
        uint64_t h = hash_bytes(line, n);
        size_t slot = wordlist_slot(w, line, n, h, &found);
        if (!found) {
            w->slots[slot] = (h >> 32) << 32 | (uint64_t)(line - w->text + 1);
            w->count++;
        }
    }
    *out = w;
    return XN_OK;
nomem:
    auth_wordlist_free(w);
    return xn_fail(err, XN_ENOMEM, "out_of_memory", "no memory for a word list of %zu bytes", len);
}

int auth_wordlist_load(const char *path, auth_wordlist **out, xn_error *err)
{
    int fd = -1, rc;
    char *data = NULL;
    size_t len = 0;
    struct stat st;

    *out = NULL;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = xn_fail(err, errno == ENOENT ? XN_ENOTFOUND : XN_EIO, "wordlist_unreadable",
                     "cannot open %s: %s", path, strerror(errno));
        goto out;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = xn_fail(err, XN_EIO, "wordlist_unreadable", "%s is not a regular file", path);
        goto out;
    }
    if ((uint64_t)st.st_size > AUTH_WORDLIST_MAX_BYTES) {
        rc = xn_fail(err, XN_ETOOBIG, "wordlist_too_large", "%s is larger than %zu bytes", path,
                     AUTH_WORDLIST_MAX_BYTES);
        goto out;
    }
    data = malloc((size_t)st.st_size + 1);
    if (data == NULL) {
        rc = xn_fail(err, XN_ENOMEM, "out_of_memory", "no memory to read %s", path);
        goto out;
    }
    while (len < (size_t)st.st_size) {
        ssize_t r = read(fd, data + len, (size_t)st.st_size - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = xn_fail(err, XN_EIO, "wordlist_unreadable", "cannot read %s: %s", path,
                         strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    rc = auth_wordlist_new(data, len, out, err);
out:
    free(data);
    if (fd >= 0)
        close(fd);
    return rc;
}

void auth_wordlist_free(auth_wordlist *w)
{
    if (w == NULL)
        return;
    free(w->slots);
    free(w->text);
    free(w);
}

size_t auth_wordlist_count(const auth_wordlist *w)
{
    return w->count;
}

bool auth_wordlist_contains(const auth_wordlist *w, const char *s, size_t len)
{
    char buf[AUTH_PW_MAX_BYTES];
    bool found;
    if (len == 0 || len > AUTH_PW_MAX_BYTES)
        return false;
    for (size_t i = 0; i < len; i++)
        buf[i] = auth_lower(s[i]);
    wordlist_slot(w, buf, len, hash_bytes(buf, len), &found);
    return found;
}

static size_t wordlist_memory(const auth_wordlist *w)
{
    return sizeof *w + w->text_len + (w->mask + 1) * sizeof *w->slots;
}

/* ---- the trie --------------------------------------------------------------------------- */

typedef struct trie_node {
    uint32_t first; /* index of the first child; children are consecutive, sorted by letter */
    uint8_t count;  /* number of children */
    char ch;        /* the letter leading here */
    uint8_t term;   /* a word ends here */
} trie_node;

struct auth_dict {
    trie_node *nodes; /* nodes[0] is the root */
    size_t nnodes, cap;
    size_t nwords;
    auth_wordlist *weak;
};

typedef struct word {
    const char *s;
    size_t len;
} word;

static int word_cmp(const void *a, const void *b)
{
    const word *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->s, y->s, n);
    if (c != 0)
        return c;
    return x->len < y->len ? -1 : x->len > y->len;
}

static uint32_t node_alloc(auth_dict *d, size_t count)
{
    if (d->nnodes + count > d->cap) {
        while (d->nnodes + count > d->cap)
            d->cap = d->cap ? d->cap * 2 : 1024;
        d->nodes = xn_xrealloc(d->nodes, d->cap * sizeof *d->nodes);
    }
    uint32_t first = (uint32_t)d->nnodes;
    memset(d->nodes + first, 0, count * sizeof *d->nodes);
    d->nnodes += count;
    return first;
}

/* Builds the subtree of `node` from w[lo..hi), which share their first `depth` letters and
 * are sorted and unique. Recursion depth is bounded by AUTH_WORD_MAX. */
static void trie_build(auth_dict *d, uint32_t node, const word *w, size_t lo, size_t hi,
                       size_t depth)
{
    size_t groups = 0;
    if (lo < hi && w[lo].len == depth) {
        d->nodes[node].term = 1;
        lo++;
    }
    for (size_t i = lo; i < hi; groups++) {
        char c = w[i].s[depth];
        while (i < hi && w[i].s[depth] == c)
            i++;
    }
    if (groups == 0)
        return;
    uint32_t first = node_alloc(d, groups);
    d->nodes[node].first = first;
    d->nodes[node].count = (uint8_t)groups;
    for (size_t i = lo, g = 0; i < hi; g++) {
        size_t start = i;
        char c = w[i].s[depth];
        while (i < hi && w[i].s[depth] == c)
            i++;
        d->nodes[first + g].ch = c;
        trie_build(d, first + (uint32_t)g, w, start, i, depth + 1);
    }
}

static bool is_word(const char *s, size_t n)
{
    if (n < AUTH_WORD_MIN || n > AUTH_WORD_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
            return false;
    }
    return true;
}

/* Appends the words of text[0..len) (lower-cased in place) to *ws. */
static void collect_words(char *text, size_t len, word **ws, size_t *n, size_t *cap)
{
    for (size_t start = 0; start < len;) {
        char *line = text + start;
        char *nl = memchr(line, '\n', len - start);
        size_t k = nl ? (size_t)(nl - line) : len - start;
        start += k + 1;
        if (k > 0 && line[k - 1] == '\r')
            k--;
        if (!is_word(line, k))
            continue;
        for (size_t i = 0; i < k; i++)
            line[i] = auth_lower(line[i]);
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 4096;
            *ws = xn_xrealloc(*ws, *cap * sizeof **ws);
        }
        (*ws)[(*n)++] = (word){line, k};
    }
}

int auth_dict_new(const char *words, size_t words_len, const char *weak, size_t weak_len,
                  auth_dict **out, xn_error *err)
{
    auth_dict *d = NULL;
    char *wtext = NULL, *ktext = NULL;
    word *ws = NULL;
    size_t n = 0, cap = 0, nsorted;
    bool sorted = true;
    int rc;

    *out = NULL;
    if (words == NULL)
        words_len = 0;
    if (weak == NULL)
        weak_len = 0;
    if (words_len > AUTH_WORDLIST_MAX_BYTES || weak_len > AUTH_WORDLIST_MAX_BYTES)
        return xn_fail(err, XN_ETOOBIG, "dict_too_large", "word list larger than %zu bytes",
                       AUTH_WORDLIST_MAX_BYTES);
    d = xn_xcalloc(1, sizeof *d);
    rc = auth_wordlist_new(weak ? weak : "", weak_len, &d->weak, err);
    if (rc != XN_OK)
        goto fail;
    wtext = malloc(words_len + 1);
    ktext = malloc(weak_len + 1);
    if (wtext == NULL || ktext == NULL) {
        rc = xn_fail(err, XN_ENOMEM, "out_of_memory", "no memory for the dictionary");
        goto fail;
    }
    if (words_len > 0)
        memcpy(wtext, words, words_len);
    if (weak_len > 0)
        memcpy(ktext, weak, weak_len);
    collect_words(wtext, words_len, &ws, &n, &cap);
    for (size_t i = 1; i < n && sorted; i++)
        sorted = word_cmp(&ws[i - 1], &ws[i]) < 0;
    if (!sorted) {
        if (n > 0)
            qsort(ws, n, sizeof *ws, word_cmp);
        sorted = true;
    }
    /* Letters-only weak passwords join the words; the built-in list already holds them, so
     * the sorted list usually stays sorted and needs no second sort. */
    nsorted = n;
    collect_words(ktext, weak_len, &ws, &n, &cap);
    for (size_t i = nsorted; i < n;) {
        if (nsorted > 0 && bsearch(&ws[i], ws, nsorted, sizeof *ws, word_cmp) != NULL) {
            ws[i] = ws[--n];
            continue;
        }
        sorted = false;
        i++;
    }
    if (!sorted)
        qsort(ws, n, sizeof *ws, word_cmp);
    /* Unique. */
    size_t u = 0;
    for (size_t i = 0; i < n; i++) {
        if (u == 0 || word_cmp(&ws[u - 1], &ws[i]) != 0)
            ws[u++] = ws[i];
    }
    d->nwords = u;
    node_alloc(d, 1);
    trie_build(d, 0, ws, 0, u, 0);
    d->nodes = xn_xrealloc(d->nodes, d->nnodes * sizeof *d->nodes);
    d->cap = d->nnodes;
    free(ws);
    free(wtext);
    free(ktext);
    *out = d;
    return XN_OK;
fail:
    free(ws);
    free(wtext);
    free(ktext);
    auth_dict_free(d);
    return rc;
}

int auth_dict_new_builtin(auth_dict **out, xn_error *err)
{
    return auth_dict_new(auth_builtin_words, auth_builtin_words_len, auth_builtin_weak,
                         auth_builtin_weak_len, out, err);
}

void auth_dict_free(auth_dict *d)
{
    if (d == NULL)
        return;
    auth_wordlist_free(d->weak);
    free(d->nodes);
    free(d);
}

size_t auth_dict_words(const auth_dict *d)
{
    return d->nwords;
}

size_t auth_dict_weak_count(const auth_dict *d)
{
    return d->weak->count;
}

size_t auth_dict_memory(const auth_dict *d)
{
    return sizeof *d + d->cap * sizeof *d->nodes + wordlist_memory(d->weak);
}

/* ---- matching --------------------------------------------------------------------------- */

int auth_leet(unsigned char c, char out[2])
{
    if (c >= 'a' && c <= 'z') {
        out[0] = (char)c;
        return 1;
    }
    if (c >= 'A' && c <= 'Z') {
        out[0] = (char)(c - 'A' + 'a');
        return 1;
    }
    switch (c) {
    case '@':
    case '4':
        out[0] = 'a';
        return 1;
    case '0':
        out[0] = 'o';
        return 1;
    case '1':
    case '!':
    case '|':
        out[0] = 'i';
        out[1] = 'l';
        return 2;
    case '3':
        out[0] = 'e';
        return 1;
    case '$':
    case '5':
        out[0] = 's';
        return 1;
    case '7':
    case '+':
        out[0] = 't';
        return 1;
    default:
        return 0;
    }
}

static uint32_t child(const auth_dict *d, uint32_t node, char ch)
{
    const trie_node *nd = &d->nodes[node];
    for (uint32_t i = 0; i < nd->count; i++) {
        if (d->nodes[nd->first + i].ch == ch)
            return nd->first + i;
    }
    return 0; /* the root is never a child */
}

/* Marks reach[end] for every word the trie holds at lw[start..end), leet undone. */
static void walk(const auth_dict *d, const char *lw, size_t n, size_t start, uint8_t *reach)
{
    /* Depth-first: each level leaves at most one sibling pending, so the stack never holds
     * more than AUTH_WORD_MAX + 2 entries. */
    struct {
        uint32_t node;
        uint32_t pos;
    } st[AUTH_WORD_MAX + 4];
    size_t sp = 0;
    st[sp].node = 0;
    st[sp++].pos = (uint32_t)start;
    while (sp > 0) {
        sp--;
        uint32_t node = st[sp].node, pos = st[sp].pos;
        char alt[2];
        int k = auth_leet((unsigned char)lw[pos], alt);
        for (int i = 0; i < k; i++) {
            uint32_t c = child(d, node, alt[i]);
            if (c == 0)
                continue;
            if (d->nodes[c].term)
                reach[pos + 1] = 1;
            if (pos + 1 < n && d->nodes[c].count > 0 && sp < sizeof st / sizeof st[0]) {
                st[sp].node = c;
                st[sp++].pos = pos + 1;
            }
        }
    }
}

static bool is_letter(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The phrase rule: some start in [0, first letter] and end in [after last letter, n] are
 * joined by one to AUTH_PHRASE_WORDS dictionary words, with digits and symbols allowed
 * between them. */
static bool phrase_match(const auth_dict *d, const char *lw, size_t n, size_t first,
                         size_t last_end)
{
    uint8_t reach[AUTH_PHRASE_WORDS + 1][AUTH_PW_MAX_BYTES + 1];
    size_t span = AUTH_PHRASE_WORDS * AUTH_WORD_MAX;

    if (d->nnodes <= 1 || first >= n)
        return false;
    memset(reach, 0, sizeof reach);
    for (size_t s = 0; s <= first; s++) {
        if (last_end - s <= span)
            reach[0][s] = 1;
    }
    for (int k = 1; k <= AUTH_PHRASE_WORDS; k++) {
        for (size_t pos = 0; pos < n; pos++) {
            if (reach[k - 1][pos])
                walk(d, lw, n, pos, reach[k]);
        }
        /* Digits and symbols may separate the words of a phrase ("Blue#Moon7"). */
        for (size_t pos = 0; pos < n; pos++) {
            if (reach[k][pos] && !is_letter(lw[pos]))
                reach[k][pos + 1] = 1;
        }
        for (size_t e = last_end; e <= n; e++) {
            if (reach[k][e])
                return true;
        }
    }
    return false;
}

/* How far the weak-password check strips non-letters at either end. */
#define WEAK_STRIP 16
/* The longest weak password looked for inside a candidate. */
#define WEAK_INSIDE_MAX 32

/* ACC-8, HS 附件4 §6: a word of AUTH_CONTAINED_WORD letters or more anywhere in lw[0..n), leet
 * undone ("Password2024!!x", "xx#Sunshine9"). */
static bool contains_word(const auth_dict *d, const char *lw, size_t n)
{
    uint8_t reach[AUTH_PW_MAX_BYTES + 1];
    if (d->nnodes <= 1)
        return false;
    for (size_t pos = 0; pos + AUTH_CONTAINED_WORD <= n; pos++) {
        char alt[2];
        if (auth_leet((unsigned char)lw[pos], alt) == 0)
            continue;
        size_t end = pos + AUTH_WORD_MAX < n ? pos + AUTH_WORD_MAX : n;
        memset(reach + pos, 0, end - pos + 1);
        walk(d, lw, n, pos, reach);
        for (size_t e = pos + AUTH_CONTAINED_WORD; e <= end; e++)
            if (reach[e])
                return true;
    }
    return false;
}

/* A weak password of AUTH_CONTAINED_WEAK characters or more anywhere in lw[0..n). */
static bool contains_weak(const auth_dict *d, const char *lw, size_t n)
{
    for (size_t s = 0; s + AUTH_CONTAINED_WEAK <= n; s++) {
        if (((unsigned char)lw[s] & 0xC0) == 0x80)
            continue;
        for (size_t e = s + AUTH_CONTAINED_WEAK; e <= n && e - s <= WEAK_INSIDE_MAX; e++) {
            if (e < n && ((unsigned char)lw[e] & 0xC0) == 0x80)
                continue;
            if (auth_wordlist_contains(d->weak, lw + s, e - s))
                return true;
        }
    }
    return false;
}

bool auth_dict_match(const auth_dict *d, const char *pw, size_t len)
{
    char lw[AUTH_PW_MAX_BYTES];
    size_t first = len, last_end = 0;

    if (len == 0 || len > AUTH_PW_MAX_BYTES)
        return false;
    for (size_t i = 0; i < len; i++) {
        lw[i] = auth_lower(pw[i]);
        if (is_letter(lw[i])) {
            if (first == len)
                first = i;
            last_end = i + 1;
        }
    }
    /* Weak passwords, whole or with digits and symbols stripped from either end. */
    size_t s_max = first < WEAK_STRIP ? first : WEAK_STRIP;
    size_t e_min = len - last_end > WEAK_STRIP ? len - WEAK_STRIP : last_end;
    for (size_t s = 0; s <= s_max; s++) {
        if (s > 0 && ((unsigned char)lw[s] & 0xC0) == 0x80)
            continue;
        for (size_t e = e_min > s ? e_min : s + 1; e <= len; e++) {
            if (e < len && ((unsigned char)lw[e] & 0xC0) == 0x80)
                continue;
            if (auth_wordlist_contains(d->weak, lw + s, e - s))
                return true;
        }
    }
    if (phrase_match(d, lw, len, first, last_end))
        return true;
    return contains_word(d, lw, len) || contains_weak(d, lw, len);
}
