/*  youtube_player.c - reading a player response: the JSON helpers, the
 *  metadata, playability, and the choice of caption track. Does not build
 *  requests beyond the chosen track's URL.
 *  SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "mem.h"
#include "timedtext.h"
#include "youtube.h"
#include "youtube_impl.h"
#include "ytpage.h"

/* ---------------------------------------------------------------- JSON */

/* Text of a YouTube text object: a plain string, {"simpleText": …} or
 * {"runs": [{"text": …}]}; caller frees; NULL if none. */
char *youtube_json_text(const json_t *v)
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

const char *youtube_json_str(const json_t *obj, const char *key)
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
json_t *youtube_json_load(const char *s, size_t n)
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
void youtube_meta_take(youtube_meta_t *m, const json_t *pr)
{
    const json_t *vd = json_object_get(pr, "videoDetails");
    const json_t *mf =
        json_object_get(json_object_get(pr, "microformat"), "playerMicroformatRenderer");
    s_set(&m->title, youtube_json_text(json_object_get(vd, "title")));
    s_set(&m->title, youtube_json_text(json_object_get(mf, "title")));
    s_set(&m->author, youtube_json_text(json_object_get(vd, "author")));
    s_set(&m->author, youtube_json_text(json_object_get(mf, "ownerChannelName")));
    s_set(&m->published, s_iso_date(youtube_json_str(mf, "publishDate")));
    s_set(&m->published, s_iso_date(youtube_json_str(mf, "uploadDate")));
    int64_t secs = s_json_int(json_object_get(vd, "lengthSeconds"));
    if (secs < 0)
        secs = s_json_int(json_object_get(mf, "lengthSeconds"));
    if (m->length_ms < 0 && secs > 0)
        m->length_ms = secs * 1000;
}

void youtube_meta_clear(youtube_meta_t *m)
{
    free(m->title);
    free(m->author);
    free(m->published);
    memset(m, 0, sizeof *m);
    m->length_ms = -1;
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
    char *reason = youtube_json_text(json_object_get(ps, "reason"));
    if (!reason)
        reason = youtube_json_text(json_object_get(pem, "reason"));
    char *sub = youtube_json_text(json_object_get(pem, "subreason"));
    char *out = mem_printf("%s%s%s%s", reason ? reason : "no reason given", sub ? " (" : "",
                           sub ? sub : "", sub ? ")" : "");
    free(reason);
    free(sub);
    return out;
}

/* Map a non-OK status to a failure; the order follows youtube-transcript-api
 * with yt-dlp's extra signatures. */
