/*  bench_web.c - the workbench's figures (issue #13), printed:
 *  1. server time to render the document page of a 27,000-word transcript
 *     with 60 snippets (web_app_handle in process: no socket), median/p99;
 *  2. server time to render the library page with 100,000 documents in
 *     Redis (first page, a deep page), median/p99 (search: bench_search.c);
 *  3. curation round trip (HTTP POST on loopback to `lode web`, a real
 *     process, until the compare-and-set is stored) under 20 concurrent
 *     editors, each on its own 27,000-word document, p50/p99;
 *  4. VmRSS of that `lode web` across 10,000 mixed requests.
 *  Real redis-server and broker (tests/helpers/cluster.h); nothing but
 *  loopback. Options: -n DOCS (100000) -r RENDERS (200) -e EDITORS (20)
 *  -k EDITS per editor (100) -q REQUESTS (10000).
 *  SPDX-License-Identifier: MIT
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <hiredis/hiredis.h>

#include "benchtime.h"
#include "cluster.h"
#include "docfix.h"
#include "job.h"
#include "mem.h"
#include "web_app.h"

#define TOKEN "bench-token-0123456789abcdef0123456789"

/* Time n GETs of path through the app; prints median and p99. */
static void s_render(web_app_t *app,
                     const char *label,
                     const char *path,
                     const char *query_key,
                     const char *query_val,
                     int n)
{
    double *t = mem_calloc((size_t)n, sizeof *t);
    size_t bytes = 0;
    int status = 0;
    for (int i = 0; i < n; i++) {
        web_req_t q = {.method = "GET", .path = path, .host = "127.0.0.1:8420"};
        if (query_key) {
            q.args[0] = (web_arg_t){query_key, query_val, strlen(query_val), NULL};
            q.n_args = 1;
        }
        web_resp_t r;
        double t0 = benchtime_now_ms();
        web_app_handle(app, &q, &r);
        t[i] = benchtime_now_ms() - t0;
        bytes = r.len;
        status = r.status;
        web_resp_clear(&r);
    }
    printf("%-44s status %d, %7zu bytes: median %6.2f ms, p99 %6.2f ms (%d runs)\n", label, status,
           bytes, benchtime_pct(t, (size_t)n, 0.5), benchtime_pct(t, (size_t)n, 0.99), n);
    free(t);
}

/* n finished documents straight into Redis, pipelined (the library's load). */
static void s_seed_library(cluster_t *c, int n)
{
    const char *url = cluster_redis_url(c);
    int port = atoi(strrchr(url, ':') + 1);
    redisContext *r = redisConnect("127.0.0.1", port);
    static const char snips[] =
        "[{\"id\":1,\"quote\":\"a quote that grounds the claim in what was said\",\"commentary\":"
        "\"why it "
        "matters\",\"offset\":0,\"length\":46,\"kept\":true},{\"id\":2,\"quote\":\"another "
        "quote\",\"commentary\":\"and why\",\"offset\":60,\"length\":13,\"kept\":true}]";
    int64_t t0 = job_now_ms() - n;
    for (int i = 0; i < n; i++) {
        char id[JOB_ID_SIZE], src[160], created[24];
        job_new_id(id);
        snprintf(src, sizeof src, "{\"title\":\"Library document %d\",\"kind\":\"youtube\"}", i);
        snprintf(created, sizeof created, "%lld", (long long)(t0 + i));
        redisAppendCommand(r,
                           "HSET lode:job:%s id %s state done stage fanout kind url url "
                           "https://www.youtube.com/watch?v=bench%d created_ms %s",
                           id, id, i, created);
        redisAppendCommand(r, "ZADD lode:jobs %s %s", created, id);
        redisAppendCommand(r, "SET lode:job:%s:source %s", id, src);
        redisAppendCommand(r, "SET lode:job:%s:snippets %s", id, snips);
        if (i % 1000 == 999 || i == n - 1) {
            for (int k = 0; k < 4 * (i % 1000 + 1); k++) {
                void *reply = NULL;
                if (redisGetReply(r, &reply) == REDIS_OK)
                    freeReplyObject(reply);
            }
        }
    }
    redisFree(r);
}

/* --- `lode web` as a process ------------------------------------------- */

