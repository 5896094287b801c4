/*
 * incident: security incidents run against their clocks (INC-1..4, MON-2, MON-10).
 *
 * Shape
 *   Kinds are a table (incident_kinds, kinds.c): the Chinese title, the procedure of HS 附件5 §3
 *   as a checklist, whether the site is affected by default, and which authorities get the
 *   24-hour report (INC-3). Clocks are a table too (incident_clocks): inform_leaders 10 min,
 *   on_site 30 min, site_restored 1 h (when the site is affected), report_authorities 24 h
 *   (when the kind needs it), each with the group told while it runs and the group it
 *   escalates to.
 *   An incident is a row with its clocks and its timeline; the timeline is only ever added to.
 *   Every change is audited in its own transaction, with its timeline entry and the
 *   notifications it raises (notify_raise: the outbox commits with the change).
 *
 * Clocks run on the rules' clock (auth_now: XINAN_TEST_CLOCK moves it) from the detection time.
 * A running clock is reminded once before its due time and escalates at it (job kind
 * incident.clocks, incident_clocks_tick): the escalation group is told, the timeline records
 * it, and the clock stays overdue until someone meets it. A leader may suspend a clock with a
 * written reason (force majeure, HS 附件5 §5) and resume it.
 *
 * Automatic incidents (the audit trail's failed verification today; the website watch and the
 * guard later) carry a cause: one open incident per cause, so a repeated alarm adds to the
 * open incident's timeline instead of opening another.
 */
#ifndef XINAN_INCIDENT_H
#define XINAN_INCIDENT_H

#include "audit/audit.h"
#include "auth/auth.h"
#include "base/base.h"
#include "files/files.h"
#include "jobs/jobs.h"
#include "notify/notify.h"
#include "store/store.h"

#define INCIDENT_MAX_TITLE 600   /* bytes (200 Chinese characters) */
#define INCIDENT_MAX_TEXT  65536 /* bytes of a note or a closing field */
#define INCIDENT_MAX_CAUSE 128   /* bytes of an automatic cause key */
#define INCIDENT_MAX_STEPS 12    /* checklist steps of a kind */
#define INCIDENT_PAST_DAYS 30    /* a detection time may lie this far back */
#define INCIDENT_KEEP_DAYS 180   /* INC-4: kept at least 6 months after closing */
#define INCIDENT_JOB       "incident.clocks"
#define INCIDENT_LEADERS   "领导小组" /* the group every escalation reaches */

typedef struct incident_kind {
    const char *key;   /* "defacement" */
    const char *title; /* "网页篡改 / 黑客攻击" */
    bool site_affected;
    const char *authorities; /* "公安、网信" when the 24-hour report applies, else NULL */
    const char *steps[INCIDENT_MAX_STEPS]; /* the procedure, ended by NULL */
} incident_kind;

extern const incident_kind incident_kinds[];
extern const size_t incident_kinds_count;
const incident_kind *incident_kind_find(const char *key);

typedef struct incident_clock_def {
    const char *key;   /* "inform_leaders" */
    const char *title; /* "10 分钟内报告主要领导、分管领导" */
    int minutes;
    const char *group; /* told at the start and reminded */
    const char *basis; /* the article it comes from */
} incident_clock_def;

extern const incident_clock_def incident_clocks[];
extern const size_t incident_clocks_count;

typedef struct incident_ctx incident_ctx;

typedef struct incident_options {
    store *db;
    audit_trail *trail;
    notify_ctx *notify;
    files_store *files;
    const auth_settings *auth; /* auth_now: the rules' clock */
} incident_options;

int incident_open_ctx(incident_ctx **out, const incident_options *opt, xn_error *err);
void incident_free(incident_ctx *c);
/* The runner, once it exists (the clocks' job is scheduled through it), and the job's period
 * in seconds: a run is never scheduled further ahead than that, the periodic run looks again
 * by then (under the test clock the period is a second, so a moved clock is seen). */
void incident_set_jobs(incident_ctx *c, jobs_runner *jobs, int64_t tick_s);

typedef struct incident_in {
    const char *kind;
    const char *title;
    int64_t detected_at; /* µs; 0: now */
    int site_affected;   /* -1: the kind's default */
    const char *note;    /* NULL: none */
    bool drill;          /* 演练: real clocks, never counted as a real incident */
    const char *cause;   /* automatic incidents: one open per cause; NULL by hand */
    const char *source;  /* "person", "audit", "monitor", "guard", "duty" */
} incident_in;

/*
 * Opens an incident with its clocks, tells the groups, records incident.open. With a cause
 * that already has an open incident, nothing new is opened: the alarm is added to that one's
 * timeline and *id is its id, *existing true. Errors name the field: bad_kind, bad_title,
 * bad_detected_at (in the future or more than INCIDENT_PAST_DAYS back), note_too_long.
 */
int incident_open(incident_ctx *c, const audit_actor *actor, const incident_in *in, int64_t *id,
                  bool *existing, xn_error *err);

/* The audit trail's failed verification (AUD-2) as an incident (cause "audit.verify"), opened
 * by the server; a repeated failure adds to the open one. */
int incident_audit_failed(incident_ctx *c, const char *trigger, xn_error *err);

/* Meets a running (or overdue) clock with a note: who and when. XN_ECONFLICT when met
 * already, XN_ENOTFOUND for a clock the incident does not have. */
