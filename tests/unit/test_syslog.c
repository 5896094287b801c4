/* Unit tests of the syslog receiver and log store (AUD-5, retention AUD-3): the RFC 5424 and
 * RFC 3164 parser, UTF-8 repair, the RFC 6587 TCP framer, the log store against real SQLite
 * files (day tables, sources, search, statistics, purge), and the receiver on real loopback
 * sockets (drops counted under overload, TCP limits, nothing lost at stop). */
#include "xn_test.h"

#include "audit/syslog_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- helpers ------------------------------------------------------------------------------- */

static int64_t utc_us(int y, int mo, int d, int h, int mi, int s)
{
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = s};
    return (int64_t)timegm(&tm) * 1000000;
}

/* 2026-11-21 12:00 Shanghai. */
static int64_t noon_20261121(void)
{
    return utc_us(2026, 11, 21, 4, 0, 0);
}

static syslog_msg parse_at(const char *s, int64_t recv_us)
{
    syslog_msg m;
    syslog_parse((const unsigned char *)s, strlen(s), recv_us, &m);
    return m;
}

static syslog_msg parse(const char *s)
{
    return parse_at(s, noon_20261121());
}

#define assert_span(sp, expected)                                                                  \
    do {                                                                                           \
        const char *e_ = (expected);                                                               \
        if (!e_) {                                                                                 \
            assert_null((sp).p);                                                                   \
        } else {                                                                                   \
            assert_non_null((sp).p);                                                               \
            assert_int_equal((sp).n, strlen(e_));                                                  \
            assert_memory_equal((sp).p, e_, strlen(e_));                                           \
        }                                                                                          \
    } while (0)

/* ---- RFC 5424 ------------------------------------------------------------------------------ */

static void rfc5424_with_structured_data_and_bom(void **state)
{
    (void)state;
    const char *s = "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 "
                    "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"]"
                    "[examplePriority@32473 class=\"high\"] \xEF\xBB\xBF"
                    "An application event log entry...\n";
    syslog_msg m = parse(s);
    assert_int_equal(m.format, SYSLOG_RFC5424);
    assert_false(m.parse_error);
    assert_int_equal(m.facility, 20);
    assert_int_equal(m.severity, 5);
    assert_span(m.timestamp, "2003-10-11T22:14:15.003Z");
    assert_true(m.has_time);
    assert_int_equal(m.time_us, utc_us(2003, 10, 11, 22, 14, 15) + 3000);
    assert_span(m.hostname, "mymachine.example.com");
    assert_span(m.app, "evntslog");
    assert_span(m.procid, NULL);
    assert_span(m.msgid, "ID47");
    assert_span(m.sd, "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"]"
                      "[examplePriority@32473 class=\"high\"]");
    assert_span(m.text, "An application event log entry..."); /* no BOM, no LF */
    assert_true(m.text_clean);
    assert_true(m.sd_clean);
}

static void rfc5424_examples_from_the_rfc(void **state)
{
    (void)state;
    syslog_msg m = parse("<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - "
                         "\xEF\xBB\xBF'su root' failed for lonvick on /dev/pts/8");
    assert_false(m.parse_error);
    assert_int_equal(m.facility, 4);
    assert_int_equal(m.severity, 2);
    assert_span(m.app, "su");
    assert_span(m.sd, NULL);
    assert_span(m.text, "'su root' failed for lonvick on /dev/pts/8");

    m = parse("<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to "
              "make the do-nothing.");
    assert_false(m.parse_error);
    assert_int_equal(m.time_us, utc_us(2003, 8, 24, 12, 14, 15) + 3);
    assert_span(m.hostname, "192.0.2.1");
    assert_span(m.procid, "8710");
    assert_span(m.msgid, NULL);
    assert_span(m.text, "%% It's time to make the do-nothing.");

    /* Structured data and no MSG; an escaped ']' and '"' inside a value. */
    m = parse("<13>1 2026-11-21T10:00:00+08:00 h a p m [id@1 k=\"a\\]b\\\"c\" k2=\"\"]");
    assert_false(m.parse_error);
    assert_int_equal(m.time_us, utc_us(2026, 11, 21, 2, 0, 0));
    assert_span(m.sd, "[id@1 k=\"a\\]b\\\"c\" k2=\"\"]");
    assert_span(m.text, NULL);
}

static void rfc5424_nil_values(void **state)
{
    (void)state;
    syslog_msg m = parse("<0>1 - - - - - -");
    assert_int_equal(m.format, SYSLOG_RFC5424);
    assert_false(m.parse_error);
    assert_int_equal(m.facility, 0);
    assert_int_equal(m.severity, 0);
    assert_span(m.timestamp, NULL);
    assert_false(m.has_time);
    assert_span(m.hostname, NULL);
    assert_span(m.app, NULL);
    assert_span(m.procid, NULL);
    assert_span(m.msgid, NULL);
    assert_span(m.sd, NULL);
    assert_span(m.text, NULL);

    m = parse("<191>1 - - - - - - just text");
    assert_int_equal(m.facility, 23);
    assert_int_equal(m.severity, 7);
    assert_span(m.text, "just text");
}

static void rfc5424_malformed_is_kept_whole_with_parse_error(void **state)
{
    (void)state;
    char long_host[300];
    memset(long_host, 'h', sizeof long_host);
    snprintf(long_host, sizeof long_host, "<13>1 - %0256d a p m - text", 0);
    const char *bad[] = {
        "<34>1 -",                                        /* header ends early */
        "<34>1 - h a p m [unterminated",                  /* SD without ] */
        "<34>1 - h a p m [id a=\"b\"]x",                  /* no space after SD */
        "<34>1 - h a p m [id a=b] text",                  /* unquoted value */
        "<34>1 - h a p m -text",                          /* no space after NILVALUE */
        "<34>1 - h a p m [] text",                        /* empty SD-ID */
        "<34>1 2003-10-11T22:14:15.1234567Z h a p m - x", /* 7 fraction digits */
        "<34>1 2003-10-11T22:14:15 h a p m - x",          /* no zone */
        "<34>1 2003-13-11T22:14:15Z h a p m - x",         /* month 13 */
        "<34>1 2003-02-30T22:14:15Z h a p m - x",         /* no such day */
        "<34>1 - h\xC3\xA9 a p m - x",                    /* non-ASCII hostname */
        long_host,                                        /* hostname of 256 */
        "<34>1 - h a p "
        "0123456789012345678901234567890123 - x", /* msgid of 34 */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        syslog_msg m = parse(bad[i]);
        if (m.format != SYSLOG_RFC5424 || !m.parse_error)
            fail_msg("accepted: %s", bad[i]);
        assert_int_equal(m.severity, bad[i] == long_host ? 5 : 2);
        assert_span(m.text, bad[i]); /* the whole message is searchable */
    }
    /* A bad timestamp is kept as given, and the rest still parsed. */
    syslog_msg m = parse("<34>1 2003-13-11T22:14:15Z h a p m - x");
    assert_span(m.timestamp, "2003-13-11T22:14:15Z");
    assert_false(m.has_time);
    assert_span(m.hostname, "h");
    assert_span(m.msgid, "m");
}

/* ---- RFC 3164 ------------------------------------------------------------------------------ */

