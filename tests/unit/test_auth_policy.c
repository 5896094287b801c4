/* Unit tests of the password policy (ACC-8, ACC-9, ACC-10, ACC-18): every rule with accepted
 * and rejected passwords in each profile, the built-in dictionary with leet-speak and phrases,
 * names in hanzi and pinyin (polyphonic characters, compound surnames, initials, reversed),
 * accounts, phones and birthdays in their written forms, history through the caller's
 * verifier, the positional rule against the current password, structural bounds, tightening
 * (and its refusal of anything weaker), expiry, weak-password lists and the JSON shape. */
#include "xn_test.h"

#include "auth/auth.h"
#include "auth/auth_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The built-in dictionary, built once for the whole group. */
static int group_setup(void **state)
{
    xn_error err = {0};
    auth_dict *d = NULL;
    if (auth_dict_new_builtin(&d, &err) != XN_OK)
        return -1;
    *state = d;
    return 0;
}

static int group_teardown(void **state)
{
    auth_dict_free(*state);
    return 0;
}

typedef struct who {
    const char *account, *name, *phone, *birthday;
} who;

/* Checks pw under a profile with the given personal data and no current password; returns the
 * rules broken as "rule,rule," (empty when accepted). */
static const char *rules_of(const auth_policy *p, const auth_dict *d, const char *pw, const who *w,
                            char *out, size_t cap)
{
    auth_pw_input in = {.candidate = pw, .candidate_len = strlen(pw)};
    auth_policy_result r;
    xn_error err = {0};
    if (w) {
        in.account = w->account;
        in.name = w->name;
        in.phone = w->phone;
        in.birthday = w->birthday;
    }
    if (auth_policy_check(p, d, NULL, &in, &r, &err) != XN_OK)
        fail_msg("check of '%s' failed: %s", pw, err.message);
    out[0] = '\0';
    size_t len = 0;
    for (size_t i = 0; i < r.count; i++) {
        int n = snprintf(out + len, cap - len, "%s,", r.violations[i].rule);
        assert_true(n > 0 && (size_t)n < cap - len);
        len += (size_t)n;
        assert_true(strlen(r.violations[i].message) > 0);
    }
    assert_int_equal(r.ok, r.count == 0);
    return out;
}

#define RULES(p, d, pw, w) rules_of((p), (d), (pw), (w), buf, sizeof buf)

static void profile(auth_profile prof, auth_policy *p)
{
    auth_policy_default(prof, p);
}

/* ---- profiles ------------------------------------------------------------------------------ */

/* ACC-8, ACC-9, ACC-10, ACC-18: the regulatory minimums. */
static void profiles_hold_the_regulatory_minimums(void **state)
{
    (void)state;
    auth_policy p;
    auth_profile prof;

    profile(AUTH_PROFILE_USER, &p);
    assert_int_equal(p.min_length, 10);
    assert_int_equal(p.classes, AUTH_CLASS_LETTER | AUTH_CLASS_DIGIT);
    assert_int_equal(p.history, 6);
    assert_int_equal(p.max_repeat, AUTH_OFF);
    assert_int_equal(p.max_same_position, AUTH_OFF);
    assert_true(p.dictionary); /* HS 附件4 §6 holds for every account (ACC-8) */
    assert_int_equal(p.max_age_days, 30);

    profile(AUTH_PROFILE_ADMIN, &p);
    assert_int_equal(p.min_length, 10);
    assert_int_equal(p.classes, AUTH_CLASS_LETTER | AUTH_CLASS_DIGIT | AUTH_CLASS_SYMBOL);
    assert_int_equal(p.history, 10);
    assert_int_equal(p.max_repeat, 2);
    assert_int_equal(p.max_same_position, 3);
    assert_true(p.dictionary);
    assert_int_equal(p.max_age_days, 30);

    profile(AUTH_PROFILE_SERVER, &p);
    assert_int_equal(p.history, 10);
    assert_true(p.dictionary);
    assert_int_equal(p.max_age_days, 7);

    profile(AUTH_PROFILE_MEDIA, &p);
    assert_int_equal(p.min_length, 10);
    assert_int_equal(p.classes, AUTH_CLASS_LETTER | AUTH_CLASS_DIGIT);

    assert_int_equal(auth_profile_parse("admin", &prof), XN_OK);
    assert_int_equal(prof, AUTH_PROFILE_ADMIN);
    assert_int_equal(auth_profile_parse("server", &prof), XN_OK);
    assert_int_equal(prof, AUTH_PROFILE_SERVER);
    assert_int_equal(auth_profile_parse("root", &prof), XN_EINVAL);
    assert_string_equal(auth_profile_name(AUTH_PROFILE_USER), "user");
    assert_string_equal(auth_profile_name(AUTH_PROFILE_MEDIA), "media");
}

/* ---- length and classes -------------------------------------------------------------------- */

static void length_counts_characters(void **state)
{
    const auth_dict *d = *state;
    char buf[256];
    auth_policy user, admin;
    profile(AUTH_PROFILE_USER, &user);
    profile(AUTH_PROFILE_ADMIN, &admin);

    assert_string_equal(RULES(&user, d, "kq7x9m2vb", NULL), "min_length,");
    assert_string_equal(RULES(&user, d, "kq7x9m2vbz", NULL), "");
    /* Characters, not bytes: 9 characters in 17 bytes is too short, 10 in 18 is enough. */
    assert_string_equal(RULES(&user, d, "中文中文ab123", NULL), "min_length,");
    assert_string_equal(RULES(&user, d, "中文中文ab1234", NULL), "");
    assert_string_equal(RULES(&admin, d, "Kq7#x9m", NULL), "min_length,");
    assert_string_equal(RULES(&admin, d, "Kq7#x9m2vb", NULL), "");
    /* The same for the server and new-media profiles. */
    auth_policy server, media;
    profile(AUTH_PROFILE_SERVER, &server);
    profile(AUTH_PROFILE_MEDIA, &media);
    assert_string_equal(RULES(&server, d, "Kq7#x9m", NULL), "min_length,");
    assert_string_equal(RULES(&server, d, "Kq7#x9m2vb", NULL), "");
    assert_string_equal(RULES(&media, d, "kq7x9m2vb", NULL), "min_length,");
    assert_string_equal(RULES(&media, d, "kq7x9m2vbz", NULL), "");
}

