/*
 * Internal to the audit room: the syslog parser and TCP framer (pure, no I/O; fuzzed by
 * fuzz/fuzz_syslog_parse.c).
 */
#ifndef XINAN_AUDIT_SYSLOG_INT_H
#define XINAN_AUDIT_SYSLOG_INT_H

#include "audit/audit.h"

/* ---- parser -------------------------------------------------------------------------------- */

typedef enum syslog_format {
    SYSLOG_UNKNOWN = 0, /* no valid PRI: stored as text with parse_error */
    SYSLOG_RFC3164 = 3164,
    SYSLOG_RFC5424 = 5424,
} syslog_format;

/* A field: bytes inside the raw message, or absent (p == NULL: missing or NILVALUE "-"). */
typedef struct syslog_span {
    const unsigned char *p;
    size_t n;
} syslog_span;

/*
 * A parsed message. Every span points into the raw bytes given to syslog_parse. Header fields
 * (hostname, app, procid, msgid) hold printable ASCII only (33..126), the timestamp the same
 * or spaces (RFC 3164's "Nov  5 10:00:00"), so they are always valid UTF-8; sd and text may
 * hold any bytes and go through syslog_utf8_repair before they are stored as text.
 */
typedef struct syslog_msg {
    syslog_format format;
    bool parse_error; /* the bytes do not follow the grammar of their format (or have none) */
    int facility;     /* 0..23, -1 without a valid PRI */
    int severity;     /* 0..7, -1 without a valid PRI */
    syslog_span timestamp;
    bool has_time;   /* timestamp understood: time_us holds it */
    int64_t time_us; /* UTC epoch µs */
    syslog_span hostname, app, procid, msgid;
    syslog_span sd;   /* RFC 5424 structured data as given, absent for "-" */
    syslog_span text; /* MSG: without a leading BOM (5424) and trailing CR, LF and NUL */
} syslog_msg;

/*
 * Parses one message. Never fails: bytes that follow neither RFC 5424 nor RFC 3164 give
 * format SYSLOG_UNKNOWN (or the format whose grammar they broke) with parse_error set and, when
 * the header is unusable, the whole message as text. recv_us (UTC epoch µs) supplies the year an
 * RFC 3164 timestamp leaves out: the latest year that puts it no more than 31 days after the
 * receive time; such a timestamp is read as Asia/Shanghai time, since it carries no zone.
 */
void syslog_parse(const unsigned char *raw, size_t len, int64_t recv_us, syslog_msg *out);

/*
 * Appends s[0..n) to out as valid UTF-8: each byte that does not start a well-formed sequence,
 * and each NUL, becomes U+FFFD. *replaced (may be NULL) is set when anything was replaced.
 * Returns 0 or the buffer's error.
 */
int syslog_utf8_repair(const unsigned char *s, size_t n, xn_buf *out, bool *replaced);

/* ---- TCP framing (RFC 6587) ------------------------------------------------------------------ */

/*
 * Splits a TCP byte stream into messages, deciding the framing per message: a frame that starts
 * with a digit 1-9, a run of at most 9 digits and a space is octet-counted ("LEN SP MSG");
 * anything else runs to the next LF (a CR before it is dropped; empty lines are skipped). A
 * message longer than max is cut to its first max bytes and reported truncated; the rest of its
 * frame is read and discarded, so the next frame starts where it should.
 */
typedef void (*syslog_frame_fn)(void *ctx, const unsigned char *msg, size_t len, bool truncated);

typedef struct syslog_framer {
    xn_buf msg; /* the current message so far, at most max bytes */
    size_t max;
    int state;       /* FRAME_* in syslog_parse.c */
    uint64_t count;  /* the length being read, then the bytes of the frame still to come */
    bool truncated;  /* the current message passed max */
    int count_width; /* digits of the length seen so far */
} syslog_framer;

void syslog_framer_init(syslog_framer *f, size_t max);
void syslog_framer_release(syslog_framer *f);
/* Feeds bytes; fn is called once per complete message, in order. */
void syslog_framer_feed(syslog_framer *f, const unsigned char *data, size_t n, syslog_frame_fn fn,
                        void *ctx);
/* The stream ended: a line without its LF is delivered as a message, an octet-counted frame
 * that stopped short is delivered truncated. The framer is then ready for a new stream. */
void syslog_framer_finish(syslog_framer *f, syslog_frame_fn fn, void *ctx);

#endif
