/*
 * lexicon: the server's sensitive-word lexicons as administered data (PUB-8: keyword lists
 * updated regularly; every change on the audit trail).
 *
 * Where lexicons live: the database holds each lexicon's source text (table `lexicon`, one row
 * per name, in the format of text.h). That text is what administrators import and export, and
 * it is the only copy that counts. From it the server compiles one matcher for all lexicons
 * together (so a whitelist suppresses hits of every other lexicon) and caches the compiled
 * image in the database's directory as `lexicons-<digest>.xlex`, named by a digest of every
 * name and source, so a restart loads the image instead of compiling again and an image that
 * does not match the database is never used. On the very first start (no row yet) the text
 * files under text.lexicons are imported once, as the system; compiled files there are kept as
 * fixed, read-only lexicons beside the administered ones.
 *
 * The live matcher is a reference-counted set. A check takes a reference (lexicon_acquire)
 * and gives it back (lexicon_release); an import builds a new set inside its transaction and,
 * once committed, swaps it in under a lock, so checks in flight finish on the old set, which is
 * freed by the last of them. Changes are serialised in the process: the transaction, the
 * image file and the swap happen as one step.
 *
 * Every import records `lexicon.import` and every export `lexicon.export` with audit_append in
 * the same transaction; the detail holds counts and a digest of the new text, never its words.
 */
#ifndef XINAN_LEXICON_H
#define XINAN_LEXICON_H

#include "audit/audit.h"
#include "base/base.h"
#include "crypto/crypto.h"
#include "store/store.h"
#include "text/text.h"

#define LEXICON_MAX_IMPORT (16u << 20) /* bytes of one imported text */
#define LEXICON_MAX_NAME   64          /* bytes of a lexicon name: [a-z0-9_-] and hanzi */
#define LEXICON_MAX_ERRORS 10          /* bad lines named in one refusal */
#define LEXICON_MAX_FIXED  16          /* compiled files kept beside the administered lexicons */

typedef struct lexicon_set lexicon_set;
typedef struct lexicon_live lexicon_live;

/* A lexicon text built into the binary: one of the shipped data/lexicons text files. */
typedef struct lexicon_builtin {
    const char *name; /* the file's base name up to the first dot */
    const char *text;
    size_t len;
} lexicon_builtin;
/* The shipped lexicons, ended by a NULL name. Defined by build/gen/lexicons.c
 * (scripts/gen-lexicons.sh), which only the xinan binary links. */
extern const lexicon_builtin lexicon_builtins[];

typedef struct lexicon_options {
    store *db;
    audit_trail *audit;
    xn_log *log;
    crypto_alg alg;        /* digests of the lexicon texts */
    const char *seed_path; /* text.lexicons: file or directory read at the first start */
    const char *image_dir; /* where the compiled image is cached (the database's directory) */
    /* Seeds standing in for a missing seed_path (NULL: none; the caller passes them when
     * seed_path is the default, relative to a working directory the server may not run in). */
    const lexicon_builtin *builtin;
} lexicon_options;

/* Where the seed path was found at the start: lexicon_status.seeded_from. */
#define LEXICON_SEED_PATH    "path"    /* the seed path was there */
#define LEXICON_SEED_BUILTIN "builtin" /* missing: the built-in texts stood in */
#define LEXICON_SEED_NONE    "none"    /* missing (or not set) and nothing stood in */

/*
 * Opens the live set: imports the seed files when the database holds no lexicon yet, then
 * loads the cached image or compiles the database's lexicons. A missing seed path is replaced
 * by opt->builtin when given (logged as text.builtin_lexicons), else logged (text.no_lexicons)
 * and leaves checks to personal data; a seed file that does not parse is an error naming the
 * file and line.
 */
int lexicon_live_open(lexicon_live **out, const lexicon_options *opt, xn_error *err);
typedef struct lexicon_status {
    size_t lexicons;         /* in the live set: the database's (compiled as one) and fixed */
    size_t entries;          /* entries of the live set; 0: checks find personal data only */
    const char *seeded_from; /* LEXICON_SEED_PATH, _BUILTIN or _NONE */
} lexicon_status;
/* What the live set holds now, for the system status. */
void lexicon_live_status(lexicon_live *l, lexicon_status *out);
/* Frees the live set. Every set acquired from it must have been released. NULL is fine. */
void lexicon_live_free(lexicon_live *l);

