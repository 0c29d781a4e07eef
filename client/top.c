/*  top.c - `lode top`: subscribe to the broker's stats snapshots and show
 *  them. Reads nothing from Redis: everything comes from the snapshot.
 *  SPDX-License-Identifier: MIT
 */
#include "top.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <czmq.h>
#include <jansson.h>

#include "job.h"
#include "mem.h"
#include "top_parts.h"

#define TOP_PUB_DEFAULT "tcp://127.0.0.1:5556" /* = STATS_PUB_DEFAULT of lode-broker */
#define TOP_TOPIC       "stats"
#define TOP_MAX_JSON    (4u * 1024 * 1024) /* a snapshot larger than this is refused */
#define TOP_POLL_MS     1000               /* redraw at least this often (stale marker) */
#define TOP_HEAD_ROWS   12                 /* rows that are not worker rows */
#define TOP_GAP_NOTE_MS 3000               /* a gap in the snapshots this long is noted */

/* --- formatting ------------------------------------------------------------ */

static long long s_int(const json_t *obj, const char *key)
{
    return (long long)json_integer_value(json_object_get(obj, key));
}

static double s_num(const json_t *obj, const char *key)
{
    return json_number_value(json_object_get(obj, key));
}

static const char *s_str(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : "";
}

/* A duration for a column: "0.4ms", "12ms", "1.2s", "2.5m". */
static void s_dur(char *out, size_t size, double ms)
{
    if (ms <= 0)
        snprintf(out, size, "-");
    else if (ms < 10)
        snprintf(out, size, "%.1fms", ms);
    else if (ms < 1000)
        snprintf(out, size, "%.0fms", ms);
    else if (ms < 60000)
        snprintf(out, size, "%.1fs", ms / 1000);
    else
        snprintf(out, size, "%.1fm", ms / 60000);
}

static void s_uptime(char *out, size_t size, long long ms)
{
    long long s = ms / 1000;
    if (s < 3600)
        snprintf(out, size, "%lldm%02llds", s / 60, s % 60);
    else
        snprintf(out, size, "%lldh%02lldm", s / 3600, (s % 3600) / 60);
}

static void s_header(FILE *out, const json_t *root, const top_fmt_t *fmt)
{
    time_t t = (time_t)(s_int(root, "time_ms") / 1000);
    struct tm tm;
    char when[32] = "?", up[32];
    if (localtime_r(&t, &tm))
        strftime(when, sizeof when, "%H:%M:%S", &tm);
    s_uptime(up, sizeof up, s_int(root, "uptime_ms"));
    const json_t *tot = json_object_get(root, "totals");
    fprintf(out, "lode top  %s  %s  broker up %s  redis %s", fmt->endpoint ? fmt->endpoint : "",
            when, up, json_is_true(json_object_get(root, "redis_ok")) ? "ok" : "UNAVAILABLE");
    if (fmt->stale_s > 2)
        fprintf(out, "  (no snapshot for %d s: broker restarting? waiting)", fmt->stale_s);
    fprintf(out,
            "\njobs %lld  in flight %lld  retrying %lld  dead %lld  submitted %lld  "
            "bad frames %lld\n\n",
            s_int(tot, "jobs"), s_int(tot, "leases"), s_int(tot, "delayed"), s_int(tot, "dead"),
            s_int(tot, "submitted"), s_int(tot, "bad_frames"));
}

static void s_stages(FILE *out, const json_t *stages)
{
    fprintf(out, "%-10s %8s %9s %7s %8s %8s %8s %8s %9s %8s\n", "STAGE", "QUEUED", "INFLIGHT",
            "WORKERS", "DONE/S", "FAIL/S", "P50", "P99", "DONE", "FAILED");
    for (int s = 0; s < JOB_STAGE_COUNT; s++) {
        const char *name = job_stage_name((job_stage_t)s);
        const json_t *st = json_object_get(stages, name);
        if (!st)
            continue;
        char p50[16], p99[16];
        s_dur(p50, sizeof p50, s_num(st, "p50_ms"));
        s_dur(p99, sizeof p99, s_num(st, "p99_ms"));
        fprintf(out, "%-10s %8lld %9lld %7lld %8.1f %8.1f %8s %8s %9lld %8lld\n", name,
                s_int(st, "queued"), s_int(st, "in_flight"), s_int(st, "workers"),
                s_num(st, "done_per_s"), s_num(st, "failed_per_s"), p50, p99, s_int(st, "done"),
                s_int(st, "retried") + s_int(st, "failed") + s_int(st, "dead"));
    }
}

