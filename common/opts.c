/*  opts.c - settings from one table (opts.h): getopt_long for the command
 *  line, exact names for the settings file, the env column for the
 *  environment, and the same rows for --help.
 *  SPDX-License-Identifier: MIT
 */
#include "opts.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "mem.h"

#define S_VAL_BASE 256 /* getopt value of row i: S_VAL_BASE + i (short ones use the letter) */
#define S_HELP_COL 22  /* --help: where the text starts */

struct opts {
    char **fargs; /* owned: the settings file's "--key=value" strings */
    int n_fargs;
    const char *config; /* the file in use, or NULL */
    const char **given; /* owned array, borrowed strings: each row's value as given */
    char (*from)[256];  /* owned: where each row's value came from; "" = default */
    bool print;         /* --print-config was asked for */
};

typedef struct {
    const opts_spec_t *spec;
    void *settings;
    opts_t *held;
    struct option *longopts; /* owned */
    char shortopts[64];
} s_parser_t;

static size_t s_count(const opt_def_t *defs)
{
    size_t n = 0;
    while (defs[n].name || defs[n].kind == OPT_SECTION)
        n++;
    return n;
}

static const opt_def_t *s_find(const opts_spec_t *spec, const char *name, size_t len)
{
    for (const opt_def_t *d = spec->defs; d->name || d->kind == OPT_SECTION; d++)
        if (d->name && strlen(d->name) == len && strncmp(d->name, name, len) == 0)
            return d;
    return NULL;
}

static bool s_takes_value(const opt_def_t *d)
{
    return d->kind == OPT_STRING || d->kind == OPT_INT || d->kind == OPT_CALL ||
           d->kind == OPT_CONFIG;
}

static void s_build(s_parser_t *p)
{
    size_t n = s_count(p->spec->defs), k = 0, s = 0;
    p->longopts = mem_calloc(n + 1, sizeof *p->longopts);
    for (size_t i = 0; i < n; i++) {
        const opt_def_t *d = &p->spec->defs[i];
        if (!d->name)
            continue;
        int has = s_takes_value(d) ? required_argument : no_argument;
        int val = d->shortopt ? d->shortopt : S_VAL_BASE + (int)i;
        p->longopts[k++] = (struct option){d->name, has, NULL, val};
        if (d->shortopt && s + 3 < sizeof p->shortopts) {
            p->shortopts[s++] = d->shortopt;
            if (has == required_argument)
                p->shortopts[s++] = ':';
        }
    }
    p->shortopts[s] = '\0';
}

static const opt_def_t *s_by_val(const s_parser_t *p, int val)
{
    if (val >= S_VAL_BASE)
        return &p->spec->defs[val - S_VAL_BASE];
    for (const opt_def_t *d = p->spec->defs; d->name || d->kind == OPT_SECTION; d++)
        if (d->name && d->shortopt == val)
            return d;
    return NULL;
}

static int s_set_int(void *settings, const opt_def_t *d, const char *arg, err_t *err)
{
    char *end;
    long v = strtol(arg, &end, 10);
    if (end == arg || *end || v < d->lo || v > d->hi) {
        err_set(err, LODE_EINVAL, "expected a number from %ld to %ld, got \"%.40s\"", d->lo, d->hi,
                arg);
        return -1;
    }
    *(int *)((char *)settings + d->off) = (int)v;
    return 0;
}

static int s_set_switch(void *settings, const opt_def_t *d, const char *arg, err_t *err)
{
    bool on = !arg || !*arg || strcmp(arg, "true") == 0 || strcmp(arg, "yes") == 0 ||
              strcmp(arg, "1") == 0;
    if (!on && strcmp(arg, "false") != 0 && strcmp(arg, "no") != 0 && strcmp(arg, "0") != 0) {
        err_set(err, LODE_EINVAL, "a switch: true or false, not \"%.40s\"", arg);
        return -1;
    }
    *(bool *)((char *)settings + d->off) = on;
    return 0;
}

