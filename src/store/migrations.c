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
    {0, NULL, NULL, NULL, NULL},
};

const store_migration *store_migrations(void)
{
    return migrations;
}
