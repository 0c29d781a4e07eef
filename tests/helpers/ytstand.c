/*  ytstand.c - the YouTube stand-in: a blocking accept loop on its own
 *  thread, one request per connection, fixtures read from disk per request.
 *  For tests only; listens on 127.0.0.1.
 *  SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE /* strcasestr */
#include "ytstand.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "mem.h"

#define S_REQ_MAX    (1u << 20) /* largest request read */
#define S_IO_MS      5000       /* per-read time limit */
#define S_FIXTURE_ID "LodeTest001"

struct ytstand {
    int listen_fd;
    int stop_pipe[2]; /* write a byte to [1] to stop the thread */
    pthread_t thread;
    char base[64]; /* "http://127.0.0.1:PORT" */
    char *dir;     /* owned: fixture directory */
    pthread_mutex_t mu;
    buf_t log; /* guarded by mu */
};

typedef struct {
    char method[8];
    char target[2048];
    char cookie[1024];
    char *body; /* owned, NUL-terminated */
} s_req_t;

/* Player fixture per video id; ids not listed get player_ok.json. */
static const struct {
    const char *id;
    const char *fixture;
} s_players[] = {
    {YTSTAND_BOT, "player_bot.json"},
    {YTSTAND_AGE, "player_age.json"},
    {YTSTAND_GONE, "player_unavailable.json"},
    {YTSTAND_PRIVATE, "player_private.json"},
    {YTSTAND_NOCAPS, "player_no_captions.json"},
    {YTSTAND_POTOKEN, "player_xpe.json"},
    {YTSTAND_WRONG, "player_wrong_video.json"},
};

/* ------------------------------------------------------------------- I/O */

static bool s_write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Read one request (head and Content-Length body) into *raw. */
static bool s_read_request(int fd, buf_t *raw)
{
    char chunk[4096];
    size_t need = 0;
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, S_IO_MS) <= 0)
            return false;
        ssize_t r = read(fd, chunk, sizeof chunk);
        if (r <= 0 || buf_append(raw, chunk, (size_t)r, NULL) != 0)
            return false;
        const char *end = strstr(raw->data, "\r\n\r\n");
        if (!end)
            continue;
        size_t head = (size_t)(end - raw->data) + 4;
        const char *cl = strcasestr(raw->data, "\r\nContent-Length:");
        need = head + ((cl && cl < end) ? strtoul(cl + 17, NULL, 10) : 0);
        if (raw->len >= need)
            return true;
    }
}

static void s_parse_request(const buf_t *raw, s_req_t *req)
{
    memset(req, 0, sizeof *req);
    sscanf(raw->data, "%7s %2047s", req->method, req->target);
    const char *end = strstr(raw->data, "\r\n\r\n");
    const char *c = strcasestr(raw->data, "\r\nCookie:");
    if (c && c < end) {
        c += 9;
        while (*c == ' ')
            c++;
        size_t n = strcspn(c, "\r\n");
        snprintf(req->cookie, sizeof req->cookie, "%.*s", (int)n, c);
    }
    req->body = mem_strdup(end ? end + 4 : "");
}

/* --------------------------------------------------------------- payloads */

