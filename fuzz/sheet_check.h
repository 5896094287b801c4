/* What the sheet readers' harnesses (fuzz_sheet_csv.c, fuzz_sheet_xlsx.c) share: the rows seen
 * (counted, their numbers growing, digested) and the comparison with the same input read ahead
 * on a second thread (sheet_read_ahead). */
#ifndef XINAN_FUZZ_SHEET_CHECK_H
#define XINAN_FUZZ_SHEET_CHECK_H

#include "register/sheet.h"

#include <stdlib.h>
#include <string.h>

typedef struct check {
    size_t last_row, rows;
    uint64_t digest; /* FNV-1a over every row number, cell kind and text handed over */
} check;

static void mix(check *c, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        c->digest = (c->digest ^ ((const uint8_t *)p)[i]) * 0x100000001b3ULL;
}

/* A row that passed the harness's own checks, counted and digested. */
static void seen_row(check *c, size_t row, const sheet_cell *cells, size_t n)
{
    mix(c, &row, sizeof row);
    for (size_t i = 0; i < n; i++) {
        mix(c, &cells[i].kind, sizeof cells[i].kind);
        mix(c, cells[i].text, cells[i].len + 1);
    }
    c->last_row = row;
    c->rows++;
}

/* The input read ahead gives what read gave: rc, err and the rows seen in c. */
static void same_ahead(sheet_reader_fn read, const uint8_t *data, size_t size,
                       const sheet_limits *lim, sheet_row_fn fn, const check *c, int rc,
                       const xn_error *err)
{
    check ahead = {0};
    xn_error err2;
    int rc2 = sheet_read_ahead(read, data, size, lim, fn, &ahead, &err2);
    if (rc2 != rc || ahead.rows != c->rows || ahead.digest != c->digest ||
        (rc != XN_OK && strcmp(err->message, err2.message) != 0))
        abort();
}

#endif
