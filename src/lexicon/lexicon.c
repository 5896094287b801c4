/*
 * The administered lexicons: their source text in the database, the compiled image cached in
 * the database's directory, and the reference-counted live set (see lexicon.h for the design).
 */
#include "lexicon/lexicon.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_SEED_FILES 256
#define MESSAGE_BUDGET 170 /* bytes of named bad lines in a refusal (xn_error holds 256) */

struct lexicon_set {
    atomic_int refs;
    text_lexicon *built; /* the database's lexicons compiled together, or NULL for none */
    const text_lexicon *lex[LEXICON_MAX_FIXED + 1];
    size_t n;
};

struct lexicon_live {
    store *db;
    audit_trail *audit;
    xn_log *log;
    crypto_alg alg;
    char image_dir[512];
    char image_path[600]; /* the cached image of the current set, "" when none */
    text_lexicon *fixed[LEXICON_MAX_FIXED];
    size_t nfixed;
    const char *seeded_from; /* LEXICON_SEED_*: where the seed path was found at the start */
    pthread_mutex_t lock;    /* guards current */
    pthread_mutex_t admin;   /* one change at a time: transaction, image file and swap */
    lexicon_set *current;
};

/* ---- sets ------------------------------------------------------------------------------- */

static lexicon_set *set_new(lexicon_live *l, text_lexicon *built)
{
    lexicon_set *s = xn_xcalloc(1, sizeof *s);
    atomic_init(&s->refs, 1);
    s->built = built;
    if (built)
        s->lex[s->n++] = built;
    for (size_t i = 0; i < l->nfixed; i++)
        s->lex[s->n++] = l->fixed[i];
    return s;
}

lexicon_set *lexicon_acquire(lexicon_live *l)
{
    pthread_mutex_lock(&l->lock);
    lexicon_set *s = l->current;
    atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
    pthread_mutex_unlock(&l->lock);
    return s;
}

void lexicon_release(lexicon_set *s)
{
    if (s && atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) == 1) {
        text_lexicon_free(s->built);
        free(s);
    }
}

const text_lexicon *const *lexicon_set_lexicons(const lexicon_set *s, size_t *n)
{
    *n = s->n;
    return s->lex;
}

size_t lexicon_set_entries(const lexicon_set *s)
{
    size_t total = 0;
    for (size_t i = 0; i < s->n; i++)
        total += text_lexicon_entries(s->lex[i]);
    return total;
}

/* Makes s the current set; checks holding the old one finish on it. */
static void swap_in(lexicon_live *l, lexicon_set *s)
{
    pthread_mutex_lock(&l->lock);
    lexicon_set *old = l->current;
    l->current = s;
    pthread_mutex_unlock(&l->lock);
    lexicon_release(old);
}

bool lexicon_name_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > LEXICON_MAX_NAME)
        return false;
    /* personal-data hits carry the lexicon name "pii": a lexicon of that name would pass for one */
    if (strcmp(name, "pii") == 0)
        return false;
    if (!xn_utf8_valid(name, n))
        return false;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)name[i];
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-') {
            i++;
            continue;
        }
        /* a unit names its lexicons in Chinese (涉政敏感词): CJK ideographs, three bytes in
         * UTF-8 (U+3400..U+4DBF, U+4E00..U+9FFF); nothing else, so no spaces, dots or slashes */
        if ((c & 0xF0) != 0xE0 || i + 3 > n)
            return false;
        uint32_t cp = (uint32_t)(c & 0x0F) << 12 | (uint32_t)(name[i + 1] & 0x3F) << 6 |
                      (uint32_t)(name[i + 2] & 0x3F);
        if (!((cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF)))
            return false;
        i += 3;
    }
    return true;
}

/* ---- sources in the database ------------------------------------------------------------ */

typedef struct source {
    char *name;
    char *text;
    size_t len;
} source;

typedef struct sources {
    source *v;
    size_t n, cap;
} sources;

static void sources_clear(sources *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->v[i].name);
        free(s->v[i].text);
    }
    free(s->v);
    *s = (sources){0};
}

static void sources_push(sources *s, const char *name, const char *text, size_t len)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 8;
        s->v = xn_xrealloc(s->v, s->cap * sizeof *s->v);
    }
    char *copy = xn_xmalloc(len + 1);
    memcpy(copy, text, len);
    copy[len] = '\0';
    s->v[s->n++] = (source){xn_xstrdup(name), copy, len};
}

static int cmp_source(const void *a, const void *b)
{
    return strcmp(((const source *)a)->name, ((const source *)b)->name);
}

/* Every lexicon's name and text, ordered by name. */
static int read_sources(store_conn *c, sources *out, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(c, "SELECT name, source FROM lexicon ORDER BY name", &st, err);
    if (rc != XN_OK)
        return rc;
    while ((rc = store_step(st, err)) == STORE_ROW)
        sources_push(out, store_col_text(st, 0), store_col_text(st, 1), store_col_bytes(st, 1));
    return rc < 0 ? rc : XN_OK;
}

