/*  podcast.c - the podcast source driver's state machine: the feed
 *  request, the episode's transcript candidates ranked by language and
 *  format, fetched in turn until one parses, and the result's metadata. No
 *  I/O of its own (srcdrv_impl.h); parsing lives in podcast_feed.c,
 *  podcast_pick.c and podcast_formats.c.
 *  SPDX-License-Identifier: MIT
 */
#include "podcast.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mem.h"
#include "podcast_impl.h"
#include "source.h"
#include "srcdrv_impl.h"

/* ---------------------------------------------------------------- the driver */

typedef enum {
    S_POD_START,      /* nothing asked yet */
    S_POD_FEED,       /* the feed was asked for */
    S_POD_TRANSCRIPT, /* a transcript was asked for */
    S_POD_DONE,       /* result ready */
    S_POD_OVER,       /* failed, or result taken */
} s_pod_phase_t;

typedef enum { S_TF_JSON, S_TF_VTT, S_TF_SRT, S_TF_HTML, S_TF_TEXT, S_TF_NONE } s_tfmt_t;

typedef struct {
    char *url;      /* owned: as given, fragment included */
    char *feed_url; /* owned: without the fragment */
    char *episode;  /* owned selector, or NULL for the latest */
    char *lang;     /* owned preferred language */
    s_pod_phase_t phase;
    podcast_feed_t *feed;                  /* owned */
    const podcast_item_t *item;            /* borrowed from feed */
    size_t order[PODCAST_MAX_TRANSCRIPTS]; /* transcripts to try, best first */
    size_t n_order;
    size_t next;     /* candidates asked for so far */
    err_t first;     /* why the first candidate failed */
    transcript_t *t; /* owned until result */
    source_meta_t meta;
    int64_t retry_after_ms;
} s_pod_t;

static const char *const s_feed_headers[] = {
    "Accept: application/rss+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5", NULL};

static bool s_is_http(const char *url)
{
    return url && (strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0);
}

static bool s_ends_with(const char *s, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n >= k && strncasecmp(s + n - k, suffix, k) == 0;
}

bool podcast_match(const char *url)
{
    if (!s_is_http(url))
        return false;
    const char *host = strstr(url, "://") + 3;
    size_t host_len = strcspn(host, "/?#");
    if (strncasecmp(host, "feeds.", 6) == 0 || strncasecmp(host, "feed.", 5) == 0)
        return true;
    const char *path = host + host_len;
    size_t n = strcspn(path, "?#");
    static const char *const shapes[] = {".rss", ".xml", "/feed", "/feed/", "/rss", "/rss/", NULL};
    for (const char *const *s = shapes; *s; s++)
        if (s_ends_with(path, n, *s))
            return true;
    return false;
}

static int s_hex(char c)
{
    return isdigit((unsigned char)c)    ? c - '0'
           : isxdigit((unsigned char)c) ? tolower((unsigned char)c) - 'a' + 10
                                        : -1;
}

static char *s_pct_decode(const char *s, size_t n)
{
    char *out = mem_alloc(n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        int hi = s[i] == '%' && i + 2 < n ? s_hex(s[i + 1]) : -1;
        int lo = hi >= 0 ? s_hex(s[i + 2]) : -1;
        if (lo >= 0) {
            *o++ = (char)(hi * 16 + lo);
            i += 2;
        } else {
            *o++ = s[i] == '+' ? ' ' : s[i];
        }
    }
    *o = '\0';
    return out;
}

/* The "episode=" value of a URL's fragment ("…/feed.xml#episode=3"), or NULL. */
static char *s_fragment_episode(const char *url)
{
    const char *hash = strchr(url, '#');
    if (!hash)
        return NULL;
    for (const char *p = hash + 1; *p;) {
        size_t n = strcspn(p, "&");
        if (n > 8 && strncmp(p, "episode=", 8) == 0)
            return s_pct_decode(p + 8, n - 8);
        p += n + (p[n] == '&');
    }
    return NULL;
}

void *podcast_state_new(const char *url, const srcdrv_opts_t *opts, err_t *err)
{
    if (!s_is_http(url)) {
        err_set(err, LODE_EUNSUPPORTED, "podcast: not an http(s) URL: '%.120s'", url ? url : "");
        return NULL;
    }
    s_pod_t *p = mem_calloc(1, sizeof *p);
    p->url = mem_strdup(url);
    p->feed_url = mem_strndup(url, strcspn(url, "#"));
    if (opts && opts->episode && *opts->episode)
        p->episode = mem_strdup(opts->episode);
    else
        p->episode = s_fragment_episode(url);
    p->lang = mem_strdup(opts && opts->lang && *opts->lang ? opts->lang : "en");
    p->retry_after_ms = -1;
    return p;
}