static void rfc3164_full_header(void **state)
{
    (void)state;
    int64_t recv = utc_us(2003, 10, 12, 0, 0, 0);
    syslog_msg m = parse_at(
        "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8", recv);
    assert_int_equal(m.format, SYSLOG_RFC3164);
    assert_false(m.parse_error);
    assert_int_equal(m.facility, 4);
    assert_int_equal(m.severity, 2);
    assert_span(m.timestamp, "Oct 11 22:14:15");
    assert_true(m.has_time);
    assert_int_equal(m.time_us, utc_us(2003, 10, 11, 14, 14, 15)); /* read as Shanghai time */
    assert_span(m.hostname, "mymachine");
    assert_span(m.app, "su");
    assert_span(m.procid, NULL);
    assert_span(m.text, "'su root' failed for lonvick on /dev/pts/8");

    m = parse("<13>Feb  5 17:32:18 10.0.0.99 sshd[4321]: Accepted password for root\r\n");
    assert_span(m.timestamp, "Feb  5 17:32:18");
    assert_int_equal(m.time_us, utc_us(2026, 2, 5, 9, 32, 18));
    assert_span(m.hostname, "10.0.0.99");
    assert_span(m.app, "sshd");
    assert_span(m.procid, "4321");
    assert_span(m.text, "Accepted password for root");
}

static void rfc3164_partial_headers(void **state)
{
    (void)state;
    /* No hostname: the token after the time is a tag. */
    syslog_msg m = parse("<13>Nov 21 10:00:00 sshd[12]: session opened");
    assert_span(m.hostname, NULL);
    assert_span(m.app, "sshd");
    assert_span(m.procid, "12");
    assert_span(m.text, "session opened");

    /* No timestamp, so no hostname either; a tag is still found. */
    m = parse("<13>myapp: hello");
    assert_false(m.parse_error);
    assert_span(m.timestamp, NULL);
    assert_false(m.has_time);
    assert_span(m.hostname, NULL);
    assert_span(m.app, "myapp");
    assert_span(m.text, "hello");

    /* Nothing but text. */
    m = parse("<13>just some words");
    assert_int_equal(m.format, SYSLOG_RFC3164);
    assert_false(m.parse_error);
    assert_span(m.app, NULL);
    assert_span(m.text, "just some words");

    /* Host and text without a tag. */
    m = parse("<13>Nov 21 10:00:00 fw01 link down on port 3");
    assert_span(m.hostname, "fw01");
    assert_span(m.app, NULL);
    assert_span(m.text, "link down on port 3");

    /* rsyslog's RFC 3339 variant. */
    m = parse("<30>2026-11-21T10:00:00.5+08:00 web1 nginx: GET /");
    assert_int_equal(m.format, SYSLOG_RFC3164);
    assert_span(m.timestamp, "2026-11-21T10:00:00.5+08:00");
    assert_int_equal(m.time_us, utc_us(2026, 11, 21, 2, 0, 0) + 500000);
    assert_span(m.hostname, "web1");
    assert_span(m.app, "nginx");
    assert_span(m.text, "GET /");

    /* An impossible BSD time is not a time: the bytes stay in the text. */
    m = parse("<13>Nov 31 25:00:00 host x: y");
    assert_false(m.has_time);
    assert_span(m.timestamp, NULL);
    assert_span(m.text, "Nov 31 25:00:00 host x: y");
}

static void rfc3164_year_is_the_latest_not_far_ahead(void **state)
{
    (void)state;
    /* Received just after New Year in Shanghai: "Dec 31" is last year. */
    int64_t recv = utc_us(2026, 12, 31, 16, 0, 5); /* 2027-01-01 00:00:05 +08:00 */
    syslog_msg m = parse_at("<13>Dec 31 23:59:59 h a: x", recv);
    assert_int_equal(m.time_us, utc_us(2026, 12, 31, 15, 59, 59));
    /* A sender's clock slightly ahead of ours: "Jan  1" received on Dec 31 is next year. */
    m = parse_at("<13>Jan  1 00:00:01 h a: x", utc_us(2026, 12, 31, 15, 59, 0));
    assert_int_equal(m.time_us, utc_us(2026, 12, 31, 16, 0, 1));
    /* Months ahead is not a clock skew: February received in November is this year's. */
    m = parse_at("<13>Feb  5 17:32:18 h a: x", noon_20261121());
    assert_int_equal(m.time_us, utc_us(2026, 2, 5, 9, 32, 18));
    /* Feb 29 only exists in leap years. */
    m = parse_at("<13>Feb 29 12:00:00 h a: x", utc_us(2028, 3, 1, 0, 0, 0));
    assert_true(m.has_time);
    assert_int_equal(m.time_us, utc_us(2028, 2, 29, 4, 0, 0));
    m = parse_at("<13>Feb 29 12:00:00 h a: x", utc_us(2027, 3, 1, 0, 0, 0));
    assert_false(m.has_time); /* neither 2026 nor 2027 has one, 2028 is too far ahead */
}

/* ---- no format ----------------------------------------------------------------------------- */

static void unknown_empty_and_binary(void **state)
{
    (void)state;
    syslog_msg m = parse("hello world\n");
    assert_int_equal(m.format, SYSLOG_UNKNOWN);
    assert_true(m.parse_error);
    assert_int_equal(m.facility, -1);
    assert_int_equal(m.severity, -1);
    assert_span(m.text, "hello world");

    syslog_parse((const unsigned char *)"", 0, 0, &m);
    assert_int_equal(m.format, SYSLOG_UNKNOWN);
    assert_true(m.parse_error);
    assert_span(m.text, NULL);

    const char *no_pri[] = {"<192>x", "<>x", "<1234>x", "<12", "<1a>x", "<"};
    for (size_t i = 0; i < sizeof no_pri / sizeof no_pri[0]; i++) {
        m = parse(no_pri[i]);
        assert_int_equal(m.format, SYSLOG_UNKNOWN);
        assert_true(m.parse_error);
        assert_span(m.text, no_pri[i]);
    }

    /* Binary bytes: the parser keeps them as text; repair makes them valid UTF-8. */
    static const unsigned char bin[] = {0xFF, 0x00, '<', 0xFE, 0x80, 'a', 0xC0, 0xAF, 0x00};
    syslog_parse(bin, sizeof bin, 0, &m);
    assert_true(m.parse_error);
    assert_false(m.text_clean);
    assert_int_equal(m.text.n, sizeof bin - 1); /* the trailing NUL is trimmed */
    xn_buf b;
    xn_buf_init(&b, 0);
    bool replaced = false;
    assert_int_equal(syslog_utf8_repair(m.text.p, m.text.n, &b, &replaced), XN_OK);
    assert_true(replaced);
    assert_true(xn_utf8_valid(b.data, b.len));
    assert_null(memchr(b.data, '\0', b.len));
    assert_string_equal(b.data, "\xEF\xBF\xBD\xEF\xBF\xBD<\xEF\xBF\xBD\xEF\xBF\xBD"
                                "a\xEF\xBF\xBD\xEF\xBF\xBD");
    xn_buf_release(&b);
}

