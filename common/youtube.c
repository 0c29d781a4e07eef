/*  youtube.c - the YouTube source driver as a state machine: watch page,
 *  innertube /player, timedtext body; or a playlist page. It builds
 *  requests and reads responses, never does I/O and never prints. Every
 *  field of YouTube's answers is treated as optional.
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
#include "ytpage.h"

#define S_HOST_MAX    256
#define S_LANG_MAX    16
#define S_JSON_DEPTH  64 /* recursion limit when walking ytInitialData */
#define S_WATCH_QUERY "&hl=en&bpctr=9999999999&has_verified=1"
#define S_CANON       "https://www.youtube.com/watch?v="
#define S_MAX_HEADERS 8

/* ------------------------------------------------------------------- URLs */

static bool s_id_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '-';
}

/* Copy the id at s if it is exactly YOUTUBE_ID_LEN id characters. */
static bool s_take_id(const char *s, char out[YOUTUBE_ID_LEN + 1])
{
    size_t n = 0;
    while (s[n] && s_id_char(s[n]) && n <= YOUTUBE_ID_LEN)
        n++;
    if (n != YOUTUBE_ID_LEN)
        return false;
    memcpy(out, s, n);
    out[n] = '\0';
    return true;
}

/* Value of parameter name in query q (up to '#' or the end), or NULL. */
static const char *s_query_param(const char *q, const char *name, size_t *n)
{
    size_t nn = strlen(name);
    for (const char *p = q; p && *p && *p != '#';) {
        if (strncmp(p, name, nn) == 0 && p[nn] == '=') {
            *n = strcspn(p + nn + 1, "&#");
            return p + nn + 1;
        }
        p = strpbrk(p, "&#");
        p = (p && *p == '&') ? p + 1 : NULL;
    }
    return NULL;
}

/* The YouTube host family of the URL's host: "youtube.com", "youtu.be" or
 * "youtube-nocookie.com" after www./m./music.; NULL for other hosts. *rest
 * gets what follows the host (path, query, fragment). */
static const char *s_yt_host(const char *url, const char **rest)
{
    const char *p = url;
    if (strncasecmp(p, "https://", 8) == 0)
        p += 8;
    else if (strncasecmp(p, "http://", 7) == 0)
        p += 7;
    else if (strncmp(p, "//", 2) == 0)
        p += 2;
    size_t hn = strcspn(p, "/?#");
    size_t port = strcspn(p, ":/?#");
    if (hn == 0 || hn >= S_HOST_MAX || memchr(p, '@', hn))
        return NULL;
    char host[S_HOST_MAX];
    for (size_t i = 0; i < port; i++)
        host[i] = (char)tolower((unsigned char)p[i]);
    host[port] = '\0';
    *rest = p + hn;
    const char *h = host;
    static const char *const prefixes[] = {"www.", "m.", "music."};
    for (size_t i = 0; i < 3; i++)
        if (strncmp(h, prefixes[i], strlen(prefixes[i])) == 0) {
            h += strlen(prefixes[i]);
            break;
        }
    static const char *const families[] = {"youtube.com", "youtu.be", "youtube-nocookie.com"};
    for (size_t i = 0; i < 3; i++)
        if (strcmp(h, families[i]) == 0)
            return families[i];
    return NULL;
}

bool youtube_match(const char *url)
{
    const char *rest;
    return url && s_yt_host(url, &rest) != NULL;
}

/* Video id from a youtube.com path and query. */
static void s_path_id(const char *rest, youtube_ref_t *ref)
{
    static const char *const prefixes[] = {"/shorts/", "/embed/", "/live/", "/v/", "/e/"};
    const char *q = strchr(rest, '?');
    size_t path_len = strcspn(rest, "?#");
    if ((path_len == 6 || path_len == 7) && strncmp(rest, "/watch/", path_len) == 0) {
        size_t n = 0;
        const char *v = q ? s_query_param(q + 1, "v", &n) : NULL;
        if (v && n == YOUTUBE_ID_LEN)
            s_take_id(v, ref->video);
        return;
    }
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (strncmp(rest, prefixes[i], strlen(prefixes[i])) == 0) {
            s_take_id(rest + strlen(prefixes[i]), ref->video);
            return;
        }
}

