/*  misbehave.c - loopback HTTP/1.1 server for tests (see misbehave.h).
 *  Deliberately simple: blocking I/O, one detached thread per connection,
 *  keep-alive, in a forked child that dies with its parent.
 *  SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include "misbehave.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    long requests;
    long active;
    long peak;
} s_stats_t;

struct misbehave {
    pid_t pid;
    int port;
    s_stats_t *stats; /* shared with the child (MAP_SHARED) */
};

/* The child's state: set once before the accept loop, then read-only. */
static s_stats_t *s_stats;
static int s_port;
static unsigned char *s_bomb;
static size_t s_bomb_len;

/* ---- gzip by hand (no zlib in the link): a CRC and a deflate bit writer */

static uint32_t s_crc32(const unsigned char *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return c ^ 0xFFFFFFFFu;
}

typedef struct {
    unsigned char *p;
    size_t n;
    uint32_t acc;
    int bits;
} s_bits_t;

static void s_bits_put(s_bits_t *w, uint32_t value, int nbits)
{
    w->acc |= value << w->bits;
    w->bits += nbits;
    while (w->bits >= 8) {
        w->p[w->n++] = (unsigned char)(w->acc & 0xFF);
        w->acc >>= 8;
        w->bits -= 8;
    }
}

/* Huffman codes go out most significant bit first. */
static void s_bits_huff(s_bits_t *w, uint32_t code, int len)
{
    for (int i = len - 1; i >= 0; i--)
        s_bits_put(w, (code >> i) & 1u, 1);
}

static void s_put_le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static const unsigned char s_gzip_head[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};

/* A gzip member whose one fixed-Huffman block is a literal zero followed
 * by copies of (length 258, distance 1): 13 bits per 258 output bytes. The
 * CRC is left zero: a client must stop at its size limit long before the
 * trailer matters. */
static void s_bomb_build(size_t out_bytes)
{
    size_t copies = (out_bytes - 1) / 258;
    s_bomb = calloc(1, 10 + copies * 2 + 64);
    memcpy(s_bomb, s_gzip_head, 10);
    s_bits_t w = {s_bomb + 10, 0, 0, 0};
    s_bits_put(&w, 1, 1);     /* BFINAL */
    s_bits_put(&w, 1, 2);     /* BTYPE 01: fixed Huffman */
    s_bits_huff(&w, 0x30, 8); /* literal 0 */
    for (size_t i = 0; i < copies; i++) {
        s_bits_huff(&w, 0xC5, 8); /* length symbol 285 = 258 */
        s_bits_huff(&w, 0, 5);    /* distance code 0 = 1 */
    }
    s_bits_huff(&w, 0, 7); /* end of block (256) */
    if (w.bits)
        s_bits_put(&w, 0, 8 - w.bits);
    size_t n = 10 + w.n;
    s_put_le32(s_bomb + n, 0);
    s_put_le32(s_bomb + n + 4, (uint32_t)(1 + copies * 258));
    s_bomb_len = n + 8;
}

/* A valid gzip of text with one stored block. The caller frees. */
static unsigned char *s_gzip_stored(const char *text, size_t *len_out)
{
    size_t n = strlen(text);
    unsigned char *g = malloc(10 + 5 + n + 8);
    memcpy(g, s_gzip_head, 10);
    g[10] = 1; /* BFINAL, BTYPE 00 */
    g[11] = (unsigned char)(n & 0xFF);
    g[12] = (unsigned char)(n >> 8);
    g[13] = (unsigned char)(~n & 0xFF);
    g[14] = (unsigned char)((~n >> 8) & 0xFF);
    memcpy(g + 15, text, n);
    s_put_le32(g + 15 + n, s_crc32((const unsigned char *)text, n));
    s_put_le32(g + 19 + n, (uint32_t)n);
    *len_out = 10 + 5 + n + 8;
    return g;
}

/* ---- sending */

static int s_send(int fd, const void *data, size_t n)
{
    const char *p = data;
    while (n > 0) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Status line, headers (extra: "Name: v\r\n"... or ""), Content-Length and body. */
static int
s_respond(int fd, int status, const char *ctype, const char *extra, const void *body, size_t len)
{
    char head[1024];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d X\r\nContent-Type: %s\r\n%sContent-Length: %zu\r\n\r\n", status,
                     ctype, extra, len);
    if (s_send(fd, head, (size_t)n) < 0)
        return -1;
    return len ? s_send(fd, body, len) : 0;
}

