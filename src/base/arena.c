/*
 * Arena: bump allocation in chunks, freed in one shot with cleanup callbacks run in reverse.
 * Built with XN_ARENA_MALLOC=1 (the sanitizer and fuzz builds), every allocation is its own
 * malloc so ASan sees overflows and use-after-free at the exact object.
 */
#include "base/base.h"

#include <stdlib.h>
#include <string.h>

#define CHUNK_SIZE 8192
#define ALIGN      16

typedef struct chunk {
    struct chunk *next;
    size_t used;
    size_t size;
    _Alignas(ALIGN) unsigned char data[];
} chunk;

typedef struct cleanup {
    struct cleanup *next;
    xn_cleanup_fn fn;
    void *data;
} cleanup;

struct xn_arena {
    chunk *chunks;
    cleanup *cleanups;
    size_t used;  /* bytes handed out */
    size_t limit; /* 0: unlimited */
};

xn_arena *xn_arena_new(size_t limit)
{
    xn_arena *a = xn_xcalloc(1, sizeof *a);
    a->limit = limit;
    return a;
}

void xn_arena_free(xn_arena *a)
{
    if (!a)
        return;
    for (cleanup *c = a->cleanups; c;) {
        cleanup *next = c->next;
        c->fn(c->data);
        free(c);
        c = next;
    }
    for (chunk *c = a->chunks; c;) {
        chunk *next = c->next;
        free(c);
        c = next;
    }
    free(a);
}

static chunk *new_chunk(size_t size)
{
    chunk *c = malloc(sizeof *c + size);
    if (!c)
        return NULL;
    c->next = NULL;
    c->used = 0;
    c->size = size;
    return c;
}

void *xn_arena_alloc(xn_arena *a, size_t n)
{
    if (n == 0)
        n = 1;
    if (n > SIZE_MAX - ALIGN)
        return NULL;
    size_t rounded = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (a->limit && (rounded > a->limit || a->used > a->limit - rounded))
        return NULL;
#if defined(XN_ARENA_MALLOC) && XN_ARENA_MALLOC
    chunk *c = new_chunk(n);
    if (!c)
        return NULL;
    c->next = a->chunks;
    a->chunks = c;
    a->used += rounded;
    return c->data;
#else
    chunk *c = a->chunks;
    if (!c || c->size - c->used < rounded) {
        /* Large requests get a chunk of their own placed behind the current one. */
        size_t size = rounded > CHUNK_SIZE / 4 ? rounded : CHUNK_SIZE;
        chunk *fresh = new_chunk(size);
        if (!fresh)
            return NULL;
        if (c && size != CHUNK_SIZE) {
            fresh->next = c->next;
            c->next = fresh;
        } else {
            fresh->next = c;
            a->chunks = fresh;
        }
        c = fresh;
    }
    void *p = c->data + c->used;
    c->used += rounded;
    a->used += rounded;
    return p;
#endif
}

void *xn_arena_calloc(xn_arena *a, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    void *p = xn_arena_alloc(a, count * size);
    if (p)
        memset(p, 0, count * size);
    return p;
}

char *xn_arena_strndup(xn_arena *a, const char *s, size_t n)
{
    if (n == SIZE_MAX)
        return NULL;
    char *p = xn_arena_alloc(a, n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *xn_arena_strdup(xn_arena *a, const char *s)
{
    return xn_arena_strndup(a, s, strlen(s));
}

char *xn_arena_printf(xn_arena *a, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *p = NULL;
    if (n >= 0 && (p = xn_arena_alloc(a, (size_t)n + 1)))
        vsnprintf(p, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return p;
}

int xn_arena_on_free(xn_arena *a, xn_cleanup_fn fn, void *data)
{
    cleanup *c = malloc(sizeof *c);
    if (!c)
        return XN_ENOMEM;
    c->fn = fn;
    c->data = data;
    c->next = a->cleanups;
    a->cleanups = c;
    return XN_OK;
}
