/*  llmstage.c - the `openai` engine's per-stage state machine: the plan,
 *  requests out, answers in and checked (see llmstage.h). What the answers
 *  become, and the snippets guard, are in llmstage_reduce.c; the shapes an
 *  answer must have, in llmstage_shape.c. No I/O.
 *  SPDX-License-Identifier: MIT
 */
#include "llmstage.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "chunk.h"
#include "extract.h"
#include "llmstage_impl.h"
#include "mem.h"
#include "quote.h"

#define S_REPAIR_SHOWN          600 /* bytes of a bad answer sent back in its repair request, at most */
#define S_REPAIR_WRAPPER_TOKENS 80   /* the repair request's own words */
#define S_REPAIR_RESERVE        200  /* tokens kept free in every request for its repair */
#define S_REJECTED_KEPT         1000 /* rejected quotes kept for llmstage_rejected */
#define S_REJECTED_BYTES        512  /* of each, at most */
#define S_CHUNK_LABEL_MAX       ", part 999 of 999"

static const char *const s_system =
    "You read sources closely and answer with JSON only, exactly in the shape asked for.";

/* JSON Schemas of the answers (strict mode: every property required, no
 * others). */
#define S_STRINGS "{\"type\":\"array\",\"items\":{\"type\":\"string\"}}"
static const char *const s_schema_snippets =
    "{\"type\":\"object\",\"properties\":{\"snippets\":{\"type\":\"array\",\"items\":{"
    "\"type\":\"object\",\"properties\":{\"quote\":{\"type\":\"string\"},\"why\":{\"type\":"
    "\"string\"}},\"required\":[\"quote\",\"why\"],\"additionalProperties\":false}}},"
    "\"required\":[\"snippets\"],\"additionalProperties\":false}";
static const char *const s_schema_synthesis =
    "{\"type\":\"object\",\"properties\":{\"title\":{\"type\":\"string\"},\"sections\":{"
    "\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"heading\":{\"type\":"
    "\"string\"},\"markdown\":{\"type\":\"string\"}},\"required\":[\"heading\",\"markdown\"],"
    "\"additionalProperties\":false}}},\"required\":[\"title\",\"sections\"],"
    "\"additionalProperties\":false}";
static const char *const s_schema_fanout =
    "{\"type\":\"object\",\"properties\":{\"questions\":" S_STRINGS ",\"concepts\":" S_STRINGS
    ",\"references\":" S_STRINGS "},\"required\":[\"questions\",\"concepts\",\"references\"],"
    "\"additionalProperties\":false}";
static const char *const s_schema_notes =
    "{\"type\":\"object\",\"properties\":{\"claims\":" S_STRINGS ",\"numbers\":" S_STRINGS
    ",\"examples\":" S_STRINGS ",\"references\":" S_STRINGS ",\"quotes\":" S_STRINGS
    "},\"required\":[\"claims\",\"numbers\",\"examples\",\"references\",\"quotes\"],"
    "\"additionalProperties\":false}";

static const char *const s_note_kinds[] = {"claims", "numbers", "examples", "references", "quotes"};

/* --- small helpers ------------------------------------------------------ */

static size_t s_tokens(const char *s)
{
    return chunk_tokens(s, strlen(s));
}

static char *s_preview(const char *s, size_t len)
{
    char out[LLMJSON_PREVIEW_MAX + 16];
    return mem_strdup(llmjson_preview(s, len, out, sizeof out));
}

bool llmstage_all_space(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!isspace((unsigned char)s[i]))
            return false;
    return true;
}

static char *s_chunk_label(const llmstage_t *self, size_t i)
{
    if (self->n_chunks <= 1)
        return mem_strdup("");
    return mem_printf(", part %zu of %zu", i + 1, self->n_chunks);
}

static llmstage_slot_t *s_slot_add(llmstage_t *self, llmstage_slot_kind_t kind, size_t chunk)
{
    llmstage_slot_t *s = &self->slots[self->n_slots++];
    *s = (llmstage_slot_t){.kind = kind, .chunk = chunk};
    return s;
}