/* The digest naming the compiled image of these sources (first 16 bytes, hex). */
static void sources_digest(crypto_alg alg, const sources *s, char out[33])
{
    crypto_hasher h;
    uint8_t d[CRYPTO_HASH_BYTES];
    crypto_hasher_init(&h, alg, NULL);
    for (size_t i = 0; i < s->n; i++) {
        crypto_hasher_update(&h, s->v[i].name, strlen(s->v[i].name) + 1);
        crypto_hasher_update(&h, s->v[i].text, s->v[i].len);
        crypto_hasher_update(&h, "", 1);
    }
    crypto_hasher_final(&h, d);
    xn_hex(d, 16, out);
}

/* Compiles every source into one lexicon; *out NULL when they hold no entry. */
static int compile(const sources *s, text_lexicon **out, xn_error *err)
{
    text_builder *b = text_builder_new(true);
    int rc = XN_OK;
    *out = NULL;
    for (size_t i = 0; i < s->n && rc == XN_OK; i++)
        rc = text_builder_add_text(b, s->v[i].name, s->v[i].text, s->v[i].len, err);
    if (rc == XN_OK && text_builder_count(b) > 0)
        rc = text_builder_build(b, out, err);
    text_builder_free(b);
    return rc;
}

/* ---- the cached image ------------------------------------------------------------------- */

static void image_path(const lexicon_live *l, const char *digest, char *out, size_t n)
{
    snprintf(out, n, "%s/lexicons-%s.xlex", l->image_dir, digest);
}

/* Writes the image of the new set and forgets the previous one. A failure only costs a
 * compile at the next start, so it is logged, not returned. */
static void image_store(lexicon_live *l, const text_lexicon *lex, const char *digest)
{
    char path[sizeof l->image_path];
    xn_error err;
    image_path(l, digest, path, sizeof path);
    if (strcmp(path, l->image_path) == 0)
        return;
    if (lex && text_lexicon_save(lex, path, &err) != XN_OK) {
        xn_log_event(l->log, XN_LOG_WARN, "text.image_not_saved", "path", path, "error",
                     err.message, XN_LOG_END);
        path[0] = '\0';
    }
    if (l->image_path[0])
        unlink(l->image_path);
    xn_strlcpy(l->image_path, lex ? path : "", sizeof l->image_path);
}

/* ---- validation ------------------------------------------------------------------------- */

/* One line of lexicon text: its bytes and, for an entry line, the entry as written. */
typedef struct line {
    const char *s;
    size_t n;
    const char *key; /* NULL for a blank or comment line */
    size_t key_n;
} line;

typedef struct lines {
    line *v;
    size_t n, cap;
} lines;

static void trim(const char **s, size_t *n)
{
    while (*n > 0 && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' || (*s)[*n - 1] == '\r'))
        (*n)--;
}

/* Splits text into lines (a final newline ends the last line rather than starting one). */
static void split_lines(const char *text, size_t len, lines *out)
{
    size_t pos = 0;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        line ln = {text + pos, end - pos, NULL, 0};
        const char *s = ln.s;
        size_t n = ln.n;
        trim(&s, &n);
        if (n > 0 && s[0] != '#') {
            const char *comma = memchr(s, ',', n);
            ln.key = s;
            ln.key_n = comma ? (size_t)(comma - s) : n;
            trim(&ln.key, &ln.key_n);
        }
        if (out->n == out->cap) {
            out->cap = out->cap ? out->cap * 2 : 256;
            out->v = xn_xrealloc(out->v, out->cap * sizeof *out->v);
        }
        out->v[out->n++] = ln;
        pos = end + 1;
    }
}

static bool has_controls(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t' && !(c == '\r' && i == n - 1)) || c == 0x7F)
            return true;
    }
    return false;
}

_Static_assert(TEXT_MAX_ENTRY_SYMS == 64 && TEXT_MAX_ENTRY_BYTES == 1024 &&
                   TEXT_MAX_ENTRIES == 2000000,
               "the reasons below name these limits");

/*
 * Why a line is refused, in words an editor understands: which column (entry, category,
 * severity, suggestion: the format of text.h) and what it may hold. Keyed by the code of the
 * refusal (the builder's codes, text.h, and this room's own), never by the builder's English.
 */