static void s_workers(FILE *out, const json_t *workers, int max)
{
    size_t n = json_array_size(workers);
    fprintf(out, "\n%-32.32s %-16.16s %-10s %9s %8s %8s %8s\n", "WORKER", "HOST", "STAGE", "LOAD",
            "DONE", "MEAN", "P99");
    if (n == 0)
        fprintf(out, "(no workers connected)\n");
    for (size_t i = 0; i < n; i++) {
        if (max > 0 && i >= (size_t)max) {
            fprintf(out, "… and %zu more\n", n - i);
            break;
        }
        const json_t *w = json_array_get(workers, i);
        char load[24], mean[16], p99[16];
        long long held = s_int(w, "held");
        snprintf(load, sizeof load, "%lld/%lld", held, held + s_int(w, "credits"));
        s_dur(mean, sizeof mean, s_num(w, "mean_ms"));
        s_dur(p99, sizeof p99, s_num(w, "p99_ms"));
        fprintf(out, "%-32.32s %-16.16s %-10s %9s %8lld %8s %8s\n", s_str(w, "id"),
                *s_str(w, "host") ? s_str(w, "host") : "?", s_str(w, "stage"), load,
                s_int(w, "done"), mean, p99);
    }
}

int top_format(FILE *out, const char *json, const top_fmt_t *fmt, err_t *err)
{
    json_error_t jerr;
    json_t *root = json_loads(json, 0, &jerr);
    if (!json_is_object(root) || !json_is_object(json_object_get(root, "stages"))) {
        err_set(err, LODE_EPROTO, "not a stats snapshot: %s", root ? "no stages" : jerr.text);
        json_decref(root);
        return -1;
    }
    s_header(out, root, fmt);
    s_stages(out, json_object_get(root, "stages"));
    s_workers(out, json_object_get(root, "workers"), fmt->max_workers);
    top_parts_format(out, root);
    json_decref(root);
    return 0;
}

/* --- the subscription -------------------------------------------------------- */

typedef struct {
    cli_t *cli;
    const char *endpoint;
    bool once, json;
    bool tty; /* stdout is a terminal: redraw in place */
    bool raw; /* stdin switched to single keys (restore at the end) */
    struct termios saved;
    zsock_t *sub;    /* owned */
    char *last;      /* owned: the last snapshot's JSON */
    int64_t last_ms; /* when it arrived (monotonic) */
    bool gap;        /* a gap in the snapshots was noted (off a terminal) */
} s_top_t;

/* Receive one snapshot if one is waiting; 1 if got, 0 if none, -1 bad. */
static int s_recv(s_top_t *t)
{
    zmsg_t *msg = zmsg_recv_nowait(t->sub);
    if (!msg)
        return 0;
    int rc = -1;
    zframe_t *topic = zmsg_first(msg);
    zframe_t *body = zmsg_next(msg);
    if (topic && body && zframe_streq(topic, TOP_TOPIC) && zframe_size(body) < TOP_MAX_JSON) {
        free(t->last);
        t->last = mem_strndup((const char *)zframe_data(body), zframe_size(body));
        t->last_ms = zclock_mono();
        rc = 1;
    }
    zmsg_destroy(&msg);
    return rc;
}

static int s_connect(s_top_t *t, err_t *err)
{
    t->sub = zsock_new(ZMQ_SUB);
    if (!t->sub) {
        err_set(err, LODE_EIO, "cannot make a SUB socket");
        return -1;
    }
    zsock_set_rcvhwm(t->sub, 4);
    zsock_set_linger(t->sub, 0);
    zsock_set_subscribe(t->sub, TOP_TOPIC);
    if (curve_client_apply(t->sub, &t->cli->curve, err) != 0)
        return -1;
    if (zsock_connect(t->sub, "%s", t->endpoint) < 0) {
        err_set(err, LODE_EINVAL, "cannot connect to %s: %s", t->endpoint,
                zmq_strerror(zmq_errno()));
        return -1;
    }
    return 0;
}