static char *s_load(const ytstand_t *self, const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", self->dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    buf_t b;
    buf_init(&b, 8u << 20);
    char chunk[8192];
    size_t r;
    while ((r = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (buf_append(&b, chunk, r, NULL) != 0)
            break;
    fclose(f);
    *len = b.len;
    return buf_steal(&b);
}

/* body with {{BASE}} and the fixture id replaced. */
static char *s_subst(const ytstand_t *self, const char *body, const char *id)
{
    buf_t out;
    buf_init(&out, 16u << 20);
    for (const char *p = body; *p;) {
        if (strncmp(p, "{{BASE}}", 8) == 0) {
            (void)!buf_puts(&out, self->base, NULL);
            p += 8;
        } else if (id && strncmp(p, S_FIXTURE_ID, 11) == 0) {
            (void)!buf_puts(&out, id, NULL);
            p += 11;
        } else {
            (void)!buf_append(&out, p++, 1, NULL);
        }
    }
    return buf_steal(&out);
}

/* Query parameter name's value (max 63 bytes) into out, "" if none. */
static void s_param(const char *target, const char *name, char out[64])
{
    out[0] = '\0';
    size_t nn = strlen(name);
    for (const char *p = strchr(target, '?'); p; p = strchr(p + 1, '&')) {
        if (strncmp(p + 1, name, nn) == 0 && p[1 + nn] == '=') {
            size_t n = strcspn(p + 2 + nn, "&#");
            snprintf(out, 64, "%.*s", (int)(n < 63 ? n : 63), p + 2 + nn);
            return;
        }
    }
}

typedef struct {
    int status;
    const char *ctype;
    char *body;        /* owned */
    const char *extra; /* extra header lines or "" */
} s_resp_t;

static void
s_file_resp(const ytstand_t *self, s_resp_t *r, const char *name, const char *ctype, const char *id)
{
    size_t len = 0;
    char *raw = s_load(self, name, &len);
    r->status = raw ? 200 : 500;
    r->ctype = ctype;
    r->body = raw ? s_subst(self, raw, id) : mem_strdup("fixture missing");
    free(raw);
}

static void s_route_watch(const ytstand_t *self, const s_req_t *req, s_resp_t *r)
{
    char id[64];
    s_param(req->target, "v", id);
    if (strcmp(id, YTSTAND_LIMITED) == 0) {
        r->status = 429;
        r->ctype = "text/html";
        r->body = mem_strdup("<html>Too Many Requests</html>");
        r->extra = "Retry-After: 120\r\n";
    } else if (strcmp(id, YTSTAND_CAPTCHA) == 0) {
        s_file_resp(self, r, "watch_recaptcha.html", "text/html", id);
    } else if (strcmp(id, YTSTAND_CONSENT) == 0 && !strstr(req->cookie, "CONSENT=YES+")) {
        s_file_resp(self, r, "watch_consent.html", "text/html", id);
    } else {
        s_file_resp(self, r, "watch_ok.html", "text/html", id);
    }
}

static void s_route_player(const ytstand_t *self, const s_req_t *req, s_resp_t *r)
{
    char id[16] = "";
    const char *v = strstr(req->body, "\"videoId\":\"");
    if (v)
        snprintf(id, sizeof id, "%.11s", v + 11);
    const char *fixture = "player_ok.json";
    for (size_t i = 0; i < sizeof s_players / sizeof s_players[0]; i++)
        if (strcmp(s_players[i].id, id) == 0)
            fixture = s_players[i].fixture;
    s_file_resp(self, r, fixture, "application/json", id);
}

static void s_route_timedtext(const ytstand_t *self, const s_req_t *req, s_resp_t *r)
{
    char id[64], fmt[64];
    s_param(req->target, "v", id);
    s_param(req->target, "fmt", fmt);
    if (strcmp(id, YTSTAND_EMPTY) == 0) {
        r->status = 200;
        r->ctype = "text/html";
        r->body = mem_strdup("");
    } else if (strcmp(fmt, "json3") == 0) {
        s_file_resp(self, r, "tt_json3.json", "application/json", NULL);
    } else if (strcmp(fmt, "srv3") == 0) {
        s_file_resp(self, r, "tt_srv3_asr.xml", "text/xml", NULL);
    } else {
        s_file_resp(self, r, "tt_legacy.xml", "text/xml", NULL);
    }
}

static void s_route(const ytstand_t *self, const s_req_t *req, s_resp_t *r)
{
    char list[64];
    memset(r, 0, sizeof *r);
    r->extra = "";
    if (strcmp(req->method, "GET") == 0 && strncmp(req->target, "/watch?", 7) == 0) {
        s_route_watch(self, req, r);
    } else if (strcmp(req->method, "POST") == 0 &&
               strncmp(req->target, "/youtubei/v1/player", 19) == 0) {
        s_route_player(self, req, r);
    } else if (strcmp(req->method, "GET") == 0 &&
               strncmp(req->target, "/api/timedtext?", 15) == 0) {
        s_route_timedtext(self, req, r);
    } else if (strcmp(req->method, "GET") == 0 && strncmp(req->target, "/playlist?", 10) == 0) {
        s_param(req->target, "list", list);
        s_file_resp(self, r,
                    strcmp(list, YTSTAND_LIST) == 0 ? "playlist.html" : "playlist_missing.html",
                    "text/html", NULL);
    } else {
        r->status = 404;
        r->ctype = "text/plain";
        r->body = mem_strdup("not found");
    }
}

/* ----------------------------------------------------------------- thread */

static void s_serve(ytstand_t *self, int fd)
{
    buf_t raw;
    buf_init(&raw, S_REQ_MAX);
    if (s_read_request(fd, &raw)) {
        s_req_t req;
        s_parse_request(&raw, &req);
        pthread_mutex_lock(&self->mu);
        (void)!buf_printf(&self->log, NULL, "%s %s cookie=%s\n", req.method, req.target,
                          req.cookie);
        pthread_mutex_unlock(&self->mu);
        s_resp_t r;
        s_route(self, &req, &r);
        char head[512];
        int hn = snprintf(head, sizeof head,
                          "HTTP/1.1 %d X\r\nContent-Type: %s; charset=utf-8\r\n"
                          "Content-Length: %zu\r\n%sConnection: close\r\n\r\n",
                          r.status, r.ctype, strlen(r.body), r.extra);
        if (s_write_all(fd, head, (size_t)hn))
            s_write_all(fd, r.body, strlen(r.body));
        free(r.body);
        free(req.body);
    }
    buf_free(&raw);
    close(fd);
}

static void *s_thread(void *arg)
{
    ytstand_t *self = arg;
    for (;;) {
        struct pollfd p[2] = {{.fd = self->listen_fd, .events = POLLIN},
                              {.fd = self->stop_pipe[0], .events = POLLIN}};
        if (poll(p, 2, -1) < 0)
            continue;
        if (p[1].revents)
            return NULL;
        int fd = accept(self->listen_fd, NULL, NULL);
        if (fd >= 0)
            s_serve(self, fd);
    }
}

/* -------------------------------------------------------------------- API */

static int s_listen(ytstand_t *self, err_t *err)
{
    self->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof addr;
    if (self->listen_fd < 0 || bind(self->listen_fd, (struct sockaddr *)&addr, sizeof addr) != 0 ||
        listen(self->listen_fd, 16) != 0 ||
        getsockname(self->listen_fd, (struct sockaddr *)&addr, &alen) != 0) {
        err_set(err, LODE_EIO, "ytstand: cannot listen on 127.0.0.1");
        return -1;
    }
    snprintf(self->base, sizeof self->base, "http://127.0.0.1:%u", ntohs(addr.sin_port));
    return 0;
}

ytstand_t *ytstand_start(const char *fixture_dir, err_t *err)
{
    ytstand_t *self = mem_calloc(1, sizeof *self);
    self->listen_fd = self->stop_pipe[0] = self->stop_pipe[1] = -1;
    if (fixture_dir) {
        self->dir = mem_strdup(fixture_dir);
    } else {
        const char *slash = strrchr(__FILE__, '/');
        self->dir = slash
                        ? mem_printf("%.*s/../fixtures/youtube", (int)(slash - __FILE__), __FILE__)
                        : mem_strdup("../fixtures/youtube");
    }
    pthread_mutex_init(&self->mu, NULL);
    buf_init(&self->log, 1u << 20);
    if (s_listen(self, err) != 0 || pipe(self->stop_pipe) != 0 ||
        pthread_create(&self->thread, NULL, s_thread, self) != 0) {
        err_set(err, LODE_EIO, "ytstand: cannot start");
        if (self->stop_pipe[0] >= 0) {
            close(self->stop_pipe[0]);
            close(self->stop_pipe[1]);
        }
        self->stop_pipe[0] = -1;
        ytstand_stop(&self);
        return NULL;
    }
    return self;
}

const char *ytstand_base(const ytstand_t *self)
{
    return self->base;
}

char *ytstand_log(ytstand_t *self)
{
    pthread_mutex_lock(&self->mu);
    char *out = mem_strdup(self->log.data ? self->log.data : "");
    pthread_mutex_unlock(&self->mu);
    return out;
}

void ytstand_stop(ytstand_t **self_p)
{
    ytstand_t *self = *self_p;
    if (!self)
        return;
    if (self->stop_pipe[0] >= 0) {
        (void)!write(self->stop_pipe[1], "x", 1);
        pthread_join(self->thread, NULL);
        close(self->stop_pipe[0]);
        close(self->stop_pipe[1]);
    }
    if (self->listen_fd >= 0)
        close(self->listen_fd);
    pthread_mutex_destroy(&self->mu);
    buf_free(&self->log);
    free(self->dir);
    free(self);
    *self_p = NULL;
}
