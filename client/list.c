/*  list.c - `lode list`: all jobs or one state's, newest first across
 *  partitions, through the library's pages (store_library_page: one call a
 *  partition a page, the state filtered in Redis); with --since or --batch,
 *  candidate ids (a time range of the "jobs" zset, or one batch) page by
 *  page, each job read and filtered, until --limit rows or LIST_SCAN_MAX
 *  ids read.
 *  SPDX-License-Identifier: MIT
 */
// clang-format off
#define _GNU_SOURCE /* strptime, timegm */
#include "list.h"
// clang-format on

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "job.h"
#include "mem.h"
#include "store.h"

#define LIST_DEFAULT    20
#define LIST_MAX        10000
#define LIST_TITLE_COLS 60
#define LIST_PAGE       500
#define LIST_SCAN_MAX   200000 /* ids read at most for one listing */

typedef struct {
    const char *state; /* or NULL */
    const char *batch; /* or NULL */
    int64_t since_ms;  /* 0: no bound */
    size_t limit;      /* rows */
} s_filter_t;

static json_t *s_str_or_null(const char *s)
{
    json_t *j = s && *s ? json_string(s) : NULL;
    return j ? j : json_null();
}

/* The source's title, if fetched. Caller frees. */
static char *s_title(store_t *store, const char *id)
{
    err_t err = {0};
    char *src = store_part_get(store, id, STORE_PART_SOURCE, NULL, &err);
    if (!src)
        return NULL;
    json_t *j = json_loads(src, 0, NULL);
    free(src);
    const char *t = json_string_value(json_object_get(j, "title"));
    char *out = t && *t ? mem_strdup(t) : NULL;
    json_decref(j);
    return out;
}

/* Print at most cols code points of s. */
static void s_put_cols(FILE *f, const char *s, size_t cols)
{
    size_t n = 0, i = 0;
    for (; s[i] && n < cols; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    while (s[i] && ((unsigned char)s[i] & 0xC0) == 0x80)
        i++;
    fprintf(f, "%.*s%s\n", (int)i, s, s[i] ? "…" : "");
}

static void s_row(cli_t *cli, store_t *store, const store_job_t *job, json_t *arr)
{
    char *title = s_title(store, job->id);
    const char *label = title ? title : job->name ? job->name : job->url ? job->url : "";
    if (arr) {
        json_array_append_new(
            arr, json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:I}", "id", job->id, "state", job->state,
                           "stage", job->stage, "kind", job->kind, "title", s_str_or_null(title),
                           "name", s_str_or_null(job->name), "url", s_str_or_null(job->url),
                           "created_ms", (json_int_t)job->created_ms));
    } else {
        fprintf(cli->out, "%-26s  %-7s  %-9s  %-4s  ", job->id, job->state, job->stage, job->kind);
        s_put_cols(cli->out, label, LIST_TITLE_COLS);
    }
    free(title);
}

/* The next page of candidate ids from offset, newest first. */
static int s_page(store_t *store,
                  const s_filter_t *f,
                  size_t offset,
                  char (**ids)[JOB_ID_SIZE],
                  size_t *n,
                  err_t *err)
{
    *ids = NULL;
    *n = 0;
    if (f->batch) {
        /* A batch's list is read whole, once, and turned newest first. */
        if (offset > 0 || store_batch_jobs(store, f->batch, ids, n, err) != 0)
            return offset > 0 ? 0 : -1;
        for (size_t i = 0; i < *n / 2; i++) {
            char tmp[JOB_ID_SIZE];
            memcpy(tmp, (*ids)[i], JOB_ID_SIZE);
            memcpy((*ids)[i], (*ids)[*n - 1 - i], JOB_ID_SIZE);
            memcpy((*ids)[*n - 1 - i], tmp, JOB_ID_SIZE);
        }
        return 0;
    }
    if (f->since_ms > 0) {
        store_time_range_t r = {.min_ms = f->since_ms,
                                .max_ms = INT64_MAX / 2,
                                .offset = offset,
                                .count = LIST_PAGE,
                                .newest = true};
        return store_job_list_range(store, &r, ids, n, err);
    }
    return store_job_list(store, offset, LIST_PAGE, ids, n, err);
}

