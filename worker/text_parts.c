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

/* The analysis, if the snippet stage stored one (it expires, and the
 * openai engine writes none): its absence is no error. */
static int s_analysis(store_t *store, const char *id, text_parts_t *out, err_t *err)
{
    err_t e = {0};
    out->analysis = store_part_get(store, id, STORE_PART_ANALYSIS, &out->analysis_len, &e);
    if (!out->analysis && e.code != LODE_ENOTFOUND) {
        err_set(err, e.code, "%s", e.msg);
        return -1;
    }
    return 0;
}

int text_parts_load_only(
    store_t *store, const char *id, unsigned want, text_parts_t *out, err_t *err)
{
    memset(out, 0, sizeof *out);
    if ((want & TEXT_PART_TRANSCRIPT) &&
        !(out->transcript = s_need(store, id, STORE_PART_TRANSCRIPT, &out->transcript_len, err)))
        return -1;
    if ((want & TEXT_PART_TITLE) && s_source_title(store, id, &out->title, err) != 0)
        return -1;
    if ((want & TEXT_PART_SNIPPETS) &&
        !(out->snippets = s_need(store, id, STORE_PART_SNIPPETS, &out->snippets_len, err)))
        return -1;
    if ((want & TEXT_PART_SYNTHESIS) &&
        !(out->synthesis = s_need(store, id, STORE_PART_SYNTHESIS, &out->synthesis_len, err)))
        return -1;
    if ((want & TEXT_PART_ANALYSIS) && s_analysis(store, id, out, err) != 0)
        return -1;
    return 0;
}

int text_parts_load(
    store_t *store, const char *id, job_stage_t stage, text_parts_t *out, err_t *err)
{
    unsigned want = TEXT_PART_TRANSCRIPT;
    if (stage != JOB_STAGE_SNIPPET)
        want |= TEXT_PART_TITLE | TEXT_PART_SNIPPETS;
    if (stage != JOB_STAGE_SNIPPET && stage != JOB_STAGE_SYNTHESIS)
        want |= TEXT_PART_SYNTHESIS;
    return text_parts_load_only(store, id, want, out, err);
}

void text_parts_clear(text_parts_t *p)
{
    free(p->transcript);
    free(p->title);
    free(p->snippets);
    free(p->synthesis);
    free(p->analysis);
    memset(p, 0, sizeof *p);
}

const char *text_parts_name(job_stage_t stage)
{
    static const char *parts[JOB_STAGE_COUNT] = {NULL, STORE_PART_SNIPPETS, STORE_PART_SYNTHESIS,
                                                 STORE_PART_FANOUT};
    return stage > JOB_STAGE_FETCH && stage < JOB_STAGE_COUNT ? parts[stage] : NULL;
}
