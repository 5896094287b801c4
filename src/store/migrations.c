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
    {0, NULL, NULL, NULL, NULL},
};

const store_migration *store_migrations(void)
{
    return migrations;
}
