/*  podcast.c - RSS feed to one episode's published transcript: a bounded
 *  RSS scanner, episode choice, transcript choice by format, the JSON and
 *  HTML transcript formats, and the driver's state machine. No I/O, no
 *  general XML: DTDs are skipped and custom entities never expanded.
 *  SPDX-License-Identifier: MIT
 */
#include "podcast.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "buf.h"
#include "mem.h"
#include "source.h"
#include "srcdrv_impl.h"
#include "utf8.h"
#include "webdrv.h"

/* ---------------------------------------------------------------- text */

static bool s_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Append what fits of p[0..n) to a field buffer: a field longer than its
 * limit is cut, not refused (a 9 KB title is still a title). */
static void s_put(buf_t *b, const char *p, size_t n)
{
    size_t room = b->max - b->len;
    if (n > room)
        n = room;
    if (n && buf_append(b, p, n, NULL) != 0)
        return;
}

static void s_put_cp(buf_t *b, uint32_t cp)
{
    char enc[4];
    s_put(b, enc, utf8_encode(cp, enc));
}

static long s_entity_number(const char *s, size_t n)
{
    long v = 0;
    bool hex = n > 1 && (s[1] == 'x' || s[1] == 'X');
    size_t i = hex ? 2 : 1;
    if (i >= n)
        return -1;
    for (; i < n; i++) {
        int d = hex && isxdigit((unsigned char)s[i])
                    ? (isdigit((unsigned char)s[i]) ? s[i] - '0' : (tolower(s[i]) - 'a' + 10))
                    : (isdigit((unsigned char)s[i]) ? s[i] - '0' : -1);
        if (d < 0 || v > 0x10FFFF)
            return -1;
        v = v * (hex ? 16 : 10) + d;
    }
    return v;
}

/* Decode the entity at s ('&'), append it, return the bytes it used, or 0
 * when it is not one we know (the caller then copies the '&'). */
static size_t s_entity(buf_t *b, const char *s, size_t n)
{
    static const struct {
        const char *name;
        uint32_t cp;
    } known[] = {{"amp", '&'},       {"lt", '<'},       {"gt", '>'},       {"quot", '"'},
                 {"apos", '\''},     {"nbsp", 0xA0},    {"mdash", 0x2014}, {"ndash", 0x2013},
                 {"hellip", 0x2026}, {"rsquo", 0x2019}, {"lsquo", 0x2018}, {"rdquo", 0x201D},
                 {"ldquo", 0x201C}};

    const char *semi = memchr(s, ';', n < 12 ? n : 12);
    if (!semi)
        return 0;
    size_t len = (size_t)(semi - s) - 1;
    const char *name = s + 1;
    if (len > 0 && name[0] == '#') {
        long cp = s_entity_number(name, len);
        bool ok = cp > 0 && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
        s_put_cp(b, ok ? (uint32_t)cp : 0xFFFD);
        return len + 2;
    }
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strlen(known[i].name) == len && memcmp(known[i].name, name, len) == 0) {
            s_put_cp(b, known[i].cp);
            return len + 2;
        }
    return 0;
}

/* Append XML text with entities decoded (CDATA is copied as is). */
static void s_put_decoded(buf_t *b, const char *s, size_t n, bool cdata)
{
    size_t i = 0;
    while (i < n && b->len < b->max) {
        const char *amp = cdata ? NULL : memchr(s + i, '&', n - i);
        size_t run = amp ? (size_t)(amp - (s + i)) : n - i;
        s_put(b, s + i, run);
        i += run;
        if (i >= n)
            break;
        size_t used = s_entity(b, s + i, n - i);
        if (used == 0) {
            s_put(b, "&", 1);
            used = 1;
        }
        i += used;
    }
}

/* A field's final form: valid UTF-8, whitespace runs collapsed to one
 * space, trimmed; NULL when nothing is left. */
static char *s_field_string(const char *s, size_t n)
{
    size_t rn = 0;
    char *r = utf8_repair(s, n, &rn, NULL);
    size_t o = 0;
    bool space = false;
    for (size_t i = 0; i < rn; i++) {
        if (s_is_space(r[i])) {
            space = o > 0;
            continue;
        }
        if (space)
            r[o++] = ' ';
        space = false;
        r[o++] = r[i];
    }
    r[o] = '\0';
    if (o == 0) {
        free(r);
        return NULL;
    }
    return r;
}

/* ---------------------------------------------------------------- XML scanner */

typedef enum { S_XT_EOF, S_XT_START, S_XT_END, S_XT_TEXT, S_XT_ERROR } s_xt_kind_t;

typedef struct {
    s_xt_kind_t kind;
    const char *name; /* START, END: the qualified name */
    size_t name_len;
    const char *attrs; /* START: the text after the name */
    size_t attrs_len;
    bool empty;       /* START: <x/> */
    const char *text; /* TEXT */
    size_t text_len;
    bool cdata;
} s_xt_t;

typedef struct {
    const char *s; /* borrowed document */
    size_t n;
    size_t pos;
    const char *why; /* set with S_XT_ERROR */
} s_xml_t;

static bool s_name_char(char c)
{
    return !s_is_space(c) && c != '>' && c != '/' && c != '=' && c != '<';
}

static const char *s_find(const char *s, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    const char *end = s + n;
    for (const char *p = s; (size_t)(end - p) >= k; p++) {
        p = memchr(p, needle[0], (size_t)(end - p) - k + 1);
        if (!p)
            return NULL;
        if (memcmp(p, needle, k) == 0)
            return p;
    }
    return NULL;
}

/* s_find ignoring ASCII case. */
static const char *s_find_ci(const char *s, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (strncasecmp(s + i, needle, k) == 0)
            return s + i;
    return NULL;
}

/* Position of the '>' closing a tag that starts at from, skipping quoted
 * attribute values, or NULL. */
static const char *s_tag_end(const char *p, const char *end)
{
    char quote = 0;
    for (; p < end; p++) {
        if (quote) {
            if (*p == quote)
                quote = 0;
        } else if (*p == '"' || *p == '\'') {
            quote = *p;
        } else if (*p == '>') {
            return p;
        }
    }
    return NULL;
}

static s_xt_kind_t s_xml_fail(s_xml_t *x, const char *why)
{
    x->why = why;
    return S_XT_ERROR;
}

/* Skip "<!…>" and "<?…?>" constructs other than CDATA. 0, or -1 if
 * unterminated. */
static int s_xml_skip_decl(s_xml_t *x, const char *p, const char *end)
{
    const char *close = NULL;
    if (end - p >= 4 && memcmp(p, "<!--", 4) == 0) {
        close = s_find(p + 4, (size_t)(end - p - 4), "-->");
        x->pos = close ? (size_t)(close + 3 - x->s) : x->pos;
    } else if (end - p >= 2 && p[1] == '?') {
        close = s_find(p + 2, (size_t)(end - p - 2), "?>");
        x->pos = close ? (size_t)(close + 2 - x->s) : x->pos;
    } else {
        /* <!DOCTYPE …[ internal subset ]>: skipped whole, never expanded. */
        const char *brk = memchr(p, '[', (size_t)(end - p));
        const char *gt = memchr(p, '>', (size_t)(end - p));
        if (brk && gt && brk < gt)
            gt = (close = s_find(brk, (size_t)(end - brk), "]>")) ? close + 1 : NULL;
        close = gt;
        x->pos = close ? (size_t)(close + 1 - x->s) : x->pos;
    }
    return close ? 0 : -1;
}

static s_xt_kind_t s_xml_tag(s_xml_t *x, const char *p, const char *end, s_xt_t *t)
{
    bool closing = p[1] == '/';
    const char *name = p + (closing ? 2 : 1);
    const char *q = name;
    while (q < end && s_name_char(*q))
        q++;
    if (q == name)
        return s_xml_fail(x, "malformed tag");
    const char *gt = s_tag_end(q, end);
    if (!gt)
        return s_xml_fail(x, "unterminated tag");
    t->name = name;
    t->name_len = (size_t)(q - name);
    t->attrs = q;
    t->attrs_len = (size_t)(gt - q);
    t->empty = !closing && gt > q && gt[-1] == '/';
    x->pos = (size_t)(gt + 1 - x->s);
    return t->kind = closing ? S_XT_END : S_XT_START;
}

