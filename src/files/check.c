/*
 * The checks at upload: the name (no path, no hidden or reordering characters) and the type
 * (the extension must be an evidence type, and the content libmagic sees must belong to it).
 * An extension maps to the media types its content may have; anything else is refused, so an
 * executable named .pdf or an HTML page named .jpg never gets in, and types a browser would run
 * (HTML, SVG, XML, scripts) are not evidence types at all.
 */
#include "files/files.h"

#include <string.h>
#include <strings.h>

int files_check_name(const char *name, size_t len, xn_error *err)
{
    if (!name || len == 0)
        return xn_fail_field(err, XN_EINVAL, "required", "filename", "文件名不能为空");
    if (memchr(name, '\0', len))
        return xn_fail_field(err, XN_EINVAL, "bad_filename", "filename", "文件名不能包含 NUL 字符");
    if (len > FILES_MAX_NAME)
        return xn_fail_field(err, XN_EINVAL, "too_long", "filename", "文件名不能超过 %d 字节",
                             FILES_MAX_NAME);
    if (memchr(name, '/', len) || memchr(name, '\\', len))
        return xn_fail_field(err, XN_EINVAL, "bad_filename", "filename",
                             "文件名不能包含路径分隔符 / 或 \\");
    if (name[0] == '.' || (len >= 2 && memcmp(name + len - 2, "..", 2) == 0) ||
        memmem(name, len, "..", 2))
        return xn_fail_field(err, XN_EINVAL, "bad_filename", "filename",
                             "文件名不能以点开头，也不能包含 ..");
    /* name is NUL-terminated at len by the caller's contract (no NUL inside, checked above) */
    int rc = xn_check_text(name, FILES_MAX_NAME, XN_TEXT_LABEL, true, "filename", "文件名", err);
    if (rc != XN_OK)
        return rc;
    if (name[len - 1] == ' ' || name[len - 1] == '.')
        return xn_fail_field(err, XN_EINVAL, "bad_filename", "filename",
                             "文件名不能以空格或点结尾");
    return XN_OK;
}

/* The media-type families an extension's content may have. */
enum {
    T_PDF = 1 << 0,
    T_JPEG = 1 << 1,
    T_PNG = 1 << 2,
    T_GIF = 1 << 3,
    T_WEBP = 1 << 4,
    T_BMP = 1 << 5,
    T_TIFF = 1 << 6,
    T_OLE = 1 << 7,  /* MS Office 97-2003 and WPS (compound documents) */
    T_ZIP = 1 << 8,  /* zip containers: OOXML, OpenDocument, OFD, zip */
    T_TEXT = 1 << 9, /* plain text */
    T_MP4 = 1 << 10,
    T_MP3 = 1 << 11,
    T_WAV = 1 << 12,
    T_7Z = 1 << 13,
    T_RAR = 1 << 14,
    T_RTF = 1 << 15,
};

