/*
 * The incident report (事件报告) sent upward: the incident, its clocks, the procedure as done,
 * the whole timeline and the closing report, as a PDF (cairo + pango, the Chinese font
 * embedded as a subset so any reader shows it) or as an xlsx workbook (libxlsxwriter).
 * Both are made from incident_json, so they say exactly what the page says.
 */
#include "incident/incident_int.h"

#include <cairo-pdf.h>
#include <pango/pangocairo.h>
#include <string.h>
#include <xlsxwriter.h>

#define PAGE_W 595.0 /* A4 in points */
#define PAGE_H 842.0
#define MARGIN 56.0
#define FONT   "WenQuanYi Micro Hei"

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static void time_text(const json_t *o, const char *key, char out[XN_TIME_STR])
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v)) {
        snprintf(out, XN_TIME_STR, "—");
        return;
    }
    xn_time_format(json_integer_value(v), out);
    out[19] = '\0'; /* "2026-12-06T10:30:00" without fractions and offset */
    out[10] = ' ';
}

static const char *state_name(const char *s)
{
    return strcmp(s, "open") == 0        ? "处置中"
           : strcmp(s, "closing") == 0   ? "待审批结案"
           : strcmp(s, "closed") == 0    ? "已结案"
           : strcmp(s, "running") == 0   ? "计时中"
           : strcmp(s, "overdue") == 0   ? "已超时"
           : strcmp(s, "met") == 0       ? "已完成"
           : strcmp(s, "suspended") == 0 ? "已暂停"
                                         : s;
}

/* The report as lines of (heading level, text): 0 body, 1 section, 2 title. */
typedef struct line_sink {
    void (*put)(void *ctx, int level, const char *text);
    void *ctx;
} line_sink;

static void report_lines(const json_t *inc, const line_sink *out)
{
    char buf[INCIDENT_MAX_TEXT + 512], t1[XN_TIME_STR], t2[XN_TIME_STR];
    out->put(out->ctx, 2, "安全事件报告");
    snprintf(buf, sizeof buf, "事件 #%lld　%s%s",
             (long long)json_integer_value(json_object_get(inc, "id")),
             json_is_true(json_object_get(inc, "drill")) ? "【演练】" : "", str(inc, "title"));
    out->put(out->ctx, 1, buf);
    time_text(inc, "detected_at", t1);
    time_text(inc, "opened_at", t2);
    snprintf(buf, sizeof buf,
             "类别：%s\n状态：%s\n发现时间：%s\n登记：%s，%s\n影响网站发布：%s\n须报告：%s",
             str(inc, "kind_title"), state_name(str(inc, "state")), t1, str(inc, "opened_by"), t2,
             json_is_true(json_object_get(inc, "site_affected")) ? "是" : "否",
             json_is_string(json_object_get(inc, "authorities")) ? str(inc, "authorities") : "—");
    out->put(out->ctx, 0, buf);

    out->put(out->ctx, 1, "处置时限");
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(inc, "clocks"), i, c)
    {
        time_text(c, "due_at", t1);
        time_text(c, "met_at", t2);
        const char *st = str(c, "state");
        int n =
            snprintf(buf, sizeof buf, "%s（%d 分钟）：期限 %s，%s", str(c, "title"),
                     (int)json_integer_value(json_object_get(c, "minutes")), t1, state_name(st));
        if (strcmp(st, "met") == 0 && n > 0 && (size_t)n < sizeof buf)
            n += snprintf(buf + n, sizeof buf - (size_t)n, "（%s 于 %s 确认%s%s）",
                          str(c, "met_by"), t2, *str(c, "note") ? "：" : "", str(c, "note"));
        if (strcmp(st, "suspended") == 0 && n > 0 && (size_t)n < sizeof buf)
            snprintf(buf + n, sizeof buf - (size_t)n, "（%s 暂停：%s）", str(c, "suspended_by"),
                     str(c, "suspend_reason"));
        out->put(out->ctx, 0, buf);
    }

    out->put(out->ctx, 1, "处置步骤");
    json_array_foreach(json_object_get(inc, "steps"), i, c)
    {
        time_text(c, "done_at", t1);
        snprintf(buf, sizeof buf, "%zu. %s　%s", i + 1, str(c, "text"),
                 json_is_true(json_object_get(c, "done")) ? "已完成" : "未完成");
        if (json_is_true(json_object_get(c, "done"))) {
            size_t n = strlen(buf);
            snprintf(buf + n, sizeof buf - n, "（%s，%s）", str(c, "done_by"), t1);
        }
        out->put(out->ctx, 0, buf);
    }

    out->put(out->ctx, 1, "处置记录");
    json_array_foreach(json_object_get(inc, "timeline"), i, c)
    {
        time_text(c, "at", t1);
        const char *d = str(c, "delivery");
        snprintf(buf, sizeof buf, "%s　%s　%s%s%s", t1, str(c, "actor"), str(c, "text"),
                 *d ? "（通知" : "",
                 !*d                         ? ""
                 : strcmp(d, "sent") == 0    ? "已送达）"
                 : strcmp(d, "failed") == 0  ? "投递失败）"
                 : strcmp(d, "pending") == 0 ? "投递中）"
                                             : "无渠道）");
        out->put(out->ctx, 0, buf);
    }

    json_t *close = json_object_get(inc, "close");
    out->put(out->ctx, 1, "结案报告");
    if (!json_is_object(close)) {
        out->put(out->ctx, 0, "尚未提交。");
    } else {
        time_text(close, "closed_at", t1);
        snprintf(buf, sizeof buf, "事件原因：%s\n处置措施：%s\n经验教训：%s\n预防措施：%s",
                 str(close, "cause"), str(close, "measures"), str(close, "lessons"),
                 str(close, "prevention"));
        out->put(out->ctx, 0, buf);
        snprintf(buf, sizeof buf, "批准结案：%s",
                 json_is_string(json_object_get(close, "closed_by")) ? str(close, "closed_by")
                                                                     : "待领导审批");
        if (json_is_string(json_object_get(close, "closed_by"))) {
            size_t n = strlen(buf);
            snprintf(buf + n, sizeof buf - n, "，%s", t1);
        }
        out->put(out->ctx, 0, buf);
    }
    time_text(inc, "now", t1);
    snprintf(buf, sizeof buf, "本报告由信安于 %s 生成，内容与系统中的事件记录一致。", t1);
    out->put(out->ctx, 0, buf);
}

