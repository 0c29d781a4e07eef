/*  doc.c - assemble a job's document from its stored parts and apply the
 *  curation layer at read time. The layer is a separate JSON object that
 *  holds only what a person changed:
 *    {"version": 1,
 *     "snippets": {"ID": {"offset", "length",        fingerprint of the quote
 *                         "kept": false, "commentary": "…", "moved": true}},
 *     "order": [ID…],                                curated order, when moved
 *     "synthesis": {"markdown": "…"},
 *     "fanout": {"questions": {"added": […], "removed": […]}, …},
 *     "updated_ms": N}
 *  so a rerun of a stage (which rewrites the proposed part) never loses an
 *  edit, and an entry whose snippet is gone or changed is simply not applied.
 *  SPDX-License-Identifier: MIT
 */
#include "doc.h"

#include <assert.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <jansson.h>

#include "buf.h"
#include "mem.h"

#define DOC_LAYER_VERSION 1
#define DOC_MD_MAX        (512u * 1024 * 1024)

struct doc {
    json_t *meta;       /* owned: id url batch state stage error (string or null) */
    json_t *source;     /* owned object or NULL when absent */
    json_t *transcript; /* owned object or NULL */
    json_t *snippets;   /* owned array of objects or NULL */
    json_t *synthesis;  /* owned object or NULL */
    json_t *fanout;     /* owned object or NULL */
    json_t *cur;        /* owned: the curation layer, always an object */
};

static const char *const s_lists[] = {"questions", "concepts", "references"};

static const char *const s_list_titles[] = {"Questions raised", "Concepts to learn",
                                            "References invoked"};

#define S_N_LISTS (sizeof s_lists / sizeof s_lists[0])

/* ---------------------------------------------------------------- loading */

static int s_load_part(const char *text, const char *name, json_t **out, err_t *err)
{
    *out = NULL;
    if (!text)
        return 0;
    json_error_t jerr;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    if (!j) {
        err_set(err, LODE_EINVAL, "stored %s part is not valid JSON: %s (line %d)", name, jerr.text,
                jerr.line);
        return -1;
    }
    bool want_array = strcmp(name, "snippets") == 0;
    if (want_array ? !json_is_array(j) : !json_is_object(j)) {
        err_set(err, LODE_EINVAL, "stored %s part is not a JSON %s", name,
                want_array ? "array" : "object");
        json_decref(j);
        return -1;
    }
    *out = j;
    return 0;
}

static bool s_opt_type(const json_t *obj, const char *key, json_type type)
{
    const json_t *v = json_object_get(obj, key);
    return !v || json_typeof(v) == type;
}

static bool s_opt_int(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return !v || json_is_null(v) || json_is_integer(v);
}

static int s_check_snippet(const json_t *sn, size_t i, err_t *err)
{
    if (!json_is_object(sn) || !json_is_integer(json_object_get(sn, "id"))) {
        err_set(err, LODE_EINVAL, "stored snippets part is malformed: item %zu has no integer id",
                i + 1);
        return -1;
    }
    if (!json_is_string(json_object_get(sn, "quote")) ||
        !s_opt_type(sn, "commentary", JSON_STRING) || !s_opt_int(sn, "offset") ||
        !s_opt_int(sn, "length") || !s_opt_int(sn, "start_ms")) {
        err_set(err, LODE_EINVAL,
                "stored snippets part is malformed: snippet %lld has a missing or mistyped "
                "quote, commentary, offset, length or start_ms",
                (long long)json_integer_value(json_object_get(sn, "id")));
        return -1;
    }
    return 0;
}

static int s_check_snippets(const json_t *arr, err_t *err)
{
    size_t i;
    const json_t *sn;
    json_array_foreach(arr, i, sn)
    {
        if (s_check_snippet(sn, i, err) != 0)
            return -1;
        json_int_t id = json_integer_value(json_object_get(sn, "id"));
        for (size_t k = 0; k < i; k++) {
            if (json_integer_value(json_object_get(json_array_get(arr, k), "id")) == id) {
                err_set(err, LODE_EINVAL,
                        "stored snippets part is malformed: duplicate snippet id %lld",
                        (long long)id);
                return -1;
            }
        }
    }
    return 0;
}

