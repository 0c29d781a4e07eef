/*  doc_md.c - a document as Markdown, rendered from the same assembled JSON
 *  that doc_to_json exports (doc_build), so the two never disagree.
 *  SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "doc_impl.h"
#include "mem.h"

#define DOC_MD_MAX (512u * 1024 * 1024)

static const char *const s_list_titles[DOC_N_LISTS] = {"Questions raised", "Concepts to learn",
                                                       "References invoked"};

static void s_md_put(buf_t *b, const char *s)
{
    err_t err = {0};
    /* The limit is far above any document we could have loaded. */
    if (buf_puts(b, s, &err) != 0)
        abort();
}

static void s_md_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void s_md_printf(buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        abort();
    char *s = mem_alloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    s_md_put(b, s);
    free(s);
}

static void s_fmt_clock(int64_t ms, char out[32])
{
    int64_t s = ms / 1000;
    if (s >= 3600)
        snprintf(out, 32, "%lld:%02lld:%02lld", (long long)(s / 3600), (long long)(s / 60 % 60),
                 (long long)(s % 60));
    else
        snprintf(out, 32, "%lld:%02lld", (long long)(s / 60), (long long)(s % 60));
}

/* Each line of text prefixed with pre (quote blocks, list items). */
static void s_md_lines(buf_t *b, const char *pre, const char *text)
{
    while (*text) {
        size_t n = strcspn(text, "\n");
        s_md_put(b, pre);
        s_md_printf(b, "%.*s\n", (int)n, text);
        text += n + (text[n] == '\n');
    }
}

static void s_md_fact(buf_t *b, const json_t *obj, const char *key, const char *label)
{
    const char *v = json_string_value(json_object_get(obj, key));
    if (v && *v)
        s_md_printf(b, "- **%s:** %s\n", label, v);
}

static void s_md_source(buf_t *b, const json_t *d)
{
    const json_t *src = json_object_get(d, "source");
    const char *title = json_string_value(json_object_get(src, "title"));
    const char *url = json_string_value(json_object_get(d, "url"));
    const char *id = json_string_value(json_object_get(d, "id"));
    s_md_printf(b, "# %s\n\n", title ? title : url ? url : id ? id : "Untitled");
    s_md_fact(b, src, "author", "Author");
    s_md_fact(b, src, "published", "Published");
    const json_t *rt = json_object_get(src, "runtime_s");
    if (json_is_integer(rt) && json_integer_value(rt) > 0) {
        char clock[32];
        s_fmt_clock((int64_t)json_integer_value(rt) * 1000, clock);
        s_md_printf(b, "- **Runtime:** %s\n", clock);
    }
    s_md_fact(b, src, "kind", "Kind");
    s_md_fact(b, src, "language", "Language");
    const json_t *sp = json_object_get(src, "speakers");
    if (json_array_size(sp) > 0) {
        s_md_put(b, json_array_size(sp) > 1 ? "- **Speakers:** A conversation between "
                                            : "- **Speaker:** ");
        for (size_t i = 0; i < json_array_size(sp); i++) {
            const char *name = json_string_value(json_array_get(sp, i));
            s_md_printf(b, "%s%s",
                        i == 0                         ? ""
                        : i + 1 == json_array_size(sp) ? " and "
                                                       : ", ",
                        name ? name : "?");
        }
        s_md_put(b, "\n");
    }
    s_md_fact(b, d, "url", "URL");
    const char *state = json_string_value(json_object_get(d, "state"));
    s_md_printf(b, "- **Job:** %s (%s)\n\n", id ? id : "?", state ? state : "state unknown");
}

static void s_md_snippets(buf_t *b, const json_t *arr)
{
    if (!json_is_array(arr))
        return;
    s_md_put(b, "## Snippets\n\n");
    size_t i;
    const json_t *sn;
    json_array_foreach(arr, i, sn)
    {
        if (json_is_false(json_object_get(sn, "kept")))
            continue;
        s_md_lines(b, "> ", json_string_value(json_object_get(sn, "quote")));
        const json_t *at = json_object_get(sn, "start_ms");
        const char *who = json_string_value(json_object_get(sn, "speaker"));
        if (json_is_integer(at)) {
            char clock[32];
            s_fmt_clock((int64_t)json_integer_value(at), clock);
            s_md_printf(b, ">\n> — [%s]%s%s\n", clock, who ? " " : "", who ? who : "");
        } else if (who) {
            s_md_printf(b, ">\n> — %s\n", who);
        }
        const json_t *prop = json_object_get(sn, "proposed");
        s_md_printf(b, "\n%s%s\n\n", json_string_value(json_object_get(sn, "commentary")),
                    json_object_get(prop, "commentary") ? " *(edited)*" : "");
    }
}