static pid_t s_web(cluster_t *c, int port)
{
    char lode[512], listen[64];
    snprintf(lode, sizeof lode, "%s/lode", cluster_bin_dir());
    snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        setenv("LODE_WEB_TOKEN", TOKEN, 1);
        if (!freopen("/dev/null", "w", stdout))
            _exit(127);
        execl(lode, lode, "--redis", cluster_redis_url(c), "--broker", cluster_broker_endpoint(c),
              "web", "--listen", listen, (char *)NULL);
        _exit(127);
    }
    usleep(300 * 1000);
    return pid;
}

static size_t s_keep(char *p, size_t size, size_t n, void *ud)
{
    char *buf = ud;
    size_t have = strlen(buf), add = size * n;
    if (have + add < 255) {
        memcpy(buf + have, p, add);
        buf[have + add] = '\0';
    }
    return size * n;
}

static CURL *s_handle(char *body)
{
    CURL *h = curl_easy_init();
    static struct curl_slist *hdrs;
    if (!hdrs) {
        hdrs = curl_slist_append(NULL, "Authorization: Bearer " TOKEN);
        hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, s_keep);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
    return h;
}

/* One request; its status. */
static long s_call(CURL *h, char *body, const char *url, const char *post)
{
    body[0] = '\0';
    curl_easy_setopt(h, CURLOPT_URL, url);
    if (post)
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, post);
    else
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    long code = 0;
    if (curl_easy_perform(h) == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    return code;
}

typedef struct {
    int port, edits;
    int pace_ms; /* time from one edit's start to the next (0: back to back) */
    char id[JOB_ID_SIZE];
    double *lat; /* edits entries */
    int fails;
} s_editor_t;

/* One editor: toggles snippets of its document, carrying the version. */
static void *s_editor(void *arg)
{
    s_editor_t *e = arg;
    char body[256] = "", url[128], post[160];
    CURL *h = s_handle(body);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/api/doc/%s/curate", e->port, e->id);
    long version = 0;
    for (int i = 0; i < e->edits; i++) {
        snprintf(post, sizeof post, "{\"op\":\"%s\",\"snippet\":%d,\"version\":%ld}",
                 (i / 60) % 2 ? "keep" : "drop", i % 60 + 1, version);
        double t0 = benchtime_now_ms();
        long code = s_call(h, body, url, post);
        e->lat[i] = benchtime_now_ms() - t0;
        if (e->pace_ms > e->lat[i])
            usleep((useconds_t)((e->pace_ms - e->lat[i]) * 1000));
        const char *v = strstr(body, "\"version\":");
        if (code == 200 && v)
            version = strtol(v + 10, NULL, 10);
        else
            e->fails++;
    }
    curl_easy_cleanup(h);
    return NULL;
}

static void s_editors(store_t *st, int port, int n, int edits, int pace_ms)
{
    s_editor_t *e = mem_calloc((size_t)n, sizeof *e);
    pthread_t *th = mem_calloc((size_t)n, sizeof *th);
    double *all = mem_calloc((size_t)(n * edits), sizeof *all);
    docfix_opts_t big = {.words = 27000, .snippets = 60, .title = "Editor's document"};
    for (int i = 0; i < n; i++) {
        err_t err = {0};
        if (docfix_job(st, &big, e[i].id, &err) != 0)
            fprintf(stderr, "docfix: %s\n", err.msg);
        e[i].port = port;
        e[i].edits = edits;
        e[i].lat = all + i * edits;
        e[i].pace_ms = pace_ms;
    }
    double t0 = benchtime_now_ms();
    for (int i = 0; i < n; i++)
        pthread_create(&th[i], NULL, s_editor, &e[i]);
    int fails = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(th[i], NULL);
        fails += e[i].fails;
    }
    double secs = (benchtime_now_ms() - t0) / 1000.0;
    size_t total = (size_t)(n * edits);
    char label[64];
    snprintf(label, sizeof label, "%d editors, %s", n,
             pace_ms ? "an edit / 250 ms each" : "back to back");
    printf("curation round trip, %-25s %zu stored, %d failed, %.0f/s: p50 %6.2f ms, p99 %6.2f ms\n",
           label, total - (size_t)fails, fails, (double)total / secs,
           benchtime_pct(all, total, 0.5), benchtime_pct(all, total, 0.99));
    free(all);
    free(th);
    free(e);
}

