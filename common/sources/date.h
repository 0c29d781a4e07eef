/*  date.h - the calendar arithmetic and names the source drivers share:
 *  civil date <-> days since 1970-01-01 (proleptic Gregorian, any year;
 *  Howard Hinnant's algorithms), month names and time-zone abbreviations.
 *  The two date readers built on it read different things: htmlmeta.c
 *  what pages write ("November 19, 2019 5:30 pm EST", ISO 8601, Unix
 *  times), podcast_date.c RFC 822 pubDates and the day as written. No
 *  locale, no libc time zone; pure functions.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_DATE_H
#define LODE_DATE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Days from 1970-01-01 to y-m-d (m 1..12, d 1..31; not checked further). */
int64_t date_days_from_civil(int64_t y, int64_t m, int64_t d);

/* The civil date days after 1970-01-01 (negative: before). */
void date_civil_from_days(int64_t days, int *y, int *m, int *d);

/* Month 1..12 named by the word w[0..n) ("Nov", "november", "Sept": its
 * first three letters, any case), or 0. */
int date_month(const char *w, size_t n);

/* Offset in minutes east of UTC of the zone abbreviation w[0..n) (the
 * whole word, any case: GMT, UT, UTC, Z, the US zones, BST, CET, CEST);
 * false if unknown. */
bool date_zone(const char *w, size_t n, int *minutes);
#endif
