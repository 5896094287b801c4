#include "publish/sanitize.h"
#include <string.h>
int publish_sanitize(const char *html, size_t len, xn_buf *h, xn_buf *t, xn_error *err)
{
    if (len > PUBLISH_MAX_BODY)
        return xn_fail_field(err, XN_EINVAL, "too_large", "body_html", "正文超过 2 MiB");
    if (!xn_utf8_valid(html, len) || memchr(html, 0, len))
        return xn_fail_field(err, XN_EINVAL, "bad_utf8", "body_html", "正文不是有效的 UTF-8");
    xn_buf_append(h, html, len);
    int in = 0;
    for (size_t i = 0; i < len; i++) {
        if (html[i] == '<')
            in = 1;
        else if (html[i] == '>') {
            in = 0;
        } else if (!in)
            xn_buf_append(t, html + i, 1);
    }
    return XN_OK;
}
