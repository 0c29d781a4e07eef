/*  docfix.c - a finished job written through the store (docfix.h).
 *  SPDX-License-Identifier: MIT
 */
#include "docfix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "buf.h"
#include "mem.h"

static char *s_prose(size_t words)
{
    static const char *const w[] = {"mining", "the",    "long",  "talk",   "for", "quotes",
                                    "that",   "ground", "every", "claim",  "in",  "what",
                                    "was",    "said",   "about", "models", "and", "tools"};
    buf_t b;
    buf_init(&b, 64u * 1024 * 1024);
    for (size_t i = 0; i < words; i++) {
        if (buf_puts(&b, w[(i * 7 + i / 5) % (sizeof w / sizeof w[0])], NULL) != 0 ||
            buf_puts(&b, (i + 1) % 12 == 0 ? ". " : " ", NULL) != 0)
            break;
    }
    return buf_steal(&b);
}

static int s_set(store_t *st, const char *id, const char *part, json_t *j, err_t *err)
{
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    int rc = store_part_set(st, id, part, s, strlen(s), err);
    free(s);
    return rc;
}

/* count snippets spread over text (ASCII, so bytes are code points). */
static json_t *s_snippets(const char *text, size_t count)
{
    json_t *arr = json_array();
    size_t len = strlen(text), step = len / (count + 1);
    for (size_t i = 0; i < count; i++) {
        size_t off = step * (i + 1), n = 40 < len - off ? 40 : len - off;
        char *q = mem_strndup(text + off, n);
        char com[64];
        snprintf(com, sizeof com, "Commentary of snippet %zu.", i + 1);
        json_array_append_new(arr, json_pack("{s:I,s:s,s:s,s:I,s:I,s:I,s:s,s:b}", "id",
                                             (json_int_t)(i + 1), "quote", q, "commentary", com,
                                             "offset", (json_int_t)off, "length", (json_int_t)n,
                                             "start_ms", (json_int_t)(i * 60000), "match",
                                             i % 3 == 0 ? "exact" : "normalised", "kept", 1));
        free(q);
    }
    return arr;
}

/* Walk the job through the four stages as a worker would (dispatch, done),
 * so it ends "done" like a mined one. Only for a cluster without workers. */
static int s_finish(store_t *st, const char *id, err_t *err)
{
    for (int s = 0; s < JOB_STAGE_COUNT; s++) {
        char got[JOB_ID_SIZE] = "";
        uint32_t attempt = 0;
        int rc =
            store_dispatch(st, (job_stage_t)s, job_now_ms() + 60000, "docfix", got, &attempt, err);
        if (rc != 1 || strcmp(got, id) != 0) {
            err_set(err, LODE_ESTATE, "docfix: the %s queue did not hand out %s",
                    job_stage_name((job_stage_t)s), id);
            return -1;
        }
        if (store_done(st, id, (job_stage_t)s, attempt, "docfix", err) != 1)
            return -1;
    }
    return 0;
}

int docfix_job(store_t *st, const docfix_opts_t *o, char id[JOB_ID_SIZE], err_t *err)
{
    docfix_opts_t d = o ? *o : (docfix_opts_t){0};
    const char *url = d.url ? d.url : "https://www.youtube.com/watch?v=dQw4w9WgXcQ";
    store_item_t item = {.kind = "url", .url = url};
    char batch[JOB_ID_SIZE];
    char(*ids)[JOB_ID_SIZE] = (char(*)[JOB_ID_SIZE])id;
    if (store_submit(st, d.batch_name ? d.batch_name : "fixture", &item, 1, ids, batch, err) != 0)
        return -1;
    char *gen = d.transcript ? NULL : s_prose(d.words ? d.words : 300);
    const char *text = d.transcript ? d.transcript : gen;
    const char *title = d.title ? d.title : "Fixture document";
    int rc = s_set(st, id, STORE_PART_SOURCE,
                   json_pack("{s:s,s:s,s:s,s:s,s:i}", "title", title, "url", url, "author",
                             "Fixture Channel", "published", "2026-01-02", "duration_s", 5400),
                   err);
    rc = rc ? rc
            : s_set(st, id, STORE_PART_TRANSCRIPT,
                    json_pack("{s:s,s:[]}", "text", text, "segments"), err);
    rc =
        rc ? rc
           : s_set(st, id, STORE_PART_SNIPPETS, s_snippets(text, d.snippets ? d.snippets : 5), err);
    rc = rc ? rc
            : s_set(st, id, STORE_PART_SYNTHESIS,
                    json_pack("{s:s,s:s}", "title", title, "markdown",
                              "# Synthesis\n\nWhat the talk *says*, in [one](https://example.org) "
                              "paragraph.\n"),
                    err);
    rc =
        rc ? rc
           : s_set(st, id, STORE_PART_FANOUT,
                   json_pack("{s:[s,s],s:[s],s:[s]}", "questions", "What is mined?", "Who curates?",
                             "concepts", "grounding", "references", "The seed page"),
                   err);
    free(gen);
    return rc ? rc : s_finish(st, id, err);
}
