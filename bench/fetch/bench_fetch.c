/*  bench_fetch.c - fetch-stage throughput: N URL jobs submitted through
 *  `lode submit` to a running broker whose only worker is one fetch worker,
 *  against a loopback server (here, on its own thread) that answers every
 *  request after a fixed delay with a small VTT body. Prints jobs/s until
 *  every job has left the fetch stage, and the worker's peak RSS.
 *  run.sh starts Redis, the broker and the worker; see its header.
 *  Usage: bench_fetch --lode PATH --redis URL --broker EP --worker-pid PID
 *                     [--jobs N] [--delay-ms N] [--chunk N] [--limit-s N]
 *  SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#define S_MAX_FDS   65536 /* connection table size (fds above are refused) */
#define S_HEAD_MAX  4096  /* request head bytes kept */
#define S_POLL_MS   50    /* Redis poll interval */
#define S_URL_MAX   96
#define S_CHUNK_MAX 10000 /* PROTO_MAX_ITEMS: items one SUBMIT may carry */

static const char s_vtt[] = "WEBVTT\n\n"
                            "00:00:00.000 --> 00:00:02.500\n"
                            "A small caption file served by the fetch benchmark.\n\n"
                            "00:00:02.500 --> 00:00:05.000\n"
                            "Every answer waits the same delay before it is sent.\n";

/* ------------------------------------------------------------ the server */

typedef struct {
    char head[S_HEAD_MAX];
    size_t len;
    uint32_t gen; /* bumped on close: stale queue entries are skipped */
    bool open, waiting;
} s_conn_t;

typedef struct {
    int fd;
    uint32_t gen;
    int64_t due_ms;
} s_due_t;

typedef struct {
    int listen_fd, ep, port, delay_ms;
    s_conn_t *conns;       /* S_MAX_FDS */
    s_due_t *queue;        /* FIFO ring: the delay is fixed, so FIFO is due order */
    size_t q_head, q_len;  /* ring of S_MAX_FDS entries */
    atomic_long requests;  /* answered */
    atomic_long peak_wait; /* most requests held at once */
    atomic_long open_peak; /* most connections open at once */
    long open_now;
    atomic_bool stop;
    pthread_t thread;
} s_server_t;

static int64_t s_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void s_close(s_server_t *s, int fd)
{
    epoll_ctl(s->ep, EPOLL_CTL_DEL, fd, NULL);
    close(fd);
    s->conns[fd].open = false;
    s->conns[fd].waiting = false;
    s->conns[fd].gen++;
    s->open_now--;
}

static void s_accept(s_server_t *s)
{
    for (;;) {
        int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        if (fd >= S_MAX_FDS) {
            close(fd);
            continue;
        }
        s_conn_t *c = &s->conns[fd];
        c->len = 0;
        c->open = true;
        c->waiting = false;
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
        epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev);
        if (++s->open_now > s->open_peak)
            s->open_peak = s->open_now;
    }
}

/* Read what is there; once a whole request head is in, queue the answer. */
static void s_read(s_server_t *s, int fd)
{
    s_conn_t *c = &s->conns[fd];
    for (;;) {
        char tmp[4096];
        ssize_t n = read(fd, tmp, sizeof tmp);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
            s_close(s, fd);
            return;
        }
        if (n < 0)
            break;
        size_t keep = (size_t)n < S_HEAD_MAX - 1 - c->len ? (size_t)n : S_HEAD_MAX - 1 - c->len;
        memcpy(c->head + c->len, tmp, keep);
        c->len += keep;
        c->head[c->len] = '\0';
    }
    if (c->waiting || !strstr(c->head, "\r\n\r\n"))
        return;
    c->waiting = true;
    s_due_t *d = &s->queue[(s->q_head + s->q_len++) % S_MAX_FDS];
    *d = (s_due_t){fd, c->gen, s_mono_ms() + s->delay_ms};
    if ((long)s->q_len > s->peak_wait)
        s->peak_wait = (long)s->q_len;
}

static void s_answer(s_server_t *s, int fd)
{
    char resp[512];
    int n = snprintf(resp, sizeof resp,
                     "HTTP/1.1 200 OK\r\nContent-Type: text/vtt; charset=utf-8\r\n"
                     "Content-Length: %zu\r\n\r\n%s",
                     sizeof s_vtt - 1, s_vtt);
    s_conn_t *c = &s->conns[fd];
    if (write(fd, resp, (size_t)n) != n) {
        s_close(s, fd);
        return;
    }
    s->requests++;
    c->waiting = false;
    c->len = 0; /* keep-alive: the next request starts afresh */
}

/* Answer every request whose time has come; ms until the next one. */
static int s_answer_due(s_server_t *s)
{
    int64_t now = s_mono_ms();
    while (s->q_len > 0) {
        s_due_t *d = &s->queue[s->q_head];
        if (d->due_ms > now)
            return (int)(d->due_ms - now);
        s->q_head = (s->q_head + 1) % S_MAX_FDS;
        s->q_len--;
        if (s->conns[d->fd].open && s->conns[d->fd].gen == d->gen)
            s_answer(s, d->fd);
    }
    return 100;
}

