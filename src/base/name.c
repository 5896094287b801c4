/*
 * Names and free text as people see them (ACC-1, usability): one check for every entry point,
 * HTTP and command line alike, so that no name can be invisible, read in another order than it
 * is stored, or start a formula when a list is opened in a spreadsheet.
 *
 * Refused everywhere (free text included): control characters and the bidirectional controls
 * (U+202A..U+202E embeddings and overrides, U+2066..U+2069 isolates, U+200E/U+200F marks,
 * U+061C), which reorder what follows them on screen. Refused in names besides: zero-width and
 * other format characters (general category Cf: U+200B..U+200D, U+2060, U+FEFF …), private-use
 * and unassigned code points, a name of spaces only, and a leading = + - @ (CSV injection). A
 * person's name holds only letters of any script with their marks (categories L and M), the
 * middle dots U+00B7 and U+30FB, and single spaces between words.
 */
#include "base/base.h"

#include <string.h>
#include <utf8proc.h>

static bool is_bidi_control(utf8proc_int32_t c)
{
    return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0x200E ||
           c == 0x200F || c == 0x061C;
}

static bool is_space(utf8proc_int32_t c)
{
    return c == ' ' || c == 0x3000;
}

int xn_check_text(const char *s, size_t max, xn_text_kind kind, bool required, const char *field,
                  const char *label, xn_error *err)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0) {
        if (required)
            return xn_fail_field(err, XN_EINVAL, "required", field, "%s不能为空", label);
        return XN_OK;
    }
    if (n > max)
        return xn_fail_field(err, XN_EINVAL, "too_long", field, "%s不能超过 %zu 字节", label, max);
    if (!xn_utf8_valid(s, n))
        return xn_fail_field(err, XN_EINVAL, "bad_text", field, "%s不是有效的 UTF-8 文本", label);
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    bool visible = false, prev_space = false;
    for (size_t i = 0; i < n;) {
        utf8proc_int32_t c;
        i += (size_t)utf8proc_iterate(p + i, (utf8proc_ssize_t)(n - i), &c);
        utf8proc_category_t cat = utf8proc_category(c);
        if (is_bidi_control(c))
            return xn_fail_field(err, XN_EINVAL, "bidi_control", field,
                                 "%s不能包含改变文字方向的控制字符（U+%04X）", label, (unsigned)c);
        if (cat == UTF8PROC_CATEGORY_CC &&
            (kind != XN_TEXT_FREE || !(c == '\t' || c == '\n' || c == '\r')))
            return xn_fail_field(err, XN_EINVAL, "bad_text", field, "%s不能包含控制字符", label);
        if (kind == XN_TEXT_FREE)
            continue;
        if (cat == UTF8PROC_CATEGORY_CF || cat == UTF8PROC_CATEGORY_CO ||
            cat == UTF8PROC_CATEGORY_CS || cat == UTF8PROC_CATEGORY_CN || c == 0x2060)
            return xn_fail_field(err, XN_EINVAL, "invisible_char", field,
                                 "%s不能包含零宽或不可见字符（U+%04X）", label, (unsigned)c);
        if (!visible && !is_space(c) && (c == '=' || c == '+' || c == '-' || c == '@'))
            return xn_fail_field(err, XN_EINVAL, "bad_start", field, "%s不能以 = + - @ 开头",
                                 label);
        if (kind == XN_TEXT_PERSON) {
            bool letter = cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_ME;
            if (is_space(c) && (!visible || prev_space))
                return xn_fail_field(err, XN_EINVAL, "bad_name", field,
                                     "%s的空格只能出现在字与字之间", label);
            if (!letter && !is_space(c) && c != 0x00B7 && c != 0x30FB)
                return xn_fail_field(err, XN_EINVAL, "bad_name", field,
                                     "%s只能包含文字、间隔号（·）和字间空格，不能含数字或符号",
                                     label);
            prev_space = is_space(c);
        }
        visible |= !is_space(c);
    }
    if (!visible && kind != XN_TEXT_FREE)
        return xn_fail_field(err, XN_EINVAL, "required", field, "%s不能为空", label);
    if (kind == XN_TEXT_PERSON && prev_space)
        return xn_fail_field(err, XN_EINVAL, "bad_name", field, "%s的空格只能出现在字与字之间",
                             label);
    return XN_OK;
}