/* ---- PDF ---------------------------------------------------------------------------------- */

typedef struct pdf {
    cairo_t *cr;
    PangoLayout *layout;
    double y;
} pdf;

static void pdf_put(void *ctx, int level, const char *text)
{
    pdf *p = ctx;
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
    /* line by line, so a long note carries over to the next page */
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
    p->y += (double)logical.height / PANGO_SCALE - 0;
    pango_layout_iter_free(it);
}

static int write_pdf(const json_t *inc, const char *path, xn_error *err)
{
    cairo_surface_t *s = cairo_pdf_surface_create(path, PAGE_W, PAGE_H);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        return xn_fail(err, XN_EIO, "report", "cannot create the PDF");
    }
    char title[128];
    snprintf(title, sizeof title, "安全事件报告 #%lld",
             (long long)json_integer_value(json_object_get(inc, "id")));
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, title);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "xinan");
    pdf p = {.cr = cairo_create(s), .y = MARGIN};
    p.layout = pango_cairo_create_layout(p.cr);
    pango_layout_set_width(p.layout, (int)((PAGE_W - 2 * MARGIN) * PANGO_SCALE));
    pango_layout_set_wrap(p.layout, PANGO_WRAP_WORD_CHAR);
    cairo_set_source_rgb(p.cr, 0, 0, 0);
    line_sink sink = {.put = pdf_put, .ctx = &p};
    report_lines(inc, &sink);
    g_object_unref(p.layout);
    cairo_destroy(p.cr);
    cairo_surface_finish(s);
    cairo_status_t st = cairo_surface_status(s);
    cairo_surface_destroy(s);
    return st == CAIRO_STATUS_SUCCESS
               ? XN_OK
               : xn_fail(err, XN_EIO, "report", "the PDF cannot be written: %s",
                         cairo_status_to_string(st));
}

/* ---- xlsx --------------------------------------------------------------------------------- */

typedef struct sheet {
    lxw_worksheet *ws;
    lxw_format *bold, *title, *wrap;
    lxw_row_t row;
    lxw_error failed;
} sheet;

static void sheet_put(void *ctx, int level, const char *text)
{
    sheet *s = ctx;
    /* a formula-looking note stays text: write_string never makes a formula */
    lxw_error e = worksheet_write_string(s->ws, s->row++, 0, text,
                                         level == 2   ? s->title
                                         : level == 1 ? s->bold
                                                      : s->wrap);
    if (e != LXW_NO_ERROR && s->failed == LXW_NO_ERROR)
        s->failed = e;
}

static int write_xlsx(const json_t *inc, const char *path, xn_error *err)
{
    lxw_workbook *wb = workbook_new(path);
    if (!wb)
        return xn_fail(err, XN_EIO, "report", "cannot create the workbook");
    sheet s = {.ws = workbook_add_worksheet(wb, "事件报告")};
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
    line_sink sink = {.put = sheet_put, .ctx = &s};
    report_lines(inc, &sink);
    lxw_error closed = workbook_close(wb);
    lxw_error failed = s.failed != LXW_NO_ERROR ? s.failed : closed;
    return failed == LXW_NO_ERROR
               ? XN_OK
               : xn_fail(err, XN_EIO, "report", "the workbook cannot be written: %s",
                         lxw_strerror(failed));
}

int incident_report(incident_ctx *c, int64_t id, const char *format, const char *path,
                    xn_error *err)
{
    bool pdf_wanted = strcmp(format, "pdf") == 0;
    if (!pdf_wanted && strcmp(format, "xlsx") != 0)
        return xn_fail_field(err, XN_EINVAL, "bad_format", "format", "报告格式只能是 pdf 或 xlsx");
    json_t *inc = NULL;
    int rc = incident_json(c, id, &inc, err);
    if (rc != XN_OK)
        return rc;
    rc = pdf_wanted ? write_pdf(inc, path, err) : write_xlsx(inc, path, err);
    json_decref(inc);
    return rc;
}