static s_xt_kind_t s_xml_next(s_xml_t *x, s_xt_t *t)
{
    memset(t, 0, sizeof *t);
    const char *end = x->s + x->n;
    for (;;) {
        if (x->pos >= x->n)
            return t->kind = S_XT_EOF;
        const char *p = x->s + x->pos;
        if (*p != '<') {
            const char *lt = memchr(p, '<', (size_t)(end - p));
            t->text = p;
            t->text_len = lt ? (size_t)(lt - p) : (size_t)(end - p);
            x->pos += t->text_len;
            return t->kind = S_XT_TEXT;
        }
        if (end - p >= 9 && memcmp(p, "<![CDATA[", 9) == 0) {
            const char *close = s_find(p + 9, (size_t)(end - p - 9), "]]>");
            if (!close)
                return s_xml_fail(x, "unterminated CDATA section");
            t->text = p + 9;
            t->text_len = (size_t)(close - t->text);
            t->cdata = true;
            x->pos = (size_t)(close + 3 - x->s);
            return t->kind = S_XT_TEXT;
        }
        if (end - p < 2)
            return s_xml_fail(x, "document ends in '<'");
        if (p[1] == '!' || p[1] == '?') {
            if (s_xml_skip_decl(x, p, end) != 0)
                return s_xml_fail(x, "unterminated comment or declaration");
            continue;
        }
        return s_xml_tag(x, p, end, t);
    }
}

static size_t s_xml_line(const s_xml_t *x)
{
    size_t line = 1;
    for (size_t i = 0; i < x->pos && i < x->n; i++)
        line += x->s[i] == '\n';
    return line;
}

/* Next attribute of an attribute list: 1 with name and raw value, 0 at the
 * end. Malformed pieces are skipped. */
static int s_attr_next(const char **pp,
                       const char *end,
                       const char **name,
                       size_t *name_len,
                       const char **val,
                       size_t *val_len)
{
    const char *p = *pp;
    for (;;) {
        while (p < end && (s_is_space(*p) || *p == '/'))
            p++;
        if (p >= end)
            return 0;
        const char *n0 = p;
        while (p < end && s_name_char(*p))
            p++;
        *name = n0;
        *name_len = (size_t)(p - n0);
        while (p < end && s_is_space(*p))
            p++;
        if (p >= end || *p != '=') {
            p += p < end && *name_len == 0;
            continue; /* an attribute without a value: skipped */
        }
        p++;
        while (p < end && s_is_space(*p))
            p++;
        char q = p < end ? *p : 0;
        if (q != '"' && q != '\'')
            continue;
        const char *v0 = ++p;
        while (p < end && *p != q)
            p++;
        *val = v0;
        *val_len = (size_t)(p - v0);
        *pp = p < end ? p + 1 : p;
        return 1;
    }
}

/* A new decoded copy of attribute name (exact, case-sensitive), or NULL. */
static char *s_attr(const s_xt_t *t, const char *want)
{
    const char *p = t->attrs, *end = t->attrs + t->attrs_len, *name, *val;
    size_t nl, vl;
    while (s_attr_next(&p, end, &name, &nl, &val, &vl))
        if (nl == strlen(want) && memcmp(name, want, nl) == 0) {
            buf_t b;
            buf_init(&b, PODCAST_MAX_FIELD);
            s_put_decoded(&b, val, vl, false);
            char *s = s_field_string(b.data ? b.data : "", b.len);
            buf_free(&b);
            return s;
        }
    return NULL;
}

/* ---------------------------------------------------------------- feed builder */

typedef enum { S_NS_CORE, S_NS_ITUNES, S_NS_PODCAST, S_NS_OTHER } s_ns_t;

typedef enum {
    S_E_OTHER,
    S_E_RSS,
    S_E_CHANNEL,
    S_E_ITEM,
    S_E_FIELD,
} s_elem_t;

typedef enum {
    S_F_CH_TITLE,
    S_F_CH_AUTHOR,
    S_F_CH_LANG,
    S_F_CH_LINK,
    S_F_IT_TITLE,
    S_F_IT_GUID,
    S_F_IT_LINK,
    S_F_IT_DATE,
    S_F_IT_DURATION,
    S_F_IT_AUTHOR,
} s_field_t;

#define S_MAX_BINDINGS 64

typedef struct {
    const char *prefix; /* borrowed from the document */
    size_t prefix_len;
    s_ns_t ns;
    size_t depth; /* of the element declaring it */
} s_binding_t;

typedef struct {
    podcast_feed_t *feed;
    const char *base_url;
    s_elem_t stack[PODCAST_MAX_DEPTH];
    size_t depth;
    s_binding_t bind[S_MAX_BINDINGS];
    size_t n_bind;
    s_field_t field; /* the field being collected when the top is S_E_FIELD */
    buf_t text;      /* its text */
    bool have_item;  /* the current item is kept (not past the limit) */
    bool saw_rss;
    bool saw_channel;
    size_t cap_items;
    char root[32]; /* the first element's name, for the error message */
} s_feed_builder_t;

static s_ns_t s_ns_of_uri(const char *uri)
{
    if (!uri)
        return S_NS_OTHER;
    size_t n = strlen(uri);
    if (s_find_ci(uri, n, "itunes.com/dtds/podcast-1.0.dtd"))
        return S_NS_ITUNES;
    if (s_find_ci(uri, n, "podcastindex.org/namespace/1.0") ||
        s_find_ci(uri, n, "podcastindex-org/podcast-namespace"))
        return S_NS_PODCAST;
    return S_NS_OTHER;
}

static void s_bind_namespaces(s_feed_builder_t *fb, const s_xt_t *t)
{
    const char *p = t->attrs, *end = t->attrs + t->attrs_len, *name, *val;
    size_t nl, vl;
    while (s_attr_next(&p, end, &name, &nl, &val, &vl)) {
        if (nl <= 6 || memcmp(name, "xmlns:", 6) != 0 || fb->n_bind == S_MAX_BINDINGS)
            continue;
        char *uri = mem_strndup(val, vl);
        fb->bind[fb->n_bind++] = (s_binding_t){
            .prefix = name + 6, .prefix_len = nl - 6, .ns = s_ns_of_uri(uri), .depth = fb->depth};
        free(uri);
    }
}

/* Namespace and local name of a qualified name: by the innermost binding of
 * its prefix, else by the usual prefixes (feeds forget to declare them). */
static s_ns_t s_resolve(const s_feed_builder_t *fb, const s_xt_t *t, const char **local, size_t *ll)
{
    const char *colon = memchr(t->name, ':', t->name_len);
    if (!colon) {
        *local = t->name;
        *ll = t->name_len;
        return S_NS_CORE;
    }
    size_t pl = (size_t)(colon - t->name);
    *local = colon + 1;
    *ll = t->name_len - pl - 1;
    for (size_t i = fb->n_bind; i-- > 0;)
        if (fb->bind[i].prefix_len == pl && memcmp(fb->bind[i].prefix, t->name, pl) == 0)
            return fb->bind[i].ns;
    if (pl == 6 && memcmp(t->name, "itunes", 6) == 0)
        return S_NS_ITUNES;
    if (pl == 7 && memcmp(t->name, "podcast", 7) == 0)
        return S_NS_PODCAST;
    return S_NS_OTHER;
}

static bool s_is(const char *local, size_t ll, const char *want)
{
    return ll == strlen(want) && memcmp(local, want, ll) == 0;
}

static podcast_item_t *s_item(s_feed_builder_t *fb)
{
    return fb->have_item ? &fb->feed->items[fb->feed->n_items - 1] : NULL;
}