static int s_check_fanout(const json_t *obj, err_t *err)
{
    for (size_t l = 0; l < S_N_LISTS; l++) {
        const json_t *arr = json_object_get(obj, s_lists[l]);
        if (!arr)
            continue;
        bool ok = json_is_array(arr);
        size_t i;
        const json_t *v;
        json_array_foreach(arr, i, v) ok = ok && json_is_string(v);
        if (!ok) {
            err_set(err, LODE_EINVAL,
                    "stored fanout part is malformed: \"%s\" is not an array of strings",
                    s_lists[l]);
            return -1;
        }
    }
    return 0;
}

static int s_check_parts(const doc_t *self, err_t *err)
{
    if (self->transcript && !json_is_string(json_object_get(self->transcript, "text"))) {
        err_set(err, LODE_EINVAL, "stored transcript part is malformed: no \"text\" string");
        return -1;
    }
    if (self->transcript && !s_opt_type(self->transcript, "segments", JSON_ARRAY)) {
        err_set(err, LODE_EINVAL, "stored transcript part is malformed: \"segments\" not an array");
        return -1;
    }
    if (self->snippets && s_check_snippets(self->snippets, err) != 0)
        return -1;
    if (self->synthesis && (!s_opt_type(self->synthesis, "title", JSON_STRING) ||
                            !s_opt_type(self->synthesis, "markdown", JSON_STRING))) {
        err_set(err, LODE_EINVAL,
                "stored synthesis part is malformed: title or markdown is not a string");
        return -1;
    }
    if (self->fanout && s_check_fanout(self->fanout, err) != 0)
        return -1;
    return 0;
}

static json_t *s_str_or_null(const char *s)
{
    json_t *j = s ? json_string(s) : NULL;
    return j ? j : json_null();
}

static json_t *s_meta_new(const doc_parts_t *p)
{
    json_t *m = json_object();
    json_object_set_new(m, "id", s_str_or_null(p->id));
    json_object_set_new(m, "url", s_str_or_null(p->url));
    json_object_set_new(m, "batch", s_str_or_null(p->batch));
    json_object_set_new(m, "state", s_str_or_null(p->state));
    json_object_set_new(m, "stage", s_str_or_null(p->stage));
    json_object_set_new(m, "error", s_str_or_null(p->error && *p->error ? p->error : NULL));
    return m;
}

doc_t *doc_new(const doc_parts_t *parts, err_t *err)
{
    assert(parts);
    doc_t *self = mem_calloc(1, sizeof *self);
    self->meta = s_meta_new(parts);
    if (s_load_part(parts->source, "source", &self->source, err) != 0 ||
        s_load_part(parts->transcript, "transcript", &self->transcript, err) != 0 ||
        s_load_part(parts->snippets, "snippets", &self->snippets, err) != 0 ||
        s_load_part(parts->synthesis, "synthesis", &self->synthesis, err) != 0 ||
        s_load_part(parts->fanout, "fanout", &self->fanout, err) != 0 ||
        s_load_part(parts->curated, "curated", &self->cur, err) != 0 ||
        s_check_parts(self, err) != 0) {
        doc_destroy(&self);
        return NULL;
    }
    if (!self->cur)
        self->cur = json_object();
    return self;
}

void doc_destroy(doc_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    doc_t *self = *self_p;
    json_decref(self->meta);
    json_decref(self->source);
    json_decref(self->transcript);
    json_decref(self->snippets);
    json_decref(self->synthesis);
    json_decref(self->fanout);
    json_decref(self->cur);
    free(self);
    *self_p = NULL;
}

bool doc_has_part(const doc_t *self, const char *part)
{
    if (strcmp(part, "source") == 0)
        return self->source != NULL;
    if (strcmp(part, "transcript") == 0)
        return self->transcript != NULL;
    if (strcmp(part, "snippets") == 0)
        return self->snippets != NULL;
    if (strcmp(part, "synthesis") == 0)
        return self->synthesis != NULL;
    if (strcmp(part, "fanout") == 0)
        return self->fanout != NULL;
    return false;
}

/* ------------------------------------------------------ layer accessors */

static json_t *s_child(json_t *obj, const char *key, json_type type)
{
    json_t *v = json_object_get(obj, key);
    if (v && json_typeof(v) == type)
        return v;
    v = type == JSON_ARRAY ? json_array() : json_object();
    json_object_set_new(obj, key, v);
    return v;
}

static const json_t *s_peek(const json_t *obj, const char *key, json_type type)
{
    const json_t *v = json_object_get(obj, key);
    return v && json_typeof(v) == type ? v : NULL;
}

