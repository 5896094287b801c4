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
#include "files/files.h"
#include "lexicon/lexicon.h"
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
    const auth_settings *auth; /* the rules' clock */
    const xn_config *cfg;      /* retention and the virus check as configured */
    const char *catalogue;     /* the catalogue's text */
    size_t catalogue_len;
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

/* The report as "pdf" or "xlsx" written to path (cover: unit, period, who made it). */
int oblig_report(oblig_ctx *o, const char *format, const char *made_by, const char *path,
                 xn_error *err);

#endif