/* The current set, with a reference the caller gives back with lexicon_release. */
lexicon_set *lexicon_acquire(lexicon_live *l);
void lexicon_release(lexicon_set *s);
/* The set's compiled lexicons (all folded), valid while the reference is held. */
const text_lexicon *const *lexicon_set_lexicons(const lexicon_set *s, size_t *n);
size_t lexicon_set_entries(const lexicon_set *s);

/* True for a valid lexicon name: 1..LEXICON_MAX_NAME bytes of a-z, 0-9, '_', '-' and CJK
 * ideographs (涉政敏感词), never "pii". */
bool lexicon_name_valid(const char *name);

/*
 * The lexicons as {"items":[{"name","entries","categories":[…],"bytes","digest","updated_at",
 * "updated_at_text","updated_by"}…]}, ordered by name.
 */
int lexicon_list_json(lexicon_live *l, json_t **out, xn_error *err);

/* Appends a lexicon's source text to out and records the export. XN_ENOTFOUND when unknown. */
int lexicon_export(lexicon_live *l, const char *name, const audit_actor *actor, xn_buf *out,
                   xn_error *err);

typedef enum lexicon_mode {
    LEXICON_REPLACE, /* the text becomes the lexicon */
    LEXICON_MERGE    /* the text's entries are added; a line for an entry already present
                      * replaces that entry's line; the current comments stay */
} lexicon_mode;

typedef struct lexicon_result {
    size_t entries; /* distinct entries (first field of each line) after the change */
    size_t added, removed;
    char digest[80]; /* "<alg>:<hex>" of the new text */
} lexicon_result;

/* One bad line of a refused import. */
typedef struct lexicon_bad_line {
    size_t line;      /* 1-based, as an editor counts them (a byte order mark is no line) */
    char code[48];    /* stable machine word: "not_utf8", "control_char" or a code of
                       * text_builder_add (text.h), e.g. "bad_severity", "entry_empty" */
    char reason[256]; /* Chinese, for the editor: which column and what it may hold */
} lexicon_bad_line;

/* The bad lines of a refused import: the first LEXICON_MAX_ERRORS of them, in order, and how
 * many there are in all. */
typedef struct lexicon_refusal {
    size_t total; /* bad lines in the text; 0 when the text was not refused for its lines */
    size_t n;     /* of them listed in lines[] (at most LEXICON_MAX_ERRORS) */
    lexicon_bad_line lines[LEXICON_MAX_ERRORS];
} lexicon_refusal;

/*
 * The Chinese reason for the code of a bad line (lexicon_bad_line.code), or NULL for a code
 * the room does not know (a bad line then gets a general reason).
 */
const char *lexicon_reason(const char *code);

/*
 * A refusal as the members the HTTP error body carries beside code and message:
 * {"lines":[{"line","code","reason"}…],"more":N}, N the bad lines not listed. Owned by the
 * caller.
 */
json_t *lexicon_refusal_json(const lexicon_refusal *r);

/*
 * Imports text[0..len) into lexicon `name` (created when new). The text is validated line by
 * line first: UTF-8, no control characters, and each line in the format of text.h. When any
 * line is bad nothing changes, the result is XN_EINVAL "bad_lexicon" (field "body"), *bad
 * (unless NULL) lists the bad lines and the message names as many of them as fit
 * ("词库有 3 行有误，未作任何更改：第 2 行：…；另有 2 行有误"), so it reads alone. Any other
 * failure leaves bad->total 0. XN_ETOOBIG past LEXICON_MAX_IMPORT. On success the change and
 * its audit record commit together, then the new matcher takes over.
 */
int lexicon_import(lexicon_live *l, const char *name, const char *text, size_t len,
                   lexicon_mode mode, const audit_actor *actor, lexicon_result *res,
                   lexicon_refusal *bad, xn_error *err);

/*
 * The part of an import that needs no database, also what the fuzzer drives: validates text
 * as lexicon `name` (as lexicon_import describes, bad lines into *bad unless NULL), and
 * appends to out the lexicon's new text: text itself, or in merge mode text merged into
 * `current` (NULL for a new lexicon). Fills res and *categories (a JSON array text, freed by
 * the caller; NULL on error).
 */
int lexicon_text_apply(const char *name, const char *current, size_t current_len, const char *text,
                       size_t len, lexicon_mode mode, crypto_alg alg, xn_buf *out,
                       char **categories, lexicon_result *res, lexicon_refusal *bad, xn_error *err);

#endif
