/*
 * publish: the body HTML of a content item made safe for a government website.
 *
 * The body is parsed as the browser will parse it (gumbo, an HTML5 parser, as a fragment of a
 * <body>), then written out again from the tree through an allow-list: allowed elements with
 * their allowed attributes, disallowed ones unwrapped (their allowed children and text kept),
 * and those whose content is code, styling or a form (script, style, svg, iframe, ...) dropped
 * with everything in them. URLs keep http:, https:, mailto: (links only) and relative paths;
 * the scheme is read after the parser has decoded entities and after every ASCII whitespace
 * and control character is removed, so `java&#x09;script:` is caught. Text is escaped.
 *
 * Beside the HTML the walk writes the text a reader sees, line by line, for the checks.
 *
 * Stability. Sanitising the clean HTML again must give the same bytes, so that what reviewers
 * approved is what is stored and published. Writing out a tree and parsing it again is not
 * always the identity once elements are unwrapped (a heading unwrapped from between two
 * headings, a list item left outside a list), so the walk normalises the usual cases itself: a
 * block inside a paragraph or heading is unwrapped, a list item outside a list becomes a
 * <div>, table parts outside their table are unwrapped, a link inside a link is unwrapped.
 * The result is then parsed and written again until it no longer changes (a few passes at
 * most); should it still change, the body falls back to its text as plain paragraphs, which
 * are stable. So publish_sanitize(publish_sanitize(x)) == publish_sanitize(x) by construction.
 *
 * Bounds. Gumbo's time grows with the square of the nesting depth and its tree can be far
 * larger than the input (formatting elements reopened in every paragraph). Its allocations
 * therefore go through a tracked allocator with a memory and a time budget; a parse that
 * passes either is abandoned (longjmp out of the allocator) and all its memory freed from the
 * tracking list, never through gumbo's own recursive destroy. The walk refuses trees deeper
 * than MAX_DEPTH rather than recurse without bound.
 */
#include "publish/sanitize.h"

#include <gumbo.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH     256             /* tree depth walked; deeper bodies are refused */
#define MAX_PASSES    4               /* re-parses looking for the stable form */
#define PARSE_MEMORY  (128u << 20)    /* bytes gumbo may hold during one parse */
#define PARSE_TIME_US (3 * 1000000LL) /* time one parse may take */
#define MAX_URL       2048            /* bytes of an href or src kept */
#define MAX_ATTR_TEXT 1024            /* bytes of a title or alt kept */
#define MAX_DIMENSION 10000           /* img width and height */
#define MAX_SPAN      100             /* td/th colspan and rowspan */

/* ---- the parse, bounded ---------------------------------------------------------------- */

/* One allocation of gumbo's, linked into the parse's list. */
typedef union tracked {
    struct {
        union tracked *prev, *next;
        size_t size;
    } h;
    max_align_t align;
} tracked;

typedef struct bounded {
    jmp_buf bail; /* where a parse past its budget jumps to (inside parse_bounded) */
    tracked *head;
    size_t live;      /* bytes held now */
    int64_t deadline; /* monotonic µs */
    unsigned calls;
} bounded;

static void *bounded_alloc(void *userdata, size_t size)
{
    bounded *b = userdata;
    /* Counted with the list's header and the allocator's own overhead. */
    size_t cost = sizeof(tracked) + 16 + size;
    if (size > PARSE_MEMORY || cost > PARSE_MEMORY - b->live)
        longjmp(b->bail, 1);
    if ((++b->calls & 1023u) == 0 && xn_monotonic_us() > b->deadline)
        longjmp(b->bail, 1);
    tracked *t = malloc(sizeof *t + size);
    if (t == NULL)
        longjmp(b->bail, 1);
    t->h.prev = NULL;
    t->h.next = b->head;
    t->h.size = cost;
    if (b->head)
        b->head->h.prev = t;
    b->head = t;
    b->live += cost;
    return t + 1;
}

static void bounded_free(void *userdata, void *p)
{
    bounded *b = userdata;
    if (p == NULL)
        return;
    tracked *t = (tracked *)p - 1;
    if (t->h.prev)
        t->h.prev->h.next = t->h.next;
    else
        b->head = t->h.next;
    if (t->h.next)
        t->h.next->h.prev = t->h.prev;
    b->live -= t->h.size;
    free(t);
}