static prompt_id_t s_prompt_of(const llmstage_t *self)
{
    switch (self->stage) {
    case JOB_STAGE_SNIPPET:
        return PROMPT_SNIPPET;
    case JOB_STAGE_SYNTHESIS:
        return PROMPT_SYNTHESIS;
    default:
        return PROMPT_FANOUT;
    }
}

static const char *s_schema_of(const llmstage_slot_t *slot, job_stage_t stage, const char **name)
{
    if (slot->kind == LLMSTAGE_SLOT_NOTES) {
        *name = "lode_notes";
        return s_schema_notes;
    }
    switch (stage) {
    case JOB_STAGE_SNIPPET:
        *name = "lode_snippets";
        return s_schema_snippets;
    case JOB_STAGE_SYNTHESIS:
        *name = "lode_synthesis";
        return s_schema_synthesis;
    default:
        *name = "lode_fanout";
        return s_schema_fanout;
    }
}

/* Render template id for chunk label and source text. */
static char *
s_render(const llmstage_t *self, prompt_id_t id, const char *label, const char *source, err_t *err)
{
    prompts_vars_t v = {.title = self->title,
                        .max_snippets = (int)self->max_snippets,
                        .chunk = label,
                        .transcript = source,
                        .snippets = self->snippets_text,
                        .synthesis = self->synthesis_text};
    if (id == PROMPT_SNIPPET && self->n_chunks > 1) {
        /* Each part proposes its share and one more (at least 3), so the
         * reduce has a choice; never more than the whole. */
        size_t share = (self->max_snippets + self->n_chunks - 1) / self->n_chunks + 1;
        if (share < 3)
            share = 3;
        if (share > self->max_snippets)
            share = self->max_snippets;
        v.max_snippets = (int)share;
    }
    return prompts_render(prompts_text(self->prompts, id), &v, LLMSTAGE_RENDER_MAX, err);
}

/* Tokens the request around the source takes: the system message, the
 * template rendered with no source, the answer's reserve, room for a
 * repair's additions and a margin for the chat format's own tokens. */
static int s_reserve(const llmstage_t *self, prompt_id_t id, size_t *reserve, err_t *err)
{
    char *bare = s_render(self, id, S_CHUNK_LABEL_MAX, "", err);
    if (!bare)
        return -1;
    size_t margin = 32 + self->context_tokens / 50 + S_REPAIR_RESERVE;
    *reserve = s_tokens(s_system) + s_tokens(bare) + self->max_tokens + margin;
    free(bare);
    if (*reserve + CHUNK_MIN_BUDGET > self->context_tokens) {
        err_set(err, LODE_ETOOBIG,
                "%s: the prompt and answer need %zu tokens, the window has %zu (need %d more "
                "for the source)",
                prompts_name(id), *reserve, self->context_tokens, CHUNK_MIN_BUDGET);
        return -1;
    }
    return 0;
}

/* --- stored parts the prompts carry -------------------------------------- */

static int s_load_snippets_text(llmstage_t *self, const char *json, err_t *err)
{
    if (!json)
        return 0;
    json_error_t je;
    json_t *arr = json_loads(json, 0, &je);
    if (!arr || !json_is_array(arr)) {
        err_set(err, LODE_EINVAL, "stored snippets: %s", arr ? "not an array" : je.text);
        json_decref(arr);
        return -1;
    }
    buf_t b;
    buf_init(&b, LLMSTAGE_RENDER_MAX);
    size_t i;
    json_t *it;
    int rc = 0;
    json_array_foreach(arr, i, it)
    {
        const char *q = json_string_value(json_object_get(it, "quote"));
        const char *c = json_string_value(json_object_get(it, "commentary"));
        if (!q) {
            err_set(err, LODE_EINVAL, "stored snippets: item %zu has no quote", i + 1);
            rc = -1;
            break;
        }
        if (buf_printf(&b, err, "- \"%s\"%s%s\n", q, c && *c ? " - " : "", c ? c : "") != 0) {
            rc = -1;
            break;
        }
    }
    json_decref(arr);
    if (rc == 0)
        self->snippets_text = buf_steal(&b);
    buf_free(&b);
    return rc;
}

