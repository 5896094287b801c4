/*
 * The matcher: one pass over the text, decoding UTF-8, folding each code point through the
 * lexicon's class table and stepping its automaton, for every lexicon in lockstep.
 *
 * Offsets: each lexicon keeps a ring of the byte offsets where its last RING symbols started,
 * so a hit of n symbols ending now started at ring[i - n + 1], however many skipped or folded
 * bytes lie in between.
 *
 * Ordering and suppression: hits wait in a small pending list until no later hit can affect
 * them. A later match can only start inside the current state's suffix (the "frontier"), so a
 * pending hit that starts before every lexicon's frontier can no longer be contained by a
 * whitelist entry nor beaten by a longer leftmost match; it is then delivered.
 */
#include "text/text_int.h"

#include <stdlib.h>
#include <string.h>

typedef struct lexstate {
    const uint16_t *bmp;
    const uint32_t *exp;
    const text_lexicon *lex;
    text_walk w; /* the nodes and their hot halves */
    text_at at;  /* where the walk stands */
    uint64_t i;  /* symbols consumed */
    size_t ring[RING];
} lexstate;

typedef struct pend {
    size_t start, end;
    const text_lexicon *lex;
    uint32_t entry;
} pend;

typedef struct scan {
    lexstate *ls;
    size_t nls;
    text_mode mode;
    text_hit_fn fn;
    void *ctx;
    pend *pending; /* sorted by start, then longer first */
    size_t npend, cap_pend;
    pend *white; /* whitelist matches ending at the current character */
    size_t nwhite, cap_white;
    size_t last_end; /* longest mode: end of the last delivered hit */
    int stop;
} scan;

static void push(pend **v, size_t *n, size_t *cap, pend p)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        *v = xn_xrealloc(*v, *cap * sizeof **v);
    }
    (*v)[(*n)++] = p;
}

/* Collects the outputs of state s reached by the symbol that ended at byte `end`. */
static void collect(scan *sc, lexstate *L, uint32_t s, size_t end)
{
    const text_lexicon *lex = L->lex;
    for (uint32_t o = L->w.n[s].info >> 8; o != 0; o = lex->outs[o].next) {
        uint32_t e = lex->outs[o].entry;
        uint32_t n = lex->entries[e].nsym;
        size_t start = L->ring[(L->i - n + 1) & (RING - 1)];
        pend p = {start < end ? start : end, end, lex, e};
        if (lex->entries[e].flags & ENTRY_WHITE) {
            push(&sc->white, &sc->nwhite, &sc->cap_white, p);
            continue;
        }
        /* Insert keeping (start asc, end desc); new hits usually go near the back. */
        push(&sc->pending, &sc->npend, &sc->cap_pend, p);
        size_t k = sc->npend - 1;
        while (k > 0 && (sc->pending[k - 1].start > p.start ||
                         (sc->pending[k - 1].start == p.start && sc->pending[k - 1].end < p.end))) {
            sc->pending[k] = sc->pending[k - 1];
            k--;
        }
        sc->pending[k] = p;
    }
}

static inline void step(scan *sc, lexstate *L, uint32_t c, size_t off, size_t end)
{
    uint32_t s = text_step(&L->w, &L->at, c);
    L->ring[++L->i & (RING - 1)] = off;
    if (L->w.h[s].check >> HOT_NOUT_SHIFT)
        collect(sc, L, s, end);
}

static void suppress_white(scan *sc)
{
    size_t k = 0;
    for (size_t j = 0; j < sc->npend; j++) {
        const pend *p = &sc->pending[j];
        bool inside = false;
        for (size_t w = 0; w < sc->nwhite && !inside; w++)
            inside = sc->white[w].start <= p->start && p->end <= sc->white[w].end;
        if (!inside)
            sc->pending[k++] = *p;
    }
    sc->npend = k;
    sc->nwhite = 0;
}

