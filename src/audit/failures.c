/*
 * Failures of callers nobody has authenticated yet (bad sign-ins, bad agent tokens, refusals of
 * a flooding address) cost an attacker nothing and every record lives 180 days (AUD-3). So the
 * trail records the first AUDIT_FAILURES_INDIVIDUAL of each source and minute one by one, and
 * counts the rest; when the minute is over, one audit.failures_summary record per source gives
 * the count by action. The trail shows the attack and cannot be filled by it.
 *
 * The counts live in memory, in a table of at most MAX_SOURCES sources; past that, a source's
 * counts go to the shared row "*", so a spread attack is still counted, only less precisely.
 */
#include "audit/audit_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SOURCES 4096
#define INDEX_SLOTS (2 * MAX_SOURCES) /* open addressing over rows, at most half full */
#define MAX_ACTIONS 8 /* distinct actions counted per source and minute; more go to "other" */
#define MINUTE_US   (60 * 1000000LL)

typedef struct action_count {
    char action[40];
    int64_t count;
} action_count;

typedef struct source_minute {
    char source[64];
    int64_t minute;     /* epoch minute */
    int64_t individual; /* recorded one by one */
    int64_t counted;    /* only counted */
    action_count actions[MAX_ACTIONS];
    int nactions;
} source_minute;

struct audit_failures {
    pthread_mutex_t lock;
    source_minute *rows; /* nrows of them, unordered */
    int nrows;
    int *index; /* INDEX_SLOTS row numbers by hash of (source, minute), -1 empty */
};

audit_failures *audit_failures_new(void)
{
    audit_failures *f = xn_xcalloc(1, sizeof *f);
    pthread_mutex_init(&f->lock, NULL);
    f->rows = xn_xcalloc(MAX_SOURCES + 1, sizeof *f->rows);
    f->index = xn_xcalloc(INDEX_SLOTS, sizeof *f->index);
    memset(f->index, 0xff, INDEX_SLOTS * sizeof *f->index);
    return f;
}

void audit_failures_free(audit_failures *f)
{
    if (!f)
        return;
    pthread_mutex_destroy(&f->lock);
    free(f->rows);
    free(f->index);
    free(f);
}

static unsigned slot_of(const char *source, int64_t minute)
{
    uint32_t h = 2166136261u ^ (uint32_t)minute; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)source; *p; p++)
        h = (h ^ *p) * 16777619u;
    return h & (INDEX_SLOTS - 1);
}

/* The row of a source in this minute: found, added, or the shared row when the table is full.
 * The shared row keeps counting across a minute it has not been flushed for yet (its minute
 * then moves on), so nothing counted is ever dropped. A lookup is one hash probe sequence, not
 * a walk of the table: a flood from many sources must not serialise on this lock. */
static source_minute *find_row(audit_failures *f, const char *source, int64_t minute)
{
    unsigned slot = slot_of(source, minute);
    for (; f->index[slot] >= 0; slot = (slot + 1) & (INDEX_SLOTS - 1)) {
        source_minute *r = &f->rows[f->index[slot]];
        if (r->minute == minute && strcmp(r->source, source) == 0)
            return r;
    }
    source_minute *r;
    if (f->nrows < MAX_SOURCES) {
        f->index[slot] = f->nrows;
        r = &f->rows[f->nrows++];
        memset(r, 0, sizeof *r);
        snprintf(r->source, sizeof r->source, "%s", source);
    } else {
        r = &f->rows[MAX_SOURCES];
        snprintf(r->source, sizeof r->source, "*");
    }
    r->minute = minute;
    return r;
}

/* Rebuilds the index after rows were compacted. */
static void reindex(audit_failures *f)
{
    memset(f->index, 0xff, INDEX_SLOTS * sizeof *f->index);
    for (int i = 0; i < f->nrows; i++) {
        unsigned slot = slot_of(f->rows[i].source, f->rows[i].minute);
        while (f->index[slot] >= 0)
            slot = (slot + 1) & (INDEX_SLOTS - 1);
        f->index[slot] = i;
    }
}

