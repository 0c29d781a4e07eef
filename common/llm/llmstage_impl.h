/*  llmstage_impl.h - the state of an llmstage run, shared by llmstage.c
 *  (plan, requests, answers) and llmstage_reduce.c (merged results, the
 *  snippets guard). Private to those two files; callers use llmstage.h.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_LLMSTAGE_IMPL_H
#define LODE_LLMSTAGE_IMPL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "chunk.h"
#include "llmstage.h"
#include "quote.h"

#define LLMSTAGE_RENDER_MAX ((size_t)1 << 30) /* a rendered prompt or a part, at most */

typedef enum {
    LLMSTAGE_SLOT_IDLE = 0,
    LLMSTAGE_SLOT_QUEUED,
    LLMSTAGE_SLOT_SENT,
    LLMSTAGE_SLOT_DONE
} llmstage_slot_state_t;

/* What a slot's answer is for. */
typedef enum {
    LLMSTAGE_SLOT_MAP = 0,
    LLMSTAGE_SLOT_NOTES,
    LLMSTAGE_SLOT_FINAL
} llmstage_slot_kind_t;

typedef struct {
    llmstage_slot_state_t state;
    llmstage_slot_kind_t kind;
    size_t chunk;  /* index into chunks (map, notes) */
    char *prompt;  /* owned: the user message */
    char *repair;  /* owned: the repair message, once one is queued */
    int repairs;   /* repair requests made for this slot: 0 or 1 */
    json_t *value; /* owned: a fan-out answer, kept for the merge */
    char *notes;   /* owned: a notes answer as text */
} llmstage_slot_t;

/* A verified quote proposed by the model. */
typedef struct {
    size_t offset, length; /* bytes into the transcript */
    int64_t start_ms;
    quote_kind_t kind;
    double snap_score;
    char *commentary; /* owned */
    char *proposed;   /* owned: the model's wording when not exact, else NULL */
    size_t chunk;     /* the chunk whose answer proposed it */
    size_t rank;      /* its place in that answer, from 0 */
} llmstage_cand_t;

struct llmstage {
    job_stage_t stage;
    const transcript_t *t;     /* borrowed */
    const prompts_t *prompts;  /* borrowed */
    char *title;               /* owned; NULL when none */
    char *model;               /* owned */
    size_t context_tokens;     /* the window */
    size_t max_tokens;         /* reserved for the answer */
    size_t max_snippets;       /* kept at most */
    quote_opts_t qopts;        /* snap threshold */
    char *snippets_text;       /* owned: the stored snippets as prompt lines */
    char *synthesis_text;      /* owned: the stored synthesis' markdown */
    chunk_t *chunks;           /* owned: the plan */
    size_t n_chunks;           /* chunks; notes chunks for a long synthesis */
    llmstage_slot_t *slots;    /* owned: one per chunk, and the final synthesis */
    size_t n_slots;            /* slots in use */
    bool via_notes;            /* synthesis from per-chunk notes */
    bool notes_truncated;      /* the joined notes were cut to fit */
    bool snippets_omitted;     /* the stored snippets did not fit the prompt */
    quote_index_t *qi;         /* owned: snippet stage only */
    llmstage_cand_t *cands;    /* owned: verified quotes */
    size_t n_cands, cap_cands; /* entries, allocated */
    char **rejected;           /* owned: rejected quote texts (the first S_REJECTED_KEPT) */
    size_t n_rejected;         /* rejected, all counted */
    size_t n_proposed;         /* quotes proposed */
    size_t n_kind[4];          /* stored candidates by quote_kind_t */
    size_t n_salvaged;         /* map answers cut by max tokens whose complete items were kept */
    size_t n_essay_quotes;     /* synthesis: quoted spans of 3+ words checked against the source */
    size_t n_essay_unquoted;   /* synthesis: of those, not in the source: quotation marks dropped */
    size_t requests, repairs;  /* handed out */
    int64_t prompt_tokens;     /* llmstage_usage sums */
    int64_t completion_tokens; /* llmstage_usage sums */
    bool failed;               /* an answer failed the stage; err says why */
    err_t err;                 /* the failure */
    char *result;              /* owned: the part, once done */
};

/* True when s[0..len) is all white space. */
bool llmstage_all_space(const char *s, size_t len);

/* Answers' shapes (llmstage_shape.c). NULL when v has the shape an answer
 * of this slot in this stage needs, else what is wrong. */
const char *llmstage_shape_error(job_stage_t stage, const llmstage_slot_t *slot, json_t *v);

/* The snippets array of an answer: {"snippets":[…]} or a bare array. */
json_t *llmstage_snippets_of(json_t *v);

/* A snippet's reason: "why", or "commentary" as some models write it. */
const char *llmstage_item_why(json_t *it);

/* The complete items of a snippets answer cut short by max tokens, as
 * {"snippets":[…]}, or NULL when there is none. */
json_t *llmstage_salvage_snippets(const char *content, size_t len);

/* The parts, once every answer is in (caller frees; NULL when a string
 * is not UTF-8). Snippets: the picks, in source order, counted in
 * self->n_kind. Synthesis: from the final answer v. Fan-out: every map
 * answer's lists merged. */
char *llmstage_snippets_result(llmstage_t *self);
char *llmstage_synthesis_result(llmstage_t *self, json_t *v);

/* The essay md with the quotation marks dropped around every quoted span of
 * three words or more that is not in t (llmstage_quotes.c); *checked and
 * *unquoted count them. Caller frees. */
char *
llmstage_guard_essay(const transcript_t *t, const char *md, size_t *checked, size_t *unquoted);
char *llmstage_fanout_result(const llmstage_t *self);
#endif
