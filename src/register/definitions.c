/*
 * The registers the regulations demand, as data (LED-1..11, ORG-3). Keys are part of the API.
 * Who writes follows the positions of ZJ 5-8: 设备管理员 the devices, media and machine-room
 * visits (register.assets); 网络管理员 the filings and systems (register.network); 信息安全
 * 管理员 the rest (register.security). Everyone who keeps or inspects registers reads them
 * (register.read).
 */
#include "register/register.h"

#include <string.h>

#define R_READ     "register.read"
#define R_ASSETS   "register.assets"
#define R_NETWORK  "register.network"
#define R_SECURITY "register.security"

static const register_option yes_no[] = {{"yes", "是"}, {"no", "否"}, {NULL, NULL}};

/* ---- 设备 (LED-1, LED-4) ---------------------------------------------------------------- */

static const register_option device_types[] = {
    {"pc", "台式计算机"},     {"laptop", "笔记本计算机"},
    {"server", "服务器"},     {"network", "网络设备"},
    {"security", "安全设备"}, {"printer", "打印机/复印机"},
    {"other", "其他"},        {NULL, NULL}};

static const register_field device_fields[] = {
    {.key = "asset_no",
     .label = "资产编号",
     .type = RT_TEXT,
     .required = true,
     .list = true,
     .search = true},
    {.key = "type",
     .label = "设备类型",
     .type = RT_ENUM,
     .required = true,
     .list = true,
     .search = true,
     .options = device_types},
    {.key = "model", .label = "品牌型号", .type = RT_TEXT, .list = true, .search = true},
    {.key = "serial", .label = "序列号", .type = RT_TEXT, .search = true},
    {.key = "ip", .label = "IP 地址", .type = RT_IPV4, .list = true, .search = true},
    {.key = "mac", .label = "MAC 地址", .type = RT_MAC, .list = true, .search = true},
    {.key = "switch", .label = "接入交换机", .type = RT_TEXT},
    {.key = "switch_port", .label = "交换机端口", .type = RT_TEXT},
    {.key = "location", .label = "存放地点", .type = RT_TEXT, .search = true},
    {.key = "user", .label = "使用人", .type = RT_PERSON, .list = true},
    {.key = "department", .label = "使用部门", .type = RT_DEPT},
    {.key = "secret",
     .label = "涉密设备",
     .type = RT_ENUM,
     .required = true,
     .list = true,
     .four_eyes = true,
     .options = yes_no},
    {.key = "repair_vendor", .label = "维修单位", .type = RT_TEXT, .step = true},
    {.key = "repair_data",
     .label = "数据处理措施",
     .type = RT_LONGTEXT,
     .step = true,
     .help = "送修前对存储数据的处理，如拆除硬盘、数据备份后清除"},
    {.key = "borrower", .label = "借用人", .type = RT_PERSON, .step = true},
    {.key = "return_date", .label = "应归还日期", .type = RT_DATE, .step = true},
    {.key = "wipe_by", .label = "数据清除人", .type = RT_PERSON, .step = true},
    {.key = "wipe_witness", .label = "监督人", .type = RT_PERSON, .step = true},
    {.key = "wipe_date", .label = "清除日期", .type = RT_DATE, .step = true},
    {NULL},
};

static const register_state device_states[] = {{"in_use", "在用"},
                                               {"in_repair", "维修中"},
                                               {"lent", "借出"},
                                               {"disposed", "已报废", .frees_unique = true},
                                               {NULL}};

static const char *text_of(const json_t *data, const char *key)
{
    const char *v = json_string_value(json_object_get(data, key));
    return v ? v : "";
}

/* LED-4: a secret device is never sent out for repair. */
static int device_repair_check(const register_def *d, const json_t *data, xn_error *err)
{
    (void)d;
    if (strcmp(text_of(data, "secret"), "yes") == 0)
        return xn_fail_field(err, XN_EINVAL, "secret_repair", "secret",
                             "涉密设备不得送外维修，应由本单位或保密部门指定单位现场维修");
    return XN_OK;
}

