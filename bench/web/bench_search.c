/*  bench_search.c - the library's search and pages at 100,000 documents
 *  (issue #13), printed:
 *  1. the indexer's rate (searchidx_rebuild over every document);
 *  2. server time of the library page (web_app_handle in process, no
 *     socket) on one partition and on eight: first page and a deep page;
 *  3. server time of a search through the index: a word every document
 *     holds, a word 1 in 97 hold, two words about 10 documents hold
 *     together, two words never together, a word none holds; each page includes the indexing pass a
 *     search runs first (nothing to do here), median/p99.
 *  Real redis-server and broker (tests/helpers/cluster.h), loopback only.
 *  Options: -n DOCS (100000) -r RENDERS (200).
 *  SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "benchtime.h"
#include "cluster.h"
#include "job.h"
#include "mem.h"
#include "searchidx.h"
#include "store.h"
#include "web_app.h"

#define CHUNK 1000 /* jobs a submission */

/* A made-up word for number k ("qbax"): what titles are searched by. */
static void s_word(int k, char out[8])
{
    out[0] = 'q';
    for (int i = 1; i < 5; i++, k /= 26)
        out[i] = (char)('a' + k % 26);
    out[5] = '\0';
}

/* One chunk of finished documents: submitted through the store (ids in
 * every partition), then made done with a source and snippets, pipelined. */
static void s_chunk(store_t *st, redisContext *r, const char *prefix, int from, int n)
{
    static const char snips[] =
        "[{\"id\":1,\"quote\":\"a quote that grounds the claim in what was said\",\"commentary\":"
        "\"why it matters\",\"offset\":0,\"length\":46,\"kept\":true}]";
    store_item_t *items = mem_calloc((size_t)n, sizeof *items);
    char(*ids)[JOB_ID_SIZE] = mem_calloc((size_t)n, JOB_ID_SIZE), batch[JOB_ID_SIZE];
    for (int i = 0; i < n; i++)
        items[i] = (store_item_t){.kind = "text", .body = "x", .body_len = 1};
    err_t err = {0};
    if (store_submit(st, "bench", items, (size_t)n, ids, batch, &err) != 0)
        fprintf(stderr, "submit: %s\n", err.msg);
    bool tagged = store_partitions(st) > 1;
    for (int i = 0; i < n; i++) {
        char key[128], a[8], b[8], src[160];
        int p = store_job_partition(st, ids[i], NULL);
        if (tagged)
            snprintf(key, sizeof key, "%s{p%d}:job:%s", prefix, p, ids[i]);
        else
            snprintf(key, sizeof key, "%sjob:%s", prefix, ids[i]);
        s_word((from + i) % 97, a);
        s_word(1000 + (from + i) % 101, b);
        snprintf(src, sizeof src, "{\"title\":\"Library document %d on %s and %s\"}", from + i, a,
                 b);
        redisAppendCommand(r, "HSET %s state done stage fanout", key);
        redisAppendCommand(r, "SET %s:source %s", key, src);
        redisAppendCommand(r, "SET %s:snippets %s", key, snips);
    }
    for (int k = 0; k < 3 * n; k++) {
        void *reply = NULL;
        if (redisGetReply(r, &reply) == REDIS_OK)
            freeReplyObject(reply);
    }
    free(items);
    free(ids);
}

static store_t *s_seed(cluster_t *c, const char *prefix, int parts, int docs)
{
    err_t err = {0};
    store_opts_t so = {.url = cluster_redis_url(c), .prefix = prefix, .partitions = parts};
    store_t *st = store_new(&so, &err);
    const char *url = cluster_redis_url(c);
    redisContext *r = redisConnect("127.0.0.1", atoi(strrchr(url, ':') + 1));
    double t0 = benchtime_now_ms();
    for (int i = 0; st && i < docs; i += CHUNK)
        s_chunk(st, r, prefix, i, docs - i < CHUNK ? docs - i : CHUNK);
    redisFree(r);
    printf("P=%d: seeded %d documents in %.1f s\n", parts, docs,
           (benchtime_now_ms() - t0) / 1000.0);
    searchidx_t *idx = searchidx_new();
    size_t n = 0;
    t0 = benchtime_now_ms();
    if (st && searchidx_rebuild(idx, st, &n, &err) != 0)
        fprintf(stderr, "reindex: %s\n", err.msg);
    double s = (benchtime_now_ms() - t0) / 1000.0;
    printf("P=%d: indexed %zu documents in %.1f s (%.0f a second, one process)\n", parts, n, s,
           (double)n / s);
    searchidx_destroy(&idx);
    return st;
}

