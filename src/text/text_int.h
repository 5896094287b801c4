/*
 * Internal to the text room: the compiled image layout shared by the builder (writer), the
 * loader (validator) and the matcher (reader), and the UTF-8 decoder used everywhere.
 *
 * Image layout (host byte order, little-endian only; every section 8-byte aligned):
 *   header | nodes | outs | entries | l1 | blocks | exp | pool
 * nodes:   the double array. Slot ROOT is the root; a slot t is a state when check[t] names
 *          its parent. A transition from state s on symbol c (1..nsym) goes to t = base[s] + c
 *          when check[t] == s. fail is the Aho-Corasick failure link, with FAIL_WALK set when
 *          the state's row lacks its redirects (below); info packs the depth (low 8 bits) and
 *          the index of the state's first output record (upper 24 bits, 0 for none).
 *          A redirect slot (fail == NODE_REDIRECT) in the row of a state s whose failure link
 *          f has depth >= 2 stands for a symbol c on which s has no child but f's row has an
 *          entry: base names goto*(f, c), the state the failure walk would reach, so the
 *          matcher takes it without walking (see text_step). Its info is 0.
 * outs:    output records {entry, next}: a state's outputs are a chain of records, each for a
 *          strictly shorter entry, shared between states through failure links.
 * l1/blocks: the fold table, code point -> class: l1[cp >> 8] picks a block of 256 classes.
 *          A class is CLS_NONE (not in any entry: back to the root), CLS_SKIP (noise), a symbol
 *          1..nsym, or CLS_EXP | i for a multi-symbol expansion at exp[i] = {n, sym...}.
 * pool:    NUL-terminated UTF-8 strings (entries, suggestions, categories, lexicon names).
 */
#ifndef XINAN_TEXT_INT_H
#define XINAN_TEXT_INT_H

#include "text/text.h"

#include <stdint.h>

#define IMG_MAGIC   "XNLEXv1\n"
#define IMG_VERSION 2u /* 2: redirect slots */
#define IMG_FOLDED  1u /* header flag: built with folding */
#define IMG_WHITE   2u /* header flag: holds whitelist entries */

#define ROOT        1u
#define EMPTY       UINT32_MAX
#define MAX_DEPTH   TEXT_MAX_ENTRY_SYMS
#define RING        64u   /* symbol start offsets kept; >= MAX_DEPTH, a power of two */
#define COUNT_BLOCK 4096u /* symbols decoded at a time when counting by start */

#define CLS_NONE      0u
#define CLS_SKIP      UINT32_MAX
#define CLS_EXP       0x80000000u
#define EXP_MAX       8 /* symbols in one expansion */
#define L1_SIZE       0x1100u
#define BLOCK         256u
#define MAX_CP        0x10FFFFu
#define MAX_SYMS      0x7FFFFFFEu
#define MAX_SLOTS     (1u << 24) /* output index field is 24 bits */
#define NO_SUGGEST    UINT32_MAX
#define NODE_REDIRECT UINT32_MAX  /* fail of a redirect slot */
#define FAIL_WALK     0x80000000u /* fail flag: the row lacks redirects, walk on a miss */
#define FAIL_STATE    0x00FFFFFFu /* fail: the failure link (MAX_SLOTS keeps it in 24 bits) */
#define ENTRY_WHITE   1u          /* entry flag: whitelist */

typedef struct img_header {
    char magic[8];
    uint32_t version;
    uint32_t flags;
    uint64_t size; /* bytes of the whole image */
    uint64_t hash; /* of every byte after the header */
    uint32_t nslots, nsym, nout, nentries;
    uint32_t nblocks, nexp, pool_size, max_depth;
    uint64_t off_nodes, off_outs, off_entries, off_l1, off_blocks, off_exp, off_pool;
    uint64_t reserved[2];
} img_header;

typedef struct img_node {
    uint32_t base;
    uint32_t check;
    uint32_t fail;
    uint32_t info; /* depth | out << 8 */
} img_node;

typedef struct img_out {
    uint32_t entry;
    uint32_t next; /* 0: end of chain */
} img_out;

