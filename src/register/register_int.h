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

typedef enum register_import_outcome {
    REGISTER_IMPORT_SAME,    /* a row with an id whose values are already those */
    REGISTER_IMPORT_ADDED,   /* a new row */
    REGISTER_IMPORT_UPDATED, /* a row with an id, changed with the reason 导入 */
} register_import_outcome;

/*
 * One row of an import inside the caller's transaction tx: with id > 0 the fields of `in`
 * change that row (its history and audit record with the reason 导入; nothing when the values
 * are the same), else a new row is created from them. The checks are those of register_create
 * and register_update; a refusal (XN_EINVAL, XN_ECONFLICT, XN_ENOTFOUND naming the field) may
 * leave part of the row written, so the caller rolls the transaction back.
 */
int register_import_row(register_ctx *c, store_conn *tx, const register_def *d,
                        const audit_actor *actor, int64_t id, const json_t *in, int64_t now,
                        register_import_outcome *outcome, xn_error *err);
/* An enum value's Chinese label (the value itself when unknown); a state's label. */
const char *register_enum_label(const register_field *f, const char *value);
const char *register_state_label(const register_def *d, const char *state);
/* Whether the CSV export writes v with a leading apostrophe (a cell a spreadsheet would run,
 * or one that starts with an apostrophe before such a character). */
bool register_csv_guarded(const char *v);

#endif