/* Apply one row's value; where says where it came from ("" for argv). */
static int s_apply(s_parser_t *p, const opt_def_t *d, const char *arg, const char *where)
{
    const opts_spec_t *spec = p->spec;
    void *settings = p->settings;
    size_t row = (size_t)(d - spec->defs);
    p->held->given[row] = arg;
    if (*where) /* " (X)" -> "X" */
        snprintf(p->held->from[row], sizeof p->held->from[row], "%.*s", (int)strlen(where) - 3,
                 where + 2);
    else
        snprintf(p->held->from[row], sizeof p->held->from[row], "flag");
    err_t err = {0};
    int rc = 0;
    switch (d->kind) {
    case OPT_STRING:
        *(const char **)((char *)settings + d->off) = arg;
        return OPTS_OK;
    case OPT_INT:
        rc = s_set_int(settings, d, arg, &err);
        break;
    case OPT_SWITCH:
        rc = s_set_switch(settings, d, arg, &err);
        break;
    case OPT_CALL:
        rc = d->call(settings, arg, &err);
        break;
    case OPT_HELP:
        opts_usage(spec, stdout);
        return OPTS_EXIT;
    case OPT_VERSION:
        printf("%s %s\n", spec->prog, spec->version);
        return OPTS_EXIT;
    case OPT_PRINT:
        p->held->print = true;
        return OPTS_OK;
    default: /* OPT_CONFIG is read first; sections are not options */
        return OPTS_OK;
    }
    if (rc == 0)
        return OPTS_OK;
    fprintf(stderr, "%s: --%s: %s%s\n", spec->prog, d->name, err.msg, where);
    return OPTS_USAGE;
}

/* getopt_long refused elem (opterr is off): its name only, never its value,
 * which may be a secret put under a mistyped name. */
static void s_bad_option(const opts_spec_t *spec, const char *elem)
{
    int len = (int)strcspn(elem, "=");
    if (optopt && strncmp(elem, "--", 2) == 0) {
        fprintf(stderr, "%s: no value for the option \"%.*s\"\n", spec->prog, len, elem);
        return;
    }
    char name[96];
    snprintf(name, sizeof name, "%.*s", len > 80 ? 80 : len, elem + strspn(elem, "-"));
    const opt_def_t *near = opts_nearest(spec, name);
    fprintf(stderr, "%s: unknown or ambiguous option \"%.*s\"%s%s%s (%s --help lists them)\n",
            spec->prog, len > 80 ? 80 : len, elem, near ? "; did you mean --" : "",
            near ? near->name : "", near ? "?" : "", spec->prog);
}

/* One pass of getopt_long over argv. first: only find --config (and act on
 * --help, --version); else apply every option. */
static int s_pass(s_parser_t *p, int argc, char **argv, bool first, opts_t *held)
{
    optind = 0; /* glibc: 0 re-initialises getopt for a new vector */
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, p->shortopts, p->longopts, NULL)) != -1) {
        if (c == '?') {
            s_bad_option(p->spec, argv[optind - 1]);
            return OPTS_USAGE;
        }
        const opt_def_t *d = s_by_val(p, c);
        if (first && d->kind == OPT_CONFIG)
            held->config = optarg;
        bool now = d->kind == OPT_HELP || d->kind == OPT_VERSION || !first;
        int rc = now ? s_apply(p, d, optarg, "") : OPTS_OK;
        if (rc != OPTS_OK)
            return rc;
    }
    if (optind < argc) {
        fprintf(stderr, "%s: unexpected argument \"%.80s\"\n", p->spec->prog, argv[optind]);
        return OPTS_USAGE;
    }
    return OPTS_OK;
}

/* One "--key[=value]" line of the settings file. */
static int s_file_arg(s_parser_t *p, const char *path, const char *arg)
{
    const char *key = arg + 2, *eq = strchr(key, '=');
    size_t len = eq ? (size_t)(eq - key) : strlen(key);
    const opt_def_t *d = s_find(p->spec, key, len);
    char where[320];
    snprintf(where, sizeof where, " (%.300s)", path);
    if (!d || d->kind == OPT_CONFIG || d->kind == OPT_SECTION) {
        const opt_def_t *near = d ? NULL : opts_nearest(p->spec, key);
        fprintf(stderr, "%s: unknown option \"--%.*s\"%s%s%s in %s\n", p->spec->prog,
                (int)(len > 80 ? 80 : len), key, near ? "; did you mean " : "",
                near ? near->name : "", near ? "?" : "", path);
        return OPTS_USAGE;
    }
    if (s_takes_value(d) && !eq) {
        fprintf(stderr, "%s: \"%s\" in the --config file has no value (%s = VALUE)\n",
                p->spec->prog, d->name, d->name);
        return OPTS_USAGE;
    }
    return s_apply(p, d, eq ? eq + 1 : NULL, where);
}

