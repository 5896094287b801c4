/*
 * The readers of sheet.h: one table from an .xlsx workbook (libzip over the bytes in memory,
 * expat over each part as it inflates) or from a CSV file (RFC 4180). Each keeps one row at a
 * time and hands it to the caller's callback.
 *
 * Of a workbook, four parts are read at most: xl/workbook.xml (the first sheet's relationship
 * id), xl/_rels/workbook.xml.rels (that sheet's part and the shared strings' part), the shared
 * strings, and that one sheet. Every part's declared uncompressed size is checked against the
 * bound before it is opened, and the bytes that come out are counted against both the bound
 * and the declared size while they inflate.
 */
#include "register/sheet.h"

#include <errno.h>
#include <expat.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#define MAX_STRINGS 4000000u   /* shared strings counted, whatever their bytes */
#define MAX_ROW     1048576u   /* Excel's last row */
#define MAX_PATH    200        /* bytes of a part's name */
#define CHUNK       (64 << 10) /* bytes inflated at a time */

void sheet_col_name(size_t col, char out[4])
{
    if (col < 26) {
        out[0] = (char)('A' + col);
        out[1] = '\0';
    } else if (col < 26 + 26 * 26) {
        out[0] = (char)('A' + (col - 26) / 26);
        out[1] = (char)('A' + (col - 26) % 26);
        out[2] = '\0';
    } else {
        snprintf(out, 4, "?");
    }
}

/* ---- one row ------------------------------------------------------------------------------ */

typedef struct row_buf {
    xn_buf text; /* the cells' own texts, each NUL-terminated */
    size_t off[SHEET_MAX_COLS];
    size_t len[SHEET_MAX_COLS];
    const char *ext[SHEET_MAX_COLS]; /* a text kept elsewhere (a shared string), or NULL */
    sheet_kind kind[SHEET_MAX_COLS];
    size_t ncells; /* the highest column used, plus one */
    sheet_cell cells[SHEET_MAX_COLS];
    size_t emitted; /* rows handed over so far */
    size_t max_rows;
    sheet_row_fn fn;
    void *ctx;
} row_buf;

static void row_init(row_buf *r, const sheet_limits *lim, sheet_row_fn fn, void *ctx)
{
    memset(r, 0, sizeof *r);
    xn_buf_init(&r->text, (size_t)SHEET_MAX_COLS * (SHEET_MAX_CELL + 1) + 1);
    r->max_rows = lim->max_rows;
    r->fn = fn;
    r->ctx = ctx;
}

static void row_reset(row_buf *r)
{
    xn_buf_reset(&r->text);
    r->ncells = 0;
}

/* Puts a cell's text (copied, or kept by pointer when ext) at column col. */
static int row_put(row_buf *r, size_t col, sheet_kind kind, const char *s, size_t n, bool ext,
                   xn_error *err)
{
    if (col >= SHEET_MAX_COLS)
        return xn_fail(err, XN_EINVAL, "bad_file", "列数超过 %d", SHEET_MAX_COLS);
    for (size_t c = r->ncells; c < col; c++) {
        r->kind[c] = SHEET_EMPTY;
        r->ext[c] = "";
        r->len[c] = 0;
    }
    if (col >= r->ncells)
        r->ncells = col + 1;
    r->kind[col] = kind;
    r->len[col] = n;
    r->ext[col] = NULL;
    if (ext) {
        r->ext[col] = s;
        return XN_OK;
    }
    r->off[col] = r->text.len;
    if (xn_buf_append(&r->text, s, n) != XN_OK || xn_buf_append(&r->text, "", 1) != XN_OK)
        return xn_fail(err, XN_EINVAL, "too_large", "一行的内容过多");
    return XN_OK;
}