static void classes_per_profile(void **state)
{
    const auth_dict *d = *state;
    char buf[256];
    auth_policy user, admin, server;
    profile(AUTH_PROFILE_USER, &user);
    profile(AUTH_PROFILE_ADMIN, &admin);
    profile(AUTH_PROFILE_SERVER, &server);

    /* ACC-8: letters and digits. */
    assert_string_equal(RULES(&user, d, "kqxzmvbwtr", NULL), "classes,");
    assert_string_equal(RULES(&user, d, "7391846205", NULL), "classes,");
    assert_string_equal(RULES(&user, d, "kqxzm91846", NULL), "");
    /* ACC-9: letters, digits and symbols; a space or a hanzi is a symbol too. */
    assert_string_equal(RULES(&admin, d, "Kqxzm91846", NULL), "classes,");
    assert_string_equal(RULES(&admin, d, "Kqxzm 91846", NULL), "");
    assert_string_equal(RULES(&admin, d, "Kqxzm信91846", NULL), "");
    assert_string_equal(RULES(&server, d, "Kqxzm91846", NULL), "classes,");
    assert_string_equal(RULES(&server, d, "Kqxzm_91846", NULL), "");

    /* The message names what is required. */
    auth_pw_input in = {.candidate = "kqxzmvbwtr", .candidate_len = 10};
    auth_policy_result r;
    xn_error err;
    assert_int_equal(auth_policy_check(&user, d, NULL, &in, &r, &err), XN_OK);
    assert_string_equal(r.violations[0].message, "密码必须同时包含字母和数字");
    assert_int_equal(auth_policy_check(&admin, d, NULL, &in, &r, &err), XN_OK);
    assert_string_equal(r.violations[0].message, "密码必须同时包含字母、数字和特殊符号");
    auth_policy_overrides ov = AUTH_POLICY_OVERRIDES_INIT;
    ov.add_classes = AUTH_CLASS_MIXED_CASE;
    assert_int_equal(auth_policy_tighten(&user, &ov, &err), XN_OK);
    assert_int_equal(auth_policy_check(&user, d, NULL, &in, &r, &err), XN_OK);
    assert_string_equal(r.violations[0].message, "密码必须同时包含大写字母、小写字母和数字");
    assert_string_equal(RULES(&user, d, "kqxzm91846", NULL), "classes,");
    assert_string_equal(RULES(&user, d, "Kqxzm91846", NULL), "");
}

/* ACC-9: no character more than twice (case matters: K and k are different characters). */
static void repeat_char_in_admin_profiles(void **state)
{
    const auth_dict *d = *state;
    char buf[256];
    auth_policy user, admin, server;
    profile(AUTH_PROFILE_USER, &user);
    profile(AUTH_PROFILE_ADMIN, &admin);
    profile(AUTH_PROFILE_SERVER, &server);

    assert_string_equal(RULES(&admin, d, "Xk9#mPq2!vLz", NULL), "");
    assert_string_equal(RULES(&admin, d, "Xk9#mPq2!vLkk", NULL), "repeat_char,");
    assert_string_equal(RULES(&admin, d, "Kk9#mPq2!vLk", NULL), "");
    assert_string_equal(RULES(&admin, d, "#Xk9#mPq2!v#", NULL), "repeat_char,");
    assert_string_equal(RULES(&server, d, "Xk9#mPq2!vLkk", NULL), "repeat_char,");
    /* Ordinary users have no such rule. */
    assert_string_equal(RULES(&user, d, "kkkk2x7q9m", NULL), "");
}

/* ---- dictionary ---------------------------------------------------------------------------- */

static void dictionary_words_phrases_and_leet(void **state)
{
    const auth_dict *d = *state;
    char buf[256];
    auth_policy admin, user;
    profile(AUTH_PROFILE_ADMIN, &admin);
    profile(AUTH_PROFILE_USER, &user);

    assert_true(auth_dict_words(d) > 50000);
    assert_true(auth_dict_weak_count(d) > 200);
    assert_true(auth_dict_memory(d) < 8u << 20);

    /* Words with digits and symbols around them, in any case. */
    assert_string_equal(RULES(&admin, d, "Sunshine#2024", NULL), "dictionary,");
    assert_string_equal(RULES(&admin, d, "2024#Elephant", NULL), "dictionary,");
    assert_string_equal(RULES(&admin, d, "!!GOVERNMENT9", NULL), "dictionary,");
    /* Leet-speak undone: @ 0 1 3 $ 5 7. */
    assert_string_equal(RULES(&admin, d, "P@ssw0rd!23", NULL), "dictionary,");
    assert_string_equal(RULES(&admin, d, "#Dr@g0n2024", NULL), "dictionary,");
    assert_string_equal(RULES(&admin, d, "M0nk3y#2024", NULL), "dictionary,");
    assert_string_equal(RULES(&admin, d, "$ecur17y#99", NULL), "dictionary,");
    /* A word inside, with letters, digits or symbols around it (ACC-8, HS 附件4 §6). */
    assert_string_equal(RULES(&admin, d, "Ch1n@#2024x", NULL), "dictionary,");
    /* 1 stands for both i and l. */
    assert_string_equal(RULES(&admin, d, "#W1nd0w2024", NULL), "dictionary,");
    assert_string_equal(RULES(&admin, d, "#Ye11ow2024", NULL), "dictionary,");
    /* Phrases of two and three words, with or without separators. */
    assert_string_equal(RULES(&admin, d, "Blue#Moon2024", NULL), "dictionary,");
    assert_string_equal(RULES(&admin, d, "Green@Lion8", NULL), "dictionary,");
    assert_string_equal(RULES(&admin, d, "StormFrogLamp#7", NULL), "dictionary,");
    /* four words are no phrase, but each word inside counts (ACC-8) */
    assert_string_equal(RULES(&admin, d, "StormFrogLampKite#7", NULL), "dictionary,");
    /* Pinyin words and names from data/passwords/pinyin.txt. */
    assert_string_equal(RULES(&admin, d, "Woaini@2024", NULL), "dictionary,");
    assert_string_equal(RULES(&admin, d, "Zh0ngguo#2024", NULL), "dictionary,");
    assert_string_equal(RULES(&admin, d, "Beijing@huanying1", NULL), "repeat_char,dictionary,");
    /* Weak passwords, whole or with digits and symbols around them. */
    assert_string_equal(RULES(&admin, d, "1qaz@WSX", NULL), "min_length,dictionary,");
    assert_string_equal(RULES(&admin, d, "!1qaz2WSX3edc", NULL), "dictionary,");
    assert_string_equal(RULES(&admin, d, "Huawei12#$", NULL), "dictionary,");
    assert_string_equal(RULES(&admin, d, "##Admin@123!!", NULL), "dictionary,");
    assert_string_equal(RULES(&admin, d, "qwertyuiop#1", NULL), "dictionary,");
    /* A word of five letters or more inside counts whatever surrounds it (ACC-8). */
    assert_string_equal(RULES(&admin, d, "Tiger7Cat!x", NULL), "dictionary,");
    /* Not words: random, too short to count (3 letters), or words broken by letters. */
    assert_string_equal(RULES(&admin, d, "Xk9#mPq2!vLz", NULL), "");
    assert_string_equal(RULES(&admin, d, "Sky#Cat#Dog7", NULL), "");
    assert_string_equal(RULES(&admin, d, "Gov#Data2024", NULL), "");
    assert_string_equal(RULES(&admin, d, "Sunshinqe#2024", NULL), "");
    /* Ordinary users too (ACC-8, HS 附件4 §6); the setting cannot be turned off. */
    assert_string_equal(RULES(&user, d, "password123", NULL), "dictionary,");
    auth_policy_overrides ov = AUTH_POLICY_OVERRIDES_INIT;
    xn_error err;
    ov.dictionary = 0;
    assert_int_equal(auth_policy_tighten(&user, &ov, &err), XN_EINVAL);
    assert_string_equal(err.code, "policy_weaker");
}

