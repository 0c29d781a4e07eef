/*  cluster_cli.c - runs the `lode` CLI (and other programs of the build) for
 *  the harness: stdin fed and both outputs captured through non-blocking
 *  pipes, bounded in size and time; submit and export on top of it.
 *  SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cluster.h"
#include "cluster_impl.h"
#include "mem.h"

/* ------------------------------------------------------------------- CLI */

/* Read what is there; false at EOF or error. */
static bool s_drain(int fd, cluster_out_t *o)
{
    char chunk[65536];
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n > 0) {
        cluster_out_add(o, chunk, (size_t)n);
        return true;
    }
    return n < 0 && (errno == EAGAIN || errno == EINTR);
}

typedef struct {
    int in, out, err; /* parent's ends, -1 once closed */
    const char *data; /* stdin bytes (borrowed) */
    size_t len, sent;
} s_pipes_t;

static void s_close(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* One poll round: feed stdin, drain outputs. */
static void s_pump(s_pipes_t *p, cluster_out_t *out, cluster_out_t *err, int wait_ms)
{
    struct pollfd fds[3] = {{p->in, POLLOUT, 0}, {p->out, POLLIN, 0}, {p->err, POLLIN, 0}};
    if (poll(fds, 3, wait_ms) <= 0)
        return;
    if (p->in >= 0 && fds[0].revents) {
        ssize_t n = write(p->in, p->data + p->sent, p->len - p->sent);
        if (n > 0)
            p->sent += (size_t)n;
        if ((n < 0 && errno != EAGAIN && errno != EINTR) || p->sent == p->len)
            s_close(&p->in);
    }
    if (p->out >= 0 && fds[1].revents && !s_drain(p->out, out))
        s_close(&p->out);
    if (p->err >= 0 && fds[2].revents && !s_drain(p->err, err))
        s_close(&p->err);
}

/* Wait for pid until deadline; its status code, or CLUSTER_EXIT_TIMEOUT. */
static int s_reap(pid_t pid, int64_t deadline)
{
    int status = 0;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            break;
        if (r < 0 && errno != EINTR)
            return -1;
        if (cluster_now_ms() >= deadline) {
            cluster_kill_group(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            return CLUSTER_EXIT_TIMEOUT;
        }
        cluster_sleep_ms(5);
    }
    cluster_kill_group(pid, SIGKILL); /* anything it left behind */
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
}

static pid_t s_spawn_piped(char *const argv[], s_pipes_t *p)
{
    int in[2], out[2], er[2];
    if (pipe2(in, O_CLOEXEC) != 0)
        return -1;
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(er, O_CLOEXEC) != 0) {
        close(in[0]); /* fd exhaustion in a test binary: give up cleanly */
        close(in[1]);
        return -1;
    }
    pid_t pid = cluster_spawn(argv, in[0], out[1], er[1]);
    close(in[0]);
    close(out[1]);
    close(er[1]);
    p->in = in[1];
    p->out = out[0];
    p->err = er[0];
    fcntl(p->in, F_SETFL, O_NONBLOCK);
    fcntl(p->out, F_SETFL, O_NONBLOCK);
    fcntl(p->err, F_SETFL, O_NONBLOCK);
    if (p->len == 0)
        s_close(&p->in);
    return pid;
}

static int s_run(char *const argv[], const char *in, size_t in_len, char **out, char **errout)
{
    s_pipes_t p = {.data = in, .len = in ? in_len : 0};
    cluster_out_t o = {0}, e = {0};
    cluster_out_add(&o, "", 0);
    cluster_out_add(&e, "", 0);
    int64_t deadline = cluster_now_ms() + CLUSTER_CLI_LIMIT_MS;
    pid_t pid = s_spawn_piped(argv, &p);
    int rc = -1;
    if (pid > 0) {
        cluster_cli_pid = pid;
        while ((p.out >= 0 || p.err >= 0) && cluster_now_ms() < deadline)
            s_pump(&p, &o, &e, 50);
        rc = s_reap(pid, deadline);
        cluster_cli_pid = 0;
    }
    s_close(&p.in);
    s_close(&p.out);
    s_close(&p.err);
    if (out)
        *out = o.data;
    else
        free(o.data);
    if (errout)
        *errout = e.data;
    else
        free(e.data);
    return rc;
}