static const struct {
    const char *code, *reason;
} REASONS[] = {
    {"not_utf8", "不是 UTF-8 编码的文本，请把文件另存为 UTF-8 编码后再导入"},
    {"control_char", "含有控制字符（看不见的特殊字符，制表符除外），请删去后再导入"},
    {"entry_empty", "词条（第 1 列）为空，每行以词条开头，格式为 词条,类别,严重程度,建议"},
    {"entry_too_big", "词条（第 1 列）过长，至多 64 个字，连同空格和标点不超过 1024 字节"},
    {"entry_not_utf8", "词条（第 1 列）含有无效字符（不是 UTF-8 文本或含空字符）"},
    {"entry_too_long", "词条（第 1 列）过长，不计空格和标点至多 64 个字"},
    {"entry_only_noise", "词条（第 1 列）只有空格、标点或符号，没有可检测的文字"},
    {"category_too_long", "类别（第 2 列）过长，至多 1024 字节（约 340 个汉字）"},
    {"category_not_utf8", "类别（第 2 列）含有无效字符（不是 UTF-8 文本）"},
    {"bad_severity", "严重程度（第 3 列）只能是 low、medium、high 或 1、2、3，留空即 medium"},
    {"suggest_too_long", "建议（第 4 列）过长，至多 1024 字节（约 340 个汉字）"},
    {"suggest_not_utf8", "建议（第 4 列）含有无效字符（不是 UTF-8 文本）"},
    {"bad_lexicon_name", "词库名称过长或含有无效字符"},
    {"too_many_entries", "词条超过 2000000 条，请把词库拆成几个再导入"},
    {"lexicon_too_large", "词库过大，无法编入，请把词库拆成几个再导入"},
};

const char *lexicon_reason(const char *code)
{
    for (size_t i = 0; i < sizeof REASONS / sizeof REASONS[0]; i++)
        if (strcmp(REASONS[i].code, code) == 0)
            return REASONS[i].reason;
    return NULL;
}

json_t *lexicon_refusal_json(const lexicon_refusal *r)
{
    json_t *list = json_array();
    for (size_t i = 0; i < r->n; i++)
        json_array_append_new(list,
                              json_pack("{s:I, s:s, s:s}", "line", (json_int_t)r->lines[i].line,
                                        "code", r->lines[i].code, "reason", r->lines[i].reason));
    return json_pack("{s:o, s:I}", "lines", list, "more", (json_int_t)(r->total - r->n));
}

/* Notes bad line number `at` in r: counted always, listed while there is room. */
static void refuse_line(lexicon_refusal *r, size_t at, const char *code)
{
    const char *why = lexicon_reason(code);
    r->total++;
    if (r->n == LEXICON_MAX_ERRORS)
        return;
    lexicon_bad_line *b = &r->lines[r->n++];
    b->line = at;
    xn_strlcpy(b->code, code, sizeof b->code);
    if (why)
        xn_strlcpy(b->reason, why, sizeof b->reason);
    else
        snprintf(b->reason, sizeof b->reason, "此行不能编入词库（%s）", code);
}

/*
 * Checks every line into r (cleared first); when any is bad fills err with a message naming
 * the first of them while they fit, and returns XN_EINVAL. The verdict on each line's format
 * comes from the builder that will compile the text.
 */
static int validate(const char *name, const lines *ls, lexicon_refusal *r, xn_error *err)
{
    text_builder *b = text_builder_new(true);
    xn_buf msg;
    size_t named = 0;
    memset(r, 0, sizeof *r);
    for (size_t i = 0; i < ls->n; i++) {
        const line *ln = &ls->v[i];
        xn_error e;
        if (!xn_utf8_valid(ln->s, ln->n))
            refuse_line(r, i + 1, "not_utf8");
        else if (has_controls(ln->s, ln->n))
            refuse_line(r, i + 1, "control_char");
        else if (ln->key && text_builder_add_text(b, name, ln->s, ln->n, &e) != XN_OK)
            refuse_line(r, i + 1, e.code);
    }
    text_builder_free(b);
    if (r->total == 0)
        return XN_OK;
    /* The message reads alone (the command line, older clients): the first lines while the
     * whole of it fits an xn_error, then the count of the rest. */
    xn_buf_init(&msg, 4096);
    for (size_t i = 0; i < r->n; i++) {
        char piece[MESSAGE_BUDGET + 1];
        int w = snprintf(piece, sizeof piece, "%s第 %zu 行：%s", named ? "；" : "",
                         r->lines[i].line, r->lines[i].reason);
        if (w < 0 || msg.len + (size_t)w > MESSAGE_BUDGET || xn_buf_puts(&msg, piece) != XN_OK)
            break;
        named++;
    }
    if (r->total > named)
        xn_buf_printf(&msg, "%s另有 %zu 行有误", named ? "；" : "", r->total - named);
    xn_fail_field(err, XN_EINVAL, "bad_lexicon", "body", "词库有 %zu 行有误，未作任何更改：%s",
                  r->total, msg.data ? msg.data : "");
    xn_buf_release(&msg);
    return XN_EINVAL;
}

/* ---- keys: entries as written, for counts and merging ------------------------------------ */

typedef struct key {
    const char *s;
    size_t n;
    size_t at; /* index of its line */
} key;

static int cmp_key(const void *a, const void *b)
{
    const key *x = a, *y = b;
    size_t n = x->n < y->n ? x->n : y->n;
    int c = memcmp(x->s, y->s, n);
    if (c != 0)
        return c;
    return x->n < y->n ? -1 : x->n > y->n;
}

