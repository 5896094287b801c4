/*
 * Excel both ways (register.h): the xlsx export, and the import of an xlsx or CSV file in the
 * export's own layout. The files are read by sheet.c row by row; each row is checked and
 * written inside one transaction as it comes (so memory holds one row, not the file), and the
 * transaction is rolled back when any row was at fault, so a bad file changes nothing.
 */
#include "register/register_int.h"
#include "register/sheet.h"

#include <math.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xlsxwriter.h>

/* Excel's serial day of 1970-01-01 (days since 1899-12-30), and of 9999-12-31. */
#define EXCEL_EPOCH 25569
#define EXCEL_LAST  2958465

static const char *text_of(const json_t *data, const char *key)
{
    const char *v = json_string_value(json_object_get(data, key));
    return v ? v : "";
}

/* ---- export ------------------------------------------------------------------------------- */

/* The unit's name: the root of the organisation tree, or 本单位. */
static void unit_name(register_ctx *c, char *out, size_t size)
{
    json_t *org = NULL;
    xn_error ignored;
    const char *name = NULL;
    if (auth_org_json(c->opt.db, &org, &ignored) == XN_OK)
        name = json_string_value(
            json_object_get(json_array_get(json_object_get(org, "items"), 0), "name"));
    snprintf(out, size, "%s", name && *name ? name : "本单位");
    json_decref(org);
}

static double width_of(const register_field *f)
{
    switch (f->type) {
    case RT_DATE:
        return 12;
    case RT_DATETIME:
        return 20;
    case RT_LONGTEXT:
    case RT_URL:
        return 40;
    case RT_IPV6:
    case RT_CIDR:
    case RT_EMAIL:
    case RT_DOMAIN:
        return 24;
    case RT_MAC:
        return 19;
    default: {
        /* wide enough for the label: a Chinese character is about two columns */
        size_t n = strlen(f->label);
        return n * 2.0 / 3.0 + 2 > 14 ? n * 2.0 / 3.0 + 2 : 14;
    }
    }
}

typedef struct xlsx_out {
    lxw_workbook *wb;
    lxw_worksheet *ws;
    lxw_format *bold, *title, *date, *datetime;
    lxw_error failed;
} xlsx_out;

static void put_string(xlsx_out *x, lxw_row_t row, lxw_col_t col, const char *s, lxw_format *fmt)
{
    if (x->failed == LXW_NO_ERROR && *s)
        x->failed = worksheet_write_string(x->ws, row, col, s, fmt);
}