/* Frees everything the parse still holds (its whole output). */
static void bounded_release(bounded *b)
{
    tracked *t = b->head;
    while (t) {
        tracked *next = t->h.next;
        free(t);
        t = next;
    }
    b->head = NULL;
    b->live = 0;
}

/* Parses html as the content of a <body>; NULL when the parse passed its budget (whatever
 * it allocated stays in b for bounded_release). */
static GumboOutput *parse_bounded(bounded *b, const char *html, size_t len)
{
    GumboOptions opt = kGumboDefaultOptions;
    opt.allocator = bounded_alloc;
    opt.deallocator = bounded_free;
    opt.userdata = b;
    opt.max_errors = 0; /* parse errors are not kept */
    opt.fragment_context = GUMBO_TAG_BODY;
    opt.fragment_namespace = GUMBO_NAMESPACE_HTML;
    b->deadline = xn_monotonic_us() + PARSE_TIME_US;
    if (setjmp(b->bail) != 0)
        return NULL;
    return gumbo_parse_with_options(&opt, html, len);
}

/* ---- the allow-list -------------------------------------------------------------------- */

typedef enum tag_rule {
    DROP,   /* the element and all its content vanish */
    UNWRAP, /* the element goes, its content stays */
    KEEP,   /* allowed */
} tag_rule;

static tag_rule rule_of(GumboTag t)
{
    switch (t) {
    case GUMBO_TAG_P:
    case GUMBO_TAG_BR:
    case GUMBO_TAG_H1:
    case GUMBO_TAG_H2:
    case GUMBO_TAG_H3:
    case GUMBO_TAG_H4:
    case GUMBO_TAG_H5:
    case GUMBO_TAG_H6:
    case GUMBO_TAG_STRONG:
    case GUMBO_TAG_B:
    case GUMBO_TAG_EM:
    case GUMBO_TAG_I:
    case GUMBO_TAG_U:
    case GUMBO_TAG_S:
    case GUMBO_TAG_SUB:
    case GUMBO_TAG_SUP:
    case GUMBO_TAG_BLOCKQUOTE:
    case GUMBO_TAG_UL:
    case GUMBO_TAG_OL:
    case GUMBO_TAG_LI:
    case GUMBO_TAG_A:
    case GUMBO_TAG_IMG:
    case GUMBO_TAG_TABLE:
    case GUMBO_TAG_THEAD:
    case GUMBO_TAG_TBODY:
    case GUMBO_TAG_TFOOT: /* written as tbody */
    case GUMBO_TAG_TR:
    case GUMBO_TAG_TH:
    case GUMBO_TAG_TD:
    case GUMBO_TAG_HR:
    case GUMBO_TAG_PRE:
    case GUMBO_TAG_CODE:
    case GUMBO_TAG_SPAN:
    case GUMBO_TAG_DIV:
    case GUMBO_TAG_FIGURE:
    case GUMBO_TAG_FIGCAPTION:
        return KEEP;
    /* Code, styling, embedded documents, foreign markup and forms: nothing of them is shown
     * as text a reader should see. Table columns carry no content. */
    case GUMBO_TAG_SCRIPT:
    case GUMBO_TAG_STYLE:
    case GUMBO_TAG_SVG:
    case GUMBO_TAG_MATH:
    case GUMBO_TAG_TEMPLATE:
    case GUMBO_TAG_NOSCRIPT:
    case GUMBO_TAG_IFRAME:
    case GUMBO_TAG_OBJECT:
    case GUMBO_TAG_EMBED:
    case GUMBO_TAG_APPLET:
    case GUMBO_TAG_PARAM:
    case GUMBO_TAG_FRAME:
    case GUMBO_TAG_FRAMESET:
    case GUMBO_TAG_NOFRAMES:
    case GUMBO_TAG_NOEMBED:
    case GUMBO_TAG_HEAD:
    case GUMBO_TAG_TITLE:
    case GUMBO_TAG_BASE:
    case GUMBO_TAG_LINK:
    case GUMBO_TAG_META:
    case GUMBO_TAG_TEXTAREA:
    case GUMBO_TAG_SELECT:
    case GUMBO_TAG_OPTION:
    case GUMBO_TAG_OPTGROUP:
    case GUMBO_TAG_DATALIST:
    case GUMBO_TAG_INPUT:
    case GUMBO_TAG_BUTTON:
    case GUMBO_TAG_KEYGEN:
    case GUMBO_TAG_OUTPUT:
    case GUMBO_TAG_PROGRESS:
    case GUMBO_TAG_METER:
    case GUMBO_TAG_AUDIO:
    case GUMBO_TAG_VIDEO:
    case GUMBO_TAG_SOURCE:
    case GUMBO_TAG_TRACK:
    case GUMBO_TAG_CANVAS:
    case GUMBO_TAG_MAP:
    case GUMBO_TAG_AREA:
    case GUMBO_TAG_COLGROUP:
    case GUMBO_TAG_COL:
        return DROP;
    default:
        return UNWRAP;
    }
}

