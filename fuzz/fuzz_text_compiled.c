/*
 * Fuzzes the compiled-lexicon reader. The first byte picks the form of the input:
 *  0: the rest is an image, checksum fixed up so that the structural checks are exercised;
 *  1: the rest is a list of 5-byte patches (offset, value) applied to a valid image built here,
 *     so that deep fields of a full-size image are reached however long inputs may be.
 * An image that passes validation is used to match text, which must stay in bounds. A
 * rejected image is fine; a crash is not.
 */
#include "text/text.h"

#include <stdlib.h>
#include <string.h>

static int on_hit(void *ctx, const text_hit *h)
{
    if (h->end > *(const size_t *)ctx || h->start > h->end || strlen(h->entry) > (1u << 20))
        abort();
    return 0;
}

static void *built_image(size_t *len)
{
    static const char lex[] = "法轮功\n法轮\n轮功\n中华人名共和国,wording,high,中华人民共和国\n"
                              "人民\n人民共和国\nabc\nbc\nbcd\n反分裂国家法,whitelist\n分裂国家\n";
    xn_error err;
    text_builder *b = text_builder_new(false);
    text_lexicon *l = NULL;
    void *copy = NULL;
    if (text_builder_add_text(b, "fuzz", lex, sizeof lex - 1, &err) == 0 &&
        text_builder_build(b, &l, &err) == 0) {
        const void *img = text_lexicon_image(l, len);
        copy = malloc(*len);
        memcpy(copy, img, *len);
    }
    text_lexicon_free(l);
    text_builder_free(b);
    return copy;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char text[] =
        "法 輪-功，中华人名共和国，人民共和国 abc ㍻ ﬁ 反分裂国家法 \xFF\xE6\xB3";
    size_t tlen = sizeof text - 1, len = 0;
    xn_error err;
    text_lexicon *lex = NULL;
    uint64_t n;
    unsigned char *img = NULL;

    if (size < 1)
        return 0;
    if (data[0] == 0) {
        len = size - 1;
        img = malloc(len / 8 * 8 + 8); /* aligned: images are mapped or malloc'd */
        memcpy(img, data + 1, len);
    } else {
        img = built_image(&len);
        if (img == NULL)
            abort();
        for (size_t i = 1; i + 5 <= size; i += 5) {
            uint32_t off;
            memcpy(&off, data + i, 4);
            img[off % len] = data[i + 4];
        }
    }
    text_image_fix_hash(img, len);
    if (text_lexicon_from_image(img, len, true, &lex, &err) == 0) {
        const text_lexicon *set[1] = {lex};
        text_check_opts all = {.mode = TEXT_MODE_ALL}, longest = {.mode = TEXT_MODE_LONGEST};
        text_check(set, 1, text, tlen, &all, on_hit, &tlen, &err);
        text_check(set, 1, text, tlen, &longest, on_hit, &tlen, &err);
        text_count(set, 1, text, tlen, TEXT_MODE_ALL, &n, &err);
        text_lexicon_free(lex);
    }
    free(img);
    return 0;
}
