/*
 * files: evidence files (scanned letters, photos of drills, content attachments) kept in the
 * database, checked at upload, scanned for viruses through clamd (PUB-12, ZJ 43/55/56).
 *
 * Storage. A file's bytes are content (table file_blob: digest, size, detected type, scan
 * state) cut into chunks of FILES_CHUNK bytes (table file_chunk, one row per chunk, in order
 * by seq). An upload is a person's act (table evidence_file: name, uploader, time) pointing at
 * its content; the same bytes uploaded twice are stored once (deduplicated by digest: SHA-256,
 * or SM3 under crypto.mode = gm, stored as "sha256:<hex>" / "sm3:<hex>"). Everything lives in
 * the database, so a backup of the database holds the files too.
 *
 * Uploads stream. files_upload_write takes the body piece by piece as it arrives and holds at
 * most one chunk in memory: the first chunk is kept until it is full (or the body ends), its
 * type is detected with libmagic and checked against the name's extension, and only then does
 * anything reach the database. Each chunk is then written in its own short transaction into a
 * content row in state 'uploading' (so a slow client never holds the write lock). A refusal
 * later on (over files.max_size) or a client that goes away deletes those rows again; rows a
 * crash left behind are deleted by files_purge_stale. files_upload_finish commits the upload:
 * the digest is known then; content with the same digest already stored is reused (the staged
 * rows dropped), the evidence_file row is inserted and `file.upload` is recorded, in one
 * transaction.
 *
 * Refused at upload (XN_EINVAL with the field named, XN_ETOOBIG for the size, nothing
 * stored): names that are empty, longer than FILES_MAX_NAME bytes, not UTF-8, or hold `/`,
 * `\`, NUL, control characters, direction controls or invisible characters (xn_check_text),
 * "." / ".." or a leading dot; extensions outside the list of evidence types (files.c:
 * documents, images, audio/video, archives; never HTML, SVG, scripts or executables); content
 * whose detected type does not belong to its extension (an executable named .pdf, an HTML page
 * named .jpg); empty content; content over files.max_size.
 *
 * The virus check (PUB-12). Content is 'pending' when stored with files.clamd set, else
 * 'unscanned' (shown as 未查毒: work that requires a clean file refuses it). A scan streams
 * the chunks to clamd (INSTREAM) and ends in 'clean' or 'infected' (quarantined), recorded as
 * `file.scan`. When clamd cannot be reached or answers with an error the content stays
 * 'pending' with the error and a next attempt time (5 s doubling, at most an hour): nothing is
 * lost, files_scan_pending picks it up again. Content stored unscanned that is uploaded again
 * once clamd is configured becomes pending.
 *
 * Who may read a file (files_may_read): the person who uploaded it, and holders of
 * `file.read` (安全管理员, 审计管理员) for content that is clean or unscanned; content still
 * pending is readable by nobody until its scan ends (409 scan_pending); infected content is
 * seen (metadata and download) only by holders of `file.quarantine` (安全管理员), never by its
 * uploader. Every download is recorded as `file.download`, every refusal of a signed-in person
 * as denied.
 *
 * The quarantine class. Files a guard agent took off a web host (a webshell, a defaced page)
 * are kept as evidence of the attack, not as evidence people file: evidence_file.class is
 * 'quarantine', the uploader is the agent (agent_id; no person), the type allow-list is not
 * applied (a .php must be storable) and the virus check's verdict is recorded but refuses
 * nothing. files_get, files_list_json and files_may_read never show them: they are read only
 * through files_quarantine_get, by the routes of the guard, and always as an attachment of type
 * application/octet-stream.
 *
 * Threads: a files_store is shared by every thread; uploads and readers belong to one thread
 * at a time. libmagic's handle is used under the store's lock.
 */
#ifndef XINAN_FILES_H
#define XINAN_FILES_H

#include "audit/audit.h"
#include "base/base.h"
#include "crypto/crypto.h"
#include "store/store.h"

#include <sys/types.h>

#define FILES_CHUNK    ((size_t)1 << 20) /* bytes per stored chunk */
#define FILES_MAX_NAME 255               /* bytes of a file name */
#define FILES_MAX_TYPE 96                /* bytes of a detected media type */
#define FILES_DIGEST   80                /* "sha256:" + 64 hex digits and the terminator */

typedef struct files_store files_store;

/*
 * Opens the room: libmagic's database (XN_EIO when it cannot be loaded), the digest algorithm
 * of crypto.mode, files.max_size and files.clamd. db and trail stay the caller's and must
 * outlive the room; both NULL give a room that serves only files_detect (the fuzz harness).
 */