/* Time n GETs of / with one argument through the app; median and p99. */
static void s_render(web_app_t *app, const char *label, const char *key, const char *val, int n)
{
    double *t = mem_calloc((size_t)n, sizeof *t);
    size_t bytes = 0, rows = 0;
    int status = 0;
    for (int i = 0; i < n; i++) {
        web_req_t q = {.method = "GET", .path = "/", .host = "127.0.0.1:8420"};
        if (key) {
            q.args[0] = (web_arg_t){key, val, strlen(val), NULL};
            q.n_args = 1;
        }
        web_resp_t r;
        double t0 = benchtime_now_ms();
        web_app_handle(app, &q, &r);
        t[i] = benchtime_now_ms() - t0;
        bytes = r.len;
        status = r.status;
        rows = 0;
        for (const char *p = r.body; p && (p = strstr(p, "<td class=\"title\">")); p++)
            rows++;
        web_resp_clear(&r);
    }
    printf("%-46s status %d, %3zu rows, %6zu bytes: median %6.2f ms, p99 %6.2f ms (%d runs)\n",
           label, status, rows, bytes, benchtime_pct(t, (size_t)n, 0.5),
           benchtime_pct(t, (size_t)n, 0.99), n);
    free(t);
}

static void s_figures(cluster_t *c, const char *prefix, int parts, int docs, int renders)
{
    cli_t cli = {.redis_url = cluster_redis_url(c),
                 .broker = cluster_broker_endpoint(c),
                 .prefix = prefix,
                 .timeout_ms = 5000,
                 .out = stdout,
                 .errs = stderr};
    err_t err = {0};
    web_opts_t wo = {.cli = &cli, .loopback = true, .port = 8420, .redis_eager = true};
    web_app_t *app = web_app_new(&wo, &err);
    char label[96], deep[STORE_CURSOR_MAX] = "", a[8], b[8], c6[8], both[24], apart[24];
    /* A cursor 100 documents from the end: each partition's share of it. */
    for (int p = 0, o = 0; p < parts; p++)
        o +=
            snprintf(deep + o, sizeof deep - (size_t)o, "%s%d", p ? "." : "", (docs - 100) / parts);
    snprintf(label, sizeof label, "P=%d library page 1 (newest 50)", parts);
    s_render(app, label, NULL, NULL, renders);
    snprintf(label, sizeof label, "P=%d library page 100 from the end", parts);
    s_render(app, label, "cursor", deep, renders);
    s_word(5, a);
    s_word(1007, b);
    s_word(6, c6);
    snprintf(both, sizeof both, "%s %s", a, b);
    snprintf(apart, sizeof apart, "%s %s", a, c6);
    static const char *const what[] = {"every doc", "1 in 97", "2 words, ~10 docs",
                                       "2 words never together", "no doc"};
    const char *q[] = {"documents", a, both, apart, "zzzzword"};
    for (int i = 0; i < 5; i++) {
        snprintf(label, sizeof label, "P=%d search \"%s\" (%s)", parts, q[i], what[i]);
        s_render(app, label, "q", q[i], renders);
    }
    web_app_destroy(&app);
}

int main(int argc, char **argv)
{
    int docs = 100000, renders = 200, o;
    while ((o = getopt(argc, argv, "n:r:")) != -1) {
        if (o == 'n')
            docs = atoi(optarg);
        else if (o == 'r')
            renders = atoi(optarg);
    }
    err_t err = {0};
    cluster_opts_t co = {.no_workers = true, .log_level = "warn"};
    cluster_t *c = cluster_new(&co, &err);
    if (!c)
        return fprintf(stderr, "cluster: %s\n", err.msg), 1;
    printf(
        "== library search benchmark (shared 2-core machine, loaded: figures vary run to run)\n");
    store_t *one = s_seed(c, "lode:", 1, docs);
    s_figures(c, "lode:", 1, docs, renders);
    store_t *eight = s_seed(c, "p8:", 8, docs);
    s_figures(c, "p8:", 8, docs, renders);
    store_destroy(&one);
    store_destroy(&eight);
    cluster_stop(c);
    cluster_destroy(&c);
    return 0;
}