/* A stored value into its cell: dates as dates, integers as numbers, enums by their labels. */
static void put_value(xlsx_out *x, lxw_row_t row, lxw_col_t col, const register_field *f,
                      const char *v)
{
    if (!*v || x->failed != LXW_NO_ERROR)
        return;
    int y, mo, d, h = 0, mi = 0, s = 0;
    switch (f->type) {
    case RT_DATE:
        if (sscanf(v, "%4d-%2d-%2d", &y, &mo, &d) == 3) {
            lxw_datetime dt = {y, mo, d, 0, 0, 0};
            x->failed = worksheet_write_datetime(x->ws, row, col, &dt, x->date);
            return;
        }
        break;
    case RT_DATETIME:
        if (sscanf(v, "%4d-%2d-%2d %2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s) == 6) {
            lxw_datetime dt = {y, mo, d, h, mi, s};
            x->failed = worksheet_write_datetime(x->ws, row, col, &dt, x->datetime);
            return;
        }
        break;
    case RT_INT: {
        int64_t n;
        if (xn_parse_int64(v, -INT64_C(999999999999999), INT64_C(999999999999999), &n) == XN_OK) {
            x->failed = worksheet_write_number(x->ws, row, col, (double)n, NULL);
            return;
        }
        break;
    }
    case RT_ENUM:
        put_string(x, row, col, register_enum_label(f, v), NULL);
        return;
    case RT_BOOL:
        put_string(x, row, col, strcmp(v, "yes") == 0 ? "是" : "否", NULL);
        return;
    default:
        break;
    }
    put_string(x, row, col, v, NULL);
}

int register_export_xlsx(register_ctx *c, const register_def *d, const char *path, xn_error *err)
{
    char unit[256], when[XN_TIME_STR], title[600];
    unit_name(c, unit, sizeof unit);
    xn_time_format(auth_now(c->opt.auth), when);
    when[10] = ' ';
    when[16] = '\0';
    snprintf(title, sizeof title, "%s　　单位：%s　　导出时间：%s", d->name, unit, when);

    lxw_workbook_options opt = {.constant_memory = LXW_TRUE, .tmpdir = NULL};
    xlsx_out x = {0};
    x.wb = workbook_new_opt(path, &opt);
    if (!x.wb)
        return xn_fail(err, XN_EIO, "export_failed", "cannot create the workbook");
    char sheet[32];
    snprintf(sheet, sizeof sheet, "%s", d->key); /* an ASCII name within Excel's 31 */
    x.ws = workbook_add_worksheet(x.wb, sheet);
    x.bold = workbook_add_format(x.wb);
    format_set_bold(x.bold);
    format_set_bg_color(x.bold, 0xDDEBF7);
    format_set_border(x.bold, LXW_BORDER_THIN);
    x.title = workbook_add_format(x.wb);
    format_set_bold(x.title);
    format_set_font_size(x.title, 14);
    x.date = workbook_add_format(x.wb);
    format_set_num_format(x.date, "yyyy-mm-dd");
    x.datetime = workbook_add_format(x.wb);
    format_set_num_format(x.datetime, "yyyy-mm-dd hh:mm:ss");

    /* the columns' widths and the frozen header come before any cell (constant memory) */
    worksheet_set_column(x.ws, 0, 0, 9, NULL);
    worksheet_set_column(x.ws, 1, 1, 10, NULL);
    lxw_col_t ncols = 2;
    for (const register_field *f = d->fields; f->key; f++, ncols++)
        worksheet_set_column(x.ws, ncols, ncols, width_of(f), NULL);
    worksheet_freeze_panes(x.ws, 2, 0);
    put_string(&x, 0, 0, title, x.title);
    put_string(&x, 1, 0, "编号", x.bold);
    put_string(&x, 1, 1, "状态", x.bold);
    lxw_col_t col = 2;
    for (const register_field *f = d->fields; f->key; f++, col++)
        put_string(&x, 1, col, f->label, x.bold);

    store_conn *conn = NULL;
    int rc = store_acquire(c->opt.db, &conn, err);
    store_stmt *st;
    if (rc == XN_OK)
        rc = store_prepare(conn,
                           "SELECT id, state, data FROM register_row WHERE reg = $1 AND retired_at"
                           " IS NULL ORDER BY id",
                           &st, err);
    if (rc == XN_OK)
        store_bind_text(st, 1, d->key, -1);
    lxw_row_t row = 2;
    while (rc == XN_OK && (rc = store_step(st, err)) == STORE_ROW) {
        rc = XN_OK;
        if (x.failed == LXW_NO_ERROR)
            x.failed = worksheet_write_number(x.ws, row, 0, (double)store_col_int(st, 0), NULL);
        put_string(&x, row, 1, register_state_label(d, store_col_text(st, 1)), NULL);
        json_t *data = json_loads(store_col_text(st, 2), 0, NULL);
        col = 2;
        for (const register_field *f = d->fields; f->key; f++, col++)
            put_value(&x, row, col, f, text_of(data, f->key));
        json_decref(data);
        if (x.failed != LXW_NO_ERROR) {
            store_stmt_done(st);
            break;
        }
        row++;
    }
    if (conn)
        store_release(conn);
    if (rc == STORE_DONE)
        rc = XN_OK;
    lxw_error closed = workbook_close(x.wb);
    lxw_error failed = x.failed != LXW_NO_ERROR ? x.failed : closed;
    if (rc >= 0 && failed != LXW_NO_ERROR)
        rc = xn_fail(err, XN_EIO, "export_failed", "the workbook could not be written: %s",
                     lxw_strerror(failed));
    if (rc < 0)
        remove(path); /* half a workbook is of no use to anyone */
    return rc < 0 ? rc : XN_OK;
}

/* ---- import ------------------------------------------------------------------------------- */

enum { COL_IGNORED = -1, COL_ID = -2, COL_STATE = -3 };

typedef struct import_ctx {
    register_ctx *c;
    const register_def *d;
    const audit_actor *actor;
    const char *format;
    const void *data;
    size_t len;
    store_conn *tx;
    int64_t now;
    bool csv;
    /* per attempt (store_tx may run the transaction again) */
    bool header;
    size_t before_header;
    int cols[SHEET_MAX_COLS]; /* what each column is: a field's index or COL_… */
    size_t ncols;
    int64_t rows, added, updated, faults;
    json_t *bad;
    char *text;            /* one cell's converted text */
    register_batch *batch; /* the new rows' value rows and history, written many at a time */
    /* new rows checked and kept until they are written many at a time, with their file rows
     * and cells (sent again one by one after a clash); while the import has no fault */
    register_stage *stage;
    struct {
        size_t row;
        json_t *in;
    } staged[REGISTER_STAGE_ROWS];
    size_t nstaged;
    int failed; /* a write of kept rows failed (with failure): the import stops */
    xn_error failure;
} import_ctx;

static int import_row(import_ctx *m, size_t row, int64_t id, json_t *in, xn_error *err);
static int refused(import_ctx *m, size_t row, int64_t id, int rc, xn_error *e, xn_error *err);

/* Writes the kept rows. A unique key that clashes among them (the import then fails) sends
 * them again one by one, so that each fault is found at its row, in the file's order. */
static void settle(import_ctx *m)
{
    size_t n = m->nstaged;
    if (n == 0)
        return;
    m->nstaged = 0; /* the rows sent again must not settle again */
    bool clashed = false;
    xn_error e;
    int rc = m->failed ? m->failed : register_stage_flush(m->tx, m->stage, m->batch, &clashed, &e);
    if (rc == XN_OK && !clashed)
        m->added += (int64_t)n;
    for (size_t i = 0; rc == XN_OK && clashed && i < n; i++)
        rc = import_row(m, m->staged[i].row, 0, m->staged[i].in, &e);
    for (size_t i = 0; i < n; i++)
        json_decref(m->staged[i].in);
    if (rc != XN_OK && !m->failed) {
        m->failed = rc;
        m->failure = e;
    }
}

static void fault(import_ctx *m, size_t row, const char *field, const char *column,
                  const char *reason)
{
    settle(m); /* the rows before this one first: their faults come first */
    if (m->faults++ >= REGISTER_IMPORT_SHOWN)
        return;
    json_array_append_new(m->bad, json_pack("{s:I, s:s?, s:s?, s:s}", "row", (json_int_t)row,
                                            "field", field && *field ? field : NULL, "column",
                                            column && *column ? column : NULL, "reason", reason));
}

static const char *label_of(const register_def *d, const char *key)
{
    if (strcmp(key, "id") == 0)
        return "编号";
    if (strcmp(key, "state") == 0)
        return "状态";
    const register_field *f = register_field_find(d, key);
    return f ? f->label : NULL;
}

/* What a header cell names: a field's index, COL_ID, COL_STATE, or -4 when nothing. */
static int header_of(const register_def *d, const char *s)
{
    if (strcmp(s, "编号") == 0 || strcmp(s, "id") == 0)
        return COL_ID;
    if (strcmp(s, "状态") == 0 || strcmp(s, "state") == 0)
        return COL_STATE;
    int i = 0;
    for (const register_field *f = d->fields; f->key; f++, i++)
        if (strcmp(s, f->label) == 0 || strcmp(s, f->key) == 0)
            return f->computed ? COL_IGNORED : i;
    return -4;
}

/* Takes the header row: every non-empty cell names a column once. */
static void take_header(import_ctx *m, size_t row, const sheet_cell *cells, size_t n)
{
    m->header = true;
    m->ncols = n;
    for (size_t i = 0; i < n; i++) {
        m->cols[i] = COL_IGNORED;
        if (cells[i].kind == SHEET_EMPTY)
            continue;
        char name[4], why[600];
        sheet_col_name(i, name);
        int what = header_of(m->d, cells[i].text);
        if (what == -4) {
            snprintf(why, sizeof why, "%s 列的表头「%.400s」不是「%s」的字段", name, cells[i].text,
                     m->d->name);
            fault(m, row, NULL, cells[i].text, why);
            continue;
        }
        for (size_t j = 0; j < i && what != COL_IGNORED; j++)
            if (m->cols[j] == what) {
                snprintf(why, sizeof why, "「%.400s」列重复", cells[i].text);
                fault(m, row, NULL, cells[i].text, why);
                what = COL_IGNORED;
            }
        m->cols[i] = what;
    }
}

/* Whether the row looks like the header: 编号 in A, or at least two column names. */
static bool is_header(const register_def *d, const sheet_cell *cells, size_t n)
{
    if (cells[0].kind == SHEET_TEXT && header_of(d, cells[0].text) == COL_ID)
        return true;
    int named = 0;
    for (size_t i = 0; i < n; i++)
        named += cells[i].kind == SHEET_TEXT && header_of(d, cells[i].text) != -4;
    return named >= 2;
}

/* A spreadsheet serial day (with its time as the fraction) as the field's canonical text. */
static bool from_serial(const register_field *f, const char *num, char *out, size_t size)
{
    char *end;
    double v = strtod(num, &end);
    if (*end || !isfinite(v) || v < EXCEL_EPOCH || v >= EXCEL_LAST)
        return false;
    long long secs = llround(v * 86400.0);
    int32_t day = (int32_t)(secs / 86400 - EXCEL_EPOCH);
    long long t = secs % 86400;
    char date[XN_DATE_STR];
    xn_date_format(day, date);
    if (f->type == RT_DATE)
        snprintf(out, size, "%s", date);
    else
        snprintf(out, size, "%s %02lld:%02lld:%02lld", date, t / 3600, t / 60 % 60, t % 60);
    return true;
}

/* A cell as the text its field takes, or a reason (Chinese) it cannot be taken. */
static const char *cell_text(import_ctx *m, const register_field *f, const sheet_cell *cell,
                             const char **why)
{
    *why = NULL;
    switch (cell->kind) {
    case SHEET_EMPTY:
        return "";
    case SHEET_FORMULA:
        *why = "单元格是公式，不能导入（请先复制，再「选择性粘贴 → 数值」）";
        return NULL;
    case SHEET_ERROR:
        *why = "单元格是错误值（如 #N/A），不能导入";
        return NULL;
    case SHEET_BOOL:
        return strcmp(cell->text, "1") == 0 ? "是" : "否";
    case SHEET_NUMBER:
        if (f && (f->type == RT_DATE || f->type == RT_DATETIME)) {
            if (!from_serial(f, cell->text, m->text, REGISTER_MAX_VALUE + 64)) {
                *why = "不是有效的日期";
                return NULL;
            }
            return m->text;
        }
        return cell->text;
    case SHEET_TEXT:
        /* the CSV export's apostrophe before = + - @ TAB CR comes off */
        if (m->csv && cell->text[0] == '\'' && register_csv_guarded(cell->text + 1))
            return cell->text + 1;
        return cell->text;
    }
    return "";
}

static int on_row(void *ctx, size_t row, const sheet_cell *cells, size_t n, xn_error *err)
{
    import_ctx *m = ctx;
    if (!m->header) {
        if (is_header(m->d, cells, n)) {
            take_header(m, row, cells, n);
            return XN_OK;
        }
        if (++m->before_header > 3)
            return xn_fail(err, XN_EINVAL, "bad_file",
                           "找不到表头行：应为导出文件的格式，表头为「编号」「状态」及各字段名称");
        return XN_OK; /* the title */
    }
    if (++m->rows > REGISTER_IMPORT_MAX_ROWS)
        return xn_fail(err, XN_EINVAL, "too_many_rows", "一次至多导入 %d 行",
                       REGISTER_IMPORT_MAX_ROWS);
    int64_t id = 0;
    json_t *in = json_object();
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++)
        if (i >= m->ncols && cells[i].kind != SHEET_EMPTY) {
            char name[4], why[64];
            sheet_col_name(i, name);
            snprintf(why, sizeof why, "%s 列没有表头", name);
            fault(m, row, NULL, NULL, why);
            ok = false;
        }
    static const sheet_cell empty = {SHEET_EMPTY, "", 0};
    const char *why;
    /* the id first: it says whether the row is new */
    for (size_t i = 0; ok && i < m->ncols; i++) {
        if (m->cols[i] != COL_ID)
            continue;
        const char *v = cell_text(m, NULL, i < n ? &cells[i] : &empty, &why);
        if (!v || (*v && xn_parse_int64(v, 1, INT64_MAX, &id) != XN_OK)) {
            fault(m, row, "id", "编号", v ? "编号应为正整数（新记录留空）" : why);
            ok = false;
        }
    }
    for (size_t i = 0; ok && i < m->ncols; i++) {
        int what = m->cols[i];
        if (what < 0)
            continue;
        const register_field *f = &m->d->fields[what];
        const char *v = cell_text(m, f, i < n ? &cells[i] : &empty, &why);
        if (!v) {
            fault(m, row, f->key, f->label, why);
            ok = false;
        } else if (id == 0 && !*v) {
            continue; /* a new row: an empty cell sets nothing */
        } else {
            json_object_set_new(in, f->key, json_string(v));
        }
    }
    int rc = XN_OK;
    if (ok && id == 0 && m->faults == 0 && !m->failed) {
        /* a new row while all is well: checked now, written with the rows after it */
        xn_error e;
        rc = register_stage_row(m->c, m->stage, in, &e);
        if (rc == XN_OK) {
            m->staged[m->nstaged].row = row;
            m->staged[m->nstaged++].in = json_incref(in);
            if (register_stage_full(m->stage))
                settle(m);
        }
        rc = refused(m, row, id, rc, &e, err);
    } else if (ok) {
        settle(m);
        rc = import_row(m, row, id, in, err);
    }
    json_decref(in);
    if (rc == XN_OK && m->failed) {
        *err = m->failure;
        rc = m->failed;
    }
    return rc;
}