/* The sorted, distinct keys of ls into *out (caller frees), their count into *n. */
static void keys_of(const lines *ls, key **out, size_t *n)
{
    key *k = xn_xmalloc((ls->n ? ls->n : 1) * sizeof *k);
    size_t m = 0, d = 0;
    for (size_t i = 0; i < ls->n; i++)
        if (ls->v[i].key)
            k[m++] = (key){ls->v[i].key, ls->v[i].key_n, i};
    qsort(k, m, sizeof *k, cmp_key);
    for (size_t i = 0; i < m; i++)
        if (d == 0 || cmp_key(&k[d - 1], &k[i]) != 0)
            k[d++] = k[i];
        else
            k[d - 1] = k[i]; /* the last line for an entry wins */
    *out = k;
    *n = d;
}

/* Counts keys of b missing from a. */
static size_t missing(const key *a, size_t na, const key *b, size_t nb)
{
    size_t i = 0, count = 0;
    for (size_t j = 0; j < nb; j++) {
        while (i < na && cmp_key(&a[i], &b[j]) < 0)
            i++;
        if (i == na || cmp_key(&a[i], &b[j]) != 0)
            count++;
    }
    return count;
}

/* The merged text: the current lines, each replaced by the imported line for its entry when
 * there is one, then the imported entry lines for new entries, in their order. */
static void merge_text(const lines *cur, const lines *imp, xn_buf *out)
{
    key *ki = NULL;
    size_t ni;
    keys_of(imp, &ki, &ni);
    bool *used = xn_xcalloc(ni ? ni : 1, sizeof *used);
    for (size_t i = 0; i < cur->n; i++) {
        const line *ln = &cur->v[i];
        const line *put = ln;
        if (ln->key) {
            key want = {ln->key, ln->key_n, 0};
            key *hit = bsearch(&want, ki, ni, sizeof *ki, cmp_key);
            if (hit) {
                put = &imp->v[hit->at];
                used[hit - ki] = true;
            }
        }
        xn_buf_append(out, put->s, put->n);
        xn_buf_append(out, "\n", 1);
    }
    for (size_t i = 0; i < imp->n; i++) {
        const line *ln = &imp->v[i];
        if (!ln->key)
            continue;
        key want = {ln->key, ln->key_n, 0};
        key *hit = bsearch(&want, ki, ni, sizeof *ki, cmp_key);
        if (hit && hit->at == i && !used[hit - ki]) {
            xn_buf_append(out, ln->s, ln->n);
            xn_buf_append(out, "\n", 1);
        }
    }
    free(used);
    free(ki);
}

/* The distinct categories of ls as a JSON array text (the lexicon's name for lines without). */
static char *categories_json(const char *name, const lines *ls)
{
    json_t *seen = json_object();
    for (size_t i = 0; i < ls->n; i++) {
        const line *ln = &ls->v[i];
        if (!ln->key)
            continue;
        const char *c = ln->key + ln->key_n, *end = ln->s + ln->n;
        char cat[TEXT_MAX_ENTRY_BYTES + 1];
        size_t cn = 0;
        if (c < end && *c == ',') {
            const char *s = c + 1;
            const char *comma = memchr(s, ',', (size_t)(end - s));
            cn = comma ? (size_t)(comma - s) : (size_t)(end - s);
            trim(&s, &cn);
            if (cn > TEXT_MAX_ENTRY_BYTES)
                cn = TEXT_MAX_ENTRY_BYTES;
            memcpy(cat, s, cn);
        }
        if (cn == 0) {
            cn = strlen(name);
            memcpy(cat, name, cn);
        }
        cat[cn] = '\0';
        json_object_set_new(seen, cat, json_true());
    }
    json_t *arr = json_array();
    const char *k;
    json_t *v;
    json_object_foreach(seen, k, v)
    {
        json_array_append_new(arr, json_string(k));
    }
    json_decref(seen);
    char *out = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    return out;
}

static void digest_text(crypto_alg alg, const char *s, size_t n, char out[80])
{
    uint8_t d[CRYPTO_HASH_BYTES];
    char hex[2 * CRYPTO_HASH_BYTES + 1];
    crypto_digest(alg, s, n, d);
    xn_hex(d, sizeof d, hex);
    snprintf(out, 80, "%s:%s", crypto_alg_id(alg), hex);
}

/* ---- import ------------------------------------------------------------------------------ */

typedef struct import_ctx {
    lexicon_live *l;
    const char *name;
    const char *text;
    size_t len;
    lexicon_mode mode;
    const audit_actor *actor;
    bool compile; /* build the new set (false while seeding: built once at the end) */
    /* results, refilled on each attempt */
    lexicon_result res;
    lexicon_refusal *bad; /* the bad lines of a refused text, or NULL */
    text_lexicon *built;
    char set_digest[33];
} import_ctx;