static srcdrv_step_t
s_unplayable(youtube_state_t *self, const json_t *ps, const char *status, err_t *err)
{
    const char *id = youtube_id(self);
    char *why = s_reason(ps);
    srcdrv_step_t step = SRCDRV_FAIL;
    bool captcha = json_object_get(json_object_get(ps, "errorScreen"), "playerCaptchaViewModel");
    if (captcha) {
        err_set(err, LODE_EHTTP,
                "youtube: captcha for %s (player asks for one) - retry later "
                "or from another address",
                id);
        step = youtube_fail(self, YOUTUBE_COOLDOWN_MS);
    } else if (s_has(why, "not a bot")) {
        err_set(err, LODE_EHTTP,
                "youtube: bot check (sign-in required) for %s - retry later or "
                "from another address: %s",
                id, why);
        step = youtube_fail(self, YOUTUBE_COOLDOWN_MS);
    } else if (s_has(why, "try again later")) {
        err_set(err, LODE_EHTTP, "youtube: rate limited for %s: %s", id, why);
        step = youtube_fail(self, YOUTUBE_COOLDOWN_MS);
    } else if (strncmp(status, "AGE_", 4) == 0 || s_has(why, "inappropriate") ||
               s_has(why, "confirm your age") || s_has(why, "age-restricted")) {
        err_set(err, LODE_EUNSUPPORTED, "youtube: age restricted %s: %s", id, why);
        step = youtube_fail(self, -1);
    } else if (s_has(why, "private video") || s_has(why, "video is private")) {
        err_set(err, LODE_ENOTFOUND, "youtube: private video %s: %s", id, why);
        step = youtube_fail(self, -1);
    } else if (strcmp(status, "ERROR") == 0) {
        err_set(err, LODE_ENOTFOUND, "youtube: unavailable %s: %s", id, why);
        step = youtube_fail(self, -1);
    } else if (strcmp(status, "LOGIN_REQUIRED") == 0) {
        err_set(err, LODE_EUNSUPPORTED, "youtube: sign-in required for %s: %s", id, why);
        step = youtube_fail(self, -1);
    } else {
        err_set(err, LODE_EUNSUPPORTED, "youtube: unplayable %s (%s): %s", id, status, why);
        step = youtube_fail(self, -1);
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
    const char *kind = youtube_json_str(track, "kind");
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
        if (!youtube_json_str(tr, "baseUrl") || s_is_asr(tr) != asr)
            continue;
        if (lang && !s_lang_is(youtube_json_str(tr, "languageCode"), lang, prefix))
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
        if (s_lang_is(youtube_json_str(l, "languageCode"), lang, false))
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
static char *s_track_url(const youtube_state_t *self, const char *base_url)
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
    const char *exp = q ? youtube_query_param(q + 1, "exp", &n) : NULL;
    if (!exp)
        return false;
    char v[64];
    snprintf(v, sizeof v, "%.*s", (int)(n < 63 ? n : 63), exp);
    return strstr(v, "xpe") || strstr(v, "xpv");
}

/* Another track of the same language as tr whose URL needs no PO token
 * (YouTube often asks one for the manual track, not for the
 * auto-generated one); -1 if none. */
static ssize_t s_track_without_token(const json_t *tracks, const json_t *tr)
{
    const char *lang = youtube_json_str(tr, "languageCode");
    size_t i;
    const json_t *o;
    json_array_foreach(tracks, i, o)
    {
        const char *url = youtube_json_str(o, "baseUrl");
        if (o != tr && url && lang && s_lang_is(youtube_json_str(o, "languageCode"), lang, false) &&
            !s_needs_po_token(url))
            return (ssize_t)i;
    }
    return -1;
}

/* The note in the source facts: "used the auto-generated en track: the
 * manual one needs a PO token". */
static char *s_track_note(const json_t *wanted, const json_t *used)
{
    const char *lang = youtube_json_str(used, "languageCode");
    return mem_printf("used the %s %s caption track: the %s one needs a PO token",
                      s_is_asr(used) ? "auto-generated" : "manual", lang ? lang : "?",
                      s_is_asr(wanted) ? "auto-generated" : "manual");
}

/* A client that needs no PO token, never the one already in use. */
static const char *s_other_client(const char *in_use)
{
    static const char *const ok[] = {"ANDROID", "ANDROID_VR", "IOS"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (!in_use || strcasecmp(ok[i], in_use) != 0)
            return ok[i];
    return ok[0];
}

/* Pick the track and keep its URL and language; a failure if none fits. */
static int s_take_track(youtube_state_t *self, const json_t *pr, err_t *err)
{
    const json_t *renderer =
        json_object_get(json_object_get(pr, "captions"), "playerCaptionsTracklistRenderer");
    const json_t *tracks = json_object_get(renderer, "captionTracks");
    bool tlang = false;
    ssize_t i = json_array_size(tracks) ? s_choose_track(renderer, self->lang, &tlang) : -1;
    if (i < 0) {
        err_set(err, LODE_EEMPTY, "youtube: captions disabled for %s (no caption tracks)",
                youtube_id(self));
        return -1;
    }
    const json_t *tr = json_array_get(tracks, (size_t)i);
    const char *base_url = youtube_json_str(tr, "baseUrl");
    if (s_needs_po_token(base_url)) {
        ssize_t other = s_track_without_token(tracks, tr);
        if (other < 0) {
            err_set(err, LODE_EUNSUPPORTED,
                    "youtube: PO token required for captions of %s (the %s client's caption "
                    "URLs carry exp=xpe; set LODE_YT_CLIENT to a client that needs none, e.g. "
                    "%s)",
                    youtube_id(self), self->client, s_other_client(self->client));
            return -1;
        }
        free(self->track_note);
        self->track_note = s_track_note(tr, json_array_get(tracks, (size_t)other));
        tr = json_array_get(tracks, (size_t)other);
        base_url = youtube_json_str(tr, "baseUrl");
    }
    char *url = s_track_url(self, base_url);
    free(self->track_url);
    self->track_url = tlang ? mem_printf("%s&tlang=%s", url, self->lang) : mem_strdup(url);
    free(url);
    const char *code = youtube_json_str(tr, "languageCode");
    free(self->track_lang);
    self->track_lang = mem_strdup(tlang ? self->lang : (code ? code : self->lang));
    return 0;
}

/* ----------------------------------------------------------------- player */

/* Status, video id and tracks of a player response. 0 to go on. */
int youtube_read_player(youtube_state_t *self, const json_t *pr, err_t *err)
{
    const json_t *ps = json_object_get(pr, "playabilityStatus");
    const char *status = youtube_json_str(ps, "status");
    if ((status && strcmp(status, "OK") != 0) ||
        json_object_get(json_object_get(ps, "errorScreen"), "playerCaptchaViewModel")) {
        s_unplayable(self, ps, status ? status : "OK", err);
        return -1;
    }
    const char *vid = youtube_json_str(json_object_get(pr, "videoDetails"), "videoId");
    if (!vid || strcmp(vid, youtube_id(self)) != 0) {
        err_set(err, LODE_EHTTP,
                "youtube: wrong video returned for %s (got %.16s; the address "
                "is likely blocked) - retry later",
                youtube_id(self), vid ? vid : "none");
        youtube_fail(self, YOUTUBE_COOLDOWN_MS);
        return -1;
    }
    youtube_meta_take(&self->meta, pr);
    if (s_take_track(self, pr, err) != 0) {
        youtube_fail(self, -1);
        return -1;
    }
    return 0;
}
