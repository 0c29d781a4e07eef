/*  cli.h - what every lode command uses: the run's settings (cli_t),
 *  argument parsing helpers, exit codes and the one place that prints
 *  "lode: error: …". The command table and dispatch are commands.h's;
 *  commands are the *_run functions of submit.c, wait.c, view.c, ….
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_CLI_H
#define LODE_CLI_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "curve.h"
#include "err.h"
#include "store.h"

/* Exit codes (docs/cli.md). */
#define CLI_EXIT_OK          0
#define CLI_EXIT_ERROR       1 /* anything else that went wrong */
#define CLI_EXIT_USAGE       2 /* bad command line */
#define CLI_EXIT_NOTFOUND    3 /* no such job, snippet or item */
#define CLI_EXIT_FAILED      4 /* a job failed */
#define CLI_EXIT_TIMEOUT     5 /* --timeout ran out */
#define CLI_EXIT_UNREACHABLE 6 /* cannot reach the broker or Redis */

#define CLI_PARSE_HELP (-1) /* cli_parse printed the help */

#define CLI_VERSION            "0.1.0"
#define CLI_TIMEOUT_DEFAULT_MS 10000

/* One run of the program. */
typedef struct {
    const char *redis_url; /* borrowed: argv, $LODE_REDIS or the default */
    const char *broker;    /* borrowed: argv, $LODE_BROKER or the default */
    const char *prefix;    /* borrowed: argv, $LODE_PREFIX or "lode:" */
    int timeout_ms;        /* --timeout, else CLI_TIMEOUT_DEFAULT_MS */
    bool timeout_given;    /* --timeout was on the command line */
    curve_opts_t curve;    /* --curve-cert/--curve-server or $LODE_CURVE_*; borrowed */
    store_t *store;        /* owned; connected by cli_store on first use */
    FILE *out;             /* borrowed: results (stdout) */
    FILE *errs;            /* borrowed: messages (stderr) */
    const char *usage;     /* static: the running command's --help text */
    const char *globals;   /* static: the global options' help */
} cli_t;

/* A command's option: a flag (value == NULL) or an option with a value. */
typedef struct {
    const char *name;   /* "--text" */
    const char **value; /* receives the value, or NULL for a flag */
    bool *flag;         /* set to true when the option is present */
} cli_opt_t;

/* Exit code for an error code: ENOTFOUND 3, ETIMEDOUT 5, ESTORE 6, else 1. */
int cli_exit_code(int code);

/* Print "lode: error: <msg>" and return cli_exit_code(err->code). */
int cli_fail(cli_t *cli, const err_t *err);

/* Print "lode: error: <message>" plus a hint to --help; returns 2. */
int cli_usage(cli_t *cli, const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Parse a command's argv (argv[0] is the command) against opts (ended by an
 * entry with name NULL); positionals go to pos (at most max_pos, *n_pos set).
 * "--name=value" and "--" work; "-" is a positional. Returns 0 to go on,
 * CLI_PARSE_HELP if --help or -h was given (help printed to cli->out: exit
 * 0), or CLI_EXIT_USAGE on a usage error (printed). */
int cli_parse(cli_t *cli,
              int argc,
              char **argv,
              const cli_opt_t *opts,
              const char **pos,
              size_t max_pos,
              size_t *n_pos);

/* The exit code for a cli_parse result that is not 0. */
int cli_parse_exit(int rc);

/* The store, connected on first use. NULL and *err (LODE_ESTORE) if Redis
 * cannot be reached. Borrowed: cli_run destroys it. */
store_t *cli_store(cli_t *cli, err_t *err);

/* The candidate closest to word by edit distance (insertions, deletions,
 * substitutions and swaps of neighbours), if it is close enough to be a
 * typo (at most 2 edits, and fewer than half of word); NULL otherwise.
 * Borrowed from cands. For "did you mean …?". */
const char *cli_suggest(const char *word, const char *const *cands, size_t n);

/* A Redis outage being ridden out by a command that waits (wait, status):
 * the daemons do so, and a restart must not end a long wait with exit 6. */
typedef struct {
    int64_t since_ms; /* monotonic ms the outage was first seen; 0 = none */
    int backoff_ms;   /* the next pause: 100 ms doubling to CLI_OUTAGE_MAX_MS */
} cli_outage_t;

#define CLI_OUTAGE_MAX_MS 2000

/* After a failed store call: if err is LODE_ESTORE (Redis down, restarting
 * or loading) and deadline_ms (monotonic; INT64_MAX for none) leaves time,
 * say so once on stderr ("lode: lost Redis …; waiting for it"), sleep the
 * next back-off (never past the deadline) and return true: try again.
 * Otherwise false: the caller fails with err. The store reconnects by
 * itself on the next call. */
bool cli_ride_out(cli_t *cli, cli_outage_t *o, const err_t *err, int64_t deadline_ms);

/* cli_store, tried again through an outage until deadline_ms (monotonic)
 * as cli_ride_out does. NULL and *err (LODE_ESTORE) after the deadline. */
store_t *cli_store_patient(cli_t *cli, cli_outage_t *o, int64_t deadline_ms, err_t *err);

/* Monotonic milliseconds, for deadlines given to cli_ride_out. */
int64_t cli_mono_ms(void);

/* A store call worked: if an outage was noted, say it is over. */
void cli_outage_over(cli_t *cli, cli_outage_t *o);

/* Parse a positive integer argument (at most max). -1 if it is not one. */
int cli_parse_count(const char *s, long max, long *out);
#endif