static void s_item_begin(s_feed_builder_t *fb)
{
    podcast_feed_t *f = fb->feed;
    fb->have_item = f->n_items < PODCAST_MAX_ITEMS;
    if (!fb->have_item) {
        f->n_dropped++;
        return;
    }
    if (f->n_items == fb->cap_items) {
        fb->cap_items = fb->cap_items ? fb->cap_items * 2 : 16;
        f->items = mem_realloc(f->items, fb->cap_items * sizeof *f->items);
    }
    f->items[f->n_items++] =
        (podcast_item_t){.published_s = PODCAST_NO_DATE, .enclosure_bytes = -1, .duration_ms = -1};
}

static int64_t s_parse_count(const char *s)
{
    if (!s || !*s)
        return -1;
    int64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (!isdigit((unsigned char)*p) || v > INT64_MAX / 10 - 10)
            return -1;
        v = v * 10 + (*p - '0');
    }
    return v;
}

static void s_enclosure(s_feed_builder_t *fb, const s_xt_t *t)
{
    podcast_item_t *it = s_item(fb);
    if (!it || it->enclosure_url)
        return;
    char *url = s_attr(t, "url");
    if (!url)
        return;
    it->enclosure_url = podcast_url_resolve(fb->base_url, url);
    free(url);
    it->enclosure_type = s_attr(t, "type");
    char *length = s_attr(t, "length");
    it->enclosure_bytes = s_parse_count(length);
    free(length);
}

/* Media type in lower case without parameters. */
static char *s_media_type(const char *type)
{
    if (!type)
        return mem_strdup("");
    size_t n = strcspn(type, "; ");
    char *s = mem_strndup(type, n);
    for (char *p = s; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return s;
}

static void s_transcript_tag(s_feed_builder_t *fb, const s_xt_t *t)
{
    podcast_item_t *it = s_item(fb);
    if (!it || it->n_transcripts == PODCAST_MAX_TRANSCRIPTS)
        return;
    char *url = s_attr(t, "url");
    if (!url)
        return;
    if (!it->transcripts)
        it->transcripts = mem_calloc(PODCAST_MAX_TRANSCRIPTS, sizeof *it->transcripts);
    podcast_transcript_t *tr = &it->transcripts[it->n_transcripts++];
    tr->url = podcast_url_resolve(fb->base_url, url);
    free(url);
    char *type = s_attr(t, "type");
    tr->type = s_media_type(type);
    free(type);
    tr->language = s_attr(t, "language");
    char *rel = s_attr(t, "rel");
    tr->captions = rel && strcasecmp(rel, "captions") == 0;
    free(rel);
}

static bool s_channel_field(s_ns_t ns, const char *l, size_t ll, s_field_t *f)
{
    if (ns == S_NS_CORE && s_is(l, ll, "title"))
        *f = S_F_CH_TITLE;
    else if (ns == S_NS_CORE && s_is(l, ll, "language"))
        *f = S_F_CH_LANG;
    else if (ns == S_NS_CORE && s_is(l, ll, "link"))
        *f = S_F_CH_LINK;
    else if (ns == S_NS_ITUNES && s_is(l, ll, "author"))
        *f = S_F_CH_AUTHOR;
    else
        return false;
    return true;
}

static bool s_item_field(s_ns_t ns, const char *l, size_t ll, s_field_t *f)
{
    if (ns == S_NS_CORE && s_is(l, ll, "title"))
        *f = S_F_IT_TITLE;
    else if (ns == S_NS_CORE && s_is(l, ll, "guid"))
        *f = S_F_IT_GUID;
    else if (ns == S_NS_CORE && s_is(l, ll, "link"))
        *f = S_F_IT_LINK;
    else if (ns == S_NS_CORE && s_is(l, ll, "pubDate"))
        *f = S_F_IT_DATE;
    else if (ns == S_NS_ITUNES && s_is(l, ll, "duration"))
        *f = S_F_IT_DURATION;
    else if (ns == S_NS_ITUNES && s_is(l, ll, "author"))
        *f = S_F_IT_AUTHOR;
    else
        return false;
    return true;
}

/* What a start tag opens, given its parent; item attributes are taken here. */
static s_elem_t s_classify(s_feed_builder_t *fb, const s_xt_t *t)
{
    const char *l;
    size_t ll;
    s_ns_t ns = s_resolve(fb, t, &l, &ll);
    s_elem_t parent = fb->depth ? fb->stack[fb->depth - 1] : S_E_OTHER;
    if (ns == S_NS_CORE && s_is(l, ll, "rss"))
        return S_E_RSS;
    if (parent == S_E_RSS && ns == S_NS_CORE && s_is(l, ll, "channel"))
        return S_E_CHANNEL;
    if (parent == S_E_CHANNEL && ns == S_NS_CORE && s_is(l, ll, "item"))
        return S_E_ITEM;
    if (parent == S_E_CHANNEL && s_channel_field(ns, l, ll, &fb->field))
        return S_E_FIELD;
    if (parent != S_E_ITEM)
        return S_E_OTHER;
    if (s_item_field(ns, l, ll, &fb->field))
        return S_E_FIELD;
    if (ns == S_NS_CORE && s_is(l, ll, "enclosure"))
        s_enclosure(fb, t);
    else if (ns == S_NS_PODCAST && s_is(l, ll, "transcript"))
        s_transcript_tag(fb, t);
    return S_E_OTHER;
}

static void s_set_once(char **slot, char *value)
{
    if (*slot || !value) {
        free(value);
        return;
    }
    *slot = value;
}

static void s_field_end(s_feed_builder_t *fb)
{
    char *v = s_field_string(fb->text.data ? fb->text.data : "", fb->text.len);
    buf_reset(&fb->text);
    podcast_feed_t *f = fb->feed;
    podcast_item_t *it = s_item(fb);
    if (fb->field < S_F_IT_TITLE) {
        char **slots[] = {&f->title, &f->author, &f->language, &f->link};
        s_set_once(slots[fb->field], v);
        return;
    }
    if (!it) {
        free(v);
        return;
    }
    if (fb->field == S_F_IT_DATE) {
        char day[11];
        int64_t when;
        if (v && !it->published && podcast_date_parse(v, day, &when) == 0) {
            it->published = mem_strdup(day);
            it->published_s = when;
        }
        free(v);
    } else if (fb->field == S_F_IT_DURATION) {
        if (v && it->duration_ms < 0)
            it->duration_ms = podcast_duration_ms(v);
        free(v);
    } else {
        char **slots[] = {&it->title, &it->guid, &it->link};
        s_set_once(fb->field == S_F_IT_AUTHOR ? &it->author : slots[fb->field - S_F_IT_TITLE], v);
    }
}

static void s_pop(s_feed_builder_t *fb)
{
    s_elem_t e = fb->stack[--fb->depth];
    if (e == S_E_FIELD)
        s_field_end(fb);
    else if (e == S_E_ITEM)
        fb->have_item = false;
    while (fb->n_bind && fb->bind[fb->n_bind - 1].depth >= fb->depth)
        fb->n_bind--;
}

static void s_start(s_feed_builder_t *fb, const s_xt_t *t)
{
    if (!fb->root[0])
        snprintf(fb->root, sizeof fb->root, "%.*s", (int)t->name_len, t->name);
    s_bind_namespaces(fb, t);
    s_elem_t e = s_classify(fb, t);
    fb->saw_rss |= e == S_E_RSS;
    fb->saw_channel |= e == S_E_CHANNEL;
    if (e == S_E_ITEM)
        s_item_begin(fb);
    fb->stack[fb->depth++] = e;
    if (t->empty)
        s_pop(fb);
}

typedef struct {
    const char *name; /* borrowed from the document */
    size_t len;
} s_name_t;

/* Tolerant end tags: closes the innermost open element of that name (the
 * ones left open inside are closed too); closes nothing if none matches. */
static void s_end(s_feed_builder_t *fb, s_name_t *names, const s_xt_t *t)
{
    size_t i = fb->depth;
    while (i > 0 && !(names[i - 1].len == t->name_len &&
                      memcmp(names[i - 1].name, t->name, t->name_len) == 0))
        i--;
    if (i == 0)
        return;
    while (fb->depth >= i)
        s_pop(fb);
}

static int s_feed_fail(s_xml_t *x, const char *why, err_t *err)
{
    err_set(err, LODE_EINVAL, "podcast: malformed XML: %s at line %zu", why, s_xml_line(x));
    return -1;
}

static int s_feed_scan(s_feed_builder_t *fb, s_xml_t *x, err_t *err)
{
    s_name_t *names = mem_calloc(PODCAST_MAX_DEPTH, sizeof *names);
    int rc = 0;
    s_xt_t t;
    for (s_xt_kind_t k; rc == 0 && (k = s_xml_next(x, &t)) != S_XT_EOF;) {
        if (k == S_XT_ERROR) {
            rc = s_feed_fail(x, x->why, err);
        } else if (k == S_XT_START) {
            if (fb->depth == PODCAST_MAX_DEPTH) {
                rc = s_feed_fail(x, "elements nested too deep", err);
                break;
            }
            names[fb->depth] = (s_name_t){t.name, t.name_len};
            s_start(fb, &t);
        } else if (k == S_XT_END) {
            s_end(fb, names, &t);
        } else if (fb->depth && fb->stack[fb->depth - 1] == S_E_FIELD) {
            s_put_decoded(&fb->text, t.text, t.text_len, t.cdata);
        }
    }
    if (rc == 0 && fb->saw_rss && fb->depth > 0)
        rc = s_feed_fail(x, "document ends inside an open element (truncated?)", err);
    free(names);
    return rc;
}

podcast_feed_t *podcast_feed_parse(const char *xml, size_t len, const char *base_url, err_t *err)
{
    s_feed_builder_t *fb = mem_calloc(1, sizeof *fb);
    fb->feed = mem_calloc(1, sizeof *fb->feed);
    fb->base_url = base_url;
    buf_init(&fb->text, PODCAST_MAX_FIELD);
    s_xml_t x = {.s = xml ? xml : "", .n = xml ? len : 0};
    int rc = s_feed_scan(fb, &x, err);
    if (rc == 0 && (!fb->saw_rss || !fb->saw_channel)) {
        err_set(err, LODE_EINVAL, "podcast: not an RSS feed (root element <%s>)",
                fb->root[0] ? fb->root : "none");
        rc = -1;
    }
    podcast_feed_t *feed = fb->feed;
    buf_free(&fb->text);
    free(fb);
    if (rc != 0)
        podcast_feed_destroy(&feed);
    return feed;
}

static void s_item_free(podcast_item_t *it)
{
    free(it->title);
    free(it->guid);
    free(it->link);
    free(it->author);
    free(it->published);
    free(it->enclosure_url);
    free(it->enclosure_type);
    for (size_t i = 0; i < it->n_transcripts; i++) {
        free(it->transcripts[i].url);
        free(it->transcripts[i].type);
        free(it->transcripts[i].language);
    }
    free(it->transcripts);
}

void podcast_feed_destroy(podcast_feed_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    podcast_feed_t *f = *self_p;
    for (size_t i = 0; i < f->n_items; i++)
        s_item_free(&f->items[i]);
    free(f->items);
    free(f->title);
    free(f->author);
    free(f->language);
    free(f->link);
    free(f);
    *self_p = NULL;
}

/* ---------------------------------------------------------------- dates, durations */

/* Digits at *pp (at most max), as a number; -1 if none. */
static int64_t s_digits(const char **pp, int max)
{
    const char *p = *pp;
    int64_t v = 0;
    int n = 0;
    while (n < max && isdigit((unsigned char)*p)) {
        v = v * 10 + (*p++ - '0');
        n++;
    }
    *pp = p;
    return n ? v : -1;
}

int64_t podcast_duration_ms(const char *s)
{
    if (!s)
        return -1;
    while (s_is_space(*s))
        s++;
    int64_t parts[3];
    int n = 0;
    const char *p = s;
    for (;;) {
        int64_t v = s_digits(&p, 12);
        if (v < 0 || n == 3)
            return -1;
        parts[n++] = v;
        if (*p != ':')
            break;
        p++;
    }
    int64_t frac_ms = 0;
    if (*p == '.' || *p == ',') {
        p++;
        double scale = 100, f = 0;
        for (; isdigit((unsigned char)*p); p++, scale /= 10)
            f += (*p - '0') * scale;
        frac_ms = (int64_t)llround(f);
    }
    while (s_is_space(*p))
        p++;
    if (*p)
        return -1;
    int64_t total = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0 && parts[i] >= 60)
            return -1;
        total = total * 60 + parts[i];
        if (total > 1000LL * 3600)
            return -1;
    }
    return total * 1000 + frac_ms;
}

