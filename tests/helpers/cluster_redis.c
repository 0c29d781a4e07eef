/*  cluster_redis.c - the harness's redis-server (start, crash, restart on
 *  its port) and direct Redis reads for tests (hiredis, reconnecting as
 *  needed), with the bounded polls built on them.
 *  SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#include "cluster.h"
#include "cluster_impl.h"
#include "mem.h"
#include "store.h"

/* AUTH with the default user's password, if any; true if accepted. */
static bool s_redis_auth(redisContext *rc, const char *password)
{
    if (!password[0])
        return true;
    redisReply *r = redisCommand(rc, "AUTH %s", password);
    bool ok = r && r->type == REDIS_REPLY_STATUS;
    if (r)
        freeReplyObject(r);
    return ok;
}

static bool s_redis_pings(int port, const char *password)
{
    struct timeval tv = {0, 200000};
    redisContext *rc = redisConnectWithTimeout("127.0.0.1", port, tv);
    bool ok = false;
    if (rc && !rc->err && s_redis_auth(rc, password)) {
        redisReply *r = redisCommand(rc, "PING");
        ok = r && r->type == REDIS_REPLY_STATUS && strcmp(r->str, "PONG") == 0;
        if (r)
            freeReplyObject(r);
    }
    if (rc)
        redisFree(rc);
    return ok;
}

/* ------------------------------------------------------------ start / stop */

/* Start redis-server on port (with the AOF if redis_aof; appendfsync
 * everysec, Redis's default, said outright) and wait for PING. 1 if it
 * answers, 0 if it died or stayed silent (then it is stopped), -1 and *err
 * if it could not be started. */
static int s_redis_run(cluster_t *self, int port, err_t *err)
{
    char port_s[16];
    snprintf(port_s, sizeof port_s, "%d", port);
    char *argv[] = {"redis-server",
                    "--port",
                    port_s,
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    self->redis_aof ? "yes" : "no",
                    "--dir",
                    self->tmpdir,
                    "--daemonize",
                    "no",
                    "--appendfsync",
                    "everysec",
                    self->redis_password[0] ? "--requirepass" : NULL,
                    self->redis_password,
                    NULL};
    if (cluster_proc_start(&self->redis, argv, err) != 0)
        return -1;
    int64_t deadline = cluster_now_ms() + CLUSTER_START_LIMIT_MS;
    while (cluster_proc_alive(&self->redis) && cluster_now_ms() < deadline) {
        if (s_redis_pings(port, self->redis_password))
            return 1;
        cluster_sleep_ms(20);
    }
    cluster_proc_stop(&self->redis);
    return 0;
}

int cluster_redis_launch(cluster_t *self, err_t *err)
{
    snprintf(self->redis.name, sizeof self->redis.name, "redis");
    snprintf(self->redis.log, sizeof self->redis.log, "%s/redis.log", self->tmpdir);
    for (int attempt = 0; attempt < CLUSTER_PORT_ATTEMPTS; attempt++) {
        int port = cluster_free_port();
        int up = port < 0 ? -1 : s_redis_run(self, port, err);
        if (up < 0)
            return -1;
        if (up) {
            self->redis_port = port;
            snprintf(self->redis_url, sizeof self->redis_url, "redis://%s%s%s127.0.0.1:%d",
                     self->redis_password[0] ? ":" : "", self->redis_password,
                     self->redis_password[0] ? "@" : "", port);
            return 0;
        }
        /* port taken, or too slow: try another */
    }
    err_set(err, LODE_ETIMEDOUT, "redis-server did not answer PING (see %s)", self->redis.log);
    return -1;
}

/* With redis_user: make the ACL user and use it in every URL from now on. */
int cluster_redis_add_user(cluster_t *self, const cluster_opts_t *opts, err_t *err)
{
    if (!opts || !opts->redis_user || !opts->redis_user_password)
        return 0;
    char *ok = cluster_redis_str(self, "ACL SETUSER %s on >%s ~lode:* &* +@all", opts->redis_user,
                                 opts->redis_user_password);
    bool done = ok && strcmp(ok, "OK") == 0;
    free(ok);
    if (!done) {
        err_set(err, LODE_EIO, "ACL SETUSER %s failed", opts->redis_user);
        return -1;
    }
    snprintf(self->redis_url, sizeof self->redis_url, "redis://%s:%s@127.0.0.1:%d",
             opts->redis_user, opts->redis_user_password, self->redis_port);
    return 0;
}

void cluster_kill_redis(cluster_t *self, int sig)
{
    cluster_proc_signal_wait(&self->redis, sig, CLUSTER_STOP_LIMIT_MS);
    cluster_proc_stop(&self->redis);
    cluster_redis_close(self);
}

void cluster_redis_close(cluster_t *self)
{
    if (self->rc) {
        redisFree(self->rc);
        self->rc = NULL;
    }
}

