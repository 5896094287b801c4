/*
 * Personal-data detectors (PUB-9): resident ID numbers (GB 11643 check digit, valid region and
 * birth date), old 15-digit IDs, mobile and landline numbers, bank cards (Luhn), e-mail
 * addresses, unified social credit codes (GB 32100 check character) and passport numbers.
 *
 * One left-to-right pass over the bytes. A candidate is a run of ASCII letters and digits that
 * does not touch another letter or digit (nor a decimal point between digits) on either side;
 * grouped forms (138-1234-5678, 6222 0212 3456 7890, 010-12345678) are joined first. Each
 * candidate is tried against the kinds in order of specificity; a number that fails its check
 * is not reported as that kind. Masked forms keep the head and tail only.
 *
 * People type numbers with full-width digits and letters (１１０１０５…, ＩＤ), an ideographic
 * space or a full-width hyphen between groups, or a mix of these with ASCII. When the text
 * holds any such character the scan runs over an ASCII view of it: each full-width form
 * digit, letter or ( ) + - @ _ (in U+FF01-U+FF5E), U+3000 and the dashes U+2010-U+2015, U+2212
 * become their one-byte ASCII counterpart; everything else, the full-width comma included (it
 * ends a number in Chinese text), is copied as it is. A list of shift points (one per replaced
 * character) maps the view's offsets back to the original bytes, so hits still point into the
 * caller's text while their masked forms are plain ASCII.
 */
#include "text/text_int.h"

#include <stdlib.h>
#include <string.h>

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alnum(unsigned char c)
{
    return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_digit((unsigned char)s[i]))
            return false;
    return true;
}

static int num(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

const char *text_pii_kind_name(text_pii_kind kind)
{
    static const char *const names[] = {"id_card",   "id_card15", "mobile", "landline",
                                        "bank_card", "email",     "uscc",   "passport"};
    return (unsigned)kind < sizeof names / sizeof names[0] ? names[kind] : "pii";
}

int text_pii_severity(text_pii_kind kind)
{
    switch (kind) {
    case TEXT_PII_ID_CARD:
    case TEXT_PII_ID_CARD15:
    case TEXT_PII_BANK_CARD:
    case TEXT_PII_PASSPORT:
        return TEXT_SEV_HIGH;
    case TEXT_PII_USCC:
        return TEXT_SEV_LOW;
    default:
        return TEXT_SEV_MEDIUM;
    }
}

/* Province-level region codes of GB/T 2260 (plus 81-83 for residence permits). */
static bool region_ok(const char *s)
{
    int r = num(s, 2);
    return (r >= 11 && r <= 15) || (r >= 21 && r <= 23) || (r >= 31 && r <= 37) ||
           (r >= 41 && r <= 46) || (r >= 50 && r <= 54) || (r >= 61 && r <= 65) || r == 71 ||
           (r >= 81 && r <= 83);
}

static bool date_ok(int y, int m, int d)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int max;
    if (y < 1900 || y > 2099 || m < 1 || m > 12 || d < 1)
        return false;
    max = days[m - 1];
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        max = 29;
    return d <= max;
}

bool text_id18_valid(const char *s, size_t n)
{
    static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    static const char check[] = "10X98765432";
    int sum = 0;
    char last;
    if (n != 18 || !all_digits(s, 17))
        return false;
    last = s[17] == 'x' ? 'X' : s[17];
    if (!region_ok(s) || !date_ok(num(s + 6, 4), num(s + 10, 2), num(s + 12, 2)))
        return false;
    for (int i = 0; i < 17; i++)
        sum += (s[i] - '0') * w[i];
    return check[sum % 11] == last;
}

bool text_id15_valid(const char *s, size_t n)
{
    return n == 15 && all_digits(s, 15) && region_ok(s) &&
           date_ok(1900 + num(s + 6, 2), num(s + 8, 2), num(s + 10, 2));
}

bool text_luhn_valid(const char *s, size_t n)
{
    int sum = 0;
    if (n < 2 || !all_digits(s, n))
        return false;
    for (size_t i = 0; i < n; i++) {
        int d = s[n - 1 - i] - '0';
        if (i % 2 == 1) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
    }
    return sum % 10 == 0;
}

