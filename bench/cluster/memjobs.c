/*  memjobs.c - Redis memory of mined jobs, measured: mines the 2,217-word
 *  talk (seeds/000) and a 3-hour podcast transcript (a generated WebVTT of
 *  ~27,000 words, see s_podcast_words) through a real broker and one
 *  default-engine worker per stage, copies each job as the programs stored
 *  it (its hash and every part, read back through the store), stops the
 *  programs, and then for parts stored raw (LODE_COMPRESS_MIN=0) and zstd
 *  level 3 (parts of 1 KB or more):
 *  - bytes a job: MEMORY USAGE (SAMPLES 0) of one copy's keys, key by key;
 *  - 100,000 jobs: FLUSHALL, used_memory, the talk job written under N
 *    distinct ids through the store API (store_submit in chunks of 1,000,
 *    the mined hash fields, store_part_set of every part), used_memory
 *    again: the growth, measured, not extrapolated.
 *  Program code: it prints. Loopback only.
 *  SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "cluster.h"
#include "job.h"
#include "mem.h"
#include "store.h"

#define S_TALK      "seeds/000_a5cf945eb98e69f0.txt"
#define S_NEWS      "../shared/bench/article-extraction/ground-truth.json"
#define S_PARTS     10
#define S_CHUNK     1000
#define S_CUE_WORDS 25 /* words a cue; a cue every 10 s: 27,000 words = 3 hours */

static const char *const s_parts[S_PARTS] = {STORE_PART_SOURCE,        STORE_PART_TRANSCRIPT,
                                             STORE_PART_SNIPPETS,      STORE_PART_SYNTHESIS,
                                             STORE_PART_FANOUT,        STORE_PART_CURATED,
                                             STORE_PART_SNIPPETS_META, STORE_PART_SYNTHESIS_META,
                                             STORE_PART_FANOUT_META,   STORE_PART_INPUT};

/* A mined job as stored: its hash (field, value pairs) and its parts as
 * the programs read them (decompressed). */
typedef struct {
    char **fields; /* 2 * n_fields strings */
    size_t *flen;
    size_t n_fields;
    char *part[S_PARTS]; /* NULL: the job has none */
    size_t plen[S_PARTS];
} s_copy_t;

/* --- the podcast fixture ---------------------------------------------------- */

static void s_append(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (*len + n + 1 > *cap) {
        *cap = (*len + n + 1) * 2;
        *buf = mem_realloc(*buf, *cap);
    }
    memcpy(*buf + *len, s, n);
    *len += n;
    (*buf)[*len] = '\0';
}

/* Words of real prose, at least want of them, space-separated: the bodies
 * of the 181-page news set (../shared/bench, read in place, never copied),
 * in file order; without it, the seeds' prose repeated, which compresses
 * better than speech would (said in *what). Caller frees. */
static char *s_podcast_words(size_t want, const char **what)
{
    json_t *doc = json_load_file(S_NEWS, 0, NULL);
    char *text = NULL;
    size_t len = 0, cap = 0, words = 0;
    const char *key;
    json_t *v;
    json_object_foreach(doc, key, v)
    {
        const char *body = json_string_value(json_object_get(v, "articleBody"));
        for (const char *p = body; p && *p && words < want; p++)
            words += (p == body || p[-1] == ' ' || p[-1] == '\n') && *p != ' ' && *p != '\n';
        if (body)
            s_append(&text, &len, &cap, body, strlen(body));
        s_append(&text, &len, &cap, " ", 1);
        if (words >= want)
            break;
    }
    json_decref(doc);
    *what = "news article bodies of ../shared/bench/article-extraction in file order";
    if (words >= want)
        return text;
    free(text);
    text = NULL;
    len = cap = 0;
    char *seed = cluster_prose(want); /* the seed's paragraphs, once */
    while (seed && len < want * 7)
        s_append(&text, &len, &cap, seed, strlen(seed));
    free(seed);
    *what = "seeds/000 prose repeated (no ../shared/bench: compresses better than speech)";
    return text;
}

/* A WebVTT of want words: cues of S_CUE_WORDS words every 10 s, the host
 * and the guest taking turns every 8 cues. Caller frees; *words set. */
