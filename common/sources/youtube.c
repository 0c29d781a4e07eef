/*  youtube.c - the YouTube source driver as a state machine: options,
 *  request building, the watch page and the step/result ops. The URL
 *  parsing, player-response reading and playlist expansion live in
 *  youtube_url.c, youtube_player.c and youtube_playlist.c. Never does I/O
 *  and never prints. Every field of YouTube's answers is treated as optional.
 *  SPDX-License-Identifier: MIT
 */
#include "youtube.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "mem.h"
#include "timedtext.h"
#include "youtube_impl.h"
#include "ytpage.h"

#define S_LANG_MAX 16

#define S_WATCH_QUERY "&hl=en&bpctr=9999999999&has_verified=1"

/* ---------------------------------------------------------------- options */

typedef struct {
    const char *name;    /* innertube clientName */
    int number;          /* X-YouTube-Client-Name */
    const char *version; /* default clientVersion or NULL */
} s_client_t;

static const s_client_t s_clients[] = {
    {"WEB", 1, "2.20260708.00.00"},
    {"MWEB", 2, "2.20260708.00.00"},
    {"ANDROID", 3, YOUTUBE_DEFAULT_VERSION},
    {"IOS", 5, "21.26.4"},
    {"TVHTML5", 7, NULL},
    {"ANDROID_VR", 28, "1.65.10"},
    {"WEB_EMBEDDED_PLAYER", 56, NULL},
    {"WEB_CREATOR", 62, NULL},
    {"WEB_REMIX", 67, NULL},
    {"TVHTML5_SIMPLY", 75, NULL},
    {"VISIONOS", 101, "1.02"},
};

static const s_client_t *s_client(const char *name)
{
    for (size_t i = 0; i < sizeof s_clients / sizeof s_clients[0]; i++)
        if (strcasecmp(s_clients[i].name, name) == 0)
            return &s_clients[i];
    return NULL;
}

static const char *s_pick(const char *given, const char *env, const char *def)
{
    if (given && *given)
        return given;
    const char *e = env ? getenv(env) : NULL;
    return (e && *e) ? e : def;
}

void youtube_opts_resolve(const srcdrv_opts_t *in, srcdrv_opts_t *out)
{
    *out = in ? *in : (srcdrv_opts_t){0};
    out->lang = s_pick(out->lang, NULL, "en");
    out->yt_base = s_pick(out->yt_base, "LODE_YT_BASE", YOUTUBE_DEFAULT_BASE);
    out->yt_client = s_pick(out->yt_client, "LODE_YT_CLIENT", YOUTUBE_DEFAULT_CLIENT);
    const s_client_t *c = s_client(out->yt_client);
    out->yt_version = s_pick(out->yt_version, "LODE_YT_CLIENT_VERSION", c ? c->version : NULL);
    out->accept_lang = s_pick(out->accept_lang, "LODE_YT_ACCEPT_LANG", YOUTUBE_DEFAULT_ACCEPT_LANG);
}

/* ------------------------------------------------------------------ state */

static void s_req_clear(youtube_state_t *self)
{
    free(self->req_url);
    free(self->req_body);
    self->req_url = self->req_body = NULL;
    for (size_t i = 0; i < self->n_headers; i++)
        free(self->headers[i]);
    self->n_headers = 0;
    self->hdr_ptrs[0] = NULL;
}

static void s_add_header(youtube_state_t *self, char *line)
{
    if (self->n_headers == YOUTUBE_MAX_HEADERS) {
        free(line);
        return;
    }
    self->headers[self->n_headers] = line;
    self->hdr_ptrs[self->n_headers++] = line;
    self->hdr_ptrs[self->n_headers] = NULL;
}

/* Fill *req from the stored request. */
static srcdrv_step_t s_emit(youtube_state_t *self, youtube_phase_t next, http_req_t *req)
{
    memset(req, 0, sizeof *req);
    req->method = self->req_body ? "POST" : "GET";
    req->url = self->req_url;
    req->body = self->req_body;
    req->body_len = self->req_body ? strlen(self->req_body) : 0;
    req->headers = self->hdr_ptrs;
    req->cookie = self->cookie;
    self->phase = next;
    return SRCDRV_REQUEST;
}

