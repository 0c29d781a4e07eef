/*  youtube_url.c - YouTube URL and id parsing: which URLs are YouTube's,
 *  and the video or playlist id in them. Pure string work, no state.
 *  SPDX-License-Identifier: MIT
 */
#include "youtube_url.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mem.h"

/* ------------------------------------------------------------------- URLs */

static bool s_id_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '-';
}

/* Copy the id at s if it is exactly YOUTUBE_ID_LEN id characters. */
bool youtube_take_id(const char *s, char out[YOUTUBE_ID_LEN + 1])
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
const char *youtube_query_param(const char *q, const char *name, size_t *n)
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
    if (hn == 0 || hn >= YOUTUBE_HOST_MAX || memchr(p, '@', hn))
        return NULL;
    char host[YOUTUBE_HOST_MAX];
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
        const char *v = q ? youtube_query_param(q + 1, "v", &n) : NULL;
        if (v && n == YOUTUBE_ID_LEN)
            youtube_take_id(v, ref->video);
        return;
    }
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (strncmp(rest, prefixes[i], strlen(prefixes[i])) == 0) {
            youtube_take_id(rest + strlen(prefixes[i]), ref->video);
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
        youtube_take_id(rest + 1, ref->video);
    else
        s_path_id(rest, ref);
    const char *q = strchr(rest, '?');
    size_t n = 0;
    const char *list = q ? youtube_query_param(q + 1, "list", &n) : NULL;
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
