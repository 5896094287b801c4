/*
 * Guessable personal data in a password (ACC-9, HS 附件4 §6: never the user's name, birthday or
 * other guessable data): the real name in hanzi and in pinyin, the account name, the phone
 * number and the birthday, each also as a part of the password.
 *
 * The candidate is looked at in a few forms, all with ASCII case folded: as typed; with
 * separators (spaces, dots, hyphens, underscores, slashes, middle dots) removed, so "Zhang.Wei"
 * reads "zhangwei"; with every digit and symbol removed, so "zhang7wei" does too; the
 * separator-free form with leet-speak undone (1 once as i, once as l), for names; and
 * with 年/月/日/号 removed as well, for dates. Needles of three or more characters count
 * anywhere in the password. Shorter ones (the initials "zw" of 张伟, a two-letter account)
 * would turn up inside too many innocent passwords, so they count only when they are all the
 * letters of the password ("ZW@19900101").
 *
 * Pinyin comes from go-pinyin's table (pinyin_map.h, every reading of a polyphonic hanzi);
 * a name gives full pinyin (zhangwei), given name first (weizhang), initials (zw), surname
 * with given-name initials (zhangw), the given name alone when it has two or more characters
 * (xiaoming), each part of a dotted name (阿依古丽·买买提: ayiguli, maimaiti) and the full
 * pinyin reversed (iewgnahz). Compound surnames (欧阳, 司马 …) stay together when the given
 * name is put first.
 */
#include "auth/auth_int.h"
#include "auth/pinyin_map.h"

#include <stdio.h>
#include <string.h>

#define NAME_MAX_TOKENS 16
#define NAME_MAX_COMBOS 32 /* polyphonic readings tried per name */
#define NEEDLE_MAX      (NAME_MAX_TOKENS * 8 + 8)
#define SHORT_NEEDLE    3 /* needles shorter than this must be the password's letters */

int auth_pinyin_readings(uint32_t cp, const char **out, int max)
{
    if (cp < PINYIN_FIRST || cp > PINYIN_LAST)
        return 0;
    const uint16_t *set = &pinyin_sets[pinyin_index[cp - PINYIN_FIRST]];
    int n = set[0] < max ? set[0] : max;
    for (int i = 0; i < n; i++)
        out[i] = pinyin_syllables[set[1 + i]];
    return n;
}

/* ---- validation ------------------------------------------------------------------------- */

static bool has_ascii_control(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7F)
            return true;
    }
    return false;
}

static int check_text(const char *s, const char *field, size_t max, xn_error *err)
{
    size_t n = strnlen(s, max + 1);
    if (n > max)
        return xn_fail_field(err, XN_EINVAL, "bad_input", field, "%s is longer than %zu bytes",
                             field, max);
    if (!xn_utf8_valid(s, n) || has_ascii_control(s, n) || xn_has_control(s, n))
        return xn_fail_field(err, XN_EINVAL, "bad_input", field,
                             "%s is not valid UTF-8 text without control characters", field);
    return XN_OK;
}

/* The phone's digits without a +86 / 0086 country code; -1 when malformed. */
static int phone_digits(const char *phone, char out[AUTH_PHONE_MAX_BYTES + 1])
{
    size_t n = 0;
    bool plus = false;
    for (const char *p = phone; *p; p++) {
        if (*p >= '0' && *p <= '9')
            out[n++] = *p;
        else if (*p == '+' && n == 0 && !plus)
            plus = true;
        else if (*p != ' ' && *p != '-' && *p != '(' && *p != ')')
            return -1;
    }
    out[n] = '\0';
    size_t skip = 0;
    if (plus && n > 2 && strncmp(out, "86", 2) == 0)
        skip = 2;
    else if (n > 4 && strncmp(out, "0086", 4) == 0)
        skip = 4;
    memmove(out, out + skip, n - skip + 1);
    n -= skip;
    return n >= 5 && n <= 20 ? (int)n : -1;
}

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Parses a real date "YYYY-MM-DD" (1900..2100). */
static bool parse_birthday(const char *s, int *y, int *m, int *d)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int v[3] = {0, 0, 0}, widths[3] = {4, 2, 2};
    const char *p = s;
    for (int f = 0; f < 3; f++) {
        for (int i = 0; i < widths[f]; i++, p++) {
            if (*p < '0' || *p > '9')
                return false;
            v[f] = v[f] * 10 + (*p - '0');
        }
        if (f < 2 && *p++ != '-')
            return false;
    }
    if (*p != '\0' || v[0] < 1900 || v[0] > 2100 || v[1] < 1 || v[1] > 12 || v[2] < 1)
        return false;
    if (v[2] > days[v[1] - 1] + (v[1] == 2 && leap(v[0])))
        return false;
    *y = v[0];
    *m = v[1];
    *d = v[2];
    return true;
}

