/*
 * Syslog messages from bytes, with no I/O: the RFC 5424 and RFC 3164 parsers and the RFC 6587
 * TCP framer. Everything here reads untrusted network input, so every read is bounded by the
 * end pointer, nothing is allocated but the framer's bounded buffer, and no input makes the
 * parser fail: what does not follow a grammar is reported with parse_error and kept whole.
 */
#include "audit/syslog_int.h"

#include <string.h>
#include <time.h>

#define SHANGHAI_OFFSET_S (8 * 3600)

/* RFC 5424 field lengths. */
#define MAX_HOSTNAME 255
#define MAX_APP      48
#define MAX_PROCID   128
#define MAX_MSGID    32
#define MAX_SD_NAME  32
#define MAX_TS       40
#define MAX_AHEAD_US (31LL * 86400 * 1000000)

static bool printusascii(unsigned char c)
{
    return c >= 33 && c <= 126;
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static syslog_span span(const unsigned char *p, size_t n)
{
    return (syslog_span){p, n};
}

/* Drops trailing CR, LF and NUL: transport leftovers that senders add to a datagram. */
static syslog_span trim_end(const unsigned char *p, const unsigned char *end)
{
    while (end > p && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == '\0'))
        end--;
    return span(p, (size_t)(end - p));
}

/* "<PRI>": 1-3 digits, at most 191. Returns the byte after '>' or NULL. */
static const unsigned char *parse_pri(const unsigned char *p, const unsigned char *end, int *pri)
{
    if (p >= end || *p != '<')
        return NULL;
    p++;
    int v = 0, digits = 0;
    while (p < end && is_digit(*p) && digits < 3) {
        v = v * 10 + (*p - '0');
        p++;
        digits++;
    }
    if (digits == 0 || p >= end || *p != '>' || v > 191)
        return NULL;
    *pri = v;
    return p + 1;
}

/* ---- time ---------------------------------------------------------------------------------- */

static bool digits_at(const unsigned char *p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!is_digit(p[i]))
            return false;
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return true;
}

/*
 * An RFC 5424 / RFC 3339 timestamp "YYYY-MM-DDTHH:MM:SS[.1-6 digits](Z|+HH:MM|-HH:MM)",
 * checked for shape here and converted by base's parser (which checks the calendar).
 */
static bool parse_rfc3339(const unsigned char *p, size_t n, int64_t *us)
{
    int v;
    if (n < 20 || n >= MAX_TS || p[4] != '-' || p[7] != '-' || p[10] != 'T' || p[13] != ':' ||
        p[16] != ':' || !digits_at(p, 4, &v) || !digits_at(p + 5, 2, &v) ||
        !digits_at(p + 8, 2, &v) || !digits_at(p + 11, 2, &v) || !digits_at(p + 14, 2, &v) ||
        !digits_at(p + 17, 2, &v))
        return false;
    size_t i = 19;
    if (p[i] == '.') {
        size_t frac = 0;
        for (i++; i < n && is_digit(p[i]); i++)
            frac++;
        if (frac < 1 || frac > 6)
            return false;
    }
    if (i == n - 1) {
        if (p[i] != 'Z')
            return false;
    } else if (i + 6 != n || (p[i] != '+' && p[i] != '-') || p[i + 3] != ':' ||
               !digits_at(p + i + 1, 2, &v) || !digits_at(p + i + 4, 2, &v)) {
        return false;
    }
    char s[MAX_TS];
    memcpy(s, p, n);
    s[n] = '\0';
    return xn_time_parse(s, us) == XN_OK;
}

static int64_t civil_us(int y, int mo, int d, int h, int mi, int s, int offset_s)
{
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = s};
    return ((int64_t)timegm(&tm) - offset_s) * 1000000;
}

static int month_days(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : d[m - 1];
}

