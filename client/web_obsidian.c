/*  web_obsidian.c - a document as Markdown for an Obsidian vault: YAML
 *  front matter (title, source, author, published, tags) written as JSON
 *  strings, which YAML reads as they are; each kept snippet as a quote
 *  with its commentary and a link to its moment; the synthesis and the
 *  fan-out. Text from the source or a model is neutralised: "[[" and "]]"
 *  and a "#word" are escaped so they never become vault links or tags.
 *  SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "web_doc.h"

#define WEB_MD_MAX (256u * 1024 * 1024)

/* Untrusted text (n bytes) into Markdown: escape wiki links and tags. */
static void s_safe_n(wb_t *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i], next = i + 1 < n ? s[i + 1] : '\0';
        bool start = i == 0 || isspace((unsigned char)s[i - 1]);
        if ((c == '[' || c == ']') && next == c) {
            wb_raw(b, c == '[' ? "\\[\\[" : "\\]\\]");
            i++;
        } else if (c == '#' && start && next && !isspace((unsigned char)next) && next != '#')
            wb_raw(b, "\\#");
        else
            wb_rawn(b, &s[i], 1);
    }
}

static void s_safe(wb_t *b, const char *s)
{
    if (s)
        s_safe_n(b, s, strlen(s));
}

/* Every line of s prefixed with pre, neutralised. */
static void s_lines(wb_t *b, const char *pre, const char *s)
{
    while (s && *s) {
        size_t n = strcspn(s, "\n");
        wb_raw(b, pre);
        s_safe_n(b, s, n);
        wb_raw(b, "\n");
        s += n + (s[n] == '\n');
    }
}

static void s_yaml(wb_t *b, const char *key, const char *value)
{
    if (!value)
        return;
    json_t *v = json_string(value);
    char *q = v ? json_dumps(v, JSON_ENCODE_ANY) : NULL;
    if (q) {
        wb_raw(b, key);
        wb_raw(b, ": ");
        wb_raw(b, q);
        wb_raw(b, "\n");
    }
    free(q);
    json_decref(v);
}

static void s_front(wb_t *b, const json_t *doc, const char *title)
{
    const json_t *src = json_object_get(doc, "source");
    wb_raw(b, "---\n");
    s_yaml(b, "title", title);
    s_yaml(b, "source", web_jstr(doc, "url") ? web_jstr(doc, "url") : web_jstr(src, "url"));
    s_yaml(b, "author", web_jstr(src, "author"));
    s_yaml(b, "published", web_jstr(src, "published"));
    s_yaml(b, "lode_id", web_jstr(doc, "id"));
    wb_raw(b, "tags: [lode");
    const char *kind = web_jstr(src, "kind");
    if (kind) {
        wb_raw(b, ", ");
        for (const char *k = kind; *k; k++)
            if (isalnum((unsigned char)*k))
                wb_rawn(b, k, 1);
    }
    wb_raw(b, "]\n---\n\n# ");
    s_safe(b, title);
    wb_raw(b, "\n\n");
}

static void s_snippets(wb_t *b, const json_t *doc)
{
    const json_t *snips = json_object_get(doc, "snippets");
    const char *url = web_jstr(doc, "url");
    const char *kind = web_jstr(json_object_get(doc, "source"), "kind");
    wb_raw(b, "## Snippets\n\n");
    for (size_t i = 0; i < json_array_size(snips); i++) {
        const json_t *sn = json_array_get(snips, i);
        if (json_is_false(json_object_get(sn, "kept")))
            continue;
        s_lines(b, "> ", web_jstr(sn, "quote"));
        wb_raw(b, "\n");
        s_lines(b, "", web_jstr(sn, "commentary"));
        wb_t m;
        wb_init(&m, 16384);
        const json_t *t = json_object_get(sn, "start_ms");
        if (web_moment_url(&m, url, kind, sn) && !m.over && !strpbrk(m.data, "()<> ")) {
            wb_raw(b, "\n[");
            if (json_is_integer(t))
                web_doc_clock(b, (long long)json_integer_value(t));
            else
                wb_raw(b, "source");
            wb_raw(b, "](");
            wb_raw(b, m.data);
            wb_raw(b, ")\n");
        }
        wb_free(&m);
        wb_raw(b, "\n");
    }
}

static void s_rest(wb_t *b, const json_t *doc)
{
    const json_t *syn = json_object_get(doc, "synthesis");
    if (web_jstr(syn, "markdown")) {
        wb_raw(b, "## Synthesis\n\n");
        s_lines(b, "", web_jstr(syn, "markdown"));
        wb_raw(b, "\n");
    }
    const json_t *fan = json_object_get(doc, "fanout");
    static const char *const lists[] = {"questions", "concepts", "references"};
    static const char *const titles[] = {"Questions raised", "Concepts to learn",
                                         "References invoked"};
    for (size_t l = 0; l < 3; l++) {
        const json_t *items = json_object_get(fan, lists[l]);
        if (json_array_size(items) == 0)
            continue;
        wb_raw(b, "## ");
        wb_raw(b, titles[l]);
        wb_raw(b, "\n\n");
        for (size_t i = 0; i < json_array_size(items); i++)
            s_lines(b, "- ", json_string_value(json_array_get(items, i)));
        wb_raw(b, "\n");
    }
}

char *web_obsidian(const json_t *doc)
{
    wb_t b;
    wb_init(&b, WEB_MD_MAX);
    const json_t *src = json_object_get(doc, "source");
    const char *title = web_jstr(src, "title");
    if (!title)
        title = web_jstr(json_object_get(doc, "synthesis"), "title");
    if (!title)
        title = web_jstr(doc, "id");
    s_front(&b, doc, title);
    s_snippets(&b, doc);
    s_rest(&b, doc);
    return wb_steal(&b, NULL);
}