int incident_clock_meet(incident_ctx *c, const audit_actor *actor, int64_t id, const char *key,
                        const char *note, xn_error *err);
/* A leader (incident.approve, checked by the caller) suspends a clock with a reason, or
 * resumes it (its due time moves on by the time it was suspended). */
int incident_clock_suspend(incident_ctx *c, const audit_actor *actor, int64_t id, const char *key,
                           const char *reason, xn_error *err);
int incident_clock_resume(incident_ctx *c, const audit_actor *actor, int64_t id, const char *key,
                          xn_error *err);

int incident_note(incident_ctx *c, const audit_actor *actor, int64_t id, const char *text,
                  xn_error *err);
/* A checklist step done (index into the kind's steps). */
int incident_step_done(incident_ctx *c, const audit_actor *actor, int64_t id, int step,
                       const char *note, xn_error *err);
/* An evidence file on the timeline; it must have passed the virus check (clean). */
int incident_attach(incident_ctx *c, const audit_actor *actor, int64_t id, int64_t file_id,
                    const char *note, xn_error *err);

typedef struct incident_close_in {
    const char *cause, *measures, *lessons, *prevention; /* all required but prevention */
} incident_close_in;

/* INC-4: the closing report; the incident waits for a leader's approval (state closing). */
int incident_close_request(incident_ctx *c, const audit_actor *actor, int64_t id,
                           const incident_close_in *in, xn_error *err);
/* A leader approves (closed) or sends the report back with a comment (open again). The one
 * who wrote the report does not approve it. */
int incident_close_decide(incident_ctx *c, const audit_actor *actor, int64_t id, bool approve,
                          const char *comment, xn_error *err);

/* {id, kind, kind_title, title, state, drill, site_affected, source, detected_at…, clocks:[{key,
 *  title, minutes, due_at, due_text, state: running|overdue|met|suspended, met_at, met_by,
 *  note, escalated_at, suspended_reason}], steps:[{index, text, done, done_at, done_by}],
 *  timeline:[{at, at_text, type, actor, clock, text, file_id, message_id, delivery}], close:{…}} */
int incident_json(incident_ctx *c, int64_t id, json_t **out, xn_error *err);
/* {"items":[{id, kind, kind_title, title, state, drill, detected_at, clocks:[…]}], "now"}:
 * state "open" (open and closing), "closed" or NULL for all, newest first, at most limit. */
int incident_list_json(incident_ctx *c, const char *state, int limit, json_t **out, xn_error *err);
/* The incident report (事件报告, INC-4) written to path: format "pdf" (the Chinese font
 * embedded) or "xlsx"; XN_EINVAL naming "format" for any other. */
int incident_report(incident_ctx *c, int64_t id, const char *format, const char *path,
                    xn_error *err);
/* The kinds and clocks as the UI shows them. */
json_t *incident_kinds_json(void);
/* Whether file_id is on the timeline of an incident or belongs to a plan or a drill (their
 * readers may download it). */
bool incident_has_file(incident_ctx *c, int64_t file_id);
/* The home page: the count of open incidents and of overdue clocks. */
int incident_summary_json(incident_ctx *c, json_t **out, xn_error *err);

/* ---- emergency plans and drills (INC-5, HS 附件5 §8) ------------------------------------- */

#define INCIDENT_MAX_PLAN_KINDS 16

typedef struct incident_plan_in {
    const char *title, *version, *scope;
    const char *kinds[INCIDENT_MAX_PLAN_KINDS]; /* incident kind keys it covers */
    size_t nkinds;
    int64_t file_id; /* the plan's document (0: none): one's own clean upload */
} incident_plan_in;

/* Registers a plan (incident.plan_create); a leader other than its author approves it. */
int incident_plan_create(incident_ctx *c, const audit_actor *actor, const incident_plan_in *in,
                         int64_t *id, xn_error *err);
int incident_plan_approve(incident_ctx *c, const audit_actor *actor, int64_t id, xn_error *err);
/* {"items":[{id, title, version, scope, kinds, file_id, created_by, created_at, approved_by,
 *  approved_at, last_drill_at, drills, drill_due}]}: drill_due while the plan has had no drill
 * in the last 365 days. */
int incident_plans_json(incident_ctx *c, json_t **out, xn_error *err);

typedef struct incident_drill_in {
    int64_t plan_id;
    int64_t held_at; /* µs, not in the future */
    const char *title;
    const char *command;      /* 指挥部: its members */
    const char *records;      /* 文字记录 */
    const char *analysis;     /* 结果分析 */
    const char *improvements; /* the plan's improvements (may be empty) */
    int64_t scheme_file_id, flow_file_id, record_file_id; /* 实施方案, 流程图, 图片记录 */
    int64_t incident_id; /* the rehearsal incident (drill = true) it ran, 0: none */
} incident_drill_in;

int incident_drill_create(incident_ctx *c, const audit_actor *actor, const incident_drill_in *in,
                          int64_t *id, xn_error *err);
/* {"items":[…]} of one plan (plan_id) or of all (0), newest first. */
int incident_drills_json(incident_ctx *c, int64_t plan_id, json_t **out, xn_error *err);

/* The job kind's work: reminders and escalations due on the rules' clock now_us, then the
 * next run scheduled at the next one when it falls within the period. */
int incident_clocks_tick(incident_ctx *c, int64_t now_us, json_t *summary, xn_error *err);

#endif
