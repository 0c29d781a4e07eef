/*  text_extractive.c - snippet, synthesis and fan-out over the extractive engine.
 *  SPDX-License-Identifier: MIT
 */
#include "text_extractive.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "extract.h"
#include "llmstage.h"
#include "mem.h"
#include "text_parts.h"
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

static int s_load(const text_parts_t *p, job_stage_t stage, s_inputs_t *in, err_t *err)
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

int text_extractive_run(store_t *store, job_stage_t stage, const char *id, err_t *err)
{
    if (stage <= JOB_STAGE_FETCH || stage >= JOB_STAGE_COUNT) {
        err_set(err, LODE_EINVAL, "not a text stage: %d", (int)stage);
        return -1;
    }
    text_parts_t parts;
    s_inputs_t in = {0};
    char *json = NULL;
    int rc = text_parts_load(store, id, stage, &parts, err);
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
        rc = store_part_set(store, id, text_parts_name(stage), json, strlen(json), err);
    free(json);
    s_inputs_clear(&in);
    text_parts_clear(&parts);
    return rc;
}
