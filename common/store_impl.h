/*  store_impl.h - the store's state and the plumbing shared by store.c
 *  (connection, argv builder, pipelines, the EVALSHA script cache),
 *  store_lua.c (transitions), store_read.c (reads and writes) and
 *  store_batch.c (job and batch creation). Private to those four files;
 *  callers use store.h.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_STORE_IMPL_H
#define LODE_STORE_IMPL_H
#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "config.h"
#include "err.h"
#include "rcl.h"
#include "store.h"

#define STORE_KEY_MAX     256
#define STORE_ARGS_MAX    128
#define STORE_SCRIPTS_MAX 32

struct store {
    rcl_t *rcl;                    /* owned: the single server or the cluster */
    redisContext *ctx;             /* borrowed from rcl: the node serving slot; renewed by
                                      store_connect, NULL after a failure */
    int slot;                      /* hash slot of the partition in use (a cluster), else -1 */
    int parts;                     /* partitions, fixed when the store was made (1: one
                                      keyspace under the plain prefix, today's layout) */
    int part;                      /* the partition whose keys store_key builds now */
    int want_parts;                /* asked for at store_new (0: as recorded) */
    bool parts_known;              /* parts was read from Redis */
    bool parts_assumed;            /* store_new could not read it (lazy, Redis down) */
    int min_acks;                  /* replicas a submission waits for (WAIT), 0 = none */
    size_t zip_min;                /* parts of this many bytes or more are stored zstd-compressed
                                      ($LODE_COMPRESS_MIN, default 1024; 0 = never) */
    void *zc, *zd;                 /* owned: zstd contexts (ZSTD_CCtx, ZSTD_DCtx), made on first
                                      use and kept: a context per call costs more than a small
                                      part's compression */
    unsigned rr;                   /* round robin: where submit starts next */
    unsigned drr[JOB_STAGE_COUNT]; /* round robin: the partition a dispatch asks next */
    int dry[JOB_STAGE_COUNT];      /* partitions in a row a dispatch found empty (or failing) */
    char base[64];                 /* the prefix as given ("lode:") */
    char prefix[80];               /* the partition's: base, or base{pN}: (see store_at) */
    char maxes[96];                /* "fetch=3,snippet=3,…": attempt limits the scripts use */
    int timeout_ms;
    int pass_ms; /* deadline of a pipeline over partitions (store_eval_parts); 0 = none */

    struct {
        const char *text; /* a static script; NULL = free entry */
        char sha[41];     /* its SHA1 in Redis's script cache */
    } scripts[STORE_SCRIPTS_MAX];
};

/* An argv under construction: strings are borrowed, numbers live in num[]. */
typedef struct {
    int argc;
    const char *argv[STORE_ARGS_MAX];
    size_t len[STORE_ARGS_MAX];
    char num[STORE_ARGS_MAX][24];
} store_args_t;

/* --- the argv builder (inline: a submit calls these ~20 times a job) --- */

static inline void store_arg(store_args_t *a, const char *s, size_t n)
{
    assert(a->argc < STORE_ARGS_MAX);
    a->argv[a->argc] = s;
    a->len[a->argc++] = n;
}

static inline void store_str(store_args_t *a, const char *s)
{
    store_arg(a, s, strlen(s));
}

static inline void store_int(store_args_t *a, int64_t v)
{
    assert(a->argc < STORE_ARGS_MAX);
    int n = snprintf(a->num[a->argc], sizeof a->num[0], "%lld", (long long)v);
    store_arg(a, a->num[a->argc], (size_t)n);
}

/* Free the zstd contexts (store_read.c). */
void store_zstd_free(store_t *self);

/* out = prefix + printf(fmt, ...). Ids are validated before they get here,
 * so a key never comes near STORE_KEY_MAX. */