/* LED-4: the data are wiped by one person and watched by another. */
static int device_dispose_check(const register_def *d, const json_t *data, xn_error *err)
{
    (void)d;
    if (strcmp(text_of(data, "wipe_by"), text_of(data, "wipe_witness")) == 0)
        return xn_fail_field(err, XN_EINVAL, "same_person", "wipe_witness",
                             "数据清除的监督人不能是清除人本人");
    return XN_OK;
}

static const register_transition device_transitions[] = {
    {"repair", "送修", "in_use", "in_repair", "repair_vendor,repair_data", device_repair_check},
    {"repaired", "修复返回", "in_repair", "in_use", ""},
    {"lend", "外借", "in_use", "lent", "borrower,return_date"},
    {"return", "归还", "lent", "in_use", ""},
    {"dispose", "报废", "in_use,in_repair", "disposed", "wipe_by,wipe_witness,wipe_date",
     device_dispose_check},
    {NULL},
};

/* LED-1: an address belongs to one device in use */
static const register_unique device_uniques[] = {{"asset_no"}, {"ip"}, {"mac"}, {NULL}};

static bool device_flag(const json_t *data, const char *state, int32_t today, char *buf,
                        size_t size)
{
    int32_t due;
    const char *d = text_of(data, "return_date");
    if (strcmp(state, "lent") != 0 || !xn_date_parse(d, strlen(d), &due) || due >= today)
        return false;
    snprintf(buf, size, "设备 %s 借出逾期未还（应于 %s 归还）", text_of(data, "asset_no"), d);
    return true;
}

/* ---- 机房出入 (LED-2) -------------------------------------------------------------------- */

static const register_field visitor_fields[] = {
    {.key = "visitor",
     .label = "来访人",
     .type = RT_TEXT,
     .required = true,
     .list = true,
     .search = true},
    {.key = "unit",
     .label = "来访单位",
     .type = RT_TEXT,
     .required = true,
     .list = true,
     .search = true},
    {.key = "purpose",
     .label = "事由",
     .type = RT_TEXT,
     .required = true,
     .list = true,
     .search = true},
    {.key = "approver", .label = "批准人", .type = RT_PERSON, .required = true, .list = true},
    {.key = "escort", .label = "陪同人员", .type = RT_PERSON, .required = true},
    {.key = "time_in", .label = "进入时间", .type = RT_DATETIME, .required = true, .list = true},
    {.key = "time_out", .label = "离开时间", .type = RT_DATETIME, .list = true, .step = true},
    {NULL},
};
static const register_state visitor_states[] = {{"in", "在机房"}, {"out", "已离开"}, {NULL}};
static const register_transition visitor_transitions[] = {
    {"sign_out", "签离", "in", "out", "time_out"}, {NULL}};

static bool visitor_flag(const json_t *data, const char *state, int32_t today, char *buf,
                         size_t size)
{
    (void)today;
    if (strcmp(state, "in") != 0)
        return false;
    snprintf(buf, size, "%s（%s）进入机房后尚未签离", text_of(data, "visitor"),
             text_of(data, "unit"));
    return true;
}

/* ---- 存储介质 (LED-3) -------------------------------------------------------------------- */

static const register_option media_types[] = {{"usb", "U 盘"},     {"disk", "移动硬盘"},
                                              {"optical", "光盘"}, {"card", "存储卡"},
                                              {"other", "其他"},   {NULL, NULL}};

static const register_field media_fields[] = {
    {.key = "number",
     .label = "介质编号",
     .type = RT_TEXT,
     .required = true,
     .list = true,
     .search = true},
    {.key = "type",
     .label = "介质类型",
     .type = RT_ENUM,
     .required = true,
     .list = true,
     .options = media_types},
    {.key = "capacity", .label = "容量", .type = RT_TEXT},
    {.key = "secrecy",
     .label = "密级",
     .type = RT_SECRECY,
     .required = true,
     .list = true,
     .four_eyes = true},
    {.key = "keeper", .label = "保管人", .type = RT_PERSON, .required = true, .list = true},
    {.key = "last_check", .label = "上次检查", .type = RT_DATE},
    {.key = "next_check", .label = "下次检查", .type = RT_DATE, .list = true},
    {.key = "destroy_witness", .label = "销毁监销人", .type = RT_PERSON, .step = true},
    {.key = "destroy_date", .label = "销毁日期", .type = RT_DATE, .step = true},
    {NULL},
};
static const register_state media_states[] = {
    {"in_use", "在用"}, {"destroyed", "已销毁", .frees_unique = true}, {NULL}};
