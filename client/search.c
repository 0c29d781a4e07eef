/*  search.c - `lode search`: the jobs whose titles, kept quotes or
 *  commentary hold every word of the query, newest first, through the same
 *  index and store call as the workbench's library (store_library_page);
 *  one small indexing pass first so a curation edit just made is found.
 *  SPDX-License-Identifier: MIT
 */
#include "search.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mem.h"
#include "searchidx.h"
#include "store.h"

#define SEARCH_DEFAULT 20
#define SEARCH_MAX     1000
#define SEARCH_PAGE    100
#define SEARCH_QUERY   1024 /* bytes of the query kept */
#define SEARCH_FRESH   50   /* jobs a partition indexed before searching */

static void s_print(cli_t *cli, const store_row_t *r, json_t *arr, size_t *shown)
{
    const char *label = r->title[0] ? r->title : r->name[0] ? r->name : r->url;
    if (arr) {
        json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:b}", "id", r->id,
                                             "title", r->title, "state", r->state, "kind", r->kind,
                                             "url", r->url, "created_ms", (json_int_t)r->created_ms,
                                             "snippets", (json_int_t)r->snippets, "curated",
                                             r->curated_version > 0));
    } else {
        if (*shown == 0)
            fprintf(cli->out, "%-26s  %-7s  %-4s  %s\n", "ID", "STATE", "KIND", "TITLE");
        fprintf(cli->out, "%-26s  %-7s  %-4s  %.80s\n", r->id, r->state, r->kind, label);
    }
    (*shown)++;
}

/* Pages of the search until limit rows or the end. */
static int s_search(cli_t *cli, store_t *store, store_page_opts_t *o, size_t limit, json_t *arr)
{
    store_row_t *rows = mem_calloc(SEARCH_PAGE, sizeof *rows);
    store_page_t *page = mem_calloc(1, sizeof *page);
    char cursor[STORE_CURSOR_MAX] = "";
    size_t shown = 0;
    int rc = CLI_EXIT_OK;
    for (;;) {
        err_t err = {0};
        o->cursor = cursor;
        o->limit = limit - shown < SEARCH_PAGE ? limit - shown : SEARCH_PAGE;
        if (store_library_page(store, o, rows, page, &err) != 0) {
            rc = cli_fail(cli, &err);
            break;
        }
        for (size_t i = 0; i < page->n; i++)
            s_print(cli, &rows[i], arr, &shown);
        if (!page->next[0] || shown >= limit)
            break;
        snprintf(cursor, sizeof cursor, "%s", page->next);
    }
    if (rc == CLI_EXIT_OK && !arr && shown == 0)
        fprintf(cli->errs, "lode: nothing found\n");
    free(rows);
    free(page);
    return rc;
}

/* The positional words as one query. */
static void s_join(const char **pos, size_t n, char *q, size_t cap)
{
    size_t o = 0;
    q[0] = '\0';
    for (size_t i = 0; i < n && o + 1 < cap; i++)
        o += (size_t)snprintf(q + o, cap - o, "%s%s", i ? " " : "", pos[i]);
}

int search_run(cli_t *cli, int argc, char **argv)
{
    bool json = false;
    const char *limit_s = NULL;
    store_page_opts_t o = {0};
    const cli_opt_t opts[] = {{"--json", NULL, &json},
                              {"--limit", &limit_s, NULL},
                              {"--state", &o.state, NULL},
                              {"--kind", &o.kind, NULL},
                              {NULL}};
    const char *pos[16];
    size_t n;
    int rc = cli_parse(cli, argc, argv, opts, pos, 16, &n);
    if (rc != 0)
        return cli_parse_exit(rc);
    if (n == 0)
        return cli_usage(cli, "search", "what to search for?");
    long limit = SEARCH_DEFAULT;
    if (limit_s && cli_parse_count(limit_s, SEARCH_MAX, &limit) != 0)
        return cli_usage(cli, "search", "--limit wants a number from 1 to %d", SEARCH_MAX);
    char q[SEARCH_QUERY];
    s_join(pos, n, q, sizeof q);
    err_t err = {0};
    store_t *store = cli_store(cli, &err);
    if (!store)
        return cli_fail(cli, &err);
    searchidx_t *idx = searchidx_new();
    searchidx_query(idx, q, &o);
    if (o.n_words == 0) {
        searchidx_destroy(&idx);
        return cli_usage(cli, "search", "\"%s\" has only words too common to search for", q);
    }
    json_t *arr = json ? json_array() : NULL;
    if (searchidx_pass(idx, store, SEARCH_FRESH, NULL, NULL, &err) != 0)
        rc = cli_fail(cli, &err);
    else
        rc = s_search(cli, store, &o, (size_t)limit, arr);
    if (arr && rc == CLI_EXIT_OK) {
        json_dumpf(arr, cli->out, JSON_PRESERVE_ORDER | JSON_INDENT(2));
        fputc('\n', cli->out);
    }
    json_decref(arr);
    searchidx_destroy(&idx);
    return rc;
}

int search_reindex(cli_t *cli, bool json)
{
    err_t err = {0};
    store_t *store = cli_store(cli, &err);
    if (!store)
        return cli_fail(cli, &err);
    searchidx_t *idx = searchidx_new();
    size_t n = 0;
    int rc = searchidx_rebuild(idx, store, &n, &err);
    searchidx_destroy(&idx);
    if (rc != 0)
        return cli_fail(cli, &err);
    if (json)
        fprintf(cli->out, "{\"indexed\":%zu}\n", n);
    else
        fprintf(cli->out, "indexed %zu jobs for search\n", n);
    return CLI_EXIT_OK;
}