srcdrv_step_t youtube_fail(youtube_state_t *self, int64_t retry_after_ms)
{
    self->phase = YOUTUBE_FAILED;
    self->retry_after_ms = retry_after_ms;
    return SRCDRV_FAIL;
}

/* Fail with a cool-down: Retry-After when the server gave one. */
static srcdrv_step_t s_fail_cool(youtube_state_t *self, const http_resp_t *resp)
{
    int64_t ms = resp && resp->retry_after_ms > 0 ? resp->retry_after_ms : YOUTUBE_COOLDOWN_MS;
    return youtube_fail(self, ms);
}

/* ----------------------------------------------------------- HTTP answers */

/* 0 if resp is a 2xx answer; else fails the job (err set) and returns -1.
 * what names the step ("watch page"); a 4xx from the player endpoint means
 * the client identity was refused. */
int youtube_check_http(youtube_state_t *self, const http_resp_t *resp, const char *what, err_t *err)
{
    const char *id = self->ref.video[0] ? self->ref.video : self->ref.list;
    if (resp->err.code) {
        err_set(err, resp->err.code, "youtube: %s request failed for %s: %s", what, id,
                resp->err.msg);
        youtube_fail(self, resp->retry_after_ms);
        return -1;
    }
    const char *final = resp->final_url ? resp->final_url : "";
    if (resp->status == 429 || strstr(final, "google.com/sorry")) {
        err_set(err, LODE_EHTTP, "youtube: rate limited for %s (HTTP %d from %s) - retry later", id,
                resp->status, what);
        s_fail_cool(self, resp);
        return -1;
    }
    if (resp->status >= 200 && resp->status < 300)
        return 0;
    if (resp->status == 403) {
        err_set(err, LODE_EHTTP,
                "youtube: blocked for %s (HTTP 403 from %s) - retry later or "
                "from another address",
                id, what);
        s_fail_cool(self, resp);
    } else if (resp->status >= 400 && resp->status < 500 && strcmp(what, "player") == 0) {
        err_set(err, LODE_EUNSUPPORTED,
                "youtube: client rejected for %s (HTTP %d from player; "
                "update LODE_YT_CLIENT / LODE_YT_CLIENT_VERSION, now %s %s)",
                id, resp->status, self->client, self->version);
        youtube_fail(self, -1);
    } else {
        err_set(err, LODE_EHTTP, "youtube: HTTP %d from %s for %s", resp->status, what, id);
        youtube_fail(self, resp->retry_after_ms);
    }
    return -1;
}

/* ------------------------------------------------------------- requests */

const char *youtube_id(const youtube_state_t *self)
{
    return self->ref.video;
}

static void s_common_headers(youtube_state_t *self)
{
    s_add_header(self, mem_printf("Accept-Language: %s", self->accept_lang));
}

static srcdrv_step_t s_req_page(youtube_state_t *self, http_req_t *req)
{
    s_req_clear(self);
    if (self->ref.playlist)
        self->req_url = mem_printf("%s/playlist?list=%s&hl=en", self->base, self->ref.list);
    else
        self->req_url = mem_printf("%s/watch?v=%s" S_WATCH_QUERY, self->base, youtube_id(self));
    s_common_headers(self);
    return s_emit(self, self->ref.playlist ? YOUTUBE_PLAYLIST : YOUTUBE_WATCH, req);
}

static char *s_player_body(const youtube_state_t *self)
{
    json_t *client =
        json_pack("{s:s, s:s, s:s, s:s, s:i}", "clientName", self->client, "clientVersion",
                  self->version, "hl", "en", "timeZone", "UTC", "utcOffsetMinutes", 0);
    json_t *body = json_pack("{s:{s:o}, s:s, s:b, s:b}", "context", "client", client, "videoId",
                             youtube_id(self), "contentCheckOk", 1, "racyCheckOk", 1);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    char *out = mem_strdup(text);
    free(text);
    return out;
}

