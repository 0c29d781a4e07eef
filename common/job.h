/*  job.h - the job vocabulary shared by every program: stages, states, ids.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_JOB_H
#define LODE_JOB_H
#include <stdint.h>

#define JOB_ID_LEN  26 /* ULID: 48-bit ms time + 80 random bits, Crockford base32 */
#define JOB_ID_SIZE (JOB_ID_LEN + 1)

/* The size limit of one source, the same rule for the client, the fetch
 * stage and the text stages (source.h's SOURCE_MAX_BYTES). */
#define JOB_SOURCE_MAX_BYTES (50u * 1024 * 1024)

typedef enum {
    JOB_STAGE_FETCH = 0,
    JOB_STAGE_SNIPPET,
    JOB_STAGE_SYNTHESIS,
    JOB_STAGE_FANOUT,
    JOB_STAGE_COUNT,
} job_stage_t;

/* "fetch", "snippet", "synthesis", "fanout". */
const char *job_stage_name(job_stage_t stage);

/* Stage from its name; -1 if unknown. */
int job_stage_parse(const char *name);

/* Job states stored in the job hash's "state" field. */
#define JOB_STATE_QUEUED   "queued"   /* waiting in its stage's ready queue */
#define JOB_STATE_RUNNING  "running"  /* leased to a worker */
#define JOB_STATE_DONE     "done"     /* all four stages finished */
#define JOB_STATE_FAILED   "failed"   /* gave up; in the dead-letter list */
#define JOB_STATE_EXPANDED "expanded" /* a playlist: became one job per video */

/* A new, time-sortable id (ULID) into out. */
void job_new_id(char out[JOB_ID_SIZE]);

/* Milliseconds since the Unix epoch. */
int64_t job_now_ms(void);

/* True if s looks like an id from job_new_id (26 Crockford base32 chars). */
int job_id_valid(const char *s);
#endif
