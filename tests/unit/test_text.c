/* Unit tests of the text engine's fold and matcher (PUB-5, PUB-8, PUB-13, MON-3, ZJ 66):
 * every evasion form and their combinations, overlapping and nested entries, both modes, the
 * whitelist, offsets mapped back through skipped and folded characters, invalid UTF-8, empty
 * input, raw matching, compiled images (round trip and corruption) and scale. */
#include "xn_test.h"

#include "text/text.h"
#include "text/text_int.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Hits rendered as "start-end:entry[>suggest];" for compact comparisons. */
typedef struct collected {
    char out[8192];
    size_t len;
    int n;
    size_t text_len;
    int stop_after; /* 0: never stop */
} collected;

static int collect(void *ctx, const text_hit *h)
{
    collected *c = ctx;
    int w;
    assert_true(h->start <= h->end);
    assert_true(h->end <= c->text_len);
    w = snprintf(c->out + c->len, sizeof c->out - c->len, "%zu-%zu:%s%s%s;", h->start, h->end,
                 h->entry, h->suggest ? ">" : "", h->suggest ? h->suggest : "");
    if (w > 0 && (size_t)w < sizeof c->out - c->len)
        c->len += (size_t)w;
    c->n++;
    return c->stop_after && c->n >= c->stop_after ? 7 : 0;
}

/* Counts hits; for texts too long to collect. */
typedef struct counted_hits {
    uint64_t n;
} counted_hits;

static int count_hits(void *ctx, const text_hit *h)
{
    (void)h;
    ((counted_hits *)ctx)->n++;
    return 0;
}

static text_lexicon *build(const char *lexicon_text, bool fold)
{
    xn_error err = {0};
    text_builder *b = text_builder_new(fold);
    text_lexicon *lex = NULL;
    int rc = text_builder_add_text(b, "t", lexicon_text, strlen(lexicon_text), &err);
    if (rc < 0)
        fail_msg("lexicon: %s", err.message);
    rc = text_builder_build(b, &lex, &err);
    if (rc < 0)
        fail_msg("build: %s", err.message);
    text_builder_free(b);
    return lex;
}

static const char *check_mode(const text_lexicon *lex, const char *text, size_t len, text_mode mode,
                              collected *c)
{
    const text_lexicon *set[1] = {lex};
    text_check_opts o = {.mode = mode};
    xn_error err = {0};
    memset(c, 0, sizeof *c);
    c->text_len = len;
    assert_int_equal(text_check(set, 1, text, len, &o, collect, c, &err), 0);
    c->out[c->len] = '\0';
    return c->out;
}

static const char *check(const text_lexicon *lex, const char *text, collected *c)
{
    return check_mode(lex, text, strlen(text), TEXT_MODE_ALL, c);
}

/* PUB-8: each evasion form, alone and combined, folds to the entry; the hit spans the whole
 * original text. */
static void evasion_forms_fold_to_the_entry(void **state)
{
    (void)state;
    text_lexicon *lex = build("法轮功\nfalungong\nab1\n", true);
    static const char *const forms[] = {
        "法轮功",                         /* plain */
        "法 轮-功",                       /* space and hyphen */
        "法\xE2\x80\x8B轮功",             /* zero-width space */
        "法\xEF\xBB\xBF轮\xE2\x80\x8D功", /* BOM and zero-width joiner */
        "法\x01轮\x7F功",                 /* control characters */
        "法\n轮\r\n功",                   /* line breaks */
        "法輪功",                         /* traditional */
        "法，轮。功！",                   /* full-width punctuation (trailing is outside) */
        "法\xCC\x81轮功",                 /* combining mark */
        "法\xE3\x80\x80轮\xE2\x98\x85功", /* ideographic space, star symbol */
        "法 輪\xE2\x80\x8B-功",           /* combination */
        "FaLunGong",                      /* case */
        "ＦＡＬＵＮＧＯＮＧ",             /* full-width */
        "Ｆ－ａ\xE2\x80\x8Blun ＧＯＮＧ", /* full-width + case + noise */
        "ⓕⓐⓛⓤⓝⓖⓞⓝⓖ",                      /* circled letters */
        "ａｂ①",                          /* circled digit */
        "AB\xC2\xB9",                     /* superscript one */
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        collected c;
        const char *t = forms[i];
        check(lex, t, &c);
        if (c.n != 1)
            fail_msg("form %zu (%s): %s", i, t, c.out);
        assert_true(strncmp(c.out, "0-", 2) == 0);
    }
    text_lexicon_free(lex);
}

/* Offsets are bytes of the original text, through skipped and multi-byte folded characters. */
static void offsets_map_back_through_skipped_and_folded(void **state)
{
    (void)state;
    collected c;
    text_lexicon *lex = build("法轮功\nabc\n", true);
    /* "xx " (3) + 法(3) + space(1) + 輪(3) + "-"(1) + 功(3) = bytes 3..14 */
    assert_string_equal(check(lex, "xx 法 輪-功 yy", &c), "3-14:法轮功;");
    /* Ａ(3) ZWSP(3) Ｂ(3) ｃ(3): 0..12; noise after the last character is not included. */
    assert_string_equal(check(lex, "Ａ\xE2\x80\x8BＢｃ!!", &c), "0-12:abc;");
    /* Noise before the first character is not included either. */
    assert_string_equal(check(lex, "--abc", &c), "2-5:abc;");
    text_lexicon_free(lex);
}

