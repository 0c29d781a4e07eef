/*  opts.h - a program's settings from one table: each row is a long option,
 *  its settings-file key (the same name), its environment variable and its
 *  --help text. One parser applies, in order, the defaults already in the
 *  settings struct, the settings file (--config FILE, else $LODE_CONFIG or a
 *  deprecated alias), the environment, then the command line: a later
 *  source overrides an earlier one, so flags > environment > file > defaults
 *  for every program alike (docs/config.md). Adding an option is one row.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_OPTS_H
#define LODE_OPTS_H
#include <stddef.h>
#include <stdio.h>

#include "err.h"

typedef enum {
    OPT_STRING,  /* const char * field at off (borrowed: lives as long as opts_t) */
    OPT_INT,     /* int field at off, a whole number in [lo, hi] */
    OPT_SWITCH,  /* bool field at off, set to true; takes no value */
    OPT_CALL,    /* call(settings, arg, err): parses and stores itself */
    OPT_CONFIG,  /* --config FILE: read before everything else */
    OPT_HELP,    /* --help, -h: prints the generated help, exits 0 */
    OPT_VERSION, /* --version: prints "PROG VERSION", exits 0 */
    OPT_PRINT,   /* --print-config: every setting in use and where it came
                  * from (flag, $VAR, the file, default), then exits 0 */
    OPT_SECTION, /* no option: a heading in --help ("fetch:") */
} opt_kind_t;

typedef struct opt_def {
    const char *name; /* long option and settings-file key; NULL ends the table */
    char shortopt;    /* one-letter alias, or 0 */
    opt_kind_t kind;
    const char *env;     /* environment variable, or NULL */
    const char *metavar; /* "URL" in --help; NULL for a switch */
    const char *help;    /* --help text, lines split by '\n'; the env is appended;
                          * NULL: not shown */
    size_t off;          /* OPT_STRING, OPT_INT, OPT_SWITCH: offsetof the field */
    long lo, hi;         /* OPT_INT bounds */
    /* OPT_CALL: 0, or -1 with *err (its message follows "PROG: --NAME: "). */
    int (*call)(void *settings, const char *arg, err_t *err);
} opt_def_t;

/* Table rows. A program defines OPTS_STRUCT (its settings struct) before
 * using the field forms; the field is named, its offset computed here. */
#define OPTS_STR(n, env, meta, field, help)                                                        \
    {                                                                                              \
        n, 0, OPT_STRING, env, meta, help, offsetof(OPTS_STRUCT, field), 0, 0, NULL                \
    }
#define OPTS_INT(n, env, field, lo, hi, help)                                                      \
    {                                                                                              \
        n, 0, OPT_INT, env, "N", help, offsetof(OPTS_STRUCT, field), lo, hi, NULL                  \
    }
#define OPTS_CALL(n, env, meta, fn, help)                                                          \
    {                                                                                              \
        n, 0, OPT_CALL, env, meta, help, 0, 0, 0, fn                                               \
    }
#define OPTS_SECTION(title)                                                                        \
    {                                                                                              \
        NULL, 0, OPT_SECTION, NULL, NULL, title, 0, 0, 0, NULL                                     \
    }

typedef struct {
    const char *prog;    /* "lode-worker": messages and --version */
    const char *version; /* "0.1.0" */
    const char *usage;   /* --help text before the options */
    const char *epilog;  /* --help text after them, or NULL */
    const opt_def_t *defs;
    /* Environment variables that name the settings file when there is no
     * --config, first set wins (NULL-terminated): LODE_CONFIG, then any
     * deprecated alias (using one prints a line saying so). */
    const char *const *config_env;
} opts_spec_t;

enum { OPTS_OK = 0, OPTS_EXIT = 1, OPTS_USAGE = 2 };

typedef struct opts opts_t;

/* Apply file, environment and argv to settings (pre-filled with the
 * defaults). OPTS_OK, OPTS_EXIT (help or version printed: exit 0) or
 * OPTS_USAGE (one line printed on stderr: exit 2). *held keeps the strings
 * settings borrow: free it with opts_free when they are no longer used. */
int opts_parse(const opts_spec_t *spec, void *settings, int argc, char **argv, opts_t **held);
void opts_free(opts_t **self_p);

/* The settings file in use after opts_parse (NULL: none). Borrowed. */
const char *opts_config_path(const opts_t *self);

/* The generated --help: usage, one entry per row, epilog. */
void opts_usage(const opts_spec_t *spec, FILE *out);

/* The row whose name is nearest to name (at most 2 edits, or a prefix),
 * for "did you mean"; NULL if none is near. */
const opt_def_t *opts_nearest(const opts_spec_t *spec, const char *name);
#endif
