/*
 * The workbench (工作台): what waits for the signed-in person, as cards. Each capability adds
 * its card as one entry of the provider table below (reviews, clocks, duties and flags come
 * with their rooms); a provider answers NULL when it has nothing for this person. A card is
 * {kind, title, count, link, items:[{title, link, at}]}; its items are the newest few.
 */
#include "http/http_internal.h"

#include <string.h>

#define CARD_ITEMS 5

typedef struct workbench_provider {
    const char *kind;
    const char *perm; /* needed to see the card; NULL: anyone signed in */
    /* Builds the card (*card NULL: nothing to show); an error leaves the other cards be. */
    int (*build)(http_req *req, json_t **card, xn_error *err);
} workbench_provider;

static json_t *card_new(const char *kind, const char *title, json_int_t count, const char *link)
{
    return json_pack("{s:s,s:s,s:I,s:s?,s:[]}", "kind", kind, "title", title, "count", count,
                     "link", link, "items");
}

/* Requests the person may decide now (auth_requests_json's may_decide). */
static int card_requests(http_req *req, json_t **card, xn_error *err)
{
    json_t *all = NULL;
    int rc = auth_requests_json(req->app->db, req->who, "pending", &all, err);
    if (rc != XN_OK)
        return rc;
    json_t *c = card_new("requests", "待我审批", 0, "/accounts/requests");
    json_t *items = json_object_get(c, "items");
    json_int_t n = 0;
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(all, "items"), i, r)
    {
        if (!json_is_true(json_object_get(r, "may_decide")))
            continue;
        if (n++ >= CARD_ITEMS)
            continue;
        const char *kind = json_string_value(json_object_get(r, "kind"));
        const char *who = json_string_value(json_object_get(r, "target_name"));
        const char *account = json_string_value(json_object_get(r, "target_account"));
        json_t *app = json_object_get(r, "application");
        if (json_is_object(app)) {
            who = json_string_value(json_object_get(app, "real_name"));
            account = json_string_value(json_object_get(app, "account"));
        }
        const char *kind_name = audit_label("request_kind", kind ? kind : "");
        char title[512];
        snprintf(title, sizeof title, "%s：%s (%s)%s%s", kind_name ? kind_name : kind,
                 who ? who : "", account ? account : "",
                 *json_string_value(json_object_get(r, "role_name")) ? " — " : "",
                 json_string_value(json_object_get(r, "role_name")));
        json_array_append_new(items, json_pack("{s:s,s:s,s:O}", "title", title, "link",
                                               "/accounts/requests", "at",
                                               json_object_get(r, "created_at")));
    }
    json_object_set_new(c, "count", json_integer(n));
    json_decref(all);
    *card = c;
    return XN_OK;
}

/* One's unread notifications (the bell's). */
static int card_notifications(http_req *req, json_t **card, xn_error *err)
{
    json_t *all = NULL;
    int rc = auth_notifications_json(req->app->db, req->who->user_id, &all, err);
    if (rc != XN_OK)
        return rc;
    json_t *c = card_new("notifications", "我的通知",
                         json_integer_value(json_object_get(all, "unread")), NULL);
    json_t *items = json_object_get(c, "items");
    size_t i;
    json_t *n;
    json_array_foreach(json_object_get(all, "items"), i, n)
    {
        if (json_array_size(items) >= CARD_ITEMS)
            break;
        if (!json_is_null(json_object_get(n, "read_at")))
            continue;
        json_array_append_new(
            items, json_pack("{s:O,s:O,s:O}", "title", json_object_get(n, "title"), "body",
                             json_object_get(n, "body"), "at", json_object_get(n, "at")));
    }
    json_decref(all);
    *card = c;
    return XN_OK;
}

/* The server's state, for the administrators: the page reads it from `source`. The public
 * /api/health carries no paths; the details for the system administrator come from an
 * administrators' status route once it exists — point `source` there. */
static int card_status(http_req *req, json_t **card, xn_error *err)
{
    (void)err;
    if (!req->who->admin) {
        *card = NULL;
        return XN_OK;
    }
    json_t *c = card_new("status", "服务器状态", 0, NULL);
    json_object_set_new(c, "source", json_string("/api/health"));
    *card = c;
    return XN_OK;
}

/* INC-2: the incidents still open, the ones with an overdue clock first. Nothing while none
 * is open. */