static srcdrv_step_t s_req_player(youtube_state_t *self, http_req_t *req)
{
    s_req_clear(self);
    self->req_url = self->api_key
                        ? mem_printf("%s/youtubei/v1/player?prettyPrint=false&key=%s", self->base,
                                     self->api_key)
                        : mem_printf("%s/youtubei/v1/player?prettyPrint=false", self->base);
    self->req_body = s_player_body(self);
    s_common_headers(self);
    s_add_header(self, mem_strdup("Content-Type: application/json"));
    const s_client_t *c = s_client(self->client);
    if (c)
        s_add_header(self, mem_printf("X-YouTube-Client-Name: %d", c->number));
    s_add_header(self, mem_printf("X-YouTube-Client-Version: %s", self->version));
    if (self->visitor)
        s_add_header(self, mem_printf("X-Goog-Visitor-Id: %s", self->visitor));
    return s_emit(self, YOUTUBE_PLAYER, req);
}

static srcdrv_step_t s_req_captions(youtube_state_t *self, http_req_t *req)
{
    s_req_clear(self);
    const char *fmt = self->caption_tries == 0 ? "json3" : "srv3";
    self->caption_tries++;
    self->req_url = mem_printf("%s&fmt=%s", self->track_url, fmt);
    s_common_headers(self);
    return s_emit(self, YOUTUBE_CAPTIONS, req);
}

/* ------------------------------------------------------------ watch page */

/* The consent wall: once with CONSENT=YES+<v>, then give up. */
static srcdrv_step_t
s_on_consent(youtube_state_t *self, const http_resp_t *resp, http_req_t *req, err_t *err)
{
    char *v = ytpage_consent_value(resp->body, resp->body_len);
    if (!v || self->consent_tries > 0) {
        err_set(err, LODE_EUNSUPPORTED,
                "youtube: consent wall for %s (%s; YouTube's consent "
                "flow may have changed)",
                self->ref.playlist ? self->ref.list : youtube_id(self),
                v ? "the consent cookie was refused" : "no consent form value");
        free(v);
        return youtube_fail(self, -1);
    }
    free(self->cookie);
    self->cookie = mem_printf("SOCS=CAI; CONSENT=YES+%s", v);
    free(v);
    self->consent_tries++;
    return s_req_page(self, req);
}

/* Consent wall or captcha page: handled (a request or a failure) if true. */
bool youtube_page_gate(youtube_state_t *self,
                       const http_resp_t *resp,
                       http_req_t *req,
                       err_t *err,
                       srcdrv_step_t *step)
{
    const char *final = resp->final_url ? resp->final_url : "";
    if (ytpage_is_consent(resp->body, resp->body_len) || strstr(final, "consent.youtube.com")) {
        *step = s_on_consent(self, resp, req, err);
        return true;
    }
    if (ytpage_is_captcha(resp->body, resp->body_len)) {
        err_set(err, LODE_EHTTP,
                "youtube: captcha for %s (\"unusual traffic\" page) - retry "
                "later or from another address",
                self->ref.playlist ? self->ref.list : youtube_id(self));
        *step = s_fail_cool(self, resp);
        return true;
    }
    return false;
}

static srcdrv_step_t
s_on_watch(youtube_state_t *self, const http_resp_t *resp, http_req_t *req, err_t *err)
{
    if (youtube_check_http(self, resp, "watch page", err) != 0)
        return SRCDRV_FAIL;
    srcdrv_step_t step;
    if (youtube_page_gate(self, resp, req, err, &step))
        return step;
    free(self->api_key);
    free(self->visitor);
    self->api_key = ytpage_cfg_string(resp->body, resp->body_len, "INNERTUBE_API_KEY");
    self->visitor = ytpage_cfg_string(resp->body, resp->body_len, "VISITOR_DATA");
    size_t off, n;
    if (ytpage_json_object(resp->body, resp->body_len, "ytInitialPlayerResponse", &off, &n)) {
        json_t *pr = youtube_json_load(resp->body + off, n);
        /* The page may describe another video (a redirect); use it only for ours. */
        const char *vid = youtube_json_str(json_object_get(pr, "videoDetails"), "videoId");
        if (pr && vid && strcmp(vid, youtube_id(self)) == 0)
            youtube_meta_take(&self->meta, pr);
        json_decref(pr);
    }
    return s_req_player(self, req);
}