int auth_personal_validate(const auth_pw_input *in, xn_error *err)
{
    int rc = XN_OK;
    if (in->account && (rc = check_text(in->account, "account", AUTH_PERSONAL_MAX_BYTES, err)))
        return rc;
    if (in->name && (rc = check_text(in->name, "name", AUTH_PERSONAL_MAX_BYTES, err)))
        return rc;
    if (in->phone) {
        char digits[AUTH_PHONE_MAX_BYTES + 1];
        if (strnlen(in->phone, AUTH_PHONE_MAX_BYTES + 1) > AUTH_PHONE_MAX_BYTES)
            return xn_fail_field(err, XN_EINVAL, "bad_input", "phone",
                                 "phone is longer than %d bytes", AUTH_PHONE_MAX_BYTES);
        if (phone_digits(in->phone, digits) < 0)
            return xn_fail_field(err, XN_EINVAL, "bad_input", "phone",
                                 "phone must hold 5 to 20 digits (with optional + ( ) - and "
                                 "spaces)");
    }
    if (in->birthday) {
        int y, m, d;
        if (strnlen(in->birthday, 16) > 10 || !parse_birthday(in->birthday, &y, &m, &d))
            return xn_fail_field(err, XN_EINVAL, "bad_input", "birthday",
                                 "birthday must be a real date written YYYY-MM-DD");
    }
    return XN_OK;
}

/* ---- the candidate's forms ---------------------------------------------------------------- */

typedef struct form {
    char s[AUTH_PW_MAX_BYTES + 1];
    size_t n;
} form;

typedef struct forms {
    form low;     /* ASCII lower-cased */
    form sq;      /* low without separators */
    form date;    /* sq without 年月日号 as well */
    form leet[2]; /* sq with leet undone: 1 ! | as i, then as l */
    form core;    /* sq without leading and trailing non-letters */
    form alpha;   /* low with every digit and ASCII symbol removed: zhang7wei reads zhangwei */
} forms;

/* Length of a separator at s (0 when none). Dates also skip 年 月 日 号. */
static size_t separator(const char *s, size_t n, bool date)
{
    static const char *const multi[] = {"\xC2\xB7",     /* · middle dot */
                                        "\xE2\x80\xA2", /* • bullet */
                                        "\xE3\x83\xBB", /* ・ katakana middle dot */
                                        "\xE3\x80\x80", /* ideographic space */
                                        "\xEF\xBC\x8E", /* ． full-width full stop */
                                        NULL};
    static const char *const dates[] = {"年", "月", "日", "号", NULL};
    if (strchr(" ._-/\\,:'", s[0]) != NULL && s[0] != '\0')
        return 1;
    for (const char *const *m = multi; *m; m++) {
        size_t k = strlen(*m);
        if (n >= k && memcmp(s, *m, k) == 0)
            return k;
    }
    for (const char *const *m = dates; date && *m; m++) {
        size_t k = strlen(*m);
        if (n >= k && memcmp(s, *m, k) == 0)
            return k;
    }
    return 0;
}

static void squeeze(const form *in, form *out, bool date)
{
    out->n = 0;
    for (size_t i = 0; i < in->n;) {
        size_t k = separator(in->s + i, in->n - i, date);
        if (k > 0) {
            i += k;
            continue;
        }
        out->s[out->n++] = in->s[i++];
    }
    out->s[out->n] = '\0';
}

static bool letter(char c)
{
    return c >= 'a' && c <= 'z';
}