static void expansions_fold_to_several_characters(void **state)
{
    (void)state;
    collected c;
    text_lexicon *lex = build("平成\nfi\n", true);
    /* ㍻ (U+337B) is 平成; ﬁ (U+FB01) is fi: a hit covers the whole original character. */
    assert_string_equal(check(lex, "x㍻y", &c), "1-4:平成;");
    assert_string_equal(check(lex, "\xEF\xAC\x81", &c), "0-3:fi;");
    text_lexicon_free(lex);
}

/* Characters of entries that share a bucket of the builder's fold memo (the same low 12 bits)
 * each keep their own fold: Ａ is a, U+0F21 itself, ἡ (U+1F21) η, ⼡ (U+2F21) 夂. */
static void entry_folds_do_not_mix_in_the_builders_memo(void **state)
{
    (void)state;
    collected c;
    text_lexicon *lex = build("x\xEF\xBC\xA1y\nx\xE0\xBC\xA1y\nx\xE1\xBC\xA1y\n"
                              "x\xE2\xBC\xA1y\n",
                              true);
    assert_string_equal(check(lex, "xay", &c), "0-3:x\xEF\xBC\xA1y;");
    assert_string_equal(check(lex, "x\xE0\xBC\xA1y", &c), "0-5:x\xE0\xBC\xA1y;");
    assert_string_equal(check(lex, "x\xCE\xB7y", &c), "0-4:x\xE1\xBC\xA1y;");
    assert_string_equal(check(lex, "x\xE5\xA4\x82y", &c), "0-5:x\xE2\xBC\xA1y;");
    text_lexicon_free(lex);
}

static void overlapping_and_nested_entries(void **state)
{
    (void)state;
    collected c;
    text_lexicon *lex = build("中华\n中华人民\n人民\n人民共和国\n共和\n中华人民共和国\n国\n", true);
    assert_string_equal(check(lex, "中华人民共和国", &c),
                        "0-21:中华人民共和国;0-12:中华人民;0-6:中华;6-21:人民共和国;"
                        "6-12:人民;12-18:共和;18-21:国;");
    assert_string_equal(
        check_mode(lex, "中华人民共和国", strlen("中华人民共和国"), TEXT_MODE_LONGEST, &c),
        "0-21:中华人民共和国;");
    assert_string_equal(
        check_mode(lex, "人民共和国中华", strlen("人民共和国中华"), TEXT_MODE_LONGEST, &c),
        "0-15:人民共和国;15-21:中华;");
    text_lexicon_free(lex);
}

static void longest_mode_is_leftmost_first(void **state)
{
    (void)state;
    collected c;
    text_lexicon *lex = build("ab\nbcd\ncd\nabcdef\nxyz\n", true);
    assert_string_equal(check_mode(lex, "abcd", 4, TEXT_MODE_LONGEST, &c), "0-2:ab;2-4:cd;");
    assert_string_equal(check_mode(lex, "abcdex", 6, TEXT_MODE_LONGEST, &c), "0-2:ab;2-4:cd;");
    assert_string_equal(check_mode(lex, "abcdef", 6, TEXT_MODE_LONGEST, &c), "0-6:abcdef;");
    assert_string_equal(check_mode(lex, "xbcd", 4, TEXT_MODE_LONGEST, &c), "1-4:bcd;");
    assert_string_equal(check_mode(lex, "abcd", 4, TEXT_MODE_ALL, &c), "0-2:ab;1-4:bcd;2-4:cd;");
    text_lexicon_free(lex);
}

static void whitelist_suppresses_contained_hits(void **state)
{
    (void)state;
    collected c;
    text_lexicon *lex =
        build("分裂国家,separatism,high\n反分裂国家法,whitelist\n国家法律,whitelist\n", true);
    assert_string_equal(check(lex, "《反分裂国家法》", &c), "");
    assert_string_equal(check(lex, "反 分裂-国家 法", &c), "");
    assert_string_equal(check(lex, "反分裂国家法 分裂国家", &c), "19-31:分裂国家;");
    /* A whitelist entry that only overlaps does not suppress. */
    assert_string_equal(check(lex, "分裂国家法律", &c), "0-12:分裂国家;");
    /* Longest mode: the suppressed hit leaves room for none, the next one counts. */
    const char *t = "反分裂国家法分裂国家";
    assert_string_equal(check_mode(lex, t, strlen(t), TEXT_MODE_LONGEST, &c), "18-30:分裂国家;");
    text_lexicon_free(lex);

    /* Across lexicons: a whitelist in one suppresses hits of another. */
    text_lexicon *flagged = build("网络赌博\n", true),
                 *allowed = build("打击网络赌博,whitelist\n", true);
    const text_lexicon *set[2] = {flagged, allowed};
    xn_error err = {0};
    const char *text = "严厉打击网络赌博，拒绝网络赌博";
    memset(&c, 0, sizeof c);
    c.text_len = strlen(text);
    assert_int_equal(text_check(set, 2, text, strlen(text), NULL, collect, &c, &err), 0);
    assert_string_equal(c.out, "33-45:网络赌博;");
    text_lexicon_free(flagged);
    text_lexicon_free(allowed);
}

