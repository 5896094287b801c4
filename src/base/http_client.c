/* Outgoing HTTP requests of the server's own and of its agents (libcurl): one set-up so that
 * every such request keeps to the same rules. */
#include "base/base.h"

#include <curl/curl.h>

void xn_http_request(void *curl, const char *url, struct curl_slist *headers, long connect_s,
                     long total_s)
{
    CURL *h = curl;
    curl_easy_setopt(h, CURLOPT_URL, url);
    /* http and https only: a URL someone typed never reaches file://, gopher:// or the like */
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    /* a redirect is not followed: it could lead a signed request to another host */
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, connect_s);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, total_s);
    /* threads: no SIGALRM for name lookups */
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
}
