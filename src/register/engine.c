/*
 * The one engine behind every register (register.h). Tables: register_row (the values as a JSON
 * object of canonical text, the state, a search text), register_value (one row per non-empty
 * value: the per-field filters), register_unique (the unique constraints of rows that hold
 * them) and register_history (every change, field by field, with who, when and why; the audit
 * trail gets its record in the same transaction).
 */
#include "register/register_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define US_PER_DAY (86400 * INT64_C(1000000))

int register_open(register_ctx **out, const register_options *opt, xn_error *err)
{
    for (size_t i = 0; i < register_defs_count; i++)
        if (register_def_check(&register_defs[i], err) != XN_OK)
            return err->status;
    register_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return xn_fail(err, XN_ENOMEM, "no_memory", "out of memory");
    c->opt = *opt;
    *out = c;
    return XN_OK;
}

void register_free(register_ctx *c)
{
    free(c);
}

static const char *text_of(const json_t *data, const char *key)
{
    const char *v = json_string_value(json_object_get(data, key));
    return v ? v : "";
}

static const register_state *state_find(const register_def *d, const char *key)
{
    for (const register_state *s = d->states; key && s->key; s++)
        if (strcmp(s->key, key) == 0)
            return s;
    return NULL;
}

static bool in_list(const char *list, const char *item)
{
    size_t n = strlen(item);
    for (const char *p = list; p && *p;) {
        size_t len = strcspn(p, ",");
        if (len == n && strncmp(p, item, n) == 0)
            return true;
        p += len + (p[len] == ',');
    }
    return false;
}

static const char *enum_label(const register_field *f, const char *value)
{
    for (const register_option *o = f->options; o && o->value; o++)
        if (strcmp(o->value, value) == 0)
            return o->label;
    return value;
}

/* The searchable values (enum labels as people read them), lower-cased ASCII. */
static char *search_text(const register_def *d, const json_t *data)
{
    xn_buf b;
    xn_buf_init(&b, 1 << 20);
    for (const register_field *f = d->fields; f->key; f++) {
        const char *v = text_of(data, f->key);
        if (!f->search || !*v)
            continue;
        xn_buf_puts(&b, f->type == RT_ENUM ? enum_label(f, v) : v);
        xn_buf_puts(&b, "\x1f");
    }
    char *s = strndup(b.data ? b.data : "", b.len);
    xn_buf_release(&b);
    for (char *p = s; p && *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return s;
}

bool register_row_exists(register_ctx *c, const char *reg, int64_t id)
{
    store_conn *conn;
    xn_error err;
    if (store_acquire(c->opt.db, &conn, &err) != XN_OK)
        return false;
    store_stmt *st;
    bool found = false;
    if (store_prepare(conn,
                      "SELECT 1 FROM register_row WHERE id = $1 AND reg = $2 AND retired_at IS"
                      " NULL",
                      &st, &err) == XN_OK) {
        store_bind_int(st, 1, id);
        store_bind_text(st, 2, reg, -1);
        found = store_step(st, &err) == STORE_ROW;
        if (found)
            store_stmt_done(st);
    }
    store_release(conn);
    return found;
}

/* ---- checking input ------------------------------------------------------------------------ */

/*
 * Validates the members of in into data (canonical text; "" clears a value). Members other
 * than fields are refused, except those named in `skip` (comma-separated: "reason", "to").
 */
static int take_values(register_ctx *c, const register_def *d, const json_t *in, const char *skip,
                       json_t *data, xn_error *err)
{
    if (!json_is_object(in))
        return xn_fail(err, XN_EINVAL, "bad_body", "请求体应为 JSON 对象");
    const char *key;
    json_t *v;
    char buf[REGISTER_MAX_VALUE + 64]; /* on the stack: an import checks a row at a time */
    int rc = XN_OK;
    json_object_foreach((json_t *)in, key, v)
    {
        if (in_list(skip, key))
            continue;
        const register_field *f = register_field_find(d, key);
        if (f && f->computed) {
            rc = xn_fail_field(err, XN_EINVAL, "computed_field", key, "%s由系统计算，不能填写",
                               f->label);
            break;
        }
        if (!f) {
            rc = xn_fail_field(err, XN_EINVAL, "unknown_field", key, "%s 没有字段「%s」", d->name,
                               key);
            break;
        }
        if (json_is_null(v)) {
            json_object_set_new(data, key, json_string(""));
            continue;
        }
        if ((rc = register_value(c, f, v, buf, sizeof buf, err)) != XN_OK)
            break;
        json_object_set_new(data, key, json_string(buf));
    }
    return rc;
}

static int check_required(const register_def *d, const json_t *data, xn_error *err)
{
    for (const register_field *f = d->fields; f->key; f++)
        if (f->required && !*text_of(data, f->key))
            return xn_fail_field(err, XN_EINVAL, "required", f->key, "请填写%s", f->label);
    return XN_OK;
}

/* ---- writing -------------------------------------------------------------------------------- */

/* The row's non-empty values; fresh: a new row, which has none to delete first. (An import's
 * new rows have theirs written many rows a statement: batch.c.) */
static int put_values(store_conn *tx, const register_def *d, int64_t id, const json_t *data,
                      bool fresh, xn_error *err)
{
    store_stmt *st;
    int rc;
    if (!fresh) {
        if ((rc = store_prepare(tx, "DELETE FROM register_value WHERE row_id = $1", &st, err)))
            return rc;
        store_bind_int(st, 1, id);
        if ((rc = store_step(st, err)) < 0)
            return rc;
    }
    for (const register_field *f = d->fields; f->key; f++) {
        const char *v = text_of(data, f->key);
        if (!*v)
            continue;
        rc = store_prepare(
            tx, "INSERT INTO register_value (row_id, field, value) VALUES ($1, $2, $3)", &st, err);
        if (rc != XN_OK)
            return rc;
        store_bind_int(st, 1, id);
        /* both texts outlive the statement's run (the field's key, data's value) */
        store_bind_text_ref(st, 2, f->key, strlen(f->key));
        store_bind_text_ref(st, 3, v, strlen(v));
        if ((rc = store_step(st, err)) < 0)
            return rc;
    }
    return XN_OK;
}

/* What unique constraint u keeps of data: its fields' values, each ended by \x1f, into value;
 * its first field's key into first. XN_ENOTFOUND when a field is empty (the constraint holds
 * among the rows that have a value), XN_EINVAL (filled) when too long. */
static int unique_value(const register_unique *u, const json_t *data,
                        char value[REGISTER_MAX_VALUE], char first[64], xn_error *err)
{
    size_t used = 0;
    first[0] = '\0';
    for (const char *p = u->fields; *p;) {
        size_t n = strcspn(p, ",");
        char key[64];
        n = n < sizeof key ? n : sizeof key - 1; /* the definitions' keys are short */
        memcpy(key, p, n);
        key[n] = '\0';
        if (!first[0])
            memcpy(first, key, n + 1);
        const char *v = text_of(data, key);
        size_t len = strlen(v);
        if (used + len + 1 >= REGISTER_MAX_VALUE)
            return xn_fail_field(err, XN_EINVAL, "too_long", key, "内容过长");
        memcpy(value + used, v, len);
        value[used + len] = '\x1f';
        value[used += len + 1] = '\0';
        if (!*v)
            return XN_ENOTFOUND;
        p += strcspn(p, ",");
        p += *p == ',';
    }
    return XN_OK;
}

/* The unique constraints of a row in state; XN_ECONFLICT naming the first field on a clash.
 * fresh: a new row, which has no keys to clear first. */
static int put_uniques(store_conn *tx, const register_def *d, int64_t id, const json_t *data,
                       const char *state, bool fresh, xn_error *err)
{
    store_stmt *st;
    int rc;
    if (!fresh) {
        if ((rc = store_prepare(tx, "DELETE FROM register_unique WHERE row_id = $1", &st, err)))
            return rc;
        store_bind_int(st, 1, id);
        if ((rc = store_step(st, err)) < 0)
            return rc;
    }
    const register_state *s = state_find(d, state);
    if (s && s->frees_unique)
        return XN_OK;
    for (const register_unique *u = d->uniques; u && u->fields; u++) {
        char value[REGISTER_MAX_VALUE], first[64];
        rc = unique_value(u, data, value, first, err);
        if (rc == XN_ENOTFOUND)
            continue;
        if (rc != XN_OK)
            return rc;
        rc = store_prepare(tx,
                           "INSERT INTO register_unique (reg, fields, value, row_id) VALUES ($1,"
                           " $2, $3, $4) ON CONFLICT (reg, fields, value) DO NOTHING",
                           &st, err);
        if (rc != XN_OK)
            return rc;
        store_bind_text(st, 1, d->key, -1);
        store_bind_text(st, 2, u->fields, -1);
        store_bind_text(st, 3, value, -1);
        store_bind_int(st, 4, id);
        if ((rc = store_step(st, err)) < 0)
            return rc;
        if (store_changes(tx) == 0) {
            const register_field *f = register_field_find(d, first);
            return xn_fail_field(err, XN_ECONFLICT, "duplicate", first,
                                 strchr(u->fields, ',') ? "%s等组合已被另一条记录使用"
                                                        : "%s已被另一条记录使用",
                                 f ? f->label : first);
        }
    }
    return XN_OK;
}

static int int64_order(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

typedef struct member {
    const char *key;
    const json_t *value;
} member;

static int key_order(const void *a, const void *b)
{
    return strcmp(((const member *)a)->key, ((const member *)b)->key);
}

/* data as the row keeps it: compact JSON, keys sorted (what json_dumps with JSON_SORT_KEYS
 * writes, without building its dump, which showed in the import's profile). NULL: no memory. */
static char *data_json(const json_t *data)
{
    size_t n = json_object_size(data), k = 0;
    member *members = malloc((n ? n : 1) * sizeof *members);
    if (!members)
        return NULL;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)data, key, v) members[k++] = (member){key, v};
    qsort(members, k, sizeof *members, key_order);
    xn_buf b;
    xn_buf_init(&b, 0);
    int rc = xn_buf_append(&b, "{", 1);
    for (size_t i = 0; rc == XN_OK && i < k; i++) {
        if (i)
            rc = xn_buf_append(&b, ",", 1);
        if (rc == XN_OK)
            rc = xn_json_put_string(&b, members[i].key);
        if (rc == XN_OK)
            rc = xn_buf_append(&b, ":", 1);
        if (rc == XN_OK)
            rc = json_is_string(members[i].value)
                     ? xn_json_put_string(&b, json_string_value(members[i].value))
                     : xn_json_dump(&b, members[i].value);
    }
    if (rc == XN_OK)
        rc = xn_buf_append(&b, "}", 1);
    free(members);
    if (rc != XN_OK) {
        xn_buf_release(&b);
        return NULL;
    }
    return xn_buf_detach(&b, NULL);
}