/* Hands the row over when it has a non-empty cell. */
static int row_emit(row_buf *r, size_t rowno, xn_error *err)
{
    bool any = false;
    for (size_t c = 0; c < r->ncells; c++) {
        r->cells[c].kind = r->kind[c];
        r->cells[c].text = r->ext[c] ? r->ext[c] : r->text.data + r->off[c];
        r->cells[c].len = r->len[c];
        any = any || r->kind[c] != SHEET_EMPTY;
    }
    if (!any)
        return XN_OK;
    if (++r->emitted > r->max_rows)
        return xn_fail(err, XN_EINVAL, "too_many_rows", "文件超过 %zu 行", r->max_rows);
    return r->fn(r->ctx, rowno, r->cells, r->ncells, err);
}

/* ---- CSV ------------------------------------------------------------------------------------ */

/* A GB18030 (GBK) text as UTF-8 into *out (malloc'd); XN_EINVAL when it is not GB18030. */
static int from_gb18030(const char *s, size_t n, char **out, size_t *out_len, xn_error *err)
{
    /* a GB18030 sequence of k bytes is at most 3k/2 bytes of UTF-8 */
    if (n > SIZE_MAX / 2 - 16)
        return xn_fail(err, XN_EINVAL, "too_large", "文件过大");
    size_t cap = n + n / 2 + 16;
    char *buf = malloc(cap);
    if (!buf)
        return xn_fail(err, XN_ENOMEM, "no_memory", "内存不足，无法转换文件编码");
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    if (cd == (iconv_t)-1) {
        free(buf);
        return xn_fail(err, XN_EINTERNAL, "no_iconv", "GB18030 conversion is not available");
    }
    char *in = (char *)s, *o = buf;
    size_t left = n, room = cap - 1;
    size_t done = iconv(cd, &in, &left, &o, &room);
    iconv_close(cd);
    if (done == (size_t)-1 || left != 0 || !xn_utf8_valid(buf, (size_t)(o - buf))) {
        free(buf);
        return xn_fail(err, XN_EINVAL, "bad_encoding",
                       "文件编码无法识别：既不是 UTF-8 也不是 GB18030/GBK。请在 Excel 中另存为"
                       "「CSV UTF-8（逗号分隔）」后再导入");
    }
    *o = '\0';
    *out = buf;
    *out_len = (size_t)(o - buf);
    return XN_OK;
}

static int csv_fail(xn_error *err, size_t rowno, size_t col, const char *what)
{
    char name[4];
    sheet_col_name(col, name);
    return xn_fail(err, XN_EINVAL, "bad_file", "CSV 第 %zu 行 %s 列：%s", rowno, name, what);
}

static int csv_records(const char *s, size_t n, row_buf *r, xn_error *err)
{
    size_t i = 0, rowno = 1;
    xn_buf cell;
    xn_buf_init(&cell, SHEET_MAX_CELL);
    int rc = XN_OK;
    row_reset(r);
    while (rc == XN_OK && n > 0) {
        size_t col = r->ncells;
        xn_buf_reset(&cell);
        if (i < n && s[i] == '"') {
            i++;
            for (;;) {
                const char *q = i < n ? memchr(s + i, '"', n - i) : NULL;
                if (!q) {
                    rc = csv_fail(err, rowno, col, "引号没有闭合");
                    break;
                }
                size_t run = (size_t)(q - (s + i));
                if (xn_buf_append(&cell, s + i, run) != XN_OK) {
                    rc = csv_fail(err, rowno, col, "单元格内容超过 32767 字节");
                    break;
                }
                i += run + 1;
                if (i < n && s[i] == '"') {
                    if (xn_buf_append(&cell, "\"", 1) != XN_OK) {
                        rc = csv_fail(err, rowno, col, "单元格内容超过 32767 字节");
                        break;
                    }
                    i++;
                    continue;
                }
                if (i < n && s[i] != ',' && s[i] != '\r' && s[i] != '\n')
                    rc = csv_fail(err, rowno, col, "引号之后应为逗号或换行");
                break;
            }
        } else {
            size_t run = 0; /* the data need not end in a NUL: never strcspn */
            while (i + run < n && !strchr(",\r\n\"", s[i + run]))
                run++;
            if (i + run < n && s[i + run] == '"')
                rc = csv_fail(err, rowno, col, "未加引号的单元格中出现引号");
            else if (xn_buf_append(&cell, s + i, run) != XN_OK)
                rc = csv_fail(err, rowno, col, "单元格内容超过 32767 字节");
            i += run;
        }
        if (rc != XN_OK)
            break;
        if (col >= SHEET_MAX_COLS) {
            rc = csv_fail(err, rowno, col, "列数过多");
            break;
        }
        rc = row_put(r, col, cell.len ? SHEET_TEXT : SHEET_EMPTY, cell.data ? cell.data : "",
                     cell.len, false, err);
        if (rc != XN_OK)
            break;
        if (i < n && s[i] == ',') {
            i++;
            continue;
        }
        /* the record ends: at a line end or at the end of the file */
        if (i < n && s[i] == '\r')
            i++;
        if (i < n && s[i] == '\n')
            i++;
        rc = row_emit(r, rowno, err);
        row_reset(r);
        rowno++;
        if (i >= n)
            break;
    }
    xn_buf_release(&cell);
    return rc;
}

