/*
 * jobs: the job runner. Periodic and deferred work of every room runs here; no room starts a
 * thread or a timer loop of its own.
 *
 * Shape
 *   A job kind is a table row (jobs_kind) defined above the rooms (the server's table is in
 *   cli/, like http's routes), since its functions come from rooms above this one.
 *   A job is one database row per (kind, key): its next run, its lease (owner and expiry),
 *   the tries of its current run, its last start, success and error. A kind with a period
 *   has one job with key "" created at start; other jobs are made by jobs_schedule.
 *   A run is one execution of a job's function; the history keeps each (result ok, failed
 *   or timed_out, with the JSON summary the function filled) for JOBS_RUN_KEEP_DAYS.
 *
 * Workers (jobs.workers threads) claim the earliest due job in one statement shaped for
 * PostgreSQL's FOR UPDATE SKIP LOCKED (see store.h), so several nodes can share the queue with
 * no protocol of their own. A worker that dies leaves a lease that expires after the kind's
 * timeout; another takes the job and the lost run is recorded as timed_out. A failed try is
 * retried with backoff (JOBS_BACKOFF_S doubling) up to the kind's attempts. A kind whose tries
 * fail JOBS_FLAG_AFTER times in a row is flagged until its next success.
 *
 * Idle workers sleep until the earliest due job or until a transaction that called
 * jobs_schedule commits; nothing polls the job table on a fixed tick (the test clock apart,
 * see jobs_options.max_sleep_ms).
 *
 * Clocks: due times and leases are wall-clock UTC µs (xn_now_us); jobs_run.now_us is the rules'
 * clock (jobs_options.now), which the test clock moves.
 */
#ifndef XINAN_JOBS_H
#define XINAN_JOBS_H

#include "audit/audit.h"
#include "base/base.h"
#include "store/store.h"

#define JOBS_MAX_KEY       128 /* bytes of a job's key */
#define JOBS_FLAG_AFTER    3   /* failed tries in a row that flag a kind */
#define JOBS_BACKOFF_S     10  /* the first retry's delay; doubled each try */
#define JOBS_RUN_KEEP_DAYS 180 /* run history */
#define JOBS_MAX_WORKERS   64
/* A kind with a period this long or longer keeps every run in the history, even one with an
 * empty summary: its runs can be a periodic duty's evidence. */
#define JOBS_EVERY_RUN_KEPT_S 3600
/* How long requests (jobs_request) gather before a worker applies them: a burst of changes
 * asks for one run, not one each. */
#define JOBS_REQUEST_DELAY_MS 100

typedef struct jobs_runner jobs_runner;

/* What a kind's function gets for one run. */
typedef struct jobs_run {
    void *app; /* the server's context given to jobs_start (rooms, settings) */
    const char *kind;
    const char *key; /* "" for a kind's single periodic job */
    int64_t now_us;  /* the rules' clock (XINAN_TEST_CLOCK moves it) */
    json_t *summary; /* object the function fills; kept with the run */
    int attempt;     /* 1 for the first try */
    jobs_runner *runner;
} jobs_run;

/* Returns 0, or a negative xn_err with err filled: the try failed and is retried. */
typedef int (*jobs_fn)(jobs_run *run, xn_error *err);

typedef struct jobs_kind {
    const char *name;  /* "notify.deliver": room.what */
    const char *title; /* "通知投递" */
    int64_t period_s;  /* > 0: periodic (one job, key ""); 0: on demand (jobs_schedule) */
    int timeout_s;     /* the lease: a run not finished by then may be taken by another worker */
    int attempts;      /* tries with backoff before the run counts as failed (0: 1) */
    jobs_fn run;
} jobs_kind;

/* Called inside the transaction that flags a kind (its JOBS_FLAG_AFTER-th failure in a row),
 * so the notice commits with the flag. A non-zero return rolls the flag back (retried at the
 * next failure). */
typedef int (*jobs_flag_fn)(void *app, store_conn *tx, const jobs_kind *kind, int failures,
                            const char *error, xn_error *err);