static const register_transition media_transitions[] = {
    {"destroy", "销毁", "in_use", "destroyed", "destroy_witness,destroy_date"}, {NULL}};
static const register_unique media_uniques[] = {{"number"}, {NULL}};

static bool media_flag(const json_t *data, const char *state, int32_t today, char *buf, size_t size)
{
    int32_t due;
    const char *d = text_of(data, "next_check");
    if (strcmp(state, "in_use") != 0 || !xn_date_parse(d, strlen(d), &due) || due > today)
        return false;
    snprintf(buf, size, "介质 %s 应于 %s 检查", text_of(data, "number"), d);
    return true;
}

/* ---- 外包服务商 (LED-5) ------------------------------------------------------------------ */

static const register_field vendor_fields[] = {
    {.key = "name",
     .label = "单位名称",
     .type = RT_TEXT,
     .required = true,
     .list = true,
     .search = true},
    {.key = "service",
     .label = "服务内容",
     .type = RT_TEXT,
     .required = true,
     .list = true,
     .search = true},
    {.key = "qualification", .label = "资质", .type = RT_TEXT, .search = true},
    {.key = "qualification_expiry", .label = "资质有效期至", .type = RT_DATE, .list = true},
    {.key = "nda_date", .label = "保密协议签订日期", .type = RT_DATE, .required = true},
    {.key = "nda_file", .label = "保密协议扫描件", .type = RT_FILE},
    {.key = "contact", .label = "联系人", .type = RT_TEXT},
    {.key = "phone", .label = "联系电话", .type = RT_PHONE},
    {NULL},
};

/* ---- 互联网 IP 与域名备案 (LED-6) -------------------------------------------------------- */

static const register_option filing_kinds[] = {
    {"ip", "互联网 IP 地址"}, {"domain", "域名"}, {NULL, NULL}};
static const register_field filing_fields[] = {
    {.key = "kind",
     .label = "类别",
     .type = RT_ENUM,
     .required = true,
     .list = true,
     .options = filing_kinds},
    {.key = "address", .label = "IP 地址段", .type = RT_CIDR, .list = true, .search = true},
    {.key = "domain", .label = "域名", .type = RT_DOMAIN, .list = true, .search = true},
    {.key = "filing_no",
     .label = "备案号",
     .type = RT_TEXT,
     .required = true,
     .list = true,
     .search = true},
    {.key = "purpose", .label = "用途", .type = RT_TEXT},
    {.key = "changed_on", .label = "变更日期", .type = RT_DATE},
    {.key = "refile_by",
     .label = "应重新备案日期",
     .type = RT_DATE,
     .list = true,
     .computed = true,
     .help = "变更日期后 5 个工作日（按国务院节假日安排计算）"},
    {.key = "refile_estimated",
     .label = "期限为估算",
     .type = RT_ENUM,
     .computed = true,
     .options = yes_no,
     .help = "该年节假日安排尚未导入，按周一至周五估算"},
    {.key = "refiled_on", .label = "重新备案日期", .type = RT_DATE},
    {NULL},
};
static const register_unique filing_uniques[] = {{"filing_no"}, {NULL}};

static int filing_check(const register_def *d, const json_t *data, xn_error *err)
{
    (void)d;
    const char *kind = text_of(data, "kind");
    if (strcmp(kind, "ip") == 0 && !*text_of(data, "address"))
        return xn_fail_field(err, XN_EINVAL, "required", "address", "IP 地址备案须填写 IP 地址段");
    if (strcmp(kind, "domain") == 0 && !*text_of(data, "domain"))
        return xn_fail_field(err, XN_EINVAL, "required", "domain", "域名备案须填写域名");
    const char *dom = text_of(data, "domain");
    size_t n = strlen(dom);
    if (strcmp(kind, "domain") == 0 && (n < 7 || strcmp(dom + n - 7, ".gov.cn") != 0))
        return xn_fail_field(err, XN_EINVAL, "not_gov_cn", "domain",
                             "政府网站域名应为 .gov.cn 域名");
    return XN_OK;
}