static void dictionary_from_text(void **state)
{
    (void)state;
    static const char words[] = "# comment\nzebra\nApple\nsun\nmoonlight\nbanana\nk2x\napple\n";
    static const char weak[] = "# weak\nletmein\n1q2w3e4r\n";
    auth_dict *d = NULL;
    xn_error err;
    assert_int_equal(auth_dict_new(words, sizeof words - 1, weak, sizeof weak - 1, &d, &err),
                     XN_OK);
    /* zebra apple moonlight banana letmein: "sun" is too short, "k2x" not letters. */
    assert_int_equal(auth_dict_words(d), 5);
    assert_int_equal(auth_dict_weak_count(d), 2);
    assert_true(auth_dict_match(d, "ZEBRA", 5));
    assert_true(auth_dict_match(d, "4pple!", 6));
    assert_false(auth_dict_match(d, "sun", 3));
    assert_false(auth_dict_match(d, "zebr", 4));
    assert_true(auth_dict_match(d, "zebraapplebanana", 16));
    assert_true(auth_dict_match(d, "12zebra-apple_banana!!", 22));
    assert_true(auth_dict_match(d, "zebraapplebananazebra", 21)); /* four words: contains */
    assert_true(auth_dict_match(d, "Qx7#zebra9k", 11));           /* a word inside */
    assert_false(auth_dict_match(d, "Qx7#zebr9k", 10));
    assert_true(auth_dict_match(d, "letmeinzebra", 12)); /* letters-only weak */
    assert_true(auth_dict_match(d, "1Q2W3E4R", 8));
    assert_true(auth_dict_match(d, "##1q2w3e4r##", 12));
    assert_true(auth_dict_match(d, "x1q2w3e4r", 9)); /* a weak password inside */
    assert_false(auth_dict_match(d, "x1q2w3e", 7));
    assert_false(auth_dict_match(d, "", 0));
    auth_dict_free(d);

    /* No word list at all: only the weak passwords. */
    assert_int_equal(auth_dict_new(NULL, 0, weak, sizeof weak - 1, &d, &err), XN_OK);
    assert_true(auth_dict_match(d, "letmein", 7));
    assert_false(auth_dict_match(d, "zebra", 5));
    auth_dict_free(d);
}

/* ---- personal data ------------------------------------------------------------------------- */

static void pinyin_readings(void **state)
{
    (void)state;
    const char *r[AUTH_PINYIN_MAX_READINGS];
    assert_int_equal(auth_pinyin_readings(0x5F20 /* 张 */, r, 8), 1);
    assert_string_equal(r[0], "zhang");
    assert_int_equal(auth_pinyin_readings(0x4F1F /* 伟 */, r, 8), 1);
    assert_string_equal(r[0], "wei");
    int n = auth_pinyin_readings(0x4E50 /* 乐 */, r, 8);
    assert_int_equal(n, 2);
    assert_string_equal(r[0], "le");
    assert_string_equal(r[1], "yue");
    n = auth_pinyin_readings(0x5415 /* 吕 */, r, 8);
    assert_int_equal(n, 2);
    assert_string_equal(r[0], "lv");
    assert_string_equal(r[1], "lu");
    assert_int_equal(auth_pinyin_readings('a', r, 8), 0);
    assert_int_equal(auth_pinyin_readings(0x20000, r, 8), 0);
}

static void names_in_hanzi_and_pinyin(void **state)
{
    const auth_dict *d = *state;
    char buf[256];
    auth_policy admin, user;
    profile(AUTH_PROFILE_ADMIN, &admin);
    profile(AUTH_PROFILE_USER, &user);
    /* the personal-data rules alone: many pinyin names are dictionary words as well */
    admin.dictionary = user.dictionary = false;
    const who zw = {.name = "张伟"};

    /* 张伟: zhangwei, weizhang, zhangw, zw, reversed, with spacing, leet, hanzi. */
    assert_string_equal(RULES(&admin, d, "Xk9#mPq2!vLz", &zw), "");
    assert_string_equal(RULES(&admin, d, "zhangwei#2024A", &zw), "personal_name,");
    assert_string_equal(RULES(&admin, d, "ZHANGWEI#2024x", &zw), "personal_name,");
    assert_string_equal(RULES(&admin, d, "Weizhang#2024", &zw), "personal_name,");
    assert_string_equal(RULES(&admin, d, "Zhang.Wei#2024", &zw), "personal_name,");
    assert_string_equal(RULES(&admin, d, "Zhang Wei 2024!", &zw), "personal_name,");
    assert_string_equal(RULES(&admin, d, "zh@ngwe1#2024", &zw), "personal_name,");
    assert_string_equal(RULES(&admin, d, "iewgnahz#98X", &zw), "personal_name,");
    assert_string_equal(RULES(&admin, d, "Zhangw#2024x", &zw), "personal_name,");
    assert_string_equal(RULES(&admin, d, "张伟abc#1234", &zw), "personal_name,");
    /* Two-letter initials count only when they are all the password's letters. */
    assert_string_equal(RULES(&admin, d, "zw@1992!#85", &zw), "personal_name,");
    assert_string_equal(RULES(&admin, d, "ZW_31415926", &zw), "personal_name,");
    assert_string_equal(RULES(&admin, d, "Qzwx!7#kLm25", &zw), "");
    /* Every profile refuses the name. */
    assert_string_equal(RULES(&user, d, "zhangwei2024", &zw), "personal_name,");
    assert_string_equal(RULES(&user, d, "kq7x9m2vbz", &zw), "");

    /* 王小明: wangxiaoming, xiaomingwang, wxm, wangxm, xiaoming; 王 also reads yu. */
    const who wxm = {.name = "王小明"};
    assert_string_equal(RULES(&user, d, "Wangxiaoming1", &wxm), "personal_name,");
    assert_string_equal(RULES(&user, d, "XiaoMing2024", &wxm), "personal_name,");
    assert_string_equal(RULES(&admin, d, "XiaoMing@2024", &wxm), "personal_name,");
    assert_string_equal(RULES(&admin, d, "Wxm!2024kq9Z", &wxm), "personal_name,");
    assert_string_equal(RULES(&admin, d, "wangxm#2024Q", &wxm), "personal_name,");
    assert_string_equal(RULES(&admin, d, "Yuxiaoming#24", &wxm), "personal_name,");
    assert_string_equal(RULES(&admin, d, "Wq7#xm2!Kz9", &wxm), "");

    /* Polyphonic 乐: both le and yue are tried. */
    const who le = {.name = "李乐"};
    assert_string_equal(RULES(&admin, d, "Liyue#2024Q", &le), "personal_name,");
    assert_string_equal(RULES(&admin, d, "Lile#2024Qx", &le), "personal_name,");
    /* 吕: lv and lu. */
    const who lv = {.name = "吕方"};
    assert_string_equal(RULES(&admin, d, "Lvfang#2024", &lv), "personal_name,");
    assert_string_equal(RULES(&admin, d, "Lufang#2024", &lv), "personal_name,");
    /* Compound surname: 欧阳娜娜 given name first is nanaouyang, not yangnanaou. */
    const who oy = {.name = "欧阳娜娜"};
    assert_string_equal(RULES(&user, d, "Nanaouyang24", &oy), "personal_name,");
    assert_string_equal(RULES(&user, d, "Ouyangnana24", &oy), "personal_name,");
    /* A name written in latin letters. */
    const who latin = {.name = "Zhang Wei"};
    assert_string_equal(RULES(&admin, d, "weizhang#2024", &latin), "personal_name,");
    assert_string_equal(RULES(&admin, d, "Qzwx!7#kLm25", &latin), "");
    /* Ethnic names with a middle dot. */
    const who dot = {.name = "阿依古丽·买买提"};
    assert_string_equal(RULES(&user, d, "Ayigulimaimaiti1", &dot), "personal_name,");
    assert_string_equal(RULES(&user, d, "Ayiguli2024", &dot), "personal_name,");
    assert_string_equal(RULES(&user, d, "2024Maimaiti", &dot), "personal_name,");
    assert_string_equal(RULES(&user, d, "Maimai2024x", &dot), "");
}