static char *s_podcast_vtt(size_t want, size_t *words, const char **what)
{
    char *prose = s_podcast_words(want, what);
    char *out = NULL, *save = NULL;
    size_t len = 0, cap = 0;
    s_append(&out, &len, &cap, "WEBVTT\n\n", 8);
    *words = 0;
    char *w = prose ? strtok_r(prose, " \n\t", &save) : NULL;
    for (int cue = 0; w && *words < want; cue++) {
        char head[96];
        int t = cue * 10;
        int n =
            snprintf(head, sizeof head, "%02d:%02d:%02d.000 --> %02d:%02d:%02d.000\n%s: ", t / 3600,
                     t / 60 % 60, t % 60, (t + 10) / 3600, (t + 10) / 60 % 60, (t + 10) % 60,
                     cue / 8 % 2 ? "Guest" : "Host");
        s_append(&out, &len, &cap, head, (size_t)n);
        for (int k = 0; k < S_CUE_WORDS && w; k++, (*words)++) {
            s_append(&out, &len, &cap, w, strlen(w));
            s_append(&out, &len, &cap, " ", 1);
            w = strtok_r(NULL, " \n\t", &save);
        }
        s_append(&out, &len, &cap, "\n\n", 2);
    }
    free(prose);
    return out;
}

/* --- mining and copying ------------------------------------------------------ */

/* Mine one file; its id (caller frees) or NULL. */
static char *s_mine(cluster_t *c, const char *name, const char *text)
{
    char *path = cluster_write_file(c, name, text, strlen(text));
    const char *args[] = {path, NULL};
    char *ids[1] = {NULL};
    int n = path ? cluster_submit_argv(c, args, ids, 1) : -1;
    free(path);
    char *state = n == 1 ? cluster_wait_job(c, ids[0], 900000) : NULL;
    bool done = state && strcmp(state, "done") == 0;
    if (!done)
        fprintf(stderr, "memjobs: %s did not end done (%s)\n", name, state ? state : "timeout");
    free(state);
    if (!done) {
        free(ids[0]);
        return NULL;
    }
    return ids[0];
}

static int s_capture(redisContext *rc, store_t *st, const char *id, s_copy_t *out)
{
    memset(out, 0, sizeof *out);
    redisReply *r = redisCommand(rc, "HGETALL lode:job:%s", id);
    if (!r || r->type != REDIS_REPLY_ARRAY) {
        freeReplyObject(r);
        return -1;
    }
    out->n_fields = r->elements / 2;
    out->fields = mem_calloc(r->elements + 1, sizeof *out->fields);
    out->flen = mem_calloc(r->elements + 1, sizeof *out->flen);
    for (size_t i = 0; i < r->elements; i++) {
        out->fields[i] = mem_strndup(r->element[i]->str, r->element[i]->len);
        out->flen[i] = r->element[i]->len;
    }
    freeReplyObject(r);
    for (int p = 0; p < S_PARTS; p++) {
        err_t err = {0};
        if (strcmp(s_parts[p], STORE_PART_INPUT) != 0)
            out->part[p] = store_part_get(st, id, s_parts[p], &out->plen[p], &err);
    }
    return 0;
}

static void s_copy_free(s_copy_t *c)
{
    for (size_t i = 0; i < c->n_fields * 2; i++)
        free(c->fields[i]);
    free(c->fields);
    free(c->flen);
    for (int p = 0; p < S_PARTS; p++)
        free(c->part[p]);
}

/* The mined hash over each of ids[0..k) (its own id kept), pipelined. */
static int s_hashes(redisContext *rc, const s_copy_t *job, char (*ids)[JOB_ID_SIZE], int k)
{
    const char **argv = mem_calloc(job->n_fields * 2 + 2, sizeof *argv);
    size_t *alen = mem_calloc(job->n_fields * 2 + 2, sizeof *alen);
    char key[96];
    for (int i = 0; i < k; i++) {
        snprintf(key, sizeof key, "lode:job:%s", ids[i]);
        redisAppendCommand(rc, "DEL %s", key);
        argv[0] = "HSET";
        argv[1] = key;
        alen[0] = 4;
        alen[1] = strlen(key);
        for (size_t f = 0; f < job->n_fields * 2; f++) {
            bool is_id = f % 2 == 1 && strcmp(job->fields[f - 1], "id") == 0;
            argv[2 + f] = is_id ? ids[i] : job->fields[f];
            alen[2 + f] = is_id ? JOB_ID_LEN : job->flen[f];
        }
        redisAppendCommandArgv(rc, (int)job->n_fields * 2 + 2, argv, alen);
    }
    int rc_all = 0;
    for (int i = 0; i < 2 * k; i++) {
        redisReply *r = NULL;
        if (redisGetReply(rc, (void **)&r) != REDIS_OK || r->type == REDIS_REPLY_ERROR)
            rc_all = -1;
        freeReplyObject(r);
    }
    free(argv);
    free(alen);
    return rc_all;
}

