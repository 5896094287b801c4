/* libFuzzer harness: the body sanitiser of the publish room. Whatever the input, the clean
 * HTML holds no <script, and no tag in it holds "javascript:", "style=" or an event handler
 * (" on" letters "="); read again by an HTML parser it holds only allowed elements and
 * attributes, and no href or src with another scheme than http:, https: or mailto:; the text
 * is no longer than the HTML; sanitising the clean HTML again gives the same HTML and text. */
#include "publish/sanitize.h"

#include <ctype.h>
#include <gumbo.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Whether s[0..n) holds needle (lower case), case-insensitively. */
static bool has(const char *s, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; i + m <= n; i++) {
        size_t j = 0;
        while (j < m && lower(s[i + j]) == needle[j])
            j++;
        if (j == m)
            return true;
    }
    return false;
}

/* " on" followed by letters and "=" inside s[0..n). */
static bool has_handler(const char *s, size_t n)
{
    for (size_t i = 0; i + 3 < n; i++) {
        if (!isspace((unsigned char)s[i]) || lower(s[i + 1]) != 'o' || lower(s[i + 2]) != 'n')
            continue;
        size_t j = i + 3;
        while (j < n && lower(s[j]) >= 'a' && lower(s[j]) <= 'z')
            j++;
        if (j > i + 3 && j < n && s[j] == '=')
            return true;
    }
    return false;
}

/* Checks the raw bytes. Text is escaped, so a '<' always starts a tag, which ends at the next
 * '>' (attribute values are escaped too). The markup of each tag, its quoted values left out,
 * must hold none of the patterns; what the values mean is checked on the parsed tree, since a
 * title may well say "style=" and a paragraph "javascript:". */
static void check_bytes(const char *h, size_t n)
{
    char markup[1024];
    if (has(h, n, "<script"))
        abort();
    for (size_t i = 0; i < n; i++) {
        if (h[i] != '<')
            continue;
        size_t m = 0;
        bool quoted = false;
        for (; i < n && (quoted || h[i] != '>'); i++) {
            if (h[i] == '"')
                quoted = !quoted;
            else if (!quoted && m + 1 < sizeof markup)
                markup[m++] = h[i];
        }
        if (i == n)
            abort(); /* a tag left open */
        if (has(markup, m, "javascript:") || has(markup, m, "style=") || has_handler(markup, m))
            abort();
    }
}