/* Synthesis headings go one level down so its title is a section. */
static void s_md_synthesis(buf_t *b, const json_t *syn)
{
    if (!json_is_object(syn))
        return;
    const char *md = json_string_value(json_object_get(syn, "markdown"));
    char *heading = md ? doc_heading(md) : NULL;
    if (!heading)
        s_md_put(b, "## Synthesis\n\n");
    free(heading);
    bool fence = false;
    while (md && *md) {
        size_t n = strcspn(md, "\n");
        if (strncmp(md, "```", 3) == 0)
            fence = !fence;
        if (!fence && md[0] == '#')
            s_md_put(b, "#");
        s_md_printf(b, "%.*s\n", (int)n, md);
        md += n + (md[n] == '\n');
    }
    s_md_put(b, json_object_get(syn, "proposed") ? "\n*(edited)*\n\n" : "\n");
}

/* A concept's or reference's note (the sentence that defines or names it,
 * a reference's type), matched by the item's text; NULL when none. */
static const json_t *s_md_note(const json_t *fan, size_t list, const char *item)
{
    static const char *const notes[DOC_N_LISTS] = {NULL, "concept_notes", "reference_notes"};
    static const char *const keys[DOC_N_LISTS] = {NULL, "concept", "reference"};
    if (list >= DOC_N_LISTS || !notes[list] || !item)
        return NULL;
    size_t i;
    const json_t *n;
    json_array_foreach(json_object_get(fan, notes[list]), i, n)
    {
        const char *name = json_string_value(json_object_get(n, keys[list]));
        if (name && strcmp(name, item) == 0)
            return n;
    }
    return NULL;
}

static void s_md_fanout(buf_t *b, const json_t *fan)
{
    if (!json_is_object(fan))
        return;
    s_md_put(b, "## Fan-out\n\n");
    for (size_t l = 0; l < DOC_N_LISTS; l++) {
        const json_t *arr = json_object_get(fan, doc_list_names[l]);
        if (json_array_size(arr) == 0)
            continue;
        s_md_printf(b, "### %s\n\n", s_list_titles[l]);
        size_t i;
        const json_t *v;
        json_array_foreach(arr, i, v)
        {
            const char *item = json_string_value(v);
            const json_t *note = s_md_note(fan, l, item);
            const char *type = json_string_value(json_object_get(note, "type"));
            const char *sentence = json_string_value(json_object_get(note, "sentence"));
            s_md_printf(b, "%zu. %s", i + 1, item);
            if (type)
                s_md_printf(b, " *(%s)*", type);
            s_md_put(b, "\n");
            if (sentence && *sentence)
                s_md_printf(b, "   > %s\n", sentence);
        }
        s_md_put(b, "\n");
    }
}

static void s_md_curation(buf_t *b, const json_t *cur)
{
    const json_t *changed = json_object_get(cur, "changed");
    if (json_array_size(changed) == 0)
        return;
    s_md_put(b, "## Curation\n\n");
    size_t i;
    const json_t *c;
    json_array_foreach(changed, i, c)
        s_md_printf(b, "- %s\n", json_string_value(json_object_get(c, "summary")));
    s_md_put(b, "\n");
}

/* Which model and prompt made what: the provenance a reader of an export
 * needs to weigh the commentary and the essay. */
static void s_md_made(buf_t *b, const json_t *made)
{
    if (json_object_size(made) == 0)
        return;
    s_md_put(b, "## Made by\n\n");
    const char *part;
    const json_t *m;
    json_object_foreach((json_t *)made, part, m)
    {
        const char *engine = json_string_value(json_object_get(m, "engine"));
        const char *model = json_string_value(json_object_get(m, "model"));
        const char *hash = json_string_value(json_object_get(m, "prompt_hash"));
        s_md_printf(b, "- %s: %s %s, prompt %.19s\n", part, engine ? engine : "?",
                    model ? model : "?", hash ? hash : "?");
    }
    s_md_put(b, "\n");
}

char *doc_to_markdown(const doc_t *self)
{
    json_t *d = doc_build(self);
    buf_t b;
    buf_init(&b, DOC_MD_MAX);
    s_md_source(&b, d);
    s_md_snippets(&b, json_object_get(d, "snippets"));
    s_md_synthesis(&b, json_object_get(d, "synthesis"));
    s_md_fanout(&b, json_object_get(d, "fanout"));
    s_md_made(&b, json_object_get(d, "made_by"));
    s_md_curation(&b, json_object_get(d, "curation"));
    json_decref(d);
    return buf_steal(&b);
}
