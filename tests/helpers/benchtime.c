/*  benchtime.c - see benchtime.h.
 *  SPDX-License-Identifier: MIT
 */
#include "benchtime.h"

#include <stdlib.h>
#include <time.h>

double benchtime_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int s_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double benchtime_pct(double *v, size_t n, double p)
{
    qsort(v, n, sizeof *v, s_cmp);
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}
