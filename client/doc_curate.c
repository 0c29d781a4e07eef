/*  doc_curate.c - the curation edits (keep or drop, edit, move, add to and
 *  remove from the fan-out) and saving the layer. An edit changes only the
 *  layer (doc_impl.h), never a proposed part, and an edit back to the
 *  proposal removes its override. Reading the layer is doc.c's.
 *  SPDX-License-Identifier: MIT
 */
#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "doc_impl.h"
#include "mem.h"

/* ---------------------------------------------------- writing the layer */

static json_t *s_child(json_t *obj, const char *key, json_type type)
{
    json_t *v = json_object_get(obj, key);
    if (v && json_typeof(v) == type)
        return v;
    v = type == JSON_ARRAY ? json_array() : json_object();
    json_object_set_new(obj, key, v);
    return v;
}

static json_t *s_entry_make(doc_t *self, const json_t *sn)
{
    char key[32];
    doc_entry_key(doc_snippet_id(sn), key);
    json_t *all = s_child(self->cur, "snippets", JSON_OBJECT);
    json_t *entry = json_object_get(all, key);
    if (json_is_object(entry) && doc_entry_matches(entry, sn))
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
    doc_entry_key(doc_snippet_id(sn), key);
    json_t *all = json_object_get(self->cur, "snippets");
    json_t *entry = json_object_get(all, key);
    if (!entry || json_object_get(entry, "kept") || json_object_get(entry, "commentary") ||
        json_object_get(entry, "moved"))
        return;
    json_object_del(all, key);
    if (json_object_size(all) == 0)
        json_object_del(self->cur, "snippets");
}

static int s_list_index(const char *name)
{
    for (size_t l = 0; l < DOC_N_LISTS; l++) {
        size_t n = strlen(doc_list_names[l]);
        if (strcmp(name, doc_list_names[l]) == 0 ||
            (strncmp(name, doc_list_names[l], n - 1) == 0 && name[n - 1] == '\0'))
            return (int)l;
    }
    return -1;
}

static void s_array_remove(json_t *arr, const char *text)
{
    for (size_t i = json_array_size(arr); i-- > 0;) {
        const char *s = json_string_value(json_array_get(arr, i));
        if (s && strcmp(s, text) == 0)
            json_array_remove(arr, i);
    }
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
    const json_t *sn = doc_snippet_or_err(self, id, err);
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
    const json_t *sn = doc_snippet_or_err(self, id, err);
    if (!sn || s_check_text(text, DOC_COMMENTARY_MAX, "commentary", err) != 0)
        return -1;
    json_t *entry = s_entry_make(self, sn);
    if (strcmp(text, doc_orig_commentary(sn)) == 0)
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
    if (strcmp(markdown, doc_orig_markdown(self)) == 0)
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
        json_array_append_new(order,
                              json_integer(doc_snippet_id(json_array_get(self->snippets, idx[k]))));
    }
    if (!identity) {
        json_object_set_new(self->cur, "order", order);
        return;
    }
    json_decref(order);
    json_object_del(self->cur, "order");
    for (size_t k = 0; k < n; k++) {
        const json_t *sn = json_array_get(self->snippets, k);
        json_t *entry = (json_t *)doc_entry_live(self, sn);
        if (entry) {
            json_object_del(entry, "moved");
            s_entry_prune(self, sn);
        }
    }
}

int doc_move(doc_t *self, int64_t id, size_t position, err_t *err)
{
    const json_t *sn = doc_snippet_or_err(self, id, err);
    if (!sn)
        return -1;
    size_t n = json_array_size(self->snippets);
    if (position < 1 || position > n) {
        err_set(err, LODE_EINVAL, "position %zu is out of range 1..%zu", position, n);
        return -1;
    }
    size_t *idx = mem_calloc(n, sizeof *idx);
    doc_order(self, idx);
    size_t at = (size_t)doc_snippet_find(self, id), from = 0;
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
    json_t *entry = json_object_get(f, doc_list_names[l]);
    static const char *const keys[] = {"added", "removed", "order"};
    for (size_t k = 0; k < 3; k++) {
        if (json_array_size(json_object_get(entry, keys[k])) == 0)
            json_object_del(entry, keys[k]);
    }
    if (json_object_size(entry) == 0)
        json_object_del(f, doc_list_names[l]);
    if (f && json_object_size(f) == 0)
        json_object_del(self->cur, "fanout");
}

static json_t *s_layer_array(doc_t *self, int l, const char *which)
{
    json_t *f = s_child(self->cur, "fanout", JSON_OBJECT);
    return s_child(s_child(f, doc_list_names[l], JSON_OBJECT), which, JSON_ARRAY);
}