static srcdrv_step_t
s_on_player(youtube_state_t *self, const http_resp_t *resp, http_req_t *req, err_t *err)
{
    if (youtube_check_http(self, resp, "player", err) != 0)
        return SRCDRV_FAIL;
    json_t *pr = youtube_json_load(resp->body, resp->body_len);
    if (!json_is_object(pr)) {
        json_decref(pr);
        err_set(err, LODE_EHTTP, "youtube: bad response from player for %s (not a JSON object)",
                youtube_id(self));
        return youtube_fail(self, -1);
    }
    int rc = youtube_read_player(self, pr, err);
    json_decref(pr);
    if (rc != 0)
        return self->phase == YOUTUBE_FAILED ? SRCDRV_FAIL : youtube_fail(self, -1);
    return s_req_captions(self, req);
}

/* --------------------------------------------------------------- captions */

static srcdrv_step_t
s_on_captions(youtube_state_t *self, const http_resp_t *resp, http_req_t *req, err_t *err)
{
    if (youtube_check_http(self, resp, "timedtext", err) != 0)
        return SRCDRV_FAIL;
    err_t perr = {0};
    transcript_t *t = timedtext_parse(resp->body, resp->body_len, TIMEDTEXT_UNKNOWN, &perr);
    if (t) {
        self->t = t;
        self->fmt = timedtext_sniff(resp->body, resp->body_len);
        self->phase = YOUTUBE_DONE;
        return SRCDRV_DONE;
    }
    if (perr.code == LODE_EEMPTY && self->caption_tries < 2)
        return s_req_captions(self, req);
    if (perr.code == LODE_EEMPTY) {
        /* A 200 without text for a track the player offered: withheld, as
         * for a missing PO token or a blocked address; not "no captions". */
        err_set(err, LODE_EHTTP,
                "youtube: empty caption body for %s (track %s; captions "
                "withheld - a PO token may be needed or the address is blocked): %s",
                youtube_id(self), self->track_lang, perr.msg);
        return youtube_fail(self, YOUTUBE_COOLDOWN_MS);
    }
    err_set(err, perr.code == LODE_ETOOBIG ? LODE_ETOOBIG : LODE_EHTTP,
            "youtube: bad response from timedtext for %s (content type %s): %s", youtube_id(self),
            resp->content_type && *resp->content_type ? resp->content_type : "none", perr.msg);
    return youtube_fail(self, -1);
}

/* -------------------------------------------------------------------- ops */

static srcdrv_step_t s_step(void *state, const http_resp_t *resp, http_req_t *req, err_t *err)
{
    youtube_state_t *self = state;
    http_resp_t fixed;
    if (resp && !resp->body) {
        fixed = *resp;
        fixed.body = "";
        fixed.body_len = 0;
        resp = &fixed;
    }
    if (self->phase != YOUTUBE_START && !resp && self->phase < YOUTUBE_DONE) {
        err_set(err, LODE_ESTATE, "youtube: step without the response to the last request");
        return youtube_fail(self, -1);
    }
    switch (self->phase) {
    case YOUTUBE_START:
        return s_req_page(self, req);
    case YOUTUBE_WATCH:
        return s_on_watch(self, resp, req, err);
    case YOUTUBE_PLAYER:
        return s_on_player(self, resp, req, err);
    case YOUTUBE_CAPTIONS:
        return s_on_captions(self, resp, req, err);
    case YOUTUBE_PLAYLIST:
        return youtube_on_playlist(self, resp, req, err);
    default:
        err_set(err, LODE_ESTATE, "youtube: step after the driver finished");
        return SRCDRV_FAIL;
    }
}

