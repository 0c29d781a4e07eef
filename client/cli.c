/*  cli.c - what every command uses: exit codes, the one place that prints
 *  "lode: error: …", a command's option parsing, the Redis connection.
 *  The command table and dispatch are commands.c's.
 *  SPDX-License-Identifier: MIT
 */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

int64_t cli_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool cli_ride_out(cli_t *cli, cli_outage_t *o, const err_t *err, int64_t deadline_ms)
{
    int64_t now = cli_mono_ms();
    if (err->code != LODE_ESTORE || now >= deadline_ms)
        return false;
    if (o->since_ms == 0) {
        o->since_ms = now;
        o->backoff_ms = 100;
        /* On a terminal a progress bar may hold the line: start a new one. */
        fprintf(cli->errs, "%slode: lost Redis (%s); waiting for it to come back%s\n",
                isatty(fileno(cli->errs)) ? "\n" : "", err->msg,
                deadline_ms == INT64_MAX ? "" : " within --timeout");
        fflush(cli->errs);
    }
    int64_t nap = o->backoff_ms;
    if (nap > deadline_ms - now)
        nap = deadline_ms - now;
    struct timespec ts = {(time_t)(nap / 1000), (long)(nap % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    o->backoff_ms = o->backoff_ms * 2 > CLI_OUTAGE_MAX_MS ? CLI_OUTAGE_MAX_MS : o->backoff_ms * 2;
    return true;
}

store_t *cli_store_patient(cli_t *cli, cli_outage_t *o, int64_t deadline_ms, err_t *err)
{
    for (;;) {
        err_t mine = {0};
        store_t *store = cli_store(cli, &mine);
        if (store) {
            cli_outage_over(cli, o);
            return store;
        }
        if (!cli_ride_out(cli, o, &mine, deadline_ms)) {
            err_set(err, mine.code, "%s", mine.msg);
            return NULL;
        }
    }
}

void cli_outage_over(cli_t *cli, cli_outage_t *o)
{
    if (o->since_ms == 0)
        return;
    fprintf(cli->errs, "lode: Redis is back after %.1f s\n",
            (double)(cli_mono_ms() - o->since_ms) / 1000.0);
    o->since_ms = 0;
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

/* Damerau-Levenshtein distance (optimal string alignment) of two short
 * words; words past 63 bytes are never typos of each other. */
static size_t s_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return SIZE_MAX;
    size_t d[64][64];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

const char *cli_suggest(const char *word, const char *const *cands, size_t n)
{
    const char *best = NULL;
    size_t best_d = SIZE_MAX, len = strlen(word);
    for (size_t i = 0; i < n; i++) {
        size_t dist = s_distance(word, cands[i]);
        if (dist < best_d) {
            best_d = dist;
            best = cands[i];
        }
    }
    return best_d <= 2 && best_d * 2 < len ? best : NULL;
}

static const cli_opt_t *s_opt_find(const cli_opt_t *opts, const char *arg, size_t n)
{
    for (; opts && opts->name; opts++) {
        if (strlen(opts->name) == n && strncmp(opts->name, arg, n) == 0)
            return opts;
    }
    return NULL;
}

/* "unknown option --jsn (did you mean --json?)": the command's options and
 * the global ones are the candidates. */
static int
s_unknown_opt(cli_t *cli, const char *cmd, const cli_opt_t *opts, const char *arg, size_t n)
{
    static const char *const globals[] = {"--redis",        "--broker",  "--prefix", "--curve-cert",
                                          "--curve-server", "--timeout", "--help"};
    const char *cands[64];
    size_t n_cands = 0;
    for (; opts && opts->name && n_cands < 56; opts++)
        cands[n_cands++] = opts->name;
    for (size_t g = 0; g < sizeof globals / sizeof globals[0]; g++)
        cands[n_cands++] = globals[g];
    char word[64];
    snprintf(word, sizeof word, "%.*s", (int)(n < 63 ? n : 63), arg);
    const char *near = cli_suggest(word, cands, n_cands);
    if (near)
        return cli_usage(cli, cmd, "unknown option %s (did you mean %s?)", word, near);
    return cli_usage(cli, cmd, "unknown option %s", word);
}

/* One "--name[=value]" argument at argv[*i]; advances *i past a value. */
static int s_parse_opt(cli_t *cli, int argc, char **argv, int *i, const cli_opt_t *opts)
{
    const char *arg = argv[*i];
    const char *eq = strchr(arg, '=');
    size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
    const cli_opt_t *o = s_opt_find(opts, arg, n);
    if (!o)
        return s_unknown_opt(cli, argv[0], opts, arg, n);
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
