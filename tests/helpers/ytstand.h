/*  ytstand.h - a YouTube stand-in for tests: serves the payloads in
 *  tests/fixtures/youtube over loopback HTTP/1.1 from its own thread, on the
 *  paths YouTube uses, so the youtube driver can run end to end with
 *  yt_base (LODE_YT_BASE) set to ytstand_base(). One connection at a time,
 *  "Connection: close". Listens on 127.0.0.1 only.
 *
 *  Routes ("{{BASE}}" in fixtures becomes the stand's base URL, and
 *  "LodeTest001" becomes the requested id, so every id below is coherent):
 *    GET  /watch?v=ID          watch_ok.html; YTSTAND_CONSENT: the consent
 *                              wall until the Cookie has CONSENT=YES+…;
 *                              YTSTAND_CAPTCHA: the reCAPTCHA page;
 *                              YTSTAND_LIMITED: 429 with Retry-After: 120
 *    POST /youtubei/v1/player  the player fixture for the body's videoId
 *                              (see the table in ytstand.c; player_ok.json
 *                              for ids it does not list)
 *    GET  /api/timedtext?v=ID  by fmt=: json3 → tt_json3.json, srv3 →
 *                              tt_srv3_asr.xml, none → tt_legacy.xml;
 *                              YTSTAND_EMPTY: 200 with an empty body
 *    GET  /playlist?list=L     playlist.html for YTSTAND_LIST, else
 *                              playlist_missing.html
 *    anything else             404
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_YTSTAND_H
#define LODE_YTSTAND_H
#include <stddef.h>

#include "err.h"

#define YTSTAND_OK      "LodeTest001" /* captions, metadata: the happy path */
#define YTSTAND_CONSENT "LodeConsent" /* EU consent wall first */
#define YTSTAND_CAPTCHA "LodeCaptcha" /* watch page is the captcha page */
#define YTSTAND_LIMITED "LodeLimit01" /* HTTP 429 on the watch page */
#define YTSTAND_BOT     "LodeBotChk1" /* player: "Sign in to confirm you're not a bot" */
#define YTSTAND_AGE     "LodeAgeRst1" /* player: age restricted */
#define YTSTAND_GONE    "LodeGone001" /* player: ERROR, unavailable */
#define YTSTAND_PRIVATE "LodePrivat1" /* player: private video */
#define YTSTAND_NOCAPS  "LodeNoCaps1" /* player: OK without captions */
#define YTSTAND_POTOKEN "LodePoTokn1" /* player: caption URL with exp=xpe */
#define YTSTAND_WRONG   "LodeWrongV1" /* player: another video's details */
#define YTSTAND_EMPTY   "LodeEmpty01" /* timedtext: empty 200 bodies */
#define YTSTAND_LIST    "PLLodeTestList"

typedef struct ytstand ytstand_t;

/* Start serving fixture_dir (NULL = tests/fixtures/youtube next to this
 * file) on a free 127.0.0.1 port. NULL and *err (LODE_EIO) on failure. */
ytstand_t *ytstand_start(const char *fixture_dir, err_t *err);

/* "http://127.0.0.1:PORT" (borrowed until stop). */
const char *ytstand_base(const ytstand_t *self);

/* Requests served so far, one line each: "METHOD TARGET cookie=VALUE\n".
 * Caller frees. Safe from any thread. */
char *ytstand_log(ytstand_t *self);

/* Stop the thread, close the socket and free; sets *self_p to NULL. Safe
 * on NULL. */
void ytstand_stop(ytstand_t **self_p);
#endif
