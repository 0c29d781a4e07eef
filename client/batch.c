/*  batch.c - bulk batches: URL lists streamed to the broker in chunks, and
 *  batches read back page by page (counts, export). Memory is bounded by
 *  one chunk or page, never by the batch: deduplication lives in Redis (a
 *  set per batch, see store.h), not in this process.
 *  SPDX-License-Identifier: MIT
 */
#include "batch.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"
#include "doc.h"
#include "jobdoc.h"
#include "mem.h"
#include "submit.h"
#include "usage.h"
#include "wait.h"
#include "youtube.h"

/* ------------------------------------------------------ URL normalisation */

/* Append to a URL buffer. Its limit is twice BATCH_URL_MAX and a URL is
 * checked against BATCH_URL_MAX first, so this cannot fail. */
static void s_put(buf_t *b, const void *data, size_t n)
{
    int rc = buf_append(b, data, n, NULL);
    assert(rc == 0);
    (void)rc;
}

static const char *const s_tracking[] = {"fbclid", "gclid",  "gclsrc", "dclid", "msclkid",
                                         "mc_cid", "mc_eid", "igshid", "yclid"};

static bool s_is_tracking(const char *key, size_t n)
{
    if (n >= 4 && strncasecmp(key, "utm_", 4) == 0)
        return true;
    for (size_t i = 0; i < sizeof s_tracking / sizeof s_tracking[0]; i++) {
        if (strlen(s_tracking[i]) == n && strncasecmp(key, s_tracking[i], n) == 0)
            return true;
    }
    return false;
}

/* Append the query q[0..n) to b without tracking and empty parameters. */
static void s_put_query(buf_t *b, const char *q, size_t n)
{
    bool first = true;
    const char *end = q + n;
    while (q < end) {
        const char *amp = memchr(q, '&', (size_t)(end - q));
        size_t len = amp ? (size_t)(amp - q) : (size_t)(end - q);
        size_t key = strcspn(q, "=&");
        if (key > len)
            key = len;
        if (len > 0 && !s_is_tracking(q, key)) {
            s_put(b, first ? "?" : "&", 1);
            s_put(b, q, len);
            first = false;
        }
        q += len + (amp ? 1 : 0);
    }
}

static bool s_host_char_ok(unsigned char c)
{
    return isalnum(c) || c == '.' || c == '-' || c == '_' || c == '~' || c == '%' || c >= 0x80;
}

/* Host (and port) of the authority a[0..n), lower-cased, default port
 * dropped, appended to b. */
static int s_put_hostport(buf_t *b, const char *a, size_t n, bool https, err_t *err)
{
    size_t host = n;
    const char *port = NULL;
    if (n > 0 && a[0] == '[') {
        const char *close = memchr(a, ']', n);
        if (!close) {
            err_set(err, LODE_EINVAL, "unclosed [ in the host");
            return -1;
        }
        host = (size_t)(close - a) + 1;
        if (host < n && a[host] != ':') {
            err_set(err, LODE_EINVAL, "junk after the IPv6 address");
            return -1;
        }
    } else {
        const char *colon = memchr(a, ':', n);
        host = colon ? (size_t)(colon - a) : n;
    }
    if (host < n)
        port = a + host + 1;
    if (host == 0 || (a[0] == '[' && host <= 2)) {
        err_set(err, LODE_EINVAL, "no host");
        return -1;
    }
    for (size_t i = 0; i < host; i++) {
        unsigned char c = (unsigned char)a[i];
        if (a[0] != '[' && !s_host_char_ok(c)) {
            err_set(err, LODE_EINVAL, "bad character '%c' in the host", c);
            return -1;
        }
        char lc = (char)tolower(c);
        s_put(b, &lc, 1);
    }
    size_t plen = port ? (size_t)(a + n - port) : 0;
    long pv = 0;
    for (size_t i = 0; i < plen; i++) {
        if (!isdigit((unsigned char)port[i]) || plen > 5) {
            err_set(err, LODE_EINVAL, "bad port");
            return -1;
        }
        pv = pv * 10 + (port[i] - '0');
    }
    if (plen > 0 && (pv < 1 || pv > 65535)) {
        err_set(err, LODE_EINVAL, "bad port");
        return -1;
    }
    if (plen > 0 && pv != (https ? 443 : 80)) {
        char num[8];
        int k = snprintf(num, sizeof num, ":%ld", pv);
        s_put(b, num, (size_t)k);
    }
    return 0;
}

