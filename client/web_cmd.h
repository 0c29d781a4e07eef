/*  web_cmd.h - `lode web`: the workbench in a browser (web_server.h).
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_WEB_CMD_H
#define LODE_WEB_CMD_H
#include "cli.h"

#define WEB_USAGE                                                                                  \
    "usage: lode web [--listen HOST:PORT] [--token-file FILE]\n"                                   \
    "\n"                                                                                           \
    "Serve the workbench (library, documents, curation, batches) in a browser,\n"                  \
    "reading and curating the same Redis as the CLI. Stops on Ctrl-C or SIGTERM.\n"                \
    "  --listen HOST:PORT  where to listen (also $LODE_WEB_LISTEN); default\n"                     \
    "                      127.0.0.1:8420. A numeric address, [::1] or localhost.\n"               \
    "  --token-file FILE   the access token (also $LODE_WEB_TOKEN). Required to\n"                 \
    "                      listen on anything but loopback: without one lode web\n"                \
    "                      refuses to start. Browsers sign in once at /login;\n"                   \
    "                      scripts send Authorization: Bearer TOKEN (docs/api.md).\n"

/* Returns the exit code: 0 after a clean stop, 2 usage (also: a
 * non-loopback address without a token), 1 if it cannot listen. */
int web_run(cli_t *cli, int argc, char **argv);
#endif