static void *s_serve(void *arg)
{
    s_server_t *s = arg;
    struct epoll_event evs[256];
    while (!s->stop) {
        int wait_ms = s_answer_due(s);
        int n = epoll_wait(s->ep, evs, 256, wait_ms < 100 ? wait_ms : 100);
        for (int i = 0; i < n; i++) {
            if (evs[i].data.fd == s->listen_fd)
                s_accept(s);
            else
                s_read(s, evs[i].data.fd);
        }
    }
    return NULL;
}

static int s_server_start(s_server_t *s, int delay_ms)
{
    memset(s, 0, sizeof *s);
    s->delay_ms = delay_ms;
    s->conns = calloc(S_MAX_FDS, sizeof *s->conns);
    s->queue = calloc(S_MAX_FDS, sizeof *s->queue);
    s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    s->ep = epoll_create1(EPOLL_CLOEXEC);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    int one = 1;
    setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (!s->conns || !s->queue || s->listen_fd < 0 || s->ep < 0 ||
        bind(s->listen_fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(s->listen_fd, 4096) != 0 ||
        getsockname(s->listen_fd, (struct sockaddr *)&a, &alen) != 0)
        return -1;
    s->port = ntohs(a.sin_port);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = s->listen_fd};
    epoll_ctl(s->ep, EPOLL_CTL_ADD, s->listen_fd, &ev);
    return pthread_create(&s->thread, NULL, s_serve, s) == 0 ? 0 : -1;
}

static void s_server_stop(s_server_t *s)
{
    s->stop = true;
    pthread_join(s->thread, NULL);
    for (int fd = 0; fd < S_MAX_FDS; fd++)
        if (s->conns[fd].open)
            close(fd);
    close(s->listen_fd);
    close(s->ep);
    free(s->conns);
    free(s->queue);
}

/* ------------------------------------------------------------ the driver */

typedef struct {
    const char *lode, *redis, *broker;
    int worker_pid, jobs, delay_ms, chunk, limit_s;
} s_args_t;

/* Run `lode submit` for jobs [from, to); 0 if it exited 0. */
static int s_submit(const s_args_t *a, int port, int from, int to)
{
    size_t n = (size_t)(to - from);
    char **argv = calloc(n + 12, sizeof *argv);
    char *urls = malloc(n * S_URL_MAX);
    size_t k = 0;
    const char *head[] = {a->lode,  "--redis", a->redis,      "--broker",  a->broker,
                          "submit", "--name",  "bench-fetch", "--timeout", "60"};
    for (size_t i = 0; i < sizeof head / sizeof head[0]; i++)
        argv[k++] = (char *)head[i];
    for (size_t i = 0; i < n; i++) {
        char *u = urls + i * S_URL_MAX;
        snprintf(u, S_URL_MAX, "http://127.0.0.1:%d/talk/%d.vtt", port, from + (int)i);
        argv[k++] = u;
    }
    argv[k] = NULL;
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, STDOUT_FILENO);
        execv(a->lode, argv);
        _exit(127);
    }
    int status = -1;
    if (pid > 0)
        waitpid(pid, &status, 0);
    free(argv);
    free(urls);
    return pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static long long s_redis_ll(redisContext *r, const char *cmd)
{
    redisReply *rep = redisCommand(r, cmd);
    long long v = -1;
    if (rep && rep->type == REDIS_REPLY_INTEGER)
        v = rep->integer;
    else if (rep && rep->type == REDIS_REPLY_STRING)
        v = atoll(rep->str);
    else if (rep && rep->type == REDIS_REPLY_NIL)
        v = 0;
    freeReplyObject(rep);
    return v;
}

static redisContext *s_redis(const char *url)
{
    const char *hp = strstr(url, "://");
    hp = hp ? hp + 3 : url;
    char host[64] = "127.0.0.1";
    int port = 6379;
    sscanf(hp, "%63[^:]:%d", host, &port);
    struct timeval tv = {5, 0};
    redisContext *r = redisConnectWithTimeout(host, port, tv);
    if (!r || r->err) {
        fprintf(stderr, "bench_fetch: redis %s: %s\n", url, r ? r->errstr : "no memory");
        return NULL;
    }
    return r;
}

/* The worker's VmHWM or VmRSS in kB, -1 if unknown. */
static long s_proc_kb(int pid, const char *field)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    long kb = -1;
    size_t n = strlen(field);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0 && line[n] == ':')
            kb = atol(line + n + 1);
    if (f)
        fclose(f);
    return kb;
}

