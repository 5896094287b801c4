/*
 * The job runner: workers that claim due jobs with a lease, run them, and record the result.
 *
 * A worker's loop: claim (one UPDATE … RETURNING in a write transaction), run the kind's
 * function outside any transaction, finish (clear the lease, set the next run, add the run to
 * the history, count the kind's failures in a row). With nothing due it sleeps on a condition
 * variable until the earliest due time, a lease's expiry, or a commit of a transaction that
 * called jobs_schedule (a store_on_commit hook bumps the generation and broadcasts).
 */
#include "jobs/jobs_int.h"

#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SUMMARY_MAX  4096         /* bytes of a run's summary kept */
#define ERROR_MAX    500          /* bytes of an error message kept */
#define MAX_SLEEP_US 3600000000LL /* an idle worker looks again at least hourly */
#define MAX_BACKOFF  3600000000LL /* the longest delay between tries */
#define US           1000000LL

/* A claimed job. */
typedef struct claimed {
    jobs_runner *r;
    int64_t now; /* wall clock at the claim */
    bool found;
    int64_t id;
    char kind[64];
    char key[JOBS_MAX_KEY + 1];
    int attempt;
    int64_t wanted;
} claimed;

static int64_t rules_now(const jobs_runner *r)
{
    return r->opt.now ? r->opt.now(r->opt.now_ctx) : xn_now_us();
}

const jobs_kind *jobs_find_kind(const jobs_runner *r, const char *name)
{
    for (size_t i = 0; i < r->opt.nkinds; i++)
        if (strcmp(r->opt.kinds[i].name, name) == 0)
            return &r->opt.kinds[i];
    return NULL;
}

static int64_t kind_period_us(const jobs_runner *r, const jobs_kind *k)
{
    int64_t p = k->period_s;
    if (r->opt.period_cap_s > 0 && p > r->opt.period_cap_s)
        p = r->opt.period_cap_s;
    return p * US;
}

static int kind_lease_s(const jobs_kind *k)
{
    return k->timeout_s > 0 ? k->timeout_s : 60;
}

static int step_done(store_stmt *st, xn_error *err)
{
    int rc = store_step(st, err);
    return rc == STORE_DONE ? XN_OK : (rc < 0 ? rc : XN_OK);
}

/* ---- waking ------------------------------------------------------------------------------ */