static void account_name(void **state)
{
    const auth_dict *d = *state;
    char buf[256];
    auth_policy admin;
    profile(AUTH_PROFILE_ADMIN, &admin);
    admin.dictionary = false; /* the account rule alone */

    const who acc = {.account = "zhangw"};
    assert_string_equal(RULES(&admin, d, "Zhangw#2024x", &acc), "account_name,");
    const who acc2 = {.account = "ops.liu"};
    assert_string_equal(RULES(&admin, d, "Qx7#opsliu2024", &acc2), "account_name,");
    assert_string_equal(RULES(&admin, d, "Qx7#uilspo2024", &acc2), "account_name,");
    assert_string_equal(RULES(&admin, d, "Qx7#0psl1u2024", &acc2), "account_name,");
    /* split by digits is still the account (ACC-8) */
    assert_string_equal(RULES(&admin, d, "Qx7#ops2024liu", &acc2), "account_name,");
    /* A two-letter account counts only as all the letters. */
    const who li = {.account = "li"};
    assert_string_equal(RULES(&admin, d, "li#12345678", &li), "account_name,");
    assert_string_equal(RULES(&admin, d, "Qlix#1234578", &li), "");
}

static void phone_numbers(void **state)
{
    const auth_dict *d = *state;
    char buf[256];
    auth_policy admin, user;
    profile(AUTH_PROFILE_ADMIN, &admin);
    profile(AUTH_PROFILE_USER, &user);

    const who ph = {.phone = "+86 139-5768-2041"};
    assert_string_equal(RULES(&admin, d, "Ab#13957682041", &ph), "phone,");
    assert_string_equal(RULES(&admin, d, "Ab#139-5768-2041", &ph), "phone,");
    assert_string_equal(RULES(&admin, d, "Ab#57682041x", &ph), "phone,"); /* last 8 */
    assert_string_equal(RULES(&admin, d, "Xy#682041Qzk", &ph), "phone,"); /* last 6 */
    assert_string_equal(RULES(&admin, d, "Xy#6820Qz41k", &ph), "");
    assert_string_equal(RULES(&user, d, "abc13957682041", &ph), "phone,");
    /* A landline with its area code. */
    const who tel = {.phone = "(0571) 8702 3456"};
    assert_string_equal(RULES(&admin, d, "Hz#057187023456", &tel), "phone,");
    assert_string_equal(RULES(&admin, d, "Hz#87023456q", &tel), "phone,");
}

static void birthdays_in_common_formats(void **state)
{
    const auth_dict *d = *state;
    char buf[256];
    auth_policy admin, user;
    profile(AUTH_PROFILE_ADMIN, &admin);
    profile(AUTH_PROFILE_USER, &user);

    /* The user profile: dates repeat digits, which the admin profiles refuse anyway. */
    const who b = {.birthday = "1990-01-05"};
    static const char *const rejected[] = {
        "Qk#19900105x",     /* YYYYMMDD */
        "Qk#900105xzt",     /* YYMMDD */
        "Qk#0105xzt@m",     /* MMDD */
        "Qk#1990-01-05",    /* YYYY-MM-DD */
        "Qk#1990/01/05",    /* YYYY/MM/DD */
        "Qk#1990.1.5zt",    /* YYYY.M.D */
        "Qk#05011990x",     /* DDMMYYYY */
        "Qk#01051990x",     /* MMDDYYYY */
        "Qk#050190xzt",     /* DDMMYY */
        "Qk#199015xzt",     /* YYYYMD */
        "Qk#1990年1月5日x", /* Chinese date */
    };
    for (size_t i = 0; i < sizeof rejected / sizeof rejected[0]; i++) {
        if (strcmp(RULES(&user, d, rejected[i], &b), "birthday,") != 0)
            fail_msg("%s: %s", rejected[i], buf);
    }
    assert_string_equal(RULES(&user, d, "Qk#19910206x", &b), "");
    assert_string_equal(RULES(&admin, d, "Wq#19900105x", &b), "repeat_char,birthday,");
    /* Two-digit months and days need no unpadded forms. */
    const who b2 = {.birthday = "1985-12-25"};
    assert_string_equal(RULES(&user, d, "Xm@s1225qzt", &b2), "birthday,");
    assert_string_equal(RULES(&user, d, "Qz#25121985x", &b2), "birthday,");
    assert_string_equal(RULES(&user, d, "Qz#851225xkt", &b2), "birthday,");
    assert_string_equal(RULES(&user, d, "Qz#85122xkt7", &b2), "");
}

/* ---- history and the current password ----------------------------------------------------- */

/* A stand-in for the crypto room: "hashes" that verify by comparison, and a record of calls. */
typedef struct history {
    const char *const *old;
    size_t n;
    int calls;
    char last[AUTH_PW_MAX_BYTES + 1];
} history;

static bool history_matches(void *ctx, const char *candidate)
{
    history *h = ctx;
    h->calls++;
    snprintf(h->last, sizeof h->last, "%s", candidate);
    for (size_t i = 0; i < h->n; i++) {
        if (strcmp(h->old[i], candidate) == 0)
            return true;
    }
    return false;
}

