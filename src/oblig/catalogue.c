/*
 * The requirement catalogue's markdown as data: "## TAG — title" opens an area, each
 * "- TAG-N text" is a requirement of it. Everything else (the introduction, the sources table,
 * the areas described in prose) is read past.
 */
#include "oblig/oblig.h"

#include <stdlib.h>
#include <string.h>

static bool id_at(const char *s, size_t n, size_t *id_len)
{
    size_t i = 0;
    while (i < n && s[i] >= 'A' && s[i] <= 'Z')
        i++;
    if (i < 2 || i > 6 || i >= n || s[i] != '-')
        return false;
    size_t d = ++i;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    if (i == d || i - d > 3 || (i < n && s[i] != ' '))
        return false;
    *id_len = i;
    return true;
}

void oblig_catalogue_free(oblig_catalogue *c)
{
    for (size_t i = 0; c && i < c->count; i++) {
        free(c->items[i].area_title);
        free(c->items[i].text);
    }
    if (c)
        free(c->items);
}

int oblig_catalogue_parse(const char *text, size_t len, oblig_catalogue *out, xn_error *err)
{
    *out = (oblig_catalogue){0};
    char area[8] = "", area_title[256] = "";
    size_t pos = 0, line_len;
    const char *line;
    while ((line = xn_next_line(text, len, &pos, &line_len))) {
        if (line_len > 3 && strncmp(line, "## ", 3) == 0) {
            /* "## ACC — accounts, passwords, privileges" */
            const char *dash = memmem(line, line_len, " — ", strlen(" — "));
            size_t tag = dash ? (size_t)(dash - line) - 3 : 0;
            if (!dash || tag == 0 || tag >= sizeof area)
                continue;
            memcpy(area, line + 3, tag);
            area[tag] = '\0';
            size_t tl = line_len - (size_t)(dash - line) - strlen(" — ");
            if (tl >= sizeof area_title)
                tl = sizeof area_title - 1;
            memcpy(area_title, dash + strlen(" — "), tl);
            area_title[tl] = '\0';
            continue;
        }
        size_t id_len;
        if (line_len < 3 || strncmp(line, "- ", 2) != 0 || !id_at(line + 2, line_len - 2, &id_len))
            continue;
        if (out->count == OBLIG_MAX_ITEMS) {
            oblig_catalogue_free(out);
            return xn_fail(err, XN_EINVAL, "catalogue", "more than %d requirements",
                           OBLIG_MAX_ITEMS);
        }
        if (out->count % 64 == 0) {
            oblig_requirement *ni = realloc(out->items, (out->count + 64) * sizeof *ni);
            if (!ni) {
                oblig_catalogue_free(out);
                return xn_fail(err, XN_ENOMEM, "no_memory", "out of memory");
            }
            out->items = ni;
        }
        oblig_requirement *r = &out->items[out->count];
        *r = (oblig_requirement){0};
        memcpy(r->id, line + 2, id_len < sizeof r->id ? id_len : sizeof r->id - 1);
        for (size_t i = 0; i < out->count; i++)
            if (strcmp(out->items[i].id, r->id) == 0) {
                char id[sizeof r->id];
                memcpy(id, r->id, sizeof id); /* the items go with the catalogue */
                oblig_catalogue_free(out);
                return xn_fail(err, XN_EINVAL, "catalogue", "requirement %s twice", id);
            }
        xn_strlcpy(r->area, area, sizeof r->area);
        const char *t = line + 2 + id_len + 1;
        size_t tn = line_len - 2 - id_len - 1;
        r->area_title = strdup(area_title);
        r->text = strndup(t, tn);
        out->count++;
        if (!r->area_title || !r->text) {
            oblig_catalogue_free(out);
            return xn_fail(err, XN_ENOMEM, "no_memory", "out of memory");
        }
    }
    if (out->count == 0)
        return xn_fail(err, XN_EINVAL, "catalogue", "the catalogue holds no requirement");
    return XN_OK;
}
