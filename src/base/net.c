/* Network addresses: IPv4 and IPv6 literals and CIDR networks, for trusted proxies, per-address
 * limits and (later) register fields. inet_pton does the parsing; this file adds the one form
 * both families share and the prefix arithmetic. */
#include "base/base.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool xn_ip_parse(const char *s, xn_ip *out)
{
    memset(out, 0, sizeof *out);
    struct in_addr a4;
    if (inet_pton(AF_INET, s, &a4) == 1) {
        memcpy(out->b, v4_mapped, sizeof v4_mapped);
        memcpy(out->b + 12, &a4, 4);
        out->v4 = true;
        return true;
    }
    if (inet_pton(AF_INET6, s, out->b) != 1)
        return false;
    out->v4 = memcmp(out->b, v4_mapped, sizeof v4_mapped) == 0;
    return true;
}

void xn_ip_format(const xn_ip *ip, char out[XN_IP_STR])
{
    if (ip->v4)
        inet_ntop(AF_INET, ip->b + 12, out, XN_IP_STR);
    else
        inet_ntop(AF_INET6, ip->b, out, XN_IP_STR);
}

static void mask_prefix(uint8_t b[16], int prefix)
{
    for (int i = 0; i < 16; i++) {
        int bits = prefix - 8 * i;
        if (bits >= 8)
            continue;
        b[i] &= bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
    }
}

bool xn_cidr_parse(const char *s, xn_cidr *out)
{
    memset(out, 0, sizeof *out);
    char addr[XN_IP_STR + 1];
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);
    if (n == 0 || n >= sizeof addr)
        return false;
    memcpy(addr, s, n);
    addr[n] = '\0';
    if (!xn_ip_parse(addr, &out->net))
        return false;
    int max = out->net.v4 ? 32 : 128;
    int64_t prefix = max;
    if (slash && xn_parse_int64(slash + 1, 0, max, &prefix) != XN_OK)
        return false;
    out->prefix = (int)prefix + (out->net.v4 ? 96 : 0);
    uint8_t masked[16];
    memcpy(masked, out->net.b, 16);
    mask_prefix(masked, out->prefix);
    return memcmp(masked, out->net.b, 16) == 0;
}

bool xn_cidr_contains(const xn_cidr *net, const xn_ip *ip)
{
    uint8_t masked[16];
    memcpy(masked, ip->b, 16);
    mask_prefix(masked, net->prefix);
    return memcmp(masked, net->net.b, 16) == 0;
}

void xn_ip_client_key(const xn_ip *ip, xn_ip *key)
{
    *key = *ip;
    if (!ip->v4)
        mask_prefix(key->b, 64);
}
