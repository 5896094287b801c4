/*
 * Lexicon sets: what the CLI and the server load from files and directories. Text sources go
 * into one builder (so a whitelist suppresses across them); compiled files are loaded as they
 * are. Also the one JSON shape of a hit, shared by `xinan text check` and the API.
 */
#include "text/text.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_LEXICONS  64
#define MAX_DIR_FILES 4096

struct text_lexset {
    text_builder *builder;
    text_lexicon *lex[MAX_LEXICONS]; /* owned */
    size_t n;
    bool fold;
};

text_lexset *text_lexset_new(bool fold)
{
    text_lexset *ls = xn_xcalloc(1, sizeof *ls);
    ls->fold = fold;
    ls->builder = text_builder_new(fold);
    return ls;
}

void text_lexset_free(text_lexset *ls)
{
    if (!ls)
        return;
    for (size_t i = 0; i < ls->n; i++)
        text_lexicon_free(ls->lex[i]);
    text_builder_free(ls->builder);
    free(ls);
}

static int push(text_lexset *ls, text_lexicon *lex, xn_error *err)
{
    if (ls->n >= MAX_LEXICONS) {
        text_lexicon_free(lex);
        return xn_fail(err, XN_ETOOBIG, "too_many_lexicons", "more than %d lexicons", MAX_LEXICONS);
    }
    ls->lex[ls->n++] = lex;
    return XN_OK;
}

static int add_file(text_lexset *ls, const char *path, bool allow_compiled, xn_error *err)
{
    if (!text_file_is_compiled(path))
        return text_builder_add_file(ls->builder, path, err);
    if (!allow_compiled)
        return xn_fail(err, XN_EINVAL, "bad_lexicon",
                       "%s is already compiled; give its text source", path);
    text_lexicon *lex = NULL;
    int rc = text_lexicon_load(path, &lex, err);
    if (rc < 0)
        return rc;
    if (text_lexicon_folded(lex) != ls->fold) {
        text_lexicon_free(lex);
        return xn_fail(err, XN_EINVAL, "fold_mismatch",
                       "%s was compiled %s folding; recompile it %s --no-fold", path,
                       ls->fold ? "without" : "with", ls->fold ? "without" : "with");
    }
    return push(ls, lex, err);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int text_lexset_add_path(text_lexset *ls, const char *path, bool allow_compiled, xn_error *err)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return xn_fail(err, XN_ENOTFOUND, "lexicon_unreadable", "cannot open %s: %s", path,
                       strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return add_file(ls, path, allow_compiled, err);
    DIR *dir = opendir(path);
    if (dir == NULL)
        return xn_fail(err, XN_EIO, "lexicon_unreadable", "cannot open %s: %s", path,
                       strerror(errno));
    char **names = xn_xcalloc(MAX_DIR_FILES, sizeof *names);
    size_t n = 0;
    int rc = 0;
    for (struct dirent *d = readdir(dir); d != NULL; d = readdir(dir)) {
        struct stat fst;
        char full[4096];
        if (d->d_name[0] == '.')
            continue;
        if (snprintf(full, sizeof full, "%s/%s", path, d->d_name) >= (int)sizeof full)
            continue;
        if (stat(full, &fst) < 0 || !S_ISREG(fst.st_mode))
            continue;
        if (n == MAX_DIR_FILES) {
            rc = xn_fail(err, XN_ETOOBIG, "too_many_lexicons", "%s holds too many files", path);
            goto out;
        }
        names[n++] = xn_xstrdup(full);
    }
    qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = add_file(ls, names[i], allow_compiled, err);
out:
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    closedir(dir);
    return rc;
}

text_builder *text_lexset_builder(text_lexset *ls)
{
    return ls->builder;
}

int text_lexset_build(text_lexset *ls, xn_error *err)
{
    if (text_builder_count(ls->builder) == 0)
        return XN_OK;
    text_lexicon *lex = NULL;
    int rc = text_builder_build(ls->builder, &lex, err);
    if (rc < 0)
        return rc;
    return push(ls, lex, err);
}

const text_lexicon *const *text_lexset_lexicons(const text_lexset *ls, size_t *n)
{
    *n = ls->n;
    return (const text_lexicon *const *)ls->lex;
}

/* The matched text as JSON: invalid UTF-8 in the checked text becomes U+FFFD. */
static json_t *clean_string(const char *s, size_t n)
{
    xn_buf b;
    xn_buf_init(&b, (size_t)TEXT_MAX_SOURCE);
    json_t *v = NULL;
    if (text_utf8_clean(s, n, &b) == XN_OK)
        v = json_stringn(b.data ? b.data : "", b.len);
    xn_buf_release(&b);
    return v ? v : json_string("");
}

static json_t *hit_object(size_t start, size_t end, json_t *text, json_t *entry,
                          const char *lexicon, const char *category, int severity,
                          const char *suggest)
{
    json_t *o = json_object();
    json_object_set_new(o, "start", json_integer((json_int_t)start));
    json_object_set_new(o, "end", json_integer((json_int_t)end));
    json_object_set_new(o, "text", text);
    json_object_set_new(o, "entry", entry);
    json_object_set_new(o, "lexicon", json_string(lexicon));
    json_object_set_new(o, "category", json_string(category));
    json_object_set_new(o, "severity", json_string(text_severity_name(severity)));
    json_object_set_new(o, "suggest", suggest ? json_string(suggest) : json_null());
    return o;
}

json_t *text_hit_json(const text_hit *h, const char *text)
{
    return hit_object(h->start, h->end, clean_string(text + h->start, h->end - h->start),
                      json_string(h->entry), h->lexicon, h->category, h->severity, h->suggest);
}

json_t *text_pii_hit_json(const text_pii_hit *h)
{
    /* PUB-9: the number itself is never repeated, only its masked form. */
    return hit_object(h->start, h->end, json_string(h->masked), json_null(), "pii",
                      text_pii_kind_name(h->kind), text_pii_severity(h->kind), NULL);
}