/* PUB-13, MON-3: wording-error hits carry their correction. */
static void wording_hits_carry_the_correction(void **state)
{
    (void)state;
    collected c;
    text_lexicon *lex = build("中华人名共和国,wording,high,中华人民共和国\n", true);
    assert_string_equal(check(lex, "中华人名共和国成立", &c),
                        "0-21:中华人名共和国>中华人民共和国;");
    assert_string_equal(check(lex, "中华人民共和国", &c), "");
    text_lexicon_free(lex);
}

static void invalid_utf8_is_tolerated(void **state)
{
    (void)state;
    collected c;
    text_lexicon *lex = build("法轮功\nabc\n", true);
    /* A stray byte reads as U+FFFD, which is noise. */
    assert_string_equal(check(lex, "法\xFF轮功", &c), "0-10:法轮功;");
    assert_string_equal(check(lex,
                              "a\xC0\x80"
                              "bc",
                              &c),
                        "0-5:abc;");
    assert_string_equal(check(lex,
                              "\xED\xA0\x80"
                              "abc",
                              &c),
                        "3-6:abc;");                                /* surrogate */
    assert_string_equal(check(lex, "abc\xE6\xB3", &c), "0-3:abc;"); /* truncated */
    assert_string_equal(check(lex, "\xF4\x90\x80\x80", &c), "");    /* > U+10FFFF */
    /* Random bytes never crash and never produce offsets outside the text. */
    unsigned char buf[4096];
    uint32_t x = 12345;
    for (int round = 0; round < 200; round++) {
        for (size_t i = 0; i < sizeof buf; i++) {
            x = x * 1103515245u + 12345u;
            buf[i] = (unsigned char)(x >> 16);
            if (x % 5 == 0)
                buf[i] = (unsigned char)"abc\xE6\xB3\x95"[x % 6];
        }
        check_mode(lex, (const char *)buf, sizeof buf,
                   round % 2 ? TEXT_MODE_LONGEST : TEXT_MODE_ALL, &c);
    }
    text_lexicon_free(lex);
}

static void empty_input_and_no_hits(void **state)
{
    (void)state;
    collected c;
    text_lexicon *lex = build("法轮功\n", true);
    assert_string_equal(check_mode(lex, "", 0, TEXT_MODE_ALL, &c), "");
    assert_string_equal(check_mode(lex, NULL, 0, TEXT_MODE_LONGEST, &c), "");
    assert_string_equal(check(lex, "法轮", &c), "");
    assert_string_equal(check(lex, "法1轮功", &c), ""); /* a letter or digit breaks a word */
    text_lexicon_free(lex);
}

static void raw_lexicons_match_exact_code_points(void **state)
{
    (void)state;
    collected c;
    text_lexicon *lex = build("法轮功\nAbc\n", false);
    assert_false(text_lexicon_folded(lex));
    assert_string_equal(check(lex, "x法轮功", &c), "1-10:法轮功;");
    assert_string_equal(check(lex, "法輪功 法 轮功 abc ＡＢＣ", &c), "");
    assert_string_equal(check(lex, "Abc", &c), "0-3:Abc;");
    /* Folded and raw lexicons cannot be mixed in one check. */
    text_lexicon *folded = build("法轮功\n", true);
    const text_lexicon *set[2] = {lex, folded};
    xn_error err = {0};
    assert_int_equal(text_check(set, 2, "x", 1, NULL, collect, &c, &err), XN_EINVAL);
    text_lexicon_free(folded);
    text_lexicon_free(lex);
}

static void callback_can_stop_the_check(void **state)
{
    (void)state;
    collected c;
    text_lexicon *lex = build("ab\n", true);
    const text_lexicon *set[1] = {lex};
    xn_error err = {0};
    memset(&c, 0, sizeof c);
    c.text_len = 8;
    c.stop_after = 2;
    assert_int_equal(text_check(set, 1, "abababab", 8, NULL, collect, &c, &err), 7);
    assert_int_equal(c.n, 2);
    text_lexicon_free(lex);
}