/* Elements that end a line: a browser shows them as blocks. */
static bool is_block(GumboTag t)
{
    switch (t) {
    case GUMBO_TAG_P:
    case GUMBO_TAG_H1:
    case GUMBO_TAG_H2:
    case GUMBO_TAG_H3:
    case GUMBO_TAG_H4:
    case GUMBO_TAG_H5:
    case GUMBO_TAG_H6:
    case GUMBO_TAG_PRE:
    case GUMBO_TAG_BLOCKQUOTE:
    case GUMBO_TAG_UL:
    case GUMBO_TAG_OL:
    case GUMBO_TAG_LI:
    case GUMBO_TAG_TABLE:
    case GUMBO_TAG_THEAD:
    case GUMBO_TAG_TBODY:
    case GUMBO_TAG_TFOOT:
    case GUMBO_TAG_TR:
    case GUMBO_TAG_TH:
    case GUMBO_TAG_TD:
    case GUMBO_TAG_HR:
    case GUMBO_TAG_DIV:
    case GUMBO_TAG_FIGURE:
    case GUMBO_TAG_FIGCAPTION:
        return true;
    default:
        return false;
    }
}

/* Elements that hold a line of text only: a block inside them would end them on reparsing. */
static bool holds_text_only(GumboTag t)
{
    return t == GUMBO_TAG_P || t == GUMBO_TAG_PRE || (t >= GUMBO_TAG_H1 && t <= GUMBO_TAG_H6);
}

/* ---- URLs and attribute values ---------------------------------------------------------- */

typedef enum url_kind {
    URL_BAD,  /* dropped */
    URL_WEB,  /* http:, https: or //host: the link gets rel="noopener noreferrer" */
    URL_SAFE, /* mailto: (links) or a relative path */
} url_kind;

static bool is_control(unsigned char c)
{
    return c < 0x20 || c == 0x7f;
}

/*
 * Checks a URL attribute value (entities already decoded by the parser) and writes the form
 * kept into out: leading and trailing spaces and controls trimmed, tabs and line breaks inside
 * removed as browsers do. Any other control character inside drops it. The scheme is read
 * from the value with every space and control removed, in lower case.
 */
static url_kind check_url(const char *v, bool mailto_ok, char out[MAX_URL + 1])
{
    size_t n = strlen(v), start = 0, end = n, o = 0;
    char probe[MAX_URL + 1];
    size_t p = 0;
    while (start < end && ((unsigned char)v[start] <= 0x20 || v[start] == 0x7f))
        start++;
    while (end > start && ((unsigned char)v[end - 1] <= 0x20 || v[end - 1] == 0x7f))
        end--;
    for (size_t i = start; i < end; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c == '\t' || c == '\n' || c == '\r')
            continue;
        if (is_control(c) || c == '\\')
            return URL_BAD;
        if (o == MAX_URL)
            return URL_BAD;
        out[o++] = (char)c;
        if (c != ' ')
            probe[p++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    out[o] = '\0';
    probe[p] = '\0';
    if (p == 0)
        return URL_BAD;
    size_t cut = strcspn(probe, ":/?#");
    if (probe[cut] != ':')
        return probe[0] == '/' && probe[1] == '/' ? URL_WEB : URL_SAFE;
    if ((cut == 4 && memcmp(probe, "http", 4) == 0) || (cut == 5 && memcmp(probe, "https", 5) == 0))
        return URL_WEB;
    if (mailto_ok && cut == 6 && memcmp(probe, "mailto", 6) == 0)
        return URL_SAFE;
    return URL_BAD; /* javascript:, vbscript:, data:, file: and every other scheme */
}

/* A whole decimal number of at most 6 digits within [lo, hi]. */
static bool small_int(const char *v, long lo, long hi, long *out)
{
    size_t n = strlen(v);
    long x = 0;
    if (n == 0 || n > 6)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return false;
        x = x * 10 + (v[i] - '0');
    }
    if (x < lo || x > hi)
        return false;
    *out = x;
    return true;
}

