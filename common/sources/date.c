/*  date.c - calendar arithmetic and names (see date.h).
 *  SPDX-License-Identifier: MIT
 */
#include "date.h"

#include <string.h>
#include <strings.h>

int64_t date_days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void date_civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

int date_month(const char *w, size_t n)
{
    static const char *const names[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                        "jul", "aug", "sep", "oct", "nov", "dec"};
    if (n < 3)
        return 0;
    for (int i = 0; i < 12; i++) {
        if (strncasecmp(w, names[i], 3) == 0)
            return i + 1;
    }
    return 0;
}

bool date_zone(const char *w, size_t n, int *minutes)
{
    static const struct {
        const char *name;
        int minutes;
    } zones[] = {{"gmt", 0},    {"ut", 0},     {"utc", 0},    {"z", 0},      {"est", -300},
                 {"edt", -240}, {"cst", -360}, {"cdt", -300}, {"mst", -420}, {"mdt", -360},
                 {"pst", -480}, {"pdt", -420}, {"bst", 60},   {"cet", 60},   {"cest", 120}};

    for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++) {
        if (strlen(zones[i].name) == n && strncasecmp(w, zones[i].name, n) == 0) {
            *minutes = zones[i].minutes;
            return true;
        }
    }
    return false;
}