static void lexicon_text_errors_name_the_line(void **state)
{
    (void)state;
    xn_error err = {0};
    text_builder *b = text_builder_new(true);
    const char *bad_sev = "# comment\n\n好词\n坏词,cat,severe\n";
    assert_int_equal(text_builder_add_text(b, "mine", bad_sev, strlen(bad_sev), &err), XN_EINVAL);
    assert_non_null(strstr(err.message, "mine:4"));
    assert_string_equal(err.code, "bad_severity");
    const char *only_noise = "！？…\n";
    assert_int_equal(text_builder_add_text(b, "mine", only_noise, strlen(only_noise), &err),
                     XN_EINVAL);
    assert_non_null(strstr(err.message, "mine:1"));
    assert_string_equal(err.code, "entry_only_noise");
    /* each reason has its own code (the lexicon room words them for people by code) */
    char longline[1100];
    memset(longline, 'a', 200);
    longline[200] = '\0';
    assert_int_equal(text_builder_add(b, "x", longline, 200, NULL, 0, NULL, &err), XN_EINVAL);
    assert_string_equal(err.code, "entry_too_long");
    assert_int_equal(text_builder_add(b, "x", "\xFF", 1, NULL, 0, NULL, &err), XN_EINVAL);
    assert_string_equal(err.code, "entry_not_utf8");
    assert_int_equal(text_builder_add(b, "x", "", 0, NULL, 0, NULL, &err), XN_EINVAL);
    assert_string_equal(err.code, "entry_empty");
    memset(longline, ' ', 1030);
    longline[0] = 'a';
    assert_int_equal(text_builder_add(b, "x", longline, 1030, NULL, 0, NULL, &err), XN_EINVAL);
    assert_string_equal(err.code, "entry_too_big");
    assert_int_equal(text_builder_add(b, "x", "a", 1, "\xFF", 0, NULL, &err), XN_EINVAL);
    assert_string_equal(err.code, "category_not_utf8");
    assert_int_equal(text_builder_add(b, "x", "a", 1, NULL, 0, "\xFE", &err), XN_EINVAL);
    assert_string_equal(err.code, "suggest_not_utf8");
    assert_int_equal(text_builder_add(b, "x", "a", 1, NULL, 4, NULL, &err), XN_EINVAL);
    assert_string_equal(err.code, "bad_severity");
    memset(longline, 'c', 1025);
    longline[1025] = '\0';
    assert_int_equal(text_builder_add(b, "x", "a", 1, longline, 0, NULL, &err), XN_EINVAL);
    assert_string_equal(err.code, "category_too_long");
    assert_int_equal(text_builder_add(b, "x", "a", 1, NULL, 0, longline, &err), XN_EINVAL);
    assert_string_equal(err.code, "suggest_too_long");
    xn_buf line;
    xn_buf_init(&line, 0);
    xn_buf_printf(&line, "a,%s\n", longline);
    assert_int_equal(text_builder_add_text(b, "mine", line.data, line.len, &err), XN_EINVAL);
    assert_string_equal(err.code, "category_too_long");
    assert_non_null(strstr(err.message, "mine:1"));
    xn_buf_reset(&line);
    xn_buf_printf(&line, "a,,low,%s\n", longline);
    assert_int_equal(text_builder_add_text(b, "mine", line.data, line.len, &err), XN_EINVAL);
    assert_string_equal(err.code, "suggest_too_long");
    xn_buf_release(&line);
    assert_int_equal(text_builder_count(b), 1); /* 好词, added before the bad line */
    text_lexicon *lex = NULL;
    text_builder_free(b);
    b = text_builder_new(true);
    assert_int_equal(text_builder_build(b, &lex, &err), XN_EINVAL);
    /* BOM, CRLF, spaces around columns, duplicates after folding. */
    const char *ok = "\xEF\xBB\xBF 法轮功 , cult , high \r\n法輪功\nFoo\nfoo,x,low\n";
    assert_int_equal(text_builder_add_text(b, "mine", ok, strlen(ok), &err), 0);
    assert_int_equal(text_builder_build(b, &lex, &err), 0);
    collected c;
    assert_string_equal(check(lex, "法轮功 FOO", &c), "0-9:法轮功;10-13:Foo;");
    text_builder_free(b);
    text_lexicon_free(lex);
}

/* The fold is idempotent on every code point, so folding text and entries agree. */
static void fold_is_idempotent(void **state)
{
    (void)state;
    for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
        uint32_t a[8], b[8];
        int n = text_fold_cp(cp, a, 8);
        for (int i = 0; i < n; i++) {
            int m = text_fold_cp(a[i], b, 8);
            if (m != 1 || b[0] != a[i])
                fail_msg("fold(U+%04X) = U+%04X is not stable", cp, a[i]);
        }
    }
    /* The fast page fold used to build tables agrees with the per-code-point fold. */
    for (uint32_t page = 0; page < 0x1100; page++) {
        uint32_t got[256];
        text_fold_page(page, got);
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t want[8], cp = page << 8 | i;
            int n = text_fold_cp(cp, want, 8);
            uint32_t w = n == 0 ? FOLD_SKIP : n == 1 ? want[0] : FOLD_MULTI;
            if (got[i] != w)
                fail_msg("page fold of U+%04X: %X, want %X", cp, got[i], w);
        }
    }
    xn_buf out;
    xn_buf_init(&out, 1 << 16);
    const char *in = "Ｈｅｌｌｏ，世界 ①㈱法輪功\xE2\x80\x8B";
    assert_int_equal(text_fold_utf8(in, strlen(in), &out), 0);
    assert_string_equal(out.data, "hello世界1株法轮功");
    xn_buf_release(&out);
}

