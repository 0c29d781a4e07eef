/*  textsniff.c - text or binary: magic numbers first (the best message),
 *  then NUL bytes, then the share of invalid UTF-8 and control characters.
 *  SPDX-License-Identifier: MIT
 */
#include "textsniff.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "utf8.h"

typedef struct {
    size_t offset;     /* where the magic starts */
    const char *bytes; /* the magic (may hold NUL bytes: len says) */
    size_t len;        /* bytes in the magic */
    const char *what;  /* "a PDF document" */
} s_magic_t;

/* One table entry; lit is a string literal (its size gives the length). */
#define S_M(off, lit, what)                                                                        \
    {                                                                                              \
        (off), (lit), sizeof(lit) - 1, (what)                                                      \
    }

/* Only magics long or odd enough that no text file starts with them. */
static const s_magic_t s_magics[] = {
    S_M(0, "\177ELF", "an ELF executable"),
    S_M(0, "%PDF-", "a PDF document"),
    S_M(0, "PK\x03\x04", "a ZIP archive (or a DOCX, ODT or EPUB)"),
    S_M(0, "PK\x05\x06", "a ZIP archive"),
    S_M(0, "\x89PNG\r\n\x1a\n", "a PNG image"),
    S_M(0, "\xff\xd8\xff", "a JPEG image"),
    S_M(0, "GIF87a", "a GIF image"),
    S_M(0, "GIF89a", "a GIF image"),
    S_M(0, "\x1f\x8b", "a gzip file"),
    S_M(0, "\3757zXZ", "an xz file"),
    S_M(0, "\x28\xb5\x2f\xfd", "a zstd file"),
    S_M(0, "7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    S_M(4, "1AY&SY", "a bzip2 file"),
    S_M(0, "SQLite format 3", "an SQLite database"),
    S_M(0, "\xca\xfe\xba\xbe", "a Java class or Mach-O file"),
    S_M(0, "\xcf\xfa\xed\xfe", "a Mach-O executable"),
    S_M(0, "\0asm", "a WebAssembly module"),
    S_M(0, "OggS", "an Ogg audio or video file"),
    S_M(0, "fLaC", "a FLAC audio file"),
    S_M(0, "ID3\x03", "an MP3 audio file"),
    S_M(0, "ID3\x04", "an MP3 audio file"),
    S_M(4, "ftyp", "an MP4 or QuickTime file"),
    S_M(8, "WAVE", "a WAV audio file"),
    S_M(8, "WEBP", "a WebP image"),
    S_M(8, "AVI ", "an AVI video"),
    S_M(0, "\x1a\x45\xdf\xa3", "a Matroska or WebM video"),
    S_M(0, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office document"),
    S_M(257, "ustar", "a tar archive"),
};

const char *textsniff_magic(const char *body, size_t len)
{
    if (!body)
        return NULL;
    for (size_t i = 0; i < sizeof s_magics / sizeof s_magics[0]; i++) {
        const s_magic_t *m = &s_magics[i];
        if (len >= m->offset + m->len && memcmp(body + m->offset, m->bytes, m->len) == 0)
            return m->what;
    }
    return NULL;
}

/* A control character that has no place in text (ESC is allowed: some
 * terminal captures colour their lines; DEL counts as bad). */
static bool s_bad_control(uint32_t cp)
{
    if (cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' || cp == 0x1b)
        return false;
    return cp < 0x20 || cp == 0x7f;
}

/* Percent of bad bytes in body[0..len): invalid sequences count each byte
 * they hold, a bad control character one. */
static unsigned s_bad_percent(const char *body, size_t len)
{
    size_t bad = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t used = utf8_decode(body + i, len - i, &cp);
        /* A sequence cut by the end of the sample is not the body's fault. */
        if (cp == 0xFFFD && used == 1 && len - i < 4 && len == TEXTSNIFF_SAMPLE_BYTES)
            break;
        if ((cp == 0xFFFD && used == 1) || s_bad_control(cp))
            bad++;
        i += used;
    }
    return len ? (unsigned)(bad * 100 / len) : 0;
}

int textsniff_check(const char *body, size_t len, err_t *err)
{
    if (!body || len == 0)
        return 0;
    const char *what = textsniff_magic(body, len);
    if (what) {
        err_set(err, LODE_EUNSUPPORTED, "binary content (%s), not text", what);
        return -1;
    }
    const char *nul = memchr(body, '\0', len);
    if (nul) {
        err_set(err, LODE_EUNSUPPORTED, "binary content (a NUL byte at offset %zu), not text",
                (size_t)(nul - body));
        return -1;
    }
    size_t sample = len < TEXTSNIFF_SAMPLE_BYTES ? len : TEXTSNIFF_SAMPLE_BYTES;
    unsigned pct = s_bad_percent(body, sample);
    if (pct > TEXTSNIFF_MAX_BAD_PERCENT) {
        err_set(err, LODE_EUNSUPPORTED,
                "binary content (%u%% of the first %zu bytes are invalid UTF-8 or control "
                "characters), not text",
                pct, sample);
        return -1;
    }
    return 0;
}
