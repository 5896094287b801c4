/*
 * An item's way from draft to the site: versions, submission, each level's decision (PUB-2,
 * PUB-3, PUB-7), publication and withdrawal (PUB-6). Each change is one transaction with its
 * audit record; a refused change leaves nothing behind.
 */
#include "publish/publish_int.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* The item as a change needs it. */
typedef struct item_row {
    int64_t id, column_id, author_id;
    char cls[2];
    bool major;
    char state[16];
    int level, round, version;
    int64_t publish_at;
} item_row;

typedef struct change {
    publish_ctx *p;
    const audit_actor *actor;
    const auth_principal *who;
    int64_t id, now, at;
    const publish_item_in *in;
    const publish_review_in *review;
    const char *reason;
    /* the sanitised body of an edit, prepared before the transaction */
    xn_buf html, text;
    char digest[72];
    item_row row;
    bool created;
    char path[600];
    bool approved; /* the last level approved: the form was made */
} change;

static int load(store_conn *tx, int64_t id, item_row *r, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(tx,
                           "SELECT id, column_id, author_id, class, major, state, level, round,"
                           " version, coalesce(publish_at, 0) FROM content_item WHERE id = $1",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, id);
    rc = store_step(st, err);
    if (rc == STORE_DONE)
        return xn_fail(err, XN_ENOTFOUND, "not_found", "稿件不存在");
    if (rc < 0)
        return rc;
    *r = (item_row){.id = store_col_int(st, 0),
                    .column_id = store_col_int(st, 1),
                    .author_id = store_col_int(st, 2),
                    .major = store_col_int(st, 4) != 0,
                    .level = (int)store_col_int(st, 6),
                    .round = (int)store_col_int(st, 7),
                    .version = (int)store_col_int(st, 8),
                    .publish_at = store_col_int(st, 9)};
    xn_strlcpy(r->cls, store_col_text(st, 3), sizeof r->cls);
    xn_strlcpy(r->state, store_col_text(st, 5), sizeof r->state);
    store_stmt_done(st);
    return XN_OK;
}

/* ---- input checks before any transaction ------------------------------------------------- */

