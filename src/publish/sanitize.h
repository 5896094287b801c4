/*
 * publish: the sanitiser of a content item's body (room-internal).
 *
 * The body comes from the rich-text editor and goes to a government website, so the server
 * keeps only what is safe and readable there, and the checks (PUB-5, PUB-8, PUB-9, PUB-13)
 * read exactly the text a reader of that page will see.
 */
#ifndef XINAN_PUBLISH_SANITIZE_H
#define XINAN_PUBLISH_SANITIZE_H

#include "base/base.h"

#include <stddef.h>

#define PUBLISH_MAX_BODY (2u << 20) /* bytes of body HTML accepted */

/* Sanitises a content item's body HTML through an HTML5 parser (gumbo) with an allow-list of
 * tags and attributes. html_out receives the clean HTML (a fragment, no <html>/<body>), text_out
 * the visible text a reader sees (block elements and <br> end a line, entities decoded, runs of
 * whitespace inside a line collapsed as a browser shows them), which is what the checks read.
 * Errors (XN_EINVAL, field "body_html", Chinese message): "too_large" over PUBLISH_MAX_BODY,
 * "bad_utf8" for invalid UTF-8 or NUL bytes. */
/*
 * Further contract. The clean HTML is stable: sanitising it again gives the same bytes and the
 * same text. It is appended to html_out and text_out (each left NUL-terminated), whose maxima
 * the caller sets with xn_buf_init; nothing is appended on failure. Further errors, also
 * XN_EINVAL naming "body_html": "too_large" as well when the clean HTML would pass
 * PUBLISH_MAX_BODY (escaping can lengthen it), "too_complex" when the markup nests deeper than
 * the sanitiser walks or its parse passes the memory or time bound (bodies made to exhaust the
 * server). XN_ETOOBIG ("too_large") when an output buffer's own maximum is passed.
 */
int publish_sanitize(const char *html, size_t len, xn_buf *html_out, xn_buf *text_out,
                     xn_error *err);

#endif
