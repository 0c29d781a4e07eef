/*  web_export.c - a batch exported from the workbench: JSON Lines (one
 *  document a line, the DESIGN.md shape with curation) or a tar archive of
 *  one Markdown file a document, ready to unpack into an Obsidian vault
 *  (web_obsidian.c: front matter, timestamp links, no stray [[ or #tags).
 *  Built in memory, so bounded: up to WEB_EXPORT_DOCS documents and
 *  WEB_PAGE_MAX bytes; beyond that the answer points to `lode batch export`,
 *  which streams.
 *  SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "jobdoc.h"
#include "web_doc.h"
#include "web_impl.h"

#define WEB_EXPORT_DOCS 2000

/* A file name from a title: letters, digits, spaces, - and _, cut short,
 * then the id so two equal titles never collide. */
static void s_name(char out[100], const char *dir, const char *title, const char *id)
{
    char clean[48];
    size_t n = 0;
    for (const char *p = title ? title : ""; *p && n + 1 < sizeof clean; p++)
        if (isalnum((unsigned char)*p) || *p == ' ' || *p == '-' || *p == '_')
            clean[n++] = *p;
    clean[n] = '\0';
    snprintf(out, 100, "%s/%s%s%s.md", dir, clean, n ? " " : "", id);
}

/* One ustar member: header, data, padding to 512. */
static void s_tar_file(wb_t *b, const char *name, const char *data, size_t len)
{
    char h[512] = {0};
    snprintf(h, 100, "%s", name);
    memcpy(h + 100, "0000644", 8);
    memcpy(h + 108, "0000000", 8);
    memcpy(h + 116, "0000000", 8);
    /* Sizes under 8 GiB fit 11 octal digits; an export is capped far below. */
    char num[24];
    snprintf(num, sizeof num, "%011llo", (unsigned long long)len & 077777777777ULL);
    memcpy(h + 124, num, 12);
    snprintf(num, sizeof num, "%011llo",
             (unsigned long long)(job_now_ms() / 1000) & 077777777777ULL);
    memcpy(h + 136, num, 12);
    memset(h + 148, ' ', 8);
    h[156] = '0';
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    unsigned sum = 0;
    for (size_t i = 0; i < 512; i++)
        sum += (unsigned char)h[i];
    snprintf(h + 148, 8, "%06o", sum);
    wb_rawn(b, h, 512);
    wb_rawn(b, data, len);
    static const char zero[512];
    wb_rawn(b, zero, (512 - len % 512) % 512);
}

/* Append one document in the format asked for. -1 and *err on a read failure. */
static int s_one(web_ctx_t *c, const char *id, bool tar, const char *dir, wb_t *b, err_t *err)
{
    store_job_t job;
    doc_t *doc = jobdoc_load(c->app->store, id, &job, err);
    if (!doc)
        return err->code == LODE_ENOTFOUND ? (err_clear(err), 0) : -1;
    char *js = doc_to_json(doc, 0);
    doc_destroy(&doc);
    store_job_clear(&job);
    if (!tar) {
        wb_raw(b, js);
        wb_raw(b, "\n");
    } else {
        json_t *j = json_loads(js, 0, NULL);
        char *md = web_obsidian(j);
        const char *title = web_jstr(json_object_get(j, "source"), "title");
        char name[100];
        s_name(name, dir, title ? title : web_jstr(json_object_get(j, "synthesis"), "title"), id);
        s_tar_file(b, name, md, strlen(md));
        free(md);
        json_decref(j);
    }
    free(js);
    return 0;
}

static int s_all(web_ctx_t *c, bool tar, const char *dir, int64_t total, wb_t *b, err_t *err)
{
    for (size_t off = 0; (int64_t)off < total; off += 1000) {
        char(*ids)[JOB_ID_SIZE] = NULL;
        size_t n = 0;
        if (store_batch_page(c->app->store, c->id, off, 1000, &ids, &n, err) != 0)
            return -1;
        for (size_t i = 0; i < n && !b->over; i++) {
            if (s_one(c, ids[i], tar, dir, b, err) != 0) {
                free(ids);
                return -1;
            }
        }
        free(ids);
        if (n == 0)
            break;
    }
    return 0;
}

void web_batch_export(web_ctx_t *c)
{
    bool tar = strcmp(c->rest, "/export.tar") == 0;
    if (!tar && strcmp(c->rest, "/export.jsonl") != 0) {
        web_send_error(c, 404, "export as .jsonl or .tar");
        return;
    }
    store_batch_t bt;
    err_t err = {0};
    if (!job_id_valid(c->id))
        err_set(&err, LODE_ENOTFOUND, "no batch %s", c->id);
    if (err.code || store_batch_get(c->app->store, c->id, &bt, &err) != 0) {
        web_send_err(c, &err);
        return;
    }
    if (bt.total > WEB_EXPORT_DOCS) {
        web_send_error(c, 413, "over 2,000 documents: use lode batch export, which streams");
        return;
    }
    char dir[40];
    snprintf(dir, sizeof dir, "lode-%s", c->id);
    wb_t b;
    wb_init(&b, WEB_PAGE_MAX);
    if (s_all(c, tar, dir, bt.total, &b, &err) != 0) {
        wb_free(&b);
        web_send_err(c, &err);
        return;
    }
    if (tar)
        wb_rawn(&b, (const char[1024]){0}, 1024); /* the end of the archive */
    if (b.over) {
        wb_free(&b);
        web_send_error(c, 413, "the export is over 64 MB: use lode batch export, which streams");
        return;
    }
    c->resp->status = 200;
    c->resp->type = tar ? "application/x-tar" : "application/x-ndjson";
    snprintf(c->resp->filename, sizeof c->resp->filename, "%s.%s", dir, tar ? "tar" : "jsonl");
    c->resp->body = wb_steal(&b, &c->resp->len);
}
