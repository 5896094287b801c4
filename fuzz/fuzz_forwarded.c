/* libFuzzer harness: the client address behind trusted proxies (X-Forwarded-For) and the CIDR
 * parser of http.trusted_proxies. Any header gives an address that is the peer or one of the
 * header's own entries, and the answer is the same parsed twice; a CIDR that parses has its
 * host bits zero and contains its own network address. */
#include "http/http.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 8192)
        return 0;
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';

    xn_cidr net;
    if (xn_cidr_parse(text, &net)) {
        if (net.prefix < 0 || net.prefix > 128 || !xn_cidr_contains(&net, &net.net))
            abort();
        char back[XN_IP_STR];
        xn_ip again;
        xn_ip_format(&net.net, back);
        if (!xn_ip_parse(back, &again) || memcmp(again.b, net.net.b, 16) != 0)
            abort();
    }

    xn_config cfg;
    xn_config_defaults(&cfg);
    xn_error err;
    if (xn_config_set(&cfg, "http", "trusted_proxies", "10.0.0.0/8, 127.0.0.1, fd00::/8", &err))
        abort();
    xn_ip peer, client, client2;
    xn_ip_parse("10.1.2.3", &peer);
    http_client_address(&cfg, &peer, text, &client);
    http_client_address(&cfg, &peer, text, &client2);
    if (memcmp(&client, &client2, sizeof client) != 0)
        abort();
    if (memcmp(client.b, peer.b, 16) != 0) {
        /* the answer must be one of the header's entries, as written */
        char shown[XN_IP_STR];
        xn_ip_format(&client, shown);
        xn_ip parsed;
        bool found = false;
        for (char *p = text; *p && !found;) {
            size_t n = strcspn(p, ",");
            char item[64];
            size_t a = 0, b = n;
            while (a < b && (p[a] == ' ' || p[a] == '\t'))
                a++;
            while (b > a && (p[b - 1] == ' ' || p[b - 1] == '\t'))
                b--;
            if (b - a < sizeof item) {
                memcpy(item, p + a, b - a);
                item[b - a] = '\0';
                found = xn_ip_parse(item, &parsed) && memcmp(parsed.b, client.b, 16) == 0;
            }
            p += n + (p[n] == ',');
        }
        if (!found)
            abort();
    }
    free(text);
    return 0;
}
