/*
 * xinan's side of the text bench: compile time, compiled-file load time, matching throughput
 * (best of three passes over the mapped corpus, all hits counted) and resident memory.
 *   usage: bench_xinan compile|match|rss LEXICON.txt|COMPILED CORPUS [--raw]
 * Prints one line of key=value pairs.
 */
#include "text/text.h"

#include "map_file.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static int count_hit(void *ctx, const text_hit *hit)
{
    (void)hit;
    (*(unsigned long long *)ctx)++;
    return 0;
}

static void drop_pages(void *ctx, size_t offset)
{
    /* As `xinan text check` does: scanned pages leave the resident set. */
    const char *base = *(const char **)((unsigned long long *)ctx + 1);
    if (offset > (2u << 20))
        madvise((void *)base, (offset - (1u << 20)) & ~(size_t)4095, MADV_DONTNEED);
}

int main(int argc, char **argv)
{
    xn_error err = {0};
    bool raw = argc > 4 && strcmp(argv[4], "--raw") == 0;
    if (argc < 4) {
        fprintf(stderr, "usage: bench_xinan compile|match|rss LEXICON CORPUS_OR_OUT [--raw]\n");
        return 2;
    }
    if (strcmp(argv[1], "compile") == 0) {
        /* argv[3] is the output path here. */
        int64_t t0 = xn_monotonic_us();
        text_builder *b = text_builder_new(!raw);
        text_lexicon *lex = NULL;
        if (text_builder_add_file(b, argv[2], &err) < 0 || text_builder_build(b, &lex, &err) < 0 ||
            text_lexicon_save(lex, argv[3], &err) < 0) {
            fprintf(stderr, "bench_xinan: %s\n", err.message);
            return 1;
        }
        double secs = (double)(xn_monotonic_us() - t0) / 1e6;
        double best = 1e9;
        for (int i = 0; i < 5; i++) {
            text_lexicon *l2 = NULL;
            int64_t t1 = xn_monotonic_us();
            if (text_lexicon_load(argv[3], &l2, &err) < 0) {
                fprintf(stderr, "bench_xinan: %s\n", err.message);
                return 1;
            }
            double ms = (double)(xn_monotonic_us() - t1) / 1e3;
            best = ms < best ? ms : best;
            text_lexicon_free(l2);
        }
        printf("entries=%zu compile_s=%.3f image_bytes=%zu load_ms=%.2f\n",
               text_lexicon_entries(lex), secs, text_lexicon_size(lex), best);
        text_lexicon_free(lex);
        text_builder_free(b);
        return 0;
    }
    text_lexicon *lex = NULL;
    size_t len;
    const char *corpus = map_file(argv[3], &len);
    if (text_lexicon_load(argv[2], &lex, &err) < 0) {
        fprintf(stderr, "bench_xinan: %s\n", err.message);
        return 1;
    }
    const text_lexicon *set[1] = {lex};
    if (strcmp(argv[1], "rss") == 0) {
        struct {
            unsigned long long hits;
            const char *base;
        } ctx = {0, corpus};
        text_check_opts o = {.mode = TEXT_MODE_ALL, .progress = drop_pages};
        text_check(set, 1, corpus, len, &o, count_hit, &ctx, &err);
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        printf("hits=%llu max_rss_mb=%.1f\n", ctx.hits, (double)ru.ru_maxrss / 1024.0);
        return 0;
    }
    madvise((void *)corpus, len, MADV_WILLNEED);
    double best = 0;
    unsigned long long hits = 0;
    for (int pass = 0; pass < 3; pass++) {
        uint64_t n = 0;
        int64_t t0 = xn_monotonic_us();
        text_count(set, 1, corpus, len, TEXT_MODE_ALL, &n, &err);
        hits = n;
        double mbs = (double)len / 1e6 / ((double)(xn_monotonic_us() - t0) / 1e6);
        best = mbs > best ? mbs : best;
    }
    printf("bytes=%zu hits=%llu mb_per_s=%.1f\n", len, hits, best);
    text_lexicon_free(lex);
    return 0;
}