/* The settings file: --config, else the first config_env variable set
 * (*var names it, for --print-config; NULL for --config). */
static const char *s_config_path(const opts_spec_t *spec, const opts_t *held, const char **var)
{
    *var = NULL;
    if (held->config)
        return held->config;
    for (const char *const *e = spec->config_env; e && *e; e++) {
        const char *v = getenv(*e);
        if (v && *v) {
            *var = *e;
            return v;
        }
    }
    return NULL;
}

static int s_file(s_parser_t *p, opts_t *held)
{
    const char *var = NULL;
    const char *path = s_config_path(p->spec, held, &var);
    if (!path)
        return OPTS_OK;
    held->config = path;
    if (var && var != p->spec->config_env[0]) /* an alias kept for old setups */
        fprintf(stderr, "%s: $%s is deprecated; use $%s\n", p->spec->prog, var,
                p->spec->config_env[0]);
    for (size_t i = 0, n = s_count(p->spec->defs); var && i < n; i++)
        if (p->spec->defs[i].kind == OPT_CONFIG)
            snprintf(held->from[i], sizeof held->from[i], "$%s", var);
    err_t err = {0};
    if (config_file_section_args(path, p->spec->prog, &held->fargs, &held->n_fargs, &err) != 0) {
        fprintf(stderr, "%s: %s\n", p->spec->prog, err.msg);
        return OPTS_USAGE;
    }
    for (int i = 0; i < held->n_fargs; i++) {
        int rc = s_file_arg(p, path, held->fargs[i]);
        if (rc != OPTS_OK)
            return rc;
    }
    return OPTS_OK;
}

static int s_env(s_parser_t *p)
{
    for (const opt_def_t *d = p->spec->defs; d->name || d->kind == OPT_SECTION; d++) {
        const char *v = d->env ? getenv(d->env) : NULL;
        if (!v || !*v)
            continue;
        char where[80];
        snprintf(where, sizeof where, " ($%s)", d->env);
        int rc = s_apply(p, d, v, where);
        if (rc != OPTS_OK)
            return rc;
    }
    return OPTS_OK;
}

/* A value with the password of a URL ("scheme://user:PASSWORD@host")
 * replaced by "***": --print-config output goes to terminals and tickets. */
static void s_print_value(const char *v, FILE *out)
{
    const char *scheme = strstr(v, "://"), *at = scheme ? strchr(scheme, '@') : NULL;
    const char *colon = at ? memchr(scheme + 3, ':', (size_t)(at - scheme - 3)) : NULL;
    if (colon)
        fprintf(out, "%.*s***%s", (int)(colon + 1 - v), v, at);
    else
        fputs(v, out);
}

/* The default as --help states it ("… (default 8)" -> "8"): the help text
 * is the one place a default is written down. "(none)" if it names none. */
static void s_help_default(const char *help, char *out, size_t size)
{
    const char *p = help ? strstr(help, "default") : NULL;
    if (!p) {
        snprintf(out, size, "(none)");
        return;
    }
    p += strlen("default");
    p += strspn(p, ": ");
    size_t n = strcspn(p, ";)\n");
    snprintf(out, size, "%.*s", (int)n, p);
}

static void s_print(const opts_spec_t *spec, const void *settings, const opts_t *held)
{
    for (size_t i = 0; spec->defs[i].name || spec->defs[i].kind == OPT_SECTION; i++) {
        const opt_def_t *d = &spec->defs[i];
        if (!d->name || !d->help || !s_takes_value(d))
            continue;
        printf("%s = ", d->name);
        const char *v = held->given[i];
        if (d->kind == OPT_CONFIG)
            v = held->config;
        char dflt[96];
        s_help_default(d->help, dflt, sizeof dflt);
        if (!v && d->kind == OPT_INT && *(const int *)((const char *)settings + d->off) != 0)
            printf("%d", *(const int *)((const char *)settings + d->off));
        else
            s_print_value(v ? v : dflt, stdout);
        printf("\t# %s\n", held->from[i][0] ? held->from[i] : "default");
    }
}

