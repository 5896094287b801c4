/*
 * Editable templates of the event kinds. The kinds' table (cli/event_kinds.c) gives each a
 * default; the system administrator may replace it (table notify_template, one row per kind
 * changed; audited as notify.template_update) and restore it by clearing it. Every raise reads
 * the kind's row inside the raising transaction, so a change applies to the next message.
 *
 * A stored template was checked against the kind's variables when it was saved. Should it
 * still fail to render (a later version dropped a variable, or a raiser does not pass one the
 * template uses), the message is rendered from the default instead and a warning logged: a
 * template never makes the change that raises the event fail.
 */
#include "notify/notify_int.h"

#include <stdlib.h>
#include <string.h>

/* The stored template of kind k, malloc'd, or NULL when the default applies. */
static int stored_template(store_conn *c, const char *kind, char **out, xn_error *err)
{
    *out = NULL;
    store_stmt *st;
    int rc = store_prepare(c, "SELECT template FROM notify_template WHERE kind = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, kind, -1);
    rc = store_step(st, err);
    if (rc == STORE_ROW) {
        *out = xn_xstrdup(store_col_text(st, 0));
        store_stmt_done(st);
        return XN_OK;
    }
    return rc < 0 ? rc : XN_OK;
}

int notify_render_kind(notify_ctx *n, store_conn *tx, const notify_event_kind *k,
                       const json_t *vars, xn_buf *out, xn_error *err)
{
    char *tmpl = NULL;
    int rc = stored_template(tx, k->name, &tmpl, err);
    if (rc != XN_OK)
        return rc;
    if (tmpl) {
        rc = notify_render(tmpl, k->vars, vars, out, err);
        free(tmpl);
        if (rc != XN_EINVAL)
            return rc;
        xn_log_event(n->opt.log, XN_LOG_WARN, "notify.template_fallback", "kind", k->name, "error",
                     err->message, XN_LOG_END);
        xn_buf_reset(out);
    }
    return notify_render(k->template, k->vars, vars, out, err);
}

/* The kind's variables as a JSON array of strings. */
static json_t *vars_json(const char *vars)
{
    json_t *a = json_array();
    const char *p = vars;
    while (p && *p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        json_array_append_new(a, json_stringn(p, len));
        p = end ? end + 1 : NULL;
    }
    return a;
}

int notify_kinds_json(notify_ctx *n, json_t **out, xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(n->opt.db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    json_t *stored = json_object();
    rc = store_prepare(c, "SELECT kind, template, updated_at, updated_by FROM notify_template", &st,
                       err);
    while (rc == XN_OK && (rc = store_step(st, err)) == STORE_ROW) {
        rc = XN_OK;
        json_object_set_new(stored, store_col_text(st, 0),
                            json_pack("{s:s, s:I, s:s}", "template", store_col_text(st, 1),
                                      "updated_at", (json_int_t)store_col_int(st, 2), "updated_by",
                                      store_col_text(st, 3)));
    }
    store_release(c);
    if (rc < 0) {
        json_decref(stored);
        return rc;
    }
    json_t *items = json_array();
    for (size_t i = 0; i < n->opt.nkinds; i++) {
        const notify_event_kind *k = &n->opt.kinds[i];
        json_t *s = json_object_get(stored, k->name);
        json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:b}", "kind", k->name, "title",
                              k->title, "severity", k->severity, "vars", vars_json(k->vars),
                              "default_template", k->template, "template",
                              s ? json_string_value(json_object_get(s, "template")) : k->template,
                              "customized", s != NULL);
        if (s) {
            json_object_set(o, "updated_at", json_object_get(s, "updated_at"));
            json_object_set(o, "updated_by", json_object_get(s, "updated_by"));
        }
        json_array_append_new(items, o);
    }
    json_decref(stored);
    *out = json_pack("{s:o}", "items", items);
    return XN_OK;
}

