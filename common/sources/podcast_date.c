/*  podcast_date.c - the feed's time fields: itunes:duration to
 *  milliseconds and RFC 822 (or ISO 8601) pubDate to a day and Unix
 *  seconds. Pure functions; no locale, no libc time zone.
 *  SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "date.h"
#include "podcast_impl.h"

/* ---------------------------------------------------------------- dates, durations */

/* Digits at *pp (at most max), as a number; -1 if none. */
int64_t podcast_digits(const char **pp, int max)
{
    const char *p = *pp;
    int64_t v = 0;
    int n = 0;
    while (n < max && isdigit((unsigned char)*p)) {
        v = v * 10 + (*p++ - '0');
        n++;
    }
    *pp = p;
    return n ? v : -1;
}

int64_t podcast_duration_ms(const char *s)
{
    if (!s)
        return -1;
    while (podcast_is_space(*s))
        s++;
    int64_t parts[3];
    int n = 0;
    const char *p = s;
    for (;;) {
        int64_t v = podcast_digits(&p, 12);
        if (v < 0 || n == 3)
            return -1;
        parts[n++] = v;
        if (*p != ':')
            break;
        p++;
    }
    int64_t frac_ms = 0;
    if (*p == '.' || *p == ',') {
        p++;
        double scale = 100, f = 0;
        for (; isdigit((unsigned char)*p); p++, scale /= 10)
            f += (*p - '0') * scale;
        frac_ms = (int64_t)llround(f);
    }
    while (podcast_is_space(*p))
        p++;
    if (*p)
        return -1;
    int64_t total = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0 && parts[i] >= 60)
            return -1;
        total = total * 60 + parts[i];
        if (total > 1000LL * 3600)
            return -1;
    }
    return total * 1000 + frac_ms;
}

/* The word at *pp as a month (1..12), *pp past it; -1 if it is none. */
static int s_month(const char **pp)
{
    size_t n = 0;
    while (isalpha((unsigned char)(*pp)[n]))
        n++;
    int m = date_month(*pp, n);
    if (m == 0)
        return -1;
    *pp += n;
    return m;
}

/* "+hhmm", "-hh:mm" at p into seconds east of UTC; -1 if malformed. */
static int s_zone_numeric(const char *p, int64_t *off)
{
    int sign = *p == '-' ? -1 : 1;
    const char *q = p + 1;
    int64_t hh = podcast_digits(&q, 2);
    if (*q == ':')
        q++;
    int64_t mm = podcast_digits(&q, 2);
    if (hh < 0 || mm < 0 || hh > 23 || mm > 59)
        return -1;
    *off = sign * (hh * 3600 + mm * 60);
    return 0;
}

/* Zone at p: "+hhmm", "-hhmm", a name date_zone knows, or nothing (UTC).
 * Seconds east of UTC in *off; -1 if unknown. */
static int s_zone(const char *p, int64_t *off)
{
    while (podcast_is_space(*p))
        p++;
    *off = 0;
    if (*p == '+' || *p == '-')
        return s_zone_numeric(p, off);
    if (!*p)
        return 0;
    size_t n = 0;
    while (isalpha((unsigned char)p[n]))
        n++;
    int minutes;
    if (!date_zone(p, n, &minutes))
        return -1;
    *off = (int64_t)minutes * 60;
    return 0;
}

/* "HH:MM[:SS]" at *pp into seconds of the day; -1 if malformed. */
static int64_t s_clock(const char **pp)
{
    const char *p = *pp;
    int64_t hh = podcast_digits(&p, 2), mm = -1, ss = 0;
    if (hh >= 0 && *p == ':') {
        p++;
        mm = podcast_digits(&p, 2);
    }
    if (mm >= 0 && *p == ':') {
        p++;
        ss = podcast_digits(&p, 2);
    }
    if (*p == '.')
        for (p++; isdigit((unsigned char)*p); p++)
            ;
    if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60)
        return -1;
    *pp = p;
    return hh * 3600 + mm * 60 + ss;
}

static int
s_date_finish(int64_t y, int64_t m, int64_t d, const char *p, char day[11], int64_t *unix_s)
{
    if (m < 1 || m > 12 || d < 1 || d > 31 || y < 1900 || y > 9999)
        return -1;
    int64_t secs = 0, off = 0;
    while (podcast_is_space(*p) || *p == 'T' || *p == 't')
        p++;
    if (*p && (secs = s_clock(&p)) < 0)
        return -1;
    if (s_zone(p, &off) != 0)
        return -1;
    snprintf(day, 11, "%04d-%02d-%02d", (int)y, (int)m, (int)d);
    *unix_s = date_days_from_civil(y, m, d) * 86400 + secs - off;
    return 0;
}

/* "2019-11-19[T10:20:30Z]": some feeds write ISO 8601 instead of RFC 822.
 * 1 if p is not one (try RFC 822), else the result of finishing it. */
static int s_iso_date(const char *p, char day[11], int64_t *unix_s)
{
    const char *q = p;
    int64_t y = podcast_digits(&q, 4);
    if (y < 0 || q - p != 4 || *q != '-')
        return 1;
    q++;
    int64_t m = podcast_digits(&q, 2);
    int64_t d = *q == '-' ? (q++, podcast_digits(&q, 2)) : -1;
    return s_date_finish(y, m, d, q, day, unix_s);
}

/* Past the separators between RFC 822 date parts. */
static const char *s_date_sep(const char *p)
{
    while (podcast_is_space(*p) || *p == '-')
        p++;
    return p;
}

int podcast_date_parse(const char *s, char day[11], int64_t *unix_s)
{
    if (!s)
        return -1;
    const char *p = s;
    while (podcast_is_space(*p))
        p++;
    int iso = s_iso_date(p, day, unix_s);
    if (iso != 1)
        return iso;
    if (isalpha((unsigned char)*p)) { /* weekday */
        while (isalpha((unsigned char)*p))
            p++;
        while (*p == ',' || podcast_is_space(*p))
            p++;
    }
    int64_t d = podcast_digits(&p, 2);
    p = s_date_sep(p);
    int m = s_month(&p);
    p = s_date_sep(p);
    const char *q = p;
    int64_t y = podcast_digits(&p, 4);
    if (y >= 0 && p - q == 2)
        y += y < 50 ? 2000 : 1900;
    if (d < 0 || m < 0 || y < 0)
        return -1;
    return s_date_finish(y, m, d, p, day, unix_s);
}