static void s_get(http_req_t *req, const char *url, const char *const *headers, bool binary)
{
    memset(req, 0, sizeof *req);
    req->method = "GET";
    req->url = url;
    req->headers = headers;
    req->allow_binary = binary;
}

static s_tfmt_t s_type_format(const char *type)
{
    static const struct {
        const char *type;
        s_tfmt_t fmt;
    } map[] = {{"application/json", S_TF_JSON}, {"text/json", S_TF_JSON},
               {"text/vtt", S_TF_VTT},          {"application/x-subrip", S_TF_SRT},
               {"application/srt", S_TF_SRT},   {"text/srt", S_TF_SRT},
               {"text/x-srt", S_TF_SRT},        {"application/x-srt", S_TF_SRT},
               {"text/html", S_TF_HTML},        {"application/xhtml+xml", S_TF_HTML},
               {"text/plain", S_TF_TEXT}};

    for (size_t i = 0; type && i < sizeof map / sizeof map[0]; i++)
        if (strcmp(type, map[i].type) == 0)
            return map[i].fmt;
    return S_TF_NONE;
}

/* Same language: "en" matches "en-US" and "EN". */
static bool s_lang_match(const char *a, const char *b)
{
    if (!a || !b)
        return false;
    size_t na = strcspn(a, "-_"), nb = strcspn(b, "-_");
    return na == nb && strncasecmp(a, b, na) == 0;
}

/* Lower is better: the preferred language first, then the format order
 * JSON, VTT, SRT, HTML, text, then captions, then feed order. */
static int s_score(const s_pod_t *p, const podcast_transcript_t *tr)
{
    const char *lang = tr->language ? tr->language : p->feed->language;
    int lang_miss = lang && !s_lang_match(lang, p->lang);
    return lang_miss * 100 + (int)s_type_format(tr->type) * 2 + !tr->captions;
}

static void s_rank(s_pod_t *p)
{
    const podcast_item_t *it = p->item;
    p->n_order = 0;
    for (size_t i = 0; i < it->n_transcripts; i++) {
        if (s_type_format(it->transcripts[i].type) == S_TF_NONE)
            continue;
        int sc = s_score(p, &it->transcripts[i]);
        size_t j = p->n_order++;
        /* Insertion sort, stable: ties keep feed order. */
        for (; j > 0 && s_score(p, &it->transcripts[p->order[j - 1]]) > sc; j--)
            p->order[j] = p->order[j - 1];
        p->order[j] = i;
    }
}

static srcdrv_step_t s_pod_no_transcript(s_pod_t *p, err_t *err)
{
    const podcast_item_t *it = p->item;
    const char *title = it->title ? it->title : (it->guid ? it->guid : "untitled");
    if (it->n_transcripts > 0) {
        err_set(err, LODE_EUNSUPPORTED,
                "podcast: episode '%.80s' has transcripts only in unsupported formats (%.40s)",
                title, it->transcripts[0].type[0] ? it->transcripts[0].type : "no type");
    } else if (!it->enclosure_url) {
        err_set(err, LODE_ENOTFOUND,
                "podcast: no published transcript for episode '%.80s' (found no enclosure)", title);
    } else if (it->enclosure_bytes > 0) {
        err_set(err, LODE_ENOTFOUND,
                "podcast: no published transcript for episode '%.80s' (found enclosure %.40s, "
                "%.1f MB)",
                title, it->enclosure_type ? it->enclosure_type : "of unknown type",
                (double)it->enclosure_bytes / 1e6);
    } else {
        err_set(err, LODE_ENOTFOUND,
                "podcast: no published transcript for episode '%.80s' (found enclosure %.40s, "
                "size unknown)",
                title, it->enclosure_type ? it->enclosure_type : "of unknown type");
    }
    p->phase = S_POD_OVER;
    return SRCDRV_FAIL;
}

static const podcast_transcript_t *s_candidate(const s_pod_t *p)
{
    return &p->item->transcripts[p->order[p->next - 1]];
}

/* Ask for the next candidate transcript, or fail with the first failure. */
static srcdrv_step_t s_pod_next(s_pod_t *p, http_req_t *req, err_t *err)
{
    if (p->next == p->n_order) {
        err_set(err, p->first.code, "%s", p->first.msg);
        p->phase = S_POD_OVER;
        return SRCDRV_FAIL;
    }
    p->next++;
    /* Binary allowed: the feed declared the type, and some servers label
     * SRT or VTT as application/octet-stream; audio and video are refused
     * after the fact (s_pod_transcript). */
    s_get(req, s_candidate(p)->url, NULL, true);
    p->phase = S_POD_TRANSCRIPT;
    return SRCDRV_REQUEST;
}