static int s_load_synthesis_text(llmstage_t *self, const char *json, err_t *err)
{
    if (!json)
        return 0;
    json_error_t je;
    json_t *o = json_loads(json, 0, &je);
    const char *md = json_string_value(json_object_get(o, "markdown"));
    if (!md) {
        err_set(err, LODE_EINVAL, "stored synthesis: %s", o ? "no markdown" : je.text);
        json_decref(o);
        return -1;
    }
    self->synthesis_text = mem_strdup(md);
    json_decref(o);
    return 0;
}

/* --- the plan ------------------------------------------------------------ */

/* One slot per chunk of the plan for template id, each with its prompt. */
static int s_plan_chunks(llmstage_t *self, prompt_id_t id, llmstage_slot_kind_t kind, err_t *err)
{
    size_t reserve;
    if (s_reserve(self, id, &reserve, err) != 0)
        return -1;
    size_t budget = self->context_tokens - reserve;
    size_t overlap = budget / 8 < 300 ? budget / 8 : 300;
    chunk_budget_t plan = {self->context_tokens, reserve, overlap};
    if (chunk_plan(self->t, &plan, &self->chunks, &self->n_chunks, err) != 0)
        return -1;
    self->slots = mem_calloc(self->n_chunks + 1, sizeof *self->slots);
    for (size_t i = 0; i < self->n_chunks; i++) {
        const chunk_t *c = &self->chunks[i];
        char *label = s_chunk_label(self, i);
        char *text = mem_strndup(self->t->text + c->offset, c->length);
        llmstage_slot_t *slot = s_slot_add(self, kind, i);
        slot->prompt = s_render(self, id, label, text, err);
        slot->state = LLMSTAGE_SLOT_QUEUED;
        free(label);
        free(text);
        if (!slot->prompt)
            return -1;
    }
    return 0;
}

/* A synthesis that fits is one request over the whole source; a longer one
 * takes notes per chunk first. */
static int s_plan_synthesis(llmstage_t *self, err_t *err)
{
    size_t reserve, source = chunk_tokens(self->t->text, self->t->len);
    if (s_reserve(self, PROMPT_SYNTHESIS, &reserve, err) != 0)
        return -1;
    if (source + reserve > self->context_tokens && self->snippets_text) {
        /* The whole source without the kept quotes (they are in it) makes
         * a better essay than notes with them. */
        char *kept = self->snippets_text;
        self->snippets_text = NULL;
        size_t bare;
        if (s_reserve(self, PROMPT_SYNTHESIS, &bare, err) == 0 &&
            source + bare <= self->context_tokens) {
            free(kept);
            self->snippets_omitted = true;
            reserve = bare;
        } else {
            self->snippets_text = kept;
        }
    }
    if (source + reserve <= self->context_tokens) {
        self->n_chunks = 1;
        self->slots = mem_calloc(1, sizeof *self->slots);
        llmstage_slot_t *slot = s_slot_add(self, LLMSTAGE_SLOT_FINAL, 0);
        slot->prompt = s_render(self, PROMPT_SYNTHESIS, "", self->t->text, err);
        slot->state = LLMSTAGE_SLOT_QUEUED;
        return slot->prompt ? 0 : -1;
    }
    self->via_notes = true;
    return s_plan_chunks(self, PROMPT_NOTES, LLMSTAGE_SLOT_NOTES, err);
}

