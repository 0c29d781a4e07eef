/*  web_assets.h - the workbench's stylesheet and script, compiled into the
 *  binary from client/web/ by make (no CDN, no network at run time).
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_WEB_ASSETS_H
#define LODE_WEB_ASSETS_H
#include <stddef.h>

typedef struct {
    const char *name; /* "app.js" */
    const char *type; /* its Content-Type */
    const unsigned char *data;
    size_t len;
} web_asset_t;

/* Every asset, ended by {0}; generated. */
extern const web_asset_t web_assets[];

/* A short hash of the assets, for cache-busting URLs; generated. */
extern const char web_assets_version[];

/* The asset named name (a query string after it is ignored), or NULL. */
const web_asset_t *web_asset_find(const char *name);
#endif