static int card_incidents(http_req *req, json_t **card, xn_error *err)
{
    json_t *all = NULL;
    int rc = incident_list_json(req->app->incidents, "open", 200, &all, err);
    if (rc != XN_OK)
        return rc;
    json_t *list = json_object_get(all, "items");
    *card = NULL;
    if (json_array_size(list)) {
        json_t *c = card_new("incidents", "进行中的安全事件", (json_int_t)json_array_size(list),
                             "/incidents");
        json_t *items = json_object_get(c, "items");
        for (int pass = 0; pass < 2; pass++) {
            size_t i;
            json_t *inc;
            json_array_foreach(list, i, inc)
            {
                bool overdue = false;
                json_t *clocks = json_object_get(inc, "clocks");
                for (size_t j = 0; j < json_array_size(clocks); j++)
                    overdue = overdue || strcmp(json_string_value(json_object_get(
                                                    json_array_get(clocks, j), "state")),
                                                "overdue") == 0;
                if (overdue != (pass == 0) || json_array_size(items) >= CARD_ITEMS)
                    continue;
                char title[800], link[48];
                snprintf(title, sizeof title, "%s%s%s", overdue ? "【超时】" : "",
                         json_is_true(json_object_get(inc, "drill")) ? "【演练】" : "",
                         json_string_value(json_object_get(inc, "title")));
                snprintf(link, sizeof link, "/incidents/%lld",
                         (long long)json_integer_value(json_object_get(inc, "id")));
                json_array_append_new(items,
                                      json_pack("{s:s,s:s,s:O}", "title", title, "link", link, "at",
                                                json_object_get(inc, "detected_at")));
            }
        }
        *card = c;
    }
    json_decref(all);
    return XN_OK;
}

/* INC-5: plans with no drill in the last year (each needs one a year). */
static int card_drills(http_req *req, json_t **card, xn_error *err)
{
    json_t *all = NULL;
    int rc = incident_plans_json(req->app->incidents, &all, err);
    if (rc != XN_OK)
        return rc;
    json_t *c = card_new("drills", "应急预案待演练", 0, "/incidents/plans");
    json_t *items = json_object_get(c, "items");
    json_int_t n = 0;
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(all, "items"), i, p)
    {
        if (!json_is_true(json_object_get(p, "drill_due")))
            continue;
        if (n++ < CARD_ITEMS)
            json_array_append_new(
                items, json_pack("{s:O,s:s,s:O}", "title", json_object_get(p, "title"), "link",
                                 "/incidents/plans", "at", json_object_get(p, "last_drill_at")));
    }
    json_object_set_new(c, "count", json_integer(n));
    json_decref(all);
    if (n == 0) {
        json_decref(c);
        c = NULL;
    }
    *card = c;
    return XN_OK;
}

/* LED-1..11, ORG-2: what the registers flag today (devices lent and not returned, re-filings
 * overdue, media checks due, licences expiring, systems without two administrators …). */
static int card_registers(http_req *req, json_t **card, xn_error *err)
{
    json_t *all = NULL;
    int rc = register_flags_json(req->app->registers, req->who, &all, err);
    if (rc != XN_OK)
        return rc;
    json_t *list = json_object_get(all, "items");
    *card = NULL;
    if (json_array_size(list)) {
        json_t *c =
            card_new("registers", "台账提醒", (json_int_t)json_array_size(list), "/ledgers");
        json_t *items = json_object_get(c, "items");
        for (size_t i = 0; i < json_array_size(list) && i < CARD_ITEMS; i++) {
            json_t *f = json_array_get(list, i);
            char link[64];
            snprintf(link, sizeof link, "/ledgers?r=%s",
                     json_string_value(json_object_get(f, "register")));
            json_array_append_new(items, json_pack("{s:O,s:s,s:n}", "title",
                                                   json_object_get(f, "flag"), "link", link, "at"));
        }
        *card = c;
    }
    json_decref(all);
    return XN_OK;
}

/* The table later capabilities extend, in the order the cards are shown. */
static const workbench_provider providers[] = {
    {"incidents", "incident.read", card_incidents}, {"drills", "incident.handle", card_drills},
    {"registers", "register.read", card_registers}, {"requests", NULL, card_requests},
    {"notifications", NULL, card_notifications},    {"status", NULL, card_status},
};

int http_h_workbench(http_req *req, http_resp *resp)
{
    json_t *cards = json_array();
    for (size_t i = 0; i < sizeof providers / sizeof providers[0]; i++) {
        const workbench_provider *p = &providers[i];
        if (p->perm && !auth_can(req->who, p->perm))
            continue;
        json_t *card = NULL;
        xn_error err;
        if (p->build(req, &card, &err) != XN_OK) {
            /* one failing card says so; the others still show */
            card =
                json_pack("{s:s,s:s,s:s}", "kind", p->kind, "title", p->kind, "error", err.message);
        }
        if (card)
            json_array_append_new(cards, card);
    }
    return http_json(resp, 200, json_pack("{s:o}", "cards", cards));
}
