/*  benchtime.h - what the benchmarks time with: a monotonic clock in
 *  milliseconds and a percentile of a sample. Bench code only (linked
 *  with the test helpers).
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_BENCHTIME_H
#define LODE_BENCHTIME_H
#include <stddef.h>

/* CLOCK_MONOTONIC in milliseconds. */
double benchtime_now_ms(void);

/* The p-th quantile (0..1, nearest rank) of v[0..n), n > 0; sorts v. */
double benchtime_pct(double *v, size_t n, double p);
#endif
