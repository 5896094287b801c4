/* Shared preamble of the cmocka unit tests: cmocka needs these headers before its own, in
 * this order, so the block is kept out of include sorting. */
#ifndef XN_TEST_H
#define XN_TEST_H

/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include "base/base.h"

#include <stdio.h>
#include <stdlib.h>

/*
 * A fresh database path in the test directory (XN_TEST_TMP, else /tmp) with its witness file
 * beside it, both removed, and a default configuration pointing at it.
 */
static inline void xn_test_fresh_db(const char *name, char *path, size_t path_size, char *witness,
                                    size_t witness_size, xn_config *cfg)
{
    const char *dir = getenv("XN_TEST_TMP");
    snprintf(path, path_size, "%s/%s", dir ? dir : "/tmp", name);
    snprintf(witness, witness_size, "%s.witness", path);
    remove(path);
    remove(witness);
    xn_config_defaults(cfg);
    xn_error err;
    assert_int_equal(xn_config_set(cfg, "server", "db", path, &err), XN_OK);
}

#endif
