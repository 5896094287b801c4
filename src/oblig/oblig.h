/*
 * oblig: what an inspector reads (RPT). The requirement catalogue (data/requirements/catalogue.md,
 * every id with its text and source article) is data inside xinan; each id has a status from
 * the live state of the other rooms:
 *   met (符合), not_met (不符合, with the reason), not_applicable (不适用, with a written reason by
 *   the security administrator), no_evidence (缺少证据),
 * and the evidence behind it. Automatic checks are a table (checks.c): an id, the control that
 * implements it and a function that reads the state (the policy in force, the last verification
 * of the audit trail, the registers and their flags, incidents and drills, published items and
 * their forms …). Ids without an automatic check are met by evidence the security
 * administrator attaches (a clean file and a written note), or declared not applicable.
 * The report is exported as PDF and xlsx (doc/) from the same data as the API.
 *
 * This room reads the other rooms' tables and writes only its own (compliance_decision).
 */
#ifndef XINAN_OBLIG_H
#define XINAN_OBLIG_H

#include "audit/audit.h"
#include "auth/auth.h"
#include "base/base.h"
#include "calendar/calendar.h"
#include "files/files.h"
#include "incident/incident.h"
#include "jobs/jobs.h"
#include "lexicon/lexicon.h"
#include "notify/notify.h"
#include "register/register.h"
#include "store/store.h"

#define OBLIG_MAX_REASON 4000 /* bytes of a written reason */
#define OBLIG_MAX_ITEMS  400  /* ids in a catalogue */

/* The catalogue as built into the binary (scripts/gen-requirements.sh). */
extern const char oblig_catalogue_text[];
extern const size_t oblig_catalogue_len;

typedef struct oblig_requirement {
    char id[16];      /* "ACC-8" */
    char area[8];     /* "ACC" */
    char *area_title; /* "accounts, passwords, privileges" */
    char *text;       /* the requirement with its sources */
} oblig_requirement;

typedef struct oblig_catalogue {
    oblig_requirement *items;
    size_t count;
} oblig_catalogue;

/* Parses the catalogue's markdown: areas from "## TAG — title", requirements from "- TAG-N text".
 * XN_EINVAL on a duplicate id or none at all. */
int oblig_catalogue_parse(const char *text, size_t len, oblig_catalogue *out, xn_error *err);
void oblig_catalogue_free(oblig_catalogue *c);

typedef struct oblig_ctx oblig_ctx;

typedef struct oblig_options {
    store *db;
    audit_trail *trail;
    files_store *files;
    lexicon_live *lexicons;
    register_ctx *registers;   /* the registers and their flags */
    calendar_live *calendar;   /* due dates on working days */
    notify_ctx *notify;        /* reminders and the missing check-in */
    incident_ctx *incidents;   /* an anomaly found on duty opens one */
    const auth_settings *auth; /* the rules' clock */
    const xn_config *cfg;      /* retention and the virus check as configured */
    const char *catalogue;     /* the catalogue's text */
    size_t catalogue_len;
    const jobs_kind *job_kinds; /* the server's job kinds: a duty's "job:<kind>" evidence */
    size_t njob_kinds;
} oblig_options;

int oblig_open(oblig_ctx **out, const oblig_options *opt, xn_error *err);
void oblig_free(oblig_ctx *o);

/* {generated_at, generated_text, summary:{met, not_met, not_applicable, no_evidence, total},
 *  items:[{id, area, area_title, text, status, status_text, reason?, control?, automatic,
 *  evidence:[{kind, text, at?, file_id?}], decision?:{status, reason, by, at}}]} */
int oblig_compliance_json(oblig_ctx *o, json_t **out, xn_error *err);

/* The security administrator's decision on an id: "not_applicable" (a reason required),
 * "met" with a written note and an evidence file that passed the virus check (only for an id
 * without an automatic check), or NULL to withdraw the decision. Audited. */
int oblig_decide(oblig_ctx *o, const audit_actor *actor, const char *id, const char *status,
                 const char *reason, int64_t file_id, xn_error *err);

/* ---- periodic duties (OBL) --------------------------------------------------------------- */

/* A duty as shipped: its rule ("daily", "weekly", "monthly", "quarterly", "half_yearly",
 * "yearly", or "days" every N), the role that owns it and the evidence that fulfils it: "file"
 * (attached by the owner) or one xinan holds itself ("account_review", "drill", "training",
 * "verification"). The security administrator may give a duty to a named person instead of a
 * role: its owner is then "user:<id>" wherever an owner is read or written. */