/* A row's refusal (rc from register_import_row or register_stage_row, e filled) as its fault,
 * XN_OK; another error into err. */
static int refused(import_ctx *m, size_t row, int64_t id, int rc, xn_error *e, xn_error *err)
{
    if (rc == XN_EINVAL || rc == XN_ECONFLICT || rc == XN_ENOTFOUND) {
        if (rc == XN_ENOTFOUND) {
            snprintf(e->message, sizeof e->message, "编号 %lld 的记录不在%s中", (long long)id,
                     m->d->name);
            snprintf(e->field, sizeof e->field, "id");
        }
        fault(m, row, e->field, label_of(m->d, e->field), e->message);
        return XN_OK;
    }
    if (rc != XN_OK)
        *err = *e;
    return rc;
}

/* One row through register_import_row, written as it comes. */
static int import_row(import_ctx *m, size_t row, int64_t id, json_t *in, xn_error *err)
{
    register_import_outcome done;
    xn_error e;
    int rc = register_import_row(m->c, m->tx, m->batch, m->d, m->actor, id, in, m->now, &done, &e);
    if (rc == XN_OK) {
        m->added += done == REGISTER_IMPORT_ADDED;
        m->updated += done == REGISTER_IMPORT_UPDATED;
    }
    return refused(m, row, id, rc, &e, err);
}

