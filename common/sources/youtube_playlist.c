/*  youtube_playlist.c - expanding a playlist page into watch URLs (first
 *  page only, up to YOUTUBE_PLAYLIST_MAX).
 *  SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mem.h"
#include "youtube.h"
#include "youtube_impl.h"
#include "ytpage.h"

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
        !youtube_take_id(id, tmp))
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
    if (depth > YOUTUBE_JSON_DEPTH)
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
            s_ids_add(ids, youtube_json_str(e, "videoId"));
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
        char *text = youtube_json_text(json_object_get(r, "text"));
        if (text)
            return text;
    }
    return NULL;
}

static srcdrv_step_t s_take_ids(youtube_state_t *self, const json_t *data, err_t *err)
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
        return youtube_fail(self, -1);
    }
    self->urls = mem_calloc(ids.n + 1, sizeof *self->urls);
    for (size_t i = 0; i < ids.n; i++) {
        self->urls[i] = mem_printf(YOUTUBE_CANON "%s", ids.ids[i]);
        free(ids.ids[i]);
    }
    self->n_urls = ids.n;
    free(ids.ids);
    self->phase = YOUTUBE_EXPAND;
    return SRCDRV_EXPAND;
}

srcdrv_step_t
youtube_on_playlist(youtube_state_t *self, const http_resp_t *resp, http_req_t *req, err_t *err)
{
    if (youtube_check_http(self, resp, "playlist page", err) != 0)
        return SRCDRV_FAIL;
    srcdrv_step_t step;
    if (youtube_page_gate(self, resp, req, err, &step))
        return step;
    size_t off, n;
    json_t *data = NULL;
    if (ytpage_json_object(resp->body, resp->body_len, "ytInitialData", &off, &n))
        data = youtube_json_load(resp->body + off, n);
    if (!json_is_object(data)) {
        json_decref(data);
        err_set(err, LODE_EHTTP,
                "youtube: bad response from playlist page for %s (no "
                "ytInitialData)",
                self->ref.list);
        return youtube_fail(self, -1);
    }
    step = s_take_ids(self, data, err);
    json_decref(data);
    return step;
}
