/*  curation.c - one curation change applied and saved (curation.h).
 *  SPDX-License-Identifier: MIT
 */
#include "curation.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobdoc.h"

static const struct {
    const char *name;
    const char *part;
} s_kinds[CURATION_N] = {
    [CURATION_KEEP] = {"keep", STORE_PART_SNIPPETS},
    [CURATION_DROP] = {"drop", STORE_PART_SNIPPETS},
    [CURATION_COMMENTARY] = {"commentary", STORE_PART_SNIPPETS},
    [CURATION_MOVE] = {"move", STORE_PART_SNIPPETS},
    [CURATION_SYNTHESIS] = {"synthesis", STORE_PART_SYNTHESIS},
    [CURATION_ADD] = {"add", STORE_PART_FANOUT},
    [CURATION_REMOVE] = {"remove", STORE_PART_FANOUT},
    [CURATION_RESET_SNIPPET] = {"reset_snippet", STORE_PART_SNIPPETS},
    [CURATION_RESET_SYNTHESIS] = {"reset_synthesis", STORE_PART_SYNTHESIS},
    [CURATION_RESET_FANOUT] = {"reset_fanout", STORE_PART_FANOUT},
    [CURATION_RESET_ORDER] = {"reset_order", STORE_PART_SNIPPETS},
    [CURATION_EDIT_ITEM] = {"edit_item", STORE_PART_FANOUT},
    [CURATION_MOVE_ITEM] = {"move_item", STORE_PART_FANOUT},
    [CURATION_UNDO] = {"undo", STORE_PART_CURATED},
};

const char *curation_name(curation_kind_t kind)
{
    return kind < CURATION_N ? s_kinds[kind].name : "?";
}

int curation_kind(const char *name)
{
    for (int k = 0; name && k < CURATION_N; k++) {
        if (strcmp(name, s_kinds[k].name) == 0)
            return k;
    }
    return -1;
}

const char *curation_part(curation_kind_t kind)
{
    return kind < CURATION_N ? s_kinds[kind].part : STORE_PART_SNIPPETS;
}

int curation_apply(doc_t *doc, const curation_op_t *op, err_t *err)
{
    switch (op->kind) {
    case CURATION_KEEP:
    case CURATION_DROP:
        return doc_keep(doc, op->snippet, op->kind == CURATION_KEEP, err);
    case CURATION_COMMENTARY:
        return doc_edit_commentary(doc, op->snippet, op->text, err);
    case CURATION_MOVE:
        return doc_move(doc, op->snippet, op->position, err);
    case CURATION_SYNTHESIS:
        return doc_edit_synthesis(doc, op->text, err);
    case CURATION_ADD:
        return doc_fanout_add(doc, op->list, op->text, err);
    case CURATION_REMOVE:
        return doc_fanout_remove(doc, op->list, op->text, NULL, err);
    case CURATION_RESET_SNIPPET:
        return doc_reset_snippet(doc, op->snippet, err);
    case CURATION_RESET_SYNTHESIS:
        return doc_reset_synthesis(doc, err);
    case CURATION_RESET_FANOUT:
        return doc_reset_fanout(doc, op->list, err);
    case CURATION_RESET_ORDER:
        return doc_reset_order(doc, err);
    case CURATION_EDIT_ITEM:
        return doc_fanout_edit(doc, op->list, op->text, op->to, err);
    case CURATION_MOVE_ITEM:
        return doc_fanout_move(doc, op->list, op->text, op->position, err);
    default:
        err_set(err, LODE_EINVAL, "unknown curation change");
        return -1;
    }
}

/* How many bytes of s, at most max, end on a whole UTF-8 character. */
static int s_cut(const char *s, size_t max)
{
    size_t n = strnlen(s, max + 1);
    if (n <= max)
        return (int)n;
    n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
        n--;
    return (int)n;
}

void curation_describe(const curation_op_t *op, char *out, size_t size)
{
    const char *name = curation_name(op->kind);
    const char *list = op->list ? op->list : "fan-out";
    const char *text = op->text ? op->text : "";
    int tn = s_cut(text, 80);
    switch (curation_part(op->kind)[0]) {
    case 's': /* snippets, synthesis */
        if (op->kind == CURATION_SYNTHESIS || op->kind == CURATION_RESET_SYNTHESIS ||
            op->kind == CURATION_RESET_ORDER)
            snprintf(out, size, "%s", name);
        else if (op->kind == CURATION_MOVE)
            snprintf(out, size, "move snippet %lld to %zu", (long long)op->snippet, op->position);
        else
            snprintf(out, size, "%s snippet %lld", name, (long long)op->snippet);
        break;
    case 'f':
        if (op->kind == CURATION_MOVE_ITEM)
            snprintf(out, size, "move %s item %.*s to %zu", list, tn, text, op->position);
        else
            snprintf(out, size, "%s %s %.*s", name, list, tn, text);
        break;
    default:
        snprintf(out, size, "%s", name);
    }
}

/* Undo: the store puts the last change's layer back, checking expected. */
static int s_undo(store_t *store, const char *id, int64_t expected, int64_t *version, err_t *err)
{
    store_curated_undone_t u;
    if (expected < 0) {
        free(store_curated_get(store, id, NULL, &expected, &(err_t){0}));
    }
    if (store_curated_undo(store, id, expected, &u, err) != 0)
        return -1;
    if (version)
        *version = u.version;
    return 0;
}

int curation_commit(store_t *store,
                    const char *id,
                    const curation_op_t *op,
                    int64_t expected,
                    int64_t *version,
                    err_t *err)
{
    if (op->kind == CURATION_UNDO)
        return s_undo(store, id, expected, version, err);
    store_job_t job;
    int64_t loaded = 0;
    doc_t *doc = jobdoc_load_for_edit(store, id, curation_part(op->kind), &job, &loaded, err);
    if (!doc)
        return -1;
    int rc = -1;
    char what[200];
    curation_describe(op, what, sizeof what);
    if (expected >= 0 && expected != loaded)
        err_set(err, LODE_ESTATE,
                "the curation of job %s changed since it was read (version %lld, now %lld): "
                "nothing was saved; load it again and redo the change",
                id, (long long)expected, (long long)loaded);
    else if (!doc_has_part(doc, curation_part(op->kind)))
        err_set(err, LODE_ENOTFOUND, "job %s has no %s yet (state %s, stage %s)", id,
                curation_part(op->kind), job.state, job.stage);
    else if (curation_apply(doc, op, err) == 0)
        rc = jobdoc_save(store, doc, &(jobdoc_save_t){id, loaded, what}, version, err);
    doc_destroy(&doc);
    store_job_clear(&job);
    return rc;
}