static void wake(void *ctx, bool committed)
{
    if (!committed)
        return;
    jobs_runner *r = ctx;
    pthread_mutex_lock(&r->mu);
    r->gen++;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

static void requested(void *ctx, bool committed)
{
    jobs_request_slot *slot = ctx;
    if (!committed)
        return;
    jobs_runner *r = slot->r;
    pthread_mutex_lock(&r->mu);
    slot->pending = true;
    if (!r->any_request) {
        /* the first of a burst: a worker wakes to wait for the rest, then applies them all */
        r->any_request = true;
        r->request_at = xn_monotonic_us() + JOBS_REQUEST_DELAY_MS * 1000LL;
        r->gen++;
        pthread_cond_signal(&r->cv);
    }
    pthread_mutex_unlock(&r->mu);
}

void jobs_request_now(jobs_runner *r, const char *kind)
{
    const jobs_kind *k = jobs_find_kind(r, kind);
    if (k && k->period_s > 0)
        requested(&r->requests[k - r->opt.kinds], true);
}

int jobs_request(jobs_runner *r, store_conn *tx, const char *kind, xn_error *err)
{
    const jobs_kind *k = jobs_find_kind(r, kind);
    if (!k || k->period_s <= 0)
        return xn_fail(err, XN_EINVAL, "bad_kind", "no periodic job kind '%s'", kind);
    if (store_on_commit(tx, requested, &r->requests[k - r->opt.kinds]) != XN_OK)
        return xn_fail(err, XN_EINTERNAL, "internal", "too many commit hooks");
    return XN_OK;
}

typedef struct apply_ctx {
    jobs_runner *r;
    const char *kinds[64];
    size_t n;
} apply_ctx;

static int apply_tx(store_conn *tx, void *ctx, xn_error *err)
{
    apply_ctx *a = ctx;
    int rc = XN_OK;
    for (size_t i = 0; rc == XN_OK && i < a->n; i++)
        rc = jobs_schedule(a->r, tx, a->kinds[i], "", xn_now_us(), err);
    return rc;
}

/* The requests committed since the last look, applied in one transaction. */
static void apply_requests(jobs_runner *r)
{
    apply_ctx a = {.r = r};
    pthread_mutex_lock(&r->mu);
    for (size_t i = 0; r->any_request && i < r->opt.nkinds && a.n < 64; i++)
        if (r->requests[i].pending) {
            r->requests[i].pending = false;
            a.kinds[a.n++] = r->opt.kinds[i].name;
        }
    r->any_request = false;
    pthread_mutex_unlock(&r->mu);
    xn_error err;
    if (a.n && store_tx(r->opt.db, apply_tx, &a, &err) != XN_OK && r->opt.log)
        xn_log_event(r->opt.log, XN_LOG_ERROR, "jobs.request_failed", "error", err.message,
                     XN_LOG_END);
}

int jobs_schedule(jobs_runner *r, store_conn *tx, const char *kind, const char *key, int64_t due_us,
                  xn_error *err)
{
    const jobs_kind *k = jobs_find_kind(r, kind);
    if (!k)
        return xn_fail(err, XN_EINVAL, "bad_kind", "unknown job kind '%s'", kind);
    if (!key || strlen(key) > JOBS_MAX_KEY)
        return xn_fail(err, XN_EINVAL, "bad_key", "job key longer than %d bytes", JOBS_MAX_KEY);
    store_stmt *st;
    /* a job leased now keeps its next_run as the claim saw it unless this asks for a new run:
     * wanted tells the finishing worker that a request came in meanwhile. A job not leased
     * and already due by then is left untouched: its run comes after this commit and sees
     * what the caller wrote (the claim is a write, so it orders with this transaction), and
     * not rewriting the row keeps a burst of raises cheap. The workers are woken only when
     * the row is new or became due earlier without a lease: a leased job is run again by its
     * finishing worker (wanted), and an untouched one is already due to them, so a burst of
     * raises does not set every worker racing for the write lock on each commit. */
    int rc = store_prepare(tx,
                           "INSERT INTO job (kind, key, next_run, lease_s, created_at)"
                           " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (kind, key) DO UPDATE SET"
                           " next_run = CASE WHEN job.next_run IS NULL OR job.lease_owner IS NOT"
                           " NULL OR job.next_run > excluded.next_run THEN excluded.next_run"
                           " ELSE job.next_run END, wanted = job.wanted + 1,"
                           " lease_s = excluded.lease_s"
                           " WHERE job.next_run IS NULL OR job.lease_owner IS NOT NULL"
                           " OR job.next_run > excluded.next_run RETURNING lease_owner",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, kind, -1);
    store_bind_text(st, 2, key, -1);
    store_bind_int(st, 3, due_us);
    store_bind_int(st, 4, kind_lease_s(k));
    store_bind_int(st, 5, xn_now_us());
    rc = store_step(st, err);
    bool unleased = rc == STORE_ROW && store_col_is_null(st, 0);
    if (rc == STORE_ROW)
        store_stmt_done(st);
    rc = rc < 0 ? rc : XN_OK;
    if (rc == XN_OK && unleased && store_on_commit(tx, wake, r) != XN_OK)
        rc = xn_fail(err, XN_EINTERNAL, "internal", "too many commit hooks");
    return rc;
}

/* ---- claiming ---------------------------------------------------------------------------- */

static int record_run(store_conn *tx, const claimed *c, int64_t started, int64_t ended,
                      const char *result, int attempt, const char *node, const char *error,
                      const char *summary, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(tx,
                           "INSERT INTO job_run (job_id, kind, key, started_at, ended_at, result,"
                           " attempt, node, error, summary) VALUES ($1, $2, $3, $4, $5, $6, $7,"
                           " $8, $9, $10)",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, c->id);
    store_bind_text(st, 2, c->kind, -1);
    store_bind_text(st, 3, c->key, -1);
    store_bind_int(st, 4, started);
    store_bind_int(st, 5, ended);
    store_bind_text(st, 6, result, -1);
    store_bind_int(st, 7, attempt);
    store_bind_text(st, 8, node, -1);
    store_bind_text(st, 9, error, -1);
    store_bind_text(st, 10, summary, -1);
    return step_done(st, err);
}

static int claim_tx(store_conn *tx, void *ctx, xn_error *err)
{
    claimed *c = ctx;
    c->found = false;
    store_stmt *st;
    /* One statement, as PostgreSQL runs it with several nodes: the earliest due job whose
     * lease is free or expired; an expired lease's run is noted in lost_* to be recorded. */
    int rc = store_prepare(
        tx,
        "UPDATE job SET lost_owner = lease_owner, lost_start = CASE WHEN lease_owner IS NULL"
        " THEN NULL ELSE last_start END, lease_owner = $1, lease_expires = $2 + lease_s *"
        " 1000000, attempts = attempts + 1, last_start = $2"
        " WHERE id = (SELECT id FROM job WHERE next_run <= $2 AND (lease_owner IS NULL OR"
        " lease_expires <= $2) ORDER BY next_run, id LIMIT 1 FOR UPDATE SKIP LOCKED)"
        " RETURNING id, kind, key, attempts, wanted, lost_owner, lost_start",
        &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, c->r->node, -1);
    store_bind_int(st, 2, c->now);
    rc = store_step(st, err);
    if (rc != STORE_ROW)
        return rc < 0 ? rc : XN_OK;
    c->found = true;
    c->id = store_col_int(st, 0);
    xn_strlcpy(c->kind, store_col_text(st, 1), sizeof c->kind);
    xn_strlcpy(c->key, store_col_text(st, 2), sizeof c->key);
    c->attempt = (int)store_col_int(st, 3);
    c->wanted = store_col_int(st, 4);
    bool lost = !store_col_is_null(st, 5);
    char lost_owner[40] = "";
    int64_t lost_start = store_col_int(st, 6);
    if (lost)
        xn_strlcpy(lost_owner, store_col_text(st, 5), sizeof lost_owner);
    rc = step_done(st, err);
    /* the run whose node stopped (or overran its lease) enters the history now */
    if (rc == XN_OK && lost)
        rc = record_run(tx, c, lost_start, c->now, "timed_out", c->attempt - 1, lost_owner,
                        "租约到期：执行节点停止或超时，任务已由其他工作线程重新执行", NULL, err);
    return rc;
}

/* ---- finishing --------------------------------------------------------------------------- */

typedef struct finished {
    claimed *c;
    const jobs_kind *kind; /* NULL: a kind this program does not know */
    bool ok;
    int64_t started, ended;
    int64_t next; /* 0: nothing due */
    int attempts; /* tries kept for the next run */
    const char *error;
    const char *summary; /* NULL: nothing worth keeping (an idle success) */
} finished;

static int count_failure(store_conn *tx, jobs_runner *r, const finished *f, xn_error *err)
{
    store_stmt *st;
    int rc = store_prepare(tx,
                           "INSERT INTO job_kind_state (kind, failures, last_error) VALUES ($1, 1,"
                           " $2) ON CONFLICT (kind) DO UPDATE SET failures ="
                           " job_kind_state.failures + 1, last_error = excluded.last_error"
                           " RETURNING failures, flagged_at",
                           &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, f->c->kind, -1);
    store_bind_text(st, 2, f->error, -1);
    rc = store_step(st, err);
    if (rc != STORE_ROW)
        return rc < 0 ? rc : xn_fail(err, XN_EINTERNAL, "internal", "no kind state");
    int failures = (int)store_col_int(st, 0);
    bool flagged = !store_col_is_null(st, 1);
    rc = step_done(st, err);
    if (rc != XN_OK || flagged || failures < JOBS_FLAG_AFTER)
        return rc;
    rc = store_prepare(tx, "UPDATE job_kind_state SET flagged_at = $2 WHERE kind = $1", &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, f->c->kind, -1);
    store_bind_int(st, 2, f->ended);
    rc = step_done(st, err);
    if (rc != XN_OK)
        return rc;
    json_t *d = json_pack("{s:s,s:i,s:s}", "kind", f->c->kind, "failures", failures, "error",
                          f->error ? f->error : "");
    xn_buf detail;
    xn_buf_init(&detail, 8192);
    xn_json_dump(&detail, d);
    json_decref(d);
    audit_event ev = {.action = "jobs.kind_flagged",
                      .actor = &audit_system_actor,
                      .object_type = "job_kind",
                      .object_id = f->c->kind,
                      .result = AUDIT_ERROR,
                      .detail_json = detail.data};
    rc = audit_append(r->opt.trail, tx, &ev, err);
    xn_buf_release(&detail);
    if (rc == XN_OK && r->opt.on_flag && f->kind)
        rc = r->opt.on_flag(r->opt.app, tx, f->kind, failures, f->error, err);
    return rc;
}

static int finish_tx(store_conn *tx, void *ctx, xn_error *err)
{
    finished *f = ctx;
    claimed *c = f->c;
    store_stmt *st;
    int rc = store_prepare(
        tx,
        "UPDATE job SET lease_owner = NULL, lease_expires = NULL, lost_owner = NULL,"
        " lost_start = NULL, attempts = $3, next_run = CASE WHEN wanted <> $4 THEN next_run"
        " ELSE $5 END, last_end = $6, last_result = $7, last_success = CASE WHEN $7 = 'ok'"
        " THEN $6 ELSE last_success END, last_error = CASE WHEN $7 = 'ok' THEN NULL ELSE $8"
        " END WHERE id = $1 AND lease_owner = $2",
        &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_int(st, 1, c->id);
    store_bind_text(st, 2, c->r->node, -1);
    store_bind_int(st, 3, f->attempts);
    store_bind_int(st, 4, c->wanted);
    if (f->next)
        store_bind_int(st, 5, f->next);
    else
        store_bind_null(st, 5);
    store_bind_int(st, 6, f->ended);
    store_bind_text(st, 7, f->ok ? "ok" : "failed", -1);
    store_bind_text(st, 8, f->error, -1);
    rc = step_done(st, err);
    /* another worker took the job over after the lease ran out: it records this run */
    if (rc != XN_OK || store_changes(tx) == 0)
        return rc;
    /* a quiet success of a frequent kind is not kept; a kind run hourly or less often keeps
     * every run, since a duty may take its runs as evidence */
    if (f->summary || !f->ok || (f->kind && f->kind->period_s >= JOBS_EVERY_RUN_KEPT_S))
        rc = record_run(tx, c, f->started, f->ended, f->ok ? "ok" : "failed", c->attempt,
                        c->r->node, f->ok ? NULL : f->error, f->summary, err);
    if (rc != XN_OK)
        return rc;
    if (!f->ok)
        return count_failure(tx, c->r, f, err);
    /* a success ends the kind's streak; the row is only written when there was one */
    rc = store_prepare(tx,
                       "UPDATE job_kind_state SET failures = 0, flagged_at = NULL, last_error ="
                       " NULL WHERE kind = $1 AND failures <> 0",
                       &st, err);
    if (rc != XN_OK)
        return rc;
    store_bind_text(st, 1, c->kind, -1);
    return step_done(st, err);
}

static int64_t backoff_us(int attempt)
{
    int64_t d = JOBS_BACKOFF_S * US;
    for (int i = 1; i < attempt && d < MAX_BACKOFF; i++)
        d *= 2;
    return d < MAX_BACKOFF ? d : MAX_BACKOFF;
}

static void execute(jobs_runner *r, claimed *c)
{
    const jobs_kind *k = jobs_find_kind(r, c->kind);
    xn_error err;
    xn_error_clear(&err);
    jobs_run run = {.app = r->opt.app,
                    .kind = c->kind,
                    .key = c->key,
                    .now_us = rules_now(r),
                    .summary = json_object(),
                    .attempt = c->attempt,
                    .runner = r};
    int rc = k ? k->run(&run, &err)
               : xn_fail(&err, XN_EINVAL, "unknown_kind", "这一版本不认识任务类型 %s", c->kind);
    finished f = {.c = c, .kind = k, .ok = rc == XN_OK, .started = c->now, .ended = xn_now_us()};
    char error[ERROR_MAX + 1] = "";
    if (!f.ok) {
        xn_strlcpy(error, err.message[0] ? err.message : xn_err_name(rc), sizeof error);
        f.error = error;
    }
    xn_buf summary;
    xn_buf_init(&summary, SUMMARY_MAX);
    if (json_object_size(run.summary) > 0) {
        if (xn_json_dump(&summary, run.summary) != XN_OK) {
            xn_buf_reset(&summary);
            xn_buf_puts(&summary, "{\"truncated\":true}");
        }
        f.summary = summary.data;
    }
    json_decref(run.summary);
    int max_attempts = k && k->attempts > 0 ? k->attempts : 1;
    int64_t period = k && k->period_s > 0 ? kind_period_us(r, k) : 0;
    if (!f.ok && c->attempt < max_attempts) {
        int64_t d = backoff_us(c->attempt);
        f.next = f.ended + (period && period < d ? period : d);
        f.attempts = c->attempt;
    } else {
        f.next = period ? f.ended + period : 0;
        f.attempts = 0;
    }
    if (!f.ok && r->opt.log) {
        char attempt[16];
        snprintf(attempt, sizeof attempt, "%d", c->attempt);
        xn_log_event(r->opt.log, XN_LOG_ERROR, "jobs.failed", "kind", c->kind, "key", c->key,
                     "attempt", attempt, "error", error, XN_LOG_END);
    }
    xn_error ferr;
    if (store_tx(r->opt.db, finish_tx, &f, &ferr) != XN_OK && r->opt.log)
        xn_log_event(r->opt.log, XN_LOG_ERROR, "jobs.finish_failed", "kind", c->kind, "error",
                     ferr.message, XN_LOG_END);
    xn_buf_release(&summary);
}

/* ---- the workers ------------------------------------------------------------------------- */

/* The wall-clock time something next becomes claimable: the earliest due job without a lease,
 * or the earliest lease to expire; 0 when nothing is scheduled. */
static int64_t next_due(jobs_runner *r)
{
    store_conn *c;
    xn_error err;
    if (store_acquire(r->opt.db, &c, &err) != XN_OK)
        return xn_now_us() + US;
    int64_t due = 0;
    store_stmt *st;
    static const char *const sql[] = {
        "SELECT next_run FROM job WHERE next_run IS NOT NULL AND lease_owner IS NULL"
        " ORDER BY next_run LIMIT 1",
        "SELECT lease_expires FROM job WHERE lease_expires IS NOT NULL"
        " ORDER BY lease_expires LIMIT 1",
    };
    for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++) {
        if (store_prepare(c, sql[i], &st, &err) != XN_OK) {
            due = xn_now_us() + US;
            break;
        }
        if (store_step(st, &err) == STORE_ROW) {
            int64_t t = store_col_int(st, 0);
            if (!due || t < due)
                due = t;
            store_stmt_done(st);
        }
    }
    store_release(c);
    return due;
}

static void sleep_until(jobs_runner *r, uint64_t gen, int64_t wait_us)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t ns = (int64_t)ts.tv_nsec + (wait_us % US) * 1000;
    ts.tv_sec += (time_t)(wait_us / US + ns / 1000000000);
    ts.tv_nsec = (long)(ns % 1000000000);
    pthread_mutex_lock(&r->mu);
    while (!r->stopping && r->gen == gen)
        if (pthread_cond_timedwait(&r->cv, &r->mu, &ts) != 0)
            break;
    pthread_mutex_unlock(&r->mu);
}