static int64_t s_sid(const json_t *sn)
{
    return (int64_t)json_integer_value(json_object_get(sn, "id"));
}

static void s_sid_key(int64_t id, char key[32])
{
    snprintf(key, 32, "%lld", (long long)id);
}

static ssize_t s_snippet_find(const doc_t *self, int64_t id)
{
    size_t i;
    const json_t *sn;
    json_array_foreach(self->snippets, i, sn)
    {
        if (s_sid(sn) == id)
            return (ssize_t)i;
    }
    return -1;
}

/* An entry applies only while its snippet still has the quote it was made
 * for: a rerun that reuses an id for another span must not inherit edits. */
static bool s_entry_matches(const json_t *entry, const json_t *sn)
{
    static const char *const keys[] = {"offset", "length"};
    for (size_t k = 0; k < 2; k++) {
        const json_t *a = json_object_get(entry, keys[k]);
        const json_t *b = json_object_get(sn, keys[k]);
        if (!a != !b || (a && !json_equal(a, b)))
            return false;
    }
    return true;
}

static const json_t *s_entry_live(const doc_t *self, const json_t *sn)
{
    char key[32];
    s_sid_key(s_sid(sn), key);
    const json_t *entry = s_peek(s_peek(self->cur, "snippets", JSON_OBJECT), key, JSON_OBJECT);
    return entry && s_entry_matches(entry, sn) ? entry : NULL;
}

static json_t *s_entry_make(doc_t *self, const json_t *sn)
{
    char key[32];
    s_sid_key(s_sid(sn), key);
    json_t *all = s_child(self->cur, "snippets", JSON_OBJECT);
    json_t *entry = json_object_get(all, key);
    if (json_is_object(entry) && s_entry_matches(entry, sn))
        return entry;
    /* A stale entry (another quote under the same id) is replaced. */
    entry = json_object();
    const json_t *v;
    if ((v = json_object_get(sn, "offset")))
        json_object_set(entry, "offset", (json_t *)v);
    if ((v = json_object_get(sn, "length")))
        json_object_set(entry, "length", (json_t *)v);
    json_object_set_new(all, key, entry);
    return entry;
}

static void s_entry_prune(doc_t *self, const json_t *sn)
{
    char key[32];
    s_sid_key(s_sid(sn), key);
    json_t *all = json_object_get(self->cur, "snippets");
    json_t *entry = json_object_get(all, key);
    if (!entry || json_object_get(entry, "kept") || json_object_get(entry, "commentary") ||
        json_object_get(entry, "moved"))
        return;
    json_object_del(all, key);
    if (json_object_size(all) == 0)
        json_object_del(self->cur, "snippets");
}

static const char *s_orig_commentary(const json_t *sn)
{
    const char *s = json_string_value(json_object_get(sn, "commentary"));
    return s ? s : "";
}

static const char *s_cur_commentary(const doc_t *self, const json_t *sn)
{
    const json_t *entry = s_entry_live(self, sn);
    const char *s = json_string_value(s_peek(entry, "commentary", JSON_STRING));
    return s ? s : s_orig_commentary(sn);
}

static bool s_cur_kept(const doc_t *self, const json_t *sn)
{
    const json_t *entry = s_entry_live(self, sn);
    return !json_is_false(json_object_get(entry, "kept"));
}

static bool s_cur_moved(const doc_t *self, const json_t *sn)
{
    return json_is_true(json_object_get(s_entry_live(self, sn), "moved"));
}

/* Curated order as snippet indexes into idx (n = snippet count): the ids of
 * the layer's order that still exist, then the rest in source order (new
 * snippets from a rerun land at the end). */
static void s_order(const doc_t *self, size_t *idx)
{
    size_t n = json_array_size(self->snippets), k = 0;
    bool *used = mem_calloc(n + 1, sizeof *used);
    size_t i;
    const json_t *v;
    json_array_foreach(s_peek(self->cur, "order", JSON_ARRAY), i, v)
    {
        ssize_t at = json_is_integer(v) ? s_snippet_find(self, json_integer_value(v)) : -1;
        if (at >= 0 && !used[at]) {
            used[at] = true;
            idx[k++] = (size_t)at;
        }
    }
    for (i = 0; i < n; i++) {
        if (!used[i])
            idx[k++] = i;
    }
    free(used);
}