/* Wait for the socket or a key, at most ms. 1 ready, 0 time out, -1 on an
 * interrupt (Ctrl-C) or 'q'. */
static int s_wait(s_top_t *t, int ms)
{
    zmq_pollitem_t items[2] = {{zsock_resolve(t->sub), 0, ZMQ_POLLIN, 0},
                               {NULL, STDIN_FILENO, ZMQ_POLLIN, 0}};
    int rc = zmq_poll(items, t->raw ? 2 : 1, ms);
    if (rc < 0 || zsys_interrupted)
        return -1;
    if (t->raw && (items[1].revents & ZMQ_POLLIN)) {
        char c = 0;
        if (read(STDIN_FILENO, &c, 1) == 1 && (c == 'q' || c == 'Q' || c == 3))
            return -1;
    }
    return (items[0].revents & ZMQ_POLLIN) ? 1 : 0;
}

static void s_raw_on(s_top_t *t)
{
    if (!t->tty || !isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &t->saved) != 0)
        return;
    struct termios raw = t->saved;
    raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
    raw.c_cc[VMIN] = 0;
    raw.c_cc[VTIME] = 0;
    t->raw = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
}

static void s_raw_off(s_top_t *t)
{
    if (t->raw)
        tcsetattr(STDIN_FILENO, TCSANOW, &t->saved);
    t->raw = false;
}

static int s_rows(void)
{
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > TOP_HEAD_ROWS + 1)
        return ws.ws_row - TOP_HEAD_ROWS;
    return 0;
}

static void s_draw(s_top_t *t)
{
    FILE *out = t->cli->out;
    top_fmt_t fmt = {.endpoint = t->endpoint};
    if (t->last)
        fmt.stale_s = (int)((zclock_mono() - t->last_ms) / 1000);
    if (t->tty) {
        fmt.max_workers = s_rows();
        fputs("\033[H\033[2J", out); /* home, clear */
    }
    err_t err = {0};
    if (!t->last && !t->tty)
        return; /* plain output: one block per snapshot, nothing else */
    /* The snapshot's sums, with each partition's share read from the store. */
    char *shown = t->last ? top_parts_add(t->cli, t->last) : NULL;
    if (!t->last)
        fprintf(out, "lode top  %s  waiting for the broker's stats…  (q to quit)\n", t->endpoint);
    else if (top_format(out, shown ? shown : t->last, &fmt, &err) != 0)
        fprintf(out, "lode top: %s\n", err.msg);
    free(shown);
    if (!t->tty)
        fputc('\n', out);
    fflush(out);
}

/* --once: the first snapshot within the time limit. */
static int s_once(s_top_t *t)
{
    int64_t deadline = zclock_mono() + t->cli->timeout_ms;
    while (!t->last) {
        int64_t left = deadline - zclock_mono();
        if (left <= 0 || s_wait(t, (int)left) < 0)
            break;
        if (s_recv(t) < 0)
            fprintf(t->cli->errs, "lode: warning: ignored a message that is not a snapshot\n");
    }
    if (!t->last) {
        fprintf(t->cli->errs,
                "lode: error: no stats from %s within %.1f s (is lode-broker running, with "
                "--pub there?)\n",
                t->endpoint, t->cli->timeout_ms / 1000.0);
        return CLI_EXIT_UNREACHABLE;
    }
    if (!t->json) {
        s_draw(t);
        return CLI_EXIT_OK;
    }
    char *shown = top_parts_add(t->cli, t->last);
    json_t *root = shown ? json_loads(shown, 0, NULL) : NULL;
    free(shown);
    if (!root) {
        fprintf(t->cli->errs, "lode: error: the broker sent a snapshot that is not JSON\n");
        return CLI_EXIT_ERROR;
    }
    json_dumpf(root, t->cli->out, JSON_PRESERVE_ORDER | JSON_INDENT(2) | JSON_REAL_PRECISION(12));
    fputc('\n', t->cli->out);
    json_decref(root);
    return CLI_EXIT_OK;
}

/* Off a terminal (where the header says it): one line when snapshots stop
 * (the broker restarting) and one when they come again; top keeps going. */
