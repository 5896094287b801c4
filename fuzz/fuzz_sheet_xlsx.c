/* libFuzzer harness: the register room's xlsx reader (register/sheet.h), fed any bytes (the
 * seeds are small workbooks, their parts stored uncompressed so that mutations reach the XML).
 * Nothing reads out of bounds or leaks; a refusal is XN_EINVAL with a message; every row handed
 * over has 1..SHEET_MAX_COLS cells, a non-empty one among them, NUL-free texts of the length
 * said, valid UTF-8 within the cell bound, and row numbers that only grow; read ahead on a
 * second thread (sheet_read_ahead) it gives the same rows and the same end. */
#include "sheet_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_row(void *ctx, size_t row, const sheet_cell *cells, size_t n, xn_error *err)
{
    (void)err;
    check *c = ctx;
    if (n == 0 || n > SHEET_MAX_COLS || row <= c->last_row || row > 1048576)
        abort();
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        if (strlen(cells[i].text) != cells[i].len || cells[i].len > SHEET_MAX_CELL ||
            !xn_utf8_valid(cells[i].text, cells[i].len) || cells[i].kind > SHEET_ERROR)
            abort();
        any = any || cells[i].kind != SHEET_EMPTY;
    }
    if (!any)
        abort();
    seen_row(c, row, cells, n);
    return XN_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sheet_limits lim = SHEET_LIMITS_DEFAULT;
    lim.max_rows = 1000;
    lim.max_part = 4u << 20;
    lim.max_strings = 1u << 20;
    check c = {0};
    xn_error err;
    int rc = sheet_read_xlsx(data, size, &lim, on_row, &c, &err);
    if (rc != XN_OK && (rc != XN_EINVAL || !err.message[0]))
        abort();
    if (c.rows > lim.max_rows)
        abort();
    /* read ahead on a second thread: the same rows, the same end */
    same_ahead(sheet_read_xlsx, data, size, &lim, on_row, &c, rc, &err);
    return 0;
}