static const char *s_orig_markdown(const doc_t *self)
{
    const char *s = json_string_value(json_object_get(self->synthesis, "markdown"));
    return s ? s : "";
}

static const char *s_cur_markdown(const doc_t *self)
{
    const json_t *syn = s_peek(self->cur, "synthesis", JSON_OBJECT);
    const char *s = json_string_value(s_peek(syn, "markdown", JSON_STRING));
    return s ? s : s_orig_markdown(self);
}

static int s_list_index(const char *name)
{
    for (size_t l = 0; l < S_N_LISTS; l++) {
        size_t n = strlen(s_lists[l]);
        if (strcmp(name, s_lists[l]) == 0 ||
            (strncmp(name, s_lists[l], n - 1) == 0 && name[n - 1] == '\0'))
            return (int)l;
    }
    return -1;
}

static bool s_array_has(const json_t *arr, const char *text)
{
    size_t i;
    const json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), text) == 0)
            return true;
    }
    return false;
}

static void s_array_remove(json_t *arr, const char *text)
{
    for (size_t i = json_array_size(arr); i-- > 0;) {
        const char *s = json_string_value(json_array_get(arr, i));
        if (s && strcmp(s, text) == 0)
            json_array_remove(arr, i);
    }
}

static const json_t *s_layer_list(const doc_t *self, int l, const char *which)
{
    const json_t *f = s_peek(self->cur, "fanout", JSON_OBJECT);
    return s_peek(s_peek(f, s_lists[l], JSON_OBJECT), which, JSON_ARRAY);
}

/* The curated list: proposed items not removed, then added ones. */
static json_t *s_cur_list(const doc_t *self, int l)
{
    json_t *out = json_array();
    const json_t *removed = s_layer_list(self, l, "removed");
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(self->fanout, s_lists[l]), i, v)
    {
        if (!s_array_has(removed, json_string_value(v)))
            json_array_append(out, v);
    }
    json_array_foreach(s_layer_list(self, l, "added"), i, v)
    {
        if (json_is_string(v) && !s_array_has(out, json_string_value(v)))
            json_array_append(out, v);
    }
    return out;
}

/* ------------------------------------------------------------- building */

