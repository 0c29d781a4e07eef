/*  text_parts.c - the stored parts a text stage reads, loaded the same way
 *  for both engines (text_extractive.c, text_model.c).
 *  SPDX-License-Identifier: MIT
 */
#include "text_parts.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mem.h"

/* The source's title from its facts (JSON), or NULL. */
static char *s_title_of(const char *src)
{
    json_t *root = src ? json_loads(src, 0, NULL) : NULL;
    const char *title = json_string_value(json_object_get(root, "title"));
    char *out = title && *title ? mem_strdup(title) : NULL;
    json_decref(root);
    return out;
}

/* A part an earlier stage must have written is missing: a broken invariant
 * in the data, so a permanent failure. */
static int s_missing(const char *part, err_t *err)
{
    err_set(err, LODE_ESTATE, "job has no %s part", part);
    return -1;
}

int text_parts_load_only(
    store_t *store, const char *id, unsigned want, text_parts_t *out, err_t *err)
{
    memset(out, 0, sizeof *out);
    /* All the parts in one round trip. The source (for its title) and the
     * analysis may be absent: older jobs, a source without facts, an
     * analysis expired or never made (the openai engine makes none). A
     * Redis that fails is an error: an essay must not come out "untitled"
     * because a read timed out. */
    static const unsigned bits[] = {TEXT_PART_TRANSCRIPT, TEXT_PART_TITLE, TEXT_PART_SNIPPETS,
                                    TEXT_PART_SYNTHESIS, TEXT_PART_ANALYSIS};
    static const char *const names[] = {STORE_PART_TRANSCRIPT, STORE_PART_SOURCE,
                                        STORE_PART_SNIPPETS, STORE_PART_SYNTHESIS,
                                        STORE_PART_ANALYSIS};
    const char *ask[5];
    char *got[5];
    size_t lens[5], n = 0;
    for (size_t i = 0; i < 5; i++)
        if (want & bits[i])
            ask[n++] = names[i];
    if (store_parts_get(store, id, n, ask, got, lens, err) != 0)
        return -1;
    char *data[5] = {0};
    size_t len[5] = {0};
    for (size_t i = 0, k = 0; i < 5; i++)
        if (want & bits[i])
            data[i] = got[k], len[i] = lens[k], k++;
    out->transcript = data[0], out->transcript_len = len[0];
    out->title = s_title_of(data[1]);
    free(data[1]);
    out->snippets = data[2], out->snippets_len = len[2];
    out->synthesis = data[3], out->synthesis_len = len[3];
    out->analysis = data[4], out->analysis_len = len[4];
    for (size_t i = 0; i < 4; i++)
        if ((want & bits[i]) && i != 1 && !data[i])
            return s_missing(names[i], err);
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
