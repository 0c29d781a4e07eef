/*  store_idem.c - the broker's memory of submissions by idempotency key: a
 *  client that resends a chunk whose ACK it never got (the MULTI/EXEC ran,
 *  the answer was lost) is given the same batch and ids instead of a second
 *  set of jobs. One string a key, in partition 0, expiring on its own.
 *  SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "mem.h"
#include "store_impl.h"

/* 0 if key is 1..STORE_SUBMIT_KEY_MAX of [A-Za-z0-9_-], else -1 and
 * LODE_EINVAL: it becomes part of a key name. */
static int s_valid_key(const char *key, err_t *err)
{
    size_t n = strlen(key);
    bool ok = n > 0 && n <= STORE_SUBMIT_KEY_MAX;
    for (size_t i = 0; ok && i < n; i++)
        ok = (key[i] >= 'a' && key[i] <= 'z') || (key[i] >= 'A' && key[i] <= 'Z') ||
             (key[i] >= '0' && key[i] <= '9') || key[i] == '_' || key[i] == '-';
    if (!ok)
        err_set(err, LODE_EINVAL, "submission key must be 1..%d of A-Z a-z 0-9 _ -",
                STORE_SUBMIT_KEY_MAX);
    return ok ? 0 : -1;
}

int store_submit_recall(store_t *self,
                        const char *key,
                        char batch[JOB_ID_SIZE],
                        char (*ids)[JOB_ID_SIZE],
                        size_t n,
                        err_t *err)
{
    if (s_valid_key(key, err) != 0)
        return -1;
    store_at(self, 0);
    char k[STORE_KEY_MAX];
    store_key(self, k, "submit:%s", key);
    store_args_t a = {0};
    store_str(&a, "GET");
    store_str(&a, k);
    redisReply *r;
    if (store_run(self, &a, &r, err) != 0)
        return -1;
    int rc = 0;
    if (r->type == REDIS_REPLY_STRING) {
        /* The batch id, then one id per item: a resend must be the same size. */
        if (r->len != (n + 1) * JOB_ID_LEN) {
            err_set(err, LODE_EINVAL, "submission key %.64s was used for another submission", key);
            rc = -1;
        } else {
            memcpy(batch, r->str, JOB_ID_LEN);
            batch[JOB_ID_LEN] = '\0';
            for (size_t i = 0; i < n; i++) {
                memcpy(ids[i], r->str + (i + 1) * JOB_ID_LEN, JOB_ID_LEN);
                ids[i][JOB_ID_LEN] = '\0';
            }
            rc = 1;
        }
    }
    freeReplyObject(r);
    return rc;
}

int store_submit_remember(store_t *self,
                          const char *key,
                          const char *batch,
                          const char (*ids)[JOB_ID_SIZE],
                          size_t n,
                          int ttl_s,
                          err_t *err)
{
    if (s_valid_key(key, err) != 0)
        return -1;
    char *v = mem_alloc((n + 1) * JOB_ID_LEN + 1);
    memcpy(v, batch, JOB_ID_LEN);
    for (size_t i = 0; i < n; i++)
        memcpy(v + (i + 1) * JOB_ID_LEN, ids[i], JOB_ID_LEN);
    store_at(self, 0);
    char k[STORE_KEY_MAX];
    store_key(self, k, "submit:%s", key);
    store_args_t a = {0};
    store_str(&a, "SET");
    store_str(&a, k);
    store_arg(&a, v, (n + 1) * JOB_ID_LEN);
    store_str(&a, "EX");
    store_int(&a, ttl_s > 0 ? ttl_s : 1);
    redisReply *r;
    int rc = store_run(self, &a, &r, err);
    free(v);
    if (rc == 0)
        freeReplyObject(r);
    return rc;
}