static const char *check_with(const auth_policy *p, const auth_dict *d, const char *pw,
                              const char *current, history *h, auth_policy_result *r)
{
    auth_pw_input in = {.candidate = pw,
                        .candidate_len = strlen(pw),
                        .current = current,
                        .current_len = current ? strlen(current) : 0,
                        .matches_old = h ? history_matches : NULL,
                        .old_ctx = h};
    xn_error err;
    static char out[256];
    size_t len = 0;
    assert_int_equal(auth_policy_check(p, d, NULL, &in, r, &err), XN_OK);
    out[0] = '\0';
    for (size_t i = 0; i < r->count; i++)
        len += (size_t)snprintf(out + len, sizeof out - len, "%s,", r->violations[i].rule);
    return out;
}

static void reuse_through_the_callers_verifier(void **state)
{
    const auth_dict *d = *state;
    auth_policy user, admin;
    auth_policy_result r;
    profile(AUTH_PROFILE_USER, &user);
    profile(AUTH_PROFILE_ADMIN, &admin);
    static const char *const old[] = {"kq7x9m2vbz", "Xk9#mPq2!vLz"};
    history h = {.old = old, .n = 2};

    assert_string_equal(check_with(&user, d, "kq7x9m2vbz", NULL, &h, &r), "reused,");
    assert_string_equal(r.violations[0].message, "新密码不能与最近 6 次使用过的密码相同");
    assert_int_equal(h.calls, 1);
    assert_string_equal(h.last, "kq7x9m2vbz"); /* NUL-terminated copy of the candidate */
    assert_string_equal(check_with(&user, d, "bt5w8n3cxq", NULL, &h, &r), "");
    assert_string_equal(check_with(&admin, d, "Xk9#mPq2!vLz", NULL, &h, &r), "reused,");
    assert_string_equal(r.violations[0].message, "新密码不能与最近 10 次使用过的密码相同");
    /* The current password is the newest old one, even without a verifier. */
    assert_string_equal(check_with(&user, d, "bt5w8n3cxq", "bt5w8n3cxq", NULL, &r), "reused,");
    /* A structurally broken candidate never reaches the verifier. */
    h.calls = 0;
    auth_pw_input in = {
        .candidate = "bad\xff", .candidate_len = 4, .matches_old = history_matches, .old_ctx = &h};
    xn_error err;
    assert_int_equal(auth_policy_check(&user, d, NULL, &in, &r, &err), XN_OK);
    assert_int_equal(h.calls, 0);
}

/* ACC-9: at most 3 characters equal at the same position as the current password, and no
 * direct relation to it. */
static void same_position_and_similarity(void **state)
{
    const auth_dict *d = *state;
    auth_policy admin, user;
    auth_policy_result r;
    profile(AUTH_PROFILE_ADMIN, &admin);
    profile(AUTH_PROFILE_USER, &user);
    const char *cur = "Tq7#Lm2!Xp9K";

    assert_string_equal(check_with(&admin, d, "Tq7#Rw5@Zn8Y", cur, NULL, &r), "same_position,");
    assert_string_equal(r.violations[0].message,
                        "新密码与当前密码相同位置上相同的字符不能超过 3 个");
    assert_string_equal(check_with(&admin, d, "Tq7$Rw5@Zn8Y", cur, NULL, &r), "");
    /* Characters, not bytes: a hanzi is one position. */
    assert_string_equal(check_with(&admin, d, "信q7#Rw5@Zn8Y", "安q7#Lm2!Xp9K", NULL, &r), "");
    assert_string_equal(check_with(&admin, d, "信q7#Rw5@Zn8Y", "信q7#Lm2!Xp9K", NULL, &r),
                        "same_position,");
    /* Shifting the old password by one character keeps no position, but it is related. */
    assert_string_equal(check_with(&admin, d, "%Tq7#Lm2!Xp9K", cur, NULL, &r), "similar_current,");
    assert_string_equal(check_with(&admin, d, "Lm2!Xp9K#qzt", "aLm2!Xp9K#qzt", NULL, &r),
                        "similar_current,");
    /* Without the current password the positional rule cannot run. */
    assert_string_equal(check_with(&admin, d, "Tq7#Rw5@Zn8Y", NULL, NULL, &r), "");
    /* Ordinary users have no positional rule. */
    assert_string_equal(check_with(&user, d, "tq7xrw5zn8", "tq7xlm2xp9", NULL, &r), "");
}

/* ---- structure ---------------------------------------------------------------------------- */

static void structural_bounds(void **state)
{
    const auth_dict *d = *state;
    auth_policy admin;
    auth_policy_result r;
    profile(AUTH_PROFILE_ADMIN, &admin);
    char big[AUTH_PW_MAX_BYTES + 2];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)('a' + i % 26);
    auth_pw_input in = {.candidate = big, .candidate_len = AUTH_PW_MAX_BYTES + 1};
    xn_error err;

    assert_int_equal(auth_policy_check(&admin, d, NULL, &in, &r, &err), XN_OK);
    assert_false(r.ok);
    assert_int_equal(r.count, 1);
    assert_string_equal(r.violations[0].rule, "too_long");
    assert_string_equal(r.violations[0].message, "密码长度不能超过 256 字节");
    /* Exactly 256 bytes is structurally fine (other rules apply). */
    in.candidate_len = AUTH_PW_MAX_BYTES;
    assert_int_equal(auth_policy_check(&admin, d, NULL, &in, &r, &err), XN_OK);
    for (size_t i = 0; i < r.count; i++)
        assert_string_not_equal(r.violations[i].rule, "too_long");

    /* Invalid UTF-8: only the structural rules. */
    static const char bad[] = "Kq7#x9m2vb\xC3\x28";
    in = (auth_pw_input){.candidate = bad, .candidate_len = sizeof bad - 1};
    assert_int_equal(auth_policy_check(&admin, d, NULL, &in, &r, &err), XN_OK);
    assert_int_equal(r.count, 1);
    assert_string_equal(r.violations[0].rule, "invalid_utf8");
    static const char overlong[] = "Kq7#x9m2vb\xC0\xAF";
    in = (auth_pw_input){.candidate = overlong, .candidate_len = sizeof overlong - 1};
    assert_int_equal(auth_policy_check(&admin, d, NULL, &in, &r, &err), XN_OK);
    assert_string_equal(r.violations[0].rule, "invalid_utf8");

    /* Control and invisible characters: reported beside the other rules. */
    /* Tab, LF, DEL, NEL (C1), zero-width space, right-to-left override (octal escapes). */
    static const char *const controls[] = {"Kq7#x9m\t2vb",           "Kq7#x9m\n2vb",
                                           "Kq7#x9m\1772vb",         "Kq7#x9m\302\2052vb",
                                           "Kq7#x9m\342\200\2132vb", "Kq7#x9m\342\200\2562vb"};
    for (size_t i = 0; i < sizeof controls / sizeof controls[0]; i++) {
        in = (auth_pw_input){.candidate = controls[i], .candidate_len = strlen(controls[i])};
        assert_int_equal(auth_policy_check(&admin, d, NULL, &in, &r, &err), XN_OK);
        assert_int_equal(r.count, 1);
        assert_string_equal(r.violations[0].rule, "control_char");
    }
    static const char nul[] = "Kq7#x9m\0002vb";
    in = (auth_pw_input){.candidate = nul, .candidate_len = sizeof nul - 1};
    assert_int_equal(auth_policy_check(&admin, d, NULL, &in, &r, &err), XN_OK);
    assert_string_equal(r.violations[0].rule, "control_char");

    /* Empty: too short and without classes. */
    in = (auth_pw_input){.candidate = "", .candidate_len = 0};
    assert_int_equal(auth_policy_check(&admin, d, NULL, &in, &r, &err), XN_OK);
    assert_int_equal(r.count, 2);
    assert_string_equal(r.violations[0].rule, "min_length");
    assert_string_equal(r.violations[1].rule, "classes");
}

