/*
 * monitor: what changed in a tampered page, for the person on duty: the served page against the
 * approved one, line by line. Pages differ from their approved rendering in one place or a few
 * (an injected script, a replaced block), so the lines both share at the start and at the end
 * are dropped and the differing middle of each side is shown; bounded in lines and bytes.
 * For a page xinan did not publish, the text is compared with its last reading after the
 * site's noise patterns (dates, counters) have been blanked out.
 */
#include "monitor/monitor_int.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>

#define DIFF_LINES    60  /* lines shown of each side */
#define DIFF_LINE_MAX 200 /* bytes shown of a line */

typedef struct lines {
    const char **at;
    size_t *len;
    size_t n;
} lines;

static int split(const char *t, size_t len, lines *out)
{
    size_t n = 1;
    for (size_t i = 0; i < len; i++)
        n += t[i] == '\n';
    out->at = malloc(n * sizeof *out->at);
    out->len = malloc(n * sizeof *out->len);
    out->n = 0;
    if (!out->at || !out->len)
        return XN_ENOMEM;
    const char *p = t, *end = t + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
        out->at[out->n] = p;
        out->len[out->n++] = l && p[l - 1] == '\r' ? l - 1 : l;
        p += l + (nl ? 1 : 0);
    }
    return XN_OK;
}

static bool same(const lines *a, size_t i, const lines *b, size_t j)
{
    return a->len[i] == b->len[j] && memcmp(a->at[i], b->at[j], a->len[i]) == 0;
}

static void show(xn_buf *out, char sign, const lines *l, size_t from, size_t to)
{
    size_t shown = 0;
    for (size_t i = from; i < to && shown < DIFF_LINES; i++, shown++) {
        size_t len = l->len[i] > DIFF_LINE_MAX ? DIFF_LINE_MAX : l->len[i];
        /* never cut inside a UTF-8 sequence */
        while (len < l->len[i] && len > 0 && ((unsigned char)l->at[i][len] & 0xC0) == 0x80)
            len--;
        xn_buf_printf(out, "%c ", sign);
        xn_buf_append(out, l->at[i], len);
        xn_buf_puts(out, len < l->len[i] ? "…\n" : "\n");
    }
    if (to - from > shown)
        xn_buf_printf(out, "%c …（另有 %zu 行）\n", sign, to - from - shown);
}

void monitor_text_diff(const char *approved, size_t alen, const char *served, size_t slen,
                       xn_buf *out)
{
    lines a = {0}, b = {0};
    if (split(approved, alen, &a) == XN_OK && split(served, slen, &b) == XN_OK) {
        size_t head = 0;
        while (head < a.n && head < b.n && same(&a, head, &b, head))
            head++;
        size_t tail = 0;
        while (tail < a.n - head && tail < b.n - head &&
               same(&a, a.n - 1 - tail, &b, b.n - 1 - tail))
            tail++;
        xn_buf_printf(out, "@@ 第 %zu 行起：审核通过 %zu 行，实际 %zu 行\n", head + 1,
                      a.n - head - tail, b.n - head - tail);
        show(out, '-', &a, head, a.n - tail);
        show(out, '+', &b, head, b.n - tail);
    }
    free(a.at);
    free(a.len);
    free(b.at);
    free(b.len);
}

/* ---- noise -------------------------------------------------------------------------------- */

int monitor_noise_check(const char *noise, xn_error *err)
{
    if (!noise || !*noise)
        return XN_OK;
    int rc =
        xn_check_text(noise, MONITOR_MAX_NOISE, XN_TEXT_FREE, false, "noise", "忽略的变化", err);
    if (rc != XN_OK)
        return rc;
    char *copy = strdup(noise);
    if (!copy)
        return xn_fail(err, XN_ENOMEM, "no_memory", "out of memory");
    int n = 0;
    char *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); rc == XN_OK && line;
         line = strtok_r(NULL, "\n", &save)) {
        line[strcspn(line, "\r")] = '\0';
        if (!*line)
            continue;
        regex_t re;
        if (++n > MONITOR_MAX_NOISE_PATTERNS)
            rc = xn_fail_field(err, XN_EINVAL, "too_many", "noise", "忽略的变化至多 %d 条",
                               MONITOR_MAX_NOISE_PATTERNS);
        else if (strlen(line) > 200 || regcomp(&re, line, REG_EXTENDED) != 0)
            rc = xn_fail_field(err, XN_EINVAL, "bad_pattern", "noise",
                               "“%.60s”不是有效的正则表达式（每行一个，至多 200 字节）", line);
        else
            regfree(&re);
    }
    free(copy);
    return rc;
}

char *monitor_noise_strip(const char *noise, const char *text, size_t len)
{
    xn_buf cur;
    xn_buf_init(&cur, MONITOR_MAX_TEXT_KEPT + 8);
    xn_buf_append(&cur, text, len < MONITOR_MAX_TEXT_KEPT ? len : MONITOR_MAX_TEXT_KEPT);
    char *copy = noise && *noise ? strdup(noise) : NULL;
    char *save = NULL;
    for (char *line = copy ? strtok_r(copy, "\n", &save) : NULL; line && cur.data;
         line = strtok_r(NULL, "\n", &save)) {
        line[strcspn(line, "\r")] = '\0';
        regex_t re;
        if (!*line || regcomp(&re, line, REG_EXTENDED) != 0)
            continue;
        /* every match becomes "…": a changing date or counter reads the same each time */
        xn_buf next;
        xn_buf_init(&next, MONITOR_MAX_TEXT_KEPT + 8);
        const char *p = cur.data;
        regmatch_t mt;
        while (*p && regexec(&re, p, 1, &mt, p == cur.data ? 0 : REG_NOTBOL) == 0) {
            if (mt.rm_eo == mt.rm_so) {
                /* an empty match blanks nothing: one byte on, so the loop ends */
                if (!p[mt.rm_so])
                    break;
                xn_buf_append(&next, p, (size_t)mt.rm_so + 1);
                p += mt.rm_so + 1;
                continue;
            }
            xn_buf_append(&next, p, (size_t)mt.rm_so);
            xn_buf_puts(&next, "…");
            p += mt.rm_eo;
        }
        xn_buf_puts(&next, p);
        regfree(&re);
        xn_buf_release(&cur);
        cur = next;
    }
    free(copy);
    char *out = strdup(cur.data ? cur.data : "");
    xn_buf_release(&cur);
    return out;
}