static void *worker(void *arg)
{
    jobs_runner *r = arg;
    for (;;) {
        pthread_mutex_lock(&r->mu);
        bool stop = r->stopping, request = r->any_request;
        int64_t request_in = request ? r->request_at - xn_monotonic_us() : 0;
        uint64_t gen = r->gen;
        pthread_mutex_unlock(&r->mu);
        if (stop)
            break;
        if (request && request_in <= 0)
            apply_requests(r);
        claimed c = {.r = r, .now = xn_now_us()};
        xn_error err;
        int rc = store_tx(r->opt.db, claim_tx, &c, &err);
        if (rc == XN_OK && c.found) {
            execute(r, &c);
            continue;
        }
        int64_t wait = MAX_SLEEP_US;
        if (rc != XN_OK) {
            if (r->opt.log)
                xn_log_event(r->opt.log, XN_LOG_ERROR, "jobs.claim_failed", "error", err.message,
                             XN_LOG_END);
            wait = US;
        } else {
            int64_t due = next_due(r);
            if (due)
                wait = due - xn_now_us();
        }
        if (request && request_in > 0 && wait > request_in)
            wait = request_in;
        if (wait < 1000)
            wait = 1000;
        if (wait > MAX_SLEEP_US)
            wait = MAX_SLEEP_US;
        if (r->opt.max_sleep_ms > 0 && wait > (int64_t)r->opt.max_sleep_ms * 1000)
            wait = (int64_t)r->opt.max_sleep_ms * 1000;
        sleep_until(r, gen, wait);
    }
    return NULL;
}