static void utf8_repair_keeps_valid_text_and_replaces_the_rest(void **state)
{
    (void)state;
    struct {
        const char *in;
        size_t n;
        const char *out;
        bool replaced;
    } cases[] = {
        {"\xE4\xBF\xA1\xE5\xAE\x89 ok", 9, "\xE4\xBF\xA1\xE5\xAE\x89 ok", false},
        {"\xF0\x9F\x98\x80", 4, "\xF0\x9F\x98\x80", false},
        {"\xC0\x80", 2, "\xEF\xBF\xBD\xEF\xBF\xBD", true},                 /* overlong */
        {"\xED\xA0\x80", 3, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD", true}, /* surrogate */
        {"\xF4\x90\x80\x80", 4, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD", true},
        {"ab\xE4\xB8", 4, "ab\xEF\xBF\xBD\xEF\xBF\xBD", true}, /* cut short */
        {"a\0b", 3,
         "a\xEF\xBF\xBD"
         "b",
         true}, /* NUL */
        {"", 0, "", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        xn_buf b;
        xn_buf_init(&b, 0);
        bool replaced = !cases[i].replaced;
        assert_int_equal(
            syslog_utf8_repair((const unsigned char *)cases[i].in, cases[i].n, &b, &replaced),
            XN_OK);
        assert_int_equal(replaced, cases[i].replaced);
        assert_int_equal(b.len, strlen(cases[i].out));
        if (b.len)
            assert_memory_equal(b.data, cases[i].out, b.len);
        xn_buf_release(&b);
    }
}

/* ---- framing ------------------------------------------------------------------------------- */

typedef struct frames {
    int n;
    char msg[16][128];
    size_t len[16];
    bool truncated[16];
} frames;

static void collect(void *ctx, const unsigned char *msg, size_t len, bool truncated)
{
    frames *f = ctx;
    assert_true(f->n < 16);
    assert_true(len < sizeof f->msg[0]);
    memcpy(f->msg[f->n], msg, len);
    f->msg[f->n][len] = '\0';
    f->len[f->n] = len;
    f->truncated[f->n] = truncated;
    f->n++;
}

/* Feeds the stream in pieces cut at the given points, then ends it. */
static frames frame_split(const char *stream, size_t n, size_t max, const size_t *cuts, int ncuts)
{
    frames f = {0};
    syslog_framer fr;
    syslog_framer_init(&fr, max);
    size_t at = 0;
    for (int i = 0; i <= ncuts; i++) {
        size_t to = i < ncuts ? cuts[i] : n;
        syslog_framer_feed(&fr, (const unsigned char *)stream + at, to - at, collect, &f);
        at = to;
    }
    syslog_framer_finish(&fr, collect, &f);
    syslog_framer_release(&fr);
    return f;
}

static frames frame_all(const char *stream, size_t max)
{
    return frame_split(stream, strlen(stream), max, NULL, 0);
}

static void framing_by_newline(void **state)
{
    (void)state;
    frames f = frame_all("<13>a\n<13>b\r\n\n\r\n<13>c", 1024);
    assert_int_equal(f.n, 3);
    assert_string_equal(f.msg[0], "<13>a");
    assert_string_equal(f.msg[1], "<13>b"); /* CR before LF dropped */
    assert_string_equal(f.msg[2], "<13>c"); /* a last line without LF at the end of the stream */
    assert_false(f.truncated[0] || f.truncated[1] || f.truncated[2]);
}

static void framing_by_octet_count_and_mixed(void **state)
{
    (void)state;
    frames f = frame_all("5 hello11 hello world", 1024);
    assert_int_equal(f.n, 2);
    assert_string_equal(f.msg[0], "hello");
    assert_string_equal(f.msg[1], "hello world");

    /* Per message: octet-counted, then a line, then octet-counted holding a newline. */
    f = frame_all("9 <13>first<13>second\n9 <13>a\nb\nc", 1024);
    assert_int_equal(f.n, 3);
    assert_string_equal(f.msg[0], "<13>first");
    assert_string_equal(f.msg[1], "<13>second");
    assert_string_equal(f.msg[2], "<13>a\nb\nc");

    /* Digits that are not a length begin a line. */
    f = frame_all("0 zero\n12x\n1234567890 ten digits\n123", 1024);
    assert_int_equal(f.n, 4);
    assert_string_equal(f.msg[0], "0 zero");
    assert_string_equal(f.msg[1], "12x");
    assert_string_equal(f.msg[2], "1234567890 ten digits");
    assert_string_equal(f.msg[3], "123");
}

static void framing_survives_every_split_point(void **state)
{
    (void)state;
    const char *stream = "9 <13>first<13>second\r\n9 <13>a\nb\nc<13>last\n";
    size_t n = strlen(stream);
    frames whole = frame_all(stream, 1024);
    assert_int_equal(whole.n, 4);
    for (size_t a = 0; a <= n; a++) {
        for (size_t b = a; b <= n; b++) {
            size_t cuts[2] = {a, b};
            frames f = frame_split(stream, n, 1024, cuts, 2);
            assert_int_equal(f.n, whole.n);
            for (int i = 0; i < f.n; i++) {
                assert_int_equal(f.len[i], whole.len[i]);
                assert_memory_equal(f.msg[i], whole.msg[i], f.len[i]);
                assert_false(f.truncated[i]);
            }
        }
    }
    /* Byte by byte. */
    size_t cuts[64];
    for (size_t i = 0; i < n; i++)
        cuts[i] = i + 1;
    frames f = frame_split(stream, n, 1024, cuts, (int)n);
    assert_int_equal(f.n, 4);
    assert_string_equal(f.msg[3], "<13>last");
}

static void framing_truncates_oversize_and_stays_in_sync(void **state)
{
    (void)state;
    char stream[256];
    char x40[41];
    memset(x40, 'x', 40);
    x40[40] = '\0';
    /* A line longer than max: cut to max, the rest of the line discarded. */
    snprintf(stream, sizeof stream, "%s\nnext\n", x40);
    size_t cuts[] = {7, 23, 41};
    frames f = frame_split(stream, strlen(stream), 16, cuts, 3);
    assert_int_equal(f.n, 2);
    assert_int_equal(f.len[0], 16);
    assert_true(f.truncated[0]);
    assert_memory_equal(f.msg[0], x40, 16);
    assert_string_equal(f.msg[1], "next");
    assert_false(f.truncated[1]);

    /* An octet-counted frame longer than max, holding newlines: the count decides. */
    memset(x40 + 10, '\n', 3);
    snprintf(stream, sizeof stream, "40 %s4 next2 ok", x40);
    f = frame_split(stream, strlen(stream), 16, cuts, 3);
    assert_int_equal(f.n, 3);
    assert_int_equal(f.len[0], 16);
    assert_true(f.truncated[0]);
    assert_memory_equal(f.msg[0], "xxxxxxxxxx\n\n\nxxx", 16);
    assert_string_equal(f.msg[1], "next");
    assert_false(f.truncated[1]);
    assert_string_equal(f.msg[2], "ok");

    /* A frame cut off by the end of the stream is delivered, flagged. */
    f = frame_all("10 <13>ab", 1024);
    assert_int_equal(f.n, 1);
    assert_string_equal(f.msg[0], "<13>ab");
    assert_true(f.truncated[0]);
}

/* ---- log store ----------------------------------------------------------------------------- */

static char *temp_db(const char *name)
{
    const char *dir = getenv("XN_TEST_TMP");
    char *path = malloc(512);
    snprintf(path, 512, "%s/%s", dir ? dir : "/tmp", name);
    remove(path);
    char side[600];
    snprintf(side, sizeof side, "%s-wal", path);
    remove(side);
    snprintf(side, sizeof side, "%s-shm", path);
    remove(side);
    return path;
}

static store *open_db(const char *path)
{
    store_options opt = {.pool_size = 3, .busy_timeout_ms = 0, .tx_retry_ms = 5000, .create = true};
    store *s = NULL;
    xn_error err;
    if (store_open(&s, path, &opt, &err) != XN_OK)
        fail_msg("store_open: %s", err.message);
    assert_int_equal(store_migrate(s, NULL, &err), XN_OK);
    return s;
}

static logstore_rec rec(const char *raw, int64_t recv_us, const char *addr, const char *proto)
{
    logstore_rec r = {.raw = (const unsigned char *)raw,
                      .len = strlen(raw),
                      .recv_us = recv_us,
                      .addr = addr,
                      .port = 5140,
                      .proto = proto};
    syslog_parse(r.raw, r.len, recv_us, &r.msg);
    return r;
}

static void insert(store *s, logstore_rec *recs, size_t n)
{
    logstore_writer w;
    logstore_writer_init(&w);
    xn_error err;
    if (logstore_insert(s, &w, recs, n, &err) != XN_OK)
        fail_msg("logstore_insert: %s", err.message);
    logstore_writer_release(&w);
}

static json_t *search(store *s, const audit_logstore_query *q)
{
    xn_buf b;
    xn_buf_init(&b, 0);
    xn_error err;
    if (audit_logstore_search(s, q, &b, &err) != XN_OK)
        fail_msg("search: %s", err.message);
    json_error_t jerr;
    json_t *v = json_loadb(b.data, b.len, 0, &jerr);
    if (!v)
        fail_msg("search result is not JSON (%s): %s", jerr.text, b.data);
    xn_buf_release(&b);
    return v;
}

static size_t count_items(store *s, const audit_logstore_query *q)
{
    json_t *v = search(s, q);
    size_t n = json_array_size(json_object_get(v, "items"));
    json_decref(v);
    return n;
}

static int64_t query_int(store *s, const char *sql)
{
    store_conn *c = NULL;
    xn_error err;
    int64_t v = -1;
    assert_int_equal(store_acquire(s, &c, &err), XN_OK);
    if (store_query_int(c, sql, &v, &err) != XN_OK)
        fail_msg("%s: %s", sql, err.message);
    store_release(c);
    return v;
}

static void days_are_shanghai_days(void **state)
{
    (void)state;
    assert_int_equal(logstore_day_of(utc_us(2026, 11, 20, 15, 59, 59)), 20261120);
    assert_int_equal(logstore_day_of(utc_us(2026, 11, 20, 16, 0, 0)), 20261121);
    assert_int_equal(logstore_day_start(20261121), utc_us(2026, 11, 20, 16, 0, 0));
    assert_int_equal(logstore_day_of(logstore_day_start(20240229)), 20240229);
}

static void store_keeps_raw_fields_and_flags_per_day(void **state)
{
    (void)state;
    char *path = temp_db("logstore.db");
    store *s = open_db(path);
    int64_t t = noon_20261121();
    static const char binary[] = "<13>bad \xFF\xFE bytes";
    logstore_rec recs[] = {
        rec("<34>1 2026-11-21T10:00:00Z h1 app1 77 ID1 [x@1 a=\"1\"] first", t, "10.0.0.1", "udp"),
        rec(binary, t + 1, "10.0.0.1", "tcp"),
        rec("not syslog", t + 2, "10.0.0.2", "udp"),
        rec("<13>Nov 22 00:00:01 h2 app2: next day", t + 13LL * 3600 * 1000000, "10.0.0.2", "tcp"),
    };
    recs[1].truncated = true;
    insert(s, recs, 4);
    assert_int_equal(query_int(s, "SELECT count(*) FROM syslog_day"), 2);
    assert_int_equal(query_int(s, "SELECT count(*) FROM syslog_20261121"), 3);
    assert_int_equal(query_int(s, "SELECT count(*) FROM syslog_20261122"), 1);

    store_conn *c = NULL;
    store_stmt *st = NULL;
    xn_error err;
    assert_int_equal(store_acquire(s, &c, &err), XN_OK);
    assert_int_equal(store_prepare(c,
                                   "SELECT format, parse_error, truncated, utf8_replaced, "
                                   "facility, severity, ts_us, hostname, app, procid, msgid, sd, "
                                   "msg, raw, known, src_port, proto FROM syslog_20261121 "
                                   "ORDER BY id",
                                   &st, &err),
                     XN_OK);
    assert_int_equal(store_step(st, &err), STORE_ROW);
    assert_string_equal(store_col_text(st, 0), "5424");
    assert_int_equal(store_col_int(st, 1), 0);
    assert_int_equal(store_col_int(st, 4), 4);
    assert_int_equal(store_col_int(st, 5), 2);
    assert_int_equal(store_col_int(st, 6), utc_us(2026, 11, 21, 10, 0, 0));
    assert_string_equal(store_col_text(st, 7), "h1");
    assert_string_equal(store_col_text(st, 8), "app1");
    assert_string_equal(store_col_text(st, 9), "77");
    assert_string_equal(store_col_text(st, 10), "ID1");
    assert_string_equal(store_col_text(st, 11), "[x@1 a=\"1\"]");
    assert_string_equal(store_col_text(st, 12), "first");
    assert_int_equal(store_col_int(st, 14), 0); /* unknown source */
    assert_int_equal(store_col_int(st, 15), 5140);
    assert_string_equal(store_col_text(st, 16), "udp");
    assert_int_equal(store_step(st, &err), STORE_ROW);
    assert_int_equal(store_col_int(st, 2), 1); /* truncated */
    assert_int_equal(store_col_int(st, 3), 1); /* utf8_replaced */
    assert_string_equal(store_col_text(st, 12), "bad \xEF\xBF\xBD\xEF\xBF\xBD bytes");
    assert_int_equal(store_col_bytes(st, 13), strlen(binary));
    assert_memory_equal(store_col_blob(st, 13), binary, strlen(binary)); /* raw as received */
    assert_int_equal(store_step(st, &err), STORE_ROW);
    assert_string_equal(store_col_text(st, 0), "unknown");
    assert_int_equal(store_col_int(st, 1), 1);
    assert_true(store_col_is_null(st, 4));
    assert_true(store_col_is_null(st, 5));
    assert_string_equal(store_col_text(st, 12), "not syslog");
    assert_int_equal(store_step(st, &err), STORE_DONE);
    store_release(c);

    assert_int_equal(query_int(s, "SELECT count FROM syslog_source WHERE address = '10.0.0.1'"), 2);
    assert_int_equal(
        query_int(s, "SELECT registered FROM syslog_source WHERE address = '10.0.0.2'"), 0);
    store_close(s);
    free(path);
}

/* Batches are written several rows per statement: every row must keep its own values, also
 * those whose text had to be repaired, and a batch crossing midnight goes to two tables. */
static void multi_row_batches_keep_each_row(void **state)
{
    (void)state;
    char *path = temp_db("multirow.db");
    store *s = open_db(path);
    enum { N = 53 };
    static char raws[N][64];
    logstore_rec recs[N];
    int64_t midnight = logstore_day_start(20261122);
    for (int i = 0; i < N; i++) {
        if (i % 3 == 1) /* invalid UTF-8 in the text */
            snprintf(raws[i], sizeof raws[i], "<13>bad %d \xFF", i);
        else
            snprintf(raws[i], sizeof raws[i], "<13>1 - host%d app - - - good %d", i, i);
        recs[i] = rec(raws[i], midnight - 30 + i, i % 2 ? "10.0.0.1" : "10.0.0.2", "tcp");
    }
    insert(s, recs, N);
    assert_int_equal(query_int(s, "SELECT count(*) FROM syslog_20261121"), 30);
    assert_int_equal(query_int(s, "SELECT count(*) FROM syslog_20261122"), N - 30);
    store_conn *c = NULL;
    store_stmt *st = NULL;
    xn_error err;
    assert_int_equal(store_acquire(s, &c, &err), XN_OK);
    int i = 0;
    for (int t = 0; t < 2; t++) {
        assert_int_equal(store_prepare(c,
                                       t ? "SELECT msg, raw, hostname, src_addr, utf8_replaced "
                                           "FROM syslog_20261122 ORDER BY id"
                                         : "SELECT msg, raw, hostname, src_addr, utf8_replaced "
                                           "FROM syslog_20261121 ORDER BY id",
                                       &st, &err),
                         XN_OK);
        while (store_step(st, &err) == STORE_ROW) {
            char want[64];
            if (i % 3 == 1)
                snprintf(want, sizeof want, "bad %d \xEF\xBF\xBD", i);
            else
                snprintf(want, sizeof want, "good %d", i);
            assert_string_equal(store_col_text(st, 0), want);
            assert_int_equal(store_col_bytes(st, 1), strlen(raws[i]));
            assert_memory_equal(store_col_blob(st, 1), raws[i], strlen(raws[i]));
            if (i % 3 != 1) {
                snprintf(want, sizeof want, "host%d", i);
                assert_string_equal(store_col_text(st, 2), want);
            }
            assert_string_equal(store_col_text(st, 3), i % 2 ? "10.0.0.1" : "10.0.0.2");
            assert_int_equal(store_col_int(st, 4), i % 3 == 1);
            i++;
        }
    }
    assert_int_equal(i, N);
    store_release(c);
    store_close(s);
    free(path);
}

static void registered_sources_are_known(void **state)
{
    (void)state;
    char *path = temp_db("sources.db");
    store *s = open_db(path);
    int64_t t = noon_20261121();
    logstore_rec r1 = rec("<13>before", t, "192.0.2.7", "udp");
    insert(s, &r1, 1);
    xn_error err;
    assert_int_equal(audit_logstore_register_source(s, "::ffff:192.0.2.7", "防火墙 1", &err),
                     XN_OK);
    assert_int_equal(audit_logstore_register_source(s, "2001:db8::0:1", "core switch", &err),
                     XN_OK);
    logstore_rec r2 = rec("<13>after", t + 1, "192.0.2.7", "udp");
    insert(s, &r2, 1);
    assert_int_equal(query_int(s, "SELECT known FROM syslog_20261121 WHERE msg = 'before'"), 0);
    assert_int_equal(query_int(s, "SELECT known FROM syslog_20261121 WHERE msg = 'after'"), 1);
    assert_int_equal(query_int(s, "SELECT count FROM syslog_source WHERE address = '192.0.2.7' AND "
                                  "registered = 1 AND name = '防火墙 1'"),
                     2);
    assert_int_equal(query_int(s, "SELECT count(*) FROM syslog_source WHERE address = "
                                  "'2001:db8::1' AND first_seen IS NULL"),
                     1);
    assert_int_equal(audit_logstore_register_source(s, "host.example", "x", &err), XN_EINVAL);
    assert_string_equal(err.field, "address");
    assert_int_equal(audit_logstore_register_source(s, "10.0.0.1", "", &err), XN_EINVAL);
    assert_string_equal(err.field, "name");
    assert_int_equal(audit_logstore_register_source(s, "10.0.0.1", "a\nb", &err), XN_EINVAL);
    store_close(s);
    free(path);
}

static void search_filters_and_pages(void **state)
{
    (void)state;
    char *path = temp_db("search.db");
    store *s = open_db(path);
    int64_t day1 = logstore_day_start(20261120) + 3600LL * 1000000;
    int64_t day2 = logstore_day_start(20261121) + 3600LL * 1000000;
    logstore_rec recs[] = {
        rec("<11>1 - fw sshd - - - login failed for root", day1, "10.0.0.1", "udp"),
        rec("<14>1 - fw sshd - - - login ok 100%", day1 + 1, "10.0.0.1", "udp"),
        rec("<15>1 - web nginx - - - GET /a_b", day1 + 2, "10.0.0.2", "tcp"),
        rec("garbage", day1 + 3, "10.0.0.3", "udp"),
        rec("<11>1 - fw sshd - - - LOGIN FAILED again", day2, "10.0.0.1", "udp"),
        rec("<12>Nov 21 09:00:00 web nginx: GET /ab", day2 + 1, "10.0.0.2", "tcp"),
        rec("<8>1 - db pg - - - disk full", day2 + 2, "10.0.0.4", "tcp"),
    };
    insert(s, recs, 7);

    audit_logstore_query all = {0};
    json_t *v = search(s, &all);
    json_t *items = json_object_get(v, "items");
    assert_int_equal(json_array_size(items), 7);
    assert_true(json_is_null(json_object_get(v, "next")));
    json_t *first = json_array_get(items, 0); /* newest first */
    assert_string_equal(json_string_value(json_object_get(first, "msg")), "disk full");
    assert_string_equal(json_string_value(json_object_get(first, "format")), "5424");
    assert_int_equal(json_integer_value(json_object_get(first, "severity")), 0);
    assert_int_equal(json_integer_value(json_object_get(first, "received_us")), day2 + 2);
    assert_string_equal(json_string_value(json_object_get(first, "hostname")), "db");
    assert_true(json_is_false(json_object_get(first, "known")));
    json_t *last = json_array_get(items, 6);
    assert_string_equal(json_string_value(json_object_get(last, "msg")), "login failed for root");
    json_decref(v);

    audit_logstore_query q = {.source = "10.0.0.1"};
    assert_int_equal(count_items(s, &q), 3);
    q = (audit_logstore_query){.hostname = "web"};
    assert_int_equal(count_items(s, &q), 2);
    q = (audit_logstore_query){.app = "sshd", .from_us = day2};
    assert_int_equal(count_items(s, &q), 1);
    q = (audit_logstore_query){.app = "sshd", .to_us = day2};
    assert_int_equal(count_items(s, &q), 2);
    /* Severities 0..3 (emergency to error). */
    q = (audit_logstore_query){.severity_mask = 0x0F};
    assert_int_equal(count_items(s, &q), 3);
    q = (audit_logstore_query){.parse_errors = 1};
    assert_int_equal(count_items(s, &q), 1);
    q = (audit_logstore_query){.parse_errors = -1};
    assert_int_equal(count_items(s, &q), 6);
    q = (audit_logstore_query){.text = "login failed"}; /* ASCII case-insensitive */
    assert_int_equal(count_items(s, &q), 2);
    q = (audit_logstore_query){.text = "100%"}; /* LIKE wildcards match themselves */
    assert_int_equal(count_items(s, &q), 1);
    q = (audit_logstore_query){.text = "/a_b"};
    assert_int_equal(count_items(s, &q), 1);

    /* Pages of 2 visit every row once, in order, across the two day tables. */
    char cursor[64] = "";
    int seen = 0;
    const char *expected[] = {"disk full", "GET /ab",       "LOGIN FAILED again",   "garbage",
                              "GET /a_b",  "login ok 100%", "login failed for root"};
    for (int page = 0; page < 10; page++) {
        q = (audit_logstore_query){.limit = 2, .after = cursor[0] ? cursor : NULL};
        v = search(s, &q);
        items = json_object_get(v, "items");
        for (size_t i = 0; i < json_array_size(items); i++)
            assert_string_equal(json_string_value(json_object_get(json_array_get(items, i), "msg")),
                                expected[seen++]);
        json_t *next = json_object_get(v, "next");
        bool more = json_is_string(next);
        if (more)
            snprintf(cursor, sizeof cursor, "%s", json_string_value(next));
        json_decref(v);
        if (!more)
            break;
    }
    assert_int_equal(seen, 7);

    /* Refused filters name their field. */
    xn_buf b;
    xn_buf_init(&b, 0);
    xn_error err;
    q = (audit_logstore_query){.limit = 1001};
    assert_int_equal(audit_logstore_search(s, &q, &b, &err), XN_EINVAL);
    assert_string_equal(err.field, "limit");
    q = (audit_logstore_query){.after = "20261121-x"};
    assert_int_equal(audit_logstore_search(s, &q, &b, &err), XN_EINVAL);
    assert_string_equal(err.field, "after");
    q = (audit_logstore_query){.text = "a\x01"};
    assert_int_equal(audit_logstore_search(s, &q, &b, &err), XN_EINVAL);
    assert_string_equal(err.field, "text");
    q = (audit_logstore_query){.from_us = day2, .to_us = day1};
    assert_int_equal(audit_logstore_search(s, &q, &b, &err), XN_EINVAL);
    xn_buf_release(&b);
    store_close(s);
    free(path);
}

static json_t *stats(store *s, int64_t from, int64_t to, bool by_day)
{
    xn_buf b;
    xn_buf_init(&b, 0);
    xn_error err;
    if (audit_logstore_stats(s, from, to, by_day, &b, &err) != XN_OK)
        fail_msg("stats: %s", err.message);
    json_t *v = json_loadb(b.data, b.len, 0, NULL);
    if (!v)
        fail_msg("stats are not JSON: %s", b.data);
    xn_buf_release(&b);
    return v;
}

static void statistics_count_per_source_severity_app_and_time(void **state)
{
    (void)state;
    char *path = temp_db("stats.db");
    store *s = open_db(path);
    int64_t h1 = logstore_day_start(20261120) + 3600LL * 1000000; /* 01:00 */
    int64_t h2 = logstore_day_start(20261121) + 2 * 3600LL * 1000000;
    logstore_rec recs[] = {
        rec("<11>1 - fw sshd - - - a", h1, "10.0.0.1", "udp"),
        rec("<11>1 - fw sshd - - - b", h1 + 10, "10.0.0.1", "udp"),
        rec("<14>1 - web nginx - - - c", h1 + 3600LL * 1000000, "10.0.0.2", "udp"),
        rec("junk", h2, "10.0.0.1", "udp"),
        rec("<14>1 - web nginx - - - d", h2 + 1, "10.0.0.2", "udp"),
    };
    insert(s, recs, 5);
    xn_error err;
    assert_int_equal(audit_logstore_register_source(s, "10.0.0.2", "web server", &err), XN_OK);

    json_t *v = stats(s, 0, 0, false);
    assert_int_equal(json_integer_value(json_object_get(v, "total")), 5);
    json_t *src = json_object_get(v, "by_source");
    assert_int_equal(json_array_size(src), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(src, 0), "source")),
                        "10.0.0.1");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(src, 0), "count")), 3);
    assert_true(json_is_false(json_object_get(json_array_get(src, 0), "registered")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(src, 1), "name")),
                        "web server");
    assert_true(json_is_true(json_object_get(json_array_get(src, 1), "registered")));
    json_t *sev = json_object_get(v, "by_severity");
    assert_int_equal(json_array_size(sev), 3); /* 3, 6 and null */
    assert_int_equal(json_integer_value(json_object_get(json_array_get(sev, 0), "severity")), 3);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(sev, 0), "count")), 2);
    assert_true(json_is_null(json_object_get(json_array_get(sev, 2), "severity")));
    json_t *apps = json_object_get(v, "by_app");
    assert_int_equal(json_array_size(apps), 3);
    json_t *times = json_object_get(v, "by_time");
    assert_int_equal(json_array_size(times), 3); /* 01:00 and 02:00 on day 1, 02:00 on day 2 */
    assert_int_equal(json_integer_value(json_object_get(json_array_get(times, 0), "start_us")), h1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(times, 0), "count")), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(times, 0), "start")),
                        "2026-11-20T01:00:00.000+08:00");
    json_decref(v);

    v = stats(s, 0, 0, true);
    times = json_object_get(v, "by_time");
    assert_int_equal(json_array_size(times), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(times, 1), "count")), 2);
    json_decref(v);

    v = stats(s, logstore_day_start(20261121), 0, false);
    assert_int_equal(json_integer_value(json_object_get(v, "total")), 2);
    json_decref(v);
    store_close(s);
    free(path);
}