/* ACC-8, HS 附件4 §6: the rules that hold for every account, ordinary users included. */
static void section6_holds_for_every_profile(void **state)
{
    const auth_dict *d = *state;
    char buf[256];
    auth_policy_result r;
    const auth_profile profiles[] = {AUTH_PROFILE_USER, AUTH_PROFILE_ADMIN, AUTH_PROFILE_SERVER,
                                     AUTH_PROFILE_MEDIA};
    const who zw = {
        .account = "zw01", .name = "张伟", .phone = "13912345678", .birthday = "1990-01-01"};
    for (size_t i = 0; i < sizeof profiles / sizeof profiles[0]; i++) {
        auth_policy p;
        profile(profiles[i], &p);
        /* weak passwords and words with digits and symbols around or between */
        assert_non_null(strstr(RULES(&p, d, "Password2024!!x", NULL), "dictionary,"));
        assert_non_null(strstr(RULES(&p, d, "P@ssw0rd#12345", NULL), "dictionary,"));
        assert_non_null(strstr(RULES(&p, d, "qwerty123456!!", NULL), "dictionary,"));
        /* the name in pinyin, any case, split by separators or digits */
        assert_non_null(strstr(RULES(&p, d, "zhang.wei#2024Q", &zw), "personal_name,"));
        assert_non_null(strstr(RULES(&p, d, "Zhang_Wei#2024", &zw), "personal_name,"));
        assert_non_null(strstr(RULES(&p, d, "zhang7wei#2024X", &zw), "personal_name,"));
        assert_non_null(strstr(RULES(&p, d, "Q#7x张伟2024kq", &zw), "personal_name,"));
        /* the account, the birthday in common forms, the phone */
        assert_non_null(strstr(RULES(&p, d, "Qx#7zw01kqmv", &zw), "account_name,"));
        assert_non_null(strstr(RULES(&p, d, "Qx#kq19900101", &zw), "birthday,"));
        assert_non_null(strstr(RULES(&p, d, "Qx#kqmv900101", &zw), "birthday,"));
        assert_non_null(strstr(RULES(&p, d, "Qx#kqm0101mv1990", &zw), "birthday,"));
        assert_non_null(strstr(RULES(&p, d, "Qx#k13912345678", &zw), "phone,"));
        /* the shipped test passwords pass */
        assert_string_equal(RULES(&p, d, "Kx7#mQ2$vL9@", &zw), "");
        assert_string_equal(RULES(&p, d, "Tz4!pW8%nR3&", &zw), "");
        /* no direct relation to the old password */
        const char *cur = "Kx7#mQ2$vL9@";
        assert_non_null(
            strstr(check_with(&p, d, "Kx7#mQ2$vL9@2025", cur, NULL, &r), "similar_current,"));
        assert_non_null(
            strstr(check_with(&p, d, "Kx8#mQ3$vL0@", cur, NULL, &r), "similar_current,"));
        assert_non_null(
            strstr(check_with(&p, d, "kX7#Mq2$Vl9@", cur, NULL, &r), "similar_current,"));
        assert_string_equal(check_with(&p, d, "Tz4!pW8%nR3&", cur, NULL, &r), "");
    }
}

/* Every violation at once, in the fixed order. */
static void all_violations_are_returned(void **state)
{
    const auth_dict *d = *state;
    char buf[256];
    auth_policy admin;
    profile(AUTH_PROFILE_ADMIN, &admin);
    const who w = {.account = "zhangw", .name = "张伟", .birthday = "1990-01-05"};
    assert_string_equal(RULES(&admin, d, "zhangwww19900105", &w),
                        "classes,repeat_char,dictionary,personal_name,account_name,birthday,");
}

static void caller_errors(void **state)
{
    const auth_dict *d = *state;
    auth_policy admin;
    auth_policy_result r;
    xn_error err;
    profile(AUTH_PROFILE_ADMIN, &admin);
    auth_pw_input in = {.candidate = "Xk9#mPq2!vLz", .candidate_len = 12};

    in.birthday = "1990-02-30";
    assert_int_equal(auth_policy_check(&admin, d, NULL, &in, &r, &err), XN_EINVAL);
    assert_string_equal(err.field, "birthday");
    in.birthday = "19900205";
    assert_int_equal(auth_policy_check(&admin, d, NULL, &in, &r, &err), XN_EINVAL);
    in.birthday = "2000-02-29"; /* a leap day */
    assert_int_equal(auth_policy_check(&admin, d, NULL, &in, &r, &err), XN_OK);
    in.birthday = NULL;

    char longname[AUTH_PERSONAL_MAX_BYTES + 2];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    in.name = longname;
    assert_int_equal(auth_policy_check(&admin, d, NULL, &in, &r, &err), XN_EINVAL);
    assert_string_equal(err.field, "name");
    in.name = "张\n伟";
    assert_int_equal(auth_policy_check(&admin, d, NULL, &in, &r, &err), XN_EINVAL);
    in.name = NULL;
    in.account = "bad\xff";
    assert_int_equal(auth_policy_check(&admin, d, NULL, &in, &r, &err), XN_EINVAL);
    assert_string_equal(err.field, "account");
    in.account = NULL;
    in.phone = "call me";
    assert_int_equal(auth_policy_check(&admin, d, NULL, &in, &r, &err), XN_EINVAL);
    assert_string_equal(err.field, "phone");
    in.phone = "1234";
    assert_int_equal(auth_policy_check(&admin, d, NULL, &in, &r, &err), XN_EINVAL);
    in.phone = NULL;
    in.current = "\xff";
    in.current_len = 1;
    assert_int_equal(auth_policy_check(&admin, d, NULL, &in, &r, &err), XN_EINVAL);
    assert_string_equal(err.field, "current");
    in.current = NULL;
    in.current_len = 0;
    assert_int_equal(auth_policy_check(&admin, NULL, NULL, &in, &r, &err), XN_EINVAL);
    assert_string_equal(err.code, "dictionary_missing");
    auth_policy user;
    profile(AUTH_PROFILE_USER, &user);
    in.candidate = "kq7x9m2vbz";
    in.candidate_len = 10;
    /* every profile checks the dictionary now (ACC-8) */
    assert_int_equal(auth_policy_check(&user, NULL, NULL, &in, &r, &err), XN_EINVAL);
    assert_string_equal(err.code, "dictionary_missing");
    user.dictionary = false;
    assert_int_equal(auth_policy_check(&user, NULL, NULL, &in, &r, &err), XN_OK);
    assert_true(r.ok);
}