static int s_setup(llmstage_t *self, const llmstage_opts_t *o, err_t *err)
{
    /* Only the parts a stage's prompts carry are read. */
    bool later = self->stage != JOB_STAGE_SNIPPET;
    if ((later && s_load_snippets_text(self, o->snippets_json, err) != 0) ||
        (self->stage == JOB_STAGE_FANOUT &&
         s_load_synthesis_text(self, o->synthesis_json, err) != 0))
        return -1;
    if (self->stage == JOB_STAGE_SNIPPET) {
        self->qi = quote_index_new(self->t, err);
        if (!self->qi)
            return -1;
        return s_plan_chunks(self, PROMPT_SNIPPET, LLMSTAGE_SLOT_MAP, err);
    }
    err_t e = {0};
    int rc = self->stage == JOB_STAGE_SYNTHESIS
                 ? s_plan_synthesis(self, &e)
                 : s_plan_chunks(self, PROMPT_FANOUT, LLMSTAGE_SLOT_MAP, &e);
    if (rc != 0 && e.code == LODE_ETOOBIG && self->snippets_text) {
        /* The kept quotes help but are not the source: without them the
         * prompt may fit. A plan fails before it allocates, so retry. */
        free(self->snippets_text);
        self->snippets_text = NULL;
        self->snippets_omitted = true;
        err_clear(&e);
        rc = self->stage == JOB_STAGE_SYNTHESIS
                 ? s_plan_synthesis(self, &e)
                 : s_plan_chunks(self, PROMPT_FANOUT, LLMSTAGE_SLOT_MAP, &e);
    }
    if (rc != 0)
        err_set(err, e.code, "%s", e.msg);
    return rc;
}

/* Words of the transcript (white-space separated), for the default number
 * of snippets: the source's length decides it, the same rule as the
 * extractive engine's (issue #14), not a fixed cap. */
static size_t s_words(const transcript_t *t)
{
    size_t n = 0;
    bool in = false;
    for (size_t i = 0; i < t->len; i++) {
        bool sp =
            t->text[i] == ' ' || t->text[i] == '\n' || t->text[i] == '\t' || t->text[i] == '\r';
        n += !sp && !in;
        in = !sp;
    }
    return n;
}

llmstage_t *llmstage_new(const llmstage_opts_t *o, err_t *err)
{
    if (!o || !o->transcript || !o->prompts ||
        (o->stage != JOB_STAGE_SNIPPET && o->stage != JOB_STAGE_SYNTHESIS &&
         o->stage != JOB_STAGE_FANOUT)) {
        err_set(err, LODE_EINVAL, "llmstage_new: missing transcript or prompts, or bad stage");
        return NULL;
    }
    if (!o->transcript->text || llmstage_all_space(o->transcript->text, o->transcript->len)) {
        err_set(err, LODE_EEMPTY, "empty transcript");
        return NULL;
    }
    llmstage_t *self = mem_calloc(1, sizeof *self);
    self->stage = o->stage;
    self->t = o->transcript;
    self->prompts = o->prompts;
    self->title = o->title && *o->title ? mem_strdup(o->title) : NULL;
    self->model = mem_strdup(o->model ? o->model : "");
    self->context_tokens = o->context_tokens ? o->context_tokens : 8192;
    self->max_tokens = o->max_tokens ? o->max_tokens : 2048;
    self->max_snippets =
        o->max_snippets > 0 ? (size_t)o->max_snippets : extract_snippet_budget(s_words(self->t));
    self->qopts.min_score = o->min_snap_score;
    if (s_setup(self, o, err) != 0) {
        err_prefix(err, "%s", job_stage_name(self->stage));
        llmstage_destroy(&self);
    }
    return self;
}

void llmstage_destroy(llmstage_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    llmstage_t *self = *self_p;
    for (size_t i = 0; i < self->n_slots; i++) {
        free(self->slots[i].prompt);
        free(self->slots[i].repair);
        free(self->slots[i].notes);
        json_decref(self->slots[i].value);
    }
    for (size_t i = 0; i < self->n_cands; i++) {
        free(self->cands[i].commentary);
        free(self->cands[i].proposed);
    }
    for (size_t i = 0; i < self->n_rejected && i < S_REJECTED_KEPT; i++)
        free(self->rejected[i]);
    free(self->rejected);
    free(self->cands);
    free(self->slots);
    free(self->chunks);
    quote_index_destroy(&self->qi);
    free(self->title);
    free(self->model);
    free(self->snippets_text);
    free(self->synthesis_text);
    free(self->result);
    free(self);
    *self_p = NULL;
}