static int64_t s_days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int s_month(const char **pp)
{
    static const char *const names[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                        "jul", "aug", "sep", "oct", "nov", "dec"};
    const char *p = *pp;
    for (int i = 0; i < 12; i++)
        if (strncasecmp(p, names[i], 3) == 0) {
            while (isalpha((unsigned char)*p))
                p++;
            *pp = p;
            return i + 1;
        }
    return -1;
}

/* Zone at p: "+hhmm", "-hhmm", "GMT", "UT", "UTC", "Z", US zones, or nothing
 * (UTC). Seconds east of UTC in *off; -1 if unknown. */
static int s_zone(const char *p, int64_t *off)
{
    static const struct {
        const char *name;
        int hours;
    } zones[] = {{"GMT", 0},  {"UTC", 0},  {"UT", 0},   {"Z", 0},    {"EST", -5}, {"EDT", -4},
                 {"CST", -6}, {"CDT", -5}, {"MST", -7}, {"MDT", -6}, {"PST", -8}, {"PDT", -7}};

    while (s_is_space(*p))
        p++;
    *off = 0;
    if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1;
        p++;
        const char *q = p;
        int64_t hh = s_digits(&q, 2);
        if (*q == ':')
            q++;
        int64_t mm = s_digits(&q, 2);
        if (hh < 0 || mm < 0 || hh > 23 || mm > 59)
            return -1;
        *off = sign * (hh * 3600 + mm * 60);
        return 0;
    }
    if (!*p)
        return 0;
    for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++)
        if (strncasecmp(p, zones[i].name, strlen(zones[i].name)) == 0 &&
            !isalpha((unsigned char)p[strlen(zones[i].name)])) {
            *off = zones[i].hours * 3600;
            return 0;
        }
    return -1;
}

/* "HH:MM[:SS]" at *pp into seconds of the day; -1 if malformed. */
static int64_t s_clock(const char **pp)
{
    const char *p = *pp;
    int64_t hh = s_digits(&p, 2), mm = -1, ss = 0;
    if (hh >= 0 && *p == ':') {
        p++;
        mm = s_digits(&p, 2);
    }
    if (mm >= 0 && *p == ':') {
        p++;
        ss = s_digits(&p, 2);
    }
    if (*p == '.')
        for (p++; isdigit((unsigned char)*p); p++)
            ;
    if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60)
        return -1;
    *pp = p;
    return hh * 3600 + mm * 60 + ss;
}

static int
s_date_finish(int64_t y, int64_t m, int64_t d, const char *p, char day[11], int64_t *unix_s)
{
    if (m < 1 || m > 12 || d < 1 || d > 31 || y < 1900 || y > 9999)
        return -1;
    int64_t secs = 0, off = 0;
    while (s_is_space(*p) || *p == 'T' || *p == 't')
        p++;
    if (*p && (secs = s_clock(&p)) < 0)
        return -1;
    if (s_zone(p, &off) != 0)
        return -1;
    snprintf(day, 11, "%04d-%02d-%02d", (int)y, (int)m, (int)d);
    *unix_s = s_days_from_civil(y, m, d) * 86400 + secs - off;
    return 0;
}