/* ---- tightening and age -------------------------------------------------------------------- */

static void tightening_never_weakens(void **state)
{
    (void)state;
    auth_policy p, before;
    xn_error err = {0};
    auth_policy_overrides ov = AUTH_POLICY_OVERRIDES_INIT;

    profile(AUTH_PROFILE_ADMIN, &p);
    ov.min_length = 8;
    assert_int_equal(auth_policy_tighten(&p, &ov, &err), XN_EINVAL);
    assert_string_equal(err.code, "policy_weaker");
    assert_string_equal(err.field, "min_length");
    assert_non_null(strstr(err.message, "min_length 8 is weaker than the admin profile's "
                                        "minimum of 10"));
    assert_int_equal(p.min_length, 10);

    ov = (auth_policy_overrides)AUTH_POLICY_OVERRIDES_INIT;
    ov.min_length = 14;
    ov.history = 12;
    ov.max_repeat = 1;
    ov.max_same_position = 2;
    ov.max_age_days = 14;
    ov.add_classes = AUTH_CLASS_MIXED_CASE;
    assert_int_equal(auth_policy_tighten(&p, &ov, &err), XN_OK);
    assert_int_equal(p.min_length, 14);
    assert_int_equal(p.history, 12);
    assert_int_equal(p.max_repeat, 1);
    assert_int_equal(p.max_same_position, 2);
    assert_int_equal(p.max_age_days, 14);
    assert_true(p.classes & AUTH_CLASS_MIXED_CASE);

    /* Each weaker value is refused and leaves the policy as it was. */
    static const struct {
        const char *key, *value;
    } weaker[] = {{"history", "9"},           {"max_repeat", "3"},          {"max_repeat", "off"},
                  {"max_same_position", "4"}, {"max_same_position", "off"}, {"dictionary", "off"},
                  {"max_age_days", "31"},     {"max_age_days", "0"}};
    for (size_t i = 0; i < sizeof weaker / sizeof weaker[0]; i++) {
        before = p;
        ov = (auth_policy_overrides)AUTH_POLICY_OVERRIDES_INIT;
        assert_int_equal(auth_policy_override_parse(&ov, weaker[i].key, weaker[i].value, &err),
                         XN_OK);
        if (auth_policy_tighten(&p, &ov, &err) != XN_EINVAL)
            fail_msg("%s=%s was accepted", weaker[i].key, weaker[i].value);
        assert_string_equal(err.code, "policy_weaker");
        assert_string_equal(err.field, weaker[i].key);
        assert_memory_equal(&p, &before, sizeof p);
    }
    /* The server profile's 7 days are its minimum. */
    profile(AUTH_PROFILE_SERVER, &p);
    ov = (auth_policy_overrides)AUTH_POLICY_OVERRIDES_INIT;
    ov.max_age_days = 30;
    assert_int_equal(auth_policy_tighten(&p, &ov, &err), XN_EINVAL);
    assert_non_null(strstr(err.message, "server profile's minimum of 7"));

    /* Ordinary users: limits they do not have can be added. */
    profile(AUTH_PROFILE_USER, &p);
    ov = (auth_policy_overrides)AUTH_POLICY_OVERRIDES_INIT;
    ov.max_repeat = 3;
    ov.max_same_position = 3;
    ov.dictionary = 1;
    assert_int_equal(auth_policy_tighten(&p, &ov, &err), XN_OK);
    assert_int_equal(p.max_repeat, 3);
    assert_true(p.dictionary);
    ov = (auth_policy_overrides)AUTH_POLICY_OVERRIDES_INIT;
    ov.max_age_days = 45;
    assert_int_equal(auth_policy_tighten(&p, &ov, &err), XN_EINVAL);

    /* Out of range and malformed. */
    ov = (auth_policy_overrides)AUTH_POLICY_OVERRIDES_INIT;
    ov.min_length = 500;
    assert_int_equal(auth_policy_tighten(&p, &ov, &err), XN_EINVAL);
    assert_string_equal(err.code, "policy_range");
    ov = (auth_policy_overrides)AUTH_POLICY_OVERRIDES_INIT;
    assert_int_equal(auth_policy_override_parse(&ov, "min_lenght", "12", &err), XN_EINVAL);
    assert_string_equal(err.code, "policy_key");
    assert_int_equal(auth_policy_override_parse(&ov, "min_length", "12x", &err), XN_EINVAL);
    assert_int_equal(auth_policy_override_parse(&ov, "dictionary", "maybe", &err), XN_EINVAL);
    assert_int_equal(auth_policy_override_parse(&ov, "classes", "digits,emoji", &err), XN_EINVAL);
    assert_int_equal(auth_policy_override_parse(&ov, "classes", "symbols,mixed_case", &err), XN_OK);
    assert_int_equal(ov.add_classes, AUTH_CLASS_SYMBOL | AUTH_CLASS_MIXED_CASE);
}

/* A tightened length shows in the message. */
static void tightened_message(void **state)
{
    const auth_dict *d = *state;
    auth_policy p;
    auth_policy_result r;
    xn_error err;
    auth_policy_overrides ov = AUTH_POLICY_OVERRIDES_INIT;
    profile(AUTH_PROFILE_USER, &p);
    ov.min_length = 12;
    assert_int_equal(auth_policy_tighten(&p, &ov, &err), XN_OK);
    auth_pw_input in = {.candidate = "kq7x9m2vbz", .candidate_len = 10};
    assert_int_equal(auth_policy_check(&p, d, NULL, &in, &r, &err), XN_OK);
    assert_int_equal(r.count, 1);
    assert_string_equal(r.violations[0].message, "密码长度至少 12 位");
}

