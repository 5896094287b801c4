/*
 * Reading a table ahead of its rows' use (sheet.h): the reader (inflating and parsing the xlsx
 * part, or splitting the CSV) runs on a thread of its own and hands rows over in batches, while
 * the caller's thread takes them in file order. An import spends a quarter of its time reading
 * and the rest checking and writing the rows; the two now overlap.
 *
 * Two batches of AHEAD_ROWS rows (or AHEAD_BYTES of text) go back and forth: the reader fills
 * one while the caller takes the other. A batch holds copies of the rows' cells (the reader's
 * own live only until its callback returns), so memory stays two batches, a few MiB at most,
 * whatever the file's size.
 */
#include "register/sheet.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define AHEAD_ROWS    256
#define AHEAD_BATCHES 2
/* A batch is handed over at this many bytes of text even before AHEAD_ROWS rows: a row may
 * carry 64 cells of 32 KiB (one shared string, referenced by every cell, inflates to that),
 * and 256 such rows would be half a gigabyte. So a batch holds at most this plus one row. */
#define AHEAD_BYTES (1u << 20)

typedef struct ahead_row {
    size_t row;    /* the spreadsheet's row number */
    size_t first;  /* its first cell in the batch's cells */
    size_t ncells; /* cells A, B, … of the row */
} ahead_row;

typedef struct ahead_cell {
    sheet_kind kind;
    size_t off; /* the text in the batch's text, NUL-terminated */
    size_t len;
} ahead_cell;

typedef struct ahead_batch {
    ahead_row rows[AHEAD_ROWS];
    size_t nrows;
    ahead_cell *cells;
    size_t ncells, cells_cap;
    xn_buf text;
    bool full; /* the reader's, to be taken by the caller */
} ahead_batch;

typedef struct ahead {
    sheet_reader_fn read;
    const void *data;
    size_t len;
    const sheet_limits *lim;

    pthread_mutex_t lock;
    pthread_cond_t changed;
    ahead_batch batches[AHEAD_BATCHES];
    size_t fill; /* the batch the reader fills */
    bool done;   /* the reader has ended: rc and err say how */
    bool stop;   /* the caller wants no more rows */
    int rc;
    xn_error err;
} ahead;

/* The reader's callback: the row copied into the batch being filled; a full batch handed over
 * and the next one waited for. */
static int keep_row(void *ctx, size_t row, const sheet_cell *cells, size_t ncells, xn_error *err)
{
    ahead *a = ctx;
    ahead_batch *b = &a->batches[a->fill];
    if (b->ncells + ncells > b->cells_cap) {
        size_t cap = b->cells_cap ? b->cells_cap * 2 : AHEAD_ROWS * 16;
        while (cap < b->ncells + ncells)
            cap *= 2;
        ahead_cell *more = realloc(b->cells, cap * sizeof *more);
        if (!more)
            return xn_fail(err, XN_ENOMEM, "no_memory", "out of memory");
        b->cells = more;
        b->cells_cap = cap;
    }
    b->rows[b->nrows] = (ahead_row){.row = row, .first = b->ncells, .ncells = ncells};
    for (size_t i = 0; i < ncells; i++) {
        b->cells[b->ncells++] =
            (ahead_cell){.kind = cells[i].kind, .off = b->text.len, .len = cells[i].len};
        if (xn_buf_append(&b->text, cells[i].text, cells[i].len) != XN_OK ||
            xn_buf_append(&b->text, "", 1) != XN_OK)
            return xn_fail(err, XN_ENOMEM, "no_memory", "out of memory");
    }
    if (++b->nrows < AHEAD_ROWS && b->text.len < AHEAD_BYTES)
        return XN_OK;
    pthread_mutex_lock(&a->lock);
    b->full = true;
    a->fill = (a->fill + 1) % AHEAD_BATCHES;
    pthread_cond_broadcast(&a->changed);
    while (a->batches[a->fill].full && !a->stop)
        pthread_cond_wait(&a->changed, &a->lock);
    bool stop = a->stop;
    pthread_mutex_unlock(&a->lock);
    /* the caller has what it wants (a fault it returned): the reader ends quietly */
    return stop ? xn_fail(err, XN_EINTERNAL, "stopped", "no more rows wanted") : XN_OK;
}