int podcast_date_parse(const char *s, char day[11], int64_t *unix_s)
{
    if (!s)
        return -1;
    const char *p = s;
    while (s_is_space(*p))
        p++;
    const char *q = p;
    /* Some feeds write ISO 8601 instead of RFC 822. */
    int64_t y = s_digits(&q, 4);
    if (y >= 0 && q - p == 4 && *q == '-') {
        q++;
        int64_t m = s_digits(&q, 2);
        int64_t d = *q == '-' ? (q++, s_digits(&q, 2)) : -1;
        return s_date_finish(y, m, d, q, day, unix_s);
    }
    if (isalpha((unsigned char)*p)) { /* weekday */
        while (isalpha((unsigned char)*p))
            p++;
        while (*p == ',' || s_is_space(*p))
            p++;
    }
    int64_t d = s_digits(&p, 2);
    while (s_is_space(*p) || *p == '-')
        p++;
    int m = s_month(&p);
    while (s_is_space(*p) || *p == '-')
        p++;
    q = p;
    y = s_digits(&p, 4);
    if (y >= 0 && p - q == 2)
        y += y < 50 ? 2000 : 1900;
    if (d < 0 || m < 0 || y < 0)
        return -1;
    return s_date_finish(y, m, d, p, day, unix_s);
}

/* ---------------------------------------------------------------- episode choice */

typedef struct {
    int64_t when;
    size_t index;
} s_order_t;

static int s_order_cmp(const void *a, const void *b)
{
    const s_order_t *x = a, *y = b;
    if (x->when != y->when)
        return x->when > y->when ? -1 : 1; /* newest first; PODCAST_NO_DATE last */
    return x->index < y->index ? -1 : (x->index > y->index);
}

/* The Nth newest item (0-based), or NULL. */
static const podcast_item_t *s_nth_newest(const podcast_feed_t *feed, size_t nth)
{
    if (nth >= feed->n_items)
        return NULL;
    s_order_t *o = mem_alloc(feed->n_items * sizeof *o);
    for (size_t i = 0; i < feed->n_items; i++)
        o[i] = (s_order_t){feed->items[i].published_s, i};
    qsort(o, feed->n_items, sizeof *o, s_order_cmp);
    const podcast_item_t *it = &feed->items[o[nth].index];
    free(o);
    return it;
}

static bool s_eq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

static const podcast_item_t *s_by_id(const podcast_feed_t *feed, const char *sel)
{
    for (size_t i = 0; i < feed->n_items; i++)
        if (s_eq(feed->items[i].guid, sel))
            return &feed->items[i];
    for (size_t i = 0; i < feed->n_items; i++) {
        const podcast_item_t *it = &feed->items[i];
        if (s_eq(it->link, sel) || s_eq(it->enclosure_url, sel))
            return it;
    }
    return NULL;
}

const podcast_item_t *podcast_feed_episode(const podcast_feed_t *feed, const char *sel, err_t *err)
{
    const char *title = feed->title ? feed->title : "untitled";
    if (feed->n_items == 0) {
        err_set(err, LODE_ENOTFOUND, "podcast: feed '%.80s' has no episodes", title);
        return NULL;
    }
    if (!sel || !*sel || strcasecmp(sel, "latest") == 0)
        return s_nth_newest(feed, 0);
    const podcast_item_t *it = s_by_id(feed, sel);
    if (it)
        return it;
    const char *p = sel;
    int64_t n = s_digits(&p, 9);
    if (n >= 1 && *p == '\0' && (it = s_nth_newest(feed, (size_t)n - 1)) != NULL)
        return it;
    err_set(err, LODE_ENOTFOUND, "podcast: no episode '%.80s' in feed '%.80s' (%zu episodes)", sel,
            title, feed->n_items);
    return NULL;
}

/* ---------------------------------------------------------------- URLs */

static bool s_has_scheme(const char *s)
{
    if (!isalpha((unsigned char)*s))
        return false;
    for (const char *p = s; *p; p++) {
        if (*p == ':')
            return true;
        if (!isalnum((unsigned char)*p) && *p != '+' && *p != '-' && *p != '.')
            return false;
    }
    return false;
}

/* Remove "." and ".." segments from path[0..n) (RFC 3986 5.2.4), appending
 * the result to out. */
static void s_put_path(buf_t *out, const char *path, size_t n)
{
    size_t start = out->len;
    size_t i = 0;
    while (i < n) {
        size_t j = i + 1;
        while (j < n && path[j] != '/')
            j++;
        const char *seg = path + i; /* "/name" */
        size_t sl = j - i;
        if ((sl == 2 && seg[1] == '.') || (sl == 3 && seg[1] == '.' && seg[2] == '.')) {
            if (sl == 3)
                while (out->len > start && out->data[--out->len] != '/')
                    ;
            if (j >= n)
                s_put(out, "/", 1);
        } else {
            s_put(out, seg, sl);
        }
        i = j;
    }
    if (out->data)
        out->data[out->len] = '\0';
}

char *podcast_url_resolve(const char *base, const char *ref)
{
    if (!ref)
        ref = "";
    if (!base || s_has_scheme(ref))
        return mem_strdup(ref);
    const char *colon = strchr(base, ':');
    if (!colon)
        return mem_strdup(ref);
    size_t scheme_len = (size_t)(colon - base);
    const char *auth = colon + 1 + (colon[1] == '/' && colon[2] == '/' ? 2 : 0);
    size_t auth_end = (size_t)(auth - base) + strcspn(auth, "/?#");
    size_t path_end = auth_end + strcspn(base + auth_end, "?#");
    buf_t b;
    buf_init(&b, strlen(base) + strlen(ref) + 8);
    if (ref[0] == '/' && ref[1] == '/') {
        s_put(&b, base, scheme_len + 1);
        s_put(&b, ref, strlen(ref));
    } else if (ref[0] == '/') {
        s_put(&b, base, auth_end);
        size_t pl = strcspn(ref, "?#");
        s_put_path(&b, ref, pl);
        s_put(&b, ref + pl, strlen(ref + pl));
    } else if (ref[0] == '?' || ref[0] == '#' || !ref[0]) {
        size_t keep =
            ref[0] == '#' || !ref[0] ? path_end + strcspn(base + path_end, "#") : path_end;
        s_put(&b, base, keep);
        s_put(&b, ref, strlen(ref));
    } else {
        s_put(&b, base, auth_end);
        const char *dir_end = base + path_end;
        while (dir_end > base + auth_end && dir_end[-1] != '/')
            dir_end--;
        size_t pl = strcspn(ref, "?#");
        buf_t path;
        buf_init(&path, b.max);
        s_put(&path, base + auth_end, (size_t)(dir_end - base) - auth_end);
        if (path.len == 0)
            s_put(&path, "/", 1);
        s_put(&path, ref, pl);
        s_put_path(&b, path.data, path.len);
        buf_free(&path);
        s_put(&b, ref + pl, strlen(ref + pl));
    }
    return buf_steal(&b);
}

/* ---------------------------------------------------------------- JSON transcript */

/* Seconds (a number or a numeric string) at key of seg into *ms. 0 (and
 * *ms = -1 when absent), or -1 when present but not a valid time. */
static int s_json_time(json_t *seg, const char *key, int64_t *ms)
{
    json_t *v = json_object_get(seg, key);
    double secs;
    *ms = -1;
    if (!v || json_is_null(v))
        return 0;
    if (json_is_number(v)) {
        secs = json_number_value(v);
    } else if (json_is_string(v)) {
        char *end;
        secs = strtod(json_string_value(v), &end);
        if (end == json_string_value(v) || *end)
            return -1;
    } else {
        return -1;
    }
    if (!(secs >= 0 && secs < 1e9))
        return -1;
    *ms = (int64_t)llround(secs * 1000);
    return 0;
}

static const char *s_json_speaker(json_t *seg)
{
    const char *s = json_string_value(json_object_get(seg, "speaker"));
    return s && *s ? s : NULL;
}

static bool s_json_many_speakers(json_t *segs)
{
    const char *first = NULL;
    size_t i;
    json_t *seg;
    json_array_foreach(segs, i, seg)
    {
        const char *sp = s_json_speaker(seg);
        if (sp && !first)
            first = sp;
        else if (sp && strcmp(sp, first) != 0)
            return true;
    }
    return false;
}

typedef struct {
    transcript_t *t;
    bool labels;         /* speakers are named (two or more) */
    const char *speaker; /* the last one named, borrowed from the JSON */
    bool para;           /* the last body ended a paragraph */
    buf_t text;          /* scratch */
} s_json_ctx_t;