/* LED-6: a change is filed again within 5 working days of it (the calendar room counts them) */
static int filing_derive(register_ctx *c, json_t *data, xn_error *err)
{
    const char *changed = text_of(data, "changed_on");
    char by[XN_DATE_STR] = "";
    bool estimated = false;
    if (*changed && register_workdays_after(c, changed, 5, by, &estimated, err) != XN_OK)
        return err->status;
    json_object_set_new(data, "refile_by", json_string(by));
    json_object_set_new(data, "refile_estimated",
                        json_string(*by ? (estimated ? "yes" : "no") : ""));
    return XN_OK;
}

static bool filing_flag(const json_t *data, const char *state, int32_t today, char *buf,
                        size_t size)
{
    (void)state;
    int32_t due;
    const char *d = text_of(data, "refile_by");
    if (*text_of(data, "refiled_on") || !xn_date_parse(d, strlen(d), &due) || due >= today)
        return false;
    snprintf(buf, size, "备案 %s 变更后逾期未重新备案（应于 %s 前）", text_of(data, "filing_no"),
             d);
    return true;
}

/* ---- 政务新媒体 (LED-7) ------------------------------------------------------------------ */

static const register_option platforms[] = {{"wechat", "微信公众号"}, {"weibo", "微博"},
                                            {"douyin", "抖音"},       {"toutiao", "今日头条"},
                                            {"other", "其他"},        {NULL, NULL}};
static const register_field new_media_fields[] = {
    {.key = "platform",
     .label = "平台",
     .type = RT_ENUM,
     .required = true,
     .list = true,
     .options = platforms},
    {.key = "account",
     .label = "账号名称",
     .type = RT_TEXT,
     .required = true,
     .list = true,
     .search = true},
    {.key = "unit", .label = "主办单位", .type = RT_DEPT, .required = true, .list = true},
    {.key = "keeper", .label = "管理员", .type = RT_PERSON, .required = true, .list = true},
    {.key = "opened_on", .label = "开设日期", .type = RT_DATE},
    {.key = "last_update", .label = "最近更新日期", .type = RT_DATE, .list = true},
    {NULL},
};
static const register_state new_media_states[] = {
    {"open", "运营中"}, {"closed", "已关停", .frees_unique = true}, {NULL}};
static const register_transition new_media_transitions[] = {
    {"close", "关停", "open", "closed", ""}, {"reopen", "恢复运营", "closed", "open", ""}, {NULL}};
/* LED-7: one account per unit per platform */
static const register_unique new_media_uniques[] = {{"platform,unit"}, {NULL}};

/* ---- 培训 (LED-8, ACC-2) ----------------------------------------------------------------- */

static const register_field training_fields[] = {
    {.key = "date", .label = "培训日期", .type = RT_DATE, .required = true, .list = true},
    {.key = "topic",
     .label = "培训主题",
     .type = RT_TEXT,
     .required = true,
     .list = true,
     .search = true},
    {.key = "trainer", .label = "授课人", .type = RT_TEXT, .required = true, .list = true},
    {.key = "attendees",
     .label = "参训人员",
     .type = RT_LONGTEXT,
     .required = true,
     .search = true,
     .help = "姓名，以顿号或逗号分隔"},
    {.key = "hours", .label = "学时", .type = RT_DECIMAL, .required = true, .list = true},
    {.key = "materials", .label = "培训材料", .type = RT_FILE},
    {NULL},
};

/* ---- 信息系统 (LED-9, ORG-2) ------------------------------------------------------------- */

static const register_option levels[] = {{"1", "第一级"}, {"2", "第二级"}, {"3", "第三级"},
                                         {"4", "第四级"}, {"5", "第五级"}, {NULL, NULL}};