/* n copies of job under new ids (store_submit in chunks, then the mined
 * hash over the new one, then every part through store_part_set); the
 * fetch queue emptied (a mined job is on no queue). ids of the first chunk
 * in first (if not NULL). 0, or -1. */
static int s_write(redisContext *rc, store_t *st, const s_copy_t *job, int n, char *first)
{
    store_item_t *items = mem_calloc(S_CHUNK, sizeof *items);
    char(*ids)[JOB_ID_SIZE] = mem_calloc(S_CHUNK, sizeof *ids);
    for (int i = 0; i < S_CHUNK; i++)
        items[i] = (store_item_t){.kind = "file", .name = "x.txt", .body = "x", .body_len = 1};
    int rc_all = 0;
    for (int done = 0; done < n && rc_all == 0; done += S_CHUNK) {
        int k = n - done < S_CHUNK ? n - done : S_CHUNK;
        char batch[JOB_ID_SIZE];
        err_t err = {0};
        if (store_submit(st, "mem", items, (size_t)k, ids, batch, &err) != 0) {
            fprintf(stderr, "memjobs: submit: %s\n", err.msg);
            rc_all = -1;
            break;
        }
        if (first && done == 0)
            memcpy(first, ids[0], JOB_ID_SIZE);
        rc_all = s_hashes(rc, job, ids, k);
        for (int i = 0; i < k && rc_all == 0; i++)
            for (int p = 0; p < S_PARTS && rc_all == 0; p++)
                if (job->part[p])
                    rc_all =
                        store_part_set(st, ids[i], s_parts[p], job->part[p], job->plen[p], &err);
        freeReplyObject(redisCommand(rc, "DEL lode:queue:fetch"));
    }
    free(items);
    free(ids);
    return rc_all;
}

/* --- measuring ----------------------------------------------------------------- */

static long long s_used_memory(redisContext *rc)
{
    redisReply *r = redisCommand(rc, "INFO memory");
    const char *at = r && r->type == REDIS_REPLY_STRING ? strstr(r->str, "used_memory:") : NULL;
    long long v = at ? atoll(at + 12) : -1;
    freeReplyObject(r);
    return v;
}

static long long s_usage(redisContext *rc, const char *key)
{
    redisReply *r = redisCommand(rc, "MEMORY USAGE %s SAMPLES 0", key);
    long long v = r && r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
    freeReplyObject(r);
    return v;
}

/* One copy of job written; its keys' MEMORY USAGE printed, key by key. */
static long long s_per_job(redisContext *rc, store_t *st, const s_copy_t *job, const char *label)
{
    char id[JOB_ID_SIZE] = "", key[128], line[1024];
    if (s_write(rc, st, job, 1, id) != 0)
        return -1;
    snprintf(key, sizeof key, "lode:job:%s", id);
    long long total = s_usage(rc, key);
    int len = snprintf(line, sizeof line, "hash=%lld", total);
    for (int p = 0; p < S_PARTS; p++) {
        if (!job->part[p])
            continue;
        snprintf(key, sizeof key, "lode:job:%s:%s", id, s_parts[p]);
        long long b = s_usage(rc, key);
        total += b;
        if (len < (int)sizeof line - 64)
            len += snprintf(line + len, sizeof line - (size_t)len, " %s=%lld", s_parts[p], b);
    }
    printf("  %-34s %8lld bytes/job: %s\n", label, total, line);
    return total;
}

static store_t *s_store(const char *url, bool zip)
{
    if (zip)
        unsetenv("LODE_COMPRESS_MIN");
    else
        setenv("LODE_COMPRESS_MIN", "0", 1);
    store_opts_t o = {.url = url, .timeout_ms = 10000};
    err_t err = {0};
    store_t *st = store_new(&o, &err);
    if (!st)
        fprintf(stderr, "memjobs: store: %s\n", err.msg);
    return st;
}

