/*
 * An import's writes gathered across rows (register_int.h): the value rows and the history
 * entries of new rows, written many rows a statement. A statement a value was most of what an
 * import spent in SQLite (each one its own run of the VM, its cursors opened and closed); a
 * statement a row would make SQLite keep a statement journal for a few rows each (a multi-row
 * INSERT may stop halfway), which cost more than it saved. Many rows a statement pay both once.
 */
#include "register/register_int.h"

#include <stdlib.h>
#include <string.h>

/* Rows a statement: 3 placeholders each, far below SQLite's and PostgreSQL's bounds. A kind
 * is written as soon as it has this many, so that every statement but an import's last has the
 * same text (one cached statement). */
#define BATCH_ROWS 256

typedef struct batch_value {
    int64_t row;
    const char *field; /* the field's key (static, in the register's definition) */
    size_t off;        /* the value in values_text */
} batch_value;

typedef struct batch_entry {
    int64_t row, at;
    size_t off; /* the changes in history_text */
} batch_entry;

struct register_batch {
    const audit_actor *actor; /* the one person behind every entry */
    batch_value values[BATCH_ROWS];
    size_t nvalues;
    xn_buf values_text; /* each value NUL-terminated (offsets: the buffer moves) */
    batch_entry history[BATCH_ROWS];
    size_t nhistory;
    xn_buf history_text;
    /* the SQL of a full statement of each kind, made once (the cache's key is the text) */
    xn_buf full_sql[2];
};

register_batch *register_batch_new(const audit_actor *actor)
{
    register_batch *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->actor = actor;
    xn_buf_init(&b->values_text, 0);
    xn_buf_init(&b->history_text, 0);
    xn_buf_init(&b->full_sql[0], 0);
    xn_buf_init(&b->full_sql[1], 0);
    return b;
}

void register_batch_free(register_batch *b)
{
    if (!b)
        return;
    xn_buf_release(&b->values_text);
    xn_buf_release(&b->history_text);
    xn_buf_release(&b->full_sql[0]);
    xn_buf_release(&b->full_sql[1]);
    free(b);
}

void register_batch_reset(register_batch *b)
{
    b->nvalues = b->nhistory = 0;
    xn_buf_reset(&b->values_text);
    xn_buf_reset(&b->history_text);
}

/* head and n tuples: "($1, $2, $3), ($4, $5, $6), …" of values, "($2, $3, $1, 'create', NULL,
 * $4), …" of history entries. */
static int tuples_sql(xn_buf *sql, const char *head, size_t n, bool history)
{
    int rc = xn_buf_puts(sql, head);
    for (size_t i = 0; rc == XN_OK && i < n; i++)
        rc = history ? xn_buf_printf(sql, "%s ($%zu, $%zu, $1, 'create', NULL, $%zu)", i ? "," : "",
                                     3 * i + 2, 3 * i + 3, 3 * i + 4)
                     : xn_buf_printf(sql, "%s ($%zu, $%zu, $%zu)", i ? "," : "", 3 * i + 1,
                                     3 * i + 2, 3 * i + 3);
    return rc;
}

static int prepare(store_conn *tx, register_batch *b, const char *head, size_t n, bool history,
                   store_stmt **st, xn_error *err)
{
    xn_buf own;
    xn_buf_init(&own, 0);
    xn_buf *sql = n == BATCH_ROWS ? &b->full_sql[history] : &own;
    int rc = sql->len > 0 ? XN_OK : tuples_sql(sql, head, n, history);
    rc = rc == XN_OK ? store_prepare(tx, sql->data, st, err)
                     : xn_fail(err, XN_ENOMEM, "no_memory", "out of memory");
    xn_buf_release(&own);
    return rc;
}

static int flush_values(store_conn *tx, register_batch *b, xn_error *err)
{
    if (b->nvalues == 0)
        return XN_OK;
    store_stmt *st;
    int rc = prepare(tx, b, "INSERT INTO register_value (row_id, field, value) VALUES", b->nvalues,
                     false, &st, err);
    for (size_t i = 0; rc == XN_OK && i < b->nvalues; i++) {
        const batch_value *v = &b->values[i];
        const char *text = b->values_text.data + v->off;
        store_bind_int(st, (int)(3 * i + 1), v->row);
        store_bind_text_ref(st, (int)(3 * i + 2), v->field, strlen(v->field));
        store_bind_text_ref(st, (int)(3 * i + 3), text, strlen(text));
    }
    if (rc == XN_OK)
        rc = store_step(st, err);
    b->nvalues = 0;
    xn_buf_reset(&b->values_text);
    return rc < 0 ? rc : XN_OK;
}

static int flush_history(store_conn *tx, register_batch *b, xn_error *err)
{
    if (b->nhistory == 0)
        return XN_OK;
    /* $1 the actor, then each entry's row, time and changes: a new row's, so no reason */
    store_stmt *st;
    int rc = prepare(tx, b,
                     "INSERT INTO register_history (row_id, at, actor, kind, reason, changes)"
                     " VALUES",
                     b->nhistory, true, &st, err);
    if (rc == XN_OK)
        store_bind_text(st, 1, audit_actor_name(b->actor), -1);
    for (size_t i = 0; rc == XN_OK && i < b->nhistory; i++) {
        const batch_entry *e = &b->history[i];
        const char *text = b->history_text.data + e->off;
        store_bind_int(st, (int)(3 * i + 2), e->row);
        store_bind_int(st, (int)(3 * i + 3), e->at);
        store_bind_text_ref(st, (int)(3 * i + 4), text, strlen(text));
    }
    if (rc == XN_OK)
        rc = store_step(st, err);
    b->nhistory = 0;
    xn_buf_reset(&b->history_text);
    return rc < 0 ? rc : XN_OK;
}

int register_batch_value(store_conn *tx, register_batch *b, int64_t row, const char *field,
                         const char *value, xn_error *err)
{
    batch_value *v = &b->values[b->nvalues];
    v->row = row;
    v->field = field;
    v->off = b->values_text.len;
    if (xn_buf_append(&b->values_text, value, strlen(value) + 1) != XN_OK)
        return xn_fail(err, XN_ENOMEM, "no_memory", "out of memory");
    return ++b->nvalues == BATCH_ROWS ? flush_values(tx, b, err) : XN_OK;
}

int register_batch_history(store_conn *tx, register_batch *b, int64_t row, int64_t at,
                           const char *changes, xn_error *err)
{
    batch_entry *e = &b->history[b->nhistory];
    e->row = row;
    e->at = at;
    e->off = b->history_text.len;
    if (xn_buf_append(&b->history_text, changes, strlen(changes) + 1) != XN_OK)
        return xn_fail(err, XN_ENOMEM, "no_memory", "out of memory");
    return ++b->nhistory == BATCH_ROWS ? flush_history(tx, b, err) : XN_OK;
}

int register_batch_flush(store_conn *tx, register_batch *b, xn_error *err)
{
    int rc = flush_values(tx, b, err);
    if (rc == XN_OK)
        rc = flush_history(tx, b, err);
    register_batch_reset(b);
    return rc;
}