static bool s_keep(const s_filter_t *f, const store_job_t *job)
{
    return (!f->state || strcmp(job->state, f->state) == 0) && job->created_ms >= f->since_ms;
}

/* Rows of one page; false when the listing is over (limit or an error). */
static bool s_rows(cli_t *cli,
                   store_t *store,
                   const s_filter_t *f,
                   char (*ids)[JOB_ID_SIZE],
                   size_t n,
                   size_t *shown,
                   json_t *arr,
                   int *rc)
{
    for (size_t i = 0; i < n && *shown < f->limit; i++) {
        store_job_t job;
        err_t err = {0};
        if (store_job_get(store, ids[i], &job, &err) != 0) {
            if (err.code != LODE_ENOTFOUND) /* else deleted since the listing: skip */
                return (*rc = cli_fail(cli, &err)), false;
            continue;
        }
        if (s_keep(f, &job)) {
            if (!arr && *shown == 0)
                fprintf(cli->out, "%-26s  %-7s  %-9s  %-4s  %s\n", "ID", "STATE", "STAGE", "KIND",
                        "TITLE");
            s_row(cli, store, &job, arr);
            (*shown)++;
        }
        store_job_clear(&job);
    }
    return *shown < f->limit;
}

/* One library row (store_library_page): the same columns as s_row. */
static void s_lib_row(cli_t *cli, const store_row_t *r, json_t *arr)
{
    const char *label = r->title[0] ? r->title : r->name[0] ? r->name : r->url;
    if (arr) {
        json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:I}", "id", r->id,
                                             "state", r->state, "stage", r->stage, "kind", r->kind,
                                             "title", s_str_or_null(r->title), "name",
                                             s_str_or_null(r->name), "url", s_str_or_null(r->url),
                                             "created_ms", (json_int_t)r->created_ms));
    } else {
        fprintf(cli->out, "%-26s  %-7s  %-9s  %-4s  ", r->id, r->state, r->stage, r->kind);
        s_put_cols(cli->out, label, LIST_TITLE_COLS);
    }
}

/* Every job, or those in one state: the library's pages, newest first
 * across partitions, the state filtered inside Redis. */
static int s_list_pages(cli_t *cli, store_t *store, const s_filter_t *f, json_t *arr)
{
    store_row_t *rows = mem_calloc(LIST_PAGE, sizeof *rows);
    store_page_t *page = mem_calloc(1, sizeof *page);
    char *cursor = mem_calloc(1, STORE_CURSOR_MAX);
    size_t shown = 0;
    int rc = CLI_EXIT_OK;
    for (size_t pages = 0; pages * LIST_PAGE < LIST_SCAN_MAX && shown < f->limit; pages++) {
        size_t want = f->limit - shown < LIST_PAGE ? f->limit - shown : LIST_PAGE;
        store_page_opts_t o = {.state = f->state, .cursor = cursor, .limit = want};
        err_t err = {0};
        if (store_library_page(store, &o, rows, page, &err) != 0) {
            rc = cli_fail(cli, &err);
            break;
        }
        if (!arr && shown == 0 && page->n > 0)
            fprintf(cli->out, "%-26s  %-7s  %-9s  %-4s  %s\n", "ID", "STATE", "STAGE", "KIND",
                    "TITLE");
        for (size_t i = 0; i < page->n; i++)
            s_lib_row(cli, &rows[i], arr);
        shown += page->n;
        if (!page->next[0])
            break;
        snprintf(cursor, STORE_CURSOR_MAX, "%s", page->next);
    }
    free(rows);
    free(page);
    free(cursor);
    return rc;
}