typedef struct oblig_duty {
    const char *key, *title, *reqs, *rule;
    int every;
    const char *owner, *evidence;
} oblig_duty;

extern const oblig_duty oblig_duties[];
extern const size_t oblig_duties_count;

bool oblig_rule_valid(const char *rule, int every);
/* The period of rule holding day: [start, end) and its key ("2026-12", "2026-Q4", "W2026-11-30").
 */
void oblig_period(const char *rule, int every, int32_t day, int32_t *start, int32_t *end,
                  char key[24]);
/* Adds the shipped duties the database does not hold yet. */
int oblig_duties_seed(oblig_ctx *o, xn_error *err);
/* {today, items:[{id, key, title, reqs, rule, rule_text, owner, owner_kind role|person,
 *  owner_name, evidence_kind,
 *  period, period_start, period_end, due_date, state upcoming|due|done|overdue, evidence:[…],
 *  mine}]}: each duty's current period, and the period before while it is overdue. */
int oblig_obligations_json(oblig_ctx *o, const auth_principal *who, const char *state, json_t **out,
                           xn_error *err);
/* The job oblig.remind: a duty come due tells its owners (the role's holders, or the person),
 * in-app, once a period; an overdue one tells them again and the leaders (领导小组), once. */
int oblig_remind_job(oblig_ctx *o, json_t *summary, xn_error *err);
/* A duty of the unit's own, serving the requirement ids reqs ("BAK-1,BAK-2", each in the
 * catalogue); audited. evidence (NULL: "file") is what fulfils a period, checked by
 * oblig_evidence_valid: "file" (attached by the owner), "account_review", "drill", "training",
 * "verification" (found in what xinan records), "register:<key>" (a row of that register
 * entered or changed in the period) or "job:<kind>" (a successful run in the period of a job
 * kind whose every run is kept, see oblig_job_kinds_json). owner: a role code or "user:<id>"
 * of an active account. */
bool oblig_evidence_valid(const oblig_ctx *o, const char *evidence);
/* {items:[{name, title, period_s}]}: the job kinds whose runs can evidence a duty. */
json_t *oblig_job_kinds_json(const oblig_ctx *o);
int oblig_duty_add(oblig_ctx *o, const audit_actor *actor, const char *title, const char *reqs,
                   const char *rule, int every, const char *owner, const char *evidence,
                   int64_t *id, xn_error *err);
/* The security administrator changes a duty: its owner (a role code or "user:<id>"), its rule and
 * interval (checked by oblig_rule_valid), whether it applies (enabled 0/1, -1 unchanged).
 * NULL / 0 leave a field as it is. Audited. */
int oblig_duty_update(oblig_ctx *o, const audit_actor *actor, int64_t id, const char *owner,
                      const char *rule, int every, int enabled, xn_error *err);
/* Evidence for a duty's current period (or the overdue one before, naming its key): a clean
 * file and a note, by its owner (a holder of the role, or the person) or the security
 * administrator. Audited. */
int oblig_evidence_add(oblig_ctx *o, const auth_principal *who, int64_t id, const char *period,
                       int64_t file_id, const char *note, xn_error *err);

/* ---- inspections, assessments and rectification (RSK-1, RSK-2) ------------------------- */

/* A checklist of the chosen requirement ids (nids 0: the whole catalogue); kind "self",
 * "risk_internal" or "risk_external". */
int oblig_inspection_start(oblig_ctx *o, const audit_actor *actor, const char *kind,
                           const char *title, const char *const *ids, size_t nids, int64_t *id,
                           xn_error *err);
/* An item's finding: "ok", "issue" or "na" (a note required but for ok). */
int oblig_inspection_finding(oblig_ctx *o, const audit_actor *actor, int64_t id, const char *req,
                             const char *finding, const char *note, xn_error *err);
/* An issue's rectification: an owner and a deadline of `days` working days; the owner is told. */
int oblig_rectification_create(oblig_ctx *o, const audit_actor *actor, int64_t inspection,
                               const char *req, const char *description, int64_t owner, int days,
                               int64_t *id, xn_error *err);
/* The owner reports it done (a note, optionally a clean evidence file). */
int oblig_rectification_done(oblig_ctx *o, const audit_actor *actor, int64_t id, const char *note,
                             int64_t file_id, xn_error *err);