/* "Mmm dd hh:mm:ss" (dd space- or zero-padded), RFC 3164's timestamp: exactly 15 bytes. */
#define BSD_TS_LEN 15
static bool parse_bsd_time(const unsigned char *p, size_t n, int64_t recv_us, int64_t *us)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    if (n < BSD_TS_LEN || p[3] != ' ' || p[6] != ' ' || p[9] != ':' || p[12] != ':')
        return false;
    int mo = 0;
    for (int i = 0; i < 12; i++)
        if (memcmp(p, months + 3 * i, 3) == 0)
            mo = i + 1;
    int d, h, mi, s;
    if (mo == 0)
        return false;
    if (p[4] == ' ') {
        if (!digits_at(p + 5, 1, &d))
            return false;
    } else if (!digits_at(p + 4, 2, &d)) {
        return false;
    }
    if (!digits_at(p + 7, 2, &h) || !digits_at(p + 10, 2, &mi) || !digits_at(p + 13, 2, &s) ||
        d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
        return false;
    /* No year and no zone: Shanghai time, in the latest year that does not put it more than
     * a month after the receive time (a sender's clock may run ahead, not by months). */
    time_t local = (time_t)(recv_us / 1000000 + SHANGHAI_OFFSET_S);
    struct tm now;
    gmtime_r(&local, &now);
    int year = now.tm_year + 1900;
    for (int y = year + 1; y >= year - 1; y--) {
        if (d > month_days(y, mo))
            continue;
        int64_t t = civil_us(y, mo, d, h, mi, s, SHANGHAI_OFFSET_S);
        if (t - recv_us <= MAX_AHEAD_US) {
            *us = t;
            return true;
        }
    }
    return false;
}

/* ---- RFC 5424 ------------------------------------------------------------------------------ */

/* A header field: 1..max printable ASCII bytes; "-" alone is NILVALUE (absent). Returns the
 * byte after the field, or NULL when the bytes there are not a field. */
static const unsigned char *field(const unsigned char *p, const unsigned char *end, size_t max,
                                  syslog_span *out)
{
    const unsigned char *start = p;
    while (p < end && printusascii(*p) && (size_t)(p - start) <= max)
        p++;
    size_t n = (size_t)(p - start);
    if (n == 0 || n > max)
        return NULL;
    *out = n == 1 && *start == '-' ? span(NULL, 0) : span(start, n);
    return p;
}

static const unsigned char *expect_sp(const unsigned char *p, const unsigned char *end)
{
    return p && p < end && *p == ' ' ? p + 1 : NULL;
}

static bool sd_name_char(unsigned char c)
{
    return printusascii(c) && c != '=' && c != ']' && c != '"';
}

static const unsigned char *sd_name(const unsigned char *p, const unsigned char *end)
{
    const unsigned char *start = p;
    while (p < end && sd_name_char(*p) && p - start <= MAX_SD_NAME)
        p++;
    size_t n = (size_t)(p - start);
    return n >= 1 && n <= MAX_SD_NAME ? p : NULL;
}

/* One SD-ELEMENT: "[" SD-ID *(SP PARAM-NAME "=" DQUOTE PARAM-VALUE DQUOTE) "]". Inside a value
 * a backslash escapes the next byte. Returns the byte after "]" or NULL. */
static const unsigned char *sd_element(const unsigned char *p, const unsigned char *end)
{
    if (p >= end || *p != '[')
        return NULL;
    p = sd_name(p + 1, end);
    while (p && p < end && *p == ' ') {
        p = sd_name(p + 1, end);
        if (!p || p + 1 >= end || p[0] != '=' || p[1] != '"')
            return NULL;
        for (p += 2; p < end && *p != '"'; p++)
            if (*p == '\\' && p + 1 < end)
                p++;
        if (p >= end)
            return NULL;
        p++; /* the closing quote */
    }
    return p && p < end && *p == ']' ? p + 1 : NULL;
}

