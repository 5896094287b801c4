/*
 * `xinan text compile` and `xinan text check`: the text engine from the command line.
 *
 * check prints one JSON object per hit and exits 0 when nothing was found, 1 when something
 * was, 2 on error. The input is mapped, never copied; pages already scanned are handed back to
 * the kernel as the scan moves on, so a large file does not grow the resident set.
 */
#include "cli/cli.h"
#include "text/text.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_LEXICONS 64
#define MAX_STDIN    ((size_t)1 << 30)

/* ---- compile ------------------------------------------------------------------------------ */

int cli_cmd_text_compile(int argc, char **argv)
{
    static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
                                         {"no-fold", no_argument, NULL, 'n'},
                                         {NULL, 0, NULL, 0}};
    const char *output = NULL;
    bool fold = true;
    text_lexset *ls = NULL;
    text_lexicon *lex = NULL;
    xn_error err = {0};
    int opt, status = 0;
    int64_t t0;

    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
        switch (opt) {
        case 'o':
            output = optarg;
            break;
        case 'n':
            fold = false;
            break;
        default:
            return cli_usage_error(argv[0], "unknown or incomplete flag '%s'", argv[optind - 1]);
        }
    }
    if (output == NULL)
        return cli_usage_error(argv[0], "missing -o FILE");
    if (optind >= argc)
        return cli_usage_error(argv[0], "no lexicon given");
    t0 = xn_monotonic_us();
    ls = text_lexset_new(fold);
    for (int i = optind; i < argc; i++) {
        if (text_lexset_add_path(ls, argv[i], false, &err) < 0) {
            fprintf(stderr, "xinan: %s\n", err.message);
            status = 2;
            goto out;
        }
    }
    if (text_builder_build(text_lexset_builder(ls), &lex, &err) < 0 ||
        text_lexicon_save(lex, output, &err) < 0) {
        fprintf(stderr, "xinan: %s\n", err.message);
        status = 2;
        goto out;
    }
    fprintf(stderr, "compiled %zu entries into %s (%zu bytes, %s) in %.3f s\n",
            text_lexicon_entries(lex), output, text_lexicon_size(lex), fold ? "folded" : "raw",
            (double)(xn_monotonic_us() - t0) / 1e6);
out:
    text_lexicon_free(lex);
    text_lexset_free(ls);
    return status;
}

/* ---- check -------------------------------------------------------------------------------- */

typedef struct input {
    const char *data;
    size_t len;
    void *map;  /* when mapped */
    xn_buf buf; /* when read from a pipe */
} input;

static int input_open(input *in, const char *path, xn_error *err)
{
    int fd = 0, rc = 0;
    struct stat st;
    static const char empty[1] = "";

    xn_buf_init(&in->buf, MAX_STDIN);
    in->data = empty;
    if (path != NULL && strcmp(path, "-") != 0) {
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return xn_fail(err, XN_ENOTFOUND, "input_unreadable", "cannot open %s: %s", path,
                           strerror(errno));
    }
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        if (st.st_size > 0) {
            in->map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
            if (in->map == MAP_FAILED) {
                in->map = NULL;
                rc = xn_fail(err, XN_EIO, "input_unreadable", "cannot map the input: %s",
                             strerror(errno));
                goto out;
            }
            madvise(in->map, (size_t)st.st_size, MADV_SEQUENTIAL);
            in->data = in->map;
            in->len = (size_t)st.st_size;
        }
        goto out;
    }
    for (;;) {
        char chunk[65536];
        ssize_t r = read(fd, chunk, sizeof chunk);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = xn_fail(err, XN_EIO, "input_unreadable", "cannot read the input: %s",
                         strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        if (xn_buf_append(&in->buf, chunk, (size_t)r) < 0) {
            rc = xn_fail(err, XN_ETOOBIG, "input_too_large", "input larger than %zu bytes",
                         MAX_STDIN);
            goto out;
        }
    }
    if (in->buf.len > 0) {
        in->data = in->buf.data;
        in->len = in->buf.len;
    }
out:
    if (fd > 0)
        close(fd);
    return rc;
}

static void input_close(input *in)
{
    if (in->map != NULL)
        munmap(in->map, in->len);
    xn_buf_release(&in->buf);
}

typedef struct printer {
    const input *in;
    bool count;
    uint64_t hits;
    text_pii_hit *pii; /* personal-data hits, merged into the output by start offset */
    size_t npii, cap_pii, next_pii;
    xn_buf line;
    int failed;
} printer;

static void print_obj(printer *pr, json_t *obj)
{
    xn_buf_reset(&pr->line);
    if (obj == NULL || xn_json_dump(&pr->line, obj) < 0 || xn_buf_puts(&pr->line, "\n") < 0 ||
        fwrite(pr->line.data, 1, pr->line.len, stdout) != pr->line.len)
        pr->failed = 1;
    json_decref(obj);
}

static void print_pii(printer *pr, const text_pii_hit *h)
{
    print_obj(pr, text_pii_hit_json(h));
}

