/*  stage_text.c - snippet, synthesis and fan-out over the extractive engine.
 *  SPDX-License-Identifier: MIT
 */
#include "stage_text.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "extract.h"
#include "mem.h"
#include "transcript.h"

/* What the three stages read; each loads only what it needs. */
typedef struct {
    transcript_t *transcript; /* owned */
    extract_snippets_t snippets;
    extract_synthesis_t synthesis;
    char *title; /* owned: source title or NULL */
} s_inputs_t;

static void s_inputs_clear(s_inputs_t *in)
{
    transcript_destroy(&in->transcript);
    extract_snippets_clear(&in->snippets);
    extract_synthesis_clear(&in->synthesis);
    free(in->title);
}

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

static char *s_source_title(store_t *store, const char *id)
{
    err_t err = {0};
    char *src = store_part_get(store, id, STORE_PART_SOURCE, NULL, &err);
    if (!src)
        return NULL;
    json_t *root = json_loads(src, 0, NULL);
    free(src);
    const char *title = json_string_value(json_object_get(root, "title"));
    char *out = title && *title ? mem_strdup(title) : NULL;
    json_decref(root);
    return out;
}

static int s_load(store_t *store, const char *id, job_stage_t stage, s_inputs_t *in, err_t *err)
{
    size_t len;
    char *data = s_need(store, id, STORE_PART_TRANSCRIPT, &len, err);
    if (!data)
        return -1;
    in->transcript = transcript_from_json(data, len, err);
    free(data);
    if (!in->transcript)
        return -1;
    if (stage == JOB_STAGE_SNIPPET)
        return 0;
    if (!(data = s_need(store, id, STORE_PART_SNIPPETS, &len, err)))
        return -1;
    int rc = extract_snippets_from_json(in->transcript, data, len, &in->snippets, err);
    free(data);
    if (rc != 0 || stage == JOB_STAGE_SYNTHESIS) {
        in->title = rc == 0 ? s_source_title(store, id) : NULL;
        return rc;
    }
    if (!(data = s_need(store, id, STORE_PART_SYNTHESIS, &len, err)))
        return -1;
    rc = extract_synthesis_from_json(data, len, &in->synthesis, err);
    free(data);
    return rc;
}

/* Run the engine for stage; *json gets the part to store. */
static int s_mine(job_stage_t stage, s_inputs_t *in, char **json, err_t *err)
{
    if (stage == JOB_STAGE_SNIPPET) {
        extract_snippets_t out = {0};
        if (extract_snippets(in->transcript, NULL, &out, err) != 0)
            return -1;
        *json = extract_snippets_to_json(in->transcript, &out);
        extract_snippets_clear(&out);
        return 0;
    }
    if (stage == JOB_STAGE_SYNTHESIS) {
        extract_synthesis_t out = {0};
        if (extract_synthesis(in->transcript, &in->snippets, in->title, &out, err) != 0)
            return -1;
        *json = extract_synthesis_to_json(&out);
        extract_synthesis_clear(&out);
        return 0;
    }
    extract_fanout_t out = {0};
    if (extract_fanout(in->transcript, &in->snippets, &in->synthesis, &out, err) != 0)
        return -1;
    *json = extract_fanout_to_json(&out);
    extract_fanout_clear(&out);
    return 0;
}

int stage_text_run(store_t *store, job_stage_t stage, const char *id, err_t *err)
{
    static const char *parts[JOB_STAGE_COUNT] = {NULL, STORE_PART_SNIPPETS, STORE_PART_SYNTHESIS,
                                                 STORE_PART_FANOUT};
    if (stage <= JOB_STAGE_FETCH || stage >= JOB_STAGE_COUNT) {
        err_set(err, LODE_EINVAL, "not a text stage: %d", (int)stage);
        return -1;
    }
    s_inputs_t in = {0};
    char *json = NULL;
    int rc = s_load(store, id, stage, &in, err);
    if (rc == 0)
        rc = s_mine(stage, &in, &json, err);
    if (rc == 0)
        rc = store_part_set(store, id, parts[stage], json, strlen(json), err);
    free(json);
    s_inputs_clear(&in);
    return rc;
}