/* A changed row: its values, search text and state, then its value rows and unique keys. */
static int write_row(store_conn *tx, const register_def *d, int64_t id, const json_t *data,
                     const char *state, int64_t now, xn_error *err)
{
    char *dump = data_json(data);
    char *search = search_text(d, data);
    store_stmt *st;
    int rc = dump && search ? store_prepare(tx,
                                            "UPDATE register_row SET data = $2, search = $3,"
                                            " state = $4, updated_at = $5 WHERE id = $1",
                                            &st, err)
                            : xn_fail(err, XN_ENOMEM, "no_memory", "out of memory");
    if (rc == XN_OK) {
        store_bind_int(st, 1, id);
        store_bind_text(st, 2, dump, -1);
        store_bind_text(st, 3, search, -1);
        store_bind_text(st, 4, state, -1);
        store_bind_int(st, 5, now);
        rc = store_step(st, err);
    }
    free(dump);
    free(search);
    if (rc >= 0)
        rc = put_values(tx, d, id, data, false, err);
    if (rc >= 0)
        rc = put_uniques(tx, d, id, data, state, false, err);
    return rc < 0 ? rc : XN_OK;
}

/* A change's history entry, its changes as JSON text. */
static int put_history(store_conn *tx, int64_t id, const audit_actor *actor, const char *kind,
                       const char *reason, const char *changes, int64_t now, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(tx,
                           "INSERT INTO register_history (row_id, at, actor, kind, reason,"
                           " changes) VALUES ($1, $2, $3, $4, $5, $6)",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, id);
    store_bind_int(st, 2, now);
    store_bind_text(st, 3, audit_actor_name(actor), -1);
    store_bind_text(st, 4, kind, -1);
    if (reason)
        store_bind_text(st, 5, reason, -1);
    else
        store_bind_null(st, 5);
    store_bind_text_ref(st, 6, changes, strlen(changes));
    rc = store_step(st, err);
    return rc < 0 ? rc : XN_OK;
}

/* The history entry and its audit record, in the same transaction. An import's rows
 * (audited false) get their history only: the import's one audit record, sealing the file's
 * digest and the counts, covers them (one person's one act). */
static int record_change(register_ctx *c, store_conn *tx, const register_def *d, int64_t id,
                         const audit_actor *actor, const char *kind, const char *reason,
                         json_t *changes, int64_t now, bool audited, xn_error *err)
{
    char *dump = json_dumps(changes, JSON_COMPACT);
    int rc = dump ? put_history(tx, id, actor, kind, reason, dump, now, err)
                  : xn_fail(err, XN_ENOMEM, "no_memory", "out of memory");
    free(dump);
    if (rc != XN_OK || !audited)
        return rc;
    char action[48];
    snprintf(action, sizeof action, "register.%s", kind);
    return audit_record_change(
        c->opt.trail, tx, actor, action, "register_row", id,
        json_pack("{s:s, s:O, s:s?}", "register", d->key, "changes", changes, "reason", reason),
        NULL, err);
}

/* A new row's changes as diff() gives them ([{field, before: null, after}] of its non-empty
 * values), written straight as JSON text: an import writes thousands. */
static int created_changes(const register_def *d, const json_t *data, xn_buf *b)
{
    int rc = xn_buf_append(b, "[", 1);
    bool first = true;
    for (const register_field *f = d->fields; rc == XN_OK && f->key; f++) {
        const char *v = text_of(data, f->key);
        if (!*v)
            continue;
        rc = xn_buf_puts(b, first ? "{\"field\":" : ",{\"field\":");
        first = false;
        if (rc == XN_OK)
            rc = xn_json_put_string(b, f->key);
        if (rc == XN_OK)
            rc = xn_buf_puts(b, ",\"before\":null,\"after\":");
        if (rc == XN_OK)
            rc = xn_json_put_string(b, v);
        if (rc == XN_OK)
            rc = xn_buf_append(b, "}", 1);
    }
    return rc == XN_OK ? xn_buf_append(b, "]", 1) : rc;
}

/* [{field, before, after}] of the fields that differ (state as field "state"). */
static json_t *diff(const register_def *d, const json_t *before, const json_t *after,
                    const char *state_before, const char *state_after)
{
    json_t *list = json_array();
    if (state_before && strcmp(state_before, state_after) != 0)
        json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "field", "state", "before",
                                              state_before, "after", state_after));
    for (const register_field *f = d->fields; f->key; f++) {
        const char *b = before ? text_of(before, f->key) : "", *a = text_of(after, f->key);
        if (strcmp(a, b) != 0)
            json_array_append_new(list, json_pack("{s:s, s:o, s:o}", "field", f->key, "before",
                                                  *b ? json_string(b) : json_null(), "after",
                                                  *a ? json_string(a) : json_null()));
    }
    return list;
}

typedef struct change_ctx {
    register_ctx *c;
    const register_def *d;
    const audit_actor *actor;
    int64_t id, now;
    json_t *data;      /* the new values */
    const char *state; /* the new state */
    const char *kind;  /* create, update, transition */
    const char *reason;
    const register_transition *t;
    const json_t *in;
    const char *to;
    bool same_ok;       /* an update that changes nothing is no error (an import's unchanged row) */
    bool changed;       /* set by change_tx: something changed */
    bool may_pend;      /* a change of a four-eyes field waits for approval (else refused) */
    bool approved;      /* the second keeper's approval of a pending change */
    int64_t pending_id; /* set when the change was put to a second keeper */
    bool bulk;          /* an import's row: history here, the audit record is the import's */
    register_batch *batch; /* an import's new row: its value rows and history gathered here */
} change_ctx;

/* A new row's value rows and history entry into the import's batch. */
static int batch_row(store_conn *tx, const change_ctx *x, const char *changes, xn_error *err)
{
    int rc = XN_OK;
    for (const register_field *f = x->d->fields; rc == XN_OK && f->key; f++) {
        const char *v = text_of(x->data, f->key);
        if (*v)
            rc = register_batch_value(tx, x->batch, x->id, f->key, v, err);
    }
    return rc == XN_OK ? register_batch_history(tx, x->batch, x->id, x->now, changes, err) : rc;
}

