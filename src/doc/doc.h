/*
 * doc: documents people print or send upward (the incident report, the review form, the
 * compliance report), written from one list of lines as a PDF (cairo + pango, the Chinese
 * font embedded as a subset so any reader shows it) or as an xlsx workbook (libxlsxwriter).
 *
 * A document is a function that puts its lines, each with a level: 2 the title, 1 a section
 * heading, 0 body text (newlines allowed). The same function writes both formats, so a PDF and
 * a workbook of the same data say the same thing.
 */
#ifndef XINAN_DOC_H
#define XINAN_DOC_H

#include "base/base.h"

typedef struct doc_sink doc_sink;

/* Puts one line (its text is copied at once). */
void doc_put(doc_sink *s, int level, const char *text);

typedef void (*doc_lines_fn)(const void *data, doc_sink *out);

typedef struct doc_meta {
    const char *title; /* the PDF's title, the sheet's name (≤ 31 characters) */
    int64_t
        created_at; /* µs: the PDF's creation date (0: now); a fixed date gives the same bytes */
} doc_meta;

/* Writes the document to path: format "pdf" or "xlsx"; XN_EINVAL naming "format" for any
 * other, XN_EIO when the file cannot be written. */
int doc_write(const char *format, const doc_meta *meta, doc_lines_fn lines, const void *data,
              const char *path, xn_error *err);

#endif