static void s_change(json_t *changed, json_t *entry, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void s_change(json_t *changed, json_t *entry, const char *fmt, ...)
{
    char summary[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(summary, sizeof summary, fmt, ap);
    va_end(ap);
    json_object_set_new(entry, "summary", json_string(summary));
    json_array_append_new(changed, entry);
}

static void s_copy_keys(json_t *dst, const json_t *src, const char *const *keys, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        json_t *v = json_object_get(src, keys[k]);
        if (v)
            json_object_set(dst, keys[k], v);
    }
}

static void s_copy_rest(json_t *dst, json_t *src)
{
    const char *key;
    json_t *v;
    json_object_foreach(src, key, v)
    {
        if (!json_object_get(dst, key))
            json_object_set(dst, key, v);
    }
}

static void s_mark(json_t *obj, json_t *proposed)
{
    if (json_object_size(proposed) == 0) {
        json_decref(proposed);
        return;
    }
    json_object_set_new(obj, "curated", json_true());
    json_object_set_new(obj, "proposed", proposed);
}

static json_t *
s_build_snippet(const doc_t *self, json_t *sn, size_t src_pos, size_t pos, json_t *changed)
{
    static const char *const head[] = {"id", "quote"};
    static const char *const tail[] = {"offset", "length", "start_ms"};
    int64_t id = s_sid(sn);
    json_t *out = json_object(), *proposed = json_object();
    s_copy_keys(out, sn, head, 2);
    const char *cur = s_cur_commentary(self, sn), *orig = s_orig_commentary(sn);
    json_object_set_new(out, "commentary", json_string(cur));
    s_copy_keys(out, sn, tail, 3);
    bool kept = s_cur_kept(self, sn);
    json_object_set_new(out, "kept", json_boolean(kept));
    s_copy_rest(out, sn);
    if (!kept) {
        json_object_set_new(proposed, "kept", json_true());
        s_change(changed,
                 json_pack("{s:s,s:I,s:s}", "part", "snippets", "id", (json_int_t)id, "change",
                           "dropped"),
                 "snippet %lld dropped", (long long)id);
    }
    if (strcmp(cur, orig) != 0) {
        json_object_set_new(proposed, "commentary", json_string(orig));
        s_change(changed,
                 json_pack("{s:s,s:I,s:s}", "part", "snippets", "id", (json_int_t)id, "change",
                           "edited"),
                 "snippet %lld: commentary edited", (long long)id);
    }
    if (s_cur_moved(self, sn) && src_pos != pos) {
        json_object_set_new(proposed, "position", json_integer((json_int_t)src_pos + 1));
        s_change(
            changed,
            json_pack("{s:s,s:I,s:s,s:I,s:I}", "part", "snippets", "id", (json_int_t)id, "change",
                      "moved", "from", (json_int_t)src_pos + 1, "to", (json_int_t)pos + 1),
            "snippet %lld moved from position %zu to %zu", (long long)id, src_pos + 1, pos + 1);
    }
    s_mark(out, proposed);
    return out;
}

static json_t *s_build_snippets(const doc_t *self, json_t *changed)
{
    if (!self->snippets)
        return json_null();
    size_t n = json_array_size(self->snippets);
    size_t *idx = mem_calloc(n + 1, sizeof *idx);
    s_order(self, idx);
    json_t *out = json_array();
    for (size_t k = 0; k < n; k++) {
        json_t *sn = json_array_get(self->snippets, idx[k]);
        json_array_append_new(out, s_build_snippet(self, sn, idx[k], k, changed));
    }
    free(idx);
    return out;
}

/* The text of a leading "# Heading" line, or NULL. Caller frees. */
static char *s_heading(const char *md)
{
    while (*md == '\n' || *md == '\r' || *md == ' ')
        md++;
    if (md[0] != '#' || md[1] != ' ')
        return NULL;
    md += 2;
    size_t n = strcspn(md, "\r\n");
    while (n > 0 && (md[n - 1] == ' ' || md[n - 1] == '#'))
        n--;
    return n ? mem_strndup(md, n) : NULL;
}

static json_t *s_build_synthesis(const doc_t *self, json_t *changed)
{
    if (!self->synthesis)
        return json_null();
    static const char *const keys[] = {"title", "markdown"};
    json_t *out = json_object(), *proposed = json_object();
    s_copy_keys(out, self->synthesis, keys, 2);
    s_copy_rest(out, self->synthesis);
    const char *cur = s_cur_markdown(self), *orig = s_orig_markdown(self);
    if (strcmp(cur, orig) != 0) {
        char *title = s_heading(cur);
        const char *old = json_string_value(json_object_get(self->synthesis, "title"));
        if (title && (!old || strcmp(title, old) != 0)) {
            json_object_set_new(proposed, "title", s_str_or_null(old));
            json_object_set_new(out, "title", json_string(title));
        }
        free(title);
        json_object_set_new(proposed, "markdown", json_string(orig));
        json_object_set_new(out, "markdown", json_string(cur));
        s_change(changed, json_pack("{s:s,s:s}", "part", "synthesis", "change", "edited"),
                 "synthesis edited");
    }
    s_mark(out, proposed);
    return out;
}

static void s_list_changes(const doc_t *self, int l, json_t *changed)
{
    const json_t *orig = json_object_get(self->fanout, s_lists[l]);
    size_t i;
    const json_t *v;
    json_array_foreach(s_layer_list(self, l, "removed"), i, v)
    {
        const char *t = json_string_value(v);
        if (t && s_array_has(orig, t))
            s_change(changed,
                     json_pack("{s:s,s:s,s:s,s:s}", "part", "fanout", "list", s_lists[l], "change",
                               "removed", "text", t),
                     "%s: removed \"%.200s\"", s_lists[l], t);
    }
    json_array_foreach(s_layer_list(self, l, "added"), i, v)
    {
        const char *t = json_string_value(v);
        if (t && !s_array_has(orig, t))
            s_change(changed,
                     json_pack("{s:s,s:s,s:s,s:s}", "part", "fanout", "list", s_lists[l], "change",
                               "added", "text", t),
                     "%s: added \"%.200s\"", s_lists[l], t);
    }
}

static json_t *s_build_fanout(const doc_t *self, json_t *changed)
{
    if (!self->fanout)
        return json_null();
    json_t *out = json_object(), *proposed = json_object();
    for (int l = 0; l < (int)S_N_LISTS; l++) {
        json_t *list = s_cur_list(self, l);
        json_t *orig = json_object_get(self->fanout, s_lists[l]);
        json_t *empty = orig ? NULL : json_array();
        if (!json_equal(list, orig ? orig : empty)) {
            json_object_set(proposed, s_lists[l], orig ? orig : empty);
            s_list_changes(self, l, changed);
        }
        json_decref(empty);
        json_object_set_new(out, s_lists[l], list);
    }
    s_copy_rest(out, self->fanout);
    s_mark(out, proposed);
    return out;
}

static json_t *s_build(const doc_t *self)
{
    static const char *const head[] = {"id", "url", "batch", "state"};
    json_t *d = json_object(), *changed = json_array();
    s_copy_keys(d, self->meta, head, 4);
    json_object_set(d, "source", self->source ? self->source : json_null());
    json_object_set(d, "transcript", self->transcript ? self->transcript : json_null());
    json_object_set_new(d, "snippets", s_build_snippets(self, changed));
    json_object_set_new(d, "synthesis", s_build_synthesis(self, changed));
    json_object_set_new(d, "fanout", s_build_fanout(self, changed));
    json_object_set(d, "stage", json_object_get(self->meta, "stage"));
    json_object_set(d, "error", json_object_get(self->meta, "error"));
    json_t *upd = json_object_get(self->cur, "updated_ms");
    json_object_set_new(d, "curation",
                        json_pack("{s:O,s:o}", "updated_ms",
                                  json_is_integer(upd) ? upd : json_null(), "changed", changed));
    return d;
}

char *doc_to_json(const doc_t *self, int flags)
{
    json_t *d = s_build(self);
    size_t jflags = JSON_PRESERVE_ORDER | ((flags & DOC_JSON_PRETTY) ? JSON_INDENT(2) : 0);
    char *s = json_dumps(d, jflags);
    json_decref(d);
    assert(s); /* only out of memory, which mem_* would have aborted on too */
    return s;
}

/* ------------------------------------------------------------- queries */

size_t doc_snippet_count(const doc_t *self)
{
    return json_array_size(self->snippets);
}

static const json_t *s_snippet_or_err(const doc_t *self, int64_t id, err_t *err)
{
    if (!self->snippets) {
        err_set(err, LODE_ENOTFOUND, "the job has no snippets yet");
        return NULL;
    }
    ssize_t at = s_snippet_find(self, id);
    if (at < 0) {
        err_set(err, LODE_ENOTFOUND, "no snippet %lld (the job has %zu)", (long long)id,
                json_array_size(self->snippets));
        return NULL;
    }
    return json_array_get(self->snippets, (size_t)at);
}

char *doc_commentary(const doc_t *self, int64_t id, err_t *err)
{
    const json_t *sn = s_snippet_or_err(self, id, err);
    return sn ? mem_strdup(s_cur_commentary(self, sn)) : NULL;
}

char *doc_synthesis(const doc_t *self, err_t *err)
{
    if (!self->synthesis) {
        err_set(err, LODE_ENOTFOUND, "the job has no synthesis yet");
        return NULL;
    }
    return mem_strdup(s_cur_markdown(self));
}

/* ------------------------------------------------------------ curation */

static int s_check_text(const char *text, size_t max, const char *what, err_t *err)
{
    size_t len = text ? strlen(text) : 0;
    size_t blank = 0;
    while (blank < len && isspace((unsigned char)text[blank]))
        blank++;
    if (blank == len) {
        err_set(err, LODE_EINVAL, "empty %s", what);
        return -1;
    }
    if (len > max) {
        err_set(err, LODE_EINVAL, "%s is %zu bytes, over the %zu-byte limit", what, len, max);
        return -1;
    }
    /* jansson refuses to make a string of invalid UTF-8. */
    json_t *probe = json_stringn(text, len);
    if (!probe) {
        err_set(err, LODE_EINVAL, "%s is not valid UTF-8", what);
        return -1;
    }
    json_decref(probe);
    return 0;
}

int doc_keep(doc_t *self, int64_t id, bool kept, err_t *err)
{
    const json_t *sn = s_snippet_or_err(self, id, err);
    if (!sn)
        return -1;
    json_t *entry = s_entry_make(self, sn);
    if (kept)
        json_object_del(entry, "kept");
    else
        json_object_set_new(entry, "kept", json_false());
    s_entry_prune(self, sn);
    return 0;
}

int doc_edit_commentary(doc_t *self, int64_t id, const char *text, err_t *err)
{
    const json_t *sn = s_snippet_or_err(self, id, err);
    if (!sn || s_check_text(text, DOC_COMMENTARY_MAX, "commentary", err) != 0)
        return -1;
    json_t *entry = s_entry_make(self, sn);
    if (strcmp(text, s_orig_commentary(sn)) == 0)
        json_object_del(entry, "commentary");
    else
        json_object_set_new(entry, "commentary", json_string(text));
    s_entry_prune(self, sn);
    return 0;
}

int doc_edit_synthesis(doc_t *self, const char *markdown, err_t *err)
{
    if (!self->synthesis) {
        err_set(err, LODE_ENOTFOUND, "the job has no synthesis yet");
        return -1;
    }
    if (s_check_text(markdown, DOC_SYNTHESIS_MAX, "synthesis", err) != 0)
        return -1;
    if (strcmp(markdown, s_orig_markdown(self)) == 0)
        json_object_del(self->cur, "synthesis");
    else
        json_object_set_new(self->cur, "synthesis", json_pack("{s:s}", "markdown", markdown));
    return 0;
}

/* Rewrite the layer's order from idx; an order equal to the proposal is
 * no override at all, so it and every "moved" mark go. */
static void s_order_store(doc_t *self, const size_t *idx, size_t n)
{
    bool identity = true;
    json_t *order = json_array();
    for (size_t k = 0; k < n; k++) {
        identity = identity && idx[k] == k;
        json_array_append_new(order, json_integer(s_sid(json_array_get(self->snippets, idx[k]))));
    }
    if (!identity) {
        json_object_set_new(self->cur, "order", order);
        return;
    }
    json_decref(order);
    json_object_del(self->cur, "order");
    for (size_t k = 0; k < n; k++) {
        const json_t *sn = json_array_get(self->snippets, k);
        json_t *entry = (json_t *)s_entry_live(self, sn);
        if (entry) {
            json_object_del(entry, "moved");
            s_entry_prune(self, sn);
        }
    }
}

int doc_move(doc_t *self, int64_t id, size_t position, err_t *err)
{
    const json_t *sn = s_snippet_or_err(self, id, err);
    if (!sn)
        return -1;
    size_t n = json_array_size(self->snippets);
    if (position < 1 || position > n) {
        err_set(err, LODE_EINVAL, "position %zu is out of range 1..%zu", position, n);
        return -1;
    }
    size_t *idx = mem_calloc(n, sizeof *idx);
    s_order(self, idx);
    size_t at = (size_t)s_snippet_find(self, id), from = 0;
    while (idx[from] != at)
        from++;
    memmove(idx + from, idx + from + 1, (n - from - 1) * sizeof *idx);
    memmove(idx + position, idx + position - 1, (n - position) * sizeof *idx);
    idx[position - 1] = at;
    json_object_set_new(s_entry_make(self, sn), "moved", json_true());
    s_order_store(self, idx, n);
    free(idx);
    return 0;
}

static int s_list_or_err(const doc_t *self, const char *list, err_t *err)
{
    int l = list ? s_list_index(list) : -1;
    if (l < 0) {
        err_set(err, LODE_EINVAL, "unknown fan-out list \"%s\" (questions, concepts, references)",
                list ? list : "");
        return -1;
    }
    if (!self->fanout) {
        err_set(err, LODE_ENOTFOUND, "the job has no fan-out yet");
        return -1;
    }
    return l;
}

static void s_layer_prune(doc_t *self, int l)
{
    json_t *f = json_object_get(self->cur, "fanout");
    json_t *entry = json_object_get(f, s_lists[l]);
    static const char *const keys[] = {"added", "removed"};
    for (size_t k = 0; k < 2; k++) {
        if (json_array_size(json_object_get(entry, keys[k])) == 0)
            json_object_del(entry, keys[k]);
    }
    if (json_object_size(entry) == 0)
        json_object_del(f, s_lists[l]);
    if (f && json_object_size(f) == 0)
        json_object_del(self->cur, "fanout");
}

static json_t *s_layer_array(doc_t *self, int l, const char *which)
{
    json_t *f = s_child(self->cur, "fanout", JSON_OBJECT);
    return s_child(s_child(f, s_lists[l], JSON_OBJECT), which, JSON_ARRAY);
}

int doc_fanout_add(doc_t *self, const char *list, const char *text, err_t *err)
{
    int l = s_list_or_err(self, list, err);
    if (l < 0 || s_check_text(text, DOC_ITEM_MAX, "item", err) != 0)
        return -1;
    json_t *cur = s_cur_list(self, l);
    bool present = s_array_has(cur, text);
    json_decref(cur);
    if (present) {
        err_set(err, LODE_EINVAL, "\"%.200s\" is already in %s", text, s_lists[l]);
        return -1;
    }
    if (s_array_has(json_object_get(self->fanout, s_lists[l]), text))
        s_array_remove(s_layer_array(self, l, "removed"), text);
    else
        json_array_append_new(s_layer_array(self, l, "added"), json_string(text));
    s_layer_prune(self, l);
    return 0;
}

static bool s_all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++) {
        if (!isdigit((unsigned char)*s))
            return false;
    }
    return true;
}