static void s_note_gap(s_top_t *t, bool got)
{
    if (t->tty || !t->last)
        return;
    int64_t quiet = zclock_mono() - t->last_ms;
    if (!got && !t->gap && quiet >= TOP_GAP_NOTE_MS) {
        fprintf(t->cli->errs,
                "lode: no stats from %s for %lld s (broker restarting?); waiting for it\n",
                t->endpoint, (long long)(quiet / 1000));
        t->gap = true;
    } else if (got && t->gap) {
        fprintf(t->cli->errs, "lode: stats from %s again\n", t->endpoint);
        t->gap = false;
    }
    fflush(t->cli->errs);
}

/* Live: redraw on every snapshot, and once a second to age the header. */
static int s_live(s_top_t *t)
{
    int64_t start = zclock_mono();
    s_raw_on(t);
    if (t->tty)
        fputs("\033[?25l", t->cli->out); /* hide the cursor */
    s_draw(t);
    int rc = CLI_EXIT_OK;
    while (true) {
        int w = s_wait(t, TOP_POLL_MS);
        if (w < 0)
            break;
        bool got = false;
        while (s_recv(t) != 0)
            got = true;
        s_note_gap(t, got);
        if (!t->last && t->cli->timeout_given && zclock_mono() - start > t->cli->timeout_ms) {
            rc = CLI_EXIT_UNREACHABLE;
            break;
        }
        if (got || t->tty)
            s_draw(t);
    }
    s_raw_off(t);
    if (t->tty)
        fputs("\033[?25h", t->cli->out);
    if (rc == CLI_EXIT_UNREACHABLE)
        fprintf(t->cli->errs, "lode: error: no stats from %s within %.1f s\n", t->endpoint,
                t->cli->timeout_ms / 1000.0);
    return rc;
}

static const char *s_endpoint(const char *given)
{
    if (!given || !*given)
        given = getenv("LODE_PUB");
    return given && *given ? given : TOP_PUB_DEFAULT;
}

int top_stage_workers(
    cli_t *cli, const char *endpoint, int timeout_ms, long long workers[4], err_t *err)
{
    s_top_t t = {.cli = cli, .endpoint = s_endpoint(endpoint), .once = true};
    int rc = s_connect(&t, err);
    int64_t deadline = zclock_mono() + timeout_ms;
    while (rc == 0 && !t.last) {
        int64_t left = deadline - zclock_mono();
        if (left <= 0 || s_wait(&t, (int)left) < 0)
            break;
        (void)s_recv(&t); /* a message that is no snapshot is skipped */
    }
    json_t *root = rc == 0 && t.last ? json_loads(t.last, 0, NULL) : NULL;
    const json_t *stages = json_object_get(root, "stages");
    if (rc == 0 && !json_is_object(stages)) {
        err_set(err, LODE_ETIMEDOUT, "no stats snapshot from %s within %d ms", t.endpoint,
                timeout_ms);
        rc = -1;
    }
    for (int s = 0; rc == 0 && s < JOB_STAGE_COUNT; s++)
        workers[s] = s_int(json_object_get(stages, job_stage_name((job_stage_t)s)), "workers");
    json_decref(root);
    zsock_destroy(&t.sub);
    free(t.last);
    return rc;
}

int top_run(cli_t *cli, int argc, char **argv)
{
    s_top_t t = {.cli = cli};
    const cli_opt_t opts[] = {{"--once", NULL, &t.once},
                              {"--json", NULL, &t.json},
                              {"--pub", &t.endpoint, NULL},
                              {NULL, NULL, NULL}};
    size_t n;
    int rc = cli_parse(cli, argc, argv, opts, NULL, 0, &n);
    if (rc != 0)
        return cli_parse_exit(rc);
    if (t.json && !t.once)
        return cli_usage(cli, "top", "--json needs --once");
    t.endpoint = s_endpoint(t.endpoint);
    t.tty = !t.once && cli->out == stdout && isatty(STDOUT_FILENO);
    err_t err = {0};
    if (s_connect(&t, &err) != 0)
        rc = cli_fail(cli, &err);
    else
        rc = t.once ? s_once(&t) : s_live(&t);
    zsock_destroy(&t.sub);
    free(t.last);
    return rc;
}