typedef struct template_ctx {
    notify_ctx *n;
    const audit_actor *actor;
    const notify_event_kind *k;
    const char *tmpl; /* NULL: the default */
} template_ctx;

static int template_tx(store_conn *tx, void *vctx, xn_error *err)
{
    template_ctx *t = vctx;
    char *previous = NULL;
    int rc = stored_template(tx, t->k->name, &previous, err);
    store_stmt *st;
    if (rc == XN_OK && t->tmpl) {
        rc = store_prepare(tx,
                           "INSERT INTO notify_template (kind, template, updated_at, updated_by)"
                           " VALUES ($1, $2, $3, $4) ON CONFLICT (kind) DO UPDATE SET"
                           " template = excluded.template, updated_at = excluded.updated_at,"
                           " updated_by = excluded.updated_by",
                           &st, err);
        if (rc == XN_OK) {
            store_bind_text(st, 1, t->k->name, -1);
            store_bind_text(st, 2, t->tmpl, -1);
            store_bind_int(st, 3, xn_now_us());
            store_bind_text(st, 4, t->actor->name ? t->actor->name : "", -1);
            rc = notify_step_done(st, err);
        }
    } else if (rc == XN_OK) {
        rc = store_prepare(tx, "DELETE FROM notify_template WHERE kind = $1", &st, err);
        if (rc == XN_OK) {
            store_bind_text(st, 1, t->k->name, -1);
            rc = notify_step_done(st, err);
        }
    }
    if (rc == XN_OK) {
        /* AUD-1: what it was and what it became; null is the default */
        json_t *d = json_pack("{s:s, s:s?, s:s?, s:b}", "kind", t->k->name, "template", t->tmpl,
                              "previous", previous, "restored", t->tmpl == NULL);
        char *dj = json_dumps(d, JSON_COMPACT);
        json_decref(d);
        audit_event ev = {.action = "notify.template_update",
                          .actor = t->actor,
                          .object_type = "notify_kind",
                          .object_id = t->k->name,
                          .result = AUDIT_OK,
                          .detail_json = dj};
        rc = audit_append(t->n->opt.trail, tx, &ev, err);
        free(dj);
    }
    free(previous);
    return rc;
}

/* Whether s holds nothing but ASCII white space. */
static bool blank(const char *s)
{
    for (; *s; s++)
        if (!strchr(" \t\r\n", *s))
            return false;
    return true;
}

int notify_template_set(notify_ctx *n, const audit_actor *actor, const char *kind, const char *tmpl,
                        xn_error *err)
{
    const notify_event_kind *k = notify_find_kind(n, kind);
    if (!k)
        return xn_fail_field(err, XN_ENOTFOUND, "not_found", "kind", "没有这种通知事件");
    if (tmpl && !*tmpl)
        tmpl = NULL;
    if (tmpl) {
        int rc =
            xn_check_text(tmpl, NOTIFY_MAX_TEMPLATE, XN_TEXT_FREE, true, "template", "模板", err);
        if (rc == XN_OK && blank(tmpl))
            rc = xn_fail_field(err, XN_EINVAL, "required", "template", "模板不能为空");
        if (rc == XN_OK && (rc = notify_template_check(tmpl, k->vars, err)) != XN_OK &&
            strcmp(err->code, "unknown_variable") == 0) {
            char message[sizeof err->message];
            xn_strlcpy(message, err->message, sizeof message);
            rc = xn_fail_field(err, XN_EINVAL, "unknown_variable", "template",
                               "%.120s；可用的变量：%.120s", message, k->vars);
        }
        if (rc != XN_OK)
            return rc;
        /* the default itself is no change of its own */
        if (strcmp(tmpl, k->template) == 0)
            tmpl = NULL;
    }
    template_ctx t = {.n = n, .actor = actor, .k = k, .tmpl = tmpl};
    return store_tx(n->opt.db, template_tx, &t, err);
}
