/*  job.c - stages, ids, clock.
 *  SPDX-License-Identifier: MIT
 */
#include "job.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static const char *s_stages[JOB_STAGE_COUNT] = {"fetch", "snippet", "synthesis", "fanout"};
static const char s_b32[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

const char *job_stage_name(job_stage_t stage)
{
    return (unsigned)stage < JOB_STAGE_COUNT ? s_stages[stage] : "?";
}

int job_stage_parse(const char *name)
{
    for (int i = 0; i < JOB_STAGE_COUNT; i++)
        if (name && strcmp(name, s_stages[i]) == 0)
            return i;
    return -1;
}

int64_t job_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Ids from one thread are strictly increasing, even within a millisecond
 * (ULID's monotonic mode): the random part of the previous id is incremented,
 * so sorting by id (as Redis does for equal scores) is creation order. */
static __thread uint64_t s_last_ms;
static __thread unsigned char s_last_rnd[16]; /* base32 digits */

static void s_random(unsigned char *out, size_t n)
{
    if (getrandom(out, n, 0) == (ssize_t)n)
        return;
    /* getrandom does not fail for small sizes on Linux >= 3.17; should it,
     * the clock still keeps ids of different processes apart. */
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    for (size_t i = 0; i < n; i++)
        out[i] = (unsigned char)(ts.tv_nsec >> (i % 4 * 8)) ^ (unsigned char)getpid();
}

void job_new_id(char out[JOB_ID_SIZE])
{
    uint64_t ms = (uint64_t)job_now_ms();
    if (ms <= s_last_ms) {
        ms = s_last_ms;
        for (int i = 15; i >= 0 && ++s_last_rnd[i] == 32; i--)
            s_last_rnd[i] = 0;
    } else {
        s_random(s_last_rnd, sizeof s_last_rnd);
        for (size_t i = 0; i < sizeof s_last_rnd; i++)
            s_last_rnd[i] &= 31;
        s_last_rnd[0] &= 15; /* headroom so increments within a ms never wrap */
        s_last_ms = ms;
    }
    for (int i = 9; i >= 0; i--) {
        out[i] = s_b32[ms & 31];
        ms >>= 5;
    }
    for (int i = 0; i < 16; i++)
        out[10 + i] = s_b32[s_last_rnd[i]];
    out[JOB_ID_LEN] = '\0';
}

int job_id_valid(const char *s)
{
    if (!s || strlen(s) != JOB_ID_LEN)
        return 0;
    for (int i = 0; i < JOB_ID_LEN; i++)
        if (!strchr(s_b32, s[i]) || s[i] == '\0')
            return 0;
    return 1;
}