static void make_forms(const char *pw, size_t len, forms *f)
{
    for (size_t i = 0; i < len; i++) {
        char c = pw[i];
        f->low.s[i] = auth_lower(c);
    }
    f->low.n = len;
    f->low.s[len] = '\0';
    squeeze(&f->low, &f->sq, false);
    squeeze(&f->low, &f->date, true);
    for (int v = 0; v < 2; v++) {
        for (size_t i = 0; i < f->sq.n; i++) {
            char alt[2];
            int k = auth_leet((unsigned char)f->sq.s[i], alt);
            f->leet[v].s[i] = k == 0 ? f->sq.s[i] : alt[v < k ? v : 0];
        }
        f->leet[v].n = f->sq.n;
        f->leet[v].s[f->sq.n] = '\0';
    }
    size_t a = 0, b = f->sq.n;
    while (a < b && !letter(f->sq.s[a]))
        a++;
    while (b > a && !letter(f->sq.s[b - 1]))
        b--;
    memcpy(f->core.s, f->sq.s + a, b - a);
    f->core.n = b - a;
    f->core.s[f->core.n] = '\0';
    f->alpha.n = 0;
    for (size_t i = 0; i < f->low.n; i++) {
        char c = f->low.s[i];
        if (letter(c) || (unsigned char)c >= 0x80)
            f->alpha.s[f->alpha.n++] = c;
    }
    f->alpha.s[f->alpha.n] = '\0';
}

static bool in_form(const form *f, const char *needle, size_t n)
{
    return n > 0 && n <= f->n && memmem(f->s, f->n, needle, n) != NULL;
}

/* A name or account needle: anywhere (long ones, leet undone too) or all the letters (short). */
static bool text_hit(const forms *f, const char *needle, size_t n)
{
    if (n == 0)
        return false;
    if (n < SHORT_NEEDLE)
        return f->core.n == n && memcmp(f->core.s, needle, n) == 0;
    return in_form(&f->low, needle, n) || in_form(&f->sq, needle, n) ||
           in_form(&f->leet[0], needle, n) || in_form(&f->leet[1], needle, n) ||
           in_form(&f->alpha, needle, n);
}

/* A needle lower-cased and squeezed like the candidate; then it and its reverse are looked for.
 * The reverse is tried only for ASCII needles. */
static bool text_hit_both(const forms *f, const char *s)
{
    form raw, sq;
    size_t n = strlen(s);
    bool ascii = true;
    if (n > AUTH_PW_MAX_BYTES)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        raw.s[i] = auth_lower(c);
        ascii = ascii && (unsigned char)c < 0x80;
    }
    raw.n = n;
    raw.s[n] = '\0';
    squeeze(&raw, &sq, false);
    if (text_hit(f, sq.s, sq.n))
        return true;
    if (!ascii)
        return false;
    for (size_t i = 0; i < sq.n / 2; i++) {
        char t = sq.s[i];
        sq.s[i] = sq.s[sq.n - 1 - i];
        sq.s[sq.n - 1 - i] = t;
    }
    return sq.n >= SHORT_NEEDLE && text_hit(f, sq.s, sq.n);
}

/* ---- names -------------------------------------------------------------------------------- */

typedef struct token {
    const char *r[AUTH_PINYIN_MAX_READINGS]; /* readings (a latin token has one: latin) */
    int n;
    bool hanzi;
    char latin[AUTH_PERSONAL_MAX_BYTES + 1];
} token;

typedef struct name {
    token t[NAME_MAX_TOKENS];
    int n;
    int surname;                   /* tokens of the surname */
    int part[NAME_MAX_TOKENS + 1]; /* first token of each dot-separated part, then n */
    int nparts;                    /* parts of a name such as 阿依古丽·买买提 */
} name;

/* The dots between the parts of a transcribed name (阿依古丽·买买提). */
static bool name_dot(uint32_t cp)
{
    return cp == 0xB7 || cp == 0x2022 || cp == 0x30FB || cp == 0xFF0E;
}

static bool name_separator(uint32_t cp)
{
    return name_dot(cp) || cp == ' ' || cp == '.' || cp == '-' || cp == '\'' || cp == 0x3000;
}

