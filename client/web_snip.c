/*  web_snip.c - §02 of the document page: each snippet with its quote,
 *  commentary, a link to the moment in the source (YouTube &t=, podcast
 *  audio #t=, an article's #:~:text= fragment), its match badge and its
 *  curation controls; the transcript beside it with every snippet's span
 *  marked (one pass over the text, so a 27,000-word transcript with 60
 *  snippets costs one walk, not 60); and the job's stage progress.
 *  SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "mem.h"
#include "web_doc.h"

/* Percent-encode for a text fragment: like wb_urlenc, and "-" too (it
 * separates prefix and suffix there). Whitespace runs become one %20. */
static void s_fragment(wb_t *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    bool space = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        bool ws = ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r';
        if (ws && space)
            continue;
        space = ws;
        if (ws)
            ch = ' ';
        bool plain = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                     (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '~';
        char esc[3] = {'%', hex[ch >> 4], hex[ch & 15]};
        wb_rawn(b, plain ? (const char *)&ch : esc, plain ? 1 : 3);
    }
}

/* Byte length of the first (or last) k words of q. */
static size_t s_words_head(const char *q, size_t k)
{
    size_t i = 0, words = 0, n = strlen(q);
    while (i < n && words < k) {
        while (i < n && q[i] == ' ')
            i++;
        while (i < n && q[i] != ' ' && q[i] != '\n')
            i++;
        words++;
    }
    return i;
}

static const char *s_words_tail(const char *q, size_t k)
{
    const char *p = q + strlen(q);
    size_t words = 0;
    while (p > q && words < k) {
        while (p > q && (p[-1] == ' ' || p[-1] == '\n'))
            p--;
        while (p > q && p[-1] != ' ' && p[-1] != '\n')
            p--;
        words++;
    }
    return p;
}

bool web_moment_url(wb_t *m, const char *url, const char *kind, const json_t *sn)
{
    const json_t *t = json_object_get(sn, "start_ms");
    if (!web_url_is_http(url))
        return false;
    size_t base = strcspn(url, "#");
    bool yt = (kind && strcmp(kind, "youtube") == 0) || strstr(url, "youtube.com/") ||
              strstr(url, "youtu.be/");
    long long s = json_is_integer(t) ? (long long)json_integer_value(t) / 1000 : -1;
    wb_rawn(m, url, base);
    if (yt || (kind && strcmp(kind, "podcast") == 0)) {
        if (s < 0)
            return false;
        if (yt)
            wb_fmt(m, "%st=%llds", memchr(url, '?', base) ? "&" : "?", s);
        else
            wb_fmt(m, "#t=%lld", s);
        return true;
    }
    const char *q = web_jstr(sn, "quote");
    if (!q || !*q)
        return false;
    wb_raw(m, "#:~:text=");
    size_t head = s_words_head(q, 6);
    const char *tail = s_words_tail(q, 4);
    s_fragment(m, q, head);
    if (tail > q + head) {
        wb_raw(m, ",");
        s_fragment(m, tail, strlen(tail));
    }
    return true;
}

static void s_moment(wb_t *b, const web_doc_t *d, const json_t *sn)
{
    wb_t m;
    wb_init(&m, 16384);
    const char *kind = web_jstr(json_object_get(d->doc, "source"), "kind");
    if (web_moment_url(&m, d->url, kind, sn) && !m.over) {
        wb_raw(b, "<a class=\"moment\" rel=\"noopener noreferrer\" target=\"_blank\" href=\"");
        wb_url(b, m.data);
        wb_raw(b, "\">▶ ");
        const json_t *t = json_object_get(sn, "start_ms");
        if (json_is_integer(t))
            web_doc_clock(b, (long long)json_integer_value(t));
        else
            wb_raw(b, "in the source");
        wb_raw(b, "</a> ");
    }
    wb_free(&m);
}

static void s_badge(wb_t *b, const json_t *sn)
{
    const char *match = web_jstr(sn, "match");
    if (!match)
        match = json_is_integer(json_object_get(sn, "offset")) ? "exact" : NULL;
    if (!match)
        return;
    static const char *const known[] = {"exact", "normalised", "snapped"};
    const char *cls = "other";
    for (size_t i = 0; i < 3; i++)
        if (strcmp(match, known[i]) == 0)
            cls = known[i];
    wb_fmt(b, "<span class=\"badge match-%s\" title=\"", cls);
    if (strcmp(cls, "snapped") == 0)
        wb_raw(b, "The model's wording differed from the source; the quote shown is the "
                  "source's own text at the closest span");
    else if (strcmp(cls, "normalised") == 0)
        wb_raw(b, "Matched after normalising spacing, quotes and case");
    else
        wb_raw(b, "Found in the source exactly as quoted");
    wb_raw(b, "\">");
    wb_text(b, match);
    const json_t *score = json_object_get(sn, "snap_score");
    if (json_is_number(score))
        wb_fmt(b, " %.2f", json_number_value(score));
    wb_raw(b, "</span> ");
}