static bool table_exists(store *s, int day)
{
    char sql[128];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'syslog_%d'", day);
    return query_int(s, sql) == 1;
}

static void purge_drops_whole_days_past_retention_only(void **state)
{
    (void)state;
    char *path = temp_db("purge.db");
    store *s = open_db(path);
    /* Days 2026-09-20 .. 2026-09-23; "now" 60 days after 2026-09-22 12:00. */
    int days[] = {20260920, 20260921, 20260922, 20260923};
    for (int i = 0; i < 4; i++) {
        logstore_rec r = rec("<13>x", logstore_day_start(days[i]) + 1, "10.0.0.1", "udp");
        insert(s, &r, 1);
    }
    xn_config cfg;
    xn_config_defaults(&cfg);
    cfg.syslog_retention_days = 60;
    snprintf(cfg.db_path, sizeof cfg.db_path, "%s", path);
    char witness[600];
    snprintf(witness, sizeof witness, "%s.witness", path);
    remove(witness);
    /* each dropped day leaves its record in the trail (AUD-1) */
    audit_trail *trail = NULL;
    uint8_t seed[AUDIT_SEED_BYTES];
    bool created = false;
    xn_error err;
    assert_int_equal(audit_trail_open(&trail, s, &cfg, &err), XN_OK);
    assert_int_equal(audit_trail_init(trail, seed, &created, &err), XN_OK);
    int64_t day_us = 86400LL * 1000000;
    int64_t now = logstore_day_start(20260922) + day_us / 2 + 60 * day_us;
    int dropped = -1;
    assert_int_equal(audit_logstore_purge(s, trail, &cfg, now, &dropped, &err), XN_OK);
    assert_int_equal(dropped, 2); /* 09-20 and 09-21 ended before the cutoff 09-22 12:00 */
    assert_false(table_exists(s, 20260920));
    assert_false(table_exists(s, 20260921));
    assert_true(table_exists(s, 20260922)); /* holds messages younger than 60 days */
    assert_true(table_exists(s, 20260923));
    assert_int_equal(query_int(s, "SELECT count(*) FROM syslog_day"), 2);
    assert_int_equal(query_int(s, "SELECT count(*) FROM audit_log WHERE action = 'log.purge'"), 2);

    /* At the very end of a day's retention it goes; a microsecond earlier it stays. */
    now = logstore_day_start(20260923) + 60 * day_us;
    assert_int_equal(audit_logstore_purge(s, trail, &cfg, now - 1, &dropped, &err), XN_OK);
    assert_int_equal(dropped, 0);
    assert_int_equal(audit_logstore_purge(s, trail, &cfg, now, &dropped, &err), XN_OK);
    assert_int_equal(dropped, 1);
    assert_false(table_exists(s, 20260922));
    assert_true(table_exists(s, 20260923));
    /* Searching the range still works with the days gone. */
    audit_logstore_query q = {0};
    assert_int_equal(count_items(s, &q), 1);
    assert_int_equal(query_int(s, "SELECT count(*) FROM audit_log WHERE action = 'log.purge'"), 3);
    audit_trail_free(trail);
    store_close(s);
    free(path);
}