static int s_json_segment(
    s_json_ctx_t *c, const char *body, int64_t start, int64_t end, const char *sp, err_t *err)
{
    buf_reset(&c->text);
    bool space = false;
    for (const char *p = body; *p; p++) {
        if (s_is_space(*p)) {
            space = c->text.len > 0;
            continue;
        }
        if (space)
            s_put(&c->text, " ", 1);
        space = false;
        s_put(&c->text, p, 1);
    }
    if (c->text.len == 0)
        return 0;
    bool change = c->labels && sp && (!c->speaker || strcmp(sp, c->speaker) != 0);
    char *sep = change ? mem_printf("\n\n%.200s: ", sp) : mem_strdup(c->para ? "\n\n" : " ");
    int rc = 0;
    if (change && c->t->len == 0) {
        char *both = mem_printf("%.200s: %s", sp, c->text.data);
        rc = transcript_append(c->t, NULL, both, strlen(both), start, end, err);
        free(both);
    } else {
        rc = transcript_append(c->t, sep, c->text.data, c->text.len, start, end, err);
    }
    free(sep);
    if (sp)
        c->speaker = sp;
    size_t bl = strlen(body);
    c->para = bl > 0 && body[bl - 1] == '\n';
    return rc;
}

static int s_json_segments(s_json_ctx_t *c, json_t *segs, err_t *err)
{
    size_t n = json_array_size(segs);
    int64_t prev_end = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *seg = json_array_get(segs, i);
        const char *body = json_string_value(json_object_get(seg, "body"));
        int64_t start, end, next = -1;
        if (!json_is_object(seg) || s_json_time(seg, "startTime", &start) != 0 ||
            s_json_time(seg, "endTime", &end) != 0) {
            err_set(err, LODE_EINVAL,
                    "podcast: JSON transcript segment %zu: bad startTime or endTime", i + 1);
            return -1;
        }
        if (start < 0)
            start = prev_end;
        if (end < 0 && i + 1 < n &&
            s_json_time(json_array_get(segs, i + 1), "startTime", &next) == 0)
            end = next;
        if (end < start)
            end = start;
        prev_end = end;
        if (body && s_json_segment(c, body, start, end, s_json_speaker(seg), err) != 0)
            return -1;
    }
    return 0;
}

transcript_t *podcast_json_transcript(const char *body, size_t len, err_t *err)
{
    json_error_t jerr;
    json_t *root = json_loadb(body ? body : "", body ? len : 0, 0, &jerr);
    json_t *segs = json_object_get(root, "segments");
    if (!json_is_array(segs)) {
        err_set(err, LODE_EINVAL, "podcast: JSON transcript: %s",
                root ? "no \"segments\" array" : jerr.text);
        json_decref(root);
        return NULL;
    }
    s_json_ctx_t c = {.t = transcript_new(), .labels = s_json_many_speakers(segs)};
    buf_init(&c.text, 1u << 20);
    int rc = s_json_segments(&c, segs, err);
    if (rc == 0 && c.t->len == 0) {
        err_set(err, LODE_EEMPTY, "empty transcript: the JSON transcript has no text");
        rc = -1;
    }
    c.t->timed = true;
    buf_free(&c.text);
    json_decref(root);
    if (rc != 0)
        transcript_destroy(&c.t);
    return c.t;
}

/* ---------------------------------------------------------------- HTML transcript */

static bool s_tag_is(const char *name, size_t n, const char *const *list)
{
    for (; *list; list++)
        if (strlen(*list) == n && strncasecmp(name, *list, n) == 0)
            return true;
    return false;
}

typedef struct {
    buf_t out;
    bool after_cite; /* a </cite> label waits for its paragraph */
} s_html_t;

static void s_html_break(s_html_t *h)
{
    while (h->out.len && h->out.data[h->out.len - 1] == ' ')
        h->out.data[--h->out.len] = '\0';
    if (h->out.len >= 2 && h->out.data[h->out.len - 1] == '\n' &&
        h->out.data[h->out.len - 2] == '\n')
        return;
    if (h->out.len)
        s_put(&h->out, "\n\n", 2);
}

/* HTML whitespace: one space, none at the start of a paragraph. */
static void s_html_space(s_html_t *h)
{
    char last = h->out.len ? h->out.data[h->out.len - 1] : '\n';
    if (last != ' ' && last != '\n')
        s_put(&h->out, " ", 1);
}

/* Handle the tag at s[0..n) ('<' … '>'); returns the bytes to skip from s,
 * which for script, style and time includes their contents. */
static size_t s_html_tag(s_html_t *h, const char *s, const char *end)
{
    static const char *const blocks[] = {
        "p",     "div", "br", "li",      "h1",      "h2",         "h3", "h4",
        "h5",    "h6",  "tr", "section", "article", "blockquote", "ul", "ol",
        "table", "hr",  "dt", "dd",      "header",  "footer",     NULL};
    static const char *const hidden[] = {"script", "style", "time", "head", NULL};
    const char *gt = s_tag_end(s, end);
    if (!gt)
        return (size_t)(end - s);
    bool closing = s[1] == '/';
    const char *name = s + 1 + closing;
    size_t nl = 0;
    while (name + nl < gt && isalnum((unsigned char)name[nl]))
        nl++;
    size_t used = (size_t)(gt + 1 - s);
    if (!closing && s_tag_is(name, nl, hidden)) {
        char close[16];
        snprintf(close, sizeof close, "</%.*s", (int)nl, name);
        const char *p = s_find_ci(gt, (size_t)(end - gt), close);
        const char *cgt = p ? s_tag_end(p, end) : NULL;
        return cgt ? (size_t)(cgt + 1 - s) : (size_t)(end - s);
    }
    if (nl == 4 && strncasecmp(name, "cite", 4) == 0) {
        if (closing) {
            s_html_space(h);
            h->after_cite = true;
        } else {
            s_html_break(h);
        }
    } else if (s_tag_is(name, nl, blocks) && !(h->after_cite && !closing)) {
        s_html_break(h);
    }
    return used;
}

char *podcast_html_text(const char *body, size_t len, size_t *out_len)
{
    s_html_t h = {.after_cite = false};
    buf_init(&h.out, len * 2 + 16);
    const char *s = body ? body : "", *end = s + (body ? len : 0);
    while (s < end) {
        if (*s == '<' && end - s >= 4 && memcmp(s, "<!--", 4) == 0) {
            const char *c = s_find(s + 4, (size_t)(end - s - 4), "-->");
            s = c ? c + 3 : end;
        } else if (*s == '<' && end - s > 1 &&
                   (isalpha((unsigned char)s[1]) || s[1] == '/' || s[1] == '!')) {
            s += s_html_tag(&h, s, end);
        } else if (*s == '&') {
            size_t used = s_entity(&h.out, s, (size_t)(end - s));
            if (!used)
                s_put(&h.out, "&", 1);
            s += used ? used : 1;
            h.after_cite = false;
        } else if (s_is_space(*s)) {
            s_html_space(&h);
            s++;
        } else {
            h.after_cite = false;
            s_put(&h.out, s, 1);
            s++;
        }
    }
    s_html_break(&h);
    while (h.out.len && h.out.data[h.out.len - 1] == '\n')
        h.out.data[--h.out.len] = '\0';
    if (out_len)
        *out_len = h.out.len;
    return buf_steal(&h.out);
}

/* ---------------------------------------------------------------- the driver */

typedef enum {
    S_POD_START,      /* nothing asked yet */
    S_POD_FEED,       /* the feed was asked for */
    S_POD_TRANSCRIPT, /* a transcript was asked for */
    S_POD_DONE,       /* result ready */
    S_POD_OVER,       /* failed, or result taken */
} s_pod_phase_t;

typedef enum { S_TF_JSON, S_TF_VTT, S_TF_SRT, S_TF_HTML, S_TF_TEXT, S_TF_NONE } s_tfmt_t;

