/*
 * register: the registers (台账) inspectors ask for, as data (LED-1..11, ORG-3). A register is a
 * definition (register_def, definitions.c): its fields with their types, its states and the
 * transitions between them with the fields each requires, its unique constraints, who reads
 * and who writes it, and the requirement ids it serves. One engine (engine.c) serves every
 * register: list with filters, search and cursor paging; create; edit with a reason;
 * transitions; the history of every row, written through the audit trail in the same
 * transaction. A new register is a table entry, not a new handler.
 *
 * Values are kept as canonical text (a date as YYYY-MM-DD, an address in its usual form, a MAC
 * as aa:bb:cc:dd:ee:ff, a person or a file as its id), one validator per type
 * (fields.c), each refusing with a Chinese message naming the field.
 */
#ifndef XINAN_REGISTER_H
#define XINAN_REGISTER_H

#include "audit/audit.h"
#include "auth/auth.h"
#include "base/base.h"
#include "calendar/calendar.h"
#include "files/files.h"
#include "store/store.h"

#define REGISTER_MAX_VALUE 8192 /* bytes of one value (long text) */
#define REGISTER_MAX_PAGE  500

typedef struct register_ctx register_ctx;

typedef enum register_type {
    RT_TEXT,
    RT_LONGTEXT,
    RT_INT,
    RT_DECIMAL,
    RT_DATE,
    RT_DATETIME,
    RT_BOOL,
    RT_ENUM,
    RT_PERSON,
    RT_DEPT,
    RT_IPV4,
    RT_IPV6,
    RT_CIDR,
    RT_MAC,
    RT_PHONE,
    RT_EMAIL,
    RT_DOMAIN,
    RT_URL,
    RT_SECRECY,
    RT_FILE,
    RT_REF,
} register_type;

typedef struct register_option {
    const char *value, *label;
} register_option;

typedef struct register_field {
    const char *key, *label;
    register_type type;
    bool required;
    bool list;      /* a column of the list */
    bool search;    /* searched by ?q= */
    bool step;      /* filled at a transition only, not in the create form */
    bool computed;  /* set by the register's derive rule, never by input */
    bool four_eyes; /* a change waits for a second keeper's approval (register_pending_decide) */
    const char *help;
    const register_option *options; /* RT_ENUM, ended by {NULL} */
    const char *ref;                /* RT_REF: the register a value points into */
} register_field;

typedef struct register_state {
    const char *key, *label;
    bool frees_unique; /* rows in this state leave the unique constraints (a disposed device) */
} register_state;

struct register_def;
/* A transition's own rule beyond its required fields; 0, or an error naming a field. */
typedef int (*register_check_fn)(const struct register_def *d, const json_t *data, xn_error *err);

typedef struct register_transition {
    const char *key, *label;
    const char *from; /* comma-separated states */
    const char *to;
    const char *requires; /* comma-separated field keys the transition must carry */
    register_check_fn check;
} register_transition;

typedef struct register_unique {
    const char *fields; /* comma-separated: unique alone or together */
} register_unique;

typedef struct register_def {
    const char *key, *name, *reqs;
    const char *read_perm, *write_perm;
    int retention_days;
    const register_field *fields;           /* ended by {NULL} */
    const register_state *states;           /* ended by {NULL}; the first is a new row's */
    const register_transition *transitions; /* ended by {NULL}; may be NULL */
    const register_unique *uniques;         /* ended by {NULL}; may be NULL */
    register_check_fn check;                /* a rule of the row as a whole, may be NULL */
    /* Fills the computed fields from the others before the row is checked (NULL: none). */
    int (*derive)(register_ctx *c, json_t *data, xn_error *err);
    /* What the home page flags on a row today (a Chinese sentence into buf), or false. */
    bool (*flag)(const json_t *data, const char *state, int32_t today, char *buf, size_t size);
} register_def;

extern const register_def register_defs[];
extern const size_t register_defs_count;
const register_def *register_find(const char *key);
const register_field *register_field_find(const register_def *d, const char *key);
/* Checks a definition (unique keys, enums with options, references to existing registers,
 * transitions between existing states naming existing fields): XN_EINVAL naming the fault. */
int register_def_check(const register_def *d, xn_error *err);

/* The validator of a field's type: the value (a JSON string, number or boolean) into its
 * canonical text in out. db is used by the person, department, file and reference types
 * (NULL: their existence is not checked). XN_EINVAL naming the field, in Chinese. */
int register_value(register_ctx *c, const register_field *f, const json_t *value, char *out,
                   size_t size, xn_error *err);

typedef struct register_options {
    store *db;
    audit_trail *trail;
    files_store *files;
    const auth_settings *auth; /* auth_now, the rules' clock */
    calendar_live *calendar;   /* working-day deadlines (OBL); NULL: Monday to Friday */
} register_options;

int register_open(register_ctx **out, const register_options *opt, xn_error *err);
void register_free(register_ctx *c);

/* The date n working days after date (YYYY-MM-DD) into out; *estimated when a year without
 * holiday data was counted Monday to Friday. XN_EINVAL for a date that does not parse. */
int register_workdays_after(register_ctx *c, const char *date, int n, char out[XN_DATE_STR],
                            bool *estimated, xn_error *err);

/* The definitions as the API shows them, with can_write for principal p. */
json_t *register_defs_json(const auth_principal *p);

typedef struct register_query {
    const char *q;         /* substring of the searchable fields */
    const char *state;     /* NULL: any but retired */
    const char *fields[8]; /* field filters: key and exact canonical value */
    const char *values[8];
    int nfilters;
    int limit;
    int64_t after; /* cursor: rows with a smaller id */
} register_query;

