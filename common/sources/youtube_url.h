/*  youtube_url.h - what a YouTube URL names: the video and playlist ids of
 *  every URL form. Pure string work (no I/O, no driver state), public so
 *  that the CLI can canonicalise URLs for dedupe without the driver.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_YOUTUBE_URL_H
#define LODE_YOUTUBE_URL_H
#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define YOUTUBE_ID_LEN   11  /* video ids: [A-Za-z0-9_-]{11} */
#define YOUTUBE_LIST_MAX 64  /* longest playlist id accepted */
#define YOUTUBE_HOST_MAX 256 /* longest host name looked at */

/* What a URL names. */
typedef struct {
    char video[YOUTUBE_ID_LEN + 1];  /* video id, "" if none */
    char list[YOUTUBE_LIST_MAX + 1]; /* playlist id, "" if none */
    bool playlist;                   /* expand the list rather than fetch the video */
} youtube_ref_t;

/* Parse any YouTube URL form, with or without scheme: youtube.com/watch?v=,
 * youtu.be/ID, /shorts/ID, /embed/ID, /live/ID, /v/ID, on www., m.,
 * music. and youtube-nocookie.com hosts, extra parameters and timestamps
 * ignored; list= (or /playlist?list=) sets ref->list. 0 on success; -1 and
 * LODE_EUNSUPPORTED "youtube: not a video URL…" when there is neither a
 * valid video id nor a playlist id, LODE_EINVAL if the host is not YouTube. */
LODE_MUST_CHECK int youtube_parse_url(const char *url, youtube_ref_t *ref, err_t *err);

/* True for every YouTube URL form (the driver matcher). */
bool youtube_match(const char *url);

/* Copy the id at s if it is exactly YOUTUBE_ID_LEN id characters. */
bool youtube_take_id(const char *s, char out[YOUTUBE_ID_LEN + 1]);
/* Value of parameter name in query q (up to '#' or the end), or NULL. */
const char *youtube_query_param(const char *q, const char *name, size_t *n);
#endif