static int import_tx(store_conn *tx, void *ctx, xn_error *err)
{
    import_ctx *m = ctx;
    m->tx = tx;
    m->header = false;
    m->before_header = 0;
    m->ncols = 0;
    m->rows = m->added = m->updated = m->faults = 0;
    json_array_clear(m->bad);
    register_batch_reset(m->batch);
    register_stage_clear(m->stage);
    for (size_t i = 0; i < m->nstaged; i++)
        json_decref(m->staged[i].in);
    m->nstaged = 0;
    m->failed = XN_OK;
    /* thousands of rows: their pages wait in memory for the commit */
    int rc = store_tx_bulk(tx, err);
    if (rc != XN_OK)
        return rc;
    sheet_limits lim = SHEET_LIMITS_DEFAULT;
    /* the file is read on a second thread while this one checks and writes its rows */
    rc = sheet_read_ahead(m->csv ? sheet_read_csv : sheet_read_xlsx, m->data, m->len, &lim, on_row,
                          m, err);
    if (rc != XN_OK)
        return rc;
    settle(m);
    if (m->failed) {
        *err = m->failure;
        return m->failed;
    }
    if (!m->header)
        return xn_fail(err, XN_EINVAL, "bad_file",
                       "文件中没有表头行：应为导出文件的格式，表头为「编号」「状态」及各字段名称");
    if (m->faults > 0)
        return xn_fail(err, XN_EINVAL, "bad_rows", "导入文件中有 %lld 处错误，未导入任何记录",
                       (long long)m->faults);
    if ((rc = register_batch_flush(tx, m->batch, err)) != XN_OK)
        return rc;
    char oid[64];
    snprintf(oid, sizeof oid, "%s", m->d->key);
    /* the one audit record of the import: the file itself is sealed by its digest, each row's
     * change is in its history */
    unsigned char d[crypto_hash_sha256_BYTES];
    char hex[crypto_hash_sha256_BYTES * 2 + 1];
    crypto_hash_sha256(d, m->data, m->len);
    sodium_bin2hex(hex, sizeof hex, d, sizeof d);
    json_t *detail = json_pack("{s:s, s:s, s:I, s:I, s:s, s:I}", "register", m->d->key, "format",
                               m->format, "added", (json_int_t)m->added, "updated",
                               (json_int_t)m->updated, "sha256", hex, "bytes", (json_int_t)m->len);
    char *dj = json_dumps(detail, JSON_COMPACT);
    json_decref(detail);
    audit_event ev = {.action = "register.import",
                      .actor = m->actor,
                      .object_type = "register",
                      .object_id = oid,
                      .result = AUDIT_OK,
                      .detail_json = dj};
    rc = audit_append(m->c->opt.trail, tx, &ev, err);
    free(dj);
    return rc;
}