/* ---- the receiver on real sockets ---------------------------------------------------------- */

static void base_config(xn_config *cfg, const char *db)
{
    xn_config_defaults(cfg);
    snprintf(cfg->db_path, sizeof cfg->db_path, "%s", db);
    cfg->syslog_udp[0] = cfg->syslog_tcp[0] = '\0';
}

static int connect_to(int type, uint16_t port)
{
    int fd = socket(AF_INET, type, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
        fail_msg("connect: %s", strerror(errno));
    return fd;
}

static void send_all(int fd, const void *data, size_t n)
{
    const char *p = data;
    while (n) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k <= 0)
            fail_msg("send: %s", strerror(errno));
        p += k;
        n -= (size_t)k;
    }
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int64_t stored_rows(store *s)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM syslog_%d", logstore_day_of(xn_now_us()));
    return query_int(s, sql);
}

static void overload_drops_are_counted_never_hidden(void **state)
{
    (void)state;
    char *path = temp_db("overload.db");
    store *s = open_db(path);
    xn_config cfg;
    base_config(&cfg, path);
    snprintf(cfg.syslog_udp, sizeof cfg.syslog_udp, "127.0.0.1:0");
    cfg.syslog_queue = 16;
    xn_log log;
    xn_log_init(&log, NULL, XN_LOG_ERROR, XN_LOG_KV);
    audit_syslog *r = NULL;
    xn_error err;
    assert_int_equal(audit_syslog_start(&r, &cfg, s, &log, &err), XN_OK);
    assert_non_null(r);
    uint16_t port = audit_syslog_port(r, false);
    assert_true(port > 0);
    assert_int_equal(audit_syslog_port(r, true), 0);

    /* Another connection holds the write lock, so the writer cannot empty the queue. */
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    int fd = connect_to(SOCK_DGRAM, port);
    enum { SENT = 200 };
    for (int i = 0; i < SENT; i++) {
        char msg[64];
        int n = snprintf(msg, sizeof msg, "<13>overload %d", i);
        send_all(fd, msg, (size_t)n);
    }
    close(fd);
    audit_syslog_stats st;
    for (int i = 0; i < 500; i++) {
        audit_syslog_get_stats(r, &st);
        if (st.udp.received >= SENT)
            break;
        sleep_ms(10);
    }
    sleep_ms(100); /* the last datagram's drop is counted just after it is received */
    audit_syslog_get_stats(r, &st);
    assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    audit_syslog_stop(r); /* stores what is queued */

    /* Every datagram is accounted for: stored or counted as dropped. */
    audit_syslog_stats after;
    audit_syslog_get_stats(NULL, &after);
    assert_int_equal(after.udp.received, 0);
    assert_true(st.udp.dropped > 0);
    assert_true(st.udp.received <= SENT);
    int64_t rows = stored_rows(s);
    assert_true(rows >= 16);
    assert_int_equal((uint64_t)rows + st.udp.dropped, SENT);
    store_close(s);
    free(path);
}

