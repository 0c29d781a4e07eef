/*  webdrv.c - generic http(s) URLs: one GET, then the content type and the
 *  URL's suffix decide how to read the body. Subtitles and text go through
 *  source_parse, RSS continues in the podcast driver, HTML pages go through
 *  the article extractor. No I/O.
 *  SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "article.h"
#include "mem.h"
#include "source.h"
#include "srcdrv_impl.h" /* webdrv_ops, srcdrv_check_resp */
#include "utf8.h"

/* Less main text than this is a page that cannot be mined (a paywall, an
 * index page, a script-rendered shell), not an article. */
#define WEBDRV_ARTICLE_MIN_CHARS 500

/* ---------------------------------------------------------------- driver */

typedef enum {
    S_WEB_START,   /* nothing asked yet */
    S_WEB_FETCHED, /* the URL was asked for */
    S_WEB_PODCAST, /* the podcast driver has taken over */
    S_WEB_DONE,    /* result ready */
    S_WEB_OVER,    /* failed, or result taken */
} s_web_phase_t;

typedef enum { S_KIND_VTT, S_KIND_SRT, S_KIND_MD, S_KIND_TEXT, S_KIND_RSS, S_KIND_OTHER } s_kind_t;

typedef struct {
    char *url;     /* owned: as given */
    char *get_url; /* owned: without the fragment */
    void *pod;     /* owned podcast state, used if the URL answers with RSS */
    s_web_phase_t phase;
    transcript_t *t; /* owned until result */
    source_meta_t meta;
    int64_t retry_after_ms;
} s_web_t;

void *webdrv_state_new(const char *url, const srcdrv_opts_t *opts, err_t *err)
{
    void *pod = podcast_state_new(url, opts, err);
    if (!pod) {
        err_prefix(err, "webdrv");
        return NULL;
    }
    s_web_t *w = mem_calloc(1, sizeof *w);
    w->url = mem_strdup(url);
    w->get_url = mem_strndup(url, strcspn(url, "#"));
    w->pod = pod;
    w->retry_after_ms = -1;
    return w;
}

/* The path of url (no query or fragment) as [*path, *path + *n). */
static void s_path(const char *url, const char **path, size_t *n)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    p += strcspn(p, "/?#");
    *path = p;
    *n = strcspn(p, "?#");
}

static bool s_suffix(const char *url, const char *suffix)
{
    const char *path;
    size_t n, k = strlen(suffix);
    s_path(url, &path, &n);
    return n >= k && strncasecmp(path + n - k, suffix, k) == 0;
}

static bool s_in(const char *type, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(type, *list) == 0)
            return true;
    return false;
}

/* True if the first 4 KB of body hold an <rss element (after the XML
 * declaration, comments and a stylesheet instruction). */
static bool s_has_rss(const char *body, size_t len)
{
    size_t n = len < 4096 ? len : 4096;
    for (size_t i = 0; i + 4 <= n; i++)
        if (memcmp(body + i, "<rss", 4) == 0 &&
            (i + 4 == n || !isalnum((unsigned char)body[i + 4])))
            return true;
    return false;
}

static s_kind_t s_kind(const http_resp_t *resp, const char *url)
{
    static const char *const generic[] = {"", "text/plain", "application/octet-stream",
                                          "binary/octet-stream", NULL};
    static const char *const srt[] = {"application/x-subrip", "application/srt",   "text/srt",
                                      "text/x-srt",           "application/x-srt", NULL};
    static const char *const md[] = {"text/markdown", "text/x-markdown", NULL};
    static const char *const xml[] = {"application/rss+xml", "application/xml", "text/xml", NULL};
    const char *ct = resp->content_type ? resp->content_type : "";
    bool any = s_in(ct, generic);
    if (strcmp(ct, "text/vtt") == 0 || (any && s_suffix(url, ".vtt")))
        return S_KIND_VTT;
    if (s_in(ct, srt) || (any && s_suffix(url, ".srt")))
        return S_KIND_SRT;
    if (s_in(ct, md) || (any && (s_suffix(url, ".md") || s_suffix(url, ".markdown"))))
        return S_KIND_MD;
    if ((s_in(ct, xml) || any) && s_has_rss(resp->body, resp->body_len))
        return S_KIND_RSS;
    if (any)
        return S_KIND_TEXT;
    return S_KIND_OTHER;
}