/* Parses after "<PRI>1 ". On a grammar error, sets parse_error and keeps what was read. */
static void parse_5424(const unsigned char *p, const unsigned char *end, syslog_msg *m)
{
    syslog_span ts = {0};
    const unsigned char *q = field(p, end, MAX_TS - 1, &ts);
    if (q) {
        m->timestamp = ts;
        if (ts.p && !parse_rfc3339(ts.p, ts.n, &m->time_us))
            m->parse_error = true; /* kept as given, without a time */
        else
            m->has_time = ts.p != NULL;
    }
    q = expect_sp(q, end);
    if (q)
        q = expect_sp(field(q, end, MAX_HOSTNAME, &m->hostname), end);
    if (q)
        q = expect_sp(field(q, end, MAX_APP, &m->app), end);
    if (q)
        q = expect_sp(field(q, end, MAX_PROCID, &m->procid), end);
    if (q)
        q = expect_sp(field(q, end, MAX_MSGID, &m->msgid), end);
    if (!q || q >= end) {
        m->parse_error = true;
        return;
    }
    if (*q == '-') {
        q++;
    } else {
        const unsigned char *sd = q;
        while (q && q < end && *q == '[')
            q = sd_element(q, end);
        if (!q || q == sd) {
            m->parse_error = true;
            return;
        }
        m->sd = span(sd, (size_t)(q - sd));
    }
    if (q < end && *q != ' ') {
        m->parse_error = true;
        return;
    }
    if (q < end)
        q++;
    static const unsigned char bom[3] = {0xEF, 0xBB, 0xBF};
    if (end - q >= 3 && memcmp(q, bom, 3) == 0)
        q += 3;
    syslog_span text = trim_end(q, end);
    if (text.n)
        m->text = text;
}

/* ---- RFC 3164 ------------------------------------------------------------------------------ */

static bool tag_char(unsigned char c)
{
    return printusascii(c) && c != ':' && c != '[' && c != ']';
}

/* "TAG[PID]: " or "TAG: " at p. Fills app (and procid) and returns the start of the content,
 * or NULL when p does not start with a tag. */
static const unsigned char *parse_tag(const unsigned char *p, const unsigned char *end,
                                      syslog_msg *m)
{
    const unsigned char *start = p;
    while (p < end && tag_char(*p) && p - start <= MAX_APP)
        p++;
    size_t n = (size_t)(p - start);
    if (n == 0 || n > MAX_APP || p >= end)
        return NULL;
    syslog_span pid = {0};
    if (*p == '[') {
        const unsigned char *ps = ++p;
        while (p < end && printusascii(*p) && *p != ']' && p - ps <= MAX_PROCID)
            p++;
        size_t pn = (size_t)(p - ps);
        if (pn == 0 || pn > MAX_PROCID || p + 1 >= end || p[0] != ']')
            return NULL;
        pid = span(ps, pn);
        p++;
    }
    if (p >= end || *p != ':')
        return NULL;
    m->app = span(start, n);
    m->procid = pid;
    p++;
    return p < end && *p == ' ' ? p + 1 : p;
}

/* A hostname candidate: a token followed by a space that does not look like a tag. */
static const unsigned char *parse_host(const unsigned char *p, const unsigned char *end,
                                       syslog_msg *m)
{
    const unsigned char *start = p;
    while (p < end && printusascii(*p) && p - start <= MAX_HOSTNAME)
        p++;
    size_t n = (size_t)(p - start);
    if (n == 0 || n > MAX_HOSTNAME || p >= end || *p != ' ' || p[-1] == ':' ||
        memchr(start, '[', n))
        return NULL;
    m->hostname = span(start, n);
    return p + 1;
}

/* Parses after "<PRI>": [TIMESTAMP SP [HOSTNAME SP]] [TAG[PID]: ] MSG. The timestamp is the BSD
 * form or, as rsyslog and others send it, RFC 3339. Any content is acceptable MSG, so 3164
 * parsing itself never fails. */
static void parse_3164(const unsigned char *p, const unsigned char *end, int64_t recv_us,
                       syslog_msg *m)
{
    size_t n = (size_t)(end - p);
    size_t ts_len = 0;
    if (n > BSD_TS_LEN && p[BSD_TS_LEN] == ' ' && parse_bsd_time(p, n, recv_us, &m->time_us)) {
        ts_len = BSD_TS_LEN;
    } else if (n > 20 && is_digit(p[0]) && p[4] == '-' && p[10] == 'T') {
        const unsigned char *sp = memchr(p, ' ', n < MAX_TS ? n : MAX_TS);
        if (sp && parse_rfc3339(p, (size_t)(sp - p), &m->time_us))
            ts_len = (size_t)(sp - p);
    }
    if (ts_len) {
        m->timestamp = span(p, ts_len);
        m->has_time = true;
        p += ts_len + 1;
        const unsigned char *q = parse_host(p, end, m);
        if (q)
            p = q;
    }
    const unsigned char *q = parse_tag(p, end, m);
    if (q)
        p = q;
    syslog_span text = trim_end(p, end);
    if (text.n)
        m->text = text;
}

