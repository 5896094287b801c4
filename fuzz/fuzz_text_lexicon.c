/*
 * Fuzzes the lexicon text parser and the builder: any bytes either fail with an error or build
 * a lexicon whose image validates and matches its own source without going out of bounds.
 */
#include "text/text.h"

#include <stdlib.h>

static int on_hit(void *ctx, const text_hit *h)
{
    if (h->end > *(const size_t *)ctx || h->start > h->end)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    xn_error err;
    for (int fold = 0; fold < 2; fold++) {
        text_builder *b = text_builder_new(fold == 1);
        text_lexicon *lex = NULL, *again = NULL;
        if (text_builder_add_text(b, "fuzz", (const char *)data, size, &err) == 0 &&
            text_builder_count(b) > 0 && text_builder_build(b, &lex, &err) == 0) {
            size_t len;
            const void *img = text_lexicon_image(lex, &len);
            if (text_lexicon_from_image(img, len, true, &again, &err) != 0)
                abort();
            const text_lexicon *set[1] = {lex};
            text_check_opts o = {.mode = fold ? TEXT_MODE_LONGEST : TEXT_MODE_ALL};
            text_check(set, 1, (const char *)data, size, &o, on_hit, &size, &err);
            text_lexicon_free(again);
            text_lexicon_free(lex);
        }
        text_builder_free(b);
    }
    return 0;
}
