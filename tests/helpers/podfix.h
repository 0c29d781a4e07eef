/*  podfix.h - podcast test fixtures: tests/fixtures/podcast files with
 *  "@BASE@" replaced by PODFIX_BASE, for the test_podcast* programs.
 *  Test code only.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_PODFIX_H
#define LODE_PODFIX_H
#include <stddef.h>

#define PODFIX_BASE "http://pod.test"

/* The directory tests/fixtures/podcast (a static buffer). */
const char *podfix_fixture_dir(void);

/* tests/fixtures/podcast/<name> with "@BASE@" replaced by PODFIX_BASE, NUL
 * terminated; *len (if len) is its length. The caller frees it. Fails the
 * running cmocka test if the file cannot be opened. */
char *podfix_fixture(const char *name, size_t *len);

#endif