int llmstage_next(llmstage_t *self, llmstage_req_t *req)
{
    if (self->failed)
        return 0;
    for (size_t i = 0; i < self->n_slots; i++) {
        llmstage_slot_t *slot = &self->slots[i];
        if (slot->state != LLMSTAGE_SLOT_QUEUED)
            continue;
        slot->state = LLMSTAGE_SLOT_SENT;
        self->requests++;
        *req = (llmstage_req_t){
            .slot = i, .system = s_system, .user = slot->repair ? slot->repair : slot->prompt};
        req->schema = s_schema_of(slot, self->stage, &req->schema_name);
        return 1;
    }
    return 0;
}

/* --- answers: taking them ----------------------------------------------- */

/* Count a rejected quote; keep the start of the first S_REJECTED_KEPT (the
 * model decides their size: only a bounded excerpt is kept for the log). */
static void s_reject(llmstage_t *self, const char *quote)
{
    if (self->n_rejected < S_REJECTED_KEPT) {
        size_t n = strlen(quote);
        if (n > S_REJECTED_BYTES) {
            n = S_REJECTED_BYTES;
            while (n > 0 && ((unsigned char)quote[n] & 0xc0) == 0x80)
                n--; /* not inside a code point */
        }
        self->rejected = mem_realloc(self->rejected, (self->n_rejected + 1) * sizeof(char *));
        self->rejected[self->n_rejected] = mem_strndup(quote, n);
    }
    self->n_rejected++;
}

/* Verify one proposed quote against the whole transcript; keep it as a
 * candidate or count it rejected. */
static void
s_take_quote(llmstage_t *self, const char *quote, const char *why, size_t chunk, size_t rank)
{
    self->n_proposed++;
    quote_match_t m;
    err_t e = {0};
    size_t len = strlen(quote);
    if (llmstage_all_space(quote, len) ||
        quote_index_find(self->qi, quote, len, &self->qopts, &m, &e) != 0 || m.kind == QUOTE_NONE ||
        m.length == 0) {
        s_reject(self, quote);
        return;
    }
    if (self->n_cands == self->cap_cands) {
        self->cap_cands = self->cap_cands * 2 + 16;
        self->cands = mem_realloc(self->cands, self->cap_cands * sizeof *self->cands);
    }
    /* len is bounded: quote_index_find refuses quotes over QUOTE_MAX_BYTES */
    char *proposed = m.kind == QUOTE_EXACT ? NULL : mem_strndup(quote, len);
    self->cands[self->n_cands++] = (llmstage_cand_t){
        m.offset, m.length, m.start_ms, m.kind, m.score, mem_strdup(why), proposed, chunk, rank};
}

static void s_take_snippets(llmstage_t *self, const llmstage_slot_t *slot, json_t *v)
{
    size_t i;
    json_t *it;
    json_array_foreach(llmstage_snippets_of(v), i, it)
    {
        s_take_quote(self, json_string_value(json_object_get(it, "quote")), llmstage_item_why(it),
                     slot->chunk, i);
    }
}

/* Notes as compact text: a heading per part, a labelled list per kind. */
static char *s_notes_text(const llmstage_t *self, const llmstage_slot_t *slot, json_t *v)
{
    buf_t b;
    buf_init(&b, LLMSTAGE_RENDER_MAX);
    err_t e = {0};
    int rc = buf_printf(&b, &e, "### Part %zu of %zu\n", slot->chunk + 1, self->n_chunks);
    for (size_t k = 0; k < sizeof s_note_kinds / sizeof s_note_kinds[0]; k++) {
        json_t *arr = json_object_get(v, s_note_kinds[k]);
        if (json_array_size(arr) == 0)
            continue;
        rc |= buf_printf(&b, &e, "%c%s:\n", toupper((unsigned char)s_note_kinds[k][0]),
                         s_note_kinds[k] + 1);
        size_t i;
        json_t *it;
        json_array_foreach(arr, i, it)
        {
            rc |= buf_printf(&b, &e, "- %s\n", json_string_value(it));
        }
    }
    (void)rc; /* bounded by the answer's size, far under the limit */
    return buf_steal(&b);
}