/* Delivers pending hits that start before `frontier`. */
static void flush(scan *sc, size_t frontier)
{
    size_t k = 0;
    while (k < sc->npend && sc->pending[k].start < frontier && sc->stop == 0) {
        const pend *p = &sc->pending[k++];
        const img_entry *e = &p->lex->entries[p->entry];
        text_hit hit;
        if (sc->mode == TEXT_MODE_LONGEST) {
            if (p->start < sc->last_end)
                continue;
            sc->last_end = p->end;
        }
        hit.start = p->start;
        hit.end = p->end;
        hit.entry = p->lex->pool + e->text;
        hit.lexicon = p->lex->pool + e->lexicon;
        hit.category = p->lex->pool + e->category;
        hit.suggest = e->suggest == NO_SUGGEST ? NULL : p->lex->pool + e->suggest;
        hit.severity = e->severity;
        sc->stop = sc->fn(sc->ctx, &hit);
    }
    if (k > 0) {
        memmove(sc->pending, sc->pending + k, (sc->npend - k) * sizeof *sc->pending);
        sc->npend -= k;
    }
}

static size_t frontier(const scan *sc, size_t next)
{
    size_t f = next;
    for (size_t k = 0; k < sc->nls; k++) {
        const lexstate *L = &sc->ls[k];
        uint32_t d = L->w.n[L->at.s].info & 0xFF;
        if (d > 0) {
            size_t st = L->ring[(L->i - d + 1) & (RING - 1)];
            if (st < f)
                f = st;
        }
    }
    return f;
}

static inline void feed(scan *sc, lexstate *L, uint32_t cp, size_t off, size_t end)
{
    uint32_t cls = cp < 0x10000 ? L->bmp[cp] : BMP_SLOW;
    if (cls - 1 < BMP_SLOW - 1) {
        step(sc, L, cls, off, end);
        return;
    }
    if (cls == BMP_SKIP)
        return;
    if (cls == BMP_SLOW)
        cls = text_class_full(L->lex, cp);
    if (cls == CLS_NONE) {
        L->at = TEXT_AT_ROOT;
    } else if (cls == CLS_SKIP) {
        return;
    } else if (cls & CLS_EXP) {
        const uint32_t *x = L->exp + (cls & ~CLS_EXP);
        for (uint32_t j = 1; j <= x[0]; j++) {
            if (x[j] == 0)
                L->at = TEXT_AT_ROOT;
            else
                step(sc, L, x[j], off, end);
        }
    } else {
        step(sc, L, cls, off, end);
    }
}

#define PROGRESS_EVERY ((size_t)16 << 20)

/* After each input character: deliver the hits that can no longer change, and report progress
 * every PROGRESS_EVERY bytes. Inline: it runs once per character. */
static inline void after_char(scan *sc, size_t off, size_t next, const text_check_opts *opts,
                              void *ctx, size_t *next_progress)
{
    if (sc->npend | sc->nwhite) {
        if (sc->nwhite)
            suppress_white(sc);
        flush(sc, frontier(sc, next));
    }
    if (off >= *next_progress && opts && opts->progress) {
        opts->progress(ctx, off);
        *next_progress += PROGRESS_EVERY;
    }
}

