/*  podcast_feed.c - RSS 2.0 to the feed model (podcast_feed_t): a bounded
 *  XML scanner of our own and the feed builder over it (namespaces, items,
 *  enclosures, <podcast:transcript> tags). No general XML: DTDs are skipped
 *  and custom entities never expanded. Does not choose an episode.
 *  SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mem.h"
#include "podcast_impl.h"

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
    return !podcast_is_space(c) && c != '>' && c != '/' && c != '=' && c != '<';
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
        close = podcast_find(p + 4, (size_t)(end - p - 4), "-->");
        x->pos = close ? (size_t)(close + 3 - x->s) : x->pos;
    } else if (end - p >= 2 && p[1] == '?') {
        close = podcast_find(p + 2, (size_t)(end - p - 2), "?>");
        x->pos = close ? (size_t)(close + 2 - x->s) : x->pos;
    } else {
        /* <!DOCTYPE …[ internal subset ]>: skipped whole, never expanded. */
        const char *brk = memchr(p, '[', (size_t)(end - p));
        const char *gt = memchr(p, '>', (size_t)(end - p));
        if (brk && gt && brk < gt)
            gt = (close = podcast_find(brk, (size_t)(end - brk), "]>")) ? close + 1 : NULL;
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
    const char *gt = podcast_tag_end(q, end);
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
            const char *close = podcast_find(p + 9, (size_t)(end - p - 9), "]]>");
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

/* One attribute: its name and raw (undecoded) value. */
typedef struct {
    const char *name, *val;
    size_t name_len, val_len;
} s_attr_t;

static const char *s_skip_space(const char *p, const char *end)
{
    while (p < end && podcast_is_space(*p))
        p++;
    return p;
}

/* The quoted value at *pp: 1, a's value set and *pp past it; 0 when it is
 * not quoted. */
static int s_attr_value(const char **pp, const char *end, s_attr_t *a)
{
    const char *p = *pp;
    char q = p < end ? *p : 0;
    if (q != '"' && q != '\'')
        return 0;
    const char *v0 = ++p;
    while (p < end && *p != q)
        p++;
    a->val = v0;
    a->val_len = (size_t)(p - v0);
    *pp = p < end ? p + 1 : p;
    return 1;
}

/* Next attribute of an attribute list: 1 and *a, 0 at the end. Malformed
 * pieces are skipped. */
static int s_attr_next(const char **pp, const char *end, s_attr_t *a)
{
    const char *p = *pp;
    for (;;) {
        while (p < end && (podcast_is_space(*p) || *p == '/'))
            p++;
        if (p >= end)
            return 0;
        a->name = p;
        while (p < end && s_name_char(*p))
            p++;
        a->name_len = (size_t)(p - a->name);
        p = s_skip_space(p, end);
        if (p >= end || *p != '=') {
            p += p < end && a->name_len == 0;
            continue; /* an attribute without a value: skipped */
        }
        p = s_skip_space(p + 1, end);
        if (s_attr_value(&p, end, a)) {
            *pp = p;
            return 1;
        }
    }
}

