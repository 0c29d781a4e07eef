/*  cliconf.h - the lode CLI's settings file: $LODE_CONFIG, else
 *  ~/.config/lode/config (XDG). Its keys stand for environment variables
 *  (redis = URL is LODE_REDIS), and a key is taken only where the variable
 *  is unset, so flags > environment > file > defaults as for the daemons
 *  (docs/config.md). Lines before any "[name]" and under "[lode]" are read.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_CLICONF_H
#define LODE_CLICONF_H
#include "err.h"

/* Read the file (a missing default file is no error; a missing $LODE_CONFIG
 * is). Keys that are not the CLI's are skipped: they may be the daemons'.
 * 0, or -1 and *err. */
LODE_MUST_CHECK int cliconf_load(err_t *err);
#endif