int text_check(const text_lexicon *const *lex, size_t nlex, const char *text, size_t len,
               const text_check_opts *opts, text_hit_fn fn, void *ctx, xn_error *err)
{
    scan sc = {0};
    const unsigned char *base = (const unsigned char *)text, *p = base, *end = base + len;
    size_t next_progress = PROGRESS_EVERY;
    int rc = 0;

    if (text == NULL && len == 0)
        base = p = end = (const unsigned char *)"";
    if (text == NULL && len > 0)
        return xn_fail(err, XN_EINVAL, "no_text", "no text to check");
    if (nlex == 0 || lex == NULL)
        return xn_fail(err, XN_EINVAL, "no_lexicon", "no lexicon to check against");
    for (size_t k = 1; k < nlex; k++)
        if (text_lexicon_folded(lex[k]) != text_lexicon_folded(lex[0]))
            return xn_fail(err, XN_EINVAL, "fold_mismatch",
                           "folded and raw lexicons cannot be checked together");
    sc.ls = xn_xcalloc(nlex, sizeof *sc.ls);
    sc.nls = nlex;
    sc.mode = opts ? opts->mode : TEXT_MODE_ALL;
    sc.fn = fn;
    sc.ctx = ctx;
    for (size_t k = 0; k < nlex; k++) {
        lexstate *L = &sc.ls[k];
        L->lex = lex[k];
        L->bmp = lex[k]->bmp;
        L->exp = lex[k]->exp;
        L->w = text_walk_of(lex[k]);
        L->at = TEXT_AT_ROOT;
    }

    if (nlex == 1) {
        /* The common case, kept free of the per-lexicon loop. */
        lexstate *L = &sc.ls[0];
        while (p < end && sc.stop == 0) {
            size_t adv, off = (size_t)(p - base);
            uint32_t cp = text_utf8_next_fast(p, end, &adv);
            feed(&sc, L, cp, off, off + adv);
            p += adv;
            after_char(&sc, off, off + adv, opts, ctx, &next_progress);
        }
    } else {
        while (p < end && sc.stop == 0) {
            size_t adv, off = (size_t)(p - base);
            uint32_t cp = text_utf8_next_fast(p, end, &adv);
            for (size_t k = 0; k < nlex; k++)
                feed(&sc, &sc.ls[k], cp, off, off + adv);
            p += adv;
            after_char(&sc, off, off + adv, opts, ctx, &next_progress);
        }
    }
    if (sc.nwhite)
        suppress_white(&sc);
    flush(&sc, SIZE_MAX);
    rc = sc.stop;
    free(sc.ls);
    free(sc.pending);
    free(sc.white);
    return rc;
}

static int count_one(void *ctx, const text_hit *hit)
{
    (void)hit;
    (*(uint64_t *)ctx)++;
    return 0;
}

/*
 * Counting. A count needs neither offsets nor order, so it does not walk the automaton: it
 * asks of each start position whether entries begin there. Each step of the walk waits on the
 * load of the step before; these questions do not depend on one another, and the processor
 * works on many at once (docs/BENCHMARKS.md: 1.5-1.9 times the walk's speed at 10,000
 * entries, up to 1.8 times at 100,000). Every occurrence of an entry has one start, so the
 * count is the walk's (the unit tests and the matcher's fuzzer compare them).
 *
 * The text is decoded into blocks of symbols (0 for a character in no entry, skipped
 * characters left out). For each start, its first two symbols are tried at once through the
 * start table (lex->first); the starts that reach a state of depth 2 go on a list, and the
 * list is stepped one symbol at a time until it is empty. Each block begins with the last
 * `longest` symbols of the one before, whose starts are counted there, so an entry across
 * two blocks is counted once, at its start.
 */

/* A character in no entry goes into a block as it comes out of either class table. */
_Static_assert(BMP_NONE == 0 && CLS_NONE == 0, "a character in no entry is symbol 0");

/* A start still matching: it has reached state s, and its next symbol is sym[next]. */
typedef struct count_walk {
    uint32_t next, s;
} count_walk;

/* Entries starting at sym[0..nstart). sym[i] must be readable for i <= nstart + longest: the
 * caller keeps a tail of `longest` symbols and a 0 after the last. */
static uint64_t count_starts(const text_lexicon *lex, const uint32_t *sym, size_t nstart,
                             count_walk *walk)
{
    const hot_node *h = lex->hot;
    const uint32_t *first = lex->first, root_base = h[ROOT].base & HOT_BASE;
    uint64_t hits = 0;
    size_t k = 0;
    /* Depth 1 and 2 for every start, without a branch on the outcome: the slot is written
     * always and kept only when the root's child on sym[i] has a child on sym[i + 1]. */
    for (size_t i = 0; i < nstart; i++) {
        uint32_t c = sym[i], f = first[c], t = (f & HOT_BASE) + sym[i + 1];
        hits += f >> HOT_OWN_SHIFT;
        walk[k] = (count_walk){(uint32_t)i + 2, t};
        k += (h[t].check & HOT_PARENT) == root_base + c;
    }
    /* Deeper, one symbol per round for every start still matching. A redirect slot in the row
     * may be kept as if it were a child: it is no entry (no HOT_OWN), and no slot names it as
     * its parent, so the start ends there, uncounted, one round later. */
    while (k > 0) {
        size_t m = 0;
        for (size_t j = 0; j < k; j++) {
            count_walk v = walk[j];
            uint32_t b = h[v.s].base, t = (b & HOT_BASE) + sym[v.next];
            hot_node ht = h[t];
            hits += (b & HOT_OWN) >> HOT_OWN_SHIFT;
            walk[m] = (count_walk){v.next + 1, t};
            m += (ht.check & HOT_PARENT) == v.s;
        }
        k = m;
    }
    return hits;
}

