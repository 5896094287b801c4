/*
 * The incident kinds with their procedures (INC-1, HS 附件5 §3 and §5) and the clocks (INC-2,
 * INC-3). A new kind or clock is a row here, not a new handler.
 */
#include "incident/incident.h"

#include <string.h>

const incident_kind incident_kinds[] = {
    {
        .key = "illegal_content",
        .title = "网站出现非法言论",
        .site_affected = true,
        .authorities = "网信、公安",
        .steps = {"值班巡检人员确认非法信息的位置与内容并截图留存",
                  "向部门负责人通报情况（紧急时先删除再报告）", "技术人员清理非法信息",
                  "强化安全防范措施", "网页重新投入使用并复查"},
    },
    {
        .key = "defacement",
        .title = "网页篡改 / 黑客攻击",
        .site_affected = true,
        .authorities = "公安、网信",
        .steps = {"将被攻击的服务器等设备从网络中隔离", "向领导汇报情况",
                  "保存日志与被篡改页面作为证据", "技术人员对被破坏系统进行恢复与重建",
                  "核对网页与核准内容一致后恢复访问"},
    },
    {
        .key = "virus",
        .title = "病毒感染",
        .site_affected = false,
        .authorities = NULL,
        .steps = {"将感染病毒的计算机从网络上隔离", "对该设备的硬盘进行数据备份",
                  "用反病毒软件杀毒，并扫描清除其他机器的病毒", "无法清除时立即向领导报告",
                  "确认无法查杀的，作好记录并报告信息技术人员"},
    },
    {
        .key = "destructive_attack",
        .title = "软件系统遭受破坏性攻击",
        .site_affected = true,
        .authorities = "公安",
        .steps = {"立即向技术人员、网络管理员报告", "停止系统运行", "从备份恢复软件系统和数据",
                  "确认恢复完整后重新运行"},
    },
    {
        .key = "site_down",
        .title = "网站无法访问",
        .site_affected = true,
        .authorities = NULL,
        .steps = {"确认故障范围（服务器、网络、域名解析）", "向主要领导、分管领导汇报",
                  "技术人员到场排除故障", "恢复正常发布并确认可访问"},
    },
    {
        .key = "power_failure",
        .title = "停电",
        .site_affected = true,
        .authorities = NULL,
        .steps = {"与供电部门联系，了解停电原因及恢复时间",
                  "掌握不间断电源的支持时间，专人监测其运行",
                  "停电较长时关闭影响较小的服务器及设备", "重点保证政府网站正常发布"},
    },
    {
        .key = "line_failure",
        .title = "通信线路故障",
        .site_affected = true,
        .authorities = NULL,
        .steps = {"联系电信运营商报修", "跟踪修复进度", "线路恢复后确认网站正常访问"},
    },
    {
        .key = "leak",
        .title = "泄密",
        .site_affected = false,
        .authorities = "保密",
        .steps = {"立即采取补救措施，控制知悉范围", "保存相关记录与证据",
                  "24 小时内向当地保密部门报告", "查明原因与责任"},
    },
    {
        .key = "criminal_case",
        .title = "违法犯罪案件",
        .site_affected = false,
        .authorities = "公安",
        .steps = {"保护现场，保存日志与证据", "24 小时内向当地公安机关报告", "配合公安机关调查"},
    },
    {
        .key = "other",
        .title = "其他",
        .site_affected = false,
        .authorities = NULL,
        .steps = {"确认情况并记录", "向领导汇报", "处置并记录结果"},
    },
};
const size_t incident_kinds_count = sizeof incident_kinds / sizeof incident_kinds[0];

const incident_clock_def incident_clocks[] = {
    {.key = "inform_leaders",
     .title = "报告主要领导、分管领导",
     .minutes = 10,
     .group = "值班员",
     .basis = "HS 附件5 第四条"},
    {.key = "on_site",
     .title = "负责人和技术人员到场",
     .minutes = 30,
     .group = "技术人员",
     .basis = "HS 附件5 第四条"},
    {.key = "site_restored",
     .title = "网站恢复正常发布",
     .minutes = 60,
     .group = "技术人员",
     .basis = "HS 附件5 第六条"},
    {.key = "report_authorities",
     .title = "向主管部门报告",
     .minutes = 24 * 60,
     .group = INCIDENT_LEADERS,
     .basis = "SZMZ 第三章第四、五条；ZJ 第六十六、六十七条"},
};
const size_t incident_clocks_count = sizeof incident_clocks / sizeof incident_clocks[0];

const incident_kind *incident_kind_find(const char *key)
{
    for (size_t i = 0; key && i < incident_kinds_count; i++)
        if (strcmp(incident_kinds[i].key, key) == 0)
            return &incident_kinds[i];
    return NULL;
}