static const register_field system_fields[] = {
    {.key = "name",
     .label = "系统名称",
     .type = RT_TEXT,
     .required = true,
     .list = true,
     .search = true},
    {.key = "level",
     .label = "等级保护级别",
     .type = RT_ENUM,
     .required = true,
     .list = true,
     .options = levels},
    {.key = "filing_no", .label = "备案编号", .type = RT_TEXT, .list = true, .search = true},
    {.key = "last_assessment", .label = "最近测评日期", .type = RT_DATE, .list = true},
    {.key = "go_live", .label = "上线日期", .type = RT_DATE},
    {.key = "owner", .label = "责任人", .type = RT_PERSON, .required = true, .list = true},
    {.key = "admin1", .label = "系统管理员（一）", .type = RT_PERSON},
    {.key = "admin2", .label = "系统管理员（二）", .type = RT_PERSON},
    {.key = "important", .label = "重要系统", .type = RT_ENUM, .options = yes_no},
    {NULL},
};
static const register_unique system_uniques[] = {{"name"}, {NULL}};

/* ORG-2: an important system has two administrators */
static bool system_flag(const json_t *data, const char *state, int32_t today, char *buf,
                        size_t size)
{
    (void)state;
    (void)today;
    bool important =
        strcmp(text_of(data, "level"), "2") >= 0 || strcmp(text_of(data, "important"), "yes") == 0;
    int admins = (*text_of(data, "admin1") != '\0') + (*text_of(data, "admin2") != '\0');
    if (!important || admins >= 2)
        return false;
    snprintf(buf, size, "重要系统「%s」的系统管理员不足两人", text_of(data, "name"));
    return true;
}

/* ---- 各类申请 (LED-10) ------------------------------------------------------------------- */

static const register_option request_kinds[] = {{"network", "网络接入（ZJ 第二十二条）"},
                                                {"software", "软件安装（ZJ 第二十五条）"},
                                                {"publication", "信息发布（ZJ 第三十二条）"},
                                                {NULL, NULL}};
static const register_field request_fields[] = {
    {.key = "kind",
     .label = "申请类别",
     .type = RT_ENUM,
     .required = true,
     .list = true,
     .options = request_kinds},
    {.key = "applicant", .label = "申请人", .type = RT_PERSON, .required = true, .list = true},
    {.key = "subject",
     .label = "申请事项",
     .type = RT_TEXT,
     .required = true,
     .list = true,
     .search = true},
    {.key = "detail", .label = "具体内容", .type = RT_LONGTEXT, .search = true},
    {.key = "approver", .label = "审批人", .type = RT_PERSON, .step = true, .list = true},
    {.key = "opinion", .label = "审批意见", .type = RT_LONGTEXT, .step = true},
    {NULL},
};
static const register_state request_states[] = {
    {"pending", "待审批"}, {"approved", "已批准"}, {"rejected", "不予批准"}, {NULL}};

static int request_decide_check(const register_def *d, const json_t *data, xn_error *err)
{
    (void)d;
    if (strcmp(text_of(data, "approver"), text_of(data, "applicant")) == 0)
        return xn_fail_field(err, XN_EINVAL, "own_request", "approver", "申请人不能审批本人的申请");
    return XN_OK;
}
static const register_transition request_transitions[] = {
    {"approve", "批准", "pending", "approved", "approver,opinion", request_decide_check},
    {"reject", "不予批准", "pending", "rejected", "approver,opinion", request_decide_check},
    {NULL},
};

/* ---- 安全产品 (LED-11) ------------------------------------------------------------------- */

static const register_field product_fields[] = {
    {.key = "name",
     .label = "产品名称",
     .type = RT_TEXT,
     .required = true,
     .list = true,
     .search = true},
    {.key = "vendor",
     .label = "生产厂商",
     .type = RT_TEXT,
     .required = true,
     .list = true,
     .search = true},
    {.key = "licence_no",
     .label = "销售许可证号",
     .type = RT_TEXT,
     .required = true,
     .list = true,
     .search = true},
    {.key = "licence_expiry",
     .label = "许可证有效期至",
     .type = RT_DATE,
     .required = true,
     .list = true},
    {.key = "location", .label = "部署位置", .type = RT_TEXT},
    {NULL},
};

