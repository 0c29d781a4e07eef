/*  scrape.h - test helpers for the monitoring endpoints: a free loopback
 *  port, a bounded `curl -s` of a page, one sample out of a Prometheus
 *  text exposition. Test code only.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_SCRAPE_H
#define LODE_SCRAPE_H

/* A loopback TCP port free right now, or -1. */
int scrape_free_port(void);

/* `curl -s --max-time 5 URL`: the body (caller frees), NULL if it failed. */
char *scrape_curl(const char *url);

/* The value of the sample "series value" in a Prometheus text; NAN if none. */
double scrape_sample(const char *text, const char *series);
#endif