int youtube_parse_url(const char *url, youtube_ref_t *ref, err_t *err)
{
    memset(ref, 0, sizeof *ref);
    const char *rest = NULL;
    const char *family = url ? s_yt_host(url, &rest) : NULL;
    if (!family) {
        err_set(err, LODE_EINVAL, "youtube: not a YouTube URL: %.120s", url ? url : "(null)");
        return -1;
    }
    if (strcmp(family, "youtu.be") == 0 && rest[0] == '/')
        s_take_id(rest + 1, ref->video);
    else
        s_path_id(rest, ref);
    const char *q = strchr(rest, '?');
    size_t n = 0;
    const char *list = q ? s_query_param(q + 1, "list", &n) : NULL;
    bool list_ok = list && n > 0 && n <= YOUTUBE_LIST_MAX;
    for (size_t i = 0; list_ok && i < n; i++)
        list_ok = s_id_char(list[i]);
    if (list_ok)
        memcpy(ref->list, list, n);
    /* A radio mix ("RD…") next to a video is YouTube's autoplay, not a list
     * the user chose; it is also endless. */
    ref->playlist = list_ok && !(ref->video[0] && strncmp(ref->list, "RD", 2) == 0);
    if (!ref->video[0] && !ref->playlist) {
        err_set(err, LODE_EUNSUPPORTED,
                "youtube: not a video URL (no video or playlist id): %.120s", url);
        return -1;
    }
    return 0;
}

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

typedef enum {
    S_START = 0,
    S_WATCH,    /* waiting for the watch page */
    S_PLAYER,   /* waiting for the /player answer */
    S_CAPTIONS, /* waiting for the caption body */
    S_PLAYLIST, /* waiting for the playlist page */
    S_DONE,
    S_EXPAND,
    S_FAILED,
} s_phase_t;

typedef struct {
    char *title;       /* owned or NULL */
    char *author;      /* owned or NULL */
    char *published;   /* owned "YYYY-MM-DD" or NULL */
    int64_t length_ms; /* -1 if unknown */
} s_meta_t;

typedef struct {
    youtube_ref_t ref;
    char *base;        /* owned: yt_base without a trailing '/' */
    char *client;      /* owned: innertube clientName */
    char *version;     /* owned: clientVersion */
    char *accept_lang; /* owned */
    char *lang;        /* owned: wanted caption language */
    s_phase_t phase;
    int consent_tries; /* consent cookies sent so far */
    int caption_tries; /* caption bodies asked for so far */
    char *cookie;      /* owned: Cookie header value */
    char *api_key;     /* owned or NULL: INNERTUBE_API_KEY from the page */
    char *visitor;     /* owned or NULL: VISITOR_DATA from the page */
    s_meta_t meta;
    char *track_url;  /* owned: chosen baseUrl, fmt/xosf removed, tlang added */
    char *track_lang; /* owned: language of the text we get */
    transcript_t *t;  /* owned until result */
    timedtext_format_t fmt;
    char *req_url;                           /* owned: current request */
    char *req_body;                          /* owned or NULL */
    char *headers[S_MAX_HEADERS];            /* owned strings */
    const char *hdr_ptrs[S_MAX_HEADERS + 1]; /* NULL-terminated view of headers */
    size_t n_headers;
    char **urls; /* owned: expanded watch URLs */
    size_t n_urls;
    int64_t retry_after_ms; /* -1 = no hint */
} s_yt_t;

static void s_req_clear(s_yt_t *self)
{
    free(self->req_url);
    free(self->req_body);
    self->req_url = self->req_body = NULL;
    for (size_t i = 0; i < self->n_headers; i++)
        free(self->headers[i]);
    self->n_headers = 0;
    self->hdr_ptrs[0] = NULL;
}

static void s_add_header(s_yt_t *self, char *line)
{
    if (self->n_headers == S_MAX_HEADERS) {
        free(line);
        return;
    }
    self->headers[self->n_headers] = line;
    self->hdr_ptrs[self->n_headers++] = line;
    self->hdr_ptrs[self->n_headers] = NULL;
}

/* Fill *req from the stored request. */
static srcdrv_step_t s_emit(s_yt_t *self, s_phase_t next, http_req_t *req)
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

static srcdrv_step_t s_fail(s_yt_t *self, int64_t retry_after_ms)
{
    self->phase = S_FAILED;
    self->retry_after_ms = retry_after_ms;
    return SRCDRV_FAIL;
}

/* Fail with a cool-down: Retry-After when the server gave one. */
static srcdrv_step_t s_fail_cool(s_yt_t *self, const http_resp_t *resp)
{
    int64_t ms = resp && resp->retry_after_ms > 0 ? resp->retry_after_ms : YOUTUBE_COOLDOWN_MS;
    return s_fail(self, ms);
}

/* ----------------------------------------------------------- HTTP answers */

