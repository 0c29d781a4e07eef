/*  web_assets.c - look up a compiled-in asset (web_assets.h).
 *  SPDX-License-Identifier: MIT
 */
#include "web_assets.h"

#include <string.h>

const web_asset_t *web_asset_find(const char *name)
{
    size_t n = strcspn(name, "?");
    for (const web_asset_t *a = web_assets; a->name; a++) {
        if (strlen(a->name) == n && strncmp(a->name, name, n) == 0)
            return a;
    }
    return NULL;
}