int lexicon_text_apply(const char *name, const char *current, size_t current_len, const char *text,
                       size_t len, lexicon_mode mode, crypto_alg alg, xn_buf *out,
                       char **categories, lexicon_result *res, lexicon_refusal *bad, xn_error *err)
{
    lines cur = {0}, imp = {0}, fin = {0};
    key *kc = NULL, *kf = NULL;
    size_t nc = 0, nf = 0;
    lexicon_refusal own;
    int rc = XN_OK;

    *categories = NULL;
    if (bad == NULL)
        bad = &own;
    bad->total = bad->n = 0;
    if (!lexicon_name_valid(name))
        return xn_fail_field(err, XN_EINVAL, "bad_name", "name",
                             "词库名称只能由小写字母、数字、下划线和连字符组成（至多 %d 个）",
                             LEXICON_MAX_NAME);
    if (len > LEXICON_MAX_IMPORT)
        return xn_fail_field(err, XN_ETOOBIG, "too_large", "body", "词库文本超过 %u 字节",
                             LEXICON_MAX_IMPORT);
    split_lines(text, len, &imp);
    if (imp.n > TEXT_MAX_ENTRIES)
        rc =
            xn_fail_field(err, XN_ETOOBIG, "too_large", "body", "词库超过 %d 行", TEXT_MAX_ENTRIES);
    else
        rc = validate(name, &imp, bad, err);
    if (rc != XN_OK)
        goto out;
    if (current)
        split_lines(current, current_len, &cur);
    if (mode == LEXICON_MERGE && current) {
        merge_text(&cur, &imp, out);
        if (out->len > LEXICON_MAX_IMPORT) {
            rc = xn_fail_field(err, XN_ETOOBIG, "too_large", "body", "合并后的词库超过 %u 字节",
                               LEXICON_MAX_IMPORT);
            goto out;
        }
    } else if (xn_buf_append(out, text, len) != XN_OK) {
        rc = xn_fail(err, XN_ENOMEM, "no_memory", "out of memory importing a lexicon");
        goto out;
    }
    split_lines(out->data ? out->data : "", out->len, &fin);
    keys_of(&cur, &kc, &nc);
    keys_of(&fin, &kf, &nf);
    res->entries = nf;
    res->added = missing(kc, nc, kf, nf);
    res->removed = missing(kf, nf, kc, nc);
    digest_text(alg, out->data ? out->data : "", out->len, res->digest);
    *categories = categories_json(name, &fin);
out:
    free(kc);
    free(kf);
    free(cur.v);
    free(imp.v);
    free(fin.v);
    return rc;
}

/* Appends the audit record of an action on lexicon `name` in tx, with `detail` (taken, may be
 * NULL when out of memory) as its JSON detail. */
static int record(lexicon_live *l, store_conn *tx, const audit_actor *actor, const char *action,
                  const char *name, json_t *detail, xn_error *err)
{
    char *text = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
    json_decref(detail);
    audit_event ev = {.action = action,
                      .actor = actor,
                      .object_type = "lexicon",
                      .object_id = name,
                      .result = AUDIT_OK,
                      .detail_json = text};
    int rc = audit_append(l->audit, tx, &ev, err);
    free(text);
    return rc;
}

static int import_tx(store_conn *tx, void *vctx, xn_error *err)
{
    import_ctx *c = vctx;
    sources all = {0};
    xn_buf result;
    const char *text;
    size_t len, nf;
    char *cats = NULL;
    source *old = NULL;
    store_stmt *st;
    int rc;

    xn_buf_init(&result, (size_t)LEXICON_MAX_IMPORT * 2 + 2);
    text_lexicon_free(c->built);
    c->built = NULL;
    rc = read_sources(tx, &all, err);
    if (rc != XN_OK)
        goto out;
    for (size_t i = 0; i < all.n; i++)
        if (strcmp(all.v[i].name, c->name) == 0)
            old = &all.v[i];
    rc = lexicon_text_apply(c->name, old ? old->text : NULL, old ? old->len : 0, c->text, c->len,
                            c->mode, c->l->alg, &result, &cats, &c->res, c->bad, err);
    if (rc != XN_OK)
        goto out;
    text = result.data ? result.data : "";
    len = result.len;
    nf = c->res.entries;

    /* The new set is compiled here, before the commit, so a text that passes validation but
     * cannot be compiled with the others (too large together) changes nothing. */
    if (c->compile) {
        if (old) {
            free(old->text);
            old->text = xn_xmalloc(len + 1);
            memcpy(old->text, text, len);
            old->text[len] = '\0';
            old->len = len;
        } else {
            sources_push(&all, c->name, text, len);
            qsort(all.v, all.n, sizeof *all.v, cmp_source);
        }
        sources_digest(c->l->alg, &all, c->set_digest);
        rc = compile(&all, &c->built, err);
        if (rc != XN_OK)
            goto out;
    }

    rc = store_prepare(tx,
                       "INSERT INTO lexicon (name, source, entries, categories, digest,"
                       " updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7)"
                       " ON CONFLICT (name) DO UPDATE SET source = excluded.source,"
                       " entries = excluded.entries, categories = excluded.categories,"
                       " digest = excluded.digest, updated_at = excluded.updated_at,"
                       " updated_by = excluded.updated_by",
                       &st, err);
    if (rc != XN_OK)
        goto out;
    store_bind_text(st, 1, c->name, -1);
    store_bind_text_ref(st, 2, text, len);
    store_bind_int(st, 3, (int64_t)nf);
    store_bind_text(st, 4, cats, -1);
    store_bind_text(st, 5, c->res.digest, -1);
    store_bind_int(st, 6, xn_now_us());
    store_bind_text(st, 7, c->actor->name, -1);
    rc = store_step(st, err);
    if (rc < 0)
        goto out;
    rc = record(c->l, tx, c->actor, "lexicon.import", c->name,
                json_pack("{s:s, s:I, s:I, s:I, s:I, s:s}", "mode",
                          c->mode == LEXICON_MERGE ? "merge" : "replace", "entries", (json_int_t)nf,
                          "added", (json_int_t)c->res.added, "removed", (json_int_t)c->res.removed,
                          "bytes", (json_int_t)len, "digest", c->res.digest),
                err);
out:
    if (rc != XN_OK) {
        text_lexicon_free(c->built);
        c->built = NULL;
    }
    free(cats);
    xn_buf_release(&result);
    sources_clear(&all);
    return rc;
}

