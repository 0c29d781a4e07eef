/*  doc_reset.c - "reset to proposed" per item: drop a person's overrides
 *  of one snippet, the synthesis, one fan-out list or the order from the
 *  curation layer (doc_impl.h), so what the model proposed shows again.
 *  The proposed parts are never touched, so a reset loses nothing stored.
 *  SPDX-License-Identifier: MIT
 */
#include <string.h>

#include <jansson.h>

#include "doc_impl.h"

int doc_reset_snippet(doc_t *self, int64_t id, err_t *err)
{
    if (!doc_snippet_or_err(self, id, err))
        return -1;
    char key[32];
    doc_entry_key(id, key);
    json_t *all = json_object_get(self->cur, "snippets");
    json_t *entry = json_object_get(all, key);
    if (!entry)
        return 0;
    json_object_del(entry, "kept");
    json_object_del(entry, "commentary");
    /* Its place in the order is the order's: reset_order undoes that. */
    if (!json_object_get(entry, "moved"))
        json_object_del(all, key);
    if (json_object_size(all) == 0)
        json_object_del(self->cur, "snippets");
    return 0;
}

int doc_reset_synthesis(doc_t *self, err_t *err)
{
    if (!self->synthesis) {
        err_set(err, LODE_ENOTFOUND, "the job has no synthesis yet");
        return -1;
    }
    json_object_del(self->cur, "synthesis");
    return 0;
}

int doc_reset_fanout(doc_t *self, const char *list, err_t *err)
{
    if (!self->fanout) {
        err_set(err, LODE_ENOTFOUND, "the job has no fan-out yet");
        return -1;
    }
    json_t *f = json_object_get(self->cur, "fanout");
    for (size_t l = 0; l < DOC_N_LISTS; l++) {
        if (!list || strcmp(list, doc_list_names[l]) == 0)
            json_object_del(f, doc_list_names[l]);
    }
    if (f && json_object_size(f) == 0)
        json_object_del(self->cur, "fanout");
    return 0;
}

int doc_reset_order(doc_t *self, err_t *err)
{
    if (!self->snippets) {
        err_set(err, LODE_ENOTFOUND, "the job has no snippets yet");
        return -1;
    }
    json_object_del(self->cur, "order");
    json_t *all = json_object_get(self->cur, "snippets");
    const char *key;
    json_t *entry;
    void *tmp;
    json_object_foreach_safe(all, tmp, key, entry)
    {
        json_object_del(entry, "moved");
        if (!json_object_get(entry, "kept") && !json_object_get(entry, "commentary"))
            json_object_del(all, key);
    }
    if (all && json_object_size(all) == 0)
        json_object_del(self->cur, "snippets");
    return 0;
}
