/*
 * Internal to the register room: bounded readers of one table from an .xlsx workbook (libzip
 * and expat) or a CSV file (RFC 4180), for the import of registers (transfer.c). Both hand the
 * table row by row to a callback and keep no more than one row (and, for xlsx, the shared
 * strings) in memory.
 *
 * Every size the file could inflate is bounded: the zip's entries, the declared and the real
 * uncompressed size of each part read (checked before and while inflating, so a zip bomb
 * stops at the bound), the shared strings, the rows, the columns and the bytes of one cell.
 * Of a workbook only the first sheet is read. XML with a DOCTYPE is refused (no entities).
 * A CSV file is UTF-8 with or without a BOM; a file that is not UTF-8 is taken as GB18030
 * (the Chinese Excel's "CSV (逗号分隔)") and converted with iconv, and refused when it is not
 * that either.
 *
 * Errors: XN_EINVAL with code "bad_file" (or "too_many_rows", "too_large") and a Chinese
 * message naming what is wrong and, where there is one, the row and column; XN_ENOMEM when an
 * allocation sized by the file fails; or whatever the callback returned.
 */
#ifndef XINAN_REGISTER_SHEET_H
#define XINAN_REGISTER_SHEET_H

#include "base/base.h"

#define SHEET_MAX_COLS 64    /* columns A..BL; a register has fewer fields */
#define SHEET_MAX_CELL 32767 /* bytes of one cell's text (Excel's bound is 32767 characters) */

typedef enum sheet_kind {
    SHEET_EMPTY,
    SHEET_TEXT,    /* a string (shared, inline, or a CSV field) */
    SHEET_NUMBER,  /* an xlsx number as written in the file ("42", "46000.5", "1E-3") */
    SHEET_BOOL,    /* an xlsx boolean: text "1" or "0" */
    SHEET_FORMULA, /* an xlsx cell with a formula (text: its cached value, if any) */
    SHEET_ERROR,   /* an xlsx error value (#N/A …) */
} sheet_kind;

typedef struct sheet_cell {
    sheet_kind kind;
    const char *text; /* NUL-terminated, valid UTF-8 (xlsx: as the XML parser gives it) */
    size_t len;
} sheet_cell;

typedef struct sheet_limits {
    size_t max_rows;      /* rows handed to the callback */
    uint64_t max_part;    /* uncompressed bytes of one zip part */
    uint64_t max_strings; /* bytes of all shared strings together */
    size_t max_entries;   /* entries of the zip's directory */
} sheet_limits;

/* 100,000 rows and a header, 256 MiB a part, 64 MiB of shared strings, 2,000 entries. */
#define SHEET_LIMITS_DEFAULT                                                                       \
    ((sheet_limits){.max_rows = 100010,                                                            \
                    .max_part = UINT64_C(256) << 20,                                               \
                    .max_strings = UINT64_C(64) << 20,                                             \
                    .max_entries = 2000})

/*
 * Called for every row that has at least one non-empty cell, in file order. row is the row's
 * number as a spreadsheet shows it (1-based; a CSV record's number, a quoted line break not
 * counted); cells[0..ncells) are columns A, B, … with empty ones SHEET_EMPTY, ncells >= 1.
 * The cells live until the callback returns. A non-zero return stops the reading and is
 * returned by the reader (err filled by the callback).
 */
typedef int (*sheet_row_fn)(void *ctx, size_t row, const sheet_cell *cells, size_t ncells,
                            xn_error *err);

/* The first sheet of the workbook in data[0..len). */
int sheet_read_xlsx(const void *data, size_t len, const sheet_limits *lim, sheet_row_fn fn,
                    void *ctx, xn_error *err);
/* The records of the CSV file in data[0..len); every non-empty field is SHEET_TEXT. */
int sheet_read_csv(const void *data, size_t len, const sheet_limits *lim, sheet_row_fn fn,
                   void *ctx, xn_error *err);

/* A reader of the two above. */
typedef int (*sheet_reader_fn)(const void *data, size_t len, const sheet_limits *lim,
                               sheet_row_fn fn, void *ctx, xn_error *err);

/* As read(data, len, lim, fn, ctx, err), with the reading on a thread of its own a few hundred
 * rows ahead of fn, which is called on the caller's thread, in file order, with the same rows
 * and cells. Returns fn's first non-zero return, else the reader's. */
int sheet_read_ahead(sheet_reader_fn read, const void *data, size_t len, const sheet_limits *lim,
                     sheet_row_fn fn, void *ctx, xn_error *err);

/* "A", "B", … "BL" for column index col (0-based) into out[4]. */
void sheet_col_name(size_t col, char out[4]);

#endif