static bool product_flag(const json_t *data, const char *state, int32_t today, char *buf,
                         size_t size)
{
    (void)state;
    int32_t until;
    const char *d = text_of(data, "licence_expiry");
    if (!xn_date_parse(d, strlen(d), &until) || until > today + 30)
        return false;
    snprintf(buf, size, "安全产品「%s」的销售许可证%s（%s）", text_of(data, "name"),
             until < today ? "已过期" : "将于 30 天内到期", d);
    return true;
}

/* ---- 责任书 (ORG-3) ---------------------------------------------------------------------- */

static const register_field letter_fields[] = {
    {.key = "position",
     .label = "岗位",
     .type = RT_TEXT,
     .required = true,
     .list = true,
     .search = true},
    {.key = "person", .label = "责任人", .type = RT_PERSON, .required = true, .list = true},
    {.key = "signed_on", .label = "签订日期", .type = RT_DATE, .required = true, .list = true},
    {.key = "signer", .label = "签发人", .type = RT_PERSON, .required = true, .list = true},
    {.key = "scan", .label = "扫描件", .type = RT_FILE},
    {NULL},
};

static const register_state active_states[] = {{"active", "有效"}, {NULL}};

const register_def register_defs[] = {
    {.key = "devices",
     .name = "设备台账",
     .reqs = "LED-1,LED-4",
     .read_perm = R_READ,
     .write_perm = R_ASSETS,
     .retention_days = 1825,
     .fields = device_fields,
     .states = device_states,
     .transitions = device_transitions,
     .uniques = device_uniques,
     .flag = device_flag},
    {.key = "visitors",
     .name = "计算机机房出入登记簿",
     .reqs = "LED-2",
     .read_perm = R_READ,
     .write_perm = R_ASSETS,
     .retention_days = 1095,
     .fields = visitor_fields,
     .states = visitor_states,
     .transitions = visitor_transitions,
     .flag = visitor_flag},
    {.key = "media",
     .name = "存储介质台账",
     .reqs = "LED-3,LED-4",
     .read_perm = R_READ,
     .write_perm = R_ASSETS,
     .retention_days = 1825,
     .fields = media_fields,
     .states = media_states,
     .transitions = media_transitions,
     .uniques = media_uniques,
     .flag = media_flag},
    {.key = "vendors",
     .name = "外包服务商台账",
     .reqs = "LED-5",
     .read_perm = R_READ,
     .write_perm = R_SECURITY,
     .retention_days = 1825,
     .fields = vendor_fields,
     .states = active_states},
    {.key = "filings",
     .name = "互联网 IP 与域名备案台账",
     .reqs = "LED-6",
     .read_perm = R_READ,
     .write_perm = R_NETWORK,
     .retention_days = 1825,
     .fields = filing_fields,
     .states = active_states,
     .uniques = filing_uniques,
     .check = filing_check,
     .derive = filing_derive,
     .flag = filing_flag},
    {.key = "new_media",
     .name = "政务新媒体账号台账",
     .reqs = "LED-7",
     .read_perm = R_READ,
     .write_perm = R_SECURITY,
     .retention_days = 1825,
     .fields = new_media_fields,
     .states = new_media_states,
     .transitions = new_media_transitions,
     .uniques = new_media_uniques},
    {.key = "trainings",
     .name = "安全培训台账",
     .reqs = "LED-8,ACC-2",
     .read_perm = R_READ,
     .write_perm = R_SECURITY,
     .retention_days = 1825,
     .fields = training_fields,
     .states = active_states},
    {.key = "systems",
     .name = "信息系统定级台账",
     .reqs = "LED-9,ORG-2",
     .read_perm = R_READ,
     .write_perm = R_NETWORK,
     .retention_days = 1825,
     .fields = system_fields,
     .states = active_states,
     .uniques = system_uniques,
     .flag = system_flag},
    {.key = "service_requests",
     .name = "网络接入、软件安装与信息发布申请",
     .reqs = "LED-10",
     .read_perm = R_READ,
     .write_perm = R_SECURITY,
     .retention_days = 1095,
     .fields = request_fields,
     .states = request_states,
     .transitions = request_transitions},
    {.key = "products",
     .name = "安全产品台账",
     .reqs = "LED-11",
     .read_perm = R_READ,
     .write_perm = R_SECURITY,
     .retention_days = 1825,
     .fields = product_fields,
     .states = active_states,
     .flag = product_flag},
    {.key = "letters",
     .name = "安全责任书",
     .reqs = "ORG-3",
     .read_perm = R_READ,
     .write_perm = R_SECURITY,
     .retention_days = 1825,
     .fields = letter_fields,
     .states = active_states},
};
const size_t register_defs_count = sizeof register_defs / sizeof register_defs[0];

