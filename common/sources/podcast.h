/*  podcast.h - the podcast source driver: an RSS 2.0 feed (itunes and
 *  Podcasting 2.0 namespaces) to one episode's published transcript
 *  (<podcast:transcript>), as a state machine with no I/O (srcdrv_impl.h).
 *  Parses RSS with its own small bounded scanner, not a general XML parser:
 *  no DTD, no external or custom entities, no XML namespaces beyond prefix
 *  to URI mapping. Does not transcribe audio.
 *  SPDX-License-Identifier: MIT
 */
#ifndef LODE_PODCAST_H
#define LODE_PODCAST_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "transcript.h"

#define PODCAST_MAX_ITEMS       10000 /* items kept from one feed; later ones are counted */
#define PODCAST_MAX_TRANSCRIPTS 16    /* <podcast:transcript> tags kept per item */
#define PODCAST_MAX_FIELD       8192  /* bytes kept of one text field (title, guid…) */
#define PODCAST_MAX_DEPTH       256   /* element nesting refused beyond this */
#define PODCAST_MAX_PERSONS     32    /* <podcast:person> tags kept per item or channel */
#define PODCAST_NO_DATE         INT64_MIN

/* One <podcast:transcript>. Plain data. */
typedef struct {
    char *url;      /* owned; resolved against the feed URL */
    char *type;     /* owned; lower case, parameters dropped; "" if absent */
    char *language; /* owned or NULL (then the channel's language applies) */
    bool captions;  /* rel="captions" */
} podcast_transcript_t;

/* One <podcast:person>: "<podcast:person role="guest">Bob Guest</podcast:
 * person>". The role is lower case, "host" when absent (the namespace's
 * default); the group is not kept. Plain data. */
typedef struct {
    char *name; /* owned, whitespace collapsed */
    char *role; /* owned: "host", "co-host", "guest", "guest host", ... */
} podcast_person_t;

/* One <item>. Plain data; every string owned or NULL, valid UTF-8. */
typedef struct {
    char *title;
    char *guid;
    char *link;
    char *author;                      /* itunes:author of the item */
    char *published;                   /* "YYYY-MM-DD" as written in pubDate (publisher's day) */
    int64_t published_s;               /* pubDate as Unix seconds, or PODCAST_NO_DATE */
    char *enclosure_url;               /* resolved against the feed URL */
    char *enclosure_type;              /* as written */
    int64_t enclosure_bytes;           /* enclosure length, -1 if absent or not a number */
    int64_t duration_ms;               /* itunes:duration, -1 if absent or malformed */
    podcast_transcript_t *transcripts; /* owned array */
    size_t n_transcripts;
    podcast_person_t *persons; /* owned array: the item's own; when there are
                                  none, the channel's apply */
    size_t n_persons;
} podcast_item_t;

/* A parsed feed. Plain data; strings owned or NULL. */
typedef struct {
    char *title;               /* channel <title> */
    char *author;              /* channel itunes:author */
    char *language;            /* channel <language> */
    char *link;                /* channel <link> */
    podcast_person_t *persons; /* owned array: the channel's <podcast:person> */
    size_t n_persons;
    podcast_item_t *items; /* owned; in feed order */
    size_t n_items;
    size_t n_dropped; /* items past PODCAST_MAX_ITEMS, not kept */
} podcast_feed_t;

/* Parse an RSS 2.0 document. Element names match by namespace URI (itunes,
 * Podcasting 2.0 old and new URIs), falling back to the usual prefixes when
 * a feed forgets to declare them. CDATA, the five XML entities, numeric
 * references and &nbsp; are decoded; other entities stay as written. Fields
 * keep at most PODCAST_MAX_FIELD bytes; invalid UTF-8 is replaced by U+FFFD.
 * base_url (may be NULL) resolves relative URLs. NULL and *err (LODE_EINVAL
 * "podcast: not an RSS feed…" or "podcast: malformed XML: … at line N") on
 * failure. Linear in len. */
podcast_feed_t *podcast_feed_parse(const char *xml, size_t len, const char *base_url, err_t *err);

/* Free; sets *self_p to NULL. Safe on NULL. */
void podcast_feed_destroy(podcast_feed_t **self_p);

