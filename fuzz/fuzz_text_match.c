/*
 * Fuzzes the normaliser and matcher (and the personal-data detectors) with arbitrary text:
 * every hit must lie inside the input, and count and check must agree.
 */
#include "text/text.h"

#include <stdlib.h>
#include <string.h>

typedef struct probe {
    size_t len;
    uint64_t n;
} probe;

static int on_hit(void *ctx, const text_hit *h)
{
    probe *p = ctx;
    if (h->start > h->end || h->end > p->len || h->entry == NULL)
        abort();
    p->n++;
    return 0;
}

static int on_pii(void *ctx, const text_pii_hit *h)
{
    const probe *p = ctx;
    if (h->start >= h->end || h->end > p->len || strlen(h->masked) >= TEXT_PII_MASK_MAX)
        abort();
    return 0;
}

static text_lexicon *make(bool fold)
{
    static const char lex[] = "法轮功,cult,high\n中华人名共和国,wording,high,中华人民共和国\n"
                              "人民\n人民共和国\n共和\nabc\nfi\n平成\n国家\n"
                              "反分裂国家法,whitelist\n分裂国家\nａ①\n";
    xn_error err;
    text_builder *b = text_builder_new(fold);
    text_lexicon *l = NULL;
    if (text_builder_add_text(b, "fuzz", lex, sizeof lex - 1, &err) < 0 ||
        text_builder_build(b, &l, &err) < 0)
        abort();
    text_builder_free(b);
    return l;
}

/* The fixture: built once per process, read-only afterwards. */
typedef struct fixture {
    text_lexicon *folded, *raw;
} fixture;

static const fixture *get_fixture(void)
{
    static fixture fx;
    if (fx.folded == NULL) {
        fx.folded = make(true);
        fx.raw = make(false);
    }
    return &fx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    xn_error err;
    const text_lexicon *folded = get_fixture()->folded, *raw = get_fixture()->raw;
    const text_lexicon *one[1] = {folded}, *both[2] = {folded, folded};
    const text_lexicon *rawset[1] = {raw};
    text_check_opts all = {.mode = TEXT_MODE_ALL}, longest = {.mode = TEXT_MODE_LONGEST};
    const char *text = (const char *)data;
    probe p = {size, 0};
    uint64_t counted = 0;

    text_check(one, 1, text, size, &all, on_hit, &p, &err);
    text_count(one, 1, text, size, TEXT_MODE_ALL, &counted, &err);
    if (counted != p.n)
        abort();
    p.n = 0;
    text_check(both, 2, text, size, &longest, on_hit, &p, &err);
    text_check(rawset, 1, text, size, &all, on_hit, &p, &err);
    text_count(rawset, 1, text, size, TEXT_MODE_ALL, &counted, &err);
    text_pii_scan(text, size, on_pii, &p);

    xn_buf b;
    xn_buf_init(&b, size * 12 + 16);
    text_fold_utf8(text, size, &b);
    xn_buf_reset(&b);
    text_utf8_clean(text, size, &b);
    xn_buf_release(&b);
    return 0;
}