typedef struct img_entry {
    uint32_t text;    /* pool offsets */
    uint32_t suggest; /* NO_SUGGEST: none */
    uint32_t category;
    uint32_t lexicon;
    uint16_t nsym; /* folded length in symbols */
    uint8_t severity;
    uint8_t flags;
} img_entry;

/* A lexicon: a validated view of an image, owned (malloc) or borrowed. */
struct text_lexicon {
    const unsigned char *image;
    size_t size;
    int kind; /* LEX_OWNED, LEX_BORROWED */
    const img_header *h;
    const img_node *nodes;
    const img_out *outs;
    const img_entry *entries;
    const uint32_t *l1;
    const uint32_t *blocks;
    const uint32_t *exp;
    const char *pool;
    /* Derived at open, not stored: the class of every BMP code point in one load instead of
     * the l1 -> block chain. BMP_NONE, BMP_SKIP, a symbol, or BMP_SLOW (an expansion or a
     * symbol too large for 16 bits: ask the full table). 128 KiB. */
    uint16_t *bmp;
    /* Derived at open: the part of each node the matcher reads for every character, packed in
     * 8 bytes instead of 16 (half the cache footprint); fail links and output chains stay in
     * nodes. base | HOT_FAIL_ROOT when the state's failure link is the root (no load of the
     * node needed to fall back; set on the root too) | HOT_FAIL_DEEP when the image flags it
     * FAIL_WALK (text_step must then follow the failure link); check (the parent, 0 for the root
     * and for a free slot, which matches no state) | the number of the state's outputs <<
     * HOT_NOUT_SHIFT (so a count needs no walk of the chain, and a state without outputs is seen
     * without loading its node). A redirect slot holds its target | HOT_REDIRECT and its
     * owner. A state's base also holds HOT_OWN when the state's string is itself an entry, for
     * counting by start (text_count). nsym + 1 dead slots follow the last. */
    struct hot_node *hot;
    /* Derived at open, for counting by start: for each symbol c, the base of the root's child
     * on c | its HOT_OWN bit, or the first dead slot when there is none (and for c = 0, a
     * character in no entry). */
    uint32_t *first;
    uint32_t longest; /* symbols in the longest entry */
};

typedef struct hot_node {
    uint32_t base;
    uint32_t check;
} hot_node;

#define HOT_FAIL_ROOT  0x80000000u
#define HOT_FAIL_DEEP  0x40000000u /* a miss must walk the failure links (see text_step) */
#define HOT_REDIRECT   0x20000000u /* a redirect slot: the base bits name its target */
#define HOT_OWN        0x01000000u /* the state's string is an entry (its first output's) */
#define HOT_OWN_SHIFT  24
#define HOT_BASE       0x00FFFFFFu /* MAX_SLOTS keeps every base below 2^24 */
#define HOT_PARENT     0x00FFFFFFu /* MAX_SLOTS keeps every slot below 2^24 */
#define HOT_NOUT_SHIFT 24          /* an output chain is at most MAX_DEPTH (64) long */

/* The state a slot found in a row stands for: itself, or a redirect's target. Written as a
 * choice, not masks: the compiler makes it a test and a conditional move instead of five
 * dependent instructions on the chain from one state to the next (about a tenth faster at
 * 10,000 entries). */
static inline __attribute__((always_inline)) uint32_t text_resolve(hot_node ht, uint32_t t)
{
    return (ht.base & HOT_REDIRECT) ? ht.base & HOT_BASE : t;
}

/* The transition from s on symbol c, following failure links: the root when none. */
static inline __attribute__((always_inline)) uint32_t
text_goto(const hot_node *h, const img_node *n, uint32_t s, uint32_t c)
{
    for (;;) {
        uint32_t b = h[s].base, t = (b & HOT_BASE) + c;
        if ((h[t].check & HOT_PARENT) == s)
            return text_resolve(h[t], t);
        if (s == ROOT)
            return ROOT;
        s = (b & HOT_FAIL_ROOT) ? ROOT : n[s].fail & FAIL_STATE;
    }
}

/* The matcher's view of one lexicon for text_step. */
typedef struct text_walk {
    const hot_node *h;
    const img_node *n;
    uint32_t root_base; /* the root's base: its children are at root_base + c */
} text_walk;