int files_open(files_store **out, const xn_config *cfg, store *db, audit_trail *trail,
               xn_error *err);
void files_free(files_store *f);
/* files.max_size in effect. */
uint64_t files_max_size(const files_store *f);

/* ---- the checks at upload (pure functions; unit-tested and fuzzed) --------------------- */

/* The file name: XN_OK, or XN_EINVAL with field "filename", code bad_filename (or
 * xn_check_text's codes) and a Chinese message. len is the name's length in bytes (NUL inside
 * it is refused). */
int files_check_name(const char *name, size_t len, xn_error *err);
/*
 * Whether content of detected media type `type` (libmagic's MIME type), beginning with the len
 * bytes at head, may carry `name`'s extension: XN_OK, or XN_EINVAL with field "filename" and
 * code bad_extension (the extension is not an evidence type) or field "file" and code
 * type_mismatch (another type, or a text file holding HTML, SVG or XML markup in its first
 * 4 KiB, which a browser that sniffs would run).
 */
int files_check_type(const char *name, const char *type, const void *head, size_t len,
                     xn_error *err);
/* libmagic's MIME type of the first bytes of a content into type ("application/octet-stream"
 * when it cannot tell). Safe from any thread. */
void files_detect(files_store *f, const void *head, size_t len, char type[FILES_MAX_TYPE]);

/* ---- uploads ---------------------------------------------------------------------------- */

typedef struct files_upload files_upload;

/* What an upload is filed as (evidence_file.class). */
typedef enum files_class {
    FILES_EVIDENCE = 0,   /* a person's evidence: every check at upload */
    FILES_QUARANTINE = 1, /* what a guard agent quarantined: no type check, agent-only reads */
} files_class;

/* One stored file as the API shows it. */
typedef struct files_info {
    int64_t id;      /* evidence_file.id */
    int64_t blob_id; /* the content */
    char name[FILES_MAX_NAME + 1];
    char digest[FILES_DIGEST];
    int64_t size;
    char type[FILES_MAX_TYPE];
    char scan[16];      /* pending | clean | infected | unscanned */
    char signature[96]; /* what clamd found in infected content, else "" */
    int64_t uploaded_by;
    int64_t uploaded_at; /* epoch µs */
    int64_t scanned_at;  /* epoch µs, 0 when not scanned */
    files_class cls;
    char agent_id[24]; /* the agent that uploaded a quarantined file, else "" */
} files_info;

/*
 * Starts an upload by actor (a user: actor->id is the uploader). declared is the body's
 * announced length, or -1 when unknown: 0 is refused as an empty file and more than
 * files.max_size as XN_ETOOBIG (field "file") before anything is read. The name is checked
 * here (files_check_name). On success *out must be ended with files_upload_free. actor's
 * strings must outlive the upload.
 */
int files_upload_begin(files_store *f, const audit_actor *actor, const char *name, int64_t declared,
                       files_upload **out, xn_error *err);
/* As files_upload_begin for a file of class cls. FILES_QUARANTINE: actor is the agent
 * (actor->kind "agent", actor->name its id), the content's type is detected and recorded but
 * not checked against the name. */
int files_upload_begin_class(files_store *f, const audit_actor *actor, files_class cls,
                             const char *name, int64_t declared, files_upload **out, xn_error *err);
/* Takes the next piece of the body. XN_ETOOBIG past files.max_size, XN_EINVAL for a type that
 * does not match the name (detected on the first chunk); after an error the upload only waits
 * for files_upload_free, and nothing of it stays stored. */
int files_upload_write(files_upload *u, const void *data, size_t len, xn_error *err);
/* Ends the body: checks what is left, stores the last chunk, and commits the file with its
 * `file.upload` record. Fills *out. */
int files_upload_finish(files_upload *u, files_info *out, xn_error *err);
/* As files_upload_finish, and then link(tx, the stored file, ctx, err) inside the same
 * transaction (another room records what the file belongs to): an error of link rolls the whole
 * commit back, the upload then ends as failed and nothing of it stays. */
typedef int (*files_link_fn)(store_conn *tx, const files_info *fi, void *ctx, xn_error *err);
int files_upload_finish_link(files_upload *u, files_link_fn link, void *ctx, files_info *out,
                             xn_error *err);
/* Frees the upload; an upload not finished has its staged rows deleted. NULL is fine. */
void files_upload_free(files_upload *u);
/* Deletes content left in state 'uploading' for more than max_age_us (a crash mid-upload).
 * Meant to run as a periodic job. */
