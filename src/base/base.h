/*
 * base: the foundation every other room stands on.
 *
 * Error values, arenas (request-lifetime memory), bounded growable buffers, UTF-8 validation,
 * JSON helpers over jansson with size and depth bounds, time (UTC epoch microseconds stored,
 * Asia/Shanghai shown), the configuration table (INI file, XINAN_* environment, flags) and
 * structured one-line logging. Nothing here knows about the database or HTTP.
 */
#ifndef XINAN_BASE_H
#define XINAN_BASE_H

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define XN_VERSION "0.1.0"

/* ------------------------------------------------------------------------------------------ */
/* Error values                                                                               */
/* ------------------------------------------------------------------------------------------ */

/* Every fallible function returns 0 on success or one of these negative codes. */
typedef enum xn_err {
    XN_OK = 0,
    XN_ENOMEM = -1,    /* allocation failed (only for client-sized allocations) */
    XN_EINVAL = -2,    /* bad input: the caller's data is wrong */
    XN_ENOTFOUND = -3, /* no such object */
    XN_EBUSY = -4,     /* resource busy (database lock); may be retried */
    XN_EIO = -5,       /* I/O or database failure */
    XN_ECONFLICT = -6, /* state changed underneath (already approved, duplicate) */
    XN_EDENIED = -7,   /* not permitted */
    XN_ETOOBIG = -8,   /* input exceeds its bound */
    XN_ESCHEMA = -9,   /* database schema is newer than this program */
    XN_EINTERNAL = -10 /* a broken invariant: a bug */
} xn_err;

/*
 * Details of a failure, filled by the callee and left untouched on success. `code` is a stable
 * machine word ("bad_json", "db_busy"), `message` a sentence for people, `field` the offending
 * input field when there is one. Never holds secrets.
 */
typedef struct xn_error {
    int status; /* the xn_err value */
    char code[48];
    char message[256];
    char field[64];
} xn_error;

