/* Internal to the register room. */
#ifndef XINAN_REGISTER_INT_H
#define XINAN_REGISTER_INT_H

#include "register/register.h"

struct register_ctx {
    register_options opt;
};

/* Whether id names an existing person, department, clean file or row of f's register. */
int register_exists(register_ctx *c, const register_field *f, int64_t id, xn_error *err);
bool register_row_exists(register_ctx *c, const char *reg, int64_t id);

/*
 * An import's new rows' value rows and history entries, gathered and written many rows a
 * statement (batch.c), all by one actor and each entry a creation. Nothing reads them before
 * the import ends; any other write of the import (a changed row) flushes the batch first, so
 * every entry keeps its place. Errors: XN_ENOMEM, or the database's.
 */
typedef struct register_batch register_batch;
register_batch *register_batch_new(const audit_actor *actor); /* NULL: no memory */
void register_batch_free(register_batch *b);
/* Forgets what is gathered (a transaction attempt starts again). */
void register_batch_reset(register_batch *b);
/* field: a field's key from the definition (kept by pointer); value and changes are copied. */
int register_batch_value(store_conn *tx, register_batch *b, int64_t row, const char *field,
                         const char *value, xn_error *err);
int register_batch_history(store_conn *tx, register_batch *b, int64_t row, int64_t at,
                           const char *changes, xn_error *err);
/* Writes what is gathered. */
int register_batch_flush(store_conn *tx, register_batch *b, xn_error *err);

/*
 * An import's new rows kept and written many at a time (engine.c): each checked as it comes
 * (register_stage_row: the checks of register_create), then all of them by one INSERT and
 * their unique keys by another (register_stage_flush), their values and history into batch.
 * When a unique key clashes (the import then fails), the rows are undone to the last flush
 * (*clashed) and the caller sends them again one by one through register_import_row, which
 * finds each fault at its row as before.
 */
#define REGISTER_STAGE_ROWS 64 /* rows kept: written by one INSERT, their keys by another */
typedef struct register_stage register_stage;
register_stage *register_stage_new(const register_def *d, const audit_actor *actor,
                                   int64_t now); /* NULL: no memory */
void register_stage_free(register_stage *s);
void register_stage_clear(register_stage *s);
bool register_stage_full(const register_stage *s);
/* XN_EINVAL naming the field (nothing kept), as register_create refuses. */
int register_stage_row(register_ctx *c, register_stage *s, const json_t *in, xn_error *err);
/* Writes the kept rows and forgets them, written or (*clashed) undone. */
int register_stage_flush(store_conn *tx, register_stage *s, register_batch *batch, bool *clashed,
                         xn_error *err);

typedef enum register_import_outcome {
    REGISTER_IMPORT_SAME,    /* a row with an id whose values are already those */
    REGISTER_IMPORT_ADDED,   /* a new row */
    REGISTER_IMPORT_UPDATED, /* a row with an id, changed with the reason 导入 */
} register_import_outcome;

/*
 * One row of an import inside the caller's transaction tx: with id > 0 the fields of `in`
 * change that row (its history with the reason 导入; nothing when the values are the same;
 * the import's one audit record covers it), else a new row is created from them, its value rows and
 * history gathered in batch (the caller flushes it before the transaction ends). The checks are
 * those of register_create and register_update; a refusal (XN_EINVAL, XN_ECONFLICT, XN_ENOTFOUND
 * naming the field) may leave part of the row written, so the caller rolls the transaction back.
 */
int register_import_row(register_ctx *c, store_conn *tx, register_batch *batch,
                        const register_def *d, const audit_actor *actor, int64_t id,
                        const json_t *in, int64_t now, register_import_outcome *outcome,
                        xn_error *err);
/* An enum value's Chinese label (the value itself when unknown); a state's label. */
const char *register_enum_label(const register_field *f, const char *value);
const char *register_state_label(const register_def *d, const char *state);
/* Whether the CSV export writes v with a leading apostrophe (a cell a spreadsheet would run,
 * or one that starts with an apostrophe before such a character). */
bool register_csv_guarded(const char *v);

#endif
