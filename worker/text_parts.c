/*  text_parts.c - the stored parts a text stage reads, loaded the same way
 *  for both engines (text_extractive.c, text_model.c).
 *  SPDX-License-Identifier: MIT
 */
#include "text_parts.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mem.h"

/* A part that a finished earlier stage must have written; its absence is a
 * broken invariant in the data, so it is a permanent failure. */
static char *s_need(store_t *store, const char *id, const char *part, size_t *len, err_t *err)
{
    char *data = store_part_get(store, id, part, len, err);
    if (!data && err->code == LODE_ENOTFOUND) {
        err_clear(err);
        err_set(err, LODE_ESTATE, "job has no %s part", part);
    }
    return data;
}

/* The source's title into *out (NULL when it has none). A missing source
 * part is no error (older jobs, a source without facts); Redis failing is:
 * an essay must not come out "untitled" because a read timed out. */
static int s_source_title(store_t *store, const char *id, char **out, err_t *err)
{
    *out = NULL;
    err_t e = {0};
    char *src = store_part_get(store, id, STORE_PART_SOURCE, NULL, &e);
    if (!src) {
        if (e.code == LODE_ENOTFOUND)
            return 0;
        err_set(err, e.code, "%s", e.msg);
        return -1;
    }
    json_t *root = json_loads(src, 0, NULL);
    free(src);
    const char *title = json_string_value(json_object_get(root, "title"));
    *out = title && *title ? mem_strdup(title) : NULL;
    json_decref(root);
    return 0;
}

int text_parts_load(
    store_t *store, const char *id, job_stage_t stage, text_parts_t *out, err_t *err)
{
    memset(out, 0, sizeof *out);
    out->transcript = s_need(store, id, STORE_PART_TRANSCRIPT, &out->transcript_len, err);
    if (!out->transcript)
        return -1;
    if (stage == JOB_STAGE_SNIPPET)
        return 0;
    if (s_source_title(store, id, &out->title, err) != 0)
        return -1;
    if (!(out->snippets = s_need(store, id, STORE_PART_SNIPPETS, &out->snippets_len, err)))
        return -1;
    if (stage == JOB_STAGE_SYNTHESIS)
        return 0;
    out->synthesis = s_need(store, id, STORE_PART_SYNTHESIS, &out->synthesis_len, err);
    return out->synthesis ? 0 : -1;
}

void text_parts_clear(text_parts_t *p)
{
    free(p->transcript);
    free(p->title);
    free(p->snippets);
    free(p->synthesis);
    memset(p, 0, sizeof *p);
}

const char *text_parts_name(job_stage_t stage)
{
    static const char *parts[JOB_STAGE_COUNT] = {NULL, STORE_PART_SNIPPETS, STORE_PART_SYNTHESIS,
                                                 STORE_PART_FANOUT};
    return stage > JOB_STAGE_FETCH && stage < JOB_STAGE_COUNT ? parts[stage] : NULL;
}