/* 0 if resp is a 2xx answer; else fails the job (err set) and returns -1.
 * what names the step ("watch page"); a 4xx from the player endpoint means
 * the client identity was refused. */
static int s_check_http(s_yt_t *self, const http_resp_t *resp, const char *what, err_t *err)
{
    const char *id = self->ref.video[0] ? self->ref.video : self->ref.list;
    if (resp->err.code) {
        err_set(err, resp->err.code, "youtube: %s request failed for %s: %s", what, id,
                resp->err.msg);
        s_fail(self, resp->retry_after_ms);
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
        s_fail(self, -1);
    } else {
        err_set(err, LODE_EHTTP, "youtube: HTTP %d from %s for %s", resp->status, what, id);
        s_fail(self, resp->retry_after_ms);
    }
    return -1;
}

/* ---------------------------------------------------------------- JSON */

/* Text of a YouTube text object: a plain string, {"simpleText": …} or
 * {"runs": [{"text": …}]}; caller frees; NULL if none. */
static char *s_json_text(const json_t *v)
{
    if (json_is_string(v))
        return mem_strdup(json_string_value(v));
    const json_t *simple = json_object_get(v, "simpleText");
    if (json_is_string(simple))
        return mem_strdup(json_string_value(simple));
    const json_t *runs = json_object_get(v, "runs");
    if (!json_is_array(runs) || json_array_size(runs) == 0)
        return NULL;
    size_t total = 1, i;
    const json_t *run;
    json_array_foreach(runs, i, run)
    {
        const char *s = json_string_value(json_object_get(run, "text"));
        total += s ? strlen(s) : 0;
    }
    char *out = mem_calloc(1, total);
    json_array_foreach(runs, i, run)
    {
        const char *s = json_string_value(json_object_get(run, "text"));
        if (s)
            strcat(out, s);
    }
    return out;
}

static const char *s_json_str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* Integer from a number or numeric string; -1 if neither. */
static int64_t s_json_int(const json_t *v)
{
    if (json_is_integer(v))
        return json_integer_value(v);
    const char *s = json_string_value(v);
    if (!s || !*s)
        return -1;
    char *end;
    long long n = strtoll(s, &end, 10);
    return (*end || n < 0) ? -1 : n;
}

/* Parse a JSON slice; NULL if malformed. */
static json_t *s_json_load(const char *s, size_t n)
{
    json_error_t jerr;
    return json_loadb(s, n, 0, &jerr);
}

/* ------------------------------------------------------------- metadata */

static void s_set(char **field, char *value)
{
    if (!value)
        return;
    if (*field || !*value) {
        free(value);
        return;
    }
    *field = value;
}

/* "YYYY-MM-DD" from an ISO date or date-time; NULL if it is not one. */
static char *s_iso_date(const char *s)
{
    if (!s || strlen(s) < 10)
        return NULL;
    for (int i = 0; i < 10; i++) {
        bool dash = i == 4 || i == 7;
        if (dash ? s[i] != '-' : !isdigit((unsigned char)s[i]))
            return NULL;
    }
    return mem_strndup(s, 10);
}

/* Fill what is still missing from a player response (page or innertube). */
static void s_meta_take(s_meta_t *m, const json_t *pr)
{
    const json_t *vd = json_object_get(pr, "videoDetails");
    const json_t *mf =
        json_object_get(json_object_get(pr, "microformat"), "playerMicroformatRenderer");
    s_set(&m->title, s_json_text(json_object_get(vd, "title")));
    s_set(&m->title, s_json_text(json_object_get(mf, "title")));
    s_set(&m->author, s_json_text(json_object_get(vd, "author")));
    s_set(&m->author, s_json_text(json_object_get(mf, "ownerChannelName")));
    s_set(&m->published, s_iso_date(s_json_str(mf, "publishDate")));
    s_set(&m->published, s_iso_date(s_json_str(mf, "uploadDate")));
    int64_t secs = s_json_int(json_object_get(vd, "lengthSeconds"));
    if (secs < 0)
        secs = s_json_int(json_object_get(mf, "lengthSeconds"));
    if (m->length_ms < 0 && secs > 0)
        m->length_ms = secs * 1000;
}

static void s_meta_clear(s_meta_t *m)
{
    free(m->title);
    free(m->author);
    free(m->published);
    memset(m, 0, sizeof *m);
    m->length_ms = -1;
}

/* ------------------------------------------------------------- requests */

static const char *s_id(const s_yt_t *self)
{
    return self->ref.video;
}