static bool allowed_tag(GumboTag t)
{
    static const GumboTag ok[] = {
        GUMBO_TAG_HTML,  GUMBO_TAG_P,      GUMBO_TAG_BR,         GUMBO_TAG_H1,
        GUMBO_TAG_H2,    GUMBO_TAG_H3,     GUMBO_TAG_H4,         GUMBO_TAG_H5,
        GUMBO_TAG_H6,    GUMBO_TAG_STRONG, GUMBO_TAG_B,          GUMBO_TAG_EM,
        GUMBO_TAG_I,     GUMBO_TAG_U,      GUMBO_TAG_S,          GUMBO_TAG_SUB,
        GUMBO_TAG_SUP,   GUMBO_TAG_UL,     GUMBO_TAG_OL,         GUMBO_TAG_LI,
        GUMBO_TAG_A,     GUMBO_TAG_IMG,    GUMBO_TAG_TABLE,      GUMBO_TAG_THEAD,
        GUMBO_TAG_TBODY, GUMBO_TAG_TR,     GUMBO_TAG_TH,         GUMBO_TAG_TD,
        GUMBO_TAG_HR,    GUMBO_TAG_PRE,    GUMBO_TAG_CODE,       GUMBO_TAG_SPAN,
        GUMBO_TAG_DIV,   GUMBO_TAG_FIGURE, GUMBO_TAG_FIGCAPTION, GUMBO_TAG_BLOCKQUOTE,
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (ok[i] == t)
            return true;
    return false;
}

static bool allowed_attr(GumboTag t, const char *name)
{
    switch (t) {
    case GUMBO_TAG_A:
        return !strcmp(name, "href") || !strcmp(name, "title") || !strcmp(name, "rel");
    case GUMBO_TAG_IMG:
        return !strcmp(name, "src") || !strcmp(name, "alt") || !strcmp(name, "width") ||
               !strcmp(name, "height");
    case GUMBO_TAG_TD:
    case GUMBO_TAG_TH:
        return !strcmp(name, "colspan") || !strcmp(name, "rowspan");
    default:
        return false;
    }
}

/* A URL as read by the parser: its scheme, with spaces and controls removed, is http, https,
 * mailto or none. */
static void check_url(const char *v)
{
    char probe[64];
    size_t p = 0;
    for (; *v && p + 1 < sizeof probe; v++)
        if ((unsigned char)*v > 0x20 && *v != 0x7f)
            probe[p++] = lower(*v);
    probe[p] = '\0';
    size_t cut = strcspn(probe, ":/?#");
    if (probe[cut] == ':' && strncmp(probe, "http:", 5) != 0 && strncmp(probe, "https:", 6) != 0 &&
        strncmp(probe, "mailto:", 7) != 0)
        abort();
}

/* Reads the clean HTML back and checks every element and attribute (iteratively: the tree may
 * be deep). */
static void check_tree(const char *h, size_t n)
{
    GumboOptions opt = kGumboDefaultOptions;
    opt.fragment_context = GUMBO_TAG_BODY;
    GumboOutput *out = gumbo_parse_with_options(&opt, h, n);
    const GumboNode *node = out->root;
    const GumboNode *stack[512];
    size_t depth = 0;
    stack[depth++] = node;
    while (depth) {
        node = stack[--depth];
        if (node->type == GUMBO_NODE_COMMENT || node->type == GUMBO_NODE_CDATA ||
            node->type == GUMBO_NODE_TEMPLATE)
            abort();
        if (node->type != GUMBO_NODE_ELEMENT)
            continue;
        const GumboElement *el = &node->v.element;
        if (el->tag_namespace != GUMBO_NAMESPACE_HTML || !allowed_tag(el->tag))
            abort();
        for (unsigned i = 0; i < el->attributes.length; i++) {
            const GumboAttribute *a = el->attributes.data[i];
            if (!allowed_attr(el->tag, a->name))
                abort();
            if (!strcmp(a->name, "href") || !strcmp(a->name, "src"))
                check_url(a->value);
        }
        for (unsigned i = 0; i < el->children.length; i++) {
            if (depth == sizeof stack / sizeof stack[0])
                abort(); /* deeper than the sanitiser walks */
            stack[depth++] = el->children.data[i];
        }
    }
    gumbo_destroy_output(&opt, out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    xn_buf html, text, html2, text2;
    xn_error err = {0};
    xn_buf_init(&html, PUBLISH_MAX_BODY);
    xn_buf_init(&text, PUBLISH_MAX_BODY);
    xn_buf_init(&html2, PUBLISH_MAX_BODY);
    xn_buf_init(&text2, PUBLISH_MAX_BODY);
    int rc = publish_sanitize((const char *)data, size, &html, &text, &err);
    if (rc != XN_OK) {
        if (err.code[0] == '\0' || err.message[0] == '\0' || html.len || text.len)
            abort();
        goto out;
    }
    if (html.data == NULL || text.data == NULL || text.len > html.len ||
        strlen(html.data) != html.len || strlen(text.data) != text.len)
        abort();
    check_bytes(html.data, html.len);
    check_tree(html.data, html.len);
    if (publish_sanitize(html.data, html.len, &html2, &text2, &err) != XN_OK)
        abort();
    if (html2.len != html.len || memcmp(html.data, html2.data, html.len) != 0 ||
        text2.len != text.len || memcmp(text.data, text2.data, text.len) != 0)
        abort();
out:
    xn_buf_release(&html);
    xn_buf_release(&text);
    xn_buf_release(&html2);
    xn_buf_release(&text2);
    return 0;
}