static int s_redirect(int fd, const char *location)
{
    char extra[512];
    snprintf(extra, sizeof extra, "Location: %s\r\n", location);
    return s_respond(fd, 302, "text/html", extra, "moved", 5);
}

static long s_query_long(const char *query, const char *name, long dflt)
{
    size_t n = strlen(name);
    for (const char *p = query; p && *p;) {
        if (strncmp(p, name, n) == 0 && p[n] == '=')
            return strtol(p + n + 1, NULL, 10);
        p = strchr(p, '&');
        if (p)
            p++;
    }
    return dflt;
}

/* ---- the routes that never end or send a lot */

static int s_route_drip(int fd)
{
    const char *head =
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n";
    if (s_send(fd, head, strlen(head)) < 0)
        return -1;
    for (;;) {
        if (s_send(fd, "x", 1) < 0)
            return -1;
        sleep(1);
    }
}

static int s_route_endless(int fd)
{
    const char *head =
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n";
    if (s_send(fd, head, strlen(head)) < 0)
        return -1;
    static char chunk[8 + 65536 + 2];
    memcpy(chunk, "10000\r\n", 7);
    memset(chunk + 7, 'e', 65536);
    memcpy(chunk + 7 + 65536, "\r\n", 2);
    for (;;)
        if (s_send(fd, chunk, 7 + 65536 + 2) < 0)
            return -1;
}

static int s_route_hugeheaders(int fd)
{
    const char *head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n";
    if (s_send(fd, head, strlen(head)) < 0)
        return -1;
    char line[160];
    for (int i = 0; i < 2000; i++) {
        int n = snprintf(line, sizeof line, "X-Filler-%04d: %0100d\r\n", i, 0);
        if (s_send(fd, line, (size_t)n) < 0)
            return -1;
    }
    return s_send(fd, "Content-Length: 2\r\n\r\nok", 23);
}