/* Scheme of u (lower-cased): 0 and *https, *rest after "://"; or -1. */
static int s_scheme(const char *u, size_t n, bool *https, const char **rest, err_t *err)
{
    const char *sep = NULL;
    for (size_t i = 0; i + 2 < n && !sep; i++) {
        if (u[i] == ':' && u[i + 1] == '/' && u[i + 2] == '/')
            sep = u + i;
        else if (!isalnum((unsigned char)u[i]) && u[i] != '+' && u[i] != '-' && u[i] != '.')
            break;
    }
    if (!sep) {
        err_set(err, LODE_EINVAL, "no http:// or https://");
        return -1;
    }
    size_t k = (size_t)(sep - u);
    if (k == 4 && strncasecmp(u, "http", 4) == 0)
        *https = false;
    else if (k == 5 && strncasecmp(u, "https", 5) == 0)
        *https = true;
    else {
        err_set(err, LODE_EINVAL, "scheme %.*s is not http or https", (int)(k > 16 ? 16 : k), u);
        return -1;
    }
    *rest = sep + 3;
    return 0;
}

/* "host.tld/…" with no scheme, as `lode submit` takes it. */
static bool s_bare_host(const char *u, size_t n)
{
    size_t host = 0;
    while (host < n && u[host] != '/')
        host++;
    const char *dot = memchr(u, '.', host);
    return host < n && dot && dot > u && dot + 1 < u + host && u[0] != '.' && !memchr(u, ':', host);
}

/* The generic form of http(s) URL u[0..n) into b. */
static int s_normalise_generic(buf_t *b, const char *u, size_t n, err_t *err)
{
    bool https = true;
    const char *p = u;
    if (!s_bare_host(u, n) && s_scheme(u, n, &https, &p, err) != 0)
        return -1;
    const char *end = u + n;
    s_put(b, https ? "https://" : "http://", https ? 8 : 7);
    size_t auth = strcspn(p, "/?#");
    if (p + auth > end)
        auth = (size_t)(end - p);
    const char *at = NULL;
    for (size_t i = 0; i < auth; i++)
        at = p[i] == '@' ? p + i : at;
    if (at) {
        s_put(b, p, (size_t)(at - p) + 1); /* user info, as given */
        auth -= (size_t)(at + 1 - p);
        p = at + 1;
    }
    if (s_put_hostport(b, p, auth, https, err) != 0)
        return -1;
    p += auth;
    size_t path = strcspn(p, "?#");
    if (path == 0)
        s_put(b, "/", 1);
    s_put(b, p, path);
    p += path;
    if (*p == '?') {
        size_t q = strcspn(p + 1, "#");
        s_put_query(b, p + 1, q);
        p += 1 + q;
    }
    if (*p == '#' && strncmp(p + 1, "episode=", 8) == 0 && p[9])
        s_put(b, p, strlen(p));
    return 0;
}

/* YouTube's many forms of one video (or playlist) become one URL. */
static char *s_youtube_canonical(const char *url)
{
    youtube_ref_t ref;
    err_t yerr = {0};
    if (youtube_parse_url(url, &ref, &yerr) != 0)
        return NULL;
    if (ref.playlist && ref.list[0])
        return mem_printf("https://www.youtube.com/playlist?list=%s", ref.list);
    if (ref.video[0])
        return mem_printf("https://www.youtube.com/watch?v=%s", ref.video);
    return NULL;
}