int sheet_read_csv(const void *data, size_t len, const sheet_limits *lim, sheet_row_fn fn,
                   void *ctx, xn_error *err)
{
    const char *s = data ? data : "";
    size_t n = data ? len : 0;
    char *converted = NULL;
    if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
        s += 3;
        n -= 3;
    } else if (n >= 2 && (memcmp(s, "\xFF\xFE", 2) == 0 || memcmp(s, "\xFE\xFF", 2) == 0)) {
        return xn_fail(err, XN_EINVAL, "bad_encoding",
                       "文件是 UTF-16 编码，请另存为「CSV UTF-8（逗号分隔）」后再导入");
    }
    if (memchr(s, '\0', n))
        return xn_fail(err, XN_EINVAL, "bad_file", "文件含空字符，不是 CSV 文本");
    if (!xn_utf8_valid(s, n)) {
        int rc = from_gb18030(s, n, &converted, &n, err);
        if (rc != XN_OK)
            return rc;
        s = converted;
    }
    row_buf *r = malloc(sizeof *r);
    if (!r) {
        free(converted);
        return xn_fail(err, XN_ENOMEM, "no_memory", "out of memory");
    }
    row_init(r, lim, fn, ctx);
    int rc = csv_records(s, n, r, err);
    xn_buf_release(&r->text);
    free(r);
    free(converted);
    return rc;
}

/* ---- xlsx ----------------------------------------------------------------------------------- */

typedef enum part_kind { PART_WORKBOOK, PART_RELS, PART_STRINGS, PART_SHEET } part_kind;

typedef struct xlsx_reader {
    const sheet_limits *lim;
    xn_error *err;
    int rc; /* the first failure; it stopped the parser */
    XML_Parser parser;
    part_kind part;
    /* the workbook and its relationships */
    char sheet_rid[64];
    char sheet_path[MAX_PATH + 8], strings_path[MAX_PATH + 8];
    /* the shared strings: NUL-terminated one after another, and where each starts */
    xn_buf sst;
    size_t *sst_off, sst_n, sst_cap, si_start;
    bool in_si, in_t, in_rph, in_is, in_v, in_c, in_row;
    /* the sheet */
    size_t rowno, last_row, col, next_col;
    char ctype[16];
    bool formula;
    xn_buf cell;
    row_buf row;
} xlsx_reader;

static const char *local_name(const char *name)
{
    const char *c = strrchr(name, ':');
    return c ? c + 1 : name;
}

static const char *attr(const char **atts, const char *lname)
{
    for (size_t i = 0; atts[i]; i += 2)
        if (strcmp(local_name(atts[i]), lname) == 0)
            return atts[i + 1];
    return NULL;
}

static void stop(xlsx_reader *x, int rc)
{
    if (x->rc == XN_OK)
        x->rc = rc;
    XML_StopParser(x->parser, XML_FALSE);
}

static void cell_fail(xlsx_reader *x, const char *what)
{
    char name[4];
    sheet_col_name(x->col, name);
    stop(x, xn_fail(x->err, XN_EINVAL, "bad_file", "第 %zu 行 %s 列：%s", x->rowno, name, what));
}