static int s_route_big(int fd, long n, bool chunked)
{
    if (n < 0)
        n = 0;
    char head[256];
    int k = chunked ? snprintf(head, sizeof head,
                               "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                               "Transfer-Encoding: chunked\r\n\r\n")
                    : snprintf(head, sizeof head,
                               "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                               "Content-Length: %ld\r\n\r\n",
                               n);
    if (s_send(fd, head, (size_t)k) < 0)
        return -1;
    static char block[65536];
    memset(block, 'b', sizeof block);
    while (n > 0) {
        size_t m = n > (long)sizeof block ? sizeof block : (size_t)n;
        char size_line[32];
        int sl = snprintf(size_line, sizeof size_line, "%zx\r\n", m);
        if ((chunked && s_send(fd, size_line, (size_t)sl) < 0) || s_send(fd, block, m) < 0 ||
            (chunked && s_send(fd, "\r\n", 2) < 0))
            return -1;
        n -= (long)m;
    }
    return chunked ? s_send(fd, "0\r\n\r\n", 5) : 0;
}

/* ---- the router */

typedef struct {
    char method[16];
    char path[512];
    char query[256];
    char cookie[256];
    char *body;
    size_t body_len;
} s_req_t;

static int s_route_text(int fd, const s_req_t *rq)
{
    const char *p = rq->path;
    if (!strcmp(p, "/ok"))
        return s_respond(fd, 200, "text/plain; charset=utf-8", "", "hello, world\n", 13);
    if (!strcmp(p, "/json"))
        return s_respond(fd, 200, "application/json", "", "{\"ok\":true}", 11);
    if (!strcmp(p, "/latin1"))
        return s_respond(fd, 200, "text/html; charset=iso-8859-1", "", "caf\xe9", 4);
    if (!strcmp(p, "/metacharset")) {
        const char *b = "<html><head><meta charset=\"windows-1252\"></head>"
                        "<body>caf\xe9 \x93quoted\x94</body></html>";
        return s_respond(fd, 200, "text/html", "", b, strlen(b));
    }
    if (!strcmp(p, "/badutf8"))
        return s_respond(fd, 200, "text/plain; charset=utf-8", "", "ok \xff\xfe bad", 9);
    if (!strcmp(p, "/utf16bom"))
        return s_respond(fd, 200, "text/plain", "", "\xff\xfeh\0i\0", 6);
    if (!strcmp(p, "/xmlenc")) {
        const char *b = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>caf\xe9</a>";
        return s_respond(fd, 200, "application/rss+xml", "", b, strlen(b));
    }
    if (!strcmp(p, "/retrydate")) {
        char extra[96];
        time_t t = time(NULL) + 5;
        struct tm tm;
        strftime(extra, sizeof extra, "Retry-After: %a, %d %b %Y %H:%M:%S GMT\r\n",
                 gmtime_r(&t, &tm));
        return s_respond(fd, 503, "text/plain", extra, "later", 5);
    }
    if (!strcmp(p, "/binary"))
        return s_respond(fd, 200, "image/png", "", "\x89PNG\r\n\x1a\n\0\0", 10);
    if (!strcmp(p, "/captcha")) {
        const char *b = "<html><title>Just a moment...</title>Please complete the captcha</html>";
        return s_respond(fd, 503, "text/html", "", b, strlen(b));
    }
    if (!strcmp(p, "/echo")) {
        char b[1024];
        int n = snprintf(b, sizeof b, "%s\n%.*s\n%s", rq->method, (int)rq->body_len,
                         rq->body ? rq->body : "", rq->cookie);
        return s_respond(fd, 200, "text/plain", "", b, (size_t)n);
    }
    return 1; /* not mine */
}

static int s_route_redirect(int fd, const s_req_t *rq)
{
    char loc[128];
    const char *p = rq->path;
    if (!strcmp(p, "/redirect-ok"))
        return s_redirect(fd, "/ok");
    if (!strcmp(p, "/redirect-loop"))
        return s_redirect(fd, "/redirect-loop");
    if (!strcmp(p, "/redirect-private"))
        return s_redirect(fd, "http://10.0.0.1/");
    if (!strcmp(p, "/redirect-ftp"))
        return s_redirect(fd, "ftp://127.0.0.1/");
    if (!strcmp(p, "/redirect-loopback2")) {
        snprintf(loc, sizeof loc, "http://127.0.0.2:%d/ok", s_port);
        return s_redirect(fd, loc);
    }
    if (!strcmp(p, "/redirect-localhost")) {
        snprintf(loc, sizeof loc, "http://localhost:%d/ok", s_port);
        return s_redirect(fd, loc);
    }
    return 1;
}

static int s_route(int fd, const s_req_t *rq)
{
    int rc = s_route_text(fd, rq);
    if (rc != 1)
        return rc;
    if ((rc = s_route_redirect(fd, rq)) != 1)
        return rc;
    const char *p = rq->path;
    if (!strcmp(p, "/slow")) {
        usleep((useconds_t)s_query_long(rq->query, "ms", 1000) * 1000);
        return s_respond(fd, 200, "text/plain", "", "slow\n", 5);
    }
    if (!strcmp(p, "/429"))
        return s_respond(fd, 429, "text/plain", "Retry-After: 7\r\n", "slow down", 9);
    if (!strcmp(p, "/status")) {
        char extra[64] = "";
        long retry = s_query_long(rq->query, "retry", -1);
        if (retry >= 0)
            snprintf(extra, sizeof extra, "Retry-After: %ld\r\n", retry);
        return s_respond(fd, (int)s_query_long(rq->query, "code", 200), "text/plain", extra,
                         "status", 6);
    }
    if (!strcmp(p, "/gzip")) {
        size_t n;
        unsigned char *g = s_gzip_stored("hello gzip", &n);
        rc = s_respond(fd, 200, "text/plain", "Content-Encoding: gzip\r\n", g, n);
        free(g);
        return rc;
    }
    if (!strcmp(p, "/gzipbomb"))
        return s_respond(fd, 200, "text/plain", "Content-Encoding: gzip\r\n", s_bomb, s_bomb_len);
    if (!strcmp(p, "/drip"))
        return s_route_drip(fd);
    if (!strcmp(p, "/endless"))
        return s_route_endless(fd);
    if (!strcmp(p, "/hugeheaders"))
        return s_route_hugeheaders(fd);
    if (!strcmp(p, "/big") || !strcmp(p, "/bigchunked"))
        return s_route_big(fd, s_query_long(rq->query, "n", 0), p[4] == 'c');
    return s_respond(fd, 404, "text/plain", "", "not found", 9);
}

/* ---- connections */

/* Read one request head (and its Content-Length body). 0, or -1 to close. */
static int s_read_request(int fd, char *buf, size_t cap, s_req_t *rq, bool *keep)
{
    size_t len = 0;
    char *end = NULL;
    while (!end) {
        if (len + 1 >= cap)
            return -1;
        ssize_t k = recv(fd, buf + len, cap - 1 - len, 0);
        if (k <= 0)
            return -1;
        len += (size_t)k;
        buf[len] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    char target[512] = "";
    if (sscanf(buf, "%15s %511s", rq->method, target) != 2)
        return -1;
    char *q = strchr(target, '?');
    if (q)
        *q++ = '\0';
    snprintf(rq->path, sizeof rq->path, "%s", target);
    snprintf(rq->query, sizeof rq->query, "%s", q ? q : "");
    *keep = strstr(buf, "HTTP/1.1\r\n") && !strcasestr(buf, "\r\nConnection: close");
    const char *c = strcasestr(buf, "\r\nCookie: ");
    rq->cookie[0] = '\0';
    if (c && c < end)
        sscanf(c + 10, "%255[^\r]", rq->cookie);
    const char *cl = strcasestr(buf, "\r\nContent-Length: ");
    rq->body_len = cl && cl < end ? strtoul(cl + 18, NULL, 10) : 0;
    if (rq->body_len > 65536)
        return -1;
    rq->body = calloc(1, rq->body_len + 1);
    size_t have = len - (size_t)(end + 4 - buf); /* no pipelining: the rest is body */
    if (have > rq->body_len)
        have = rq->body_len;
    memcpy(rq->body, end + 4, have);
    while (have < rq->body_len) {
        ssize_t k = recv(fd, rq->body + have, rq->body_len - have, 0);
        if (k <= 0)
            return -1;
        have += (size_t)k;
    }
    return 0;
}

static void *s_connection(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char *buf = malloc(16384);
    for (;;) {
        s_req_t rq = {0};
        bool keep = false;
        if (s_read_request(fd, buf, 16384, &rq, &keep) < 0) {
            free(rq.body);
            break;
        }
        __atomic_add_fetch(&s_stats->requests, 1, __ATOMIC_SEQ_CST);
        long now = __atomic_add_fetch(&s_stats->active, 1, __ATOMIC_SEQ_CST);
        long peak = __atomic_load_n(&s_stats->peak, __ATOMIC_SEQ_CST);
        while (now > peak && !__atomic_compare_exchange_n(&s_stats->peak, &peak, now, false,
                                                          __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
            ;
        int rc = s_route(fd, &rq);
        __atomic_sub_fetch(&s_stats->active, 1, __ATOMIC_SEQ_CST);
        free(rq.body);
        if (rc < 0 || !keep)
            break;
    }
    free(buf);
    close(fd);
    return NULL;
}

static void s_serve(int lfd)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    signal(SIGPIPE, SIG_IGN);
    s_bomb_build((size_t)64 << 20);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE)
                continue;
            _exit(1);
        }
        pthread_t t;
        if (pthread_create(&t, &attr, s_connection, (void *)(intptr_t)fd) != 0)
            close(fd);
    }
}