static int s_result(void *state, transcript_t **t, source_meta_t *meta, err_t *err)
{
    youtube_state_t *self = state;
    if (self->phase != YOUTUBE_DONE || !self->t) {
        err_set(err, LODE_ESTATE, "youtube: no transcript (the driver has not finished)");
        return -1;
    }
    memset(meta, 0, sizeof *meta);
    meta->kind = mem_strdup("youtube");
    meta->format = mem_strdup(timedtext_format_name(self->fmt));
    meta->title = self->meta.title ? mem_strdup(self->meta.title) : NULL;
    meta->author = self->meta.author ? mem_strdup(self->meta.author) : NULL;
    meta->published = self->meta.published ? mem_strdup(self->meta.published) : NULL;
    meta->language = mem_strdup(self->track_lang);
    meta->note = self->track_note ? mem_strdup(self->track_note) : NULL;
    meta->url = mem_printf(YOUTUBE_CANON "%s", youtube_id(self));
    meta->site = mem_strdup("YouTube");
    meta->runtime_ms = self->meta.length_ms;
    if (meta->runtime_ms < 0 && self->t->n_segs)
        meta->runtime_ms = self->t->segs[self->t->n_segs - 1].end_ms;
    *t = self->t;
    self->t = NULL;
    return 0;
}

static const char *const *s_urls(const void *state, size_t *n)
{
    const youtube_state_t *self = state;
    *n = self->n_urls;
    return (const char *const *)self->urls;
}

static int64_t s_retry_after(const void *state)
{
    return ((const youtube_state_t *)state)->retry_after_ms;
}

static void s_destroy(void *state)
{
    youtube_state_t *self = state;
    if (!self)
        return;
    s_req_clear(self);
    youtube_meta_clear(&self->meta);
    free(self->base);
    free(self->client);
    free(self->version);
    free(self->accept_lang);
    free(self->lang);
    free(self->cookie);
    free(self->api_key);
    free(self->visitor);
    free(self->track_url);
    free(self->track_lang);
    free(self->track_note);
    transcript_destroy(&self->t);
    for (size_t i = 0; i < self->n_urls; i++)
        free(self->urls[i]);
    free(self->urls);
    free(self);
}

const srcdrv_ops_t youtube_ops = {
    .name = "youtube",
    .step = s_step,
    .result = s_result,
    .urls = s_urls,
    .retry_after_ms = s_retry_after,
    .destroy = s_destroy,
};

static bool s_valid_lang(const char *lang)
{
    size_t n = strlen(lang);
    if (n == 0 || n > S_LANG_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)lang[i]) && lang[i] != '-')
            return false;
    return true;
}

void *youtube_state_new(const char *url, const srcdrv_opts_t *opts, err_t *err)
{
    youtube_ref_t ref;
    if (youtube_parse_url(url, &ref, err) != 0)
        return NULL;
    srcdrv_opts_t o;
    youtube_opts_resolve(opts, &o);
    if (!s_valid_lang(o.lang)) {
        err_set(err, LODE_EINVAL, "youtube: bad caption language \"%.20s\"", o.lang);
        return NULL;
    }
    if (!o.yt_version) {
        err_set(err, LODE_EINVAL,
                "youtube: no client version for %s (set "
                "LODE_YT_CLIENT_VERSION)",
                o.yt_client);
        return NULL;
    }
    youtube_state_t *self = mem_calloc(1, sizeof *self);
    self->ref = ref;
    size_t bn = strlen(o.yt_base);
    while (bn > 0 && o.yt_base[bn - 1] == '/')
        bn--;
    self->base = mem_strndup(o.yt_base, bn);
    self->client = mem_strdup(o.yt_client);
    self->version = mem_strdup(o.yt_version);
    self->accept_lang = mem_strdup(o.accept_lang);
    self->lang = mem_strdup(o.lang);
    self->cookie = mem_strdup("SOCS=CAI");
    self->meta.length_ms = -1;
    self->retry_after_ms = -1;
    return self;
}