/* Both modes: bytes a job for the talk and the podcast, then N talk jobs. */
static int
s_measure(cluster_t *c, redisContext *rc, const s_copy_t *talk, const s_copy_t *pod, int n)
{
    for (int zip = 0; zip < 2; zip++) {
        const char *mode = zip ? "zstd level 3, parts >= 1 KB" : "raw (LODE_COMPRESS_MIN=0)";
        store_t *st = s_store(cluster_redis_url(c), zip);
        if (!st)
            return -1;
        freeReplyObject(redisCommand(rc, "FLUSHALL"));
        printf("%s:\n", mode);
        char label[64];
        snprintf(label, sizeof label, "talk (seeds/000)");
        if (s_per_job(rc, st, talk, label) < 0)
            return -1;
        snprintf(label, sizeof label, "3-hour podcast");
        if (s_per_job(rc, st, pod, label) < 0)
            return -1;
        freeReplyObject(redisCommand(rc, "FLUSHALL"));
        long long before = s_used_memory(rc);
        int64_t t0 = cluster_now_ms();
        if (s_write(rc, st, talk, n, NULL) != 0)
            return -1;
        long long after = s_used_memory(rc);
        printf("  %d talk jobs: used_memory %lld -> %lld bytes: %.1f MB, %lld bytes/job "
               "(measured; written in %.0f s)\n",
               n, before, after, (after - before) / 1e6, (after - before) / n,
               (cluster_now_ms() - t0) / 1000.0);
        store_destroy(&st);
    }
    return 0;
}

/* Mine the talk and the podcast, copy both, stop the programs. 0 or 1. */
static int s_prepare(cluster_t *c,
                     redisContext *rc,
                     const char *talk_text,
                     const char *vtt,
                     s_copy_t *talk,
                     s_copy_t *pod)
{
    int64_t t0 = cluster_now_ms();
    char *talk_id = s_mine(c, "talk.txt", talk_text);
    char *pod_id = talk_id ? s_mine(c, "podcast.vtt", vtt) : NULL;
    printf("memjobs: mined both in %.0f s (default engine)\n", (cluster_now_ms() - t0) / 1000.0);
    store_t *st = s_store(cluster_redis_url(c), true);
    int rc_main = 1;
    if (pod_id && st && s_capture(rc, st, talk_id, talk) == 0) {
        if (s_capture(rc, st, pod_id, pod) == 0)
            rc_main = 0;
        else
            s_copy_free(talk);
    }
    store_destroy(&st);
    cluster_signal_broker(c, SIGTERM, 5000); /* nothing else writes now */
    for (int s = 0; s < CLUSTER_STAGES; s++)
        cluster_signal_worker(c, s, 0, SIGTERM, 5000);
    free(talk_id);
    free(pod_id);
    return rc_main;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 100000;
    size_t want = argc > 2 ? (size_t)atol(argv[2]) : 27000;
    char *talk_text = cluster_read_file(S_TALK, 1u << 20, NULL);
    const char *what = "";
    size_t words = 0;
    char *vtt = s_podcast_vtt(want, &words, &what);
    if (!talk_text || !vtt || n <= 0) {
        fprintf(stderr, "usage: memjobs [JOBS [PODCAST_WORDS]] (from the repo root)\n");
        return 2;
    }
    cluster_opts_t co = {.log_level = "warn"};
    err_t err = {0};
    cluster_t *c = cluster_new(&co, &err);
    if (!c) {
        fprintf(stderr, "memjobs: cluster: %s\n", err.msg);
        return 1;
    }
    printf("memjobs: podcast fixture: WebVTT, %zu words in %zu cues of %d words 10 s apart "
           "(%zu bytes; %s)\n",
           words, (words + S_CUE_WORDS - 1) / S_CUE_WORDS, S_CUE_WORDS, strlen(vtt), what);
    const char *colon = strrchr(cluster_redis_url(c), ':');
    redisContext *rc = redisConnect("127.0.0.1", colon ? atoi(colon + 1) : 0);
    s_copy_t talk, pod;
    int rc_main = rc && !rc->err ? s_prepare(c, rc, talk_text, vtt, &talk, &pod) : 1;
    if (rc_main == 0) {
        rc_main = s_measure(c, rc, &talk, &pod, n) == 0 ? 0 : 1;
        s_copy_free(&talk);
        s_copy_free(&pod);
    }
    redisReply *v = rc ? redisCommand(rc, "INFO server") : NULL;
    const char *ver = v && v->str ? strstr(v->str, "redis_version:") : NULL;
    printf("memjobs: redis %.*s\n", ver ? (int)strcspn(ver + 14, "\r\n") : 1, ver ? ver + 14 : "?");
    freeReplyObject(v);
    redisFree(rc);
    cluster_mark_ok(c);
    cluster_destroy(&c);
    free(talk_text);
    free(vtt);
    return rc_main;
}
