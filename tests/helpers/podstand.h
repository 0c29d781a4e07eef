/*  podstand.h - a stand-in podcast host for tests: a loopback HTTP/1.1
 *  server on a free 127.0.0.1 port, in a thread, serving a fixture
 *  directory (feeds with and without transcripts, each transcript format;
 *  podcast/people: a feed with <podcast:person> on channel and item and a
 *  JSON transcript that names its speakers).
 *  One request per connection, GET only. Test code only.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_PODSTAND_H
#define LODE_PODSTAND_H
#include <stddef.h>

typedef struct podstand podstand_t;

/* Serve the files under dir (a path copied). Content types by suffix: .xml
 * .rss application/rss+xml, .vtt text/vtt, .srt application/x-subrip, .json
 * application/json, .html text/html, .txt text/plain, .md text/markdown,
 * else application/octet-stream. "@BASE@" in a body becomes the server's
 * base URL. "/status/NNN" answers status NNN (with "Retry-After: 2" for 429
 * and 503); a missing file is 404; ".." in a path is 400. NULL if the
 * socket or thread cannot be set up. */
podstand_t *podstand_start(const char *dir);

/* "http://127.0.0.1:PORT", no trailing slash. Borrowed. */
const char *podstand_url(const podstand_t *self);

/* Requests answered so far. */
size_t podstand_requests(const podstand_t *self);

/* Stop the thread, close the socket, free; sets *self_p to NULL. Safe on
 * NULL. */
void podstand_stop(podstand_t **self_p);
#endif
