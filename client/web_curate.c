/*  web_curate.c - a curation from the workbench: the form post (no
 *  JavaScript; answers with a redirect back to the snippet, or a 409 page
 *  that says nothing was saved) and the op builder the JSON API shares.
 *  Both end in curation_commit: the one implementation, versioned.
 *  SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "curation.h"
#include "mem.h"
#include "web_impl.h"

static int s_int(const char *s, const char *what, long long min, long long *out, err_t *err)
{
    char *end = NULL;
    errno = 0;
    long long v = s && *s ? strtoll(s, &end, 10) : 0;
    if (!s || !*s || errno || !end || *end || v < min) {
        err_set(err, LODE_EINVAL, "%s must be a number%s", what, min > 0 ? " from 1" : "");
        return -1;
    }
    *out = v;
    return 0;
}

/* The op's numbers from their text. 0, or -1 and LODE_EINVAL. */
static int
s_numbers(int kind, const web_curate_call_t *call, curation_op_t *o, long long *ver, err_t *err)
{
    long long sid = 0, pos = 0;
    if (s_int(call->version, "version", 0, ver, err) != 0)
        return -1;
    bool needs_sid = strcmp(curation_part((curation_kind_t)kind), STORE_PART_SNIPPETS) == 0 &&
                     kind != CURATION_RESET_ORDER;
    if (needs_sid && s_int(call->snippet, "snippet", 0, &sid, err) != 0)
        return -1;
    if ((kind == CURATION_MOVE || kind == CURATION_MOVE_ITEM) &&
        s_int(call->position, "position", 1, &pos, err) != 0)
        return -1;
    bool needs_text = kind == CURATION_COMMENTARY || kind == CURATION_SYNTHESIS ||
                      kind == CURATION_ADD || kind == CURATION_REMOVE ||
                      kind == CURATION_EDIT_ITEM || kind == CURATION_MOVE_ITEM;
    if (needs_text && !call->text) {
        err_set(err, LODE_EINVAL, "%s needs text", call->op);
        return -1;
    }
    o->kind = (curation_kind_t)kind;
    o->snippet = sid;
    o->position = (size_t)pos;
    return 0;
}

/* text with CRLF made LF (form text areas send CRLF). Caller frees. */
static char *s_lf(const char *text)
{
    if (!text)
        return NULL;
    char *lf = mem_strdup(text), *w = lf;
    for (const char *r = text; *r; r++)
        if (!(r[0] == '\r' && r[1] == '\n'))
            *w++ = *r;
    *w = '\0';
    return lf;
}

int web_curate_apply(
    web_app_t *app, const char *id, const web_curate_call_t *call, int64_t *saved, err_t *err)
{
    int kind = curation_kind(call->op);
    if (kind < 0) {
        err_set(err, LODE_EINVAL, "unknown curation op \"%.40s\"", call->op ? call->op : "");
        return -1;
    }
    curation_op_t o = {.list = call->list && *call->list ? call->list : NULL};
    long long ver = -1;
    if (s_numbers(kind, call, &o, &ver, err) != 0)
        return -1;
    if (kind == CURATION_EDIT_ITEM && !call->to) {
        err_set(err, LODE_EINVAL, "edit_item needs to (the new text)");
        return -1;
    }
    char *lf = s_lf(call->text), *lf_to = s_lf(call->to);
    o.text = lf;
    o.to = lf_to;
    int rc = curation_commit(app->store, id, &o, (int64_t)ver, saved, err);
    free(lf);
    free(lf_to);
    return rc;
}

void web_form_curate(web_ctx_t *c)
{
    const web_req_t *r = c->req;
    err_t err = {0};
    int64_t saved = 0;
    const char *sid = web_arg(r, "snippet");
    web_curate_call_t call = {.op = web_arg(r, "op"),
                              .snippet = sid,
                              .position = web_arg(r, "position"),
                              .list = web_arg(r, "list"),
                              .text = web_arg(r, "text"),
                              .to = web_arg(r, "to"),
                              .version = web_arg(r, "version")};
    if (web_curate_apply(c->app, c->id, &call, &saved, &err) == 0) {
        char loc[160];
        snprintf(loc, sizeof loc, "/doc/%s%s%s", c->id,
                 sid         ? "#s-"
                 : call.list ? "#s04"
                             : "",
                 sid ? sid : "");
        /* sid came from the request: keep only its digits in the header. */
        for (char *p = loc + strlen("/doc/") + strlen(c->id); *p; p++)
            if (!(*p == '#' || *p == 's' || *p == '-' || (*p >= '0' && *p <= '9')))
                *p = '\0';
        web_send_redirect(c, loc);
        return;
    }
    if (err.code != LODE_ESTATE) {
        web_send_err(c, &err);
        return;
    }
    wb_t b;
    wb_init(&b, 64 * 1024);
    web_page_open(&b, c, "Not saved", 0);
    wb_raw(&b, "<main class=\"error\"><h1>Not saved: the document changed</h1><p>");
    wb_text(&b, err.msg);
    wb_raw(&b, "</p><p>Someone else (another tab, another person, the CLI) saved a change to this "
               "document after you loaded it. Your change was not written, and theirs is kept. "
               "</p><p><a href=\"/doc/");
    wb_text(&b, c->id);
    wb_raw(&b, "\">Load the current document</a> and make your change again.</p></main>");
    web_page_close(&b);
    web_send_html(c, 409, &b);
}