static int s_parse(int argc, char **argv, s_args_t *a)
{
    *a = (s_args_t){.jobs = 10000, .delay_ms = 1000, .chunk = 1000, .limit_s = 600};
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "--lode"))
            a->lode = v;
        else if (!strcmp(k, "--redis"))
            a->redis = v;
        else if (!strcmp(k, "--broker"))
            a->broker = v;
        else if (!strcmp(k, "--worker-pid"))
            a->worker_pid = atoi(v);
        else if (!strcmp(k, "--jobs"))
            a->jobs = atoi(v);
        else if (!strcmp(k, "--delay-ms"))
            a->delay_ms = atoi(v);
        else if (!strcmp(k, "--chunk"))
            a->chunk = atoi(v);
        else if (!strcmp(k, "--limit-s"))
            a->limit_s = atoi(v);
        else
            return -1;
    }
    if (a->chunk < 1 || a->chunk > S_CHUNK_MAX)
        a->chunk = 1000;
    return a->lode && a->redis && a->broker && a->worker_pid > 0 && a->jobs > 0 && argc % 2 == 1
               ? 0
               : -1;
}

typedef struct {
    double submit_s, total_s;
    long long fetched, failed, delayed;
} s_result_t;

/* Submit in chunks, then poll until every job has left fetch. */
static int s_run(const s_args_t *a, s_server_t *srv, redisContext *r, s_result_t *out)
{
    int64_t t0 = s_mono_ms();
    for (int from = 0; from < a->jobs; from += a->chunk) {
        int to = from + a->chunk < a->jobs ? from + a->chunk : a->jobs;
        if (s_submit(a, srv->port, from, to) != 0) {
            fprintf(stderr, "bench_fetch: lode submit failed for jobs %d..%d\n", from, to);
            return -1;
        }
    }
    out->submit_s = (double)(s_mono_ms() - t0) / 1000.0;
    int64_t deadline = t0 + (int64_t)a->limit_s * 1000;
    for (;;) {
        out->fetched = s_redis_ll(r, "LLEN lode:queue:snippet");
        out->failed = s_redis_ll(r, "LLEN lode:dead");
        out->delayed = s_redis_ll(r, "ZCARD lode:delayed");
        if (out->fetched < 0 || out->fetched + out->failed >= a->jobs)
            break;
        if (s_mono_ms() > deadline) {
            fprintf(stderr, "bench_fetch: timed out with %lld/%d fetched\n", out->fetched, a->jobs);
            return -1;
        }
        usleep(S_POLL_MS * 1000);
    }
    out->total_s = (double)(s_mono_ms() - t0) / 1000.0;
    return out->fetched < 0 ? -1 : 0;
}

/* A fetched job really holds a transcript: its source facts say subtitles. */
static bool s_spot_check(redisContext *r)
{
    redisReply *id = redisCommand(r, "LINDEX lode:queue:snippet -1");
    redisReply *src = id && id->type == REDIS_REPLY_STRING
                          ? redisCommand(r, "GET lode:job:%s:source", id->str)
                          : NULL;
    bool ok = src && src->type == REDIS_REPLY_STRING && strstr(src->str, "\"subtitles\"");
    if (!ok)
        fprintf(stderr, "bench_fetch: a fetched job has no subtitles source: %s\n",
                src && src->type == REDIS_REPLY_STRING ? src->str : "(none)");
    freeReplyObject(src);
    freeReplyObject(id);
    return ok;
}

static void s_raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int main(int argc, char **argv)
{
    s_args_t a;
    if (s_parse(argc, argv, &a) != 0) {
        fprintf(stderr, "usage: bench_fetch --lode PATH --redis URL --broker EP --worker-pid PID\n"
                        "                   [--jobs N] [--delay-ms N] [--chunk N] [--limit-s N]\n");
        return 2;
    }
    s_raise_nofile();
    s_server_t srv;
    redisContext *r = s_redis(a.redis);
    if (!r || s_server_start(&srv, a.delay_ms) != 0) {
        fprintf(stderr, "bench_fetch: cannot start: %s\n", strerror(errno));
        return 1;
    }
    s_result_t res = {0};
    int rc = s_run(&a, &srv, r, &res);
    if (rc == 0 && !s_spot_check(r))
        rc = -1;
    long hwm = s_proc_kb(a.worker_pid, "VmHWM"), rss = s_proc_kb(a.worker_pid, "VmRSS");
    printf("fetch bench: %d URL jobs, 1 fetch worker, server answers each after %d ms\n", a.jobs,
           a.delay_ms);
    printf("  submit (%d per lode submit):  %.2f s\n", a.chunk, res.submit_s);
    printf("  all jobs out of fetch:        %.2f s\n", res.total_s);
    printf("  throughput:                   %.1f jobs/s\n",
           res.total_s > 0 ? (double)(res.fetched + res.failed) / res.total_s : 0.0);
    printf("  fetched %lld, failed %lld, waiting to retry %lld\n", res.fetched, res.failed,
           res.delayed);
    printf("  server: %ld requests, at most %ld held at once, %ld connections at once\n",
           (long)srv.requests, (long)srv.peak_wait, (long)srv.open_peak);
    printf("  fetch worker peak RSS (VmHWM): %.1f MB (now %.1f MB)\n", hwm / 1024.0, rss / 1024.0);
    s_server_stop(&srv);
    redisFree(r);
    return rc == 0 && res.failed == 0 ? 0 : 1;
}