static const struct {
    const char *type;
    unsigned family;
} type_families[] = {
    {"application/pdf", T_PDF},
    {"image/jpeg", T_JPEG},
    {"image/png", T_PNG},
    {"image/gif", T_GIF},
    {"image/webp", T_WEBP},
    {"image/bmp", T_BMP},
    {"image/x-ms-bmp", T_BMP},
    {"image/tiff", T_TIFF},
    {"application/msword", T_OLE},
    {"application/vnd.ms-excel", T_OLE},
    {"application/vnd.ms-powerpoint", T_OLE},
    {"application/vnd.ms-office", T_OLE},
    {"application/x-ole-storage", T_OLE},
    {"application/CDFV2", T_OLE},
    {"application/zip", T_ZIP},
    {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", T_ZIP},
    {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", T_ZIP},
    {"application/vnd.openxmlformats-officedocument.presentationml.presentation", T_ZIP},
    {"application/vnd.oasis.opendocument.text", T_ZIP},
    {"application/vnd.oasis.opendocument.spreadsheet", T_ZIP},
    {"application/vnd.oasis.opendocument.presentation", T_ZIP},
    {"text/plain", T_TEXT},
    {"text/csv", T_TEXT},
    {"application/csv", T_TEXT},
    {"video/mp4", T_MP4},
    {"audio/mpeg", T_MP3},
    {"audio/x-wav", T_WAV},
    {"audio/wav", T_WAV},
    {"application/x-7z-compressed", T_7Z},
    {"application/x-rar", T_RAR},
    {"application/vnd.rar", T_RAR},
    {"text/rtf", T_RTF},
};

/* The evidence types: extension (lower case) → families its content may have. */
static const struct {
    const char *ext;
    unsigned families;
} extensions[] = {
    {"pdf", T_PDF},   {"jpg", T_JPEG}, {"jpeg", T_JPEG}, {"png", T_PNG},   {"gif", T_GIF},
    {"webp", T_WEBP}, {"bmp", T_BMP},  {"tif", T_TIFF},  {"tiff", T_TIFF}, {"doc", T_OLE},
    {"xls", T_OLE},   {"ppt", T_OLE},  {"wps", T_OLE},   {"et", T_OLE},    {"dps", T_OLE},
    {"docx", T_ZIP},  {"xlsx", T_ZIP}, {"pptx", T_ZIP},  {"odt", T_ZIP},   {"ods", T_ZIP},
    {"odp", T_ZIP},   {"ofd", T_ZIP},  {"zip", T_ZIP},   {"txt", T_TEXT},  {"csv", T_TEXT},
    {"mp4", T_MP4},   {"mp3", T_MP3},  {"wav", T_WAV},   {"7z", T_7Z},     {"rar", T_RAR},
    {"rtf", T_RTF},
};

static unsigned families_of_type(const char *type)
{
    for (size_t i = 0; i < sizeof type_families / sizeof type_families[0]; i++)
        if (strcasecmp(type, type_families[i].type) == 0)
            return type_families[i].family;
    return 0;
}

/* Markup a browser that sniffs would run, in the first bytes of a text. */
static bool looks_like_markup(const void *head, size_t len)
{
    static const char *const tags[] = {"<html",   "<!doctype", "<script", "<body",   "<svg",
                                       "<iframe", "<?xml",     "<head",   "<object", "<embed"};
    if (len > 4096)
        len = 4096;
    const char *p = head;
    for (size_t i = 0; i < len; i++) {
        if (p[i] != '<')
            continue;
        for (size_t t = 0; t < sizeof tags / sizeof tags[0]; t++) {
            size_t n = strlen(tags[t]);
            if (len - i >= n && strncasecmp(p + i, tags[t], n) == 0)
                return true;
        }
    }
    return false;
}

int files_check_type(const char *name, const char *type, const void *head, size_t len,
                     xn_error *err)
{
    const char *dot = strrchr(name, '.');
    unsigned allowed = 0;
    if (dot && dot[1])
        for (size_t i = 0; i < sizeof extensions / sizeof extensions[0]; i++)
            if (strcasecmp(dot + 1, extensions[i].ext) == 0)
                allowed = extensions[i].families;
    if (!allowed)
        return xn_fail_field(err, XN_EINVAL, "bad_extension", "filename",
                             "不接受此类文件：扩展名须为 pdf、jpg、png、doc(x)、xls(x)、ppt(x)、"
                             "wps、ofd、txt、csv、zip 等证据材料类型");
    if (!(families_of_type(type) & allowed))
        return xn_fail_field(err, XN_EINVAL, "type_mismatch", "file",
                             "文件内容（%s）与扩展名 .%s 不符", type, dot + 1);
    /* a text holding HTML is a page, whatever libmagic called it */
    if ((allowed & T_TEXT) && looks_like_markup(head, len))
        return xn_fail_field(err, XN_EINVAL, "type_mismatch", "file",
                             "文本文件中含有网页标记（HTML/SVG/XML），不能作为 .%s 上传", dot + 1);
    return XN_OK;
}