static void s_common_headers(s_yt_t *self)
{
    s_add_header(self, mem_printf("Accept-Language: %s", self->accept_lang));
}

static srcdrv_step_t s_req_page(s_yt_t *self, http_req_t *req)
{
    s_req_clear(self);
    if (self->ref.playlist)
        self->req_url = mem_printf("%s/playlist?list=%s&hl=en", self->base, self->ref.list);
    else
        self->req_url = mem_printf("%s/watch?v=%s" S_WATCH_QUERY, self->base, s_id(self));
    s_common_headers(self);
    return s_emit(self, self->ref.playlist ? S_PLAYLIST : S_WATCH, req);
}

static char *s_player_body(const s_yt_t *self)
{
    json_t *client =
        json_pack("{s:s, s:s, s:s, s:s, s:i}", "clientName", self->client, "clientVersion",
                  self->version, "hl", "en", "timeZone", "UTC", "utcOffsetMinutes", 0);
    json_t *body = json_pack("{s:{s:o}, s:s, s:b, s:b}", "context", "client", client, "videoId",
                             s_id(self), "contentCheckOk", 1, "racyCheckOk", 1);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    char *out = mem_strdup(text);
    free(text);
    return out;
}

static srcdrv_step_t s_req_player(s_yt_t *self, http_req_t *req)
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
    return s_emit(self, S_PLAYER, req);
}

static srcdrv_step_t s_req_captions(s_yt_t *self, http_req_t *req)
{
    s_req_clear(self);
    const char *fmt = self->caption_tries == 0 ? "json3" : "srv3";
    self->caption_tries++;
    self->req_url = mem_printf("%s&fmt=%s", self->track_url, fmt);
    s_common_headers(self);
    return s_emit(self, S_CAPTIONS, req);
}

/* ------------------------------------------------------------ watch page */

/* The consent wall: once with CONSENT=YES+<v>, then give up. */
static srcdrv_step_t
s_on_consent(s_yt_t *self, const http_resp_t *resp, http_req_t *req, err_t *err)
{
    char *v = ytpage_consent_value(resp->body, resp->body_len);
    if (!v || self->consent_tries > 0) {
        err_set(err, LODE_EUNSUPPORTED,
                "youtube: consent wall for %s (%s; YouTube's consent "
                "flow may have changed)",
                self->ref.playlist ? self->ref.list : s_id(self),
                v ? "the consent cookie was refused" : "no consent form value");
        free(v);
        return s_fail(self, -1);
    }
    free(self->cookie);
    self->cookie = mem_printf("SOCS=CAI; CONSENT=YES+%s", v);
    free(v);
    self->consent_tries++;
    return s_req_page(self, req);
}

/* Consent wall or captcha page: handled (a request or a failure) if true. */
static bool
s_page_gate(s_yt_t *self, const http_resp_t *resp, http_req_t *req, err_t *err, srcdrv_step_t *step)
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
                self->ref.playlist ? self->ref.list : s_id(self));
        *step = s_fail_cool(self, resp);
        return true;
    }
    return false;
}

static srcdrv_step_t s_on_watch(s_yt_t *self, const http_resp_t *resp, http_req_t *req, err_t *err)
{
    if (s_check_http(self, resp, "watch page", err) != 0)
        return SRCDRV_FAIL;
    srcdrv_step_t step;
    if (s_page_gate(self, resp, req, err, &step))
        return step;
    free(self->api_key);
    free(self->visitor);
    self->api_key = ytpage_cfg_string(resp->body, resp->body_len, "INNERTUBE_API_KEY");
    self->visitor = ytpage_cfg_string(resp->body, resp->body_len, "VISITOR_DATA");
    size_t off, n;
    if (ytpage_json_object(resp->body, resp->body_len, "ytInitialPlayerResponse", &off, &n)) {
        json_t *pr = s_json_load(resp->body + off, n);
        /* The page may describe another video (a redirect); use it only for ours. */
        const char *vid = s_json_str(json_object_get(pr, "videoDetails"), "videoId");
        if (pr && vid && strcmp(vid, s_id(self)) == 0)
            s_meta_take(&self->meta, pr);
        json_decref(pr);
    }
    return s_req_player(self, req);
}

/* ----------------------------------------------------------- playability */

static bool s_has(const char *s, const char *needle)
{
    size_t n = strlen(needle);
    for (; s && *s; s++)
        if (strncasecmp(s, needle, n) == 0)
            return true;
    return false;
}

