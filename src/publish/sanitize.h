/* The body's sanitiser (room-internal). */
#ifndef XINAN_PUBLISH_SANITIZE_H
#define XINAN_PUBLISH_SANITIZE_H

#include "base/base.h"

#define PUBLISH_MAX_BODY (2u << 20) /* bytes of body HTML accepted */
/* Sanitises a content item's body HTML through an HTML5 parser (gumbo) with an allow-list of
 * tags and attributes. html_out receives the clean HTML (a fragment, no <html>/<body>), text_out
 * the visible text a reader sees (block elements and <br> end a line, entities decoded, runs of
 * whitespace inside a line collapsed as a browser shows them), which is what the checks read.
 * Errors (XN_EINVAL, field "body_html", Chinese message): "too_large" over PUBLISH_MAX_BODY,
 * "bad_utf8" for invalid UTF-8 or NUL bytes. */
int publish_sanitize(const char *html, size_t len, xn_buf *html_out, xn_buf *text_out,
                     xn_error *err);

#endif
