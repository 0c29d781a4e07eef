/*  test.h - cmocka 1.1.5 wants these includes first and in this order.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_TEST_H
#define LODE_TEST_H
// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
// clang-format on
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#endif