static char *s_pick_item(const json_t *cur, const char *list, const char *which, err_t *err)
{
    size_t n = json_array_size(cur);
    if (s_all_digits(which)) {
        unsigned long long i = strlen(which) > 9 ? 0 : strtoull(which, NULL, 10);
        if (i < 1 || i > n) {
            err_set(err, LODE_ENOTFOUND, "no item %s in %s (it has %zu)", which, list, n);
            return NULL;
        }
        return mem_strdup(json_string_value(json_array_get(cur, (size_t)i - 1)));
    }
    if (!s_array_has(cur, which)) {
        err_set(err, LODE_ENOTFOUND, "no item \"%.200s\" in %s", which, list);
        return NULL;
    }
    return mem_strdup(which);
}

int doc_fanout_remove(doc_t *self, const char *list, const char *which, char **removed, err_t *err)
{
    if (removed)
        *removed = NULL;
    int l = s_list_or_err(self, list, err);
    if (l < 0)
        return -1;
    json_t *cur = s_cur_list(self, l);
    char *text = s_pick_item(cur, s_lists[l], which ? which : "", err);
    json_decref(cur);
    if (!text)
        return -1;
    if (s_array_has(json_object_get(self->fanout, s_lists[l]), text)) {
        json_t *arr = s_layer_array(self, l, "removed");
        if (!s_array_has(arr, text))
            json_array_append_new(arr, json_string(text));
    }
    s_array_remove(s_layer_array(self, l, "added"), text);
    s_layer_prune(self, l);
    if (removed)
        *removed = text;
    else
        free(text);
    return 0;
}