/* Reason and subreasons of a non-OK playabilityStatus, as one string. */
static char *s_reason(const json_t *ps)
{
    const json_t *pem =
        json_object_get(json_object_get(ps, "errorScreen"), "playerErrorMessageRenderer");
    char *reason = s_json_text(json_object_get(ps, "reason"));
    if (!reason)
        reason = s_json_text(json_object_get(pem, "reason"));
    char *sub = s_json_text(json_object_get(pem, "subreason"));
    char *out = mem_printf("%s%s%s%s", reason ? reason : "no reason given", sub ? " (" : "",
                           sub ? sub : "", sub ? ")" : "");
    free(reason);
    free(sub);
    return out;
}

/* Map a non-OK status to a failure; the order follows youtube-transcript-api
 * with yt-dlp's extra signatures. */
static srcdrv_step_t s_unplayable(s_yt_t *self, const json_t *ps, const char *status, err_t *err)
{
    const char *id = s_id(self);
    char *why = s_reason(ps);
    srcdrv_step_t step = SRCDRV_FAIL;
    bool captcha = json_object_get(json_object_get(ps, "errorScreen"), "playerCaptchaViewModel");
    if (captcha) {
        err_set(err, LODE_EHTTP,
                "youtube: captcha for %s (player asks for one) - retry later "
                "or from another address",
                id);
        step = s_fail(self, YOUTUBE_COOLDOWN_MS);
    } else if (s_has(why, "not a bot")) {
        err_set(err, LODE_EHTTP,
                "youtube: bot check (sign-in required) for %s - retry later or "
                "from another address: %s",
                id, why);
        step = s_fail(self, YOUTUBE_COOLDOWN_MS);
    } else if (s_has(why, "try again later")) {
        err_set(err, LODE_EHTTP, "youtube: rate limited for %s: %s", id, why);
        step = s_fail(self, YOUTUBE_COOLDOWN_MS);
    } else if (strncmp(status, "AGE_", 4) == 0 || s_has(why, "inappropriate") ||
               s_has(why, "confirm your age") || s_has(why, "age-restricted")) {
        err_set(err, LODE_EUNSUPPORTED, "youtube: age restricted %s: %s", id, why);
        step = s_fail(self, -1);
    } else if (s_has(why, "private video") || s_has(why, "video is private")) {
        err_set(err, LODE_ENOTFOUND, "youtube: private video %s: %s", id, why);
        step = s_fail(self, -1);
    } else if (strcmp(status, "ERROR") == 0) {
        err_set(err, LODE_ENOTFOUND, "youtube: unavailable %s: %s", id, why);
        step = s_fail(self, -1);
    } else if (strcmp(status, "LOGIN_REQUIRED") == 0) {
        err_set(err, LODE_EUNSUPPORTED, "youtube: sign-in required for %s: %s", id, why);
        step = s_fail(self, -1);
    } else {
        err_set(err, LODE_EUNSUPPORTED, "youtube: unplayable %s (%s): %s", id, status, why);
        step = s_fail(self, -1);
    }
    free(why);
    return step;
}

/* ------------------------------------------------------------ track choice */

static bool s_lang_is(const char *code, const char *lang, bool prefix)
{
    if (!code)
        return false;
    if (strcasecmp(code, lang) == 0)
        return true;
    size_t n = strlen(lang);
    return prefix && strncasecmp(code, lang, n) == 0 && code[n] == '-';
}

static bool s_is_asr(const json_t *track)
{
    const char *kind = s_json_str(track, "kind");
    return kind && strcmp(kind, "asr") == 0;
}

/* Index of the first track with a baseUrl that matches: asr or manual,
 * lang (NULL = any) exactly or as a prefix ("en" ~ "en-GB"), translatable
 * if asked; -1 if none. */
static ssize_t
s_find_track(const json_t *tracks, const char *lang, bool asr, bool prefix, bool translatable)
{
    size_t i;
    const json_t *tr;
    json_array_foreach(tracks, i, tr)
    {
        if (!s_json_str(tr, "baseUrl") || s_is_asr(tr) != asr)
            continue;
        if (lang && !s_lang_is(s_json_str(tr, "languageCode"), lang, prefix))
            continue;
        if (translatable && !json_is_true(json_object_get(tr, "isTranslatable")))
            continue;
        return (ssize_t)i;
    }
    return -1;
}

/* True if lang is among translationLanguages (or the list is absent: web
 * responses carry it, some clients do not). */
