/*  youtube.h - the YouTube source driver: URL forms, the watch page (EU
 *  consent cookie), the innertube /player request, caption track choice,
 *  the timedtext body, metadata, and playlists (expanded into watch URLs).
 *  A state machine behind srcdrv_ops_t (srcdrv_impl.h): no I/O, no printing.
 *
 *  Requests, in order (video):
 *    1. GET  {base}/watch?v=ID&hl=en&bpctr=9999999999&has_verified=1
 *       cookie SOCS=CAI; if the consent form still comes back, once more
 *       with CONSENT=YES+<form's v>. Metadata from the page's
 *       ytInitialPlayerResponse (microformat), INNERTUBE_API_KEY and
 *       VISITOR_DATA from ytcfg (all optional).
 *    2. POST {base}/youtubei/v1/player?prettyPrint=false[&key=K] with the
 *       configured innertube client: playability, video id check, tracks.
 *    3. GET  the chosen track's baseUrl with fmt=json3 (tlang=LANG when
 *       translated); on an empty body once more with fmt=srv3. The body is
 *       sniffed, so json3, srv3, srv1 or vtt answers all parse. A baseUrl
 *       on https://www.youtube.com is moved to the configured base.
 *  Playlist (list= in the URL, except a radio mix "RD…" next to v=):
 *    GET {base}/playlist?list=L&hl=en, video ids from ytInitialData (first
 *    page only, up to YOUTUBE_PLAYLIST_MAX) → SRCDRV_EXPAND.
 *
 *  Failures: err->msg starts with a stable tag, "youtube: <tag> …":
 *    tag                   code             retry  meaning
 *    not a video URL       LODE_EUNSUPPORTED no    YouTube URL without id/list
 *    unavailable           LODE_ENOTFOUND   no     removed / no such video
 *    private video         LODE_ENOTFOUND   no
 *    age restricted        LODE_EUNSUPPORTED no    needs a signed-in account
 *    sign-in required      LODE_EUNSUPPORTED no    members-only and the like
 *    unplayable            LODE_EUNSUPPORTED no    geo block, offline live…
 *    captions disabled     LODE_EEMPTY      no     no caption track at all
 *    PO token required     LODE_EUNSUPPORTED no    track URL has exp=xpe/xpv
 *    consent wall          LODE_EUNSUPPORTED no    consent cookie refused
 *    client rejected       LODE_EUNSUPPORTED no    innertube 4xx: update the
 *                                                  client name/version
 *    bot check             LODE_EHTTP       yes*   "Sign in to confirm you're
 *                                                  not a bot"
 *    captcha               LODE_EHTTP       yes*   reCAPTCHA / google.com/sorry
 *    rate limited          LODE_EHTTP       yes*   HTTP 429, "try again later"
 *    blocked               LODE_EHTTP       yes*   HTTP 403
 *    wrong video returned  LODE_EHTTP       yes*   videoDetails.videoId differs
 *                                                  (a sign of blocking, yt-dlp)
 *    empty caption body    LODE_EHTTP       yes*   200 with no text, twice:
 *                                                  captions withheld
 *    bad response          LODE_EHTTP       yes    unparsable JSON/caption body
 *    HTTP N                LODE_EHTTP       yes    5xx and other statuses
 *    playlist not found    LODE_ENOTFOUND   no
 *    empty playlist        LODE_EEMPTY      no
 *  (* with a cool-down: srcdrv_retry_after_ms gives Retry-After or
 *  YOUTUBE_COOLDOWN_MS; do not retry hot.) Transport failures keep the
 *  http layer's code (LODE_ETIMEDOUT, LODE_EHTTP, LODE_ETOOBIG, …).
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_YOUTUBE_H
#define LODE_YOUTUBE_H
#include <stdbool.h>

#include "err.h"
#include "srcdrv_impl.h"
#include "youtube_url.h"

#define YOUTUBE_PLAYLIST_MAX        500
#define YOUTUBE_COOLDOWN_MS         (15 * 60 * 1000) /* after a block, captcha, 429 */
#define YOUTUBE_DEFAULT_BASE        "https://www.youtube.com"
#define YOUTUBE_DEFAULT_CLIENT      "ANDROID"
#define YOUTUBE_DEFAULT_VERSION     "20.10.38" /* youtube-transcript-api v1.2.4's */
#define YOUTUBE_DEFAULT_ACCEPT_LANG "en-US"

/* Settings in effect: each field of in (NULL in = all unset) that is NULL
 * or "" comes from the environment (LODE_YT_BASE, LODE_YT_CLIENT,
 * LODE_YT_CLIENT_VERSION, LODE_YT_ACCEPT_LANG), else the built-in default;
 * lang defaults to "en". The version default follows the client (ANDROID
 * 20.10.38, IOS 21.26.4, ANDROID_VR 1.65.10, VISIONOS 1.02, WEB/MWEB
 * 2.20260708.00.00); NULL for a client without one. Pointers in *out are
 * borrowed from in, the environment or static strings. */
void youtube_opts_resolve(const srcdrv_opts_t *in, srcdrv_opts_t *out);
#endif