static srcdrv_step_t s_pod_feed(s_pod_t *p, const http_resp_t *resp, http_req_t *req, err_t *err)
{
    p->phase = S_POD_OVER;
    if (srcdrv_check_resp(resp, "podcast: feed", &p->retry_after_ms, err) != 0)
        return SRCDRV_FAIL;
    const char *base = resp->final_url && *resp->final_url ? resp->final_url : p->feed_url;
    p->feed = podcast_feed_parse(resp->body, resp->body_len, base, err);
    if (!p->feed)
        return SRCDRV_FAIL;
    p->item = podcast_feed_episode(p->feed, p->episode, err);
    if (!p->item)
        return SRCDRV_FAIL;
    s_rank(p);
    if (p->n_order == 0)
        return s_pod_no_transcript(p, err);
    return s_pod_next(p, req, err);
}

/* The transcript's real format: the body's shape first (feeds mislabel
 * files), then the type the feed declared, then the response's type. */
static s_tfmt_t s_sniff(const char *body, size_t len, const char *declared, const char *got)
{
    const char *s = body;
    size_t n = len;
    if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
        s += 3, n -= 3;
    while (n && podcast_is_space(*s))
        s++, n--;
    if (n >= 6 && memcmp(s, "WEBVTT", 6) == 0)
        return S_TF_VTT;
    if (n && (*s == '{' || *s == '['))
        return S_TF_JSON;
    if (n && source_format_guess(NULL, s, n) == SOURCE_FMT_SRT)
        return S_TF_SRT;
    if (n && *s == '<')
        return S_TF_HTML;
    s_tfmt_t f = s_type_format(declared);
    return f != S_TF_NONE ? f : (s_type_format(got) != S_TF_NONE ? s_type_format(got) : S_TF_TEXT);
}

static transcript_t *
s_parse_transcript(const http_resp_t *resp, s_tfmt_t fmt, source_meta_t *pm, err_t *err)
{
    if (fmt == S_TF_JSON)
        return podcast_json_transcript(resp->body, resp->body_len, err);
    if (fmt != S_TF_HTML) {
        source_format_t sf = fmt == S_TF_VTT   ? SOURCE_FMT_VTT
                             : fmt == S_TF_SRT ? SOURCE_FMT_SRT
                                               : SOURCE_FMT_TEXT;
        return source_parse(NULL, resp->body, resp->body_len, sf, pm, err);
    }
    size_t n = 0;
    char *text = podcast_html_text(resp->body, resp->body_len, &n);
    transcript_t *t = source_parse(NULL, text, n, SOURCE_FMT_TEXT, pm, err);
    free(text);
    return t;
}

static char *s_dup(const char *s)
{
    return s ? mem_strdup(s) : NULL;
}

static int64_t s_last_end(const transcript_t *t)
{
    for (size_t i = t->n_segs; i-- > 0;)
        if (t->segs[i].end_ms >= 0)
            return t->segs[i].end_ms;
    return -1;
}

#define S_POD_MAX_SPEAKERS 12 /* names in the source facts, as source.c keeps */

static void s_pod_meta(s_pod_t *p, const podcast_transcript_t *tr, s_tfmt_t fmt, source_meta_t *pm)
{
    static const char *const names[] = {"json", "vtt", "srt", "html", "text", "text"};
    const podcast_feed_t *f = p->feed;
    const podcast_item_t *it = p->item;
    source_meta_t *m = &p->meta;
    m->kind = mem_strdup("podcast");
    m->format = mem_strdup(names[fmt]);
    m->title = s_dup(it->title ? it->title : f->title);
    /* The first author that names a person; an e-mail address never shows. */
    m->author = podcast_author_name(it->author);
    if (!m->author)
        m->author = podcast_author_name(f->author);
    if (!m->author)
        m->author = s_dup(f->title);
    m->site = s_dup(f->title);
    m->published = s_dup(it->published);
    m->language = s_dup(tr->language ? tr->language : (f->language ? f->language : pm->language));
    m->runtime_ms = it->duration_ms >= 0 ? it->duration_ms : s_last_end(p->t);
    if (it->link)
        m->url = mem_strdup(it->link);
    else if (s_is_http(it->guid))
        m->url = mem_strdup(it->guid);
    else
        m->url = mem_strdup(p->url);
    m->n_repaired = pm->n_repaired;
    m->n_skipped = pm->n_skipped;
    char *who[S_POD_MAX_SPEAKERS];
    size_t n = podcast_speakers(f, it, p->t, who, S_POD_MAX_SPEAKERS);
    if (n) {
        m->speakers = mem_calloc(n, sizeof *m->speakers);
        memcpy(m->speakers, who, n * sizeof *who);
        m->n_speakers = n;
    }
}

