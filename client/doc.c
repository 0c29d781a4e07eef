/*  doc.c - a job's document: the stored parts loaded and checked, the
 *  curation layer (its format is in doc_impl.h) applied at read time, the
 *  result exported as JSON, and the read-only queries. The edits that write
 *  the layer are doc_curate.c's; Markdown is doc_md.c's.
 *  SPDX-License-Identifier: MIT
 */
#include "doc.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <jansson.h>

#include "doc_impl.h"
#include "mem.h"

const char *const doc_list_names[DOC_N_LISTS] = {"questions", "concepts", "references"};

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
    for (size_t l = 0; l < DOC_N_LISTS; l++) {
        const json_t *arr = json_object_get(obj, doc_list_names[l]);
        if (!arr)
            continue;
        bool ok = json_is_array(arr);
        size_t i;
        const json_t *v;
        json_array_foreach(arr, i, v) ok = ok && json_is_string(v);
        if (!ok) {
            err_set(err, LODE_EINVAL,
                    "stored fanout part is malformed: \"%s\" is not an array of strings",
                    doc_list_names[l]);
            return -1;
        }
    }
    return 0;
}

/* checked_snippets: they came parsed and checked (doc_snippets_parse). */
static int s_check_parts(const doc_t *self, bool checked_snippets, err_t *err)
{
    if (self->transcript && !json_is_string(json_object_get(self->transcript, "text"))) {
        err_set(err, LODE_EINVAL, "stored transcript part is malformed: no \"text\" string");
        return -1;
    }
    if (self->transcript && !s_opt_type(self->transcript, "segments", JSON_ARRAY)) {
        err_set(err, LODE_EINVAL, "stored transcript part is malformed: \"segments\" not an array");
        return -1;
    }
    if (self->snippets && !checked_snippets && s_check_snippets(self->snippets, err) != 0)
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

/* How a model made each part: informational, so a .meta that does not
 * parse is left out rather than failing the document. */
static void s_load_made(doc_t *self, const doc_parts_t *parts)
{
    static const char *const names[3] = {"snippets", "synthesis", "fanout"};
    for (int i = 0; i < 3; i++) {
        json_t *m = parts->made[i] ? json_loads(parts->made[i], 0, NULL) : NULL;
        if (!json_is_object(m)) {
            json_decref(m);
            continue;
        }
        if (!self->made)
            self->made = json_object();
        json_object_set_new(self->made, names[i], m);
    }
}

doc_t *doc_new(const doc_parts_t *parts, err_t *err)
{
    assert(parts);
    doc_t *self = mem_calloc(1, sizeof *self);
    self->meta = s_meta_new(parts);
    if (s_load_part(parts->source, "source", &self->source, err) != 0 ||
        s_load_part(parts->transcript, "transcript", &self->transcript, err) != 0 ||
        (parts->snippets_json
             ? (self->snippets = json_incref(parts->snippets_json), 0)
             : s_load_part(parts->snippets, "snippets", &self->snippets, err)) != 0 ||
        s_load_part(parts->synthesis, "synthesis", &self->synthesis, err) != 0 ||
        s_load_part(parts->fanout, "fanout", &self->fanout, err) != 0 ||
        s_load_part(parts->curated, "curated", &self->cur, err) != 0 ||
        s_check_parts(self, parts->snippets_json != NULL, err) != 0) {
        doc_destroy(&self);
        return NULL;
    }
    if (!self->cur)
        self->cur = json_object();
    s_load_made(self, parts);
    return self;
}

json_t *doc_snippets_parse(const char *text, err_t *err)
{
    json_t *j = NULL;
    if (!text) {
        err_set(err, LODE_EINVAL, "no snippets part");
        return NULL;
    }
    if (s_load_part(text, "snippets", &j, err) != 0)
        return NULL;
    if (s_check_snippets(j, err) != 0) {
        json_decref(j);
        return NULL;
    }
    return j;
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
    json_decref(self->made);
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

/* ---------------------------------------------------- reading the layer */

static const json_t *s_peek(const json_t *obj, const char *key, json_type type)
{
    const json_t *v = json_object_get(obj, key);
    return v && json_typeof(v) == type ? v : NULL;
}

int64_t doc_snippet_id(const json_t *sn)
{
    return (int64_t)json_integer_value(json_object_get(sn, "id"));
}

void doc_entry_key(int64_t id, char key[32])
{
    snprintf(key, 32, "%lld", (long long)id);
}

ssize_t doc_snippet_find(const doc_t *self, int64_t id)
{
    size_t i;
    const json_t *sn;
    json_array_foreach(self->snippets, i, sn)
    {
        if (doc_snippet_id(sn) == id)
            return (ssize_t)i;
    }
    return -1;
}

/* An entry applies only while its snippet still has the quote it was made
 * for: a rerun that reuses an id for another span must not inherit edits. */
bool doc_entry_matches(const json_t *entry, const json_t *sn)
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

const json_t *doc_entry_live(const doc_t *self, const json_t *sn)
{
    char key[32];
    doc_entry_key(doc_snippet_id(sn), key);
    const json_t *entry = s_peek(s_peek(self->cur, "snippets", JSON_OBJECT), key, JSON_OBJECT);
    return entry && doc_entry_matches(entry, sn) ? entry : NULL;
}

const char *doc_orig_commentary(const json_t *sn)
{
    const char *s = json_string_value(json_object_get(sn, "commentary"));
    return s ? s : "";
}

static const char *s_cur_commentary(const doc_t *self, const json_t *sn)
{
    const json_t *entry = doc_entry_live(self, sn);
    const char *s = json_string_value(s_peek(entry, "commentary", JSON_STRING));
    return s ? s : doc_orig_commentary(sn);
}

static bool s_cur_kept(const doc_t *self, const json_t *sn)
{
    const json_t *entry = doc_entry_live(self, sn);
    return !json_is_false(json_object_get(entry, "kept"));
}

static bool s_cur_moved(const doc_t *self, const json_t *sn)
{
    return json_is_true(json_object_get(doc_entry_live(self, sn), "moved"));
}

void doc_order(const doc_t *self, size_t *idx)
{
    size_t n = json_array_size(self->snippets), k = 0;
    bool *used = mem_calloc(n + 1, sizeof *used);
    size_t i;
    const json_t *v;
    json_array_foreach(s_peek(self->cur, "order", JSON_ARRAY), i, v)
    {
        ssize_t at = json_is_integer(v) ? doc_snippet_find(self, json_integer_value(v)) : -1;
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

const char *doc_orig_markdown(const doc_t *self)
{
    const char *s = json_string_value(json_object_get(self->synthesis, "markdown"));
    return s ? s : "";
}

static const char *s_cur_markdown(const doc_t *self)
{
    const json_t *syn = s_peek(self->cur, "synthesis", JSON_OBJECT);
    const char *s = json_string_value(s_peek(syn, "markdown", JSON_STRING));
    return s ? s : doc_orig_markdown(self);
}

bool doc_array_has(const json_t *arr, const char *text)
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

static const json_t *s_layer_list(const doc_t *self, int l, const char *which)
{
    const json_t *f = s_peek(self->cur, "fanout", JSON_OBJECT);
    return s_peek(s_peek(f, doc_list_names[l], JSON_OBJECT), which, JSON_ARRAY);
}

/* list (owned, returned) rearranged by the layer's order for it: the
 * ordered items still listed come first, in that order; the rest (added
 * since, or back from a rerun) follow in their own order. */
static json_t *s_apply_order(json_t *list, const json_t *order)
{
    if (json_array_size(order) == 0)
        return list;
    json_t *out = json_array();
    size_t i;
    const json_t *v;
    json_array_foreach(order, i, v)
    {
        const char *t = json_string_value(v);
        if (t && doc_array_has(list, t) && !doc_array_has(out, t))
            json_array_append_new(out, json_string(t));
    }
    json_array_foreach(list, i, v)
    {
        if (!doc_array_has(out, json_string_value(v)))
            json_array_append(out, (json_t *)v);
    }
    json_decref(list);
    return out;
}

json_t *doc_cur_list(const doc_t *self, int l)
{
    json_t *out = json_array();
    const json_t *removed = s_layer_list(self, l, "removed");
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(self->fanout, doc_list_names[l]), i, v)
    {
        if (!doc_array_has(removed, json_string_value(v)))
            json_array_append(out, v);
    }
    json_array_foreach(s_layer_list(self, l, "added"), i, v)
    {
        if (json_is_string(v) && !doc_array_has(out, json_string_value(v)))
            json_array_append(out, v);
    }
    return s_apply_order(out, s_layer_list(self, l, "order"));
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
    int64_t id = doc_snippet_id(sn);
    json_t *out = json_object(), *proposed = json_object();
    s_copy_keys(out, sn, head, 2);
    const char *cur = s_cur_commentary(self, sn), *orig = doc_orig_commentary(sn);
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
    doc_order(self, idx);
    json_t *out = json_array();
    for (size_t k = 0; k < n; k++) {
        json_t *sn = json_array_get(self->snippets, idx[k]);
        json_array_append_new(out, s_build_snippet(self, sn, idx[k], k, changed));
    }
    free(idx);
    return out;
}

char *doc_heading(const char *md)
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
    const char *cur = s_cur_markdown(self), *orig = doc_orig_markdown(self);
    if (strcmp(cur, orig) != 0) {
        char *title = doc_heading(cur);
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
    const json_t *orig = json_object_get(self->fanout, doc_list_names[l]);
    size_t i;
    const json_t *v;
    json_array_foreach(s_layer_list(self, l, "removed"), i, v)
    {
        const char *t = json_string_value(v);
        if (t && doc_array_has(orig, t))
            s_change(changed,
                     json_pack("{s:s,s:s,s:s,s:s}", "part", "fanout", "list", doc_list_names[l],
                               "change", "removed", "text", t),
                     "%s: removed \"%.200s\"", doc_list_names[l], t);
    }
    json_array_foreach(s_layer_list(self, l, "added"), i, v)
    {
        const char *t = json_string_value(v);
        if (t && !doc_array_has(orig, t))
            s_change(changed,
                     json_pack("{s:s,s:s,s:s,s:s}", "part", "fanout", "list", doc_list_names[l],
                               "change", "added", "text", t),
                     "%s: added \"%.200s\"", doc_list_names[l], t);
    }
    if (json_array_size(s_layer_list(self, l, "order")) > 0)
        s_change(changed,
                 json_pack("{s:s,s:s,s:s}", "part", "fanout", "list", doc_list_names[l], "change",
                           "reordered"),
                 "%s: reordered", doc_list_names[l]);
}

static json_t *s_build_fanout(const doc_t *self, json_t *changed)
{
    if (!self->fanout)
        return json_null();
    json_t *out = json_object(), *proposed = json_object();
    for (int l = 0; l < (int)DOC_N_LISTS; l++) {
        json_t *list = doc_cur_list(self, l);
        json_t *orig = json_object_get(self->fanout, doc_list_names[l]);
        json_t *empty = orig ? NULL : json_array();
        if (!json_equal(list, orig ? orig : empty)) {
            json_object_set(proposed, doc_list_names[l], orig ? orig : empty);
            s_list_changes(self, l, changed);
        }
        json_decref(empty);
        json_object_set_new(out, doc_list_names[l], list);
    }
    s_copy_rest(out, self->fanout);
    s_mark(out, proposed);
    return out;
}

json_t *doc_build(const doc_t *self)
{
    static const char *const head[] = {"id", "url", "batch", "state"};
    json_t *d = json_object(), *changed = json_array();
    s_copy_keys(d, self->meta, head, 4);
    json_object_set(d, "source", self->source ? self->source : json_null());
    json_object_set(d, "transcript", self->transcript ? self->transcript : json_null());
    json_object_set_new(d, "snippets", s_build_snippets(self, changed));
    json_object_set_new(d, "synthesis", s_build_synthesis(self, changed));
    json_object_set_new(d, "fanout", s_build_fanout(self, changed));
    if (self->made)
        json_object_set(d, "made_by", self->made);
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
    json_t *d = doc_build(self);
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

const json_t *doc_snippet_or_err(const doc_t *self, int64_t id, err_t *err)
{
    if (!self->snippets) {
        err_set(err, LODE_ENOTFOUND, "the job has no snippets yet");
        return NULL;
    }
    ssize_t at = doc_snippet_find(self, id);
    if (at < 0) {
        err_set(err, LODE_ENOTFOUND, "no snippet %lld (the job has %zu)", (long long)id,
                json_array_size(self->snippets));
        return NULL;
    }
    return json_array_get(self->snippets, (size_t)at);
}

char *doc_commentary(const doc_t *self, int64_t id, err_t *err)
{
    const json_t *sn = doc_snippet_or_err(self, id, err);
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
