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

static text_lexicon *make(bool fold, bool white)
{
    static const char lex[] = "法轮功,cult,high\n中华人名共和国,wording,high,中华人民共和国\n"
                              "人民\n人民共和国\n共和\nabc\nfi\n平成\n国家\n分裂国家\nａ①\n"
                              "国\nss\n𠀀法\n";
    static const char white_line[] = "反分裂国家法,whitelist\n";
    xn_error err;
    text_builder *b = text_builder_new(fold);
    text_lexicon *l = NULL;
    if (text_builder_add_text(b, "fuzz", lex, sizeof lex - 1, &err) < 0 ||
        (white && text_builder_add_text(b, "fuzz", white_line, sizeof white_line - 1, &err) < 0) ||
        text_builder_build(b, &l, &err) < 0)
        abort();
    text_builder_free(b);
    return l;
}

/* The fixture: built once per process, read-only afterwards. The lexicons without a
 * whitelist are counted by start, the others by the full check. */
typedef struct fixture {
    text_lexicon *folded, *raw, *plain, *plain_raw;
} fixture;

static const fixture *get_fixture(void)
{
    static fixture fx;
    if (fx.folded == NULL) {
        fx.folded = make(true, true);
        fx.raw = make(false, true);
        fx.plain = make(true, false);
        fx.plain_raw = make(false, false);
    }
    return &fx;
}

/* Count and full check agree on lex. */
static void count_matches_check(const text_lexicon *lex, const char *text, size_t size)
{
    const text_lexicon *set[1] = {lex};
    text_check_opts all = {.mode = TEXT_MODE_ALL};
    probe p = {size, 0};
    uint64_t counted = 0;
    xn_error err;
    text_check(set, 1, text, size, &all, on_hit, &p, &err);
    text_count(set, 1, text, size, TEXT_MODE_ALL, &counted, &err);
    if (counted != p.n)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const fixture *fx = get_fixture();
    const text_lexicon *both[2] = {fx->folded, fx->folded};
    text_check_opts longest = {.mode = TEXT_MODE_LONGEST};
    const char *text = (const char *)data;
    probe p = {size, 0};
    xn_error err;

    count_matches_check(fx->folded, text, size);
    count_matches_check(fx->raw, text, size);
    count_matches_check(fx->plain, text, size);
    count_matches_check(fx->plain_raw, text, size);
    text_check(both, 2, text, size, &longest, on_hit, &p, &err);
    text_pii_scan(text, size, on_pii, &p);

    xn_buf b;
    xn_buf_init(&b, size * 12 + 16);
    text_fold_utf8(text, size, &b);
    xn_buf_reset(&b);
    text_utf8_clean(text, size, &b);
    xn_buf_release(&b);
    return 0;
}
