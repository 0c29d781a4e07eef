/*  keygen.c - `lode keygen PATH`: a new CURVE key pair in PATH (public) and
 *  PATH_secret (mode 0600). Prints the public key and the paths, never the
 *  secret key.
 *  SPDX-License-Identifier: MIT
 */
#include "keygen.h"

#include <stdlib.h>

#include <jansson.h>

#include "curve.h"
#include "mem.h"

int keygen_run(cli_t *cli, int argc, char **argv)
{
    bool json = false;
    const cli_opt_t opts[] = {{"--json", NULL, &json}, {NULL, NULL, NULL}};
    const char *pos[1];
    size_t n_pos = 0;
    int rc = cli_parse(cli, argc, argv, opts, pos, 1, &n_pos);
    if (rc != 0)
        return cli_parse_exit(rc);
    if (n_pos != 1)
        return cli_usage(cli, "keygen", "keygen wants one PATH");
    char key[CURVE_KEY_TXT_SIZE];
    err_t err = {0};
    if (curve_keygen(pos[0], key, &err) != 0)
        return cli_fail(cli, &err);
    if (json) {
        char *secret = mem_printf("%s_secret", pos[0]);
        json_t *o =
            json_pack("{s:s, s:s, s:s}", "public_key", key, "public", pos[0], "secret", secret);
        json_dumpf(o, cli->out, JSON_COMPACT | JSON_PRESERVE_ORDER);
        fputc('\n', cli->out);
        json_decref(o);
        free(secret);
        return CLI_EXIT_OK;
    }
    fprintf(cli->out,
            "public key  %s\n"
            "public      %s  (share it: the broker's --curve-allow directory, or the\n"
            "            peers' --curve-server if this is the broker's)\n"
            "secret      %s_secret  (mode 0600, for --curve-cert; never share it)\n",
            key, pos[0], pos[0]);
    return CLI_EXIT_OK;
}
