/*
 * The password policy bench: builds the built-in dictionary (time, memory), then times checks
 * under the admin profile with a name, account, phone and birthday, for several kinds of
 * candidate (random, dictionary words with leet, phrases, the worst case of 256 bytes of leet
 * characters). Prints one line per kind: mean and maximum microseconds per check.
 */
#include "auth/auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROUNDS 20000

static void run(const char *kind, const auth_policy *p, const auth_dict *d, const char *const *pws,
                size_t n)
{
    auth_pw_input in = {.current = "Tq7#Lm2!Xp9K",
                        .current_len = 12,
                        .account = "zhangw",
                        .name = "张伟",
                        .phone = "13957682041",
                        .birthday = "1990-01-05"};
    auth_policy_result r;
    xn_error err;
    int64_t worst = 0, t0 = xn_monotonic_us();
    size_t rejected = 0;
    for (int i = 0; i < ROUNDS; i++) {
        const char *pw = pws[(size_t)i % n];
        int64_t s = xn_monotonic_us();
        in.candidate = pw;
        in.candidate_len = strlen(pw);
        if (auth_policy_check(p, d, NULL, &in, &r, &err) != XN_OK) {
            fprintf(stderr, "check failed: %s\n", err.message);
            exit(1);
        }
        rejected += !r.ok;
        int64_t e = xn_monotonic_us() - s;
        if (e > worst)
            worst = e;
    }
    double mean = (double)(xn_monotonic_us() - t0) / ROUNDS;
    printf("%-10s checks=%d rejected=%zu mean_us=%.2f max_us=%lld\n", kind, ROUNDS, rejected, mean,
           (long long)worst);
}

int main(void)
{
    auth_dict *d = NULL;
    auth_policy p;
    xn_error err;
    int64_t t0 = xn_monotonic_us();
    if (auth_dict_new_builtin(&d, &err) != XN_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    printf("dictionary words=%zu weak=%zu memory_bytes=%zu build_ms=%.1f\n", auth_dict_words(d),
           auth_dict_weak_count(d), auth_dict_memory(d), (double)(xn_monotonic_us() - t0) / 1000.0);
    auth_policy_default(AUTH_PROFILE_ADMIN, &p);

    static const char *const random[] = {"Xk9#mPq2!vLz", "b7$Qw!zR4nTe", "Gq3@Lp9#vX2m",
                                         "m2#Kd8!pQz5W"};
    static const char *const words[] = {"P@ssw0rd!23", "Sunshine#2024", "#Dr@g0n2024",
                                        "$ecur17y#99", "Zh0ngguo#2024"};
    static const char *const phrases[] = {"StormFrogLamp#7", "Blue#Moon2024", "Green@Lion8",
                                          "correct!horse!battery1"};
    static char worst[AUTH_PW_MAX_BYTES + 1];
    for (size_t i = 0; i < AUTH_PW_MAX_BYTES; i++)
        worst[i] = "1!|@0$"[i % 6];
    static const char *worsts[1] = {worst};
    static char longest[AUTH_PW_MAX_BYTES + 1];
    for (size_t i = 0; i < AUTH_PW_MAX_BYTES; i++)
        longest[i] = "abcdefghijklmnopqrstuvwxyz"[i * 7 % 26];
    static const char *longs[1] = {longest};
    run("random", &p, d, random, 4);
    run("words", &p, d, words, 5);
    run("phrases", &p, d, phrases, 4);
    run("leet256", &p, d, worsts, 1);
    run("letters256", &p, d, longs, 1);
    auth_dict_free(d);
    return 0;
}
