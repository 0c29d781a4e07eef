/*  srcdrv.c - the driver dispatcher: picks the driver for a URL by its
 *  shape (YouTube, podcast feed, any other web URL) and forwards the calls.
 *  Does no I/O and knows no source format itself; it only refuses to hand
 *  on an empty transcript.
 *  SPDX-License-Identifier: MIT
 */
#include "srcdrv.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mem.h"
#include "srcdrv_impl.h"

struct srcdrv {
    const srcdrv_ops_t *ops; /* the driver's table, static */
    void *state;             /* owned by the driver (ops->destroy) */
};

static bool s_is_http(const char *url)
{
    return strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0;
}

srcdrv_t *srcdrv_new(const char *url, const srcdrv_opts_t *opts, err_t *err)
{
    srcdrv_opts_t none = {0};
    if (!opts)
        opts = &none;
    if (!url || !*url) {
        err_set(err, LODE_EINVAL, "no URL to fetch");
        return NULL;
    }
    if (!s_is_http(url)) {
        err_set(err, LODE_EUNSUPPORTED, "only http and https URLs are fetched, not '%.160s'", url);
        return NULL;
    }
    const srcdrv_ops_t *ops;
    void *state;
    if (youtube_match(url)) {
        ops = &youtube_ops;
        state = youtube_state_new(url, opts, err);
    } else if (podcast_match(url)) {
        ops = &podcast_ops;
        state = podcast_state_new(url, opts, err);
    } else {
        ops = &webdrv_ops;
        state = webdrv_state_new(url, opts, err);
    }
    if (!state)
        return NULL;
    srcdrv_t *self = mem_calloc(1, sizeof *self);
    self->ops = ops;
    self->state = state;
    return self;
}

srcdrv_step_t srcdrv_step(srcdrv_t *self, const http_resp_t *resp, http_req_t *req, err_t *err)
{
    return self->ops->step(self->state, resp, req, err);
}

static bool s_blank(const transcript_t *t)
{
    for (size_t i = 0; i < t->len; i++)
        if (t->text[i] != ' ' && t->text[i] != '\n' && t->text[i] != '\t' && t->text[i] != '\r')
            return false;
    return true;
}

int srcdrv_result(srcdrv_t *self, transcript_t **t, source_meta_t *meta, err_t *err)
{
    *t = NULL;
    memset(meta, 0, sizeof *meta);
    if (self->ops->result(self->state, t, meta, err) != 0)
        return -1;
    /* The fetch stage never passes an empty transcript on, whatever the
     * driver thought. */
    if (!*t || s_blank(*t)) {
        transcript_destroy(t);
        source_meta_clear(meta);
        err_set(err, LODE_EEMPTY, "empty transcript from the %s driver", self->ops->name);
        return -1;
    }
    return 0;
}

const char *const *srcdrv_urls(const srcdrv_t *self, size_t *n)
{
    *n = 0;
    if (!self->ops->urls)
        return NULL;
    return self->ops->urls(self->state, n);
}

int64_t srcdrv_retry_after_ms(const srcdrv_t *self)
{
    return self->ops->retry_after_ms ? self->ops->retry_after_ms(self->state) : -1;
}

void srcdrv_destroy(srcdrv_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    srcdrv_t *self = *self_p;
    self->ops->destroy(self->state);
    free(self);
    *self_p = NULL;
}

int srcdrv_check_resp(const http_resp_t *resp,
                      const char *what,
                      int64_t *retry_after_ms,
                      err_t *err)
{
    const char *url = resp->url ? resp->url : "?";
    int st = resp->status;
    if (retry_after_ms)
        *retry_after_ms = -1;
    if (resp->err.code) {
        err_set(err, resp->err.code, "%s", resp->err.msg);
        if (retry_after_ms)
            *retry_after_ms = resp->retry_after_ms;
        return -1;
    }
    if (st >= 200 && st < 300)
        return 0;
    if (st == 404 || st == 410) {
        err_set(err, LODE_ENOTFOUND, "%s %.160s returned %d", what, url, st);
    } else if (st == 408 || st == 425 || st == 429 || st >= 500) {
        err_set(err, LODE_EHTTP, "%s %.160s returned %d", what, url, st);
        if (retry_after_ms)
            *retry_after_ms = resp->retry_after_ms;
    } else if (st == 401 || st == 403) {
        err_set(err, LODE_EUNSUPPORTED, "%s %.160s returned %d (access denied)", what, url, st);
    } else {
        err_set(err, LODE_EUNSUPPORTED, "%s %.160s returned %d", what, url, st);
    }
    return -1;
}
