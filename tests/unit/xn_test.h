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

#endif
