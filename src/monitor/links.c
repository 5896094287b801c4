/*
 * The links and visible text of a page (MON-3, MON-6): an HTML5 parser (gumbo) reads the page
 * as a browser would; links are <a href>, <area href>, <iframe src>, <script src>; a link is
 * hidden when it or an ancestor is styled out of sight (display:none, visibility:hidden,
 * font-size:0, a position far off the page, opacity:0) or carries the hidden attribute —
 * the usual shapes of 暗链. Text under script, style, template and noscript is not visible.
 */
#include "monitor/monitor.h"

#include <ctype.h>
#include <gumbo.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINKS 10000

typedef struct walk {
    monitor_page *page;
    xn_buf text;
    size_t cap;
    bool failed;
} walk;

static bool style_hides(const char *style)
{
    /* the style compacted: lowercase, no whitespace */
    char s[512];
    size_t n = 0;
    for (const char *p = style; *p && n + 1 < sizeof s; p++)
        if (!isspace((unsigned char)*p))
            s[n++] = (char)tolower((unsigned char)*p);
    s[n] = '\0';
    static const char *const hides[] = {
        "display:none", "visibility:hidden", "font-size:0;", "opacity:0;", "left:-",
        "top:-",        "text-indent:-",     "height:0;",    "width:0;"};
    size_t len = strlen(s);
    char padded[520];
    snprintf(padded, sizeof padded, "%s;", s); /* "font-size:0" at the end counts too */
    (void)len;
    for (size_t i = 0; i < sizeof hides / sizeof hides[0]; i++) {
        const char *at = strstr(padded, hides[i]);
        if (!at)
            continue;
        /* left:-5px is a nudge; far off the page is hundreds of pixels or more */
        if (hides[i][strlen(hides[i]) - 1] == '-') {
            long v = strtol(at + strlen(hides[i]), NULL, 10);
            if (v < 100)
                continue;
        }
        return true;
    }
    return false;
}

static bool element_hides(const GumboElement *e)
{
    if (gumbo_get_attribute(&e->attributes, "hidden"))
        return true;
    const GumboAttribute *st = gumbo_get_attribute(&e->attributes, "style");
    return st && style_hides(st->value);
}

static void host_of(const char *href, char *out, size_t size)
{
    *out = '\0';
    while (*href && isspace((unsigned char)*href))
        href++;
    const char *p = NULL;
    if (strncasecmp(href, "http://", 7) == 0)
        p = href + 7;
    else if (strncasecmp(href, "https://", 8) == 0)
        p = href + 8;
    else if (strncmp(href, "//", 2) == 0)
        p = href + 2;
    if (!p)
        return;
    const char *at = p;
    /* user:pass@host: the host is after the last @ before the path */
    const char *end = p + strcspn(p, "/?#");
    for (const char *q = p; q < end; q++)
        if (*q == '@')
            at = q + 1;
    size_t n = 0;
    if (*at == '[') { /* [IPv6] */
        const char *close = memchr(at, ']', (size_t)(end - at));
        if (close)
            end = close + 1;
    } else {
        const char *colon = memchr(at, ':', (size_t)(end - at));
        if (colon)
            end = colon;
    }
    for (const char *q = at; q < end && n + 1 < size; q++)
        out[n++] = (char)tolower((unsigned char)*q);
    out[n] = '\0';
}

static void add_link(walk *w, const char *href, bool hidden)
{
    monitor_page *pg = w->page;
    if (pg->nlinks >= MAX_LINKS || w->failed)
        return;
    if (pg->nlinks == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 64;
        monitor_link *nl = realloc(pg->links, cap * sizeof *nl);
        if (!nl) {
            w->failed = true;
            return;
        }
        pg->links = nl;
        w->cap = cap;
    }
    char host[256];
    host_of(href, host, sizeof host);
    monitor_link *l = &pg->links[pg->nlinks];
    l->href = strndup(href, 2048);
    l->host = strdup(host);
    l->hidden = hidden;
    if (!l->href || !l->host) {
        free(l->href);
        free(l->host);
        w->failed = true;
        return;
    }
    pg->nlinks++;
}