/* ACC-10: the age at which a password must be changed. */
static void expiry(void **state)
{
    (void)state;
    auth_policy user, server;
    const int64_t day = INT64_C(86400000000), t0 = INT64_C(1767225600000000);
    profile(AUTH_PROFILE_USER, &user);
    profile(AUTH_PROFILE_SERVER, &server);
    assert_int_equal(auth_policy_expires_at(&user, t0), t0 + 30 * day);
    assert_false(auth_policy_expired(&user, t0, t0 + 30 * day - 1));
    assert_true(auth_policy_expired(&user, t0, t0 + 30 * day));
    assert_false(auth_policy_expired(&server, t0, t0 + 6 * day));
    assert_true(auth_policy_expired(&server, t0, t0 + 7 * day));
    user.max_age_days = 0;
    assert_int_equal(auth_policy_expires_at(&user, t0), 0);
    assert_false(auth_policy_expired(&user, t0, t0 + 3650 * day));
}

/* ---- weak lists and JSON ------------------------------------------------------------------ */

static void weak_list_exact_and_case_insensitive(void **state)
{
    const auth_dict *d = *state;
    static const char text[] = "# breached\r\nQwe!2024Asd\r\nhunter2hunter2\n\n#hashtag2024\n"
                               "Ziggurat#91x\nziggurat#91X\n";
    auth_wordlist *w = NULL;
    auth_policy user;
    auth_policy_result r;
    xn_error err;
    assert_int_equal(auth_wordlist_new(text, sizeof text - 1, &w, &err), XN_OK);
    assert_int_equal(auth_wordlist_count(w), 4); /* "#hashtag2024" is an entry, duplicates not */
    assert_true(auth_wordlist_contains(w, "qwe!2024asd", 11));
    assert_true(auth_wordlist_contains(w, "HUNTER2HUNTER2", 14));
    assert_true(auth_wordlist_contains(w, "#hashtag2024", 12));
    assert_false(auth_wordlist_contains(w, "# breached", 10));
    assert_false(auth_wordlist_contains(w, "hunter2hunter", 13));
    assert_false(auth_wordlist_contains(w, "", 0));

    profile(AUTH_PROFILE_USER, &user);
    user.dictionary = false; /* the list alone ("hunter" is a word) */
    auth_pw_input in = {.candidate = "Hunter2Hunter2", .candidate_len = 14};
    assert_int_equal(auth_policy_check(&user, d, w, &in, &r, &err), XN_OK);
    assert_int_equal(r.count, 1);
    assert_string_equal(r.violations[0].rule, "weak_list");
    assert_string_equal(r.violations[0].message, "密码在已泄露或常见弱密码清单中，请换一个");
    /* Exact only: a longer password is not on the list. */
    in = (auth_pw_input){.candidate = "Hunter2Hunter2x", .candidate_len = 15};
    assert_int_equal(auth_policy_check(&user, d, w, &in, &r, &err), XN_OK);
    assert_true(r.ok);
    auth_wordlist_free(w);

    /* Lines end at LF, CRLF or a lone CR (a file saved with old Mac endings). */
    static const char cr[] = "alpha-2024x\rbeta-2024y\r\rgamma-2024z\r\ndelta-2024w";
    assert_int_equal(auth_wordlist_new(cr, sizeof cr - 1, &w, &err), XN_OK);
    assert_int_equal(auth_wordlist_count(w), 4);
    assert_true(auth_wordlist_contains(w, "alpha-2024x", 11));
    assert_true(auth_wordlist_contains(w, "beta-2024y", 10));
    assert_true(auth_wordlist_contains(w, "gamma-2024z", 11));
    assert_true(auth_wordlist_contains(w, "delta-2024w", 11));
    auth_wordlist_free(w);

    /* From a file. */
    const char *tmp = getenv("XN_TEST_TMP");
    char path[512];
    snprintf(path, sizeof path, "%s/breached.txt", tmp ? tmp : "/tmp");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("correct horse battery staple\nTr0ub4dor&3\n", f);
    fclose(f);
    assert_int_equal(auth_wordlist_load(path, &w, &err), XN_OK);
    assert_int_equal(auth_wordlist_count(w), 2);
    assert_true(auth_wordlist_contains(w, "tr0ub4dor&3", 11));
    auth_wordlist_free(w);
    remove(path);
    assert_int_equal(auth_wordlist_load(path, &w, &err), XN_ENOTFOUND);
    assert_null(w);
    assert_non_null(strstr(err.message, "breached.txt"));
}

static void result_json(void **state)
{
    const auth_dict *d = *state;
    auth_policy admin;
    auth_policy_result r;
    xn_error err;
    xn_buf b;
    profile(AUTH_PROFILE_ADMIN, &admin);
    xn_buf_init(&b, 1 << 16);

    auth_pw_input in = {.candidate = "Xk9#mPq2!vLz", .candidate_len = 12};
    assert_int_equal(auth_policy_check(&admin, d, NULL, &in, &r, &err), XN_OK);
    assert_int_equal(auth_policy_result_json(&r, &b), XN_OK);
    assert_string_equal(b.data, "{\"ok\":true,\"violations\":[]}");

    xn_buf_reset(&b);
    in = (auth_pw_input){.candidate = "abc", .candidate_len = 3};
    assert_int_equal(auth_policy_check(&admin, d, NULL, &in, &r, &err), XN_OK);
    assert_int_equal(auth_policy_result_json(&r, &b), XN_OK);
    assert_string_equal(b.data, "{\"ok\":false,\"violations\":[{\"rule\":\"min_length\","
                                "\"message\":\"密码长度至少 10 位\"},{\"rule\":\"classes\","
                                "\"message\":\"密码必须同时包含字母、数字和特殊符号\"}]}");
    /* It parses as JSON. */
    json_t *v = xn_json_parse(b.data, b.len, 1 << 16, &err);
    assert_non_null(v);
    assert_true(json_is_false(json_object_get(v, "ok")));
    assert_int_equal(json_array_size(json_object_get(v, "violations")), 2);
    json_decref(v);
    xn_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(profiles_hold_the_regulatory_minimums),
        cmocka_unit_test(length_counts_characters),
        cmocka_unit_test(classes_per_profile),
        cmocka_unit_test(repeat_char_in_admin_profiles),
        cmocka_unit_test(dictionary_words_phrases_and_leet),
        cmocka_unit_test(dictionary_from_text),
        cmocka_unit_test(pinyin_readings),
        cmocka_unit_test(names_in_hanzi_and_pinyin),
        cmocka_unit_test(account_name),
        cmocka_unit_test(phone_numbers),
        cmocka_unit_test(birthdays_in_common_formats),
        cmocka_unit_test(reuse_through_the_callers_verifier),
        cmocka_unit_test(same_position_and_similarity),
        cmocka_unit_test(structural_bounds),
        cmocka_unit_test(section6_holds_for_every_profile),
        cmocka_unit_test(all_violations_are_returned),
        cmocka_unit_test(caller_errors),
        cmocka_unit_test(tightening_never_weakens),
        cmocka_unit_test(tightened_message),
        cmocka_unit_test(expiry),
        cmocka_unit_test(weak_list_exact_and_case_insensitive),
        cmocka_unit_test(result_json),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
