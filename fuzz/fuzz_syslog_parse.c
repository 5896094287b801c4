/* libFuzzer harness: the syslog parser and the RFC 6587 TCP framer, which read every byte a
 * sender on the network chooses. The input is parsed as one datagram, then framed as a TCP
 * stream in pieces whose size the first byte picks, under a small message limit so truncation
 * runs often. Checks: fields stay inside the message and hold printable ASCII, PRI values are in
 * range, repaired text is valid UTF-8 without NUL, frames respect the limit, and framing gives
 * the same messages whatever the pieces (a differential check against one whole feed). */
#include "audit/syslog_int.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* lowest: the smallest byte allowed (33 for header fields, 32 for the RFC 3164 timestamp
 * "Nov  5 10:00:00"); 0 for fields that may hold anything. */
static void check_span(const unsigned char *raw, size_t len, syslog_span s, unsigned lowest,
                       size_t max)
{
    if (!s.p)
        return;
    if (s.p < raw || s.n > len || s.p + s.n > raw + len || s.n == 0 || s.n > max)
        abort();
    for (size_t i = 0; lowest && i < s.n; i++)
        if (s.p[i] < lowest || s.p[i] > 126)
            abort();
}

/* clean: the parser's word that the bytes are valid UTF-8 without NUL; repair must agree. */
static void check_repair(syslog_span s, bool clean)
{
    if (!s.p)
        return;
    xn_buf b;
    xn_buf_init(&b, 0);
    bool replaced = false;
    if (syslog_utf8_repair(s.p, s.n, &b, &replaced) != XN_OK)
        abort();
    if (b.len && (!xn_utf8_valid(b.data, b.len) || memchr(b.data, '\0', b.len)))
        abort();
    if (!replaced && (b.len != s.n || memcmp(b.data, s.p, s.n) != 0))
        abort(); /* nothing replaced means nothing changed */
    if (clean == replaced)
        abort();
    xn_buf_release(&b);
}

static void check_parse(const unsigned char *raw, size_t len)
{
    syslog_msg m;
    syslog_parse(raw, len, 1795284118000000LL, &m);
    if (m.format != SYSLOG_UNKNOWN && m.format != SYSLOG_RFC3164 && m.format != SYSLOG_RFC5424)
        abort();
    if (m.facility < 0) {
        if (m.severity != -1 || m.format != SYSLOG_UNKNOWN || !m.parse_error)
            abort();
    } else if (m.facility > 23 || m.severity < 0 || m.severity > 7) {
        abort();
    }
    if (m.has_time && !m.timestamp.p)
        abort();
    check_span(raw, len, m.timestamp, 32, 39);
    check_span(raw, len, m.hostname, 33, 255);
    check_span(raw, len, m.app, 33, 48);
    check_span(raw, len, m.procid, 33, 128);
    check_span(raw, len, m.msgid, 33, 32);
    check_span(raw, len, m.sd, 0, len);
    check_span(raw, len, m.text, 0, len);
    if ((!m.sd.p && !m.sd_clean) || (!m.text.p && !m.text_clean))
        abort(); /* an absent field is clean */
    check_repair(m.sd, m.sd_clean);
    check_repair(m.text, m.text_clean);
}

/* Frames as one record each: truncated flag, length, bytes. */
typedef struct record {
    xn_buf out;
    size_t max;
    int frames;
} record;

static void on_frame(void *ctx, const unsigned char *msg, size_t len, bool truncated)
{
    record *r = ctx;
    if (len > r->max)
        abort();
    unsigned char head[1 + sizeof len];
    head[0] = truncated;
    memcpy(head + 1, &len, sizeof len);
    xn_buf_append(&r->out, head, sizeof head);
    xn_buf_append(&r->out, msg, len);
    r->frames++;
    check_parse(msg, len);
}

static void frame(const uint8_t *data, size_t size, size_t max, size_t piece, record *r)
{
    syslog_framer f;
    syslog_framer_init(&f, max);
    xn_buf_init(&r->out, 0);
    r->max = max;
    r->frames = 0;
    for (size_t at = 0; at < size; at += piece) {
        size_t n = size - at < piece ? size - at : piece;
        syslog_framer_feed(&f, data + at, n, on_frame, r);
    }
    syslog_framer_finish(&f, on_frame, r);
    syslog_framer_release(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_parse(data, size);
    if (size == 0)
        return 0;
    size_t piece = (size_t)(data[0] % 17) + 1;
    size_t max = 16 + (size_t)(data[0] >> 2);
    record whole, pieces;
    frame(data + 1, size - 1, max, size, &whole);
    frame(data + 1, size - 1, max, piece, &pieces);
    if (whole.frames != pieces.frames || whole.out.len != pieces.out.len ||
        (whole.out.len && memcmp(whole.out.data, pieces.out.data, whole.out.len) != 0))
        abort();
    xn_buf_release(&whole.out);
    xn_buf_release(&pieces.out);
    return 0;
}