char *doc_curated_json(doc_t *self, int64_t now_ms)
{
    json_object_set_new(self->cur, "version", json_integer(DOC_LAYER_VERSION));
    json_object_set_new(self->cur, "updated_ms", json_integer((json_int_t)now_ms));
    char *s = json_dumps(self->cur, JSON_PRESERVE_ORDER | JSON_COMPACT);
    assert(s);
    return s;
}

/* ------------------------------------------------------------ markdown */

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
        if (json_is_integer(at)) {
            char clock[32];
            s_fmt_clock((int64_t)json_integer_value(at), clock);
            s_md_printf(b, ">\n> — [%s]\n", clock);
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
    char *heading = md ? s_heading(md) : NULL;
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

static void s_md_fanout(buf_t *b, const json_t *fan)
{
    if (!json_is_object(fan))
        return;
    s_md_put(b, "## Fan-out\n\n");
    for (size_t l = 0; l < S_N_LISTS; l++) {
        const json_t *arr = json_object_get(fan, s_lists[l]);
        if (json_array_size(arr) == 0)
            continue;
        s_md_printf(b, "### %s\n\n", s_list_titles[l]);
        size_t i;
        const json_t *v;
        json_array_foreach(arr, i, v) s_md_printf(b, "%zu. %s\n", i + 1, json_string_value(v));
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

char *doc_to_markdown(const doc_t *self)
{
    json_t *d = s_build(self);
    buf_t b;
    buf_init(&b, DOC_MD_MAX);
    s_md_source(&b, d);
    s_md_snippets(&b, json_object_get(d, "snippets"));
    s_md_synthesis(&b, json_object_get(d, "synthesis"));
    s_md_fanout(&b, json_object_get(d, "fanout"));
    s_md_curation(&b, json_object_get(d, "curation"));
    json_decref(d);
    return buf_steal(&b);
}