static void tcp_stream_is_stored_whole_at_stop(void **state)
{
    (void)state;
    char *path = temp_db("tcpstop.db");
    store *s = open_db(path);
    xn_config cfg;
    base_config(&cfg, path);
    snprintf(cfg.syslog_tcp, sizeof cfg.syslog_tcp, "127.0.0.1:0");
    xn_log log;
    xn_log_init(&log, NULL, XN_LOG_ERROR, XN_LOG_KV);
    audit_syslog *r = NULL;
    xn_error err;
    assert_int_equal(audit_syslog_start(&r, &cfg, s, &log, &err), XN_OK);
    uint16_t port = audit_syslog_port(r, true);
    assert_true(port > 0);

    int fd = connect_to(SOCK_STREAM, port);
    xn_buf b;
    xn_buf_init(&b, 0);
    enum { N = 3000 };
    for (int i = 0; i < N; i++) {
        char msg[96];
        int n = snprintf(msg, sizeof msg, "<14>1 - host app - - - message %d", i);
        if (i % 2)
            xn_buf_printf(&b, "%d %s", n, msg);
        else
            xn_buf_printf(&b, "%s\n", msg);
    }
    /* One message longer than the limit, then one more that must arrive intact. */
    size_t big = AUDIT_SYSLOG_MAX_MSG + 1000;
    xn_buf_printf(&b, "%zu <14>", big);
    for (size_t i = 4; i < big; i++)
        xn_buf_append(&b, "y", 1);
    xn_buf_puts(&b, "<14>1 - host app - - - the end");
    send_all(fd, b.data, b.len);
    close(fd);
    xn_buf_release(&b);
    /* Stop at once: data still in the socket must be read and stored. */
    audit_syslog_stop(r);
    assert_int_equal(stored_rows(s), N + 2);
    char sql[256];
    int day = logstore_day_of(xn_now_us());
    snprintf(sql, sizeof sql,
             "SELECT length(raw) FROM syslog_%d WHERE truncated = 1 AND "
             "hex(substr(raw, 1, 7)) = '3C31343E797979'",
             day);
    assert_int_equal(query_int(s, sql), AUDIT_SYSLOG_MAX_MSG);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM syslog_%d WHERE msg = 'the end'", day);
    assert_int_equal(query_int(s, sql), 1);
    snprintf(sql, sizeof sql,
             "SELECT count(DISTINCT msg) FROM syslog_%d WHERE msg LIKE 'message %%'", day);
    assert_int_equal(query_int(s, sql), N);
    store_close(s);
    free(path);
}