static bool s_can_translate(const json_t *renderer, const char *lang)
{
    const json_t *langs = json_object_get(renderer, "translationLanguages");
    if (!json_is_array(langs))
        return true;
    size_t i;
    const json_t *l;
    json_array_foreach(langs, i, l)
    {
        if (s_lang_is(s_json_str(l, "languageCode"), lang, false))
            return true;
    }
    return false;
}

/* The track to fetch: lang manual, lang ASR (exact, then regional
 * variants), then a track translated to lang, then any track (manual
 * first). *tlang is set when translating. */
static ssize_t s_choose_track(const json_t *renderer, const char *lang, bool *tlang)
{
    const json_t *tracks = json_object_get(renderer, "captionTracks");
    *tlang = false;
    for (int prefix = 0; prefix < 2; prefix++)
        for (int asr = 0; asr < 2; asr++) {
            ssize_t i = s_find_track(tracks, lang, asr, prefix, false);
            if (i >= 0)
                return i;
        }
    if (s_can_translate(renderer, lang))
        for (int asr = 0; asr < 2; asr++) {
            ssize_t i = s_find_track(tracks, NULL, asr, false, true);
            if (i >= 0) {
                *tlang = true;
                return i;
            }
        }
    ssize_t i = s_find_track(tracks, NULL, false, false, false);
    return i >= 0 ? i : s_find_track(tracks, NULL, true, false, false);
}

/* baseUrl without fmt= and xosf= (we set the format; xosf adds positioning
 * junk), made absolute on the configured base. */
static char *s_track_url(const s_yt_t *self, const char *base_url)
{
    /* A configured base takes YouTube's own origin's place in caption URLs
     * too, so a stand-in or proxy sees every request. */
    size_t dn0 = strlen(YOUTUBE_DEFAULT_BASE);
    if (strncmp(base_url, YOUTUBE_DEFAULT_BASE "/", dn0 + 1) == 0)
        base_url += dn0;
    char *url =
        base_url[0] == '/' ? mem_printf("%s%s", self->base, base_url) : mem_strdup(base_url);
    static const char *const drop[] = {"fmt=", "xosf="};
    for (size_t d = 0; d < 2; d++) {
        size_t dn = strlen(drop[d]);
        char *p = strpbrk(url, "?&");
        while (p) {
            char *s = p + 1;
            if (strncmp(s, drop[d], dn) != 0) {
                p = strpbrk(s, "?&");
                continue;
            }
            size_t vlen = strcspn(s, "&#");
            if (*p == '?') { /* keep the '?', drop "fmt=x&" */
                size_t cut = vlen + (s[vlen] == '&');
                memmove(s, s + cut, strlen(s + cut) + 1);
            } else { /* drop "&fmt=x" */
                memmove(p, s + vlen, strlen(s + vlen) + 1);
            }
            /* p now holds the next separator (look at it again) or the rest. */
            p = (*p == '?' || *p == '&') ? p : strpbrk(p, "?&");
        }
    }
    return url;
}

static bool s_needs_po_token(const char *url)
{
    size_t n = 0;
    const char *q = strchr(url, '?');
    const char *exp = q ? s_query_param(q + 1, "exp", &n) : NULL;
    if (!exp)
        return false;
    char v[64];
    snprintf(v, sizeof v, "%.*s", (int)(n < 63 ? n : 63), exp);
    return strstr(v, "xpe") || strstr(v, "xpv");
}

/* Pick the track and keep its URL and language; a failure if none fits. */
static int s_take_track(s_yt_t *self, const json_t *pr, err_t *err)
{
    const json_t *renderer =
        json_object_get(json_object_get(pr, "captions"), "playerCaptionsTracklistRenderer");
    const json_t *tracks = json_object_get(renderer, "captionTracks");
    bool tlang = false;
    ssize_t i = json_array_size(tracks) ? s_choose_track(renderer, self->lang, &tlang) : -1;
    if (i < 0) {
        err_set(err, LODE_EEMPTY, "youtube: captions disabled for %s (no caption tracks)",
                s_id(self));
        return -1;
    }
    const json_t *tr = json_array_get(tracks, (size_t)i);
    const char *base_url = s_json_str(tr, "baseUrl");
    if (s_needs_po_token(base_url)) {
        err_set(err, LODE_EUNSUPPORTED,
                "youtube: PO token required for captions of %s (the "
                "%s client's caption URLs carry exp=xpe; set LODE_YT_CLIENT to a client that "
                "needs none, e.g. ANDROID)",
                s_id(self), self->client);
        return -1;
    }
    char *url = s_track_url(self, base_url);
    free(self->track_url);
    self->track_url = tlang ? mem_printf("%s&tlang=%s", url, self->lang) : mem_strdup(url);
    free(url);
    const char *code = s_json_str(tr, "languageCode");
    free(self->track_lang);
    self->track_lang = mem_strdup(tlang ? self->lang : (code ? code : self->lang));
    return 0;
}