static bool is_block(GumboTag t)
{
    switch (t) {
    case GUMBO_TAG_P:
    case GUMBO_TAG_DIV:
    case GUMBO_TAG_BR:
    case GUMBO_TAG_LI:
    case GUMBO_TAG_TR:
    case GUMBO_TAG_H1:
    case GUMBO_TAG_H2:
    case GUMBO_TAG_H3:
    case GUMBO_TAG_H4:
    case GUMBO_TAG_H5:
    case GUMBO_TAG_H6:
    case GUMBO_TAG_TITLE:
        return true;
    default:
        return false;
    }
}

static void visit(walk *w, const GumboNode *node, bool hidden, int depth)
{
    if (depth > 400 || w->failed)
        return;
    if (node->type == GUMBO_NODE_TEXT || node->type == GUMBO_NODE_WHITESPACE ||
        node->type == GUMBO_NODE_CDATA) {
        if (!hidden)
            xn_buf_puts(&w->text, node->v.text.text);
        return;
    }
    if (node->type != GUMBO_NODE_ELEMENT && node->type != GUMBO_NODE_DOCUMENT &&
        node->type != GUMBO_NODE_TEMPLATE)
        return;
    const GumboVector *children =
        node->type == GUMBO_NODE_DOCUMENT ? &node->v.document.children : &node->v.element.children;
    if (node->type == GUMBO_NODE_ELEMENT) {
        const GumboElement *e = &node->v.element;
        hidden = hidden || element_hides(e);
        const char *attr = e->tag == GUMBO_TAG_A || e->tag == GUMBO_TAG_AREA          ? "href"
                           : e->tag == GUMBO_TAG_IFRAME || e->tag == GUMBO_TAG_SCRIPT ? "src"
                                                                                      : NULL;
        const GumboAttribute *a = attr ? gumbo_get_attribute(&e->attributes, attr) : NULL;
        if (a)
            add_link(w, a->value, hidden);
        bool invisible = e->tag == GUMBO_TAG_SCRIPT || e->tag == GUMBO_TAG_STYLE ||
                         e->tag == GUMBO_TAG_NOSCRIPT || e->tag == GUMBO_TAG_TEMPLATE;
        if (invisible)
            hidden = true;
        if (is_block(e->tag))
            xn_buf_puts(&w->text, "\n");
    }
    for (unsigned i = 0; i < children->length; i++)
        visit(w, children->data[i], hidden, depth + 1);
    if (node->type == GUMBO_NODE_ELEMENT && is_block(node->v.element.tag))
        xn_buf_puts(&w->text, "\n");
}

void monitor_page_free(monitor_page *p)
{
    for (size_t i = 0; p && i < p->nlinks; i++) {
        free(p->links[i].href);
        free(p->links[i].host);
    }
    if (p) {
        free(p->links);
        free(p->text);
        *p = (monitor_page){0};
    }
}

int monitor_page_parse(const char *html, size_t len, monitor_page *out, xn_error *err)
{
    *out = (monitor_page){0};
    if (len > MONITOR_MAX_BODY)
        return xn_fail(err, XN_EINVAL, "too_large", "page over %u bytes", MONITOR_MAX_BODY);
    GumboOptions opts = kGumboDefaultOptions;
    opts.max_errors = 100;
    GumboOutput *doc = gumbo_parse_with_options(&opts, html, len);
    if (!doc)
        return xn_fail(err, XN_ENOMEM, "no_memory", "out of memory parsing a page");
    walk w = {.page = out};
    xn_buf_init(&w.text, MONITOR_MAX_BODY * 2);
    visit(&w, doc->document, false, 0);
    gumbo_destroy_output(&opts, doc);
    if (w.failed || xn_buf_puts(&w.text, "") != XN_OK) {
        xn_buf_release(&w.text);
        monitor_page_free(out);
        return xn_fail(err, XN_ENOMEM, "no_memory", "out of memory reading a page");
    }
    out->text = xn_buf_detach(&w.text, &out->text_len);
    return XN_OK;
}