static void digest_of(const char *title, const char *html, char out[72])
{
    crypto_hash_sha256_state h;
    unsigned char d[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_init(&h);
    crypto_hash_sha256_update(&h, (const unsigned char *)title, strlen(title) + 1);
    crypto_hash_sha256_update(&h, (const unsigned char *)html, strlen(html));
    crypto_hash_sha256_final(&h, d);
    memcpy(out, "sha256:", 7);
    sodium_bin2hex(out + 7, 65, d, sizeof d);
}

static int check_title(const char *title, xn_error *err)
{
    int rc = xn_check_text(title, PUBLISH_MAX_TITLE, XN_TEXT_LABEL, true, "title", "标题", err);
    return rc;
}

/* Sanitises body into x->html / x->text and digests it with the title. */
static int prepare_body(change *x, const char *title, const char *body, xn_error *err)
{
    xn_buf_init(&x->html, PUBLISH_MAX_BODY * 2);
    xn_buf_init(&x->text, PUBLISH_MAX_BODY * 2);
    if (!body)
        return xn_fail_field(err, XN_EINVAL, "required", "body_html", "正文不能为空");
    int rc = publish_sanitize(body, strlen(body), &x->html, &x->text, err);
    if (rc != XN_OK)
        return rc;
    if (xn_buf_puts(&x->html, "") != XN_OK || xn_buf_puts(&x->text, "") != XN_OK)
        return xn_fail(err, XN_ENOMEM, "no_memory", "out of memory");
    bool blank = true;
    for (const char *s = x->text.data; s && *s && blank; s++)
        blank = *s == ' ' || *s == '\n' || *s == '\t';
    if (blank)
        return xn_fail_field(err, XN_EINVAL, "required", "body_html", "正文不能为空");
    digest_of(title, x->html.data, x->digest);
    return XN_OK;
}

static void change_release(change *x)
{
    xn_buf_release(&x->html);
    xn_buf_release(&x->text);
}

static int check_item_in(const publish_item_in *in, bool create, xn_error *err)
{
    if (in->classified == 1)
        return xn_fail_field(err, XN_EINVAL, "classified", "classified",
                             "涉密信息不得上网发布（涉密不上网、上网不涉密）");
    if (create && in->classified != 0)
        return xn_fail_field(err, XN_EINVAL, "declaration_required", "classified",
                             "须作出保密声明：本稿件不涉及国家秘密和工作秘密");
    if ((create || in->cls) && !publish_class_of(in->cls, false))
        return xn_fail_field(err, XN_EINVAL, "bad_class", "class",
                             "稿件类别须为 A（一般）、B（重要）或 C（特级）");
    if (in->major == 1 && in->cls && strcmp(in->cls, "C") != 0)
        return xn_fail_field(err, XN_EINVAL, "bad_major", "major",
                             "重大突发事件、群体性事件的标记只用于 C 类稿件");
    if (in->source_kind && strcmp(in->source_kind, "original") != 0 &&
        strcmp(in->source_kind, "reprint") != 0)
        return xn_fail_field(err, XN_EINVAL, "bad_source", "source", "来源须为原创或转载");
    if (in->nfiles > 20)
        return xn_fail_field(err, XN_EINVAL, "too_many", "files", "附件至多 20 个");
    return XN_OK;
}

/* PUB-4: a reprint names its source, which must be on the security administrator's list. */
static int check_source(store_conn *tx, const publish_item_in *in, xn_error *err)
{
    if (!in->source_kind || strcmp(in->source_kind, "reprint") != 0)
        return XN_OK;
    if (!in->source_name || !*in->source_name)
        return xn_fail_field(err, XN_EINVAL, "required", "source", "转载稿件须注明来源");
    store_stmt *st;
    int rc = store_prepare(tx, "SELECT url FROM publish_source WHERE name = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, in->source_name, -1);
    rc = store_step(st, err);
    store_stmt_done(st);
    if (rc == STORE_DONE)
        return xn_fail_field(err, XN_EINVAL, "source_not_allowed", "source",
                             "转载来源“%.120s”不在允许转载的来源名单中", in->source_name);
    return rc < 0 ? rc : XN_OK;
}

static int check_column(store_conn *tx, int64_t column_id, xn_error *err)
{
    int64_t n = 0;
    store_stmt *st;
    int rc = store_prepare(tx, "SELECT count(*) FROM publish_column WHERE id = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, column_id);
    if ((rc = store_step(st, err)) == STORE_ROW)
        n = store_col_int(st, 0);
    store_stmt_done(st);
    if (rc < 0)
        return rc;
    return n ? XN_OK : xn_fail_field(err, XN_EINVAL, "bad_column", "column_id", "栏目不存在");
}

/* Attachments: the author's own files, at most 20; replaced as a whole. */
static int put_files(change *x, store_conn *tx, xn_error *err)
{
    if (!x->in->files_given)
        return XN_OK;
    store_stmt *st;
    int rc = store_prepare(tx, "DELETE FROM content_file WHERE item_id = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, x->id);
    rc = store_step(st, err);
    store_stmt_done(st);
    for (size_t i = 0; rc >= 0 && i < x->in->nfiles; i++) {
        files_info fi;
        if (!x->p->opt.files || files_get(x->p->opt.files, x->in->files[i], &fi, err) != XN_OK ||
            fi.uploaded_by != x->actor->id)
            return xn_fail_field(err, XN_EINVAL, "bad_file", "files",
                                 "附件 %lld 不存在或不是本人上传的文件",
                                 (long long)x->in->files[i]);
        if (strcmp(fi.scan, "infected") == 0)
            return xn_fail_field(err, XN_EINVAL, "infected", "files", "附件“%s”含病毒，已隔离",
                                 fi.name);
        rc = store_prepare(tx,
                           "INSERT INTO content_file (item_id, file_id) VALUES ($1, $2)"
                           " ON CONFLICT DO NOTHING",
                           &st, err);
        if (rc != XN_OK)
            return rc;
        store_bind_int(st, 1, x->id);
        store_bind_int(st, 2, x->in->files[i]);
        rc = store_step(st, err);
        store_stmt_done(st);
    }
    return rc < 0 ? rc : XN_OK;
}

static int add_version(change *x, store_conn *tx, int version, const char *title, const char *kind,
                       xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(tx,
                           "INSERT INTO content_version (item_id, version, title, body_html,"
                           " body_text, digest, kind, by_id, by_name, at)"
                           " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, x->id);
    store_bind_int(st, 2, version);
    store_bind_text(st, 3, title, -1);
    store_bind_text(st, 4, x->html.data, (ssize_t)x->html.len);
    store_bind_text(st, 5, x->text.data, (ssize_t)x->text.len);
    store_bind_text(st, 6, x->digest, -1);
    store_bind_text(st, 7, kind, -1);
    store_bind_int(st, 8, x->actor->id);
    store_bind_text(st, 9, audit_actor_name(x->actor), -1);
    store_bind_int(st, 10, x->now);
    rc = store_step(st, err);
    store_stmt_done(st);
    return rc < 0 ? rc : XN_OK;
}

/* ---- create and edit -------------------------------------------------------------------- */

static int create_tx(store_conn *tx, void *ctx, xn_error *err)
{
    change *x = ctx;
    const publish_item_in *in = x->in;
    int rc = check_column(tx, in->column_id, err);
    if (rc == XN_OK)
        rc = check_source(tx, in, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    rc = store_prepare(tx,
                       "INSERT INTO content_item (column_id, class, major, state, version,"
                       " source_kind, source_name, source_url, author_id, author_name, created_at,"
                       " updated_at, request_row_id) VALUES ($1, $2, $3, 'draft', 1, $4, $5, $6,"
                       " $7, $8, $9, $9, $10) RETURNING id",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    bool reprint = in->source_kind && strcmp(in->source_kind, "reprint") == 0;
    store_bind_int(st, 1, in->column_id);
    store_bind_text(st, 2, in->cls, -1);
    store_bind_int(st, 3, in->major == 1);
    store_bind_text(st, 4, reprint ? "reprint" : "original", -1);
    if (reprint) {
        store_bind_text(st, 5, in->source_name, -1);
        store_bind_text(st, 6, in->source_url ? in->source_url : "", -1);
    } else {
        store_bind_null(st, 5);
        store_bind_null(st, 6);
    }
    store_bind_int(st, 7, x->actor->id);
    store_bind_text(st, 8, audit_actor_name(x->actor), -1);
    store_bind_int(st, 9, x->now);
    if (in->request_row_id)
        store_bind_int(st, 10, in->request_row_id);
    else
        store_bind_null(st, 10);
    if ((rc = store_step(st, err)) == STORE_ROW)
        x->id = store_col_int(st, 0);
    store_stmt_done(st);
    if (rc < 0)
        return rc;
    rc = add_version(x, tx, 1, in->title, "draft", err);
    if (rc == XN_OK)
        rc = put_files(x, tx, err);
    if (rc == XN_OK)
        rc = publish_record(x->p, tx, x->actor, "content.create", "content", x->id,
                            json_pack("{s:s, s:s, s:I, s:s}", "title", in->title, "class", in->cls,
                                      "column_id", (json_int_t)in->column_id, "digest", x->digest),
                            NULL, err);
    return rc;
}

int publish_item_create(publish_ctx *p, const audit_actor *actor, const publish_item_in *in,
                        int64_t *id, xn_error *err)
{
    change x = {.p = p, .actor = actor, .in = in, .now = publish_now(p)};
    int rc = check_item_in(in, true, err);
    if (rc == XN_OK)
        rc = check_title(in->title, err);
    if (rc == XN_OK && in->source_url && *in->source_url &&
        !(strlen(in->source_url) <= 512 && xn_utf8_valid(in->source_url, strlen(in->source_url))))
        rc = xn_fail_field(err, XN_EINVAL, "bad_url", "source", "来源网址不正确");
    if (rc == XN_OK)
        rc = prepare_body(&x, in->title, in->body_html, err);
    if (rc == XN_OK)
        rc = store_tx(p->opt.db, create_tx, &x, err);
    change_release(&x);
    if (rc == XN_OK)
        *id = x.id;
    return rc;
}

static int current_title(store_conn *tx, int64_t id, int version, char *out, size_t size,
                         xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(
        tx, "SELECT title FROM content_version WHERE item_id = $1 AND version = $2", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, id);
    store_bind_int(st, 2, version);
    rc = store_step(st, err);
    if (rc == STORE_ROW)
        xn_strlcpy(out, store_col_text(st, 0), size);
    store_stmt_done(st);
    return rc < 0 ? rc : XN_OK;
}

static int update_tx(store_conn *tx, void *ctx, xn_error *err)
{
    change *x = ctx;
    const publish_item_in *in = x->in;
    int rc = load(tx, x->id, &x->row, err);
    if (rc != XN_OK)
        return rc;
    if (x->row.author_id != x->actor->id)
        return xn_fail(err, XN_EDENIED, "not_author", "只有稿件作者可以修改稿件");
    if (strcmp(x->row.state, "draft") != 0)
        return xn_fail(err, XN_ECONFLICT, "not_draft",
                       "稿件已提交审核，不能修改（可由审核人退回）");
    if (in->column_id && (rc = check_column(tx, in->column_id, err)) != XN_OK)
        return rc;
    if ((rc = check_source(tx, in, err)) != XN_OK)
        return rc;
    const char *cls = in->cls ? in->cls : x->row.cls;
    bool major = in->major >= 0 ? in->major == 1 : x->row.major;
    if (major && strcmp(cls, "C") != 0)
        return xn_fail_field(err, XN_EINVAL, "bad_major", "major",
                             "重大突发事件、群体性事件的标记只用于 C 类稿件");
    store_stmt *st;
    rc = store_prepare(tx,
                       "UPDATE content_item SET column_id = coalesce($2, column_id), class = $3,"
                       " major = $4, version = version + 1, updated_at = $5,"
                       " source_kind = coalesce($6, source_kind),"
                       " source_name = CASE WHEN $6 IS NULL THEN source_name ELSE $7 END,"
                       " source_url = CASE WHEN $6 IS NULL THEN source_url ELSE $8 END"
                       " WHERE id = $1",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, x->id);
    if (in->column_id)
        store_bind_int(st, 2, in->column_id);
    else
        store_bind_null(st, 2);
    store_bind_text(st, 3, cls, -1);
    store_bind_int(st, 4, major);
    store_bind_int(st, 5, x->now);
    if (in->source_kind) {
        bool reprint = strcmp(in->source_kind, "reprint") == 0;
        store_bind_text(st, 6, in->source_kind, -1);
        if (reprint) {
            store_bind_text(st, 7, in->source_name, -1);
            store_bind_text(st, 8, in->source_url ? in->source_url : "", -1);
        } else {
            store_bind_null(st, 7);
            store_bind_null(st, 8);
        }
    } else {
        store_bind_null(st, 6);
        store_bind_null(st, 7);
        store_bind_null(st, 8);
    }
    rc = store_step(st, err);
    store_stmt_done(st);
    if (rc < 0)
        return rc;
    char title[PUBLISH_MAX_TITLE + 1] = "";
    if (!in->title && (rc = current_title(tx, x->id, x->row.version, title, sizeof title, err)))
        return rc;
    const char *t = in->title ? in->title : title;
    if (!in->body_html) {
        /* the body as it is, under the new title */
        rc = store_prepare(
            tx, "SELECT body_html FROM content_version WHERE item_id = $1 AND version = $2", &st,
            err);
        if (rc != XN_OK)
            return rc;
        store_bind_int(st, 1, x->id);
        store_bind_int(st, 2, x->row.version);
        char *body = NULL;
        if ((rc = store_step(st, err)) == STORE_ROW)
            body = strdup(store_col_text(st, 0));
        store_stmt_done(st);
        if (rc < 0 || !body) {
            free(body);
            return rc < 0 ? rc : xn_fail(err, XN_EINTERNAL, "internal", "version missing");
        }
        xn_buf_release(&x->html);
        xn_buf_release(&x->text);
        rc = prepare_body(x, t, body, err);
        free(body);
        if (rc != XN_OK)
            return rc;
    }
    rc = add_version(x, tx, x->row.version + 1, t, "edit", err);
    if (rc == XN_OK)
        rc = put_files(x, tx, err);
    if (rc == XN_OK)
        rc = publish_record(
            x->p, tx, x->actor, "content.edit", "content", x->id,
            json_pack("{s:i, s:s}", "version", x->row.version + 1, "digest", x->digest), NULL, err);
    return rc;
}

int publish_item_update(publish_ctx *p, const audit_actor *actor, int64_t id,
                        const publish_item_in *in, xn_error *err)
{
    change x = {.p = p, .actor = actor, .in = in, .id = id, .now = publish_now(p)};
    int rc = check_item_in(in, false, err);
    if (rc == XN_OK && in->title)
        rc = check_title(in->title, err);
    if (rc == XN_OK && in->body_html)
        rc = prepare_body(&x, in->title ? in->title : "", in->body_html, err);
    if (rc == XN_OK)
        rc = store_tx(p->opt.db, update_tx, &x, err);
    change_release(&x);
    return rc;
}

/* ---- checks as rules ------------------------------------------------------------------- */

/* The current version's title and text. */
static int version_text(store_conn *tx, int64_t id, int version, char **title, char **text,
                        char *digest, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(tx,
                           "SELECT title, body_text, digest FROM content_version"
                           " WHERE item_id = $1 AND version = $2",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, id);
    store_bind_int(st, 2, version);
    rc = store_step(st, err);
    if (rc == STORE_ROW) {
        *title = strdup(store_col_text(st, 0));
        *text = strdup(store_col_text(st, 1));
        if (digest)
            xn_strlcpy(digest, store_col_text(st, 2), 72);
    }
    store_stmt_done(st);
    if (rc == STORE_DONE)
        return xn_fail(err, XN_EINTERNAL, "internal", "the item's version is missing");
    if (rc < 0)
        return rc;
    if (!*title || !*text)
        return xn_fail(err, XN_ENOMEM, "no_memory", "out of memory");
    return XN_OK;
}

/* The hits kept with a reason on this item, as an object of keys (one query, not one a hit). */
static int reasons_kept(store_conn *tx, int64_t id, json_t **out, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(tx, "SELECT hit FROM content_reason WHERE item_id = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, id);
    json_t *kept = json_object();
    while ((rc = store_step(st, err)) == STORE_ROW)
        json_object_set_new(kept, store_col_text(st, 0), json_true());
    if (rc < 0) {
        json_decref(kept);
        return rc;
    }
    *out = kept;
    return XN_OK;
}

/* The checks of the current version against the reasons kept: whether level 2 is needed
 * (personal data a level-2 reviewer may allow) and the first hit that blocks a decision at
 * `level` (0: submission). */
static int evaluate(change *x, store_conn *tx, int level, bool *needs_level2, xn_error *err)
{
    char *title = NULL, *text = NULL;
    int rc = version_text(tx, x->id, x->row.version, &title, &text, NULL, err);
    json_t *checks = NULL;
    if (rc == XN_OK)
        rc = publish_checks(x->p, title, text, &checks, err);
    free(title);
    free(text);
    json_t *kept_keys = NULL;
    if (rc == XN_OK && (rc = reasons_kept(tx, x->id, &kept_keys, err)) != XN_OK)
        json_decref(checks);
    if (rc != XN_OK)
        return rc;
    *needs_level2 = false;
    size_t i;
    json_t *h;
    const char *blocking = NULL, *shown = NULL, *rule = NULL;
    json_array_foreach(json_object_get(checks, "hits"), i, h)
    {
        const char *key = json_string_value(json_object_get(h, "key"));
        const char *r = json_string_value(json_object_get(h, "rule"));
        bool kept = json_object_get(kept_keys, key) != NULL;
        if (strcmp(r, "level2") == 0)
            *needs_level2 = true;
        bool blocks = strcmp(r, "remove") == 0 ||
                      (level >= 1 && strcmp(r, "reason") == 0 && !kept) ||
                      (level >= 2 && strcmp(r, "level2") == 0 && !kept);
        if (blocks && !blocking) {
            blocking = key;
            rule = r;
            shown = json_string_value(json_object_get(h, "text"));
        }
    }
    if (blocking) {
        if (strcmp(rule, "remove") == 0)
            rc = xn_fail_field(err, XN_ECONFLICT, "personal_data", "checks",
                               "稿件含不得公开的个人信息（%s），须删除后再提交", shown);
        else
            rc = xn_fail_field(err, XN_ECONFLICT, "unresolved_hits", "checks",
                               "检查命中“%s”尚未处理：请修改，或由审核人写明保留理由", shown);
    }
    json_decref(checks);
    json_decref(kept_keys);
    return rc;
}

/* The levels an item needs: its class's, and level 2 for personal data only level 2 allows. */
static int levels_needed(const item_row *r, bool needs_level2)
{
    const publish_class *c = publish_class_of(r->cls, r->major);
    int n = c ? c->levels : 1;
    return needs_level2 && n < 2 ? 2 : n;
}

/* ---- submit ---------------------------------------------------------------------------- */

static int submit_tx(store_conn *tx, void *ctx, xn_error *err)
{
    change *x = ctx;
    int rc = load(tx, x->id, &x->row, err);
    if (rc != XN_OK)
        return rc;
    if (x->row.author_id != x->actor->id)
        return xn_fail(err, XN_EDENIED, "not_author", "只有稿件作者可以提交审核");
    if (strcmp(x->row.state, "draft") != 0)
        return xn_fail(err, XN_ECONFLICT, "not_draft", "稿件已在审核中或已审核");
    bool level2 = false;
    if ((rc = evaluate(x, tx, 0, &level2, err)) != XN_OK)
        return rc;
    store_stmt *st;
    rc = store_prepare(tx,
                       "UPDATE content_item SET state = 'review', level = 1, round = round + 1,"
                       " returned = 0, updated_at = $2 WHERE id = $1",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, x->id);
    store_bind_int(st, 2, x->now);
    rc = store_step(st, err);
    store_stmt_done(st);
    if (rc < 0)
        return rc;
    return publish_record(
        x->p, tx, x->actor, "content.submit", "content", x->id,
        json_pack("{s:i, s:i}", "version", x->row.version, "round", x->row.round + 1), NULL, err);
}

int publish_item_submit(publish_ctx *p, const audit_actor *actor, int64_t id, xn_error *err)
{
    change x = {.p = p, .actor = actor, .id = id, .now = publish_now(p)};
    return store_tx(p->opt.db, submit_tx, &x, err);
}

/* ---- review ---------------------------------------------------------------------------- */

static int add_reasons(change *x, store_conn *tx, int level, xn_error *err)
{
    for (size_t i = 0; i < x->review->nreasons; i++) {
        const publish_reason_in *r = &x->review->reasons[i];
        if (!r->hit || !*r->hit || strlen(r->hit) > 512)
            return xn_fail_field(err, XN_EINVAL, "bad_hit", "reasons", "保留理由须指明命中项");
        int rc = xn_check_text(r->reason, PUBLISH_MAX_COMMENT, XN_TEXT_FREE, true, "reasons",
                               "保留理由", err);
        if (rc != XN_OK)
            return rc;
        if (strncmp(r->hit, "pii:", 4) == 0 && level < 2)
            return xn_fail_field(err, XN_EDENIED, "level2_only", "reasons",
                                 "个人信息须由二级审核人审批并写明理由");
        store_stmt *st;
        rc = store_prepare(tx,
                           "INSERT INTO content_reason (item_id, hit, reason, level, by_name, at)"
                           " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (item_id, hit) DO UPDATE"
                           " SET reason = excluded.reason, level = excluded.level,"
                           " by_name = excluded.by_name, at = excluded.at",
                           &st, err);
        if (rc != XN_OK)
            return rc;
        store_bind_int(st, 1, x->id);
        store_bind_text(st, 2, r->hit, -1);
        store_bind_text(st, 3, r->reason, -1);
        store_bind_int(st, 4, level);
        store_bind_text(st, 5, audit_actor_name(x->actor), -1);
        store_bind_int(st, 6, x->now);
        rc = store_step(st, err);
        store_stmt_done(st);
        if (rc < 0)
            return rc;
    }
    return XN_OK;
}

/* PUB-12: attachments are clean before level 1 lets the item pass. */
static int attachments_clean(change *x, store_conn *tx, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(tx, "SELECT file_id FROM content_file WHERE item_id = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, x->id);
    int64_t ids[32];
    size_t n = 0;
    while ((rc = store_step(st, err)) == STORE_ROW && n < 32)
        ids[n++] = store_col_int(st, 0);
    if (rc == STORE_ROW)
        store_stmt_done(st);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        files_info fi;
        if (!x->p->opt.files || files_get(x->p->opt.files, ids[i], &fi, err) != XN_OK)
            return xn_fail_field(err, XN_ECONFLICT, "file_missing", "files", "附件不存在");
        if (strcmp(fi.scan, "clean") != 0)
            return xn_fail_field(err, XN_ECONFLICT,
                                 strcmp(fi.scan, "infected") == 0 ? "infected" : "scan_pending",
                                 "files", "附件“%s”%s，不能通过审核", fi.name,
                                 strcmp(fi.scan, "infected") == 0 ? "含病毒" : "尚未通过病毒检查");
    }
    return XN_OK;
}

static int add_step(change *x, store_conn *tx, int level, const char *decision, const char *comment,
                    xn_error *err)
{
    char digest[72] = "";
    char *title = NULL, *text = NULL;
    int rc = version_text(tx, x->id, x->row.version, &title, &text, digest, err);
    free(title);
    free(text);
    if (rc != XN_OK)
        return rc;
    int64_t seq = 0;
    rc = publish_record(x->p, tx, x->actor, "content.review", "content", x->id,
                        json_pack("{s:i, s:s, s:i, s:s}", "level", level, "decision", decision,
                                  "version", x->row.version, "digest", digest),
                        &seq, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    rc = store_prepare(tx,
                       "INSERT INTO content_step (item_id, round, level, reviewer_id,"
                       " reviewer_name, decision, comment, version, digest, audit_seq, at)"
                       " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, x->id);
    store_bind_int(st, 2, x->row.round);
    store_bind_int(st, 3, level);
    store_bind_int(st, 4, x->actor->id);
    store_bind_text(st, 5, audit_actor_name(x->actor), -1);
    store_bind_text(st, 6, decision, -1);
    store_bind_text(st, 7, comment ? comment : "", -1);
    store_bind_int(st, 8, x->row.version);
    store_bind_text(st, 9, digest, -1);
    store_bind_int(st, 10, seq);
    store_bind_int(st, 11, x->now);
    rc = store_step(st, err);
    store_stmt_done(st);
    return rc < 0 ? rc : XN_OK;
}

static int set_state(store_conn *tx, int64_t id, const char *state, int level, int64_t now,
                     xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(tx,
                           "UPDATE content_item SET state = $2, level = $3, updated_at = $4,"
                           " returned = CASE WHEN $2 = 'draft' THEN 1 ELSE returned END"
                           " WHERE id = $1",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, id);
    store_bind_text(st, 2, state, -1);
    store_bind_int(st, 3, level);
    store_bind_int(st, 4, now);
    rc = store_step(st, err);
    store_stmt_done(st);
    return rc < 0 ? rc : XN_OK;
}

static int store_form(change *x, store_conn *tx, xn_error *err)
{
    char *pdf = NULL;
    size_t len = 0;
    int rc = publish_form_make(x->p, tx, x->id, &pdf, &len, err);
    if (rc != XN_OK)
        return rc;
    unsigned char d[crypto_hash_sha256_BYTES];
    char digest[72] = "sha256:";
    crypto_hash_sha256(d, (const unsigned char *)pdf, len);
    sodium_bin2hex(digest + 7, 65, d, sizeof d);
    store_stmt *st;
    rc = store_prepare(tx, "UPDATE content_item SET form_pdf = $2, form_digest = $3 WHERE id = $1",
                       &st, err);
    if (rc == XN_OK) {
        store_bind_int(st, 1, x->id);
        store_bind_blob(st, 2, pdf, len);
        store_bind_text(st, 3, digest, -1);
        rc = store_step(st, err);
        store_stmt_done(st);
        rc = rc < 0 ? rc : XN_OK;
    }
    free(pdf);
    return rc;
}

static int review_tx(store_conn *tx, void *ctx, xn_error *err)
{
    change *x = ctx;
    const publish_review_in *in = x->review;
    int rc = load(tx, x->id, &x->row, err);
    if (rc != XN_OK)
        return rc;
    if (strcmp(x->row.state, "review") != 0)
        return xn_fail(err, XN_ECONFLICT, "not_in_review", "稿件不在审核中");
    int level = x->row.level;
    const publish_level *lv = publish_level_of(level);
    if (!lv || !auth_can(x->who, lv->permission))
        return xn_fail(err, XN_EDENIED, "wrong_level", "稿件正待%s，您没有该级审核权限",
                       lv ? lv->title : "审核");
    if (x->row.author_id == x->actor->id)
        return xn_fail(err, XN_EDENIED, "own_item", "作者不得审核本人的稿件");
    /* one person decides at most one level of a submission (一事一审, PUB-7) */
    store_stmt *st;
    int64_t other = 0;
    rc = store_prepare(tx,
                       "SELECT count(*) FROM content_step WHERE item_id = $1 AND round = $2"
                       " AND reviewer_id = $3 AND level <> $4",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, x->id);
    store_bind_int(st, 2, x->row.round);
    store_bind_int(st, 3, x->actor->id);
    store_bind_int(st, 4, level);
    if ((rc = store_step(st, err)) == STORE_ROW)
        other = store_col_int(st, 0);
    store_stmt_done(st);
    if (rc < 0)
        return rc;
    if (other)
        return xn_fail(err, XN_EDENIED, "two_levels", "同一人不得审核同一稿件的两个级别");

    if (strcmp(in->decision, "return") == 0) {
        rc = add_step(x, tx, level, "return", in->comment, err);
        return rc == XN_OK ? set_state(tx, x->id, "draft", 0, x->now, err) : rc;
    }
    if (strcmp(in->decision, "amend") == 0) {
        /* a reviewer's amendment is a version of its own; the item stays at this level */
        char title[PUBLISH_MAX_TITLE + 1] = "";
        if (!in->title &&
            (rc = current_title(tx, x->id, x->row.version, title, sizeof title, err)) != XN_OK)
            return rc;
        const char *t = in->title ? in->title : title;
        digest_of(t, x->html.data, x->digest);
        rc = add_version(x, tx, x->row.version + 1, t, "amend", err);
        if (rc != XN_OK)
            return rc;
        rc = store_prepare(tx, "UPDATE content_item SET version = version + 1 WHERE id = $1", &st,
                           err);
        if (rc != XN_OK)
            return rc;
        store_bind_int(st, 1, x->id);
        rc = store_step(st, err);
        store_stmt_done(st);
        if (rc < 0)
            return rc;
        x->row.version++;
        return add_step(x, tx, level, "amend", in->comment, err);
    }
    /* approve */
    rc = add_reasons(x, tx, level, err);
    bool level2 = false;
    if (rc == XN_OK)
        rc = evaluate(x, tx, level, &level2, err);
    if (rc == XN_OK && level == 1)
        rc = attachments_clean(x, tx, err);
    if (rc == XN_OK)
        rc = add_step(x, tx, level, "approve", in->comment, err);
    if (rc != XN_OK)
        return rc;
    int needed = levels_needed(&x->row, level2);
    if (level < needed)
        return set_state(tx, x->id, "review", level + 1, x->now, err);
    rc = set_state(tx, x->id, "approved", 0, x->now, err);
    if (rc == XN_OK)
        rc = store_form(x, tx, err);
    x->approved = rc == XN_OK;
    return rc;
}

int publish_item_review(publish_ctx *p, const auth_principal *who, int64_t id,
                        const publish_review_in *in, xn_error *err)
{
    audit_actor actor = auth_actor(who);
    change x = {.p = p, .actor = &actor, .who = who, .id = id, .review = in, .now = publish_now(p)};
    xn_buf_init(&x.html, 16);
    xn_buf_init(&x.text, 16);
    int rc = XN_OK;
    if (!in->decision ||
        (strcmp(in->decision, "approve") != 0 && strcmp(in->decision, "return") != 0 &&
         strcmp(in->decision, "amend") != 0))
        rc = xn_fail_field(err, XN_EINVAL, "bad_decision", "decision",
                           "审核结论须为 approve（通过）、return（退回）或 amend（修改）");
    if (rc == XN_OK)
        rc = xn_check_text(in->comment, PUBLISH_MAX_COMMENT, XN_TEXT_FREE,
                           strcmp(in->decision, "approve") != 0, "comment", "审核意见", err);
    if (rc == XN_OK && strcmp(in->decision, "amend") == 0) {
        if (in->title)
            rc = check_title(in->title, err);
        if (rc == XN_OK && !in->body_html)
            rc = xn_fail_field(err, XN_EINVAL, "required", "body_html", "修改须提交修改后的正文");
        if (rc == XN_OK) {
            xn_buf_release(&x.html);
            xn_buf_release(&x.text);
            rc = prepare_body(&x, in->title ? in->title : "", in->body_html, err);
        }
    }
    if (rc == XN_OK)
        rc = store_tx(p->opt.db, review_tx, &x, err);
    change_release(&x);
    return rc;
}

/* ---- publication and withdrawal ------------------------------------------------------------ */

static int release(change *x, store_conn *tx, xn_error *err)
{
    /* published first, so the column's index written with the page lists it */
    store_stmt *st;
    int rc = store_prepare(tx,
                           "UPDATE content_item SET state = 'published', published_at = $2,"
                           " published_version = version, publish_at = NULL, updated_at = $2"
                           " WHERE id = $1",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, x->id);
    store_bind_int(st, 2, x->now);
    rc = store_step(st, err);
    store_stmt_done(st);
    if (rc < 0)
        return rc;
    rc = publish_site_put(x->p, tx, x->id, x->path, sizeof x->path, err);
    if (rc != XN_OK)
        return rc;
    rc = store_prepare(tx, "UPDATE content_item SET published_path = $2 WHERE id = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, x->id);
    store_bind_text(st, 2, x->path, -1);
    rc = store_step(st, err);
    store_stmt_done(st);
    if (rc < 0)
        return rc;
    rc = publish_site_changed(x->p, tx, err);
    if (rc == XN_OK)
        rc = publish_cms_enqueue(x->p, tx, x->id, "publish", NULL, err);
    if (rc == XN_OK)
        rc = publish_record(x->p, tx, x->actor, "content.publish", "content", x->id,
                            json_pack("{s:s, s:i}", "path", x->path, "version", x->row.version),
                            NULL, err);
    return rc;
}

static int publish_tx(store_conn *tx, void *ctx, xn_error *err)
{
    change *x = ctx;
    int rc = load(tx, x->id, &x->row, err);
    if (rc != XN_OK)
        return rc;
    bool due_scheduled = strcmp(x->row.state, "scheduled") == 0 && x->at == 0;
    if (strcmp(x->row.state, "approved") != 0 && !due_scheduled)
        return xn_fail(err, XN_ECONFLICT, "not_approved",
                       strcmp(x->row.state, "published") == 0 ? "稿件已发布"
                                                              : "稿件未通过审核，不能发布");
    if (x->at > x->now) {
        store_stmt *st;
        rc = store_prepare(tx,
                           "UPDATE content_item SET state = 'scheduled', publish_at = $2,"
                           " updated_at = $3 WHERE id = $1",
                           &st, err);
        if (rc != XN_OK)
            return rc;
        store_bind_int(st, 1, x->id);
        store_bind_int(st, 2, x->at);
        store_bind_int(st, 3, x->now);
        rc = store_step(st, err);
        store_stmt_done(st);
        if (rc < 0)
            return rc;
        if (x->p->jobs) {
            /* the runner's clock is the wall clock: the rules' clock may be moved by tests */
            int64_t wall = xn_now_us() + (x->at - x->now);
            rc = jobs_schedule(x->p->jobs, tx, PUBLISH_JOB_RELEASE, "", wall, err);
            if (rc != XN_OK)
                return rc;
        }
        return publish_record(x->p, tx, x->actor, "content.schedule", "content", x->id,
                              json_pack("{s:I}", "at", (json_int_t)x->at), NULL, err);
    }
    return release(x, tx, err);
}

int publish_item_publish(publish_ctx *p, const audit_actor *actor, int64_t id, int64_t at,
                         xn_error *err)
{
    change x = {.p = p, .actor = actor, .id = id, .at = at, .now = publish_now(p)};
    if (at && (at < x.now - 60LL * 1000000 || at > x.now + 366LL * 86400 * 1000000))
        return xn_fail_field(err, XN_EINVAL, "bad_at", "at", "定时发布时间须在一年之内的将来");
    pthread_mutex_lock(&p->site_lock);
    int rc = store_tx(p->opt.db, publish_tx, &x, err);
    pthread_mutex_unlock(&p->site_lock);
    return rc;
}

static int withdraw_tx(store_conn *tx, void *ctx, xn_error *err)
{
    change *x = ctx;
    int rc = load(tx, x->id, &x->row, err);
    if (rc != XN_OK)
        return rc;
    bool published = strcmp(x->row.state, "published") == 0;
    if (!published && strcmp(x->row.state, "scheduled") != 0)
        return xn_fail(err, XN_ECONFLICT, "not_published", "稿件未发布，无需撤稿");
    if (published && (rc = publish_site_remove(x->p, tx, x->id, err)) != XN_OK)
        return rc;
    store_stmt *st;
    rc = store_prepare(tx,
                       "UPDATE content_item SET state = 'withdrawn', withdrawn_at = $2,"
                       " withdrawn_by = $3, withdraw_reason = $4, publish_at = NULL,"
                       " updated_at = $2 WHERE id = $1",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, x->id);
    store_bind_int(st, 2, x->now);
    store_bind_text(st, 3, audit_actor_name(x->actor), -1);
    store_bind_text(st, 4, x->reason, -1);
    rc = store_step(st, err);
    store_stmt_done(st);
    if (rc < 0)
        return rc;
    if (published && (rc = publish_site_changed(x->p, tx, err)) != XN_OK)
        return rc;
    if (published &&
        (rc = publish_cms_enqueue(x->p, tx, x->id, "withdraw", x->reason, err)) != XN_OK)
        return rc;
    return publish_record(x->p, tx, x->actor, "content.withdraw", "content", x->id,
                          json_pack("{s:s}", "reason", x->reason), NULL, err);
}

int publish_item_withdraw(publish_ctx *p, const audit_actor *actor, int64_t id, const char *reason,
                          xn_error *err)
{
    int rc =
        xn_check_text(reason, PUBLISH_MAX_COMMENT, XN_TEXT_FREE, true, "reason", "撤稿理由", err);
    if (rc != XN_OK)
        return rc;
    change x = {.p = p, .actor = actor, .id = id, .reason = reason, .now = publish_now(p)};
    pthread_mutex_lock(&p->site_lock);
    rc = store_tx(p->opt.db, withdraw_tx, &x, err);
    pthread_mutex_unlock(&p->site_lock);
    return rc;
}

/* ---- jobs ------------------------------------------------------------------------------- */

int publish_release_job(publish_ctx *p, int64_t now_us, json_t *summary, xn_error *err)
{
    store_conn *c;
    int rc = store_acquire(p->opt.db, &c, err);
    if (rc != XN_OK)
        return rc;
    store_stmt *st;
    int64_t ids[256];
    size_t n = 0;
    rc = store_prepare(c,
                       "SELECT id, publish_at FROM content_item WHERE state = 'scheduled'"
                       " ORDER BY publish_at LIMIT 256",
                       &st, err);
    if (rc == XN_OK) {
        while ((rc = store_step(st, err)) == STORE_ROW) {
            if (store_col_int(st, 1) > now_us) {
                store_stmt_done(st);
                rc = XN_OK;
                break;
            }
            ids[n++] = store_col_int(st, 0);
        }
    }
    store_release(c);
    if (rc < 0)
        return rc;
    int done = 0;
    for (size_t i = 0; i < n; i++) {
        xn_error one;
        if (publish_item_publish(p, &audit_system_actor, ids[i], 0, &one) == XN_OK)
            done++;
    }
    if (done)
        json_object_set_new(summary, "published", json_integer(done));
    return XN_OK;
}