int batch_url_normalise(const char *url, size_t len, char **out, err_t *err)
{
    *out = NULL;
    if (len > BATCH_URL_MAX) {
        err_set(err, LODE_EINVAL, "over %d KB", BATCH_URL_MAX / 1024);
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)url[i];
        if (c <= 0x20 || c == 0x7f) {
            err_set(err, LODE_EINVAL, "%s inside", c == ' ' ? "a space" : "a control character");
            return -1;
        }
    }
    buf_t b;
    buf_init(&b, 2 * BATCH_URL_MAX);
    char *u = mem_strndup(url, len);
    int rc = s_normalise_generic(&b, u, len, err);
    free(u);
    if (rc != 0) {
        buf_free(&b);
        return -1;
    }
    char *norm = buf_steal(&b);
    buf_free(&b);
    char *yt = s_youtube_canonical(norm);
    if (yt) {
        free(norm);
        norm = yt;
    }
    *out = norm;
    return 0;
}

batch_line_t batch_parse_line(const char *line, size_t len, char **url, err_t *err)
{
    *url = NULL;
    if (len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
        line += 3;
        len -= 3;
    }
    while (len > 0 && (line[0] == ' ' || line[0] == '\t')) {
        line++;
        len--;
    }
    while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r'))
        len--;
    if (len == 0 || line[0] == '#')
        return BATCH_LINE_SKIP;
    return batch_url_normalise(line, len, url, err) == 0 ? BATCH_LINE_URL : BATCH_LINE_INVALID;
}

int batch_read_line(FILE *f, char *buf, size_t size, size_t *len, bool *overlong, err_t *err)
{
    size_t n = 0;
    int c = EOF;
    *overlong = false;
    while ((c = getc_unlocked(f)) != EOF && c != '\n') {
        if (n + 1 < size)
            buf[n++] = (char)c;
        else
            *overlong = true;
    }
    buf[n] = '\0';
    *len = n;
    if (c == EOF && ferror(f)) {
        err_set(err, LODE_EIO, "read: %s", strerror(errno));
        return -1;
    }
    return c == EOF && n == 0 && !*overlong ? 0 : 1;
}

/* ----------------------------------------------------------------- tally */

#define S_CODE_UNREAD 0xffu /* a job not read yet */
#define S_STAGE_NONE  7u    /* stage field missing or unknown */

struct batch_tally {
    char id[JOB_ID_SIZE];
    uint8_t *codes; /* owned: per job, state | stage << 3, or S_CODE_UNREAD */
    size_t n_codes; /* jobs known (the batch's total at the last update) */
    batch_counts_t counts;
    char failed[BATCH_FAILED_SHOW][JOB_ID_SIZE]; /* first failed jobs seen */
    size_t n_failed;
};

static const char *const s_state_names[BATCH_STATE_COUNT] = {JOB_STATE_QUEUED,   JOB_STATE_RUNNING,
                                                             JOB_STATE_DONE,     JOB_STATE_FAILED,
                                                             JOB_STATE_EXPANDED, "unknown"};

const char *batch_state_name(batch_state_t s)
{
    return s < BATCH_STATE_COUNT ? s_state_names[s] : "unknown";
}

int64_t batch_counts_finished(const batch_counts_t *c)
{
    return c->state[BATCH_DONE] + c->state[BATCH_FAILED] + c->state[BATCH_EXPANDED];
}

static bool s_code_finished(uint8_t code)
{
    unsigned st = code & 7u;
    return code != S_CODE_UNREAD &&
           (st == BATCH_DONE || st == BATCH_FAILED || st == BATCH_EXPANDED);
}

static uint8_t s_code_of(const store_job_state_t *js)
{
    unsigned st = BATCH_UNKNOWN;
    for (unsigned s = 0; s < BATCH_UNKNOWN; s++) {
        if (strcmp(js->state, s_state_names[s]) == 0)
            st = s;
    }
    int stage = job_stage_parse(js->stage);
    return (uint8_t)(st | (stage < 0 ? S_STAGE_NONE : (unsigned)stage) << 3);
}