static int create_tx(store_conn *tx, void *ctx, xn_error *err)
{
    change_ctx *x = ctx;
    char *dump = data_json(x->data);
    char *search = search_text(x->d, x->data);
    store_stmt *st;
    int rc = dump && search ? store_prepare(tx,
                                            "INSERT INTO register_row (reg, state, data, search,"
                                            " created_at, created_by, updated_at) VALUES ($1, $2,"
                                            " $3, $4, $5, $6, $5) RETURNING id",
                                            &st, err)
                            : xn_fail(err, XN_ENOMEM, "no_memory", "out of memory");
    if (rc == XN_OK) {
        store_bind_text(st, 1, x->d->key, -1);
        store_bind_text(st, 2, x->state, -1);
        store_bind_text_ref(st, 3, dump, strlen(dump));
        store_bind_text_ref(st, 4, search, strlen(search));
        store_bind_int(st, 5, x->now);
        store_bind_text(st, 6, x->actor->name, -1);
        rc = store_step(st, err);
        if (rc == STORE_ROW) {
            x->id = store_col_int(st, 0);
            store_stmt_done(st);
            rc = XN_OK;
        } else if (rc == STORE_DONE) {
            rc = xn_fail(err, XN_EIO, "db_error", "no id for the new row");
        }
    }
    free(dump);
    free(search);
    /* a new row has no value rows or unique keys to clear first */
    if (rc == XN_OK)
        rc = put_uniques(tx, x->d, x->id, x->data, x->state, true, err);
    if (rc != XN_OK)
        return rc;
    if (!x->batch) { /* one row: its values, history and audit record now */
        if ((rc = put_values(tx, x->d, x->id, x->data, true, err)) != XN_OK)
            return rc;
        json_t *changes = diff(x->d, NULL, x->data, NULL, x->state);
        rc = record_change(x->c, tx, x->d, x->id, x->actor, "create", NULL, changes, x->now,
                           !x->bulk, err);
        json_decref(changes);
        return rc;
    }
    /* an import's row: values and history gathered, the import's audit record covers it */
    xn_buf changes;
    xn_buf_init(&changes, 0);
    rc = created_changes(x->d, x->data, &changes) == XN_OK
             ? batch_row(tx, x, changes.data, err)
             : xn_fail(err, XN_ENOMEM, "no_memory", "out of memory");
    xn_buf_release(&changes);
    return rc;
}

/* A new row's values from in into data, checked as a whole. */
static int create_values(register_ctx *c, const register_def *d, const json_t *in, json_t *data,
                         xn_error *err)
{
    int rc = take_values(c, d, in, "", data, err);
    for (const register_field *f = d->fields; rc == XN_OK && f->key; f++)
        if (f->step && *text_of(data, f->key))
            rc = xn_fail_field(err, XN_EINVAL, "step_field", f->key, "%s在办理相应手续时填写",
                               f->label);
    if (rc == XN_OK && d->derive)
        rc = d->derive(c, data, err);
    if (rc == XN_OK)
        rc = check_required(d, data, err);
    if (rc == XN_OK && d->check)
        rc = d->check(d, data, err);
    return rc;
}

int register_create(register_ctx *c, const register_def *d, const audit_actor *actor,
                    const json_t *in, int64_t *id, xn_error *err)
{
    json_t *data = json_object();
    int rc = create_values(c, d, in, data, err);
    change_ctx x = {.c = c,
                    .d = d,
                    .actor = actor,
                    .data = data,
                    .state = d->states[0].key,
                    .now = auth_now(c->opt.auth)};
    if (rc == XN_OK)
        rc = store_tx(c->opt.db, create_tx, &x, err);
    json_decref(data);
    if (rc == XN_OK)
        *id = x.id;
    return rc;
}

/* Reads the row's values and state (XN_ENOTFOUND when the register has no such row). */
static int load_row(store_conn *tx, const register_def *d, int64_t id, json_t **data,
                    char state[32], xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(tx,
                           "SELECT data, state FROM register_row WHERE id = $1 AND reg = $2 AND"
                           " retired_at IS NULL",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, id);
    store_bind_text(st, 2, d->key, -1);
    rc = store_step(st, err);
    if (rc == STORE_DONE)
        return xn_fail(err, XN_ENOTFOUND, "not_found", "%s中没有这条记录", d->name);
    if (rc != STORE_ROW)
        return rc;
    *data = json_loads(store_col_text(st, 0), 0, NULL);
    snprintf(state, 32, "%s", store_col_text(st, 1));
    store_stmt_done(st);
    return *data ? XN_OK : xn_fail(err, XN_EINTERNAL, "bad_row", "a stored row is not JSON");
}

static const register_transition *find_transition(const register_def *d, const char *state,
                                                  const char *to)
{
    for (const register_transition *t = d->transitions; t && t->key; t++)
        if ((strcmp(t->key, to) == 0 || strcmp(t->to, to) == 0) && in_list(t->from, state))
            return t;
    return NULL;
}

/* A change of a four-eyes field, put to a second keeper with its request and reason. */
static int put_pending(store_conn *tx, change_ctx *x, json_t *changes, xn_error *err)
{
    char *request = json_dumps(x->in, JSON_COMPACT);
    store_stmt *st;
    int rc = request ? store_prepare(tx,
                                     "INSERT INTO register_pending (row_id, reg, request, reason,"
                                     " asked_by_id, asked_by, asked_at, state) VALUES ($1, $2, $3,"
                                     " $4, $5, $6, $7, 'pending') RETURNING id",
                                     &st, err)
                     : xn_fail(err, XN_ENOMEM, "no_memory", "out of memory");
    if (rc == XN_OK) {
        store_bind_int(st, 1, x->id);
        store_bind_text(st, 2, x->d->key, -1);
        store_bind_text(st, 3, request, -1);
        store_bind_text(st, 4, x->reason ? x->reason : "", -1);
        store_bind_int(st, 5, x->actor->id);
        store_bind_text(st, 6, audit_actor_name(x->actor), -1);
        store_bind_int(st, 7, x->now);
        if ((rc = store_step(st, err)) == STORE_ROW) {
            x->pending_id = store_col_int(st, 0);
            store_stmt_done(st);
        }
        rc = rc < 0 ? rc : XN_OK;
    }
    free(request);
    if (rc != XN_OK)
        return rc;
    return audit_record_change(
        x->c->opt.trail, tx, x->actor, "register.change_request", "register_row", x->id,
        json_pack("{s:s, s:O, s:s?, s:I}", "register", x->d->key, "changes", changes, "reason",
                  x->reason, "pending_id", (json_int_t)x->pending_id),
        NULL, err);
}

static int change_tx(store_conn *tx, void *ctx, xn_error *err)
{
    change_ctx *x = ctx;
    json_t *before = NULL;
    char state[32];
    int rc = load_row(tx, x->d, x->id, &before, state, err);
    if (rc != XN_OK)
        return rc;
    json_t *data = json_deep_copy(before);
    const char *new_state = state;
    x->t = NULL;
    if (x->to) {
        x->t = find_transition(x->d, state, x->to);
        if (!x->t) {
            const register_state *s = state_find(x->d, state);
            rc = xn_fail_field(err, XN_ECONFLICT, "bad_transition", "to",
                               "记录当前为「%s」，不能办理「%s」", s ? s->label : state, x->to);
        } else {
            new_state = x->t->to;
        }
    }
    if (rc == XN_OK)
        rc = take_values(x->c, x->d, x->in, x->to ? "to" : "reason", data, err);
    /* a transition carries each of its fields in the request itself */
    for (const char *p = x->t ? x->t->requires : ""; rc == XN_OK && *p;) {
        size_t n = strcspn(p, ",");
        char key[64];
        snprintf(key, sizeof key, "%.*s", (int)n, p);
        const json_t *v = json_object_get(x->in, key);
        const register_field *f = register_field_find(x->d, key);
        if (!v || json_is_null(v) || !*text_of(data, key))
            rc = xn_fail_field(err, XN_EINVAL, "required", key, "办理「%s」须填写%s", x->t->label,
                               f ? f->label : key);
        p += n + (p[n] == ',');
    }
    if (rc == XN_OK && x->d->derive)
        rc = x->d->derive(x->c, data, err);
    if (rc == XN_OK)
        rc = check_required(x->d, data, err);
    if (rc == XN_OK && x->t && x->t->check)
        rc = x->t->check(x->d, data, err);
    if (rc == XN_OK && x->d->check)
        rc = x->d->check(x->d, data, err);
    json_t *changes = rc == XN_OK ? diff(x->d, before, data, state, new_state) : NULL;
    x->changed = rc == XN_OK && (x->t || json_array_size(changes) > 0);
    /* a field marked for four eyes: the change waits for a second keeper */
    const register_field *guarded = NULL;
    size_t ci;
    json_t *ch;
    json_array_foreach(changes, ci, ch)
    {
        const register_field *f =
            register_field_find(x->d, json_string_value(json_object_get(ch, "field")));
        if (f && f->four_eyes && !guarded)
            guarded = f;
    }
    if (rc == XN_OK && guarded && !x->t && !x->approved) {
        if (!x->may_pend)
            rc = xn_fail_field(err, XN_EDENIED, "four_eyes", guarded->key,
                               "%s的修改须经第二人复核，请在台账页面逐条修改", guarded->label);
        else
            rc = put_pending(tx, x, changes, err);
        json_decref(changes);
        json_decref(before);
        json_decref(data);
        return rc;
    }
    if (rc == XN_OK && !x->changed && !x->same_ok)
        rc = xn_fail(err, XN_EINVAL, "no_change", "没有修改任何内容");
    if (rc == XN_OK && x->changed)
        rc = write_row(tx, x->d, x->id, data, new_state, x->now, err);
    if (rc == XN_OK && x->changed) {
        char reason[160];
        if (x->t)
            snprintf(reason, sizeof reason, "%s", x->t->label);
        rc = record_change(x->c, tx, x->d, x->id, x->actor, x->t ? "transition" : "update",
                           x->t ? reason : x->reason, changes, x->now, !x->bulk, err);
    }
    json_decref(changes);
    json_decref(before);
    json_decref(data);
    return rc;
}

