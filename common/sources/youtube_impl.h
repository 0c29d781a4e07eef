/*  youtube_impl.h - the YouTube driver's state and the helpers shared by
 *  youtube.c (options, requests, steps), youtube_url.c (URL parsing),
 *  youtube_player.c (player response, track choice) and youtube_playlist.c.
 *  Private to those files; callers use youtube.h.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_YOUTUBE_IMPL_H
#define LODE_YOUTUBE_IMPL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "http.h"
#include "srcdrv.h"
#include "timedtext.h"
#include "transcript.h"
#include "youtube.h"

#define YOUTUBE_JSON_DEPTH  64 /* recursion limit when walking ytInitialData */
#define YOUTUBE_CANON       "https://www.youtube.com/watch?v="
#define YOUTUBE_MAX_HEADERS 8

typedef enum {
    YOUTUBE_START = 0,
    YOUTUBE_WATCH,    /* waiting for the watch page */
    YOUTUBE_PLAYER,   /* waiting for the /player answer */
    YOUTUBE_CAPTIONS, /* waiting for the caption body */
    YOUTUBE_PLAYLIST, /* waiting for the playlist page */
    YOUTUBE_DONE,
    YOUTUBE_EXPAND,
    YOUTUBE_FAILED,
} youtube_phase_t;

typedef struct {
    char *title;       /* owned or NULL */
    char *author;      /* owned or NULL */
    char *published;   /* owned "YYYY-MM-DD" or NULL */
    int64_t length_ms; /* -1 if unknown */
} youtube_meta_t;

typedef struct {
    youtube_ref_t ref;
    char *base;        /* owned: yt_base without a trailing '/' */
    char *client;      /* owned: innertube clientName */
    char *version;     /* owned: clientVersion */
    char *accept_lang; /* owned */
    char *lang;        /* owned: wanted caption language */
    youtube_phase_t phase;
    int consent_tries; /* consent cookies sent so far */
    int caption_tries; /* caption bodies asked for so far */
    char *cookie;      /* owned: Cookie header value */
    char *api_key;     /* owned or NULL: INNERTUBE_API_KEY from the page */
    char *visitor;     /* owned or NULL: VISITOR_DATA from the page */
    youtube_meta_t meta;
    char *track_url;  /* owned: chosen baseUrl, fmt/xosf removed, tlang added */
    char *track_lang; /* owned: language of the text we get */
    char *track_note; /* owned or NULL: why another track than the preferred one */
    transcript_t *t;  /* owned until result */
    timedtext_format_t fmt;
    char *req_url;                                 /* owned: current request */
    char *req_body;                                /* owned or NULL */
    char *headers[YOUTUBE_MAX_HEADERS];            /* owned strings */
    const char *hdr_ptrs[YOUTUBE_MAX_HEADERS + 1]; /* NULL-terminated view of headers */
    size_t n_headers;
    char **urls; /* owned: expanded watch URLs */
    size_t n_urls;
    int64_t retry_after_ms; /* -1 = no hint */
} youtube_state_t;

srcdrv_step_t youtube_fail(youtube_state_t *self, int64_t retry_after_ms);

/* 0 if resp is a 2xx answer; else fails the job (err set) and returns -1.
 * what names the step ("watch page"); a 4xx from the player endpoint means
 * the client identity was refused. */
int youtube_check_http(youtube_state_t *self,
                       const http_resp_t *resp,
                       const char *what,
                       err_t *err);

/* Text of a YouTube text object: a plain string, {"simpleText": …} or
 * {"runs": [{"text": …}]}; caller frees; NULL if none. */
char *youtube_json_text(const json_t *v);

const char *youtube_json_str(const json_t *obj, const char *key);

/* Parse a JSON slice; NULL if malformed. */
json_t *youtube_json_load(const char *s, size_t n);

/* Fill what is still missing from a player response (page or innertube). */
void youtube_meta_take(youtube_meta_t *m, const json_t *pr);

void youtube_meta_clear(youtube_meta_t *m);

const char *youtube_id(const youtube_state_t *self);

/* Consent wall or captcha page: handled (a request or a failure) if true. */
bool youtube_page_gate(youtube_state_t *self,
                       const http_resp_t *resp,
                       http_req_t *req,
                       err_t *err,
                       srcdrv_step_t *step);

/* Status, video id and tracks of a player response. 0 to go on. */
int youtube_read_player(youtube_state_t *self, const json_t *pr, err_t *err);

srcdrv_step_t
youtube_on_playlist(youtube_state_t *self, const http_resp_t *resp, http_req_t *req, err_t *err);

#endif