typedef struct {
    char *url;      /* owned: as given, fragment included */
    char *feed_url; /* owned: without the fragment */
    char *episode;  /* owned selector, or NULL for the latest */
    char *lang;     /* owned preferred language */
    s_pod_phase_t phase;
    podcast_feed_t *feed;                  /* owned */
    const podcast_item_t *item;            /* borrowed from feed */
    size_t order[PODCAST_MAX_TRANSCRIPTS]; /* transcripts to try, best first */
    size_t n_order;
    size_t next;     /* candidates asked for so far */
    err_t first;     /* why the first candidate failed */
    transcript_t *t; /* owned until result */
    source_meta_t meta;
    int64_t retry_after_ms;
} s_pod_t;

static const char *const s_feed_headers[] = {
    "Accept: application/rss+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5", NULL};

static bool s_is_http(const char *url)
{
    return url && (strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0);
}

static bool s_ends_with(const char *s, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n >= k && strncasecmp(s + n - k, suffix, k) == 0;
}

bool podcast_match(const char *url)
{
    if (!s_is_http(url))
        return false;
    const char *host = strstr(url, "://") + 3;
    size_t host_len = strcspn(host, "/?#");
    if (strncasecmp(host, "feeds.", 6) == 0 || strncasecmp(host, "feed.", 5) == 0)
        return true;
    const char *path = host + host_len;
    size_t n = strcspn(path, "?#");
    static const char *const shapes[] = {".rss", ".xml", "/feed", "/feed/", "/rss", "/rss/", NULL};
    for (const char *const *s = shapes; *s; s++)
        if (s_ends_with(path, n, *s))
            return true;
    return false;
}

static int s_hex(char c)
{
    return isdigit((unsigned char)c)    ? c - '0'
           : isxdigit((unsigned char)c) ? tolower((unsigned char)c) - 'a' + 10
                                        : -1;
}

static char *s_pct_decode(const char *s, size_t n)
{
    char *out = mem_alloc(n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        int hi = s[i] == '%' && i + 2 < n ? s_hex(s[i + 1]) : -1;
        int lo = hi >= 0 ? s_hex(s[i + 2]) : -1;
        if (lo >= 0) {
            *o++ = (char)(hi * 16 + lo);
            i += 2;
        } else {
            *o++ = s[i] == '+' ? ' ' : s[i];
        }
    }
    *o = '\0';
    return out;
}

/* The "episode=" value of a URL's fragment ("…/feed.xml#episode=3"), or NULL. */
static char *s_fragment_episode(const char *url)
{
    const char *hash = strchr(url, '#');
    if (!hash)
        return NULL;
    for (const char *p = hash + 1; *p;) {
        size_t n = strcspn(p, "&");
        if (n > 8 && strncmp(p, "episode=", 8) == 0)
            return s_pct_decode(p + 8, n - 8);
        p += n + (p[n] == '&');
    }
    return NULL;
}

void *podcast_state_new(const char *url, const srcdrv_opts_t *opts, err_t *err)
{
    if (!s_is_http(url)) {
        err_set(err, LODE_EUNSUPPORTED, "podcast: not an http(s) URL: '%.120s'", url ? url : "");
        return NULL;
    }
    s_pod_t *p = mem_calloc(1, sizeof *p);
    p->url = mem_strdup(url);
    p->feed_url = mem_strndup(url, strcspn(url, "#"));
    if (opts && opts->episode && *opts->episode)
        p->episode = mem_strdup(opts->episode);
    else
        p->episode = s_fragment_episode(url);
    p->lang = mem_strdup(opts && opts->lang && *opts->lang ? opts->lang : "en");
    p->retry_after_ms = -1;
    return p;
}

static void s_get(http_req_t *req, const char *url, const char *const *headers, bool binary)
{
    memset(req, 0, sizeof *req);
    req->method = "GET";
    req->url = url;
    req->headers = headers;
    req->allow_binary = binary;
}

static s_tfmt_t s_type_format(const char *type)
{
    static const struct {
        const char *type;
        s_tfmt_t fmt;
    } map[] = {{"application/json", S_TF_JSON}, {"text/json", S_TF_JSON},
               {"text/vtt", S_TF_VTT},          {"application/x-subrip", S_TF_SRT},
               {"application/srt", S_TF_SRT},   {"text/srt", S_TF_SRT},
               {"text/x-srt", S_TF_SRT},        {"application/x-srt", S_TF_SRT},
               {"text/html", S_TF_HTML},        {"application/xhtml+xml", S_TF_HTML},
               {"text/plain", S_TF_TEXT}};

    for (size_t i = 0; type && i < sizeof map / sizeof map[0]; i++)
        if (strcmp(type, map[i].type) == 0)
            return map[i].fmt;
    return S_TF_NONE;
}

/* Same language: "en" matches "en-US" and "EN". */
static bool s_lang_match(const char *a, const char *b)
{
    if (!a || !b)
        return false;
    size_t na = strcspn(a, "-_"), nb = strcspn(b, "-_");
    return na == nb && strncasecmp(a, b, na) == 0;
}

/* Lower is better: the preferred language first, then the format order
 * JSON, VTT, SRT, HTML, text, then captions, then feed order. */
static int s_score(const s_pod_t *p, const podcast_transcript_t *tr)
{
    const char *lang = tr->language ? tr->language : p->feed->language;
    int lang_miss = lang && !s_lang_match(lang, p->lang);
    return lang_miss * 100 + (int)s_type_format(tr->type) * 2 + !tr->captions;
}

static void s_rank(s_pod_t *p)
{
    const podcast_item_t *it = p->item;
    p->n_order = 0;
    for (size_t i = 0; i < it->n_transcripts; i++) {
        if (s_type_format(it->transcripts[i].type) == S_TF_NONE)
            continue;
        int sc = s_score(p, &it->transcripts[i]);
        size_t j = p->n_order++;
        /* Insertion sort, stable: ties keep feed order. */
        for (; j > 0 && s_score(p, &it->transcripts[p->order[j - 1]]) > sc; j--)
            p->order[j] = p->order[j - 1];
        p->order[j] = i;
    }
}

static srcdrv_step_t s_pod_no_transcript(s_pod_t *p, err_t *err)
{
    const podcast_item_t *it = p->item;
    const char *title = it->title ? it->title : (it->guid ? it->guid : "untitled");
    if (it->n_transcripts > 0) {
        err_set(err, LODE_EUNSUPPORTED,
                "podcast: episode '%.80s' has transcripts only in unsupported formats (%.40s)",
                title, it->transcripts[0].type[0] ? it->transcripts[0].type : "no type");
    } else if (!it->enclosure_url) {
        err_set(err, LODE_ENOTFOUND,
                "podcast: no published transcript for episode '%.80s' (found no enclosure)", title);
    } else if (it->enclosure_bytes > 0) {
        err_set(err, LODE_ENOTFOUND,
                "podcast: no published transcript for episode '%.80s' (found enclosure %.40s, "
                "%.1f MB)",
                title, it->enclosure_type ? it->enclosure_type : "of unknown type",
                (double)it->enclosure_bytes / 1e6);
    } else {
        err_set(err, LODE_ENOTFOUND,
                "podcast: no published transcript for episode '%.80s' (found enclosure %.40s, "
                "size unknown)",
                title, it->enclosure_type ? it->enclosure_type : "of unknown type");
    }
    p->phase = S_POD_OVER;
    return SRCDRV_FAIL;
}

static const podcast_transcript_t *s_candidate(const s_pod_t *p)
{
    return &p->item->transcripts[p->order[p->next - 1]];
}

/* Ask for the next candidate transcript, or fail with the first failure. */
static srcdrv_step_t s_pod_next(s_pod_t *p, http_req_t *req, err_t *err)
{
    if (p->next == p->n_order) {
        err_set(err, p->first.code, "%s", p->first.msg);
        p->phase = S_POD_OVER;
        return SRCDRV_FAIL;
    }
    p->next++;
    /* Binary allowed: the feed declared the type, and some servers label
     * SRT or VTT as application/octet-stream; audio and video are refused
     * after the fact (s_pod_transcript). */
    s_get(req, s_candidate(p)->url, NULL, true);
    p->phase = S_POD_TRANSCRIPT;
    return SRCDRV_REQUEST;
}

