/*  misbehave.h - a loopback HTTP/1.1 server that misbehaves on purpose, for
 *  the HTTP layer's tests and benchmark. It runs in a forked child process
 *  (thread per connection) on a free 127.0.0.1 port, so it neither blocks
 *  nor shows up in the caller's RSS. Routes:
 *    /ok /json /echo           plain answers (/echo repeats method, body, cookie)
 *    /slow?ms=N                answers after N ms (default 1000)
 *    /drip                     one body byte per second, forever
 *    /endless                  an endless chunked body
 *    /hugeheaders              about 200 KB of response headers
 *    /redirect-ok              302 to /ok
 *    /redirect-loop            302 to itself
 *    /redirect-private         302 to http://10.0.0.1/ (never reached: the guard refuses it)
 *    /redirect-loopback2       302 to http://127.0.0.2:PORT/ok
 *    /redirect-localhost       302 to http://localhost:PORT/ok
 *    /redirect-ftp             302 to ftp://127.0.0.1/
 *    /429                      429 with Retry-After: 7
 *    /status?code=N&retry=S    status N, with Retry-After: S when given
 *    /captcha                  503 bot-check page without Retry-After
 *    /gzip                     a small valid gzip body ("hello gzip")
 *    /gzipbomb                 gzip that inflates to 64 MiB of zeros
 *    /latin1                   charset=iso-8859-1 body "café"
 *    /metacharset              HTML declaring windows-1252 in <meta>
 *    /badutf8                  charset=utf-8 body with two invalid bytes
 *    /utf16bom                 UTF-16LE with a BOM, no charset ("hi")
 *    /xmlenc                   RSS declaring ISO-8859-1 in <?xml?> ("café")
 *    /retrydate                503 with Retry-After as an HTTP date 5 s ahead
 *    /binary                   image/png
 *    /big?n=N                  N bytes with Content-Length
 *    /bigchunked?n=N           N bytes chunked, no Content-Length
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_MISBEHAVE_H
#define LODE_MISBEHAVE_H

typedef struct misbehave misbehave_t;

/* Start the server in a child process. NULL on failure (errno set). */
misbehave_t *misbehave_start(void);

/* Kill the child and free; sets *self_p to NULL. */
void misbehave_stop(misbehave_t **self_p);

/* The port it listens on (127.0.0.1). */
int misbehave_port(const misbehave_t *self);

/* Requests received so far, and the most handled at once. */
long misbehave_requests(const misbehave_t *self);
long misbehave_peak(const misbehave_t *self);
#endif