/* {rows:[{id, state, state_label, flags:[…], created_at, updated_at, <field>: value …}], next} */
int register_rows_json(register_ctx *c, const register_def *d, const register_query *q,
                       json_t **out, xn_error *err);
int register_row_json(register_ctx *c, const register_def *d, int64_t id, json_t **out,
                      xn_error *err);
/* Creates a row from the object in (unknown fields refused, required ones present, values
 * valid, unique constraints kept: XN_ECONFLICT naming the field). */
int register_create(register_ctx *c, const register_def *d, const audit_actor *actor,
                    const json_t *in, int64_t *id, xn_error *err);
/* Changes the fields in `in` (a reason required) with their history. A change of a field
 * marked four_eyes is not applied: it waits for a second keeper (*pending its id; 0 when the
 * change was applied). */
int register_update(register_ctx *c, const register_def *d, const audit_actor *actor, int64_t id,
                    const json_t *in, const char *reason, int64_t *pending, xn_error *err);
/* A second keeper (not the one who asked) applies a pending change or refuses it; audited. */
int register_pending_decide(register_ctx *c, const register_def *d, const audit_actor *actor,
                            int64_t id, bool approve, xn_error *err);
/* {"items":[{id, row_id, request, reason, asked_by, asked_at, state, decided_by}]} */
int register_pending_json(register_ctx *c, const register_def *d, json_t **out, xn_error *err);
/* Moves a row along a transition (key or target state in `to`), with the fields it requires. */
int register_transition_run(register_ctx *c, const register_def *d, const audit_actor *actor,
                            int64_t id, const char *to, const json_t *in, xn_error *err);
/* An evidence file on a row (its virus check passed, or the check switched off), with a note;
 * on the row's history and audited. XN_ECONFLICT when attached already. */
int register_attach(register_ctx *c, const register_def *d, const audit_actor *actor, int64_t id,
                    int64_t file_id, const char *note, xn_error *err);
/* Retires a row (a reason required): it leaves the lists and frees its unique values; its
 * history stays. A retired row is deleted by register_purge only once its register's retention
 * has passed since its last change (LED: a register row is never deleted younger). */
int register_retire(register_ctx *c, const register_def *d, const audit_actor *actor, int64_t id,
                    const char *reason, xn_error *err);
/* The job register.purge: retired rows past their retention, each deletion audited. */
int register_purge(register_ctx *c, int64_t now_us, int *purged, xn_error *err);
/* [{at, actor, kind, reason, changes:[{field, before, after}]}] oldest first. */
int register_history_json(register_ctx *c, const register_def *d, int64_t id, json_t **out,
                          xn_error *err);
/* The register as CSV (UTF-8 with BOM; a cell starting = + - @ TAB CR gets a leading '). */
int register_export_csv(register_ctx *c, const register_def *d, FILE *out, xn_error *err);
/* The register as an xlsx workbook at path (libxlsxwriter in constant-memory mode): a title
 * row with the unit (the root of the organisation) and the export time, the Chinese headers
 * (编号, 状态, the fields' labels) frozen under it, column widths, the row id in the first
 * column so the file can come back as an update, dates and times as spreadsheet dates, enum
 * labels in Chinese, every text written as a string cell (never a formula). */
int register_export_xlsx(register_ctx *c, const register_def *d, const char *path, xn_error *err);

#define REGISTER_IMPORT_MAX_ROWS  100000
#define REGISTER_IMPORT_MAX_BYTES (50u << 20) /* bytes of the file */
#define REGISTER_IMPORT_SHOWN     50          /* bad rows listed; the rest counted */

typedef struct register_import_result {
    int64_t added, updated;
    /* On the refusal "bad_rows": the first REGISTER_IMPORT_SHOWN faults [{row, field, column,
     * reason}] (row as the spreadsheet numbers it, field the key, column the header people
     * see, reason in Chinese) and the count of the rest; rows is the caller's to json_decref
     * (NULL otherwise). */
    json_t *rows;
    int64_t more;
} register_import_result;

/*
 * Imports a file in the export's own layout: format "xlsx" (the first sheet) or "csv" (UTF-8
 * with or without a BOM, or GB18030 converted). Title lines before the header row are
 * skipped; the header names the columns by their Chinese labels (or keys); 编号 is the row id,
 * 状态 and computed fields are read but never written (states change by transitions only);
 * enum cells may hold the Chinese label or the key; a CSV cell's leading apostrophe added by
 * the export is taken off. Rows that carry the id of an existing row update it (history and
 * audit with the reason 导入); others are added. All or nothing, in one transaction with a
 * register.import record: any fault (a bad value, a unique clash, an unknown id or column, a
 * formula cell) refuses the whole file with XN_EINVAL "bad_rows" and res->rows, and nothing
 * changes. A file that cannot be read at all: XN_EINVAL ("bad_file", "too_many_rows", …)
 * with a Chinese message. At most REGISTER_IMPORT_MAX_ROWS rows and
 * REGISTER_IMPORT_MAX_BYTES bytes.
 */
int register_import(register_ctx *c, const register_def *d, const audit_actor *actor,
                    const char *format, const void *data, size_t len, register_import_result *res,
                    xn_error *err);

/* ACC-2, LED-8: a person's trainings in the trainings register, by real name (a whole name in
 * the attendees): {trained, sessions, last: {id, date, topic} | null}. */
int register_training_json(register_ctx *c, const char *real_name, json_t **out, xn_error *err);

/* The home page's flags: {items:[{register, id, title, flag}]} (lent and not returned,
 * re-filings overdue, media checks due, licences expiring, …). */
int register_flags_json(register_ctx *c, const auth_principal *p, json_t **out, xn_error *err);

#endif
