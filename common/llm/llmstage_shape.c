/*  llmstage_shape.c - the shape each answer of the `openai` engine must
 *  have (notes, snippets, fan-out lists, a synthesis), and the snippets
 *  still whole in an answer cut short. Checks only; taking the answers is
 *  llmstage.c's. No I/O.
 *  SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <string.h>

#include "jsonspan.h"
#include "llmstage_impl.h"

/* True when o[key] is an array of strings (absent: true unless required). */
static bool s_strings(json_t *o, const char *key, bool required)
{
    json_t *a = json_object_get(o, key);
    if (!a)
        return !required;
    if (!json_is_array(a))
        return false;
    size_t i;
    json_t *it;
    json_array_foreach(a, i, it)
    {
        if (!json_is_string(it))
            return false;
    }
    return true;
}

json_t *llmstage_snippets_of(json_t *v)
{
    return json_is_array(v) ? v : json_object_get(v, "snippets");
}

const char *llmstage_item_why(json_t *it)
{
    json_t *w = json_object_get(it, "why");
    return json_string_value(w ? w : json_object_get(it, "commentary"));
}

static const char *s_notes_error(json_t *v)
{
    return json_is_object(v) && s_strings(v, "claims", true) && s_strings(v, "numbers", false) &&
                   s_strings(v, "examples", false) && s_strings(v, "references", false) &&
                   s_strings(v, "quotes", false)
               ? NULL
               : "expected {\"claims\":[strings],\"numbers\":[…],\"examples\":[…],"
                 "\"references\":[…],\"quotes\":[…]}";
}

static const char *s_snippets_error(json_t *v)
{
    json_t *arr = llmstage_snippets_of(v);
    size_t i;
    json_t *it;
    if (!json_is_array(arr))
        return "expected {\"snippets\":[{\"quote\":…,\"why\":…}]}";
    json_array_foreach(arr, i, it)
    {
        if (!json_is_string(json_object_get(it, "quote")) || !llmstage_item_why(it))
            return "every snippet needs a \"quote\" and a \"why\" string";
    }
    return NULL;
}

static const char *s_fanout_error(json_t *v)
{
    return json_is_object(v) && s_strings(v, "questions", true) && s_strings(v, "concepts", true) &&
                   s_strings(v, "references", true)
               ? NULL
               : "expected {\"questions\":[strings],\"concepts\":[strings],"
                 "\"references\":[strings]}";
}

static const char *s_synthesis_error(json_t *v)
{
    json_t *secs = json_object_get(v, "sections");
    if (!json_is_string(json_object_get(v, "title")) || !json_is_array(secs) ||
        json_array_size(secs) == 0)
        return "expected {\"title\":…,\"sections\":[{\"heading\":…,\"markdown\":…}]}";
    size_t i;
    json_t *it;
    json_array_foreach(secs, i, it)
    {
        if (!json_is_string(json_object_get(it, "heading")) ||
            !json_is_string(json_object_get(it, "markdown")))
            return "every section needs a \"heading\" and a \"markdown\" string";
    }
    return NULL;
}

const char *llmstage_shape_error(job_stage_t stage, const llmstage_slot_t *slot, json_t *v)
{
    if (slot->kind == LLMSTAGE_SLOT_NOTES)
        return s_notes_error(v);
    if (stage == JOB_STAGE_SNIPPET)
        return s_snippets_error(v);
    if (stage == JOB_STAGE_FANOUT)
        return s_fanout_error(v);
    return s_synthesis_error(v);
}

json_t *llmstage_salvage_snippets(const char *content, size_t len)
{
    const char *end = content + len, *key = strstr(content, "\"snippets\"");
    const char *c = key ? memchr(key, '[', (size_t)(end - key)) : NULL;
    if (!c)
        return NULL;
    json_t *items = json_array();
    for (c++; c < end;) {
        while (c < end && (isspace((unsigned char)*c) || *c == ','))
            c++;
        size_t n = c < end && *c == '{' ? jsonspan_len(c, (size_t)(end - c)) : 0;
        json_t *it = n ? json_loadb(c, n, 0, NULL) : NULL;
        if (!json_is_string(json_object_get(it, "quote")) || !llmstage_item_why(it)) {
            json_decref(it);
            break;
        }
        json_array_append_new(items, it);
        c += n;
    }
    if (json_array_size(items) == 0) {
        json_decref(items);
        return NULL;
    }
    return json_pack("{s:o}", "snippets", items);
}