/* Reads until the peer closes (true) or ms pass (false). */
static bool closed_within(int fd, int ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char c;
    return recv(fd, &c, 1, 0) == 0;
}

static void tcp_connections_are_bounded_and_idle_ones_closed(void **state)
{
    (void)state;
    char *path = temp_db("tcplimits.db");
    store *s = open_db(path);
    xn_config cfg;
    base_config(&cfg, path);
    snprintf(cfg.syslog_tcp, sizeof cfg.syslog_tcp, "127.0.0.1:0");
    cfg.syslog_max_conns = 2;
    cfg.syslog_idle_timeout = 1;
    xn_log log;
    xn_log_init(&log, NULL, XN_LOG_ERROR, XN_LOG_KV);
    audit_syslog *r = NULL;
    xn_error err;
    assert_int_equal(audit_syslog_start(&r, &cfg, s, &log, &err), XN_OK);
    uint16_t port = audit_syslog_port(r, true);
    int a = connect_to(SOCK_STREAM, port);
    int b = connect_to(SOCK_STREAM, port);
    send_all(a, "<13>a\n", 6);
    send_all(b, "<13>b\n", 6);
    audit_syslog_stats st;
    for (int i = 0; i < 200; i++) {
        audit_syslog_get_stats(r, &st);
        if (st.connections == 2)
            break;
        sleep_ms(10);
    }
    assert_int_equal(st.connections, 2);
    int c = connect_to(SOCK_STREAM, port);
    assert_true(closed_within(c, 900)); /* the third is refused */
    /* Silent senders are dropped after the idle timeout (1 s, swept each second). */
    assert_true(closed_within(a, 4000));
    assert_true(closed_within(b, 4000));
    audit_syslog_get_stats(r, &st);
    assert_int_equal(st.connections, 0);
    assert_int_equal(st.tcp.received, 2);
    close(a);
    close(b);
    close(c);
    audit_syslog_stop(r);
    assert_int_equal(stored_rows(s), 2);
    store_close(s);
    free(path);
}