/* Someone other than the owner verifies it, or sends it back (a note). */
int oblig_rectification_verify(oblig_ctx *o, const audit_actor *actor, int64_t id, bool approve,
                               const char *note, xn_error *err);
/* {"items":[…]}, or with id one inspection with its checklist and rectifications. */
int oblig_inspections_json(oblig_ctx *o, int64_t id, json_t **out, xn_error *err);
int oblig_rectifications_json(oblig_ctx *o, const char *state, json_t **out, xn_error *err);

/* ---- notices (RSK-3, ZJ 41) --------------------------------------------------------------- */

/* A notice of a risk, vulnerability or incident ("risk", "vulnerability", "incident") to a
 * recipient group: its people then are the recipients, told through the notifications. */
int oblig_notice_send(oblig_ctx *o, const audit_actor *actor, const char *kind, const char *title,
                      const char *body, const char *group, int64_t *id, xn_error *err);
/* A recipient marks it read (the read receipt, audited once). XN_ENOTFOUND for anyone else. */
int oblig_notice_read(oblig_ctx *o, const audit_actor *actor, int64_t id, xn_error *err);
/* {"items":[{id, kind, title, body, group, created_by, created_at, recipients, read, mine,
 *  read_at}]}: all notices (all) or the viewer's own. */
int oblig_notices_json(oblig_ctx *o, int64_t viewer, bool all, json_t **out, xn_error *err);

/* ---- the duty roster (MON-2, ORG-4, HS 附件3) ---------------------------------------------- */

/* {month, days:[{date, weekday, holiday, needs_leader, key_date?, on_duty:{id, name, phone}|null,
 *  leader, checkins:[{at, read, columns:[{id, name}], anomaly, incident_id}],
 *  handover:{at, by, note}|null}], gaps, without_leader, last_handover:{date, at, by, note}|null
 *  (the newest before today)}; month
 * "YYYY-MM". */
int oblig_roster_json(oblig_ctx *o, const char *month, json_t **out, xn_error *err);
/* Plans a day (today or later): a 值班员 on duty, and a leader (领导) — required on holidays and
 * key dates. One person a day: planning a day again replaces its person. Audited. */
int oblig_roster_set(oblig_ctx *o, const audit_actor *actor, const char *date, int64_t user,
                     int64_t leader, xn_error *err);
int oblig_key_date_set(oblig_ctx *o, const audit_actor *actor, const char *date, const char *name,
                       xn_error *err);
/* Today's person on duty checks in: what was read (and which of the website's columns: ids of
 * publishing columns, or NULL), any anomaly; open_incident opens an incident of the anomaly at
 * once (*incident_id). XN_EDENIED for anyone not on duty today; a column that does not exist is
 * XN_EINVAL (field "columns") before anything is stored. */
int oblig_checkin(oblig_ctx *o, const audit_actor *actor, const char *read, const json_t *columns,
                  const char *anomaly, bool open_incident, int64_t *incident_id, xn_error *err);
/* Today's person on duty hands over (交接班), once checked in: what is pending for the next
 * one. One a day (XN_ECONFLICT the second time); audited. The roster shows it on its day and,
 * as last_handover, to whoever is on duty after. */
int oblig_handover(oblig_ctx *o, const audit_actor *actor, const char *note, xn_error *err);
/* The website's columns, for the check-in: {"items":[{id, name}]}. */
int oblig_duty_columns_json(oblig_ctx *o, json_t **out, xn_error *err);
/* A swap: the day's person on duty asks another 值班员 to take the day (a reason); a leader
 * who is neither of them approves (the roster changes) or refuses. Audited. */
int oblig_swap_ask(oblig_ctx *o, const audit_actor *actor, const char *date, int64_t to_user,
                   const char *reason, int64_t *id, xn_error *err);
int oblig_swap_decide(oblig_ctx *o, const audit_actor *actor, int64_t id, bool approve,
                      xn_error *err);
int oblig_swaps_json(oblig_ctx *o, json_t **out, xn_error *err);
/* The job duty.watch: a day whose person has not checked in an hour after the shift starts
 * (08:30) tells the leaders, once. */
int oblig_duty_watch(oblig_ctx *o, json_t *summary, xn_error *err);

/* The report as "pdf" or "xlsx" written to path (cover: unit, period, who made it). */
int oblig_report(oblig_ctx *o, const char *format, const char *made_by, const char *path,
                 xn_error *err);

#endif