/* ---- start and stop ---------------------------------------------------------------------- */

typedef struct ensure_ctx {
    jobs_runner *r;
    int64_t now;
} ensure_ctx;

/* Every periodic kind has its job; at each start it is due at once (the first tick of the
 * loop this replaces did everything too). */
static int ensure_tx(store_conn *tx, void *ctx, xn_error *err)
{
    ensure_ctx *e = ctx;
    int rc = XN_OK;
    for (size_t i = 0; rc == XN_OK && i < e->r->opt.nkinds; i++) {
        const jobs_kind *k = &e->r->opt.kinds[i];
        if (k->period_s <= 0)
            continue;
        store_stmt *st;
        rc = store_prepare(tx,
                           "INSERT INTO job (kind, key, next_run, lease_s, created_at)"
                           " VALUES ($1, '', $2, $3, $2) ON CONFLICT (kind, key) DO UPDATE SET"
                           " next_run = CASE WHEN job.next_run IS NULL OR job.next_run >"
                           " excluded.next_run THEN excluded.next_run ELSE job.next_run END,"
                           " lease_s = excluded.lease_s",
                           &st, err);
        if (rc != XN_OK)
            break;
        store_bind_text(st, 1, k->name, -1);
        store_bind_int(st, 2, e->now);
        store_bind_int(st, 3, kind_lease_s(k));
        rc = step_done(st, err);
    }
    return rc;
}

