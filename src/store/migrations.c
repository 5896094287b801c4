/*
 * The numbered schema migrations, applied forward in order at start. Each room owns its
 * tables; their steps are listed here because the numbering is one line for the whole
 * database. A step never changes once released: later changes are new steps.
 */
#include "store/store.h"

static const store_migration migrations[] = {
    {
        .version = 1,
        .name = "instance and settings",
        /* instance: one row naming this installation; settings: values changed at run time
         * (the file configuration stays in xinan.conf). */
        .sql = "CREATE TABLE instance ("
               " id INTEGER PRIMARY KEY CHECK (id = 1),"
               " instance_id TEXT NOT NULL,"
               " created_at INTEGER NOT NULL,"
               " created_by_version TEXT NOT NULL);"
               "CREATE TABLE settings ("
               " key TEXT PRIMARY KEY,"
               " value TEXT NOT NULL,"
               " updated_at INTEGER NOT NULL);",
    },
    {
        .version = 2,
        .name = "audit trail",
        /* audit_log: the chained records (AUD-1, AUD-2). hash = H(prev_hash ‖ record) links
         * the chain; seal = MAC(epoch key, hash) is forward-secure. audit_epoch_state: the
         * current epoch and its key (the previous key is overwritten when the epoch closes).
         * audit_checkpoint: sealed epoch ends and retention purges. The triggers refuse
         * changes made around the program: records never change, and leave only through the
         * retention purge, never younger than 180 days (AUD-3). */
        .sql = "CREATE TABLE audit_log ("
               " seq INTEGER PRIMARY KEY,"
               " epoch INTEGER NOT NULL,"
               " alg TEXT NOT NULL,"
               " at INTEGER NOT NULL,"
               " actor_kind TEXT NOT NULL,"
               " actor_id INTEGER NOT NULL,"
               " actor_name TEXT NOT NULL,"
               " source TEXT,"
               " session TEXT,"
               " action TEXT NOT NULL,"
               " object_type TEXT,"
               " object_id TEXT,"
               " result TEXT NOT NULL,"
               " detail TEXT,"
               " prev_hash BLOB NOT NULL,"
               " hash BLOB NOT NULL,"
               " seal BLOB NOT NULL);"
               "CREATE INDEX audit_log_at ON audit_log (at);"
               "CREATE TABLE audit_epoch_state ("
               " id INTEGER PRIMARY KEY CHECK (id = 1),"
               " epoch INTEGER NOT NULL,"
               " alg TEXT NOT NULL,"
               " key BLOB NOT NULL,"
               " started_at INTEGER NOT NULL,"
               " first_seq INTEGER NOT NULL);"
               "CREATE TABLE audit_checkpoint ("
               " id INTEGER PRIMARY KEY,"
               " kind TEXT NOT NULL CHECK (kind IN ('epoch', 'purge')),"
               " epoch INTEGER NOT NULL,"
               " alg TEXT NOT NULL,"
               " first_seq INTEGER NOT NULL,"
               " last_seq INTEGER NOT NULL,"
               " hash BLOB NOT NULL,"
               " started_at INTEGER NOT NULL,"
               " ended_at INTEGER NOT NULL,"
               " seal BLOB NOT NULL);"
               "CREATE TABLE audit_purge_gate ("
               " id INTEGER PRIMARY KEY CHECK (id = 1),"
               " open INTEGER NOT NULL);"
               "INSERT INTO audit_purge_gate VALUES (1, 0);"
               "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN"
               " SELECT RAISE(ABORT, 'audit records cannot be changed'); END;"
               "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log"
               " WHEN (SELECT open FROM audit_purge_gate WHERE id = 1) IS NOT 1"
               " OR old.at > (julianday('now') - 2440587.5) * 86400000000.0 - 15552000000000.0"
               " BEGIN SELECT RAISE(ABORT, 'audit records leave only through the retention "
               "purge'); END;"
               "CREATE TRIGGER audit_checkpoint_no_update BEFORE UPDATE ON audit_checkpoint"
               " BEGIN SELECT RAISE(ABORT, 'audit checkpoints cannot be changed'); END;"
               "CREATE TRIGGER audit_checkpoint_no_delete BEFORE DELETE ON audit_checkpoint"
               " BEGIN SELECT RAISE(ABORT, 'audit checkpoints cannot be removed'); END;"
               "CREATE TRIGGER audit_state_no_delete BEFORE DELETE ON audit_epoch_state"
               " BEGIN SELECT RAISE(ABORT, 'the audit epoch cannot be removed'); END;",
    },
    {
        .version = 3,
        .name = "syslog log store",
        /* AUD-5: the log store's fixed tables. Messages live in one table per Asia/Shanghai
         * day (syslog_YYYYMMDD, made by the receiver on demand); syslog_day lists them so that
         * retention (AUD-3) drops whole days. syslog_source holds every sender seen or
         * registered; first_seen/last_seen are NULL for a registered device not yet heard. */
        .sql = "CREATE TABLE syslog_day ("
               " day INTEGER PRIMARY KEY,"
               " created_at INTEGER NOT NULL);"
               "CREATE TABLE syslog_source ("
               " address TEXT PRIMARY KEY,"
               " name TEXT,"
               " registered INTEGER NOT NULL DEFAULT 0,"
               " registered_at INTEGER,"
               " first_seen INTEGER,"
               " last_seen INTEGER,"
               " count INTEGER NOT NULL DEFAULT 0);",
    },
    {
        .version = 4,
        .name = "audit trail search",
        /* audit_fts: a trigram full-text index over audit_log's text columns (AUD-4), with
         * external content so the trail itself stays as it is. It is filled by a background
         * step, not by a trigger: the connections run with trusted_schema=OFF, which forbids
         * FTS5 inside triggers. audit_fts_state.last_seq: the last record indexed. The purge
         * removes indexed records from audit_fts before it deletes them. No further index on
         * audit_log: each one slows every append (an (actor_name, seq) index measured 15 %
         * off batched append). SQLite only for now: PostgreSQL will take a
         * pg_trgm GIN index in its variant. */
        .sql = "CREATE VIRTUAL TABLE audit_fts USING fts5("
               " actor_name, action, object_type, object_id, detail, source,"
               " content='audit_log', content_rowid='seq', tokenize='trigram');"
               "CREATE TABLE audit_fts_state ("
               " id INTEGER PRIMARY KEY CHECK (id = 1),"
               " last_seq INTEGER NOT NULL);"
               "INSERT INTO audit_fts_state VALUES (1, 0);",
    },
    {
        .version = 5,
        .name = "accounts, roles and sessions",
        /* ACC-1..18, ORG-1. org_unit: units and departments as a tree. app_user: one account
         * per named person. role/role_permission/user_role: permissions are room.action
         * strings, roles sets of them (the built-in ones are seeded here). password_history
         * keeps hashes only. session: tokens stored as hashes. login_failure: the window for
         * lockout and per-source limits. access_request: applications, privilege increases
         * and resets that a second person decides (four-eyes). */
        .sql =
            "CREATE TABLE org_unit ("
            " id INTEGER PRIMARY KEY,"
            " parent_id INTEGER REFERENCES org_unit (id),"
            " name TEXT NOT NULL,"
            " kind TEXT NOT NULL CHECK (kind IN ('unit', 'department')));"
            "INSERT INTO org_unit (id, parent_id, name, kind) VALUES (1, NULL, '本单位', 'unit');"
            "CREATE TABLE app_user ("
            " id INTEGER PRIMARY KEY,"
            " account TEXT NOT NULL UNIQUE,"
            " real_name TEXT NOT NULL,"
            " unit_id INTEGER NOT NULL REFERENCES org_unit (id),"
            " department TEXT NOT NULL DEFAULT '',"
            " phone TEXT NOT NULL DEFAULT '',"
            " positions TEXT NOT NULL DEFAULT '',"
            " staff_type TEXT NOT NULL CHECK (staff_type IN ('staff', 'outsourced')),"
            " supervisor_id INTEGER REFERENCES app_user (id),"
            " status TEXT NOT NULL CHECK (status IN"
            "  ('pending', 'active', 'locked', 'disabled', 'left')),"
            " password_hash TEXT,"
            " password_changed_at INTEGER,"
            " must_change INTEGER NOT NULL DEFAULT 1,"
            " change_deadline INTEGER,"
            " totp_secret BLOB,"
            " totp_last_step INTEGER NOT NULL DEFAULT 0,"
            " locked_until INTEGER NOT NULL DEFAULT 0,"
            " created_at INTEGER NOT NULL,"
            " last_login_at INTEGER);"
            "CREATE TABLE password_history ("
            " user_id INTEGER NOT NULL REFERENCES app_user (id),"
            " hash TEXT NOT NULL,"
            " set_at INTEGER NOT NULL);"
            "CREATE INDEX password_history_user ON password_history (user_id, set_at);"
            "CREATE TABLE role ("
            " id INTEGER PRIMARY KEY,"
            " code TEXT NOT NULL UNIQUE,"
            " name TEXT NOT NULL,"
            " admin INTEGER NOT NULL DEFAULT 0,"
            " reviewer INTEGER NOT NULL DEFAULT 0);"
            "CREATE TABLE role_permission ("
            " role_id INTEGER NOT NULL REFERENCES role (id),"
            " permission TEXT NOT NULL,"
            " PRIMARY KEY (role_id, permission));"
            "CREATE TABLE user_role ("
            " user_id INTEGER NOT NULL REFERENCES app_user (id),"
            " role_id INTEGER NOT NULL REFERENCES role (id),"
            " granted_by INTEGER,"
            " granted_at INTEGER NOT NULL,"
            " PRIMARY KEY (user_id, role_id));"
            "CREATE TABLE session ("
            " id TEXT PRIMARY KEY,"
            " token_hash BLOB NOT NULL UNIQUE,"
            " user_id INTEGER NOT NULL REFERENCES app_user (id),"
            " csrf TEXT NOT NULL,"
            " created_at INTEGER NOT NULL,"
            " last_seen_at INTEGER NOT NULL,"
            " source TEXT,"
            " user_agent TEXT,"
            " mfa_done INTEGER NOT NULL DEFAULT 0,"
            " ended_at INTEGER,"
            " ended_reason TEXT);"
            "CREATE INDEX session_user ON session (user_id);"
            "CREATE TABLE login_failure ("
            " account TEXT NOT NULL,"
            " source TEXT NOT NULL,"
            " at INTEGER NOT NULL);"
            "CREATE INDEX login_failure_account ON login_failure (account, at);"
            "CREATE INDEX login_failure_source ON login_failure (source, at);"
            "CREATE TABLE access_request ("
            " id INTEGER PRIMARY KEY,"
            " kind TEXT NOT NULL CHECK (kind IN ('account', 'role_grant', 'reset')),"
            " requested_by INTEGER NOT NULL REFERENCES app_user (id),"
            " target_user_id INTEGER REFERENCES app_user (id),"
            " role_id INTEGER REFERENCES role (id),"
            " payload TEXT,"
            " reason TEXT NOT NULL DEFAULT '',"
            " status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),"
            " decided_by INTEGER REFERENCES app_user (id),"
            " decided_at INTEGER,"
            " comment TEXT,"
            " created_at INTEGER NOT NULL);"
            "INSERT INTO role (id, code, name, admin, reviewer) VALUES"
            " (1, 'sysadmin', '系统管理员', 1, 0), (2, 'secadmin', '安全管理员', 1, 0),"
            " (3, 'auditor', '审计管理员', 1, 0), (4, 'editor', '信息员', 0, 0),"
            " (5, 'reviewer1', '一级审核', 0, 1), (6, 'reviewer2', '二级审核', 0, 1),"
            " (7, 'reviewer3', '三级审核', 0, 1), (8, 'duty', '值班员', 0, 0),"
            " (9, 'leader', '领导', 0, 0), (10, 'staff', '普通工作人员', 0, 0);"
            "INSERT INTO role_permission (role_id, permission) VALUES"
            " (1, 'user.read'), (1, 'user.create'), (1, 'user.update'), (1, 'user.disable'),"
            " (1, 'user.reset_password'), (1, 'role.read'), (1, 'role.request'),"
            " (1, 'session.manage'), (1, 'settings.update'),"
            " (2, 'user.read'), (2, 'role.read'), (2, 'role.approve'), (2, 'policy.update'),"
            " (2, 'session.manage'), (2, 'request.approve'),"
            " (3, 'audit.read'), (3, 'log.read'),"
            " (4, 'content.draft'), (5, 'content.review1'), (6, 'content.review2'),"
            " (7, 'content.review3'), (8, 'duty.watch'), (9, 'content.approve'),"
            " (9, 'incident.approve');",
    },
    {
        .version = 6,
        .name = "account lifecycle, organisation, agent tokens",
        /* ORG-1: org_unit gains a head (the person who approves applications for that
         * department) and a creation time; app_user points at its department node.
         * ACC-12: change_deadline (already there) with the reason and the warnings sent
         * (change_notified: bit 1 three days before, bit 2 one day before). ACC-2, ACC-12:
         * access_request is rebuilt so a request can be 'cancelled' (leaving cancels open
         * ones) and carries a one-time password's recipient nowhere: payload holds the
         * application's fields only. notification: messages for a person, read in the UI
         * (mail and webhooks come later). handover: what leaving or a transfer took away and
         * who received the work (ACC-14). account_review: the yearly review's confirmations.
         * agent_token: bearer tokens of the guard and netwatch agents, stored as hashes.
         * auth_throttle: per-source limits of unauthenticated requests (password reset).
         * totp_alg: the AEAD that sealed totp_secret (NULL: stored before sealing). */
        .sql =
            "ALTER TABLE org_unit ADD COLUMN head_user_id INTEGER REFERENCES app_user (id);"
            "ALTER TABLE org_unit ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0;"
            "CREATE INDEX org_unit_parent ON org_unit (parent_id);"
            "ALTER TABLE app_user ADD COLUMN department_id INTEGER REFERENCES org_unit (id);"
            "ALTER TABLE app_user ADD COLUMN change_reason TEXT;"
            "ALTER TABLE app_user ADD COLUMN change_notified INTEGER NOT NULL DEFAULT 0;"
            "ALTER TABLE app_user ADD COLUMN totp_alg TEXT;"
            "CREATE TABLE access_request_v6 ("
            " id INTEGER PRIMARY KEY,"
            " kind TEXT NOT NULL CHECK (kind IN ('account', 'role_grant', 'reset')),"
            " requested_by INTEGER NOT NULL REFERENCES app_user (id),"
            " target_user_id INTEGER REFERENCES app_user (id),"
            " role_id INTEGER REFERENCES role (id),"
            " payload TEXT,"
            " reason TEXT NOT NULL DEFAULT '',"
            " status TEXT NOT NULL CHECK (status IN"
            "  ('pending', 'approved', 'rejected', 'cancelled')),"
            " decided_by INTEGER REFERENCES app_user (id),"
            " decided_at INTEGER,"
            " comment TEXT,"
            " created_at INTEGER NOT NULL);"
            "INSERT INTO access_request_v6 SELECT id, kind, requested_by, target_user_id, role_id,"
            " payload, reason, status, decided_by, decided_at, comment, created_at"
            " FROM access_request;"
            "DROP TABLE access_request;"
            "ALTER TABLE access_request_v6 RENAME TO access_request;"
            "CREATE INDEX access_request_status ON access_request (status, kind);"
            "CREATE TABLE notification ("
            " id INTEGER PRIMARY KEY,"
            " user_id INTEGER NOT NULL REFERENCES app_user (id),"
            " at INTEGER NOT NULL,"
            " kind TEXT NOT NULL,"
            " title TEXT NOT NULL,"
            " body TEXT NOT NULL DEFAULT '',"
            " read_at INTEGER);"
            "CREATE INDEX notification_user ON notification (user_id, at);"
            "CREATE TABLE handover ("
            " id INTEGER PRIMARY KEY,"
            " user_id INTEGER NOT NULL REFERENCES app_user (id),"
            " kind TEXT NOT NULL CHECK (kind IN ('leave', 'transfer')),"
            " at INTEGER NOT NULL,"
            " by_user_id INTEGER NOT NULL REFERENCES app_user (id),"
            " receiver_id INTEGER REFERENCES app_user (id),"
            " roles_removed TEXT NOT NULL,"
            " requests_cancelled TEXT NOT NULL,"
            " sessions_ended INTEGER NOT NULL,"
            " old_department_id INTEGER,"
            " new_department_id INTEGER,"
            " reason TEXT NOT NULL DEFAULT '',"
            " note TEXT NOT NULL DEFAULT '');"
            "CREATE INDEX handover_user ON handover (user_id);"
            "CREATE TABLE account_review ("
            " id INTEGER PRIMARY KEY,"
            " at INTEGER NOT NULL,"
            " by_user_id INTEGER NOT NULL REFERENCES app_user (id),"
            " accounts INTEGER NOT NULL,"
            " flagged INTEGER NOT NULL,"
            " comment TEXT NOT NULL DEFAULT '');"
            "CREATE TABLE agent_token ("
            " id TEXT PRIMARY KEY,"
            " name TEXT NOT NULL,"
            " scope TEXT NOT NULL CHECK (scope IN ('guard', 'netwatch')),"
            " hash_alg TEXT NOT NULL,"
            " secret_hash BLOB NOT NULL,"
            " created_by INTEGER NOT NULL REFERENCES app_user (id),"
            " created_at INTEGER NOT NULL,"
            " expires_at INTEGER NOT NULL,"
            " revoked_at INTEGER,"
            " last_used_at INTEGER);"
            "CREATE TABLE auth_throttle ("
            " kind TEXT NOT NULL,"
            " source TEXT NOT NULL,"
            " at INTEGER NOT NULL);"
            "CREATE INDEX auth_throttle_source ON auth_throttle (kind, source, at);"
            "INSERT INTO role_permission (role_id, permission) VALUES"
            " (1, 'org.manage'), (1, 'user.apply'), (1, 'agent.manage'), (9, 'user.apply'),"
            " (2, 'account.review');",
    },
    {
        .version = 7,
        .name = "audit verification runs, alerts and the remote witness",
        /* AUD-2, ACC-6. audit_verification: every verification of the trail, by the audit
         * administrator (manual) or on the schedule (audit.verify_hours). audit_alert: what
         * needs the audit administrator's attention (a failed verification, an unreachable
         * witness); it changes only by being acknowledged once, with a comment. Neither table
         * loses a row: the triggers refuse deletion and any other change.
         * audit_witness_remote: per remote collector, the last checkpoint delivered and the
         * start of a delivery outage still going on. */
        .sql = "CREATE TABLE audit_verification ("
               " id INTEGER PRIMARY KEY,"
               " at INTEGER NOT NULL,"
               " trigger_kind TEXT NOT NULL CHECK (trigger_kind IN ('manual', 'scheduled')),"
               " actor_id INTEGER NOT NULL,"
               " actor_name TEXT NOT NULL,"
               " intact INTEGER NOT NULL,"
               " first_bad_seq INTEGER,"
               " damage TEXT,"
               " records INTEGER NOT NULL,"
               " problem_count INTEGER NOT NULL,"
               " duration_us INTEGER NOT NULL);"
               "CREATE INDEX audit_verification_kind ON audit_verification (trigger_kind, at);"
               "CREATE TRIGGER audit_verification_no_update BEFORE UPDATE ON audit_verification"
               " BEGIN SELECT RAISE(ABORT, 'verification runs cannot be changed'); END;"
               "CREATE TRIGGER audit_verification_no_delete BEFORE DELETE ON audit_verification"
               " BEGIN SELECT RAISE(ABORT, 'verification runs cannot be removed'); END;"
               "CREATE TABLE audit_alert ("
               " id INTEGER PRIMARY KEY,"
               " at INTEGER NOT NULL,"
               " kind TEXT NOT NULL,"
               " severity TEXT NOT NULL CHECK (severity IN ('critical', 'warning', 'info')),"
               " title TEXT NOT NULL,"
               " detail TEXT,"
               " acked_by INTEGER,"
               " acked_by_name TEXT,"
               " acked_at INTEGER,"
               " ack_comment TEXT);"
               "CREATE TRIGGER audit_alert_no_delete BEFORE DELETE ON audit_alert"
               " BEGIN SELECT RAISE(ABORT, 'audit alerts cannot be removed'); END;"
               "CREATE TRIGGER audit_alert_ack_only BEFORE UPDATE ON audit_alert"
               " WHEN old.acked_at IS NOT NULL OR new.acked_at IS NULL"
               " OR new.acked_by IS NULL OR new.ack_comment IS NULL"
               " OR new.id IS NOT old.id OR new.at IS NOT old.at OR new.kind IS NOT old.kind"
               " OR new.severity IS NOT old.severity OR new.title IS NOT old.title"
               " OR new.detail IS NOT old.detail"
               " BEGIN SELECT RAISE(ABORT, 'an audit alert changes only by one acknowledgement');"
               " END;"
               "CREATE TABLE audit_witness_remote ("
               " target TEXT PRIMARY KEY,"
               " last_checkpoint INTEGER NOT NULL,"
               " failing_since INTEGER);",
    },
    {
        .version = 8,
        .name = "lexicons",
        /* lexicon (room lexicon/): each administered lexicon's source text, the text that is
         * imported and exported (PUB-8); the server compiles all of them into one matcher.
         * categories is a JSON array, digest "<alg>:<hex>" of source. The security
         * administrator holds text.lexicon. */
        .sql = "CREATE TABLE lexicon ("
               " name TEXT PRIMARY KEY,"
               " source TEXT NOT NULL,"
               " entries INTEGER NOT NULL,"
               " categories TEXT NOT NULL,"
               " digest TEXT NOT NULL,"
               " updated_at INTEGER NOT NULL,"
               " updated_by TEXT NOT NULL);"
               "INSERT INTO role_permission (role_id, permission) VALUES (2, 'text.lexicon');",
    },
    {
        .version = 9,
        .name = "password policy, weak-password list, password ageing",
        /* ACC-8..10 (room auth/). password_policy: the security administrator's overrides of
         * a profile's regulatory minimum, a JSON object of the settings stricter than it
         * (applied with auth_policy_tighten, so never weaker). password_weak: the unit's
         * breached or weak passwords, normalised (ASCII letters lower-cased), one row per
         * distinct entry, looked up by key; password_weak_state: its count, digest and last
         * upload. app_user.expiry_notified: the reminders sent before the current password's
         * maximum age (bit 1: 7 days, bit 2: 1 day), cleared when the password changes. The
         * security administrator holds policy.manage. */
        .sql = "CREATE TABLE password_policy ("
               " profile TEXT PRIMARY KEY CHECK (profile IN ('user', 'admin', 'server', 'media')),"
               " settings TEXT NOT NULL,"
               " updated_at INTEGER NOT NULL,"
               " updated_by TEXT NOT NULL);"
               "CREATE TABLE password_weak ("
               " entry TEXT PRIMARY KEY);"
               "CREATE TABLE password_weak_state ("
               " id INTEGER PRIMARY KEY CHECK (id = 1),"
               " entries INTEGER NOT NULL,"
               " digest TEXT NOT NULL,"
               " updated_at INTEGER NOT NULL,"
               " updated_by TEXT NOT NULL);"
               "ALTER TABLE app_user ADD COLUMN expiry_notified INTEGER NOT NULL DEFAULT 0;"
               "INSERT INTO role_permission (role_id, permission) VALUES (2, 'policy.manage');",
    },
    {
        .version = 10,
        .name = "administrator appointments, ordinary roles, release approval is review",
        /* ACC-4..6, PUB-7 (room auth/). admin_appointment: one row per administrator role,
         * written the first time that role is ever granted (at bootstrap, by a decision or by
         * the break-glass command) and never removed, so the appointment without approval at
         * bootstrap can happen once only, whoever holds the role later. Filled here from the
         * roles held and the grants approved so far. role.ordinary: the roles a department
         * head may approve in an account application (普通工作人员, 信息员); every other role
         * goes to a security administrator. role.reviewer is the one table of review roles:
         * 领导 approves releases, which is review too (PUB-7). */
        .sql = "CREATE TABLE admin_appointment ("
               " role_id INTEGER PRIMARY KEY REFERENCES role (id),"
               " first_user_id INTEGER NOT NULL REFERENCES app_user (id),"
               " first_at INTEGER NOT NULL,"
               " how TEXT NOT NULL);"
               "INSERT INTO admin_appointment (role_id, first_user_id, first_at, how)"
               " SELECT ur.role_id, min(ur.user_id), min(ur.granted_at), 'held'"
               " FROM user_role ur JOIN role r ON r.id = ur.role_id WHERE r.admin = 1"
               " GROUP BY ur.role_id;"
               "INSERT INTO admin_appointment (role_id, first_user_id, first_at, how)"
               " SELECT a.role_id, min(a.target_user_id), min(coalesce(a.decided_at,"
               " a.created_at)), 'approved' FROM access_request a JOIN role r ON r.id = a.role_id"
               " WHERE a.kind = 'role_grant' AND a.status = 'approved' AND r.admin = 1"
               " AND a.target_user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM"
               " admin_appointment x WHERE x.role_id = a.role_id) GROUP BY a.role_id;"
               "ALTER TABLE role ADD COLUMN ordinary INTEGER NOT NULL DEFAULT 0;"
               "UPDATE role SET ordinary = 1 WHERE code IN ('staff', 'editor');"
               "UPDATE role SET reviewer = 1 WHERE code = 'leader';",
    },
    {
        .version = 11,
        .name = "the witness state of a verification run, the system status permission",
        /* AUD-2 (room audit/). audit_verification.witness_found: whether the run found the
         * witness file (without it, records cut from the end cannot be detected); NULL for
         * runs stored before it was kept. system.status: the system administrator reads the
         * server's status with its paths (GET /api/system/status); /api/health, public,
         * carries none. */
        .sql = "ALTER TABLE audit_verification ADD COLUMN witness_found INTEGER;"
               "INSERT INTO role_permission (role_id, permission) VALUES (1, 'system.status');",
    },
    {
        .version = 12,
        .name = "unlocking accounts",
        /* ACC-16 (room auth/). app_user.unlocked_at: when the security administrator last
         * unlocked the account; sign-in failures before it no longer count towards a lock.
         * The security administrator holds user.unlock. */
        .sql = "ALTER TABLE app_user ADD COLUMN unlocked_at INTEGER NOT NULL DEFAULT 0;"
               "INSERT INTO role_permission (role_id, permission) VALUES (2, 'user.unlock');",
    },
    {
        .version = 13,
        .name = "the job runner",
        /* room jobs/. job: one row per (kind, key): next_run (NULL: nothing due), the lease
         * (owner and expiry, wall clock; lease_s from the kind's timeout), tries of the current
         * run, wanted (bumped by each schedule so a run that ends keeps a newer request),
         * lost_owner/lost_start (a run whose lease expired, noted by the claim that took the
         * job over, so it enters the history), the last start, result,
         * success and error. job_run: the history, one row per finished run (or a run lost
         * with its node, recorded when the lease is retaken), kept 180 days. job_kind_state:
         * failed tries of a kind in a row and when it was flagged. The system administrator
         * holds jobs.manage (系统任务, run now). */
        .sql = "CREATE TABLE job ("
               " id INTEGER PRIMARY KEY,"
               " kind TEXT NOT NULL,"
               " key TEXT NOT NULL,"
               " next_run INTEGER,"
               " lease_owner TEXT,"
               " lease_expires INTEGER,"
               " attempts INTEGER NOT NULL DEFAULT 0,"
               " wanted INTEGER NOT NULL DEFAULT 0,"
               " lease_s INTEGER NOT NULL,"
               " lost_owner TEXT,"
               " lost_start INTEGER,"
               " last_start INTEGER,"
               " last_end INTEGER,"
               " last_result TEXT,"
               " last_success INTEGER,"
               " last_error TEXT,"
               " created_at INTEGER NOT NULL,"
               " UNIQUE (kind, key));"
               "CREATE INDEX job_due ON job (next_run);"
               "CREATE INDEX job_lease ON job (lease_expires);"
               "CREATE TABLE job_run ("
               " id INTEGER PRIMARY KEY,"
               " job_id INTEGER NOT NULL,"
               " kind TEXT NOT NULL,"
               " key TEXT NOT NULL,"
               " started_at INTEGER NOT NULL,"
               " ended_at INTEGER NOT NULL,"
               " result TEXT NOT NULL CHECK (result IN ('ok', 'failed', 'timed_out')),"
               " attempt INTEGER NOT NULL,"
               " node TEXT NOT NULL,"
               " error TEXT,"
               " summary TEXT);"
               "CREATE INDEX job_run_kind ON job_run (kind, id);"
               "CREATE INDEX job_run_started ON job_run (started_at);"
               "CREATE TABLE job_kind_state ("
               " kind TEXT PRIMARY KEY,"
               " failures INTEGER NOT NULL,"
               " flagged_at INTEGER,"
               " last_error TEXT);"
               "INSERT INTO role_permission (role_id, permission) VALUES (1, 'jobs.manage');",
    },
    {
        .version = 14,
        .name = "notifications",
        /* INC-2/3, MON-10 (room notify/). notify_channel: where messages go (WeCom and
         * DingTalk robots, a webhook, SMTP mail; row 1 is the in-app channel, the bell of
         * auth's notification table); secret sealed with the field key (AEAD, ad
         * "notify_channel:<id>"), secret_alg its algorithm; rate_per_min 0 is unlimited;
         * failing_since/alerted_at: a channel failing for an hour alerts the system
         * administrators once. notify_group: recipient groups with their people (mobile for
         * @-mentions, mail) and channels. notify_message: the outbox, written in the raising
         * change's transaction. notify_delivery: one per message and channel, dkey unique so
         * a message is delivered to a channel once. notify_attempt: every try with its HTTP
         * status, robot errcode and time taken. The system administrator holds
         * notify.manage. */
        .sql = "CREATE TABLE notify_channel ("
               " id INTEGER PRIMARY KEY,"
               " kind TEXT NOT NULL CHECK (kind IN ('wecom', 'dingtalk', 'webhook', 'mail',"
               " 'inapp')),"
               " name TEXT NOT NULL,"
               " url TEXT NOT NULL,"
               " secret BLOB,"
               " secret_alg TEXT,"
               " mail_from TEXT,"
               " rate_per_min INTEGER NOT NULL,"
               " failing_since INTEGER,"
               " alerted_at INTEGER,"
               " last_error TEXT,"
               " created_at INTEGER NOT NULL,"
               " updated_at INTEGER NOT NULL,"
               " deleted_at INTEGER);"
               "CREATE UNIQUE INDEX notify_channel_name ON notify_channel (name)"
               " WHERE deleted_at IS NULL;"
               "INSERT INTO notify_channel (id, kind, name, url, rate_per_min, created_at,"
               " updated_at) VALUES (1, 'inapp', '站内消息', '', 0, 0, 0);"
               "CREATE TABLE notify_group ("
               " id INTEGER PRIMARY KEY,"
               " name TEXT NOT NULL UNIQUE,"
               " created_at INTEGER NOT NULL);"
               "CREATE TABLE notify_group_member ("
               " group_id INTEGER NOT NULL REFERENCES notify_group (id),"
               " user_id INTEGER NOT NULL,"
               " name TEXT NOT NULL,"
               " mobile TEXT NOT NULL,"
               " mail TEXT NOT NULL,"
               " PRIMARY KEY (group_id, user_id));"
               "CREATE TABLE notify_group_channel ("
               " group_id INTEGER NOT NULL REFERENCES notify_group (id),"
               " channel_id INTEGER NOT NULL REFERENCES notify_channel (id),"
               " PRIMARY KEY (group_id, channel_id));"
               "CREATE TABLE notify_message ("
               " id INTEGER PRIMARY KEY,"
               " kind TEXT NOT NULL,"
               " severity TEXT NOT NULL,"
               " group_id INTEGER,"
               " object_type TEXT,"
               " object_id TEXT,"
               " title TEXT NOT NULL,"
               " body TEXT NOT NULL,"
               " created_at INTEGER NOT NULL);"
               "CREATE TABLE notify_delivery ("
               " id INTEGER PRIMARY KEY,"
               " message_id INTEGER NOT NULL REFERENCES notify_message (id),"
               " channel_id INTEGER NOT NULL REFERENCES notify_channel (id),"
               " dkey TEXT NOT NULL UNIQUE,"
               " state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),"
               " attempts INTEGER NOT NULL DEFAULT 0,"
               " next_at INTEGER NOT NULL,"
               " sent_at INTEGER,"
               " last_error TEXT,"
               " created_at INTEGER NOT NULL);"
               "CREATE INDEX notify_delivery_due ON notify_delivery (channel_id, state, next_at);"
               "CREATE INDEX notify_delivery_message ON notify_delivery (message_id);"
               "CREATE TABLE notify_attempt ("
               " id INTEGER PRIMARY KEY,"
               " delivery_id INTEGER NOT NULL,"
               " channel_id INTEGER NOT NULL,"
               " at INTEGER NOT NULL,"
               " ok INTEGER NOT NULL,"
               " status INTEGER,"
               " errcode INTEGER,"
               " took_us INTEGER NOT NULL,"
               " error TEXT);"
               "CREATE INDEX notify_attempt_channel ON notify_attempt (channel_id, at);"
               "CREATE INDEX notify_attempt_delivery ON notify_attempt (delivery_id);"
               "INSERT INTO role_permission (role_id, permission) VALUES (1, 'notify.manage');",
    },
    {
        .version = 15,
        .name = "evidence files: content in chunks, uploads, the virus check",
        /* Room files/ (files.h). file_blob: one content, deduplicated by digest ("sha256:…" or
         * "sm3:…"; NULL while its upload is under way, state 'uploading'), its detected type and
         * the virus check's state (PUB-12) with the next attempt of a pending scan.
         * file_chunk: the bytes, 1 MiB a row. evidence_file: who uploaded what under which name.
         * file.read (安全管理员, 审计管理员) reads anyone's files; file.quarantine (安全管理员)
         * alone sees infected ones. */
        .sql = "CREATE TABLE file_blob ("
               " id INTEGER PRIMARY KEY,"
               " digest TEXT UNIQUE,"
               " size INTEGER NOT NULL DEFAULT 0,"
               " type TEXT NOT NULL DEFAULT '',"
               " state TEXT NOT NULL CHECK (state IN ('uploading', 'pending', 'clean',"
               " 'infected', 'unscanned')),"
               " signature TEXT,"
               " scan_attempts INTEGER NOT NULL DEFAULT 0,"
               " scan_next_at INTEGER NOT NULL DEFAULT 0,"
               " scan_error TEXT,"
               " scanned_at INTEGER,"
               " created_at INTEGER NOT NULL);"
               "CREATE INDEX file_blob_state ON file_blob (state, scan_next_at);"
               "CREATE TABLE file_chunk ("
               " blob_id INTEGER NOT NULL REFERENCES file_blob (id),"
               " seq INTEGER NOT NULL,"
               " data BLOB NOT NULL,"
               " PRIMARY KEY (blob_id, seq));"
               "CREATE TABLE evidence_file ("
               " id INTEGER PRIMARY KEY,"
               " blob_id INTEGER NOT NULL REFERENCES file_blob (id),"
               " name TEXT NOT NULL,"
               " uploaded_by INTEGER NOT NULL REFERENCES app_user (id),"
               " uploaded_at INTEGER NOT NULL);"
               "CREATE INDEX evidence_file_blob ON evidence_file (blob_id);"
               "CREATE INDEX evidence_file_uploader ON evidence_file (uploaded_by, uploaded_at);"
               "INSERT INTO role_permission (role_id, permission) VALUES (2, 'file.read'),"
               " (2, 'file.quarantine'), (3, 'file.read');",
    },
    {
        .version = 16,
        .name = "the working-day calendar's imported years",
        /* OBL (room calendar/). calendar_year: a year of the State Council's holiday
         * arrangement imported by a security administrator, its year file's text as imported
         * (data/calendar/README.md), the notice it cites and its counts of listed days; it
         * stands in for a year shipped in the binary. The security administrator holds
         * calendar.manage. */
        .sql = "CREATE TABLE calendar_year ("
               " year INTEGER PRIMARY KEY CHECK (year BETWEEN 1970 AND 9999),"
               " source TEXT NOT NULL,"
               " notice TEXT NOT NULL,"
               " holidays INTEGER NOT NULL,"
               " workdays INTEGER NOT NULL,"
               " imported_at INTEGER NOT NULL,"
               " imported_by TEXT NOT NULL);"
               "INSERT INTO role_permission (role_id, permission) VALUES (2, 'calendar.manage');",
    },
    {
        .version = 17,
        .name = "incidents: clocks, timeline, checklist",
        /* Room incident/ (incident.h). incident: one per event, its closing report (INC-4) and
         * keep_until (never purged before); cause: an automatic incident's source, one open at a
         * time. incident_clock: INC-2/3 clocks on the rules' clock, next_at the reminder or
         * escalation still to come. incident_entry: the timeline, only ever added to.
         * incident_step: the kind's checklist as done. 值班员 opens and handles incidents,
         * 领导 approves closes and suspends clocks; the three administrators and leaders read. */
        .sql = "CREATE TABLE incident ("
               " id INTEGER PRIMARY KEY,"
               " kind TEXT NOT NULL,"
               " title TEXT NOT NULL,"
               " state TEXT NOT NULL CHECK (state IN ('open', 'closing', 'closed')),"
               " drill INTEGER NOT NULL DEFAULT 0,"
               " site_affected INTEGER NOT NULL DEFAULT 0,"
               " source TEXT NOT NULL,"
               " cause TEXT,"
               " detected_at INTEGER NOT NULL,"
               " opened_at INTEGER NOT NULL,"
               " opened_by TEXT NOT NULL,"
               " close_cause TEXT,"
               " close_measures TEXT,"
               " close_lessons TEXT,"
               " close_prevention TEXT,"
               " close_requested_by INTEGER,"
               " close_requested_at INTEGER,"
               " closed_by TEXT,"
               " closed_at INTEGER,"
               " keep_until INTEGER);"
               "CREATE UNIQUE INDEX incident_open_cause ON incident (cause)"
               " WHERE cause IS NOT NULL AND state <> 'closed';"
               "CREATE INDEX incident_state ON incident (state, id);"
               "CREATE TABLE incident_clock ("
               " incident_id INTEGER NOT NULL REFERENCES incident (id),"
               " key TEXT NOT NULL,"
               " due_at INTEGER NOT NULL,"
               " state TEXT NOT NULL CHECK (state IN ('running', 'met', 'suspended')),"
               " reminded INTEGER NOT NULL DEFAULT 0,"
               " escalated_at INTEGER,"
               " next_at INTEGER,"
               " met_at INTEGER,"
               " met_by TEXT,"
               " note TEXT,"
               " suspended_at INTEGER,"
               " suspended_by TEXT,"
               " suspend_reason TEXT,"
               " PRIMARY KEY (incident_id, key));"
               "CREATE INDEX incident_clock_next ON incident_clock (next_at);"
               "CREATE TABLE incident_entry ("
               " id INTEGER PRIMARY KEY,"
               " incident_id INTEGER NOT NULL REFERENCES incident (id),"
               " at INTEGER NOT NULL,"
               " type TEXT NOT NULL,"
               " actor TEXT NOT NULL,"
               " clock TEXT,"
               " text TEXT,"
               " file_id INTEGER,"
               " message_id INTEGER);"
               "CREATE INDEX incident_entry_incident ON incident_entry (incident_id, id);"
               "CREATE INDEX incident_entry_file ON incident_entry (file_id);"
               "CREATE TABLE incident_step ("
               " incident_id INTEGER NOT NULL REFERENCES incident (id),"
               " step INTEGER NOT NULL,"
               " done_at INTEGER NOT NULL,"
               " done_by TEXT NOT NULL,"
               " PRIMARY KEY (incident_id, step));"
               "INSERT INTO role_permission (role_id, permission) VALUES"
               " (8, 'incident.read'), (8, 'incident.handle'), (9, 'incident.read'),"
               " (9, 'incident.handle'), (1, 'incident.read'), (1, 'incident.handle'),"
               " (2, 'incident.read'), (2, 'incident.handle'), (3, 'incident.read');",
    },
    {
        .version = 18,
        .name = "emergency plans and drills",
        /* Room incident/ (INC-5, HS 附件5 §8). incident_plan: a plan (应急预案) with its version,
         * scope, the incident kinds it covers (comma-separated keys), its document (files room)
         * and a leader's approval. incident_drill: a drill of a plan with what §8 asks for: the
         * implementation scheme, the command (指挥部), the flow chart, the records, the result
         * analysis and the improvements; optionally the rehearsal incident (drill = 1) it ran. */
        .sql = "CREATE TABLE incident_plan ("
               " id INTEGER PRIMARY KEY,"
               " title TEXT NOT NULL,"
               " version TEXT NOT NULL,"
               " scope TEXT NOT NULL,"
               " kinds TEXT NOT NULL,"
               " file_id INTEGER,"
               " created_by INTEGER NOT NULL,"
               " created_by_name TEXT NOT NULL,"
               " created_at INTEGER NOT NULL,"
               " approved_by_name TEXT,"
               " approved_at INTEGER);"
               "CREATE TABLE incident_drill ("
               " id INTEGER PRIMARY KEY,"
               " plan_id INTEGER NOT NULL REFERENCES incident_plan (id),"
               " held_at INTEGER NOT NULL,"
               " title TEXT NOT NULL,"
               " command TEXT NOT NULL,"
               " records TEXT NOT NULL,"
               " analysis TEXT NOT NULL,"
               " improvements TEXT NOT NULL,"
               " scheme_file_id INTEGER,"
               " flow_file_id INTEGER,"
               " record_file_id INTEGER,"
               " incident_id INTEGER REFERENCES incident (id),"
               " created_by_name TEXT NOT NULL,"
               " created_at INTEGER NOT NULL);"
               "CREATE INDEX incident_drill_plan ON incident_drill (plan_id, held_at);",
    },
    {
        .version = 19,
        .name = "registers: rows, values, unique keys, history; the positions that keep them",
        /* Room register/ (register.h). register_row: one row of any register, its values as a
         * JSON object of canonical text, its state and a search text; register_value: each
         * non-empty value (the per-field filters); register_unique: the unique constraints of
         * rows that hold them; register_history: every change, field by field. ZJ 5-8: 设备管理员
         * keeps devices, media and machine-room visits, 网络管理员 the filings and systems, the
         * security administrator the rest; those who keep or inspect registers read them. */
        .sql = "CREATE TABLE register_row ("
               " id INTEGER PRIMARY KEY,"
               " reg TEXT NOT NULL,"
               " state TEXT NOT NULL,"
               " data TEXT NOT NULL,"
               " search TEXT NOT NULL,"
               " created_at INTEGER NOT NULL,"
               " created_by TEXT NOT NULL,"
               " updated_at INTEGER NOT NULL,"
               " retired_at INTEGER);"
               "CREATE INDEX register_row_reg ON register_row (reg, id);"
               "CREATE TABLE register_value ("
               " row_id INTEGER NOT NULL REFERENCES register_row (id),"
               " field TEXT NOT NULL,"
               " value TEXT NOT NULL,"
               " PRIMARY KEY (row_id, field));"
               "CREATE INDEX register_value_lookup ON register_value (field, value, row_id);"
               "CREATE TABLE register_unique ("
               " reg TEXT NOT NULL,"
               " fields TEXT NOT NULL,"
               " value TEXT NOT NULL,"
               " row_id INTEGER NOT NULL REFERENCES register_row (id),"
               " PRIMARY KEY (reg, fields, value));"
               "CREATE INDEX register_unique_row ON register_unique (row_id);"
               "CREATE TABLE register_history ("
               " id INTEGER PRIMARY KEY,"
               " row_id INTEGER NOT NULL REFERENCES register_row (id),"
               " at INTEGER NOT NULL,"
               " actor TEXT NOT NULL,"
               " kind TEXT NOT NULL,"
               " reason TEXT,"
               " changes TEXT NOT NULL);"
               "CREATE INDEX register_history_row ON register_history (row_id, id);"
               "INSERT INTO role (id, code, name, admin, reviewer) VALUES"
               " (11, 'device_admin', '设备管理员', 0, 0),"
               " (12, 'network_admin', '网络管理员', 0, 0);"
               "INSERT INTO role_permission (role_id, permission) VALUES"
               " (11, 'register.read'), (11, 'register.assets'), (12, 'register.read'),"
               " (12, 'register.network'), (2, 'register.read'), (2, 'register.security'),"
               " (1, 'register.read'), (3, 'register.read'), (9, 'register.read');",
    },
    {
        .version = 20,
        .name = "publishing review: columns, items, versions, decisions, the site's files",
        /* Room publish/ (publish.h). publish_column: the site's columns (栏目), kept by the
         * system administrator; publish_source: the reprint sources allowed (PUB-4), kept by
         * the security administrator. content_item: an item, its class and state, the level
         * reviewing it, the round of its submission, its publication and withdrawal, and its
         * review form as archived (form_pdf). content_version: every version's title, clean
         * body and visible text with its digest. content_step: each decision with the
         * version's digest and its audit record's number. content_reason: a hit kept with a
         * reviewer's written reason. content_file: attachments. site_file: every file of the
         * site target with its digest (the signed manifest is written from it). */
        .sql = "CREATE TABLE publish_column ("
               " id INTEGER PRIMARY KEY,"
               " name TEXT NOT NULL UNIQUE,"
               " path TEXT NOT NULL UNIQUE,"
               " stale_days INTEGER NOT NULL,"
               " created_at INTEGER NOT NULL,"
               " created_by TEXT NOT NULL);"
               "CREATE TABLE publish_source ("
               " id INTEGER PRIMARY KEY,"
               " name TEXT NOT NULL UNIQUE,"
               " url TEXT NOT NULL,"
               " created_at INTEGER NOT NULL,"
               " created_by TEXT NOT NULL);"
               "CREATE TABLE content_item ("
               " id INTEGER PRIMARY KEY,"
               " column_id INTEGER NOT NULL REFERENCES publish_column (id),"
               " class TEXT NOT NULL CHECK (class IN ('A', 'B', 'C')),"
               " major INTEGER NOT NULL DEFAULT 0,"
               " state TEXT NOT NULL CHECK (state IN ('draft', 'review', 'approved',"
               " 'scheduled', 'published', 'withdrawn')),"
               " level INTEGER NOT NULL DEFAULT 0,"
               " round INTEGER NOT NULL DEFAULT 0,"
               " version INTEGER NOT NULL,"
               " returned INTEGER NOT NULL DEFAULT 0,"
               " source_kind TEXT NOT NULL,"
               " source_name TEXT,"
               " source_url TEXT,"
               " author_id INTEGER NOT NULL REFERENCES app_user (id),"
               " author_name TEXT NOT NULL,"
               " created_at INTEGER NOT NULL,"
               " updated_at INTEGER NOT NULL,"
               " publish_at INTEGER,"
               " published_at INTEGER,"
               " published_path TEXT,"
               " published_version INTEGER,"
               " withdrawn_at INTEGER,"
               " withdrawn_by TEXT,"
               " withdraw_reason TEXT,"
               " form_pdf BLOB,"
               " form_digest TEXT,"
               " recheck_at INTEGER,"
               " recheck_hits INTEGER NOT NULL DEFAULT 0);"
               "CREATE INDEX content_item_state ON content_item (state, level, id);"
               "CREATE INDEX content_item_author ON content_item (author_id, id);"
               "CREATE INDEX content_item_column ON content_item (column_id, state, published_at);"
               "CREATE INDEX content_item_due ON content_item (state, publish_at);"
               "CREATE TABLE content_version ("
               " item_id INTEGER NOT NULL REFERENCES content_item (id),"
               " version INTEGER NOT NULL,"
               " title TEXT NOT NULL,"
               " body_html TEXT NOT NULL,"
               " body_text TEXT NOT NULL,"
               " digest TEXT NOT NULL,"
               " kind TEXT NOT NULL,"
               " by_id INTEGER NOT NULL,"
               " by_name TEXT NOT NULL,"
               " at INTEGER NOT NULL,"
               " PRIMARY KEY (item_id, version));"
               "CREATE TABLE content_step ("
               " id INTEGER PRIMARY KEY,"
               " item_id INTEGER NOT NULL REFERENCES content_item (id),"
               " round INTEGER NOT NULL,"
               " level INTEGER NOT NULL,"
               " reviewer_id INTEGER NOT NULL,"
               " reviewer_name TEXT NOT NULL,"
               " decision TEXT NOT NULL CHECK (decision IN ('approve', 'return', 'amend')),"
               " comment TEXT NOT NULL,"
               " version INTEGER NOT NULL,"
               " digest TEXT NOT NULL,"
               " audit_seq INTEGER NOT NULL,"
               " at INTEGER NOT NULL);"
               "CREATE INDEX content_step_item ON content_step (item_id, id);"
               "CREATE TABLE content_reason ("
               " item_id INTEGER NOT NULL REFERENCES content_item (id),"
               " hit TEXT NOT NULL,"
               " reason TEXT NOT NULL,"
               " level INTEGER NOT NULL,"
               " by_name TEXT NOT NULL,"
               " at INTEGER NOT NULL,"
               " PRIMARY KEY (item_id, hit));"
               "CREATE TABLE content_file ("
               " item_id INTEGER NOT NULL REFERENCES content_item (id),"
               " file_id INTEGER NOT NULL,"
               " PRIMARY KEY (item_id, file_id));"
               "CREATE TABLE site_file ("
               " path TEXT PRIMARY KEY,"
               " size INTEGER NOT NULL,"
               " digest TEXT NOT NULL,"
               " item_id INTEGER);"
               "INSERT INTO role_permission (role_id, permission) VALUES"
               " (4, 'content.read'), (5, 'content.read'), (6, 'content.read'),"
               " (7, 'content.read'), (9, 'content.read'), (2, 'content.read'),"
               " (3, 'content.read'), (1, 'content.read'), (1, 'column.manage'),"
               " (2, 'publish.sources'), (4, 'content.publish'), (5, 'content.publish'),"
               " (5, 'content.withdraw'), (6, 'content.withdraw'), (7, 'content.withdraw'),"
               " (9, 'content.withdraw');",
    },
    {
        .version = 21,
        .name = "notifications: the event kinds' templates as edited; WeCom's message type",
        /* Room notify/ (templates.c, deliver.c). notify_template: an event kind's template as
         * the system administrator replaced it, one row per kind changed; a kind without a row
         * uses the default of the kinds' table. notify_channel.msgtype: what a WeCom robot is
         * sent, text (with @-mentions) or markdown. */
        .sql = "CREATE TABLE notify_template ("
               " kind TEXT PRIMARY KEY,"
               " template TEXT NOT NULL,"
               " updated_at INTEGER NOT NULL,"
               " updated_by TEXT NOT NULL);"
               "ALTER TABLE notify_channel ADD COLUMN msgtype TEXT NOT NULL DEFAULT 'text'"
               " CHECK (msgtype IN ('text', 'markdown'));",
    },
    {
        .version = 22,
        .name = "the compliance report: decisions of the security administrator",
        /* Room oblig/ (oblig.h). compliance_decision: a requirement declared not applicable
         * with a reason, or met with a note and an evidence file (files room) where no
         * automatic check reads the state. Those who keep or inspect security read the
         * report; the security administrator decides. */
        .sql = "CREATE TABLE compliance_decision ("
               " req_id TEXT PRIMARY KEY,"
               " status TEXT NOT NULL CHECK (status IN ('not_applicable', 'met')),"
               " reason TEXT NOT NULL,"
               " file_id INTEGER,"
               " by_name TEXT NOT NULL,"
               " at INTEGER NOT NULL);"
               "INSERT INTO role_permission (role_id, permission) VALUES"
               " (1, 'compliance.read'), (2, 'compliance.read'), (3, 'compliance.read'),"
               " (9, 'compliance.read'), (2, 'compliance.manage');",
    },
    {
        .version = 23,
        .name = "periodic duties and their evidence; the duty roster",
        /* Room oblig/ (oblig.h). obligation: a periodic duty (shipped, then kept here: the
         * security administrator may change owner, rule and whether it applies);
         * obligation_evidence: what fulfilled it in a period (a clean file and a note).
         * duty_day: the 读网值班 roster, one person on duty a day and a leader on duty (带班领导)
         * on holidays and key dates; duty_key_date: the key dates the security administrator
         * marks; duty_checkin: the person on duty's check-in, what was read and any anomaly.
         * The security administrator plans the roster, 值班员 check in. */
        .sql = "CREATE TABLE obligation ("
               " id INTEGER PRIMARY KEY,"
               " key TEXT NOT NULL UNIQUE,"
               " title TEXT NOT NULL,"
               " reqs TEXT NOT NULL,"
               " rule TEXT NOT NULL,"
               " every INTEGER NOT NULL,"
               " owner_role TEXT NOT NULL,"
               " evidence_kind TEXT NOT NULL,"
               " enabled INTEGER NOT NULL,"
               " created_at INTEGER NOT NULL,"
               " updated_at INTEGER NOT NULL,"
               " updated_by TEXT NOT NULL);"
               "CREATE TABLE obligation_evidence ("
               " id INTEGER PRIMARY KEY,"
               " obligation_id INTEGER NOT NULL REFERENCES obligation (id),"
               " period TEXT NOT NULL,"
               " file_id INTEGER NOT NULL,"
               " note TEXT NOT NULL,"
               " by_id INTEGER NOT NULL,"
               " by_name TEXT NOT NULL,"
               " at INTEGER NOT NULL);"
               "CREATE INDEX obligation_evidence_period ON obligation_evidence"
               " (obligation_id, period);"
               "CREATE TABLE duty_day ("
               " day INTEGER PRIMARY KEY,"
               " user_id INTEGER NOT NULL REFERENCES app_user (id),"
               " leader_id INTEGER REFERENCES app_user (id),"
               " planned_by TEXT NOT NULL,"
               " planned_at INTEGER NOT NULL,"
               " missed_told INTEGER NOT NULL DEFAULT 0);"
               "CREATE TABLE duty_key_date ("
               " day INTEGER PRIMARY KEY,"
               " name TEXT NOT NULL);"
               "CREATE TABLE duty_checkin ("
               " id INTEGER PRIMARY KEY,"
               " day INTEGER NOT NULL,"
               " user_id INTEGER NOT NULL,"
               " at INTEGER NOT NULL,"
               " read_text TEXT NOT NULL,"
               " anomaly TEXT,"
               " incident_id INTEGER);"
               "CREATE INDEX duty_checkin_day ON duty_checkin (day, id);"
               "INSERT INTO role_permission (role_id, permission) VALUES (2, 'duty.plan'),"
               " (8, 'duty.read'), (9, 'duty.read'), (2, 'duty.read'), (1, 'duty.read');",
    },
    {
        .version = 24,
        .name = "website watch: sites, checks, alarms",
        /* Room monitor/ (monitor.h). monitor_site: a watched site with what to check and its
         * state (unknown, up, down) after `failures` consecutive failures; monitor_check:
         * each check (the uptime and latency chart; kept 30 days); monitor_event: alarms,
         * open until a check no longer finds them, with the incident they opened. The system
         * administrator keeps the sites; those on duty, administrators and leaders read. */
        .sql = "CREATE TABLE monitor_site ("
               " id INTEGER PRIMARY KEY,"
               " name TEXT NOT NULL,"
               " url TEXT NOT NULL,"
               " interval_s INTEGER NOT NULL,"
               " failures INTEGER NOT NULL,"
               " group_name TEXT,"
               " must_words TEXT,"
               " forbidden_words TEXT,"
               " allow_hosts TEXT,"
               " publish_target INTEGER NOT NULL DEFAULT 0,"
               " state TEXT NOT NULL CHECK (state IN ('unknown', 'up', 'down')),"
               " state_since INTEGER NOT NULL,"
               " next_check_at INTEGER NOT NULL,"
               " last_check_at INTEGER,"
               " last_latency_ms INTEGER,"
               " last_status INTEGER,"
               " last_error TEXT,"
               " cert_expires_at INTEGER,"
               " failures_in_row INTEGER NOT NULL DEFAULT 0,"
               " created_at INTEGER NOT NULL,"
               " created_by TEXT NOT NULL,"
               " removed_at INTEGER);"
               "CREATE INDEX monitor_site_due ON monitor_site (next_check_at);"
               "CREATE TABLE monitor_check ("
               " site_id INTEGER NOT NULL REFERENCES monitor_site (id),"
               " at INTEGER NOT NULL,"
               " ok INTEGER NOT NULL,"
               " status INTEGER NOT NULL,"
               " latency_ms INTEGER NOT NULL,"
               " error TEXT);"
               "CREATE INDEX monitor_check_site ON monitor_check (site_id, at);"
               "CREATE TABLE monitor_event ("
               " id INTEGER PRIMARY KEY,"
               " site_id INTEGER NOT NULL REFERENCES monitor_site (id),"
               " at INTEGER NOT NULL,"
               " kind TEXT NOT NULL,"
               " detail TEXT NOT NULL,"
               " open INTEGER NOT NULL,"
               " closed_at INTEGER,"
               " incident_id INTEGER);"
               "CREATE INDEX monitor_event_site ON monitor_event (site_id, open, kind);"
               "INSERT INTO role_permission (role_id, permission) VALUES (1, 'monitor.manage'),"
               " (1, 'monitor.read'), (2, 'monitor.read'), (8, 'monitor.read'),"
               " (9, 'monitor.read');",
    },
    {
        .version = 25,
        .name = "public messages; a content item's request",
        /* Room publish/ (messages.c). public_message: a message of the public (网友留言,
         * PUB-11) assigned to the department that answers it with a promised day (due_date,
         * working days), its answer reviewed by that department's head and published (path on
         * the site); reminded: 1 the day before, 2 once overdue. content_item.request_row_id:
         * the service_requests row (window unit's written request, PUB-10) it answers. */
        .sql = "CREATE TABLE public_message ("
               " id INTEGER PRIMARY KEY,"
               " received_at INTEGER NOT NULL,"
               " channel TEXT NOT NULL,"
               " author_name TEXT NOT NULL,"
               " contact TEXT NOT NULL,"
               " subject TEXT NOT NULL,"
               " body TEXT NOT NULL,"
               " state TEXT NOT NULL CHECK (state IN ('received', 'assigned', 'answered',"
               " 'approved', 'published', 'closed')),"
               " department_id INTEGER REFERENCES org_unit (id),"
               " due_date TEXT,"
               " assigned_at INTEGER,"
               " assigned_by TEXT,"
               " answer TEXT,"
               " answered_at INTEGER,"
               " answered_by TEXT,"
               " reviewed_at INTEGER,"
               " reviewed_by TEXT,"
               " review_comment TEXT,"
               " published_at INTEGER,"
               " published_by TEXT,"
               " path TEXT,"
               " reminded INTEGER NOT NULL DEFAULT 0,"
               " created_by TEXT NOT NULL);"
               "CREATE INDEX public_message_state ON public_message (state, due_date);"
               "ALTER TABLE content_item ADD COLUMN request_row_id INTEGER;",
    },
    {
        .version = 26,
        .name = "the external CMS's outbox",
        /* Room publish/ (cms.c). publish_delivery: a publication or withdrawal for the external
         * CMS, written with the change and delivered by the job publish.cms: its payload, its
         * tries and their last error. */
        .sql = "CREATE TABLE publish_delivery ("
               " id INTEGER PRIMARY KEY,"
               " item_id INTEGER NOT NULL REFERENCES content_item (id),"
               " event TEXT NOT NULL,"
               " payload TEXT NOT NULL,"
               " status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),"
               " attempts INTEGER NOT NULL,"
               " last_error TEXT,"
               " created_at INTEGER NOT NULL,"
               " next_at INTEGER NOT NULL,"
               " delivered_at INTEGER);"
               "CREATE INDEX publish_delivery_due ON publish_delivery (status, next_at);",
    },
    {
        .version = 27,
        .name = "inspections, assessments and rectification",
        /* Room oblig/ (inspect.c). inspection: a self-inspection or risk assessment (RSK-1,
         * RSK-2); inspection_item: its checklist, one requirement id each with its finding;
         * rectification: an issue's rectification with its owner and deadline in working
         * days, reported done by the owner and verified by someone else. */
        .sql = "CREATE TABLE inspection ("
               " id INTEGER PRIMARY KEY,"
               " kind TEXT NOT NULL,"
               " title TEXT NOT NULL,"
               " started_at INTEGER NOT NULL,"
               " started_by TEXT NOT NULL,"
               " closed_at INTEGER);"
               "CREATE TABLE inspection_item ("
               " id INTEGER PRIMARY KEY,"
               " inspection_id INTEGER NOT NULL REFERENCES inspection (id),"
               " req_id TEXT NOT NULL,"
               " finding TEXT,"
               " note TEXT,"
               " by_name TEXT,"
               " at INTEGER,"
               " UNIQUE (inspection_id, req_id));"
               "CREATE TABLE rectification ("
               " id INTEGER PRIMARY KEY,"
               " inspection_id INTEGER NOT NULL REFERENCES inspection (id),"
               " req_id TEXT NOT NULL,"
               " description TEXT NOT NULL,"
               " owner_id INTEGER NOT NULL REFERENCES app_user (id),"
               " owner_name TEXT NOT NULL,"
               " due_date TEXT NOT NULL,"
               " state TEXT NOT NULL CHECK (state IN ('open', 'done', 'verified')),"
               " done_note TEXT,"
               " file_id INTEGER,"
               " done_at INTEGER,"
               " verifier_name TEXT,"
               " verified_at INTEGER,"
               " verify_note TEXT,"
               " created_at INTEGER NOT NULL,"
               " created_by TEXT NOT NULL);"
               "CREATE INDEX rectification_state ON rectification (state, due_date);",
    },
    {
        .version = 28,
        .name = "notices with read receipts; the duties' reminders",
        /* Room oblig/ (notices.c). notice: a notice of risks, vulnerabilities or incidents
         * (RSK-3, ZJ 41) to a recipient group; notice_receipt: each recipient at sending and
         * when they read it. obligation_notice: a duty's reminder (due) and escalation
         * (overdue), once a period each. */
        .sql = "CREATE TABLE notice ("
               " id INTEGER PRIMARY KEY,"
               " kind TEXT NOT NULL,"
               " title TEXT NOT NULL,"
               " body TEXT NOT NULL,"
               " group_name TEXT NOT NULL,"
               " created_by TEXT NOT NULL,"
               " created_at INTEGER NOT NULL);"
               "CREATE TABLE obligation_notice ("
               " obligation_id INTEGER NOT NULL REFERENCES obligation (id),"
               " period TEXT NOT NULL,"
               " kind TEXT NOT NULL,"
               " at INTEGER NOT NULL,"
               " PRIMARY KEY (obligation_id, period, kind));"
               "CREATE TABLE notice_receipt ("
               " notice_id INTEGER NOT NULL REFERENCES notice (id),"
               " user_id INTEGER NOT NULL,"
               " read_at INTEGER,"
               " PRIMARY KEY (notice_id, user_id));",
    },
    {
        .version = 29,
        .name = "the guard agents and their events",
        /* Room monitor/ (guards.c). guard_agent: an agent (its agent token) with its document
         * root, the entries it enforces, when it was last heard from and whether it is online;
         * guard_event: what it reported, once per (agent, seq). */
        .sql = "CREATE TABLE guard_agent ("
               " token_id TEXT PRIMARY KEY,"
               " name TEXT NOT NULL,"
               " root TEXT NOT NULL,"
               " entries INTEGER NOT NULL,"
               " last_seen_at INTEGER NOT NULL,"
               " state TEXT NOT NULL CHECK (state IN ('online', 'offline')),"
               " since INTEGER NOT NULL);"
               "CREATE TABLE guard_event ("
               " token_id TEXT NOT NULL,"
               " seq INTEGER NOT NULL,"
               " at INTEGER NOT NULL,"
               " received_at INTEGER NOT NULL,"
               " event TEXT NOT NULL,"
               " path TEXT NOT NULL,"
               " kind TEXT NOT NULL,"
               " ms INTEGER NOT NULL,"
               " approved TEXT NOT NULL,"
               " found TEXT NOT NULL,"
               " PRIMARY KEY (token_id, seq));"
               "CREATE INDEX guard_event_received ON guard_event (received_at);",
    },
    {
        .version = 30,
        .name = "duty swaps",
        /* Room oblig/ (roster.c). duty_swap: a person on duty asks another 值班员 to take the
         * day; a leader approves (the roster changes) or refuses. Leaders hold duty.approve. */
        .sql = "CREATE TABLE duty_swap ("
               " id INTEGER PRIMARY KEY,"
               " day INTEGER NOT NULL,"
               " from_user INTEGER NOT NULL REFERENCES app_user (id),"
               " to_user INTEGER NOT NULL REFERENCES app_user (id),"
               " reason TEXT NOT NULL,"
               " state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'rejected')),"
               " asked_at INTEGER NOT NULL,"
               " decided_by TEXT,"
               " decided_at INTEGER);"
               "INSERT INTO role_permission (role_id, permission) VALUES (9, 'duty.approve');",
    },
    {
        .version = 31,
        .name = "register rows' attachments; changes waiting for a second keeper; IPv6 checks",
        /* Room register/ (engine.c). register_attachment: evidence files (files room) on a
         * register row, with who added them and why. */
        .sql = "CREATE TABLE register_attachment ("
               " row_id INTEGER NOT NULL REFERENCES register_row (id),"
               " file_id INTEGER NOT NULL,"
               " note TEXT NOT NULL,"
               " by_name TEXT NOT NULL,"
               " at INTEGER NOT NULL,"
               " PRIMARY KEY (row_id, file_id));"
               "ALTER TABLE monitor_site ADD COLUMN ipv6 INTEGER NOT NULL DEFAULT 0;"
               "CREATE TABLE register_pending ("
               " id INTEGER PRIMARY KEY,"
               " row_id INTEGER NOT NULL REFERENCES register_row (id),"
               " reg TEXT NOT NULL,"
               " request TEXT NOT NULL,"
               " reason TEXT NOT NULL,"
               " asked_by_id INTEGER NOT NULL,"
               " asked_by TEXT NOT NULL,"
               " asked_at INTEGER NOT NULL,"
               " state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'rejected')),"
               " decided_by TEXT,"
               " decided_at INTEGER);",
    },
    {
        .version = 32,
        .name = "the columns the person on duty read",
        /* Room oblig/ (roster.c). read_columns: the website's columns read at a check-in (读网
         * 值班, HS 附件3), as JSON [{id, name}] with the names as they were then. */
        .sql = "ALTER TABLE duty_checkin ADD COLUMN read_columns TEXT;",
    },
    {
        .version = 33,
        .name = "the duty handover",
        /* Room oblig/ (roster.c). duty_handover: what the person on duty hands over at the end
         * of the day (交接班), one a day, shown to whoever is on duty next. */
        .sql = "CREATE TABLE duty_handover ("
               " day INTEGER PRIMARY KEY,"
               " user_id INTEGER NOT NULL,"
               " by_name TEXT NOT NULL,"
               " at INTEGER NOT NULL,"
               " note TEXT NOT NULL);",
    },
    {
        .version = 34,
        .name = "website watch: the page as last read, the day's counts",
        /* Room monitor/ (check.c). read_digest, read_at: the page's digest (with the lists it
         * is read against) when its content was last read; an unchanged page keeps its
         * content alarms without being read again until MONITOR_REREAD_S. day_checks, day_ok:
         * the checks, and those that succeeded, at or after day_from (a day before the last
         * check), moved by each check, so the list shows uptime_24h without counting them. */
        .sql = "ALTER TABLE monitor_site ADD COLUMN read_digest TEXT;"
               "ALTER TABLE monitor_site ADD COLUMN read_at INTEGER;"
               "ALTER TABLE monitor_site ADD COLUMN day_from INTEGER NOT NULL DEFAULT 0;"
               "ALTER TABLE monitor_site ADD COLUMN day_checks INTEGER NOT NULL DEFAULT 0;"
               "ALTER TABLE monitor_site ADD COLUMN day_ok INTEGER NOT NULL DEFAULT 0;"
               "UPDATE monitor_site SET day_from = (SELECT coalesce(max(at), 0) - 86400000000"
               " FROM monitor_check c WHERE c.site_id = monitor_site.id);"
               "UPDATE monitor_site SET"
               " day_checks = (SELECT count(*) FROM monitor_check c"
               "  WHERE c.site_id = monitor_site.id AND c.at >= monitor_site.day_from),"
               " day_ok = (SELECT coalesce(sum(ok), 0) FROM monitor_check c"
               "  WHERE c.site_id = monitor_site.id AND c.at >= monitor_site.day_from);",
    },
    {
        .version = 35,
        .name = "a tampered page's diff",
        /* Room monitor/ (check.c, diff.c). diff: for a tampered published page, the served
         * page against its approved file, line by line, bounded. */
        .sql = "ALTER TABLE monitor_event ADD COLUMN diff TEXT;",
    },
    {
        .version = 36,
        .name = "change detection of pages xinan did not publish",
        /* Room monitor/ (check.c, diff.c). noise: the site's patterns of changes that do not
         * matter; last_text: the page's visible text at its last reading with them blanked. */
        .sql = "ALTER TABLE monitor_site ADD COLUMN noise TEXT;"
               "ALTER TABLE monitor_site ADD COLUMN last_text TEXT;",
    },
    {
        .version = 37,
        .name = "a duty owned by a named person",
        /* Room oblig/ (duties.c). owner_user_id: the person who owns the duty, in place of
         * owner_role, when the security administrator names one. */
        .sql = "ALTER TABLE obligation ADD COLUMN owner_user_id INTEGER REFERENCES app_user (id);",
    },
    {
        .version = 38,
        .name = "quarantined files of the guards",
        /* Room files/ (files.h): evidence_file gains its class, 'evidence' (a person's upload)
         * or 'quarantine' (what a guard agent took off a web host, uploaded by the agent
         * agent_id, with no person as uploaded_by); rebuilt, as SQLite cannot drop NOT NULL.
         * Room monitor/ (guards.c): guard_quarantine links a quarantined file, once per
         * SHA-256, to the agent and the path it was found at. guard.quarantine: who downloads
         * them (the system and security administrators). */
        .sql =
            "CREATE TABLE evidence_file_v38 ("
            " id INTEGER PRIMARY KEY,"
            " blob_id INTEGER NOT NULL REFERENCES file_blob (id),"
            " name TEXT NOT NULL,"
            " uploaded_by INTEGER REFERENCES app_user (id),"
            " uploaded_at INTEGER NOT NULL,"
            " class TEXT NOT NULL DEFAULT 'evidence' CHECK (class IN ('evidence', 'quarantine')),"
            " agent_id TEXT,"
            " CHECK ((class = 'evidence') = (uploaded_by IS NOT NULL)));"
            "INSERT INTO evidence_file_v38 (id, blob_id, name, uploaded_by, uploaded_at)"
            " SELECT id, blob_id, name, uploaded_by, uploaded_at FROM evidence_file;"
            "DROP TABLE evidence_file;"
            "ALTER TABLE evidence_file_v38 RENAME TO evidence_file;"
            "CREATE INDEX evidence_file_blob ON evidence_file (blob_id);"
            "CREATE INDEX evidence_file_uploader ON evidence_file (uploaded_by, uploaded_at);"
            "CREATE TABLE guard_quarantine ("
            " sha256 TEXT PRIMARY KEY,"
            " file_id INTEGER NOT NULL,"
            " token_id TEXT NOT NULL,"
            " path TEXT NOT NULL,"
            " size INTEGER NOT NULL,"
            " received_at INTEGER NOT NULL);"
            "INSERT INTO role_permission (role_id, permission) VALUES"
            " (1, 'guard.quarantine'), (2, 'guard.quarantine');",
    },
    {
        .version = 39,
        .name = "notifications fanned out after the raising commit",
        /* Room notify/ (core.c). fanout: the message's group has robots or mail, whose
         * deliveries the job notify.fanout makes after the raising transaction commits, so
         * that transaction writes the message row alone for them. notify_fanout: how far the
         * job has come (the highest message id it has looked at). */
        .sql = "ALTER TABLE notify_message ADD COLUMN fanout INTEGER NOT NULL DEFAULT 0;"
               "CREATE TABLE notify_fanout ("
               " id INTEGER PRIMARY KEY CHECK (id = 1),"
               " done_upto INTEGER NOT NULL);"
               "INSERT INTO notify_fanout (id, done_upto)"
               " SELECT 1, coalesce(max(id), 0) FROM notify_message;",
    },
    {0, NULL, NULL, NULL, NULL},
};

const store_migration *store_migrations(void)
{
    return migrations;
}
