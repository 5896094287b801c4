/*
 * The two writers of a document: PDF through cairo and pango (line by line, so a long text
 * carries over to the next page), xlsx through libxlsxwriter (one row a line, strings only, so
 * a formula-looking line stays text).
 */
#include "doc/doc.h"

#include <cairo-pdf.h>
#include <pango/pangocairo.h>
#include <string.h>
#include <xlsxwriter.h>

#define PAGE_W 595.0 /* A4 in points */
#define PAGE_H 842.0
#define MARGIN 56.0
#define FONT   "WenQuanYi Micro Hei"

struct doc_sink {
    void (*put)(doc_sink *s, int level, const char *text);
    /* PDF */
    cairo_t *cr;
    PangoLayout *layout;
    double y;
    /* xlsx */
    lxw_worksheet *ws;
    lxw_format *bold, *title, *wrap;
    lxw_row_t row;
    lxw_error failed;
};

void doc_put(doc_sink *s, int level, const char *text)
{
    s->put(s, level, text ? text : "");
}

/* ---- PDF ---------------------------------------------------------------------------------- */

static void pdf_put(doc_sink *p, int level, const char *text)
{
    PangoFontDescription *fd = pango_font_description_from_string(FONT);
    pango_font_description_set_absolute_size(fd, (level == 2   ? 18
                                                  : level == 1 ? 13
                                                               : 10.5) *
                                                     PANGO_SCALE);
    if (level)
        pango_font_description_set_weight(fd, PANGO_WEIGHT_BOLD);
    pango_layout_set_font_description(p->layout, fd);
    pango_font_description_free(fd);
    pango_layout_set_alignment(p->layout, level == 2 ? PANGO_ALIGN_CENTER : PANGO_ALIGN_LEFT);
    pango_layout_set_text(p->layout, text, -1);
    p->y += level == 1 ? 10 : 3;
    PangoLayoutIter *it = pango_layout_get_iter(p->layout);
    double top = -1;
    do {
        PangoRectangle logical;
        pango_layout_iter_get_line_extents(it, NULL, &logical);
        double h = (double)logical.height / PANGO_SCALE;
        double ly = (double)logical.y / PANGO_SCALE;
        if (top < 0)
            top = ly;
        if (p->y + (ly - top) + h > PAGE_H - MARGIN) {
            cairo_show_page(p->cr);
            p->y = MARGIN - (ly - top);
        }
        double baseline = (double)pango_layout_iter_get_baseline(it) / PANGO_SCALE;
        cairo_move_to(p->cr, MARGIN + (double)logical.x / PANGO_SCALE, p->y + (baseline - top));
        pango_cairo_show_layout_line(p->cr, pango_layout_iter_get_line_readonly(it));
    } while (pango_layout_iter_next_line(it));
    PangoRectangle ink, logical;
    pango_layout_get_extents(p->layout, &ink, &logical);
    p->y += (double)logical.height / PANGO_SCALE;
    pango_layout_iter_free(it);
}

static int write_pdf(const doc_meta *meta, doc_lines_fn lines, const void *data, const char *path,
                     xn_error *err)
{
    cairo_surface_t *s = cairo_pdf_surface_create(path, PAGE_W, PAGE_H);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        return xn_fail(err, XN_EIO, "document", "cannot create the PDF");
    }
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, meta->title);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "xinan");
    if (meta->created_at) {
        char t[XN_TIME_STR];
        xn_time_format(meta->created_at, t);
        memmove(t + 19, t + 23, strlen(t + 23) + 1); /* ISO 8601 without the fraction */
        cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATE_DATE, t);
        cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_MOD_DATE, t);
    }
    doc_sink p = {.put = pdf_put, .cr = cairo_create(s), .y = MARGIN};
    p.layout = pango_cairo_create_layout(p.cr);
    pango_layout_set_width(p.layout, (int)((PAGE_W - 2 * MARGIN) * PANGO_SCALE));
    pango_layout_set_wrap(p.layout, PANGO_WRAP_WORD_CHAR);
    cairo_set_source_rgb(p.cr, 0, 0, 0);
    lines(data, &p);
    g_object_unref(p.layout);
    cairo_destroy(p.cr);
    cairo_surface_finish(s);
    cairo_status_t st = cairo_surface_status(s);
    cairo_surface_destroy(s);
    return st == CAIRO_STATUS_SUCCESS
               ? XN_OK
               : xn_fail(err, XN_EIO, "document", "the PDF cannot be written: %s",
                         cairo_status_to_string(st));
}

/* ---- xlsx --------------------------------------------------------------------------------- */

static void sheet_put(doc_sink *s, int level, const char *text)
{
    /* write_string never makes a formula: a formula-looking line stays text */
    lxw_error e = worksheet_write_string(s->ws, s->row++, 0, text,
                                         level == 2   ? s->title
                                         : level == 1 ? s->bold
                                                      : s->wrap);
    if (e != LXW_NO_ERROR && s->failed == LXW_NO_ERROR)
        s->failed = e;
}

static int write_xlsx(const doc_meta *meta, doc_lines_fn lines, const void *data, const char *path,
                      xn_error *err)
{
    lxw_workbook *wb = workbook_new(path);
    if (!wb)
        return xn_fail(err, XN_EIO, "document", "cannot create the workbook");
    doc_sink s = {.put = sheet_put, .ws = workbook_add_worksheet(wb, meta->title)};
    if (!s.ws)
        s.ws = workbook_add_worksheet(wb, NULL); /* a title Excel refuses as a sheet name */
    s.bold = workbook_add_format(wb);
    format_set_bold(s.bold);
    format_set_font_size(s.bold, 13);
    s.title = workbook_add_format(wb);
    format_set_bold(s.title);
    format_set_font_size(s.title, 16);
    s.wrap = workbook_add_format(wb);
    format_set_text_wrap(s.wrap);
    format_set_align(s.wrap, LXW_ALIGN_VERTICAL_TOP);
    worksheet_set_column(s.ws, 0, 0, 110, NULL);
    lines(data, &s);
    lxw_error closed = workbook_close(wb);
    lxw_error failed = s.failed != LXW_NO_ERROR ? s.failed : closed;
    return failed == LXW_NO_ERROR
               ? XN_OK
               : xn_fail(err, XN_EIO, "document", "the workbook cannot be written: %s",
                         lxw_strerror(failed));
}

int doc_write(const char *format, const doc_meta *meta, doc_lines_fn lines, const void *data,
              const char *path, xn_error *err)
{
    if (strcmp(format, "pdf") == 0)
        return write_pdf(meta, lines, data, path, err);
    if (strcmp(format, "xlsx") == 0)
        return write_xlsx(meta, lines, data, path, err);
    return xn_fail_field(err, XN_EINVAL, "bad_format", "format", "文档格式只能是 pdf 或 xlsx");
}