/* Fail the stage: the error is kept for later calls and copied out. */
static int s_fail(llmstage_t *self, const err_t *e, err_t *err)
{
    self->failed = true;
    self->err = *e;
    err_set(err, e->code, "%s", e->msg);
    return -1;
}

/* An unusable answer: one repair request, then failure. bad->what says
 * what is wrong; the failure's message adds the start of the answer when
 * what does not show it already (bad->show). */
typedef struct {
    const char *content; /* the answer */
    size_t len;
    const char *what; /* what is wrong with it */
    bool show;        /* what does not show the answer: the failure quotes it */
} s_bad_t;

static int s_repair_or_fail(llmstage_t *self, llmstage_slot_t *slot, const s_bad_t *bad, err_t *err)
{
    const char *content = bad->content, *what = bad->what;
    size_t len = bad->len;
    if (slot->repairs > 0) {
        err_t e = {0};
        char *pv = bad->show ? s_preview(content, len) : NULL;
        err_set(&e, LODE_ELLM, "%s: answer still unusable after a repair: %s%s%s%s",
                job_stage_name(self->stage), what, pv ? "; it began \"" : "", pv ? pv : "",
                pv ? "\"" : "");
        free(pv);
        return s_fail(self, &e, err);
    }
    /* The repair is the original prompt and more: show as much of the bad
     * answer as the window still holds (a byte is at most a token in the
     * estimate), cut at a code point. */
    size_t used = s_tokens(slot->prompt) + s_tokens(what) + S_REPAIR_WRAPPER_TOKENS +
                  s_tokens(s_system) + self->max_tokens;
    size_t shown = self->context_tokens > used ? self->context_tokens - used : 0;
    if (shown > S_REPAIR_SHOWN)
        shown = S_REPAIR_SHOWN;
    if (shown >= len)
        shown = len;
    else
        while (shown > 0 && ((unsigned char)content[shown] & 0xc0) == 0x80)
            shown--;
    free(slot->repair);
    slot->repair = mem_printf("%s\n\n---\nYour previous answer could not be used: %s\n"
                              "It was:\n<<<\n%.*s%s\n>>>\n"
                              "Answer again with only the corrected JSON, in the shape asked for "
                              "above: no prose, no code fence.",
                              slot->prompt, what, (int)shown, content, shown < len ? "…" : "");
    slot->repairs++;
    self->repairs++;
    slot->state = LLMSTAGE_SLOT_QUEUED;
    return 0;
}

/* Whether every slot has its answer. */
static bool s_all_done(const llmstage_t *self)
{
    for (size_t i = 0; i < self->n_slots; i++)
        if (self->slots[i].state != LLMSTAGE_SLOT_DONE)
            return false;
    return true;
}

static int s_finish(llmstage_t *self, json_t *v, err_t *err);
static int s_start_final_synthesis(llmstage_t *self, err_t *err);

/* A good answer's JSON put to use. */
static int s_take(llmstage_t *self, llmstage_slot_t *slot, json_t *v, err_t *err)
{
    slot->state = LLMSTAGE_SLOT_DONE;
    if (slot->kind == LLMSTAGE_SLOT_NOTES) {
        slot->notes = s_notes_text(self, slot, v);
    } else if (self->stage == JOB_STAGE_SNIPPET) {
        s_take_snippets(self, slot, v);
    } else if (self->stage == JOB_STAGE_FANOUT) {
        slot->value = json_incref(v);
    } else {
        return s_finish(self, v, err);
    }
    if (!s_all_done(self))
        return 0;
    if (self->via_notes)
        return s_start_final_synthesis(self, err);
    return s_finish(self, NULL, err);
}

