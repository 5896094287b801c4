/*
 * text: the text engine. Every draft, comment, reprint and live page passes through it.
 *
 * Three parts:
 *  - a fold (normalisation) applied one code point at a time: Unicode NFKC with case folding and
 *    marks stripped (utf8proc), traditional -> simplified characters (OpenCC's character table),
 *    and a skip set of noise characters (spaces, punctuation, symbols, zero-width and control
 *    characters), so that 法 轮-功, 法\u200b轮功, 法輪功 and ＦＬＧ / flg fold alike;
 *  - lexicons compiled into one multi-pattern automaton (Aho-Corasick over folded code points in
 *    a double array) whose image is the same in memory and on disk, so a compiled file is read
 *    and validated, never rebuilt; the fold table travels inside the image;
 *  - personal-data detectors (PUB-9) with check digits and masked display forms.
 *
 * Hits always carry byte offsets into the caller's original text: folding never moves them.
 * Invalid UTF-8 is read as U+FFFD (one per bad byte), which folds to noise; nothing crashes.
 *
 * Lexicon text format (plain UTF-8, one entry per line, '#' starts a comment line):
 *     entry[,category[,severity[,suggest]]]
 * category defaults to the lexicon's name (the file name without extension); severity is
 * low|medium|high (or 1|2|3, default medium); suggest is the correction of a wording error
 * (PUB-13, MON-3). The category "whitelist" marks a legitimate phrase: it is never reported and
 * suppresses every hit it fully contains.
 */
#ifndef XINAN_TEXT_H
#define XINAN_TEXT_H

#include "base/base.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TEXT_MAX_ENTRY_SYMS  64      /* folded code points in one entry */
#define TEXT_MAX_ENTRY_BYTES 1024    /* bytes of one entry, category or suggestion as written */
#define TEXT_MAX_ENTRIES     2000000 /* entries in one compiled lexicon */
#define TEXT_MAX_SOURCE      (256u << 20) /* bytes of one lexicon text file */
#define TEXT_MAX_IMAGE       (1u << 30)   /* bytes of one compiled lexicon */

typedef enum text_severity {
    TEXT_SEV_LOW = 1,
    TEXT_SEV_MEDIUM = 2,
    TEXT_SEV_HIGH = 3
} text_severity;

/* "low", "medium", "high". */
const char *text_severity_name(int severity);

/* ------------------------------------------------------------------------------------------ */
/* Fold                                                                                       */
/* ------------------------------------------------------------------------------------------ */

/*
 * Folds one code point into at most `max` folded code points written to out (noise removed).
 * Returns the count: 0 when the code point is noise (skipped), 1 for most, more for expansions
 * such as ㍻ -> 平成. Pure function of Unicode data and OpenCC's table.
 */
int text_fold_cp(uint32_t cp, uint32_t *out, int max);

/* Appends the folded form of s[0..n) to out as UTF-8 (what the matcher sees). */
int text_fold_utf8(const char *s, size_t n, xn_buf *out);

/* Appends s[0..n) to out with every invalid UTF-8 byte replaced by U+FFFD. */
int text_utf8_clean(const char *s, size_t n, xn_buf *out);

/* ------------------------------------------------------------------------------------------ */
/* Lexicons                                                                                   */
/* ------------------------------------------------------------------------------------------ */

typedef struct text_builder text_builder;
typedef struct text_lexicon text_lexicon;

/*
 * A builder collects entries and builds one lexicon. With fold false the lexicon matches raw
 * code points (no normalisation, no skipped characters). Free with text_builder_free.
 */
text_builder *text_builder_new(bool fold);
void text_builder_free(text_builder *b);

/*
 * Adds one entry. `lexicon` names its source; category NULL means the lexicon's name; severity
 * 0 means medium; suggest may be NULL. An entry whose folded form is already present is
 * ignored (a whitelist entry wins over a flagged one). A refused entry is XN_EINVAL with one
 * code a reason each, which callers may map to their own wording:
 *   entry_empty        the entry is empty
 *   entry_too_big      the entry is longer than TEXT_MAX_ENTRY_BYTES bytes as written
 *   entry_not_utf8     the entry is not valid UTF-8 or holds a NUL
 *   entry_too_long     the entry folds to more than TEXT_MAX_ENTRY_SYMS characters
 *   entry_only_noise   the entry folds to nothing (only spaces, punctuation or symbols)
 *   category_too_long, category_not_utf8, suggest_too_long, suggest_not_utf8
 *                      the same limits (TEXT_MAX_ENTRY_BYTES) for the category and suggestion
 *   bad_severity       severity outside low..high
 *   bad_lexicon_name   the lexicon's name is too long or not UTF-8
 * and XN_ETOOBIG "too_many_entries" past TEXT_MAX_ENTRIES, "lexicon_too_large" past the
 * string pool.
 */