static bool s_media_refused(const char *type)
{
    return type && (strncmp(type, "audio/", 6) == 0 || strncmp(type, "video/", 6) == 0 ||
                    strncmp(type, "image/", 6) == 0 || strcmp(type, "application/pdf") == 0 ||
                    strcmp(type, "application/zip") == 0);
}

static srcdrv_step_t
s_pod_transcript(s_pod_t *p, const http_resp_t *resp, http_req_t *req, err_t *err)
{
    const podcast_transcript_t *tr = s_candidate(p);
    err_t e = {0};
    source_meta_t pm = {0};
    if (srcdrv_check_resp(resp, "podcast: transcript", &p->retry_after_ms, &e) != 0 &&
        err_retryable(e.code)) {
        err_set(err, e.code, "%s", e.msg);
        p->phase = S_POD_OVER;
        return SRCDRV_FAIL;
    }
    if (!e.code && s_media_refused(resp->content_type))
        err_set(&e, LODE_EUNSUPPORTED, "podcast: transcript %.120s is %s, not a transcript",
                tr->url, resp->content_type);
    s_tfmt_t fmt = S_TF_NONE;
    if (!e.code) {
        fmt = s_sniff(resp->body, resp->body_len, tr->type, resp->content_type);
        p->t = s_parse_transcript(resp, fmt, &pm, &e);
        if (!p->t)
            err_prefix(&e, "podcast: transcript %.120s", tr->url);
    }
    if (p->t) {
        pm.n_repaired += resp->n_replaced; /* bytes the HTTP layer already replaced */
        s_pod_meta(p, tr, fmt, &pm);
        source_meta_clear(&pm);
        p->phase = S_POD_DONE;
        return SRCDRV_DONE;
    }
    source_meta_clear(&pm);
    err_set(&p->first, e.code, "%s", e.msg);
    return s_pod_next(p, req, err);
}

static srcdrv_step_t s_pod_step(void *state, const http_resp_t *resp, http_req_t *req, err_t *err)
{
    s_pod_t *p = state;
    if (p->phase == S_POD_START && !resp) {
        s_get(req, p->feed_url, s_feed_headers, false);
        p->phase = S_POD_FEED;
        return SRCDRV_REQUEST;
    }
    /* A response on the first call is the feed itself, already fetched by
     * the web driver (the hand-over described in podcast.h). */
    if (p->phase == S_POD_START)
        p->phase = S_POD_FEED;
    if (!resp || p->phase >= S_POD_DONE) {
        err_set(err, LODE_ESTATE, "podcast: step called %s",
                resp ? "after the end" : "without the response");
        return SRCDRV_FAIL;
    }
    if (p->phase == S_POD_FEED)
        return s_pod_feed(p, resp, req, err);
    return s_pod_transcript(p, resp, req, err);
}

static int s_pod_result(void *state, transcript_t **t, source_meta_t *meta, err_t *err)
{
    s_pod_t *p = state;
    if (p->phase != S_POD_DONE) {
        err_set(err, LODE_ESTATE, "podcast: no result (the driver is not done)");
        return -1;
    }
    *t = p->t;
    p->t = NULL;
    *meta = p->meta;
    memset(&p->meta, 0, sizeof p->meta);
    p->phase = S_POD_OVER;
    return 0;
}

static int64_t s_pod_retry_after(const void *state)
{
    return ((const s_pod_t *)state)->retry_after_ms;
}

static void s_pod_destroy(void *state)
{
    s_pod_t *p = state;
    if (!p)
        return;
    free(p->url);
    free(p->feed_url);
    free(p->episode);
    free(p->lang);
    podcast_feed_destroy(&p->feed);
    transcript_destroy(&p->t);
    source_meta_clear(&p->meta);
    free(p);
}

const srcdrv_ops_t podcast_ops = {
    .name = "podcast",
    .step = s_pod_step,
    .result = s_pod_result,
    .urls = NULL,
    .retry_after_ms = s_pod_retry_after,
    .destroy = s_pod_destroy,
};