/* Counts one more of action; the last slot turns into "other" when more distinct actions come
 * than there are slots. */
static void count_action(source_minute *r, const char *action)
{
    for (int i = 0; i < r->nactions; i++)
        if (strcmp(r->actions[i].action, action) == 0) {
            r->actions[i].count++;
            return;
        }
    action_count *a = &r->actions[r->nactions < MAX_ACTIONS ? r->nactions++ : MAX_ACTIONS - 1];
    if (!a->action[0])
        snprintf(a->action, sizeof a->action, "%s", action);
    else
        snprintf(a->action, sizeof a->action, "other");
    a->count++;
}

bool audit_failures_admit(audit_trail *t, const char *source, const char *action)
{
    audit_failures *f = audit_trail_failures(t);
    int64_t minute = audit_trail_now(t) / MINUTE_US;
    pthread_mutex_lock(&f->lock);
    source_minute *r = find_row(f, source && *source ? source : "-", minute);
    bool admit = false;
    if (r->individual < AUDIT_FAILURES_INDIVIDUAL && strcmp(r->source, "*") != 0) {
        r->individual++;
        admit = true;
    } else {
        r->counted++;
        count_action(r, action);
    }
    pthread_mutex_unlock(&f->lock);
    return admit;
}

typedef struct flush_ctx {
    audit_trail *t;
    source_minute *due;
    int ndue;
} flush_ctx;

static int flush_tx(store_conn *tx, void *ctx, xn_error *err)
{
    flush_ctx *c = ctx;
    for (int i = 0; i < c->ndue; i++) {
        source_minute *r = &c->due[i];
        char at[XN_TIME_STR];
        xn_time_format(r->minute * MINUTE_US, at);
        json_t *by = json_object();
        for (int k = 0; k < r->nactions; k++)
            json_object_set_new(by, r->actions[k].action, json_integer(r->actions[k].count));
        json_t *detail =
            json_pack("{s:s, s:I, s:I, s:o}", "minute", at, "count", (json_int_t)r->counted,
                      "recorded_individually", (json_int_t)r->individual, "by_action", by);
        char *text = json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(detail);
        audit_actor actor = {.kind = "system", .name = "unknown", .source = r->source};
        audit_event ev = {.action = "audit.failures_summary",
                          .actor = &actor,
                          .object_type = "source",
                          .object_id = r->source,
                          .result = AUDIT_DENIED,
                          .detail_json = text};
        int rc = audit_append(c->t, tx, &ev, err);
        free(text);
        if (rc != XN_OK)
            return rc;
    }
    return XN_OK;
}

int audit_failures_flush(audit_trail *t, bool all, xn_error *err)
{
    audit_failures *f = audit_trail_failures(t);
    int64_t minute = audit_trail_now(t) / MINUTE_US;
    flush_ctx c = {.t = t, .due = xn_xcalloc(MAX_SOURCES + 1, sizeof *c.due)};
    pthread_mutex_lock(&f->lock);
    int keep = 0;
    for (int i = 0; i < f->nrows; i++) {
        source_minute *r = &f->rows[i];
        if (r->minute < minute || all) {
            if (r->counted)
                c.due[c.ndue++] = *r;
        } else {
            f->rows[keep++] = *r;
        }
    }
    f->nrows = keep;
    reindex(f);
    source_minute *shared = &f->rows[MAX_SOURCES];
    if (shared->counted && (shared->minute < minute || all)) {
        c.due[c.ndue++] = *shared;
        memset(shared, 0, sizeof *shared);
    }
    pthread_mutex_unlock(&f->lock);
    int rc = c.ndue ? store_tx(audit_trail_store(t), flush_tx, &c, err) : XN_OK;
    free(c.due);
    return rc;
}