/* Where a walk stands: its state s, and d1, the root's child on the symbol s was entered on
 * (the root when there is none, or when s is the root). A walk starts, and starts again after
 * a character that is in no entry, at TEXT_AT_ROOT. */
typedef struct text_at {
    uint32_t s, d1;
} text_at;

#define TEXT_AT_ROOT ((text_at){ROOT, ROOT})

/*
 * Claim: let s be the state after a text whose last symbol is a, d1 the root's child on a (the
 * root when none), and c the next symbol. If s has no child on c and s's failure link has depth
 * <= 1, then goto*(s, c) = goto*(d1, c).
 * Proof: goto*(s, c) = goto*(fail(s), c) when s has no child on c (for s = ROOT, fail(s) is read
 * as ROOT). If fail(s) has depth 1, it is the suffix of s's string of length 1, the state of a
 * alone, which is d1. If fail(s) is the root and s has depth >= 2, no proper suffix of s's
 * string is a state, a alone included, so d1 = ROOT. If s has depth 1, s is d1. If s is the
 * root, a took the walk to the root, so the root has no child on a and d1 = ROOT (a character
 * in no entry resets the walk, d1 included). []
 * And goto*(d1, c) for d1 of depth <= 1 is d1's child on c, else the root's child on c, else the
 * root: probes that do not depend on s.
 */

/*
 * Claim: if s's failure link f has depth >= 2 and s's row holds a redirect for every symbol
 * of f's row (child or redirect) on which s has no child, each naming goto*(f, c), then for
 * every c on which s's row has no slot, goto*(s, c) = goto*(d1, c).
 * Proof, by induction on depth: goto*(s, c) = goto*(f, c). f's row has no slot on c either
 * (else s's would), and f is shallower: if f's failure link has depth <= 1, the claim above
 * applied to f gives goto*(d1', c) with d1' the state of f's last symbol, which is s's last
 * symbol: d1' = d1. Else f's row is complete (the builder makes a state's row complete only
 * when its failure link's is) and the induction gives the same. []
 * The builder leaves a row incomplete (FAIL_WALK, HOT_FAIL_DEEP) when it would need more than
 * a few redirects; only those states walk.
 */

/*
 * goto*(at->s, c) (as text_goto), advancing *at, without a branch on the outcome in the common
 * cases. The outcome of the probe of s's row is a coin toss per character in a large lexicon,
 * and mispredicting it cost more than the probe; here the rows of s, of d1 and of the root are
 * all probed and the result chosen by masks (the claims above): a slot in s's row is s's child
 * or a redirect, else the result is d1's child or the root's. Only a failed probe from a state
 * whose row lacks its redirects takes the general walk (none on the bench lexicons; without
 * redirects 12 % of symbols at 100,000 entries, where it cost a third of the time).
 */
static inline __attribute__((always_inline)) uint32_t text_step(const text_walk *w, text_at *at,
                                                                uint32_t c)
{
    const hot_node *h = w->h;
    uint32_t s = at->s, d1 = at->d1, hb = h[s].base;
    uint32_t t = (hb & HOT_BASE) + c, t1 = (h[d1].base & HOT_BASE) + c, rt = w->root_base + c;
    uint32_t r = (h[rt].check & HOT_PARENT) == ROOT ? rt : ROOT;
    hot_node ht = h[t];
    uint32_t hit = -(uint32_t)((ht.check & HOT_PARENT) == s);
    uint32_t hit1 = -(uint32_t)((h[t1].check & HOT_PARENT) == d1);
    at->d1 = r;
    if (__builtin_expect((~hit & hb & HOT_FAIL_DEEP) != 0, 0))
        return at->s = text_goto(h, w->n, w->n[s].fail & FAIL_STATE, c);
    uint32_t shallow = (t1 & hit1) | (r & ~hit1);
    return at->s = (text_resolve(ht, t) & hit) | (shallow & ~hit);
}

#define BMP_NONE 0u
#define BMP_SLOW 0xFFFEu
#define BMP_SKIP 0xFFFFu

/* The class of cp from the full two-level table. */
static inline uint32_t text_class_full(const text_lexicon *lex, uint32_t cp)
{
    return lex->blocks[(size_t)lex->l1[cp >> 8] * BLOCK + (cp & (BLOCK - 1))];
}