const register_def *register_find(const char *key)
{
    for (size_t i = 0; key && i < register_defs_count; i++)
        if (strcmp(register_defs[i].key, key) == 0)
            return &register_defs[i];
    return NULL;
}

const register_field *register_field_find(const register_def *d, const char *key)
{
    for (const register_field *f = d->fields; key && f->key; f++)
        if (strcmp(f->key, key) == 0)
            return f;
    return NULL;
}

static bool state_known(const register_def *d, const char *key, size_t len)
{
    for (const register_state *s = d->states; s->key; s++)
        if (strlen(s->key) == len && strncmp(s->key, key, len) == 0)
            return true;
    return false;
}

/* Each item of a comma-separated list passes known(d, item, len). */
static bool all_known(const register_def *d, const char *list,
                      bool (*known)(const register_def *, const char *, size_t))
{
    for (const char *p = list; p && *p;) {
        size_t n = strcspn(p, ",");
        if (!known(d, p, n))
            return false;
        p += n + (p[n] == ',');
    }
    return true;
}

static bool field_known(const register_def *d, const char *key, size_t len)
{
    for (const register_field *f = d->fields; f->key; f++)
        if (strlen(f->key) == len && strncmp(f->key, key, len) == 0)
            return true;
    return false;
}

int register_def_check(const register_def *d, xn_error *err)
{
    if (!d->key || !d->name || !d->fields || !d->states || !d->states[0].key || !d->write_perm ||
        !d->read_perm)
        return xn_fail(err, XN_EINVAL, "bad_register", "register %s: incomplete definition",
                       d->key ? d->key : "?");
    for (const register_field *f = d->fields; f->key; f++) {
        if (!f->label)
            return xn_fail(err, XN_EINVAL, "bad_register", "%s.%s: no label", d->key, f->key);
        if (register_field_find(d, f->key) != f)
            return xn_fail(err, XN_EINVAL, "bad_register", "%s.%s: key twice", d->key, f->key);
        if (f->type == RT_ENUM && (!f->options || !f->options[0].value))
            return xn_fail(err, XN_EINVAL, "bad_register", "%s.%s: enum without options", d->key,
                           f->key);
        if (f->type == RT_REF && !register_find(f->ref))
            return xn_fail(err, XN_EINVAL, "bad_register", "%s.%s: unknown register %s", d->key,
                           f->key, f->ref ? f->ref : "(none)");
        if (f->required && f->step)
            return xn_fail(err, XN_EINVAL, "bad_register",
                           "%s.%s: a step field is never required "
                           "at creation",
                           d->key, f->key);
    }
    for (const register_transition *t = d->transitions; t && t->key; t++) {
        if (!all_known(d, t->from, state_known) || !state_known(d, t->to, strlen(t->to)))
            return xn_fail(err, XN_EINVAL, "bad_register",
                           "%s: transition %s between unknown "
                           "states",
                           d->key, t->key);
        if (!all_known(d, t->requires, field_known))
            return xn_fail(err, XN_EINVAL, "bad_register",
                           "%s: transition %s requires an unknown "
                           "field",
                           d->key, t->key);
    }
    for (const register_unique *u = d->uniques; u && u->fields; u++)
        if (!all_known(d, u->fields, field_known))
            return xn_fail(err, XN_EINVAL, "bad_register", "%s: unique over an unknown field",
                           d->key);
    return XN_OK;
}