/* ---- the entry point ----------------------------------------------------------------------- */

static bool clean_utf8(syslog_span s)
{
    return !s.p || (xn_utf8_valid((const char *)s.p, s.n) && !memchr(s.p, '\0', s.n));
}

static void parse_fields(const unsigned char *raw, size_t len, int64_t recv_us, syslog_msg *out)
{
    out->facility = out->severity = -1;
    const unsigned char *end = raw + len;
    int pri = 0;
    const unsigned char *p = len ? parse_pri(raw, end, &pri) : NULL;
    if (!p) {
        out->format = SYSLOG_UNKNOWN;
        out->parse_error = true;
        syslog_span text = len ? trim_end(raw, end) : span(NULL, 0);
        if (text.n)
            out->text = text;
        return;
    }
    out->facility = pri / 8;
    out->severity = pri % 8;
    if (end - p >= 2 && p[0] == '1' && p[1] == ' ') {
        out->format = SYSLOG_RFC5424;
        parse_5424(p + 2, end, out);
        if (out->parse_error) {
            /* The header broke off somewhere: the whole message is the text to search. */
            syslog_span text = trim_end(raw, end);
            out->text = text.n ? text : span(NULL, 0);
        }
    } else {
        out->format = SYSLOG_RFC3164;
        parse_3164(p, end, recv_us, out);
    }
}

void syslog_parse(const unsigned char *raw, size_t len, int64_t recv_us, syslog_msg *out)
{
    memset(out, 0, sizeof *out);
    parse_fields(raw, len, recv_us, out);
    out->sd_clean = clean_utf8(out->sd);
    out->text_clean = clean_utf8(out->text);
}

/* ---- UTF-8 --------------------------------------------------------------------------------- */

/* Length of the well-formed UTF-8 sequence at s (n bytes left), or 0 when there is none. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80)
        return c ? 1 : 0;
    size_t len;
    unsigned lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0; /* no overlongs */
        if (c == 0xED)
            hi = 0x9F; /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;
        if (c == 0xF4)
            hi = 0x8F; /* nothing above U+10FFFF */
    } else {
        return 0;
    }
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t k = 2; k < len; k++)
        if ((s[k] & 0xC0) != 0x80)
            return 0;
    return len;
}

int syslog_utf8_repair(const unsigned char *s, size_t n, xn_buf *out, bool *replaced)
{
    static const char fffd[] = "\xEF\xBF\xBD";
    size_t i = 0, run = 0; /* run: valid bytes not yet copied, ending at i */
    bool any = false;
    while (i < n) {
        size_t k = utf8_seq(s + i, n - i);
        if (k) {
            i += k;
            run += k;
            continue;
        }
        int rc = xn_buf_append(out, s + i - run, run);
        if (rc == XN_OK)
            rc = xn_buf_append(out, fffd, 3);
        if (rc)
            return rc;
        any = true;
        run = 0;
        i++;
    }
    int rc = xn_buf_append(out, s + i - run, run);
    if (replaced)
        *replaced = any;
    return rc;
}

/* ---- TCP framing --------------------------------------------------------------------------- */

enum {
    FRAME_START,  /* between messages */
    FRAME_COUNT,  /* reading digits that may be an octet count */
    FRAME_OCTETS, /* inside an octet-counted frame; count = bytes still to come */
    FRAME_LINE,   /* inside a newline-terminated frame */
};

#define MAX_COUNT_DIGITS 9

void syslog_framer_init(syslog_framer *f, size_t max)
{
    memset(f, 0, sizeof *f);
    xn_buf_init(&f->msg, max);
    f->max = max;
    f->state = FRAME_START;
}

void syslog_framer_release(syslog_framer *f)
{
    xn_buf_release(&f->msg);
}

/* Keeps as much of data as fits under max; the rest is counted as cut off. */
static void keep(syslog_framer *f, const unsigned char *data, size_t n)
{
    size_t room = f->max - f->msg.len;
    size_t take = n < room ? n : room;
    if (take && xn_buf_append(&f->msg, data, take) != XN_OK)
        take = 0; /* out of memory: treat like an over-long message */
    if (take < n)
        f->truncated = true;
}