static char *tmp_path(const char *name)
{
    const char *dir = getenv("XN_TEST_TMP");
    char *p = malloc(4096);
    snprintf(p, 4096, "%s/%s", dir && *dir ? dir : "/tmp", name);
    return p;
}

static void compiled_image_round_trip_and_corruption(void **state)
{
    (void)state;
    xn_error err = {0};
    collected c1, c2;
    text_lexicon *lex = build("法轮功\n中华人名共和国,wording,high,中华人民共和国\n人民\n", true);
    char *path = tmp_path("round.xlex");
    assert_int_equal(text_lexicon_save(lex, path, &err), 0);
    assert_true(text_file_is_compiled(path));
    text_lexicon *loaded = NULL;
    assert_int_equal(text_lexicon_load(path, &loaded, &err), 0);
    const char *t = "法 輪功，中华人名共和国";
    assert_string_equal(check(lex, t, &c1), check(loaded, t, &c2));
    assert_int_equal(c1.n, 2);
    text_lexicon_free(loaded);

    size_t len;
    const unsigned char *img = text_lexicon_image(lex, &len);
    unsigned char *copy = malloc(len);
    /* Truncation is rejected. */
    memcpy(copy, img, len);
    assert_int_equal(text_lexicon_from_image(copy, len - 8, true, &loaded, &err), XN_EINVAL);
    /* An image of an earlier version is refused with a message that says what to do. */
    memcpy(copy, img, len);
    copy[offsetof(img_header, version)] = IMG_VERSION - 1;
    assert_int_equal(text_lexicon_from_image(copy, len, false, &loaded, &err), XN_EINVAL);
    assert_non_null(strstr(err.message, "xinan text compile"));
    /* Any flipped byte is rejected by the checksum. */
    for (size_t i = 0; i < len; i += len / 97 + 1) {
        memcpy(copy, img, len);
        copy[i] ^= 0x5A;
        assert_int_equal(text_lexicon_from_image(copy, len, true, &loaded, &err), XN_EINVAL);
    }
    /* Without the checksum, structural checks reject or the result stays in bounds. */
    uint32_t x = 99;
    for (int round = 0; round < 3000; round++) {
        memcpy(copy, img, len);
        for (int k = 0; k < 4; k++) {
            x = x * 1103515245u + 12345u;
            size_t at = (x >> 4) % (round % 2 ? 4096 : len);
            copy[at] = (unsigned char)(x >> 24);
        }
        if (text_lexicon_from_image(copy, len, false, &loaded, &err) == 0) {
            check(loaded, t, &c2);
            text_lexicon_free(loaded);
        }
    }
    /* A file that is not a lexicon at all. */
    FILE *f = fopen(path, "w");
    fputs("法轮功\n", f);
    fclose(f);
    assert_false(text_file_is_compiled(path));
    assert_int_equal(text_lexicon_load(path, &loaded, &err), XN_EINVAL);
    unlink(path);
    free(copy);
    free(path);
    text_lexicon_free(lex);
}

/* A compiled file truncated or rewritten in place while loaded: the loaded lexicon keeps
 * working (it was read into private memory; a mapping would raise SIGBUS here). */
static void loaded_lexicon_survives_its_file_shrinking(void **state)
{
    (void)state;
    xn_error err = {0};
    collected c1, c2;
    text_builder *b = text_builder_new(true);
    for (int i = 0; i < 20000; i++) {
        char w[32];
        int n = snprintf(w, sizeof w, "词%d条", i);
        assert_int_equal(text_builder_add(b, "many", w, (size_t)n, NULL, 0, NULL, &err), 0);
    }
    assert_int_equal(text_builder_add(b, "many", "法轮功", strlen("法轮功"), NULL, 0, NULL, &err),
                     0);
    text_lexicon *lex = NULL;
    assert_int_equal(text_builder_build(b, &lex, &err), 0);
    assert_true(text_lexicon_size(lex) > 256 * 1024);
    char *path = tmp_path("shrink.xlex");
    assert_int_equal(text_lexicon_save(lex, path, &err), 0);
    text_lexicon *loaded = NULL;
    assert_int_equal(text_lexicon_load(path, &loaded, &err), 0);
    const char *t = "法 輪功，词19999条，词7条";
    check(lex, t, &c1);
    assert_int_equal(c1.n, 3);

    assert_int_equal(truncate(path, 4096), 0);
    assert_string_equal(check(loaded, t, &c2), c1.out);
    FILE *f = fopen(path, "r+");
    assert_non_null(f);
    fputs("not a lexicon any more", f);
    fclose(f);
    assert_int_equal(truncate(path, 0), 0);
    assert_string_equal(check(loaded, t, &c2), c1.out);
    /* The shrunken file itself is refused, not half-read. */
    text_lexicon *again = NULL;
    assert_int_equal(text_lexicon_load(path, &again, &err), XN_EINVAL);
    assert_null(again);

    unlink(path);
    free(path);
    text_lexicon_free(loaded);
    text_lexicon_free(lex);
    text_builder_free(b);
}