/* A part's name from a relationship's target: "/xl/a.xml" or "a.xml" (beside the workbook). */
static bool resolve(const char *target, char *out, size_t size)
{
    if (!target || !*target || strlen(target) > MAX_PATH || strstr(target, "..") ||
        strchr(target, '\\') || strchr(target, ':'))
        return false;
    int n = target[0] == '/' ? snprintf(out, size, "%s", target + 1)
                             : snprintf(out, size, "xl/%s", target);
    return n > 0 && (size_t)n < size;
}

/* "B12" → column 1; SIZE_MAX when there are no letters or too many. */
static size_t col_of(const char *ref)
{
    size_t col = 0, letters = 0;
    for (; *ref >= 'A' && *ref <= 'Z'; ref++) {
        if (++letters > 3)
            return SIZE_MAX;
        col = col * 26 + (size_t)(*ref - 'A' + 1);
    }
    return letters ? col - 1 : SIZE_MAX;
}

static bool parse_size(const char *s, size_t max, size_t *out)
{
    int64_t v;
    if (!s || xn_parse_int64(s, 0, (int64_t)max, &v) != XN_OK)
        return false;
    *out = (size_t)v;
    return true;
}

static void XMLCALL on_start(void *ud, const char *name, const char **atts)
{
    xlsx_reader *x = ud;
    const char *n = local_name(name);
    switch (x->part) {
    case PART_WORKBOOK:
        if (strcmp(n, "sheet") == 0 && !x->sheet_rid[0]) {
            const char *id = NULL;
            for (size_t i = 0; atts[i]; i += 2)
                if (strchr(atts[i], ':') && strcmp(local_name(atts[i]), "id") == 0)
                    id = atts[i + 1];
            if (!id ||
                snprintf(x->sheet_rid, sizeof x->sheet_rid, "%s", id) >= (int)sizeof x->sheet_rid)
                stop(x, xn_fail(x->err, XN_EINVAL, "bad_file", "工作簿中的工作表缺少关系编号"));
        }
        return;
    case PART_RELS:
        if (strcmp(n, "Relationship") == 0) {
            const char *id = attr(atts, "Id"), *type = attr(atts, "Type"),
                       *target = attr(atts, "Target");
            size_t tl = type ? strlen(type) : 0;
            if (id && strcmp(id, x->sheet_rid) == 0 &&
                !resolve(target, x->sheet_path, sizeof x->sheet_path))
                stop(x, xn_fail(x->err, XN_EINVAL, "bad_file", "工作表的位置无效"));
            else if (tl >= 14 && strcmp(type + tl - 14, "/sharedStrings") == 0 &&
                     !resolve(target, x->strings_path, sizeof x->strings_path))
                stop(x, xn_fail(x->err, XN_EINVAL, "bad_file", "共享字符串的位置无效"));
        }
        return;
    case PART_STRINGS:
        if (strcmp(n, "si") == 0) {
            x->in_si = true;
            x->si_start = x->sst.len;
        } else if (strcmp(n, "rPh") == 0) {
            x->in_rph = true;
        } else if (strcmp(n, "t") == 0 && x->in_si && !x->in_rph) {
            x->in_t = true;
        }
        return;
    case PART_SHEET:
        break;
    }
    if (strcmp(n, "row") == 0) {
        const char *r = attr(atts, "r");
        size_t no = x->last_row + 1;
        if (r && (!parse_size(r, MAX_ROW, &no) || no <= x->last_row || no == 0)) {
            stop(x, xn_fail(x->err, XN_EINVAL, "bad_file", "工作表的行号无效：%s", r));
            return;
        }
        x->in_row = true;
        x->rowno = no;
        x->next_col = 0;
        row_reset(&x->row);
    } else if (strcmp(n, "c") == 0 && x->in_row) {
        const char *r = attr(atts, "r"), *t = attr(atts, "t");
        x->col = r ? col_of(r) : x->next_col;
        if (x->col == SIZE_MAX) {
            stop(x, xn_fail(x->err, XN_EINVAL, "bad_file", "第 %zu 行：单元格位置无效", x->rowno));
            return;
        }
        /* a type too long to be one is none (read as a number, as any unknown type) */
        if (xn_strlcpy(x->ctype, t ? t : "n", sizeof x->ctype) != XN_OK)
            x->ctype[0] = '\0';
        x->formula = false;
        x->in_c = true;
        xn_buf_reset(&x->cell);
    } else if (x->in_c) {
        if (strcmp(n, "f") == 0)
            x->formula = true;
        else if (strcmp(n, "v") == 0)
            x->in_v = true;
        else if (strcmp(n, "is") == 0)
            x->in_is = true;
        else if (strcmp(n, "rPh") == 0)
            x->in_rph = true;
        else if (strcmp(n, "t") == 0 && x->in_is && !x->in_rph)
            x->in_t = true;
    }
}

