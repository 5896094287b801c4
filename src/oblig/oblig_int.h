/* The oblig room's inside. */
#ifndef XINAN_OBLIG_INT_H
#define XINAN_OBLIG_INT_H

#include "oblig/oblig.h"

struct oblig_ctx {
    oblig_options opt;
    oblig_catalogue catalogue;
};

/* What a check found: the status, the reason when not met, the evidence and the control. */
typedef struct oblig_finding {
    const char *status; /* "met", "not_met", "no_evidence" */
    char reason[512];
    json_t *evidence; /* array of {kind, text, at?} */
} oblig_finding;

typedef struct oblig_probe {
    oblig_ctx *o;
    store_conn *c;
    int64_t now;
    json_t *register_flags; /* register_flags_json of every register */
} oblig_probe;

typedef int (*oblig_check_fn)(oblig_probe *p, const char *id, oblig_finding *f, xn_error *err);

/* An automatic check: the ids it answers, the control that implements them, the function. */
typedef struct oblig_check {
    const char *ids;     /* "ACC-8,ACC-9" */
    const char *control; /* Chinese: what xinan does for it */
    oblig_check_fn run;  /* NULL: a control xinan enforces itself (met) */
} oblig_check;

extern const oblig_check oblig_checks[];
extern const size_t oblig_checks_count;
const oblig_check *oblig_check_for(const char *id);

void oblig_evidence(oblig_finding *f, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