enum { LEX_OWNED, LEX_BORROWED };

/*
 * An allocation for an image or a derived table, freed with free(). One of 2 MiB or more is
 * placed on 2 MiB boundaries (rounded up) with transparent huge pages asked for: the matcher
 * reads these arrays at random, and with 4 KiB pages a 100,000-entry lexicon (13 MB image,
 * 4.4 MB hot array) spent about a tenth of its time on TLB misses. Smaller ones are aligned
 * to `align` (a power of two). NULL when out of memory.
 */
void *text_big_alloc(size_t bytes, size_t align);
/* The walk view of a validated lexicon. */
static inline text_walk text_walk_of(const text_lexicon *lex)
{
    return (text_walk){lex->hot, lex->nodes, lex->hot[ROOT].base & HOT_BASE};
}

/* Validates an image and fills lex's views. */
int text_image_open(text_lexicon *lex, const void *data, size_t len, bool check_hash,
                    xn_error *err);
uint64_t text_image_hash(const unsigned char *p, size_t n);

/*
 * Decodes one code point at p (p < end). Invalid or truncated sequences, overlongs, surrogates
 * and values past U+10FFFF give U+FFFD and consume one byte.
 */
static inline uint32_t text_utf8_next(const unsigned char *p, const unsigned char *end, size_t *adv)
{
    uint32_t c = p[0];
    size_t avail = (size_t)(end - p);
    if (c < 0x80) {
        *adv = 1;
        return c;
    }
    if (c >= 0xE0 && c < 0xF0) {
        if (avail >= 3 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80) {
            uint32_t cp = ((c & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
            if (cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF)) {
                *adv = 3;
                return cp;
            }
        }
    } else if (c >= 0xC2 && c < 0xE0) {
        if (avail >= 2 && (p[1] & 0xC0) == 0x80) {
            *adv = 2;
            return ((c & 0x1F) << 6) | (p[1] & 0x3F);
        }
    } else if (c >= 0xF0 && c < 0xF5) {
        if (avail >= 4 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80 && (p[3] & 0xC0) == 0x80) {
            uint32_t cp = ((c & 0x07) << 18) | ((uint32_t)(p[1] & 0x3F) << 12) |
                          ((uint32_t)(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
            if (cp >= 0x10000 && cp <= MAX_CP) {
                *adv = 4;
                return cp;
            }
        }
    }
    *adv = 1;
    return 0xFFFD;
}

/*
 * As text_utf8_next, with the two cases of Chinese text first: ASCII and a well-formed
 * three-byte sequence (the BMP from U+0800, surrogates excluded) are decoded without the
 * general checks. Where four bytes are readable, the lead byte and both continuation bytes are
 * tested at once on a little-endian view of them (the compiler makes it one load). Always
 * inlined: left to itself the compiler made it a call per character.
 */
static inline __attribute__((always_inline)) uint32_t
text_utf8_next_fast(const unsigned char *p, const unsigned char *end, size_t *adv)
{
    if (__builtin_expect(end - p >= 4, 1)) {
        uint32_t v =
            (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        if ((v & 0x80) == 0) {
            *adv = 1;
            return v & 0x7F;
        }
        if ((v & 0xC0C0F0) == 0x8080E0) {
            uint32_t cp = (v & 0x0F) << 12 | (v >> 2 & 0xFC0) | (v >> 16 & 0x3F);
            if (cp >= 0x800 && (cp & 0xF800) != 0xD800) {
                *adv = 3;
                return cp;
            }
        }
    } else if (p[0] < 0x80) {
        *adv = 1;
        return p[0];
    }
    return text_utf8_next(p, end, adv);
}

#define FOLD_SKIP  UINT32_MAX
#define FOLD_MULTI (UINT32_MAX - 1)
/*
 * Folds the 256 code points of one page in order (fast, for building fold tables): out[i] is
 * the single folded code point of (page << 8) | i, FOLD_SKIP for noise, or FOLD_MULTI when it
 * folds to several (ask text_fold_cp).
 */
void text_fold_page(uint32_t page, uint32_t out[256]);

/* Encodes cp (<= U+10FFFF, not a surrogate) into out; returns the byte count. */
size_t text_utf8_put(uint32_t cp, char out[4]);

#endif