/* The import itself, with l->admin held. */
static int import_locked(lexicon_live *l, import_ctx *c, xn_error *err)
{
    int rc;
    rc = store_tx(l->db, import_tx, c, err);
    if (rc != XN_OK || !c->compile)
        return rc;
    /* Committed: the image for the next start, then the new matcher for the next check. */
    image_store(l, c->built, c->set_digest);
    swap_in(l, set_new(l, c->built));
    c->built = NULL;
    return XN_OK;
}

int lexicon_import(lexicon_live *l, const char *name, const char *text, size_t len,
                   lexicon_mode mode, const audit_actor *actor, lexicon_result *res,
                   lexicon_refusal *bad, xn_error *err)
{
    import_ctx c = {.l = l,
                    .name = name,
                    .text = text ? text : "",
                    .len = text ? len : 0,
                    .mode = mode,
                    .actor = actor,
                    .compile = true,
                    .bad = bad};
    if (bad)
        bad->total = bad->n = 0;
    pthread_mutex_lock(&l->admin);
    int rc = import_locked(l, &c, err);
    pthread_mutex_unlock(&l->admin);
    if (rc == XN_OK && res)
        *res = c.res;
    return rc;
}

/* ---- export and list --------------------------------------------------------------------- */

typedef struct export_ctx {
    lexicon_live *l;
    const char *name;
    const audit_actor *actor;
    xn_buf *out;
    size_t start; /* out->len before the export, to undo a retried attempt */
} export_ctx;