int register_update(register_ctx *c, const register_def *d, const audit_actor *actor, int64_t id,
                    const json_t *in, const char *reason, int64_t *pending, xn_error *err)
{
    if (xn_check_text(reason, 1000, XN_TEXT_FREE, true, "reason", "修改原因", err) != XN_OK)
        return err->status;
    change_ctx x = {.c = c,
                    .d = d,
                    .actor = actor,
                    .id = id,
                    .in = in,
                    .reason = reason,
                    .may_pend = true,
                    .now = auth_now(c->opt.auth)};
    int rc = store_tx(c->opt.db, change_tx, &x, err);
    if (pending)
        *pending = rc == XN_OK ? x.pending_id : 0;
    return rc;
}

typedef struct decide_ctx {
    register_ctx *c;
    const register_def *d;
    const audit_actor *actor;
    int64_t id;
    bool approve;
} decide_ctx;

static int decide_tx(store_conn *tx, void *ctx, xn_error *err)
{
    decide_ctx *x = ctx;
    store_stmt *st;
    int rc = store_prepare(tx,
                           "SELECT row_id, request, reason, asked_by_id, asked_by, state FROM"
                           " register_pending WHERE id = $1 AND reg = $2",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, x->id);
    store_bind_text(st, 2, x->d->key, -1);
    rc = store_step(st, err);
    if (rc == STORE_DONE)
        return xn_fail(err, XN_ENOTFOUND, "not_found", "待复核的修改不存在");
    if (rc < 0)
        return rc;
    int64_t row = store_col_int(st, 0), asker = store_col_int(st, 3);
    json_t *in = json_loads(store_col_text(st, 1), 0, NULL);
    char reason[1200], asked_by[AUTH_MAX_NAME + 1];
    xn_strlcpy(asked_by, store_col_text(st, 4), sizeof asked_by);
    snprintf(reason, sizeof reason, "%s（%s提出，%s复核）", store_col_text(st, 2), asked_by,
             audit_actor_name(x->actor));
    bool pending = strcmp(store_col_text(st, 5), "pending") == 0;
    store_stmt_done(st);
    if (!in)
        return xn_fail(err, XN_EINTERNAL, "internal", "a pending change is not JSON");
    if (!pending || asker == x->actor->id) {
        json_decref(in);
        return !pending ? xn_fail(err, XN_ECONFLICT, "decided", "该修改已复核")
                        : xn_fail(err, XN_EDENIED, "own_change", "提出修改的人不能复核自己的修改");
    }
    rc = XN_OK;
    if (x->approve) {
        change_ctx cx = {.c = x->c,
                         .d = x->d,
                         .actor = x->actor,
                         .id = row,
                         .in = in,
                         .reason = reason,
                         .approved = true,
                         .now = auth_now(x->c->opt.auth)};
        rc = change_tx(tx, &cx, err);
    }
    json_decref(in);
    if (rc == XN_OK)
        rc =
            store_prepare(tx,
                          "UPDATE register_pending SET state = $2, decided_by = $3, decided_at = $4"
                          " WHERE id = $1",
                          &st, err);
    if (rc == XN_OK) {
        store_bind_int(st, 1, x->id);
        store_bind_text(st, 2, x->approve ? "approved" : "rejected", -1);
        store_bind_text(st, 3, audit_actor_name(x->actor), -1);
        store_bind_int(st, 4, auth_now(x->c->opt.auth));
        rc = store_step(st, err);
        store_stmt_done(st);
        rc = rc < 0 ? rc : XN_OK;
    }
    if (rc == XN_OK && !x->approve)
        rc = audit_record_change(x->c->opt.trail, tx, x->actor, "register.change_reject",
                                 "register_row", row, NULL, NULL, err);
    return rc;
}

int register_pending_decide(register_ctx *c, const register_def *d, const audit_actor *actor,
                            int64_t id, bool approve, xn_error *err)
{
    decide_ctx x = {.c = c, .d = d, .actor = actor, .id = id, .approve = approve};
    return store_tx(c->opt.db, decide_tx, &x, err);
}

