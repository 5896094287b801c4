/* The route table: every endpoint, its method, handler and body rule, in one place. */
#include "http/http.h"

const http_route http_routes[] = {
    {"GET", "/api/health", http_h_health, 0, "server and database health"},
    {"GET", "/metrics", http_h_metrics, 0, "metrics in Prometheus text format"},
    {"POST", "/api/text/check", http_h_text_check, HTTP_JSON_BODY,
     "sensitive words, wording errors and personal data in a text"},
    {NULL, NULL, NULL, 0, NULL},
};
