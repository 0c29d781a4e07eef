/*  podstand.c - the stand-in podcast host: poll() on the listening socket
 *  and a stop pipe, one blocking request per connection, bounded request
 *  size and read time. Test code only.
 *  SPDX-License-Identifier: MIT
 */
#include "podstand.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PODSTAND_REQ_MAX  16384
#define PODSTAND_BODY_MAX (8u * 1024 * 1024)

struct podstand {
    char *dir;        /* owned */
    char url[64];     /* base URL */
    int listen_fd;    /* 127.0.0.1:port */
    int stop_pipe[2]; /* a byte on [1] stops the thread */
    pthread_t thread;
    atomic_size_t requests;
};

static const char *s_type(const char *path)
{
    static const char *const map[][2] = {{".xml", "application/rss+xml"},
                                         {".rss", "application/rss+xml"},
                                         {".vtt", "text/vtt"},
                                         {".srt", "application/x-subrip"},
                                         {".json", "application/json"},
                                         {".html", "text/html; charset=utf-8"},
                                         {".txt", "text/plain; charset=utf-8"},
                                         {".md", "text/markdown"}};
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof map / sizeof map[0]; i++)
        if (strcmp(dot, map[i][0]) == 0)
            return map[i][1];
    return "application/octet-stream";
}

static void s_write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

static void s_respond(int fd, int status, const char *type, const char *body, size_t len)
{
    char head[512];
    const char *extra = status == 429 || status == 503 ? "Retry-After: 2\r\n" : "";
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d Status\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s"
                     "Connection: close\r\n\r\n",
                     status, type, len, extra);
    s_write_all(fd, head, (size_t)n);
    s_write_all(fd, body, len);
}

/* The file's bytes with every "@BASE@" replaced, or NULL. */
static char *s_load(const podstand_t *self, const char *path, size_t *len)
{
    char full[1024];
    snprintf(full, sizeof full, "%s%s", self->dir, path);
    FILE *f = fopen(full, "rb");
    if (!f)
        return NULL;
    char *raw = malloc(PODSTAND_BODY_MAX);
    size_t n = fread(raw, 1, PODSTAND_BODY_MAX, f);
    fclose(f);
    size_t cap = n * 2 + 64, o = 0, bl = strlen(self->url);
    char *out = malloc(cap + 1);
    for (size_t i = 0; i < n; i++) {
        if (i + 6 <= n && memcmp(raw + i, "@BASE@", 6) == 0 && o + bl < cap) {
            memcpy(out + o, self->url, bl);
            o += bl;
            i += 5;
        } else if (o < cap) {
            out[o++] = raw[i];
        }
    }
    free(raw);
    *len = o;
    return out;
}

/* Read the request head (bounded by size and by a 2 s wait per read). */
static int s_read_head(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    while (n < cap - 1) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 2000) <= 0)
            return -1;
        ssize_t r = recv(fd, buf + n, cap - 1 - n, 0);
        if (r <= 0)
            return -1;
        n += (size_t)r;
        buf[n] = '\0';
        if (strstr(buf, "\r\n\r\n"))
            return 0;
    }
    return -1;
}

static void s_serve(podstand_t *self, int fd)
{
    char req[PODSTAND_REQ_MAX];
    char path[1024];
    if (s_read_head(fd, req, sizeof req) != 0 || sscanf(req, "GET %1023s HTTP/1.", path) != 1) {
        s_respond(fd, 400, "text/plain", "bad request\n", 12);
        return;
    }
    atomic_fetch_add(&self->requests, 1);
    path[strcspn(path, "?#")] = '\0';
    int status;
    if (sscanf(path, "/status/%d", &status) == 1) {
        s_respond(fd, status, "text/plain", "status\n", 7);
        return;
    }
    if (strstr(path, "..")) {
        s_respond(fd, 400, "text/plain", "no\n", 3);
        return;
    }
    size_t len = 0;
    char *body = s_load(self, path, &len);
    if (!body) {
        s_respond(fd, 404, "text/plain", "not found\n", 10);
        return;
    }
    s_respond(fd, 200, s_type(path), body, len);
    free(body);
}

static void *s_thread(void *arg)
{
    podstand_t *self = arg;
    for (;;) {
        struct pollfd p[2] = {{.fd = self->listen_fd, .events = POLLIN},
                              {.fd = self->stop_pipe[0], .events = POLLIN}};
        if (poll(p, 2, -1) < 0 && errno != EINTR)
            break;
        if (p[1].revents)
            break;
        if (!(p[0].revents & POLLIN))
            continue;
        int fd = accept(self->listen_fd, NULL, NULL);
        if (fd < 0)
            continue;
        s_serve(self, fd);
        shutdown(fd, SHUT_WR);
        close(fd);
    }
    return NULL;
}

static int s_listen(podstand_t *self)
{
    self->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (self->listen_fd < 0)
        return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    if (bind(self->listen_fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(self->listen_fd, 64) != 0 ||
        getsockname(self->listen_fd, (struct sockaddr *)&a, &al) != 0)
        return -1;
    snprintf(self->url, sizeof self->url, "http://127.0.0.1:%d", ntohs(a.sin_port));
    return 0;
}

podstand_t *podstand_start(const char *dir)
{
    podstand_t *self = calloc(1, sizeof *self);
    self->dir = strdup(dir);
    self->listen_fd = self->stop_pipe[0] = self->stop_pipe[1] = -1;
    if (s_listen(self) != 0 || pipe(self->stop_pipe) != 0 ||
        pthread_create(&self->thread, NULL, s_thread, self) != 0) {
        if (self->listen_fd >= 0)
            close(self->listen_fd);
        if (self->stop_pipe[0] >= 0) {
            close(self->stop_pipe[0]);
            close(self->stop_pipe[1]);
        }
        free(self->dir);
        free(self);
        return NULL;
    }
    return self;
}

const char *podstand_url(const podstand_t *self)
{
    return self->url;
}

size_t podstand_requests(const podstand_t *self)
{
    return atomic_load(&((podstand_t *)self)->requests);
}

void podstand_stop(podstand_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    podstand_t *self = *self_p;
    if (write(self->stop_pipe[1], "x", 1) != 1)
        abort(); /* cannot stop the thread: better loud than a hang */
    pthread_join(self->thread, NULL);
    close(self->listen_fd);
    close(self->stop_pipe[0]);
    close(self->stop_pipe[1]);
    free(self->dir);
    free(self);
    *self_p = NULL;
}