static void *reader(void *arg)
{
    ahead *a = arg;
    xn_error err = {0};
    int rc = a->read(a->data, a->len, a->lim, keep_row, a, &err);
    pthread_mutex_lock(&a->lock);
    ahead_batch *b = &a->batches[a->fill];
    if (b->nrows > 0) /* the last rows, fewer than a batch */
        b->full = true;
    a->rc = rc;
    a->err = err;
    a->done = true;
    pthread_cond_broadcast(&a->changed);
    pthread_mutex_unlock(&a->lock);
    return NULL;
}

/* Hands the rows of batch b to fn; the first non-zero return of fn is returned. */
static int take_batch(ahead_batch *b, sheet_row_fn fn, void *ctx, xn_error *err)
{
    sheet_cell cells[SHEET_MAX_COLS];
    for (size_t r = 0; r < b->nrows; r++) {
        const ahead_row *row = &b->rows[r];
        size_t n = row->ncells < SHEET_MAX_COLS ? row->ncells : SHEET_MAX_COLS;
        for (size_t i = 0; i < n; i++) {
            const ahead_cell *c = &b->cells[row->first + i];
            cells[i] = (sheet_cell){.kind = c->kind, .text = b->text.data + c->off, .len = c->len};
        }
        int rc = fn(ctx, row->row, cells, n, err);
        if (rc != XN_OK)
            return rc;
    }
    return XN_OK;
}

int sheet_read_ahead(sheet_reader_fn read, const void *data, size_t len, const sheet_limits *lim,
                     sheet_row_fn fn, void *ctx, xn_error *err)
{
    ahead *a = calloc(1, sizeof *a);
    if (!a)
        return xn_fail(err, XN_ENOMEM, "no_memory", "out of memory");
    *a = (ahead){.read = read, .data = data, .len = len, .lim = lim};
    pthread_mutex_init(&a->lock, NULL);
    pthread_cond_init(&a->changed, NULL);
    for (size_t i = 0; i < AHEAD_BATCHES; i++)
        xn_buf_init(&a->batches[i].text, 0);
    pthread_t thread;
    if (pthread_create(&thread, NULL, reader, a) != 0) {
        /* no thread to be had: read in this one */
        for (size_t i = 0; i < AHEAD_BATCHES; i++)
            xn_buf_release(&a->batches[i].text);
        pthread_cond_destroy(&a->changed);
        pthread_mutex_destroy(&a->lock);
        free(a);
        return read(data, len, lim, fn, ctx, err);
    }
    int rc = XN_OK;
    size_t take = 0; /* the batch the caller takes next: batches are filled in turn */
    for (;;) {
        pthread_mutex_lock(&a->lock);
        while (!a->batches[take].full && !a->done)
            pthread_cond_wait(&a->changed, &a->lock);
        bool ready = a->batches[take].full;
        pthread_mutex_unlock(&a->lock);
        if (!ready)
            break; /* the reader ended and every row has been taken */
        ahead_batch *b = &a->batches[take];
        rc = take_batch(b, fn, ctx, err);
        pthread_mutex_lock(&a->lock);
        b->nrows = b->ncells = 0;
        xn_buf_reset(&b->text);
        b->full = false;
        if (rc != XN_OK)
            a->stop = true;
        pthread_cond_broadcast(&a->changed);
        pthread_mutex_unlock(&a->lock);
        if (rc != XN_OK)
            break;
        take = (take + 1) % AHEAD_BATCHES;
    }
    pthread_join(thread, NULL);
    if (rc == XN_OK && a->rc != XN_OK) {
        /* the reader's own fault (a bad file, a bound), after every row before it was taken */
        rc = a->rc;
        if (err)
            *err = a->err;
    }
    for (size_t i = 0; i < AHEAD_BATCHES; i++) {
        free(a->batches[i].cells);
        xn_buf_release(&a->batches[i].text);
    }
    pthread_cond_destroy(&a->changed);
    pthread_mutex_destroy(&a->lock);
    free(a);
    return rc;
}