static srcdrv_step_t s_pod_feed(s_pod_t *p, const http_resp_t *resp, http_req_t *req, err_t *err)
{
    p->phase = S_POD_OVER;
    if (webdrv_check_resp(resp, "podcast: feed", &p->retry_after_ms, err) != 0)
        return SRCDRV_FAIL;
    const char *base = resp->final_url && *resp->final_url ? resp->final_url : p->feed_url;
    p->feed = podcast_feed_parse(resp->body, resp->body_len, base, err);
    if (!p->feed)
        return SRCDRV_FAIL;
    p->item = podcast_feed_episode(p->feed, p->episode, err);
    if (!p->item)
        return SRCDRV_FAIL;
    s_rank(p);
    if (p->n_order == 0)
        return s_pod_no_transcript(p, err);
    return s_pod_next(p, req, err);
}

/* The transcript's real format: the body's shape first (feeds mislabel
 * files), then the type the feed declared, then the response's type. */
static s_tfmt_t s_sniff(const char *body, size_t len, const char *declared, const char *got)
{
    const char *s = body;
    size_t n = len;
    if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
        s += 3, n -= 3;
    while (n && s_is_space(*s))
        s++, n--;
    if (n >= 6 && memcmp(s, "WEBVTT", 6) == 0)
        return S_TF_VTT;
    if (n && (*s == '{' || *s == '['))
        return S_TF_JSON;
    if (n && source_format_guess(NULL, s, n) == SOURCE_FMT_SRT)
        return S_TF_SRT;
    if (n && *s == '<')
        return S_TF_HTML;
    s_tfmt_t f = s_type_format(declared);
    return f != S_TF_NONE ? f : (s_type_format(got) != S_TF_NONE ? s_type_format(got) : S_TF_TEXT);
}

static transcript_t *
s_parse_transcript(const http_resp_t *resp, s_tfmt_t fmt, source_meta_t *pm, err_t *err)
{
    if (fmt == S_TF_JSON)
        return podcast_json_transcript(resp->body, resp->body_len, err);
    if (fmt != S_TF_HTML) {
        source_format_t sf = fmt == S_TF_VTT   ? SOURCE_FMT_VTT
                             : fmt == S_TF_SRT ? SOURCE_FMT_SRT
                                               : SOURCE_FMT_TEXT;
        return source_parse(NULL, resp->body, resp->body_len, sf, pm, err);
    }
    size_t n = 0;
    char *text = podcast_html_text(resp->body, resp->body_len, &n);
    transcript_t *t = source_parse(NULL, text, n, SOURCE_FMT_TEXT, pm, err);
    free(text);
    return t;
}

static char *s_dup(const char *s)
{
    return s ? mem_strdup(s) : NULL;
}

static int64_t s_last_end(const transcript_t *t)
{
    for (size_t i = t->n_segs; i-- > 0;)
        if (t->segs[i].end_ms >= 0)
            return t->segs[i].end_ms;
    return -1;
}

static void s_pod_meta(s_pod_t *p, const podcast_transcript_t *tr, s_tfmt_t fmt, source_meta_t *pm)
{
    static const char *const names[] = {"json", "vtt", "srt", "html", "text", "text"};
    const podcast_feed_t *f = p->feed;
    const podcast_item_t *it = p->item;
    source_meta_t *m = &p->meta;
    m->kind = mem_strdup("podcast");
    m->format = mem_strdup(names[fmt]);
    m->title = s_dup(it->title ? it->title : f->title);
    m->author = s_dup(it->author ? it->author : (f->author ? f->author : f->title));
    m->site = s_dup(f->title);
    m->published = s_dup(it->published);
    m->language = s_dup(tr->language ? tr->language : (f->language ? f->language : pm->language));
    m->runtime_ms = it->duration_ms >= 0 ? it->duration_ms : s_last_end(p->t);
    if (it->link)
        m->url = mem_strdup(it->link);
    else if (s_is_http(it->guid))
        m->url = mem_strdup(it->guid);
    else
        m->url = mem_strdup(p->url);
    m->n_repaired = pm->n_repaired;
    m->n_skipped = pm->n_skipped;
}

static bool s_media_refused(const char *type)
{
    return type && (strncmp(type, "audio/", 6) == 0 || strncmp(type, "video/", 6) == 0 ||
                    strncmp(type, "image/", 6) == 0 || strcmp(type, "application/pdf") == 0 ||
                    strcmp(type, "application/zip") == 0);
}

static srcdrv_step_t
s_pod_transcript(s_pod_t *p, const http_resp_t *resp, http_req_t *req, err_t *err)
{
    const podcast_transcript_t *tr = s_candidate(p);
    err_t e = {0};
    source_meta_t pm = {0};
    if (webdrv_check_resp(resp, "podcast: transcript", &p->retry_after_ms, &e) != 0 &&
        err_retryable(e.code)) {
        err_set(err, e.code, "%s", e.msg);
        p->phase = S_POD_OVER;
        return SRCDRV_FAIL;
    }
    if (!e.code && s_media_refused(resp->content_type))
        err_set(&e, LODE_EUNSUPPORTED, "podcast: transcript %.120s is %s, not a transcript",
                tr->url, resp->content_type);
    s_tfmt_t fmt = S_TF_NONE;
    if (!e.code) {
        fmt = s_sniff(resp->body, resp->body_len, tr->type, resp->content_type);
        p->t = s_parse_transcript(resp, fmt, &pm, &e);
        if (!p->t)
            err_prefix(&e, "podcast: transcript %.120s", tr->url);
    }
    if (p->t) {
        pm.n_repaired += resp->n_replaced; /* bytes the HTTP layer already replaced */
        s_pod_meta(p, tr, fmt, &pm);
        source_meta_clear(&pm);
        p->phase = S_POD_DONE;
        return SRCDRV_DONE;
    }
    source_meta_clear(&pm);
    err_set(&p->first, e.code, "%s", e.msg);
    return s_pod_next(p, req, err);
}

static srcdrv_step_t s_pod_step(void *state, const http_resp_t *resp, http_req_t *req, err_t *err)
{
    s_pod_t *p = state;
    if (p->phase == S_POD_START && !resp) {
        s_get(req, p->feed_url, s_feed_headers, false);
        p->phase = S_POD_FEED;
        return SRCDRV_REQUEST;
    }
    /* A response on the first call is the feed itself, already fetched by
     * the web driver (the hand-over described in podcast.h). */
    if (p->phase == S_POD_START)
        p->phase = S_POD_FEED;
    if (!resp || p->phase >= S_POD_DONE) {
        err_set(err, LODE_ESTATE, "podcast: step called %s",
                resp ? "after the end" : "without the response");
        return SRCDRV_FAIL;
    }
    if (p->phase == S_POD_FEED)
        return s_pod_feed(p, resp, req, err);
    return s_pod_transcript(p, resp, req, err);
}

static int s_pod_result(void *state, transcript_t **t, source_meta_t *meta, err_t *err)
{
    s_pod_t *p = state;
    if (p->phase != S_POD_DONE) {
        err_set(err, LODE_ESTATE, "podcast: no result (the driver is not done)");
        return -1;
    }
    *t = p->t;
    p->t = NULL;
    *meta = p->meta;
    memset(&p->meta, 0, sizeof p->meta);
    p->phase = S_POD_OVER;
    return 0;
}

static int64_t s_pod_retry_after(const void *state)
{
    return ((const s_pod_t *)state)->retry_after_ms;
}

static void s_pod_destroy(void *state)
{
    s_pod_t *p = state;
    if (!p)
        return;
    free(p->url);
    free(p->feed_url);
    free(p->episode);
    free(p->lang);
    podcast_feed_destroy(&p->feed);
    transcript_destroy(&p->t);
    source_meta_clear(&p->meta);
    free(p);
}

const srcdrv_ops_t podcast_ops = {
    .name = "podcast",
    .step = s_pod_step,
    .result = s_pod_result,
    .urls = NULL,
    .retry_after_ms = s_pod_retry_after,
    .destroy = s_pod_destroy,
};