/* A new decoded copy of attribute name (exact, case-sensitive), or NULL. */
static char *s_attr(const s_xt_t *t, const char *want)
{
    const char *p = t->attrs, *end = t->attrs + t->attrs_len;
    s_attr_t a;
    while (s_attr_next(&p, end, &a))
        if (a.name_len == strlen(want) && memcmp(a.name, want, a.name_len) == 0) {
            buf_t b;
            buf_init(&b, PODCAST_MAX_FIELD);
            podcast_put_decoded(&b, a.val, a.val_len, false);
            char *s = podcast_field_string(b.data ? b.data : "", b.len);
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
    S_F_PERSON, /* <podcast:person> of the channel or of the current item */
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
    char root[32];    /* the first element's name, for the error message */
    char *role;       /* owned: the open <podcast:person>'s role, lower case */
    bool item_person; /* the open <podcast:person> is an item's */
} s_feed_builder_t;

static s_ns_t s_ns_of_uri(const char *uri)
{
    if (!uri)
        return S_NS_OTHER;
    size_t n = strlen(uri);
    if (podcast_find_ci(uri, n, "itunes.com/dtds/podcast-1.0.dtd"))
        return S_NS_ITUNES;
    if (podcast_find_ci(uri, n, "podcastindex.org/namespace/1.0") ||
        podcast_find_ci(uri, n, "podcastindex-org/podcast-namespace"))
        return S_NS_PODCAST;
    return S_NS_OTHER;
}

static void s_bind_namespaces(s_feed_builder_t *fb, const s_xt_t *t)
{
    const char *p = t->attrs, *end = t->attrs + t->attrs_len;
    s_attr_t a;
    while (s_attr_next(&p, end, &a)) {
        if (a.name_len <= 6 || memcmp(a.name, "xmlns:", 6) != 0 || fb->n_bind == S_MAX_BINDINGS)
            continue;
        char *uri = mem_strndup(a.val, a.val_len);
        fb->bind[fb->n_bind++] = (s_binding_t){.prefix = a.name + 6,
                                               .prefix_len = a.name_len - 6,
                                               .ns = s_ns_of_uri(uri),
                                               .depth = fb->depth};
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

/* A <podcast:person> of the channel or an item opens: its text is
 * collected as a field, its role kept until it closes. */
static bool
s_person_open(s_feed_builder_t *fb, const s_xt_t *t, s_ns_t ns, const char *l, size_t ll)
{
    s_elem_t parent = fb->depth ? fb->stack[fb->depth - 1] : S_E_OTHER;
    if (ns != S_NS_PODCAST || !s_is(l, ll, "person") ||
        (parent != S_E_CHANNEL && parent != S_E_ITEM))
        return false;
    free(fb->role);
    fb->role = s_attr(t, "role");
    for (char *p = fb->role; p && *p; p++)
        *p = (char)tolower((unsigned char)*p);
    fb->item_person = parent == S_E_ITEM;
    fb->field = S_F_PERSON;
    return true;
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
    else if ((ns == S_NS_ITUNES || ns == S_NS_CORE) && s_is(l, ll, "author"))
        *f = S_F_IT_AUTHOR; /* RSS 2.0's is "address (Name)": podcast_author_name */
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
    if (s_person_open(fb, t, ns, l, ll))
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

/* The closing <podcast:person>'s name to its item or channel, at most
 * PODCAST_MAX_PERSONS each; an unnamed person is dropped. */
static void s_person_end(s_feed_builder_t *fb, char *name)
{
    podcast_item_t *it = fb->item_person ? s_item(fb) : NULL;
    podcast_person_t **list = it ? &it->persons : &fb->feed->persons;
    size_t *n = it ? &it->n_persons : &fb->feed->n_persons;
    char *role = fb->role;
    fb->role = NULL;
    if (!name || (fb->item_person && !it) || *n == PODCAST_MAX_PERSONS) {
        free(name);
        free(role);
        return;
    }
    if (!role || !*role) {
        free(role);
        role = mem_strdup("host");
    }
    if (!*list)
        *list = mem_calloc(PODCAST_MAX_PERSONS, sizeof **list);
    (*list)[(*n)++] = (podcast_person_t){.name = name, .role = role};
}

static void s_field_end(s_feed_builder_t *fb)
{
    char *v = podcast_field_string(fb->text.data ? fb->text.data : "", fb->text.len);
    buf_reset(&fb->text);
    podcast_feed_t *f = fb->feed;
    podcast_item_t *it = s_item(fb);
    if (fb->field == S_F_PERSON) {
        s_person_end(fb, v);
        return;
    }
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
            podcast_put_decoded(&fb->text, t.text, t.text_len, t.cdata);
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
    free(fb->role);
    free(fb);
    if (rc != 0)
        podcast_feed_destroy(&feed);
    return feed;
}

static void s_persons_free(podcast_person_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(p[i].name);
        free(p[i].role);
    }
    free(p);
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
    s_persons_free(it->persons, it->n_persons);
}

void podcast_feed_destroy(podcast_feed_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    podcast_feed_t *f = *self_p;
    for (size_t i = 0; i < f->n_items; i++)
        s_item_free(&f->items[i]);
    free(f->items);
    s_persons_free(f->persons, f->n_persons);
    free(f->title);
    free(f->author);
    free(f->language);
    free(f->link);
    free(f);
    *self_p = NULL;
}