int llmstage_answer(llmstage_t *self, size_t slot_i, const llmjson_response_t *resp, err_t *err)
{
    if (self->failed) {
        err_set(err, self->err.code, "%s", self->err.msg);
        return -1;
    }
    if (slot_i >= self->n_slots || self->slots[slot_i].state != LLMSTAGE_SLOT_SENT || !resp) {
        err_set(err, LODE_EINVAL, "llmstage_answer: slot %zu is not waiting for an answer", slot_i);
        return -1;
    }
    llmstage_slot_t *slot = &self->slots[slot_i];
    const char *content = resp->content ? resp->content : "";
    size_t len = resp->content ? resp->content_len : 0;
    err_t e = {0};
    char *json = llmjson_extract(content, len, resp->finish_reason, NULL, &e);
    json_t *v = NULL;
    if (!json && e.code == LODE_ETOOBIG && self->stage == JOB_STAGE_SNIPPET && self->n_chunks > 1) {
        /* One part of many whose answer ran out of tokens: its complete
         * quotes are worth keeping; the other parts cover the rest. */
        v = llmstage_salvage_snippets(content, len);
        self->n_salvaged += v != NULL;
    }
    if (!json && !v) {
        if (e.code == LODE_ELLM)
            return s_repair_or_fail(self, slot, &(s_bad_t){content, len, e.msg, false}, err);
        /* finish_reason "length" or a content filter: the same request fails again. */
        err_prefix(&e, "%s", job_stage_name(self->stage));
        return s_fail(self, &e, err);
    }
    if (json) {
        v = json_loads(json, 0, NULL);
        free(json);
    }
    const char *shape = v ? llmstage_shape_error(self->stage, slot, v) : "not JSON";
    if (shape) {
        json_decref(v);
        return s_repair_or_fail(self, slot, &(s_bad_t){content, len, shape, true}, err);
    }
    int rc = s_take(self, slot, v, err);
    json_decref(v);
    return rc;
}

bool llmstage_done(const llmstage_t *self)
{
    return self->result != NULL;
}

static int s_finish(llmstage_t *self, json_t *v, err_t *err)
{
    if (self->stage == JOB_STAGE_SNIPPET)
        self->result = llmstage_snippets_result(self);
    else if (self->stage == JOB_STAGE_FANOUT)
        self->result = llmstage_fanout_result(self);
    else
        self->result = llmstage_synthesis_result(self, v);
    if (!self->result) {
        err_t e = {0};
        err_set(&e, LODE_ELLM, "%s: the answer holds text that is not UTF-8",
                job_stage_name(self->stage));
        return s_fail(self, &e, err);
    }
    return 0;
}

/* The longest prefix of whole lines of s within max tokens. */
static size_t s_cut_lines(const char *s, size_t max)
{
    size_t keep = 0;
    for (const char *nl = strchr(s, '\n'); nl; nl = strchr(nl + 1, '\n')) {
        if (chunk_tokens(s, (size_t)(nl + 1 - s)) > max)
            break;
        keep = (size_t)(nl + 1 - s);
    }
    return keep;
}

/* Join the notes; when they pass the budget, cut each chunk's to an equal
 * share so that every part of the source still speaks. */
static char *s_joined_notes(llmstage_t *self, size_t budget)
{
    size_t total = 0, n = self->n_slots;
    for (size_t i = 0; i < n; i++)
        total += s_tokens(self->slots[i].notes) + 1;
    buf_t b;
    buf_init(&b, LLMSTAGE_RENDER_MAX);
    err_t e = {0};
    int rc = 0;
    self->notes_truncated = total > budget;
    for (size_t i = 0; i < n; i++) {
        const char *s = self->slots[i].notes;
        size_t len = self->notes_truncated ? s_cut_lines(s, budget / n) : strlen(s);
        rc |= buf_append(&b, s, len, &e);
        rc |= buf_puts(&b, "\n", &e);
    }
    (void)rc; /* bounded by the answers' sizes */
    return buf_steal(&b);
}

