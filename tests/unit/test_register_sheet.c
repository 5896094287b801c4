/* Unit tests of the register room's file readers (sheet.h): CSV as RFC 4180 says, in UTF-8
 * with or without a BOM or in GB18030, and refused with a Chinese message when malformed; one
 * sheet of an xlsx workbook made here with libzip (shared and inline strings, numbers,
 * booleans, formulas, error values, phonetic runs left out, the first sheet by its
 * relationship); and every bound: zip bombs by declared and by real size, truncated and
 * foreign files, DOCTYPEs, entries, shared strings, rows, columns and cells. */
#include "xn_test.h"

#include "register/sheet.h"

#include <stdlib.h>
#include <string.h>
#include <zip.h>

/* ---- what a reader handed over ------------------------------------------------------------ */

typedef struct seen {
    xn_buf text; /* "row:kind=text|kind=text\n" per row */
    size_t rows;
    size_t stop_at; /* a row number at which the callback fails (0: never) */
} seen;

static int collect(void *ctx, size_t row, const sheet_cell *cells, size_t n, xn_error *err)
{
    seen *s = ctx;
    if (s->stop_at && row == s->stop_at)
        return xn_fail(err, XN_EIO, "stopped", "stopped at %zu", row);
    static const char kinds[] = "-TNBFE";
    xn_buf_printf(&s->text, "%zu:", row);
    for (size_t i = 0; i < n; i++)
        xn_buf_printf(&s->text, "%s%c=%s", i ? "|" : "", kinds[cells[i].kind], cells[i].text);
    xn_buf_puts(&s->text, "\n");
    s->rows++;
    return XN_OK;
}

static int csv(const char *data, size_t len, seen *s, xn_error *err)
{
    xn_buf_init(&s->text, 1 << 20);
    sheet_limits lim = SHEET_LIMITS_DEFAULT;
    return sheet_read_csv(data, len, &lim, collect, s, err);
}

static const char *got(seen *s)
{
    return s->text.data ? s->text.data : "";
}

/* ---- CSV ------------------------------------------------------------------------------------ */

static void csv_as_rfc4180_says(void **state)
{
    (void)state;
    seen s = {0};
    xn_error err;
    const char in[] = "\xEF\xBB\xBF编号,名称,备注\r\n"
                      "1,\"逗号,在内\",\"引号\"\"在内\"\"\"\r\n"
                      "\r\n"
                      "2,\"换行\r\n在内\",\n"
                      ",,\n"
                      "3,'=SUM(1),末行";
    assert_int_equal(csv(in, sizeof in - 1, &s, &err), XN_OK);
    assert_string_equal(got(&s), "1:T=编号|T=名称|T=备注\n"
                                 "2:T=1|T=逗号,在内|T=引号\"在内\"\n"
                                 "4:T=2|T=换行\r\n在内|-=\n"
                                 "6:T=3|T='=SUM(1)|T=末行\n");
    xn_buf_release(&s.text);

    /* no BOM, LF only, a final line end: the same cells */
    seen t = {0};
    assert_int_equal(csv("a,b\nc,d\n", 8, &t, &err), XN_OK);
    assert_string_equal(got(&t), "1:T=a|T=b\n2:T=c|T=d\n");
    xn_buf_release(&t.text);

    /* the data end where len says, NUL or not (a field at the very end) */
    seen u = {0};
    assert_int_equal(csv("a,bXYZ", 3, &u, &err), XN_OK);
    assert_string_equal(got(&u), "1:T=a|T=b\n");
    xn_buf_release(&u.text);

    /* an empty file has no rows */
    seen e = {0};
    assert_int_equal(csv("", 0, &e, &err), XN_OK);
    assert_int_equal(e.rows, 0);
    xn_buf_release(&e.text);
}