static void s_proposed(wb_t *b, const web_doc_t *d, const json_t *sn, long long id)
{
    const json_t *prop = json_object_get(sn, "proposed");
    wb_raw(b, "<details class=\"proposed\"><summary>Edited · show what was proposed</summary><dl>");
    if (json_object_get(prop, "kept"))
        wb_raw(b, "<dt>Kept</dt><dd>yes</dd>");
    if (web_jstr(prop, "commentary")) {
        wb_raw(b, "<dt>Commentary</dt><dd>");
        wb_text(b, web_jstr(prop, "commentary"));
        wb_raw(b, "</dd>");
    }
    if (json_is_integer(json_object_get(prop, "position")))
        wb_fmt(b, "<dt>Position</dt><dd>%lld</dd>",
               (long long)json_integer_value(json_object_get(prop, "position")));
    wb_raw(b, "</dl>");
    web_doc_form(b, d, "reset_snippet", "inline");
    wb_fmt(b,
           "<input type=\"hidden\" name=\"snippet\" value=\"%lld\"><button>Reset to proposed"
           "</button></form></details>",
           id);
}

static void s_move_form(
    wb_t *b, const web_doc_t *d, long long id, size_t to, const char *label, const char *cls)
{
    web_doc_form(b, d, "move", "inline");
    wb_fmt(b,
           "<input type=\"hidden\" name=\"snippet\" value=\"%lld\"><input type=\"hidden\" "
           "name=\"position\" value=\"%zu\"><button class=\"small %s\">%s</button></form>",
           id, to, cls, label);
}

static void s_controls(wb_t *b,
                       const web_doc_t *d,
                       long long id,
                       size_t pos,
                       size_t n,
                       bool kept,
                       const char *commentary)
{
    wb_raw(b, "<div class=\"acts\">");
    web_doc_form(b, d, kept ? "drop" : "keep", "inline");
    wb_fmt(b,
           "<input type=\"hidden\" name=\"snippet\" value=\"%lld\"><button class=\"small "
           "act-toggle\">%s</button></form>",
           id, kept ? "Drop" : "Keep");
    if (pos > 1) {
        s_move_form(b, d, id, 1, "Top", "act-top");
        s_move_form(b, d, id, pos - 1, "Up", "act-up");
    }
    if (pos < n)
        s_move_form(b, d, id, pos + 1, "Down", "act-down");
    wb_raw(b, "<details class=\"edit\"><summary>Edit</summary>");
    web_doc_form(b, d, "commentary", "edit-form");
    wb_fmt(b, "<input type=\"hidden\" name=\"snippet\" value=\"%lld\">", id);
    wb_raw(b, "<textarea name=\"text\" rows=\"4\" maxlength=\"65536\">");
    wb_text(b, commentary);
    wb_raw(b, "</textarea><button>Save</button></form></details></div>");
}

static void s_snippet(wb_t *b, const web_doc_t *d, const json_t *sn, size_t pos, size_t n)
{
    long long id = (long long)json_integer_value(json_object_get(sn, "id"));
    bool kept = !json_is_false(json_object_get(sn, "kept"));
    bool curated = json_is_true(json_object_get(sn, "curated"));
    wb_fmt(b,
           "<li class=\"snip%s%s\" id=\"s-%lld\" data-id=\"%lld\" data-pos=\"%zu\" "
           "tabindex=\"-1\"><div class=\"snip-num\">#%lld</div><blockquote class=\"quote\">",
           kept ? "" : " dropped", curated ? " curated" : "", id, id, pos, id);
    wb_text(b, web_jstr(sn, "quote"));
    wb_raw(b, "</blockquote>");
    if (web_jstr(sn, "proposed_quote")) {
        /* a normalised or snapped quote: the model's words beside the source's */
        wb_raw(b, "<p class=\"proposed-quote\">The model proposed: <q>");
        wb_text(b, web_jstr(sn, "proposed_quote"));
        wb_raw(b, "</q> · the quote above is what the source says.</p>");
    }
    wb_raw(b, "<p class=\"commentary\">");
    wb_text(b, web_jstr(sn, "commentary"));
    wb_raw(b, "</p><div class=\"snip-meta\">");
    s_moment(b, d, sn);
    s_badge(b, sn);
    if (json_is_integer(json_object_get(sn, "offset")))
        wb_fmt(b, "<a class=\"tx-link\" href=\"#t-%lld\">in transcript</a> ", id);
    if (!kept)
        wb_raw(b, "<span class=\"badge dropped\">dropped</span> ");
    wb_raw(b, "</div>");
    if (curated)
        s_proposed(b, d, sn, id);
    s_controls(b, d, id, pos, n, kept, web_jstr(sn, "commentary"));
    wb_raw(b, "</li>");
}

typedef struct {
    size_t off, len;
    long long id;
    bool kept;
} s_span_t;

static int s_by_off(const void *x, const void *y)
{
    const s_span_t *a = x, *b = y;
    return (a->off > b->off) - (a->off < b->off);
}