static int s_start_final_synthesis(llmstage_t *self, err_t *err)
{
    size_t reserve;
    err_t e = {0};
    if (s_reserve(self, PROMPT_SYNTHESIS, &reserve, &e) != 0)
        return s_fail(self, &e, err);
    char *notes = s_joined_notes(self, self->context_tokens - reserve);
    llmstage_slot_t *slot = s_slot_add(self, LLMSTAGE_SLOT_FINAL, self->n_chunks);
    slot->prompt = s_render(self, PROMPT_SYNTHESIS, "", notes, &e);
    free(notes);
    if (!slot->prompt)
        return s_fail(self, &e, err);
    slot->state = LLMSTAGE_SLOT_QUEUED;
    return 0;
}

char *llmstage_result(llmstage_t *self, size_t *len)
{
    if (!self->result)
        return NULL;
    if (len)
        *len = strlen(self->result);
    return mem_strdup(self->result);
}

char *llmstage_meta(const llmstage_t *self)
{
    prompt_id_t id = s_prompt_of(self);
    json_t *o =
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "engine", "openai",
                  "model", self->model, "stage", job_stage_name(self->stage), "prompt",
                  prompts_name(id), "prompt_hash", prompts_hash(self->prompts, id), "prompt_origin",
                  prompts_origin(self->prompts, id), "chunks", (json_int_t)self->n_chunks,
                  "requests", (json_int_t)self->requests, "repairs", (json_int_t)self->repairs,
                  "prompt_tokens", (json_int_t)self->prompt_tokens, "completion_tokens",
                  (json_int_t)self->completion_tokens, "context_tokens",
                  (json_int_t)self->context_tokens, "max_tokens", (json_int_t)self->max_tokens);
    if (self->stage == JOB_STAGE_SNIPPET)
        json_object_set_new(o, "quotes",
                            json_pack("{s:I,s:I,s:I,s:I,s:I}", "proposed",
                                      (json_int_t)self->n_proposed, "exact",
                                      (json_int_t)self->n_kind[QUOTE_EXACT], "normalised",
                                      (json_int_t)self->n_kind[QUOTE_NORMALISED], "snapped",
                                      (json_int_t)self->n_kind[QUOTE_SNAPPED], "rejected",
                                      (json_int_t)self->n_rejected));
    if (self->stage == JOB_STAGE_SYNTHESIS)
        json_object_set_new(o, "essay_quotes",
                            json_pack("{s:I,s:I}", "checked", (json_int_t)self->n_essay_quotes,
                                      "unquoted", (json_int_t)self->n_essay_unquoted));
    if (self->snippets_omitted)
        json_object_set_new(o, "snippets_omitted", json_true());
    if (self->stage == JOB_STAGE_SNIPPET)
        json_object_set_new(o, "cut_answers", json_integer((json_int_t)self->n_salvaged));
    if (self->via_notes)
        json_object_set_new(
            o, "notes",
            json_pack("{s:s,s:s,s:I,s:b}", "prompt_hash", prompts_hash(self->prompts, PROMPT_NOTES),
                      "prompt_origin", prompts_origin(self->prompts, PROMPT_NOTES), "chunks",
                      (json_int_t)self->n_chunks, "truncated", self->notes_truncated));
    char *out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return out;
}

void llmstage_usage(llmstage_t *self, int64_t prompt_tokens, int64_t completion_tokens)
{
    if (prompt_tokens > 0)
        self->prompt_tokens += prompt_tokens;
    if (completion_tokens > 0)
        self->completion_tokens += completion_tokens;
}

const char *llmstage_rejected(const llmstage_t *self, size_t n)
{
    return n < self->n_rejected && n < S_REJECTED_KEPT ? self->rejected[n] : NULL;
}