void store_key(const store_t *self, char out[STORE_KEY_MAX], const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* --- partitions (store.c) --- */

#define STORE_PARTS_MAX 1024 /* two base32 characters of a job id */

/* Use partition part's keys from now on: store_key builds them and
 * store_connect reaches the node serving them. */
/* A paging cursor over a partitioned store: the partition in the high
 * bits, the position in that partition's list in the low ones. */
#define STORE_CURSOR_PART_SHIFT 40
#define STORE_CURSOR_POS_MASK   ((((size_t)1) << STORE_CURSOR_PART_SHIFT) - 1)
void store_at(store_t *self, int part);

/* The partition of a job or batch id: written into its characters 10-11
 * (the high end of the ULID's random part) by store_new_id; 0 when the
 * store has one partition. */
int store_part_of(const store_t *self, const char *id);

/* A new id (job_new_id) that belongs to partition part. */
void store_new_id(const store_t *self, int part, char out[JOB_ID_SIZE]);

/* --- connection and commands (store.c) --- */

/* 0 if r is a reply and not an error reply. NULL r means the connection
 * failed: the context is freed (reconnect on next use). -1 and *err. */
int store_check(store_t *self, redisReply *r, err_t *err);

/* Connect if not connected, with a back-off after failures (100 ms doubling
 * to 2 s) during which calls fail at once. 0, or -1 and *err. */
int store_connect(store_t *self, err_t *err);

/* Run one command. On success *reply is the caller's to free. */
int store_run(store_t *self, store_args_t *a, redisReply **reply, err_t *err);

/* With min_acks: WAIT until that many replicas have the writes made so far
 * on the connection in use (at most timeout_ms / 2). 0, or -1 and LODE_ESTORE
 * saying how many had them. */
int store_wait_replicas(store_t *self, err_t *err);

/* True if err is Redis Cluster telling us the slot moved or is moving
 * (MOVED, ASK, TRYAGAIN, or a transaction aborted by one): nothing ran,
 * and running it again (after the map was updated) is safe. */
bool store_redirected(const err_t *err);

/* 0 if id is a job id, else -1 and LODE_EINVAL. */
int store_valid_id(const char *id, err_t *err);

/* --- pipelines (store.c) --- */

/* Write out the pipeline so far once hiredis holds over 256 kB of it. */
void store_append_flush(store_t *self);

/* Append one command to the pipeline (connect first; replies are read
 * later). */
void store_append(store_t *self, store_args_t *a);

/* Read every pipelined reply of a MULTI/EXEC (the connection must stay in
 * sync even after an error) and check that EXEC ran. 0, or -1 and *err. */
int store_finish_multi(store_t *self, int n_replies, err_t *err);

/* --- scripts over EVALSHA (store.c) --- */

/* One script call of a pipeline (store_eval_many). */
typedef struct {
    const char *script; /* a static script */
    store_args_t args;  /* its own arguments; strings borrowed from the caller */
    redisReply *reply;  /* out: owned; NULL if the call failed */
    err_t err;          /* out: why it failed */
    bool noscript;      /* answered NOSCRIPT: it did not run */
    int part;           /* store_eval_parts: the partition it runs on */
    char prefix[80];    /* store_eval_parts: that partition's prefix */
} store_call_t;

/* n calls with empty args and no replies; free with store_calls_free. */
store_call_t *store_calls_new(size_t n);

/* Free calls[0..n) and their replies. */
void store_calls_free(store_call_t *calls, size_t n);

/* Run calls[0..n) as one pipeline of EVALSHAs (each script atomic; a call
 * answered NOSCRIPT is loaded and run again). Each call's reply or err says
 * how it went; -1 and *err only if the connection failed. */
int store_eval_many(store_t *self, store_call_t *calls, size_t n, err_t *err);

/* Run calls[0..n), each on its own partition calls[i].part, as one
 * pipeline per node (rcl_pipeline_within, with the store's pass deadline):
 * every node is written to before any is read, and a slow node does not
 * hold up the others. Each call's reply or err says how it went; a call
 * failed by the deadline may have run. 0, or -1 and *err (the first
 * failure). */
int store_eval_parts(store_t *self, store_call_t *calls, size_t n, err_t *err);

/* Run one script on the partition in use: its reply (caller frees), or
 * NULL and *err. */
redisReply *store_eval_reply(store_t *self, const char *script, store_args_t *a, err_t *err);

/* Run a script that answers an integer into *out. 0, or -1 and *err. */
int store_eval_int(
    store_t *self, const char *script, store_args_t *args, long long *out, err_t *err);

/* --- the broker's transitions over partitions --- */

/* s_lua_dispatch / s_lua_done calls (store_lua.c) as one pipeline: on the
 * partition in use (parts NULL: store_eval_many) or each on parts[i]
 * (store_eval_parts: one pipeline per node). */
int store_dispatch_run(
    store_t *self, store_dispatch_call_t *calls, size_t n, const int *parts, err_t *err);
int store_done_run(store_t *self, store_done_call_t *calls, size_t n, const int *parts, err_t *err);

/* The same over a store of several partitions (store_parts.c): each call
 * split into one call per partition, all of them in one pass. */
int store_dispatch_spread(store_t *self, store_dispatch_call_t *calls, size_t n, err_t *err);
int store_done_spread(store_t *self, store_done_call_t *calls, size_t n, err_t *err);

/* A counting script (no id; answers a count) on every partition in one
 * pass: the sum in *n; a partition that fails does not stop the others. */
int store_eval_count_spread(
    store_t *self, const char *script, const store_args_t *a, int *n, err_t *err);

/* --- reply readers (store_read.c) --- */

/* If *data (NUL-terminated, *len bytes, owned) is a zstd frame, replace it
 * by what it holds. 0, or -1 and *err (LODE_ESTORE) for a bad frame. */
int store_unzip(store_t *self, char **data, size_t *len, err_t *err);

/* Copy a string reply into dst (size bytes, cut to fit, NUL-terminated). */
void store_copy_field(char *dst, size_t size, const redisReply *v);

/* HGETALL key and hand each field to fn(out, …). LODE_ENOTFOUND naming what
 * and id when the hash does not exist. */
int store_hgetall(store_t *self,
                  const char *key,
                  void (*fn)(void *out, const char *name, const redisReply *v),
                  void *out,
                  const char *what,
                  const char *id,
                  err_t *err);

/* A page of the ids at key what over every partition, merged by id
 * (store_read.c); count 0 = all. Same ownership as store_list. */
int store_range_merged(store_t *self,
                       const char *cmd,
                       const char *what,
                       size_t offset,
                       size_t count,
                       bool desc,
                       char (**ids)[JOB_ID_SIZE],
                       size_t *n,
                       err_t *err);

/* Run a command that answers ids: *ids (caller frees) and *n. */
int store_list(store_t *self, store_args_t *a, char (**ids)[JOB_ID_SIZE], size_t *n, err_t *err);
#endif
