/* Inside the files room only. */
#ifndef XN_FILES_INT_H
#define XN_FILES_INT_H

#include "files/files.h"

#include <pthread.h>

struct files_store {
    store *db;
    audit_trail *trail;
    uint64_t max_size; /* files.max_size */
    crypto_alg alg;    /* digests: SM3 (gm) or SHA-256 */
    char clamd[256];   /* files.clamd, "" off */
    pthread_mutex_t magic_lock;
    struct magic_set *magic; /* libmagic's handle: one thread at a time */
};

/* A FILES_CHUNK buffer mapped for one transfer (NULL when the system refuses), and its
 * release (NULL is fine). */
void *files_chunk_alloc(void);
void files_chunk_free(void *p);

/* Deletes a staged ('uploading') content and its chunks inside the caller's transaction;
 * committed content is never touched. */
int files_delete_blob(store_conn *c, int64_t blob_id, xn_error *err);
/* Reads one file's row with its content's into out; XN_ENOTFOUND when there is none. */
int files_load(store_conn *c, int64_t id, files_info *out, xn_error *err);
/* The file with this id whatever its class (the virus check scans quarantined files too). */
int files_get_any(files_store *f, int64_t id, files_info *out, xn_error *err);

#endif
