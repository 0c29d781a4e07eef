/*  fetch_local.c - local sources into transcripts.
 *  SPDX-License-Identifier: MIT
 */
#include "fetch_local.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "source.h"
#include "transcript.h"

#define FETCH_LOCAL_TITLE_BYTES 60 /* a --text source's title: its first words */

static int s_write_parts(
    store_t *store, const char *id, const source_meta_t *meta, const transcript_t *t, err_t *err)
{
    char *src = source_meta_to_json(meta);
    char *tr = transcript_to_json(t);
    /* Transcript first: a job whose source part exists is complete for
     * readers that look at source to decide whether fetch ran. */
    int rc = store_part_set(store, id, STORE_PART_TRANSCRIPT, tr, strlen(tr), err);
    if (rc == 0)
        rc = store_part_set(store, id, STORE_PART_SOURCE, src, strlen(src), err);
    free(src);
    free(tr);
    return rc;
}

int fetch_local_run(store_t *store, const char *id, err_t *err)
{
    store_job_t job;
    if (store_job_get(store, id, &job, err) != 0)
        return -1;
    int rc = -1;
    char *body = NULL;
    transcript_t *t = NULL;
    source_meta_t meta = {0};
    if (strcmp(job.kind, "url") == 0) {
        err_set(err, LODE_EUNSUPPORTED, "web sources are not supported yet: %.200s",
                job.url ? job.url : "");
        goto out;
    }
    size_t len = 0;
    body = store_part_get(store, id, STORE_PART_INPUT, &len, err);
    if (!body)
        goto out;
    /* The client checked these at submit; an upload from another client
     * (or an older one) meets the same rules here. */
    if (source_check_input(body, len, err) != 0)
        goto out;
    source_format_t fmt = source_format_guess(job.name, body, len);
    t = source_parse(job.name, body, len, fmt, &meta, err);
    if (!t || source_check_words(t, err) != 0)
        goto out;
    free(meta.kind);
    meta.kind = mem_strdup(job.kind);
    /* Text has no name or title of its own: its first words name it in
     * lode list and lode show. */
    if (!meta.title && strcmp(job.kind, "text") == 0)
        meta.title = source_title_from_text(t->text, t->len, FETCH_LOCAL_TITLE_BYTES);
    rc = s_write_parts(store, id, &meta, t, err);
out:
    source_meta_clear(&meta);
    transcript_destroy(&t);
    free(body);
    store_job_clear(&job);
    return rc;
}
