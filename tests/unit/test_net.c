/* Unit tests of client addresses: IPv4/IPv6 literals and CIDRs (base) and the client behind
 * trusted proxies (http). */
#include "xn_test.h"

#include "http/http.h"

#include <string.h>

static xn_ip ip(const char *s)
{
    xn_ip out;
    assert_true(xn_ip_parse(s, &out));
    return out;
}

static void addresses_parse_strictly(void **state)
{
    (void)state;
    xn_ip a;
    assert_true(xn_ip_parse("192.0.2.1", &a));
    assert_true(a.v4);
    assert_true(xn_ip_parse("::ffff:192.0.2.1", &a));
    assert_true(a.v4); /* one form for both families */
    assert_true(xn_ip_parse("2001:db8::1", &a));
    assert_false(a.v4);
    const char *bad[] = {"",          " 192.0.2.1",   "192.0.2.1 ", "192.0.2",    "192.0.2.256",
                         "1.2.3.4/8", "2001:db8:::1", "localhost",  "0x7f.1.1.1", "[::1]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(xn_ip_parse(bad[i], &a));
    char text[XN_IP_STR];
    a = ip("::ffff:10.0.0.1");
    xn_ip_format(&a, text);
    assert_string_equal(text, "10.0.0.1");
}

static void networks_contain_what_they_should(void **state)
{
    (void)state;
    xn_cidr n;
    assert_true(xn_cidr_parse("10.0.0.0/8", &n));
    xn_ip a = ip("10.200.1.1"), b = ip("11.0.0.1"), c = ip("::ffff:10.0.0.9");
    assert_true(xn_cidr_contains(&n, &a));
    assert_false(xn_cidr_contains(&n, &b));
    assert_true(xn_cidr_contains(&n, &c));
    assert_true(xn_cidr_parse("127.0.0.1", &n)); /* a single host */
    a = ip("127.0.0.1");
    b = ip("127.0.0.2");
    assert_true(xn_cidr_contains(&n, &a));
    assert_false(xn_cidr_contains(&n, &b));
    assert_true(xn_cidr_parse("fd00::/8", &n));
    a = ip("fd12::1");
    b = ip("fe80::1");
    assert_true(xn_cidr_contains(&n, &a));
    assert_false(xn_cidr_contains(&n, &b));
    assert_true(xn_cidr_parse("0.0.0.0/0", &n)); /* every IPv4 address, no IPv6 one */
    b = ip("2001:db8::1");
    assert_false(xn_cidr_contains(&n, &b));
    /* host bits past the prefix are a typo, not a wider network */
    const char *bad[] = {"10.0.0.1/8", "10.0.0.0/33", "10.0.0.0/",   "/8",
                         "fd00::1/8",  "::/129",      "10.0.0.0/-1", "10.0.0.0/8x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(xn_cidr_parse(bad[i], &n));
}

static void ipv6_clients_are_counted_by_their_64(void **state)
{
    (void)state;
    xn_ip k1, k2, k3;
    xn_ip a = ip("2001:db8:1:2::1"), b = ip("2001:db8:1:2:ffff::9"), c = ip("2001:db8:1:3::1");
    xn_ip_client_key(&a, &k1);
    xn_ip_client_key(&b, &k2);
    xn_ip_client_key(&c, &k3);
    assert_memory_equal(k1.b, k2.b, 16);
    assert_memory_not_equal(k1.b, k3.b, 16);
    xn_ip d = ip("192.0.2.1"), e = ip("192.0.2.2");
    xn_ip_client_key(&d, &k1);
    xn_ip_client_key(&e, &k2);
    assert_memory_not_equal(k1.b, k2.b, 16);
}

static void expect_client(const xn_config *cfg, const char *peer, const char *forwarded,
                          const char *want)
{
    xn_ip p = ip(peer), client;
    http_client_address(cfg, &p, forwarded, &client);
    char text[XN_IP_STR];
    xn_ip_format(&client, text);
    assert_string_equal(text, want);
}

static void forwarded_for_is_believed_only_from_trusted_proxies(void **state)
{
    (void)state;
    xn_config cfg;
    xn_config_defaults(&cfg);
    xn_error err;
    /* no proxies configured: the header is ignored */
    expect_client(&cfg, "10.0.0.1", "198.51.100.1", "10.0.0.1");
    assert_int_equal(xn_config_set(&cfg, "http", "trusted_proxies", "10.0.0.0/24, fd00::1", &err),
                     XN_OK);
    assert_int_equal(cfg.ntrusted_proxies, 2);
    expect_client(&cfg, "10.0.0.1", NULL, "10.0.0.1");
    expect_client(&cfg, "10.0.0.1", "198.51.100.1", "198.51.100.1");
    /* the right-most untrusted hop: what the client wrote further left is its own word */
    expect_client(&cfg, "10.0.0.1", "1.1.1.1, 198.51.100.1", "198.51.100.1");
    expect_client(&cfg, "10.0.0.1", "1.1.1.1, 198.51.100.1, 10.0.0.7", "198.51.100.1");
    expect_client(&cfg, "fd00::1", " 2001:db8::5 ,\t10.0.0.2 ", "2001:db8::5");
    /* every hop a proxy: the left-most one is the best there is */
    expect_client(&cfg, "10.0.0.1", "10.0.0.3, 10.0.0.2", "10.0.0.3");
    /* a malformed hop stops the walk at the last good address */
    expect_client(&cfg, "10.0.0.1", "198.51.100.1, garbage", "10.0.0.1");
    expect_client(&cfg, "10.0.0.1", "198.51.100.1, , 10.0.0.2", "10.0.0.2");
    expect_client(&cfg, "10.0.0.1", "", "10.0.0.1");
    /* a peer that is no proxy names itself, whatever it sends */
    expect_client(&cfg, "10.0.1.1", "198.51.100.1", "10.0.1.1");
    /* bad settings name the culprit */
    assert_int_equal(xn_config_set(&cfg, "http", "trusted_proxies", "10.0.0.1/24", &err),
                     XN_EINVAL);
    assert_non_null(strstr(err.message, "10.0.0.1/24"));
    assert_int_equal(cfg.ntrusted_proxies, 2); /* unchanged */
    assert_int_equal(xn_config_set(&cfg, "http", "trusted_proxies", "", &err), XN_OK);
    assert_int_equal(cfg.ntrusted_proxies, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(addresses_parse_strictly),
        cmocka_unit_test(networks_contain_what_they_should),
        cmocka_unit_test(ipv6_clients_are_counted_by_their_64),
        cmocka_unit_test(forwarded_for_is_believed_only_from_trusted_proxies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