static void flush_pii(printer *pr, size_t before)
{
    while (pr->next_pii < pr->npii && pr->pii[pr->next_pii].start <= before) {
        if (!pr->count)
            print_pii(pr, &pr->pii[pr->next_pii]);
        pr->next_pii++;
    }
}

static int on_pii(void *ctx, const text_pii_hit *h)
{
    printer *pr = ctx;
    if (pr->npii == pr->cap_pii) {
        pr->cap_pii = pr->cap_pii ? pr->cap_pii * 2 : 64;
        pr->pii = xn_xrealloc(pr->pii, pr->cap_pii * sizeof *pr->pii);
    }
    pr->pii[pr->npii++] = *h;
    pr->hits++;
    return 0;
}

static int on_hit(void *ctx, const text_hit *h)
{
    printer *pr = ctx;
    json_t *o;
    pr->hits++;
    if (pr->count)
        return 0;
    flush_pii(pr, h->start);
    o = text_hit_json(h, pr->in->data);
    print_obj(pr, o);
    return pr->failed;
}

/* Drops already scanned pages of a mapped input from the resident set (they refault if a hit
 * needs them again). */
static void on_progress(void *ctx, size_t offset)
{
    printer *pr = ctx;
    size_t page = (size_t)sysconf(_SC_PAGESIZE), keep = (size_t)1 << 20;
    if (pr->in->map == NULL || offset < keep + page)
        return;
    size_t upto = (offset - keep) / page * page;
    madvise(pr->in->map, upto, MADV_DONTNEED);
}

int cli_cmd_text_check(int argc, char **argv)
{
    static const struct option opts[] = {
        {"lexicon", required_argument, NULL, 'l'}, {"pii", no_argument, NULL, 'p'},
        {"mode", required_argument, NULL, 'm'},    {"no-fold", no_argument, NULL, 'n'},
        {"count", no_argument, NULL, 'c'},         {NULL, 0, NULL, 0}};
    const char *paths[MAX_LEXICONS];
    size_t npaths = 0;
    bool pii = false, count = false, fold = true;
    text_check_opts copts = {.mode = TEXT_MODE_ALL, .progress = on_progress};
    text_lexset *ls = NULL;
    const text_lexicon *const *lex = NULL;
    size_t nlex = 0;
    input in = {0};
    printer pr = {0};
    xn_error err = {0};
    int opt, status = 0;

    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case 'l':
            if (npaths == MAX_LEXICONS)
                return cli_usage_error(argv[0], "more than %d --lexicon flags", MAX_LEXICONS);
            paths[npaths++] = optarg;
            break;
        case 'p':
            pii = true;
            break;
        case 'm':
            if (strcmp(optarg, "all") == 0)
                copts.mode = TEXT_MODE_ALL;
            else if (strcmp(optarg, "longest") == 0)
                copts.mode = TEXT_MODE_LONGEST;
            else
                return cli_usage_error(argv[0], "--mode must be all or longest");
            break;
        case 'n':
            fold = false;
            break;
        case 'c':
            count = true;
            break;
        default:
            return cli_usage_error(argv[0], "unknown or incomplete flag '%s'", argv[optind - 1]);
        }
    }
    if (argc - optind > 1)
        return cli_usage_error(argv[0], "more than one input");
    if (npaths == 0 && !pii)
        return cli_usage_error(argv[0], "give at least one --lexicon, or --pii");

    ls = text_lexset_new(fold);
    for (size_t i = 0; i < npaths; i++) {
        if (text_lexset_add_path(ls, paths[i], true, &err) < 0)
            goto fail;
    }
    if (text_lexset_build(ls, &err) < 0)
        goto fail;
    lex = text_lexset_lexicons(ls, &nlex);
    if (input_open(&in, optind < argc ? argv[optind] : NULL, &err) < 0)
        goto fail;

    pr.in = &in;
    pr.count = count;
    xn_buf_init(&pr.line, (size_t)TEXT_MAX_SOURCE);
    if (pii && text_pii_scan(in.data, in.len, on_pii, &pr) < 0) {
        xn_fail(&err, XN_ENOMEM, "no_memory", "out of memory scanning for personal data");
        goto fail;
    }
    if (nlex > 0 && count) {
        uint64_t n = 0;
        if (text_count(lex, nlex, in.data, in.len, copts.mode, &n, &err) < 0)
            goto fail;
        pr.hits += n;
    } else if (nlex > 0 && text_check(lex, nlex, in.data, in.len, &copts, on_hit, &pr, &err) < 0) {
        goto fail;
    }
    flush_pii(&pr, SIZE_MAX);
    if (pr.failed) {
        xn_fail(&err, XN_EIO, "output_failed", "cannot write the output");
        goto fail;
    }
    if (count)
        printf("{\"hits\":%llu}\n", (unsigned long long)pr.hits);
    if (fflush(stdout) != 0) {
        xn_fail(&err, XN_EIO, "output_failed", "cannot write the output");
        goto fail;
    }
    status = pr.hits > 0 ? 1 : 0;
    goto out;
fail:
    fprintf(stderr, "xinan: %s\n", err.message);
    status = 2;
out:
    free(pr.pii);
    xn_buf_release(&pr.line);
    input_close(&in);
    text_lexset_free(ls);
    return status;
}