int register_pending_json(register_ctx *c, const register_def *d, json_t **out, xn_error *err)
{
    store_conn *conn;
    int rc = store_acquire(c->opt.db, &conn, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    rc = store_prepare(conn,
                       "SELECT id, row_id, request, reason, asked_by, asked_at, state,"
                       " coalesce(decided_by, '') FROM register_pending WHERE reg = $1"
                       " ORDER BY state <> 'pending', id DESC LIMIT 200",
                       &st, err);
    if (rc != XN_OK) {
        store_release(conn);
        return rc;
    }
    store_bind_text(st, 1, d->key, -1);
    json_t *items = json_array();
    while ((rc = store_step(st, err)) == STORE_ROW) {
        json_t *req = json_loads(store_col_text(st, 2), 0, NULL);
        json_array_append_new(
            items, json_pack("{s:I, s:I, s:o, s:s, s:s, s:I, s:s, s:s}", "id",
                             (json_int_t)store_col_int(st, 0), "row_id",
                             (json_int_t)store_col_int(st, 1), "request", req ? req : json_object(),
                             "reason", store_col_text(st, 3), "asked_by", store_col_text(st, 4),
                             "asked_at", (json_int_t)store_col_int(st, 5), "state",
                             store_col_text(st, 6), "decided_by", store_col_text(st, 7)));
    }
    store_release(conn);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    *out = json_pack("{s:o}", "items", items);
    return XN_OK;
}

/* ---- an import's new rows, many at a time ------------------------------------------------ */

struct register_stage {
    const register_def *d;
    const audit_actor *actor;
    int64_t now;
    json_t *data[REGISTER_STAGE_ROWS]; /* each kept row's checked values */
    size_t n;
    /* the SQL of the last statements made, for a flush of the same shape */
    xn_buf rows_sql, keys_sql;
    size_t rows_sql_n, keys_sql_n;
};

register_stage *register_stage_new(const register_def *d, const audit_actor *actor, int64_t now)
{
    register_stage *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->d = d;
    s->actor = actor;
    s->now = now;
    xn_buf_init(&s->rows_sql, 0);
    xn_buf_init(&s->keys_sql, 0);
    return s;
}

void register_stage_clear(register_stage *s)
{
    for (size_t i = 0; i < s->n; i++)
        json_decref(s->data[i]);
    s->n = 0;
}

void register_stage_free(register_stage *s)
{
    if (!s)
        return;
    register_stage_clear(s);
    xn_buf_release(&s->rows_sql);
    xn_buf_release(&s->keys_sql);
    free(s);
}

bool register_stage_full(const register_stage *s)
{
    return s->n == REGISTER_STAGE_ROWS;
}

int register_stage_row(register_ctx *c, register_stage *s, const json_t *in, xn_error *err)
{
    if (s->n == REGISTER_STAGE_ROWS)
        return xn_fail(err, XN_EINTERNAL, "internal", "the stage is full");
    json_t *data = json_object();
    int rc = create_values(c, s->d, in, data, err);
    if (rc != XN_OK) {
        json_decref(data);
        return rc;
    }
    s->data[s->n++] = data;
    return XN_OK;
}

/* The rows, one INSERT; their ids into ids in the rows' order. Ids grow in the order the rows
 * are inserted (a rowid, a sequence), whatever order RETURNING gives them in. */
static int insert_rows(store_conn *tx, register_stage *s, char **dumps, char **searches,
                       int64_t *ids, xn_error *err)
{
    if (s->rows_sql_n != s->n) {
        /* $1 the register, $2 the state, $3 the time, $4 who, then each row's data and search */
        xn_buf_reset(&s->rows_sql);
        int rc = xn_buf_puts(&s->rows_sql, "INSERT INTO register_row (reg, state, data, search,"
                                           " created_at, created_by, updated_at) VALUES");
        for (size_t i = 0; rc == XN_OK && i < s->n; i++)
            rc = xn_buf_printf(&s->rows_sql, "%s ($1, $2, $%zu, $%zu, $3, $4, $3)", i ? "," : "",
                               2 * i + 5, 2 * i + 6);
        if (rc == XN_OK)
            rc = xn_buf_puts(&s->rows_sql, " RETURNING id");
        if (rc != XN_OK)
            return xn_fail(err, XN_ENOMEM, "no_memory", "out of memory");
        s->rows_sql_n = s->n;
    }
    store_stmt *st;
    int rc = store_prepare(tx, s->rows_sql.data, &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, s->d->key, -1);
    store_bind_text(st, 2, s->d->states[0].key, -1);
    store_bind_int(st, 3, s->now);
    store_bind_text(st, 4, s->actor->name, -1);
    for (size_t i = 0; i < s->n; i++) {
        store_bind_text_ref(st, (int)(2 * i + 5), dumps[i], strlen(dumps[i]));
        store_bind_text_ref(st, (int)(2 * i + 6), searches[i], strlen(searches[i]));
    }
    size_t got = 0;
    while ((rc = store_step(st, err)) == STORE_ROW)
        if (got < s->n)
            ids[got++] = store_col_int(st, 0);
    if (rc < 0)
        return rc;
    if (got != s->n)
        return xn_fail(err, XN_EIO, "db_error", "%zu ids for %zu new rows", got, s->n);
    qsort(ids, got, sizeof *ids, int64_order);
    return XN_OK;
}

/* The statement writing n unique keys: $1 the register, then each key's fields, value, row. */
static int keys_sql(register_stage *s, size_t n)
{
    if (s->keys_sql_n == n)
        return XN_OK;
    xn_buf_reset(&s->keys_sql);
    s->keys_sql_n = 0;
    int rc = xn_buf_puts(&s->keys_sql,
                         "INSERT INTO register_unique (reg, fields, value, row_id) VALUES");
    for (size_t k = 0; rc == XN_OK && k < n; k++)
        rc = xn_buf_printf(&s->keys_sql, "%s ($1, $%zu, $%zu, $%zu)", k ? "," : "", 3 * k + 2,
                           3 * k + 3, 3 * k + 4);
    if (rc == XN_OK)
        rc = xn_buf_puts(&s->keys_sql, " ON CONFLICT (reg, fields, value) DO NOTHING");
    if (rc == XN_OK)
        s->keys_sql_n = n;
    return rc;
}

typedef struct stage_key {
    size_t row, off; /* the row among the kept ones; the value in the values buffer */
    const register_unique *u;
} stage_key;

/* The rows' unique keys, one INSERT. *clash: one of them is held already (or two rows share
 * it, or one is too long to be a key), and not all were written. */
static int insert_keys(store_conn *tx, register_stage *s, const int64_t *ids, bool *clash,
                       xn_error *err)
{
    *clash = false;
    size_t per_row = 0;
    for (const register_unique *u = s->d->uniques; u && u->fields; u++)
        per_row++;
    if (per_row == 0 || s->d->states[0].frees_unique)
        return XN_OK;
    stage_key *keys = malloc(s->n * per_row * sizeof *keys);
    xn_buf values; /* each key's value, NUL-terminated */
    xn_buf_init(&values, 0);
    size_t n = 0;
    int rc = keys ? XN_OK : XN_ENOMEM;
    for (size_t i = 0; rc == XN_OK && !*clash && i < s->n; i++)
        for (const register_unique *u = s->d->uniques; rc == XN_OK && u->fields; u++) {
            char value[REGISTER_MAX_VALUE], first[64];
            xn_error ignored;
            int got = unique_value(u, s->data[i], value, first, &ignored);
            if (got == XN_ENOTFOUND)
                continue;
            if (got != XN_OK) {
                *clash = true; /* too long: one by one refuses it in its turn */
                break;
            }
            keys[n] = (stage_key){i, values.len, u};
            rc = xn_buf_append(&values, value, strlen(value) + 1);
            n++;
        }
    if (rc == XN_OK && !*clash && n > 0)
        rc = keys_sql(s, n);
    if (rc != XN_OK)
        rc = xn_fail(err, XN_ENOMEM, "no_memory", "out of memory");
    store_stmt *st;
    if (rc == XN_OK && !*clash && n > 0 &&
        (rc = store_prepare(tx, s->keys_sql.data, &st, err)) == XN_OK) {
        store_bind_text(st, 1, s->d->key, -1);
        for (size_t k = 0; k < n; k++) {
            const char *v = values.data + keys[k].off;
            store_bind_text_ref(st, (int)(3 * k + 2), keys[k].u->fields, strlen(keys[k].u->fields));
            store_bind_text_ref(st, (int)(3 * k + 3), v, strlen(v));
            store_bind_int(st, (int)(3 * k + 4), ids[keys[k].row]);
        }
        rc = store_step(st, err);
        rc = rc < 0 ? rc : XN_OK;
        *clash = rc == XN_OK && store_changes(tx) != (int64_t)n;
    }
    free(keys);
    xn_buf_release(&values);
    return rc;
}

int register_stage_flush(store_conn *tx, register_stage *s, register_batch *b, bool *clashed,
                         xn_error *err)
{
    *clashed = false;
    if (s->n == 0)
        return XN_OK;
    char *dumps[REGISTER_STAGE_ROWS] = {0}, *searches[REGISTER_STAGE_ROWS] = {0};
    int64_t ids[REGISTER_STAGE_ROWS];
    int rc = XN_OK;
    for (size_t i = 0; rc == XN_OK && i < s->n; i++) {
        dumps[i] = data_json(s->data[i]);
        searches[i] = search_text(s->d, s->data[i]);
        if (!dumps[i] || !searches[i])
            rc = xn_fail(err, XN_ENOMEM, "no_memory", "out of memory");
    }
    /* a clash undoes the rows to here, and the caller sends them again one by one */
    if (rc == XN_OK)
        rc = store_exec(tx, "SAVEPOINT register_stage", err);
    if (rc == XN_OK) {
        rc = insert_rows(tx, s, dumps, searches, ids, err);
        if (rc == XN_OK)
            rc = insert_keys(tx, s, ids, clashed, err);
        if (rc == XN_OK && *clashed)
            rc = store_exec(tx, "ROLLBACK TO register_stage", err);
        if (rc == XN_OK)
            rc = store_exec(tx, "RELEASE register_stage", err);
    }
    for (size_t i = 0; i < s->n; i++) {
        free(dumps[i]);
        free(searches[i]);
    }
    xn_buf changes;
    xn_buf_init(&changes, 0);
    for (size_t i = 0; rc == XN_OK && !*clashed && i < s->n; i++) {
        change_ctx x = {.d = s->d,
                        .actor = s->actor,
                        .id = ids[i],
                        .now = s->now,
                        .data = s->data[i],
                        .batch = b};
        xn_buf_reset(&changes);
        rc = created_changes(s->d, s->data[i], &changes) == XN_OK
                 ? batch_row(tx, &x, changes.data, err)
                 : xn_fail(err, XN_ENOMEM, "no_memory", "out of memory");
    }
    xn_buf_release(&changes);
    register_stage_clear(s);
    return rc;
}

int register_import_row(register_ctx *c, store_conn *tx, register_batch *batch,
                        const register_def *d, const audit_actor *actor, int64_t id,
                        const json_t *in, int64_t now, register_import_outcome *outcome,
                        xn_error *err)
{
    *outcome = REGISTER_IMPORT_SAME;
    change_ctx x = {.c = c, .d = d, .actor = actor, .id = id, .in = in, .now = now, .bulk = true};
    if (id > 0) {
        x.reason = "导入";
        x.same_ok = true;
        /* what is gathered goes first, so that history keeps the file's order */
        int rc = register_batch_flush(tx, batch, err);
        if (rc == XN_OK)
            rc = change_tx(tx, &x, err);
        if (rc == XN_OK && x.changed)
            *outcome = REGISTER_IMPORT_UPDATED;
        return rc;
    }
    json_t *data = json_object();
    int rc = create_values(c, d, in, data, err);
    x.data = data;
    x.state = d->states[0].key;
    x.batch = batch;
    if (rc == XN_OK)
        rc = create_tx(tx, &x, err);
    json_decref(data);
    if (rc == XN_OK)
        *outcome = REGISTER_IMPORT_ADDED;
    return rc;
}

const char *register_enum_label(const register_field *f, const char *value)
{
    return enum_label(f, value);
}

const char *register_state_label(const register_def *d, const char *state)
{
    const register_state *s = state_find(d, state);
    return s ? s->label : state;
}

int register_transition_run(register_ctx *c, const register_def *d, const audit_actor *actor,
                            int64_t id, const char *to, const json_t *in, xn_error *err)
{
    if (!to || !*to)
        return xn_fail_field(err, XN_EINVAL, "required", "to", "请选择要办理的手续");
    change_ctx x = {
        .c = c, .d = d, .actor = actor, .id = id, .in = in, .to = to, .now = auth_now(c->opt.auth)};
    return store_tx(c->opt.db, change_tx, &x, err);
}

int register_workdays_after(register_ctx *c, const char *date, int n, char out[XN_DATE_STR],
                            bool *estimated, xn_error *err)
{
    int32_t day, to;
    if (!date || !xn_date_parse(date, strlen(date), &day))
        return xn_fail(err, XN_EINVAL, "bad_date", "日期无效");
    *estimated = false;
    int rc;
    if (c->opt.calendar) {
        rc = calendar_add_workdays(c->opt.calendar, day, n, &to, estimated, err);
    } else {
        /* no calendar: every year counts Monday to Friday, marked estimated */
        xn_calendar *none = xn_calendar_new();
        if (!none)
            return xn_fail(err, XN_ENOMEM, "no_memory", "out of memory");
        rc = xn_calendar_add_workdays(none, day, n, &to, estimated, err);
        xn_calendar_free(none);
    }
    if (rc == XN_OK)
        xn_date_format(to, out);
    return rc;
}

/* ---- reading -------------------------------------------------------------------------------- */

static int32_t today_of(register_ctx *c)
{
    return xn_date_of(auth_now(c->opt.auth));
}

static json_t *row_json(const register_def *d, int64_t id, const char *state, const char *data_text,
                        int64_t created, int64_t updated, int32_t today)
{
    json_t *data = json_loads(data_text, 0, NULL);
    if (!data)
        data = json_object();
    json_t *o = json_pack("{s:I, s:s, s:s, s:I, s:I}", "id", (json_int_t)id, "state", state,
                          "state_label", state_find(d, state) ? state_find(d, state)->label : state,
                          "created_at", (json_int_t)created, "updated_at", (json_int_t)updated);
    json_t *labels = json_object();
    for (const register_field *f = d->fields; f->key; f++) {
        const char *v = text_of(data, f->key);
        json_object_set_new(o, f->key, *v ? json_string(v) : json_null());
        if (f->type == RT_ENUM && *v)
            json_object_set_new(labels, f->key, json_string(enum_label(f, v)));
    }
    json_object_set_new(o, "labels", labels);
    json_t *flags = json_array();
    char buf[512];
    if (d->flag && d->flag(data, state, today, buf, sizeof buf))
        json_array_append_new(flags, json_string(buf));
    json_object_set_new(o, "flags", flags);
    json_decref(data);
    return o;
}

int register_rows_json(register_ctx *c, const register_def *d, const register_query *q,
                       json_t **out, xn_error *err)
{
    int limit = q->limit > 0 && q->limit <= REGISTER_MAX_PAGE ? q->limit : 50;
    xn_buf sql;
    xn_buf_init(&sql, 8192);
    /* with a field filter, the rows come from that value's index in id order (an exact IP
     * among 100,000 devices is one index lookup, not a walk of every row) */
    if (q->nfilters > 0)
        xn_buf_puts(&sql, "SELECT r.id, r.state, r.data, r.created_at, r.updated_at FROM"
                          " register_value v0 JOIN register_row r ON r.id = v0.row_id WHERE"
                          " v0.field = $6 AND v0.value = $7 AND v0.row_id < $2 AND r.reg = $1"
                          " AND r.retired_at IS NULL");
    else
        xn_buf_puts(&sql,
                    "SELECT r.id, r.state, r.data, r.created_at, r.updated_at FROM"
                    " register_row r WHERE r.reg = $1 AND r.retired_at IS NULL AND r.id < $2");
    if (q->state)
        xn_buf_puts(&sql, " AND r.state = $3");
    if (q->q)
        xn_buf_puts(&sql, " AND r.search LIKE $4 ESCAPE '\\'");
    for (int i = 1; i < q->nfilters && i < 8; i++)
        xn_buf_printf(&sql,
                      " AND EXISTS (SELECT 1 FROM register_value v WHERE v.row_id = r.id AND"
                      " v.field = $%d AND v.value = $%d)",
                      6 + 2 * i, 7 + 2 * i);
    xn_buf_puts(&sql, q->nfilters > 0 ? " ORDER BY v0.row_id DESC LIMIT $5"
                                      : " ORDER BY r.id DESC LIMIT $5");
    store_conn *conn;
    int rc = store_acquire(c->opt.db, &conn, err);
    if (rc != XN_OK) {
        xn_buf_release(&sql);
        return rc;
    }
    store_stmt *st;
    rc = store_prepare(conn, sql.data, &st, err);
    xn_buf_release(&sql);
    json_t *rows = json_array();
    int64_t last = 0;
    if (rc == XN_OK) {
        store_bind_text(st, 1, d->key, -1);
        store_bind_int(st, 2, q->after > 0 ? q->after : INT64_MAX);
        if (q->state)
            store_bind_text(st, 3, q->state, -1);
        char *like = NULL;
        if (q->q) {
            /* a substring, its LIKE wildcards taken literally, ASCII case-folded */
            size_t n = strlen(q->q);
            like = malloc(2 * n + 3);
            size_t j = 0;
            like[j++] = '%';
            for (size_t i = 0; i < n; i++) {
                if (q->q[i] == '%' || q->q[i] == '_' || q->q[i] == '\\')
                    like[j++] = '\\';
                like[j++] = (char)tolower((unsigned char)q->q[i]);
            }
            like[j++] = '%';
            like[j] = '\0';
            store_bind_text(st, 4, like, -1);
        }
        store_bind_int(st, 5, limit + 1);
        for (int i = 0; i < q->nfilters && i < 8; i++) {
            store_bind_text(st, 6 + 2 * i, q->fields[i], -1);
            store_bind_text(st, 7 + 2 * i, q->values[i], -1);
        }
        int32_t today = today_of(c);
        int n = 0;
        while ((rc = store_step(st, err)) == STORE_ROW) {
            if (n++ == limit) {
                store_stmt_done(st);
                break;
            }
            last = store_col_int(st, 0);
            json_array_append_new(rows,
                                  row_json(d, last, store_col_text(st, 1), store_col_text(st, 2),
                                           store_col_int(st, 3), store_col_int(st, 4), today));
        }
        free(like);
        if (rc == STORE_ROW || rc == STORE_DONE)
            rc = n > limit ? 1 : XN_OK;
    }
    store_release(conn);
    if (rc < 0) {
        json_decref(rows);
        return rc;
    }
    *out =
        json_pack("{s:o, s:o}", "rows", rows, "next", rc == 1 ? json_integer(last) : json_null());
    return XN_OK;
}

int register_row_json(register_ctx *c, const register_def *d, int64_t id, json_t **out,
                      xn_error *err)
{
    store_conn *conn;
    int rc = store_acquire(c->opt.db, &conn, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    rc = store_prepare(conn,
                       "SELECT state, data, created_at, updated_at FROM register_row WHERE id = $1"
                       " AND reg = $2 AND retired_at IS NULL",
                       &st, err);
    if (rc == XN_OK) {
        store_bind_int(st, 1, id);
        store_bind_text(st, 2, d->key, -1);
        rc = store_step(st, err);
        if (rc == STORE_ROW) {
            *out = row_json(d, id, store_col_text(st, 0), store_col_text(st, 1),
                            store_col_int(st, 2), store_col_int(st, 3), today_of(c));
            store_stmt_done(st);
            rc = XN_OK;
        } else if (rc == STORE_DONE) {
            rc = xn_fail(err, XN_ENOTFOUND, "not_found", "%s中没有这条记录", d->name);
        }
    }
    /* the row's attachments: evidence files with who added them and why */
    if (rc == XN_OK)
        rc = store_prepare(conn,
                           "SELECT file_id, note, by_name, at FROM register_attachment"
                           " WHERE row_id = $1 ORDER BY at, file_id",
                           &st, err);
    if (rc == XN_OK) {
        json_t *list = json_array();
        store_bind_int(st, 1, id);
        while ((rc = store_step(st, err)) == STORE_ROW) {
            json_t *a =
                json_pack("{s:I, s:s, s:s, s:I}", "file_id", (json_int_t)store_col_int(st, 0),
                          "note", store_col_text(st, 1), "by", store_col_text(st, 2), "at",
                          (json_int_t)store_col_int(st, 3));
            files_info fi;
            xn_error ignored;
            if (c->opt.files &&
                files_get(c->opt.files, store_col_int(st, 0), &fi, &ignored) == XN_OK) {
                json_object_set_new(a, "name", json_string(fi.name));
                json_object_set_new(a, "scan", json_string(fi.scan));
            }
            json_array_append_new(list, a);
        }
        json_object_set_new(*out, "attachments", list);
        rc = rc < 0 ? rc : XN_OK;
    }
    store_release(conn);
    return rc;
}

typedef struct attach_ctx {
    register_ctx *c;
    const register_def *d;
    const audit_actor *actor;
    int64_t id, file_id;
    const char *note;
} attach_ctx;

static int attach_tx(store_conn *tx, void *ctx, xn_error *err)
{
    attach_ctx *x = ctx;
    json_t *data = NULL;
    char state[32];
    int rc = load_row(tx, x->d, x->id, &data, state, err);
    json_decref(data);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    int64_t now = auth_now(x->c->opt.auth);
    rc = store_prepare(tx,
                       "INSERT INTO register_attachment (row_id, file_id, note, by_name, at)"
                       " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, x->id);
    store_bind_int(st, 2, x->file_id);
    store_bind_text(st, 3, x->note ? x->note : "", -1);
    store_bind_text(st, 4, audit_actor_name(x->actor), -1);
    store_bind_int(st, 5, now);
    rc = store_step(st, err);
    store_stmt_done(st);
    if (rc < 0)
        return rc;
    if (store_changes(tx) == 0)
        return xn_fail_field(err, XN_ECONFLICT, "attached", "file_id", "该文件已是这条记录的附件");
    json_t *changes = json_pack("[{s:s, s:s, s:I}]", "field", "attachment", "before", "", "after",
                                (json_int_t)x->file_id);
    rc = record_change(x->c, tx, x->d, x->id, x->actor, "attach", x->note, changes, now, true, err);
    json_decref(changes);
    return rc;
}

int register_attach(register_ctx *c, const register_def *d, const audit_actor *actor, int64_t id,
                    int64_t file_id, const char *note, xn_error *err)
{
    int rc = xn_check_text(note, 1000, XN_TEXT_FREE, false, "note", "附件说明", err);
    if (rc != XN_OK)
        return rc;
    files_info fi;
    if (file_id <= 0 || !c->opt.files || files_get(c->opt.files, file_id, &fi, err) != XN_OK)
        return xn_fail_field(err, XN_EINVAL, "bad_file", "file_id", "附件文件不存在");
    if (strcmp(fi.scan, "clean") != 0 && strcmp(fi.scan, "unscanned") != 0)
        return xn_fail_field(err, XN_EINVAL, "not_clean", "file_id", "附件“%s”%s", fi.name,
                             strcmp(fi.scan, "infected") == 0 ? "含病毒，已隔离"
                                                              : "尚未完成病毒检查");
    attach_ctx x = {.c = c, .d = d, .actor = actor, .id = id, .file_id = file_id, .note = note};
    return store_tx(c->opt.db, attach_tx, &x, err);
}

int register_history_json(register_ctx *c, const register_def *d, int64_t id, json_t **out,
                          xn_error *err)
{
    store_conn *conn;
    int rc = store_acquire(c->opt.db, &conn, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    /* a retired row's history stays readable */
    rc = store_prepare(conn, "SELECT 1 FROM register_row WHERE id = $1 AND reg = $2", &st, err);
    if (rc == XN_OK) {
        store_bind_int(st, 1, id);
        store_bind_text(st, 2, d->key, -1);
        rc = store_step(st, err);
        if (rc == STORE_ROW)
            store_stmt_done(st);
        rc = rc == STORE_ROW ? XN_OK
             : rc == STORE_DONE
                 ? xn_fail(err, XN_ENOTFOUND, "not_found", "%s中没有这条记录", d->name)
                 : rc;
    }
    if (rc != XN_OK) {
        store_release(conn);
        return rc;
    }
    json_t *list = json_array();
    rc = store_prepare(conn,
                       "SELECT at, actor, kind, reason, changes FROM register_history WHERE"
                       " row_id = $1 ORDER BY id",
                       &st, err);
    if (rc == XN_OK)
        store_bind_int(st, 1, id);
    while (rc == XN_OK && (rc = store_step(st, err)) == STORE_ROW) {
        rc = XN_OK;
        json_t *changes = json_loads(store_col_text(st, 4), 0, NULL);
        char at[XN_TIME_STR];
        xn_time_format(store_col_int(st, 0), at);
        json_array_append_new(
            list,
            json_pack("{s:I, s:s, s:s, s:s, s:o, s:o}", "at", (json_int_t)store_col_int(st, 0),
                      "at_text", at, "actor", store_col_text(st, 1), "kind", store_col_text(st, 2),
                      "reason",
                      store_col_is_null(st, 3) ? json_null() : json_string(store_col_text(st, 3)),
                      "changes", changes ? changes : json_array()));
    }
    store_release(conn);
    if (rc < 0) {
        json_decref(list);
        return rc;
    }
    *out = list;
    return XN_OK;
}

json_t *register_defs_json(const auth_principal *p)
{
    static const char *const type_names[] = {
        "text",  "longtext", "integer",    "decimal", "date",    "datetime", "bool",
        "enum",  "person",   "department", "ipv4",    "ipv6",    "cidr",     "mac",
        "phone", "email",    "domain",     "url",     "secrecy", "file",     "ref"};
    json_t *list = json_array();
    for (size_t i = 0; i < register_defs_count; i++) {
        const register_def *d = &register_defs[i];
        if (p && !auth_can(p, d->read_perm))
            continue;
        json_t *fields = json_array(), *states = json_array(), *transitions = json_array(),
               *uniques = json_array();
        for (const register_field *f = d->fields; f->key; f++) {
            json_t *o =
                json_pack("{s:s, s:s, s:s, s:b, s:b, s:b, s:b, s:s?}", "key", f->key, "label",
                          f->label, "type", type_names[f->type], "required", f->required, "list",
                          f->list, "searchable", f->search, "step", f->step, "help", f->help);
            json_object_set_new(o, "computed", json_boolean(f->computed));
            if (f->four_eyes)
                json_object_set_new(o, "four_eyes", json_true());
            if (f->options) {
                json_t *opts = json_array();
                for (const register_option *op = f->options; op->value; op++)
                    json_array_append_new(
                        opts, json_pack("{s:s, s:s}", "value", op->value, "label", op->label));
                json_object_set_new(o, "options", opts);
            }
            if (f->type == RT_SECRECY)
                json_object_set_new(o, "options",
                                    json_pack("[{s:s,s:s},{s:s,s:s},{s:s,s:s},{s:s,s:s},{s:s,s:s}]",
                                              "value", "绝密", "label", "绝密", "value", "机密",
                                              "label", "机密", "value", "秘密", "label", "秘密",
                                              "value", "内部", "label", "内部", "value", "公开",
                                              "label", "公开"));
            if (f->ref)
                json_object_set_new(o, "ref", json_string(f->ref));
            bool unique = false;
            for (const register_unique *u = d->uniques; u && u->fields; u++)
                unique = unique || in_list(u->fields, f->key);
            json_object_set_new(o, "unique", json_boolean(unique));
            json_array_append_new(fields, o);
        }
        for (const register_state *s = d->states; s->key; s++)
            json_array_append_new(states,
                                  json_pack("{s:s, s:s}", "key", s->key, "label", s->label));
        for (const register_transition *t = d->transitions; t && t->key; t++) {
            json_t *from = json_array(), *req = json_array();
            for (const char *q = t->from; *q;) {
                size_t n = strcspn(q, ",");
                json_array_append_new(from, json_stringn(q, n));
                q += n + (q[n] == ',');
            }
            for (const char *q = t->requires; *q;) {
                size_t n = strcspn(q, ",");
                json_array_append_new(req, json_stringn(q, n));
                q += n + (q[n] == ',');
            }
            json_array_append_new(transitions,
                                  json_pack("{s:s, s:s, s:o, s:s, s:o}", "key", t->key, "label",
                                            t->label, "from", from, "to", t->to, "requires", req));
        }
        for (const register_unique *u = d->uniques; u && u->fields; u++)
            json_array_append_new(uniques, json_string(u->fields));
        json_array_append_new(
            list,
            json_pack("{s:s, s:s, s:s, s:i, s:o, s:o, s:o, s:o, s:b, s:s, s:s}", "key", d->key,
                      "name", d->name, "requirements", d->reqs, "retention_days", d->retention_days,
                      "fields", fields, "states", states, "transitions", transitions, "uniques",
                      uniques, "can_write", p && auth_can(p, d->write_perm), "read_permission",
                      d->read_perm, "write_permission", d->write_perm));
    }
    return list;
}

/* ---- export --------------------------------------------------------------------------------- */

bool register_csv_guarded(const char *v)
{
    /* and one that starts with an apostrophe before such a character, so an import that takes
     * the apostrophe off gives back exactly what was exported */
    const char *p = v[0] == '\'' ? v + 1 : v;
    return *p && strchr("=+-@\t\r", *p) != NULL;
}

static void csv_cell(FILE *out, const char *v)
{
    /* a cell a spreadsheet would run is written as text */
    bool guard = register_csv_guarded(v);
    bool quote = guard || strpbrk(v, ",\"\r\n") != NULL;
    if (quote)
        fputc('"', out);
    if (guard)
        fputc('\'', out);
    for (const char *p = v; *p; p++) {
        if (*p == '"')
            fputc('"', out);
        fputc(*p, out);
    }
    if (quote)
        fputc('"', out);
}

int register_export_csv(register_ctx *c, const register_def *d, FILE *out, xn_error *err)
{
    fputs("\xEF\xBB\xBF编号,状态", out);
    for (const register_field *f = d->fields; f->key; f++) {
        fputc(',', out);
        csv_cell(out, f->label);
    }
    fputs("\r\n", out);
    store_conn *conn;
    int rc = store_acquire(c->opt.db, &conn, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    rc = store_prepare(conn,
                       "SELECT id, state, data FROM register_row WHERE reg = $1 AND retired_at IS"
                       " NULL ORDER BY id",
                       &st, err);
    if (rc == XN_OK)
        store_bind_text(st, 1, d->key, -1);
    while (rc == XN_OK && (rc = store_step(st, err)) == STORE_ROW) {
        rc = XN_OK;
        const register_state *s = state_find(d, store_col_text(st, 1));
        fprintf(out, "%lld,", (long long)store_col_int(st, 0));
        csv_cell(out, s ? s->label : store_col_text(st, 1));
        json_t *data = json_loads(store_col_text(st, 2), 0, NULL);
        for (const register_field *f = d->fields; f->key; f++) {
            const char *v = text_of(data, f->key);
            fputc(',', out);
            csv_cell(out, f->type == RT_ENUM && *v ? enum_label(f, v) : v);
        }
        json_decref(data);
        fputs("\r\n", out);
    }
    store_release(conn);
    return rc < 0 ? rc : XN_OK;
}

int register_flags_json(register_ctx *c, const auth_principal *p, json_t **out, xn_error *err)
{
    json_t *items = json_array();
    int32_t today = today_of(c);
    store_conn *conn;
    int rc = store_acquire(c->opt.db, &conn, err);
    if (rc != XN_OK) {
        json_decref(items);
        return rc;
    }
    for (size_t i = 0; rc == XN_OK && i < register_defs_count; i++) {
        const register_def *d = &register_defs[i];
        if (!d->flag || (p && !auth_can(p, d->read_perm)))
            continue;
        store_stmt *st;
        rc = store_prepare(conn,
                           "SELECT id, state, data FROM register_row WHERE reg = $1 AND"
                           " retired_at IS NULL ORDER BY id",
                           &st, err);
        if (rc != XN_OK)
            break;
        store_bind_text(st, 1, d->key, -1);
        while ((rc = store_step(st, err)) == STORE_ROW) {
            json_t *data = json_loads(store_col_text(st, 2), 0, NULL);
            char buf[512];
            if (data && d->flag(data, store_col_text(st, 1), today, buf, sizeof buf) &&
                json_array_size(items) < 500)
                json_array_append_new(
                    items, json_pack("{s:s, s:s, s:I, s:s}", "register", d->key, "register_name",
                                     d->name, "id", (json_int_t)store_col_int(st, 0), "flag", buf));
            json_decref(data);
        }
        rc = rc < 0 ? rc : XN_OK;
    }
    store_release(conn);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    *out = json_pack("{s:o}", "items", items);
    return XN_OK;
}

/* ---- retiring and the retention ------------------------------------------------------------ */

typedef struct retire_ctx {
    register_ctx *c;
    const register_def *d;
    const audit_actor *actor;
    int64_t id, now;
    const char *reason;
} retire_ctx;

static int retire_tx(store_conn *tx, void *ctx, xn_error *err)
{
    retire_ctx *x = ctx;
    json_t *data = NULL;
    char state[32];
    int rc = load_row(tx, x->d, x->id, &data, state, err);
    if (rc != XN_OK)
        return rc;
    json_decref(data);
    store_stmt *st;
    rc = store_prepare(tx, "UPDATE register_row SET retired_at = $2 WHERE id = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, x->id);
    store_bind_int(st, 2, x->now);
    rc = store_step(st, err);
    store_stmt_done(st);
    /* a retired row holds no unique value: a new row may take its IP or number */
    if (rc >= 0)
        rc = store_prepare(tx, "DELETE FROM register_unique WHERE row_id = $1", &st, err);
    if (rc == XN_OK) {
        store_bind_int(st, 1, x->id);
        rc = store_step(st, err);
        store_stmt_done(st);
    }
    if (rc < 0)
        return rc;
    json_t *changes =
        json_pack("[{s:s, s:s, s:s}]", "field", "retired", "before", "", "after", "yes");
    rc = record_change(x->c, tx, x->d, x->id, x->actor, "retire", x->reason, changes, x->now, true,
                       err);
    json_decref(changes);
    return rc;
}

int register_retire(register_ctx *c, const register_def *d, const audit_actor *actor, int64_t id,
                    const char *reason, xn_error *err)
{
    int rc =
        xn_check_text(reason, REGISTER_MAX_VALUE, XN_TEXT_FREE, true, "reason", "注销原因", err);
    if (rc != XN_OK)
        return rc;
    retire_ctx x = {
        .c = c, .d = d, .actor = actor, .id = id, .reason = reason, .now = auth_now(c->opt.auth)};
    return store_tx(c->opt.db, retire_tx, &x, err);
}

typedef struct purge_ctx {
    register_ctx *c;
    int64_t now;
    int purged;
} purge_ctx;

static int purge_tx(store_conn *tx, void *ctx, xn_error *err)
{
    purge_ctx *x = ctx;
    int rc = XN_OK;
    for (size_t i = 0; rc == XN_OK && i < register_defs_count; i++) {
        const register_def *d = &register_defs[i];
        if (d->retention_days <= 0)
            continue;
        /* retired, and older than the register's retention counted from its last change */
        int64_t before = x->now - (int64_t)d->retention_days * 86400 * 1000000;
        store_stmt *st;
        rc = store_prepare(tx,
                           "SELECT id FROM register_row WHERE reg = $1 AND retired_at IS NOT NULL"
                           " AND updated_at < $2 AND retired_at < $2 LIMIT 1000",
                           &st, err);
        if (rc != XN_OK)
            break;
        store_bind_text(st, 1, d->key, -1);
        store_bind_int(st, 2, before);
        int64_t ids[1000];
        size_t n = 0;
        while ((rc = store_step(st, err)) == STORE_ROW && n < 1000)
            ids[n++] = store_col_int(st, 0);
        if (rc == STORE_ROW)
            store_stmt_done(st);
        rc = rc < 0 ? rc : XN_OK;
        static const char *const dels[] = {
            "DELETE FROM register_value WHERE row_id = $1",
            "DELETE FROM register_attachment WHERE row_id = $1",
            "DELETE FROM register_unique WHERE row_id = $1",
            "DELETE FROM register_history WHERE row_id = $1",
            "DELETE FROM register_row WHERE id = $1",
        };
        for (size_t k = 0; rc == XN_OK && k < n; k++) {
            for (size_t q = 0; rc == XN_OK && q < sizeof dels / sizeof dels[0]; q++) {
                rc = store_prepare(tx, dels[q], &st, err);
                if (rc != XN_OK)
                    break;
                store_bind_int(st, 1, ids[k]);
                rc = store_step(st, err);
                store_stmt_done(st);
                rc = rc < 0 ? rc : XN_OK;
            }
            if (rc == XN_OK) {
                char oid[24], detail[96];
                snprintf(oid, sizeof oid, "%lld", (long long)ids[k]);
                snprintf(detail, sizeof detail, "{\"register\":\"%s\",\"retention_days\":%d}",
                         d->key, d->retention_days);
                audit_event ev = {.action = "register.purge",
                                  .actor = &audit_system_actor,
                                  .object_type = "register_row",
                                  .object_id = oid,
                                  .result = AUDIT_OK,
                                  .detail_json = detail};
                rc = audit_append(x->c->opt.trail, tx, &ev, err);
                x->purged++;
            }
        }
    }
    return rc;
}

int register_purge(register_ctx *c, int64_t now_us, int *purged, xn_error *err)
{
    purge_ctx x = {.c = c, .now = now_us};
    int rc = store_tx(c->opt.db, purge_tx, &x, err);
    if (rc == XN_OK)
        *purged = x.purged;
    return rc;
}