static int export_tx(store_conn *tx, void *vctx, xn_error *err)
{
    export_ctx *c = vctx;
    store_stmt *st;
    char digest[80];
    c->out->len = c->start;
    int rc = store_prepare(tx, "SELECT source FROM lexicon WHERE name = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, c->name, -1);
    rc = store_step(st, err);
    if (rc < 0)
        return rc;
    if (rc != STORE_ROW)
        return xn_fail_field(err, XN_ENOTFOUND, "not_found", "name", "没有名为 %s 的词库", c->name);
    size_t n = store_col_bytes(st, 0);
    digest_text(c->l->alg, store_col_text(st, 0), n, digest);
    rc = xn_buf_append(c->out, store_col_text(st, 0), n);
    store_stmt_done(st);
    if (rc != XN_OK)
        return xn_fail(err, rc, "too_large", "词库过大，无法导出");
    return record(c->l, tx, c->actor, "lexicon.export", c->name,
                  json_pack("{s:I, s:s}", "bytes", (json_int_t)n, "digest", digest), err);
}

int lexicon_export(lexicon_live *l, const char *name, const audit_actor *actor, xn_buf *out,
                   xn_error *err)
{
    if (!lexicon_name_valid(name))
        return xn_fail_field(err, XN_ENOTFOUND, "not_found", "name", "没有这个词库");
    export_ctx c = {l, name, actor, out, out->len};
    return store_tx(l->db, export_tx, &c, err);
}

int lexicon_list_json(lexicon_live *l, json_t **out, xn_error *err)
{
    store_conn *c = NULL;
    store_stmt *st;
    json_t *items = json_array();
    int rc = store_acquire(l->db, &c, err);
    if (rc == XN_OK)
        rc = store_prepare(c,
                           "SELECT name, entries, categories, length(CAST(source AS BLOB)),"
                           " digest, updated_at, updated_by FROM lexicon ORDER BY name",
                           &st, err);
    while (rc == XN_OK) {
        rc = store_step(st, err);
        if (rc != STORE_ROW)
            break;
        rc = XN_OK;
        char when[XN_TIME_STR];
        json_t *cats = json_loads(store_col_text(st, 2), 0, NULL);
        xn_time_format(store_col_int(st, 5), when);
        json_array_append_new(
            items, json_pack("{s:s, s:I, s:o, s:I, s:s, s:I, s:s, s:s}", "name",
                             store_col_text(st, 0), "entries", (json_int_t)store_col_int(st, 1),
                             "categories", json_is_array(cats) ? cats : json_array(), "bytes",
                             (json_int_t)store_col_int(st, 3), "digest", store_col_text(st, 4),
                             "updated_at", (json_int_t)store_col_int(st, 5), "updated_at_text",
                             when, "updated_by", store_col_text(st, 6)));
        if (!json_is_array(cats))
            json_decref(cats);
    }
    if (c)
        store_release(c);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    *out = json_pack("{s:o}", "items", items);
    return XN_OK;
}

/* ---- opening: seed, image or compile ------------------------------------------------------ */

/* Reads a seed file of at most LEXICON_MAX_IMPORT bytes. */
static int read_file(const char *path, xn_buf *out, xn_error *err)
{
    char chunk[65536];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return xn_fail(err, XN_EIO, "lexicon_unreadable", "cannot open %s: %s", path,
                       strerror(errno));
    for (;;) {
        ssize_t r = read(fd, chunk, sizeof chunk);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0 || xn_buf_append(out, chunk, (size_t)r) != XN_OK) {
            int rc = r < 0   ? xn_fail(err, XN_EIO, "lexicon_unreadable", "cannot read %s", path)
                     : r > 0 ? xn_fail(err, XN_ETOOBIG, "too_large", "%s: larger than %u bytes",
                                       path, LEXICON_MAX_IMPORT)
                             : XN_OK;
            close(fd);
            return rc;
        }
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The regular files of path (itself when a file), sorted, dot files skipped. */
static int seed_files(const char *path, char ***out, size_t *n, xn_error *err)
{
    struct stat st;
    char **names = xn_xcalloc(MAX_SEED_FILES, sizeof *names);
    size_t k = 0;
    *out = names;
    *n = 0;
    if (stat(path, &st) < 0)
        return xn_fail(err, XN_ENOTFOUND, "lexicon_unreadable", "cannot open %s: %s", path,
                       strerror(errno));
    if (!S_ISDIR(st.st_mode)) {
        names[k++] = xn_xstrdup(path);
        *n = k;
        return XN_OK;
    }
    DIR *dir = opendir(path);
    if (dir == NULL)
        return xn_fail(err, XN_EIO, "lexicon_unreadable", "cannot open %s: %s", path,
                       strerror(errno));
    int rc = XN_OK;
    for (struct dirent *d = readdir(dir); d != NULL; d = readdir(dir)) {
        char full[1024];
        struct stat fst;
        if (d->d_name[0] == '.')
            continue;
        if (snprintf(full, sizeof full, "%s/%s", path, d->d_name) >= (int)sizeof full ||
            stat(full, &fst) < 0 || !S_ISREG(fst.st_mode))
            continue;
        if (k == MAX_SEED_FILES) {
            rc = xn_fail(err, XN_ETOOBIG, "too_many_lexicons", "%s holds too many files", path);
            break;
        }
        names[k++] = xn_xstrdup(full);
    }
    closedir(dir);
    qsort(names, k, sizeof *names, cmp_str);
    *n = k;
    return rc;
}

/* The lexicon name of a seed file: its base name up to the first dot. */
static void seed_name(const char *path, char out[LEXICON_MAX_NAME + 1])
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strcspn(base, ".");
    if (n > LEXICON_MAX_NAME)
        n = LEXICON_MAX_NAME;
    memcpy(out, base, n);
    out[n] = '\0';
}

/* Imports one seed text as lexicon `name` as the system; a bad text is named by `what`. */
static int seed_text(lexicon_live *l, const char *what, const char *name, const char *text,
                     size_t len, xn_error *err)
{
    static const audit_actor system = {.kind = "system", .id = 0, .name = "xinan"};
    import_ctx c = {.l = l,
                    .name = name,
                    .text = text,
                    .len = len,
                    .mode = LEXICON_REPLACE,
                    .actor = &system,
                    .compile = false};
    int rc = import_locked(l, &c, err);
    if (rc != XN_OK) {
        char why[sizeof err->message];
        memcpy(why, err->message, sizeof why);
        xn_fail(err, rc, "bad_lexicon", "%.200s: %.200s", what, why);
    }
    return rc;
}

/*
 * Loads the compiled files of the seed path as fixed lexicons and, when the database holds no
 * lexicon yet, imports its text files as the system.
 */
static int seed(lexicon_live *l, const char *path, bool empty, xn_error *err)
{
    char **files = NULL;
    size_t n = 0;
    int rc = seed_files(path, &files, &n, err);
    for (size_t i = 0; i < n && rc == XN_OK; i++) {
        if (text_file_is_compiled(files[i])) {
            text_lexicon *lex = NULL;
            if (l->nfixed == LEXICON_MAX_FIXED) {
                rc = xn_fail(err, XN_ETOOBIG, "too_many_lexicons", "more than %d compiled lexicons",
                             LEXICON_MAX_FIXED);
                break;
            }
            rc = text_lexicon_load(files[i], &lex, err);
            if (rc == XN_OK && !text_lexicon_folded(lex)) {
                text_lexicon_free(lex);
                rc =
                    xn_fail(err, XN_EINVAL, "fold_mismatch",
                            "%s was compiled without folding; recompile it with folding", files[i]);
            }
            if (rc == XN_OK)
                l->fixed[l->nfixed++] = lex;
            continue;
        }
        if (!empty)
            continue;
        char name[LEXICON_MAX_NAME + 1];
        xn_buf data;
        xn_buf_init(&data, LEXICON_MAX_IMPORT);
        seed_name(files[i], name);
        rc = read_file(files[i], &data, err);
        if (rc == XN_OK)
            rc = seed_text(l, files[i], name, data.data ? data.data : "", data.len, err);
        xn_buf_release(&data);
    }
    for (size_t i = 0; i < n; i++)
        free(files[i]);
    free(files);
    return rc;
}

int lexicon_live_open(lexicon_live **out, const lexicon_options *opt, xn_error *err)
{
    lexicon_live *l = xn_xcalloc(1, sizeof *l);
    sources all = {0};
    store_conn *c = NULL;
    text_lexicon *built = NULL;
    char digest[33];
    int64_t count = 0;
    int rc;

    l->db = opt->db;
    l->audit = opt->audit;
    l->log = opt->log;
    l->alg = opt->alg;
    xn_strlcpy(l->image_dir, opt->image_dir && *opt->image_dir ? opt->image_dir : ".",
               sizeof l->image_dir);
    pthread_mutex_init(&l->lock, NULL);
    pthread_mutex_init(&l->admin, NULL);

    rc = store_acquire(l->db, &c, err);
    if (rc == XN_OK)
        rc = store_query_int(c, "SELECT count(*) FROM lexicon", &count, err);
    if (c)
        store_release(c);
    c = NULL;
    l->seeded_from = LEXICON_SEED_NONE;
    if (rc == XN_OK && opt->seed_path && *opt->seed_path) {
        rc = seed(l, opt->seed_path, count == 0, err);
        if (rc == XN_OK)
            l->seeded_from = LEXICON_SEED_PATH;
        if (rc == XN_ENOTFOUND && opt->builtin) {
            /* The default path is relative to the working directory: started elsewhere, the
             * shipped lexicons built into the binary stand in for it. */
            l->seeded_from = LEXICON_SEED_BUILTIN;
            rc = XN_OK;
            for (const lexicon_builtin *b = opt->builtin; rc == XN_OK && count == 0 && b->name; b++)
                rc = seed_text(l, b->name, b->name, b->text, b->len, err);
            xn_log_event(l->log, XN_LOG_INFO, "text.builtin_lexicons", "path", opt->seed_path,
                         "effect",
                         count ? "none: the lexicons are in the database"
                               : "the shipped lexicons built into xinan are imported",
                         XN_LOG_END);
        } else if (rc == XN_ENOTFOUND) {
            xn_log_event(l->log, XN_LOG_WARN, "text.no_lexicons", "path", opt->seed_path, "effect",
                         count ? "none: the lexicons are in the database"
                               : "content checks find personal data only",
                         XN_LOG_END);
            rc = XN_OK;
        }
    }
    if (rc == XN_OK)
        rc = store_acquire(l->db, &c, err);
    if (rc == XN_OK)
        rc = read_sources(c, &all, err);
    if (c)
        store_release(c);
    if (rc != XN_OK)
        goto fail;

    /* The cached image when it matches the database, else a compile (and a new image). */
    sources_digest(l->alg, &all, digest);
    image_path(l, digest, l->image_path, sizeof l->image_path);
    if (all.n > 0 && text_lexicon_load(l->image_path, &built, err) == XN_OK) {
        xn_log_event(l->log, XN_LOG_DEBUG, "text.image_loaded", "path", l->image_path, XN_LOG_END);
    } else {
        l->image_path[0] = '\0';
        rc = compile(&all, &built, err);
        if (rc != XN_OK)
            goto fail;
        image_store(l, built, digest);
    }
    l->current = set_new(l, built);
    char entries[24], lexicons[24];
    snprintf(entries, sizeof entries, "%zu", lexicon_set_entries(l->current));
    snprintf(lexicons, sizeof lexicons, "%zu", all.n + l->nfixed);
    xn_log_event(l->log, XN_LOG_INFO, "text.lexicons", "lexicons", lexicons, "entries", entries,
                 XN_LOG_END);
    sources_clear(&all);
    *out = l;
    return XN_OK;
fail:
    sources_clear(&all);
    lexicon_live_free(l);
    return rc;
}

void lexicon_live_status(lexicon_live *l, lexicon_status *out)
{
    lexicon_set *s = lexicon_acquire(l);
    size_t n = 0;
    lexicon_set_lexicons(s, &n);
    out->lexicons = n;
    out->entries = lexicon_set_entries(s);
    lexicon_release(s);
    out->seeded_from = l->seeded_from;
}

void lexicon_live_free(lexicon_live *l)
{
    if (!l)
        return;
    lexicon_release(l->current);
    for (size_t i = 0; i < l->nfixed; i++)
        text_lexicon_free(l->fixed[i]);
    pthread_mutex_destroy(&l->lock);
    pthread_mutex_destroy(&l->admin);
    free(l);
}