/* ----------------------------------------------------------------- player */

/* Status, video id and tracks of a player response. 0 to go on. */
static int s_read_player(s_yt_t *self, const json_t *pr, err_t *err)
{
    const json_t *ps = json_object_get(pr, "playabilityStatus");
    const char *status = s_json_str(ps, "status");
    if ((status && strcmp(status, "OK") != 0) ||
        json_object_get(json_object_get(ps, "errorScreen"), "playerCaptchaViewModel")) {
        s_unplayable(self, ps, status ? status : "OK", err);
        return -1;
    }
    const char *vid = s_json_str(json_object_get(pr, "videoDetails"), "videoId");
    if (!vid || strcmp(vid, s_id(self)) != 0) {
        err_set(err, LODE_EHTTP,
                "youtube: wrong video returned for %s (got %.16s; the address "
                "is likely blocked) - retry later",
                s_id(self), vid ? vid : "none");
        s_fail(self, YOUTUBE_COOLDOWN_MS);
        return -1;
    }
    s_meta_take(&self->meta, pr);
    if (s_take_track(self, pr, err) != 0) {
        s_fail(self, -1);
        return -1;
    }
    return 0;
}

static srcdrv_step_t s_on_player(s_yt_t *self, const http_resp_t *resp, http_req_t *req, err_t *err)
{
    if (s_check_http(self, resp, "player", err) != 0)
        return SRCDRV_FAIL;
    json_t *pr = s_json_load(resp->body, resp->body_len);
    if (!json_is_object(pr)) {
        json_decref(pr);
        err_set(err, LODE_EHTTP, "youtube: bad response from player for %s (not a JSON object)",
                s_id(self));
        return s_fail(self, -1);
    }
    int rc = s_read_player(self, pr, err);
    json_decref(pr);
    if (rc != 0)
        return self->phase == S_FAILED ? SRCDRV_FAIL : s_fail(self, -1);
    return s_req_captions(self, req);
}

/* --------------------------------------------------------------- captions */

static srcdrv_step_t
s_on_captions(s_yt_t *self, const http_resp_t *resp, http_req_t *req, err_t *err)
{
    if (s_check_http(self, resp, "timedtext", err) != 0)
        return SRCDRV_FAIL;
    err_t perr = {0};
    transcript_t *t = timedtext_parse(resp->body, resp->body_len, TIMEDTEXT_UNKNOWN, &perr);
    if (t) {
        self->t = t;
        self->fmt = timedtext_sniff(resp->body, resp->body_len);
        self->phase = S_DONE;
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
                s_id(self), self->track_lang, perr.msg);
        return s_fail(self, YOUTUBE_COOLDOWN_MS);
    }
    err_set(err, perr.code == LODE_ETOOBIG ? LODE_ETOOBIG : LODE_EHTTP,
            "youtube: bad response from timedtext for %s (content type %s): %s", s_id(self),
            resp->content_type && *resp->content_type ? resp->content_type : "none", perr.msg);
    return s_fail(self, -1);
}

/* --------------------------------------------------------------- playlist */

typedef struct {
    char **ids; /* owned strings */
    size_t n;
    size_t cap;
} s_ids_t;

static void s_ids_add(s_ids_t *ids, const char *id)
{
    char tmp[YOUTUBE_ID_LEN + 1];
    if (ids->n >= YOUTUBE_PLAYLIST_MAX || !id || strlen(id) != YOUTUBE_ID_LEN ||
        !s_take_id(id, tmp))
        return;
    for (size_t i = 0; i < ids->n; i++)
        if (strcmp(ids->ids[i], id) == 0)
            return;
    if (ids->n == ids->cap) {
        ids->cap = ids->cap ? ids->cap * 2 : 32;
        ids->ids = mem_realloc(ids->ids, ids->cap * sizeof *ids->ids);
    }
    ids->ids[ids->n++] = mem_strdup(id);
}

/* Collect playlistVideoRenderer.videoId (and the panel variant) anywhere
 * in v, depth-limited. */
