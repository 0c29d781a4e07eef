/*  text_extractive.c - snippet, synthesis and fan-out over the extractive engine.
 *  SPDX-License-Identifier: MIT
 */
#include "text_extractive.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "extract.h"
#include "llmstage.h"
#include "log.h"
#include "mem.h"
#include "text_parts.h"
#include "transcript.h"

/* What the extractive engine works on, parsed from the stored parts. */
typedef struct {
    transcript_t *transcript;     /* owned */
    extract_analysis_t *analysis; /* owned */
    bool analysed;                /* made here (else read back from the store) */
    extract_snippets_t snippets;
    const char *title; /* borrowed from the parts */
} s_inputs_t;

static void s_inputs_clear(s_inputs_t *in)
{
    extract_analysis_destroy(&in->analysis);
    transcript_destroy(&in->transcript);
    extract_snippets_clear(&in->snippets);
}

/* The parts each stage of this engine reads. The fan-out mines the
 * transcript and the snippets only (extract_fanout ignores the essay), so
 * it does not fetch and parse the synthesis part. */
static unsigned s_wanted(job_stage_t stage)
{
    if (stage == JOB_STAGE_SNIPPET)
        return TEXT_PART_TRANSCRIPT;
    if (stage == JOB_STAGE_SYNTHESIS)
        return TEXT_PART_TRANSCRIPT | TEXT_PART_TITLE | TEXT_PART_SNIPPETS | TEXT_PART_ANALYSIS;
    return TEXT_PART_TRANSCRIPT | TEXT_PART_SNIPPETS | TEXT_PART_ANALYSIS;
}

static int s_load(const text_parts_t *p, job_stage_t stage, s_inputs_t *in, err_t *err)
{
    in->transcript = transcript_from_json(p->transcript, p->transcript_len, err);
    if (!in->transcript)
        return -1;
    in->title = p->title;
    /* The snippet stage's analysis when there is a sound one for this
     * text; else (an older job, an expired or bad part) analyse here. */
    err_t why = {0};
    if (p->analysis && !(in->analysis = extract_analysis_unpack(in->transcript, p->analysis,
                                                                p->analysis_len, &why)))
        log_debug(job_stage_name(stage), "stored %s; analysing the text", why.msg);
    if (!in->analysis) {
        in->analysis = extract_analysis_new(in->transcript, err);
        in->analysed = true;
    }
    if (!in->analysis)
        return -1;
    if (stage == JOB_STAGE_SNIPPET)
        return 0;
    return extract_snippets_from_json(in->transcript, p->snippets, p->snippets_len, &in->snippets,
                                      err);
}

/* Run the engine for stage; *json gets the part to store. */
static int s_mine(job_stage_t stage, s_inputs_t *in, char **json, err_t *err)
{
    if (stage == JOB_STAGE_SNIPPET) {
        extract_snippets_t out = {0};
        if (extract_snippets_with(in->analysis, NULL, &out, err) != 0)
            return -1;
        /* The guard every engine passes: ours quotes spans it cut itself,
         * so the guard only marks them exact, and that is written here
         * directly. Should the engine ever cut a span the guard would not
         * keep as it is, the guard, not the bug, decides what is stored. */
        *json = extract_snippets_to_json_exact(in->transcript, &out);
        if (!*json) {
            char *raw = extract_snippets_to_json(in->transcript, &out);
            size_t rejected = 0;
            *json = llmstage_guard_snippets(in->transcript, raw, strlen(raw), &rejected, err);
            free(raw);
        }
        extract_snippets_clear(&out);
        return *json ? 0 : -1;
    }
    if (stage == JOB_STAGE_SYNTHESIS) {
        extract_synthesis_t out = {0};
        if (extract_synthesis_with(in->analysis, &in->snippets, in->title, &out, err) != 0)
            return -1;
        *json = extract_synthesis_to_json(&out);
        extract_synthesis_clear(&out);
        return 0;
    }
    extract_fanout_t out = {0};
    if (extract_fanout_with(in->analysis, &in->snippets, NULL, &out, err) != 0)
        return -1;
    *json = extract_fanout_to_json(&out);
    extract_fanout_clear(&out);
    return 0;
}

/* Write the stage's part, in one round trip with what goes with it: the
 * snippet stage stores the analysis it made for the stages after it (a
 * cache that expires; the analysis is written first, so it is there before
 * the snippets are); the fan-out, the last to read it, removes it, so its
 * memory goes now and not when it expires. */
static int s_store(store_t *store,
                   job_stage_t stage,
                   const char *id,
                   const s_inputs_t *in,
                   const char *json,
                   err_t *err)
{
    store_put_t puts[2];
    size_t n = 0, len = 0;
    void *packed = NULL;
    if (stage == JOB_STAGE_SNIPPET && in->analysed) {
        packed = extract_analysis_pack(in->analysis, &len);
        puts[n++] = (store_put_t){STORE_PART_ANALYSIS, packed, len, STORE_ANALYSIS_TTL_MS};
    }
    puts[n++] = (store_put_t){text_parts_name(stage), json, strlen(json), 0};
    if (stage == JOB_STAGE_FANOUT)
        puts[n++] = (store_put_t){STORE_PART_ANALYSIS, NULL, 0, 0};
    int rc = store_parts_put(store, id, n, puts, err);
    free(packed);
    return rc;
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
    int rc = text_parts_load_only(store, id, s_wanted(stage), &parts, err);
    if (rc == 0)
        rc = s_load(&parts, stage, &in, err);
    if (rc == 0)
        rc = s_mine(stage, &in, &json, err);
    if (rc == 0)
        rc = s_store(store, stage, id, &in, json, err);
    free(json);
    s_inputs_clear(&in);
    text_parts_clear(&parts);
    return rc;
}
