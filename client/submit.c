/*  submit.c - `lode submit`: sources in, job ids out. Sizes are checked
 *  before anything is read or sent; the broker's answer is awaited with a
 *  time limit and the socket never lingers, so the CLI never hangs.
 *  SPDX-License-Identifier: MIT
 */
#include "submit.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <czmq.h>

#include "batch.h"
#include "batch_submit.h"
#include "buf.h"
#include "curve.h"
#include "mem.h"
#include "proto.h"
#include "submit_wire.h"
#include "textsniff.h"
#include "wait.h"

/* Room for the msgpack framing of a SUBMIT around its bodies. */
#define SUBMIT_FRAME_SLACK (1024u * 1024)

void submit_item_clear(submit_item_t *item)
{
    free(item->name);
    free(item->url);
    free(item->body);
    memset(item, 0, sizeof *item);
}

/* Read fd to its end, or (size > 0) until size bytes are in. */
static int s_read_fd(int fd, size_t max_bytes, size_t size, buf_t *b, err_t *err)
{
    if (buf_read_fd(b, fd, size, err) == 0)
        return 0;
    if (err && err->code == LODE_ETOOBIG)
        err_prefix(err, "over the %zu MB limit", max_bytes / (1024 * 1024));
    return -1;
}

/* Read the file open on fd (which this closes). */
static int s_read_file(int fd, const char *path, size_t max_bytes, submit_item_t *item, err_t *err)
{
    struct stat st;
    if (fstat(fd, &st) != 0) {
        err_set(err, LODE_EIO, "%s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    int rc = -1;
    buf_t b;
    buf_init(&b, max_bytes);
    if (!S_ISREG(st.st_mode))
        err_set(err, LODE_EINVAL, "%s is not a regular file", path);
    else if ((uintmax_t)st.st_size > max_bytes)
        err_set(err, LODE_ETOOBIG, "%s is %.1f MB, over the %zu MB limit", path,
                (double)st.st_size / (1024.0 * 1024.0), max_bytes / (1024 * 1024));
    else if (s_read_fd(fd, max_bytes, (size_t)st.st_size, &b, err) != 0)
        err_prefix(err, "%s", path);
    else
        rc = 0;
    close(fd);
    if (rc == 0) {
        item->body_len = b.len;
        item->body = buf_steal(&b);
    }
    buf_free(&b);
    return rc;
}

/* The fetch stage's rule (textsniff.h), here so that a binary file gets
 * no job id: "x.pdf: binary content (a PDF document), not text…". */
static int s_check_text(const submit_item_t *item, const char *what, err_t *err)
{
    if (textsniff_check(item->body, item->body_len, err) == 0)
        return 0;
    err_prefix(err, "%s", what);
    size_t n = strlen(err->msg);
    snprintf(err->msg + n, sizeof err->msg - n, "; lode mines text, Markdown, WebVTT and SRT");
    return -1;
}

/* The -f list's rule (batch_url_normalise), so that a URL no worker could
 * fetch gets no job id. The URL is sent as given: the broker and workers
 * normalise what they need. */
static int s_check_url(submit_item_t *item, err_t *err)
{
    char *norm = NULL;
    err_t why = {0};
    if (batch_url_normalise(item->url, strlen(item->url), &norm, &why) == 0) {
        free(norm);
        return 0;
    }
    err_set(err, LODE_EINVAL, "not a URL lode can fetch: %.160s (%s)", item->url, why.msg);
    submit_item_clear(item);
    return -1;
}

/* "host.tld/…" with no scheme: a dot in the first path segment, no spaces. */
static bool s_looks_like_host(const char *arg)
{
    size_t host = strcspn(arg, "/");
    const char *dot = memchr(arg, '.', host);
    return arg[host] == '/' && dot && dot > arg && dot + 1 < arg + host && !strpbrk(arg, " \t") &&
           arg[0] != '.';
}

int submit_item_from_arg(const char *arg, size_t max_bytes, submit_item_t *item, err_t *err)
{
    memset(item, 0, sizeof *item);
    /* Open first rather than stat and then open: one system call a file
     * fewer. A name that is no file (or no path at all) may be a URL. */
    int fd = open(arg, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno != ENOENT && errno != ENOTDIR && errno != ENAMETOOLONG && errno != ELOOP) {
        err_set(err, LODE_EIO, "%s: %s", arg, strerror(errno));
        return -1;
    }
    if (fd >= 0) {
        item->kind = "file";
        const char *slash = strrchr(arg, '/');
        item->name = mem_strdup(slash && slash[1] ? slash + 1 : arg);
        if (s_read_file(fd, arg, max_bytes, item, err) != 0 || s_check_text(item, arg, err) != 0) {
            submit_item_clear(item);
            return -1;
        }
        return 0;
    }
    if (strstr(arg, "://") || s_looks_like_host(arg)) {
        /* "youtu.be/ID", "example.com/post": what people paste. */
        item->kind = "url";
        item->url = strstr(arg, "://") ? mem_strdup(arg) : mem_printf("https://%s", arg);
        return s_check_url(item, err);
    }
    err_set(err, LODE_ENOTFOUND, "no such file: %s", arg);
    return -1;
}

int submit_item_from_stream(FILE *f, size_t max_bytes, submit_item_t *item, err_t *err)
{
    memset(item, 0, sizeof *item);
    buf_t b;
    buf_init(&b, max_bytes);
    fflush(f);
    if (s_read_fd(fileno(f), max_bytes, 0, &b, err) != 0) {
        err_prefix(err, "stdin");
        buf_free(&b);
        return -1;
    }
    item->kind = "text";
    item->body_len = b.len;
    item->body = buf_steal(&b);
    if (s_check_text(item, "stdin", err) != 0) {
        submit_item_clear(item);
        return -1;
    }
    return 0;
}

/* Send one SUBMIT and wait for its answer; *ack holds the ids on success. */
static int s_exchange(
    cli_t *cli, const char *batch_name, const submit_item_t *items, size_t n, proto_msg_t *ack)
{
    int rc;
    zsock_t *sock = submit_connect(cli, &rc);
    if (!sock)
        return rc;
    proto_item_t *pitems = mem_calloc(n, sizeof *pitems);
    for (size_t i = 0; i < n; i++)
        pitems[i] = (proto_item_t){(char *)items[i].kind, items[i].name, items[i].url,
                                   items[i].body, items[i].body_len};
    submit_req_t req = {.seq = 1, .name = batch_name, .items = pitems, .n = n};
    rc = submit_send(cli, sock, &req, ack);
    free(pitems);
    zsock_destroy(&sock);
    return rc;
}

static int s_print_result(cli_t *cli, const proto_msg_t *ack, bool json)
{
    if (!json) {
        for (size_t i = 0; i < ack->n_ids; i++)
            fprintf(cli->out, "%s\n", ack->ids[i]);
        return CLI_EXIT_OK;
    }
    fprintf(cli->out, "{\"batch\":\"%s\",\"jobs\":[", ack->batch);
    for (size_t i = 0; i < ack->n_ids; i++)
        fprintf(cli->out, "%s\"%s\"", i ? "," : "", ack->ids[i]);
    fprintf(cli->out, "]}\n");
    return CLI_EXIT_OK;
}

static int s_collect(
    cli_t *cli, const char *text, const char **args, size_t n_args, submit_item_t *items, size_t *n)
{
    err_t err = {0};
    *n = 0;
    if (text && strcmp(text, "-") == 0) {
        if (submit_item_from_stream(stdin, JOB_SOURCE_MAX_BYTES, &items[(*n)++], &err) != 0)
            return cli_fail(cli, &err);
    } else if (text) {
        if (strlen(text) > JOB_SOURCE_MAX_BYTES)
            return cli_usage(cli, "submit", "--text is over the 50 MB limit");
        items[*n] = (submit_item_t){.kind = "text", .body = mem_strdup(text)};
        items[(*n)++].body_len = strlen(text);
        if (s_check_text(&items[*n - 1], "--text", &err) != 0)
            return cli_fail(cli, &err);
    }
    size_t total = *n ? items[0].body_len : 0;
    for (size_t i = 0; i < n_args; i++) {
        if (submit_item_from_arg(args[i], JOB_SOURCE_MAX_BYTES, &items[*n], &err) != 0)
            return err.code == LODE_ENOTFOUND || err.code == LODE_EINVAL
                       ? cli_usage(cli, "submit", "%s", err.msg)
                       : cli_fail(cli, &err);
        total += items[(*n)++].body_len;
        if (total > PROTO_MAX_FRAME - SUBMIT_FRAME_SLACK) {
            err_set(&err, LODE_ETOOBIG,
                    "the batch is over %u MB in one submission; submit the files separately",
                    (PROTO_MAX_FRAME - SUBMIT_FRAME_SLACK) / (1024 * 1024));
            return cli_fail(cli, &err);
        }
    }
    return CLI_EXIT_OK;
}

/* --episode X rides on each URL as "#episode=X": the fragment never goes
 * to the server, and the podcast driver reads it. */
static void s_set_episode(submit_item_t *items, size_t n, const char *episode)
{
    for (size_t i = 0; i < n; i++) {
        if (!items[i].url || strchr(items[i].url, '#'))
            continue;
        char *url = mem_printf("%s#episode=%s", items[i].url, episode);
        free(items[i].url);
        items[i].url = url;
    }
}

/* `lode submit -f FILE|-`: the URL list goes to batch_submit.c, streamed. */
static int s_run_file(cli_t *cli, const batch_submit_opts_t *o, const char *text, size_t n_args)
{
    if (text || n_args > 0)
        return cli_usage(cli, "submit", "-f takes the URLs from the file: no FILE, URL or --text");
    if (o->name && strlen(o->name) > STORE_BATCH_NAME_MAX)
        return cli_usage(cli, "submit", "--name is over %d bytes", STORE_BATCH_NAME_MAX);
    return batch_submit(cli, o);
}

int submit_run(cli_t *cli, int argc, char **argv)
{
    const char *text = NULL, *name = NULL, *episode = NULL, *file = NULL;
    bool wait = false, json = false, skip_done = false;
    const cli_opt_t opts[] = {
        {"--text", &text, NULL}, {"--name", &name, NULL},           {"--episode", &episode, NULL},
        {"--wait", NULL, &wait}, {"--json", NULL, &json},           {"-f", &file, NULL},
        {"--file", &file, NULL}, {"--skip-done", NULL, &skip_done}, {NULL, NULL, NULL}};
    const char **args = mem_calloc(PROTO_MAX_ITEMS, sizeof *args);
    size_t n_args = 0, n = 0;
    submit_item_t *items = mem_calloc(PROTO_MAX_ITEMS + 1, sizeof *items);
    proto_msg_t ack = {0};
    int rc = cli_parse(cli, argc, argv, opts, args, PROTO_MAX_ITEMS - 1, &n_args);
    if (rc != 0) {
        rc = cli_parse_exit(rc);
        goto out;
    }
    if (file) {
        batch_submit_opts_t o = {file, name, episode, skip_done, json, wait};
        rc = s_run_file(cli, &o, text, n_args);
        goto out;
    }
    if (skip_done) {
        rc = cli_usage(cli, "submit", "--skip-done works with -f FILE");
        goto out;
    }
    if (!text && n_args == 0) {
        rc = cli_usage(cli, "submit", "nothing to submit: give FILE, URL or --text");
        goto out;
    }
    rc = s_collect(cli, text, args, n_args, items, &n);
    if (rc == CLI_EXIT_OK && episode)
        s_set_episode(items, n, episode);
    if (rc == CLI_EXIT_OK)
        rc = s_exchange(cli, name, items, n, &ack);
    if (rc == CLI_EXIT_OK)
        rc = s_print_result(cli, &ack, json);
    if (rc == CLI_EXIT_OK && wait) {
        fflush(cli->out);
        /* The batch's wait: a bar on a terminal, else a plain line every
         * few seconds, as lode wait BATCH prints. */
        rc = wait_batch(cli, ack.batch, isatty(2), false);
    }
out:
    for (size_t i = 0; i < n; i++)
        submit_item_clear(&items[i]);
    free(items);
    free(args);
    proto_msg_clear(&ack);
    return rc;
}
