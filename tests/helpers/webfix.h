/*  webfix.h - fixtures shared by the web-source tests (test_web.c,
 *  test_web_pages.c): stand-in servers on loopback that speak the real
 *  protocols, a cluster whose workers fetch from them, and checks of a
 *  job's outcome. Test code only: the checks assert with cmocka.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_WEBFIX_H
#define LODE_WEBFIX_H
#include <stdbool.h>

#include <jansson.h>

#include "cluster.h"
#include "misbehave.h"
#include "podstand.h"
#include "ytstand.h"

#define WEBFIX_JOB_LIMIT_MS  30000 /* one small web source through four stages */
#define WEBFIX_FAIL_LIMIT_MS 15000 /* a fetch that fails */
#define WEBFIX_ALLOW_NET     "127.0.0.0/8,::1/128"
#define WEBFIX_MAX_IDS       16

/* One cluster and the stand-ins it fetches from. */
typedef struct {
    cluster_t *c;
    ytstand_t *yt;    /* YouTube: LODE_YT_BASE points here */
    podstand_t *pod;  /* serves dir */
    misbehave_t *bad; /* the misbehaving server */
    char *dir;        /* owned: the tree podstand serves (removed at the end) */
} webfix_t;

/* A job of a cluster, for cluster_wait_for predicates. */
typedef struct {
    webfix_t *w;
    const char *id;
} webfix_job_ref_t;

/* The fixture of a cmocka state. */
webfix_t *webfix_of(void **state);

/* cmocka group setups: the stand-ins and a cluster whose workers may reach
 * loopback (allowed) or not (guarded), and its teardown (fails on
 * sanitizer reports in the programs' logs). */
int webfix_group_allowed(void **state);
int webfix_group_guarded(void **state);
int webfix_group_down(void **state);

/* Per-test setup and teardown (log dumps for a failed test). */
int webfix_setup(void **state);
int webfix_teardown(void **state);

/* A cluster of its own for a test that cools a host down; the broker gives
 * a fetch two tries. */
int webfix_own_setup(void **state);
int webfix_own_teardown(void **state);

/* URLs of the podcast host's path, the misbehaving server's path and a
 * YouTube video (caller frees). */
char *webfix_pod_url(webfix_t *w, const char *path);
char *webfix_bad_url(webfix_t *w, const char *path);
char *webfix_yt_url(const char *id);

/* Submit one argument list (NULL-terminated) or one URL; exactly one job
 * id (caller frees). */
char *webfix_submit(webfix_t *w, const char *const *args);
char *webfix_submit_url(webfix_t *w, const char *url);

/* A job field as a number, -1 if absent. */
long long webfix_field_ll(webfix_t *w, const char *id, const char *field);

/* The job's field equals want. */
void webfix_assert_field(webfix_t *w, const char *id, const char *field, const char *want);

/* The job's error contains needle (case-insensitively). */
void webfix_assert_error_has(webfix_t *w, const char *id, const char *needle);

/* The job is done; its export passes the document checks; its source
 * facts (caller decrefs) have kind. */
json_t *webfix_expect_done(webfix_t *w, const char *id, const char *kind, bool timed);

/* A string fact of the source; "" if absent. */
const char *webfix_fact(json_t *src, const char *key);

/* The fetch failed permanently: state failed at fetch, typed code, the
 * message has needle, dead-lettered after one try, nothing stored. */
void webfix_expect_dead(webfix_t *w, const char *id, int code, const char *needle);

/* The fetch failed retryably: back to queued with the typed code and
 * message, not dead, waiting in lode:delayed until at least min_delay_ms
 * after the failure. The delay it got. */
long long webfix_expect_delayed(
    webfix_t *w, const char *id, int code, const char *needle, long long min_delay_ms);
#endif
