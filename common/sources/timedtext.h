/*  timedtext.h - YouTube caption bodies (the /api/timedtext answer) into a
 *  timed transcript: json3, srv3 (<timedtext format="3">), legacy/srv1
 *  (<transcript><text start dur>) and WebVTT, sniffed from the body. Small
 *  bounded scanners, no XML library; no I/O.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_TIMEDTEXT_H
#define LODE_TIMEDTEXT_H
#include <stddef.h>

#include "err.h"
#include "job.h"
#include "transcript.h"

#define TIMEDTEXT_MAX_BYTES JOB_SOURCE_MAX_BYTES /* largest body parsed: the one size rule */

typedef enum {
    TIMEDTEXT_UNKNOWN = 0,
    TIMEDTEXT_JSON3,  /* {"wireMagic":"pb3","events":[…]} */
    TIMEDTEXT_SRV3,   /* <timedtext format="3"><body><p t d>… */
    TIMEDTEXT_LEGACY, /* <transcript><text start dur>… (also fmt=srv1) */
    TIMEDTEXT_VTT,    /* WEBVTT (fmt=vtt) */
} timedtext_format_t;

/* The format of body, from its first bytes (BOM, whitespace and an XML
 * declaration skipped). TIMEDTEXT_UNKNOWN for anything else, including an
 * empty or all-whitespace body. */
timedtext_format_t timedtext_sniff(const char *body, size_t len);

/* Stable short name: "json3", "srv3", "srv1", "vtt", "unknown". */
const char *timedtext_format_name(timedtext_format_t fmt);

/* Parse body (len bytes, any bytes) in format fmt (TIMEDTEXT_UNKNOWN = sniff)
 * into a new timed transcript: one segment per caption event, joined by " ",
 * entities decoded (twice for legacy, whose text is escaped twice), markup
 * dropped, whitespace collapsed, invalid UTF-8 replaced. Roll-up captions
 * (an event repeating the previous event's last line while it is still on
 * screen, or growing the previous event's text) are merged so no text is
 * duplicated; a segment's end is cut at the next segment's start. Events
 * that are only noise ("[Music]", "♪") are dropped.
 * Fails with LODE_EEMPTY "empty caption body" when no text is left,
 * LODE_EUNSUPPORTED for an unrecognised format, LODE_EINVAL for malformed
 * JSON, LODE_ETOOBIG past TIMEDTEXT_MAX_BYTES. Linear in len. */
transcript_t *timedtext_parse(const char *body, size_t len, timedtext_format_t fmt, err_t *err);
#endif