/* 100,000+ entries build, and every entry is found in a text that holds it. */
static void large_lexicons_build_and_match(void **state)
{
    (void)state;
    enum { N = 120000 };
    text_builder *b = text_builder_new(true);
    xn_error err = {0};
    uint32_t x = 7;
    char(*words)[32] = malloc(sizeof(char[32]) * N);
    for (int i = 0; i < N; i++) {
        int n = 2 + i % 5, k = 0;
        for (int j = 0; j < n; j++) {
            x = x * 1103515245u + 12345u;
            uint32_t cp = 0x4E00 + (x >> 8) % 3000;
            words[i][k++] = (char)(0xE0 | (cp >> 12));
            words[i][k++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            words[i][k++] = (char)(0x80 | (cp & 0x3F));
        }
        words[i][k] = '\0';
        assert_int_equal(text_builder_add(b, "big", words[i], (size_t)k, NULL, 0, NULL, &err), 0);
    }
    text_lexicon *lex = NULL;
    assert_int_equal(text_builder_build(b, &lex, &err), 0);
    for (int i = 0; i < N; i += 997) {
        collected c;
        char text[64];
        snprintf(text, sizeof text, "。%s！", words[i]);
        check(lex, text, &c);
        char want[64];
        snprintf(want, sizeof want, "3-%zu:", 3 + strlen(words[i]));
        if (strstr(c.out, want) == NULL)
            fail_msg("entry %d (%s) not found: %s", i, words[i], c.out);
    }
    free(words);
    text_builder_free(b);
    text_lexicon_free(lex);
}

/* Random lexicons over a small alphabet, so that entries overlap, nest and share suffixes
 * (failure links of every depth), with whitelist entries among them. */
static uint32_t rnd_next(uint32_t *x)
{
    *x = *x * 1103515245u + 12345u;
    return *x >> 8;
}

static void random_lexicon(uint32_t *x, char *buf, size_t cap)
{
    static const char *const syms[] = {"法", "轮", "功", "a", "b", "1", "ss"};
    size_t len = 0;
    int nent = 3 + (int)(rnd_next(x) % 40);
    buf[0] = '\0';
    for (int e = 0; e < nent; e++) {
        int n = 1 + (int)(rnd_next(x) % 6);
        for (int k = 0; k < n; k++)
            len += (size_t)snprintf(buf + len, cap - len, "%s",
                                    syms[rnd_next(x) % (sizeof syms / sizeof syms[0])]);
        len += (size_t)snprintf(buf + len, cap - len, "%s\n",
                                rnd_next(x) % 6 == 0 ? ",whitelist" : "");
    }
}

/* The state of the longest suffix of syms[0..n) that is a prefix of an entry, found from the
 * root along children alone: no failure links, no redirects. */
static uint32_t longest_suffix_state(const text_lexicon *lex, const uint32_t *syms, size_t n)
{
    for (size_t len = n < MAX_DEPTH ? n : MAX_DEPTH; len > 0; len--) {
        uint32_t s = ROOT;
        size_t i = n - len;
        for (; i < n; i++) {
            uint32_t t = lex->nodes[s].base + syms[i];
            if (lex->nodes[t].check != s || lex->nodes[t].fail == NODE_REDIRECT)
                break;
            s = t;
        }
        if (i == n)
            return s;
    }
    return ROOT;
}

/* Appends the symbols that lead from the root to state s; returns the new length. */
static size_t append_state_symbols(const text_lexicon *lex, uint32_t s, uint32_t *syms, size_t n,
                                   size_t cap)
{
    uint32_t path[MAX_DEPTH];
    size_t k = 0;
    for (; s != ROOT && k < MAX_DEPTH; s = lex->nodes[s].check)
        path[k++] = s - lex->nodes[lex->nodes[s].check].base;
    while (k > 0 && n < cap)
        syms[n++] = path[--k];
    return n;
}

/* A random state of lex (ROOT when the draw finds none). */
static uint32_t random_state(const text_lexicon *lex, uint32_t *x)
{
    for (int tries = 0; tries < 64; tries++) {
        uint32_t s = 2 + rnd_next(x) % (lex->h->nslots - 2);
        if (lex->nodes[s].check != EMPTY && lex->nodes[s].fail != NODE_REDIRECT)
            return s;
    }
    return ROOT;
}

/* A lexicon where the state of 丙甲乙 fails to 甲乙, whose row holds 40 more symbols than its
 * own: too many redirects, so that state walks its failure links. */
static void walking_lexicon(char *buf, size_t cap)
{
    size_t len = (size_t)snprintf(buf, cap, "甲乙\n丙甲乙丁\n");
    for (uint32_t i = 0; i < 40; i++) {
        char c[4];
        size_t n = text_utf8_put(0x5000 + i, c);
        len += (size_t)snprintf(buf + len, cap - len, "甲乙%.*s\n", (int)n, c);
    }
}

/* text_step (three probes chosen by masks; redirects instead of the failure walk) and
 * text_goto (the failure walk) both land on the state of the longest suffix of the symbols so
 * far that is a prefix of an entry, at every symbol of random sequences (random symbols and
 * the paths of random states), resets included. Redirect slots and walking states are both
 * exercised. */
static void branch_free_step_follows_failure_links(void **state)
{
    (void)state;
    uint32_t x = 20240611u;
    uint64_t redirected = 0, walked = 0, steps = 0;
    for (int round = 0; round < 201; round++) {
        char lexa[4096];
        if (round == 0)
            walking_lexicon(lexa, sizeof lexa);
        else
            random_lexicon(&x, lexa, sizeof lexa);
        text_lexicon *lex = build(lexa, true);
        const text_walk w = text_walk_of(lex);
        uint32_t nsym = lex->h->nsym;
        for (int t = 0; t < 20; t++) {
            uint32_t seq[256];
            size_t n = 0;
            while (n < 200) {
                if (rnd_next(&x) % 3 == 0)
                    n = append_state_symbols(lex, random_state(lex, &x), seq, n, 200);
                else
                    seq[n++] = rnd_next(&x) % (nsym + 1); /* 0: a character in no entry */
            }
            text_at at = TEXT_AT_ROOT;
            uint32_t s = ROOT;
            size_t from = 0; /* the symbols since the last reset */
            for (size_t k = 0; k < n; k++) {
                uint32_t c = seq[k];
                if (c == 0) {
                    at = TEXT_AT_ROOT;
                    s = ROOT;
                    from = k + 1;
                    continue;
                }
                hot_node hs = lex->hot[at.s], ht = lex->hot[(hs.base & HOT_BASE) + c];
                bool own = (ht.check & HOT_PARENT) == at.s;
                redirected += own && (ht.base & HOT_REDIRECT);
                walked += !own && (hs.base & HOT_FAIL_DEEP);
                steps++;
                uint32_t want = longest_suffix_state(lex, seq + from, k + 1 - from);
                s = text_goto(lex->hot, lex->nodes, s, c);
                if (text_step(&w, &at, c) != want || at.s != want || s != want)
                    fail_msg("round %d: symbol %zu (%u) gave %u, the failure walk %u, want %u\n%s",
                             round, k, c, at.s, s, want, lexa);
            }
        }
        text_lexicon_free(lex);
    }
    /* Both of the step's rare paths were taken, and redirects often. */
    assert_true(redirected > steps / 200);
    assert_true(walked > 0);
}

/* The counting loop agrees with the full check: random lexicons and texts with evasion forms,
 * invalid bytes and characters in no entry, both modes, one lexicon and two. */
static void count_agrees_with_check(void **state)
{
    (void)state;
    static const char *const pieces[] = {
        "法", "轮", "輪", "功",           "a",  "Ａ", "B",  "b",    "1",    "①",    "ss",
        "ß",  " ",  "-",  "\xE2\x80\x8B", "。", "x",  "\n", "\xFF", "法轮", "轮功",
    };
    uint32_t x = 7u;
    for (int round = 0; round < 60; round++) {
        char lexa[2048];
        random_lexicon(&x, lexa, sizeof lexa);
        text_lexicon *a = build(lexa, true), *b = build("功法\n轮\n", true);
        for (int t = 0; t < 8; t++) {
            char text[512];
            size_t tl = 0;
            int n = 5 + (int)(rnd_next(&x) % 40);
            for (int k = 0; k < n; k++)
                tl += (size_t)snprintf(text + tl, sizeof text - tl, "%s",
                                       pieces[rnd_next(&x) % (sizeof pieces / sizeof pieces[0])]);
            for (int mode = 0; mode < 2; mode++)
                for (size_t nset = 1; nset <= 2; nset++) {
                    const text_lexicon *set[2] = {a, b};
                    text_check_opts o = {.mode = mode ? TEXT_MODE_LONGEST : TEXT_MODE_ALL};
                    collected c;
                    uint64_t counted = 0;
                    xn_error err = {0};
                    memset(&c, 0, sizeof c);
                    c.text_len = tl;
                    assert_int_equal(text_check(set, nset, text, tl, &o, collect, &c, &err), 0);
                    assert_int_equal(text_count(set, nset, text, tl, o.mode, &counted, &err), 0);
                    assert_int_equal(counted, (uint64_t)c.n);
                }
        }
        text_lexicon_free(a);
        text_lexicon_free(b);
    }
}

/* Counting by start agrees with the full check over texts of several count blocks (4,096
 * symbols each), whatever lies across their seams: one-symbol entries, an entry of 40
 * symbols, an entry listed twice, expansions, characters past the BMP, noise, characters in
 * no entry and invalid bytes. */
static void count_by_start_agrees_across_blocks(void **state)
{
    (void)state;
    static const char *const atoms[] = {"法", "轮", "功", "a", "b", "ss", "𠀀"};
    static const char *const noise[] = {" ",    "-", "\xE2\x80\x8B", "。", "x",
                                        "\xFF", "ß", "Ａ",           "輪", "\n"};
    uint32_t x = 11u;
    char *text = xn_xmalloc(64 * 1024);
    for (int round = 0; round < 12; round++) {
        char lexa[4096];
        size_t ll = 0;
        int nent = 5 + (int)(rnd_next(&x) % 60);
        for (int e = 0; e < nent; e++) {
            int n = 1 + (int)(rnd_next(&x) % (e == 0 ? 40 : 6));
            for (int k = 0; k < n; k++)
                ll += (size_t)snprintf(lexa + ll, sizeof lexa - ll, "%s",
                                       atoms[rnd_next(&x) % (sizeof atoms / sizeof atoms[0])]);
            ll += (size_t)snprintf(lexa + ll, sizeof lexa - ll, "\n");
        }
        ll += (size_t)snprintf(lexa + ll, sizeof lexa - ll, "法轮,other\n法轮\n");
        text_lexicon *lex = build(lexa, true);
        assert_true(lex->longest >= 2);
        const text_lexicon *set[1] = {lex};
        size_t tl = 0, want = 9000 + rnd_next(&x) % 30000;
        while (tl < want) {
            const char *piece = rnd_next(&x) % 4 == 0
                                    ? noise[rnd_next(&x) % (sizeof noise / sizeof noise[0])]
                                    : atoms[rnd_next(&x) % (sizeof atoms / sizeof atoms[0])];
            size_t pl = strlen(piece);
            memcpy(text + tl, piece, pl);
            tl += pl;
        }
        counted_hits c = {0};
        uint64_t counted = 0;
        xn_error err = {0};
        text_check_opts o = {.mode = TEXT_MODE_ALL};
        assert_int_equal(text_check(set, 1, text, tl, &o, count_hits, &c, &err), 0);
        assert_int_equal(text_count(set, 1, text, tl, TEXT_MODE_ALL, &counted, &err), 0);
        assert_true(c.n > 100);
        assert_int_equal(counted, c.n);
        text_lexicon_free(lex);
    }
    /* One entry starting at each symbol around the first two seams between blocks. */
    static const char *const entries[] = {"法轮", "法轮功ab法轮",
                                          "法轮功ab法轮法轮功ab法轮法轮功ab法轮法轮功ab法轮"};
    for (size_t e = 0; e < sizeof entries / sizeof entries[0]; e++) {
        text_lexicon *lex = build(entries[e], true);
        const text_lexicon *set[1] = {lex};
        size_t el = strlen(entries[e]);
        for (size_t seam = COUNT_BLOCK; seam <= 2 * COUNT_BLOCK; seam += COUNT_BLOCK)
            for (size_t at = seam - lex->longest - 2; at <= seam + 2; at++) {
                uint64_t counted = 0;
                xn_error err = {0};
                memset(text, 'x', at); /* in no entry: one symbol each */
                memcpy(text + at, entries[e], el);
                memset(text + at + el, 'x', 5);
                assert_int_equal(
                    text_count(set, 1, text, at + el + 5, TEXT_MODE_ALL, &counted, &err), 0);
                if (counted != 1)
                    fail_msg("entry %zu at symbol %zu: counted %llu", e, at,
                             (unsigned long long)counted);
            }
        text_lexicon_free(lex);
    }
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(evasion_forms_fold_to_the_entry),
        cmocka_unit_test(offsets_map_back_through_skipped_and_folded),
        cmocka_unit_test(expansions_fold_to_several_characters),
        cmocka_unit_test(entry_folds_do_not_mix_in_the_builders_memo),
        cmocka_unit_test(overlapping_and_nested_entries),
        cmocka_unit_test(longest_mode_is_leftmost_first),
        cmocka_unit_test(whitelist_suppresses_contained_hits),
        cmocka_unit_test(wording_hits_carry_the_correction),
        cmocka_unit_test(invalid_utf8_is_tolerated),
        cmocka_unit_test(empty_input_and_no_hits),
        cmocka_unit_test(raw_lexicons_match_exact_code_points),
        cmocka_unit_test(callback_can_stop_the_check),
        cmocka_unit_test(lexicon_text_errors_name_the_line),
        cmocka_unit_test(fold_is_idempotent),
        cmocka_unit_test(compiled_image_round_trip_and_corruption),
        cmocka_unit_test(loaded_lexicon_survives_its_file_shrinking),
        cmocka_unit_test(large_lexicons_build_and_match),
        cmocka_unit_test(branch_free_step_follows_failure_links),
        cmocka_unit_test(count_agrees_with_check),
        cmocka_unit_test(count_by_start_agrees_across_blocks),
    };
    return cmocka_run_group_tests_name("text", tests, NULL, NULL);
}