static const char *attr(const GumboElement *el, const char *name)
{
    const GumboAttribute *a = gumbo_get_attribute(&el->attributes, name);
    return a ? a->value : NULL;
}

/* ---- the walk ---------------------------------------------------------------------------- */

typedef struct walker {
    xn_buf *html, *text;
    int rc;                       /* the first append failure */
    bool too_deep;                /* the tree passed MAX_DEPTH */
    GumboTag open[MAX_DEPTH + 1]; /* elements written and not yet closed */
    size_t nopen;
    int text_only;   /* open elements that hold text only (p, h1-h6, pre) */
    int links;       /* open <a> elements */
    int pre;         /* open <pre> elements */
    size_t pre_mark; /* html length just after a <pre> start tag */
    /* The text: a line is written when its first visible character comes. */
    bool line_has_text, pending_space, any_text;
    size_t pending_lines;
} walker;

static void put(walker *w, const char *s, size_t n)
{
    if (w->rc == XN_OK)
        w->rc = xn_buf_append(w->html, s, n);
}

static void puts_html(walker *w, const char *s)
{
    put(w, s, strlen(s));
}

static void text_put(walker *w, const char *s, size_t n)
{
    if (w->rc == XN_OK)
        w->rc = xn_buf_append(w->text, s, n);
}

/* A visible character of the text. */
static void text_visible(walker *w, const char *s, size_t n)
{
    if (w->any_text)
        for (; w->pending_lines > 0; w->pending_lines--)
            text_put(w, "\n", 1);
    w->pending_lines = 0;
    if (w->pending_space)
        text_put(w, " ", 1);
    w->pending_space = false;
    text_put(w, s, n);
    w->line_has_text = w->any_text = true;
}

/* A block starts or ends: the line in progress, if any, ends. */
static void text_block(walker *w)
{
    if (w->line_has_text && w->pending_lines == 0)
        w->pending_lines = 1;
    w->line_has_text = false;
    w->pending_space = false;
}

/* <br> or a line break inside <pre>: a line ends, even an empty one. */
static void text_break(walker *w)
{
    w->pending_lines++;
    w->line_has_text = false;
    w->pending_space = false;
}

static void text_space(walker *w, char c)
{
    if (w->pre) {
        if (c == '\n')
            text_break(w);
        else
            text_visible(w, &c, 1);
    } else if (w->line_has_text) {
        w->pending_space = true;
    }
}

/* Whether the valid UTF-8 sequence p[0..n) is a noncharacter (U+FDD0..U+FDEF, U+xFFFE,
 * U+xFFFF). */