static redisContext *s_redis(cluster_t *self)
{
    if (self->rc && self->rc->err) {
        redisFree(self->rc);
        self->rc = NULL;
    }
    if (!self->rc && self->redis_port > 0) {
        struct timeval tv = {1, 0};
        self->rc = redisConnectWithTimeout("127.0.0.1", self->redis_port, tv);
        if (self->rc && !self->rc->err) {
            struct timeval cmd = {2, 0};
            redisSetTimeout(self->rc, cmd);
            if (!s_redis_auth(self->rc, self->redis_password)) {
                redisFree(self->rc);
                self->rc = NULL;
            }
        }
    }
    return self->rc && !self->rc->err ? self->rc : NULL;
}

static redisReply *s_vcommand(cluster_t *self, const char *fmt, va_list ap)
{
    redisContext *rc = s_redis(self);
    return rc ? redisvCommand(rc, fmt, ap) : NULL;
}

static char *s_reply_str(const redisReply *r)
{
    if (!r)
        return NULL;
    switch (r->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
        return mem_strndup(r->str, r->len);
    case REDIS_REPLY_INTEGER:
        return mem_printf("%lld", r->integer);
    default:
        return NULL;
    }
}

char *cluster_redis_str(cluster_t *self, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = s_vcommand(self, fmt, ap);
    va_end(ap);
    char *s = s_reply_str(r);
    if (r)
        freeReplyObject(r);
    return s;
}

long long cluster_redis_int(cluster_t *self, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = s_vcommand(self, fmt, ap);
    va_end(ap);
    long long v = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    if (r)
        freeReplyObject(r);
    return v;
}

char *cluster_job_field(cluster_t *self, const char *id, const char *field)
{
    return cluster_redis_str(self, "HGET lode:job:%s %s", id, field);
}

bool cluster_list_contains(cluster_t *self, const char *key, const char *value)
{
    redisContext *rc = s_redis(self);
    redisReply *r = rc ? redisCommand(rc, "LRANGE %s 0 -1", key) : NULL;
    bool found = false;
    if (r && r->type == REDIS_REPLY_ARRAY)
        for (size_t i = 0; i < r->elements && !found; i++)
            found =
                r->element[i]->type == REDIS_REPLY_STRING && strcmp(r->element[i]->str, value) == 0;
    if (r)
        freeReplyObject(r);
    return found;
}

char *cluster_wait_job(cluster_t *self, const char *id, int timeout_ms)
{
    int64_t deadline = cluster_now_ms() + timeout_ms;
    for (;;) {
        char *state = cluster_job_field(self, id, "state");
        if (state && (strcmp(state, "done") == 0 || strcmp(state, "failed") == 0))
            return state;
        free(state);
        if (cluster_now_ms() >= deadline)
            return NULL;
        cluster_sleep_ms(25);
    }
}

bool cluster_wait_for(bool (*pred)(void *arg), void *arg, int timeout_ms)
{
    int64_t deadline = cluster_now_ms() + timeout_ms;
    for (;;) {
        if (pred(arg))
            return true;
        if (cluster_now_ms() >= deadline)
            return false;
        cluster_sleep_ms(20);
    }
}

int cluster_start_redis(cluster_t *self, err_t *err)
{
    if (cluster_proc_alive(&self->redis)) {
        err_set(err, LODE_EINVAL, "redis-server is running");
        return -1;
    }
    int up = s_redis_run(self, self->redis_port, err);
    if (up == 0)
        err_set(err, LODE_ETIMEDOUT, "redis-server did not come back on port %d (see %s)",
                self->redis_port, self->redis.log);
    return up > 0 ? 0 : -1;
}

int cluster_restart_redis(cluster_t *self, int sig, err_t *err)
{
    cluster_kill_redis(self, sig);
    return cluster_start_redis(self, err);
}

bool cluster_wait_field(
    cluster_t *self, const char *id, const char *field, const char *value, int timeout_ms)
{
    int64_t deadline = cluster_now_ms() + timeout_ms;
    for (;;) {
        char *v = cluster_job_field(self, id, field);
        bool ok = v && strcmp(v, value) == 0;
        free(v);
        if (ok)
            return true;
        if (cluster_now_ms() >= deadline)
            return false;
        cluster_sleep_ms(25);
    }
}

char *cluster_part(cluster_t *self, const char *id, const char *part)
{
    store_opts_t o = {.url = self->redis_url, .timeout_ms = 2000};
    err_t err = {0};
    store_t *st = store_new(&o, &err);
    char *v = st ? store_part_get(st, id, part, NULL, &err) : NULL;
    if (!v && err.code != LODE_ENOTFOUND)
        fprintf(stderr, "cluster_part %s %s: %s\n", id, part, err.msg);
    store_destroy(&st);
    return v;
}