/* Splits a name into hanzi and latin tokens; false when it cannot be read as pinyin. */
static bool name_parse(const char *s, name *nm)
{
    uint32_t cps[AUTH_PERSONAL_MAX_BYTES];
    size_t ncp = auth_utf8_decode(s, strlen(s), cps, AUTH_PERSONAL_MAX_BYTES);
    token *latin = NULL;
    size_t latin_len = 0;

    memset(nm, 0, sizeof *nm);
    nm->nparts = 1;
    for (size_t i = 0; i < ncp; i++) {
        uint32_t cp = cps[i];
        if (name_separator(cp)) {
            if (name_dot(cp) && nm->n > nm->part[nm->nparts - 1])
                nm->part[nm->nparts++] = nm->n;
            latin = NULL;
            continue;
        }
        if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z')) {
            if (latin == NULL) {
                if (nm->n == NAME_MAX_TOKENS)
                    return false;
                latin = &nm->t[nm->n++];
                latin->n = 1;
                latin->r[0] = latin->latin;
                latin_len = 0;
            }
            latin->latin[latin_len++] = (char)(cp | 0x20);
            latin->latin[latin_len] = '\0';
            continue;
        }
        latin = NULL;
        if (nm->n == NAME_MAX_TOKENS)
            return false;
        token *t = &nm->t[nm->n];
        t->n = auth_pinyin_readings(cp, t->r, AUTH_PINYIN_MAX_READINGS);
        if (t->n == 0)
            return false;
        t->hanzi = true;
        nm->n++;
    }
    if (nm->n == 0)
        return false;
    if (nm->part[nm->nparts - 1] == nm->n)
        nm->nparts--; /* a trailing dot */
    nm->part[nm->nparts] = nm->n;
    /* Compound surnames keep both characters in front of the given name. */
    static const char *const compound[] = {
        "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "长孙",
        "宇文", "司徒", "夏侯", "轩辕", "端木", "独孤", "南宫", "西门", "百里", "呼延", "万俟",
        "闻人", "申屠", "澹台", "公冶", "太史", "濮阳", "淳于", "单于", "钟离", "宗政", NULL};
    nm->surname = 1;
    for (const char *const *c = compound; *c && nm->n > 2; c++) {
        if (nm->t[0].hanzi && nm->t[1].hanzi && strncmp(s, *c, strlen(*c)) == 0)
            nm->surname = 2;
    }
    return true;
}

typedef struct builder {
    char s[NEEDLE_MAX];
    size_t n;
} builder;

static void put(builder *b, const char *s, size_t n)
{
    if (b->n + n < sizeof b->s) {
        memcpy(b->s + b->n, s, n);
        b->n += n;
    }
    b->s[b->n] = '\0';
}

/* Every needle of one choice of readings. */
static bool combo_hit(const forms *f, const name *nm, const int *pick)
{
    builder full = {0}, swapped = {0}, initials = {0}, sur_init = {0}, given = {0};
    for (int i = 0; i < nm->n; i++) {
        const char *r = nm->t[i].r[pick[i]];
        size_t k = strlen(r);
        put(&full, r, k);
        put(&initials, r, 1);
        if (i < nm->surname) {
            put(&sur_init, r, k);
        } else {
            put(&given, r, k);
            put(&sur_init, r, 1);
        }
    }
    if (text_hit(f, full.s, full.n))
        return true;
    if (nm->n > nm->surname) {
        put(&swapped, given.s, given.n);
        for (int i = 0; i < nm->surname; i++)
            put(&swapped, nm->t[i].r[pick[i]], strlen(nm->t[i].r[pick[i]]));
        if (text_hit(f, swapped.s, swapped.n) || text_hit(f, sur_init.s, sur_init.n))
            return true;
        if (nm->n - nm->surname >= 2 && text_hit(f, given.s, given.n))
            return true;
    }
    if (nm->n >= 2 && text_hit(f, initials.s, initials.n))
        return true;
    /* Each part of a dotted name on its own, when it has two characters or more. */
    for (int p = 0; nm->nparts > 1 && p < nm->nparts; p++) {
        builder part = {0};
        if (nm->part[p + 1] - nm->part[p] < 2)
            continue;
        for (int i = nm->part[p]; i < nm->part[p + 1]; i++)
            put(&part, nm->t[i].r[pick[i]], strlen(nm->t[i].r[pick[i]]));
        if (text_hit(f, part.s, part.n))
            return true;
    }
    for (size_t i = 0; i < full.n / 2; i++) {
        char t = full.s[i];
        full.s[i] = full.s[full.n - 1 - i];
        full.s[full.n - 1 - i] = t;
    }
    return full.n >= SHORT_NEEDLE && text_hit(f, full.s, full.n);
}