/* The cell just read into the row. */
static void end_cell(xlsx_reader *x)
{
    const char *t = x->ctype;
    const char *text = x->cell.data ? x->cell.data : "";
    size_t len = x->cell.len;
    sheet_kind kind;
    bool ext = false;
    if (x->formula) {
        kind = SHEET_FORMULA;
    } else if (strcmp(t, "s") == 0) {
        size_t i;
        if (!parse_size(text, SIZE_MAX >> 1, &i) || i >= x->sst_n) {
            cell_fail(x, "共享字符串编号无效");
            return;
        }
        text = x->sst.data + x->sst_off[i];
        len = strlen(text);
        kind = len ? SHEET_TEXT : SHEET_EMPTY;
        ext = true;
    } else if (strcmp(t, "inlineStr") == 0 || strcmp(t, "str") == 0 || strcmp(t, "d") == 0) {
        kind = len ? SHEET_TEXT : SHEET_EMPTY;
    } else if (strcmp(t, "b") == 0) {
        kind = SHEET_BOOL;
    } else if (strcmp(t, "e") == 0) {
        kind = SHEET_ERROR;
    } else {
        kind = len ? SHEET_NUMBER : SHEET_EMPTY;
    }
    x->next_col = x->col + 1;
    if (kind == SHEET_EMPTY)
        return;
    if (x->col >= SHEET_MAX_COLS) {
        cell_fail(x, "超出可导入的列（至多 64 列）");
        return;
    }
    int rc = row_put(&x->row, x->col, kind, text, len, ext, x->err);
    if (rc != XN_OK)
        stop(x, rc);
}

static void XMLCALL on_end(void *ud, const char *name)
{
    xlsx_reader *x = ud;
    const char *n = local_name(name);
    if (x->part == PART_STRINGS) {
        if (strcmp(n, "t") == 0) {
            x->in_t = false;
        } else if (strcmp(n, "rPh") == 0) {
            x->in_rph = false;
        } else if (strcmp(n, "si") == 0 && x->in_si) {
            x->in_si = false;
            if (x->sst_n == MAX_STRINGS || xn_buf_append(&x->sst, "", 1) != XN_OK) {
                stop(x, xn_fail(x->err, XN_EINVAL, "too_large", "共享字符串过多"));
                return;
            }
            if (x->sst_n == x->sst_cap) {
                x->sst_cap = x->sst_cap ? 2 * x->sst_cap : 1024;
                size_t *p = realloc(x->sst_off, x->sst_cap * sizeof *p);
                if (!p) {
                    stop(x, xn_fail(x->err, XN_ENOMEM, "no_memory", "内存不足"));
                    return;
                }
                x->sst_off = p;
            }
            x->sst_off[x->sst_n++] = x->si_start;
        }
        return;
    }
    if (x->part != PART_SHEET)
        return;
    if (strcmp(n, "v") == 0) {
        x->in_v = false;
    } else if (strcmp(n, "t") == 0) {
        x->in_t = false;
    } else if (strcmp(n, "rPh") == 0) {
        x->in_rph = false;
    } else if (strcmp(n, "is") == 0) {
        x->in_is = false;
    } else if (strcmp(n, "c") == 0 && x->in_c) {
        x->in_c = x->in_v = x->in_t = x->in_is = x->in_rph = false;
        end_cell(x);
    } else if (strcmp(n, "row") == 0 && x->in_row) {
        x->in_row = false;
        x->last_row = x->rowno;
        int rc = row_emit(&x->row, x->rowno, x->err);
        if (rc != XN_OK)
            stop(x, rc);
    }
}

