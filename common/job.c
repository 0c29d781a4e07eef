/*  job.c - stages, ids, clock.
 *  SPDX-License-Identifier: MIT
 */
#include "job.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

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

void job_new_id(char out[JOB_ID_SIZE])
{
    uint64_t ms = (uint64_t)job_now_ms();
    for (int i = 9; i >= 0; i--) {
        out[i] = s_b32[ms & 31];
        ms >>= 5;
    }
    unsigned char rnd[16];
    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
        /* getrandom on Linux >= 3.17 does not fail for 16 bytes; keep ids
         * unique anyway by mixing the clock and address if it ever does. */
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        for (size_t i = 0; i < sizeof rnd; i++)
            rnd[i] = (unsigned char)(ts.tv_nsec >> (i % 4 * 8)) ^ (unsigned char)rand();
    }
    for (int i = 10; i < JOB_ID_LEN; i++)
        out[i] = s_b32[rnd[i - 10] & 31];
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