/* 10,000 requests of four kinds; VmRSS of `lode web` as they go. */
static void s_rss(pid_t web, int port, const char *big, int n)
{
    char body[256] = "", url[4][160], post[160];
    snprintf(url[0], sizeof url[0], "http://127.0.0.1:%d/", port);
    snprintf(url[1], sizeof url[1], "http://127.0.0.1:%d/doc/%s", port, big);
    snprintf(url[2], sizeof url[2], "http://127.0.0.1:%d/api/doc/%s/progress", port, big);
    snprintf(url[3], sizeof url[3], "http://127.0.0.1:%d/api/doc/%s/curate", port, big);
    CURL *h = s_handle(body);
    long rss[4] = {0};
    int marks[4] = {100, n / 10, n / 2, n}, m = 0, bad = 0;
    long version = 0;
    for (int i = 1; i <= n; i++) {
        int k = i % 4;
        snprintf(post, sizeof post, "{\"op\":\"%s\",\"snippet\":7,\"version\":%ld}",
                 i % 8 < 4 ? "drop" : "keep", version);
        long code = s_call(h, body, url[k], k == 3 ? post : NULL);
        const char *v = strstr(body, "\"version\":");
        if (k == 3 && code == 200 && v)
            version = strtol(v + 10, NULL, 10);
        bad += code != 200;
        if (m < 4 && i == marks[m])
            rss[m++] = cluster_rss_kb(web);
    }
    curl_easy_cleanup(h);
    printf("lode web VmRSS over %d requests (%d unexpected statuses): after %d %ld kB, %d %ld kB, "
           "%d %ld kB, %d %ld kB\n",
           n, bad, marks[0], rss[0], marks[1], rss[1], marks[2], rss[2], marks[3], rss[3]);
}

static void
s_opts(int argc, char **argv, int *docs, int *renders, int *editors, int *edits, int *reqs)
{
    int o;
    while ((o = getopt(argc, argv, "n:r:e:k:q:")) != -1) {
        int v = atoi(optarg);
        if (o == 'n')
            *docs = v;
        else if (o == 'r')
            *renders = v;
        else if (o == 'e')
            *editors = v;
        else if (o == 'k')
            *edits = v;
        else if (o == 'q')
            *reqs = v;
    }
}

int main(int argc, char **argv)
{
    int docs = 100000, renders = 200, editors = 20, edits = 100, reqs = 10000;
    s_opts(argc, argv, &docs, &renders, &editors, &edits, &reqs);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    err_t err = {0};
    cluster_opts_t co = {.no_workers = true, .log_level = "warn"};
    cluster_t *c = cluster_new(&co, &err);
    if (!c)
        return fprintf(stderr, "cluster: %s\n", err.msg), 1;
    store_opts_t so = {.url = cluster_redis_url(c)};
    store_t *st = store_new(&so, &err);
    char big[JOB_ID_SIZE], path[64];
    docfix_opts_t bo = {.words = 27000, .snippets = 60, .title = "A three-hour podcast"};
    if (!st || docfix_job(st, &bo, big, &err) != 0)
        return fprintf(stderr, "seed: %s\n", err.msg), 1;
    cli_t cli = {.redis_url = cluster_redis_url(c),
                 .broker = cluster_broker_endpoint(c),
                 .timeout_ms = 5000,
                 .out = stdout,
                 .errs = stderr};
    web_opts_t wo = {.cli = &cli, .loopback = true, .port = 8420, .redis_eager = true};
    web_app_t *app = web_app_new(&wo, &err);
    printf("== lode web benchmark (shared 2-core machine, loaded: figures vary run to run)\n");
    snprintf(path, sizeof path, "/doc/%s", big);
    s_render(app, "document page, 27,000 words, 60 snippets", path, NULL, NULL, renders);
    double t0 = benchtime_now_ms();
    s_seed_library(c, docs);
    printf("seeded %d library documents in %.1f s\n", docs, (benchtime_now_ms() - t0) / 1000.0);
    s_render(app, "library page 1 (newest 50)", "/", NULL, NULL, renders);
    char deep[32];
    snprintf(deep, sizeof deep, "%d", docs - 100);
    s_render(app, "library page at cursor N-100", "/", "cursor", deep, renders);
    /* Search goes through the index now: bench/web/search.sh measures it. */
    web_app_destroy(&app);
    int port = 18000 + (int)(getpid() % 20000);
    pid_t web = s_web(c, port);
    s_editors(st, port, editors, edits, 250);
    s_editors(st, port, editors, edits, 0);
    s_rss(web, port, big, reqs);
    kill(web, SIGTERM);
    waitpid(web, NULL, 0);
    store_destroy(&st);
    cluster_stop(c);
    cluster_destroy(&c);
    curl_global_cleanup();
    return 0;
}