/* Choose an episode (borrowed from feed). sel is, tried in this order:
 * NULL, "" or "latest": the newest item; an item's exact guid; an item's
 * link, enclosure URL or guid equal to sel (an episode page or media URL);
 * a number N >= 1: the Nth newest. "Newest" orders items by pubDate, newest
 * first; items without a date keep their feed order after the dated ones.
 * NULL and *err (LODE_ENOTFOUND naming sel and the feed) if none matches. */
const podcast_item_t *podcast_feed_episode(const podcast_feed_t *feed, const char *sel, err_t *err);

/* itunes:duration to milliseconds: "SS", "MM:SS", "HH:MM:SS", with an
 * optional fraction on the seconds ("3723.5", "1:02:03.250"). -1 when
 * malformed, negative or absurd (over 1000 hours). */
int64_t podcast_duration_ms(const char *s);

/* RFC 822/2822 pubDate ("Mon, 04 May 2026 09:00:00 GMT", numeric or US zone,
 * optional weekday and seconds, 2-digit years) to "YYYY-MM-DD" in day[11]
 * (the day as written) and *unix_s (UTC). 0, or -1 if malformed. */
int podcast_date_parse(const char *s, char day[11], int64_t *unix_s);

/* The Podcasting 2.0 JSON transcript ({"version","segments":[{"speaker",
 * "startTime","endTime","body"}]}) as a timed transcript: one segment per
 * JSON segment with a non-blank body, trimmed. Segments are joined by " ",
 * or by "\n\n" after a body ending in "\n". When the file names two or more
 * speakers, a speaker change starts a paragraph with "Name: " (outside any
 * segment, except on the very first one). Each segment with a "speaker"
 * is that speaker's (transcript_set_speaker, whitespace collapsed), with
 * one speaker or many, so snippets say "— Name". A missing endTime is the next
 * startTime (the last: its own start); times may be numbers or numeric
 * strings. NULL and *err: LODE_EINVAL (not JSON, no "segments" array, bad
 * time), LODE_EEMPTY (no text). */
transcript_t *podcast_json_transcript(const char *body, size_t len, err_t *err);

/* An HTML transcript to plain text with paragraphs at blank lines: tags go,
 * block elements (p, div, br, li, h1-h6, tr, cite) break paragraphs, a
 * <cite>Speaker:</cite> stays in front of the paragraph it labels, <time>,
 * <script> and <style> contents go, entities are decoded. Caller frees. */
char *podcast_html_text(const char *body, size_t len, size_t *out_len);

/* The people who speak in an episode, for the source facts ("A conversation
 * between ..."): the transcript's named speakers in order of first turn, then
 * the hosts and guests (roles "host", "co-host", "guest", "guest host") of
 * <podcast:person> on the item, else on the channel, that are not already
 * there (a speaker "Ada" is the person "Ada Host"). At most max names, each
 * a new string, in out[]; returns how many. */
size_t podcast_speakers(const podcast_feed_t *feed,
                        const podcast_item_t *item,
                        const transcript_t *t,
                        char **out,
                        size_t max);

/* The driver (podcast_match, podcast_state_new, podcast_ops: srcdrv_impl.h).
 * The URL is the feed's; the episode is opts->episode, else the fragment's
 * "episode=" value ("https://host/feed.xml#episode=3", percent-decoded),
 * else the latest (see podcast_feed_episode). Requests: the feed (its
 * fragment dropped), then the best transcript (podcast.c s_score: the
 * preferred language, then JSON > VTT > SRT > HTML > text, then
 * rel="captions", then feed order); a transcript that is missing, refused
 * or unparsable makes the next candidate be tried, and when none is left the
 * first failure is reported; a retryable failure (429, 5xx, timeout) ends
 * the run at once. The first step may carry the feed's response instead of
 * NULL: the web driver hands a URL that answered with RSS over this way.
 * Result meta: kind "podcast", format ("json", "vtt", "srt", "html",
 * "text"), title (the item's, else the show's), author (item itunes:author,
 * channel itunes:author, show title), site (show title), published,
 * runtime_ms (itunes:duration, else the last cue's end), language (the
 * transcript's, the channel's, the VTT header's), speakers
 * (podcast_speakers), url (item link, a permalink guid, else the feed
 * URL). No transcript: LODE_ENOTFOUND
 * "podcast: no published transcript for episode 'T' (found enclosure
 * audio/mpeg, 48.2 MB)". */

/* ref resolved against base (RFC 3986 reference resolution, dot segments
 * removed). Caller frees. base may be NULL (ref is copied). */
char *podcast_url_resolve(const char *base, const char *ref);
#endif