static void csv_in_gb18030_is_converted(void **state)
{
    (void)state;
    seen s = {0};
    xn_error err;
    /* 中文,编号 in GBK */
    const char in[] = "\xD6\xD0\xCE\xC4,\xB1\xE0\xBA\xC5\r\n";
    assert_int_equal(csv(in, sizeof in - 1, &s, &err), XN_OK);
    assert_string_equal(got(&s), "1:T=中文|T=编号\n");
    xn_buf_release(&s.text);
    /* neither UTF-8 nor GB18030 */
    seen t = {0};
    assert_int_equal(csv("a,\xFF\xFF\r\n", 6, &t, &err), XN_EINVAL);
    assert_string_equal(err.code, "bad_encoding");
    assert_non_null(strstr(err.message, "UTF-8"));
    xn_buf_release(&t.text);
}

static void csv_refusals(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t len;
        const char *code, *words;
    } cases[] = {
        {"a,\"b\r\nc", 7, "bad_file", "第 1 行 B 列：引号没有闭合"},
        {"a,b\"c\r\n", 7, "bad_file", "第 1 行 B 列：未加引号的单元格中出现引号"},
        {"a\r\n\"b\"x,c\r\n", 11, "bad_file", "第 2 行 A 列：引号之后应为逗号或换行"},
        {"a,\0b", 4, "bad_file", "空字符"},
        {"\xFF\xFE"
         "a\0",
         4, "bad_encoding", "UTF-16"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        seen s = {0};
        xn_error err;
        assert_int_equal(csv(cases[i].in, cases[i].len, &s, &err), XN_EINVAL);
        assert_string_equal(err.code, cases[i].code);
        if (!strstr(err.message, cases[i].words))
            fail_msg("case %zu: %s", i, err.message);
        xn_buf_release(&s.text);
    }
    /* 65 columns; a cell of 32768 bytes */
    xn_buf b;
    xn_buf_init(&b, 1 << 20);
    for (int i = 0; i < 65; i++)
        xn_buf_puts(&b, "x,");
    seen s = {0};
    xn_error err;
    assert_int_equal(csv(b.data, b.len, &s, &err), XN_EINVAL);
    assert_non_null(strstr(err.message, "列数过多"));
    xn_buf_release(&s.text);
    xn_buf_reset(&b);
    for (int i = 0; i < SHEET_MAX_CELL + 1; i++)
        xn_buf_puts(&b, "x");
    seen t = {0};
    assert_int_equal(csv(b.data, b.len, &t, &err), XN_EINVAL);
    assert_non_null(strstr(err.message, "32767"));
    xn_buf_release(&t.text);
    /* rows past the bound; the callback's own failure stops the read */
    xn_buf_reset(&b);
    for (int i = 0; i < 20; i++)
        xn_buf_puts(&b, "a\r\n");
    seen u = {0};
    xn_buf_init(&u.text, 1 << 20);
    sheet_limits lim = SHEET_LIMITS_DEFAULT;
    lim.max_rows = 10;
    assert_int_equal(sheet_read_csv(b.data, b.len, &lim, collect, &u, &err), XN_EINVAL);
    assert_string_equal(err.code, "too_many_rows");
    assert_int_equal(u.rows, 10);
    xn_buf_release(&u.text);
    seen v = {.stop_at = 3};
    xn_buf_init(&v.text, 1 << 20);
    lim = SHEET_LIMITS_DEFAULT;
    assert_int_equal(sheet_read_csv(b.data, b.len, &lim, collect, &v, &err), XN_EIO);
    assert_int_equal(v.rows, 2);
    xn_buf_release(&v.text);
    xn_buf_release(&b);
}

/* ---- xlsx ----------------------------------------------------------------------------------- */

typedef struct part {
    const char *name, *data;
} part;