int files_purge_stale(files_store *f, int64_t now_us, int64_t max_age_us, int64_t *purged,
                      xn_error *err);

/* ---- reading ---------------------------------------------------------------------------- */

/* The file with this id; XN_ENOTFOUND when there is none, or it is a quarantined file. */
int files_get(files_store *f, int64_t id, files_info *out, xn_error *err);
/* The quarantined file with this id (class FILES_QUARANTINE); XN_ENOTFOUND otherwise. The
 * caller serves it only as application/octet-stream, as an attachment. */
int files_quarantine_get(files_store *f, int64_t id, files_info *out, xn_error *err);
/* {id, name, digest, size, type, scan, scan_text, signature?, uploaded_by, uploaded_at,
 * uploaded_at_text, scanned_at?} (scan_text: 未查毒, 待查毒, 无毒, 已隔离). */
json_t *files_info_json(const files_info *fi);

/* Pages of the files list: at most FILES_PAGE_MAX a page, FILES_PAGE_DEFAULT when no limit is
 * asked for. */
#define FILES_PAGE_MAX     200
#define FILES_PAGE_DEFAULT 50

/*
 * The files a person may see, newest first (by upload, i.e. by id), as
 * {items: [files_info_json + uploader (the uploader's name)], next}: their own uploads, or
 * everyone's when can_read (file.read); infected content only when can_quarantine, to its
 * uploader too as files_may_read has it. cursor 0 starts at the newest; else the page holds
 * files older than the file with that id. next is the cursor of the following page, null at
 * the end. limit is 1..FILES_PAGE_MAX.
 */
int files_list_json(files_store *f, int64_t user_id, bool can_read, bool can_quarantine,
                    int64_t cursor, int limit, json_t **out, xn_error *err);

/* Whether a person may read a file (see the top of this header): user_id, and whether they
 * hold file.read and file.quarantine. XN_OK, XN_ENOTFOUND (infected content to anyone without
 * file.quarantine: its existence is not disclosed), XN_EDENIED, or XN_ECONFLICT code
 * scan_pending. */
int files_may_read(const files_info *fi, int64_t user_id, bool can_read, bool can_quarantine,
                   xn_error *err);
/* Records `file.download` (or a denied read: result AUDIT_DENIED, reason) in its own
 * transaction. */
int files_audit_read(files_store *f, const audit_actor *actor, const files_info *fi,
                     const char *result, const char *reason, xn_error *err);

/* A reader of a file's content, chunk by chunk: holds one chunk in memory. */
typedef struct files_reader files_reader;
int files_reader_open(files_store *f, const files_info *fi, files_reader **out, xn_error *err);
/* Copies up to max bytes from offset pos; returns the count (0 at the end) or -1 on a database
 * error or a chunk missing. Reading in order costs one query per chunk. */
ssize_t files_reader_read(files_reader *r, uint64_t pos, void *buf, size_t max);
void files_reader_free(files_reader *r);

/* ---- the virus check (PUB-12) --------------------------------------------------------- */

/*
 * Scans one file's content now when it is pending and due (a bounded call: clamd's socket has
 * a 30 s timeout per operation). *state gets the state afterwards. XN_EIO when clamd could not
 * be reached or failed: the content stays pending for a later attempt.
 */
int files_scan_file(files_store *f, int64_t file_id, char state[16], xn_error *err);
/*
 * Scans up to max pending contents whose next attempt is due, oldest first; stops at the first
 * failure to reach clamd (the rest wait for the next call). *scanned counts the contents that
 * got a verdict. Meant to run as a job kind of the job runner ("files.scan"), and after each
 * upload.
 */
int files_scan_pending(files_store *f, int max, int *scanned, xn_error *err);
/*
 * The INSTREAM exchange with clamd over a connected socket fd: sends the content read from
 * reader (in pieces of at most 1 MiB), then reads the answer. *infected and signature
 * (what was found) on a verdict; XN_EIO with clamd's error otherwise. Exposed for tests.
 */
int files_clamd_instream(int fd, files_reader *r, uint64_t size, bool *infected, char signature[96],
                         xn_error *err);
/* Connects to files.clamd (a unix socket path or host:port) with 30 s send/receive timeouts;
 * returns the socket or -1 with err filled. */
int files_clamd_connect(const char *where, xn_error *err);

/* ---- Content-Disposition (RFC 6266, RFC 5987) ------------------------------------------- */

/* `attachment; filename="<ASCII stand-in>"; filename*=UTF-8''<percent-encoded name>` into out;
 * XN_ETOOBIG when it does not fit. */
int files_disposition(const char *name, char *out, size_t size);

#endif