int text_builder_add(text_builder *b, const char *lexicon, const char *entry, size_t entry_len,
                     const char *category, int severity, const char *suggest, xn_error *err);

/*
 * Parses lexicon text (format above). On a bad line, the code of text_builder_add (a severity
 * column that is not a severity is "bad_severity", a category or suggestion column that is too
 * long "category_too_long" or "suggest_too_long") with the message "name:line: reason"
 * (English, for the command line). Lines before the bad one stay added.
 */
int text_builder_add_text(text_builder *b, const char *lexicon, const char *data, size_t len,
                          xn_error *err);

/* Reads a lexicon text file (at most TEXT_MAX_SOURCE bytes); its name is the base name. */
int text_builder_add_file(text_builder *b, const char *path, xn_error *err);

/* Entries added so far (duplicates not counted). */
size_t text_builder_count(const text_builder *b);

/*
 * Builds the automaton. The builder may be reused or freed afterwards; *out is owned by the
 * caller. XN_EINVAL when no entry was added, XN_ETOOBIG past TEXT_MAX_ENTRIES.
 */
int text_builder_build(text_builder *b, text_lexicon **out, xn_error *err);

/*
 * Loads a compiled lexicon, read into private memory (not mapped, so a file truncated or
 * rewritten while the lexicon is in use cannot raise SIGBUS). Every offset, index and link in
 * the file is validated before use, and the checksum must match: a truncated or corrupted file
 * is rejected with XN_EINVAL ("bad_lexicon"), never read out of bounds.
 */
int text_lexicon_load(const char *path, text_lexicon **out, xn_error *err);

/*
 * As text_lexicon_load, over an image in memory. The lexicon borrows `data`, which must stay
 * valid and unchanged until text_lexicon_free; with check_hash false the checksum is not
 * verified (for tests and fuzzing of the structural checks).
 */
int text_lexicon_from_image(const void *data, size_t len, bool check_hash, text_lexicon **out,
                            xn_error *err);

/* True when path starts like a compiled lexicon (as opposed to lexicon text). */
bool text_file_is_compiled(const char *path);

/* The compiled image (what text_lexicon_save writes). Valid while the lexicon lives. */
const void *text_lexicon_image(const text_lexicon *lex, size_t *len);

/* Writes the compiled image to path atomically (temporary file, fsync, rename). */
int text_lexicon_save(const text_lexicon *lex, const char *path, xn_error *err);

/* Recomputes an image's checksum in place (used by the fuzzer to reach the structural checks). */
void text_image_fix_hash(void *data, size_t len);

void text_lexicon_free(text_lexicon *lex);
bool text_lexicon_folded(const text_lexicon *lex);
size_t text_lexicon_entries(const text_lexicon *lex);
/* Bytes of the image (what a loaded lexicon occupies). */
size_t text_lexicon_size(const text_lexicon *lex);

/*
 * A lexicon set: lexicons gathered from files and directories. Text sources go into one builder
 * (so whitelists suppress across them); compiled files are loaded as they are and must match
 * the set's folding. Free with text_lexset_free.
 */
typedef struct text_lexset text_lexset;
text_lexset *text_lexset_new(bool fold);
void text_lexset_free(text_lexset *ls);
/* Adds a file, or every regular file of a directory (sorted, dot files skipped). With
 * allow_compiled false a compiled file is refused. */
int text_lexset_add_path(text_lexset *ls, const char *path, bool allow_compiled, xn_error *err);
/* The builder holding the text sources added so far. */
text_builder *text_lexset_builder(text_lexset *ls);
/* Builds the text sources into one more lexicon of the set (nothing when there are none). */
int text_lexset_build(text_lexset *ls, xn_error *err);
/* The set's lexicons, valid until text_lexset_free. */
const text_lexicon *const *text_lexset_lexicons(const text_lexset *ls, size_t *n);

/* ------------------------------------------------------------------------------------------ */
/* Checking                                                                                   */
/* ------------------------------------------------------------------------------------------ */

typedef enum text_mode {
    TEXT_MODE_ALL,    /* every hit, overlapping and nested ones included */
    TEXT_MODE_LONGEST /* leftmost-longest, non-overlapping */
} text_mode;

