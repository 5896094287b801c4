/*
 * Hyperscan's side of the text bench: the same entries as literals (hs_compile_lit_multi,
 * block mode), every match counted, best of three passes over the mapped corpus.
 *   usage: bench_hs LEXICON.txt CORPUS
 */
#include "map_file.h"

#include <fcntl.h>
#include <hs/hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int on_match(unsigned int id, unsigned long long from, unsigned long long to,
                    unsigned int flags, void *ctx)
{
    (void)id;
    (void)from;
    (void)to;
    (void)flags;
    (*(unsigned long long *)ctx)++;
    return 0;
}

int main(int argc, char **argv)
{
    size_t lexlen, len, n = 0, cap = 1024;
    char *lex, *corpus;
    const char **exprs = malloc(cap * sizeof *exprs);
    size_t *lens = malloc(cap * sizeof *lens);
    unsigned *ids = malloc(cap * sizeof *ids), *flags = malloc(cap * sizeof *flags);
    hs_database_t *db = NULL;
    hs_compile_error_t *cerr = NULL;
    hs_scratch_t *scratch = NULL;

    if (argc < 3) {
        fprintf(stderr, "usage: bench_hs LEXICON CORPUS\n");
        return 2;
    }
    lex = map_file(argv[1], &lexlen);
    for (size_t i = 0; i < lexlen;) {
        char *nl = memchr(lex + i, '\n', lexlen - i);
        size_t e = nl ? (size_t)(nl - lex) : lexlen;
        if (e > i) {
            if (n == cap) {
                cap *= 2;
                exprs = realloc(exprs, cap * sizeof *exprs);
                lens = realloc(lens, cap * sizeof *lens);
                ids = realloc(ids, cap * sizeof *ids);
                flags = realloc(flags, cap * sizeof *flags);
            }
            exprs[n] = lex + i;
            lens[n] = e - i;
            ids[n] = (unsigned)n;
            flags[n] = 0;
            n++;
        }
        i = e + 1;
    }
    double t0 = now();
    if (hs_compile_lit_multi(exprs, flags, ids, lens, (unsigned)n, HS_MODE_BLOCK, NULL, &db,
                             &cerr) != HS_SUCCESS) {
        fprintf(stderr, "bench_hs: %s\n", cerr->message);
        return 1;
    }
    double compile = now() - t0;
    if (hs_alloc_scratch(db, &scratch) != HS_SUCCESS)
        return 1;
    corpus = map_file(argv[2], &len);
    madvise(corpus, len, MADV_WILLNEED);
    double best = 0;
    unsigned long long hits = 0;
    for (int pass = 0; pass < 3; pass++) {
        hits = 0;
        double t1 = now();
        if (hs_scan(db, corpus, (unsigned)len, 0, scratch, on_match, &hits) != HS_SUCCESS)
            return 1;
        double mbs = (double)len / 1e6 / (now() - t1);
        best = mbs > best ? mbs : best;
    }
    printf("entries=%zu compile_s=%.3f bytes=%zu hits=%llu mb_per_s=%.1f\n", n, compile, len, hits,
           best);
    hs_free_scratch(scratch);
    hs_free_database(db);
    return 0;
}