/* Fills err (if non-NULL) and returns status, so callers can `return xn_fail(...)`. */
int xn_fail(xn_error *err, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* As xn_fail, naming the offending input field. */
int xn_fail_field(xn_error *err, int status, const char *code, const char *field, const char *fmt,
                  ...) __attribute__((format(printf, 5, 6)));
void xn_error_clear(xn_error *err);
const char *xn_err_name(int status);

/* Small internal allocations abort on failure (STYLE 6); client-sized ones use plain malloc. */
void *xn_xmalloc(size_t n);
void *xn_xcalloc(size_t count, size_t size);
void *xn_xrealloc(void *p, size_t n);
char *xn_xstrdup(const char *s);

/* ------------------------------------------------------------------------------------------ */
/* Arena: memory tied to one lifetime (a request, a job run), freed in one shot.              */
/* ------------------------------------------------------------------------------------------ */

typedef struct xn_arena xn_arena;
typedef void (*xn_cleanup_fn)(void *data);

/* Creates an arena that refuses to hand out more than `limit` bytes in total (0: no limit). */
xn_arena *xn_arena_new(size_t limit);
/* Runs cleanups in reverse order of registration, then frees every allocation. NULL is fine. */
void xn_arena_free(xn_arena *a);
/* Aligned allocation; NULL when the arena's limit would be exceeded or memory is exhausted. */
void *xn_arena_alloc(xn_arena *a, size_t n);
void *xn_arena_calloc(xn_arena *a, size_t count, size_t size);
char *xn_arena_strndup(xn_arena *a, const char *s, size_t n);
char *xn_arena_strdup(xn_arena *a, const char *s);
char *xn_arena_printf(xn_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Registers fn(data) to run when the arena is freed. Returns 0 or XN_ENOMEM. */
int xn_arena_on_free(xn_arena *a, xn_cleanup_fn fn, void *data);

/* ------------------------------------------------------------------------------------------ */
/* Buffer: growable bytes with a hard maximum (curl's dynbuf habit).                          */
/* ------------------------------------------------------------------------------------------ */

typedef struct xn_buf {
    char *data; /* always NUL-terminated when len > 0 or after any append */
    size_t len;
    size_t cap;
    size_t max; /* appends that would pass this fail with XN_ETOOBIG */
} xn_buf;

void xn_buf_init(xn_buf *b, size_t max);
void xn_buf_release(xn_buf *b);
void xn_buf_reset(xn_buf *b);
int xn_buf_append(xn_buf *b, const void *data, size_t n);
int xn_buf_puts(xn_buf *b, const char *s);
int xn_buf_printf(xn_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int xn_buf_vprintf(xn_buf *b, const char *fmt, va_list ap);
/* Hands the data to the caller (free with free()) and leaves the buffer empty. */
char *xn_buf_detach(xn_buf *b, size_t *len);

/* ------------------------------------------------------------------------------------------ */
/* Network addresses                                                                           */
/* ------------------------------------------------------------------------------------------ */

/* An IPv4 or IPv6 address; IPv4 is kept as its IPv4-mapped IPv6 form (::ffff:a.b.c.d), so one
 * comparison serves both families. */
typedef struct xn_ip {
    uint8_t b[16];
    bool v4;
} xn_ip;

/* A network: an address and a prefix length over the 128-bit form (an IPv4 /24 is /120). */
typedef struct xn_cidr {
    xn_ip net;
    int prefix;
} xn_cidr;

#define XN_IP_STR 46 /* INET6_ADDRSTRLEN */

/* Parses an IPv4 (dotted quad) or IPv6 literal, nothing around it; an IPv4-mapped IPv6 literal
 * counts as IPv4. False for anything else. */
bool xn_ip_parse(const char *s, xn_ip *out);
/* The address in its usual text form ("192.0.2.1", "2001:db8::1"). */
void xn_ip_format(const xn_ip *ip, char out[XN_IP_STR]);
/* "a.b.c.d/n" (n 0..32), "v6/n" (n 0..128), or a bare address (a single host). Host bits set
 * beyond the prefix are refused, so a typo is not silently widened. */
bool xn_cidr_parse(const char *s, xn_cidr *out);
bool xn_cidr_contains(const xn_cidr *net, const xn_ip *ip);
/* The key one client is counted under by per-address limits: the address itself for IPv4, the
 * /64 for IPv6 (one subscriber usually holds a whole /64). */
void xn_ip_client_key(const xn_ip *ip, xn_ip *key);

/* ---- outgoing HTTP (http_client.c, libcurl) ---- */

struct curl_slist;
/* Sets up the libcurl handle curl (a CURL *) for one request to url: http and https only, no
 * redirect followed, no signals, the timeouts in seconds (total_s 0: none, for a transfer
 * bounded by its speed instead), headers (the caller's until the request ends). The method,
 * body and answer are the caller's to set. */
void xn_http_request(void *curl, const char *url, struct curl_slist *headers, long connect_s,
                     long total_s);

/* ------------------------------------------------------------------------------------------ */
/* Strings and UTF-8                                                                           */
/* ------------------------------------------------------------------------------------------ */

/* True when s[0..n) is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
bool xn_utf8_valid(const char *s, size_t n);
/* True when the text holds a C0/C1 control character other than tab, CR and LF. */
bool xn_has_control(const char *s, size_t n);
/*
 * The next line of text[0..len) from *pos: its length without the line ending into *line_len,
 * and *pos moved past the ending. A line ends at LF, CRLF or a lone CR (files saved on any
 * system); text after the last ending is a line too, an ending at the very end is not
 * followed by an empty one. Returns the line's start, or NULL when *pos has reached len.
 */
const char *xn_next_line(const char *text, size_t len, size_t *pos, size_t *line_len);
/* What xn_check_text expects (name.c describes the rules). */
typedef enum xn_text_kind {
    XN_TEXT_FREE,   /* comments, reasons: any text but control and bidirectional characters */
    XN_TEXT_LABEL,  /* names of things (units, tokens): visible, not blank, no leading = + - @ */
    XN_TEXT_PERSON, /* a person's name: letters of any script, · and spaces between words */
} xn_text_kind;
/*
 * ACC-1: checks text entered by a person (NULL or "" is empty: refused when required). XN_OK,
 * or XN_EINVAL naming field, with a Chinese message naming label (the field as people call
 * it) and codes required, too_long, bad_text, bidi_control, invisible_char, bad_start,
 * bad_name. The one check for names and free text behind every entry point.
 */
int xn_check_text(const char *s, size_t max, xn_text_kind kind, bool required, const char *field,
                  const char *label, xn_error *err);
/* Copies at most dst_size-1 bytes; returns XN_ETOOBIG (and copies nothing) when src is longer. */
int xn_strlcpy(char *dst, const char *src, size_t dst_size);
/* Exactly n ASCII digits at s (n <= 9) into *out; false at anything else. For fixed-width
 * fields such as the parts of YYYY-MM-DD. */
bool xn_digits(const char *s, int n, int *out);
/* Parses a whole decimal integer within [min, max]; no trailing garbage. */
int xn_parse_int64(const char *s, int64_t min, int64_t max, int64_t *out);
/* Lower-case hex of n bytes into out (2n+1 bytes). */
void xn_hex(const unsigned char *in, size_t n, char *out);
/* Fills buf with n cryptographically random bytes (getrandom); aborts if the kernel refuses. */
void xn_random_bytes(void *buf, size_t n);

/* ------------------------------------------------------------------------------------------ */
/* JSON                                                                                        */
/* ------------------------------------------------------------------------------------------ */

#define XN_JSON_MAX_DEPTH 32

/*
 * Parses a JSON document from untrusted bytes: at most `max_size` bytes, nesting at most
 * XN_JSON_MAX_DEPTH, valid UTF-8, no NUL. On failure fills err with code "bad_json" (or
 * "too_large") and returns NULL.
 */
json_t *xn_json_parse(const char *data, size_t len, size_t max_size, xn_error *err);
/* Appends s as a quoted JSON string (controls, quote and backslash escaped; UTF-8 as is). */
int xn_json_put_string(xn_buf *b, const char *s);
/* Serialises compactly into b; returns 0 or an error from the buffer. */
int xn_json_dump(xn_buf *b, const json_t *value);
/*
 * Reads a string member: required or optional, at most max_bytes, valid UTF-8, no control
 * characters. Fills err naming the field on failure. *out points into the json value.
 */
int xn_json_get_string(const json_t *obj, const char *key, bool required, size_t max_bytes,
                       const char **out, xn_error *err);
int xn_json_get_int(const json_t *obj, const char *key, bool required, int64_t min, int64_t max,
                    int64_t *out, xn_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Time: stored as UTC epoch microseconds, shown in Asia/Shanghai (UTC+8, no DST since 1991).  */
/* ------------------------------------------------------------------------------------------ */

int64_t xn_now_us(void);       /* wall clock, UTC epoch µs */
int64_t xn_monotonic_us(void); /* for durations */
/* "2026-11-21T17:30:00.123+08:00"; out must hold XN_TIME_STR bytes. */
#define XN_TIME_STR 40
void xn_time_format(int64_t epoch_us, char out[XN_TIME_STR]);
/* Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS]" (Shanghai time) or RFC 3339 with an offset. */
int xn_time_parse(const char *s, int64_t *epoch_us);

/* ------------------------------------------------------------------------------------------ */
/* Dates and the working-day calendar (OBL: the State Council's holidays and 调休)             */
/* ------------------------------------------------------------------------------------------ */

/* A date is a day number: days since 1970-01-01 in the Gregorian calendar, a date as it is
 * read in Asia/Shanghai. Years 1970..9999 only. */
#define XN_DATE_MIN_YEAR 1970
#define XN_DATE_MAX_YEAR 9999
#define XN_DATE_STR      11 /* "YYYY-MM-DD" and its NUL */

/* Parses exactly "YYYY-MM-DD" (n bytes, nothing around it) naming a real date of years
 * 1970..9999; false for anything else (2025-02-29, 2025-1-5, 2025-01-01x). */
bool xn_date_parse(const char *s, size_t n, int32_t *day);
/* The day number of a real date (y, m, d are checked); false when there is no such date. */
bool xn_date_from_ymd(int y, int m, int d, int32_t *day);
void xn_date_ymd(int32_t day, int *y, int *m, int *d);
void xn_date_format(int32_t day, char out[XN_DATE_STR]);
/* 0 Sunday, 1 Monday … 6 Saturday. */
int xn_date_weekday(int32_t day);
/* The Shanghai date of an instant (UTC epoch µs). */
int32_t xn_date_of(int64_t epoch_us);

/*
 * The working-day calendar: a set of years, each built from the text of one year file (the
 * State Council's yearly notice; data/calendar/README.md describes the format). A day listed
 * `holiday` is a day off (the statutory holiday and the rest days moved next to it), a day
 * listed `workday` is an adjusted working day on a weekend (调休上班); any other day works
 * Monday to Friday. A year the calendar has no file for counts Monday to Friday too, and every
 * answer that looked at such a year says so (estimated), because its holidays are unknown.
 * The calendar knows nothing of where the texts come from (shipped or imported: calendar/).
 */
#define XN_CAL_MAX_TEXT     (64u << 10) /* bytes of one year file */
#define XN_CAL_MAX_NAME     64          /* bytes of a day's name (元旦, 春节调休上班) */
#define XN_CAL_MAX_NOTICE   256         /* bytes of the notice a year cites */
#define XN_CAL_MAX_ERRORS   10          /* bad lines listed in one refusal */
#define XN_CAL_MAX_WORKDAYS 3650        /* |N| of xn_calendar_add_workdays */

typedef enum xn_day_kind {
    XN_DAY_ORDINARY = 0, /* not listed: Monday to Friday work, Saturday and Sunday rest */
    XN_DAY_HOLIDAY = 1,  /* listed "holiday": a day off */
    XN_DAY_WORKDAY = 2,  /* listed "workday": a Saturday or Sunday that is worked */
} xn_day_kind;

typedef struct xn_cal_day {
    int32_t day;
    xn_day_kind kind;
    char name[XN_CAL_MAX_NAME + 1];
} xn_cal_day;

/* One year's arrangement: its listed days in date order. */
typedef struct xn_cal_year {
    int year;
    char notice[XN_CAL_MAX_NOTICE + 1]; /* the notice it comes from, as its file cites it */
    bool imported;                      /* set by the owner: imported, not shipped */
    size_t n;
    xn_cal_day days[366];
} xn_cal_year;

/* A refused year file: the first XN_CAL_MAX_ERRORS bad lines, and how many there were. Line 0
 * stands for the file as a whole (a missing `year` or `notice` line, no listed day). */
typedef struct xn_cal_bad_line {
    size_t line;
    char code[32];
    char reason[160];
} xn_cal_bad_line;
typedef struct xn_cal_refusal {
    size_t total, n;
    xn_cal_bad_line lines[XN_CAL_MAX_ERRORS];
} xn_cal_refusal;

/*
 * Parses one year file strictly. year: the year the file must be for (0: the one its `year`
 * line names). On success *out is a new year (xn_cal_year_free). Otherwise XN_ETOOBIG
 * ("too_large") for more than XN_CAL_MAX_TEXT bytes, or XN_EINVAL "bad_calendar" naming the
 * first bad lines in the message, every bad line counted in bad (may be NULL): not_utf8,
 * control_char, bad_line (neither a date line nor year/notice), bad_date (no such date),
 * wrong_year (a date or `year` line of another year), duplicate_date, bad_kind (not holiday
 * or workday), workday_not_weekend, bad_name, bad_notice, header_twice, header_late (year or
 * notice after the first date), no_year, no_notice, no_days.
 */
int xn_cal_year_parse(const char *text, size_t len, int year, xn_cal_year **out,
                      xn_cal_refusal *bad, xn_error *err);
void xn_cal_year_free(xn_cal_year *y);
/* The listed day, or NULL. */
const xn_cal_day *xn_cal_year_find(const xn_cal_year *y, int32_t day);

typedef struct xn_calendar xn_calendar;

xn_calendar *xn_calendar_new(void);
void xn_calendar_free(xn_calendar *c);
/* Puts y (taken) into c, replacing and freeing a year already there with the same number. */
void xn_calendar_put(xn_calendar *c, xn_cal_year *y);
/* The year's arrangement, or NULL when c has none (its days are estimated). */
const xn_cal_year *xn_calendar_year(const xn_calendar *c, int year);
/* The years held, ascending, up to max into years; returns how many c holds. */
size_t xn_calendar_years(const xn_calendar *c, int *years, size_t max);
/*
 * Whether day is a working day. *estimated (may be NULL) is set when its year has no data
 * (then Monday to Friday count); *entry (may be NULL) gets the listed day or NULL.
 */
bool xn_calendar_is_workday(const xn_calendar *c, int32_t day, bool *estimated,
                            const xn_cal_day **entry);
/*
 * The deadline n working days from `from`: for n > 0 the n-th working day after it (from
 * itself never counts), for n < 0 the |n|-th working day before it, for n = 0 `from` when it
 * is a working day, else the next working day. *estimated is set when any day looked at lies
 * in a year without data. XN_EINVAL when |n| > XN_CAL_MAX_WORKDAYS or the walk leaves years
 * 1970..9999.
 */
int xn_calendar_add_workdays(const xn_calendar *c, int32_t from, int64_t n, int32_t *out,
                             bool *estimated, xn_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Logging: one line per event, key=value (default) or JSON.                                   */
/* ------------------------------------------------------------------------------------------ */

typedef enum xn_log_level { XN_LOG_DEBUG, XN_LOG_INFO, XN_LOG_WARN, XN_LOG_ERROR } xn_log_level;
typedef enum xn_log_format { XN_LOG_KV, XN_LOG_JSON } xn_log_format;

typedef struct xn_log {
    FILE *out;
    xn_log_level min_level;
    xn_log_format format;
} xn_log;

void xn_log_init(xn_log *log, FILE *out, xn_log_level min_level, xn_log_format format);
/*
 * Writes one event: `event` is a dotted name ("http.request"); the variadic part is pairs of
 * (const char *key, const char *value) ended by XN_LOG_END. Values are quoted or escaped as needed,
 * so a hostile value can never forge a second line or a second key.
 */
#define XN_LOG_END ((const char *)NULL) /* ends xn_log_event's pairs: a typed null pointer */
void xn_log_event(xn_log *log, xn_log_level level, const char *event, ...)
    __attribute__((sentinel));
int xn_log_level_parse(const char *s, xn_log_level *out);

/* ------------------------------------------------------------------------------------------ */
/* Configuration: one table of settings; file < environment < flags.                          */
/* ------------------------------------------------------------------------------------------ */

#define XN_MAX_TRUSTED_PROXIES 32

typedef struct xn_config {
    char listen_host[64]; /* server.listen host part */
    uint16_t listen_port;
    char db_path[512];       /* server.db: SQLite file path */
    int64_t max_body;        /* http.max_body bytes */
    int64_t max_connections; /* http.max_connections */
    int64_t idle_timeout;    /* http.idle_timeout seconds */
    int64_t threads;         /* http.threads (0: one per core) */
    int64_t max_header;      /* http.max_header bytes */
    int64_t shutdown_grace;  /* http.shutdown_grace seconds for in-flight requests */
    char secure_cookies[8];  /* http.secure_cookies: "auto" | "on" | "off" */
    xn_cidr trusted_proxies[XN_MAX_TRUSTED_PROXIES]; /* http.trusted_proxies */
    int ntrusted_proxies;
    int64_t max_connections_per_ip; /* http.max_connections_per_ip (proxies exempt) */
    int64_t header_timeout;         /* http.header_timeout: seconds for a whole request head */
    int64_t auth_idle_timeout;      /* auth.idle_timeout seconds (ACC-15) */
    int64_t db_busy_timeout;        /* store.busy_timeout ms */
    xn_log_level log_level;         /* log.level */
    xn_log_format log_format;       /* log.format */
    bool access_log;                /* log.access */
    char crypto[8];                 /* crypto.mode: "gm" | "intl" */
    char lexicons[512];             /* text.lexicons: lexicon file or directory */
    int64_t audit_epoch_records;    /* audit.epoch_records */
    int64_t audit_epoch_minutes;    /* audit.epoch_minutes */
    int64_t audit_retention_days;   /* audit.retention_days (>= 180) */
    char audit_witness[512];        /* audit.witness: "" = <db>.witness */
    char audit_witness_syslog[96];  /* audit.witness_syslog: [udp:// | tcp://]host:port or "" */
    int64_t audit_verify_hours;     /* audit.verify_hours: scheduled verification (0: off) */
    char syslog_udp[96];            /* syslog.udp: host:port or "" (off) */
    char syslog_tcp[96];            /* syslog.tcp: host:port or "" (off) */
    int64_t syslog_retention_days;  /* syslog.retention_days (>= 60) */
    int64_t syslog_queue;           /* syslog.queue: bounded receive queue, messages */
    int64_t syslog_max_conns;       /* syslog.max_connections: simultaneous TCP senders */
    int64_t syslog_idle_timeout;    /* syslog.idle_timeout: seconds a TCP sender may be silent */
    int64_t jobs_workers;           /* jobs.workers: job runner threads */
    int64_t notify_robot_rate;      /* notify.robot_rate_per_minute: robots' default rate */
    int64_t files_max_size;         /* files.max_size: largest evidence file, bytes */
    char files_clamd[256];          /* files.clamd: clamd's unix socket path or host:port; "" off */
    char publish_site_root[512];    /* publish.site_root: the static site ("": <db dir>/site) */
    char publish_cms_url[512];      /* publish.cms_url: the external CMS's webhook ("": none) */
    char publish_cms_secret[256];   /* publish.cms_secret: its signing secret */
} xn_config;

/* text.lexicons' default, relative to the working directory (the shipped lexicons, which are
 * also built into the binary for a server started elsewhere). */
#define XN_DEFAULT_LEXICONS "data/lexicons"

/* Fills cfg with the defaults. */
void xn_config_defaults(xn_config *cfg);
/*
 * Reads an INI file. A missing file is an error only when `required`. On a bad value, returns
 * XN_EINVAL and err->message names the file, line and key ("xinan.conf:7: [http] max_body: …").
 */
int xn_config_load_file(xn_config *cfg, const char *path, bool required, xn_error *err);
/* Applies XINAN_<SECTION>_<KEY> environment variables. */
int xn_config_load_env(xn_config *cfg, xn_error *err);
/* Sets one value by "section.key" (used by flags and env). */
int xn_config_set(xn_config *cfg, const char *section, const char *key, const char *value,
                  xn_error *err);
/* Parses "host:port" into the listen fields. */
int xn_config_set_listen(xn_config *cfg, const char *addr, xn_error *err);
/* The number of HTTP worker threads in effect: http.threads, or one per CPU core. */
int xn_config_threads(const xn_config *cfg);

#endif
