/*
 * register: whether a person has had a security training (ACC-2, LED-8), read from the
 * trainings register, whose attendees are written as names separated by 、，, ; or spaces. A
 * name matches whole: 王明 is not 王明华.
 */
#include "register/register_int.h"

#include <string.h>

/* Whether the list of names holds name as a whole item. */
static bool names_hold(const char *list, const char *name)
{
    static const char *const seps[] = {"、", "，", ",", ";", "；", " ", "\n", "\r", "\t", "　"};
    size_t nlen = strlen(name);
    const char *p = list;
    while (*p) {
        /* skip separators, then take the item up to the next one */
        size_t skip = 0;
        for (size_t i = 0; i < sizeof seps / sizeof seps[0]; i++)
            if (strncmp(p, seps[i], strlen(seps[i])) == 0)
                skip = strlen(seps[i]);
        if (skip) {
            p += skip;
            continue;
        }
        const char *end = p;
        while (*end) {
            bool sep = false;
            for (size_t i = 0; i < sizeof seps / sizeof seps[0] && !sep; i++)
                sep = strncmp(end, seps[i], strlen(seps[i])) == 0;
            if (sep)
                break;
            end++;
        }
        if ((size_t)(end - p) == nlen && memcmp(p, name, nlen) == 0)
            return true;
        p = end;
    }
    return false;
}

int register_training_json(register_ctx *c, const char *real_name, json_t **out, xn_error *err)
{
    *out = NULL;
    if (!real_name || !*real_name) {
        *out = json_pack("{s:b, s:n}", "trained", false, "last");
        return XN_OK;
    }
    store_conn *conn;
    int rc = store_acquire(c->opt.db, &conn, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    /* the newest first; instr narrows the rows, names_hold decides */
    rc = store_prepare(conn,
                       "SELECT r.id, d.value, coalesce(t.value, ''), a.value FROM register_row r"
                       " JOIN register_value a ON a.row_id = r.id AND a.field = 'attendees'"
                       " JOIN register_value d ON d.row_id = r.id AND d.field = 'date'"
                       " LEFT JOIN register_value t ON t.row_id = r.id AND t.field = 'topic'"
                       " WHERE r.reg = 'trainings' AND r.retired_at IS NULL"
                       " AND instr(a.value, $1) > 0 ORDER BY d.value DESC, r.id DESC",
                       &st, err);
    if (rc == XN_OK) {
        store_bind_text(st, 1, real_name, -1);
        json_t *last = NULL;
        int sessions = 0;
        while ((rc = store_step(st, err)) == STORE_ROW) {
            if (!names_hold(store_col_text(st, 3), real_name))
                continue;
            if (!sessions++)
                last = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)store_col_int(st, 0), "date",
                                 store_col_text(st, 1), "topic", store_col_text(st, 2));
        }
        if (rc < 0) {
            json_decref(last);
        } else {
            rc = XN_OK;
            *out = json_pack("{s:b, s:o, s:i}", "trained", sessions > 0, "last",
                             last ? last : json_null(), "sessions", sessions);
        }
    }
    store_release(conn);
    return rc;
}