int opts_parse(const opts_spec_t *spec, void *settings, int argc, char **argv, opts_t **held)
{
    *held = mem_calloc(1, sizeof **held);
    size_t rows = s_count(spec->defs);
    (*held)->given = mem_calloc(rows + 1, sizeof *(*held)->given);
    (*held)->from = mem_calloc(rows + 1, sizeof *(*held)->from);
    s_parser_t p = {.spec = spec, .settings = settings, .held = *held};
    s_build(&p);
    int rc = s_pass(&p, argc, argv, true, *held);
    if (rc == OPTS_OK)
        rc = s_file(&p, *held);
    if (rc == OPTS_OK)
        rc = s_env(&p);
    if (rc == OPTS_OK)
        rc = s_pass(&p, argc, argv, false, *held);
    free(p.longopts);
    if (rc == OPTS_OK && (*held)->print) {
        s_print(spec, settings, *held);
        rc = OPTS_EXIT;
    }
    return rc;
}

void opts_free(opts_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    config_args_free((*self_p)->fargs, (*self_p)->n_fargs);
    free((*self_p)->given);
    free((*self_p)->from);
    free(*self_p);
    *self_p = NULL;
}

const char *opts_config_path(const opts_t *self)
{
    return self ? self->config : NULL;
}

/* --- help ------------------------------------------------------------------ */

static void s_usage_row(const opt_def_t *d, FILE *out)
{
    char head[80];
    if (d->shortopt)
        snprintf(head, sizeof head, "  -%c, --%s%s%s", d->shortopt, d->name, d->metavar ? " " : "",
                 d->metavar ? d->metavar : "");
    else
        snprintf(head, sizeof head, "  --%s%s%s", d->name, d->metavar ? " " : "",
                 d->metavar ? d->metavar : "");
    int col = (int)strlen(head);
    const char *h = d->help ? d->help : "";
    size_t len = strcspn(h, "\n");
    col = fprintf(out, "%s%*s%.*s", head, col < S_HELP_COL ? S_HELP_COL - col : 2, "", (int)len, h);
    for (h += len; *h == '\n'; h += len) {
        h++;
        len = strcspn(h, "\n");
        col = fprintf(out, "\n%*s%.*s", S_HELP_COL, "", (int)len, h) - 1;
    }
    if (d->env && col + (int)strlen(d->env) + 7 <= 80)
        fprintf(out, " (env %s)\n", d->env);
    else if (d->env)
        fprintf(out, "\n%*s(env %s)\n", S_HELP_COL, "", d->env);
    else
        fputc('\n', out);
}

void opts_usage(const opts_spec_t *spec, FILE *out)
{
    fputs(spec->usage, out);
    for (const opt_def_t *d = spec->defs; d->name || d->kind == OPT_SECTION; d++) {
        if (d->kind == OPT_SECTION)
            fprintf(out, "\n%s\n", d->help);
        else if (d->help) /* a row without help is not shown */
            s_usage_row(d, out);
    }
    if (spec->epilog)
        fputs(spec->epilog, out);
}

/* --- did you mean ---------------------------------------------------------- */

/* Levenshtein distance of a and b, capped at 9 (names are short). */
static int s_distance(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    if (na > 40 || nb > 40)
        return 9;
    int row[41];
    for (size_t j = 0; j <= nb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= na; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= nb; j++) {
            int up = row[j], best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            diag = up;
            row[j] = best;
        }
    }
    return row[nb] > 9 ? 9 : row[nb];
}

const opt_def_t *opts_nearest(const opts_spec_t *spec, const char *name)
{
    const opt_def_t *best = NULL;
    int best_d = 3;
    size_t n = strcspn(name, "=");
    char key[48];
    snprintf(key, sizeof key, "%.*s", (int)(n < 47 ? n : 47), name);
    for (const opt_def_t *d = spec->defs; d->name || d->kind == OPT_SECTION; d++) {
        if (!d->name)
            continue;
        int dist = strncmp(d->name, key, strlen(key)) == 0 && *key ? 1 : s_distance(key, d->name);
        if (dist < best_d) {
            best_d = dist;
            best = d;
        }
    }
    return best;
}
