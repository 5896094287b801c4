/* libFuzzer harness: the agent token parser (the bearer value of an Authorization header).
 * Any input is accepted or refused without reading out of bounds; an accepted one has the
 * exact shape "xat_" + 16 lower-case hex digits + "." + 43 base64url characters, and the id
 * and secret it hands out are those parts. */
#include "auth/auth_int.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1024)
        return 0;
    char *token = malloc(size + 1);
    memcpy(token, data, size);
    token[size] = '\0';
    char id[AUTH_AGENT_ID_CHARS + 1];
    const char *secret = NULL;
    if (auth_agent_token_parse(token, id, &secret)) {
        if (strlen(token) != AUTH_AGENT_TOKEN_CHARS || strncmp(token, "xat_", 4) != 0 ||
            strlen(id) != AUTH_AGENT_ID_CHARS || memcmp(token + 4, id, AUTH_AGENT_ID_CHARS) != 0 ||
            secret != token + 4 + AUTH_AGENT_ID_CHARS + 1 || strlen(secret) != AUTH_TOKEN_CHARS)
            abort();
        for (const char *p = id; *p; p++)
            if (!strchr("0123456789abcdef", *p))
                abort();
    }
    free(token);
    return 0;
}
