/*  view.c - show and export one job's document.
 *  SPDX-License-Identifier: MIT
 */
#include "view.h"

#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "jobdoc.h"
#include "render.h"
#include "usage.h"

/* Load job id and print its document in the given form. */
static int s_print_doc(cli_t *cli, const char *id, const char *format, int flags, bool all)
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
    int rc = out ? CLI_EXIT_OK : cli_fail(cli, &err);
    if (out) {
        size_t n = strlen(out);
        fputs(out, cli->out);
        if (n == 0 || out[n - 1] != '\n')
            fputc('\n', cli->out);
    }
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
    if (stats)
        return usage_show_stats(cli, pos[0], json, prices);
    return s_print_doc(cli, pos[0], json ? "json" : "page", DOC_JSON_PRETTY, all);
}

int view_export_run(cli_t *cli, int argc, char **argv)
{
    bool compact = false;
    const char *format = "json";
    const cli_opt_t opts[] = {
        {"--format", &format, NULL}, {"--compact", NULL, &compact}, {NULL, NULL, NULL}};
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
    return s_print_doc(cli, pos[0], format, compact ? 0 : DOC_JSON_PRETTY, false);
}
