/*
 * The organisation (ORG-1): units (单位) and departments (科室) as one tree in org_unit, each
 * node with an optional head who decides account applications for it (ACC-2). The tree is
 * read whole (a unit has tens of nodes, at most AUTH_ORG_MAX_NODES) and built in memory.
 */
#include "auth/auth_int.h"

#include <string.h>

int auth_org_node(store_conn *c, int64_t id, char *name, size_t name_size, bool *exists,
                  xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(c, "SELECT name FROM org_unit WHERE id = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, id);
    rc = store_step(st, err);
    if (rc < 0)
        return rc;
    *exists = rc == STORE_ROW;
    if (*exists) {
        if (name)
            xn_strlcpy(name, store_col_text(st, 0), name_size);
        store_stmt_done(st);
    }
    return XN_OK;
}

int auth_org_head(store_conn *c, int64_t node_id, int64_t *head, xn_error *err)
{
    store_stmt *st;
    *head = 0;
    int rc =
        store_prepare(c, "SELECT coalesce(head_user_id, 0) FROM org_unit WHERE id = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, node_id);
    if ((rc = store_step(st, err)) == STORE_ROW) {
        *head = store_col_int(st, 0);
        store_stmt_done(st);
    }
    return rc < 0 ? rc : XN_OK;
}

int auth_org_is_head(store_conn *c, int64_t node_id, int64_t user_id, bool *head, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(c, "SELECT count(*) FROM org_unit WHERE id = $1 AND head_user_id = $2",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, node_id);
    store_bind_int(st, 2, user_id);
    if ((rc = store_step(st, err)) != STORE_ROW)
        return rc;
    *head = store_col_int(st, 0) > 0;
    store_stmt_done(st);
    return XN_OK;
}

/* ---- reading ----------------------------------------------------------------------------- */

typedef struct node {
    int64_t id, parent;
    json_t *obj; /* borrowed from the flat array */
} node;

int auth_org_json(store *db, json_t **out, xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    json_t *flat = json_array();
    rc = store_prepare(c,
                       "SELECT o.id, coalesce(o.parent_id, 0), o.name, o.kind,"
                       " o.head_user_id, coalesce(u.account, ''), coalesce(u.real_name, ''),"
                       " (SELECT count(*) FROM app_user m WHERE m.department_id = o.id"
                       "  AND m.status <> 'left')"
                       " FROM org_unit o LEFT JOIN app_user u ON u.id = o.head_user_id"
                       " ORDER BY o.id LIMIT $1",
                       &st, err);
    if (rc == XN_OK) {
        store_bind_int(st, 1, AUTH_ORG_MAX_NODES);
        while ((rc = store_step(st, err)) == STORE_ROW) {
            json_t *o =
                json_pack("{s:I,s:s,s:s,s:I,s:s,s:s,s:I,s:[]}", "id",
                          (json_int_t)store_col_int(st, 0), "name", store_col_text(st, 2), "kind",
                          store_col_text(st, 3), "parent_id", (json_int_t)store_col_int(st, 1),
                          "head_account", store_col_text(st, 5), "head_name", store_col_text(st, 6),
                          "members", (json_int_t)store_col_int(st, 7), "children");
            json_object_set_new(o, "head_user_id",
                                store_col_is_null(st, 4) ? json_null()
                                                         : json_integer(store_col_int(st, 4)));
            if (store_col_int(st, 1) == 0)
                json_object_set_new(o, "parent_id", json_null());
            json_array_append_new(flat, o);
        }
        rc = rc == STORE_DONE ? XN_OK : rc;
    }
    store_release(c);
    if (rc != XN_OK) {
        json_decref(flat);
        return rc;
    }
    /* ids ascend, but a moved node may sit under a later one: link by lookup, not by order */
    size_t n = json_array_size(flat);
    node *nodes = xn_xcalloc(n ? n : 1, sizeof *nodes);
    for (size_t i = 0; i < n; i++) {
        nodes[i].obj = json_array_get(flat, i);
        nodes[i].id = json_integer_value(json_object_get(nodes[i].obj, "id"));
        nodes[i].parent = json_integer_value(json_object_get(nodes[i].obj, "parent_id"));
    }
    json_t *roots = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *parent = NULL;
        for (size_t j = 0; j < n && nodes[i].parent; j++)
            if (nodes[j].id == nodes[i].parent)
                parent = json_object_get(nodes[j].obj, "children");
        json_array_append(parent ? parent : roots, nodes[i].obj);
    }
    free(nodes);
    json_decref(flat);
    *out = json_pack("{s:o}", "items", roots);
    return XN_OK;
}

/* ---- changing ------------------------------------------------------------------------------ */

typedef struct org_ctx {
    audit_trail *trail;
    const auth_principal *actor;
    int64_t id, parent_id, head;
    const char *name, *kind;
} org_ctx;

static int node_kind(store_conn *c, int64_t id, char kind[16], int64_t *parent, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(c, "SELECT kind, coalesce(parent_id, 0) FROM org_unit WHERE id = $1",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, id);
    rc = store_step(st, err);
    if (rc != STORE_ROW)
        return rc == STORE_DONE ? XN_ENOTFOUND : rc;
    xn_strlcpy(kind, store_col_text(st, 0), 16);
    *parent = store_col_int(st, 1);
    store_stmt_done(st);
    return XN_OK;
}

static int sibling_taken(store_conn *c, int64_t parent, const char *name, int64_t self, bool *taken,
                         xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(c,
                           "SELECT count(*) FROM org_unit WHERE parent_id = $1 AND name = $2"
                           " AND id <> $3",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, parent);
    store_bind_text(st, 2, name, -1);
    store_bind_int(st, 3, self);
    if ((rc = store_step(st, err)) != STORE_ROW)
        return rc;
    *taken = store_col_int(st, 0) > 0;
    store_stmt_done(st);
    return XN_OK;
}

static int check_head(store_conn *c, int64_t head, xn_error *err)
{
    if (head <= 0)
        return XN_OK;
    store_stmt *st;
    int rc = store_prepare(c, "SELECT status FROM app_user WHERE id = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, head);
    rc = store_step(st, err);
    if (rc != STORE_ROW)
        return rc == STORE_DONE ? xn_fail_field(err, XN_EINVAL, "unknown_user", "head_user_id",
                                                "负责人账号不存在")
                                : rc;
    bool active = strcmp(store_col_text(st, 0), "active") == 0;
    store_stmt_done(st);
    return active ? XN_OK
                  : xn_fail_field(err, XN_EINVAL, "not_active", "head_user_id",
                                  "负责人账号未处于启用状态");
}

static int org_audit(org_ctx *o, store_conn *tx, const char *action, xn_error *err)
{
    char id[AUTH_ID_TEXT];
    auth_id_text(o->id, id);
    json_t *d = json_pack("{s:s?,s:s?,s:I,s:I}", "name", o->name, "kind", o->kind, "parent_id",
                          (json_int_t)o->parent_id, "head_user_id", (json_int_t)o->head);
    char *detail = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    int rc = auth_audit_ok(o->trail, tx, o->actor, action, "org_unit", id, detail, err);
    free(detail);
    return rc;
}

static int create_tx(store_conn *tx, void *ctx, xn_error *err)
{
    org_ctx *o = ctx;
    char pkind[16];
    int64_t grand = 0;
    int rc = node_kind(tx, o->parent_id, pkind, &grand, err);
    if (rc == XN_ENOTFOUND)
        return xn_fail_field(err, XN_EINVAL, "unknown_parent", "parent_id", "上级节点不存在");
    if (rc != XN_OK)
        return rc;
    if (strcmp(o->kind, "unit") == 0 && strcmp(pkind, "unit") != 0)
        return xn_fail_field(err, XN_EINVAL, "bad_parent", "parent_id", "单位只能设在单位之下");
    bool taken = false;
    if ((rc = sibling_taken(tx, o->parent_id, o->name, 0, &taken, err)) != XN_OK)
        return rc;
    if (taken)
        return xn_fail_field(err, XN_ECONFLICT, "name_taken", "name", "同一上级下已有同名节点");
    if ((rc = check_head(tx, o->head, err)) != XN_OK)
        return rc;
    store_stmt *st;
    rc = store_prepare(tx,
                       "INSERT INTO org_unit (parent_id, name, kind, head_user_id, created_at)"
                       " VALUES ($1, $2, $3, $4, $5) RETURNING id",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, o->parent_id);
    store_bind_text(st, 2, o->name, -1);
    store_bind_text(st, 3, o->kind, -1);
    if (o->head > 0)
        store_bind_int(st, 4, o->head);
    else
        store_bind_null(st, 4);
    store_bind_int(st, 5, xn_now_us());
    if ((rc = store_step(st, err)) != STORE_ROW)
        return rc;
    o->id = store_col_int(st, 0);
    store_stmt_done(st);
    return org_audit(o, tx, "auth.org_create", err);
}

static int check_name(const char *name, bool required, xn_error *err)
{
    /* ACC-1: visible, not blank, no formula start */
    return xn_check_text(name, AUTH_MAX_NAME, XN_TEXT_LABEL, required, "name", "名称", err);
}

int auth_org_create(store *db, audit_trail *trail, const auth_principal *actor, int64_t parent_id,
                    const char *name, const char *kind, int64_t head_user_id, int64_t *id_out,
                    xn_error *err)
{
    int rc = check_name(name, true, err);
    if (rc != XN_OK)
        return rc;
    if (!kind || (strcmp(kind, "unit") != 0 && strcmp(kind, "department") != 0))
        return xn_fail_field(err, XN_EINVAL, "bad_kind", "kind",
                             "类型只能是单位（unit）或部门（department）");
    org_ctx o = {.trail = trail,
                 .actor = actor,
                 .parent_id = parent_id,
                 .name = name,
                 .kind = kind,
                 .head = head_user_id};
    rc = store_tx(db, create_tx, &o, err);
    if (rc == XN_OK)
        *id_out = o.id;
    return rc;
}

static int update_tx(store_conn *tx, void *ctx, xn_error *err)
{
    org_ctx *o = ctx;
    char kind[16];
    int64_t parent = 0;
    int rc = node_kind(tx, o->id, kind, &parent, err);
    if (rc == XN_ENOTFOUND)
        return xn_fail(err, XN_ENOTFOUND, "not_found", "节点不存在");
    if (rc != XN_OK)
        return rc;
    o->kind = NULL;
    if (o->parent_id > 0 && o->parent_id != parent) {
        if (parent == 0)
            return xn_fail_field(err, XN_EINVAL, "root_fixed", "parent_id", "根节点不能移动");
        /* walk up from the new parent: meeting the node itself would close a cycle */
        int64_t at = o->parent_id;
        for (int depth = 0; at; depth++) {
            char k[16];
            int64_t up = 0;
            if (at == o->id || depth > AUTH_ORG_MAX_NODES)
                return xn_fail_field(err, XN_ECONFLICT, "cycle", "parent_id",
                                     "不能移动到自身或其下级节点之下");
            rc = node_kind(tx, at, k, &up, err);
            if (rc == XN_ENOTFOUND)
                return xn_fail_field(err, XN_EINVAL, "unknown_parent", "parent_id",
                                     "上级节点不存在");
            if (rc != XN_OK)
                return rc;
            if (at == o->parent_id && strcmp(kind, "unit") == 0 && strcmp(k, "unit") != 0)
                return xn_fail_field(err, XN_EINVAL, "bad_parent", "parent_id",
                                     "单位只能设在单位之下");
            at = up;
        }
        parent = o->parent_id;
    }
    o->parent_id = parent;
    if (o->name) {
        bool taken = false;
        if ((rc = sibling_taken(tx, parent, o->name, o->id, &taken, err)) != XN_OK)
            return rc;
        if (taken)
            return xn_fail_field(err, XN_ECONFLICT, "name_taken", "name", "同一上级下已有同名节点");
    }
    if ((rc = check_head(tx, o->head, err)) != XN_OK)
        return rc;
    store_stmt *st;
    rc = store_prepare(tx,
                       "UPDATE org_unit SET name = coalesce($1, name),"
                       " parent_id = CASE WHEN $2 > 0 THEN $2 ELSE parent_id END,"
                       " head_user_id = CASE WHEN $3 < 0 THEN head_user_id WHEN $3 = 0 THEN NULL"
                       " ELSE $3 END WHERE id = $4",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, o->name, -1);
    store_bind_int(st, 2, parent);
    store_bind_int(st, 3, o->head);
    store_bind_int(st, 4, o->id);
    if ((rc = auth_step_done(st, err)) != XN_OK)
        return rc;
    if (o->name) {
        /* people show their department's name: keep it in step */
        rc = store_prepare(tx, "UPDATE app_user SET department = $1 WHERE department_id = $2", &st,
                           err);
        if (rc != XN_OK)
            return rc;
        store_bind_text(st, 1, o->name, -1);
        store_bind_int(st, 2, o->id);
        if ((rc = auth_step_done(st, err)) != XN_OK)
            return rc;
    }
    return org_audit(o, tx, "auth.org_update", err);
}

int auth_org_update(store *db, audit_trail *trail, const auth_principal *actor, int64_t id,
                    const char *name, int64_t parent_id, int64_t head_user_id, xn_error *err)
{
    int rc = check_name(name, false, err);
    if (rc != XN_OK)
        return rc;
    org_ctx o = {.trail = trail,
                 .actor = actor,
                 .id = id,
                 .parent_id = parent_id,
                 .name = name && *name ? name : NULL,
                 .head = head_user_id};
    return store_tx(db, update_tx, &o, err);
}