misbehave_t *misbehave_start(void)
{
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (lfd < 0)
        return NULL;
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sa;
    if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(lfd, 4096) < 0 ||
        getsockname(lfd, (struct sockaddr *)&sa, &sl) < 0) {
        close(lfd);
        return NULL;
    }
    s_stats_t *stats =
        mmap(NULL, sizeof *stats, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (stats == MAP_FAILED) {
        close(lfd);
        return NULL;
    }
    memset(stats, 0, sizeof *stats);
    int port = ntohs(sa.sin_port);
    pid_t pid = fork();
    if (pid == 0) {
        s_stats = stats;
        s_port = port;
        s_serve(lfd);
        _exit(0);
    }
    close(lfd);
    if (pid < 0) {
        munmap(stats, sizeof *stats);
        return NULL;
    }
    misbehave_t *self = calloc(1, sizeof *self);
    self->pid = pid;
    self->port = port;
    self->stats = stats;
    return self;
}

void misbehave_stop(misbehave_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    misbehave_t *self = *self_p;
    kill(self->pid, SIGKILL);
    waitpid(self->pid, NULL, 0);
    munmap(self->stats, sizeof *self->stats);
    free(self);
    *self_p = NULL;
}

int misbehave_port(const misbehave_t *self)
{
    return self->port;
}

long misbehave_requests(const misbehave_t *self)
{
    return __atomic_load_n(&self->stats->requests, __ATOMIC_SEQ_CST);
}

long misbehave_peak(const misbehave_t *self)
{
    return __atomic_load_n(&self->stats->peak, __ATOMIC_SEQ_CST);
}
