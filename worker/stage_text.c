/*  stage_text.c - snippet, synthesis and fan-out over the extractive engine.
 *  SPDX-License-Identifier: MIT
 */
#include "stage_text.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "extract.h"
#include "llmstage.h"
#include "mem.h"
#include "transcript.h"

/* What the extractive engine works on, parsed from the stored parts. */
typedef struct {
    transcript_t *transcript; /* owned */
    extract_snippets_t snippets;
    extract_synthesis_t synthesis;
    const char *title; /* borrowed from the parts */
} s_inputs_t;

static void s_inputs_clear(s_inputs_t *in)
{
    transcript_destroy(&in->transcript);
    extract_snippets_clear(&in->snippets);
    extract_synthesis_clear(&in->synthesis);
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

int stage_text_load(
    store_t *store, const char *id, job_stage_t stage, stage_text_parts_t *out, err_t *err)
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

void stage_text_parts_clear(stage_text_parts_t *p)
{
    free(p->transcript);
    free(p->title);
    free(p->snippets);
    free(p->synthesis);
    memset(p, 0, sizeof *p);
}

static int s_load(const stage_text_parts_t *p, job_stage_t stage, s_inputs_t *in, err_t *err)
{
    in->transcript = transcript_from_json(p->transcript, p->transcript_len, err);
    if (!in->transcript)
        return -1;
    in->title = p->title;
    if (stage == JOB_STAGE_SNIPPET)
        return 0;
    if (extract_snippets_from_json(in->transcript, p->snippets, p->snippets_len, &in->snippets,
                                   err) != 0)
        return -1;
    if (stage == JOB_STAGE_SYNTHESIS)
        return 0;
    return extract_synthesis_from_json(p->synthesis, p->synthesis_len, &in->synthesis, err);
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
    if (stage <= JOB_STAGE_FETCH || stage >= JOB_STAGE_COUNT) {
        err_set(err, LODE_EINVAL, "not a text stage: %d", (int)stage);
        return -1;
    }
    stage_text_parts_t parts;
    s_inputs_t in = {0};
    char *json = NULL;
    int rc = stage_text_load(store, id, stage, &parts, err);
    if (rc == 0)
        rc = s_load(&parts, stage, &in, err);
    if (rc == 0)
        rc = s_mine(stage, &in, &json, err);
    if (rc == 0 && stage == JOB_STAGE_SNIPPET) {
        /* The guard every engine passes: ours quotes spans it cut itself, so
         * it rejects nothing unless the engine has a bug, and then it is the
         * guard, not the bug, that decides what is stored. */
        size_t rejected = 0;
        char *checked = llmstage_guard_snippets(in.transcript, json, strlen(json), &rejected, err);
        free(json);
        json = checked;
        rc = json ? 0 : -1;
    }
    if (rc == 0)
        rc = store_part_set(store, id, stage_text_part(stage), json, strlen(json), err);
    free(json);
    s_inputs_clear(&in);
    stage_text_parts_clear(&parts);
    return rc;
}

const char *stage_text_part(job_stage_t stage)
{
    static const char *parts[JOB_STAGE_COUNT] = {NULL, STORE_PART_SNIPPETS, STORE_PART_SYNTHESIS,
                                                 STORE_PART_FANOUT};
    return stage > JOB_STAGE_FETCH && stage < JOB_STAGE_COUNT ? parts[stage] : NULL;
}