/* The imported file kept among the evidence files under the importer's name, so the rows'
 * history (导入) can be checked against it: the import's audit record seals its digest. Best
 * effort: the import stands when the file cannot be kept (files switched off, over the bound). */
static void keep_file(register_ctx *c, const register_def *d, const audit_actor *actor,
                      const char *format, const void *data, size_t len)
{
    if (!c->opt.files || !actor->id)
        return;
    char name[200];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    snprintf(name, sizeof name, "%s导入_%04d%02d%02d-%02d%02d%02d.%s", d->name, tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, format);
    files_upload *u = NULL;
    files_info info;
    xn_error ignored;
    if (files_upload_begin(c->opt.files, actor, name, (int64_t)len, &u, &ignored) == XN_OK &&
        files_upload_write(u, data, len, &ignored) == XN_OK)
        files_upload_finish(u, &info, &ignored);
    files_upload_free(u);
}

int register_import(register_ctx *c, const register_def *d, const audit_actor *actor,
                    const char *format, const void *data, size_t len, register_import_result *res,
                    xn_error *err)
{
    memset(res, 0, sizeof *res);
    bool csv = format && strcmp(format, "csv") == 0;
    if (!csv && (!format || strcmp(format, "xlsx") != 0))
        return xn_fail_field(err, XN_EINVAL, "bad_format", "format", "导入格式应为 xlsx 或 csv");
    if (len > REGISTER_IMPORT_MAX_BYTES)
        return xn_fail(err, XN_EINVAL, "too_large", "导入文件超过 50 MiB");
    if (len == 0)
        return xn_fail(err, XN_EINVAL, "bad_file", "导入文件是空的");
    int64_t now = auth_now(c->opt.auth);
    import_ctx m = {.c = c,
                    .d = d,
                    .actor = actor,
                    .format = csv ? "csv" : "xlsx",
                    .data = data,
                    .len = len,
                    .now = now,
                    .csv = csv,
                    .bad = json_array(),
                    .text = malloc(REGISTER_MAX_VALUE + 64),
                    .batch = register_batch_new(actor),
                    .stage = register_stage_new(d, actor, now)};
    if (!m.text || !m.batch || !m.stage) {
        free(m.text);
        register_batch_free(m.batch);
        register_stage_free(m.stage);
        json_decref(m.bad);
        return xn_fail(err, XN_ENOMEM, "no_memory", "out of memory");
    }
    int rc = store_tx(c->opt.db, import_tx, &m, err);
    free(m.text);
    register_batch_free(m.batch);
    register_stage_free(m.stage);
    for (size_t i = 0; i < m.nstaged; i++)
        json_decref(m.staged[i].in);
    if (rc == XN_OK) {
        res->added = m.added;
        res->updated = m.updated;
        json_decref(m.bad);
        keep_file(c, d, actor, m.format, data, len);
        return XN_OK;
    }
    if (strcmp(err->code, "bad_rows") == 0) {
        res->rows = m.bad;
        res->more = m.faults > REGISTER_IMPORT_SHOWN ? m.faults - REGISTER_IMPORT_SHOWN : 0;
    } else {
        json_decref(m.bad);
    }
    return rc;
}
