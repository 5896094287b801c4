/* The instance row: one per database, made at `xinan init` or the first `xinan serve`. */
#include "store/store.h"

#include <string.h>

typedef struct instance_ctx {
    char *id;
    bool created;
} instance_ctx;

static int ensure(store_conn *c, void *p, xn_error *err)
{
    instance_ctx *ctx = p;
    store_stmt *st = NULL;
    int rc = store_prepare(c, "SELECT instance_id FROM instance WHERE id = 1", &st, err);
    if (rc)
        return rc;
    rc = store_step(st, err);
    if (rc == STORE_ROW) {
        snprintf(ctx->id, 33, "%s", store_col_text(st, 0));
        store_stmt_done(st);
        ctx->created = false;
        return XN_OK;
    }
    if (rc < 0)
        return rc;
    unsigned char raw[16];
    xn_random_bytes(raw, sizeof raw);
    xn_hex(raw, sizeof raw, ctx->id);
    rc = store_prepare(c,
                       "INSERT INTO instance (id, instance_id, created_at, created_by_version) "
                       "VALUES (1, $1, $2, $3)",
                       &st, err);
    if (rc)
        return rc;
    store_bind_text(st, 1, ctx->id, -1);
    store_bind_int(st, 2, xn_now_us());
    store_bind_text(st, 3, XN_VERSION, -1);
    rc = store_step(st, err);
    ctx->created = rc == STORE_DONE;
    return rc < 0 ? rc : XN_OK;
}

int store_instance_ensure(store *s, char id_out[33], bool *created, xn_error *err)
{
    instance_ctx ctx = {id_out, false};
    int rc = store_tx(s, ensure, &ctx, err);
    if (rc == XN_OK && created)
        *created = ctx.created;
    return rc;
}