/* Add (sign 1) or take away (sign -1) one job's code from the counts. */
static void s_count(batch_counts_t *c, uint8_t code, int sign)
{
    if (code == S_CODE_UNREAD)
        return;
    unsigned st = code & 7u, stage = code >> 3;
    c->state[st] += sign;
    if (stage >= JOB_STAGE_COUNT)
        return;
    if (st == BATCH_QUEUED)
        c->queued[stage] += sign;
    else if (st == BATCH_RUNNING)
        c->running[stage] += sign;
    else if (st == BATCH_FAILED)
        c->failed[stage] += sign;
}

batch_tally_t *batch_tally_new(const char *batch_id)
{
    batch_tally_t *self = mem_calloc(1, sizeof *self);
    snprintf(self->id, sizeof self->id, "%s", batch_id);
    return self;
}

void batch_tally_destroy(batch_tally_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free((*self_p)->codes);
    free(*self_p);
    *self_p = NULL;
}

const char *batch_tally_id(const batch_tally_t *self)
{
    return self->id;
}

const batch_counts_t *batch_tally_counts(const batch_tally_t *self)
{
    return &self->counts;
}

const char (*batch_tally_failed(const batch_tally_t *self, size_t *n))[JOB_ID_SIZE]
{
    *n = self->n_failed;
    return (const char(*)[JOB_ID_SIZE])self->failed;
}

static bool s_page_settled(const batch_tally_t *self, size_t first, size_t n)
{
    for (size_t i = first; i < first + n; i++) {
        if (!s_code_finished(self->codes[i]))
            return false;
    }
    return true;
}

/* Read the unfinished jobs of the page starting at first. */
static int s_tally_page(batch_tally_t *self, store_t *store, size_t first, err_t *err)
{
    char(*ids)[JOB_ID_SIZE] = NULL;
    size_t n = 0, k = 0;
    if (store_batch_page(store, self->id, first, BATCH_PAGE, &ids, &n, err) != 0)
        return -1;
    size_t *at = mem_calloc(n + 1, sizeof *at);
    for (size_t i = 0; i < n && first + i < self->n_codes; i++) {
        if (!s_code_finished(self->codes[first + i])) {
            memmove(ids[k], ids[i], JOB_ID_SIZE);
            at[k++] = first + i;
        }
    }
    store_job_state_t *js = mem_calloc(k + 1, sizeof *js);
    int rc = store_job_states(store, (const char(*)[JOB_ID_SIZE])ids, k, js, err);
    for (size_t i = 0; rc == 0 && i < k; i++) {
        uint8_t code = s_code_of(&js[i]);
        s_count(&self->counts, self->codes[at[i]], -1);
        s_count(&self->counts, code, 1);
        if ((code & 7u) == BATCH_FAILED && self->n_failed < BATCH_FAILED_SHOW)
            memcpy(self->failed[self->n_failed++], ids[i], JOB_ID_SIZE);
        self->codes[at[i]] = code;
    }
    self->counts.reads += (int64_t)k;
    free(js);
    free(at);
    free(ids);
    return rc;
}

static int64_t s_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int batch_tally_update(batch_tally_t *self, store_t *store, err_t *err)
{
    int64_t start = s_mono_ms();
    store_batch_t b;
    if (store_batch_get(store, self->id, &b, err) != 0)
        return -1;
    size_t total = b.total > 0 ? (size_t)b.total : 0;
    if (total > self->n_codes) {
        self->codes = mem_realloc(self->codes, total);
        memset(self->codes + self->n_codes, S_CODE_UNREAD, total - self->n_codes);
        self->n_codes = total;
    }
    self->counts.total = (int64_t)self->n_codes;
    self->counts.open = b.open;
    self->counts.reads = 0;
    for (size_t first = 0; first < self->n_codes; first += BATCH_PAGE) {
        size_t n = self->n_codes - first < BATCH_PAGE ? self->n_codes - first : BATCH_PAGE;
        if (!s_page_settled(self, first, n) && s_tally_page(self, store, first, err) != 0)
            return -1;
    }
    self->counts.read_ms = s_mono_ms() - start;
    return 0;
}

