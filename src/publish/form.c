/*
 * The review form (《内容三级审核表》 and 保密审查, PUB-3, ZJ 31, HS 附件2 §6, §8), made from the
 * item as approved: title, column, class, source, author, the secrecy declaration, each level's
 * reviewer, opinion, decision and time, the digest of the version approved and the number of
 * each decision's audit record. It is made once, when the last level approves, and kept with
 * the item: every download returns the same bytes.
 */
#include "publish/publish_int.h"

#include "doc/doc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static const char *decision_name(const char *d)
{
    return strcmp(d, "approve") == 0 ? "同意发布" : strcmp(d, "return") == 0 ? "退回修改" : "修改";
}

static void form_lines(const void *data, doc_sink *out)
{
    const json_t *it = data;
    char buf[PUBLISH_MAX_COMMENT + 1024];
    doc_put(out, 2, "内容三级审核表（保密审查）");
    char source[1400];
    if (strcmp(str(it, "source_kind"), "reprint") == 0)
        snprintf(source, sizeof source, "转载：%s%s%s%s", str(it, "source_name"),
                 *str(it, "source_url") ? "（" : "", str(it, "source_url"),
                 *str(it, "source_url") ? "）" : "");
    else
        snprintf(source, sizeof source, "原创");
    snprintf(buf, sizeof buf,
             "稿件编号：%lld\n标题：%s\n栏目：%s\n类别：%s\n来源：%s\n作者：%s\n"
             "保密声明：本稿件不涉及国家秘密和工作秘密（作者声明）\n审核通过的版本：第 %lld 版\n"
             "版本摘要：%s",
             (long long)json_integer_value(json_object_get(it, "id")), str(it, "title"),
             str(it, "column"), str(it, "class_title"), source, str(it, "author"),
             (long long)json_integer_value(json_object_get(it, "version")), str(it, "digest"));
    doc_put(out, 0, buf);
    doc_put(out, 1, "审核记录");
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(it, "steps"), i, s)
    {
        if (json_integer_value(json_object_get(s, "round")) !=
            json_integer_value(json_object_get(it, "round")))
            continue;
        snprintf(
            buf, sizeof buf,
            "%s　审核人：%s　结论：%s　时间：%s\n意见：%s\n第 %lld 版，摘要 %s，审计记录 #%lld",
            str(s, "level_title"), str(s, "reviewer"), decision_name(str(s, "decision")),
            str(s, "at_text"), *str(s, "comment") ? str(s, "comment") : "（无）",
            (long long)json_integer_value(json_object_get(s, "version")), str(s, "digest"),
            (long long)json_integer_value(json_object_get(s, "audit_seq")));
        doc_put(out, 0, buf);
    }
    json_t *hits = json_object_get(json_object_get(it, "checks"), "hits");
    doc_put(out, 1, "检查命中与保留理由");
    if (json_array_size(hits) == 0)
        doc_put(out, 0, "敏感词、错敏字词和个人信息检查均未命中。");
    json_array_foreach(hits, i, s)
    {
        json_t *r = json_object_get(s, "reason");
        snprintf(buf, sizeof buf, "“%s”（%s）：%s%s%s", str(s, "text"), str(s, "category"),
                 json_is_object(r) ? str(r, "reason") : "未处理", json_is_object(r) ? "——" : "",
                 json_is_object(r) ? str(r, "by") : "");
        doc_put(out, 0, buf);
    }
}

int publish_form_make(publish_ctx *p, store_conn *tx, int64_t item, char **pdf, size_t *len,
                      xn_error *err)
{
    json_t *it = NULL;
    int rc = publish_item_json_tx(p, tx, item, 0, &it, err);
    if (rc != XN_OK)
        return rc;
    char path[600];
    snprintf(path, sizeof path, "%s/form-%lld-%ld.pdf", p->state_dir, (long long)item,
             (long)getpid());
    char title[64];
    snprintf(title, sizeof title, "内容审核表 #%lld", (long long)item);
    doc_meta meta = {.title = title, .created_at = publish_now(p)};
    rc = doc_write("pdf", &meta, form_lines, it, path, err);
    json_decref(it);
    if (rc != XN_OK) {
        unlink(path);
        return rc;
    }
    FILE *f = fopen(path, "rb");
    rc = xn_fail(err, XN_EIO, "form", "cannot read the review form back");
    if (f && fseek(f, 0, SEEK_END) == 0) {
        long size = ftell(f);
        *pdf = size > 0 ? malloc((size_t)size) : NULL;
        if (*pdf && fseek(f, 0, SEEK_SET) == 0 && fread(*pdf, 1, (size_t)size, f) == (size_t)size) {
            *len = (size_t)size;
            rc = XN_OK;
        } else {
            free(*pdf);
            *pdf = NULL;
        }
    }
    if (f)
        fclose(f);
    unlink(path);
    return rc;
}
