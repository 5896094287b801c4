/*
 * The per-code-point fold: Unicode NFKC + case folding + marks stripped (utf8proc), then
 * traditional -> simplified (OpenCC's single-character table, see ts_map.h), then noise removal.
 *
 * The fold works on single code points because it is compiled into a table (code point ->
 * class) that the matcher applies in the same pass as matching. Stripping marks makes a
 * combining sequence and its precomposed form fold alike, which per-code-point composition
 * could not do; it also removes combining marks used to split a word.
 */
#include "text/text_int.h"
#include "text/ts_map.h"

#include <utf8proc.h>

const char *text_severity_name(int severity)
{
    switch (severity) {
    case TEXT_SEV_LOW:
        return "low";
    case TEXT_SEV_HIGH:
        return "high";
    default:
        return "medium";
    }
}

/* Noise: separators, punctuation, symbols, controls, format characters and marks. */
static bool is_noise(uint32_t cp)
{
    switch (utf8proc_get_property((utf8proc_int32_t)cp)->category) {
    case UTF8PROC_CATEGORY_ZS:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
    case UTF8PROC_CATEGORY_CC:
    case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_CS:
    case UTF8PROC_CATEGORY_PC:
    case UTF8PROC_CATEGORY_PD:
    case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE:
    case UTF8PROC_CATEGORY_PI:
    case UTF8PROC_CATEGORY_PF:
    case UTF8PROC_CATEGORY_PO:
    case UTF8PROC_CATEGORY_SM:
    case UTF8PROC_CATEGORY_SC:
    case UTF8PROC_CATEGORY_SK:
    case UTF8PROC_CATEGORY_SO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
        return true;
    default:
        return false;
    }
}

static uint32_t ts_lookup(uint32_t cp)
{
    size_t lo = 0, hi = sizeof text_ts_map / sizeof text_ts_map[0];
    if (cp < text_ts_map[0][0])
        return cp;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (text_ts_map[mid][0] == cp)
            return text_ts_map[mid][1];
        if (text_ts_map[mid][0] < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return cp;
}

int text_fold_cp(uint32_t cp, uint32_t *out, int max)
{
    utf8proc_int32_t buf[32];
    utf8proc_ssize_t n;
    const utf8proc_property_t *p;
    int k = 0;

    if (cp > MAX_CP)
        cp = 0xFFFD;
    p = utf8proc_get_property((utf8proc_int32_t)cp);
    if (p->decomp_seqindex == UINT16_MAX && p->casefold_seqindex == UINT16_MAX) {
        /* The common case: no compatibility or case mapping. */
        buf[0] = (utf8proc_int32_t)cp;
        n = 1;
    } else {
        int boundclass = UTF8PROC_BOUNDCLASS_START;
        n = utf8proc_decompose_char((utf8proc_int32_t)cp, buf, 32,
                                    UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD |
                                        UTF8PROC_STRIPMARK,
                                    &boundclass);
        if (n < 0 || n > 32) {
            buf[0] = (utf8proc_int32_t)cp;
            n = 1;
        } else if (n > 1) {
            n = utf8proc_normalize_utf32(buf, n, UTF8PROC_COMPOSE | UTF8PROC_STABLE);
            if (n < 0) {
                buf[0] = (utf8proc_int32_t)cp;
                n = 1;
            }
        }
    }
    for (utf8proc_ssize_t i = 0; i < n; i++) {
        uint32_t c = ts_lookup((uint32_t)buf[i]);
        if (is_noise(c))
            continue;
        if (k < max)
            out[k] = c;
        k++;
    }
    return k < max ? k : max;
}

void text_fold_page(uint32_t page, uint32_t out[256])
{
    const size_t nts = sizeof text_ts_map / sizeof text_ts_map[0];
    size_t lo = 0, hi = nts;
    uint32_t first = page << 8;
    /* One search for the page, then a cursor: the table is sorted. */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (text_ts_map[mid][0] < first)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t cp = first | i, f[EXP_MAX];
        const utf8proc_property_t *p = utf8proc_get_property((utf8proc_int32_t)cp);
        if (p->decomp_seqindex == UINT16_MAX && p->casefold_seqindex == UINT16_MAX) {
            uint32_t c = cp;
            while (lo < nts && text_ts_map[lo][0] < cp)
                lo++;
            if (lo < nts && text_ts_map[lo][0] == cp)
                c = text_ts_map[lo][1];
            out[i] = is_noise(c) ? FOLD_SKIP : c;
            continue;
        }
        int k = text_fold_cp(cp, f, EXP_MAX);
        out[i] = k == 0 ? FOLD_SKIP : k == 1 ? f[0] : FOLD_MULTI;
    }
}

size_t text_utf8_put(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

int text_fold_utf8(const char *s, size_t n, xn_buf *out)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        size_t adv;
        uint32_t f[EXP_MAX];
        int k = text_fold_cp(text_utf8_next(p, end, &adv), f, EXP_MAX);
        for (int i = 0; i < k; i++) {
            char enc[4];
            int rc = xn_buf_append(out, enc, text_utf8_put(f[i], enc));
            if (rc < 0)
                return rc;
        }
        p += adv;
    }
    return 0;
}

int text_utf8_clean(const char *s, size_t n, xn_buf *out)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        size_t adv;
        uint32_t cp = text_utf8_next(p, end, &adv);
        int rc;
        if (cp == 0xFFFD && adv == 1)
            rc = xn_buf_append(out, "\xEF\xBF\xBD", 3);
        else
            rc = xn_buf_append(out, p, adv);
        if (rc < 0)
            return rc;
        p += adv;
    }
    return 0;
}
