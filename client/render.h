/*  render.h - the `lode show` page from an exported document (doc_to_json
 *  output), laid out like the seed page: §01 source facts, §02 snippets,
 *  §03 synthesis, §04 fan-out. Pure: a string in, a string out.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_RENDER_H
#define LODE_RENDER_H
#include <stdbool.h>

#include "err.h"

typedef struct {
    bool all; /* show dropped snippets too, marked */
} render_opts_t;

/* The page for doc_json. Caller frees. NULL and LODE_EINVAL if doc_json is
 * not a JSON object. Missing parts are shown as not there yet, with the
 * job's state. */
char *render_page(const char *doc_json, const render_opts_t *opts, err_t *err);
#endif
