/*  view.c - show and export one job's document.
 *  SPDX-License-Identifier: MIT
 */
#include "view.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "doc.h"
#include "jobdoc.h"
#include "jobref.h"
#include "render.h"
#include "usage.h"

/* Where a document goes: stdout, a file (-o), or the pager (show on a
 * terminal). */
typedef struct {
    const char *path; /* -o FILE, or NULL */
    bool page;        /* through $PAGER when stdout is a terminal */
} s_dest_t;

/* $PAGER (default "less", with LESS=FRX as git sets it: quit if one
 * screen, keep colours, no clearing) when stdout is a terminal; NULL for
 * none (not a terminal, PAGER empty or "cat"). */
static const char *s_pager(cli_t *cli)
{
    if (cli->out != stdout || !isatty(STDOUT_FILENO))
        return NULL;
    const char *pager = getenv("PAGER");
    if (!pager)
        pager = "less";
    if (!*pager || strcmp(pager, "cat") == 0)
        return NULL;
    setenv("LESS", "FRX", 0);
    return pager;
}

/* Write text (ending it with a newline) to dest. An exit code. */
static int s_emit(cli_t *cli, const char *text, const s_dest_t *dest)
{
    size_t n = strlen(text);
    bool nl = n == 0 || text[n - 1] != '\n';
    const char *pager = dest->page && !dest->path ? s_pager(cli) : NULL;
    FILE *f = pager ? popen(pager, "w") : dest->path ? fopen(dest->path, "w") : cli->out;
    if (!f && dest->path) {
        fprintf(cli->errs, "lode: error: %s: %s\n", dest->path, strerror(errno));
        return CLI_EXIT_ERROR;
    }
    if (!f) /* no pager after all: straight to stdout */
        f = cli->out, pager = NULL;
    /* A pager quit early (q) closes the pipe: that is no error. */
    void (*old)(int) = pager ? signal(SIGPIPE, SIG_IGN) : SIG_DFL;
    bool ok = fwrite(text, 1, n, f) == n && (!nl || fputc('\n', f) != EOF);
    int rc = CLI_EXIT_OK;
    if (pager) {
        int st = pclose(f);
        signal(SIGPIPE, old);
        /* 127: the shell found no such pager; the page is not lost. */
        if (st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 127)
            fprintf(cli->out, "%s%s", text, nl ? "\n" : "");
    } else if (dest->path) {
        ok = fclose(f) == 0 && ok;
        if (!ok) {
            fprintf(cli->errs, "lode: error: %s: %s\n", dest->path, strerror(errno));
            rc = CLI_EXIT_ERROR;
        }
    }
    return rc;
}

/* Load job id and print its document in the given form. */
static int s_print_doc(
    cli_t *cli, const char *id, const char *format, int flags, bool all, const s_dest_t *dest)
{
    err_t err = {0};
    store_t *store = cli_store(cli, &err);
    if (!store)
        return cli_fail(cli, &err);
    store_job_t job;
    doc_t *doc = jobdoc_load(store, id, &job, &err);
    if (!doc)
        return cli_fail(cli, &err);
    char *out = NULL;
    if (strcmp(format, "md") == 0) {
        out = doc_to_markdown(doc);
    } else if (strcmp(format, "page") == 0) {
        char *json = doc_to_json(doc, 0);
        render_opts_t opts = {.all = all};
        out = render_page(json, &opts, &err);
        free(json);
    } else {
        out = doc_to_json(doc, flags);
    }
    int rc = out ? s_emit(cli, out, dest) : cli_fail(cli, &err);
    free(out);
    doc_destroy(&doc);
    store_job_clear(&job);
    return rc;
}

int view_show_run(cli_t *cli, int argc, char **argv)
{
    bool all = false, json = false, stats = false;
    const char *prices = NULL;
    const cli_opt_t opts[] = {{"--all", NULL, &all},
                              {"--json", NULL, &json},
                              {"--stats", NULL, &stats},
                              {"--prices", &prices, NULL},
                              {NULL, NULL, NULL}};
    const char *pos[1];
    size_t n;
    int rc = cli_parse(cli, argc, argv, opts, pos, 1, &n);
    if (rc != 0)
        return cli_parse_exit(rc);
    if (n != 1)
        return cli_usage(cli, "show", "give one JOB");
    char id[JOB_ID_SIZE];
    if ((rc = jobref_arg(cli, &pos[0], id)) != CLI_EXIT_OK)
        return rc;
    if (stats)
        return usage_show_stats(cli, pos[0], json, prices);
    s_dest_t dest = {.page = !json};
    return s_print_doc(cli, pos[0], json ? "json" : "page", DOC_JSON_PRETTY, all, &dest);
}

int view_export_run(cli_t *cli, int argc, char **argv)
{
    bool compact = false;
    const char *format = "json", *path = NULL;
    const cli_opt_t opts[] = {{"--format", &format, NULL},
                              {"--compact", NULL, &compact},
                              {"-o", &path, NULL},
                              {"--output", &path, NULL},
                              {NULL, NULL, NULL}};
    const char *pos[1];
    size_t n;
    int rc = cli_parse(cli, argc, argv, opts, pos, 1, &n);
    if (rc != 0)
        return cli_parse_exit(rc);
    if (n != 1)
        return cli_usage(cli, "export", "give one JOB");
    if (strcmp(format, "markdown") == 0)
        format = "md";
    if (strcmp(format, "json") != 0 && strcmp(format, "md") != 0)
        return cli_usage(cli, "export", "--format is json or md, not \"%s\"", format);
    char id[JOB_ID_SIZE];
    if ((rc = jobref_arg(cli, &pos[0], id)) != CLI_EXIT_OK)
        return rc;
    s_dest_t dest = {.path = path && strcmp(path, "-") != 0 ? path : NULL};
    return s_print_doc(cli, pos[0], format, compact ? 0 : DOC_JSON_PRETTY, false, &dest);
}