static void next_frame(syslog_framer *f)
{
    xn_buf_reset(&f->msg);
    f->truncated = false;
    f->count = 0;
    f->count_width = 0;
    f->state = FRAME_START;
}

static void deliver(syslog_framer *f, syslog_frame_fn fn, void *ctx)
{
    fn(ctx, (const unsigned char *)(f->msg.data ? f->msg.data : ""), f->msg.len, f->truncated);
    next_frame(f);
}

/* A frame wholly inside the bytes at hand, with nothing of it kept yet, is handed over from
 * there: the usual case, and one copy less. Returns the bytes used, 0 when this does not apply
 * (then the copying path takes it). */
static size_t deliver_in_place(syslog_framer *f, const unsigned char *p, const unsigned char *end,
                               syslog_frame_fn fn, void *ctx)
{
    if (f->msg.len || f->truncated)
        return 0;
    size_t avail = (size_t)(end - p);
    if (f->state == FRAME_OCTETS) {
        if (f->count > avail || f->count > f->max)
            return 0;
        size_t n = (size_t)f->count;
        fn(ctx, p, n, false);
        next_frame(f);
        return n;
    }
    const unsigned char *nl = memchr(p, '\n', avail);
    if (!nl || (size_t)(nl - p) > f->max)
        return 0;
    size_t n = (size_t)(nl - p);
    if (n && p[n - 1] == '\r')
        n--;
    if (n)
        fn(ctx, p, n, false);
    next_frame(f);
    return (size_t)(nl - p) + 1;
}

void syslog_framer_feed(syslog_framer *f, const unsigned char *data, size_t n, syslog_frame_fn fn,
                        void *ctx)
{
    const unsigned char *p = data, *end = data + n;
    while (p < end) {
        switch (f->state) {
        case FRAME_START:
            if (*p >= '1' && *p <= '9') {
                f->state = FRAME_COUNT;
            } else if (*p == '\n') {
                p++; /* an empty line between messages */
            } else {
                f->state = FRAME_LINE;
            }
            break;
        case FRAME_COUNT:
            if (is_digit(*p) && f->count_width < MAX_COUNT_DIGITS) {
                f->count = f->count * 10 + (uint64_t)(*p - '0');
                f->count_width++;
                keep(f, p, 1); /* the digits are the message's start if no space follows */
                p++;
            } else if (*p == ' ') {
                xn_buf_reset(&f->msg);
                f->truncated = false;
                f->state = FRAME_OCTETS;
                p++;
            } else {
                f->state = FRAME_LINE; /* not a length: the digits begin a line */
            }
            break;
        case FRAME_OCTETS: {
            size_t used = deliver_in_place(f, p, end, fn, ctx);
            if (used) {
                p += used;
                break;
            }
            size_t avail = (size_t)(end - p);
            size_t take = f->count < avail ? (size_t)f->count : avail;
            keep(f, p, take);
            p += take;
            f->count -= take;
            if (f->count == 0)
                deliver(f, fn, ctx);
            break;
        }
        case FRAME_LINE: {
            size_t used = deliver_in_place(f, p, end, fn, ctx);
            if (used) {
                p += used;
                break;
            }
            const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
            const unsigned char *stop = nl ? nl : end;
            keep(f, p, (size_t)(stop - p));
            p = stop;
            if (nl) {
                p++;
                if (!f->truncated && f->msg.len && f->msg.data[f->msg.len - 1] == '\r')
                    f->msg.data[--f->msg.len] = '\0';
                if (f->msg.len || f->truncated)
                    deliver(f, fn, ctx);
                else
                    f->state = FRAME_START;
            }
            break;
        }
        }
    }
}

void syslog_framer_finish(syslog_framer *f, syslog_frame_fn fn, void *ctx)
{
    switch (f->state) {
    case FRAME_COUNT:
    case FRAME_LINE:
        if (f->msg.len && f->msg.data[f->msg.len - 1] == '\r' && !f->truncated)
            f->msg.data[--f->msg.len] = '\0';
        if (f->msg.len || f->truncated)
            deliver(f, fn, ctx);
        break;
    case FRAME_OCTETS:
        f->truncated = true; /* the sender promised more than it sent */
        deliver(f, fn, ctx);
        break;
    default:
        break;
    }
    next_frame(f);
}