static void XMLCALL on_text(void *ud, const char *s, int len)
{
    xlsx_reader *x = ud;
    if (x->part == PART_STRINGS && x->in_t) {
        if (x->sst.len - x->si_start + (size_t)len > SHEET_MAX_CELL)
            stop(x, xn_fail(x->err, XN_EINVAL, "too_large", "共享字符串超过 32767 字节"));
        else if (xn_buf_append(&x->sst, s, (size_t)len) != XN_OK)
            stop(x, xn_fail(x->err, XN_EINVAL, "too_large", "共享字符串过多"));
    } else if (x->part == PART_SHEET && x->in_c && (x->in_v || x->in_t)) {
        if (xn_buf_append(&x->cell, s, (size_t)len) != XN_OK)
            cell_fail(x, "单元格内容超过 32767 字节");
    }
}

/* No DOCTYPE, so no entities: the parts of a workbook never have one. */
static void XMLCALL on_doctype(void *ud, const char *name, const char *sysid, const char *pubid,
                               int internal)
{
    (void)name, (void)sysid, (void)pubid, (void)internal;
    xlsx_reader *x = ud;
    stop(x, xn_fail(x->err, XN_EINVAL, "bad_file", "文件中的 XML 含 DOCTYPE，拒绝读取"));
}

static int zip_fail(xn_error *err, const char *part, const char *what)
{
    return xn_fail(err, XN_EINVAL, "bad_file", "xlsx 文件的「%s」%s", part, what);
}

/* Inflates the part name into a fresh parser with the handlers of kind. XN_ENOTFOUND (err
 * untouched) when the workbook has no such part. */