typedef struct text_hit {
    size_t start;         /* byte offset of the first matched character in the checked text */
    size_t end;           /* byte offset just past the last matched character */
    const char *entry;    /* the entry as written in its lexicon (NUL-terminated) */
    const char *lexicon;  /* the lexicon's name */
    const char *category; /* category (for personal data: its kind, e.g. "id_card") */
    const char *suggest;  /* the correction of a wording error, or NULL */
    int severity;         /* text_severity */
} text_hit;

/* Receives each hit; the hit's strings live as long as the lexicon. Nonzero stops the check. */
typedef int (*text_hit_fn)(void *ctx, const text_hit *hit);

typedef struct text_check_opts {
    text_mode mode;
    /* Optional: called after each 16 MiB of text with the offset up to which the text has been
     * consumed (a hit may still refer back to earlier bytes), e.g. to drop mapped pages. */
    void (*progress)(void *ctx, size_t offset);
} text_check_opts;

/*
 * Checks text[0..len) against nlex lexicons in one pass (all folded or all raw: mixing is
 * XN_EINVAL). Hits are delivered in order of start offset (ties: longer first), after whitelist
 * suppression. Returns 0, the callback's nonzero value (as XN_OK-compatible positive int) when
 * it stopped the check, or a negative xn_err. opts may be NULL (all hits).
 */
int text_check(const text_lexicon *const *lex, size_t nlex, const char *text, size_t len,
               const text_check_opts *opts, text_hit_fn fn, void *ctx, xn_error *err);

/* A hit as the JSON object `xinan text check` prints and the API returns:
 * {"start","end","text","entry","lexicon","category","severity","suggest"}. `text` is the
 * checked text the offsets refer to. */
json_t *text_hit_json(const text_hit *h, const char *text);

/*
 * Counts the hits text_check would deliver, into *hits. Without whitelist entries and in all
 * mode this takes a fast path that neither orders nor materialises hits (for `--count`).
 */
int text_count(const text_lexicon *const *lex, size_t nlex, const char *text, size_t len,
               text_mode mode, uint64_t *hits, xn_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Personal data (PUB-9)                                                                      */
/* ------------------------------------------------------------------------------------------ */

typedef enum text_pii_kind {
    TEXT_PII_ID_CARD,   /* 18-digit resident ID, GB 11643 check digit and a valid date */
    TEXT_PII_ID_CARD15, /* 15-digit first-generation ID (valid region and date) */
    TEXT_PII_MOBILE,    /* mainland mobile number, optionally +86 and grouped 3-4-4 */
    TEXT_PII_LANDLINE,  /* landline with area code: 010-12345678, (0755)1234567 */
    TEXT_PII_BANK_CARD, /* 16-19 digits with a valid Luhn check, optionally grouped by 4 */
    TEXT_PII_EMAIL,
    TEXT_PII_USCC,    /* unified social credit code with the GB 32100 check character */
    TEXT_PII_PASSPORT /* mainland passport: E12345678, EA1234567, G12345678 */
} text_pii_kind;

#define TEXT_PII_MASK_MAX 96

typedef struct text_pii_hit {
    text_pii_kind kind;
    size_t start, end;              /* byte offsets into the text, end exclusive */
    char masked[TEXT_PII_MASK_MAX]; /* display form, e.g. 110105********1234 */
} text_pii_hit;

typedef int (*text_pii_fn)(void *ctx, const text_pii_hit *hit);

/* "id_card", "id_card15", "mobile", "landline", "bank_card", "email", "uscc", "passport". */
const char *text_pii_kind_name(text_pii_kind kind);
int text_pii_severity(text_pii_kind kind);

/*
 * Finds personal data in text[0..len), in order of start offset. A number that fails its check
 * digit, date or region is not reported as that kind. Full-width digits and letters, the
 * ideographic space and full-width hyphens count as their ASCII forms (a mobile number may be
 * typed in full width): offsets still refer to the original bytes and masked forms are ASCII.
 * Returns 0, the callback's nonzero value, or XN_ENOMEM when a text holding full-width forms
 * cannot be copied into its ASCII view (a copy of at most len bytes).
 */
int text_pii_scan(const char *text, size_t len, text_pii_fn fn, void *ctx);
/* A personal-data hit in the same JSON shape; "text" is the masked form, "entry" null. */
json_t *text_pii_hit_json(const text_pii_hit *h);

/* The individual checks, on exactly n characters (no separators). */
bool text_id18_valid(const char *s, size_t n);
bool text_id15_valid(const char *s, size_t n);
bool text_luhn_valid(const char *s, size_t n);
bool text_uscc_valid(const char *s, size_t n);

#endif