/* Appends the symbols of code point cp from the full class table (expansions, symbols past 16
 * bits, code points past the BMP): the rare path of decode_block, kept out of its loop. */
static __attribute__((noinline, cold)) size_t put_full(const text_lexicon *lex, uint32_t cp,
                                                       uint32_t *sym, size_t n)
{
    uint32_t cls = text_class_full(lex, cp);
    if (cls == CLS_SKIP)
        return n;
    if (!(cls & CLS_EXP)) {
        sym[n++] = cls; /* CLS_NONE included */
        return n;
    }
    const uint32_t *x = lex->exp + (cls & ~CLS_EXP);
    for (uint32_t j = 1; j <= x[0]; j++)
        sym[n++] = x[j];
    return n;
}

/* Decodes *pp.. into sym[n..] until `fill` symbols or the end; returns the new count. A
 * character can add up to EXP_MAX symbols past `fill`. */
static size_t decode_block(const text_lexicon *lex, const unsigned char **pp,
                           const unsigned char *end, uint32_t *sym, size_t n, size_t fill)
{
    const uint16_t *bmp = lex->bmp;
    const unsigned char *p = *pp;
    while (p < end && n < fill) {
        size_t adv;
        uint32_t cp = text_utf8_next_fast(p, end, &adv);
        uint32_t cls = cp < 0x10000 ? bmp[cp] : BMP_SLOW;
        p += adv;
        /* Written always, kept unless noise. */
        sym[n] = cls;
        n += cls != BMP_SKIP;
        if (__builtin_expect(cls == BMP_SLOW, 0))
            n = put_full(lex, cp, sym, n - 1);
    }
    *pp = p;
    return n;
}

static uint64_t count_by_start(const text_lexicon *lex, const unsigned char *p,
                               const unsigned char *end)
{
    /* A block, a character's expansion past its end, the kept tail and the 0 after it. */
    enum { SYM_CAP = COUNT_BLOCK + EXP_MAX + MAX_DEPTH + 2 };
    uint32_t *sym = xn_xmalloc(SYM_CAP * sizeof *sym);
    count_walk *walk = xn_xmalloc(SYM_CAP * sizeof *walk);
    const size_t keep = lex->longest;
    size_t n = 0;
    uint64_t hits = 0;
    for (;;) {
        n = decode_block(lex, &p, end, sym, n, COUNT_BLOCK + keep);
        sym[n] = 0;
        if (p == end)
            break;
        hits += count_starts(lex, sym, n - keep, walk);
        memmove(sym, sym + n - keep, keep * sizeof *sym);
        n = keep;
    }
    sym[n + 1] = 0;
    hits += count_starts(lex, sym, n, walk);
    free(sym);
    free(walk);
    return hits;
}

int text_count(const text_lexicon *const *lex, size_t nlex, const char *text, size_t len,
               text_mode mode, uint64_t *hits, xn_error *err)
{
    text_check_opts o = {.mode = mode};
    *hits = 0;
    if (nlex == 1 && mode == TEXT_MODE_ALL && !(lex[0]->h->flags & IMG_WHITE) &&
        (text != NULL || len == 0)) {
        const unsigned char *p = (const unsigned char *)(text ? text : "");
        *hits = count_by_start(lex[0], p, p + len);
        return 0;
    }
    int rc = text_check(lex, nlex, text, len, &o, count_one, hits, err);
    return rc < 0 ? rc : 0;
}
