/*  transcript.h - a source's text with its segments (cues or paragraphs),
 *  and its JSON form. Offsets are bytes in memory and Unicode code points in
 *  JSON, so that text[offset:offset+length] works for any JSON reader.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_TRANSCRIPT_H
#define LODE_TRANSCRIPT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef struct {
    int64_t start_ms; /* -1 when the source is untimed */
    int64_t end_ms;   /* -1 when the source is untimed */
    size_t offset;    /* bytes into text */
    size_t length;    /* bytes */
    uint32_t speaker; /* 1 + index into the transcript's speakers; 0 = not known */
} transcript_seg_t;

/* When a segment is said: ms from the start; both -1 when untimed. */
typedef struct {
    int64_t start_ms;
    int64_t end_ms;
} transcript_time_t;

#define TRANSCRIPT_UNTIMED ((transcript_time_t){-1, -1})

/* Plain data: the fields are the interface. */
typedef struct {
    char *text;             /* owned; valid UTF-8, NUL-terminated */
    size_t len;             /* bytes in text */
    transcript_seg_t *segs; /* owned; in text order, non-overlapping */
    size_t n_segs;
    size_t cap_segs;
    bool timed;      /* true if segments carry times */
    char **speakers; /* owned: the distinct speaker names, in order of first turn */
    size_t n_speakers;
    /* Private: transcript_cp/transcript_byte's index (the byte offset of
     * every 64th code point), made on first use for this text and len. */
    size_t *cp_marks;
    size_t n_cp_marks, n_cp;
    const char *cp_text;
    size_t cp_len;
} transcript_t;

#define TRANSCRIPT_MAX_SPEAKERS     256 /* names kept; later new ones are not recorded */
#define TRANSCRIPT_MAX_SPEAKER_NAME 128 /* bytes of one name */

/* An empty transcript. */
transcript_t *transcript_new(void);

/* Free; sets *self_p to NULL. Safe on NULL. */
void transcript_destroy(transcript_t **self_p);

/* Append one segment of text (valid UTF-8, len bytes). When the transcript is
 * not empty, sep (e.g. " " for cues, "\n\n" for paragraphs) is inserted first
 * and belongs to no segment. at is TRANSCRIPT_UNTIMED for untimed text. Fails with
 * LODE_ETOOBIG past 256 MB. */
LODE_MUST_CHECK int transcript_append(transcript_t *self,
                                      const char *sep,
                                      const char *text,
                                      size_t len,
                                      transcript_time_t at,
                                      err_t *err);

/* Name the speaker of segment seg (WebVTT <v Name>, a "Name:" turn, a
 * podcast transcript's "speaker"). name[0..len) is trimmed and bounded;
 * an empty name, a bad index or a full table leaves the segment unnamed. */
void transcript_set_speaker(transcript_t *self, size_t seg, const char *name, size_t len);

/* The speaker of the segment holding byte offset (or the next one after a
 * gap), or NULL when not known. */
const char *transcript_speaker_at(const transcript_t *self, size_t offset);

/* start_ms of the segment holding byte offset, or -1 (untimed or between
 * segments: then the next segment's start is used if any). */
int64_t transcript_time_at(const transcript_t *self, size_t offset);

/* Code point index of a byte offset in text. This and transcript_byte build
 * an index on first use (and again when text or len changed), so they cost
 * O(log n) instead of a scan from the start; like any first write, not to
 * be raced by two threads on one transcript. */
size_t transcript_cp(const transcript_t *self, size_t offset);

/* Byte offset of a code point index in text. */
size_t transcript_byte(const transcript_t *self, size_t cp);

/* Where a run of conversions got to: offsets asked in ascending order are
 * converted in one pass over the text instead of one pass each. Start it
 * zeroed; asking for an earlier offset starts over from the beginning. */
typedef struct {
    size_t byte;
    size_t cp;
} transcript_cursor_t;

/* transcript_cp and transcript_byte, going on from *c. */
size_t transcript_cp_from(const transcript_t *self, transcript_cursor_t *c, size_t offset);
size_t transcript_byte_from(const transcript_t *self, transcript_cursor_t *c, size_t cp);

/* JSON {"text": …, "segments": [{"start_ms","end_ms","offset","length",
 * "speaker"}]}, offsets in code points, times omitted when untimed and the
 * speaker when not known. Caller frees. */
char *transcript_to_json(const transcript_t *self);

/* Parse what transcript_to_json wrote. NULL and *err (LODE_EINVAL) on
 * malformed JSON or out-of-range segments. */
transcript_t *transcript_from_json(const char *json, size_t len, err_t *err);
#endif