static srcdrv_step_t s_web_refuse(s_web_t *w, const http_resp_t *resp, err_t *err)
{
    const char *ct = resp->content_type && *resp->content_type ? resp->content_type : "none";
    w->phase = S_WEB_OVER;
    if (strcmp(ct, "application/atom+xml") == 0) {
        err_set(err, LODE_EUNSUPPORTED,
                "%.160s is an Atom feed: only RSS podcast feeds are supported", w->url);
    } else if (strstr(ct, "xml")) {
        err_set(err, LODE_EUNSUPPORTED, "%.160s is an XML document (%s), not an RSS feed", w->url,
                ct);
    } else {
        err_set(err, LODE_EUNSUPPORTED, "%.160s has an unsupported content type (%.60s)", w->url,
                ct);
    }
    return SRCDRV_FAIL;
}

/* Title of a file without one: its name in the URL, without the suffix. */
static char *s_file_title(const char *url)
{
    const char *path;
    size_t n;
    s_path(url, &path, &n);
    while (n > 0 && path[n - 1] == '/')
        n--;
    const char *name = path + n;
    while (name > path && name[-1] != '/')
        name--;
    size_t len = (size_t)(path + n - name);
    const char *dot = memchr(name, '.', len);
    if (dot && dot > name)
        len = (size_t)(dot - name);
    return len ? mem_strndup(name, len) : NULL;
}

static char *s_host(const char *url)
{
    const char *p = strstr(url, "://");
    if (!p)
        return NULL;
    p += 3;
    const char *at = memchr(p, '@', strcspn(p, "/?#"));
    if (at)
        p = at + 1;
    size_t n = p[0] == '[' ? strcspn(p, "]") + 1 : strcspn(p, ":/?#");
    return n ? mem_strndup(p, n) : NULL;
}

static char *s_dup_or_null(const char *s)
{
    return s && *s ? mem_strdup(s) : NULL;
}

/* An HTML page: its main text as paragraphs, untimed, and its metadata. */
static srcdrv_step_t s_web_article(s_web_t *w, const http_resp_t *resp, err_t *err)
{
    const char *url = resp->final_url && *resp->final_url ? resp->final_url : w->get_url;
    article_t a;
    w->phase = S_WEB_OVER;
    if (article_extract(resp->body, resp->body_len, url, &a, err) != 0) {
        err_prefix(err, "%.160s", url);
        return SRCDRV_FAIL;
    }
    size_t chars = 0;
    transcript_t *t = transcript_new();
    for (size_t i = 0; i < a.n_blocks; i++) {
        chars += utf8_cp_count(a.blocks[i], strlen(a.blocks[i]));
        if (transcript_append(t, "\n\n", a.blocks[i], strlen(a.blocks[i]), TRANSCRIPT_UNTIMED,
                              err) != 0)
            break;
    }
    if (err->code == 0 && chars < WEBDRV_ARTICLE_MIN_CHARS)
        err_set(err, LODE_EEMPTY,
                "article too short to mine: %zu characters of main text in %zu block%s at %.160s "
                "(want at least %d)",
                chars, a.n_blocks, a.n_blocks == 1 ? "" : "s", url, WEBDRV_ARTICLE_MIN_CHARS);
    if (err->code != 0) {
        transcript_destroy(&t);
        article_clear(&a);
        return SRCDRV_FAIL;
    }
    source_meta_t *m = &w->meta;
    m->kind = mem_strdup("article");
    m->format = mem_strdup("html");
    m->title = s_dup_or_null(a.title);
    m->author = s_dup_or_null(a.author);
    m->published = s_dup_or_null(a.published);
    m->language = s_dup_or_null(a.language);
    m->url = mem_strdup(a.canonical && *a.canonical ? a.canonical : url);
    m->site = a.site && *a.site ? mem_strdup(a.site) : s_host(url);
    m->runtime_ms = -1;
    m->n_repaired = resp->n_replaced;
    article_clear(&a);
    w->t = t;
    w->phase = S_WEB_DONE;
    return SRCDRV_DONE;
}

