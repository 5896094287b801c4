/*
 * Bench data for the text engine: a Chinese corpus of at least `mb` MiB made of the seed
 * regulation texts' sentences shuffled and recombined, and lexicons of 2-6 character entries
 * drawn uniformly from the corpus's own characters, so that most do not occur in the text
 * (as in a real lexicon), plus a few percent taken from real sentences so that some do.
 * Deterministic: the same seeds give the same files.
 *   usage: gen SEEDS_DIR OUT_DIR MB N1 [N2...]   (writes corpus.txt and lex<N>.txt)
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct sentence {
    const char *p;
    size_t n;
} sentence;

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    rng_state = x;
    return x;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *data = NULL;
    long n;
    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
        data = malloc((size_t)n + 1);
        if (data != NULL && fread(data, 1, (size_t)n, f) != (size_t)n) {
            free(data);
            data = NULL;
        }
        *len = (size_t)n;
    }
    fclose(f);
    return data;
}

/* Decodes a 3-byte CJK character at p, or returns 0. */
static uint32_t cjk_at(const unsigned char *p, const unsigned char *end)
{
    uint32_t cp;
    if (end - p < 3 || (p[0] & 0xF0) != 0xE0)
        return 0;
    cp = ((uint32_t)(p[0] & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
    return cp >= 0x4E00 && cp <= 0x9FFF ? cp : 0;
}

static int put_cjk(char *out, uint32_t cp)
{
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
}

/* A tiny string set for uniqueness of lexicon entries. */
typedef struct strset {
    char **slot;
    size_t cap;
} strset;

static int set_add(strset *s, const char *w)
{
    uint64_t h = 1469598103934665603ULL;
    for (const char *p = w; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    size_t i = h & (s->cap - 1);
    while (s->slot[i] != NULL) {
        if (strcmp(s->slot[i], w) == 0)
            return 0;
        i = (i + 1) & (s->cap - 1);
    }
    s->slot[i] = strdup(w);
    return 1;
}

int main(int argc, char **argv)
{
    sentence *sent = NULL;
    size_t nsent = 0, capsent = 0;
    uint64_t *freq = calloc(0x10000, sizeof *freq);
    uint32_t *chars = NULL;
    size_t nchars = 0;
    char path[4096];
    DIR *d;

    if (argc < 5) {
        fprintf(stderr, "usage: gen SEEDS_DIR OUT_DIR MB N...\n");
        return 2;
    }
    d = opendir(argv[1]);
    if (d == NULL) {
        perror(argv[1]);
        return 1;
    }
    for (struct dirent *e = readdir(d); e != NULL; e = readdir(d)) {
        size_t len = 0;
        char *data;
        if (e->d_name[0] == '.' || strstr(e->d_name, ".txt") == NULL)
            continue;
        snprintf(path, sizeof path, "%s/%s", argv[1], e->d_name);
        data = slurp(path, &len);
        if (data == NULL)
            continue;
        /* Sentences end at 。！？； or a line break. */
        size_t start = 0;
        for (size_t i = 0; i < len; i++) {
            const unsigned char *u = (const unsigned char *)data + i;
            uint32_t cp = cjk_at(u, (const unsigned char *)data + len);
            size_t endp = 0;
            if (cp)
                freq[cp]++;
            if (data[i] == '\n')
                endp = i;
            else if (len - i >= 3 && (memcmp(u, "。", 3) == 0 || memcmp(u, "！", 3) == 0 ||
                                      memcmp(u, "？", 3) == 0 || memcmp(u, "；", 3) == 0))
                endp = i + 3;
            if (endp) {
                if (endp - start >= 12) {
                    if (nsent == capsent) {
                        capsent = capsent ? capsent * 2 : 1024;
                        sent = realloc(sent, capsent * sizeof *sent);
                    }
                    sent[nsent++] = (sentence){data + start, endp - start};
                }
                start = data[i] == '\n' ? i + 1 : endp;
                if (data[i] != '\n')
                    i = endp - 1;
            }
        }
    }
    closedir(d);
    if (nsent == 0) {
        fprintf(stderr, "gen: no sentences under %s\n", argv[1]);
        return 1;
    }
    for (uint32_t cp = 0x4E00; cp <= 0x9FFF; cp++)
        if (freq[cp])
            nchars++;
    chars = malloc(nchars * sizeof *chars);
    nchars = 0;
    for (uint32_t cp = 0x4E00; cp <= 0x9FFF; cp++) {
        if (freq[cp]) {
            chars[nchars++] = cp;
        }
    }

    /* The corpus: lines of 1-6 random sentences. */
    size_t want = (size_t)strtoul(argv[3], NULL, 10) << 20, written = 0;
    snprintf(path, sizeof path, "%s/corpus.txt", argv[2]);
    FILE *out = fopen(path, "wb");
    if (out == NULL) {
        perror(path);
        return 1;
    }
    while (written < want) {
        int k = 1 + (int)(rnd() % 6);
        for (int j = 0; j < k; j++) {
            const sentence *s = &sent[rnd() % nsent];
            fwrite(s->p, 1, s->n, out);
            written += s->n;
        }
        fputc('\n', out);
        written++;
    }
    fclose(out);

    for (int a = 4; a < argc; a++) {
        size_t n = strtoul(argv[a], NULL, 10), made = 0;
        strset set = {calloc(n * 4, sizeof(char *)), 1};
        while (set.cap < n * 4)
            set.cap <<= 1;
        set.slot = realloc(set.slot, set.cap * sizeof(char *));
        memset(set.slot, 0, set.cap * sizeof(char *));
        snprintf(path, sizeof path, "%s/lex%zu.txt", argv[2], n);
        out = fopen(path, "wb");
        while (made < n) {
            char w[32];
            int len = 2 + (int)(rnd() % 5), k = 0;
            if (rnd() % 100 < 3) {
                /* A real phrase: some entries do occur. */
                const sentence *s = &sent[rnd() % nsent];
                const unsigned char *p = (const unsigned char *)s->p, *end = p + s->n;
                size_t at = (size_t)(rnd() % s->n);
                while (at > 0 && (p[at] & 0xC0) == 0x80)
                    at--;
                int got = 0;
                for (const unsigned char *q = p + at; q < end && got < len; q += 3, got++) {
                    if (!cjk_at(q, end))
                        break;
                    memcpy(w + k, q, 3);
                    k += 3;
                }
                if (got < len)
                    continue;
            } else {
                /* Characters of the corpus, each as likely as another: words a lexicon
                 * flags are not made of the commonest function characters. */
                for (int j = 0; j < len; j++)
                    k += put_cjk(w + k, chars[rnd() % nchars]);
            }
            w[k] = '\0';
            if (set_add(&set, w)) {
                fprintf(out, "%s\n", w);
                made++;
            }
        }
        fclose(out);
    }
    fprintf(stderr, "gen: %zu sentences, %zu distinct characters, corpus %zu bytes\n", nsent,
            nchars, written);
    return 0;
}