static int s_list(cli_t *cli, store_t *store, const s_filter_t *f, bool json)
{
    if (!f->batch && f->since_ms == 0) {
        json_t *arr = json ? json_array() : NULL;
        int rc = s_list_pages(cli, store, f, arr);
        if (arr && rc == CLI_EXIT_OK) {
            json_dumpf(arr, cli->out, JSON_PRESERVE_ORDER | JSON_INDENT(2));
            fputc('\n', cli->out);
        }
        json_decref(arr);
        return rc;
    }
    json_t *arr = json ? json_array() : NULL;
    int rc = CLI_EXIT_OK;
    size_t shown = 0;
    for (size_t offset = 0; offset < LIST_SCAN_MAX;) {
        char(*ids)[JOB_ID_SIZE] = NULL;
        size_t n = 0;
        err_t err = {0};
        if (s_page(store, f, offset, &ids, &n, &err) != 0) {
            rc = cli_fail(cli, &err);
            break;
        }
        bool more = n > 0 && s_rows(cli, store, f, ids, n, &shown, arr, &rc);
        free(ids);
        offset += n;
        if (!more || (f->batch && offset > 0))
            break;
    }
    if (arr && rc == CLI_EXIT_OK) {
        json_dumpf(arr, cli->out, JSON_PRESERVE_ORDER | JSON_INDENT(2));
        fputc('\n', cli->out);
    }
    json_decref(arr);
    return rc;
}

int64_t list_parse_since(const char *t, int64_t now_ms)
{
    char *end = NULL;
    double v = strtod(t, &end);

    static const struct {
        char unit;
        int64_t ms;
    } units[] = {{'s', 1000}, {'m', 60000}, {'h', 3600000}, {'d', 86400000}, {'w', 604800000}};

    if (end && end != t && *t >= '0' && *t <= '9' && end[0] && !end[1] && v >= 0) {
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
            if (end[0] == units[i].unit)
                return now_ms - (int64_t)(v * (double)units[i].ms);
    }
    static const char *const forms[] = {"%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d"};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        struct tm tm = {0};
        const char *rest = strptime(t, forms[i], &tm);
        if (rest && (*rest == '\0' || strcmp(rest, "Z") == 0))
            return (int64_t)timegm(&tm) * 1000;
    }
    return -1;
}

static bool s_state_known(const char *s)
{
    static const char *const states[] = {JOB_STATE_QUEUED, JOB_STATE_RUNNING, JOB_STATE_DONE,
                                         JOB_STATE_FAILED, JOB_STATE_EXPANDED};
    for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
        if (strcmp(s, states[i]) == 0)
            return true;
    return false;
}

int list_run(cli_t *cli, int argc, char **argv)
{
    bool json = false;
    const char *limit_s = NULL, *since = NULL;
    s_filter_t f = {0};
    const cli_opt_t opts[] = {{"--json", NULL, &json},     {"--limit", &limit_s, NULL},
                              {"--state", &f.state, NULL}, {"--batch", &f.batch, NULL},
                              {"--since", &since, NULL},   {NULL}};
    const char *pos[1];
    size_t n;
    int rc = cli_parse(cli, argc, argv, opts, pos, 0, &n);
    if (rc != 0)
        return cli_parse_exit(rc);
    long limit = LIST_DEFAULT;
    if (limit_s && cli_parse_count(limit_s, LIST_MAX, &limit) != 0)
        return cli_usage(cli, "list", "--limit wants a number from 1 to %d", LIST_MAX);
    f.limit = (size_t)limit;
    if (f.state && !s_state_known(f.state))
        return cli_usage(cli, "list",
                         "--state is queued, running, done, failed or expanded, not \"%s\"",
                         f.state);
    if (f.batch && !job_id_valid(f.batch))
        return cli_usage(cli, "list", "--batch wants a batch id, not \"%s\"", f.batch);
    if (since && (f.since_ms = list_parse_since(since, job_now_ms())) < 0)
        return cli_usage(cli, "list", "--since wants 30m, 2h, 7d or YYYY-MM-DD[THH:MM], not \"%s\"",
                         since);
    err_t err = {0};
    store_t *store = cli_store(cli, &err);
    if (!store)
        return cli_fail(cli, &err);
    return s_list(cli, store, &f, json);
}