static bool noncharacter(const unsigned char *p, size_t n)
{
    uint32_t cp;
    if (n == 3)
        cp = (uint32_t)(p[0] & 0x0f) << 12 | (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
    else if (n == 4)
        cp = (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3f) << 12 |
             (uint32_t)(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
    else
        return false;
    return (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe;
}

/*
 * Writes s escaped into the HTML (and, for text nodes, into the text): & < > " ' as entities,
 * C0 and C1 control characters dropped except tab and line feed, CR as line feed (a parser
 * reading the output turns CR into LF anyway), form feed as a space.
 */
static void put_escaped(walker *w, const char *s, bool is_text)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned char c = *p;
        size_t n = 1;
        if (c >= 0x80) {
            /* Gumbo's decoding of some character references is not always valid UTF-8: a
             * sequence that is not is written as U+FFFD, one byte at a time. A noncharacter
             * is written as U+FFFD too, as the parser makes it when it reads it back. */
            n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
            bool valid = strnlen((const char *)p, n) == n && xn_utf8_valid((const char *)p, n);
            if (!valid || noncharacter(p, n)) {
                put(w, "\xef\xbf\xbd", 3);
                if (is_text)
                    text_visible(w, "\xef\xbf\xbd", 3);
                p += valid ? n : 1;
                continue;
            }
        }
        if (c == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
            p += 2; /* C1 control */
            continue;
        }
        if (c == '\r' || c == '\f')
            c = c == '\r' ? '\n' : ' ';
        if (c == '\t' || c == '\n' || c == ' ') {
            put(w, (const char *)&c, 1);
            if (is_text)
                text_space(w, (char)c);
        } else if (is_control(c)) {
            /* dropped */
        } else {
            const char *esc = c == '&'    ? "&amp;"
                              : c == '<'  ? "&lt;"
                              : c == '>'  ? "&gt;"
                              : c == '"'  ? "&quot;"
                              : c == '\'' ? "&#39;"
                                          : NULL;
            if (esc)
                puts_html(w, esc);
            else
                put(w, (const char *)p, n);
            if (is_text)
                text_visible(w, (const char *)p, n);
        }
        p += n;
    }
}

static void text_node(walker *w, const char *s)
{
    /* The parser drops one line feed right after <pre>: a text starting with one there needs
     * another so that reading the output keeps it (a CR from a reference is written as one). */
    if (w->pre && w->html->len == w->pre_mark && (s[0] == '\n' || s[0] == '\r'))
        put(w, "\n", 1);
    put_escaped(w, s, true);
}

static void put_attr(walker *w, const char *name, const char *value)
{
    put(w, " ", 1);
    puts_html(w, name);
    put(w, "=\"", 2);
    put_escaped(w, value, false);
    put(w, "\"", 1);
}

static void put_int_attr(walker *w, const char *name, const char *value, long lo, long hi)
{
    long x;
    char num[24];
    if (value && small_int(value, lo, hi, &x)) {
        snprintf(num, sizeof num, "%ld", x);
        put_attr(w, name, num);
    }
}

/* A title or alt attribute: kept when not too long. */
static void put_text_attr(walker *w, const char *name, const char *value, bool keep_empty)
{
    if (value && strlen(value) <= MAX_ATTR_TEXT && (keep_empty || value[0] != '\0'))
        put_attr(w, name, value);
}

static void walk(walker *w, const GumboNode *node, int depth);

static void walk_children(walker *w, const GumboNode *node, int depth)
{
    const GumboVector *kids = &node->v.element.children;
    for (unsigned i = 0; i < kids->length; i++)
        walk(w, kids->data[i], depth + 1);
}

/* Inside a table, its sections and rows only the next part of the table (and whitespace) may
 * stand; the parser puts nothing else there but scripts and empty forms. */
static bool fits_table_part(GumboTag parent, const GumboNode *child)
{
    if (parent != GUMBO_TAG_TABLE && parent != GUMBO_TAG_THEAD && parent != GUMBO_TAG_TBODY &&
        parent != GUMBO_TAG_TR)
        return true;
    if (child->type == GUMBO_NODE_WHITESPACE)
        return true;
    if (child->type != GUMBO_NODE_ELEMENT || child->v.element.tag_namespace != GUMBO_NAMESPACE_HTML)
        return false;
    GumboTag t = child->v.element.tag;
    switch (parent) {
    case GUMBO_TAG_TABLE:
        return t == GUMBO_TAG_THEAD || t == GUMBO_TAG_TBODY || t == GUMBO_TAG_TFOOT;
    case GUMBO_TAG_THEAD:
    case GUMBO_TAG_TBODY:
        return t == GUMBO_TAG_TR;
    case GUMBO_TAG_TR:
        return t == GUMBO_TAG_TD || t == GUMBO_TAG_TH;
    default:
        return false;
    }
}

static void open_element(walker *w, GumboTag t, const GumboElement *el, url_kind href_kind,
                         const char *url)
{
    put(w, "<", 1);
    puts_html(w, gumbo_normalized_tagname(t));
    switch (t) {
    case GUMBO_TAG_A:
        put_attr(w, "href", url);
        put_text_attr(w, "title", attr(el, "title"), false);
        if (href_kind == URL_WEB)
            put_attr(w, "rel", "noopener noreferrer");
        break;
    case GUMBO_TAG_IMG:
        put_attr(w, "src", url);
        put_text_attr(w, "alt", attr(el, "alt"), true);
        put_int_attr(w, "width", attr(el, "width"), 1, MAX_DIMENSION);
        put_int_attr(w, "height", attr(el, "height"), 1, MAX_DIMENSION);
        break;
    case GUMBO_TAG_TD:
    case GUMBO_TAG_TH:
        put_int_attr(w, "colspan", attr(el, "colspan"), 1, MAX_SPAN);
        put_int_attr(w, "rowspan", attr(el, "rowspan"), 1, MAX_SPAN);
        break;
    default:
        break;
    }
    put(w, ">", 1);
}

/* A table's captions, written as blocks before it: inside the table only its rows may stand. */
static void table_captions(walker *w, const GumboNode *table, int depth)
{
    const GumboVector *kids = &table->v.element.children;
    for (unsigned i = 0; i < kids->length; i++) {
        const GumboNode *k = kids->data[i];
        if (k->type != GUMBO_NODE_ELEMENT || k->v.element.tag != GUMBO_TAG_CAPTION ||
            k->v.element.tag_namespace != GUMBO_NAMESPACE_HTML)
            continue;
        put(w, "<div>", 5);
        text_block(w);
        w->open[w->nopen++] = GUMBO_TAG_DIV;
        walk_children(w, k, depth + 1);
        w->nopen--;
        put(w, "</div>", 6);
        text_block(w);
    }
}

static void element(walker *w, const GumboNode *node, int depth)
{
    const GumboElement *el = &node->v.element;
    if (node->type == GUMBO_NODE_TEMPLATE || el->tag_namespace != GUMBO_NAMESPACE_HTML)
        return; /* svg and math content, template content */
    GumboTag t = el->tag;
    tag_rule rule = rule_of(t);
    if (rule == DROP)
        return;
    if (rule == UNWRAP || (w->text_only && is_block(t))) {
        walk_children(w, node, depth);
        return;
    }
    GumboTag parent = w->nopen ? w->open[w->nopen - 1] : GUMBO_TAG_BODY;
    GumboTag out = t;
    url_kind kind = URL_SAFE;
    char url[MAX_URL + 1] = "";
    switch (t) {
    case GUMBO_TAG_LI:
        if (parent != GUMBO_TAG_UL && parent != GUMBO_TAG_OL)
            out = GUMBO_TAG_DIV; /* an item outside a list would close the one it is in */
        break;
    case GUMBO_TAG_THEAD:
    case GUMBO_TAG_TBODY:
    case GUMBO_TAG_TFOOT:
        if (parent != GUMBO_TAG_TABLE) {
            walk_children(w, node, depth);
            return;
        }
        out = t == GUMBO_TAG_THEAD ? GUMBO_TAG_THEAD : GUMBO_TAG_TBODY;
        break;
    case GUMBO_TAG_TR:
        if (parent != GUMBO_TAG_THEAD && parent != GUMBO_TAG_TBODY) {
            walk_children(w, node, depth);
            return;
        }
        break;
    case GUMBO_TAG_TD:
    case GUMBO_TAG_TH:
        if (parent != GUMBO_TAG_TR) {
            walk_children(w, node, depth);
            return;
        }
        break;
    case GUMBO_TAG_A: {
        const char *href = attr(el, "href");
        kind = href ? check_url(href, true, url) : URL_BAD;
        if (w->links || kind == URL_BAD) { /* no link inside a link; no link without a target */
            walk_children(w, node, depth);
            return;
        }
        break;
    }
    case GUMBO_TAG_IMG: {
        const char *src = attr(el, "src");
        kind = src ? check_url(src, false, url) : URL_BAD;
        if (kind == URL_BAD)
            return;
        break;
    }
    case GUMBO_TAG_TABLE:
        table_captions(w, node, depth);
        break;
    default:
        break;
    }

    if (t == GUMBO_TAG_BR) {
        put(w, "<br>", 4);
        text_break(w);
        return;
    }
    bool block = is_block(out);
    if (block)
        text_block(w);
    open_element(w, out, el, kind, url);
    if (out == GUMBO_TAG_IMG || out == GUMBO_TAG_HR)
        return;

    w->open[w->nopen++] = out;
    w->text_only += holds_text_only(out);
    w->links += out == GUMBO_TAG_A;
    w->pre += out == GUMBO_TAG_PRE;
    if (out == GUMBO_TAG_PRE)
        w->pre_mark = w->html->len;
    const GumboVector *kids = &el->children;
    for (unsigned i = 0; i < kids->length; i++)
        if (fits_table_part(out, kids->data[i]))
            walk(w, kids->data[i], depth + 1);
    w->pre -= out == GUMBO_TAG_PRE;
    w->links -= out == GUMBO_TAG_A;
    w->text_only -= holds_text_only(out);
    w->nopen--;

    put(w, "</", 2);
    puts_html(w, gumbo_normalized_tagname(out));
    put(w, ">", 1);
    if (block)
        text_block(w);
}

static void walk(walker *w, const GumboNode *node, int depth)
{
    if (depth > MAX_DEPTH || w->nopen >= MAX_DEPTH) {
        w->too_deep = true;
        return;
    }
    if (w->too_deep || w->rc != XN_OK)
        return;
    switch (node->type) {
    case GUMBO_NODE_DOCUMENT: {
        const GumboVector *kids = &node->v.document.children;
        for (unsigned i = 0; i < kids->length; i++)
            walk(w, kids->data[i], depth + 1);
        break;
    }
    case GUMBO_NODE_ELEMENT:
    case GUMBO_NODE_TEMPLATE:
        element(w, node, depth);
        break;
    case GUMBO_NODE_TEXT:
    case GUMBO_NODE_WHITESPACE:
        text_node(w, node->v.text.text);
        break;
    default:
        break; /* comments; CDATA exists only inside svg and math */
    }
}

/* ---- passes ------------------------------------------------------------------------------ */

static int too_complex(xn_error *err)
{
    return xn_fail_field(err, XN_EINVAL, "too_complex", "body_html",
                         "正文 HTML 结构过于复杂（嵌套超过 %d 层，或解析超出内存、时间上限），"
                         "请简化后再提交",
                         MAX_DEPTH);
}

static int too_large_clean(xn_error *err)
{
    return xn_fail_field(err, XN_EINVAL, "too_large", "body_html",
                         "正文 HTML 清理转义后超过 %u 字节上限", PUBLISH_MAX_BODY);
}

/* One parse and write-out of html into html_out and text_out (both reset first). */
static int sanitize_pass(const char *html, size_t len, xn_buf *html_out, xn_buf *text_out,
                         xn_error *err)
{
    bounded b = {0};
    walker w = {.html = html_out, .text = text_out, .pre_mark = SIZE_MAX};
    int rc = XN_OK;
    xn_buf_reset(html_out);
    xn_buf_reset(text_out);
    GumboOutput *out = parse_bounded(&b, html, len);
    if (out == NULL) {
        rc = too_complex(err);
        goto out;
    }
    walk(&w, out->document, 0);
    if (w.too_deep)
        rc = too_complex(err);
    else if (w.rc == XN_ETOOBIG)
        rc = too_large_clean(err);
    else if (w.rc != XN_OK)
        rc = xn_fail(err, w.rc, "no_memory", "清理正文时内存不足");
out:
    bounded_release(&b);
    return rc;
}

static bool same(const xn_buf *a, const xn_buf *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

/* The stable form of last resort: the text's lines as paragraphs. */
static int paragraphs(const xn_buf *text, xn_buf *html, xn_error *err)
{
    walker w = {.html = html, .text = NULL, .pre_mark = SIZE_MAX};
    size_t pos = 0, n;
    const char *line;
    xn_buf_reset(html);
    while (text->len && (line = xn_next_line(text->data, text->len, &pos, &n)) != NULL) {
        if (n == 0)
            continue;
        char *copy = xn_xmalloc(n + 1);
        memcpy(copy, line, n);
        copy[n] = '\0';
        put(&w, "<p>", 3);
        put_escaped(&w, copy, false);
        put(&w, "</p>", 4);
        free(copy);
    }
    if (w.rc == XN_ETOOBIG)
        return too_large_clean(err);
    if (w.rc != XN_OK)
        return xn_fail(err, w.rc, "no_memory", "清理正文时内存不足");
    return XN_OK;
}

static int append_result(const xn_buf *html, const xn_buf *text, xn_buf *html_out, xn_buf *text_out,
                         xn_error *err)
{
    size_t html_len = html_out->len;
    int rc = xn_buf_append(html_out, html->data ? html->data : "", html->len);
    if (rc == XN_OK)
        rc = xn_buf_append(text_out, text->data ? text->data : "", text->len);
    if (rc == XN_OK)
        return XN_OK;
    html_out->len = html_len; /* nothing appended on failure */
    if (html_out->data)
        html_out->data[html_len] = '\0';
    if (rc == XN_ETOOBIG)
        return xn_fail_field(err, XN_ETOOBIG, "too_large", "body_html",
                             "清理后的正文超过输出缓冲区的上限");
    return xn_fail(err, rc, "no_memory", "清理正文时内存不足");
}

int publish_sanitize(const char *html, size_t len, xn_buf *html_out, xn_buf *text_out,
                     xn_error *err)
{
    xn_buf cur_html, cur_text, next_html, next_text;
    bool stable = false;
    int rc;

    if (len > PUBLISH_MAX_BODY)
        return xn_fail_field(err, XN_EINVAL, "too_large", "body_html",
                             "正文 HTML 有 %zu 字节，超过 %u 字节（2 MiB）上限", len,
                             PUBLISH_MAX_BODY);
    if (len > 0 && memchr(html, '\0', len) != NULL)
        return xn_fail_field(err, XN_EINVAL, "bad_utf8", "body_html", "正文 HTML 含有空字符");
    if (!xn_utf8_valid(html, len))
        return xn_fail_field(err, XN_EINVAL, "bad_utf8", "body_html",
                             "正文 HTML 不是有效的 UTF-8 文本");

    /* Text is never longer than the HTML it is read from. */
    xn_buf_init(&cur_html, PUBLISH_MAX_BODY);
    xn_buf_init(&cur_text, PUBLISH_MAX_BODY);
    xn_buf_init(&next_html, PUBLISH_MAX_BODY);
    xn_buf_init(&next_text, PUBLISH_MAX_BODY);

    rc = sanitize_pass(html, len, &cur_html, &cur_text, err);
    for (int i = 0; rc == XN_OK && !stable && i < MAX_PASSES; i++) {
        rc = sanitize_pass(cur_html.data ? cur_html.data : "", cur_html.len, &next_html, &next_text,
                           err);
        if (rc != XN_OK)
            break;
        stable = same(&cur_html, &next_html);
        if (!stable) {
            xn_buf swap = cur_html;
            cur_html = next_html;
            next_html = swap;
            swap = cur_text;
            cur_text = next_text;
            next_text = swap;
        }
    }
    /* Stable: cur_html reads back as itself and next_text is its text. */
    const xn_buf *final_text = &next_text;
    if (rc == XN_OK && !stable) {
        rc = paragraphs(&cur_text, &next_html, err);
        if (rc == XN_OK)
            rc = sanitize_pass(next_html.data ? next_html.data : "", next_html.len, &cur_html,
                               &cur_text, err);
        if (rc == XN_OK && !same(&cur_html, &next_html))
            rc = xn_fail(err, XN_EINTERNAL, "unstable", "正文清理结果不稳定");
        final_text = &cur_text;
    }
    if (rc == XN_OK)
        rc = append_result(&cur_html, final_text, html_out, text_out, err);

    xn_buf_release(&cur_html);
    xn_buf_release(&cur_text);
    xn_buf_release(&next_html);
    xn_buf_release(&next_text);
    return rc;
}
