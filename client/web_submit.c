/*  web_submit.c - submitting from the workbench: URLs (one a line), pasted
 *  text and one uploaded file become one batch, sent to the broker over
 *  the same SUBMIT/ACK as `lode submit` (submit_wire.h), with the CLI's
 *  limits: 50 MB a source, PROTO_MAX_ITEMS items.
 *  SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "job.h"
#include "mem.h"
#include "proto.h"
#include "submit_wire.h"
#include "web_impl.h"

#define WEB_SUBMIT_MAX 1000 /* items from one form: a long list goes through lode submit -f */

static bool s_blank(const char *s)
{
    while (s && *s && isspace((unsigned char)*s))
        s++;
    return !s || !*s;
}

/* "host.tld/…" with no scheme, as the CLI takes it. */
static bool s_hostlike(const char *s)
{
    size_t host = strcspn(s, "/");
    const char *dot = memchr(s, '.', host);
    return s[host] == '/' && dot && dot > s && dot + 1 < s + host && s[0] != '.';
}

/* Split urls into url items (owned strings in owned[]). */
static int s_urls(char *urls, proto_item_t *items, size_t *n, char **owned, err_t *err)
{
    size_t line = 0;
    for (char *save = NULL, *tok = strtok_r(urls, "\r\n", &save); tok;
         tok = strtok_r(NULL, "\r\n", &save)) {
        line++;
        while (isspace((unsigned char)*tok))
            tok++;
        size_t len = strlen(tok);
        while (len > 0 && isspace((unsigned char)tok[len - 1]))
            tok[--len] = '\0';
        if (len == 0 || tok[0] == '#')
            continue;
        if (*n >= WEB_SUBMIT_MAX) {
            err_set(err, LODE_ETOOBIG, "over %d sources in one form: use lode submit -f",
                    WEB_SUBMIT_MAX);
            return -1;
        }
        if (strpbrk(tok, " \t") || (!strstr(tok, "://") && !s_hostlike(tok))) {
            err_set(err, LODE_EINVAL, "line %zu: not a URL: %.200s", line, tok);
            return -1;
        }
        char *url = strstr(tok, "://") ? mem_strdup(tok) : mem_printf("https://%s", tok);
        owned[*n] = url;
        items[(*n)++] = (proto_item_t){"url", NULL, url, NULL, 0};
    }
    return 0;
}

static int s_file(const web_arg_t *f, proto_item_t *item, err_t *err)
{
    static const char *const exts[] = {".txt", ".md", ".vtt", ".srt"};
    const char *name = f->filename && *f->filename ? f->filename : "upload.txt";
    const char *slash = strrchr(name, '/');
    name = slash ? slash + 1 : name;
    const char *dot = strrchr(name, '.');
    bool ok = false;
    for (size_t i = 0; dot && i < 4; i++)
        ok = ok || strcasecmp(dot, exts[i]) == 0;
    if (!ok) {
        err_set(err, LODE_EINVAL, "%.100s: upload a .txt, .md, .vtt or .srt file", name);
        return -1;
    }
    if (f->len > JOB_SOURCE_MAX_BYTES) {
        err_set(err, LODE_ETOOBIG, "%.100s is %.1f MB, over the 50 MB limit", name,
                (double)f->len / (1024.0 * 1024.0));
        return -1;
    }
    *item = (proto_item_t){"file", (char *)name, NULL, (char *)f->val, f->len};
    return 0;
}

static int
s_send(web_app_t *app, const char *name, proto_item_t *items, size_t n, json_t **out, err_t *err)
{
    int rc;
    zsock_t *sock = submit_connect(app->cli, &rc);
    if (!sock) {
        err_set(err, LODE_EIO, "cannot reach the broker at %s", app->cli->broker);
        return -1;
    }
    proto_msg_t ack = {0};
    submit_req_t req = {.seq = 1, .name = name && *name ? name : NULL, .items = items, .n = n};
    rc = submit_send(app->cli, sock, &req, &ack);
    zsock_destroy(&sock);
    if (rc != 0) {
        err_set(err, rc == CLI_EXIT_UNREACHABLE ? LODE_ETIMEDOUT : LODE_EINVAL,
                rc == CLI_EXIT_UNREACHABLE ? "the broker at %s did not answer"
                                           : "the broker at %s refused the submission",
                app->cli->broker);
        proto_msg_clear(&ack);
        return -1;
    }
    json_t *jobs = json_array();
    for (size_t i = 0; i < ack.n_ids; i++)
        json_array_append_new(jobs, json_string(ack.ids[i]));
    *out = json_pack("{s:s,s:o}", "batch", ack.batch, "jobs", jobs);
    proto_msg_clear(&ack);
    return 0;
}

int web_submit(web_app_t *app,
               const char *urls,
               const char *text,
               const web_arg_t *file,
               const char *name,
               json_t **out,
               err_t *err)
{
    proto_item_t *items = mem_calloc(WEB_SUBMIT_MAX + 2, sizeof *items);
    char **owned = mem_calloc(WEB_SUBMIT_MAX + 2, sizeof *owned);
    char *copy = urls ? mem_strdup(urls) : NULL;
    size_t n = 0;
    int rc = 0;
    if (name && strlen(name) > STORE_BATCH_NAME_MAX) {
        err_set(err, LODE_EINVAL, "the batch name is over %d bytes", STORE_BATCH_NAME_MAX);
        rc = -1;
    }
    if (rc == 0 && !s_blank(text)) {
        if (strlen(text) > JOB_SOURCE_MAX_BYTES) {
            err_set(err, LODE_ETOOBIG, "the pasted text is over the 50 MB limit");
            rc = -1;
        } else
            items[n++] = (proto_item_t){"text", NULL, NULL, (char *)text, strlen(text)};
    }
    if (rc == 0 && copy)
        rc = s_urls(copy, items, &n, owned, err);
    if (rc == 0 && file && file->len > 0)
        rc = s_file(file, &items[n++], err);
    if (rc == 0 && n == 0) {
        err_set(err, LODE_EINVAL, "nothing to submit: paste URLs or text, or choose a file");
        rc = -1;
    }
    if (rc == 0)
        rc = s_send(app, name, items, n, out, err);
    for (size_t i = 0; i <= WEB_SUBMIT_MAX; i++)
        free(owned[i]);
    free(owned);
    free(items);
    free(copy);
    return rc;
}