typedef struct jobs_options {
    store *db;
    audit_trail *trail;
    const jobs_kind *kinds;
    size_t nkinds;
    void *app;
    int workers;                     /* threads (0: 4) */
    int64_t (*now)(const void *ctx); /* the rules' clock; NULL: xn_now_us */
    const void *now_ctx;
    /* Test clock only: periods are capped at this many seconds and idle workers look again
     * at least this often, so a moved clock is seen (0: no cap). */
    int period_cap_s;
    int max_sleep_ms;
    jobs_flag_fn on_flag; /* NULL: none */
    /* Called with the runner before any worker starts, so rooms that schedule jobs from
     * their job functions hold the runner before a job can run (NULL: none). */
    void (*before_workers)(jobs_runner *r, void *app);
    xn_log *log; /* failures are logged here (NULL: not) */
} jobs_options;

/* Creates the periodic jobs that are missing and starts the workers. */
int jobs_start(jobs_runner **out, const jobs_options *opt, xn_error *err);
/* Stops taking jobs, waits for the runs in progress and frees the runner. NULL is fine. */
void jobs_stop(jobs_runner *r);

/*
 * Inside the caller's transaction: creates the job (kind, key) due at due_us, or brings its
 * next run forward to due_us (a job running now runs again once it ends). The workers wake when
 * that transaction commits. XN_EINVAL for an unknown kind or a key over JOBS_MAX_KEY.
 */
int jobs_schedule(jobs_runner *r, store_conn *tx, const char *kind, const char *key, int64_t due_us,
                  xn_error *err);

/*
 * Inside the caller's transaction, writing nothing: JOBS_REQUEST_DELAY_MS after it commits, a
 * worker brings the periodic kind's job forward to now (as jobs_schedule, in a transaction of
 * its own), once for all the requests gathered meanwhile. For work a periodic kind finds by
 * itself (messages to fan out), so a change that asks for it costs its transaction no row: a
 * request lost with the process is made up by the kind's period.
 * XN_EINVAL for an unknown kind or one without a period.
 */
int jobs_request(jobs_runner *r, store_conn *tx, const char *kind, xn_error *err);
/* The same outside any transaction, from any thread (a signal that the store's log is long):
 * the periodic kind runs soon. Unknown kinds and kinds without a period are ignored. */
void jobs_request_now(jobs_runner *r, const char *kind);

/* "Run now" (audited as jobs.run by actor): brings every job of the kind forward to now
 * (creating its job with key "" when it has none). XN_ENOTFOUND for an unknown kind. */
int jobs_run_now(jobs_runner *r, const audit_actor *actor, const char *kind, xn_error *err);

/*
 * {"items":[{"name","title","period_s","timeout_s","attempts","jobs","next_run","next_run_text",
 *  "running","last_start","last_result","last_error","last_success","failures","flagged",
 *  "flagged_at"}]}: the kinds in table order; times are µs or null.
 */
int jobs_kinds_json(jobs_runner *r, json_t **out, xn_error *err);
/* {"items":[{"id","kind","key","started_at","ended_at","started_text","result","attempt",
 *  "node","error","summary"}]}: the newest `limit` (1..500) runs, of one kind or of all
 * (kind NULL). XN_ENOTFOUND for an unknown kind. */
int jobs_runs_json(jobs_runner *r, const char *kind, int limit, json_t **out, xn_error *err);
/* {"items":[{"name","title","failures","flagged_at","last_error"}]}: the flagged kinds. */
int jobs_flagged_json(jobs_runner *r, json_t **out, xn_error *err);

/* The kind of that name, or NULL. */
const jobs_kind *jobs_find_kind(const jobs_runner *r, const char *name);

/* The run history's retention, as a kind's function (jobs.purge): runs older than
 * JOBS_RUN_KEEP_DAYS go. */
int jobs_purge_runs(jobs_run *run, xn_error *err);

#endif