static int read_part(xlsx_reader *x, zip_t *z, const char *name, part_kind kind)
{
    zip_int64_t idx = zip_name_locate(z, name, 0);
    if (idx < 0)
        return XN_ENOTFOUND;
    zip_stat_t st;
    if (zip_stat_index(z, (zip_uint64_t)idx, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
        return zip_fail(x->err, name, "无法读取");
    if (st.size > x->lim->max_part)
        return xn_fail(x->err, XN_EINVAL, "too_large",
                       "xlsx 文件的「%s」解压后有 %llu 字节，超过上限 %llu 字节（疑似压缩炸弹）",
                       name, (unsigned long long)st.size, (unsigned long long)x->lim->max_part);
    zip_file_t *f = zip_fopen_index(z, (zip_uint64_t)idx, 0);
    if (!f)
        return zip_fail(x->err, name, "无法解压（文件损坏、加密或压缩方式不支持）");
    XML_Parser p = XML_ParserCreate("UTF-8");
    char *buf = malloc(CHUNK);
    if (!p || !buf) {
        zip_fclose(f);
        if (p)
            XML_ParserFree(p);
        free(buf);
        return xn_fail(x->err, XN_ENOMEM, "no_memory", "out of memory");
    }
    XML_SetUserData(p, x);
    XML_SetElementHandler(p, on_start, on_end);
    XML_SetCharacterDataHandler(p, on_text);
    XML_SetStartDoctypeDeclHandler(p, on_doctype);
    x->parser = p;
    x->part = kind;
    x->rc = XN_OK;
    uint64_t total = 0;
    int rc = XN_OK;
    for (;;) {
        zip_int64_t got = zip_fread(f, buf, CHUNK);
        if (got < 0) {
            rc = zip_fail(x->err, name, "解压失败（文件损坏或被截断）");
            break;
        }
        total += (uint64_t)got;
        if (total > st.size || total > x->lim->max_part) {
            rc = xn_fail(x->err, XN_EINVAL, "too_large",
                         "xlsx 文件的「%s」解压后超过声明的大小或上限（疑似压缩炸弹）", name);
            break;
        }
        if (XML_Parse(p, buf, (int)got, got == 0) != XML_STATUS_OK) {
            rc = x->rc != XN_OK ? x->rc
                                : xn_fail(x->err, XN_EINVAL, "bad_file",
                                          "xlsx 文件的「%s」不是有效的 XML（第 %lu 行：%s）", name,
                                          (unsigned long)XML_GetCurrentLineNumber(p),
                                          XML_ErrorString(XML_GetErrorCode(p)));
            break;
        }
        if (got == 0)
            break;
    }
    if (rc == XN_OK && total != st.size)
        rc = zip_fail(x->err, name, "解压后的大小与声明不符");
    zip_fclose(f);
    XML_ParserFree(p);
    x->parser = NULL;
    free(buf);
    return rc;
}

int sheet_read_xlsx(const void *data, size_t len, const sheet_limits *lim, sheet_row_fn fn,
                    void *ctx, xn_error *err)
{
    if (!data || len < 4 || memcmp(data, "PK\x03\x04", 4) != 0)
        return xn_fail(err, XN_EINVAL, "bad_file", "文件不是 xlsx 工作簿（不是 zip 格式）");
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(data, len, 0, &ze);
    zip_t *z = src ? zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze) : NULL;
    zip_error_fini(&ze);
    if (!z) {
        if (src)
            zip_source_free(src);
        return xn_fail(err, XN_EINVAL, "bad_file", "xlsx 文件已损坏或不完整（zip 目录无法读取）");
    }
    xlsx_reader *x = calloc(1, sizeof *x);
    if (!x) {
        zip_discard(z);
        return xn_fail(err, XN_ENOMEM, "no_memory", "out of memory");
    }
    x->lim = lim;
    x->err = err;
    xn_buf_init(&x->sst, lim->max_strings);
    xn_buf_init(&x->cell, SHEET_MAX_CELL);
    row_init(&x->row, lim, fn, ctx);
    int rc = XN_OK;
    zip_int64_t entries = zip_get_num_entries(z, 0);
    if (entries < 0 || (uint64_t)entries > lim->max_entries)
        rc = xn_fail(err, XN_EINVAL, "bad_file", "xlsx 文件中的条目过多");
    if (rc == XN_OK && (rc = read_part(x, z, "xl/workbook.xml", PART_WORKBOOK)) == XN_ENOTFOUND)
        rc = xn_fail(err, XN_EINVAL, "bad_file", "文件不是 xlsx 工作簿（缺少 xl/workbook.xml）");
    if (rc == XN_OK && !x->sheet_rid[0])
        rc = xn_fail(err, XN_EINVAL, "bad_file", "工作簿中没有工作表");
    if (rc == XN_OK) {
        rc = read_part(x, z, "xl/_rels/workbook.xml.rels", PART_RELS);
        if (rc == XN_ENOTFOUND)
            rc = XN_OK;
    }
    if (rc == XN_OK && !x->sheet_path[0])
        snprintf(x->sheet_path, sizeof x->sheet_path, "xl/worksheets/sheet1.xml");
    if (rc == XN_OK && x->strings_path[0] &&
        (rc = read_part(x, z, x->strings_path, PART_STRINGS)) == XN_ENOTFOUND)
        rc = xn_fail(err, XN_EINVAL, "bad_file", "xlsx 文件缺少共享字符串「%s」", x->strings_path);
    if (rc == XN_OK && (rc = read_part(x, z, x->sheet_path, PART_SHEET)) == XN_ENOTFOUND)
        rc = xn_fail(err, XN_EINVAL, "bad_file", "xlsx 文件缺少工作表「%s」", x->sheet_path);
    zip_discard(z);
    xn_buf_release(&x->sst);
    xn_buf_release(&x->cell);
    xn_buf_release(&x->row.text);
    free(x->sst_off);
    free(x);
    return rc;
}