int doc_fanout_add(doc_t *self, const char *list, const char *text, err_t *err)
{
    int l = s_list_or_err(self, list, err);
    if (l < 0 || s_check_text(text, DOC_ITEM_MAX, "item", err) != 0)
        return -1;
    json_t *cur = doc_cur_list(self, l);
    bool present = doc_array_has(cur, text);
    json_decref(cur);
    if (present) {
        err_set(err, LODE_EINVAL, "\"%.200s\" is already in %s", text, doc_list_names[l]);
        return -1;
    }
    if (doc_array_has(json_object_get(self->fanout, doc_list_names[l]), text))
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
    if (!doc_array_has(cur, which)) {
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
    json_t *cur = doc_cur_list(self, l);
    char *text = s_pick_item(cur, doc_list_names[l], which ? which : "", err);
    json_decref(cur);
    if (!text)
        return -1;
    if (doc_array_has(json_object_get(self->fanout, doc_list_names[l]), text)) {
        json_t *arr = s_layer_array(self, l, "removed");
        if (!doc_array_has(arr, text))
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

/* Keep cur (owned) as list l's curated order, or no order at all when it
 * is the order the list has without one. */
static void s_list_order_store(doc_t *self, int l, json_t *cur)
{
    json_t *f = s_child(self->cur, "fanout", JSON_OBJECT);
    json_t *entry = s_child(f, doc_list_names[l], JSON_OBJECT);
    json_object_del(entry, "order");
    json_t *plain = doc_cur_list(self, l);
    if (!json_equal(plain, cur))
        json_object_set(entry, "order", cur);
    json_decref(plain);
    json_decref(cur);
    s_layer_prune(self, l);
}

/* 1-based place of text in the JSON array arr, 0 if absent. */
static size_t s_place(const json_t *arr, const char *text)
{
    for (size_t i = 0; i < json_array_size(arr); i++) {
        if (strcmp(json_string_value(json_array_get(arr, i)), text) == 0)
            return i + 1;
    }
    return 0;
}

/* Move text (listed in l) to the 1-based position (checked by the caller). */
static void s_move_text(doc_t *self, int l, const char *text, size_t position)
{
    json_t *cur = doc_cur_list(self, l);
    size_t from = s_place(cur, text) - 1;
    json_t *item = json_incref(json_array_get(cur, from));
    json_array_remove(cur, from);
    json_array_insert_new(cur, position - 1, item);
    s_list_order_store(self, l, cur);
}

int doc_fanout_move(doc_t *self, const char *list, const char *which, size_t position, err_t *err)
{
    int l = s_list_or_err(self, list, err);
    if (l < 0)
        return -1;
    json_t *cur = doc_cur_list(self, l);
    size_t n = json_array_size(cur);
    char *text = s_pick_item(cur, doc_list_names[l], which ? which : "", err);
    json_decref(cur);
    if (!text)
        return -1;
    int rc = 0;
    if (position < 1 || position > n) {
        err_set(err, LODE_EINVAL, "position %zu is out of range 1..%zu", position, n);
        rc = -1;
    } else
        s_move_text(self, l, text, position);
    free(text);
    return rc;
}

int doc_fanout_edit(doc_t *self, const char *list, const char *which, const char *to, err_t *err)
{
    int l = s_list_or_err(self, list, err);
    if (l < 0)
        return -1;
    json_t *cur = doc_cur_list(self, l);
    char *text = s_pick_item(cur, doc_list_names[l], which ? which : "", err);
    size_t place = text ? s_place(cur, text) : 0;
    json_decref(cur);
    int rc = text ? 0 : -1;
    /* Remove, add, and put the new text where the old one stood; on a
     * failure the caller drops the doc, so nothing half-done is saved. */
    char at[24]; /* by place, so an item whose text is all digits is no index */
    snprintf(at, sizeof at, "%zu", place);
    if (rc == 0 && strcmp(text, to ? to : "") != 0)
        rc = doc_fanout_remove(self, list, at, NULL, err) == 0 &&
                     doc_fanout_add(self, list, to, err) == 0
                 ? (s_move_text(self, l, to, place), 0)
                 : -1;
    free(text);
    return rc;
}

char *doc_curated_json(doc_t *self, int64_t now_ms)
{
    json_object_set_new(self->cur, "version", json_integer(DOC_LAYER_VERSION));
    json_object_set_new(self->cur, "updated_ms", json_integer((json_int_t)now_ms));
    char *s = json_dumps(self->cur, JSON_PRESERVE_ORDER | JSON_COMPACT);
    assert(s);
    return s;
}
