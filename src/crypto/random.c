/* Random numbers, and libsodium initialisation once per process on first use of the room. */
#include "crypto/crypto.h"
#include "crypto/crypto_int.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;

static void sodium_start(void)
{
    /* sodium_init fails only when the system cannot give random bytes; nothing in this room
     * is safe without them, so stop rather than hand out predictable keys or tokens. */
    if (sodium_init() < 0) {
        fputs("xinan: libsodium could not be initialised (no system randomness)\n", stderr);
        abort();
    }
}

void crypto_ready(void)
{
    pthread_once(&sodium_once, sodium_start);
}

void crypto_random(void *out, size_t len)
{
    crypto_ready();
    randombytes_buf(out, len);
}

uint32_t crypto_random_below(uint32_t bound)
{
    crypto_ready();
    return randombytes_uniform(bound);
}
