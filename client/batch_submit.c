/*  batch_submit.c - `lode submit -f FILE|-`: a list of URLs and local files
 *  streamed to the broker as one batch, the URLs in acknowledged chunks of
 *  BATCH_CHUNK, each file in a SUBMIT of its own. Memory is
 *  bounded by one chunk, never by the batch: deduplication lives in Redis
 *  (a set per batch, see store.h), not in this process.
 *  SPDX-License-Identifier: MIT
 */
#include "batch_submit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <czmq.h>

#include "batch.h"
#include "mem.h"
#include "submit.h"
#include "submit_wire.h"
#include "wait.h"

#define S_SHOW_LINE    80  /* bytes of an invalid line echoed */
#define S_DRAW_MS      200 /* progress redraw interval on a TTY */
#define S_LINE_BUF_MAX (BATCH_URL_MAX + 2)

/* One `lode submit -f` run. */
typedef struct {
    cli_t *cli;                   /* borrowed */
    const batch_submit_opts_t *o; /* borrowed */
    store_t *store;               /* borrowed from cli */
    zsock_t *sock;                /* owned, opened with the first chunk */
    char batch[JOB_ID_SIZE];      /* "" until the first chunk */
    uint32_t seq;                 /* last SUBMIT's number */
    char *urls[BATCH_CHUNK];      /* owned: the chunk's normalised URLs */
    size_t n;                     /* URLs in the chunk */
    store_batch_t counts;         /* lines, invalid, duplicates, reused, skipped */
    int64_t jobs;                 /* jobs acknowledged */
    bool progress;                /* stderr is a terminal */
    int64_t start_ms, drawn_ms;   /* for the progress line */
} s_feed_t;