static void s_walk_ids(const json_t *v, int depth, s_ids_t *ids)
{
    if (depth > S_JSON_DEPTH)
        return;
    if (json_is_array(v)) {
        size_t i;
        const json_t *e;
        json_array_foreach(v, i, e) s_walk_ids(e, depth + 1, ids);
        return;
    }
    const char *key;
    const json_t *e;
    json_object_foreach((json_t *)v, key, e)
    {
        if (strcmp(key, "playlistVideoRenderer") == 0 ||
            strcmp(key, "playlistPanelVideoRenderer") == 0)
            s_ids_add(ids, s_json_str(e, "videoId"));
        else
            s_walk_ids(e, depth + 1, ids);
    }
}

/* The first alert's text ("The playlist does not exist."), or NULL. */
static char *s_alert(const json_t *data)
{
    const json_t *alert = json_array_get(json_object_get(data, "alerts"), 0);
    const char *key;
    const json_t *r;
    json_object_foreach((json_t *)alert, key, r)
    {
        char *text = s_json_text(json_object_get(r, "text"));
        if (text)
            return text;
    }
    return NULL;
}

static srcdrv_step_t s_take_ids(s_yt_t *self, const json_t *data, err_t *err)
{
    s_ids_t ids = {0};
    s_walk_ids(data, 0, &ids);
    if (ids.n == 0) {
        char *alert = s_alert(data);
        if (alert)
            err_set(err, LODE_ENOTFOUND, "youtube: playlist not found %s: %s", self->ref.list,
                    alert);
        else
            err_set(err, LODE_EEMPTY, "youtube: empty playlist %s (no videos on its first page)",
                    self->ref.list);
        free(alert);
        return s_fail(self, -1);
    }
    self->urls = mem_calloc(ids.n + 1, sizeof *self->urls);
    for (size_t i = 0; i < ids.n; i++) {
        self->urls[i] = mem_printf(S_CANON "%s", ids.ids[i]);
        free(ids.ids[i]);
    }
    self->n_urls = ids.n;
    free(ids.ids);
    self->phase = S_EXPAND;
    return SRCDRV_EXPAND;
}

static srcdrv_step_t
s_on_playlist(s_yt_t *self, const http_resp_t *resp, http_req_t *req, err_t *err)
{
    if (s_check_http(self, resp, "playlist page", err) != 0)
        return SRCDRV_FAIL;
    srcdrv_step_t step;
    if (s_page_gate(self, resp, req, err, &step))
        return step;
    size_t off, n;
    json_t *data = NULL;
    if (ytpage_json_object(resp->body, resp->body_len, "ytInitialData", &off, &n))
        data = s_json_load(resp->body + off, n);
    if (!json_is_object(data)) {
        json_decref(data);
        err_set(err, LODE_EHTTP,
                "youtube: bad response from playlist page for %s (no "
                "ytInitialData)",
                self->ref.list);
        return s_fail(self, -1);
    }
    step = s_take_ids(self, data, err);
    json_decref(data);
    return step;
}

/* -------------------------------------------------------------------- ops */

static srcdrv_step_t s_step(void *state, const http_resp_t *resp, http_req_t *req, err_t *err)
{
    s_yt_t *self = state;
    http_resp_t fixed;
    if (resp && !resp->body) {
        fixed = *resp;
        fixed.body = "";
        fixed.body_len = 0;
        resp = &fixed;
    }
    if (self->phase != S_START && !resp && self->phase < S_DONE) {
        err_set(err, LODE_ESTATE, "youtube: step without the response to the last request");
        return s_fail(self, -1);
    }
    switch (self->phase) {
    case S_START:
        return s_req_page(self, req);
    case S_WATCH:
        return s_on_watch(self, resp, req, err);
    case S_PLAYER:
        return s_on_player(self, resp, req, err);
    case S_CAPTIONS:
        return s_on_captions(self, resp, req, err);
    case S_PLAYLIST:
        return s_on_playlist(self, resp, req, err);
    default:
        err_set(err, LODE_ESTATE, "youtube: step after the driver finished");
        return SRCDRV_FAIL;
    }
}

static int s_result(void *state, transcript_t **t, source_meta_t *meta, err_t *err)
{
    s_yt_t *self = state;
    if (self->phase != S_DONE || !self->t) {
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
    meta->url = mem_printf(S_CANON "%s", s_id(self));
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
    const s_yt_t *self = state;
    *n = self->n_urls;
    return (const char *const *)self->urls;
}

static int64_t s_retry_after(const void *state)
{
    return ((const s_yt_t *)state)->retry_after_ms;
}

static void s_destroy(void *state)
{
    s_yt_t *self = state;
    if (!self)
        return;
    s_req_clear(self);
    s_meta_clear(&self->meta);
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
    s_yt_t *self = mem_calloc(1, sizeof *self);
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