static srcdrv_step_t s_web_parse(s_web_t *w, const http_resp_t *resp, s_kind_t kind, err_t *err)
{
    static const source_format_t fmts[] = {SOURCE_FMT_VTT, SOURCE_FMT_SRT, SOURCE_FMT_MARKDOWN,
                                           SOURCE_FMT_TEXT};
    const char *url = resp->final_url && *resp->final_url ? resp->final_url : w->get_url;
    source_format_t fmt = fmts[kind];
    /* A text/plain body may still be subtitles: let the body decide. */
    if (kind == S_KIND_TEXT)
        fmt = source_format_guess(NULL, resp->body, resp->body_len);
    w->t = source_parse(NULL, resp->body, resp->body_len, fmt, &w->meta, err);
    w->phase = w->t ? S_WEB_DONE : S_WEB_OVER;
    if (!w->t) {
        err_prefix(err, "%.160s", url);
        return SRCDRV_FAIL;
    }
    source_meta_t *m = &w->meta;
    free(m->kind);
    bool subtitles = fmt == SOURCE_FMT_VTT || fmt == SOURCE_FMT_SRT;
    m->kind = mem_strdup(subtitles ? "subtitles" : "text");
    if (!m->title)
        m->title = s_file_title(url);
    m->url = mem_strdup(url);
    m->site = s_host(url);
    m->n_repaired += resp->n_replaced; /* bytes the HTTP layer already replaced */
    return SRCDRV_DONE;
}

static srcdrv_step_t s_web_fetched(s_web_t *w, const http_resp_t *resp, http_req_t *req, err_t *err)
{
    if (srcdrv_check_resp(resp, "page", &w->retry_after_ms, err) != 0) {
        w->phase = S_WEB_OVER;
        return SRCDRV_FAIL;
    }
    const char *url = resp->final_url && *resp->final_url ? resp->final_url : w->get_url;
    s_kind_t kind = s_kind(resp, url);
    const char *ct = resp->content_type ? resp->content_type : "";
    if (kind == S_KIND_OTHER &&
        (strcmp(ct, "text/html") == 0 || strcmp(ct, "application/xhtml+xml") == 0))
        return s_web_article(w, resp, err);
    if (kind == S_KIND_OTHER)
        return s_web_refuse(w, resp, err);
    if (kind != S_KIND_RSS)
        return s_web_parse(w, resp, kind, err);
    w->phase = S_WEB_PODCAST;
    return podcast_ops.step(w->pod, resp, req, err);
}

static srcdrv_step_t s_web_step(void *state, const http_resp_t *resp, http_req_t *req, err_t *err)
{
    s_web_t *w = state;
    if (w->phase == S_WEB_START && !resp) {
        memset(req, 0, sizeof *req);
        req->method = "GET";
        req->url = w->get_url;
        /* Subtitles are often served as application/octet-stream. */
        req->allow_binary = s_suffix(w->get_url, ".vtt") || s_suffix(w->get_url, ".srt");
        w->phase = S_WEB_FETCHED;
        return SRCDRV_REQUEST;
    }
    if (w->phase == S_WEB_PODCAST)
        return podcast_ops.step(w->pod, resp, req, err);
    if (w->phase != S_WEB_FETCHED || !resp) {
        err_set(err, LODE_ESTATE, "webdrv: step called %s",
                resp ? "after the end" : "without the response");
        return SRCDRV_FAIL;
    }
    return s_web_fetched(w, resp, req, err);
}

static int s_web_result(void *state, transcript_t **t, source_meta_t *meta, err_t *err)
{
    s_web_t *w = state;
    if (w->phase == S_WEB_PODCAST)
        return podcast_ops.result(w->pod, t, meta, err);
    if (w->phase != S_WEB_DONE) {
        err_set(err, LODE_ESTATE, "webdrv: no result (the driver is not done)");
        return -1;
    }
    *t = w->t;
    w->t = NULL;
    *meta = w->meta;
    memset(&w->meta, 0, sizeof w->meta);
    w->phase = S_WEB_OVER;
    return 0;
}

static int64_t s_web_retry_after(const void *state)
{
    const s_web_t *w = state;
    if (w->phase == S_WEB_PODCAST)
        return podcast_ops.retry_after_ms(w->pod);
    return w->retry_after_ms;
}

static void s_web_destroy(void *state)
{
    s_web_t *w = state;
    if (!w)
        return;
    podcast_ops.destroy(w->pod);
    free(w->url);
    free(w->get_url);
    transcript_destroy(&w->t);
    source_meta_clear(&w->meta);
    free(w);
}

const srcdrv_ops_t webdrv_ops = {
    .name = "web",
    .step = s_web_step,
    .result = s_web_result,
    .urls = NULL,
    .retry_after_ms = s_web_retry_after,
    .destroy = s_web_destroy,
};
