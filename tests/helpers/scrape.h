/*  scrape.h - reading Prometheus pages in tests: a GET over loopback with
 *  libcurl, and a sample's value out of the text exposition format.
 *  Shared by test_metrics, test_stats and test_monitor.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_SCRAPE_H
#define LODE_SCRAPE_H
#include <stddef.h>

/* GET url (5 s limit). The HTTP status, or -1 if there was no answer; the
 * body in *body (caller frees, "" when empty); the Content-Type copied into
 * ctype[ctype_size] when ctype is not NULL. */
long scrape_get(const char *url, char **body, char *ctype, size_t ctype_size);

/* The value of the sample line that starts with "series " in text; NAN if
 * there is none. */
double scrape_sample(const char *text, const char *series);
#endif
