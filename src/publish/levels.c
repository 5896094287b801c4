/*
 * The review levels by class as tables (HS 附件2 §3, §5; PUB-2): A 一般 one level, B 重要 two,
 * C 特级 three, and C touching a major incident or mass event the principal leader too.
 */
#include "publish/publish_int.h"

#include <string.h>

const publish_class publish_classes[] = {
    {.key = "A", .title = "一般信息", .levels = 1},
    {.key = "B", .title = "重要信息", .levels = 2},
    {.key = "C", .title = "特级信息", .levels = 3},
    {.key = "C+major", .title = "特级信息（重大突发事件、群体性事件）", .levels = 4},
};
const size_t publish_classes_count = sizeof publish_classes / sizeof publish_classes[0];

const publish_level publish_levels[PUBLISH_MAX_LEVELS] = {
    {.level = 1, .title = "一级审核（责任编辑）", .permission = "content.review1"},
    {.level = 2, .title = "二级审核（分管领导）", .permission = "content.review2"},
    {.level = 3, .title = "三级审核（主要负责人）", .permission = "content.review3"},
    {.level = 4, .title = "主要领导审签", .permission = "content.approve"},
};

const publish_class *publish_class_of(const char *cls, bool major)
{
    const char *key = cls && strcmp(cls, "C") == 0 && major ? "C+major" : cls;
    for (size_t i = 0; key && i < publish_classes_count; i++)
        if (strcmp(publish_classes[i].key, key) == 0)
            return &publish_classes[i];
    return NULL;
}

const publish_level *publish_level_of(int level)
{
    return level >= 1 && level <= PUBLISH_MAX_LEVELS ? &publish_levels[level - 1] : NULL;
}