static bool name_hit(const forms *f, const char *s)
{
    name nm;
    int pick[NAME_MAX_TOKENS] = {0};
    if (text_hit_both(f, s))
        return true;
    if (!name_parse(s, &nm))
        return false;
    for (int combo = 0; combo < NAME_MAX_COMBOS; combo++) {
        if (combo_hit(f, &nm, pick))
            return true;
        int i = nm.n - 1; /* the next choice of readings, last character fastest */
        while (i >= 0 && ++pick[i] == nm.t[i].n)
            pick[i--] = 0;
        if (i < 0)
            break;
    }
    return false;
}

/* ---- numbers ------------------------------------------------------------------------------ */

static bool phone_hit(const forms *f, const char *phone)
{
    char d[AUTH_PHONE_MAX_BYTES + 1];
    int n = phone_digits(phone, d);
    if (n < 0)
        return false;
    if (in_form(&f->date, d, (size_t)n))
        return true;
    if (n >= 9 && in_form(&f->date, d + n - 8, 8))
        return true;
    return n >= 7 && in_form(&f->date, d + n - 6, 6);
}

/* The parts a written date is made of. */
enum { Y4, Y2, M2, M1, D2, D1, NONE };

static bool birthday_hit(const forms *f, const char *birthday)
{
    /* Year, month and day in each order and width people write them in: YYYYMMDD, YYMMDD,
     * DDMMYYYY, MMDDYYYY, DDMMYY, MMDDYY, MMDD, then unpadded YYYYMD, YYMD, DMYYYY, MDYYYY.
     * MMDD is the one short form; the others count from six digits on. */
    static const unsigned char orders[][3] = {
        {Y4, M2, D2},   {Y2, M2, D2}, {D2, M2, Y4}, {M2, D2, Y4}, {D2, M2, Y2}, {M2, D2, Y2},
        {M2, D2, NONE}, {Y4, M1, D1}, {Y2, M1, D1}, {D1, M1, Y4}, {M1, D1, Y4}};
    char parts[NONE + 1][8];
    int y, m, d;
    if (!parse_birthday(birthday, &y, &m, &d))
        return false;
    snprintf(parts[Y4], sizeof parts[Y4], "%04d", y);
    snprintf(parts[Y2], sizeof parts[Y2], "%02d", y % 100);
    snprintf(parts[M2], sizeof parts[M2], "%02d", m);
    snprintf(parts[M1], sizeof parts[M1], "%d", m);
    snprintf(parts[D2], sizeof parts[D2], "%02d", d);
    snprintf(parts[D1], sizeof parts[D1], "%d", d);
    parts[NONE][0] = '\0';
    for (size_t i = 0; i < sizeof orders / sizeof orders[0]; i++) {
        char s[16];
        size_t n = 0;
        for (int k = 0; k < 3; k++) {
            size_t l = strlen(parts[orders[i][k]]);
            memcpy(s + n, parts[orders[i][k]], l);
            n += l;
        }
        if (n < 6 && orders[i][2] != NONE)
            continue;
        if (in_form(&f->date, s, n))
            return true;
    }
    return false;
}

unsigned auth_personal_check(const auth_pw_input *in, const char *pw, size_t len)
{
    forms f;
    unsigned hits = 0;
    if (len > AUTH_PW_MAX_BYTES)
        return 0;
    make_forms(pw, len, &f);
    if (in->name && name_hit(&f, in->name))
        hits |= AUTH_HIT_NAME;
    if (in->account && text_hit_both(&f, in->account))
        hits |= AUTH_HIT_ACCOUNT;
    if (in->phone && phone_hit(&f, in->phone))
        hits |= AUTH_HIT_PHONE;
    if (in->birthday && birthday_hit(&f, in->birthday))
        hits |= AUTH_HIT_BIRTHDAY;
    return hits;
}
