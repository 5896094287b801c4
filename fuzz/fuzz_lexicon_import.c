/*
 * Fuzzes a lexicon import's text handling (validation by line, merge, counts): the input is
 * split at its first 0xFF byte into the current text (used only when it is itself a valid
 * lexicon, as a stored one always is) and the imported one. Whatever comes in,
 * an accepted import gives a text that is accepted again as it is, with the same entries, and
 * whose compiled form builds; a refused one leaves out empty, and one refused for its lines
 * lists them in order, each with a known code and its Chinese reason.
 */
#include "lexicon/lexicon.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const uint8_t *cut = memchr(data, 0xFF, size);
    size_t cur_len = cut ? (size_t)(cut - data) : 0;
    const char *imp = cut ? text + cur_len + 1 : text;
    size_t imp_len = cut ? size - cur_len - 1 : size;
    xn_error err;
    xn_buf current;
    char *cur_cats = NULL;
    lexicon_result cur_res;
    xn_buf_init(&current, 0);
    if (cut && lexicon_text_apply("fuzz", NULL, 0, text, cur_len, LEXICON_REPLACE, CRYPTO_B2,
                                  &current, &cur_cats, &cur_res, NULL, &err) != XN_OK)
        cut = NULL;
    free(cur_cats);

    for (int mode = 0; mode < 2; mode++) {
        xn_buf out, again;
        char *cats = NULL, *cats2 = NULL;
        lexicon_result res, res2;
        lexicon_refusal bad;
        xn_buf_init(&out, 0);
        xn_buf_init(&again, 0);
        int rc = lexicon_text_apply(
            "fuzz", cut ? (current.data ? current.data : "") : NULL, current.len, imp, imp_len,
            mode ? LEXICON_MERGE : LEXICON_REPLACE, CRYPTO_B2, &out, &cats, &res, &bad, &err);
        if ((rc == XN_EINVAL && strcmp(err.code, "bad_lexicon") == 0) != (bad.total > 0) ||
            bad.n > bad.total || bad.n > LEXICON_MAX_ERRORS ||
            (bad.total > 0 &&
             bad.n != (bad.total < LEXICON_MAX_ERRORS ? bad.total : LEXICON_MAX_ERRORS)))
            abort();
        for (size_t i = 0; i < bad.n; i++)
            if (bad.lines[i].line == 0 || (i > 0 && bad.lines[i].line <= bad.lines[i - 1].line) ||
                lexicon_reason(bad.lines[i].code) == NULL ||
                strcmp(lexicon_reason(bad.lines[i].code), bad.lines[i].reason) != 0)
                abort();
        if (rc == XN_OK) {
            json_t *j = json_loads(cats, 0, NULL);
            if (!json_is_array(j))
                abort();
            json_decref(j);
            if (lexicon_text_apply("fuzz", NULL, 0, out.data ? out.data : "", out.len,
                                   LEXICON_REPLACE, CRYPTO_B2, &again, &cats2, &res2, NULL,
                                   &err) != XN_OK ||
                res2.entries != res.entries || strcmp(res2.digest, res.digest) != 0)
                abort();
            text_builder *b = text_builder_new(true);
            text_lexicon *lex = NULL;
            if (text_builder_add_text(b, "fuzz", out.data ? out.data : "", out.len, &err) != 0)
                abort();
            if (text_builder_count(b) > 0 && text_builder_build(b, &lex, &err) != 0)
                abort();
            text_lexicon_free(lex);
            text_builder_free(b);
        } else if (out.len != 0 || cats != NULL) {
            abort();
        }
        free(cats);
        free(cats2);
        xn_buf_release(&out);
        xn_buf_release(&again);
    }
    xn_buf_release(&current);
    return 0;
}