/* "line N: not a URL: TEXT (why)" on stderr, TEXT cut and made printable. */
static void s_report_invalid(s_feed_t *f, const char *line, size_t len, const char *why)
{
    char show[S_SHOW_LINE + 1];
    size_t k = 0;
    for (size_t i = 0; i < len && k < S_SHOW_LINE; i++) {
        unsigned char c = (unsigned char)line[i];
        show[k++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    show[k] = '\0';
    fprintf(f->cli->errs, "%slode: line %lld: not a URL: %s%s (%s)\n",
            f->progress ? "\r\033[K" : "", (long long)f->counts.lines, show, len > k ? "…" : "",
            why);
}

static void s_draw(s_feed_t *f, bool last)
{
    int64_t now = zclock_mono();
    if (!f->progress || (!last && now - f->drawn_ms < S_DRAW_MS))
        return;
    f->drawn_ms = now;
    double secs = (double)(now - f->start_ms) / 1000.0;
    fprintf(f->cli->errs, "\r\033[Klode: submitting: %lld lines, %lld jobs, %.0f lines/s%s",
            (long long)f->counts.lines, (long long)f->jobs,
            secs > 0 ? (double)f->counts.lines / secs : 0.0, last ? "\n" : "");
    fflush(f->cli->errs);
}

/* Drop the chunk's URLs at positions where keep[i] is false. */
static void s_compact(s_feed_t *f, const bool *keep)
{
    size_t k = 0;
    for (size_t i = 0; i < f->n; i++) {
        if (keep[i])
            f->urls[k++] = f->urls[i];
        else
            free(f->urls[i]);
    }
    f->n = k;
}

/* --skip-done: URLs whose last job is done join the batch as that job. */
static int s_reuse_done(s_feed_t *f, err_t *err)
{
    char(*ids)[JOB_ID_SIZE] = mem_calloc(f->n + 1, sizeof *ids);
    store_job_state_t *js = mem_calloc(f->n + 1, sizeof *js);
    bool *keep = mem_calloc(f->n + 1, sizeof *keep);
    int rc = store_url_jobs_get(f->store, (const char *const *)f->urls, f->n, ids, err);
    if (rc == 0)
        rc = store_job_states(f->store, (const char(*)[JOB_ID_SIZE])ids, f->n, js, err);
    size_t n_reused = 0;
    for (size_t i = 0; rc == 0 && i < f->n; i++) {
        keep[i] = !(ids[i][0] && strcmp(js[i].state, JOB_STATE_DONE) == 0);
        if (!keep[i])
            memmove(ids[n_reused++], ids[i], JOB_ID_SIZE);
    }
    if (rc == 0)
        rc = store_batch_add_jobs(f->store, f->batch, (const char(*)[JOB_ID_SIZE])ids, n_reused,
                                  err);
    if (rc == 0) {
        s_compact(f, keep);
        f->counts.reused += (int64_t)n_reused;
    }
    free(keep);
    free(js);
    free(ids);
    return rc;
}

/* Send the chunk as one SUBMIT into the batch, then index its URLs. */
static int s_send_chunk(s_feed_t *f)
{
    int rc = CLI_EXIT_OK;
    if (!f->sock && !(f->sock = submit_connect(f->cli, &rc)))
        return rc;
    proto_item_t *items = mem_calloc(f->n, sizeof *items);
    for (size_t i = 0; i < f->n; i++)
        items[i] = (proto_item_t){.kind = "url", .url = f->urls[i]};
    submit_req_t req = {.seq = ++f->seq, .batch = f->batch, .items = items, .n = f->n};
    proto_msg_t ack = {0};
    rc = submit_send(f->cli, f->sock, &req, &ack);
    free(items);
    err_t err = {0};
    if (rc == CLI_EXIT_OK && strcmp(ack.batch, f->batch) != 0) {
        err_set(&err, LODE_EPROTO, "the broker put the chunk in batch %s, not %s (an old broker?)",
                ack.batch, f->batch);
        rc = cli_fail(f->cli, &err);
    }
    if (rc == CLI_EXIT_OK) {
        f->jobs += (int64_t)ack.n_ids;
        if (store_url_jobs_set(f->store, (const char *const *)f->urls,
                               (const char(*)[JOB_ID_SIZE])ack.ids, ack.n_ids, &err) != 0)
            rc = cli_fail(f->cli, &err);
    }
    proto_msg_clear(&ack);
    return rc;
}

/* Deduplicate, reuse, submit and forget the chunk. */
static int s_flush(s_feed_t *f)
{
    if (f->n == 0)
        return CLI_EXIT_OK;
    err_t err = {0};
    bool fresh[BATCH_CHUNK];
    int rc = CLI_EXIT_OK;
    if (!f->batch[0] && store_batch_create(f->store, f->o->name, f->batch, &err) != 0)
        rc = cli_fail(f->cli, &err);
    if (rc == CLI_EXIT_OK && store_batch_mark_urls(f->store, f->batch, (const char *const *)f->urls,
                                                   f->n, fresh, &err) != 0)
        rc = cli_fail(f->cli, &err);
    if (rc == CLI_EXIT_OK) {
        size_t before = f->n;
        s_compact(f, fresh);
        f->counts.duplicates += (int64_t)(before - f->n);
    }
    if (rc == CLI_EXIT_OK && f->o->skip_done && f->n > 0 && s_reuse_done(f, &err) != 0)
        rc = cli_fail(f->cli, &err);
    if (rc == CLI_EXIT_OK && f->n > 0)
        rc = s_send_chunk(f);
    for (size_t i = 0; i < f->n; i++)
        free(f->urls[i]);
    f->n = 0;
    s_draw(f, false);
    return rc;
}

/* Upload one local file into the batch as its own SUBMIT (a file is big, a
 * URL small: files do not wait in the URL chunk). */
static int s_send_file(s_feed_t *f, const submit_item_t *item)
{
    err_t err = {0};
    int rc = CLI_EXIT_OK;
    if (!f->batch[0] && store_batch_create(f->store, f->o->name, f->batch, &err) != 0)
        return cli_fail(f->cli, &err);
    if (!f->sock && !(f->sock = submit_connect(f->cli, &rc)))
        return rc;
    proto_item_t pi = {(char *)item->kind, item->name, NULL, item->body, item->body_len};
    submit_req_t req = {.seq = ++f->seq, .batch = f->batch, .items = &pi, .n = 1};
    proto_msg_t ack = {0};
    rc = submit_send(f->cli, f->sock, &req, &ack);
    if (rc == CLI_EXIT_OK)
        f->jobs += (int64_t)ack.n_ids;
    proto_msg_clear(&ack);
    return rc;
}

/* A line naming an existing local file (no "://"; relative paths from the
 * current directory): uploaded as lode submit FILE would. 1 if the line was
 * a file (sent, or reported and counted invalid), 0 if it is not one. */
static int s_take_file(s_feed_t *f, const char *line, size_t len, int *rc)
{
    while (len > 0 && (line[0] == ' ' || line[0] == '\t'))
        line++, len--;
    while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r'))
        len--;
    char path[S_LINE_BUF_MAX];
    snprintf(path, sizeof path, "%.*s", (int)len, line);
    if (len == 0 || path[0] == '#' || strstr(path, "://") || access(path, F_OK) != 0)
        return 0;
    submit_item_t item;
    err_t err = {0};
    if (submit_item_from_arg(path, JOB_SOURCE_MAX_BYTES, &item, &err) != 0) {
        f->counts.invalid++;
        fprintf(f->cli->errs, "%slode: line %lld: %s\n", f->progress ? "\r\033[K" : "",
                (long long)f->counts.lines, err.msg);
        return 1;
    }
    *rc = s_send_file(f, &item);
    submit_item_clear(&item);
    return 1;
}

/* One input line: counted, skipped, reported, uploaded (a local file) or
 * added to the chunk (a URL). */
static int s_take_line(s_feed_t *f, const char *line, size_t len, bool overlong)
{
    f->counts.lines++;
    int rc = CLI_EXIT_OK;
    if (!overlong && s_take_file(f, line, len, &rc))
        return rc;
    err_t err = {0};
    char *url = NULL;
    batch_line_t kind = overlong ? BATCH_LINE_INVALID : batch_parse_line(line, len, &url, &err);
    if (overlong)
        err_set(&err, LODE_EINVAL, "over %d KB", BATCH_URL_MAX / 1024);
    if (kind == BATCH_LINE_SKIP) {
        f->counts.skipped++;
        return CLI_EXIT_OK;
    }
    if (kind == BATCH_LINE_INVALID) {
        f->counts.invalid++;
        /* No scheme: it may have been meant as a file (s_take_file). */
        if (!strstr(line, "://") && !overlong) /* line is NUL-terminated */
            snprintf(err.msg, sizeof err.msg, "no http:// or https://, and no such file");
        s_report_invalid(f, line, len, err.msg);
        return CLI_EXIT_OK;
    }
    if (f->o->episode && !strchr(url, '#')) {
        char *with = mem_printf("%s#episode=%s", url, f->o->episode);
        free(url);
        url = with;
    }
    f->urls[f->n++] = url;
    return f->n == BATCH_CHUNK ? s_flush(f) : CLI_EXIT_OK;
}

static int s_feed_all(s_feed_t *f, FILE *in)
{
    char *line = mem_alloc(S_LINE_BUF_MAX);
    int rc = CLI_EXIT_OK;
    for (;;) {
        size_t len;
        bool overlong;
        err_t err = {0};
        int got = batch_read_line(in, line, S_LINE_BUF_MAX, &len, &overlong, &err);
        if (got < 0)
            err_prefix(&err, "%s", strcmp(f->o->path, "-") == 0 ? "stdin" : f->o->path);
        if (got < 0)
            rc = cli_fail(f->cli, &err);
        if (got <= 0)
            break;
        rc = s_take_line(f, line, len, overlong);
        if (rc != CLI_EXIT_OK)
            break;
    }
    free(line);
    return rc == CLI_EXIT_OK ? s_flush(f) : rc;
}

static FILE *s_open_input(cli_t *cli, const char *path, int *rc)
{
    if (strcmp(path, "-") == 0)
        return stdin;
    FILE *in = fopen(path, "r");
    if (!in) {
        *rc = errno == ENOENT ? cli_usage(cli, "submit", "no such file: %s", path)
                              : (fprintf(cli->errs, "lode: error: %s: %s\n", path, strerror(errno)),
                                 CLI_EXIT_ERROR);
    }
    return in;
}

static void s_print_summary(const s_feed_t *f)
{
    const store_batch_t *c = &f->counts;
    fprintf(f->cli->errs,
            "lode: batch %s: %lld jobs from %lld lines (%lld invalid, %lld duplicates, "
            "%lld reused, %lld blank or comments)\n",
            f->batch, (long long)(f->jobs + c->reused), (long long)c->lines, (long long)c->invalid,
            (long long)c->duplicates, (long long)c->reused, (long long)c->skipped);
    if (!f->o->json) {
        fprintf(f->cli->out, "%s\n", f->batch);
        return;
    }
    fprintf(f->cli->out,
            "{\"batch\":\"%s\",\"submitted\":%lld,\"reused\":%lld,\"lines\":%lld,"
            "\"invalid\":%lld,\"duplicates\":%lld,\"skipped\":%lld}\n",
            f->batch, (long long)f->jobs, (long long)c->reused, (long long)c->lines,
            (long long)c->invalid, (long long)c->duplicates, (long long)c->skipped);
}

int batch_submit(cli_t *cli, const batch_submit_opts_t *opts)
{
    int rc = CLI_EXIT_OK;
    err_t err = {0};
    s_feed_t *f = mem_calloc(1, sizeof *f);
    *f = (s_feed_t){.cli = cli, .o = opts, .progress = isatty(fileno(cli->errs)) == 1};
    f->start_ms = zclock_mono();
    FILE *in = NULL;
    if (!(f->store = cli_store(cli, &err))) {
        rc = cli_fail(cli, &err);
        goto out;
    }
    if (!(in = s_open_input(cli, opts->path, &rc)))
        goto out;
    rc = s_feed_all(f, in);
    s_draw(f, true);
    /* Closed even after a failure, so that no one waits on it forever. */
    if (f->batch[0] && store_batch_close(f->store, f->batch, &f->counts, &err) != 0 &&
        rc == CLI_EXIT_OK)
        rc = cli_fail(cli, &err);
    if (rc != CLI_EXIT_OK && f->batch[0])
        fprintf(cli->errs, "lode: batch %s holds the %lld jobs acknowledged before that\n",
                f->batch, (long long)(f->jobs + f->counts.reused));
    if (rc == CLI_EXIT_OK && !f->batch[0]) {
        fprintf(cli->errs, "lode: error: no URL or file in %s (%lld lines, %lld invalid)\n",
                strcmp(opts->path, "-") == 0 ? "stdin" : opts->path, (long long)f->counts.lines,
                (long long)f->counts.invalid);
        rc = CLI_EXIT_ERROR;
    }
    if (rc == CLI_EXIT_OK)
        s_print_summary(f);
    if (rc == CLI_EXIT_OK && opts->wait) {
        fflush(cli->out);
        rc = wait_batch(cli, f->batch, isatty(2), false);
    }
out:
    if (in && in != stdin)
        fclose(in);
    zsock_destroy(&f->sock);
    free(f);
    return rc;
}