typedef struct flooder {
    int fd;
    _Atomic bool stop;
} flooder;

/* Sends the same message until told to stop or the receiver goes away. */
static void *flood(void *p)
{
    flooder *f = p;
    static const char msg[] = "<13>1 - h app - - - flood\n";
    while (!f->stop)
        if (send(f->fd, msg, sizeof msg - 1, MSG_NOSIGNAL) < 0 && errno != ENOBUFS &&
            errno != ECONNREFUSED)
            break;
    return NULL;
}

static void stop_is_not_held_by_senders_that_never_pause(void **state)
{
    (void)state;
    char *path = temp_db("flood.db");
    store *s = open_db(path);
    xn_config cfg;
    base_config(&cfg, path);
    snprintf(cfg.syslog_udp, sizeof cfg.syslog_udp, "127.0.0.1:0");
    snprintf(cfg.syslog_tcp, sizeof cfg.syslog_tcp, "127.0.0.1:0");
    cfg.syslog_queue = 64;
    xn_log log;
    xn_log_init(&log, NULL, XN_LOG_ERROR, XN_LOG_KV);
    audit_syslog *r = NULL;
    xn_error err;
    assert_int_equal(audit_syslog_start(&r, &cfg, s, &log, &err), XN_OK);
    flooder fl[2] = {{.fd = connect_to(SOCK_DGRAM, audit_syslog_port(r, false))},
                     {.fd = connect_to(SOCK_STREAM, audit_syslog_port(r, true))}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, flood, &fl[i]);
    sleep_ms(300);
    int64_t t0 = xn_monotonic_us();
    audit_syslog_stop(r);
    int64_t took_ms = (xn_monotonic_us() - t0) / 1000;
    for (int i = 0; i < 2; i++) {
        fl[i].stop = true;
        pthread_join(t[i], NULL);
        close(fl[i].fd);
    }
    if (took_ms > 15000)
        fail_msg("stop took %lld ms while senders kept sending", (long long)took_ms);
    assert_true(stored_rows(s) > 0);
    store_close(s);
    free(path);
}

static void a_taken_port_is_a_clear_error(void **state)
{
    (void)state;
    char *path = temp_db("taken.db");
    store *s = open_db(path);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, 1), 0);
    socklen_t sl = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &sl);
    xn_config cfg;
    base_config(&cfg, path);
    snprintf(cfg.syslog_udp, sizeof cfg.syslog_udp, "127.0.0.1:0");
    snprintf(cfg.syslog_tcp, sizeof cfg.syslog_tcp, "127.0.0.1:%u", ntohs(a.sin_port));
    xn_log log;
    xn_log_init(&log, NULL, XN_LOG_ERROR, XN_LOG_KV);
    audit_syslog *r = NULL;
    xn_error err;
    assert_int_equal(audit_syslog_start(&r, &cfg, s, &log, &err), XN_EIO);
    assert_null(r);
    assert_non_null(strstr(err.message, "cannot listen for syslog on tcp 127.0.0.1:"));
    assert_non_null(strstr(err.message, "in use"));
    /* Both listeners off: nothing runs. */
    base_config(&cfg, path);
    assert_int_equal(audit_syslog_start(&r, &cfg, s, &log, &err), XN_OK);
    assert_null(r);
    audit_syslog_stop(NULL);
    close(fd);
    store_close(s);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc5424_with_structured_data_and_bom),
        cmocka_unit_test(rfc5424_examples_from_the_rfc),
        cmocka_unit_test(rfc5424_nil_values),
        cmocka_unit_test(rfc5424_malformed_is_kept_whole_with_parse_error),
        cmocka_unit_test(rfc3164_full_header),
        cmocka_unit_test(rfc3164_partial_headers),
        cmocka_unit_test(rfc3164_year_is_the_latest_not_far_ahead),
        cmocka_unit_test(unknown_empty_and_binary),
        cmocka_unit_test(utf8_repair_keeps_valid_text_and_replaces_the_rest),
        cmocka_unit_test(framing_by_newline),
        cmocka_unit_test(framing_by_octet_count_and_mixed),
        cmocka_unit_test(framing_survives_every_split_point),
        cmocka_unit_test(framing_truncates_oversize_and_stays_in_sync),
        cmocka_unit_test(days_are_shanghai_days),
        cmocka_unit_test(store_keeps_raw_fields_and_flags_per_day),
        cmocka_unit_test(multi_row_batches_keep_each_row),
        cmocka_unit_test(registered_sources_are_known),
        cmocka_unit_test(search_filters_and_pages),
        cmocka_unit_test(statistics_count_per_source_severity_app_and_time),
        cmocka_unit_test(purge_drops_whole_days_past_retention_only),
        cmocka_unit_test(overload_drops_are_counted_never_hidden),
        cmocka_unit_test(tcp_stream_is_stored_whole_at_stop),
        cmocka_unit_test(tcp_connections_are_bounded_and_idle_ones_closed),
        cmocka_unit_test(stop_is_not_held_by_senders_that_never_pause),
        cmocka_unit_test(a_taken_port_is_a_clear_error),
    };
    return cmocka_run_group_tests_name("syslog", tests, NULL, NULL);
}