int jobs_start(jobs_runner **out, const jobs_options *opt, xn_error *err)
{
    *out = NULL;
    for (size_t i = 0; i < opt->nkinds; i++)
        if (!opt->kinds[i].name || !opt->kinds[i].run || strlen(opt->kinds[i].name) >= 64)
            return xn_fail(err, XN_EINTERNAL, "internal", "job kind %zu is incomplete", i);
    jobs_runner *r = xn_xcalloc(1, sizeof *r);
    r->opt = *opt;
    r->requests = xn_xcalloc(opt->nkinds ? opt->nkinds : 1, sizeof *r->requests);
    for (size_t i = 0; i < opt->nkinds; i++)
        r->requests[i] = (jobs_request_slot){.r = r};
    if (r->opt.workers <= 0)
        r->opt.workers = 4;
    if (r->opt.workers > JOBS_MAX_WORKERS)
        r->opt.workers = JOBS_MAX_WORKERS;
    uint8_t rnd[4];
    xn_random_bytes(rnd, sizeof rnd);
    char hex[9];
    xn_hex(rnd, sizeof rnd, hex);
    snprintf(r->node, sizeof r->node, "%ld-%s", (long)getpid(), hex);
    pthread_mutex_init(&r->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&r->cv, &ca);
    pthread_condattr_destroy(&ca);
    ensure_ctx e = {.r = r, .now = xn_now_us()};
    int rc = store_tx(r->opt.db, ensure_tx, &e, err);
    if (rc == XN_OK && r->opt.before_workers)
        r->opt.before_workers(r, r->opt.app);
    for (int i = 0; rc == XN_OK && i < r->opt.workers; i++) {
        if (pthread_create(&r->threads[i], NULL, worker, r) != 0) {
            rc = xn_fail(err, XN_EINTERNAL, "internal", "cannot start job worker");
            break;
        }
        r->nthreads++;
    }
    if (rc != XN_OK) {
        jobs_stop(r);
        return rc;
    }
    *out = r;
    return XN_OK;
}

void jobs_stop(jobs_runner *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->mu);
    r->stopping = true;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    for (int i = 0; i < r->nthreads; i++)
        pthread_join(r->threads[i], NULL);
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->mu);
    free(r->requests);
    free(r);
}