/* A zip of the parts, made by libzip in a file and read back into *out (malloc'd). */
static size_t make_zip(const part *parts, size_t n, char **out)
{
    char path[512];
    const char *dir = getenv("XN_TEST_TMP");
    snprintf(path, sizeof path, "%s/sheet-test.zip", dir ? dir : "/tmp");
    remove(path);
    int zerr = 0;
    zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    assert_non_null(z);
    for (size_t i = 0; i < n; i++) {
        zip_source_t *src = zip_source_buffer(z, parts[i].data, strlen(parts[i].data), 0);
        assert_non_null(src);
        assert_true(zip_file_add(z, parts[i].name, src, ZIP_FL_ENC_UTF_8) >= 0);
    }
    assert_int_equal(zip_close(z), 0);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    *out = malloc((size_t)len);
    assert_int_equal(fread(*out, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    remove(path);
    return (size_t)len;
}

/* Sets the uncompressed size the local and the central header declare for the part name. */
static void declare(char *zip, size_t len, const char *name, uint32_t size)
{
    size_t nl = strlen(name);
    int patched = 0;
    for (size_t i = 0; i + 46 + nl <= len; i++) {
        bool local = memcmp(zip + i, "PK\x03\x04", 4) == 0 && memcmp(zip + i + 30, name, nl) == 0;
        bool central = memcmp(zip + i, "PK\x01\x02", 4) == 0 && memcmp(zip + i + 46, name, nl) == 0;
        size_t at = local ? i + 22 : central ? i + 24 : 0;
        if (!at)
            continue;
        for (int b = 0; b < 4; b++)
            zip[at + (size_t)b] = (char)((size >> (8 * b)) & 0xFF);
        patched++;
    }
    assert_int_equal(patched, 2);
}

#define WORKBOOK                                                                                   \
    "<workbook xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"   \
    "<sheets><sheet name=\"甲\" sheetId=\"1\" r:id=\"rId2\"/><sheet name=\"乙\" sheetId=\"2\""   \
    " r:id=\"rId1\"/></sheets></workbook>"
#define RELS                                                                                       \
    "<Relationships><Relationship Id=\"rId1\" Type=\"x/worksheet\" Target=\"worksheets/"           \
    "sheet1.xml\"/><Relationship Id=\"rId2\" Type=\"x/worksheet\" Target=\"/xl/worksheets/"        \
    "sheet2.xml\"/><Relationship Id=\"rId3\" Type=\"x/sharedStrings\" Target=\"sharedStrings"      \
    ".xml\"/></Relationships>"
#define STRINGS                                                                                      \
    "<sst><si><t>编号</t></si><si><r><t>名</t></r><r><t>称</t></r><rPh><t>めい</t></rPh></si>" \
    "<si><t xml:space=\"preserve\"> 空格 </t></si></sst>"
#define SHEET                                                                                      \
    "<worksheet><sheetData>"                                                                       \
    "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>0</v></c><c r=\"C2\" t=\"s\"><v>1</v></c></row>"          \
    "<row r=\"3\"><c r=\"A3\"><v>42</v></c><c r=\"B3\" t=\"inlineStr\"><is><t>行内</t></is></c>" \
    "<c r=\"C3\" t=\"s\"><v>2</v></c><c r=\"D3\" t=\"b\"><v>1</v></c>"                             \
    "<c r=\"E3\"><f>SUM(1,2)</f><v>3</v></c><c r=\"F3\" t=\"e\"><v>#N/A</v></c>"                   \
    "<c r=\"G3\" s=\"1\"><v>46376</v></c></row>"                                                   \
    "<row r=\"5\"><c r=\"B5\" s=\"1\"/></row>"                                                     \
    "<row r=\"7\"><c t=\"inlineStr\"><is><t>无位置</t></is></c><c><v>1.5</v></c></row>"         \
    "</sheetData></worksheet>"

static int xlsx(const char *data, size_t len, const sheet_limits *lim, seen *s, xn_error *err)
{
    xn_buf_init(&s->text, 1 << 20);
    return sheet_read_xlsx(data, len, lim, collect, s, err);
}

static void xlsx_first_sheet(void **state)
{
    (void)state;
    const part parts[] = {{"xl/workbook.xml", WORKBOOK},
                          {"xl/_rels/workbook.xml.rels", RELS},
                          {"xl/sharedStrings.xml", STRINGS},
                          {"xl/worksheets/sheet1.xml", "<worksheet><sheetData><row r=\"1\"><c "
                                                       "t=\"inlineStr\"><is><t>第二张</t></is></c>"
                                                       "</row></sheetData></worksheet>"},
                          {"xl/worksheets/sheet2.xml", SHEET}};
    char *zip;
    size_t len = make_zip(parts, 5, &zip);
    seen s = {0};
    xn_error err;
    sheet_limits lim = SHEET_LIMITS_DEFAULT;
    assert_int_equal(xlsx(zip, len, &lim, &s, &err), XN_OK);
    assert_string_equal(got(&s), "2:T=编号|-=|T=名称\n"
                                 "3:N=42|T=行内|T= 空格 |B=1|F=3|E=#N/A|N=46376\n"
                                 "7:T=无位置|N=1.5\n");
    xn_buf_release(&s.text);
    /* the callback's failure stops the read and comes back */
    seen t = {.stop_at = 3};
    assert_int_equal(xlsx(zip, len, &lim, &t, &err), XN_EIO);
    assert_int_equal(t.rows, 1);
    xn_buf_release(&t.text);
    /* rows past the bound */
    seen u = {0};
    lim.max_rows = 2;
    assert_int_equal(xlsx(zip, len, &lim, &u, &err), XN_EINVAL);
    assert_string_equal(err.code, "too_many_rows");
    xn_buf_release(&u.text);
    /* shared strings past their bound */
    seen v = {0};
    lim = SHEET_LIMITS_DEFAULT;
    lim.max_strings = 8;
    assert_int_equal(xlsx(zip, len, &lim, &v, &err), XN_EINVAL);
    assert_non_null(strstr(err.message, "共享字符串"));
    xn_buf_release(&v.text);
    /* entries past their bound */
    seen w = {0};
    lim = SHEET_LIMITS_DEFAULT;
    lim.max_entries = 4;
    assert_int_equal(xlsx(zip, len, &lim, &w, &err), XN_EINVAL);
    assert_non_null(strstr(err.message, "条目过多"));
    xn_buf_release(&w.text);
    /* truncated anywhere: refused, never read past the end */
    lim = SHEET_LIMITS_DEFAULT;
    for (size_t cut = 0; cut < len; cut += 7) {
        seen x = {0};
        assert_int_equal(xlsx(zip, cut, &lim, &x, &err), XN_EINVAL);
        xn_buf_release(&x.text);
    }
    free(zip);
}

static void xlsx_bombs(void **state)
{
    (void)state;
    /* 8 MiB of one character inflates from a few KiB */
    size_t big = 8u << 20;
    char *sheet = malloc(big + 64);
    snprintf(sheet, 32, "<worksheet><sheetData>");
    size_t at = strlen(sheet);
    memset(sheet + at, ' ', big);
    snprintf(sheet + at + big, 32, "</sheetData></worksheet>");
    const part parts[] = {{"xl/workbook.xml", WORKBOOK},
                          {"xl/_rels/workbook.xml.rels", RELS},
                          {"xl/sharedStrings.xml", STRINGS},
                          {"xl/worksheets/sheet2.xml", sheet}};
    char *zip;
    size_t len = make_zip(parts, 4, &zip);
    assert_true(len < 200000);
    seen s = {0};
    xn_error err;
    sheet_limits lim = SHEET_LIMITS_DEFAULT;
    lim.max_part = 1u << 20;
    /* declared over the bound: refused before a byte inflates */
    assert_int_equal(xlsx(zip, len, &lim, &s, &err), XN_EINVAL);
    assert_string_equal(err.code, "too_large");
    assert_non_null(strstr(err.message, "超过上限 1048576 字节"));
    xn_buf_release(&s.text);
    /* declared small, inflating to more: stopped while inflating */
    declare(zip, len, "xl/worksheets/sheet2.xml", 1000);
    seen t = {0};
    lim = SHEET_LIMITS_DEFAULT;
    assert_int_equal(xlsx(zip, len, &lim, &t, &err), XN_EINVAL);
    assert_string_equal(err.code, "too_large");
    assert_non_null(strstr(err.message, "超过声明的大小"));
    xn_buf_release(&t.text);
    free(zip);
    free(sheet);
}

static void xlsx_refusals(void **state)
{
    (void)state;
    static const struct {
        const char *sheet, *words;
    } cases[] = {
        {"<!DOCTYPE w [<!ENTITY a \"b\">]><worksheet/>", "DOCTYPE"},
        {"<worksheet><sheetData><row r=\"1\"><c r=\"A1\"><v>1</v></c></row>", "不是有效的 XML"},
        {"<worksheet><sheetData><row r=\"1\"><c r=\"BM1\"><v>1</v></c></row></sheetData>"
         "</worksheet>",
         "64 列"},
        {"<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>9</v></c></row></sheetData>"
         "</worksheet>",
         "共享字符串编号无效"},
        {"<worksheet><sheetData><row r=\"3\"/><row r=\"2\"/></sheetData></worksheet>", "行号"},
        {"<worksheet><sheetData><row r=\"1\"><c r=\"1A\"><v>1</v></c></row></sheetData>"
         "</worksheet>",
         "单元格位置无效"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const part parts[] = {{"xl/workbook.xml", WORKBOOK},
                              {"xl/_rels/workbook.xml.rels", RELS},
                              {"xl/sharedStrings.xml", STRINGS},
                              {"xl/worksheets/sheet2.xml", cases[i].sheet}};
        char *zip;
        size_t len = make_zip(parts, 4, &zip);
        seen s = {0};
        xn_error err;
        sheet_limits lim = SHEET_LIMITS_DEFAULT;
        assert_int_equal(xlsx(zip, len, &lim, &s, &err), XN_EINVAL);
        if (!strstr(err.message, cases[i].words))
            fail_msg("case %zu: %s", i, err.message);
        xn_buf_release(&s.text);
        free(zip);
    }
    /* a zip without a workbook; a relationship that climbs out; bytes that are no zip */
    const part no_book[] = {{"word/document.xml", "<w/>"}};
    const part climbs[] = {
        {"xl/workbook.xml", WORKBOOK},
        {"xl/_rels/workbook.xml.rels",
         "<Relationships><Relationship Id=\"rId2\" Target=\"../../etc/passwd\"/></Relationships>"}};
    const struct {
        const part *parts;
        size_t n;
        const char *words;
    } zips[] = {{no_book, 1, "缺少 xl/workbook.xml"}, {climbs, 2, "位置无效"}};
    for (size_t i = 0; i < 2; i++) {
        char *zip;
        size_t len = make_zip(zips[i].parts, zips[i].n, &zip);
        seen s = {0};
        xn_error err;
        sheet_limits lim = SHEET_LIMITS_DEFAULT;
        assert_int_equal(xlsx(zip, len, &lim, &s, &err), XN_EINVAL);
        if (!strstr(err.message, zips[i].words))
            fail_msg("zip %zu: %s", i, err.message);
        xn_buf_release(&s.text);
        free(zip);
    }
    seen s = {0};
    xn_error err;
    sheet_limits lim = SHEET_LIMITS_DEFAULT;
    assert_int_equal(xlsx("a,b\r\n", 5, &lim, &s, &err), XN_EINVAL);
    assert_non_null(strstr(err.message, "不是 zip"));
    xn_buf_release(&s.text);
}

/* ---- reading ahead on a thread of its own ------------------------------------------------- */

/* rows CSV records of varied widths (empty cells among them), then, when bad_at, a malformed
 * record at that row */
static char *many_rows(size_t rows, size_t bad_at, size_t *len)
{
    xn_buf b;
    xn_buf_init(&b, 0);
    for (size_t r = 1; r <= rows; r++) {
        if (r == bad_at) {
            xn_buf_puts(&b, "a,b\"c\r\n");
            continue;
        }
        size_t cols = 1 + r % 7;
        for (size_t c = 0; c < cols; c++)
            xn_buf_printf(&b, "%s%s", c ? "," : "", (r + c) % 3 ? "设备" : "");
        xn_buf_printf(&b, ",%zu\r\n", r);
    }
    *len = b.len;
    return b.data;
}

static int read_both(const char *data, size_t len, size_t stop_at, seen *direct, seen *ahead,
                     xn_error *e1, xn_error *e2, int *rc2)
{
    sheet_limits lim = SHEET_LIMITS_DEFAULT;
    *direct = *ahead = (seen){.stop_at = stop_at};
    xn_buf_init(&direct->text, 0);
    xn_buf_init(&ahead->text, 0);
    int rc1 = sheet_read_csv(data, len, &lim, collect, direct, e1);
    *rc2 = sheet_read_ahead(sheet_read_csv, data, len, &lim, collect, ahead, e2);
    return rc1;
}

static void reading_ahead_hands_over_the_same_rows(void **state)
{
    (void)state;
    /* fewer rows than a batch, exactly two batches, many batches and a part of one */
    static const size_t sizes[] = {1, 255, 512, 1000, 3001};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t len;
        char *data = many_rows(sizes[i], 0, &len);
        seen d = {0}, a = {0};
        xn_error e1, e2;
        int rc2;
        assert_int_equal(read_both(data, len, 0, &d, &a, &e1, &e2, &rc2), XN_OK);
        assert_int_equal(rc2, XN_OK);
        assert_int_equal(a.rows, sizes[i]);
        assert_string_equal(got(&a), got(&d));
        xn_buf_release(&d.text);
        xn_buf_release(&a.text);
        free(data);
    }
}

/* rows of wide cells (64 columns of 30,000 bytes: each row is more text than a batch keeps, so
 * every batch is handed over at its bytes) arrive whole and in order */
static void reading_ahead_hands_over_wide_rows_whole(void **state)
{
    (void)state;
    xn_buf b;
    xn_buf_init(&b, 0);
    char *cell = malloc(30001);
    for (size_t r = 1; r <= 6; r++) {
        memset(cell, (int)('a' + r % 26), 30000);
        cell[30000] = '\0';
        for (size_t c = 0; c < SHEET_MAX_COLS; c++)
            xn_buf_printf(&b, "%s%zu%s", c ? "," : "", r, cell);
        xn_buf_puts(&b, "\r\n");
    }
    free(cell);
    seen d = {0}, a = {0};
    xn_error e1, e2;
    int rc2;
    assert_int_equal(read_both(b.data, b.len, 0, &d, &a, &e1, &e2, &rc2), XN_OK);
    assert_int_equal(rc2, XN_OK);
    assert_int_equal(a.rows, 6);
    assert_int_equal(a.text.len, d.text.len);
    assert_memory_equal(a.text.data, d.text.data, d.text.len);
    xn_buf_release(&d.text);
    xn_buf_release(&a.text);
    xn_buf_release(&b);
}

static void reading_ahead_stops_where_the_caller_or_the_file_says(void **state)
{
    (void)state;
    size_t len;
    char *data = many_rows(3000, 0, &len);
    /* the callback's fault at row 700: its own error, the rows before it and no more */
    seen d = {0}, a = {0};
    xn_error e1, e2;
    int rc2;
    assert_int_equal(read_both(data, len, 700, &d, &a, &e1, &e2, &rc2), XN_EIO);
    assert_int_equal(rc2, XN_EIO);
    assert_string_equal(e2.message, "stopped at 700");
    assert_int_equal(a.rows, 699);
    assert_string_equal(got(&a), got(&d));
    xn_buf_release(&d.text);
    xn_buf_release(&a.text);
    free(data);
    /* a malformed record at row 600: every row before it, then the reader's own refusal */
    data = many_rows(3000, 600, &len);
    assert_int_equal(read_both(data, len, 0, &d, &a, &e1, &e2, &rc2), XN_EINVAL);
    assert_int_equal(rc2, XN_EINVAL);
    assert_string_equal(e2.code, e1.code);
    assert_string_equal(e2.message, e1.message);
    assert_int_equal(a.rows, 599);
    assert_string_equal(got(&a), got(&d));
    xn_buf_release(&d.text);
    xn_buf_release(&a.text);
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(csv_as_rfc4180_says),
        cmocka_unit_test(csv_in_gb18030_is_converted),
        cmocka_unit_test(csv_refusals),
        cmocka_unit_test(xlsx_first_sheet),
        cmocka_unit_test(xlsx_bombs),
        cmocka_unit_test(xlsx_refusals),
        cmocka_unit_test(reading_ahead_hands_over_the_same_rows),
        cmocka_unit_test(reading_ahead_hands_over_wide_rows_whole),
        cmocka_unit_test(reading_ahead_stops_where_the_caller_or_the_file_says),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