/* Advance *i over k code points of text (from byte *i). */
static void s_cp_skip(const char *text, size_t len, size_t *i, size_t k)
{
    while (k > 0 && *i < len) {
        (*i)++;
        while (*i < len && ((unsigned char)text[*i] & 0xC0) == 0x80)
            (*i)++;
        k--;
    }
}

static size_t s_spans(const json_t *snips, s_span_t *out)
{
    size_t n = 0;
    for (size_t i = 0; i < json_array_size(snips); i++) {
        const json_t *sn = json_array_get(snips, i);
        const json_t *o = json_object_get(sn, "offset"), *l = json_object_get(sn, "length");
        if (!json_is_integer(o) || !json_is_integer(l) || json_integer_value(o) < 0 ||
            json_integer_value(l) <= 0)
            continue;
        out[n++] = (s_span_t){(size_t)json_integer_value(o), (size_t)json_integer_value(l),
                              (long long)json_integer_value(json_object_get(sn, "id")),
                              !json_is_false(json_object_get(sn, "kept"))};
    }
    qsort(out, n, sizeof *out, s_by_off);
    return n;
}

static void s_transcript(wb_t *b, const web_doc_t *d)
{
    const json_t *tr = json_object_get(d->doc, "transcript");
    const char *text = web_jstr(tr, "text");
    wb_raw(b,
           "<aside class=\"transcript\" id=\"transcript\"><h3>Transcript</h3><div class=\"tx\">");
    if (!text) {
        wb_raw(b, "<p class=\"missing\">Not fetched yet.</p></div></aside>");
        return;
    }
    const json_t *snips = json_object_get(d->doc, "snippets");
    s_span_t *sp = mem_calloc(json_array_size(snips) + 1, sizeof *sp);
    size_t n = s_spans(snips, sp), len = strlen(text), at = 0, cp = 0;
    for (size_t k = 0; k < n; k++) {
        if (sp[k].off < cp)
            continue; /* overlaps the span before: leave it unmarked */
        size_t start = at;
        s_cp_skip(text, len, &at, sp[k].off - cp);
        wb_textn(b, text + start, at - start);
        start = at;
        s_cp_skip(text, len, &at, sp[k].len);
        cp = sp[k].off + sp[k].len;
        wb_fmt(b, "<mark id=\"t-%lld\" class=\"span%s\" data-id=\"%lld\">", sp[k].id,
               sp[k].kept ? "" : " dropped", sp[k].id);
        wb_textn(b, text + start, at - start);
        wb_raw(b, "</mark>");
    }
    wb_textn(b, text + at, len - at);
    free(sp);
    wb_raw(b, "</div></aside>");
}

void web_doc_snippets(wb_t *b, const web_doc_t *d)
{
    const json_t *snips = json_object_get(d->doc, "snippets");
    size_t n = json_array_size(snips), kept = 0;
    for (size_t i = 0; i < n; i++)
        kept += !json_is_false(json_object_get(json_array_get(snips, i), "kept"));
    wb_raw(b, "<section id=\"s02\" class=\"part\"><h2><span class=\"num\">§02</span> Snippets");
    if (json_is_array(snips))
        wb_fmt(b, " <small>%zu kept of %zu</small>", kept, n);
    wb_raw(b, "</h2><div class=\"cols\"><ol class=\"snippets\" id=\"snippets\">");
    if (!json_is_array(snips))
        wb_raw(b, "<li class=\"missing\">Not mined yet.</li>");
    for (size_t i = 0; i < n; i++)
        s_snippet(b, d, json_array_get(snips, i), i + 1, n);
    wb_raw(b, "</ol>");
    s_transcript(b, d);
    wb_raw(b, "</div></section>");
}

void web_doc_progress(wb_t *b, const web_doc_t *d)
{
    const char *state = d->job->state, *stage = d->job->stage;
    wb_raw(b, "<span class=\"state state-");
    wb_text(b, state);
    wb_raw(b, "\" id=\"state\">");
    wb_text(b, state);
    wb_raw(b, "</span>");
    if (strcmp(state, JOB_STATE_DONE) == 0)
        return;
    int cur = job_stage_parse(stage);
    wb_raw(b, " <span class=\"stages\" id=\"stages\">");
    for (int s = 0; s < JOB_STAGE_COUNT; s++) {
        const char *cls = s < cur                                ? "done"
                          : s != cur                             ? "waiting"
                          : strcmp(state, JOB_STATE_FAILED) == 0 ? "failed"
                                                                 : "current";
        wb_fmt(b, "<span class=\"stage st-%s\">%s</span>", cls, job_stage_name((job_stage_t)s));
    }
    wb_raw(b, "</span>");
    if (d->job->error && strcmp(state, JOB_STATE_FAILED) == 0) {
        wb_raw(b, " <span class=\"error\">");
        wb_text(b, d->job->error);
        wb_raw(b, "</span> <form method=\"post\" class=\"inline\" action=\"/doc/");
        wb_text(b, d->id);
        wb_raw(b, "/retry\"><input type=\"hidden\" name=\"back\" value=\"doc\">");
        web_csrf_field(b, d->c);
        wb_raw(b, "<button class=\"small\">Retry</button></form>");
    }
}