bool text_uscc_valid(const char *s, size_t n)
{
    static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    static const int w[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
    int sum = 0, v[18];
    if (n != 18 || !all_digits(s + 2, 6))
        return false;
    for (size_t i = 0; i < 18; i++) {
        const char *at = s[i] ? strchr(alphabet, s[i]) : NULL;
        if (at == NULL)
            return false;
        v[i] = (int)(at - alphabet);
    }
    for (int i = 0; i < 17; i++)
        sum += v[i] * w[i];
    return (31 - sum % 31) % 31 == v[17];
}

static bool mobile_ok(const char *s, size_t n)
{
    return n == 11 && all_digits(s, 11) && s[0] == '1' && s[1] >= '3' && s[1] <= '9';
}

/* Length of a valid area code at the start of s (3 or 4), or 0. */
static size_t area_len(const char *s, size_t n)
{
    if (n >= 3 && s[0] == '0' && s[1] == '1' && s[2] == '0')
        return 3;
    if (n >= 3 && s[0] == '0' && s[1] == '2')
        return 3;
    if (n >= 4 && s[0] == '0' && s[1] >= '3' && s[1] <= '9')
        return 4;
    return 0;
}

static bool local_ok(const char *s, size_t n)
{
    return (n == 7 || n == 8) && all_digits(s, n) && s[0] >= '2';
}

static bool passport_ok(const char *s, size_t n)
{
    if (n != 9)
        return false;
    if ((s[0] == 'E' || s[0] == 'G') && all_digits(s + 1, 8))
        return true;
    return s[0] == 'E' && s[1] >= 'A' && s[1] <= 'Z' && s[1] != 'I' && s[1] != 'O' &&
           all_digits(s + 2, 7);
}

/* Writes head chars, stars for the middle, tail chars. */
static void mask(char *out, const char *s, size_t n, size_t head, size_t tail)
{
    size_t k = 0;
    if (head + tail > n)
        head = tail = 0;
    for (size_t i = 0; i < n && k + 1 < TEXT_PII_MASK_MAX; i++)
        out[k++] = (i < head || i >= n - tail) ? s[i] : '*';
    out[k] = '\0';
}

/* A point where the ASCII view and the original text shift: from view offset `view` on, view
 * offsets map to `orig` + (offset - view) until the next point. */
typedef struct shift {
    size_t view, orig;
} shift;

typedef struct pscan {
    const unsigned char *t;
    size_t len;
    text_pii_fn fn;
    void *ctx;
    int stop;
    const shift *shifts; /* ascending; none when the view is the text itself */
    size_t nshifts;
} pscan;

/* The original byte offset of view offset x (a character boundary, or the end). */
static size_t orig_offset(const pscan *ps, size_t x)
{
    size_t lo = 0, hi = ps->nshifts;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ps->shifts[mid].view <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return x;
    return ps->shifts[lo - 1].orig + (x - ps->shifts[lo - 1].view);
}

static void report(pscan *ps, text_pii_kind kind, size_t start, size_t end, const char *masked)
{
    text_pii_hit h = {.kind = kind, .start = orig_offset(ps, start), .end = orig_offset(ps, end)};
    xn_strlcpy(h.masked, masked, sizeof h.masked);
    ps->stop = ps->fn(ps->ctx, &h);
}

static bool local_char(unsigned char c)
{
    return is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

/* Tries an e-mail address starting at s; returns its end or 0. */
static size_t email_at(const pscan *ps, size_t s)
{
    size_t i = s, at, dot = 0, end, label = 0;
    while (i < ps->len && local_char(ps->t[i]) && i - s < 64)
        i++;
    if (i == s || i >= ps->len || ps->t[i] != '@' || ps->t[i - 1] == '.')
        return 0;
    at = i++;
    while (i < ps->len && (is_alnum(ps->t[i]) || ps->t[i] == '-' || ps->t[i] == '.') &&
           i - at < 255) {
        if (ps->t[i] == '.') {
            if (label == 0)
                break;
            dot = i;
            label = 0;
        } else {
            label++;
        }
        i++;
    }
    end = i;
    while (end > at + 1 && (ps->t[end - 1] == '.' || ps->t[end - 1] == '-'))
        end--;
    if (dot == 0 || dot >= end - 2 || dot <= at + 1)
        return 0;
    for (size_t k = dot + 1; k < end; k++)
        if (!((ps->t[k] >= 'a' && ps->t[k] <= 'z') || (ps->t[k] >= 'A' && ps->t[k] <= 'Z')))
            return 0;
    return end;
}

/* A run of digits/letters at i; returns its end. */
static size_t run_end(const pscan *ps, size_t i)
{
    while (i < ps->len && is_alnum(ps->t[i]))
        i++;
    return i;
}

/* True when the byte at i continues a number (a letter/digit, or a decimal point + digit). */
static bool continues(const pscan *ps, size_t i)
{
    if (i >= ps->len)
        return false;
    if (is_alnum(ps->t[i]))
        return true;
    return (ps->t[i] == '.' || ps->t[i] == ',') && i + 1 < ps->len && is_digit(ps->t[i + 1]);
}

/* Joins digit groups separated by one space or hyphen; returns the end, fills digits. */
static size_t join_groups(const pscan *ps, size_t s, char *digits, size_t max, size_t *nd,
                          size_t *groups, size_t *glen)
{
    size_t i = s, n = 0, g = 0;
    for (;;) {
        size_t e = i;
        while (e < ps->len && is_digit(ps->t[e]) && n < max)
            digits[n++] = (char)ps->t[e++];
        if (e == i || g >= 8 || (e < ps->len && is_alnum(ps->t[e])))
            return 0;
        glen[g++] = e - i;
        i = e;
        if (i + 1 < ps->len && (ps->t[i] == ' ' || ps->t[i] == '-') && is_digit(ps->t[i + 1]))
            i++;
        else
            break;
    }
    *nd = n;
    *groups = g;
    return i;
}

/*
 * A resident ID written in groups, 6-8-4 or 6-4-4-4, separated by one space or hyphen each
 * ("110105 19491231 002X"): returns the end and fills out[0..18) when it is valid, else 0.
 */
static size_t id_grouped(const pscan *ps, size_t s, char out[18])
{
    static const size_t a[] = {6, 8, 4, 0}, b[] = {6, 4, 4, 4};
    size_t glen[4], g = 0, n = 0, i = s;
    for (;;) {
        size_t e = i;
        while (e < ps->len && n < 18 &&
               (is_digit(ps->t[e]) || (n == 17 && (ps->t[e] | 0x20) == 'x')))
            out[n++] = (char)ps->t[e++];
        if (e == i || g == 4)
            return 0;
        glen[g++] = e - i;
        i = e;
        if (n < 18 && i + 1 < ps->len && (ps->t[i] == ' ' || ps->t[i] == '-') &&
            is_digit(ps->t[i + 1]))
            i++;
        else
            break;
    }
    if (n != 18 || continues(ps, i))
        return 0;
    bool shape_a = g == 3, shape_b = g == 4;
    for (size_t k = 0; k < g; k++) {
        shape_a = shape_a && glen[k] == a[k];
        shape_b = shape_b && glen[k] == b[k];
    }
    return (shape_a || shape_b) && text_id18_valid(out, 18) ? i : 0;
}

/* Tries the kinds on the candidate starting at s; returns the end of a hit or 0. */
static size_t try_at(pscan *ps, size_t s)
{
    const char *t = (const char *)ps->t;
    char m[TEXT_PII_MASK_MAX], digits[40];
    size_t e = run_end(ps, s), n = e - s, nd, ng, glen[8], ge;

    if (e < ps->len && (ps->t[e] == '.' || ps->t[e] == ',') && e + 1 < ps->len &&
        is_digit(ps->t[e + 1]))
        return 0;
    if (n == 18 && text_id18_valid(t + s, n)) {
        mask(m, t + s, n, 6, 4);
        report(ps, TEXT_PII_ID_CARD, s, e, m);
        return e;
    }
    if (n == 18 && text_uscc_valid(t + s, n)) {
        mask(m, t + s, n, 6, 4);
        report(ps, TEXT_PII_USCC, s, e, m);
        return e;
    }
    if (passport_ok(t + s, n)) {
        mask(m, t + s, n, 1, 3);
        report(ps, TEXT_PII_PASSPORT, s, e, m);
        return e;
    }
    if (!is_digit(ps->t[s]))
        return 0;
    if (n == 6 && (ge = id_grouped(ps, s, digits)) > 0) {
        mask(m, digits, 18, 6, 4);
        report(ps, TEXT_PII_ID_CARD, s, ge, m);
        return ge;
    }
    if (n == 15 && text_id15_valid(t + s, n)) {
        mask(m, t + s, n, 6, 4);
        report(ps, TEXT_PII_ID_CARD15, s, e, m);
        return e;
    }
    if (n == 13 && t[s] == '8' && t[s + 1] == '6' && mobile_ok(t + s + 2, 11)) {
        mask(m, t + s + 2, 11, 3, 4);
        report(ps, TEXT_PII_MOBILE, s, e, m);
        return e;
    }
    /* Grouped or plain digit strings: mobile, landline, bank card. */
    ge = join_groups(ps, s, digits, sizeof digits, &nd, &ng, glen);
    if (ge == 0 || continues(ps, ge))
        return 0;
    if (mobile_ok(digits, nd) && (ng == 1 || (ng == 3 && glen[0] == 3 && glen[1] == 4))) {
        mask(m, digits, nd, 3, 4);
        report(ps, TEXT_PII_MOBILE, s, ge, m);
        return ge;
    }
    if (digits[0] == '0') {
        size_t a = area_len(digits, nd);
        bool ok = a > 0 && local_ok(digits + a, nd - a) && (ng == 1 || (ng == 2 && glen[0] == a));
        if (ok) {
            char shown[40];
            size_t k = 0;
            memcpy(shown, digits, a);
            k = a;
            shown[k++] = '-';
            memcpy(shown + k, digits + a, nd - a);
            k += nd - a;
            mask(m, shown, k, a + 1, 4);
            report(ps, TEXT_PII_LANDLINE, s, ge, m);
            return ge;
        }
    }
    if (nd >= 16 && nd <= 19 && (ng == 1 || glen[0] == 4) && text_luhn_valid(digits, nd)) {
        mask(m, digits, nd, 6, 4);
        report(ps, TEXT_PII_BANK_CARD, s, ge, m);
        return ge;
    }
    return 0;
}

/* "(010)12345678", "（0755）1234567": an area code in brackets before the number. */
static size_t try_bracketed(pscan *ps, size_t s)
{
    const char *t = (const char *)ps->t;
    size_t i = s, a, e;
    char m[TEXT_PII_MASK_MAX], shown[24];
    if (t[i] == '(')
        i++;
    else if (ps->len - i >= 3 && memcmp(t + i, "\xEF\xBC\x88", 3) == 0)
        i += 3;
    else
        return 0;
    e = i;
    while (e < ps->len && is_digit(ps->t[e]) && e - i < 5)
        e++;
    a = area_len(t + i, e - i);
    if (a == 0 || a != e - i)
        return 0;
    if (e < ps->len && t[e] == ')')
        e++;
    else if (ps->len - e >= 3 && memcmp(t + e, "\xEF\xBC\x89", 3) == 0)
        e += 3;
    else
        return 0;
    if (e < ps->len && (t[e] == ' ' || t[e] == '-'))
        e++;
    size_t ls = e;
    while (e < ps->len && is_digit(ps->t[e]))
        e++;
    if (!local_ok(t + ls, e - ls) || continues(ps, e))
        return 0;
    memcpy(shown, t + i, a);
    shown[a] = '-';
    memcpy(shown + a + 1, t + ls, e - ls);
    mask(m, shown, a + 1 + (e - ls), a + 1, 4);
    report(ps, TEXT_PII_LANDLINE, s, e, m);
    return e;
}

static int scan_view(pscan *ps_)
{
    pscan ps = *ps_;
    size_t i = 0, len = ps.len;
    while (i < len && ps.stop == 0) {
        unsigned char c = ps.t[i];
        bool boundary = i == 0 || !is_alnum(ps.t[i - 1]);
        size_t e = 0;
        if (boundary && i > 1 && (ps.t[i - 1] == '.' || ps.t[i - 1] == ',') &&
            is_digit(ps.t[i - 2]))
            boundary = false; /* inside a decimal number */
        if (boundary && is_alnum(c)) {
            e = email_at(&ps, i);
            if (e > 0) {
                char m[TEXT_PII_MASK_MAX];
                size_t at = i;
                while (ps.t[at] != '@')
                    at++;
                size_t k = 0;
                m[k++] = (char)c;
                for (int s = 0; s < 3; s++)
                    m[k++] = '*';
                for (size_t j = at; j < e && k + 1 < sizeof m; j++)
                    m[k++] = (char)ps.t[j];
                m[k] = '\0';
                report(&ps, TEXT_PII_EMAIL, i, e, m);
            } else {
                e = try_at(&ps, i);
            }
        } else if (c == '(' || c == 0xEF) {
            e = try_bracketed(&ps, i);
        }
        if (e > i) {
            i = e;
            continue;
        }
        /* Skip the rest of this run of letters and digits. */
        if (is_alnum(c))
            while (i < len && is_alnum(ps.t[i]))
                i++;
        else
            i++;
    }
    return ps.stop;
}

/* The ASCII counterpart of the character at p when it is a full-width digit, letter or number
 * mark, the ideographic space or a dash; 0 otherwise. *adv is the character's length. */
static unsigned char ascii_of(const unsigned char *p, const unsigned char *end, size_t *adv)
{
    uint32_t cp = text_utf8_next(p, end, adv);
    unsigned char a = (unsigned char)(cp - 0xFF01 + 0x21);
    /* Digits, letters and the marks numbers and addresses use; not the full-width comma,
     * colon or stop, which end a number in Chinese text rather than continue it. */
    if (cp >= 0xFF01 && cp <= 0xFF5E && (is_alnum(a) || strchr("()+-@_", a) != NULL))
        return a;
    if (cp == 0x3000)
        return ' ';
    if ((cp >= 0x2010 && cp <= 0x2015) || cp == 0x2212)
        return '-';
    return 0;
}

/* Lead bytes of the characters ascii_of maps (U+2010-U+2212: E2, U+3000: E3, U+FFxx: EF). */
static bool maybe_wide(unsigned char c)
{
    return c == 0xE2 || c == 0xE3 || c == 0xEF;
}

int text_pii_scan(const char *text, size_t len, text_pii_fn fn, void *ctx)
{
    const unsigned char *t = (const unsigned char *)text, *end = t + len;
    pscan ps = {t, len, fn, ctx, 0, NULL, 0};
    unsigned char *view = NULL;
    shift *shifts = NULL;
    size_t i = 0, n = 0, nsh = 0, cap = 0, adv;
    int rc;

    while (i < len && !(maybe_wide(t[i]) && ascii_of(t + i, end, &adv) != 0))
        i++;
    if (i == len)
        return scan_view(&ps); /* nothing to map: the text is its own view */
    view = malloc(len);
    if (view == NULL)
        return XN_ENOMEM;
    memcpy(view, t, i);
    n = i;
    while (i < len) {
        unsigned char a = maybe_wide(t[i]) ? ascii_of(t + i, end, &adv) : 0;
        if (a == 0) {
            view[n++] = t[i++]; /* bytes of other characters are copied one by one */
            continue;
        }
        view[n++] = a;
        i += adv;
        if (nsh == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            shift *grown = realloc(shifts, ncap * sizeof *shifts);
            if (grown == NULL) {
                free(view);
                free(shifts);
                return XN_ENOMEM;
            }
            shifts = grown;
            cap = ncap;
        }
        shifts[nsh++] = (shift){n, i};
    }
    ps.t = view;
    ps.len = n;
    ps.shifts = shifts;
    ps.nshifts = nsh;
    rc = scan_view(&ps);
    free(view);
    free(shifts);
    return rc;
}