int cluster_run_cli_at(const char *redis_url,
                       const char *broker,
                       const char *in,
                       size_t in_len,
                       char **out,
                       char **errout,
                       const char *const *argv)
{
    cluster_install_cleanup();
    char bin[PATH_MAX];
    snprintf(bin, sizeof bin, "%s/lode", cluster_bin_dir());
    char *full[CLUSTER_MAX_ARGS * 2];
    size_t n = 0;
    full[n++] = bin;
    if (redis_url) {
        full[n++] = "--redis";
        full[n++] = (char *)redis_url;
    }
    if (broker) {
        full[n++] = "--broker";
        full[n++] = (char *)broker;
    }
    for (size_t i = 0; argv && argv[i] && n < CLUSTER_MAX_ARGS * 2 - 1; i++)
        full[n++] = (char *)argv[i];
    full[n] = NULL;
    return s_run(full, in, in_len, out, errout);
}

int cluster_run_prog(const char *prog, const char *const *argv, char **out, char **errout)
{
    cluster_install_cleanup();
    char bin[PATH_MAX];
    snprintf(bin, sizeof bin, "%s/%s", cluster_bin_dir(), prog);
    char *full[CLUSTER_MAX_ARGS + 1];
    size_t n = 0;
    full[n++] = bin;
    for (size_t i = 0; argv && argv[i] && n < CLUSTER_MAX_ARGS; i++)
        full[n++] = (char *)argv[i];
    full[n] = NULL;
    return s_run(full, NULL, 0, out, errout);
}

int cluster_run_cliv(cluster_t *self,
                     const char *in,
                     size_t in_len,
                     char **out,
                     char **errout,
                     const char *const *argv)
{
    return cluster_run_cli_at(self->redis_url, self->broker_ep, in, in_len, out, errout, argv);
}

int cluster_run_cli(cluster_t *self, const char *in, char **out, char **errout, ...)
{
    const char *argv[CLUSTER_MAX_ARGS];
    size_t n = 0;
    va_list ap;
    va_start(ap, errout);
    const char *a;
    while ((a = va_arg(ap, const char *)) != NULL && n < CLUSTER_MAX_ARGS - 1)
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    return cluster_run_cliv(self, in, in ? strlen(in) : 0, out, errout, argv);
}

char *cluster_submit_text(cluster_t *self, const char *text, size_t len)
{
    const char *argv[] = {"submit", "--text", "-", NULL};
    char *out = NULL, *errout = NULL;
    int rc = cluster_run_cliv(self, text, len, &out, &errout, argv);
    char *id = NULL;
    size_t n = out ? strcspn(out, "\r\n") : 0;
    if (rc == 0 && n > 0)
        id = mem_strndup(out, n);
    else
        fprintf(stderr, "cluster: lode submit exited %d: %s%s\n", rc, errout ? errout : "",
                out ? out : "");
    free(out);
    free(errout);
    return id;
}

char *cluster_export_json(cluster_t *self, const char *id)
{
    char *out = NULL, *errout = NULL;
    int rc = cluster_run_cli(self, NULL, &out, &errout, "export", id, "--format", "json", NULL);
    if (rc != 0) {
        fprintf(stderr, "cluster: lode export %s exited %d: %s\n", id, rc, errout);
        free(out);
        out = NULL;
    }
    free(errout);
    return out;
}

int cluster_submit_argv(cluster_t *self, const char *const *args, char **ids, size_t max)
{
    const char *argv[CLUSTER_MAX_ARGS + 2] = {"submit"};
    size_t n = 1;
    for (size_t i = 0; args && args[i] && n < CLUSTER_MAX_ARGS; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    char *out = NULL, *errout = NULL;
    int rc = cluster_run_cliv(self, NULL, 0, &out, &errout, argv);
    int got = -1;
    if (rc == 0 && out) {
        got = 0;
        char *save = NULL;
        for (char *line = strtok_r(out, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save))
            if ((size_t)got < max)
                ids[got++] = mem_strdup(line);
    } else {
        fprintf(stderr, "cluster: lode submit exited %d: %s%s\n", rc, errout ? errout : "",
                out ? out : "");
    }
    free(out);
    free(errout);
    return got;
}
