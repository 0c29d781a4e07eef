/*  cli.c - what every command uses: exit codes, the one place that prints
 *  "lode: error: …", a command's option parsing, the Redis connection.
 *  The command table and dispatch are commands.c's.
 *  SPDX-License-Identifier: MIT
 */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

int cli_exit_code(int code)
{
    switch (code) {
    case LODE_OK:
        return CLI_EXIT_OK;
    case LODE_ENOTFOUND:
        return CLI_EXIT_NOTFOUND;
    case LODE_ETIMEDOUT:
        return CLI_EXIT_TIMEOUT;
    case LODE_ESTORE:
        return CLI_EXIT_UNREACHABLE;
    default:
        return CLI_EXIT_ERROR;
    }
}

int cli_fail(cli_t *cli, const err_t *err)
{
    fprintf(cli->errs, "lode: error: %s\n", err->msg[0] ? err->msg : "unknown error");
    int rc = cli_exit_code(err->code);
    return rc == CLI_EXIT_OK ? CLI_EXIT_ERROR : rc;
}

int cli_usage(cli_t *cli, const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("lode: error: ", cli->errs);
    vfprintf(cli->errs, fmt, ap);
    va_end(ap);
    fprintf(cli->errs, "\n(see lode %s%s--help)\n", cmd ? cmd : "", cmd ? " " : "");
    return CLI_EXIT_USAGE;
}

store_t *cli_store(cli_t *cli, err_t *err)
{
    if (cli->store)
        return cli->store;
    store_opts_t opts = {.url = cli->redis_url, .prefix = cli->prefix, .timeout_ms = 5000};
    cli->store = store_new(&opts, err);
    if (!cli->store && err && err->code != LODE_ESTORE) {
        /* A malformed URL is still "cannot reach Redis" for the exit code. */
        err_t again = {0};
        err_set(&again, LODE_ESTORE, "%s", err->msg);
        *err = again;
    }
    return cli->store;
}

int cli_parse_count(const char *s, long max, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = s && *s >= '0' && *s <= '9' ? strtol(s, &end, 10) : -1;
    if (v < 1 || v > max || errno != 0 || !end || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

static const cli_opt_t *s_opt_find(const cli_opt_t *opts, const char *arg, size_t n)
{
    for (; opts && opts->name; opts++) {
        if (strlen(opts->name) == n && strncmp(opts->name, arg, n) == 0)
            return opts;
    }
    return NULL;
}

/* One "--name[=value]" argument at argv[*i]; advances *i past a value. */
static int s_parse_opt(cli_t *cli, int argc, char **argv, int *i, const cli_opt_t *opts)
{
    const char *arg = argv[*i];
    const char *eq = strchr(arg, '=');
    size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
    const cli_opt_t *o = s_opt_find(opts, arg, n);
    if (!o)
        return cli_usage(cli, argv[0], "unknown option %.*s", (int)n, arg);
    if (!o->value && eq)
        return cli_usage(cli, argv[0], "%s takes no value", o->name);
    if (o->value && !eq && *i + 1 >= argc)
        return cli_usage(cli, argv[0], "%s needs a value", o->name);
    if (o->value)
        *o->value = eq ? eq + 1 : argv[++*i];
    if (o->flag)
        *o->flag = true;
    return 0;
}

int cli_parse(cli_t *cli,
              int argc,
              char **argv,
              const cli_opt_t *opts,
              const char **pos,
              size_t max_pos,
              size_t *n_pos)
{
    *n_pos = 0;
    bool rest = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!rest && (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)) {
            fprintf(cli->out, "%s\n%s", cli->usage ? cli->usage : "",
                    cli->globals ? cli->globals : "");
            return CLI_PARSE_HELP;
        }
        if (!rest && strcmp(arg, "--") == 0) {
            rest = true;
            continue;
        }
        if (!rest && arg[0] == '-' && arg[1] != '\0') {
            int rc = s_parse_opt(cli, argc, argv, &i, opts);
            if (rc != 0)
                return rc;
            continue;
        }
        if (*n_pos >= max_pos)
            return cli_usage(cli, argv[0], "unexpected argument \"%s\"", arg);
        pos[(*n_pos)++] = arg;
    }
    return 0;
}

int cli_parse_exit(int rc)
{
    return rc == CLI_PARSE_HELP ? CLI_EXIT_OK : rc;
}