/* ---------------------------------------------------------- submit -f */

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
    int64_t now = s_mono_ms();
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

/* One input line: counted, skipped, reported or added to the chunk. */
static int s_take_line(s_feed_t *f, const char *line, size_t len, bool overlong)
{
    f->counts.lines++;
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
    f->start_ms = s_mono_ms();
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
        fprintf(cli->errs, "lode: error: no URL in %s (%lld lines, %lld invalid)\n",
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

/* ------------------------------------------------------ batch status */

static json_t *s_int_or_null(int64_t v)
{
    return v >= 0 ? json_integer((json_int_t)v) : json_null();
}

static json_t *s_counts_json(const store_batch_t *b, const batch_counts_t *c)
{
    json_t *states = json_object(), *stages = json_object();
    for (int s = 0; s < BATCH_STATE_COUNT; s++)
        json_object_set_new(states, batch_state_name((batch_state_t)s), json_integer(c->state[s]));
    for (int s = 0; s < JOB_STAGE_COUNT; s++)
        json_object_set_new(stages, job_stage_name((job_stage_t)s),
                            json_pack("{s:I,s:I,s:I}", "queued", (json_int_t)c->queued[s],
                                      "running", (json_int_t)c->running[s], "failed",
                                      (json_int_t)c->failed[s]));
    json_t *input =
        json_pack("{s:o,s:o,s:o,s:o,s:o}", "lines", s_int_or_null(b->lines), "invalid",
                  s_int_or_null(b->invalid), "duplicates", s_int_or_null(b->duplicates), "reused",
                  s_int_or_null(b->reused), "skipped", s_int_or_null(b->skipped));
    return json_pack("{s:s,s:s,s:I,s:b,s:I,s:I,s:o,s:o,s:o,s:I}", "batch", b->id, "name", b->name,
                     "created_ms", (json_int_t)b->created_ms, "open", (int)c->open, "total",
                     (json_int_t)c->total, "finished", (json_int_t)batch_counts_finished(c),
                     "states", states, "stages", stages, "input", input, "count_ms",
                     (json_int_t)c->read_ms);
}

static void s_status_text(FILE *f, const store_batch_t *b, const batch_counts_t *c)
{
    fprintf(f, "batch      %s%s%s%s\n", b->id, b->name[0] ? "  \"" : "", b->name,
            b->name[0] ? "\"" : "");
    fprintf(f, "jobs       %lld%s, %lld finished\n", (long long)c->total,
            c->open ? " so far (still being submitted)" : "", (long long)batch_counts_finished(c));
    if (b->lines >= 0)
        fprintf(f,
                "input      %lld lines: %lld invalid, %lld duplicates, %lld reused, "
                "%lld blank or comments\n",
                (long long)b->lines, (long long)b->invalid, (long long)b->duplicates,
                (long long)(b->reused > 0 ? b->reused : 0), (long long)b->skipped);
    fprintf(f, "state     ");
    for (int s = 0; s < BATCH_STATE_COUNT; s++) {
        if (s != BATCH_UNKNOWN || c->state[s])
            fprintf(f, " %s %lld", batch_state_name((batch_state_t)s), (long long)c->state[s]);
    }
    fprintf(f, "\n%-10s %8s %8s %8s\n", "stage", "queued", "running", "failed");
    for (int s = 0; s < JOB_STAGE_COUNT; s++)
        fprintf(f, "%-10s %8lld %8lld %8lld\n", job_stage_name((job_stage_t)s),
                (long long)c->queued[s], (long long)c->running[s], (long long)c->failed[s]);
    fprintf(f, "counted    %lld jobs in %.2f s\n", (long long)c->reads,
            (double)c->read_ms / 1000.0);
}

/* Model usage of the batch: totals, per model, and the cost estimate when
 * the price table knows every model used (-1 otherwise). */
static double s_batch_cost(const store_batch_t *b, const usage_prices_t *prices)
{
    double total = 0;
    for (size_t i = 0; i < b->n_models; i++) {
        double c = usage_cost(prices, b->models[i].model, b->models[i].prompt_tokens,
                              b->models[i].completion_tokens);
        if (c < 0)
            return -1;
        total += c;
    }
    return b->n_models ? total : -1;
}

static json_t *s_tokens_json(const store_batch_t *b, double cost)
{
    json_t *models = json_object();
    for (size_t i = 0; i < b->n_models; i++)
        json_object_set_new(models, b->models[i].model,
                            json_pack("{s:I,s:I}", "prompt", (json_int_t)b->models[i].prompt_tokens,
                                      "completion", (json_int_t)b->models[i].completion_tokens));
    json_t *o = json_pack("{s:I,s:I,s:o}", "prompt", (json_int_t)b->prompt_tokens, "completion",
                          (json_int_t)b->completion_tokens, "models", models);
    json_object_set_new(o, "cost_usd", cost >= 0 ? json_real(cost) : json_null());
    return o;
}

static void s_tokens_text(FILE *f, const store_batch_t *b, double cost)
{
    if (b->prompt_tokens == 0 && b->completion_tokens == 0)
        return;
    fprintf(f, "model use  %lld prompt + %lld completion tokens", (long long)b->prompt_tokens,
            (long long)b->completion_tokens);
    for (size_t i = 0; i < b->n_models; i++)
        fprintf(f, "%s%s %lld+%lld", i ? ", " : " (", b->models[i].model,
                (long long)b->models[i].prompt_tokens, (long long)b->models[i].completion_tokens);
    fprintf(f, "%s", b->n_models ? ")" : "");
    if (cost >= 0)
        fprintf(f, ", about $%.4f", cost);
    fputc('\n', f);
}

static int s_status(cli_t *cli, const char *id, bool json, const char *prices_path)
{
    err_t err = {0};
    usage_prices_t *prices = usage_prices_load(prices_path, &err);
    if (err.code)
        return cli_fail(cli, &err);
    store_t *store = cli_store(cli, &err);
    store_batch_t b;
    if (!store || store_batch_get(store, id, &b, &err) != 0) {
        usage_prices_destroy(&prices);
        return cli_fail(cli, &err);
    }
    double cost = s_batch_cost(&b, prices);
    usage_prices_destroy(&prices);
    batch_tally_t *t = batch_tally_new(id);
    int rc = batch_tally_update(t, store, &err) == 0 ? CLI_EXIT_OK : cli_fail(cli, &err);
    if (rc == CLI_EXIT_OK && json) {
        json_t *j = s_counts_json(&b, batch_tally_counts(t));
        json_object_set_new(j, "tokens", s_tokens_json(&b, cost));
        json_dumpf(j, cli->out, JSON_PRESERVE_ORDER | JSON_INDENT(2));
        fputc('\n', cli->out);
        json_decref(j);
    } else if (rc == CLI_EXIT_OK) {
        s_status_text(cli->out, &b, batch_tally_counts(t));
        s_tokens_text(cli->out, &b, cost);
    }
    batch_tally_destroy(&t);
    return rc;
}

/* ------------------------------------------------------ batch export */

/* Write one job's document; 0 or -1 and *err. */
static int s_export_one(store_t *store, const char *id, bool md, bool first, FILE *out, err_t *err)
{
    store_job_t job;
    doc_t *doc = jobdoc_load(store, id, &job, err);
    if (!doc)
        return -1;
    char *text = md ? doc_to_markdown(doc) : doc_to_json(doc, 0);
    size_t n = strlen(text);
    if (md && !first)
        fputs("\n---\n\n", out);
    fputs(text, out);
    if (n == 0 || text[n - 1] != '\n')
        fputc('\n', out);
    free(text);
    doc_destroy(&doc);
    store_job_clear(&job);
    if (ferror(out)) {
        err_set(err, LODE_EIO, "write: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* Every document of the batch, page by page; *n_out counts them. A job
 * whose document cannot be read (a malformed part) is reported on stderr
 * and counted in *n_bad, and the export goes on; Redis or write failures
 * stop it. */
static int s_export_all(
    cli_t *cli, const char *id, bool md, FILE *out, size_t *n_out, size_t *n_bad, err_t *err)
{
    *n_out = *n_bad = 0;
    for (size_t first = 0;; first += BATCH_PAGE) {
        char(*ids)[JOB_ID_SIZE] = NULL;
        size_t n = 0;
        if (store_batch_page(cli->store, id, first, BATCH_PAGE, &ids, &n, err) != 0)
            return -1;
        int rc = 0;
        for (size_t i = 0; rc == 0 && i < n; i++) {
            err_t jerr = {0};
            rc = s_export_one(cli->store, ids[i], md, *n_out == 0, out, &jerr);
            *n_out += rc == 0;
            if (rc != 0 && jerr.code != LODE_ESTORE && jerr.code != LODE_EIO) {
                fprintf(cli->errs, "lode: skipped job %s: %s\n", ids[i], jerr.msg);
                (*n_bad)++;
                rc = 0;
            } else if (rc != 0) {
                err_set(err, jerr.code, "%s", jerr.msg);
            }
        }
        free(ids);
        if (rc != 0)
            return -1;
        if (n < BATCH_PAGE)
            return 0;
    }
}

static int s_export(cli_t *cli, const char *id, const char *format, const char *path)
{
    bool md = strcmp(format, "md") == 0 || strcmp(format, "markdown") == 0;
    if (!md && strcmp(format, "jsonl") != 0)
        return cli_usage(cli, "batch", "--format is jsonl or md, not \"%s\"", format);
    err_t err = {0};
    store_t *store = cli_store(cli, &err);
    store_batch_t b;
    if (!store || store_batch_get(store, id, &b, &err) != 0)
        return cli_fail(cli, &err);
    FILE *out = path && strcmp(path, "-") != 0 ? fopen(path, "w") : cli->out;
    if (!out) {
        fprintf(cli->errs, "lode: error: %s: %s\n", path, strerror(errno));
        return CLI_EXIT_ERROR;
    }
    size_t n = 0, bad = 0;
    int rc =
        s_export_all(cli, id, md, out, &n, &bad, &err) == 0 ? CLI_EXIT_OK : cli_fail(cli, &err);
    if (rc == CLI_EXIT_OK && bad > 0) {
        fprintf(cli->errs, "lode: error: %zu documents could not be read\n", bad);
        rc = CLI_EXIT_ERROR;
    }
    if (out != cli->out && fclose(out) != 0 && rc == CLI_EXIT_OK) {
        fprintf(cli->errs, "lode: error: %s: %s\n", path, strerror(errno));
        rc = CLI_EXIT_ERROR;
    }
    if (out != cli->out && rc == CLI_EXIT_OK)
        fprintf(cli->errs, "lode: wrote %zu documents to %s\n", n, path);
    return rc;
}

int batch_run(cli_t *cli, int argc, char **argv)
{
    bool json = false;
    const char *format = "jsonl", *output = NULL, *prices = NULL;
    const cli_opt_t opts[] = {{"--json", NULL, &json},     {"--prices", &prices, NULL},
                              {"--format", &format, NULL}, {"-o", &output, NULL},
                              {"--output", &output, NULL}, {NULL, NULL, NULL}};
    const char *pos[2];
    size_t n;
    int rc = cli_parse(cli, argc, argv, opts, pos, 2, &n);
    if (rc != 0)
        return cli_parse_exit(rc);
    if (n != 2)
        return cli_usage(cli, "batch", "give status or export, and a BATCH id");
    if (!job_id_valid(pos[1])) {
        fprintf(cli->errs, "lode: error: no batch %s\n", pos[1]);
        return CLI_EXIT_NOTFOUND;
    }
    if (strcmp(pos[0], "status") == 0)
        return s_status(cli, pos[1], json, prices);
    if (strcmp(pos[0], "export") == 0)
        return s_export(cli, pos[1], format, output);
    return cli_usage(cli, "batch", "unknown batch command \"%s\" (status or export)", pos[0]);
}
